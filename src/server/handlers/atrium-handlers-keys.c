/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <libsoup/soup.h>

#include "atrium-store-keys.h"

/* The public keys check-in codes are verified with: kiosks keep them to check codes
 * offline. Not secret, but like everything else only for those signed in. */

/* GET /api/v1/keys: {"keys": [{"id", "alg", "public_key"}]}, oldest first. */
static void
handle_keys (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  AtriumDb *db = atrium_store_read_begin (store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) keys = atrium_store_signing_keys_list (db, &error);
  g_autoptr(JsonBuilder) builder = NULL;

  atrium_store_read_end (store, db);
  if (keys == NULL)
    {
      atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "keys");
  json_builder_begin_array (builder);
  for (guint i = 0; i < keys->len; i++)
    {
      const AtriumCheckinKey *key = &g_array_index (keys, AtriumCheckinKey, i);
      g_autofree char *public_key = g_base64_encode (key->public_key,
                                                     sizeof key->public_key);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, key->id);
      json_builder_set_member_name (builder, "alg");
      json_builder_add_string_value (builder, "Ed25519");
      json_builder_set_member_name (builder, "public_key");
      json_builder_add_string_value (builder, public_key);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

static const AtriumRoute routes[] = {
  { "GET", "/api/v1/keys", ATRIUM_ROLES_USERS | ATRIUM_ROLE_KIOSK, 0, NULL, handle_keys },
};

void
atrium_handlers_register_keys (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
