/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Bookings against the real server library on loopback, with a clock the test holds:
 * every booking rule, the Idempotency-Key contract, who sees which booking, the schema's
 * refusal of a double booking, "find something free", the managers' rules API, and fifty
 * clients racing for one slot over fifty connections of their own. The institution and
 * its people (with their sessions) are written into the store before the server serves. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "atrium-occupancy.h"
#include "atrium-random.h"
#include "atrium-store-bookings.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"
#include "atrium-store-users.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"
#include "atrium-totp.h"

/* 2026-11-24T09:00:00Z, a Tuesday: 10:00 in Paris. */
#define T0 (G_GINT64_CONSTANT (1795510800) * ATRIUM_USEC_PER_SEC)
#define SEC ATRIUM_USEC_PER_SEC

#define N_RACERS 50

/* The loopback client is one address: no limits in the way of what is tested here. */
#define CONFIG "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\nmax_connections_per_ip = 10000\n"

/* Never used to sign in: sessions are written with the accounts. */
#define UNUSED_HASH "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$unusedunusedunusedunused"

typedef struct
{
  gint64  site;
  gint64  annex;
  gint64  seat_quiet;     /* in the Reading Room (20 % full), power */
  gint64  seat_quiet2;    /* in the Reading Room, nothing of its own */
  gint64  seat_busy;      /* on the Group Floor (75 % full), power */
  gint64  room;           /* on the Group Floor, for 6 */
  gint64  laptop;         /* no space */
  gint64  annex_seat;
  gint64  alice_id;
  gint64  bob_id;
  char   *alice;          /* patrons' tokens */
  char   *bob;
  char   *carol;
  char   *staff;          /* staff of the site, second factor */
  char   *annex_staff;    /* staff of the other site */
  char   *manager;        /* manager of the site, second factor */
  char   *manager_1fa;    /* the same role, a session without the second factor */
  char   *racers[N_RACERS];
} Seed;

typedef struct
{
  AtriumClock      *clock;
  AtriumTestThread *server;
  guint16           port;
  Seed              seed;
} Fixture;

/* ---- the institution, written on the server's thread before it serves ---------------- */

static gint64
add_site (AtriumDb   *db,
          const char *name,
          gboolean    exceptions)
{
  g_autoptr(AtriumSite) site = atrium_site_new ();
  AtriumPeriod day = { 8 * 60, 20 * 60 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  site->name = g_strdup (name);
  site->address = g_strdup ("");
  site->timezone = g_strdup ("Europe/Paris");
  site->tz = g_time_zone_new_identifier ("Europe/Paris");
  for (guint d = 1; d <= 6; d++)
    g_array_append_val (site->hours[d], day);
  if (exceptions)
    {
      /* Thursday closed for training; Friday open 10:00-14:00 only. */
      AtriumClosure *closed = g_new0 (AtriumClosure, 1);
      AtriumClosure *short_day = g_new0 (AtriumClosure, 1);
      AtriumPeriod morning = { 10 * 60, 14 * 60 };

      g_strlcpy (closed->date, "2026-11-26", sizeof closed->date);
      closed->periods = g_array_new (FALSE, FALSE, sizeof (AtriumPeriod));
      closed->note = g_strdup ("Staff training");
      g_strlcpy (short_day->date, "2026-11-27", sizeof short_day->date);
      short_day->periods = g_array_new (FALSE, FALSE, sizeof (AtriumPeriod));
      g_array_append_val (short_day->periods, morning);
      short_day->note = g_strdup ("Inventory");
      g_ptr_array_add (site->exceptions, closed);
      g_ptr_array_add (site->exceptions, short_day);
    }
  id = atrium_store_site_create (db, site, &error);
  g_assert_no_error (error);
  return id;
}

static gint64
add_space (AtriumDb   *db,
           gint64      site,
           const char *name,
           const char *attributes,
           gint64      count)
{
  g_autoptr(AtriumSpace) space = atrium_space_new ();
  g_autoptr(GError) error = NULL;

  space->site_id = site;
  space->name = g_strdup (name);
  space->kind = g_strdup ("reading_room");
  space->capacity = 20;
  space->attributes = g_strdup (attributes);
  space->id = atrium_store_space_create (db, space, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_store_counter_set (db, space->id, 0, count, TRUE, T0 / SEC, &error));
  g_assert_no_error (error);
  return space->id;
}

static gint64
add_resource (AtriumDb   *db,
              gint64      site,
              gint64      space,
              const char *type,
              const char *name,
              guint       capacity,
              const char *attributes)
{
  g_autoptr(GError) error = NULL;
  gint64 id = atrium_store_resource_create (db, site, space, type, name, capacity, attributes,
                                            &error);

  g_assert_no_error (error);
  return id;
}

/* An account with one role and a session: its token. */
static char *
add_person (AtriumDb   *db,
            const char *name,
            guint       role,
            gint64      site,
            gboolean    second_factor,
            gint64     *id_out)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", name);
  g_autoptr(GError) error = NULL;
  char *token = atrium_random_base64url (32);
  g_autofree char *hash = atrium_token_hash (token);
  gint64 id = atrium_store_user_create (db, name, email, NULL, UNUSED_HASH, T0 / SEC, &error);

  g_assert_no_error (error);
  g_assert_true (atrium_store_user_add_role (db, id, role, site, &error));
  g_assert_cmpint (atrium_store_exec_bound (db, "INSERT INTO session (token_hash, user_id,"
                                            " second_factor, created_at, last_seen_at,"
                                            " expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5);",
                                            &error, 's', hash, 'i', id,
                                            'i', (gint64) second_factor, 'i', T0 / SEC,
                                            'i', T0 / SEC + 12 * 3600, 0), ==, 1);
  if (id_out != NULL)
    *id_out = id;
  return token;
}

static void
seed_institution (AtriumServer *server,
                  gpointer      user_data)
{
  Seed *seed = user_data;
  AtriumStore *store = atrium_server_get_store (server);
  g_autoptr(GError) error = NULL;
  AtriumBookingRules seat = { "seat", 30, 30, 120, 3, 2, 3, 1, FALSE };
  AtriumBookingRules room = { "room", 30, 60, 120, 7, 1, 2, 3, FALSE };
  gint64 quiet, busy;
  AtriumDb *db = atrium_store_write_begin (store);

  g_assert_true (atrium_db_exec (db, "BEGIN;", NULL));
  seed->site = add_site (db, "Central Library", TRUE);
  seed->annex = add_site (db, "Annex", FALSE);
  quiet = add_space (db, seed->site, "Reading Room", "{\"quiet\":true}", 4);
  busy = add_space (db, seed->site, "Group Floor", "{\"group_work\":true}", 15);
  seed->seat_quiet = add_resource (db, seed->site, quiet, "seat", "Seat Q1", 1,
                                   "{\"power\":true}");
  seed->seat_quiet2 = add_resource (db, seed->site, quiet, "seat", "Seat Q2", 1, NULL);
  seed->seat_busy = add_resource (db, seed->site, busy, "seat", "Seat G1", 1,
                                  "{\"power\":true}");
  seed->room = add_resource (db, seed->site, busy, "room", "Group room 1", 6,
                             "{\"screen\":true}");
  seed->laptop = add_resource (db, seed->site, 0, "equipment", "Laptop 1", 1, NULL);
  seed->annex_seat = add_resource (db, seed->annex, 0, "seat", "Annex seat", 1, NULL);
  g_assert_true (atrium_store_rules_put (db, seed->site, &seat, &error));
  g_assert_true (atrium_store_rules_put (db, seed->site, &room, &error));
  g_assert_no_error (error);

  seed->alice = add_person (db, "alice", ATRIUM_ROLE_PATRON, 0, FALSE, &seed->alice_id);
  seed->bob = add_person (db, "bob", ATRIUM_ROLE_PATRON, 0, FALSE, &seed->bob_id);
  seed->carol = add_person (db, "carol", ATRIUM_ROLE_PATRON, 0, FALSE, NULL);
  seed->staff = add_person (db, "steve", ATRIUM_ROLE_STAFF, seed->site, TRUE, NULL);
  seed->annex_staff = add_person (db, "anne", ATRIUM_ROLE_STAFF, seed->annex, TRUE, NULL);
  seed->manager = add_person (db, "maria", ATRIUM_ROLE_MANAGER, seed->site, TRUE, NULL);
  seed->manager_1fa = add_person (db, "mark", ATRIUM_ROLE_MANAGER, seed->site, FALSE, NULL);
  for (guint i = 0; i < N_RACERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("racer%02u", i);

      seed->racers[i] = add_person (db, name, ATRIUM_ROLE_PATRON, 0, FALSE, NULL);
    }
  g_assert_true (atrium_db_exec (db, "COMMIT;", NULL));
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
  g_free (f->seed.alice);
  g_free (f->seed.bob);
  g_free (f->seed.carol);
  g_free (f->seed.staff);
  g_free (f->seed.annex_staff);
  g_free (f->seed.manager);
  g_free (f->seed.manager_1fa);
  for (guint i = 0; i < N_RACERS; i++)
    g_free (f->seed.racers[i]);
}

/* ---- requests ------------------------------------------------------------------------ */

/* Day @day of the test week (0: Tuesday 24 November) at @hhmm in Paris, as RFC 3339. */
static char *
at (int         day,
    const char *hhmm)
{
  g_autoptr(GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  int hour = 0, minute = 0;
  g_autoptr(GDateTime) local = NULL;

  g_assert_cmpint (sscanf (hhmm, "%d:%d", &hour, &minute), ==, 2);
  local = g_date_time_new (paris, 2026, 11, 24 + day, hour, minute, 0);
  return atrium_time_format_iso8601 (g_date_time_to_unix (local) * SEC);
}

static char *
booking_body (gint64      resource,
              int         day,
              const char *from,
              const char *to,
              const char *extra)
{
  g_autofree char *start = at (day, from);
  g_autofree char *end = at (day, to);

  return g_strdup_printf ("{\"resource_id\":%" G_GINT64_FORMAT ",\"start\":\"%s\","
                          "\"end\":\"%s\"%s}", resource, start, end,
                          extra != NULL ? extra : "");
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

/* POST /api/v1/bookings with @key (NULL: none) on @session (NULL: a fresh one). */
static guint
post_booking (guint16              port,
              SoupSession         *session,
              const char          *token,
              const char          *key,
              const char          *body,
              char               **text_out,
              SoupMessageHeaders **headers_out)
{
  g_autoptr(SoupSession) own = session == NULL ? soup_session_new () : NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/bookings", port);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, "Authorization", bearer);
  if (key != NULL)
    soup_message_headers_replace (headers, "Idempotency-Key", key);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  answer = soup_session_send_and_read (session != NULL ? session : own, msg, NULL, &error);
  g_assert_no_error (error);
  if (text_out != NULL)
    *text_out = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  if (headers_out != NULL)
    *headers_out = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return soup_message_get_status (msg);
}

/* A booking with a fresh key; returns the status and, with @json, the answer. */
static guint
book (Fixture     *f,
      const char  *token,
      const char  *body,
      JsonNode   **json)
{
  g_autofree char *key = atrium_random_hex (16);
  g_autofree char *text = NULL;
  guint status = post_booking (f->port, NULL, token, key, body, &text, NULL);

  if (json != NULL)
    *json = parse (text);
  return status;
}

static gint64
booking_id_of (JsonNode *json)
{
  return json_object_get_int_member (json_node_get_object (json), "id");
}

/* The booking is refused as breaking @rule: 422 rule_violation naming it. */
static void
assert_rule (Fixture    *f,
             const char *token,
             const char *body,
             const char *rule)
{
  g_autoptr(JsonNode) json = NULL;
  JsonObject *object;

  g_test_message ("expecting %s for %s", rule, body);
  g_assert_cmpuint (book (f, token, body, &json), ==, 422);
  object = json_node_get_object (json);
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, "rule_violation");
  g_assert_cmpstr (json_object_get_string_member (object, "rule"), ==, rule);
  g_assert_true (strlen (json_object_get_string_member (object, "message")) > 0);
}

static void
assert_booked (Fixture    *f,
               const char *token,
               const char *body)
{
  g_autoptr(JsonNode) json = NULL;

  g_assert_cmpuint (book (f, token, body, &json), ==, 201);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "status"), ==,
                   "booked");
}

static guint
request (Fixture     *f,
         const char  *method,
         const char  *path,
         const char  *token,
         const char  *body,
         JsonNode   **json)
{
  return atrium_test_request (f->port, method, path, token, body, NULL, json, NULL);
}

static gint64
count_rows (Fixture    *f,
            const char *sql,
            gint64      arg)
{
  AtriumStore *store = atrium_server_get_store (atrium_test_thread_server (f->server));
  AtriumDb *db = atrium_store_read_begin (store);
  gint64 n = atrium_store_count_bound (db, sql, NULL, 'i', arg, 0);

  atrium_store_read_end (store, db);
  return n;
}

/* ---- every rule ---------------------------------------------------------------------- */

static void
test_rules (Fixture       *f,
            gconstpointer  data)
{
  const Seed *s = &f->seed;
  struct
  {
    const char *rule;
    gint64      resource;
    int         day;
    const char *from;
    const char *to;
    const char *extra;
  } broken[] = {
    { "past", s->seat_quiet, 0, "08:00", "09:00", NULL },
    { "granularity", s->seat_quiet, 1, "10:15", "11:15", NULL },
    { "granularity", s->seat_quiet, 1, "10:00", "10:45", NULL },
    { "min_duration", s->room, 1, "10:00", "10:30", ",\"group_size\":3" },
    { "max_duration", s->seat_quiet, 1, "10:00", "12:30", NULL },
    { "ahead", s->seat_quiet, 6, "10:00", "11:00", NULL },
    { "opening_hours", s->seat_quiet, 1, "07:30", "08:30", NULL },
    { "opening_hours", s->seat_quiet, 1, "19:30", "20:30", NULL },
    { "opening_hours", s->room, 5, "10:00", "11:00", ",\"group_size\":3" },   /* Sunday */
    { "closure", s->seat_quiet, 2, "10:00", "11:00", NULL },         /* closed Thursday */
    { "closure", s->seat_quiet, 3, "13:30", "14:30", NULL },         /* Friday until 14:00 */
    { "capacity", s->room, 1, "14:00", "15:00", ",\"group_size\":7" },
    { "capacity", s->seat_quiet, 1, "14:00", "15:00", ",\"group_size\":2" },
    { "min_group", s->room, 1, "14:00", "15:00", ",\"group_size\":2" },
  };

  /* Each broken rule is named; nothing was written for any of them. */
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *body = booking_body (broken[i].resource, broken[i].day, broken[i].from,
                                            broken[i].to, broken[i].extra);

      assert_rule (f, s->alice, body, broken[i].rule);
    }
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM booking WHERE ?1;", 1), ==, 0);

  /* Their compliant neighbours succeed: the slot under way (10:00-10:30 at 10:00), the
   * longest booking to closing time, a full room, the last hour of a short day, three
   * days ahead. */
  {
    g_autofree char *now_slot = booking_body (s->seat_quiet, 0, "10:00", "10:30", NULL);
    g_autofree char *longest = booking_body (s->seat_busy, 1, "18:00", "20:00", NULL);
    g_autofree char *room = booking_body (s->room, 1, "14:00", "15:00", ",\"group_size\":6");
    g_autofree char *friday = booking_body (s->seat_quiet2, 3, "13:00", "14:00", NULL);
    g_autofree char *grouped = booking_body (s->room, 1, "16:00", "17:00",
                                             ",\"group_size\":3");

    assert_booked (f, s->alice, now_slot);
    assert_booked (f, s->bob, longest);
    assert_booked (f, s->bob, room);
    assert_booked (f, s->alice, friday);
    assert_booked (f, s->alice, grouped);
  }

  /* Quotas: two seats a day and three a week for each patron, whichever seat; one of a
   * type at a time. */
  {
    g_autofree char *first = booking_body (s->seat_quiet, 1, "10:00", "11:00", NULL);
    g_autofree char *overlap = booking_body (s->seat_busy, 1, "10:30", "11:30", NULL);
    g_autofree char *second = booking_body (s->seat_quiet2, 1, "12:00", "13:00", NULL);
    g_autofree char *third = booking_body (s->seat_busy, 1, "14:00", "15:00", NULL);
    g_autofree char *friday = booking_body (s->seat_quiet, 3, "10:00", "11:00", NULL);
    g_autofree char *today = booking_body (s->seat_quiet2, 0, "15:00", "16:00", NULL);
    g_autoptr(JsonNode) mine = NULL;
    g_autofree char *path = NULL;
    JsonArray *list;

    assert_booked (f, s->carol, first);
    assert_rule (f, s->carol, overlap, "overlap");
    assert_booked (f, s->carol, second);
    assert_rule (f, s->carol, third, "daily_quota");
    assert_booked (f, s->carol, friday);
    assert_rule (f, s->carol, today, "weekly_quota");

    /* A cancelled booking no longer counts. */
    g_assert_cmpuint (request (f, "GET", "/api/v1/bookings?mine", s->carol, NULL, &mine), ==,
                      200);
    list = json_object_get_array_member (json_node_get_object (mine), "bookings");
    g_assert_cmpuint (json_array_get_length (list), ==, 3);
    path = g_strdup_printf ("/api/v1/bookings/%" G_GINT64_FORMAT "/cancel",
                            json_object_get_int_member (json_array_get_object_element (list, 0),
                                                        "id"));
    g_assert_cmpuint (request (f, "POST", path, s->carol, NULL, NULL), ==, 200);
    assert_booked (f, s->carol, today);
  }

  /* Equipment has no rules of its own at this site: the defaults (hour slots). */
  {
    g_autofree char *half = booking_body (s->laptop, 1, "10:30", "11:30", NULL);
    g_autofree char *hour = booking_body (s->laptop, 1, "10:00", "11:00", NULL);

    assert_rule (f, s->alice, half, "granularity");
    assert_booked (f, s->alice, hour);
  }

  /* Malformed requests are not rule violations: 400. */
  {
    g_autofree char *backwards = booking_body (s->seat_quiet, 1, "11:00", "10:00", NULL);

    g_assert_cmpuint (book (f, s->alice, backwards, NULL), ==, 400);
    g_assert_cmpuint (book (f, s->alice, "{\"resource_id\":1,\"start\":\"tomorrow\","
                                         "\"end\":\"later\"}", NULL), ==, 400);
    g_assert_cmpuint (book (f, s->alice, "{\"resource_id\":1}", NULL), ==, 400);
    g_assert_cmpuint (book (f, s->alice, "{\"resource_id\":1,\"start\":\"x\",\"end\":\"y\","
                                         "\"colour\":\"red\"}", NULL), ==, 400);
  }
  {
    g_autofree char *unknown = booking_body (99999, 1, "10:00", "11:00", NULL);

    g_assert_cmpuint (book (f, s->alice, unknown, NULL), ==, 404);
  }
}

/* ---- Idempotency-Key ----------------------------------------------------------------- */

/* A fresh session for a user the clock has outlived: sessions last 12 hours at most. */
static char *
new_session (Fixture    *f,
             const char *name)
{
  AtriumStore *store = atrium_server_get_store (atrium_test_thread_server (f->server));
  char *token = atrium_random_base64url (32);
  g_autofree char *hash = atrium_token_hash (token);
  gint64 now = atrium_clock_now (f->clock);
  AtriumDb *db = atrium_store_write_begin (store);

  g_assert_cmpint (atrium_store_exec_bound (db, "INSERT INTO session (token_hash, user_id,"
                                            " second_factor, created_at, last_seen_at,"
                                            " expires_at) SELECT ?1, id, 0, ?2, ?2, ?3"
                                            " FROM user WHERE name = ?4;", NULL,
                                            's', hash, 'i', now, 'i', now + 12 * 3600,
                                            's', name, 0), ==, 1);
  atrium_store_write_end (store);
  return token;
}

static void
test_idempotency (Fixture       *f,
                  gconstpointer  data)
{
  const Seed *s = &f->seed;
  g_autofree char *body = booking_body (s->seat_quiet, 1, "10:00", "11:00", NULL);
  g_autofree char *start = at (1, "10:00");
  g_autofree char *end = at (1, "11:00");
  /* The same request, its members in another order and spaced otherwise. */
  g_autofree char *same = g_strdup_printf ("{ \"end\": \"%s\", \"start\": \"%s\","
                                           " \"resource_id\": %" G_GINT64_FORMAT " }",
                                           end, start, s->seat_quiet);
  g_autofree char *other = booking_body (s->seat_quiet, 1, "11:00", "12:00", NULL);
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  g_autofree char *reordered = NULL;
  g_autofree char *text = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(JsonNode) json = NULL;

  /* No key, an empty or overlong one: 400, and nothing is booked. */
  g_assert_cmpuint (post_booking (f->port, NULL, s->alice, NULL, body, &text, NULL), ==, 400);
  json = parse (text);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "error"), ==,
                   "idempotency_key_required");
  {
    g_autofree char *long_key = g_strnfill (256, 'k');

    g_assert_cmpuint (post_booking (f->port, NULL, s->alice, "", body, NULL, NULL), ==, 400);
    g_assert_cmpuint (post_booking (f->port, NULL, s->alice, long_key, body, NULL, NULL), ==,
                      400);
  }
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM booking WHERE ?1;", 1), ==, 0);

  /* The same key and body: the stored answer, status and body byte for byte. */
  g_assert_cmpuint (post_booking (f->port, NULL, s->alice, "key-1", body, &first, NULL), ==,
                    201);
  g_assert_cmpuint (post_booking (f->port, NULL, s->alice, "key-1", body, &again, &headers),
                    ==, 201);
  g_assert_cmpstr (again, ==, first);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Idempotent-Replayed"), ==, "true");
  g_assert_cmpuint (post_booking (f->port, NULL, s->alice, "key-1", same, &reordered, NULL),
                    ==, 201);
  g_assert_cmpstr (reordered, ==, first);
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM booking WHERE ?1;", 1), ==, 1);

  /* The same key with another body: 422, nothing booked. */
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&json, json_node_unref);
  g_assert_cmpuint (post_booking (f->port, NULL, s->alice, "key-1", other, &text, NULL), ==,
                    422);
  json = parse (text);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "error"), ==,
                   "idempotency_key_reused");
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM booking WHERE ?1;", 1), ==, 1);

  /* Refusals are stored too: the retry of a 409 is the same 409, request id included. */
  {
    g_autofree char *taken = NULL;
    g_autofree char *retried = NULL;

    g_assert_cmpuint (post_booking (f->port, NULL, s->bob, "key-b", body, &taken, NULL), ==,
                      409);
    g_assert_nonnull (strstr (taken, "\"slot_taken\""));
    g_assert_cmpuint (post_booking (f->port, NULL, s->bob, "key-b", body, &retried, NULL), ==,
                      409);
    g_assert_cmpstr (retried, ==, taken);
  }

  /* Keys are per caller: Bob's "key-1" is not Alice's. */
  g_assert_cmpuint (post_booking (f->port, NULL, s->bob, "key-1", other, NULL, NULL), ==, 201);

  /* Kept 24 hours: still answered after 23 hours; forgotten after 24 (purged at the next
   * write), when the key is free for a new request. */
  atrium_clock_advance (f->clock, 23 * 3600 * SEC);
  {
    g_autofree char *alice = new_session (f, "alice");
    g_autofree char *later = NULL;

    g_assert_cmpuint (post_booking (f->port, NULL, alice, "key-1", body, &later, NULL), ==,
                      201);
    g_assert_cmpstr (later, ==, first);
  }
  atrium_clock_advance (f->clock, 3600 * SEC + 61 * SEC);
  {
    g_autofree char *alice = new_session (f, "alice");
    g_autofree char *saturday = booking_body (s->seat_quiet, 4, "10:00", "11:00", NULL);

    g_assert_cmpuint (post_booking (f->port, NULL, alice, "key-1", saturday, NULL, NULL), ==,
                      201);
    g_assert_cmpint (count_rows (f, "SELECT count (*) FROM idempotency WHERE created_at < ?1;",
                                 atrium_clock_now (f->clock) - 24 * 3600), ==, 0);
  }
}

/* ---- who sees what ------------------------------------------------------------------- */

static guint
get_booking (Fixture    *f,
             const char *token,
             gint64      id,
             const char *action)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/bookings/%" G_GINT64_FORMAT "%s", id,
                                           action != NULL ? action : "");

  return request (f, action != NULL ? "POST" : "GET", path, token, NULL, NULL);
}

static guint
list_count (Fixture    *f,
            const char *path,
            const char *token,
            gint64      id)
{
  g_autoptr(JsonNode) json = NULL;
  JsonArray *list;
  guint found = 0;

  if (request (f, "GET", path, token, NULL, &json) != 200)
    return G_MAXUINT;
  list = json_object_get_array_member (json_node_get_object (json), "bookings");
  for (guint i = 0; i < json_array_get_length (list); i++)
    found += json_object_get_int_member (json_array_get_object_element (list, i), "id") == id;
  return found;
}

static void
test_objects (Fixture       *f,
              gconstpointer  data)
{
  const Seed *s = &f->seed;
  g_autofree char *body = booking_body (s->seat_quiet, 1, "10:00", "11:00", NULL);
  g_autoptr(JsonNode) json = NULL;
  gint64 id;

  g_assert_cmpuint (book (f, s->alice, body, &json), ==, 201);
  id = booking_id_of (json);
  /* Where it is, in words, for calendars and lists. */
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "site_name"), ==,
                   "Central Library");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "space_name"),
                   ==, "Reading Room");

  /* Bob cannot see, list or cancel Alice's booking: it does not exist for him (404, the
   * same as a booking that does not exist at all). */
  g_assert_cmpuint (get_booking (f, s->alice, id, NULL), ==, 200);
  g_assert_cmpuint (get_booking (f, s->bob, id, NULL), ==, 404);
  g_assert_cmpuint (get_booking (f, s->bob, id + 1000, NULL), ==, 404);
  g_assert_cmpuint (get_booking (f, s->bob, id, "/cancel"), ==, 404);
  g_assert_cmpuint (list_count (f, "/api/v1/bookings?mine", s->bob, id), ==, 0);
  g_assert_cmpuint (list_count (f, "/api/v1/bookings?mine=1", s->alice, id), ==, 1);
  g_assert_cmpuint (list_count (f, "/api/v1/bookings?site=1&date=2026-11-25", s->bob, id), ==,
                    G_MAXUINT);
  /* Nor does the staff of another site. */
  g_assert_cmpuint (get_booking (f, s->annex_staff, id, NULL), ==, 404);
  g_assert_cmpuint (get_booking (f, s->annex_staff, id, "/cancel"), ==, 404);
  g_assert_cmpuint (list_count (f, "/api/v1/bookings?site=1&date=2026-11-25", s->annex_staff,
                                id), ==, G_MAXUINT);
  /* The site's staff see it, on its day only. */
  g_assert_cmpuint (get_booking (f, s->staff, id, NULL), ==, 200);
  g_assert_cmpuint (list_count (f, "/api/v1/bookings?site=1&date=2026-11-25", s->staff, id),
                    ==, 1);
  g_assert_cmpuint (list_count (f, "/api/v1/bookings?site=1&date=2026-11-26", s->staff, id),
                    ==, 0);
  g_assert_cmpuint (list_count (f, "/api/v1/bookings?site=1&date=2026-11-25&status=cancelled",
                                s->staff, id), ==, 0);
  g_assert_cmpuint (request (f, "GET", "/api/v1/bookings?site=1&date=25.11.2026", s->staff,
                             NULL, NULL), ==, 400);
  g_assert_cmpuint (request (f, "GET", "/api/v1/bookings?site=1&status=lost", s->staff, NULL,
                             NULL), ==, 400);

  /* Booking for someone else: staff of the site only, with a second factor. */
  {
    g_autofree char *for_alice = booking_body (s->seat_busy, 1, "12:00", "13:00",
                                               ",\"username\":\"alice\"");
    g_autofree char *bob_body = booking_body (s->seat_busy, 1, "14:00", "15:00", NULL);
    /* The same with "user_id" added before the closing brace. */
    g_autofree char *for_bob = g_strdup_printf ("%.*s,\"user_id\":%" G_GINT64_FORMAT "}",
                                                (int) strlen (bob_body) - 1, bob_body,
                                                s->bob_id);
    g_autofree char *by_staff = NULL;
    g_autoptr(JsonNode) made = NULL;
    JsonObject *object;

    g_assert_cmpuint (book (f, s->bob, for_alice, &made), ==, 403);
    g_assert_cmpuint (book (f, s->annex_staff, for_alice, NULL), ==, 403);
    g_assert_cmpuint (book (f, s->manager_1fa, for_alice, &made), ==, 403);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (made), "error"), ==,
                     "second_factor_required");
    g_clear_pointer (&made, json_node_unref);
    g_assert_cmpuint (book (f, s->staff, for_bob, &made), ==, 201);
    object = json_node_get_object (made);
    g_assert_cmpint (json_object_get_int_member (object, "user_id"), ==, s->bob_id);
    g_assert_cmpstr (json_object_get_string_member (object, "username"), ==, "bob");
    g_assert_cmpint (json_object_get_int_member (object, "created_by"), !=, s->bob_id);
    /* Bob sees what was booked for him, and may cancel it. */
    g_assert_cmpuint (get_booking (f, s->bob, booking_id_of (made), NULL), ==, 200);
    g_assert_cmpuint (get_booking (f, s->bob, booking_id_of (made), "/cancel"), ==, 200);
    /* Someone who does not exist, for the staff: 404. */
    by_staff = booking_body (s->seat_busy, 1, "16:00", "17:00", ",\"username\":\"nobody\"");
    g_assert_cmpuint (book (f, s->staff, by_staff, NULL), ==, 404);
  }

  /* Alice cancels her own: once (200, cancelled), again (200, unchanged). The slot is free
   * at once. Staff cancel for a patron. */
  {
    g_autoptr(JsonNode) cancelled = NULL;
    g_autofree char *path = g_strdup_printf ("/api/v1/bookings/%" G_GINT64_FORMAT "/cancel",
                                             id);

    g_assert_cmpuint (request (f, "POST", path, s->alice, NULL, &cancelled), ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (cancelled),
                                                    "status"), ==, "cancelled");
    g_assert_cmpuint (request (f, "POST", path, s->alice, NULL, NULL), ==, 200);
    g_assert_cmpint (count_rows (f, "SELECT count (*) FROM booking_slot WHERE booking_id = ?1;",
                                 id), ==, 0);
    g_clear_pointer (&json, json_node_unref);
    g_assert_cmpuint (book (f, s->bob, body, &json), ==, 201);
    g_assert_cmpuint (get_booking (f, s->staff, booking_id_of (json), "/cancel"), ==, 200);
  }

  /* Each creation and cancellation left an audit entry. */
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM audit WHERE event = 'booking_created'"
                               " AND ?1;", 1), ==, 3);
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM audit"
                               " WHERE event = 'booking_cancelled' AND ?1;", 1), ==, 3);
}

/* ---- the schema ---------------------------------------------------------------------- */

/* Straight SQL, past every check in C: the store itself refuses a double booking. */
static void
test_schema (Fixture       *f,
             gconstpointer  data)
{
  const Seed *s = &f->seed;
  AtriumStore *store = atrium_server_get_store (atrium_test_thread_server (f->server));
  gint64 start = T0 / SEC + 86400;   /* Wednesday 10:00 in Paris */
  g_autoptr(GError) error = NULL;
  gint64 first, second;
  AtriumDb *db = atrium_store_write_begin (store);
  const char *insert = "INSERT INTO booking (resource_id, user_id, starts, ends, created_at)"
                       " VALUES (?1, ?2, ?3, ?4, ?5);";

  /* 10:00-11:00 takes twelve five-minute slots. */
  g_assert_cmpint (atrium_store_exec_bound (db, insert, &error, 'i', s->seat_quiet,
                                            'i', s->alice_id, 'i', start, 'i', start + 3600,
                                            'i', T0 / SEC, 0), ==, 1);
  first = sqlite3_last_insert_rowid (atrium_db_get_handle (db));
  g_assert_cmpint (atrium_store_count_bound (db, "SELECT count (*) FROM booking_slot"
                                             " WHERE booking_id = ?1;", NULL, 'i', first, 0),
                   ==, 12);
  /* 10:55-11:55 overlaps by one slot: refused. So is any move onto it. */
  g_assert_cmpint (atrium_store_exec_bound (db, insert, &error, 'i', s->seat_quiet,
                                            'i', s->bob_id, 'i', start + 3300,
                                            'i', start + 6900, 'i', T0 / SEC, 0), ==, -1);
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_cmpint (atrium_store_exec_bound (db, insert, &error, 'i', s->seat_quiet,
                                            'i', s->bob_id, 'i', start + 3600,
                                            'i', start + 7200, 'i', T0 / SEC, 0), ==, 1);
  second = sqlite3_last_insert_rowid (atrium_db_get_handle (db));
  g_assert_cmpint (atrium_store_exec_bound (db, "UPDATE booking SET starts = starts - 300"
                                            " WHERE id = ?1;", &error, 'i', second, 0),
                   ==, -1);
  g_assert_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT);
  g_clear_error (&error);
  /* A booking not on the five-minute grid, or longer than a day, cannot be stored. */
  g_assert_cmpint (atrium_store_exec_bound (db, insert, &error, 'i', s->seat_busy,
                                            'i', s->bob_id, 'i', start + 60,
                                            'i', start + 3660, 'i', T0 / SEC, 0), ==, -1);
  g_clear_error (&error);
  g_assert_cmpint (atrium_store_exec_bound (db, insert, &error, 'i', s->seat_busy,
                                            'i', s->bob_id, 'i', start, 'i', start + 86700,
                                            'i', T0 / SEC, 0), ==, -1);
  g_clear_error (&error);

  /* Checking in keeps the slots; cancelling, releasing and completing free them. */
  g_assert_cmpint (atrium_store_exec_bound (db, "UPDATE booking SET status = 'checked_in',"
                                            " check_in_at = ?2 WHERE id = ?1;", &error,
                                            'i', first, 'i', start, 0), ==, 1);
  g_assert_cmpint (atrium_store_count_bound (db, "SELECT count (*) FROM booking_slot"
                                             " WHERE booking_id = ?1;", NULL, 'i', first, 0),
                   ==, 12);
  g_assert_cmpint (atrium_store_exec_bound (db, "UPDATE booking SET status = 'no_show'"
                                            " WHERE id = ?1;", &error, 'i', second, 0), ==, 1);
  g_assert_cmpint (atrium_store_count_bound (db, "SELECT count (*) FROM booking_slot"
                                             " WHERE booking_id = ?1;", NULL, 'i', second, 0),
                   ==, 0);
  g_assert_cmpint (atrium_store_exec_bound (db, insert, &error, 'i', s->seat_quiet,
                                            'i', s->bob_id, 'i', start + 3600,
                                            'i', start + 7200, 'i', T0 / SEC, 0), ==, 1);
  /* Anonymised: the booking keeps its resource and times, and its slots. */
  g_assert_cmpint (atrium_store_exec_bound (db, "UPDATE booking SET user_id = NULL,"
                                            " anonymised_at = ?2 WHERE id = ?1;", &error,
                                            'i', first, 'i', start, 0), ==, 1);
  g_assert_cmpint (atrium_store_count_bound (db, "SELECT count (*) FROM booking_slot"
                                             " WHERE booking_id = ?1;", NULL, 'i', first, 0),
                   ==, 12);
  g_assert_no_error (error);
  atrium_store_write_end (store);
}

/* ---- find something free, and a resource's day -------------------------------------- */

static GArray *
found_ids (Fixture    *f,
           const char *query,
           const char *token)
{
  g_autofree char *path = g_strconcat ("/api/v1/resources", query, NULL);
  g_autoptr(JsonNode) json = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  JsonArray *list;

  g_assert_cmpuint (request (f, "GET", path, token, NULL, &json), ==, 200);
  list = json_object_get_array_member (json_node_get_object (json), "resources");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      gint64 id = json_object_get_int_member (json_array_get_object_element (list, i), "id");

      g_array_append_val (ids, id);
    }
  return ids;
}

static void
test_find_free (Fixture       *f,
                gconstpointer  data)
{
  const Seed *s = &f->seed;
  g_autofree char *from = at (1, "10:00");
  g_autofree char *to = at (1, "12:00");
  g_autofree char *span = g_strdup_printf ("&free_from=%s&free_to=%s", from, to);
  g_autofree char *query = g_strconcat ("?site=1&type=seat&attrs=power", span, NULL);
  g_autoptr(GArray) ids = NULL;

  /* Seats with power, the quietest space first: the Reading Room (20 %) before the Group
   * Floor (75 %). A seat's space lends it its attributes (quiet). */
  ids = found_ids (f, query, s->alice);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, s->seat_quiet);
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, s->seat_busy);
  g_clear_pointer (&ids, g_array_unref);
  ids = found_ids (f, "?type=seat&attrs=quiet,power", s->alice);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, s->seat_quiet);
  g_clear_pointer (&ids, g_array_unref);
  ids = found_ids (f, "?type=room&attrs=screen&capacity=5", s->alice);
  g_assert_cmpuint (ids->len, ==, 1);
  g_clear_pointer (&ids, g_array_unref);
  ids = found_ids (f, "?type=room&capacity=7", s->alice);
  g_assert_cmpuint (ids->len, ==, 0);
  g_clear_pointer (&ids, g_array_unref);

  /* Once the quiet seat is booked over part of the span, only the other is free. */
  {
    g_autofree char *body = booking_body (s->seat_quiet, 1, "11:30", "12:30", NULL);

    assert_booked (f, s->bob, body);
  }
  ids = found_ids (f, query, s->alice);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, s->seat_busy);
  g_clear_pointer (&ids, g_array_unref);
  /* Nothing is free while the library is closed (Thursday). */
  {
    g_autofree char *closed_from = at (2, "10:00");
    g_autofree char *closed_to = at (2, "11:00");
    g_autofree char *closed = g_strdup_printf ("?site=1&type=seat&free_from=%s&free_to=%s",
                                               closed_from, closed_to);

    ids = found_ids (f, closed, s->alice);
    g_assert_cmpuint (ids->len, ==, 0);
    g_clear_pointer (&ids, g_array_unref);
  }

  /* Questions it does not take. */
  g_assert_cmpuint (request (f, "GET", "/api/v1/resources?attrs=fireplace", s->alice, NULL,
                             NULL), ==, 400);
  g_assert_cmpuint (request (f, "GET", "/api/v1/resources?type=sofa", s->alice, NULL, NULL), ==,
                    400);
  g_assert_cmpuint (request (f, "GET", "/api/v1/resources?free_from=2026-11-25T09:00:00Z",
                             s->alice, NULL, NULL), ==, 400);
  g_assert_cmpuint (request (f, "GET", "/api/v1/resources?site=77", s->alice, NULL, NULL), ==,
                    404);
  g_assert_cmpuint (request (f, "GET", "/api/v1/resources", NULL, NULL, NULL), ==, 401);

  /* The seat's Wednesday: open 08:00-20:00, busy 11:30-12:30, free around it. Who booked
   * is not said. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/resources/%" G_GINT64_FORMAT
                                             "/availability?date=2026-11-25", s->seat_quiet);
    g_autoptr(JsonNode) json = NULL;
    g_autofree char *text = NULL;
    JsonObject *day;
    JsonArray *busy, *free_list;

    g_assert_cmpuint (atrium_test_request (f->port, "GET", path, s->alice, NULL, &text, &json,
                                           NULL), ==, 200);
    g_assert_null (strstr (text, "bob"));
    day = json_node_get_object (json);
    g_assert_cmpstr (json_object_get_string_member (day, "date"), ==, "2026-11-25");
    busy = json_object_get_array_member (day, "busy");
    g_assert_cmpuint (json_array_get_length (busy), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (busy, 0),
                                                    "start"), ==, "2026-11-25T10:30:00Z");
    free_list = json_object_get_array_member (day, "free");
    g_assert_cmpuint (json_array_get_length (free_list), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (free_list, 0), "start"), ==,
                     "2026-11-25T07:00:00Z");
    g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (free_list, 1), "end"), ==,
                     "2026-11-25T19:00:00Z");
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (day, "rules"),
                                                 "slot_minutes"), ==, 30);
  }
  {
    g_autofree char *closed = g_strdup_printf ("/api/v1/resources/%" G_GINT64_FORMAT
                                               "/availability?date=2026-11-26", s->seat_quiet);
    g_autofree char *bad = g_strdup_printf ("/api/v1/resources/%" G_GINT64_FORMAT
                                            "/availability?date=tomorrow", s->seat_quiet);
    g_autoptr(JsonNode) json = NULL;

    g_assert_cmpuint (request (f, "GET", closed, s->alice, NULL, &json), ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_node_get_object (json), "open")), ==, 0);
    g_assert_cmpuint (request (f, "GET", bad, s->alice, NULL, NULL), ==, 400);
    g_assert_cmpuint (request (f, "GET", "/api/v1/resources/9999/availability", s->alice, NULL,
                               NULL), ==, 404);
  }
}

/* ---- the managers' rules API --------------------------------------------------------- */

static JsonObject *
rules_of (JsonNode   *json,
          const char *type)
{
  JsonArray *list = json_object_get_array_member (json_node_get_object (json), "rules");

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *rules = json_array_get_object_element (list, i);

      if (g_strcmp0 (json_object_get_string_member (rules, "type"), type) == 0)
        return rules;
    }
  g_assert_not_reached ();
}

static void
test_rules_api (Fixture       *f,
                gconstpointer  data)
{
  const Seed *s = &f->seed;
  const char *seat = "{\"slot_minutes\":15,\"min_minutes\":15,\"max_minutes\":180,"
                     "\"ahead_days\":5,\"per_day\":null,\"per_week\":4}";
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(JsonNode) changed = NULL;
  JsonObject *rules;

  /* Everyone signed in reads them; equipment has none set, so the defaults show. */
  g_assert_cmpuint (request (f, "GET", "/api/v1/sites/1/booking-rules", s->alice, NULL, &json),
                    ==, 200);
  rules = rules_of (json, "seat");
  g_assert_cmpint (json_object_get_int_member (rules, "max_minutes"), ==, 120);
  g_assert_false (json_object_get_boolean_member (rules, "default"));
  g_assert_true (json_object_get_boolean_member (rules_of (json, "equipment"), "default"));
  g_assert_cmpuint (request (f, "GET", "/api/v1/sites/9/booking-rules", s->alice, NULL, NULL),
                    ==, 404);

  /* Only the site's managers change them, with a second factor. */
  g_assert_cmpuint (request (f, "PUT", "/api/v1/sites/1/booking-rules/seat", s->alice, seat,
                             NULL), ==, 403);
  g_assert_cmpuint (request (f, "PUT", "/api/v1/sites/1/booking-rules/seat", s->staff, seat,
                             NULL), ==, 403);
  g_assert_cmpuint (request (f, "PUT", "/api/v1/sites/1/booking-rules/seat", s->manager_1fa,
                             seat, NULL), ==, 403);
  g_assert_cmpuint (request (f, "PUT", "/api/v1/sites/2/booking-rules/seat", s->manager, seat,
                             NULL), ==, 403);
  g_assert_cmpuint (request (f, "PUT", "/api/v1/sites/1/booking-rules/sofa", s->manager, seat,
                             NULL), ==, 404);
  /* Rules that contradict themselves, or fields nobody knows. */
  g_assert_cmpuint (request (f, "PUT", "/api/v1/sites/1/booking-rules/seat", s->manager,
                             "{\"slot_minutes\":30,\"min_minutes\":120,\"max_minutes\":60,"
                             "\"ahead_days\":5}", NULL), ==, 422);
  g_assert_cmpuint (request (f, "PUT", "/api/v1/sites/1/booking-rules/seat", s->manager,
                             "{\"slot_minutes\":7,\"min_minutes\":7,\"max_minutes\":70,"
                             "\"ahead_days\":5}", NULL), ==, 422);
  g_assert_cmpuint (request (f, "PUT", "/api/v1/sites/1/booking-rules/seat", s->manager,
                             "{\"slot_minutes\":30,\"min_minutes\":30,\"max_minutes\":60,"
                             "\"ahead_days\":5,\"discount\":1}", NULL), ==, 400);

  g_assert_cmpuint (request (f, "PUT", "/api/v1/sites/1/booking-rules/seat", s->manager, seat,
                             &changed), ==, 200);
  rules = json_node_get_object (changed);
  g_assert_cmpint (json_object_get_int_member (rules, "slot_minutes"), ==, 15);
  g_assert_true (json_object_get_null_member (rules, "per_day"));
  g_assert_cmpint (json_object_get_int_member (rules, "per_week"), ==, 4);
  /* In force at once: a quarter-hour booking of three hours is now fine. */
  {
    g_autofree char *body = booking_body (s->seat_quiet, 1, "10:15", "13:15", NULL);

    assert_booked (f, s->alice, body);
  }
  /* Back to the defaults. */
  g_assert_cmpuint (request (f, "DELETE", "/api/v1/sites/1/booking-rules/seat", s->manager,
                             NULL, NULL), ==, 200);
  g_clear_pointer (&json, json_node_unref);
  g_assert_cmpuint (request (f, "GET", "/api/v1/sites/1/booking-rules", s->alice, NULL, &json),
                    ==, 200);
  g_assert_true (json_object_get_boolean_member (rules_of (json, "seat"), "default"));
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM audit"
                               " WHERE event = 'booking_rules_changed' AND ?1;", 1), ==, 2);
}

/* Managers add resources and describe them; a seat takes one person. */
static void
test_resources_api (Fixture       *f,
                    gconstpointer  data)
{
  const Seed *s = &f->seed;
  const char *create = "{\"name\":\"Window seat\",\"type\":\"seat\","
                       "\"description\":\"By the south window\",\"space_id\":null,"
                       "\"attributes\":{\"power\":true,\"accessible\":true}}";
  g_autoptr(JsonNode) made = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *path = NULL;
  g_autofree char *room = g_strdup_printf ("/api/v1/resources/%" G_GINT64_FORMAT, s->room);
  JsonObject *object;
  gint64 id;

  g_assert_cmpuint (request (f, "POST", "/api/v1/sites/1/resources", s->staff, create, NULL),
                    ==, 403);
  g_assert_cmpuint (request (f, "POST", "/api/v1/sites/1/resources", s->manager_1fa, create,
                             NULL), ==, 403);
  g_assert_cmpuint (request (f, "POST", "/api/v1/sites/1/resources", s->manager,
                             "{\"name\":\"Sofa\",\"type\":\"seat\","
                             "\"attributes\":{\"fireplace\":true}}", NULL), ==, 400);
  g_assert_cmpuint (request (f, "POST", "/api/v1/sites/1/resources", s->manager,
                             "{\"name\":\"Sofa\",\"type\":\"sofa\"}", NULL), ==, 422);
  g_assert_cmpuint (request (f, "POST", "/api/v1/sites/1/resources", s->manager, create,
                             &made), ==, 201);
  object = json_node_get_object (made);
  id = json_object_get_int_member (object, "id");
  g_assert_cmpstr (json_object_get_string_member (object, "description"), ==,
                   "By the south window");
  g_assert_cmpuint (request (f, "POST", "/api/v1/sites/1/resources", s->manager, create, NULL),
                    ==, 409);

  path = g_strdup_printf ("/api/v1/resources/%" G_GINT64_FORMAT, id);
  g_assert_cmpuint (request (f, "PATCH", path, s->manager, "{\"capacity\":2}", NULL), ==, 422);
  g_assert_cmpuint (request (f, "PATCH", path, s->alice, "{\"description\":\"Mine\"}", NULL),
                    ==, 403);
  g_assert_cmpuint (request (f, "PATCH", room, s->manager,
                             "{\"capacity\":8,\"description\":\"Room with a view\"}", NULL),
                    ==, 200);
  ids = found_ids (f, "?site=1&type=seat&attrs=accessible", s->alice);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, id);
  g_clear_pointer (&ids, g_array_unref);
  ids = found_ids (f, "?type=room&capacity=8", s->alice);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM audit WHERE event LIKE 'resource_%'"
                               " AND ?1;", 1), ==, 2);
}

/* ---- fifty clients, one slot --------------------------------------------------------- */

typedef struct
{
  guint16     port;
  const char *token;
  const char *body;
  guint       index;
  GMutex     *lock;
  GCond      *cond;
  gboolean   *go;
  guint       status;
  char       *answer;
} Racer;

static gpointer
race (gpointer data)
{
  Racer *racer = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *key = g_strdup_printf ("race-%u", racer->index);

  /* Everyone starts together. */
  g_mutex_lock (racer->lock);
  while (!*racer->go)
    g_cond_wait (racer->cond, racer->lock);
  g_mutex_unlock (racer->lock);
  racer->status = post_booking (racer->port, session, racer->token, key, racer->body,
                                &racer->answer, NULL);
  return NULL;
}

static void
test_race (Fixture       *f,
           gconstpointer  data)
{
  const Seed *s = &f->seed;
  g_autofree char *body = booking_body (s->seat_quiet, 1, "10:00", "12:00", NULL);
  Racer racers[N_RACERS];
  GThread *threads[N_RACERS];
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  guint created = 0, taken = 0;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < N_RACERS; i++)
    {
      racers[i] = (Racer) { f->port, s->racers[i], body, i, &lock, &cond, &go, 0, NULL };
      threads[i] = g_thread_new ("racer", race, &racers[i]);
    }
  g_usleep (200 * 1000);
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  for (guint i = 0; i < N_RACERS; i++)
    {
      g_thread_join (threads[i]);
      if (racers[i].status == 201)
        created++;
      else if (racers[i].status == 409 && strstr (racers[i].answer, "\"slot_taken\"") != NULL)
        taken++;
      else
        g_test_message ("racer %u: %u %s", i, racers[i].status, racers[i].answer);
      g_free (racers[i].answer);
    }
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
  g_test_message ("%u created, %u slot_taken", created, taken);
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (taken, ==, N_RACERS - 1);
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM booking WHERE resource_id = ?1;",
                               s->seat_quiet), ==, 1);
  g_assert_cmpint (count_rows (f, "SELECT count (*) FROM booking_slot WHERE resource_id = ?1;",
                               s->seat_quiet), ==, 24);
}

/* The same race against the real binary run as two processes on one port
 * (`serve --workers 2`, the demo institution, the real clock): each process has its own
 * writer, so only the schema and SQLite's lock stand between them. */
static char *
next_open_slot (void)
{
  g_autoptr(GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  g_autoptr(GDateTime) now = g_date_time_new_now (paris);
  static const char *closed[] = { "12-24", "12-25", "01-01", "05-01", NULL };

  /* Tomorrow or the day after, not a Sunday nor a holiday of the demo: 10:00-11:00. */
  for (int d = 1; d <= 3; d++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (now, d);
      g_autofree char *month_day = g_date_time_format (day, "%m-%d");
      g_autoptr(GDateTime) start = NULL;
      g_autofree char *from = NULL;
      g_autofree char *to = NULL;

      if (g_date_time_get_day_of_week (day) == 7 || g_strv_contains (closed, month_day))
        continue;
      start = g_date_time_new (paris, g_date_time_get_year (day), g_date_time_get_month (day),
                               g_date_time_get_day_of_month (day), 10, 0, 0);
      from = atrium_time_format_iso8601 (g_date_time_to_unix (start) * SEC);
      to = atrium_time_format_iso8601 ((g_date_time_to_unix (start) + 3600) * SEC);
      return g_strdup_printf ("{\"resource_id\":1,\"start\":\"%s\",\"end\":\"%s\"}", from,
                              to);
    }
  g_assert_not_reached ();
}

static void
test_race_processes (void)
{
  const char *args[] = { "--workers", "2", NULL };
  AtriumTestProcess *proc = atrium_test_process_start (CONFIG, args);
  g_autofree char *body = next_open_slot ();
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(GError) error = NULL;
  char *tokens[N_RACERS];
  Racer racers[N_RACERS];
  GThread *threads[N_RACERS];
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  guint created = 0, taken = 0;
  gint64 now = g_get_real_time () / SEC;

  g_assert_cmpint (atrium_test_run_server_args (NULL, NULL, "demo", "--data-dir",
                                                proc->data_dir, NULL), ==, 0);
  /* Fifty patrons with a session each, written into the store the servers share. */
  db = atrium_store_open (proc->data_dir, FALSE, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_RACERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("racer%02u", i);
      g_autofree char *email = g_strdup_printf ("racer%02u@example.org", i);
      g_autofree char *hash = NULL;
      gint64 id = atrium_store_user_create (db, name, email, NULL, UNUSED_HASH, now, &error);

      g_assert_no_error (error);
      g_assert_true (atrium_store_user_add_role (db, id, ATRIUM_ROLE_PATRON, 0, &error));
      tokens[i] = atrium_random_base64url (32);
      hash = atrium_token_hash (tokens[i]);
      g_assert_cmpint (atrium_store_exec_bound (db, "INSERT INTO session (token_hash, user_id,"
                                                " second_factor, created_at, last_seen_at,"
                                                " expires_at) VALUES (?1, ?2, 0, ?3, ?3, ?4);",
                                                &error, 's', hash, 'i', id, 'i', now,
                                                'i', now + 3600, 0), ==, 1);
    }

  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < N_RACERS; i++)
    {
      racers[i] = (Racer) { proc->insecure_port, tokens[i], body, i, &lock, &cond, &go, 0,
                            NULL };
      threads[i] = g_thread_new ("racer", race, &racers[i]);
    }
  g_usleep (200 * 1000);
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  for (guint i = 0; i < N_RACERS; i++)
    {
      g_thread_join (threads[i]);
      if (racers[i].status == 201)
        created++;
      else if (racers[i].status == 409 && strstr (racers[i].answer, "\"slot_taken\"") != NULL)
        taken++;
      else
        g_test_message ("racer %u: %u %s", i, racers[i].status, racers[i].answer);
      g_free (racers[i].answer);
      g_free (tokens[i]);
    }
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
  g_test_message ("two processes: %u created, %u slot_taken", created, taken);
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (taken, ==, N_RACERS - 1);
  /* The one booking raced for, the demo's past bookings aside. */
  g_assert_cmpint (atrium_store_count_bound (db, "SELECT count (*) FROM booking"
                                             " WHERE resource_id = ?1 AND starts > ?2;", NULL,
                                             'i', 1, 'i', now, 0), ==, 1);
  g_assert_cmpint (atrium_store_count_bound (db, "SELECT count (*) FROM booking_slot"
                                             " WHERE resource_id = ?1;", NULL, 'i', 1, 0), ==,
                   12);
  g_assert_true (atrium_db_integrity_check (db, &error));
  g_clear_pointer (&db, atrium_db_close);
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/bookings/rules", test_rules);
  ADD ("/bookings/idempotency", test_idempotency);
  ADD ("/bookings/objects", test_objects);
  ADD ("/bookings/schema", test_schema);
  ADD ("/bookings/find-free", test_find_free);
  ADD ("/bookings/rules-api", test_rules_api);
  ADD ("/bookings/resources-api", test_resources_api);
  ADD ("/bookings/race", test_race);
#undef ADD
  g_test_add_func ("/bookings/race-processes", test_race_processes);
  return g_test_run ();
}
