/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The first window, in a real display (Xvfb in `make check`). */
#include "config.h"

#include <glib/gi18n.h>

#include "atrium-application.h"
#include "atrium-ui-test.h"
#include "atrium-window.h"

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data)) && gtk_widget_get_width (data) > 0;
}

/* One application for the whole program, as in the real one; each test opens its
 * windows by activating it and closes them all at the end. */
static AtriumApplication *the_app;

static AtriumApplication *
start_app (void)
{
  g_autoptr(GError) error = NULL;

  if (the_app == NULL)
    {
      the_app = atrium_application_new (G_APPLICATION_NON_UNIQUE);
      g_assert_true (g_application_register (G_APPLICATION (the_app), NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (the_app)));
  g_application_activate (G_APPLICATION (the_app));
  return the_app;
}

static GtkWindow *
active_window (AtriumApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  g_assert_nonnull (window);
  g_assert_true (ATRIUM_IS_WINDOW (window));
  atrium_ui_test_spin_until (widget_is_mapped, window, 10);
  return window;
}

/* Destroys every window and checks that each one is really freed. */
static void
close_all (AtriumApplication *app)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    {
      GtkWidget *window = windows->data;

      g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
      gtk_window_destroy (GTK_WINDOW (window));
      for (guint i = 0; i < 100 && window != NULL; i++)
        g_main_context_iteration (NULL, FALSE);
      g_assert_null (window);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_window_opens (void)
{
  AtriumApplication *app = start_app ();
  GtkWindow *window = active_window (app);

  g_assert_cmpstr (gtk_window_get_title (window), ==, "Atrium");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), >=, 360);

  /* The application and window actions the menu and shortcuts rely on. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  {
    g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                  "app.quit");
    g_assert_cmpstr (accels[0], ==, "<Control>q");
  }
  {
    g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                  "app.help");
    g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "help"));
    g_assert_cmpstr (accels[0], ==, "F1");
  }

  atrium_ui_test_save_screenshot (GTK_WIDGET (window), "window.png");

  /* A second activation presents the same window rather than opening another. */
  g_application_activate (G_APPLICATION (app));
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);

  close_all (app);
}

static gboolean
find_about (gpointer data)
{
  GtkWindow **about = data;
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l; l = l->next)
    if (ADW_IS_ABOUT_WINDOW (l->data))
      *about = l->data;
  return *about != NULL;
}

static void
test_about_window (void)
{
  AtriumApplication *app = start_app ();
  GtkWindow *window = active_window (app);
  GtkWindow *about = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  atrium_ui_test_spin_until (find_about, &about, 10);
  atrium_ui_test_spin_until (widget_is_mapped, about, 10);
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_true (gtk_window_get_transient_for (about) == window);
  atrium_ui_test_save_screenshot (GTK_WIDGET (about), "about.png");
  gtk_window_destroy (about);

  close_all (app);
}

/* Registered only when meson runs this binary with LANGUAGE=fr. */
static void
test_french (void)
{
  AtriumApplication *app = start_app ();
  GtkWindow *window = active_window (app);
  GtkWidget *status = atrium_ui_test_find_widget (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE);

  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==,
                   "Bienvenue dans Atrium");
  atrium_ui_test_save_screenshot (GTK_WIDGET (window), "window-fr.png");
  close_all (app);
}

int
main (int    argc,
      char **argv)
{
  int status;

  atrium_ui_test_init (&argc, &argv);

  if (g_str_has_prefix (g_getenv ("LANGUAGE") ? g_getenv ("LANGUAGE") : "", "fr"))
    g_test_add_func ("/app/french", test_french);
  else
    {
      g_test_add_func ("/app/window-opens", test_window_opens);
      g_test_add_func ("/app/about-window", test_about_window);
    }

  status = g_test_run ();
  g_clear_object (&the_app);
  return status;
}
