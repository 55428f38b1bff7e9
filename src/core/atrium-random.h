/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Everything secret comes from here: libsodium's CSPRNG, never GLib's non-cryptographic
 * random functions. */
void      atrium_crypto_init        (void);
void      atrium_random_bytes       (void       *buf,
                                     gsize       len);
guint32   atrium_random_uniform     (guint32     upper_bound);
char     *atrium_random_hex         (gsize       n_bytes);
char     *atrium_random_base64url   (gsize       n_bytes);

char     *atrium_hex_encode         (const guint8 *data,
                                     gsize         len);
gboolean  atrium_hex_decode         (const char   *hex,
                                     guint8       *out,
                                     gsize         out_len,
                                     GError      **error);
char     *atrium_base64url_encode   (const guint8 *data,
                                     gsize         len);

gboolean  atrium_secure_equal       (const void   *a,
                                     gsize         a_len,
                                     const void   *b,
                                     gsize         b_len);
gboolean  atrium_secure_str_equal   (const char   *a,
                                     const char   *b);
void      atrium_secure_zero        (void         *buf,
                                     gsize         len);
void      atrium_secure_free_string (char         *str);

G_END_DECLS
