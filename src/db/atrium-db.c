/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-db"

#include "config.h"

#include "atrium-db.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-random.h"

#define BUSY_TIMEOUT_MS 5000

struct _AtriumDb
{
  sqlite3    *handle;
  char       *path;
  char       *cipher_version;
  GHashTable *statements;   /* SQL text → its prepared statement: atrium_db_cached() */
};

G_DEFINE_QUARK (atrium-db-error-quark, atrium_db_error)

static AtriumDbError
code_for_rc (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_NOTADB:     return ATRIUM_DB_ERROR_WRONG_KEY;
    case SQLITE_CORRUPT:    return ATRIUM_DB_ERROR_CORRUPT;
    case SQLITE_CONSTRAINT: return ATRIUM_DB_ERROR_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:     return ATRIUM_DB_ERROR_BUSY;
    default:                return ATRIUM_DB_ERROR_FAILED;
    }
}

/* Always returns FALSE so callers can `return atrium_db_set_error (…)`. */
gboolean
atrium_db_set_error (AtriumDb    *db,
                     int          rc,
                     const char  *what,
                     GError     **error)
{
  const char *detail = db != NULL && db->handle != NULL ? sqlite3_errmsg (db->handle)
                                                        : sqlite3_errstr (rc);

  g_set_error (error, ATRIUM_DB_ERROR, code_for_rc (rc), "%s: %s", what, detail);
  return FALSE;
}

/* Plain SQLite ignores PRAGMA key and writes clear text. libsoup links the system
 * libsqlite3, which exports the same symbols, so prove at every open which one we got. */
gboolean
atrium_db_check_engine (sqlite3  *handle,
                        char    **version_out,
                        GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (handle, "PRAGMA cipher_version;", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    {
      ok = TRUE;
      if (version_out != NULL)
        *version_out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);

  if (!ok)
    g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_SQLCIPHER,
                 "The SQLite engine linked into this program (%s) is not SQLCipher; "
                 "refusing to store data unencrypted", sqlite3_libversion ());
  return ok;
}

/* Whether @path opens as an unencrypted SQLite database. Through SQLite, never with our
 * own open() and close(): closing any descriptor of a file drops every POSIX lock this
 * process holds on it, and other connections here rely on theirs (the classic way to
 * corrupt a SQLite database, and with WAL, a way to see one as corrupt). */
static gboolean
file_is_plain_sqlite (const char *path)
{
  sqlite3 *handle = NULL;
  gboolean plain;

  plain = sqlite3_open_v2 (path, &handle, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
          sqlite3_exec (handle, "SELECT count(*) FROM sqlite_master;", NULL, NULL, NULL)
          == SQLITE_OK;
  sqlite3_close (handle);
  return plain;
}

/* SQLite creates the file with 0644 & ~umask; its -wal and -shm copy the main file's
 * mode, so creating it 0600 first keeps all three private. */
gboolean
atrium_db_create_private_file (const char  *path,
                               gboolean     must_not_exist,
                               GError     **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_CLOEXEC | (must_not_exist ? O_EXCL : 0), 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, ATRIUM_DB_ERROR,
                   saved == EEXIST ? ATRIUM_DB_ERROR_EXISTS : ATRIUM_DB_ERROR_FAILED,
                   "Cannot create %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static char *
key_pragma_value (const guint8 key[ATRIUM_DB_KEY_LEN])
{
  g_autofree char *hex = atrium_hex_encode (key, ATRIUM_DB_KEY_LEN);
  char *value = g_strdup_printf ("x'%s'", hex);

  atrium_secure_zero (hex, strlen (hex));
  return value;
}

static gboolean
apply_key (sqlite3       *handle,
           const guint8   key[ATRIUM_DB_KEY_LEN])
{
  char *value = key_pragma_value (key);
  char *sql = g_strdup_printf ("PRAGMA key = \"%s\";", value);
  int rc = sqlite3_exec (handle, sql, NULL, NULL, NULL);

  atrium_secure_free_string (sql);
  atrium_secure_free_string (value);
  return rc == SQLITE_OK;
}

static gboolean
query_text (AtriumDb    *db,
            const char  *sql,
            char       **out,
            GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db->handle, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, sql, error);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  *out = rc == SQLITE_ROW ? g_strdup ((const char *) sqlite3_column_text (stmt, 0)) : NULL;
  sqlite3_finalize (stmt);
  return TRUE;
}

AtriumDb *
atrium_db_open (const char         *path,
                const guint8        key[ATRIUM_DB_KEY_LEN],
                AtriumDbOpenFlags   flags,
                GError            **error)
{
  g_autoptr(AtriumDb) db = g_new0 (AtriumDb, 1);
  g_autofree char *journal = NULL;
  gboolean exists;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  db->path = g_strdup (path);

  /* Check the engine on a scratch connection before a file is touched. */
  rc = sqlite3_open_v2 (":memory:", &db->handle, SQLITE_OPEN_READWRITE, NULL);
  if (rc != SQLITE_OK)
    {
      atrium_db_set_error (db, rc, "Cannot open SQLite", error);
      return NULL;
    }
  if (!atrium_db_check_engine (db->handle, NULL, error))
    return NULL;
  sqlite3_close (g_steal_pointer (&db->handle));

  exists = g_file_test (path, G_FILE_TEST_EXISTS);
  if (!exists && (!(flags & ATRIUM_DB_OPEN_CREATE) || (flags & ATRIUM_DB_OPEN_READONLY)))
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "%s does not exist", path);
      return NULL;
    }
  if (!exists && !atrium_db_create_private_file (path, TRUE, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &db->handle,
                        ((flags & ATRIUM_DB_OPEN_READONLY) ? SQLITE_OPEN_READONLY
                                                           : SQLITE_OPEN_READWRITE) |
                        SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      atrium_db_set_error (db, rc, path, error);
      return NULL;
    }
  sqlite3_extended_result_codes (db->handle, 1);

  if (!apply_key (db->handle, key))
    {
      atrium_db_set_error (db, SQLITE_ERROR, "Cannot set the key", error);
      return NULL;
    }
  if (!atrium_db_check_engine (db->handle, &db->cipher_version, error))
    return NULL;

  /* The first read decides: with a wrong key it fails with SQLITE_NOTADB, before any
   * pragma below could write to the file. */
  rc = sqlite3_exec (db->handle, "SELECT count(*) FROM sqlite_master;", NULL, NULL, NULL);
  if ((rc & 0xff) == SQLITE_NOTADB)
    {
      if (file_is_plain_sqlite (path))
        g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_ENCRYPTED,
                     "%s is a plain-text SQLite database, not an encrypted one", path);
      else
        g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_WRONG_KEY,
                     "The key does not open %s (wrong key, or not an Atrium database)", path);
      return NULL;
    }
  if (rc != SQLITE_OK)
    {
      atrium_db_set_error (db, rc, path, error);
      return NULL;
    }

  sqlite3_busy_timeout (db->handle, BUSY_TIMEOUT_MS);
  if (flags & ATRIUM_DB_OPEN_READONLY)
    return g_steal_pointer (&db);
  if (!atrium_db_exec (db, "PRAGMA foreign_keys = ON;", error) ||
      !atrium_db_exec (db, "PRAGMA temp_store = MEMORY;", error) ||
      !atrium_db_exec (db, (flags & ATRIUM_DB_OPEN_DURABLE) ? "PRAGMA synchronous = FULL;"
                                                             : "PRAGMA synchronous = NORMAL;",
                       error) ||
      !query_text (db, "PRAGMA journal_mode = WAL;", &journal, error))
    return NULL;
  if (g_strcmp0 (journal, "wal") != 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "%s: cannot switch to WAL (journal mode is %s)", path,
                   journal != NULL ? journal : "unknown");
      return NULL;
    }

  return g_steal_pointer (&db);
}

void
atrium_db_close (AtriumDb *db)
{
  if (db == NULL)
    return;
  g_clear_pointer (&db->statements, g_hash_table_unref);
  if (db->handle != NULL && sqlite3_close (db->handle) != SQLITE_OK)
    {
      g_warning ("%s: statements left unfinalised at close", db->path);
      sqlite3_close_v2 (db->handle);
    }
  g_free (db->path);
  g_free (db->cipher_version);
  g_free (db);
}

/* ---- prepared statements, kept ------------------------------------------------------ */

/* Compiling a statement cost a third of a booking's time on the writer (perf, see
 * tools/bench/README.md): statements run often are kept per connection. */
#define STATEMENTS_MAX 128

static void
statement_free (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

/* A statement being stepped by a caller stays, whatever the cache's size. */
static gboolean
statement_idle (gpointer key,
                gpointer stmt,
                gpointer user_data)
{
  return !sqlite3_stmt_busy (stmt);
}

/* The statement for @sql on @db, compiled once and kept until the connection closes:
 * reset, its bindings cleared. It stays the connection's: never finalize it, and reset it
 * once stepped (a statement left mid-way holds its read transaction open). Only for
 * statements that are stepped to their end before the same SQL is asked for again. */
sqlite3_stmt *
atrium_db_cached (AtriumDb    *db,
                  const char  *sql,
                  GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (db->statements == NULL)
    db->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, statement_free);
  stmt = g_hash_table_lookup (db->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  rc = sqlite3_prepare_v2 (db->handle, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      atrium_db_set_error (db, rc, "prepare", error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  if (g_hash_table_size (db->statements) >= STATEMENTS_MAX)   /* SQL made on the fly */
    g_hash_table_foreach_remove (db->statements, statement_idle, NULL);
  g_hash_table_insert (db->statements, g_strdup (sql), stmt);
  return stmt;
}

sqlite3 *
atrium_db_get_handle (AtriumDb *db)
{
  g_return_val_if_fail (db != NULL, NULL);

  return db->handle;
}

const char *
atrium_db_get_path (AtriumDb *db)
{
  g_return_val_if_fail (db != NULL, NULL);

  return db->path;
}

const char *
atrium_db_get_cipher_version (AtriumDb *db)
{
  g_return_val_if_fail (db != NULL, NULL);

  return db->cipher_version;
}

gboolean
atrium_db_exec (AtriumDb    *db,
                const char  *sql,
                GError     **error)
{
  char *message = NULL;
  int rc = sqlite3_exec (db->handle, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, ATRIUM_DB_ERROR, code_for_rc (rc), "%s",
                   message != NULL ? message : sqlite3_errstr (rc));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

int
atrium_db_get_schema_version (AtriumDb  *db,
                              GError   **error)
{
  g_autofree char *text = NULL;

  if (!query_text (db, "PRAGMA user_version;", &text, error))
    return -1;
  return text != NULL ? (int) g_ascii_strtoll (text, NULL, 10) : 0;
}

static int
latest_version (const AtriumMigration *migrations,
                guint                  n_migrations)
{
  return n_migrations > 0 ? migrations[n_migrations - 1].version : 0;
}

static gboolean
check_not_newer (AtriumDb  *db,
                 int        current,
                 int        latest,
                 GError   **error)
{
  if (current <= latest)
    return TRUE;
  g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_TOO_NEW,
               "%s has schema version %d; this program knows versions up to %d. "
               "Use a newer Atrium", db->path, current, latest);
  return FALSE;
}

/* Applies each migration newer than the file's user_version in its own transaction,
 * together with the new version number: a failure leaves the previous state whole. */
gboolean
atrium_db_migrate (AtriumDb              *db,
                   const AtriumMigration *migrations,
                   guint                  n_migrations,
                   int                   *applied_out,
                   GError               **error)
{
  int latest = latest_version (migrations, n_migrations);
  int applied = 0;

  for (guint i = 0; i < n_migrations; i++)
    g_return_val_if_fail (migrations[i].version == (int) i + 1, FALSE);

  for (guint i = 0; i < n_migrations; i++)
    {
      const AtriumMigration *m = &migrations[i];
      g_autofree char *set_version = NULL;
      g_autoptr(GError) local_error = NULL;
      int current;

      /* IMMEDIATE takes the write lock first, so two processes never apply one step twice. */
      if (!atrium_db_exec (db, "BEGIN IMMEDIATE;", error))
        return FALSE;
      current = atrium_db_get_schema_version (db, error);
      if (current < 0)
        goto rollback;
      if (!check_not_newer (db, current, latest, error))
        goto rollback;
      if (current >= m->version)
        {
          if (!atrium_db_exec (db, "COMMIT;", error))
            return FALSE;
          continue;
        }

      set_version = g_strdup_printf ("PRAGMA user_version = %d;", m->version);
      if (!atrium_db_exec (db, m->sql, &local_error))
        {
          g_set_error (error, ATRIUM_DB_ERROR, local_error->code,
                       "Migration %d failed: %s", m->version, local_error->message);
          goto rollback;
        }
      if (!atrium_db_exec (db, set_version, error) || !atrium_db_exec (db, "COMMIT;", error))
        goto rollback;
      applied++;
      g_debug ("%s: migrated to schema version %d", db->path, m->version);
      continue;

    rollback:
      atrium_db_exec (db, "ROLLBACK;", NULL);
      return FALSE;
    }

  /* With no migration at all the loop above never looked at the version. */
  if (n_migrations == 0)
    {
      int current = atrium_db_get_schema_version (db, error);

      if (current < 0 || !check_not_newer (db, current, latest, error))
        return FALSE;
    }

  if (applied_out != NULL)
    *applied_out = applied;
  return TRUE;
}

gboolean
atrium_db_integrity_check (AtriumDb  *db,
                           GError   **error)
{
  sqlite3_stmt *stmt = NULL;
  GString *problems = g_string_new (NULL);
  int rc = sqlite3_prepare_v2 (db->handle, "PRAGMA integrity_check;", -1, &stmt, NULL);
  gboolean ok;

  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (line, "ok") != 0)
        g_string_append_printf (problems, "%s%s", problems->len > 0 ? "; " : "", line);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    ok = atrium_db_set_error (db, rc, "integrity_check", error);
  else if (problems->len > 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CORRUPT,
                   "%s is damaged: %s", db->path, problems->str);
      ok = FALSE;
    }
  else
    ok = TRUE;
  g_string_free (problems, TRUE);
  return ok;
}

/* ATTACH @path AS @schema under @key (the file is created when missing). @schema is
 * the caller's constant, never outside input. */
gboolean
atrium_db_attach_encrypted (AtriumDb      *db,
                            const char    *path,
                            const char    *schema,
                            const guint8   key[ATRIUM_DB_KEY_LEN],
                            GError       **error)
{
  g_autofree char *sql = g_strdup_printf ("ATTACH DATABASE ?1 AS %s KEY ?2;", schema);
  sqlite3_stmt *stmt = NULL;
  char *key_value = key_pragma_value (key);
  int rc = sqlite3_prepare_v2 (db->handle, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, key_value, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  atrium_secure_free_string (key_value);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "Cannot attach the copy", error);
  return TRUE;
}

gboolean
atrium_db_export_encrypted (AtriumDb     *db,
                            const char   *dest_path,
                            const guint8  dest_key[ATRIUM_DB_KEY_LEN],
                            GError      **error)
{
  return atrium_db_export_encrypted_with (db, dest_path, dest_key, NULL, error);
}

/* A consistent encrypted copy of a live database under @dest_key, made by SQLCipher
 * itself (ATTACH … KEY + sqlcipher_export), never by copying the file. One transaction:
 * sqlcipher_export copies table by table, and a writer committing in between would
 * otherwise leave a copy no moment of the database ever looked like. */
gboolean
atrium_db_export_encrypted_with (AtriumDb     *db,
                                 const char   *dest_path,
                                 const guint8  dest_key[ATRIUM_DB_KEY_LEN],
                                 const char   *extra_sql,
                                 GError      **error)
{
  g_autofree char *set_version = NULL;
  gboolean ok = FALSE;
  int version;

  version = atrium_db_get_schema_version (db, error);
  if (version < 0 || !atrium_db_create_private_file (dest_path, TRUE, error))
    return FALSE;
  if (!atrium_db_attach_encrypted (db, dest_path, "atrium_export", dest_key, error))
    {
      g_unlink (dest_path);
      return FALSE;
    }

  set_version = g_strdup_printf ("PRAGMA atrium_export.user_version = %d;", version);
  if (atrium_db_exec (db, "BEGIN;", error))
    {
      ok = atrium_db_exec (db, "SELECT sqlcipher_export('atrium_export');", error) &&
           atrium_db_exec (db, set_version, error) &&
           (extra_sql == NULL || atrium_db_exec (db, extra_sql, error)) &&
           atrium_db_exec (db, "COMMIT;", error);
      if (!ok)
        atrium_db_exec (db, "ROLLBACK;", NULL);
    }

  if (!atrium_db_exec (db, "DETACH DATABASE atrium_export;", ok ? error : NULL))
    ok = FALSE;
  if (!ok)
    g_unlink (dest_path);
  return ok;
}
