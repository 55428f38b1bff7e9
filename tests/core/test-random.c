/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "atrium-core-error.h"
#include "atrium-random.h"

static void
test_hex_token (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      char *token = atrium_random_hex (32);

      g_assert_cmpuint (strlen (token), ==, 64);
      for (const char *p = token; *p; p++)
        g_assert_true (g_ascii_isxdigit (*p) && !g_ascii_isupper (*p));
      g_assert_true (g_hash_table_add (seen, token));
    }
}

static void
test_base64url_token (void)
{
  /* 32 bytes are 43 characters of URL-safe base64 without padding. */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *token = atrium_random_base64url (32);

      g_assert_cmpuint (strlen (token), ==, 43);
      for (const char *p = token; *p; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
    }
}

static void
test_random_is_not_constant (void)
{
  guint8 a[32], b[32];
  guint counts[256] = { 0 };

  atrium_random_bytes (a, sizeof a);
  atrium_random_bytes (b, sizeof b);
  g_assert_true (memcmp (a, b, sizeof a) != 0);

  /* 25,600 draws in [0, 256): every value turns up (p of a miss is ~ 1e-41). */
  for (guint i = 0; i < 25600; i++)
    counts[atrium_random_uniform (256)]++;
  for (guint i = 0; i < 256; i++)
    g_assert_cmpuint (counts[i], >, 0);
  for (guint i = 0; i < 1000; i++)
    g_assert_cmpuint (atrium_random_uniform (7), <, 7);
}

static void
test_hex_round_trip (void)
{
  const guint8 data[4] = { 0x00, 0xab, 0x7f, 0xff };
  g_autofree char *hex = atrium_hex_encode (data, sizeof data);
  guint8 back[4];
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (hex, ==, "00ab7fff");
  g_assert_true (atrium_hex_decode (hex, back, sizeof back, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (back, sizeof back, data, sizeof data);

  g_assert_true (atrium_hex_decode ("00AB7FFF", back, sizeof back, NULL));
  g_assert_false (atrium_hex_decode ("00ab7ff", back, sizeof back, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX);
  g_clear_error (&error);
  g_assert_false (atrium_hex_decode ("00ab7fzz", back, sizeof back, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX);
  g_clear_error (&error);
  g_assert_false (atrium_hex_decode ("00ab7fff00", back, sizeof back, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX);
}

static void
test_base64url_known (void)
{
  const guint8 data[] = { 0xfb, 0xff, 0xbf };
  g_autofree char *b64 = atrium_base64url_encode (data, sizeof data);

  /* Standard base64 would give "+/+/": the URL-safe alphabet must be used. */
  g_assert_cmpstr (b64, ==, "-_-_");
}

static void
test_secure_equal (void)
{
  g_assert_true (atrium_secure_equal ("abc", 3, "abc", 3));
  g_assert_false (atrium_secure_equal ("abc", 3, "abd", 3));
  g_assert_false (atrium_secure_equal ("abc", 3, "abcd", 4));
  g_assert_true (atrium_secure_equal ("", 0, "", 0));
  g_assert_true (atrium_secure_str_equal ("token", "token"));
  g_assert_false (atrium_secure_str_equal ("token", "tokem"));
  g_assert_false (atrium_secure_str_equal ("token", NULL));
  g_assert_false (atrium_secure_str_equal (NULL, NULL));
}

static void
test_secure_zero (void)
{
  char *secret = g_strdup ("hunter2hunter2");
  char buf[8];

  memset (buf, 'x', sizeof buf);
  atrium_secure_zero (buf, sizeof buf);
  for (guint i = 0; i < sizeof buf; i++)
    g_assert_cmpint (buf[i], ==, 0);
  atrium_secure_free_string (secret);
  atrium_secure_free_string (NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/random/hex-token", test_hex_token);
  g_test_add_func ("/random/base64url-token", test_base64url_token);
  g_test_add_func ("/random/not-constant", test_random_is_not_constant);
  g_test_add_func ("/random/hex-round-trip", test_hex_round_trip);
  g_test_add_func ("/random/base64url-known", test_base64url_known);
  g_test_add_func ("/random/secure-equal", test_secure_equal);
  g_test_add_func ("/random/secure-zero", test_secure_zero);

  return g_test_run ();
}
