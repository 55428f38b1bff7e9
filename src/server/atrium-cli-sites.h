/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* atrium-server sensor-add | demo (DESIGN.md §8). Exit 0, 1 or 2. */
int atrium_cli_sensor_add (int    argc,
                           char **argv);
int atrium_cli_demo       (int    argc,
                           char **argv);

G_END_DECLS
