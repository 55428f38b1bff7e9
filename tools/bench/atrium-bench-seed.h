/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BENCH_SEED_MAX_SPACES 50

/* A server configuration whose throttles do not stop a benchmark's sensors: the largest
 * values atrium-config.c accepts, and sensor clocks trusted a day off. */
#define BENCH_SENSOR_CONFIG \
  "[limits]\n"                                  \
  "requests_per_minute_per_ip = 1000000\n"      \
  "requests_per_minute_per_account = 1000000\n" \
  "max_connections_per_ip = 100000\n"           \
  "max_connections = 100000\n"                  \
  "[occupancy]\n"                               \
  "sensor_max_skew_seconds = 86400\n"

/* An institution for the benchmarks, written straight into a fresh store: one site open
 * all day every day (UTC), N reading rooms of capacity 100,000 with a counting sensor
 * each, and a kiosk registered at the site. */
typedef struct
{
  guint   n_spaces;
  gint64  site;
  char   *kiosk;                              /* the kiosk's device token */
  char   *keys[BENCH_SEED_MAX_SPACES];        /* each sensor's token */
  gint64  sensors[BENCH_SEED_MAX_SPACES];
  gint64  spaces[BENCH_SEED_MAX_SPACES];
} BenchSeed;

gboolean bench_seed_store (const char  *data_dir,
                           guint        n_spaces,
                           BenchSeed   *seed,
                           GError     **error);
void     bench_seed_clear (BenchSeed   *seed);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BenchSeed, bench_seed_clear)

G_END_DECLS
