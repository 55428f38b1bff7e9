/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-bench"

#include "config.h"

#include <libsoup/soup.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "atrium-bench-seed.h"
#include "atrium-bench-server.h"
#include "atrium-clock.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"
#include "atrium-totp.h"
#include "atrium-ws-client.h"

#include <poll.h>

/*
 * bench-occupancy: the occupancy issue's figures, each beside its reference measured in
 * the same run (DESIGN.md §7). It asserts nothing about speed; it fails when an answer
 * was wrong (not a 200 or 201), so a printed figure only counts real answers.
 *
 *   read    wrk -t2 -c64 -d10s on GET /api/v1/occupancy (50 spaces, a kiosk's token,
 *           plain HTTP on loopback), one and two server processes, against nginx serving
 *           the same bytes as a static file with as many workers.
 *   fanout  1,000 then 5,000 live subscribers: from a sensor post being accepted to
 *           the last subscriber holding the change (p99), the server's memory; and the
 *           read figure again with 1,000 idle subscribers connected, against none.
 *   ingest  sensor posts accepted per second through the API, against the same
 *           transactions written straight into a store.
 */

#define N_SPACES 50

#define CONFIG BENCH_SENSOR_CONFIG "[live]\nmax_subscribers = 100000\n"

typedef struct
{
  const char *server;
  int         seconds;
  int         clients;
  const char *wrk;
  const char *nginx;
} Options;

static int
fail (const char *message)
{
  g_printerr ("bench-occupancy: %s\n", message);
  return 1;
}

/* ---- HTTP ------------------------------------------------------------------------------ */

static GBytes *
get_document (guint16     port,
              const char *token,
              GError    **error)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = bench_request_new (port, "GET", "/api/v1/occupancy", token,
                                                  NULL);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, error);

  if (body == NULL)
    return NULL;
  if (soup_message_get_status (msg) != 200)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "GET /api/v1/occupancy: %u",
                   soup_message_get_status (msg));
      return NULL;
    }
  return g_steal_pointer (&body);
}

/* ---- wrk and nginx ------------------------------------------------------------------- */

typedef struct
{
  double per_second;
  double p99_ms;
  guint64 requests;
  guint64 bad;        /* non-2xx answers and socket errors */
} WrkResult;

static double
parse_duration_ms (const char *text)
{
  double value = g_ascii_strtod (text, NULL);

  if (strstr (text, "us") != NULL)
    return value / 1000;
  if (strstr (text, "ms") != NULL)
    return value;
  if (strchr (text, 's') != NULL)
    return value * 1000;
  return value;
}

static gboolean
run_wrk (const Options  *options,
         const char     *url,
         const char     *token,
         WrkResult      *result,
         GError        **error)
{
  g_autofree char *seconds = g_strdup_printf ("%ds", options->seconds);
  g_autofree char *header = g_strconcat ("Authorization: Bearer ", token, NULL);
  g_autoptr(GSubprocess) wrk = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;

  memset (result, 0, sizeof *result);
  wrk = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                          error, options->wrk, "-t2", "-c64", "-d", seconds, "--latency",
                          "-H", header, url, NULL);
  if (wrk == NULL || !g_subprocess_communicate_utf8 (wrk, NULL, NULL, &out, NULL, error))
    return FALSE;
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);
      guint64 a = 0, b = 0, c = 0, d = 0;

      if (g_str_has_prefix (line, "Requests/sec:"))
        result->per_second = g_ascii_strtod (line + 13, NULL);
      else if (g_str_has_prefix (line, "99%"))
        result->p99_ms = parse_duration_ms (line + 3);
      else if (sscanf (line, "%" G_GUINT64_FORMAT " requests in", &a) == 1)
        result->requests = a;
      else if (sscanf (line, "Non-2xx or 3xx responses: %" G_GUINT64_FORMAT, &a) == 1)
        result->bad += a;
      else if (sscanf (line, "Socket errors: connect %" G_GUINT64_FORMAT ", read %"
                       G_GUINT64_FORMAT ", write %" G_GUINT64_FORMAT ", timeout %"
                       G_GUINT64_FORMAT, &a, &b, &c, &d) == 4)
        result->bad += a + b + c + d;
    }
  if (result->per_second <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "wrk printed no rate:\n%s", out);
      return FALSE;
    }
  return TRUE;
}

static guint16
free_port (void)
{
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = { .sin_family = AF_INET };
  socklen_t length = sizeof address;
  guint16 port = 0;

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd >= 0 && bind (fd, (struct sockaddr *) &address, sizeof address) == 0 &&
      getsockname (fd, (struct sockaddr *) &address, &length) == 0)
    port = ntohs (address.sin_port);
  if (fd >= 0)
    close (fd);
  return port;
}

static void
nginx_stop (GSubprocess *nginx)
{
  g_subprocess_send_signal (nginx, SIGQUIT);
  g_subprocess_wait (nginx, NULL, NULL);
  g_object_unref (nginx);
}

/* nginx with @workers processes serving @document as a static file. */
static GSubprocess *
nginx_start (const Options  *options,
             const char     *dir,
             GBytes         *document,
             guint           workers,
             guint16        *port,
             GError        **error)
{
  g_autofree char *root = g_build_filename (dir, "www", NULL);
  g_autofree char *file = g_build_filename (root, "occupancy", NULL);
  g_autofree char *conf_path = g_build_filename (dir, "nginx.conf", NULL);
  g_autofree char *conf = NULL;
  GSubprocess *nginx;

  *port = free_port ();
  conf = g_strdup_printf ("worker_processes %u;\n"
                          "pid %s/nginx.pid;\n"
                          "error_log %s/nginx.err;\n"
                          "daemon off;\n"
                          "events { worker_connections 4096; }\n"
                          "http {\n"
                          "  access_log off;\n"
                          "  client_body_temp_path %s;\n"
                          "  server {\n"
                          "    listen 127.0.0.1:%u reuseport;\n"
                          "    root %s;\n"
                          "    location / { default_type application/json; }\n"
                          "  }\n"
                          "}\n", workers, dir, dir, dir, *port, root);
  /* nginx's workers run as nobody: they must reach the file (the store stays 0700). */
  if (g_mkdir_with_parents (root, 0755) != 0 || g_chmod (dir, 0711) != 0 ||
      g_chmod (root, 0755) != 0 ||
      !g_file_set_contents (file, g_bytes_get_data (document, NULL),
                            (gssize) g_bytes_get_size (document), error) ||
      !g_file_set_contents (conf_path, conf, -1, error) || g_chmod (file, 0644) != 0)
    return NULL;
  nginx = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, error, options->nginx, "-c", conf_path,
                            "-e", "stderr", NULL);
  if (nginx == NULL)
    return NULL;
  /* Ready once it serves the file. */
  for (int i = 0; i < 100; i++)
    {
      g_autoptr(SoupSession) session = soup_session_new ();
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/occupancy", *port);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);

      if (body != NULL && g_bytes_equal (body, document))
        return nginx;
      g_usleep (50 * 1000);
    }
  nginx_stop (nginx);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "nginx did not serve the document "
               "(see %s/nginx.err)", dir);
  return NULL;
}

/* ---- read ---------------------------------------------------------------------------- */

static int
bench_read (const Options *options)
{
  g_autoptr(GError) error = NULL;
  WrkResult ours[2], theirs[2];
  gsize document_size = 0;
  gboolean bad = FALSE;

  for (guint workers = 1; workers <= 2; workers++)
    {
      g_auto(BenchSeed) seed = { 0 };
      g_autoptr(BenchServer) server = bench_server_new (options->server, "atrium-bench-read",
                                                        CONFIG, &error);
      g_autofree char *workers_text = g_strdup_printf ("%u", workers);
      const char *args[] = { "--workers", workers_text, NULL };
      g_autoptr(GBytes) document = NULL;
      g_autofree char *url = NULL;
      g_autofree char *nginx_url = NULL;
      GSubprocess *nginx;
      guint16 nginx_port = 0;

      if (server == NULL || !bench_seed_store (server->data_dir, N_SPACES, &seed, &error) ||
          !bench_server_spawn (server, args, &error))
        return fail (error->message);
      document = get_document (server->port, seed.kiosk, &error);
      if (document == NULL)
        return fail (error->message);
      document_size = g_bytes_get_size (document);
      nginx = nginx_start (options, server->base_dir, document, workers, &nginx_port, &error);
      if (nginx == NULL)
        return fail (error->message);

      url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/occupancy", server->port);
      nginx_url = g_strdup_printf ("http://127.0.0.1:%u/occupancy", nginx_port);
      g_printerr ("bench-occupancy: wrk on nginx, %u worker(s)...\n", workers);
      if (!run_wrk (options, nginx_url, seed.kiosk, &theirs[workers - 1], &error))
        return fail (error->message);
      nginx_stop (nginx);
      g_printerr ("bench-occupancy: wrk on atrium-server, %u worker(s)...\n", workers);
      if (!run_wrk (options, url, seed.kiosk, &ours[workers - 1], &error))
        return fail (error->message);
      bad |= ours[workers - 1].bad > 0;
      if (bench_server_stop (server) != 0)
        return fail ("atrium-server did not stop cleanly");
    }

  printf ("\noccupancy-read: wrk -t2 -c64 -d%ds, GET /api/v1/occupancy (%d spaces, %zu bytes, "
          "a kiosk's token), plain HTTP on loopback, %u cores\n\n", options->seconds, N_SPACES,
          document_size, g_get_num_processors ());
  printf ("%-36s %12s %10s %10s %8s\n", "server", "requests/s", "p99 ms", "errors", "ratio");
  for (guint w = 0; w < 2; w++)
    {
      printf ("nginx, static file, %u worker(s)        %12.0f %10.2f %10" G_GUINT64_FORMAT
              "\n", w + 1, theirs[w].per_second, theirs[w].p99_ms, theirs[w].bad);
      printf ("atrium-server, %u process(es)            %12.0f %10.2f %10" G_GUINT64_FORMAT
              " %8.2f\n", w + 1, ours[w].per_second, ours[w].p99_ms, ours[w].bad,
              ours[w].per_second / theirs[w].per_second);
    }
  printf ("\ntargets: ratio >= 0.50 with one process, >= 0.65 with two; p99 <= 5 ms\n");
  if (bad)
    return fail ("atrium-server gave answers that were not 200 (see the errors column)");
  return 0;
}

/* ---- fanout -------------------------------------------------------------------------- */

#define FANOUT_ROUNDS 30

typedef struct
{
  AtriumWsClient **clients;
  struct pollfd   *fds;
  guint            n;
} Subscribers;

static void
subscribers_free (Subscribers *subs)
{
  for (guint i = 0; i < subs->n; i++)
    atrium_ws_client_free (subs->clients[i]);
  g_free (subs->clients);
  g_free (subs->fds);
  subs->n = 0;
}

static int
client_fd (AtriumWsClient *client)
{
  GIOStream *stream = atrium_ws_client_get_stream (client);

  return g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)));
}

/* Waits until every subscriber in @pending has a text frame containing @needle, noting
 * when each arrived; FALSE on a timeout or a broken connection. */
static gboolean
collect (Subscribers  *subs,
         const char   *needle,
         gint64       *arrived,
         gint64        deadline,
         GError      **error)
{
  guint missing = subs->n;
  g_autofree gboolean *done = g_new0 (gboolean, subs->n);

  while (missing > 0)
    {
      int timeout = (int) MAX (0, (deadline - g_get_monotonic_time ()) / 1000);
      int ready;

      if (timeout == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "%u of %u subscribers never got the change", missing, subs->n);
          return FALSE;
        }
      ready = poll (subs->fds, subs->n, timeout);
      if (ready < 0)
        continue;
      for (guint i = 0; i < subs->n && ready > 0; i++)
        {
          if (subs->fds[i].revents == 0)
            continue;
          ready--;
          for (;;)
            {
              g_autoptr(GError) local = NULL;
              g_autoptr(AtriumWsFrame) frame = atrium_ws_client_try_receive (subs->clients[i],
                                                                            &local);
              g_autofree char *text = NULL;

              if (frame == NULL)
                {
                  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                    break;
                  g_propagate_error (error, g_steal_pointer (&local));
                  return FALSE;
                }
              if (frame->opcode != ATRIUM_WS_OPCODE_TEXT || done[i])
                continue;
              text = atrium_ws_frame_dup_text (frame);
              if (strstr (text, needle) != NULL)
                {
                  done[i] = TRUE;
                  arrived[i] = g_get_monotonic_time ();
                  missing--;
                }
            }
        }
    }
  return TRUE;
}

static gboolean
subscribe_all (Subscribers  *subs,
               guint16       port,
               const char   *token,
               guint         n,
               GError      **error)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autofree gint64 *arrived = g_new0 (gint64, n);

  subs->clients = g_new0 (AtriumWsClient *, n);
  subs->fds = g_new0 (struct pollfd, n);
  for (guint i = 0; i < n; i++)
    {
      guint status = 0;

      subs->clients[i] = atrium_ws_client_connect ("127.0.0.1", port, 10000, error);
      if (subs->clients[i] == NULL)
        return FALSE;
      subs->n = i + 1;
      if (!atrium_ws_client_handshake (subs->clients[i], "127.0.0.1", "/api/v1/live", bearer,
                                       10000, &status, error) ||
          !atrium_ws_client_send_text (subs->clients[i],
                                       "{\"type\":\"subscribe\",\"sites\":[1]}", error))
        return FALSE;
      atrium_ws_client_set_auto_pong (subs->clients[i], TRUE);
      subs->fds[i].fd = client_fd (subs->clients[i]);
      subs->fds[i].events = POLLIN;
    }
  return collect (subs, "\"subscribed\"", arrived,
                  g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND, error);
}

typedef struct
{
  guint  subscribers;
  double p50_ms;
  double p99_ms;        /* over every subscriber of every round */
  double last_p99_ms;   /* of each round's last subscriber */
  double last_max_ms;
  gsize  rss_kib;
} FanoutResult;

static gboolean
measure_fanout (const Options  *options,
                BenchServer    *server,
                const BenchSeed *seed,
                Subscribers    *subs,
                FanoutResult   *result,
                GError        **error)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) last = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree gint64 *arrived = g_new0 (gint64, subs->n);

  for (guint round = 0; round < FANOUT_ROUNDS; round++)
    {
      guint space = round % N_SPACES;
      g_autofree char *ts = atrium_time_format_iso8601 (g_get_real_time ());
      g_autofree char *path = g_strdup_printf ("/api/v1/sensors/%" G_GINT64_FORMAT "/counts",
                                               seed->sensors[space]);
      g_autofree char *body = g_strdup_printf ("{\"seq\":%u,\"ts\":\"%s\",\"in\":%u,"
                                               "\"out\":0}", subs->n * 100 + round, ts, round + 1);
      g_autofree char *needle = g_strdup_printf ("\"space\":{\"id\":%" G_GINT64_FORMAT ",",
                                                 seed->spaces[space]);
      g_autoptr(SoupMessage) msg = bench_request_new (server->port, "POST", path,
                                                      seed->keys[space], body);
      g_autoptr(GBytes) answer = NULL;
      gint64 accepted, slowest = 0;

      /* A different room each round: no change waits for a coalescing window. */
      answer = soup_session_send_and_read (session, msg, NULL, error);
      accepted = g_get_monotonic_time ();
      if (answer == NULL || soup_message_get_status (msg) != 201)
        {
          if (answer != NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "sensor post answered %u",
                         soup_message_get_status (msg));
          return FALSE;
        }
      if (!collect (subs, needle, arrived, accepted + 30 * G_TIME_SPAN_SECOND, error))
        return FALSE;
      for (guint i = 0; i < subs->n; i++)
        {
          /* The change may beat the 201 to a subscriber: that is 0, not negative. */
          gint64 latency = MAX (0, arrived[i] - accepted);

          g_array_append_val (all, latency);
          slowest = MAX (slowest, latency);
        }
      g_array_append_val (last, slowest);
      g_usleep (100 * 1000);
    }
  result->subscribers = subs->n;
  result->p50_ms = bench_percentile_ms (all, 0.50);
  result->p99_ms = bench_percentile_ms (all, 0.99);
  result->last_p99_ms = bench_percentile_ms (last, 0.99);
  result->last_max_ms = bench_percentile_ms (last, 1.0);
  result->rss_kib = bench_rss_kib (bench_server_pid (server));
  return TRUE;
}

static int
bench_fanout (const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_auto(BenchSeed) seed = { 0 };
  g_autoptr(BenchServer) server = bench_server_new (options->server, "atrium-bench-fanout",
                                                    CONFIG, &error);
  FanoutResult results[2];
  const guint sizes[2] = { 1000, 5000 };
  WrkResult quiet, crowded;
  gsize idle_rss = 0;
  g_autofree char *url = NULL;

  if (server == NULL || !bench_seed_store (server->data_dir, N_SPACES, &seed, &error) ||
      !bench_server_spawn (server, NULL, &error))
    return fail (error->message);
  idle_rss = bench_rss_kib (bench_server_pid (server));
  url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/occupancy", server->port);

  g_printerr ("bench-occupancy: wrk with no subscriber...\n");
  if (!run_wrk (options, url, seed.kiosk, &quiet, &error))
    return fail (error->message);

  for (guint k = 0; k < 2; k++)
    {
      Subscribers subs = { 0 };

      g_printerr ("bench-occupancy: %u subscribers...\n", sizes[k]);
      if (!subscribe_all (&subs, server->port, seed.kiosk, sizes[k], &error) ||
          !measure_fanout (options, server, &seed, &subs, &results[k], &error))
        {
          subscribers_free (&subs);
          return fail (error->message);
        }
      if (k == 0)
        {
          g_printerr ("bench-occupancy: wrk with 1000 idle subscribers...\n");
          if (!run_wrk (options, url, seed.kiosk, &crowded, &error))
            {
              subscribers_free (&subs);
              return fail (error->message);
            }
        }
      subscribers_free (&subs);
      g_usleep (500 * 1000);
    }
  if (bench_server_stop (server) != 0)
    return fail ("atrium-server did not stop cleanly");

  printf ("\nlive-fanout: from a sensor post accepted (its 201) to each subscriber holding "
          "the change, %d rounds, a different room each, %u cores\n\n", FANOUT_ROUNDS,
          g_get_num_processors ());
  printf ("%-12s %10s %10s %16s %16s %14s\n", "subscribers", "p50 ms", "p99 ms",
          "last, p99 ms", "last, max ms", "server RSS MiB");
  for (guint k = 0; k < 2; k++)
    printf ("%-12u %10.1f %10.1f %16.1f %16.1f %14.1f\n", results[k].subscribers,
            results[k].p50_ms, results[k].p99_ms, results[k].last_p99_ms,
            results[k].last_max_ms, results[k].rss_kib / 1024.0);
  printf ("(server RSS before any subscriber: %.1f MiB)\n", idle_rss / 1024.0);
  printf ("\ntargets: p99 <= 50 ms at 1,000 and <= 150 ms at 5,000; RSS <= 64 MiB at 5,000\n");
  printf ("\noccupancy-read (wrk -t2 -c64 -d%ds) with and without 1,000 idle subscribers\n\n",
          options->seconds);
  printf ("%-36s %12s %10s %10s\n", "", "requests/s", "p99 ms", "errors");
  printf ("%-36s %12.0f %10.2f %10" G_GUINT64_FORMAT "\n", "no subscriber", quiet.per_second,
          quiet.p99_ms, quiet.bad);
  printf ("%-36s %12.0f %10.2f %10" G_GUINT64_FORMAT "\n", "1,000 idle subscribers",
          crowded.per_second, crowded.p99_ms, crowded.bad);
  printf ("\nwith / without = %.2f (target >= 0.90)\n", crowded.per_second / quiet.per_second);
  if (quiet.bad > 0 || crowded.bad > 0)
    return fail ("some reads were not answered 200");
  return 0;
}

/* ---- ingest -------------------------------------------------------------------------- */

typedef struct
{
  const Options *options;
  const BenchSeed *seed;
  guint16        port;
  guint          index;
  gint64         deadline;
  guint64        accepted;
  guint64        refused;
  GArray        *latencies;
} Poster;

static gpointer
post_counts (gpointer data)
{
  Poster *poster = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  guint space = poster->index % N_SPACES;
  gint64 seq = 0;

  while (g_get_monotonic_time () < poster->deadline)
    {
      g_autofree char *ts = atrium_time_format_iso8601 (g_get_real_time ());
      g_autofree char *path = g_strdup_printf ("/api/v1/sensors/%" G_GINT64_FORMAT "/counts",
                                               poster->seed->sensors[space]);
      g_autofree char *body = g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"ts\":\"%s\","
                                               "\"in\":1,\"out\":1}",
                                               seq++ * poster->options->clients +
                                               poster->index, ts);
      g_autoptr(SoupMessage) msg = bench_request_new (poster->port, "POST", path,
                                                      poster->seed->keys[space], body);
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GBytes) answer = soup_session_send_and_read (session, msg, NULL, NULL);
      gint64 latency = g_get_monotonic_time () - start;

      if (answer != NULL && soup_message_get_status (msg) == 201)
        {
          poster->accepted++;
          g_array_append_val (poster->latencies, latency);
        }
      else
        poster->refused++;
      space = (space + poster->options->clients) % N_SPACES;
    }
  return NULL;
}

/* The same writes as a post makes, straight into a store: the ceiling. */
static guint64
bare_writes (const Options  *options,
             const char     *data_dir,
             const BenchSeed *seed,
             GError        **error)
{
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, error);
  gint64 deadline = g_get_monotonic_time () + options->seconds * G_TIME_SPAN_SECOND;
  guint64 done = 0;
  gint64 seq = G_GINT64_CONSTANT (1) << 40;

  while (db != NULL && g_get_monotonic_time () < deadline)
    {
      AtriumSensor sensor;
      AtriumCountResult result;
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;
      guint space = done % N_SPACES;

      if (!atrium_db_exec (db, "BEGIN IMMEDIATE;", error) ||
          !atrium_store_sensor_get (db, seed->sensors[space], &sensor, error) ||
          !atrium_store_count_record (db, &sensor, seq++, now, 1, 1, now, G_MAXINT32, &result,
                                      error) ||
          !atrium_db_exec (db, "COMMIT;", error))
        return 0;
      done++;
    }
  return done;
}

static int
bench_ingest (const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_auto(BenchSeed) seed = { 0 };
  g_autoptr(BenchServer) server = bench_server_new (options->server, "atrium-bench-ingest",
                                                    CONFIG, &error);
  g_autofree Poster *posters = g_new0 (Poster, options->clients);
  g_autofree GThread **threads = g_new0 (GThread *, options->clients);
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint64 accepted = 0, refused = 0, bare;
  gint64 start, end;

  if (server == NULL || !bench_seed_store (server->data_dir, N_SPACES, &seed, &error) ||
      !bench_server_spawn (server, NULL, &error))
    return fail (error->message);
  g_printerr ("bench-occupancy: %d s of sensor posts on %d threads...\n", options->seconds,
              options->clients);
  start = g_get_monotonic_time ();
  for (int i = 0; i < options->clients; i++)
    {
      posters[i].options = options;
      posters[i].seed = &seed;
      posters[i].port = server->port;
      posters[i].index = (guint) i;
      posters[i].deadline = start + options->seconds * G_TIME_SPAN_SECOND;
      posters[i].latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
      threads[i] = g_thread_new ("poster", post_counts, &posters[i]);
    }
  for (int i = 0; i < options->clients; i++)
    {
      g_thread_join (threads[i]);
      accepted += posters[i].accepted;
      refused += posters[i].refused;
      g_array_append_vals (latencies, posters[i].latencies->data, posters[i].latencies->len);
      g_array_unref (posters[i].latencies);
    }
  end = g_get_monotonic_time ();
  if (bench_server_stop (server) != 0)
    return fail ("atrium-server did not stop cleanly");

  g_printerr ("bench-occupancy: %d s of the same writes straight into the store...\n",
              options->seconds);
  bare = bare_writes (options, server->data_dir, &seed, &error);
  if (bare == 0)
    return fail (error != NULL ? error->message : "no bare write");

  printf ("\nsensor-ingest: POST /api/v1/sensors/{id}/counts from %d threads for %d s "
          "(%d sensors), plain HTTP on loopback, %u cores\n\n", options->clients,
          options->seconds, N_SPACES, g_get_num_processors ());
  printf ("%-44s %10s %10s %9s %9s\n", "measurement", "count", "per s", "p50 ms", "p99 ms");
  printf ("%-44s %10" G_GUINT64_FORMAT " %10.0f %9.2f %9.2f\n", "counts accepted (201)",
          accepted, accepted / ((end - start) / (double) G_TIME_SPAN_SECOND),
          bench_percentile_ms (latencies, 0.5), bench_percentile_ms (latencies, 0.99));
  printf ("%-44s %10" G_GUINT64_FORMAT " %10.0f\n", "the same transactions, straight in", bare,
          bare / (double) options->seconds);
  printf ("\naccepted/s / straight-in/s = %.2f\n",
          (accepted / ((end - start) / (double) G_TIME_SPAN_SECOND)) /
          (bare / (double) options->seconds));
  printf ("refused or failed posts: %" G_GUINT64_FORMAT "\n", refused);
  if (refused > 0 || accepted == 0)
    return fail ("some posts were not accepted");
  return 0;
}

/* ---- main ---------------------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("read|fanout|ingest — "
                                                            "occupancy benchmarks");
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL;
  Options options = { NULL, 10, 8, "wrk", "/usr/sbin/nginx" };
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server, "atrium-server to run", "PATH" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &options.seconds, "Seconds per measurement (10)",
      "S" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &options.clients, "Client threads (ingest, 8)", "N" },
    { NULL }
  };
  struct rlimit files;

  setlocale (LC_ALL, "");
  atrium_crypto_init ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 ||
      options.seconds < 1 || options.clients < 1)
    {
      g_printerr ("bench-occupancy: %s\n", error != NULL ? error->message
                                                        : "give read, fanout or ingest");
      return 2;
    }
  if (getrlimit (RLIMIT_NOFILE, &files) == 0)
    {
      files.rlim_cur = files.rlim_max;
      setrlimit (RLIMIT_NOFILE, &files);
    }
  options.server = bench_server_binary (server);
  if (g_str_equal (argv[1], "read"))
    return bench_read (&options);
  if (g_str_equal (argv[1], "ingest"))
    return bench_ingest (&options);
  if (g_str_equal (argv[1], "fanout"))
    return bench_fanout (&options);
  g_printerr ("bench-occupancy: unknown benchmark '%s'\n", argv[1]);
  return 2;
}
