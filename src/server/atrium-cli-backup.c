/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-cli-backup.h"

#include <stdio.h>

#include "atrium-backup.h"
#include "atrium-cli.h"
#include "atrium-clock.h"

int
atrium_cli_backup (int    argc,
                   char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *to_dir = NULL;
  g_autofree char *made = NULL;
  gboolean incremental = FALSE;
  g_autoptr(GOptionContext) context = g_option_context_new ("— back the store up now");
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Directory of the store", "DIR" },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to_dir,
      "Directory of the backups (created 0700)", "DIR" },
    { "incremental", 0, 0, G_OPTION_ARG_NONE, &incremental,
      "Only the changes since the newest full backup in --to", NULL },
    { NULL }
  };

  g_option_context_set_summary (context,
                                "Backups are encrypted with DIR/backup.key (made on the first "
                                "backup), not the store's key: keep a copy of it apart from "
                                "the backups, they cannot be restored without it.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return atrium_cli_usage (context, error->message);
  if (argc != 1)
    return atrium_cli_usage (context, "unexpected argument");
  if (data_dir == NULL || *data_dir == '\0' || to_dir == NULL || *to_dir == '\0')
    return atrium_cli_usage (context, "--data-dir and --to are required");

  made = atrium_backup_make (data_dir, to_dir, incremental, g_get_real_time (), &error);
  if (made == NULL)
    return atrium_cli_fail ("%s", error->message);
  printf ("Backed up to %s.\n", made);
  return ATRIUM_CLI_OK;
}

int
atrium_cli_restore (int    argc,
                    char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *from = NULL;
  g_autofree char *until_text = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("— restore the store from a backup");
  g_autoptr(GError) error = NULL;
  gint64 until = G_MAXINT64;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Directory of the store (the server stopped)", "DIR" },
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &from,
      "A full or an incremental backup (its full one beside it)", "FILE" },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until_text,
      "The state at this RFC 3339 time (default: all the backup holds)", "TIME" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return atrium_cli_usage (context, error->message);
  if (argc != 1)
    return atrium_cli_usage (context, "unexpected argument");
  if (data_dir == NULL || *data_dir == '\0' || from == NULL || *from == '\0')
    return atrium_cli_usage (context, "--data-dir and --from are required");
  if (until_text != NULL && !atrium_time_parse_iso8601 (until_text, &until, NULL))
    return atrium_cli_usage (context, "--until: a time with its offset, such as "
                                      "2026-11-24T09:30:00Z");

  if (!atrium_backup_restore (data_dir, from, until, &summary, &error))
    return atrium_cli_fail ("%s", error->message);
  printf ("Restored %s/atrium.db to %s.\n", data_dir, summary);
  return ATRIUM_CLI_OK;
}
