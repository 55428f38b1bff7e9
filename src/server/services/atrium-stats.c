/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-stats"

#include "config.h"

#include "atrium-stats.h"

#include <math.h>
#include <string.h>

/*
 * Time zones. GTimeZone tells the offset in force at an instant but not when it
 * changes, so the few places that need a change find it by bisection (an offset is
 * constant between changes, and two changes are never within a couple of days of each
 * other in the tz database). "Wall" seconds are the local clock reading written as if it
 * were UTC: wall = unix + offset.
 */

#define SECONDS_PER_DAY   86400
#define SECONDS_PER_HOUR  3600
#define SLOT_SECONDS      1800
#define SLOTS_PER_DAY     (SECONDS_PER_DAY / SLOT_SECONDS)
/* GDate's Julian day of 1970-01-01 (its day 1 is 1 January of year 1). */
#define UNIX_EPOCH_JULIAN 719163
/* 1900-01-01 and 9000-01-01 UTC: well inside GDate's years, whatever the shift. */
#define TIME_MIN          G_GINT64_CONSTANT (-2208988800)
#define TIME_MAX          G_GINT64_CONSTANT (221845392000)

G_DEFINE_QUARK (atrium-stats-error-quark, atrium_stats_error)

static const char * const granularity_names[] = {
  [ATRIUM_STATS_5MIN] = "5min",
  [ATRIUM_STATS_HOUR] = "hour",
  [ATRIUM_STATS_DAY] = "day",
  [ATRIUM_STATS_WEEK] = "week",
  [ATRIUM_STATS_MONTH] = "month",
};

static const char * const comparison_names[] = {
  [ATRIUM_STATS_COMPARE_PREVIOUS] = "previous",
  [ATRIUM_STATS_COMPARE_YEAR] = "year",
};

gboolean
atrium_stats_granularity_from_string (const char             *text,
                                      AtriumStatsGranularity *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (granularity_names); i++)
    if (g_str_equal (text, granularity_names[i]))
      {
        *out = (AtriumStatsGranularity) i;
        return TRUE;
      }
  return FALSE;
}

const char *
atrium_stats_granularity_to_string (AtriumStatsGranularity granularity)
{
  g_return_val_if_fail ((guint) granularity < G_N_ELEMENTS (granularity_names), NULL);

  return granularity_names[granularity];
}

gboolean
atrium_stats_comparison_from_string (const char            *text,
                                     AtriumStatsComparison *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (comparison_names); i++)
    if (g_str_equal (text, comparison_names[i]))
      {
        *out = (AtriumStatsComparison) i;
        return TRUE;
      }
  return FALSE;
}

/* ---- time ------------------------------------------------------------------------ */

static gint64
floor_div (gint64 a,
           gint64 b)
{
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static gint64
floor_mod (gint64 a,
           gint64 b)
{
  return a - floor_div (a, b) * b;
}

static gint64
offset_at (GTimeZone *tz,
           gint64     instant)
{
  return g_time_zone_get_offset (tz, g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL,
                                                                 instant));
}

static gint64
wall_of (GTimeZone *tz,
         gint64     instant)
{
  return instant + offset_at (tz, instant);
}

/* The first instant in (@lo, @hi] whose offset differs from @lo's, when @hi's does. */
static gint64
change_between (GTimeZone *tz,
                gint64     lo,
                gint64     hi)
{
  gint64 before = offset_at (tz, lo);

  while (hi - lo > 1)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (offset_at (tz, mid) == before)
        lo = mid;
      else
        hi = mid;
    }
  return hi;
}

/* The first instant at which the local clock reads @wall or later: the moment of the
 * change when @wall falls in a skipped hour, the first pass through a repeated one. */
static gint64
wall_to_unix (GTimeZone *tz,
              gint64     wall)
{
  gint64 instant = wall - offset_at (tz, wall) - SECONDS_PER_DAY;

  for (guint i = 0; i < 8; i++)
    {
      gint64 offset = offset_at (tz, instant);
      gint64 reach;

      if (instant + offset >= wall)
        return instant;
      /* Under this offset the clock reaches @wall here, unless the offset changes first. */
      reach = wall - offset;
      if (offset_at (tz, reach) == offset)
        return reach;
      instant = change_between (tz, instant, reach);
    }
  return instant;
}

static gint64
day_start (GTimeZone *tz,
           gint64     day)
{
  return wall_to_unix (tz, day * SECONDS_PER_DAY);
}

static void
days_to_date (gint64  day,
              GDate  *date)
{
  g_date_clear (date, 1);
  g_date_set_julian (date, (guint32) (day + UNIX_EPOCH_JULIAN));
}

static gint64
date_to_days (const GDate *date)
{
  return (gint64) g_date_get_julian (date) - UNIX_EPOCH_JULIAN;
}

/* The start of the clock hour or half hour (@unit) holding @instant: the last instant
 * at which the clock read a multiple of @unit, or a change of offset after it. */
static gint64
clock_floor (GTimeZone *tz,
             gint64     instant,
             gint64     unit)
{
  gint64 offset = offset_at (tz, instant);
  gint64 start = instant - floor_mod (instant + offset, unit);

  if (offset_at (tz, start) != offset)
    start = change_between (tz, start, instant);
  return start;
}

static gint64
clock_next (GTimeZone *tz,
            gint64     instant,
            gint64     unit)
{
  gint64 offset = offset_at (tz, instant);
  gint64 next = instant + unit - floor_mod (instant + offset, unit);

  if (offset_at (tz, next) != offset)
    next = change_between (tz, instant, next);
  return next;
}

/* Days since 1970-01-01 of the first day of the day, week or month holding @day. */
static gint64
unit_first_day (AtriumStatsGranularity granularity,
                gint64                 day)
{
  GDate date;

  switch (granularity)
    {
    case ATRIUM_STATS_DAY:
      return day;
    case ATRIUM_STATS_WEEK:
      /* 1970-01-01 was a Thursday, so Monday is 3 days before a multiple of 7. */
      return day - floor_mod (day + 3, 7);
    case ATRIUM_STATS_MONTH:
      days_to_date (day, &date);
      g_date_set_day (&date, 1);
      return date_to_days (&date);
    case ATRIUM_STATS_5MIN:
    case ATRIUM_STATS_HOUR:
    default:
      g_assert_not_reached ();
    }
}

static gint64
unit_next_day (AtriumStatsGranularity granularity,
               gint64                 first_day)
{
  GDate date;

  switch (granularity)
    {
    case ATRIUM_STATS_DAY:
      return first_day + 1;
    case ATRIUM_STATS_WEEK:
      return first_day + 7;
    case ATRIUM_STATS_MONTH:
      days_to_date (first_day, &date);
      g_date_add_months (&date, 1);
      return date_to_days (&date);
    case ATRIUM_STATS_5MIN:
    case ATRIUM_STATS_HOUR:
    default:
      g_assert_not_reached ();
    }
}

/* The first day of the calendar unit whose local-midnight boundaries hold @instant. */
static gint64
calendar_unit_of (GTimeZone              *tz,
                  gint64                  instant,
                  AtriumStatsGranularity  granularity)
{
  gint64 first = unit_first_day (granularity,
                                 floor_div (wall_of (tz, instant), SECONDS_PER_DAY));

  /* Only a clock set back across midnight makes the date and the boundaries disagree;
   * the boundaries win, so the units never overlap. */
  while (day_start (tz, first) > instant)
    first = unit_first_day (granularity, first - 1);
  while (day_start (tz, unit_next_day (granularity, first)) <= instant)
    first = unit_next_day (granularity, first);
  return first;
}

/**
 * atrium_stats_floor:
 *
 * Returns: the start of the @granularity unit holding @instant, in @tz.
 */
gint64
atrium_stats_floor (GTimeZone              *tz,
                    gint64                  instant,
                    AtriumStatsGranularity  granularity)
{
  g_return_val_if_fail (tz != NULL, instant);
  g_return_val_if_fail (instant >= TIME_MIN && instant <= TIME_MAX, instant);

  switch (granularity)
    {
    case ATRIUM_STATS_5MIN:
      return instant - floor_mod (instant, ATRIUM_STATS_ROW_SECONDS);
    case ATRIUM_STATS_HOUR:
      return clock_floor (tz, instant, SECONDS_PER_HOUR);
    case ATRIUM_STATS_DAY:
    case ATRIUM_STATS_WEEK:
    case ATRIUM_STATS_MONTH:
      return day_start (tz, calendar_unit_of (tz, instant, granularity));
    default:
      g_return_val_if_reached (instant);
    }
}

/**
 * atrium_stats_next:
 *
 * Returns: the start of the @granularity unit after the one holding @instant, in @tz:
 *   the first unit boundary later than @instant.
 */
gint64
atrium_stats_next (GTimeZone              *tz,
                   gint64                  instant,
                   AtriumStatsGranularity  granularity)
{
  g_return_val_if_fail (tz != NULL, instant);
  g_return_val_if_fail (instant >= TIME_MIN && instant <= TIME_MAX, instant);

  switch (granularity)
    {
    case ATRIUM_STATS_5MIN:
      return atrium_stats_floor (tz, instant, granularity) + ATRIUM_STATS_ROW_SECONDS;
    case ATRIUM_STATS_HOUR:
      return clock_next (tz, instant, SECONDS_PER_HOUR);
    case ATRIUM_STATS_DAY:
    case ATRIUM_STATS_WEEK:
    case ATRIUM_STATS_MONTH:
      return day_start (tz, unit_next_day (granularity,
                                           calendar_unit_of (tz, instant, granularity)));
    default:
      g_return_val_if_reached (instant);
    }
}

static gboolean
check_range (gint64    from,
             gint64    to,
             GError  **error)
{
  if (to < from)
    {
      g_set_error_literal (error, ATRIUM_STATS_ERROR, ATRIUM_STATS_ERROR_INVALID_RANGE,
                           "The period ends before it starts");
      return FALSE;
    }
  if (from < TIME_MIN || to > TIME_MAX)
    {
      g_set_error_literal (error, ATRIUM_STATS_ERROR, ATRIUM_STATS_ERROR_INVALID_RANGE,
                           "The period must lie between the years 1900 and 8999");
      return FALSE;
    }
  return TRUE;
}

/* The bucket boundaries of [@from, @to): @from, the unit boundaries inside, @to. */
static GArray *
build_axis (GTimeZone               *tz,
            gint64                   from,
            gint64                   to,
            AtriumStatsGranularity   granularity,
            GError                 **error)
{
  g_autoptr(GArray) axis = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 instant = from;

  if (!check_range (from, to, error))
    return NULL;
  g_array_append_val (axis, instant);
  while (instant < to)
    {
      if (axis->len > ATRIUM_STATS_MAX_BUCKETS)
        {
          g_set_error (error, ATRIUM_STATS_ERROR, ATRIUM_STATS_ERROR_TOO_MANY_BUCKETS,
                       "More than %d buckets: choose a coarser granularity or a shorter "
                       "period", ATRIUM_STATS_MAX_BUCKETS);
          return NULL;
        }
      instant = MIN (atrium_stats_next (tz, instant, granularity), to);
      g_array_append_val (axis, instant);
    }
  return g_steal_pointer (&axis);
}

/* ---- rows and sums ------------------------------------------------------------------ */

static gboolean
row_is_valid (const AtriumStatsBucket *row)
{
  if (floor_mod (row->start, ATRIUM_STATS_ROW_SECONDS) != 0)
    return FALSE;
  if (!isfinite (row->mean) || row->mean < 0)
    return FALSE;
  if (row->wait_n > 0 && (!isfinite (row->wait_mean) || row->wait_mean < 0))
    return FALSE;
  return TRUE;
}

static int
compare_rows (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const AtriumStatsBucket *row_a = a;
  const AtriumStatsBucket *row_b = b;

  return (row_a->start > row_b->start) - (row_a->start < row_b->start);
}

/* The valid rows that start in [@from, @to), by start, the first row of a start only. */
static GArray *
sorted_rows (const AtriumStatsBucket *rows,
             guint                    n_rows,
             gint64                   from,
             gint64                   to)
{
  GArray *sorted = g_array_new (FALSE, FALSE, sizeof (AtriumStatsBucket));
  guint kept = 0;

  for (guint i = 0; i < n_rows; i++)
    if (rows[i].start >= from && rows[i].start < to && row_is_valid (&rows[i]))
      g_array_append_val (sorted, rows[i]);

  /* A stable sort keeps repeated starts in the caller's order. */
  g_qsort_with_data (sorted->data, (gint) sorted->len, sizeof (AtriumStatsBucket),
                     compare_rows, NULL);
  for (guint i = 0; i < sorted->len; i++)
    {
      const AtriumStatsBucket *row = &g_array_index (sorted, AtriumStatsBucket, i);

      if (kept > 0 && g_array_index (sorted, AtriumStatsBucket, kept - 1).start == row->start)
        continue;
      g_array_index (sorted, AtriumStatsBucket, kept++) = *row;
    }
  g_array_set_size (sorted, kept);
  return sorted;
}

/* While a bucket is being filled, its mean and wait_mean hold weighted sums. */
static void
add_row (AtriumStatsAggregate    *sum,
         const AtriumStatsBucket *row)
{
  sum->covered += ATRIUM_STATS_ROW_SECONDS;
  sum->entries += row->entries;
  sum->exits += row->exits;
  sum->peak = MAX (sum->peak, row->peak);
  sum->mean += row->mean * ATRIUM_STATS_ROW_SECONDS;
  if (row->wait_n > 0)
    {
      sum->wait_mean += row->wait_mean * row->wait_n;
      sum->wait_n += row->wait_n;
    }
}

static void
add_part (AtriumStatsAggregate       *sum,
          const AtriumStatsAggregate *part)
{
  sum->covered += part->covered;
  sum->entries += part->entries;
  sum->exits += part->exits;
  sum->peak = MAX (sum->peak, part->peak);
  sum->mean += part->mean * (double) part->covered;
  sum->wait_mean += part->wait_mean * (double) part->wait_n;
  sum->wait_n += part->wait_n;
}

static void
finish_sum (AtriumStatsAggregate *sum)
{
  sum->mean = sum->covered > 0 ? sum->mean / (double) sum->covered : 0.0;
  sum->wait_mean = sum->wait_n > 0 ? sum->wait_mean / (double) sum->wait_n : 0.0;
}

/* One aggregate per pair of neighbours in @axis (sorted, equal neighbours allowed). */
static GArray *
aggregate_on_axis (const AtriumStatsBucket *rows,
                   guint                    n_rows,
                   const GArray            *axis)
{
  const gint64 *bounds = (const gint64 *) (gpointer) axis->data;
  guint n_buckets = axis->len - 1;
  g_autoptr(GArray) sorted = sorted_rows (rows, n_rows, bounds[0], bounds[n_buckets]);
  GArray *series = g_array_sized_new (FALSE, TRUE, sizeof (AtriumStatsAggregate), n_buckets);
  guint r = 0;

  for (guint i = 0; i < n_buckets; i++)
    {
      AtriumStatsAggregate bucket = { .start = bounds[i], .end = bounds[i + 1] };

      for (; r < sorted->len; r++)
        {
          const AtriumStatsBucket *row = &g_array_index (sorted, AtriumStatsBucket, r);

          if (row->start >= bucket.end)
            break;
          if (row->start >= bucket.start)
            add_row (&bucket, row);
        }
      finish_sum (&bucket);
      g_array_append_val (series, bucket);
    }
  return series;
}

/**
 * atrium_stats_aggregate:
 * @rows: (array length=n_rows): stored buckets in any order; those outside [@from, @to)
 *   are skipped
 * @tz: the site's time zone
 * @from: unix seconds
 * @to: unix seconds, excluded
 *
 * Aggregates @rows into @granularity buckets with boundaries in @tz, every bucket of
 * the period included, empty or not, so a chart has a continuous axis. When @from or
 * @to is not a unit boundary (see atrium_stats_floor()) the first or last bucket is
 * clipped to the period. A row counts in the bucket holding its start.
 *
 * Returns: (transfer full) (element-type AtriumStatsAggregate): the series, or %NULL
 *   with @error set
 */
GArray *
atrium_stats_aggregate (const AtriumStatsBucket  *rows,
                        guint                     n_rows,
                        GTimeZone                *tz,
                        gint64                    from,
                        gint64                    to,
                        AtriumStatsGranularity    granularity,
                        GError                  **error)
{
  g_autoptr(GArray) axis = NULL;

  g_return_val_if_fail (rows != NULL || n_rows == 0, NULL);
  g_return_val_if_fail (tz != NULL, NULL);
  g_return_val_if_fail ((guint) granularity < G_N_ELEMENTS (granularity_names), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  axis = build_axis (tz, from, to, granularity, error);
  if (axis == NULL)
    return NULL;
  return aggregate_on_axis (rows, n_rows, axis);
}

/**
 * atrium_stats_sum:
 * @parts: (array length=n_parts): consecutive buckets, such as a whole series
 * @total: (out caller-allocates): their totals, from the first start to the last end;
 *   all zero when @n_parts is 0
 *
 * The same totals as aggregating the rows over the whole period at once.
 */
void
atrium_stats_sum (const AtriumStatsAggregate *parts,
                  guint                       n_parts,
                  AtriumStatsAggregate       *total)
{
  g_return_if_fail (parts != NULL || n_parts == 0);
  g_return_if_fail (total != NULL);

  *total = (AtriumStatsAggregate) { 0, };
  if (n_parts == 0)
    return;
  total->start = parts[0].start;
  total->end = parts[n_parts - 1].end;
  for (guint i = 0; i < n_parts; i++)
    add_part (total, &parts[i]);
  finish_sum (total);
}

/* ---- comparison periods ------------------------------------------------------------- */

/* Back by calendar months and days (local clock times kept), or by plain seconds. */
typedef struct
{
  guint  months;
  gint64 days;
  gint64 seconds;
} Shift;

static Shift
comparison_shift (GTimeZone              *tz,
                  gint64                  from,
                  gint64                  to,
                  AtriumStatsGranularity  granularity,
                  AtriumStatsComparison   comparison)
{
  Shift shift = { 0, 0, 0 };
  gint64 wall_from = wall_of (tz, from);
  gint64 wall_to = wall_of (tz, to);
  gint64 day_from = floor_div (wall_from, SECONDS_PER_DAY);
  gint64 day_to = floor_div (wall_to, SECONDS_PER_DAY);
  gint64 clock_from = wall_from - day_from * SECONDS_PER_DAY;
  gint64 clock_to = wall_to - day_to * SECONDS_PER_DAY;
  /* Whole local days, a part of a day counting as one. */
  gint64 days = day_to - day_from + (clock_to > clock_from ? 1 : 0);

  if (comparison == ATRIUM_STATS_COMPARE_YEAR)
    {
      if (granularity == ATRIUM_STATS_MONTH)
        shift.months = 12;
      else
        shift.days = 52 * 7;
      return shift;
    }

  switch (granularity)
    {
    case ATRIUM_STATS_MONTH:
      {
        GDate a, b;
        gint64 months;

        days_to_date (day_from, &a);
        days_to_date (day_to, &b);
        months = (gint64) g_date_get_year (&b) * 12 + g_date_get_month (&b)
                 - (gint64) g_date_get_year (&a) * 12 - g_date_get_month (&a);
        if (g_date_get_day (&b) > g_date_get_day (&a)
            || (g_date_get_day (&b) == g_date_get_day (&a) && clock_to > clock_from))
          months++;
        shift.months = (guint) CLAMP (months, 1, 12 * 9000);
        break;
      }
    case ATRIUM_STATS_WEEK:
      shift.days = MAX (days + 6, 7) / 7 * 7;
      break;
    case ATRIUM_STATS_DAY:
      shift.days = MAX (days, 1);
      break;
    case ATRIUM_STATS_5MIN:
    case ATRIUM_STATS_HOUR:
    default:
      if (clock_from == clock_to && day_to > day_from)
        shift.days = day_to - day_from;
      else
        shift.seconds = MAX (to - from, ATRIUM_STATS_ROW_SECONDS);
      break;
    }
  return shift;
}

static gint64
shift_back (GTimeZone   *tz,
            gint64       instant,
            const Shift *shift)
{
  gint64 wall, day;

  if (shift->seconds != 0)
    return instant - shift->seconds;

  /* At a change of offset the clock has two readings; take the later one, so that the
   * hour before a skipped hour spans two hours in the comparison and a repeated hour
   * maps onto nothing the second time. */
  wall = MAX (wall_of (tz, instant), wall_of (tz, instant - 1) + 1);
  day = floor_div (wall, SECONDS_PER_DAY);
  if (shift->months > 0)
    {
      GDate date;

      days_to_date (day, &date);
      g_date_subtract_months (&date, shift->months);
      day = date_to_days (&date);
    }
  day -= shift->days;
  return wall_to_unix (tz, day * SECONDS_PER_DAY + floor_mod (wall, SECONDS_PER_DAY));
}

/* The period's axis moved back: bucket i of the period and of the comparison match. */
static GArray *
comparison_axis (GTimeZone               *tz,
                 gint64                   from,
                 gint64                   to,
                 AtriumStatsGranularity   granularity,
                 AtriumStatsComparison    comparison,
                 GError                 **error)
{
  g_autoptr(GArray) axis = build_axis (tz, from, to, granularity, error);
  Shift shift;

  if (axis == NULL)
    return NULL;
  shift = comparison_shift (tz, from, to, granularity, comparison);
  if (from - TIME_MIN < shift.seconds + (gint64) (shift.months * 31 + shift.days + 1)
                                        * SECONDS_PER_DAY)
    {
      g_set_error_literal (error, ATRIUM_STATS_ERROR, ATRIUM_STATS_ERROR_INVALID_RANGE,
                           "The comparison period would start before 1900");
      return NULL;
    }
  for (guint i = 0; i < axis->len; i++)
    {
      gint64 *bound = &g_array_index (axis, gint64, i);

      *bound = shift_back (tz, *bound, &shift);
      /* A repeated hour would step back: it maps onto nothing instead. */
      if (i > 0)
        *bound = MAX (*bound, g_array_index (axis, gint64, i - 1));
    }
  return g_steal_pointer (&axis);
}

/**
 * atrium_stats_comparison_range:
 * @cmp_from: (out): the comparison period's start
 * @cmp_to: (out): its end, excluded
 *
 * The rows the store must read for atrium_stats_aggregate_compared() with the same
 * arguments. Returns: %FALSE with @error set when atrium_stats_aggregate() would fail
 * or the comparison period starts before 1900.
 */
gboolean
atrium_stats_comparison_range (GTimeZone               *tz,
                               gint64                   from,
                               gint64                   to,
                               AtriumStatsGranularity   granularity,
                               AtriumStatsComparison    comparison,
                               gint64                  *cmp_from,
                               gint64                  *cmp_to,
                               GError                 **error)
{
  g_autoptr(GArray) axis = NULL;

  g_return_val_if_fail (tz != NULL, FALSE);
  g_return_val_if_fail ((guint) granularity < G_N_ELEMENTS (granularity_names), FALSE);
  g_return_val_if_fail ((guint) comparison < G_N_ELEMENTS (comparison_names), FALSE);
  g_return_val_if_fail (cmp_from != NULL && cmp_to != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  axis = comparison_axis (tz, from, to, granularity, comparison, error);
  if (axis == NULL)
    return FALSE;
  *cmp_from = g_array_index (axis, gint64, 0);
  *cmp_to = g_array_index (axis, gint64, axis->len - 1);
  return TRUE;
}

/**
 * atrium_stats_aggregate_compared:
 * @rows: (array length=n_rows): stored buckets of the comparison period (others are
 *   skipped)
 *
 * The comparison series of atrium_stats_aggregate() with the same arguments: exactly
 * as many buckets, bucket i being bucket i of the period moved back by @comparison.
 * The buckets are consecutive from the comparison period's start to its end, so
 * atrium_stats_sum() of the series gives the comparison totals. Around a change of
 * offset two matching buckets may differ in length (see AtriumStatsAggregate.end).
 *
 * Returns: (transfer full) (element-type AtriumStatsAggregate): the series, or %NULL
 *   with @error set
 */
GArray *
atrium_stats_aggregate_compared (const AtriumStatsBucket  *rows,
                                 guint                     n_rows,
                                 GTimeZone                *tz,
                                 gint64                    from,
                                 gint64                    to,
                                 AtriumStatsGranularity    granularity,
                                 AtriumStatsComparison     comparison,
                                 GError                  **error)
{
  g_autoptr(GArray) axis = NULL;

  g_return_val_if_fail (rows != NULL || n_rows == 0, NULL);
  g_return_val_if_fail (tz != NULL, NULL);
  g_return_val_if_fail ((guint) granularity < G_N_ELEMENTS (granularity_names), NULL);
  g_return_val_if_fail ((guint) comparison < G_N_ELEMENTS (comparison_names), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  axis = comparison_axis (tz, from, to, granularity, comparison, error);
  if (axis == NULL)
    return NULL;
  return aggregate_on_axis (rows, n_rows, axis);
}

/**
 * atrium_stats_delta:
 * @delta: (out caller-allocates): @current minus @comparison
 */
void
atrium_stats_delta (const AtriumStatsAggregate *current,
                    const AtriumStatsAggregate *comparison,
                    AtriumStatsDelta           *delta)
{
  g_return_if_fail (current != NULL && comparison != NULL && delta != NULL);

  *delta = (AtriumStatsDelta) { 0, };
  if (current->covered == 0 || comparison->covered == 0)
    return;
  delta->comparable = TRUE;
  delta->entries = (gint64) current->entries - (gint64) comparison->entries;
  delta->exits = (gint64) current->exits - (gint64) comparison->exits;
  delta->peak = (gint64) current->peak - (gint64) comparison->peak;
  delta->mean = current->mean - comparison->mean;
  if (current->wait_n > 0 && comparison->wait_n > 0)
    {
      delta->has_wait = TRUE;
      delta->wait_mean = current->wait_mean - comparison->wait_mean;
    }
}

/* ---- forecast ------------------------------------------------------------------------ */

typedef struct
{
  double value;
  double weight;
} Sample;

static int
compare_doubles (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Sorts @values. */
static double
median (double *values,
        guint   n_values)
{
  g_qsort_with_data (values, (gint) n_values, sizeof (double), compare_doubles, NULL);
  if (n_values % 2 == 1)
    return values[n_values / 2];
  return (values[n_values / 2 - 1] + values[n_values / 2]) / 2;
}

/* Within one half hour, a day is left out (part of a day closed, or crowded) when it is
 * further from the days' median m than m/2, 3·sqrt(m) and 2 people. sqrt(m) is the
 * spread of a count of people who come at random: it keeps the quiet hours, which vary
 * most, from losing ordinary days. Which of two days is the odd one cannot be told, so
 * this needs three. The others are averaged with their weights. */
static double
robust_mean (const Sample *samples,
             guint         n_samples)
{
  double values[ATRIUM_STATS_FORECAST_WEEKS];
  double center, limit, sum = 0.0, weights = 0.0, all_sum = 0.0, all_weights = 0.0;

  g_assert (n_samples <= ATRIUM_STATS_FORECAST_WEEKS);
  if (n_samples == 0)
    return 0.0;
  for (guint i = 0; i < n_samples; i++)
    values[i] = samples[i].value;
  center = median (values, n_samples);
  limit = MAX (0.5 * center, 2.0);

  for (guint i = 0; i < n_samples; i++)
    {
      double deviation = ABS (samples[i].value - center);

      all_sum += samples[i].value * samples[i].weight;
      all_weights += samples[i].weight;
      /* deviation > 3·sqrt(center), without libm */
      if (n_samples >= 3 && deviation > limit && deviation * deviation > 9.0 * center)
        continue;
      sum += samples[i].value * samples[i].weight;
      weights += samples[i].weight;
    }
  /* Nothing typical (say two days of 0 and two of 100): keep them all. */
  if (weights == 0.0)
    return all_sum / all_weights;
  return sum / weights;
}

/* The same weekday in the weeks before the date; index 0 is the week before. */
typedef struct
{
  double   value[ATRIUM_STATS_FORECAST_WEEKS][SLOTS_PER_DAY];  /* the rows' mean */
  guint    rows[ATRIUM_STATS_FORECAST_WEEKS][SLOTS_PER_DAY];
  gboolean seen[ATRIUM_STATS_FORECAST_WEEKS];                 /* any row that day */
  gboolean outlier[ATRIUM_STATS_FORECAST_WEEKS];
} Weekdays;

static void
collect_weekdays (const GArray *rows,
                  GTimeZone    *tz,
                  gint64        day,
                  Weekdays     *weekdays)
{
  for (guint i = 0; i < rows->len; i++)
    {
      const AtriumStatsBucket *row = &g_array_index (rows, AtriumStatsBucket, i);
      gint64 wall = wall_of (tz, row->start);
      gint64 age = day - floor_div (wall, SECONDS_PER_DAY);
      guint week, slot;

      if (age <= 0 || age % 7 != 0 || age / 7 > ATRIUM_STATS_FORECAST_WEEKS)
        continue;
      /* By clock time: both passes through a repeated hour land in its half hours, and
       * a skipped hour has none. */
      week = (guint) (age / 7 - 1);
      slot = (guint) (floor_mod (wall, SECONDS_PER_DAY) / SLOT_SECONDS);
      weekdays->value[week][slot] += row->mean;
      weekdays->rows[week][slot]++;
      weekdays->seen[week] = TRUE;
    }
  for (guint week = 0; week < ATRIUM_STATS_FORECAST_WEEKS; week++)
    for (guint slot = 0; slot < SLOTS_PER_DAY; slot++)
      if (weekdays->rows[week][slot] > 0)
        weekdays->value[week][slot] /= weekdays->rows[week][slot];
}

/* A whole day unlike the others (a closure, an event) is left out: one whose half hours
 * differ from the median day's by more than half that day's total, plus 2 people a half
 * hour. Ordinary weeks differ by far less; a closed or doubled day by the whole total.
 * Which of two days is the odd one cannot be told, so this needs three. */
static void
find_outlier_days (Weekdays *weekdays)
{
  double medians[SLOTS_PER_DAY];
  guint n_days = 0, n_outliers = 0;

  for (guint week = 0; week < ATRIUM_STATS_FORECAST_WEEKS; week++)
    n_days += weekdays->seen[week] ? 1 : 0;
  if (n_days < 3)
    return;

  for (guint slot = 0; slot < SLOTS_PER_DAY; slot++)
    {
      double values[ATRIUM_STATS_FORECAST_WEEKS];
      guint n = 0;

      for (guint week = 0; week < ATRIUM_STATS_FORECAST_WEEKS; week++)
        if (weekdays->rows[week][slot] > 0)
          values[n++] = weekdays->value[week][slot];
      medians[slot] = n > 0 ? median (values, n) : 0.0;
    }

  for (guint week = 0; week < ATRIUM_STATS_FORECAST_WEEKS; week++)
    {
      double total = 0.0, distance = 0.0;
      guint compared = 0;

      if (!weekdays->seen[week])
        continue;
      /* Only the half hours the day has data for: a day partly missing is no outlier. */
      for (guint slot = 0; slot < SLOTS_PER_DAY; slot++)
        if (weekdays->rows[week][slot] > 0)
          {
            total += medians[slot];
            distance += ABS (weekdays->value[week][slot] - medians[slot]);
            compared++;
          }
      weekdays->outlier[week] = distance > 0.5 * total + 2.0 * compared;
      n_outliers += weekdays->outlier[week] ? 1 : 0;
    }
  /* No day is typical, then: keep them all. */
  if (n_outliers == n_days)
    memset (weekdays->outlier, 0, sizeof weekdays->outlier);
}

void
atrium_stats_forecast_free (AtriumStatsForecast *forecast)
{
  if (forecast == NULL)
    return;
  g_clear_pointer (&forecast->slots, g_array_unref);
  g_free (forecast);
}

/**
 * atrium_stats_forecast_range:
 * @date: the local date to forecast
 * @from: (out): unix seconds
 * @to: (out): unix seconds, excluded
 *
 * The history atrium_stats_forecast() reads: the %ATRIUM_STATS_FORECAST_WEEKS weeks
 * before @date, up to its local midnight.
 */
void
atrium_stats_forecast_range (GTimeZone   *tz,
                             const GDate *date,
                             gint64      *from,
                             gint64      *to)
{
  gint64 day;

  g_return_if_fail (tz != NULL);
  g_return_if_fail (date != NULL && g_date_valid (date));
  g_return_if_fail (from != NULL && to != NULL);

  day = date_to_days (date);
  *from = day_start (tz, day - 7 * ATRIUM_STATS_FORECAST_WEEKS);
  *to = day_start (tz, day);
}

/**
 * atrium_stats_forecast:
 * @history: (array length=n_history): stored buckets in any order, for instance those of
 *   atrium_stats_forecast_range(); rows of other days are skipped
 * @tz: the site's time zone
 * @date: the local date to forecast, in 1900–8999
 *
 * "Popular times": the expected occupancy of each half hour of @date from the same
 * weekday in the %ATRIUM_STATS_FORECAST_WEEKS weeks before it.
 *
 * A day without any row is missing data and left out. A day with rows counts, even if
 * every row says the space was empty: a closure is data, not a gap. A day's value for a
 * half hour is the mean of its rows there (by clock time: a repeated hour's two passes
 * share their half hours, a skipped hour has none).
 *
 * Outliers are then left out, so that a closed or crowded day weighs what a day without
 * rows weighs: a day whose half hours differ from the median day's by more than half
 * that day's total (plus 2 people a half hour), and, within one half hour, a day further
 * from the days' median m than m/2, 3·sqrt(m) and 2 people. Both need three days. The
 * forecast is the weighted mean of what remains, a week weighing 2^(-1/4) times the week
 * after it (half as much four weeks earlier).
 *
 * Returns: (transfer full): the forecast
 */
AtriumStatsForecast *
atrium_stats_forecast (const AtriumStatsBucket *history,
                       guint                    n_history,
                       GTimeZone               *tz,
                       const GDate             *date)
{
  g_autoptr(AtriumStatsForecast) forecast = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autofree Weekdays *weekdays = g_new0 (Weekdays, 1);
  double weights[ATRIUM_STATS_FORECAST_WEEKS];
  double expected[SLOTS_PER_DAY];
  guint samples[SLOTS_PER_DAY];
  gint64 day, from, day_begin, day_end, instant;

  g_return_val_if_fail (history != NULL || n_history == 0, NULL);
  g_return_val_if_fail (tz != NULL, NULL);
  g_return_val_if_fail (date != NULL && g_date_valid (date), NULL);
  g_return_val_if_fail (g_date_get_year (date) >= 1900 && g_date_get_year (date) < 9000,
                        NULL);

  day = date_to_days (date);
  atrium_stats_forecast_range (tz, date, &from, &day_begin);
  rows = sorted_rows (history, n_history, from, day_begin);
  collect_weekdays (rows, tz, day, weekdays);
  find_outlier_days (weekdays);

  weights[0] = 1.0;
  for (guint week = 1; week < ATRIUM_STATS_FORECAST_WEEKS; week++)
    weights[week] = weights[week - 1] * 0.84089641525371454; /* 2^(-1/4) */

  for (guint slot = 0; slot < SLOTS_PER_DAY; slot++)
    {
      Sample values[ATRIUM_STATS_FORECAST_WEEKS];
      guint n = 0;

      samples[slot] = 0;
      for (guint week = 0; week < ATRIUM_STATS_FORECAST_WEEKS; week++)
        if (weekdays->rows[week][slot] > 0)
          {
            samples[slot]++;
            if (!weekdays->outlier[week])
              values[n++] = (Sample) { weekdays->value[week][slot], weights[week] };
          }
      expected[slot] = robust_mean (values, n);
    }

  forecast = g_new0 (AtriumStatsForecast, 1);
  forecast->slots = g_array_sized_new (FALSE, TRUE, sizeof (AtriumStatsForecastSlot),
                                       SLOTS_PER_DAY + 2);
  for (guint week = 0; week < ATRIUM_STATS_FORECAST_WEEKS; week++)
    {
      forecast->days_with_data += weekdays->seen[week] ? 1 : 0;
      forecast->outlier_days += weekdays->outlier[week] ? 1 : 0;
    }
  forecast->insufficient_history =
    forecast->days_with_data < ATRIUM_STATS_FORECAST_MIN_DAYS;

  /* The date's own half hours by its clock: each takes the history of the half hour its
   * clock reading names, so both passes through a repeated hour get the same. */
  day_end = day_start (tz, day + 1);
  for (instant = day_begin; instant < day_end;)
    {
      guint slot = (guint) (floor_mod (wall_of (tz, instant), SECONDS_PER_DAY) / SLOT_SECONDS);
      AtriumStatsForecastSlot out = {
        .start = instant,
        .end = MIN (clock_next (tz, instant, SLOT_SECONDS), day_end),
        .occupancy = expected[slot],
        .samples = samples[slot],
      };

      g_array_append_val (forecast->slots, out);
      instant = out.end;
    }
  return g_steal_pointer (&forecast);
}
