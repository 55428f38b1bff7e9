/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-test"

#include "config.h"

#include "atrium-http-sink.h"

#include "atrium-test-sync.h"

#include <string.h>
#include <gnutls/gnutls.h>

/* A self-signed certificate for tests only, never to be trusted elsewhere: P-256, valid
 * from 2000 to 2100, for localhost, 127.0.0.1 and ::1, CA:TRUE so that it can serve as
 * its own CA file. Its key is public by design. */
static const char TEST_CERTIFICATE_PEM[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBxTCCAWygAwIBAgIBATAKBggqhkjOPQQDAjAnMSUwIwYDVQQDDBxBdHJpdW0g\n"
  "dGVzdCBvbmx5IC0gbG9jYWxob3N0MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAx\n"
  "MDAwMDAwWjAnMSUwIwYDVQQDDBxBdHJpdW0gdGVzdCBvbmx5IC0gbG9jYWxob3N0\n"
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEVGICeU0daQ8Tux20I4Z9sMAVeSc5\n"
  "1XHDnZbAC5F7gb5IFwg0ii0Uc03G5cobECxLwAELAdRO9LyV/PlLAhnl4qOBhjCB\n"
  "gzAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIChDATBgNVHSUEDDAKBggr\n"
  "BgEFBQcDATAsBgNVHREEJTAjgglsb2NhbGhvc3SHBH8AAAGHEAAAAAAAAAAAAAAA\n"
  "AAAAAAEwHQYDVR0OBBYEFDGaBVPCYjMNIBTrycnhBAXOJJdKMAoGCCqGSM49BAMC\n"
  "A0cAMEQCIFo8MSVPnAGiHlDICCGu0SJwQSufv/uhuPA0tataONLOAiBKdDYtV2lW\n"
  "gFNC4bNKJCK/z7HaYa2CVxDKMKBT7oXV0A==\n"
  "-----END CERTIFICATE-----\n";

static const char TEST_KEY_PEM[] =
  "-----BEGIN PRIVATE KEY-----\n"
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgA3QielL3Pbu2nVAY\n"
  "nwvBPSQrfTkbV+P8q6ABZlYULDShRANCAARUYgJ5TR1pDxO7HbQjhn2wwBV5JznV\n"
  "ccOdlsALkXuBvkgXCDSKLRRzTcblyhsQLEvAAQsB1E70vJX8+UsCGeXi\n"
  "-----END PRIVATE KEY-----\n";

typedef struct
{
  AtriumHttpSink    *sink;
  SoupServerMessage *msg;
  GSource           *timeout;
  gulong             disconnected_id;
} Delayed;

struct _AtriumHttpSink
{
  /* Owned by the sink thread once it runs. */
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  SoupServer   *server;
  GList        *delayed;
  guint16       port;
  gboolean      tls;

  /* Shared, under the mutex. */
  GMutex        mutex;
  GCond         cond;
  gboolean      started;
  GError       *start_error;
  GPtrArray    *requests;
  guint         status;
  char         *content_type;
  char         *body;
  GPtrArray    *response_headers;   /* name, value, name, value, … */
  guint         delay_ms;
};

void
atrium_http_sink_request_free (AtriumHttpSinkRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  g_free (request->path);
  g_free (request->query);
  g_free (request->content_type);
  g_free (request->authorization);
  g_clear_pointer (&request->headers, soup_message_headers_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request);
}

/* Headers are never changed once recorded, so copies may share them. */
static AtriumHttpSinkRequest *
request_copy (const AtriumHttpSinkRequest *request)
{
  AtriumHttpSinkRequest *copy = g_new0 (AtriumHttpSinkRequest, 1);

  copy->method = g_strdup (request->method);
  copy->path = g_strdup (request->path);
  copy->query = g_strdup (request->query);
  copy->content_type = g_strdup (request->content_type);
  copy->authorization = g_strdup (request->authorization);
  copy->headers = soup_message_headers_ref (request->headers);
  copy->body = g_bytes_ref (request->body);
  return copy;
}

static void
copy_header (const char *name,
             const char *value,
             gpointer    user_data)
{
  soup_message_headers_append (user_data, name, value);
}

/* ---- the sink thread ----------------------------------------------------------------- */

static void
delayed_free (Delayed *delayed)
{
  g_signal_handler_disconnect (delayed->msg, delayed->disconnected_id);
  g_source_destroy (delayed->timeout);
  g_source_unref (delayed->timeout);
  g_object_unref (delayed->msg);
  g_free (delayed);
}

static gboolean
on_delay_over (gpointer user_data)
{
  Delayed *delayed = user_data;
  AtriumHttpSink *sink = delayed->sink;
  SoupServerMessage *msg = g_object_ref (delayed->msg);

  sink->delayed = g_list_remove (sink->delayed, delayed);
  delayed_free (delayed);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

/* The client went away while we held its answer back: forget it, never unpause it. */
static void
on_delayed_disconnected (SoupServerMessage *msg G_GNUC_UNUSED,
                         gpointer           user_data)
{
  Delayed *delayed = user_data;

  delayed->sink->delayed = g_list_remove (delayed->sink->delayed, delayed);
  delayed_free (delayed);
}

static void
handle_request (SoupServer        *server G_GNUC_UNUSED,
                SoupServerMessage *msg,
                const char        *path G_GNUC_UNUSED,
                GHashTable        *query G_GNUC_UNUSED,
                gpointer           user_data)
{
  AtriumHttpSink *sink = user_data;
  AtriumHttpSinkRequest *request = g_new0 (AtriumHttpSinkRequest, 1);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  guint delay_ms;

  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = g_strdup (g_uri_get_path (uri));
  request->query = g_strdup (g_uri_get_query (uri));
  request->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  request->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  request->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_foreach (headers, copy_header, request->headers);
  request->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

  g_mutex_lock (&sink->mutex);
  g_ptr_array_add (sink->requests, request);
  g_cond_broadcast (&sink->cond);
  soup_server_message_set_status (msg, sink->status, NULL);
  if (sink->body != NULL)
    soup_server_message_set_response (msg, sink->content_type, SOUP_MEMORY_COPY,
                                      sink->body, strlen (sink->body));
  for (guint i = 0; i + 1 < sink->response_headers->len; i += 2)
    soup_message_headers_append (soup_server_message_get_response_headers (msg),
                                 g_ptr_array_index (sink->response_headers, i),
                                 g_ptr_array_index (sink->response_headers, i + 1));
  delay_ms = sink->delay_ms;
  g_mutex_unlock (&sink->mutex);

  if (delay_ms > 0)
    {
      Delayed *delayed = g_new0 (Delayed, 1);

      delayed->sink = sink;
      delayed->msg = g_object_ref (msg);
      delayed->timeout = g_timeout_source_new (delay_ms);
      g_source_set_callback (delayed->timeout, on_delay_over, delayed, NULL);
      g_source_attach (delayed->timeout, sink->context);
      delayed->disconnected_id = g_signal_connect (msg, "disconnected",
                                                   G_CALLBACK (on_delayed_disconnected),
                                                   delayed);
      sink->delayed = g_list_prepend (sink->delayed, delayed);
      soup_server_message_pause (msg);
    }
}

static gboolean
stop_cb (gpointer user_data)
{
  AtriumHttpSink *sink = user_data;

  /* Answer what is still held back, then drop every connection. */
  while (sink->delayed != NULL)
    on_delay_over (sink->delayed->data);
  soup_server_disconnect (sink->server);
  g_main_loop_quit (sink->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
sink_thread (gpointer user_data)
{
  AtriumHttpSink *sink = user_data;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (sink->context);

  if (sink->tls)
    {
      g_autofree char *pem = g_strconcat (TEST_CERTIFICATE_PEM, TEST_KEY_PEM, NULL);

      certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
    }
  if (error == NULL)
    {
      sink->server = soup_server_new ("server-header", "atrium-http-sink",
                                      "tls-certificate", certificate,
                                      NULL);
      soup_server_add_handler (sink->server, NULL, handle_request, sink, NULL);
    }
  if (sink->server != NULL &&
      soup_server_listen_local (sink->server, 0,
                                SOUP_SERVER_LISTEN_IPV4_ONLY |
                                (sink->tls ? SOUP_SERVER_LISTEN_HTTPS : 0),
                                &error))
    {
      GSList *uris = soup_server_get_uris (sink->server);

      sink->port = g_uri_get_port (uris->data);
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    }

  g_mutex_lock (&sink->mutex);
  sink->start_error = g_steal_pointer (&error);
  sink->started = TRUE;
  g_cond_broadcast (&sink->cond);
  g_mutex_unlock (&sink->mutex);

  if (sink->start_error == NULL)
    g_main_loop_run (sink->loop);

  if (sink->server != NULL)
    soup_server_disconnect (sink->server);
  g_clear_object (&sink->server);
  while (g_main_context_iteration (sink->context, FALSE))
    ;

  g_main_context_pop_thread_default (sink->context);
  return NULL;
}

static void
sink_destroy (AtriumHttpSink *sink)
{
  g_clear_pointer (&sink->requests, g_ptr_array_unref);
  g_clear_pointer (&sink->response_headers, g_ptr_array_unref);
  g_clear_pointer (&sink->loop, g_main_loop_unref);
  g_clear_pointer (&sink->context, g_main_context_unref);
  g_clear_error (&sink->start_error);
  g_free (sink->content_type);
  g_free (sink->body);
  g_mutex_clear (&sink->mutex);
  g_cond_clear (&sink->cond);
  g_free (sink);
}

/* glib-networking dlopen()s libgnutls; loaded that late, its thread-locals are dynamic
 * TLS, and gcc 12's LeakSanitizer crashes ("Tracer caught signal 11") scanning them in
 * the TLS worker threads at exit. Using one of its symbols here maps libgnutls at
 * start-up in every test that links this library. */
static void
map_gnutls_at_startup (void)
{
  /* Used, so that the compiler keeps the call (the function is pure) and the symbol. */
  if (gnutls_check_version (NULL) == NULL)
    g_error ("libgnutls did not report its version");
}

static AtriumHttpSink *
sink_new (gboolean   tls,
          GError   **error)
{
  AtriumHttpSink *sink = g_new0 (AtriumHttpSink, 1);

  map_gnutls_at_startup ();

  g_mutex_init (&sink->mutex);
  g_cond_init (&sink->cond);
  sink->context = g_main_context_new ();
  sink->loop = g_main_loop_new (sink->context, FALSE);
  sink->requests =
    g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_http_sink_request_free);
  sink->status = SOUP_STATUS_OK;
  sink->content_type = g_strdup ("application/json");
  sink->body = g_strdup ("{}");
  sink->response_headers = g_ptr_array_new_with_free_func (g_free);
  sink->tls = tls;

  sink->thread = g_thread_new ("http-sink", sink_thread, sink);

  g_mutex_lock (&sink->mutex);
  while (!sink->started)
    g_cond_wait (&sink->cond, &sink->mutex);
  g_mutex_unlock (&sink->mutex);

  if (sink->start_error != NULL)
    {
      g_thread_join (sink->thread);
      g_propagate_error (error, g_steal_pointer (&sink->start_error));
      sink_destroy (sink);
      return NULL;
    }
  return sink;
}

/**
 * atrium_http_sink_new:
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a plain HTTP sink listening on 127.0.0.1, or %NULL
 */
AtriumHttpSink *
atrium_http_sink_new (GError **error)
{
  return sink_new (FALSE, error);
}

/**
 * atrium_http_sink_new_tls:
 * @error: return location for a #GError
 *
 * Returns: (transfer full): an HTTPS sink listening on 127.0.0.1 with the test
 *   certificate (see atrium_http_sink_get_test_certificate_pem()), or %NULL
 */
AtriumHttpSink *
atrium_http_sink_new_tls (GError **error)
{
  return sink_new (TRUE, error);
}

/* The PEM of the certificate an HTTPS sink presents; write it to a file to trust it. */
const char *
atrium_http_sink_get_test_certificate_pem (void)
{
  return TEST_CERTIFICATE_PEM;
}

/**
 * atrium_http_sink_free:
 * @sink: (nullable): a sink
 *
 * Answers any request still delayed, closes every connection, stops the thread and
 * frees everything.
 */
void
atrium_http_sink_free (AtriumHttpSink *sink)
{
  GSource *source;

  if (sink == NULL)
    return;

  source = g_idle_source_new ();
  g_source_set_callback (source, stop_cb, sink, NULL);
  g_source_attach (source, sink->context);
  g_source_unref (source);
  g_thread_join (sink->thread);

  sink_destroy (sink);
}

guint16
atrium_http_sink_get_port (AtriumHttpSink *sink)
{
  return sink->port;
}

/* "http://127.0.0.1:PORT" (https:// for a TLS sink) followed by @path_and_query, which
 * starts with '/'. */
char *
atrium_http_sink_dup_url (AtriumHttpSink *sink,
                          const char     *path_and_query)
{
  g_return_val_if_fail (path_and_query != NULL && path_and_query[0] == '/', NULL);

  return g_strdup_printf ("%s://127.0.0.1:%u%s", sink->tls ? "https" : "http", sink->port,
                          path_and_query);
}

/**
 * atrium_http_sink_set_response:
 * @sink: a sink
 * @status: the status of the following answers
 * @content_type: (nullable): their Content-Type
 * @body: (nullable): their body, %NULL for none
 *
 * Also forgets the headers added with atrium_http_sink_add_response_header().
 */
void
atrium_http_sink_set_response (AtriumHttpSink *sink,
                               guint           status,
                               const char     *content_type,
                               const char     *body)
{
  g_return_if_fail (status >= 100 && status < 600);

  g_mutex_lock (&sink->mutex);
  sink->status = status;
  g_free (sink->content_type);
  g_free (sink->body);
  sink->content_type = g_strdup (content_type);
  sink->body = g_strdup (body);
  g_ptr_array_set_size (sink->response_headers, 0);
  g_mutex_unlock (&sink->mutex);
}

/* Adds a header to the following answers, e.g. Location for a redirect. */
void
atrium_http_sink_add_response_header (AtriumHttpSink *sink,
                                      const char     *name,
                                      const char     *value)
{
  g_mutex_lock (&sink->mutex);
  g_ptr_array_add (sink->response_headers, g_strdup (name));
  g_ptr_array_add (sink->response_headers, g_strdup (value));
  g_mutex_unlock (&sink->mutex);
}

/* Holds each following answer back for @delay_ms (0: answer at once). */
void
atrium_http_sink_set_delay (AtriumHttpSink *sink,
                            guint           delay_ms)
{
  g_mutex_lock (&sink->mutex);
  sink->delay_ms = delay_ms;
  g_mutex_unlock (&sink->mutex);
}

/**
 * atrium_http_sink_wait_for:
 * @sink: a sink
 * @n_requests: how many requests in all
 * @timeout_ms: how long to wait at most
 *
 * Returns: %TRUE when the sink has received at least @n_requests in all
 */
gboolean
atrium_http_sink_wait_for (AtriumHttpSink *sink,
                           guint           n_requests,
                           guint           timeout_ms)
{
  return atrium_test_wait_for_items (&sink->mutex, &sink->cond, sink->requests, n_requests,
                                     timeout_ms);
}

/**
 * atrium_http_sink_get_requests:
 * @sink: a sink
 *
 * Returns: (transfer full) (element-type AtriumHttpSinkRequest): a copy of the
 *   requests received so far, oldest first
 */
GPtrArray *
atrium_http_sink_get_requests (AtriumHttpSink *sink)
{
  return atrium_test_copy_items (&sink->mutex, sink->requests, (GBoxedCopyFunc) request_copy,
                                 (GDestroyNotify) atrium_http_sink_request_free);
}

guint
atrium_http_sink_get_request_count (AtriumHttpSink *sink)
{
  guint n;

  g_mutex_lock (&sink->mutex);
  n = sink->requests->len;
  g_mutex_unlock (&sink->mutex);
  return n;
}
