/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-simulator"

#include "config.h"

#include "atrium-simulator.h"

#include <math.h>
#include <string.h>
#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>

#include "atrium-demo.h"
#include "atrium-random.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"
#include "atrium-store-users.h"
#include "atrium-totp.h"

/* One simulated counter and what it believes is in its room or queue. */
typedef struct
{
  gint64  device_id;
  char   *key;
  gint64  space_id;
  gint64  queue_id;
  double  profile;       /* shifts the day's curve a little (atrium_demo_expected_share) */
  double  present;       /* people in the room, or in the queue */
} Sensor;

struct _AtriumSimulator
{
  AtriumServer *server;
  guint         interval;
  double        minutes;   /* of traffic in each post */
  GPtrArray    *sensors;   /* Sensor */
  char         *base_url;
  char         *unix_path;
  GTlsCertificate *certificate;
  GRand        *rand;
  gint64        seq;
  gint          posts;     /* atomic */
  gboolean      stopping;  /* atomic */
  GThread      *thread;
  GMutex        lock;
  GCond         cond;
};

static void
sensor_free (gpointer data)
{
  Sensor *sensor = data;

  atrium_secure_free_string (sensor->key);
  g_free (sensor);
}

/* Knuth's method: fine for the small rates of a library. */
static guint
poisson (GRand  *rand,
         double  mean)
{
  double limit = exp (-MIN (mean, 60.0));
  double product = g_rand_double (rand);
  guint k = 0;

  while (product > limit)
    {
      product *= g_rand_double (rand);
      k++;
    }
  return k;
}

/* ---- set-up: a sensor per space and queue, each with a fresh key --------------------- */

static gint64
find_sensor (AtriumDb  *db,
             gint64     space_id,
             gint64     queue_id)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT s.device_id FROM sensor s JOIN device d ON d.id = s.device_id"
    " WHERE d.revoked_at IS NULL AND d.name LIKE ?3 || '%'"
    " AND (s.space_id = ?1 OR s.queue_id = ?2) ORDER BY s.device_id LIMIT 1;", NULL);
  gint64 id = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, space_id);
  sqlite3_bind_int64 (stmt, 2, queue_id);
  sqlite3_bind_text (stmt, 3, ATRIUM_DEMO_SENSOR_PREFIX, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return id;
}

static gboolean
prepare_sensor (AtriumSimulator  *self,
                AtriumDb         *db,
                gint64            site_id,
                gint64            space_id,
                gint64            queue_id,
                const char       *name,
                double            present,
                gint64            now,
                GError          **error)
{
  Sensor *sensor = g_new0 (Sensor, 1);
  g_autofree char *hash = NULL;

  sensor->key = atrium_random_base64url (32);
  sensor->space_id = space_id;
  sensor->queue_id = queue_id;
  sensor->profile = (self->sensors->len % 3) * 0.4;
  sensor->present = present;
  hash = atrium_token_hash (sensor->key);
  g_ptr_array_add (self->sensors, sensor);

  sensor->device_id = find_sensor (db, space_id, queue_id);
  if (sensor->device_id == 0)
    {
      g_autofree char *device_name = g_strdup_printf ("%s – %s", ATRIUM_DEMO_SENSOR_PREFIX,
                                                      name);

      sensor->device_id = atrium_store_sensor_create (db, site_id, space_id, queue_id,
                                                      device_name, hash, now, error);
      return sensor->device_id != 0;
    }
  /* A new key for every run: the previous one dies with the previous process. */
  return atrium_store_exec_bound (db, "DELETE FROM session WHERE device_id = ?1;", error,
                                  'i', sensor->device_id, 0) >= 0 &&
         atrium_store_exec_bound (db, "INSERT INTO session (token_hash, device_id,"
                                  " second_factor, created_at, last_seen_at)"
                                  " VALUES (?1, ?2, 0, ?3, ?3);", error, 's', hash,
                                  'i', sensor->device_id, 'i', now, 0) >= 0;
}

static gboolean
prepare_sensors (AtriumSimulator  *self,
                 GError          **error)
{
  AtriumStore *store = atrium_server_get_store (self->server);
  gint64 now = atrium_clock_now (atrium_server_get_clock (self->server));
  g_autoptr(AtriumDirectory) directory = NULL;
  g_autoptr(GArray) counters = NULL;
  gboolean ok;
  AtriumDb *db = atrium_store_write_begin (store);

  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", error);
  directory = ok ? atrium_store_directory_load (db, error) : NULL;
  counters = directory != NULL ? atrium_store_counters_load (db, error) : NULL;
  ok = counters != NULL;
  for (guint i = 0; ok && i < counters->len; i++)
    {
      const AtriumCounter *counter = &g_array_index (counters, AtriumCounter, i);
      const char *name = NULL;
      gint64 site_id = 0;

      if (atrium_directory_find_target (directory, counter->space_id, counter->queue_id,
                                        &site_id, &name))
        ok = prepare_sensor (self, db, site_id, counter->space_id, counter->queue_id, name,
                             counter->count, now, error);
    }
  if (ok)
    ok = atrium_db_exec (db, "COMMIT;", error);
  else
    atrium_db_exec (db, "ROLLBACK;", NULL);
  atrium_store_write_end (store);
  return ok;
}

/* ---- the traffic --------------------------------------------------------------------- */

/* What a counter saw over one interval: drift toward the model's figure, plus people
 * coming and going anyway. Queues: arrivals with the day's rhythm, served at a steady
 * pace when someone is waiting. */
static void
next_counts (AtriumSimulator  *self,
             AtriumDirectory  *directory,
             Sensor           *sensor,
             gint64            now,
             guint            *in,
             guint            *out)
{
  double minutes = self->minutes;

  if (sensor->space_id != 0)
    {
      AtriumSpace *space = atrium_directory_find_space (directory, sensor->space_id);
      AtriumSite *site = space != NULL ? atrium_directory_find_site (directory, space->site_id)
                                       : NULL;
      double target, gap, turnover;

      if (site == NULL)
        {
          *in = *out = 0;
          return;
        }
      target = atrium_demo_expected_share (site, now, sensor->profile) *
               atrium_space_capacity_at (space, site, now);
      gap = target - sensor->present;
      turnover = sensor->present * 0.01 * minutes;
      *in = poisson (self->rand, turnover + MAX (gap, 0) * 0.15 * minutes);
      *out = MIN ((guint) sensor->present + *in,
                  poisson (self->rand, turnover + MAX (-gap, 0) * 0.15 * minutes));
    }
  else
    {
      AtriumQueue *queue = atrium_directory_find_queue (directory, sensor->queue_id);
      AtriumSite *site = queue != NULL ? atrium_directory_find_site (directory, queue->site_id)
                                       : NULL;
      double share = site != NULL ? atrium_demo_expected_share (site, now, sensor->profile)
                                  : 0;

      *in = poisson (self->rand, share * 2.0 * minutes);
      *out = MIN ((guint) sensor->present + *in,
                  share > 0 ? poisson (self->rand, 2.2 * minutes) : (guint) sensor->present);
    }
  sensor->present = MAX (0, sensor->present + *in - *out);
}

static gboolean
is_own_certificate (SoupMessage          *msg,
                    GTlsCertificate      *peer,
                    GTlsCertificateFlags  errors,
                    gpointer              user_data)
{
  AtriumSimulator *self = user_data;

  /* Loopback to ourselves: the certificate we serve is the only one trusted. */
  return self->certificate != NULL && g_tls_certificate_is_same (peer, self->certificate);
}

static void
post (AtriumSimulator *self,
      SoupSession     *session,
      Sensor          *sensor,
      guint            in,
      guint            out,
      gint64           now)
{
  g_autofree char *url = g_strdup_printf ("%s/api/v1/sensors/%" G_GINT64_FORMAT "/counts",
                                          self->base_url, sensor->device_id);
  g_autofree char *ts = atrium_time_format_iso8601 (now * ATRIUM_USEC_PER_SEC);
  g_autofree char *body = g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"ts\":\"%s\","
                                           "\"in\":%u,\"out\":%u}", self->seq++, ts, in, out);
  g_autofree char *bearer = g_strconcat ("Bearer ", sensor->key, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                bearer);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (is_own_certificate), self);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  if (answer == NULL || soup_message_get_status (msg) >= 300)
    g_message ("simulated sensor %" G_GINT64_FORMAT ": %s", sensor->device_id,
               error != NULL ? error->message : soup_message_get_reason_phrase (msg));
  else
    g_atomic_int_inc (&self->posts);
}

static gpointer
run (gpointer data)
{
  AtriumSimulator *self = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  AtriumClock *clock = atrium_server_get_clock (self->server);

  g_main_context_push_thread_default (context);
  if (self->unix_path != NULL)
    {
      g_autoptr(GSocketAddress) address = g_unix_socket_address_new (self->unix_path);

      session = soup_session_new_with_options ("remote-connectable", address, NULL);
    }
  else
    session = soup_session_new ();
  soup_session_set_user_agent (session, "Atrium-simulator/" PACKAGE_VERSION);

  while (!g_atomic_int_get (&self->stopping))
    {
      {
        AtriumStore *store = atrium_server_get_store (self->server);
        AtriumDb *db = atrium_store_read_begin (store);
        g_autoptr(AtriumDirectory) directory = atrium_store_directory_load (db, NULL);
        gint64 now = atrium_clock_now (clock);

        atrium_store_read_end (store, db);
        for (guint i = 0; directory != NULL && i < self->sensors->len; i++)
          {
            Sensor *sensor = self->sensors->pdata[i];
            guint in = 0, out = 0;

            next_counts (self, directory, sensor, now, &in, &out);
            post (self, session, sensor, in, out, now);
          }
      }
      g_mutex_lock (&self->lock);
      if (!g_atomic_int_get (&self->stopping))
        g_cond_wait_until (&self->cond, &self->lock,
                           g_get_monotonic_time () + self->interval * G_TIME_SPAN_SECOND);
      g_mutex_unlock (&self->lock);
    }
  g_main_context_pop_thread_default (context);
  return NULL;
}

AtriumSimulator *
atrium_simulator_start (AtriumServer  *server,
                        guint          interval_seconds,
                        double         minutes_per_post,
                        GError       **error)
{
  g_autoptr(AtriumSimulator) self = g_new0 (AtriumSimulator, 1);
  AtriumConfig *config = atrium_server_get_config (server);
  guint16 port;

  self->server = server;
  self->interval = MAX (interval_seconds, 1);
  self->minutes = minutes_per_post > 0 ? minutes_per_post : self->interval / 60.0;
  self->sensors = g_ptr_array_new_with_free_func (sensor_free);
  self->rand = g_rand_new ();
  self->seq = atrium_clock_now (atrium_server_get_clock (server)) * 100;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  if (config->unix_path != NULL)
    {
      self->unix_path = g_strdup (config->unix_path);
      self->base_url = g_strdup ("http://localhost");
    }
  else if ((port = atrium_server_get_port (server, ATRIUM_LISTENER_INSECURE)) != 0)
    self->base_url = g_strdup_printf ("http://127.0.0.1:%u", port);
  else if ((port = atrium_server_get_port (server, ATRIUM_LISTENER_HTTPS)) != 0)
    {
      self->base_url = g_strdup_printf ("https://127.0.0.1:%u", port);
      self->certificate = atrium_server_get_certificate (server);
    }
  else
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_LISTEN,
                   "The simulated sensors need a listener to post to");
      return NULL;
    }
  if (!prepare_sensors (self, error))
    return NULL;
  self->thread = g_thread_new ("atrium-simulator", run, self);
  return g_steal_pointer (&self);
}

guint64
atrium_simulator_get_posts (AtriumSimulator *self)
{
  return (guint64) g_atomic_int_get (&self->posts);
}

void
atrium_simulator_stop (AtriumSimulator *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      g_mutex_lock (&self->lock);
      g_atomic_int_set (&self->stopping, TRUE);
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (self->thread);
    }
  g_ptr_array_unref (self->sensors);
  g_clear_object (&self->certificate);
  g_rand_free (self->rand);
  g_free (self->base_url);
  g_free (self->unix_path);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
