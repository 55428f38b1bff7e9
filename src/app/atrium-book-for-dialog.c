/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-book-for-dialog.h"

#include <glib/gi18n.h>

#include "atrium-booking-times.h"
#include "atrium-ui-text.h"
#include "atrium-widget.h"
#include "atrium-window.h"

struct _AtriumBookForDialog
{
  AdwWindow        parent_instance;

  AtriumTodayPage *page;
  AtriumApi       *api;
  GCancellable    *cancellable;
  GArray          *resource_ids;   /* gint64, in the combo row's order */
  char            *key;            /* kept to send a request again after no answer */
  char            *error;

  GtkWidget       *error_box;
  GtkLabel        *error_label;
  AdwEntryRow     *patron_row;
  AdwComboRow     *resource_row;
  AdwComboRow     *day_row;
  AdwComboRow     *start_row;
  AdwComboRow     *length_row;
  GtkWidget       *book_button;
};

G_DEFINE_FINAL_TYPE (AtriumBookForDialog, atrium_book_for_dialog, ADW_TYPE_WINDOW)

/* The form says @text (NULL: nothing is wrong) in words beside a warning sign; GTK 4.8
 * does not announce a label's new text, so its accessible label changes along. */
static void
set_error (AtriumBookForDialog *self,
           const char          *text)
{
  g_free (self->error);
  self->error = g_strdup (text);
  gtk_label_set_text (self->error_label, text != NULL ? text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->error_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text != NULL ? text : "", -1);
  gtk_widget_set_visible (self->error_box, text != NULL);
}

static char *
refusal_text (AtriumBookForDialog *self,
              const GError        *error)
{
  if (g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_NOT_FOUND))
    return g_strdup_printf (_("No patron has the user name “%s” (or their account is "
                              "disabled). Check the spelling."),
                            gtk_editable_get_text (GTK_EDITABLE (self->patron_row)));
  return atrium_ui_error_text (error);
}

static void
booked (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  AtriumBookForDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);
  g_autofree char *text = NULL;
  JsonObject *booking;

  if (answer == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (self->book_button, TRUE);
  if (answer == NULL)
    {
      g_autofree char *sentence = refusal_text (self, error);

      /* Without an answer the booking may have been made: the same key sends it again
       * without booking twice. Any other answer is final for that request. */
      if (!g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE))
        g_clear_pointer (&self->key, g_free);
      if (g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_NOT_FOUND))
        gtk_widget_add_css_class (GTK_WIDGET (self->patron_row), "error");
      set_error (self, sentence);
      return;
    }
  booking = json_node_get_object (answer);
  /* TRANSLATORS: a place, then the patron it was booked for */
  text = g_strdup_printf (_("%s is booked for %s"),
                          json_object_get_string_member_with_default (booking, "resource_name",
                                                                      ""),
                          json_object_get_string_member_with_default (booking, "username", ""));
  atrium_toast (GTK_WIDGET (self->page), text);
  atrium_today_page_refresh (self->page);
  gtk_window_destroy (GTK_WINDOW (self));
}

void
atrium_book_for_dialog_book (AtriumBookForDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  g_autofree char *patron = NULL;
  guint resource;

  g_return_if_fail (ATRIUM_IS_BOOK_FOR_DIALOG (self));

  patron = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->patron_row))));
  resource = adw_combo_row_get_selected (self->resource_row);
  gtk_widget_remove_css_class (GTK_WIDGET (self->patron_row), "error");
  if (*patron == '\0')
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->patron_row), "error");
      set_error (self, _("Type the patron’s user name."));
      return;
    }
  if (resource == GTK_INVALID_LIST_POSITION || resource >= self->resource_ids->len)
    {
      set_error (self, _("Choose a place to book."));
      return;
    }
  if (!atrium_booking_times_get (self->day_row, self->start_row, self->length_row, &start,
                                 &end, &error))
    {
      set_error (self, error->message);
      return;
    }
  set_error (self, NULL);
  if (self->key == NULL)
    self->key = atrium_api_new_idempotency_key ();
  gtk_widget_set_sensitive (self->book_button, FALSE);
  atrium_api_create_booking_for_async (self->api, 0, patron,
                                       g_array_index (self->resource_ids, gint64, resource),
                                       start, end, 0, self->key, self->cancellable, booked,
                                       self);
}

/* A changed request is a new one: it gets a key of its own. */
static void
form_changed (AtriumBookForDialog *self)
{
  g_clear_pointer (&self->key, g_free);
}

const char *
atrium_book_for_dialog_get_error (AtriumBookForDialog *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOK_FOR_DIALOG (self), NULL);
  return self->error;
}

AdwComboRow *
atrium_book_for_dialog_get_resource_row (AtriumBookForDialog *self)
{
  g_return_val_if_fail (ATRIUM_IS_BOOK_FOR_DIALOG (self), NULL);
  return self->resource_row;
}

gboolean
atrium_book_for_dialog_select_resource (AtriumBookForDialog *self,
                                        gint64               resource_id)
{
  g_return_val_if_fail (ATRIUM_IS_BOOK_FOR_DIALOG (self), FALSE);

  for (guint i = 0; i < self->resource_ids->len; i++)
    if (g_array_index (self->resource_ids, gint64, i) == resource_id)
      {
        adw_combo_row_set_selected (self->resource_row, i);
        return TRUE;
      }
  return FALSE;
}

void
atrium_book_for_dialog_select_time (AtriumBookForDialog *self,
                                    guint                day_offset,
                                    guint                hour,
                                    guint                minute,
                                    guint                minutes)
{
  g_return_if_fail (ATRIUM_IS_BOOK_FOR_DIALOG (self));
  atrium_booking_times_select (self->day_row, self->start_row, self->length_row, day_offset,
                               hour, minute, minutes);
}

static AdwComboRow *
combo_row (AtriumBookForDialog *self,
           GtkWidget           *group,
           const char          *title)
{
  GtkWidget *row = adw_combo_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (form_changed), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return ADW_COMBO_ROW (row);
}

static void
atrium_book_for_dialog_dispose (GObject *object)
{
  AtriumBookForDialog *self = ATRIUM_BOOK_FOR_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->page);
  g_clear_object (&self->api);
  G_OBJECT_CLASS (atrium_book_for_dialog_parent_class)->dispose (object);
}

static void
atrium_book_for_dialog_finalize (GObject *object)
{
  AtriumBookForDialog *self = ATRIUM_BOOK_FOR_DIALOG (object);

  g_array_unref (self->resource_ids);
  g_free (self->key);
  g_free (self->error);
  G_OBJECT_CLASS (atrium_book_for_dialog_parent_class)->finalize (object);
}

static void
atrium_book_for_dialog_class_init (AtriumBookForDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = atrium_book_for_dialog_dispose;
  object_class->finalize = atrium_book_for_dialog_finalize;
}

static void
atrium_book_for_dialog_init (AtriumBookForDialog *self)
{
  GtkWidget *box = atrium_widget_dialog_column (GTK_WIDGET (self));
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  self->cancellable = g_cancellable_new ();
  self->resource_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gtk_window_set_title (GTK_WINDOW (self), _("Book for a Patron"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 460, 600);

  /* The server's refusal, in words with a sign: never by colour alone. */
  self->error_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_xalign (self->error_label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->error_label), TRUE);
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Not booked"), -1);
  gtk_box_append (GTK_BOX (self->error_box), icon);
  gtk_box_append (GTK_BOX (self->error_box), GTK_WIDGET (self->error_label));
  gtk_widget_add_css_class (self->error_box, "error");
  gtk_widget_set_visible (self->error_box, FALSE);
  gtk_box_append (GTK_BOX (box), self->error_box);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Book for a Patron"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("The patron gets the booking’s email and can show "
                                           "its code at the kiosk."));
  self->patron_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->patron_row),
                                 _("Patron’s User Name"));
  g_signal_connect_swapped (self->patron_row, "changed", G_CALLBACK (form_changed), self);
  g_signal_connect_swapped (self->patron_row, "entry-activated",
                            G_CALLBACK (atrium_book_for_dialog_book), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->patron_row));
  self->resource_row = combo_row (self, group, _("Place"));
  self->day_row = combo_row (self, group, _("Day"));
  self->start_row = combo_row (self, group, _("From"));
  self->length_row = combo_row (self, group, _("For"));
  atrium_booking_times_fill (self->day_row, self->start_row, self->length_row);
  gtk_box_append (GTK_BOX (box), group);

  self->book_button = gtk_button_new_with_mnemonic (_("_Book"));
  gtk_widget_set_halign (self->book_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->book_button, "suggested-action");
  gtk_widget_add_css_class (self->book_button, "pill");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->book_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Book for the patron"), -1);
  g_signal_connect_swapped (self->book_button, "clicked",
                            G_CALLBACK (atrium_book_for_dialog_book), self);
  gtk_box_append (GTK_BOX (box), self->book_button);
}

AtriumBookForDialog *
atrium_book_for_dialog_new (AtriumTodayPage *page,
                            AtriumApi       *api,
                            const char      *site_name,
                            JsonArray       *resources)
{
  AtriumBookForDialog *self;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_return_val_if_fail (ATRIUM_IS_TODAY_PAGE (page), NULL);
  g_return_val_if_fail (ATRIUM_IS_API (api), NULL);
  g_return_val_if_fail (resources != NULL, NULL);

  self = g_object_new (ATRIUM_TYPE_BOOK_FOR_DIALOG, NULL);
  self->page = g_object_ref (page);
  self->api = g_object_ref (api);
  gtk_window_set_transient_for (GTK_WINDOW (self),
                                GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (page))));
  if (site_name != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->resource_row), site_name);
  for (guint i = 0; i < json_array_get_length (resources); i++)
    {
      JsonObject *resource = json_array_get_object_element (resources, i);
      JsonObject *space;
      g_autofree char *name = NULL;
      gint64 id;

      if (resource == NULL || (id = json_object_get_int_member_with_default (resource, "id",
                                                                             0)) <= 0)
        continue;
      space = json_object_get_object_member (resource, "space");
      name = space != NULL
        ? g_strdup_printf ("%s · %s",
                           json_object_get_string_member_with_default (resource, "name", ""),
                           json_object_get_string_member_with_default (space, "name", ""))
        : g_strdup (json_object_get_string_member_with_default (resource, "name", ""));
      gtk_string_list_append (names, name);
      g_array_append_val (self->resource_ids, id);
    }
  adw_combo_row_set_model (self->resource_row, G_LIST_MODEL (names));
  return self;
}
