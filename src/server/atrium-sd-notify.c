/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-sd-notify.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Sends @state ("READY=1", "WATCHDOG=1", …) to the service manager. FALSE when there is
 * none ($NOTIFY_SOCKET unset) or the datagram could not be sent. */
gboolean
atrium_sd_notify (const char *state)
{
  const char *path = g_getenv ("NOTIFY_SOCKET");
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  socklen_t length;
  gsize path_len;
  ssize_t sent;
  int fd;

  if (path == NULL || (path[0] != '/' && path[0] != '@'))
    return FALSE;
  path_len = strlen (path);
  if (path_len >= sizeof address.sun_path)
    return FALSE;
  memcpy (address.sun_path, path, path_len);
  /* A leading '@' names a socket in the abstract namespace. */
  if (path[0] == '@')
    address.sun_path[0] = '\0';
  length = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + path_len +
                        (path[0] == '/' ? 1 : 0));

  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  do
    sent = sendto (fd, state, strlen (state), MSG_NOSIGNAL,
                   (struct sockaddr *) &address, length);
  while (sent < 0 && errno == EINTR);
  close (fd);
  if (sent < 0)
    g_message ("cannot notify the service manager (%s): %s", state, g_strerror (errno));
  return sent >= 0;
}

static gboolean
send_watchdog (gpointer data)
{
  atrium_sd_notify ("WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

/* When the service manager watches us ($WATCHDOG_USEC, for this process), pings it at
 * half that interval from the default main context (the one serving HTTP), so that a
 * main loop that stops turning stops the pings. Returns the source's id, or 0 without a watchdog. */
guint
atrium_sd_notify_watchdog_start (void)
{
  const char *usec_text = g_getenv ("WATCHDOG_USEC");
  const char *pid_text = g_getenv ("WATCHDOG_PID");
  guint64 usec = 0;

  if (usec_text == NULL || g_getenv ("NOTIFY_SOCKET") == NULL ||
      !g_ascii_string_to_unsigned (usec_text, 10, 1, G_MAXUINT64, &usec, NULL))
    return 0;
  if (pid_text != NULL)
    {
      guint64 pid = 0;

      if (!g_ascii_string_to_unsigned (pid_text, 10, 1, G_MAXINT, &pid, NULL) ||
          (pid_t) pid != getpid ())
        return 0;
    }
  atrium_sd_notify ("WATCHDOG=1");
  return g_timeout_add ((guint) MAX (MIN (usec / 2000, G_MAXUINT), 1), send_watchdog, NULL);
}
