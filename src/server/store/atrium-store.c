/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store.h"

#include "atrium-key-file.h"
#include "atrium-random.h"
#include "atrium-store-backup.h"
#include "atrium-store-schema.h"
#include "atrium-store-users.h"

#include <string.h>

int
atrium_store_latest_version (void)
{
  guint n;
  const AtriumMigration *list = atrium_store_get_migrations (&n);

  return list[n - 1].version;
}

/* Opens <data_dir>/atrium.db with the key in <data_dir>/atrium.key and brings its schema
 * up to date. With @create, a missing key file and store are made; a store whose key
 * file is gone is never given a new key. */
AtriumDb *
atrium_store_open (const char  *data_dir,
                   gboolean     create,
                   int         *applied_out,
                   GError     **error)
{
  g_autofree char *db_path = g_build_filename (data_dir, ATRIUM_STORE_FILE, NULL);
  g_autofree char *key_path = atrium_key_file_path (data_dir, ATRIUM_STORE_KEY_FILE);
  g_autoptr(AtriumDb) db = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN];
  gboolean have_key = g_file_test (key_path, G_FILE_TEST_EXISTS);

  if (!have_key && g_file_test (db_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE,
                   "%s exists but its key file %s is missing; restore the key file "
                   "from your backup", db_path, key_path);
      return NULL;
    }
  if (!have_key && !create)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE,
                   "No Atrium store in %s; run: atrium-server init --data-dir %s",
                   data_dir, data_dir);
      return NULL;
    }
  if (!have_key && !atrium_key_file_create (key_path, error))
    return NULL;
  if (!atrium_key_file_load (key_path, key, error))
    return NULL;

  db = atrium_db_open (db_path, key,
                       ATRIUM_DB_OPEN_DURABLE | (create ? ATRIUM_DB_OPEN_CREATE : 0), error);
  atrium_secure_zero (key, sizeof key);
  if (db == NULL)
    return NULL;
  {
    guint n;
    const AtriumMigration *list = atrium_store_get_migrations (&n);

    if (!atrium_db_migrate (db, list, n, applied_out, error))
      return NULL;
  }
  if (!atrium_store_changelog_sync (db, error))
    return NULL;
  return g_steal_pointer (&db);
}

struct _AtriumStore
{
  char        *data_dir;
  AtriumDb    *writer;
  GMutex       writer_lock;
  GAsyncQueue *readers;
  guint        n_readers;

  /* group commit (atrium_store_write_unit) */
  GMutex       group_lock;
  GCond        group_cond;
  GPtrArray   *group_pending;   /* Unit *, waiting for a leader */
  gboolean     group_leading;   /* a thread runs a batch */
  guint64      group_batches;   /* batches run, and the units in them: */
  guint64      group_units;     /* atrium_store_get_group_counts() */

  /* what caches of sessions and accounts go by (atrium_store_get_auth_generation) */
  gboolean     auth_dirty;      /* under writer_lock: the writer changed one */
  gboolean     auth_quiet;      /* under writer_lock: a session's last_seen_at only */
  guint        auth_generation; /* atomic */
};

/* The writer's update hook (SQLite calls it on the writer's thread, under writer_lock,
 * for every row a statement or a trigger inserts, updates or deletes): notes a change
 * that a cached session could depend on. A new session or a new account changes no
 * cached one; every other change to `session`, `user` and `user_role` does, and a
 * deleted site (its grants cascade) or device. Over-broad on purpose: a needless
 * generation costs a few reads, a missed one would let a revoked token in. */
static void
writer_changed (gpointer       data,
                int            op,
                const char    *database,
                const char    *table,
                sqlite3_int64  rowid)
{
  AtriumStore *store = data;

  if (strcmp (table, "session") == 0)
    {
      if (op != SQLITE_INSERT && !(op == SQLITE_UPDATE && store->auth_quiet))
        store->auth_dirty = TRUE;
    }
  else if (strcmp (table, "user") == 0)
    store->auth_dirty |= op != SQLITE_INSERT;
  else if (strcmp (table, "user_role") == 0)
    store->auth_dirty = TRUE;
  else if (strcmp (table, "site") == 0 || strcmp (table, "device") == 0)
    store->auth_dirty |= op == SQLITE_DELETE;
}

/* Opens the writer (which also migrates) and @n_readers read connections. */
AtriumStore *
atrium_store_new (const char  *data_dir,
                  guint        n_readers,
                  GError     **error)
{
  g_autoptr(AtriumStore) store = g_new0 (AtriumStore, 1);
  g_autofree char *db_path = g_build_filename (data_dir, ATRIUM_STORE_FILE, NULL);
  g_autofree char *key_path = atrium_key_file_path (data_dir, ATRIUM_STORE_KEY_FILE);
  guint8 key[ATRIUM_DB_KEY_LEN];

  g_return_val_if_fail (n_readers > 0, NULL);

  store->data_dir = g_strdup (data_dir);
  g_mutex_init (&store->writer_lock);
  g_mutex_init (&store->group_lock);
  g_cond_init (&store->group_cond);
  store->group_pending = g_ptr_array_new ();
  store->readers = g_async_queue_new ();

  store->writer = atrium_store_open (data_dir, FALSE, NULL, error);
  if (store->writer == NULL || !atrium_key_file_load (key_path, key, error))
    return NULL;
  sqlite3_update_hook (atrium_db_get_handle (store->writer), writer_changed, store);

  for (guint i = 0; i < n_readers; i++)
    {
      AtriumDb *reader = atrium_db_open (db_path, key, ATRIUM_DB_OPEN_DEFAULT, error);

      if (reader == NULL)
        {
          atrium_secure_zero (key, sizeof key);
          return NULL;
        }
      g_async_queue_push (store->readers, reader);
      store->n_readers++;
    }
  atrium_secure_zero (key, sizeof key);
  return g_steal_pointer (&store);
}

/* A read connection outside the pool, for a long read (an export) that must not keep one
 * of the pool's from the requests. The caller closes it. */
AtriumDb *
atrium_store_open_reader (AtriumStore  *store,
                          GError      **error)
{
  g_autofree char *db_path = g_build_filename (store->data_dir, ATRIUM_STORE_FILE, NULL);
  g_autofree char *key_path = atrium_key_file_path (store->data_dir, ATRIUM_STORE_KEY_FILE);
  guint8 key[ATRIUM_DB_KEY_LEN];
  AtriumDb *reader;

  if (!atrium_key_file_load (key_path, key, error))
    return NULL;
  reader = atrium_db_open (db_path, key, ATRIUM_DB_OPEN_DEFAULT, error);
  atrium_secure_zero (key, sizeof key);
  return reader;
}

void
atrium_store_free (AtriumStore *store)
{
  if (store == NULL)
    return;
  for (guint i = 0; i < store->n_readers; i++)
    atrium_db_close (g_async_queue_pop (store->readers));
  g_async_queue_unref (store->readers);
  atrium_db_close (store->writer);
  g_mutex_clear (&store->writer_lock);
  g_mutex_clear (&store->group_lock);
  g_cond_clear (&store->group_cond);
  g_ptr_array_unref (store->group_pending);
  g_free (store->data_dir);
  g_free (store);
}

const char *
atrium_store_get_data_dir (AtriumStore *store)
{
  return store->data_dir;
}

AtriumDb *
atrium_store_write_begin (AtriumStore *store)
{
  g_mutex_lock (&store->writer_lock);
  return store->writer;
}

/* A change noted by writer_changed() becomes a new generation once committed (or rolled
 * back): never while the writer is still inside the transaction, since a reader may
 * then still read the old rows and cache them under the new number. */
void
atrium_store_write_end (AtriumStore *store)
{
  if (store->auth_dirty && sqlite3_get_autocommit (atrium_db_get_handle (store->writer)))
    {
      store->auth_dirty = FALSE;
      g_atomic_int_inc (&store->auth_generation);
    }
  g_mutex_unlock (&store->writer_lock);
}

/* A number that changes after every commit of this process's writer that changed a
 * session, an account, its roles, or deleted a site or a device. A cache reads it
 * before reading the store and keeps what it read under that number; an entry is good
 * while the number is the same. Changes made by other processes are not seen: such a
 * cache must also forget its entries after a short while. */
guint
atrium_store_get_auth_generation (AtriumStore *store)
{
  return (guint) g_atomic_int_get (&store->auth_generation);
}

/* Records that a session was used at @now: a change of last_seen_at alone, which a
 * cache keeping the session's other columns may leave out of its generation. */
gboolean
atrium_store_session_touch (AtriumStore  *store,
                            gint64        session_id,
                            gint64        now,
                            GError      **error)
{
  AtriumDb *db = atrium_store_write_begin (store);
  gint64 changed;

  store->auth_quiet = TRUE;
  changed = atrium_store_exec_bound (db, "UPDATE session SET last_seen_at = ?2 WHERE id = ?1;",
                                     error, 'i', session_id, 'i', now, 0);
  store->auth_quiet = FALSE;
  atrium_store_write_end (store);
  return changed >= 0;
}

AtriumDb *
atrium_store_read_begin (AtriumStore *store)
{
  return g_async_queue_pop (store->readers);
}

void
atrium_store_read_end (AtriumStore *store,
                       AtriumDb    *db)
{
  g_async_queue_push (store->readers, db);
}

/* ---- group commit -------------------------------------------------------------------- */

/* Writes that arrive while the writer is busy share its next transaction: one commit,
 * one flush and one pass of page encryption for all of them, each in its own savepoint
 * so that one unit's failure undoes only its own work. A unit returns once the shared
 * transaction is durable (or has failed), so an answer is never sent for a write that a
 * crash could still lose. The first waiting thread leads: it runs the batch under the
 * writer's lock while the next units gather. */

#define GROUP_MAX 32

typedef struct
{
  AtriumStoreUnitFunc func;
  gpointer            data;
  GError             *error;
  gboolean            ok;
  gboolean            done;
} Unit;

static void
fail_unit (Unit         *unit,
           const GError *error)
{
  unit->ok = FALSE;
  g_clear_error (&unit->error);
  unit->error = g_error_copy (error);
}

static void
run_batch (AtriumStore *store,
           GPtrArray   *batch)
{
  AtriumDb *db = atrium_store_write_begin (store);
  sqlite3 *handle = atrium_db_get_handle (db);
  g_autoptr(GError) error = NULL;

  if (atrium_db_exec (db, "BEGIN IMMEDIATE;", &error))
    for (guint i = 0; i < batch->len && error == NULL; i++)
      {
        Unit *unit = batch->pdata[i];

        if (!atrium_db_exec (db, "SAVEPOINT atrium_unit;", &error))
          break;
        unit->ok = unit->func (db, unit->data, &unit->error) &&
                   atrium_db_exec (db, "RELEASE atrium_unit;", &unit->error);
        if (!unit->ok && unit->error == NULL)
          g_set_error (&unit->error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                       "a write failed without saying why");
        if (!unit->ok && !sqlite3_get_autocommit (handle))
          atrium_db_exec (db, "ROLLBACK TO atrium_unit; RELEASE atrium_unit;", NULL);
        if (sqlite3_get_autocommit (handle))   /* SQLite ended it all: I/O error, disk full */
          g_set_error (&error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                       "the shared transaction was rolled back by the database");
      }

  if (error == NULL)
    atrium_db_exec (db, "COMMIT;", &error);
  if (error != NULL)
    {
      if (!sqlite3_get_autocommit (handle))
        atrium_db_exec (db, "ROLLBACK;", NULL);
      /* Nothing of the batch was kept: every unit fails, with its own error if it had
       * one (a unit that failed alone keeps its reason). */
      for (guint i = 0; i < batch->len; i++)
        {
          Unit *unit = batch->pdata[i];

          if (unit->ok || unit->error == NULL)
            fail_unit (unit, error);
        }
    }
  atrium_store_write_end (store);
}

/* Runs @func (db, @data, error) on the writer inside a transaction it may share with
 * other units, and returns once that transaction is committed: TRUE if @func succeeded
 * and the commit too. @func must not begin or end transactions itself (savepoints are
 * fine), and must leave in @data whatever it decided, to be acted on after the return. */
gboolean
atrium_store_write_unit (AtriumStore          *store,
                         AtriumStoreUnitFunc   func,
                         gpointer              data,
                         GError              **error)
{
  Unit unit = { func, data, NULL, FALSE, FALSE };

  g_mutex_lock (&store->group_lock);
  g_ptr_array_add (store->group_pending, &unit);
  while (!unit.done)
    {
      if (store->group_leading)
        {
          g_cond_wait (&store->group_cond, &store->group_lock);
          continue;
        }

      {
        g_autoptr(GPtrArray) batch = store->group_pending;
        guint n = MIN (batch->len, GROUP_MAX);

        store->group_pending = g_ptr_array_new ();
        for (guint i = n; i < batch->len; i++)   /* the rest waits for the next batch */
          g_ptr_array_add (store->group_pending, batch->pdata[i]);
        g_ptr_array_set_size (batch, n);
        store->group_leading = TRUE;
        g_mutex_unlock (&store->group_lock);

        run_batch (store, batch);

        g_mutex_lock (&store->group_lock);
        for (guint i = 0; i < batch->len; i++)
          ((Unit *) batch->pdata[i])->done = TRUE;
        store->group_batches++;
        store->group_units += batch->len;
        store->group_leading = FALSE;
        g_cond_broadcast (&store->group_cond);
      }
    }
  g_mutex_unlock (&store->group_lock);

  if (!unit.ok)
    g_propagate_error (error, unit.error);
  else
    g_clear_error (&unit.error);
  return unit.ok;
}

/* How many batches the group commit ran and how many units they held (for tests and
 * benchmarks: units per batch is what grouping saved). */
void
atrium_store_get_group_counts (AtriumStore *store,
                               guint64     *batches,
                               guint64     *units)
{
  g_mutex_lock (&store->group_lock);
  *batches = store->group_batches;
  *units = store->group_units;
  g_mutex_unlock (&store->group_lock);
}
