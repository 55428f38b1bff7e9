/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The hash-chained audit trail and the security events: in process on a real store, and
 * `atrium-server audit verify` as an operator runs it. */
#include "config.h"

#include "atrium-test-server.h"

/* The real binary, arguments listed (tests/support). */
#define run_server atrium_test_run_server_args

#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "atrium-clock.h"
#include "atrium-core-error.h"
#include "atrium-key-file.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-audit.h"

#define START_USEC (G_GINT64_CONSTANT (1795000000) * ATRIUM_USEC_PER_SEC)
#define START_TEXT "2026-11-18T11:06:40Z"
#define ZERO_HASH  "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct
{
  char        *dir;
  AtriumClock *clock;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("atrium-test-audit-XXXXXX", &error);
  g_assert_no_error (error);
  f->clock = atrium_clock_new_fixed (START_USEC);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->clock);
  atrium_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* ---- helpers -------------------------------------------------------------------------- */

static AtriumDb *
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  AtriumDb *db = atrium_store_open (f->dir, TRUE, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (db);
  return db;
}

static void
exec_ok (AtriumDb   *db,
         const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (atrium_db_exec (db, sql, &error));
  g_assert_no_error (error);
}

static gint64
query_int (AtriumDb   *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db), sql, -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* The first column of the first row, or NULL for SQL NULL. */
static char *
query_text (AtriumDb   *db,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db), sql, -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static void
append_ok (AtriumDb               *db,
           AtriumClock            *clock,
           const AtriumAuditEntry *entry)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (atrium_store_audit_append (db, clock, entry, &error));
  g_assert_no_error (error);
}

/* Row @i of a varied trail: every optional field is sometimes NULL, sometimes "". */
static void
append_varied (AtriumDb    *db,
               AtriumClock *clock,
               int          i)
{
  static const char *events[] = {
    "authn_login_success", "authn_login_fail", "authz_fail", "user_created",
    "privilege_permissions_changed", "session:revoked",
  };
  g_autofree char *actor = g_strdup_printf ("user:%d", i % 17);
  g_autofree char *subject = g_strdup_printf ("session:%d", i);
  g_autofree char *ip = g_strdup_printf ("192.0.2.%d", i % 250);
  g_autofree char *request_id = g_strdup_printf ("req-%08x", (guint) i * 2654435761u);
  g_autofree char *detail = g_strdup_printf ("entry %d — ünïcödé", i);
  AtriumAuditEntry entry = {
    .event = events[i % G_N_ELEMENTS (events)],
    .outcome = i % 2 ? ATRIUM_AUDIT_FAILURE : ATRIUM_AUDIT_SUCCESS,
    .actor = i % 3 == 0 ? NULL : i % 3 == 1 ? actor : "",
    .subject = i % 4 == 0 ? NULL : subject,
    .ip = i % 2 == 0 ? ip : NULL,
    .request_id = i % 5 == 0 ? NULL : request_id,
    .detail = i % 7 == 0 ? NULL : i % 7 == 1 ? "" : detail,
  };

  append_ok (db, clock, &entry);
}

static void
append_many (AtriumDb    *db,
             AtriumClock *clock,
             int          n)
{
  for (int i = 0; i < n; i++)
    {
      append_varied (db, clock, i);
      atrium_clock_advance (clock, (i % 3 + 1) * ATRIUM_USEC_PER_SEC);
    }
}

static void
assert_intact (AtriumDb *db,
               gint64    expected_rows)
{
  g_autoptr(GError) error = NULL;
  gint64 n_rows = -1;
  gint64 first_bad = -1;

  g_assert_true (atrium_store_audit_verify (db, &n_rows, &first_bad, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n_rows, ==, expected_rows);
  g_assert_cmpint (first_bad, ==, 0);
}

static void
assert_broken_at (AtriumDb *db,
                  gint64    expected_rows,
                  gint64    expected_bad)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *needle = g_strdup_printf ("#%" G_GINT64_FORMAT " ", expected_bad);
  gint64 n_rows = -1;
  gint64 first_bad = -1;

  g_assert_false (atrium_store_audit_verify (db, &n_rows, &first_bad, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_cmpint (n_rows, ==, expected_rows);
  g_assert_cmpint (first_bad, ==, expected_bad);
}

/* What someone with the key can do: the triggers are only a guard against mistakes. */
static void
drop_triggers (AtriumDb *db)
{
  exec_ok (db, "DROP TRIGGER audit_append_only_update;");
  exec_ok (db, "DROP TRIGGER audit_append_only_delete;");
}

/* ---- the chain ------------------------------------------------------------------------ */

static void
test_chain_intact (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  g_autofree char *first_at = NULL, *first_prev = NULL, *last_at = NULL;
  g_autofree char *expected_last_at = NULL;

  assert_intact (db, 0);
  append_many (db, f->clock, 200);
  assert_intact (db, 200);

  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit;"), ==, 200);
  g_assert_cmpint (query_int (db, "SELECT min(id) FROM audit;"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT max(id) FROM audit;"), ==, 200);

  first_at = query_text (db, "SELECT at FROM audit WHERE id = 1;");
  g_assert_cmpstr (first_at, ==, START_TEXT);
  last_at = query_text (db, "SELECT at FROM audit WHERE id = 200;");
  expected_last_at = atrium_time_format_iso8601 (atrium_clock_now_usec (f->clock)
                                                 - 2 * ATRIUM_USEC_PER_SEC);
  g_assert_cmpstr (last_at, ==, expected_last_at);

  first_prev = query_text (db, "SELECT prev_hash FROM audit WHERE id = 1;");
  g_assert_cmpstr (first_prev, ==, ZERO_HASH);
  /* Each row names its predecessor's hash; hashes are lowercase hex and all differ. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit a JOIN audit b ON b.id = a.id + 1"
                                  "  WHERE b.prev_hash = a.hash;"), ==, 199);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit WHERE hash GLOB '*[^0-9a-f]*';"),
                   ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(DISTINCT hash) FROM audit;"), ==, 200);
  /* NULL and "" both survive as themselves. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit WHERE actor IS NULL;"), >, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit WHERE actor = '';"), >, 0);
}

static void
feed (crypto_hash_sha256_state *state,
      const char               *text)
{
  if (text == NULL)
    crypto_hash_sha256_update (state, (const guint8 *) "-", 1);
  else
    {
      g_autofree char *prefix = g_strdup_printf ("%zu:", strlen (text));

      crypto_hash_sha256_update (state, (const guint8 *) prefix, strlen (prefix));
      crypto_hash_sha256_update (state, (const guint8 *) text, strlen (text));
    }
}

/* The hash of row @id as stored, computed here from the documented encoding. */
static char *
compute_row_hash (AtriumDb *db,
                  gint64    id)
{
  sqlite3_stmt *stmt = NULL;
  crypto_hash_sha256_state state;
  guint8 digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                       "SELECT at, event, outcome, actor, subject, ip,"
                                       "  request_id, detail, prev_hash FROM audit WHERE id = ?1;",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  crypto_hash_sha256_init (&state);
  crypto_hash_sha256_update (&state, (const guint8 *) "atrium-audit-v1", 15);
  feed (&state, id_text);
  for (int col = 0; col < 9; col++)
    feed (&state, (const char *) sqlite3_column_text (stmt, col));
  sqlite3_finalize (stmt);
  crypto_hash_sha256_final (&state, digest);
  sodium_bin2hex (hex, sizeof hex, digest, sizeof digest);
  return g_strdup (hex);
}

/* Pins the documented encoding, so that a verifier written elsewhere agrees. */
static void
test_hash_encoding (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  const char *fields[] = {
    "1", START_TEXT, "user_created", "success", "cli", NULL, "", NULL, "made ada", ZERO_HASH,
  };
  AtriumAuditEntry entry = {
    .event = "user_created", .outcome = ATRIUM_AUDIT_SUCCESS, .actor = "cli",
    .subject = NULL, .ip = "", .request_id = NULL, .detail = "made ada",
  };
  crypto_hash_sha256_state state;
  guint8 digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  g_autofree char *stored = NULL;

  append_ok (db, f->clock, &entry);

  g_assert_cmpint (sodium_init (), >=, 0);
  crypto_hash_sha256_init (&state);
  crypto_hash_sha256_update (&state, (const guint8 *) "atrium-audit-v1", 15);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    feed (&state, fields[i]);
  crypto_hash_sha256_final (&state, digest);
  sodium_bin2hex (hex, sizeof hex, digest, sizeof digest);

  stored = query_text (db, "SELECT hash FROM audit WHERE id = 1;");
  g_assert_cmpstr (stored, ==, hex);
}

static void
test_append_only (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *detail = NULL;

  append_many (db, f->clock, 5);

  g_assert_false (atrium_db_exec (db, "UPDATE audit SET detail = 'forged' WHERE id = 3;",
                                  &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "append-only"));
  g_clear_error (&error);

  g_assert_false (atrium_db_exec (db, "DELETE FROM audit WHERE id = 3;", &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT);
  g_clear_error (&error);

  g_assert_false (atrium_db_exec (db, "DELETE FROM audit;", &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT);
  g_clear_error (&error);

  detail = query_text (db, "SELECT detail FROM audit WHERE id = 3;");
  g_assert_cmpstr (detail, !=, "forged");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit;"), ==, 5);
  assert_intact (db, 5);
}

/* ---- tampering by someone with the key ------------------------------------------------ */

static void
test_tamper_detail (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);

  append_many (db, f->clock, 200);
  drop_triggers (db);
  exec_ok (db, "UPDATE audit SET detail = 'nothing happened' WHERE id = 57;");
  assert_broken_at (db, 200, 57);
}

/* A forger who also fixes up the changed row's own hash is caught by the next row. */
static void
test_tamper_rehash (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  g_autofree char *hash = NULL, *sql = NULL;

  append_many (db, f->clock, 100);
  drop_triggers (db);
  exec_ok (db, "UPDATE audit SET outcome = 'success', detail = 'fine' WHERE id = 57;");
  hash = compute_row_hash (db, 57);
  sql = g_strdup_printf ("UPDATE audit SET hash = '%s' WHERE id = 57;", hash);
  exec_ok (db, sql);
  assert_broken_at (db, 100, 58);

  /* The last row has no successor: only a copy of its hash taken earlier would show it. */
  g_free (hash);
  g_free (sql);
  exec_ok (db, "UPDATE audit SET detail = 'rewritten' WHERE id = 100;");
  hash = compute_row_hash (db, 100);
  sql = g_strdup_printf ("UPDATE audit SET hash = '%s' WHERE id = 100;", hash);
  exec_ok (db, sql);
  assert_broken_at (db, 100, 58);
}

static void
test_tamper_delete (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);

  append_many (db, f->clock, 200);
  drop_triggers (db);
  exec_ok (db, "DELETE FROM audit WHERE id = 100;");
  assert_broken_at (db, 199, 101);
}

static void
test_tamper_delete_first (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);

  append_many (db, f->clock, 10);
  drop_triggers (db);
  exec_ok (db, "DELETE FROM audit WHERE id = 1;");
  assert_broken_at (db, 9, 2);
}

static void
test_tamper_swap (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  g_autofree char *e30 = NULL, *e31 = NULL;

  append_many (db, f->clock, 50);
  drop_triggers (db);
  e30 = query_text (db, "SELECT event FROM audit WHERE id = 30;");
  e31 = query_text (db, "SELECT event FROM audit WHERE id = 31;");
  g_assert_cmpstr (e30, !=, e31);
  exec_ok (db, "UPDATE audit SET event = CASE id WHEN 30 THEN (SELECT event FROM audit"
               "  WHERE id = 31) ELSE (SELECT event FROM audit WHERE id = 30) END"
               "  WHERE id IN (30, 31);");
  g_free (e30);
  e30 = query_text (db, "SELECT event FROM audit WHERE id = 30;");
  g_assert_cmpstr (e30, ==, e31);
  assert_broken_at (db, 50, 30);
}

/* The encoding tells NULL from "" and keeps field boundaries. */
static void
test_tamper_boundaries (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  AtriumAuditEntry one = {
    .event = "authz_fail", .outcome = ATRIUM_AUDIT_FAILURE, .actor = "ab", .subject = "c",
  };
  AtriumAuditEntry two = {
    .event = "authz_fail", .outcome = ATRIUM_AUDIT_FAILURE, .actor = NULL, .subject = "c",
  };

  append_ok (db, f->clock, &one);
  append_ok (db, f->clock, &two);
  drop_triggers (db);

  exec_ok (db, "UPDATE audit SET actor = '' WHERE id = 2;");
  assert_broken_at (db, 2, 2);
  exec_ok (db, "UPDATE audit SET actor = NULL WHERE id = 2;");
  assert_intact (db, 2);

  exec_ok (db, "UPDATE audit SET actor = 'a', subject = 'bc' WHERE id = 1;");
  assert_broken_at (db, 2, 1);
  exec_ok (db, "UPDATE audit SET actor = 'ab', subject = 'c' WHERE id = 1;");
  assert_intact (db, 2);

  /* An outcome flipped, or a row given another id, is seen as well. */
  exec_ok (db, "UPDATE audit SET outcome = 'success' WHERE id = 1;");
  assert_broken_at (db, 2, 1);
  exec_ok (db, "UPDATE audit SET outcome = 'failure' WHERE id = 1;");
  exec_ok (db, "UPDATE audit SET id = 3 WHERE id = 2;");
  assert_broken_at (db, 2, 3);
}

static void
test_append_after_tamper (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  g_autofree char *last_hash = NULL, *prev_of_new = NULL;

  append_many (db, f->clock, 20);
  drop_triggers (db);
  exec_ok (db, "UPDATE audit SET actor = 'user:1' WHERE id = 10;");
  last_hash = query_text (db, "SELECT hash FROM audit WHERE id = 20;");

  append_many (db, f->clock, 5);
  g_assert_cmpint (query_int (db, "SELECT max(id) FROM audit;"), ==, 25);
  prev_of_new = query_text (db, "SELECT prev_hash FROM audit WHERE id = 21;");
  g_assert_cmpstr (prev_of_new, ==, last_hash);
  assert_broken_at (db, 25, 10);
}

/* ---- sanitising ----------------------------------------------------------------------- */

static void
test_sanitise (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  g_autofree char *actor = NULL, *detail = NULL, *ip = NULL, *subject = NULL;
  g_autofree char *long_text = g_strnfill (5000, 'x');
  g_autofree char *long_multibyte = NULL;
  GString *many = g_string_new (NULL);
  AtriumAuditEntry forged = {
    .event = "authn_login_fail",
    .outcome = ATRIUM_AUDIT_FAILURE,
    .actor = "user:1\r\n2026-01-01T00:00:00Z authn_login_success user:admin",
    .subject = "user:2\x1b[31m\x7f",
    .ip = "198.51.100.7\xc2\x85next\xe2\x80\xa8line",
    .detail = "line one\nline two\rtab\there\x1b[2J\x01",
  };
  AtriumAuditEntry invalid = {
    .event = "authz_fail", .outcome = ATRIUM_AUDIT_FAILURE,
    .actor = "user:\xff\xfe", .detail = "caf\xc3 au lait",
  };
  AtriumAuditEntry too_long = {
    .event = "authz_fail", .outcome = ATRIUM_AUDIT_FAILURE,
    .actor = long_text, .detail = long_text,
  };

  append_ok (db, f->clock, &forged);
  actor = query_text (db, "SELECT actor FROM audit WHERE id = 1;");
  g_assert_cmpstr (actor, ==, "user:1  2026-01-01T00:00:00Z authn_login_success user:admin");
  subject = query_text (db, "SELECT subject FROM audit WHERE id = 1;");
  g_assert_cmpstr (subject, ==, "user:2 [31m ");
  ip = query_text (db, "SELECT ip FROM audit WHERE id = 1;");
  g_assert_cmpstr (ip, ==, "198.51.100.7 next line");
  detail = query_text (db, "SELECT detail FROM audit WHERE id = 1;");
  g_assert_cmpstr (detail, ==, "line one line two tab here [2J ");

  append_ok (db, f->clock, &invalid);
  g_free (actor);
  g_free (detail);
  actor = query_text (db, "SELECT actor FROM audit WHERE id = 2;");
  detail = query_text (db, "SELECT detail FROM audit WHERE id = 2;");
  g_assert_true (g_utf8_validate (actor, -1, NULL));
  g_assert_true (g_utf8_validate (detail, -1, NULL));
  g_assert_cmpstr (actor, ==, "user:\xef\xbf\xbd\xef\xbf\xbd");
  g_assert_cmpstr (detail, ==, "caf\xef\xbf\xbd au lait");

  append_ok (db, f->clock, &too_long);
  g_free (actor);
  g_free (detail);
  actor = query_text (db, "SELECT actor FROM audit WHERE id = 3;");
  detail = query_text (db, "SELECT detail FROM audit WHERE id = 3;");
  g_assert_cmpint (g_utf8_strlen (detail, -1), ==, ATRIUM_AUDIT_DETAIL_MAX_CHARS);
  g_assert_true (g_str_has_suffix (detail, "…"));
  g_assert_true (g_str_has_prefix (detail, "xxxxxxxx"));
  g_assert_cmpint (g_utf8_strlen (actor, -1), ==, ATRIUM_AUDIT_FIELD_MAX_CHARS);
  g_assert_true (g_str_has_suffix (actor, "…"));

  /* Characters, not bytes; exactly at the limit nothing is cut. */
  for (int i = 0; i < ATRIUM_AUDIT_DETAIL_MAX_CHARS; i++)
    g_string_append (many, "é");
  long_multibyte = g_string_free (many, FALSE);
  too_long.actor = NULL;
  too_long.detail = long_multibyte;
  append_ok (db, f->clock, &too_long);
  g_free (detail);
  detail = query_text (db, "SELECT detail FROM audit WHERE id = 4;");
  g_assert_cmpstr (detail, ==, long_multibyte);

  assert_intact (db, 4);
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  const char *bad_events[] = {
    "", "Authn_login_fail", "authn login", "authn-login", "authn_login\n", "ëvent",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",   /* 65 */
    NULL,
  };
  const char *secrets[] = {
    "login with Password=hunter2", "password=x", "GET /reset?token=abc", "TOKEN=1",
    "Bearer-ish: access_token=abc",
  };
  AtriumAuditEntry entry = { .event = "authn_login_fail", .outcome = ATRIUM_AUDIT_FAILURE };
  AtriumAuditEntry longest = {
    .event = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",   /* 64 */
    .outcome = ATRIUM_AUDIT_SUCCESS,
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_events); i++)
    {
      g_autoptr(GError) error = NULL;

      entry.event = bad_events[i];
      g_assert_false (atrium_store_audit_append (db, f->clock, &entry, &error));
      g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID);
    }

  entry.event = "authn_login_fail";
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      g_autoptr(GError) error = NULL;

      entry.detail = secrets[i];
      g_assert_false (atrium_store_audit_append (db, f->clock, &entry, &error));
      g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID);
      g_assert_null (strstr (error->message, "hunter2"));
    }

  {
    g_autoptr(GError) error = NULL;

    entry.detail = NULL;
    entry.outcome = (AtriumAuditOutcome) 7;
    g_assert_false (atrium_store_audit_append (db, f->clock, &entry, &error));
    g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID);
  }

  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit;"), ==, 0);
  append_ok (db, f->clock, &longest);
  assert_intact (db, 1);
}

/* ---- transactions --------------------------------------------------------------------- */

static void
test_caller_transaction (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  g_autoptr(GError) error = NULL;
  AtriumAuditEntry entry = { .event = "user_created", .actor = "cli", .subject = "user:1" };

  /* Rolls back with the caller's work. */
  exec_ok (db, "BEGIN IMMEDIATE;");
  append_ok (db, f->clock, &entry);
  append_ok (db, f->clock, &entry);
  exec_ok (db, "ROLLBACK;");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit;"), ==, 0);

  /* Commits with it, and a refused entry leaves the caller's transaction open. */
  exec_ok (db, "BEGIN;");
  append_ok (db, f->clock, &entry);
  entry.event = "Bad Event";
  g_assert_false (atrium_store_audit_append (db, f->clock, &entry, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID);
  g_assert_false (sqlite3_get_autocommit (atrium_db_get_handle (db)));
  entry.event = "user_created";
  append_ok (db, f->clock, &entry);
  exec_ok (db, "COMMIT;");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit;"), ==, 2);

  /* Outside any transaction the function makes and ends its own. */
  append_ok (db, f->clock, &entry);
  g_assert_true (sqlite3_get_autocommit (atrium_db_get_handle (db)));
  assert_intact (db, 3);
}

/* An append that fails inside the caller's transaction undoes only itself. */
static void
test_failed_append_keeps_caller_work (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  g_autoptr(GError) error = NULL;
  AtriumAuditEntry entry = { .event = "user_created", .actor = "cli" };

  /* A last row that no id can follow makes the append fail after it began. */
  exec_ok (db, "INSERT INTO audit (id, at, event, outcome, prev_hash, hash) VALUES"
               "  (9223372036854775807, '2026-01-01T00:00:00Z', 'x', 'success',"
               "   '" ZERO_HASH "', '" ZERO_HASH "');");

  exec_ok (db, "BEGIN IMMEDIATE;");
  exec_ok (db, "INSERT INTO site (name) VALUES ('Main library');");
  g_assert_false (atrium_store_audit_append (db, f->clock, &entry, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CORRUPT);
  g_assert_false (sqlite3_get_autocommit (atrium_db_get_handle (db)));
  exec_ok (db, "COMMIT;");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM site;"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit;"), ==, 1);
}

/* ---- security events ------------------------------------------------------------------ */

static void
test_security_event (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *detail = NULL, *at = NULL, *ip = NULL;
  g_autofree char *long_text = g_strnfill (3000, 'y');

  g_assert_true (atrium_store_security_event_add (db, f->clock, "authn_login_fail",
                                                  "203.0.113.9\r\n", 0, NULL,
                                                  "user=ada\nforged line", FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_store_security_event_add (db, f->clock, "authn_login_lock", NULL, 42,
                                                  "req-1", long_text, TRUE, &error));
  g_assert_no_error (error);

  detail = query_text (db, "SELECT detail FROM security_event WHERE id = 1;");
  g_assert_cmpstr (detail, ==, "user=ada forged line");
  ip = query_text (db, "SELECT ip FROM security_event WHERE id = 1;");
  g_assert_cmpstr (ip, ==, "203.0.113.9  ");
  at = query_text (db, "SELECT at FROM security_event WHERE id = 1;");
  g_assert_cmpstr (at, ==, START_TEXT);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM security_event"
                                  "  WHERE id = 1 AND user_id IS NULL AND blocked = 0;"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM security_event"
                                  "  WHERE id = 2 AND user_id = 42 AND blocked = 1;"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT length (detail) FROM security_event WHERE id = 2;"),
                   ==, ATRIUM_AUDIT_DETAIL_MAX_CHARS);

  g_assert_false (atrium_store_security_event_add (db, f->clock, "authn fail", NULL, 0, NULL,
                                                   NULL, FALSE, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (atrium_store_security_event_add (db, f->clock, "authn_login_fail", NULL, 0,
                                                   NULL, "Password=hunter2", FALSE, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM security_event;"), ==, 2);
  /* Security events are not part of the trail. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit;"), ==, 0);
}

/* ---- concurrency ---------------------------------------------------------------------- */

#define N_THREADS          4
#define ENTRIES_PER_THREAD 50

typedef struct
{
  AtriumStore *store;
  AtriumClock *clock;
  int          index;
  int          failures;
} Worker;

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;

  for (int i = 0; i < ENTRIES_PER_THREAD; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *actor = g_strdup_printf ("user:%d", w->index);
      g_autofree char *detail = g_strdup_printf ("thread %d entry %d", w->index, i);
      AtriumAuditEntry entry = {
        .event = "authz_fail", .outcome = ATRIUM_AUDIT_FAILURE,
        .actor = actor, .detail = detail,
      };
      AtriumDb *db = atrium_store_write_begin (w->store);

      if (!atrium_store_audit_append (db, w->clock, &entry, &error))
        w->failures++;
      atrium_store_write_end (w->store);
      atrium_clock_advance (w->clock, ATRIUM_USEC_PER_SEC);
    }
  return NULL;
}

static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumStore) store = NULL;
  Worker workers[N_THREADS];
  GThread *threads[N_THREADS];
  AtriumDb *reader;

  atrium_db_close (open_store (f));
  store = atrium_store_new (f->dir, 2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);

  for (int i = 0; i < N_THREADS; i++)
    {
      workers[i] = (Worker) { store, f->clock, i, 0 };
      threads[i] = g_thread_new ("audit-writer", worker_run, &workers[i]);
    }
  for (int i = 0; i < N_THREADS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpint (workers[i].failures, ==, 0);
    }

  reader = atrium_store_read_begin (store);
  assert_intact (reader, N_THREADS * ENTRIES_PER_THREAD);
  g_assert_cmpint (query_int (reader, "SELECT count(*) FROM audit;"), ==, 200);
  g_assert_cmpint (query_int (reader, "SELECT min(id) FROM audit;"), ==, 1);
  g_assert_cmpint (query_int (reader, "SELECT max(id) FROM audit;"), ==, 200);
  for (int i = 0; i < N_THREADS; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM audit"
                                              "  WHERE actor = 'user:%d';", i);

      g_assert_cmpint (query_int (reader, sql), ==, ENTRIES_PER_THREAD);
    }
  atrium_store_read_end (store, reader);
}

/* Two connections of their own, as two processes (the server and a CLI command) have:
 * each append waits for the other's write lock instead of failing or forking the chain. */
typedef struct
{
  char        *dir;
  AtriumClock *clock;
  int          index;
  int          failures;
} Process;

static gpointer
process_run (gpointer data)
{
  Process *p = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (p->dir, FALSE, NULL, &error);

  g_assert_no_error (error);
  for (int i = 0; i < ENTRIES_PER_THREAD; i++)
    {
      g_autofree char *actor = g_strdup_printf ("device:%d", p->index);
      AtriumAuditEntry entry = { .event = "authn_login_success", .actor = actor };
      g_autoptr(GError) local_error = NULL;

      /* A reader's snapshot first, as a request that looks before it writes would. */
      g_assert_cmpint (query_int (db, "SELECT count(*) FROM audit;"), >=, 0);
      if (!atrium_store_audit_append (db, p->clock, &entry, &local_error))
        {
          g_test_message ("process %d: %s", p->index, local_error->message);
          p->failures++;
        }
    }
  return NULL;
}

static void
test_two_connections (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_store (f);
  Process procs[N_THREADS];
  GThread *threads[N_THREADS];

  for (int i = 0; i < N_THREADS; i++)
    {
      procs[i] = (Process) { f->dir, f->clock, i, 0 };
      threads[i] = g_thread_new ("audit-process", process_run, &procs[i]);
    }
  for (int i = 0; i < N_THREADS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpint (procs[i].failures, ==, 0);
    }
  assert_intact (db, N_THREADS * ENTRIES_PER_THREAD);
  g_assert_cmpint (query_int (db, "SELECT max(id) FROM audit;"), ==, 200);
}

/* ---- the command line ----------------------------------------------------------------- */

static void
assert_one_line (const char *text)
{
  g_assert_nonnull (text);
  g_assert_true (g_str_has_suffix (text, "\n"));
  g_assert_cmpint (strchr (text, '\n') - text, ==, (long) strlen (text) - 1);
}

static void
test_cli_verify (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *out1 = NULL, *err1 = NULL, *out2 = NULL, *err2 = NULL;
  g_autofree char *out3 = NULL, *err3 = NULL;
  AtriumDb *db = open_store (f);

  g_assert_cmpint (run_server (&out1, &err1, "audit", "verify", "--data-dir", f->dir, NULL),
                   ==, 0);
  g_assert_cmpstr (out1, ==, "Audit trail intact: 0 entries.\n");
  g_assert_cmpstr (err1, ==, "");

  append_many (db, f->clock, 12);
  g_assert_cmpint (run_server (&out2, &err2, "audit", "verify", "--data-dir", f->dir, NULL),
                   ==, 0);
  g_assert_cmpstr (out2, ==, "Audit trail intact: 12 entries.\n");
  g_assert_cmpstr (err2, ==, "");

  drop_triggers (db);
  exec_ok (db, "UPDATE audit SET ip = '10.0.0.1' WHERE id = 7;");
  atrium_db_close (db);
  g_assert_cmpint (run_server (&out3, &err3, "audit", "verify", "--data-dir", f->dir, NULL),
                   ==, 1);
  g_assert_cmpstr (out3, ==, "");
  g_assert_cmpstr (err3, ==, "atrium-server: the audit trail is broken at entry #7 (of 12)\n");
}

static void
test_cli_failures (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->dir, "nowhere", NULL);
  g_autofree char *key = g_build_filename (f->dir, ATRIUM_STORE_KEY_FILE, NULL);
  g_autofree char *err1 = NULL, *err2 = NULL, *err3 = NULL, *err4 = NULL, *err5 = NULL;
  g_autofree char *err6 = NULL, *err7 = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run_server (NULL, &err1, "audit", NULL), ==, 2);
  g_assert_nonnull (strstr (err1, "verify"));
  g_assert_cmpint (run_server (NULL, &err2, "audit", "frobnicate", "--data-dir", f->dir, NULL),
                   ==, 2);
  g_assert_nonnull (strstr (err2, "frobnicate"));
  g_assert_cmpint (run_server (NULL, &err3, "audit", "verify", NULL), ==, 2);
  g_assert_nonnull (strstr (err3, "--data-dir"));
  g_assert_cmpint (run_server (NULL, &err4, "audit", "verify", "--data-dir", f->dir, "extra",
                               NULL), ==, 2);
  g_assert_cmpint (run_server (NULL, &err5, "audit", "--data-dir", f->dir, "verify", NULL),
                   ==, 2);

  /* No store: one line, and nothing is created. */
  g_assert_cmpint (run_server (NULL, &err6, "audit", "verify", "--data-dir", missing, NULL),
                   ==, 1);
  assert_one_line (err6);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  /* The wrong key: one line that says so. */
  atrium_db_close (open_store (f));
  g_assert_cmpint (g_remove (key), ==, 0);
  g_assert_true (atrium_key_file_create (key, &error));
  g_assert_no_error (error);
  g_assert_cmpint (run_server (NULL, &err7, "audit", "verify", "--data-dir", f->dir, NULL),
                   ==, 1);
  assert_one_line (err7);
  g_assert_nonnull (strstr (err7, "key"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  atrium_crypto_init ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/server/audit/chain-intact", test_chain_intact);
  ADD ("/server/audit/hash-encoding", test_hash_encoding);
  ADD ("/server/audit/append-only", test_append_only);
  ADD ("/server/audit/tamper/detail", test_tamper_detail);
  ADD ("/server/audit/tamper/rehash", test_tamper_rehash);
  ADD ("/server/audit/tamper/delete", test_tamper_delete);
  ADD ("/server/audit/tamper/delete-first", test_tamper_delete_first);
  ADD ("/server/audit/tamper/swap", test_tamper_swap);
  ADD ("/server/audit/tamper/boundaries", test_tamper_boundaries);
  ADD ("/server/audit/tamper/append-after", test_append_after_tamper);
  ADD ("/server/audit/sanitise", test_sanitise);
  ADD ("/server/audit/refused", test_refused);
  ADD ("/server/audit/caller-transaction", test_caller_transaction);
  ADD ("/server/audit/failed-append-keeps-caller-work", test_failed_append_keeps_caller_work);
  ADD ("/server/audit/security-event", test_security_event);
  ADD ("/server/audit/concurrent", test_concurrent);
  ADD ("/server/audit/two-connections", test_two_connections);
  ADD ("/server/audit/cli/verify", test_cli_verify);
  ADD ("/server/audit/cli/failures", test_cli_failures);
#undef ADD

  return g_test_run ();
}
