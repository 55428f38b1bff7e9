/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-core"

#include "config.h"

#include "atrium-random.h"

#include <string.h>
#include <sodium.h>

#include "atrium-core-error.h"

/* sodium_init() is thread-safe and idempotent; it must run before any other call. */
void
atrium_crypto_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      if (sodium_init () < 0)
        g_error ("libsodium could not be initialised; refusing to run without a CSPRNG");
      g_once_init_leave (&initialised, 1);
    }
}

void
atrium_random_bytes (void  *buf,
                     gsize  len)
{
  atrium_crypto_init ();
  randombytes_buf (buf, len);
}

/* Uniform in [0, upper_bound), without modulo bias. */
guint32
atrium_random_uniform (guint32 upper_bound)
{
  atrium_crypto_init ();
  return randombytes_uniform (upper_bound);
}

char *
atrium_hex_encode (const guint8 *data,
                   gsize         len)
{
  char *hex = g_malloc (len * 2 + 1);

  sodium_bin2hex (hex, len * 2 + 1, data, len);
  return hex;
}

gboolean
atrium_hex_decode (const char  *hex,
                   guint8      *out,
                   gsize        out_len,
                   GError     **error)
{
  gsize bin_len = 0;
  const char *end = NULL;

  g_return_val_if_fail (hex != NULL, FALSE);

  if (strlen (hex) != out_len * 2 ||
      sodium_hex2bin (out, out_len, hex, out_len * 2, NULL, &bin_len, &end) != 0 ||
      bin_len != out_len || *end != '\0')
    {
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX,
                   "expected %" G_GSIZE_FORMAT " hexadecimal digits", out_len * 2);
      sodium_memzero (out, out_len);
      return FALSE;
    }
  return TRUE;
}

char *
atrium_base64url_encode (const guint8 *data,
                         gsize         len)
{
  gsize size = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *b64 = g_malloc (size);

  sodium_bin2base64 (b64, size, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return b64;
}

char *
atrium_random_hex (gsize n_bytes)
{
  g_autofree guint8 *buf = g_malloc (n_bytes);
  char *hex;

  atrium_random_bytes (buf, n_bytes);
  hex = atrium_hex_encode (buf, n_bytes);
  sodium_memzero (buf, n_bytes);
  return hex;
}

char *
atrium_random_base64url (gsize n_bytes)
{
  g_autofree guint8 *buf = g_malloc (n_bytes);
  char *b64;

  atrium_random_bytes (buf, n_bytes);
  b64 = atrium_base64url_encode (buf, n_bytes);
  sodium_memzero (buf, n_bytes);
  return b64;
}

/* Constant time in the content; only the lengths may leak, and they are not secret. */
gboolean
atrium_secure_equal (const void *a,
                     gsize       a_len,
                     const void *b,
                     gsize       b_len)
{
  if (a_len != b_len)
    return FALSE;
  if (a_len == 0)
    return TRUE;
  atrium_crypto_init ();
  return sodium_memcmp (a, b, a_len) == 0;
}

gboolean
atrium_secure_str_equal (const char *a,
                         const char *b)
{
  if (a == NULL || b == NULL)
    return FALSE;
  return atrium_secure_equal (a, strlen (a), b, strlen (b));
}

void
atrium_secure_zero (void  *buf,
                    gsize  len)
{
  sodium_memzero (buf, len);
}

void
atrium_secure_free_string (char *str)
{
  if (str == NULL)
    return;
  sodium_memzero (str, strlen (str));
  g_free (str);
}
