/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-core"

#include "config.h"

#include "atrium-checkin-code.h"

#include <string.h>
#include <sodium.h>

#include "atrium-random.h"
#include "atrium-totp.h"

/* Binary form, version 1, integers big-endian:
 *   0  version (1)      1  key id (uint32)    5  booking id     13 resource id
 *   21 start            29 end                37 Ed25519 signature of bytes 0–36 (64)
 * Text: "ATR1." + RFC 4648 base32 without padding, upper case. Every character of that
 * text is in the QR alphanumeric set, so a QR code stores it at 5.5 bits a character. */

#define BASE32_LEN        (ATRIUM_CHECKIN_CODE_LEN - (sizeof ATRIUM_CHECKIN_CODE_PREFIX - 1))
#define MAX_PREFIX_DIGITS 3

G_STATIC_ASSERT (crypto_sign_PUBLICKEYBYTES == ATRIUM_CHECKIN_PUBLIC_KEY_LEN);
G_STATIC_ASSERT (crypto_sign_SECRETKEYBYTES == ATRIUM_CHECKIN_SECRET_KEY_LEN);
G_STATIC_ASSERT (crypto_sign_SEEDBYTES == ATRIUM_CHECKIN_SEED_LEN);
G_STATIC_ASSERT (ATRIUM_CHECKIN_CODE_PAYLOAD_LEN + crypto_sign_BYTES
                 == ATRIUM_CHECKIN_CODE_BINARY_LEN);
G_STATIC_ASSERT (BASE32_LEN == (ATRIUM_CHECKIN_CODE_BINARY_LEN * 8 + 4) / 5);

G_DEFINE_QUARK (atrium-checkin-code-error-quark, atrium_checkin_code_error)

/* The machine-readable code the API puts in {"error": …}. */
const char *
atrium_checkin_code_error_code (AtriumCheckinCodeError code)
{
  switch (code)
    {
    case ATRIUM_CHECKIN_CODE_ERROR_MALFORMED:     return "code_malformed";
    case ATRIUM_CHECKIN_CODE_ERROR_WRONG_VERSION: return "code_version";
    case ATRIUM_CHECKIN_CODE_ERROR_UNKNOWN_KEY:   return "code_unknown_key";
    case ATRIUM_CHECKIN_CODE_ERROR_BAD_SIGNATURE: return "code_bad_signature";
    default:                                      return "code_malformed";
    }
}

void
atrium_checkin_key_from_seed (const guint8 *seed,
                              guint8       *public_key,
                              guint8       *secret_key)
{
  atrium_crypto_init ();
  crypto_sign_seed_keypair (public_key, secret_key, seed);
}

static void
put_be (guint8  *out,
        guint64  value,
        guint    n_bytes)
{
  for (guint i = 0; i < n_bytes; i++)
    out[i] = (value >> (8 * (n_bytes - 1 - i))) & 0xff;
}

static guint64
get_be (const guint8 *in,
        guint         n_bytes)
{
  guint64 value = 0;

  for (guint i = 0; i < n_bytes; i++)
    value = (value << 8) | in[i];
  return value;
}

static gboolean
payload_is_sane (const AtriumCheckinPayload *payload)
{
  return payload->booking_id > 0 && payload->resource_id > 0 &&
         payload->start < payload->end;
}

char *
atrium_checkin_code_encode (const guint8               *secret_key,
                            const AtriumCheckinPayload *payload)
{
  guint8 binary[ATRIUM_CHECKIN_CODE_BINARY_LEN];
  g_autofree char *text = NULL;

  g_return_val_if_fail (secret_key != NULL, NULL);
  g_return_val_if_fail (payload != NULL && payload_is_sane (payload), NULL);

  atrium_crypto_init ();
  binary[0] = ATRIUM_CHECKIN_CODE_VERSION;
  put_be (binary + 1, payload->key_id, 4);
  put_be (binary + 5, (guint64) payload->booking_id, 8);
  put_be (binary + 13, (guint64) payload->resource_id, 8);
  put_be (binary + 21, (guint64) payload->start, 8);
  put_be (binary + 29, (guint64) payload->end, 8);
  crypto_sign_detached (binary + ATRIUM_CHECKIN_CODE_PAYLOAD_LEN, NULL,
                        binary, ATRIUM_CHECKIN_CODE_PAYLOAD_LEN, secret_key);
  text = atrium_base32_encode (binary, sizeof binary);
  return g_strconcat (ATRIUM_CHECKIN_CODE_PREFIX, text, NULL);
}

static gboolean
refuse (GError                 **error,
        AtriumCheckinCodeError   code,
        const char              *message)
{
  g_set_error_literal (error, ATRIUM_CHECKIN_CODE_ERROR, code, message);
  return FALSE;
}

/* "ATR" + decimal version + ".": returns the length of the prefix, 0 when @code has none
 * (not ours); *version_ok says whether its version is ours. */
static gsize
parse_prefix (const char *code,
              gsize       length,
              gboolean   *version_ok)
{
  gsize i = 3;

  if (length < 5 || memcmp (code, "ATR", 3) != 0)
    return 0;
  while (i < length && i < 3 + MAX_PREFIX_DIGITS && g_ascii_isdigit (code[i]))
    i++;
  if (i == 3 || i >= length || code[i] != '.')
    return 0;
  *version_ok = i == sizeof ATRIUM_CHECKIN_CODE_PREFIX - 2 &&
                memcmp (code, ATRIUM_CHECKIN_CODE_PREFIX, i + 1) == 0;
  return i + 1;
}

gboolean
atrium_checkin_code_decode (const AtriumCheckinKey  *keys,
                            gsize                    n_keys,
                            const char              *code,
                            gssize                   length,
                            AtriumCheckinPayload    *payload_out,
                            GError                 **error)
{
  g_autofree guint8 *binary = NULL;
  g_autofree char *body = NULL;
  const AtriumCheckinKey *key = NULL;
  AtriumCheckinPayload payload;
  gboolean version_ok = FALSE;
  gsize prefix_len;
  gsize binary_len = 0;

  g_return_val_if_fail (keys != NULL || n_keys == 0, FALSE);
  g_return_val_if_fail (payload_out != NULL, FALSE);

  if (code == NULL)
    return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED, "No check-in code");
  if (length < 0)
    length = strlen (code);

  prefix_len = parse_prefix (code, length, &version_ok);
  if (prefix_len == 0)
    return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED,
                   "This is not an Atrium check-in code");
  if (!version_ok)
    return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_WRONG_VERSION,
                   "This check-in code has a format version this program does not know");
  if ((gsize) length != ATRIUM_CHECKIN_CODE_LEN)
    return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED,
                   "The check-in code has the wrong length");
  /* Upper case only, no padding, no space: one spelling per code. The base32 decoder
   * refuses non-zero pad bits. */
  for (gsize i = prefix_len; i < (gsize) length; i++)
    if (!g_ascii_isupper (code[i]) && !(code[i] >= '2' && code[i] <= '7'))
      return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED,
                     "The check-in code holds a character outside its alphabet");
  body = g_strndup (code + prefix_len, length - prefix_len);
  binary = atrium_base32_decode (body, &binary_len, NULL);
  if (binary == NULL || binary_len != ATRIUM_CHECKIN_CODE_BINARY_LEN)
    return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED,
                   "The check-in code is not valid base32");
  if (binary[0] != ATRIUM_CHECKIN_CODE_VERSION)
    return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED,
                   "The check-in code's version byte disagrees with its prefix");

  payload.key_id = (guint32) get_be (binary + 1, 4);
  for (gsize i = 0; i < n_keys && key == NULL; i++)
    if (keys[i].id == payload.key_id)
      key = &keys[i];
  if (key == NULL)
    return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_UNKNOWN_KEY,
                   "The check-in code was signed with a key this program does not know");

  atrium_crypto_init ();
  if (crypto_sign_verify_detached (binary + ATRIUM_CHECKIN_CODE_PAYLOAD_LEN, binary,
                                   ATRIUM_CHECKIN_CODE_PAYLOAD_LEN, key->public_key) != 0)
    return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_BAD_SIGNATURE,
                   "The check-in code's signature does not match: it was altered or forged");

  payload.booking_id = (gint64) get_be (binary + 5, 8);
  payload.resource_id = (gint64) get_be (binary + 13, 8);
  payload.start = (gint64) get_be (binary + 21, 8);
  payload.end = (gint64) get_be (binary + 29, 8);
  /* Signed, so only a faulty signer could get here; refused all the same. */
  if (!payload_is_sane (&payload))
    return refuse (error, ATRIUM_CHECKIN_CODE_ERROR_MALFORMED,
                   "The check-in code names an impossible booking");

  *payload_out = payload;
  return TRUE;
}

/* Checks every member's type itself: json-glib's getters are loud on a wrong one. */
gboolean
atrium_checkin_keys_from_json (JsonNode *document,
                               GArray   *keys,
                               guint    *n_skipped)
{
  JsonNode *member;
  JsonArray *list;
  guint skipped = 0;

  g_return_val_if_fail (keys != NULL, FALSE);

  member = document != NULL && JSON_NODE_HOLDS_OBJECT (document)
           ? json_object_get_member (json_node_get_object (document), "keys") : NULL;
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return FALSE;
  list = json_node_get_array (member);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *element = json_array_get_element (list, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element)
                                                            : NULL;
      JsonNode *id = object != NULL ? json_object_get_member (object, "id") : NULL;
      JsonNode *text = object != NULL ? json_object_get_member (object, "public_key") : NULL;
      g_autofree guchar *bytes = NULL;
      gsize length = 0;
      AtriumCheckinKey key = { 0 };

      if (id != NULL && JSON_NODE_HOLDS_VALUE (id) &&
          json_node_get_value_type (id) == G_TYPE_INT64 && json_node_get_int (id) >= 0 &&
          json_node_get_int (id) <= G_MAXUINT32 && text != NULL && JSON_NODE_HOLDS_VALUE (text) &&
          json_node_get_value_type (text) == G_TYPE_STRING)
        bytes = g_base64_decode (json_node_get_string (text), &length);
      if (length != sizeof key.public_key)
        {
          skipped++;
          continue;
        }
      key.id = (guint32) json_node_get_int (id);
      memcpy (key.public_key, bytes, sizeof key.public_key);
      g_array_append_val (keys, key);
    }
  if (n_skipped != NULL)
    *n_skipped = skipped;
  return TRUE;
}

