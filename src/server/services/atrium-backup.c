/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-backup"

#include "config.h"

#include "atrium-backup.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "atrium-key-file.h"
#include "atrium-loop-thread.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-backup.h"

#define TICK_SECONDS   60
#define LOCK_FILE      "serve.lock"
#define FULL_PREFIX    "atrium-full-"
#define INCR_PREFIX    "atrium-incr-"
#define ON_INFIX       "-on-"
#define SUFFIX         ".db"
#define STAMP_LEN      20   /* 20261125T054000.123Z */
#define USEC_PER_DAY   (G_GINT64_CONSTANT (86400) * ATRIUM_USEC_PER_SEC)

G_DEFINE_QUARK (atrium-backup-error-quark, atrium_backup_error)

/* ---- names ----------------------------------------------------------------------------- */

static char *
format_stamp (gint64 usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (usec / ATRIUM_USEC_PER_SEC);
  g_autofree char *seconds = g_date_time_format (dt, "%Y%m%dT%H%M%S");

  return g_strdup_printf ("%s.%03dZ", seconds, (int) (usec % ATRIUM_USEC_PER_SEC / 1000));
}

static gboolean
parse_stamp (const char *text,
             gint64     *usec_out)
{
  g_autofree char *iso = NULL;
  g_autoptr(GDateTime) dt = NULL;

  for (guint i = 0; i < STAMP_LEN; i++)
    if (!(i == 8 ? text[i] == 'T' : i == 15 ? text[i] == '.' : i == 19 ? text[i] == 'Z'
                                                                     : g_ascii_isdigit (text[i])))
      return FALSE;
  iso = g_strdup_printf ("%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%.5s", text, text + 4, text + 6,
                         text + 9, text + 11, text + 13, text + 15);
  dt = g_date_time_new_from_iso8601 (iso, NULL);
  if (dt == NULL)
    return FALSE;
  *usec_out = g_date_time_to_unix (dt) * ATRIUM_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}

typedef struct
{
  char     *name;
  gboolean  incremental;
  gint64    at;     /* µs, from the name */
  gint64    base;   /* incremental: its full one's time */
} Entry;

static void
entry_clear (gpointer data)
{
  g_free (((Entry *) data)->name);
}

static gboolean
parse_name (const char *name,
            Entry      *entry)
{
  gsize len = strlen (name);

  entry->incremental = g_str_has_prefix (name, INCR_PREFIX);
  if (entry->incremental)
    {
      const char *p = name + strlen (INCR_PREFIX);

      if (len != strlen (INCR_PREFIX) + 2 * STAMP_LEN + strlen (ON_INFIX) + strlen (SUFFIX) ||
          strncmp (p + STAMP_LEN, ON_INFIX, strlen (ON_INFIX)) != 0 ||
          !parse_stamp (p, &entry->at) ||
          !parse_stamp (p + STAMP_LEN + strlen (ON_INFIX), &entry->base))
        return FALSE;
    }
  else if (!g_str_has_prefix (name, FULL_PREFIX) ||
           len != strlen (FULL_PREFIX) + STAMP_LEN + strlen (SUFFIX) ||
           !parse_stamp (name + strlen (FULL_PREFIX), &entry->at))
    return FALSE;
  entry->base = entry->incremental ? entry->base : entry->at;
  return g_str_has_suffix (name, SUFFIX);
}

static gint
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  gint64 x = ((const Entry *) a)->at, y = ((const Entry *) b)->at;

  return x < y ? -1 : x > y;
}

/* The backups in @dir, oldest first; other files are none of our business. */
static GArray *
list_backups (const char  *dir,
              GError     **error)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, error);
  GArray *entries;
  const char *name;

  if (handle == NULL)
    return NULL;
  entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (entries, entry_clear);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      Entry entry = { NULL };

      if (!parse_name (name, &entry))
        continue;
      entry.name = g_strdup (name);
      g_array_append_val (entries, entry);
    }
  g_array_sort (entries, compare_entries);
  return entries;
}

static const Entry *
newest (GArray   *entries,
        gboolean  full_only)
{
  for (guint i = entries->len; i > 0; i--)
    {
      const Entry *e = &g_array_index (entries, Entry, i - 1);

      if (!full_only || !e->incremental)
        return e;
    }
  return NULL;
}

/* ---- keys ------------------------------------------------------------------------------ */

gboolean
atrium_backup_key_ensure (const char  *data_dir,
                          gboolean    *created_out,
                          GError     **error)
{
  g_autofree char *path = g_build_filename (data_dir, ATRIUM_BACKUP_KEY_FILE, NULL);
  g_autoptr(GError) local_error = NULL;
  gboolean created = atrium_key_file_create (path, &local_error);

  if (created_out != NULL)
    *created_out = created;
  if (created || g_error_matches (local_error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_EXISTS))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
load_backup_key (const char  *data_dir,
                 guint8       key[ATRIUM_DB_KEY_LEN],
                 GError     **error)
{
  g_autofree char *path = g_build_filename (data_dir, ATRIUM_BACKUP_KEY_FILE, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_NO_KEY,
                   "The backup key %s is missing: a backup can only be read with the key "
                   "it was made with; put your copy of that key there (mode 0600)", path);
      return FALSE;
    }
  return atrium_key_file_load (path, key, error);
}

/* Opens a backup without writing to it (it may sit on a read-only copy). */
static AtriumDb *
open_backup (const char        *path,
             const guint8       key[ATRIUM_DB_KEY_LEN],
             const char        *data_dir,
             AtriumDbOpenFlags  flags,
             AtriumBackupMeta  *meta_out,
             GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AtriumDb) db = atrium_db_open (path, key, flags, &local_error);

  if (db == NULL)
    {
      if (g_error_matches (local_error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_WRONG_KEY) ||
          g_error_matches (local_error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_ENCRYPTED))
        g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_WRONG_KEY,
                     "%s cannot be read with the backup key %s/%s (a wrong key, or not an "
                     "Atrium backup)", path, data_dir, ATRIUM_BACKUP_KEY_FILE);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!atrium_store_backup_read_meta (db, meta_out, error))
    return NULL;
  return g_steal_pointer (&db);
}

/* ---- making one ----------------------------------------------------------------------- */

static gboolean
make_into (AtriumDb      *db,
           const char    *partial,
           const char    *data_dir,
           const char    *to_dir,
           gboolean       incremental,
           const guint8   key[ATRIUM_DB_KEY_LEN],
           char         **base_name_out,
           GError       **error)
{
  g_autoptr(GArray) entries = NULL;
  g_autoptr(AtriumDb) base = NULL;
  g_auto(AtriumBackupMeta) meta = { 0 };
  g_autofree char *base_path = NULL;
  const Entry *full;

  if (!incremental)
    return atrium_store_backup_full (db, partial, key, error);

  entries = list_backups (to_dir, error);
  if (entries == NULL)
    return FALSE;
  full = newest (entries, TRUE);
  if (full == NULL)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_NO_BASE,
                   "No full backup in %s to build an incremental one on; take a full "
                   "backup first", to_dir);
      return FALSE;
    }
  base_path = g_build_filename (to_dir, full->name, NULL);
  base = open_backup (base_path, key, data_dir, ATRIUM_DB_OPEN_READONLY, &meta, error);
  if (base == NULL)
    return FALSE;
  *base_name_out = g_strdup (full->name);
  return atrium_store_backup_incremental (db, partial, key, full->name, &meta, error);
}

char *
atrium_backup_make (const char  *data_dir,
                    const char  *to_dir,
                    gboolean     incremental,
                    gint64       now_usec,
                    GError     **error)
{
  g_autoptr(AtriumDb) db = NULL;
  g_autofree char *stamp = format_stamp (now_usec);
  g_autofree char *base_name = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *partial = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN];
  gboolean created = FALSE;
  gboolean ok;

  if (g_mkdir_with_parents (to_dir, 0700) != 0)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot create %s: %s", to_dir, g_strerror (errno));
      return NULL;
    }
  if (!atrium_backup_key_ensure (data_dir, &created, error) ||
      !load_backup_key (data_dir, key, error))
    return NULL;
  if (created)
    g_message ("made the backup key %s/%s: keep a copy of it away from the backups", data_dir,
               ATRIUM_BACKUP_KEY_FILE);
  db = atrium_store_open (data_dir, FALSE, NULL, error);
  if (db == NULL)
    {
      atrium_secure_zero (key, sizeof key);
      return NULL;
    }

  /* The file is named once its base is known; until whole it is a .partial. */
  partial = g_strdup_printf ("%s/.atrium-backup-%s.partial", to_dir, stamp);
  g_unlink (partial);
  ok = make_into (db, partial, data_dir, to_dir, incremental, key, &base_name, error);
  atrium_secure_zero (key, sizeof key);
  if (!ok)
    return NULL;

  if (incremental)
    name = g_strdup_printf (INCR_PREFIX "%s" ON_INFIX "%.*s" SUFFIX, stamp, STAMP_LEN,
                            base_name + strlen (FULL_PREFIX));
  else
    name = g_strdup_printf (FULL_PREFIX "%s" SUFFIX, stamp);
  path = g_build_filename (to_dir, name, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS) || g_rename (partial, path) != 0)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot name the backup %s: %s", path,
                   g_file_test (path, G_FILE_TEST_EXISTS) ? "it exists" : g_strerror (errno));
      g_unlink (partial);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* ---- rotation ------------------------------------------------------------------------- */

static gint64
day_of (gint64 usec)
{
  return usec >= 0 ? usec / USEC_PER_DAY : -((-usec + USEC_PER_DAY - 1) / USEC_PER_DAY);
}

gboolean
atrium_backup_rotate (const char  *dir,
                      gint64       now_usec,
                      guint        keep_days,
                      guint       *removed_out,
                      GError     **error)
{
  g_autoptr(GArray) entries = list_backups (dir, error);
  g_autoptr(GHashTable) fulls = g_hash_table_new (g_int64_hash, g_int64_equal);
  gint64 first_day = day_of (now_usec) - (gint64) keep_days + 1;
  guint removed = 0;

  if (entries == NULL)
    return FALSE;
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);

      if (!e->incremental && day_of (e->at) >= first_day)
        g_hash_table_add (fulls, &e->at);
    }
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);
      g_autofree char *path = NULL;

      /* An incremental backup is nothing without its full one. */
      if (day_of (e->at) >= first_day && g_hash_table_contains (fulls, &e->base))
        continue;
      path = g_build_filename (dir, e->name, NULL);
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                       "Cannot remove the old backup %s: %s", path, g_strerror (errno));
          return FALSE;
        }
      removed++;
    }
  if (removed_out != NULL)
    *removed_out = removed;
  return TRUE;
}

/* ---- restoring ------------------------------------------------------------------------ */

int
atrium_backup_lock_data_dir (const char  *data_dir,
                             gboolean     exclusive,
                             GError     **error)
{
  g_autofree char *path = g_build_filename (data_dir, LOCK_FILE, NULL);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot open %s: %s", path, g_strerror (errno));
      return -1;
    }
  if (flock (fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0)
    {
      int saved = errno;

      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_RUNNING,
                     exclusive ? "The server is running on %s; stop it before restoring"
                               : "A restore is under way in %s; start the server after it",
                     data_dir);
      else
        g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                     "Cannot lock %s: %s", path, g_strerror (saved));
      return -1;
    }
  return fd;
}

/* Copies a (closed, finished) backup file into our private work directory. */
static char *
fetch_copy (const char  *from,
            const char  *work_dir,
            const char  *as,
            GError     **error)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autofree char *path = g_build_filename (work_dir, as, NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (path);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_copy (source, dest, G_FILE_COPY_NONE, NULL, NULL, NULL, &local_error))
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot read %s: %s", from, local_error->message);
      return NULL;
    }
  return g_steal_pointer (&path);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
remove_store_files (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

/* The restored store as a new file beside the old one: the backup's full copy under the
 * store's key, then the changes up to @until_ms. */
static gboolean
build_restored (const char    *data_dir,
                const char    *from,
                const char    *work_dir,
                const char    *dest,
                gint64         until_ms,
                GString       *summary,
                GError       **error)
{
  g_autofree char *store_key_path = g_build_filename (data_dir, ATRIUM_STORE_KEY_FILE, NULL);
  g_auto(AtriumBackupMeta) meta = { 0 };
  g_auto(AtriumBackupMeta) base_meta = { 0 };
  g_autoptr(AtriumDb) backup = NULL;
  g_autoptr(AtriumDb) base = NULL;
  g_autoptr(AtriumDb) restored = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *taken = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN];
  guint8 store_key[ATRIUM_DB_KEY_LEN];
  AtriumDb *full;
  gint64 replayed;
  gboolean ok;

  if (!load_backup_key (data_dir, key, error))
    return FALSE;
  copy = fetch_copy (from, work_dir, "backup.db", error);
  backup = copy != NULL ? open_backup (copy, key, data_dir, ATRIUM_DB_OPEN_DEFAULT, &meta,
                                       error)
                        : NULL;
  if (backup != NULL && meta.incremental)
    {
      g_autofree char *dir = g_path_get_dirname (from);
      g_autofree char *base_path = g_build_filename (dir, meta.base, NULL);
      g_autofree char *base_copy = NULL;

      if (!g_file_test (base_path, G_FILE_TEST_EXISTS))
        g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_NO_BASE,
                     "%s builds on the full backup %s, which is not beside it", from,
                     meta.base);
      else if ((base_copy = fetch_copy (base_path, work_dir, "base.db", error)) != NULL &&
               (base = open_backup (base_copy, key, data_dir, ATRIUM_DB_OPEN_DEFAULT,
                                    &base_meta, error)) != NULL &&
               (base_meta.incremental || base_meta.through_id != meta.base_through))
        {
          g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_NO_BASE,
                       "%s is not the full backup %s was made on", base_path, from);
          g_clear_pointer (&base, atrium_db_close);
        }
      if (base == NULL)
        g_clear_pointer (&backup, atrium_db_close);
    }
  atrium_secure_zero (key, sizeof key);
  if (backup == NULL)
    return FALSE;

  full = meta.incremental ? base : backup;
  {
    const AtriumBackupMeta *fm = meta.incremental ? &base_meta : &meta;

    if (until_ms < fm->taken_at_ms)
      {
        g_autofree char *at = atrium_time_format_iso8601 (fm->taken_at_ms * 1000);

        g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_TOO_OLD,
                     "The full backup was taken at %s, after --until; restore an older one",
                     at);
        return FALSE;
      }
  }

  if (!atrium_key_file_load (store_key_path, store_key, error))
    return FALSE;
  remove_store_files (dest);
  ok = atrium_db_export_encrypted (full, dest, store_key, error);
  if (ok)
    restored = atrium_db_open (dest, store_key, ATRIUM_DB_OPEN_DURABLE, error);
  atrium_secure_zero (store_key, sizeof store_key);
  if (restored == NULL)
    return FALSE;

  replayed = atrium_store_backup_replay (restored, meta.incremental ? backup : NULL, until_ms,
                                         error);
  if (replayed < 0 || !atrium_db_integrity_check (restored, error))
    return FALSE;

  taken = atrium_time_format_iso8601 (MIN (until_ms, meta.taken_at_ms) * 1000);
  g_string_append_printf (summary, "the state of %s (%s backup", taken,
                          meta.incremental ? "incremental" : "full");
  if (meta.incremental)
    g_string_append_printf (summary, ", %" G_GINT64_FORMAT " %s replayed", replayed,
                            replayed == 1 ? "change" : "changes");
  g_string_append (summary, ")");
  return TRUE;
}

/* The old store out of the way, with nothing left in its WAL that belongs to it. */
static gboolean
set_aside (const char  *data_dir,
           const char  *store_path,
           const char  *before,
           GError     **error)
{
  g_autofree char *key_path = g_build_filename (data_dir, ATRIUM_STORE_KEY_FILE, NULL);
  const char *suffixes[] = { "-wal", "-shm" };
  guint8 key[ATRIUM_DB_KEY_LEN];

  if (atrium_key_file_load (key_path, key, NULL))
    {
      AtriumDb *old = atrium_db_open (store_path, key, ATRIUM_DB_OPEN_DEFAULT, NULL);

      if (old != NULL)
        atrium_db_exec (old, "PRAGMA wal_checkpoint (TRUNCATE);", NULL);
      atrium_db_close (old);
      atrium_secure_zero (key, sizeof key);
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (store_path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (before, suffixes[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
        {
          g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                       "Cannot move %s aside: %s", from, g_strerror (errno));
          return FALSE;
        }
    }
  if (link (store_path, before) != 0)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot keep the current store as %s: %s", before, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
atrium_backup_restore (const char  *data_dir,
                       const char  *from,
                       gint64       until_usec,
                       char       **summary_out,
                       GError     **error)
{
  g_autofree char *store_path = g_build_filename (data_dir, ATRIUM_STORE_FILE, NULL);
  g_autofree char *dest = g_strconcat (store_path, ".restoring", NULL);
  g_autofree char *work_dir = g_build_filename (data_dir, "restore-XXXXXX", NULL);
  g_autofree char *stamp = format_stamp (g_get_real_time ());
  g_autofree char *before = g_strdup_printf ("%s.before-restore-%s", store_path, stamp);
  g_autoptr(GString) summary = g_string_new (NULL);
  gint64 until_ms = until_usec == G_MAXINT64 ? G_MAXINT64 : until_usec / 1000;
  gboolean had_store = g_file_test (store_path, G_FILE_TEST_EXISTS);
  gboolean ok;
  int lock;

  lock = atrium_backup_lock_data_dir (data_dir, TRUE, error);
  if (lock < 0)
    return FALSE;
  if (g_mkdtemp_full (work_dir, 0700) == NULL)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot create a work directory in %s: %s", data_dir, g_strerror (errno));
      close (lock);
      return FALSE;
    }

  ok = build_restored (data_dir, from, work_dir, dest, until_ms, summary, error) &&
       (!had_store || set_aside (data_dir, store_path, before, error));
  if (ok && g_rename (dest, store_path) != 0)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot put %s in place: %s", store_path, g_strerror (errno));
      ok = FALSE;
    }
  if (ok)
    {
      /* A backup of an older schema is brought up to this program's. */
      AtriumDb *db = atrium_store_open (data_dir, FALSE, NULL, error);

      ok = db != NULL;
      atrium_db_close (db);
    }
  if (!ok)
    remove_store_files (dest);
  remove_tree (work_dir);
  close (lock);
  if (ok && summary_out != NULL)
    {
      if (had_store)
        g_string_append_printf (summary, "; the previous store is kept as %s", before);
      *summary_out = g_string_free (g_steal_pointer (&summary), FALSE);
    }
  return ok;
}

/* ---- the scheduler -------------------------------------------------------------------- */

struct _AtriumBackup
{
  AtriumServer     *server;
  AtriumLoopThread *thread;
};

static gboolean
copy_to_dir (const char  *path,
             const char  *dir,
             GError     **error)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *partial = g_strdup_printf ("%s/.%s.partial", dir, name);
  g_autofree char *final = g_build_filename (dir, name, NULL);
  g_autoptr(GFile) source = g_file_new_for_path (path);
  g_autoptr(GFile) dest = g_file_new_for_path (partial);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  if (!g_file_copy (source, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
    return FALSE;
  if (g_rename (partial, final) != 0)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot name the copy %s: %s", final, g_strerror (errno));
      g_unlink (partial);
      return FALSE;
    }
  return TRUE;
}

/* The configured program, with the backup's path for each argument {file} (or last when
 * there is none); no shell. */
static gboolean
copy_by_command (const char  *path,
                 char       **argv_conf,
                 GError     **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  gboolean placed = FALSE;
  int status = 0;

  for (guint i = 0; argv_conf[i] != NULL; i++)
    {
      gboolean here = g_str_equal (argv_conf[i], "{file}");

      g_ptr_array_add (argv, here ? (gpointer) path : argv_conf[i]);
      placed |= here;
    }
  if (!placed)
    g_ptr_array_add (argv, (gpointer) path);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, &err, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "%s failed (status %d): %s", argv_conf[0], status,
                   err != NULL ? g_strstrip (err) : "");
      return FALSE;
    }
  return TRUE;
}

/* Forgets the change log that every kept backup already holds. */
static gboolean
purge_log (AtriumServer  *server,
           const char    *dir,
           GError       **error)
{
  AtriumStore *store = atrium_server_get_store (server);
  const char *data_dir = atrium_store_get_data_dir (store);
  g_autoptr(GArray) entries = list_backups (dir, error);
  g_auto(AtriumBackupMeta) meta = { 0 };
  g_autoptr(AtriumDb) oldest = NULL;
  g_autofree char *path = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN];
  const Entry *full = NULL;
  gboolean ok;

  if (entries == NULL)
    return FALSE;
  for (guint i = 0; full == NULL && i < entries->len; i++)
    if (!g_array_index (entries, Entry, i).incremental)
      full = &g_array_index (entries, Entry, i);
  if (full == NULL)
    return TRUE;
  if (!load_backup_key (data_dir, key, error))
    return FALSE;
  path = g_build_filename (dir, full->name, NULL);
  oldest = open_backup (path, key, data_dir, ATRIUM_DB_OPEN_READONLY, &meta, error);
  atrium_secure_zero (key, sizeof key);
  if (oldest == NULL)
    return FALSE;

  ok = atrium_store_changelog_purge (atrium_store_write_begin (store), meta.through_id, error);
  atrium_store_write_end (store);
  return ok;
}

gboolean
atrium_backup_tick (AtriumServer  *server,
                    char         **made_out,
                    GError       **error)
{
  AtriumConfig *config = atrium_server_get_config (server);
  const char *data_dir = atrium_store_get_data_dir (atrium_server_get_store (server));
  const char *dir = config->backup_directory;
  gint64 now = atrium_clock_now_usec (atrium_server_get_clock (server));
  g_autoptr(GArray) entries = NULL;
  g_autofree char *made = NULL;
  const Entry *full, *last;
  gboolean full_due, incr_due;

  if (made_out != NULL)
    *made_out = NULL;
  if (dir == NULL)
    return TRUE;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, ATRIUM_BACKUP_ERROR, ATRIUM_BACKUP_ERROR_FAILED,
                   "Cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  entries = list_backups (dir, error);
  if (entries == NULL)
    return FALSE;
  full = newest (entries, TRUE);
  last = newest (entries, FALSE);

  /* No full backup at all: one at once, whatever the hour. */
  full_due = full == NULL ||
             (day_of (full->at) < day_of (now) &&
              (now - day_of (now) * USEC_PER_DAY) / (3600 * ATRIUM_USEC_PER_SEC)
              >= config->backup_hour);
  incr_due = !full_due && config->backup_incremental_minutes > 0 &&
             now - last->at >= (gint64) config->backup_incremental_minutes * 60 *
                               ATRIUM_USEC_PER_SEC;
  if (incr_due)
    {
      g_autoptr(GError) local_error = NULL;

      made = atrium_backup_make (data_dir, dir, TRUE, now, &local_error);
      /* A log partly purged or a schema upgraded since: a full backup instead. */
      if (made == NULL)
        {
          g_message ("incremental backup impossible (%s); taking a full one",
                     local_error->message);
          full_due = TRUE;
        }
    }
  if (full_due)
    made = atrium_backup_make (data_dir, dir, FALSE, now, error);
  if ((full_due || incr_due) && made == NULL)
    return FALSE;

  if (made != NULL && config->backup_copy_to != NULL &&
      !copy_to_dir (made, config->backup_copy_to, error))
    return FALSE;
  if (made != NULL && config->backup_copy_command != NULL &&
      config->backup_copy_command[0] != NULL &&
      !copy_by_command (made, config->backup_copy_command, error))
    return FALSE;

  if (!atrium_backup_rotate (dir, now, config->backup_keep_days, NULL, error) ||
      (config->backup_copy_to != NULL &&
       g_file_test (config->backup_copy_to, G_FILE_TEST_IS_DIR) &&
       !atrium_backup_rotate (config->backup_copy_to, now, config->backup_keep_days, NULL,
                              error)))
    return FALSE;
  if (full_due && !purge_log (server, dir, error))
    return FALSE;

  if (made != NULL)
    g_message ("backup: made %s", made);
  if (made_out != NULL)
    *made_out = g_steal_pointer (&made);
  return TRUE;
}

static gboolean
run_tick (gpointer data)
{
  AtriumBackup *self = data;
  g_autoptr(GError) error = NULL;

  if (!atrium_backup_tick (self->server, NULL, &error))
    atrium_server_log_error (self->server, NULL, "backup job: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static gboolean
run_tick_once (gpointer data)
{
  run_tick (data);
  return G_SOURCE_REMOVE;
}

AtriumBackup *
atrium_backup_start (AtriumServer *server)
{
  AtriumBackup *self = g_new0 (AtriumBackup, 1);

  self->server = server;
  self->thread = atrium_loop_thread_new ();
  /* At start (a server that was down at the hour owes a backup), then every minute. */
  atrium_loop_thread_add_timeout (self->thread, 0, run_tick_once, self);
  atrium_loop_thread_add_timeout (self->thread, TICK_SECONDS * 1000, run_tick, self);
  atrium_loop_thread_start (self->thread, "atrium-backup");
  return self;
}

void
atrium_backup_stop (AtriumBackup *self)
{
  if (self == NULL)
    return;
  atrium_loop_thread_free (self->thread);
  g_free (self);
}
