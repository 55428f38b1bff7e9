/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Reading the server's documents without trusting their shape: each answers NULL (or the
 * fallback) for a missing member, a member of another type, or a NULL @object. */

JsonArray  *atrium_json_array_member   (JsonObject *object,
                                        const char *name);
/* The same of a document's root object. */
JsonArray  *atrium_json_document_array (JsonNode   *document,
                                        const char *name);
JsonObject *atrium_json_object_member  (JsonObject *object,
                                        const char *name);
JsonObject *atrium_json_object_element (JsonArray  *array,
                                        guint       i);
gint64      atrium_json_int_member     (JsonObject *object,
                                        const char *name,
                                        gint64      fallback);
/* "" when missing. */
const char *atrium_json_string_member  (JsonObject *object,
                                        const char *name);
gboolean    atrium_json_bool_member    (JsonObject *object,
                                        const char *name);

G_END_DECLS
