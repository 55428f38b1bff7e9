/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <libsoup/soup.h>

#include "atrium-auth.h"
#include "atrium-store-security.h"

#define ADMIN       ATRIUM_ROLE_ADMIN
#define ADMIN_FLAGS ATRIUM_ROUTE_SECOND_FACTOR

/* ?limit=N, 1–1000, 100 by default; anything else is a 400. */
static gboolean
query_limit (AtriumRequest *request,
             guint         *limit)
{
  const char *text = atrium_request_get_query (request, "limit");
  guint64 value = 100;

  if (text != NULL && !g_ascii_string_to_unsigned (text, 10, 1, 1000, &value, NULL))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid",
                                  "limit: a whole number from 1 to 1000");
      return FALSE;
    }
  *limit = (guint) value;
  return TRUE;
}

static gboolean
query_time (AtriumRequest  *request,
            const char     *name,
            char          **out)
{
  const char *text = atrium_request_get_query (request, name);
  gint64 usec;

  *out = NULL;
  if (text == NULL)
    return TRUE;
  if (!atrium_time_parse_iso8601 (text, &usec, NULL))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid",
                                  "%s: a date and time such as 2026-11-24T09:30:00Z", name);
      return FALSE;
    }
  *out = atrium_time_format_iso8601 (usec);
  return TRUE;
}

typedef gboolean (*ListFunc) (AtriumRequest *request,
                              AtriumDb      *db,
                              JsonBuilder   *builder);

static void
reply_list (AtriumRequest *request,
            const char    *member,
            ListFunc       list)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  AtriumDb *db;
  gboolean ok;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  db = atrium_store_read_begin (store);
  ok = list (request, db, builder);
  atrium_store_read_end (store, db);
  if (!ok)
    return;
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

static gboolean
list_audit (AtriumRequest *request,
            AtriumDb      *db,
            JsonBuilder   *builder)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  const char *event = atrium_request_get_query (request, "event");
  guint limit;

  if (!query_limit (request, &limit) || !query_time (request, "from", &from) ||
      !query_time (request, "to", &to))
    return FALSE;
  return atrium_store_audit_list (db, from, to, event, limit, builder, NULL);
}

/* GET /api/v1/audit?from&to&event&limit: newest first. */
static void
handle_audit (AtriumRequest *request)
{
  reply_list (request, "entries", list_audit);
}

static gboolean
list_events (AtriumRequest *request,
             AtriumDb      *db,
             JsonBuilder   *builder)
{
  guint limit;

  return query_limit (request, &limit) && atrium_store_events_list (db, limit, builder, NULL);
}

/* GET /api/v1/security/events?limit */
static void
handle_events (AtriumRequest *request)
{
  reply_list (request, "events", list_events);
}

static gboolean
list_blocks (AtriumRequest *request,
             AtriumDb      *db,
             JsonBuilder   *builder)
{
  return atrium_store_blocks_list (db, atrium_clock_now (atrium_server_get_clock (request->server)),
                                   builder, NULL);
}

/* GET /api/v1/security/blocks: the addresses blocked now. */
static void
handle_blocks (AtriumRequest *request)
{
  reply_list (request, "blocks", list_blocks);
}

/* DELETE /api/v1/security/blocks/{ip} */
static void
handle_unblock (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  const char *ip = atrium_request_get_param (request, 0);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (ip);
  gint64 removed = 0;
  AtriumDb *db;

  if (address != NULL)
    {
      db = atrium_store_write_begin (store);
      removed = atrium_store_block_remove (db, ip, NULL);
      if (removed > 0)
        atrium_auth_audit (atrium_handlers_auth (request), db, request, "ip_unblocked",
                           ATRIUM_AUDIT_SUCCESS, request->principal.user_id, 0, ip);
      atrium_store_write_end (store);
    }
  if (removed <= 0)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "This address is not blocked");
      return;
    }
  atrium_server_unblock_address (request->server, ip);
  atrium_request_reply_bytes (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
}

static const AtriumRoute routes[] = {
  { "GET", "/api/v1/audit", ADMIN, ADMIN_FLAGS, NULL, handle_audit },
  { "GET", "/api/v1/security/events", ADMIN, ADMIN_FLAGS, NULL, handle_events },
  { "GET", "/api/v1/security/blocks", ADMIN, ADMIN_FLAGS, NULL, handle_blocks },
  { "DELETE", "/api/v1/security/blocks/{ip}", ADMIN, ADMIN_FLAGS, NULL, handle_unblock },
};

void
atrium_handlers_register_security (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
