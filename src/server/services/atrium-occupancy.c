/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-occupancy"

#include "config.h"

#include "atrium-occupancy.h"

#include <string.h>

#include "atrium-auth.h"
#include "atrium-loop-thread.h"
#include "atrium-store-checkin.h"
#include "atrium-store-sites.h"
#include "atrium-store-users.h"
#include "atrium-waiting.h"

/* How often the store is checked for the other processes' writes, and how often the
 * periodic work runs. */
#define WATCH_INTERVAL_MS 100
#define JOBS_INTERVAL_S   60

/* The waiting time's lookback grows up to two hours when the desk is slow
 * (atrium-waiting.h); the rows before the queue's nightly reset are left out. */
#define WAIT_LOOKBACK_SECONDS (2 * 3600 + 15 * 60)

/* Back under this share of the capacity, a space may raise a new over-capacity alert. */
#define OVER_CLEAR_RATIO 0.9

typedef struct
{
  gint64 site_id;
  char  *json;         /* the space's or queue's object, as last published */
} Published;

struct _AtriumOccupancy
{
  AtriumServer    *server;
  AtriumClock     *clock;
  AtriumConfig    *config;
  AtriumPublishFunc publish;
  gpointer         publish_data;

  GMutex           refresh_lock;   /* one rebuild at a time; guards what follows */
  GHashTable      *published;      /* "space:ID" / "queue:ID" → Published */
  GArray          *counters;       /* AtriumCounter, as last read */
  GHashTable      *samples;        /* queue id → its recent posts (ts, in, out) */

  GMutex           lock;           /* guards the documents and the directory */
  AtriumDirectory *directory;
  GBytes          *all;
  GHashTable      *per_site;       /* site id (gint64 *) → GBytes */

  AtriumLoopThread *thread;
  AtriumDb        *watcher;        /* its own connection: data_version is per connection */
  gint64           data_version;
  gboolean         jobs;
};

/* ---- levels -------------------------------------------------------------------------- */

AtriumLevel
atrium_level_for (gint64 count,
                  guint  capacity)
{
  double ratio;

  if (capacity == 0)
    return ATRIUM_LEVEL_FULL;
  ratio = (double) count / capacity;
  if (ratio < 0.5)
    return ATRIUM_LEVEL_LOW;
  if (ratio < 0.8)
    return ATRIUM_LEVEL_MEDIUM;
  if (ratio < 0.95)
    return ATRIUM_LEVEL_HIGH;
  return ATRIUM_LEVEL_FULL;
}

const char *
atrium_level_to_string (AtriumLevel level)
{
  static const char *names[] = { "low", "medium", "high", "full" };

  return names[level];
}

/* ---- encoding ------------------------------------------------------------------------ */

static void
append_time (GString    *out,
             const char *name,
             gint64      seconds)
{
  g_string_append_printf (out, ",\"%s\":", name);
  if (seconds == 0)
    g_string_append (out, "null");
  else
    {
      g_autofree char *text = atrium_time_format_iso8601 (seconds * ATRIUM_USEC_PER_SEC);

      atrium_json_write_string (out, text);
    }
}

static const AtriumCounter *
find_counter (GArray *counters,
              gint64  space_id,
              gint64  queue_id)
{
  for (guint i = 0; i < counters->len; i++)
    {
      const AtriumCounter *counter = &g_array_index (counters, AtriumCounter, i);

      if ((space_id != 0 && counter->space_id == space_id) ||
          (queue_id != 0 && counter->queue_id == queue_id))
        return counter;
    }
  return NULL;
}

static gint64
find_checked_in (GArray *pairs,
                 gint64  space_id)
{
  for (guint i = 0; pairs != NULL && i + 1 < pairs->len; i += 2)
    if (g_array_index (pairs, gint64, i) == space_id)
      return g_array_index (pairs, gint64, i + 1);
  return 0;
}

/* The sensors' count and the people checked in through bookings are both kept; a seat
 * is taken by whichever says more (someone checked in and gone for coffee, someone
 * sitting without a booking), so free, percent and level use max (count, checked_in). */
static char *
encode_space (const AtriumSpace   *space,
              const AtriumSite    *site,
              const AtriumCounter *counter,
              gint64               checked_in,
              gint64               now)
{
  GString *out = g_string_new ("{\"id\":");
  guint capacity = atrium_space_capacity_at (space, site, now);
  gint64 count = counter != NULL ? counter->count : 0;
  gint64 taken = MAX (count, checked_in);

  g_string_append_printf (out, "%" G_GINT64_FORMAT ",\"name\":", space->id);
  atrium_json_write_string (out, space->name);
  g_string_append (out, ",\"kind\":");
  atrium_json_write_string (out, space->kind);
  g_string_append_printf (out, ",\"count\":%" G_GINT64_FORMAT ",\"checked_in\":%"
                          G_GINT64_FORMAT ",\"capacity\":%u,\"free\":%" G_GINT64_FORMAT
                          ",\"percent\":", count, checked_in, capacity,
                          MAX ((gint64) capacity - taken, 0));
  if (capacity == 0)
    g_string_append (out, "null");
  else
    g_string_append_printf (out, "%d", (int) (100.0 * taken / capacity + 0.5));
  g_string_append_printf (out, ",\"level\":\"%s\"",
                          atrium_level_to_string (atrium_level_for (taken, capacity)));
  append_time (out, "updated_at", counter != NULL ? counter->updated_at : 0);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

/* Little's law over the queue's recent posts (@rows: ts, in, out). */
static AtriumWaitStatus
estimate_wait (AtriumOccupancy *self,
               GArray          *rows,
               gint64           now,
               gint64           length,
               double          *wait)
{
  AtriumWaitParams params = { .window_seconds = self->config->wait_window_minutes * 60,
                              .min_served = self->config->wait_min_served };
  g_autoptr(GArray) samples = g_array_sized_new (FALSE, TRUE, sizeof (AtriumQueueSample),
                                                 rows != NULL ? rows->len : 0);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      const gint64 *row = &g_array_index (rows, gint64, 3 * i);
      AtriumQueueSample sample = { row[0], (guint) row[1], (guint) row[2] };

      g_array_append_val (samples, sample);
    }
  *wait = 0;
  return atrium_wait_estimate (&params, (const AtriumQueueSample *) samples->data,
                               samples->len, now, (guint) MAX (length, 0), wait);
}

static char *
encode_queue (AtriumOccupancy     *self,
              const AtriumQueue   *queue,
              const AtriumCounter *counter,
              GArray              *rows,
              gint64               now)
{
  GString *out = g_string_new ("{\"id\":");
  gint64 length = counter != NULL ? counter->count : 0;
  double wait = 0;
  AtriumWaitStatus status = estimate_wait (self, rows, now, length, &wait);
  g_string_append_printf (out, "%" G_GINT64_FORMAT ",\"name\":", queue->id);
  atrium_json_write_string (out, queue->name);
  g_string_append (out, ",\"kind\":");
  atrium_json_write_string (out, queue->kind);
  g_string_append_printf (out, ",\"length\":%" G_GINT64_FORMAT ",\"wait_seconds\":", length);
  if (status == ATRIUM_WAIT_OK || status == ATRIUM_WAIT_EMPTY)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) (wait + 0.5));
  else
    g_string_append (out, "null");
  g_string_append_printf (out, ",\"wait_status\":\"%s\"", atrium_wait_status_to_string (status));
  append_time (out, "updated_at", counter != NULL ? counter->updated_at : 0);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static GBytes *
string_to_bytes (GString *out)
{
  gsize length = out->len;

  return g_bytes_new_take (g_string_free (out, FALSE), length);
}

/* Publishes @json when it differs from what went out last for @key. */
static void
note_change (AtriumOccupancy *self,
             const char      *key,
             const char      *type,
             gint64           site_id,
             const char      *json)
{
  Published *last = g_hash_table_lookup (self->published, key);
  GString *message;
  g_autoptr(GBytes) bytes = NULL;

  if (last != NULL && strcmp (last->json, json) == 0)
    return;
  if (last == NULL)
    {
      last = g_new0 (Published, 1);
      g_hash_table_insert (self->published, g_strdup (key), last);
    }
  g_free (last->json);
  last->json = g_strdup (json);
  last->site_id = site_id;
  if (self->publish == NULL)
    return;
  message = g_string_new (NULL);
  g_string_append_printf (message, "{\"type\":\"%s\",\"site\":%" G_GINT64_FORMAT ",\"%s\":%s}",
                          type, site_id, strcmp (type, "occupancy") == 0 ? "space" : "queue",
                          json);
  bytes = string_to_bytes (message);
  self->publish (site_id, key, bytes, self->publish_data);
}

static void
published_free (gpointer data)
{
  Published *published = data;

  g_free (published->json);
  g_free (published);
}

/* Builds every document from @directory, @counters and the queues' recent posts. */
static void
rebuild (AtriumOccupancy *self,
         AtriumDirectory *directory,
         GArray          *counters,
         GArray          *checked_in,
         GHashTable      *samples,
         gint64           now)
{
  GString *all = g_string_new ("{\"sites\":[");
  g_autoptr(GHashTable) per_site = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                          (GDestroyNotify) g_bytes_unref);

  for (guint s = 0; s < directory->sites->len; s++)
    {
      const AtriumSite *site = directory->sites->pdata[s];
      GString *doc = g_string_new (NULL);
      gboolean first = TRUE;

      g_string_append_printf (doc, "{\"id\":%" G_GINT64_FORMAT ",\"name\":", site->id);
      atrium_json_write_string (doc, site->name);
      g_string_append (doc, ",\"timezone\":");
      atrium_json_write_string (doc, site->timezone);
      g_string_append_printf (doc, ",\"open\":%s,\"spaces\":[",
                              atrium_site_is_open (site, now) ? "true" : "false");
      for (guint i = 0; i < directory->spaces->len; i++)
        {
          const AtriumSpace *space = directory->spaces->pdata[i];
          g_autofree char *json = NULL;
          g_autofree char *key = NULL;

          if (space->site_id != site->id)
            continue;
          json = encode_space (space, site, find_counter (counters, space->id, 0),
                               find_checked_in (checked_in, space->id), now);
          key = g_strdup_printf ("space:%" G_GINT64_FORMAT, space->id);
          note_change (self, key, "occupancy", site->id, json);
          g_string_append_printf (doc, "%s%s", first ? "" : ",", json);
          first = FALSE;
        }
      g_string_append (doc, "],\"queues\":[");
      first = TRUE;
      for (guint i = 0; i < directory->queues->len; i++)
        {
          const AtriumQueue *queue = directory->queues->pdata[i];
          g_autofree char *json = NULL;
          g_autofree char *key = NULL;

          if (queue->site_id != site->id)
            continue;
          json = encode_queue (self, queue, find_counter (counters, 0, queue->id),
                               g_hash_table_lookup (samples, &queue->id), now);
          key = g_strdup_printf ("queue:%" G_GINT64_FORMAT, queue->id);
          note_change (self, key, "queue", site->id, json);
          g_string_append_printf (doc, "%s%s", first ? "" : ",", json);
          first = FALSE;
        }
      g_string_append (doc, "]}");
      g_string_append_printf (all, "%s%s", s == 0 ? "" : ",", doc->str);
      g_hash_table_insert (per_site, g_memdup2 (&site->id, sizeof site->id),
                           string_to_bytes (doc));
    }
  g_string_append (all, "]}");

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->directory, atrium_directory_unref);
  self->directory = atrium_directory_ref (directory);
  g_clear_pointer (&self->all, g_bytes_unref);
  self->all = string_to_bytes (all);
  g_clear_pointer (&self->per_site, g_hash_table_unref);
  self->per_site = g_steal_pointer (&per_site);
  g_mutex_unlock (&self->lock);
}

/* ---- reading the store --------------------------------------------------------------- */

/* Reads the store again and rebuilds: everything, or after a sensor post only the
 * counters and the posting queue's recent rows (the directory and the other queues'
 * rows are those of the last read). */
static gboolean
refresh (AtriumOccupancy  *self,
         gboolean          everything,
         gint64            queue_id,
         GError          **error)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  gint64 now = atrium_clock_now (self->clock);
  gint64 since = now - WAIT_LOOKBACK_SECONDS;
  g_autoptr(AtriumDirectory) directory = NULL;
  g_autoptr(GArray) counters = NULL;
  g_autoptr(GArray) checked_in = NULL;
  gboolean ok = TRUE;
  AtriumDb *db;

  g_mutex_lock (&self->refresh_lock);
  if (!everything)
    directory = atrium_occupancy_get_directory (self);
  db = atrium_store_read_begin (store);
  if (directory == NULL)
    {
      everything = TRUE;
      directory = atrium_store_directory_load (db, error);
    }
  counters = directory != NULL ? atrium_store_counters_load (db, error) : NULL;
  checked_in = counters != NULL ? atrium_store_checked_in_by_space (db, error) : NULL;
  if (checked_in == NULL)
    g_clear_pointer (&counters, g_array_unref);
  if (everything && counters != NULL)
    g_hash_table_remove_all (self->samples);
  for (guint i = 0; counters != NULL && i < directory->queues->len && ok; i++)
    {
      AtriumQueue *queue = directory->queues->pdata[i];
      GArray *rows;

      if (!everything && queue->id != queue_id &&
          g_hash_table_contains (self->samples, &queue->id))
        continue;
      rows = atrium_store_queue_samples (db, queue->id, since, error);
      ok = rows != NULL;
      if (ok)
        g_hash_table_replace (self->samples, g_memdup2 (&queue->id, sizeof queue->id), rows);
    }
  atrium_store_read_end (store, db);

  ok = ok && counters != NULL;
  if (ok)
    {
      rebuild (self, directory, counters, checked_in, self->samples, now);
      g_clear_pointer (&self->counters, g_array_unref);
      self->counters = g_steal_pointer (&counters);
    }
  g_mutex_unlock (&self->refresh_lock);
  return ok;
}

gboolean
atrium_occupancy_refresh (AtriumOccupancy  *self,
                          GError          **error)
{
  return refresh (self, TRUE, 0, error);
}

GBytes *
atrium_occupancy_get_document (AtriumOccupancy *self,
                               gint64           site_id)
{
  GBytes *bytes = NULL;

  g_mutex_lock (&self->lock);
  if (site_id == 0)
    bytes = self->all != NULL ? g_bytes_ref (self->all) : NULL;
  else if (self->per_site != NULL && g_hash_table_lookup (self->per_site, &site_id) != NULL)
    bytes = g_bytes_ref (g_hash_table_lookup (self->per_site, &site_id));
  g_mutex_unlock (&self->lock);
  return bytes;
}

AtriumDirectory *
atrium_occupancy_get_directory (AtriumOccupancy *self)
{
  AtriumDirectory *directory;

  g_mutex_lock (&self->lock);
  directory = self->directory != NULL ? atrium_directory_ref (self->directory) : NULL;
  g_mutex_unlock (&self->lock);
  return directory;
}

gint64
atrium_occupancy_ceiling (AtriumOccupancy *self,
                          gint64           space_id,
                          gint64           now)
{
  g_autoptr(AtriumDirectory) directory = atrium_occupancy_get_directory (self);
  AtriumSpace *space = directory != NULL ? atrium_directory_find_space (directory, space_id)
                                         : NULL;
  AtriumSite *site = space != NULL ? atrium_directory_find_site (directory, space->site_id)
                                   : NULL;

  if (site == NULL)
    return G_MAXINT32;   /* a queue: no capacity */
  return (gint64) atrium_space_capacity_at (space, site, now) * 3 / 2;
}

/* ---- telling staff ------------------------------------------------------------------- */

static void
tell_staff (AtriumOccupancy *self,
            AtriumDb        *writer,
            gint64           site_id,
            const char      *subject,
            const char      *text,
            const char      *request_id)
{
  AtriumAuth *auth = atrium_server_get_service (self->server, ATRIUM_SERVICE_AUTH);
  g_autoptr(GPtrArray) emails = atrium_store_site_staff_emails (writer, site_id, NULL);
  GString *message = g_string_new ("{\"type\":\"event\",\"site\":");
  g_autoptr(GBytes) bytes = NULL;

  for (guint i = 0; auth != NULL && emails != NULL && i < emails->len; i++)
    atrium_auth_notify_email (auth, emails->pdata[i], subject, text, request_id);
  g_string_append_printf (message, "%" G_GINT64_FORMAT ",\"message\":", site_id);
  atrium_json_write_string (message, text);
  g_string_append_c (message, '}');
  bytes = string_to_bytes (message);
  if (self->publish != NULL)
    self->publish (site_id, "event", bytes, self->publish_data);
}

/* Raises the alert when a space goes over its capacity, once until it is back under
 * 90 %. */
static void
check_capacity (AtriumOccupancy *self,
                gint64           space_id,
                const char      *request_id)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  g_autoptr(AtriumDirectory) directory = atrium_occupancy_get_directory (self);
  AtriumSpace *space = directory != NULL ? atrium_directory_find_space (directory, space_id)
                                         : NULL;
  AtriumSite *site = space != NULL ? atrium_directory_find_site (directory, space->site_id)
                                   : NULL;
  gint64 now = atrium_clock_now (self->clock);
  const AtriumCounter *counter;
  AtriumCounter copy;
  guint capacity;
  AtriumDb *db;

  if (site == NULL)
    return;
  g_mutex_lock (&self->refresh_lock);
  counter = self->counters != NULL ? find_counter (self->counters, space_id, 0) : NULL;
  if (counter != NULL)
    copy = *counter;
  g_mutex_unlock (&self->refresh_lock);
  if (counter == NULL)
    return;
  capacity = atrium_space_capacity_at (space, site, now);

  if (copy.count > capacity && copy.over_since == 0)
    {
      g_autofree char *text = g_strdup_printf ("%s (%s) is over its capacity: %"
                                               G_GINT64_FORMAT " people for %u places.",
                                               space->name, site->name, copy.count, capacity);

      db = atrium_store_write_begin (store);
      if (atrium_db_exec (db, "BEGIN IMMEDIATE;", NULL))
        {
          if (atrium_store_counter_set_over (db, space_id, now, NULL) &&
              atrium_store_site_event_add (db, site->id, now, "over_capacity", space_id, 0, 0,
                                           text, NULL) != 0)
            {
              atrium_db_exec (db, "COMMIT;", NULL);
              tell_staff (self, db, site->id, "A room is over its capacity", text, request_id);
            }
          else
            atrium_db_exec (db, "ROLLBACK;", NULL);
        }
      atrium_store_write_end (store);
    }
  else if (copy.over_since != 0 && copy.count <= capacity * OVER_CLEAR_RATIO)
    {
      db = atrium_store_write_begin (store);
      atrium_store_counter_set_over (db, space_id, 0, NULL);
      atrium_store_write_end (store);
    }
}

void
atrium_occupancy_counted (AtriumOccupancy *self,
                          const char      *request_id,
                          gint64           space_id,
                          gint64           queue_id)
{
  g_autoptr(GError) error = NULL;

  if (!refresh (self, FALSE, queue_id, &error))
    {
      atrium_server_log_error (self->server, request_id, "occupancy refresh: %s",
                               error->message);
      return;
    }
  if (space_id != 0)
    check_capacity (self, space_id, request_id);
}

/* ---- periodic work ------------------------------------------------------------------- */

static gboolean
reset_closed (AtriumOccupancy  *self,
              AtriumDb         *db,
              AtriumDirectory  *directory,
              gint64            now,
              GError          **error)
{
  g_autoptr(GArray) counters = atrium_store_counters_load (db, error);

  if (counters == NULL)
    return FALSE;
  for (guint i = 0; i < counters->len; i++)
    {
      const AtriumCounter *counter = &g_array_index (counters, AtriumCounter, i);
      gint64 site_id = 0, closing;
      AtriumSite *site;

      if (counter->space_id != 0)
        {
          AtriumSpace *space = atrium_directory_find_space (directory, counter->space_id);

          site_id = space != NULL ? space->site_id : 0;
        }
      else
        {
          AtriumQueue *queue = atrium_directory_find_queue (directory, counter->queue_id);

          site_id = queue != NULL ? queue->site_id : 0;
        }
      site = atrium_directory_find_site (directory, site_id);
      if (site == NULL)
        continue;
      /* Due once the site has closed; if the server slept through the closing, as soon
       * as it wakes, unless sensors have already counted the new day. */
      closing = atrium_site_last_closing (site, now);
      if (closing == 0 || counter->reset_at >= closing ||
          (atrium_site_is_open (site, now) && counter->updated_at > closing))
        continue;
      if (!atrium_store_counter_set (db, counter->space_id, counter->queue_id, 0, TRUE, now,
                                     error) ||
          (counter->over_since != 0 &&
           !atrium_store_counter_set_over (db, counter->space_id, 0, error)))
        return FALSE;
    }
  return TRUE;
}

static gboolean
report_silent (AtriumOccupancy  *self,
               AtriumDb         *db,
               AtriumDirectory  *directory,
               gint64            now,
               GError          **error)
{
  g_autoptr(GArray) sensors =
    atrium_store_sensors_silent (db, now - (gint64) self->config->sensor_silent_minutes * 60,
                                 error);

  if (sensors == NULL)
    return FALSE;
  for (guint i = 0; i < sensors->len; i++)
    {
      const AtriumSensor *sensor = &g_array_index (sensors, AtriumSensor, i);
      AtriumSpace *space = atrium_directory_find_space (directory, sensor->space_id);
      AtriumQueue *queue = atrium_directory_find_queue (directory, sensor->queue_id);
      g_autofree char *text = g_strdup_printf ("Sensor %" G_GINT64_FORMAT " (%s) has sent"
                                               " nothing for %u minutes.", sensor->device_id,
                                               space != NULL ? space->name :
                                               queue != NULL ? queue->name : "?",
                                               self->config->sensor_silent_minutes);

      if (!atrium_store_sensor_set_silent (db, sensor->device_id, now, error) ||
          atrium_store_site_event_add (db, sensor->site_id, now, "sensor_silent",
                                       sensor->space_id, sensor->queue_id, sensor->device_id,
                                       text, error) == 0)
        return FALSE;
      g_message ("%s", text);
      tell_staff (self, db, sensor->site_id, "A sensor is silent", text, NULL);
    }
  return TRUE;
}

/* The waiting time each minute, for the statistics' mean waiting time. */
static gboolean
sample_waits (AtriumOccupancy  *self,
              AtriumDb         *db,
              AtriumDirectory  *directory,
              gint64            now,
              GError          **error)
{
  gint64 since = now - WAIT_LOOKBACK_SECONDS;

  for (guint i = 0; i < directory->queues->len; i++)
    {
      AtriumQueue *queue = directory->queues->pdata[i];
      g_autoptr(GArray) rows = atrium_store_queue_samples (db, queue->id, since, error);
      const AtriumCounter *counter = NULL;
      double wait = 0;
      gint64 length = 0;

      if (rows == NULL)
        return FALSE;
      g_mutex_lock (&self->refresh_lock);
      counter = self->counters != NULL ? find_counter (self->counters, 0, queue->id) : NULL;
      length = counter != NULL ? counter->count : 0;
      g_mutex_unlock (&self->refresh_lock);
      if (estimate_wait (self, rows, now, length, &wait) <= ATRIUM_WAIT_EMPTY &&
          !atrium_store_queue_add_wait (db, queue->id, now, wait, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
atrium_occupancy_run_jobs (AtriumOccupancy  *self,
                           GError          **error)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  gint64 now = atrium_clock_now (self->clock);
  g_autoptr(AtriumDirectory) directory = NULL;
  gboolean ok;
  AtriumDb *db;

  if (!atrium_occupancy_refresh (self, error))
    return FALSE;
  directory = atrium_occupancy_get_directory (self);
  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", error);
  if (ok)
    {
      ok = atrium_store_counters_advance (db, now, error) &&
           reset_closed (self, db, directory, now, error) &&
           report_silent (self, db, directory, now, error) &&
           sample_waits (self, db, directory, now, error);
      atrium_db_exec (db, ok ? "COMMIT;" : "ROLLBACK;", NULL);
    }
  atrium_store_write_end (store);
  return ok && atrium_occupancy_refresh (self, error);
}

static gboolean
watch_store (gpointer data)
{
  AtriumOccupancy *self = data;
  sqlite3_stmt *stmt = NULL;
  gint64 version = self->data_version;

  if (sqlite3_prepare_v2 (atrium_db_get_handle (self->watcher), "PRAGMA data_version;", -1,
                          &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (version != self->data_version)
    {
      g_autoptr(GError) error = NULL;

      self->data_version = version;
      if (!atrium_occupancy_refresh (self, &error))
        atrium_server_log_error (self->server, NULL, "occupancy refresh: %s", error->message);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
run_jobs (gpointer data)
{
  AtriumOccupancy *self = data;
  g_autoptr(GError) error = NULL;

  if (self->jobs && !atrium_occupancy_run_jobs (self, &error))
    atrium_server_log_error (self->server, NULL, "occupancy jobs: %s", error->message);
  else if (!self->jobs && !atrium_occupancy_refresh (self, &error))
    atrium_server_log_error (self->server, NULL, "occupancy refresh: %s", error->message);
  return G_SOURCE_CONTINUE;
}

void
atrium_occupancy_start (AtriumOccupancy *self,
                        gboolean         jobs)
{
  g_return_if_fail (self->thread == NULL);
  self->jobs = jobs;
  self->thread = atrium_loop_thread_new ();
  atrium_loop_thread_add_timeout (self->thread, WATCH_INTERVAL_MS, watch_store, self);
  /* Waiting times slide and capacities change with the hour even when nobody moves. */
  atrium_loop_thread_add_timeout (self->thread, JOBS_INTERVAL_S * 1000, run_jobs, self);
  atrium_loop_thread_start (self->thread, "atrium-occupancy");
}

/* ---- life cycle ---------------------------------------------------------------------- */

AtriumOccupancy *
atrium_occupancy_new (AtriumServer       *server,
                      AtriumPublishFunc   publish,
                      gpointer            publish_data,
                      GError            **error)
{
  AtriumOccupancy *self = g_new0 (AtriumOccupancy, 1);

  self->server = server;
  self->clock = atrium_server_get_clock (server);
  self->config = atrium_server_get_config (server);
  self->publish = publish;
  self->publish_data = publish_data;
  g_mutex_init (&self->refresh_lock);
  g_mutex_init (&self->lock);
  self->published = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, published_free);
  self->samples = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                         (GDestroyNotify) g_array_unref);
  self->watcher = atrium_store_open (atrium_store_get_data_dir (atrium_server_get_store (server)),
                                     FALSE, NULL, error);
  if (self->watcher == NULL || !atrium_occupancy_refresh (self, error))
    {
      atrium_occupancy_free (self);
      return NULL;
    }
  return self;
}

void
atrium_occupancy_free (AtriumOccupancy *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->thread, atrium_loop_thread_free);
  g_clear_pointer (&self->watcher, atrium_db_close);
  g_hash_table_unref (self->published);
  g_hash_table_unref (self->samples);
  g_clear_pointer (&self->counters, g_array_unref);
  g_clear_pointer (&self->directory, atrium_directory_unref);
  g_clear_pointer (&self->all, g_bytes_unref);
  g_clear_pointer (&self->per_site, g_hash_table_unref);
  g_mutex_clear (&self->refresh_lock);
  g_mutex_clear (&self->lock);
  g_free (self);
}
