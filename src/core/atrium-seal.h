/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ATRIUM_SEAL_KEY_LEN 32

/* Authenticated encryption of small secrets (TOTP seeds) under a key of their own, so a
 * copy of the database alone does not give them away. XSalsa20-Poly1305. */
char   *atrium_seal   (const guint8  key[ATRIUM_SEAL_KEY_LEN],
                       const guint8 *data,
                       gsize         len);
guint8 *atrium_unseal (const guint8  key[ATRIUM_SEAL_KEY_LEN],
                       const char   *sealed,
                       gsize        *len_out,
                       GError      **error);

G_END_DECLS
