/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-keys.h"

#include <string.h>

#include "atrium-store-users.h"

gboolean
atrium_store_signing_key_current (AtriumDb  *db,
                                  guint32   *id_out,
                                  char     **sealed_seed_out,
                                  GError   **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (
    db, "SELECT id, sealed_seed FROM signing_key WHERE retired_at IS NULL;", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *id_out = (guint32) sqlite3_column_int64 (stmt, 0);
      *sealed_seed_out = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND,
                 "The server has no current signing key");
  else
    atrium_db_set_error (db, rc, "signing key", error);
  return FALSE;
}

gboolean
atrium_store_signing_key_add (AtriumDb     *db,
                              guint32       id,
                              const guint8 *public_key,
                              const char   *sealed_seed,
                              gint64        created_at,
                              GError      **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "INSERT INTO signing_key (id, alg, public_key, sealed_seed, created_at)"
    " VALUES (?1, 'Ed25519', ?2, ?3, ?4);", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_blob (stmt, 2, public_key, ATRIUM_CHECKIN_PUBLIC_KEY_LEN, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, sealed_seed, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, created_at);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "add signing key", error);
  return TRUE;
}

GArray *
atrium_store_signing_keys_list (AtriumDb  *db,
                                GError   **error)
{
  g_autoptr(GArray) keys = g_array_new (FALSE, TRUE, sizeof (AtriumCheckinKey));
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT id, public_key FROM signing_key ORDER BY created_at, id;", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumCheckinKey key = { (guint32) sqlite3_column_int64 (stmt, 0), { 0 } };

      /* The schema vouches for 32 bytes. */
      memcpy (key.public_key, sqlite3_column_blob (stmt, 1), sizeof key.public_key);
      g_array_append_val (keys, key);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "signing keys", error);
      return NULL;
    }
  return g_steal_pointer (&keys);
}
