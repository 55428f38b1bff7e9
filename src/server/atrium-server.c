/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-server-private.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "atrium-random.h"

G_DEFINE_QUARK (atrium-server-error-quark, atrium_server_error)

#define LISTEN_BACKLOG 1024

/* ---- connections: caps and deadlines -------------------------------------------------- */

/* One accepted socket. SoupServer owns the socket; a weak reference tells us when it
 * is gone, so the per-address count never drifts. */
typedef struct
{
  AtriumServer *server;
  GSocket      *socket;     /* weak */
  char         *ip;
} Connection;

static void     connection_gone    (gpointer      data,
                                    GObject      *where_the_object_was);
static gboolean in_blocked_network (AtriumServer *self,
                                    const char   *ip);

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
connection_free (Connection *conn)
{
  if (conn->socket != NULL)
    g_object_weak_unref (G_OBJECT (conn->socket), connection_gone, conn);
  count_ip (conn->server, conn->ip, -1);
  g_free (conn->ip);
  g_free (conn);
}

static void
connection_gone (gpointer  data,
                 GObject  *where_the_object_was)
{
  Connection *conn = data;

  conn->socket = NULL;
  g_hash_table_remove (conn->server->connections, where_the_object_was);
}

char *
atrium_message_client_ip (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote))
    return g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  return g_strdup ("local");
}

/* Ends a connection from under SoupServer: its next read sees end-of-file and it cleans
 * up as for any client that went away. */
static void
drop_socket (GSocket *socket)
{
  if (socket != NULL && !g_socket_is_closed (socket))
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

static gboolean
deadline_expired (gpointer data)
{
  SoupServerMessage *msg = data;

  /* Not soup_server_message_get_remote_host(): for a connection the client already
   * reset it dereferences an address libsoup no longer has (nmap -sV crashed us). */
  g_debug ("closing a connection that was too slow to send its request");
  drop_socket (soup_server_message_get_socket (msg));
  g_object_set_data (G_OBJECT (msg), "atrium-deadline", NULL);
  return G_SOURCE_REMOVE;
}

static void
source_destroy_and_unref (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

/* One deadline per message; a new one replaces the old. The source dies with the
 * message, so it never outlives what it points to. */
static void
set_deadline (AtriumServer      *self,
              SoupServerMessage *msg,
              guint              seconds)
{
  GSource *source = g_timeout_source_new_seconds (seconds);

  g_source_set_callback (source, deadline_expired, msg, NULL);
  g_source_attach (source, self->context);
  g_object_set_data_full (G_OBJECT (msg), "atrium-deadline", source,
                          source_destroy_and_unref);
}

static void
clear_deadline (SoupServerMessage *msg)
{
  g_object_set_data (G_OBJECT (msg), "atrium-deadline", NULL);
}

/* The message of a connection that ends says so, whichever message of it that is. By
 * then libsoup has let go of the socket, so the key was kept on the message. */
static void
message_disconnected (SoupServerMessage *msg,
                      gpointer           user_data)
{
  AtriumServer *self = user_data;
  gpointer key = g_object_get_data (G_OBJECT (msg), "atrium-socket");

  if (key != NULL)
    g_hash_table_remove (self->connections, key);
}

/* The connection of @msg leaves the HTTP layer (upgraded to WebSocket): no deadline, no
 * place in the connection count; the live hub bounds its subscribers itself. */
void
atrium_server_release_connection (AtriumServer      *self,
                                  SoupServerMessage *msg)
{
  gpointer key = g_object_get_data (G_OBJECT (msg), "atrium-socket");

  clear_deadline (msg);
  g_signal_handlers_disconnect_by_func (msg, message_disconnected, self);
  if (key != NULL)
    g_hash_table_remove (self->connections, key);
}

static gboolean
track_connection (AtriumServer      *self,
                  SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  Connection *conn;
  guint per_ip;

  if (socket == NULL)
    return TRUE;
  g_object_set_data (G_OBJECT (msg), "atrium-socket", socket);
  g_signal_connect (msg, "disconnected", G_CALLBACK (message_disconnected), self);
  if (g_hash_table_contains (self->connections, socket))
    return TRUE;

  conn = g_new0 (Connection, 1);
  conn->server = self;
  conn->socket = socket;
  conn->ip = atrium_message_client_ip (msg);
  g_object_weak_ref (G_OBJECT (socket), connection_gone, conn);
  g_hash_table_insert (self->connections, socket, conn);
  count_ip (self, conn->ip, +1);

  /* A backstop for every read and write; the deadlines below are the real bounds. */
  g_socket_set_timeout (socket, self->config->request_timeout_seconds);

  /* Configured networks are cut off at once; an address blocked for what it did still
   * gets a 403 that says so (a library's shared NAT may be behind it). */
  per_ip = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_ip, conn->ip));
  if (per_ip > self->config->max_connections_per_ip ||
      g_hash_table_size (self->connections) > self->config->max_connections ||
      in_blocked_network (self, conn->ip))
    {
      g_debug ("refusing a connection from %s (%u open from it)", conn->ip, per_ip);
      drop_socket (socket);
      return FALSE;
    }
  return TRUE;
}

guint
atrium_server_get_open_connections (AtriumServer *self)
{
  return g_hash_table_size (self->connections);
}

/* ---- early answers: sizes, before the body is read ----------------------------------- */

void
atrium_server_set_common_headers (AtriumServer      *self,
                                  SoupServerMessage *msg,
                                  const char        *request_id)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);

  if (uri != NULL && g_strcmp0 (g_uri_get_scheme (uri), "https") == 0)
    soup_message_headers_replace (headers, "Strict-Transport-Security",
                                  "max-age=63072000; includeSubDomains");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  /* No keep-alive: libsoup 3.2 (Debian 12) never releases a kept-alive connection the
   * client closes while idle — its descriptor stays in CLOSE_WAIT for good (fixed
   * upstream after 3.2.3, "server: do not leak idle connections closed by the client").
   * Closing after each answer is the only way its descriptors and memory stay bounded. */
  soup_message_headers_replace (headers, "Connection", "close");
  if (request_id != NULL)
    soup_message_headers_replace (headers, "X-Request-Id", request_id);
}

const char *
atrium_message_request_id (SoupServerMessage *msg)
{
  const char *id = g_object_get_data (G_OBJECT (msg), "atrium-request-id");

  if (id == NULL)
    {
      char *fresh = atrium_random_hex (8);

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

static void
got_body (SoupServerMessage *msg,
          gpointer           user_data)
{
  clear_deadline (msg);
}

static void
sum_header (const char *name,
            const char *value,
            gpointer    user_data)
{
  *(gsize *) user_data += strlen (name) + strlen (value) + 4;
}

/* Runs once the headers are in: sizes are judged here, so an oversized body is never
 * accumulated, and a client announcing one gets its 413 before sending it (with
 * Expect: 100-continue) or while what it sends is thrown away. */
static void
got_headers (SoupServerMessage *msg,
             gpointer           user_data)
{
  AtriumServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  gsize header_bytes = 0;

  set_deadline (self, msg, self->config->request_timeout_seconds);

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

static void
request_started (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  AtriumServer *self = user_data;

  if (!track_connection (self, msg))
    return;

  /* From the connection (or the previous answer) to complete headers: a client that
   * dribbles its request (slowloris) or idles on a kept-alive connection is cut off. */
  set_deadline (self, msg, self->config->header_timeout_seconds);
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers), self);
  g_signal_connect (msg, "got-body", G_CALLBACK (got_body), self);
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
  SoupServer *target = self->soup;
  SoupServerListenOptions options = 0;

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

  if (kind == ATRIUM_LISTENER_HTTPS)
    options = SOUP_SERVER_LISTEN_HTTPS;
  if (kind == ATRIUM_LISTENER_REDIRECT)
    target = self->redirect_soup;

  if (!soup_server_listen_socket (target, socket, options, &local_error))
    {
      g_set_error (error, ATRIUM_SERVER_ERROR, ATRIUM_SERVER_ERROR_LISTEN,
                   "Cannot listen on %s: %s", address, local_error->message);
      return FALSE;
    }
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
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started), self);
  g_signal_connect (self->redirect_soup, "request-started", G_CALLBACK (request_started), self);
  soup_server_add_handler (self->redirect_soup, NULL, handle_redirect, self, NULL);

  atrium_server_init_router (self);
  return self;
}

void
atrium_server_free (AtriumServer *self)
{
  if (self == NULL)
    return;

  atrium_server_shutdown_router (self);
  for (int kind = ATRIUM_N_SERVICES - 1; kind >= 0; kind--)
    if (self->service_free[kind] != NULL)
      self->service_free[kind] (self->services[kind]);
  soup_server_disconnect (self->soup);
  soup_server_disconnect (self->redirect_soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->redirect_soup);
  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->per_ip);
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
