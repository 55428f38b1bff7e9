/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What every benchmark needs: a real `atrium-server` on a fresh store in a temporary
 * directory, started and stopped as an operator would, and latency percentiles. */
typedef struct
{
  char        *binary;
  char        *base_dir;
  char        *data_dir;
  char        *config_path;
  char        *stdout_path;
  char        *stderr_path;
  GSubprocess *process;
  guint16      port;
} BenchServer;

/* @given (--server), else $ATRIUM_SERVER, else the build's atrium-server. */
const char  *bench_server_binary      (const char          *given);
/* A temporary directory, @config_text as server.conf, and `init`. */
BenchServer *bench_server_new         (const char          *binary,
                                       const char          *prefix,
                                       const char          *config_text,
                                       GError             **error);
/* `atrium-server ARGS…` to completion, @input on its stdin, its stdout into @out. */
gboolean     bench_server_run_cli     (BenchServer         *server,
                                       const char          *input,
                                       char               **out,
                                       GError             **error,
                                       const char          *first_arg,
                                       ...) G_GNUC_NULL_TERMINATED;
/* `serve --insecure-http 127.0.0.1:0 --config … --data-dir …` plus @extra_args; waits
 * until it listens. */
gboolean     bench_server_spawn       (BenchServer         *server,
                                       const char * const  *extra_args,
                                       GError             **error);
/* The process id of the server (of the supervisor with --workers). */
GPid         bench_server_pid         (BenchServer         *server);
/* SIGTERM, then waits: the exit status, 128 + signal, or -1 if it hung. */
int          bench_server_stop        (BenchServer         *server);
void         bench_server_free        (BenchServer         *server);

/* Resident memory of a process and its children, in KiB. */
gsize        bench_rss_kib            (GPid                 pid);

/* Nearest-rank percentile of microsecond figures, in milliseconds (sorts @usec). */
double       bench_percentile_ms      (GArray              *usec,
                                       double               p);

/* A request to the server on loopback with `Authorization: Bearer @token` and, unless
 * NULL, @json as its body. */
SoupMessage *bench_request_new        (guint16              port,
                                       const char          *method,
                                       const char          *path,
                                       const char          *token,
                                       const char          *json);

/* The CPU's model name, and the 1-minute load average now: other work skews figures. */
char        *bench_cpu_model          (void);
char        *bench_load_average       (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchServer, bench_server_free)

G_END_DECLS
