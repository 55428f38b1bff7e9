/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-cli.h"

#include <stdio.h>

/* One line on stderr; returns the exit status of a user error. */
int
atrium_cli_fail (const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  fprintf (stderr, "atrium-server: %s\n", message);
  return ATRIUM_CLI_ERROR;
}

/* The problem, then the command's help; returns the exit status of a usage error. */
int
atrium_cli_usage (GOptionContext *context,
                  const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  fprintf (stderr, "atrium-server: %s\n\n%s", message, help);
  return ATRIUM_CLI_USAGE;
}
