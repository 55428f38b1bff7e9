/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sites, sensors, occupancy, waiting times and the live feed, against the real server
 * library on loopback with a clock the test moves. The institution is written into the
 * store before the server serves; people sign in through the API. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "atrium-demo.h"
#include "atrium-occupancy.h"
#include "atrium-queue-sim.h"
#include "atrium-simulator.h"
#include "atrium-random.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"
#include "atrium-store-users.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"
#include "atrium-totp.h"
#include "atrium-ws-client.h"

/* 2026-11-24T09:00:00Z, a Tuesday: 10:00 in Paris. */
#define T0 (G_GINT64_CONSTANT (1795510800) * ATRIUM_USEC_PER_SEC)
#define SEC ATRIUM_USEC_PER_SEC

#define STAFF_PW "Sunflower&Tea42x"
#define ADMIN_PW "Lighthouse#Owl77"

/* The loopback client is one address: no limits in the way of what is tested here. */
#define CONFIG "[brute_force]\nip_max_failures = 10000\n" \
               "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\n"

typedef struct
{
  char   *space_key;    /* the sensor of the reading room */
  char   *queue_key;    /* the sensor of the loan desk */
  char   *kiosk;
  gint64  space_sensor;
  gint64  queue_sensor;
  gint64  space_id;
  gint64  queue_id;
} Seed;

typedef struct
{
  AtriumClock      *clock;
  AtriumTestThread *server;
  guint16           port;
  Seed              seed;
} Fixture;

/* ---- the institution, written on the server's thread before it serves ---------------- */

static char *
add_device (AtriumDb   *db,
            gint64      site,
            gint64      space,
            gint64      queue,
            gint64     *id)
{
  char *token = atrium_random_base64url (32);
  g_autofree char *hash = atrium_token_hash (token);

  *id = space == 0 && queue == 0
        ? atrium_store_device_create (db, "kiosk", site, "Kiosk", hash, T0 / SEC, NULL)
        : atrium_store_sensor_create (db, site, space, queue, "Counter", hash, T0 / SEC, NULL);
  g_assert_cmpint (*id, >, 0);
  return token;
}

static void
seed_institution (AtriumServer *server,
                  gpointer      user_data)
{
  Seed *seed = user_data;
  AtriumStore *store = atrium_server_get_store (server);
  g_autoptr(AtriumSite) site = atrium_site_new ();
  g_autoptr(AtriumSpace) space = atrium_space_new ();
  AtriumQueue queue = { 0, 0, (char *) "Loan desk", (char *) "loan_desk" };
  AtriumPeriod day = { 8 * 60, 20 * 60 };
  g_autoptr(GError) error = NULL;
  gint64 kiosk;
  AtriumDb *db;

  site->name = g_strdup ("Central Library");
  site->address = g_strdup ("12 rue des Écoles");
  site->timezone = g_strdup ("Europe/Paris");
  site->tz = g_time_zone_new_identifier ("Europe/Paris");
  for (guint d = 1; d <= 6; d++)
    g_array_append_val (site->hours[d], day);

  db = atrium_store_write_begin (store);
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
  atrium_store_write_end (store);

  g_assert_true (atrium_occupancy_refresh (
    atrium_server_get_service (server, ATRIUM_SERVICE_OCCUPANCY), &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->clock = atrium_clock_new_fixed (T0);
  f->server = atrium_test_thread_start_full (CONFIG, f->clock, seed_institution, &f->seed);
  f->port = atrium_test_thread_port (f->server);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  atrium_test_thread_stop (f->server);
  g_object_unref (f->clock);
  g_free (f->seed.space_key);
  g_free (f->seed.queue_key);
  g_free (f->seed.kiosk);
}

static AtriumOccupancy *
occupancy (Fixture *f)
{
  return atrium_server_get_service (atrium_test_thread_server (f->server),
                                    ATRIUM_SERVICE_OCCUPANCY);
}

static void
advance (Fixture *f,
         gint64   seconds)
{
  atrium_clock_advance (f->clock, seconds * SEC);
}

/* ---- people -------------------------------------------------------------------------- */

/* An account made with the real CLI and signed in with its TOTP: a session token. */
static char *
sign_in (Fixture    *f,
         const char *name,
         const char *password,
         const char *role)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", name);
  g_autofree char *line = g_strconcat (password, "\n", NULL);
  const char *args[] = { "useradd", "--data-dir", atrium_test_thread_data_dir (f->server),
                         name, "--email", email, "--role", role, "--password-stdin", NULL };
  g_autofree char *out = NULL;

  g_assert_cmpint (atrium_test_run_server_input (line, &out, NULL, args), ==, 0);
  return atrium_test_sign_in (f->port, name, password, out, atrium_clock_now (f->clock));
}

/* ---- requests ------------------------------------------------------------------------ */

static char *
stamp (Fixture *f,
       gint64   offset_seconds)
{
  return atrium_time_format_iso8601 (atrium_clock_now_usec (f->clock) + offset_seconds * SEC);
}

static guint
post_counts_at (Fixture    *f,
                gint64      sensor,
                const char *key,
                gint64      seq,
                const char *ts,
                guint       in,
                guint       out,
                JsonNode  **json)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/sensors/%" G_GINT64_FORMAT "/counts",
                                           sensor);
  g_autofree char *body = g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"ts\":\"%s\","
                                           "\"in\":%u,\"out\":%u}", seq, ts, in, out);

  return atrium_test_request (f->port, "POST", path, key, body, NULL, json, NULL);
}

static guint
post_counts (Fixture *f,
             gint64   seq,
             guint    in,
             guint    out)
{
  g_autofree char *ts = stamp (f, 0);

  return post_counts_at (f, f->seed.space_sensor, f->seed.space_key, seq, ts, in, out, NULL);
}

/* The reading room as GET /api/v1/occupancy shows it. */
static JsonObject *
room (Fixture   *f,
      JsonNode **holder)
{
  JsonObject *site;

  g_clear_pointer (holder, json_node_unref);
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/occupancy", f->seed.kiosk,
                                         NULL, NULL, holder, NULL), ==, 200);
  site = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (*holder), "sites"), 0);
  return json_array_get_object_element (json_object_get_array_member (site, "spaces"), 0);
}

static gint64
room_count (Fixture *f)
{
  g_autoptr(JsonNode) holder = NULL;

  return json_object_get_int_member (room (f, &holder), "count");
}

static gint64
events_of_kind (Fixture    *f,
                const char *kind)
{
  AtriumStore *store = atrium_server_get_store (atrium_test_thread_server (f->server));
  AtriumDb *db = atrium_store_read_begin (store);
  sqlite3_stmt *stmt = atrium_store_prepare (db, "SELECT count (*) FROM site_event"
                                             " WHERE kind = ?1;", NULL);
  gint64 n;

  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  atrium_store_read_end (store, db);
  return n;
}

/* ---- tests --------------------------------------------------------------------------- */

static void
test_document (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) holder = NULL;
  JsonObject *space;

  g_assert_cmpuint (post_counts (f, 1, 7, 0), ==, 201);
  space = room (f, &holder);
  g_assert_cmpint (json_object_get_int_member (space, "count"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (space, "capacity"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (space, "free"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (space, "percent"), ==, 70);
  g_assert_cmpstr (json_object_get_string_member (space, "level"), ==, "medium");
  g_assert_cmpstr (json_object_get_string_member (space, "updated_at"), ==,
                   "2026-11-24T09:00:00Z");

  /* The levels' edges: under 50 % low, under 80 % medium, under 95 % high, else full. */
  g_assert_cmpint (atrium_level_for (49, 100), ==, ATRIUM_LEVEL_LOW);
  g_assert_cmpint (atrium_level_for (50, 100), ==, ATRIUM_LEVEL_MEDIUM);
  g_assert_cmpint (atrium_level_for (80, 100), ==, ATRIUM_LEVEL_HIGH);
  g_assert_cmpint (atrium_level_for (95, 100), ==, ATRIUM_LEVEL_FULL);

  /* Without credentials: refused (open_feed is off by default). */
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/occupancy", NULL, NULL,
                                         NULL, NULL, NULL), ==, 401);
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/sites/99/occupancy",
                                         f->seed.kiosk, NULL, NULL, NULL, NULL), ==, 404);
}

/* The hot read: after the full path has authenticated a token, the HTTP thread answers it
 * from memory for two seconds; a token it never saw, or one that has ended, goes the full
 * way and is refused. */
static void
test_fast_read (Fixture       *f,
                gconstpointer  data)
{
  AtriumStore *store = atrium_server_get_store (atrium_test_thread_server (f->server));
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autofree char *kiosk_hash = atrium_token_hash (f->seed.kiosk);
  AtriumDb *db;

  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/occupancy", f->seed.kiosk,
                                         NULL, &first, NULL, NULL), ==, 200);
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/occupancy", f->seed.kiosk,
                                         NULL, &second, NULL, &headers), ==, 200);
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==,
                   "application/json");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Content-Type-Options"), ==,
                   "nosniff");
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/occupancy",
                                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
                                         NULL, NULL, NULL), ==, 401);
  /* A sensor key is authenticated but may not read: never the fast way either. */
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/occupancy",
                                         f->seed.space_key, NULL, NULL, NULL, NULL), ==, 403);
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/occupancy",
                                         f->seed.space_key, NULL, NULL, NULL, NULL), ==, 403);

  /* The kiosk's token is revoked: refused once the two seconds are over. */
  db = atrium_store_write_begin (store);
  g_assert_cmpint (atrium_store_exec_bound (db, "DELETE FROM session WHERE token_hash = ?1;",
                                            NULL, 's', kiosk_hash, 0),
                   ==, 1);
  atrium_store_write_end (store);
  g_usleep (2100 * 1000);
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/occupancy", f->seed.kiosk,
                                         NULL, NULL, NULL, NULL), ==, 401);
}

static void
test_idempotent_and_ordering (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *ts = stamp (f, 0);

  /* seq 1, then 3, then 2: every post counts once, whatever the order. */
  g_assert_cmpuint (post_counts (f, 1, 5, 0), ==, 201);
  g_assert_cmpuint (post_counts (f, 3, 2, 1), ==, 201);
  g_assert_cmpuint (post_counts (f, 2, 1, 0), ==, 201);
  g_assert_cmpint (room_count (f), ==, 7);

  /* The same post again (a retry after a lost answer): nothing changes. */
  g_assert_cmpuint (post_counts_at (f, f->seed.space_sensor, f->seed.space_key, 2, ts, 1, 0,
                                    &json), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "status"), ==,
                   "repeated");
  g_assert_cmpint (room_count (f), ==, 7);
  /* The same seq with other figures: a conflict, refused. */
  g_assert_cmpuint (post_counts (f, 2, 4, 0), ==, 409);
  g_assert_cmpint (room_count (f), ==, 7);

  /* Timestamps too far from the server's clock, or not timestamps at all. */
  {
    g_autofree char *early = stamp (f, -301);
    g_autofree char *late = stamp (f, 301);
    g_autofree char *edge = stamp (f, -300);

    g_assert_cmpuint (post_counts_at (f, f->seed.space_sensor, f->seed.space_key, 10, early,
                                      1, 0, NULL), ==, 422);
    g_assert_cmpuint (post_counts_at (f, f->seed.space_sensor, f->seed.space_key, 11, late,
                                      1, 0, NULL), ==, 422);
    g_assert_cmpuint (post_counts_at (f, f->seed.space_sensor, f->seed.space_key, 12,
                                      "2026-13-45T99:99:99Z", 1, 0, NULL), ==, 422);
    g_assert_cmpuint (post_counts_at (f, f->seed.space_sensor, f->seed.space_key, 13, edge,
                                      1, 0, NULL), ==, 201);
  }
  g_assert_cmpint (room_count (f), ==, 8);

  /* Another sensor's id with this key, a kiosk's token, a negative count: refused. */
  g_assert_cmpuint (post_counts_at (f, f->seed.queue_sensor, f->seed.space_key, 20, ts, 1, 0,
                                    NULL), ==, 403);
  g_assert_cmpuint (post_counts_at (f, f->seed.space_sensor, f->seed.kiosk, 21, ts, 1, 0,
                                    NULL), ==, 403);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/sensors/%" G_GINT64_FORMAT "/counts",
                                             f->seed.space_sensor);
    g_autofree char *body = g_strdup_printf ("{\"seq\":22,\"ts\":\"%s\",\"in\":-1,\"out\":0}",
                                             ts);

    g_assert_cmpuint (atrium_test_request (f->port, "POST", path, f->seed.space_key, body,
                                           NULL, NULL, NULL), ==, 400);
  }
  g_assert_cmpint (room_count (f), ==, 8);
}

static void
test_clamping (Fixture       *f,
               gconstpointer  data)
{
  /* Capacity 10: a sensor that overcounts stops at 15; one that undercounts at 0. */
  g_assert_cmpuint (post_counts (f, 1, 40, 0), ==, 201);
  g_assert_cmpint (room_count (f), ==, 15);
  g_assert_cmpuint (post_counts (f, 2, 0, 100), ==, 201);
  g_assert_cmpint (room_count (f), ==, 0);
  g_assert_cmpuint (post_counts (f, 3, 3, 0), ==, 201);
  g_assert_cmpint (room_count (f), ==, 3);
}

static void
test_reset_at_closing (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before_closing = NULL;
  g_autoptr(JsonNode) json = NULL;

  g_assert_cmpuint (post_counts (f, 1, 6, 0), ==, 201);
  /* 19:59 in Paris: still open, nothing reset. */
  advance (f, 10 * 3600 - 60);
  g_assert_true (atrium_occupancy_run_jobs (occupancy (f), &error));
  g_assert_no_error (error);
  g_assert_cmpint (room_count (f), ==, 6);
  before_closing = stamp (f, 0);

  /* 20:01: closed; the counter starts the next day at zero. */
  advance (f, 120);
  g_assert_true (atrium_occupancy_run_jobs (occupancy (f), &error));
  g_assert_no_error (error);
  g_assert_cmpint (room_count (f), ==, 0);

  /* A post counted before closing that arrives after the reset feeds history only. */
  g_assert_cmpuint (post_counts_at (f, f->seed.space_sensor, f->seed.space_key, 2,
                                    before_closing, 0, 4, &json), ==, 201);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "status"), ==,
                   "late");
  g_assert_cmpint (room_count (f), ==, 0);

  /* Running the jobs again changes nothing. */
  g_assert_true (atrium_occupancy_run_jobs (occupancy (f), &error));
  g_assert_cmpint (room_count (f), ==, 0);
}

static void
test_correction (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *staff = sign_in (f, "sam", STAFF_PW, "staff:1");
  g_autofree char *other = sign_in (f, "olga", STAFF_PW, "staff:2");
  g_autofree char *path = g_strdup_printf ("/api/v1/spaces/%" G_GINT64_FORMAT "/correction",
                                           f->seed.space_id);

  g_assert_cmpuint (post_counts (f, 1, 9, 0), ==, 201);
  /* Staff count the room by hand: 4. Sensors go on from there. */
  g_assert_cmpuint (atrium_test_request (f->port, "POST", path, staff, "{\"count\":4}", NULL,
                                         NULL, NULL), ==, 200);
  g_assert_cmpint (room_count (f), ==, 4);
  g_assert_cmpuint (post_counts (f, 2, 2, 1), ==, 201);
  g_assert_cmpint (room_count (f), ==, 5);
  g_assert_cmpint (events_of_kind (f, "correction"), ==, 1);

  /* Another site's staff, a kiosk, a sensor: refused; a count beyond 1.5 × capacity or not a
   * number: refused. Nothing changed. */
  g_assert_cmpuint (atrium_test_request (f->port, "POST", path, other, "{\"count\":1}", NULL,
                                         NULL, NULL), ==, 403);
  g_assert_cmpuint (atrium_test_request (f->port, "POST", path, f->seed.kiosk, "{\"count\":1}",
                                         NULL, NULL, NULL), ==, 403);
  g_assert_cmpuint (atrium_test_request (f->port, "POST", path, f->seed.space_key,
                                         "{\"count\":1}", NULL, NULL, NULL), ==, 403);
  g_assert_cmpuint (atrium_test_request (f->port, "POST", path, staff, "{\"count\":16}", NULL,
                                         NULL, NULL), ==, 422);
  g_assert_cmpuint (atrium_test_request (f->port, "POST", path, staff, "{\"count\":\"4\"}",
                                         NULL, NULL, NULL), ==, 400);
  g_assert_cmpint (room_count (f), ==, 5);
}

static void
test_over_capacity (Fixture       *f,
                    gconstpointer  data)
{
  g_assert_cmpuint (post_counts (f, 1, 10, 0), ==, 201);
  g_assert_cmpint (events_of_kind (f, "over_capacity"), ==, 0);
  g_assert_cmpuint (post_counts (f, 2, 1, 0), ==, 201);
  g_assert_cmpint (events_of_kind (f, "over_capacity"), ==, 1);
  /* Still over: no second alert; back under 90 % and over again: a new one. */
  g_assert_cmpuint (post_counts (f, 3, 2, 0), ==, 201);
  g_assert_cmpint (events_of_kind (f, "over_capacity"), ==, 1);
  g_assert_cmpuint (post_counts (f, 4, 0, 5), ==, 201);
  g_assert_cmpuint (post_counts (f, 5, 3, 0), ==, 201);
  g_assert_cmpint (events_of_kind (f, "over_capacity"), ==, 2);
}

static void
test_silent_sensor (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (post_counts (f, 1, 1, 0), ==, 201);
  advance (f, 9 * 60);
  g_assert_true (atrium_occupancy_run_jobs (occupancy (f), &error));
  g_assert_cmpint (events_of_kind (f, "sensor_silent"), ==, 0);
  /* Ten minutes without a word (default [occupancy] sensor_silent_minutes): one event for
   * each silent sensor, once. The queue's sensor never spoke at all. */
  advance (f, 2 * 60);
  g_assert_true (atrium_occupancy_run_jobs (occupancy (f), &error));
  g_assert_no_error (error);
  g_assert_cmpint (events_of_kind (f, "sensor_silent"), ==, 2);
  g_assert_true (atrium_occupancy_run_jobs (occupancy (f), &error));
  g_assert_cmpint (events_of_kind (f, "sensor_silent"), ==, 2);
  /* It speaks again: back. */
  g_assert_cmpuint (post_counts (f, 2, 1, 0), ==, 201);
  g_assert_cmpint (events_of_kind (f, "sensor_back"), ==, 1);
}

static void
test_sites_api (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *admin = sign_in (f, "ada", ADMIN_PW, "admin");
  g_autofree char *staff = sign_in (f, "sam", STAFF_PW, "staff:1");
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *body = NULL;
  const char *site_json =
    "{\"name\":\"Science Library\",\"address\":\"4 place Jussieu\","
    "\"timezone\":\"Europe/Paris\",\"hours\":{\"monday\":[{\"opens\":\"09:00\","
    "\"closes\":\"12:00\"},{\"opens\":\"13:00\",\"closes\":\"20:00\"}]},"
    "\"exceptions\":[{\"date\":\"2026-12-25\",\"closed\":true,\"note\":\"Christmas\"}]}";
  JsonObject *site;
  gint64 id;

  g_assert_cmpuint (atrium_test_request (f->port, "POST", "/api/v1/sites", admin, site_json,
                                         NULL, &json, NULL), ==, 201);
  site = json_node_get_object (json);
  id = json_object_get_int_member (site, "id");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (
    json_object_get_object_member (site, "hours"), "monday")), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (
    json_object_get_array_member (site, "exceptions"), 0), "closed"));

  /* Staff read but do not create; bad input is a 422 naming the field; nothing saved. */
  g_assert_cmpuint (atrium_test_request (f->port, "POST", "/api/v1/sites", staff, site_json,
                                         NULL, NULL, NULL), ==, 403);
  g_assert_cmpuint (atrium_test_request (f->port, "POST", "/api/v1/sites", admin,
                                         "{\"name\":\"X\",\"timezone\":\"Mars/Olympus\"}",
                                         &body, NULL, NULL), ==, 422);
  g_assert_nonnull (strstr (body, "timezone"));
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (atrium_test_request (f->port, "POST", "/api/v1/sites", admin,
                                         "{\"name\":\"X\",\"timezone\":\"UTC\",\"hours\":"
                                         "{\"monday\":[{\"opens\":\"18:00\",\"closes\":"
                                         "\"09:00\"}]}}", &body, NULL, NULL), ==, 422);
  g_assert_nonnull (strstr (body, "hours.monday"));
  g_assert_cmpuint (atrium_test_request (f->port, "POST", "/api/v1/sites", admin,
                                         "{\"name\":\"X\",\"timezone\":\"UTC\",\"hours\":"
                                         "{\"funday\":[]}}", NULL, NULL, NULL), ==, 400);
  g_assert_cmpuint (atrium_test_request (f->port, "POST", "/api/v1/sites", admin, site_json,
                                         NULL, NULL, NULL), ==, 409);

  /* A space with a smaller evening capacity, then a queue; staff of site 1 may not. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/spaces", id);
    g_autofree char *queues = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/queues", id);
    g_autoptr(JsonNode) space = NULL;
    const char *space_json =
      "{\"name\":\"Main Hall\",\"kind\":\"reading_room\",\"capacity\":150,"
      "\"capacities\":[{\"weekday\":null,\"from\":\"18:00\",\"to\":\"24:00\",\"capacity\":75}],"
      "\"attributes\":{\"quiet\":true,\"floor\":0}}";

    g_assert_cmpuint (atrium_test_request (f->port, "POST", path, staff, space_json, NULL,
                                           NULL, NULL), ==, 403);
    g_assert_cmpuint (atrium_test_request (f->port, "POST", path, admin, space_json, NULL,
                                           &space, NULL), ==, 201);
    g_assert_true (json_object_get_boolean_member (json_object_get_object_member (
      json_node_get_object (space), "attributes"), "quiet"));
    g_assert_cmpuint (atrium_test_request (f->port, "POST", path, admin,
                                           "{\"name\":\"Bad\",\"kind\":\"ballroom\","
                                           "\"capacity\":1}", NULL, NULL, NULL), ==, 422);
    g_assert_cmpuint (atrium_test_request (f->port, "POST", queues, admin,
                                           "{\"name\":\"Entrance\",\"kind\":\"entrance\"}",
                                           NULL, NULL, NULL), ==, 201);
  }

  /* Everyone signed in sees both sites with their spaces and queues. */
  g_clear_pointer (&json, json_node_unref);
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/sites", f->seed.kiosk, NULL,
                                         NULL, &json, NULL), ==, 200);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (
    json_node_get_object (json), "sites")), ==, 2);

  /* A site with spaces is not deleted by accident. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT, id);

    g_assert_cmpuint (atrium_test_request (f->port, "DELETE", path, admin, NULL, NULL, NULL,
                                           NULL), ==, 409);
    g_assert_cmpuint (atrium_test_request (f->port, "PATCH", path, admin,
                                           "{\"address\":\"5 place Jussieu\"}", NULL, NULL,
                                           NULL), ==, 200);
  }
}

/* Queues simulated with known truth (tests/support/atrium-queue-sim.c) replayed minute by
 * minute through the sensor API; the estimate the occupancy document shows for each
 * minute is compared with the mean wait of those who joined in the next five minutes.
 * Four seeds, four queues, six hours, pooled: within 20 %. */
#define SIM_QUEUES  4
#define SIM_HOURS   6
#define SIM_WARM_UP 1800

static double
queue_wait (JsonNode *occupancy_doc,
            gint64    queue_id,
            gboolean *known)
{
  JsonObject *site = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (occupancy_doc), "sites"), 0);
  JsonArray *queues = json_object_get_array_member (site, "queues");

  for (guint i = 0; i < json_array_get_length (queues); i++)
    {
      JsonObject *queue = json_array_get_object_element (queues, i);

      if (json_object_get_int_member (queue, "id") != queue_id)
        continue;
      *known = !json_object_get_null_member (queue, "wait_seconds");
      return *known ? (double) json_object_get_int_member (queue, "wait_seconds") : 0;
    }
  g_assert_not_reached ();
}

static void
test_waiting_time (Fixture       *f,
                   gconstpointer  data)
{
  AtriumServer *server = atrium_test_thread_server (f->server);
  AtriumStore *store = atrium_server_get_store (server);
  gint64 start = T0 / SEC;
  AtriumQueueSimStep step = { start, 0.85 * 2 * 3600 / 90.0 };   /* load 0.85, 2 desks */
  AtriumQueueSimTable table = { &step, 1, FALSE };
  AtriumQueueSim *sims[SIM_QUEUES];
  const AtriumQueueSimPost *posts[SIM_QUEUES];
  gint64 queue_ids[SIM_QUEUES], sensors[SIM_QUEUES];
  char *keys[SIM_QUEUES];
  guint n_posts = 0;
  double sum_estimate = 0, sum_truth = 0;
  guint judged = 0, queued = 0, queued_estimated = 0;
  g_autoptr(GError) error = NULL;
  AtriumDb *db;

  db = atrium_store_write_begin (store);
  for (guint q = 0; q < SIM_QUEUES; q++)
    {
      g_autofree char *name = g_strdup_printf ("Desk %u", q + 1);
      AtriumQueue queue = { 0, 1, name, (char *) "help_desk" };
      AtriumQueueSimConfig config = {
        .seed = q + 1, .servers = 2, .start = start, .end = start + SIM_HOURS * 3600,
        .interval = 60, .rate_func = atrium_queue_sim_table_rate, .rate_data = &table,
        .rate_max = step.per_hour, .service = ATRIUM_QUEUE_SIM_SERVICE_EXPONENTIAL,
        .mean_service = 90,
      };

      queue_ids[q] = atrium_store_queue_create (db, &queue, &error);
      g_assert_no_error (error);
      keys[q] = add_device (db, 1, 0, queue_ids[q], &sensors[q]);
      sims[q] = atrium_queue_sim_run (&config);
      posts[q] = atrium_queue_sim_get_posts (sims[q], &n_posts);
    }
  atrium_store_write_end (store);
  g_assert_true (atrium_occupancy_refresh (occupancy (f), &error));

  for (guint i = 0; i < n_posts; i++)
    {
      g_autoptr(JsonNode) doc = NULL;
      gint64 now = posts[0][i].ts;

      atrium_clock_set (f->clock, now * SEC);
      for (guint q = 0; q < SIM_QUEUES; q++)
        {
          g_autofree char *ts = stamp (f, 0);

          g_assert_cmpint (posts[q][i].ts, ==, now);
          g_assert_cmpuint (post_counts_at (f, sensors[q], keys[q], (gint64) posts[q][i].seq,
                                            ts, posts[q][i].in, posts[q][i].out, NULL), ==,
                            201);
        }
      g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/occupancy",
                                             f->seed.kiosk, NULL, NULL, &doc, NULL), ==, 200);
      if (now - start < SIM_WARM_UP)
        continue;
      for (guint q = 0; q < SIM_QUEUES; q++)
        {
          double truth = 0, estimate;
          guint joined = 0;
          gboolean known = FALSE;

          estimate = queue_wait (doc, queue_ids[q], &known);
          if (atrium_queue_sim_length_at (sims[q], now) > 0)
            {
              queued++;
              queued_estimated += known;
            }
          if (!known || !atrium_queue_sim_true_wait (sims[q], now, 300, &truth, &joined))
            continue;
          sum_estimate += estimate;
          sum_truth += truth;
          judged++;
        }
    }

  g_test_message ("waiting time over %u judged minutes: mean estimate %.1f s, mean truth "
                  "%.1f s (%+.1f %%); estimates for %u of %u minutes with a queue", judged,
                  sum_estimate / judged, sum_truth / judged,
                  100.0 * (sum_estimate - sum_truth) / sum_truth, queued_estimated, queued);
  g_assert_cmpuint (judged, >, SIM_QUEUES * (SIM_HOURS * 60 - SIM_WARM_UP / 60) / 2);
  g_assert_cmpfloat (fabs (sum_estimate - sum_truth) / sum_truth, <=, 0.20);
  g_assert_cmpfloat ((double) queued_estimated / queued, >=, 0.9);
  for (guint q = 0; q < SIM_QUEUES; q++)
    {
      atrium_queue_sim_free (sims[q]);
      g_free (keys[q]);
    }
}

/* The live feed over the real HTTP layer: authenticated in the upgrade request, a
 * subscription, then every change of the room in order, quick ones merged. */
static AtriumWsClient *
live_connect (Fixture    *f,
              const char *token,
              guint      *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumWsClient) client = atrium_ws_client_connect ("127.0.0.1", f->port, 5000,
                                                              &error);
  g_autofree char *bearer = token != NULL ? g_strconcat ("Bearer ", token, NULL) : NULL;

  g_assert_no_error (error);
  if (!atrium_ws_client_handshake (client, "127.0.0.1", "/api/v1/live", bearer, 5000, status,
                                   NULL))
    return NULL;
  return g_steal_pointer (&client);
}

static JsonObject *
next_message (AtriumWsClient *client,
              JsonNode      **holder)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  do
    {
      g_clear_pointer (&text, g_free);
      text = atrium_ws_client_receive_text (client, 10000, &error);
      g_assert_no_error (error);
    }
  while (strstr (text, "\"heartbeat\"") != NULL);
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  g_clear_pointer (holder, json_node_unref);
  *holder = json_node_copy (json_parser_get_root (parser));
  return json_node_get_object (*holder);
}

static void
test_live (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(AtriumWsClient) client = NULL;
  g_autoptr(AtriumWsClient) stranger = NULL;
  g_autoptr(JsonNode) holder = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *message;
  gint64 first, second;
  guint status = 0;

  /* No credentials, or a sensor's: no feed. */
  stranger = live_connect (f, NULL, &status);
  g_assert_null (stranger);
  g_assert_cmpuint (status, ==, 401);
  stranger = live_connect (f, f->seed.space_key, &status);
  g_assert_null (stranger);
  g_assert_cmpuint (status, ==, 403);

  client = live_connect (f, f->seed.kiosk, &status);
  g_assert_nonnull (client);
  g_assert_cmpuint (status, ==, 101);
  g_assert_true (atrium_ws_client_send_text (client, "{\"type\":\"subscribe\",\"sites\":[1]}",
                                             &error));
  message = next_message (client, &holder);
  g_assert_cmpstr (json_object_get_string_member (message, "type"), ==, "subscribed");

  /* One post, more than half a second after the last change the server published (at
   * start): it comes at once, not at the end of a coalescing window. */
  g_usleep (600 * 1000);
  first = g_get_monotonic_time ();
  g_assert_cmpuint (post_counts (f, 1, 1, 0), ==, 201);
  message = next_message (client, &holder);
  g_assert_cmpstr (json_object_get_string_member (message, "type"), ==, "occupancy");
  g_assert_cmpint (json_object_get_int_member (message, "site"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (message, "space"),
                                               "count"), ==, 1);
  first = g_get_monotonic_time () - first;
  g_assert_cmpint (first, <, 400 * 1000);

  /* Four more within the half second: merged into one message with the last figure. */
  for (guint seq = 2; seq <= 5; seq++)
    g_assert_cmpuint (post_counts (f, seq, 1, 0), ==, 201);
  second = g_get_monotonic_time ();
  message = next_message (client, &holder);
  second = g_get_monotonic_time () - second;
  g_assert_cmpint (second, >, 100 * 1000);   /* held for the rest of the window */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (message, "space"),
                                               "count"), ==, 5);
  g_test_message ("live: first change after %.1f ms, the merged one %.1f ms after the last post",
                  first / 1000.0, second / 1000.0);

  /* A message larger than [live] max_message_bytes closes the feed (1009). */
  {
    g_autofree char *big = g_strnfill (5000, 'x');
    g_autofree char *text = g_strdup_printf ("{\"type\":\"subscribe\",\"x\":\"%s\"}", big);
    g_autoptr(AtriumWsFrame) frame = NULL;

    g_assert_true (atrium_ws_client_send_text (client, text, NULL));
    do
      {
        g_clear_pointer (&frame, atrium_ws_frame_free);
        frame = atrium_ws_client_receive (client, 10000, &error);
        g_assert_no_error (error);
      }
    while (frame->opcode != ATRIUM_WS_OPCODE_CLOSE);
    g_assert_cmpuint (frame->close_code, ==, 1009);
  }
}

/* Eight weeks of five-minute history for the reading room: open 08:00–20:00 Paris time,
 * occupancy 2 + 6 × a bump at 11:00 on Tuesdays (half that on other days), with noise. */
static double
pattern (double hour,
         gboolean tuesday)
{
  double x = (hour - 11.0) / 1.5;

  return (2 + 6 * exp (-x * x)) * (tuesday ? 1.0 : 0.5);
}

/* Writes @n_days of history from local midnight of @year-@month-@day in Paris. */
static gint64
write_history (Fixture *f,
               int      year,
               int      month,
               int      day,
               guint    n_days)
{
  AtriumStore *store = atrium_server_get_store (atrium_test_thread_server (f->server));
  g_autoptr(GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  g_autoptr(GDateTime) first = g_date_time_new (paris, year, month, day, 0, 0, 0);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  gint64 entries = 0;
  AtriumDb *db = atrium_store_write_begin (store);

  g_assert_true (atrium_db_exec (db, "BEGIN;", NULL));
  for (guint d = 0; d < n_days; d++)
    {
      g_autoptr(GDateTime) local = g_date_time_add_days (first, (int) d);
      gint64 midnight = g_date_time_to_unix (local);
      gboolean tuesday = g_date_time_get_day_of_week (local) == 2;

      for (gint64 t = midnight + 8 * 3600; t < midnight + 20 * 3600; t += 300)
        {
          double noise = g_rand_double_range (rand, -0.5, 0.5);
          double occupancy = MAX (0, pattern ((t - midnight) / 3600.0, tuesday) + noise);
          AtriumBucketRow row = { t, 1, 1, (gint64) ceil (occupancy),
                                  (gint64) (occupancy * 300), 0, 0 };

          g_assert_true (atrium_store_bucket_put (db, f->seed.space_id, 0, &row, &error));
          entries++;
        }
    }
  g_assert_true (atrium_db_exec (db, "COMMIT;", NULL));
  atrium_store_write_end (store);
  return entries;
}

static JsonObject *
forecast_of_room (Fixture    *f,
                  const char *date,
                  JsonNode  **holder)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/sites/1/forecast?date=%s", date);

  g_clear_pointer (holder, json_node_unref);
  g_assert_cmpuint (atrium_test_request (f->port, "GET", path, f->seed.kiosk, NULL, NULL,
                                         holder, NULL), ==, 200);
  return json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (*holder), "spaces"), 0);
}

static void
test_forecast (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) holder = NULL;
  JsonObject *room_forecast;
  JsonArray *slots;
  double worst = 0;

  /* The eight weeks before Tuesday 2026-11-24, across the end of summer time. */
  write_history (f, 2026, 9, 29, 56);
  room_forecast = forecast_of_room (f, "2026-11-24", &holder);
  g_assert_false (json_object_get_boolean_member (room_forecast, "insufficient_history"));
  g_assert_cmpint (json_object_get_int_member (room_forecast, "days_with_data"), ==, 8);
  slots = json_object_get_array_member (room_forecast, "slots");
  g_assert_cmpuint (json_array_get_length (slots), ==, 48);
  for (guint i = 16; i < 40; i++)   /* 08:00 to 20:00 */
    {
      JsonObject *slot = json_array_get_object_element (slots, i);
      double expected = (pattern (i / 2.0 + 1 / 12.0, TRUE) +
                         pattern (i / 2.0 + 5 / 12.0, TRUE)) / 2;
      double got = json_object_get_double_member (slot, "occupancy");

      worst = MAX (worst, fabs (got - expected));
    }
  g_test_message ("forecast of Tuesday 2026-11-24 from 8 Tuesdays: worst half-hour error "
                  "%.2f people (peak 8)", worst);
  g_assert_cmpfloat (worst, <, 0.6);
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (slots, 22),
                                                    "occupancy"), >, 6.5);   /* 11:00 */
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (slots, 4),
                                                    "occupancy"), ==, 0);    /* 02:00 */

  /* Four weeks earlier only two Tuesdays of history came before: flagged. */
  room_forecast = forecast_of_room (f, "2026-10-13", &holder);
  g_assert_true (json_object_get_boolean_member (room_forecast, "insufficient_history"));
  g_assert_cmpint (json_object_get_int_member (room_forecast, "days_with_data"), ==, 2);

  /* Bad dates are refused. */
  g_assert_cmpuint (atrium_test_request (f->port, "GET",
                                         "/api/v1/sites/1/forecast?date=2026-02-30",
                                         f->seed.kiosk, NULL, NULL, NULL, NULL), ==, 400);
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/sites/1/forecast?date=soon",
                                         f->seed.kiosk, NULL, NULL, NULL, NULL), ==, 400);
}

static void
test_stats (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *manager = sign_in (f, "mona", STAFF_PW, "manager:1");
  g_autofree char *staff = sign_in (f, "sam", STAFF_PW, "staff:1");
  g_autoptr(JsonNode) json = NULL;
  gint64 written = write_history (f, 2026, 11, 16, 7);   /* Monday to Sunday */
  JsonObject *series, *total;
  JsonArray *buckets;
  gint64 entries = 0;

  g_assert_cmpuint (atrium_test_request (f->port, "GET",
                                         "/api/v1/sites/1/stats?from=2026-11-16&to=2026-11-23"
                                         "&bucket=day&compare=previous", manager, NULL, NULL,
                                         &json, NULL), ==, 200);
  series = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (json), "series"), 0);
  buckets = json_object_get_array_member (series, "buckets");
  g_assert_cmpuint (json_array_get_length (buckets), ==, 7);
  for (guint i = 0; i < 7; i++)
    entries += json_object_get_int_member (json_array_get_object_element (buckets, i),
                                           "entries");
  g_assert_cmpint (entries, ==, written);
  total = json_object_get_object_member (series, "total");
  g_assert_cmpint (json_object_get_int_member (total, "entries"), ==, written);
  g_assert_cmpint (json_object_get_int_member (total, "peak"), ==, 9);
  /* The week before had nothing: no comparison to make. */
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (series,
                                                                                 "change"),
                                                  "comparable"));
  /* Tuesday is the busy day. */
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (buckets, 1),
                                                    "mean"), >,
                     json_object_get_double_member (json_array_get_object_element (buckets, 2),
                                                    "mean"));

  /* Staff and kiosks do not read statistics; bad ranges are refused. */
  g_assert_cmpuint (atrium_test_request (f->port, "GET",
                                         "/api/v1/sites/1/stats?from=2026-11-16&to=2026-11-23",
                                         staff, NULL, NULL, NULL, NULL), ==, 403);
  g_assert_cmpuint (atrium_test_request (f->port, "GET",
                                         "/api/v1/sites/1/stats?from=2026-11-16&to=2026-11-23",
                                         f->seed.kiosk, NULL, NULL, NULL, NULL), ==, 403);
  g_assert_cmpuint (atrium_test_request (f->port, "GET",
                                         "/api/v1/sites/1/stats?from=2026-11-23&to=2026-11-16",
                                         manager, NULL, NULL, NULL, NULL), ==, 400);
  g_assert_cmpuint (atrium_test_request (f->port, "GET",
                                         "/api/v1/sites/1/stats?from=2026-11-16&to=2026-11-23"
                                         "&bucket=fortnight", manager, NULL, NULL, NULL, NULL),
                    ==, 400);
}

/* The demo's traffic model: a morning rise, a lunch dip, an afternoon peak, an evening
 * fall; Saturdays quieter; exam weeks busier; nothing while closed. */
static void
test_traffic_model (void)
{
  g_autoptr(AtriumSite) site = atrium_site_new ();
  AtriumPeriod day = { 8 * 60, 22 * 60 };
  /* Paris is UTC+1 in November: 2026-11-24 is a Tuesday, 2026-11-28 a Saturday. */
  gint64 tuesday = G_GINT64_CONSTANT (1795474800);   /* 2026-11-24T00:00+01:00 */
  gint64 exams = tuesday + 14 * 86400;                /* 2026-12-08 */
#define AT(day, h, m) atrium_demo_expected_share (site, (day) + (h) * 3600 + (m) * 60, 0)

  site->timezone = g_strdup ("Europe/Paris");
  site->tz = g_time_zone_new_identifier ("Europe/Paris");
  for (guint d = 1; d <= 6; d++)
    g_array_append_val (site->hours[d], day);

  g_assert_cmpfloat (AT (tuesday, 7, 30), ==, 0);
  g_assert_cmpfloat (AT (tuesday, 8, 30), <, AT (tuesday, 10, 30));
  g_assert_cmpfloat (AT (tuesday, 13, 0), <, AT (tuesday, 11, 0));
  g_assert_cmpfloat (AT (tuesday, 13, 0), <, AT (tuesday, 15, 30));
  g_assert_cmpfloat (AT (tuesday, 21, 30), <, AT (tuesday, 15, 30) / 2);
  g_assert_cmpfloat (AT (tuesday + 4 * 86400, 15, 30), <, 0.6 * AT (tuesday, 15, 30));
  g_assert_cmpfloat (AT (exams, 15, 30), >, 1.2 * AT (tuesday, 15, 30));
  g_assert_cmpfloat (AT (tuesday + 5 * 86400, 15, 30), ==, 0);   /* Sunday: closed */
  for (int h = 0; h < 24; h++)
    g_assert_cmpfloat (AT (exams, h, 0), <=, 1.2);
#undef AT
}

/* `serve --simulate-sensors`: counts go through the sensor API and the room fills up
 * toward the model's figure for 10:00 on a Tuesday. */
static void
test_simulated_sensors (Fixture       *f,
                        gconstpointer  data)
{
  AtriumServer *server = atrium_test_thread_server (f->server);
  g_autoptr(AtriumSimulator) simulator = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;
  gint64 recorded = 0;

  /* A post a second, each carrying ten minutes of traffic. */
  simulator = atrium_simulator_start (server, 1, 10, &error);
  g_assert_no_error (error);
  while ((atrium_simulator_get_posts (simulator) < 2 * 6 || room_count (f) == 0) &&
         g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  g_test_message ("simulated sensors: %" G_GUINT64_FORMAT " posts, the room holds %"
                  G_GINT64_FORMAT, atrium_simulator_get_posts (simulator), room_count (f));
  g_assert_cmpuint (atrium_simulator_get_posts (simulator), >=, 12);
  g_clear_pointer (&simulator, atrium_simulator_stop);

  /* The posts are in the store like any sensor's, under its own device. */
  {
    AtriumStore *store = atrium_server_get_store (server);
    AtriumDb *db = atrium_store_read_begin (store);
    sqlite3_stmt *stmt = atrium_store_prepare (
      db, "SELECT count (*) FROM sensor_count c JOIN device d ON d.id = c.device_id"
      " WHERE d.name LIKE 'Simulated sensor%';", NULL);

    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    recorded = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    atrium_store_read_end (store, db);
  }
  g_assert_cmpint (recorded, >=, 12);
  /* Capacity 10 at about 60 % by the model, from empty: somebody came in. */
  g_assert_cmpint (room_count (f), >, 0);
  g_assert_cmpint (room_count (f), <=, 15);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/occupancy/document", test_document);
  ADD ("/occupancy/fast-read", test_fast_read);
  ADD ("/occupancy/live", test_live);
  ADD ("/occupancy/idempotent-and-ordering", test_idempotent_and_ordering);
  ADD ("/occupancy/clamping", test_clamping);
  ADD ("/occupancy/reset-at-closing", test_reset_at_closing);
  ADD ("/occupancy/correction", test_correction);
  ADD ("/occupancy/over-capacity", test_over_capacity);
  ADD ("/occupancy/silent-sensor", test_silent_sensor);
  ADD ("/occupancy/sites-api", test_sites_api);
  ADD ("/occupancy/waiting-time", test_waiting_time);
  ADD ("/occupancy/simulated-sensors", test_simulated_sensors);
  ADD ("/occupancy/forecast", test_forecast);
  ADD ("/occupancy/stats", test_stats);
  g_test_add_func ("/occupancy/traffic-model", test_traffic_model);
#undef ADD
  return g_test_run ();
}
