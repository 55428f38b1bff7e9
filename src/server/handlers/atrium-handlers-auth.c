/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <libsoup/soup.h>

#include "atrium-auth.h"
#include "atrium-clock.h"

static void
add_user (JsonBuilder      *builder,
          const AtriumUser *user)
{
  json_builder_set_member_name (builder, "user");
  json_builder_begin_object (builder);
  atrium_handlers_add_user_members (builder, user, FALSE);
  json_builder_end_object (builder);
}

/* One place turns every login outcome into its answer, so that the refusals of the
 * password step are the same bytes whatever the reason. */
static void
reply_login (AtriumRequest     *request,
             AtriumLoginResult *result,
             const char        *invalid_code,
             const char        *invalid_message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  switch (result->status)
    {
    case ATRIUM_LOGIN_OK:
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, "ok");
      json_builder_set_member_name (builder, "token");
      json_builder_add_string_value (builder, result->token);
      json_builder_set_member_name (builder, "expires_in");
      json_builder_add_int_value (builder, result->expires_in);
      add_user (builder, result->user);
      json_builder_end_object (builder);
      atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
      break;

    case ATRIUM_LOGIN_SECOND_FACTOR:
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, "2fa_required");
      json_builder_set_member_name (builder, "challenge");
      json_builder_add_string_value (builder, result->challenge);
      json_builder_set_member_name (builder, "methods");
      json_builder_begin_array (builder);
      for (guint i = 0; result->methods != NULL && i < result->methods->len; i++)
        json_builder_add_string_value (builder, result->methods->pdata[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
      break;

    case ATRIUM_LOGIN_THROTTLED:
      {
        g_autofree char *retry = g_strdup_printf ("%u", result->retry_after);

        atrium_request_add_header (request, "Retry-After", retry);
        atrium_request_reply_error (request, 429, "throttled",
                                    "Too many attempts; try again in %u seconds",
                                    result->retry_after);
      }
      break;

    case ATRIUM_LOGIN_INVALID:
      atrium_request_reply_error (request, SOUP_STATUS_UNAUTHORIZED, invalid_code, "%s",
                                  invalid_message);
      break;

    case ATRIUM_LOGIN_FAILED:
    default:
      break;   /* the router answers 500 */
    }
}

/* POST /api/v1/auth/login {username, password} */
static const AtriumJsonField login_schema[] = {
  { "username", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 254 },
  { "password", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 1024 },
  { NULL }
};

static void
handle_login (AtriumRequest *request)
{
  g_auto(AtriumLoginResult) result = { 0 };
  g_autoptr(GError) error = NULL;

  if (!atrium_auth_login (atrium_handlers_auth (request), request, atrium_handlers_member_string (request, "username"),
                          atrium_handlers_member_string (request, "password"), &result, &error))
    atrium_server_log_error (request->server, request->request_id, "login: %s",
                             error != NULL ? error->message : "failed");
  reply_login (request, &result, "invalid_credentials", "Wrong user name or password");
}

/* POST /api/v1/auth/2fa/send {challenge, method} */
static const AtriumJsonField send_schema[] = {
  { "challenge", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 64 },
  { "method", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 16 },
  { NULL }
};

static void
handle_send (AtriumRequest *request)
{
  g_auto(AtriumLoginResult) result = { 0 };
  g_autoptr(GError) error = NULL;

  if (!atrium_auth_send_code (atrium_handlers_auth (request), request, atrium_handlers_member_string (request, "challenge"),
                              atrium_handlers_member_string (request, "method"), &result, &error))
    {
      atrium_server_log_error (request->server, request->request_id, "2fa send: %s",
                               error != NULL ? error->message : "failed");
      atrium_request_reply_error (request, SOUP_STATUS_BAD_GATEWAY, "not_sent",
                                  "The code could not be sent; try another method");
      return;
    }
  if (result.status == ATRIUM_LOGIN_SECOND_FACTOR)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, "sent");
      json_builder_end_object (builder);
      atrium_handlers_reply_builder (request, SOUP_STATUS_ACCEPTED, builder);
      return;
    }
  reply_login (request, &result, "invalid_challenge",
               "This sign-in attempt has expired or cannot use this method; start again");
}

/* POST /api/v1/auth/2fa/verify {challenge, code} */
static const AtriumJsonField verify_schema[] = {
  { "challenge", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 64 },
  { "code", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { NULL }
};

static void
handle_verify (AtriumRequest *request)
{
  g_auto(AtriumLoginResult) result = { 0 };
  g_autoptr(GError) error = NULL;

  if (!atrium_auth_verify_code (atrium_handlers_auth (request), request, atrium_handlers_member_string (request, "challenge"),
                                atrium_handlers_member_string (request, "code"), &result, &error))
    atrium_server_log_error (request->server, request->request_id, "2fa verify: %s",
                             error != NULL ? error->message : "failed");
  reply_login (request, &result, "invalid_code",
               "This code is wrong or has expired");
}

static void
reply_no_content (AtriumRequest *request)
{
  atrium_request_reply_bytes (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
}

/* POST /api/v1/auth/logout */
static void
handle_logout (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  AtriumDb *db = atrium_store_write_begin (store);

  atrium_store_exec_bound (db, "DELETE FROM session WHERE id = ?1;", NULL,
                           'i', request->principal.session_id, 0);
  atrium_store_write_end (store);
  reply_no_content (request);
}

/* GET /api/v1/auth/sessions: the caller's own. */
static void
handle_sessions (AtriumRequest *request)
{
  atrium_handlers_reply_sessions (request, request->principal.user_id);
}

/* DELETE /api/v1/auth/sessions/{id}: only one's own; another's is "not found". */
static void
handle_session_delete (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  guint64 id = 0;
  gint64 changed = 0;
  AtriumDb *db;

  if (g_ascii_string_to_unsigned (atrium_request_get_param (request, 0), 10, 1, G_MAXINT64,
                                  &id, NULL))
    {
      db = atrium_store_write_begin (store);
      changed = atrium_store_session_end (db, request->principal.user_id, (gint64) id, NULL);
      atrium_store_write_end (store);
    }
  if (changed <= 0)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such session");
      return;
    }
  reply_no_content (request);
}

/* GET /api/v1/me */
static void
handle_me (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(AtriumUser) user = NULL;
  AtriumDb *db = atrium_store_read_begin (store);

  user = atrium_store_user_get (db, request->principal.user_id, NULL);
  atrium_store_read_end (store, db);
  if (user == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "This account no longer exists");
      return;
    }
  json_builder_begin_object (builder);
  atrium_handlers_add_user_members (builder, user, TRUE);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* GET /api/v1/device: a kiosk or sensor learns who it is, so that a kiosk shows the site
 * it serves without being told twice. From the token alone: no store access. */
static void
handle_device (AtriumRequest *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const AtriumPrincipal *principal = &request->principal;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, principal->device_id);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, (principal->roles & ATRIUM_ROLE_KIOSK) != 0
                                          ? "kiosk" : "sensor");
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, principal->name != NULL ? principal->name : "");
  json_builder_set_member_name (builder, "site_id");
  json_builder_add_int_value (builder, principal->site_roles != NULL &&
                                       principal->site_roles->len > 0
                                       ? g_array_index (principal->site_roles, AtriumSiteRole,
                                                        0).site_id : 0);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

static const AtriumRoute routes[] = {
  { "POST", "/api/v1/auth/login", 0, ATRIUM_ROUTE_PUBLIC | ATRIUM_ROUTE_JSON_BODY,
    login_schema, handle_login },
  { "POST", "/api/v1/auth/2fa/send", 0, ATRIUM_ROUTE_PUBLIC | ATRIUM_ROUTE_JSON_BODY,
    send_schema, handle_send },
  { "POST", "/api/v1/auth/2fa/verify", 0, ATRIUM_ROUTE_PUBLIC | ATRIUM_ROUTE_JSON_BODY,
    verify_schema, handle_verify },
  { "POST", "/api/v1/auth/logout", ATRIUM_ROLES_USERS, 0, NULL, handle_logout },
  { "GET", "/api/v1/auth/sessions", ATRIUM_ROLES_USERS, 0, NULL, handle_sessions },
  { "DELETE", "/api/v1/auth/sessions/{id}", ATRIUM_ROLES_USERS, 0, NULL,
    handle_session_delete },
  { "GET", "/api/v1/me", ATRIUM_ROLES_USERS, 0, NULL, handle_me },
  { "GET", "/api/v1/device", ATRIUM_ROLE_KIOSK | ATRIUM_ROLE_SENSOR, 0, NULL, handle_device },
};

void
atrium_handlers_register_auth (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
