/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-core"

#include "config.h"

#include "atrium-totp.h"

#include "atrium-core-error.h"
#include "atrium-random.h"

#include <string.h>
#include <sodium.h>

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* RFC 4648 §6, without the '=' padding: authenticator apps do not want it. */
char *
atrium_base32_encode (const guint8 *data,
                      gsize         len)
{
  GString *out;
  guint64 buffer = 0;
  guint bits = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  out = g_string_sized_new ((len * 8 + 4) / 5 + 1);
  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          bits -= 5;
          g_string_append_c (out, base32_alphabet[(buffer >> bits) & 0x1f]);
        }
    }
  if (bits > 0)
    g_string_append_c (out, base32_alphabet[(buffer << (5 - bits)) & 0x1f]);
  buffer = 0;

  return g_string_free (out, FALSE);
}

static int
base32_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

/*
 * Case-insensitive; ASCII white space is ignored anywhere (secrets are often shown in
 * groups) and '=' only as trailing padding. Lengths that no encoder produces and
 * non-zero pad bits are refused (RFC 4648 §3.5), so every byte string has one spelling.
 * Returns a buffer of *len_out bytes (never NULL on success), NULL on error.
 */
guint8 *
atrium_base32_decode (const char  *text,
                      gsize       *len_out,
                      GError     **error)
{
  g_autofree guint8 *out = NULL;
  gsize n_out = 0;
  gsize n_symbols = 0;
  guint64 buffer = 0;
  guint bits = 0;
  gboolean padding = FALSE;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (len_out != NULL, NULL);

  *len_out = 0;
  out = g_malloc0 (strlen (text) * 5 / 8 + 1);

  for (const char *p = text; *p != '\0'; p++)
    {
      int value;

      if (g_ascii_isspace (*p))
        continue;
      if (*p == '=')
        {
          padding = TRUE;
          continue;
        }
      value = base32_value (*p);
      if (value < 0 || padding)
        {
          g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX,
                       "invalid base32 character at offset %" G_GSIZE_FORMAT,
                       (gsize) (p - text));
          goto fail;
        }
      n_symbols++;
      buffer = (buffer << 5) | (guint) value;
      bits += 5;
      if (bits >= 8)
        {
          bits -= 8;
          out[n_out++] = (buffer >> bits) & 0xff;
        }
    }

  /* 1, 3 or 6 symbols in the last group cannot come from whole bytes. */
  switch (n_symbols % 8)
    {
    case 1: case 3: case 6:
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX,
                   "base32 text has an impossible length");
      goto fail;
    default:
      break;
    }
  if ((buffer & ((G_GUINT64_CONSTANT (1) << bits) - 1)) != 0)
    {
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX,
                   "base32 text has non-zero padding bits");
      goto fail;
    }

  buffer = 0;
  *len_out = n_out;
  return g_steal_pointer (&out);

fail:
  buffer = 0;
  atrium_secure_zero (out, n_out);
  return NULL;
}

/* RFC 4226 §5.3: HMAC-SHA-1 of the big-endian counter, then dynamic truncation. */
guint32
atrium_hotp (const guint8 *key,
             gsize         key_len,
             guint64       counter,
             guint         digits)
{
  static const guint32 powers[] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
                                    10000000, 100000000 };
  guint8 message[8];
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  GHmac *hmac;
  guint offset;
  guint32 binary;

  g_return_val_if_fail (key != NULL || key_len == 0, 0);
  g_return_val_if_fail (digits >= 6 && digits <= 8, 0);

  for (guint i = 0; i < 8; i++)
    message[7 - i] = (counter >> (8 * i)) & 0xff;

  /* GLib's GHmac: libsodium has no SHA-1. */
  hmac = g_hmac_new (G_CHECKSUM_SHA1, key, key_len);
  g_hmac_update (hmac, message, sizeof message);
  g_hmac_get_digest (hmac, digest, &digest_len);
  g_hmac_unref (hmac);
  g_assert (digest_len == sizeof digest);

  offset = digest[19] & 0x0f;
  binary = ((guint32) (digest[offset] & 0x7f) << 24) |
           ((guint32) digest[offset + 1] << 16) |
           ((guint32) digest[offset + 2] << 8) |
           (guint32) digest[offset + 3];

  atrium_secure_zero (digest, sizeof digest);
  atrium_secure_zero (message, sizeof message);

  return binary % powers[digits];
}

/* The time step of @unix_seconds, rounded towards minus infinity. */
gint64
atrium_totp_step (gint64 unix_seconds)
{
  if (unix_seconds < 0)
    return -((-unix_seconds + ATRIUM_TOTP_PERIOD - 1) / ATRIUM_TOTP_PERIOD);
  return unix_seconds / ATRIUM_TOTP_PERIOD;
}

guint32
atrium_totp_code (const guint8 *key,
                  gsize         key_len,
                  gint64        unix_seconds)
{
  g_return_val_if_fail (unix_seconds >= 0, 0);

  return atrium_hotp (key, key_len, (guint64) atrium_totp_step (unix_seconds),
                      ATRIUM_TOTP_DIGITS);
}

/*
 * Accepts @code if it is the code of a step within ±@window of @unix_seconds and that
 * step is later than @last_used_step (-1: none used yet). The caller stores
 * *@matched_step_out as the new last used step, so a code works once, and a code
 * older than one already used never works again.
 */
gboolean
atrium_totp_verify (const guint8 *key,
                    gsize         key_len,
                    const char   *code,
                    gint64        unix_seconds,
                    guint         window,
                    gint64        last_used_step,
                    gint64       *matched_step_out)
{
  gint64 now_step;
  gint64 matched = -1;

  g_return_val_if_fail (key != NULL || key_len == 0, FALSE);
  g_return_val_if_fail (window <= ATRIUM_TOTP_MAX_WINDOW, FALSE);

  if (matched_step_out != NULL)
    *matched_step_out = -1;

  if (code == NULL || strlen (code) != ATRIUM_TOTP_DIGITS)
    return FALSE;
  for (guint i = 0; i < ATRIUM_TOTP_DIGITS; i++)
    if (!g_ascii_isdigit (code[i]))
      return FALSE;

  now_step = atrium_totp_step (unix_seconds);
  for (gint64 step = now_step - window; step <= now_step + (gint64) window; step++)
    {
      char expected[16];

      if (step < 0 || step <= last_used_step)
        continue;

      g_snprintf (expected, sizeof expected, "%06u",
                  (guint) atrium_hotp (key, key_len, (guint64) step, ATRIUM_TOTP_DIGITS));
      /* Every candidate is compared, in constant time, whatever matched before. */
      if (atrium_secure_equal (expected, ATRIUM_TOTP_DIGITS, code, ATRIUM_TOTP_DIGITS) &&
          matched < 0)
        matched = step;
      atrium_secure_zero (expected, sizeof expected);
    }

  if (matched < 0)
    return FALSE;
  if (matched_step_out != NULL)
    *matched_step_out = matched;
  return TRUE;
}

void
atrium_totp_generate_secret (guint8 out[ATRIUM_TOTP_SECRET_BYTES])
{
  g_return_if_fail (out != NULL);

  atrium_random_bytes (out, ATRIUM_TOTP_SECRET_BYTES);
}

/*
 * The Key URI Format that authenticator apps read from a QR code. Issuer and account
 * are percent-encoded entirely (a ':' becomes %3A), so the literal ':' that separates
 * them in the label stays unambiguous. @issuer may be NULL.
 */
char *
atrium_totp_uri (const char   *issuer,
                 const char   *account,
                 const guint8 *key,
                 gsize         key_len)
{
  g_autofree char *account_escaped = NULL;
  g_autofree char *issuer_escaped = NULL;
  char *secret;
  char *uri;

  g_return_val_if_fail (account != NULL && g_utf8_validate (account, -1, NULL), NULL);
  g_return_val_if_fail (issuer == NULL || g_utf8_validate (issuer, -1, NULL), NULL);
  g_return_val_if_fail (key != NULL && key_len > 0, NULL);

  account_escaped = g_uri_escape_string (account, NULL, FALSE);
  secret = atrium_base32_encode (key, key_len);

  if (issuer != NULL && *issuer != '\0')
    {
      issuer_escaped = g_uri_escape_string (issuer, NULL, FALSE);
      uri = g_strdup_printf ("otpauth://totp/%s:%s?secret=%s&issuer=%s"
                             "&algorithm=SHA1&digits=%d&period=%d",
                             issuer_escaped, account_escaped, secret, issuer_escaped,
                             ATRIUM_TOTP_DIGITS, ATRIUM_TOTP_PERIOD);
    }
  else
    {
      uri = g_strdup_printf ("otpauth://totp/%s?secret=%s&algorithm=SHA1&digits=%d&period=%d",
                             account_escaped, secret, ATRIUM_TOTP_DIGITS, ATRIUM_TOTP_PERIOD);
    }

  atrium_secure_free_string (secret);
  return uri;
}

/*
 * @n distinct codes "xxxx-xxxx-xxxx" over a 32-symbol alphabet without 0, 1, l and o:
 * 60 bits from the CSPRNG each. Store them with atrium_token_hash() of the normalised
 * form; show them once.
 */
char **
atrium_recovery_codes_generate (guint n)
{
  g_autoptr(GHashTable) seen = NULL;
  char **codes;

  G_STATIC_ASSERT (sizeof ATRIUM_RECOVERY_CODE_ALPHABET - 1 == 32);
  g_return_val_if_fail (n > 0 && n <= ATRIUM_RECOVERY_CODES_MAX, NULL);

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  codes = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; )
    {
      char code[ATRIUM_RECOVERY_CODE_CHARS + 3];
      guint pos = 0;

      for (guint j = 0; j < ATRIUM_RECOVERY_CODE_CHARS; j++)
        {
          if (j > 0 && j % 4 == 0)
            code[pos++] = '-';
          code[pos++] = ATRIUM_RECOVERY_CODE_ALPHABET[atrium_random_uniform (32)];
        }
      code[pos] = '\0';

      /* A repeat is a 2^-60 event; still, the codes of one set must be distinct. */
      if (!g_hash_table_contains (seen, code))
        {
          codes[i] = g_strdup (code);
          g_hash_table_add (seen, codes[i]);
          i++;
        }
      atrium_secure_zero (code, sizeof code);
    }

  return codes;
}

/*
 * The canonical form of a typed recovery code: lowercase, without spaces and dashes,
 * exactly %ATRIUM_RECOVERY_CODE_CHARS symbols of the alphabet; NULL otherwise.
 */
char *
atrium_recovery_code_normalize (const char *input)
{
  char out[ATRIUM_RECOVERY_CODE_CHARS + 1];
  guint n = 0;
  char *result = NULL;

  g_return_val_if_fail (input != NULL, NULL);

  for (const char *p = input; *p != '\0'; p++)
    {
      char c = g_ascii_tolower (*p);

      if (c == ' ' || c == '-')
        continue;
      if (n == ATRIUM_RECOVERY_CODE_CHARS || strchr (ATRIUM_RECOVERY_CODE_ALPHABET, c) == NULL)
        goto out;
      out[n++] = c;
    }

  if (n == ATRIUM_RECOVERY_CODE_CHARS)
    result = g_strndup (out, n);

out:
  atrium_secure_zero (out, sizeof out);
  return result;
}

/*
 * How tokens and codes are stored: lowercase hex of BLAKE2b-256. Tokens carry at least
 * 128 random bits, so a fast hash is enough; passwords use atrium_password_hash().
 */
char *
atrium_token_hash (const char *token)
{
  guint8 digest[32];
  char *hex;

  G_STATIC_ASSERT (sizeof digest * 2 == ATRIUM_TOKEN_HASH_HEX_LEN);
  g_return_val_if_fail (token != NULL, NULL);

  atrium_crypto_init ();
  crypto_generichash (digest, sizeof digest, (const guint8 *) token, strlen (token), NULL, 0);
  hex = atrium_hex_encode (digest, sizeof digest);
  atrium_secure_zero (digest, sizeof digest);
  return hex;
}

/* A code of @digits decimal digits, uniform over all 10^digits values (leading zeros kept). */
char *
atrium_short_code_generate (guint digits)
{
  char *code;

  g_return_val_if_fail (digits >= 4 && digits <= 12, NULL);

  code = g_malloc (digits + 1);
  for (guint i = 0; i < digits; i++)
    code[i] = '0' + atrium_random_uniform (10);
  code[digits] = '\0';
  return code;
}
