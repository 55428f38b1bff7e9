/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-server.h"

G_BEGIN_DECLS

/* `serve --simulate-sensors`: a sensor for every space and queue, posting plausible
 * counts (atrium_demo_expected_share()) through the server's own sensor API, as real
 * counters would, every @interval_seconds. Each sensor gets a fresh key kept only in
 * memory. Call after the server listens. */
typedef struct _AtriumSimulator AtriumSimulator;

/* @minutes_per_post: the traffic each post carries; 0 for the real interval (tests
 * speed a day up). */
AtriumSimulator *atrium_simulator_start (AtriumServer     *server,
                                         guint             interval_seconds,
                                         double            minutes_per_post,
                                         GError          **error);
void             atrium_simulator_stop  (AtriumSimulator  *self);
guint64          atrium_simulator_get_posts (AtriumSimulator *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumSimulator, atrium_simulator_stop)

G_END_DECLS
