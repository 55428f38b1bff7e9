/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-counts.h"

#include <string.h>

#include "atrium-clock.h"
#include "atrium-store-users.h"

/* A counter belongs to a space or a queue; the column names are ours, never input. */
#define OWNER_COLUMN(space_id) ((space_id) != 0 ? "space_id" : "queue_id")
#define OWNER_ID(space_id, queue_id) ((space_id) != 0 ? (space_id) : (queue_id))

/* Walking back further than this for the time-weighted mean is pointless: a counter is
 * reset every night and advanced every five minutes. */
#define MAX_ADVANCE_SECONDS (2 * 24 * 3600)

/* ---- devices and sensors ------------------------------------------------------------- */

gint64
atrium_store_device_create (AtriumDb    *db,
                            const char  *kind,
                            gint64       site_id,
                            const char  *name,
                            const char  *token_hash,
                            gint64       now,
                            GError     **error)
{
  gint64 device;

  if (atrium_store_exec_bound (db, "INSERT INTO device (kind, site_id, name, created_at)"
                               " VALUES (?1, ?2, ?3, ?4);", error, 's', kind, 'i', site_id,
                               's', name, 'i', now, 0) < 0)
    return 0;
  device = sqlite3_last_insert_rowid (atrium_db_get_handle (db));
  if (atrium_store_exec_bound (db, "INSERT INTO session (token_hash, device_id, second_factor,"
                               " created_at, last_seen_at) VALUES (?1, ?2, 0, ?3, ?3);", error,
                               's', token_hash, 'i', device, 'i', now, 0) < 0)
    return 0;
  return device;
}

gint64
atrium_store_sensor_create (AtriumDb     *db,
                            gint64        site_id,
                            gint64        space_id,
                            gint64        queue_id,
                            const char   *name,
                            const char   *token_hash,
                            gint64        now,
                            GError      **error)
{
  gint64 device = atrium_store_device_create (db, "sensor", site_id, name, token_hash, now,
                                              error);

  if (device == 0 ||
      atrium_store_exec_bound (db, "INSERT INTO sensor (device_id, space_id, queue_id)"
                               " VALUES (?1, nullif (?2, 0), nullif (?3, 0));", error,
                               'i', device, 'i', space_id, 'i', queue_id, 0) < 0)
    return 0;
  return device;
}

static void
read_sensor (sqlite3_stmt *stmt,
             AtriumSensor *sensor)
{
  sensor->device_id = sqlite3_column_int64 (stmt, 0);
  sensor->site_id = sqlite3_column_int64 (stmt, 1);
  sensor->space_id = sqlite3_column_int64 (stmt, 2);
  sensor->queue_id = sqlite3_column_int64 (stmt, 3);
  sensor->last_seen_at = sqlite3_column_int64 (stmt, 4);
  sensor->silent_since = sqlite3_column_int64 (stmt, 5);
}

#define SENSOR_COLUMNS \
  "s.device_id, d.site_id, s.space_id, s.queue_id, s.last_seen_at, s.silent_since"

gboolean
atrium_store_sensor_get (AtriumDb      *db,
                         gint64         device_id,
                         AtriumSensor  *sensor,
                         GError       **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT " SENSOR_COLUMNS " FROM sensor s JOIN device d ON d.id = s.device_id"
    " WHERE s.device_id = ?1 AND d.revoked_at IS NULL;", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, device_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_sensor (stmt, sensor);
  sqlite3_finalize (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND, "There is no such sensor");
  else
    atrium_db_set_error (db, rc, "sensor", error);
  return FALSE;
}

GArray *
atrium_store_sensors_silent (AtriumDb  *db,
                             gint64     before,
                             GError   **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT " SENSOR_COLUMNS " FROM sensor s JOIN device d ON d.id = s.device_id"
    " WHERE d.revoked_at IS NULL AND s.silent_since IS NULL"
    " AND coalesce (s.last_seen_at, d.created_at) < ?1;", error);
  g_autoptr(GArray) sensors = g_array_new (FALSE, TRUE, sizeof (AtriumSensor));
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, before);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumSensor sensor;

      read_sensor (stmt, &sensor);
      g_array_append_val (sensors, sensor);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "sensors", error);
      return NULL;
    }
  return g_steal_pointer (&sensors);
}

gboolean
atrium_store_sensor_set_silent (AtriumDb  *db,
                                gint64     device_id,
                                gint64     since,
                                GError   **error)
{
  return atrium_store_exec_bound (db, "UPDATE sensor SET silent_since = ?2"
                                  " WHERE device_id = ?1;", error,
                                  'i', device_id, 'i', since, 0) >= 0;
}

/* ---- counters ------------------------------------------------------------------------ */

static void
read_counter (sqlite3_stmt  *stmt,
              AtriumCounter *counter)
{
  counter->space_id = sqlite3_column_int64 (stmt, 0);
  counter->queue_id = sqlite3_column_int64 (stmt, 1);
  counter->count = sqlite3_column_int64 (stmt, 2);
  counter->reset_at = sqlite3_column_int64 (stmt, 3);
  counter->since = sqlite3_column_int64 (stmt, 4);
  counter->updated_at = sqlite3_column_int64 (stmt, 5);
  counter->over_since = sqlite3_column_int64 (stmt, 6);
}

#define COUNTER_COLUMNS "space_id, queue_id, count, reset_at, since, updated_at, over_since"

GArray *
atrium_store_counters_load (AtriumDb  *db,
                            GError   **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (db, "SELECT " COUNTER_COLUMNS " FROM counter;",
                                             error);
  g_autoptr(GArray) counters = g_array_new (FALSE, TRUE, sizeof (AtriumCounter));
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumCounter counter;

      read_counter (stmt, &counter);
      g_array_append_val (counters, counter);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "counters", error);
      return NULL;
    }
  return g_steal_pointer (&counters);
}

static gboolean
counter_get (AtriumDb       *db,
             gint64          space_id,
             gint64          queue_id,
             AtriumCounter  *counter,
             GError        **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT " COUNTER_COLUMNS " FROM counter"
                                          " WHERE %s = ?1;", OWNER_COLUMN (space_id));
  sqlite3_stmt *stmt = atrium_store_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, OWNER_ID (space_id, queue_id));
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    read_counter (stmt, counter);
  sqlite3_finalize (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND, "There is no such counter");
  else
    atrium_db_set_error (db, rc, "counter", error);
  return FALSE;
}

/* Adds to the bucket that holds @at, creating it. */
static gboolean
bucket_add (AtriumDb  *db,
            gint64     space_id,
            gint64     queue_id,
            gint64     at,
            gint64     entries,
            gint64     exits,
            gint64     peak,
            gint64     area,
            GError   **error)
{
  const char *column = OWNER_COLUMN (space_id);
  gint64 owner = OWNER_ID (space_id, queue_id);
  gint64 start = at - at % ATRIUM_BUCKET_SECONDS;
  g_autofree char *insert = g_strdup_printf ("INSERT OR IGNORE INTO stat_bucket (%s, start)"
                                             " VALUES (?1, ?2);", column);
  g_autofree char *update = g_strdup_printf ("UPDATE stat_bucket SET entries = entries + ?3,"
                                             " exits = exits + ?4, peak = max (peak, ?5),"
                                             " area = area + ?6"
                                             " WHERE %s = ?1 AND start = ?2;", column);

  return atrium_store_exec_bound (db, insert, error, 'i', owner, 'i', start, 0) >= 0 &&
         atrium_store_exec_bound (db, update, error, 'i', owner, 'i', start, 'i', entries,
                                  'i', exits, 'i', peak, 'i', area, 0) >= 0;
}

/* Integrates the count from `since` to @now into the buckets it spans. */
static gboolean
advance (AtriumDb       *db,
         AtriumCounter  *counter,
         gint64          now,
         GError        **error)
{
  gint64 t = MAX (counter->since, now - MAX_ADVANCE_SECONDS);

  if (counter->since == 0)
    t = now;   /* a new counter: nothing before */
  while (t < now)
    {
      gint64 end = MIN (t - t % ATRIUM_BUCKET_SECONDS + ATRIUM_BUCKET_SECONDS, now);

      if (!bucket_add (db, counter->space_id, counter->queue_id, t, 0, 0, counter->count,
                       counter->count * (end - t), error))
        return FALSE;
      t = end;
    }
  counter->since = MAX (counter->since, now);
  return TRUE;
}

static gboolean
counter_write (AtriumDb             *db,
               const AtriumCounter  *counter,
               GError              **error)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE counter SET count = ?2, reset_at = ?3,"
                                          " since = ?4, updated_at = ?5 WHERE %s = ?1;",
                                          OWNER_COLUMN (counter->space_id));

  return atrium_store_exec_bound (db, sql, error,
                                  'i', OWNER_ID (counter->space_id, counter->queue_id),
                                  'i', counter->count, 'i', counter->reset_at,
                                  'i', counter->since, 'i', counter->updated_at, 0) >= 0;
}

gboolean
atrium_store_count_record (AtriumDb            *db,
                           const AtriumSensor  *sensor,
                           gint64               seq,
                           gint64               ts,
                           gint64               entries,
                           gint64               exits,
                           gint64               now,
                           gint64               ceiling,
                           AtriumCountResult   *result,
                           GError             **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (db, "SELECT entries, exits FROM sensor_count"
                                             " WHERE device_id = ?1 AND seq = ?2;", error);
  AtriumCounter counter;
  int rc;

  memset (result, 0, sizeof *result);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, sensor->device_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    result->outcome = sqlite3_column_int64 (stmt, 0) == entries &&
                      sqlite3_column_int64 (stmt, 1) == exits
                      ? ATRIUM_COUNT_REPEATED : ATRIUM_COUNT_CONFLICT;
  sqlite3_finalize (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "sensor_count", error);

  if (atrium_store_exec_bound (db, "INSERT INTO sensor_count (device_id, seq, ts, entries,"
                               " exits, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6);", error,
                               'i', sensor->device_id, 'i', seq, 'i', ts, 'i', entries,
                               'i', exits, 'i', now, 0) < 0 ||
      atrium_store_exec_bound (db, "UPDATE sensor SET last_seen_at = max (coalesce"
                               " (last_seen_at, 0), ?2), silent_since = NULL"
                               " WHERE device_id = ?1;", error,
                               'i', sensor->device_id, 'i', now, 0) < 0)
    return FALSE;
  result->was_silent = sensor->silent_since != 0;

  if (!counter_get (db, sensor->space_id, sensor->queue_id, &counter, error))
    return FALSE;
  result->before = result->after = counter.count;
  if (ts < counter.reset_at)
    {
      /* Counted before the nightly reset and delivered after it: history only. */
      result->outcome = ATRIUM_COUNT_LATE;
      return bucket_add (db, sensor->space_id, sensor->queue_id, ts, entries, exits, 0, 0,
                         error);
    }

  result->outcome = ATRIUM_COUNT_RECORDED;
  if (!advance (db, &counter, now, error))
    return FALSE;
  counter.count = CLAMP (counter.count + entries - exits, 0, ceiling);
  counter.updated_at = now;
  result->after = counter.count;
  return counter_write (db, &counter, error) &&
         bucket_add (db, sensor->space_id, sensor->queue_id, ts, entries, exits, 0, 0, error) &&
         bucket_add (db, sensor->space_id, sensor->queue_id, now, 0, 0, counter.count, 0,
                     error);
}

gboolean
atrium_store_counter_set (AtriumDb  *db,
                          gint64     space_id,
                          gint64     queue_id,
                          gint64     count,
                          gboolean   reset,
                          gint64     now,
                          GError   **error)
{
  AtriumCounter counter;

  if (!counter_get (db, space_id, queue_id, &counter, error) ||
      !advance (db, &counter, now, error))
    return FALSE;
  counter.count = count;
  counter.updated_at = now;
  if (reset)
    counter.reset_at = now;
  return counter_write (db, &counter, error) &&
         bucket_add (db, space_id, queue_id, now, 0, 0, count, 0, error);
}

gboolean
atrium_store_counters_advance (AtriumDb  *db,
                               gint64     now,
                               GError   **error)
{
  g_autoptr(GArray) counters = atrium_store_counters_load (db, error);

  if (counters == NULL)
    return FALSE;
  for (guint i = 0; i < counters->len; i++)
    {
      AtriumCounter *counter = &g_array_index (counters, AtriumCounter, i);
      g_autofree char *sql = NULL;

      if (!advance (db, counter, now, error))
        return FALSE;
      sql = g_strdup_printf ("UPDATE counter SET since = ?2 WHERE %s = ?1;",
                             OWNER_COLUMN (counter->space_id));
      if (atrium_store_exec_bound (db, sql, error,
                                   'i', OWNER_ID (counter->space_id, counter->queue_id),
                                   'i', counter->since, 0) < 0)
        return FALSE;
    }
  return TRUE;
}

gboolean
atrium_store_counter_set_over (AtriumDb  *db,
                               gint64     space_id,
                               gint64     over_since,
                               GError   **error)
{
  return atrium_store_exec_bound (db, "UPDATE counter SET over_since = nullif (?2, 0)"
                                  " WHERE space_id = ?1;", error,
                                  'i', space_id, 'i', over_since, 0) >= 0;
}

/* ---- queues -------------------------------------------------------------------------- */

GArray *
atrium_store_queue_samples (AtriumDb  *db,
                            gint64     queue_id,
                            gint64     since,
                            GError   **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT c.ts, c.entries, c.exits FROM sensor_count c"
    " JOIN sensor s ON s.device_id = c.device_id"
    " WHERE s.queue_id = ?1 AND c.ts >= ?2"
    " AND c.ts >= (SELECT reset_at FROM counter WHERE queue_id = ?1) ORDER BY c.ts;", error);
  g_autoptr(GArray) samples = g_array_new (FALSE, TRUE, sizeof (gint64) * 3);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, queue_id);
  sqlite3_bind_int64 (stmt, 2, since);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 row[3] = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1),
                        sqlite3_column_int64 (stmt, 2) };

      g_array_append_vals (samples, row, 1);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "queue samples", error);
      return NULL;
    }
  return g_steal_pointer (&samples);
}

gboolean
atrium_store_queue_add_wait (AtriumDb  *db,
                             gint64     queue_id,
                             gint64     now,
                             double     wait_seconds,
                             GError   **error)
{
  gint64 start = now - now % ATRIUM_BUCKET_SECONDS;
  sqlite3_stmt *stmt;
  int rc;

  if (!bucket_add (db, 0, queue_id, now, 0, 0, 0, 0, error))
    return FALSE;
  stmt = atrium_store_prepare (db, "UPDATE stat_bucket SET wait_sum = wait_sum + ?3,"
                               " wait_n = wait_n + 1 WHERE queue_id = ?1 AND start = ?2;",
                               error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, queue_id);
  sqlite3_bind_int64 (stmt, 2, start);
  sqlite3_bind_double (stmt, 3, wait_seconds);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "wait", error);
  return TRUE;
}

/* ---- statistics ---------------------------------------------------------------------- */

GArray *
atrium_store_buckets (AtriumDb  *db,
                      gint64     space_id,
                      gint64     queue_id,
                      gint64     from,
                      gint64     to,
                      GError   **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT start, entries, exits, peak, area, wait_sum,"
                                          " wait_n FROM stat_bucket WHERE %s = ?1"
                                          " AND start >= ?2 AND start < ?3 ORDER BY start;",
                                          OWNER_COLUMN (space_id));
  sqlite3_stmt *stmt = atrium_store_prepare (db, sql, error);
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (AtriumBucketRow));
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, OWNER_ID (space_id, queue_id));
  sqlite3_bind_int64 (stmt, 2, from);
  sqlite3_bind_int64 (stmt, 3, to);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumBucketRow row = {
        sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1),
        sqlite3_column_int64 (stmt, 2), sqlite3_column_int64 (stmt, 3),
        sqlite3_column_int64 (stmt, 4), sqlite3_column_double (stmt, 5),
        sqlite3_column_int64 (stmt, 6)
      };

      g_array_append_val (rows, row);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "buckets", error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

gboolean
atrium_store_bucket_put (AtriumDb               *db,
                         gint64                  space_id,
                         gint64                  queue_id,
                         const AtriumBucketRow  *row,
                         GError                **error)
{
  g_autofree char *sql = g_strdup_printf ("INSERT OR REPLACE INTO stat_bucket (%s, start, entries,"
                                          " exits, peak, area, wait_sum, wait_n)"
                                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);",
                                          OWNER_COLUMN (space_id));
  sqlite3_stmt *stmt = atrium_store_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, OWNER_ID (space_id, queue_id));
  sqlite3_bind_int64 (stmt, 2, row->start - row->start % ATRIUM_BUCKET_SECONDS);
  sqlite3_bind_int64 (stmt, 3, row->entries);
  sqlite3_bind_int64 (stmt, 4, row->exits);
  sqlite3_bind_int64 (stmt, 5, row->peak);
  sqlite3_bind_int64 (stmt, 6, row->area);
  sqlite3_bind_double (stmt, 7, row->wait_sum);
  sqlite3_bind_int64 (stmt, 8, row->wait_n);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "bucket", error);
  return TRUE;
}

/* ---- site events --------------------------------------------------------------------- */

gint64
atrium_store_site_event_add (AtriumDb    *db,
                             gint64       site_id,
                             gint64       at,
                             const char  *kind,
                             gint64       space_id,
                             gint64       queue_id,
                             gint64       device_id,
                             const char  *detail,
                             GError     **error)
{
  if (atrium_store_exec_bound (db, "INSERT INTO site_event (site_id, at, kind, space_id,"
                               " queue_id, device_id, detail) VALUES (?1, ?2, ?3,"
                               " nullif (?4, 0), nullif (?5, 0), nullif (?6, 0), ?7);", error,
                               'i', site_id, 'i', at, 's', kind, 'i', space_id,
                               'i', queue_id, 'i', device_id,
                               's', detail != NULL ? detail : "", 0) < 0)
    return 0;
  return sqlite3_last_insert_rowid (atrium_db_get_handle (db));
}

static void
add_optional_id (JsonBuilder  *builder,
                 const char   *name,
                 sqlite3_stmt *stmt,
                 int           column)
{
  json_builder_set_member_name (builder, name);
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, column));
}

gboolean
atrium_store_site_events_list (AtriumDb     *db,
                               gint64        site_id,
                               guint         limit,
                               JsonBuilder  *builder,
                               GError      **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT id, at, kind, space_id, queue_id, device_id, detail FROM site_event"
    " WHERE site_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2;", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, site_id);
  sqlite3_bind_int64 (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *at = atrium_time_format_iso8601 (sqlite3_column_int64 (stmt, 1) *
                                                        ATRIUM_USEC_PER_SEC);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 0));
      json_builder_set_member_name (builder, "at");
      json_builder_add_string_value (builder, at);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
      add_optional_id (builder, "space", stmt, 3);
      add_optional_id (builder, "queue", stmt, 4);
      add_optional_id (builder, "sensor", stmt, 5);
      json_builder_set_member_name (builder, "detail");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 6));
      json_builder_end_object (builder);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "site events", error);
  return TRUE;
}

GPtrArray *
atrium_store_site_staff_emails (AtriumDb  *db,
                                gint64     site_id,
                                GError   **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT DISTINCT u.email FROM user u JOIN user_role r ON r.user_id = u.id"
    " WHERE r.site_id = ?1 AND r.role IN ('staff', 'manager') AND u.disabled = 0"
    " ORDER BY u.email;", error);
  g_autoptr(GPtrArray) emails = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, site_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (emails, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "staff", error);
      return NULL;
    }
  return g_steal_pointer (&emails);
}
