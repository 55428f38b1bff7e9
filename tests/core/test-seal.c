/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "atrium-core-error.h"
#include "atrium-random.h"
#include "atrium-seal.h"

static void
test_round_trip (void)
{
  guint8 key[ATRIUM_SEAL_KEY_LEN];
  const guint8 secret[20] = "12345678901234567890";
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree guint8 *back = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  atrium_random_bytes (key, sizeof key);
  a = atrium_seal (key, secret, sizeof secret);
  b = atrium_seal (key, secret, sizeof secret);
  g_assert_true (g_str_has_prefix (a, "v1."));
  g_assert_cmpstr (a, !=, b);   /* a fresh nonce each time */
  g_assert_null (strstr (a, "1234"));

  back = atrium_unseal (key, a, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back, len, secret, sizeof secret);
}

static void
test_refusals (void)
{
  guint8 key[ATRIUM_SEAL_KEY_LEN], other[ATRIUM_SEAL_KEY_LEN];
  g_autofree char *sealed = NULL;
  gsize len;
  const char *bad[] = { "", "v1.", "v2.AAAA", "v1.!!!!", "v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL };

  atrium_random_bytes (key, sizeof key);
  atrium_random_bytes (other, sizeof other);
  sealed = atrium_seal (key, (const guint8 *) "seed", 4);

  {
    g_autoptr(GError) error = NULL;

    g_assert_null (atrium_unseal (other, sealed, &len, &error));
    g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID);
  }
  /* Any changed character breaks the tag. */
  for (gsize i = 3; sealed[i] != '\0'; i++)
    {
      g_autofree char *tampered = g_strdup (sealed);

      tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
      g_assert_null (atrium_unseal (key, tampered, &len, NULL));
    }
  for (guint i = 0; bad[i] != NULL; i++)
    g_assert_null (atrium_unseal (key, bad[i], &len, NULL));
  g_assert_null (atrium_unseal (key, NULL, &len, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/seal/round-trip", test_round_trip);
  g_test_add_func ("/seal/refusals", test_refusals);

  return g_test_run ();
}
