/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Occupancy statistics from the stored 5-minute buckets: series by hour, day, week and
 * month in a site's time zone, comparison periods, and the "popular times" forecast.
 * Pure computation, safe from any thread: the store reads the rows, the handlers encode
 * the answers. */

#define ATRIUM_STATS_ERROR (atrium_stats_error_quark ())

/**
 * AtriumStatsError:
 * @ATRIUM_STATS_ERROR_INVALID_RANGE: @to is before @from, or a bound (of the period or of
 *   its comparison) lies outside 1900–8999
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
 *   change; a comparison bucket may be 0 long (see #AtriumStatsComparison)
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

/**
 * AtriumStatsComparison:
 * @ATRIUM_STATS_COMPARE_PREVIOUS: the period of the same calendar length just before:
 *   as many months (month granularity), weeks (week) or local days (day; hour and
 *   5-minute when @from and @to show the same local time of day), rounded up; otherwise
 *   the same number of seconds
 * @ATRIUM_STATS_COMPARE_YEAR: the same months a year earlier (month granularity);
 *   otherwise 52 weeks (364 days) earlier, so that a Monday is compared with a Monday
 *
 * Calendar shifts move local clock times: 1 March 10:00 a month back is 1 February
 * 10:00 (31 March is clamped to the end of February). Each bucket boundary moves so, so
 * around a change of offset matching buckets can differ in length: the hour before a
 * skipped hour meets two hours, the second pass through a repeated hour meets nothing.
 */
typedef enum
{
  ATRIUM_STATS_COMPARE_PREVIOUS,
  ATRIUM_STATS_COMPARE_YEAR,
} AtriumStatsComparison;

/**
 * AtriumStatsDelta:
 * @comparable: both periods have data (@covered > 0); the other members are 0 if not
 * @entries: current minus comparison
 * @exits: likewise
 * @peak: likewise
 * @mean: likewise
 * @has_wait: both periods have waiting data
 * @wait_mean: current minus comparison, 0 unless @has_wait
 */
typedef struct
{
  gboolean comparable;
  gint64   entries;
  gint64   exits;
  gint64   peak;
  double   mean;
  gboolean has_wait;
  double   wait_mean;
} AtriumStatsDelta;

/* The forecast looks at the same weekday in this many weeks before the date... */
#define ATRIUM_STATS_FORECAST_WEEKS    8
/* ...and is flagged when fewer of those days than this have any data. */
#define ATRIUM_STATS_FORECAST_MIN_DAYS 3

/**
 * AtriumStatsForecastSlot:
 * @start: unix seconds
 * @end: unix seconds, excluded
 * @occupancy: expected mean occupancy; 0 when @samples is 0
 * @samples: the same weekdays that had data in this half hour, outliers included
 */
typedef struct
{
  gint64 start;
  gint64 end;
  double occupancy;
  guint  samples;
} AtriumStatsForecastSlot;

/**
 * AtriumStatsForecast:
 * @slots: (element-type AtriumStatsForecastSlot): the local date's half hours in order:
 *   48, or 46 and 50 on days with a DST change (both 02:00 slots of the repeated hour
 *   get the same forecast; a slot that starts at the change is named by its clock time)
 * @days_with_data: of the %ATRIUM_STATS_FORECAST_WEEKS same weekdays before the date,
 *   those with at least one row
 * @outlier_days: of those, the days left out as unlike the others (a closure, an event)
 * @insufficient_history: @days_with_data < %ATRIUM_STATS_FORECAST_MIN_DAYS; the slots
 *   are still filled from what there is
 */
typedef struct
{
  GArray   *slots;
  guint     days_with_data;
  guint     outlier_days;
  gboolean  insufficient_history;
} AtriumStatsForecast;

GQuark               atrium_stats_error_quark             (void);

gboolean             atrium_stats_granularity_from_string (const char             *text,
                                                           AtriumStatsGranularity *out);
const char          *atrium_stats_granularity_to_string   (AtriumStatsGranularity granularity);
gboolean             atrium_stats_comparison_from_string  (const char            *text,
                                                           AtriumStatsComparison *out);

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

/* The comparison period to read rows for, its series aligned bucket by bucket with
 * atrium_stats_aggregate()'s, and the differences of two totals. */
gboolean             atrium_stats_comparison_range        (GTimeZone               *tz,
                                                           gint64                   from,
                                                           gint64                   to,
                                                           AtriumStatsGranularity   granularity,
                                                           AtriumStatsComparison    comparison,
                                                           gint64                  *cmp_from,
                                                           gint64                  *cmp_to,
                                                           GError                 **error);
GArray              *atrium_stats_aggregate_compared      (const AtriumStatsBucket  *rows,
                                                           guint                     n_rows,
                                                           GTimeZone                *tz,
                                                           gint64                    from,
                                                           gint64                    to,
                                                           AtriumStatsGranularity    granularity,
                                                           AtriumStatsComparison     comparison,
                                                           GError                  **error);
void                 atrium_stats_delta                   (const AtriumStatsAggregate *current,
                                                           const AtriumStatsAggregate *comparison,
                                                           AtriumStatsDelta           *delta);

/* The history to read for a date, and its forecast. */
void                 atrium_stats_forecast_range          (GTimeZone   *tz,
                                                           const GDate *date,
                                                           gint64      *from,
                                                           gint64      *to);
AtriumStatsForecast *atrium_stats_forecast                (const AtriumStatsBucket *history,
                                                           guint                    n_history,
                                                           GTimeZone               *tz,
                                                           const GDate             *date);
void                 atrium_stats_forecast_free           (AtriumStatsForecast *forecast);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumStatsForecast, atrium_stats_forecast_free)

G_END_DECLS
