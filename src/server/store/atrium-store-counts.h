/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "atrium-db.h"

G_BEGIN_DECLS

/* Devices, sensors, the live counters of spaces and queues, their five-minute statistics
 * and the site events. Writers run inside the caller's transaction. */

#define ATRIUM_BUCKET_SECONDS 300

gint64   atrium_store_device_create   (AtriumDb    *db,
                                       const char  *kind,
                                       gint64       site_id,
                                       const char  *name,
                                       const char  *token_hash,
                                       gint64       now,
                                       GError     **error);

typedef struct
{
  gint64 device_id;
  gint64 site_id;
  gint64 space_id;      /* one of space_id … */
  gint64 queue_id;      /* … and queue_id is set */
  gint64 last_seen_at;  /* 0: never */
  gint64 silent_since;  /* 0: not silent */
} AtriumSensor;

gint64   atrium_store_sensor_create   (AtriumDb     *db,
                                       gint64        site_id,
                                       gint64        space_id,
                                       gint64        queue_id,
                                       const char   *name,
                                       const char   *token_hash,
                                       gint64        now,
                                       GError      **error);
gboolean atrium_store_sensor_get      (AtriumDb     *db,
                                       gint64        device_id,
                                       AtriumSensor *sensor,
                                       GError      **error);
/* Sensors not heard from since @before and not yet reported silent. */
GArray  *atrium_store_sensors_silent  (AtriumDb     *db,
                                       gint64        before,
                                       GError      **error);
gboolean atrium_store_sensor_set_silent (AtriumDb   *db,
                                       gint64        device_id,
                                       gint64        since,
                                       GError      **error);

/* The live figure of a space or a queue. */
typedef struct
{
  gint64 space_id;
  gint64 queue_id;
  gint64 count;
  gint64 reset_at;
  gint64 since;        /* the count holds since then (for the time-weighted mean) */
  gint64 updated_at;
  gint64 over_since;   /* 0: within capacity */
} AtriumCounter;

GArray  *atrium_store_counters_load   (AtriumDb     *db,
                                       GError      **error);

typedef enum
{
  ATRIUM_COUNT_RECORDED,   /* new: counted */
  ATRIUM_COUNT_LATE,       /* new, but from before the last reset: statistics only */
  ATRIUM_COUNT_REPEATED,   /* the same post again: nothing changes */
  ATRIUM_COUNT_CONFLICT,   /* the same seq with other figures: refused */
} AtriumCountOutcome;

typedef struct
{
  AtriumCountOutcome outcome;
  gint64             before;   /* the count before and after */
  gint64             after;
  gboolean           was_silent;
} AtriumCountResult;

/* Records one post of @sensor and moves its counter; the count stays within
 * [0, @ceiling]. */
gboolean atrium_store_count_record    (AtriumDb           *db,
                                       const AtriumSensor *sensor,
                                       gint64              seq,
                                       gint64              ts,
                                       gint64              entries,
                                       gint64              exits,
                                       gint64              now,
                                       gint64              ceiling,
                                       AtriumCountResult  *result,
                                       GError            **error);

/* Sets a counter (staff recount, closing-time reset), the statistics brought up to
 * @now first. @reset also moves reset_at, so older posts no longer count. */
gboolean atrium_store_counter_set     (AtriumDb     *db,
                                       gint64        space_id,
                                       gint64        queue_id,
                                       gint64        count,
                                       gboolean      reset,
                                       gint64        now,
                                       GError      **error);
/* Carries every counter's time-weighted figures up to @now (a periodic job). */
gboolean atrium_store_counters_advance (AtriumDb    *db,
                                       gint64        now,
                                       GError      **error);
gboolean atrium_store_counter_set_over (AtriumDb    *db,
                                       gint64        space_id,
                                       gint64        over_since,
                                       GError      **error);

/* Posts of a queue's sensors since @since and since its last reset: what the waiting
 * time is estimated from. */
GArray  *atrium_store_queue_samples   (AtriumDb     *db,
                                       gint64        queue_id,
                                       gint64        since,
                                       GError      **error);
gboolean atrium_store_queue_add_wait  (AtriumDb     *db,
                                       gint64        queue_id,
                                       gint64        now,
                                       double        wait_seconds,
                                       GError      **error);

typedef struct
{
  gint64 start;
  gint64 entries;
  gint64 exits;
  gint64 peak;
  gint64 area;       /* count × seconds */
  double wait_sum;
  gint64 wait_n;
} AtriumBucketRow;

/* Buckets of one space or queue with start in [from, to), oldest first. */
GArray  *atrium_store_buckets         (AtriumDb     *db,
                                       gint64        space_id,
                                       gint64        queue_id,
                                       gint64        from,
                                       gint64        to,
                                       GError      **error);

/* Writes one whole bucket (history imported or generated), replacing any. */
gboolean atrium_store_bucket_put      (AtriumDb              *db,
                                       gint64                 space_id,
                                       gint64                 queue_id,
                                       const AtriumBucketRow *row,
                                       GError               **error);

gint64   atrium_store_site_event_add  (AtriumDb     *db,
                                       gint64        site_id,
                                       gint64        at,
                                       const char   *kind,
                                       gint64        space_id,
                                       gint64        queue_id,
                                       gint64        device_id,
                                       const char   *detail,
                                       GError      **error);
/* Appends the site's latest @limit events, newest first, to @builder's open array. */
gboolean atrium_store_site_events_list (AtriumDb    *db,
                                       gint64        site_id,
                                       guint         limit,
                                       JsonBuilder  *builder,
                                       GError      **error);
GPtrArray *atrium_store_site_staff_emails (AtriumDb *db,
                                       gint64        site_id,
                                       GError      **error);

G_END_DECLS
