/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-api.h"
#include "atrium-cache.h"
#include "atrium-live-client.h"

G_BEGIN_DECLS

/*
 * What the app keeps of the server's data so that it comes up at once, and through a
 * server outage, from its last look, in the client core's encrypted cache (AtriumCache)
 * under the cache key of AtriumSecrets. A kiosk keeps its registration (the site), the
 * sites, the occupancy document and the check-in keys; the desktop keeps, per signed-in
 * user, the sites, the occupancy and the user's own bookings.
 */

typedef struct
{
  AtriumCache *cache;
  JsonNode    *device;      /* each NULL when never kept */
  JsonNode    *sites;
  JsonNode    *occupancy;   /* every site the kiosk sees (GET /occupancy) */
  JsonNode    *keys;
  JsonNode    *my_bookings; /* GET /bookings/mine, and when (unix seconds) */
  gint64       my_bookings_at;
  gint64       fetched_at;  /* unix seconds: the older of the sites and the occupancy */
} AtriumKept;

void             atrium_kept_free          (AtriumKept     *kept);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumKept, atrium_kept_free)

/* Opens the cache at @path (made, or made anew when @key does not open it) and reads
 * what it keeps, in a worker thread. */
void             atrium_app_cache_load_async   (const char          *path,
                                                  const guint8         key[ATRIUM_DB_KEY_LEN],
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
AtriumKept *atrium_app_cache_load_finish  (GAsyncResult        *result,
                                                  GError             **error);
/* The same from a cache already open (one connection: never "database is locked"). */
void             atrium_app_cache_read_async     (AtriumCache         *cache,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* The same, or NULL after saying why (not when cancelled): @who starts without it. */
AtriumKept      *atrium_app_cache_loaded         (GAsyncResult        *result,
                                                  const char          *who);
/* Shows the occupancy kept through @live until the server's comes: FALSE when it is not
 * shown (none kept, the server's came first, or it is unfit: logged). */
gboolean         atrium_kept_seed                (AtriumKept          *kept,
                                                  AtriumLiveClient    *live);

/* Fetches the registration (with @device: a kiosk's), the sites and the occupancy from
 * @api and keeps each answer in @cache as it comes; a failure keeps what was there. */
void             atrium_app_cache_refresh      (AtriumCache         *cache,
                                                  AtriumApi           *api,
                                                  gboolean             device,
                                                  GCancellable        *cancellable);
/* Keeps one document the app fetched itself (the check-in keys, my bookings). */
void             atrium_app_cache_keep         (AtriumCache         *cache,
                                                  AtriumCacheKind      kind,
                                                  JsonNode            *document);

/* Wipes the person's data (bookings, check-in codes) in a worker thread: at sign-out. */
void             atrium_app_cache_forget_personal (AtriumCache        *cache);

G_END_DECLS
