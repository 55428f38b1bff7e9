/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"
#include "atrium-sites.h"

G_BEGIN_DECLS

/* Sites, spaces, queues and resources. All take a connection the caller holds (the
 * writer for changes); a site's hours and exceptions are rewritten whole. */
AtriumDirectory *atrium_store_directory_load (AtriumDb           *db,
                                              GError            **error);

gint64           atrium_store_site_create    (AtriumDb           *db,
                                              const AtriumSite   *site,
                                              GError            **error);
gboolean         atrium_store_site_update    (AtriumDb           *db,
                                              const AtriumSite   *site,
                                              GError            **error);
gboolean         atrium_store_site_delete    (AtriumDb           *db,
                                              gint64              site_id,
                                              GError            **error);

gint64           atrium_store_space_create   (AtriumDb           *db,
                                              const AtriumSpace  *space,
                                              GError            **error);
gboolean         atrium_store_space_update   (AtriumDb           *db,
                                              const AtriumSpace  *space,
                                              GError            **error);
gboolean         atrium_store_space_delete   (AtriumDb           *db,
                                              gint64              space_id,
                                              GError            **error);

gint64           atrium_store_queue_create   (AtriumDb           *db,
                                              const AtriumQueue  *queue,
                                              GError            **error);
gboolean         atrium_store_queue_update   (AtriumDb           *db,
                                              const AtriumQueue  *queue,
                                              GError            **error);
gboolean         atrium_store_queue_delete   (AtriumDb           *db,
                                              gint64              queue_id,
                                              GError            **error);

gint64           atrium_store_resource_create (AtriumDb          *db,
                                              gint64              site_id,
                                              gint64              space_id,
                                              const char         *type,
                                              const char         *name,
                                              guint               capacity,
                                              const char         *attributes,
                                              GError            **error);
gint64           atrium_store_resources_count (AtriumDb          *db,
                                              GError            **error);

G_END_DECLS
