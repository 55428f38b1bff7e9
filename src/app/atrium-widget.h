/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* For a composite widget's dispose: clears its template children (GTK 4.8 only clears
 * the bound ones) and unparents every child left, such as the template's unnamed root. */
void atrium_widget_dispose_children (GtkWidget *widget,
                                     GType      widget_type);

/* Saving what a page makes (exports, calendar files): a modal native "Save" dialog for
 * the window of @widget, suggesting the file name @name, already shown. @response is
 * connected to its "response" signal, swapped (@data first). The caller owns the dialog:
 * it takes the file with atrium_widget_chosen_file() and ends it with
 * atrium_widget_close_chooser(), in the response or in its dispose. */
GtkFileChooserNative *atrium_widget_save_chooser (GtkWidget             *widget,
                                                  const char            *title,
                                                  const char            *name,
                                                  GCallback              response,
                                                  gpointer               data);
/* The file chosen, or NULL when the dialog was dismissed. */
GFile                *atrium_widget_chosen_file  (GtkFileChooserNative  *chooser,
                                                  int                    response);
/* Disconnects @data's handlers, closes the dialog if it is open and drops it. */
void                  atrium_widget_close_chooser (GtkFileChooserNative **chooser,
                                                   gpointer               data);
/* Gives @window (an AdwWindow) a header bar over a scrolled, clamped column and returns
 * that column (a vertical GtkBox) to fill; it fits 360 px. */
GtkWidget *atrium_widget_dialog_column (GtkWidget *window);

G_END_DECLS
