/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-window.h"

#include <glib/gi18n.h>

struct _AtriumWindow
{
  AdwApplicationWindow parent_instance;

  GSettings      *settings;

  AdwWindowTitle *window_title;
  AdwStatusPage  *status_page;
};

G_DEFINE_FINAL_TYPE (AtriumWindow, atrium_window, ADW_TYPE_APPLICATION_WINDOW)

static void
atrium_window_dispose (GObject *object)
{
  AtriumWindow *self = ATRIUM_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ATRIUM_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (atrium_window_parent_class)->dispose (object);
}

static void
atrium_window_class_init (AtriumWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, status_page);
}

static void
atrium_window_init (AtriumWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  adw_status_page_set_icon_name (self->status_page, APPLICATION_ID);

  /* The window keeps its size between runs. */
  self->settings = g_settings_new (BASE_APPLICATION_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized",
                   G_SETTINGS_BIND_DEFAULT);
}

/* The subtitle says which data the window shows: the demo, or a named server. */
static void
show_mode (AtriumWindow      *self,
           AtriumApplication *app)
{
  if (atrium_application_get_demo (app))
    adw_window_title_set_subtitle (self->window_title, _("Demo"));
  else if (atrium_application_get_server (app) != NULL)
    adw_window_title_set_subtitle (self->window_title, atrium_application_get_server (app));
}

AtriumWindow *
atrium_window_new (AtriumApplication *application)
{
  AtriumWindow *self = g_object_new (ATRIUM_TYPE_WINDOW, "application", application, NULL);

  show_mode (self, application);
  return self;
}
