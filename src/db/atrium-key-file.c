/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-db"

#include "config.h"

#include "atrium-key-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-random.h"

#define KEY_FILE_LEN (ATRIUM_DB_KEY_LEN * 2 + 1)   /* hex digits and a newline */

static gboolean
write_all (int          fd,
           const char  *buf,
           gsize        len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Creates @path with a fresh random key; never replaces an existing file. */
gboolean
atrium_key_file_create (const char  *path,
                        GError     **error)
{
  guint8 key[ATRIUM_DB_KEY_LEN];
  char *hex;
  char *contents;
  gboolean ok;
  int fd;

  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, ATRIUM_DB_ERROR,
                   saved == EEXIST ? ATRIUM_DB_ERROR_EXISTS : ATRIUM_DB_ERROR_KEY_FILE,
                   "Cannot create the key file %s: %s", path, g_strerror (saved));
      return FALSE;
    }

  atrium_random_bytes (key, sizeof key);
  hex = atrium_hex_encode (key, sizeof key);
  contents = g_strconcat (hex, "\n", NULL);
  ok = write_all (fd, contents, strlen (contents)) && fsync (fd) == 0;
  atrium_secure_zero (key, sizeof key);
  atrium_secure_free_string (hex);
  atrium_secure_free_string (contents);

  if (close (fd) != 0)
    ok = FALSE;
  if (!ok)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE,
                   "Cannot write the key file %s: %s", path, g_strerror (errno));
      g_unlink (path);
    }
  return ok;
}

/* The key called @name: the systemd credential of that name when the service was given
 * one (LoadCredential=name:…, which puts it in $CREDENTIALS_DIRECTORY), else @dir/@name.
 * A credential keeps the key out of the data directory and so out of its backups. */
char *
atrium_key_file_path (const char *dir,
                      const char *name)
{
  const char *credentials = g_getenv ("CREDENTIALS_DIRECTORY");

  if (credentials != NULL && g_path_is_absolute (credentials))
    {
      g_autofree char *path = g_build_filename (credentials, name, NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
  return g_build_filename (dir, name, NULL);
}

/* Whether @path is a file directly in $CREDENTIALS_DIRECTORY. */
static gboolean
is_credential (const char *path)
{
  const char *credentials = g_getenv ("CREDENTIALS_DIRECTORY");
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *canonical = NULL;

  if (credentials == NULL || !g_path_is_absolute (credentials))
    return FALSE;
  canonical = g_canonicalize_filename (credentials, NULL);
  return g_strcmp0 (parent, canonical) == 0;
}

/* Whether @st is private enough for a key. A file of ours must be 0600 or stricter. A
 * systemd credential is written 0400 and is either given to us (chown) or stays root's
 * with an ACL entry that lets us read it, which stat() shows as a group read bit (the
 * ACL mask): accept that, never a write bit for others or any bit for everyone. */
static gboolean
key_mode_ok (const struct stat *st,
             gboolean           credential)
{
  if (!credential)
    return (st->st_mode & 077) == 0 && st->st_uid == geteuid ();
  return (st->st_mode & 027) == 0 && (st->st_uid == geteuid () || st->st_uid == 0);
}

/* Refuses a key file that others could read or replace: it is the whole secret. */
gboolean
atrium_key_file_load (const char  *path,
                      guint8       key_out[ATRIUM_DB_KEY_LEN],
                      GError     **error)
{
  char buf[KEY_FILE_LEN + 1];
  struct stat st;
  ssize_t n;
  gboolean ok;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE,
                   "Cannot open the key file %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE,
                   "The key file %s is not a regular file", path);
      close (fd);
      return FALSE;
    }
  if (!key_mode_ok (&st, is_credential (path)))
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE,
                   "The key file %s must be owned by this user and have mode 0600 "
                   "(it has %04o); refusing to use it", path, (guint) (st.st_mode & 07777));
      close (fd);
      return FALSE;
    }

  n = read (fd, buf, sizeof buf);
  close (fd);
  ok = n == KEY_FILE_LEN && buf[KEY_FILE_LEN - 1] == '\n';
  if (ok)
    {
      buf[KEY_FILE_LEN - 1] = '\0';
      ok = atrium_hex_decode (buf, key_out, ATRIUM_DB_KEY_LEN, NULL);
    }
  atrium_secure_zero (buf, sizeof buf);
  if (!ok)
    g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_KEY_FILE,
                 "The key file %s is malformed (expected 64 hexadecimal digits)", path);
  return ok;
}
