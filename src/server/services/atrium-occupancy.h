/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-server.h"
#include "atrium-sites.h"
#include "atrium-store-counts.h"

G_BEGIN_DECLS

/* The live figures of every space and queue, kept in memory and encoded once: every
 * kiosk and patron reads them, so a read never touches the database or json-glib. The
 * truth is in the store; each server process rebuilds its copy when the store changes
 * (its own writes at once, the other processes' within a tenth of a second). */
typedef struct _AtriumOccupancy AtriumOccupancy;

/* Where changes go (the live feed): a small JSON message for the subscribers of
 * @site_id; @key names the thing that changed ("space:12"), for coalescing. Called
 * from any thread. */
typedef void (*AtriumPublishFunc) (gint64      site_id,
                                   const char *key,
                                   GBytes     *message,
                                   gpointer    user_data);

typedef enum
{
  ATRIUM_LEVEL_LOW,      /* under 50 % */
  ATRIUM_LEVEL_MEDIUM,   /* under 80 % */
  ATRIUM_LEVEL_HIGH,     /* under 95 % */
  ATRIUM_LEVEL_FULL,
} AtriumLevel;

AtriumLevel      atrium_level_for             (gint64            count,
                                               guint             capacity);
const char      *atrium_level_to_string       (AtriumLevel       level);

AtriumOccupancy *atrium_occupancy_new         (AtriumServer     *server,
                                               AtriumPublishFunc publish,
                                               gpointer          publish_data,
                                               GError          **error);
void             atrium_occupancy_free        (AtriumOccupancy  *self);

/* Watches the store for the other processes' changes and, with @jobs, runs the periodic
 * work: closing-time resets, statistics, silent sensors. One process runs the jobs. */
void             atrium_occupancy_start       (AtriumOccupancy  *self,
                                               gboolean          jobs);
gboolean         atrium_occupancy_run_jobs    (AtriumOccupancy  *self,
                                               GError          **error);

/* Reads everything again from the store; any thread. */
gboolean         atrium_occupancy_refresh     (AtriumOccupancy  *self,
                                               GError          **error);

/* The encoded document: every site (0) or one; NULL for an unknown site. Never
 * blocks on the database: any thread, the HTTP one included. */
GBytes          *atrium_occupancy_get_document (AtriumOccupancy *self,
                                               gint64            site_id);
AtriumDirectory *atrium_occupancy_get_directory (AtriumOccupancy *self);

/* The most a counter may show: 1.5 × the capacity in force at @now. */
gint64           atrium_occupancy_ceiling     (AtriumOccupancy  *self,
                                               gint64            space_id,
                                               gint64            now);

/* A sensor post or a recount was written: staff are told when a space goes over its
 * capacity. */
void             atrium_occupancy_counted     (AtriumOccupancy  *self,
                                               const char       *request_id,
                                               gint64            space_id,
                                               gint64            queue_id);

G_END_DECLS
