/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-setup-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "atrium-application.h"
#include "atrium-widget.h"

struct _AtriumSetupPage
{
  GtkWidget    parent_instance;

  AdwEntryRow *url_row;
  GtkLabel    *error_label;
};

G_DEFINE_FINAL_TYPE (AtriumSetupPage, atrium_setup_page, GTK_TYPE_WIDGET)

enum
{
  CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
connect_clicked (AtriumSetupPage *self)
{
  g_autofree char *url = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row)));
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GSettings) settings = NULL;

  g_strstrip (url);
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      gtk_label_set_text (self->error_label,
                          _("This is not a server address. It starts with https://, "
                            "such as https://atrium.example.org."));
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  settings = g_settings_new (BASE_APPLICATION_ID);
  g_settings_set_string (settings, "server-url", url);
  g_signal_emit (self, signals[CHOSEN], 0);
}

static void
demo_clicked (AtriumSetupPage *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (gtk_widget_get_root (
                                                      GTK_WIDGET (self))));

  atrium_application_use_demo (ATRIUM_APPLICATION (app), NULL);
  g_signal_emit (self, signals[CHOSEN], 0);
}

static void
atrium_setup_page_dispose (GObject *object)
{
  atrium_widget_dispose_children (GTK_WIDGET (object), ATRIUM_TYPE_SETUP_PAGE);
  G_OBJECT_CLASS (atrium_setup_page_parent_class)->dispose (object);
}

static void
atrium_setup_page_class_init (AtriumSetupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_setup_page_dispose;
  signals[CHOSEN] = g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, url_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, error_label);
  gtk_widget_class_bind_template_callback (widget_class, connect_clicked);
  gtk_widget_class_bind_template_callback (widget_class, demo_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
atrium_setup_page_init (AtriumSetupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
atrium_setup_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_SETUP_PAGE, NULL);
}
