/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-ui-test.h"

#include <adwaita.h>

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
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
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
