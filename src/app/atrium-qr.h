/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A QR code of @text (a booking's check-in code), black on white with the quiet zone
 * the standard asks for, @scale pixels per module so that it is drawn sharp; NULL and
 * @error when the text does not fit in a QR code. */
GdkTexture *atrium_qr_texture_new (const char  *text,
                                   guint        scale,
                                   GError     **error);

/* A window over @parent's showing @payload as a large QR code under @heading and
 * @subheading, @note under it; @description is the code's accessible label. FALSE and
 * @error when @payload does not fit in a QR code. */
gboolean    atrium_qr_show        (GtkWidget   *parent,
                                   const char  *title,
                                   const char  *heading,
                                   const char  *subheading,
                                   const char  *payload,
                                   const char  *description,
                                   const char  *note,
                                   GError     **error);

G_END_DECLS
