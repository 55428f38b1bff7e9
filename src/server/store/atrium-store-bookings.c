/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-bookings.h"

#include <string.h>

#include "atrium-store-users.h"

static char *
text_or_null (sqlite3_stmt *stmt,
              int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Every statement here is the connection's (atrium_db_cached): reset, never finalized. */
static gboolean
done (AtriumDb      *db,
      sqlite3_stmt  *stmt,
      int            rc,
      const char    *what,
      GError       **error)
{
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, what, error);
  return TRUE;
}

static gboolean
not_found (GError     **error,
           const char  *what)
{
  g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND, "There is no such %s", what);
  return FALSE;
}

/* The row of @id that @sql selects, read by @from_row; NOT_FOUND names @what. */
static gpointer
get_one (AtriumDb     *db,
         const char   *sql,
         gint64        id,
         gpointer    (*from_row) (sqlite3_stmt *),
         const char   *what,
         GError      **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (db, sql, error);
  gpointer row = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    row = from_row (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    not_found (error, what);
  else if (rc != SQLITE_ROW)
    atrium_db_set_error (db, rc, what, error);
  return row;
}

/* ---- resources ----------------------------------------------------------------------- */

void
atrium_resource_free (AtriumResource *resource)
{
  if (resource == NULL)
    return;
  g_free (resource->type);
  g_free (resource->name);
  g_free (resource->description);
  g_free (resource->attributes);
  g_free (resource);
}

#define RESOURCE_COLUMNS \
  "SELECT id, site_id, ifnull (space_id, 0), type, name, description, capacity, attributes" \
  " FROM resource"

static gpointer
resource_from_row (sqlite3_stmt *stmt)
{
  AtriumResource *resource = g_new0 (AtriumResource, 1);

  resource->id = sqlite3_column_int64 (stmt, 0);
  resource->site_id = sqlite3_column_int64 (stmt, 1);
  resource->space_id = sqlite3_column_int64 (stmt, 2);
  resource->type = text_or_null (stmt, 3);
  resource->name = text_or_null (stmt, 4);
  resource->description = text_or_null (stmt, 5);
  resource->capacity = (guint) sqlite3_column_int (stmt, 6);
  resource->attributes = text_or_null (stmt, 7);
  return resource;
}

AtriumResource *
atrium_store_resource_get (AtriumDb  *db,
                           gint64     id,
                           GError   **error)
{
  return get_one (db, RESOURCE_COLUMNS " WHERE id = ?1;", id, resource_from_row, "resource",
                  error);
}

GPtrArray *
atrium_store_resources_list (AtriumDb    *db,
                             gint64       site_id,
                             const char  *type,
                             GError     **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (
    db, RESOURCE_COLUMNS " WHERE (?1 = 0 OR site_id = ?1) AND (?2 IS NULL OR type = ?2)"
    " ORDER BY site_id, id;", error);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (
    (GDestroyNotify) atrium_resource_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, site_id);
  if (type != NULL)
    sqlite3_bind_text (stmt, 2, type, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, resource_from_row (stmt));
  if (!done (db, stmt, rc, "resources", error))
    return NULL;
  return g_steal_pointer (&list);
}

gboolean
atrium_store_resource_set_description (AtriumDb    *db,
                                       gint64       id,
                                       const char  *description,
                                       GError     **error)
{
  gint64 changed = atrium_store_exec_bound (db, "UPDATE resource SET description = ?2"
                                            " WHERE id = ?1;", error, 'i', id,
                                            's', description, 0);

  if (changed == 0)
    return not_found (error, "resource");
  return changed > 0;
}

gboolean
atrium_store_resource_update (AtriumDb              *db,
                              const AtriumResource  *resource,
                              GError               **error)
{
  gint64 changed = atrium_store_exec_bound (db, "UPDATE resource SET space_id = nullif (?2, 0),"
                                            " name = ?3, description = ?4, capacity = ?5,"
                                            " attributes = ?6 WHERE id = ?1;", error,
                                            'i', resource->id, 'i', resource->space_id,
                                            's', resource->name, 's', resource->description,
                                            'i', (gint64) resource->capacity,
                                            's', resource->attributes, 0);

  if (changed == 0)
    return not_found (error, "resource");
  return changed > 0;
}

/* ---- rules --------------------------------------------------------------------------- */

gboolean
atrium_store_rules_get (AtriumDb            *db,
                        gint64               site_id,
                        const char          *type,
                        AtriumBookingRules  *rules,
                        GError             **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (
    db, "SELECT slot_minutes, min_minutes, max_minutes, ahead_days, ifnull (per_day, -1),"
    " ifnull (per_week, -1), min_group FROM booking_rule WHERE site_id = ?1 AND type = ?2;",
    error);
  int rc;

  atrium_booking_rules_init_default (rules, type);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, site_id);
  sqlite3_bind_text (stmt, 2, type, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      rules->slot_minutes = (guint) sqlite3_column_int (stmt, 0);
      rules->min_minutes = (guint) sqlite3_column_int (stmt, 1);
      rules->max_minutes = (guint) sqlite3_column_int (stmt, 2);
      rules->ahead_days = (guint) sqlite3_column_int (stmt, 3);
      rules->per_day = sqlite3_column_int (stmt, 4);
      rules->per_week = sqlite3_column_int (stmt, 5);
      rules->min_group = (guint) sqlite3_column_int (stmt, 6);
      rules->is_default = FALSE;
      rc = SQLITE_DONE;
    }
  return done (db, stmt, rc, "booking rules", error);
}

/* The whole row is replaced: "insert or replace" (no UPSERT in SQLite 3.15). */
gboolean
atrium_store_rules_put (AtriumDb                  *db,
                        gint64                     site_id,
                        const AtriumBookingRules  *rules,
                        GError                   **error)
{
  return atrium_store_exec_bound (db, "INSERT OR REPLACE INTO booking_rule (site_id, type,"
                                  " slot_minutes, min_minutes, max_minutes, ahead_days, per_day,"
                                  " per_week, min_group) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                                  " nullif (?7, -1), nullif (?8, -1), ?9);", error,
                                  'i', site_id, 's', rules->type,
                                  'i', (gint64) rules->slot_minutes,
                                  'i', (gint64) rules->min_minutes,
                                  'i', (gint64) rules->max_minutes,
                                  'i', (gint64) rules->ahead_days, 'i', (gint64) rules->per_day,
                                  'i', (gint64) rules->per_week, 'i', (gint64) rules->min_group,
                                  0) >= 0;
}

/* ---- bookings ------------------------------------------------------------------------ */

void
atrium_booking_free (AtriumBooking *booking)
{
  if (booking == NULL)
    return;
  g_free (booking->resource_name);
  g_free (booking->resource_type);
  g_free (booking->user_name);
  g_free (booking->site_name);
  g_free (booking->space_name);
  g_free (booking);
}

#define BOOKING_COLUMNS \
  "SELECT b.id, b.resource_id, ifnull (b.user_id, 0), ifnull (b.created_by, 0), b.starts," \
  " b.ends, b.status, b.group_size, b.created_at, ifnull (b.cancelled_at, 0)," \
  " ifnull (b.check_in_at, 0), ifnull (b.break_until, 0), r.site_id, r.name, r.type, u.name," \
  " si.name, sp.name" \
  " FROM booking b JOIN resource r ON r.id = b.resource_id" \
  " JOIN site si ON si.id = r.site_id LEFT JOIN space sp ON sp.id = r.space_id" \
  " LEFT JOIN user u ON u.id = b.user_id"

static gpointer
booking_from_row (sqlite3_stmt *stmt)
{
  AtriumBooking *booking = g_new0 (AtriumBooking, 1);

  booking->id = sqlite3_column_int64 (stmt, 0);
  booking->resource_id = sqlite3_column_int64 (stmt, 1);
  booking->user_id = sqlite3_column_int64 (stmt, 2);
  booking->created_by = sqlite3_column_int64 (stmt, 3);
  booking->starts = sqlite3_column_int64 (stmt, 4);
  booking->ends = sqlite3_column_int64 (stmt, 5);
  g_strlcpy (booking->status, (const char *) sqlite3_column_text (stmt, 6),
             sizeof booking->status);
  booking->group_size = (guint) sqlite3_column_int (stmt, 7);
  booking->created_at = sqlite3_column_int64 (stmt, 8);
  booking->cancelled_at = sqlite3_column_int64 (stmt, 9);
  booking->check_in_at = sqlite3_column_int64 (stmt, 10);
  booking->break_until = sqlite3_column_int64 (stmt, 11);
  booking->site_id = sqlite3_column_int64 (stmt, 12);
  booking->resource_name = text_or_null (stmt, 13);
  booking->resource_type = text_or_null (stmt, 14);
  booking->user_name = text_or_null (stmt, 15);
  booking->site_name = text_or_null (stmt, 16);
  booking->space_name = text_or_null (stmt, 17);
  return booking;
}

static GPtrArray *
bookings_from (AtriumDb      *db,
               sqlite3_stmt  *stmt,
               GError       **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (
    (GDestroyNotify) atrium_booking_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, booking_from_row (stmt));
  if (!done (db, stmt, rc, "bookings", error))
    return NULL;
  return g_steal_pointer (&list);
}

gint64
atrium_store_booking_insert (AtriumDb             *db,
                             const AtriumBooking  *booking,
                             GError              **error)
{
  if (atrium_store_exec_bound (db, "INSERT INTO booking (resource_id, user_id, created_by,"
                               " starts, ends, status, group_size, created_at)"
                               " VALUES (?1, nullif (?2, 0), nullif (?3, 0), ?4, ?5, 'booked',"
                               " ?6, ?7);", error, 'i', booking->resource_id,
                               'i', booking->user_id, 'i', booking->created_by,
                               'i', booking->starts, 'i', booking->ends,
                               'i', (gint64) booking->group_size, 'i', booking->created_at,
                               0) < 0)
    return 0;
  return sqlite3_last_insert_rowid (atrium_db_get_handle (db));
}

AtriumBooking *
atrium_store_booking_get (AtriumDb  *db,
                          gint64     id,
                          GError   **error)
{
  return get_one (db, BOOKING_COLUMNS " WHERE b.id = ?1;", id, booking_from_row, "booking",
                  error);
}

gboolean
atrium_store_booking_cancel (AtriumDb  *db,
                             gint64     id,
                             gint64     by_user,
                             gint64     now,
                             GError   **error)
{
  gint64 changed = atrium_store_exec_bound (db, "UPDATE booking SET status = 'cancelled',"
                                            " cancelled_at = ?2, cancelled_by = nullif (?3, 0)"
                                            " WHERE id = ?1 AND status = 'booked';", error,
                                            'i', id, 'i', now, 'i', by_user, 0);

  if (changed == 0)
    return not_found (error, "booking to cancel");
  return changed > 0;
}

GPtrArray *
atrium_store_bookings_of_user (AtriumDb    *db,
                               gint64       user_id,
                               const char  *status,
                               guint        limit,
                               GError     **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (
    db, BOOKING_COLUMNS " WHERE b.user_id = ?1 AND (?2 IS NULL OR b.status = ?2)"
    " ORDER BY b.starts DESC, b.id DESC LIMIT ?3;", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (status != NULL)
    sqlite3_bind_text (stmt, 2, status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, limit);
  return bookings_from (db, stmt, error);
}

GPtrArray *
atrium_store_bookings_of_site (AtriumDb    *db,
                               gint64       site_id,
                               gint64       from,
                               gint64       to,
                               const char  *status,
                               GError     **error)
{
  /* A booking lasts a day at most: the index on starts narrows the search. */
  sqlite3_stmt *stmt = atrium_db_cached (
    db, BOOKING_COLUMNS " WHERE b.starts >= ?2 - 86400 AND b.starts < ?3 AND b.ends > ?2"
    " AND r.site_id = ?1 AND (?4 IS NULL OR b.status = ?4) ORDER BY b.starts, b.id;", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, site_id);
  sqlite3_bind_int64 (stmt, 2, from);
  sqlite3_bind_int64 (stmt, 3, to);
  if (status != NULL)
    sqlite3_bind_text (stmt, 4, status, -1, SQLITE_TRANSIENT);
  return bookings_from (db, stmt, error);
}

gint64
atrium_store_bookings_held (AtriumDb    *db,
                            gint64       user_id,
                            gint64       site_id,
                            const char  *type,
                            gint64       from,
                            gint64       to,
                            GError     **error)
{
  return atrium_store_count_bound (
    db, "SELECT count (*) FROM booking b JOIN resource r ON r.id = b.resource_id"
    " WHERE b.user_id = ?1 AND b.starts >= ?4 AND b.starts < ?5 AND b.status <> 'cancelled'"
    " AND r.site_id = ?2 AND r.type = ?3;", error, 'i', user_id, 'i', site_id, 's', type,
    'i', from, 'i', to, 0);
}

gint64
atrium_store_bookings_overlapping (AtriumDb    *db,
                                   gint64       user_id,
                                   const char  *type,
                                   gint64       from,
                                   gint64       to,
                                   GError     **error)
{
  return atrium_store_count_bound (
    db, "SELECT count (*) FROM booking b JOIN resource r ON r.id = b.resource_id"
    " WHERE b.user_id = ?1 AND b.starts < ?4 AND b.ends > ?3 AND b.starts >= ?3 - 86400"
    " AND b.status IN ('booked', 'checked_in') AND r.type = ?2;", error, 'i', user_id,
    's', type, 'i', from, 'i', to, 0);
}

/* A slot that began before @from but still runs counts too. */
gint64
atrium_store_slots_taken (AtriumDb  *db,
                          gint64     resource_id,
                          gint64     from,
                          gint64     to,
                          GError   **error)
{
  return atrium_store_count_bound (
    db, "SELECT count (*) FROM booking_slot WHERE resource_id = ?1 AND slot_start >= ?2"
    " AND slot_start < ?3;", error, 'i', resource_id,
    'i', from - from % ATRIUM_SLOT_SECONDS, 'i', to, 0);
}

GArray *
atrium_store_busy_intervals (AtriumDb  *db,
                             gint64     resource_id,
                             gint64     from,
                             gint64     to,
                             GError   **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (
    db, "SELECT slot_start FROM booking_slot WHERE resource_id = ?1 AND slot_start >= ?2"
    " AND slot_start < ?3 ORDER BY slot_start;", error);
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, resource_id);
  sqlite3_bind_int64 (stmt, 2, from - from % ATRIUM_SLOT_SECONDS);
  sqlite3_bind_int64 (stmt, 3, to);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 start = MAX (sqlite3_column_int64 (stmt, 0), from);
      gint64 end = MIN (sqlite3_column_int64 (stmt, 0) + ATRIUM_SLOT_SECONDS, to);

      if (spans->len > 0 && g_array_index (spans, gint64, spans->len - 1) >= start)
        g_array_index (spans, gint64, spans->len - 1) = end;
      else
        {
          g_array_append_val (spans, start);
          g_array_append_val (spans, end);
        }
    }
  if (!done (db, stmt, rc, "busy slots", error))
    return NULL;
  return g_steal_pointer (&spans);
}

/* ---- idempotency keys ---------------------------------------------------------------- */

int
atrium_store_idempotency_get (AtriumDb    *db,
                              gint64       user_id,
                              const char  *key_hash,
                              char       **body_hash,
                              guint       *status,
                              char       **response,
                              GError     **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (
    db, "SELECT body_hash, status, response FROM idempotency WHERE user_id = ?1"
    " AND key_hash = ?2;", error);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_text (stmt, 2, key_hash, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *body_hash = text_or_null (stmt, 0);
      *status = (guint) sqlite3_column_int (stmt, 1);
      *response = text_or_null (stmt, 2);
      sqlite3_reset (stmt);
      return 1;
    }
  return done (db, stmt, rc, "idempotency key", error) ? 0 : -1;
}

gboolean
atrium_store_idempotency_put (AtriumDb    *db,
                              gint64       user_id,
                              const char  *key_hash,
                              const char  *body_hash,
                              guint        status,
                              const char  *response,
                              gint64       now,
                              GError     **error)
{
  return atrium_store_exec_bound (db, "INSERT INTO idempotency (user_id, key_hash, body_hash,"
                                  " status, response, created_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6);", error,
                                  'i', user_id, 's', key_hash, 's', body_hash,
                                  'i', (gint64) status, 's', response, 'i', now, 0) >= 0;
}

gint64
atrium_store_idempotency_purge (AtriumDb  *db,
                                gint64     before,
                                GError   **error)
{
  return atrium_store_exec_bound (db, "DELETE FROM idempotency WHERE created_at < ?1;", error,
                                  'i', before, 0);
}
