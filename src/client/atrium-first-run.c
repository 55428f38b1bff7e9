/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-embedded"

#include "config.h"

#include "atrium-first-run.h"

#include <errno.h>
#include <string.h>

#include "atrium-accounts.h"
#include "atrium-auth.h"
#include "atrium-clock.h"
#include "atrium-config.h"
#include "atrium-data-dir.h"
#include "atrium-random.h"
#include "atrium-store-audit.h"
#include "atrium-store.h"

G_DEFINE_QUARK (atrium-first-run-error-quark, atrium_first_run_error)

char *
atrium_first_run_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "atrium", NULL);
}

/* The configuration, the data directory made when missing (0700, its parent too), and
 * the writer's connection to its store. */
static AtriumDb *
open_store (const char    *config_file,
            AtriumConfig **config_out,
            char         **data_dir_out,
            GError       **error)
{
  g_autofree char *data_dir = atrium_first_run_data_dir ();
  g_autoptr(AtriumConfig) config = NULL;
  g_autoptr(GError) local_error = NULL;
  AtriumDb *db = NULL;

  config = config_file != NULL ? atrium_config_load (config_file, &local_error)
                               : atrium_config_new_default ();
  if (config != NULL && g_mkdir_with_parents (g_get_user_data_dir (), 0700) != 0)
    g_set_error (&local_error, G_FILE_ERROR, g_file_error_from_errno (errno),
                 "Cannot make %s: %s", g_get_user_data_dir (), g_strerror (errno));
  else if (config != NULL && atrium_data_dir_init (data_dir, NULL, NULL, &local_error))
    db = atrium_store_open (data_dir, FALSE, NULL, &local_error);
  if (db == NULL)
    {
      g_set_error (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_FAILED,
                   "%s", local_error->message);
      return NULL;
    }
  *config_out = g_steal_pointer (&config);
  *data_dir_out = g_steal_pointer (&data_dir);
  return db;
}

static gboolean
check_no_users (AtriumDb  *db,
                GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 n = atrium_store_count_bound (db, "SELECT COUNT(*) FROM user;", &local_error, 0);

  if (n < 0)
    {
      g_set_error (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_FAILED,
                   "Cannot read the accounts: %s", local_error->message);
      return FALSE;
    }
  if (n > 0)
    {
      g_set_error_literal (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_HAS_USERS,
                           "This computer's Atrium data already has accounts");
      return FALSE;
    }
  return TRUE;
}

/* The rules of `atrium-server useradd`, in its order. */
static gboolean
check_account (const AtriumConfig    *config,
               const char            *name,
               const char            *email,
               const char            *password,
               AtriumPasswordRule    *rule_out,
               AtriumPasswordPolicy  *policy_out,
               GError               **error)
{
  AtriumPasswordPolicy policy = ATRIUM_PASSWORD_POLICY_DEFAULT;
  AtriumPasswordRule rule = ATRIUM_PASSWORD_RULE_NONE;
  g_autoptr(GError) refusal = NULL;

  policy.min_length = config->password_min_length;
  policy.min_classes = config->password_min_classes;
  policy.reject_common = config->password_reject_common;
  if (policy_out != NULL)
    *policy_out = policy;
  if (rule_out != NULL)
    *rule_out = ATRIUM_PASSWORD_RULE_NONE;
  if (!atrium_account_valid_name (name))
    {
      g_set_error_literal (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_NAME,
                           "Not a valid user name");
      return FALSE;
    }
  if (!atrium_account_valid_email (email))
    {
      g_set_error_literal (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_EMAIL,
                           "Not a valid email address");
      return FALSE;
    }
  if (!atrium_password_check (&policy, password, name, email, &rule, &refusal))
    {
      if (rule_out != NULL)
        *rule_out = rule;
      g_set_error (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_PASSWORD,
                   "%s", refusal->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
atrium_first_run_check_admin (const char            *config_file,
                              const char            *name,
                              const char            *email,
                              const char            *password,
                              AtriumPasswordRule    *rule_out,
                              AtriumPasswordPolicy  *policy_out,
                              GError               **error)
{
  g_autoptr(AtriumConfig) config = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr(AtriumDb) db = open_store (config_file, &config, &data_dir, error);

  return db != NULL && check_no_users (db, error) &&
         check_account (config, name, email, password, rule_out, policy_out, error);
}

static gboolean
create_in_transaction (AtriumDb            *db,
                       AtriumClock         *clock,
                       const guint8         secrets_key[ATRIUM_SEAL_KEY_LEN],
                       const char          *name,
                       const char          *email,
                       const char          *password_hash,
                       const guint8         secret[ATRIUM_TOTP_SECRET_BYTES],
                       gint64               step,
                       gint64               now,
                       char              ***recovery_codes_out,
                       GError             **error)
{
  const char *roles[] = { "admin", NULL };
  gboolean second_factor = FALSE;
  g_autoptr(GArray) grants = atrium_account_parse_grants (roles, &second_factor, error);
  g_autofree char *uri = NULL;
  g_autofree char *subject = NULL;
  gint64 user_id;
  AtriumAuditEntry entry = { "user_created", ATRIUM_AUDIT_SUCCESS, "first-run", NULL, NULL,
                             NULL, "first administrator, with TOTP enrolment" };

  if (grants == NULL || !check_no_users (db, error))
    return FALSE;
  user_id = atrium_store_user_create (db, name, email, NULL, password_hash, now, error);
  if (user_id == 0 || !atrium_account_set_grants (db, user_id, grants, error) ||
      !atrium_account_enrol_totp_secret (db, secrets_key, user_id, name, secret, &uri,
                                         recovery_codes_out, error))
    return FALSE;
  atrium_secure_zero (uri, strlen (uri));
  /* As POST /auth/totp/confirm does: the code that proved the secret is used up. */
  if (!atrium_store_user_set_totp_step (db, user_id, step, error))
    return FALSE;
  subject = g_strdup_printf ("user:%" G_GINT64_FORMAT, user_id);
  entry.subject = subject;
  return atrium_store_audit_append (db, clock, &entry, error);
}

gboolean
atrium_first_run_create_admin (const char            *config_file,
                               const char            *name,
                               const char            *email,
                               const char            *password,
                               const guint8           secret[ATRIUM_TOTP_SECRET_BYTES],
                               const char            *code,
                               char                ***recovery_codes_out,
                               GError               **error)
{
  g_autoptr(AtriumConfig) config = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(AtriumClock) clock = atrium_clock_new_system ();
  g_autofree char *hash = NULL;
  g_auto(GStrv) codes = NULL;
  guint8 secrets_key[ATRIUM_SEAL_KEY_LEN];
  AtriumPasswordParams params;
  gint64 now = atrium_clock_now (clock);
  gint64 step = -1;
  gboolean ok;

  *recovery_codes_out = NULL;
  if (code == NULL || strlen (code) != ATRIUM_TOTP_DIGITS ||
      !atrium_totp_verify (secret, ATRIUM_TOTP_SECRET_BYTES, code, now, 1, -1, &step))
    {
      g_set_error_literal (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_CODE,
                           "This code does not match");
      return FALSE;
    }
  db = open_store (config_file, &config, &data_dir, error);
  if (db == NULL || !check_account (config, name, email, password, NULL, NULL, error))
    return FALSE;
  params.opslimit = config->argon2_iterations;
  params.memlimit = (gsize) config->argon2_memory_mib * 1024 * 1024;
  hash = atrium_password_hash (password, &params, error);
  if (hash == NULL || !atrium_auth_load_secrets_key (data_dir, secrets_key, error))
    return FALSE;
  if (!atrium_db_exec (db, "BEGIN IMMEDIATE;", error))
    {
      atrium_secure_zero (secrets_key, sizeof secrets_key);
      return FALSE;
    }
  ok = create_in_transaction (db, clock, secrets_key, name, email, hash, secret, step, now,
                              &codes, error);
  atrium_secure_zero (secrets_key, sizeof secrets_key);
  if (!ok || !atrium_db_exec (db, "COMMIT;", error))
    {
      atrium_db_exec (db, "ROLLBACK;", NULL);
      if (codes != NULL)
        for (guint i = 0; codes[i] != NULL; i++)
          atrium_secure_zero (codes[i], strlen (codes[i]));
      return FALSE;
    }
  g_message ("first administrator %s created in %s", name, data_dir);
  *recovery_codes_out = g_steal_pointer (&codes);
  return TRUE;
}
