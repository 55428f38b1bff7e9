/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-checkin.h"

#include "atrium-store-users.h"

/* Every scan names the partial index's condition, `status IN ('booked', 'checked_in')`,
 * word for word: SQLite only uses a partial index when the query repeats it. */
#define ACTIVE "b.status IN ('booked', 'checked_in')"

gint64
atrium_store_booking_check_in (AtriumDb  *db,
                               gint64     id,
                               gint64     now,
                               GError   **error)
{
  return atrium_store_exec_bound (db, "UPDATE booking SET status = 'checked_in',"
                                  " check_in_at = ifnull (check_in_at, ?2), break_until = NULL"
                                  " WHERE id = ?1 AND status IN ('booked', 'checked_in');",
                                  error, 'i', id, 'i', now, 0);
}

gint64
atrium_store_booking_start_break (AtriumDb  *db,
                                  gint64     id,
                                  gint64     until,
                                  GError   **error)
{
  return atrium_store_exec_bound (db, "UPDATE booking SET break_until = ?2"
                                  " WHERE id = ?1 AND status = 'checked_in'"
                                  " AND break_until IS NULL;", error, 'i', id, 'i', until, 0);
}

gboolean
atrium_store_booking_event_add (AtriumDb    *db,
                                gint64       booking_id,
                                const char  *event,
                                gint64       now,
                                GError     **error)
{
  return atrium_store_exec_bound (db, "INSERT INTO booking_event (booking_id, site_id, event,"
                                  " at) SELECT b.id, r.site_id, ?2, ?3 FROM booking b"
                                  " JOIN resource r ON r.id = b.resource_id WHERE b.id = ?1;",
                                  error, 'i', booking_id, 's', event, 'i', now, 0) == 1;
}

gint64
atrium_store_booking_events_last (AtriumDb  *db,
                                  GError   **error)
{
  return atrium_store_count_bound (db, "SELECT ifnull (max (id), 0) FROM booking_event;",
                                   error, 0);
}

GArray *
atrium_store_booking_events_after (AtriumDb  *db,
                                   gint64     after_id,
                                   guint      limit,
                                   GError   **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (db, "SELECT e.id, e.booking_id, e.site_id,"
                                         " e.event, b.resource_id, ifnull (r.space_id, 0),"
                                         " b.starts, b.ends, b.status FROM booking_event e"
                                         " JOIN booking b ON b.id = e.booking_id"
                                         " JOIN resource r ON r.id = b.resource_id"
                                         " WHERE e.id > ?1 ORDER BY e.id LIMIT ?2;",
                                         error);
  g_autoptr(GArray) events = g_array_new (FALSE, TRUE, sizeof (AtriumBookingEvent));
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int64 (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumBookingEvent event = { 0 };

      event.id = sqlite3_column_int64 (stmt, 0);
      event.booking_id = sqlite3_column_int64 (stmt, 1);
      event.site_id = sqlite3_column_int64 (stmt, 2);
      g_strlcpy (event.event, (const char *) sqlite3_column_text (stmt, 3), sizeof event.event);
      event.resource_id = sqlite3_column_int64 (stmt, 4);
      event.space_id = sqlite3_column_int64 (stmt, 5);
      event.starts = sqlite3_column_int64 (stmt, 6);
      event.ends = sqlite3_column_int64 (stmt, 7);
      g_strlcpy (event.status, (const char *) sqlite3_column_text (stmt, 8),
                 sizeof event.status);
      g_array_append_val (events, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "booking events", error);
      return NULL;
    }
  return g_steal_pointer (&events);
}

gint64
atrium_store_booking_events_purge (AtriumDb  *db,
                                   gint64     before,
                                   GError   **error)
{
  return atrium_store_exec_bound (db, "DELETE FROM booking_event WHERE at < ?1;", error,
                                  'i', before, 0);
}

/* ---- the scheduler ------------------------------------------------------------------- */

/* The ids @sql selects (?1 and ?2, when it has them, bound to @a and @b). */
static GArray *
select_ids (AtriumDb    *db,
            const char  *sql,
            gint64       a,
            gint64       b,
            GError     **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (db, sql, error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, a);
  sqlite3_bind_int64 (stmt, 2, b);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "bookings due", error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* Runs the guarded @update (?1 the id, ?2 @now) on each candidate; those it changed get
 * @event and go to @changed, and @also (when not NULL, ?1 the id) runs for them. */
static gboolean
claim_each (AtriumDb    *db,
            GArray      *candidates,
            const char  *update,
            const char  *also,
            const char  *event,
            gint64       now,
            GArray      *changed,
            GError     **error)
{
  for (guint i = 0; i < candidates->len; i++)
    {
      gint64 id = g_array_index (candidates, gint64, i);
      gint64 rows = atrium_store_exec_bound (db, update, error, 'i', id, 'i', now, 0);

      if (rows < 0)
        return FALSE;
      if (rows == 0)
        continue;
      if (also != NULL && atrium_store_exec_bound (db, also, error, 'i', id, 0) < 0)
        return FALSE;
      if (event != NULL && !atrium_store_booking_event_add (db, id, event, now, error))
        return FALSE;
      g_array_append_val (changed, id);
    }
  return TRUE;
}

gboolean
atrium_store_release_no_shows (AtriumDb  *db,
                               gint64     now,
                               gint64     closes_seconds,
                               GArray    *changed,
                               GError   **error)
{
  g_autoptr(GArray) due = select_ids (db, "SELECT b.id FROM booking b WHERE " ACTIVE
                                      " AND b.status = 'booked' AND b.starts <= ?1 - ?2"
                                      " ORDER BY b.starts;", now, closes_seconds, error);

  return due != NULL &&
         claim_each (db, due, "UPDATE booking SET status = 'no_show', ended_at = ?2"
                     " WHERE id = ?1 AND status = 'booked';",
                     "UPDATE user SET no_shows = no_shows + 1"
                     " WHERE id = (SELECT user_id FROM booking WHERE id = ?1);",
                     "no_show", now, changed, error);
}

gboolean
atrium_store_expire_breaks (AtriumDb  *db,
                            gint64     now,
                            GArray    *changed,
                            GError   **error)
{
  g_autoptr(GArray) due = select_ids (db, "SELECT b.id FROM booking b WHERE " ACTIVE
                                      " AND b.status = 'checked_in' AND b.starts <= ?1"
                                      " AND b.break_until <= ?1 AND b.break_until < b.ends"
                                      " ORDER BY b.starts;", now, 0, error);

  return due != NULL &&
         claim_each (db, due, "UPDATE booking SET status = 'released', ended_at = ?2"
                     " WHERE id = ?1 AND status = 'checked_in' AND break_until <= ?2;",
                     NULL, "released", now, changed, error);
}

gboolean
atrium_store_complete_ended (AtriumDb  *db,
                             gint64     now,
                             GArray    *changed,
                             GError   **error)
{
  g_autoptr(GArray) due = select_ids (db, "SELECT b.id FROM booking b WHERE " ACTIVE
                                      " AND b.status = 'checked_in' AND b.starts <= ?1"
                                      " AND b.ends <= ?1 ORDER BY b.starts;",
                                      now, 0, error);

  return due != NULL &&
         claim_each (db, due, "UPDATE booking SET status = 'completed', ended_at = ?2"
                     " WHERE id = ?1 AND status = 'checked_in' AND ends <= ?2;",
                     NULL, "completed", now, changed, error);
}

gboolean
atrium_store_claim_reminders (AtriumDb  *db,
                              gint64     now,
                              gint64     lead_seconds,
                              GArray    *changed,
                              GError   **error)
{
  g_autoptr(GArray) due = select_ids (db, "SELECT b.id FROM booking b WHERE " ACTIVE
                                      " AND b.status = 'booked' AND b.starts > ?1"
                                      " AND b.starts <= ?1 + ?2 AND b.reminded_at IS NULL"
                                      " AND b.created_at < b.starts - ?2 ORDER BY b.starts;",
                                      now, lead_seconds, error);

  return due != NULL &&
         claim_each (db, due, "UPDATE booking SET reminded_at = ?2"
                     " WHERE id = ?1 AND status = 'booked' AND reminded_at IS NULL;",
                     NULL, NULL, now, changed, error);
}

GArray *
atrium_store_checked_in_by_space (AtriumDb  *db,
                                  GError   **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (db, "SELECT r.space_id, sum (CASE r.type"
                                             " WHEN 'room' THEN b.group_size ELSE 1 END)"
                                             " FROM booking b JOIN resource r"
                                             " ON r.id = b.resource_id WHERE " ACTIVE
                                             " AND b.status = 'checked_in'"
                                             " AND r.space_id IS NOT NULL"
                                             " AND r.type IN ('seat', 'room')"
                                             " GROUP BY r.space_id;", error);
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 space = sqlite3_column_int64 (stmt, 0);
      gint64 people = sqlite3_column_int64 (stmt, 1);

      g_array_append_val (pairs, space);
      g_array_append_val (pairs, people);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "checked-in bookings", error);
      return NULL;
    }
  return g_steal_pointer (&pairs);
}

gint64
atrium_store_user_no_shows (AtriumDb  *db,
                            gint64     user_id,
                            GError   **error)
{
  return atrium_store_count_bound (db, "SELECT no_shows FROM user WHERE id = ?1;", error,
                                   'i', user_id, 0);
}
