/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "atrium-core-error.h"
#include "atrium-random.h"
#include "atrium-totp.h"

/* The secret of RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1). */
static const guint8 rfc_key[] = "12345678901234567890";
#define RFC_KEY_LEN 20

static void
test_hotp_rfc4226 (void)
{
  static const guint32 expected[10] = {
    755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
  };

  for (guint64 counter = 0; counter < G_N_ELEMENTS (expected); counter++)
    g_assert_cmpuint (atrium_hotp (rfc_key, RFC_KEY_LEN, counter, 6), ==, expected[counter]);
}

static void
test_totp_rfc6238 (void)
{
  static const struct { gint64 time; guint32 code; } vectors[] = {
    { 59,                                94287082 },
    { 1111111109,                        7081804 },
    { 1111111111,                        14050471 },
    { 1234567890,                        89005924 },
    { 2000000000,                        69279037 },
    { G_GINT64_CONSTANT (20000000000),   65353130 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      gint64 step = atrium_totp_step (vectors[i].time);
      guint32 code8 = atrium_hotp (rfc_key, RFC_KEY_LEN, (guint64) step, 8);
      g_autofree char *text = g_strdup_printf ("%08u", (guint) code8);

      g_assert_cmpuint (code8, ==, vectors[i].code);
      /* The 6-digit code is the same truncation modulo 10^6. */
      g_assert_cmpuint (atrium_totp_code (rfc_key, RFC_KEY_LEN, vectors[i].time), ==,
                        vectors[i].code % 1000000);
      g_assert_cmpuint (strlen (text), ==, 8);
    }
  g_assert_cmpuint (atrium_hotp (rfc_key, RFC_KEY_LEN, atrium_totp_step (1111111109), 8), ==,
                    7081804);
}

static void
test_totp_step (void)
{
  g_assert_cmpint (atrium_totp_step (0), ==, 0);
  g_assert_cmpint (atrium_totp_step (29), ==, 0);
  g_assert_cmpint (atrium_totp_step (30), ==, 1);
  g_assert_cmpint (atrium_totp_step (59), ==, 1);
  g_assert_cmpint (atrium_totp_step (60), ==, 2);
  g_assert_cmpint (atrium_totp_step (-1), ==, -1);
  g_assert_cmpint (atrium_totp_step (-30), ==, -1);
  g_assert_cmpint (atrium_totp_step (-31), ==, -2);
  g_assert_cmpint (atrium_totp_step (G_GINT64_CONSTANT (20000000000)), ==,
                   G_GINT64_CONSTANT (666666666));
}

static char *
code_at_step (gint64 step)
{
  return g_strdup_printf ("%06u", (guint) atrium_hotp (rfc_key, RFC_KEY_LEN, (guint64) step, 6));
}

#define NOW G_GINT64_CONSTANT (1795512615)   /* 15 s into its step */

static void
test_totp_verify_window (void)
{
  gint64 step = atrium_totp_step (NOW);
  gint64 matched = 0;

  for (gint64 delta = -3; delta <= 3; delta++)
    {
      g_autofree char *code = code_at_step (step + delta);
      gboolean in_window = delta >= -1 && delta <= 1;

      g_assert_cmpint (atrium_totp_verify (rfc_key, RFC_KEY_LEN, code, NOW, 1, -1, &matched),
                       ==, in_window);
      g_assert_cmpint (matched, ==, in_window ? step + delta : -1);

      /* Window 0: only the current step. */
      g_assert_cmpint (atrium_totp_verify (rfc_key, RFC_KEY_LEN, code, NOW, 0, -1, NULL),
                       ==, delta == 0);
    }

  /* The code of the current step, at the first and the last second of the step. */
  {
    g_autofree char *code = code_at_step (step);
    gint64 first = step * ATRIUM_TOTP_PERIOD;

    g_assert_true (atrium_totp_verify (rfc_key, RFC_KEY_LEN, code, first, 1, -1, &matched));
    g_assert_cmpint (matched, ==, step);
    g_assert_true (atrium_totp_verify (rfc_key, RFC_KEY_LEN, code, first + 29, 1, -1, NULL));
    /* 31 s after the end of the step it is two steps old. */
    g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, code, first + 60, 1, -1, NULL));
  }

  /* The code of another key does not match. */
  {
    static const guint8 other_key[RFC_KEY_LEN] = { 1, 2, 3 };
    g_autofree char *code = code_at_step (step);

    g_assert_cmpuint (atrium_totp_code (other_key, RFC_KEY_LEN, NOW), !=,
                      atrium_totp_code (rfc_key, RFC_KEY_LEN, NOW));
    g_assert_false (atrium_totp_verify (other_key, RFC_KEY_LEN, code, NOW, 0, -1, NULL));
  }
}

static void
test_totp_verify_replay (void)
{
  gint64 step = atrium_totp_step (NOW);
  g_autofree char *current = code_at_step (step);
  g_autofree char *previous = code_at_step (step - 1);
  g_autofree char *next = code_at_step (step + 1);
  gint64 last_used = -1;
  gint64 matched = -1;

  /* First use succeeds and reports the step to store. */
  g_assert_true (atrium_totp_verify (rfc_key, RFC_KEY_LEN, current, NOW, 1, last_used,
                                     &matched));
  g_assert_cmpint (matched, ==, step);
  last_used = matched;

  /* The same code again, in the same step or the next one: refused. */
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, current, NOW, 1, last_used,
                                      &matched));
  g_assert_cmpint (matched, ==, -1);
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, current, NOW + 30, 1, last_used,
                                      NULL));

  /* A code of an earlier step, still inside the window, after a later one was used. */
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, previous, NOW, 1, last_used, NULL));

  /* The next step's code is new: accepted once. */
  g_assert_true (atrium_totp_verify (rfc_key, RFC_KEY_LEN, next, NOW + 30, 1, last_used,
                                     &matched));
  g_assert_cmpint (matched, ==, step + 1);
  last_used = matched;
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, next, NOW + 30, 1, last_used, NULL));
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, current, NOW + 30, 1, last_used,
                                      NULL));

  /* If a future step (clock skew) was used, the current one is refused too. */
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, current, NOW, 1, step + 1, NULL));
}

static void
test_totp_verify_format (void)
{
  g_autofree char *code = code_at_step (atrium_totp_step (NOW));
  g_autofree char *with_space = g_strconcat (code, " ", NULL);
  g_autofree char *leading_space = g_strconcat (" ", code, NULL);
  g_autofree char *longer = g_strconcat (code, "0", NULL);
  g_autofree char *shorter = g_strndup (code, 5);
  g_autofree char *letter = g_strdup (code);
  const char *bad[] = {
    "", "12345", "1234567", "12345a", "abcdef", "+12345", "-12345", " 12345",
    "１２３４５６", "12 345", "0x1234",
  };

  letter[5] = 'a';
  g_assert_true (atrium_totp_verify (rfc_key, RFC_KEY_LEN, code, NOW, 1, -1, NULL));
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, with_space, NOW, 1, -1, NULL));
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, leading_space, NOW, 1, -1, NULL));
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, longer, NOW, 1, -1, NULL));
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, shorter, NOW, 1, -1, NULL));
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, letter, NOW, 1, -1, NULL));
  g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, NULL, NOW, 1, -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (atrium_totp_verify (rfc_key, RFC_KEY_LEN, bad[i], NOW, 1, -1, NULL));
}

static void
test_base32_rfc4648 (void)
{
  static const struct { const char *plain; const char *encoded; const char *padded; } v[] = {
    { "",       "",           "" },
    { "f",      "MY",         "MY======" },
    { "fo",     "MZXQ",       "MZXQ====" },
    { "foo",    "MZXW6",      "MZXW6===" },
    { "foob",   "MZXW6YQ",    "MZXW6YQ=" },
    { "fooba",  "MZXW6YTB",   "MZXW6YTB" },
    { "foobar", "MZXW6YTBOI", "MZXW6YTBOI======" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    {
      gsize plain_len = strlen (v[i].plain);
      g_autofree char *encoded = atrium_base32_encode ((const guint8 *) v[i].plain, plain_len);
      g_autofree char *lower = g_ascii_strdown (v[i].padded, -1);
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *a = NULL;
      g_autofree guint8 *b = NULL;
      g_autofree guint8 *c = NULL;
      gsize len = 99;

      g_assert_cmpstr (encoded, ==, v[i].encoded);

      a = atrium_base32_decode (v[i].encoded, &len, &error);
      g_assert_no_error (error);
      g_assert_nonnull (a);
      g_assert_cmpmem (a, len, v[i].plain, plain_len);

      b = atrium_base32_decode (v[i].padded, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (b, len, v[i].plain, plain_len);

      c = atrium_base32_decode (lower, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (c, len, v[i].plain, plain_len);
    }
}

static void
test_base32_decode_lenient_and_strict (void)
{
  const char *bad[] = {
    "M",            /* 1 symbol: no whole byte */
    "A",            /* the same with zero bits */
    "MZX",          /* 3 symbols */
    "MYA",          /* 3 symbols, zero pad bits */
    "MZXW6Y",       /* 6 symbols */
    "MZXW6A",       /* 6 symbols, zero pad bits */
    "MZ",           /* 'f' with non-zero pad bits */
    "MY=A",         /* data after padding */
    "M1",           /* not in the alphabet */
    "MY-A",
    "MZXW6YTBOÉ",
  };
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *spaced = NULL;
  g_autofree guint8 *grouped = NULL;
  gsize len = 0;

  /* Secrets are often shown in groups of four, in lowercase. */
  spaced = atrium_base32_decode ("mzxw 6ytb oi", &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (spaced, len, "foobar", 6);
  grouped = atrium_base32_decode ("  GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ\n", &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (grouped, len, rfc_key, RFC_KEY_LEN);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (atrium_base32_decode (bad[i], &len, &error));
      g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX);
      g_assert_cmpuint (len, ==, 0);
      g_clear_error (&error);
    }
}

static void
test_base32_round_trip (void)
{
  for (gsize n = 0; n <= 64; n++)
    {
      guint8 data[64];
      g_autofree char *encoded = NULL;
      g_autofree guint8 *decoded = NULL;
      gsize len = 0;

      atrium_random_bytes (data, n);
      encoded = atrium_base32_encode (data, n);
      g_assert_cmpuint (strlen (encoded), ==, (n * 8 + 4) / 5);
      decoded = atrium_base32_decode (encoded, &len, NULL);
      g_assert_nonnull (decoded);
      g_assert_cmpmem (decoded, len, data, n);
    }
}

static void
test_secret (void)
{
  guint8 a[ATRIUM_TOTP_SECRET_BYTES];
  guint8 b[ATRIUM_TOTP_SECRET_BYTES];
  g_autofree char *encoded = NULL;

  atrium_totp_generate_secret (a);
  atrium_totp_generate_secret (b);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  encoded = atrium_base32_encode (a, sizeof a);
  g_assert_cmpuint (strlen (encoded), ==, 32);
}

static void
test_uri (void)
{
  g_autofree char *uri = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *accented = NULL;
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GHashTable) params = NULL;

  uri = atrium_totp_uri ("Atrium Library", "marie curie:desk", rfc_key, RFC_KEY_LEN);
  g_assert_cmpstr (uri, ==,
                   "otpauth://totp/Atrium%20Library:marie%20curie%3Adesk"
                   "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Atrium%20Library"
                   "&algorithm=SHA1&digits=6&period=30");

  /* A standard parser gets back exactly what went in. */
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpstr (g_uri_get_scheme (parsed), ==, "otpauth");
  g_assert_cmpstr (g_uri_get_host (parsed), ==, "totp");
  {
    /* The label splits at its only literal ':' into issuer and account. */
    g_auto(GStrv) label = g_strsplit (g_uri_get_path (parsed) + 1, ":", -1);
    g_autofree char *issuer = NULL;
    g_autofree char *account = NULL;

    g_assert_cmpuint (g_strv_length (label), ==, 2);
    issuer = g_uri_unescape_string (label[0], NULL);
    account = g_uri_unescape_string (label[1], NULL);
    g_assert_cmpstr (issuer, ==, "Atrium Library");
    g_assert_cmpstr (account, ==, "marie curie:desk");
  }
  params = g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_cmpstr (g_hash_table_lookup (params, "issuer"), ==, "Atrium Library");
  g_assert_cmpstr (g_hash_table_lookup (params, "secret"), ==,
                   "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");

  plain = atrium_totp_uri (NULL, "marie@example.org", rfc_key, RFC_KEY_LEN);
  g_assert_cmpstr (plain, ==,
                   "otpauth://totp/marie%40example.org"
                   "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30");

  accented = atrium_totp_uri ("Bibliothèque & Co", "zoé?x=1", rfc_key, RFC_KEY_LEN);
  g_assert_cmpstr (accented, ==,
                   "otpauth://totp/Biblioth%C3%A8que%20%26%20Co:zo%C3%A9%3Fx%3D1"
                   "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Biblioth%C3%A8que%20%26%20Co"
                   "&algorithm=SHA1&digits=6&period=30");
}

static gboolean
is_canonical_code (const char *code)
{
  if (strlen (code) != ATRIUM_RECOVERY_CODE_CHARS)
    return FALSE;
  for (const char *p = code; *p; p++)
    if (strchr (ATRIUM_RECOVERY_CODE_ALPHABET, *p) == NULL)
      return FALSE;
  return TRUE;
}

static void
test_recovery_codes (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint counts[256] = { 0 };

  /* The alphabet is unambiguous and 32 symbols long: 12 symbols are 60 bits. */
  g_assert_cmpuint (strlen (ATRIUM_RECOVERY_CODE_ALPHABET), ==, 32);
  for (const char *p = "0O1lo"; *p; p++)
    g_assert_null (strchr (ATRIUM_RECOVERY_CODE_ALPHABET, *p));

  for (guint set = 0; set < 50; set++)
    {
      g_auto(GStrv) codes = atrium_recovery_codes_generate (10);

      g_assert_cmpuint (g_strv_length (codes), ==, 10);
      for (guint i = 0; codes[i] != NULL; i++)
        {
          const char *code = codes[i];
          g_autofree char *normal = NULL;
          g_autofree char *typed = NULL;
          g_autofree char *typed_normal = NULL;

          g_assert_cmpuint (strlen (code), ==, 14);
          g_assert_cmpint (code[4], ==, '-');
          g_assert_cmpint (code[9], ==, '-');
          for (guint j = 0; j < 14; j++)
            {
              if (j == 4 || j == 9)
                continue;
              g_assert_nonnull (strchr (ATRIUM_RECOVERY_CODE_ALPHABET, code[j]));
              counts[(guchar) code[j]]++;
            }

          normal = atrium_recovery_code_normalize (code);
          g_assert_nonnull (normal);
          g_assert_true (is_canonical_code (normal));
          g_assert_true (g_hash_table_add (seen, g_strdup (normal)));

          /* Typed in capitals, with spaces instead of dashes: the same code. */
          typed = g_ascii_strup (code, -1);
          g_strdelimit (typed, "-", ' ');
          typed_normal = atrium_recovery_code_normalize (typed);
          g_assert_cmpstr (typed_normal, ==, normal);
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 500);

  /* 6,000 symbols: every one of the 32 turns up. */
  for (const char *p = ATRIUM_RECOVERY_CODE_ALPHABET; *p; p++)
    g_assert_cmpuint (counts[(guchar) *p], >, 0);
}

static void
test_recovery_code_normalize (void)
{
  const char *bad[] = {
    "", "abcd-efgh-ijk", "abcd-efgh-ijkmn", "abcd-efgh-ijk0", "abcd-efgh-ijkl",
    "abcd-efgh-ijko", "abcd-efgh-ijk1", "abcd_efgh_ijkm", "abcd-efgh-ijké", "abcd\tefgh-ijkm",
  };
  g_autofree char *a = atrium_recovery_code_normalize ("abcd-efgh-ijkm");
  g_autofree char *b = atrium_recovery_code_normalize (" ABCD EFGH - IJKM ");
  g_autofree char *c = atrium_recovery_code_normalize ("abcdefghijkm");

  g_assert_cmpstr (a, ==, "abcdefghijkm");
  g_assert_cmpstr (b, ==, "abcdefghijkm");
  g_assert_cmpstr (c, ==, "abcdefghijkm");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_null (atrium_recovery_code_normalize (bad[i]));
}

static void
test_token_hash (void)
{
  g_autofree char *abc = atrium_token_hash ("abc");
  g_autofree char *empty = atrium_token_hash ("");
  g_autofree char *abd = atrium_token_hash ("abd");

  /* hashlib.blake2b(b"abc", digest_size=32).hexdigest() */
  g_assert_cmpstr (abc, ==, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  g_assert_cmpstr (empty, ==, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  g_assert_cmpuint (strlen (abd), ==, ATRIUM_TOKEN_HASH_HEX_LEN);
  g_assert_cmpstr (abd, !=, abc);
}

static void
test_short_code (void)
{
  guint leading_zero = 0;
  guint digit_counts[10] = { 0 };

  for (guint digits = 4; digits <= 12; digits++)
    {
      g_autofree char *code = atrium_short_code_generate (digits);

      g_assert_cmpuint (strlen (code), ==, digits);
      for (const char *p = code; *p; p++)
        g_assert_true (*p >= '0' && *p <= '9');
    }

  /* 2,000 six-digit codes: leading zeros are kept and every digit turns up. */
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *code = atrium_short_code_generate (6);

      g_assert_cmpuint (strlen (code), ==, 6);
      for (const char *p = code; *p; p++)
        {
          g_assert_true (g_ascii_isdigit (*p));
          digit_counts[*p - '0']++;
        }
      if (code[0] == '0')
        leading_zero++;
    }
  g_assert_cmpuint (leading_zero, >, 0);
  for (guint d = 0; d < 10; d++)
    g_assert_cmpuint (digit_counts[d], >, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/totp/hotp-rfc4226", test_hotp_rfc4226);
  g_test_add_func ("/totp/totp-rfc6238", test_totp_rfc6238);
  g_test_add_func ("/totp/step", test_totp_step);
  g_test_add_func ("/totp/verify-window", test_totp_verify_window);
  g_test_add_func ("/totp/verify-replay", test_totp_verify_replay);
  g_test_add_func ("/totp/verify-format", test_totp_verify_format);
  g_test_add_func ("/totp/base32-rfc4648", test_base32_rfc4648);
  g_test_add_func ("/totp/base32-decode", test_base32_decode_lenient_and_strict);
  g_test_add_func ("/totp/base32-round-trip", test_base32_round_trip);
  g_test_add_func ("/totp/secret", test_secret);
  g_test_add_func ("/totp/uri", test_uri);
  g_test_add_func ("/totp/recovery-codes", test_recovery_codes);
  g_test_add_func ("/totp/recovery-code-normalize", test_recovery_code_normalize);
  g_test_add_func ("/totp/token-hash", test_token_hash);
  g_test_add_func ("/totp/short-code", test_short_code);

  return g_test_run ();
}
