/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-waiting.h"
#include "atrium-queue-sim.h"

#include <math.h>
#include <stdlib.h>

/* 2026-11-24T08:00:00Z */
#define T0 G_GINT64_CONSTANT (1795507200)
#define HOUR 3600

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
  g_assert_cmpfloat (totals.busy_seconds, ==, 900);
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
  g_assert_cmpfloat (totals.busy_seconds, ==, 13 * 60);
  g_assert_cmpuint (totals.busy_served, ==, 26);
  g_assert_cmpuint (totals.window_served, ==, 27);

  g_assert_cmpint (estimate (NULL, samples, now, length, &wait), ==, ATRIUM_WAIT_OK);
  g_assert_cmpfloat_with_epsilon (wait, 6 * 780.0 / 27, 1e-9);
  /* Taking the whole window as service time would have said 6 × 900 / 28 ≈ 193 s for a
   * desk that serves one every 30 s: ~173 s here. */
  g_assert_cmpfloat (wait, <, 6 * 900.0 / 28 * 0.95);
}

static void
test_drained_interval (void)
{
  Counts counts[18];
  g_autoptr(GArray) samples = NULL;
  AtriumWaitTotals totals;
  guint length;
  gint64 now = T0 + 17 * 60;
  double wait = -1;

  /* Four waiting, two served a minute; then one minute serves the last five (four and a
   * newcomer) and the queue is empty; then three arrive. */
  counts[0] = (Counts) { 4, 0 };
  for (guint i = 1; i <= 15; i++)
    counts[i] = (Counts) { 2, 2 };
  counts[16] = (Counts) { 1, 5 };
  counts[17] = (Counts) { 3, 0 };
  samples = make_samples (T0, counts, G_N_ELEMENTS (counts), &length);
  g_assert_cmpuint (length, ==, 3);

  /* 13 full minutes, five sixths of the one that emptied, none of the last. */
  atrium_wait_totals_compute (NULL, (const AtriumQueueSample *) samples->data, samples->len,
                              now, length, &totals);
  g_assert_cmpfloat_with_epsilon (totals.busy_seconds, 13 * 60 + 50, 1e-9);
  g_assert_cmpuint (totals.busy_served, ==, 31);
  g_assert_cmpint (estimate (NULL, samples, now, length, &wait), ==, ATRIUM_WAIT_OK);
  g_assert_cmpfloat_with_epsilon (wait, 4 * 830.0 / 32, 1e-9);
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
  g_assert_cmpfloat (totals.busy_seconds, ==, 20 * 60);
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
  g_assert_cmpfloat (totals.busy_seconds, ==, 77 * 60);
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

/*
 * Against a simulated truth. Each scenario runs a simulated queue for several seeds and
 * replays its sensor's posts one by one as the server would: at each post the samples of
 * the last two hours and a quarter (the longest lookback and the row before it), the
 * length Σin − Σout, and now = the post's stamp. The truth for that minute is the mean
 * wait (join → start of service) of those who joined in the next 5 minutes; minutes
 * nobody joined in have no truth and are not judged.
 *
 * The criteria, over the judged minutes that have an estimate (OK, or EMPTY as 0 s),
 * pooled over the seeds:
 *  - the mean estimate is within 20 % of the mean true wait (MAX_MEAN_ERROR);
 *  - per 15-minute block, the relative error |mean estimate − mean truth| / mean truth
 *    over the block's judged minutes has a median of at most 50 % (MAX_BLOCK_MEDIAN)
 *    and at most 10 points above an oracle's (MAX_BLOCK_EXCESS); blocks whose true mean
 *    is under a minute are left out, a relative error means little there;
 *  - at least 90 % of the judged minutes with someone waiting have an estimate
 *    (MIN_COVERAGE).
 * The oracle knows the true capacity: (length + 1) × mean service / servers. A block of
 * a two-minute desk holds a handful of patrons whose waits share the same few services,
 * so even the oracle misses a block by 20–40 %: that noise is the truth's, not the
 * estimator's, hence the block criterion relative to it. Both are printed. So is the
 * worst single seed, which is not judged: eight hours of one seed swing by 10–45 %.
 *
 * ATRIUM_WAITING_SEEDS=FIRST:COUNT runs other seeds than 1:10 (1:60 all pass).
 */

#define TRUTH_SPAN        300
#define BLOCK_SECONDS     900
#define MIN_BLOCK_TRUTH   60.0
#define MAX_MEAN_ERROR    0.20
#define MAX_BLOCK_MEDIAN  0.50
#define MAX_BLOCK_EXCESS  0.10
#define MIN_COVERAGE      0.90
#define LOOKBACK_ROWS     (2 * HOUR / 60 + 16)
#define MAX_HOURS         24

typedef struct
{
  const char                *name;
  guint                      servers;
  double                     mean_service;
  AtriumQueueSimService      service;
  guint                      erlang_shape;
  AtriumQueueSimTable        arrivals;
  double                     rate_max;
  gint64                     start;
  gint64                     end;
  gint64                     judge_from;
} Scenario;

typedef struct
{
  double estimate;
  double truth;
  double oracle;
  guint  n;
} Sums;

typedef struct
{
  Sums    all;
  Sums    hours[MAX_HOURS];
  guint   queued;
  guint   queued_estimated;
  GArray *block_errors;
  GArray *oracle_block_errors;
  double  worst_seed_error;
} Score;

static void
sums_add (Sums   *sums,
          double  estimate_value,
          double  truth,
          double  oracle)
{
  sums->estimate += estimate_value;
  sums->truth += truth;
  sums->oracle += oracle;
  sums->n++;
}

static void
flush_block (Score *score,
             Sums  *block)
{
  if (block->n > 0 && block->truth / block->n >= MIN_BLOCK_TRUTH)
    {
      double error = fabs (block->estimate - block->truth) / block->truth;
      double oracle_error = fabs (block->oracle - block->truth) / block->truth;

      g_array_append_val (score->block_errors, error);
      g_array_append_val (score->oracle_block_errors, oracle_error);
    }
  *block = (Sums) { 0 };
}

static void
score_seed (const Scenario *scenario,
            guint32         seed,
            Score          *score)
{
  AtriumQueueSimConfig config = {
    .seed = seed,
    .servers = scenario->servers,
    .start = scenario->start,
    .end = scenario->end,
    .interval = 60,
    .rate_func = atrium_queue_sim_table_rate,
    .rate_data = (gpointer) &scenario->arrivals,
    .rate_max = scenario->rate_max,
    .service = scenario->service,
    .mean_service = scenario->mean_service,
    .erlang_shape = scenario->erlang_shape,
  };
  g_autoptr(AtriumQueueSim) sim = atrium_queue_sim_run (&config);
  g_autofree AtriumQueueSample *samples = NULL;
  const AtriumQueueSimPost *posts;
  Sums seed_sums = { 0 };
  Sums block = { 0 };
  gint64 block_index = -1;
  gint64 length = 0;
  guint n_posts;

  posts = atrium_queue_sim_get_posts (sim, &n_posts);
  samples = g_new (AtriumQueueSample, n_posts);
  for (guint k = 0; k < n_posts; k++)
    samples[k] = (AtriumQueueSample) { posts[k].ts, posts[k].in, posts[k].out };

  for (guint k = 0; k < n_posts; k++)
    {
      gint64 now = posts[k].ts;
      guint first = k + 1 > LOOKBACK_ROWS ? k + 1 - LOOKBACK_ROWS : 0;
      AtriumWaitStatus status;
      double wait;
      double truth;
      double oracle;

      length = MAX (length + posts[k].in - posts[k].out, 0);
      g_assert_cmpuint (length, ==, atrium_queue_sim_length_at (sim, now));
      status = atrium_wait_estimate (NULL, samples + first, k + 1 - first, now,
                                     (guint) length, &wait);

      if (now <= scenario->judge_from ||
          !atrium_queue_sim_true_wait (sim, now, TRUTH_SPAN, &truth, NULL))
        continue;

      if (length > 0)
        {
          score->queued++;
          if (status == ATRIUM_WAIT_OK)
            score->queued_estimated++;
        }
      if (status != ATRIUM_WAIT_OK && status != ATRIUM_WAIT_EMPTY)
        continue;

      if ((now - 1 - scenario->judge_from) / BLOCK_SECONDS != block_index)
        {
          flush_block (score, &block);
          block_index = (now - 1 - scenario->judge_from) / BLOCK_SECONDS;
        }
      oracle = length > 0 ? (length + 1) * scenario->mean_service / scenario->servers : 0;
      sums_add (&block, wait, truth, oracle);
      sums_add (&seed_sums, wait, truth, oracle);
      sums_add (&score->all, wait, truth, oracle);
      sums_add (&score->hours[CLAMP ((now - 1 - T0) / HOUR, 0, MAX_HOURS - 1)],
                wait, truth, oracle);
    }
  flush_block (score, &block);

  if (seed_sums.truth > 0)
    score->worst_seed_error = MAX (score->worst_seed_error,
                                   fabs (seed_sums.estimate / seed_sums.truth - 1));
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  if (values->len == 0)
    return NAN;
  if (values->len % 2)
    return g_array_index (values, double, values->len / 2);
  return (g_array_index (values, double, values->len / 2 - 1) +
          g_array_index (values, double, values->len / 2)) / 2;
}

static void
seed_range (guint32 *first,
            guint   *count)
{
  const char *env = g_getenv ("ATRIUM_WAITING_SEEDS");

  *first = 1;
  *count = 10;
  if (env != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (env, ":", 2);

      g_assert_cmpuint (g_strv_length (parts), ==, 2);
      *first = (guint32) g_ascii_strtoull (parts[0], NULL, 10);
      *count = (guint) g_ascii_strtoull (parts[1], NULL, 10);
      g_assert_cmpuint (*count, >, 0);
    }
}

/* Runs @scenario over the seeds, prints what it measured (@by_hour: also hour by hour)
 * and checks the criteria. */
static void
judge (const Scenario *scenario,
       gboolean        by_hour)
{
  Score score = {
    .block_errors = g_array_new (FALSE, FALSE, sizeof (double)),
    .oracle_block_errors = g_array_new (FALSE, FALSE, sizeof (double)),
  };
  double mean_error;
  double block_median;
  double oracle_block_median;
  double coverage;
  guint32 first_seed;
  guint n_seeds;

  seed_range (&first_seed, &n_seeds);
  for (guint i = 0; i < n_seeds; i++)
    score_seed (scenario, first_seed + i, &score);

  g_assert_cmpuint (score.all.n, >, 0);
  g_assert_cmpfloat (score.all.truth, >, 0);
  mean_error = score.all.estimate / score.all.truth - 1;
  block_median = median (score.block_errors);
  oracle_block_median = median (score.oracle_block_errors);
  coverage = score.queued ? (double) score.queued_estimated / score.queued : 1;

  g_test_message ("%s, seeds %u..%u: %u judged minutes, mean true wait %.0f s, "
                  "mean estimate %.0f s: error %+.1f %% (oracle %+.1f %%, worst seed "
                  "%.1f %%); 15-min blocks: median error %.1f %% over %u (oracle %.1f %%); "
                  "estimate in %.1f %% of the minutes with a queue",
                  scenario->name, first_seed, first_seed + n_seeds - 1, score.all.n,
                  score.all.truth / score.all.n, score.all.estimate / score.all.n,
                  100 * mean_error, 100 * (score.all.oracle / score.all.truth - 1),
                  100 * score.worst_seed_error, 100 * block_median,
                  score.block_errors->len, 100 * oracle_block_median, 100 * coverage);
  if (by_hour)
    {
      for (guint h = 0; h < MAX_HOURS; h++)
        if (score.hours[h].n > 0)
          g_test_message ("  %02u:00 UTC: true %4.0f s, estimate %4.0f s, oracle %4.0f s",
                          8 + h, score.hours[h].truth / score.hours[h].n,
                          score.hours[h].estimate / score.hours[h].n,
                          score.hours[h].oracle / score.hours[h].n);
    }

  g_assert_cmpfloat (fabs (mean_error), <=, MAX_MEAN_ERROR);
  g_assert_cmpuint (score.block_errors->len, >=, 10);
  g_assert_cmpfloat (block_median, <=, MAX_BLOCK_MEDIAN);
  g_assert_cmpfloat (block_median, <=, oracle_block_median + MAX_BLOCK_EXCESS);
  g_assert_cmpfloat (coverage, >=, MIN_COVERAGE);

  g_array_unref (score.block_errors);
  g_array_unref (score.oracle_block_errors);
}

/* The simulation itself, against queueing theory: the mean wait of an M/M/c queue is
 * C(c, a) / (c μ − λ) with Erlang's C formula. 400 hours at load 0.8, six seeds pooled,
 * within 10 %; and the same seed gives the same posts. */
static void
test_sim_theory (void)
{
  for (guint servers = 1; servers <= 2; servers++)
    {
      double mean_service = 60;
      double load = 0.8;
      AtriumQueueSimStep step = { T0, load * servers * HOUR / mean_service };
      AtriumQueueSimTable table = { &step, 1, FALSE };
      AtriumQueueSimConfig config = {
        .servers = servers,
        .start = T0,
        .end = T0 + 400 * HOUR,
        .interval = 60,
        .rate_func = atrium_queue_sim_table_rate,
        .rate_data = &table,
        .rate_max = step.per_hour,
        .service = ATRIUM_QUEUE_SIM_SERVICE_EXPONENTIAL,
        .mean_service = mean_service,
      };
      double a = load * servers;
      double term = 1;
      double below = 0;
      double erlang_c;
      double expected;
      double waited = 0;
      guint n_waited = 0;

      for (guint k = 0; k < servers; k++)
        {
          below += term;
          term *= a / (k + 1);
        }
      term /= 1 - load;
      erlang_c = term / (below + term);
      expected = erlang_c / (servers / mean_service - load * servers / mean_service);

      for (config.seed = 1; config.seed <= 6; config.seed++)
        {
          g_autoptr(AtriumQueueSim) sim = atrium_queue_sim_run (&config);
          g_autoptr(AtriumQueueSim) again = atrium_queue_sim_run (&config);
          const AtriumQueueSimPerson *people;
          const AtriumQueueSimPost *posts;
          const AtriumQueueSimPost *posts_again;
          guint n_people;
          guint n_posts;
          guint n_posts_again;
          guint64 joined = 0;

          people = atrium_queue_sim_get_people (sim, &n_people);
          posts = atrium_queue_sim_get_posts (sim, &n_posts);
          posts_again = atrium_queue_sim_get_posts (again, &n_posts_again);
          g_assert_cmpmem (posts, n_posts * sizeof *posts,
                           posts_again, n_posts_again * sizeof *posts_again);
          g_assert_cmpuint (n_posts, ==, 400 * 60);

          for (guint i = 0; i < n_posts; i++)
            joined += posts[i].in;
          g_assert_cmpuint (joined, ==, n_people);
          for (guint i = 0; i < n_people; i++)
            {
              g_assert_cmpfloat (people[i].service_start, >=, people[i].join);
              waited += people[i].service_start - people[i].join;
            }
          n_waited += n_people;
        }

      g_test_message ("M/M/%u at load %.1f: simulated mean wait %.1f s, theory %.1f s",
                      servers, load, waited / n_waited, expected);
      g_assert_cmpfloat (fabs (waited / n_waited / expected - 1), <=, 0.10);
    }
}

/* An hour to fill the queue, then eight judged hours at a constant arrival rate. */
static void
judge_steady (const char *name,
              guint       servers,
              double      mean_service,
              double      load)
{
  AtriumQueueSimStep step = { T0, load * servers * HOUR / mean_service };
  Scenario scenario = {
    .name = name,
    .servers = servers,
    .mean_service = mean_service,
    .service = ATRIUM_QUEUE_SIM_SERVICE_EXPONENTIAL,
    .arrivals = { &step, 1, FALSE },
    .rate_max = step.per_hour,
    .start = T0,
    .end = T0 + 9 * HOUR,
    .judge_from = T0 + HOUR,
  };

  judge (&scenario, FALSE);
}

static void
test_sim_one_desk (void)
{
  /* A loan desk: one librarian, two minutes a patron. */
  judge_steady ("1 server, 120 s, load 0.7", 1, 120, 0.7);
  judge_steady ("1 server, 120 s, load 0.9", 1, 120, 0.9);
}

static void
test_sim_two_desks (void)
{
  judge_steady ("2 servers, 120 s, load 0.7", 2, 120, 0.7);
  judge_steady ("2 servers, 120 s, load 0.9", 2, 120, 0.9);
}

static void
test_sim_day (void)
{
  /* Two desks at three minutes a patron: 40 an hour at most. Quiet at opening, a
   * morning rise, a lunch peak above capacity for a while, a slow afternoon. */
  static const AtriumQueueSimStep steps[] = {
    { T0, 4 },
    { T0 + 1 * HOUR, 20 },
    { T0 + 2 * HOUR + HOUR / 2, 30 },
    { T0 + 3 * HOUR + HOUR / 2, 34 },
    { T0 + 4 * HOUR + HOUR / 4, 44 },
    { T0 + 5 * HOUR, 36 },
    { T0 + 5 * HOUR + HOUR / 2, 24 },
    { T0 + 7 * HOUR, 24 },
    { T0 + 9 * HOUR, 10 },
    { T0 + 10 * HOUR, 0 },
  };
  Scenario scenario = {
    .name = "day, 2 servers, 180 s",
    .servers = 2,
    .mean_service = 180,
    .service = ATRIUM_QUEUE_SIM_SERVICE_EXPONENTIAL,
    .arrivals = { steps, G_N_ELEMENTS (steps), TRUE },
    .rate_max = 44,
    .start = T0 - HOUR / 2,
    .end = T0 + 10 * HOUR,
    .judge_from = T0,
  };

  judge (&scenario, TRUE);
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
  g_test_add_func ("/waiting/drained-interval", test_drained_interval);
  g_test_add_func ("/waiting/silence-is-not-busy", test_silence_is_not_busy);
  g_test_add_func ("/waiting/lookback-extends", test_lookback_extends);
  g_test_add_func ("/waiting/sim/theory", test_sim_theory);
  g_test_add_func ("/waiting/sim/one-desk", test_sim_one_desk);
  g_test_add_func ("/waiting/sim/two-desks", test_sim_two_desks);
  g_test_add_func ("/waiting/sim/day", test_sim_day);

  return g_test_run ();
}
