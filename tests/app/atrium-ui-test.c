/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-ui-test.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include "atrium-key-file.h"
#include "atrium-keyring.h"
#include "atrium-totp.h"

static AtriumApplication *ui_app;
static char *ui_config_dir;    /* of atrium_ui_test_start_demo_with() */
static char *ui_credentials;   /* the cache key's, when the test gave none */
static GArray *ui_accounts;    /* AtriumDemoAccount: of an external demo server */

void
atrium_ui_test_init (int    *argc,
                     char ***argv)
{
  setlocale (LC_ALL, "");
  atrium_application_setup_i18n ();
  g_test_init (argc, argv, NULL);
}

void
atrium_ui_test_spin_until (gboolean (*done) (gpointer),
                           gpointer   data,
                           guint      seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!done (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

void
atrium_ui_test_spin_for (guint milliseconds)
{
  gint64 end = g_get_monotonic_time () + milliseconds * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

GtkWidget *
atrium_ui_test_find_widget (GtkWidget *root,
                            GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = atrium_ui_test_find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
atrium_ui_test_save_screenshot (GtkWidget  *widget,
                                const char *name)
{
  const char *dir = g_getenv ("ATRIUM_TEST_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int width, height;

  if (dir == NULL)
    return;
  /* Past the pages' cross-fades. */
  atrium_ui_test_spin_for (800);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  /* A widget between two frames may have nothing to draw yet: the next frames then. */
  for (guint attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      if (attempt > 0)
        atrium_ui_test_spin_for (100);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  /* tools/screenshots runs the tests once light and once dark. */
  if (adw_style_manager_get_dark (adw_style_manager_get_default ()) &&
      g_str_has_suffix (name, ".png"))
    {
      g_autofree char *stem = g_strndup (name, strlen (name) - 4);
      g_autofree char *dark = g_strconcat (stem, "-dark.png", NULL);

      path = g_build_filename (dir, dark, NULL);
    }
  else
    path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s (%dx%d)", path, width, height);
}

GtkWindow *
atrium_ui_test_find_toplevel (GType type)
{
  GtkWindow *found = NULL;

  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      found = l->data;
  return found;
}

void
atrium_ui_test_apply_style (GtkWindow *window)
{
  const char *scheme = g_getenv ("ATRIUM_TEST_COLOR_SCHEME");
  const char *width = g_getenv ("ATRIUM_TEST_WINDOW_WIDTH");

  if (g_strcmp0 (scheme, "dark") == 0)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                        ADW_COLOR_SCHEME_FORCE_DARK);
  else if (g_strcmp0 (scheme, "light") == 0)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                        ADW_COLOR_SCHEME_FORCE_LIGHT);
  if (width != NULL && window != NULL)
    gtk_window_set_default_size (window, atoi (width), 720);
}

GtkButton *
atrium_ui_test_find_button (GtkWidget  *root,
                            const char *label)
{
  GtkWidget *content = GTK_IS_BUTTON (root) ? gtk_button_get_child (GTK_BUTTON (root)) : NULL;
  /* A button with an icon beside its label holds them in an AdwButtonContent. */
  const char *text = ADW_IS_BUTTON_CONTENT (content)
    ? adw_button_content_get_label (ADW_BUTTON_CONTENT (content))
    : GTK_IS_BUTTON (root) ? gtk_button_get_label (GTK_BUTTON (root)) : NULL;

  if (GTK_IS_BUTTON (root) && gtk_widget_get_visible (root) && text != NULL)
    {
      g_autoptr(GString) plain = g_string_new (text);

      g_string_replace (plain, "_", "", 0);
      if (g_str_equal (plain->str, label))
        return GTK_BUTTON (root);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *found = atrium_ui_test_find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

AtriumWindow *
atrium_ui_test_window (void)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (ui_app));

  g_assert_true (ATRIUM_IS_WINDOW (active));
  return ATRIUM_WINDOW (active);
}

gboolean
atrium_ui_test_on_page (gpointer data)
{
  return g_strcmp0 (atrium_window_get_page (atrium_ui_test_window ()), data) == 0;
}

AtriumLoginPage *
atrium_ui_test_login_page (void)
{
  return atrium_window_get_login_page (atrium_ui_test_window ());
}

const AtriumDemoAccount *
atrium_ui_test_demo_account (const char *name)
{
  AtriumEmbedded *embedded = atrium_application_get_embedded (ui_app);
  guint n = 0;
  const AtriumDemoAccount *accounts = NULL;

  if (embedded != NULL)
    accounts = atrium_embedded_get_demo_accounts (embedded, &n);
  else if (ui_accounts != NULL)
    {
      accounts = (const AtriumDemoAccount *) (gpointer) ui_accounts->data;
      n = ui_accounts->len;
    }

  for (guint i = 0; i < n; i++)
    if (g_str_equal (accounts[i].name, name))
      return &accounts[i];
  g_assert_not_reached ();
}

char *
atrium_ui_test_totp_code (const AtriumDemoAccount *account,
                          gint64                   when)
{
  g_autoptr(GUri) uri = g_uri_parse (account->totp_uri, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GHashTable) params = g_uri_parse_params (g_uri_get_query (uri), -1, "&",
                                                     G_URI_PARAMS_NONE, NULL);
  gsize len = 0;
  g_autofree guint8 *key = atrium_base32_decode (g_hash_table_lookup (params, "secret"), &len,
                                                 NULL);

  g_assert_nonnull (key);
  return g_strdup_printf ("%06u", atrium_totp_code (key, len, when));
}

GtkWidget *
atrium_ui_test_find_row (GtkWidget  *root,
                         const char *row_title)
{
  return atrium_ui_test_find_titled (root, ADW_TYPE_ENTRY_ROW, row_title);
}

GtkWidget *
atrium_ui_test_find_titled (GtkWidget  *root,
                            GType       row_type,
                            const char *row_title)
{
  for (GtkWidget *w = root; w != NULL; )
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (w, row_type) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), row_title) == 0)
        return w;
      /* depth-first walk */
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != root && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w == root ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  return NULL;
}

void
atrium_ui_test_type_into (GtkWidget  *root,
                          const char *row_title,
                          const char *text)
{
  GtkWidget *row = atrium_ui_test_find_row (root, row_title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

void
atrium_ui_test_type_on_keyboard (AtriumKeyboard *keyboard,
                                 const char     *text)
{
  gboolean letters = TRUE;

  for (const char *c = text; *c != '\0'; c++)
    {
      char key[2] = { *c, '\0' };
      gboolean letter = g_ascii_isalpha (*c);

      /* Switch pages as a person would: the letters page is shown again for a letter. */
      if (letter != letters)
        {
          g_assert_true (atrium_keyboard_press (keyboard, letter ? "letters" : "symbols"));
          letters = letter;
        }
      if (*c == ' ')
        g_assert_true (atrium_keyboard_press (keyboard, "space"));
      else
        {
          if (g_ascii_isupper (*c))
            g_assert_true (atrium_keyboard_press (keyboard, "shift"));
          if (!atrium_keyboard_press (keyboard, key))
            g_error ("The on-screen keyboard has no key “%s”", key);
        }
    }
}

gboolean
atrium_ui_test_step_is_code (gpointer data)
{
  return g_strcmp0 (atrium_login_page_get_step (atrium_ui_test_login_page ()), "code") == 0;
}

static gboolean
step_passed (gpointer data)
{
  return g_get_real_time () / G_USEC_PER_SEC / 30 != *(gint64 *) data;
}

/* The server refuses a TOTP code of a 30 s step it already took for that account (a
 * replay): a second sign-in within the same step waits for the next one. */
char *
atrium_ui_test_fresh_totp_code (const AtriumDemoAccount *account)
{
  static GHashTable *last_steps;
  gpointer last;
  gint64 step;

  if (last_steps == NULL)
    last_steps = g_hash_table_new (g_str_hash, g_str_equal);
  if (g_hash_table_lookup_extended (last_steps, account->name, NULL, &last))
    {
      gint64 used = GPOINTER_TO_SIZE (last);

      atrium_ui_test_spin_until (step_passed, &used, 40);
    }
  step = g_get_real_time () / G_USEC_PER_SEC / 30;
  g_hash_table_insert (last_steps, account->name, GSIZE_TO_POINTER ((gsize) step));
  return atrium_ui_test_totp_code (account, step * 30);
}

void
atrium_ui_test_sign_in (const char *name,
                        gboolean    second_factor)
{
  GtkWidget *page = GTK_WIDGET (atrium_ui_test_login_page ());
  const AtriumDemoAccount *account = atrium_ui_test_demo_account (name);

  atrium_ui_test_spin_until (atrium_ui_test_on_page, "login", 10);
  atrium_ui_test_type_into (page, "User Name", account->name);
  atrium_ui_test_type_into (page, "Password", account->password);
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (page, "Sign In")));
  if (second_factor)
    {
      g_autofree char *code = NULL;

      atrium_ui_test_spin_until (atrium_ui_test_step_is_code, NULL, 30);
      code = atrium_ui_test_fresh_totp_code (account);
      atrium_ui_test_type_into (page, "Code", code);
      gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (page, "Verify")));
    }
  atrium_ui_test_spin_until (atrium_ui_test_on_page, "main", 30);
}

void
atrium_ui_test_sign_out (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (atrium_ui_test_window ()),
                                             "win.sign-out", NULL));
  atrium_ui_test_spin_until (atrium_ui_test_on_page, "login", 10);
}

static gboolean
backend_ready (gpointer data)
{
  if (atrium_application_get_kiosk (ui_app))
    return atrium_application_get_backend_state (ui_app) == ATRIUM_BACKEND_READY;
  return atrium_ui_test_on_page ((gpointer) "login");
}

/* The key of the outboxes and caches as a systemd unit gives it (a credential): the
 * tests' D-Bus session has no keyring. */
static void
give_credentials (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key_path = NULL;

  if (g_getenv ("CREDENTIALS_DIRECTORY") != NULL)
    return;
  ui_credentials = g_dir_make_tmp ("atrium-ui-credentials-XXXXXX", &error);
  g_assert_no_error (error);
  key_path = g_build_filename (ui_credentials, ATRIUM_SECRETS_CREDENTIAL_NAME, NULL);
  g_assert_true (atrium_key_file_create (key_path, &error));
  g_setenv ("CREDENTIALS_DIRECTORY", ui_credentials, TRUE);
}

static AtriumApplication *
start_demo (const char *config_file,
            gboolean    kiosk)
{
  g_autoptr(GError) error = NULL;
  AtriumApplication *app = NULL;

  give_credentials ();
  app = atrium_application_new (G_APPLICATION_NON_UNIQUE);
  ui_app = app;
  atrium_application_set_kiosk (app, kiosk);
  atrium_application_use_demo (app, config_file);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  atrium_ui_test_apply_style (gtk_application_get_active_window (GTK_APPLICATION (app)));
  /* The demo hashes its accounts' passwords and writes eight weeks of history. */
  atrium_ui_test_spin_until (backend_ready, NULL, 240);
  return app;
}

AtriumApplication *
atrium_ui_test_start_demo (const char *config_file)
{
  return start_demo (config_file, FALSE);
}

/* A new application with nothing chosen on the command line: the first-run page, or
 * whatever the settings remembered. */
AtriumApplication *
atrium_ui_test_start_plain (void)
{
  g_autoptr(GError) error = NULL;
  AtriumApplication *app = atrium_application_new (G_APPLICATION_NON_UNIQUE);

  ui_app = app;
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  atrium_ui_test_apply_style (gtk_application_get_active_window (GTK_APPLICATION (app)));
  return app;
}

AtriumApplication *
atrium_ui_test_start_server (const char *url,
                             const char *demo_output)
{
  g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
  AtriumApplication *app;

  g_clear_pointer (&ui_accounts, g_array_unref);
  ui_accounts = atrium_demo_accounts_new ();
  atrium_demo_report_read (demo_output, ui_accounts, NULL);
  g_assert_cmpuint (ui_accounts->len, >, 0);
  give_credentials ();
  g_assert_true (g_settings_set_string (settings, "server-url", url));
  app = atrium_ui_test_start_plain ();
  atrium_ui_test_spin_until (backend_ready, NULL, 60);
  return app;
}

AtriumApplication *
atrium_ui_test_start_demo_with (const char *config_text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;

  g_assert_null (ui_config_dir);
  ui_config_dir = g_dir_make_tmp ("atrium-ui-XXXXXX", &error);
  g_assert_no_error (error);
  config = g_build_filename (ui_config_dir, "server.conf", NULL);
  g_assert_true (g_file_set_contents (config, config_text, -1, &error));
  g_assert_no_error (error);
  return atrium_ui_test_start_demo (config);
}

AtriumApplication *
atrium_ui_test_start_kiosk (void)
{
  return start_demo (NULL, TRUE);
}

void
atrium_ui_test_quit (AtriumApplication **app)
{
  GList *windows;

  if (*app == NULL)
    return;
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (*app))) != NULL)
    gtk_window_destroy (windows->data);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* The embedded server stops and its threads are joined before the process exits:
   * the application is not run, so its "shutdown" never comes, and it outlives our
   * reference (GtkApplication keeps one until then). */
  atrium_application_disconnect (*app);
  g_clear_object (app);
  ui_app = NULL;
  g_clear_pointer (&ui_accounts, g_array_unref);
  if (ui_config_dir != NULL)
    {
      g_autofree char *config = g_build_filename (ui_config_dir, "server.conf", NULL);

      g_unlink (config);
      g_rmdir (ui_config_dir);
      g_clear_pointer (&ui_config_dir, g_free);
    }
  if (ui_credentials != NULL)
    {
      g_autofree char *key_path = g_build_filename (ui_credentials,
                                                    ATRIUM_SECRETS_CREDENTIAL_NAME, NULL);

      g_unlink (key_path);
      g_rmdir (ui_credentials);
      g_clear_pointer (&ui_credentials, g_free);
      g_unsetenv ("CREDENTIALS_DIRECTORY");
    }
}

void
atrium_ui_test_took_result (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

gboolean
atrium_ui_test_has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* ---- bookings ------------------------------------------------------------------------- */

gboolean
atrium_ui_test_has_results (gpointer data)
{
  AtriumBookingsPage *page = data;
  GtkListBox *list = atrium_bookings_page_get_results_list (page);

  return gtk_widget_get_mapped (GTK_WIDGET (list)) &&
         gtk_list_box_get_row_at_index (list, 0) != NULL &&
         g_object_get_data (G_OBJECT (gtk_list_box_get_row_at_index (list, 0)),
                            "resource-id") != NULL;
}

GtkListBoxRow *
atrium_ui_test_row_with (GtkListBox *list,
                         const char *key,
                         int         value)
{
  for (int i = 0; gtk_list_box_get_row_at_index (list, i) != NULL; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, i);

      if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), key)) == value)
        return row;
    }
  return NULL;
}

gboolean
atrium_ui_test_has_booked_row (gpointer data)
{
  GtkListBox *list = atrium_bookings_page_get_mine_list (data);

  for (int i = 0; gtk_list_box_get_row_at_index (list, i) != NULL; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (gtk_list_box_get_row_at_index (list, i)),
                                      "status"), "booked") == 0)
      return TRUE;
  return FALSE;
}

/* ---- a desktop's notification server ------------------------------------------------ */

/* GLib's GNotification talks to org.gtk.Notifications when that name has an owner on the
 * session bus (and otherwise to org.freedesktop.Notifications, with a warning when no
 * daemon answers). This one keeps what it is sent, on a connection of its own. */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.gtk.Notifications'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static GDBusConnection *notifications_bus;
static GPtrArray *notifications;   /* AtriumUiTestNotification */
static gboolean notifications_owned;

static void
notification_free (gpointer data)
{
  AtriumUiTestNotification *notification = data;

  g_free (notification->id);
  g_free (notification->title);
  g_free (notification->body);
  g_free (notification->default_action);
  g_free (notification);
}

static void
notifications_called (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *path,
                      const char            *interface,
                      const char            *method,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  const char *id;

  if (g_str_equal (method, "AddNotification"))
    {
      AtriumUiTestNotification *notification = g_new0 (AtriumUiTestNotification, 1);
      g_autoptr(GVariant) fields = NULL;

      g_variant_get (parameters, "(&s&s@a{sv})", NULL, &id, &fields);
      notification->id = g_strdup (id);
      g_variant_lookup (fields, "title", "s", &notification->title);
      g_variant_lookup (fields, "body", "s", &notification->body);
      g_variant_lookup (fields, "default-action", "s", &notification->default_action);
      g_ptr_array_add (notifications, notification);
    }
  else
    {
      g_variant_get (parameters, "(&s&s)", NULL, &id);
      for (guint i = 0; i < notifications->len; i++)
        {
          AtriumUiTestNotification *notification = g_ptr_array_index (notifications, i);

          notification->withdrawn |= g_str_equal (notification->id, id);
        }
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
notifications_name_acquired (GDBusConnection *connection,
                             const char      *name,
                             gpointer         user_data)
{
  notifications_owned = TRUE;
}

static gboolean
notifications_ready (gpointer data)
{
  return notifications_owned;
}

GPtrArray *
atrium_ui_test_own_notifications (void)
{
  static const GDBusInterfaceVTable vtable = { notifications_called, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  if (notifications_bus != NULL)
    {
      g_ptr_array_set_size (notifications, 0);
      return notifications;
    }
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  notifications_bus = g_dbus_connection_new_for_address_sync (
      address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);
  info = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (notifications_bus, "/org/gtk/Notifications",
                                     info->interfaces[0], &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  notifications = g_ptr_array_new_with_free_func (notification_free);
  g_bus_own_name_on_connection (notifications_bus, "org.gtk.Notifications",
                                G_BUS_NAME_OWNER_FLAGS_NONE, notifications_name_acquired,
                                NULL, NULL, NULL);
  atrium_ui_test_spin_until (notifications_ready, NULL, 10);
  return notifications;
}

/* ---- a patron's own client beside the window ------------------------------------------ */

AtriumApi *
atrium_ui_test_patron_api (AtriumApplication *app)
{
  const AtriumDemoAccount *patron = atrium_ui_test_demo_account ("demo-patron");
  g_autoptr(GError) error = NULL;
  AtriumApi *api = atrium_application_new_api (app, &error);
  g_autoptr(AtriumLoginResult) login = NULL;
  GAsyncResult *result = NULL;

  g_assert_no_error (error);

  atrium_api_login_async (api, patron->name, patron->password, NULL,
                          atrium_ui_test_took_result, &result);
  atrium_ui_test_spin_until (atrium_ui_test_has_result, &result, 30);
  login = atrium_api_login_finish (api, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return api;
}

JsonNode *
atrium_ui_test_answer (AtriumApi     *api,
                       GAsyncResult **result)
{
  g_autoptr(GError) error = NULL;
  JsonNode *document;

  atrium_ui_test_spin_until (atrium_ui_test_has_result, result, 30);
  document = atrium_api_document_finish (api, *result, &error);
  g_assert_no_error (error);
  g_clear_object (result);
  return document;
}

void
atrium_ui_test_half_hour (guint   minutes,
                          char  **start,
                          char  **end)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) from = g_date_time_add_minutes (now, (int) minutes -
                                                            g_date_time_get_minute (now) % 15);
  g_autoptr(GDateTime) to = g_date_time_add_minutes (from, 30);
  g_autoptr(GDateTime) from_utc = g_date_time_to_utc (from);
  g_autoptr(GDateTime) to_utc = g_date_time_to_utc (to);

  *start = g_date_time_format (from_utc, "%Y-%m-%dT%H:%M:00Z");
  *end = g_date_time_format (to_utc, "%Y-%m-%dT%H:%M:00Z");
}

gint64
atrium_ui_test_free_seat (AtriumApplication *app,
                          const char        *start,
                          const char        *end)
{
  g_autoptr(AtriumApi) api = atrium_ui_test_patron_api (app);
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  GAsyncResult *result = NULL;
  JsonArray *resources;

  g_hash_table_insert (query, "site", "2");
  g_hash_table_insert (query, "type", "seat");
  g_hash_table_insert (query, "free_from", (gpointer) start);
  g_hash_table_insert (query, "free_to", (gpointer) end);
  atrium_api_search_resources_async (api, query, NULL, atrium_ui_test_took_result, &result);
  found = atrium_ui_test_answer (api, &result);
  resources = json_object_get_array_member (json_node_get_object (found), "resources");
  g_assert_cmpuint (json_array_get_length (resources), >, 0);
  return json_object_get_int_member (json_array_get_object_element (resources, 0), "id");
}

gint64
atrium_ui_test_patron_books (AtriumApplication *app,
                             guint              minutes)
{
  g_autoptr(AtriumApi) api = atrium_ui_test_patron_api (app);
  g_autoptr(JsonNode) booking = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  g_autofree char *key = atrium_api_new_idempotency_key ();
  GAsyncResult *result = NULL;
  gint64 seat;

  atrium_ui_test_half_hour (minutes, &start, &end);
  seat = atrium_ui_test_free_seat (app, start, end);
  atrium_api_create_booking_async (api, seat, start, end, 1, key, NULL,
                                   atrium_ui_test_took_result, &result);
  booking = atrium_ui_test_answer (api, &result);
  return json_object_get_int_member (json_node_get_object (booking), "id");
}

const char *
atrium_ui_test_today_status (AtriumTodayPage *today,
                             gint64           id)
{
  GListModel *model = atrium_today_page_get_model (today);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AtriumBookingItem) item = g_list_model_get_item (model, i);

      if (atrium_booking_item_get_id (item) == id)
        return g_intern_string (atrium_booking_item_get_status (item));
    }
  return NULL;
}
