/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the systemd unit relies on, with the real binary and no systemd: the readiness,
 * reload, stop and watchdog notifications on a socket of ours given as $NOTIFY_SOCKET,
 * and the store key taken from $CREDENTIALS_DIRECTORY (LoadCredential=). */
#include "config.h"

#include "atrium-sd-notify.h"
#include "atrium-test-server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
  char *message;

  if (poll (&pfd, 1, timeout_ms) != 1)
    return NULL;
  message = atrium_sd_receive (l->fd, sender_out);
  g_assert_nonnull (message);
  return message;
}

/* Waits for @expected, skipping watchdog pings; every message must come from @pid. */
static void
expect_message (Listener   *l,
                const char *expected,
                pid_t       pid)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      pid_t sender = 0;
      g_autofree char *message = left > 0 ? listener_next (l, (int) left, &sender) : NULL;

      if (message == NULL)
        g_error ("no \"%s\" from the server within 20 s", expected);
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
check_notifications (gboolean  abstract,
                     const char *workers,
                     guint      watchdog_ms,
                     void     (*more) (AtriumTestProcess *proc,
                                       Listener          *l))
{
  Listener *l = listener_new (abstract);
  const char *args[] = { "--workers", workers, NULL };
  g_autofree char *usec = g_strdup_printf ("%u", watchdog_ms * 1000);
  AtriumTestProcess *proc;
  guint expected = 2000 / watchdog_ms;   /* pings in 1 s, one every half interval */
  guint pings;

  g_setenv ("NOTIFY_SOCKET", l->path, TRUE);
  g_setenv ("WATCHDOG_USEC", usec, TRUE);
  proc = atrium_test_process_start (NULL, args);
  g_unsetenv ("NOTIFY_SOCKET");
  g_unsetenv ("WATCHDOG_USEC");

  expect_message (l, "READY=1", proc->pid);
  /* Pings sent while the start above read the listeners' lines wait in the socket. */
  drain_pings (l, proc->pid);
  pings = count_pings (l, 1000, proc->pid);
  g_test_message ("%u watchdog pings in 1 s (%u expected)", pings, expected);
  /* Fewer on a loaded machine, never many more. */
  g_assert_cmpuint (pings, >=, MAX (expected / 3, 1));
  g_assert_cmpuint (pings, <=, expected + 2);

  g_assert_cmpint (kill (proc->pid, SIGHUP), ==, 0);
  expect_message (l, "RELOADING=1", proc->pid);
  expect_message (l, "READY=1", proc->pid);

  /* A stopped process sends nothing: the pings come from its running main loop. */
  g_assert_cmpint (kill (proc->pid, SIGSTOP), ==, 0);
  g_usleep (150 * 1000);
  drain_pings (l, proc->pid);
  g_assert_cmpuint (count_pings (l, 2 * watchdog_ms, proc->pid), ==, 0);
  g_assert_cmpint (kill (proc->pid, SIGCONT), ==, 0);
  g_assert_cmpuint (count_pings (l, 2 * watchdog_ms, proc->pid), >=, 2);

  if (more != NULL)
    more (proc, l);

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
  check_notifications (FALSE, "1", 200, NULL);
}

static gboolean
pid_in (GArray *pids,
        GPid    pid)
{
  for (guint i = 0; i < pids->len; i++)
    if (g_array_index (pids, GPid, i) == pid)
      return TRUE;
  return FALSE;
}

/* A worker whose main loop stops is killed by the supervisor within a watchdog interval
 * and started again; the supervisor keeps pinging systemd meanwhile, and says nothing
 * else. */
static void
hung_worker (AtriumTestProcess *proc,
             Listener          *l)
{
  g_autoptr(GArray) before = atrium_test_children_of (proc->pid);
  g_autoptr(GArray) after = NULL;
  GPid hung;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_assert_cmpuint (before->len, ==, 2);
  hung = g_array_index (before, GPid, 0);
  g_assert_cmpint (kill (hung, SIGSTOP), ==, 0);
  for (;;)
    {
      g_clear_pointer (&after, g_array_unref);
      after = atrium_test_children_of (proc->pid);
      if (!pid_in (after, hung) && after->len == 2)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("the stopped worker %d was not replaced within 20 s", (int) hung);
      drain_pings (l, proc->pid);
      g_usleep (100 * 1000);
    }
  g_assert_true (pid_in (after, g_array_index (before, GPid, 1)));
  g_assert_cmpuint (atrium_test_http (proc->insecure_port, "GET", "/healthz", NULL, NULL,
                                      NULL, NULL), ==, 200);
}

/* Several workers: they notify the supervisor, which says READY=1 for all of them. */
static void
test_notify_workers (void)
{
  check_notifications (TRUE, "2", 1000, hung_worker);
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
  /* ... and says which key it used. */
  {
    g_autofree char *said = g_strdup_printf ("Its key is %s:", key_path);

    g_assert_nonnull (strstr (out, said));
  }
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
