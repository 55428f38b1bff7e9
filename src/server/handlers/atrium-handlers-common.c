/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <libsoup/soup.h>

#include "atrium-auth.h"
#include "atrium-store-audit.h"

/* What the handlers of every API area share. */

AtriumAuth *
atrium_handlers_auth (AtriumRequest *request)
{
  return atrium_server_get_service (request->server, ATRIUM_SERVICE_AUTH);
}

/* A member of the decoded body; the schema already vouched for its type. */
const char *
atrium_handlers_member_string (AtriumRequest *request,
                               const char    *name)
{
  JsonObject *object = json_node_get_object (request->json);

  if (!json_object_has_member (object, name) || json_object_get_null_member (object, name))
    return NULL;
  return json_object_get_string_member (object, name);
}

void
atrium_handlers_reply_builder (AtriumRequest *request,
                               guint          status,
                               JsonBuilder   *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  atrium_request_reply_json (request, status, root);
}

/* "roles": [{"role": "staff", "site": 2}, {"role": "reporting"}] */
void
atrium_handlers_add_roles (JsonBuilder      *builder,
                           const AtriumUser *user)
{
  json_builder_set_member_name (builder, "roles");
  json_builder_begin_array (builder);
  for (guint bit = 1; bit <= ATRIUM_ROLE_ADMIN; bit <<= 1)
    {
      gboolean per_site = FALSE;

      if ((user->roles & bit) == 0)
        continue;
      for (guint i = 0; i < user->site_roles->len; i++)
        {
          AtriumSiteRole *grant = &g_array_index (user->site_roles, AtriumSiteRole, i);

          if (grant->role != bit)
            continue;
          per_site = TRUE;
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "role");
          json_builder_add_string_value (builder, atrium_role_to_string (bit));
          json_builder_set_member_name (builder, "site");
          json_builder_add_int_value (builder, grant->site_id);
          json_builder_end_object (builder);
        }
      if (!per_site)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "role");
          json_builder_add_string_value (builder, atrium_role_to_string (bit));
          json_builder_end_object (builder);
        }
    }
  json_builder_end_array (builder);
}

/* The members of a user object; @full adds what only the user and admins may see. */
void
atrium_handlers_add_user_members (JsonBuilder      *builder,
                                  const AtriumUser *user,
                                  gboolean          full)
{
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, user->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, user->name);
  if (full)
    {
      json_builder_set_member_name (builder, "email");
      json_builder_add_string_value (builder, user->email);
      atrium_handlers_add_text (builder, "phone", user->phone);
      json_builder_set_member_name (builder, "totp");
      json_builder_add_boolean_value (builder, user->totp_confirmed);
      json_builder_set_member_name (builder, "disabled");
      json_builder_add_boolean_value (builder, user->disabled);
      json_builder_set_member_name (builder, "no_shows");
      json_builder_add_int_value (builder, user->no_shows);
    }
  atrium_handlers_add_roles (builder, user);
}

/* An audit entry about something other than a user: "site:3", "space:12". */
void
atrium_handlers_audit (AtriumRequest *request,
                       AtriumDb      *writer,
                       const char    *event,
                       const char    *subject,
                       const char    *detail)
{
  g_autofree char *actor = request->principal.user_id != 0
    ? g_strdup_printf ("user:%" G_GINT64_FORMAT, request->principal.user_id)
    : g_strdup_printf ("device:%" G_GINT64_FORMAT, request->principal.device_id);
  AtriumAuditEntry entry = { event, ATRIUM_AUDIT_SUCCESS, actor, subject, request->client_ip,
                             request->request_id, detail };
  g_autoptr(GError) error = NULL;

  if (!atrium_store_audit_append (writer, atrium_server_get_clock (request->server), &entry,
                                  &error))
    atrium_server_log_error (request->server, request->request_id, "audit: %s",
                             error->message);
}

/* The path's {id} as a positive number, or a 404 naming @what. */
gboolean
atrium_handlers_param_id (AtriumRequest *request,
                          guint          index,
                          const char    *what,
                          gint64        *id)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (atrium_request_get_param (request, index), 10, 1,
                                   G_MAXINT64, &value, NULL))
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such %s", what);
      return FALSE;
    }
  *id = (gint64) value;
  return TRUE;
}

/* Answers a failed store call: 404, 409 for a constraint, else 500 (logged). */
void
atrium_handlers_reply_store_error (AtriumRequest *request,
                                   const GError  *error,
                                   const char    *conflict)
{
  if (g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
    atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found", "%s",
                                error->message);
  else if (g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT))
    atrium_request_reply_error (request, SOUP_STATUS_CONFLICT, "conflict", "%s", conflict);
  else
    atrium_server_log_error (request->server, request->request_id, "%s",
                             error != NULL ? error->message : "store error");
}

gboolean
atrium_handlers_end_transaction (AtriumDb  *db,
                                 gboolean   ok,
                                 GError   **error)
{
  if (ok && atrium_db_exec (db, "COMMIT;", error))
    return TRUE;
  atrium_db_exec (db, "ROLLBACK;", NULL);
  return FALSE;
}

/* A string member, or null for NULL. */
void
atrium_handlers_add_text (JsonBuilder *builder,
                          const char  *name,
                          const char  *text)
{
  json_builder_set_member_name (builder, name);
  if (text != NULL)
    json_builder_add_string_value (builder, text);
  else
    json_builder_add_null_value (builder);
}

void
atrium_handlers_reply_sessions (AtriumRequest *request,
                                gint64         user_id)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  AtriumDb *db;

  db = atrium_store_read_begin (store);
  sessions = atrium_store_sessions_list (db, user_id, &error);
  atrium_store_read_end (store, db);
  if (sessions == NULL)
    {
      atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sessions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < sessions->len; i++)
    {
      const AtriumSessionInfo *session = g_ptr_array_index (sessions, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, session->id);
      atrium_handlers_add_time (builder, "created_at", session->created_at);
      atrium_handlers_add_time (builder, "last_seen_at", session->last_seen_at);
      atrium_handlers_add_text (builder, "ip", session->ip);
      atrium_handlers_add_text (builder, "user_agent", session->user_agent);
      json_builder_set_member_name (builder, "second_factor");
      json_builder_add_boolean_value (builder, session->second_factor);
      json_builder_set_member_name (builder, "current");
      json_builder_add_boolean_value (builder, session->id == request->principal.session_id);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* An RFC 3339 time in UTC, or null for 0 (never). */
void
atrium_handlers_add_time (JsonBuilder *builder,
                          const char  *name,
                          gint64       seconds)
{
  json_builder_set_member_name (builder, name);
  if (seconds == 0)
    json_builder_add_null_value (builder);
  else
    {
      g_autofree char *text = atrium_time_format_iso8601 (seconds * ATRIUM_USEC_PER_SEC);

      json_builder_add_string_value (builder, text);
    }
}
