/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the systemd unit relies on, with the real binary and no systemd: the readiness,
 * reload, stop and watchdog notifications on a socket of ours given as $NOTIFY_SOCKET,
 * and the store key taken from $CREDENTIALS_DIRECTORY (LoadCredential=). */
#include "config.h"

#include "atrium-test-server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* A datagram socket standing in for systemd's; it learns each sender's pid. */
typedef struct
{
  char *dir;
  char *path;
  int   fd;
} Listener;

static Listener *
listener_new (gboolean abstract)
{
  Listener *l = g_new0 (Listener, 1);
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  socklen_t length;
  int one = 1;

  l->dir = g_dir_make_tmp ("atrium-test-notify-XXXXXX", NULL);
  g_assert_nonnull (l->dir);
  if (abstract)
    l->path = g_strdup_printf ("@atrium-test-notify-%d", (int) getpid ());
  else
    l->path = g_build_filename (l->dir, "notify", NULL);
  g_assert_cmpuint (strlen (l->path), <, sizeof address.sun_path);
  memcpy (address.sun_path, l->path, strlen (l->path));
  if (abstract)
    address.sun_path[0] = '\0';
  length = (socklen_t) (G_STRUCT_OFFSET (struct sockaddr_un, sun_path) + strlen (l->path) +
                        (abstract ? 0 : 1));
  l->fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (l->fd, >=, 0);
  g_assert_cmpint (setsockopt (l->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one), ==, 0);
  g_assert_cmpint (bind (l->fd, (struct sockaddr *) &address, length), ==, 0);
  return l;
}

static void
listener_free (Listener *l)
{
  close (l->fd);
  atrium_test_remove_tree (l->dir);
  g_free (l->dir);
  g_free (l->path);
  g_free (l);
}

/* The next message within @timeout_ms, or NULL; *sender_out gets its pid. */
static char *
listener_next (Listener *l,
               int       timeout_ms,
               pid_t    *sender_out)
{
  struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
  char buf[512];
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
  ssize_t n;

  if (poll (&pfd, 1, timeout_ms) != 1)
    return NULL;
  n = recvmsg (l->fd, &msg, 0);
  g_assert_cmpint (n, >=, 0);
  buf[n] = '\0';
  *sender_out = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
      {
        struct ucred cred;

        memcpy (&cred, CMSG_DATA (c), sizeof cred);
        *sender_out = cred.pid;
      }
  return g_strdup (buf);
}

/* Waits for @expected, skipping watchdog pings; every message must come from @pid. */
static void
expect_message (Listener   *l,
                const char *expected,
                pid_t       pid)
{
  for (;;)
    {
      pid_t sender = 0;
      g_autofree char *message = listener_next (l, 10000, &sender);

      if (message == NULL)
        g_error ("no \"%s\" from the server within 10 s", expected);
      g_assert_cmpint (sender, ==, pid);
      if (g_str_equal (message, expected))
        return;
      g_assert_cmpstr (message, ==, "WATCHDOG=1");
    }
}

/* Counts the pings within @ms, failing on anything else. */
static guint
count_pings (Listener *l,
             int       ms,
             pid_t     pid)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  guint pings = 0;

  for (gint64 now = g_get_monotonic_time (); now < end; now = g_get_monotonic_time ())
    {
      pid_t sender = 0;
      g_autofree char *message = listener_next (l, (int) ((end - now) / 1000) + 1, &sender);

      if (message == NULL)
        continue;
      g_assert_cmpint (sender, ==, pid);
      g_assert_cmpstr (message, ==, "WATCHDOG=1");
      pings++;
    }
  return pings;
}

/* Reads the pings already waiting, without waiting for more. */
static void
drain_pings (Listener *l,
             pid_t     pid)
{
  for (;;)
    {
      pid_t sender = 0;
      g_autofree char *message = listener_next (l, 0, &sender);

      if (message == NULL)
        return;
      g_assert_cmpint (sender, ==, pid);
      g_assert_cmpstr (message, ==, "WATCHDOG=1");
    }
}

/* READY=1 once it listens; WATCHDOG=1 every half $WATCHDOG_USEC; RELOADING=1 then
 * READY=1 around a SIGHUP; STOPPING=1 on SIGTERM. Only the main process speaks. */
static void
check_notifications (gboolean    abstract,
                     const char *workers)
{
  Listener *l = listener_new (abstract);
  const char *args[] = { "--workers", workers, NULL };
  AtriumTestProcess *proc;
  guint pings;

  g_setenv ("NOTIFY_SOCKET", l->path, TRUE);
  g_setenv ("WATCHDOG_USEC", "200000", TRUE);
  proc = atrium_test_process_start (NULL, args);
  g_unsetenv ("NOTIFY_SOCKET");
  g_unsetenv ("WATCHDOG_USEC");

  expect_message (l, "READY=1", proc->pid);
  /* The supervisor of several workers is ready (and pings) before they print that they
   * listen, which is what the start above waits for. */
  drain_pings (l, proc->pid);
  /* 200 ms: a ping every 100 ms, about ten in a second (fewer on a loaded machine, never
   * many more). */
  pings = count_pings (l, 1000, proc->pid);
  g_test_message ("%u watchdog pings in 1 s", pings);
  g_assert_cmpuint (pings, >=, 3);
  g_assert_cmpuint (pings, <=, 12);

  g_assert_cmpint (kill (proc->pid, SIGHUP), ==, 0);
  expect_message (l, "RELOADING=1", proc->pid);
  expect_message (l, "READY=1", proc->pid);

  /* A stopped process sends nothing: the pings come from its running main loop. */
  g_assert_cmpint (kill (proc->pid, SIGSTOP), ==, 0);
  g_usleep (150 * 1000);
  drain_pings (l, proc->pid);
  g_assert_cmpuint (count_pings (l, 400, proc->pid), ==, 0);
  g_assert_cmpint (kill (proc->pid, SIGCONT), ==, 0);
  g_assert_cmpuint (count_pings (l, 400, proc->pid), >=, 2);

  {
    pid_t pid = proc->pid;

    g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
    expect_message (l, "STOPPING=1", pid);
  }
  listener_free (l);
}

static void
test_notify (void)
{
  check_notifications (FALSE, "1");
}

static void
test_notify_workers (void)
{
  check_notifications (TRUE, "2");
}

/* Without $NOTIFY_SOCKET the server runs as before (and a stale $WATCHDOG_USEC for
 * another process is ignored). */
static void
test_no_manager (void)
{
  AtriumTestProcess *proc;

  g_unsetenv ("NOTIFY_SOCKET");
  g_setenv ("WATCHDOG_USEC", "1000", TRUE);
  g_setenv ("WATCHDOG_PID", "1", TRUE);
  proc = atrium_test_process_start (NULL, NULL);
  g_unsetenv ("WATCHDOG_USEC");
  g_unsetenv ("WATCHDOG_PID");
  g_assert_cmpuint (atrium_test_http (proc->insecure_port, "GET", "/healthz", NULL, NULL,
                                      NULL, NULL), ==, 200);
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

/* ---- the store key as a credential ---------------------------------------------------- */

static char *
write_credential (const char *dir,
                  mode_t      mode)
{
  g_autofree char *path = g_build_filename (dir, "atrium.key", NULL);
  /* What `openssl rand -hex 32` writes: 64 hexadecimal digits and a newline. */
  static const char key[] =
    "00112233445566778899aabbccddeeff0123456789abcdef0011223344556677\n";

  g_chmod (path, 0600);
  g_assert_true (g_file_set_contents (path, key, -1, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return g_steal_pointer (&path);
}

static void
test_credential_key (void)
{
  g_autofree char *base = g_dir_make_tmp ("atrium-test-credential-XXXXXX", NULL);
  g_autofree char *credentials = g_build_filename (base, "credentials", NULL);
  g_autofree char *data_dir = g_build_filename (base, "data", NULL);
  g_autofree char *in_data = g_build_filename (data_dir, "atrium.key", NULL);
  g_autofree char *key_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  AtriumTestProcess *proc;

  g_assert_cmpint (g_mkdir (credentials, 0700), ==, 0);
  key_path = write_credential (credentials, 0400);
  g_setenv ("CREDENTIALS_DIRECTORY", credentials, TRUE);

  /* init makes the store with the credential and leaves no key in the data directory. */
  g_assert_cmpint (atrium_test_run_server_args (&out, &err, "init", "--data-dir", data_dir,
                                                NULL), ==, 0);
  g_assert_false (g_file_test (in_data, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (atrium_test_run_server_args (&out, &err, "audit", "verify",
                                                "--data-dir", data_dir, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A root-owned credential readable through an ACL shows a group read bit: accepted.
   * One readable by everyone, or writable by the group, is refused with its mode. */
  g_chmod (key_path, 0440);
  g_assert_cmpint (atrium_test_run_server_args (NULL, NULL, "audit", "verify",
                                                "--data-dir", data_dir, NULL), ==, 0);
  g_chmod (key_path, 0444);
  g_assert_cmpint (atrium_test_run_server_args (NULL, &err, "audit", "verify",
                                                "--data-dir", data_dir, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "0444"));
  g_clear_pointer (&err, g_free);
  g_chmod (key_path, 0460);
  g_assert_cmpint (atrium_test_run_server_args (NULL, &err, "audit", "verify",
                                                "--data-dir", data_dir, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "0460"));
  g_clear_pointer (&err, g_free);
  g_chmod (key_path, 0400);

  /* Without the credential the store cannot be opened, and says why. */
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  g_assert_cmpint (atrium_test_run_server_args (NULL, &err, "audit", "verify",
                                                "--data-dir", data_dir, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "key file"));
  g_clear_pointer (&err, g_free);

  /* A credentials directory without our key (other credentials only) changes nothing:
   * the server still takes the key in its data directory. */
  g_remove (key_path);
  g_setenv ("CREDENTIALS_DIRECTORY", credentials, TRUE);
  proc = atrium_test_process_start (NULL, NULL);
  g_assert_cmpuint (atrium_test_http (proc->insecure_port, "GET", "/healthz", NULL, NULL,
                                      NULL, NULL), ==, 200);
  {
    g_autofree char *own = g_build_filename (proc->data_dir, "atrium.key", NULL);

    g_assert_true (g_file_test (own, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);

  /* `serve` with the credential: the whole server runs on it. */
  g_free (key_path);
  key_path = write_credential (credentials, 0400);
  proc = atrium_test_process_start (NULL, NULL);
  {
    g_autofree char *own = g_build_filename (proc->data_dir, "atrium.key", NULL);

    g_assert_false (g_file_test (own, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpuint (atrium_test_http (proc->insecure_port, "GET", "/healthz", NULL, NULL,
                                      NULL, NULL), ==, 200);
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
  g_unsetenv ("CREDENTIALS_DIRECTORY");

  atrium_test_remove_tree (base);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/systemd/notify", test_notify);
  g_test_add_func ("/systemd/notify-workers", test_notify_workers);
  g_test_add_func ("/systemd/no-manager", test_no_manager);
  g_test_add_func ("/systemd/credential-key", test_credential_key);
  return g_test_run ();
}
