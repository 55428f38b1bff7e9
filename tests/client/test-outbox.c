/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AtriumOutbox on real files and against the real server library, served from this
 * test's own main loop so that it can be stopped and started again on the same data
 * directory: work queued offline survives the app going away, reaches the server once,
 * and what the server refuses is told apart from what must wait. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "atrium-api.h"
#include "atrium-data-dir.h"
#include "atrium-outbox.h"
#include "atrium-serve.h"
#include "atrium-store-sites.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"

/* 2026-11-24T09:00:00Z, a Tuesday: 10:00 in Paris. */
#define T0 (G_GINT64_CONSTANT (1795510800) * ATRIUM_USEC_PER_SEC)

#define PASSWORD "Blue-Cactus-Lamp7"

#define CONFIG_LOW_LIMIT "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
                         "requests_per_minute_per_account = 60\n" \
                         "[brute_force]\nip_max_failures = 10000\n"

#define CONFIG "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\n" \
               "[brute_force]\nip_max_failures = 10000\n"

static const guint8 outbox_key[ATRIUM_DB_KEY_LEN] = {
  0x3c, 0x11, 0x9a, 0x04, 0x7e, 0x52, 0xd1, 0x68, 0x0f, 0xa3, 0x26, 0xbb, 0x90, 0x4d, 0xe5,
  0x71, 0x18, 0xc6, 0x2a, 0x83, 0x5f, 0xf0, 0x07, 0x9d, 0x44, 0xb2, 0x6e, 0x13, 0xca, 0x58,
  0x81, 0x2b,
};

/* ---- waiting on the main loop (which also serves the server) ------------------------- */

/* Each call keeps its result in a slot of its caller's; the loop turns until it is set. */
static void
keep (GObject      *source,
      GAsyncResult *result,
      gpointer      slot)
{
  g_assert_null (*(GAsyncResult **) slot);
  *(GAsyncResult **) slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

static JsonNode *
document_of (AtriumApi     *api,
             GAsyncResult **slot,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = wait_for (slot);

  return atrium_api_document_finish (api, result, error);
}

static gboolean
flush (AtriumOutbox  *outbox,
       AtriumApi     *api,
       GError       **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  atrium_outbox_flush_async (outbox, api, NULL, keep, &slot);
  result = wait_for (&slot);
  return atrium_outbox_flush_finish (outbox, result, error);
}

/* ---- the server, stopped and started on one data directory --------------------------- */

typedef struct
{
  char         *base_dir;
  char         *data_dir;
  char         *config_path;
  char         *outbox_path;
  AtriumClock  *clock;
  AtriumServer *server;
  guint16       port;
  gint64        site;
  gint64        seat;
  gint64        seat2;
  char         *alice_token;
} Fixture;

static void
server_start (Fixture *f)
{
  AtriumServeOptions options = { 0 };
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", f->port);
  g_autoptr(GError) error = NULL;

  g_assert_null (f->server);
  options.data_dir = f->data_dir;
  options.config_file = f->config_path;
  options.insecure_http = listen;
  f->server = atrium_serve_start (&options, f->clock, &error);
  g_assert_no_error (error);
  f->port = atrium_server_get_port (f->server, ATRIUM_LISTENER_INSECURE);
}

static void
server_stop (Fixture *f)
{
  g_clear_pointer (&f->server, atrium_server_free);
}

static void
seed (Fixture *f)
{
  AtriumStore *store = atrium_server_get_store (f->server);
  g_autoptr(AtriumSite) site = atrium_site_new ();
  g_autoptr(AtriumSpace) space = atrium_space_new ();
  AtriumPeriod open = { 8 * 60, 20 * 60 };
  g_autoptr(GError) error = NULL;
  AtriumDb *db = atrium_store_write_begin (store);

  site->name = g_strdup ("Outbox Library");
  site->address = g_strdup ("3 Rue des Écoles");
  site->timezone = g_strdup ("Europe/Paris");
  site->tz = g_time_zone_new_identifier ("Europe/Paris");
  for (guint d = 1; d <= 6; d++)
    g_array_append_val (site->hours[d], open);
  space->site_id = atrium_store_site_create (db, site, &error);
  g_assert_no_error (error);
  space->name = g_strdup ("Study Hall");
  space->kind = g_strdup ("reading_room");
  space->capacity = 10;
  space->attributes = g_strdup ("{}");
  f->site = space->site_id;
  space->id = atrium_store_space_create (db, space, &error);
  g_assert_no_error (error);
  f->seat = atrium_store_resource_create (db, space->site_id, space->id, "seat", "Seat O1",
                                          1, NULL, &error);
  g_assert_no_error (error);
  f->seat2 = atrium_store_resource_create (db, space->site_id, space->id, "seat", "Seat O2",
                                           1, NULL, &error);
  g_assert_no_error (error);
  atrium_store_write_end (store);
}

static void
add_patron (Fixture    *f,
            const char *name)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", name);
  const char *args[] = { "useradd", "--data-dir", f->data_dir, name, "--email", email,
                         "--role", "patron", "--password-stdin", NULL };

  g_assert_cmpint (atrium_test_run_server_input (PASSWORD "\n", NULL, NULL, args), ==, 0);
}

static AtriumApi *
client_new (Fixture    *f,
            const char *token)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_autoptr(GError) error = NULL;
  AtriumApi *api = atrium_api_new (url, &error);

  g_assert_no_error (error);
  atrium_api_set_token (api, token);
  return api;
}

/* Signs in and answers the token (what the keyring would keep between runs). */
static char *
sign_in (Fixture    *f,
         const char *name)
{
  g_autoptr(AtriumApi) api = client_new (f, NULL);
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(AtriumLoginResult) login = NULL;
  g_autoptr(GError) error = NULL;

  atrium_api_login_async (api, name, PASSWORD, NULL, keep, &slot);
  result = wait_for (&slot);
  login = atrium_api_login_finish (api, result, &error);
  g_assert_no_error (error);
  g_assert_false (login->second_factor);
  return g_strdup (login->token);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->base_dir = g_dir_make_tmp ("atrium-test-outbox-XXXXXX", &error);
  g_assert_no_error (error);
  f->data_dir = g_build_filename (f->base_dir, "data", NULL);
  f->config_path = g_build_filename (f->base_dir, "server.conf", NULL);
  f->outbox_path = g_build_filename (f->base_dir, "outbox.db", NULL);
  g_assert_true (g_file_set_contents (f->config_path, data != NULL ? data : CONFIG, -1,
                                      NULL));
  g_assert_true (atrium_data_dir_init (f->data_dir, NULL, NULL, &error));
  g_assert_no_error (error);
  f->clock = atrium_clock_new_fixed (T0);
  server_start (f);
  seed (f);
  add_patron (f, "alice");
  add_patron (f, "bob");
  f->alice_token = sign_in (f, "alice");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  server_stop (f);
  g_object_unref (f->clock);
  atrium_test_remove_tree (f->base_dir);
  g_free (f->base_dir);
  g_free (f->data_dir);
  g_free (f->config_path);
  g_free (f->outbox_path);
  g_free (f->alice_token);
}

static AtriumOutbox *
outbox_open (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  AtriumOutbox *outbox = atrium_outbox_open (f->outbox_path, outbox_key, &error);

  g_assert_no_error (error);
  return outbox;
}

/* ---- what the UI hears --------------------------------------------------------------- */

typedef struct
{
  GPtrArray *done;       /* AtriumOutboxItem */
  GPtrArray *answers;    /* JsonNode */
  GPtrArray *failed;     /* AtriumOutboxItem */
  guint      queued_notes;
} Heard;

static void
on_item_done (AtriumOutbox     *outbox,
              AtriumOutboxItem *item,
              JsonNode         *answer,
              Heard            *heard)
{
  g_ptr_array_add (heard->done, atrium_outbox_item_copy (item));
  g_ptr_array_add (heard->answers, json_node_copy (answer));
}

static void
on_item_failed (AtriumOutbox     *outbox,
                AtriumOutboxItem *item,
                Heard            *heard)
{
  g_ptr_array_add (heard->failed, atrium_outbox_item_copy (item));
}

static void
on_queued (AtriumOutbox *outbox,
           GParamSpec   *pspec,
           Heard        *heard)
{
  heard->queued_notes++;
}

static void
listen_to (AtriumOutbox *outbox,
           Heard        *heard)
{
  heard->done = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_outbox_item_free);
  heard->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  heard->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_outbox_item_free);
  g_signal_connect (outbox, "item-done", G_CALLBACK (on_item_done), heard);
  g_signal_connect (outbox, "item-failed", G_CALLBACK (on_item_failed), heard);
  g_signal_connect (outbox, "notify::queued", G_CALLBACK (on_queued), heard);
}

static void
heard_clear (Heard *heard)
{
  g_clear_pointer (&heard->done, g_ptr_array_unref);
  g_clear_pointer (&heard->answers, g_ptr_array_unref);
  g_clear_pointer (&heard->failed, g_ptr_array_unref);
}

static gint64
member_int (JsonNode   *node,
            const char *name)
{
  return json_object_get_int_member (json_node_get_object (node), name);
}

/* How many of alice's bookings the server has for @resource starting at @start. */
static guint
bookings_on_server (Fixture    *f,
                    gint64      resource,
                    const char *start)
{
  g_autoptr(AtriumApi) api = client_new (f, f->alice_token);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(GDateTime) wanted = g_date_time_new_from_iso8601 (start, NULL);
  GAsyncResult *slot = NULL;
  JsonArray *bookings;
  guint count = 0;

  atrium_api_list_my_bookings_async (api, NULL, keep, &slot);
  list = document_of (api, &slot, &error);
  g_assert_no_error (error);
  bookings = json_object_get_array_member (json_node_get_object (list), "bookings");
  for (guint i = 0; i < json_array_get_length (bookings); i++)
    {
      JsonObject *booking = json_array_get_object_element (bookings, i);
      const char *status = json_object_get_string_member_with_default (booking, "status", "");
      g_autoptr(GDateTime) starts = g_date_time_new_from_iso8601 (
        json_object_get_string_member (booking, "start"), NULL);

      if (json_object_get_int_member (booking, "resource_id") == resource &&
          starts != NULL && g_date_time_equal (starts, wanted) &&
          g_strcmp0 (status, "cancelled") != 0)
        count++;
    }
  return count;
}

/* ---- the acceptance path: offline, restart, replay ----------------------------------- */

static void
test_offline_replay (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(AtriumApi) api = client_new (f, f->alice_token);
  g_autoptr(AtriumApi) bob = NULL;
  g_autoptr(AtriumOutbox) outbox = outbox_open (f);
  g_autoptr(GPtrArray) queued = NULL;
  g_autoptr(GPtrArray) failed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) taken = NULL;
  g_autoptr(JsonNode) sent_before_crash = NULL;
  g_autofree char *key = atrium_api_new_idempotency_key ();
  g_autofree char *first_key = NULL;
  GAsyncResult *slot = NULL;
  Heard heard = { 0 };

  /* Online: the client reaches the server. */
  atrium_api_list_my_bookings_async (api, NULL, keep, &slot);
  node = document_of (api, &slot, &error);
  g_assert_no_error (error);
  g_clear_pointer (&node, json_node_unref);

  /* The server goes away; a booking made now fails OFFLINE and the app queues it, with
   * two more after it. */
  server_stop (f);
  atrium_api_create_booking_async (api, f->seat, "2026-11-24T13:00:00Z",
                                   "2026-11-24T14:00:00Z", 0, key, NULL, keep, &slot);
  node = document_of (api, &slot, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpint (atrium_outbox_enqueue_booking (outbox, f->seat, "2026-11-24T13:00:00Z",
                                                  "2026-11-24T14:00:00Z", 0, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (atrium_outbox_enqueue_booking (outbox, f->seat2, "2026-11-24T15:00:00Z",
                                                  "2026-11-24T16:00:00Z", 0, &error), >, 0);
  g_assert_cmpint (atrium_outbox_enqueue_booking (outbox, f->seat, "2026-11-24T16:00:00Z",
                                                  "2026-11-24T17:00:00Z", 0, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 3);

  /* Still offline: a flush stops at once and keeps everything, in order. */
  g_assert_false (flush (outbox, api, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 3);

  queued = atrium_outbox_list_queued (outbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (queued->len, ==, 3);
  first_key = g_strdup (((AtriumOutboxItem *) queued->pdata[0])->idempotency_key);
  g_clear_pointer (&queued, g_ptr_array_unref);

  /* The app goes away and comes back: the same file holds the same items and keys. */
  g_assert_finalize_object (g_steal_pointer (&outbox));
  g_assert_finalize_object (g_steal_pointer (&api));
  outbox = outbox_open (f);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 3);
  queued = atrium_outbox_list_queued (outbox, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((AtriumOutboxItem *) queued->pdata[0])->idempotency_key, ==, first_key);
  g_assert_cmpint (((AtriumOutboxItem *) queued->pdata[0])->id, <,
                   ((AtriumOutboxItem *) queued->pdata[1])->id);
  g_assert_cmpint (member_int (((AtriumOutboxItem *) queued->pdata[1])->request,
                               "resource_id"), ==, f->seat2);

  /* The server comes back on the same data; meanwhile bob takes the second slot. */
  server_start (f);
  {
    g_autofree char *bob_token = sign_in (f, "bob");
    g_autofree char *bob_key = atrium_api_new_idempotency_key ();

    bob = client_new (f, bob_token);
    atrium_api_create_booking_async (bob, f->seat2, "2026-11-24T15:00:00Z",
                                     "2026-11-24T16:00:00Z", 0, bob_key, NULL, keep,
                                     &slot);
    taken = document_of (bob, &slot, &error);
    g_assert_no_error (error);
  }

  /* A crash between the server's commit and the outbox's removal: the first item reached
   * the server with its key, and the app died before it recorded that. */
  api = client_new (f, f->alice_token);
  {
    AtriumOutboxItem *first = queued->pdata[0];
    JsonObject *request = json_node_get_object (first->request);

    atrium_api_create_booking_async (api, json_object_get_int_member (request, "resource_id"),
                                     json_object_get_string_member (request, "start"),
                                     json_object_get_string_member (request, "end"), 0,
                                     first->idempotency_key, NULL, keep, &slot);
    sent_before_crash = document_of (api, &slot, &error);
    g_assert_no_error (error);
  }
  g_assert_finalize_object (g_steal_pointer (&outbox));
  g_assert_finalize_object (g_steal_pointer (&api));
  g_assert_cmpuint (bookings_on_server (f, f->seat, "2026-11-24T13:00:00Z"), ==, 1);

  /* Reconnected: the flush replays all three in order. */
  outbox = outbox_open (f);
  api = client_new (f, f->alice_token);
  listen_to (outbox, &heard);
  g_assert_true (flush (outbox, api, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 0);
  g_assert_cmpuint (heard.queued_notes, >=, 1);

  /* The first: the server's first answer again, the same booking, with its code. */
  g_assert_cmpuint (heard.done->len, ==, 2);
  g_assert_cmpstr (((AtriumOutboxItem *) heard.done->pdata[0])->idempotency_key, ==,
                   first_key);
  g_assert_cmpint (member_int (heard.answers->pdata[0], "id"), ==,
                   member_int (sent_before_crash, "id"));
  g_assert_nonnull (json_object_get_string_member_with_default (
    json_node_get_object (heard.answers->pdata[0]), "checkin_code", NULL));
  g_assert_cmpint (member_int (heard.answers->pdata[1], "resource_id"), ==, f->seat);

  /* The second: slot taken, told to the UI and kept in the failed list. */
  g_assert_cmpuint (heard.failed->len, ==, 1);
  {
    AtriumOutboxItem *item = heard.failed->pdata[0];

    g_assert_cmpint (item->error_code, ==, ATRIUM_API_ERROR_SLOT_TAKEN);
    g_assert_cmpstr (item->server_code, ==, "slot_taken");
    g_assert_nonnull (item->request_id);
    g_assert_cmpint (member_int (item->request, "resource_id"), ==, f->seat2);
  }
  failed = atrium_outbox_list_failed (outbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failed->len, ==, 1);
  g_assert_cmpint (((AtriumOutboxItem *) failed->pdata[0])->error_code, ==,
                   ATRIUM_API_ERROR_SLOT_TAKEN);
  g_assert_cmpint (((AtriumOutboxItem *) failed->pdata[0])->failed_at, >, 0);

  /* Exactly once on the server, and bob keeps his. */
  g_assert_cmpuint (bookings_on_server (f, f->seat, "2026-11-24T13:00:00Z"), ==, 1);
  g_assert_cmpuint (bookings_on_server (f, f->seat, "2026-11-24T16:00:00Z"), ==, 1);
  g_assert_cmpuint (bookings_on_server (f, f->seat2, "2026-11-24T15:00:00Z"), ==, 0);

  /* Flushing again sends nothing and changes nothing. */
  g_assert_true (flush (outbox, api, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (heard.done->len, ==, 2);
  g_assert_cmpuint (bookings_on_server (f, f->seat, "2026-11-24T13:00:00Z"), ==, 1);

  /* The UI dismisses the failure; it survives a reopen until then. */
  g_assert_finalize_object (g_steal_pointer (&outbox));
  heard_clear (&heard);
  outbox = outbox_open (f);
  g_clear_pointer (&failed, g_ptr_array_unref);
  failed = atrium_outbox_list_failed (outbox, &error);
  g_assert_cmpuint (failed->len, ==, 1);
  g_assert_true (atrium_outbox_dismiss_failed (
    outbox, ((AtriumOutboxItem *) failed->pdata[0])->id, &error));
  g_assert_no_error (error);
  g_assert_false (atrium_outbox_dismiss_failed (
    outbox, ((AtriumOutboxItem *) failed->pdata[0])->id, &error));
  g_assert_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&failed, g_ptr_array_unref);
  failed = atrium_outbox_list_failed (outbox, &error);
  g_assert_cmpuint (failed->len, ==, 0);
}

/* ---- 401 pauses; the rest waits; a cancellation goes through -------------------------- */

static void
test_unauthorised_pauses (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(AtriumApi) api = client_new (f, "not-a-session-token-at-all-0123456789");
  g_autoptr(AtriumOutbox) outbox = outbox_open (f);
  g_autoptr(GError) error = NULL;
  Heard heard = { 0 };

  listen_to (outbox, &heard);
  g_assert_cmpint (atrium_outbox_enqueue_booking (outbox, f->seat, "2026-11-24T13:00:00Z",
                                                  "2026-11-24T14:00:00Z", 1, &error), >, 0);
  g_assert_no_error (error);
  g_assert_false (flush (outbox, api, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
  g_clear_error (&error);
  g_assert_true (atrium_outbox_get_paused (outbox));
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 1);
  g_assert_cmpuint (heard.done->len + heard.failed->len, ==, 0);

  /* Signed in again: the same item goes, then a cancellation of what it made. */
  atrium_api_set_token (api, f->alice_token);
  g_assert_true (flush (outbox, api, &error));
  g_assert_no_error (error);
  g_assert_false (atrium_outbox_get_paused (outbox));
  g_assert_cmpuint (heard.done->len, ==, 1);
  g_assert_cmpint (atrium_outbox_enqueue_cancel (outbox,
                                                 member_int (heard.answers->pdata[0], "id"),
                                                 &error), >, 0);
  g_assert_true (flush (outbox, api, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (heard.done->len, ==, 2);
  g_assert_cmpuint (((AtriumOutboxItem *) heard.done->pdata[1])->kind, ==,
                    ATRIUM_OUTBOX_CANCEL);
  g_assert_cmpuint (bookings_on_server (f, f->seat, "2026-11-24T13:00:00Z"), ==, 0);
  heard_clear (&heard);
}

/* ---- a kiosk's check-in made while the server was away ------------------------------- */

static void
test_kiosk_checkin (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(AtriumApi) api = client_new (f, f->alice_token);
  g_autoptr(AtriumApi) kiosk = NULL;
  g_autoptr(AtriumOutbox) outbox = NULL;
  g_autoptr(JsonNode) booking = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *site = g_strdup_printf ("%" G_GINT64_FORMAT, f->site);
  g_autofree char *key = atrium_api_new_idempotency_key ();
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  const char *add[] = { "kiosk-add", "--data-dir", f->data_dir, "--site", site, NULL };
  GAsyncResult *slot = NULL;
  Heard heard = { 0 };

  atrium_api_create_booking_async (api, f->seat, "2026-11-24T09:00:00Z",
                                   "2026-11-24T09:30:00Z", 0, key, NULL, keep, &slot);
  booking = document_of (api, &slot, &error);
  g_assert_no_error (error);
  g_assert_cmpint (atrium_test_run_server_input ("", &out, NULL, add), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >, 2);

  /* The patron shows the code at the kiosk while the server is away. */
  server_stop (f);
  outbox = outbox_open (f);
  g_assert_cmpint (atrium_outbox_enqueue_checkin (
    outbox, json_object_get_string_member (json_node_get_object (booking), "checkin_code"),
    &error), >, 0);
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&outbox));

  server_start (f);
  outbox = outbox_open (f);
  listen_to (outbox, &heard);
  kiosk = client_new (f, lines[2]);
  g_assert_true (flush (outbox, kiosk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (heard.done->len, ==, 1);
  g_assert_cmpuint (((AtriumOutboxItem *) heard.done->pdata[0])->kind, ==,
                    ATRIUM_OUTBOX_CHECKIN);
  g_assert_cmpstr (json_object_get_string_member (
    json_node_get_object (heard.answers->pdata[0]), "result"), ==, "checked_in");
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 0);
  heard_clear (&heard);
}

/* ---- 429: what is left waits for the Retry-After ------------------------------------- */

/* The server's bucket refills on the real clock, one request a second at 60 a minute: the
 * outbox counts the wait on its own clock (the test's), the test also waits for real. */
static void
wait_as_told (Fixture *f,
              guint    seconds)
{
  atrium_clock_advance (f->clock, (gint64) seconds * ATRIUM_USEC_PER_SEC);
  g_usleep ((gulong) seconds * G_USEC_PER_SEC);
}

static void
test_rate_limited (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(AtriumApi) api = client_new (f, f->alice_token);
  g_autoptr(AtriumOutbox) outbox = outbox_open (f);
  g_autoptr(GError) error = NULL;
  const AtriumApiErrorDetail *detail;
  guint total = 66;
  guint rounds = 0;
  guint retry_after;
  guint left;
  Heard heard = { 0 };

  atrium_outbox_set_clock (outbox, f->clock);
  listen_to (outbox, &heard);
  /* More requests than a minute allows: cancellations the server refuses (no such
   * booking), then one booking that must still get through. */
  for (guint i = 0; i < total - 1; i++)
    g_assert_cmpint (atrium_outbox_enqueue_cancel (outbox, 900000 + i, &error), >, 0);
  g_assert_cmpint (atrium_outbox_enqueue_booking (outbox, f->seat, "2026-11-24T13:00:00Z",
                                                  "2026-11-24T14:00:00Z", 0, &error), >, 0);
  g_assert_no_error (error);

  /* The server says slow down: the rest stays queued, in order. */
  g_assert_false (flush (outbox, api, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_RATE_LIMITED);
  detail = atrium_api_error_get_detail (error);
  g_assert_cmpuint (detail->status, ==, 429);
  retry_after = detail->retry_after;
  g_assert_cmpuint (retry_after, >, 0);
  g_clear_error (&error);
  g_assert_cmpuint (heard.done->len, ==, 0);
  g_assert_cmpuint (heard.failed->len, >, 0);
  left = atrium_outbox_get_queued (outbox);
  g_assert_cmpuint (left, ==, total - heard.failed->len);
  g_assert_cmpuint (left, >, 0);

  /* Before the Retry-After has passed the outbox does not even ask (no status). */
  g_assert_false (flush (outbox, api, &error));
  g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_RATE_LIMITED);
  g_assert_cmpuint (atrium_api_error_get_detail (error)->status, ==, 0);
  g_clear_error (&error);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, left);

  /* Waiting as told each time, every item is answered once and the booking goes in. */
  while (atrium_outbox_get_queued (outbox) > 0)
    {
      g_assert_cmpuint (++rounds, <, 3 * left + 10);
      wait_as_told (f, retry_after);
      if (!flush (outbox, api, &error))
        {
          g_assert_error (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_RATE_LIMITED);
          retry_after = MAX (atrium_api_error_get_detail (error)->retry_after, 1);
        }
      g_clear_error (&error);
    }
  g_assert_cmpuint (heard.failed->len, ==, total - 1);
  for (guint i = 0; i < heard.failed->len; i++)
    g_assert_cmpint (((AtriumOutboxItem *) heard.failed->pdata[i])->kind, ==,
                     ATRIUM_OUTBOX_CANCEL);
  g_assert_cmpuint (heard.done->len, ==, 1);
  wait_as_told (f, 2);
  g_assert_cmpuint (bookings_on_server (f, f->seat, "2026-11-24T13:00:00Z"), ==, 1);
  heard_clear (&heard);
}

/* ---- the file: no plaintext, a wrong key loses nothing, bad input queues nothing ----- */

static GBytes *
read_all (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return g_bytes_new (NULL, 0);
  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  return data != NULL && memmem (data, length, needle, strlen (needle)) != NULL;
}

static void
test_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-outbox-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "outbox.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.db", NULL);
  g_autoptr(AtriumOutbox) outbox = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autofree char *key = NULL;
  guint8 wrong[ATRIUM_DB_KEY_LEN];
  const char *secret_code = "ATRIUM-CHECKIN-PAYLOAD-7f3e";
  sqlite3 *handle = NULL;

  outbox = atrium_outbox_open (path, outbox_key, &error);
  g_assert_no_error (error);

  /* Malformed requests are refused and queue nothing. */
  g_assert_cmpint (atrium_outbox_enqueue_booking (outbox, 0, "2026-11-24T13:00:00Z",
                                                  "2026-11-24T14:00:00Z", 0, &error), ==, 0);
  g_assert_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (atrium_outbox_enqueue_booking (outbox, 4, "tomorrow at noon",
                                                  "2026-11-24T14:00:00Z", 0, &error), ==, 0);
  g_assert_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (atrium_outbox_enqueue_cancel (outbox, -2, &error), ==, 0);
  g_assert_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (atrium_outbox_enqueue_checkin (outbox, "", &error), ==, 0);
  g_assert_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 0);

  g_assert_cmpint (atrium_outbox_enqueue_booking (outbox, 4242, "2026-11-24T13:00:00+01:00",
                                                  "2026-11-24T14:00:00+01:00", 2, &error),
                   >, 0);
  g_assert_cmpint (atrium_outbox_enqueue_checkin (outbox, secret_code, &error), >, 0);
  g_assert_no_error (error);
  items = atrium_outbox_list_queued (outbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 2);
  key = g_strdup (((AtriumOutboxItem *) items->pdata[0])->idempotency_key);
  g_assert_cmpuint (strlen (key), >=, 22);
  g_assert_cmpstr (key, !=, ((AtriumOutboxItem *) items->pdata[1])->idempotency_key);

  /* Neither the file nor its log holds the requests, the keys or the code in clear. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GBytes) bytes = read_all (i == 0 ? path : wal);

      g_assert_false (bytes_contain (bytes, secret_code));
      g_assert_false (bytes_contain (bytes, key));
      g_assert_false (bytes_contain (bytes, "resource_id"));
      g_assert_false (bytes_contain (bytes, "2026-11-24"));
      g_assert_false (bytes_contain (bytes, "SQLite format 3"));
    }
  g_assert_finalize_object (g_steal_pointer (&outbox));

  /* A wrong key: a clear error, and the file is left exactly as it was. */
  before = read_all (path);
  memcpy (wrong, outbox_key, sizeof wrong);
  wrong[0] ^= 0x01;
  outbox = atrium_outbox_open (path, wrong, &error);
  g_assert_null (outbox);
  g_assert_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_WRONG_KEY);
  g_assert_nonnull (strstr (error->message, "left as it is"));
  g_clear_error (&error);
  after = read_all (path);
  g_assert_true (g_bytes_equal (before, after));

  /* The right key still finds both, in order, with the same key. */
  outbox = atrium_outbox_open (path, outbox_key, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 2);
  g_clear_pointer (&items, g_ptr_array_unref);
  items = atrium_outbox_list_queued (outbox, &error);
  g_assert_cmpstr (((AtriumOutboxItem *) items->pdata[0])->idempotency_key, ==, key);
  g_assert_cmpuint (((AtriumOutboxItem *) items->pdata[1])->kind, ==, ATRIUM_OUTBOX_CHECKIN);
  g_assert_cmpstr (json_object_get_string_member (
    json_node_get_object (((AtriumOutboxItem *) items->pdata[1])->request), "code"), ==,
    secret_code);
  g_assert_finalize_object (g_steal_pointer (&outbox));

  /* A plain SQLite file is not used and not removed. */
  g_assert_cmpint (sqlite3_open (plain, &handle), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (handle, "CREATE TABLE t (x);", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (handle);
  outbox = atrium_outbox_open (plain, outbox_key, &error);
  g_assert_null (outbox);
  g_assert_true (g_error_matches (error, ATRIUM_OUTBOX_ERROR,
                                  ATRIUM_OUTBOX_ERROR_UNREADABLE) ||
                 g_error_matches (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_WRONG_KEY));
  g_clear_error (&error);
  g_assert_true (g_file_test (plain, G_FILE_TEST_EXISTS));

  atrium_test_remove_tree (dir);
}

/* ---- the worker thread ---------------------------------------------------------------- */

typedef struct
{
  GArray  *ids;        /* gint64, in the order the answers came */
  guint    answers;
  GError  *invalid;
  GError  *missing;
  GPtrArray *listed;
} Answers;

static void
on_enqueued (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Answers *answers = data;
  g_autoptr(GError) error = NULL;
  gint64 id = atrium_outbox_enqueue_finish (ATRIUM_OUTBOX (source), result, &error);

  answers->answers++;
  if (id == 0)
    {
      g_assert_null (answers->invalid);
      answers->invalid = g_steal_pointer (&error);
      return;
    }
  g_assert_no_error (error);
  g_array_append_val (answers->ids, id);
}

static void
on_dismissed (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Answers *answers = data;

  answers->answers++;
  g_assert_false (atrium_outbox_dismiss_failed_finish (ATRIUM_OUTBOX (source), result,
                                                       &answers->missing));
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Answers *answers = data;
  g_autoptr(GError) error = NULL;

  answers->answers++;
  answers->listed = atrium_outbox_list_finish (ATRIUM_OUTBOX (source), result, &error);
  g_assert_no_error (error);
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;

  *(AtriumOutbox **) data = atrium_outbox_open_finish (result, &error);
  g_assert_no_error (error);
}

static gboolean
tick (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* The SQLCipher work is not done on the caller's thread: with the file locked by another
 * connection the main loop keeps turning, and once the lock goes every call is answered
 * in the order it was made. */
static void
test_worker (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-outbox-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "outbox.db", NULL);
  g_autoptr(AtriumDb) other = NULL;
  AtriumOutbox *outbox = NULL;
  Answers answers = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0, NULL, NULL, NULL };
  guint ticks = 0, tick_id;
  gint64 started;

  atrium_outbox_open_async (path, outbox_key, NULL, on_opened, &outbox);
  while (outbox == NULL)
    g_main_context_iteration (NULL, TRUE);

  other = atrium_db_open (path, outbox_key, 0, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_db_exec (other, "BEGIN EXCLUSIVE;", &error));
  g_assert_no_error (error);

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *code = g_strdup_printf ("CODE-%u", i);

      if (i % 3 == 0)
        atrium_outbox_enqueue_booking_async (outbox, 10 + i, "2026-11-24T13:00:00Z",
                                             "2026-11-24T14:00:00Z", 1, NULL, on_enqueued,
                                             &answers);
      else if (i % 3 == 1)
        atrium_outbox_enqueue_cancel_async (outbox, 100 + i, NULL, on_enqueued, &answers);
      else
        atrium_outbox_enqueue_checkin_async (outbox, code, NULL, on_enqueued, &answers);
    }
  atrium_outbox_enqueue_cancel_async (outbox, 0, NULL, on_enqueued, &answers);
  atrium_outbox_dismiss_failed_async (outbox, 77, NULL, on_dismissed, &answers);
  atrium_outbox_list_async (outbox, FALSE, NULL, on_listed, &answers);

  /* Locked: the loop turns, only the refusal made before any SQL is answered. */
  tick_id = g_timeout_add (20, tick, &ticks);
  started = g_get_monotonic_time ();
  while (g_get_monotonic_time () - started < 500 * G_TIME_SPAN_MILLISECOND)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick_id);
  g_assert_cmpuint (ticks, >=, 10);
  g_assert_cmpuint (answers.answers, ==, 1);
  g_assert_error (answers.invalid, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_INVALID);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 0);

  g_assert_true (atrium_db_exec (other, "COMMIT;", &error));
  g_assert_no_error (error);
  while (answers.answers < 13)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (answers.ids->len, ==, 10);
  for (guint i = 1; i < answers.ids->len; i++)
    g_assert_cmpint (g_array_index (answers.ids, gint64, i), >,
                     g_array_index (answers.ids, gint64, i - 1));
  g_assert_error (answers.missing, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_NOT_FOUND);
  /* The list was asked for after the ten: it has them all, in order. */
  g_assert_cmpuint (answers.listed->len, ==, 10);
  for (guint i = 0; i < answers.listed->len; i++)
    g_assert_cmpint (((AtriumOutboxItem *) answers.listed->pdata[i])->id, ==,
                     g_array_index (answers.ids, gint64, i));
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 10);

  g_clear_pointer (&other, atrium_db_close);
  g_assert_finalize_object (outbox);
  g_array_unref (answers.ids);
  g_clear_error (&answers.invalid);
  g_clear_error (&answers.missing);
  g_ptr_array_unref (answers.listed);
  atrium_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/client/outbox/file", test_file);
  g_test_add_func ("/client/outbox/worker", test_worker);
  g_test_add ("/client/outbox/offline-replay", Fixture, NULL, fixture_setup,
              test_offline_replay, fixture_teardown);
  g_test_add ("/client/outbox/unauthorised-pauses", Fixture, NULL, fixture_setup,
              test_unauthorised_pauses, fixture_teardown);
  g_test_add ("/client/outbox/kiosk-checkin", Fixture, NULL, fixture_setup,
              test_kiosk_checkin, fixture_teardown);
  g_test_add ("/client/outbox/rate-limited", Fixture, CONFIG_LOW_LIMIT, fixture_setup,
              test_rate_limited, fixture_teardown);
  return g_test_run ();
}
