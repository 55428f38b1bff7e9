/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-serve.h"

#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/socket.h>
#include <glib-unix.h>

#include "atrium-auth.h"
#include "atrium-backup.h"
#include "atrium-booking-jobs.h"
#include "atrium-handlers.h"
#include "atrium-live.h"
#include "atrium-occupancy.h"
#include "atrium-retention.h"
#include "atrium-sd-notify.h"
#include "atrium-signing.h"
#include "atrium-simulator.h"

#define SIMULATOR_INTERVAL_SECONDS 10

static void
override (char       **field,
          const char  *value)
{
  if (value != NULL)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

static void
publish_live (gint64      site_id,
              const char *key,
              GBytes     *message,
              gpointer    user_data)
{
  atrium_live_publish (user_data, site_id, key, message);
}

/* Every site may be followed; the label (who it is) only goes to the logs. A user's
 * subscription lasts as long as the session it was opened with (see handle_live). */
static void
hand_to_live (AtriumServer *server,
              GIOStream    *stream,
              gpointer      upgrade_data,
              gpointer      user_data)
{
  const char *session = strstr (upgrade_data, " session ");
  gint64 session_id = session != NULL ? g_ascii_strtoll (session + 9, NULL, 10) : 0;

  if (session_id > 0)
    atrium_live_add_session (user_data, stream, session_id, upgrade_data);
  else
    atrium_live_add (user_data, stream, NULL, 0, upgrade_data);
  g_free (upgrade_data);
}

/* On the hub's thread, at each heartbeat: a session ended (signed out, revoked by an
 * administrator, expired, its account disabled) takes its live feed with it. A store
 * that cannot be read keeps the subscriber: its next HTTP request is checked anyway. */
static gboolean
live_session_valid (gint64   session_id,
                    gpointer user_data)
{
  AtriumServer *server = user_data;
  AtriumStore *store = atrium_server_get_store (server);
  g_autoptr(GError) error = NULL;
  AtriumDb *db = atrium_store_read_begin (store);
  int valid = atrium_store_session_valid (db, session_id,
                                          atrium_clock_now (atrium_server_get_clock (server)),
                                          &error);

  atrium_store_read_end (store, db);
  if (valid < 0)
    g_warning ("live feed: the session %" G_GINT64_FORMAT " cannot be checked: %s",
               session_id, error->message);
  return valid != 0;
}

/* A data directory made before check-in codes existed gets its signing key here. */
static gboolean
ensure_signing_key (AtriumServer  *server,
                    AtriumAuth    *auth,
                    GError       **error)
{
  AtriumStore *store = atrium_server_get_store (server);
  AtriumDb *writer = atrium_store_write_begin (store);
  gboolean created = FALSE;
  gboolean ok = atrium_signing_ensure_key (writer, atrium_auth_get_secrets_key (auth),
                                           atrium_clock_now (atrium_server_get_clock (server)),
                                           &created, error);

  atrium_store_write_end (store);
  if (created)
    g_message ("made the signing key of check-in codes");
  return ok;
}

/* Loads the configuration, opens the store, binds every listener. Nothing is served
 * until the caller runs the thread-default main context. @clock (NULL: the system's)
 * lets tests move time. */
AtriumServer *
atrium_serve_start (const AtriumServeOptions  *options,
                    AtriumClock               *clock,
                    GError                   **error)
{
  g_autoptr(AtriumConfig) config = NULL;
  g_autoptr(AtriumStore) store = NULL;
  g_autoptr(AtriumServer) server = NULL;

  config = options->config_file != NULL ? atrium_config_load (options->config_file, error)
                                        : atrium_config_new_default ();
  if (config == NULL)
    return NULL;
  override (&config->https, options->https);
  override (&config->cert_file, options->cert);
  override (&config->key_file, options->key);
  override (&config->http, options->http);
  override (&config->unix_path, options->unix_path);

  if (config->https == NULL && config->unix_path == NULL && options->insecure_http == NULL)
    {
      g_set_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID,
                   "Nothing to listen on: give --https (with --cert and --key), --unix "
                   "or --insecure-http");
      return NULL;
    }
  if (config->http != NULL && config->https == NULL)
    {
      g_set_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID,
                   "--http only redirects to https, so it needs --https as well");
      return NULL;
    }

  /* glib-networking reads this once, when the first TLS connection is made. */
  g_setenv ("G_TLS_GNUTLS_PRIORITY", atrium_config_tls_priority (config), TRUE);

  store = atrium_store_new (options->data_dir, config->workers, error);
  if (store == NULL)
    return NULL;

  server = atrium_server_new (g_steal_pointer (&config), g_steal_pointer (&store), clock);
  {
    AtriumAuth *auth = atrium_auth_new (server, error);

    if (auth == NULL)
      return NULL;
    atrium_server_set_service (server, ATRIUM_SERVICE_AUTH, auth,
                               (GDestroyNotify) atrium_auth_free);
    atrium_server_set_authenticator (server, atrium_auth_authenticate, auth);
    atrium_server_set_security_hook (server, atrium_auth_security, auth);
    if (!ensure_signing_key (server, auth, error))
      return NULL;
  }
  {
    AtriumConfig *c = atrium_server_get_config (server);
    AtriumLiveLimits limits = {
      c->live_max_subscribers, c->live_max_message_bytes,
      (gsize) c->live_max_queued_kib * 1024, c->live_heartbeat_seconds * 1000, 0,
    };
    AtriumLive *live = atrium_live_new (&limits);
    AtriumOccupancy *occupancy;

    atrium_server_set_service (server, ATRIUM_SERVICE_LIVE, live,
                               (GDestroyNotify) atrium_live_free);
    atrium_live_set_session_check (live, live_session_valid, server);
    atrium_server_set_upgrade_hook (server, hand_to_live, live);
    occupancy = atrium_occupancy_new (server, publish_live, live, error);
    if (occupancy == NULL)
      return NULL;
    atrium_server_set_service (server, ATRIUM_SERVICE_OCCUPANCY, occupancy,
                               (GDestroyNotify) atrium_occupancy_free);
  }
  {
    AtriumBookingJobs *jobs = atrium_booking_jobs_new (server, error);

    if (jobs == NULL)
      return NULL;
    atrium_server_set_service (server, ATRIUM_SERVICE_BOOKINGS, jobs,
                               (GDestroyNotify) atrium_booking_jobs_free);
  }
  atrium_handlers_register_system (server);
  atrium_handlers_register_auth (server);
  atrium_handlers_register_account (server);
  atrium_handlers_register_users (server);
  atrium_handlers_register_security (server);
  atrium_handlers_register_sites (server);
  atrium_handlers_register_occupancy (server);
  atrium_handlers_register_stats (server);
  atrium_handlers_register_resources (server);
  atrium_handlers_register_bookings (server);
  atrium_handlers_register_checkin (server);
  atrium_handlers_register_keys (server);
  atrium_handlers_register_export (server);
  atrium_handlers_register_privacy (server);

  {
    AtriumConfig *c = atrium_server_get_config (server);

    if (c->https != NULL &&
        (!atrium_server_load_certificate (server, error) ||
         !atrium_server_listen (server, ATRIUM_LISTENER_HTTPS, c->https, error)))
      return NULL;
    /* The redirect port and the Unix socket belong to the first worker only: neither
     * shares a port between processes. */
    gboolean first = options->worker_index <= 0;

    if (c->http != NULL && first &&
        !atrium_server_listen (server, ATRIUM_LISTENER_REDIRECT, c->http, error))
      return NULL;
    if (c->unix_path != NULL && first &&
        !atrium_server_listen (server, ATRIUM_LISTENER_UNIX, c->unix_path, error))
      return NULL;
    if (options->insecure_http != NULL &&
        !atrium_server_listen (server, ATRIUM_LISTENER_INSECURE, options->insecure_http, error))
      return NULL;
  }
  return g_steal_pointer (&server);
}

typedef struct
{
  AtriumServer *server;
  GMainLoop    *loop;
} Running;

static gboolean
on_sighup (gpointer data)
{
  Running *running = data;
  g_autoptr(GError) error = NULL;

  atrium_sd_notify ("RELOADING=1");
  if (atrium_server_load_certificate (running->server, &error))
    g_message ("SIGHUP: certificate reloaded");
  else
    g_message ("SIGHUP: keeping the current certificate: %s", error->message);
  atrium_sd_notify ("READY=1");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer data)
{
  Running *running = data;

  g_message ("shutting down: finishing the requests under way");
  atrium_sd_notify ("STOPPING=1");
  atrium_server_drain (running->server, running->loop);
  return G_SOURCE_CONTINUE;
}

/* ---- one process -------------------------------------------------------------------- */

/* Thousands of live subscribers are as many descriptors: take what the system allows. */
static void
raise_descriptor_limit (void)
{
  struct rlimit files;

  if (getrlimit (RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max)
    {
      files.rlim_cur = files.rlim_max;
      setrlimit (RLIMIT_NOFILE, &files);
    }
}

/* A worker never outlives its supervisor, whatever killed it. */
static void
die_with_supervisor (void)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
  if (getppid () == 1)
    raise (SIGTERM);
}

static int
serve_one (const AtriumServeOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(AtriumSimulator) simulator = NULL;
  g_autoptr(AtriumRetention) retention = NULL;
  g_autoptr(AtriumBackup) backup = NULL;
  Running running;
  guint ids[3];
  guint watchdog;
  int lock;

  server = atrium_serve_start (options, NULL, &error);
  /* Held until the process ends: `restore` will not replace the store under us. */
  lock = server != NULL ? atrium_backup_lock_data_dir (options->data_dir, FALSE, &error) : -1;
  if (lock < 0)
    {
      fprintf (stderr, "atrium-server: %s\n", error->message);
      return 1;
    }
  raise_descriptor_limit ();

  for (guint kind = 0; kind < ATRIUM_N_LISTENER_KIND_COUNT; kind++)
    if (atrium_server_get_port (server, kind) != 0)
      printf ("listening: %s port %u\n",
              kind == ATRIUM_LISTENER_HTTPS ? "https" :
              kind == ATRIUM_LISTENER_REDIRECT ? "http (redirect)" : "http (loopback, insecure)",
              atrium_server_get_port (server, kind));
  if (atrium_server_get_config (server)->unix_path != NULL && options->worker_index <= 0)
    printf ("listening: unix %s\n", atrium_server_get_config (server)->unix_path);
  fflush (stdout);

  /* The periodic work: resets at closing time, statistics, silent sensors; done by the
   * first worker. Every worker watches the store for the others' changes. */
  atrium_occupancy_start (atrium_server_get_service (server, ATRIUM_SERVICE_OCCUPANCY),
                          options->worker_index <= 0);
  /* Every worker runs the bookings' scheduler: its changes are claimed in the store, so
   * a booking is released (and its patron told) once whatever the number of workers. */
  atrium_booking_jobs_start (atrium_server_get_service (server, ATRIUM_SERVICE_BOOKINGS),
                             TRUE);
  /* Old bookings lose who made them; one process is enough (and two would do no harm). */
  if (options->worker_index <= 0)
    retention = atrium_retention_start (server);
  /* Backups: one process, or two would both make them. */
  if (options->worker_index <= 0 && atrium_server_get_config (server)->backup_directory != NULL)
    backup = atrium_backup_start (server);
  if (options->simulate_sensors && options->worker_index <= 0)
    {
      simulator = atrium_simulator_start (server, SIMULATOR_INTERVAL_SECONDS, 0, &error);
      if (simulator == NULL)
        {
          fprintf (stderr, "atrium-server: %s\n", error->message);
          return 1;
        }
      printf ("simulating the sensors: a post from each every %u s\n",
              SIMULATOR_INTERVAL_SECONDS);
      fflush (stdout);
    }

  loop = g_main_loop_new (NULL, FALSE);
  running.server = server;
  running.loop = loop;
  ids[0] = g_unix_signal_add (SIGHUP, on_sighup, &running);
  ids[1] = g_unix_signal_add (SIGTERM, on_sigterm, &running);
  ids[2] = g_unix_signal_add (SIGINT, on_sigterm, &running);
  /* Every listener is bound. A worker tells its supervisor, which speaks for all. */
  atrium_sd_notify ("READY=1");
  watchdog = atrium_sd_notify_watchdog_start ();
  g_main_loop_run (loop);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_source_remove (ids[i]);
  if (watchdog != 0)
    g_source_remove (watchdog);
  return 0;
}

/* ---- several processes --------------------------------------------------------------- */

/* `serve --workers N`: N copies of this program serve one port each through their own
 * SO_REUSEPORT socket (threads do not scale with GObject, processes do: DESIGN.md §5);
 * they share their state through the store. This process only starts them, passes
 * signals on and starts again one that dies. */
typedef struct
{
  GPtrArray    *argv;          /* for a worker, without its index */
  GSubprocess **children;
  guint         n_children;
  guint         running;
  gboolean      stopping;
  GMainLoop    *loop;
  int           status;
  GSubprocessLauncher *launcher;   /* workers notify the relay, not systemd */
  AtriumSdRelay *relay;            /* NULL outside systemd */
} Supervisor;

static void start_worker (Supervisor *self,
                          guint       index);

typedef struct
{
  Supervisor *supervisor;
  guint       index;
} Child;

static gboolean
restart_worker (gpointer data)
{
  Child *child = data;

  if (!child->supervisor->stopping)
    start_worker (child->supervisor, child->index);
  return G_SOURCE_REMOVE;
}

static void
worker_exited (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Child *child = data;
  Supervisor *self = child->supervisor;
  GSubprocess *process = G_SUBPROCESS (source);

  g_subprocess_wait_finish (process, result, NULL);
  if (self->relay != NULL)
    atrium_sd_relay_child_exited (self->relay, child->index);
  self->running--;
  g_clear_object (&self->children[child->index]);
  if (self->stopping)
    {
      /* A worker still starting when SIGTERM came dies of it: a clean stop too. */
      if (g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) != 0
                                               : g_subprocess_get_term_sig (process) != SIGTERM)
        self->status = 1;
      if (self->running == 0)
        g_main_loop_quit (self->loop);
      g_free (child);
      return;
    }
  g_message ("worker %u stopped unexpectedly; starting it again in a second", child->index);
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 1, restart_worker, child, g_free);
}

static void
start_worker (Supervisor *self,
              guint       index)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  Child *child;

  for (guint i = 0; i < self->argv->len; i++)
    g_ptr_array_add (argv, g_strdup (self->argv->pdata[i]));
  g_ptr_array_add (argv, g_strdup ("--worker-index"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", index));
  g_ptr_array_add (argv, NULL);
  self->children[index] = g_subprocess_launcher_spawnv (self->launcher,
                                                       (const char * const *) argv->pdata,
                                                       &error);
  if (self->children[index] == NULL)
    {
      g_message ("cannot start worker %u: %s", index, error->message);
      return;
    }
  self->running++;
  if (self->relay != NULL)
    atrium_sd_relay_child_started (self->relay, index,
                                   atoi (g_subprocess_get_identifier (self->children[index])));
  child = g_new0 (Child, 1);
  child->supervisor = self;
  child->index = index;
  g_subprocess_wait_async (self->children[index], NULL, worker_exited, child);
}

static void
signal_workers (Supervisor *self,
                int         signum)
{
  for (guint i = 0; i < self->n_children; i++)
    if (self->children[i] != NULL)
      g_subprocess_send_signal (self->children[i], signum);
}

static gboolean
supervisor_sighup (gpointer data)
{
  atrium_sd_notify ("RELOADING=1");
  signal_workers (data, SIGHUP);
  atrium_sd_notify ("READY=1");
  return G_SOURCE_CONTINUE;
}

static gboolean
supervisor_sigterm (gpointer data)
{
  Supervisor *self = data;

  self->stopping = TRUE;
  atrium_sd_notify ("STOPPING=1");
  signal_workers (self, SIGTERM);
  if (self->running == 0)
    g_main_loop_quit (self->loop);
  return G_SOURCE_CONTINUE;
}

/* An address with port 0 gets a port here, held by a bound socket that never listens,
 * so that every worker binds the same one. */
static char *
reserve_port (const char  *address,
              GSList     **held,
              GError     **error)
{
  const char *colon = address != NULL ? strrchr (address, ':') : NULL;
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  GSocket *holder;
  int fd, one = 1;
  struct sockaddr_storage native;

  if (colon == NULL || strcmp (colon, ":0") != 0)
    return g_strdup (address);
  host = g_strndup (address, colon - address);
  if (host[0] == '[' && host[strlen (host) - 1] == ']')
    {
      memmove (host, host + 1, strlen (host) - 2);
      host[strlen (host) - 2] = '\0';
    }
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_LISTEN,
                   "%s: give an IP address", address);
      return NULL;
    }
  bound = g_inet_socket_address_new (inet, 0);
  if (!g_socket_address_to_native (bound, &native, sizeof native, error))
    return NULL;
  fd = socket (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET,
               SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      bind (fd, (struct sockaddr *) &native, g_socket_address_get_native_size (bound)) != 0)
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_LISTEN, "%s: %s", address,
                   g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  holder = g_socket_new_from_fd (fd, error);
  if (holder == NULL)
    {
      close (fd);
      return NULL;
    }
  *held = g_slist_prepend (*held, holder);
  local = g_socket_get_local_address (holder, error);
  if (local == NULL)
    return NULL;
  return g_strdup_printf ("%s:%u", address[0] == '[' ? "[::1]" : host,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
}

static int
supervise (const AtriumServeOptions *options,
           const AtriumConfig       *config,
           guint                     n_workers)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *https = NULL;
  g_autofree char *insecure = NULL;
  GSList *held = NULL;
  Supervisor self = { 0 };
  guint ids[3];

  https = config->https != NULL || options->https != NULL
          ? reserve_port (options->https != NULL ? options->https : config->https, &held,
                          &error)
          : g_strdup ("");
  insecure = https != NULL && options->insecure_http != NULL
             ? reserve_port (options->insecure_http, &held, &error) : g_strdup ("");
  if (https == NULL || insecure == NULL || self_exe == NULL)
    {
      fprintf (stderr, "atrium-server: %s\n",
               error != NULL ? error->message : "cannot find this program's path");
      g_slist_free_full (held, g_object_unref);
      return 1;
    }

  self.argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self.argv, g_strdup (self_exe));
  for (guint i = 0; options->argv[i] != NULL; i++)
    g_ptr_array_add (self.argv, g_strdup (options->argv[i]));
  if (*https != '\0')
    {
      g_ptr_array_add (self.argv, g_strdup ("--https"));
      g_ptr_array_add (self.argv, g_strdup (https));
    }
  if (*insecure != '\0')
    {
      g_ptr_array_add (self.argv, g_strdup ("--insecure-http"));
      g_ptr_array_add (self.argv, g_strdup (insecure));
    }
  self.n_children = n_workers;
  self.children = g_new0 (GSubprocess *, n_workers);
  self.loop = g_main_loop_new (NULL, FALSE);
  /* This process alone speaks to systemd (NotifyAccess=main); the workers speak to it. */
  self.launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  self.relay = atrium_sd_relay_new (n_workers);
  if (self.relay != NULL)
    g_subprocess_launcher_setenv (self.launcher, "NOTIFY_SOCKET",
                                  atrium_sd_relay_get_address (self.relay), TRUE);
  else
    g_subprocess_launcher_unsetenv (self.launcher, "NOTIFY_SOCKET");
  g_subprocess_launcher_unsetenv (self.launcher, "WATCHDOG_PID");

  printf ("supervising %u worker processes\n", n_workers);
  fflush (stdout);
  for (guint i = 0; i < n_workers; i++)
    start_worker (&self, i);

  ids[0] = g_unix_signal_add (SIGHUP, supervisor_sighup, &self);
  ids[1] = g_unix_signal_add (SIGTERM, supervisor_sigterm, &self);
  ids[2] = g_unix_signal_add (SIGINT, supervisor_sigterm, &self);
  g_main_loop_run (self.loop);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_source_remove (ids[i]);
  g_clear_pointer (&self.relay, atrium_sd_relay_free);
  g_object_unref (self.launcher);

  g_slist_free_full (held, g_object_unref);
  g_ptr_array_unref (self.argv);
  g_free (self.children);
  g_main_loop_unref (self.loop);
  return self.status;
}

int
atrium_serve_run (const AtriumServeOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumConfig) config = NULL;
  guint n_workers;

  if (options->worker_index >= 0)
    {
      die_with_supervisor ();
      return serve_one (options);
    }
  config = options->config_file != NULL ? atrium_config_load (options->config_file, &error)
                                        : atrium_config_new_default ();
  if (config == NULL)
    {
      fprintf (stderr, "atrium-server: %s\n", error->message);
      return 1;
    }
  n_workers = options->workers > 0 ? (guint) options->workers : config->processes;
  if (n_workers <= 1)
    return serve_one (options);
  return supervise (options, config, n_workers);
}
