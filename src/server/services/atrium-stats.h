/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Occupancy statistics from the stored 5-minute buckets: series by hour, day, week and
 * month in a site's time zone. Pure computation, safe from any thread: the store reads
 * the rows, the handlers encode the answers. */

#define ATRIUM_STATS_ERROR (atrium_stats_error_quark ())

/**
 * AtriumStatsError:
 * @ATRIUM_STATS_ERROR_INVALID_RANGE: @to is before @from, or a bound lies outside
 *   1900–8999
 * @ATRIUM_STATS_ERROR_TOO_MANY_BUCKETS: the series would have more than
 *   %ATRIUM_STATS_MAX_BUCKETS buckets; ask for a coarser granularity or a shorter period
 *
 * Errors of the statistics service; both are the client's fault (HTTP 400).
 */
typedef enum
{
  ATRIUM_STATS_ERROR_INVALID_RANGE,
  ATRIUM_STATS_ERROR_TOO_MANY_BUCKETS,
} AtriumStatsError;

/* Stored buckets are this long and start at multiples of it (unix seconds). */
#define ATRIUM_STATS_ROW_SECONDS 300
/* A year of hours, a month of 5-minute buckets. */
#define ATRIUM_STATS_MAX_BUCKETS 10000

/**
 * AtriumStatsBucket:
 * @start: unix seconds, a multiple of %ATRIUM_STATS_ROW_SECONDS
 * @entries: people who came in during the 5 minutes
 * @exits: people who left
 * @peak: highest occupancy
 * @mean: occupancy averaged over the 5 minutes (time-weighted), finite and >= 0
 * @wait_mean: mean waiting time in seconds of the @wait_n people served from a queue
 * @wait_n: 0 when there is no waiting data (then @wait_mean is not read)
 *
 * One stored 5-minute bucket of one space, as the store reads it. Every function here
 * ignores rows that break these rules, and counts a start given twice only once (its
 * first row).
 */
typedef struct
{
  gint64 start;
  guint  entries;
  guint  exits;
  guint  peak;
  double mean;
  double wait_mean;
  guint  wait_n;
} AtriumStatsBucket;

/**
 * AtriumStatsAggregate:
 * @start: unix seconds; a unit boundary in the site's time zone, or the period's start
 * @end: unix seconds, excluded; @end - @start is 82800 or 90000 for a day with a DST
 *   change
 * @covered: seconds with data: %ATRIUM_STATS_ROW_SECONDS per stored row found. A missing
 *   row is no data, never zero people: 0 marks an empty bucket, a value below
 *   @end - @start a partial one
 * @entries: sum
 * @exits: sum
 * @peak: maximum; 0 when @covered is 0
 * @mean: occupancy averaged over the @covered seconds only; 0 when @covered is 0
 * @wait_mean: the rows' waiting means weighted by their @wait_n; 0 when @wait_n is 0
 * @wait_n: people with a waiting time
 *
 * One bucket of a series, or the totals of a whole period.
 */
typedef struct
{
  gint64  start;
  gint64  end;
  gint64  covered;
  guint64 entries;
  guint64 exits;
  guint   peak;
  double  mean;
  double  wait_mean;
  guint64 wait_n;
} AtriumStatsAggregate;

/**
 * AtriumStatsGranularity:
 * @ATRIUM_STATS_5MIN: the stored buckets themselves
 * @ATRIUM_STATS_HOUR: local clock hours: 23 or 25 on a day with a DST change (the
 *   repeated hour is two buckets)
 * @ATRIUM_STATS_DAY: from local midnight to local midnight
 * @ATRIUM_STATS_WEEK: ISO weeks, from Monday's local midnight
 * @ATRIUM_STATS_MONTH: calendar months, from the 1st's local midnight
 */
typedef enum
{
  ATRIUM_STATS_5MIN,
  ATRIUM_STATS_HOUR,
  ATRIUM_STATS_DAY,
  ATRIUM_STATS_WEEK,
  ATRIUM_STATS_MONTH,
} AtriumStatsGranularity;

GQuark               atrium_stats_error_quark             (void);

gboolean             atrium_stats_granularity_from_string (const char             *text,
                                                           AtriumStatsGranularity *out);
const char          *atrium_stats_granularity_to_string   (AtriumStatsGranularity granularity);

/* Unit boundaries in @tz: where a bucket holding @instant starts, where the next does. */
gint64               atrium_stats_floor                   (GTimeZone              *tz,
                                                           gint64                  instant,
                                                           AtriumStatsGranularity  granularity);
gint64               atrium_stats_next                    (GTimeZone              *tz,
                                                           gint64                  instant,
                                                           AtriumStatsGranularity  granularity);

/* A series of every bucket of [@from, @to), and the totals of consecutive buckets. */
GArray              *atrium_stats_aggregate               (const AtriumStatsBucket  *rows,
                                                           guint                     n_rows,
                                                           GTimeZone                *tz,
                                                           gint64                    from,
                                                           gint64                    to,
                                                           AtriumStatsGranularity    granularity,
                                                           GError                  **error);
void                 atrium_stats_sum                     (const AtriumStatsAggregate *parts,
                                                           guint                       n_parts,
                                                           AtriumStatsAggregate       *total);

G_END_DECLS
