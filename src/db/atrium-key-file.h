/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "atrium-db.h"

G_BEGIN_DECLS

/* A key file holds 64 hexadecimal digits and a newline, mode 0600, owned by us. */
gboolean atrium_key_file_create (const char  *path,
                                 GError     **error);
gboolean atrium_key_file_load   (const char  *path,
                                 guint8       key_out[ATRIUM_DB_KEY_LEN],
                                 GError     **error);
char    *atrium_key_file_path   (const char  *dir,
                                 const char  *name);

G_END_DECLS
