/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A booking's check-in code: an Ed25519 signature by the server over a small binary
 * payload, as text a QR code holds in alphanumeric mode. The kiosk verifies it offline
 * with the public keys of GET /api/v1/keys. The format is in docs/decisions.md. */

#define ATRIUM_CHECKIN_CODE_VERSION        1
#define ATRIUM_CHECKIN_CODE_PREFIX         "ATR1."
#define ATRIUM_CHECKIN_CODE_PAYLOAD_LEN    37    /* version, key id, 4 × int64 */
#define ATRIUM_CHECKIN_CODE_BINARY_LEN     101   /* payload + 64-byte signature */
#define ATRIUM_CHECKIN_CODE_LEN            167   /* characters: 5 of prefix + 162 base32 */
#define ATRIUM_CHECKIN_SEED_LEN            32
#define ATRIUM_CHECKIN_PUBLIC_KEY_LEN      32
#define ATRIUM_CHECKIN_SECRET_KEY_LEN      64

#define ATRIUM_CHECKIN_CODE_ERROR (atrium_checkin_code_error_quark ())

/**
 * AtriumCheckinCodeError:
 * @ATRIUM_CHECKIN_CODE_ERROR_MALFORMED: not a check-in code: wrong prefix, length,
 *   alphabet or content
 * @ATRIUM_CHECKIN_CODE_ERROR_WRONG_VERSION: a check-in code of a format version this
 *   program does not know
 * @ATRIUM_CHECKIN_CODE_ERROR_UNKNOWN_KEY: signed with a key id that is not among the
 *   keys given (another server, or keys to fetch again)
 * @ATRIUM_CHECKIN_CODE_ERROR_BAD_SIGNATURE: the signature does not match: changed or
 *   forged
 *
 * Why a code was refused. A kiosk tells these apart (refetch keys on UNKNOWN_KEY), so
 * they have a domain of their own rather than ATRIUM_CORE_ERROR_INVALID.
 */
typedef enum
{
  ATRIUM_CHECKIN_CODE_ERROR_MALFORMED,
  ATRIUM_CHECKIN_CODE_ERROR_WRONG_VERSION,
  ATRIUM_CHECKIN_CODE_ERROR_UNKNOWN_KEY,
  ATRIUM_CHECKIN_CODE_ERROR_BAD_SIGNATURE,
} AtriumCheckinCodeError;

/* What a code says. Times are UTC seconds since the epoch; start < end; ids > 0. */
typedef struct
{
  guint32 key_id;
  gint64  booking_id;
  gint64  resource_id;
  gint64  start;
  gint64  end;
} AtriumCheckinPayload;

/* A public key a code may be verified with. */
typedef struct
{
  guint32 id;
  guint8  public_key[ATRIUM_CHECKIN_PUBLIC_KEY_LEN];
} AtriumCheckinKey;

GQuark      atrium_checkin_code_error_quark (void);
const char *atrium_checkin_code_error_code  (AtriumCheckinCodeError      code);

/* @seed: 32 bytes; @public_key: 32 bytes out; @secret_key: 64 bytes out. */
void        atrium_checkin_key_from_seed    (const guint8               *seed,
                                             guint8                     *public_key,
                                             guint8                     *secret_key);
/* @secret_key: 64 bytes, from atrium_checkin_key_from_seed(). */
char       *atrium_checkin_code_encode      (const guint8               *secret_key,
                                             const AtriumCheckinPayload *payload);
/* @length: of @code in bytes, or -1 when it ends with a NUL. */
gboolean    atrium_checkin_code_decode      (const AtriumCheckinKey     *keys,
                                             gsize                       n_keys,
                                             const char                 *code,
                                             gssize                      length,
                                             AtriumCheckinPayload       *payload_out,
                                             GError                    **error);

/* The keys of `GET /keys` ({"keys": [{"id", "public_key" (base64)…}…]}) appended to @keys
 * (AtriumCheckinKey); a member that is not a key is skipped and counted in @n_skipped.
 * FALSE when @document has no list of keys. */
gboolean    atrium_checkin_keys_from_json   (JsonNode                   *document,
                                             GArray                     *keys,
                                             guint                      *n_skipped);

G_END_DECLS
