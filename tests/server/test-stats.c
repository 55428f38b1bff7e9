/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Occupancy statistics: aggregation checked against hand-computed values and against an
 * independent reference keyed by GDateTime's local dates; Europe/Paris DST days; ISO
 * weeks; comparison periods; the "popular times" forecast on a synthetic history with a
 * known weekday pattern and seeded noise. */
#include "config.h"

#include <math.h>

#include "atrium-stats.h"

#define ROW ATRIUM_STATS_ROW_SECONDS

static GTimeZone *
paris (void)
{
  GTimeZone *tz = g_time_zone_new_identifier ("Europe/Paris");

  g_assert_nonnull (tz);
  return tz;
}

/* Unix seconds of a local clock time that exists (not in a skipped hour). */
static gint64
at (GTimeZone *tz,
    int        year,
    int        month,
    int        day,
    int        hour,
    int        minute)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, year, month, day, hour, minute, 0);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

/* Unix seconds of local midnight @days after the given date. */
static gint64
midnight_after (GTimeZone *tz,
                int        year,
                int        month,
                int        day,
                guint      days)
{
  g_autoptr(GDate) date = g_date_new_dmy ((GDateDay) day, (GDateMonth) month,
                                          (GDateYear) year);

  g_date_add_days (date, days);
  return at (tz, g_date_get_year (date), g_date_get_month (date), g_date_get_day (date),
             0, 0);
}

static GDateTime *
local_time (GTimeZone *tz,
            gint64     instant)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (instant);

  return g_date_time_to_timezone (utc, tz);
}

static AtriumStatsAggregate *
bucket (GArray *series,
        guint   i)
{
  g_assert_cmpuint (i, <, series->len);
  return &g_array_index (series, AtriumStatsAggregate, i);
}

static void
assert_consecutive (GArray *series,
                    gint64  from,
                    gint64  to)
{
  if (series->len == 0)
    {
      g_assert_cmpint (from, ==, to);
      return;
    }
  g_assert_cmpint (bucket (series, 0)->start, ==, from);
  g_assert_cmpint (bucket (series, series->len - 1)->end, ==, to);
  for (guint i = 0; i < series->len; i++)
    {
      g_assert_cmpint (bucket (series, i)->start, <=, bucket (series, i)->end);
      g_assert_cmpint (bucket (series, i)->covered, <=,
                       bucket (series, i)->end - bucket (series, i)->start);
      if (i > 0)
        g_assert_cmpint (bucket (series, i)->start, ==, bucket (series, i - 1)->end);
    }
}

static GArray *
aggregate (const GArray           *rows,
           GTimeZone              *tz,
           gint64                  from,
           gint64                  to,
           AtriumStatsGranularity  granularity)
{
  g_autoptr(GError) error = NULL;
  GArray *series = atrium_stats_aggregate ((const AtriumStatsBucket *) (gpointer) rows->data,
                                           rows->len, tz, from, to, granularity, &error);

  g_assert_no_error (error);
  g_assert_nonnull (series);
  assert_consecutive (series, from, to);
  return series;
}

/* ---- names -------------------------------------------------------------------------- */

static void
test_names (void)
{
  const char *names[] = { "5min", "hour", "day", "week", "month" };
  const char *bad[] = { "", "Hour", "days", "5 min", "year" };
  AtriumStatsGranularity granularity;
  AtriumStatsComparison comparison;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (atrium_stats_granularity_from_string (names[i], &granularity));
      g_assert_cmpint (granularity, ==, i);
      g_assert_cmpstr (atrium_stats_granularity_to_string (granularity), ==, names[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (atrium_stats_granularity_from_string (bad[i], &granularity));
  g_assert_false (atrium_stats_granularity_from_string (NULL, &granularity));

  g_assert_true (atrium_stats_comparison_from_string ("previous", &comparison));
  g_assert_cmpint (comparison, ==, ATRIUM_STATS_COMPARE_PREVIOUS);
  g_assert_true (atrium_stats_comparison_from_string ("year", &comparison));
  g_assert_cmpint (comparison, ==, ATRIUM_STATS_COMPARE_YEAR);
  g_assert_false (atrium_stats_comparison_from_string ("week", &comparison));
}

/* ---- hand-computed aggregation ------------------------------------------------------ */

static GArray *
hand_rows (GTimeZone *tz)
{
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (AtriumStatsBucket));
  AtriumStatsBucket given[] = {
    /* Wednesday 15 May 2024 */
    { at (tz, 2024, 5, 15, 10, 0), 3, 1, 10, 8.0, 60.0, 2 },
    { at (tz, 2024, 5, 15, 10, 0), 99, 99, 99, 99.0, 99.0, 9 },     /* repeated: ignored */
    { at (tz, 2024, 5, 15, 10, 55), 1, 4, 12, 10.0, 120.0, 1 },
    { at (tz, 2024, 5, 15, 10, 5), 5, 2, 14, 12.0, 999.0, 0 },      /* no waiting data */
    { at (tz, 2024, 5, 15, 11, 0), 2, 2, 9, 7.0, 0.0, 0 },
    { at (tz, 2024, 5, 15, 12, 2), 50, 50, 50, 50.0, 0.0, 0 },      /* not aligned */
    { at (tz, 2024, 5, 15, 12, 5), 50, 50, 50, NAN, 0.0, 0 },       /* not a number */
    { at (tz, 2024, 5, 15, 12, 10), 50, 50, 50, -1.0, 0.0, 0 },     /* negative */
    { at (tz, 2024, 5, 15, 12, 15), 50, 50, 50, 5.0, INFINITY, 4 }, /* bad wait */
    /* Thursday 16 May, Monday 20 May, Saturday 1 June */
    { at (tz, 2024, 5, 16, 0, 0), 4, 0, 3, 2.0, 30.0, 3 },
    { at (tz, 2024, 5, 20, 9, 0), 7, 7, 20, 15.0, 0.0, 0 },
    { at (tz, 2024, 6, 1, 0, 0), 1, 1, 1, 1.0, 0.0, 0 },
    /* Tuesday 14 and Sunday 19 May: the ISO week of Monday 13 May */
    { at (tz, 2024, 5, 14, 23, 55), 6, 6, 6, 6.0, 0.0, 0 },
    { at (tz, 2024, 5, 19, 23, 55), 2, 0, 4, 4.0, 0.0, 0 },
    /* Wednesday 1 May and Tuesday 30 April: the week of Monday 29 April */
    { at (tz, 2024, 5, 1, 0, 0), 1, 1, 2, 2.0, 0.0, 0 },
    { at (tz, 2024, 4, 30, 23, 55), 9, 9, 50, 40.0, 0.0, 0 },
  };

  g_array_append_vals (rows, given, G_N_ELEMENTS (given));
  return rows;
}

static void
assert_aggregate (const AtriumStatsAggregate *got,
                  gint64                      covered,
                  guint64                     entries,
                  guint64                     exits,
                  guint                       peak,
                  double                      mean,
                  guint64                     wait_n,
                  double                      wait_mean)
{
  g_assert_cmpint (got->covered, ==, covered);
  g_assert_cmpuint (got->entries, ==, entries);
  g_assert_cmpuint (got->exits, ==, exits);
  g_assert_cmpuint (got->peak, ==, peak);
  g_assert_cmpfloat_with_epsilon (got->mean, mean, 1e-9);
  g_assert_cmpuint (got->wait_n, ==, wait_n);
  g_assert_cmpfloat_with_epsilon (got->wait_mean, wait_mean, 1e-9);
}

static void
test_aggregate_hand (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GArray) rows = hand_rows (tz);
  g_autoptr(GArray) minutes = NULL, hours = NULL, days = NULL, weeks = NULL, months = NULL;
  AtriumStatsAggregate total;

  /* 5 minutes: the stored rows themselves; a missing row is an empty bucket. */
  minutes = aggregate (rows, tz, at (tz, 2024, 5, 15, 10, 0), at (tz, 2024, 5, 15, 11, 0),
                       ATRIUM_STATS_5MIN);
  g_assert_cmpuint (minutes->len, ==, 12);
  assert_aggregate (bucket (minutes, 0), ROW, 3, 1, 10, 8.0, 2, 60.0);
  assert_aggregate (bucket (minutes, 1), ROW, 5, 2, 14, 12.0, 0, 0.0);
  assert_aggregate (bucket (minutes, 2), 0, 0, 0, 0, 0.0, 0, 0.0);
  assert_aggregate (bucket (minutes, 11), ROW, 1, 4, 12, 10.0, 1, 120.0);

  /* Hours of Wednesday 15 May: 10:00 holds three rows, 11:00 one, the rest nothing. */
  hours = aggregate (rows, tz, at (tz, 2024, 5, 15, 0, 0), at (tz, 2024, 5, 16, 0, 0),
                     ATRIUM_STATS_HOUR);
  g_assert_cmpuint (hours->len, ==, 24);
  assert_aggregate (bucket (hours, 10), 3 * ROW, 9, 7, 14, 10.0, 3, 80.0);
  assert_aggregate (bucket (hours, 11), ROW, 2, 2, 9, 7.0, 0, 0.0);
  for (guint i = 0; i < 24; i++)
    {
      g_assert_cmpint (bucket (hours, i)->start, ==, at (tz, 2024, 5, 15, (int) i, 0));
      if (i != 10 && i != 11)
        assert_aggregate (bucket (hours, i), 0, 0, 0, 0, 0.0, 0, 0.0);
    }

  /* Days of the ISO week of Monday 13 May. */
  days = aggregate (rows, tz, at (tz, 2024, 5, 13, 0, 0), at (tz, 2024, 5, 20, 0, 0),
                    ATRIUM_STATS_DAY);
  g_assert_cmpuint (days->len, ==, 7);
  assert_aggregate (bucket (days, 0), 0, 0, 0, 0, 0.0, 0, 0.0);
  assert_aggregate (bucket (days, 1), ROW, 6, 6, 6, 6.0, 0, 0.0);
  assert_aggregate (bucket (days, 2), 4 * ROW, 11, 9, 14, 9.25, 3, 80.0);
  assert_aggregate (bucket (days, 3), ROW, 4, 0, 3, 2.0, 3, 30.0);
  assert_aggregate (bucket (days, 6), ROW, 2, 0, 4, 4.0, 0, 0.0);

  /* Weeks from Monday 29 April to Monday 3 June. */
  weeks = aggregate (rows, tz, at (tz, 2024, 4, 29, 0, 0), at (tz, 2024, 6, 3, 0, 0),
                     ATRIUM_STATS_WEEK);
  g_assert_cmpuint (weeks->len, ==, 5);
  assert_aggregate (bucket (weeks, 0), 2 * ROW, 10, 10, 50, 21.0, 0, 0.0);
  assert_aggregate (bucket (weeks, 1), 0, 0, 0, 0, 0.0, 0, 0.0);
  assert_aggregate (bucket (weeks, 2), 7 * ROW, 23, 15, 14, 7.0, 6, 55.0);
  assert_aggregate (bucket (weeks, 3), ROW, 7, 7, 20, 15.0, 0, 0.0);
  assert_aggregate (bucket (weeks, 4), ROW, 1, 1, 1, 1.0, 0, 0.0);

  /* April, May and June 2024. */
  months = aggregate (rows, tz, at (tz, 2024, 4, 1, 0, 0), at (tz, 2024, 7, 1, 0, 0),
                      ATRIUM_STATS_MONTH);
  g_assert_cmpuint (months->len, ==, 3);
  assert_aggregate (bucket (months, 0), ROW, 9, 9, 50, 40.0, 0, 0.0);
  assert_aggregate (bucket (months, 1), 9 * ROW, 31, 23, 20, 66.0 / 9, 6, 55.0);
  assert_aggregate (bucket (months, 2), ROW, 1, 1, 1, 1.0, 0, 0.0);
  g_assert_cmpint (bucket (months, 1)->end - bucket (months, 1)->start, ==, 31 * 86400);

  /* Totals of the whole period: every valid row once. */
  atrium_stats_sum ((AtriumStatsAggregate *) (gpointer) months->data, months->len, &total);
  g_assert_cmpint (total.start, ==, at (tz, 2024, 4, 1, 0, 0));
  g_assert_cmpint (total.end, ==, at (tz, 2024, 7, 1, 0, 0));
  assert_aggregate (&total, 11 * ROW, 41, 33, 50, 107.0 / 11, 6, 55.0);
  atrium_stats_sum ((AtriumStatsAggregate *) (gpointer) weeks->data, weeks->len, &total);
  assert_aggregate (&total, 11 * ROW, 41, 33, 50, 107.0 / 11, 6, 55.0);
  atrium_stats_sum (NULL, 0, &total);
  assert_aggregate (&total, 0, 0, 0, 0, 0.0, 0, 0.0);
}

/* A period that is not made of whole units: the first and last buckets are clipped. */
static void
test_aggregate_clipped (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GArray) rows = hand_rows (tz);
  g_autoptr(GArray) days = NULL, empty = NULL;
  gint64 from = at (tz, 2024, 5, 15, 10, 5), to = at (tz, 2024, 5, 16, 0, 5);

  days = aggregate (rows, tz, from, to, ATRIUM_STATS_DAY);
  g_assert_cmpuint (days->len, ==, 2);
  g_assert_cmpint (bucket (days, 0)->end, ==, at (tz, 2024, 5, 16, 0, 0));
  assert_aggregate (bucket (days, 0), 3 * ROW, 8, 8, 14, 29.0 / 3, 1, 120.0);
  assert_aggregate (bucket (days, 1), ROW, 4, 0, 3, 2.0, 3, 30.0);

  g_assert_cmpint (atrium_stats_floor (tz, from, ATRIUM_STATS_DAY), ==,
                   at (tz, 2024, 5, 15, 0, 0));
  g_assert_cmpint (atrium_stats_next (tz, from, ATRIUM_STATS_DAY), ==,
                   at (tz, 2024, 5, 16, 0, 0));
  g_assert_cmpint (atrium_stats_floor (tz, from, ATRIUM_STATS_WEEK), ==,
                   at (tz, 2024, 5, 13, 0, 0));
  g_assert_cmpint (atrium_stats_floor (tz, from, ATRIUM_STATS_MONTH), ==,
                   at (tz, 2024, 5, 1, 0, 0));
  g_assert_cmpint (atrium_stats_next (tz, from, ATRIUM_STATS_MONTH), ==,
                   at (tz, 2024, 6, 1, 0, 0));
  g_assert_cmpint (atrium_stats_floor (tz, from + 61, ATRIUM_STATS_5MIN), ==, from);
  g_assert_cmpint (atrium_stats_next (tz, from, ATRIUM_STATS_5MIN), ==, from + ROW);

  /* An empty period is an empty series. */
  empty = aggregate (rows, tz, from, from, ATRIUM_STATS_HOUR);
  g_assert_cmpuint (empty->len, ==, 0);
}

static void
test_aggregate_errors (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GError) error = NULL;
  GArray *series;
  gint64 from = at (tz, 2024, 1, 1, 0, 0);

  series = atrium_stats_aggregate (NULL, 0, tz, from, from - 1, ATRIUM_STATS_DAY, &error);
  g_assert_null (series);
  g_assert_error (error, ATRIUM_STATS_ERROR, ATRIUM_STATS_ERROR_INVALID_RANGE);
  g_clear_error (&error);

  series = atrium_stats_aggregate (NULL, 0, tz, at (tz, 1899, 12, 1, 0, 0), from,
                                   ATRIUM_STATS_MONTH, &error);
  g_assert_null (series);
  g_assert_error (error, ATRIUM_STATS_ERROR, ATRIUM_STATS_ERROR_INVALID_RANGE);
  g_clear_error (&error);

  /* A year of 5-minute buckets is too many; a year of hours is not. */
  series = atrium_stats_aggregate (NULL, 0, tz, from, at (tz, 2025, 1, 1, 0, 0),
                                   ATRIUM_STATS_5MIN, &error);
  g_assert_null (series);
  g_assert_error (error, ATRIUM_STATS_ERROR, ATRIUM_STATS_ERROR_TOO_MANY_BUCKETS);
  g_clear_error (&error);

  series = atrium_stats_aggregate (NULL, 0, tz, from, at (tz, 2025, 1, 1, 0, 0),
                                   ATRIUM_STATS_HOUR, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, 366 * 24);
  g_array_unref (series);
}

/* ---- DST, weeks and months in Europe/Paris -------------------------------------------- */

static void
test_dst_days (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  struct { int month, day; guint hours; gint64 length; } days[] = {
    { 3, 31, 23, 23 * 3600 },   /* last Sunday of March 2024: 02:00 → 03:00 */
    { 10, 27, 25, 25 * 3600 },  /* last Sunday of October 2024: 03:00 → 02:00 */
    { 6, 2, 24, 24 * 3600 },
  };

  for (guint d = 0; d < G_N_ELEMENTS (days); d++)
    {
      gint64 from = at (tz, 2024, days[d].month, days[d].day, 0, 0);
      gint64 to = midnight_after (tz, 2024, days[d].month, days[d].day, 1);
      g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (AtriumStatsBucket));
      g_autoptr(GArray) hours = NULL, minutes = NULL, whole = NULL;

      g_assert_cmpint (to - from, ==, days[d].length);
      for (gint64 t = from; t < to; t += ROW)
        {
          AtriumStatsBucket row = { t, 1, 1, 1, 1.0, 0.0, 0 };

          g_array_append_val (rows, row);
        }

      hours = aggregate (rows, tz, from, to, ATRIUM_STATS_HOUR);
      g_assert_cmpuint (hours->len, ==, days[d].hours);
      for (guint i = 0; i < hours->len; i++)
        {
          g_autoptr(GDateTime) start = local_time (tz, bucket (hours, i)->start);

          /* Every hour is a real hour that starts on the hour, fully covered. */
          g_assert_cmpint (bucket (hours, i)->end - bucket (hours, i)->start, ==, 3600);
          g_assert_cmpint (g_date_time_get_minute (start), ==, 0);
          g_assert_cmpint (g_date_time_get_second (start), ==, 0);
          g_assert_cmpint (bucket (hours, i)->covered, ==, 3600);
          g_assert_cmpuint (bucket (hours, i)->entries, ==, 12);
        }
      minutes = aggregate (rows, tz, from, to, ATRIUM_STATS_5MIN);
      g_assert_cmpuint (minutes->len, ==, days[d].hours * 12);

      whole = aggregate (rows, tz, from, to, ATRIUM_STATS_DAY);
      g_assert_cmpuint (whole->len, ==, 1);
      g_assert_cmpint (bucket (whole, 0)->covered, ==, days[d].length);
      g_assert_cmpuint (bucket (whole, 0)->entries, ==, days[d].hours * 12);

      /* An instant in the repeated or the skipped hour floors to a real hour start. */
      for (gint64 t = from; t < to; t += 600)
        {
          gint64 floor = atrium_stats_floor (tz, t, ATRIUM_STATS_HOUR);
          gint64 next = atrium_stats_next (tz, t, ATRIUM_STATS_HOUR);

          g_assert_cmpint (floor, <=, t);
          g_assert_cmpint (next, >, t);
          g_assert_cmpint (next - floor, ==, 3600);
          g_assert_cmpint (atrium_stats_floor (tz, t, ATRIUM_STATS_DAY), ==, from);
          g_assert_cmpint (atrium_stats_next (tz, t, ATRIUM_STATS_DAY), ==, to);
        }
    }
  g_test_message ("hours on 2024-03-31, 2024-10-27, 2024-06-02: 23, 25, 24");
}

/* Day buckets across both changes start at local midnight; weeks on Monday; months on
 * the 1st. */
static void
test_calendar_units (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GArray) none = g_array_new (FALSE, FALSE, sizeof (AtriumStatsBucket));
  g_autoptr(GArray) days = NULL, weeks = NULL, months = NULL;
  gint64 from = at (tz, 2024, 1, 1, 0, 0), to = at (tz, 2025, 1, 1, 0, 0);
  guint short_days = 0, long_days = 0;

  days = aggregate (none, tz, from, to, ATRIUM_STATS_DAY);
  g_assert_cmpuint (days->len, ==, 366);
  for (guint i = 0; i < days->len; i++)
    {
      g_autoptr(GDateTime) start = local_time (tz, bucket (days, i)->start);
      gint64 length = bucket (days, i)->end - bucket (days, i)->start;

      g_assert_cmpint (g_date_time_get_hour (start), ==, 0);
      g_assert_cmpint (g_date_time_get_minute (start), ==, 0);
      g_assert_cmpint (g_date_time_get_day_of_year (start), ==, i + 1);
      g_assert_cmpint (bucket (days, i)->covered, ==, 0);
      if (length == 23 * 3600)
        {
          short_days++;
          g_assert_cmpint (g_date_time_get_month (start), ==, 3);
          g_assert_cmpint (g_date_time_get_day_of_month (start), ==, 31);
        }
      else if (length == 25 * 3600)
        {
          long_days++;
          g_assert_cmpint (g_date_time_get_month (start), ==, 10);
          g_assert_cmpint (g_date_time_get_day_of_month (start), ==, 27);
        }
      else
        g_assert_cmpint (length, ==, 24 * 3600);
    }
  g_assert_cmpuint (short_days, ==, 1);
  g_assert_cmpuint (long_days, ==, 1);

  /* 2024-01-01 is a Monday; 2024-12-30 the Monday of ISO week 1 of 2025. */
  weeks = aggregate (none, tz, from, at (tz, 2025, 1, 6, 0, 0), ATRIUM_STATS_WEEK);
  g_assert_cmpuint (weeks->len, ==, 53);
  for (guint i = 0; i < weeks->len; i++)
    {
      g_autoptr(GDateTime) start = local_time (tz, bucket (weeks, i)->start);
      gint64 length = bucket (weeks, i)->end - bucket (weeks, i)->start;

      g_assert_cmpint (g_date_time_get_day_of_week (start), ==, 1);
      g_assert_cmpint (g_date_time_get_hour (start), ==, 0);
      g_assert_cmpint (g_date_time_get_week_of_year (start), ==, i < 52 ? i + 1 : 1);
      g_assert_true (length == 168 * 3600 || length == 167 * 3600 || length == 169 * 3600);
    }

  /* Weeks floor to Monday from any day of the week. */
  for (int day = 13; day <= 19; day++)
    g_assert_cmpint (atrium_stats_floor (tz, at (tz, 2024, 5, day, 12, 0), ATRIUM_STATS_WEEK),
                     ==, at (tz, 2024, 5, 13, 0, 0));

  months = aggregate (none, tz, from, to, ATRIUM_STATS_MONTH);
  g_assert_cmpuint (months->len, ==, 12);
  for (guint i = 0; i < months->len; i++)
    g_assert_cmpint (bucket (months, i)->start, ==, at (tz, 2024, (int) i + 1, 1, 0, 0));
  g_assert_cmpint (bucket (months, 1)->end - bucket (months, 1)->start, ==, 29 * 86400);
  g_assert_cmpint (bucket (months, 2)->end - bucket (months, 2)->start, ==, 31 * 86400 - 3600);
  g_assert_cmpint (bucket (months, 9)->end - bucket (months, 9)->start, ==, 31 * 86400 + 3600);
}

/* ---- synthetic history ---------------------------------------------------------------- */

typedef enum
{
  DAY_NORMAL,
  DAY_ABSENT,   /* no rows at all: the counter was down */
  DAY_CLOSED,   /* rows of zeros */
  DAY_DOUBLED,  /* twice the usual crowd */
  DAY_CLOSED_AFTERNOON, /* rows of zeros from 14:00 */
} DayKind;

/* Noise-free occupancy at a local clock time: open 08:00–20:00, a morning peak at 11:00
 * of the weekday's amplitude (Mondays 120, Saturdays half of that, Sundays closed) and
 * a smaller one after lunch. */
static double
pattern (GDateWeekday weekday,
         double       minute)
{
  double amplitude, morning, afternoon;

  switch (weekday)
    {
    case G_DATE_MONDAY:
      amplitude = 120.0;
      break;
    case G_DATE_SATURDAY:
      amplitude = 60.0;
      break;
    case G_DATE_SUNDAY:
      return 0.0;
    case G_DATE_TUESDAY:
    case G_DATE_WEDNESDAY:
    case G_DATE_THURSDAY:
    case G_DATE_FRIDAY:
    case G_DATE_BAD_WEEKDAY:
    default:
      amplitude = 90.0;
      break;
    }
  if (minute < 8 * 60 || minute >= 20 * 60)
    return 0.0;
  morning = exp (-pow ((minute - 11 * 60) / 100.0, 2));
  afternoon = 0.7 * exp (-pow ((minute - 15 * 60) / 110.0, 2));
  return amplitude * (0.1 + 0.9 * MAX (morning, afternoon));
}

/* The true value of a half hour: the pattern over its six 5-minute rows. */
static double
pattern_slot (GDateWeekday weekday,
              guint        slot)
{
  double sum = 0.0;

  for (guint j = 0; j < 6; j++)
    sum += pattern (weekday, slot * 30.0 + j * 5.0 + 2.5);
  return sum / 6;
}

#define DAY_NOISE 0.08  /* standard deviation of a day's crowd, relative */
#define ROW_NOISE 3.0   /* standard deviation of a row's mean, people */

static double
gaussian (GRand *rand)
{
  double u1 = 1.0 - g_rand_double (rand), u2 = g_rand_double (rand);

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

/* Every 5-minute row of @n_days local days from @first: the pattern times a day factor
 * (DAY_NOISE), plus ROW_NOISE people per row; one day may be made odd. */
static GArray *
make_history (GTimeZone   *tz,
              const GDate *first,
              guint        n_days,
              guint32      seed,
              const GDate *odd_day,
              DayKind      odd_kind)
{
  g_autoptr(GRand) shuffle = g_rand_new_with_seed (seed);
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (AtriumStatsBucket));

  for (guint d = 0; d < n_days; d++)
    {
      /* A generator per day: an odd day leaves the others' noise as it was. */
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed * 1000 + d);
      GDate date = *first;
      DayKind kind;
      double factor = 1.0 + DAY_NOISE * gaussian (rand);
      gint64 from, to;

      g_date_add_days (&date, d);
      kind = odd_day != NULL && g_date_compare (&date, odd_day) == 0 ? odd_kind : DAY_NORMAL;
      if (kind == DAY_ABSENT)
        continue;
      from = at (tz, g_date_get_year (&date), g_date_get_month (&date),
                 g_date_get_day (&date), 0, 0);
      g_date_add_days (&date, 1);
      to = at (tz, g_date_get_year (&date), g_date_get_month (&date),
               g_date_get_day (&date), 0, 0);
      for (gint64 t = from; t < to; t += ROW)
        {
          g_autoptr(GDateTime) local = local_time (tz, t);
          GDateWeekday weekday = (GDateWeekday) g_date_time_get_day_of_week (local);
          double minute = g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local);
          double base = pattern (weekday, minute + 2.5);
          AtriumStatsBucket row = { .start = t };

          if (kind == DAY_CLOSED_AFTERNOON && minute >= 14 * 60)
            base = 0;
          if (base > 0 && kind != DAY_CLOSED)
            {
              double noise = ROW_NOISE * gaussian (rand);  /* not in MAX (): evaluated twice */
              double mean = MAX (0.0, base * factor + noise);

              if (kind == DAY_DOUBLED)
                mean *= 2;
              row.mean = mean;
              row.peak = (guint) ceil (mean + 2.0 * fabs (gaussian (rand)));
              row.entries = (guint) g_rand_int_range (rand, 0, (gint32) (base / 8) + 2);
              row.exits = (guint) g_rand_int_range (rand, 0, (gint32) (base / 8) + 2);
              row.wait_n = (guint) g_rand_int_range (rand, 0, 4);
              row.wait_mean = row.wait_n > 0 ? g_rand_double_range (rand, 30, 600) : 0.0;
            }
          g_array_append_val (rows, row);
        }
    }
  /* Any order will do. */
  for (guint i = rows->len; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (shuffle, 0, (gint32) i);
      AtriumStatsBucket swap = g_array_index (rows, AtriumStatsBucket, i - 1);

      g_array_index (rows, AtriumStatsBucket, i - 1) = g_array_index (rows, AtriumStatsBucket, j);
      g_array_index (rows, AtriumStatsBucket, j) = swap;
    }
  return rows;
}

/* ---- aggregation against GDateTime's local calendar ----------------------------------- */

typedef struct
{
  guint64 entries, exits, wait_n;
  guint   peak, rows;
  double  mean_sum, wait_sum;
  gboolean matched;
} Reference;

static char *
reference_key (GTimeZone              *tz,
               gint64                  instant,
               AtriumStatsGranularity  granularity)
{
  g_autoptr(GDateTime) local = local_time (tz, instant);
  const char *formats[] = {
    [ATRIUM_STATS_5MIN] = "%Y-%m-%d %H:%M %z",
    [ATRIUM_STATS_HOUR] = "%Y-%m-%d %H %z",
    [ATRIUM_STATS_DAY] = "%Y-%m-%d",
    [ATRIUM_STATS_WEEK] = "%G-W%V",
    [ATRIUM_STATS_MONTH] = "%Y-%m",
  };

  return g_date_time_format (local, formats[granularity]);
}

static void
check_against_reference (const GArray           *rows,
                         GTimeZone              *tz,
                         AtriumStatsGranularity  granularity)
{
  g_autoptr(GHashTable) reference = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           g_free);
  g_autoptr(GArray) series = NULL;
  gint64 first = G_MAXINT64, last = G_MININT64;
  guint matched = 0, empty = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      const AtriumStatsBucket *row = &g_array_index (rows, AtriumStatsBucket, i);
      char *key = reference_key (tz, row->start, granularity);
      Reference *ref = g_hash_table_lookup (reference, key);

      if (ref == NULL)
        g_hash_table_insert (reference, key, (ref = g_new0 (Reference, 1)));
      else
        g_free (key);
      ref->entries += row->entries;
      ref->exits += row->exits;
      ref->peak = MAX (ref->peak, row->peak);
      ref->rows++;
      ref->mean_sum += row->mean;
      ref->wait_n += row->wait_n;
      ref->wait_sum += row->wait_mean * row->wait_n;
      first = MIN (first, row->start);
      last = MAX (last, row->start);
    }

  series = aggregate (rows, tz, atrium_stats_floor (tz, first, granularity),
                      atrium_stats_next (tz, last, granularity), granularity);
  for (guint i = 0; i < series->len; i++)
    {
      const AtriumStatsAggregate *got = bucket (series, i);
      g_autofree char *key = reference_key (tz, got->start, granularity);
      Reference *ref = g_hash_table_lookup (reference, key);

      if (ref == NULL)
        {
          g_assert_cmpint (got->covered, ==, 0);
          empty++;
          continue;
        }
      g_assert_false (ref->matched);
      ref->matched = TRUE;
      matched++;
      g_assert_cmpint (got->covered, ==, (gint64) ref->rows * ROW);
      g_assert_cmpuint (got->entries, ==, ref->entries);
      g_assert_cmpuint (got->exits, ==, ref->exits);
      g_assert_cmpuint (got->peak, ==, ref->peak);
      g_assert_cmpfloat_with_epsilon (got->mean, ref->mean_sum / ref->rows, 1e-9);
      g_assert_cmpuint (got->wait_n, ==, ref->wait_n);
      if (ref->wait_n > 0)
        g_assert_cmpfloat_with_epsilon (got->wait_mean, ref->wait_sum / ref->wait_n, 1e-9);
    }
  g_assert_cmpuint (matched, ==, g_hash_table_size (reference));
  g_test_message ("%s: %u buckets with data, %u empty, all equal to the reference",
                  atrium_stats_granularity_to_string (granularity), matched, empty);
}

static void
test_aggregate_reference (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  GDate starts[2];

  /* Eight weeks around each change of 2024. */
  g_date_clear (starts, G_N_ELEMENTS (starts));
  g_date_set_dmy (&starts[0], 4, G_DATE_MARCH, 2024);
  g_date_set_dmy (&starts[1], 7, G_DATE_OCTOBER, 2024);
  for (guint s = 0; s < G_N_ELEMENTS (starts); s++)
    {
      g_autoptr(GArray) rows = make_history (tz, &starts[s], 56, 1000 + s, NULL, DAY_NORMAL);
      g_autoptr(GArray) weeks = g_array_new (FALSE, FALSE, sizeof (AtriumStatsBucket));
      gint64 from = at (tz, g_date_get_year (&starts[s]), g_date_get_month (&starts[s]),
                        g_date_get_day (&starts[s]), 0, 0);

      /* 5-minute buckets: the four weeks that hold the change (8 weeks are too many). */
      for (guint i = 0; i < rows->len; i++)
        if (g_array_index (rows, AtriumStatsBucket, i).start >= from + 14 * 86400
            && g_array_index (rows, AtriumStatsBucket, i).start < from + 42 * 86400)
          g_array_append_val (weeks, g_array_index (rows, AtriumStatsBucket, i));
      check_against_reference (weeks, tz, ATRIUM_STATS_5MIN);
      check_against_reference (rows, tz, ATRIUM_STATS_HOUR);
      check_against_reference (rows, tz, ATRIUM_STATS_DAY);
      check_against_reference (rows, tz, ATRIUM_STATS_WEEK);
      check_against_reference (rows, tz, ATRIUM_STATS_MONTH);
    }
}

/* ---- comparison periods --------------------------------------------------------------- */

static GArray *
compared (const GArray           *rows,
          GTimeZone              *tz,
          gint64                  from,
          gint64                  to,
          AtriumStatsGranularity  granularity,
          AtriumStatsComparison   comparison)
{
  g_autoptr(GError) error = NULL;
  GArray *series;
  gint64 cmp_from, cmp_to;

  g_assert_true (atrium_stats_comparison_range (tz, from, to, granularity, comparison,
                                                &cmp_from, &cmp_to, &error));
  g_assert_no_error (error);
  series = atrium_stats_aggregate_compared ((const AtriumStatsBucket *) (gpointer) rows->data,
                                            rows->len, tz, from, to, granularity, comparison,
                                            &error);
  g_assert_no_error (error);
  g_assert_nonnull (series);
  assert_consecutive (series, cmp_from, cmp_to);
  return series;
}

static void
assert_same_buckets (GArray *a,
                     GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const AtriumStatsAggregate *x = bucket (a, i), *y = bucket (b, i);

      g_assert_cmpint (x->start, ==, y->start);
      g_assert_cmpint (x->end, ==, y->end);
      assert_aggregate (x, y->covered, y->entries, y->exits, y->peak, y->mean, y->wait_n,
                        y->wait_mean);
    }
}

static void
test_compare_calendar (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GDate) first = g_date_new_dmy (1, G_DATE_FEBRUARY, 2024);
  g_autoptr(GArray) rows = make_history (tz, first, 120, 7, NULL, DAY_NORMAL);
  g_autoptr(GArray) weeks = NULL, weeks_before = NULL, weeks_plain = NULL;
  g_autoptr(GArray) months = NULL, months_before = NULL, days = NULL, days_before = NULL;
  AtriumStatsAggregate total, total_before;
  AtriumStatsDelta delta;
  gint64 from, to;

  /* Four ISO weeks from Monday 6 May: the four weeks before, Monday to Monday, each the
   * same as aggregating that period directly. */
  from = at (tz, 2024, 5, 6, 0, 0);
  to = at (tz, 2024, 6, 3, 0, 0);
  weeks = aggregate (rows, tz, from, to, ATRIUM_STATS_WEEK);
  weeks_before = compared (rows, tz, from, to, ATRIUM_STATS_WEEK,
                           ATRIUM_STATS_COMPARE_PREVIOUS);
  g_assert_cmpuint (weeks_before->len, ==, weeks->len);
  g_assert_cmpint (bucket (weeks_before, 0)->start, ==, at (tz, 2024, 4, 8, 0, 0));
  g_assert_cmpint (bucket (weeks_before, 3)->end, ==, from);
  weeks_plain = aggregate (rows, tz, at (tz, 2024, 4, 8, 0, 0), from, ATRIUM_STATS_WEEK);
  assert_same_buckets (weeks_before, weeks_plain);

  /* Totals and deltas. */
  atrium_stats_sum ((AtriumStatsAggregate *) (gpointer) weeks->data, weeks->len, &total);
  atrium_stats_sum ((AtriumStatsAggregate *) (gpointer) weeks_before->data,
                    weeks_before->len, &total_before);
  atrium_stats_delta (&total, &total_before, &delta);
  g_assert_true (delta.comparable);
  g_assert_cmpint (delta.entries, ==, (gint64) total.entries - (gint64) total_before.entries);
  g_assert_cmpint (delta.peak, ==, (gint64) total.peak - (gint64) total_before.peak);
  g_assert_cmpfloat_with_epsilon (delta.mean, total.mean - total_before.mean, 1e-12);
  g_assert_true (delta.has_wait);
  g_test_message ("4 weeks from 2024-05-06: entries %" G_GUINT64_FORMAT " vs %"
                  G_GUINT64_FORMAT ", mean %.2f vs %.2f", total.entries,
                  total_before.entries, total.mean, total_before.mean);

  /* Three months: the three before (December–February); a year before: March–May. */
  from = at (tz, 2024, 3, 1, 0, 0);
  to = at (tz, 2024, 6, 1, 0, 0);
  months = aggregate (rows, tz, from, to, ATRIUM_STATS_MONTH);
  months_before = compared (rows, tz, from, to, ATRIUM_STATS_MONTH,
                            ATRIUM_STATS_COMPARE_PREVIOUS);
  g_assert_cmpuint (months_before->len, ==, 3);
  g_assert_cmpint (bucket (months_before, 0)->start, ==, at (tz, 2023, 12, 1, 0, 0));
  g_assert_cmpint (bucket (months_before, 1)->start, ==, at (tz, 2024, 1, 1, 0, 0));
  g_assert_cmpint (bucket (months_before, 2)->start, ==, at (tz, 2024, 2, 1, 0, 0));
  g_assert_cmpint (bucket (months_before, 2)->end, ==, from);
  /* The history starts on 1 February: December and January have no data. */
  g_assert_cmpint (bucket (months_before, 0)->covered, ==, 0);
  g_assert_cmpint (bucket (months_before, 2)->covered, ==, 29 * 86400);
  g_clear_pointer (&months_before, g_array_unref);
  months_before = compared (rows, tz, from, to, ATRIUM_STATS_MONTH, ATRIUM_STATS_COMPARE_YEAR);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (bucket (months_before, i)->start, ==, at (tz, 2023, 3 + (int) i, 1, 0, 0));
  atrium_stats_sum ((AtriumStatsAggregate *) (gpointer) months_before->data,
                    months_before->len, &total_before);
  atrium_stats_sum ((AtriumStatsAggregate *) (gpointer) months->data, months->len, &total);
  atrium_stats_delta (&total, &total_before, &delta);
  g_assert_false (delta.comparable);
  g_assert_cmpint (delta.entries, ==, 0);

  /* Days a year before: 52 weeks, so Monday 13 May 2024 meets Monday 15 May 2023. */
  from = at (tz, 2024, 5, 13, 0, 0);
  to = at (tz, 2024, 5, 20, 0, 0);
  days_before = compared (rows, tz, from, to, ATRIUM_STATS_DAY, ATRIUM_STATS_COMPARE_YEAR);
  g_assert_cmpuint (days_before->len, ==, 7);
  for (guint i = 0; i < 7; i++)
    {
      g_autoptr(GDateTime) start = local_time (tz, bucket (days_before, i)->start);

      g_assert_cmpint (bucket (days_before, i)->start, ==, at (tz, 2023, 5, 15 + (int) i, 0, 0));
      g_assert_cmpint (g_date_time_get_day_of_week (start), ==, i + 1);
    }

  /* Ten days before a ten-day period; the days match one by one. */
  to = at (tz, 2024, 5, 23, 0, 0);
  days = aggregate (rows, tz, from, to, ATRIUM_STATS_DAY);
  g_clear_pointer (&days_before, g_array_unref);
  days_before = compared (rows, tz, from, to, ATRIUM_STATS_DAY, ATRIUM_STATS_COMPARE_PREVIOUS);
  g_assert_cmpuint (days_before->len, ==, 10);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (bucket (days_before, i)->start, ==, at (tz, 2024, 5, 3 + (int) i, 0, 0));
}

static void
test_compare_hours (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GDate) first = g_date_new_dmy (25, G_DATE_MARCH, 2024);
  g_autoptr(GArray) rows = make_history (tz, first, 230, 11, NULL, DAY_NORMAL);
  g_autoptr(GArray) spring = NULL, autumn = NULL, window = NULL, plain = NULL;
  gint64 from, to, cmp_from, cmp_to;
  g_autoptr(GError) error = NULL;

  /* Sunday 31 March (23 hours) against Saturday 30 March (24): the hour before the
   * skipped one meets two hours, the others one each, and together they make the whole
   * Saturday. */
  from = at (tz, 2024, 3, 31, 0, 0);
  to = at (tz, 2024, 4, 1, 0, 0);
  spring = compared (rows, tz, from, to, ATRIUM_STATS_HOUR, ATRIUM_STATS_COMPARE_PREVIOUS);
  g_assert_cmpuint (spring->len, ==, 23);
  g_assert_cmpint (bucket (spring, 0)->start, ==, at (tz, 2024, 3, 30, 0, 0));
  g_assert_cmpint (bucket (spring, 1)->start, ==, at (tz, 2024, 3, 30, 1, 0));
  g_assert_cmpint (bucket (spring, 1)->end, ==, at (tz, 2024, 3, 30, 3, 0));
  for (guint i = 2; i < 23; i++)
    g_assert_cmpint (bucket (spring, i)->start, ==, at (tz, 2024, 3, 30, (int) i + 1, 0));
  g_assert_cmpint (bucket (spring, 22)->end, ==, from);

  /* Sunday 27 October (25 hours) against Saturday 26: the repeated 02:00 meets nothing. */
  from = at (tz, 2024, 10, 27, 0, 0);
  to = at (tz, 2024, 10, 28, 0, 0);
  autumn = compared (rows, tz, from, to, ATRIUM_STATS_HOUR, ATRIUM_STATS_COMPARE_PREVIOUS);
  g_assert_cmpuint (autumn->len, ==, 25);
  g_assert_cmpint (bucket (autumn, 2)->start, ==, at (tz, 2024, 10, 26, 2, 0));
  g_assert_cmpint (bucket (autumn, 2)->end, ==, at (tz, 2024, 10, 26, 3, 0));
  g_assert_cmpint (bucket (autumn, 3)->start, ==, bucket (autumn, 3)->end);
  g_assert_cmpint (bucket (autumn, 3)->covered, ==, 0);
  for (guint i = 4; i < 25; i++)
    g_assert_cmpint (bucket (autumn, i)->start, ==, at (tz, 2024, 10, 26, (int) i - 1, 0));

  /* Three hours that are not whole days: the three hours just before. */
  from = at (tz, 2024, 6, 5, 10, 0);
  to = at (tz, 2024, 6, 5, 13, 0);
  window = compared (rows, tz, from, to, ATRIUM_STATS_HOUR, ATRIUM_STATS_COMPARE_PREVIOUS);
  plain = aggregate (rows, tz, at (tz, 2024, 6, 5, 7, 0), from, ATRIUM_STATS_HOUR);
  assert_same_buckets (window, plain);

  /* A comparison before 1900 is refused. */
  g_assert_false (atrium_stats_comparison_range (tz, at (tz, 1900, 3, 1, 0, 0),
                                                 at (tz, 1900, 4, 1, 0, 0), ATRIUM_STATS_DAY,
                                                 ATRIUM_STATS_COMPARE_YEAR, &cmp_from,
                                                 &cmp_to, &error));
  g_assert_error (error, ATRIUM_STATS_ERROR, ATRIUM_STATS_ERROR_INVALID_RANGE);
}

/* ---- forecast ------------------------------------------------------------------------- */

/* History of the 8 weeks before Monday 3 June 2024 (no change of offset inside). */
#define FORECAST_DAY   3
#define FORECAST_MONTH G_DATE_JUNE
#define FORECAST_YEAR  2024
#define PEAK           120.0

static AtriumStatsForecast *
forecast_for (const GArray *rows,
              GTimeZone    *tz,
              const GDate  *date)
{
  AtriumStatsForecast *forecast =
    atrium_stats_forecast ((const AtriumStatsBucket *) (gpointer) rows->data, rows->len, tz,
                           date);

  g_assert_nonnull (forecast);
  g_assert_nonnull (forecast->slots);
  return forecast;
}

static AtriumStatsForecastSlot *
slot_of (AtriumStatsForecast *forecast,
         guint                i)
{
  g_assert_cmpuint (i, <, forecast->slots->len);
  return &g_array_index (forecast->slots, AtriumStatsForecastSlot, i);
}

/* The weight of the day @week weeks back: 2^(-(week - 1)/4), as documented. */
static double
week_weight (guint week)
{
  return pow (2.0, -(week - 1.0) / 4.0);
}

/* The standard error of a weighted mean of the same weekday of @weeks weeks (without
 * week @without, 0 for none), from the noise the history was made with. */
static double
standard_error (double truth,
                guint  weeks,
                guint  without)
{
  double sum = 0, squares = 0;

  for (guint week = 1; week <= weeks; week++)
    if (week != without)
      {
        sum += week_weight (week);
        squares += week_weight (week) * week_weight (week);
      }
  return sqrt (pow (DAY_NOISE * truth, 2) + ROW_NOISE * ROW_NOISE / 6) * sqrt (squares) / sum;
}

/* The largest error against the true pattern, the mean one over the open half hours,
 * and the largest in standard errors; closed half hours must forecast exactly 0. */
static void
forecast_error (AtriumStatsForecast *forecast,
                GDateWeekday         weekday,
                guint                weeks,
                guint                without,
                double              *max_error,
                double              *mean_error,
                double              *max_ratio)
{
  guint open = 0;

  *max_error = 0;
  *mean_error = 0;
  *max_ratio = 0;
  g_assert_cmpuint (forecast->slots->len, ==, 48);
  for (guint i = 0; i < 48; i++)
    {
      double truth = pattern_slot (weekday, i);
      double error = fabs (slot_of (forecast, i)->occupancy - truth);

      *max_error = MAX (*max_error, error);
      if (truth > 0)
        {
          double ratio = error / standard_error (truth, weeks, without);

          *max_ratio = MAX (*max_ratio, ratio);
          *mean_error += error;
          open++;
        }
      else
        g_assert_cmpfloat (slot_of (forecast, i)->occupancy, ==, 0.0);
    }
  *mean_error = open > 0 ? *mean_error / open : 0.0;
}

/* The plain weighted mean of the same weekdays' half hours, from GDateTime's calendar:
 * what the forecast must be when no day is odd. */
static void
plain_forecast (const GArray *rows,
                GTimeZone    *tz,
                const GDate  *date,
                double        expected[48])
{
  double sums[9][48] = { { 0 } }, sum, weights;
  guint counts[9][48] = { { 0 } };

  for (guint i = 0; i < rows->len; i++)
    {
      const AtriumStatsBucket *row = &g_array_index (rows, AtriumStatsBucket, i);
      g_autoptr(GDateTime) local = local_time (tz, row->start);
      GDate day;
      int age;

      g_date_clear (&day, 1);
      g_date_set_dmy (&day, (GDateDay) g_date_time_get_day_of_month (local),
                      (GDateMonth) g_date_time_get_month (local),
                      (GDateYear) g_date_time_get_year (local));
      age = g_date_days_between (&day, date);
      if (age > 0 && age % 7 == 0 && age / 7 <= 8)
        {
          guint slot = (guint) (g_date_time_get_hour (local) * 2
                                + g_date_time_get_minute (local) / 30);

          sums[age / 7][slot] += row->mean;
          counts[age / 7][slot]++;
        }
    }
  for (guint slot = 0; slot < 48; slot++)
    {
      sum = weights = 0;
      for (guint week = 1; week <= 8; week++)
        if (counts[week][slot] > 0)
          {
            sum += sums[week][slot] / counts[week][slot] * week_weight (week);
            weights += week_weight (week);
          }
      expected[slot] = weights > 0 ? sum / weights : 0.0;
    }
}

static double
forecast_shift (AtriumStatsForecast *a,
                AtriumStatsForecast *b)
{
  double shift = 0;

  g_assert_cmpuint (a->slots->len, ==, b->slots->len);
  for (guint i = 0; i < a->slots->len; i++)
    shift = MAX (shift, fabs (slot_of (a, i)->occupancy - slot_of (b, i)->occupancy));
  return shift;
}

/* The bounds below come from the noise model, not from this seed's luck: they hold for
 * other seeds too. */
static GArray *
forecast_history (GTimeZone   *tz,
                  const GDate *date,
                  guint        weeks,
                  const GDate *odd_day,
                  DayKind      odd_kind)
{
  GDate first = *date;

  g_date_subtract_days (&first, 7 * weeks);
  return make_history (tz, &first, 7 * weeks, 42, odd_day, odd_kind);
}

static void
test_forecast_pattern (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GDate) monday = g_date_new_dmy (FORECAST_DAY, FORECAST_MONTH, FORECAST_YEAR);
  g_autoptr(GArray) rows = forecast_history (tz, monday, 8, NULL, DAY_NORMAL);
  g_autoptr(AtriumStatsForecast) forecast = forecast_for (rows, tz, monday);
  double max_error, mean_error, ratio, plain[48];
  gint64 from, to;

  g_assert_cmpuint (forecast->days_with_data, ==, 8);
  g_assert_cmpuint (forecast->outlier_days, ==, 0);
  g_assert_false (forecast->insufficient_history);
  atrium_stats_forecast_range (tz, monday, &from, &to);
  g_assert_cmpint (from, ==, at (tz, 2024, 4, 8, 0, 0));
  g_assert_cmpint (to, ==, at (tz, 2024, 6, 3, 0, 0));
  for (guint i = 0; i < 48; i++)
    {
      g_assert_cmpint (slot_of (forecast, i)->start, ==,
                       at (tz, 2024, 6, 3, (int) i / 2, (int) i % 2 * 30));
      g_assert_cmpint (slot_of (forecast, i)->end - slot_of (forecast, i)->start, ==, 1800);
      g_assert_cmpuint (slot_of (forecast, i)->samples, ==, 8);
    }

  /* Ordinary weeks only: nothing is left out, every week has its documented weight. */
  plain_forecast (rows, tz, monday, plain);
  for (guint i = 0; i < 48; i++)
    g_assert_cmpfloat_with_epsilon (slot_of (forecast, i)->occupancy, plain[i], 1e-9);

  /* Against the pattern the history was made from, within its noise. */
  forecast_error (forecast, G_DATE_MONDAY, 8, 0, &max_error, &mean_error, &ratio);
  g_test_message ("Monday forecast: max error %.2f (%.1f %% of the 120 peak; %.1f standard "
                  "errors), mean %.2f while open; 11:00-11:30 %.1f for %.1f", max_error,
                  100 * max_error / PEAK, ratio, mean_error,
                  slot_of (forecast, 22)->occupancy, pattern_slot (G_DATE_MONDAY, 22));
  g_assert_cmpfloat (ratio, <=, 4.0);
  /* The busiest half hour is one of the two around 11:00. */
  for (guint i = 0; i < 48; i++)
    g_assert_cmpfloat (slot_of (forecast, i)->occupancy, <=,
                       MAX (slot_of (forecast, 21)->occupancy,
                            slot_of (forecast, 22)->occupancy));

  /* Saturday is half of Monday; Sunday is closed (exactly 0). */
  for (guint d = 5; d <= 6; d++)
    {
      g_autoptr(GDate) date = g_date_new_dmy (FORECAST_DAY, FORECAST_MONTH, FORECAST_YEAR);
      g_autoptr(AtriumStatsForecast) other = NULL;

      g_date_add_days (date, d);
      other = forecast_for (rows, tz, date);
      plain_forecast (rows, tz, date, plain);
      for (guint i = 0; i < 48; i++)
        g_assert_cmpfloat_with_epsilon (slot_of (other, i)->occupancy, plain[i], 1e-9);
      forecast_error (other, g_date_get_weekday (date), 8, 0, &max_error, &mean_error, &ratio);
      g_test_message ("%s forecast: max error %.2f (%.1f standard errors), mean %.2f while "
                      "open", d == 5 ? "Saturday" : "Sunday", max_error, ratio, mean_error);
      g_assert_cmpfloat (ratio, <=, 4.0);
    }
}

/* A closed or a doubled Monday is left out as if it had no rows: the forecast is that of
 * seven Mondays, and moves only by what one good day fewer moves it. A Monday closed in
 * the afternoon only loses its afternoon. */
static void
test_forecast_outliers (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GDate) monday = g_date_new_dmy (FORECAST_DAY, FORECAST_MONTH, FORECAST_YEAR);
  g_autoptr(GArray) rows = forecast_history (tz, monday, 8, NULL, DAY_NORMAL);
  g_autoptr(AtriumStatsForecast) base = forecast_for (rows, tz, monday);
  const guint weeks_back[] = { 1, 3 };
  struct { DayKind kind; const char *name; guint outliers; } odd[] = {
    { DAY_CLOSED, "closed (rows of zeros)", 1 },
    { DAY_DOUBLED, "doubled", 1 },
    { DAY_CLOSED_AFTERNOON, "closed from 14:00", 0 },
  };

  for (guint w = 0; w < G_N_ELEMENTS (weeks_back); w++)
    {
      g_autoptr(GDate) day = g_date_new_dmy (FORECAST_DAY, FORECAST_MONTH, FORECAST_YEAR);
      g_autoptr(GArray) absent_rows = NULL;
      g_autoptr(AtriumStatsForecast) absent = NULL;
      double max_error, mean_error, ratio, total_weight = 0;

      for (guint week = 1; week <= 8; week++)
        total_weight += week_weight (week);
      g_date_subtract_days (day, 7 * weeks_back[w]);
      absent_rows = forecast_history (tz, monday, 8, day, DAY_ABSENT);
      absent = forecast_for (absent_rows, tz, monday);
      g_assert_cmpuint (absent->days_with_data, ==, 7);
      g_assert_cmpuint (absent->outlier_days, ==, 0);
      g_assert_false (absent->insufficient_history);
      forecast_error (absent, G_DATE_MONDAY, 8, weeks_back[w], &max_error, &mean_error,
                      &ratio);
      g_assert_cmpfloat (ratio, <=, 4.0);
      g_test_message ("Monday %u weeks back without rows: forecast moved by at most %.2f",
                      weeks_back[w], forecast_shift (base, absent));

      for (guint i = 0; i < G_N_ELEMENTS (odd); i++)
        {
          g_autoptr(GArray) odd_rows = forecast_history (tz, monday, 8, day, odd[i].kind);
          g_autoptr(AtriumStatsForecast) forecast = forecast_for (odd_rows, tz, monday);
          double shift = forecast_shift (base, forecast);
          double plain = week_weight (weeks_back[w]) / total_weight
                         * pattern_slot (G_DATE_MONDAY, 22);

          g_assert_cmpuint (forecast->days_with_data, ==, 8);
          g_assert_cmpuint (forecast->outlier_days, ==, odd[i].outliers);
          forecast_error (forecast, G_DATE_MONDAY, 8, weeks_back[w], &max_error, &mean_error,
                          &ratio);
          g_test_message ("Monday %u weeks back %s: forecast moved by at most %.2f (%.1f %% "
                          "of the peak; a plain weighted mean: about %.1f); differs from "
                          "no rows by %.2f; max error %.2f (%.1f standard errors)",
                          weeks_back[w], odd[i].name, shift, 100 * shift / PEAK, plain,
                          forecast_shift (forecast, absent), max_error, ratio);
          /* A whole odd day weighs exactly what a day without rows weighs; an afternoon
           * of zeros is left out half hour by half hour. Either way the forecast stays
           * within the noise of seven good Mondays. */
          if (odd[i].outliers == 1)
            g_assert_cmpfloat (forecast_shift (forecast, absent), ==, 0.0);
          g_assert_cmpfloat (ratio, <=, 4.0);
          g_assert_cmpfloat (shift, <, plain / 2);
        }
    }
}

static void
test_forecast_short_history (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GDate) monday = g_date_new_dmy (FORECAST_DAY, FORECAST_MONTH, FORECAST_YEAR);
  g_autoptr(GArray) rows = forecast_history (tz, monday, 2, NULL, DAY_NORMAL);
  g_autoptr(GArray) three = forecast_history (tz, monday, 3, NULL, DAY_NORMAL);
  g_autoptr(GArray) none = g_array_new (FALSE, FALSE, sizeof (AtriumStatsBucket));
  g_autoptr(AtriumStatsForecast) forecast = forecast_for (rows, tz, monday);
  g_autoptr(AtriumStatsForecast) enough = forecast_for (three, tz, monday);
  g_autoptr(AtriumStatsForecast) empty = forecast_for (none, tz, monday);
  double max_error, mean_error, ratio;

  /* Flagged, and still a forecast from the two Mondays there are. */
  g_assert_cmpuint (forecast->days_with_data, ==, 2);
  g_assert_true (forecast->insufficient_history);
  for (guint i = 0; i < 48; i++)
    g_assert_cmpuint (slot_of (forecast, i)->samples, ==, 2);
  forecast_error (forecast, G_DATE_MONDAY, 2, 0, &max_error, &mean_error, &ratio);
  g_test_message ("2 weeks of history: flagged; max error %.2f (%.1f standard errors), "
                  "mean %.2f while open", max_error, ratio, mean_error);
  g_assert_cmpfloat (ratio, <=, 4.0);

  g_assert_cmpuint (enough->days_with_data, ==, 3);
  g_assert_false (enough->insufficient_history);

  g_assert_cmpuint (empty->days_with_data, ==, 0);
  g_assert_true (empty->insufficient_history);
  g_assert_cmpuint (empty->slots->len, ==, 48);
  for (guint i = 0; i < 48; i++)
    {
      g_assert_cmpuint (slot_of (empty, i)->samples, ==, 0);
      g_assert_cmpfloat (slot_of (empty, i)->occupancy, ==, 0.0);
    }
}

/* Recent weeks weigh more: with a crowd growing week after week, the forecast is above
 * the unweighted mean. */
static void
test_forecast_recent_weeks (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  g_autoptr(GDate) monday = g_date_new_dmy (FORECAST_DAY, FORECAST_MONTH, FORECAST_YEAR);
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (AtriumStatsBucket));
  g_autoptr(AtriumStatsForecast) forecast = NULL;
  double value, sum = 0, weights = 0;

  for (guint week = 1; week <= 8; week++)
    {
      gint64 noon = at (tz, 2024, 6, 3, 12, 0) - week * 7 * 86400;
      AtriumStatsBucket row = { noon, 0, 0, 0, 100.0 + 10.0 * (8 - week), 0.0, 0 };

      g_array_append_val (rows, row);
    }
  forecast = forecast_for (rows, tz, monday);
  value = slot_of (forecast, 24)->occupancy;
  /* 170 (last week) … 100 (eight weeks ago): no outlier among them; 135 unweighted,
   * more with the weeks' weights. */
  for (guint week = 1; week <= 8; week++)
    {
      sum += (100.0 + 10.0 * (8 - week)) * week_weight (week);
      weights += week_weight (week);
    }
  g_test_message ("growing crowd: forecast %.2f, unweighted mean 135", value);
  g_assert_cmpfloat_with_epsilon (value, sum / weights, 1e-9);
  g_assert_cmpfloat (value, >, 136.0);
  g_assert_cmpuint (slot_of (forecast, 24)->samples, ==, 8);
  g_assert_cmpuint (slot_of (forecast, 23)->samples, ==, 0);
}

/* Sundays of a change: 46 and 50 half hours, each with the history of its clock time. */
static void
test_forecast_dst (void)
{
  g_autoptr(GTimeZone) tz = paris ();
  struct { int month, day; guint slots; } days[] = { { 3, 31, 46 }, { 10, 27, 50 } };

  for (guint d = 0; d < G_N_ELEMENTS (days); d++)
    {
      g_autoptr(GDate) sunday = g_date_new_dmy (days[d].day, days[d].month, 2024);
      g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (AtriumStatsBucket));
      g_autoptr(AtriumStatsForecast) forecast = NULL;
      gint64 from, to;
      guint repeated = 0;

      /* Each row's occupancy is its clock time in minutes / 10. */
      atrium_stats_forecast_range (tz, sunday, &from, &to);
      for (gint64 t = from; t < to; t += ROW)
        {
          g_autoptr(GDateTime) local = local_time (tz, t);
          AtriumStatsBucket row = { .start = t };

          row.mean = (g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local)) / 10.0;
          g_array_append_val (rows, row);
        }
      forecast = forecast_for (rows, tz, sunday);
      g_assert_cmpuint (forecast->slots->len, ==, days[d].slots);
      g_assert_cmpint (slot_of (forecast, 0)->start, ==, to);
      g_assert_cmpint (slot_of (forecast, days[d].slots - 1)->end, ==,
                       midnight_after (tz, 2024, days[d].month, days[d].day, 1));
      for (guint i = 0; i < forecast->slots->len; i++)
        {
          AtriumStatsForecastSlot *slot = slot_of (forecast, i);
          g_autoptr(GDateTime) local = local_time (tz, slot->start);
          double minute = g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local);

          g_assert_cmpint (slot->end - slot->start, ==, 1800);
          if (i > 0)
            g_assert_cmpint (slot->start, ==, slot_of (forecast, i - 1)->end);
          g_assert_cmpuint (slot->samples, ==, 8);
          /* The mean of minutes m, m+5 … m+25, over 10. */
          g_assert_cmpfloat_with_epsilon (slot->occupancy, (minute + 12.5) / 10.0, 1e-9);
          if (g_date_time_get_hour (local) == 2)
            repeated++;
        }
      g_assert_cmpuint (repeated, ==, days[d].slots == 50 ? 4 : 0);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stats/names", test_names);
  g_test_add_func ("/stats/aggregate/hand", test_aggregate_hand);
  g_test_add_func ("/stats/aggregate/clipped", test_aggregate_clipped);
  g_test_add_func ("/stats/aggregate/errors", test_aggregate_errors);
  g_test_add_func ("/stats/aggregate/reference", test_aggregate_reference);
  g_test_add_func ("/stats/dst/days", test_dst_days);
  g_test_add_func ("/stats/calendar-units", test_calendar_units);
  g_test_add_func ("/stats/compare/calendar", test_compare_calendar);
  g_test_add_func ("/stats/compare/hours", test_compare_hours);
  g_test_add_func ("/stats/forecast/pattern", test_forecast_pattern);
  g_test_add_func ("/stats/forecast/outliers", test_forecast_outliers);
  g_test_add_func ("/stats/forecast/short-history", test_forecast_short_history);
  g_test_add_func ("/stats/forecast/recent-weeks", test_forecast_recent_weeks);
  g_test_add_func ("/stats/forecast/dst", test_forecast_dst);

  return g_test_run ();
}
