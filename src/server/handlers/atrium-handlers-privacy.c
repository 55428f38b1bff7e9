/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <libsoup/soup.h>

#include "atrium-auth.h"
#include "atrium-download.h"
#include "atrium-privacy.h"

/* GET /api/v1/me/export and DELETE /api/v1/me (DESIGN.md §3): a person's copy of their
 * data and the erasure of their account. */

typedef struct
{
  gint64 user_id;
  gint64 session_id;
} Job;

static gboolean
download_write (const guint8  *data,
                gsize          length,
                gpointer       user_data,
                GError       **error)
{
  return atrium_download_write (user_data, data, length, error);
}

/* On the download's thread, with a read connection of its own: one snapshot. */
static gboolean
produce (AtriumDownload  *download,
         gpointer         user_data,
         GError         **error)
{
  Job *job = user_data;
  AtriumServer *server = atrium_download_get_server (download);
  g_autoptr(AtriumDb) db = atrium_store_open_reader (atrium_server_get_store (server), error);

  if (db == NULL || !atrium_download_begin (download, -1, error))
    return FALSE;
  return atrium_privacy_write_export (db, job->user_id, job->session_id,
                                      atrium_clock_now (atrium_server_get_clock (server)),
                                      download_write, download,
                                      atrium_download_get_cancellable (download), error);
}

/* GET /api/v1/me/export: streamed, so its size is not bounded by memory; audited before
 * the snapshot is taken, so the document shows its own entry. */
static void
handle_export (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autofree char *subject = g_strdup_printf ("user:%" G_GINT64_FORMAT,
                                              request->principal.user_id);
  g_autofree char *stamp = NULL;
  g_autofree char *disposition = NULL;
  Job *job = g_new0 (Job, 1);

  job->user_id = request->principal.user_id;
  job->session_id = request->principal.session_id;
  if (!atrium_request_reply_download (request, "application/json", produce, job, g_free))
    return;
  stamp = atrium_time_format_iso8601 (atrium_clock_now_usec (
    atrium_server_get_clock (request->server)));
  stamp[10] = '\0';
  disposition = g_strdup_printf ("attachment; filename=\"atrium-my-data-%s.json\"", stamp);
  atrium_request_add_header (request, "Content-Disposition", disposition);
  atrium_request_add_header (request, "Cache-Control", "no-store");
  atrium_handlers_audit (request, atrium_store_write_begin (store), "personal_data_export",
                         subject, NULL);
  atrium_store_write_end (store);
}

static const AtriumJsonField erase_schema[] = {
  { "password", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 1024 },
  { NULL }
};

/* DELETE /api/v1/me {password}: the current password, and for an account with a second
 * factor a session that passed it. The last administrator stays (409). */
static void
handle_erase (AtriumRequest *request)
{
  AtriumAuth *auth = atrium_handlers_auth (request);
  AtriumStore *store = atrium_server_get_store (request->server);
  gint64 user_id = request->principal.user_id;
  g_autoptr(AtriumUser) user = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *actor = g_strdup_printf ("user:%" G_GINT64_FORMAT, user_id);
  gint64 cancelled = 0, anonymised = 0;
  gboolean ok;
  AtriumDb *db;

  db = atrium_store_read_begin (store);
  user = atrium_store_user_get (db, user_id, &error);
  atrium_store_read_end (store, db);
  if (user == NULL)
    {
      atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }
  if (atrium_user_needs_second_factor (user) && !request->principal.second_factor)
    {
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "second_factor_required",
                                  "Sign in with your second factor to erase this account");
      return;
    }
  if (!atrium_password_verify (user->password_hash,
                               atrium_handlers_member_string (request, "password")))
    {
      db = atrium_store_write_begin (store);
      atrium_auth_audit (auth, db, request, "user_erased", ATRIUM_AUDIT_FAILURE, user_id,
                         user_id, "wrong password");
      atrium_store_write_end (store);
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "wrong_password",
                                  "The password is not right; nothing was erased");
      return;
    }

  db = atrium_store_write_begin (store);
  ok = atrium_privacy_erase_user (db, atrium_server_get_clock (request->server), user_id,
                                  "user_erased", actor, request->client_ip,
                                  request->request_id, &cancelled, &anonymised, &error);
  atrium_store_write_end (store);
  if (!ok)
    {
      if (g_error_matches (error, ATRIUM_PRIVACY_ERROR, ATRIUM_PRIVACY_ERROR_LAST_ADMIN))
        atrium_request_reply_error (request, SOUP_STATUS_CONFLICT, "last_admin", "%s",
                                    error->message);
      else
        atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }

  /* The address is still in memory, for this one last message; the store forgot it. */
  atrium_auth_notify (auth, user, "Your Atrium account was erased",
                      "Your Atrium account and everything it held were erased at your "
                      "request; its bookings still to come were cancelled. If this was not "
                      "you, contact the library at once.", request->request_id);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "erased");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "bookings_cancelled");
  json_builder_add_int_value (builder, cancelled);
  json_builder_set_member_name (builder, "bookings_anonymised");
  json_builder_add_int_value (builder, anonymised);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

static const AtriumRoute routes[] = {
  { "GET", "/api/v1/me/export", ATRIUM_ROLES_USERS, 0, NULL, handle_export },
  { "DELETE", "/api/v1/me", ATRIUM_ROLES_USERS, ATRIUM_ROUTE_JSON_BODY, erase_schema,
    handle_erase },
};

void
atrium_handlers_register_privacy (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
