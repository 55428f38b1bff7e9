/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-waiting.h"

#include <math.h>
#include <stdlib.h>

/* 2026-11-24T08:00:00Z */
#define T0 G_GINT64_CONSTANT (1795507200)

typedef struct
{
  guint in;
  guint out;
} Counts;

/* One sample a minute from @first_ts on, with the queue length after the last. */
static GArray *
make_samples (gint64        first_ts,
              const Counts *counts,
              guint         n_counts,
              guint        *length)
{
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (AtriumQueueSample));
  gint64 sum = 0;

  for (guint i = 0; i < n_counts; i++)
    {
      AtriumQueueSample sample = { first_ts + 60 * (gint64) i, counts[i].in, counts[i].out };

      g_array_append_val (samples, sample);
      sum = MAX (sum + counts[i].in - counts[i].out, 0);
    }
  *length = (guint) sum;
  return samples;
}

static AtriumWaitStatus
estimate (const AtriumWaitParams *params,
          GArray                 *samples,
          gint64                  now,
          guint                   length,
          double                 *wait)
{
  return atrium_wait_estimate (params, (const AtriumQueueSample *) samples->data,
                               samples->len, now, length, wait);
}

/* 21 posts, a minute apart, always four waiting and two served a minute. */
static GArray *
make_steady (guint *length)
{
  Counts counts[21];

  counts[0] = (Counts) { 4, 0 };
  for (guint i = 1; i < G_N_ELEMENTS (counts); i++)
    counts[i] = (Counts) { 2, 2 };
  return make_samples (T0, counts, G_N_ELEMENTS (counts), length);
}

static void
test_steady_exact (void)
{
  guint length;
  g_autoptr(GArray) samples = make_steady (&length);
  gint64 now = T0 + 20 * 60;
  AtriumWaitTotals totals;
  double wait = -1;

  g_assert_cmpuint (length, ==, 4);
  atrium_wait_totals_compute (NULL, (const AtriumQueueSample *) samples->data, samples->len,
                              now, length, &totals);
  /* The 15 intervals that end in the window were busy and already hold 30 ≥ 20 served:
   * the lookback stops at the window. */
  g_assert_cmpuint (totals.n_samples, ==, 21);
  g_assert_cmpuint (totals.busy_seconds, ==, 900);
  g_assert_cmpuint (totals.busy_served, ==, 30);
  g_assert_cmpuint (totals.lookback_seconds, ==, 900);
  g_assert_cmpuint (totals.window_joined, ==, 30);
  g_assert_cmpuint (totals.window_served, ==, 30);

  g_assert_cmpint (estimate (NULL, samples, now, length, &wait), ==, ATRIUM_WAIT_OK);
  g_assert_cmpfloat_with_epsilon (wait, 5 * 900.0 / 31, 1e-9);

  /* The same from the totals, and a later "now" between posts changes nothing else. */
  g_assert_cmpint (atrium_wait_estimate_from_totals (NULL, &totals, now + 30, length, &wait),
                   ==, ATRIUM_WAIT_OK);
  g_assert_cmpfloat_with_epsilon (wait, 5 * 900.0 / 31, 1e-9);
}

static void
test_empty (void)
{
  guint length;
  g_autoptr(GArray) samples = make_steady (&length);
  Counts quiet[3] = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
  g_autoptr(GArray) thin = make_samples (T0, quiet, G_N_ELEMENTS (quiet), &length);
  double wait = -1;

  g_assert_cmpint (estimate (NULL, samples, T0 + 20 * 60, 0, &wait), ==, ATRIUM_WAIT_EMPTY);
  g_assert_cmpfloat (wait, ==, 0);

  /* Nobody ahead needs no rate: even three minutes of history answer 0 s. */
  wait = -1;
  g_assert_cmpint (estimate (NULL, thin, T0 + 120, length, &wait), ==, ATRIUM_WAIT_EMPTY);
  g_assert_cmpfloat (wait, ==, 0);
}

static void
test_too_few_served (void)
{
  Counts counts[61];
  g_autoptr(GArray) samples = NULL;
  guint length;
  double wait = -1;

  /* An hour with three waiting throughout but four served in all. */
  counts[0] = (Counts) { 3, 0 };
  for (guint i = 1; i < G_N_ELEMENTS (counts); i++)
    counts[i] = (Counts) { i % 15 == 0, i % 15 == 0 };
  samples = make_samples (T0, counts, G_N_ELEMENTS (counts), &length);

  g_assert_cmpuint (length, ==, 3);
  g_assert_cmpint (estimate (NULL, samples, T0 + 3600, length, &wait), ==,
                   ATRIUM_WAIT_TOO_THIN);
  g_assert_cmpfloat (wait, ==, 0);

  /* Four are enough when the caller asks for fewer. */
  {
    AtriumWaitParams params = { .min_served = 4 };

    g_assert_cmpint (estimate (&params, samples, T0 + 3600, length, &wait), ==, ATRIUM_WAIT_OK);
    g_assert_cmpfloat_with_epsilon (wait, 4 * 3600.0 / 5, 1e-9);
  }
}

static void
test_short_history (void)
{
  Counts counts[16];
  g_autoptr(GArray) samples = NULL;
  guint length;
  double wait = -1;

  /* Busy from the first post, 2 served a minute, but the sensor started 10 minutes
   * ago: the history does not reach back to the window's start. */
  counts[0] = (Counts) { 5, 0 };
  for (guint i = 1; i < G_N_ELEMENTS (counts); i++)
    counts[i] = (Counts) { 2, 2 };
  samples = make_samples (T0, counts, G_N_ELEMENTS (counts), &length);

  g_assert_cmpint (estimate (NULL, samples, T0 + 10 * 60, length, &wait), ==,
                   ATRIUM_WAIT_TOO_THIN);
  g_assert_cmpfloat (wait, ==, 0);
  /* 12 minutes: still 3 short, beyond the silence a late first post is forgiven. */
  g_assert_cmpint (estimate (NULL, samples, T0 + 12 * 60 - 1, length, &wait), ==,
                   ATRIUM_WAIT_TOO_THIN);
  /* 12 minutes is the window less max_silence: accepted. */
  g_assert_cmpint (estimate (NULL, samples, T0 + 12 * 60, length, &wait), ==, ATRIUM_WAIT_OK);
  g_assert_cmpint (estimate (NULL, samples, T0 + 15 * 60, length, &wait), ==, ATRIUM_WAIT_OK);
  g_assert_cmpfloat_with_epsilon (wait, 6 * 900.0 / 31, 1e-9);
}

static void
test_stale (void)
{
  guint length;
  g_autoptr(GArray) samples = make_steady (&length);
  gint64 last = T0 + 20 * 60;
  double wait = -1;

  g_assert_cmpint (estimate (NULL, samples, last + 180, length, &wait), ==, ATRIUM_WAIT_OK);
  g_assert_cmpint (estimate (NULL, samples, last + 181, length, &wait), ==, ATRIUM_WAIT_STALE);
  g_assert_cmpfloat (wait, ==, 0);
  /* Stale even when the last known length was 0: the sensor may have missed a crowd. */
  g_assert_cmpint (estimate (NULL, samples, last + 600, 0, &wait), ==, ATRIUM_WAIT_STALE);

  g_assert_cmpint (atrium_wait_estimate (NULL, NULL, 0, last, 3, &wait), ==,
                   ATRIUM_WAIT_STALE);

  {
    AtriumWaitParams params = { .max_silence_seconds = 600 };

    g_assert_cmpint (estimate (&params, samples, last + 600, length, &wait), ==,
                     ATRIUM_WAIT_OK);
  }
}

static void
shuffle (GRand             *rand,
         AtriumQueueSample *samples,
         guint              n)
{
  for (guint i = n - 1; i > 0; i--)
    {
      guint j = g_rand_int_range (rand, 0, (gint32) i + 1);
      AtriumQueueSample swap = samples[i];

      samples[i] = samples[j];
      samples[j] = swap;
    }
}

static void
test_order (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  Counts counts[200];
  g_autoptr(GArray) samples = NULL;
  g_autoptr(GArray) split = NULL;
  guint length;
  gint64 now;
  double expected;
  double wait;
  AtriumWaitTotals expected_totals;
  AtriumWaitTotals totals;

  /* A queue that comes and goes. */
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    counts[i] = (Counts) { g_rand_int_range (rand, 0, 4), g_rand_int_range (rand, 0, 3) };
  samples = make_samples (T0, counts, G_N_ELEMENTS (counts), &length);
  now = T0 + 60 * (G_N_ELEMENTS (counts) - 1);

  g_assert_cmpint (estimate (NULL, samples, now, length, &expected), ==, ATRIUM_WAIT_OK);
  atrium_wait_totals_compute (NULL, (const AtriumQueueSample *) samples->data, samples->len,
                              now, length, &expected_totals);

  for (guint round = 0; round < 20; round++)
    {
      shuffle (rand, (AtriumQueueSample *) samples->data, samples->len);
      g_assert_cmpint (estimate (NULL, samples, now, length, &wait), ==, ATRIUM_WAIT_OK);
      g_assert_cmpfloat (wait, ==, expected);
      atrium_wait_totals_compute (NULL, (const AtriumQueueSample *) samples->data,
                                  samples->len, now, length, &totals);
      g_assert_cmpmem (&totals, sizeof totals, &expected_totals, sizeof expected_totals);
    }

  /* A post split in two rows with the same stamp counts as one. */
  split = g_array_copy (samples);
  for (guint i = 0; i < samples->len; i++)
    {
      AtriumQueueSample *sample = &g_array_index (split, AtriumQueueSample, i);
      AtriumQueueSample half = { sample->ts, sample->in / 2, sample->out / 2 };

      sample->in -= half.in;
      sample->out -= half.out;
      g_array_append_val (split, half);
    }
  shuffle (rand, (AtriumQueueSample *) split->data, split->len);
  g_assert_cmpint (estimate (NULL, split, now, length, &wait), ==, ATRIUM_WAIT_OK);
  g_assert_cmpfloat (wait, ==, expected);

  /* Rows older than the lookback (but for the one where it starts) can be left out. */
  {
    g_autoptr(GArray) recent = g_array_new (FALSE, FALSE, sizeof (AtriumQueueSample));

    g_assert_cmpuint (expected_totals.lookback_seconds, <, 60 * 150);
    for (guint i = 0; i < samples->len; i++)
      {
        AtriumQueueSample *sample = &g_array_index (samples, AtriumQueueSample, i);

        if (sample->ts >= now - expected_totals.lookback_seconds)
          g_array_append_val (recent, *sample);
      }
    g_assert_cmpuint (recent->len, <, samples->len);
    g_assert_cmpint (estimate (NULL, recent, now, length, &wait), ==, ATRIUM_WAIT_OK);
    g_assert_cmpfloat (wait, ==, expected);
  }
}

static void
test_idle_is_not_capacity (void)
{
  Counts counts[31];
  g_autoptr(GArray) samples = NULL;
  AtriumWaitTotals totals;
  guint length;
  gint64 now = T0 + 30 * 60;
  double wait = -1;

  /* Quiet for a quarter of an hour, then one who walks straight to a free desk, then a
   * group of five, after which the desk serves two a minute while two more come. */
  for (guint i = 0; i <= 15; i++)
    counts[i] = (Counts) { 0, 0 };
  counts[16] = (Counts) { 1, 1 };
  counts[17] = (Counts) { 5, 0 };
  for (guint i = 18; i <= 30; i++)
    counts[i] = (Counts) { 2, 2 };
  samples = make_samples (T0, counts, G_N_ELEMENTS (counts), &length);
  g_assert_cmpuint (length, ==, 5);

  /* Only the 13 intervals that began with someone waiting measure the desk: not the
   * quiet ones, not the walk-in, not the minute the group arrived. */
  atrium_wait_totals_compute (NULL, (const AtriumQueueSample *) samples->data, samples->len,
                              now, length, &totals);
  g_assert_cmpuint (totals.busy_seconds, ==, 13 * 60);
  g_assert_cmpuint (totals.busy_served, ==, 26);
  g_assert_cmpuint (totals.window_served, ==, 27);

  g_assert_cmpint (estimate (NULL, samples, now, length, &wait), ==, ATRIUM_WAIT_OK);
  g_assert_cmpfloat_with_epsilon (wait, 6 * 780.0 / 27, 1e-9);
  /* Taking the whole window as service time would have said 6 × 900 / 28 ≈ 193 s for a
   * desk that serves one every 30 s: ~173 s here. */
  g_assert_cmpfloat (wait, <, 6 * 900.0 / 28 * 0.95);
}

static void
test_silence_is_not_busy (void)
{
  Counts counts[40];
  g_autoptr(GArray) samples = NULL;
  AtriumWaitTotals totals;
  guint length;

  counts[0] = (Counts) { 6, 0 };
  for (guint i = 1; i < G_N_ELEMENTS (counts); i++)
    counts[i] = (Counts) { 1, 1 };
  samples = make_samples (T0, counts, G_N_ELEMENTS (counts), &length);
  /* The sensor was off for 5 minutes before the 30th post: that interval is 6 minutes
   * long and its count is kept, but it is no measure of the rate. */
  for (guint i = 30; i < samples->len; i++)
    g_array_index (samples, AtriumQueueSample, i).ts += 300;

  atrium_wait_totals_compute (NULL, (const AtriumQueueSample *) samples->data, samples->len,
                              T0 + 44 * 60, length, &totals);
  /* 20 one-minute intervals, and the lookback went one interval further back than it
   * would have without the gap. */
  g_assert_cmpuint (totals.busy_served, ==, 20);
  g_assert_cmpuint (totals.busy_seconds, ==, 20 * 60);
  g_assert_cmpuint (totals.lookback_seconds, ==, 26 * 60);
}

static void
test_lookback_extends (void)
{
  Counts counts[121];
  g_autoptr(GArray) samples = NULL;
  AtriumWaitTotals totals;
  AtriumWaitParams fixed = { .max_window_seconds = 900 };
  guint length;
  gint64 now = T0 + 120 * 60;
  double wait = -1;

  /* A slow desk: one served every 4 minutes, always someone waiting. */
  counts[0] = (Counts) { 3, 0 };
  for (guint i = 1; i < G_N_ELEMENTS (counts); i++)
    counts[i] = (Counts) { i % 4 == 0, i % 4 == 0 };
  samples = make_samples (T0, counts, G_N_ELEMENTS (counts), &length);

  /* 15 minutes hold 4 served (too thin alone); the lookback goes back until 20. */
  atrium_wait_totals_compute (NULL, (const AtriumQueueSample *) samples->data, samples->len,
                              now, length, &totals);
  g_assert_cmpuint (totals.busy_served, ==, 20);
  g_assert_cmpuint (totals.lookback_seconds, ==, 77 * 60);
  g_assert_cmpuint (totals.busy_seconds, ==, 77 * 60);
  g_assert_cmpint (estimate (NULL, samples, now, length, &wait), ==, ATRIUM_WAIT_OK);
  g_assert_cmpfloat_with_epsilon (wait, 4 * 4620.0 / 21, 1e-9);

  g_assert_cmpint (estimate (&fixed, samples, now, length, &wait), ==, ATRIUM_WAIT_TOO_THIN);

  /* Never beyond max_window_seconds: 30 minutes hold 8 served. */
  {
    AtriumWaitParams half_hour = { .max_window_seconds = 1800 };

    atrium_wait_totals_compute (&half_hour, (const AtriumQueueSample *) samples->data,
                                samples->len, now, length, &totals);
    g_assert_cmpuint (totals.busy_served, ==, 8);
    g_assert_cmpuint (totals.lookback_seconds, ==, 1800);
    g_assert_cmpint (estimate (&half_hour, samples, now, length, &wait), ==, ATRIUM_WAIT_OK);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/waiting/steady-exact", test_steady_exact);
  g_test_add_func ("/waiting/empty", test_empty);
  g_test_add_func ("/waiting/too-few-served", test_too_few_served);
  g_test_add_func ("/waiting/short-history", test_short_history);
  g_test_add_func ("/waiting/stale", test_stale);
  g_test_add_func ("/waiting/order", test_order);
  g_test_add_func ("/waiting/idle-is-not-capacity", test_idle_is_not_capacity);
  g_test_add_func ("/waiting/silence-is-not-busy", test_silence_is_not_busy);
  g_test_add_func ("/waiting/lookback-extends", test_lookback_extends);

  return g_test_run ();
}
