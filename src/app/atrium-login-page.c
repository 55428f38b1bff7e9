/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-login-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "atrium-random.h"
#include "atrium-totp.h"
#include "atrium-ui-text.h"
#include "atrium-widget.h"

struct _AtriumLoginPage
{
  GtkWidget       parent_instance;

  AtriumApi      *api;
  AtriumEmbedded *demo;
  GCancellable   *cancellable;
  char           *challenge;
  char           *demo_totp_uri;   /* of the demo account picked, for its hint */
  guint           resend_source;
  guint           resend_left;
  guint           demo_code_source;

  GtkImage             *logo;
  GtkWidget            *password_step;
  GtkWidget            *code_step;
  AdwEntryRow          *username_row;
  AdwPasswordEntryRow  *password_row;
  GtkButton            *sign_in_button;
  AdwEntryRow          *code_row;
  GtkLabel             *code_prompt;
  GtkLabel             *demo_code_label;
  GtkButton            *verify_button;
  GtkButton            *send_email_button;
  GtkButton            *send_sms_button;
  GtkLabel             *resend_label;
  GtkButton            *back_button;
  GtkSpinner           *spinner;
  GtkLabel             *error_label;
  AdwPreferencesGroup  *demo_group;
  GPtrArray            *demo_rows;
  GtkWidget            *kept_group;   /* nullable: the occupancy kept, shown offline */
};

G_DEFINE_FINAL_TYPE (AtriumLoginPage, atrium_login_page, GTK_TYPE_WIDGET)

enum
{
  SIGNED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_error (AtriumLoginPage *self,
            const char      *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* While a request runs, the page shows a spinner and takes no second one. */
static void
set_busy (AtriumLoginPage *self,
          gboolean         busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  /* Only the buttons: an entry made insensitive while it has the focus loses it
   * without a focus-out, which GTK warns about. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->verify_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), !busy);
  if (busy)
    show_error (self, NULL);
}

static void
stop_resend_countdown (AtriumLoginPage *self)
{
  g_clear_handle_id (&self->resend_source, g_source_remove);
  gtk_widget_set_visible (GTK_WIDGET (self->resend_label), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_email_button), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_sms_button), TRUE);
}

/* The demo's hint: the code the chosen account's authenticator would show now. */
static gboolean
update_demo_code (gpointer user_data)
{
  AtriumLoginPage *self = user_data;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autofree guint8 *key = NULL;
  g_autofree char *text = NULL;
  const char *secret;
  gsize key_len = 0;

  if (self->demo_totp_uri == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->demo_code_label), FALSE);
      return G_SOURCE_CONTINUE;
    }
  uri = g_uri_parse (self->demo_totp_uri, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_query (uri) != NULL)
    params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  secret = params != NULL ? g_hash_table_lookup (params, "secret") : NULL;
  if (secret != NULL)
    key = atrium_base32_decode (secret, &key_len, NULL);
  if (key == NULL)
    return G_SOURCE_CONTINUE;
  text = g_strdup_printf (_("Demo: the authenticator of this account shows %06u now."),
                          atrium_totp_code (key, key_len, g_get_real_time () / G_USEC_PER_SEC));
  atrium_secure_zero (key, key_len);
  gtk_label_set_text (self->demo_code_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->demo_code_label), TRUE);
  return G_SOURCE_CONTINUE;
}

/* Two boxes, one visible at a time: assistive technologies are offered only the fields
 * of the step on screen. */
static void
set_step (AtriumLoginPage *self,
          const char      *step)
{
  gboolean code = g_str_equal (step, "code");

  gtk_widget_set_visible (self->code_step, code);
  gtk_widget_set_visible (self->password_step, !code);
}

static void
show_step (AtriumLoginPage *self,
           const char      *step)
{
  set_step (self, step);
  if (g_str_equal (step, "code"))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
      update_demo_code (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
    }
  else
    {
      g_clear_pointer (&self->challenge, g_free);
      stop_resend_countdown (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
    }
}

static void
finish_sign_in (AtriumLoginPage   *self,
                AtriumLoginResult *result)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  /* The page is left: its entries give the focus up first. */
  if (root != NULL)
    gtk_root_set_focus (root, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  set_step (self, "password");
  g_clear_pointer (&self->challenge, g_free);
  stop_resend_countdown (self);
  g_signal_emit (self, signals[SIGNED_IN], 0, result);
}

static void
login_done (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  AtriumLoginPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumLoginResult) result = atrium_api_login_finish (ATRIUM_API (source), res,
                                                                 &error);

  if (result == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (self->kept_group != NULL)
    gtk_widget_set_visible (self->kept_group,
                            g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE));
  if (result == NULL)
    {
      g_autofree char *text = atrium_ui_error_text (error);

      show_error (self, text);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }
  if (!result->second_factor)
    {
      finish_sign_in (self, result);
      return;
    }
  g_free (self->challenge);
  self->challenge = g_strdup (result->challenge);
  gtk_widget_set_visible (GTK_WIDGET (self->send_email_button),
                          result->methods != NULL &&
                          g_strv_contains ((const char * const *) result->methods, "email"));
  gtk_widget_set_visible (GTK_WIDGET (self->send_sms_button),
                          result->methods != NULL &&
                          g_strv_contains ((const char * const *) result->methods, "sms"));
  show_step (self, "code");
}

static void
sign_in_clicked (AtriumLoginPage *self)
{
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->username_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (self->api == NULL || gtk_widget_get_visible (GTK_WIDGET (self->spinner)))
    return;
  if (*username == '\0')
    {
      show_error (self, _("Enter your user name."));
      gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
      return;
    }
  if (*password == '\0')
    {
      show_error (self, _("Enter your password."));
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }
  set_busy (self, TRUE);
  atrium_api_login_async (self->api, username, password, self->cancellable, login_done,
                          self);
}

static void
username_activated (AtriumLoginPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
verify_done (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  AtriumLoginPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumLoginResult) result = atrium_api_verify_code_finish (ATRIUM_API (source),
                                                                       res, &error);

  if (result == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (result == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED))
        text = g_strdup (_("This code is not right, or it has expired. Check it and try "
                           "again, or go back and sign in again."));
      else
        text = atrium_ui_error_text (error);
      show_error (self, text);
      gtk_editable_select_region (GTK_EDITABLE (self->code_row), 0, -1);
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
      return;
    }
  finish_sign_in (self, result);
}

/* Six digits, or a recovery code such as "abcd-efgh-jkmn". */
static gboolean
code_looks_right (const char *code)
{
  g_autofree char *recovery = atrium_recovery_code_normalize (code);
  gsize len = strlen (code);

  if (recovery != NULL)
    return TRUE;
  if (len != 6)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (code[i]))
      return FALSE;
  return TRUE;
}

static void
verify_clicked (AtriumLoginPage *self)
{
  g_autofree char *code = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->code_row)));

  if (self->api == NULL || self->challenge == NULL ||
      gtk_widget_get_visible (GTK_WIDGET (self->spinner)))
    return;
  g_strstrip (code);
  if (!code_looks_right (code))
    {
      show_error (self, _("A code has six digits (or is a recovery code such as "
                          "“abcd-efgh-jkmn”)."));
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
      return;
    }
  set_busy (self, TRUE);
  atrium_api_verify_code_async (self->api, self->challenge, code, self->cancellable,
                                verify_done, self);
}

static gboolean
resend_tick (gpointer user_data)
{
  AtriumLoginPage *self = user_data;
  g_autofree char *text = NULL;

  if (self->resend_left == 0)
    {
      self->resend_source = 0;
      stop_resend_countdown (self);
      return G_SOURCE_REMOVE;
    }
  text = g_strdup_printf (ngettext ("A code was sent. You can ask for another in %u second.",
                                    "A code was sent. You can ask for another in %u seconds.",
                                    self->resend_left), self->resend_left);
  gtk_label_set_text (self->resend_label, text);
  self->resend_left--;
  return G_SOURCE_CONTINUE;
}

static void
send_done (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  AtriumLoginPage *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!atrium_api_send_code_finish (ATRIUM_API (source), res, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      stop_resend_countdown (self);
      text = atrium_ui_error_text (error);
      show_error (self, text);
      return;
    }
  set_busy (self, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
}

static void
send_code (AtriumLoginPage *self,
           const char      *method)
{
  if (self->api == NULL || self->challenge == NULL || self->resend_source != 0)
    return;
  set_busy (self, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_email_button), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_sms_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->resend_label), TRUE);
  self->resend_left = ATRIUM_LOGIN_RESEND_SECONDS;
  resend_tick (self);
  self->resend_source = g_timeout_add_seconds (1, resend_tick, self);
  atrium_api_send_code_async (self->api, self->challenge, method, self->cancellable,
                              send_done, self);
}

static void
send_email_clicked (AtriumLoginPage *self)
{
  send_code (self, "email");
}

static void
send_sms_clicked (AtriumLoginPage *self)
{
  send_code (self, "sms");
}

static void
back_clicked (AtriumLoginPage *self)
{
  show_error (self, NULL);
  show_step (self, "password");
}

static void
demo_account_picked (GtkButton       *button,
                     AtriumLoginPage *self)
{
  const AtriumDemoAccount *account = g_object_get_data (G_OBJECT (button), "account");

  gtk_editable_set_text (GTK_EDITABLE (self->username_row), account->name);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), account->password);
  g_free (self->demo_totp_uri);
  self->demo_totp_uri = g_strdup (account->totp_uri);
  show_error (self, NULL);
  show_step (self, "password");
  gtk_widget_grab_focus (GTK_WIDGET (self->sign_in_button));
}

static const char *
role_words (const char *role)
{
  if (g_str_has_prefix (role, "patron"))
    return _("Patron: finds and books a seat");
  if (g_str_has_prefix (role, "staff"))
    return _("Staff: today’s bookings and check-ins");
  if (g_str_has_prefix (role, "manager"))
    return _("Manager: resources, rules and statistics");
  if (g_str_has_prefix (role, "reporting"))
    return _("Reporting: statistics and exports");
  if (g_str_has_prefix (role, "admin"))
    return _("Administrator: users and security");
  return role;
}

void
atrium_login_page_set_demo (AtriumLoginPage *self,
                            AtriumEmbedded  *embedded)
{
  const AtriumDemoAccount *accounts = NULL;
  guint n = 0;

  g_return_if_fail (ATRIUM_IS_LOGIN_PAGE (self));

  for (guint i = 0; i < self->demo_rows->len; i++)
    adw_preferences_group_remove (self->demo_group, self->demo_rows->pdata[i]);
  g_ptr_array_set_size (self->demo_rows, 0);
  g_set_object (&self->demo, embedded);
  if (embedded != NULL)
    accounts = atrium_embedded_get_demo_accounts (embedded, &n);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_label (_("Use"));
      g_autofree char *label = g_strdup_printf (_("Use the account %s"), accounts[i].name);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), accounts[i].name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), role_words (accounts[i].role));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_object_set_data (G_OBJECT (button), "account", (gpointer) &accounts[i]);
      g_signal_connect (button, "clicked", G_CALLBACK (demo_account_picked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
      gtk_widget_set_name (row, accounts[i].name);
      adw_preferences_group_add (self->demo_group, row);
      g_ptr_array_add (self->demo_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->demo_group), n > 0);
}

void
atrium_login_page_set_api (AtriumLoginPage *self,
                           AtriumApi       *api)
{
  g_return_if_fail (ATRIUM_IS_LOGIN_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_busy (self, FALSE);
  g_set_object (&self->api, api);
}

/* The name of site @id in a GET /sites document, or NULL. */
static const char *
site_name (JsonNode *sites,
           gint64    id)
{
  JsonArray *list = json_object_get_array_member (json_node_get_object (sites), "sites");

  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *site = json_array_get_object_element (list, i);

      if (site != NULL && json_object_get_int_member_with_default (site, "id", 0) == id)
        return json_object_get_string_member_with_default (site, "name", NULL);
    }
  return NULL;
}

static GtkWidget *
kept_space_row (const char *site,
                JsonObject *space)
{
  gint64 percent = json_object_get_int_member_with_default (space, "percent", -1);
  const char *level = json_object_get_string_member_with_default (space, "level", "");
  g_autofree char *figure = percent >= 0
                            /* TRANSLATORS: a room's occupancy, then how busy in words */
                            ? g_strdup_printf (_("%d %% · %s"), (int) percent,
                                               atrium_ui_level_words (level))
                            : g_strdup (_("No figure"));
  g_autofree char *subtitle = site != NULL ? g_strdup_printf ("%s · %s", site, figure)
                                           : g_strdup (figure);
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 json_object_get_string_member_with_default (space, "name",
                                                                             ""));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static void
kept_probed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result, &error);
  AtriumLoginPage *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (self->kept_group != NULL)
    gtk_widget_set_visible (self->kept_group,
                            g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE));
}

void
atrium_login_page_set_kept (AtriumLoginPage *self,
                            JsonNode        *sites,
                            JsonNode        *occupancy,
                            gint64           fetched_at)
{
  g_autofree char *age = NULL;
  JsonArray *list;
  GtkWidget *group;

  g_return_if_fail (ATRIUM_IS_LOGIN_PAGE (self));

  if (self->kept_group != NULL)
    gtk_widget_unparent (g_steal_pointer (&self->kept_group));
  if (occupancy == NULL || !JSON_NODE_HOLDS_OBJECT (occupancy) || sites == NULL ||
      !JSON_NODE_HOLDS_OBJECT (sites))
    return;
  list = json_object_get_array_member (json_node_get_object (occupancy), "sites");
  if (list == NULL)
    return;
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group),
                                   _("Occupancy When Last Seen"));
  age = atrium_ui_offline_text (fetched_at);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), age);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *site = json_array_get_object_element (list, i);
      JsonArray *spaces = site != NULL ? json_object_get_array_member (site, "spaces") : NULL;
      const char *name = site != NULL
                         ? site_name (sites, json_object_get_int_member_with_default (site,
                                                                                      "id", 0))
                         : NULL;

      for (guint j = 0; spaces != NULL && j < json_array_get_length (spaces); j++)
        if (json_array_get_object_element (spaces, j) != NULL)
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                     kept_space_row (name,
                                                     json_array_get_object_element (spaces,
                                                                                    j)));
    }
  /* Shown only while the server cannot be reached: asked now, and at each sign-in. */
  gtk_widget_set_visible (group, FALSE);
  gtk_widget_insert_after (group, gtk_widget_get_parent (GTK_WIDGET (self->demo_group)),
                           GTK_WIDGET (self->demo_group));
  self->kept_group = group;
  if (self->api != NULL)
    atrium_api_get_document_async (self->api, "/api/v1/occupancy", self->cancellable,
                                   kept_probed, self);
}

const char *
atrium_login_page_get_kept_text (AtriumLoginPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_LOGIN_PAGE (self), NULL);

  if (self->kept_group == NULL || !gtk_widget_get_visible (self->kept_group))
    return NULL;
  return adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (self->kept_group));
}

void
atrium_login_page_reset (AtriumLoginPage *self,
                         const char      *message)
{
  g_return_if_fail (ATRIUM_IS_LOGIN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  show_step (self, "password");
  show_error (self, message);
}

const char *
atrium_login_page_get_step (AtriumLoginPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_LOGIN_PAGE (self), NULL);

  return gtk_widget_get_visible (self->code_step) ? "code" : "password";
}

const char *
atrium_login_page_get_error (AtriumLoginPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_LOGIN_PAGE (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
         ? gtk_label_get_text (self->error_label) : NULL;
}

/* Shown: the first field to fill has the keyboard. */
static void
atrium_login_page_map (GtkWidget *widget)
{
  AtriumLoginPage *self = ATRIUM_LOGIN_PAGE (widget);

  GTK_WIDGET_CLASS (atrium_login_page_parent_class)->map (widget);
  if (gtk_widget_get_visible (self->code_step))
    gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->username_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
atrium_login_page_dispose (GObject *object)
{
  AtriumLoginPage *self = ATRIUM_LOGIN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->resend_source, g_source_remove);
  g_clear_handle_id (&self->demo_code_source, g_source_remove);
  g_clear_object (&self->api);
  g_clear_object (&self->demo);
  g_clear_pointer (&self->demo_rows, g_ptr_array_unref);
  atrium_widget_dispose_children (GTK_WIDGET (self), ATRIUM_TYPE_LOGIN_PAGE);
  G_OBJECT_CLASS (atrium_login_page_parent_class)->dispose (object);
}

static void
atrium_login_page_finalize (GObject *object)
{
  AtriumLoginPage *self = ATRIUM_LOGIN_PAGE (object);

  g_free (self->challenge);
  g_free (self->demo_totp_uri);
  G_OBJECT_CLASS (atrium_login_page_parent_class)->finalize (object);
}

static void
atrium_login_page_class_init (AtriumLoginPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_login_page_dispose;
  object_class->finalize = atrium_login_page_finalize;
  widget_class->map = atrium_login_page_map;

  signals[SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                     atrium_login_result_get_type ());

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-login-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, logo);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, password_step);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, code_step);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, username_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, code_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, code_prompt);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, demo_code_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, verify_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, send_email_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, send_sms_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, resend_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumLoginPage, demo_group);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked);
  gtk_widget_class_bind_template_callback (widget_class, username_activated);
  gtk_widget_class_bind_template_callback (widget_class, verify_clicked);
  gtk_widget_class_bind_template_callback (widget_class, send_email_clicked);
  gtk_widget_class_bind_template_callback (widget_class, send_sms_clicked);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
atrium_login_page_init (AtriumLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  set_step (self, "password");
  self->cancellable = g_cancellable_new ();
  self->demo_rows = g_ptr_array_new ();
  gtk_image_set_from_icon_name (self->logo, APPLICATION_ID);
  /* The demo hint follows the 30 s steps of TOTP. */
  self->demo_code_source = g_timeout_add_seconds (1, update_demo_code, self);
}

GtkWidget *
atrium_login_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_LOGIN_PAGE, NULL);
}
