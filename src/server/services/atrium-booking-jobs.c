/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-bookings"

#include "config.h"

#include "atrium-booking-jobs.h"

#include "atrium-live.h"
#include "atrium-loop-thread.h"
#include "atrium-occupancy.h"
#include "atrium-store-checkin.h"
#include "atrium-store-users.h"

#define TAIL_INTERVAL_MS 100
#define JOBS_INTERVAL_S  30
#define TAIL_BATCH       500
/* Feed rows are only needed until every process has published them. */
#define EVENT_KEEP_SECONDS (24 * 3600)

struct _AtriumBookingJobs
{
  AtriumServer      *server;
  AtriumBookingMail *mail;

  GMutex             tail_lock;   /* guards last_event */
  gint64             last_event;
  gint               tail_wanted; /* atomic: a publish was asked for since the last read */

  AtriumLoopThread  *thread;
};

/* ---- the feed ------------------------------------------------------------------------ */

static void
append_time (GString    *out,
             const char *name,
             gint64      seconds)
{
  g_autofree char *text = atrium_time_format_iso8601 (seconds * ATRIUM_USEC_PER_SEC);

  g_string_append_printf (out, ",\"%s\":", name);
  atrium_json_write_string (out, text);
}

/* {"type":"booking","site":1,"event":"checked_in","booking":{"id":…,"resource_id":…,
 *  "space_id":…,"start":…,"end":…,"status":…}}: never who booked (every user of the site
 * may follow it). */
static GBytes *
encode_event (const AtriumBookingEvent *event)
{
  GString *out = g_string_new ("{\"type\":\"booking\"");
  gsize length;

  g_string_append_printf (out, ",\"site\":%" G_GINT64_FORMAT ",\"event\":", event->site_id);
  atrium_json_write_string (out, event->event);
  g_string_append_printf (out, ",\"booking\":{\"id\":%" G_GINT64_FORMAT ",\"resource_id\":%"
                          G_GINT64_FORMAT ",\"space_id\":", event->booking_id,
                          event->resource_id);
  if (event->space_id != 0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, event->space_id);
  else
    g_string_append (out, "null");
  append_time (out, "start", event->starts);
  append_time (out, "end", event->ends);
  g_string_append (out, ",\"status\":");
  atrium_json_write_string (out, event->status);
  g_string_append (out, "}}");
  length = out->len;
  return g_bytes_new_take (g_string_free (out, FALSE), length);
}

/* Publishes the feed's rows written since the last call. Calls that arrive while one
 * is reading do not read too (under a booking load, one read per booking on a reader
 * whose page cache every commit empties): they ask the one under way to read once more
 * before it returns, so every row written before a call is published by the time that
 * call or the one under way returns. A failed read is reported by the call that read. */
gboolean
atrium_booking_jobs_publish (AtriumBookingJobs  *self,
                             GError            **error)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  AtriumLive *live = atrium_server_get_service (self->server, ATRIUM_SERVICE_LIVE);
  g_autoptr(GArray) events = NULL;
  gboolean ok = TRUE;
  AtriumDb *db;

  g_atomic_int_set (&self->tail_wanted, 1);
  /* After the unlock, a call that found the lock taken may have asked in between. */
  while (ok && g_atomic_int_get (&self->tail_wanted) && g_mutex_trylock (&self->tail_lock))
    {
      while (ok && g_atomic_int_compare_and_exchange (&self->tail_wanted, 1, 0))
        do
          {
            g_clear_pointer (&events, g_array_unref);
            db = atrium_store_read_begin (store);
            events = atrium_store_booking_events_after (db, self->last_event, TAIL_BATCH,
                                                        error);
            atrium_store_read_end (store, db);
            ok = events != NULL;
            for (guint i = 0; ok && i < events->len; i++)
              {
                const AtriumBookingEvent *event = &g_array_index (events, AtriumBookingEvent,
                                                                  i);
                g_autofree char *key = g_strdup_printf ("booking:%" G_GINT64_FORMAT,
                                                        event->booking_id);
                g_autoptr(GBytes) message = encode_event (event);

                if (live != NULL)
                  atrium_live_publish (live, event->site_id, key, message);
                self->last_event = event->id;
              }
          }
        while (ok && events->len == TAIL_BATCH);
      g_mutex_unlock (&self->tail_lock);
    }
  return ok;
}

/* ---- the scheduler ------------------------------------------------------------------- */

static void
queue_mails (AtriumBookingJobs     *self,
             GArray                *ids,
             AtriumBookingMailKind  kind)
{
  for (guint i = 0; i < ids->len; i++)
    atrium_booking_mail_queue (self->mail, kind, g_array_index (ids, gint64, i), NULL);
}

gboolean
atrium_booking_jobs_run (AtriumBookingJobs  *self,
                         GError            **error)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  AtriumConfig *config = atrium_server_get_config (self->server);
  AtriumOccupancy *occupancy = atrium_server_get_service (self->server,
                                                          ATRIUM_SERVICE_OCCUPANCY);
  gint64 now = atrium_clock_now (atrium_server_get_clock (self->server));
  g_autoptr(GArray) no_shows = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) released = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) completed = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) reminders = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean ok;
  AtriumDb *db;

  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", error);
  if (ok)
    {
      ok = atrium_store_release_no_shows (db, now,
                                          (gint64) config->checkin_closes_minutes * 60,
                                          no_shows, error) &&
           atrium_store_expire_breaks (db, now, released, error) &&
           atrium_store_complete_ended (db, now, completed, error) &&
           (config->reminder_minutes == 0 ||
            atrium_store_claim_reminders (db, now, (gint64) config->reminder_minutes * 60,
                                          reminders, error)) &&
           atrium_store_booking_events_purge (db, now - EVENT_KEEP_SECONDS, error) >= 0;
      atrium_db_exec (db, ok ? "COMMIT;" : "ROLLBACK;", NULL);
    }
  atrium_store_write_end (store);
  if (!ok)
    return FALSE;

  /* Told only once the changes are stored: a mail never announces what was rolled back. */
  queue_mails (self, no_shows, ATRIUM_BOOKING_MAIL_NO_SHOW);
  queue_mails (self, released, ATRIUM_BOOKING_MAIL_RELEASE);
  queue_mails (self, reminders, ATRIUM_BOOKING_MAIL_REMINDER);
  if (no_shows->len + released->len + completed->len > 0)
    {
      g_message ("bookings: %u no-shows released, %u breaks ran out, %u completed",
                 no_shows->len, released->len, completed->len);
      if (occupancy != NULL && !atrium_occupancy_refresh (occupancy, error))
        return FALSE;
    }
  return atrium_booking_jobs_publish (self, error);
}

static gboolean
tail (gpointer data)
{
  AtriumBookingJobs *self = data;
  g_autoptr(GError) error = NULL;

  if (!atrium_booking_jobs_publish (self, &error))
    atrium_server_log_error (self->server, NULL, "booking feed: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static gboolean
run_jobs (gpointer data)
{
  AtriumBookingJobs *self = data;
  g_autoptr(GError) error = NULL;

  if (!atrium_booking_jobs_run (self, &error))
    atrium_server_log_error (self->server, NULL, "booking jobs: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static gboolean
run_jobs_once (gpointer data)
{
  run_jobs (data);
  return G_SOURCE_REMOVE;
}

void
atrium_booking_jobs_start (AtriumBookingJobs *self,
                           gboolean           scheduled)
{
  g_return_if_fail (self->thread == NULL);
  self->thread = atrium_loop_thread_new ();
  atrium_loop_thread_add_timeout (self->thread, TAIL_INTERVAL_MS, tail, self);
  if (scheduled)
    {
      /* At start (a server that slept has releases due), then every half minute. */
      atrium_loop_thread_add_timeout (self->thread, 0, run_jobs_once, self);
      atrium_loop_thread_add_timeout (self->thread, JOBS_INTERVAL_S * 1000, run_jobs, self);
    }
  atrium_loop_thread_start (self->thread, "atrium-bookings");
}

/* ---- life cycle ---------------------------------------------------------------------- */

AtriumBookingJobs *
atrium_booking_jobs_new (AtriumServer  *server,
                         GError       **error)
{
  AtriumBookingJobs *self = g_new0 (AtriumBookingJobs, 1);
  AtriumStore *store = atrium_server_get_store (server);
  AtriumDb *db;

  self->server = server;
  g_mutex_init (&self->tail_lock);
  /* Only what happens from now on is news. */
  db = atrium_store_read_begin (store);
  self->last_event = atrium_store_booking_events_last (db, error);
  atrium_store_read_end (store, db);
  if (self->last_event < 0)
    {
      g_mutex_clear (&self->tail_lock);
      g_free (self);
      return NULL;
    }
  self->mail = atrium_booking_mail_new (server);
  return self;
}

void
atrium_booking_jobs_free (AtriumBookingJobs *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->thread, atrium_loop_thread_free);
  atrium_booking_mail_free (self->mail);
  g_mutex_clear (&self->tail_lock);
  g_free (self);
}

void
atrium_booking_changed (AtriumServer          *server,
                        gint64                 booking_id,
                        AtriumBookingMailKind  mail,
                        gboolean               recount,
                        const char            *request_id)
{
  AtriumBookingJobs *self = atrium_server_get_service (server, ATRIUM_SERVICE_BOOKINGS);
  AtriumOccupancy *occupancy = atrium_server_get_service (server, ATRIUM_SERVICE_OCCUPANCY);
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return;
  atrium_booking_mail_queue (self->mail, mail, booking_id, request_id);
  if (!atrium_booking_jobs_publish (self, &error) ||
      (recount && occupancy != NULL && !atrium_occupancy_refresh (occupancy, &error)))
    atrium_server_log_error (server, request_id, "booking %" G_GINT64_FORMAT ": %s",
                             booking_id, error->message);
}
