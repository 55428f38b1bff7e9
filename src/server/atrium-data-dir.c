/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-data-dir.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-auth.h"
#include "atrium-backup.h"
#include "atrium-random.h"
#include "atrium-seal.h"
#include "atrium-signing.h"
#include "atrium-store.h"

/* The data directory holds the store and its key: only its owner may enter it. */
static gboolean
ensure_private_dir (const char  *dir,
                    GError     **error)
{
  struct stat st;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  if (g_lstat (dir, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR, "%s is not a directory", dir);
      return FALSE;
    }
  if (st.st_uid != geteuid ())
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "%s belongs to another user (uid %u); run as that user", dir,
                   (guint) st.st_uid);
      return FALSE;
    }
  if ((st.st_mode & 07777) != 0700 && g_chmod (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot make %s private (mode 0700): %s", dir, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* The key check-in codes are signed with, its seed sealed with secrets.key. */
static gboolean
ensure_signing_key (AtriumDb    *db,
                    const char  *data_dir,
                    GError     **error)
{
  guint8 secrets_key[ATRIUM_SEAL_KEY_LEN];
  gboolean ok;

  if (!atrium_auth_load_secrets_key (data_dir, secrets_key, error))
    return FALSE;
  ok = atrium_signing_ensure_key (db, secrets_key, g_get_real_time () / G_USEC_PER_SEC, NULL,
                                  error);
  atrium_secure_zero (secrets_key, sizeof secrets_key);
  return ok;
}

gboolean
atrium_data_dir_init (const char          *data_dir,
                      AtriumDataDirState  *state_out,
                      int                 *version_out,
                      GError             **error)
{
  g_autofree char *db_path = g_build_filename (data_dir, ATRIUM_STORE_FILE, NULL);
  g_autoptr(AtriumDb) db = NULL;
  gboolean existed;
  int applied = 0;
  int version;

  if (!ensure_private_dir (data_dir, error))
    return FALSE;

  existed = g_file_test (db_path, G_FILE_TEST_EXISTS);
  db = atrium_store_open (data_dir, TRUE, &applied, error);
  if (db == NULL)
    return FALSE;
  version = atrium_db_get_schema_version (db, error);
  if (version < 0 || !atrium_db_integrity_check (db, error))
    return FALSE;
  if (!ensure_signing_key (db, data_dir, error) ||
      !atrium_backup_key_ensure (data_dir, NULL, error))
    return FALSE;

  if (state_out != NULL)
    *state_out = !existed ? ATRIUM_DATA_DIR_CREATED
                 : applied > 0 ? ATRIUM_DATA_DIR_MIGRATED : ATRIUM_DATA_DIR_UNCHANGED;
  if (version_out != NULL)
    *version_out = version;
  return TRUE;
}
