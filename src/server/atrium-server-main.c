/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "atrium-cli.h"
#include "atrium-cli-backup.h"
#include "atrium-cli-export.h"
#include "atrium-cli-sites.h"
#include "atrium-cli-users.h"
#include "atrium-data-dir.h"
#include "atrium-key-file.h"
#include "atrium-serve.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-audit.h"

/* Exit statuses of every command (DESIGN.md §8). */
#define EXIT_OK    ATRIUM_CLI_OK
#define EXIT_ERROR ATRIUM_CLI_ERROR
#define EXIT_USAGE ATRIUM_CLI_USAGE

typedef struct
{
  const char *name;
  const char *summary;
  int       (*run) (int argc, char **argv);
} Command;

/* Parses a subcommand's options; anything left over is a usage error. */
static gboolean
parse_options (GOptionContext  *context,
               int             *argc,
               char          ***argv,
               int             *status)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *status = atrium_cli_usage (context, error->message);
      return FALSE;
    }
  if (*argc > 1)
    {
      g_autofree char *message = g_strdup_printf ("unexpected argument '%s'", (*argv)[1]);

      *status = atrium_cli_usage (context, message);
      return FALSE;
    }
  return TRUE;
}

static int
cmd_init (int    argc,
          char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  AtriumDataDirState state;
  int version = 0;
  int status = EXIT_OK;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Directory for the store and its key (created 0700)", "DIR" },
    { NULL }
  };

  context = g_option_context_new ("— create the data directory, its key and the store");
  g_option_context_set_help_enabled (context, TRUE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv, &status))
    return status;
  if (data_dir == NULL || *data_dir == '\0')
    return atrium_cli_usage (context, "--data-dir is required");

  if (!atrium_data_dir_init (data_dir, &state, &version, &error))
    {
      fprintf (stderr, "atrium-server: %s\n", error->message);
      return EXIT_ERROR;
    }

  switch (state)
    {
    case ATRIUM_DATA_DIR_CREATED:
      {
        /* The store's key may be a systemd credential rather than a file of the data
         * directory (LoadCredential=atrium.key:…): name the one in use. */
        g_autofree char *key = atrium_key_file_path (data_dir, "atrium.key");

        printf ("Created the Atrium store in %s (schema version %d).\n"
                "Its key is %s: back it up apart from the data; "
                "without it the store cannot be read.\n"
                "Backups are encrypted with %s/backup.key: keep a copy of it apart from "
                "the backups; without it they cannot be restored.\n", data_dir, version, key,
                data_dir);
      }
      break;
    case ATRIUM_DATA_DIR_MIGRATED:
      printf ("The store in %s exists; upgraded it to schema version %d.\n",
              data_dir, version);
      break;
    case ATRIUM_DATA_DIR_UNCHANGED:
    default:
      printf ("The store in %s exists and is up to date (schema version %d); "
              "nothing to do.\n", data_dir, version);
      break;
    }
  return EXIT_OK;
}

static int
cmd_serve (int    argc,
           char **argv)
{
  AtriumServeOptions options = { NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) given = g_strdupv (argv);
  int status = EXIT_OK;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &options.data_dir,
      "Directory of the store (see init)", "DIR" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &options.config_file,
      "Configuration file (see server.conf.example)", "FILE" },
    { "https", 0, 0, G_OPTION_ARG_STRING, &options.https,
      "Serve the API over HTTPS on this address", "ADDR:PORT" },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &options.cert,
      "Certificate chain (PEM) for --https", "PEM" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &options.key,
      "Private key (PEM) for --https", "PEM" },
    { "http", 0, 0, G_OPTION_ARG_STRING, &options.http,
      "Plain HTTP that only redirects to https", "ADDR:PORT" },
    { "unix", 0, 0, G_OPTION_ARG_FILENAME, &options.unix_path,
      "Serve the API on a Unix socket (made 0600)", "PATH" },
    { "insecure-http", 0, 0, G_OPTION_ARG_STRING, &options.insecure_http,
      "Serve the API over plain HTTP on loopback, for tests and benchmarks", "127.0.0.1:PORT" },
    { "simulate-sensors", 0, 0, G_OPTION_ARG_NONE, &options.simulate_sensors,
      "Feed plausible traffic through the sensor API (demos)", NULL },
    { "workers", 0, 0, G_OPTION_ARG_INT, &options.workers,
      "HTTP processes sharing the port (default: [server] processes)", "N" },
    { "worker-index", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &options.worker_index,
      NULL, NULL },
    { NULL }
  };

  options.worker_index = -1;
  options.argv = given;
  context = g_option_context_new ("— run the server");
  g_option_context_add_main_entries (context, entries, NULL);
  if (parse_options (context, &argc, &argv, &status))
    {
      if (options.data_dir == NULL || *options.data_dir == '\0')
        status = atrium_cli_usage (context, "--data-dir is required");
      else if (options.workers < 0 || options.workers > 64)
        status = atrium_cli_usage (context, "--workers: 1 to 64");
      else
        status = atrium_serve_run (&options);
    }

  g_free (options.data_dir);
  g_free (options.config_file);
  g_free (options.https);
  g_free (options.cert);
  g_free (options.key);
  g_free (options.http);
  g_free (options.unix_path);
  g_free (options.insecure_http);
  return status;
}

/* `audit verify`: the sub-word comes first, then the options. */
static int
cmd_audit (int    argc,
           char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(GError) error = NULL;
  gint64 n_rows = 0;
  gint64 first_bad = 0;
  int status = EXIT_OK;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Directory of the store (see init)", "DIR" },
    { NULL }
  };

  context = g_option_context_new ("— check that the audit trail's hash chain is intact");
  g_option_context_add_main_entries (context, entries, NULL);
  if (g_get_prgname () == NULL)
    g_set_prgname ("atrium-server audit verify");

  if (argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    return parse_options (context, &argc, &argv, &status) ? EXIT_OK : status;
  if (argc < 2)
    return atrium_cli_usage (context, "audit needs a subcommand: verify");
  if (strcmp (argv[1], "verify") != 0)
    {
      g_autofree char *message = g_strdup_printf ("unknown audit subcommand '%s'", argv[1]);

      return atrium_cli_usage (context, message);
    }

  /* The options of `verify` follow the sub-word, which stands in for argv[0]. */
  argc--;
  argv++;
  if (!parse_options (context, &argc, &argv, &status))
    return status;
  if (data_dir == NULL || *data_dir == '\0')
    return atrium_cli_usage (context, "--data-dir is required");

  db = atrium_store_open (data_dir, FALSE, NULL, &error);
  if (db == NULL)
    {
      fprintf (stderr, "atrium-server: %s\n", error->message);
      return EXIT_ERROR;
    }
  if (!atrium_store_audit_verify (db, &n_rows, &first_bad, &error))
    {
      if (first_bad > 0)
        fprintf (stderr, "atrium-server: the audit trail is broken at entry #%" G_GINT64_FORMAT
                 " (of %" G_GINT64_FORMAT ")\n", first_bad, n_rows);
      else
        fprintf (stderr, "atrium-server: %s\n", error->message);
      return EXIT_ERROR;
    }
  printf ("Audit trail intact: %" G_GINT64_FORMAT " %s.\n", n_rows,
          n_rows == 1 ? "entry" : "entries");
  return EXIT_OK;
}

static const Command commands[] = {
  { "init", "Create the data directory, its key file and the store", cmd_init },
  { "serve", "Run the server", cmd_serve },
  { "useradd", "Create an account (password on standard input)", atrium_cli_useradd },
  { "passwd", "Set an account's password (on standard input)", atrium_cli_passwd },
  { "userdel", "Delete an account", atrium_cli_userdel },
  { "kiosk-add", "Register a kiosk and print its device token", atrium_cli_kiosk_add },
  { "kiosk-revoke", "Revoke a kiosk's device token", atrium_cli_kiosk_revoke },
  { "sensor-add", "Register a people counter and print its key", atrium_cli_sensor_add },
  { "demo", "Load the demo institution; prints its accounts once", atrium_cli_demo },
  { "audit", "Check the audit trail (audit verify)", cmd_audit },
  { "export", "Write a table (occupancy, users, audit) as CSV or XLSX", atrium_cli_export },
  { "backup", "Back the store up now (encrypted with backup.key)", atrium_cli_backup },
  { "restore", "Restore the store from a backup (server stopped)", atrium_cli_restore },
};

static int
print_usage (FILE *out)
{
  fprintf (out, "Usage: atrium-server COMMAND [OPTION…]\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-13s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'atrium-server COMMAND --help' for a command's options.\n");
  return out == stdout ? EXIT_OK : EXIT_USAGE;
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  atrium_crypto_init ();

  if (argc < 2)
    return print_usage (stderr);
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    return print_usage (stdout);
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("atrium-server %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, "atrium-server: unknown command '%s'\n\n", argv[1]);
  return print_usage (stderr);
}
