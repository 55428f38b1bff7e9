/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The desktop app driven through its real widgets, against its real embedded demo
 * backend (a SQLCipher store and a SoupServer on a Unix socket in this process), in a
 * real display (Xvfb in `make check`): signing in with TOTP and with a wrong code,
 * booking a seat and finding it in "my bookings" (its code, its calendar file), staff
 * checking it in.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "atrium-admin-page.h"
#include "atrium-application.h"
#include "atrium-ui-test.h"
#include "atrium-bookings-page.h"
#include "atrium-login-page.h"
#include "atrium-occupancy-page.h"
#include "atrium-space-tile.h"
#include "atrium-today-page.h"
#include "atrium-totp.h"
#include "atrium-ui-text.h"
#include "atrium-window.h"

static AtriumApplication *the_app;
static char *config_dir;

/* The shared helpers (atrium-ui-test.h) under the names these tests use. */
#define find_button  atrium_ui_test_find_button
#define window       atrium_ui_test_window
#define on_page      atrium_ui_test_on_page
#define login_page   atrium_ui_test_login_page
#define demo_account atrium_ui_test_demo_account
#define totp_code    atrium_ui_test_totp_code
#define type_into    atrium_ui_test_type_into
#define step_is_code atrium_ui_test_step_is_code
#define sign_in      atrium_ui_test_sign_in
#define sign_out     atrium_ui_test_sign_out

static gboolean
has_error (gpointer data)
{
  return atrium_login_page_get_error (login_page ()) != NULL &&
         gtk_widget_get_sensitive (GTK_WIDGET (find_button (GTK_WIDGET (login_page ()),
                                                            "Verify")));
}

/* The app, its demo backend and its window, started once for every test. */
static void
start_app (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;

  if (the_app != NULL)
    return;
  config_dir = g_dir_make_tmp ("atrium-ui-XXXXXX", &error);
  g_assert_no_error (error);
  config = g_build_filename (config_dir, "server.conf", NULL);
  /* Check-in stays open for the whole first half hour of a booking, so that a booking
   * of the current slot can be checked in whatever the minute the test runs. */
  g_assert_true (g_file_set_contents (config, "[bookings]\ncheckin_closes_minutes = 30\n", -1,
                                      &error));
  the_app = atrium_ui_test_start_demo (config);
}

static void
test_login_wrong_code_then_totp (void)
{
  GtkWidget *page;
  const AtriumDemoAccount *manager;
  g_autofree char *right = NULL;
  g_autofree char *wrong = NULL;
  gint64 now;

  start_app ();
  page = GTK_WIDGET (login_page ());
  manager = demo_account ("demo-manager");
  atrium_ui_test_save_screenshot (GTK_WIDGET (window ()), "login.png");

  type_into (page, "User Name", manager->name);
  type_into (page, "Password", manager->password);
  gtk_widget_activate (GTK_WIDGET (find_button (page, "Sign In")));
  atrium_ui_test_spin_until (step_is_code, NULL, 30);

  /* A code that is none of the ones the server accepts around now. */
  now = g_get_real_time () / G_USEC_PER_SEC;
  right = totp_code (manager, now);
  for (guint i = 0; wrong == NULL || g_str_equal (wrong, right); i++)
    {
      g_autofree char *before = totp_code (manager, now - 30);
      g_autofree char *after = totp_code (manager, now + 30);

      g_free (wrong);
      wrong = g_strdup_printf ("%06u", (guint) ((g_ascii_strtoull (right, NULL, 10) + 1 + i) %
                                                1000000));
      if (g_str_equal (wrong, before) || g_str_equal (wrong, after))
        g_clear_pointer (&wrong, g_free);
      if (wrong == NULL)
        wrong = g_strdup (right);
    }
  type_into (page, "Code", wrong);
  gtk_widget_activate (GTK_WIDGET (find_button (page, "Verify")));
  atrium_ui_test_spin_until (has_error, NULL, 30);
  g_assert_nonnull (strstr (atrium_login_page_get_error (login_page ()), "not right"));
  g_assert_cmpstr (atrium_login_page_get_step (login_page ()), ==, "code");
  atrium_ui_test_save_screenshot (GTK_WIDGET (window ()), "login-wrong-code.png");

  /* The right code now signs in; a manager starts on today's bookings. */
  g_free (right);
  right = atrium_ui_test_fresh_totp_code (manager);
  type_into (page, "Code", right);
  gtk_widget_activate (GTK_WIDGET (find_button (page, "Verify")));
  atrium_ui_test_spin_until (on_page, "main", 30);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (atrium_window_get_view_stack (window ())),
                   ==, "today");
  g_assert_true (atrium_application_has_role (the_app, "manager"));
  sign_out ();
}

static gboolean
has_tiles (gpointer data)
{
  return gtk_flow_box_get_child_at_index (data, 0) != NULL;
}

static int booked_id;

/* The button under @root showing @icon, or NULL. */
static GtkWidget *
icon_button (GtkWidget  *root,
             const char *icon)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (root)), icon) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = icon_button (child, icon);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
calendar_said (gpointer data)
{
  return atrium_bookings_page_get_calendar_message (data) != NULL;
}

/* "Add to Calendar" on my booking's @row: the button, named for assistive technologies,
 * and what it saves once the dialog has answered (the dialog itself is the desktop's). */
static void
check_add_to_calendar (AtriumBookingsPage *page,
                       GtkListBoxRow      *row)
{
  JsonObject *booking = g_object_get_data (G_OBJECT (row), "booking");
  GtkWidget *button = icon_button (GTK_WIDGET (row), "x-office-calendar-symbolic");
  g_autofree char *when = NULL;
  g_autofree char *label = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *uid = NULL;
  g_autofree char *saved = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) nowhere = NULL;
  g_autoptr(GError) error = NULL;
  const char *code;

  g_assert_nonnull (booking);
  code = json_object_get_string_member (booking, "checkin_code");
  g_assert_nonnull (code);
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button) && gtk_widget_get_sensitive (button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "Add to Calendar");
  when = atrium_ui_interval (json_object_get_string_member (booking, "start"),
                             json_object_get_string_member (booking, "end"));
  label = g_strdup_printf ("Add the booking of %s, %s to a calendar",
                           json_object_get_string_member (booking, "resource_name"), when);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       label);

  dir = g_dir_make_tmp ("atrium-ics-XXXXXX", &error);
  g_assert_no_error (error);
  name = g_strdup_printf ("atrium-booking-%d.ics", booked_id);
  path = g_build_filename (dir, name, NULL);
  file = g_file_new_for_path (path);
  atrium_bookings_page_save_calendar (page, booked_id, file);
  g_assert_null (atrium_bookings_page_get_calendar_message (page));
  atrium_ui_test_spin_until (calendar_said, page, 30);
  saved = g_strdup_printf ("Saved %s: open it to add the booking to your calendar.", name);
  g_assert_cmpstr (atrium_bookings_page_get_calendar_message (page), ==, saved);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text, "BEGIN:VCALENDAR\r\n"));
  /* The embedded backend is on loopback: the event is named for Atrium. */
  uid = g_strdup_printf ("\r\nUID:booking-%d@atrium\r\n", booked_id);
  g_assert_nonnull (strstr (text, uid));
  g_assert_nonnull (strstr (text, "\r\nSTATUS:CONFIRMED\r\n"));
  g_assert_nonnull (strstr (text, "\r\nBEGIN:VALARM\r\n"));
  g_assert_null (strstr (text, code));
  g_assert_cmpint (g_unlink (path), ==, 0);

  /* A folder that is gone: a sentence, and nothing written. */
  g_clear_pointer (&path, g_free);
  path = g_build_filename (dir, "gone", name, NULL);
  nowhere = g_file_new_for_path (path);
  atrium_bookings_page_save_calendar (page, booked_id, nowhere);
  atrium_ui_test_spin_until (calendar_said, page, 30);
  g_assert_true (g_str_has_prefix (atrium_bookings_page_get_calendar_message (page),
                                   "The calendar file was not saved."));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static int booked_resource;
static GDateTime *booked_start;   /* the quarter hour the booking starts at */

/* A patron finds a seat free now at the Science Library (open day and night in the
 * demo), books it, and finds it in "my bookings" with its check-in code. */
static void
test_book_a_seat (void)
{
  AtriumWindow *win;
  AtriumBookingsPage *page;
  AtriumOccupancyPage *occupancy;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GtkListBoxRow *row;
  GtkListBox *mine;
  GtkWidget *qr;

  start_app ();
  sign_in ("demo-patron", FALSE);
  win = window ();
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (atrium_window_get_view_stack (win)),
                   ==, "occupancy");
  occupancy = ATRIUM_OCCUPANCY_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (win), ATRIUM_TYPE_OCCUPANCY_PAGE));
  atrium_ui_test_spin_until (has_tiles, atrium_occupancy_page_get_space_box (occupancy), 30);
  atrium_ui_test_save_screenshot (GTK_WIDGET (win), "patron-occupancy.png");

  adw_view_stack_set_visible_child_name (atrium_window_get_view_stack (win), "bookings");
  page = ATRIUM_BOOKINGS_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (win), ATRIUM_TYPE_BOOKINGS_PAGE));
  /* The quarter hour under way (the Science Library's seats have 15-minute slots):
   * bookable until its end, and open for check-in. */
  atrium_bookings_page_find (page, 0, g_date_time_get_hour (now),
                             g_date_time_get_minute (now) / 15 * 15, 60);
  booked_start = g_date_time_add_minutes (now, -(g_date_time_get_minute (now) % 15));
  atrium_ui_test_spin_until (atrium_ui_test_has_results, page, 30);
  row = atrium_ui_test_row_with (atrium_bookings_page_get_results_list (page), "site-id", 2);
  g_assert_nonnull (row);
  booked_resource = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "resource-id"));
  atrium_ui_test_save_screenshot (GTK_WIDGET (win), "patron-find.png");
  gtk_widget_activate (GTK_WIDGET (find_button (GTK_WIDGET (row), "Book")));

  atrium_ui_test_spin_until (atrium_ui_test_has_booked_row, page, 30);
  mine = atrium_bookings_page_get_mine_list (page);
  row = gtk_list_box_get_row_at_index (mine, 0);
  booked_id = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "booking-id"));
  g_assert_cmpint (booked_id, >, 0);
  atrium_ui_test_save_screenshot (GTK_WIDGET (win), "patron-bookings.png");

  /* Its code, as a QR code to show at the kiosk. */
  gtk_widget_activate (GTK_WIDGET (find_button (GTK_WIDGET (row), "Show Code")));
  atrium_ui_test_spin_for (500);
  qr = NULL;
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (l->data != (gpointer) win && ADW_IS_WINDOW (l->data))
      {
        GtkWidget *found = atrium_ui_test_find_widget (l->data, GTK_TYPE_PICTURE);

        if (found != NULL)
          {
            qr = found;
            atrium_ui_test_save_screenshot (l->data, "patron-qr.png");
            gtk_window_destroy (l->data);
          }
      }
  g_assert_nonnull (qr);

  check_add_to_calendar (page, row);
  sign_out ();
}

static gboolean
today_has_booking (gpointer data)
{
  GListModel *model = atrium_today_page_get_model (data);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AtriumBookingItem) item = g_list_model_get_item (model, i);

      if (atrium_booking_item_get_id (item) == booked_id)
        return TRUE;
    }
  return FALSE;
}

/* The status the day view shows for the booking under test, or NULL. */
static const char *
today_status (AtriumTodayPage *today)
{
  return atrium_ui_test_today_status (today, booked_id);
}

/* What a row's button does, on the booking under test. */
static void
today_act (AtriumTodayPage *today,
           void           (*act) (AtriumTodayPage *, AtriumBookingItem *))
{
  GListModel *model = atrium_today_page_get_model (today);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AtriumBookingItem) item = g_list_model_get_item (model, i);

      if (atrium_booking_item_get_id (item) == booked_id)
        act (today, item);
    }
}

static gboolean
today_checked_in (gpointer data)
{
  return g_strcmp0 (today_status (data), "checked_in") == 0;
}

static AtriumLiveSpace *recount_space;

static AtriumLiveSpace *
first_space_of_site (gint64 site)
{
  GListModel *spaces = atrium_live_client_get_spaces (atrium_application_get_live (the_app));

  for (guint i = 0; i < g_list_model_get_n_items (spaces); i++)
    {
      g_autoptr(AtriumLiveSpace) space = g_list_model_get_item (spaces, i);

      if (atrium_live_space_get_site_id (space) == site)
        return g_steal_pointer (&space);
    }
  return NULL;
}

static gint64 recount_to;

/* The simulated sensors go on adding to the count: near the count set is enough. */
static gboolean
recounted (gpointer data)
{
  gint64 count = atrium_live_space_get_count (recount_space);

  return count >= recount_to - 6 && count <= recount_to + 6;
}

/* Staff finds that booking in today's list of its site and checks the patron in. */
static void
test_staff_checks_in (void)
{
  AtriumTodayPage *today;
  GtkDropDown *sites;

  g_assert_cmpint (booked_id, >, 0);
  start_app ();
  sign_in ("demo-staff", TRUE);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (atrium_window_get_view_stack (window ())),
                   ==, "today");
  today = ATRIUM_TODAY_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (window ()), ATRIUM_TYPE_TODAY_PAGE));
  sites = GTK_DROP_DOWN (atrium_ui_test_find_widget (GTK_WIDGET (today), GTK_TYPE_DROP_DOWN));
  /* The second of the staff's sites: the Science Library. */
  atrium_ui_test_spin_for (500);
  gtk_drop_down_set_selected (sites, 1);
  atrium_ui_test_spin_until (today_has_booking, today, 30);
  atrium_ui_test_save_screenshot (GTK_WIDGET (window ()), "staff-today.png");

  today_act (today, atrium_today_page_check_in);
  atrium_ui_test_spin_until (today_checked_in, today, 30);
  atrium_ui_test_save_screenshot (GTK_WIDGET (window ()), "staff-checked-in.png");

  /* A room counted by hand: its live figure starts again from that count. */
  recount_space = first_space_of_site (2);
  g_assert_nonnull (recount_space);
  /* Far from what the room holds now, so that the change cannot come from the sensors. */
  recount_to = atrium_live_space_get_count (recount_space) < 60 ? 120 : 10;
  adw_view_stack_set_visible_child_name (atrium_window_get_view_stack (window ()), "occupancy");
  atrium_ui_test_save_screenshot (GTK_WIDGET (window ()), "staff-occupancy.png");
  atrium_occupancy_page_recount (ATRIUM_OCCUPANCY_PAGE (atrium_ui_test_find_widget (
                                   GTK_WIDGET (window ()), ATRIUM_TYPE_OCCUPANCY_PAGE)),
                                 atrium_live_space_get_id (recount_space),
                                 (guint) recount_to);
  atrium_ui_test_spin_until (recounted, NULL, 30);
  g_clear_object (&recount_space);
  sign_out ();
}

static void
took_result (GObject      *source,
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

/* A second booking of the patron's, made through the API, the hour after the first. */
static gint64
book_next_hour (void)
{
  AtriumEmbedded *embedded = atrium_application_get_embedded (the_app);
  const AtriumDemoAccount *patron = demo_account ("demo-patron");
  g_autoptr(AtriumApi) api = atrium_api_new_for_unix_socket (
    atrium_embedded_get_socket_path (embedded));
  g_autoptr(AtriumLoginResult) login = NULL;
  g_autoptr(JsonNode) booking = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) from = g_date_time_add_minutes (booked_start, 60);
  g_autoptr(GDateTime) to = g_date_time_add_minutes (booked_start, 90);
  g_autoptr(GDateTime) from_utc = g_date_time_to_utc (from);
  g_autoptr(GDateTime) to_utc = g_date_time_to_utc (to);
  g_autofree char *start = g_date_time_format (from_utc, "%Y-%m-%dT%H:%M:00Z");
  g_autofree char *end = g_date_time_format (to_utc, "%Y-%m-%dT%H:%M:00Z");
  g_autofree char *key = atrium_api_new_idempotency_key ();
  GAsyncResult *result = NULL;

  atrium_api_login_async (api, patron->name, patron->password, NULL, took_result, &result);
  atrium_ui_test_spin_until (has_result, &result, 30);
  login = atrium_api_login_finish (api, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  atrium_api_create_booking_async (api, booked_resource, start, end, 1, key, NULL,
                                   took_result, &result);
  atrium_ui_test_spin_until (has_result, &result, 30);
  booking = atrium_api_document_finish (api, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return json_object_get_int_member (json_node_get_object (booking), "id");
}

static gboolean
today_cancelled (gpointer data)
{
  return g_strcmp0 (today_status (data), "cancelled") == 0;
}

/* Staff cancels a patron's booking from today's list (the server mails the patron). */
static void
test_staff_cancels (void)
{
  AtriumTodayPage *today;

  g_assert_nonnull (booked_start);
  start_app ();
  booked_id = (int) book_next_hour ();
  sign_in ("demo-manager", TRUE);
  today = ATRIUM_TODAY_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (window ()),
                                                         ATRIUM_TYPE_TODAY_PAGE));
  atrium_ui_test_spin_for (500);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (atrium_ui_test_find_widget (GTK_WIDGET (today),
                                                                         GTK_TYPE_DROP_DOWN)),
                              1);
  atrium_ui_test_spin_until (today_has_booking, today, 30);
  today_act (today, atrium_today_page_cancel);
  atrium_ui_test_spin_until (today_cancelled, today, 30);
  sign_out ();
}

static gboolean
done_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
logged_out (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (atrium_api_logout_finish (ATRIUM_API (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* The session ends on the server while the patron is in the middle of a search: the
 * next call brings the sign-in page back, saying why, and the search form keeps what
 * was chosen. */
static void
test_session_expired (void)
{
  AtriumBookingsPage *page;
  g_autoptr(AtriumApi) other = NULL;
  AtriumEmbedded *embedded;
  gboolean done = FALSE;

  start_app ();
  sign_in ("demo-patron", FALSE);
  page = ATRIUM_BOOKINGS_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (window ()),
                                                           ATRIUM_TYPE_BOOKINGS_PAGE));
  /* Another client signs this very session out (as a revocation would). */
  embedded = atrium_application_get_embedded (the_app);
  other = atrium_api_new_for_unix_socket (atrium_embedded_get_socket_path (embedded));
  atrium_api_set_token (other, atrium_api_get_token (atrium_application_get_api (the_app)));
  atrium_api_logout_async (other, NULL, logged_out, &done);
  atrium_ui_test_spin_until (done_true, &done, 30);

  atrium_bookings_page_refresh (page);
  atrium_ui_test_spin_until (on_page, "login", 30);
  g_assert_true (atrium_application_get_session_expired (the_app));
  g_assert_nonnull (strstr (atrium_login_page_get_error (login_page ()), "session has ended"));
  atrium_ui_test_save_screenshot (GTK_WIDGET (window ()), "session-expired.png");

  /* Signing in again goes on where it was. */
  sign_in ("demo-patron", FALSE);
  g_assert_false (atrium_application_get_session_expired (the_app));
  sign_out ();
}

static gboolean
list_has_user (gpointer data)
{
  GtkListBox *list = atrium_admin_page_get_users_list (data);

  for (int i = 0; gtk_list_box_get_row_at_index (list, i) != NULL; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (gtk_list_box_get_row_at_index (list, i)),
                                      "user-name"), g_object_get_data (G_OBJECT (data),
                                                                       "wanted")) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
audit_has_rows (gpointer data)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (atrium_admin_page_get_audit_list (data),
                                                      0);

  return row != NULL && ADW_IS_ACTION_ROW (row) &&
         g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "authn_");
}

static GtkWindow *
find_other_window (void)
{
  GtkWindow *found = NULL;

  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (l->data != (gpointer) window () && ADW_IS_WINDOW (l->data) &&
        gtk_widget_get_visible (l->data))
      found = l->data;
  return found;
}

static gboolean
has_other_window (gpointer data)
{
  return find_other_window () != NULL;
}

/* The administrator sees the users and the audit log (where the sign-ins of the tests
 * before are), and creates a staff account, whose second factor comes back as a QR code
 * to hand over. */
static void
test_admin (void)
{
  AtriumAdminPage *page;
  GtkWindow *qr;

  start_app ();
  sign_in ("demo-admin", TRUE);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (atrium_window_get_view_stack (window ())),
                   ==, "admin");
  page = ATRIUM_ADMIN_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (window ()),
                                                        ATRIUM_TYPE_ADMIN_PAGE));
  g_object_set_data (G_OBJECT (page), "wanted", (gpointer) "demo-patron");
  atrium_ui_test_spin_until (list_has_user, page, 30);
  atrium_ui_test_spin_until (audit_has_rows, page, 30);
  atrium_ui_test_save_screenshot (GTK_WIDGET (window ()), "admin-users.png");

  type_into (GTK_WIDGET (page), "User Name", "ui-staff");
  type_into (GTK_WIDGET (page), "Email", "ui-staff@library.example");
  type_into (GTK_WIDGET (page), "First Password", "Quiet-Reading-Room-42!");
  /* "Staff at Central Library" comes after "Patron". */
  adw_combo_row_set_selected (ADW_COMBO_ROW (atrium_ui_test_find_widget (GTK_WIDGET (page),
                                                                         ADW_TYPE_COMBO_ROW)),
                              1);
  gtk_widget_activate (GTK_WIDGET (find_button (GTK_WIDGET (page), "Create User")));
  atrium_ui_test_spin_until (has_other_window, NULL, 30);
  qr = find_other_window ();
  g_assert_nonnull (atrium_ui_test_find_widget (GTK_WIDGET (qr), GTK_TYPE_PICTURE));
  atrium_ui_test_save_screenshot (GTK_WIDGET (qr), "admin-new-user-qr.png");
  gtk_window_destroy (qr);
  g_object_set_data (G_OBJECT (page), "wanted", (gpointer) "ui-staff");
  atrium_ui_test_spin_until (list_has_user, page, 30);
  sign_out ();
}

/* The visible menu button of @root whose tooltip starts with @prefix, or NULL. */
static GtkMenuButton *
find_menu_button (GtkWidget  *root,
                  const char *prefix)
{
  const char *tooltip = gtk_widget_get_tooltip_text (root);

  if (GTK_IS_MENU_BUTTON (root) && gtk_widget_get_visible (root) && tooltip != NULL &&
      g_str_has_prefix (tooltip, prefix))
    return GTK_MENU_BUTTON (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkMenuButton *found = find_menu_button (child, prefix);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The tile's indicator: the bell shown while an alert is set, or NULL. */
static GtkWidget *
alert_indicator (GtkWidget *root)
{
  if (GTK_IS_IMAGE (root) && gtk_widget_get_visible (root) &&
      g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (root)), "alarm-symbolic") == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = alert_indicator (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
popover_closed (gpointer data)
{
  return !gtk_widget_get_mapped (GTK_WIDGET (gtk_menu_button_get_popover (data)));
}

static gboolean
popover_open (gpointer data)
{
  GtkPopover *popover = gtk_menu_button_get_popover (data);

  return gtk_widget_get_mapped (GTK_WIDGET (popover));
}

/* Opens the alert popover of the first tile of the occupancy view, sets @percent (and
 * @direction when the popover offers it) and saves; returns the tile's space. */
static AtriumLiveSpace *
set_alert_on_first_tile (AtriumAlertDirection  direction,
                         guint                 percent,
                         const char           *screenshot)
{
  AtriumOccupancyPage *occupancy;
  GtkWidget *tile;
  GtkMenuButton *button;
  GtkWidget *popover;
  GtkDropDown *directions;
  g_autofree char *tooltip = NULL;

  adw_view_stack_set_visible_child_name (atrium_window_get_view_stack (window ()), "occupancy");
  occupancy = ATRIUM_OCCUPANCY_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (window ()),
                                                                 ATRIUM_TYPE_OCCUPANCY_PAGE));
  atrium_ui_test_spin_until (has_tiles, atrium_occupancy_page_get_space_box (occupancy), 30);
  tile = atrium_ui_test_find_widget (GTK_WIDGET (atrium_occupancy_page_get_space_box (occupancy)),
                                     ATRIUM_TYPE_SPACE_TILE);
  g_assert_nonnull (tile);
  button = find_menu_button (tile, "Alert me about the occupancy of ");
  g_assert_nonnull (button);
  tooltip = g_strdup_printf ("Alert me about the occupancy of %s",
                             atrium_live_space_get_name (
                               atrium_space_tile_get_space (ATRIUM_SPACE_TILE (tile))));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (button)), ==, tooltip);
  gtk_menu_button_popup (button);
  atrium_ui_test_spin_until (popover_open, button, 10);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (button));
  directions = GTK_DROP_DOWN (atrium_ui_test_find_widget (popover, GTK_TYPE_DROP_DOWN));
  /* Capacity alerts for staff only. */
  g_assert_cmpint (gtk_widget_get_visible (GTK_WIDGET (directions)), ==,
                   direction == ATRIUM_ALERT_AT_OR_ABOVE);
  if (direction == ATRIUM_ALERT_AT_OR_ABOVE)
    gtk_drop_down_set_selected (directions, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (atrium_ui_test_find_widget (popover,
                                                                        GTK_TYPE_SPIN_BUTTON)),
                             percent);
  /* The popover is a surface of its own: drawn alone. */
  atrium_ui_test_save_screenshot (popover, screenshot);
  /* A button's activation clicks it once it is drawn pressed: the popover closes then. */
  gtk_widget_activate (GTK_WIDGET (find_button (popover, "Save Alert")));
  atrium_ui_test_spin_until (popover_closed, button, 10);
  return g_object_ref (atrium_space_tile_get_space (ATRIUM_SPACE_TILE (tile)));
}

/* A patron asks to be told when the first room gets quiet, through its tile; staff adds
 * a capacity alert on it; the patron removes the first one. */
static void
test_alert_on_a_tile (void)
{
  AtriumAlerts *alerts;
  g_autoptr(AtriumLiveSpace) space = NULL;
  g_autoptr(AtriumLiveSpace) again = NULL;
  const AtriumAlertRule *rule;
  AtriumOccupancyPage *occupancy;
  GtkWidget *tile;
  GtkMenuButton *button;
  GtkWidget *indicator;
  GtkWidget *popover;

  start_app ();
  /* Should a rule fire while the tests go on, the notification has somewhere to go. */
  atrium_ui_test_own_notifications ();
  alerts = atrium_application_get_alerts (the_app);
  g_assert_nonnull (alerts);
  sign_in ("demo-patron", FALSE);
  space = set_alert_on_first_tile (ATRIUM_ALERT_BELOW, 55, "patron-alert.png");
  rule = atrium_alerts_lookup (alerts, atrium_live_space_get_id (space), ATRIUM_ALERT_BELOW);
  g_assert_nonnull (rule);
  g_assert_cmpuint (rule->percent, ==, 55);
  g_assert_cmpstr (rule->space_name, ==, atrium_live_space_get_name (space));
  occupancy = ATRIUM_OCCUPANCY_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (window ()),
                                                                 ATRIUM_TYPE_OCCUPANCY_PAGE));
  tile = atrium_ui_test_find_widget (GTK_WIDGET (atrium_occupancy_page_get_space_box (occupancy)),
                                     ATRIUM_TYPE_SPACE_TILE);
  indicator = alert_indicator (tile);
  g_assert_nonnull (indicator);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (indicator), ==, "Alert set: Below 55 %");
  atrium_ui_test_save_screenshot (GTK_WIDGET (window ()), "patron-alert-set.png");
  sign_out ();

  sign_in ("demo-staff", TRUE);
  again = set_alert_on_first_tile (ATRIUM_ALERT_AT_OR_ABOVE, 90, "staff-alert.png");
  g_assert_cmpint (atrium_live_space_get_id (again), ==, atrium_live_space_get_id (space));
  rule = atrium_alerts_lookup (alerts, atrium_live_space_get_id (space),
                               ATRIUM_ALERT_AT_OR_ABOVE);
  g_assert_nonnull (rule);
  g_assert_cmpuint (rule->percent, ==, 90);
  g_assert_nonnull (atrium_alerts_lookup (alerts, atrium_live_space_get_id (space),
                                          ATRIUM_ALERT_BELOW));
  tile = atrium_ui_test_find_widget (GTK_WIDGET (atrium_occupancy_page_get_space_box (occupancy)),
                                     ATRIUM_TYPE_SPACE_TILE);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (alert_indicator (tile)), ==,
                   "Alert set: Below 55 %, At 90 % or more");

  /* Removed through the popover: the rule of the direction shown goes. */
  button = find_menu_button (tile, "Alert me about the occupancy of ");
  gtk_menu_button_popup (button);
  atrium_ui_test_spin_until (popover_open, button, 10);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (button));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (atrium_ui_test_find_widget (popover,
                                                                         GTK_TYPE_DROP_DOWN)),
                              0);
  /* The level shown is the rule's. */
  g_assert_cmpint (gtk_spin_button_get_value_as_int (
                     GTK_SPIN_BUTTON (atrium_ui_test_find_widget (popover, GTK_TYPE_SPIN_BUTTON))),
                   ==, 55);
  gtk_widget_activate (GTK_WIDGET (find_button (popover, "Remove")));
  atrium_ui_test_spin_until (popover_closed, button, 10);
  g_assert_null (atrium_alerts_lookup (alerts, atrium_live_space_get_id (space),
                                       ATRIUM_ALERT_BELOW));
  g_assert_nonnull (atrium_alerts_lookup (alerts, atrium_live_space_get_id (space),
                                          ATRIUM_ALERT_AT_OR_ABOVE));
  atrium_alerts_remove_rule (alerts, atrium_live_space_get_id (space),
                             ATRIUM_ALERT_AT_OR_ABOVE);
  g_assert_null (alert_indicator (tile));
  sign_out ();
}

int
main (int    argc,
      char **argv)
{
  int status;

  atrium_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/login-wrong-code-then-totp", test_login_wrong_code_then_totp);
  g_test_add_func ("/ui/book-a-seat", test_book_a_seat);
  g_test_add_func ("/ui/staff-checks-in", test_staff_checks_in);
  g_test_add_func ("/ui/staff-cancels", test_staff_cancels);
  g_test_add_func ("/ui/session-expired", test_session_expired);
  g_test_add_func ("/ui/admin", test_admin);
  g_test_add_func ("/ui/alert-on-a-tile", test_alert_on_a_tile);

  status = g_test_run ();
  atrium_ui_test_quit (&the_app);
  g_clear_pointer (&booked_start, g_date_time_unref);
  if (config_dir != NULL)
    {
      g_autofree char *config = g_build_filename (config_dir, "server.conf", NULL);

      g_unlink (config);
      g_rmdir (config_dir);
      g_free (config_dir);
    }
  return status;
}
