/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-sessions-window.h"

#include <glib/gi18n.h>

#include "atrium-ui-text.h"
#include "atrium-widget.h"

struct _AtriumSessionsWindow
{
  AdwWindow        parent_instance;

  AtriumApi       *api;
  GCancellable    *cancellable;
  gint64           user_id;      /* 0: the caller's own */
  char            *name;
  AdwToastOverlay *toasts;
  GtkListBox      *list;
  GtkWidget       *everywhere;   /* administrators only */
  gboolean         ready;
};

G_DEFINE_FINAL_TYPE (AtriumSessionsWindow, atrium_sessions_window, ADW_TYPE_WINDOW)

static void reload (AtriumSessionsWindow *self);

static void
toast (AtriumSessionsWindow *self,
       const char           *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

/* FALSE, with a toast unless it was cancelled (then @self may be gone). */
static gboolean
report (gpointer      self,
        const GError *error)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  text = atrium_ui_error_text (error);
  toast (self, text);
  return FALSE;
}

static void
signed_out (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  AtriumSessionsWindow *self;

  if (!atrium_api_done_finish (ATRIUM_API (source), result, &error))
    {
      report (user_data, error);
      return;
    }
  self = user_data;
  toast (self, _("Signed out"));
  reload (self);
}

/* The confirmation's answer; the dialog has "session-id" (0: every session). */
static void
confirmed (AdwMessageDialog     *dialog,
           const char           *response,
           AtriumSessionsWindow *self)
{
  gint64 *id = g_object_get_data (G_OBJECT (dialog), "session-id");

  if (g_strcmp0 (response, "sign-out") != 0 || self->api == NULL)
    return;
  self->ready = FALSE;
  if (self->user_id > 0)
    atrium_api_revoke_user_sessions_async (self->api, self->user_id, *id, self->cancellable,
                                           signed_out, self);
  else
    atrium_api_revoke_session_async (self->api, *id, self->cancellable, signed_out, self);
}

static void
confirm (AtriumSessionsWindow *self,
         gint64                session_id)
{
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (session_id == 0)
    body = g_strdup_printf (_("Every session of %s ends: they will have to sign in again on "
                              "each device."), self->name);
  else if (self->user_id > 0)
    body = g_strdup_printf (_("%s will have to sign in again on that device."), self->name);
  else
    body = g_strdup (_("That device will have to sign in again."));
  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   session_id == 0 ? _("Sign Out Everywhere?")
                                                   : _("Sign Out This Session?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sign-out", _("_Sign Out"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign-out",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "session-id", g_memdup2 (&session_id,
                                                                      sizeof session_id),
                          g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
sign_out_clicked (GtkButton            *button,
                  AtriumSessionsWindow *self)
{
  confirm (self, *(gint64 *) g_object_get_data (G_OBJECT (button), "session-id"));
}

static void
everywhere_clicked (AtriumSessionsWindow *self)
{
  confirm (self, 0);
}

static GtkWidget *
session_row (AtriumSessionsWindow *self,
             JsonObject           *session)
{
  gint64 id = json_object_get_int_member_with_default (session, "id", 0);
  gboolean current = json_object_get_boolean_member_with_default (session, "current", FALSE);
  const char *agent = json_object_get_string_member_with_default (session, "user_agent", NULL);
  const char *ip = json_object_get_string_member_with_default (session, "ip", NULL);
  g_autofree char *created = atrium_ui_date_and_time (
    json_object_get_string_member_with_default (session, "created_at", NULL));
  g_autofree char *seen = atrium_ui_date_and_time (
    json_object_get_string_member_with_default (session, "last_seen_at", NULL));
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *suffix;

  /* TRANSLATORS: a session: when it began, when it was last used, the address it was
   * last used from, and whether its sign-in passed the second factor */
  subtitle = g_strdup_printf (_("Signed in %s · last seen %s · %s · %s"),
                              created != NULL ? created : "?", seen != NULL ? seen : "?",
                              ip != NULL && *ip != '\0' ? ip : _("unknown address"),
                              json_object_get_boolean_member_with_default (session,
                                                                           "second_factor",
                                                                           FALSE)
                              ? _("second factor done") : _("no second factor"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 agent != NULL && *agent != '\0' ? agent : _("Unknown app"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 2);
  g_object_set_data_full (G_OBJECT (row), "session-id", g_memdup2 (&id, sizeof id), g_free);

  if (current)
    {
      /* The session this window talks through: "Sign Out" in the main menu ends it. */
      suffix = gtk_label_new (_("This session"));
      gtk_widget_add_css_class (suffix, "dim-label");
      g_object_set_data (G_OBJECT (row), "current", GINT_TO_POINTER (1));
    }
  else
    {
      g_autofree char *label = g_strdup_printf (_("Sign out the session last seen %s"),
                                                seen != NULL ? seen : "?");

      suffix = gtk_button_new_with_mnemonic (_("Sign _Out"));
      gtk_widget_set_valign (suffix, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (suffix), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      g_object_set_data_full (G_OBJECT (suffix), "session-id", g_memdup2 (&id, sizeof id),
                              g_free);
      g_signal_connect (suffix, "clicked", G_CALLBACK (sign_out_clicked), self);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix);
  return row;
}

static void
sessions_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = atrium_api_document_finish (ATRIUM_API (source), result,
                                                             &error);
  AtriumSessionsWindow *self;
  JsonArray *sessions;
  GtkWidget *child;
  guint n = 0;

  if (document == NULL)
    {
      report (user_data, error);
      return;
    }
  self = user_data;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  sessions = json_object_get_array_member (json_node_get_object (document), "sessions");
  for (guint i = 0; sessions != NULL && i < json_array_get_length (sessions); i++)
    {
      JsonObject *session = json_array_get_object_element (sessions, i);

      if (session == NULL)
        continue;
      gtk_list_box_append (self->list, session_row (self, session));
      n++;
    }
  if (n == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No session"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Signed out everywhere: nothing can use this account "
                                     "until it signs in again."));
      gtk_list_box_append (self->list, row);
    }
  if (self->everywhere != NULL)
    gtk_widget_set_sensitive (self->everywhere, n > 0);
  self->ready = TRUE;
}

static void
reload (AtriumSessionsWindow *self)
{
  self->ready = FALSE;
  if (self->user_id > 0)
    atrium_api_list_user_sessions_async (self->api, self->user_id, self->cancellable,
                                         sessions_read, self);
  else
    atrium_api_list_sessions_async (self->api, self->cancellable, sessions_read, self);
}

GtkListBox *
atrium_sessions_window_get_list (AtriumSessionsWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_SESSIONS_WINDOW (self), NULL);
  return self->list;
}

gboolean
atrium_sessions_window_is_ready (AtriumSessionsWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_SESSIONS_WINDOW (self), FALSE);
  return self->ready;
}

static void
atrium_sessions_window_dispose (GObject *object)
{
  AtriumSessionsWindow *self = ATRIUM_SESSIONS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->api);
  G_OBJECT_CLASS (atrium_sessions_window_parent_class)->dispose (object);
}

static void
atrium_sessions_window_finalize (GObject *object)
{
  AtriumSessionsWindow *self = ATRIUM_SESSIONS_WINDOW (object);

  g_free (self->name);
  G_OBJECT_CLASS (atrium_sessions_window_parent_class)->finalize (object);
}

static void
atrium_sessions_window_class_init (AtriumSessionsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = atrium_sessions_window_dispose;
  object_class->finalize = atrium_sessions_window_finalize;
}

static void
atrium_sessions_window_init (AtriumSessionsWindow *self)
{
  self->cancellable = g_cancellable_new ();
}

GtkWindow *
atrium_sessions_window_new (GtkWidget  *parent,
                            AtriumApi  *api,
                            gint64      user_id,
                            const char *name)
{
  AtriumSessionsWindow *self;
  g_autofree char *title = NULL;
  GtkWidget *column, *content, *intro;
  GtkRoot *root;

  g_return_val_if_fail (GTK_IS_WIDGET (parent), NULL);
  g_return_val_if_fail (ATRIUM_IS_API (api), NULL);
  g_return_val_if_fail (user_id >= 0, NULL);

  self = g_object_new (ATRIUM_TYPE_SESSIONS_WINDOW, NULL);
  self->api = g_object_ref (api);
  self->user_id = user_id;
  self->name = g_strdup (name != NULL ? name : "");
  title = user_id > 0 ? g_strdup_printf (_("Sessions of %s"), self->name)
                      : g_strdup (_("Your Sessions"));
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  root = gtk_widget_get_root (parent);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (self), GTK_WINDOW (root));
  gtk_window_set_default_size (GTK_WINDOW (self), 520, 560);

  /* The column, under toasts of its own (the main window's are hidden by this one). */
  column = atrium_widget_dialog_column (GTK_WIDGET (self));
  content = g_object_ref (adw_window_get_content (ADW_WINDOW (self)));
  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_window_set_content (ADW_WINDOW (self), GTK_WIDGET (self->toasts));
  adw_toast_overlay_set_child (self->toasts, content);
  g_object_unref (content);

  intro = gtk_label_new (user_id > 0
                         ? _("Every place this account is signed in. Signing a session out "
                             "ends it at once.")
                         : _("Every place you are signed in. Sign out those you do not "
                             "recognise, then change your password."));
  gtk_label_set_wrap (GTK_LABEL (intro), TRUE);
  gtk_label_set_xalign (GTK_LABEL (intro), 0);
  gtk_box_append (GTK_BOX (column), intro);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title, -1);
  gtk_box_append (GTK_BOX (column), GTK_WIDGET (self->list));

  if (user_id > 0)
    {
      g_autofree char *label = g_strdup_printf (_("Sign out every session of %s"),
                                                self->name);

      self->everywhere = gtk_button_new_with_mnemonic (_("Sign Out _Everywhere"));
      gtk_widget_add_css_class (self->everywhere, "destructive-action");
      gtk_widget_add_css_class (self->everywhere, "pill");
      gtk_widget_set_halign (self->everywhere, GTK_ALIGN_CENTER);
      gtk_widget_set_sensitive (self->everywhere, FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->everywhere),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_signal_connect_swapped (self->everywhere, "clicked", G_CALLBACK (everywhere_clicked),
                                self);
      gtk_box_append (GTK_BOX (column), self->everywhere);
    }

  reload (self);
  gtk_window_present (GTK_WINDOW (self));
  return GTK_WINDOW (self);
}
