/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-qr.h"

#include <errno.h>
#include <glib/gi18n.h>
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
