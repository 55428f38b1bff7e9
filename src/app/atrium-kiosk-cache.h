/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-api.h"
#include "atrium-cache.h"

G_BEGIN_DECLS

/*
 * What a kiosk keeps of the server's public data so that its board comes up at once,
 * and through a server outage, from its last look: its registration (the site), the
 * sites, the occupancy document and the check-in keys, in the client core's encrypted
 * cache (AtriumCache) under the cache key of AtriumSecrets.
 */

typedef struct
{
  AtriumCache *cache;
  JsonNode    *device;      /* each NULL when never kept */
  JsonNode    *sites;
  JsonNode    *occupancy;   /* every site the kiosk sees (GET /occupancy) */
  JsonNode    *keys;
  gint64       fetched_at;  /* unix seconds: the older of the sites and the occupancy */
} AtriumKioskKept;

void             atrium_kiosk_kept_free          (AtriumKioskKept     *kept);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumKioskKept, atrium_kiosk_kept_free)

/* Opens the cache at @path (made, or made anew when @key does not open it) and reads
 * what it keeps, in a worker thread. */
void             atrium_kiosk_cache_load_async   (const char          *path,
                                                  const guint8         key[ATRIUM_DB_KEY_LEN],
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
AtriumKioskKept *atrium_kiosk_cache_load_finish  (GAsyncResult        *result,
                                                  GError             **error);

/* Fetches the registration, the sites and the occupancy from @api and keeps each answer
 * in @cache as it comes; a failure keeps what was there. */
void             atrium_kiosk_cache_refresh      (AtriumCache         *cache,
                                                  AtriumApi           *api,
                                                  GCancellable        *cancellable);
/* Keeps one document the kiosk fetched itself (the check-in keys). */
void             atrium_kiosk_cache_keep         (AtriumCache         *cache,
                                                  AtriumCacheKind      kind,
                                                  JsonNode            *document);

G_END_DECLS
