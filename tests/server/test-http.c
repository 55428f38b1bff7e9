/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The listeners and the defences in front of every route, against the real binary. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>

#include "atrium-test-server.h"

/* ---- raw connections ------------------------------------------------------------------ */

static GSocket *
raw_connect (const char *from,
             guint16     port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  g_assert_no_error (error);
  if (from != NULL)
    {
      g_autoptr(GInetAddress) local = g_inet_address_new_from_string (from);
      g_autoptr(GSocketAddress) local_address = g_inet_socket_address_new (local, 0);

      g_assert_true (g_socket_bind (socket, local_address, FALSE, &error));
    }
  g_assert_true (g_socket_connect (socket, address, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&socket);
}

static void
raw_send (GSocket    *socket,
          const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_socket_send (socket, text, strlen (text), NULL, &error), ==, strlen (text));
}

/* TRUE once the server has closed its side: a read gives end-of-file or a reset. */
static gboolean
raw_closed_by_peer (GSocket *socket,
                    guint    wait_ms)
{
  char buf[4096];
  gint64 deadline = g_get_monotonic_time () + wait_ms * 1000;

  g_socket_set_blocking (socket, FALSE);
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, buf, sizeof buf, NULL, &error);

      if (n == 0 || (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
        return TRUE;
      if (n < 0)
        g_socket_condition_timed_wait (socket, G_IO_IN, 50000, NULL, NULL);
    }
  return FALSE;
}

static char *
raw_read_answer (GSocket *socket)
{
  GString *answer = g_string_new (NULL);
  char buf[4096];
  gssize n;

  g_socket_set_blocking (socket, TRUE);
  g_socket_set_timeout (socket, 10);
  while ((n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (answer, buf, n);
  return g_string_free (answer, FALSE);
}

/* ---- basics -------------------------------------------------------------------------- */

static void
test_basics (void)
{
  AtriumTestProcess *proc = atrium_test_process_start (NULL, NULL);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(SoupMessageHeaders) headers404 = NULL;
  g_autoptr(SoupMessageHeaders) headers405 = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *body = NULL;
  g_autofree char *body404 = NULL;
  g_autofree char *body405 = NULL;
  JsonObject *object;

  g_assert_cmpuint (atrium_test_http (proc->insecure_port, "GET", "/healthz", NULL, NULL,
                                      &body, &headers), ==, 200);
  g_assert_cmpstr (body, ==, "{\"status\":\"ok\"}");
  g_assert_null (soup_message_headers_get_one (headers, "Server"));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Content-Type-Options"), ==,
                   "nosniff");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Cache-Control"), ==, "no-store");
  g_assert_null (soup_message_headers_get_one (headers, "Strict-Transport-Security"));
  g_assert_cmpuint (strlen (soup_message_headers_get_one (headers, "X-Request-Id")), ==, 16);

  g_assert_cmpuint (atrium_test_http (proc->insecure_port, "GET", "/api/v1/nothing", NULL,
                                      NULL, &body404, &headers404), ==, 404);
  g_assert_true (json_parser_load_from_data (parser, body404, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, "not_found");
  g_assert_cmpstr (json_object_get_string_member (object, "request_id"), ==,
                   soup_message_headers_get_one (headers404, "X-Request-Id"));
  g_assert_true (json_object_has_member (object, "message"));

  g_assert_cmpuint (atrium_test_http (proc->insecure_port, "DELETE", "/healthz", NULL, NULL,
                                      &body405, &headers405), ==, 405);
  g_assert_cmpstr (soup_message_headers_get_one (headers405, "Allow"), ==, "GET");

  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

static void
test_unix_socket (void)
{
  AtriumTestProcess *proc = atrium_test_process_start (NULL, NULL);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (proc->unix_path);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("remote-connectable",
                                                                  address, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", "http://localhost/healthz");
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_cmpint (g_stat (proc->unix_path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "{\"status\":\"ok\"}", 15);

  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

/* ---- bodies -------------------------------------------------------------------------- */

#define HUGE_BODY (200 * 1024 * 1024)

typedef struct
{
  AtriumTestProcess *proc;
  gsize              max_rss_kib;
  gboolean           done;
} RssWatch;

static gpointer
watch_rss (gpointer data)
{
  RssWatch *watch = data;

  while (!g_atomic_int_get (&watch->done))
    {
      watch->max_rss_kib = MAX (watch->max_rss_kib, atrium_test_process_rss_kib (watch->proc));
      g_usleep (20000);
    }
  return NULL;
}

static void
test_oversized_body (void)
{
  AtriumTestProcess *proc = atrium_test_process_start (NULL, NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *block = g_malloc0 (64 * 1024);
  g_autofree char *headers = g_strdup_printf ("POST /healthz HTTP/1.1\r\nHost: localhost\r\n"
                                              "Content-Type: application/json\r\n"
                                              "Content-Length: %d\r\n\r\n", HUGE_BODY);
  RssWatch watch = { proc, 0, FALSE };
  GThread *watcher;
  gsize sent = 0;
  gsize before = atrium_test_process_rss_kib (proc);

  /* A client that sends 200 MiB regardless: the server throws it away as it comes. */
  watcher = g_thread_new ("rss", watch_rss, &watch);
  socket = raw_connect (NULL, proc->insecure_port);
  raw_send (socket, headers);
  while (sent < HUGE_BODY)
    {
      gssize n = g_socket_send (socket, block, 64 * 1024, NULL, NULL);

      if (n <= 0)
        break;
      sent += n;
    }
  answer = raw_read_answer (socket);
  g_atomic_int_set (&watch.done, TRUE);
  g_thread_join (watcher);

  g_test_message ("sent %" G_GSIZE_FORMAT " MiB; server RSS %" G_GSIZE_FORMAT " KiB before, "
                  "%" G_GSIZE_FORMAT " KiB at most", sent >> 20, before, watch.max_rss_kib);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (answer, "\"error\":\"too_large\""));
  g_assert_cmpuint (watch.max_rss_kib, <, 50 * 1024);

  /* With Expect: 100-continue the refusal comes before a byte of the body is sent. */
  g_clear_object (&socket);
  g_clear_pointer (&answer, g_free);
  socket = raw_connect (NULL, proc->insecure_port);
  raw_send (socket, "POST /healthz HTTP/1.1\r\nHost: localhost\r\n"
                    "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                    "Content-Length: 209715200\r\n\r\n");
  answer = raw_read_answer (socket);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413"));

  /* A chunked body is counted as it arrives. */
  g_clear_object (&socket);
  g_clear_pointer (&answer, g_free);
  socket = raw_connect (NULL, proc->insecure_port);
  raw_send (socket, "POST /healthz HTTP/1.1\r\nHost: localhost\r\n"
                    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 4; i++)
    {
      raw_send (socket, "10000\r\n");
      g_socket_send (socket, block, 0x10000, NULL, NULL);
      raw_send (socket, "\r\n");
    }
  raw_send (socket, "0\r\n\r\n");
  answer = raw_read_answer (socket);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413"));

  /* Headers past the limit. */
  g_clear_object (&socket);
  g_clear_pointer (&answer, g_free);
  {
    g_autofree char *filler = g_strnfill (9000, 'a');
    g_autofree char *request = g_strdup_printf ("GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
                                                "X-Filler: %s\r\n\r\n", filler);

    socket = raw_connect (NULL, proc->insecure_port);
    raw_send (socket, request);
    answer = raw_read_answer (socket);
    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413"));
  }

  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

/* ---- slow and many connections ------------------------------------------------------- */

static void
test_slowloris (void)
{
  AtriumTestProcess *proc = atrium_test_process_start (
    "[limits]\nmax_connections_per_ip = 1000\n", NULL);
  GPtrArray *sockets = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start = g_get_monotonic_time ();
  guint open = 200;
  guint served = 0;

  for (guint i = 0; i < 200; i++)
    {
      GSocket *socket = raw_connect (NULL, proc->insecure_port);

      raw_send (socket, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
      g_socket_set_blocking (socket, FALSE);
      g_ptr_array_add (sockets, socket);
    }

  /* Every second each connection sends one more header line, never the end. A normal
   * client must be served meanwhile; all 200 must be cut off within 30 s. */
  while (open > 0 && g_get_monotonic_time () - start < 30 * G_USEC_PER_SEC)
    {
      open = 0;
      for (guint i = 0; i < sockets->len; i++)
        {
          GSocket *socket = sockets->pdata[i];
          char buf[64];
          g_autoptr(GError) error = NULL;
          gssize n;

          if (g_socket_is_closed (socket))
            continue;
          n = g_socket_receive (socket, buf, sizeof buf, NULL, &error);
          if (n == 0 || (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
            {
              g_socket_close (socket, NULL);
              continue;
            }
          open++;
          g_socket_send (socket, "X-Slow: 1\r\n", 11, NULL, NULL);
        }
      if (atrium_test_http (proc->insecure_port, "GET", "/healthz", NULL, NULL, NULL, NULL)
          == 200)
        served++;
      g_usleep (G_USEC_PER_SEC);
    }

  g_test_message ("slowloris: %u of 200 still open after %.1f s; normal client served %u "
                  "times", open, (g_get_monotonic_time () - start) / 1e6, served);
  g_assert_cmpuint (open, ==, 0);
  g_assert_cmpuint (served, >, 5);
  g_ptr_array_unref (sockets);
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

static void
test_connections_per_ip (void)
{
  AtriumTestProcess *proc = atrium_test_process_start ("[limits]\nmax_connections_per_ip = 8\n",
                                                       NULL);
  GPtrArray *sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocket) extra = NULL;
  g_autoptr(GSocket) other = NULL;

  for (guint i = 0; i < 8; i++)
    g_ptr_array_add (sockets, raw_connect (NULL, proc->insecure_port));
  g_usleep (200000);
  for (guint i = 0; i < 8; i++)
    g_assert_false (raw_closed_by_peer (sockets->pdata[i], 10));

  extra = raw_connect (NULL, proc->insecure_port);
  g_assert_true (raw_closed_by_peer (extra, 2000));

  /* Another address is not affected. */
  other = raw_connect ("127.0.0.3", proc->insecure_port);
  raw_send (other, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  {
    g_autofree char *answer = raw_read_answer (other);

    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
  }

  /* Once some close, the address may connect again. */
  g_ptr_array_set_size (sockets, 0);
  g_usleep (300000);
  g_clear_object (&extra);
  extra = raw_connect (NULL, proc->insecure_port);
  raw_send (extra, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  {
    g_autofree char *answer = raw_read_answer (extra);

    g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
  }

  g_ptr_array_unref (sockets);
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

static void
test_rate_limit (void)
{
  AtriumTestProcess *proc = atrium_test_process_start (
    "[limits]\nrequests_per_minute_per_ip = 5\n", NULL);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autofree char *body = NULL;
  guint64 retry = 0;

  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (atrium_test_http (proc->insecure_port, "GET", "/healthz", NULL, NULL,
                                        NULL, NULL), ==, 200);
  g_assert_cmpuint (atrium_test_http (proc->insecure_port, "GET", "/healthz", NULL, NULL,
                                      &body, &headers), ==, 429);
  g_assert_nonnull (strstr (body, "\"error\":\"rate_limited\""));
  g_assert_true (g_ascii_string_to_unsigned (soup_message_headers_get_one (headers,
                                                                           "Retry-After"),
                                             10, 1, 60, &retry, NULL));
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

static void
test_blocked_network (void)
{
  AtriumTestProcess *proc = atrium_test_process_start (
    "[security]\nblocked_networks = 127.0.0.2/32;10.0.0.0/8\n", NULL);
  g_autoptr(GSocket) blocked = raw_connect ("127.0.0.2", proc->insecure_port);

  raw_send (blocked, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
  g_assert_true (raw_closed_by_peer (blocked, 2000));
  g_assert_cmpuint (atrium_test_http (proc->insecure_port, "GET", "/healthz", NULL, NULL,
                                      NULL, NULL), ==, 200);
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

/* ---- TLS ----------------------------------------------------------------------------- */

static gboolean
accept_any_certificate (SoupMessage          *msg,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

/* Runs `openssl s_client` with @args; returns TRUE when the handshake succeeded and
 * stores what it printed. */
static gboolean
openssl_connect (guint16      port,
                 const char  *extra1,
                 const char  *extra2,
                 char       **output)
{
  g_autofree char *target = g_strdup_printf ("127.0.0.1:%u", port);
  const char *argv[] = { "openssl", "s_client", "-connect", target, "-servername", "localhost",
                         extra1, extra2, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL |
                               G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, output, NULL, &status, &error));
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL);
}

static void
test_https_and_redirect (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-tls-XXXXXX", NULL);
  g_autofree char *cert = NULL, *key = NULL;
  g_autofree char *cert2 = NULL, *key2 = NULL;
  AtriumTestProcess *proc;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(SoupMessage) redirect = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *out12 = NULL, *out13 = NULL, *after = NULL;

  atrium_test_make_certificate (dir, "alpha", &cert, &key);
  atrium_test_make_certificate (dir, "beta", &cert2, &key2);
  {
    const char *args[] = { "--https", "127.0.0.1:0", "--cert", cert, "--key", key,
                           "--http", "127.0.0.1:0", NULL };

    proc = atrium_test_process_start (NULL, args);
  }

  url = g_strdup_printf ("https://127.0.0.1:%u/healthz", proc->https_port);
  msg = soup_message_new ("GET", url);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "Strict-Transport-Security"), ==,
                   "max-age=63072000; includeSubDomains");

  /* Plain HTTP only says where to go. */
  g_clear_pointer (&url, g_free);
  url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/occupancy?site=2", proc->redirect_port);
  redirect = soup_message_new ("GET", url);
  soup_message_add_flags (redirect, SOUP_MESSAGE_NO_REDIRECT);
  g_clear_pointer (&body, g_bytes_unref);
  body = soup_session_send_and_read (session, redirect, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (redirect), ==, 301);
  expected = g_strdup_printf ("https://127.0.0.1:%u/api/v1/occupancy?site=2", proc->https_port);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (redirect),
                                                 "Location"), ==, expected);

  /* TLS 1.3 only by default. */
  g_assert_false (openssl_connect (proc->https_port, "-tls1_2", NULL, &out12));
  g_assert_true (openssl_connect (proc->https_port, "-tls1_3", NULL, &out13));
  g_assert_nonnull (strstr (out13, "CN = alpha"));

  /* SIGHUP reloads the certificate from the same paths. */
  {
    g_autofree char *pem = NULL, *pem_key = NULL;

    g_assert_true (g_file_get_contents (cert2, &pem, NULL, NULL));
    g_assert_true (g_file_get_contents (key2, &pem_key, NULL, NULL));
    g_assert_true (g_file_set_contents (cert, pem, -1, NULL));
    g_assert_true (g_file_set_contents (key, pem_key, -1, NULL));
  }
  kill (proc->pid, SIGHUP);
  for (guint i = 0; i < 50; i++)
    {
      g_clear_pointer (&after, g_free);
      if (openssl_connect (proc->https_port, "-tls1_3", NULL, &after) &&
          strstr (after, "CN = beta") != NULL)
        break;
      g_usleep (100000);
    }
  g_assert_nonnull (strstr (after, "CN = beta"));

  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
  atrium_test_remove_tree (dir);
}

static void
test_tls12_option (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-tls-XXXXXX", NULL);
  g_autofree char *cert = NULL, *key = NULL;
  g_autofree char *out_gcm = NULL, *out_cbc = NULL, *out_rsa = NULL;
  AtriumTestProcess *proc;
  const char *args[] = { "--https", "127.0.0.1:0", "--cert", NULL, "--key", NULL, NULL };

  atrium_test_make_certificate (dir, "localhost", &cert, &key);
  args[3] = cert;
  args[5] = key;
  proc = atrium_test_process_start ("[tls]\nmin_version = 1.2\n", args);

  g_assert_true (openssl_connect (proc->https_port, "-tls1_2", NULL, &out_gcm));
  g_assert_nonnull (strstr (out_gcm, "GCM"));
  g_assert_false (openssl_connect (proc->https_port, "-tls1_2",
                                   "-cipher=ECDHE-ECDSA-AES128-SHA256", &out_cbc));
  g_assert_false (openssl_connect (proc->https_port, "-tls1_1", NULL, &out_rsa));

  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
  atrium_test_remove_tree (dir);
}

/* ---- start-up errors ----------------------------------------------------------------- */

static void
test_startup_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-conf-XXXXXX", NULL);
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *conf = g_build_filename (dir, "server.conf", NULL);
  const char *init[] = { "init", "--data-dir", data, NULL };
  const char *serve[] = { "serve", "--data-dir", data, "--config", conf,
                          "--insecure-http", "127.0.0.1:0", NULL };
  const char *public_plain[] = { "serve", "--data-dir", data, "--insecure-http",
                                 "0.0.0.0:0", NULL };
  const char *no_listener[] = { "serve", "--data-dir", data, NULL };
  struct { const char *text; const char *needle; } cases[] = {
    { "[limits]\nmax_body_bytes = lots\n", "[limits] max_body_bytes" },
    { "[limits]\nmax_body_bytes = 12\n", "from 1024" },
    { "[limits]\nmax_bodybytes = 70000\n", "unknown option" },
    { "[security]\nblocking = maybe\n", "true or false" },
    { "[tls]\nmin_version = 1.0\n", "1.3 or 1.2" },
    { "[limits\n", "server.conf" },
  };

  g_assert_cmpint (atrium_test_run_server (NULL, NULL, init), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;

      g_assert_true (g_file_set_contents (conf, cases[i].text, -1, NULL));
      g_assert_cmpint (atrium_test_run_server (NULL, &err, serve), ==, 1);
      g_assert_nonnull (strstr (err, cases[i].needle));
      /* One clear line. */
      g_assert_cmpuint (strchr (err, '\n') - err + 1, ==, strlen (err));
    }
  {
    g_autofree char *err = NULL;

    g_assert_cmpint (atrium_test_run_server (NULL, &err, public_plain), ==, 1);
    g_assert_nonnull (strstr (err, "loopback"));
  }
  {
    g_autofree char *err = NULL;

    g_assert_cmpint (atrium_test_run_server (NULL, &err, no_listener), ==, 1);
    g_assert_nonnull (strstr (err, "Nothing to listen on"));
  }
  atrium_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/http/basics", test_basics);
  g_test_add_func ("/http/unix-socket", test_unix_socket);
  g_test_add_func ("/http/oversized-body", test_oversized_body);
  g_test_add_func ("/http/slowloris", test_slowloris);
  g_test_add_func ("/http/connections-per-ip", test_connections_per_ip);
  g_test_add_func ("/http/rate-limit", test_rate_limit);
  g_test_add_func ("/http/blocked-network", test_blocked_network);
  g_test_add_func ("/http/https-and-redirect", test_https_and_redirect);
  g_test_add_func ("/http/tls12-option", test_tls12_option);
  g_test_add_func ("/http/startup-errors", test_startup_errors);

  return g_test_run ();
}
