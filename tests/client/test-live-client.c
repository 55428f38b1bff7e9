/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AtriumLiveClient against the real `atrium-server` binary on loopback: catch-up, live
 * changes, a server killed with SIGKILL and started again on the same store and port,
 * a silent (stopped) server, a refused token. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "atrium-clock.h"
#include "atrium-live-client.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"
#include "atrium-test-server.h"
#include "client-test-http.h"
#include "atrium-totp.h"

/* A heartbeat a second; the loopback client is one address: no limits in the way. */
#define CONFIG "[live]\nheartbeat_seconds = 1\n" \
               "[brute_force]\nip_max_failures = 10000\n" \
               "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\n"

#define HEARTBEAT_MS 1000

typedef struct
{
  char   *space_key;
  char   *queue_key;
  char   *kiosk;
  gint64  space_sensor;
  gint64  queue_sensor;
  gint64  space_id;
  gint64  queue_id;
} Seed;

typedef struct
{
  AtriumTestProcess *proc;
  Seed               seed;
  SoupSession       *session;
  char              *base_url;
  gint64             seq;
} Fixture;

/* ---- the institution, written into the store before the server starts ----------------- */

static char *
add_device (AtriumDb *db,
            gint64    site,
            gint64    space,
            gint64    queue,
            gint64   *id)
{
  char *token = atrium_random_base64url (32);
  g_autofree char *hash = atrium_token_hash (token);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  *id = space == 0 && queue == 0
        ? atrium_store_device_create (db, "kiosk", site, "Kiosk", hash, now, NULL)
        : atrium_store_sensor_create (db, site, space, queue, "Counter", hash, now, NULL);
  g_assert_cmpint (*id, >, 0);
  return token;
}

/* A site open all day every day (no reset in the middle of a test), a room of ten, a
 * queue, their counters and a kiosk. */
static void
seed_store (const char *data_dir,
            gpointer    user_data)
{
  Seed *seed = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);
  g_autoptr(AtriumSite) site = atrium_site_new ();
  g_autoptr(AtriumSpace) space = atrium_space_new ();
  AtriumQueue queue = { 0, 0, (char *) "Loan desk", (char *) "loan_desk" };
  AtriumPeriod day = { 0, 24 * 60 };
  gint64 kiosk;

  g_assert_no_error (error);
  site->name = g_strdup ("Central Library");
  site->address = g_strdup ("");
  site->timezone = g_strdup ("Europe/Paris");
  site->tz = g_time_zone_new_identifier ("Europe/Paris");
  for (guint d = 1; d <= 7; d++)
    g_array_append_val (site->hours[d], day);
  site->id = atrium_store_site_create (db, site, &error);
  g_assert_no_error (error);
  space->site_id = site->id;
  space->name = g_strdup ("Reading Room");
  space->kind = g_strdup ("reading_room");
  space->capacity = 10;
  space->attributes = g_strdup ("{}");
  seed->space_id = atrium_store_space_create (db, space, &error);
  g_assert_no_error (error);
  queue.site_id = site->id;
  seed->queue_id = atrium_store_queue_create (db, &queue, &error);
  g_assert_no_error (error);
  seed->space_key = add_device (db, site->id, seed->space_id, 0, &seed->space_sensor);
  seed->queue_key = add_device (db, site->id, 0, seed->queue_id, &seed->queue_sensor);
  seed->kiosk = add_device (db, site->id, 0, 0, &kiosk);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->proc = atrium_test_process_start_seeded (CONFIG, NULL, seed_store, &f->seed);
  f->session = soup_session_new ();
  f->base_url = g_strdup_printf ("http://127.0.0.1:%u", f->proc->insecure_port);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  atrium_test_process_stop (f->proc);
  g_object_unref (f->session);
  g_free (f->base_url);
  g_free (f->seed.space_key);
  g_free (f->seed.queue_key);
  g_free (f->seed.kiosk);
}

/* ---- helpers ------------------------------------------------------------------------- */

static guint
request (Fixture     *f,
         const char  *method,
         const char  *path,
         const char  *token,
         const char  *body,
         JsonNode   **json_out)
{
  g_autoptr(SoupSession) session = soup_session_new ();

  return client_test_request (session, f->base_url, method, path, token, body, json_out);
}

/* What a people counter saw since its last post, stamped now. */
static void
post_counts (Fixture    *f,
             gint64      sensor,
             const char *key,
             guint       in,
             guint       out)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/sensors/%" G_GINT64_FORMAT "/counts",
                                           sensor);
  g_autofree char *ts = atrium_time_format_iso8601 (g_get_real_time ());
  g_autofree char *body = g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"ts\":\"%s\","
                                           "\"in\":%u,\"out\":%u}", ++f->seq, ts, in, out);

  g_assert_cmpuint (request (f, "POST", path, key, body, NULL), ==, 201);
}

typedef gboolean (*Condition) (gpointer data);

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @condition holds; fails after @timeout_ms. */
static void
wait_for (Condition   condition,
          gpointer    data,
          guint       timeout_ms,
          const char *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timed_out, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("timed out after %u ms waiting for %s", timeout_ms, what);
  g_source_remove (id);
}

/* Runs the main context for @ms whatever happens. */
static void
run_for (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, timed_out, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
is_live (gpointer data)
{
  return atrium_live_client_get_state (data) == ATRIUM_LIVE_STATE_LIVE;
}

static gboolean
is_waiting (gpointer data)
{
  return atrium_live_client_get_state (data) == ATRIUM_LIVE_STATE_WAITING;
}

static gboolean
is_unauthorised (gpointer data)
{
  return atrium_live_client_get_state (data) == ATRIUM_LIVE_STATE_UNAUTHORISED;
}

static AtriumLiveSpace *
space_at (AtriumLiveClient *client,
          guint             position)
{
  g_autoptr(AtriumLiveSpace) space =
    g_list_model_get_item (atrium_live_client_get_spaces (client), position);

  return space;   /* the model keeps it alive */
}

typedef struct
{
  AtriumLiveClient *client;
  gint64            count;
} CountWait;

static gboolean
space_count_is (gpointer data)
{
  CountWait *wait = data;

  return g_list_model_get_n_items (atrium_live_client_get_spaces (wait->client)) == 1 &&
         atrium_live_space_get_count (space_at (wait->client, 0)) == wait->count;
}

static gboolean
first_count_is (gpointer data)
{
  CountWait *wait = data;

  return atrium_live_space_get_count (space_at (wait->client, 0)) == wait->count;
}

static void
count_items_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    data)
{
  (*(guint *) data)++;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  (*(guint *) data)++;
}

/* The client's models hold exactly what GET /api/v1/occupancy says now. */
static void
assert_models_match_server (Fixture          *f,
                            AtriumLiveClient *client)
{
  g_autoptr(JsonNode) document = NULL;
  GListModel *spaces = atrium_live_client_get_spaces (client);
  GListModel *queues = atrium_live_client_get_queues (client);
  JsonArray *sites;
  guint n_spaces = 0, n_queues = 0;

  g_assert_cmpuint (request (f, "GET", "/api/v1/occupancy", f->seed.kiosk, NULL, &document),
                    ==, 200);
  sites = json_object_get_array_member (json_node_get_object (document), "sites");
  for (guint s = 0; s < json_array_get_length (sites); s++)
    {
      JsonObject *site = json_array_get_object_element (sites, s);
      JsonArray *list = json_object_get_array_member (site, "spaces");

      for (guint i = 0; i < json_array_get_length (list); i++, n_spaces++)
        {
          JsonObject *want = json_array_get_object_element (list, i);
          g_autoptr(AtriumLiveSpace) have = g_list_model_get_item (spaces, n_spaces);

          g_assert_nonnull (have);
          g_assert_cmpint (atrium_live_space_get_id (have), ==,
                           json_object_get_int_member (want, "id"));
          g_assert_cmpint (atrium_live_space_get_site_id (have), ==,
                           json_object_get_int_member (site, "id"));
          g_assert_cmpstr (atrium_live_space_get_name (have), ==,
                           json_object_get_string_member (want, "name"));
          g_assert_cmpint (atrium_live_space_get_count (have), ==,
                           json_object_get_int_member (want, "count"));
          g_assert_cmpint (atrium_live_space_get_capacity (have), ==,
                           json_object_get_int_member (want, "capacity"));
          g_assert_cmpint (atrium_live_space_get_free (have), ==,
                           json_object_get_int_member (want, "free"));
          g_assert_cmpint (atrium_live_space_get_percent (have), ==,
                           json_object_get_null_member (want, "percent")
                           ? -1 : json_object_get_int_member (want, "percent"));
          g_assert_cmpstr (atrium_live_space_get_level (have), ==,
                           json_object_get_string_member (want, "level"));
          if (json_object_get_null_member (want, "updated_at"))
            g_assert_null (atrium_live_space_get_updated_at (have));
          else
            {
              g_autofree char *stamp = g_date_time_format_iso8601 (
                atrium_live_space_get_updated_at (have));
              gint64 want_usec = 0, have_usec = 0;

              g_assert_true (atrium_time_parse_iso8601 (
                json_object_get_string_member (want, "updated_at"), &want_usec, NULL));
              g_assert_true (atrium_time_parse_iso8601 (stamp, &have_usec, NULL));
              g_assert_cmpint (want_usec, ==, have_usec);
            }
        }
      list = json_object_get_array_member (site, "queues");
      for (guint i = 0; i < json_array_get_length (list); i++, n_queues++)
        {
          JsonObject *want = json_array_get_object_element (list, i);
          g_autoptr(AtriumLiveQueue) have = g_list_model_get_item (queues, n_queues);

          g_assert_nonnull (have);
          g_assert_cmpint (atrium_live_queue_get_id (have), ==,
                           json_object_get_int_member (want, "id"));
          g_assert_cmpint (atrium_live_queue_get_length (have), ==,
                           json_object_get_int_member (want, "length"));
          g_assert_cmpint (atrium_live_queue_get_wait_seconds (have), ==,
                           json_object_get_null_member (want, "wait_seconds")
                           ? -1 : json_object_get_int_member (want, "wait_seconds"));
          g_assert_cmpstr (atrium_live_queue_get_wait_status (have), ==,
                           json_object_get_string_member (want, "wait_status"));
        }
    }
  g_assert_cmpuint (g_list_model_get_n_items (spaces), ==, n_spaces);
  g_assert_cmpuint (g_list_model_get_n_items (queues), ==, n_queues);
}

static AtriumLiveClient *
new_client (Fixture                 *f,
            const char              *token,
            const AtriumLiveTimings *timings)
{
  AtriumLiveClient *client = atrium_live_client_new (f->session, f->base_url, token);

  atrium_live_client_set_timings (client, timings);
  return client;
}

/* stop() cancels what is under way; the cancelled callbacks drop their references. */
static void
finish_client (AtriumLiveClient *client)
{
  atrium_live_client_stop (client);
  run_for (100);
  g_assert_finalize_object (client);
}

/* ---- tests --------------------------------------------------------------------------- */

static double
fixed_random (gpointer data)
{
  return *(double *) data;
}

/* Full jitter under an exponential bound, capped. */
static void
test_backoff (void)
{
  AtriumLiveTimings timings = { 500, 30000, 15000, 3 };
  guint bound = 500;

  for (guint attempt = 0; attempt < 40; attempt++)
    {
      g_assert_cmpuint (atrium_live_backoff_delay (&timings, attempt, 0.0), ==, 0);
      g_assert_cmpuint (atrium_live_backoff_delay (&timings, attempt, 0.5), ==, bound / 2);
      g_assert_cmpuint (atrium_live_backoff_delay (&timings, attempt, 0.999999), ==,
                        bound - 1);
      bound = MIN (bound * 2, 30000);
    }
  g_assert_cmpuint (bound, ==, 30000);
  /* A silly random number is kept in range. */
  g_assert_cmpuint (atrium_live_backoff_delay (&timings, 3, 7.0), <, 4000);
}

/* The models fill from the catch-up; a sensor's post changes that item, in place. */
static void
test_catch_up_and_change (Fixture       *f,
                          gconstpointer  data)
{
  AtriumLiveTimings timings = { 100, 2000, HEARTBEAT_MS, 3 };
  AtriumLiveClient *client = NULL;
  CountWait wait;
  guint spaces_changed = 0, queues_changed = 0, queue_notified = 0, count_notified = 0;
  AtriumLiveSpace *space;
  AtriumLiveQueue *queue;

  /* Some people are in before the client starts: the catch-up brings them. */
  post_counts (f, f->seed.space_sensor, f->seed.space_key, 4, 0);
  client = new_client (f, f->seed.kiosk, &timings);
  atrium_live_client_start (client);
  wait_for (is_live, client, 10000, "the client to be live");
  g_assert_null (atrium_live_client_get_error (client));
  g_assert_cmpuint (g_list_model_get_n_items (atrium_live_client_get_spaces (client)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (atrium_live_client_get_queues (client)), ==, 1);
  space = space_at (client, 0);
  g_assert_cmpint (atrium_live_space_get_id (space), ==, f->seed.space_id);
  g_assert_cmpint (atrium_live_space_get_count (space), ==, 4);
  g_assert_cmpuint (atrium_live_space_get_capacity (space), ==, 10);
  g_assert_cmpint (atrium_live_space_get_percent (space), ==, 40);
  g_assert_cmpstr (atrium_live_space_get_level (space), ==, "low");
  g_assert_nonnull (atrium_live_space_get_updated_at (space));
  assert_models_match_server (f, client);

  g_signal_connect (atrium_live_client_get_spaces (client), "items-changed",
                    G_CALLBACK (count_items_changed), &spaces_changed);
  g_signal_connect (atrium_live_client_get_queues (client), "items-changed",
                    G_CALLBACK (count_items_changed), &queues_changed);
  queue = g_list_model_get_item (atrium_live_client_get_queues (client), 0);
  g_signal_connect (queue, "notify", G_CALLBACK (count_notify), &queue_notified);
  g_signal_connect (space, "notify::count", G_CALLBACK (count_notify), &count_notified);

  post_counts (f, f->seed.space_sensor, f->seed.space_key, 5, 1);
  wait.client = client;
  wait.count = 8;
  wait_for (space_count_is, &wait, 5000, "the room's new count");
  g_assert_true (space_at (client, 0) == space);      /* the same object, updated */
  g_assert_cmpint (atrium_live_space_get_free (space), ==, 2);
  g_assert_cmpint (atrium_live_space_get_percent (space), ==, 80);
  g_assert_cmpstr (atrium_live_space_get_level (space), ==, "high");
  g_assert_cmpuint (count_notified, ==, 1);
  g_assert_cmpuint (spaces_changed, ==, 0);
  g_assert_cmpuint (queues_changed, ==, 0);
  g_assert_cmpuint (queue_notified, ==, 0);
  assert_models_match_server (f, client);
  g_assert_cmpuint (atrium_live_client_get_n_connections (client), ==, 1);

  g_signal_handlers_disconnect_by_data (queue, &queue_notified);
  g_signal_handlers_disconnect_by_data (space, &count_notified);
  g_object_unref (queue);
  finish_client (client);
}

/* A room added to the store while no server runs (as an operator's restore would). */
static gint64
add_room (Fixture    *f,
          const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (f->proc->data_dir, FALSE, NULL, &error);
  g_autoptr(AtriumSpace) space = atrium_space_new ();
  gint64 id;

  g_assert_no_error (error);
  space->site_id = 1;
  space->name = g_strdup (name);
  space->kind = g_strdup ("study_room");
  space->capacity = 4;
  space->attributes = g_strdup ("{}");
  id = atrium_store_space_create (db, space, &error);
  g_assert_no_error (error);
  return id;
}

/* `serve` again on the same store and port, as after a crash. */
static void
restart_server (Fixture *f)
{
  g_autofree char *config = g_build_filename (f->proc->base_dir, "server.conf", NULL);
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", f->proc->insecure_port);
  const char *argv[] = { g_getenv ("ATRIUM_SERVER"), "serve", "--data-dir", f->proc->data_dir,
                         "--insecure-http", address, "--config", config, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *line = NULL;

  close (f->proc->stdout_fd);
  close (f->proc->stderr_fd);
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                           &f->proc->pid, NULL, &f->proc->stdout_fd,
                                           &f->proc->stderr_fd, &error));
  g_assert_no_error (error);
  channel = g_io_channel_unix_new (f->proc->stdout_fd);
  g_io_channel_set_close_on_unref (channel, FALSE);
  do
    {
      g_clear_pointer (&line, g_free);
      g_assert_cmpint (g_io_channel_read_line (channel, &line, NULL, NULL, NULL), ==,
                       G_IO_STATUS_NORMAL);
    }
  while (!g_str_has_prefix (line, "listening: http (loopback, insecure) port"));
}

static void
kill_server (Fixture *f)
{
  int status = 0;

  g_assert_cmpint (kill (f->proc->pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (f->proc->pid, &status, 0), ==, f->proc->pid);
  g_spawn_close_pid (f->proc->pid);
  g_assert_true (WIFSIGNALED (status));
}

/* The server is killed while the client follows it and started again; a change made
 * meanwhile, before the client is back, is in its models once it is. */
static void
test_kill_restart (Fixture       *f,
                   gconstpointer  data)
{
  /* A fixed jitter makes the waits known: 90 % of 1 s, 2 s, 4 s (the cap). */
  AtriumLiveTimings timings = { 1000, 4000, HEARTBEAT_MS, 3 };
  double jitter = 0.9;
  AtriumLiveClient *client = new_client (f, f->seed.kiosk, &timings);
  AtriumLiveSpace *space;
  CountWait wait = { client, 6 };
  gint64 restarted;
  gint64 reconnected;

  atrium_live_client_set_random (client, fixed_random, &jitter);
  atrium_live_client_start (client);
  wait_for (is_live, client, 10000, "the client to be live");
  post_counts (f, f->seed.space_sensor, f->seed.space_key, 6, 0);
  wait_for (space_count_is, &wait, 5000, "the first count");
  space = space_at (client, 0);

  kill_server (f);
  wait_for (is_waiting, client, 5000, "the client to notice");
  g_assert_nonnull (atrium_live_client_get_error (client));
  g_assert_error (atrium_live_client_get_error (client), ATRIUM_API_ERROR,
                  ATRIUM_API_ERROR_OFFLINE);
  g_assert_cmpuint (atrium_live_client_get_retry_delay (client), ==, 900);

  /* Down for a while: the client retries, with longer waits, and fails. */
  run_for (2500);
  g_assert_cmpuint (atrium_live_client_get_n_connections (client), ==, 1);
  g_assert_cmpuint (atrium_live_client_get_retry_delay (client), >=, 1800);

  g_assert_cmpint (add_room (f, "Group Room"), >, f->seed.space_id);
  restart_server (f);
  restarted = g_get_monotonic_time ();
  /* The change the client has not seen: three more in, one (queue) person waiting. */
  g_assert_true (atrium_live_client_get_state (client) != ATRIUM_LIVE_STATE_LIVE);
  post_counts (f, f->seed.space_sensor, f->seed.space_key, 3, 0);
  post_counts (f, f->seed.queue_sensor, f->seed.queue_key, 1, 0);
  g_assert_cmpuint (atrium_live_client_get_n_connections (client), ==, 1);

  wait_for (is_live, client, 10000, "the client to reconnect");
  reconnected = g_get_monotonic_time ();
  /* Within one backoff wait (the cap) of the server's return, with slack for the
   * catch-up on a busy machine. */
  g_assert_cmpint ((reconnected - restarted) / 1000, <=, timings.max_backoff_ms + 1500);
  g_assert_cmpuint (atrium_live_client_get_n_connections (client), ==, 2);
  g_assert_null (atrium_live_client_get_error (client));
  /* The room added meanwhile is there, after the one the client already had. */
  g_assert_cmpuint (g_list_model_get_n_items (atrium_live_client_get_spaces (client)), ==, 2);
  g_assert_true (space_at (client, 0) == space);
  g_assert_cmpint (atrium_live_space_get_count (space), ==, 9);
  g_assert_cmpstr (atrium_live_space_get_name (space_at (client, 1)), ==, "Group Room");
  assert_models_match_server (f, client);

  /* And it follows again: a change after the reconnection arrives live. */
  post_counts (f, f->seed.space_sensor, f->seed.space_key, 0, 2);
  wait.count = 7;
  wait_for (first_count_is, &wait, 5000, "a count after the reconnection");
  assert_models_match_server (f, client);
  finish_client (client);
}

static gboolean
silence_noticed (gpointer data)
{
  const GError *error = atrium_live_client_get_error (data);

  return error != NULL && strstr (error->message, "nothing from the server") != NULL;
}

/* A server that stops answering (SIGSTOP) without closing anything is noticed by the
 * heartbeat watchdog; once it runs again the client is back. */
static void
test_watchdog (Fixture       *f,
               gconstpointer  data)
{
  AtriumLiveTimings timings = { 100, 1000, HEARTBEAT_MS, 3 };
  AtriumLiveClient *client = new_client (f, f->seed.kiosk, &timings);
  gint64 stopped;

  atrium_live_client_start (client);
  wait_for (is_live, client, 10000, "the client to be live");
  /* Heartbeats keep a quiet connection alive well past the watchdog's bound. */
  run_for (4 * HEARTBEAT_MS);
  g_assert_cmpint (atrium_live_client_get_state (client), ==, ATRIUM_LIVE_STATE_LIVE);
  g_assert_cmpuint (atrium_live_client_get_n_connections (client), ==, 1);

  g_assert_cmpint (kill (f->proc->pid, SIGSTOP), ==, 0);
  stopped = g_get_monotonic_time ();
  wait_for (silence_noticed, client, 10000, "the watchdog");
  g_assert_cmpint ((g_get_monotonic_time () - stopped) / 1000, >=, 2 * HEARTBEAT_MS);
  g_assert_cmpint (kill (f->proc->pid, SIGCONT), ==, 0);
  wait_for (is_live, client, 10000, "the client to be back");
  g_assert_cmpuint (atrium_live_client_get_n_connections (client), >=, 2);
  assert_models_match_server (f, client);
  finish_client (client);
}

/* A server that accepts the connection and never answers the upgrade (stopped) is given
 * up on after the same bound, and tried again. */
static void
test_hung_upgrade (Fixture       *f,
                   gconstpointer  data)
{
  AtriumLiveTimings timings = { 100, 1000, HEARTBEAT_MS, 3 };
  AtriumLiveClient *client = new_client (f, f->seed.kiosk, &timings);

  g_assert_cmpint (kill (f->proc->pid, SIGSTOP), ==, 0);
  atrium_live_client_start (client);
  wait_for (silence_noticed, client, 10000, "the watchdog during the upgrade");
  g_assert_cmpuint (atrium_live_client_get_n_connections (client), ==, 0);
  g_assert_cmpint (kill (f->proc->pid, SIGCONT), ==, 0);
  wait_for (is_live, client, 10000, "the client once the server runs");
  assert_models_match_server (f, client);
  finish_client (client);
}

static void
count_state (GObject    *object,
             GParamSpec *pspec,
             gpointer    data)
{
  (*(guint *) data)++;
}

/* A wrong token: one attempt, a clear error, and no more attempts until a new token. */
static void
test_unauthorised (Fixture       *f,
                   gconstpointer  data)
{
  AtriumLiveTimings timings = { 50, 200, HEARTBEAT_MS, 3 };
  AtriumLiveClient *client = new_client (f, "not-a-token", &timings);
  guint changes = 0;

  g_signal_connect (client, "notify::state", G_CALLBACK (count_state), &changes);
  atrium_live_client_start (client);
  wait_for (is_unauthorised, client, 5000, "the refusal");
  g_assert_error (atrium_live_client_get_error (client), ATRIUM_API_ERROR,
                  ATRIUM_API_ERROR_UNAUTHORISED);
  g_assert_cmpuint (changes, ==, 2);   /* connecting, unauthorised */
  /* Many backoff bounds later: still nothing tried. */
  run_for (1000);
  g_assert_cmpuint (changes, ==, 2);
  g_assert_cmpuint (atrium_live_client_get_n_connections (client), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (atrium_live_client_get_spaces (client)), ==, 0);

  /* Signed in again: live at once. */
  atrium_live_client_set_token (client, f->seed.kiosk);
  wait_for (is_live, client, 10000, "the client with a good token");
  assert_models_match_server (f, client);
  g_signal_handlers_disconnect_by_data (client, &changes);
  finish_client (client);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/live-client/backoff", test_backoff);
  g_test_add ("/live-client/catch-up-and-change", Fixture, NULL, fixture_setup,
              test_catch_up_and_change, fixture_teardown);
  g_test_add ("/live-client/kill-restart", Fixture, NULL, fixture_setup, test_kill_restart,
              fixture_teardown);
  g_test_add ("/live-client/watchdog", Fixture, NULL, fixture_setup, test_watchdog,
              fixture_teardown);
  g_test_add ("/live-client/hung-upgrade", Fixture, NULL, fixture_setup, test_hung_upgrade,
              fixture_teardown);
  g_test_add ("/live-client/unauthorised", Fixture, NULL, fixture_setup, test_unauthorised,
              fixture_teardown);
  return g_test_run ();
}
