/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "atrium-checkin-code.h"
#include "atrium-random.h"
#include "atrium-totp.h"

typedef struct
{
  guint8           secret[ATRIUM_CHECKIN_SECRET_KEY_LEN];
  AtriumCheckinKey key;
} Signer;

static void
signer_init (Signer  *signer,
             guint32  id)
{
  guint8 seed[ATRIUM_CHECKIN_SEED_LEN];

  atrium_random_bytes (seed, sizeof seed);
  signer->key.id = id;
  atrium_checkin_key_from_seed (seed, signer->key.public_key, signer->secret);
}

static const AtriumCheckinPayload sample = {
  7, G_GINT64_CONSTANT (123456789012), 42,
  G_GINT64_CONSTANT (1795510800), G_GINT64_CONSTANT (1795518000),
};

static void
assert_payload_equal (const AtriumCheckinPayload *a,
                      const AtriumCheckinPayload *b)
{
  g_assert_cmpuint (a->key_id, ==, b->key_id);
  g_assert_cmpint (a->booking_id, ==, b->booking_id);
  g_assert_cmpint (a->resource_id, ==, b->resource_id);
  g_assert_cmpint (a->start, ==, b->start);
  g_assert_cmpint (a->end, ==, b->end);
}

/* Decodes @code against @keys and checks it fails with @expected. */
static void
assert_refused (const AtriumCheckinKey *keys,
                gsize                   n_keys,
                const char             *code,
                gssize                  length,
                int                     expected)
{
  g_autoptr(GError) error = NULL;
  AtriumCheckinPayload out = { 0 };

  g_assert_false (atrium_checkin_code_decode (keys, n_keys, code, length, &out, &error));
  g_assert_error (error, ATRIUM_CHECKIN_CODE_ERROR, expected);
  g_assert_cmpint (out.booking_id, ==, 0);
}

/* The binary form of @code, to be changed and encoded again. */
static guint8 *
binary_of (const char *code,
           gsize      *len)
{
  guint8 *binary = atrium_base32_decode (code + strlen (ATRIUM_CHECKIN_CODE_PREFIX), len,
                                         NULL);

  g_assert_nonnull (binary);
  g_assert_cmpuint (*len, ==, ATRIUM_CHECKIN_CODE_BINARY_LEN);
  return binary;
}

static char *
code_of (const guint8 *binary,
         gsize         len)
{
  g_autofree char *text = atrium_base32_encode (binary, len);

  return g_strconcat (ATRIUM_CHECKIN_CODE_PREFIX, text, NULL);
}

static void
test_round_trip (void)
{
  Signer signer;
  g_autofree char *code = NULL;
  g_autofree char *again = NULL;
  g_autoptr(GError) error = NULL;
  AtriumCheckinPayload out = { 0 };
  AtriumCheckinPayload extreme = { G_MAXUINT32, G_MAXINT64, G_MAXINT64, G_MININT64,
                                   G_MAXINT64 };

  signer_init (&signer, sample.key_id);
  code = atrium_checkin_code_encode (signer.secret, &sample);
  g_assert_cmpuint (strlen (code), ==, ATRIUM_CHECKIN_CODE_LEN);
  g_assert_true (g_str_has_prefix (code, "ATR1."));
  /* Only characters of the QR alphanumeric set, upper case. */
  for (const char *p = code; *p != '\0'; p++)
    g_assert_nonnull (strchr ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", *p));

  g_assert_true (atrium_checkin_code_decode (&signer.key, 1, code, -1, &out, &error));
  g_assert_no_error (error);
  assert_payload_equal (&out, &sample);

  /* Ed25519 is deterministic: one booking, one code. */
  again = atrium_checkin_code_encode (signer.secret, &sample);
  g_assert_cmpstr (code, ==, again);

  /* Every bit of every field survives, negative times included. */
  signer.key.id = extreme.key_id;
  g_clear_pointer (&code, g_free);
  code = atrium_checkin_code_encode (signer.secret, &extreme);
  g_assert_true (atrium_checkin_code_decode (&signer.key, 1, code, -1, &out, &error));
  assert_payload_equal (&out, &extreme);
}

/* Each byte of the binary form changed, re-encoded as a well-formed code: refused, and
 * for the reason that byte stands for. */
static void
test_tampered (void)
{
  Signer signer;
  g_autofree char *code = NULL;
  g_autofree guint8 *binary = NULL;
  gsize len = 0;

  signer_init (&signer, sample.key_id);
  code = atrium_checkin_code_encode (signer.secret, &sample);
  binary = binary_of (code, &len);

  for (gsize i = 0; i < len; i++)
    for (guint bit = 0; bit < 8; bit++)
      {
        g_autofree guint8 *changed = g_memdup2 (binary, len);
        g_autofree char *tampered = NULL;
        int expected;

        changed[i] ^= 1u << bit;
        tampered = code_of (changed, len);
        if (i == 0)
          expected = ATRIUM_CHECKIN_CODE_ERROR_MALFORMED;
        else if (i <= 4)
          expected = ATRIUM_CHECKIN_CODE_ERROR_UNKNOWN_KEY;
        else
          expected = ATRIUM_CHECKIN_CODE_ERROR_BAD_SIGNATURE;
        assert_refused (&signer.key, 1, tampered, -1, expected);
      }

  /* And each character of the text replaced by another of the alphabet. */
  for (gsize i = strlen (ATRIUM_CHECKIN_CODE_PREFIX); code[i] != '\0'; i++)
    {
      g_autofree char *tampered = g_strdup (code);
      AtriumCheckinPayload out;

      tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
      g_assert_false (atrium_checkin_code_decode (&signer.key, 1, tampered, -1, &out, NULL));
    }
}

/* A code signed by another key, even one that claims our key id, is refused. */
static void
test_foreign_key (void)
{
  Signer ours, theirs, other_id;
  g_autofree char *forged = NULL;
  g_autofree char *foreign = NULL;
  g_autofree char *ours_code = NULL;
  AtriumCheckinPayload out = { 0 };
  AtriumCheckinPayload foreign_payload = sample;
  AtriumCheckinKey both[2];

  signer_init (&ours, sample.key_id);
  signer_init (&theirs, sample.key_id);
  signer_init (&other_id, sample.key_id + 1);

  forged = atrium_checkin_code_encode (theirs.secret, &sample);
  assert_refused (&ours.key, 1, forged, -1, ATRIUM_CHECKIN_CODE_ERROR_BAD_SIGNATURE);

  foreign_payload.key_id = other_id.key.id;
  foreign = atrium_checkin_code_encode (other_id.secret, &foreign_payload);
  assert_refused (&ours.key, 1, foreign, -1, ATRIUM_CHECKIN_CODE_ERROR_UNKNOWN_KEY);
  assert_refused (NULL, 0, foreign, -1, ATRIUM_CHECKIN_CODE_ERROR_UNKNOWN_KEY);

  /* With both keys known (a rotation), each code finds its own. */
  both[0] = ours.key;
  both[1] = other_id.key;
  ours_code = atrium_checkin_code_encode (ours.secret, &sample);
  g_assert_true (atrium_checkin_code_decode (both, 2, ours_code, -1, &out, NULL));
  g_assert_cmpint (out.key_id, ==, sample.key_id);
  g_assert_true (atrium_checkin_code_decode (both, 2, foreign, -1, &out, NULL));
  g_assert_cmpint (out.key_id, ==, other_id.key.id);
}

static void
test_malformed (void)
{
  Signer signer;
  g_autofree char *code = NULL;
  g_autofree guint8 *binary = NULL;
  gsize len = 0;
  const char *garbage[] = {
    "", "A", "ATR", "ATR.", "ATR1", "ATR1.", "atr1.", "ATRX.AAAA", "https://example.org/",
    "ATR1.AAAAAAAA", "ATR1234.AAAA", "\xff\xfe", NULL,
  };

  signer_init (&signer, sample.key_id);
  code = atrium_checkin_code_encode (signer.secret, &sample);

  for (guint i = 0; garbage[i] != NULL; i++)
    assert_refused (&signer.key, 1, garbage[i], -1, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);
  assert_refused (&signer.key, 1, NULL, -1, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);

  /* Cut at every length, and one character or byte more of every kind. */
  for (gsize n = 0; n < ATRIUM_CHECKIN_CODE_LEN; n++)
    {
      g_autofree char *cut = g_strndup (code, n);
      AtriumCheckinPayload out;

      g_assert_false (atrium_checkin_code_decode (&signer.key, 1, cut, -1, &out, NULL));
      g_assert_false (atrium_checkin_code_decode (&signer.key, 1, code, n, &out, NULL));
    }
  {
    const char *tails[] = { "A", "=", "\n", " ", "\r\n", "AAAAAAAA", "====", NULL };

    for (guint i = 0; tails[i] != NULL; i++)
      {
        g_autofree char *longer = g_strconcat (code, tails[i], NULL);

        assert_refused (&signer.key, 1, longer, -1, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);
      }
    /* A NUL inside the given length is not the end of the code. */
    {
      g_autofree char *with_nul = g_strdup (code);

      with_nul[40] = '\0';
      assert_refused (&signer.key, 1, with_nul, ATRIUM_CHECKIN_CODE_LEN,
                      ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);
    }
  }

  /* Lower case, padding and white space are other spellings: refused. */
  {
    g_autofree char *lower = g_strdup (code);
    g_autofree char *spaced = g_strdup (code);
    g_autofree char *other = g_strdup (code);

    char *letter = lower + strlen (ATRIUM_CHECKIN_CODE_PREFIX);

    while (!g_ascii_isupper (*letter))
      letter++;
    *letter = g_ascii_tolower (*letter);
    assert_refused (&signer.key, 1, lower, -1, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);
    spaced[20] = ' ';
    assert_refused (&signer.key, 1, spaced, -1, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);
    other[30] = '8';   /* base32hex, not base32 */
    assert_refused (&signer.key, 1, other, -1, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);
  }

  /* The last character carries 3 bits and 2 zero bits: non-zero pad bits are refused. */
  {
    g_autofree char *padded = g_strdup (code);
    char *last = padded + ATRIUM_CHECKIN_CODE_LEN - 1;
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    guint value = strchr (alphabet, *last) - alphabet;

    g_assert_cmpuint (value & 3, ==, 0);
    *last = alphabet[value | 1];
    assert_refused (&signer.key, 1, padded, -1, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);
  }

  /* A binary form one byte shorter or longer, well-formed base32 of its own. */
  binary = binary_of (code, &len);
  {
    g_autofree guint8 *longer = g_malloc0 (len + 1);
    g_autofree char *short_code = code_of (binary, len - 1);
    g_autofree char *long_code = NULL;

    memcpy (longer, binary, len);
    long_code = code_of (longer, len + 1);
    assert_refused (&signer.key, 1, short_code, -1, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);
    assert_refused (&signer.key, 1, long_code, -1, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED);
  }
}

static void
test_version (void)
{
  Signer signer;
  g_autofree char *code = NULL;
  g_autofree char *v2 = NULL;
  g_autofree char *v10 = NULL;

  signer_init (&signer, sample.key_id);
  code = atrium_checkin_code_encode (signer.secret, &sample);
  v2 = g_strdup (code);
  v2[3] = '2';
  assert_refused (&signer.key, 1, v2, -1, ATRIUM_CHECKIN_CODE_ERROR_WRONG_VERSION);
  assert_refused (&signer.key, 1, "ATR2.", -1, ATRIUM_CHECKIN_CODE_ERROR_WRONG_VERSION);
  v10 = g_strconcat ("ATR10.", code + 5, NULL);
  assert_refused (&signer.key, 1, v10, -1, ATRIUM_CHECKIN_CODE_ERROR_WRONG_VERSION);
  assert_refused (&signer.key, 1, "ATR0.AAAA", -1, ATRIUM_CHECKIN_CODE_ERROR_WRONG_VERSION);

  g_assert_cmpstr (atrium_checkin_code_error_code (ATRIUM_CHECKIN_CODE_ERROR_BAD_SIGNATURE),
                   ==, "code_bad_signature");
}

/* GET /keys read back into keys: each well-formed one kept, every other one skipped and
 * counted, a document without a list refused; a code signed with a kept key verifies. */
static void
test_keys_from_json (void)
{
  guint8 seed[32], public_key[32], secret_key[64];
  g_autofree char *encoded = NULL;
  g_autofree char *text = NULL;
  g_autofree char *code = NULL;
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(JsonNode) not_keys = NULL;
  g_autoptr(GArray) keys = g_array_new (FALSE, TRUE, sizeof (AtriumCheckinKey));
  g_autoptr(GError) error = NULL;
  AtriumCheckinPayload payload = { 0 }, back = { 0 };
  guint skipped = 0;

  atrium_random_bytes (seed, sizeof seed);
  atrium_checkin_key_from_seed (seed, public_key, secret_key);
  encoded = g_base64_encode (public_key, sizeof public_key);
  text = g_strdup_printf ("{\"keys\":[{\"id\":7,\"alg\":\"Ed25519\",\"public_key\":\"%s\"},"
                          "{\"id\":8,\"public_key\":\"c2hvcnQ=\"},"
                          "{\"id\":\"9\",\"public_key\":\"%s\"},"
                          "{\"id\":-1,\"public_key\":\"%s\"},"
                          "{\"id\":10},\"a string\",null,[]]}", encoded, encoded, encoded);
  document = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_checkin_keys_from_json (document, keys, &skipped));
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpuint (skipped, ==, 7);
  g_assert_cmpuint (g_array_index (keys, AtriumCheckinKey, 0).id, ==, 7);
  g_assert_cmpmem (g_array_index (keys, AtriumCheckinKey, 0).public_key, 32, public_key, 32);

  payload.key_id = 7;
  payload.booking_id = 42;
  payload.resource_id = 3;
  payload.start = 1795600000;
  payload.end = 1795603600;
  code = atrium_checkin_code_encode (secret_key, &payload);
  g_assert_true (atrium_checkin_code_decode ((AtriumCheckinKey *) keys->data, keys->len, code,
                                             -1, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpint (back.booking_id, ==, 42);

  not_keys = json_from_string ("{\"keys\":{\"id\":1}}", &error);
  g_assert_false (atrium_checkin_keys_from_json (not_keys, keys, NULL));
  g_assert_false (atrium_checkin_keys_from_json (NULL, keys, NULL));
  g_assert_cmpuint (keys->len, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/checkin-code/round-trip", test_round_trip);
  g_test_add_func ("/checkin-code/tampered", test_tampered);
  g_test_add_func ("/checkin-code/foreign-key", test_foreign_key);
  g_test_add_func ("/checkin-code/malformed", test_malformed);
  g_test_add_func ("/checkin-code/version", test_version);
  g_test_add_func ("/checkin-code/keys-from-json", test_keys_from_json);

  return g_test_run ();
}
