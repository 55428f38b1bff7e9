/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "atrium-db.h"

G_BEGIN_DECLS

#define ATRIUM_CACHE_ERROR (atrium_cache_error_quark ())

/**
 * AtriumCacheError:
 * @ATRIUM_CACHE_ERROR_NOT_CACHED: nothing of that kind has been stored yet
 * @ATRIUM_CACHE_ERROR_INVALID: the document handed in does not have the server's shape
 * @ATRIUM_CACHE_ERROR_FAILED: the cache file could not be read or written
 */
typedef enum
{
  ATRIUM_CACHE_ERROR_NOT_CACHED,
  ATRIUM_CACHE_ERROR_INVALID,
  ATRIUM_CACHE_ERROR_FAILED,
} AtriumCacheError;

GQuark atrium_cache_error_quark (void);

#define ATRIUM_TYPE_CACHE (atrium_cache_get_type ())
G_DECLARE_FINAL_TYPE (AtriumCache, atrium_cache, ATRIUM, CACHE, GObject)

/* The key is the caller's: where it comes from (libsecret, a 0600 key file, a systemd
 * credential) is the keyring's business. A file the key does not open is removed and the
 * cache starts empty (@rebuilt_out TRUE). Calls block on SQLCipher: the UI makes them
 * from a worker thread (g_task_run_in_thread); one cache may be used from several. */
AtriumCache *atrium_cache_open               (const char    *path,
                                              const guint8   key[ATRIUM_DB_KEY_LEN],
                                              gboolean      *rebuilt_out,
                                              GError       **error);
const char  *atrium_cache_get_path           (AtriumCache   *self);

/* Every put takes the server's document as the API answered it and @fetched_at (unix
 * seconds); every get answers a document of the same shape and, in @fetched_at, when its
 * oldest part was fetched ("offline — as of 10:42"). */
gboolean     atrium_cache_put_sites          (AtriumCache   *self,
                                              JsonNode      *document,
                                              gint64         fetched_at,
                                              GError       **error);
JsonNode    *atrium_cache_get_sites          (AtriumCache   *self,
                                              gint64        *fetched_at,
                                              GError       **error);
JsonNode    *atrium_cache_get_space          (AtriumCache   *self,
                                              gint64         space_id,
                                              gint64        *fetched_at,
                                              GError       **error);
JsonNode    *atrium_cache_get_queue          (AtriumCache   *self,
                                              gint64         queue_id,
                                              gint64        *fetched_at,
                                              GError       **error);

/* @site_id 0: the document of every site. */
gboolean     atrium_cache_put_occupancy      (AtriumCache   *self,
                                              gint64         site_id,
                                              JsonNode      *document,
                                              gint64         fetched_at,
                                              GError       **error);
JsonNode    *atrium_cache_get_occupancy      (AtriumCache   *self,
                                              gint64         site_id,
                                              gint64        *fetched_at,
                                              GError       **error);

/* Resources from any search are kept by id; @site_id 0 reads them all. */
gboolean     atrium_cache_put_resources      (AtriumCache   *self,
                                              JsonNode      *document,
                                              gint64         fetched_at,
                                              GError       **error);
JsonNode    *atrium_cache_get_resources      (AtriumCache   *self,
                                              gint64         site_id,
                                              gint64        *fetched_at,
                                              GError       **error);

gboolean     atrium_cache_put_availability   (AtriumCache   *self,
                                              JsonNode      *document,
                                              gint64         fetched_at,
                                              GError       **error);
JsonNode    *atrium_cache_get_availability   (AtriumCache   *self,
                                              gint64         resource_id,
                                              const char    *date,
                                              gint64        *fetched_at,
                                              GError       **error);

/* My bookings: the list replaces what was kept; one booking (a create's or a cancel's
 * answer) replaces that booking. Each keeps its signed check-in code. */
gboolean     atrium_cache_put_my_bookings    (AtriumCache   *self,
                                              JsonNode      *document,
                                              gint64         fetched_at,
                                              GError       **error);
gboolean     atrium_cache_put_booking        (AtriumCache   *self,
                                              JsonNode      *booking,
                                              gint64         fetched_at,
                                              GError       **error);
JsonNode    *atrium_cache_get_my_bookings    (AtriumCache   *self,
                                              gint64        *fetched_at,
                                              GError       **error);
char        *atrium_cache_get_checkin_code   (AtriumCache   *self,
                                              gint64         booking_id,
                                              gint64        *fetched_at,
                                              GError       **error);

gboolean     atrium_cache_put_keys           (AtriumCache   *self,
                                              JsonNode      *document,
                                              gint64         fetched_at,
                                              GError       **error);
JsonNode    *atrium_cache_get_keys           (AtriumCache   *self,
                                              gint64        *fetched_at,
                                              GError       **error);

/* A kiosk's registration (GET /device: id, kind, name, site_id). */
gboolean     atrium_cache_put_device         (AtriumCache   *self,
                                              JsonNode      *document,
                                              gint64         fetched_at,
                                              GError       **error);
JsonNode    *atrium_cache_get_device         (AtriumCache   *self,
                                              gint64        *fetched_at,
                                              GError       **error);

/* Forgets the signed-in person's data (bookings and their codes): a kiosk calls it when
 * a patron's session ends. Public data (sites, occupancy, resources, keys) stays. */
gboolean     atrium_cache_forget_personal    (AtriumCache   *self,
                                              GError       **error);

/* The same from the UI thread: the work runs in a worker thread (GTask). @id is the site
 * for OCCUPANCY (0: all) and RESOURCES (0: all), the resource for AVAILABILITY (with
 * @date); ignored otherwise. The document is copied when the call is made. */
typedef enum
{
  ATRIUM_CACHE_SITES,
  ATRIUM_CACHE_OCCUPANCY,
  ATRIUM_CACHE_RESOURCES,
  ATRIUM_CACHE_AVAILABILITY,
  ATRIUM_CACHE_MY_BOOKINGS,
  ATRIUM_CACHE_KEYS,
  ATRIUM_CACHE_DEVICE,
} AtriumCacheKind;

void         atrium_cache_put_async          (AtriumCache          *self,
                                              AtriumCacheKind       kind,
                                              gint64                id,
                                              JsonNode             *document,
                                              gint64                fetched_at,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean     atrium_cache_put_finish         (AtriumCache          *self,
                                              GAsyncResult         *result,
                                              GError              **error);
void         atrium_cache_get_async          (AtriumCache          *self,
                                              AtriumCacheKind       kind,
                                              gint64                id,
                                              const char           *date,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JsonNode    *atrium_cache_get_finish         (AtriumCache          *self,
                                              GAsyncResult         *result,
                                              gint64               *fetched_at,
                                              GError              **error);

G_END_DECLS
