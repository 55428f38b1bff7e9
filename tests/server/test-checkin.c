/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Check-in, breaks, no-shows and booking mail, against the real server library on
 * loopback over HTTP, with a clock the test holds and a real SMTP sink: check-in by code
 * at the kiosk (a tampered or foreign code refused), the window (too early, too late),
 * staff checking in by hand, the scheduler releasing no-shows and ended breaks, free seats
 * from max(sensor count, checked in), the reminder sent once, the confirmation's calendar
 * file read back by libical, and booking changes on the live feed. */
#include "config.h"

#include <string.h>
#include <libical/ical.h>
#include <sodium.h>

#include "atrium-booking-jobs.h"
#include "atrium-checkin-code.h"
#include "atrium-occupancy.h"
#include "atrium-random.h"
#include "atrium-smtp-sink.h"
#include "atrium-store-bookings.h"
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
#define MINUTE (60 * SEC)

#define CONFIG "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\n" \
               "[session]\nidle_minutes = 1440\nabsolute_hours = 720\n" \
               "[server]\npublic_host = atrium.example.org\n" \
               "[mail]\nhost = 127.0.0.1\nport = %u\ntls = none\n" \
               "from = library@example.org\nfrom_name = Central Library\n"

#define UNUSED_HASH "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$unusedunusedunusedunused"

typedef struct
{
  gint64  site;
  gint64  annex;
  gint64  quiet;          /* the Reading Room: capacity 4, the sensors count 1 */
  gint64  seat[3];        /* in the Reading Room */
  gint64  annex_seat;
  char   *alice;          /* patrons */
  char   *bob;
  char   *staff;          /* staff of the site */
  char   *annex_staff;
  char   *kiosk;          /* the site's kiosk */
  char   *annex_kiosk;
} Seed;

typedef struct
{
  AtriumClock      *clock;
  AtriumSmtpSink   *sink;
  AtriumTestThread *server;
  guint16           port;
  Seed              seed;
} Fixture;

/* ---- the institution ----------------------------------------------------------------- */

static gint64
add_site (AtriumDb   *db,
          const char *name)
{
  g_autoptr(AtriumSite) site = atrium_site_new ();
  AtriumPeriod day = { 8 * 60, 20 * 60 };
  g_autoptr(GError) error = NULL;
  gint64 id;

  site->name = g_strdup (name);
  site->address = g_strdup ("1 rue de la Paix, Paris");
  site->timezone = g_strdup ("Europe/Paris");
  site->tz = g_time_zone_new_identifier ("Europe/Paris");
  for (guint d = 1; d <= 7; d++)
    g_array_append_val (site->hours[d], day);
  id = atrium_store_site_create (db, site, &error);
  g_assert_no_error (error);
  return id;
}

static char *
add_person (AtriumDb   *db,
            const char *name,
            guint       role,
            gint64      site)
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
                                            " expires_at) VALUES (?1, ?2, 1, ?3, ?3, ?4);",
                                            &error, 's', hash, 'i', id, 'i', T0 / SEC,
                                            'i', T0 / SEC + 30 * 86400, 0), ==, 1);
  return token;
}

static char *
add_kiosk (AtriumDb *db,
           gint64    site)
{
  g_autoptr(GError) error = NULL;
  char *token = atrium_random_base64url (32);
  g_autofree char *hash = atrium_token_hash (token);

  g_assert_cmpint (atrium_store_device_create (db, "kiosk", site, "Entrance", hash, T0 / SEC,
                                               &error), >, 0);
  g_assert_no_error (error);
  return token;
}

static void
seed_institution (AtriumServer *server,
                  gpointer      user_data)
{
  Seed *seed = user_data;
  AtriumStore *store = atrium_server_get_store (server);
  g_autoptr(AtriumSpace) space = atrium_space_new ();
  g_autoptr(GError) error = NULL;
  AtriumBookingRules seat = { "seat", 15, 15, 240, 7, 20, 50, 1, FALSE };
  AtriumDb *db = atrium_store_write_begin (store);

  g_assert_true (atrium_db_exec (db, "BEGIN;", NULL));
  seed->site = add_site (db, "Central Library");
  seed->annex = add_site (db, "Annex");
  space->site_id = seed->site;
  space->name = g_strdup ("Reading Room");
  space->kind = g_strdup ("reading_room");
  space->capacity = 4;
  space->attributes = g_strdup ("{\"quiet\":true}");
  seed->quiet = atrium_store_space_create (db, space, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_store_counter_set (db, seed->quiet, 0, 1, TRUE, T0 / SEC, &error));
  for (guint i = 0; i < G_N_ELEMENTS (seed->seat); i++)
    {
      g_autofree char *name = g_strdup_printf ("Seat %u", i + 1);

      seed->seat[i] = atrium_store_resource_create (db, seed->site, seed->quiet, "seat", name,
                                                    1, NULL, &error);
      g_assert_no_error (error);
    }
  seed->annex_seat = atrium_store_resource_create (db, seed->annex, 0, "seat", "Annex seat", 1,
                                                   NULL, &error);
  g_assert_true (atrium_store_rules_put (db, seed->site, &seat, &error));
  g_assert_no_error (error);
  seed->alice = add_person (db, "alice", ATRIUM_ROLE_PATRON, 0);
  seed->bob = add_person (db, "bob", ATRIUM_ROLE_PATRON, 0);
  seed->staff = add_person (db, "steve", ATRIUM_ROLE_STAFF, seed->site);
  seed->annex_staff = add_person (db, "anne", ATRIUM_ROLE_STAFF, seed->annex);
  seed->kiosk = add_kiosk (db, seed->site);
  seed->annex_kiosk = add_kiosk (db, seed->annex);
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
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;

  f->sink = atrium_smtp_sink_new (&error);
  g_assert_no_error (error);
  config = g_strdup_printf (CONFIG, atrium_smtp_sink_get_port (f->sink));
  f->clock = atrium_clock_new_fixed (T0);
  f->server = atrium_test_thread_start_full (config, f->clock, seed_institution, &f->seed);
  f->port = atrium_test_thread_port (f->server);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  Seed *s = &f->seed;

  atrium_test_thread_stop (f->server);
  atrium_smtp_sink_free (f->sink);
  g_object_unref (f->clock);
  g_free (s->alice);
  g_free (s->bob);
  g_free (s->staff);
  g_free (s->annex_staff);
  g_free (s->kiosk);
  g_free (s->annex_kiosk);
}

/* ---- requests ------------------------------------------------------------------------ */

static AtriumServer *
server_of (Fixture *f)
{
  return atrium_test_thread_server (f->server);
}

static void
advance (Fixture *f,
         gint64   usec)
{
  atrium_clock_advance (f->clock, usec);
}

/* The scheduler's pass, as its timer would run it. */
static void
run_jobs (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (atrium_booking_jobs_run (
    atrium_server_get_service (server_of (f), ATRIUM_SERVICE_BOOKINGS), &error));
  g_assert_no_error (error);
}

static guint
call (Fixture     *f,
      const char  *method,
      const char  *path,
      const char  *token,
      const char  *body,
      JsonNode   **json)
{
  g_autofree char *text = NULL;
  guint status = atrium_test_request (f->port, method, path, token, body, &text, json, NULL);

  g_test_message ("%s %s: %u %s", method, path, status, text);
  return status;
}

static const char *
member (JsonNode   *node,
        const char *name)
{
  JsonObject *object = json_node_get_object (node);

  if (!json_object_has_member (object, name) || json_object_get_null_member (object, name))
    return NULL;
  return json_object_get_string_member (object, name);
}

static JsonNode *
booking_of (JsonNode *answer)
{
  return json_object_get_member (json_node_get_object (answer), "booking");
}

/* Books @resource from @offset_min minutes after the clock's now, for @minutes. */
static JsonNode *
book (Fixture    *f,
      const char *token,
      gint64      resource,
      int         offset_min,
      int         minutes)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/bookings", f->port);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autofree char *key = atrium_random_hex (16);
  gint64 now = atrium_clock_now_usec (f->clock);
  g_autofree char *start = atrium_time_format_iso8601 (now + offset_min * MINUTE);
  g_autofree char *end = atrium_time_format_iso8601 (now + (offset_min + minutes) * MINUTE);
  g_autofree char *body = g_strdup_printf ("{\"resource_id\":%" G_GINT64_FORMAT ",\"start\":"
                                           "\"%s\",\"end\":\"%s\"}", resource, start, end);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                bearer);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Idempotency-Key",
                                key);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
                                             (gssize) g_bytes_get_size (answer), NULL));
  if (soup_message_get_status (msg) != SOUP_STATUS_CREATED)
    g_error ("booking: %u %.*s", soup_message_get_status (msg),
             (int) g_bytes_get_size (answer), (const char *) g_bytes_get_data (answer, NULL));
  return json_node_copy (json_parser_get_root (parser));
}

static gint64
id_of (JsonNode *booking)
{
  return json_object_get_int_member (json_node_get_object (booking), "id");
}

/* POST /api/v1/checkin {code} as @token: the status; the answer in @json. */
static guint
check_in_code (Fixture     *f,
               const char  *token,
               const char  *code,
               JsonNode   **json)
{
  g_autofree char *body = g_strdup_printf ("{\"code\":\"%s\"}", code);

  return call (f, "POST", "/api/v1/checkin", token, body, json);
}

static guint
booking_post (Fixture     *f,
              const char  *token,
              gint64       id,
              const char  *action,
              JsonNode   **json)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/bookings/%" G_GINT64_FORMAT "/%s", id,
                                           action);

  return call (f, "POST", path, token, NULL, json);
}

static char *
status_of (Fixture    *f,
           const char *token,
           gint64      id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/bookings/%" G_GINT64_FORMAT, id);
  g_autoptr(JsonNode) json = NULL;

  g_assert_cmpuint (call (f, "GET", path, token, NULL, &json), ==, 200);
  return g_strdup (member (json, "status"));
}

/* @json is read once @status is known: arguments have no order of evaluation. */
static void
assert_error (guint        status,
              JsonNode   **json,
              guint        expected_status,
              const char  *expected_error)
{
  g_assert_cmpuint (status, ==, expected_status);
  g_assert_nonnull (*json);
  g_assert_cmpstr (member (*json, "error"), ==, expected_error);
}

/* ---- mail ---------------------------------------------------------------------------- */

/* Message @index of the sink (waiting for it), with its subject and recipient checked. */
static AtriumSmtpSinkMessage *
mail_at (Fixture    *f,
         guint       index,
         const char *to,
         const char *subject_prefix)
{
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *subject = NULL;
  AtriumSmtpSinkMessage *message;
  g_autoptr(GError) error = NULL;

  g_assert_true (atrium_smtp_sink_wait_for (f->sink, index + 1, 10000));
  messages = atrium_smtp_sink_get_messages (f->sink);
  message = g_steal_pointer (&messages->pdata[index]);
  g_assert_cmpstr (message->recipients[0], ==, to);
  raw = atrium_smtp_sink_message_dup_header (message, "Subject", &error);
  g_assert_no_error (error);
  subject = atrium_smtp_sink_decode_header (raw, &error);
  g_assert_no_error (error);
  if (!g_str_has_prefix (subject, subject_prefix))
    g_error ("mail %u: subject “%s”, expected “%s…”", index, subject, subject_prefix);
  return message;
}

/* No more than @n mails arrive within a second. */
static void
assert_mail_count (Fixture *f,
                   guint    n)
{
  g_autoptr(GPtrArray) messages = NULL;

  g_assert_false (atrium_smtp_sink_wait_for (f->sink, n + 1, 1000));
  messages = atrium_smtp_sink_get_messages (f->sink);
  g_assert_cmpuint (messages->len, ==, n);
}

/* The calendar part of @message, parsed by libical and checked against iTIP. */
static icalcomponent *
calendar_of (AtriumSmtpSinkMessage *message,
             const char            *method)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) parts = atrium_smtp_sink_message_get_parts (message, &error);
  g_autofree char *wanted = g_strdup_printf ("method=%s", method);

  g_assert_no_error (error);
  for (guint i = 0; i < parts->len; i++)
    {
      AtriumSmtpSinkPart *part = parts->pdata[i];
      g_autofree char *ics = NULL;
      icalcomponent *calendar;

      if (g_strcmp0 (part->media_type, "text/calendar") != 0)
        continue;
      g_assert_nonnull (strstr (part->content_type, wanted));
      ics = g_strndup (g_bytes_get_data (part->content, NULL), g_bytes_get_size (part->content));
      calendar = icalparser_parse_string (ics);
      g_assert_nonnull (calendar);
      g_assert_cmpint (icalcomponent_count_errors (calendar), ==, 0);
      g_assert_true (icalrestriction_check (calendar));
      g_assert_cmpint (icalcomponent_count_errors (calendar), ==, 0);
      return calendar;
    }
  g_error ("no text/calendar part");
  return NULL;
}

static char *
text_of (AtriumSmtpSinkMessage *message)
{
  g_autoptr(GError) error = NULL;
  char *text = atrium_smtp_sink_message_dup_text (message, &error);

  g_assert_no_error (error);
  return text;
}

/* ---- check-in by code ---------------------------------------------------------------- */

/* A kiosk learns its own site from its token; people are not devices. */
static void
test_device (Fixture       *f,
             gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) annex = NULL;
  JsonObject *device;

  g_assert_cmpuint (call (f, "GET", "/api/v1/device", s->kiosk, NULL, &answer), ==, 200);
  device = json_node_get_object (answer);
  g_assert_cmpstr (json_object_get_string_member (device, "kind"), ==, "kiosk");
  g_assert_cmpstr (json_object_get_string_member (device, "name"), ==, "Entrance");
  g_assert_cmpint (json_object_get_int_member (device, "site_id"), ==, s->site);
  g_assert_cmpint (json_object_get_int_member (device, "id"), >, 0);
  g_assert_cmpuint (call (f, "GET", "/api/v1/device", s->annex_kiosk, NULL, &annex), ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (annex), "site_id"), ==,
                   s->annex);
  g_assert_cmpuint (call (f, "GET", "/api/v1/device", s->alice, NULL, NULL), ==, 403);
  g_assert_cmpuint (call (f, "GET", "/api/v1/device", NULL, NULL, NULL), ==, 401);
}

static void
test_kiosk_code (Fixture       *f,
                 gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) booking = book (f, s->alice, s->seat[0], 30, 60);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/bookings/%" G_GINT64_FORMAT,
                                           id_of (booking));
  g_autofree char *code = g_strdup (member (booking, "checkin_code"));
  g_autofree char *status = NULL;
  JsonArray *rows;

  /* The code travels with the booking: the answer, a read and the list of one's own. */
  g_assert_nonnull (code);
  g_assert_true (g_str_has_prefix (code, ATRIUM_CHECKIN_CODE_PREFIX));
  g_assert_cmpuint (strlen (code), ==, ATRIUM_CHECKIN_CODE_LEN);
  g_assert_cmpuint (call (f, "GET", path, s->alice, NULL, &answer), ==, 200);
  g_assert_cmpstr (member (answer, "checkin_code"), ==, code);
  g_clear_pointer (&answer, json_node_unref);
  g_assert_cmpuint (call (f, "GET", path, s->staff, NULL, &answer), ==, 200);
  g_assert_cmpstr (member (answer, "checkin_code"), ==, code);
  g_clear_pointer (&answer, json_node_unref);
  g_assert_cmpuint (call (f, "GET", path, s->bob, NULL, &answer), ==, 404);
  g_clear_pointer (&answer, json_node_unref);
  g_assert_cmpuint (call (f, "GET", "/api/v1/bookings?mine", s->alice, NULL, &list), ==, 200);
  rows = json_object_get_array_member (json_node_get_object (list), "bookings");
  g_assert_cmpuint (json_array_get_length (rows), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0),
                                                  "checkin_code"), ==, code);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (list), "no_shows"), ==, 0);

  /* 30 minutes before: the window opens 15 minutes before the start. */
  g_assert_cmpuint (check_in_code (f, s->kiosk, code, &answer), ==, 422);
  g_assert_cmpstr (member (answer, "error"), ==, "too_early");
  g_assert_cmpstr (member (answer, "opens_at"), ==, "2026-11-24T09:15:00Z");
  g_clear_pointer (&answer, json_node_unref);
  advance (f, 14 * MINUTE);
  g_assert_cmpuint (check_in_code (f, s->kiosk, code, &answer), ==, 422);
  g_clear_pointer (&answer, json_node_unref);

  /* A patron cannot check in, nor the kiosk of another site. */
  advance (f, 1 * MINUTE);
  g_assert_cmpuint (check_in_code (f, s->alice, code, &answer), ==, 403);
  g_clear_pointer (&answer, json_node_unref);
  assert_error (check_in_code (f, s->annex_kiosk, code, &answer), &answer, 403, "wrong_site");
  g_clear_pointer (&answer, json_node_unref);
  g_assert_cmpuint (check_in_code (f, s->annex_staff, code, &answer), ==, 403);
  g_clear_pointer (&answer, json_node_unref);
  status = status_of (f, s->alice, id_of (booking));
  g_assert_cmpstr (status, ==, "booked");
  g_clear_pointer (&status, g_free);

  /* Opened: checked in; again: the same, said so. */
  g_assert_cmpuint (check_in_code (f, s->kiosk, code, &answer), ==, 200);
  g_assert_cmpstr (member (answer, "result"), ==, "checked_in");
  g_assert_cmpstr (member (booking_of (answer), "status"), ==, "checked_in");
  g_assert_cmpstr (member (booking_of (answer), "check_in_at"), ==, "2026-11-24T09:15:00Z");
  /* A kiosk is a shared screen: no name in its answer. */
  g_assert_false (json_object_has_member (json_node_get_object (booking_of (answer)),
                                          "username"));
  g_clear_pointer (&answer, json_node_unref);
  advance (f, 5 * MINUTE);
  g_assert_cmpuint (check_in_code (f, s->kiosk, code, &answer), ==, 200);
  g_assert_cmpstr (member (answer, "result"), ==, "already_checked_in");
  g_assert_cmpstr (member (booking_of (answer), "check_in_at"), ==, "2026-11-24T09:15:00Z");
  g_clear_pointer (&answer, json_node_unref);
  status = status_of (f, s->alice, id_of (booking));
  g_assert_cmpstr (status, ==, "checked_in");

  /* A cancelled booking's code is refused. */
  {
    g_autoptr(JsonNode) other = book (f, s->bob, s->seat[1], 10, 30);

    g_assert_cmpuint (booking_post (f, s->bob, id_of (other), "cancel", &answer), ==, 200);
    g_assert_null (member (answer, "checkin_code"));
    g_clear_pointer (&answer, json_node_unref);
    assert_error (check_in_code (f, s->kiosk, member (other, "checkin_code"), &answer), &answer,
                  409, "booking_cancelled");
  }
}

/* Tampered codes, codes signed with another key, and things that are no code at all. */
static void
test_refused_codes (Fixture       *f,
                    gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) booking = book (f, s->alice, s->seat[0], 15, 60);
  g_autoptr(JsonNode) keys = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *code = g_strdup (member (booking, "checkin_code"));
  g_autofree char *tampered = g_strdup (code);
  g_autofree char *status = NULL;
  guint8 seed[ATRIUM_CHECKIN_SEED_LEN], public_key[ATRIUM_CHECKIN_PUBLIC_KEY_LEN];
  guint8 secret_key[ATRIUM_CHECKIN_SECRET_KEY_LEN];
  AtriumCheckinPayload payload = { 0, id_of (booking), s->seat[0], T0 / SEC + 900,
                                   T0 / SEC + 4500 };
  guint32 server_key;

  /* One character of the signature changed. */
  tampered[120] = tampered[120] == 'A' ? 'B' : 'A';
  assert_error (check_in_code (f, s->kiosk, tampered, &answer), &answer, 422,
                "code_bad_signature");
  g_clear_pointer (&answer, json_node_unref);
  /* The payload changed: another booking's number. */
  g_free (tampered);
  tampered = g_strdup (code);
  tampered[24] = tampered[24] == 'C' ? 'D' : 'C';
  g_assert_cmpuint (check_in_code (f, s->kiosk, tampered, &answer), ==, 422);
  g_assert_true (g_str_has_prefix (member (answer, "error"), "code_"));
  g_clear_pointer (&answer, json_node_unref);

  /* Signed with a key of our own making: under the server's key id, and under another. */
  g_assert_cmpuint (call (f, "GET", "/api/v1/keys", s->kiosk, NULL, &keys), ==, 200);
  server_key = (guint32) json_object_get_int_member (
    json_array_get_object_element (json_object_get_array_member (json_node_get_object (keys),
                                                                 "keys"), 0), "id");
  randombytes_buf (seed, sizeof seed);
  atrium_checkin_key_from_seed (seed, public_key, secret_key);
  payload.key_id = server_key;
  {
    g_autofree char *forged = atrium_checkin_code_encode (secret_key, &payload);

    assert_error (check_in_code (f, s->kiosk, forged, &answer), &answer, 422,
                  "code_bad_signature");
    g_clear_pointer (&answer, json_node_unref);
  }
  payload.key_id = server_key ^ 0x5a5a5a5a;
  {
    g_autofree char *foreign = atrium_checkin_code_encode (secret_key, &payload);

    assert_error (check_in_code (f, s->kiosk, foreign, &answer), &answer, 422,
                  "code_unknown_key");
    g_clear_pointer (&answer, json_node_unref);
  }
  assert_error (check_in_code (f, s->kiosk, "ATR1.HELLO", &answer), &answer, 422,
                "code_malformed");
  g_clear_pointer (&answer, json_node_unref);
  g_assert_cmpuint (call (f, "POST", "/api/v1/checkin", s->kiosk, "{\"code\":1}", &answer),
                    ==, 400);
  g_clear_pointer (&answer, json_node_unref);
  g_assert_cmpuint (call (f, "POST", "/api/v1/checkin", s->kiosk,
                          "{\"code\":\"x\",\"booking\":1}", &answer), ==, 400);
  g_clear_pointer (&answer, json_node_unref);

  /* None of it moved the booking; the real code still works. */
  status = status_of (f, s->alice, id_of (booking));
  g_assert_cmpstr (status, ==, "booked");
  g_assert_cmpuint (check_in_code (f, s->kiosk, code, &answer), ==, 200);
}

static void
test_too_late (Fixture       *f,
               gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) booking = book (f, s->alice, s->seat[0], 15, 60);
  g_autoptr(JsonNode) answer = NULL;
  const char *code = member (booking, "checkin_code");

  /* The window closes 15 minutes after the start: at 09:30Z. */
  advance (f, 29 * MINUTE + 59 * SEC);
  g_assert_cmpuint (check_in_code (f, s->staff, code, &answer), ==, 200);
  g_clear_pointer (&answer, json_node_unref);

  advance (f, 1 * SEC);
  {
    g_autoptr(JsonNode) late = book (f, s->bob, s->seat[1], 0, 30);

    advance (f, 16 * MINUTE);
    assert_error (check_in_code (f, s->kiosk, member (late, "checkin_code"), &answer), &answer,
                  422, "too_late");
    g_assert_nonnull (member (answer, "closed_at"));
    g_clear_pointer (&answer, json_node_unref);
    assert_error (booking_post (f, s->staff, id_of (late), "checkin", &answer), &answer, 422,
                  "too_late");
  }
}

/* ---- by hand ------------------------------------------------------------------------- */

static void
test_staff_by_hand (Fixture       *f,
                    gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) booking = book (f, s->alice, s->seat[2], 15, 60);
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *status = NULL;
  gint64 id = id_of (booking);

  /* The patron (route: staff only), staff of another site (not theirs: not found). */
  g_assert_cmpuint (booking_post (f, s->alice, id, "checkin", &answer), ==, 403);
  g_clear_pointer (&answer, json_node_unref);
  assert_error (booking_post (f, s->annex_staff, id, "checkin", &answer), &answer, 404,
                "not_found");
  g_clear_pointer (&answer, json_node_unref);
  assert_error (booking_post (f, s->staff, 999999, "checkin", &answer), &answer, 404,
                "not_found");
  g_clear_pointer (&answer, json_node_unref);

  g_assert_cmpuint (booking_post (f, s->staff, id, "checkin", &answer), ==, 200);
  g_assert_cmpstr (member (answer, "result"), ==, "checked_in");
  g_clear_pointer (&answer, json_node_unref);
  status = status_of (f, s->alice, id);
  g_assert_cmpstr (status, ==, "checked_in");
  g_assert_cmpuint (booking_post (f, s->staff, id, "checkin", &answer), ==, 200);
  g_assert_cmpstr (member (answer, "result"), ==, "already_checked_in");
  g_clear_pointer (&answer, json_node_unref);

  /* Both ways are audited. */
  {
    AtriumStore *store = atrium_server_get_store (server_of (f));
    AtriumDb *db = atrium_store_read_begin (store);
    g_autofree char *subject = g_strdup_printf ("booking:%" G_GINT64_FORMAT, id);
    gint64 n = atrium_store_count_bound (db, "SELECT count (*) FROM audit WHERE"
                                         " event = 'booking_checked_in' AND subject = ?1"
                                         " AND detail = 'by:hand';", NULL, 's', subject, 0);

    atrium_store_read_end (store, db);
    g_assert_cmpint (n, ==, 1);
  }
}

/* ---- the scheduler ------------------------------------------------------------------- */

static gint64
slots_taken (Fixture *f,
             gint64   resource)
{
  AtriumStore *store = atrium_server_get_store (server_of (f));
  AtriumDb *db = atrium_store_read_begin (store);
  gint64 n = atrium_store_slots_taken (db, resource, 0, G_MAXINT32, NULL);

  atrium_store_read_end (store, db);
  return n;
}

static void
test_no_show (Fixture       *f,
              gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) booking = book (f, s->alice, s->seat[0], 30, 60);
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(AtriumSmtpSinkMessage) confirmation = NULL;
  g_autoptr(AtriumSmtpSinkMessage) notice = NULL;
  g_autofree char *status = NULL;
  g_autofree char *text = NULL;
  icalcomponent *calendar;
  gint64 id = id_of (booking);

  confirmation = mail_at (f, 0, "alice@example.org", "Booking confirmed: Seat 1");
  g_assert_cmpint (slots_taken (f, s->seat[0]), ==, 12);   /* five-minute slots */

  /* The window closes at 09:45Z; a pass just before changes nothing. */
  advance (f, 44 * MINUTE);
  run_jobs (f);
  status = status_of (f, s->alice, id);
  g_assert_cmpstr (status, ==, "booked");
  g_clear_pointer (&status, g_free);
  advance (f, 1 * MINUTE);
  run_jobs (f);
  status = status_of (f, s->alice, id);
  g_assert_cmpstr (status, ==, "no_show");
  g_assert_cmpint (slots_taken (f, s->seat[0]), ==, 0);

  /* The patron is told, with a calendar file that takes the event out. */
  notice = mail_at (f, 1, "alice@example.org", "Booking released (not checked in)");
  text = text_of (notice);
  g_assert_nonnull (strstr (text, "no-show"));
  calendar = calendar_of (notice, "CANCEL");
  g_assert_cmpint (icalcomponent_get_method (calendar), ==, ICAL_METHOD_CANCEL);
  icalcomponent_free (calendar);

  /* Counted once, however often the scheduler runs. */
  run_jobs (f);
  run_jobs (f);
  assert_mail_count (f, 2);
  g_assert_cmpuint (call (f, "GET", "/api/v1/bookings?mine", s->alice, NULL, &list), ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (list), "no_shows"), ==, 1);
  g_clear_pointer (&list, json_node_unref);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", s->alice, NULL, &list), ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (list), "no_shows"), ==, 1);

  /* The slot is free again: someone else books it. */
  {
    g_autoptr(JsonNode) again = book (f, s->bob, s->seat[0], 0, 30);

    g_assert_cmpstr (member (again, "status"), ==, "booked");
  }
}

static void
test_break_expires (Fixture       *f,
                    gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) booking = book (f, s->alice, s->seat[1], 15, 120);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(AtriumSmtpSinkMessage) notice = NULL;
  g_autofree char *status = NULL;
  gint64 id = id_of (booking);

  /* Only a checked-in booking goes on a break, and only its owner or staff send it. */
  assert_error (booking_post (f, s->alice, id, "break", &answer), &answer, 409,
                "not_checked_in");
  g_clear_pointer (&answer, json_node_unref);
  advance (f, 15 * MINUTE);
  g_assert_cmpuint (check_in_code (f, s->kiosk, member (booking, "checkin_code"), NULL), ==,
                    200);
  assert_error (booking_post (f, s->bob, id, "break", &answer), &answer, 404, "not_found");
  g_clear_pointer (&answer, json_node_unref);

  advance (f, 20 * MINUTE);
  g_assert_cmpuint (booking_post (f, s->alice, id, "break", &answer), ==, 200);
  g_assert_cmpstr (member (answer, "result"), ==, "break_started");
  g_assert_cmpstr (member (booking_of (answer), "break_until"), ==, "2026-11-24T10:05:00Z");
  g_clear_pointer (&answer, json_node_unref);
  /* A second break before coming back does not stretch the first. */
  advance (f, 10 * MINUTE);
  g_assert_cmpuint (booking_post (f, s->alice, id, "break", &answer), ==, 200);
  g_assert_cmpstr (member (answer, "result"), ==, "already_on_break");
  g_assert_cmpstr (member (booking_of (answer), "break_until"), ==, "2026-11-24T10:05:00Z");
  g_clear_pointer (&answer, json_node_unref);

  advance (f, 19 * MINUTE);
  run_jobs (f);
  status = status_of (f, s->alice, id);
  g_assert_cmpstr (status, ==, "checked_in");
  g_clear_pointer (&status, g_free);
  advance (f, 1 * MINUTE);
  run_jobs (f);
  status = status_of (f, s->alice, id);
  g_assert_cmpstr (status, ==, "released");
  g_assert_cmpint (slots_taken (f, s->seat[1]), ==, 0);
  notice = mail_at (f, 1, "alice@example.org", "Booking released: Seat 2");
  icalcomponent_free (calendar_of (notice, "CANCEL"));
  g_clear_pointer (&answer, json_node_unref);
  assert_error (check_in_code (f, s->kiosk, member (booking, "checkin_code"), &answer), &answer,
                409, "booking_released");
}

static void
test_break_ended (Fixture       *f,
                  gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) booking = book (f, s->alice, s->seat[1], 0, 120);
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *status = NULL;
  const char *code = member (booking, "checkin_code");
  gint64 id = id_of (booking);

  g_assert_cmpuint (check_in_code (f, s->kiosk, code, NULL), ==, 200);
  advance (f, 20 * MINUTE);
  g_assert_cmpuint (booking_post (f, s->staff, id, "break", NULL), ==, 200);
  advance (f, 25 * MINUTE);
  /* Back within the break, well after the check-in window closed: the break ends. */
  g_assert_cmpuint (check_in_code (f, s->kiosk, code, &answer), ==, 200);
  g_assert_cmpstr (member (answer, "result"), ==, "break_ended");
  g_assert_null (member (booking_of (answer), "break_until"));
  g_assert_cmpstr (member (booking_of (answer), "check_in_at"), ==, "2026-11-24T09:00:00Z");
  advance (f, 30 * MINUTE);
  run_jobs (f);
  status = status_of (f, s->alice, id);
  g_assert_cmpstr (status, ==, "checked_in");
  g_clear_pointer (&status, g_free);

  /* Over: completed, without a mail (the confirmation only). */
  advance (f, 45 * MINUTE);
  run_jobs (f);
  status = status_of (f, s->alice, id);
  g_assert_cmpstr (status, ==, "completed");
  assert_mail_count (f, 1);
}

/* ---- free seats ---------------------------------------------------------------------- */

static JsonObject *
space_figures (Fixture   *f,
               JsonNode **doc)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/occupancy",
                                           f->seed.site);
  JsonArray *spaces;

  g_clear_pointer (doc, json_node_unref);
  g_assert_cmpuint (call (f, "GET", path, f->seed.bob, NULL, doc), ==, 200);
  spaces = json_object_get_array_member (json_node_get_object (*doc), "spaces");
  g_assert_cmpuint (json_array_get_length (spaces), ==, 1);
  return json_array_get_object_element (spaces, 0);
}

static void
set_count (Fixture *f,
           gint64   count)
{
  AtriumServer *server = server_of (f);
  AtriumStore *store = atrium_server_get_store (server);
  g_autoptr(GError) error = NULL;
  AtriumDb *db = atrium_store_write_begin (store);

  g_assert_true (atrium_store_counter_set (db, f->seed.quiet, 0, count, FALSE,
                                           atrium_clock_now (f->clock), &error));
  atrium_store_write_end (store);
  g_assert_no_error (error);
  g_assert_true (atrium_occupancy_refresh (atrium_server_get_service (
    server, ATRIUM_SERVICE_OCCUPANCY), &error));
}

static void
test_free_seats (Fixture       *f,
                 gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) one = book (f, s->alice, s->seat[0], 0, 60);
  g_autoptr(JsonNode) two = book (f, s->bob, s->seat[1], 0, 60);
  g_autoptr(JsonNode) doc = NULL;
  JsonObject *space;

  /* The sensors count 1 of 4; booked but not checked in takes no seat yet. */
  space = space_figures (f, &doc);
  g_assert_cmpint (json_object_get_int_member (space, "count"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (space, "checked_in"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (space, "free"), ==, 3);

  g_assert_cmpuint (check_in_code (f, s->kiosk, member (one, "checkin_code"), NULL), ==, 200);
  g_assert_cmpuint (booking_post (f, s->staff, id_of (two), "checkin", NULL), ==, 200);
  space = space_figures (f, &doc);
  g_assert_cmpint (json_object_get_int_member (space, "count"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (space, "checked_in"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (space, "free"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (space, "percent"), ==, 50);

  /* The sensors see more than the bookings: they win. */
  set_count (f, 3);
  space = space_figures (f, &doc);
  g_assert_cmpint (json_object_get_int_member (space, "count"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (space, "checked_in"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (space, "free"), ==, 1);

  /* A seat on a break is still held; a completed booking frees it. */
  set_count (f, 0);
  g_assert_cmpuint (booking_post (f, s->alice, id_of (one), "break", NULL), ==, 200);
  space = space_figures (f, &doc);
  g_assert_cmpint (json_object_get_int_member (space, "free"), ==, 2);
  advance (f, 60 * MINUTE);
  run_jobs (f);
  space = space_figures (f, &doc);
  g_assert_cmpint (json_object_get_int_member (space, "checked_in"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (space, "free"), ==, 4);
}

/* ---- mail ---------------------------------------------------------------------------- */

static void
test_reminder_once (Fixture       *f,
                    gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) booking = book (f, s->alice, s->seat[0], 180, 60);
  g_autoptr(JsonNode) soon = book (f, s->bob, s->seat[1], 45, 60);
  g_autoptr(AtriumSmtpSinkMessage) reminder = NULL;
  g_autofree char *text = NULL;

  /* Two confirmations; bob's booking was made inside the reminder's lead: no reminder. */
  g_assert_true (atrium_smtp_sink_wait_for (f->sink, 2, 10000));
  advance (f, 10 * MINUTE);
  run_jobs (f);
  assert_mail_count (f, 2);
  g_assert_cmpuint (booking_post (f, s->bob, id_of (soon), "cancel", NULL), ==, 200);
  g_assert_true (atrium_smtp_sink_wait_for (f->sink, 3, 10000));

  /* Alice's is due an hour before 12:00Z. */
  advance (f, 109 * MINUTE);
  run_jobs (f);
  assert_mail_count (f, 3);
  advance (f, 1 * MINUTE);
  run_jobs (f);
  reminder = mail_at (f, 3, "alice@example.org", "Reminder: Seat 1");
  text = text_of (reminder);
  g_assert_nonnull (strstr (text, member (booking, "checkin_code")));
  g_assert_nonnull (strstr (text, "13:00")); /* 12:00Z in Paris */
  advance (f, 10 * MINUTE);
  run_jobs (f);
  run_jobs (f);
  assert_mail_count (f, 4);
}

static void
test_confirmation_ics (Fixture       *f,
                       gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) booking = book (f, s->alice, s->seat[2], 60, 90);
  g_autoptr(AtriumSmtpSinkMessage) confirmation = NULL;
  g_autoptr(AtriumSmtpSinkMessage) cancellation = NULL;
  g_autofree char *uid = g_strdup_printf ("booking-%" G_GINT64_FORMAT "@atrium.example.org",
                                          id_of (booking));
  g_autofree char *text = NULL;
  icalcomponent *calendar, *event;
  struct icaltimetype start, end;

  confirmation = mail_at (f, 0, "alice@example.org", "Booking confirmed: Seat 3");
  text = text_of (confirmation);
  g_assert_nonnull (strstr (text, member (booking, "checkin_code")));
  g_assert_nonnull (strstr (text, "11:00–12:30 (Europe/Paris)"));
  calendar = calendar_of (confirmation, "REQUEST");
  g_assert_cmpint (icalcomponent_get_method (calendar), ==, ICAL_METHOD_REQUEST);
  event = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
  g_assert_nonnull (event);
  g_assert_cmpstr (icalcomponent_get_uid (event), ==, uid);
  start = icalcomponent_get_dtstart (event);
  end = icalcomponent_get_dtend (event);
  g_assert_cmpint (icaltime_as_timet (start), ==, T0 / SEC + 3600);
  g_assert_cmpint (icaltime_as_timet (end), ==, T0 / SEC + 3600 + 90 * 60);
  g_assert_cmpint (icalcomponent_get_sequence (event), ==, 0);
  g_assert_cmpint (icalcomponent_get_status (event), ==, ICAL_STATUS_CONFIRMED);
  /* The code is a credential: the mail carries it, the calendar file does not. */
  g_assert_nonnull (icalcomponent_get_description (event));
  g_assert_null (strstr (icalcomponent_get_description (event),
                         member (booking, "checkin_code")));
  icalcomponent_free (calendar);

  /* Cancelled: the same UID, a higher sequence, METHOD:CANCEL. */
  g_assert_cmpuint (booking_post (f, s->alice, id_of (booking), "cancel", NULL), ==, 200);
  cancellation = mail_at (f, 1, "alice@example.org", "Booking cancelled: Seat 3");
  calendar = calendar_of (cancellation, "CANCEL");
  event = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
  g_assert_cmpstr (icalcomponent_get_uid (event), ==, uid);
  g_assert_cmpint (icalcomponent_get_sequence (event), ==, 1);
  g_assert_cmpint (icalcomponent_get_status (event), ==, ICAL_STATUS_CANCELLED);
  icalcomponent_free (calendar);
}

/* ---- the live feed ------------------------------------------------------------------- */

static void
test_live (Fixture       *f,
           gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(AtriumWsClient) client = NULL;
  g_autoptr(JsonNode) booking = NULL;
  g_autofree char *subscribe = g_strdup_printf ("{\"type\":\"subscribe\",\"sites\":[%"
                                                G_GINT64_FORMAT "]}", s->site);
  g_autoptr(GString) events = g_string_new (NULL);
  gboolean done = FALSE;

  g_autofree char *bearer = g_strconcat ("Bearer ", s->bob, NULL);
  g_autoptr(GError) error = NULL;
  guint status = 0;

  client = atrium_ws_client_connect ("127.0.0.1", f->port, 5000, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_ws_client_handshake (client, "127.0.0.1", "/api/v1/live", bearer, 5000,
                                             &status, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 101);
  g_assert_true (atrium_ws_client_send_text (client, subscribe, &error));
  booking = book (f, s->alice, s->seat[0], 15, 60);
  g_assert_cmpuint (check_in_code (f, s->kiosk, member (booking, "checkin_code"), NULL), ==,
                    200);
  g_assert_cmpuint (booking_post (f, s->alice, id_of (booking), "break", NULL), ==, 200);
  /* Changes of one booking are coalesced (the hub's window): the first at once, the
   * last when the window ends; the one in between may be left out. */
  while (!done)
    {
      g_autofree char *text = atrium_ws_client_receive_text (client, 5000, &error);
      g_autoptr(JsonNode) message = NULL;
      JsonObject *object;

      g_assert_no_error (error);
      g_assert_nonnull (text);
      message = json_from_string (text, NULL);
      object = json_node_get_object (message);
      if (g_strcmp0 (json_object_get_string_member (object, "type"), "booking") != 0)
        continue;
      g_string_append_printf (events, "%s%s", events->len > 0 ? "," : "",
                              json_object_get_string_member (object, "event"));
      done = g_strcmp0 (json_object_get_string_member (object, "event"), "break") == 0;
      if (done)
        g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                           object, "booking"), "status"), ==, "checked_in");
      g_assert_cmpint (json_object_get_int_member (object, "site"), ==, s->site);
      /* Never who booked. */
      g_assert_null (strstr (text, "alice"));
      g_assert_false (json_object_has_member (json_object_get_object_member (object, "booking"),
                                              "user_id"));
    }
  if (strcmp (events->str, "created,checked_in,break") != 0)
    g_assert_cmpstr (events->str, ==, "created,break");
}

/* ---- the real program --------------------------------------------------------------- */

typedef struct
{
  char   *patron;
  char   *kiosk;
  gint64  site;
  gint64  seat;
} ProcessSeed;

/* Written into the fresh store before `serve` starts: a site open all day every day, a
 * seat on a five-minute grid, a patron and a kiosk. */
static void
seed_process (const char *data_dir,
              gpointer    user_data)
{
  ProcessSeed *seed = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);
  g_autoptr(AtriumSite) site = atrium_site_new ();
  g_autoptr(AtriumSpace) space = atrium_space_new ();
  AtriumBookingRules seat = { "seat", 5, 5, 240, 7, 20, 50, 1, FALSE };
  AtriumPeriod day = { 0, 24 * 60 };
  gint64 now = g_get_real_time () / SEC;
  g_autofree char *hash = NULL;
  gint64 user;

  g_assert_no_error (error);
  site->name = g_strdup ("Central Library");
  site->address = g_strdup ("");
  site->timezone = g_strdup ("Europe/Paris");
  site->tz = g_time_zone_new_identifier ("Europe/Paris");
  for (guint d = 1; d <= 7; d++)
    g_array_append_val (site->hours[d], day);
  seed->site = atrium_store_site_create (db, site, &error);
  g_assert_no_error (error);
  space->site_id = seed->site;
  space->name = g_strdup ("Reading Room");
  space->kind = g_strdup ("reading_room");
  space->capacity = 10;
  space->attributes = g_strdup ("{}");
  space->id = atrium_store_space_create (db, space, &error);
  g_assert_no_error (error);
  seed->seat = atrium_store_resource_create (db, seed->site, space->id, "seat", "Seat 1", 1,
                                             NULL, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_store_rules_put (db, seed->site, &seat, &error));
  seed->patron = atrium_random_base64url (32);
  hash = atrium_token_hash (seed->patron);
  user = atrium_store_user_create (db, "paula", "paula@example.org", NULL, UNUSED_HASH, now,
                                   &error);
  g_assert_no_error (error);
  g_assert_true (atrium_store_user_add_role (db, user, ATRIUM_ROLE_PATRON, 0, &error));
  g_assert_cmpint (atrium_store_exec_bound (db, "INSERT INTO session (token_hash, user_id,"
                                            " second_factor, created_at, last_seen_at,"
                                            " expires_at) VALUES (?1, ?2, 0, ?3, ?3, ?4);",
                                            &error, 's', hash, 'i', user, 'i', now,
                                            'i', now + 3600, 0), ==, 1);
  g_clear_pointer (&hash, g_free);
  seed->kiosk = atrium_random_base64url (32);
  hash = atrium_token_hash (seed->kiosk);
  g_assert_cmpint (atrium_store_device_create (db, "kiosk", seed->site, "Entrance", hash, now,
                                               &error), >, 0);
  g_assert_no_error (error);
}

/* The kiosk checks a booking in by its code, against `atrium-server serve --workers 2`
 * and the system's clock; the other worker's occupancy document counts the seat too. */
static void
test_process_kiosk (void)
{
  const char *args[] = { "--workers", "2", NULL };
  ProcessSeed seed = { 0 };
  AtriumTestProcess *proc = atrium_test_process_start_seeded (
    "[limits]\nrequests_per_minute_per_ip = 1000000\n", args, seed_process, &seed);
  gint64 now = g_get_real_time () / SEC;
  gint64 start = (now / 300 + 1) * 300;
  g_autofree char *from = atrium_time_format_iso8601 (start * SEC);
  g_autofree char *to = atrium_time_format_iso8601 ((start + 1800) * SEC);
  g_autofree char *body = g_strdup_printf ("{\"resource_id\":%" G_GINT64_FORMAT ",\"start\":"
                                           "\"%s\",\"end\":\"%s\"}", seed.seat, from, to);
  g_autofree char *url = atrium_test_process_url (proc, "/api/v1/bookings");
  g_autofree char *bearer = g_strconcat ("Bearer ", seed.patron, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonNode) booking = NULL;
  g_autoptr(JsonNode) checked = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *checkin = NULL;
  g_autofree char *occupancy = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/occupancy",
                                                seed.site);
  gboolean counted = FALSE;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                bearer);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Idempotency-Key",
                                "process-1");
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 201);
  booking = json_from_string (g_bytes_get_data (answer, NULL), &error);
  g_assert_no_error (error);

  checkin = g_strdup_printf ("{\"code\":\"%s\"}", member (booking, "checkin_code"));
  g_assert_cmpuint (atrium_test_request (proc->insecure_port, "POST", "/api/v1/checkin",
                                         seed.kiosk, checkin, NULL, &checked, NULL), ==, 200);
  g_assert_cmpstr (member (checked, "result"), ==, "checked_in");

  /* Whichever worker answers, within its tenth of a second of watching the store. */
  for (guint i = 0; i < 50 && !counted; i++)
    {
      g_autoptr(JsonNode) doc = NULL;
      JsonObject *space;

      g_assert_cmpuint (atrium_test_request (proc->insecure_port, "GET", occupancy,
                                             seed.kiosk, NULL, NULL, &doc, NULL), ==, 200);
      space = json_array_get_object_element (json_object_get_array_member (
        json_node_get_object (doc), "spaces"), 0);
      counted = json_object_get_int_member (space, "checked_in") == 1 &&
                json_object_get_int_member (space, "free") == 9;
      if (!counted)
        g_usleep (100 * 1000);
    }
  g_assert_true (counted);
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
  g_free (seed.patron);
  g_free (seed.kiosk);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/checkin/device", test_device);
  ADD ("/checkin/kiosk-code", test_kiosk_code);
  ADD ("/checkin/refused-codes", test_refused_codes);
  ADD ("/checkin/too-late", test_too_late);
  ADD ("/checkin/staff-by-hand", test_staff_by_hand);
  ADD ("/checkin/no-show", test_no_show);
  ADD ("/checkin/break-expires", test_break_expires);
  ADD ("/checkin/break-ended", test_break_ended);
  ADD ("/checkin/free-seats", test_free_seats);
  ADD ("/checkin/reminder-once", test_reminder_once);
  ADD ("/checkin/confirmation-ics", test_confirmation_ics);
  ADD ("/checkin/live", test_live);
#undef ADD
  g_test_add_func ("/checkin/process-kiosk", test_process_kiosk);

  return g_test_run ();
}
