/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * AtriumPasswordParams:
 * @opslimit: Argon2id passes (t)
 * @memlimit: Argon2id memory in bytes (m); one lane (libsodium)
 *
 * The cost of a new hash. The floor is OWASP's minimum for Argon2id, t = 2 and
 * m = 19 MiB; the default, t = 2 and m = 64 MiB, takes ~70 ms per hash on our 2-core
 * machines. Stored hashes carry their own parameters, so raising these only needs
 * atrium_password_needs_rehash() at the next login.
 */
typedef struct
{
  guint64 opslimit;
  gsize   memlimit;
} AtriumPasswordParams;

#define ATRIUM_PASSWORD_OPSLIMIT_MIN     2
#define ATRIUM_PASSWORD_MEMLIMIT_MIN     ((gsize) 19 * 1024 * 1024)
#define ATRIUM_PASSWORD_OPSLIMIT_DEFAULT 2
#define ATRIUM_PASSWORD_MEMLIMIT_DEFAULT ((gsize) 64 * 1024 * 1024)

/* Initialisers: AtriumPasswordParams params = ATRIUM_PASSWORD_PARAMS_DEFAULT; */
#define ATRIUM_PASSWORD_PARAMS_DEFAULT \
  { ATRIUM_PASSWORD_OPSLIMIT_DEFAULT, ATRIUM_PASSWORD_MEMLIMIT_DEFAULT }
#define ATRIUM_PASSWORD_PARAMS_MIN \
  { ATRIUM_PASSWORD_OPSLIMIT_MIN, ATRIUM_PASSWORD_MEMLIMIT_MIN }

/* Longer input is refused before normalisation: no policy accepts it anyway. */
#define ATRIUM_PASSWORD_MAX_BYTES 16384

/**
 * AtriumPasswordRule:
 * @ATRIUM_PASSWORD_RULE_NONE: the password is acceptable
 * @ATRIUM_PASSWORD_RULE_ENCODING: not valid UTF-8, or holds a control character
 * @ATRIUM_PASSWORD_RULE_TOO_SHORT: fewer than min_length characters after NFKC
 * @ATRIUM_PASSWORD_RULE_TOO_LONG: more than max_length characters after NFKC
 * @ATRIUM_PASSWORD_RULE_CLASSES: fewer than min_classes character classes
 * @ATRIUM_PASSWORD_RULE_COMMON: a (variant of a) common password, or mostly a
 *   repetition, sequence or keyboard pattern: zxcvbn estimates fewer than
 *   %ATRIUM_PASSWORD_MIN_ENTROPY_BITS bits
 * @ATRIUM_PASSWORD_RULE_PERSONAL: contains the user name or email address
 *
 * The first rule a password breaks, in this order. atrium_password_rule_id() gives
 * the code the API sends.
 */
typedef enum
{
  ATRIUM_PASSWORD_RULE_NONE,
  ATRIUM_PASSWORD_RULE_ENCODING,
  ATRIUM_PASSWORD_RULE_TOO_SHORT,
  ATRIUM_PASSWORD_RULE_TOO_LONG,
  ATRIUM_PASSWORD_RULE_CLASSES,
  ATRIUM_PASSWORD_RULE_COMMON,
  ATRIUM_PASSWORD_RULE_PERSONAL,
} AtriumPasswordRule;

/**
 * AtriumPasswordPolicy:
 * @min_length: fewest characters (Unicode characters after NFKC); never below
 *   %ATRIUM_PASSWORD_MIN_LENGTH_FLOOR
 * @max_length: most characters; at most %ATRIUM_PASSWORD_MAX_LENGTH_CEILING
 * @min_classes: how many of the four classes (lowercase, uppercase, digits, symbols)
 *   must appear, 0 to 4. Letters without case (CJK, Arabic, …) and combining marks
 *   count as lowercase; anything else visible that is no letter or digit is a symbol;
 *   spaces count as nothing.
 * @reject_common: refuse common and predictable passwords (zxcvbn)
 * @reject_personal: refuse passwords that contain the user name or email address
 */
typedef struct
{
  guint    min_length;
  guint    max_length;
  guint    min_classes;
  gboolean reject_common;
  gboolean reject_personal;
} AtriumPasswordPolicy;

#define ATRIUM_PASSWORD_MIN_LENGTH_FLOOR   10
#define ATRIUM_PASSWORD_MAX_LENGTH_CEILING 1024

/* 10^10 guesses, zxcvbn's score 3 ("safely unguessable"): see atrium-password.c. */
#define ATRIUM_PASSWORD_MIN_ENTROPY_BITS   33.2

/* Initialiser: AtriumPasswordPolicy policy = ATRIUM_PASSWORD_POLICY_DEFAULT; */
#define ATRIUM_PASSWORD_POLICY_DEFAULT { 12, 128, 3, TRUE, TRUE }

gboolean    atrium_password_params_check   (const AtriumPasswordParams  *params,
                                            GError                     **error);
char       *atrium_password_hash           (const char                  *password,
                                            const AtriumPasswordParams  *params,
                                            GError                     **error);
gboolean    atrium_password_verify         (const char                  *stored,
                                            const char                  *password);
gboolean    atrium_password_needs_rehash   (const char                  *stored,
                                            const AtriumPasswordParams  *params);

gboolean    atrium_password_check          (const AtriumPasswordPolicy  *policy,
                                            const char                  *password,
                                            const char                  *user_name,
                                            const char                  *email,
                                            AtriumPasswordRule          *failed_rule_out,
                                            GError                     **error);
const char *atrium_password_rule_id        (AtriumPasswordRule           rule);

G_END_DECLS
