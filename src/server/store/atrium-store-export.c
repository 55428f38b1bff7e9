/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-export.h"

#include <string.h>

#include "atrium-clock.h"
#include "atrium-store-users.h"

/* ---- the registry ---------------------------------------------------------------------- */

/* occupancy: the five-minute statistics of every space, then of every queue, each
 * oldest first, with their site. CROSS JOIN keeps the owner as the outer loop, so rows
 * come out of the (owner, start) index already in order: nothing is sorted in memory. */
static const AtriumExportColumn occupancy_columns[] = {
  { "site_id", ATRIUM_EXPORT_INTEGER },
  { "site", ATRIUM_EXPORT_TEXT },
  { "kind", ATRIUM_EXPORT_TEXT },
  { "target_id", ATRIUM_EXPORT_INTEGER },
  { "target", ATRIUM_EXPORT_TEXT },
  { "capacity", ATRIUM_EXPORT_INTEGER },
  { "start", ATRIUM_EXPORT_TIME },
  { "entries", ATRIUM_EXPORT_INTEGER },
  { "exits", ATRIUM_EXPORT_INTEGER },
  { "peak", ATRIUM_EXPORT_INTEGER },
  { "mean_occupancy", ATRIUM_EXPORT_REAL },
  { "mean_wait_seconds", ATRIUM_EXPORT_REAL },
  { "wait_samples", ATRIUM_EXPORT_INTEGER },
};

static const char * const occupancy_queries[] = {
  "SELECT si.id, si.name, 'space', o.id, o.name, o.capacity, b.start, b.entries, b.exits,"
  "       b.peak, round (b.area / 300.0, 2),"
  "       CASE WHEN b.wait_n > 0 THEN round (b.wait_sum / b.wait_n, 1) END, b.wait_n"
  "  FROM space o CROSS JOIN stat_bucket b ON b.space_id = o.id"
  "       CROSS JOIN site si ON si.id = o.site_id"
  " WHERE b.start >= ?1 AND b.start < ?2 AND @SITES@"
  " ORDER BY o.id, b.start;",
  "SELECT si.id, si.name, 'queue', o.id, o.name, NULL, b.start, b.entries, b.exits,"
  "       b.peak, round (b.area / 300.0, 2),"
  "       CASE WHEN b.wait_n > 0 THEN round (b.wait_sum / b.wait_n, 1) END, b.wait_n"
  "  FROM queue o CROSS JOIN stat_bucket b ON b.queue_id = o.id"
  "       CROSS JOIN site si ON si.id = o.site_id"
  " WHERE b.start >= ?1 AND b.start < ?2 AND @SITES@"
  " ORDER BY o.id, b.start;",
  NULL
};

/* users: who has an account and with which roles. Never a password hash, a TOTP seed
 * or anything else secret: the columns are listed, never `*`. */
static const AtriumExportColumn users_columns[] = {
  { "id", ATRIUM_EXPORT_INTEGER },
  { "name", ATRIUM_EXPORT_TEXT },
  { "email", ATRIUM_EXPORT_TEXT },
  { "phone", ATRIUM_EXPORT_TEXT },
  { "roles", ATRIUM_EXPORT_TEXT },
  { "totp", ATRIUM_EXPORT_INTEGER },
  { "disabled", ATRIUM_EXPORT_INTEGER },
  { "created_at", ATRIUM_EXPORT_TIME },
  { "password_changed_at", ATRIUM_EXPORT_TIME },
};

static const char * const users_queries[] = {
  "SELECT u.id, u.name, u.email, u.phone,"
  /* global roles, then grants per site ("admin manager:1 staff:2"), each in the order
   * of its (partial) index: no sort */
  "       (SELECT group_concat (grant_text, ' ') FROM"
  "          (SELECT r.role AS grant_text FROM user_role r"
  "            WHERE r.user_id = u.id AND r.site_id IS NULL"
  "           UNION ALL"
  "           SELECT r.role || ':' || r.site_id FROM user_role r"
  "            WHERE r.user_id = u.id AND r.site_id IS NOT NULL)),"
  "       u.totp_confirmed, u.disabled, u.created_at, u.password_changed_at"
  "  FROM user u"
  " WHERE u.created_at >= ?1 AND u.created_at < ?2"
  " ORDER BY u.id;",
  NULL
};

/* audit: the trail as stored, with its chain so that a copy can be checked. */
static const AtriumExportColumn audit_columns[] = {
  { "id", ATRIUM_EXPORT_INTEGER },
  { "at", ATRIUM_EXPORT_TEXT },
  { "event", ATRIUM_EXPORT_TEXT },
  { "outcome", ATRIUM_EXPORT_TEXT },
  { "actor", ATRIUM_EXPORT_TEXT },
  { "subject", ATRIUM_EXPORT_TEXT },
  { "ip", ATRIUM_EXPORT_TEXT },
  { "request_id", ATRIUM_EXPORT_TEXT },
  { "detail", ATRIUM_EXPORT_TEXT },
  { "prev_hash", ATRIUM_EXPORT_TEXT },
  { "hash", ATRIUM_EXPORT_TEXT },
};

static const char * const audit_queries[] = {
  "SELECT id, at, event, outcome, actor, subject, ip, request_id, detail, prev_hash, hash"
  "  FROM audit WHERE at >= ?1 AND at < ?2 ORDER BY id;",
  NULL
};

/* bookings: by start, then id, straight out of booking_starts (the rowid ends every
 * index). An anonymised booking has no user: its user columns are empty, and its
 * resource, times and status still count. Never an email address. */
static const AtriumExportColumn bookings_columns[] = {
  { "id", ATRIUM_EXPORT_INTEGER },
  { "site_id", ATRIUM_EXPORT_INTEGER },
  { "site", ATRIUM_EXPORT_TEXT },
  { "resource_id", ATRIUM_EXPORT_INTEGER },
  { "resource", ATRIUM_EXPORT_TEXT },
  { "resource_type", ATRIUM_EXPORT_TEXT },
  { "starts", ATRIUM_EXPORT_TIME },
  { "ends", ATRIUM_EXPORT_TIME },
  { "status", ATRIUM_EXPORT_TEXT },
  { "group_size", ATRIUM_EXPORT_INTEGER },
  { "created_at", ATRIUM_EXPORT_TIME },
  { "cancelled_at", ATRIUM_EXPORT_TIME },
  { "check_in_at", ATRIUM_EXPORT_TIME },
  { "anonymised_at", ATRIUM_EXPORT_TIME },
  { "user_id", ATRIUM_EXPORT_INTEGER },
  { "user", ATRIUM_EXPORT_TEXT },
};

static const char * const bookings_queries[] = {
  "SELECT b.id, r.site_id, si.name, r.id, r.name, r.type, b.starts, b.ends, b.status,"
  "       b.group_size, b.created_at, b.cancelled_at, b.check_in_at, b.anonymised_at,"
  "       b.user_id, u.name"
  "  FROM booking b CROSS JOIN resource r ON r.id = b.resource_id"
  "       CROSS JOIN site si ON si.id = r.site_id"
  "       LEFT JOIN user u ON u.id = b.user_id"
  " WHERE b.starts >= ?1 AND b.starts < ?2 AND @SITES@"
  " ORDER BY b.starts, b.id;",
  NULL
};

#define COLUMNS(array) array, G_N_ELEMENTS (array)

static const AtriumExportTable tables[] = {
  { "occupancy", ATRIUM_ROLE_REPORTING | ATRIUM_ROLE_ADMIN, ATRIUM_ROLE_MANAGER, "o.site_id",
    FALSE, COLUMNS (occupancy_columns), occupancy_queries },
  { "bookings", ATRIUM_ROLE_REPORTING | ATRIUM_ROLE_ADMIN, ATRIUM_ROLE_MANAGER, "r.site_id",
    FALSE, COLUMNS (bookings_columns), bookings_queries },
  { "users", ATRIUM_ROLE_ADMIN, 0, NULL, FALSE, COLUMNS (users_columns), users_queries },
  { "audit", ATRIUM_ROLE_ADMIN, 0, NULL, TRUE, COLUMNS (audit_columns), audit_queries },
};

const AtriumExportTable *
atrium_store_export_tables (guint *n_tables)
{
  *n_tables = G_N_ELEMENTS (tables);
  return tables;
}

const AtriumExportTable *
atrium_store_export_find (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (tables); i++)
    if (strcmp (tables[i].name, name) == 0)
      return &tables[i];
  return NULL;
}

/* ---- reading ------------------------------------------------------------------------- */

struct _AtriumExportCursor
{
  AtriumDb                *db;
  const AtriumExportTable *table;
  GPtrArray               *sql;        /* each query, @SITES@ replaced */
  guint                    next_query;
  sqlite3_stmt            *stmt;       /* the query being read */
  gboolean                 in_transaction;
  gint64                   from;
  gint64                   to;
};

/* "+o.site_id IN (1,2)": the ids are numbers we format, never text from a request. The
 * unary plus keeps SQLite from reading the rows through an index on the site (space's
 * UNIQUE (site_id, name)), which would order them by site and name and cost a sort. */
static char *
sites_clause (const AtriumExportTable *table,
              GArray                  *sites)
{
  GString *clause;

  if (table->site_column == NULL || sites == NULL)
    return g_strdup ("1");
  if (sites->len == 0)
    return g_strdup ("0");
  clause = g_string_new (NULL);
  g_string_append_printf (clause, "+%s IN (", table->site_column);
  for (guint i = 0; i < sites->len; i++)
    g_string_append_printf (clause, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            g_array_index (sites, gint64, i));
  g_string_append_c (clause, ')');
  return g_string_free (clause, FALSE);
}

GPtrArray *
atrium_store_export_sql (const AtriumExportTable *table,
                         GArray                  *sites)
{
  g_autofree char *clause = sites_clause (table, sites);
  GPtrArray *sql = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; table->queries[i] != NULL; i++)
    {
      g_autoptr(GString) text = g_string_new (table->queries[i]);

      g_string_replace (text, "@SITES@", clause, 0);
      g_ptr_array_add (sql, g_string_free (g_steal_pointer (&text), FALSE));
    }
  return sql;
}

/* The bounds of the audit trail's text times; "" and "~" sort before and after them. */
static char *
text_bound (gint64 seconds)
{
  if (seconds == ATRIUM_EXPORT_FROM_ANY)
    return g_strdup ("");
  if (seconds == ATRIUM_EXPORT_TO_ANY)
    return g_strdup ("~");
  return atrium_time_format_iso8601 (seconds * ATRIUM_USEC_PER_SEC);
}

static gboolean
start_query (AtriumExportCursor  *cursor,
             GError             **error)
{
  const char *sql = cursor->sql->pdata[cursor->next_query++];

  cursor->stmt = atrium_store_prepare (cursor->db, sql, error);
  if (cursor->stmt == NULL)
    return FALSE;
  if (cursor->table->text_times)
    {
      sqlite3_bind_text (cursor->stmt, 1, text_bound (cursor->from), -1, g_free);
      sqlite3_bind_text (cursor->stmt, 2, text_bound (cursor->to), -1, g_free);
    }
  else
    {
      sqlite3_bind_int64 (cursor->stmt, 1, cursor->from);
      sqlite3_bind_int64 (cursor->stmt, 2, cursor->to);
    }
  return TRUE;
}

AtriumExportCursor *
atrium_store_export_open (AtriumDb                *db,
                          const AtriumExportTable *table,
                          gint64                   from,
                          gint64                   to,
                          GArray                  *sites,
                          GError                 **error)
{
  g_autoptr(AtriumExportCursor) cursor = g_new0 (AtriumExportCursor, 1);

  cursor->db = db;
  cursor->table = table;
  cursor->from = from;
  cursor->to = to;
  cursor->sql = atrium_store_export_sql (table, sites);
  /* Several queries, one snapshot. */
  if (!atrium_db_exec (db, "BEGIN;", error))
    return NULL;
  cursor->in_transaction = TRUE;
  if (!start_query (cursor, error))
    return NULL;
  return g_steal_pointer (&cursor);
}

gboolean
atrium_store_export_next (AtriumExportCursor  *cursor,
                          gboolean            *have_row,
                          GError             **error)
{
  *have_row = FALSE;
  while (cursor->stmt != NULL)
    {
      int rc = sqlite3_step (cursor->stmt);

      if (rc == SQLITE_ROW)
        {
          *have_row = TRUE;
          return TRUE;
        }
      g_clear_pointer (&cursor->stmt, sqlite3_finalize);
      if (rc != SQLITE_DONE)
        return atrium_db_set_error (cursor->db, rc, "export", error);
      if (cursor->next_query < cursor->sql->len && !start_query (cursor, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
atrium_store_export_is_null (AtriumExportCursor *cursor,
                             guint               column)
{
  return sqlite3_column_type (cursor->stmt, (int) column) == SQLITE_NULL;
}

/* Valid until the next call on @cursor. */
const char *
atrium_store_export_text (AtriumExportCursor *cursor,
                          guint               column)
{
  const char *text = (const char *) sqlite3_column_text (cursor->stmt, (int) column);

  return text != NULL ? text : "";
}

gint64
atrium_store_export_integer (AtriumExportCursor *cursor,
                             guint               column)
{
  return sqlite3_column_int64 (cursor->stmt, (int) column);
}

double
atrium_store_export_real (AtriumExportCursor *cursor,
                          guint               column)
{
  return sqlite3_column_double (cursor->stmt, (int) column);
}

/* Ends the read transaction (nothing was written in it). */
void
atrium_store_export_close (AtriumExportCursor *cursor)
{
  if (cursor == NULL)
    return;
  g_clear_pointer (&cursor->stmt, sqlite3_finalize);
  if (cursor->in_transaction)
    atrium_db_exec (cursor->db, "COMMIT;", NULL);
  g_ptr_array_unref (cursor->sql);
  g_free (cursor);
}
