/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The writer's group commit (atrium_store_write_unit) and the statements kept per
 * connection (atrium_db_cached), on a real SQLCipher store. */
#include "config.h"

#include "atrium-data-dir.h"
#include "atrium-store.h"
#include "atrium-store-users.h"
#include "atrium-test-server.h"

#define THREADS   8
#define PER_THREAD 60

typedef struct
{
  AtriumStore *store;
  guint        thread;
  guint        succeeded;
  guint        refused;
} Writer;

typedef struct
{
  gint64 value;
  gint64 rows_seen;   /* the unit's own view, inside the shared transaction */
} Insert;

/* Every seventh unit writes its row and then fails: the row must not survive, and the
 * others of its batch must. */
static gboolean
insert_unit (AtriumDb  *db,
             gpointer   data,
             GError   **error)
{
  Insert *insert = data;

  if (atrium_store_exec_bound (db, "INSERT INTO group_test (value) VALUES (?1);", error,
                               'i', insert->value, 0) != 1)
    return FALSE;
  insert->rows_seen = atrium_store_count_bound (db, "SELECT count (*) FROM group_test"
                                                    " WHERE value = ?1;", error,
                                                'i', insert->value, 0);
  if (insert->value % 7 == 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED, "refused %" G_GINT64_FORMAT,
                   insert->value);
      return FALSE;
    }
  return insert->rows_seen == 1;
}

static gpointer
write_many (gpointer data)
{
  Writer *writer = data;

  for (guint i = 0; i < PER_THREAD; i++)
    {
      Insert insert = { (gint64) (writer->thread * 1000 + i + 1), 0 };
      g_autoptr(GError) error = NULL;

      if (atrium_store_write_unit (writer->store, insert_unit, &insert, &error))
        {
          g_assert_no_error (error);
          g_assert_cmpint (insert.rows_seen, ==, 1);
          writer->succeeded++;
        }
      else
        {
          g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED);
          g_assert_cmpint (insert.value % 7, ==, 0);
          writer->refused++;
        }
    }
  return NULL;
}

static void
test_group_commit (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-group-XXXXXX", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autoptr(GError) error = NULL;
  AtriumStore *store;
  GThread *threads[THREADS];
  Writer writers[THREADS];
  guint succeeded = 0, refused = 0;
  AtriumDb *db;

  g_assert_true (atrium_data_dir_init (data_dir, NULL, NULL, &error));
  g_assert_no_error (error);
  store = atrium_store_new (data_dir, 2, &error);
  g_assert_no_error (error);
  db = atrium_store_write_begin (store);
  g_assert_true (atrium_db_exec (db, "CREATE TABLE group_test (value INTEGER NOT NULL"
                                     " UNIQUE);", &error));
  atrium_store_write_end (store);

  for (guint t = 0; t < THREADS; t++)
    {
      writers[t] = (Writer) { store, t, 0, 0 };
      threads[t] = g_thread_new ("writer", write_many, &writers[t]);
    }
  for (guint t = 0; t < THREADS; t++)
    {
      g_thread_join (threads[t]);
      succeeded += writers[t].succeeded;
      refused += writers[t].refused;
    }
  g_assert_cmpuint (succeeded + refused, ==, THREADS * PER_THREAD);

  /* What a unit was told is what the store holds: a reader sees every success, no
   * refused row, and nothing else. */
  db = atrium_store_read_begin (store);
  g_assert_cmpint (atrium_store_count_bound (db, "SELECT count (*) FROM group_test;", &error,
                                             0), ==, succeeded);
  g_assert_cmpint (atrium_store_count_bound (db, "SELECT count (*) FROM group_test"
                                                 " WHERE value % 7 = 0;", &error, 0), ==, 0);
  atrium_store_read_end (store, db);
  {
    guint64 batches, units;

    atrium_store_get_group_counts (store, &batches, &units);
    g_assert_cmpuint (units, ==, THREADS * PER_THREAD);
    g_assert_cmpuint (batches, >=, 1);
    g_assert_cmpuint (batches, <=, units);
    g_test_message ("%u units from %u threads: %u committed, %u refused alone; %"
                    G_GUINT64_FORMAT " commits (%.1f units each)", succeeded + refused,
                    THREADS, succeeded, refused, batches, (double) units / batches);
  }

  /* A unit whose SQL fails (a UNIQUE value again) fails alone too. */
  {
    Insert again = { 1, 0 };

    g_assert_false (atrium_store_write_unit (store, insert_unit, &again, &error));
    g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT);
    g_clear_error (&error);
  }

  /* Closing with statements kept must finalize them (a warning would abort the test). */
  atrium_store_free (store);
  atrium_test_remove_tree (dir);
}

/* A kept statement comes back reset, its bindings cleared, and it is not stale after
 * the schema changes under it. */
static void
test_cached_statement (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-cached-XXXXXX", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autoptr(GError) error = NULL;
  const char *count_sql = "SELECT count (*) FROM cached_test WHERE value = ?1;";
  AtriumStore *store;
  sqlite3_stmt *first, *second;
  AtriumDb *db;

  g_assert_true (atrium_data_dir_init (data_dir, NULL, NULL, &error));
  store = atrium_store_new (data_dir, 1, &error);
  g_assert_no_error (error);
  db = atrium_store_write_begin (store);
  g_assert_true (atrium_db_exec (db, "CREATE TABLE cached_test (value INTEGER);", &error));
  g_assert_cmpint (atrium_store_exec_bound (db, "INSERT INTO cached_test VALUES (?1);",
                                            &error, 'i', (gint64) 5, 0), ==, 1);
  g_assert_cmpint (atrium_store_count_bound (db, count_sql, &error, 'i', (gint64) 5, 0),
                   ==, 1);
  first = atrium_db_cached (db, count_sql, &error);
  second = atrium_db_cached (db, count_sql, &error);
  g_assert_true (first == second);
  /* bindings cleared: NULL matches nothing */
  g_assert_cmpint (sqlite3_step (first), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (first, 0), ==, 0);
  sqlite3_reset (first);

  g_assert_true (atrium_db_exec (db, "ALTER TABLE cached_test ADD COLUMN extra TEXT;",
                                 &error));
  g_assert_cmpint (atrium_store_count_bound (db, count_sql, &error, 'i', (gint64) 5, 0),
                   ==, 1);
  g_assert_null (atrium_db_cached (db, "SELECT nothing FROM nowhere;", &error));
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED);
  atrium_store_write_end (store);
  atrium_store_free (store);
  atrium_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/group-commit", test_group_commit);
  g_test_add_func ("/store/cached-statement", test_cached_statement);
  return g_test_run ();
}
