/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "atrium-db.h"

G_BEGIN_DECLS

/* Reading the security record for administrators; each appends JSON objects to @builder
 * (which is inside an array). Filters may be NULL. */
gboolean atrium_store_audit_list     (AtriumDb    *db,
                                      const char  *from,
                                      const char  *to,
                                      const char  *event,
                                      guint        limit,
                                      JsonBuilder *builder,
                                      GError     **error);
gboolean atrium_store_events_list    (AtriumDb    *db,
                                      guint        limit,
                                      JsonBuilder *builder,
                                      GError     **error);
gboolean atrium_store_blocks_list    (AtriumDb    *db,
                                      gint64       now,
                                      JsonBuilder *builder,
                                      GError     **error);
gboolean atrium_store_blocks_active  (AtriumDb    *db,
                                      gint64       now,
                                      GHashTable  *ip_to_until,
                                      GError     **error);
gint64   atrium_store_block_remove   (AtriumDb    *db,
                                      const char  *ip,
                                      GError     **error);

G_END_DECLS
