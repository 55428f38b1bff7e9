/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-audit.h"

#include "atrium-core-error.h"
#include "atrium-random.h"

#include <string.h>
#include <sodium.h>

#define HASH_HEX_LEN   (crypto_hash_sha256_BYTES * 2)
#define HASH_TAG       "atrium-audit-v1"
#define GENESIS_HASH   "0000000000000000000000000000000000000000000000000000000000000000"

G_STATIC_ASSERT (sizeof GENESIS_HASH - 1 == HASH_HEX_LEN);

/* The fields after the id, in hashing order; they are also the columns 1–9 below. */
enum
{
  FIELD_AT,
  FIELD_EVENT,
  FIELD_OUTCOME,
  FIELD_ACTOR,
  FIELD_SUBJECT,
  FIELD_IP,
  FIELD_REQUEST_ID,
  FIELD_DETAIL,
  FIELD_PREV_HASH,
  N_FIELDS
};

typedef struct
{
  const char *text;   /* NULL for SQL NULL */
  gsize       len;
} Field;

/* ---- sanitising ----------------------------------------------------------------------- */

/* Characters that end a line somewhere or steer a terminal: C0, DEL, C1 (NEL is a line
 * break to some readers) and the Unicode line and paragraph separators. */
static gboolean
is_control (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

/* Valid UTF-8, no control characters, at most @max_chars characters with "…" marking a
 * cut. %NULL stays %NULL. */
static char *
sanitize_text (const char *text,
               glong       max_chars)
{
  /* Every character takes at least one byte, so the first @max_chars + 1 characters lie
   * within this many bytes: a huge input is never copied whole. */
  gsize limit = ((gsize) max_chars + 1) * 4;
  g_autofree char *valid = NULL;
  GString *out;
  gsize keep = 0;
  glong n = 0;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, strnlen (text, limit));
  out = g_string_sized_new (MIN (strlen (valid), limit) + 1);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (n == max_chars - 1)
        keep = out->len;
      if (n == max_chars)
        {
          g_string_truncate (out, keep);
          g_string_append (out, "…");
          break;
        }
      if (is_control (c))
        g_string_append_c (out, ' ');
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
check_event (const char  *event,
             GError     **error)
{
  gsize len = event != NULL ? strnlen (event, ATRIUM_AUDIT_EVENT_MAX_LEN + 1) : 0;
  gboolean ok = len >= 1 && len <= ATRIUM_AUDIT_EVENT_MAX_LEN;

  for (gsize i = 0; ok && i < len; i++)
    ok = g_ascii_islower (event[i]) || g_ascii_isdigit (event[i]) ||
         event[i] == '_' || event[i] == ':';
  if (!ok)
    {
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID,
                   "An audit event name is 1 to %d characters of a-z, 0-9, '_' and ':'",
                   ATRIUM_AUDIT_EVENT_MAX_LEN);
      return FALSE;
    }
  return TRUE;
}

/* A cheap last line against a caller pasting a request or a URL into the trail. */
static gboolean
check_no_secret (const char  *detail,
                 GError     **error)
{
  g_autofree char *lower = NULL;

  if (detail == NULL)
    return TRUE;
  lower = g_ascii_strdown (detail, -1);
  if (strstr (lower, "password=") != NULL || strstr (lower, "token=") != NULL)
    {
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID,
                   "An audit detail must not carry a password or a token");
      return FALSE;
    }
  return TRUE;
}

/* ---- the chain ------------------------------------------------------------------------ */

static void
hash_field (crypto_hash_sha256_state *state,
            const char               *text,
            gsize                     len)
{
  char prefix[32];
  int n;

  if (text == NULL)
    {
      crypto_hash_sha256_update (state, (const guint8 *) "-", 1);
      return;
    }
  n = g_snprintf (prefix, sizeof prefix, "%" G_GSIZE_FORMAT ":", len);
  crypto_hash_sha256_update (state, (const guint8 *) prefix, n);
  crypto_hash_sha256_update (state, (const guint8 *) text, len);
}

/* A row's hash: SHA-256 in lowercase hex over the canonical encoding
 *
 *   "atrium-audit-v1" F(id) F(at) F(event) F(outcome) F(actor) F(subject) F(ip)
 *   F(request_id) F(detail) F(prev_hash)
 *
 * where F(NULL) is "-" and F(s) is the decimal byte length of s, ':' and the bytes of s
 * (so "" is "0:"). The id is in decimal ("17"), the outcome as stored ("success" or
 * "failure"), the rest the stored UTF-8 text. A length never starts with '-', so NULL and
 * "" differ, and the lengths fix where each field ends, so no bytes can move from one
 * field to the next. The first row's prev_hash is 64 '0's. */
static void
hash_row (gint64       id,
          const Field  fields[N_FIELDS],
          char         hex_out[HASH_HEX_LEN + 1])
{
  crypto_hash_sha256_state state;
  guint8 digest[crypto_hash_sha256_BYTES];
  char id_text[24];
  int id_len = g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, id);

  atrium_crypto_init ();
  crypto_hash_sha256_init (&state);
  crypto_hash_sha256_update (&state, (const guint8 *) HASH_TAG, strlen (HASH_TAG));
  hash_field (&state, id_text, id_len);
  for (guint i = 0; i < N_FIELDS; i++)
    hash_field (&state, fields[i].text, fields[i].len);
  crypto_hash_sha256_final (&state, digest);
  sodium_bin2hex (hex_out, HASH_HEX_LEN + 1, digest, sizeof digest);
}

static Field
field_of (const char *text)
{
  return (Field) { text, text != NULL ? strlen (text) : 0 };
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

/* Inside the transaction: the previous row, the new id and hash, the insert. */
static gboolean
append_locked (AtriumDb     *db,
               AtriumClock  *clock,
               const char   *event,
               const char   *outcome,
               char        **text /* actor, subject, ip, request_id, detail */,
               GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *at = NULL;
  char prev_hash[HASH_HEX_LEN + 1] = GENESIS_HASH;
  char hash[HASH_HEX_LEN + 1];
  Field fields[N_FIELDS];
  gint64 id = 1;
  int rc;

  /* Both statements are the connection's (atrium_db_cached): reset, never finalized. */
  stmt = atrium_db_cached (db, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1;", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      const char *last = (const char *) sqlite3_column_text (stmt, 1);

      id = sqlite3_column_int64 (stmt, 0);
      if (id < 0 || id == G_MAXINT64 || last == NULL || strlen (last) != HASH_HEX_LEN)
        {
          sqlite3_reset (stmt);
          g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CORRUPT,
                       "The last audit row (#%" G_GINT64_FORMAT ") cannot be chained to",
                       id);
          return FALSE;
        }
      memcpy (prev_hash, last, HASH_HEX_LEN + 1);
      id++;
    }
  else if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "Cannot read the audit trail", error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  /* Taken under the write lock, so times never go back along the ids. */
  at = atrium_time_format_iso8601 (atrium_clock_now_usec (clock));
  if (at == NULL)
    {
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_OUT_OF_RANGE,
                   "The clock is outside the range of dates");
      return FALSE;
    }

  fields[FIELD_AT] = field_of (at);
  fields[FIELD_EVENT] = field_of (event);
  fields[FIELD_OUTCOME] = field_of (outcome);
  for (guint i = 0; i < 5; i++)
    fields[FIELD_ACTOR + i] = field_of (text[i]);
  fields[FIELD_PREV_HASH] = field_of (prev_hash);
  hash_row (id, fields, hash);

  stmt = atrium_db_cached (db, "INSERT INTO audit (id, at, event, outcome, actor, subject, ip,"
                           "  request_id, detail, prev_hash, hash)"
                           "  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11);", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  for (guint i = 0; i < N_FIELDS; i++)
    bind_text_or_null (stmt, 2 + i, fields[i].text);
  sqlite3_bind_text (stmt, 11, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    atrium_db_set_error (db, rc, "Cannot append to the audit trail", error);
  /* The statically bound texts are this frame's: none outlives it. */
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rc == SQLITE_DONE;
}

gboolean
atrium_store_audit_append (AtriumDb                *db,
                           AtriumClock             *clock,
                           const AtriumAuditEntry  *entry,
                           GError                 **error)
{
  const char *outcome;
  const char *begin, *end, *undo;
  char *text[5];
  gboolean own_transaction;
  gboolean ok;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (ATRIUM_IS_CLOCK (clock), FALSE);
  g_return_val_if_fail (entry != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_event (entry->event, error))
    return FALSE;
  switch (entry->outcome)
    {
    case ATRIUM_AUDIT_SUCCESS: outcome = "success"; break;
    case ATRIUM_AUDIT_FAILURE: outcome = "failure"; break;
    default:
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID,
                   "Unknown audit outcome %d", (int) entry->outcome);
      return FALSE;
    }

  text[0] = sanitize_text (entry->actor, ATRIUM_AUDIT_FIELD_MAX_CHARS);
  text[1] = sanitize_text (entry->subject, ATRIUM_AUDIT_FIELD_MAX_CHARS);
  text[2] = sanitize_text (entry->ip, ATRIUM_AUDIT_FIELD_MAX_CHARS);
  text[3] = sanitize_text (entry->request_id, ATRIUM_AUDIT_FIELD_MAX_CHARS);
  text[4] = sanitize_text (entry->detail, ATRIUM_AUDIT_DETAIL_MAX_CHARS);

  /* IMMEDIATE takes the write lock before the last row is read: another process
   * appending at the same time waits instead of forking the chain. Inside the caller's
   * transaction a savepoint undoes only this row on failure. */
  own_transaction = sqlite3_get_autocommit (atrium_db_get_handle (db));
  begin = own_transaction ? "BEGIN IMMEDIATE;" : "SAVEPOINT atrium_audit;";
  end = own_transaction ? "COMMIT;" : "RELEASE atrium_audit;";
  undo = own_transaction ? "ROLLBACK;" : "ROLLBACK TO atrium_audit; RELEASE atrium_audit;";

  ok = check_no_secret (text[4], error) && atrium_db_exec (db, begin, error);
  if (ok)
    {
      ok = append_locked (db, clock, entry->event, outcome, text, error) &&
           atrium_db_exec (db, end, error);
      if (!ok)
        atrium_db_exec (db, undo, NULL);
    }

  for (guint i = 0; i < G_N_ELEMENTS (text); i++)
    g_free (text[i]);
  return ok;
}

gboolean
atrium_store_audit_verify (AtriumDb  *db,
                           gint64    *n_rows_out,
                           gint64    *first_bad_id_out,
                           GError   **error)
{
  sqlite3_stmt *stmt = NULL;
  char expected_prev[HASH_HEX_LEN + 1] = GENESIS_HASH;
  gint64 expected_id = 1;
  gint64 first_bad = 0;
  gint64 n_rows = 0;
  int rc;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_rows_out != NULL)
    *n_rows_out = 0;
  if (first_bad_id_out != NULL)
    *first_bad_id_out = 0;

  /* One statement reads one consistent snapshot, even while the writer appends. */
  rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                           "SELECT id, at, event, outcome, actor, subject, ip, request_id,"
                           "  detail, prev_hash, hash FROM audit ORDER BY id;",
                           -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      const char *stored_hash;
      char hash[HASH_HEX_LEN + 1];
      Field fields[N_FIELDS];

      rc = SQLITE_OK;
      n_rows++;
      if (first_bad != 0)
        continue;

      for (guint i = 0; i < N_FIELDS; i++)
        {
          int col = 1 + i;

          if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
            fields[i] = (Field) { NULL, 0 };
          else
            {
              /* text first, then its length: the order SQLite documents */
              fields[i].text = (const char *) sqlite3_column_text (stmt, col);
              fields[i].len = sqlite3_column_bytes (stmt, col);
            }
        }
      stored_hash = (const char *) sqlite3_column_text (stmt, 10);
      hash_row (id, fields, hash);

      if (id != expected_id ||
          g_strcmp0 (fields[FIELD_PREV_HASH].text, expected_prev) != 0 ||
          g_strcmp0 (stored_hash, hash) != 0)
        {
          first_bad = id;
          continue;
        }
      memcpy (expected_prev, hash, sizeof hash);
      expected_id = id + 1;
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "Cannot read the audit trail", error);

  if (n_rows_out != NULL)
    *n_rows_out = n_rows;
  if (first_bad != 0)
    {
      if (first_bad_id_out != NULL)
        *first_bad_id_out = first_bad;
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CORRUPT,
                   "The audit trail is broken at entry #%" G_GINT64_FORMAT
                   " (of %" G_GINT64_FORMAT ")", first_bad, n_rows);
      return FALSE;
    }
  return TRUE;
}

/* ---- security events ------------------------------------------------------------------ */

gboolean
atrium_store_security_event_add (AtriumDb     *db,
                                 AtriumClock  *clock,
                                 const char   *event,
                                 const char   *ip,
                                 gint64        user_id,
                                 const char   *request_id,
                                 const char   *detail,
                                 gboolean      blocked,
                                 GError      **error)
{
  g_autofree char *clean_ip = NULL;
  g_autofree char *clean_request_id = NULL;
  g_autofree char *clean_detail = NULL;
  g_autofree char *at = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (ATRIUM_IS_CLOCK (clock), FALSE);
  g_return_val_if_fail (user_id >= 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_event (event, error))
    return FALSE;
  clean_ip = sanitize_text (ip, ATRIUM_AUDIT_FIELD_MAX_CHARS);
  clean_request_id = sanitize_text (request_id, ATRIUM_AUDIT_FIELD_MAX_CHARS);
  clean_detail = sanitize_text (detail, ATRIUM_AUDIT_DETAIL_MAX_CHARS);
  if (!check_no_secret (clean_detail, error))
    return FALSE;
  at = atrium_time_format_iso8601 (atrium_clock_now_usec (clock));
  if (at == NULL)
    {
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_OUT_OF_RANGE,
                   "The clock is outside the range of dates");
      return FALSE;
    }

  rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                           "INSERT INTO security_event (at, event, ip, user_id, request_id,"
                           "  detail, blocked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, at, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, event, -1, SQLITE_STATIC);
      bind_text_or_null (stmt, 3, clean_ip);
      if (user_id > 0)
        sqlite3_bind_int64 (stmt, 4, user_id);
      else
        sqlite3_bind_null (stmt, 4);
      bind_text_or_null (stmt, 5, clean_request_id);
      bind_text_or_null (stmt, 6, clean_detail);
      sqlite3_bind_int (stmt, 7, blocked ? 1 : 0);
      rc = sqlite3_step (stmt);
    }
  if (rc != SQLITE_DONE)
    atrium_db_set_error (db, rc, "Cannot record the security event", error);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}
