/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* atrium-server backup --data-dir DIR --to DIR [--incremental]
 * atrium-server restore --data-dir DIR --from FILE [--until TIME]
 * (DESIGN.md §8). Exit 0, 1 or 2. */
int atrium_cli_backup  (int    argc,
                        char **argv);
int atrium_cli_restore (int    argc,
                        char **argv);

G_END_DECLS
