/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-serve.h"

#include <stdio.h>
#include <signal.h>
#include <glib-unix.h>

#include "atrium-auth.h"
#include "atrium-handlers.h"
#include "atrium-occupancy.h"
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
  }
  {
    AtriumOccupancy *occupancy = atrium_occupancy_new (server, NULL, NULL, error);

    if (occupancy == NULL)
      return NULL;
    atrium_server_set_service (server, ATRIUM_SERVICE_OCCUPANCY, occupancy,
                               (GDestroyNotify) atrium_occupancy_free);
  }
  atrium_handlers_register_system (server);
  atrium_handlers_register_auth (server);
  atrium_handlers_register_account (server);
  atrium_handlers_register_users (server);
  atrium_handlers_register_security (server);
  atrium_handlers_register_sites (server);
  atrium_handlers_register_occupancy (server);
  atrium_handlers_register_stats (server);

  {
    AtriumConfig *c = atrium_server_get_config (server);

    if (c->https != NULL &&
        (!atrium_server_load_certificate (server, error) ||
         !atrium_server_listen (server, ATRIUM_LISTENER_HTTPS, c->https, error)))
      return NULL;
    if (c->http != NULL &&
        !atrium_server_listen (server, ATRIUM_LISTENER_REDIRECT, c->http, error))
      return NULL;
    if (c->unix_path != NULL &&
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

  if (atrium_server_load_certificate (running->server, &error))
    g_message ("SIGHUP: certificate reloaded");
  else
    g_message ("SIGHUP: keeping the current certificate: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer data)
{
  Running *running = data;

  g_message ("shutting down: finishing the requests under way");
  atrium_server_drain (running->server, running->loop);
  return G_SOURCE_CONTINUE;
}

int
atrium_serve_run (const AtriumServeOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumServer) server = atrium_serve_start (options, NULL, &error);
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(AtriumSimulator) simulator = NULL;
  Running running;
  guint ids[3];

  if (server == NULL)
    {
      fprintf (stderr, "atrium-server: %s\n", error->message);
      return 1;
    }

  for (guint kind = 0; kind < ATRIUM_N_LISTENER_KIND_COUNT; kind++)
    if (atrium_server_get_port (server, kind) != 0)
      printf ("listening: %s port %u\n",
              kind == ATRIUM_LISTENER_HTTPS ? "https" :
              kind == ATRIUM_LISTENER_REDIRECT ? "http (redirect)" : "http (loopback, insecure)",
              atrium_server_get_port (server, kind));
  if (atrium_server_get_config (server)->unix_path != NULL)
    printf ("listening: unix %s\n", atrium_server_get_config (server)->unix_path);
  fflush (stdout);

  /* The periodic work: resets at closing time, statistics, silent sensors. */
  atrium_occupancy_start (atrium_server_get_service (server, ATRIUM_SERVICE_OCCUPANCY), TRUE);
  if (options->simulate_sensors)
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
  g_main_loop_run (loop);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_source_remove (ids[i]);
  return 0;
}
