/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-signing"

#include "config.h"

#include "atrium-signing.h"

#include "atrium-random.h"
#include "atrium-seal.h"
#include "atrium-store-keys.h"

#define ID_ATTEMPTS 4

static gboolean
add_key (AtriumDb      *writer,
         const guint8  *secrets_key,
         gint64         now,
         GError       **error)
{
  guint8 seed[ATRIUM_CHECKIN_SEED_LEN];
  guint8 public_key[ATRIUM_CHECKIN_PUBLIC_KEY_LEN];
  guint8 secret_key[ATRIUM_CHECKIN_SECRET_KEY_LEN];
  g_autofree char *sealed = NULL;
  gboolean ok = FALSE;

  atrium_random_bytes (seed, sizeof seed);
  atrium_checkin_key_from_seed (seed, public_key, secret_key);
  sealed = atrium_seal (secrets_key, seed, sizeof seed);
  atrium_secure_zero (seed, sizeof seed);
  atrium_secure_zero (secret_key, sizeof secret_key);

  /* A random id, not 0: taken ids are so unlikely that a few tries settle it. */
  for (guint attempt = 0; attempt < ID_ATTEMPTS && !ok; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      guint32 id = 1 + atrium_random_uniform (G_MAXUINT32);

      ok = atrium_store_signing_key_add (writer, id, public_key, sealed, now, &local_error);
      if (!ok && (attempt + 1 == ID_ATTEMPTS ||
                  !g_error_matches (local_error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT)))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return ok;
}

gboolean
atrium_signing_ensure_key (AtriumDb      *writer,
                           const guint8  *secrets_key,
                           gint64         now,
                           gboolean      *created_out,
                           GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *sealed = NULL;
  gboolean created = FALSE;
  guint32 id;

  /* IMMEDIATE: of several processes starting at once, one makes the key. */
  if (!atrium_db_exec (writer, "BEGIN IMMEDIATE;", error))
    return FALSE;
  if (!atrium_store_signing_key_current (writer, &id, &sealed, &local_error))
    {
      if (!g_error_matches (local_error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
        goto fail;
      g_clear_error (&local_error);
      if (!add_key (writer, secrets_key, now, &local_error))
        goto fail;
      created = TRUE;
    }
  if (!atrium_db_exec (writer, "COMMIT;", &local_error))
    goto fail;
  if (created_out != NULL)
    *created_out = created;
  return TRUE;

fail:
  atrium_db_exec (writer, "ROLLBACK;", NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

char *
atrium_signing_checkin_code (AtriumDb      *db,
                             const guint8  *secrets_key,
                             gint64         booking_id,
                             gint64         resource_id,
                             gint64         start,
                             gint64         end,
                             GError       **error)
{
  AtriumCheckinPayload payload = { 0, booking_id, resource_id, start, end };
  guint8 public_key[ATRIUM_CHECKIN_PUBLIC_KEY_LEN];
  guint8 secret_key[ATRIUM_CHECKIN_SECRET_KEY_LEN];
  g_autofree char *sealed = NULL;
  g_autofree guint8 *seed = NULL;
  gsize seed_len = 0;
  char *code;

  g_return_val_if_fail (booking_id > 0 && resource_id > 0 && start < end, NULL);

  if (!atrium_store_signing_key_current (db, &payload.key_id, &sealed, error))
    return NULL;
  seed = atrium_unseal (secrets_key, sealed, &seed_len, error);
  if (seed == NULL)
    return NULL;
  if (seed_len != ATRIUM_CHECKIN_SEED_LEN)
    {
      atrium_secure_zero (seed, seed_len);
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CORRUPT,
                   "Signing key %u has a seed of %" G_GSIZE_FORMAT " bytes", payload.key_id,
                   seed_len);
      return NULL;
    }
  atrium_checkin_key_from_seed (seed, public_key, secret_key);
  atrium_secure_zero (seed, seed_len);
  code = atrium_checkin_code_encode (secret_key, &payload);
  atrium_secure_zero (secret_key, sizeof secret_key);
  return code;
}

gboolean
atrium_signing_verify_checkin_code (AtriumDb              *db,
                                    const char            *code,
                                    AtriumCheckinPayload  *payload_out,
                                    GError               **error)
{
  g_autoptr(GArray) keys = atrium_store_signing_keys_list (db, error);

  if (keys == NULL)
    return FALSE;
  return atrium_checkin_code_decode ((const AtriumCheckinKey *) keys->data, keys->len, code,
                                     -1, payload_out, error);
}
