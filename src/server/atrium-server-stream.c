/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

/* libsoup 3.2.3 (Debian 12) leaks a kept-alive connection that its client closes while
 * idle: the next request's first read sees end-of-file with nothing buffered, so that
 * message never starts, nobody is told it is over, and the connection stays in
 * SoupServer's list with its descriptor in CLOSE_WAIT (fixed upstream after 3.2.3, "server:
 * do not leak idle connections closed by the client").
 *
 * So the server accepts connections itself and hands SoupServer this stream. While libsoup
 * waits for, or reads, a request's headers, an end-of-file or an error from below becomes
 * one END_BYTE and then end-of-file. libsoup then starts a message, parses what it holds,
 * fails (a header block ends with a line feed and END_BYTE is none), answers 400 into the
 * closed socket and disconnects through its ordinary path, which frees the connection.
 * The same byte after half a header block keeps libsoup from taking a truncated request
 * for a whole one (3.2.3 parses whatever it holds at end-of-file). Once the headers are
 * in, nothing is changed: the byte is never read as body data, and a short body is an
 * error libsoup already ends the connection for.
 *
 * For HTTPS the stream is itself a GTlsConnection that forwards to the real one: libsoup
 * decides "https" (the URI scheme, its scheme check) by G_IS_TLS_CONNECTION. */

#include "config.h"

#include "atrium-server-stream.h"

#include <string.h>

/* Not a line feed (it could end a header block) nor a NUL (libsoup drops those before it
 * parses); DEL is allowed nowhere in a request line or a field name. */
#define END_BYTE '\x7f'

/* ---- the input: end-of-file while headers are awaited --------------------------------- */

#define ATRIUM_TYPE_HEADER_GUARD (atrium_header_guard_get_type ())
G_DECLARE_FINAL_TYPE (AtriumHeaderGuard, atrium_header_guard, ATRIUM, HEADER_GUARD,
                      GFilterInputStream)

struct _AtriumHeaderGuard
{
  GFilterInputStream parent_instance;
  gboolean           reading_headers;  /* libsoup waits for or reads a request's headers */
  gboolean           ended;            /* END_BYTE was read: end-of-file from now on */
  GBytes            *pending;          /* read by the front desk, to be read again first */
  gsize              pending_offset;
};

static void atrium_header_guard_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AtriumHeaderGuard, atrium_header_guard,
                               G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      atrium_header_guard_pollable_init))

static GInputStream *
guard_base (AtriumHeaderGuard *self)
{
  return g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self));
}

static gssize
guard_read (AtriumHeaderGuard  *self,
            void               *buffer,
            gsize               count,
            gboolean            blocking,
            GCancellable       *cancellable,
            GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize n;

  if (self->ended)
    return 0;
  if (self->pending != NULL)
    {
      gsize length;
      const guint8 *data = g_bytes_get_data (self->pending, &length);

      n = (gssize) MIN (count, length - self->pending_offset);
      memcpy (buffer, data + self->pending_offset, (gsize) n);
      self->pending_offset += (gsize) n;
      if (self->pending_offset == length)
        g_clear_pointer (&self->pending, g_bytes_unref);
      return n;
    }

  n = g_pollable_stream_read (guard_base (self), buffer, count, blocking, cancellable,
                              &local_error);
  if (n > 0 || count == 0 || !self->reading_headers ||
      g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) ||
      g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return n;
    }

  g_debug ("peer gone before a request's headers were complete: %s",
           local_error != NULL ? local_error->message : "end of file");
  self->ended = TRUE;
  *(char *) buffer = END_BYTE;
  return 1;
}

static gssize
guard_read_fn (GInputStream  *stream,
               void          *buffer,
               gsize          count,
               GCancellable  *cancellable,
               GError       **error)
{
  return guard_read (ATRIUM_HEADER_GUARD (stream), buffer, count, TRUE, cancellable, error);
}

/* GFilterInputStream would skip in the base stream, past the guard. */
static gssize
guard_skip (GInputStream  *stream,
            gsize          count,
            GCancellable  *cancellable,
            GError       **error)
{
  char scratch[4096];

  return guard_read (ATRIUM_HEADER_GUARD (stream), scratch, MIN (count, sizeof scratch),
                     TRUE, cancellable, error);
}

static gboolean
guard_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = guard_base (ATRIUM_HEADER_GUARD (stream));

  return G_IS_POLLABLE_INPUT_STREAM (base) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
guard_is_readable (GPollableInputStream *stream)
{
  AtriumHeaderGuard *self = ATRIUM_HEADER_GUARD (stream);

  return self->ended || self->pending != NULL ||
         g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (guard_base (self)));
}

static GSource *
guard_create_source (GPollableInputStream *stream,
                     GCancellable         *cancellable)
{
  AtriumHeaderGuard *self = ATRIUM_HEADER_GUARD (stream);
  GSource *source = g_pollable_source_new (G_OBJECT (stream));
  GSource *child;

  if (self->ended || self->pending != NULL)
    child = g_timeout_source_new (0);
  else
    child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (guard_base (self)),
                                                   cancellable);
  g_source_set_dummy_callback (child);
  g_source_add_child_source (source, child);
  g_source_unref (child);
  return source;
}

static gssize
guard_read_nonblocking (GPollableInputStream  *stream,
                        void                  *buffer,
                        gsize                  count,
                        GError               **error)
{
  return guard_read (ATRIUM_HEADER_GUARD (stream), buffer, count, FALSE, NULL, error);
}

static void
atrium_header_guard_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = guard_can_poll;
  iface->is_readable = guard_is_readable;
  iface->create_source = guard_create_source;
  iface->read_nonblocking = guard_read_nonblocking;
}

static void
atrium_header_guard_finalize (GObject *object)
{
  g_clear_pointer (&ATRIUM_HEADER_GUARD (object)->pending, g_bytes_unref);
  G_OBJECT_CLASS (atrium_header_guard_parent_class)->finalize (object);
}

static void
atrium_header_guard_class_init (AtriumHeaderGuardClass *klass)
{
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = atrium_header_guard_finalize;

  input_class->read_fn = guard_read_fn;
  input_class->skip = guard_skip;
}

static void
atrium_header_guard_init (AtriumHeaderGuard *self)
{
  self->reading_headers = TRUE;
}

/* ---- what both streams hold ---------------------------------------------------------- */

typedef struct
{
  GIOStream         *base;     /* a GSocketConnection, or a GTlsConnection over one */
  GSocket           *socket;
  AtriumHeaderGuard *input;
} Parts;

static void
parts_init (Parts     *parts,
            GIOStream *base,
            GSocket   *socket,
            GBytes    *pending)
{
  parts->base = g_object_ref (base);
  parts->socket = g_object_ref (socket);
  parts->input = g_object_new (ATRIUM_TYPE_HEADER_GUARD,
                               "base-stream", g_io_stream_get_input_stream (base),
                               "close-base-stream", FALSE,
                               NULL);
  if (pending != NULL && g_bytes_get_size (pending) > 0)
    parts->input->pending = g_bytes_ref (pending);
}

static void
parts_clear (Parts *parts)
{
  g_clear_object (&parts->input);
  g_clear_object (&parts->base);
  g_clear_object (&parts->socket);
}

/* Runs on the HTTP thread, so it must not wait for the peer: TLS sends its close_notify
 * only when the socket has room for it; a peer that does not read gets its socket shut
 * first, so that write fails at once. */
static gboolean
parts_close (Parts         *parts,
             GCancellable  *cancellable,
             GError       **error)
{
  if (G_IS_TLS_CONNECTION (parts->base) && !g_socket_is_closed (parts->socket) &&
      !(g_socket_condition_check (parts->socket, G_IO_OUT) & G_IO_OUT))
    g_socket_shutdown (parts->socket, TRUE, TRUE, NULL);
  return g_io_stream_close (parts->base, cancellable, error);
}

/* ---- plain connections --------------------------------------------------------------- */

#define ATRIUM_TYPE_PLAIN_STREAM (atrium_plain_stream_get_type ())
G_DECLARE_FINAL_TYPE (AtriumPlainStream, atrium_plain_stream, ATRIUM, PLAIN_STREAM, GIOStream)

struct _AtriumPlainStream
{
  GIOStream parent_instance;
  Parts     parts;
};

G_DEFINE_FINAL_TYPE (AtriumPlainStream, atrium_plain_stream, G_TYPE_IO_STREAM)

static GInputStream *
plain_get_input_stream (GIOStream *stream)
{
  return G_INPUT_STREAM (ATRIUM_PLAIN_STREAM (stream)->parts.input);
}

static GOutputStream *
plain_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (ATRIUM_PLAIN_STREAM (stream)->parts.base);
}

static gboolean
plain_close (GIOStream     *stream,
             GCancellable  *cancellable,
             GError       **error)
{
  return parts_close (&ATRIUM_PLAIN_STREAM (stream)->parts, cancellable, error);
}

static void
atrium_plain_stream_finalize (GObject *object)
{
  parts_clear (&ATRIUM_PLAIN_STREAM (object)->parts);
  G_OBJECT_CLASS (atrium_plain_stream_parent_class)->finalize (object);
}

static void
atrium_plain_stream_class_init (AtriumPlainStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->finalize = atrium_plain_stream_finalize;
  stream_class->get_input_stream = plain_get_input_stream;
  stream_class->get_output_stream = plain_get_output_stream;
  stream_class->close_fn = plain_close;
}

static void
atrium_plain_stream_init (AtriumPlainStream *self)
{
}

/* ---- TLS connections: a GTlsConnection forwarding to the real one --------------------- */

#define ATRIUM_TYPE_TLS_STREAM (atrium_tls_stream_get_type ())
G_DECLARE_FINAL_TYPE (AtriumTlsStream, atrium_tls_stream, ATRIUM, TLS_STREAM, GTlsConnection)

struct _AtriumTlsStream
{
  GTlsConnection parent_instance;
  Parts          parts;
};

G_DEFINE_FINAL_TYPE (AtriumTlsStream, atrium_tls_stream, G_TYPE_TLS_CONNECTION)

static GTlsConnection *
tls_inner (gpointer stream)
{
  return G_TLS_CONNECTION (ATRIUM_TLS_STREAM (stream)->parts.base);
}

/* Every GTlsConnection property is the real connection's. Before it is set (while
 * GObject constructs us) there is nothing to forward to. */
static void
tls_get_property (GObject    *object,
                  guint       prop_id,
                  GValue     *value,
                  GParamSpec *pspec)
{
  AtriumTlsStream *self = ATRIUM_TLS_STREAM (object);

  if (self->parts.base != NULL)
    g_object_get_property (G_OBJECT (self->parts.base), pspec->name, value);
}

static void
tls_set_property (GObject      *object,
                  guint         prop_id,
                  const GValue *value,
                  GParamSpec   *pspec)
{
  AtriumTlsStream *self = ATRIUM_TLS_STREAM (object);

  if (self->parts.base != NULL)
    g_object_set_property (G_OBJECT (self->parts.base), pspec->name, value);
}

static GInputStream *
tls_get_input_stream (GIOStream *stream)
{
  return G_INPUT_STREAM (ATRIUM_TLS_STREAM (stream)->parts.input);
}

static GOutputStream *
tls_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (ATRIUM_TLS_STREAM (stream)->parts.base);
}

static gboolean
tls_close (GIOStream     *stream,
           GCancellable  *cancellable,
           GError       **error)
{
  return parts_close (&ATRIUM_TLS_STREAM (stream)->parts, cancellable, error);
}

static gboolean
tls_handshake (GTlsConnection  *conn,
               GCancellable    *cancellable,
               GError         **error)
{
  return g_tls_connection_handshake (tls_inner (conn), cancellable, error);
}

static void
tls_handshake_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
tls_handshake_async (GTlsConnection      *conn,
                     int                  io_priority,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task = g_task_new (conn, cancellable, callback, user_data);

  g_task_set_source_tag (task, tls_handshake_async);
  g_tls_connection_handshake_async (tls_inner (conn), io_priority, cancellable,
                                    tls_handshake_done, task);
}

static gboolean
tls_handshake_finish (GTlsConnection  *conn,
                      GAsyncResult    *result,
                      GError         **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
tls_get_binding_data (GTlsConnection          *conn,
                      GTlsChannelBindingType   type,
                      GByteArray              *data,
                      GError                 **error)
{
  return g_tls_connection_get_channel_binding_data (tls_inner (conn), type, data, error);
}

static const char *
tls_get_negotiated_protocol (GTlsConnection *conn)
{
  return g_tls_connection_get_negotiated_protocol (tls_inner (conn));
}

static void
atrium_tls_stream_finalize (GObject *object)
{
  parts_clear (&ATRIUM_TLS_STREAM (object)->parts);
  G_OBJECT_CLASS (atrium_tls_stream_parent_class)->finalize (object);
}

static void
atrium_tls_stream_class_init (AtriumTlsStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);
  GTlsConnectionClass *tls_class = G_TLS_CONNECTION_CLASS (klass);
  g_autofree GParamSpec **specs = NULL;
  guint n_specs;
  guint prop_id = 0;

  object_class->get_property = tls_get_property;
  object_class->set_property = tls_set_property;
  object_class->finalize = atrium_tls_stream_finalize;
  stream_class->get_input_stream = tls_get_input_stream;
  stream_class->get_output_stream = tls_get_output_stream;
  stream_class->close_fn = tls_close;
  tls_class->handshake = tls_handshake;
  tls_class->handshake_async = tls_handshake_async;
  tls_class->handshake_finish = tls_handshake_finish;
  tls_class->get_binding_data = tls_get_binding_data;
  tls_class->get_negotiated_protocol = tls_get_negotiated_protocol;

  /* GTlsConnection leaves its properties to subclasses (its own accessors warn). */
  specs = g_object_class_list_properties (G_OBJECT_CLASS (atrium_tls_stream_parent_class),
                                          &n_specs);
  for (guint i = 0; i < n_specs; i++)
    if (specs[i]->owner_type == G_TYPE_TLS_CONNECTION)
      g_object_class_override_property (object_class, ++prop_id, specs[i]->name);
}

static void
atrium_tls_stream_init (AtriumTlsStream *self)
{
}

/* ---- API ----------------------------------------------------------------------------- */

static Parts *
stream_parts (GIOStream *stream)
{
  if (ATRIUM_IS_TLS_STREAM (stream))
    return &ATRIUM_TLS_STREAM (stream)->parts;
  return &ATRIUM_PLAIN_STREAM (stream)->parts;
}

/* Wraps @base (a GSocketConnection, or a GTlsConnection whose handshake is done) over
 * @socket, for soup_server_accept_iostream(). Closing the stream closes @base. @pending,
 * if not NULL, is read before what comes from @base. */
GIOStream *
atrium_server_stream_new (GIOStream *base,
                          GSocket   *socket,
                          GBytes    *pending)
{
  GIOStream *stream = g_object_new (G_IS_TLS_CONNECTION (base) ? ATRIUM_TYPE_TLS_STREAM
                                                              : ATRIUM_TYPE_PLAIN_STREAM,
                                    NULL);

  parts_init (stream_parts (stream), base, socket, pending);
  return stream;
}

/* TRUE from the end of an answer (or the connection's start) until the next request's
 * headers are in: only then does the peer's end become END_BYTE. */
void
atrium_server_stream_set_reading_headers (GIOStream *stream,
                                          gboolean   reading_headers)
{
  stream_parts (stream)->input->reading_headers = reading_headers;
}
