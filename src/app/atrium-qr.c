/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-qr.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <adwaita.h>
#include <qrencode.h>

/* Four modules of white around the symbol (ISO/IEC 18004). */
#define QUIET_ZONE 4

GdkTexture *
atrium_qr_texture_new (const char  *text,
                       guint        scale,
                       GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  QRcode *code;
  guint side, stride;
  guint8 *pixels;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (scale > 0 && scale <= 64, NULL);

  /* Check-in codes use the QR alphanumeric set; 8-bit mode takes anything else. */
  code = QRcode_encodeString8bit (text, 0, QR_ECLEVEL_M);
  if (code == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("This code cannot be shown as a QR code (%s)"), g_strerror (errno));
      return NULL;
    }
  side = (code->width + 2 * QUIET_ZONE) * scale;
  stride = side * 3;
  pixels = g_malloc ((gsize) stride * side);
  memset (pixels, 0xff, (gsize) stride * side);
  for (int y = 0; y < code->width; y++)
    for (int x = 0; x < code->width; x++)
      if (code->data[y * code->width + x] & 1)
        for (guint dy = 0; dy < scale; dy++)
          memset (pixels + (gsize) ((y + QUIET_ZONE) * scale + dy) * stride +
                  (gsize) (x + QUIET_ZONE) * scale * 3, 0x00, scale * 3);
  QRcode_free (code);
  bytes = g_bytes_new_take (pixels, (gsize) stride * side);
  return gdk_memory_texture_new (side, side, GDK_MEMORY_R8G8B8, bytes, stride);
}

gboolean
atrium_qr_show (GtkWidget   *parent,
                const char  *title,
                const char  *heading,
                const char  *subheading,
                const char  *payload,
                const char  *description,
                const char  *note,
                GError     **error)
{
  g_autoptr(GdkTexture) texture = atrium_qr_texture_new (payload, 6, error);
  GtkWidget *window, *content, *box, *picture, *label;

  if (texture == NULL)
    return FALSE;
  window = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (gtk_widget_get_root (parent)));
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 560);
  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (content), adw_header_bar_new ());
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  label = gtk_label_new (heading);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "title-2");
  gtk_box_append (GTK_BOX (box), label);
  if (subheading != NULL)
    {
      label = gtk_label_new (subheading);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_box_append (GTK_BOX (box), label);
    }
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_vexpand (picture, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  description, -1);
  gtk_box_append (GTK_BOX (box), picture);
  if (note != NULL)
    {
      label = gtk_label_new (note);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), label);
    }
  gtk_box_append (GTK_BOX (content), box);
  adw_window_set_content (ADW_WINDOW (window), content);
  gtk_window_present (GTK_WINDOW (window));
  return TRUE;
}
