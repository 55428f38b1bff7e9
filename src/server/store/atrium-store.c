/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store.h"

#include "atrium-key-file.h"
#include "atrium-random.h"
#include "atrium-store-schema.h"

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
  g_autofree char *key_path = g_build_filename (data_dir, ATRIUM_STORE_KEY_FILE, NULL);
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
  return g_steal_pointer (&db);
}

struct _AtriumStore
{
  char        *data_dir;
  AtriumDb    *writer;
  GMutex       writer_lock;
  GAsyncQueue *readers;
  guint        n_readers;
};

/* Opens the writer (which also migrates) and @n_readers read connections. */
AtriumStore *
atrium_store_new (const char  *data_dir,
                  guint        n_readers,
                  GError     **error)
{
  g_autoptr(AtriumStore) store = g_new0 (AtriumStore, 1);
  g_autofree char *db_path = g_build_filename (data_dir, ATRIUM_STORE_FILE, NULL);
  g_autofree char *key_path = g_build_filename (data_dir, ATRIUM_STORE_KEY_FILE, NULL);
  guint8 key[ATRIUM_DB_KEY_LEN];

  g_return_val_if_fail (n_readers > 0, NULL);

  store->data_dir = g_strdup (data_dir);
  g_mutex_init (&store->writer_lock);
  store->readers = g_async_queue_new ();

  store->writer = atrium_store_open (data_dir, FALSE, NULL, error);
  if (store->writer == NULL || !atrium_key_file_load (key_path, key, error))
    return NULL;

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
  g_autofree char *key_path = g_build_filename (store->data_dir, ATRIUM_STORE_KEY_FILE, NULL);
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

void
atrium_store_write_end (AtriumStore *store)
{
  g_mutex_unlock (&store->writer_lock);
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
