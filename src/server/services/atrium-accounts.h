/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"
#include "atrium-seal.h"
#include "atrium-store-users.h"
#include "atrium-totp.h"

G_BEGIN_DECLS

/* Account creation and role grants, shared by the command line and the users API. */

gboolean  atrium_account_valid_name    (const char    *name);
gboolean  atrium_account_valid_email   (const char    *email);
GArray   *atrium_account_parse_grants  (const char   **grants,
                                        gboolean      *needs_second_factor,
                                        GError       **error);

/* Inside the caller's transaction: the user, the grants and, when a role needs it, a
 * TOTP enrolment whose URI and recovery codes are returned (shown once). */
gint64    atrium_account_create        (AtriumDb      *writer,
                                        const guint8   secrets_key[ATRIUM_SEAL_KEY_LEN],
                                        const char    *name,
                                        const char    *email,
                                        const char    *phone,
                                        const char    *password_hash,
                                        GArray        *grants,
                                        gint64         now,
                                        char         **otpauth_uri_out,
                                        char        ***recovery_codes_out,
                                        GError       **error);
gboolean  atrium_account_set_grants    (AtriumDb      *writer,
                                        gint64         user_id,
                                        GArray        *grants,
                                        GError       **error);
gboolean  atrium_account_enrol_totp    (AtriumDb      *writer,
                                        const guint8   secrets_key[ATRIUM_SEAL_KEY_LEN],
                                        gint64         user_id,
                                        const char    *name,
                                        char         **otpauth_uri_out,
                                        char        ***recovery_codes_out,
                                        GError       **error);

/* The same with a secret the caller chose (the app's first run shows it before the
 * account exists, and creates the account once a code proves it was taken). */
gboolean  atrium_account_enrol_totp_secret (AtriumDb      *writer,
                                            const guint8   secrets_key[ATRIUM_SEAL_KEY_LEN],
                                            gint64         user_id,
                                            const char    *name,
                                            const guint8   secret[ATRIUM_TOTP_SECRET_BYTES],
                                            char         **otpauth_uri_out,
                                            char        ***recovery_codes_out,
                                            GError       **error);

G_END_DECLS
