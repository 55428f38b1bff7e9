/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-cli-sites.h"

#include <stdio.h>
#include <string.h>

#include "atrium-auth.h"
#include "atrium-cli.h"
#include "atrium-clock.h"
#include "atrium-config.h"
#include "atrium-data-dir.h"
#include "atrium-demo.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-audit.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"
#include "atrium-totp.h"

static int
fail (const GError *error)
{
  return atrium_cli_fail ("%s", error->message);
}

static gboolean
parse_id (const char *text,
          gint64     *id)
{
  guint64 value = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL))
    return FALSE;
  *id = (gint64) value;
  return TRUE;
}

static void
audit (AtriumDb    *db,
       AtriumClock *clock,
       const char  *event,
       const char  *subject,
       const char  *detail)
{
  AtriumAuditEntry entry = { event, ATRIUM_AUDIT_SUCCESS, "cli", subject, NULL, NULL, detail };

  atrium_store_audit_append (db, clock, &entry, NULL);
}

/* sensor-add --data-dir DIR (--space ID | --queue ID): prints the sensor's id and its
 * key, once; only the key's hash is kept. */
int
atrium_cli_sensor_add (int    argc,
                       char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *space_text = NULL;
  g_autofree char *queue_text = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("— register a people counter");
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(AtriumClock) clock = atrium_clock_new_system ();
  g_autoptr(AtriumDirectory) directory = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *subject = NULL;
  gint64 space_id = 0, queue_id = 0, site_id = 0, device;
  const char *target = NULL;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Directory of the store", "DIR" },
    { "space", 0, 0, G_OPTION_ARG_STRING, &space_text, "The space it counts", "ID" },
    { "queue", 0, 0, G_OPTION_ARG_STRING, &queue_text, "The queue it counts", "ID" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "A name for the sensor", "NAME" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return atrium_cli_usage (context, error->message);
  if (argc != 1)
    return atrium_cli_usage (context, "unexpected argument");
  if (data_dir == NULL || (space_text == NULL) == (queue_text == NULL))
    return atrium_cli_usage (context, "--data-dir and one of --space or --queue are required");
  if ((space_text != NULL && !parse_id (space_text, &space_id)) ||
      (queue_text != NULL && !parse_id (queue_text, &queue_id)))
    return atrium_cli_usage (context, "the id must be a positive whole number");

  db = atrium_store_open (data_dir, FALSE, NULL, &error);
  directory = db != NULL ? atrium_store_directory_load (db, &error) : NULL;
  if (directory == NULL)
    return fail (error);
  if (!atrium_directory_find_target (directory, space_id, queue_id, &site_id, &target))
    return atrium_cli_fail ("there is no %s %" G_GINT64_FORMAT,
                            space_id != 0 ? "space" : "queue",
                            space_id != 0 ? space_id : queue_id);
  if (name == NULL)
    name = g_strdup_printf ("Counter of %s", target);

  token = atrium_random_base64url (32);
  hash = atrium_token_hash (token);
  if (!atrium_db_exec (db, "BEGIN IMMEDIATE;", &error))
    return fail (error);
  device = atrium_store_sensor_create (db, site_id, space_id, queue_id, name, hash,
                                       atrium_clock_now (clock), &error);
  if (device == 0)
    {
      atrium_db_exec (db, "ROLLBACK;", NULL);
      return fail (error);
    }
  subject = g_strdup_printf ("device:%" G_GINT64_FORMAT, device);
  audit (db, clock, "device_created", subject, "sensor");
  if (!atrium_db_exec (db, "COMMIT;", &error))
    return fail (error);
  printf ("Sensor %" G_GINT64_FORMAT " registered for %s %" G_GINT64_FORMAT ".\n"
          "Its key (shown once; the sensor sends it as \"Authorization: Bearer KEY\" to\n"
          "POST /api/v1/sensors/%" G_GINT64_FORMAT "/counts):\n%s\n", device,
          space_id != 0 ? "space" : "queue", space_id != 0 ? space_id : queue_id, device,
          token);
  atrium_secure_zero (token, strlen (token));
  return 0;
}

/* demo --data-dir DIR: the demo institution into a fresh or empty store. */
int
atrium_cli_demo (int    argc,
                 char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *config_file = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("— load the demo institution");
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumConfig) config = NULL;
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(AtriumClock) clock = atrium_clock_new_system ();
  g_autoptr(GString) report = g_string_new (NULL);
  guint8 secrets_key[ATRIUM_SEAL_KEY_LEN];
  AtriumPasswordParams params;
  AtriumDataDirState state;
  int version = 0;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Directory of the store (created when missing)", "DIR" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_file,
      "Configuration file (for the password hashing cost)", "FILE" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return atrium_cli_usage (context, error->message);
  if (argc != 1)
    return atrium_cli_usage (context, "unexpected argument");
  if (data_dir == NULL)
    return atrium_cli_usage (context, "--data-dir is required");

  config = config_file != NULL ? atrium_config_load (config_file, &error)
                               : atrium_config_new_default ();
  if (config == NULL)
    return fail (error);
  params.opslimit = config->argon2_iterations;
  params.memlimit = (gsize) config->argon2_memory_mib * 1024 * 1024;

  /* Like init first: safe on a directory that exists. */
  if (!atrium_data_dir_init (data_dir, &state, &version, &error))
    return fail (error);
  db = atrium_store_open (data_dir, FALSE, NULL, &error);
  if (db == NULL || !atrium_auth_load_secrets_key (data_dir, secrets_key, &error) ||
      !atrium_db_exec (db, "BEGIN IMMEDIATE;", &error))
    return fail (error);
  ok = atrium_demo_load (db, secrets_key, &params, atrium_clock_now (clock), report, &error);
  atrium_secure_zero (secrets_key, sizeof secrets_key);
  if (ok)
    {
      audit (db, clock, "demo_loaded", NULL, NULL);
      ok = atrium_db_exec (db, "COMMIT;", &error);
    }
  if (!ok)
    {
      atrium_db_exec (db, "ROLLBACK;", NULL);
      return fail (error);
    }
  fputs (report->str, stdout);
  atrium_secure_zero (report->str, report->len);
  return 0;
}
