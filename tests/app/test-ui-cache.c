/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The desktop keeps what it last had: against a real `atrium-server` process on loopback
 * (its demo institution), a patron signs in and sees the sites and their bookings; the
 * server refuses a cancellation sent from the outbox (the booking was checked in
 * meanwhile) and the patron is told; the server stops, and a new window shows the sites
 * and the bookings from the user's cache with the banner giving the data's age; signing
 * out wipes the bookings from the cache file.
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "atrium-cache.h"
#include "atrium-keyring.h"
#include "atrium-occupancy-page.h"
#include "atrium-outbox.h"
#include "atrium-test-server.h"
#include "atrium-ui-test.h"
#include "atrium-ui-text.h"

#define CONFIG "[brute_force]\nip_max_failures = 10000\n" \
               "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\n"

static AtriumApplication *the_app;
static char *demo_output;

static void
load_demo (const char *data_dir,
           gpointer    user_data)
{
  g_autofree char *err = NULL;

  g_assert_cmpint (atrium_test_run_server_args (&demo_output, &err, "demo", "--data-dir",
                                                data_dir, NULL), ==, 0);
}

static AtriumBookingsPage *
bookings_page (AtriumWindow *window)
{
  return ATRIUM_BOOKINGS_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (window),
                                                           ATRIUM_TYPE_BOOKINGS_PAGE));
}

static AtriumOccupancyPage *
occupancy_page (AtriumWindow *window)
{
  return ATRIUM_OCCUPANCY_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (window),
                                                            ATRIUM_TYPE_OCCUPANCY_PAGE));
}

static gboolean
has_outbox (gpointer data)
{
  return atrium_bookings_page_get_outbox (data) != NULL;
}

static gboolean
has_site (gpointer data)
{
  return atrium_occupancy_page_get_site (data) > 0;
}

typedef struct
{
  AtriumBookingsPage *page;
  gint64              id;
  const char         *status;
} RowState;

static gboolean
row_is (gpointer data)
{
  RowState *want = data;
  GtkListBoxRow *row = atrium_ui_test_row_with (atrium_bookings_page_get_mine_list (want->page),
                                                "booking-id", (int) want->id);

  return row != NULL &&
         g_strcmp0 (g_object_get_data (G_OBJECT (row), "status"), want->status) == 0 &&
         !GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "pending"));
}

static gboolean
toast_says (gpointer data)
{
  const char *toast = atrium_window_get_last_toast (atrium_ui_test_window ());

  return toast != NULL && strstr (toast, data) != NULL;
}

static gboolean
offline_shown (gpointer data)
{
  return atrium_window_get_offline_text (data) != NULL;
}

/* demo-staff, signed in with the second factor on its own client. */
static AtriumApi *
staff_api (void)
{
  const AtriumDemoAccount *staff = atrium_ui_test_demo_account ("demo-staff");
  g_autoptr(GError) error = NULL;
  AtriumApi *api = atrium_application_new_api (the_app, &error);
  g_autoptr(AtriumLoginResult) login = NULL;
  g_autoptr(AtriumLoginResult) verified = NULL;
  g_autofree char *code = NULL;
  GAsyncResult *result = NULL;

  g_assert_no_error (error);
  atrium_api_login_async (api, staff->name, staff->password, NULL,
                          atrium_ui_test_took_result, &result);
  atrium_ui_test_spin_until (atrium_ui_test_has_result, &result, 30);
  login = atrium_api_login_finish (api, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (login->second_factor);
  code = atrium_ui_test_fresh_totp_code (staff);
  atrium_api_verify_code_async (api, login->challenge, code, NULL,
                                atrium_ui_test_took_result, &result);
  atrium_ui_test_spin_until (atrium_ui_test_has_result, &result, 30);
  verified = atrium_api_verify_code_finish (api, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return api;
}

/* The user's cache file, opened with the app's key (the tests' credential); NULL while
 * the app's own connection holds it (unless @must). */
static AtriumCache *
open_user_cache (gint64   user_id,
                 gboolean must)
{
  g_autoptr(AtriumSecrets) secrets = atrium_secrets_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("cache-user-%" G_GINT64_FORMAT ".db", user_id);
  g_autofree char *path = atrium_application_user_store_path (the_app, TRUE, name);
  GAsyncResult *result = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN];
  gboolean rebuilt = TRUE;
  AtriumCache *cache;

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  atrium_secrets_get_cache_key_async (secrets, NULL, atrium_ui_test_took_result, &result);
  atrium_ui_test_spin_until (atrium_ui_test_has_result, &result, 30);
  g_assert_true (atrium_secrets_get_cache_key_finish (secrets, result, key, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  cache = atrium_cache_open (path, key, &rebuilt, &error);
  if (cache == NULL && !must)
    {
      g_test_message ("cache not read now: %s", error->message);
      return NULL;
    }
  g_assert_no_error (error);
  g_assert_false (rebuilt);
  return cache;
}

typedef struct
{
  gint64 user_id;
  gint64 booking;
  gint64 fetched_at;   /* out: when the sites and the occupancy kept were fetched */
} Kept;

/* The cache holds the sites, the occupancy and my bookings with @booking. */
static gboolean
cache_holds (gpointer data)
{
  Kept *kept = data;
  g_autoptr(AtriumCache) cache = open_user_cache (kept->user_id, FALSE);
  g_autoptr(JsonNode) sites = NULL;
  g_autoptr(JsonNode) occupancy = NULL;
  g_autoptr(JsonNode) mine = NULL;
  gint64 sites_at = 0, occupancy_at = 0;
  JsonArray *bookings;

  if (cache == NULL)
    return FALSE;
  sites = atrium_cache_get_sites (cache, &sites_at, NULL);
  occupancy = atrium_cache_get_occupancy (cache, 0, &occupancy_at, NULL);
  mine = atrium_cache_get_my_bookings (cache, NULL, NULL);
  if (sites == NULL || occupancy == NULL || mine == NULL)
    return FALSE;
  kept->fetched_at = MIN (sites_at, occupancy_at);
  bookings = json_object_get_array_member (json_node_get_object (mine), "bookings");
  for (guint i = 0; i < json_array_get_length (bookings); i++)
    if (json_object_get_int_member (json_array_get_object_element (bookings, i), "id") ==
        kept->booking)
      return TRUE;
  return FALSE;
}

static gboolean
bookings_wiped (gpointer data)
{
  Kept *kept = data;
  g_autoptr(AtriumCache) cache = open_user_cache (kept->user_id, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) mine = NULL;

  if (cache == NULL)
    return FALSE;
  mine = atrium_cache_get_my_bookings (cache, NULL, &error);
  return mine == NULL && g_error_matches (error, ATRIUM_CACHE_ERROR,
                                          ATRIUM_CACHE_ERROR_NOT_CACHED);
}

static gboolean
kept_on_login (gpointer data)
{
  return atrium_login_page_get_kept_text (atrium_ui_test_login_page ()) != NULL;
}

static void
test_cache (void)
{
  AtriumTestProcess *proc = atrium_test_process_start_seeded (CONFIG, NULL, load_demo, NULL);
  g_autofree char *url = atrium_test_process_url (proc, "");
  g_autoptr(AtriumApi) staff = NULL;
  g_autoptr(JsonNode) checked_in = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumCache) cache = NULL;
  g_autoptr(JsonNode) sites = NULL;
  g_autofree char *banner = NULL;
  AtriumWindow *first, *second;
  AtriumBookingsPage *page;
  AtriumOutbox *outbox;
  GAsyncResult *result = NULL;
  RowState row;
  Kept kept;
  gint64 used, later;

  the_app = atrium_ui_test_start_server (url, demo_output);
  /* A user's stores are the server's: what was queued for one is never sent to another
   * (the same user id there is somebody else). */
  {
    g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
    g_autofree char *here = atrium_application_user_store_path (the_app, FALSE, "o.db");
    g_autofree char *there = NULL;

    g_assert_true (g_settings_set_string (settings, "server-url", "https://other.example"));
    there = atrium_application_user_store_path (the_app, FALSE, "o.db");
    g_assert_true (g_settings_set_string (settings, "server-url", url));
    g_assert_cmpstr (here, !=, there);
    g_assert_true (g_str_has_suffix (here, G_DIR_SEPARATOR_S "o.db"));
  }
  used = atrium_ui_test_patron_books (the_app, 0);
  later = atrium_ui_test_patron_books (the_app, 60);
  atrium_ui_test_sign_in ("demo-patron", FALSE);
  first = atrium_ui_test_window ();
  page = bookings_page (first);
  atrium_ui_test_spin_until (has_outbox, page, 30);
  atrium_ui_test_spin_until (has_site, occupancy_page (first), 30);
  row = (RowState) { page, later, "booked" };
  atrium_ui_test_spin_until (row_is, &row, 30);

  /* A cancellation kept offline that the server refuses once sent: the booking was
   * checked in meanwhile. The patron is told which and why; the row is no longer
   * pending and the refusal does not stay in the outbox. */
  staff = staff_api ();
  atrium_api_checkin_booking_async (staff, used, NULL, atrium_ui_test_took_result, &result);
  checked_in = atrium_ui_test_answer (staff, &result);
  outbox = atrium_bookings_page_get_outbox (page);
  g_assert_cmpint (atrium_outbox_enqueue_cancel (outbox, used, &error), >, 0);
  g_assert_no_error (error);
  atrium_bookings_page_send_pending (page);
  atrium_ui_test_spin_until (toast_says, (gpointer) "was not cancelled", 30);
  g_test_message ("toast: %s", atrium_window_get_last_toast (first));
  g_assert_nonnull (strstr (atrium_window_get_last_toast (first), "Your booking of Seat"));
  g_assert_nonnull (strstr (atrium_window_get_last_toast (first), "checked in"));
  row = (RowState) { page, used, "checked_in" };
  atrium_ui_test_spin_until (row_is, &row, 30);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 0);
  atrium_ui_test_spin_for (500);
  {
    g_autoptr(GPtrArray) failed = atrium_outbox_list_failed (outbox, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (failed->len, ==, 0);
  }

  /* What the window showed is in the user's cache. */
  kept = (Kept) { json_object_get_int_member (atrium_application_get_user (the_app), "id"),
                  later, 0 };
  atrium_ui_test_spin_until (cache_holds, &kept, 30);
  g_assert_cmpint (kept.fetched_at, >, 0);

  /* The server stops; a new window comes up from the cache, with the banner saying how
   * old its data is. */
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
  atrium_ui_test_spin_until (offline_shown, first, 120);
  second = atrium_window_new (the_app);
  gtk_window_present (GTK_WINDOW (second));
  gtk_window_destroy (GTK_WINDOW (first));
  g_assert_true (atrium_ui_test_window () == second);
  page = bookings_page (second);
  row = (RowState) { page, later, "booked" };
  atrium_ui_test_spin_until (row_is, &row, 30);
  atrium_ui_test_spin_until (has_site, occupancy_page (second), 30);
  atrium_ui_test_spin_until (offline_shown, second, 30);
  /* To the second: not the moment the feed was lost, nor this window's start. */
  g_assert_cmpint (atrium_window_get_data_time (second), ==, kept.fetched_at);
  banner = atrium_ui_offline_text (kept.fetched_at);
  g_test_message ("banner: %s", atrium_window_get_offline_text (second));
  g_assert_cmpstr (atrium_window_get_offline_text (second), ==, banner);
  adw_view_stack_set_visible_child_name (atrium_window_get_view_stack (second), "occupancy");
  atrium_ui_test_spin_for (300);
  atrium_ui_test_save_screenshot (GTK_WIDGET (second), "desktop-offline-cache.png");
  adw_view_stack_set_visible_child_name (atrium_window_get_view_stack (second), "bookings");
  atrium_ui_test_spin_for (300);
  atrium_ui_test_save_screenshot (GTK_WIDGET (second), "desktop-offline-cache-bookings.png");

  /* Signing out wipes the bookings kept; the public data stays. */
  atrium_ui_test_sign_out ();
  atrium_ui_test_spin_until (bookings_wiped, &kept, 30);
  cache = open_user_cache (kept.user_id, TRUE);
  sites = atrium_cache_get_sites (cache, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sites);

  /* Signed out with the server away: the login page lists the occupancy kept, with its
   * age, and nothing of the user's. */
  atrium_ui_test_spin_until (kept_on_login, NULL, 30);
  g_assert_cmpstr (atrium_login_page_get_kept_text (atrium_ui_test_login_page ()), ==, banner);
  g_assert_nonnull (atrium_ui_test_find_titled (GTK_WIDGET (atrium_ui_test_login_page ()),
                                                ADW_TYPE_ACTION_ROW, "Reading Room A"));
  g_assert_null (atrium_ui_test_find_titled (GTK_WIDGET (atrium_ui_test_login_page ()),
                                             ADW_TYPE_ACTION_ROW, "Seat H-33"));
  atrium_ui_test_save_screenshot (GTK_WIDGET (second), "desktop-offline-login.png");
  atrium_ui_test_quit (&the_app);
  g_clear_pointer (&demo_output, g_free);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("atrium-ui-cache-XXXXXX", &error);
  g_autofree char *cache_home = NULL;
  g_autofree char *data_home = NULL;
  int status;

  g_assert_no_error (error);
  /* The stores of this test only, before GLib reads where they go. */
  cache_home = g_build_filename (home, "cache", NULL);
  data_home = g_build_filename (home, "data", NULL);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  setlocale (LC_ALL, "");
  atrium_application_setup_i18n ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui-cache/offline", test_cache);
  status = g_test_run ();
  {
    const char *argv_rm[] = { "rm", "-rf", home, NULL };

    g_spawn_sync (NULL, (char **) argv_rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  NULL, NULL);
  }
  return status;
}
