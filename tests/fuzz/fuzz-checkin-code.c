/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-fuzz"

#include "config.h"

#include "atrium-checkin-code.h"

#include <string.h>

#include "atrium-fuzz.h"

#define N_KEYS 2

/* Two fixed keys (ids 1 and 2, seeds 0x01… and 0x02…), so that the corpus can hold codes
 * they signed (corpus-checkin-code/valid-*). */
static AtriumCheckinKey keys[N_KEYS];
static guint8 secrets[N_KEYS][ATRIUM_CHECKIN_SECRET_KEY_LEN];

static void
init_keys (void)
{
  static gboolean done;

  if (done)
    return;
  for (guint i = 0; i < N_KEYS; i++)
    {
      guint8 seed[ATRIUM_CHECKIN_SEED_LEN];

      memset (seed, i + 1, sizeof seed);
      keys[i].id = i + 1;
      atrium_checkin_key_from_seed (seed, keys[i].public_key, secrets[i]);
    }
  done = TRUE;
}

static gint64
read_i64 (const uint8_t *p)
{
  guint64 value = 0;

  for (guint i = 0; i < 8; i++)
    value = (value << 8) | p[i];
  return (gint64) value;
}

/* What the encoder writes, the decoder gives back. */
static void
check_encoder (const uint8_t *data,
               size_t         size)
{
  AtriumCheckinPayload payload, out;
  g_autofree char *code = NULL;
  g_autoptr(GError) error = NULL;
  guint k = data[0] % N_KEYS;

  payload.key_id = keys[k].id;
  payload.booking_id = read_i64 (data + 1) & G_MAXINT64;
  payload.resource_id = read_i64 (data + 9) & G_MAXINT64;
  payload.start = read_i64 (data + 17);
  payload.end = read_i64 (data + 25);
  if (payload.booking_id == 0 || payload.resource_id == 0 || payload.start >= payload.end)
    return;

  code = atrium_checkin_code_encode (secrets[k], &payload);
  CHECK (code != NULL && strlen (code) == ATRIUM_CHECKIN_CODE_LEN);
  CHECK (atrium_checkin_code_decode (keys, N_KEYS, code, -1, &out, &error));
  CHECK (error == NULL);
  CHECK (out.key_id == payload.key_id && out.booking_id == payload.booking_id &&
         out.resource_id == payload.resource_id && out.start == payload.start &&
         out.end == payload.end);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  g_autoptr(GError) error = NULL;
  AtriumCheckinPayload out = { 0 };
  gboolean ok;

  init_keys ();
  if (size > 4096)
    return 0;

  ok = atrium_checkin_code_decode (keys, N_KEYS, text, size, &out, &error);
  if (ok)
    {
      g_autofree char *again = NULL;

      CHECK (error == NULL);
      CHECK (out.key_id >= 1 && out.key_id <= N_KEYS);
      CHECK (out.booking_id > 0 && out.resource_id > 0 && out.start < out.end);
      /* One spelling per code: what was accepted is exactly what the signer writes. */
      again = atrium_checkin_code_encode (secrets[out.key_id - 1], &out);
      CHECK (size == ATRIUM_CHECKIN_CODE_LEN && memcmp (again, data, size) == 0);
    }
  else
    {
      CHECK (error != NULL && error->domain == ATRIUM_CHECKIN_CODE_ERROR);
      CHECK (error->code >= ATRIUM_CHECKIN_CODE_ERROR_MALFORMED &&
             error->code <= ATRIUM_CHECKIN_CODE_ERROR_BAD_SIGNATURE);
      CHECK (error->message != NULL && error->message[0] != '\0');
      CHECK (out.booking_id == 0);
    }

  /* Read as a C string, the same bytes (up to a NUL) give the same verdict. */
  if (size == 0 || memchr (data, '\0', size) == NULL)
    {
      g_autofree char *str = g_strndup (text, size);
      g_autoptr(GError) str_error = NULL;
      AtriumCheckinPayload str_out;

      CHECK (atrium_checkin_code_decode (keys, N_KEYS, str, -1, &str_out, &str_error) == ok);
      CHECK (ok || str_error->code == error->code);
    }

  /* Without keys nothing verifies. */
  CHECK (!atrium_checkin_code_decode (NULL, 0, text, size, &out, NULL));

  if (size >= 33)
    check_encoder (data, size);
  return 0;
}
