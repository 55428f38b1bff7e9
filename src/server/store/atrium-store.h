/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"

G_BEGIN_DECLS

#define ATRIUM_STORE_FILE     "atrium.db"
#define ATRIUM_STORE_KEY_FILE "atrium.key"

const AtriumMigration *atrium_store_get_migrations (guint       *n_migrations);
int                    atrium_store_latest_version (void);
AtriumDb              *atrium_store_open           (const char  *data_dir,
                                                    gboolean     create,
                                                    int         *applied_out,
                                                    GError     **error);

G_END_DECLS
