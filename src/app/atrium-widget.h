/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* For a composite widget's dispose: clears its template children (GTK 4.8 only clears
 * the bound ones) and unparents every child left, such as the template's unnamed root. */
void atrium_widget_dispose_children (GtkWidget *widget,
                                     GType      widget_type);

/* Gives @window (an AdwWindow) a header bar over a scrolled, clamped column and returns
 * that column (a vertical GtkBox) to fill; it fits 360 px. */
GtkWidget *atrium_widget_dialog_column (GtkWidget *window);

G_END_DECLS
