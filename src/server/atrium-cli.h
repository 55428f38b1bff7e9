/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What every command of atrium-server shares (DESIGN.md §8): exit 0 on success, 1 on a
 * user error with one clear line on stderr, 2 on usage. */
enum
{
  ATRIUM_CLI_OK    = 0,
  ATRIUM_CLI_ERROR = 1,
  ATRIUM_CLI_USAGE = 2,
};

int atrium_cli_fail  (const char     *format,
                      ...) G_GNUC_PRINTF (1, 2);
int atrium_cli_usage (GOptionContext *context,
                      const char     *message);

G_END_DECLS
