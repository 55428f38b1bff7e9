/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "atrium-db.h"
#include "atrium-key-file.h"
#include "atrium-random.h"

#define MARKER       "ATRIUM-PLAINTEXT-MARKER-7f3a"
#define MARKER_TABLE "atrium_marker_table"

typedef struct
{
  char   *dir;
  char   *path;
  guint8  key[ATRIUM_DB_KEY_LEN];
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("atrium-test-db-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "test.db", NULL);
  atrium_random_bytes (f->key, sizeof f->key);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_remove (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static AtriumDb *
open_new (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  AtriumDb *db = atrium_db_open (f->path, f->key,
                                 ATRIUM_DB_OPEN_CREATE | ATRIUM_DB_OPEN_DURABLE, &error);

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
count_rows (AtriumDb   *db,
            const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s;", table);
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db), sql, -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static gboolean
table_exists (AtriumDb   *db,
              const char *table)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                       "SELECT 1 FROM sqlite_master WHERE name = ?1;", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

static void
fill_with_marker (AtriumDb *db)
{
  exec_ok (db, "CREATE TABLE " MARKER_TABLE " (id INTEGER PRIMARY KEY, note TEXT NOT NULL);");
  exec_ok (db, "BEGIN;");
  for (int i = 0; i < 200; i++)
    exec_ok (db, "INSERT INTO " MARKER_TABLE " (note) VALUES ('" MARKER "');");
  exec_ok (db, "COMMIT;");
}

/* Fails the test when @path holds any of the strings that plain SQLite would write. */
static void
assert_no_plaintext (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  const char *needles[] = { "SQLite format 3", MARKER_TABLE, MARKER, "CREATE TABLE" };

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (needles); i++)
    {
      if (memmem (contents, len, needles[i], strlen (needles[i])) != NULL)
        g_error ("%s contains the plain text \"%s\"", path, needles[i]);
    }
}

static void
test_engine_is_sqlcipher (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_new (f);
  const char *version = atrium_db_get_cipher_version (db);

  g_assert_nonnull (version);
  g_assert_cmpstr (version, !=, "");
  g_test_message ("SQLCipher %s over SQLite %s", version, sqlite3_libversion ());
}

static void
test_no_plaintext_on_disk (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);
  AtriumDb *db = open_new (f);
  struct stat st;

  fill_with_marker (db);

  /* While the connection is open the WAL holds the recent pages: check all three. */
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (shm, G_FILE_TEST_EXISTS));
  assert_no_plaintext (f->path);
  assert_no_plaintext (wal);
  assert_no_plaintext (shm);

  exec_ok (db, "PRAGMA wal_checkpoint(TRUNCATE);");
  assert_no_plaintext (f->path);

  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  atrium_db_close (db);
  assert_no_plaintext (f->path);
  assert_no_plaintext (wal);
  assert_no_plaintext (shm);

  /* And the data is all there for the right key. */
  db = open_new (f);
  g_assert_cmpint (count_rows (db, MARKER_TABLE), ==, 200);
  atrium_db_close (db);
}

static GPtrArray *
dir_listing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

static void
test_wrong_key (Fixture       *f,
                gconstpointer  data)
{
  AtriumDb *db = open_new (f);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;
  g_autoptr(GPtrArray) files_before = NULL;
  g_autoptr(GPtrArray) files_after = NULL;
  guint8 other[ATRIUM_DB_KEY_LEN];
  g_autoptr(GError) error = NULL;
  struct stat st_before, st_after;

  fill_with_marker (db);
  atrium_db_close (db);

  g_assert_true (g_file_get_contents (f->path, &before, &before_len, NULL));
  g_assert_cmpint (g_stat (f->path, &st_before), ==, 0);
  files_before = dir_listing (f->dir);

  memcpy (other, f->key, sizeof other);
  other[0] ^= 0x01;
  db = atrium_db_open (f->path, other, ATRIUM_DB_OPEN_DURABLE, &error);
  g_assert_null (db);
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_WRONG_KEY);
  g_clear_error (&error);

  /* Even when asked to create, an existing file is never re-keyed or rewritten. */
  db = atrium_db_open (f->path, other, ATRIUM_DB_OPEN_CREATE | ATRIUM_DB_OPEN_DURABLE, &error);
  g_assert_null (db);
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_WRONG_KEY);

  g_assert_true (g_file_get_contents (f->path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  g_assert_cmpint (g_stat (f->path, &st_after), ==, 0);
  g_assert_cmpint (st_before.st_mtime, ==, st_after.st_mtime);
  files_after = dir_listing (f->dir);
  g_assert_cmpuint (files_before->len, ==, files_after->len);
  for (guint i = 0; i < files_before->len; i++)
    g_assert_cmpstr (files_before->pdata[i], ==, files_after->pdata[i]);

  db = open_new (f);
  g_assert_cmpint (count_rows (db, MARKER_TABLE), ==, 200);
  atrium_db_close (db);
}

static void
test_plain_file_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *plain = NULL;
  AtriumDb *db;

  /* SQLCipher without a key writes an ordinary SQLite file. */
  g_assert_cmpint (sqlite3_open (f->path, &plain), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (plain, "CREATE TABLE t (x); INSERT INTO t VALUES (1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (plain);

  db = atrium_db_open (f->path, f->key, ATRIUM_DB_OPEN_DURABLE, &error);
  g_assert_null (db);
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_ENCRYPTED);
}

/* Another process writes while this one holds two connections. Opening the second
 * connection must not drop the first one's locks (a close() of the file would), or the
 * other process checkpoints and truncates the WAL under our feet. */
static void
test_other_process_writes (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *hex = atrium_hex_encode (f->key, sizeof f->key);
  g_autofree char *script = g_strdup_printf (
    "PRAGMA key = \"x'%s'\";\nINSERT INTO " MARKER_TABLE " (note)"
    " SELECT hex (randomblob (400)) FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);\n", hex);
  AtriumDb *writer = open_new (f);
  AtriumDb *reader = NULL;
  g_autoptr(GError) error = NULL;

  fill_with_marker (writer);
  reader = atrium_db_open (f->path, f->key, ATRIUM_DB_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (reader, MARKER_TABLE), ==, 200);

  for (guint i = 0; i < 20; i++)
    {
      const char *argv[] = { "sqlcipher", f->path, NULL };
      g_autoptr(GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                                                       &error);
      g_autoptr(GBytes) input = g_bytes_new (script, strlen (script));

      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate (proc, input, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_successful (proc));
    }

  g_assert_cmpint (count_rows (reader, MARKER_TABLE), ==, 260);
  g_assert_cmpint (count_rows (writer, MARKER_TABLE), ==, 260);
  g_assert_true (atrium_db_integrity_check (reader, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_db_integrity_check (writer, &error));
  atrium_db_close (reader);
  atrium_db_close (writer);
}

static void
test_missing_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  AtriumDb *db = atrium_db_open (f->path, f->key, ATRIUM_DB_OPEN_DEFAULT, &error);

  g_assert_null (db);
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
}

static void
test_pragmas (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(AtriumDb) db = open_new (f);
  g_autoptr(GError) error = NULL;

  exec_ok (db, "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
               "CREATE TABLE child (id INTEGER PRIMARY KEY,"
               " parent_id INTEGER NOT NULL REFERENCES parent (id));");
  g_assert_false (atrium_db_exec (db, "INSERT INTO child (parent_id) VALUES (42);", &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT);
  g_clear_error (&error);

  {
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                         "PRAGMA synchronous;", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 2);   /* FULL */
    sqlite3_finalize (stmt);
    g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                         "PRAGMA journal_mode;", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
    sqlite3_finalize (stmt);
  }
}

static const AtriumMigration test_migrations[] = {
  { 1, "CREATE TABLE site (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);" },
  { 2, "ALTER TABLE site ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';"
       "CREATE TABLE space (id INTEGER PRIMARY KEY,"
       " site_id INTEGER NOT NULL REFERENCES site (id),"
       " capacity INTEGER NOT NULL CHECK (capacity >= 0));" },
};

static const AtriumMigration broken_migrations[] = {
  { 1, "CREATE TABLE site (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);" },
  { 2, "ALTER TABLE site ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';"
       "CREATE TABLE space (id INTEGER PRIMARY KEY);"
       "THIS IS NOT SQL;" },
};

static void
test_migrations_idempotent (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  AtriumDb *db = open_new (f);
  int applied = -1;

  g_assert_cmpint (atrium_db_get_schema_version (db, NULL), ==, 0);
  g_assert_true (atrium_db_migrate (db, test_migrations, 1, &applied, &error));
  g_assert_no_error (error);
  g_assert_cmpint (applied, ==, 1);
  g_assert_cmpint (atrium_db_get_schema_version (db, NULL), ==, 1);
  exec_ok (db, "INSERT INTO site (name) VALUES ('Central');");

  g_assert_true (atrium_db_migrate (db, test_migrations, 2, &applied, &error));
  g_assert_no_error (error);
  g_assert_cmpint (applied, ==, 1);
  g_assert_cmpint (atrium_db_get_schema_version (db, NULL), ==, 2);

  for (int round = 0; round < 3; round++)
    {
      g_assert_true (atrium_db_migrate (db, test_migrations, 2, &applied, &error));
      g_assert_no_error (error);
      g_assert_cmpint (applied, ==, 0);
    }
  atrium_db_close (db);

  db = open_new (f);
  g_assert_true (atrium_db_migrate (db, test_migrations, 2, &applied, &error));
  g_assert_cmpint (applied, ==, 0);
  g_assert_cmpint (atrium_db_get_schema_version (db, NULL), ==, 2);
  g_assert_cmpint (count_rows (db, "site"), ==, 1);
  g_assert_true (table_exists (db, "space"));
  atrium_db_close (db);
}

static void
test_migration_failure_rolls_back (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = open_new (f);
  sqlite3_stmt *stmt = NULL;

  g_assert_false (atrium_db_migrate (db, broken_migrations, 2, NULL, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Migration 2"));

  /* Step 1 stands; nothing of step 2 does. */
  g_assert_cmpint (atrium_db_get_schema_version (db, NULL), ==, 1);
  g_assert_true (table_exists (db, "site"));
  g_assert_false (table_exists (db, "space"));
  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                       "SELECT timezone FROM site;", -1, &stmt, NULL),
                   !=, SQLITE_OK);
  sqlite3_finalize (stmt);
}

static void
test_future_schema_refused (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = open_new (f);

  g_assert_true (atrium_db_migrate (db, test_migrations, 2, NULL, &error));
  exec_ok (db, "PRAGMA user_version = 3;");

  g_assert_false (atrium_db_migrate (db, test_migrations, 2, NULL, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_TOO_NEW);
  g_clear_error (&error);
  g_assert_false (atrium_db_migrate (db, test_migrations, 0, NULL, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_TOO_NEW);
  g_assert_cmpint (atrium_db_get_schema_version (db, NULL), ==, 3);
}

static void
test_integrity_check (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = open_new (f);

  fill_with_marker (db);
  g_assert_true (atrium_db_integrity_check (db, &error));
  g_assert_no_error (error);
}

static void
test_encrypted_copy (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *copy = g_build_filename (f->dir, "copy.db", NULL);
  g_autoptr(GError) error = NULL;
  guint8 copy_key[ATRIUM_DB_KEY_LEN];
  AtriumDb *db = open_new (f);
  struct stat st;

  g_assert_true (atrium_db_migrate (db, test_migrations, 2, NULL, &error));
  fill_with_marker (db);
  atrium_random_bytes (copy_key, sizeof copy_key);

  g_assert_true (atrium_db_export_encrypted (db, copy, copy_key, &error));
  g_assert_no_error (error);
  assert_no_plaintext (copy);
  g_assert_cmpint (g_stat (copy, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* A second export never overwrites. */
  g_assert_false (atrium_db_export_encrypted (db, copy, copy_key, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_EXISTS);
  g_clear_error (&error);
  atrium_db_close (db);

  /* The copy opens with its own key only, and holds the same rows and version. */
  db = atrium_db_open (copy, f->key, ATRIUM_DB_OPEN_DEFAULT, &error);
  g_assert_null (db);
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_WRONG_KEY);
  g_clear_error (&error);

  db = atrium_db_open (copy, copy_key, ATRIUM_DB_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (db, MARKER_TABLE), ==, 200);
  g_assert_cmpint (atrium_db_get_schema_version (db, NULL), ==, 2);
  g_assert_true (atrium_db_integrity_check (db, &error));
  atrium_db_close (db);
}

static void
test_key_file (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "store.key", NULL);
  g_autoptr(GError) error = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN], again[ATRIUM_DB_KEY_LEN];
  struct stat st;

  g_assert_true (atrium_key_file_create (path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  g_assert_true (atrium_key_file_load (path, key, &error));
  g_assert_true (atrium_key_file_load (path, again, &error));
  g_assert_cmpmem (key, sizeof key, again, sizeof again);

  /* Never replaced. */
  g_assert_false (atrium_key_file_create (path, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (atrium_key_file_load (path, again, &error));
  g_assert_cmpmem (key, sizeof key, again, sizeof again);

  /* Group- or world-readable: refused. */
  for (guint i = 0; i < 3; i++)
    {
      const mode_t modes[] = { 0640, 0604, 0660 };

      g_assert_cmpint (g_chmod (path, modes[i]), ==, 0);
      g_assert_false (atrium_key_file_load (path, key, &error));
      g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE);
      g_assert_nonnull (strstr (error->message, "0600"));
      g_clear_error (&error);
    }
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);

  /* Malformed contents: refused. */
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_true (g_file_set_contents_full (path, "not a key\n", -1,
                                           G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  g_assert_false (atrium_key_file_load (path, key, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE);
  g_clear_error (&error);

  g_assert_false (atrium_key_file_load ("/nonexistent/atrium.key", key, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/db/engine-is-sqlcipher", test_engine_is_sqlcipher);
  ADD ("/db/no-plaintext-on-disk", test_no_plaintext_on_disk);
  ADD ("/db/wrong-key", test_wrong_key);
  ADD ("/db/plain-file-refused", test_plain_file_refused);
  ADD ("/db/other-process-writes", test_other_process_writes);
  ADD ("/db/missing-file", test_missing_file);
  ADD ("/db/pragmas", test_pragmas);
  ADD ("/db/migrations-idempotent", test_migrations_idempotent);
  ADD ("/db/migration-failure-rolls-back", test_migration_failure_rolls_back);
  ADD ("/db/future-schema-refused", test_future_schema_refused);
  ADD ("/db/integrity-check", test_integrity_check);
  ADD ("/db/encrypted-copy", test_encrypted_copy);
  ADD ("/db/key-file", test_key_file);
#undef ADD

  return g_test_run ();
}
