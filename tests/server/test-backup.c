/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Backups and restores (issue 9) with the real `atrium-server` on real files: a restore
 * drill (back up, change, restore: integrity_check ok and every row of every table as it
 * was), a point-in-time restore from an incremental backup, backups that cannot be read
 * without their own key (missing or wrong) and hold no plain text, the command line's
 * refusals, and the server's scheduler on a clock the test moves: a full backup a day,
 * an incremental one within the day, both copies, exactly seven days kept. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-backup.h"
#include "atrium-clock.h"
#include "atrium-key-file.h"
#include "atrium-store.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"

/* 2026-11-24T03:00:00Z: after the default backup hour (02:00 UTC). */
#define T0_USEC (G_GINT64_CONSTANT (1795489200) * ATRIUM_USEC_PER_SEC)
#define DAY_USEC (G_GINT64_CONSTANT (86400) * ATRIUM_USEC_PER_SEC)

typedef struct
{
  char *base;
  char *data_dir;
  char *backups;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->base = g_dir_make_tmp ("atrium-test-backup-XXXXXX", &error);
  g_assert_no_error (error);
  f->data_dir = g_build_filename (f->base, "data", NULL);
  f->backups = g_build_filename (f->base, "backups", NULL);
  g_assert_cmpint (atrium_test_run_server_args (NULL, NULL, "init", "--data-dir", f->data_dir,
                                                NULL), ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  atrium_test_remove_tree (f->base);
  g_free (f->base);
  g_free (f->data_dir);
  g_free (f->backups);
}

/* ---- helpers ------------------------------------------------------------------------- */

/* `atrium-server` with the arguments from @first_arg to NULL; its standard error in @err. */
static int
run_va (char       **err,
        const char  *first_arg,
        va_list      ap)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  g_ptr_array_add (args, NULL);
  return atrium_test_run_server (NULL, err, (const char * const *) args->pdata);
}

static void
run_ok (const char *first_arg,
        ...)
{
  g_autofree char *err = NULL;
  va_list ap;
  int status;

  va_start (ap, first_arg);
  status = run_va (&err, first_arg, ap);
  va_end (ap);
  if (status != 0)
    g_error ("atrium-server %s: exit %d: %s", first_arg, status, err);
}

static void
add_user (Fixture    *f,
          const char *name)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", name);
  const char *args[] = { "useradd", "--data-dir", f->data_dir, name, "--email", email,
                         "--role", "patron", "--password-stdin", NULL };

  g_assert_cmpint (atrium_test_run_server_input ("Correct horse battery staple 9\n", NULL,
                                                 NULL, args), ==, 0);
}

/* The backup made, from the command's "Backed up to FILE." */
static char *
backup (Fixture  *f,
        gboolean  incremental)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "backup", "--data-dir", f->data_dir, "--to", f->backups,
                         incremental ? "--incremental" : NULL, NULL };
  int status = atrium_test_run_server (&out, &err, args);

  if (status != 0)
    g_error ("backup: exit %d: %s", status, err);
  g_assert_true (g_str_has_prefix (out, "Backed up to "));
  g_strchomp (out);
  return g_strndup (out + strlen ("Backed up to "), strlen (out) - strlen ("Backed up to ") - 1);
}

/* One value into @sum, tagged with its type and, for text and blobs, its length, so that
 * no two different rows feed the same bytes. */
static void
add_value (GChecksum    *sum,
           sqlite3_stmt *stmt,
           int           i)
{
  char head[64];
  int type = sqlite3_column_type (stmt, i);
  const guchar *data = NULL;
  int size = 0;

  switch (type)
    {
    case SQLITE_NULL:
      g_snprintf (head, sizeof head, "|N");
      break;
    case SQLITE_INTEGER:
      g_snprintf (head, sizeof head, "|i%" G_GINT64_FORMAT,
                  (gint64) sqlite3_column_int64 (stmt, i));
      break;
    case SQLITE_FLOAT:
      g_snprintf (head, sizeof head, "|f%.17g", sqlite3_column_double (stmt, i));
      break;
    default:
      /* Blob and text: ask for the data before its size, as SQLite wants. */
      data = type == SQLITE_BLOB ? sqlite3_column_blob (stmt, i)
                                 : sqlite3_column_text (stmt, i);
      size = sqlite3_column_bytes (stmt, i);
      g_snprintf (head, sizeof head, "|%c%d:", type == SQLITE_BLOB ? 'b' : 't', size);
    }
  g_checksum_update (sum, (const guchar *) head, -1);
  if (size > 0)
    g_checksum_update (sum, data, size);
}

/* Two dumps are the same; else the first table that differs. */
#define assert_same_rows(a, b) assert_same_rows_at (__LINE__, a, b)

static void
assert_same_rows_at (int         line,
                     const char *a,
                     const char *b)
{
  g_auto(GStrv) la = NULL;
  g_auto(GStrv) lb = NULL;

  if (strcmp (a, b) == 0)
    return;
  la = g_strsplit (a, "\n", -1);
  lb = g_strsplit (b, "\n", -1);
  for (guint i = 0; la[i] != NULL && lb[i] != NULL; i++)
    if (strcmp (la[i], lb[i]) != 0)
      g_error ("line %d: the stores differ:\n  %s\n  %s", line, la[i], lb[i]);
  g_error ("line %d: one store has more tables", line);
}

/* Per table of the store at @path, its row count and a digest of its rows, sorted: rowids
 * are not data (sqlcipher_export renumbers the tables that have no INTEGER PRIMARY KEY).
 * A digest, not the rows: the demo's history is hundreds of thousands of rows, and
 * printing them all made each dump take tens of seconds on a busy machine. */
static char *
dump_store (const char *data_dir,
            const char *path)
{
  g_autofree char *key_path = g_build_filename (data_dir, ATRIUM_STORE_KEY_FILE, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  guint8 key[ATRIUM_DB_KEY_LEN];
  sqlite3_stmt *stmt = NULL;

  g_assert_true (atrium_key_file_load (key_path, key, &error));
  db = atrium_db_open (path, key, ATRIUM_DB_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_db_integrity_check (db, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                       "SELECT name FROM sqlite_master WHERE type = 'table'"
                                       " AND name NOT LIKE 'sqlite_%' ORDER BY name;", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  g_assert_cmpuint (tables->len, >, 20);

  for (guint t = 0; t < tables->len; t++)
    {
      const char *table = g_ptr_array_index (tables, t);
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM \"%s\";", table);
      g_autoptr(GString) sorted = g_string_new (sql);
      g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      guint rows = 0;
      int columns;

      /* SQLite sorts by every column, so that the digest is the rows', not their order's. */
      g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db), sql, -1, &stmt, NULL),
                       ==, SQLITE_OK);
      columns = sqlite3_column_count (stmt);
      sqlite3_finalize (stmt);
      g_string_truncate (sorted, sorted->len - 1);
      for (int i = 1; i <= columns; i++)
        g_string_append_printf (sorted, "%s%d", i == 1 ? " ORDER BY " : ", ", i);
      g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db), sorted->str, -1, &stmt,
                                           NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (int i = 0; i < columns; i++)
            add_value (sum, stmt, i);
          g_checksum_update (sum, (const guchar *) "\n", 1);
          rows++;
        }
      sqlite3_finalize (stmt);
      g_string_append_printf (out, "%s: %u rows, SHA-256 of the sorted rows %s\n", table, rows,
                              g_checksum_get_string (sum));
    }
  return g_string_free (out, FALSE);
}

static char *
dump (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->data_dir, ATRIUM_STORE_FILE, NULL);

  return dump_store (f->data_dir, path);
}

static int
restore (Fixture     *f,
         const char  *from,
         const char  *until,
         char       **err)
{
  const char *args[] = { "restore", "--data-dir", f->data_dir, "--from", from,
                         until != NULL ? "--until" : NULL, until, NULL };

  g_clear_pointer (err, g_free);
  return atrium_test_run_server (NULL, err, args);
}

static guint
count_before_restore (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->data_dir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_prefix (name, "atrium.db.before-restore-") &&
         !g_str_has_suffix (name, "-wal") && !g_str_has_suffix (name, "-shm");
  return n;
}

/* ---- the drill ----------------------------------------------------------------------- */

static void
test_drill (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *full = NULL;
  g_autofree char *backed_up = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *restored = NULL;
  g_autofree char *err = NULL;

  run_ok ("demo", "--data-dir", f->data_dir, NULL);
  add_user (f, "drill-patron");
  backed_up = dump (f);
  full = backup (f, FALSE);

  /* Change the data: an account more, one fewer, a kiosk. */
  add_user (f, "after-backup");
  run_ok ("userdel", "--data-dir", f->data_dir, "drill-patron", NULL);
  run_ok ("kiosk-add", "--data-dir", f->data_dir, "--site", "1", NULL);
  changed = dump (f);
  g_assert_cmpstr (changed, !=, backed_up);

  g_assert_cmpint (restore (f, full, NULL, &err), ==, 0);
  restored = dump (f);
  assert_same_rows (restored, backed_up);
  g_assert_cmpuint (count_before_restore (f), ==, 1);

  /* The previous store is kept whole, and the restored one serves. */
  {
    g_autoptr(GDir) dir = g_dir_open (f->data_dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      if (g_str_has_prefix (name, "atrium.db.before-restore-"))
        {
          g_autofree char *path = g_build_filename (f->data_dir, name, NULL);
          g_autofree char *kept = dump_store (f->data_dir, path);

          assert_same_rows (kept, changed);
        }
  }
  run_ok ("audit", "verify", "--data-dir", f->data_dir, NULL);
  add_user (f, "after-restore");
}

static void
assert_fails (int         expected,
              const char *expected_text,
              const char *first_arg,
              ...)
{
  g_autofree char *err = NULL;
  g_autofree char *first_line = NULL;
  va_list ap;
  int status;

  va_start (ap, first_arg);
  status = run_va (&err, first_arg, ap);
  va_end (ap);
  g_assert_cmpint (status, ==, expected);
  first_line = g_strndup (err, strcspn (err, "\n"));
  g_assert_true (g_str_has_prefix (first_line, "atrium-server: "));
  if (strstr (first_line, expected_text) == NULL)
    g_error ("expected “%s” in “%s”", expected_text, first_line);
  if (expected == 1)
    g_assert_cmpuint (strlen (first_line) + 1, ==, strlen (err));
}

/* ---- point in time ------------------------------------------------------------------- */

static char *
now_rfc3339_ms (void)
{
  gint64 now = g_get_real_time ();
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (now / G_USEC_PER_SEC);
  g_autofree char *seconds = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", seconds, (int) (now % G_USEC_PER_SEC / 1000));
}

static void
test_until (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *full = NULL;
  g_autofree char *incr = NULL;
  g_autofree char *at_full = NULL;
  g_autofree char *middle = NULL;
  g_autofree char *at_middle = NULL;
  g_autofree char *at_end = NULL;
  g_autofree char *restored = NULL;
  g_autofree char *err = NULL;
  g_autofree char *incr_copy = NULL;
  g_autofree char *full2 = NULL;

  run_ok ("demo", "--data-dir", f->data_dir, NULL);
  at_full = dump (f);
  full = backup (f, FALSE);

  add_user (f, "before-middle");
  run_ok ("kiosk-add", "--data-dir", f->data_dir, "--site", "1", NULL);
  at_middle = dump (f);
  g_usleep (30 * 1000);
  middle = now_rfc3339_ms ();
  g_usleep (30 * 1000);
  add_user (f, "after-middle");
  run_ok ("userdel", "--data-dir", f->data_dir, "before-middle", NULL);
  at_end = dump (f);
  incr = backup (f, TRUE);
  g_assert_true (strstr (incr, "atrium-incr-") != NULL);

  /* The state at the middle moment, then all the incremental backup holds. */
  g_assert_cmpint (restore (f, incr, middle, &err), ==, 0);
  restored = dump (f);
  assert_same_rows (restored, at_middle);
  g_clear_pointer (&restored, g_free);

  g_assert_cmpint (restore (f, incr, NULL, &err), ==, 0);
  restored = dump (f);
  assert_same_rows (restored, at_end);
  g_clear_pointer (&restored, g_free);

  /* Before the full backup there is nothing to restore. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (restore (f, incr, "2020-01-01T00:00:00Z", &err), ==, 1);
  g_assert_nonnull (strstr (err, "after --until"));

  /* An incremental backup without its full one beside it is refused. */
  incr_copy = g_build_filename (f->base, "lonely.db", NULL);
  {
    g_autofree char *contents = NULL;
    gsize length;

    g_assert_true (g_file_get_contents (incr, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (incr_copy, contents, length, NULL));
  }
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (restore (f, incr_copy, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "not beside it"));
  restored = dump (f);
  assert_same_rows (restored, at_end);

  /* A full backup of the latest state, then back to the first one: the full one alone is
   * the state it was taken at. */
  g_clear_pointer (&restored, g_free);
  full2 = backup (f, FALSE);
  g_assert_cmpint (restore (f, full, NULL, &err), ==, 0);
  restored = dump (f);
  assert_same_rows (restored, at_full);

  /* The history went another way since full2: no incremental backup on it. */
  add_user (f, "another-way");
  assert_fails (1, "take a full backup", "backup", "--data-dir", f->data_dir, "--to",
                f->backups, "--incremental", NULL);
  g_free (backup (f, FALSE));
  g_free (backup (f, TRUE));
}

/* ---- keys and plain text ------------------------------------------------------------- */

static void
assert_no_plain_text (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;
  const char *needles[] = { "SQLite format 3", "CREATE TABLE", "change_log", "booking_slot",
                            "atrium_backup", "secret-keeper@example.org" };

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >=, 1024);
  for (guint i = 0; i < G_N_ELEMENTS (needles); i++)
    if (g_strstr_len (contents, (gssize) length, needles[i]) != NULL)
      g_error ("“%s” in plain text in %s", needles[i], path);
}

static void
test_keys (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *key_path = g_build_filename (f->data_dir, ATRIUM_BACKUP_KEY_FILE, NULL);
  g_autofree char *saved_key = g_build_filename (f->base, "backup.key.saved", NULL);
  g_autofree char *store_key_path = g_build_filename (f->data_dir, ATRIUM_STORE_KEY_FILE,
                                                      NULL);
  g_autofree char *full = NULL;
  g_autofree char *incr = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  guint8 store_key[ATRIUM_DB_KEY_LEN];

  add_user (f, "secret-keeper");
  full = backup (f, FALSE);
  add_user (f, "secret-keeper-2");
  incr = backup (f, TRUE);
  assert_no_plain_text (full);
  assert_no_plain_text (incr);

  /* The store's own key does not open a backup: it is a key of its own. */
  g_assert_true (atrium_key_file_load (store_key_path, store_key, &error));
  {
    g_autoptr(AtriumDb) db = atrium_db_open (full, store_key, ATRIUM_DB_OPEN_READONLY,
                                             &error);

    g_assert_null (db);
    g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_WRONG_KEY);
    g_clear_error (&error);
  }

  before = dump (f);
  /* Missing key: refused, and nothing changed. */
  g_assert_cmpint (g_rename (key_path, saved_key), ==, 0);
  g_assert_cmpint (restore (f, full, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "backup key"));
  g_assert_nonnull (strstr (err, "is missing"));
  g_assert_cmpuint (strcspn (err, "\n") + 1, ==, strlen (err));

  /* A wrong key: refused as such, and nothing changed. */
  g_assert_true (atrium_key_file_create (key_path, &error));
  g_assert_no_error (error);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (restore (f, incr, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "cannot be read with the backup key"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (restore (f, full, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "cannot be read with the backup key"));
  after = dump (f);
  assert_same_rows (after, before);
  g_assert_cmpuint (count_before_restore (f), ==, 0);

  /* The right key back: it restores. */
  g_assert_cmpint (g_rename (saved_key, key_path), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (restore (f, incr, NULL, &err), ==, 0);
  g_clear_pointer (&after, g_free);
  after = dump (f);
  assert_same_rows (after, before);
}

/* ---- the command line ---------------------------------------------------------------- */

static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->base, "no-such-backup.db", NULL);
  g_autofree char *empty = g_build_filename (f->base, "empty", NULL);

  assert_fails (2, "--to", "backup", "--data-dir", f->data_dir, NULL);
  assert_fails (2, "--data-dir", "backup", "--to", f->backups, NULL);
  assert_fails (2, "--from", "restore", "--data-dir", f->data_dir, NULL);
  assert_fails (2, "--until", "restore", "--data-dir", f->data_dir, "--from", missing,
                "--until", "yesterday", NULL);
  assert_fails (2, "unexpected", "backup", "--data-dir", f->data_dir, "--to", f->backups,
                "extra", NULL);
  assert_fails (1, "Cannot read", "restore", "--data-dir", f->data_dir, "--from", missing,
                NULL);
  assert_fails (1, "No full backup", "backup", "--data-dir", f->data_dir, "--to", empty,
                "--incremental", NULL);
  /* Not a backup at all: the key file itself. */
  {
    g_autofree char *key = g_build_filename (f->data_dir, ATRIUM_STORE_KEY_FILE, NULL);

    assert_fails (1, "cannot be read", "restore", "--data-dir", f->data_dir, "--from", key,
                  NULL);
  }
}

/* Restoring under a running server is refused. */
static void
test_running (void)
{
  AtriumTestProcess *proc = atrium_test_process_start (NULL, NULL);
  g_autofree char *to = g_build_filename (proc->base_dir, "backups", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *made = NULL;
  const char *args[] = { "backup", "--data-dir", proc->data_dir, "--to", to, NULL };

  /* A backup of a running server is fine: it is a consistent copy, not a file copy. */
  g_assert_cmpint (atrium_test_run_server (&out, NULL, args), ==, 0);
  g_strchomp (out);
  made = g_strndup (out + strlen ("Backed up to "), strlen (out) - strlen ("Backed up to ") - 1);
  assert_fails (1, "server is running", "restore", "--data-dir", proc->data_dir, "--from",
                made, NULL);
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

/* ---- the scheduler ------------------------------------------------------------------- */

static guint
count_files (const char *dir,
             const char *prefix)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    n += g_str_has_prefix (name, prefix);
  return n;
}

static void
test_schedule (void)
{
  g_autofree char *base = g_dir_make_tmp ("atrium-test-schedule-XXXXXX", NULL);
  g_autofree char *primary = g_build_filename (base, "primary", NULL);
  g_autofree char *mounted = g_build_filename (base, "mounted", NULL);
  g_autofree char *remote = g_build_filename (base, "remote", NULL);
  g_autofree char *config = NULL;
  g_autoptr(AtriumClock) clock = atrium_clock_new_fixed (T0_USEC);
  g_autoptr(GError) error = NULL;
  AtriumTestThread *thread;
  AtriumServer *server;
  char *made = NULL;

  g_assert_cmpint (g_mkdir (remote, 0700), ==, 0);
  config = g_strdup_printf ("[backup]\n"
                            "directory = %s\n"
                            "hour = 2\n"
                            "incremental_minutes = 60\n"
                            "copy_to = %s\n"
                            "copy_command = /usr/bin/install;-m;0600;{file};%s/;\n",
                            primary, mounted, remote);
  thread = atrium_test_thread_start (config, clock);
  server = atrium_test_thread_server (thread);

  /* Day 0, 03:00: no backup yet, so a full one; again at once: nothing due. */
  g_assert_true (atrium_backup_tick (server, &made, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (made, "atrium-full-20261124T030000.000Z.db"));
  g_clear_pointer (&made, g_free);
  g_assert_true (atrium_backup_tick (server, &made, &error));
  g_assert_null (made);

  /* 61 minutes later: an incremental backup on it. */
  atrium_clock_advance (clock, 61 * 60 * ATRIUM_USEC_PER_SEC);
  g_assert_true (atrium_backup_tick (server, &made, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (made, "atrium-incr-20261124T040100.000Z-on-"
                                  "20261124T030000.000Z.db"));
  g_clear_pointer (&made, g_free);

  /* Seven more days, one full backup each at 03:00 (the day before at 01:00: not yet). */
  for (guint day = 1; day <= 7; day++)
    {
      atrium_clock_set (clock, T0_USEC + day * DAY_USEC - 2 * 3600 * ATRIUM_USEC_PER_SEC);
      g_assert_true (atrium_backup_tick (server, &made, &error));
      g_assert_no_error (error);
      /* At 01:00 the incremental one is due (the hour of the full one is not there). */
      g_assert_nonnull (strstr (made, "atrium-incr-"));
      g_clear_pointer (&made, g_free);

      atrium_clock_set (clock, T0_USEC + day * DAY_USEC);
      g_assert_true (atrium_backup_tick (server, &made, &error));
      g_assert_no_error (error);
      g_assert_nonnull (strstr (made, "atrium-full-"));
      g_clear_pointer (&made, g_free);
    }

  /* Exactly seven days kept, here and at the mounted copy; the 8th (day 0) rotated out
   * with its incremental one and the incremental one of day 1 01:00 that built on it. */
  g_assert_cmpuint (count_files (primary, "atrium-full-"), ==, 7);
  g_assert_cmpuint (count_files (mounted, "atrium-full-"), ==, 7);
  g_assert_cmpuint (count_files (primary, "atrium-incr-"), ==, 6);
  g_assert_cmpuint (count_files (mounted, "atrium-incr-"), ==, 6);
  {
    g_autofree char *first = g_build_filename (primary, "atrium-full-20261124T030000.000Z.db",
                                               NULL);

    g_assert_false (g_file_test (first, G_FILE_TEST_EXISTS));
  }
  /* The command received every backup (what it keeps is its own business). */
  g_assert_cmpuint (count_files (remote, "atrium-full-"), ==, 8);
  g_assert_cmpuint (count_files (remote, "atrium-incr-"), ==, 8);

  atrium_test_thread_stop (thread);

  /* A copy command that fails makes the job fail, with its message. */
  g_free (config);
  config = g_strdup_printf ("[backup]\ndirectory = %s\ncopy_command = /bin/false\n", primary);
  thread = atrium_test_thread_start (config, clock);
  atrium_clock_advance (clock, DAY_USEC);
  g_assert_false (atrium_backup_tick (atrium_test_thread_server (thread), &made, &error));
  g_assert_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "/bin/false failed"));
  atrium_test_thread_stop (thread);
  atrium_test_remove_tree (base);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("TZ", "UTC", TRUE);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/backup/drill", test_drill);
  ADD ("/backup/until", test_until);
  ADD ("/backup/keys", test_keys);
  ADD ("/backup/cli", test_cli);
#undef ADD
  g_test_add_func ("/backup/running", test_running);
  g_test_add_func ("/backup/schedule", test_schedule);
  return g_test_run ();
}
