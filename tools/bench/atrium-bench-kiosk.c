/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-bench"

#include "config.h"

#include <gio/gunixinputstream.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-application.h"
#include "atrium-bench-seed.h"
#include "atrium-bench-server.h"
#include "atrium-cache.h"
#include "atrium-clock.h"
#include "atrium-key-file.h"
#include "atrium-keyring.h"
#include "atrium-kiosk-window.h"

/*
 * bench-kiosk: the kiosk issue's two figures, each beside its reference measured in the
 * same run (DESIGN.md §7), against a real `atrium-server` on loopback with a registered
 * kiosk. It asserts nothing about speed; it fails when the kiosk does not come up, or
 * does not show what it was sent, so a printed figure only counts what was seen.
 *
 *   start  from launching `atrium --kiosk` to its first frame with the board's tiles,
 *          the board read from the kiosk's cache (the server stopped after a first run
 *          filled it), beside a bare GTK window launched the same way, alternately.
 *   soak   20,000 sensor posts, each a live update of one room, into a kiosk window
 *          running in this process: from sending the post to the first frame painted
 *          after the tile's count changed, and the process's resident memory after a
 *          warm-up against its end.
 */

typedef struct
{
  const char *server;
  const char *app;
  const char *bare;
  int         rounds;
  int         updates;
  int         spaces;
  int         rate;
  int         warmup;
  const char *camera;
  const char *screenshot;
} Options;

/* The server, its institution, and a kiosk's home: the directories its account has
 * (config with the device token, data, cache) and the cache key as systemd gives it. */
typedef struct
{
  BenchServer *server;
  BenchSeed    seed;
  char        *root;
  char        *url;
  char        *key_path;
  char        *cache_path;
} Site;

static void
site_free (Site *site)
{
  if (site->server != NULL)
    bench_server_free (site->server);
  bench_seed_clear (&site->seed);
  g_free (site->url);
  g_free (site->key_path);
  g_free (site->cache_path);
  if (site->root != NULL)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", site->root);

      if (system (command) != 0)
        g_printerr ("bench-kiosk: %s was left behind\n", site->root);
    }
  g_free (site->root);
  g_free (site);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Site, site_free)

static int
fail (const char *what,
      GError     *error)
{
  g_printerr ("bench-kiosk: %s%s%s\n", what, error != NULL ? ": " : "",
              error != NULL ? error->message : "");
  return 1;
}

static char *
sub_dir (const Site *site,
         const char *name)
{
  return g_build_filename (site->root, name, NULL);
}

static Site *
site_new (const Options  *options,
          GError        **error)
{
  g_autoptr(Site) site = g_new0 (Site, 1);
  g_autofree char *config = NULL;
  g_autofree char *token_path = NULL;
  g_autofree char *credentials = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *settings_dir = NULL;
  g_autofree char *settings_path = NULL;
  g_autofree char *settings = NULL;

  site->server = bench_server_new (bench_server_binary (options->server), "atrium-bench-kiosk",
                                   BENCH_SENSOR_CONFIG, error);
  if (site->server == NULL ||
      !bench_seed_store (site->server->data_dir, options->spaces, &site->seed, error) ||
      !bench_server_spawn (site->server, NULL, error))
    return NULL;
  site->url = g_strdup_printf ("http://127.0.0.1:%u", site->server->port);
  site->root = g_dir_make_tmp ("atrium-bench-kiosk-home-XXXXXX", error);
  if (site->root == NULL)
    return NULL;
  config = g_build_filename (site->root, "config", "atrium", NULL);
  credentials = sub_dir (site, "credentials");
  cache = g_build_filename (site->root, "cache", "atrium", NULL);
  if (g_mkdir_with_parents (config, 0700) != 0 || g_mkdir_with_parents (credentials, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot make %s", site->root);
      return NULL;
    }
  token_path = g_build_filename (config, "kiosk-token", NULL);
  site->key_path = g_build_filename (credentials, ATRIUM_SECRETS_CREDENTIAL_NAME, NULL);
  site->cache_path = g_build_filename (cache, "kiosk-cache.db", NULL);
  settings_dir = g_build_filename (site->root, "config", "glib-2.0", "settings", NULL);
  settings_path = g_build_filename (settings_dir, "keyfile", NULL);
  settings = g_strdup_printf ("[io/atrium/Atrium]\nserver-url='%s'\n"
                              "kiosk-camera-pipeline='%s'\n", site->url, options->camera);
  if (g_mkdir_with_parents (settings_dir, 0700) != 0 ||
      !g_file_set_contents (settings_path, settings, -1, error) ||
      !g_file_set_contents_full (token_path, site->seed.kiosk, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) ||
      !atrium_key_file_create (site->key_path, error))
    return NULL;
  return g_steal_pointer (&site);
}

/* The environment of the kiosk's account: its own directories, the key as a systemd
 * credential (no keyring needed), settings in memory. */
static char **
site_environ (const Site *site)
{
  char **env = g_get_environ ();
  static const struct { const char *name; const char *dir; } dirs[] = {
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_CACHE_HOME", "cache" },
    { "CREDENTIALS_DIRECTORY", "credentials" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = sub_dir (site, dirs[i].dir);

      env = g_environ_setenv (env, dirs[i].name, dir, TRUE);
    }
  /* The server's address is a setting: `--server` takes only https. */
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "keyfile", TRUE);
  env = g_environ_setenv (env, "ATRIUM_REPORT_FIRST_BOARD", "1", TRUE);
  return env;
}

/* ---- start ---------------------------------------------------------------------------- */

/* Launches @argv and waits for its line "@prefix TIME [SOURCE]": the milliseconds from
 * the launch to TIME, and SOURCE. The process is then ended, after a screenshot into
 * @shot unless NULL, or handed over in @running. */
static gboolean
time_launch (const char * const  *argv,
             char               **envp,
             const char          *prefix,
             const char          *log_path,
             const char          *shot,
             double              *ms,
             char               **source,
             GSubprocess        **running,
             GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gint64 launched, deadline;
  gboolean found = FALSE, exited = FALSE;
  int fd;

  g_subprocess_launcher_set_environ (launcher, envp);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  launched = g_get_real_time ();
  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return FALSE;
  fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (process)));
  deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;
  while (!found && g_get_monotonic_time () < deadline)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      char buffer[512];
      const char *line;
      ssize_t n;

      if (poll (&pfd, 1, 100) <= 0)
        continue;
      n = read (fd, buffer, sizeof buffer);
      if (n <= 0)
        {
          exited = TRUE;
          break;
        }
      g_string_append_len (out, buffer, n);
      line = strstr (out->str, prefix);
      if (line != NULL && strchr (line, '\n') != NULL)
        {
          g_auto(GStrv) words = g_strsplit_set (line, " \n", 4);

          *ms = (g_ascii_strtoll (words[1], NULL, 10) - launched) / 1000.0;
          if (source != NULL)
            *source = g_strdup (words[2] != NULL ? words[2] : "");
          found = TRUE;
        }
    }
  /* A look at the screen a second later, for a person (ImageMagick's import). */
  if (found && shot != NULL)
    {
      g_autofree char *command = g_strdup_printf ("import -window root '%s'", shot);

      g_usleep (G_USEC_PER_SEC);
      if (system (command) != 0)
        g_printerr ("bench-kiosk: no screenshot: is ImageMagick's import installed?\n");
    }
  if (found && running != NULL)
    *running = g_steal_pointer (&process);
  else
    {
      g_subprocess_send_signal (process, SIGTERM);
      g_subprocess_wait (process, NULL, NULL);
    }
  if (!found)
    {
      g_autofree char *log = NULL;
      gsize length = 0;

      g_file_get_contents (log_path, &log, &length, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%s printed no “%s” line (%s); its standard error ends:\n%s", argv[0],
                   prefix, exited ? (g_subprocess_get_if_signaled (process)
                                     ? g_strsignal (g_subprocess_get_term_sig (process))
                                     : "it ended") : "in 60 s",
                   log != NULL ? log + (length > 3000 ? length - 3000 : 0) : "");
    }
  return found;
}

/* The kiosk's cache holds its registration, the sites and the occupancy. */
static gboolean
cache_filled (const Site *site)
{
  guint8 key[ATRIUM_DB_KEY_LEN];
  g_autoptr(AtriumCache) cache = NULL;
  g_autoptr(JsonNode) device = NULL;
  g_autoptr(JsonNode) sites = NULL;
  g_autoptr(JsonNode) occupancy = NULL;

  if (!g_file_test (site->cache_path, G_FILE_TEST_EXISTS) ||
      !atrium_key_file_load (site->key_path, key, NULL))
    return FALSE;
  cache = atrium_cache_open (site->cache_path, key, NULL, NULL);
  memset (key, 0, sizeof key);
  if (cache == NULL)
    return FALSE;
  device = atrium_cache_get_device (cache, NULL, NULL);
  sites = atrium_cache_get_sites (cache, NULL, NULL);
  occupancy = atrium_cache_get_occupancy (cache, 0, NULL, NULL);
  return device != NULL && sites != NULL && occupancy != NULL;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
summarise (GArray *ms,
           double *median,
           double *low,
           double *high)
{
  g_array_sort (ms, compare_double);
  *low = g_array_index (ms, double, 0);
  *high = g_array_index (ms, double, ms->len - 1);
  *median = ms->len % 2 ? g_array_index (ms, double, ms->len / 2)
                        : (g_array_index (ms, double, ms->len / 2 - 1) +
                           g_array_index (ms, double, ms->len / 2)) / 2;
}

static int
run_start (const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Site) site = site_new (options, &error);
  g_auto(GStrv) env = NULL;
  g_autoptr(GArray) kiosk_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) bare_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *kiosk_log = NULL;
  g_autofree char *bare_log = NULL;
  g_autofree char *source = NULL;
  g_autofree char *cpu = bench_cpu_model ();
  g_autofree char *load = bench_load_average ();
  double first_ms = 0, k_median, k_low, k_high, b_median, b_low, b_high;
  const char *kiosk_argv[] = { options->app, "--kiosk", NULL };
  const char *bare_argv[] = { options->bare, NULL };
  g_autoptr(GSubprocess) first = NULL;
  gboolean filled;
  gint64 deadline;

  if (site == NULL)
    return fail ("setting up the server and the kiosk's home", error);
  env = site_environ (site);
  kiosk_log = sub_dir (site, "kiosk.log");
  bare_log = sub_dir (site, "bare.log");

  /* A first run with the server up fills the cache. */
  g_printerr ("bench-kiosk: a first run with the server fills the kiosk's cache...\n");
  if (!time_launch (kiosk_argv, env, "first-board-frame", kiosk_log, NULL, &first_ms, &source,
                    &first, &error))
    return fail ("the first run", error);
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  while (!(filled = cache_filled (site)) && g_get_monotonic_time () < deadline)
    g_usleep (200 * 1000);
  g_subprocess_send_signal (first, SIGTERM);
  g_subprocess_wait (first, NULL, NULL);
  if (!filled)
    return fail ("the first run left no board in the kiosk's cache", NULL);
  /* Now from the cache only. */
  if (bench_server_stop (site->server) != 0)
    return fail ("the server did not stop cleanly", NULL);

  for (int round = 0; round < options->rounds; round++)
    {
      g_autofree char *kiosk_source = NULL;
      double ms = 0;

      if (!time_launch (kiosk_argv, env, "first-board-frame", kiosk_log,
                        round == options->rounds - 1 ? options->screenshot : NULL, &ms,
                        &kiosk_source, NULL, &error))
        return fail ("a kiosk launch", error);
      if (g_strcmp0 (kiosk_source, "cache") != 0)
        return fail ("the kiosk's first board did not come from its cache", NULL);
      g_array_append_val (kiosk_ms, ms);
      if (!time_launch (bare_argv, env, "first-frame", bare_log, NULL, &ms, NULL, NULL,
                        &error))
        return fail ("a bare window's launch", error);
      g_array_append_val (bare_ms, ms);
    }
  summarise (kiosk_ms, &k_median, &k_low, &k_high);
  summarise (bare_ms, &b_median, &b_low, &b_high);

  printf ("kiosk-start: from launch to the first frame painted, %d launches each, "
          "alternately, on %s\n", options->rounds, g_getenv ("DISPLAY"));
  printf ("machine: %s, %u cores, load %s\n\n", cpu, g_get_num_processors (), load);
  printf ("%-58s %9s %9s %9s\n", "", "median", "min", "max");
  printf ("%-58s %7.0f ms %6.0f ms %6.0f ms\n",
          "atrium --kiosk, board of 1 site from its cache (server down)", k_median, k_low,
          k_high);
  printf ("%-58s %7.0f ms %6.0f ms %6.0f ms\n", "bare GTK window (reference)", b_median, b_low,
          b_high);
  printf ("\nfirst run, server up, empty cache: %.0f ms (board from the %s)\n", first_ms,
          source);
  printf ("kiosk ÷ bare (medians): %.2f×   target ≤ 3×: %s\n", k_median / b_median,
          k_median <= 3 * b_median ? "met" : "NOT met");
  printf ("kiosk median: %.0f ms          target ≤ 1500 ms: %s\n", k_median,
          k_median <= 1500 ? "met" : "NOT met");
  return 0;
}

/* ---- soak ----------------------------------------------------------------------------- */

typedef struct
{
  const Options *options;
  Site          *site;
  GMutex         lock;
  gint64        *sent_at;     /* monotonic µs, by update; 0 until sent */
  gint           sent;
  gboolean       failed;
  char          *error;
} Poster;

/* Update i goes to room i mod N, whose count it raises by one: the kiosk's count of a
 * room names the update that set it. */
static gpointer
post_updates (gpointer data)
{
  Poster *poster = data;
  const Options *options = poster->options;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  gint64 start;

  g_main_context_push_thread_default (context);
  session = soup_session_new ();
  start = g_get_monotonic_time ();
  for (int i = 0; i < options->updates; i++)
    {
      guint space = (guint) i % poster->site->seed.n_spaces;
      gint64 due = start + (gint64) i * G_USEC_PER_SEC / options->rate;
      g_autofree char *ts = NULL;
      g_autofree char *path = g_strdup_printf ("/api/v1/sensors/%" G_GINT64_FORMAT "/counts",
                                               poster->site->seed.sensors[space]);
      g_autofree char *body = NULL;
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(GError) error = NULL;

      if (g_get_monotonic_time () < due)
        g_usleep (due - g_get_monotonic_time ());
      ts = atrium_time_format_iso8601 (g_get_real_time ());
      body = g_strdup_printf ("{\"seq\":%d,\"ts\":\"%s\",\"in\":1,\"out\":0}", i + 1, ts);
      msg = bench_request_new (poster->site->server->port, "POST", path,
                               poster->site->seed.keys[space], body);
      g_mutex_lock (&poster->lock);
      poster->sent_at[i] = g_get_monotonic_time ();
      g_mutex_unlock (&poster->lock);
      answer = soup_session_send_and_read (session, msg, NULL, &error);
      if (answer == NULL || soup_message_get_status (msg) != 201)
        {
          poster->error = answer == NULL ? g_strdup (error->message)
                          : g_strdup_printf ("sensor post answered %u",
                                             soup_message_get_status (msg));
          g_atomic_int_set (&poster->failed, TRUE);
          break;
        }
      g_atomic_int_inc (&poster->sent);
    }
  g_main_context_pop_thread_default (context);
  return NULL;
}

typedef struct
{
  Poster     *poster;
  GHashTable *space_index;   /* space id → its index in the seed */
  GArray     *pending;       /* update numbers changed, not yet painted */
  GArray     *latency;       /* µs, by update shown */
  guint8     *shown;
  guint       n_shown;
  guint       n_unknown;     /* counts that name no update (none expected) */
  gsize       rss_warm;      /* KiB once the warm-up was shown */
  GArray     *rss;           /* KiB every 2,000 updates */
} Watch;

static void
count_changed (AtriumLiveSpace *space,
               GParamSpec      *pspec,
               Watch           *watch)
{
  gpointer index;
  gint64 count = atrium_live_space_get_count (space);
  gint64 update;

  if (!g_hash_table_lookup_extended (watch->space_index,
                                     GINT_TO_POINTER ((int) atrium_live_space_get_id (space)),
                                     NULL, &index) || count <= 0)
    return;
  update = (count - 1) * watch->poster->site->seed.n_spaces + GPOINTER_TO_INT (index);
  if (update >= watch->poster->options->updates)
    {
      watch->n_unknown++;
      return;
    }
  g_array_append_val (watch->pending, update);
}

static void
painted (GdkFrameClock *clock,
         Watch         *watch)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&watch->poster->lock);
  for (guint i = 0; i < watch->pending->len; i++)
    {
      gint64 update = g_array_index (watch->pending, gint64, i);
      gint64 late = now - watch->poster->sent_at[update];

      if (watch->shown[update])
        continue;
      watch->shown[update] = TRUE;
      g_array_append_val (watch->latency, late);
      watch->n_shown++;
      if (watch->n_shown == (guint) watch->poster->options->warmup)
        watch->rss_warm = bench_rss_kib (getpid ());
      if (watch->n_shown % 2000 == 0)
        {
          gsize rss = bench_rss_kib (getpid ());

          g_array_append_val (watch->rss, rss);
        }
    }
  g_mutex_unlock (&watch->poster->lock);
  g_array_set_size (watch->pending, 0);
}

static AtriumKioskWindow *
kiosk_window (AtriumApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  return window != NULL && ATRIUM_IS_KIOSK_WINDOW (window) ? ATRIUM_KIOSK_WINDOW (window)
                                                           : NULL;
}

static gboolean
spin_until_live (AtriumApplication *app,
                 guint              n_spaces,
                 GError           **error)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

  while (g_get_monotonic_time () < deadline)
    {
      AtriumLiveClient *live = atrium_application_get_live (app);
      AtriumKioskWindow *window = kiosk_window (app);

      if (live != NULL && window != NULL &&
          atrium_live_client_get_state (live) == ATRIUM_LIVE_STATE_LIVE &&
          g_list_model_get_n_items (atrium_live_client_get_spaces (live)) == n_spaces &&
          gtk_widget_get_first_child (GTK_WIDGET (atrium_occupancy_page_get_space_box (
            atrium_kiosk_window_get_board (window)))) != NULL)
        return TRUE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "the kiosk showed no live board of %u rooms in 60 s", n_spaces);
  return FALSE;
}

static int
run_soak (const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Site) site = site_new (options, &error);
  g_auto(GStrv) env = NULL;
  g_autoptr(AtriumApplication) app = NULL;
  g_autoptr(GThread) thread = NULL;
  g_autofree char *cpu = bench_cpu_model ();
  g_autofree char *load = bench_load_average ();
  Poster poster = { options, NULL };
  Watch watch = { &poster, NULL };
  AtriumLiveClient *live;
  GListModel *spaces;
  gint64 deadline;
  gsize rss_end;
  guint late = 0;
  double growth;

  if (site == NULL)
    return fail ("setting up the server and the kiosk's home", error);
  env = site_environ (site);
  for (guint i = 0; env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env[i], "=", 2);

      if (pair[1] != NULL)
        g_setenv (pair[0], pair[1], TRUE);
    }
  gtk_init ();
  app = atrium_application_new (G_APPLICATION_NON_UNIQUE);
  atrium_application_set_kiosk (app, TRUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    return fail ("registering the application", error);
  g_application_activate (G_APPLICATION (app));
  if (!spin_until_live (app, site->seed.n_spaces, &error))
    return fail ("starting the kiosk", error);

  live = atrium_application_get_live (app);
  spaces = atrium_live_client_get_spaces (live);
  watch.space_index = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < site->seed.n_spaces; i++)
    g_hash_table_insert (watch.space_index, GINT_TO_POINTER ((int) site->seed.spaces[i]),
                         GINT_TO_POINTER (i));
  for (guint i = 0; i < g_list_model_get_n_items (spaces); i++)
    {
      g_autoptr(AtriumLiveSpace) space = g_list_model_get_item (spaces, i);

      g_signal_connect (space, "notify::count", G_CALLBACK (count_changed), &watch);
    }
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (kiosk_window (app))), "after-paint",
                    G_CALLBACK (painted), &watch);
  watch.pending = g_array_new (FALSE, FALSE, sizeof (gint64));
  watch.latency = g_array_new (FALSE, FALSE, sizeof (gint64));
  watch.rss = g_array_new (FALSE, FALSE, sizeof (gsize));
  watch.shown = g_new0 (guint8, options->updates);
  poster.site = site;
  poster.sent_at = g_new0 (gint64, options->updates);
  g_mutex_init (&poster.lock);

  g_printerr ("bench-kiosk: %d updates at %d/s into %u rooms...\n", options->updates,
              options->rate, site->seed.n_spaces);
  thread = g_thread_new ("poster", post_updates, &poster);
  deadline = G_MAXINT64;
  while (g_get_monotonic_time () < deadline && watch.n_shown < (guint) options->updates)
    {
      g_main_context_iteration (NULL, TRUE);
      /* Once every post is answered, ten seconds for the last to be shown. */
      if (deadline == G_MAXINT64 &&
          (g_atomic_int_get (&poster.sent) == options->updates ||
           g_atomic_int_get (&poster.failed)))
        deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
    }
  g_thread_join (g_steal_pointer (&thread));
  rss_end = bench_rss_kib (getpid ());
  if (poster.failed)
    return fail (poster.error, NULL);

  for (guint i = 0; i < watch.latency->len; i++)
    late += g_array_index (watch.latency, gint64, i) > G_USEC_PER_SEC;
  growth = watch.rss_warm > 0 ? 100.0 * ((double) rss_end - watch.rss_warm) / watch.rss_warm
                              : 0;
  printf ("kiosk-soak: %d live updates (sensor posts, %d/s, %u rooms) into a kiosk window in "
          "this process, on %s\n", options->updates, options->rate, site->seed.n_spaces,
          g_getenv ("DISPLAY"));
  printf ("machine: %s, %u cores, load %s; camera: %s\n\n", cpu, g_get_num_processors (), load,
          options->camera);
  printf ("updates shown: %u of %d (%u counts naming no update)\n", watch.n_shown,
          options->updates, watch.n_unknown);
  if (watch.latency->len > 0)
    {
      printf ("from the post sent to the first frame after it: p50 %.1f ms, p99 %.1f ms, "
              "max %.1f ms\n", bench_percentile_ms (watch.latency, 0.50),
              bench_percentile_ms (watch.latency, 0.99),
              bench_percentile_ms (watch.latency, 1.0));
    }
  printf ("shown more than 1 s late: %u          target 0: %s\n", late,
          late == 0 && watch.n_shown == (guint) options->updates ? "met" : "NOT met");
  printf ("resident memory: %zu KiB after %d updates (warm-up), %zu KiB at the end\n",
          watch.rss_warm, options->warmup, rss_end);
  printf ("  every 2,000:");
  for (guint i = 0; i < watch.rss->len; i++)
    printf (" %zu", g_array_index (watch.rss, gsize, i));
  printf (" KiB\n");
  printf ("growth after warm-up: %+.2f %%    target ≤ 5 %%: %s\n", growth,
          growth <= 5 ? "met" : "NOT met");

  g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (
    GTK_WIDGET (kiosk_window (app))), painted, &watch);
  for (guint i = 0; i < g_list_model_get_n_items (spaces); i++)
    {
      g_autoptr(AtriumLiveSpace) space = g_list_model_get_item (spaces, i);

      g_signal_handlers_disconnect_by_func (space, count_changed, &watch);
    }
  {
    GList *windows;

    while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
      gtk_window_destroy (windows->data);
  }
  atrium_application_disconnect (app);
  g_hash_table_unref (watch.space_index);
  g_array_unref (watch.pending);
  g_array_unref (watch.latency);
  g_array_unref (watch.rss);
  g_free (watch.shown);
  g_free (poster.sent_at);
  g_free (poster.error);
  g_mutex_clear (&poster.lock);
  return watch.n_shown == (guint) options->updates ? 0 : 1;
}

int
main (int    argc,
      char **argv)
{
  Options options = { NULL, ATRIUM_BENCH_APP, ATRIUM_BENCH_BARE, 5, 20000, 12, 20, 2000,
                      "videotestsrc is-live=true pattern=ball ! "
                      "video/x-raw,width=320,height=240,framerate=10/1 ! queue" };
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &options.server, "atrium-server to run", "PATH" },
    { "app", 0, 0, G_OPTION_ARG_STRING, &options.app, "atrium to launch (start)", "PATH" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &options.rounds, "launches of each (start)", "N" },
    { "updates", 'n', 0, G_OPTION_ARG_INT, &options.updates, "live updates (soak)", "N" },
    { "spaces", 0, 0, G_OPTION_ARG_INT, &options.spaces, "rooms of the site", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &options.rate, "updates per second (soak)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &options.warmup, "updates before the baseline", "N" },
    { "camera", 0, 0, G_OPTION_ARG_STRING, &options.camera, "the kiosk's camera pipeline",
      "DESC" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &options.screenshot,
      "the screen of the last kiosk start, a second after its board (start)", "PNG" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("start|soak");
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "The kiosk's start (from its cache, beside a bare GTK window) and its soak under "
    "live updates; see tools/bench/README.md.");
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 ||
      options.rounds < 1 || options.updates < 1 || options.rate < 1 || options.spaces < 1 ||
      options.spaces > BENCH_SEED_MAX_SPACES || options.warmup < 0 ||
      options.warmup >= options.updates)
    {
      g_printerr ("bench-kiosk: %s\n", error != NULL ? error->message
                                                     : "usage: bench-kiosk [OPTIONS] start|soak");
      return 2;
    }
  /* A room's coalescing window on the server is 500 ms: faster, updates would merge. */
  if (options.rate > 2 * options.spaces)
    g_printerr ("bench-kiosk: %d/s into %d rooms is more than one update per room every "
                "500 ms; the server will merge some\n", options.rate, options.spaces);
  if (g_str_equal (argv[1], "start"))
    return run_start (&options);
  if (g_str_equal (argv[1], "soak"))
    return run_soak (&options);
  g_printerr ("bench-kiosk: no benchmark “%s”\n", argv[1]);
  return 2;
}
