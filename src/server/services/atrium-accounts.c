/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-accounts.h"

#include <string.h>

#include "atrium-random.h"
#include "atrium-totp.h"

#define RECOVERY_CODES 10

/* 3 to 64 of letters, digits, '.', '-' and '_': names appear in URIs and logs. */
gboolean
atrium_account_valid_name (const char *name)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len < 3 || len > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

gboolean
atrium_account_valid_email (const char *email)
{
  const char *at = email != NULL ? strchr (email, '@') : NULL;
  gsize len = email != NULL ? strlen (email) : 0;

  if (len < 3 || len > 254 || at == NULL || at == email || at[1] == '\0' ||
      strchr (at + 1, '@') != NULL || !g_utf8_validate (email, -1, NULL))
    return FALSE;
  for (const char *p = email; *p; p++)
    if ((guchar) *p <= ' ' || strchr ("<>(),;:\"[]\\", *p) != NULL)
      return FALSE;
  return TRUE;
}

/* "patron", "staff:2"… → AtriumSiteRole; any role but patron needs a second factor. */
GArray *
atrium_account_parse_grants (const char **grants,
                             gboolean    *needs_second_factor,
                             GError     **error)
{
  g_autoptr(GArray) parsed = g_array_new (FALSE, FALSE, sizeof (AtriumSiteRole));

  *needs_second_factor = FALSE;
  for (guint i = 0; grants != NULL && grants[i] != NULL; i++)
    {
      AtriumSiteRole grant;

      if (!atrium_role_parse_grant (grants[i], &grant.role, &grant.site_id, error))
        return NULL;
      g_array_append_val (parsed, grant);
      if (grant.role != ATRIUM_ROLE_PATRON)
        *needs_second_factor = TRUE;
    }
  if (parsed->len == 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED, "an account needs a role");
      return NULL;
    }
  return g_steal_pointer (&parsed);
}

gboolean
atrium_account_set_grants (AtriumDb  *writer,
                           gint64     user_id,
                           GArray    *grants,
                           GError   **error)
{
  if (!atrium_store_user_clear_roles (writer, user_id, error))
    return FALSE;
  for (guint i = 0; i < grants->len; i++)
    {
      AtriumSiteRole *grant = &g_array_index (grants, AtriumSiteRole, i);

      if ((grant->site_id != 0 && !atrium_store_site_ensure (writer, grant->site_id, error)) ||
          !atrium_store_user_add_role (writer, user_id, grant->role, grant->site_id, error))
        return FALSE;
    }
  return TRUE;
}

/* A confirmed TOTP secret and fresh recovery codes, handed over once. */
gboolean
atrium_account_enrol_totp (AtriumDb      *writer,
                           const guint8   secrets_key[ATRIUM_SEAL_KEY_LEN],
                           gint64         user_id,
                           const char    *name,
                           char         **otpauth_uri_out,
                           char        ***recovery_codes_out,
                           GError       **error)
{
  guint8 secret[ATRIUM_TOTP_SECRET_BYTES];
  gboolean ok;

  atrium_totp_generate_secret (secret);
  ok = atrium_account_enrol_totp_secret (writer, secrets_key, user_id, name, secret,
                                         otpauth_uri_out, recovery_codes_out, error);
  atrium_secure_zero (secret, sizeof secret);
  return ok;
}

gboolean
atrium_account_enrol_totp_secret (AtriumDb      *writer,
                                  const guint8   secrets_key[ATRIUM_SEAL_KEY_LEN],
                                  gint64         user_id,
                                  const char    *name,
                                  const guint8   secret[ATRIUM_TOTP_SECRET_BYTES],
                                  char         **otpauth_uri_out,
                                  char        ***recovery_codes_out,
                                  GError       **error)
{
  g_autofree char *sealed = NULL;
  g_auto(GStrv) codes = atrium_recovery_codes_generate (RECOVERY_CODES);

  sealed = atrium_seal (secrets_key, secret, ATRIUM_TOTP_SECRET_BYTES);
  *otpauth_uri_out = atrium_totp_uri ("Atrium", name, secret, ATRIUM_TOTP_SECRET_BYTES);

  if (!atrium_store_user_set_totp (writer, user_id, sealed, TRUE, error) ||
      atrium_store_exec_bound (writer, "DELETE FROM recovery_code WHERE user_id = ?1;", error,
                               'i', user_id, 0) < 0)
    {
      g_clear_pointer (otpauth_uri_out, g_free);
      return FALSE;
    }
  for (guint i = 0; codes[i] != NULL; i++)
    {
      g_autofree char *normal = atrium_recovery_code_normalize (codes[i]);
      g_autofree char *hash = atrium_token_hash (normal);

      if (atrium_store_exec_bound (writer, "INSERT INTO recovery_code (user_id, code_hash)"
                                           " VALUES (?1, ?2);", error,
                                   'i', user_id, 's', hash, 0) < 0)
        {
          g_clear_pointer (otpauth_uri_out, g_free);
          return FALSE;
        }
    }
  *recovery_codes_out = g_steal_pointer (&codes);
  return TRUE;
}

gint64
atrium_account_create (AtriumDb      *writer,
                       const guint8   secrets_key[ATRIUM_SEAL_KEY_LEN],
                       const char    *name,
                       const char    *email,
                       const char    *phone,
                       const char    *password_hash,
                       GArray        *grants,
                       gint64         now,
                       char         **otpauth_uri_out,
                       char        ***recovery_codes_out,
                       GError       **error)
{
  gboolean second_factor = FALSE;
  gint64 user_id;

  *otpauth_uri_out = NULL;
  *recovery_codes_out = NULL;
  for (guint i = 0; i < grants->len; i++)
    if (g_array_index (grants, AtriumSiteRole, i).role != ATRIUM_ROLE_PATRON)
      second_factor = TRUE;

  user_id = atrium_store_user_create (writer, name, email, phone, password_hash, now, error);
  if (user_id == 0 || !atrium_account_set_grants (writer, user_id, grants, error))
    return 0;
  if (second_factor &&
      !atrium_account_enrol_totp (writer, secrets_key, user_id, name, otpauth_uri_out,
                                  recovery_codes_out, error))
    return 0;
  return user_id;
}
