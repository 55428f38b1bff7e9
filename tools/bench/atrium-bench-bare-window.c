/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-bench"

#include <gtk/gtk.h>
#include <stdio.h>

/*
 * bench-bare-window: the reference of tools/bench/kiosk-start. A bare GTK window (one
 * label, no libadwaita, no data) that prints the wall-clock time of its first painted
 * frame as the kiosk does ("first-frame MICROSECONDS"), then runs until it is killed.
 */

static void
painted (GdkFrameClock *clock,
         gpointer       user_data)
{
  g_print ("first-frame %" G_GINT64_FORMAT "\n", g_get_real_time ());
  fflush (stdout);
  g_signal_handlers_disconnect_by_func (clock, painted, user_data);
}

static void
mapped (GtkWidget *window,
        gpointer   user_data)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (painted),
                    NULL);
}

int
main (void)
{
  GtkWidget *window;

  gtk_init ();
  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "Bare window");
  gtk_window_set_child (GTK_WINDOW (window), gtk_label_new ("A bare GTK window"));
  g_signal_connect (window, "map", G_CALLBACK (mapped), NULL);
  gtk_window_fullscreen (GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));
  while (TRUE)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}
