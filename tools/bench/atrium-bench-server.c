/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-bench"

#include "config.h"

#include "atrium-bench-server.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#ifndef ATRIUM_BENCH_SERVER
#define ATRIUM_BENCH_SERVER "atrium-server"
#endif

#define START_TIMEOUT_SECONDS 60
#define STOP_TIMEOUT_SECONDS  30
#define POLL_MICROSECONDS     (20 * G_TIME_SPAN_MILLISECOND)

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_remove (path);
}

/* A server left behind by a killed benchmark would hold its port and store forever. */
static void
die_with_parent (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return launcher;
}

gboolean
bench_server_run_cli (BenchServer  *server,
                      const char   *input,
                      char        **out,
                      GError      **error,
                      const char   *first_arg,
                      ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  va_list args;

  g_ptr_array_add (argv, server->binary);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                           G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, input, NULL, out, &err, error))
    return FALSE;
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      if (err != NULL && *g_strstrip (err) != '\0')
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "`atrium-server %s` failed: %s",
                     first_arg, err);
      else if (g_subprocess_get_if_exited (process))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "`atrium-server %s` exited with status %d, saying nothing", first_arg,
                     g_subprocess_get_exit_status (process));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "`atrium-server %s` was killed by signal %d", first_arg,
                     g_subprocess_get_term_sig (process));
      return FALSE;
    }
  return TRUE;
}

BenchServer *
bench_server_new (const char  *binary,
                  const char  *prefix,
                  const char  *config_text,
                  GError     **error)
{
  g_autoptr(BenchServer) server = g_new0 (BenchServer, 1);
  g_autofree char *template = g_strdup_printf ("%s-XXXXXX", prefix);

  server->binary = g_strdup (binary);
  server->base_dir = g_dir_make_tmp (template, error);
  if (server->base_dir == NULL)
    return NULL;
  server->data_dir = g_build_filename (server->base_dir, "data", NULL);
  server->config_path = g_build_filename (server->base_dir, "server.conf", NULL);
  server->stdout_path = g_build_filename (server->base_dir, "serve.out", NULL);
  server->stderr_path = g_build_filename (server->base_dir, "serve.err", NULL);
  if (!g_file_set_contents (server->config_path, config_text, -1, error) ||
      !bench_server_run_cli (server, NULL, NULL, error, "init", "--data-dir", server->data_dir,
                             NULL))
    return NULL;
  return g_steal_pointer (&server);
}

/* Polls until the process is gone, up to @seconds; FALSE if it is still running. */
static gboolean
wait_for_exit (GSubprocess *process,
               int          seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;

  /* GSubprocess reaps its child in GLib's worker thread: no main loop is needed. */
  while (g_subprocess_get_identifier (process) != NULL)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (POLL_MICROSECONDS);
    }
  return g_subprocess_wait (process, NULL, NULL);
}

static char *
server_stderr (BenchServer *server)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (server->stderr_path, &text, NULL, NULL))
    return g_strdup ("");
  return g_strdup (g_strstrip (text));
}

/* Reads the "listening: …" line that the server prints once its socket is bound. */
static gboolean
wait_for_port (BenchServer  *server,
               GError      **error)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_SECONDS * G_TIME_SPAN_SECOND;

  for (;;)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (server->stdout_path, &text, NULL, NULL))
        {
          g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

          for (guint i = 0; lines[i] != NULL; i++)
            {
              guint port = 0;

              if (sscanf (lines[i], "listening: http (loopback, insecure) port %u", &port) == 1 &&
                  port > 0 && port <= G_MAXUINT16)
                {
                  server->port = port;
                  return TRUE;
                }
            }
        }
      if (g_subprocess_get_identifier (server->process) == NULL)
        {
          g_autofree char *err = server_stderr (server);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "`atrium-server serve` stopped before it was listening: %s", err);
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "`atrium-server serve` was not listening after %d s",
                       START_TIMEOUT_SECONDS);
          return FALSE;
        }
      g_usleep (POLL_MICROSECONDS);
    }
}

gboolean
bench_server_spawn (BenchServer         *server,
                    const char * const  *extra_args,
                    GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *fixed[] = { "serve", "--insecure-http", "127.0.0.1:0", "--config",
                          server->config_path, "--data-dir", server->data_dir };

  g_ptr_array_add (argv, server->binary);
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, (char *) fixed[i]);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  g_remove (server->stdout_path);
  g_subprocess_launcher_set_stdout_file_path (launcher, server->stdout_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, server->stderr_path);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                  error);
  return server->process != NULL && wait_for_port (server, error);
}

GPid
bench_server_pid (BenchServer *server)
{
  const char *id = server->process != NULL ? g_subprocess_get_identifier (server->process)
                                            : NULL;

  return id != NULL ? (GPid) atoi (id) : 0;
}

int
bench_server_stop (BenchServer *server)
{
  int status = 0;

  if (server->process != NULL)
    {
      g_subprocess_send_signal (server->process, SIGTERM);
      if (!wait_for_exit (server->process, STOP_TIMEOUT_SECONDS))
        {
          g_subprocess_force_exit (server->process);
          wait_for_exit (server->process, STOP_TIMEOUT_SECONDS);
          status = -1;
        }
      else if (g_subprocess_get_if_exited (server->process))
        status = g_subprocess_get_exit_status (server->process);
      else
        status = 128 + g_subprocess_get_term_sig (server->process);
      g_clear_object (&server->process);
    }
  return status;
}

void
bench_server_free (BenchServer *server)
{
  if (server == NULL)
    return;
  bench_server_stop (server);
  if (server->base_dir != NULL)
    remove_tree (server->base_dir);
  g_free (server->binary);
  g_free (server->base_dir);
  g_free (server->data_dir);
  g_free (server->config_path);
  g_free (server->stdout_path);
  g_free (server->stderr_path);
  g_free (server);
}

static gsize
own_rss_kib (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  const char *line;
  gsize kib = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      (line = strstr (text, "VmRSS:")) == NULL)
    return 0;
  sscanf (line + 6, "%zu", &kib);
  return kib;
}

gsize
bench_rss_kib (GPid pid)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  gsize total = own_rss_kib (pid);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *stat = NULL;
      const char *after;
      int ppid = 0;

      if (g_ascii_isdigit (name[0]) && g_file_get_contents (path, &stat, NULL, NULL) &&
          (after = strrchr (stat, ')')) != NULL && sscanf (after + 2, "%*c %d", &ppid) == 1 &&
          ppid == (int) pid)
        total += own_rss_kib ((GPid) atoi (name));
    }
  return total;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

double
bench_percentile_ms (GArray *usec,
                     double  p)
{
  double exact = p * usec->len;
  guint rank;

  if (usec->len == 0)
    return 0;
  g_array_sort (usec, compare_gint64);
  rank = (guint) exact;
  if (rank < exact)
    rank++;
  rank = CLAMP (rank, 1, usec->len);
  return g_array_index (usec, gint64, rank - 1) / 1000.0;
}

SoupMessage *
bench_request_new (guint16     port,
                   const char *method,
                   const char *path,
                   const char *token,
                   const char *json)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  SoupMessage *msg = soup_message_new (method, url);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                bearer);
  if (json != NULL)
    {
      g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", body);
    }
  return msg;
}

char *
bench_cpu_model (void)
{
  g_autofree char *cpuinfo = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    return g_strdup ("unknown CPU");
  lines = g_strsplit (cpuinfo, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "model name") && strchr (lines[i], ':') != NULL)
      return g_strdup (g_strstrip (strchr (lines[i], ':') + 1));
  return g_strdup ("unknown CPU");
}

char *
bench_load_average (void)
{
  g_autofree char *loadavg = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    return g_strdup ("unknown");
  loadavg[strcspn (loadavg, " \n")] = '\0';
  return g_steal_pointer (&loadavg);
}

const char *
bench_server_binary (const char *given)
{
  if (given != NULL)
    return given;
  return g_getenv ("ATRIUM_SERVER") != NULL ? g_getenv ("ATRIUM_SERVER") : ATRIUM_BENCH_SERVER;
}
