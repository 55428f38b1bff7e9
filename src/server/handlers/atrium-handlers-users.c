/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <string.h>
#include <libsoup/soup.h>

#include "atrium-accounts.h"
#include "atrium-auth.h"
#include "atrium-privacy.h"
#include "atrium-random.h"
#include "atrium-sms.h"
#include "atrium-store-audit.h"

/* The administrators' API (DESIGN.md §3): admin role and a session that passed a
 * second factor, on every route here. */
#define ADMIN ATRIUM_ROLE_ADMIN
#define ADMIN_FLAGS ATRIUM_ROUTE_SECOND_FACTOR

static const AtriumJsonField role_item = { NULL, ATRIUM_JSON_STRING, 0, 1, 32 };

static gboolean
param_id (AtriumRequest *request,
          gint64        *id)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (atrium_request_get_param (request, 0), 10, 1, G_MAXINT64,
                                   &value, NULL))
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such user");
      return FALSE;
    }
  *id = (gint64) value;
  return TRUE;
}

/* Reads the user of the path, or answers 404. */
static AtriumUser *
path_user (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  AtriumUser *user = NULL;
  gint64 id;
  AtriumDb *db;

  if (!param_id (request, &id))
    return NULL;
  db = atrium_store_read_begin (store);
  user = atrium_store_user_get (db, id, NULL);
  atrium_store_read_end (store, db);
  if (user == NULL)
    atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                "There is no such user");
  return user;
}

static void
reply_user (AtriumRequest    *request,
            guint             status,
            const AtriumUser *user,
            const char       *otpauth_uri,
            char * const     *recovery_codes)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  atrium_handlers_add_user_members (builder, user, TRUE);
  if (otpauth_uri != NULL)
    {
      json_builder_set_member_name (builder, "otpauth_uri");
      json_builder_add_string_value (builder, otpauth_uri);
      json_builder_set_member_name (builder, "recovery_codes");
      json_builder_begin_array (builder);
      for (guint i = 0; recovery_codes[i] != NULL; i++)
        json_builder_add_string_value (builder, recovery_codes[i]);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, status, builder);
}

static char **
member_strv (AtriumRequest *request,
             const char    *name)
{
  JsonArray *array = json_object_get_array_member (json_node_get_object (request->json), name);
  char **strv = g_new0 (char *, json_array_get_length (array) + 1);

  for (guint i = 0; i < json_array_get_length (array); i++)
    strv[i] = g_strdup (json_array_get_string_element (array, i));
  return strv;
}

static void
audit_admin (AtriumRequest *request,
             AtriumDb      *db,
             const char    *event,
             gint64         subject,
             const char    *detail)
{
  atrium_auth_audit (atrium_handlers_auth (request), db, request, event, ATRIUM_AUDIT_SUCCESS,
                     request->principal.user_id, subject, detail);
}

/* GET /api/v1/users */
static void
handle_list (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) users = NULL;
  AtriumDb *db = atrium_store_read_begin (store);

  users = atrium_store_users_list (db, NULL);
  atrium_store_read_end (store, db);
  if (users == NULL)
    return;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "users");
  json_builder_begin_array (builder);
  for (guint i = 0; i < users->len; i++)
    {
      json_builder_begin_object (builder);
      atrium_handlers_add_user_members (builder, users->pdata[i], TRUE);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* GET /api/v1/users/{id} */
static void
handle_get (AtriumRequest *request)
{
  g_autoptr(AtriumUser) user = path_user (request);

  if (user != NULL)
    reply_user (request, SOUP_STATUS_OK, user, NULL, NULL);
}

static gboolean
valid_contact (AtriumRequest *request,
               const char    *email,
               const char    *phone)
{
  if (email != NULL && !atrium_account_valid_email (email))
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_email",
                                  "email: not a valid email address");
      return FALSE;
    }
  if (phone != NULL && !atrium_sms_is_e164 (phone))
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_phone",
                                  "phone: write it in E.164 form, such as +33612345678");
      return FALSE;
    }
  return TRUE;
}

static const AtriumJsonField create_schema[] = {
  { "name", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 3, 64 },
  { "email", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 3, 254 },
  { "phone", ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 0, 16 },
  { "password", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 1024 },
  { "roles", ATRIUM_JSON_ARRAY, ATRIUM_JSON_REQUIRED, 1, 32, NULL, &role_item },
  { NULL }
};

/* POST /api/v1/users: like `useradd`; an enrolment for roles that need a second factor
 * comes back once, for the administrator to hand over. */
static void
handle_create (AtriumRequest *request)
{
  AtriumAuth *auth = atrium_handlers_auth (request);
  AtriumStore *store = atrium_server_get_store (request->server);
  const char *name = atrium_handlers_member_string (request, "name");
  const char *email = atrium_handlers_member_string (request, "email");
  const char *phone = atrium_handlers_member_string (request, "phone");
  const char *password = atrium_handlers_member_string (request, "password");
  g_auto(GStrv) roles = member_strv (request, "roles");
  g_autoptr(GArray) grants = NULL;
  g_autoptr(AtriumUser) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *uri = NULL;
  g_auto(GStrv) codes = NULL;
  AtriumPasswordRule rule;
  gboolean second_factor;
  gint64 user_id = 0;
  AtriumDb *db;

  if (!atrium_account_valid_name (name))
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_name",
                                  "name: 3 to 64 letters, digits, '.', '-' or '_'");
      return;
    }
  if (!valid_contact (request, email, phone))
    return;
  grants = atrium_account_parse_grants ((const char **) roles, &second_factor, &error);
  if (grants == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_role",
                                  "roles: %s", error->message);
      return;
    }
  if (!atrium_password_check (atrium_auth_get_policy (auth), password, name, email, &rule,
                              &error))
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "password_policy",
                                  "%s (%s)", error->message, atrium_password_rule_id (rule));
      return;
    }
  hash = atrium_password_hash (password, atrium_auth_get_params (auth), NULL);
  if (hash == NULL)
    return;

  db = atrium_store_write_begin (store);
  if (atrium_db_exec (db, "BEGIN IMMEDIATE;", &error))
    user_id = atrium_account_create (db, atrium_auth_get_secrets_key (auth), name, email,
                                     phone, hash, grants,
                                     atrium_clock_now (atrium_server_get_clock (request->server)),
                                     &uri, &codes, &error);
  if (user_id != 0)
    audit_admin (request, db, "user_created", user_id, NULL);
  if (!atrium_handlers_end_transaction (db, user_id != 0, error == NULL ? &error : NULL))
    user_id = 0;
  else
    created = atrium_store_user_get (db, user_id, NULL);
  atrium_store_write_end (store);

  if (user_id == 0 && g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT))
    {
      atrium_request_reply_error (request, SOUP_STATUS_CONFLICT, "exists",
                                  "A user with this name or email address already exists");
      return;
    }
  if (created != NULL)
    reply_user (request, SOUP_STATUS_CREATED, created, uri, codes);
}

static const AtriumJsonField update_schema[] = {
  { "email", ATRIUM_JSON_STRING, ATRIUM_JSON_OPTIONAL, 3, 254 },
  { "phone", ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 0, 16 },
  { "disabled", ATRIUM_JSON_BOOL, ATRIUM_JSON_OPTIONAL },
  { NULL }
};

/* PATCH /api/v1/users/{id} {email?, phone?, disabled?}: disabling ends the sessions. */
static void
handle_update (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  JsonObject *body = json_node_get_object (request->json);
  g_autoptr(AtriumUser) user = path_user (request);
  g_autoptr(AtriumUser) updated = NULL;
  g_autoptr(GError) error = NULL;
  const char *email = atrium_handlers_member_string (request, "email");
  const char *phone = atrium_handlers_member_string (request, "phone");
  gboolean clear_phone = json_object_has_member (body, "phone") && phone == NULL;
  gboolean ok;
  AtriumDb *db;

  if (user == NULL || !valid_contact (request, email, phone))
    return;
  if (user->id == request->principal.user_id && json_object_has_member (body, "disabled"))
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "self",
                                  "You cannot disable your own account");
      return;
    }

  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", &error) &&
       atrium_store_user_update (db, user->id, email, phone, clear_phone, &error);
  if (ok && json_object_has_member (body, "disabled"))
    {
      gboolean disabled = json_object_get_boolean_member (body, "disabled");

      ok = atrium_store_user_set_disabled (db, user->id, disabled, &error) &&
           (!disabled || atrium_store_sessions_end (db, user->id, 0, &error) >= 0);
      if (ok)
        audit_admin (request, db, disabled ? "user_disabled" : "user_enabled", user->id, NULL);
    }
  if (ok && (email != NULL || phone != NULL || clear_phone))
    audit_admin (request, db, "user_updated", user->id, NULL);
  ok = atrium_handlers_end_transaction (db, ok, error == NULL ? &error : NULL);
  if (ok)
    updated = atrium_store_user_get (db, user->id, NULL);
  atrium_store_write_end (store);

  if (!ok && g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT))
    atrium_request_reply_error (request, SOUP_STATUS_CONFLICT, "exists",
                                "Another user has this email address");
  else if (updated != NULL)
    reply_user (request, SOUP_STATUS_OK, updated, NULL, NULL);
}

/* DELETE /api/v1/users/{id} */
static void
handle_delete (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumUser) user = path_user (request);
  g_autoptr(GError) error = NULL;
  g_autofree char *actor = NULL;
  gboolean ok;
  AtriumDb *db;

  if (user == NULL)
    return;
  if (user->id == request->principal.user_id)
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "self",
                                  "You cannot delete your own account here");
      return;
    }
  /* The erasure of DELETE /api/v1/me; the trail keeps the number, not the name. */
  actor = g_strdup_printf ("user:%" G_GINT64_FORMAT, request->principal.user_id);
  db = atrium_store_write_begin (store);
  ok = atrium_privacy_erase_user (db, atrium_server_get_clock (request->server), user->id,
                                  "user_deleted", actor, request->client_ip,
                                  request->request_id, NULL, NULL, &error);
  atrium_store_write_end (store);
  if (ok)
    atrium_request_reply_bytes (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
  else if (g_error_matches (error, ATRIUM_PRIVACY_ERROR, ATRIUM_PRIVACY_ERROR_LAST_ADMIN))
    atrium_request_reply_error (request, SOUP_STATUS_CONFLICT, "last_admin", "%s",
                                error->message);
  else
    atrium_handlers_reply_store_error (request, error, NULL);
}

/* POST /api/v1/users/{id}/unlock: the sign-in throttles of the account go. */
static void
handle_unlock (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumUser) user = path_user (request);
  AtriumDb *db;

  if (user == NULL)
    return;
  db = atrium_store_write_begin (store);
  atrium_auth_clear_throttle (db, user);
  audit_admin (request, db, "authn_account_unlocked", user->id, NULL);
  atrium_store_write_end (store);
  atrium_request_reply_bytes (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
}

/* POST /api/v1/users/{id}/reset-2fa: a lost phone. The old secret and codes go and so
 * do the sessions; roles that need a second factor get a new enrolment at once. */
static void
handle_reset_2fa (AtriumRequest *request)
{
  AtriumAuth *auth = atrium_handlers_auth (request);
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumUser) user = path_user (request);
  g_autoptr(AtriumUser) updated = NULL;
  g_autofree char *uri = NULL;
  g_auto(GStrv) codes = NULL;
  gboolean needs = FALSE;
  gboolean ok;
  AtriumDb *db;

  if (user == NULL)
    return;
  needs = (user->roles & ~ATRIUM_ROLE_PATRON) != 0;
  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", NULL) &&
       atrium_store_user_clear_totp (db, user->id, NULL) &&
       atrium_store_sessions_end (db, user->id, 0, NULL) >= 0 &&
       (!needs || atrium_account_enrol_totp (db, atrium_auth_get_secrets_key (auth), user->id,
                                             user->name, &uri, &codes, NULL));
  if (ok)
    audit_admin (request, db, "authn_2fa_reset", user->id, NULL);
  ok = atrium_handlers_end_transaction (db, ok, NULL);
  if (ok)
    updated = atrium_store_user_get (db, user->id, NULL);
  atrium_store_write_end (store);
  if (updated == NULL)
    return;

  atrium_auth_notify (auth, updated, "Your Atrium second factor was reset",
                      "An administrator reset the second factor of your Atrium account and "
                      "ended its sessions. If you did not ask for this, contact the library.",
                      request->request_id);
  reply_user (request, SOUP_STATUS_OK, updated, uri, codes);
}

static const AtriumJsonField roles_schema[] = {
  { "roles", ATRIUM_JSON_ARRAY, ATRIUM_JSON_REQUIRED, 1, 32, NULL, &role_item },
  { NULL }
};

/* PUT /api/v1/users/{id}/roles {roles}: replaces the grants. */
static void
handle_roles (AtriumRequest *request)
{
  AtriumAuth *auth = atrium_handlers_auth (request);
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumUser) user = path_user (request);
  g_autoptr(AtriumUser) updated = NULL;
  g_auto(GStrv) roles = NULL;
  g_autoptr(GArray) grants = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *uri = NULL;
  g_auto(GStrv) codes = NULL;
  gboolean second_factor;
  gboolean ok;
  AtriumDb *db;

  if (user == NULL)
    return;
  roles = member_strv (request, "roles");
  grants = atrium_account_parse_grants ((const char **) roles, &second_factor, &error);
  if (grants == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_role",
                                  "roles: %s", error->message);
      return;
    }
  if (user->id == request->principal.user_id &&
      !g_strv_contains ((const char * const *) roles, "admin"))
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "self",
                                  "You cannot remove your own administrator role");
      return;
    }
  detail = g_strjoinv (",", roles);

  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", NULL) &&
       atrium_account_set_grants (db, user->id, grants, NULL) &&
       (!second_factor || user->totp_confirmed ||
        atrium_account_enrol_totp (db, atrium_auth_get_secrets_key (auth), user->id,
                                   user->name, &uri, &codes, NULL));
  if (ok)
    audit_admin (request, db, "privilege_permissions_changed", user->id, detail);
  ok = atrium_handlers_end_transaction (db, ok, NULL);
  if (ok)
    updated = atrium_store_user_get (db, user->id, NULL);
  atrium_store_write_end (store);
  if (updated == NULL)
    return;

  atrium_auth_notify (auth, updated, "Your Atrium roles changed",
                      "An administrator changed what your Atrium account may do. If this "
                      "surprises you, contact the library.", request->request_id);
  reply_user (request, SOUP_STATUS_OK, updated, uri, codes);
}

/* The ids of a sessions route: the user's, and the session's when @n is 2. A malformed
 * one is a bad request here (these routes are new; the older ones answer 404). */
static gboolean
sessions_params (AtriumRequest *request,
                 guint          n,
                 gint64        *ids)
{
  for (guint i = 0; i < n; i++)
    {
      guint64 value = 0;

      if (!g_ascii_string_to_unsigned (atrium_request_get_param (request, i), 10, 1,
                                       G_MAXINT64, &value, NULL))
        {
          atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_id",
                                      "%s: not a number from 1", i == 0 ? "user" : "session");
          return FALSE;
        }
      ids[i] = (gint64) value;
    }
  return TRUE;
}

/* GET /api/v1/users/{id}/sessions */
static void
handle_sessions (AtriumRequest *request)
{
  gint64 ids[1];
  g_autoptr(AtriumUser) user = NULL;

  if (!sessions_params (request, 1, ids) || (user = path_user (request)) == NULL)
    return;
  atrium_handlers_reply_sessions (request, user->id);
}

/* DELETE /api/v1/users/{id}/sessions[/{sid}]: one session or all; the tokens are refused
 * from the next request on (the session cache sees the delete). All of one's own spares
 * the session asking. */
static void
end_sessions (AtriumRequest *request,
              guint          n_params)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *detail = NULL;
  gint64 ids[2] = { 0, 0 };
  gint64 ended;
  AtriumDb *db;

  if (!sessions_params (request, n_params, ids) || (user = path_user (request)) == NULL)
    return;
  db = atrium_store_write_begin (store);
  if (!atrium_db_exec (db, "BEGIN IMMEDIATE;", &error))
    ended = -1;
  else if (n_params == 2)
    ended = atrium_store_session_end (db, user->id, ids[1], &error);
  else
    ended = atrium_store_sessions_end (db, user->id,
                                       user->id == request->principal.user_id
                                       ? request->principal.session_id : 0, &error);
  if (ended > 0)
    {
      detail = n_params == 2 ? g_strdup_printf ("session %" G_GINT64_FORMAT, ids[1])
                             : g_strdup_printf ("all sessions (%" G_GINT64_FORMAT ")", ended);
      audit_admin (request, db, "authn_session_revoked", user->id, detail);
      atrium_store_security_event_add (db, atrium_server_get_clock (request->server),
                                       "authn_session_revoked", request->client_ip, user->id,
                                       request->request_id, detail, FALSE, NULL);
    }
  if (!atrium_handlers_end_transaction (db, ended >= 0, error == NULL ? &error : NULL))
    ended = -1;
  atrium_store_write_end (store);

  if (ended < 0)
    atrium_handlers_reply_store_error (request, error, NULL);
  else if (ended == 0 && n_params == 2)
    atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                "This user has no such session");
  else
    atrium_request_reply_bytes (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
}

static void
handle_sessions_end (AtriumRequest *request)
{
  end_sessions (request, 1);
}

static void
handle_session_end (AtriumRequest *request)
{
  end_sessions (request, 2);
}

static const AtriumRoute routes[] = {
  { "GET", "/api/v1/users", ADMIN, ADMIN_FLAGS, NULL, handle_list },
  { "POST", "/api/v1/users", ADMIN, ADMIN_FLAGS | ATRIUM_ROUTE_JSON_BODY, create_schema,
    handle_create },
  { "GET", "/api/v1/users/{id}", ADMIN, ADMIN_FLAGS, NULL, handle_get },
  { "PATCH", "/api/v1/users/{id}", ADMIN, ADMIN_FLAGS | ATRIUM_ROUTE_JSON_BODY, update_schema,
    handle_update },
  { "DELETE", "/api/v1/users/{id}", ADMIN, ADMIN_FLAGS, NULL, handle_delete },
  { "POST", "/api/v1/users/{id}/unlock", ADMIN, ADMIN_FLAGS, NULL, handle_unlock },
  { "POST", "/api/v1/users/{id}/reset-2fa", ADMIN, ADMIN_FLAGS, NULL, handle_reset_2fa },
  { "PUT", "/api/v1/users/{id}/roles", ADMIN, ADMIN_FLAGS | ATRIUM_ROUTE_JSON_BODY,
    roles_schema, handle_roles },
  { "GET", "/api/v1/users/{id}/sessions", ADMIN, ADMIN_FLAGS, NULL, handle_sessions },
  { "DELETE", "/api/v1/users/{id}/sessions", ADMIN, ADMIN_FLAGS, NULL, handle_sessions_end },
  { "DELETE", "/api/v1/users/{id}/sessions/{sid}", ADMIN, ADMIN_FLAGS, NULL,
    handle_session_end },
};

void
atrium_handlers_register_users (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
