/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AtriumApi against the real server: in-process with a clock the test holds (sign-in,
 * every call, each error kind the server can be made to give), and as the real
 * `atrium-server` process for TLS (system trust, pinning, a changed certificate) and the
 * Unix socket of the embedded mode. */
#include "config.h"

#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <glib/gstdio.h>

#include "atrium-api.h"
#include "atrium-cache.h"
#include "atrium-live-bookings.h"
#include "atrium-outbox.h"
#include "atrium-http-sink.h"
#include "atrium-smtp-sink.h"
#include "atrium-occupancy.h"
#include "atrium-random.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"
#include "atrium-totp.h"

/* 2026-11-24T09:00:00Z, a Tuesday: 10:00 in Paris. */
#define T0  (G_GINT64_CONSTANT (1795510800) * ATRIUM_USEC_PER_SEC)
#define SEC ATRIUM_USEC_PER_SEC

#define PATRON_PW "Blue-Cactus-Lamp7"
#define STAFF_PW  "Sunflower&Tea42x"

#define CONFIG "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\n" \
               "[brute_force]\nip_max_failures = 10000\n"

/* ---- waiting for a call ------------------------------------------------------------- */

static GAsyncResult *pending;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_assert_null (pending);
  pending = g_object_ref (result);
}

static GAsyncResult *
await_result (void)
{
  while (pending == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (&pending);
}

static JsonNode *
await_document (AtriumApi  *api,
                GError    **error)
{
  g_autoptr(GAsyncResult) result = await_result ();

  return atrium_api_document_finish (api, result, error);
}

static AtriumLoginResult *
login (AtriumApi   *api,
       const char  *name,
       const char  *password,
       GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  atrium_api_login_async (api, name, password, NULL, on_done, NULL);
  result = await_result ();
  return atrium_api_login_finish (api, result, error);
}

static const char *
string_of (JsonNode   *node,
           const char *name)
{
  return json_object_get_string_member (json_node_get_object (node), name);
}

static gint64
int_of (JsonNode   *node,
        const char *name)
{
  return json_object_get_int_member (json_node_get_object (node), name);
}

static JsonArray *
array_of (JsonNode   *node,
          const char *name)
{
  return json_object_get_array_member (json_node_get_object (node), name);
}

/* ---- the institution ---------------------------------------------------------------- */

typedef struct
{
  gint64 site;
  gint64 space;
  gint64 seat;
  gint64 seat2;
} Seed;

typedef struct
{
  AtriumClock      *clock;
  AtriumTestThread *server;
  guint16           port;
  Seed              seed;
  char             *staff_enrolment;   /* what useradd printed: the TOTP seed */
  AtriumApi        *api;
} Fixture;

static void
seed_institution (AtriumServer *server,
                  gpointer      user_data)
{
  Seed *seed = user_data;
  AtriumStore *store = atrium_server_get_store (server);
  g_autoptr(AtriumSite) site = atrium_site_new ();
  g_autoptr(AtriumSpace) space = atrium_space_new ();
  AtriumPeriod day = { 8 * 60, 20 * 60 };
  g_autoptr(GError) error = NULL;
  AtriumDb *db = atrium_store_write_begin (store);

  site->name = g_strdup ("Central Library");
  site->address = g_strdup ("1 Place du Panthéon");
  site->timezone = g_strdup ("Europe/Paris");
  site->tz = g_time_zone_new_identifier ("Europe/Paris");
  for (guint d = 1; d <= 6; d++)
    g_array_append_val (site->hours[d], day);
  seed->site = atrium_store_site_create (db, site, &error);
  g_assert_no_error (error);
  space->site_id = seed->site;
  space->name = g_strdup ("Reading Room");
  space->kind = g_strdup ("reading_room");
  space->capacity = 20;
  space->attributes = g_strdup ("{\"quiet\":true}");
  seed->space = atrium_store_space_create (db, space, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_store_counter_set (db, seed->space, 0, 5, TRUE, T0 / SEC, &error));
  seed->seat = atrium_store_resource_create (db, seed->site, seed->space, "seat", "Seat Q1", 1,
                                             "{\"power\":true}", &error);
  g_assert_no_error (error);
  seed->seat2 = atrium_store_resource_create (db, seed->site, seed->space, "seat", "Seat Q2",
                                              1, NULL, &error);
  g_assert_no_error (error);
  atrium_store_write_end (store);
  g_assert_true (atrium_occupancy_refresh (
    atrium_server_get_service (server, ATRIUM_SERVICE_OCCUPANCY), &error));
  g_assert_no_error (error);
}

/* Broken answers the real routes never give: a 500 and a 200 that is not JSON. */
static void
handle_broken (AtriumRequest *request)
{
  /* No answer: the router answers 500 with the request id. */
}

static void
handle_garbage (AtriumRequest *request)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("{\"sites\": [", 11);

  atrium_request_reply_bytes (request, 200, "application/json", bytes);
}

/* A valid document of 17 MiB: more than the client takes. */
static void
handle_huge (AtriumRequest *request)
{
  gsize size = 17 * 1024 * 1024;
  char *text = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;

  memset (text, ' ', size);
  text[0] = '{';
  text[size - 1] = '}';
  bytes = g_bytes_new_take (text, size);
  atrium_request_reply_bytes (request, 200, "application/json", bytes);
}

/* What the server's bookings on behalf and erasure answer a session without the second
 * factor; no call of this slice reaches those. */
static void
handle_second_factor (AtriumRequest *request)
{
  atrium_request_reply_error (request, 403, "second_factor_required",
                              "Sign in with your second factor to do this");
}

static const AtriumRoute test_routes[] = {
  { "GET", "/test/broken", 0, ATRIUM_ROUTE_PUBLIC, NULL, handle_broken },
  { "GET", "/test/huge", 0, ATRIUM_ROUTE_PUBLIC, NULL, handle_huge },
  { "GET", "/test/second-factor", 0, ATRIUM_ROUTE_PUBLIC, NULL, handle_second_factor },
  { "GET", "/test/garbage", 0, ATRIUM_ROUTE_PUBLIC, NULL, handle_garbage },
};

static void
setup_server (AtriumServer *server,
              gpointer      user_data)
{
  seed_institution (server, user_data);
  atrium_server_add_routes (server, test_routes, G_N_ELEMENTS (test_routes));
}

static char *
useradd (const char *data_dir,
         const char *name,
         const char *password,
         const char *role)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", name);
  g_autofree char *line = g_strconcat (password, "\n", NULL);
  const char *args[] = { "useradd", "--data-dir", data_dir, name, "--email", email,
                         "--role", role, "--password-stdin", NULL };
  char *out = NULL;

  g_assert_cmpint (atrium_test_run_server_input (line, &out, NULL, args), ==, 0);
  return out;
}

static void
fixture_setup_with (Fixture    *f,
                    const char *config)
{
  g_autofree char *patron = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *url = NULL;
  g_autofree char *role = NULL;
  g_autoptr(GError) error = NULL;

  f->clock = atrium_clock_new_fixed (T0);
  f->server = atrium_test_thread_start_full (config, f->clock, setup_server, &f->seed);
  f->port = atrium_test_thread_port (f->server);
  patron = useradd (atrium_test_thread_data_dir (f->server), "alice", PATRON_PW, "patron");
  bob = useradd (atrium_test_thread_data_dir (f->server), "bob", PATRON_PW, "patron");
  role = g_strdup_printf ("staff:%" G_GINT64_FORMAT, f->seed.site);
  f->staff_enrolment = useradd (atrium_test_thread_data_dir (f->server), "sam", STAFF_PW, role);
  url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  f->api = atrium_api_new (url, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_with (f, data != NULL ? data : CONFIG);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->api);
  if (f->server != NULL)
    atrium_test_thread_stop (f->server);
  g_object_unref (f->clock);
  g_free (f->staff_enrolment);
}

static char *
totp_of (const char *enrolment)
{
  const char *found = strstr (enrolment, "secret=");
  g_autofree char *secret_text = NULL;
  g_autofree guint8 *secret = NULL;
  gsize secret_len = 0;

  g_assert_nonnull (found);
  secret_text = g_strndup (found + 7, strcspn (found + 7, "&"));
  secret = atrium_base32_decode (secret_text, &secret_len, NULL);
  g_assert_nonnull (secret);
  return g_strdup_printf ("%06u", atrium_totp_code (secret, secret_len, T0 / SEC));
}

static char *
totp_now (Fixture *f)
{
  return totp_of (f->staff_enrolment);
}

static void
sign_in_patron (Fixture    *f,
                AtriumApi  *api,
                const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumLoginResult) result = login (api, name, PATRON_PW, &error);

  g_assert_no_error (error);
  g_assert_false (result->second_factor);
  g_assert_nonnull (result->token);
  g_assert_cmpstr (atrium_api_get_token (api), ==, result->token);
}

static JsonNode *
create_booking (AtriumApi   *api,
                gint64       resource,
                const char  *start,
                const char  *end,
                const char  *key,
                GError     **error)
{
  atrium_api_create_booking_async (api, resource, start, end, 0, key, NULL, on_done, NULL);
  return await_document (api, error);
}

/* ---- sign-in and every call --------------------------------------------------------- */

static void
test_sign_in_and_calls (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumLoginResult) first = NULL;
  g_autoptr(AtriumLoginResult) session = NULL;
  g_autoptr(AtriumApi) patron = NULL;
  g_autoptr(JsonNode) me = NULL, sites = NULL, all = NULL, one = NULL, keys = NULL;
  g_autoptr(JsonNode) resources = NULL, availability = NULL, booking = NULL, mine = NULL;
  g_autoptr(JsonNode) checkin = NULL, cancelled = NULL, again = NULL, booking2 = NULL;
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *code = totp_now (f);
  g_autofree char *site_text = g_strdup_printf ("%" G_GINT64_FORMAT, f->seed.site);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_autofree char *key = atrium_api_new_idempotency_key ();
  g_autofree char *key2 = atrium_api_new_idempotency_key ();
  const char *checkin_code;
  JsonNode *listed;

  /* The staff member: password, then the second factor. */
  first = login (f->api, "sam", STAFF_PW, &error);
  g_assert_no_error (error);
  g_assert_true (first->second_factor);
  g_assert_nonnull (first->challenge);
  g_assert_true (g_strv_contains ((const char * const *) first->methods, "totp"));
  g_assert_null (first->token);
  g_assert_null (atrium_api_get_token (f->api));

  /* No mail or SMS configured: asking for a code that way is refused. */
  atrium_api_send_code_async (f->api, first->challenge, "sms", NULL, on_done, NULL);
  {
    g_autoptr(GAsyncResult) result = await_result ();

    g_assert_false (atrium_api_send_code_finish (f->api, result, &error));
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
    g_assert_cmpstr (atrium_api_error_get_detail (error)->code, ==, "invalid_challenge");
    g_clear_error (&error);
  }

  atrium_api_verify_code_async (f->api, first->challenge, code, NULL, on_done, NULL);
  {
    g_autoptr(GAsyncResult) result = await_result ();

    session = atrium_api_verify_code_finish (f->api, result, &error);
  }
  g_assert_no_error (error);
  g_assert_false (session->second_factor);
  g_assert_cmpuint (strlen (session->token), >, 20);
  g_assert_cmpint (session->expires_in, >, 0);
  g_assert_cmpstr (string_of (session->user, "name"), ==, "sam");
  g_assert_cmpstr (atrium_api_get_token (f->api), ==, session->token);

  atrium_api_get_me_async (f->api, NULL, on_done, NULL);
  me = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (me, "name"), ==, "sam");
  g_assert_cmpstr (string_of (me, "email"), ==, "sam@example.org");

  /* The server saw who we are: the session records our User-Agent. */
  {
    g_autoptr(JsonNode) sessions = NULL;
    JsonNode *current;

    atrium_api_get_document_async (f->api, "/api/v1/auth/sessions", NULL, on_done, NULL);
    sessions = await_document (f->api, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (array_of (sessions, "sessions")), ==, 1);
    current = json_array_get_element (array_of (sessions, "sessions"), 0);
    g_assert_cmpstr (string_of (current, "user_agent"), ==, "Atrium/" PACKAGE_VERSION);
  }

  atrium_api_get_sites_async (f->api, NULL, on_done, NULL);
  sites = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (sites, "sites")), ==, 1);
  g_assert_cmpstr (string_of (json_array_get_element (array_of (sites, "sites"), 0), "name"),
                   ==, "Central Library");

  atrium_api_get_occupancy_async (f->api, 0, NULL, on_done, NULL);
  all = await_document (f->api, &error);
  g_assert_no_error (error);
  atrium_api_get_occupancy_async (f->api, f->seed.site, NULL, on_done, NULL);
  one = await_document (f->api, &error);
  g_assert_no_error (error);
  {
    g_autofree char *text = atrium_json_write (one);

    g_assert_nonnull (strstr (text, "Reading Room"));
  }

  atrium_api_get_keys_async (f->api, NULL, on_done, NULL);
  keys = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (keys, "keys")), ==, 1);
  g_assert_cmpstr (string_of (json_array_get_element (array_of (keys, "keys"), 0), "alg"), ==,
                   "Ed25519");

  g_hash_table_insert (query, (char *) "site", site_text);
  g_hash_table_insert (query, (char *) "attrs", (char *) "power");
  atrium_api_search_resources_async (f->api, query, NULL, on_done, NULL);
  resources = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (resources, "resources")), ==, 1);
  g_assert_cmpint (int_of (json_array_get_element (array_of (resources, "resources"), 0), "id"),
                   ==, f->seed.seat);

  atrium_api_get_availability_async (f->api, f->seed.seat, "2026-11-24", NULL, on_done, NULL);
  availability = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (availability, "date"), ==, "2026-11-24");

  /* A patron books, lists with the signed code; staff check the code in at the door. */
  patron = atrium_api_new (url, &error);
  g_assert_no_error (error);
  sign_in_patron (f, patron, "alice");
  booking = create_booking (patron, f->seed.seat, "2026-11-24T09:00:00Z",
                            "2026-11-24T09:30:00Z", key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (booking, "status"), ==, "booked");
  again = create_booking (patron, f->seed.seat, "2026-11-24T09:00:00Z",
                          "2026-11-24T09:30:00Z", key, &error);
  g_assert_no_error (error);
  g_assert_cmpint (int_of (again, "id"), ==, int_of (booking, "id"));

  atrium_api_list_my_bookings_async (patron, NULL, on_done, NULL);
  mine = await_document (patron, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (mine, "bookings")), ==, 1);
  listed = json_array_get_element (array_of (mine, "bookings"), 0);
  checkin_code = string_of (listed, "checkin_code");
  g_assert_true (g_str_has_prefix (checkin_code, "ATR1."));

  atrium_api_checkin_async (f->api, checkin_code, NULL, on_done, NULL);
  checkin = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (checkin, "result"), ==, "checked_in");

  /* Checked in, it can no longer be cancelled: a conflict, not a slot taken. */
  atrium_api_cancel_booking_async (patron, int_of (booking, "id"), NULL, on_done, NULL);
  g_assert_null (await_document (patron, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_CONFLICT);
  g_assert_cmpstr (atrium_api_error_get_detail (error)->code, ==, "not_cancellable");
  g_clear_error (&error);

  /* Another booking, cancelled. */
  booking2 = create_booking (patron, f->seed.seat2, "2026-11-24T12:00:00Z",
                             "2026-11-24T12:30:00Z", key2, &error);
  g_assert_no_error (error);
  atrium_api_cancel_booking_async (patron, int_of (booking2, "id"), NULL, on_done, NULL);
  cancelled = await_document (patron, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (cancelled, "status"), ==, "cancelled");

  /* Sign-out forgets the token; the server has ended the session. */
  {
    g_autofree char *old = g_strdup (atrium_api_get_token (f->api));
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(JsonNode) refused = NULL;

    atrium_api_logout_async (f->api, NULL, on_done, NULL);
    result = await_result ();
    g_assert_true (atrium_api_logout_finish (f->api, result, &error));
    g_assert_no_error (error);
    g_assert_null (atrium_api_get_token (f->api));
    atrium_api_set_token (f->api, old);
    atrium_api_get_me_async (f->api, NULL, on_done, NULL);
    refused = await_document (f->api, &error);
    g_assert_null (refused);
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
  }
  g_assert_finalize_object (g_steal_pointer (&patron));
}

/* What a wrong password says: the same UNAUTHORISED as a lost session, with its code. */
static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumLoginResult) result = login (f->api, "alice", "not-her-password", &error);
  const AtriumApiErrorDetail *detail;

  g_assert_null (result);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
  detail = atrium_api_error_get_detail (error);
  g_assert_nonnull (detail);
  g_assert_cmpuint (detail->status, ==, 401);
  g_assert_cmpstr (detail->code, ==, "invalid_credentials");
  g_assert_nonnull (detail->request_id);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_autoptr(AtriumApi) bob = atrium_api_new (url, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) first = NULL;
  const AtriumApiErrorDetail *detail;
  JsonNode *node;

  /* A token the server never gave. */
  atrium_api_set_token (f->api, "bm90LWEtcmVhbC10b2tlbi1hdC1hbGwtbm90LWEtcmVhbC10b2tlbg");
  atrium_api_get_sites_async (f->api, NULL, on_done, NULL);
  node = await_document (f->api, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
  g_clear_error (&error);

  sign_in_patron (f, f->api, "alice");
  sign_in_patron (f, bob, "bob");

  /* The slot taken: alice first, then bob. */
  {
    g_autofree char *k1 = atrium_api_new_idempotency_key ();
    g_autofree char *k2 = atrium_api_new_idempotency_key ();

    first = create_booking (f->api, f->seed.seat, "2026-11-24T10:00:00Z",
                            "2026-11-24T10:30:00Z", k1, &error);
    g_assert_no_error (error);
    node = create_booking (bob, f->seed.seat, "2026-11-24T10:00:00Z",
                           "2026-11-24T10:30:00Z", k2, &error);
    g_assert_null (node);
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_SLOT_TAKEN);
    detail = atrium_api_error_get_detail (error);
    g_assert_cmpuint (detail->status, ==, 409);
    g_assert_cmpstr (detail->code, ==, "slot_taken");
    g_clear_error (&error);
  }

  /* A rule: five hours of a seat (four at most by default). */
  {
    g_autofree char *k = atrium_api_new_idempotency_key ();

    node = create_booking (bob, f->seed.seat2, "2026-11-24T11:00:00Z", "2026-11-24T16:00:00Z",
                           k, &error);
    g_assert_null (node);
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_RULE_VIOLATION);
    detail = atrium_api_error_get_detail (error);
    g_assert_cmpuint (detail->status, ==, 422);
    g_assert_cmpstr (detail->rule, ==, "max_duration");
    g_clear_error (&error);
  }

  /* Not found, invalid, forbidden (a patron at the kiosk's door), a conflict. */
  atrium_api_get_availability_async (bob, 999999, NULL, NULL, on_done, NULL);
  node = await_document (bob, &error);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_NOT_FOUND);
  g_clear_error (&error);

  atrium_api_get_availability_async (bob, f->seed.seat, "24/11/2026", NULL, on_done, NULL);
  node = await_document (bob, &error);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_INVALID);
  g_assert_cmpstr (atrium_api_error_get_detail (error)->code, ==, "invalid_date");
  g_assert_cmpuint (atrium_api_error_get_detail (error)->status, ==, 400);
  g_clear_error (&error);

  atrium_api_checkin_async (bob, "ATR1.AAAA", NULL, on_done, NULL);
  node = await_document (bob, &error);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_FORBIDDEN);
  g_clear_error (&error);

  /* The same key with another body. */
  {
    g_autofree char *k = atrium_api_new_idempotency_key ();

    node = create_booking (bob, f->seed.seat2, "2026-11-24T13:00:00Z", "2026-11-24T13:30:00Z",
                           k, &error);
    g_assert_no_error (error);
    json_node_unref (node);
    node = create_booking (bob, f->seed.seat2, "2026-11-24T14:00:00Z", "2026-11-24T14:30:00Z",
                           k, &error);
    g_assert_null (node);
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_INVALID);
    g_assert_cmpstr (atrium_api_error_get_detail (error)->code, ==, "idempotency_key_reused");
    g_clear_error (&error);
  }

  /* Cancelling a checked-in booking is a conflict, not a slot taken: check in first. */
  {
    g_autoptr(AtriumApi) staff = atrium_api_new (url, NULL);
    g_autoptr(AtriumLoginResult) challenge = login (staff, "sam", STAFF_PW, &error);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(AtriumLoginResult) session = NULL;
    g_autofree char *code = totp_now (f);
    g_autoptr(JsonNode) done = NULL;

    g_assert_no_error (error);
    atrium_api_verify_code_async (staff, challenge->challenge, code, NULL, on_done, NULL);
    result = await_result ();
    session = atrium_api_verify_code_finish (staff, result, &error);
    g_assert_no_error (error);
    atrium_api_checkin_async (staff, string_of (first, "checkin_code"), NULL, on_done, NULL);
    done = await_document (staff, &error);
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_INVALID);
    g_assert_cmpstr (atrium_api_error_get_detail (error)->code, ==, "too_early");
    g_clear_error (&error);
    g_clear_object (&result);   /* the task holds its source */
    g_assert_finalize_object (g_steal_pointer (&staff));
  }
  atrium_api_cancel_booking_async (f->api, int_of (first, "id"), NULL, on_done, NULL);
  node = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (node, "status"), ==, "cancelled");
  json_node_unref (node);

  /* Unknown search parameters never leave the client. */
  {
    g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);

    g_hash_table_insert (query, (char *) "owner", (char *) "1");
    atrium_api_search_resources_async (bob, query, NULL, on_done, NULL);
    node = await_document (bob, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  g_assert_finalize_object (g_steal_pointer (&bob));
}

/* The second factor by email, through a real SMTP sink the server mails the code to. */
static void
test_email_code (void)
{
  g_autoptr(GError) error = NULL;
  AtriumSmtpSink *sink = atrium_smtp_sink_new (&error);
  g_autofree char *config = NULL;
  g_autoptr(AtriumLoginResult) first = NULL;
  g_autoptr(AtriumLoginResult) session = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("code is ([0-9]{6})", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *text = NULL;
  g_autofree char *code = NULL;
  Fixture fixture = { 0 };
  Fixture *f = &fixture;

  g_assert_no_error (error);
  config = g_strdup_printf ("%s[mail]\nhost = 127.0.0.1\nport = %u\ntls = none\n"
                            "from = noreply@library.example\n", CONFIG,
                            atrium_smtp_sink_get_port (sink));
  fixture_setup_with (f, config);

  first = login (f->api, "sam", STAFF_PW, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) first->methods, "email"));
  atrium_api_send_code_async (f->api, first->challenge, "email", NULL, on_done, NULL);
  {
    g_autoptr(GAsyncResult) result = await_result ();

    g_assert_true (atrium_api_send_code_finish (f->api, result, &error));
    g_assert_no_error (error);
  }
  g_assert_true (atrium_smtp_sink_wait_for (sink, 1, 5000));
  messages = atrium_smtp_sink_get_messages (sink);
  text = atrium_smtp_sink_message_dup_text (messages->pdata[0], NULL);
  g_assert_true (g_regex_match (regex, text, 0, &match));
  code = g_match_info_fetch (match, 1);

  /* At once again: throttled, with the wait. */
  atrium_api_send_code_async (f->api, first->challenge, "email", NULL, on_done, NULL);
  {
    g_autoptr(GAsyncResult) result = await_result ();

    g_assert_false (atrium_api_send_code_finish (f->api, result, &error));
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_RATE_LIMITED);
    g_assert_cmpuint (atrium_api_error_get_detail (error)->retry_after, >, 0);
    g_clear_error (&error);
  }
  /* A wrong code, then the mailed one. */
  atrium_api_verify_code_async (f->api, first->challenge, "000000", NULL, on_done, NULL);
  {
    g_autoptr(GAsyncResult) result = await_result ();

    g_assert_null (atrium_api_verify_code_finish (f->api, result, &error));
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
    g_assert_cmpstr (atrium_api_error_get_detail (error)->code, ==, "invalid_code");
    g_clear_error (&error);
  }
  atrium_api_verify_code_async (f->api, first->challenge, code, NULL, on_done, NULL);
  {
    g_autoptr(GAsyncResult) result = await_result ();

    session = atrium_api_verify_code_finish (f->api, result, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpstr (atrium_api_get_token (f->api), ==, session->token);

  fixture_teardown (f, NULL);
  atrium_smtp_sink_free (sink);
}

static void
test_server_and_protocol (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const AtriumApiErrorDetail *detail;
  JsonNode *node;

  atrium_api_get_document_async (f->api, "/test/broken", NULL, on_done, NULL);
  node = await_document (f->api, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_SERVER);
  detail = atrium_api_error_get_detail (error);
  g_assert_cmpuint (detail->status, ==, 500);
  g_assert_nonnull (detail->request_id);
  g_assert_cmpuint (strlen (detail->request_id), >, 0);
  g_assert_nonnull (strstr (error->message, detail->request_id));
  g_clear_error (&error);

  atrium_api_get_document_async (f->api, "/test/second-factor", NULL, on_done, NULL);
  node = await_document (f->api, &error);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_SECOND_FACTOR_REQUIRED);
  g_assert_cmpuint (atrium_api_error_get_detail (error)->status, ==, 403);
  g_clear_error (&error);

  atrium_api_get_document_async (f->api, "/test/garbage", NULL, on_done, NULL);
  node = await_document (f->api, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_PROTOCOL);
  g_clear_error (&error);

  atrium_api_get_document_async (f->api, "/test/huge", NULL, on_done, NULL);
  node = await_document (f->api, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "16 MiB"));
  g_clear_error (&error);

  /* The connection given up on that answer does not spoil the next call. */
  atrium_api_get_document_async (f->api, "/healthz", NULL, on_done, NULL);
  node = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (node, "status"), ==, "ok");
  json_node_unref (node);
}

#define CONFIG_LOW_LIMIT "[limits]\nrequests_per_minute_per_ip = 3\n"

static void
test_rate_limited (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const AtriumApiErrorDetail *detail;
  JsonNode *node = NULL;
  guint answered = 0;

  /* Three a minute: the fourth at the latest is refused. */
  for (guint i = 0; i < 4 && error == NULL; i++)
    {
      atrium_api_get_document_async (f->api, "/healthz", NULL, on_done, NULL);
      node = await_document (f->api, &error);
      if (node != NULL)
        {
          answered++;
          json_node_unref (node);
        }
    }
  g_assert_cmpuint (answered, <=, 3);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_RATE_LIMITED);
  detail = atrium_api_error_get_detail (error);
  g_assert_cmpuint (detail->status, ==, 429);
  g_assert_cmpuint (detail->retry_after, >=, 1);
  g_assert_cmpuint (detail->retry_after, <=, 60);
}

/* Online, then the server stops under the client (a kept-alive connection included). */
static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) sites = NULL;
  JsonNode *node;

  sign_in_patron (f, f->api, "alice");
  atrium_api_get_sites_async (f->api, NULL, on_done, NULL);
  sites = await_document (f->api, &error);
  g_assert_no_error (error);

  atrium_test_thread_stop (g_steal_pointer (&f->server));
  for (guint i = 0; i < 2; i++)
    {
      atrium_api_get_sites_async (f->api, NULL, on_done, NULL);
      node = await_document (f->api, &error);
      g_assert_null (node);
      g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE);
      g_assert_cmpuint (atrium_api_error_get_detail (error)->status, ==, 0);
      g_clear_error (&error);
    }
  /* The session is still ours: nothing said it ended. */
  g_assert_nonnull (atrium_api_get_token (f->api));
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_cancellable_cancel (cancellable);
  atrium_api_get_sites_async (f->api, cancellable, on_done, NULL);
  node = await_document (f->api, &error);
  g_assert_null (node);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_base_urls (void)
{
  const char *refused[] = {
    "http://library.example.org", "ftp://127.0.0.1", "https://", "https://user@host",
    "https://host/path", "https://host/?q=1", "not a url", NULL
  };
  const char *taken[] = {
    "https://library.example.org", "https://library.example.org:8443/", "http://127.0.0.1:8080",
    "http://localhost", NULL
  };

  for (guint i = 0; refused[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumApi) api = atrium_api_new (refused[i], &error);

      g_assert_null (api);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
  for (guint i = 0; taken[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumApi) api = atrium_api_new (taken[i], &error);

      g_assert_no_error (error);
      g_assert_false (g_str_has_suffix (atrium_api_get_base_url (api), "/"));
    }
}

/* ---- on the wire, against a sink that answers what it is told ---------------------- */

static void
test_wire (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumHttpSink) sink = atrium_http_sink_new (&error);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", atrium_http_sink_get_port (sink));
  g_autoptr(AtriumApi) api = atrium_api_new (url, NULL);
  g_autoptr(GPtrArray) requests = NULL;
  AtriumHttpSinkRequest *request;
  const char *wrong_shapes[] = {
    "[]", "{\"sites\": {}}", "{\"sites\": 3}", "{\"resources\": []}", "\"sites\"", NULL
  };
  JsonNode *node;

  g_assert_no_error (error);

  /* What goes out: our name, the token only as a bearer, the key, JSON. */
  atrium_api_set_token (api, "the-session-token");
  atrium_api_create_booking_async (api, 5, "2026-11-24T09:00:00Z", "2026-11-24T09:30:00Z", 2,
                                   "key-123", NULL, on_done, NULL);
  node = await_document (api, &error);
  /* The sink's {} has no id: not a booking. */
  g_assert_null (node);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_PROTOCOL);
  g_clear_error (&error);
  requests = atrium_http_sink_get_requests (sink);
  g_assert_cmpuint (requests->len, ==, 1);
  request = requests->pdata[0];
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->path, ==, "/api/v1/bookings");
  g_assert_null (request->query);
  g_assert_cmpstr (request->authorization, ==, "Bearer the-session-token");
  g_assert_cmpstr (request->content_type, ==, "application/json");
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "User-Agent"), ==,
                   "Atrium/" PACKAGE_VERSION);
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "Idempotency-Key"), ==,
                   "key-123");
  g_assert_null (soup_message_headers_get_one (request->headers, "Cookie"));
  {
    g_autoptr(JsonNode) body = json_from_string (g_bytes_get_data (request->body, NULL), NULL);

    g_assert_cmpint (int_of (body, "resource_id"), ==, 5);
    g_assert_cmpint (int_of (body, "group_size"), ==, 2);
    g_assert_cmpstr (string_of (body, "start"), ==, "2026-11-24T09:00:00Z");
  }

  /* Answers of the wrong shape are not handed on. */
  for (guint i = 0; wrong_shapes[i] != NULL; i++)
    {
      atrium_http_sink_set_response (sink, 200, "application/json", wrong_shapes[i]);
      atrium_api_get_sites_async (api, NULL, on_done, NULL);
      node = await_document (api, &error);
      g_assert_null (node);
      g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
  /* Nor a sign-in answer that says neither. */
  {
    const char *logins[] = {
      "{\"status\":\"ok\"}", "{\"status\":\"2fa_required\",\"challenge\":\"c\"}",
      "{\"status\":\"2fa_required\",\"challenge\":\"c\",\"methods\":[1]}",
      "{\"status\":\"ok\",\"token\":\"t\",\"expires_in\":\"soon\",\"user\":{}}",
      "{\"status\":\"maybe\"}", NULL
    };

    for (guint i = 0; logins[i] != NULL; i++)
      {
        g_autoptr(AtriumLoginResult) result = NULL;

        atrium_http_sink_set_response (sink, 200, "application/json", logins[i]);
        result = login (api, "alice", "pw", &error);
        g_assert_null (result);
        g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_PROTOCOL);
        g_assert_null (atrium_api_get_token (api));
        g_clear_error (&error);
      }
  }

  /* A 503 that says when to come back, a proxy's 502 with no JSON, a 426. */
  atrium_http_sink_set_response (sink, 503, "text/html", "<h1>busy</h1>");
  atrium_http_sink_add_response_header (sink, "X-Request-Id", "abc123");
  atrium_http_sink_add_response_header (sink, "Retry-After", "30");
  atrium_api_get_keys_async (api, NULL, on_done, NULL);
  node = await_document (api, &error);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_SERVER);
  g_assert_cmpstr (atrium_api_error_get_detail (error)->request_id, ==, "abc123");
  g_assert_cmpuint (atrium_api_error_get_detail (error)->retry_after, ==, 30);
  g_assert_null (atrium_api_error_get_detail (error)->code);
  g_clear_error (&error);

  atrium_http_sink_set_response (sink, 426, "application/json",
                                 "{\"error\":\"upgrade_required\",\"message\":\"Update\"}");
  atrium_api_get_keys_async (api, NULL, on_done, NULL);
  node = await_document (api, &error);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OUTDATED);
  g_assert_cmpstr (error->message, ==, "Update");
  g_clear_error (&error);

  /* A detail survives a copy; other domains have none. */
  {
    g_autoptr(GError) copy = NULL;
    g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

    atrium_http_sink_set_response (sink, 429, "application/json",
                                   "{\"error\":\"rate_limited\",\"message\":\"Slow\"}");
    atrium_http_sink_add_response_header (sink, "Retry-After", "7");
    atrium_api_get_keys_async (api, NULL, on_done, NULL);
    node = await_document (api, &error);
    copy = g_error_copy (error);
    g_clear_error (&error);
    g_assert_error (copy, ATRIUM_API_ERROR, ATRIUM_API_ERROR_RATE_LIMITED);
    g_assert_cmpuint (atrium_api_error_get_detail (copy)->retry_after, ==, 7);
    g_assert_cmpstr (atrium_api_error_get_detail (copy)->code, ==, "rate_limited");
    g_assert_null (atrium_api_error_get_detail (other));
  }
  g_assert_finalize_object (g_steal_pointer (&api));
}

/* ---- TLS and the Unix socket, with the real server process --------------------------- */

/* The certificate's SHA-256 as openssl prints it, in our spelling. */
static char *
openssl_fingerprint (const char *cert_path)
{
  const char *argv[] = { "openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in",
                         cert_path, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  GString *hex = g_string_new (NULL);
  const char *eq;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  eq = strchr (out, '=');
  g_assert_nonnull (eq);
  for (const char *p = eq + 1; *p != '\0' && *p != '\n'; p++)
    if (*p != ':')
      g_string_append_c (hex, g_ascii_tolower (*p));
  return g_string_free (hex, FALSE);
}

static AtriumTestProcess *
start_https (const char *dir,
             const char *name,
             char      **fingerprint)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  AtriumTestProcess *proc;

  atrium_test_make_certificate (dir, name, &cert, &key);
  *fingerprint = openssl_fingerprint (cert);
  {
    const char *args[] = { "--https", "127.0.0.1:0", "--cert", cert, "--key", key, NULL };

    proc = atrium_test_process_start (NULL, args);
  }
  return proc;
}

/* A call that reaches the server: an unknown user's sign-in, which it refuses. */
static void
assert_reaches_server (AtriumApi *api)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumLoginResult) result = login (api, "nobody", "nothing-at-all", &error);

  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
}

static void
test_tls_pinning (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("atrium-client-tls-XXXXXX", &error);
  g_autofree char *first_fp = NULL;
  g_autofree char *second_fp = NULL;
  g_autofree char *url = NULL;
  g_autoptr(AtriumApi) api = NULL;
  g_autoptr(AtriumLoginResult) result = NULL;
  const AtriumApiErrorDetail *detail;
  AtriumTestProcess *proc;

  g_assert_no_error (error);
  proc = start_https (dir, "first", &first_fp);
  url = g_strdup_printf ("https://127.0.0.1:%u", proc->https_port);
  api = atrium_api_new (url, &error);
  g_assert_no_error (error);

  /* Not trusted by the system: refused, with the fingerprint to show the user. */
  result = login (api, "nobody", "nothing-at-all", &error);
  g_assert_null (result);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_CERTIFICATE_UNTRUSTED);
  detail = atrium_api_error_get_detail (error);
  g_assert_cmpstr (detail->fingerprint, ==, first_fp);
  g_assert_nonnull (strstr (error->message, first_fp));

  /* The user agrees: pinned, the same server now answers. */
  {
    g_autofree char *spelled = g_ascii_strup (first_fp, -1);
    g_autoptr(GError) bad = NULL;

    g_assert_false (atrium_api_set_pinned_fingerprint (api, "abcd", &bad));
    g_assert_error (bad, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_assert_true (atrium_api_set_pinned_fingerprint (api, spelled, NULL));
    g_assert_cmpstr (atrium_api_get_pinned_fingerprint (api), ==, first_fp);
  }
  g_clear_error (&error);
  assert_reaches_server (api);
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);

  /* The server comes back with another certificate: refused loudly. */
  proc = start_https (dir, "second", &second_fp);
  g_assert_cmpstr (first_fp, !=, second_fp);
  g_clear_object (&api);
  g_free (url);
  url = g_strdup_printf ("https://127.0.0.1:%u", proc->https_port);
  api = atrium_api_new (url, NULL);
  g_assert_true (atrium_api_set_pinned_fingerprint (api, first_fp, NULL));
  g_clear_pointer (&result, atrium_login_result_free);
  result = login (api, "nobody", "nothing-at-all", &error);
  g_assert_null (result);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_CERTIFICATE_CHANGED);
  detail = atrium_api_error_get_detail (error);
  g_assert_cmpstr (detail->fingerprint, ==, second_fp);
  g_assert_nonnull (strstr (error->message, "changed"));
  g_assert_nonnull (strstr (error->message, second_fp));
  g_clear_error (&error);

  /* Pinning the new one after checking it with the administrator. */
  g_assert_true (atrium_api_set_pinned_fingerprint (api, second_fp, NULL));
  assert_reaches_server (api);
  /* Back to the system's trust: untrusted again. */
  g_assert_true (atrium_api_set_pinned_fingerprint (api, NULL, NULL));
  result = login (api, "nobody", "nothing-at-all", &error);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_CERTIFICATE_UNTRUSTED);

  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&api));
  atrium_test_remove_tree (dir);
}

/* A self-signed certificate for 127.0.0.1 that expired yesterday (openssl 3.0's `req`
 * cannot back-date one). */
static void
make_expired_certificate (const char  *dir,
                          char       **cert_path,
                          char       **key_path)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t pem = { NULL, 0 };
  time_t now = time (NULL);
  guint8 serial[8];
  const guint8 loopback[] = { 127, 0, 0, 1 };

  *cert_path = g_build_filename (dir, "expired.crt", NULL);
  *key_path = g_build_filename (dir, "expired.key", NULL);
  atrium_random_bytes (serial, sizeof serial);
  serial[0] &= 0x7f;
  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                                 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_version (crt, 3), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_activation_time (crt, now - 2 * 86400), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_expiration_time (crt, now - 86400), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_dn (crt, "CN=expired", NULL), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, loopback,
                                                         sizeof loopback, GNUTLS_FSAN_SET), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key (crt, key), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  g_assert_true (g_file_set_contents (*cert_path, (const char *) pem.data, pem.size, NULL));
  gnutls_free (pem.data);
  g_assert_cmpint (gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  g_assert_true (g_file_set_contents (*key_path, (const char *) pem.data, pem.size, NULL));
  g_assert_cmpint (g_chmod (*key_path, 0600), ==, 0);
  gnutls_free (pem.data);
  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);
}

/* Pinned, then expired: the pin is not a licence to use a dead certificate. */
static void
test_tls_pinned_expired (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("atrium-client-tls-XXXXXX", &error);
  g_autofree char *cert = NULL, *key = NULL, *fingerprint = NULL, *url = NULL;
  g_autoptr(AtriumApi) api = NULL;
  g_autoptr(AtriumLoginResult) result = NULL;
  AtriumTestProcess *proc;

  g_assert_no_error (error);
  make_expired_certificate (dir, &cert, &key);
  fingerprint = openssl_fingerprint (cert);
  {
    const char *args[] = { "--https", "127.0.0.1:0", "--cert", cert, "--key", key, NULL };

    proc = atrium_test_process_start (NULL, args);
  }
  url = g_strdup_printf ("https://127.0.0.1:%u", proc->https_port);
  api = atrium_api_new (url, NULL);
  g_assert_true (atrium_api_set_pinned_fingerprint (api, fingerprint, NULL));
  result = login (api, "nobody", "nothing-at-all", &error);
  g_assert_null (result);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_nonnull (strstr (error->message, "expired"));
  g_assert_cmpstr (atrium_api_error_get_detail (error)->fingerprint, ==, fingerprint);

  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&api));
  atrium_test_remove_tree (dir);
}

static void
test_unix_socket (void)
{
  AtriumTestProcess *proc = atrium_test_process_start (NULL, NULL);
  g_autoptr(AtriumApi) api = atrium_api_new_for_unix_socket (proc->unix_path);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumLoginResult) result = NULL;
  g_autoptr(JsonNode) me = NULL;
  const char *args[] = { "useradd", "--data-dir", proc->data_dir, "uma", "--email",
                         "uma@example.org", "--role", "patron", "--password-stdin", NULL };

  g_assert_cmpint (atrium_test_run_server_input (PATRON_PW "\n", &out, NULL, args), ==, 0);
  g_assert_cmpstr (atrium_api_get_base_url (api), ==, "http://localhost");
  result = login (api, "uma", PATRON_PW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result->token);
  atrium_api_get_me_async (api, NULL, on_done, NULL);
  me = await_document (api, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (me, "name"), ==, "uma");

  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
  /* The socket is gone: offline, like a stopped remote server. */
  json_node_unref (g_steal_pointer (&me));
  atrium_api_get_me_async (api, NULL, on_done, NULL);
  me = await_document (api, &error);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE);
  g_assert_finalize_object (g_steal_pointer (&api));
}

/* ---- the answers cached, read back offline ------------------------------------------ */

static void
test_cache_from_server (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("atrium-client-cache-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *k = atrium_api_new_idempotency_key ();
  guint8 key[ATRIUM_DB_KEY_LEN];
  g_autoptr(AtriumCache) cache = NULL;
  g_autoptr(JsonNode) sites = NULL, mine = NULL, booking = NULL, back = NULL;
  g_autofree char *code = NULL;
  gint64 fetched = 0;

  atrium_random_bytes (key, sizeof key);
  cache = atrium_cache_open (path, key, NULL, &error);
  g_assert_no_error (error);
  sign_in_patron (f, f->api, "alice");

  atrium_api_get_sites_async (f->api, NULL, on_done, NULL);
  sites = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_cache_put_sites (cache, sites, T0 / SEC, &error));
  g_assert_no_error (error);

  booking = create_booking (f->api, f->seed.seat, "2026-11-24T15:00:00Z",
                            "2026-11-24T15:30:00Z", k, &error);
  g_assert_no_error (error);
  atrium_api_list_my_bookings_async (f->api, NULL, on_done, NULL);
  mine = await_document (f->api, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_cache_put_my_bookings (cache, mine, T0 / SEC + 60, &error));
  g_assert_no_error (error);

  /* The server goes away; what the UI shows comes from the cache, with its age. */
  back = atrium_cache_get_sites (cache, &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fetched, ==, T0 / SEC);
  g_assert_true (json_node_equal (back, sites));
  code = atrium_cache_get_checkin_code (cache, int_of (booking, "id"), &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, string_of (booking, "checkin_code"));
  g_assert_cmpint (fetched, ==, T0 / SEC + 60);

  /* Neither the code nor the library's name are in the files in clear. */
  g_assert_finalize_object (g_steal_pointer (&cache));
  {
    const char *suffixes[] = { "", "-wal", "-shm" };

    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *name = g_strconcat (path, suffixes[i], NULL);
        g_autofree char *contents = NULL;
        gsize length = 0;

        if (!g_file_get_contents (name, &contents, &length, NULL))
          continue;
        g_assert_null (memmem (contents, length, code, strlen (code)));
        g_assert_null (memmem (contents, length, "Central Library", 15));
        g_assert_null (memmem (contents, length, "SQLite format 3", 15));
      }
  }
  atrium_test_remove_tree (dir);
}

/* ---- today's bookings, live ----------------------------------------------------------- */

/* The staff member signed in with the second factor on @api. */
static void
sign_in_staff (Fixture   *f,
               AtriumApi *api)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumLoginResult) challenge = login (api, "sam", STAFF_PW, &error);
  g_autoptr(AtriumLoginResult) session = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *code = totp_now (f);

  g_assert_no_error (error);
  g_assert_true (challenge->second_factor);
  atrium_api_verify_code_async (api, challenge->challenge, code, NULL, on_done, NULL);
  result = await_result ();
  session = atrium_api_verify_code_finish (api, result, &error);
  g_assert_no_error (error);
}

static AtriumApi *
api_for (Fixture *f)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_autoptr(GError) error = NULL;
  AtriumApi *api = atrium_api_new (url, &error);

  g_assert_no_error (error);
  return api;
}

static gboolean
expired (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gboolean late = FALSE;
  guint id = g_timeout_add (15000, expired, &late);

  while (!condition (data) && !late)
    g_main_context_iteration (NULL, TRUE);
  if (late)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

typedef struct
{
  AtriumLiveClient   *live;
  AtriumLiveBookings *model;
  guint               n_items;
  gint64              id;
  const char         *status;
} ModelWait;

static gboolean
model_settled (gpointer data)
{
  ModelWait *wait = data;

  return !atrium_live_bookings_get_loading (wait->model) &&
         (wait->live == NULL ||
          atrium_live_client_get_state (wait->live) == ATRIUM_LIVE_STATE_LIVE) &&
         g_list_model_get_n_items (G_LIST_MODEL (wait->model)) == wait->n_items;
}

static AtriumLiveBooking *
model_find (AtriumLiveBookings *model,
            gint64              id)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(AtriumLiveBooking) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (atrium_live_booking_get_id (item) == id)
        return item;   /* the model keeps it */
    }
  return NULL;
}

static gboolean
model_status_is (gpointer data)
{
  ModelWait *wait = data;
  AtriumLiveBooking *item = model_find (wait->model, wait->id);

  return item != NULL && g_strcmp0 (atrium_live_booking_get_status (item), wait->status) == 0;
}

static gboolean
live_not_live (gpointer data)
{
  return atrium_live_client_get_state (data) == ATRIUM_LIVE_STATE_WAITING;
}

static gint64
time_of (GDateTime *date)
{
  return date != NULL ? g_date_time_to_unix (date) : 0;
}

static gint64
parsed_time (JsonObject *object,
             const char *name)
{
  gint64 usec = 0;

  if (json_object_get_null_member (object, name))
    return 0;
  g_assert_true (atrium_time_parse_iso8601 (json_object_get_string_member (object, name),
                                            &usec, NULL));
  return usec / SEC;
}

/* The model holds what the server lists for the site today, in its order. */
static void
assert_model_is_server (AtriumApi          *staff,
                        AtriumLiveBookings *model,
                        gint64              site)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonArray *bookings;

  atrium_api_list_site_bookings_async (staff, site, NULL, NULL, NULL, on_done, NULL);
  list = await_document (staff, &error);
  g_assert_no_error (error);
  bookings = array_of (list, "bookings");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==,
                    json_array_get_length (bookings));
  for (guint i = 0; i < json_array_get_length (bookings); i++)
    {
      JsonObject *want = json_array_get_object_element (bookings, i);
      g_autoptr(AtriumLiveBooking) have = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpint (atrium_live_booking_get_id (have), ==,
                       json_object_get_int_member (want, "id"));
      g_assert_cmpstr (atrium_live_booking_get_status (have), ==,
                       json_object_get_string_member (want, "status"));
      g_assert_cmpint (atrium_live_booking_get_resource_id (have), ==,
                       json_object_get_int_member (want, "resource_id"));
      g_assert_cmpstr (atrium_live_booking_get_resource_name (have), ==,
                       json_object_get_string_member (want, "resource_name"));
      g_assert_cmpstr (atrium_live_booking_get_username (have), ==,
                       json_object_get_string_member (want, "username"));
      g_assert_cmpint (time_of (atrium_live_booking_get_start (have)), ==,
                       parsed_time (want, "start"));
      g_assert_cmpint (time_of (atrium_live_booking_get_end (have)), ==,
                       parsed_time (want, "end"));
      g_assert_cmpint (time_of (atrium_live_booking_get_check_in_at (have)), ==,
                       parsed_time (want, "check_in_at"));
    }
}

static double
jitter_of (gpointer data)
{
  return 0.9;
}

/* The staff's list of today follows a patron's booking, its check-in at the door and a
 * cancellation as they happen; the server goes away and comes back, a booking is made
 * before the live client is back, and the list has it once it is. */
static void
test_live_bookings (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumApi) staff = api_for (f);
  g_autoptr(AtriumApi) patron = api_for (f);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_autofree char *key1 = atrium_api_new_idempotency_key ();
  g_autofree char *key2 = atrium_api_new_idempotency_key ();
  g_autofree char *key3 = atrium_api_new_idempotency_key ();
  g_autoptr(JsonNode) first = NULL, second = NULL, third = NULL, done = NULL;
  AtriumLiveTimings timings = { 2000, 4000, 15000, 3 };
  AtriumLiveClient *live;
  AtriumLiveBookings *model;
  AtriumLiveBooking *item;
  ModelWait wait = { 0 };

  sign_in_staff (f, staff);
  sign_in_patron (f, patron, "alice");
  live = atrium_live_client_new (session, url, atrium_api_get_token (staff));
  atrium_live_client_set_timings (live, &timings);
  atrium_live_client_set_random (live, jitter_of, NULL);
  atrium_live_client_start (live);
  model = atrium_live_bookings_new (staff, live, f->seed.site);
  g_assert_cmpint (atrium_live_bookings_get_site_id (model), ==, f->seed.site);
  wait = (ModelWait) { live, model, 0, 0, NULL };
  wait_until (model_settled, &wait, "an empty day");
  g_assert_null (atrium_live_bookings_get_error (model));

  /* Booked: the live message names a booking the list lacks; it is fetched. */
  first = create_booking (patron, f->seed.seat, "2026-11-24T09:00:00Z",
                          "2026-11-24T09:30:00Z", key1, &error);
  g_assert_no_error (error);
  wait.n_items = 1;
  wait_until (model_settled, &wait, "the new booking");
  item = model_find (model, int_of (first, "id"));
  g_assert_nonnull (item);
  g_assert_cmpstr (atrium_live_booking_get_username (item), ==, "alice");
  g_assert_cmpstr (atrium_live_booking_get_resource_name (item), ==, "Seat Q1");
  g_assert_cmpuint (atrium_live_booking_get_group_size (item), ==, 1);
  g_assert_null (atrium_live_booking_get_check_in_at (item));

  /* Checked in at the door: the same item changes in place. */
  atrium_api_checkin_async (staff, string_of (first, "checkin_code"), NULL, on_done, NULL);
  done = await_document (staff, &error);
  g_assert_no_error (error);
  wait.id = int_of (first, "id");
  wait.status = "checked_in";
  wait_until (model_status_is, &wait, "the check-in");
  g_assert_true (model_find (model, wait.id) == item);
  wait_until (model_settled, &wait, "the list after the check-in");
  g_assert_nonnull (atrium_live_booking_get_check_in_at (item));

  /* Another, then cancelled. */
  second = create_booking (patron, f->seed.seat2, "2026-11-24T12:00:00Z",
                           "2026-11-24T12:30:00Z", key2, &error);
  g_assert_no_error (error);
  wait.n_items = 2;
  wait_until (model_settled, &wait, "the second booking");
  g_clear_pointer (&done, json_node_unref);
  atrium_api_cancel_booking_async (patron, int_of (second, "id"), NULL, on_done, NULL);
  done = await_document (patron, &error);
  g_assert_no_error (error);
  wait.id = int_of (second, "id");
  wait.status = "cancelled";
  wait_until (model_status_is, &wait, "the cancellation");
  wait_until (model_settled, &wait, "the list after the cancellation");
  assert_model_is_server (staff, model, f->seed.site);

  /* The server goes away: the live client waits (1.8 s, the fixed jitter); the server is
   * back and a booking is made before the client is. */
  atrium_test_thread_down (f->server);
  wait_until (live_not_live, live, "the live client to notice");
  atrium_test_thread_up (f->server);
  third = create_booking (patron, f->seed.seat2, "2026-11-24T14:00:00Z",
                          "2026-11-24T14:30:00Z", key3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (atrium_live_client_get_state (live), !=, ATRIUM_LIVE_STATE_LIVE);
  g_assert_null (model_find (model, int_of (third, "id")));
  wait.n_items = 3;
  wait_until (model_settled, &wait, "the catch-up after the reconnection");
  g_assert_cmpuint (atrium_live_client_get_n_connections (live), ==, 2);
  g_assert_true (model_find (model, int_of (first, "id")) == item);
  g_assert_nonnull (model_find (model, int_of (third, "id")));
  assert_model_is_server (staff, model, f->seed.site);

  atrium_live_client_stop (live);
  g_assert_finalize_object (model);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (live);
}

/* A patron is not the site's staff: the list stays empty and says why. */
static void
test_live_bookings_forbidden (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(AtriumApi) patron = api_for (f);
  AtriumLiveBookings *model;
  ModelWait wait = { 0 };

  sign_in_patron (f, patron, "alice");
  model = atrium_live_bookings_new (patron, NULL, f->seed.site);
  wait = (ModelWait) { NULL, model, 0, 0, NULL };
  wait_until (model_settled, &wait, "the refusal");
  g_assert_error (atrium_live_bookings_get_error (model), ATRIUM_API_ERROR,
                  ATRIUM_API_ERROR_FORBIDDEN);
  g_assert_finalize_object (model);
}

/* ---- an expired session --------------------------------------------------------------- */

static void
count_expiry (AtriumApi *api,
              guint     *count)
{
  (*count)++;
}

static gboolean
flush_outbox (AtriumOutbox  *outbox,
              AtriumApi     *api,
              GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  atrium_outbox_flush_async (outbox, api, NULL, on_done, NULL);
  result = await_result ();
  return atrium_outbox_flush_finish (outbox, result, error);
}

/* The session is ended from elsewhere (another client signs it out): the next call is
 * UNAUTHORISED and session-expired is heard once; a booking queued meanwhile stays in the
 * outbox and goes through after the next sign-in. */
static void
test_session_expired (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumApi) other = api_for (f);
  g_autoptr(AtriumOutbox) outbox = NULL;
  g_autoptr(GPtrArray) failed = NULL;
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-expiry-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "outbox.db", NULL);
  guint8 key[ATRIUM_DB_KEY_LEN];
  guint expiries = 0;

  atrium_random_bytes (key, sizeof key);
  outbox = atrium_outbox_open (path, key, &error);
  g_assert_no_error (error);
  g_signal_connect (f->api, "session-expired", G_CALLBACK (count_expiry), &expiries);
  sign_in_patron (f, f->api, "alice");

  /* Signed out by another client holding the same session. */
  atrium_api_set_token (other, atrium_api_get_token (f->api));
  {
    g_autoptr(GAsyncResult) result = NULL;

    atrium_api_logout_async (other, NULL, on_done, NULL);
    result = await_result ();
    g_assert_true (atrium_api_logout_finish (other, result, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (expiries, ==, 0);

  atrium_api_get_me_async (f->api, NULL, on_done, NULL);
  g_assert_null (await_document (f->api, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
  g_clear_error (&error);
  g_assert_cmpuint (expiries, ==, 1);

  /* Work done meanwhile waits; a second refusal is not news. */
  g_assert_cmpint (atrium_outbox_enqueue_booking (outbox, f->seed.seat, "2026-11-24T15:00:00Z",
                                                  "2026-11-24T15:30:00Z", 1, &error), >, 0);
  g_assert_no_error (error);
  g_assert_false (flush_outbox (outbox, f->api, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
  g_clear_error (&error);
  g_assert_cmpuint (expiries, ==, 1);
  g_assert_true (atrium_outbox_get_paused (outbox));
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 1);
  failed = atrium_outbox_list_failed (outbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failed->len, ==, 0);

  /* Signed in again: the queued booking is sent, and a later expiry is heard again. */
  sign_in_patron (f, f->api, "alice");
  g_assert_true (flush_outbox (outbox, f->api, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 0);
  g_assert_false (atrium_outbox_get_paused (outbox));
  {
    g_autoptr(JsonNode) mine = NULL;

    atrium_api_list_my_bookings_async (f->api, NULL, on_done, NULL);
    mine = await_document (f->api, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (array_of (mine, "bookings")), ==, 1);
  }
  g_signal_handlers_disconnect_by_data (f->api, &expiries);
  g_clear_object (&outbox);
  atrium_test_remove_tree (dir);
}

/* ---- staff and administration calls --------------------------------------------------- */

static void
assert_refused (AtriumApi *api,
                gint       code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = await_document (api, &error);

  g_assert_null (node);
  g_assert_error (error, ATRIUM_API_ERROR, code);
}

static gboolean
await_done (AtriumApi  *api,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = await_result ();

  return atrium_api_done_finish (api, result, error);
}

/* Check-in by hand, a break, a booking on behalf of a patron, the day's list by status,
 * the site's notices; each refused where it should be. */
static void
test_staff_calls (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumApi) staff = api_for (f);
  g_autoptr(AtriumApi) alice = api_for (f);
  g_autoptr(AtriumApi) bob = api_for (f);
  g_autofree char *key1 = atrium_api_new_idempotency_key ();
  g_autofree char *key2 = atrium_api_new_idempotency_key ();
  g_autofree char *key3 = atrium_api_new_idempotency_key ();
  g_autoptr(JsonNode) booking = NULL, done = NULL, broke = NULL, behalf = NULL;
  g_autoptr(JsonNode) listed = NULL, events = NULL;

  sign_in_staff (f, staff);
  sign_in_patron (f, alice, "alice");
  sign_in_patron (f, bob, "bob");
  booking = create_booking (alice, f->seed.seat, "2026-11-24T09:00:00Z",
                            "2026-11-24T09:30:00Z", key1, &error);
  g_assert_no_error (error);

  atrium_api_checkin_booking_async (staff, int_of (booking, "id"), NULL, on_done, NULL);
  done = await_document (staff, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (done, "result"), ==, "checked_in");
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (json_node_get_object (done), "booking"),
                     "status"), ==, "checked_in");
  atrium_api_checkin_booking_async (staff, 999999, NULL, on_done, NULL);
  assert_refused (staff, ATRIUM_API_ERROR_NOT_FOUND);

  /* Another patron does not see the booking at all. */
  atrium_api_break_booking_async (bob, int_of (booking, "id"), NULL, on_done, NULL);
  assert_refused (bob, ATRIUM_API_ERROR_NOT_FOUND);
  atrium_api_break_booking_async (staff, int_of (booking, "id"), NULL, on_done, NULL);
  broke = await_document (staff, &error);
  g_assert_no_error (error);
  g_assert_false (json_object_get_null_member (
                    json_object_get_object_member (json_node_get_object (broke), "booking"),
                    "break_until"));

  /* On behalf of bob, by name; a patron may not. */
  atrium_api_create_booking_for_async (staff, 0, "bob", f->seed.seat2, "2026-11-24T10:00:00Z",
                                       "2026-11-24T10:30:00Z", 0, key2, NULL, on_done, NULL);
  behalf = await_document (staff, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (behalf, "username"), ==, "bob");
  atrium_api_create_booking_for_async (alice, 0, "bob", f->seed.seat2,
                                       "2026-11-24T11:00:00Z", "2026-11-24T11:30:00Z", 0, key3,
                                       NULL, on_done, NULL);
  assert_refused (alice, ATRIUM_API_ERROR_FORBIDDEN);

  atrium_api_list_site_bookings_async (staff, f->seed.site, "2026-11-24", "booked", NULL,
                                       on_done, NULL);
  listed = await_document (staff, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (listed, "bookings")), ==, 1);
  g_assert_cmpint (int_of (json_array_get_element (array_of (listed, "bookings"), 0), "id"),
                   ==, int_of (behalf, "id"));
  atrium_api_list_site_bookings_async (staff, f->seed.site, NULL, "nope", NULL, on_done, NULL);
  assert_refused (staff, ATRIUM_API_ERROR_INVALID);
  atrium_api_list_site_bookings_async (alice, f->seed.site, NULL, NULL, NULL, on_done, NULL);
  assert_refused (alice, ATRIUM_API_ERROR_FORBIDDEN);

  atrium_api_get_site_events_async (staff, f->seed.site, NULL, on_done, NULL);
  events = await_document (staff, &error);
  g_assert_no_error (error);
  g_assert_nonnull (array_of (events, "events"));
  atrium_api_get_site_events_async (alice, f->seed.site, NULL, on_done, NULL);
  assert_refused (alice, ATRIUM_API_ERROR_FORBIDDEN);
}

typedef struct
{
  guint   calls;
  goffset last;
} Progress;

static void
on_progress (goffset  bytes,
             gpointer data)
{
  Progress *progress = data;

  g_assert_cmpint (bytes, >, progress->last);
  progress->calls++;
  progress->last = bytes;
}

static void
cancel_on_progress (goffset  bytes,
                    gpointer data)
{
  g_cancellable_cancel (data);
}

/* Statistics, the export streamed to a file, users, sessions, the audit log, security
 * events and blocks, with an administrator signed in with the second factor. */
static void
test_admin_calls (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumApi) admin = api_for (f);
  g_autoptr(AtriumApi) staff = api_for (f);
  g_autoptr(AtriumApi) alice = api_for (f);
  g_autoptr(AtriumApi) alice2 = api_for (f);
  g_autofree char *enrolment = useradd (atrium_test_thread_data_dir (f->server), "ada",
                                        STAFF_PW, "admin");
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-export-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bookings.csv", NULL);
  g_autofree char *missing = g_build_filename (dir, "nope.csv", NULL);
  g_autofree char *key = atrium_api_new_idempotency_key ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) nope = g_file_new_for_path (missing);
  g_autoptr(JsonNode) stats = NULL, forecast = NULL, users = NULL, carol = NULL;
  g_autoptr(JsonNode) disabled = NULL, reset = NULL, sessions = NULL, audit = NULL;
  g_autoptr(JsonNode) events = NULL, blocks = NULL, booking = NULL;
  const char *carol_roles[] = { "patron", NULL };
  Progress progress = { 0, 0 };
  g_autofree char *contents = NULL;
  gsize length = 0;
  GStatBuf st;
  gint64 other_session = 0;

  {
    g_autoptr(AtriumLoginResult) challenge = login (admin, "ada", STAFF_PW, &error);
    g_autoptr(AtriumLoginResult) session = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    g_autofree char *code = totp_of (enrolment);

    g_assert_no_error (error);
    atrium_api_verify_code_async (admin, challenge->challenge, code, NULL, on_done, NULL);
    result = await_result ();
    session = atrium_api_verify_code_finish (admin, result, &error);
    g_assert_no_error (error);
  }
  sign_in_staff (f, staff);
  sign_in_patron (f, alice, "alice");
  sign_in_patron (f, alice2, "alice");
  booking = create_booking (alice, f->seed.seat, "2026-11-24T13:00:00Z",
                            "2026-11-24T14:00:00Z", key, &error);
  g_assert_no_error (error);

  /* Statistics and popular times; staff are not reporting. */
  atrium_api_get_site_stats_async (admin, f->seed.site, "2026-11-24", "2026-11-25", "hour",
                                   NULL, NULL, on_done, NULL);
  stats = await_document (admin, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json_object_get_member (json_node_get_object (stats), "series"));
  atrium_api_get_site_stats_async (staff, f->seed.site, NULL, NULL, NULL, NULL, NULL, on_done,
                                   NULL);
  assert_refused (staff, ATRIUM_API_ERROR_FORBIDDEN);
  atrium_api_get_site_forecast_async (alice, f->seed.site, "2026-11-24", NULL, on_done, NULL);
  forecast = await_document (alice, &error);
  g_assert_no_error (error);
  atrium_api_get_site_forecast_async (alice, f->seed.site, "soon", NULL, on_done, NULL);
  assert_refused (alice, ATRIUM_API_ERROR_INVALID);

  /* The export, streamed into a private file; an unknown table writes nothing. */
  atrium_api_export_async (admin, "bookings", "csv", NULL, NULL, file, on_progress, &progress,
                           NULL, on_done, NULL);
  {
    g_autoptr(GAsyncResult) result = await_result ();
    goffset written = atrium_api_export_finish (admin, result, &error);

    g_assert_no_error (error);
    g_assert_cmpint (written, >, 0);
    g_assert_cmpint (written, ==, progress.last);
    g_assert_cmpuint (progress.calls, >=, 1);
  }
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpint ((goffset) length, ==, progress.last);
  g_assert_nonnull (strstr (contents, "Seat Q1"));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* Cancelled after the first piece: the file there before is left as it was, and no
   * temporary file stays beside it. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GAsyncResult) result = NULL;
    g_autofree char *again = NULL;
    g_autoptr(GDir) listing = NULL;
    guint n_files = 0;

    atrium_api_export_async (admin, "bookings", "xlsx", NULL, NULL, file, cancel_on_progress,
                             cancellable, cancellable, on_done, NULL);
    result = await_result ();
    g_assert_cmpint (atrium_api_export_finish (admin, result, &error), ==, -1);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_true (g_file_get_contents (path, &again, NULL, NULL));
    g_assert_cmpstr (again, ==, contents);
    listing = g_dir_open (dir, 0, NULL);
    while (g_dir_read_name (listing) != NULL)
      n_files++;
    g_assert_cmpuint (n_files, ==, 1);
  }
  atrium_api_export_async (admin, "nope", NULL, NULL, NULL, nope, NULL, NULL, NULL, on_done,
                           NULL);
  {
    g_autoptr(GAsyncResult) result = await_result ();

    g_assert_cmpint (atrium_api_export_finish (admin, result, &error), ==, -1);
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  atrium_api_export_async (staff, "bookings", NULL, NULL, NULL, nope, NULL, NULL, NULL,
                           on_done, NULL);
  {
    g_autoptr(GAsyncResult) result = await_result ();

    g_assert_cmpint (atrium_api_export_finish (staff, result, &error), ==, -1);
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_FORBIDDEN);
    g_clear_error (&error);
  }
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  /* Users: listed, one made, disabled (it cannot sign in), unlocked; a second factor
   * reset; a patron may do none of it. */
  atrium_api_list_users_async (admin, NULL, on_done, NULL);
  users = await_document (admin, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (users, "users")), ==, 4);
  atrium_api_list_users_async (alice, NULL, on_done, NULL);
  assert_refused (alice, ATRIUM_API_ERROR_FORBIDDEN);
  atrium_api_create_user_async (admin, "carol", "carol@example.org", NULL, PATRON_PW,
                                carol_roles, NULL, on_done, NULL);
  carol = await_document (admin, &error);
  g_assert_no_error (error);
  atrium_api_create_user_async (admin, "carol", "carol2@example.org", NULL, PATRON_PW,
                                carol_roles, NULL, on_done, NULL);
  assert_refused (admin, ATRIUM_API_ERROR_CONFLICT);
  atrium_api_set_user_disabled_async (admin, int_of (carol, "id"), TRUE, NULL, on_done, NULL);
  disabled = await_document (admin, &error);
  g_assert_no_error (error);
  {
    g_autoptr(AtriumApi) as_carol = api_for (f);
    g_autoptr(AtriumLoginResult) refused = login (as_carol, "carol", PATRON_PW, &error);

    g_assert_null (refused);
    g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
    g_clear_error (&error);
  }
  atrium_api_unlock_user_async (admin, int_of (carol, "id"), NULL, on_done, NULL);
  g_assert_true (await_done (admin, &error));
  g_assert_no_error (error);
  atrium_api_unlock_user_async (admin, 999999, NULL, on_done, NULL);
  g_assert_false (await_done (admin, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_NOT_FOUND);
  g_clear_error (&error);
  atrium_api_reset_second_factor_async (admin, int_of (carol, "id"), NULL, on_done, NULL);
  reset = await_document (admin, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (reset, "name"), ==, "carol");

  /* Sessions: alice ends her other one. */
  atrium_api_list_sessions_async (alice, NULL, on_done, NULL);
  sessions = await_document (alice, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (sessions, "sessions")), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *one = json_array_get_object_element (array_of (sessions, "sessions"), i);

      if (!json_object_get_boolean_member (one, "current"))
        other_session = json_object_get_int_member (one, "id");
    }
  g_assert_cmpint (other_session, >, 0);
  atrium_api_revoke_session_async (alice, other_session, NULL, on_done, NULL);
  g_assert_true (await_done (alice, &error));
  g_assert_no_error (error);
  atrium_api_get_me_async (alice2, NULL, on_done, NULL);
  assert_refused (alice2, ATRIUM_API_ERROR_UNAUTHORISED);
  atrium_api_revoke_session_async (alice, 999999, NULL, on_done, NULL);
  g_assert_false (await_done (alice, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The audit log, filtered by event; a malformed bound is refused. */
  atrium_api_get_audit_async (admin, NULL, NULL, "authn_2fa_reset", 10, NULL, on_done, NULL);
  audit = await_document (admin, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (audit, "entries")), ==, 1);
  atrium_api_get_audit_async (admin, "yesterday", NULL, NULL, 0, NULL, on_done, NULL);
  assert_refused (admin, ATRIUM_API_ERROR_INVALID);

  atrium_api_get_security_events_async (admin, 5, NULL, on_done, NULL);
  events = await_document (admin, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (events, "events")), <=, 5);
  atrium_api_list_blocks_async (admin, NULL, on_done, NULL);
  blocks = await_document (admin, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (array_of (blocks, "blocks")), ==, 0);
  atrium_api_unblock_async (admin, "203.0.113.9", NULL, on_done, NULL);
  g_assert_false (await_done (admin, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_NOT_FOUND);
  g_clear_error (&error);
  atrium_api_list_blocks_async (staff, NULL, on_done, NULL);
  assert_refused (staff, ATRIUM_API_ERROR_FORBIDDEN);
  atrium_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/api/base-urls", test_base_urls);
  g_test_add ("/client/api/sign-in-and-calls", Fixture, NULL, fixture_setup,
              test_sign_in_and_calls, fixture_teardown);
  g_test_add ("/client/api/wrong-password", Fixture, NULL, fixture_setup,
              test_wrong_password, fixture_teardown);
  g_test_add ("/client/api/errors", Fixture, NULL, fixture_setup, test_errors,
              fixture_teardown);
  g_test_add ("/client/api/server-and-protocol", Fixture, NULL, fixture_setup,
              test_server_and_protocol, fixture_teardown);
  g_test_add ("/client/api/rate-limited", Fixture, CONFIG_LOW_LIMIT, fixture_setup,
              test_rate_limited, fixture_teardown);
  g_test_add ("/client/api/cancelled", Fixture, NULL, fixture_setup, test_cancelled,
              fixture_teardown);
  g_test_add ("/client/api/offline", Fixture, NULL, fixture_setup, test_offline,
              fixture_teardown);
  g_test_add_func ("/client/api/wire", test_wire);
  g_test_add_func ("/client/api/email-code", test_email_code);
  g_test_add_func ("/client/api/tls-pinning", test_tls_pinning);
  g_test_add_func ("/client/api/tls-pinned-expired", test_tls_pinned_expired);
  g_test_add_func ("/client/api/unix-socket", test_unix_socket);
  g_test_add ("/client/api/cache-from-server", Fixture, NULL, fixture_setup,
              test_cache_from_server, fixture_teardown);
  g_test_add ("/client/api/live-bookings", Fixture, NULL, fixture_setup, test_live_bookings,
              fixture_teardown);
  g_test_add ("/client/api/live-bookings-forbidden", Fixture, NULL, fixture_setup,
              test_live_bookings_forbidden, fixture_teardown);
  g_test_add ("/client/api/session-expired", Fixture, NULL, fixture_setup,
              test_session_expired, fixture_teardown);
  g_test_add ("/client/api/staff-calls", Fixture, NULL, fixture_setup, test_staff_calls,
              fixture_teardown);
  g_test_add ("/client/api/admin-calls", Fixture, NULL, fixture_setup, test_admin_calls,
              fixture_teardown);
  return g_test_run ();
}
