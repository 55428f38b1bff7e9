/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 6238 as every authenticator app implements it: HMAC-SHA-1, 6 digits, 30 s, T0 = 0. */
#define ATRIUM_TOTP_DIGITS       6
#define ATRIUM_TOTP_PERIOD       30
#define ATRIUM_TOTP_SECRET_BYTES 20     /* 160 bits, RFC 4226 §4 R6 recommends it */
#define ATRIUM_TOTP_MAX_WINDOW   10     /* steps either side; 1 is the usual choice */

/* Recovery codes are "xxxx-xxxx-xxxx": 12 symbols of 5 bits each, 60 bits in all. */
#define ATRIUM_RECOVERY_CODE_CHARS    12
#define ATRIUM_RECOVERY_CODE_ALPHABET "23456789abcdefghijkmnpqrstuvwxyz"
#define ATRIUM_RECOVERY_CODES_MAX     100

/* Lowercase hex of a 256-bit BLAKE2b digest. */
#define ATRIUM_TOKEN_HASH_HEX_LEN 64

char      *atrium_base32_encode           (const guint8  *data,
                                           gsize          len);
guint8    *atrium_base32_decode           (const char    *text,
                                           gsize         *len_out,
                                           GError       **error);

guint32    atrium_hotp                    (const guint8  *key,
                                           gsize          key_len,
                                           guint64        counter,
                                           guint          digits);
gint64     atrium_totp_step               (gint64         unix_seconds);
guint32    atrium_totp_code               (const guint8  *key,
                                           gsize          key_len,
                                           gint64         unix_seconds);
gboolean   atrium_totp_verify             (const guint8  *key,
                                           gsize          key_len,
                                           const char    *code,
                                           gint64         unix_seconds,
                                           guint          window,
                                           gint64         last_used_step,
                                           gint64        *matched_step_out);
void       atrium_totp_generate_secret    (guint8         out[ATRIUM_TOTP_SECRET_BYTES]);
char      *atrium_totp_uri                (const char    *issuer,
                                           const char    *account,
                                           const guint8  *key,
                                           gsize          key_len);

char     **atrium_recovery_codes_generate (guint          n);
char      *atrium_recovery_code_normalize (const char    *input);

char      *atrium_token_hash              (const char    *token);
char      *atrium_short_code_generate     (guint          digits);

G_END_DECLS
