/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-app-cache.h"

#include <errno.h>
#include <string.h>

void
atrium_kept_free (AtriumKept *kept)
{
  if (kept == NULL)
    return;
  g_clear_object (&kept->cache);
  g_clear_pointer (&kept->device, json_node_unref);
  g_clear_pointer (&kept->sites, json_node_unref);
  g_clear_pointer (&kept->occupancy, json_node_unref);
  g_clear_pointer (&kept->keys, json_node_unref);
  g_clear_pointer (&kept->my_bookings, json_node_unref);
  g_free (kept);
}

typedef struct
{
  char        *path;
  guint8       key[ATRIUM_DB_KEY_LEN];
  AtriumCache *cache;   /* already open: read only */
} Load;

static void
load_free (Load *load)
{
  memset (load->key, 0, sizeof load->key);
  g_free (load->path);
  g_clear_object (&load->cache);
  g_free (load);
}

/* Nothing kept yet is no error; a damaged part is logged and left out. */
static JsonNode *
kept_or_null (JsonNode    *node,
              GError     **error,
              const char  *what)
{
  if (node == NULL && !g_error_matches (*error, ATRIUM_CACHE_ERROR,
                                        ATRIUM_CACHE_ERROR_NOT_CACHED))
    g_message ("The kept %s cannot be read: %s", what, (*error)->message);
  g_clear_error (error);
  return node;
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  g_autoptr(AtriumKept) kept = g_new0 (AtriumKept, 1);
  g_autofree char *dir = NULL;
  GError *error = NULL;
  gboolean rebuilt = FALSE;
  gint64 sites_at = 0, occupancy_at = 0;

  if (load->cache != NULL)
    {
      kept->cache = g_object_ref (load->cache);
      goto read;
    }
  dir = g_path_get_dirname (load->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "Cannot make %s: %s", dir, g_strerror (saved));
      return;
    }
  kept->cache = atrium_cache_open (load->path, load->key, &rebuilt, &error);
  if (kept->cache == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (rebuilt)
    g_message ("The cache %s was made anew", load->path);
read:
  kept->device = atrium_cache_get_device (kept->cache, NULL, &error);
  kept->device = kept_or_null (kept->device, &error, "registration");
  kept->sites = atrium_cache_get_sites (kept->cache, &sites_at, &error);
  kept->sites = kept_or_null (kept->sites, &error, "sites");
  kept->occupancy = atrium_cache_get_occupancy (kept->cache, 0, &occupancy_at, &error);
  kept->occupancy = kept_or_null (kept->occupancy, &error, "occupancy");
  kept->keys = atrium_cache_get_keys (kept->cache, NULL, &error);
  kept->keys = kept_or_null (kept->keys, &error, "check-in keys");
  kept->my_bookings = atrium_cache_get_my_bookings (kept->cache, &kept->my_bookings_at, &error);
  kept->my_bookings = kept_or_null (kept->my_bookings, &error, "bookings");
  kept->fetched_at = MIN (sites_at, occupancy_at);
  g_task_return_pointer (task, g_steal_pointer (&kept), (GDestroyNotify) atrium_kept_free);
}

void
atrium_app_cache_load_async (const char          *path,
                             const guint8         key[ATRIUM_DB_KEY_LEN],
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Load *load = g_new0 (Load, 1);

  g_return_if_fail (path != NULL && key != NULL);

  load->path = g_strdup (path);
  memcpy (load->key, key, sizeof load->key);
  g_task_set_source_tag (task, atrium_app_cache_load_async);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

void
atrium_app_cache_read_async (AtriumCache         *cache,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Load *load = g_new0 (Load, 1);

  g_return_if_fail (ATRIUM_IS_CACHE (cache));

  load->cache = g_object_ref (cache);
  g_task_set_source_tag (task, atrium_app_cache_load_async);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

AtriumKept *
atrium_app_cache_load_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

AtriumKept *
atrium_app_cache_loaded (GAsyncResult *result,
                         const char   *who)
{
  g_autoptr(GError) error = NULL;
  AtriumKept *kept = atrium_app_cache_load_finish (result, &error);

  if (kept == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("%s starts without its cache: %s", who, error->message);
  return kept;
}

gboolean
atrium_kept_seed (AtriumKept       *kept,
                  AtriumLiveClient *live)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (kept != NULL && ATRIUM_IS_LIVE_CLIENT (live), FALSE);

  if (kept->occupancy == NULL)
    return FALSE;
  if (atrium_live_client_seed (live, kept->occupancy, &error))
    return TRUE;
  /* The server's came first (no error), or the kept one is not fit to show. */
  if (error != NULL)
    g_message ("%s", error->message);
  return FALSE;
}

/* ---- keeping what the server answers ------------------------------------------------ */

static void
kept (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!atrium_cache_put_finish (ATRIUM_CACHE (source), result, &error))
    g_message ("The server's %s could not be kept: %s", (const char *) user_data,
               error->message);
}

static const char *
kind_name (AtriumCacheKind kind)
{
  switch (kind)
    {
    case ATRIUM_CACHE_DEVICE:
      return "registration";
    case ATRIUM_CACHE_SITES:
      return "sites";
    case ATRIUM_CACHE_OCCUPANCY:
      return "occupancy";
    case ATRIUM_CACHE_KEYS:
      return "check-in keys";
    case ATRIUM_CACHE_MY_BOOKINGS:
      return "bookings";
    default:
      return "data";
    }
}

void
atrium_app_cache_keep (AtriumCache     *cache,
                       AtriumCacheKind  kind,
                       JsonNode        *document)
{
  g_return_if_fail (ATRIUM_IS_CACHE (cache) && document != NULL);

  atrium_cache_put_async (cache, kind, 0, document, g_get_real_time () / G_USEC_PER_SEC, NULL,
                          kept, (gpointer) kind_name (kind));
}

typedef struct
{
  AtriumCache     *cache;
  AtriumCacheKind  kind;
} Refresh;

static void
fetched (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);

  if (answer != NULL)
    atrium_app_cache_keep (refresh->cache, refresh->kind, answer);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("The kept %s stay as they were: %s", kind_name (refresh->kind), error->message);
  g_object_unref (refresh->cache);
  g_free (refresh);
}

void
atrium_app_cache_refresh (AtriumCache  *cache,
                          AtriumApi    *api,
                          gboolean      device,
                          GCancellable *cancellable)
{
  static const struct
  {
    const char      *path;
    AtriumCacheKind  kind;
  } documents[] = {
    { "/api/v1/device", ATRIUM_CACHE_DEVICE },
    { "/api/v1/sites", ATRIUM_CACHE_SITES },
    { "/api/v1/occupancy", ATRIUM_CACHE_OCCUPANCY },
  };

  g_return_if_fail (ATRIUM_IS_CACHE (cache) && ATRIUM_IS_API (api));

  for (guint i = device ? 0 : 1; i < G_N_ELEMENTS (documents); i++)
    {
      Refresh *refresh = g_new0 (Refresh, 1);

      refresh->cache = g_object_ref (cache);
      refresh->kind = documents[i].kind;
      atrium_api_get_document_async (api, documents[i].path, cancellable, fetched, refresh);
    }
}

static void
forgotten (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("The signed-out user's bookings stay in %s: %s",
               atrium_cache_get_path (ATRIUM_CACHE (source)), error->message);
}

static void
forget_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (atrium_cache_forget_personal (ATRIUM_CACHE (source), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
atrium_app_cache_forget_personal (AtriumCache *cache)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (ATRIUM_IS_CACHE (cache));

  task = g_task_new (cache, NULL, forgotten, NULL);
  g_task_set_source_tag (task, atrium_app_cache_forget_personal);
  g_task_run_in_thread (task, forget_thread);
}
