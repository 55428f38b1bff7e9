/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What the UI tests share: waiting on the main loop, finding widgets, screenshots. */

/* Runs the main loop until @done answers TRUE; fails the test after @seconds. */
void       atrium_ui_test_spin_until      (gboolean  (*done) (gpointer),
                                           gpointer    data,
                                           guint       seconds);
/* Runs the main loop for @milliseconds. */
void       atrium_ui_test_spin_for        (guint       milliseconds);
/* The first widget of @type under @root, @root included, depth first; or NULL. */
GtkWidget *atrium_ui_test_find_widget     (GtkWidget  *root,
                                           GType       type);
/* Renders @widget into $ATRIUM_TEST_SCREENSHOT_DIR/@name (a PNG) for a person to look
 * at; does nothing when the variable is not set. */
void       atrium_ui_test_save_screenshot (GtkWidget  *widget,
                                           const char *name);

/* $ATRIUM_TEST_COLOR_SCHEME ("light", "dark") and $ATRIUM_TEST_WINDOW_WIDTH (pixels), as
 * tools/screenshots sets them. */
void       atrium_ui_test_apply_style     (GtkWindow  *window);

G_END_DECLS
