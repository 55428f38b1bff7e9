/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sessions through the real widgets against the real embedded demo backend: the
 * administrator opens a patron's sessions from the users list, signs one out after the
 * confirmation, and the server refuses that token while the patron's other session and
 * the administrator's go on; then the administrator's own sessions, the current one
 * marked and without a "Sign Out".
 */
#include "config.h"

#include <glib/gi18n.h>

#include "atrium-admin-page.h"
#include "atrium-sessions-window.h"
#include "atrium-ui-test.h"

static AtriumApplication *the_app;

/* A second client of the demo backend, signed in as @name: its own session. */
static AtriumApi *
client_signed_in (const char *name)
{
  AtriumEmbedded *embedded = atrium_application_get_embedded (the_app);
  const AtriumDemoAccount *account = atrium_ui_test_demo_account (name);
  AtriumApi *api = atrium_api_new_for_unix_socket (atrium_embedded_get_socket_path (embedded));
  g_autoptr(AtriumLoginResult) login = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  atrium_api_login_async (api, account->name, account->password, NULL,
                          atrium_ui_test_took_result, &result);
  atrium_ui_test_spin_until (atrium_ui_test_has_result, &result, 30);
  login = atrium_api_login_finish (api, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (login->token);
  g_clear_object (&result);
  return api;
}

/* The id of the session @api talks through, as its owner's list marks it. */
static gint64
current_session (AtriumApi *api)
{
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  JsonArray *sessions;

  atrium_api_list_sessions_async (api, NULL, atrium_ui_test_took_result, &result);
  atrium_ui_test_spin_until (atrium_ui_test_has_result, &result, 30);
  document = atrium_api_document_finish (api, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  sessions = json_object_get_array_member (json_node_get_object (document), "sessions");
  for (guint i = 0; i < json_array_get_length (sessions); i++)
    {
      JsonObject *session = json_array_get_object_element (sessions, i);

      if (json_object_get_boolean_member (session, "current"))
        return json_object_get_int_member (session, "id");
    }
  g_assert_not_reached ();
}

/* The server's answer to @api's GET /api/v1/me: NULL when it is accepted. */
static GError *
me_error (AtriumApi *api)
{
  g_autoptr(JsonNode) me = NULL;
  GError *error = NULL;
  GAsyncResult *result = NULL;

  atrium_api_get_me_async (api, NULL, atrium_ui_test_took_result, &result);
  atrium_ui_test_spin_until (atrium_ui_test_has_result, &result, 30);
  me = atrium_api_document_finish (api, result, &error);
  g_clear_object (&result);
  return error;
}

static GtkListBoxRow *
user_row (AtriumAdminPage *page,
          const char      *name)
{
  GtkListBox *list = atrium_admin_page_get_users_list (page);
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "user-name"), name) == 0)
      return row;
  return NULL;
}

static gboolean
has_patron_row (gpointer data)
{
  return user_row (data, "demo-patron") != NULL;
}

/* The row of the session @id in @window's list, or NULL. */
static GtkListBoxRow *
session_row (AtriumSessionsWindow *window,
             gint64                id)
{
  GtkListBox *list = atrium_sessions_window_get_list (window);
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    {
      gint64 *row_id = g_object_get_data (G_OBJECT (row), "session-id");

      if (row_id != NULL && *row_id == id)
        return row;
    }
  return NULL;
}

static AtriumSessionsWindow *
sessions_window (void)
{
  return (AtriumSessionsWindow *) atrium_ui_test_find_toplevel (ATRIUM_TYPE_SESSIONS_WINDOW);
}

static gboolean
sessions_shown (gpointer data)
{
  AtriumSessionsWindow *window = sessions_window ();

  return window != NULL && atrium_sessions_window_is_ready (window);
}

static AdwMessageDialog *
confirmation (void)
{
  return (AdwMessageDialog *) atrium_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
}

static gboolean
confirmation_shown (gpointer data)
{
  return confirmation () != NULL;
}

/* Answers the confirmation as its button does (the response, then the dialog closes). */
static void
respond (const char *response)
{
  AdwMessageDialog *dialog = confirmation ();

  adw_message_dialog_response (dialog, response);
  gtk_window_close (GTK_WINDOW (dialog));
  atrium_ui_test_spin_for (100);
  g_assert_null (confirmation ());
}

/* The window read its list again and the session @data is no longer in it. */
static gboolean
session_gone (gpointer data)
{
  AtriumSessionsWindow *window = sessions_window ();

  return window != NULL && atrium_sessions_window_is_ready (window) &&
         session_row (window, *(gint64 *) data) == NULL;
}

/* @window again at 360 px wide, the narrowest the app supports. */
static void
narrow (GtkWindow *window)
{
  int minimum = 0;

  /* Nothing in it asks for more. */
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL,
                      NULL, NULL);
  g_assert_cmpint (minimum, <=, 360);
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  gtk_widget_unrealize (GTK_WIDGET (window));
  gtk_window_set_default_size (window, 360, 560);
  gtk_window_present (window);
  atrium_ui_test_spin_for (400);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 400);
}

static void
close_sessions_window (void)
{
  gtk_window_destroy (GTK_WINDOW (sessions_window ()));
  atrium_ui_test_spin_for (100);
  g_assert_null (sessions_window ());
}

static void
test_admin_signs_out_a_session (void)
{
  g_autoptr(AtriumApi) doomed = NULL;
  g_autoptr(AtriumApi) kept = NULL;
  g_autoptr(GError) refused = NULL;
  g_autoptr(GError) accepted = NULL;
  AtriumSessionsWindow *window;
  AtriumAdminPage *page;
  GtkListBoxRow *row;
  GtkMenuButton *menu;
  GtkButton *button;
  gint64 doomed_id, kept_id;

  the_app = atrium_ui_test_start_demo (NULL);
  atrium_ui_test_sign_in ("demo-admin", TRUE);
  /* The patron is signed in twice elsewhere; both work. */
  doomed = client_signed_in ("demo-patron");
  kept = client_signed_in ("demo-patron");
  doomed_id = current_session (doomed);
  kept_id = current_session (kept);
  g_assert_cmpint (doomed_id, !=, kept_id);

  /* The users list, the patron's menu, "Sessions". */
  page = ATRIUM_ADMIN_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (atrium_ui_test_window ()),
                                                        ATRIUM_TYPE_ADMIN_PAGE));
  atrium_ui_test_spin_until (has_patron_row, page, 30);
  menu = GTK_MENU_BUTTON (atrium_ui_test_find_widget (GTK_WIDGET (user_row (page,
                                                                            "demo-patron")),
                                                      GTK_TYPE_MENU_BUTTON));
  gtk_menu_button_popup (menu);
  atrium_ui_test_spin_for (200);
  button = atrium_ui_test_find_button (GTK_WIDGET (gtk_menu_button_get_popover (menu)),
                                       "Sessions");
  g_assert_nonnull (button);
  gtk_widget_activate (GTK_WIDGET (button));
  atrium_ui_test_spin_until (sessions_shown, NULL, 30);
  window = sessions_window ();
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Sessions of demo-patron");
  g_assert_nonnull (session_row (window, doomed_id));
  g_assert_nonnull (session_row (window, kept_id));
  atrium_ui_test_apply_style (GTK_WINDOW (window));
  atrium_ui_test_spin_for (300);
  atrium_ui_test_save_screenshot (GTK_WIDGET (window), "admin-user-sessions.png");
  narrow (GTK_WINDOW (window));
  atrium_ui_test_save_screenshot (GTK_WIDGET (window), "admin-user-sessions-360.png");

  /* "Sign Out" on that session asks first; cancelling keeps it. */
  row = session_row (window, doomed_id);
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (GTK_WIDGET (row),
                                                               "Sign Out")));
  atrium_ui_test_spin_until (confirmation_shown, NULL, 30);
  atrium_ui_test_save_screenshot (GTK_WIDGET (confirmation ()), "admin-session-confirm.png");
  respond ("cancel");
  atrium_ui_test_spin_for (300);
  g_assert_null (me_error (doomed));

  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (GTK_WIDGET (row),
                                                               "Sign Out")));
  atrium_ui_test_spin_until (confirmation_shown, NULL, 30);
  respond ("sign-out");
  atrium_ui_test_spin_until (session_gone, &doomed_id, 30);
  g_assert_nonnull (session_row (window, kept_id));

  /* The server refuses that token at once; the other session and the admin's go on. */
  refused = me_error (doomed);
  g_assert_error (refused, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
  accepted = me_error (kept);
  g_assert_no_error (accepted);
  g_assert_nonnull (atrium_application_get_user (the_app));

  /* "Sign Out Everywhere", confirmed: the other one goes too. */
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (GTK_WIDGET (window),
                                                               "Sign Out Everywhere")));
  atrium_ui_test_spin_until (confirmation_shown, NULL, 30);
  respond ("sign-out");
  atrium_ui_test_spin_until (session_gone, &kept_id, 30);
  g_clear_error (&accepted);
  accepted = me_error (kept);
  g_assert_error (accepted, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (atrium_ui_test_find_button (
    GTK_WIDGET (window), "Sign Out Everywhere"))));
  close_sessions_window ();
}

static void
test_own_sessions (void)
{
  AtriumSessionsWindow *window;
  GtkListBox *list;
  GtkListBoxRow *row;
  guint current = 0;

  if (the_app == NULL)
    {
      the_app = atrium_ui_test_start_demo (NULL);
      atrium_ui_test_sign_in ("demo-admin", TRUE);
    }
  gtk_widget_activate_action (GTK_WIDGET (atrium_ui_test_window ()), "win.show-sessions",
                              NULL);
  atrium_ui_test_spin_until (sessions_shown, NULL, 30);
  window = sessions_window ();
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Your Sessions");
  list = atrium_sessions_window_get_list (window);
  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    if (g_object_get_data (G_OBJECT (row), "current") != NULL)
      {
        current++;
        /* Marked, and no way to sign it out from here. */
        g_assert_null (atrium_ui_test_find_button (GTK_WIDGET (row), "Sign Out"));
      }
  g_assert_cmpuint (current, ==, 1);
  /* Narrow: the window still works at 360 px. */
  narrow (GTK_WINDOW (window));
  atrium_ui_test_save_screenshot (GTK_WIDGET (window), "own-sessions-360.png");
  close_sessions_window ();
  atrium_ui_test_sign_out ();
}

int
main (int    argc,
      char **argv)
{
  int status;

  atrium_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui-sessions/admin-signs-out-a-session", test_admin_signs_out_a_session);
  g_test_add_func ("/ui-sessions/own-sessions", test_own_sessions);

  status = g_test_run ();
  atrium_ui_test_quit (&the_app);
  return status;
}
