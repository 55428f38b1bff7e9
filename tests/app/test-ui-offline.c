/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The desktop without its server, through the real widgets against the real embedded demo
 * backend: a cancellation kept in the user's outbox is sent once the server answers and
 * the row then says what the server made of it; with the server stopped, a cancellation
 * is kept, and its row says so in words (and to assistive technologies).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "atrium-outbox.h"
#include "atrium-ui-test.h"

static AtriumApplication *the_app;

static AtriumBookingsPage *
bookings_page (void)
{
  AtriumWindow *window = atrium_ui_test_window ();

  adw_view_stack_set_visible_child_name (atrium_window_get_view_stack (window), "bookings");
  return ATRIUM_BOOKINGS_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (window),
                                                           ATRIUM_TYPE_BOOKINGS_PAGE));
}

static gboolean
has_outbox (gpointer data)
{
  return atrium_bookings_page_get_outbox (data) != NULL;
}

/* The row of "my bookings" of booking @id, or NULL. */
static GtkListBoxRow *
mine_row (gint64 id)
{
  return atrium_ui_test_row_with (atrium_bookings_page_get_mine_list (bookings_page ()),
                                  "booking-id", (int) id);
}

typedef struct
{
  gint64      id;
  const char *status;
  gboolean    pending;
} RowState;

static gboolean
row_is (gpointer data)
{
  RowState *want = data;
  GtkListBoxRow *row = mine_row (want->id);

  return row != NULL &&
         g_strcmp0 (g_object_get_data (G_OBJECT (row), "status"), want->status) == 0 &&
         GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "pending")) == want->pending;
}

/* The status of booking @id as the server tells the patron. */
static char *
server_status (gint64 id)
{
  g_autoptr(AtriumApi) api = atrium_ui_test_patron_api (the_app);
  g_autoptr(JsonNode) mine = NULL;
  GAsyncResult *result = NULL;
  JsonArray *bookings;

  atrium_api_list_my_bookings_async (api, NULL, atrium_ui_test_took_result, &result);
  mine = atrium_ui_test_answer (api, &result);
  bookings = json_object_get_array_member (json_node_get_object (mine), "bookings");
  for (guint i = 0; i < json_array_get_length (bookings); i++)
    {
      JsonObject *booking = json_array_get_object_element (bookings, i);

      if (json_object_get_int_member (booking, "id") == id)
        return g_strdup (json_object_get_string_member (booking, "status"));
    }
  return NULL;
}

static gboolean
offline_shown (gpointer data)
{
  return atrium_window_get_offline_text (atrium_ui_test_window ()) != NULL;
}

static void
test_pending_cancel (void)
{
  AtriumBookingsPage *page;
  AtriumOutbox *outbox;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  gint64 sent, kept;
  RowState sent_booked, sent_cancelled, kept_booked, kept_pending;
  GtkListBoxRow *row;
  const char *subtitle;

  the_app = atrium_ui_test_start_demo (NULL);
  sent = atrium_ui_test_patron_books (the_app, 0);
  kept = atrium_ui_test_patron_books (the_app, 60);
  atrium_ui_test_sign_in ("demo-patron", FALSE);
  page = bookings_page ();
  atrium_ui_test_spin_until (has_outbox, page, 30);
  outbox = atrium_bookings_page_get_outbox (page);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 0);
  sent_booked = (RowState) { sent, "booked", FALSE };
  atrium_ui_test_spin_until (row_is, &sent_booked, 30);

  /* A cancellation kept while offline goes once the server answers; the row then shows
   * the server's state. */
  g_assert_cmpint (atrium_outbox_enqueue_cancel (outbox, sent, &error), >, 0);
  g_assert_no_error (error);
  atrium_bookings_page_refresh (page);
  sent_cancelled = (RowState) { sent, "cancelled", FALSE };
  atrium_ui_test_spin_until (row_is, &sent_cancelled, 30);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 0);
  status = server_status (sent);
  g_assert_cmpstr (status, ==, "cancelled");

  /* The server stops: the banner shows, and a cancellation is kept, shown pending. */
  kept_booked = (RowState) { kept, "booked", FALSE };
  atrium_ui_test_spin_until (row_is, &kept_booked, 30);
  atrium_embedded_stop (atrium_application_get_embedded (the_app));
  atrium_ui_test_spin_until (offline_shown, NULL, 120);
  row = mine_row (kept);
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (GTK_WIDGET (row), "Cancel")));
  kept_pending = (RowState) { kept, "booked", TRUE };
  atrium_ui_test_spin_until (row_is, &kept_pending, 60);
  g_assert_cmpuint (atrium_outbox_get_queued (outbox), ==, 1);
  row = mine_row (kept);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_test_message ("pending row: %s", subtitle);
  g_assert_nonnull (strstr (subtitle, "Cancellation pending — will be sent when online"));
  g_assert_null (atrium_ui_test_find_button (GTK_WIDGET (row), "Cancel"));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (row),
                                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "desktop-offline-pending.png");
  atrium_ui_test_quit (&the_app);
}

int
main (int    argc,
      char **argv)
{
  atrium_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui-offline/pending-cancel", test_pending_cancel);
  return g_test_run ();
}
