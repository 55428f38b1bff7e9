/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reception kiosk (`atrium --kiosk --demo`) against the real embedded demo backend:
 * its board shows every space of its site with its level, and a booking's code checks
 * the booking in while a changed or foreign one is refused. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "atrium-bookings-page.h"
#include "atrium-checkin-code.h"
#include "atrium-random.h"
#include "atrium-gauge.h"
#include "atrium-key-file.h"
#include "atrium-keyring.h"
#include "atrium-qr.h"
#include "atrium-kiosk-window.h"
#include "atrium-password.h"
#include "atrium-space-tile.h"
#include "atrium-ui-test.h"

static AtriumApplication *app;
static char *checked_in_code;   /* a code the check-in test checked in */
static guint site_spaces;       /* the spaces of the kiosk's site */

static AtriumKioskWindow *
kiosk_window (void)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  g_assert_true (ATRIUM_IS_KIOSK_WINDOW (window));
  return ATRIUM_KIOSK_WINDOW (window);
}

/* ---- waiting on the API ---------------------------------------------------------------- */

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static JsonNode *
get_document (AtriumApi  *api,
              const char *path)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  atrium_api_get_document_async (api, path, NULL, on_done, &result);
  atrium_ui_test_spin_until (has_result, &result, 60);
  node = atrium_api_document_finish (api, result, &error);
  g_assert_no_error (error);
  return node;
}

/* The demo patron's API, signed in (patrons have no second factor in the demo). */
static AtriumApi *
patron_api (void)
{
  AtriumEmbedded *embedded = atrium_application_get_embedded (app);
  const AtriumDemoAccount *patron = atrium_ui_test_demo_account ("demo-patron");
  AtriumApi *api = atrium_api_new_for_unix_socket (atrium_embedded_get_socket_path (embedded));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumLoginResult) login = NULL;

  atrium_api_login_async (api, patron->name, patron->password, NULL, on_done, &result);
  atrium_ui_test_spin_until (has_result, &result, 60);
  login = atrium_api_login_finish (api, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (login->token);
  return api;
}

static char *
iso (gint64 when)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (when);

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

/* A seat of the kiosk's site booked by the demo patron for the quarter hour under way
 * (or the next, late in this one), so that check-in is open: its check-in code. */
static char *
book_now (gint64  site,
          char  **resource_name)
{
  g_autoptr(AtriumApi) api = patron_api ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 start = now - now % 900 + (now % 900 > 600 ? 900 : 0);
  g_autofree char *from = iso (start);
  g_autofree char *to = iso (start + 1800);
  g_autofree char *path = g_strdup_printf ("/api/v1/resources?site=%" G_GINT64_FORMAT
                                           "&type=seat&free_from=%s&free_to=%s", site, from,
                                           to);
  g_autoptr(JsonNode) found = get_document (api, path);
  JsonArray *resources = json_object_get_array_member (json_node_get_object (found),
                                                       "resources");
  JsonObject *seat;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) booking = NULL;
  g_autofree char *key = atrium_api_new_idempotency_key ();

  g_assert_nonnull (resources);
  g_assert_cmpuint (json_array_get_length (resources), >, 0);
  seat = json_array_get_object_element (resources, 0);
  atrium_api_create_booking_async (api, json_object_get_int_member (seat, "id"), from, to, 0,
                                   key, NULL, on_done, &result);
  atrium_ui_test_spin_until (has_result, &result, 60);
  booking = atrium_api_document_finish (api, result, &error);
  g_assert_no_error (error);
  *resource_name = g_strdup (json_object_get_string_member (seat, "name"));
  return g_strdup (json_object_get_string_member (json_node_get_object (booking),
                                                  "checkin_code"));
}

/* ---- the board ------------------------------------------------------------------------- */

static gboolean
board_filled (gpointer data)
{
  AtriumOccupancyPage *board = atrium_kiosk_window_get_board (kiosk_window ());
  GtkWidget *box = GTK_WIDGET (atrium_occupancy_page_get_space_box (board));
  guint tiles = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    tiles++;
  return atrium_occupancy_page_get_site (board) > 0 && tiles == GPOINTER_TO_UINT (data) &&
         atrium_kiosk_window_get_n_keys (kiosk_window ()) > 0;
}

static gboolean
live_has_spaces (gpointer data)
{
  return g_list_model_get_n_items (atrium_live_client_get_spaces (data)) > 0;
}

/* Every space of the kiosk's site (the one the server registered it for) is on the
 * board with its level, in words beside its percentage; no way to choose another site. */
static void
test_board (void)
{
  AtriumLiveClient *live = atrium_application_get_live (app);
  AtriumOccupancyPage *board = atrium_kiosk_window_get_board (kiosk_window ());
  GListModel *spaces = atrium_live_client_get_spaces (live);
  g_autoptr(JsonNode) device = NULL;
  gint64 site;
  guint expected = 0;
  guint seen = 0;

  device = get_document (atrium_application_get_api (app), "/api/v1/device");
  site = json_object_get_int_member (json_node_get_object (device), "site_id");
  g_assert_cmpint (site, >, 0);
  /* The live feed's first catch-up brings every space at once. */
  atrium_ui_test_spin_until (live_has_spaces, live, 120);
  for (guint i = 0; i < g_list_model_get_n_items (spaces); i++)
    {
      g_autoptr(AtriumLiveSpace) space = g_list_model_get_item (spaces, i);

      expected += atrium_live_space_get_site_id (space) == site;
    }
  g_assert_cmpuint (expected, >, 0);
  atrium_ui_test_spin_until (board_filled, GUINT_TO_POINTER (expected), 120);
  g_assert_cmpint (atrium_occupancy_page_get_site (board), ==, site);

  for (GtkWidget *child = gtk_widget_get_first_child (
         GTK_WIDGET (atrium_occupancy_page_get_space_box (board)));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      AtriumSpaceTile *tile = ATRIUM_SPACE_TILE (atrium_ui_test_find_widget (
        child, ATRIUM_TYPE_SPACE_TILE));
      AtriumGauge *gauge = ATRIUM_GAUGE (atrium_ui_test_find_widget (GTK_WIDGET (tile),
                                                                     ATRIUM_TYPE_GAUGE));
      AtriumLiveSpace *space = atrium_space_tile_get_space (tile);

      g_assert_cmpint (atrium_live_space_get_site_id (space), ==, site);
      g_assert_cmpstr (atrium_gauge_get_level (gauge), ==, atrium_live_space_get_level (space));
      g_assert_cmpint (atrium_gauge_get_percent (gauge), ==,
                       atrium_live_space_get_percent (space));
      g_test_message ("%s: %d %% (%s)", atrium_live_space_get_name (space),
                      atrium_gauge_get_percent (gauge), atrium_gauge_get_level (gauge));
      seen++;
    }
  g_assert_cmpuint (seen, ==, expected);
  site_spaces = expected;
  g_assert_false (gtk_widget_get_visible (atrium_ui_test_find_widget (GTK_WIDGET (board),
                                                                      GTK_TYPE_DROP_DOWN)));
  atrium_ui_test_save_screenshot (GTK_WIDGET (kiosk_window ()), "kiosk-board.png");
}

/* ---- check-in -------------------------------------------------------------------------- */

static gboolean
result_shown (gpointer data)
{
  AtriumKioskResult result = atrium_kiosk_window_get_result (kiosk_window (), NULL, NULL);

  return result == ATRIUM_KIOSK_RESULT_SUCCESS || result == ATRIUM_KIOSK_RESULT_FAILURE;
}

static AtriumKioskResult
check_in (const char  *code,
          const char **detail)
{
  AtriumKioskResult result;

  atrium_kiosk_window_check_in (kiosk_window (), code);
  atrium_ui_test_spin_until (result_shown, NULL, 60);
  result = atrium_kiosk_window_get_result (kiosk_window (), NULL, detail);
  g_test_message ("result %d: %s", result, *detail);
  return result;
}

/* A QR code of @text, shown to the kiosk's camera: its pipeline setting becomes a live
 * video of the image (as a test may set it); the outcome it led to. */
static gboolean
outcome_after (gpointer data)
{
  return atrium_kiosk_window_get_n_outcomes (kiosk_window ()) > GPOINTER_TO_UINT (data);
}

static AtriumKioskResult
scan (const char  *text,
      const char **detail)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = atrium_qr_texture_new (text, 4, &error);
  g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
  g_autofree char *dir = g_dir_make_tmp ("atrium-kiosk-scan-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *pipeline = NULL;
  guint before = atrium_kiosk_window_get_n_outcomes (kiosk_window ());
  AtriumKioskResult result;

  g_assert_no_error (error);
  path = g_build_filename (dir, "code.png", NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  pipeline = g_strdup_printf ("filesrc location=\"%s\" ! pngdec ! "
                              "imagefreeze num-buffers=250 is-live=true ! videoconvert", path);
  g_settings_set_string (settings, "kiosk-camera-pipeline", pipeline);
  atrium_ui_test_spin_until (outcome_after, GUINT_TO_POINTER (before), 60);
  result = atrium_kiosk_window_get_result (kiosk_window (), NULL, detail);
  g_test_message ("scanned, result %d: %s", result, *detail);
  atrium_ui_test_save_screenshot (GTK_WIDGET (kiosk_window ()),
                                  result == ATRIUM_KIOSK_RESULT_SUCCESS
                                  ? "kiosk-scan-success.png" : "kiosk-scan-refused.png");
  /* Nothing in view: the camera's setting back to a blank picture. */
  g_settings_set_string (settings, "kiosk-camera-pipeline", "videotestsrc pattern=white is-live=true");
  g_unlink (path);
  g_rmdir (dir);
  return result;
}

/* What @code says, read with the server's public keys (GET /api/v1/keys). */
static AtriumCheckinPayload
payload_of (const char *code)
{
  g_autoptr(JsonNode) answer = get_document (atrium_application_get_api (app), "/api/v1/keys");
  g_autoptr(GArray) keys = g_array_new (FALSE, TRUE, sizeof (AtriumCheckinKey));
  g_autoptr(GError) error = NULL;
  AtriumCheckinPayload payload;
  guint skipped = G_MAXUINT;

  g_assert_true (atrium_checkin_keys_from_json (answer, keys, &skipped));
  g_assert_cmpuint (skipped, ==, 0);
  g_assert_cmpuint (keys->len, >, 0);
  g_assert_true (atrium_checkin_code_decode ((AtriumCheckinKey *) keys->data, keys->len, code,
                                             -1, &payload, &error));
  g_assert_no_error (error);
  return payload;
}

/* A booking's own code, shown to the camera, checks it in and says what was booked; the
 * same code with one character changed, a code signed with a key the library never had
 * (both through the camera), and a text that is no code at all are refused, each with its
 * reason. */
static gboolean
chime_played (gpointer n)
{
  return atrium_chime_get_n_played (atrium_kiosk_window_get_chime (kiosk_window ())) >=
         GPOINTER_TO_UINT (n);
}

static void
test_check_in (void)
{
  AtriumOccupancyPage *board = atrium_kiosk_window_get_board (kiosk_window ());
  g_autofree char *resource = NULL;
  g_autofree char *code = NULL;
  g_autofree char *tampered = NULL;
  g_autofree char *foreign = NULL;
  const char *detail = NULL;
  AtriumCheckinPayload payload;
  guint8 seed[32], public_key[32], secret_key[64];
  guint played;
  gsize last;

  code = book_now (atrium_occupancy_page_get_site (board), &resource);
  g_assert_nonnull (code);
  played = atrium_chime_get_n_played (atrium_kiosk_window_get_chime (kiosk_window ()));

  /* One character of the signature changed: refused here, with the server's key. */
  tampered = g_strdup (code);
  last = strlen (tampered) - 3;
  tampered[last] = tampered[last] == 'A' ? 'B' : 'A';
  g_assert_cmpint (scan (tampered, &detail), ==, ATRIUM_KIOSK_RESULT_FAILURE);
  g_assert_cmpstr (detail, ==, "This code is not valid.");

  /* The same booking, signed with another library's key. */
  payload = payload_of (code);
  payload.key_id += 1000;
  atrium_random_bytes (seed, sizeof seed);
  atrium_checkin_key_from_seed (seed, public_key, secret_key);
  foreign = atrium_checkin_code_encode (secret_key, &payload);
  g_assert_cmpint (scan (foreign, &detail), ==, ATRIUM_KIOSK_RESULT_FAILURE);
  g_assert_cmpstr (detail, ==, "This code was not made by this library.");

  g_assert_cmpint (check_in ("https://example.org/not-a-booking", &detail), ==,
                   ATRIUM_KIOSK_RESULT_FAILURE);
  g_assert_cmpstr (detail, ==, "This is not the QR code of a booking.");
  /* Each outcome is heard too (the sink a clock-synchronised fakesink in this test). */
  atrium_ui_test_spin_until (chime_played, GUINT_TO_POINTER (played + 1), 10);

  /* The booking's own code, shown to the camera: checked in on the server, the place and
   * times shown. */
  g_assert_cmpint (scan (code, &detail), ==, ATRIUM_KIOSK_RESULT_SUCCESS);
  g_assert_nonnull (strstr (detail, resource));
  atrium_ui_test_spin_until (chime_played, GUINT_TO_POINTER (played + 2), 10);
  atrium_ui_test_save_screenshot (GTK_WIDGET (kiosk_window ()), "kiosk-checked-in.png");
  checked_in_code = g_steal_pointer (&code);
}

/* ---- a terminal for everyone ----------------------------------------------------------- */

static GtkWidget *
find_toggle (GtkWidget  *root,
             const char *tooltip)
{
  if (GTK_IS_TOGGLE_BUTTON (root) && g_strcmp0 (gtk_widget_get_tooltip_text (root), tooltip) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_toggle (child, tooltip);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Larger text and high contrast are switched on from the screen, and stay on when the
 * patron switches the kiosk to French and back; the texts follow the language. */
static void
test_for_everyone (void)
{
  AtriumKioskWindow *first = kiosk_window ();
  GtkWidget *large = find_toggle (GTK_WIDGET (first), "Show everything in larger text");
  GtkWidget *contrast = find_toggle (GTK_WIDGET (first),
                                     "Show everything in black and white, with stronger "
                                     "outlines");
  const char *title = NULL;

  g_assert_nonnull (large);
  g_assert_nonnull (contrast);
  g_assert_false (atrium_kiosk_window_showing_french ());
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (large), TRUE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (contrast), TRUE);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (first), "large-text"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (first), "high-contrast"));
  atrium_ui_test_save_screenshot (GTK_WIDGET (first), "kiosk-large-contrast.png");

  atrium_kiosk_window_switch_language (first);
  atrium_ui_test_spin_for (200);
  g_assert_true (kiosk_window () != first);
  g_assert_true (atrium_kiosk_window_showing_french ());
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (kiosk_window ()), "large-text"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (kiosk_window ()), "high-contrast"));
  atrium_kiosk_window_get_result (kiosk_window (), &title, NULL);
  g_test_message ("in French: %s", title);
  g_assert_cmpstr (title, ==, "Montrez le code QR de votre réservation à la caméra");
  atrium_ui_test_spin_until (board_filled, GUINT_TO_POINTER (site_spaces), 60);
  atrium_ui_test_save_screenshot (GTK_WIDGET (kiosk_window ()), "kiosk-french.png");

  atrium_kiosk_window_switch_language (kiosk_window ());
  atrium_ui_test_spin_for (200);
  g_assert_false (atrium_kiosk_window_showing_french ());
  atrium_kiosk_window_get_result (kiosk_window (), &title, NULL);
  g_assert_cmpstr (title, ==, "Show the QR code of your booking to the camera");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_toggle (
    GTK_WIDGET (kiosk_window ()), "Show everything in larger text")), FALSE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_toggle (
    GTK_WIDGET (kiosk_window ()), "Show everything in black and white, with stronger "
    "outlines")), FALSE);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (kiosk_window ()), "large-text"));
}

/* ---- the patron's session ---------------------------------------------------------------- */

static gboolean
bookings_shown (gpointer data)
{
  return ATRIUM_IS_BOOKINGS_PAGE (atrium_kiosk_window_get_patron_page (kiosk_window ()));
}

static gboolean
warning_shown (gpointer data)
{
  return atrium_kiosk_window_get_idle_warning (kiosk_window (), NULL);
}

static gboolean
board_back (gpointer data)
{
  return g_strcmp0 (atrium_kiosk_window_get_page (kiosk_window ()), "board") == 0;
}

static gboolean
token_refused (gpointer data)
{
  AtriumApi *api = data;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) me = NULL;

  atrium_api_get_me_async (api, NULL, on_done, &result);
  atrium_ui_test_spin_until (has_result, &result, 60);
  me = atrium_api_document_finish (api, result, &error);
  return g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
}

/* A patron signs in at the kiosk and walks away: the kiosk warns 20 s ahead (a touch
 * on "Continue" gives the time back), then ends the session on the server and wipes
 * every page that showed their data. */
/* The window over the kiosk that shows a booking's QR code, or NULL. */
static gpointer
code_shown (gpointer data)
{
  GList *windows = gtk_window_list_toplevels ();
  GtkWindow *found = NULL;

  for (GList *l = windows; l != NULL; l = l->next)
    if (gtk_window_get_transient_for (l->data) == GTK_WINDOW (kiosk_window ()) &&
        atrium_ui_test_find_widget (l->data, GTK_TYPE_PICTURE) != NULL)
      found = l->data;
  g_list_free (windows);
  return found;
}

static gboolean
is_code_shown (gpointer data)
{
  return code_shown (data) != NULL;
}

static void
test_idle_reset (void)
{
  g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
  const AtriumDemoAccount *patron = atrium_ui_test_demo_account ("demo-patron");
  g_autoptr(AtriumApi) later = atrium_api_new_for_unix_socket (
    atrium_embedded_get_socket_path (atrium_application_get_embedded (app)));
  g_autofree char *token = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) in_two_hours = g_date_time_add_hours (now, 2);
  AtriumBookingsPage *page;
  GtkListBox *mine;
  GtkWidget *login;
  GtkWidget *row;
  AtriumKeyboard *keyboard;
  const char *text = NULL;
  gint64 warned;

  g_settings_set_uint (settings, "kiosk-idle-seconds", 30);
  g_settings_set_uint (settings, "kiosk-idle-warning-seconds", 20);
  atrium_kiosk_window_book (kiosk_window ());
  g_assert_cmpstr (atrium_kiosk_window_get_page (kiosk_window ()), ==, "patron");
  login = atrium_kiosk_window_get_patron_page (kiosk_window ());
  g_assert_true (ATRIUM_IS_LOGIN_PAGE (login));
  /* Signed in on the on-screen keyboard, Enter on the password sending the form. */
  keyboard = ATRIUM_KEYBOARD (atrium_ui_test_find_widget (GTK_WIDGET (kiosk_window ()),
                                                          ATRIUM_TYPE_KEYBOARD));
  g_assert_nonnull (keyboard);
  row = atrium_ui_test_find_row (login, "User Name");
  gtk_widget_grab_focus (row);
  atrium_ui_test_type_on_keyboard (keyboard, patron->name);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, patron->name);
  row = atrium_ui_test_find_row (login, "Password");
  gtk_widget_grab_focus (row);
  atrium_ui_test_type_on_keyboard (keyboard, patron->password);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, patron->password);
  atrium_ui_test_save_screenshot (GTK_WIDGET (kiosk_window ()), "kiosk-sign-in.png");
  g_assert_true (atrium_keyboard_press (keyboard, "enter"));
  atrium_ui_test_spin_until (bookings_shown, NULL, 60);
  token = g_strdup (atrium_api_get_token (atrium_kiosk_window_get_patron_api (kiosk_window ())));
  g_assert_nonnull (token);
  g_assert_false (atrium_kiosk_window_get_idle_warning (kiosk_window (), NULL));
  atrium_ui_test_save_screenshot (GTK_WIDGET (kiosk_window ()), "kiosk-patron.png");

  /* Ten seconds without input: the warning, twenty seconds ahead. */
  atrium_ui_test_spin_until (warning_shown, NULL, 30);
  warned = g_get_monotonic_time ();
  atrium_kiosk_window_get_idle_warning (kiosk_window (), &text);
  g_test_message ("warning: %s", text);
  g_assert_nonnull (strstr (text, "seconds this session ends"));
  atrium_ui_test_save_screenshot (GTK_WIDGET (kiosk_window ()), "kiosk-idle-warning.png");
  atrium_kiosk_window_continue_session (kiosk_window ());
  g_assert_false (atrium_kiosk_window_get_idle_warning (kiosk_window (), NULL));
  g_assert_true (bookings_shown (NULL));

  /* They book a seat for two hours from now and get its QR code on screen. */
  page = ATRIUM_BOOKINGS_PAGE (atrium_kiosk_window_get_patron_page (kiosk_window ()));
  atrium_bookings_page_find (page, g_date_time_get_day_of_year (in_two_hours) !=
                                   g_date_time_get_day_of_year (now),
                             g_date_time_get_hour (in_two_hours), 0, 60);
  atrium_ui_test_spin_until (atrium_ui_test_has_results, page, 30);
  row = GTK_WIDGET (atrium_ui_test_row_with (atrium_bookings_page_get_results_list (page),
                                             "site-id", (int) atrium_occupancy_page_get_site (
                                               atrium_kiosk_window_get_board (kiosk_window ()))));
  g_assert_nonnull (row);
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (row, "Book")));
  atrium_ui_test_spin_until (atrium_ui_test_has_booked_row, page, 30);
  mine = atrium_bookings_page_get_mine_list (page);
  for (int i = 0; gtk_list_box_get_row_at_index (mine, i) != NULL; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (gtk_list_box_get_row_at_index (mine, i)),
                                      "status"), "booked") == 0)
      row = GTK_WIDGET (gtk_list_box_get_row_at_index (mine, i));
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (row, "Show Code")));
  atrium_ui_test_spin_until (is_code_shown, NULL, 10);
  atrium_ui_test_save_screenshot (GTK_WIDGET (code_shown (NULL)), "kiosk-booked-code.png");

  /* Nobody comes back: the warning again, then the board, and nothing of theirs. */
  atrium_ui_test_spin_until (warning_shown, NULL, 30);
  atrium_ui_test_spin_until (board_back, NULL, 40);
  g_assert_cmpint (g_get_monotonic_time () - warned, >=, 30 * G_USEC_PER_SEC);
  g_assert_null (atrium_kiosk_window_get_patron_page (kiosk_window ()));
  g_assert_null (atrium_kiosk_window_get_patron_api (kiosk_window ()));
  g_assert_false (atrium_kiosk_window_get_idle_warning (kiosk_window (), NULL));
  /* Their QR code went with them: the next patron cannot check their booking in. */
  g_assert_null (code_shown (NULL));
  /* Their session ended on the server too. */
  atrium_api_set_token (later, token);
  atrium_ui_test_spin_until (token_refused, later, 60);
  g_settings_reset (settings, "kiosk-idle-seconds");
  g_settings_reset (settings, "kiosk-idle-warning-seconds");
}

/* ---- offline --------------------------------------------------------------------------- */

static gboolean
has_outbox (gpointer data)
{
  return atrium_kiosk_window_has_outbox (kiosk_window ());
}

static gboolean
offline_shown (gpointer data)
{
  return atrium_kiosk_window_get_offline (kiosk_window (), NULL);
}

/* The server stops: the board stays, under a banner that gives the time its figures are
 * from; a code checked then is verified here and kept in the outbox for the server. */
static void
test_offline (void)
{
  AtriumOccupancyPage *board = atrium_kiosk_window_get_board (kiosk_window ());
  guint tiles = g_list_model_get_n_items (G_LIST_MODEL (atrium_live_client_get_spaces (
    atrium_application_get_live (app))));
  g_autoptr(GDateTime) before = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (before, "%H:%M");
  g_autoptr(GDateTime) after = NULL;
  g_autofree char *later = NULL;
  const char *text = NULL;
  const char *detail = NULL;

  g_assert_nonnull (checked_in_code);
  g_assert_false (atrium_kiosk_window_get_offline (kiosk_window (), NULL));
  atrium_ui_test_spin_until (has_outbox, NULL, 60);
  atrium_embedded_stop (atrium_application_get_embedded (app));
  atrium_ui_test_spin_until (offline_shown, NULL, 120);
  atrium_kiosk_window_get_offline (kiosk_window (), &text);
  after = g_date_time_new_now_local ();
  later = g_date_time_format (after, "%H:%M");
  g_test_message ("banner: %s", text);
  g_assert_true (strstr (text, time) != NULL || strstr (text, later) != NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (atrium_live_client_get_spaces (
    atrium_application_get_live (app)))), ==, tiles);
  g_assert_nonnull (gtk_widget_get_first_child (
    GTK_WIDGET (atrium_occupancy_page_get_space_box (board))));

  /* Verified here and under way: kept in the kiosk's outbox for the server. */
  g_assert_cmpuint (atrium_kiosk_window_get_n_kept (kiosk_window ()), ==, 0);
  g_assert_cmpint (check_in (checked_in_code, &detail), ==, ATRIUM_KIOSK_RESULT_SUCCESS);
  g_assert_nonnull (strstr (detail, "Kept on this kiosk"));
  g_assert_cmpuint (atrium_kiosk_window_get_n_kept (kiosk_window ()), ==, 1);
  /* A code the kiosk cannot verify is not kept. */
  g_assert_cmpint (check_in ("not a code", &detail), ==, ATRIUM_KIOSK_RESULT_FAILURE);
  g_assert_cmpuint (atrium_kiosk_window_get_n_kept (kiosk_window ()), ==, 1);
  atrium_ui_test_save_screenshot (GTK_WIDGET (kiosk_window ()), "kiosk-offline.png");
  g_clear_pointer (&checked_in_code, g_free);
}

/* ---- staff --------------------------------------------------------------------------- */

static gboolean
pin_checked (gpointer data)
{
  return atrium_kiosk_window_get_staff (kiosk_window ()) != ATRIUM_KIOSK_STAFF_CHECKING;
}

static AtriumKioskStaff
try_pin (const char *pin)
{
  atrium_kiosk_window_try_staff_pin (kiosk_window (), pin);
  atrium_ui_test_spin_until (pin_checked, NULL, 60);
  return atrium_kiosk_window_get_staff (kiosk_window ());
}

/* Without a PIN there is no way out on the screen; with one, a wrong PIN is refused, the
 * right one closes the kiosk, and five wrong ones in a row lock even the right one out. */
static void
test_staff_pin (void)
{
  AtriumPasswordParams params = ATRIUM_PASSWORD_PARAMS_MIN;
  g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = atrium_password_hash ("246810", &params, &error);

  g_assert_no_error (error);
  g_assert_false (atrium_kiosk_window_get_staff_exit_shown (kiosk_window ()));
  g_assert_cmpint (try_pin ("246810"), ==, ATRIUM_KIOSK_STAFF_REFUSED);

  g_settings_set_string (settings, "kiosk-staff-pin", hash);
  g_assert_true (atrium_kiosk_window_get_staff_exit_shown (kiosk_window ()));
  g_assert_cmpint (try_pin ("135791"), ==, ATRIUM_KIOSK_STAFF_REFUSED);
  g_assert_cmpint (try_pin ("246810"), ==, ATRIUM_KIOSK_STAFF_ACCEPTED);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (try_pin ("000000"), ==, ATRIUM_KIOSK_STAFF_REFUSED);
  g_assert_cmpint (try_pin ("000000"), ==, ATRIUM_KIOSK_STAFF_LOCKED);
  g_assert_cmpint (try_pin ("246810"), ==, ATRIUM_KIOSK_STAFF_LOCKED);
  g_settings_reset (settings, "kiosk-staff-pin");
  g_assert_false (atrium_kiosk_window_get_staff_exit_shown (kiosk_window ()));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_autoptr(GError) error = NULL;
  g_autofree char *credentials = g_dir_make_tmp ("atrium-kiosk-credentials-XXXXXX", &error);
  g_autofree char *key_path = NULL;

  gtk_test_init (&argc, &argv, NULL);
  atrium_application_setup_i18n ();
  /* The kiosk's outbox key as its systemd unit gives it (a credential): the test's D-Bus
   * session has no keyring. */
  g_assert_no_error (error);
  key_path = g_build_filename (credentials, ATRIUM_SECRETS_CREDENTIAL_NAME, NULL);
  g_assert_true (atrium_key_file_create (key_path, &error));
  g_setenv ("CREDENTIALS_DIRECTORY", credentials, TRUE);
  /* The chime into a sink that keeps time, as a sound card would. */
  {
    g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);

    g_settings_set_string (settings, "kiosk-chime-sink", "fakesink sync=true");
  }
  app = atrium_ui_test_start_kiosk ();
  g_test_add_func ("/kiosk/board", test_board);
  g_test_add_func ("/kiosk/check-in", test_check_in);
  g_test_add_func ("/kiosk/for-everyone", test_for_everyone);
  g_test_add_func ("/kiosk/idle-reset", test_idle_reset);
  g_test_add_func ("/kiosk/offline", test_offline);
  g_test_add_func ("/kiosk/staff-pin", test_staff_pin);
  status = g_test_run ();
  atrium_ui_test_quit (&app);
  g_unlink (key_path);
  g_rmdir (credentials);
  return status;
}
