/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-server-private.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "atrium-random.h"

#include <sodium.h>
#include "atrium-server-front.h"
#include "atrium-server-stream.h"

G_DEFINE_QUARK (atrium-server-error-quark, atrium_server_error)

#define LISTEN_BACKLOG 1024

/* ---- connections: accepted here, capped, given deadlines ------------------------------- */

/* Why the server accepts connections itself rather than letting SoupServer listen: see
 * atrium-server-stream.c and docs/decisions.md (keep-alive on libsoup 3.2.3). */

#define ACCEPT_BATCH     64    /* connections taken per wake-up, so other sources get a turn */
#define ACCEPT_PAUSE_MS  100   /* after an accept() error (out of descriptors): wait, not spin */

/* One accepted connection, from accept() until the stream SoupServer was given is
 * finalized (a weak reference tells us), so the counts never drift. */
struct _AtriumConnection
{
  AtriumServer   *server;
  GSocketAddress *remote;    /* the key: libsoup hands this very object back for messages */
  GSocket        *socket;
  char           *ip;
  AtriumFront    *front;     /* while the front desk reads it (atrium-server-front.c) */
  GIOStream      *stream;    /* weak; NULL until SoupServer has the connection */
  gint64          deadline;  /* monotonic µs; 0 for none */
  guint           answered;  /* requests answered on it */
};
typedef struct _AtriumConnection Connection;

/* A listening socket of ours. */
typedef struct
{
  AtriumServer       *server;
  AtriumListenerKind  kind;
  GSocket            *socket;
  GSource            *source;  /* accepting, or the pause after an error */
} Listener;

/* A TLS handshake under way; the connection is found again by its address. */
typedef struct
{
  AtriumServer   *server;
  GSocketAddress *remote;
  GSocketAddress *local;
} Handshake;

static gboolean in_blocked_network (AtriumServer *self,
                                    const char   *ip);
static void     watch_listener     (Listener     *listener);

static void
count_ip (AtriumServer *self,
          const char   *ip,
          int           delta)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_ip, ip));

  n = (guint) ((int) n + delta);
  if (n == 0)
    g_hash_table_remove (self->per_ip, ip);
  else
    g_hash_table_replace (self->per_ip, g_strdup (ip), GUINT_TO_POINTER (n));
}

static void
source_destroy_and_unref (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

static void
connection_gone (gpointer  data,
                 GObject  *where_the_object_was)
{
  Connection *conn = data;

  conn->stream = NULL;
  g_hash_table_remove (conn->server->connections, conn->remote);
}

static void
connection_free (Connection *conn)
{
  if (conn->front != NULL)
    atrium_front_detach (conn->front);
  if (conn->stream != NULL)
    g_object_weak_unref (G_OBJECT (conn->stream), connection_gone, conn);
  count_ip (conn->server, conn->ip, -1);
  g_atomic_int_dec_and_test (&conn->server->open_connections);
  g_object_unref (conn->remote);
  g_object_unref (conn->socket);
  g_free (conn->ip);
  g_free (conn);
}

/* Every message's connection was accepted here, and libsoup gives back as its remote
 * address the object we handed it. */
static Connection *
find_connection (AtriumServer      *self,
                 SoupServerMessage *msg)
{
  return g_hash_table_lookup (self->connections, soup_server_message_get_remote_address (msg));
}

static char *
address_to_ip (GSocketAddress *address)
{
  if (address != NULL && G_IS_INET_SOCKET_ADDRESS (address))
    return g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup ("local");
}

char *
atrium_message_client_ip (SoupServerMessage *msg)
{
  return address_to_ip (soup_server_message_get_remote_address (msg));
}

/* Ends a connection from under SoupServer: its next read sees end-of-file and it cleans
 * up as for any client that went away. */
static void
drop_socket (GSocket *socket)
{
  if (socket != NULL && !g_socket_is_closed (socket))
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

/* Deadlines are times on the connection, looked at once a second: a timer per request
 * (created, attached, destroyed) cost more than the request's own work. */
#define DEADLINE_SWEEP_MS 1000

static gboolean
sweep_deadlines (gpointer data)
{
  AtriumServer *self = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Connection *conn;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    if (conn->deadline != 0 && conn->deadline <= now)
      {
        g_debug ("closing a connection from %s: too slow, or idle too long", conn->ip);
        conn->deadline = 0;
        drop_socket (conn->socket);
      }
  return G_SOURCE_CONTINUE;
}

static void
clear_deadline (Connection *conn)
{
  conn->deadline = 0;
}

/* One deadline per connection; a new one replaces the old. */
static void
set_deadline (AtriumServer *self,
              Connection   *conn,
              guint         seconds)
{
  conn->deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
}

/* libsoup writes an answer's headers and its body in two sends: two TCP segments, and on
 * loopback the receiver's work done twice inside send(). A corked socket holds them
 * until the answer is complete (message_finished uncorks, then corks again). Not during
 * a TLS handshake, which must not wait. */
static void
cork (Connection *conn,
      gboolean    on)
{
  if (g_socket_get_family (conn->socket) != G_SOCKET_FAMILY_UNIX)
    g_socket_set_option (conn->socket, IPPROTO_TCP, TCP_CORK, on, NULL);
}

/* Gives SoupServer the connection, wrapped (atrium-server-stream.c), with @pending: what
 * the front desk read of it and did not take, read again first. */
static void
give_to_soup (Connection     *conn,
              SoupServer     *soup,
              GIOStream      *base,
              GSocketAddress *local,
              GBytes         *pending)
{
  g_autoptr(GIOStream) stream = atrium_server_stream_new (base, conn->socket, pending);

  cork (conn, TRUE);
  conn->stream = stream;
  g_object_weak_ref (G_OBJECT (stream), connection_gone, conn);
  soup_server_accept_iostream (soup, stream, local, conn->remote, NULL);
}

void
atrium_connection_give_to_soup (AtriumConnection *conn,
                                GIOStream        *base,
                                GSocketAddress   *local,
                                GBytes           *pending)
{
  conn->front = NULL;
  give_to_soup (conn, conn->server->soup, base, local, pending);
}

const char *
atrium_connection_get_ip (AtriumConnection *conn)
{
  return conn->ip;
}

/* @seconds from now; 0 for none. */
void
atrium_connection_set_deadline (AtriumConnection *conn,
                                guint             seconds)
{
  if (seconds == 0)
    clear_deadline (conn);
  else
    set_deadline (conn->server, conn, seconds);
}

void
atrium_connection_close (AtriumConnection *conn)
{
  g_hash_table_remove (conn->server->connections, conn->remote);
}

static gboolean
is_loopback (GSocketAddress *address)
{
  return !G_IS_INET_SOCKET_ADDRESS (address) ||   /* the Unix socket */
         g_inet_address_get_is_loopback (
           g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

/* The API's connections go to the front desk first, the redirect listener's straight to
 * its SoupServer. */
static void
hand_over (AtriumServer   *self,
           Connection     *conn,
           SoupServer     *soup,
           GIOStream      *base,
           GSocketAddress *local)
{
  if (soup == self->soup)
    conn->front = atrium_front_new (self, conn, base, conn->socket, local,
                                    is_loopback (conn->remote));
  else
    give_to_soup (conn, soup, base, local, NULL);
}

static void
handshake_free (Handshake *handshake)
{
  g_object_unref (handshake->remote);
  g_object_unref (handshake->local);
  g_free (handshake);
}

static void
handshake_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Handshake *handshake = data;
  AtriumServer *self = handshake->server;
  Connection *conn = g_hash_table_lookup (self->connections, handshake->remote);
  g_autoptr(GError) error = NULL;

  self->handshakes--;
  if (g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error) &&
      conn != NULL && !self->stopping)
    hand_over (self, conn, self->soup, G_IO_STREAM (source), handshake->local);
  else
    {
      g_debug ("no TLS with %s: %s", conn != NULL ? conn->ip : "?",
               error != NULL ? error->message : "the server is stopping");
      g_io_stream_close (G_IO_STREAM (source), NULL, NULL);
      if (conn != NULL)
        g_hash_table_remove (self->connections, handshake->remote);
    }
  handshake_free (handshake);
}

/* The handshake is ours, before SoupServer sees the connection, as libsoup does it for
 * its own listeners; each new connection gets the certificate loaded last (SIGHUP). */
static void
start_tls (AtriumServer   *self,
           Connection     *conn,
           GIOStream      *base,
           GSocketAddress *local)
{
  const char * const protocols[] = { "http/1.1", "http/1.0", NULL };
  g_autoptr(GTlsCertificate) certificate = atrium_server_get_certificate (self);
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  Handshake *handshake;

  /* As libsoup makes its own: no database, or glib-networking would load the system's
   * trust list into every connection (3.8 MB and 60 ms each, measured). Clients often
   * skip close_notify, and HTTP's own framing tells a truncated answer. */
  if (certificate != NULL)
    tls = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                          NULL, &error,
                          "base-io-stream", base,
                          "certificate", certificate,
                          "database", NULL,
                          "require-close-notify", FALSE,
                          "advertised-protocols", protocols,
                          NULL);
  if (tls == NULL)
    {
      g_message ("cannot start TLS: %s", error != NULL ? error->message : "no certificate");
      g_io_stream_close (base, NULL, NULL);
      g_hash_table_remove (self->connections, conn->remote);
      return;
    }

  handshake = g_new0 (Handshake, 1);
  handshake->server = self;
  handshake->remote = g_object_ref (conn->remote);
  handshake->local = g_object_ref (local);
  self->handshakes++;
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    self->cancellable, handshake_done, handshake);
}

/* Caps are applied here, before a TLS handshake is paid for. Configured networks are cut
 * off at once; an address blocked for what it did still gets a 403 that says so (a
 * library's shared NAT may be behind it). */
static void
accept_connection (AtriumServer *self,
                   Listener     *listener,
                   GSocket      *socket)
{
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autoptr(GSocketConnection) base = NULL;
  g_autofree char *ip = NULL;
  Connection *conn;
  guint from_ip;

  if (remote == NULL || local == NULL)
    {
      g_socket_close (socket, NULL);   /* the client is already gone */
      return;
    }
  ip = address_to_ip (remote);
  from_ip = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_ip, ip));
  if (from_ip >= self->config->max_connections_per_ip ||
      g_hash_table_size (self->connections) >= self->config->max_connections ||
      in_blocked_network (self, ip))
    {
      g_debug ("refusing a connection from %s (%u open from it)", ip, from_ip);
      g_socket_close (socket, NULL);
      return;
    }

  conn = g_new0 (Connection, 1);
  conn->server = self;
  conn->remote = g_steal_pointer (&remote);
  conn->socket = g_object_ref (socket);
  conn->ip = g_steal_pointer (&ip);
  g_hash_table_insert (self->connections, conn->remote, conn);
  count_ip (self, conn->ip, +1);
  g_atomic_int_inc (&self->open_connections);

  /* A backstop for every read and write (a client that does not read its answer); the
   * deadlines are the real bounds. */
  g_socket_set_timeout (socket, MAX (self->config->request_timeout_seconds,
                                     self->config->keepalive_seconds));
  if (g_socket_get_family (socket) != G_SOCKET_FAMILY_UNIX)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  /* The TLS handshake and the first request's headers, from the connection. */
  set_deadline (self, conn, self->config->header_timeout_seconds);

  base = g_socket_connection_factory_create_connection (socket);
  if (listener->kind == ATRIUM_LISTENER_HTTPS)
    start_tls (self, conn, G_IO_STREAM (base), local);
  else
    hand_over (self, conn,
               listener->kind == ATRIUM_LISTENER_REDIRECT ? self->redirect_soup : self->soup,
               G_IO_STREAM (base), local);
}

static gboolean
resume_listener (gpointer data)
{
  Listener *listener = data;

  g_clear_pointer (&listener->source, g_source_unref);
  watch_listener (listener);
  return G_SOURCE_REMOVE;
}

static gboolean
listener_ready (GSocket      *socket,
                GIOCondition  condition,
                gpointer      data)
{
  Listener *listener = data;
  AtriumServer *self = listener->server;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) client = g_socket_accept (socket, NULL, &error);
      gint64 now;

      if (client != NULL)
        {
          accept_connection (self, listener, client);
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;

      /* The connection stays queued, so watching on would spin. */
      now = g_get_monotonic_time ();
      if (now - self->accept_reported > 60 * G_USEC_PER_SEC)
        {
          g_message ("cannot accept connections: %s; pausing", error->message);
          self->accept_reported = now;
        }
      g_clear_pointer (&listener->source, source_destroy_and_unref);
      listener->source = g_timeout_source_new (ACCEPT_PAUSE_MS);
      g_source_set_callback (listener->source, resume_listener, listener, NULL);
      g_source_attach (listener->source, self->context);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
watch_listener (Listener *listener)
{
  listener->source = g_socket_create_source (listener->socket, G_IO_IN, NULL);
  g_source_set_callback (listener->source, G_SOURCE_FUNC (listener_ready), listener, NULL);
  g_source_attach (listener->source, listener->server->context);
}

static void
listener_free (Listener *listener)
{
  g_clear_pointer (&listener->source, source_destroy_and_unref);
  g_socket_close (listener->socket, NULL);
  g_object_unref (listener->socket);
  g_free (listener);
}

/* SoupServer keeps a connection alive after an answer only while it has a listener of
 * its own (soup-server.c, request_finished()); ours never gets a connection: one end of
 * a socket pair whose other end we keep and never write to. */
static void
anchor_keepalive (AtriumServer *self)
{
  g_autoptr(GSocket) end = NULL;
  g_autoptr(GError) error = NULL;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      g_message ("keep-alive is off: %s", g_strerror (errno));
      return;
    }
  end = g_socket_new_from_fd (fds[0], &error);
  if (end == NULL)
    close (fds[0]);
  else if ((self->anchor = g_socket_new_from_fd (fds[1], &error)) != NULL)
    fds[1] = -1;
  if (fds[1] >= 0)
    close (fds[1]);
  if (self->anchor == NULL || !soup_server_listen_socket (self->soup, end, 0, &error))
    g_message ("keep-alive is off: %s", error->message);
}

/* The connection of @msg leaves the HTTP layer (a protocol upgrade: the caller steals it
 * next): no deadline, no place in the counts, and no socket timeout, since an upgraded
 * connection may be idle by design. The stream libsoup gives up is ours
 * (atrium-server-stream.c): past the headers it passes the peer's end on as it is, and
 * closing it never waits on the peer. libsoup puts no "GSocket" data on it. */
void
atrium_server_release_connection (AtriumServer      *self,
                                  SoupServerMessage *msg)
{
  Connection *conn = find_connection (self, msg);

  if (conn == NULL)
    return;
  g_socket_set_timeout (conn->socket, 0);
  cork (conn, FALSE);
  atrium_server_stream_set_reading_headers (conn->stream, FALSE);
  g_hash_table_remove (self->connections, conn->remote);
}

/* Stops taking connections and finishes the TLS handshakes under way (cancelled), so no
 * callback outlives the server. */
static void
stop_accepting (AtriumServer *self)
{
  GHashTableIter iter;
  Connection *conn;

  self->stopping = TRUE;
  g_ptr_array_set_size (self->listeners, 0);
  g_cancellable_cancel (self->cancellable);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    if (conn->stream == NULL)
      drop_socket (conn->socket);
  while (self->handshakes > 0)
    g_main_context_iteration (self->context, TRUE);
}

guint
atrium_server_get_open_connections (AtriumServer *self)
{
  return (guint) g_atomic_int_get (&self->open_connections);
}

/* ---- early answers: sizes, before the body is read ----------------------------------- */

/* What every answer carries, whoever writes it (libsoup or the front desk). */
static const char * const common_headers[][2] = {
  { "X-Content-Type-Options", "nosniff" },
  { "Cache-Control", "no-store" },
  { "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'" },
  { "Referrer-Policy", "no-referrer" },
};

#define HSTS "max-age=63072000; includeSubDomains"

void
atrium_server_set_common_headers (AtriumServer      *self,
                                  SoupServerMessage *msg,
                                  const char        *request_id)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);

  if (uri != NULL && g_strcmp0 (g_uri_get_scheme (uri), "https") == 0)
    soup_message_headers_replace (headers, "Strict-Transport-Security", HSTS);
  for (guint i = 0; i < G_N_ELEMENTS (common_headers); i++)
    soup_message_headers_replace (headers, common_headers[i][0], common_headers[i][1]);
  /* Connections are kept alive (atrium-server-stream.c), but not past a shutdown. */
  if (self->draining)
    soup_message_headers_replace (headers, "Connection", "close");
  if (request_id != NULL)
    soup_message_headers_replace (headers, "X-Request-Id", request_id);
}

/* The same as header lines, for an answer the front desk writes itself. */
void
atrium_server_append_common_headers (AtriumServer *self,
                                     GString      *out,
                                     gboolean      via_tls,
                                     const char   *request_id)
{
  if (via_tls)
    g_string_append (out, "Strict-Transport-Security: " HSTS "\r\n");
  for (guint i = 0; i < G_N_ELEMENTS (common_headers); i++)
    g_string_append_printf (out, "%s: %s\r\n", common_headers[i][0], common_headers[i][1]);
  if (self->draining)
    g_string_append (out, "Connection: close\r\n");
  g_string_append_printf (out, "X-Request-Id: %s\r\n", request_id);
}

/* Ids name requests in logs; they need not be secret, only unique and without a pattern:
 * a counter through SipHash under a key drawn once per process, not a system call per
 * request. (Ids that counted up in plain sight made answers differ so little that
 * sqlmap's page comparison took them for injection results.) */
char *
atrium_server_new_request_id (void)
{
  static guint8 key[crypto_shorthash_KEYBYTES];
  static gsize ready;
  static gsize counter;
  guint8 hash[crypto_shorthash_BYTES];
  guint64 n;

  if (g_once_init_enter (&ready))
    {
      randombytes_buf (key, sizeof key);
      g_once_init_leave (&ready, 1);
    }
  n = (guint64) g_atomic_pointer_add (&counter, 1);
  crypto_shorthash (hash, (const guint8 *) &n, sizeof n, key);
  return atrium_hex_encode (hash, sizeof hash);
}

/* For answers the front desk writes; HTTP thread only. */
const char *
atrium_server_http_date (AtriumServer *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (now != self->http_date_second)
    {
      g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (now);
      g_autofree char *text = soup_date_time_to_string (date, SOUP_DATE_HTTP);

      g_strlcpy (self->http_date, text, sizeof self->http_date);
      self->http_date_second = now;
    }
  return self->http_date;
}

const char *
atrium_message_request_id (SoupServerMessage *msg)
{
  const char *id = g_object_get_data (G_OBJECT (msg), "atrium-request-id");

  if (id == NULL)
    {
      char *fresh = atrium_server_new_request_id ();

      g_object_set_data_full (G_OBJECT (msg), "atrium-request-id", fresh, g_free);
      id = fresh;
    }
  return id;
}

/* Answers @msg at once with a JSON error. */
void
atrium_server_reply_early (AtriumServer      *self,
                           SoupServerMessage *msg,
                           guint              status,
                           const char        *code,
                           const char        *message)
{
  const char *request_id = atrium_message_request_id (msg);
  g_autofree char *body = atrium_error_body (code, message, request_id);

  atrium_server_set_common_headers (self, msg, request_id);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

/* The body is not (or no longer) read into memory; the connection ends after the answer
 * so that what the client still sends is never taken for a new request. */
static void
refuse_body (AtriumServer      *self,
             SoupServerMessage *msg,
             const char        *code,
             const char        *message)
{
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  atrium_server_reply_early (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, code, message);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
}

static void
got_chunk (SoupServerMessage *msg,
           GBytes            *chunk,
           gpointer           user_data)
{
  AtriumServer *self = user_data;
  gsize total = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), "atrium-body-bytes"));

  total += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), "atrium-body-bytes", GSIZE_TO_POINTER (total));
  if (total > self->config->max_body_bytes && soup_server_message_get_status (msg) == 0)
    refuse_body (self, msg, "too_large", "The request body is larger than this server accepts");
}

/* The handler may take its time; writing the answer has the socket's backstop. */
static void
got_body (SoupServer        *soup,
          SoupServerMessage *msg,
          gpointer           user_data)
{
  Connection *conn = find_connection (user_data, msg);

  if (conn != NULL)
    clear_deadline (conn);
}

static void
sum_header (const char *name,
            const char *value,
            gpointer    user_data)
{
  *(gsize *) user_data += strlen (name) + strlen (value) + 4;
}

/* Runs once the headers are in (an early handler: for every path, no signal to connect
 * per request): sizes are judged here, so an oversized body is never accumulated, and a
 * client announcing one gets its 413 before sending it (with Expect: 100-continue) or
 * while what it sends is thrown away. */
static void
got_headers (SoupServer        *soup,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  AtriumServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Connection *conn = find_connection (self, msg);
  gsize header_bytes = 0;

  if (conn != NULL)
    {
      /* From here on the peer's end is libsoup's to see as it is (a short body). */
      atrium_server_stream_set_reading_headers (conn->stream, FALSE);
      set_deadline (self, conn, self->config->request_timeout_seconds);
    }

  if (soup_server_message_get_status (msg) != 0)
    return;

  soup_message_headers_foreach (headers, sum_header, &header_bytes);
  if (header_bytes > self->config->max_header_bytes)
    {
      refuse_body (self, msg, "headers_too_large",
                   "The request headers are larger than this server accepts");
      return;
    }

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      if (soup_message_headers_get_content_length (headers) > self->config->max_body_bytes)
        refuse_body (self, msg, "too_large",
                     "The request body is larger than this server accepts");
      break;
    case SOUP_ENCODING_CHUNKED:
    case SOUP_ENCODING_EOF:
      g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk), self);
      break;
    case SOUP_ENCODING_NONE:
    case SOUP_ENCODING_UNRECOGNIZED:
    case SOUP_ENCODING_BYTERANGES:
    default:
      break;
    }
}

/* The answer is written: the connection waits for the next request, keepalive_seconds
 * at most. */
static void
message_finished (SoupServer        *soup,
                  SoupServerMessage *msg,
                  gpointer           user_data)
{
  AtriumServer *self = user_data;
  Connection *conn = find_connection (self, msg);

  if (conn == NULL)
    return;
  cork (conn, FALSE);
  cork (conn, TRUE);
  conn->answered++;
  atrium_server_stream_set_reading_headers (conn->stream, TRUE);
  set_deadline (self, conn, self->config->keepalive_seconds);
}

/* libsoup starts a connection's first message when it takes the connection, each later
 * one at its first byte. */
static void
request_started (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  AtriumServer *self = user_data;
  Connection *conn = find_connection (self, msg);

  if (conn == NULL)
    return;

  /* Complete headers within header_timeout_seconds of the connection (set when it was
   * accepted) or of a later request's first byte: a client that dribbles its request
   * (slowloris) is cut off. */
  if (conn->answered > 0)
    set_deadline (self, conn, self->config->header_timeout_seconds);
}

/* ---- the plain-HTTP listener: only a redirect ------------------------------------------ */

static void
handle_redirect (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  AtriumServer *self = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *host = self->config->public_host;
  g_autofree char *host_only = NULL;
  g_autofree char *location = NULL;

  if (host == NULL)
    {
      /* The Host header without its port; the https port is the configured one. */
      const char *header = soup_message_headers_get_one (
        soup_server_message_get_request_headers (msg), "Host");
      g_autofree char *parsed = NULL;
      guint16 port = 0;

      if (header == NULL || !atrium_parse_host_port (header, &parsed, &port, NULL))
        parsed = g_strdup (header != NULL && strchr (header, ':') == NULL &&
                           strchr (header, '/') == NULL ? header : NULL);
      host_only = g_steal_pointer (&parsed);
      host = host_only;
    }

  atrium_server_set_common_headers (self, msg, atrium_message_request_id (msg));
  /* A redirect ends the conversation here (and this SoupServer keeps nothing alive). */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  if (host == NULL || *host == '\0' || strpbrk (host, " \r\n\"<>\\") != NULL)
    {
      atrium_server_reply_early (self, msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                                 "A Host header is needed to redirect to https");
      return;
    }

  {
    gboolean ipv6 = strchr (host, ':') != NULL;
    g_autofree char *port = self->https_port != 0 && self->https_port != 443
                            ? g_strdup_printf (":%u", self->https_port) : g_strdup ("");
    const char *query_string = g_uri_get_query (uri);

    location = g_strdup_printf ("https://%s%s%s%s%s%s%s", ipv6 ? "[" : "", host,
                                ipv6 ? "]" : "", port, g_uri_get_path (uri),
                                query_string != NULL ? "?" : "",
                                query_string != NULL ? query_string : "");
  }
  soup_server_message_set_redirect (msg, SOUP_STATUS_MOVED_PERMANENTLY, location);
}

/* ---- listeners ----------------------------------------------------------------------- */

/* Binds the socket ourselves: g_socket_bind() would clear SO_REUSEPORT, and GSocket's
 * default backlog of 10 is far too short (DESIGN.md §5). */
static GSocket *
bind_tcp (GInetSocketAddress  *address,
          GError             **error)
{
  GSocketFamily family = g_socket_address_get_family (G_SOCKET_ADDRESS (address));
  struct sockaddr_storage native;
  int fd;
  int one = 1;
  GSocket *gsocket;

  if (!g_socket_address_to_native (G_SOCKET_ADDRESS (address), &native, sizeof native, error))
    return NULL;
  fd = socket (family == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET,
               SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 ||
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      (family == G_SOCKET_FAMILY_IPV6 &&
       setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
      bind (fd, (struct sockaddr *) &native,
            g_socket_address_get_native_size (G_SOCKET_ADDRESS (address))) != 0 ||
      listen (fd, LISTEN_BACKLOG) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_LISTEN, "%s",
                   g_strerror (saved));
      return NULL;
    }
  gsocket = g_socket_new_from_fd (fd, error);
  if (gsocket == NULL)
    close (fd);
  return gsocket;
}

/* The Unix socket is made in a directory only we can enter and is itself 0600. */
static GSocket *
bind_unix (const char  *path,
           GError     **error)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocket) socket = NULL;
  mode_t old_mask;
  gboolean ok;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      struct stat st;

      if (g_lstat (path, &st) != 0 || !S_ISSOCK (st.st_mode) || g_unlink (path) != 0)
        {
          g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_LISTEN,
                       "%s exists and is not a stale socket; refusing to replace it", path);
          return NULL;
        }
    }

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return NULL;
  old_mask = umask (0177);
  ok = g_socket_bind (socket, address, FALSE, error);
  umask (old_mask);
  if (!ok)
    return NULL;
  if (g_chmod (path, 0600) != 0)
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_LISTEN,
                   "Cannot make %s private: %s", path, g_strerror (errno));
      return NULL;
    }
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static guint16
socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

  if (local == NULL || !G_IS_INET_SOCKET_ADDRESS (local))
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static GInetSocketAddress *
resolve_listen_address (const char  *text,
                        GError     **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  guint16 port;

  if (!atrium_parse_host_port (text, &host, &port, error))
    return NULL;
  if (g_strcmp0 (host, "localhost") == 0)
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_LISTEN,
                   "“%s”: listen on a numeric address (or localhost)", text);
      return NULL;
    }
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, port));
}

/* The certificate served now (a new reference), or NULL. */
GTlsCertificate *
atrium_server_get_certificate (AtriumServer *self)
{
  GTlsCertificate *cert = soup_server_get_tls_certificate (self->soup);

  return cert != NULL ? g_object_ref (cert) : NULL;
}

gboolean
atrium_server_load_certificate (AtriumServer  *self,
                                GError       **error)
{
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GError) local_error = NULL;

  if (self->config->cert_file == NULL || self->config->key_file == NULL)
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_CERTIFICATE,
                   "HTTPS needs a certificate and its key (--cert and --key)");
      return FALSE;
    }
  cert = g_tls_certificate_new_from_files (self->config->cert_file, self->config->key_file,
                                           &local_error);
  if (cert == NULL)
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_CERTIFICATE,
                   "Cannot load the certificate %s with the key %s: %s",
                   self->config->cert_file, self->config->key_file, local_error->message);
      return FALSE;
    }
  /* Listeners are bound to this property: new connections get the new certificate. */
  soup_server_set_tls_certificate (self->soup, cert);
  return TRUE;
}

gboolean
atrium_server_listen (AtriumServer        *self,
                      AtriumListenerKind   kind,
                      const char          *address,
                      GError             **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;
  Listener *listener;

  if (kind == ATRIUM_LISTENER_HTTPS && soup_server_get_tls_certificate (self->soup) == NULL)
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_CERTIFICATE,
                   "HTTPS on %s needs a certificate", address);
      return FALSE;
    }
  if (kind == ATRIUM_LISTENER_UNIX)
    socket = bind_unix (address, &local_error);
  else
    {
      g_autoptr(GInetSocketAddress) inet = resolve_listen_address (address, error);

      if (inet == NULL)
        return FALSE;
      if (kind == ATRIUM_LISTENER_INSECURE &&
          !g_inet_address_get_is_loopback (g_inet_socket_address_get_address (inet)))
        {
          g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_NOT_LOOPBACK,
                       "--insecure-http %s: plain HTTP is only allowed on a loopback "
                       "address such as 127.0.0.1", address);
          return FALSE;
        }
      socket = bind_tcp (inet, &local_error);
    }
  if (socket == NULL)
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_LISTEN,
                   "Cannot listen on %s: %s", address, local_error->message);
      return FALSE;
    }

  /* We accept; SoupServer is handed each connection (see the connections section). */
  g_socket_set_blocking (socket, FALSE);
  listener = g_new0 (Listener, 1);
  listener->server = self;
  listener->kind = kind;
  listener->socket = g_object_ref (socket);
  g_ptr_array_add (self->listeners, listener);
  watch_listener (listener);

  self->ports[kind] = socket_port (socket);
  if (kind == ATRIUM_LISTENER_HTTPS)
    self->https_port = self->ports[kind];
  if (kind == ATRIUM_LISTENER_UNIX)
    {
      g_free (self->unix_path);
      self->unix_path = g_strdup (address);
    }
  return TRUE;
}

guint16
atrium_server_get_port (AtriumServer       *self,
                        AtriumListenerKind  kind)
{
  return self->ports[kind];
}

/* ---- blocking ----------------------------------------------------------------------- */

static gboolean
in_blocked_network (AtriumServer *self,
                    const char   *ip)
{
  g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (ip);

  if (addr == NULL)
    return FALSE;
  for (guint i = 0; i < self->blocked_masks->len; i++)
    if (g_inet_address_mask_matches (self->blocked_masks->pdata[i], addr))
      return TRUE;
  return FALSE;
}

gboolean
atrium_server_is_blocked (AtriumServer *self,
                          const char   *ip)
{
  gint64 until;

  if (in_blocked_network (self, ip))
    return TRUE;

  g_mutex_lock (&self->blocks_lock);
  until = GPOINTER_TO_SIZE (g_hash_table_lookup (self->blocks, ip));
  if (until != 0 && until <= atrium_clock_now (self->clock))
    {
      g_hash_table_remove (self->blocks, ip);
      until = 0;
    }
  g_mutex_unlock (&self->blocks_lock);
  return until != 0;
}

void
atrium_server_block_address (AtriumServer *self,
                             const char   *ip,
                             guint         seconds)
{
  if (!self->config->blocking_enabled)
    return;
  g_mutex_lock (&self->blocks_lock);
  g_hash_table_replace (self->blocks, g_strdup (ip),
                        GSIZE_TO_POINTER ((gsize) (atrium_clock_now (self->clock) + seconds)));
  g_mutex_unlock (&self->blocks_lock);
}

void
atrium_server_unblock_address (AtriumServer *self,
                               const char   *ip)
{
  g_mutex_lock (&self->blocks_lock);
  g_hash_table_remove (self->blocks, ip);
  g_mutex_unlock (&self->blocks_lock);
}

/* ---- life cycle --------------------------------------------------------------------- */

AtriumServer *
atrium_server_new (AtriumConfig *config,
                   AtriumStore  *store,
                   AtriumClock  *clock)
{
  AtriumServer *self = g_new0 (AtriumServer, 1);

  self->config = config;
  self->store = store;
  self->clock = clock != NULL ? g_object_ref (clock) : atrium_clock_new_system ();
  self->context = g_main_context_ref_thread_default ();
  self->connections = g_hash_table_new_full (NULL, NULL, NULL,
                                             (GDestroyNotify) connection_free);
  self->per_ip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  self->cancellable = g_cancellable_new ();
  self->blocks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->blocks_lock);
  self->blocked_masks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; config->blocked_networks[i] != NULL; i++)
    {
      GInetAddressMask *mask = g_inet_address_mask_new_from_string (config->blocked_networks[i],
                                                                    NULL);
      if (mask != NULL)
        g_ptr_array_add (self->blocked_masks, mask);
      else
        g_warning ("ignoring “%s” in blocked_networks: not an address or range",
                   config->blocked_networks[i]);
    }

  /* No Server: banner. */
  self->soup = soup_server_new ("server-header", NULL, NULL);
  self->redirect_soup = soup_server_new ("server-header", NULL, NULL);
  for (guint i = 0; i < 2; i++)
    {
      SoupServer *soup = i == 0 ? self->soup : self->redirect_soup;

      g_signal_connect (soup, "request-started", G_CALLBACK (request_started), self);
      g_signal_connect (soup, "request-read", G_CALLBACK (got_body), self);
      g_signal_connect (soup, "request-finished", G_CALLBACK (message_finished), self);
      g_signal_connect (soup, "request-aborted", G_CALLBACK (message_finished), self);
      soup_server_add_early_handler (soup, NULL, got_headers, self, NULL);
    }
  soup_server_add_handler (self->redirect_soup, NULL, handle_redirect, self, NULL);
  anchor_keepalive (self);

  {
    GSource *source = g_timeout_source_new (DEADLINE_SWEEP_MS);

    g_source_set_callback (source, sweep_deadlines, self, NULL);
    self->deadline_sweep_id = g_source_attach (source, self->context);
    g_source_unref (source);
  }
  atrium_server_init_router (self);
  return self;
}

void
atrium_server_free (AtriumServer *self)
{
  if (self == NULL)
    return;

  stop_accepting (self);
  g_source_destroy (g_main_context_find_source_by_id (self->context,
                                                      self->deadline_sweep_id));
  atrium_server_shutdown_router (self);
  for (int kind = ATRIUM_N_SERVICES - 1; kind >= 0; kind--)
    if (self->service_free[kind] != NULL)
      self->service_free[kind] (self->services[kind]);
  soup_server_disconnect (self->soup);
  soup_server_disconnect (self->redirect_soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->redirect_soup);
  if (self->anchor != NULL)
    g_socket_close (self->anchor, NULL);
  g_clear_object (&self->anchor);
  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->per_ip);
  g_ptr_array_unref (self->listeners);
  g_object_unref (self->cancellable);
  g_hash_table_unref (self->blocks);
  g_mutex_clear (&self->blocks_lock);
  g_ptr_array_unref (self->blocked_masks);
  if (self->unix_path != NULL)
    g_unlink (self->unix_path);
  g_free (self->unix_path);
  g_main_context_unref (self->context);
  g_object_unref (self->clock);
  atrium_store_free (self->store);
  atrium_config_free (self->config);
  g_free (self);
}

/* A service, owned by the server from here on. */
void
atrium_server_set_service (AtriumServer   *self,
                           AtriumService   kind,
                           gpointer        service,
                           GDestroyNotify  free_func)
{
  self->services[kind] = service;
  self->service_free[kind] = free_func;
}

gpointer
atrium_server_get_service (AtriumServer  *self,
                           AtriumService  kind)
{
  return self->services[kind];
}

AtriumConfig *
atrium_server_get_config (AtriumServer *self)
{
  return self->config;
}

AtriumStore *
atrium_server_get_store (AtriumServer *self)
{
  return self->store;
}

AtriumClock *
atrium_server_get_clock (AtriumServer *self)
{
  return self->clock;
}
