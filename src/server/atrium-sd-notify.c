/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-sd-notify.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <glib-unix.h>

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
  int saved_errno;
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
  saved_errno = errno;
  close (fd);
  if (sent < 0)
    g_message ("cannot notify the service manager (%s): %s", state,
               g_strerror (saved_errno));
  return sent >= 0;
}

static gboolean
send_watchdog (gpointer data)
{
  atrium_sd_notify ("WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

/* systemd's watchdog interval for this process, in microseconds; 0 without one. */
static guint64
watchdog_usec (void)
{
  const char *usec_text = g_getenv ("WATCHDOG_USEC");
  const char *pid_text = g_getenv ("WATCHDOG_PID");
  guint64 usec = 0;
  guint64 pid = 0;

  if (usec_text == NULL || g_getenv ("NOTIFY_SOCKET") == NULL ||
      !g_ascii_string_to_unsigned (usec_text, 10, 1, G_MAXUINT64, &usec, NULL))
    return 0;
  if (pid_text != NULL &&
      (!g_ascii_string_to_unsigned (pid_text, 10, 1, G_MAXINT, &pid, NULL) ||
       (pid_t) pid != getpid ()))
    return 0;
  return usec;
}

static guint
half_interval_ms (guint64 usec)
{
  return (guint) MAX (MIN (usec / 2000, G_MAXUINT), 1);
}

/* When the service manager watches us ($WATCHDOG_USEC, for this process), pings it at
 * half that interval from the default main context (the one serving HTTP), so that a
 * main loop that stops turning stops the pings. Returns the source's id, or 0 without a
 * watchdog. */
guint
atrium_sd_notify_watchdog_start (void)
{
  guint64 usec = watchdog_usec ();

  if (usec == 0)
    return 0;
  atrium_sd_notify ("WATCHDOG=1");
  return g_timeout_add (half_interval_ms (usec), send_watchdog, NULL);
}

/* ---- the supervisor's relay ------------------------------------------------------------ */

typedef struct
{
  GPid     pid;             /* 0: not running */
  gboolean ready;
  gint64   last_ping;       /* monotonic, µs */
} RelayChild;

struct _AtriumSdRelay
{
  char       *address;      /* "@…": abstract, gone with the socket */
  int         fd;
  guint       fd_source;
  guint       watchdog_source;
  guint64     watchdog_usec;
  RelayChild *children;
  guint       n_children;
  gboolean    announced;    /* READY=1 sent upstream */
};

static RelayChild *
find_child (AtriumSdRelay *relay,
            pid_t          pid)
{
  for (guint i = 0; i < relay->n_children; i++)
    if (relay->children[i].pid != 0 && relay->children[i].pid == pid)
      return &relay->children[i];
  return NULL;
}

static void
relay_message (AtriumSdRelay *relay,
               RelayChild    *child,
               const char    *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean all_ready = TRUE;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_equal (lines[i], "READY=1"))
      child->ready = TRUE;
  /* Any message says the worker's main loop turns. */
  child->last_ping = g_get_monotonic_time ();

  for (guint i = 0; i < relay->n_children; i++)
    all_ready = all_ready && relay->children[i].ready;
  if (all_ready && !relay->announced)
    {
      relay->announced = TRUE;
      atrium_sd_notify ("READY=1");
    }
}

/* Reads one waiting notification from @fd (a datagram socket with SO_PASSCRED): its
 * text, and the sender's pid, as the kernel vouches for it, in *sender_out (0: none
 * given). NULL when nothing is waiting. */
char *
atrium_sd_receive (int    fd,
                   pid_t *sender_out)
{
  char buf[4096];
  union
  {
    char           space[CMSG_SPACE (sizeof (struct ucred))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf - 1 };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = control.space, .msg_controllen = sizeof control.space,
  };
  struct ucred cred = { 0 };
  ssize_t n;

  do
    n = recvmsg (fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
      memcpy (&cred, CMSG_DATA (c), sizeof cred);
  *sender_out = cred.pid;
  return g_strdup (buf);
}

static gboolean
relay_readable (int          fd,
                GIOCondition condition,
                gpointer     data)
{
  AtriumSdRelay *relay = data;
  char *text;
  pid_t sender = 0;

  while ((text = atrium_sd_receive (fd, &sender)) != NULL)
    {
      /* Only our own workers may speak. */
      RelayChild *child = sender != 0 ? find_child (relay, sender) : NULL;

      if (child != NULL)
        relay_message (relay, child, text);
      g_free (text);
    }
  return G_SOURCE_CONTINUE;
}

/* The supervisor's own ping, after it has killed any worker silent for a whole interval:
 * the supervisor starts that one again. */
static gboolean
relay_watchdog (gpointer data)
{
  AtriumSdRelay *relay = data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < relay->n_children; i++)
    {
      RelayChild *child = &relay->children[i];

      if (child->pid != 0 && child->ready &&
          (guint64) (now - child->last_ping) > relay->watchdog_usec)
        {
          g_message ("worker %u (pid %d) stopped answering for %" G_GINT64_FORMAT
                     " ms; killing it", i, (int) child->pid,
                     (now - child->last_ping) / 1000);
          kill (child->pid, SIGKILL);
          child->ready = FALSE;
        }
    }
  atrium_sd_notify ("WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

AtriumSdRelay *
atrium_sd_relay_new (guint n_children)
{
  g_autoptr(AtriumSdRelay) relay = NULL;
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  socklen_t length;
  int one = 1;

  if (g_getenv ("NOTIFY_SOCKET") == NULL)
    return NULL;
  relay = g_new0 (AtriumSdRelay, 1);
  relay->fd = -1;
  relay->n_children = n_children;
  relay->children = g_new0 (RelayChild, n_children);
  relay->watchdog_usec = watchdog_usec ();
  relay->address = g_strdup_printf ("@atrium-server-%d-%" G_GINT64_FORMAT, (int) getpid (),
                                    g_get_monotonic_time ());
  memcpy (address.sun_path, relay->address, strlen (relay->address));
  address.sun_path[0] = '\0';
  length = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + strlen (relay->address));

  relay->fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (relay->fd < 0 ||
      setsockopt (relay->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0 ||
      bind (relay->fd, (struct sockaddr *) &address, length) != 0)
    {
      /* The workers then start without a notification socket: say READY at once. */
      g_message ("cannot listen for the workers' notifications: %s", g_strerror (errno));
      atrium_sd_notify ("READY=1");
      return NULL;
    }
  relay->fd_source = g_unix_fd_add (relay->fd, G_IO_IN, relay_readable, relay);
  if (relay->watchdog_usec > 0)
    {
      atrium_sd_notify ("WATCHDOG=1");
      relay->watchdog_source = g_timeout_add (half_interval_ms (relay->watchdog_usec),
                                              relay_watchdog, relay);
    }
  return g_steal_pointer (&relay);
}

const char *
atrium_sd_relay_get_address (AtriumSdRelay *relay)
{
  return relay->address;
}

/* A worker counts as answering from its start until it has said READY=1. */
void
atrium_sd_relay_child_started (AtriumSdRelay *relay,
                               guint          index,
                               GPid           pid)
{
  g_return_if_fail (index < relay->n_children);
  relay->children[index].pid = pid;
  relay->children[index].ready = FALSE;
  relay->children[index].last_ping = g_get_monotonic_time ();
}

void
atrium_sd_relay_child_exited (AtriumSdRelay *relay,
                              guint          index)
{
  g_return_if_fail (index < relay->n_children);
  relay->children[index].pid = 0;
  relay->children[index].ready = FALSE;
}

void
atrium_sd_relay_free (AtriumSdRelay *relay)
{
  if (relay == NULL)
    return;
  g_clear_handle_id (&relay->fd_source, g_source_remove);
  g_clear_handle_id (&relay->watchdog_source, g_source_remove);
  if (relay->fd >= 0)
    close (relay->fd);
  g_free (relay->children);
  g_free (relay->address);
  g_free (relay);
}
