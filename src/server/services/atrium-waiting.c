/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-waiting"

#include "config.h"

#include "atrium-waiting.h"

#include <stdlib.h>

#define DEFAULT_WINDOW_SECONDS      900
#define DEFAULT_MAX_WINDOW_SECONDS  7200
#define DEFAULT_TARGET_SERVED       20
#define DEFAULT_MIN_SERVED          5
#define DEFAULT_MAX_SILENCE_SECONDS 180

/**
 * atrium_wait_params_resolve:
 * @params: (nullable): what the caller set; %NULL for all defaults
 * @resolved: (out caller-allocates): @params with each 0 replaced by its default,
 *   @max_window_seconds raised to @window_seconds and @target_served to @min_served
 */
void
atrium_wait_params_resolve (const AtriumWaitParams *params,
                            AtriumWaitParams       *resolved)
{
  static const AtriumWaitParams none = { 0 };

  if (params == NULL)
    params = &none;

  resolved->window_seconds = params->window_seconds ? params->window_seconds
                                                    : DEFAULT_WINDOW_SECONDS;
  resolved->max_window_seconds = params->max_window_seconds ? params->max_window_seconds
                                                            : DEFAULT_MAX_WINDOW_SECONDS;
  resolved->target_served = params->target_served ? params->target_served
                                                  : DEFAULT_TARGET_SERVED;
  resolved->min_served = params->min_served ? params->min_served : DEFAULT_MIN_SERVED;
  resolved->max_silence_seconds = params->max_silence_seconds ? params->max_silence_seconds
                                                              : DEFAULT_MAX_SILENCE_SECONDS;

  resolved->max_window_seconds = MAX (resolved->max_window_seconds, resolved->window_seconds);
  resolved->target_served = MAX (resolved->target_served, resolved->min_served);
}

static int
compare_samples (const void *a,
                 const void *b)
{
  const AtriumQueueSample *x = a;
  const AtriumQueueSample *y = b;

  return (x->ts > y->ts) - (x->ts < y->ts);
}

static guint
add_saturated (guint a,
               guint b)
{
  return b > G_MAXUINT - a ? G_MAXUINT : a + b;
}

/* Sorted by stamp with equal stamps added together, so that neither the order of the
 * rows nor a split post changes anything. Returns how many remain. */
static guint
sort_and_merge (AtriumQueueSample *samples,
                guint              n_samples)
{
  guint n = 0;

  qsort (samples, n_samples, sizeof *samples, compare_samples);
  for (guint i = 0; i < n_samples; i++)
    {
      if (n > 0 && samples[n - 1].ts == samples[i].ts)
        {
          samples[n - 1].in = add_saturated (samples[n - 1].in, samples[i].in);
          samples[n - 1].out = add_saturated (samples[n - 1].out, samples[i].out);
        }
      else
        {
          samples[n++] = samples[i];
        }
    }
  return n;
}

/**
 * atrium_wait_totals_compute:
 * @params: (nullable): the parameters; %NULL for the defaults
 * @samples: (array length=n_samples): the queue's samples since its last reset, in any
 *   order; older rows than the lookback are allowed and ignored, but the newest row at or
 *   before the window's start should be there, as it is where the window's first
 *   interval starts
 * @n_samples: how many
 * @now: unix seconds
 * @queue_length: people waiting after the newest sample (Σin − Σout since the reset)
 * @totals: (out caller-allocates): the sums of #AtriumWaitTotals
 *
 * The first half of atrium_wait_estimate(), for a caller that keeps the totals.
 */
void
atrium_wait_totals_compute (const AtriumWaitParams  *params,
                            const AtriumQueueSample *samples,
                            guint                    n_samples,
                            gint64                   now,
                            guint                    queue_length,
                            AtriumWaitTotals        *totals)
{
  g_autofree AtriumQueueSample *sorted = NULL;
  AtriumWaitParams p;
  gint64 window_start;
  gint64 max_window_start;
  gint64 after;
  guint n;

  g_return_if_fail (samples != NULL || n_samples == 0);
  g_return_if_fail (totals != NULL);

  atrium_wait_params_resolve (params, &p);
  *totals = (AtriumWaitTotals) { 0 };
  if (n_samples == 0)
    return;

  sorted = g_memdup2 (samples, sizeof *samples * n_samples);
  n = sort_and_merge (sorted, n_samples);
  window_start = now - p.window_seconds;
  max_window_start = now - p.max_window_seconds;

  totals->n_samples = n;
  totals->first_ts = sorted[0].ts;
  totals->last_ts = sorted[n - 1].ts;

  for (guint i = 0; i < n; i++)
    {
      if (sorted[i].ts > window_start)
        {
          totals->window_joined = add_saturated (totals->window_joined, sorted[i].in);
          totals->window_served = add_saturated (totals->window_served, sorted[i].out);
        }
    }

  /* Newest first: the length before a sample is the length after it, less who joined
   * and plus who left during it. A count that would make it negative (a sensor that
   * missed someone) is taken as an empty queue. */
  after = queue_length;
  for (guint i = n - 1; i > 0; i--)
    {
      const AtriumQueueSample *sample = &sorted[i];
      gint64 start = sorted[i - 1].ts;
      gint64 duration = sample->ts - start;
      gint64 before = MAX (after - (gint64) sample->in + (gint64) sample->out, 0);

      if (sample->ts <= window_start &&
          (totals->busy_served >= p.target_served || start < max_window_start))
        break;

      if (before > 0 && duration <= p.max_silence_seconds)
        {
          /* Emptied by its end: the desk was saturated only until the last of the out
           * services, which on average falls at out / (out + 1) of the interval (the
           * last of out uniform points). The rest of it was idle capacity. */
          if (after == 0)
            totals->busy_seconds += (double) duration * sample->out / (sample->out + 1.0);
          else
            totals->busy_seconds += (double) duration;
          totals->busy_served = add_saturated (totals->busy_served, sample->out);
        }
      totals->lookback_seconds = (guint) CLAMP (now - start, 0, G_MAXUINT);
      after = before;
    }
}

/**
 * atrium_wait_estimate_from_totals:
 * @params: (nullable): the parameters the totals were computed with; %NULL for the
 *   defaults
 * @totals: from atrium_wait_totals_compute() or an equivalent query
 * @now: unix seconds
 * @queue_length: people waiting now
 * @wait_seconds: (out) (optional): the expected wait of someone joining now; 0 unless
 *   the answer is %ATRIUM_WAIT_OK
 *
 * The second half of atrium_wait_estimate(): the rules of this file's top comment.
 *
 * Returns: whether there is an estimate, and if not why
 */
AtriumWaitStatus
atrium_wait_estimate_from_totals (const AtriumWaitParams *params,
                                  const AtriumWaitTotals *totals,
                                  gint64                  now,
                                  guint                   queue_length,
                                  double                 *wait_seconds)
{
  AtriumWaitParams p;
  double seconds_per_service;

  g_return_val_if_fail (totals != NULL, ATRIUM_WAIT_STALE);

  atrium_wait_params_resolve (params, &p);
  if (wait_seconds != NULL)
    *wait_seconds = 0;

  if (totals->n_samples == 0 || now - totals->last_ts > (gint64) p.max_silence_seconds)
    return ATRIUM_WAIT_STALE;
  if (queue_length == 0)
    return ATRIUM_WAIT_EMPTY;
  /* The history may start up to max_silence late: the caller may not have passed the
   * row before the window, or the sensor missed a post. */
  if (totals->first_ts > now - (gint64) p.window_seconds + (gint64) p.max_silence_seconds)
    return ATRIUM_WAIT_TOO_THIN;
  if (totals->busy_served < p.min_served || totals->busy_seconds <= 0)
    return ATRIUM_WAIT_TOO_THIN;

  seconds_per_service = totals->busy_seconds / ((double) totals->busy_served + 1);
  if (wait_seconds != NULL)
    *wait_seconds = ((double) queue_length + 1) * seconds_per_service;
  return ATRIUM_WAIT_OK;
}

/**
 * atrium_wait_estimate:
 * @params: (nullable): the parameters; %NULL for the defaults
 * @samples: (array length=n_samples): as for atrium_wait_totals_compute()
 * @n_samples: how many
 * @now: unix seconds
 * @queue_length: people waiting after the newest sample (Σin − Σout since the reset)
 * @wait_seconds: (out) (optional): the expected wait of someone joining now; 0 unless
 *   the answer is %ATRIUM_WAIT_OK
 *
 * Returns: whether there is an estimate, and if not why
 */
AtriumWaitStatus
atrium_wait_estimate (const AtriumWaitParams  *params,
                      const AtriumQueueSample *samples,
                      guint                    n_samples,
                      gint64                   now,
                      guint                    queue_length,
                      double                  *wait_seconds)
{
  AtriumWaitTotals totals;

  atrium_wait_totals_compute (params, samples, n_samples, now, queue_length, &totals);
  return atrium_wait_estimate_from_totals (params, &totals, now, queue_length, wait_seconds);
}

/**
 * atrium_wait_status_to_string:
 * @status: a status
 *
 * Returns: a stable lower-case name for logs and the API ("ok", "empty", "too_thin",
 *   "stale")
 */
const char *
atrium_wait_status_to_string (AtriumWaitStatus status)
{
  switch (status)
    {
    case ATRIUM_WAIT_OK:
      return "ok";
    case ATRIUM_WAIT_EMPTY:
      return "empty";
    case ATRIUM_WAIT_TOO_THIN:
      return "too_thin";
    case ATRIUM_WAIT_STALE:
      return "stale";
    default:
      return "unknown";
    }
}
