/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-backup.h"

#include <glib/gstdio.h>

#define LOG_TRIGGER_PREFIX "atrium_log_"
/* The wall clock in milliseconds, as SQLite sees it: the change log's `at`. */
#define NOW_MS_SQL "CAST ((julianday ('now') - 2440587.5) * 86400000 AS INTEGER)"
#define META_COLUMNS \
  "(kind TEXT NOT NULL, taken_at INTEGER NOT NULL, through_id INTEGER NOT NULL, " \
  "base TEXT, base_through INTEGER, schema_version INTEGER NOT NULL, " \
  "through_at INTEGER NOT NULL)"
#define LOG_SEQ_SQL \
  "coalesce ((SELECT seq FROM main.sqlite_sequence WHERE name = 'change_log'), 0)"
/* The time of that last change: with its id, what tells one history from another. */
#define LOG_SEQ_AT_SQL \
  "coalesce ((SELECT at FROM main.change_log WHERE id = " LOG_SEQ_SQL "), 0)"

void
atrium_backup_meta_clear (AtriumBackupMeta *meta)
{
  g_clear_pointer (&meta->base, g_free);
}

/* ---- the change log's triggers -------------------------------------------------------- */

typedef struct
{
  char     *name;
  gboolean  key;      /* identifies the row in a replayed UPDATE or DELETE */
} Column;

static void
column_clear (gpointer data)
{
  g_free (((Column *) data)->name);
}

static void
append_ident (GString    *out,
              const char *name)
{
  g_string_append_c (out, '"');
  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* @text as an SQL string literal. */
static void
append_literal (GString    *out,
                const char *text)
{
  g_string_append_c (out, '\'');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\'')
        g_string_append_c (out, '\'');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
}

/* Appends `'<text>' || quote (<row>."<column>")`. */
static void
append_value (GString    *out,
              const char *text,
              const char *row,
              const char *column)
{
  append_literal (out, text);
  g_string_append_printf (out, " || quote (%s.", row);
  append_ident (out, column);
  g_string_append (out, ")");
}

/* A row is found again by its primary key; a table without one by all its columns (its
 * rowids are not kept by sqlcipher_export, so they cannot name a row of a restore). */
static GArray *
table_columns (AtriumDb    *db,
               const char  *table,
               GError     **error)
{
  g_autoptr(GString) sql = g_string_new ("PRAGMA table_info (");
  g_autoptr(GArray) columns = g_array_new (FALSE, TRUE, sizeof (Column));
  sqlite3_stmt *stmt = NULL;
  gboolean any_key = FALSE;
  int rc;

  g_array_set_clear_func (columns, column_clear);
  append_ident (sql, table);
  g_string_append (sql, ");");
  rc = sqlite3_prepare_v2 (atrium_db_get_handle (db), sql->str, -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Column column = { g_strdup ((const char *) sqlite3_column_text (stmt, 1)),
                        sqlite3_column_int (stmt, 5) > 0 };

      any_key |= column.key;
      g_array_append_val (columns, column);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "table_info", error);
      return NULL;
    }
  for (guint i = 0; !any_key && i < columns->len; i++)
    g_array_index (columns, Column, i).key = TRUE;
  return g_steal_pointer (&columns);
}

/* ' WHERE "k" IS ' || quote (OLD."k") || ' AND …' */
static void
append_where (GString *out,
              GArray  *columns)
{
  gboolean first = TRUE;

  for (guint i = 0; i < columns->len; i++)
    {
      const Column *c = &g_array_index (columns, Column, i);
      g_autoptr(GString) text = g_string_new (first ? " WHERE " : " AND ");

      if (!c->key)
        continue;
      append_ident (text, c->name);
      g_string_append (text, " IS ");
      g_string_append (out, " || ");
      append_value (out, text->str, "OLD", c->name);
      first = FALSE;
    }
}

static char *
trigger_sql (const char *table,
             GArray     *columns,
             char        op)
{
  g_autoptr(GString) name = g_string_new (LOG_TRIGGER_PREFIX);
  g_autoptr(GString) head = g_string_new (NULL);
  GString *out = g_string_new ("CREATE TRIGGER ");

  g_string_append_printf (name, "%s_%c", table, op);
  append_ident (out, name->str);
  g_string_append (out, op == 'i' ? " AFTER INSERT ON " : op == 'u' ? " AFTER UPDATE ON "
                                                                    : " AFTER DELETE ON ");
  append_ident (out, table);
  g_string_append (out, " BEGIN INSERT INTO change_log (at, sql) VALUES (" NOW_MS_SQL ", ");

  if (op == 'i')
    {
      /* OR REPLACE: a row that REPLACE removed in the original left no DELETE behind. */
      g_string_append (head, "INSERT OR REPLACE INTO ");
      append_ident (head, table);
      g_string_append (head, " (");
      for (guint i = 0; i < columns->len; i++)
        {
          if (i > 0)
            g_string_append (head, ", ");
          append_ident (head, g_array_index (columns, Column, i).name);
        }
      g_string_append (head, ") VALUES (");
      for (guint i = 0; i < columns->len; i++)
        {
          if (i > 0)
            g_string_append (out, " || ");
          append_value (out, i == 0 ? head->str : ", ", "NEW",
                        g_array_index (columns, Column, i).name);
        }
      g_string_append (out, " || ')'");
    }
  else if (op == 'u')
    {
      g_string_append (head, "UPDATE ");
      append_ident (head, table);
      g_string_append (head, " SET ");
      for (guint i = 0; i < columns->len; i++)
        {
          g_autoptr(GString) text = g_string_new (i == 0 ? head->str : ", ");

          append_ident (text, g_array_index (columns, Column, i).name);
          g_string_append (text, " = ");
          if (i > 0)
            g_string_append (out, " || ");
          append_value (out, text->str, "NEW", g_array_index (columns, Column, i).name);
        }
      append_where (out, columns);
    }
  else
    {
      g_string_append (head, "DELETE FROM ");
      append_ident (head, table);
      append_literal (out, head->str);
      append_where (out, columns);
    }
  g_string_append (out, "); END");
  return g_string_free (out, FALSE);
}

/* name → CREATE TRIGGER text, for every table but the log itself. */
static GHashTable *
expected_triggers (AtriumDb  *db,
                   GError   **error)
{
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                          g_free, g_free);
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                           "SELECT name FROM sqlite_master WHERE type = 'table'"
                           " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                           " AND name NOT IN ('change_log', 'atrium_backup');", -1, &stmt,
                           NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "list the tables", error);
      return NULL;
    }

  for (guint i = 0; i < tables->len; i++)
    {
      const char *table = g_ptr_array_index (tables, i);
      g_autoptr(GArray) columns = table_columns (db, table, error);
      const char ops[] = "iud";

      if (columns == NULL)
        return NULL;
      for (guint k = 0; k < 3; k++)
        g_hash_table_insert (expected,
                             g_strdup_printf (LOG_TRIGGER_PREFIX "%s_%c", table, ops[k]),
                             trigger_sql (table, columns, ops[k]));
    }
  return g_steal_pointer (&expected);
}

static GHashTable *
existing_triggers (AtriumDb  *db,
                   gboolean   ours_only,
                   GError   **error)
{
  g_autoptr(GHashTable) existing = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                          g_free, g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                           "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                           " AND (?1 = 0 OR name LIKE 'atrium\\_log\\_%' ESCAPE '\\');", -1,
                           &stmt, NULL);
  if (rc == SQLITE_OK)
    sqlite3_bind_int (stmt, 1, ours_only);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_hash_table_insert (existing, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                           g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "list the triggers", error);
      return NULL;
    }
  return g_steal_pointer (&existing);
}

static gboolean
same_triggers (GHashTable *a,
               GHashTable *b)
{
  GHashTableIter iter;
  gpointer name, sql;

  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &name, &sql))
    if (g_strcmp0 (sql, g_hash_table_lookup (b, name)) != 0)
      return FALSE;
  return TRUE;
}

static gboolean
drop_trigger (AtriumDb    *db,
              const char  *name,
              GError     **error)
{
  g_autoptr(GString) sql = g_string_new ("DROP TRIGGER ");

  append_ident (sql, name);
  return atrium_db_exec (db, sql->str, error);
}

static gboolean
apply_triggers (AtriumDb    *db,
                GHashTable  *expected,
                GHashTable  *existing,
                GError     **error)
{
  GHashTableIter iter;
  gpointer name, sql;

  g_hash_table_iter_init (&iter, existing);
  while (g_hash_table_iter_next (&iter, &name, &sql))
    if (g_strcmp0 (sql, g_hash_table_lookup (expected, name)) != 0 &&
        !drop_trigger (db, name, error))
      return FALSE;
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &name, &sql))
    if (g_strcmp0 (sql, g_hash_table_lookup (existing, name)) != 0 &&
        !atrium_db_exec (db, sql, error))
      return FALSE;
  return TRUE;
}

gboolean
atrium_store_changelog_sync (AtriumDb  *db,
                             GError   **error)
{
  g_autoptr(GHashTable) expected = expected_triggers (db, error);
  g_autoptr(GHashTable) existing = NULL;
  gboolean ok;

  if (expected == NULL || (existing = existing_triggers (db, TRUE, error)) == NULL)
    return FALSE;
  if (same_triggers (expected, existing))
    return TRUE;

  /* Again under the write lock: another process may have done it meanwhile. */
  if (!atrium_db_exec (db, "BEGIN IMMEDIATE;", error))
    return FALSE;
  g_clear_pointer (&expected, g_hash_table_unref);
  g_clear_pointer (&existing, g_hash_table_unref);
  ok = (expected = expected_triggers (db, error)) != NULL &&
       (existing = existing_triggers (db, TRUE, error)) != NULL &&
       apply_triggers (db, expected, existing, error) &&
       atrium_db_exec (db, "COMMIT;", error);
  if (!ok)
    atrium_db_exec (db, "ROLLBACK;", NULL);
  return ok;
}

/* ---- making backups ------------------------------------------------------------------- */

gboolean
atrium_store_backup_full (AtriumDb      *db,
                          const char    *dest,
                          const guint8   key[ATRIUM_DB_KEY_LEN],
                          GError       **error)
{
  int version = atrium_db_get_schema_version (db, error);
  g_autofree char *describe = NULL;

  if (version < 0)
    return FALSE;
  describe = g_strdup_printf ("CREATE TABLE atrium_export.atrium_backup " META_COLUMNS ";"
                              "INSERT INTO atrium_export.atrium_backup VALUES ('full', "
                              NOW_MS_SQL ", " LOG_SEQ_SQL ", NULL, NULL, %d, "
                              LOG_SEQ_AT_SQL ");", version);
  return atrium_db_export_encrypted_with (db, dest, key, describe, error);
}

static gboolean
query_int64 (AtriumDb    *db,
             const char  *sql,
             gint64       param,
             gint64      *out,
             GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (db), sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, param);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return atrium_db_set_error (db, rc, sql, error);
  return TRUE;
}

/* Inside the export's transaction: the log must hold every change since the base. */
static gboolean
check_log_complete (AtriumDb                *db,
                    const AtriumBackupMeta  *base,
                    const char              *base_name,
                    GError                 **error)
{
  gint64 seq = 0, held = 0, at = 0;

  if (!query_int64 (db, "SELECT " LOG_SEQ_SQL ";", 0, &seq, error) ||
      !query_int64 (db, "SELECT count(*) FROM main.change_log WHERE id > ?1;",
                    base->through_id, &held, error) ||
      !query_int64 (db, "SELECT coalesce ((SELECT at FROM main.change_log WHERE id = ?1), 0);",
                    base->through_id, &at, error))
    return FALSE;
  if (seq < base->through_id)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "%s is ahead of this store (restored since?); take a full backup",
                   base_name);
      return FALSE;
    }
  /* After a restore to an older state, new changes take the ids the base's history had:
   * their times differ. */
  if (at != base->through_at_ms)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "The store's history is no longer that of %s (restored since?); take a "
                   "full backup", base_name);
      return FALSE;
    }
  if (held != seq - base->through_id)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "The change log since %s was partly purged; take a full backup",
                   base_name);
      return FALSE;
    }
  return TRUE;
}

gboolean
atrium_store_backup_incremental (AtriumDb                *db,
                                 const char              *dest,
                                 const guint8             key[ATRIUM_DB_KEY_LEN],
                                 const char              *base_name,
                                 const AtriumBackupMeta  *base,
                                 GError                 **error)
{
  int version = atrium_db_get_schema_version (db, error);
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  if (version < 0)
    return FALSE;
  if (version != base->schema_version)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "The schema changed since %s (version %d, now %d); take a full backup",
                   base_name, base->schema_version, version);
      return FALSE;
    }
  if (!atrium_db_create_private_file (dest, TRUE, error))
    return FALSE;
  if (!atrium_db_attach_encrypted (db, dest, "atrium_incr", key, error))
    {
      g_unlink (dest);
      return FALSE;
    }

  if (atrium_db_exec (db, "BEGIN;", error))
    {
      ok = check_log_complete (db, base, base_name, error) &&
           atrium_db_exec (db, "CREATE TABLE atrium_incr.atrium_backup " META_COLUMNS ";"
                           "CREATE TABLE atrium_incr.changes (id INTEGER PRIMARY KEY,"
                           " at INTEGER NOT NULL, sql TEXT NOT NULL);", error);
      if (ok)
        {
          rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                   "INSERT INTO atrium_incr.atrium_backup VALUES"
                                   " ('incremental', " NOW_MS_SQL ", " LOG_SEQ_SQL
                                   ", ?1, ?2, ?3, " LOG_SEQ_AT_SQL ");", -1, &stmt, NULL);
          if (rc == SQLITE_OK)
            {
              sqlite3_bind_text (stmt, 1, base_name, -1, SQLITE_TRANSIENT);
              sqlite3_bind_int64 (stmt, 2, base->through_id);
              sqlite3_bind_int (stmt, 3, version);
              rc = sqlite3_step (stmt);
            }
          sqlite3_finalize (stmt);
          stmt = NULL;
          ok = rc == SQLITE_DONE || atrium_db_set_error (db, rc, "describe", error);
        }
      if (ok)
        {
          rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                   "INSERT INTO atrium_incr.changes SELECT id, at, sql"
                                   " FROM main.change_log WHERE id > ?1;", -1, &stmt, NULL);
          if (rc == SQLITE_OK)
            {
              sqlite3_bind_int64 (stmt, 1, base->through_id);
              rc = sqlite3_step (stmt);
            }
          sqlite3_finalize (stmt);
          ok = rc == SQLITE_DONE || atrium_db_set_error (db, rc, "copy the changes", error);
        }
      ok = ok && atrium_db_exec (db, "COMMIT;", error);
      if (!ok)
        atrium_db_exec (db, "ROLLBACK;", NULL);
    }
  if (!atrium_db_exec (db, "DETACH DATABASE atrium_incr;", ok ? error : NULL))
    ok = FALSE;
  if (!ok)
    g_unlink (dest);
  return ok;
}

gboolean
atrium_store_backup_read_meta (AtriumDb          *backup,
                               AtriumBackupMeta  *meta_out,
                               GError           **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (backup),
                               "SELECT kind, taken_at, through_id, base, base_through,"
                               " schema_version, through_at FROM atrium_backup;", -1, &stmt,
                               NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      meta_out->incremental = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0),
                                         "incremental") == 0;
      meta_out->taken_at_ms = sqlite3_column_int64 (stmt, 1);
      meta_out->through_id = sqlite3_column_int64 (stmt, 2);
      meta_out->base = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      meta_out->base_through = sqlite3_column_int64 (stmt, 4);
      meta_out->schema_version = sqlite3_column_int (stmt, 5);
      meta_out->through_at_ms = sqlite3_column_int64 (stmt, 6);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW || (meta_out->incremental && meta_out->base == NULL))
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "%s is not an Atrium backup", atrium_db_get_path (backup));
      return FALSE;
    }
  return TRUE;
}

/* ---- restoring ------------------------------------------------------------------------ */

static gboolean
drop_all_triggers (AtriumDb    *db,
                   GHashTable  *triggers,
                   GError     **error)
{
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, triggers);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!drop_trigger (db, name, error))
      return FALSE;
  return TRUE;
}

static gboolean
create_all_triggers (AtriumDb    *db,
                     GHashTable  *triggers,
                     GError     **error)
{
  GHashTableIter iter;
  gpointer sql;

  g_hash_table_iter_init (&iter, triggers);
  while (g_hash_table_iter_next (&iter, NULL, &sql))
    if (!atrium_db_exec (db, sql, error))
      return FALSE;
  return TRUE;
}

/* Each change as it was logged, with the triggers gone and no foreign-key actions: the
 * log already holds what the triggers and the cascades did. */
static gint64
replay_changes (AtriumDb    *db,
                AtriumDb    *incremental,
                gint64       until_ms,
                GError     **error)
{
  sqlite3_stmt *read = NULL;
  sqlite3_stmt *log = NULL;
  gint64 n = 0;
  int rc;

  rc = sqlite3_prepare_v2 (atrium_db_get_handle (incremental),
                           "SELECT id, at, sql FROM changes WHERE at <= ?1 ORDER BY id;", -1,
                           &read, NULL);
  if (rc != SQLITE_OK)
    {
      atrium_db_set_error (incremental, rc, "read the changes", error);
      return -1;
    }
  sqlite3_bind_int64 (read, 1, until_ms);
  rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                           "INSERT INTO change_log (id, at, sql) VALUES (?1, ?2, ?3);", -1,
                           &log, NULL);
  if (rc != SQLITE_OK)
    {
      sqlite3_finalize (read);
      atrium_db_set_error (db, rc, "change_log", error);
      return -1;
    }

  while ((rc = sqlite3_step (read)) == SQLITE_ROW)
    {
      const char *sql = (const char *) sqlite3_column_text (read, 2);
      g_autoptr(GError) local_error = NULL;

      if (!atrium_db_exec (db, sql, &local_error))
        {
          g_set_error (error, ATRIUM_DB_ERROR, local_error->code,
                       "Change #%" G_GINT64_FORMAT " does not apply: %s",
                       (gint64) sqlite3_column_int64 (read, 0), local_error->message);
          n = -1;
          break;
        }
      sqlite3_reset (log);
      sqlite3_bind_int64 (log, 1, sqlite3_column_int64 (read, 0));
      sqlite3_bind_int64 (log, 2, sqlite3_column_int64 (read, 1));
      sqlite3_bind_text (log, 3, sql, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (log) != SQLITE_DONE)
        {
          atrium_db_set_error (db, sqlite3_errcode (atrium_db_get_handle (db)), "change_log",
                               error);
          n = -1;
          break;
        }
      n++;
    }
  if (n >= 0 && rc != SQLITE_DONE)
    {
      atrium_db_set_error (incremental, rc, "read the changes", error);
      n = -1;
    }
  sqlite3_finalize (read);
  sqlite3_finalize (log);
  return n;
}

static gboolean
check_references (AtriumDb  *db,
                  GError   **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (db), "PRAGMA foreign_key_check;", -1,
                               &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT,
                 "The restored store has a broken reference (in table %s)",
                 sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    atrium_db_set_error (db, rc, "foreign_key_check", error);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

gint64
atrium_store_backup_replay (AtriumDb  *db,
                            AtriumDb  *incremental,
                            gint64     until_ms,
                            GError   **error)
{
  g_autoptr(GHashTable) triggers = NULL;
  gint64 n = 0;
  gboolean ok;

  if (!atrium_db_exec (db, "PRAGMA foreign_keys = OFF;", error))
    return -1;
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", error);
  if (ok)
    {
      ok = (triggers = existing_triggers (db, FALSE, error)) != NULL &&
           drop_all_triggers (db, triggers, error) &&
           (incremental == NULL || (n = replay_changes (db, incremental, until_ms,
                                                        error)) >= 0) &&
           atrium_db_exec (db, "DROP TABLE atrium_backup;", error) &&
           create_all_triggers (db, triggers, error) &&
           atrium_db_exec (db, "COMMIT;", error);
      if (!ok)
        atrium_db_exec (db, "ROLLBACK;", NULL);
    }
  if (!atrium_db_exec (db, "PRAGMA foreign_keys = ON;", ok ? error : NULL))
    ok = FALSE;
  if (ok && !check_references (db, error))
    ok = FALSE;
  return ok ? n : -1;
}

gboolean
atrium_store_changelog_purge (AtriumDb  *db,
                              gint64     through_id,
                              GError   **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (db, "DELETE FROM change_log WHERE id < ?1;", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, through_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "purge the change log", error);
  return TRUE;
}
