/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <libsoup/soup.h>

/* GET /healthz: whether the store answers. Says nothing else about the server. */
static void
handle_healthz (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  AtriumDb *db = atrium_store_read_begin (store);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  gboolean ok = atrium_db_get_schema_version (db, &error) > 0;

  atrium_store_read_end (store, db);
  json_object_set_string_member (object, "status", ok ? "ok" : "unavailable");
  json_node_take_object (node, object);
  atrium_request_reply_json (request, ok ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE,
                             node);
}

static const AtriumRoute routes[] = {
  { "GET", "/healthz", 0, ATRIUM_ROUTE_PUBLIC, NULL, handle_healthz },
};

void
atrium_handlers_register_system (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
