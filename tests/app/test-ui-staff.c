/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Staff at the desk, through the real widgets against the real embedded demo backend:
 * booking for a patron from today's list (an unknown user name refused on the form,
 * which keeps what was typed; a known one booked and listed), then that booking's
 * details and a check-in from them; a patron's own booking and its cancelling seen on
 * the list as they happen (the live feed, no reload); every page fitting 360 px.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "atrium-book-for-dialog.h"
#include "atrium-ui-test.h"
#include "atrium-today-page.h"

static AtriumApplication *the_app;
static gint64 seat_id;            /* a seat of the Science Library, free now */
static gint64 booked_id;          /* what staff booked for demo-patron */

static void
start_app (void)
{
  /* Check-in open for the first half hour, whatever the minute the test runs. */
  if (the_app == NULL)
    the_app = atrium_ui_test_start_demo_with ("[bookings]\ncheckin_closes_minutes = 30\n");
}

/* The quarter hour under way, today: the Science Library is open day and night. */
static void
this_quarter (guint *hour,
              guint *minute)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  *hour = (guint) g_date_time_get_hour (now);
  *minute = (guint) g_date_time_get_minute (now) / 15 * 15;
}

/* A seat of the Science Library free for the quarter hour under way and the next. */
static gint64
free_seat (void)
{
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;

  atrium_ui_test_half_hour (0, &start, &end);
  return atrium_ui_test_free_seat (the_app, start, end);
}

/* Today's page of demo-staff, on the Science Library, its resources read. */
static AtriumTodayPage *
staff_today (void)
{
  AtriumTodayPage *today;

  start_app ();
  atrium_ui_test_sign_in ("demo-staff", TRUE);
  today = ATRIUM_TODAY_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (atrium_ui_test_window ()),
                                                         ATRIUM_TYPE_TODAY_PAGE));
  atrium_ui_test_spin_for (500);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (atrium_ui_test_find_widget (GTK_WIDGET (today),
                                                                         GTK_TYPE_DROP_DOWN)),
                              1);
  return today;
}

static gboolean
form_ready (gpointer data)
{
  return gtk_widget_get_sensitive (GTK_WIDGET (atrium_ui_test_find_button (data,
                                                                           "Book for a Patron")));
}

static gboolean
form_has_error (gpointer data)
{
  return atrium_book_for_dialog_get_error (data) != NULL;
}

static gboolean
today_has_booked_for (gpointer data)
{
  GListModel *model = atrium_today_page_get_model (data);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AtriumBookingItem) item = g_list_model_get_item (model, i);
      JsonObject *booking = atrium_booking_item_get_booking (item);

      if (g_strcmp0 (atrium_booking_item_get_patron (item), "demo-patron") == 0 &&
          json_object_get_int_member_with_default (booking, "resource_id", 0) == seat_id &&
          g_strcmp0 (atrium_booking_item_get_status (item), "booked") == 0)
        {
          booked_id = atrium_booking_item_get_id (item);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
find_form (gpointer data)
{
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (ATRIUM_IS_BOOK_FOR_DIALOG (l->data))
      *(AtriumBookForDialog **) data = l->data;
  return *(AtriumBookForDialog **) data != NULL;
}

/* The form, filled in for @patron and the free seat, this quarter hour, half an hour. */
static AtriumBookForDialog *
fill_form (AtriumTodayPage *today,
           const char      *patron)
{
  AtriumBookForDialog *form = NULL;
  guint hour, minute;

  atrium_ui_test_spin_until (form_ready, today, 30);
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (GTK_WIDGET (today),
                                                               "Book for a Patron")));
  /* A button activated clicks a moment later, as a pressed one would. */
  atrium_ui_test_spin_until (find_form, &form, 10);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (form)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (form)) ==
                 GTK_WINDOW (atrium_ui_test_window ()));
  atrium_ui_test_apply_style (GTK_WINDOW (form));
  atrium_ui_test_type_into (GTK_WIDGET (form), "Patron’s User Name", patron);
  g_assert_true (atrium_book_for_dialog_select_resource (form, seat_id));
  this_quarter (&hour, &minute);
  atrium_book_for_dialog_select_time (form, 0, hour, minute, 30);
  return form;
}

/* An unknown user name: the server's refusal is said on the form, nothing typed lost. */
static void
test_unknown_patron (void)
{
  AtriumTodayPage *today;
  AtriumBookForDialog *form;
  guint place;

  start_app ();
  seat_id = free_seat ();
  today = staff_today ();
  form = fill_form (today, "nobody-of-that-name");
  g_object_add_weak_pointer (G_OBJECT (form), (gpointer *) &form);
  place = adw_combo_row_get_selected (atrium_book_for_dialog_get_resource_row (form));
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (GTK_WIDGET (form), "Book")));
  atrium_ui_test_spin_until (form_has_error, form, 30);

  g_assert_nonnull (form);
  g_assert_nonnull (strstr (atrium_book_for_dialog_get_error (form), "nobody-of-that-name"));
  g_assert_nonnull (strstr (atrium_book_for_dialog_get_error (form), "No patron"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (atrium_ui_test_find_row (
                     GTK_WIDGET (form), "Patron’s User Name"))), ==, "nobody-of-that-name");
  g_assert_cmpuint (adw_combo_row_get_selected (atrium_book_for_dialog_get_resource_row (form)),
                    ==, place);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (form)));
  atrium_ui_test_save_screenshot (GTK_WIDGET (form), "staff-book-for-unknown.png");
  gtk_window_destroy (GTK_WINDOW (form));
  atrium_ui_test_spin_for (200);
  g_assert_null (form);
  atrium_ui_test_sign_out ();
}

/* demo-patron booked by staff on a free seat: the form closes, the booking is listed. */
static void
test_book_for_patron (void)
{
  AtriumTodayPage *today;
  AtriumBookForDialog *form;

  g_assert_cmpint (seat_id, >, 0);
  today = staff_today ();
  form = fill_form (today, "demo-patron");
  g_object_add_weak_pointer (G_OBJECT (form), (gpointer *) &form);
  atrium_ui_test_save_screenshot (GTK_WIDGET (form), "staff-book-for.png");
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (GTK_WIDGET (form), "Book")));
  atrium_ui_test_spin_until (today_has_booked_for, today, 30);
  g_assert_null (form);
  g_assert_cmpint (booked_id, >, 0);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "staff-book-for-listed.png");
  atrium_ui_test_sign_out ();
}

/* The value shown under the field @title in the details window @root. */
static const char *
field (GtkWidget  *root,
       const char *title)
{
  GtkWidget *row = atrium_ui_test_find_titled (root, ADW_TYPE_ACTION_ROW, title);

  return row != NULL ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : NULL;
}

/* The status today's list shows for the booking staff made, or NULL. */
static const char *
booked_status (AtriumTodayPage *today)
{
  return atrium_ui_test_today_status (today, booked_id);
}

static gboolean
today_has_booked_id (gpointer data)
{
  return booked_status (data) != NULL;
}

static gboolean
booked_checked_in (gpointer data)
{
  return g_strcmp0 (booked_status (data), "checked_in") == 0;
}

/* The booking's details from its row, then a check-in from them. */
static void
test_details (void)
{
  AtriumTodayPage *today;
  GtkColumnView *view;
  GListModel *rows;
  GtkWindow *details = NULL;
  g_autofree char *when = NULL;
  const char *resource = NULL;
  guint hour, minute;

  g_assert_cmpint (booked_id, >, 0);
  today = staff_today ();
  atrium_ui_test_spin_until (today_has_booked_id, today, 30);
  /* and the site's resources, which name the booking's room */
  atrium_ui_test_spin_until (form_ready, today, 30);
  /* Activating the row, as a double click or Enter does. */
  view = GTK_COLUMN_VIEW (atrium_ui_test_find_widget (GTK_WIDGET (today),
                                                      GTK_TYPE_COLUMN_VIEW));
  rows = G_LIST_MODEL (gtk_column_view_get_model (view));
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(AtriumBookingItem) item = g_list_model_get_item (rows, i);

      if (atrium_booking_item_get_id (item) == booked_id)
        {
          resource = json_object_get_string_member (atrium_booking_item_get_booking (item),
                                                    "resource_name");
          g_signal_emit_by_name (view, "activate", i);
        }
    }
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (l->data != (gpointer) atrium_ui_test_window () && ADW_IS_WINDOW (l->data) &&
        gtk_widget_get_visible (l->data))
      details = l->data;
  g_assert_nonnull (details);
  atrium_ui_test_apply_style (details);
  g_assert_true (gtk_window_get_modal (details));
  g_assert_cmpstr (gtk_window_get_title (details), ==, "Booking of demo-patron");
  g_assert_cmpstr (field (GTK_WIDGET (details), "Status"), ==, "Booked");
  g_assert_cmpstr (field (GTK_WIDGET (details), "Patron"), ==, "demo-patron");
  g_assert_cmpstr (field (GTK_WIDGET (details), "Place"), ==, resource);
  g_assert_cmpstr (field (GTK_WIDGET (details), "Kind"), ==, "Seat");
  g_assert_true (g_str_has_prefix (field (GTK_WIDGET (details), "Library and room"),
                                   "Science Library · "));
  this_quarter (&hour, &minute);
  when = g_strdup_printf ("%02u:%02u–", hour, minute);
  g_assert_nonnull (strstr (field (GTK_WIDGET (details), "Time"), when));
  g_assert_cmpstr (field (GTK_WIDGET (details), "Group"), ==, "1 person");
  g_assert_cmpstr (field (GTK_WIDGET (details), "Booked on"), !=, "—");
  g_assert_cmpstr (field (GTK_WIDGET (details), "Checked in at"), ==, "Not checked in");
  g_assert_cmpstr (field (GTK_WIDGET (details), "No-show"), ==, "No");
  atrium_ui_test_save_screenshot (GTK_WIDGET (details), "staff-booking-details.png");

  /* Its check-in is the page's: the window goes and the list says so. */
  g_object_add_weak_pointer (G_OBJECT (details), (gpointer *) &details);
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (GTK_WIDGET (details),
                                                               "Check In")));
  atrium_ui_test_spin_until (booked_checked_in, today, 30);
  g_assert_null (details);
  atrium_ui_test_sign_out ();
}

static gint64 patron_booking;     /* what demo-patron booked from their own client */

/* Today's list shows demo-patron's own booking with the status @data. */
static gboolean
patron_booking_is (gpointer data)
{
  AtriumTodayPage *today = ATRIUM_TODAY_PAGE (atrium_ui_test_find_widget (
    GTK_WIDGET (atrium_ui_test_window ()), ATRIUM_TYPE_TODAY_PAGE));
  GListModel *model = atrium_today_page_get_model (today);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AtriumBookingItem) item = g_list_model_get_item (model, i);

      if (atrium_booking_item_get_id (item) == patron_booking)
        return g_strcmp0 (atrium_booking_item_get_status (item), data) == 0;
    }
  return FALSE;
}

/* What a patron does elsewhere shows on today's list as it happens: no reload. */
static void
test_live (void)
{
  g_autoptr(AtriumApi) api = NULL;
  g_autoptr(JsonNode) cancelled = NULL;
  GAsyncResult *result = NULL;

  staff_today ();
  patron_booking = atrium_ui_test_patron_books (the_app, 0);
  atrium_ui_test_spin_until (patron_booking_is, "booked", 30);

  api = atrium_ui_test_patron_api (the_app);
  atrium_api_cancel_booking_async (api, patron_booking, NULL, atrium_ui_test_took_result,
                                   &result);
  cancelled = atrium_ui_test_answer (api, &result);
  atrium_ui_test_spin_until (patron_booking_is, "cancelled", 30);
  atrium_ui_test_sign_out ();
}

/* The widest minimum of the pages of the window's view stack, and which page it is. */
static int
widest_page (AtriumWindow *window,
             char        **name)
{
  AdwViewStack *stack = ADW_VIEW_STACK (atrium_ui_test_find_widget (GTK_WIDGET (window),
                                                                    ADW_TYPE_VIEW_STACK));
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (stack);
  int widest = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);
      int minimum = 0;

      if (!adw_view_stack_page_get_visible (page))
        continue;
      gtk_widget_measure (adw_view_stack_page_get_child (page), GTK_ORIENTATION_HORIZONTAL, -1,
                          &minimum, NULL, NULL, NULL);
      g_test_message ("page %s: %d px at the least", adw_view_stack_page_get_name (page),
                      minimum);
      if (minimum > widest)
        {
          widest = minimum;
          g_free (*name);
          *name = g_strdup (adw_view_stack_page_get_name (page));
        }
    }
  return widest;
}

/* Staff on a phone: every page fits 360 px, the window as well. */
static void
test_narrow (void)
{
  AtriumTodayPage *today = staff_today ();
  AtriumWindow *window = atrium_ui_test_window ();
  g_autofree char *name = NULL;
  int minimum = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  atrium_ui_test_spin_until (form_ready, today, 30);
  atrium_ui_test_spin_for (300);
  g_assert_cmpint (widest_page (window, &name), <=, 360);
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL,
                      NULL, NULL);
  g_assert_cmpint (minimum, <=, 360);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 360);
  atrium_ui_test_save_screenshot (GTK_WIDGET (window), "staff-today-360.png");
  atrium_ui_test_sign_out ();
}

int
main (int    argc,
      char **argv)
{
  int status;

  atrium_ui_test_init (&argc, &argv);

  /* First: the patron's own booking of this quarter hour is gone before staff book one. */
  g_test_add_func ("/ui-staff/live", test_live);
  g_test_add_func ("/ui-staff/unknown-patron", test_unknown_patron);
  g_test_add_func ("/ui-staff/book-for-patron", test_book_for_patron);
  g_test_add_func ("/ui-staff/details", test_details);
  /* Last: today's list then has rows to show in the narrow window. */
  g_test_add_func ("/ui-staff/narrow", test_narrow);

  status = g_test_run ();
  atrium_ui_test_quit (&the_app);
  return status;
}
