/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-bookings-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "atrium-app-cache.h"
#include "atrium-booking-ics.h"
#include "atrium-booking-times.h"
#include "atrium-qr.h"
#include "atrium-ui-text.h"
#include "atrium-widget.h"
#include "atrium-window.h"

static const char *types[] = { "seat", "room", "equipment" };

struct _AtriumBookingsPage
{
  GtkWidget     parent_instance;

  AtriumApi    *api;
  GCancellable *cancellable;
  GCancellable *outbox_cancellable;   /* what runs on the outbox: ends with it */
  AtriumOutbox *outbox;        /* nullable: what was done offline, until sent */
  GPtrArray    *pending;       /* its queued AtriumOutboxItem, as last read */
  gboolean      flushing;
  gboolean      flush_stopped; /* the last send stopped short: wait for the live feed */
  AtriumCache  *cache;         /* nullable: the user's, where each list read is kept */
  JsonArray    *mine;          /* the last list of "my bookings" */
  GPtrArray    *mine_rows;
  GPtrArray    *result_rows;
  char         *free_from;     /* of the last search, to book what it found */
  char         *free_to;
  GtkFileChooserNative *chooser;   /* "Add to Calendar", asking where */
  JsonObject   *chooser_booking;
  char         *calendar_message;  /* what the last "Add to Calendar" said */

  GtkListBox   *mine_list;
  AdwComboRow  *type_row;
  AdwComboRow  *day_row;
  AdwComboRow  *start_row;
  AdwComboRow  *length_row;
  GtkSwitch    *quiet_switch;
  GtkSwitch    *power_switch;
  GtkSwitch    *accessible_switch;
  GtkButton    *find_button;
  AdwPreferencesGroup *results_group;
  GtkListBox   *results_list;
};

G_DEFINE_FINAL_TYPE (AtriumBookingsPage, atrium_bookings_page, GTK_TYPE_WIDGET)

static void
clear_rows (GtkListBox *list,
            GPtrArray  *rows)
{
  for (guint i = 0; i < rows->len; i++)
    gtk_list_box_remove (list, rows->pdata[i]);
  g_ptr_array_set_size (rows, 0);
}

static void
toast_error (AtriumBookingsPage *self,
             const GError       *error)
{
  g_autofree char *text = atrium_ui_error_text (error);

  atrium_toast (GTK_WIDGET (self), text);
}

typedef GtkWidget *(*RowFunc) (AtriumBookingsPage *self,
                                JsonObject         *object);

/* @list shows a row per object of @array (at most @max), or one saying there is none. */
static void
fill_rows (AtriumBookingsPage *self,
           GtkListBox         *list,
           GPtrArray          *rows,
           JsonArray          *array,
           guint               max,
           RowFunc             make_row,
           const char         *empty_title,
           const char         *empty_subtitle)
{
  clear_rows (list, rows);
  for (guint i = 0; array != NULL && i < json_array_get_length (array) && rows->len < max; i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (object != NULL)
        g_ptr_array_add (rows, make_row (self, object));
    }
  if (rows->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), empty_title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), empty_subtitle);
      g_ptr_array_add (rows, row);
    }
  for (guint i = 0; i < rows->len; i++)
    gtk_list_box_append (list, rows->pdata[i]);
}

/* ---- the check-in code ------------------------------------------------------------- */

static void
show_code (GtkButton          *button,
           AtriumBookingsPage *self)
{
  JsonObject *booking = g_object_get_data (G_OBJECT (button), "booking");
  const char *code = json_object_get_string_member_with_default (booking, "checkin_code", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *when = NULL;

  if (code == NULL)
    {
      atrium_toast (GTK_WIDGET (self), _("This booking has no check-in code."));
      return;
    }
  when = atrium_ui_interval (json_object_get_string_member_with_default (booking, "start", NULL),
                             json_object_get_string_member_with_default (booking, "end", NULL));
  if (!atrium_qr_show (GTK_WIDGET (self), _("Check-In Code"),
                       json_object_get_string_member_with_default (booking, "resource_name", ""),
                       when, code, _("QR code to show at the kiosk"),
                       _("Hold it up to the kiosk’s camera. It works even when the kiosk is "
                         "offline. Check-in opens 15 minutes before the start."), &error))
    atrium_toast (GTK_WIDGET (self), error->message);
}

/* ---- add to calendar --------------------------------------------------------------- */

static void
calendar_said (AtriumBookingsPage *self,
               char               *message)
{
  g_free (self->calendar_message);
  self->calendar_message = message;
  atrium_toast (GTK_WIDGET (self), message);
}

static char *
calendar_failure (const GError *error)
{
  g_autofree char *why = atrium_ui_error_text (error);

  /* TRANSLATORS: %s is the reason, a sentence */
  return g_strdup_printf (_("The calendar file was not saved. %s"), why);
}

static void
calendar_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(AtriumBookingsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        calendar_said (self, calendar_failure (error));
      return;
    }
  name = g_file_get_basename (G_FILE (source));
  /* TRANSLATORS: %s is a file name, "atrium-booking-12.ics" */
  calendar_said (self, g_strdup_printf (_("Saved %s: open it to add the booking to your "
                                          "calendar."), name));
}

/* My booking @booking_id's row's booking, or NULL. */
static JsonObject *
my_booking (AtriumBookingsPage *self,
            gint64              booking_id)
{
  for (guint i = 0; i < self->mine_rows->len; i++)
    {
      JsonObject *booking = g_object_get_data (self->mine_rows->pdata[i], "booking");

      if (booking != NULL && json_object_get_int_member_with_default (booking, "id", 0) ==
                               booking_id)
        return booking;
    }
  return NULL;
}

void
atrium_bookings_page_save_calendar (AtriumBookingsPage *self,
                                    gint64              booking_id,
                                    GFile              *file)
{
  g_autoptr(GError) error = NULL;
  JsonObject *booking;
  char *text = NULL;

  g_return_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  g_clear_pointer (&self->calendar_message, g_free);
  booking = my_booking (self, booking_id);
  if (booking == NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         _("This booking is no longer in your list."));
  else
    text = atrium_booking_ics_new (booking, self->api != NULL
                                            ? atrium_api_get_base_url (self->api) : NULL,
                                   g_get_real_time () / G_USEC_PER_SEC, &error);
  if (text == NULL)
    {
      calendar_said (self, calendar_failure (error));
      return;
    }
  /* Through a temporary file beside it: a failure leaves @file as it was. */
  g_file_replace_contents_bytes_async (file, g_bytes_new_take (text, strlen (text)), NULL,
                                       FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, calendar_saved, g_object_ref (self));
}

const char *
atrium_bookings_page_get_calendar_message (AtriumBookingsPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self), NULL);
  return self->calendar_message;
}

static void
calendar_response (AtriumBookingsPage *self,
                   int                 response)
{
  g_autoptr(GFile) file = atrium_widget_chosen_file (self->chooser, response);
  g_autoptr(JsonObject) booking = g_steal_pointer (&self->chooser_booking);

  atrium_widget_close_chooser (&self->chooser, self);
  if (file != NULL)
    atrium_bookings_page_save_calendar (self, json_object_get_int_member_with_default (
                                          booking, "id", 0), file);
}

static void
calendar_clicked (GtkButton          *button,
                  AtriumBookingsPage *self)
{
  JsonObject *booking = g_object_get_data (G_OBJECT (button), "booking");
  g_autofree char *name = atrium_booking_ics_file_name (booking);

  if (self->chooser != NULL || name == NULL)
    return;
  self->chooser_booking = json_object_ref (booking);
  self->chooser = atrium_widget_save_chooser (GTK_WIDGET (self), _("Add to Calendar"), name,
                                              G_CALLBACK (calendar_response), self);
}

/* ---- my bookings ------------------------------------------------------------------- */

static GtkWidget *booking_row (AtriumBookingsPage *self,
                               JsonObject         *booking);

static void
show_mine (AtriumBookingsPage *self)
{
  if (self->mine == NULL)
    return;
  fill_rows (self, self->mine_list, self->mine_rows, self->mine, G_MAXUINT, booking_row,
             _("No bookings yet"), _("Find something free below and book it."));
}

/* The queued cancellation of booking @id, if one waits in the outbox. */
static gboolean
cancel_pending (AtriumBookingsPage *self,
                gint64              id)
{
  for (guint i = 0; self->pending != NULL && i < self->pending->len; i++)
    {
      AtriumOutboxItem *item = g_ptr_array_index (self->pending, i);

      if (item->kind == ATRIUM_OUTBOX_CANCEL &&
          json_object_get_int_member_with_default (json_node_get_object (item->request),
                                                   "booking_id", 0) == id)
        return TRUE;
    }
  return FALSE;
}

/* The outbox's items listed, or NULL after a warning (none when cancelled). */
static GPtrArray *
items_finish (GObject      *source,
              GAsyncResult *result,
              const char   *what)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *items = atrium_outbox_list_finish (ATRIUM_OUTBOX (source), result, &error);

  if (items == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("The %s cannot be read: %s", what, error->message);
  return items;
}

static void
pending_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AtriumBookingsPage) self = user_data;
  GPtrArray *items = items_finish (source, result, "actions kept offline");

  if (items == NULL)
    return;
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  self->pending = items;
  show_mine (self);
}

static void
read_pending (AtriumBookingsPage *self)
{
  if (self->outbox != NULL)
    atrium_outbox_list_async (self->outbox, FALSE, self->outbox_cancellable, pending_read,
                              g_object_ref (self));
}

static void
refusal_dismissed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!atrium_outbox_dismiss_failed_finish (ATRIUM_OUTBOX (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("A refused cancellation stays in the outbox: %s", error->message);
}

/* The name of booking @id in the last list read, or NULL. */
static const char *
mine_name (AtriumBookingsPage *self,
           gint64              id)
{
  for (guint i = 0; self->mine != NULL && i < json_array_get_length (self->mine); i++)
    {
      JsonObject *booking = json_array_get_object_element (self->mine, i);

      if (booking != NULL && json_object_get_int_member_with_default (booking, "id", 0) == id)
        return json_object_get_string_member_with_default (booking, "resource_name", NULL);
    }
  return NULL;
}

/* What the server refused of the cancellations sent from the outbox: told once each
 * (the booking and why), then dropped from the outbox's failed list. */
static void
refusals_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(AtriumBookingsPage) self = user_data;
  g_autoptr(GPtrArray) items = items_finish (source, result, "refused actions");

  if (items == NULL)
    return;
  for (guint i = 0; i < items->len; i++)
    {
      AtriumOutboxItem *item = g_ptr_array_index (items, i);
      gint64 id;
      const char *name;
      g_autoptr(GError) reason = NULL;
      g_autofree char *why = NULL;
      g_autofree char *text = NULL;

      if (item->kind != ATRIUM_OUTBOX_CANCEL)
        continue;
      id = json_object_get_int_member_with_default (json_node_get_object (item->request),
                                                    "booking_id", 0);
      name = mine_name (self, id);
      reason = g_error_new_literal (ATRIUM_API_ERROR, item->error_code,
                                    item->message != NULL ? item->message : "");
      /* The server's code says more than the status (409) alone. */
      why = g_strcmp0 (item->server_code, "not_cancellable") == 0
            ? g_strdup (_("it was checked in, released or ended meanwhile."))
            : atrium_ui_error_text (reason);
      if (name != NULL)
        /* TRANSLATORS: %s: a place (“Seat 12”); then why the server refused */
        text = g_strdup_printf (_("Your booking of %s was not cancelled: %s"), name, why);
      else
        {
          /* A number, as text: gettext cannot read a format macro inside a string. */
          g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, id);

          /* TRANSLATORS: %s: a booking's number; then why the server refused */
          text = g_strdup_printf (_("Booking %s was not cancelled: %s"), number, why);
        }
      atrium_toast (GTK_WIDGET (self), text);
      atrium_outbox_dismiss_failed_async (ATRIUM_OUTBOX (source), item->id,
                                          self->outbox_cancellable, refusal_dismissed, NULL);
    }
}

static void
flushed (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(AtriumBookingsPage) self = user_data;
  g_autoptr(GError) error = NULL;

  self->flush_stopped = FALSE;
  if (!atrium_outbox_flush_finish (ATRIUM_OUTBOX (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("Actions kept offline wait still: %s", error->message);
      /* Not again at the next read (that would repeat a server's error in a loop). */
      self->flush_stopped = TRUE;
    }
  self->flushing = FALSE;
  /* Sent or refused: the list says what each became, the refusals are told. */
  atrium_outbox_list_async (ATRIUM_OUTBOX (source), TRUE, self->outbox_cancellable, refusals_read,
                            g_object_ref (self));
  read_pending (self);
  atrium_bookings_page_refresh (self);
}

static void
send_pending (AtriumBookingsPage *self)
{
  if (self->outbox == NULL || self->api == NULL || self->flushing ||
      atrium_outbox_get_queued (self->outbox) == 0)
    return;
  self->flushing = TRUE;
  atrium_outbox_flush_async (self->outbox, self->api, self->outbox_cancellable, flushed,
                             g_object_ref (self));
}

void
atrium_bookings_page_send_pending (AtriumBookingsPage *self)
{
  g_return_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self));

  self->flush_stopped = FALSE;
  send_pending (self);
}

/* A cancellation neither made nor kept: why, and its row as it was (Cancel again). */
static void
refused (AtriumBookingsPage *self,
         const char         *text)
{
  atrium_toast (GTK_WIDGET (self), text);
  show_mine (self);
}

static void
cancel_kept (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(AtriumBookingsPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (atrium_outbox_enqueue_finish (ATRIUM_OUTBOX (source), result, &error) == 0)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("The cancellation could not be kept here: %s"),
                              error->message);
      refused (self, text);
      return;
    }
  atrium_toast (GTK_WIDGET (self), _("Cancellation pending: it will be sent when online"));
  read_pending (self);
}

/* A cancellation under way: which booking, to keep it if the server does not answer. */
typedef struct
{
  AtriumBookingsPage *self;
  gint64              id;
} Cancelling;

static void
cancelled (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autofree Cancelling *cancelling = user_data;
  g_autoptr(AtriumBookingsPage) self = cancelling->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result, &error);
  gint64 id = cancelling->id;

  if (answer == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer == NULL && self->outbox != NULL &&
      g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE) && id > 0)
    {
      /* No answer: kept, and sent when the server is back. */
      atrium_outbox_enqueue_cancel_async (self->outbox, id, self->outbox_cancellable,
                                          cancel_kept, g_object_ref (self));
      return;
    }
  if (answer == NULL)
    {
      g_autofree char *text = atrium_ui_error_text (error);

      refused (self, text);
      return;
    }
  atrium_toast (GTK_WIDGET (self), _("Booking cancelled"));
  atrium_bookings_page_refresh (self);
}

static void
cancel_clicked (GtkButton          *button,
                AtriumBookingsPage *self)
{
  JsonObject *booking = g_object_get_data (G_OBJECT (button), "booking");

  Cancelling *cancelling = g_new0 (Cancelling, 1);

  cancelling->self = g_object_ref (self);
  cancelling->id = json_object_get_int_member_with_default (booking, "id", 0);
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  atrium_api_cancel_booking_async (self->api, cancelling->id, self->cancellable, cancelled,
                                   cancelling);
}

static GtkWidget *
booking_button (const char         *label,
                const char         *accessible,
                JsonObject         *booking,
                GCallback           callback,
                AtriumBookingsPage *self)
{
  GtkWidget *button = label != NULL ? gtk_button_new_with_mnemonic (label) : gtk_button_new ();

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_object_set_data_full (G_OBJECT (button), "booking", json_object_ref (booking),
                          (GDestroyNotify) json_object_unref);
  g_signal_connect (button, "clicked", callback, self);
  return button;
}

static GtkWidget *
booking_row (AtriumBookingsPage *self,
             JsonObject         *booking)
{
  const char *status = json_object_get_string_member_with_default (booking, "status", "");
  const char *name = json_object_get_string_member_with_default (booking, "resource_name", "");
  g_autofree char *when = atrium_ui_interval (
    json_object_get_string_member_with_default (booking, "start", NULL),
    json_object_get_string_member_with_default (booking, "end", NULL));
  gboolean pending = g_str_equal (status, "booked") &&
                     cancel_pending (self, json_object_get_int_member_with_default (booking,
                                                                                    "id", 0));
  /* TRANSLATORS: a cancellation made offline, not yet sent to the server */
  const char *state = pending ? _("Cancellation pending — will be sent when online")
                              : atrium_ui_booking_status (status);
  g_autofree char *subtitle = g_strdup_printf ("%s · %s", when, state);
  GtkWidget *row = adw_action_row_new ();
  gboolean active = g_str_equal (status, "booked") || g_str_equal (status, "checked_in") ||
                    g_str_equal (status, "break");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (active)
    {
      g_autofree char *code_label = g_strdup_printf (_("Show the check-in code of %s, %s"),
                                                     name, when);

      /* TRANSLATORS: the accessible name of a button, "…of Seat 12, Wed 25 Nov, 14:30–15:30" */
      g_autofree char *calendar_label = g_strdup_printf (_("Add the booking of %s, %s to "
                                                           "a calendar"), name, when);
      GtkWidget *calendar = booking_button (NULL, calendar_label, booking,
                                            G_CALLBACK (calendar_clicked), self);

      gtk_button_set_icon_name (GTK_BUTTON (calendar), "x-office-calendar-symbolic");
      gtk_widget_set_tooltip_text (calendar, _("Add to Calendar"));
      gtk_widget_add_css_class (calendar, "flat");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), calendar);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 booking_button (_("Show _Code"), code_label, booking,
                                                 G_CALLBACK (show_code), self));
    }
  if (pending)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("document-send-symbolic");
      /* TRANSLATORS: the accessible description of a booking whose cancellation waits */
      g_autofree char *description = g_strdup_printf (_("%s, %s: cancelled on this computer "
                                                        "while offline; the library is told "
                                                        "when the connection is back"),
                                                      name, when);

      gtk_widget_set_tooltip_text (icon, _("Pending — will be sent when online"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Pending"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
      gtk_widget_add_css_class (row, "pending");
    }
  else if (g_str_equal (status, "booked"))
    {
      g_autofree char *cancel_label = g_strdup_printf (_("Cancel the booking of %s, %s"),
                                                       name, when);
      GtkWidget *button = booking_button (_("C_ancel"), cancel_label, booking,
                                          G_CALLBACK (cancel_clicked), self);

      gtk_widget_add_css_class (button, "error");
      gtk_widget_add_css_class (button, "flat");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  g_object_set_data (G_OBJECT (row), "booking-id",
                     GINT_TO_POINTER ((int) json_object_get_int_member_with_default (booking,
                                                                                    "id", 0)));
  g_object_set_data (G_OBJECT (row), "status", (gpointer) g_intern_string (status));
  g_object_set_data (G_OBJECT (row), "pending", GINT_TO_POINTER (pending));
  g_object_set_data_full (G_OBJECT (row), "booking", json_object_ref (booking),
                          (GDestroyNotify) json_object_unref);
  return row;
}

static void
mine_read (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AtriumBookingsPage *self = user_data;
  g_autoptr(JsonNode) document = atrium_toast_document_finish (self, source, result);
  JsonArray *mine;

  if (document == NULL)
    return;
  if (self->cache != NULL)
    atrium_app_cache_keep (self->cache, ATRIUM_CACHE_MY_BOOKINGS, document);
  mine = json_object_get_array_member (json_node_get_object (document), "bookings");
  g_clear_pointer (&self->mine, json_array_unref);
  self->mine = mine != NULL ? json_array_ref (mine) : json_array_new ();
  show_mine (self);
  /* The server answers: what was kept offline can go (unless the last try stopped
   * short: then when the live feed is back). */
  if (!self->flush_stopped)
    send_pending (self);
}

void
atrium_bookings_page_refresh (AtriumBookingsPage *self)
{
  g_return_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self));

  if (self->api != NULL)
    atrium_api_list_my_bookings_async (self->api, self->cancellable, mine_read, self);
}

/* ---- finding and booking ------------------------------------------------------------ */

static void
booked (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  AtriumBookingsPage *self = user_data;
  g_autoptr(JsonNode) answer = atrium_toast_document_finish (self, source, result);
  g_autofree char *text = NULL;
  JsonObject *booking;

  if (answer == NULL)
    return;
  booking = json_node_get_object (answer);
  text = g_strdup_printf (_("%s is booked for you"),
                          json_object_get_string_member_with_default (booking,
                                                                      "resource_name", ""));
  atrium_toast (GTK_WIDGET (self), text);
  clear_rows (self->results_list, self->result_rows);
  gtk_widget_set_visible (GTK_WIDGET (self->results_group), FALSE);
  atrium_bookings_page_refresh (self);
}

static void
book_clicked (GtkButton          *button,
              AtriumBookingsPage *self)
{
  JsonObject *resource = g_object_get_data (G_OBJECT (button), "booking");
  g_autofree char *key = atrium_api_new_idempotency_key ();

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  atrium_api_create_booking_async (self->api,
                                   json_object_get_int_member_with_default (resource, "id", 0),
                                   self->free_from, self->free_to, 1, key, self->cancellable,
                                   booked, self);
}

static GtkWidget *
result_row (AtriumBookingsPage *self,
            JsonObject         *resource)
{
  const char *name = json_object_get_string_member_with_default (resource, "name", "");
  JsonObject *space = json_object_get_object_member (resource, "space");
  JsonObject *attributes = json_object_get_object_member (resource, "attributes");
  GString *subtitle = g_string_new (NULL);
  g_autofree char *label = g_strdup_printf (_("Book %s"), name);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button;

  if (space != NULL)
    {
      g_string_append (subtitle, json_object_get_string_member_with_default (space, "name", ""));
      if (json_object_has_member (space, "percent"))
        g_string_append_printf (subtitle, _(" · %d %% full now"),
                                (int) json_object_get_int_member_with_default (space, "percent",
                                                                               0));
    }
  if (attributes != NULL)
    {
      static const struct { const char *name; const char *words; } words[] = {
        { "quiet", N_("quiet") }, { "power", N_("power socket") },
        { "accessible", N_("accessible") }, { "screen", N_("screen") },
        { "computers", N_("computers") }, { "daylight", N_("daylight") },
      };

      for (guint i = 0; i < G_N_ELEMENTS (words); i++)
        if (json_object_has_member (attributes, words[i].name) &&
            json_object_get_boolean_member_with_default (attributes, words[i].name, FALSE))
          g_string_append_printf (subtitle, " · %s", _(words[i].words));
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  g_string_free (subtitle, TRUE);
  button = booking_button (_("_Book"), label, resource, G_CALLBACK (book_clicked), self);
  gtk_widget_add_css_class (button, "suggested-action");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  g_object_set_data (G_OBJECT (row), "resource-id",
                     GINT_TO_POINTER ((int) json_object_get_int_member_with_default (resource,
                                                                                    "id", 0)));
  g_object_set_data (G_OBJECT (row), "site-id",
                     GINT_TO_POINTER ((int) json_object_get_int_member_with_default (resource,
                                                                                    "site", 0)));
  return row;
}

static void
found (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  AtriumBookingsPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = atrium_api_document_finish (ATRIUM_API (source), result,
                                                             &error);

  if (document == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->find_button), TRUE);
  if (document == NULL)
    {
      toast_error (self, error);
      return;
    }
  fill_rows (self, self->results_list, self->result_rows,
             json_object_get_array_member (json_node_get_object (document), "resources"),
             50, result_row, _("Nothing free then"),
             _("Try another time, a shorter stay or fewer wishes."));
  gtk_widget_set_visible (GTK_WIDGET (self->results_group), TRUE);
}

static void
find_clicked (AtriumBookingsPage *self)
{
  g_autoptr(GHashTable) query = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GPtrArray) attrs = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *from = NULL, *to = NULL;

  if (self->api == NULL)
    return;
  if (!atrium_booking_times_get (self->day_row, self->start_row, self->length_row, &from, &to,
                                 &error))
    {
      atrium_toast (GTK_WIDGET (self), error->message);
      return;
    }
  g_free (self->free_from);
  g_free (self->free_to);
  self->free_from = from;
  self->free_to = to;

  if (gtk_switch_get_active (self->quiet_switch))
    g_ptr_array_add (attrs, "quiet");
  if (gtk_switch_get_active (self->power_switch))
    g_ptr_array_add (attrs, "power");
  if (gtk_switch_get_active (self->accessible_switch))
    g_ptr_array_add (attrs, "accessible");
  g_ptr_array_add (attrs, NULL);
  g_hash_table_insert (query, "type",
                       g_strdup (types[MIN (adw_combo_row_get_selected (self->type_row), 2)]));
  if (attrs->len > 1)
    g_hash_table_insert (query, "attrs", g_strjoinv (",", (char **) attrs->pdata));
  g_hash_table_insert (query, "free_from", g_strdup (self->free_from));
  g_hash_table_insert (query, "free_to", g_strdup (self->free_to));
  gtk_widget_set_sensitive (GTK_WIDGET (self->find_button), FALSE);
  atrium_api_search_resources_async (self->api, query, self->cancellable, found, self);
}

void
atrium_bookings_page_find (AtriumBookingsPage *self,
                           guint               day_offset,
                           guint               hour,
                           guint               minute,
                           guint               minutes)
{
  g_return_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self));

  atrium_booking_times_select (self->day_row, self->start_row, self->length_row, day_offset,
                               hour, minute, minutes);
  find_clicked (self);
}

void
atrium_bookings_page_set_outbox (AtriumBookingsPage *self,
                                 AtriumOutbox       *outbox)
{
  g_return_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self));
  g_return_if_fail (outbox == NULL || ATRIUM_IS_OUTBOX (outbox));

  /* A send under way for the user who signed out stops here: it never goes on with the
   * next user's session. */
  g_cancellable_cancel (self->outbox_cancellable);
  g_clear_object (&self->outbox_cancellable);
  self->outbox_cancellable = g_cancellable_new ();
  g_set_object (&self->outbox, outbox);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  self->flushing = FALSE;
  read_pending (self);
  atrium_bookings_page_send_pending (self);
}

void
atrium_bookings_page_set_cache (AtriumBookingsPage *self,
                                AtriumCache        *cache,
                                JsonNode           *kept)
{
  JsonArray *mine;

  g_return_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self));
  g_return_if_fail (cache == NULL || ATRIUM_IS_CACHE (cache));

  g_set_object (&self->cache, cache);
  if (self->mine != NULL || kept == NULL || !JSON_NODE_HOLDS_OBJECT (kept))
    return;
  /* The server has not answered yet: what it said last. */
  mine = json_object_get_array_member (json_node_get_object (kept), "bookings");
  if (mine == NULL)
    return;
  self->mine = json_array_ref (mine);
  show_mine (self);
}

AtriumOutbox *
atrium_bookings_page_get_outbox (AtriumBookingsPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self), NULL);
  return self->outbox;
}

void
atrium_bookings_page_set_api (AtriumBookingsPage *self,
                              AtriumApi          *api)
{
  g_return_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_set_object (&self->api, api);
  g_clear_pointer (&self->mine, json_array_unref);
  g_clear_object (&self->cache);
  /* Another user's rows never stay while the server is asked for this one's. */
  clear_rows (self->mine_list, self->mine_rows);
  self->flushing = FALSE;
  clear_rows (self->results_list, self->result_rows);
  gtk_widget_set_visible (GTK_WIDGET (self->results_group), FALSE);
  atrium_bookings_page_refresh (self);
}

GtkListBox *
atrium_bookings_page_get_mine_list (AtriumBookingsPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self), NULL);
  return self->mine_list;
}

GtkListBox *
atrium_bookings_page_get_results_list (AtriumBookingsPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOKINGS_PAGE (self), NULL);
  return self->results_list;
}

static void
atrium_bookings_page_dispose (GObject *object)
{
  AtriumBookingsPage *self = ATRIUM_BOOKINGS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->outbox_cancellable);
  g_clear_object (&self->outbox_cancellable);
  atrium_widget_close_chooser (&self->chooser, self);
  g_clear_pointer (&self->chooser_booking, json_object_unref);
  g_clear_object (&self->api);
  g_clear_object (&self->outbox);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->mine, json_array_unref);
  g_clear_pointer (&self->mine_rows, g_ptr_array_unref);
  g_clear_pointer (&self->result_rows, g_ptr_array_unref);
  atrium_widget_dispose_children (GTK_WIDGET (self), ATRIUM_TYPE_BOOKINGS_PAGE);
  G_OBJECT_CLASS (atrium_bookings_page_parent_class)->dispose (object);
}

static void
atrium_bookings_page_finalize (GObject *object)
{
  AtriumBookingsPage *self = ATRIUM_BOOKINGS_PAGE (object);

  g_free (self->free_from);
  g_free (self->free_to);
  g_free (self->calendar_message);
  G_OBJECT_CLASS (atrium_bookings_page_parent_class)->finalize (object);
}

static void
atrium_bookings_page_class_init (AtriumBookingsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_bookings_page_dispose;
  object_class->finalize = atrium_bookings_page_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-bookings-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, mine_list);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, type_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, day_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, start_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, length_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, quiet_switch);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, power_switch);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, accessible_switch);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, find_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, results_group);
  gtk_widget_class_bind_template_child (widget_class, AtriumBookingsPage, results_list);
  gtk_widget_class_bind_template_callback (widget_class, find_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
atrium_bookings_page_init (AtriumBookingsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->outbox_cancellable = g_cancellable_new ();
  self->mine_rows = g_ptr_array_new ();
  self->result_rows = g_ptr_array_new ();
  atrium_booking_times_fill (self->day_row, self->start_row, self->length_row);
}

GtkWidget *
atrium_bookings_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_BOOKINGS_PAGE, NULL);
}
