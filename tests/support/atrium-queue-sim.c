/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-queue-sim"

#include "config.h"

#include "atrium-queue-sim.h"

#include <math.h>

struct _AtriumQueueSim
{
  GArray *people;   /* AtriumQueueSimPerson, in join order, hence in service-start order */
  GArray *posts;    /* AtriumQueueSimPost */
};

static double
draw_exponential (GRand  *rand,
                  double  mean)
{
  /* g_rand_double () is in [0, 1), so the logarithm's argument is in (0, 1]. */
  return -mean * log (1.0 - g_rand_double (rand));
}

static double
draw_service (const AtriumQueueSimConfig *config,
              GRand                      *rand)
{
  double sum = 0;
  guint shape;

  switch (config->service)
    {
    case ATRIUM_QUEUE_SIM_SERVICE_DETERMINISTIC:
      return config->mean_service;
    case ATRIUM_QUEUE_SIM_SERVICE_ERLANG:
      shape = MAX (config->erlang_shape, 1);
      for (guint i = 0; i < shape; i++)
        sum += draw_exponential (rand, config->mean_service / shape);
      return sum;
    case ATRIUM_QUEUE_SIM_SERVICE_EXPONENTIAL:
    default:
      return draw_exponential (rand, config->mean_service);
    }
}

/* Arrivals of a Poisson process whose rate changes over time, by thinning one of rate
 * rate_max: each candidate is kept with probability rate(t) / rate_max. */
static void
generate_arrivals (const AtriumQueueSimConfig *config,
                   GRand                      *rand,
                   GArray                     *people)
{
  double t = config->start;
  double mean_gap = 3600.0 / config->rate_max;

  for (;;)
    {
      double rate;

      t += draw_exponential (rand, mean_gap);
      if (t > config->end)
        break;
      rate = config->rate_func (t, config->rate_data);
      g_assert (rate >= 0 && rate <= config->rate_max);
      if (g_rand_double (rand) * config->rate_max < rate)
        {
          AtriumQueueSimPerson person = { .join = t };
          g_array_append_val (people, person);
        }
    }
}

/* FIFO with identical servers: the next in line takes whichever server frees first, so
 * each start is max(join, earliest free time). This is exact for a FIFO queue and makes
 * the starts non-decreasing in join order. */
static void
serve (const AtriumQueueSimConfig *config,
       GRand                      *rand,
       GArray                     *people)
{
  g_autofree double *free_at = g_new (double, config->servers);

  for (guint s = 0; s < config->servers; s++)
    free_at[s] = config->start;

  for (guint i = 0; i < people->len; i++)
    {
      AtriumQueueSimPerson *person = &g_array_index (people, AtriumQueueSimPerson, i);
      guint first = 0;

      for (guint s = 1; s < config->servers; s++)
        if (free_at[s] < free_at[first])
          first = s;

      person->service_start = MAX (person->join, free_at[first]);
      person->service_end = person->service_start + draw_service (config, rand);
      free_at[first] = person->service_end;
    }
}

static void
make_posts (const AtriumQueueSimConfig *config,
            GArray                     *people,
            GArray                     *posts)
{
  guint next_join = 0;
  guint next_start = 0;

  for (guint64 seq = 1; config->start + (gint64) (seq * config->interval) <= config->end; seq++)
    {
      AtriumQueueSimPost post = {
        .seq = seq,
        .ts = config->start + (gint64) (seq * config->interval),
      };

      while (next_join < people->len &&
             g_array_index (people, AtriumQueueSimPerson, next_join).join <= post.ts)
        {
          post.in++;
          next_join++;
        }
      while (next_start < people->len &&
             g_array_index (people, AtriumQueueSimPerson, next_start).service_start <= post.ts)
        {
          post.out++;
          next_start++;
        }
      g_array_append_val (posts, post);
    }
}

/**
 * atrium_queue_sim_run:
 * @config: what to simulate
 *
 * Runs the whole day at once; the same @config always gives the same result.
 *
 * Returns: (transfer full): the simulated day
 */
AtriumQueueSim *
atrium_queue_sim_run (const AtriumQueueSimConfig *config)
{
  guint32 arrival_seed[] = { config->seed, 1 };
  guint32 service_seed[] = { config->seed, 2 };
  g_autoptr(GRand) arrival_rand = g_rand_new_with_seed_array (arrival_seed, 2);
  g_autoptr(GRand) service_rand = g_rand_new_with_seed_array (service_seed, 2);
  AtriumQueueSim *sim;

  g_return_val_if_fail (config->servers >= 1, NULL);
  g_return_val_if_fail (config->interval >= 1, NULL);
  g_return_val_if_fail (config->end > config->start, NULL);
  g_return_val_if_fail (config->rate_func != NULL && config->rate_max > 0, NULL);
  g_return_val_if_fail (config->mean_service > 0, NULL);

  sim = g_new0 (AtriumQueueSim, 1);
  sim->people = g_array_new (FALSE, FALSE, sizeof (AtriumQueueSimPerson));
  sim->posts = g_array_new (FALSE, FALSE, sizeof (AtriumQueueSimPost));

  generate_arrivals (config, arrival_rand, sim->people);
  serve (config, service_rand, sim->people);
  make_posts (config, sim->people, sim->posts);

  return sim;
}

void
atrium_queue_sim_free (AtriumQueueSim *sim)
{
  if (sim == NULL)
    return;
  g_array_unref (sim->people);
  g_array_unref (sim->posts);
  g_free (sim);
}

const AtriumQueueSimPost *
atrium_queue_sim_get_posts (AtriumQueueSim *sim,
                            guint          *n_posts)
{
  *n_posts = sim->posts->len;
  return (const AtriumQueueSimPost *) sim->posts->data;
}

const AtriumQueueSimPerson *
atrium_queue_sim_get_people (AtriumQueueSim *sim,
                             guint          *n_people)
{
  *n_people = sim->people->len;
  return (const AtriumQueueSimPerson *) sim->people->data;
}

/* How many people have their join (or, with @by_start, their service start) ≤ @t; both
 * are sorted in the array. */
static guint
count_up_to (AtriumQueueSim *sim,
             double          t,
             gboolean        by_start,
             gboolean        inclusive)
{
  guint lo = 0;
  guint hi = sim->people->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const AtriumQueueSimPerson *person = &g_array_index (sim->people,
                                                           AtriumQueueSimPerson, mid);
      double value = by_start ? person->service_start : person->join;

      if (inclusive ? value <= t : value < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/**
 * atrium_queue_sim_length_at:
 * @sim: a simulated day
 * @t: unix seconds
 *
 * Returns: how many were waiting (joined, not yet taken by a server) at @t; at a post's
 *   @ts this is Σin − Σout of the posts up to and including it
 */
guint
atrium_queue_sim_length_at (AtriumQueueSim *sim,
                            double          t)
{
  return count_up_to (sim, t, FALSE, TRUE) - count_up_to (sim, t, TRUE, TRUE);
}

/**
 * atrium_queue_sim_true_wait:
 * @sim: a simulated day
 * @from: unix seconds
 * @span: seconds
 * @mean_wait: (out): the mean of (service start − join) over those who joined in
 *   [@from, @from + @span)
 * @n_joined: (out) (optional): how many joined then
 *
 * The truth an estimate published at @from should be compared with: what those who
 * joined just after it really waited.
 *
 * Returns: %FALSE, and leaves @mean_wait alone, when nobody joined in that span
 */
gboolean
atrium_queue_sim_true_wait (AtriumQueueSim *sim,
                            double          from,
                            double          span,
                            double         *mean_wait,
                            guint          *n_joined)
{
  guint first = count_up_to (sim, from, FALSE, FALSE);
  guint last = count_up_to (sim, from + span, FALSE, FALSE);
  double sum = 0;

  if (n_joined != NULL)
    *n_joined = last - first;
  if (last == first)
    return FALSE;

  for (guint i = first; i < last; i++)
    {
      const AtriumQueueSimPerson *person = &g_array_index (sim->people,
                                                           AtriumQueueSimPerson, i);
      sum += person->service_start - person->join;
    }
  *mean_wait = sum / (last - first);
  return TRUE;
}

/**
 * atrium_queue_sim_table_rate:
 * @t: unix seconds
 * @table: an #AtriumQueueSimTable
 *
 * An #AtriumQueueSimRateFunc for a piecewise constant or linear rate.
 *
 * Returns: the rate at @t: 0 before the first step, the last step's after it
 */
double
atrium_queue_sim_table_rate (double   t,
                             gpointer table)
{
  const AtriumQueueSimTable *self = table;
  const AtriumQueueSimStep *a;
  const AtriumQueueSimStep *b;
  guint i = 0;

  while (i < self->n_steps && self->steps[i].from <= t)
    i++;
  if (i == 0)
    return 0;
  if (!self->linear || i == self->n_steps)
    return self->steps[i - 1].per_hour;

  a = &self->steps[i - 1];
  b = &self->steps[i];
  return a->per_hour + (t - a->from) / (double) (b->from - a->from) * (b->per_hour - a->per_hour);
}
