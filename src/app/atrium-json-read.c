/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-json-read.h"

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  return object != NULL ? json_object_get_member (object, name) : NULL;
}

JsonArray *
atrium_json_array_member (JsonObject *object,
                          const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

JsonArray *
atrium_json_document_array (JsonNode   *document,
                            const char *name)
{
  return document != NULL && JSON_NODE_HOLDS_OBJECT (document)
         ? atrium_json_array_member (json_node_get_object (document), name) : NULL;
}

JsonObject *
atrium_json_object_member (JsonObject *object,
                           const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonObject *
atrium_json_object_element (JsonArray *array,
                            guint      i)
{
  JsonNode *node = array != NULL && i < json_array_get_length (array)
                   ? json_array_get_element (array, i) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

gint64
atrium_json_int_member (JsonObject *object,
                        const char *name,
                        gint64      fallback)
{
  JsonNode *node = member (object, name);

  return node != NULL && json_node_get_value_type (node) == G_TYPE_INT64
         ? json_node_get_int (node) : fallback;
}

const char *
atrium_json_string_member (JsonObject *object,
                           const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : "";
}

gboolean
atrium_json_bool_member (JsonObject *object,
                         const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}
