/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-auth"

#include "config.h"

#include "atrium-auth.h"

#include <string.h>
#include <libsoup/soup.h>

#include "atrium-key-file.h"
#include "atrium-mailer.h"
#include "atrium-random.h"
#include "atrium-seal.h"
#include "atrium-sms.h"
#include "atrium-store-audit.h"
#include "atrium-store-security.h"
#include "atrium-totp.h"

#define CHALLENGE_SECONDS     (10 * 60)
#define CODE_SECONDS          (10 * 60)
#define CODE_DIGITS           6
#define CODE_MAX_ATTEMPTS     5
#define CODE_RESEND_SECONDS   30
#define SESSION_TOUCH_SECONDS 60
/* Sessions read from the store are kept this long at most (changes made by another
 * process are seen after it) and while no write of this process changed a session or
 * an account (atrium_store_get_auth_generation): docs/decisions.md, "Session cache". */
#define SESSION_CACHE_USEC    (2 * G_USEC_PER_SEC)
#define SESSION_CACHE_MAX     8192
#define SECRETS_KEY_FILE      "secrets.key"

struct _AtriumAuth
{
  AtriumServer         *server;
  AtriumConfig         *config;
  AtriumClock          *clock;
  AtriumPasswordPolicy  policy;
  AtriumPasswordParams  params;
  char                 *dummy_hash;   /* verified against for unknown names: same time */
  guint8                secrets_key[ATRIUM_SEAL_KEY_LEN];
  AtriumMailer         *mailer;       /* NULL: no email codes */
  AtriumSms            *sms;          /* NULL: no SMS codes */
  GThreadPool          *notices;      /* one thread sends notices, off the request path */
  GMutex                probes_lock;
  GHashTable           *probes;       /* ip → Probes */
  GHashTable           *paces;        /* user id → Pace (under probes_lock) */
  GMutex                sessions_lock;
  GHashTable           *sessions;     /* token hash → CachedSession */
};

/* A user's session as atrium_auth_authenticate() read it, with the account's name and
 * roles; only of an account that was not disabled. */
typedef struct
{
  gint64    session_id;
  gint64    user_id;
  gboolean  second_factor;
  gint64    last_seen;
  gint64    expires;
  char     *name;
  guint     roles;
  GArray   *site_roles;
  guint     generation;   /* atrium_store_get_auth_generation() before the read */
  gint64    read_at;      /* monotonic µs */
} CachedSession;

typedef struct
{
  double tokens;
  gint64 updated;   /* monotonic µs */
} Pace;

#define PROBE_WINDOW_SECONDS 60
#define PROBE_LIMIT          10

typedef struct
{
  gint64 window_start;
  guint  count;
} Probes;

static void note_origin (AtriumAuth    *self,
                         AtriumDb      *writer,
                         AtriumRequest *request,
                         AtriumUser    *user,
                         gint64         now);

void
atrium_login_result_clear (AtriumLoginResult *result)
{
  atrium_secure_free_string (result->token);
  g_clear_pointer (&result->user, atrium_user_free);
  atrium_secure_free_string (result->challenge);
  g_clear_pointer (&result->methods, g_ptr_array_unref);
  memset (result, 0, sizeof *result);
}

/* ---- keys ---------------------------------------------------------------------------- */

/* secrets.key seals TOTP seeds apart from the store key; made on first use. */
gboolean
atrium_auth_load_secrets_key (const char  *data_dir,
                              guint8      *key_out,
                              GError     **error)
{
  g_autofree char *path = g_build_filename (data_dir, SECRETS_KEY_FILE, NULL);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS) &&
      !atrium_key_file_create (path, &local_error) &&
      !g_error_matches (local_error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return atrium_key_file_load (path, key_out, error);
}

char *
atrium_auth_seal_totp_secret (const char    *data_dir,
                              const guint8  *secret,
                              gsize          len,
                              GError       **error)
{
  guint8 key[ATRIUM_SEAL_KEY_LEN];
  char *sealed;

  if (!atrium_auth_load_secrets_key (data_dir, key, error))
    return NULL;
  sealed = atrium_seal (key, secret, len);
  atrium_secure_zero (key, sizeof key);
  return sealed;
}

/* ---- the audit trail ----------------------------------------------------------------- */

void
atrium_auth_audit (AtriumAuth         *self,
                   AtriumDb           *writer,
                   AtriumRequest      *request,
                   const char         *event,
                   AtriumAuditOutcome  outcome,
                   gint64              actor_user_id,
                   gint64              subject_user_id,
                   const char         *detail)
{
  g_autofree char *actor = actor_user_id != 0
                           ? g_strdup_printf ("user:%" G_GINT64_FORMAT, actor_user_id) : NULL;
  g_autofree char *subject = subject_user_id != 0
                             ? g_strdup_printf ("user:%" G_GINT64_FORMAT, subject_user_id)
                             : NULL;
  AtriumAuditEntry entry = {
    event, outcome, actor, subject,
    request != NULL ? request->client_ip : NULL,
    request != NULL ? request->request_id : NULL,
    detail,
  };
  g_autoptr(GError) error = NULL;

  if (!atrium_store_audit_append (writer, self->clock, &entry, &error))
    atrium_server_log_error (self->server, entry.request_id, "audit: %s", error->message);
}

/* ---- throttling ---------------------------------------------------------------------- */

/* Failures are counted by the name typed, hashed, existing account or not. */
static char *
login_key (const char *login)
{
  g_autofree char *folded = g_utf8_casefold (login, -1);

  return atrium_token_hash (folded);
}

/* One number from @sql: ?1 is @text and ?2, when the query has it, @number. */
static gboolean
query_int64 (AtriumDb    *db,
             const char  *sql,
             const char  *text,
             gint64       number,
             gint64      *out,
             GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (db), sql, -1, &stmt, NULL);

  *out = 0;
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, text, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, number);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "throttle", error);
  return TRUE;
}

/* Seconds to wait before this name may be tried again; 0 when it may. */
static gboolean
throttle_wait (AtriumAuth  *self,
               AtriumDb    *db,
               const char  *key,
               gint64       now,
               guint       *wait_out,
               GError     **error)
{
  gint64 not_before = 0, in_hour = 0, oldest = 0;

  *wait_out = 0;
  if (!query_int64 (db, "SELECT not_before FROM login_throttle WHERE login_hash = ?1;",
                    key, 1, &not_before, error) ||
      !query_int64 (db, "SELECT count (*) FROM login_failure WHERE login_hash = ?1 AND at > ?2;",
                    key, now - 3600, &in_hour, error))
    return FALSE;
  if (not_before > now)
    *wait_out = (guint) (not_before - now);
  if (in_hour >= self->config->account_max_failures_per_hour)
    {
      if (!query_int64 (db, "SELECT min (at) FROM login_failure WHERE login_hash = ?1"
                            " AND at > ?2;", key, now - 3600, &oldest, error))
        return FALSE;
      *wait_out = MAX (*wait_out, (guint) MAX (1, oldest + 3600 - now));
    }
  return TRUE;
}

/* Blocks an address that failed too often; longer for one blocked before. */
static void
count_ip_failure (AtriumAuth    *self,
                  AtriumDb      *writer,
                  AtriumRequest *request,
                  gint64         now)
{
  g_autoptr(GError) error = NULL;
  gint64 recent = 0, offences = 0;
  guint seconds;

  if (!query_int64 (writer, "SELECT count (*) FROM login_failure WHERE ip = ?1 AND at > ?2;",
                    request->client_ip, now - self->config->ip_window_seconds, &recent,
                    &error) ||
      recent < self->config->ip_max_failures ||
      !self->config->blocking_enabled)
    return;

  query_int64 (writer, "SELECT offences FROM ip_block WHERE ip = ?1;",
               request->client_ip, 1, &offences, NULL);
  seconds = offences > 0 ? self->config->ip_repeat_block_seconds
                         : self->config->ip_block_seconds;
  /* SQLite 3.15 has no UPSERT. */
  atrium_store_exec_bound (writer,
                           "INSERT OR REPLACE INTO ip_block (ip, until, offences, reason)"
                           " VALUES (?1, ?2, ?3, 'authn_login_fail');", NULL,
                           's', request->client_ip, 'i', now + (gint64) seconds,
                           'i', offences + 1, 0);
  atrium_store_security_event_add (writer, self->clock, "authn_ip_blocked",
                                   request->client_ip, 0, request->request_id,
                                   offences > 0 ? "repeated sign-in failures, blocked again"
                                                : "repeated sign-in failures",
                                   TRUE, NULL);
  atrium_server_block_address (self->server, request->client_ip, seconds);
}

static void
record_failure (AtriumAuth    *self,
                AtriumDb      *writer,
                AtriumRequest *request,
                const char    *key,
                gint64         user_id,
                gint64         now)
{
  gint64 failures = 0;
  gint64 delay = 0;

  atrium_store_exec_bound (writer, "INSERT INTO login_failure (at, ip, login_hash)"
                                   " VALUES (?1, ?2, ?3);", NULL,
                           'i', now, 's', request->client_ip, 's', key, 0);
  query_int64 (writer, "SELECT failures FROM login_throttle WHERE login_hash = ?1;",
               key, 1, &failures, NULL);
  failures++;
  /* Free tries first, then each wait twice the last, up to the lock. */
  if (failures >= self->config->account_free_failures)
    {
      gint64 step = failures - self->config->account_free_failures;

      delay = step >= 30 ? self->config->account_max_delay_seconds
                         : MIN ((gint64) 1 << step, (gint64) self->config->account_max_delay_seconds);
    }
  atrium_store_exec_bound (writer,
                           "INSERT OR REPLACE INTO login_throttle (login_hash, failures,"
                           " not_before) VALUES (?1, ?2, ?3);", NULL,
                           's', key, 'i', failures, 'i', now + delay, 0);
  atrium_auth_audit (self, writer, request, delay >= self->config->account_max_delay_seconds
                                ? "authn_login_lock" : "authn_login_fail",
         ATRIUM_AUDIT_FAILURE, 0, user_id, NULL);
  count_ip_failure (self, writer, request, now);
}

static void
clear_failures (AtriumDb   *writer,
                const char *key)
{
  atrium_store_exec_bound (writer, "DELETE FROM login_throttle WHERE login_hash = ?1;", NULL,
                           's', key, 0);
}

/* An administrator's unlock: the throttles of the account's name and email go. */
void
atrium_auth_clear_throttle (AtriumDb         *writer,
                            const AtriumUser *user)
{
  g_autofree char *by_name = login_key (user->name);
  g_autofree char *by_email = login_key (user->email);

  clear_failures (writer, by_name);
  clear_failures (writer, by_email);
}

/* ---- sessions ------------------------------------------------------------------------ */

static char *
create_session (AtriumAuth    *self,
                AtriumDb      *writer,
                AtriumRequest *request,
                gint64         user_id,
                gboolean       second_factor,
                gint64         now,
                GError       **error)
{
  char *token = atrium_random_base64url (32);
  g_autofree char *hash = atrium_token_hash (token);
  gint64 expires = now + (gint64) self->config->session_absolute_hours * 3600;

  if (atrium_store_exec_bound (writer,
                               "INSERT INTO session (token_hash, user_id, second_factor,"
                               " created_at, last_seen_at, expires_at, ip, user_agent)"
                               " VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7);", error,
                               's', hash, 'i', user_id, 'i', (gint64) (second_factor ? 1 : 0),
                               'i', now, 'i', expires, 's', request->client_ip,
                               's', request->user_agent, 0) < 0)
    {
      atrium_secure_free_string (token);
      return NULL;
    }
  return token;
}

/* The session that ends a successful sign-in; @user passes into @result. */
static gboolean
finish_login (AtriumAuth         *self,
              AtriumDb           *writer,
              AtriumRequest      *request,
              AtriumUser        **user,
              gboolean            second_factor,
              AtriumLoginResult  *result,
              GError            **error)
{
  gint64 now = atrium_clock_now (self->clock);

  result->token = create_session (self, writer, request, (*user)->id, second_factor, now,
                                  error);
  if (result->token == NULL)
    {
      result->status = ATRIUM_LOGIN_FAILED;
      return FALSE;
    }
  note_origin (self, writer, request, *user, now);
  result->status = ATRIUM_LOGIN_OK;
  result->expires_in = (gint64) self->config->session_idle_minutes * 60;
  atrium_auth_audit (self, writer, request, "authn_login_success", ATRIUM_AUDIT_SUCCESS,
                     (*user)->id, (*user)->id,
                     second_factor ? "with a second factor" : "password only");
  result->user = g_steal_pointer (user);
  return TRUE;
}

/* ---- login --------------------------------------------------------------------------- */

static GPtrArray *
second_factor_methods (AtriumAuth *self,
                       AtriumUser *user)
{
  GPtrArray *methods = g_ptr_array_new ();

  if (user->totp_confirmed)
    g_ptr_array_add (methods, "totp");
  if (self->sms != NULL && user->phone != NULL)
    g_ptr_array_add (methods, "sms");
  if (self->mailer != NULL)
    g_ptr_array_add (methods, "email");
  return methods;
}

gboolean
atrium_auth_login (AtriumAuth         *self,
                   AtriumRequest      *request,
                   const char         *login,
                   const char         *password,
                   AtriumLoginResult  *result,
                   GError            **error)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  g_autofree char *key = login_key (login);
  g_autoptr(AtriumUser) user = NULL;
  gint64 now = atrium_clock_now (self->clock);
  gboolean password_ok;
  gboolean ok = TRUE;
  AtriumDb *db;
  guint wait = 0;

  memset (result, 0, sizeof *result);

  db = atrium_store_read_begin (store);
  ok = throttle_wait (self, db, key, now, &wait, error);
  if (ok && wait == 0)
    user = atrium_store_user_find (db, login, NULL);
  atrium_store_read_end (store, db);
  if (!ok)
    {
      result->status = ATRIUM_LOGIN_FAILED;
      return FALSE;
    }
  if (wait > 0)
    {
      result->status = ATRIUM_LOGIN_THROTTLED;
      result->retry_after = wait;
      return TRUE;
    }

  /* The same Argon2id work whether the account exists or not. */
  password_ok = atrium_password_verify (user != NULL ? user->password_hash : self->dummy_hash,
                                        password) && user != NULL;

  db = atrium_store_write_begin (store);
  if (!password_ok || user->disabled)
    {
      record_failure (self, db, request, key, user != NULL ? user->id : 0, now);
      atrium_store_write_end (store);
      result->status = ATRIUM_LOGIN_INVALID;
      return TRUE;
    }

  clear_failures (db, key);
  if (atrium_password_needs_rehash (user->password_hash, &self->params))
    {
      g_autofree char *rehashed = atrium_password_hash (password, &self->params, NULL);

      if (rehashed != NULL)
        atrium_store_user_set_password (db, user->id, rehashed, user->password_changed_at, NULL);
    }

  if (atrium_user_needs_second_factor (user))
    {
      g_autofree char *challenge = atrium_random_base64url (16);
      g_autofree char *hash = atrium_token_hash (challenge);

      if (atrium_store_exec_bound (db,
                                   "INSERT INTO challenge (id_hash, user_id, created_at,"
                                   " expires_at, ip, user_agent)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6);", error,
                                   's', hash, 'i', user->id, 'i', now,
                                   'i', now + CHALLENGE_SECONDS, 's', request->client_ip,
                                   's', request->user_agent, 0) < 0)
        {
          atrium_store_write_end (store);
          result->status = ATRIUM_LOGIN_FAILED;
          return FALSE;
        }
      atrium_auth_audit (self, db, request, "authn_login_password_ok", ATRIUM_AUDIT_SUCCESS, user->id,
             user->id, "second factor required");
      atrium_store_write_end (store);
      result->status = ATRIUM_LOGIN_SECOND_FACTOR;
      result->challenge = g_steal_pointer (&challenge);
      result->methods = second_factor_methods (self, user);
      return TRUE;
    }

  ok = finish_login (self, db, request, &user, FALSE, result, error);
  atrium_store_write_end (store);
  return ok;
}

/* ---- second factor ------------------------------------------------------------------- */

typedef struct
{
  gint64  user_id;
  gint64  expires_at;
  char   *code_method;
  char   *code_hash;
  gint64  code_expires_at;
  gint64  code_attempts;
  gint64  code_sent_at;
} Challenge;

static void
challenge_clear (Challenge *c)
{
  g_free (c->code_method);
  g_free (c->code_hash);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Challenge, challenge_clear)

/* Looks the challenge up by its hash; FALSE when there is none (or it has expired). */
static gboolean
load_challenge (AtriumDb   *db,
                const char *id_hash,
                gint64      now,
                Challenge  *c)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  memset (c, 0, sizeof *c);
  if (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                          "SELECT user_id, expires_at, code_method, code_hash, code_expires_at,"
                          " code_attempts, code_sent_at FROM challenge WHERE id_hash = ?1;",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, id_hash, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          c->user_id = sqlite3_column_int64 (stmt, 0);
          c->expires_at = sqlite3_column_int64 (stmt, 1);
          c->code_method = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
          c->code_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
          c->code_expires_at = sqlite3_column_int64 (stmt, 4);
          c->code_attempts = sqlite3_column_int64 (stmt, 5);
          c->code_sent_at = sqlite3_column_int64 (stmt, 6);
          found = c->expires_at > now;
        }
    }
  sqlite3_finalize (stmt);
  return found;
}

static gboolean
send_code (AtriumAuth  *self,
           AtriumUser  *user,
           const char  *method,
           const char  *code,
           GError     **error)
{
  g_autofree char *text = g_strdup_printf ("Your Atrium sign-in code is %s. It is valid for 10 "
                                           "minutes. If you did not try to sign in, change "
                                           "your password.", code);

  if (g_str_equal (method, "sms"))
    return atrium_sms_send (self->sms, user->phone, text, error);
  {
    AtriumMail mail = { user->email, "Your Atrium sign-in code", text, NULL, NULL, NULL };

    return atrium_mailer_send (self->mailer, &mail, error);
  }
}

gboolean
atrium_auth_send_code (AtriumAuth         *self,
                       AtriumRequest      *request,
                       const char         *challenge,
                       const char         *method,
                       AtriumLoginResult  *result,
                       GError            **error)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  g_autofree char *id_hash = atrium_token_hash (challenge);
  g_autofree char *code = NULL;
  g_autofree char *code_hash = NULL;
  g_autoptr(AtriumUser) user = NULL;
  g_auto(Challenge) c = { 0 };
  gint64 now = atrium_clock_now (self->clock);
  gboolean sms = g_str_equal (method, "sms");
  AtriumDb *db;

  memset (result, 0, sizeof *result);
  if ((sms && self->sms == NULL) || (!sms && (self->mailer == NULL || !g_str_equal (method, "email"))))
    {
      result->status = ATRIUM_LOGIN_INVALID;
      return TRUE;
    }

  db = atrium_store_write_begin (store);
  if (!load_challenge (db, id_hash, now, &c) ||
      (user = atrium_store_user_get (db, c.user_id, NULL)) == NULL ||
      (sms && user->phone == NULL))
    {
      atrium_store_write_end (store);
      result->status = ATRIUM_LOGIN_INVALID;
      return TRUE;
    }
  if (c.code_sent_at != 0 && now - c.code_sent_at < CODE_RESEND_SECONDS)
    {
      atrium_store_write_end (store);
      result->status = ATRIUM_LOGIN_THROTTLED;
      result->retry_after = (guint) (CODE_RESEND_SECONDS - (now - c.code_sent_at));
      return TRUE;
    }

  /* A new code replaces the old one; it belongs to this challenge alone. */
  code = atrium_short_code_generate (CODE_DIGITS);
  code_hash = atrium_token_hash (code);
  atrium_store_exec_bound (db,
                           "UPDATE challenge SET code_method = ?2, code_hash = ?3,"
                           " code_expires_at = ?4, code_attempts = 0, code_sent_at = ?5"
                           " WHERE id_hash = ?1;", NULL,
                           's', id_hash, 's', method, 's', code_hash,
                           'i', now + CODE_SECONDS, 'i', now, 0);
  atrium_auth_audit (self, db, request, "authn_code_sent", ATRIUM_AUDIT_SUCCESS, user->id, user->id, method);
  atrium_store_write_end (store);

  /* Sent outside the writer: a slow mail server must not hold up everyone's writes. */
  if (!send_code (self, user, method, code, error))
    {
      atrium_secure_zero (code, strlen (code));
      result->status = ATRIUM_LOGIN_FAILED;
      return FALSE;
    }
  atrium_secure_zero (code, strlen (code));
  result->status = ATRIUM_LOGIN_SECOND_FACTOR;
  return TRUE;
}

static gboolean
check_totp (AtriumAuth *self,
            AtriumDb   *db,
            AtriumUser *user,
            const char *code,
            gint64      now)
{
  g_autofree guint8 *secret = NULL;
  gsize len = 0;
  gint64 step = -1;
  gboolean ok;

  if (!user->totp_confirmed || strlen (code) != ATRIUM_TOTP_DIGITS)
    return FALSE;
  secret = atrium_unseal (self->secrets_key, user->totp_secret, &len, NULL);
  if (secret == NULL)
    return FALSE;
  ok = atrium_totp_verify (secret, len, code, now, 1, user->totp_last_step, &step);
  atrium_secure_zero (secret, len);
  /* A code is good once: the step used is remembered. */
  if (ok)
    atrium_store_user_set_totp_step (db, user->id, step, NULL);
  return ok;
}

static gboolean
check_recovery_code (AtriumDb   *db,
                     AtriumUser *user,
                     const char *code,
                     gint64      now)
{
  g_autofree char *normal = atrium_recovery_code_normalize (code);
  g_autofree char *hash = NULL;

  if (normal == NULL)
    return FALSE;
  hash = atrium_token_hash (normal);
  return atrium_store_exec_bound (db,
                                  "UPDATE recovery_code SET used_at = ?3 WHERE user_id = ?1"
                                  " AND code_hash = ?2 AND used_at IS NULL;", NULL,
                                  'i', user->id, 's', hash, 'i', now, 0) == 1;
}

gboolean
atrium_auth_verify_code (AtriumAuth         *self,
                         AtriumRequest      *request,
                         const char         *challenge,
                         const char         *code,
                         AtriumLoginResult  *result,
                         GError            **error)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  g_autofree char *id_hash = atrium_token_hash (challenge);
  g_autoptr(AtriumUser) user = NULL;
  g_auto(Challenge) c = { 0 };
  gint64 now = atrium_clock_now (self->clock);
  gboolean ok = FALSE;
  AtriumDb *db;

  memset (result, 0, sizeof *result);
  db = atrium_store_write_begin (store);
  if (!load_challenge (db, id_hash, now, &c) ||
      (user = atrium_store_user_get (db, c.user_id, NULL)) == NULL || user->disabled)
    {
      atrium_store_write_end (store);
      result->status = ATRIUM_LOGIN_INVALID;
      return TRUE;
    }

  if (check_totp (self, db, user, code, now))
    ok = TRUE;
  else if (c.code_hash != NULL && now < c.code_expires_at && c.code_attempts < CODE_MAX_ATTEMPTS)
    {
      g_autofree char *hash = atrium_token_hash (code);

      ok = atrium_secure_str_equal (hash, c.code_hash);
    }
  if (!ok)
    ok = check_recovery_code (db, user, code, now);

  if (!ok)
    {
      /* Five wrong codes burn the challenge: the password step must be done again. */
      if (c.code_attempts + 1 >= CODE_MAX_ATTEMPTS)
        atrium_store_exec_bound (db, "DELETE FROM challenge WHERE id_hash = ?1;", NULL,
                                 's', id_hash, 0);
      else
        atrium_store_exec_bound (db, "UPDATE challenge SET code_attempts = code_attempts + 1"
                                     " WHERE id_hash = ?1;", NULL, 's', id_hash, 0);
      atrium_auth_audit (self, db, request, "authn_2fa_fail", ATRIUM_AUDIT_FAILURE, 0, user->id, NULL);
      atrium_store_write_end (store);
      result->status = ATRIUM_LOGIN_INVALID;
      return TRUE;
    }

  atrium_store_exec_bound (db, "DELETE FROM challenge WHERE id_hash = ?1;", NULL,
                           's', id_hash, 0);
  ok = finish_login (self, db, request, &user, TRUE, result, error);
  atrium_store_write_end (store);
  return ok;
}

/* ---- every request ------------------------------------------------------------------- */

static gboolean
is_token_text (const char *token)
{
  if (token == NULL || strlen (token) != 43)
    return FALSE;
  for (const char *p = token; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* One account's requests, wherever they come from: a token bucket like the router's
 * per address. Over the pace: 429 with Retry-After. */
static gboolean
account_over_pace (AtriumAuth    *self,
                   AtriumRequest *request,
                   gint64         user_id)
{
  double capacity = self->config->requests_per_minute_per_account;
  double per_usec = capacity / (60.0 * G_USEC_PER_SEC);
  gint64 now = g_get_monotonic_time ();
  guint wait = 0;
  Pace *pace;

  g_mutex_lock (&self->probes_lock);
  pace = g_hash_table_lookup (self->paces, &user_id);
  if (pace == NULL)
    {
      gint64 *key = g_new (gint64, 1);

      *key = user_id;
      pace = g_new0 (Pace, 1);
      pace->tokens = capacity;
      pace->updated = now;
      g_hash_table_insert (self->paces, key, pace);
    }
  pace->tokens = MIN (capacity, pace->tokens + (now - pace->updated) * per_usec);
  pace->updated = now;
  if (pace->tokens >= 1.0)
    pace->tokens -= 1.0;
  else
    wait = (guint) ((1.0 - pace->tokens) / per_usec / G_USEC_PER_SEC) + 1;
  g_mutex_unlock (&self->probes_lock);

  if (wait == 0)
    return FALSE;
  {
    g_autofree char *retry = g_strdup_printf ("%u", wait);

    atrium_request_add_header (request, "Retry-After", retry);
    atrium_request_reply_error (request, 429, "rate_limited",
                                "Too many requests from this account; slow down");
  }
  return TRUE;
}

/* A kiosk's long-lived token: valid until revoked; the device serves one site. */
static gboolean
authenticate_device (AtriumAuth    *self,
                     AtriumDb      *db,
                     AtriumRequest *request,
                     const char    *hash)
{
  sqlite3_stmt *stmt = atrium_db_cached (db, "SELECT s.id, d.id, d.kind, d.site_id, d.name"
                                             " FROM session s"
                                             " JOIN device d ON d.id = s.device_id"
                                             " WHERE s.token_hash = ?1"
                                             " AND d.revoked_at IS NULL;", NULL);
  gboolean found = FALSE;

  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          AtriumSiteRole grant;
          guint role = atrium_role_from_string ((const char *) sqlite3_column_text (stmt, 2));

          found = TRUE;
          request->principal.session_id = sqlite3_column_int64 (stmt, 0);
          request->principal.device_id = sqlite3_column_int64 (stmt, 1);
          request->principal.roles = role;
          request->principal.name = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
          request->principal.site_roles = g_array_new (FALSE, FALSE, sizeof (AtriumSiteRole));
          grant.site_id = sqlite3_column_int64 (stmt, 3);
          grant.role = role;
          g_array_append_val (request->principal.site_roles, grant);
        }
      sqlite3_reset (stmt);
    }
  return found;
}

/* ---- the session cache --------------------------------------------------------------- */

static void
cached_session_free (gpointer data)
{
  CachedSession *cached = data;

  g_free (cached->name);
  g_clear_pointer (&cached->site_roles, g_array_unref);
  g_free (cached);
}

/* A copy of the session kept for @hash, if it was read under @generation less than
 * SESSION_CACHE_USEC ago; the caller frees it. */
static CachedSession *
session_cache_get (AtriumAuth *self,
                   const char *hash,
                   guint       generation)
{
  CachedSession *cached, *copy = NULL;

  g_mutex_lock (&self->sessions_lock);
  cached = g_hash_table_lookup (self->sessions, hash);
  if (cached != NULL && cached->generation == generation &&
      g_get_monotonic_time () - cached->read_at < SESSION_CACHE_USEC)
    {
      copy = g_memdup2 (cached, sizeof *cached);
      copy->name = g_strdup (cached->name);
      copy->site_roles = g_array_ref (cached->site_roles);
    }
  else if (cached != NULL)
    g_hash_table_remove (self->sessions, hash);
  g_mutex_unlock (&self->sessions_lock);
  return copy;
}

/* Keeps what was read under @generation, unless the store changed since: a read that
 * began before a revocation's commit may hold the old rows. */
static void
session_cache_put (AtriumAuth       *self,
                   const char       *hash,
                   guint             generation,
                   gint64            session_id,
                   gboolean          second_factor,
                   gint64            last_seen,
                   gint64            expires,
                   const AtriumUser *user)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  CachedSession *cached;

  g_mutex_lock (&self->sessions_lock);
  if (atrium_store_get_auth_generation (store) != generation)
    {
      g_mutex_unlock (&self->sessions_lock);
      return;
    }
  if (g_hash_table_size (self->sessions) >= SESSION_CACHE_MAX)
    g_hash_table_remove_all (self->sessions);
  cached = g_new0 (CachedSession, 1);
  cached->session_id = session_id;
  cached->user_id = user->id;
  cached->second_factor = second_factor;
  cached->last_seen = last_seen;
  cached->expires = expires;
  cached->name = g_strdup (user->name);
  cached->roles = user->roles;
  cached->site_roles = g_array_ref (user->site_roles);
  cached->generation = generation;
  cached->read_at = g_get_monotonic_time ();
  g_hash_table_replace (self->sessions, g_strdup (hash), cached);
  g_mutex_unlock (&self->sessions_lock);
}

/* After this process recorded a use of the session: its last_seen_at alone changed. */
static void
session_cache_touched (AtriumAuth *self,
                       const char *hash,
                       gint64      session_id,
                       gint64      now)
{
  CachedSession *cached;

  g_mutex_lock (&self->sessions_lock);
  cached = g_hash_table_lookup (self->sessions, hash);
  if (cached != NULL && cached->session_id == session_id)
    cached->last_seen = MAX (cached->last_seen, now);
  g_mutex_unlock (&self->sessions_lock);
}

/* The router's hook: Bearer token → session → principal. Expired sessions go. */
gboolean
atrium_auth_authenticate (AtriumRequest *request,
                          gpointer       user_data)
{
  AtriumAuth *self = user_data;
  AtriumStore *store = atrium_server_get_store (self->server);
  const char *token = request->authorization;
  g_autofree char *hash = NULL;
  g_autoptr(AtriumUser) user = NULL;
  CachedSession *cached = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 now = atrium_clock_now (self->clock);
  gint64 session_id = 0, user_id = 0, last_seen = 0, expires = 0;
  gint64 idle = (gint64) self->config->session_idle_minutes * 60;
  gboolean second_factor = FALSE;
  gboolean found = FALSE;
  guint generation;
  AtriumDb *db;

  if (token == NULL || !g_str_has_prefix (token, "Bearer ") || !is_token_text (token + 7))
    return FALSE;
  hash = atrium_token_hash (token + 7);

  /* Read before the store: a revocation committed after this changes it. */
  generation = atrium_store_get_auth_generation (store);
  cached = session_cache_get (self, hash, generation);
  /* A session is ended on what the store says, never on a copy: another process may
   * have used it since. */
  if (cached != NULL && (now >= cached->expires || now - cached->last_seen >= idle))
    g_clear_pointer (&cached, cached_session_free);
  if (cached != NULL)
    {
      found = TRUE;
      session_id = cached->session_id;
      user_id = cached->user_id;
      second_factor = cached->second_factor;
      last_seen = cached->last_seen;
      expires = cached->expires;
    }
  else
    {
      db = atrium_store_read_begin (store);
      if (authenticate_device (self, db, request, hash))
        {
          atrium_store_read_end (store, db);
          return TRUE;
        }
      stmt = atrium_db_cached (db, "SELECT id, user_id, second_factor, last_seen_at,"
                                   " expires_at FROM session WHERE token_hash = ?1"
                                   " AND user_id IS NOT NULL;", NULL);
      if (stmt != NULL)
        {
          sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
          if (sqlite3_step (stmt) == SQLITE_ROW)
            {
              found = TRUE;
              session_id = sqlite3_column_int64 (stmt, 0);
              user_id = sqlite3_column_int64 (stmt, 1);
              second_factor = sqlite3_column_int (stmt, 2) != 0;
              last_seen = sqlite3_column_int64 (stmt, 3);
              expires = sqlite3_column_int64 (stmt, 4);
            }
          sqlite3_reset (stmt);
        }
      if (found)
        user = atrium_store_user_get (db, user_id, NULL);
      atrium_store_read_end (store, db);
      if (!found)
        return FALSE;
      if (user != NULL && !user->disabled)
        session_cache_put (self, hash, generation, session_id, second_factor, last_seen,
                           expires, user);
    }

  if ((cached == NULL && (user == NULL || user->disabled)) || now >= expires ||
      now - last_seen >= idle)
    {
      g_clear_pointer (&cached, cached_session_free);
      db = atrium_store_write_begin (store);
      atrium_store_exec_bound (db, "DELETE FROM session WHERE id = ?1;", NULL,
                               'i', session_id, 0);
      atrium_store_write_end (store);
      atrium_request_reply_error (request, SOUP_STATUS_UNAUTHORIZED, "session_expired",
                                  "Your session has ended; sign in again");
      return FALSE;
    }

  if (now - last_seen >= SESSION_TOUCH_SECONDS &&
      atrium_store_session_touch (store, session_id, now, NULL))
    session_cache_touched (self, hash, session_id, now);

  if (account_over_pace (self, request, user_id))
    {
      g_clear_pointer (&cached, cached_session_free);
      return FALSE;
    }
  request->principal.user_id = user_id;
  request->principal.session_id = session_id;
  request->principal.second_factor = second_factor;
  if (cached != NULL)
    {
      request->principal.name = g_steal_pointer (&cached->name);
      request->principal.roles = cached->roles;
      request->principal.site_roles = g_steal_pointer (&cached->site_roles);
      cached_session_free (cached);
    }
  else
    {
      request->principal.name = g_strdup (user->name);
      request->principal.roles = user->roles;
      request->principal.site_roles = g_array_ref (user->site_roles);
    }
  return TRUE;
}

/* ---- notices ------------------------------------------------------------------------- */

typedef struct
{
  AtriumAuth *auth;
  char       *to;
  char       *subject;
  char       *text;
  char       *request_id;
} Notice;

static void
send_notice (gpointer data,
             gpointer user_data)
{
  Notice *notice = data;
  AtriumMail mail = { notice->to, notice->subject, notice->text, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;

  if (!atrium_mailer_send (notice->auth->mailer, &mail, &error))
    atrium_server_log_error (notice->auth->server, notice->request_id, "notice to user: %s",
                             error->message);
  g_free (notice->to);
  g_free (notice->subject);
  atrium_secure_free_string (notice->text);
  g_free (notice->request_id);
  g_free (notice);
}

/* Tells @user by email (when mail is set up), from a thread of its own: a slow mail
 * server never delays an answer, and the answer's timing never says whether a message
 * went out. */
void
atrium_auth_notify (AtriumAuth       *self,
                    const AtriumUser *user,
                    const char       *subject,
                    const char       *text,
                    const char       *request_id)
{
  if (user != NULL)
    atrium_auth_notify_email (self, user->email, subject, text, request_id);
}

/* Mails @to in the background; without a mail server, nothing. */
void
atrium_auth_notify_email (AtriumAuth *self,
                          const char *to,
                          const char *subject,
                          const char *text,
                          const char *request_id)
{
  Notice *notice;

  if (self->mailer == NULL || to == NULL)
    return;
  notice = g_new0 (Notice, 1);
  notice->auth = self;
  notice->to = g_strdup (to);
  notice->subject = g_strdup (subject);
  notice->text = g_strdup (text);
  notice->request_id = g_strdup (request_id);
  g_thread_pool_push (self->notices, notice, NULL);
}

gboolean
atrium_auth_has_mail (AtriumAuth *self)
{
  return self->mailer != NULL;
}

AtriumMailer *
atrium_auth_get_mailer (AtriumAuth *self)
{
  return self->mailer;
}

const guint8 *
atrium_auth_get_secrets_key (AtriumAuth *self)
{
  return self->secrets_key;
}

/* Tells the user about a sign-in from somewhere new: an address and program pair never
 * seen for this account (the first sign-in ever is not news). */
static void
note_origin (AtriumAuth    *self,
             AtriumDb      *writer,
             AtriumRequest *request,
             AtriumUser    *user,
             gint64         now)
{
  g_autofree char *origin = g_strdup_printf ("%s|%s", request->client_ip,
                                             request->user_agent != NULL ? request->user_agent
                                                                         : "");
  g_autofree char *hash = atrium_token_hash (origin);
  gint64 known = 0;

  query_int64 (writer, "SELECT count (*) FROM known_origin WHERE user_id = ?2"
                       " AND origin_hash = ?1;", hash, user->id, &known, NULL);
  if (known > 0)
    return;
  query_int64 (writer, "SELECT count (*) FROM known_origin WHERE user_id = ?2 AND ?1 = ?1;",
               hash, user->id, &known, NULL);
  atrium_store_exec_bound (writer, "INSERT INTO known_origin (user_id, origin_hash, first_seen)"
                                   " VALUES (?1, ?2, ?3);", NULL,
                           'i', user->id, 's', hash, 'i', now, 0);
  if (known > 0)
    {
      g_autofree char *stamp = atrium_time_format_iso8601 (now * ATRIUM_USEC_PER_SEC);
      g_autofree char *text = g_strdup_printf (
        "Someone signed in to your Atrium account %s at %s (UTC)\n"
        "from the address %s with %s.\n\n"
        "If this was you, there is nothing to do. If not, change your password now and\n"
        "end your other sessions in Atrium's settings.", user->name, stamp,
        request->client_ip, request->user_agent != NULL ? request->user_agent
                                                        : "an unknown program");

      atrium_auth_notify (self, user, "New sign-in to your Atrium account", text,
                          request->request_id);
    }
}

/* ---- intrusion detection ------------------------------------------------------------ */

static gboolean
record_security_event (AtriumAuth    *self,
                       AtriumRequest *request,
                       const char    *event,
                       const char    *detail,
                       gboolean       block)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  gboolean blocked = block && self->config->blocking_enabled;
  AtriumDb *db = atrium_store_write_begin (store);

  atrium_store_security_event_add (db, self->clock, event, request->client_ip,
                                   request->principal.user_id, request->request_id, detail,
                                   blocked, NULL);
  if (blocked)
    atrium_store_exec_bound (db, "INSERT OR REPLACE INTO ip_block (ip, until, offences, reason)"
                                 " VALUES (?1, ?2, 1, ?3);", NULL,
                             's', request->client_ip,
                             'i', atrium_clock_now (self->clock) + self->config->ip_block_seconds,
                             's', event, 0);
  atrium_store_write_end (store);
  if (blocked)
    atrium_server_block_address (self->server, request->client_ip,
                                 self->config->ip_block_seconds);
  return blocked;
}

/* Non-administrators knocking on unknown or forbidden paths: past ten a minute it is a
 * scan, not a mistake. */
static void
count_probe (AtriumAuth    *self,
             AtriumRequest *request,
             const char    *path)
{
  gint64 now = atrium_clock_now (self->clock);
  gboolean scan = FALSE;
  Probes *probes;

  if (request->principal.roles & ATRIUM_ROLE_ADMIN)
    return;
  g_mutex_lock (&self->probes_lock);
  probes = g_hash_table_lookup (self->probes, request->client_ip);
  if (probes == NULL)
    {
      probes = g_new0 (Probes, 1);
      g_hash_table_insert (self->probes, g_strdup (request->client_ip), probes);
    }
  if (now - probes->window_start >= PROBE_WINDOW_SECONDS)
    {
      probes->window_start = now;
      probes->count = 0;
    }
  scan = ++probes->count == PROBE_LIMIT;
  g_mutex_unlock (&self->probes_lock);

  if (scan)
    record_security_event (self, request, "malicious_probe", path, TRUE);
}

/* The router's security hook (a worker thread). */
gboolean
atrium_auth_security (AtriumRequest      *request,
                      AtriumSecurityKind  kind,
                      const char         *detail,
                      gpointer            user_data)
{
  AtriumAuth *self = user_data;

  switch (kind)
    {
    case ATRIUM_SECURITY_AUTHZ_FAIL:
      {
        AtriumStore *store = atrium_server_get_store (self->server);
        AtriumDb *db = atrium_store_write_begin (store);

        atrium_auth_audit (self, db, request, "authz_fail", ATRIUM_AUDIT_FAILURE,
                           request->principal.user_id, 0, detail);
        atrium_store_write_end (store);
        count_probe (self, request, detail);
        return FALSE;
      }
    case ATRIUM_SECURITY_UNKNOWN_PATH:
      count_probe (self, request, detail);
      return FALSE;
    case ATRIUM_SECURITY_FLOOD:
      return record_security_event (self, request, "excess_rate", detail, TRUE);
    case ATRIUM_SECURITY_INJECTION:
    default:
      return record_security_event (self, request, "input_injection", detail, TRUE);
    }
}

/* ---- life cycle ---------------------------------------------------------------------- */

/* A secret kept in a file of its own (not in server.conf): its first line. */
static char *
read_secret_file (const char  *path,
                  const char  *what,
                  GError     **error)
{
  g_autofree char *contents = NULL;
  char *newline;

  if (path == NULL)
    return NULL;
  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  newline = strpbrk (contents, "\r\n");
  if (newline != NULL)
    *newline = '\0';
  if (*contents == '\0')
    {
      g_set_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID,
                   "%s (%s) is empty", what, path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

static gboolean
setup_mail (AtriumAuth  *self,
            GError     **error)
{
  AtriumConfig *config = self->config;
  g_auto(AtriumMailerConfig) mail = { 0 };
  g_autoptr(GError) local_error = NULL;

  if (config->mail_host == NULL)
    return TRUE;
  if (config->mail_from == NULL)
    {
      g_set_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID,
                   "[mail] from: needed when [mail] host is set");
      return FALSE;
    }
  if (g_strcmp0 (config->mail_tls, "none") == 0)
    mail.tls = ATRIUM_MAILER_TLS_NONE;
  else if (g_strcmp0 (config->mail_tls, "starttls") == 0)
    mail.tls = ATRIUM_MAILER_TLS_STARTTLS;
  else if (g_strcmp0 (config->mail_tls, "implicit") == 0)
    mail.tls = ATRIUM_MAILER_TLS_IMPLICIT;
  else
    {
      g_set_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID,
                   "[mail] tls: expected none, starttls or implicit, got “%s”",
                   config->mail_tls);
      return FALSE;
    }
  mail.host = g_strdup (config->mail_host);
  mail.port = (guint16) config->mail_port;
  mail.user = g_strdup (config->mail_user);
  mail.password = read_secret_file (config->mail_password_file, "[mail] password_file",
                                    &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  mail.from_address = g_strdup (config->mail_from);
  mail.from_name = g_strdup (config->mail_from_name);
  mail.ca_file = g_strdup (config->mail_ca_file);
  self->mailer = atrium_mailer_new (&mail, error);
  if (mail.password != NULL)
    atrium_secure_zero (mail.password, strlen (mail.password));
  return self->mailer != NULL;
}

static gboolean
setup_sms (AtriumAuth  *self,
           GError     **error)
{
  AtriumConfig *config = self->config;
  g_auto(AtriumSmsConfig) sms = { 0 };
  g_autoptr(GError) local_error = NULL;

  if (config->sms_url == NULL)
    return TRUE;
  sms.url = g_strdup (config->sms_url);
  sms.body_template = g_strdup (config->sms_body_template);
  sms.content_type = g_strdup (config->sms_content_type);
  sms.auth_header = read_secret_file (config->sms_auth_header_file, "[sms] auth_header_file",
                                      &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  sms.ca_file = g_strdup (config->sms_ca_file);
  self->sms = atrium_sms_new (&sms, error);
  return self->sms != NULL;
}

AtriumAuth *
atrium_auth_new (AtriumServer  *server,
                 GError       **error)
{
  AtriumAuth *self = g_new0 (AtriumAuth, 1);
  AtriumConfig *config = atrium_server_get_config (server);

  self->server = server;
  self->config = config;
  self->clock = atrium_server_get_clock (server);
  self->policy.min_length = config->password_min_length;
  self->policy.max_length = 128;
  self->policy.min_classes = config->password_min_classes;
  self->policy.reject_common = config->password_reject_common;
  self->policy.reject_personal = TRUE;
  self->params.opslimit = config->argon2_iterations;
  self->params.memlimit = (gsize) config->argon2_memory_mib * 1024 * 1024;

  if (!atrium_auth_load_secrets_key (atrium_store_get_data_dir (atrium_server_get_store (server)),
                                     self->secrets_key, error) ||
      !setup_mail (self, error) || !setup_sms (self, error))
    {
      atrium_auth_free (self);
      return NULL;
    }
  {
    g_autofree char *random = atrium_random_hex (16);

    self->dummy_hash = atrium_password_hash (random, &self->params, error);
  }
  if (self->dummy_hash == NULL)
    {
      atrium_auth_free (self);
      return NULL;
    }
  self->notices = g_thread_pool_new (send_notice, NULL, 1, FALSE, NULL);

  /* Blocks outlive a restart. */
  {
    AtriumStore *store = atrium_server_get_store (server);
    g_autoptr(GHashTable) blocks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    gint64 now = atrium_clock_now (self->clock);
    AtriumDb *db = atrium_store_read_begin (store);
    GHashTableIter iter;
    gpointer ip, until;

    atrium_store_blocks_active (db, now, blocks, NULL);
    atrium_store_read_end (store, db);
    g_hash_table_iter_init (&iter, blocks);
    while (g_hash_table_iter_next (&iter, &ip, &until))
      atrium_server_block_address (server, ip, (guint) (GPOINTER_TO_SIZE (until) - now));
  }
  g_mutex_init (&self->probes_lock);
  self->probes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->paces = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_mutex_init (&self->sessions_lock);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cached_session_free);
  return self;
}

void
atrium_auth_free (AtriumAuth *self)
{
  if (self == NULL)
    return;
  /* Notices still queued are sent before the mailer goes. */
  if (self->notices != NULL)
    g_thread_pool_free (self->notices, FALSE, TRUE);
  if (self->probes != NULL)
    {
      g_hash_table_unref (self->probes);
      g_hash_table_unref (self->paces);
      g_mutex_clear (&self->probes_lock);
    }
  if (self->sessions != NULL)
    {
      g_hash_table_unref (self->sessions);
      g_mutex_clear (&self->sessions_lock);
    }
  atrium_secure_zero (self->secrets_key, sizeof self->secrets_key);
  g_free (self->dummy_hash);
  g_clear_object (&self->mailer);
  g_clear_object (&self->sms);
  g_free (self);
}

const AtriumPasswordPolicy *
atrium_auth_get_policy (AtriumAuth *self)
{
  return &self->policy;
}

const AtriumPasswordParams *
atrium_auth_get_params (AtriumAuth *self)
{
  return &self->params;
}
