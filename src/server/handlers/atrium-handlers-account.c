/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <string.h>
#include <libsoup/soup.h>

#include "atrium-auth.h"
#include "atrium-random.h"
#include "atrium-seal.h"
#include "atrium-totp.h"

#define RESET_SECONDS  (24 * 60 * 60)
#define RECOVERY_CODES 10

/* The policy check every new password goes through; a refusal names its rule. */
static gboolean
password_acceptable (AtriumRequest    *request,
                     const char       *password,
                     const AtriumUser *user)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *body = NULL;
  AtriumPasswordRule rule = ATRIUM_PASSWORD_RULE_NONE;

  if (atrium_password_check (atrium_auth_get_policy (atrium_handlers_auth (request)), password, user->name,
                             user->email, &rule, &error))
    return TRUE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, "password_policy");
  json_builder_set_member_name (builder, "rule");
  json_builder_add_string_value (builder, atrium_password_rule_id (rule));
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, error->message);
  json_builder_set_member_name (builder, "request_id");
  json_builder_add_string_value (builder, request->request_id);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, builder);
  return FALSE;
}

static AtriumUser *
load_user (AtriumRequest *request,
           gint64         id)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  AtriumDb *db = atrium_store_read_begin (store);
  AtriumUser *user = atrium_store_user_get (db, id, NULL);

  atrium_store_read_end (store, db);
  return user;
}

/* ---- forgotten password -------------------------------------------------------------- */

static const AtriumJsonField forgot_schema[] = {
  { "login", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 254 },
  { NULL }
};

/* POST /api/v1/auth/password/forgot {login}: always 202, whether the account exists
 * or not; the link goes by email, in the background. */
static void
handle_forgot (AtriumRequest *request)
{
  AtriumAuth *auth = atrium_handlers_auth (request);
  AtriumStore *store = atrium_server_get_store (request->server);
  AtriumConfig *config = atrium_server_get_config (request->server);
  g_autoptr(AtriumUser) user = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
  AtriumDb *db = atrium_store_read_begin (store);

  user = atrium_store_user_find (db, atrium_handlers_member_string (request, "login"), NULL);
  atrium_store_read_end (store, db);

  if (user != NULL && !user->disabled && atrium_auth_has_mail (auth))
    {
      g_autofree char *token = atrium_random_base64url (32);
      g_autofree char *hash = atrium_token_hash (token);
      g_autofree char *text = NULL;
      g_autofree char *link = config->reset_url != NULL
                              ? g_strdup_printf ("\nor open this link:\n%s#%s\n",
                                                 config->reset_url, token) : g_strdup ("");

      db = atrium_store_write_begin (store);
      if (atrium_store_reset_add (db, hash, user->id, now, now + RESET_SECONDS, NULL))
        atrium_auth_audit (auth, db, request, "authn_password_reset_requested",
                           ATRIUM_AUDIT_SUCCESS, 0, user->id, NULL);
      atrium_store_write_end (store);

      text = g_strdup_printf ("Someone asked to reset the password of your Atrium account %s.\n\n"
                              "To choose a new password, enter this code in Atrium:\n%s\n%s\n"
                              "It works once, within 24 hours. If you did not ask for this, "
                              "ignore this message: your password has not changed.",
                              user->name, token, link);
      atrium_auth_notify (auth, user, "Reset your Atrium password", text, request->request_id);
      atrium_secure_zero (token, strlen (token));
      atrium_secure_zero (text, strlen (text));
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "accepted");
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_ACCEPTED, builder);
}

static const AtriumJsonField reset_schema[] = {
  { "token", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 128 },
  { "password", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 1024 },
  { NULL }
};

/* POST /api/v1/auth/password/reset {token, password}: the token is spent on success. */
static void
handle_reset (AtriumRequest *request)
{
  AtriumAuth *auth = atrium_handlers_auth (request);
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autofree char *hash = atrium_token_hash (atrium_handlers_member_string (request, "token"));
  const char *password = atrium_handlers_member_string (request, "password");
  g_autoptr(AtriumUser) user = NULL;
  g_autofree char *password_hash = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
  gint64 user_id;
  AtriumDb *db;

  /* Look before spending: a token must survive a password the policy refuses. */
  db = atrium_store_read_begin (store);
  user_id = atrium_store_reset_peek (db, hash, now, NULL);
  user = user_id != 0 ? atrium_store_user_get (db, user_id, NULL) : NULL;
  atrium_store_read_end (store, db);

  if (user == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_token",
                                  "This reset code is wrong, used or expired; ask for a new one");
      return;
    }
  if (!password_acceptable (request, password, user))
    return;
  password_hash = atrium_password_hash (password, atrium_auth_get_params (auth), NULL);
  if (password_hash == NULL)
    return;

  db = atrium_store_write_begin (store);
  if (!atrium_db_exec (db, "BEGIN IMMEDIATE;", NULL) ||
      atrium_store_reset_consume (db, hash, now, NULL) != user->id ||
      !atrium_store_user_set_password (db, user->id, password_hash, now, NULL) ||
      atrium_store_sessions_end (db, user->id, 0, NULL) < 0)
    {
      atrium_db_exec (db, "ROLLBACK;", NULL);
      atrium_store_write_end (store);
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_token",
                                  "This reset code is wrong, used or expired; ask for a new one");
      return;
    }
  atrium_auth_clear_throttle (db, user);
  atrium_auth_audit (auth, db, request, "authn_password_change", ATRIUM_AUDIT_SUCCESS, user->id,
                     user->id, "reset by email");
  if (!atrium_handlers_end_transaction (db, TRUE, &error))
    {
      atrium_store_write_end (store);
      atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }
  atrium_store_write_end (store);

  atrium_auth_notify (auth, user, "Your Atrium password was changed",
                      "The password of your Atrium account was just reset, and every session "
                      "was ended. If this was not you, contact the library at once.",
                      request->request_id);
  atrium_request_reply_bytes (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
}

static const AtriumJsonField change_schema[] = {
  { "current", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 1024 },
  { "new", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 1024 },
  { "end_other_sessions", ATRIUM_JSON_BOOL, ATRIUM_JSON_OPTIONAL },
  { NULL }
};

/* POST /api/v1/auth/password/change {current, new, end_other_sessions}: answers how many
 * other sessions remain, so the client can offer to end them. */
static void
handle_change (AtriumRequest *request)
{
  AtriumAuth *auth = atrium_handlers_auth (request);
  AtriumStore *store = atrium_server_get_store (request->server);
  JsonObject *body = json_node_get_object (request->json);
  gboolean end_others = json_object_has_member (body, "end_other_sessions") &&
                        json_object_get_boolean_member (body, "end_other_sessions");
  g_autoptr(AtriumUser) user = load_user (request, request->principal.user_id);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *password_hash = NULL;
  gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
  gint64 others = 0;
  AtriumDb *db;

  if (user == NULL)
    return;
  if (!atrium_password_verify (user->password_hash, atrium_handlers_member_string (request, "current")))
    {
      db = atrium_store_write_begin (store);
      atrium_auth_audit (auth, db, request, "authn_password_change", ATRIUM_AUDIT_FAILURE,
                         user->id, user->id, "wrong current password");
      atrium_store_write_end (store);
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "wrong_password",
                                  "The current password is not right");
      return;
    }
  if (!password_acceptable (request, atrium_handlers_member_string (request, "new"), user))
    return;
  password_hash = atrium_password_hash (atrium_handlers_member_string (request, "new"),
                                        atrium_auth_get_params (auth), NULL);
  if (password_hash == NULL)
    return;

  db = atrium_store_write_begin (store);
  if (atrium_store_user_set_password (db, user->id, password_hash, now, NULL))
    {
      if (end_others)
        atrium_store_sessions_end (db, user->id, request->principal.session_id, NULL);
      else
        others = atrium_store_sessions_count (db, user->id, request->principal.session_id,
                                              NULL);
      atrium_auth_audit (auth, db, request, "authn_password_change", ATRIUM_AUDIT_SUCCESS,
                         user->id, user->id, end_others ? "other sessions ended" : NULL);
    }
  atrium_store_write_end (store);

  atrium_auth_notify (auth, user, "Your Atrium password was changed",
                      "The password of your Atrium account was just changed. If this was "
                      "not you, contact the library at once.", request->request_id);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "other_sessions");
  json_builder_add_int_value (builder, others);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* ---- TOTP enrolment ------------------------------------------------------------------ */

/* POST /api/v1/auth/totp/enroll: a new secret, pending until a code confirms it; the
 * current one (if any) keeps working meanwhile. */
static void
handle_totp_enroll (AtriumRequest *request)
{
  AtriumAuth *auth = atrium_handlers_auth (request);
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumUser) user = load_user (request, request->principal.user_id);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *sealed = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *base32 = NULL;
  guint8 secret[ATRIUM_TOTP_SECRET_BYTES];
  gboolean ok;
  AtriumDb *db;

  if (user == NULL)
    return;
  atrium_totp_generate_secret (secret);
  sealed = atrium_seal (atrium_auth_get_secrets_key (auth), secret, sizeof secret);
  uri = atrium_totp_uri ("Atrium", user->name, secret, sizeof secret);
  base32 = atrium_base32_encode (secret, sizeof secret);
  atrium_secure_zero (secret, sizeof secret);

  db = atrium_store_write_begin (store);
  ok = atrium_store_user_set_totp_pending (db, user->id, sealed, NULL);
  atrium_store_write_end (store);
  if (!ok)
    return;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "otpauth_uri");
  json_builder_add_string_value (builder, uri);
  json_builder_set_member_name (builder, "secret");
  json_builder_add_string_value (builder, base32);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
  atrium_secure_zero (uri, strlen (uri));
  atrium_secure_zero (base32, strlen (base32));
}

static const AtriumJsonField confirm_schema[] = {
  { "code", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 6, 6 },
  { NULL }
};

/* POST /api/v1/auth/totp/confirm {code}: the pending secret is proven and takes over;
 * new recovery codes are shown this once. */
static void
handle_totp_confirm (AtriumRequest *request)
{
  AtriumAuth *auth = atrium_handlers_auth (request);
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumUser) user = load_user (request, request->principal.user_id);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *sealed = NULL;
  g_autofree guint8 *secret = NULL;
  g_auto(GStrv) codes = NULL;
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
  gint64 step = -1;
  gsize len = 0;
  gboolean ok;
  AtriumDb *db;

  if (user == NULL)
    return;
  db = atrium_store_write_begin (store);
  sealed = atrium_store_user_get_totp_pending (db, user->id, NULL);
  if (sealed != NULL)
    secret = atrium_unseal (atrium_auth_get_secrets_key (auth), sealed, &len, NULL);
  if (secret == NULL ||
      !atrium_totp_verify (secret, len, atrium_handlers_member_string (request, "code"), now, 1, -1, &step))
    {
      atrium_auth_audit (auth, db, request, "authn_2fa_enrol", ATRIUM_AUDIT_FAILURE, user->id,
                         user->id, sealed == NULL ? "no enrolment under way" : "wrong code");
      atrium_store_write_end (store);
      if (secret != NULL)
        atrium_secure_zero (secret, len);
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_code",
                                  sealed == NULL ? "Start the enrolment first"
                                                 : "This code does not match; try the next one");
      return;
    }
  atrium_secure_zero (secret, len);

  codes = atrium_recovery_codes_generate (RECOVERY_CODES);
  for (guint i = 0; codes[i] != NULL; i++)
    {
      g_autofree char *normal = atrium_recovery_code_normalize (codes[i]);

      g_ptr_array_add (hashes, atrium_token_hash (normal));
    }
  g_ptr_array_add (hashes, NULL);

  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", NULL) &&
       atrium_store_user_confirm_totp (db, user->id, step, (char * const *) hashes->pdata,
                                       NULL);
  if (ok)
    atrium_auth_audit (auth, db, request, "authn_2fa_enrol", ATRIUM_AUDIT_SUCCESS, user->id,
                       user->id, "TOTP");
  ok = atrium_handlers_end_transaction (db, ok, NULL);
  atrium_store_write_end (store);
  if (!ok)
    return;

  atrium_auth_notify (auth, user, "Your Atrium second factor changed",
                      "An authenticator app was just set up as the second factor of your "
                      "Atrium account. If this was not you, contact the library at once.",
                      request->request_id);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "recovery_codes");
  json_builder_begin_array (builder);
  for (guint i = 0; codes[i] != NULL; i++)
    json_builder_add_string_value (builder, codes[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

static const AtriumRoute routes[] = {
  { "POST", "/api/v1/auth/password/forgot", 0, ATRIUM_ROUTE_PUBLIC | ATRIUM_ROUTE_JSON_BODY,
    forgot_schema, handle_forgot },
  { "POST", "/api/v1/auth/password/reset", 0, ATRIUM_ROUTE_PUBLIC | ATRIUM_ROUTE_JSON_BODY,
    reset_schema, handle_reset },
  { "POST", "/api/v1/auth/password/change", ATRIUM_ROLES_USERS, ATRIUM_ROUTE_JSON_BODY,
    change_schema, handle_change },
  { "POST", "/api/v1/auth/totp/enroll", ATRIUM_ROLES_USERS, 0, NULL, handle_totp_enroll },
  { "POST", "/api/v1/auth/totp/confirm", ATRIUM_ROLES_USERS, ATRIUM_ROUTE_JSON_BODY,
    confirm_schema, handle_totp_confirm },
};

void
atrium_handlers_register_account (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
