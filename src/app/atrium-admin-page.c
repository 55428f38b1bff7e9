/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-admin-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "atrium-qr.h"
#include "atrium-sessions-window.h"
#include "atrium-ui-text.h"
#include "atrium-widget.h"
#include "atrium-window.h"

/* The audit log's periods, in days back from now. */
static const guint audit_days[] = { 1, 7, 30, 365 };

struct _AtriumAdminPage
{
  GtkWidget     parent_instance;

  AtriumApi    *api;
  GCancellable *cancellable;
  GPtrArray    *roles;         /* role strings of the "Role" choices */

  GtkStack     *section_stack;
  AdwEntryRow  *new_name_row;
  AdwEntryRow  *new_email_row;
  AdwPasswordEntryRow *new_password_row;
  AdwComboRow  *new_role_row;
  GtkButton    *create_button;
  GtkListBox   *users_list;
  GtkSearchEntry *audit_event_entry;
  GtkDropDown  *audit_period_dropdown;
  GtkListBox   *audit_list;
  GtkListBox   *blocks_list;
  GtkListBox   *events_list;
};

G_DEFINE_FINAL_TYPE (AtriumAdminPage, atrium_admin_page, GTK_TYPE_WIDGET)

static void
remove_rows (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
text_row (const char *title,
          const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title != NULL ? title : "");
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static JsonArray *
member_array (JsonNode   *document,
              const char *name)
{
  JsonObject *object = json_node_get_object (document);

  return json_object_has_member (object, name) ? json_object_get_array_member (object, name)
                                                : NULL;
}

/* ---- users -------------------------------------------------------------------------- */

static char *
roles_text (JsonObject *user)
{
  JsonArray *roles = json_object_get_array_member (user, "roles");
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; roles != NULL && i < json_array_get_length (roles); i++)
    {
      JsonObject *grant = json_array_get_object_element (roles, i);

      if (grant == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, json_object_get_string_member_with_default (grant, "role", "?"));
      if (json_object_has_member (grant, "site"))
        g_string_append_printf (text, " (%s %" G_GINT64_FORMAT ")", _("site"),
                                json_object_get_int_member (grant, "site"));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
user_changed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AtriumAdminPage *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean done;

  /* Unlock finishes as a plain success; the others answer the user. */
  if (g_object_get_data (G_OBJECT (result), "done") != NULL)
    done = atrium_api_done_finish (ATRIUM_API (source), result, &error);
  else
    {
      g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                               &error);
      done = answer != NULL;
    }
  if (!done)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = atrium_ui_error_text (error);
      atrium_toast (GTK_WIDGET (self), text);
      return;
    }
  atrium_toast (GTK_WIDGET (self), _("Done"));
  atrium_admin_page_refresh (self);
}

static void
unlocked (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_object_set_data (G_OBJECT (result), "done", GINT_TO_POINTER (1));
  user_changed (source, result, user_data);
}

static void
show_enrolment (AtriumAdminPage *self,
                JsonObject      *user)
{
  const char *uri = json_object_get_string_member_with_default (user, "otpauth_uri", NULL);

  /* Their authenticator app reads this once; it is not shown again. */
  if (uri != NULL)
    atrium_qr_show (GTK_WIDGET (self), _("Second Factor"),
                    json_object_get_string_member_with_default (user, "name", ""),
                    _("Scan with an authenticator app"), uri,
                    _("QR code of the user’s new second factor"),
                    _("Give this to that user only, once: it is not shown again."), NULL);
}

/* A lost phone: the user's new enrolment (roles that need a second factor) is shown at
 * once, to hand over. */
static void
second_factor_reset (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AtriumAdminPage *self = user_data;
  g_autoptr(JsonNode) answer = atrium_toast_document_finish (self, source, result);

  if (answer == NULL)
    return;
  atrium_toast (GTK_WIDGET (self), _("Second factor reset; the user’s sessions are ended"));
  show_enrolment (self, json_node_get_object (answer));
  atrium_admin_page_refresh (self);
}

static void
user_action (GtkButton       *button,
             AtriumAdminPage *self)
{
  const char *what = g_object_get_data (G_OBJECT (button), "action");
  gint64 id = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "user-id"));
  GtkWidget *popover = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_POPOVER);

  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));
  if (g_str_equal (what, "sessions"))
    atrium_sessions_window_new (GTK_WIDGET (self), self->api, id,
                                g_object_get_data (G_OBJECT (button), "user-name"));
  else if (g_str_equal (what, "disable") || g_str_equal (what, "enable"))
    atrium_api_set_user_disabled_async (self->api, id, g_str_equal (what, "disable"),
                                        self->cancellable, user_changed, self);
  else if (g_str_equal (what, "unlock"))
    atrium_api_unlock_user_async (self->api, id, self->cancellable, unlocked, self);
  else
    atrium_api_reset_second_factor_async (self->api, id, self->cancellable,
                                          second_factor_reset, self);
}

/* @accessible: what the button does, with the user's name (it is taken). */
static GtkWidget *
add_user_button (AtriumAdminPage *self,
                 GtkWidget       *box,
                 gint64           id,
                 const char      *action,
                 const char      *label,
                 char            *accessible)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_object_set_data (G_OBJECT (button), "action", (gpointer) action);
  g_object_set_data (G_OBJECT (button), "user-id", GINT_TO_POINTER ((int) id));
  g_signal_connect (button, "clicked", G_CALLBACK (user_action), self);
  gtk_box_append (GTK_BOX (box), button);
  g_free (accessible);
  return button;
}

/* The row's actions in a menu, so that the row fits a narrow window. */
static GtkWidget *
user_actions (AtriumAdminPage *self,
              gint64           id,
              const char      *name,
              gboolean         disabled)
{
  GtkWidget *menu = gtk_menu_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *sessions;
  g_autofree char *label = g_strdup_printf (_("Actions for %s"), name);

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu), "view-more-symbolic");
  gtk_widget_set_valign (menu, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (menu, "flat");
  gtk_widget_set_tooltip_text (menu, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  add_user_button (self, box, id, disabled ? "enable" : "disable",
                   disabled ? _("_Enable") : _("_Disable"),
                   disabled ? g_strdup_printf (_("Enable %s"), name)
                            : g_strdup_printf (_("Disable %s"), name));
  add_user_button (self, box, id, "unlock", _("_Unlock"), g_strdup_printf (_("Unlock %s"), name));
  add_user_button (self, box, id, "reset-2fa", _("Reset _Second Factor"),
                   g_strdup_printf (_("Reset the second factor of %s"), name));
  sessions = add_user_button (self, box, id, "sessions", _("Sess_ions"),
                              g_strdup_printf (_("Sessions of %s"), name));
  g_object_set_data_full (G_OBJECT (sessions), "user-name", g_strdup (name), g_free);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (menu), popover);
  return menu;
}

static void
users_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumAdminPage *self = user_data;
  g_autoptr(JsonNode) document = atrium_toast_document_finish (self, source, result);
  JsonArray *users;

  if (document == NULL)
    return;
  remove_rows (self->users_list);
  users = member_array (document, "users");
  for (guint i = 0; users != NULL && i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      g_autofree char *roles = NULL;
      g_autofree char *subtitle = NULL;
      const char *name;
      gboolean disabled;
      gint64 id;
      GtkWidget *row;

      if (user == NULL)
        continue;
      id = json_object_get_int_member_with_default (user, "id", 0);
      name = json_object_get_string_member_with_default (user, "name", "");
      disabled = json_object_get_boolean_member_with_default (user, "disabled", FALSE);
      roles = roles_text (user);
      subtitle = g_strdup_printf ("%s · %s · %s%s", roles,
                                  json_object_get_string_member_with_default (user, "email", ""),
                                  json_object_get_boolean_member_with_default (user, "totp", FALSE)
                                  ? _("second factor set up") : _("no second factor"),
                                  disabled ? _(" · disabled") : "");
      row = text_row (name, subtitle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), user_actions (self, id, name, disabled));
      g_object_set_data (G_OBJECT (row), "user-id", GINT_TO_POINTER ((int) id));
      g_object_set_data_full (G_OBJECT (row), "user-name", g_strdup (name), g_free);
      gtk_list_box_append (self->users_list, row);
    }
}

static void
created (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AtriumAdminPage *self = user_data;
  g_autoptr(JsonNode) answer = atrium_toast_document_finish (self, source, result);
  JsonObject *user;

  gtk_widget_set_sensitive (GTK_WIDGET (self->create_button), TRUE);
  if (answer == NULL)
    return;
  user = json_node_get_object (answer);
  gtk_editable_set_text (GTK_EDITABLE (self->new_name_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->new_email_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->new_password_row), "");
  atrium_toast (GTK_WIDGET (self), _("User created"));
  show_enrolment (self, user);
  atrium_admin_page_refresh (self);
}

static void
create_clicked (AtriumAdminPage *self)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->new_name_row));
  const char *email = gtk_editable_get_text (GTK_EDITABLE (self->new_email_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->new_password_row));
  guint role = adw_combo_row_get_selected (self->new_role_row);
  const char *roles[2] = { NULL, NULL };

  if (*name == '\0' || strchr (email, '@') == NULL || *password == '\0' ||
      role == GTK_INVALID_LIST_POSITION || role >= self->roles->len)
    {
      atrium_toast (GTK_WIDGET (self),
                    _("A new user needs a name, an email address, a first password and a "
                      "role."));
      return;
    }
  roles[0] = self->roles->pdata[role];
  gtk_widget_set_sensitive (GTK_WIDGET (self->create_button), FALSE);
  atrium_api_create_user_async (self->api, name, email, NULL, password, roles,
                                self->cancellable, created, self);
}

/* The roles an administrator can give: per site for staff and managers. */
static void
sites_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumAdminPage *self = user_data;
  g_autoptr(JsonNode) document = atrium_toast_document_finish (self, source, result);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  JsonArray *sites;

  if (document == NULL)
    return;
  g_ptr_array_set_size (self->roles, 0);
  g_ptr_array_add (self->roles, g_strdup ("patron"));
  gtk_string_list_append (names, _("Patron"));
  sites = member_array (document, "sites");
  for (guint i = 0; sites != NULL && i < json_array_get_length (sites); i++)
    {
      JsonObject *site = json_array_get_object_element (sites, i);
      gint64 id;
      const char *site_name;
      g_autofree char *staff = NULL;
      g_autofree char *manager = NULL;

      if (site == NULL)
        continue;
      id = json_object_get_int_member_with_default (site, "id", 0);
      site_name = json_object_get_string_member_with_default (site, "name", "");
      staff = g_strdup_printf (_("Staff at %s"), site_name);
      manager = g_strdup_printf (_("Manager at %s"), site_name);
      g_ptr_array_add (self->roles, g_strdup_printf ("staff:%" G_GINT64_FORMAT, id));
      gtk_string_list_append (names, staff);
      g_ptr_array_add (self->roles, g_strdup_printf ("manager:%" G_GINT64_FORMAT, id));
      gtk_string_list_append (names, manager);
    }
  g_ptr_array_add (self->roles, g_strdup ("reporting"));
  gtk_string_list_append (names, _("Reporting"));
  g_ptr_array_add (self->roles, g_strdup ("admin"));
  gtk_string_list_append (names, _("Administrator"));
  adw_combo_row_set_model (self->new_role_row, G_LIST_MODEL (names));
}

/* ---- audit log, security ---------------------------------------------------------- */

static void
audit_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumAdminPage *self = user_data;
  g_autoptr(JsonNode) document = atrium_toast_document_finish (self, source, result);
  JsonArray *entries;

  if (document == NULL)
    return;
  remove_rows (self->audit_list);
  entries = member_array (document, "entries");
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      g_autofree char *when = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row;

      if (entry == NULL)
        continue;
      when = atrium_ui_time_of_day (json_object_get_string_member_with_default (entry, "at",
                                                                               NULL));
      /* TRANSLATORS: an audit entry: its time, who did it to whom, the outcome, from
       * where, and its detail */
      subtitle = g_strdup_printf (_("%s · %s → %s · %s · %s · %s"),
        json_object_get_string_member_with_default (entry, "at", ""),
        json_object_get_string_member_with_default (entry, "actor", "-"),
        json_object_get_string_member_with_default (entry, "subject", "-"),
        json_object_get_string_member_with_default (entry, "outcome", ""),
        json_object_get_string_member_with_default (entry, "ip", ""),
        json_object_get_string_member_with_default (entry, "detail", ""));
      row = text_row (json_object_get_string_member_with_default (entry, "event", ""),
                      subtitle);
      gtk_list_box_append (self->audit_list, row);
    }
  if (gtk_widget_get_first_child (GTK_WIDGET (self->audit_list)) == NULL)
    gtk_list_box_append (self->audit_list,
                         text_row (_("Nothing in this period"),
                                   _("Try a longer period or another event.")));
}

static void
audit_reload (AtriumAdminPage *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) from = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *event = NULL;
  guint period = gtk_drop_down_get_selected (self->audit_period_dropdown);

  if (self->api == NULL)
    return;
  period = MIN (period, G_N_ELEMENTS (audit_days) - 1);
  from = g_date_time_add_days (now, -(int) audit_days[period]);
  from_text = g_date_time_format (from, "%Y-%m-%dT%H:%M:%SZ");
  event = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->audit_event_entry))));
  atrium_api_get_audit_async (self->api, from_text, NULL, *event != '\0' ? event : NULL, 200,
                              self->cancellable, audit_read, self);
}

static void
unblocked (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  unlocked (source, result, user_data);
}

static void
unblock_clicked (GtkButton       *button,
                 AtriumAdminPage *self)
{
  atrium_api_unblock_async (self->api, g_object_get_data (G_OBJECT (button), "ip"),
                            self->cancellable, unblocked, self);
}

static void
blocks_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumAdminPage *self = user_data;
  g_autoptr(JsonNode) document = atrium_toast_document_finish (self, source, result);
  JsonArray *blocks;

  if (document == NULL)
    return;
  remove_rows (self->blocks_list);
  blocks = member_array (document, "blocks");
  for (guint i = 0; blocks != NULL && i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);
      const char *ip;
      g_autofree char *label = NULL;
      GtkWidget *row, *button;

      if (block == NULL)
        continue;
      ip = json_object_get_string_member_with_default (block, "ip", "");
      row = text_row (ip, json_object_get_string_member_with_default (block, "reason", NULL));
      button = gtk_button_new_with_mnemonic (_("_Unblock"));
      label = g_strdup_printf (_("Unblock %s"), ip);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      g_object_set_data_full (G_OBJECT (button), "ip", g_strdup (ip), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (unblock_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->blocks_list, row);
    }
  if (gtk_widget_get_first_child (GTK_WIDGET (self->blocks_list)) == NULL)
    gtk_list_box_append (self->blocks_list, text_row (_("No address is blocked"), NULL));
}

static void
events_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumAdminPage *self = user_data;
  g_autoptr(JsonNode) document = atrium_toast_document_finish (self, source, result);
  JsonArray *events;

  if (document == NULL)
    return;
  remove_rows (self->events_list);
  events = member_array (document, "events");
  for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      g_autofree char *subtitle = NULL;

      if (event == NULL)
        continue;
      subtitle = g_strdup_printf ("%s · %s · %s",
        json_object_get_string_member_with_default (event, "at", ""),
        json_object_get_string_member_with_default (event, "ip", ""),
        json_object_get_string_member_with_default (event, "detail", ""));
      gtk_list_box_append (self->events_list,
                           text_row (json_object_get_string_member_with_default (event,
                                                                                "event", ""),
                                     subtitle));
    }
  if (gtk_widget_get_first_child (GTK_WIDGET (self->events_list)) == NULL)
    gtk_list_box_append (self->events_list, text_row (_("No security event"), NULL));
}

void
atrium_admin_page_refresh (AtriumAdminPage *self)
{
  g_return_if_fail (ATRIUM_IS_ADMIN_PAGE (self));

  if (self->api == NULL)
    return;
  atrium_api_list_users_async (self->api, self->cancellable, users_read, self);
  audit_reload (self);
  atrium_api_list_blocks_async (self->api, self->cancellable, blocks_read, self);
  atrium_api_get_security_events_async (self->api, 100, self->cancellable, events_read, self);
}

void
atrium_admin_page_set_api (AtriumAdminPage *self,
                           AtriumApi       *api)
{
  g_return_if_fail (ATRIUM_IS_ADMIN_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_set_object (&self->api, api);
  atrium_api_get_sites_async (api, self->cancellable, sites_read, self);
  atrium_admin_page_refresh (self);
}

GtkListBox *
atrium_admin_page_get_users_list (AtriumAdminPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_ADMIN_PAGE (self), NULL);
  return self->users_list;
}

GtkListBox *
atrium_admin_page_get_audit_list (AtriumAdminPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_ADMIN_PAGE (self), NULL);
  return self->audit_list;
}

static void
atrium_admin_page_dispose (GObject *object)
{
  AtriumAdminPage *self = ATRIUM_ADMIN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->api);
  g_clear_pointer (&self->roles, g_ptr_array_unref);
  atrium_widget_dispose_children (GTK_WIDGET (self), ATRIUM_TYPE_ADMIN_PAGE);
  G_OBJECT_CLASS (atrium_admin_page_parent_class)->dispose (object);
}

static void
atrium_admin_page_class_init (AtriumAdminPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_admin_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-admin-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, section_stack);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, new_name_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, new_email_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, new_password_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, new_role_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, create_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, users_list);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, audit_event_entry);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, audit_period_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, audit_list);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, blocks_list);
  gtk_widget_class_bind_template_child (widget_class, AtriumAdminPage, events_list);
  gtk_widget_class_bind_template_callback (widget_class, create_clicked);
  gtk_widget_class_bind_template_callback (widget_class, audit_reload);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
atrium_admin_page_init (AtriumAdminPage *self)
{
  g_autoptr(GtkStringList) periods = gtk_string_list_new (NULL);

  self->roles = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_string_list_append (periods, _("Last 24 hours"));
  gtk_string_list_append (periods, _("Last 7 days"));
  gtk_string_list_append (periods, _("Last 30 days"));
  gtk_string_list_append (periods, _("Last year"));
  gtk_drop_down_set_model (self->audit_period_dropdown, G_LIST_MODEL (periods));
  gtk_drop_down_set_selected (self->audit_period_dropdown, 1);
}

GtkWidget *
atrium_admin_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_ADMIN_PAGE, NULL);
}
