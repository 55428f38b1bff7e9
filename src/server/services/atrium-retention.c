/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-retention"

#include "config.h"

#include "atrium-retention.h"

#include "atrium-store-audit.h"
#include "atrium-store-privacy.h"

#define INTERVAL_SECONDS (60 * 60)

struct _AtriumRetention
{
  AtriumServer *server;
  GThread      *thread;
  GMutex        lock;
  GCond         cond;
  gboolean      stopping;
};

gint64
atrium_retention_batch (AtriumDb     *db,
                        AtriumClock  *clock,
                        gint64        cutoff,
                        gint64        now,
                        GError      **error)
{
  g_autofree char *detail = NULL;
  g_autofree char *before = atrium_time_format_iso8601 (cutoff * ATRIUM_USEC_PER_SEC);
  AtriumAuditEntry entry = { "bookings_anonymised", ATRIUM_AUDIT_SUCCESS, "system", NULL,
                             NULL, NULL, NULL };
  gint64 n;

  if (!atrium_db_exec (db, "BEGIN IMMEDIATE;", error))
    return -1;
  n = atrium_store_privacy_anonymise_ended (db, cutoff, now, ATRIUM_RETENTION_BATCH, error);
  if (n > 0)
    {
      detail = g_strdup_printf ("count=%" G_GINT64_FORMAT " ended_before=%s", n, before);
      entry.detail = detail;
      if (!atrium_store_audit_append (db, clock, &entry, error))
        n = -1;
    }
  if (n < 0 || !atrium_db_exec (db, "COMMIT;", error))
    {
      atrium_db_exec (db, "ROLLBACK;", NULL);
      return -1;
    }
  return n;
}

gint64
atrium_retention_run (AtriumServer  *server,
                      GError       **error)
{
  AtriumStore *store = atrium_server_get_store (server);
  AtriumClock *clock = atrium_server_get_clock (server);
  gint64 now = atrium_clock_now (clock);
  gint64 cutoff = now - (gint64) atrium_server_get_config (server)->retention_days * 86400;
  gint64 total = 0;

  /* One batch per hold of the writer, so requests get their turn in between. */
  for (;;)
    {
      AtriumDb *db = atrium_store_write_begin (store);
      gint64 n = atrium_retention_batch (db, clock, cutoff, now, error);

      atrium_store_write_end (store);
      if (n < 0)
        return -1;
      total += n;
      if (n < ATRIUM_RETENTION_BATCH)
        return total;
    }
}

static gpointer
thread_main (gpointer data)
{
  AtriumRetention *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      g_autoptr(GError) error = NULL;
      gint64 n, deadline;

      g_mutex_unlock (&self->lock);
      n = atrium_retention_run (self->server, &error);
      if (n < 0)
        atrium_server_log_error (self->server, NULL, "retention job: %s", error->message);
      else if (n > 0)
        g_message ("retention: %" G_GINT64_FORMAT " bookings anonymised", n);
      g_mutex_lock (&self->lock);
      deadline = g_get_monotonic_time () + INTERVAL_SECONDS * G_TIME_SPAN_SECOND;
      while (!self->stopping && g_cond_wait_until (&self->cond, &self->lock, deadline))
        ;
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

AtriumRetention *
atrium_retention_start (AtriumServer *server)
{
  AtriumRetention *self = g_new0 (AtriumRetention, 1);

  self->server = server;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->thread = g_thread_new ("atrium-retention", thread_main, self);
  return self;
}

void
atrium_retention_stop (AtriumRetention *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
