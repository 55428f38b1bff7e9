/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"

G_BEGIN_DECLS

const AtriumMigration *atrium_store_get_migrations (guint *n_migrations);

G_END_DECLS
