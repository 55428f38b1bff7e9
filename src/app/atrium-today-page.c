/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-today-page.h"

#include <adwaita.h>
#include <inttypes.h>
#include <glib/gi18n.h>

#include "atrium-book-for-dialog.h"
#include "atrium-booking-details.h"
#include "atrium-live-bookings.h"
#include "atrium-ui-text.h"
#include "atrium-widget.h"
#include "atrium-window.h"

/* ---- one booking, as the table shows it ---------------------------------------------- */

struct _AtriumBookingItem
{
  GObject  parent_instance;

  gint64   id;
  char    *start;      /* RFC 3339, sorts as time */
  char    *time;       /* "09:00–10:00" local */
  char    *resource;
  char    *patron;
  char    *status;     /* the server's word */
  char    *status_text;
  char    *code;       /* the check-in code */
  JsonObject *booking; /* everything the server said, for the details */
};

G_DEFINE_FINAL_TYPE (AtriumBookingItem, atrium_booking_item, G_TYPE_OBJECT)

enum
{
  ITEM_PROP_0,
  ITEM_PROP_START,
  ITEM_PROP_TIME,
  ITEM_PROP_RESOURCE,
  ITEM_PROP_PATRON,
  ITEM_PROP_STATUS_TEXT,
  N_ITEM_PROPS
};

static GParamSpec *item_properties[N_ITEM_PROPS];

static void
atrium_booking_item_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AtriumBookingItem *self = ATRIUM_BOOKING_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_START: g_value_set_string (value, self->start); break;
    case ITEM_PROP_TIME: g_value_set_string (value, self->time); break;
    case ITEM_PROP_RESOURCE: g_value_set_string (value, self->resource); break;
    case ITEM_PROP_PATRON: g_value_set_string (value, self->patron); break;
    case ITEM_PROP_STATUS_TEXT: g_value_set_string (value, self->status_text); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_booking_item_finalize (GObject *object)
{
  AtriumBookingItem *self = ATRIUM_BOOKING_ITEM (object);

  g_free (self->start);
  g_free (self->time);
  g_free (self->resource);
  g_free (self->patron);
  g_free (self->status);
  g_free (self->status_text);
  g_free (self->code);
  g_clear_pointer (&self->booking, json_object_unref);
  G_OBJECT_CLASS (atrium_booking_item_parent_class)->finalize (object);
}

static void
atrium_booking_item_class_init (AtriumBookingItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const char *names[] = { NULL, "start", "time", "resource", "patron", "status-text" };

  object_class->get_property = atrium_booking_item_get_property;
  object_class->finalize = atrium_booking_item_finalize;
  for (guint i = 1; i < N_ITEM_PROPS; i++)
    item_properties[i] = g_param_spec_string (names[i], NULL, NULL, NULL,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_ITEM_PROPS, item_properties);
}

static void
atrium_booking_item_init (AtriumBookingItem *self)
{
}

static AtriumBookingItem *
atrium_booking_item_new (JsonObject *booking)
{
  AtriumBookingItem *self = g_object_new (ATRIUM_TYPE_BOOKING_ITEM, NULL);
  const char *start = json_object_get_string_member_with_default (booking, "start", "");
  const char *end = json_object_get_string_member_with_default (booking, "end", "");
  g_autofree char *from = atrium_ui_time_of_day (start);
  g_autofree char *to = atrium_ui_time_of_day (end);

  self->id = json_object_get_int_member_with_default (booking, "id", 0);
  self->start = g_strdup (start);
  self->time = g_strdup_printf ("%s–%s", from != NULL ? from : "?", to != NULL ? to : "?");
  self->resource = g_strdup (json_object_get_string_member_with_default (booking,
                                                                         "resource_name", ""));
  self->patron = g_strdup (json_object_get_string_member_with_default (booking, "username",
                                                                       ""));
  self->status = g_strdup (json_object_get_string_member_with_default (booking, "status", ""));
  self->status_text = g_strdup (atrium_ui_booking_status (self->status));
  self->code = g_strdup (json_object_get_string_member_with_default (booking, "checkin_code",
                                                                     NULL));
  self->booking = json_object_ref (booking);
  return self;
}

gint64
atrium_booking_item_get_id (AtriumBookingItem *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOKING_ITEM (self), 0);
  return self->id;
}

const char *
atrium_booking_item_get_status (AtriumBookingItem *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOKING_ITEM (self), NULL);
  return self->status;
}

const char *
atrium_booking_item_get_patron (AtriumBookingItem *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOKING_ITEM (self), NULL);
  return self->patron;
}

JsonObject *
atrium_booking_item_get_booking (AtriumBookingItem *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOKING_ITEM (self), NULL);
  return self->booking;
}

/* ---- the page --------------------------------------------------------------------- */

static const char *status_filters[] = { NULL, "booked", "checked_in", "break", "no_show",
                                        "cancelled" };

struct _AtriumTodayPage
{
  GtkWidget        parent_instance;

  AtriumApi       *api;
  AtriumLiveClient *live;         /* nullable: the list is then read on demand only */
  AtriumLiveBookings *bookings;   /* the site shown, followed live */
  gulong           bookings_changed_id;
  gulong           loading_id;
  GArray          *site_ids;      /* gint64, in the drop-down's order */
  GCancellable    *cancellable;
  GListStore      *store;
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  JsonArray       *resources;     /* of the site shown: its places and their rooms */

  GtkDropDown     *site_dropdown;
  GtkSearchEntry  *search_entry;
  GtkDropDown     *status_dropdown;
  GtkColumnView   *column_view;
  GtkLabel        *summary_label;
  GtkButton       *book_for_button;
};

G_DEFINE_FINAL_TYPE (AtriumTodayPage, atrium_today_page, GTK_TYPE_WIDGET)

static gboolean
contains_folded (const char *haystack,
                 const char *needle)
{
  g_autofree char *folded = g_utf8_casefold (haystack != NULL ? haystack : "", -1);

  return strstr (folded, needle) != NULL;
}

static gboolean
item_shown (gpointer item,
            gpointer user_data)
{
  AtriumTodayPage *self = user_data;
  AtriumBookingItem *booking = item;
  guint status = gtk_drop_down_get_selected (self->status_dropdown);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (status != GTK_INVALID_LIST_POSITION && status > 0 &&
      status < G_N_ELEMENTS (status_filters) &&
      g_strcmp0 (booking->status, status_filters[status]) != 0)
    return FALSE;
  if (text != NULL && *text != '\0')
    {
      g_autofree char *needle = g_utf8_casefold (text, -1);

      return contains_folded (booking->patron, needle) ||
             contains_folded (booking->resource, needle);
    }
  return TRUE;
}

/* GTK 4.8 does not tell assistive technologies when a label's text changes; its
 * accessible label is set along with it, which it does announce. */
static void
set_summary (AtriumTodayPage *self,
             const char      *text)
{
  gtk_label_set_text (self->summary_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->summary_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
update_summary (AtriumTodayPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint checked = 0, no_shows = 0;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AtriumBookingItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      checked += g_strcmp0 (item->status, "checked_in") == 0 ||
                 g_strcmp0 (item->status, "break") == 0;
      no_shows += g_strcmp0 (item->status, "no_show") == 0;
    }
  /* TRANSLATORS: the day's bookings, then how many were checked in and not honoured */
  text = g_strdup_printf (ngettext ("%u booking today · %u checked in · %u no-shows",
                                    "%u bookings today · %u checked in · %u no-shows", n),
                          n, checked, no_shows);
  set_summary (self, text);
}

static void
filters_changed (AtriumTodayPage *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* A booking of the live list changed in place (a live message, a fetch): its row is
 * made again, since a column view binds a row once. */
static void
booking_notified (AtriumLiveBooking *booking,
                  GParamSpec        *pspec,
                  AtriumTodayPage   *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AtriumBookingItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (item->id == atrium_live_booking_get_id (booking))
        {
          g_autoptr(AtriumBookingItem) again =
            atrium_booking_item_new (atrium_live_booking_get_object (booking));

          g_list_store_splice (self->store, i, 1, (gpointer *) &again, 1);
          break;
        }
    }
  update_summary (self);
}

/* The live list's span @position.. replaced by @added of its items, each followed. */
static void
bookings_changed (GListModel      *model,
                  guint            position,
                  guint            removed,
                  guint            added,
                  AtriumTodayPage *self)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(AtriumLiveBooking) booking = g_list_model_get_item (model, i);

      /* once, though a fetch may report a kept booking again */
      g_signal_handlers_disconnect_by_func (booking, booking_notified, self);
      g_signal_connect_object (booking, "notify", G_CALLBACK (booking_notified), self, 0);
      g_ptr_array_add (items, atrium_booking_item_new (atrium_live_booking_get_object (booking)));
    }
  g_list_store_splice (self->store, position, removed, items->pdata, items->len);
  update_summary (self);
}

/* A fetch over: the day's figures, or why the list could not be read. */
static void
loading_changed (AtriumLiveBookings *bookings,
                 GParamSpec         *pspec,
                 AtriumTodayPage    *self)
{
  const GError *error = atrium_live_bookings_get_error (bookings);

  if (atrium_live_bookings_get_loading (bookings))
    return;
  if (error != NULL)
    {
      g_autofree char *text = atrium_ui_error_text (error);

      set_summary (self, text);
    }
  else
    update_summary (self);
}

/* The live list of @site, or none. */
static void
follow_site (AtriumTodayPage *self,
             gint64           site)
{
  if (self->bookings != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->bookings));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GObject) booking = g_list_model_get_item (G_LIST_MODEL (self->bookings), i);

          g_signal_handlers_disconnect_by_data (booking, self);
        }
      g_clear_signal_handler (&self->bookings_changed_id, self->bookings);
      g_clear_signal_handler (&self->loading_id, self->bookings);
      g_clear_object (&self->bookings);
    }
  if (self->store != NULL)
    g_list_store_remove_all (self->store);
  if (self->api == NULL || site <= 0)
    return;
  self->bookings = atrium_live_bookings_new (self->api, self->live, site);
  self->bookings_changed_id = g_signal_connect (self->bookings, "items-changed",
                                                G_CALLBACK (bookings_changed), self);
  self->loading_id = g_signal_connect (self->bookings, "notify::loading",
                                       G_CALLBACK (loading_changed), self);
}

static gint64
selected_site (AtriumTodayPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->site_dropdown);

  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->site_ids->len)
    return 0;
  return g_array_index (self->site_ids, gint64, selected);
}

void
atrium_today_page_refresh (AtriumTodayPage *self)
{
  g_return_if_fail (ATRIUM_IS_TODAY_PAGE (self));

  if (self->bookings != NULL)
    atrium_live_bookings_refresh (self->bookings);
}

/* A staff action's answer: its error, or @done said and the list read again. */
static void
action_done (AtriumTodayPage *self,
             GObject         *source,
             GAsyncResult    *result,
             const char      *done)
{
  g_autoptr(JsonNode) answer = atrium_toast_document_finish (self, source, result);

  if (answer == NULL)
    return;
  atrium_toast (GTK_WIDGET (self), done);
  atrium_today_page_refresh (self);
}

static void
checked_in (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  action_done (user_data, source, result, _("Checked in"));
}

void
atrium_today_page_check_in (AtriumTodayPage   *self,
                            AtriumBookingItem *item)
{
  g_return_if_fail (ATRIUM_IS_TODAY_PAGE (self));
  g_return_if_fail (ATRIUM_IS_BOOKING_ITEM (item));

  if (item->code == NULL)
    {
      atrium_toast (GTK_WIDGET (self), _("This booking has no check-in code."));
      return;
    }
  /* Staff check in with the booking's own signed code, as the kiosk does. */
  atrium_api_checkin_async (self->api, item->code, self->cancellable, checked_in, self);
}

static void
cancelled (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  action_done (user_data, source, result, _("Booking cancelled"));
}

void
atrium_today_page_cancel (AtriumTodayPage   *self,
                          AtriumBookingItem *item)
{
  g_return_if_fail (ATRIUM_IS_TODAY_PAGE (self));
  g_return_if_fail (ATRIUM_IS_BOOKING_ITEM (item));

  /* The server tells the patron by email. */
  atrium_api_cancel_booking_async (self->api, item->id, self->cancellable, cancelled, self);
}

/* The booking of the row that holds @button, or NULL. */
static AtriumBookingItem *
button_item (GtkButton *button)
{
  GtkListItem *list_item = g_object_get_data (G_OBJECT (button), "list-item");

  return list_item != NULL ? gtk_list_item_get_item (list_item) : NULL;
}

static void
check_in_clicked (GtkButton       *button,
                  AtriumTodayPage *self)
{
  AtriumBookingItem *item = button_item (button);

  if (item != NULL)
    atrium_today_page_check_in (self, item);
}

/* ---- details and booking for a patron ----------------------------------------------- */

static const char *
selected_site_name (AtriumTodayPage *self)
{
  GObject *item = gtk_drop_down_get_selected_item (self->site_dropdown);

  return GTK_IS_STRING_OBJECT (item) ? gtk_string_object_get_string (GTK_STRING_OBJECT (item))
                                     : NULL;
}

/* The name of the room that holds @resource_id, from the site's resources. */
static const char *
space_name (AtriumTodayPage *self,
            gint64           resource_id)
{
  for (guint i = 0; self->resources != NULL && i < json_array_get_length (self->resources); i++)
    {
      JsonObject *resource = json_array_get_object_element (self->resources, i);
      JsonObject *space;

      if (resource == NULL || json_object_get_int_member_with_default (resource, "id", 0) !=
                              resource_id)
        continue;
      space = json_object_get_object_member (resource, "space");
      return space != NULL ? json_object_get_string_member_with_default (space, "name", NULL)
                           : NULL;
    }
  return NULL;
}

GtkWindow *
atrium_today_page_show_details (AtriumTodayPage   *self,
                                AtriumBookingItem *item)
{
  GtkWindow *window;

  g_return_val_if_fail (ATRIUM_IS_TODAY_PAGE (self), NULL);
  g_return_val_if_fail (ATRIUM_IS_BOOKING_ITEM (item), NULL);

  window = atrium_booking_details_new (self, item, selected_site_name (self),
                                       space_name (self, json_object_get_int_member_with_default (
                                                     item->booking, "resource_id", 0)));
  gtk_window_present (window);
  return window;
}

GtkWindow *
atrium_today_page_book_for (AtriumTodayPage *self)
{
  GtkWindow *window;

  g_return_val_if_fail (ATRIUM_IS_TODAY_PAGE (self), NULL);

  if (self->api == NULL || self->resources == NULL)
    return NULL;
  window = GTK_WINDOW (atrium_book_for_dialog_new (self, self->api, selected_site_name (self),
                                                   self->resources));
  gtk_window_present (window);
  return window;
}

static void
book_for_clicked (AtriumTodayPage *self)
{
  atrium_today_page_book_for (self);
}

static void
row_activated (GtkColumnView   *view,
               guint            position,
               AtriumTodayPage *self)
{
  g_autoptr(AtriumBookingItem) item = g_list_model_get_item (
    G_LIST_MODEL (gtk_column_view_get_model (view)), position);

  if (item != NULL)
    atrium_today_page_show_details (self, item);
}

static void
details_clicked (GtkButton       *button,
                 AtriumTodayPage *self)
{
  AtriumBookingItem *item = button_item (button);

  if (item != NULL)
    atrium_today_page_show_details (self, item);
}

/* ---- columns ---------------------------------------------------------------------- */

static void
setup_label (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (list_item, label);
}

static void
bind_label (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  g_autofree char *text = NULL;

  g_object_get (gtk_list_item_get_item (list_item), user_data, &text, NULL);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)), text);
}

static void
cancel_clicked (GtkButton       *button,
                AtriumTodayPage *self)
{
  AtriumBookingItem *item = button_item (button);

  if (item != NULL)
    atrium_today_page_cancel (self, item);
}

static GtkWidget *
action_button (GtkListItem     *list_item,
               const char      *label,
               GCallback        callback,
               AtriumTodayPage *self)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_add_css_class (button, "flat");
  g_object_set_data (G_OBJECT (button), "list-item", list_item);
  g_signal_connect (button, "clicked", callback, self);
  return button;
}

/* The buttons of a row (those of @list_item; of none for a measure). */
static GtkWidget *
action_box (GtkListItem     *list_item,
            AtriumTodayPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *cancel;

  gtk_box_append (GTK_BOX (box), action_button (list_item, _("_Details"),
                                                G_CALLBACK (details_clicked), self));
  gtk_box_append (GTK_BOX (box), action_button (list_item, _("Check _In"),
                                                G_CALLBACK (check_in_clicked), self));
  cancel = action_button (list_item, _("C_ancel"), G_CALLBACK (cancel_clicked), self);
  gtk_widget_add_css_class (cancel, "error");
  gtk_box_append (GTK_BOX (box), cancel);
  return box;
}

static void
setup_action (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              AtriumTodayPage          *self)
{
  gtk_list_item_set_child (list_item, action_box (list_item, self));
}

static void
bind_action (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             AtriumTodayPage          *self)
{
  AtriumBookingItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *details = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));
  GtkWidget *check_in = gtk_widget_get_next_sibling (details);
  GtkWidget *cancel = gtk_widget_get_next_sibling (check_in);
  gboolean booked = g_strcmp0 (item->status, "booked") == 0;
  g_autofree char *check_in_label = g_strdup_printf (_("Check in %s at %s"), item->patron,
                                                     item->resource);
  g_autofree char *cancel_label = g_strdup_printf (_("Cancel the booking of %s at %s"),
                                                   item->patron, item->resource);
  g_autofree char *details_label = g_strdup_printf (_("Details of the booking of %s at %s"),
                                                    item->patron, item->resource);

  gtk_widget_set_visible (check_in, booked);
  gtk_widget_set_visible (cancel, booked);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check_in), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  check_in_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (cancel), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  cancel_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (details), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  details_label, -1);
}

static void
add_text_column (AtriumTodayPage *self,
                 const char      *title,
                 const char      *property,
                 gboolean         expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;
  GtkSorter *sorter;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_label), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_label), (gpointer) property);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  sorter = GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (
    ATRIUM_TYPE_BOOKING_ITEM, NULL, property)));
  gtk_column_view_column_set_sorter (column, sorter);
  g_object_unref (sorter);
  gtk_column_view_append_column (self->column_view, column);
  g_object_unref (column);
}

static int
action_width (AtriumTodayPage *self)
{
  GtkWidget *box = g_object_ref_sink (action_box (NULL, self));
  int width = 0;

  gtk_widget_measure (box, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &width, NULL, NULL);
  g_object_unref (box);
  /* and the cell's padding */
  return width + 24;
}

static void
build_columns (AtriumTodayPage *self)
{
  GtkListItemFactory *factory;
  GtkColumnViewColumn *column;
  g_autoptr(GtkSortListModel) sorted = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;

  add_text_column (self, _("Time"), "time", FALSE);
  add_text_column (self, _("Place"), "resource", TRUE);
  add_text_column (self, _("Patron"), "patron", TRUE);
  add_text_column (self, _("Status"), "status-text", FALSE);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_action), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_action), self);
  column = gtk_column_view_column_new (_("Action"), factory);
  /* GTK 4.8 sizes a column by the cells it first measures and keeps that width when the
   * rows that come later are wider: this one is as wide as all its buttons. */
  gtk_column_view_column_set_fixed_width (column, action_width (self));
  gtk_column_view_append_column (self->column_view, column);
  g_object_unref (column);

  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                                              g_object_ref (GTK_FILTER (self->filter)));
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filtered)),
                                    g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (sorted)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
  /* Earliest first until the user sorts otherwise. */
  column = g_list_model_get_item (gtk_column_view_get_columns (self->column_view), 0);
  gtk_column_view_sort_by_column (self->column_view, column, GTK_SORT_ASCENDING);
  g_object_unref (column);
}

/* The site's resources: the rooms of the details, the places to book for a patron. */
static void
resources_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AtriumTodayPage *self = user_data;
  g_autoptr(JsonNode) document = atrium_toast_document_finish (self, source, result);
  JsonArray *resources;

  if (document == NULL)
    return;
  resources = json_object_get_array_member (json_node_get_object (document), "resources");
  g_clear_pointer (&self->resources, json_array_unref);
  self->resources = json_array_ref (resources);
  gtk_widget_set_sensitive (GTK_WIDGET (self->book_for_button), TRUE);
}

static void
site_changed (AtriumTodayPage *self)
{
  g_autoptr(GHashTable) query = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  gint64 site = selected_site (self);

  g_clear_pointer (&self->resources, json_array_unref);
  gtk_widget_set_sensitive (GTK_WIDGET (self->book_for_button), FALSE);
  follow_site (self, site);
  if (self->api == NULL || site <= 0)
    return;
  g_hash_table_insert (query, "site", g_strdup_printf ("%" G_GINT64_FORMAT, site));
  atrium_api_search_resources_async (self->api, query, self->cancellable, resources_read, self);
}

/* The drop-down names the user's sites as GET /sites does. */
static void
sites_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumTodayPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = atrium_api_document_finish (ATRIUM_API (source), result,
                                                             &error);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  JsonArray *sites = NULL;

  if (document == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (document != NULL)
    sites = json_object_get_array_member (json_node_get_object (document), "sites");
  for (guint i = 0; i < self->site_ids->len; i++)
    {
      gint64 id = g_array_index (self->site_ids, gint64, i);
      g_autofree char *name = g_strdup_printf (_("Site %" PRId64), id);

      for (guint j = 0; sites != NULL && j < json_array_get_length (sites); j++)
        {
          JsonObject *site = json_array_get_object_element (sites, j);

          if (site != NULL && json_object_get_int_member_with_default (site, "id", 0) == id)
            {
              g_free (name);
              name = g_strdup (json_object_get_string_member_with_default (site, "name", ""));
            }
        }
      gtk_string_list_append (names, name);
    }
  g_signal_handlers_block_by_func (self->site_dropdown, site_changed, self);
  gtk_drop_down_set_model (self->site_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->site_dropdown, 0);
  g_signal_handlers_unblock_by_func (self->site_dropdown, site_changed, self);
  gtk_widget_set_visible (GTK_WIDGET (self->site_dropdown), self->site_ids->len > 1);
  site_changed (self);
}

void
atrium_today_page_set_data (AtriumTodayPage *self,
                            AtriumApi       *api,
                            AtriumLiveClient *live,
                            const gint64    *sites,
                            guint            n_sites)
{
  g_return_if_fail (ATRIUM_IS_TODAY_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_set_object (&self->api, api);
  g_set_object (&self->live, live);
  g_array_set_size (self->site_ids, 0);
  g_array_append_vals (self->site_ids, sites, n_sites);
  follow_site (self, 0);
  atrium_api_get_sites_async (api, self->cancellable, sites_read, self);
}

/* Signed out, or no longer staff: the page lets go of the site's live list and the
 * account's API, and shows nothing until atrium_today_page_set_data(). */
void
atrium_today_page_clear (AtriumTodayPage *self)
{
  g_return_if_fail (ATRIUM_IS_TODAY_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_object (&self->api);
  g_clear_object (&self->live);
  follow_site (self, 0);
}

GListModel *
atrium_today_page_get_model (AtriumTodayPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_TODAY_PAGE (self), NULL);
  return G_LIST_MODEL (self->filtered);
}

static void
atrium_today_page_dispose (GObject *object)
{
  AtriumTodayPage *self = ATRIUM_TODAY_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  follow_site (self, 0);
  atrium_widget_dispose_children (GTK_WIDGET (self), ATRIUM_TYPE_TODAY_PAGE);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);
  g_clear_object (&self->api);
  g_clear_object (&self->live);
  g_clear_pointer (&self->resources, json_array_unref);
  g_clear_pointer (&self->site_ids, g_array_unref);
  G_OBJECT_CLASS (atrium_today_page_parent_class)->dispose (object);
}

static void
atrium_today_page_class_init (AtriumTodayPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_today_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-today-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumTodayPage, site_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AtriumTodayPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, AtriumTodayPage, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AtriumTodayPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, AtriumTodayPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumTodayPage, book_for_button);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed);
  gtk_widget_class_bind_template_callback (widget_class, site_changed);
  gtk_widget_class_bind_template_callback (widget_class, atrium_today_page_refresh);
  gtk_widget_class_bind_template_callback (widget_class, book_for_clicked);
  gtk_widget_class_bind_template_callback (widget_class, row_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
atrium_today_page_init (AtriumTodayPage *self)
{
  g_autoptr(GtkStringList) statuses = gtk_string_list_new (NULL);

  self->store = g_list_store_new (ATRIUM_TYPE_BOOKING_ITEM);
  self->site_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->filter = gtk_custom_filter_new (item_shown, self, NULL);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_string_list_append (statuses, _("All"));
  for (guint i = 1; i < G_N_ELEMENTS (status_filters); i++)
    gtk_string_list_append (statuses, atrium_ui_booking_status (status_filters[i]));
  gtk_drop_down_set_model (self->status_dropdown, G_LIST_MODEL (statuses));
  build_columns (self);
}

GtkWidget *
atrium_today_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_TODAY_PAGE, NULL);
}
