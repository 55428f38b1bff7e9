/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-fuzz"

#include "config.h"

#include "atrium-json.h"

#include <math.h>
#include <string.h>

#include "atrium-fuzz.h"

static const AtriumJsonField attrs_fields[] = {
  { "quiet", ATRIUM_JSON_BOOL, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, NULL },
  { "note", ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 0, 40, NULL, NULL },
  { "level", ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, -3, 3, NULL, NULL },
  { NULL, 0, 0, 0, 0, NULL, NULL }
};

static const AtriumJsonField seat_item = {
  NULL, ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, 1, 500, NULL, NULL
};

static const AtriumJsonField guest_fields[] = {
  { "name", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 40, NULL, NULL },
  { "age", ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, 0, 150, NULL, NULL },
  { NULL, 0, 0, 0, 0, NULL, NULL }
};

static const AtriumJsonField guest_item = {
  NULL, ATRIUM_JSON_OBJECT, ATRIUM_JSON_NULLABLE, 0, 0, guest_fields, NULL
};

static const AtriumJsonField booking_fields[] = {
  { "room", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 64, NULL, NULL },
  { "start", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, 0, NULL, NULL },
  { "hours", ATRIUM_JSON_NUMBER, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, NULL },
  { "attrs", ATRIUM_JSON_OBJECT, ATRIUM_JSON_NULLABLE, 0, 0, attrs_fields, NULL },
  { "seats", ATRIUM_JSON_ARRAY, ATRIUM_JSON_OPTIONAL, 0, 8, NULL, &seat_item },
  { "guests", ATRIUM_JSON_ARRAY, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, &guest_item },
  { NULL, 0, 0, 0, 0, NULL, NULL }
};

/* Checks every value and returns the nesting depth. */
static guint
walk (JsonNode *node)
{
  guint deepest = 0;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          guint depth = walk (json_array_get_element (array, i));

          deepest = MAX (deepest, depth);
        }
      return deepest + 1;
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          guint depth;

          CHECK (g_utf8_validate (name, -1, NULL));
          depth = walk (member);
          deepest = MAX (deepest, depth);
        }
      return deepest + 1;
    }

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *str = json_node_get_string (node);

      CHECK (g_utf8_validate (str, -1, NULL));
    }

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    CHECK (isfinite (json_node_get_double (node)));

  return 0;
}

static void
check_failure (JsonNode     *node,
               const GError *error,
               const char   *field)
{
  CHECK (node == NULL);
  CHECK (error != NULL);
  CHECK (error->domain == ATRIUM_CORE_ERROR);
  CHECK (error->code >= ATRIUM_CORE_ERROR_INVALID
         && error->code <= ATRIUM_CORE_ERROR_OUT_OF_RANGE);
  CHECK (error->message != NULL && strstr (error->message, ": ") != NULL);
  CHECK (field != NULL);
  CHECK (g_utf8_validate (field, -1, NULL));
  if (field[0] == '\0')
    CHECK (g_str_has_prefix (error->message, "body: "));
}

/* What we accept must survive being written out and read back unchanged. */
static void
check_round_trip (JsonNode *node)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) again = NULL;

  atrium_json_write_to (text, node);
  again = atrium_json_parse (text->str, text->len, text->len, NULL, &error);
  if (again == NULL)
    fprintf (stderr, "round trip failed on %s: %s\n", text->str, error->message);
  CHECK (again != NULL);
  CHECK (json_node_equal (node, again));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GError) decode_error = NULL;
  g_autofree char *parse_field = NULL;
  g_autofree char *decode_field = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  g_autoptr(JsonNode) decoded = NULL;

  if (size > ATRIUM_JSON_DEFAULT_MAX_SIZE)
    return 0;

  parsed = atrium_json_parse (text, size, 0, &parse_field, &parse_error);
  if (parsed == NULL)
    {
      check_failure (parsed, parse_error, parse_field);
    }
  else
    {
      CHECK (parse_error == NULL);
      CHECK (parse_field == NULL);
      CHECK (walk (parsed) <= ATRIUM_JSON_MAX_DEPTH);
      check_round_trip (parsed);
    }

  decoded = atrium_json_decode (text, size, 0, booking_fields, &decode_field, &decode_error);
  if (decoded == NULL)
    {
      check_failure (decoded, decode_error, decode_field);
      if (parsed == NULL)
        {
          /* decode parses first, so it fails the same way. */
          CHECK (decode_error->code == parse_error->code);
          CHECK (g_str_equal (decode_field, parse_field));
          CHECK (g_str_equal (decode_error->message, parse_error->message));
        }
      else
        {
          CHECK (decode_error->code == ATRIUM_CORE_ERROR_WRONG_TYPE
                 || decode_error->code == ATRIUM_CORE_ERROR_UNKNOWN_KEY
                 || decode_error->code == ATRIUM_CORE_ERROR_MISSING
                 || decode_error->code == ATRIUM_CORE_ERROR_OUT_OF_RANGE);
        }
    }
  else
    {
      JsonObject *object;

      CHECK (decode_error == NULL);
      CHECK (decode_field == NULL);
      CHECK (parsed != NULL);
      CHECK (JSON_NODE_HOLDS_OBJECT (decoded));
      CHECK (json_node_equal (parsed, decoded));

      object = json_node_get_object (decoded);
      CHECK (json_object_has_member (object, "room"));
      CHECK (json_object_has_member (object, "start"));
      CHECK (g_utf8_strlen (json_object_get_string_member (object, "room"), -1) <= 64);
    }

  /* A limit one byte short is refused before anything else (0 would mean the default). */
  if (size > 1)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *field = NULL;
      JsonNode *node = atrium_json_parse (text, size, size - 1, &field, &error);

      check_failure (node, error, field);
      CHECK (error->code == ATRIUM_CORE_ERROR_TOO_LARGE);
      CHECK (field[0] == '\0');
    }

  return 0;
}
