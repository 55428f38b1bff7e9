/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Privacy against the real server library on loopback, with a clock the test holds: a
 * person's copy of their data (and nothing secret in it), the erasure of an account by
 * the API and by `atrium-server userdel`, the last administrator, and the retention job
 * that anonymises old bookings. Statistics and the bookings export are read before and
 * after, and must not change. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "atrium-occupancy.h"
#include "atrium-password.h"
#include "atrium-privacy.h"
#include "atrium-random.h"
#include "atrium-retention.h"
#include "atrium-store-audit.h"
#include "atrium-store-privacy.h"
#include "atrium-store-users.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"
#include "atrium-totp.h"

/* 2026-11-24T09:00:00Z, a Tuesday: 10:00 in Paris. */
#define T0_S  G_GINT64_CONSTANT (1795510800)
#define DAY   G_GINT64_CONSTANT (86400)

#define PASSWORD "Sunflower&Tea42x"
#define CONFIG "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\n"
#define STATS "/api/v1/sites/1/stats?from=2026-11-10&to=2026-11-24&bucket=day"

/* Bulk bookings of the retention test: ended just under a year before T0. */
#define N_BULK 2500

typedef struct
{
  gint64  alice, bob, admin, maria, mark, rita;
  char   *alice_token, *alice_other, *bob_token, *admin_token, *maria_token, *mark_token;
  char   *rita_token;
  char   *alice_hashes[2];     /* alice's session token hashes: never exported */
  gint64  seat_a, seat_b, seat_c;
  gint64  a[6];                /* alice's bookings, oldest first */
  gint64  b[5];                /* bob's */
} Seed;

typedef struct
{
  AtriumClock      *clock;
  AtriumTestThread *server;
  guint16           port;
  AtriumDb         *db;        /* the test's own connection */
  Seed              seed;
} Fixture;

static char *password_hash;   /* one Argon2id hash of PASSWORD for every account */

/* ---- the library, its people and their data ----------------------------------------- */

static gint64 exec_id (AtriumDb   *db,
                       const char *sql,
                       ...) G_GNUC_PRINTF (2, 3);
static gint64 count   (Fixture    *f,
                       const char *sql,
                       ...) G_GNUC_PRINTF (2, 3);

static gint64
exec_id (AtriumDb   *db,
         const char *sql,
         ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, sql);
  text = g_strdup_vprintf (sql, ap);
  va_end (ap);
  atrium_db_exec (db, text, &error);
  g_assert_no_error (error);
  return sqlite3_last_insert_rowid (atrium_db_get_handle (db));
}

static gint64
add_person (AtriumDb   *db,
            const char *name,
            const char *role,
            gint64      site,
            gboolean    second_factor,
            char      **token_out,
            char      **hash_out)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", name);
  g_autoptr(GError) error = NULL;
  gint64 id = atrium_store_user_create (db, name, email, NULL, password_hash, T0_S - 30 * DAY,
                                        &error);
  char *token = atrium_random_base64url (32);
  char *hash = atrium_token_hash (token);

  g_assert_no_error (error);
  g_assert_true (atrium_store_user_add_role (db, id, atrium_role_from_string (role), site,
                                             &error));
  g_assert_no_error (error);
  exec_id (db, "INSERT INTO session (token_hash, user_id, second_factor, created_at,"
               " last_seen_at, expires_at, ip, user_agent) VALUES ('%s', %" G_GINT64_FORMAT
               ", %d, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
               ", '127.0.0.1', 'Atrium/1.0');", hash, id, second_factor ? 1 : 0,
           T0_S - 60, T0_S - 60, T0_S + 12 * 3600);
  *token_out = token;
  if (hash_out != NULL)
    *hash_out = hash;
  else
    g_free (hash);
  return id;
}

static gint64
add_booking (AtriumDb   *db,
             gint64      resource,
             gint64      user,
             gint64      starts,
             const char *status)
{
  g_autofree char *cancelled_at = g_str_equal (status, "cancelled")
    ? g_strdup_printf ("%" G_GINT64_FORMAT, starts - 3600) : g_strdup ("NULL");

  return exec_id (db, "INSERT INTO booking (resource_id, user_id, created_by, starts, ends,"
                      " status, created_at, cancelled_at) VALUES (%" G_GINT64_FORMAT ", %"
                      G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %"
                      G_GINT64_FORMAT ", '%s', %" G_GINT64_FORMAT ", %s);",
                  resource, user, user, starts, starts + 3600, status, starts - DAY,
                  cancelled_at);
}

/* A 64-character column value starting with @marker: must never reach an export. */
static char *
marker (const char *name)
{
  g_autofree char *fill = g_strnfill (64 - strlen (name), 'X');

  return g_strconcat (name, fill, NULL);
}

static char *
user_ref (gint64 id)
{
  return g_strdup_printf ("user:%" G_GINT64_FORMAT, id);
}

static void
audit (AtriumDb    *db,
       AtriumClock *clock,
       const char  *event,
       gint64       actor,
       const char  *subject,
       const char  *detail)
{
  g_autofree char *actor_text = user_ref (actor);
  AtriumAuditEntry entry = { event, ATRIUM_AUDIT_SUCCESS, actor_text, subject,
                             "127.0.0.1", NULL, detail };
  g_autoptr(GError) error = NULL;

  g_assert_true (atrium_store_audit_append (db, clock, &entry, &error));
  g_assert_no_error (error);
}

static void
seed_library (AtriumServer *server,
              gpointer      user_data)
{
  Seed *s = user_data;
  AtriumStore *store = atrium_server_get_store (server);
  AtriumClock *clock = atrium_server_get_clock (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *seed_marker = marker ("MARKERSEED");
  g_autofree char *pending_marker = marker ("MARKERPENDING");
  g_autofree char *recovery_marker = marker ("MARKERRECOVERY");
  g_autofree char *reset_marker = marker ("MARKERRESET");
  g_autofree char *challenge_marker = marker ("MARKERCHALLENGE");
  g_autofree char *code_marker = marker ("MARKERCODE");
  g_autofree char *origin_marker = marker ("MARKERORIGIN");
  g_autofree char *key_marker = marker ("MARKERKEY");
  g_autofree char *body_marker = marker ("MARKERBODY");
  AtriumDb *db = atrium_store_write_begin (store);

  exec_id (db, "BEGIN;");
  exec_id (db, "INSERT INTO site (id, name, timezone) VALUES (1, 'Central Library',"
               " 'Europe/Paris');");
  for (int day = 1; day <= 6; day++)
    exec_id (db, "INSERT INTO site_hours (site_id, weekday, opens, closes)"
                 " VALUES (1, %d, 480, 1200);", day);
  exec_id (db, "INSERT INTO space (id, site_id, name, kind, capacity)"
               " VALUES (1, 1, 'Reading Room', 'reading_room', 20);");
  /* Two weeks of hourly statistics for the space. */
  for (gint64 h = 0; h < 14 * 24; h++)
    exec_id (db, "INSERT INTO stat_bucket (space_id, start, entries, exits, peak, area)"
                 " VALUES (1, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                 ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ");",
             T0_S - 14 * DAY + h * 3600, h % 7, h % 5, h % 9, (h % 9) * 300);
  s->seat_a = exec_id (db, "INSERT INTO resource (site_id, space_id, type, name)"
                           " VALUES (1, 1, 'seat', 'Seat A');");
  s->seat_b = exec_id (db, "INSERT INTO resource (site_id, space_id, type, name)"
                           " VALUES (1, 1, 'seat', 'Seat B');");
  s->seat_c = exec_id (db, "INSERT INTO resource (site_id, space_id, type, name)"
                           " VALUES (1, 1, 'seat', 'Seat C');");

  s->admin = add_person (db, "root", "admin", 0, TRUE, &s->admin_token, NULL);
  s->alice = add_person (db, "alice", "patron", 0, FALSE, &s->alice_token,
                         &s->alice_hashes[0]);
  s->bob = add_person (db, "bob", "patron", 0, FALSE, &s->bob_token, NULL);
  s->maria = add_person (db, "maria", "manager", 1, TRUE, &s->maria_token, NULL);
  s->mark = add_person (db, "mark", "manager", 1, FALSE, &s->mark_token, NULL);
  s->rita = add_person (db, "rita", "reporting", 0, TRUE, &s->rita_token, NULL);
  s->alice_other = atrium_random_base64url (32);
  s->alice_hashes[1] = atrium_token_hash (s->alice_other);
  exec_id (db, "INSERT INTO session (token_hash, user_id, second_factor, created_at,"
               " last_seen_at, expires_at) VALUES ('%s', %" G_GINT64_FORMAT ", 0, %"
               G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ");",
           s->alice_hashes[1], s->alice, T0_S - 600, T0_S - 600, T0_S + 3600);

  /* Everything secret alice has, each a marker that must never be exported. */
  exec_id (db, "UPDATE user SET totp_secret = '%s', totp_pending = '%s' WHERE id = %"
               G_GINT64_FORMAT ";", seed_marker, pending_marker, s->alice);
  exec_id (db, "INSERT INTO recovery_code (user_id, code_hash) VALUES (%" G_GINT64_FORMAT
               ", '%s');", s->alice, recovery_marker);
  exec_id (db, "INSERT INTO password_reset (token_hash, user_id, created_at, expires_at)"
               " VALUES ('%s', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
               ");", reset_marker, s->alice, T0_S - DAY, T0_S);
  exec_id (db, "INSERT INTO challenge (id_hash, user_id, created_at, expires_at, code_method,"
               " code_hash) VALUES ('%s', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %"
               G_GINT64_FORMAT ", 'email', '%s');", challenge_marker, s->alice, T0_S,
           T0_S + 600, code_marker);
  exec_id (db, "INSERT INTO known_origin (user_id, origin_hash, first_seen) VALUES (%"
               G_GINT64_FORMAT ", '%s', %" G_GINT64_FORMAT ");", s->alice, origin_marker,
           T0_S - 5 * DAY);
  exec_id (db, "INSERT INTO idempotency (user_id, key_hash, body_hash, status, response,"
               " created_at) VALUES (%" G_GINT64_FORMAT ", '%s', '%s', 201, '{}', %"
               G_GINT64_FORMAT ");", s->alice, key_marker, body_marker, T0_S - 60);

  s->a[0] = add_booking (db, s->seat_a, s->alice, T0_S - 400 * DAY, "completed");
  s->a[1] = add_booking (db, s->seat_a, s->alice, T0_S - 10 * DAY, "completed");
  s->a[2] = add_booking (db, s->seat_a, s->alice, T0_S - 3 * DAY, "no_show");
  /* as the scheduler counts a no-show (atrium-booking-jobs.c) */
  exec_id (db, "UPDATE user SET no_shows = no_shows + 1 WHERE id = %" G_GINT64_FORMAT ";",
           s->alice);
  s->a[3] = add_booking (db, s->seat_a, s->alice, T0_S - 2 * DAY, "cancelled");
  s->a[4] = add_booking (db, s->seat_a, s->alice, T0_S + DAY, "booked");
  s->a[5] = add_booking (db, s->seat_b, s->alice, T0_S + 3 * DAY, "booked");
  s->b[0] = add_booking (db, s->seat_b, s->bob, T0_S - 400 * DAY, "completed");
  s->b[1] = add_booking (db, s->seat_b, s->bob, T0_S - 366 * DAY, "completed");
  s->b[2] = add_booking (db, s->seat_b, s->bob, T0_S - 364 * DAY, "completed");
  s->b[3] = add_booking (db, s->seat_c, s->bob, T0_S - 10 * DAY, "completed");
  s->b[4] = add_booking (db, s->seat_c, s->bob, T0_S + 2 * DAY, "booked");
  exec_id (db, "COMMIT;");

  {
    g_autofree char *alice = user_ref (s->alice);
    g_autofree char *bob = user_ref (s->bob);
    g_autofree char *booking = g_strdup_printf ("booking:%" G_GINT64_FORMAT, s->a[4]);

    audit (db, clock, "authn_login_success", s->alice, alice, "password only");
    audit (db, clock, "booking_created", s->alice, booking, "resource:1");
    audit (db, clock, "user_updated", s->admin, alice, NULL);
    audit (db, clock, "user_updated", s->admin, bob, "bob's entry");
  }
  g_assert_true (atrium_store_security_event_add (db, clock, "authn_login_fail",
                                                  "203.0.113.9", s->alice, NULL,
                                                  "wrong password", FALSE, &error));
  g_assert_no_error (error);
  atrium_store_write_end (store);

  /* The site and its space, known to the server (statistics). */
  g_assert_true (atrium_occupancy_refresh (
    atrium_server_get_service (server, ATRIUM_SERVICE_OCCUPANCY), &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->clock = atrium_clock_new_fixed (T0_S * ATRIUM_USEC_PER_SEC);
  f->server = atrium_test_thread_start_full (CONFIG, f->clock, seed_library, &f->seed);
  f->port = atrium_test_thread_port (f->server);
  f->db = atrium_store_open (atrium_test_thread_data_dir (f->server), FALSE, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  Seed *s = &f->seed;

  atrium_db_close (f->db);
  atrium_test_thread_stop (f->server);
  g_object_unref (f->clock);
  g_free (s->alice_token);
  g_free (s->alice_other);
  g_free (s->bob_token);
  g_free (s->admin_token);
  g_free (s->maria_token);
  g_free (s->mark_token);
  g_free (s->rita_token);
  g_free (s->alice_hashes[0]);
  g_free (s->alice_hashes[1]);
}

/* ---- reading ------------------------------------------------------------------------- */

static gint64
count (Fixture    *f,
       const char *sql,
       ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gint64 n;
  va_list ap;

  va_start (ap, sql);
  text = g_strdup_vprintf (sql, ap);
  va_end (ap);
  n = atrium_store_count_bound (f->db, text, &error, 0);
  g_assert_no_error (error);
  return n;
}

static guint
call (Fixture     *f,
      const char  *method,
      const char  *path,
      const char  *token,
      const char  *body,
      char       **text_out,
      JsonNode   **json_out)
{
  return atrium_test_request (f->port, method, path, token, body, text_out, json_out, NULL);
}

static char *
erase_body (const char *password)
{
  g_autoptr(GString) body = g_string_new ("{\"password\":");

  atrium_json_write_string (body, password);
  g_string_append_c (body, '}');
  return g_string_free (g_steal_pointer (&body), FALSE);
}

/* The bookings export (CSV) read back by python3's csv module: rows, rows by status, and
 * the anonymous ones (no user_id, no user). */
static const char python_summary[] =
  "import csv, json, sys\n"
  "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
  "    rows = list(csv.DictReader(f, strict=True))\n"
  "status = {}\n"
  "anonymous = 0\n"
  "for r in rows:\n"
  "    status[r['status']] = status.get(r['status'], 0) + 1\n"
  "    if r['user_id'] == '':\n"
  "        assert r['user'] == '' and r['anonymised_at'] != ''\n"
  "        anonymous += 1\n"
  "    else:\n"
  "        assert r['user'] != '' and r['anonymised_at'] == ''\n"
  "print(json.dumps({'rows': len(rows), 'status': status, 'anonymous': anonymous},\n"
  "                 sort_keys=True))\n";

typedef struct
{
  char   *by_status;   /* {"booked": 3, …} as text */
  gint64  rows;
  gint64  anonymous;
} Summary;

static void
summary_clear (Summary *summary)
{
  g_free (summary->by_status);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Summary, summary_clear)

static void
export_summary (Fixture *f,
                Summary *summary)
{
  g_autofree char *csv = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  const char *argv[] = { "python3", "-c", python_summary, NULL, NULL };
  JsonObject *root;
  int status = 0;
  int fd;

  g_assert_cmpuint (call (f, "GET", "/api/v1/export/bookings", f->seed.rita_token, NULL, &csv,
                          NULL), ==, 200);
  fd = g_file_open_tmp ("atrium-privacy-XXXXXX.csv", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, csv, -1, NULL));
  argv[3] = path;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_remove (path);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("the bookings export does not read back: %s", err);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  summary->rows = json_object_get_int_member (root, "rows");
  summary->anonymous = json_object_get_int_member (root, "anonymous");
  json_generator_set_root (generator, json_object_get_member (root, "status"));
  summary->by_status = json_generator_to_data (generator, NULL);
}

static char *
stats (Fixture *f)
{
  char *text = NULL;

  g_assert_cmpuint (call (f, "GET", STATS, f->seed.maria_token, NULL, &text, NULL), ==, 200);
  return text;
}

static gboolean
array_has (JsonArray  *array,
           const char *member,
           const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (array, i),
                                                  member), value) == 0)
      return TRUE;
  return FALSE;
}

/* ---- GET /api/v1/me/export ------------------------------------------------------------- */

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autofree char *text = NULL;
  g_autofree char *bob_subject = g_strdup_printf ("\"user:%" G_GINT64_FORMAT "\"", s->bob);
  JsonObject *root, *profile, *second;
  JsonArray *bookings, *sessions;
  guint current = 0;

  /* Enough bookings that the document crosses several 64 KiB chunks. */
  exec_id (f->db, "BEGIN;");
  for (gint64 i = 0; i < 3000; i++)
    add_booking (f->db, s->seat_c, s->alice, T0_S - 200 * DAY + i * 3600, "completed");
  exec_id (f->db, "COMMIT;");

  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/me/export", s->alice_token,
                                         NULL, &text, &json, &headers), ==, 200);
  g_assert_nonnull (json);
  g_assert_cmpuint (strlen (text), >, 3 * ATRIUM_PRIVACY_CHUNK_BYTES);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (headers,
                                                                 "Content-Disposition"),
                                   "attachment; filename=\"atrium-my-data-2026-11-24"));
  root = json_node_get_object (json);
  g_assert_cmpstr (json_object_get_string_member (root, "generated_at"), ==,
                   "2026-11-24T09:00:00Z");

  profile = json_object_get_object_member (root, "profile");
  g_assert_cmpint (json_object_get_int_member (profile, "id"), ==, s->alice);
  g_assert_cmpstr (json_object_get_string_member (profile, "name"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (profile, "email"), ==, "alice@example.org");
  g_assert_true (array_has (json_object_get_array_member (root, "roles"), "role", "patron"));

  /* Her bookings, all of them and only hers, by start. */
  bookings = json_object_get_array_member (root, "bookings");
  g_assert_cmpint (json_array_get_length (bookings), ==,
                   count (f, "SELECT count (*) FROM booking WHERE user_id = %" G_GINT64_FORMAT
                             ";", s->alice));
  g_assert_cmpuint (json_array_get_length (bookings), ==, 3006);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (bookings, 0),
                                               "id"), ==, s->a[0]);
  for (guint i = 0; i < json_array_get_length (bookings); i++)
    {
      JsonObject *booking = json_array_get_object_element (bookings, i);
      gint64 id = json_object_get_int_member (booking, "id");

      for (guint b = 0; b < G_N_ELEMENTS (s->b); b++)
        g_assert_cmpint (id, !=, s->b[b]);
      if (i > 0)
        g_assert_cmpstr (json_object_get_string_member (
          json_array_get_object_element (bookings, i - 1), "starts"), <=,
                         json_object_get_string_member (booking, "starts"));
    }
  g_assert_cmpint (json_object_get_int_member (root, "no_shows"), ==, 1);

  /* Sessions without their tokens; which one is asking. */
  sessions = json_object_get_array_member (root, "sessions");
  g_assert_cmpuint (json_array_get_length (sessions), ==, 2);
  for (guint i = 0; i < 2; i++)
    current += json_object_get_boolean_member (json_array_get_object_element (sessions, i),
                                               "current");
  g_assert_cmpuint (current, ==, 1);

  /* Second factors: what is enrolled, never a secret. */
  second = json_object_get_object_member (root, "second_factor");
  g_assert_false (json_object_get_boolean_member (second, "totp"));
  g_assert_true (json_object_get_boolean_member (second, "totp_enrolment_pending"));
  g_assert_cmpint (json_object_get_int_member (second, "recovery_codes_left"), ==, 1);

  /* The trail about her and by her, the security record, her exports: this one too. */
  g_assert_true (array_has (json_object_get_array_member (root, "audit_about_me"), "event",
                            "authn_login_success"));
  g_assert_true (array_has (json_object_get_array_member (root, "audit_about_me"), "event",
                            "user_updated"));
  g_assert_true (array_has (json_object_get_array_member (root, "audit_about_me"), "event",
                            "personal_data_export"));
  g_assert_true (array_has (json_object_get_array_member (root, "audit_by_me"), "event",
                            "booking_created"));
  g_assert_false (array_has (json_object_get_array_member (root, "audit_by_me"), "event",
                             "authn_login_success"));
  g_assert_true (array_has (json_object_get_array_member (root, "security_events"), "event",
                            "authn_login_fail"));
  g_assert_true (array_has (json_object_get_array_member (root, "exports"), "event",
                            "personal_data_export"));
  g_assert_true (array_has (json_object_get_array_member (root, "known_origins"),
                            "first_seen", "2026-11-19T09:00:00Z"));
  g_assert_cmpint (count (f, "SELECT count (*) FROM audit WHERE event = 'personal_data_export'"
                             " AND subject = 'user:%" G_GINT64_FORMAT "';", s->alice), ==, 1);

  /* Nothing secret, in any form, and nothing of bob's. */
  g_assert_null (strstr (text, "MARKER"));
  g_assert_null (strstr (text, "$argon2id$"));
  g_assert_null (strstr (text, password_hash));
  g_assert_null (strstr (text, s->alice_hashes[0]));
  g_assert_null (strstr (text, s->alice_hashes[1]));
  g_assert_null (strstr (text, s->alice_token));
  g_assert_null (strstr (text, "token_hash"));
  g_assert_null (strstr (text, "password_hash"));
  g_assert_null (strstr (text, bob_subject));
  g_assert_null (strstr (text, "bob's entry"));

  /* Signed-in users only. */
  g_assert_cmpuint (call (f, "GET", "/api/v1/me/export", NULL, NULL, NULL, NULL), ==, 401);
}

/* The big sections read an index in their order: nothing sorted in memory. */
static void
test_export_plans (Fixture       *f,
                   gconstpointer  data)
{
  const char * const big[] = { "bookings", "audit_about_me", "audit_by_me", "security_events",
                               "exports", NULL };
  const AtriumPrivacySection *sections;
  guint n = 0;

  sections = atrium_store_privacy_sections (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sections[i].sql, NULL);
      sqlite3_stmt *stmt = NULL;
      gboolean by_index = FALSE;

      g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (f->db), explain, -1, &stmt,
                                           NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *detail = (const char *) sqlite3_column_text (stmt, 3);

          g_test_message ("%s: %s", sections[i].name, detail);
          if (!g_strv_contains (big, sections[i].name))
            continue;
          g_assert_null (strstr (detail, "TEMP B-TREE"));
          g_assert_false (g_str_has_prefix (detail, "SCAN TABLE"));
          by_index |= strstr (detail, "USING INDEX") != NULL ||
                      strstr (detail, "USING COVERING INDEX") != NULL;
        }
      sqlite3_finalize (stmt);
      g_assert_true (by_index || !g_strv_contains (big, sections[i].name));
      for (guint c = 0; c < sections[i].n_columns; c++)
        {
          g_assert_null (strstr (sections[i].columns[c].name, "hash"));
          g_assert_null (strstr (sections[i].columns[c].name, "secret"));
          g_assert_null (strstr (sections[i].columns[c].name, "token"));
        }
    }
}

/* ---- DELETE /api/v1/me ------------------------------------------------------------------ */

/* Everything of alice's that erasure would touch, as one text to compare. */
static char *
alice_state (Fixture *f)
{
  Seed *s = &f->seed;

  return g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
                          "/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
    count (f, "SELECT count (*) FROM user WHERE id = %" G_GINT64_FORMAT ";", s->alice),
    count (f, "SELECT count (*) FROM session WHERE user_id = %" G_GINT64_FORMAT ";",
           s->alice),
    count (f, "SELECT count (*) FROM booking WHERE user_id = %" G_GINT64_FORMAT
              " AND anonymised_at IS NULL;", s->alice),
    count (f, "SELECT count (*) FROM booking WHERE status = 'booked';"),
    count (f, "SELECT count (*) FROM booking_slot;"),
    count (f, "SELECT count (*) FROM recovery_code;"));
}

static void
test_erase_refused (Fixture       *f,
                    gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autofree char *before = alice_state (f);
  g_autofree char *wrong = erase_body ("Sunflower&Tea42y");
  g_autofree char *right = erase_body (PASSWORD);
  g_autofree char *after = NULL;
  g_autoptr(JsonNode) json = NULL;

  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", s->alice_token, wrong, NULL, &json), ==,
                    403);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "error"), ==,
                   "wrong_password");
  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", s->alice_token, "{}", NULL, NULL), ==,
                    400);
  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", s->alice_token,
                          "{\"password\":\"" PASSWORD "\",\"force\":true}", NULL, NULL), ==,
                    400);
  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", s->alice_token, NULL, NULL, NULL), ==,
                    415);
  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", NULL, right, NULL, NULL), ==, 401);

  /* Nothing lost: the account, its sessions, its bookings and slots. */
  after = alice_state (f);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", s->alice_token, NULL, NULL, NULL), ==, 200);
  g_assert_cmpint (count (f, "SELECT count (*) FROM audit WHERE event = 'user_erased'"
                             " AND outcome = 'failure';"), ==, 1);

  /* A manager's session that skipped the second factor does not erase, password or not. */
  g_clear_pointer (&json, json_node_unref);
  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", s->mark_token, right, NULL, &json), ==,
                    403);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "error"), ==,
                   "second_factor_required");
  g_assert_cmpint (count (f, "SELECT count (*) FROM user WHERE id = %" G_GINT64_FORMAT ";",
                          s->mark), ==, 1);
}

static void
test_erase (Fixture       *f,
            gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autofree char *right = erase_body (PASSWORD);
  g_autofree char *stats_before = stats (f);
  g_autofree char *stats_after = NULL;
  g_autofree char *subject = g_strdup_printf ("user:%" G_GINT64_FORMAT, s->alice);
  g_autofree char *bob_body = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  g_auto(Summary) before = { 0 };
  g_auto(Summary) after = { 0 };
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(GError) error = NULL;
  gint64 trail_about_her, audit_rows;
  gint64 rows = 0, bad = 0;
  JsonObject *answer;

  export_summary (f, &before);
  trail_about_her = count (f, "SELECT count (*) FROM audit WHERE subject = '%s';", subject);
  audit_rows = count (f, "SELECT count (*) FROM audit;");
  g_assert_cmpint (before.anonymous, ==, 0);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking_slot WHERE booking_id = %"
                             G_GINT64_FORMAT ";", s->a[4]), ==, 12);

  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", s->alice_token, right, NULL, &json), ==,
                    200);
  answer = json_node_get_object (json);
  g_assert_true (json_object_get_boolean_member (answer, "erased"));
  g_assert_cmpint (json_object_get_int_member (answer, "bookings_cancelled"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (answer, "bookings_anonymised"), ==, 6);

  /* Gone, and every session with it. */
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", s->alice_token, NULL, NULL, NULL), ==, 401);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", s->alice_other, NULL, NULL, NULL), ==, 401);
  g_assert_cmpint (count (f, "SELECT count (*) FROM user WHERE name = 'alice'"
                             " OR email = 'alice@example.org';"), ==, 0);
  g_assert_cmpint (count (f, "SELECT count (*) FROM session WHERE user_id = %" G_GINT64_FORMAT
                             ";", s->alice), ==, 0);
  g_assert_cmpint (count (f, "SELECT count (*) FROM recovery_code;"), ==, 0);
  g_assert_cmpint (count (f, "SELECT count (*) FROM idempotency;"), ==, 0);
  g_assert_cmpint (count (f, "SELECT count (*) FROM erased_user WHERE id = %" G_GINT64_FORMAT
                             " AND erased_at = %" G_GINT64_FORMAT ";", s->alice, T0_S), ==, 1);

  /* Her bookings stay, anonymised; those to come are cancelled and their slots free. */
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE id BETWEEN %" G_GINT64_FORMAT
                             " AND %" G_GINT64_FORMAT " AND user_id IS NULL AND created_by"
                             " IS NULL AND anonymised_at = %" G_GINT64_FORMAT ";",
                          s->a[0], s->a[5], T0_S), ==, 6);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE id IN (%" G_GINT64_FORMAT
                             ", %" G_GINT64_FORMAT ") AND status = 'cancelled'"
                             " AND cancelled_at = %" G_GINT64_FORMAT ";",
                          s->a[4], s->a[5], T0_S), ==, 2);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE id IN (%" G_GINT64_FORMAT
                             ", %" G_GINT64_FORMAT ") AND status = 'completed';",
                          s->a[0], s->a[1]), ==, 2);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking_slot WHERE booking_id IN (%"
                             G_GINT64_FORMAT ", %" G_GINT64_FORMAT ");", s->a[4], s->a[5]),
                   ==, 0);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE user_id = %" G_GINT64_FORMAT
                             " AND anonymised_at IS NULL;", s->bob), ==, 5);

  /* The trail: intact, its entries about her still there under her number alone. */
  g_assert_true (atrium_store_audit_verify (f->db, &rows, &bad, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rows, ==, audit_rows + 1);
  g_assert_cmpint (count (f, "SELECT count (*) FROM audit WHERE subject = '%s';", subject), ==,
                   trail_about_her + 1);
  g_assert_cmpint (count (f, "SELECT count (*) FROM audit WHERE event = 'user_erased'"
                             " AND outcome = 'success' AND actor = '%s' AND subject = '%s';",
                          subject, subject), ==, 1);
  g_assert_cmpint (count (f, "SELECT count (*) FROM audit WHERE (coalesce (actor, '')"
                             " || coalesce (subject, '') || coalesce (detail, ''))"
                             " LIKE '%%alice%%';"), ==, 0);

  /* Statistics and the bookings export count the same; her rows have no user. */
  stats_after = stats (f);
  g_assert_cmpstr (stats_after, ==, stats_before);
  export_summary (f, &after);
  g_assert_cmpint (after.rows, ==, before.rows);
  g_assert_cmpint (after.anonymous, ==, 6);
  g_assert_cmpstr (after.by_status, !=, before.by_status);   /* two cancelled */
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE status = 'cancelled';"), ==,
                   3);

  /* The freed slot can be booked by someone else. */
  start = atrium_time_format_iso8601 ((T0_S + DAY) * ATRIUM_USEC_PER_SEC);
  end = atrium_time_format_iso8601 ((T0_S + DAY + 3600) * ATRIUM_USEC_PER_SEC);
  bob_body = g_strdup_printf ("{\"resource_id\":%" G_GINT64_FORMAT ",\"start\":\"%s\","
                              "\"end\":\"%s\"}", s->seat_a, start, end);
  {
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/bookings", f->port);
    g_autofree char *bearer = g_strconcat ("Bearer ", s->bob_token, NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GBytes) bytes = g_bytes_new (bob_body, strlen (bob_body));
    g_autoptr(GBytes) reply = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  bearer);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Idempotency-Key",
                                  "privacy-freed-slot");
    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    reply = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 201);
  }
}

/* ---- the last administrator -------------------------------------------------------------- */

static void
test_last_admin (Fixture       *f,
                 gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autofree char *right = erase_body (PASSWORD);
  g_autofree char *err = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(GError) error = NULL;
  const char *args[] = { "userdel", "--data-dir", atrium_test_thread_data_dir (f->server),
                         "root", NULL };
  gint64 second;

  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", s->admin_token, right, NULL, &json), ==,
                    409);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "error"), ==,
                   "last_admin");
  g_assert_cmpint (atrium_test_run_server (NULL, &err, args), ==, 1);
  g_assert_nonnull (strstr (err, "last administrator"));
  g_assert_cmpint (count (f, "SELECT count (*) FROM user WHERE id = %" G_GINT64_FORMAT ";",
                          s->admin), ==, 1);

  /* A disabled administrator is no administrator; an enabled one is. */
  second = atrium_store_user_create (f->db, "root2", "root2@example.org", NULL, password_hash,
                                     T0_S, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_store_user_add_role (f->db, second, ATRIUM_ROLE_ADMIN, 0, &error));
  exec_id (f->db, "UPDATE user SET disabled = 1 WHERE id = %" G_GINT64_FORMAT ";", second);
  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", s->admin_token, right, NULL, NULL), ==,
                    409);
  exec_id (f->db, "UPDATE user SET disabled = 0 WHERE id = %" G_GINT64_FORMAT ";", second);
  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me", s->admin_token, right, NULL, NULL), ==,
                    200);
  g_assert_cmpint (count (f, "SELECT count (*) FROM user WHERE id = %" G_GINT64_FORMAT ";",
                          s->admin), ==, 0);
}

/* ---- atrium-server userdel ----------------------------------------------------------------- */

/* The command line erases as the API does; an erased number is never given again. */
static void
test_userdel (Fixture       *f,
              gconstpointer  data)
{
  Seed *s = &f->seed;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  const char *data_dir = atrium_test_thread_data_dir (f->server);
  const char *bob_args[] = { "userdel", "--data-dir", data_dir, "bob", NULL };
  const char *zoe_args[] = { "userdel", "--data-dir", data_dir, "zoe", NULL };
  gint64 zoe, yves;

  g_assert_cmpint (atrium_test_run_server (&out, NULL, bob_args), ==, 0);
  g_assert_nonnull (strstr (out, "1 bookings to come cancelled, 5 bookings anonymised"));
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE id BETWEEN %" G_GINT64_FORMAT
                             " AND %" G_GINT64_FORMAT " AND user_id IS NULL"
                             " AND anonymised_at IS NOT NULL;", s->b[0], s->b[4]), ==, 5);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking_slot WHERE booking_id = %"
                             G_GINT64_FORMAT ";", s->b[4]), ==, 0);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", s->bob_token, NULL, NULL, NULL), ==, 401);
  g_assert_cmpint (count (f, "SELECT count (*) FROM audit WHERE event = 'user_deleted'"
                             " AND actor = 'cli' AND subject = 'user:%" G_GINT64_FORMAT "'"
                             " AND detail NOT LIKE '%%bob%%';", s->bob), ==, 1);

  /* The newest account erased: its number is not handed to the next one. */
  zoe = atrium_store_user_create (f->db, "zoe", "zoe@example.org", NULL, password_hash, T0_S,
                                  &error);
  g_assert_no_error (error);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (atrium_test_run_server (&out, NULL, zoe_args), ==, 0);
  yves = atrium_store_user_create (f->db, "yves", "yves@example.org", NULL, password_hash,
                                   T0_S, &error);
  g_assert_no_error (error);
  g_assert_cmpint (yves, ==, zoe + 1);
  g_assert_false (atrium_db_exec (f->db, "INSERT INTO user (id, name, email, password_hash,"
                                         " password_changed_at, created_at) VALUES ((SELECT"
                                         " max (id) FROM erased_user), 'xavier',"
                                         " 'x@example.org', '$argon2id$x', 0, 0);", &error));
  g_assert_nonnull (strstr (error->message, "erased account"));
}

/* ---- retention --------------------------------------------------------------------------- */

typedef struct
{
  AtriumTestThread *server;
  AtriumClock      *clock;
  gint64            cutoff;
  gint64            done;
} Pass;

/* A second process's job: its own connection, the same batches. */
static gpointer
run_pass (gpointer data)
{
  Pass *pass = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (atrium_test_thread_data_dir (pass->server),
                                              FALSE, NULL, &error);
  gint64 n;

  g_assert_no_error (error);
  do
    {
      n = atrium_retention_batch (db, pass->clock, pass->cutoff,
                                  atrium_clock_now (pass->clock), &error);
      g_assert_no_error (error);
      pass->done += n;
    }
  while (n == ATRIUM_RETENTION_BATCH);
  return NULL;
}

static void
test_retention (Fixture       *f,
                gconstpointer  data)
{
  Seed *s = &f->seed;
  AtriumServer *server = atrium_test_thread_server (f->server);
  g_autofree char *stats_before = stats (f);
  g_autofree char *stats_after = NULL;
  g_auto(Summary) before = { 0 };
  g_auto(Summary) after = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) json = NULL;
  Pass passes[2] = { { 0 } };
  GThread *threads[2];
  gint64 rows = 0, bad = 0;

  /* Ended 364 days before T0, so due two days later. */
  exec_id (f->db, "BEGIN;");
  for (gint64 i = 0; i < N_BULK; i++)
    exec_id (f->db, "INSERT INTO booking (resource_id, user_id, starts, ends, status,"
                    " created_at) VALUES (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %"
                    G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'completed', 0);",
             s->seat_c, s->bob, T0_S - 364 * DAY + (i % 100) * 300,
             T0_S - 364 * DAY + (i % 100) * 300 + 300);
  exec_id (f->db, "COMMIT;");
  export_summary (f, &before);

  /* At T0, with the default 365 days: what ended before 2025-11-24T09:00Z. */
  g_assert_cmpint (atrium_retention_run (server, &error), ==, 3);
  g_assert_no_error (error);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE anonymised_at = %"
                             G_GINT64_FORMAT " AND user_id IS NULL AND id IN (%" G_GINT64_FORMAT
                             ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ");",
                          T0_S, s->a[0], s->b[0], s->b[1]), ==, 3);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE anonymised_at IS NOT NULL;"),
                   ==, 3);
  /* Again: nothing left to do. */
  g_assert_cmpint (atrium_retention_run (server, &error), ==, 0);
  g_assert_cmpint (count (f, "SELECT count (*) FROM audit WHERE event = 'bookings_anonymised'"
                             " AND actor = 'system' AND detail LIKE 'count=3 %%';"), ==, 1);
  g_assert_cmpint (count (f, "SELECT count (*) FROM audit WHERE event = 'bookings_anonymised';"),
                   ==, 1);

  /* The statistics and the export count the same; three rows lost their user. */
  stats_after = stats (f);
  g_assert_cmpstr (stats_after, ==, stats_before);
  export_summary (f, &after);
  g_assert_cmpint (after.rows, ==, before.rows);
  g_assert_cmpstr (after.by_status, ==, before.by_status);
  g_assert_cmpint (after.anonymous, ==, 3);

  /* Alice's copy no longer holds what the job anonymised. */
  g_assert_cmpuint (call (f, "GET", "/api/v1/me/export", s->alice_token, NULL, NULL, &json),
                    ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_node_get_object (json), "bookings")), ==, 5);

  /* Two days on, two passes at once (as two processes would run them): each booking is
   * anonymised once, by one of them. */
  atrium_clock_advance (f->clock, 2 * DAY * ATRIUM_USEC_PER_SEC);
  for (guint i = 0; i < 2; i++)
    {
      passes[i].server = f->server;
      passes[i].clock = f->clock;
      passes[i].cutoff = atrium_clock_now (f->clock) - 365 * DAY;
      threads[i] = g_thread_new ("pass", run_pass, &passes[i]);
    }
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (passes[0].done + passes[1].done, ==, N_BULK + 1);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE anonymised_at = %"
                             G_GINT64_FORMAT ";", T0_S + 2 * DAY), ==, N_BULK + 1);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE id = %" G_GINT64_FORMAT
                             " AND user_id IS NULL;", s->b[2]), ==, 1);
  g_assert_cmpint (count (f, "SELECT count (*) FROM booking WHERE user_id IS NOT NULL"
                             " AND ends <= %" G_GINT64_FORMAT ";",
                          T0_S + 2 * DAY - 365 * DAY), ==, 0);
  g_assert_cmpint (atrium_retention_run (server, &error), ==, 0);

  /* The readers' sessions, idle for two days of the test's clock, are renewed. */
  exec_id (f->db, "UPDATE session SET last_seen_at = %" G_GINT64_FORMAT ", expires_at = %"
                  G_GINT64_FORMAT ";", T0_S + 2 * DAY, T0_S + 3 * DAY);
  g_clear_pointer (&stats_after, g_free);
  stats_after = stats (f);
  g_assert_cmpstr (stats_after, ==, stats_before);
  summary_clear (&after);
  export_summary (f, &after);
  g_assert_cmpint (after.rows, ==, before.rows);
  g_assert_cmpstr (after.by_status, ==, before.by_status);
  g_assert_cmpint (after.anonymous, ==, N_BULK + 4);
  g_assert_true (atrium_store_audit_verify (f->db, &rows, &bad, &error));
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  AtriumPasswordParams params = { ATRIUM_PASSWORD_OPSLIMIT_MIN, ATRIUM_PASSWORD_MEMLIMIT_MIN };
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  password_hash = atrium_password_hash (PASSWORD, &params, &error);
  g_assert_no_error (error);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/privacy/export", test_export);
  ADD ("/privacy/export/plans", test_export_plans);
  ADD ("/privacy/erase/refused", test_erase_refused);
  ADD ("/privacy/erase", test_erase);
  ADD ("/privacy/erase/last-admin", test_last_admin);
  ADD ("/privacy/userdel", test_userdel);
  ADD ("/privacy/retention", test_retention);
#undef ADD

  status = g_test_run ();
  g_free (password_hash);
  return status;
}
