/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Built with the same atrium-db.c but linked to the system's plain libsqlite3 — the
 * link-order trap of DESIGN.md §4 made on purpose: the guard must refuse to run. */
#include "config.h"

#include <glib/gstdio.h>

#include "atrium-db.h"
#include "atrium-random.h"

static void
test_plain_engine_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-guard-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  guint8 key[ATRIUM_DB_KEY_LEN];
  AtriumDb *db;

  g_test_message ("linked engine: SQLite %s", sqlite3_libversion ());

  atrium_random_bytes (key, sizeof key);
  db = atrium_db_open (path, key, ATRIUM_DB_OPEN_CREATE | ATRIUM_DB_OPEN_DURABLE, &error);
  g_assert_null (db);
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_SQLCIPHER);
  g_test_message ("%s", error->message);

  /* Nothing was written: not even an empty file. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_check_engine_on_handle (void)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *handle = NULL;
  char *version = NULL;

  g_assert_cmpint (sqlite3_open_v2 (":memory:", &handle, SQLITE_OPEN_READWRITE, NULL),
                   ==, SQLITE_OK);
  g_assert_false (atrium_db_check_engine (handle, &version, &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_SQLCIPHER);
  g_assert_null (version);
  sqlite3_close (handle);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/db-guard/plain-engine-refused", test_plain_engine_refused);
  g_test_add_func ("/db-guard/check-engine-on-handle", test_check_engine_on_handle);

  return g_test_run ();
}
