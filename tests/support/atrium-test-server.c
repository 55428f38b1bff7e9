/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-test-server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

void
atrium_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          atrium_test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_remove (path);
}

static const char *
server_binary (void)
{
  const char *path = g_getenv ("ATRIUM_SERVER");

  g_assert_nonnull (path);
  return path;
}

/* A CLI command that runs longer than this has hung: the test names it and stops it
 * with SIGABRT instead of waiting for meson's timeout, which names nothing. */
#define RUN_SERVER_LIMIT_S 150

typedef struct
{
  GBytes  *out;
  GBytes  *err;
  GError  *error;
  gboolean done;
} RunState;

static void
communicated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RunState *state = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &state->out, &state->err,
                                   &state->error);
  state->done = TRUE;
}

static gboolean
time_is_up (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static char *
bytes_to_string (GBytes *bytes)
{
  gsize size = 0;
  const char *data = bytes == NULL ? NULL : g_bytes_get_data (bytes, &size);

  return g_strndup (data != NULL ? data : "", size);
}

int
atrium_test_run_server (char              **out,
                        char              **err,
                        const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GSource) limit = g_timeout_source_new_seconds (RUN_SERVER_LIMIT_S);
  GSubprocessFlags flags = (out == NULL ? G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                        : G_SUBPROCESS_FLAGS_STDOUT_PIPE) |
                           (err == NULL ? G_SUBPROCESS_FLAGS_STDERR_SILENCE
                                        : G_SUBPROCESS_FLAGS_STDERR_PIPE);
  RunState state = { 0 };
  gboolean timed_out = FALSE;
  int wait_status;

  g_ptr_array_add (argv, (char *) server_binary ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  child = g_subprocess_newv ((const char * const *) argv->pdata, flags, &state.error);
  g_assert_no_error (state.error);

  g_main_context_push_thread_default (context);
  g_subprocess_communicate_async (child, NULL, NULL, communicated, &state);
  g_source_set_callback (limit, time_is_up, &timed_out, NULL);
  g_source_attach (limit, context);
  while (!state.done && !timed_out)
    g_main_context_iteration (context, TRUE);
  if (timed_out)
    {
      g_autofree char *command = g_strjoinv (" ", (char **) argv->pdata);

      g_printerr ("# atrium-server has run for %d s and is stopped with SIGABRT: %s\n",
                  RUN_SERVER_LIMIT_S, command);
      g_subprocess_send_signal (child, SIGABRT);
      while (!state.done)
        g_main_context_iteration (context, TRUE);
      if (state.err != NULL)
        {
          g_autofree char *text = bytes_to_string (state.err);

          g_printerr ("# its standard error:\n%s\n", text);
        }
      g_error ("atrium-server %s hung", (const char *) argv->pdata[1]);
    }
  g_source_destroy (limit);
  g_main_context_pop_thread_default (context);
  g_assert_no_error (state.error);

  if (out != NULL)
    *out = bytes_to_string (state.out);
  if (err != NULL)
    *err = bytes_to_string (state.err);
  g_clear_pointer (&state.out, g_bytes_unref);
  g_clear_pointer (&state.err, g_bytes_unref);
  wait_status = g_subprocess_get_status (child);
  g_assert_true (WIFEXITED (wait_status));
  return WEXITSTATUS (wait_status);
}

int
atrium_test_run_server_args (char       **out,
                             char       **err,
                             const char  *first_arg,
                             ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return atrium_test_run_server (out, err, (const char * const *) args->pdata);
}

/* Reads the "listening: …" lines the server prints once every socket is bound. */
static void
read_ports (AtriumTestProcess *proc,
            guint              expected_lines)
{
  g_autoptr(GIOChannel) channel = g_io_channel_unix_new (proc->stdout_fd);
  guint seen = 0;

  g_io_channel_set_close_on_unref (channel, FALSE);
  while (seen < expected_lines)
    {
      g_autofree char *line = NULL;
      GIOStatus status = g_io_channel_read_line (channel, &line, NULL, NULL, NULL);
      guint port = 0;

      if (status != G_IO_STATUS_NORMAL)
        g_error ("atrium-server stopped before it was listening");
      if (sscanf (line, "listening: https port %u", &port) == 1)
        proc->https_port = port;
      else if (sscanf (line, "listening: http (redirect) port %u", &port) == 1)
        proc->redirect_port = port;
      else if (sscanf (line, "listening: http (loopback, insecure) port %u", &port) == 1)
        proc->insecure_port = port;
      else if (!g_str_has_prefix (line, "listening: unix "))
        continue;
      seen++;
    }
}

/* Starts `atrium-server serve` on a fresh store, plain HTTP on 127.0.0.1 and a Unix
 * socket, plus @extra_args; @config_text (or nothing) as its configuration file. */
AtriumTestProcess *
atrium_test_process_start (const char         *config_text,
                           const char * const *extra_args)
{
  return atrium_test_process_start_seeded (config_text, extra_args, NULL, NULL);
}

/* The same, with @seed run on the fresh store's directory before the server starts. */
AtriumTestProcess *
atrium_test_process_start_seeded (const char          *config_text,
                                  const char * const  *extra_args,
                                  AtriumTestSeedFunc   seed,
                                  gpointer             user_data)
{
  AtriumTestProcess *proc = g_new0 (AtriumTestProcess, 1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *init_args[] = { "init", "--data-dir", NULL, NULL };
  g_auto(GStrv) envp = NULL;
  guint listeners = 2;

  proc->base_dir = g_dir_make_tmp ("atrium-test-server-XXXXXX", &error);
  g_assert_no_error (error);
  proc->data_dir = g_build_filename (proc->base_dir, "data", NULL);
  proc->unix_path = g_build_filename (proc->base_dir, "api.sock", NULL);
  init_args[2] = proc->data_dir;
  g_assert_cmpint (atrium_test_run_server (NULL, NULL, init_args), ==, 0);
  if (seed != NULL)
    seed (proc->data_dir, user_data);

  g_ptr_array_add (argv, g_strdup (server_binary ()));
  g_ptr_array_add (argv, g_strdup ("serve"));
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_strdup (proc->data_dir));
  g_ptr_array_add (argv, g_strdup ("--insecure-http"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1:0"));
  g_ptr_array_add (argv, g_strdup ("--unix"));
  g_ptr_array_add (argv, g_strdup (proc->unix_path));
  if (config_text != NULL)
    {
      g_autofree char *path = g_build_filename (proc->base_dir, "server.conf", NULL);

      g_assert_true (g_file_set_contents (path, config_text, -1, NULL));
      g_ptr_array_add (argv, g_strdup ("--config"));
      g_ptr_array_add (argv, g_strdup (path));
    }
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    {
      if (g_str_equal (extra_args[i], "--https") || g_str_equal (extra_args[i], "--http"))
        listeners++;
      g_ptr_array_add (argv, g_strdup (extra_args[i]));
    }
  g_ptr_array_add (argv, NULL);

  /* Under AddressSanitizer freed memory waits in a quarantine of 256 MiB by default,
   * which would swamp what the memory tests measure: the server's own use. */
  envp = g_get_environ ();
  if (g_environ_getenv (envp, "ASAN_OPTIONS") != NULL)
    {
      g_autofree char *asan = g_strconcat (g_environ_getenv (envp, "ASAN_OPTIONS"),
                                           ":quarantine_size_mb=1", NULL);

      envp = g_environ_setenv (envp, "ASAN_OPTIONS", asan, TRUE);
    }
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv->pdata, envp,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &proc->pid,
                                           NULL, &proc->stdout_fd, &proc->stderr_fd, &error));
  g_assert_no_error (error);
  read_ports (proc, listeners);
  return proc;
}

/* SIGTERM, then waits: returns the exit status (or 128 + signal). */
int
atrium_test_process_stop (AtriumTestProcess *proc)
{
  int status = 0;

  kill (proc->pid, SIGTERM);
  g_assert_cmpint (waitpid (proc->pid, &status, 0), ==, proc->pid);
  g_spawn_close_pid (proc->pid);
  close (proc->stdout_fd);
  close (proc->stderr_fd);
  atrium_test_remove_tree (proc->base_dir);
  g_free (proc->base_dir);
  g_free (proc->data_dir);
  g_free (proc->unix_path);
  g_free (proc);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

gsize
atrium_test_process_rss_kib (AtriumTestProcess *proc)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", proc->pid);
  g_autofree char *contents = NULL;
  const char *line;
  gsize kib = 0;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  line = strstr (contents, "VmRSS:");
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "VmRSS: %" G_GSIZE_FORMAT " kB", &kib), ==, 1);
  return kib;
}

char *
atrium_test_process_url (AtriumTestProcess *proc,
                         const char        *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", proc->insecure_port, path);
}

void
atrium_test_make_certificate (const char  *dir,
                              const char  *name,
                              char       **cert_path,
                              char       **key_path)
{
  g_autofree char *subject = g_strdup_printf ("/CN=%s", name);
  g_autoptr(GError) error = NULL;
  int status = 0;

  *cert_path = g_strdup_printf ("%s/%s.crt", dir, name);
  *key_path = g_strdup_printf ("%s/%s.key", dir, name);
  {
    const char *argv[] = {
      "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
      "-nodes", "-days", "2", "-subj", subject,
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", *key_path, "-out", *cert_path, NULL
    };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                                 G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, NULL, NULL, &status, &error));
  }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

guint
atrium_test_http (guint16              port,
                  const char          *method,
                  const char          *path,
                  const char          *content_type,
                  const char          *body,
                  char               **response_body,
                  SoupMessageHeaders **response_headers)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (msg);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  if (answer == NULL)
    return 0;
  if (response_body != NULL)
    *response_body = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  if (response_headers != NULL)
    *response_headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return soup_message_get_status (msg);
}

/* The live (not zombie) child processes of @parent, from /proc: a supervisor's workers. */
GArray *
atrium_test_children_of (GPid parent)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *stat = NULL;
      const char *after;
      GPid ppid = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* After the command's closing parenthesis: the state, then the parent. */
      after = strrchr (stat, ')');
      if (after != NULL && after[1] == ' ' && after[2] != 'Z' &&
          sscanf (after + 2, "%*c %d", &ppid) == 1 && ppid == parent)
        {
          GPid pid = (GPid) atoi (name);

          g_array_append_val (pids, pid);
        }
    }
  return pids;
}
