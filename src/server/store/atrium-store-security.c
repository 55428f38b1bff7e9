/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-security.h"

#include "atrium-clock.h"
#include "atrium-store-users.h"

/* Appends each row of @stmt as an object whose members are the column names; integer
 * columns named *_at or until become RFC 3339 text. */
static gboolean
rows_to_json (AtriumDb      *db,
              sqlite3_stmt  *stmt,
              JsonBuilder   *builder,
              GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *name = sqlite3_column_name (stmt, i);

          json_builder_set_member_name (builder, name);
          switch (sqlite3_column_type (stmt, i))
            {
            case SQLITE_NULL:
              json_builder_add_null_value (builder);
              break;
            case SQLITE_INTEGER:
              if (g_str_equal (name, "until"))
                {
                  g_autofree char *text = atrium_time_format_iso8601 (
                    sqlite3_column_int64 (stmt, i) * ATRIUM_USEC_PER_SEC);

                  json_builder_add_string_value (builder, text);
                }
              else if (g_str_equal (name, "blocked"))
                json_builder_add_boolean_value (builder, sqlite3_column_int (stmt, i) != 0);
              else
                json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, i));
              break;
            default:
              json_builder_add_string_value (builder,
                                             (const char *) sqlite3_column_text (stmt, i));
              break;
            }
        }
      json_builder_end_object (builder);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "list", error);
  return TRUE;
}

gboolean
atrium_store_audit_list (AtriumDb     *db,
                         const char   *from,
                         const char   *to,
                         const char   *event,
                         guint         limit,
                         JsonBuilder  *builder,
                         GError      **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT id, at, event, outcome, actor, subject, ip, request_id,"
    " detail FROM audit"
    " WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)"
    " AND (?3 IS NULL OR event = ?3)"
    " ORDER BY id DESC LIMIT ?4;", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, from, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, to, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, event, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, limit);
  return rows_to_json (db, stmt, builder, error);
}

gboolean
atrium_store_events_list (AtriumDb     *db,
                          guint         limit,
                          JsonBuilder  *builder,
                          GError      **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT id, at, event, ip, user_id, request_id, detail, blocked"
    " FROM security_event ORDER BY id DESC LIMIT ?1;", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, limit);
  return rows_to_json (db, stmt, builder, error);
}

gboolean
atrium_store_blocks_list (AtriumDb     *db,
                          gint64        now,
                          JsonBuilder  *builder,
                          GError      **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT ip, until, offences, reason FROM ip_block"
    " WHERE until > ?1 ORDER BY until DESC;", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  return rows_to_json (db, stmt, builder, error);
}

/* The blocks still running, for a server that starts again. */
gboolean
atrium_store_blocks_active (AtriumDb    *db,
                            gint64       now,
                            GHashTable  *ip_to_until,
                            GError     **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (db, "SELECT ip, until FROM ip_block"
    " WHERE until > ?1;", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (ip_to_until, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         GSIZE_TO_POINTER ((gsize) sqlite3_column_int64 (stmt, 1)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "blocks", error);
  return TRUE;
}

gint64
atrium_store_block_remove (AtriumDb    *db,
                           const char  *ip,
                           GError     **error)
{
  return atrium_store_exec_bound (db, "DELETE FROM ip_block WHERE ip = ?1;", error,
                                  's', ip, 0);
}
