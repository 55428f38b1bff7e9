/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-server.h"

G_BEGIN_DECLS

/* What `atrium-server serve` was asked for on its command line. */
typedef struct
{
  char *data_dir;
  char *config_file;
  char *https;
  char *cert;
  char *key;
  char *http;
  char *unix_path;
  char *insecure_http;
  int   workers;            /* HTTP processes; 0: the configuration's [server] processes */
  gboolean simulate_sensors;
  int   worker_index;       /* a worker started by the supervisor: 0 … N-1; else -1 */
  char **argv;              /* `serve` and its arguments as given, to start workers */
} AtriumServeOptions;

AtriumServer *atrium_serve_start (const AtriumServeOptions  *options,
                                  AtriumClock               *clock,
                                  GError                   **error);
int           atrium_serve_run   (const AtriumServeOptions  *options);

G_END_DECLS
