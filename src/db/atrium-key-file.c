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
  if ((st.st_mode & 077) != 0 || st.st_uid != geteuid ())
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
