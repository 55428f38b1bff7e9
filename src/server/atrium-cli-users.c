/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-cli-users.h"

#include <stdio.h>
#include <string.h>

#include "atrium-accounts.h"
#include "atrium-cli.h"
#include "atrium-auth.h"
#include "atrium-clock.h"
#include "atrium-config.h"
#include "atrium-privacy.h"
#include "atrium-random.h"
#include "atrium-sms.h"
#include "atrium-store-audit.h"
#include "atrium-store-counts.h"
#include "atrium-store.h"
#include "atrium-totp.h"

/* One line from standard input, without its newline; never echoed, never logged. */
static char *
read_password (void)
{
  char buf[4097];
  gsize len;

  if (fgets (buf, sizeof buf, stdin) == NULL)
    return NULL;
  len = strlen (buf);
  if (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  if (len > 0 && buf[len - 1] == '\r')
    buf[--len] = '\0';
  {
    char *password = g_strdup (buf);

    atrium_secure_zero (buf, sizeof buf);
    return password;
  }
}

typedef struct
{
  char          *data_dir;
  char          *config_file;
  AtriumConfig  *config;
  AtriumDb      *db;
  AtriumClock   *clock;
} Cli;

static void
cli_clear (Cli *cli)
{
  g_free (cli->data_dir);
  g_free (cli->config_file);
  g_clear_pointer (&cli->config, atrium_config_free);
  g_clear_pointer (&cli->db, atrium_db_close);
  g_clear_object (&cli->clock);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Cli, cli_clear)

static gboolean
cli_open (Cli     *cli,
          GError **error)
{
  cli->config = cli->config_file != NULL ? atrium_config_load (cli->config_file, error)
                                         : atrium_config_new_default ();
  if (cli->config == NULL)
    return FALSE;
  cli->clock = atrium_clock_new_system ();
  cli->db = atrium_store_open (cli->data_dir, FALSE, NULL, error);
  return cli->db != NULL;
}

static void
cli_audit (Cli        *cli,
           const char *event,
           gint64      user_id,
           const char *detail)
{
  g_autofree char *subject = g_strdup_printf ("user:%" G_GINT64_FORMAT, user_id);
  AtriumAuditEntry entry = { event, ATRIUM_AUDIT_SUCCESS, "cli", subject, NULL, NULL, detail };

  atrium_store_audit_append (cli->db, cli->clock, &entry, NULL);
}

static AtriumPasswordPolicy
policy_of (const AtriumConfig *config)
{
  AtriumPasswordPolicy policy = ATRIUM_PASSWORD_POLICY_DEFAULT;

  policy.min_length = config->password_min_length;
  policy.min_classes = config->password_min_classes;
  policy.reject_common = config->password_reject_common;
  return policy;
}

static AtriumPasswordParams
params_of (const AtriumConfig *config)
{
  AtriumPasswordParams params = { config->argon2_iterations,
                                  (gsize) config->argon2_memory_mib * 1024 * 1024 };

  return params;
}

/* Checks and hashes a password read from stdin; NULL with a printed error otherwise. */
static char *
new_password_hash (Cli        *cli,
                   const char *name,
                   const char *email,
                   int        *status)
{
  g_autoptr(GError) error = NULL;
  AtriumPasswordPolicy policy = policy_of (cli->config);
  AtriumPasswordParams params = params_of (cli->config);
  AtriumPasswordRule rule;
  char *password = read_password ();
  char *hash = NULL;

  if (password == NULL)
    *status = atrium_cli_fail ("no password on standard input");
  else if (!atrium_password_check (&policy, password, name, email, &rule, &error))
    *status = atrium_cli_fail ("password refused (%s): %s", atrium_password_rule_id (rule),
                               error->message);
  else if ((hash = atrium_password_hash (password, &params, &error)) == NULL)
    *status = atrium_cli_fail ("%s", error->message);
  atrium_secure_free_string (password);
  return hash;
}

int
atrium_cli_useradd (int    argc,
                    char **argv)
{
  g_auto(Cli) cli = { 0 };
  g_autofree char *email = NULL;
  g_autofree char *phone = NULL;
  g_auto(GStrv) roles = NULL;
  gboolean password_stdin = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GArray) grants = NULL;
  g_autofree char *uri = NULL;
  g_auto(GStrv) codes = NULL;
  guint8 secrets_key[ATRIUM_SEAL_KEY_LEN];
  gboolean second_factor = FALSE;
  const char *name;
  gint64 user_id;
  int status = 0;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &cli.data_dir, "Directory of the store", "DIR" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &cli.config_file,
      "Configuration file (for the password policy)", "FILE" },
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, "Email address", "E" },
    { "phone", 0, 0, G_OPTION_ARG_STRING, &phone, "Mobile number in E.164 form (+33…)", "P" },
    { "role", 0, 0, G_OPTION_ARG_STRING_ARRAY, &roles,
      "patron, staff:SITE, manager:SITE, reporting or admin (repeatable)", "ROLE" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      "Read the password from standard input", NULL },
    { NULL }
  };

  context = g_option_context_new ("NAME — create an account");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return atrium_cli_usage (context, error->message);
  if (argc != 2)
    return atrium_cli_usage (context, "give exactly one user NAME");
  name = argv[1];
  if (cli.data_dir == NULL || email == NULL || roles == NULL || !password_stdin)
    return atrium_cli_usage (context,
                             "--data-dir, --email, --role and --password-stdin are required");
  if (!atrium_account_valid_name (name))
    return atrium_cli_fail ("“%s” is not a valid user name: 3 to 64 letters, digits, '.', "
                            "'-' or '_'", name);
  if (!atrium_account_valid_email (email))
    return atrium_cli_fail ("“%s” is not a valid email address", email);
  if (phone != NULL && !atrium_sms_is_e164 (phone))
    return atrium_cli_fail ("“%s” is not a phone number in E.164 form such as +33612345678",
                            phone);
  grants = atrium_account_parse_grants ((const char **) roles, &second_factor, &error);
  if (grants == NULL)
    return atrium_cli_fail ("%s", error->message);

  if (!cli_open (&cli, &error))
    return atrium_cli_fail ("%s", error->message);
  hash = new_password_hash (&cli, name, email, &status);
  if (hash == NULL)
    return status;

  if (!atrium_auth_load_secrets_key (cli.data_dir, secrets_key, &error) ||
      !atrium_db_exec (cli.db, "BEGIN IMMEDIATE;", &error))
    return atrium_cli_fail ("%s", error->message);
  user_id = atrium_account_create (cli.db, secrets_key, name, email, phone, hash, grants,
                                   atrium_clock_now (cli.clock), &uri, &codes, &error);
  atrium_secure_zero (secrets_key, sizeof secrets_key);
  if (user_id == 0)
    {
      atrium_db_exec (cli.db, "ROLLBACK;", NULL);
      if (g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT))
        return atrium_cli_fail ("a user with this name or email address already exists");
      return atrium_cli_fail ("%s", error->message);
    }
  cli_audit (&cli, "user_created", user_id, second_factor ? "with TOTP enrolment" : NULL);
  if (!atrium_db_exec (cli.db, "COMMIT;", &error))
    return atrium_cli_fail ("%s", error->message);

  printf ("Created user %s (id %" G_GINT64_FORMAT ").\n", name, user_id);
  /* Roles beyond patron never sign in without a second factor: enrolled now. */
  if (uri != NULL)
    {
      printf ("This account needs a second factor. Add it to an authenticator app:\n%s\n"
              "Recovery codes (each works once; keep them somewhere safe):\n", uri);
      for (guint i = 0; codes[i] != NULL; i++)
        printf ("  %s\n", codes[i]);
    }
  return 0;
}

static AtriumUser *
find_user_or_fail (Cli        *cli,
                   const char *name,
                   int        *status)
{
  g_autoptr(GError) error = NULL;
  AtriumUser *user = atrium_store_user_find (cli->db, name, &error);

  if (user == NULL)
    *status = g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND)
              ? atrium_cli_fail ("there is no user %s", name)
              : atrium_cli_fail ("%s", error->message);
  return user;
}

static int
parse_name_command (Cli              *cli,
                    int               argc,
                    char            **argv,
                    const char       *summary,
                    gboolean          with_password,
                    gboolean         *password_stdin,
                    const char      **name_out)
{
  g_autoptr(GOptionContext) context = g_option_context_new (summary);
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &cli->data_dir, "Directory of the store", "DIR" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &cli->config_file,
      "Configuration file (for the password policy)", "FILE" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, password_stdin,
      "Read the password from standard input", NULL },
    { NULL }
  };
  GOptionEntry used[4];

  memcpy (used, entries, sizeof used);
  if (!with_password)
    memset (&used[2], 0, sizeof used[2]);
  g_option_context_add_main_entries (context, used, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return atrium_cli_usage (context, error->message);
  if (argc != 2)
    return atrium_cli_usage (context, "give exactly one user NAME");
  if (cli->data_dir == NULL || (with_password && !*password_stdin))
    return atrium_cli_usage (context, with_password ? "--data-dir and --password-stdin are required"
                             : "--data-dir is required");
  *name_out = argv[1];
  return -1;
}

int
atrium_cli_passwd (int    argc,
                   char **argv)
{
  g_auto(Cli) cli = { 0 };
  g_autoptr(AtriumUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  gboolean password_stdin = FALSE;
  const char *name = NULL;
  int status;

  status = parse_name_command (&cli, argc, argv, "NAME — set a user's password", TRUE,
                               &password_stdin, &name);
  if (status >= 0)
    return status;
  if (!cli_open (&cli, &error))
    return atrium_cli_fail ("%s", error->message);
  if ((user = find_user_or_fail (&cli, name, &status)) == NULL)
    return status;
  if ((hash = new_password_hash (&cli, user->name, user->email, &status)) == NULL)
    return status;

  /* A new password ends every session of the account. */
  if (!atrium_db_exec (cli.db, "BEGIN IMMEDIATE;", &error) ||
      !atrium_store_user_set_password (cli.db, user->id, hash, atrium_clock_now (cli.clock),
                                       &error) ||
      atrium_store_exec_bound (cli.db, "DELETE FROM session WHERE user_id = ?1;", &error,
                               'i', user->id, 0) < 0)
    {
      atrium_db_exec (cli.db, "ROLLBACK;", NULL);
      return atrium_cli_fail ("%s", error->message);
    }
  cli_audit (&cli, "authn_password_change", user->id, "set by an administrator (cli)");
  if (!atrium_db_exec (cli.db, "COMMIT;", &error))
    return atrium_cli_fail ("%s", error->message);
  printf ("Password of %s changed; its sessions have ended.\n", user->name);
  return 0;
}

int
atrium_cli_userdel (int    argc,
                    char **argv)
{
  g_auto(Cli) cli = { 0 };
  g_autoptr(AtriumUser) user = NULL;
  g_autoptr(GError) error = NULL;
  gboolean unused = FALSE;
  const char *name = NULL;
  gint64 cancelled = 0, anonymised = 0;
  int status;

  status = parse_name_command (&cli, argc, argv, "NAME — delete an account", FALSE, &unused,
                               &name);
  if (status >= 0)
    return status;
  if (!cli_open (&cli, &error))
    return atrium_cli_fail ("%s", error->message);
  if ((user = find_user_or_fail (&cli, name, &status)) == NULL)
    return status;
  /* The same erasure as DELETE /api/v1/me: bookings to come cancelled, all anonymised. */
  if (!atrium_privacy_erase_user (cli.db, cli.clock, user->id, "user_deleted", "cli", NULL,
                                  NULL, &cancelled, &anonymised, &error))
    return atrium_cli_fail ("%s", error->message);
  printf ("Deleted user %s: %" G_GINT64_FORMAT " bookings to come cancelled, %"
          G_GINT64_FORMAT " bookings anonymised.\n", user->name, cancelled, anonymised);
  return 0;
}

/* Reads --data-dir and one more integer option for the device commands. */
static int
parse_device_command (Cli          *cli,
                      int           argc,
                      char        **argv,
                      const char   *summary,
                      const char   *number_option,
                      const char   *number_help,
                      gint64       *number,
                      char        **name)
{
  g_autoptr(GOptionContext) context = g_option_context_new (summary);
  g_autoptr(GError) error = NULL;
  g_autofree char *number_text = NULL;
  guint64 value = 0;
  GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &cli->data_dir, "Directory of the store", "DIR" },
    { number_option, 0, 0, G_OPTION_ARG_STRING, &number_text, number_help, "ID" },
    { "name", 0, 0, G_OPTION_ARG_STRING, name, "A name for the device (kiosk-add)", "NAME" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return atrium_cli_usage (context, error->message);
  if (argc != 1)
    return atrium_cli_usage (context, "unexpected argument");
  if (cli->data_dir == NULL || number_text == NULL)
    return atrium_cli_usage (context, "--data-dir and --site/--id are required");
  if (!g_ascii_string_to_unsigned (number_text, 10, 1, G_MAXINT64, &value, NULL))
    return atrium_cli_usage (context, "the id must be a positive whole number");
  *number = (gint64) value;
  return -1;
}

/* kiosk-add: a device and its long-lived token, printed once (only its hash is kept). */
int
atrium_cli_kiosk_add (int    argc,
                      char **argv)
{
  g_auto(Cli) cli = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  gint64 site = 0, device = 0;
  gint64 now;
  int status;

  status = parse_device_command (&cli, argc, argv, "— register a kiosk and print its token",
                                 "site", "The site the kiosk serves", &site, &name);
  if (status >= 0)
    return status;
  if (!cli_open (&cli, &error))
    return atrium_cli_fail ("%s", error->message);
  now = atrium_clock_now (cli.clock);
  token = atrium_random_base64url (32);
  hash = atrium_token_hash (token);
  if (name == NULL)
    name = g_strdup_printf ("Kiosk at site %" G_GINT64_FORMAT, site);

  if (!atrium_db_exec (cli.db, "BEGIN IMMEDIATE;", &error) ||
      !atrium_store_site_ensure (cli.db, site, &error) ||
      (device = atrium_store_device_create (cli.db, "kiosk", site, name, hash, now,
                                            &error)) == 0)
    {
      atrium_db_exec (cli.db, "ROLLBACK;", NULL);
      return atrium_cli_fail ("%s", error->message);
    }
  {
    g_autofree char *subject = g_strdup_printf ("device:%" G_GINT64_FORMAT, device);
    AtriumAuditEntry entry = { "device_created", ATRIUM_AUDIT_SUCCESS, "cli", subject, NULL,
                               NULL, "kiosk" };

    atrium_store_audit_append (cli.db, cli.clock, &entry, NULL);
  }
  if (!atrium_db_exec (cli.db, "COMMIT;", &error))
    return atrium_cli_fail ("%s", error->message);
  printf ("Kiosk %" G_GINT64_FORMAT " for site %" G_GINT64_FORMAT " registered.\n"
          "Its token (shown once; put it in the kiosk's settings):\n%s\n", device, site, token);
  atrium_secure_zero (token, strlen (token));
  return 0;
}

/* kiosk-revoke: the device's token stops working at once. */
int
atrium_cli_kiosk_revoke (int    argc,
                         char **argv)
{
  g_auto(Cli) cli = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *unused = NULL;
  gint64 device = 0;
  gint64 changed;
  int status;

  status = parse_device_command (&cli, argc, argv, "— revoke a kiosk's token", "id",
                                 "The kiosk's number", &device, &unused);
  if (status >= 0)
    return status;
  if (!cli_open (&cli, &error))
    return atrium_cli_fail ("%s", error->message);
  if (!atrium_db_exec (cli.db, "BEGIN IMMEDIATE;", &error))
    return atrium_cli_fail ("%s", error->message);
  changed = atrium_store_exec_bound (cli.db, "UPDATE device SET revoked_at = ?2 WHERE id = ?1"
                                             " AND kind = 'kiosk' AND revoked_at IS NULL;",
                                     &error, 'i', device, 'i', atrium_clock_now (cli.clock), 0);
  if (changed == 1)
    changed = atrium_store_exec_bound (cli.db, "DELETE FROM session WHERE device_id = ?1;",
                                       &error, 'i', device, 0) >= 0 ? 1 : -1;
  if (changed != 1)
    {
      atrium_db_exec (cli.db, "ROLLBACK;", NULL);
      return changed == 0 ? atrium_cli_fail ("there is no active kiosk %" G_GINT64_FORMAT, device)
                          : atrium_cli_fail ("%s", error->message);
    }
  {
    g_autofree char *subject = g_strdup_printf ("device:%" G_GINT64_FORMAT, device);
    AtriumAuditEntry entry = { "device_revoked", ATRIUM_AUDIT_SUCCESS, "cli", subject, NULL,
                               NULL, "kiosk" };

    atrium_store_audit_append (cli.db, cli.clock, &entry, NULL);
  }
  if (!atrium_db_exec (cli.db, "COMMIT;", &error))
    return atrium_cli_fail ("%s", error->message);
  printf ("Kiosk %" G_GINT64_FORMAT " revoked.\n", device);
  return 0;
}
