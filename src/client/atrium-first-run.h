/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "atrium-password.h"
#include "atrium-totp.h"

G_BEGIN_DECLS

/*
 * The first run "on this computer": the embedded backend's own data directory
 * (`$XDG_DATA_HOME/atrium/`, never the demo's) gets its first administrator. This runs
 * in the app's process on the store file itself, the code `atrium-server useradd` runs;
 * no HTTP route creates an administrator. It refuses a store that already has an
 * account, so it can only ever make the first one.
 *
 * Every call may block (Argon2id, SQLCipher): call them from a worker thread.
 */

#define ATRIUM_FIRST_RUN_ERROR (atrium_first_run_error_quark ())

typedef enum
{
  ATRIUM_FIRST_RUN_ERROR_NAME,       /* not a valid user name */
  ATRIUM_FIRST_RUN_ERROR_EMAIL,      /* not a valid email address */
  ATRIUM_FIRST_RUN_ERROR_PASSWORD,   /* the password policy refuses it: see @rule_out */
  ATRIUM_FIRST_RUN_ERROR_HAS_USERS,  /* the store already has accounts */
  ATRIUM_FIRST_RUN_ERROR_CODE,       /* the TOTP code does not match the secret */
  ATRIUM_FIRST_RUN_ERROR_FAILED,     /* the data directory, the store or the config */
} AtriumFirstRunError;

GQuark    atrium_first_run_error_quark  (void);

/* `$XDG_DATA_HOME/atrium`, where atrium_embedded_new (FALSE, …) keeps its data. */
char     *atrium_first_run_data_dir     (void);

/* Whether @name, @email and @password would make the first administrator: the server's
 * policy (of @config_file, nullable: the defaults) is applied, and the store (made
 * when missing) must have no account. On ATRIUM_FIRST_RUN_ERROR_PASSWORD, @rule_out
 * and @policy_out say which rule refused it. */
gboolean  atrium_first_run_check_admin  (const char            *config_file,
                                         const char            *name,
                                         const char            *email,
                                         const char            *password,
                                         AtriumPasswordRule    *rule_out,
                                         AtriumPasswordPolicy  *policy_out,
                                         GError               **error);

/* Creates the administrator in one transaction once @code proves that the person's
 * authenticator holds @secret: password (checked again), role admin, TOTP confirmed
 * (the step of @code used up), new recovery codes returned (shown once). */
gboolean  atrium_first_run_create_admin (const char            *config_file,
                                         const char            *name,
                                         const char            *email,
                                         const char            *password,
                                         const guint8           secret[ATRIUM_TOTP_SECRET_BYTES],
                                         const char            *code,
                                         char                ***recovery_codes_out,
                                         GError               **error);

G_END_DECLS
