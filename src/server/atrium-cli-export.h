/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* atrium-server export --data-dir DIR --table T --format csv|xlsx --out FILE
 * [--from TIME] [--to TIME] (DESIGN.md §8). Exit 0, 1 or 2. */
int atrium_cli_export (int    argc,
                       char **argv);

G_END_DECLS
