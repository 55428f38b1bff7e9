/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"
#include "atrium-password.h"
#include "atrium-seal.h"
#include "atrium-sites.h"

G_BEGIN_DECLS

/* The demo institution (`atrium-server demo`, `atrium --demo`) and the traffic model
 * that both its history and `serve --simulate-sensors` follow. */

#define ATRIUM_DEMO_SENSOR_PREFIX "Simulated sensor"

/* The share of a space's capacity in use at @now, 0 … 1.2, for a library day: a morning
 * rise, a lunch dip, an afternoon peak and an evening fall; Saturdays about half;
 * exam periods (December, January, May) busier. 0 when the site is closed. @profile
 * (0 … 1) shifts the curve a little so that spaces differ. */
double   atrium_demo_expected_share (const AtriumSite  *site,
                                     gint64             now,
                                     double             profile);
gboolean atrium_demo_is_exam_period (GDateTime         *local);

/* Loads sites, spaces, queues, resources, one account of each role, a kiosk, a sensor
 * per space and queue, and eight weeks of statistics, in one transaction. Appends what
 * must be shown once (passwords, second factors, the kiosk token) to @report. */
gboolean atrium_demo_load           (AtriumDb                   *writer,
                                     const guint8                secrets_key[ATRIUM_SEAL_KEY_LEN],
                                     const AtriumPasswordParams *params,
                                     gint64                      now,
                                     GString                    *report,
                                     GError                    **error);

G_END_DECLS
