/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-cli-users.h"

#include <stdio.h>
#include <string.h>

#include "atrium-auth.h"
#include "atrium-clock.h"
#include "atrium-config.h"
#include "atrium-random.h"
#include "atrium-sms.h"
#include "atrium-store-audit.h"
#include "atrium-store.h"
#include "atrium-totp.h"

#define RECOVERY_CODES 10

static int
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  fprintf (stderr, "atrium-server: %s\n", message);
  return 1;
}

static int
usage (GOptionContext *context,
       const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  fprintf (stderr, "atrium-server: %s\n\n%s", message, help);
  return 2;
}

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

static gboolean
valid_name (const char *name)
{
  gsize len = strlen (name);

  if (len < 3 || len > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
valid_email (const char *email)
{
  const char *at = strchr (email, '@');
  gsize len = strlen (email);

  if (len < 3 || len > 254 || at == NULL || at == email || at[1] == '\0' ||
      strchr (at + 1, '@') != NULL || !g_utf8_validate (email, -1, NULL))
    return FALSE;
  for (const char *p = email; *p; p++)
    if ((guchar) *p <= ' ' || strchr ("<>(),;:\"[]\\", *p) != NULL)
      return FALSE;
  return TRUE;
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
    *status = fail ("no password on standard input");
  else if (!atrium_password_check (&policy, password, name, email, &rule, &error))
    *status = fail ("password refused (%s): %s", atrium_password_rule_id (rule),
                    error->message);
  else if ((hash = atrium_password_hash (password, &params, &error)) == NULL)
    *status = fail ("%s", error->message);
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
  g_autoptr(GArray) grants = g_array_new (FALSE, FALSE, sizeof (AtriumSiteRole));
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
    return usage (context, error->message);
  if (argc != 2)
    return usage (context, "give exactly one user NAME");
  name = argv[1];
  if (cli.data_dir == NULL || email == NULL || roles == NULL || !password_stdin)
    return usage (context, "--data-dir, --email, --role and --password-stdin are required");
  if (!valid_name (name))
    return fail ("“%s” is not a valid user name: 3 to 64 letters, digits, '.', '-' or '_'",
                 name);
  if (!valid_email (email))
    return fail ("“%s” is not a valid email address", email);
  if (phone != NULL && !atrium_sms_is_e164 (phone))
    return fail ("“%s” is not a phone number in E.164 form such as +33612345678", phone);
  for (guint i = 0; roles[i] != NULL; i++)
    {
      AtriumSiteRole grant;

      if (!atrium_role_parse_grant (roles[i], &grant.role, &grant.site_id, &error))
        return fail ("%s", error->message);
      g_array_append_val (grants, grant);
      if (grant.role != ATRIUM_ROLE_PATRON)
        second_factor = TRUE;
    }

  if (!cli_open (&cli, &error))
    return fail ("%s", error->message);
  hash = new_password_hash (&cli, name, email, &status);
  if (hash == NULL)
    return status;

  if (!atrium_db_exec (cli.db, "BEGIN IMMEDIATE;", &error))
    return fail ("%s", error->message);
  user_id = atrium_store_user_create (cli.db, name, email, phone, hash,
                                      atrium_clock_now (cli.clock), &error);
  for (guint i = 0; user_id != 0 && i < grants->len; i++)
    {
      AtriumSiteRole *grant = &g_array_index (grants, AtriumSiteRole, i);

      if ((grant->site_id != 0 && !atrium_store_site_ensure (cli.db, grant->site_id, &error)) ||
          !atrium_store_user_add_role (cli.db, user_id, grant->role, grant->site_id, &error))
        user_id = 0;
    }
  if (user_id == 0)
    {
      atrium_db_exec (cli.db, "ROLLBACK;", NULL);
      if (g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT))
        return fail ("a user with this name or email address already exists");
      return fail ("%s", error->message);
    }

  /* Roles beyond patron never sign in without a second factor: enrol TOTP now. */
  if (second_factor)
    {
      guint8 secret[ATRIUM_TOTP_SECRET_BYTES];
      g_autofree char *sealed = NULL;
      g_autofree char *uri = NULL;
      g_auto(GStrv) codes = atrium_recovery_codes_generate (RECOVERY_CODES);

      atrium_totp_generate_secret (secret);
      sealed = atrium_auth_seal_totp_secret (cli.data_dir, secret, sizeof secret, &error);
      uri = atrium_totp_uri ("Atrium", name, secret, sizeof secret);
      atrium_secure_zero (secret, sizeof secret);
      if (sealed == NULL || !atrium_store_user_set_totp (cli.db, user_id, sealed, TRUE, &error))
        {
          atrium_db_exec (cli.db, "ROLLBACK;", NULL);
          return fail ("%s", error->message);
        }
      for (guint i = 0; codes[i] != NULL; i++)
        {
          g_autofree char *normal = atrium_recovery_code_normalize (codes[i]);
          g_autofree char *code_hash = atrium_token_hash (normal);

          atrium_store_exec_bound (cli.db, "INSERT INTO recovery_code (user_id, code_hash)"
                                           " VALUES (?1, ?2);", NULL,
                                   'i', user_id, 's', code_hash, 0);
        }
      cli_audit (&cli, "user_created", user_id, "with TOTP enrolment");
      if (!atrium_db_exec (cli.db, "COMMIT;", &error))
        return fail ("%s", error->message);

      printf ("Created user %s (id %" G_GINT64_FORMAT ").\n"
              "This account needs a second factor. Add it to an authenticator app:\n"
              "%s\n"
              "Recovery codes (each works once; keep them somewhere safe):\n",
              name, user_id, uri);
      for (guint i = 0; codes[i] != NULL; i++)
        printf ("  %s\n", codes[i]);
      return 0;
    }

  cli_audit (&cli, "user_created", user_id, NULL);
  if (!atrium_db_exec (cli.db, "COMMIT;", &error))
    return fail ("%s", error->message);
  printf ("Created user %s (id %" G_GINT64_FORMAT ").\n", name, user_id);
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
              ? fail ("there is no user %s", name) : fail ("%s", error->message);
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
    return usage (context, error->message);
  if (argc != 2)
    return usage (context, "give exactly one user NAME");
  if (cli->data_dir == NULL || (with_password && !*password_stdin))
    return usage (context, with_password ? "--data-dir and --password-stdin are required"
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
    return fail ("%s", error->message);
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
      return fail ("%s", error->message);
    }
  cli_audit (&cli, "authn_password_change", user->id, "set by an administrator (cli)");
  if (!atrium_db_exec (cli.db, "COMMIT;", &error))
    return fail ("%s", error->message);
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
  int status;

  status = parse_name_command (&cli, argc, argv, "NAME — delete an account", FALSE, &unused,
                               &name);
  if (status >= 0)
    return status;
  if (!cli_open (&cli, &error))
    return fail ("%s", error->message);
  if ((user = find_user_or_fail (&cli, name, &status)) == NULL)
    return status;
  if (!atrium_db_exec (cli.db, "BEGIN IMMEDIATE;", &error) ||
      !atrium_store_user_delete (cli.db, user->id, &error))
    {
      atrium_db_exec (cli.db, "ROLLBACK;", NULL);
      return fail ("%s", error->message);
    }
  cli_audit (&cli, "user_deleted", user->id, NULL);
  if (!atrium_db_exec (cli.db, "COMMIT;", &error))
    return fail ("%s", error->message);
  printf ("Deleted user %s.\n", user->name);
  return 0;
}
