/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A deterministic simulation of one service point: a FIFO queue in front of @servers
 * identical servers, Poisson arrivals whose rate may change over the day, and random
 * service times. It gives what a queue sensor would post and, for every person, the
 * time they really waited, so a test can compare an estimate with the truth.
 *
 * Times are unix seconds; a person's times are doubles, a post's stamp is whole.
 * "Waiting" means join → start of service; "out" in a post counts people who left the
 * queue for a server, which is what the server's queue length (Σin − Σout) assumes.
 * Arrivals and service times come from two GRand streams seeded from @seed, so changing
 * the service law keeps the same arrivals.
 */

/**
 * AtriumQueueSimRateFunc:
 * @t: unix seconds
 * @user_data: the config's rate_data
 *
 * Returns: the arrival rate at @t in people per hour, in [0, rate_max].
 */
typedef double (*AtriumQueueSimRateFunc) (double   t,
                                          gpointer user_data);

/**
 * AtriumQueueSimStep:
 * @from: unix seconds from which @per_hour holds (until the next step's @from)
 * @per_hour: arrivals per hour
 *
 * One step of a piecewise constant (or linear) rate; before the first step the rate is 0.
 */
typedef struct
{
  gint64 from;
  double per_hour;
} AtriumQueueSimStep;

/**
 * AtriumQueueSimTable:
 * @steps: (array length=n_steps): steps in increasing @from
 * @n_steps: how many
 * @linear: %FALSE: each rate holds until the next step; %TRUE: the rate goes linearly
 *   from one step's to the next's (and holds after the last)
 *
 * Data for atrium_queue_sim_table_rate().
 */
typedef struct
{
  const AtriumQueueSimStep *steps;
  guint                     n_steps;
  gboolean                  linear;
} AtriumQueueSimTable;

typedef enum
{
  ATRIUM_QUEUE_SIM_SERVICE_EXPONENTIAL,
  ATRIUM_QUEUE_SIM_SERVICE_ERLANG,
  ATRIUM_QUEUE_SIM_SERVICE_DETERMINISTIC,
} AtriumQueueSimService;

/**
 * AtriumQueueSimConfig:
 * @seed: the only source of randomness
 * @servers: how many serve at once, ≥ 1
 * @start: the sensor's first interval starts here (unix seconds)
 * @end: the last post is at or before @end; nobody joins after it, and those still in the
 *   queue are served after it so that everyone has a true wait
 * @interval: seconds between posts, ≥ 1
 * @rate_func: the arrival rate (people per hour) over time
 * @rate_data: passed to @rate_func
 * @rate_max: an upper bound of @rate_func over [@start, @end] (arrivals are thinned from
 *   a Poisson process of this rate)
 * @service: the law of service times
 * @mean_service: mean service time in seconds, > 0
 * @erlang_shape: the shape k of an Erlang law (coefficient of variation 1/√k)
 */
typedef struct
{
  guint32                seed;
  guint                  servers;
  gint64                 start;
  gint64                 end;
  guint                  interval;
  AtriumQueueSimRateFunc rate_func;
  gpointer               rate_data;
  double                 rate_max;
  AtriumQueueSimService  service;
  double                 mean_service;
  guint                  erlang_shape;
} AtriumQueueSimConfig;

/**
 * AtriumQueueSimPost:
 * @seq: 1 for the first post, then one more each post
 * @ts: the end of the interval (@start + @seq × @interval)
 * @in: joined the queue in (ts − interval, ts]
 * @out: left the queue for a server in (ts − interval, ts]
 */
typedef struct
{
  guint64 seq;
  gint64  ts;
  guint   in;
  guint   out;
} AtriumQueueSimPost;

/**
 * AtriumQueueSimPerson:
 * @join: when they joined the queue
 * @service_start: when a server took them (so they waited @service_start − @join)
 * @service_end: when they left the server
 */
typedef struct
{
  double join;
  double service_start;
  double service_end;
} AtriumQueueSimPerson;

typedef struct _AtriumQueueSim AtriumQueueSim;

AtriumQueueSim             *atrium_queue_sim_run          (const AtriumQueueSimConfig *config);
void                        atrium_queue_sim_free         (AtriumQueueSim             *sim);

const AtriumQueueSimPost   *atrium_queue_sim_get_posts    (AtriumQueueSim             *sim,
                                                           guint                      *n_posts);
const AtriumQueueSimPerson *atrium_queue_sim_get_people   (AtriumQueueSim             *sim,
                                                           guint                      *n_people);

guint                       atrium_queue_sim_length_at    (AtriumQueueSim             *sim,
                                                           double                      t);
gboolean                    atrium_queue_sim_true_wait    (AtriumQueueSim             *sim,
                                                           double                      from,
                                                           double                      span,
                                                           double                     *mean_wait,
                                                           guint                      *n_joined);

double                      atrium_queue_sim_table_rate   (double                      t,
                                                           gpointer                    table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumQueueSim, atrium_queue_sim_free)

G_END_DECLS
