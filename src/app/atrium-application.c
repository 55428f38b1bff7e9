/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-application.h"

#include <glib/gi18n.h>

#include "atrium-window.h"

struct _AtriumApplication
{
  AdwApplication parent_instance;

  gboolean kiosk;
  gboolean demo;
  char    *server;
};

G_DEFINE_FINAL_TYPE (AtriumApplication, atrium_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "kiosk", 'k', 0, G_OPTION_ARG_NONE, NULL,
    N_("Run as a full-screen public terminal"), NULL },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Use the built-in backend with throwaway demo data"), NULL },
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Address of the Atrium server to use"), N_("URL") },
  { NULL }
};

static gboolean
is_acceptable_server_url (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 &&
         g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

static int
atrium_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  AtriumApplication *self = ATRIUM_APPLICATION (app);
  const char *server = NULL;

  self->kiosk = g_variant_dict_contains (options, "kiosk");
  self->demo = g_variant_dict_contains (options, "demo");
  if (g_variant_dict_lookup (options, "server", "&s", &server))
    {
      if (!is_acceptable_server_url (server))
        {
          g_printerr (_("atrium: “%s” is not a server address; expected https://host[:port]\n"),
                      server);
          return 2;
        }
      if (self->demo)
        {
          g_printerr (_("atrium: --demo and --server cannot be used together\n"));
          return 2;
        }
      g_free (self->server);
      self->server = g_strdup (server);
    }

  return -1;
}

static void
atrium_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (atrium_window_new (ATRIUM_APPLICATION (app)));
  gtk_window_present (window);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Atrium developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "modal", TRUE,
                        "application-icon", APPLICATION_ID,
                        "application-name", _("Atrium"),
                        "developer-name", _("The Atrium developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Live occupancy, waiting times and bookings "
                                      "for libraries"),
                        "developers", developers,
                        "translator-credits", _("translator-credits"),
                        "copyright", "© 2026 The Atrium developers",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
};

static void
atrium_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (atrium_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close",
                                         close_accels);
}

static void
atrium_application_finalize (GObject *object)
{
  AtriumApplication *self = ATRIUM_APPLICATION (object);

  g_free (self->server);

  G_OBJECT_CLASS (atrium_application_parent_class)->finalize (object);
}

static void
atrium_application_class_init (AtriumApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = atrium_application_finalize;
  app_class->handle_local_options = atrium_application_handle_local_options;
  app_class->startup = atrium_application_startup;
  app_class->activate = atrium_application_activate;
}

static void
atrium_application_init (AtriumApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
    _("Live occupancy, waiting times and bookings for libraries."));
}

/* ATRIUM_LOCALEDIR lets an uninstalled build (make run, the tests) find its catalogues. */
void
atrium_application_setup_i18n (void)
{
  const char *localedir = g_getenv ("ATRIUM_LOCALEDIR");

  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

AtriumApplication *
atrium_application_new (GApplicationFlags flags)
{
  return g_object_new (ATRIUM_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", flags,
                       "resource-base-path", RESOURCE_PATH,
                       NULL);
}

gboolean
atrium_application_get_kiosk (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), FALSE);

  return self->kiosk;
}

gboolean
atrium_application_get_demo (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), FALSE);

  return self->demo;
}

const char *
atrium_application_get_server (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  return self->server;
}
