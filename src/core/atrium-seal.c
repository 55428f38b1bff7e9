/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-core"

#include "config.h"

#include "atrium-seal.h"

#include <string.h>
#include <sodium.h>

#include "atrium-core-error.h"
#include "atrium-random.h"

#define PREFIX "v1."

/* "v1." + base64url (nonce ‖ ciphertext ‖ tag). */
char *
atrium_seal (const guint8  key[ATRIUM_SEAL_KEY_LEN],
             const guint8 *data,
             gsize         len)
{
  gsize box_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
  g_autofree guint8 *box = g_malloc (box_len);
  g_autofree char *encoded = NULL;

  atrium_random_bytes (box, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy (box + crypto_secretbox_NONCEBYTES, data, len, box, key);
  encoded = atrium_base64url_encode (box, box_len);
  return g_strconcat (PREFIX, encoded, NULL);
}

guint8 *
atrium_unseal (const guint8  key[ATRIUM_SEAL_KEY_LEN],
               const char   *sealed,
               gsize        *len_out,
               GError      **error)
{
  g_autofree guint8 *box = NULL;
  guint8 *plain;
  gsize box_len = 0;
  gsize encoded_len;

  atrium_crypto_init ();
  if (sealed == NULL || !g_str_has_prefix (sealed, PREFIX))
    goto bad;
  encoded_len = strlen (sealed + strlen (PREFIX));
  box = g_malloc (encoded_len + 1);
  if (sodium_base642bin (box, encoded_len + 1, sealed + strlen (PREFIX), encoded_len, NULL,
                         &box_len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      box_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    goto bad;

  *len_out = box_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
  plain = g_malloc (*len_out + 1);
  if (crypto_secretbox_open_easy (plain, box + crypto_secretbox_NONCEBYTES,
                                  box_len - crypto_secretbox_NONCEBYTES, box, key) != 0)
    {
      g_free (plain);
      goto bad;
    }
  plain[*len_out] = 0;
  return plain;

bad:
  g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID,
               "A sealed secret cannot be opened (wrong key or damaged)");
  return NULL;
}
