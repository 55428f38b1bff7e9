/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-booking-details.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "atrium-ui-text.h"
#include "atrium-widget.h"

/* "Wed 25 Nov, 14:30" in the local time zone, or NULL for a missing or bad time. */
static char *
date_and_time (JsonObject *booking,
               const char *member)
{
  return atrium_ui_date_and_time (json_object_get_string_member_with_default (booking, member,
                                                                              NULL));
}

static const char *
resource_type_words (const char *type)
{
  if (g_strcmp0 (type, "seat") == 0)
    return _("Seat");
  if (g_strcmp0 (type, "room") == 0)
    return _("Group study room");
  if (g_strcmp0 (type, "equipment") == 0)
    return _("Equipment");
  return type;
}

/* A row of the list: what, then its value (a dash when there is none) below, where it
 * has the row's width to wrap in. */
static void
add_field (GtkListBox *list,
           const char *title,
           const char *value)
{
  GtkWidget *row = adw_action_row_new ();
  const char *shown = value != NULL && *value != '\0' ? value : "—";
  g_autofree char *accessible = g_strdup_printf ("%s: %s", title, shown);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), shown);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_list_box_append (list, row);
}

typedef void (*ActFunc) (AtriumTodayPage   *page,
                         AtriumBookingItem *item);

/* The page acts; the window, whose figures would be stale, goes. */
static void
act_clicked (GtkButton *button,
             GtkWindow *window)
{
  ActFunc act = (ActFunc) g_object_get_data (G_OBJECT (button), "act");
  AtriumTodayPage *page = g_object_get_data (G_OBJECT (window), "page");
  AtriumBookingItem *item = g_object_get_data (G_OBJECT (window), "item");

  act (page, item);
  gtk_window_destroy (window);
}

static GtkWidget *
act_button (GtkWindow  *window,
            const char *label,
            const char *accessible,
            ActFunc     act)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_add_css_class (button, "pill");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_object_set_data (G_OBJECT (button), "act", (gpointer) act);
  g_signal_connect (button, "clicked", G_CALLBACK (act_clicked), window);
  return button;
}

GtkWindow *
atrium_booking_details_new (AtriumTodayPage   *page,
                            AtriumBookingItem *item,
                            const char        *site,
                            const char        *space)
{
  JsonObject *booking = atrium_booking_item_get_booking (item);
  const char *status = atrium_booking_item_get_status (item);
  const char *patron = atrium_booking_item_get_patron (item);
  const char *resource = json_object_get_string_member_with_default (booking, "resource_name",
                                                                     "");
  g_autofree char *when = atrium_ui_interval (
    json_object_get_string_member_with_default (booking, "start", NULL),
    json_object_get_string_member_with_default (booking, "end", NULL));
  g_autofree char *created = date_and_time (booking, "created_at");
  g_autofree char *checked_in = date_and_time (booking, "check_in_at");
  g_autofree char *cancelled = date_and_time (booking, "cancelled_at");
  g_autofree char *break_until = date_and_time (booking, "break_until");
  g_autofree char *group = g_strdup_printf (
    ngettext ("%d person", "%d people",
              (gulong) json_object_get_int_member_with_default (booking, "group_size", 1)),
    (int) json_object_get_int_member_with_default (booking, "group_size", 1));
  g_autofree char *place = space != NULL ? g_strdup_printf ("%s · %s", site != NULL ? site : "",
                                                            space)
                                         : g_strdup (site);
  g_autofree char *title = g_strdup_printf (_("Booking of %s"), patron);
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = atrium_widget_dialog_column (window);
  GtkWidget *list = gtk_list_box_new ();
  gboolean no_show = g_strcmp0 (status, "no_show") == 0;

  g_return_val_if_fail (ATRIUM_IS_TODAY_PAGE (page), NULL);
  g_return_val_if_fail (ATRIUM_IS_BOOKING_ITEM (item), NULL);

  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (window),
                                GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (page))));
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 720);
  g_object_set_data_full (G_OBJECT (window), "page", g_object_ref (page), g_object_unref);
  g_object_set_data_full (G_OBJECT (window), "item", g_object_ref (item), g_object_unref);

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title, -1);
  add_field (GTK_LIST_BOX (list), _("Status"), atrium_ui_booking_status (status));
  add_field (GTK_LIST_BOX (list), _("Patron"), patron);
  add_field (GTK_LIST_BOX (list), _("Place"), resource);
  add_field (GTK_LIST_BOX (list), _("Kind"),
             resource_type_words (json_object_get_string_member_with_default (booking,
                                                                              "resource_type",
                                                                              NULL)));
  add_field (GTK_LIST_BOX (list), _("Library and room"), place);
  add_field (GTK_LIST_BOX (list), _("Time"), when);
  add_field (GTK_LIST_BOX (list), _("Group"), group);
  add_field (GTK_LIST_BOX (list), _("Booked on"), created);
  add_field (GTK_LIST_BOX (list), _("Checked in at"),
             checked_in != NULL ? checked_in : _("Not checked in"));
  if (break_until != NULL)
    add_field (GTK_LIST_BOX (list), _("On a break until"), break_until);
  if (cancelled != NULL)
    add_field (GTK_LIST_BOX (list), _("Cancelled on"), cancelled);
  add_field (GTK_LIST_BOX (list), _("No-show"),
             no_show ? _("Yes: the patron did not come") : _("No"));
  gtk_box_append (GTK_BOX (box), list);

  /* The same actions as the row's, for the same state. */
  if (g_strcmp0 (status, "booked") == 0)
    {
      g_autofree char *check_in_label = g_strdup_printf (_("Check in %s at %s"), patron,
                                                         resource);
      g_autofree char *cancel_label = g_strdup_printf (_("Cancel the booking of %s at %s"),
                                                       patron, resource);
      GtkWidget *check_in = act_button (GTK_WINDOW (window), _("Check _In"), check_in_label,
                                        atrium_today_page_check_in);
      GtkWidget *cancel = act_button (GTK_WINDOW (window), _("C_ancel Booking"), cancel_label,
                                      atrium_today_page_cancel);
      GtkWidget *actions = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

      gtk_widget_add_css_class (check_in, "suggested-action");
      gtk_widget_add_css_class (cancel, "destructive-action");
      gtk_widget_set_halign (actions, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (actions), check_in);
      gtk_box_append (GTK_BOX (actions), cancel);
      gtk_box_append (GTK_BOX (box), actions);
    }
  return GTK_WINDOW (window);
}
