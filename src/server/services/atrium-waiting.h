/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Expected waiting time at a queue, from the counts its sensor posts. Pure functions of
 * their arguments (GLib only, no clock, no I/O), safe from any thread.
 *
 * The estimate for someone joining now is
 *
 *     wait = (queue_length + 1) × busy_seconds / (busy_served + 1)
 *
 * busy_served / busy_seconds is the service rate of all servers together, measured only
 * over intervals that began with someone waiting. Then every server was busy, so the
 * rate is the capacity; intervals that began with an empty queue measure how many came,
 * not how fast they could be served (an idle desk serves one an hour because one came).
 * A busy interval that ends with the queue empty counts only up to its last service,
 * on average out / (out + 1) of it: after that the servers were no longer all busy.
 * A newcomer waits for everyone ahead and then for a server to free up: queue_length + 1
 * services, hence the + 1. Dividing by busy_served + 1 rather than busy_served removes
 * most of the bias of an inverse: for a Poisson count S over a time T, T / S overstates
 * the mean time between services by about 1/S, T / (S + 1) is within e^(−rT) of it.
 *
 * The rate looks back at least window_seconds and, when fewer than target_served were
 * served during busy time there, further back interval by interval (never beyond
 * max_window_seconds): a slow desk serves too few in 15 minutes for a steady rate, and a
 * rate taken only from the minutes that built the present queue is biased towards the
 * slow services that built it. A busy desk reaches the target within the window, so its
 * estimate follows a change of staff within that window.
 *
 * No estimate (TOO_THIN) when: the sensor's history does not reach back to the start of
 * the window; fewer than min_served were served during busy time in the whole lookback
 * (also when nobody was served while people waited). STALE when the newest post is older
 * than max_silence_seconds: the length itself can no longer be trusted. An empty queue is
 * EMPTY (0 s) even on thin data: nobody is ahead.
 */

/**
 * AtriumQueueSample:
 * @ts: unix seconds, the end of the interval the counts cover; the interval starts at
 *   the previous sample's @ts
 * @in: people who joined the queue during the interval
 * @out: people who left the queue for a server during the interval
 *
 * One sensor post. Samples with the same @ts are added together.
 */
typedef struct
{
  gint64 ts;
  guint  in;
  guint  out;
} AtriumQueueSample;

/**
 * AtriumWaitParams:
 * @window_seconds: the shortest lookback; the history must reach back this far.
 *   0: 900
 * @max_window_seconds: the longest lookback (at least @window_seconds). 0: 7200
 * @target_served: the lookback grows past @window_seconds until this many were served
 *   during busy time. 0: 20
 * @min_served: fewer served during busy time in the lookback: no estimate. 0: 5
 * @max_silence_seconds: the newest post older than this: STALE; an interval longer than
 *   this (the sensor was silent) does not count as busy time. 0: 180
 *
 * A field left at 0 takes its default, so `{ 0 }` or %NULL means all defaults.
 */
typedef struct
{
  guint window_seconds;
  guint max_window_seconds;
  guint target_served;
  guint min_served;
  guint max_silence_seconds;
} AtriumWaitParams;

/**
 * AtriumWaitStatus:
 * @ATRIUM_WAIT_OK: an estimate in *wait_seconds
 * @ATRIUM_WAIT_EMPTY: nobody is waiting: 0 s
 * @ATRIUM_WAIT_TOO_THIN: people are waiting but the data cannot give a rate; no estimate
 * @ATRIUM_WAIT_STALE: the sensor has not posted lately (or never); no estimate
 */
typedef enum
{
  ATRIUM_WAIT_OK,
  ATRIUM_WAIT_EMPTY,
  ATRIUM_WAIT_TOO_THIN,
  ATRIUM_WAIT_STALE,
} AtriumWaitStatus;

/**
 * AtriumWaitTotals:
 * @n_samples: samples seen (after merging equal stamps); 0 and the rest is unset
 * @first_ts: the oldest sample's stamp
 * @last_ts: the newest sample's stamp
 * @busy_seconds: the length of the busy intervals in the lookback
 * @busy_served: @out summed over those intervals
 * @lookback_seconds: how far back from now the lookback went
 * @window_joined: @in summed over the samples stamped in the last @window_seconds
 * @window_served: @out summed over the same samples
 *
 * What the estimate is made of. An interval is busy when the queue length before it
 * (the length now, minus the @in and plus the @out of it and every later sample, never
 * below 0) is above 0, and it lasted at most @max_silence_seconds. It adds its length to
 * @busy_seconds, or, when the length after it is 0, its length × out / (out + 1).
 *
 * With @max_window_seconds equal to @window_seconds, the busy sums are plain sums over
 * the rows of the window that a store can compute in one query: the length after a row
 * is a running sum (SUM (in - out) over the rows since the reset, ordered by stamp), the
 * length before it that less its own in - out, its interval the stamp less the previous
 * row's (LAG). This equals the walk back from the length now as long as the counts never
 * take the length below 0. Otherwise pass the rows (about 135 at one a minute).
 */
typedef struct
{
  guint  n_samples;
  gint64 first_ts;
  gint64 last_ts;
  double busy_seconds;
  guint  busy_served;
  guint  lookback_seconds;
  guint  window_joined;
  guint  window_served;
} AtriumWaitTotals;

void             atrium_wait_params_resolve       (const AtriumWaitParams  *params,
                                                   AtriumWaitParams        *resolved);

void             atrium_wait_totals_compute       (const AtriumWaitParams  *params,
                                                   const AtriumQueueSample *samples,
                                                   guint                    n_samples,
                                                   gint64                   now,
                                                   guint                    queue_length,
                                                   AtriumWaitTotals        *totals);

AtriumWaitStatus atrium_wait_estimate_from_totals (const AtriumWaitParams  *params,
                                                   const AtriumWaitTotals  *totals,
                                                   gint64                   now,
                                                   guint                    queue_length,
                                                   double                  *wait_seconds);

AtriumWaitStatus atrium_wait_estimate             (const AtriumWaitParams  *params,
                                                   const AtriumQueueSample *samples,
                                                   guint                    n_samples,
                                                   gint64                   now,
                                                   guint                    queue_length,
                                                   double                  *wait_seconds);

const char      *atrium_wait_status_to_string     (AtriumWaitStatus         status);

G_END_DECLS
