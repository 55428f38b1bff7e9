/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

/* The front desk: every connection to the API is read here first. A bodiless
 * `GET /api/v1/occupancy` (any route with a fast handler: AtriumFastHandler) is answered
 * here without libsoup; at the first request that is anything else, the connection is
 * given to SoupServer with what was read of it, and stays there.
 *
 * Why: every kiosk and patron polls occupancy, and libsoup 3.2 spends on each request
 * far more than the answer costs (about ten wake-ups of its main context through
 * g_source_set_ready_time, and a GObject with signals). The target (half of
 * nginx's rate with one process) is out of its reach: a bare SoupServer returning the same
 * bytes makes 0.42 of nginx here. See docs/decisions.md, "The front desk".
 *
 * Safety: the front desk takes a request only when it can frame it beyond doubt — an
 * HTTP/1.1 GET of a plain path, CRLF line ends, field names that are tokens, field values
 * without control bytes, exactly one Host, at most one Authorization and User-Agent, no
 * Content-Length, Transfer-Encoding, Expect or Upgrade, no Connection but keep-alive, and
 * a head within the configured size. Anything else, or anything it cannot judge yet, is
 * handed to libsoup untouched, bytes and all, so a request is never read two ways
 * (smuggling). The router applies to what is taken the same checks, in the same order,
 * as to what libsoup reads (atrium_router_take_front). */

#include "config.h"

#include "atrium-server-front.h"

#include <string.h>

#define READ_CHUNK  8192
#define MAX_HEAD    8192   /* a longer head is libsoup's to judge */
#define MAX_PATH    256
#define MAX_VALUE   1024   /* Authorization, User-Agent */
#define MAX_FIELDS  64

struct _AtriumFront
{
  guint                  ref_count;   /* HTTP thread only */
  AtriumServer          *server;
  AtriumConnection      *conn;        /* NULL once the connection is closed or handed on */
  GIOStream             *base;
  GSocket               *socket;
  GSocketAddress        *local;
  GPollableInputStream  *input;
  GPollableOutputStream *output;
  GSource               *source;      /* watching for input, or for room to write */
  GByteArray            *in;          /* read and not yet taken; NULL when nothing */
  GByteArray            *out;         /* an answer not yet written; NULL when none */
  gboolean               via_tls;
  gboolean               via_loopback;
  gboolean               waiting;     /* a worker has the request being answered */
  gboolean               close_after; /* end the connection once `out` is written */
  gboolean               just_answered; /* since the last look at deadlines */
};

static void front_process (AtriumFront *front);

static AtriumFront *
front_ref (AtriumFront *front)
{
  front->ref_count++;
  return front;
}

static void
front_unref (gpointer data)
{
  AtriumFront *front = data;

  if (--front->ref_count > 0)
    return;
  g_assert (front->conn == NULL && front->source == NULL);
  g_clear_pointer (&front->in, g_byte_array_unref);
  g_clear_pointer (&front->out, g_byte_array_unref);
  g_object_unref (front->base);
  g_object_unref (front->socket);
  g_object_unref (front->local);
  g_free (front);
}

static void
stop_watching (AtriumFront *front)
{
  if (front->source != NULL)
    {
      g_source_destroy (front->source);
      g_clear_pointer (&front->source, g_source_unref);
    }
}

/* Ends the connection; the server's table forgets it and calls atrium_front_detach(). */
static void
front_close (AtriumFront *front)
{
  if (front->conn != NULL)
    atrium_connection_close (front->conn);
}

/* ---- reading a head ------------------------------------------------------------------ */

typedef enum
{
  HEAD_INCOMPLETE,   /* could still be ours: wait for more */
  HEAD_PASS,         /* libsoup's */
  HEAD_OURS,
} HeadVerdict;

typedef struct
{
  gsize length;                       /* of the head, up to its empty line */
  char  path[MAX_PATH + 1];
  char  authorization[MAX_VALUE + 1];
  char  user_agent[MAX_VALUE + 1];
  guint n_host;
  guint n_authorization;
  guint n_user_agent;
} Head;

static gboolean
is_path_byte (guchar c)
{
  return g_ascii_isalnum (c) || c == '/' || c == '-' || c == '_' || c == '.';
}

/* RFC 9110 tchar */
static gboolean
is_token_byte (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static gboolean
is_value_byte (guchar c)
{
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static gboolean
name_is (const char *name,
         gsize       length,
         const char *want)
{
  return strlen (want) == length && g_ascii_strncasecmp (name, want, length) == 0;
}

static gboolean
keep_value (char       *slot,
            guint      *count,
            const char *value,
            gsize       length)
{
  if (++*count > 1 || length > MAX_VALUE)
    return FALSE;
  memcpy (slot, value, length);
  slot[length] = '\0';
  return TRUE;
}

/* One field line, without its CRLF. */
static gboolean
read_field (Head       *head,
            const char *line,
            gsize       length)
{
  const char *colon = memchr (line, ':', length);
  const char *value, *end = line + length;
  gsize name_length;

  if (colon == NULL || colon == line)
    return FALSE;
  name_length = (gsize) (colon - line);
  for (gsize i = 0; i < name_length; i++)
    if (!is_token_byte ((guchar) line[i]))
      return FALSE;
  for (const char *p = colon + 1; p < end; p++)
    if (!is_value_byte ((guchar) *p))
      return FALSE;
  value = colon + 1;
  while (value < end && (*value == ' ' || *value == '\t'))
    value++;
  while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
    end--;

  if (name_is (line, name_length, "host"))
    head->n_host++;
  else if (name_is (line, name_length, "authorization"))
    return keep_value (head->authorization, &head->n_authorization, value,
                       (gsize) (end - value));
  else if (name_is (line, name_length, "user-agent"))
    return keep_value (head->user_agent, &head->n_user_agent, value, (gsize) (end - value));
  else if (name_is (line, name_length, "connection"))
    return name_is (value, (gsize) (end - value), "keep-alive");
  else if (name_is (line, name_length, "content-length") ||
           name_is (line, name_length, "transfer-encoding") ||
           name_is (line, name_length, "expect") ||
           name_is (line, name_length, "upgrade"))
    return FALSE;
  return TRUE;
}

#define REQUEST_START "GET /"
#define REQUEST_END   " HTTP/1.1\r\n"

static HeadVerdict
read_head (const guint8 *data,
           gsize         length,
           gsize         max_head,
           Head         *head)
{
  const char *text = (const char *) data;
  const char *end, *line, *path_end;
  gsize path_length;
  guint n_fields = 0;

  if (memcmp (text, REQUEST_START, MIN (length, strlen (REQUEST_START))) != 0)
    return HEAD_PASS;
  end = g_strstr_len (text, (gssize) MIN (length, max_head), "\r\n\r\n");
  if (end == NULL)
    return length >= max_head ? HEAD_PASS : HEAD_INCOMPLETE;
  head->length = (gsize) (end - text) + 4;

  /* CR and LF only as line ends, no NUL anywhere */
  for (gsize i = 0; i < head->length; i++)
    if (text[i] == '\0' ||
        (text[i] == '\r' && text[i + 1] != '\n') ||
        (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')))
      return HEAD_PASS;

  path_end = text + strlen ("GET ");
  while (path_end < end && is_path_byte ((guchar) *path_end))
    path_end++;
  path_length = (gsize) (path_end - text) - strlen ("GET ");
  if (path_length > MAX_PATH ||
      (gsize) (end + 4 - path_end) < strlen (REQUEST_END) ||
      memcmp (path_end, REQUEST_END, strlen (REQUEST_END)) != 0)
    return HEAD_PASS;
  memcpy (head->path, text + strlen ("GET "), path_length);
  head->path[path_length] = '\0';

  for (line = path_end + strlen (REQUEST_END); line < end + 2; )
    {
      const char *eol = g_strstr_len (line, end + 2 - line, "\r\n");

      if (++n_fields > MAX_FIELDS || !read_field (head, line, (gsize) (eol - line)))
        return HEAD_PASS;
      line = eol + 2;
    }
  if (head->n_host != 1)
    return HEAD_PASS;
  return HEAD_OURS;
}

/* ---- writing an answer --------------------------------------------------------------- */

static gboolean
output_ready (GObject  *stream,
              gpointer  data)
{
  AtriumFront *front = data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_pollable_output_stream_write_nonblocking (front->output, front->out->data,
                                                  front->out->len, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n < 0)
    {
      g_debug ("cannot answer %s: %s", atrium_connection_get_ip (front->conn), error->message);
      g_clear_pointer (&front->source, g_source_unref);
      front_close (front);
      return G_SOURCE_REMOVE;
    }
  g_byte_array_remove_range (front->out, 0, (guint) n);
  if (front->out->len > 0)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&front->out, g_byte_array_unref);
  g_clear_pointer (&front->source, g_source_unref);
  front_ref (front);
  if (front->close_after)
    front_close (front);
  else
    front_process (front);
  front_unref (front);
  return G_SOURCE_REMOVE;
}

static void
watch_output (AtriumFront *front)
{
  stop_watching (front);
  front->source = g_pollable_output_stream_create_source (front->output, NULL);
  g_source_set_callback (front->source, G_SOURCE_FUNC (output_ready), front, NULL);
  g_source_attach (front->source, front->server->context);
}

static void
answer (AtriumFront   *front,
        AtriumRequest *request)
{
  AtriumServer *server = front->server;
  g_autoptr(GString) head = g_string_sized_new (512);
  g_autoptr(GError) error = NULL;
  GOutputVector vectors[2];
  gsize body_length = 0, written = 0, total;
  const char *body = request->response != NULL
                     ? g_bytes_get_data (request->response, &body_length) : NULL;
  GPollableReturn result;

  g_string_append_printf (head, "HTTP/1.1 %u %s\r\nDate: %s\r\n", request->status,
                          soup_status_get_phrase (request->status),
                          atrium_server_http_date (server));
  if (body != NULL)
    g_string_append_printf (head, "Content-Type: %s\r\n", request->content_type);
  g_string_append_printf (head, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_length);
  atrium_server_append_common_headers (server, head, front->via_tls, request->request_id);
  for (guint i = 0; i + 1 < request->response_headers->len; i += 2)
    g_string_append_printf (head, "%s: %s\r\n", (char *) request->response_headers->pdata[i],
                            (char *) request->response_headers->pdata[i + 1]);
  g_string_append (head, "\r\n");
  front->close_after = server->draining;
  front->just_answered = TRUE;

  vectors[0].buffer = head->str;
  vectors[0].size = head->len;
  vectors[1].buffer = body;
  vectors[1].size = body_length;
  total = head->len + body_length;
  result = g_pollable_output_stream_writev_nonblocking (front->output, vectors,
                                                        body != NULL ? 2 : 1, &written,
                                                        NULL, &error);
  if (result == G_POLLABLE_RETURN_FAILED)
    {
      g_debug ("cannot answer %s: %s", atrium_connection_get_ip (front->conn), error->message);
      front_close (front);
      return;
    }
  if (written == total)
    {
      if (front->close_after)
        front_close (front);
      return;
    }

  /* The peer reads slowly: the rest waits for room, and nothing more is read till then. */
  front->out = g_byte_array_sized_new ((guint) (total - written));
  if (written < head->len)
    g_byte_array_append (front->out, (const guint8 *) head->str + written,
                         (guint) (head->len - written));
  written = written > head->len ? written - head->len : 0;
  g_byte_array_append (front->out, (const guint8 *) body + written,
                       (guint) (body_length - written));
  watch_output (front);
}

/* ---- taking requests ----------------------------------------------------------------- */

/* A worker's answer, on the HTTP thread. */
static void
answered_later (AtriumRequest *request,
                gpointer       data)
{
  AtriumFront *front = data;

  front->waiting = FALSE;
  if (front->conn == NULL)
    return;   /* the connection ended meanwhile */
  front_ref (front);
  answer (front, request);
  front_process (front);
  front_unref (front);
}

static gboolean input_ready (GObject  *stream,
                             gpointer  data);

static void
watch_input (AtriumFront *front)
{
  if (front->source != NULL)
    return;
  front->source = g_pollable_input_stream_create_source (front->input, NULL);
  g_source_set_callback (front->source, G_SOURCE_FUNC (input_ready), front, NULL);
  g_source_attach (front->source, front->server->context);
}

/* From here on the connection is libsoup's, with what it has sent so far. */
static void
pass (AtriumFront *front)
{
  g_autoptr(GBytes) pending = front->in != NULL ? g_byte_array_free_to_bytes (front->in)
                                                : NULL;
  AtriumConnection *conn = front->conn;

  front->in = NULL;
  stop_watching (front);
  front->conn = NULL;
  atrium_connection_give_to_soup (conn, front->base, front->local, pending);
  front_unref (front);   /* the connection's reference */
}

/* Takes every whole request read so far, in order, while answers can be written. */
static void
front_process (AtriumFront *front)
{
  AtriumConfig *config = atrium_server_get_config (front->server);

  while (front->conn != NULL && !front->waiting && front->out == NULL &&
         front->in != NULL && front->in->len > 0)
    {
      Head head = { 0 };
      AtriumFrontCall call = { 0 };
      AtriumRequest *request = NULL;
      HeadVerdict verdict;

      verdict = read_head (front->in->data, front->in->len,
                           MIN (MAX_HEAD, config->max_header_bytes), &head);
      if (verdict == HEAD_INCOMPLETE)
        break;

      call.path = head.path;
      call.client_ip = atrium_connection_get_ip (front->conn);
      call.via_loopback = front->via_loopback;
      call.via_tls = front->via_tls;
      call.authorization = head.n_authorization > 0 ? head.authorization : NULL;
      call.user_agent = head.n_user_agent > 0 ? head.user_agent : NULL;
      switch (verdict == HEAD_OURS
              ? atrium_router_take_front (front->server, &call, &request, answered_later,
                                          front_ref (front), front_unref)
              : ATRIUM_FRONT_PASS)
        {
        case ATRIUM_FRONT_PASS:
          if (verdict == HEAD_OURS)
            front_unref (front);   /* the reference the router did not take */
          pass (front);
          return;
        case ATRIUM_FRONT_ANSWERED:
          front_unref (front);
          g_byte_array_remove_range (front->in, 0, (guint) head.length);
          answer (front, request);
          atrium_request_free (request);
          break;
        case ATRIUM_FRONT_PENDING:
        default:
          g_byte_array_remove_range (front->in, 0, (guint) head.length);
          front->waiting = TRUE;
          atrium_connection_set_deadline (front->conn, 0);
          break;
        }
      explicit_bzero (head.authorization, sizeof head.authorization);
    }

  if (front->conn == NULL)
    return;
  if (front->in != NULL && front->in->len == 0)
    g_clear_pointer (&front->in, g_byte_array_unref);
  if (front->waiting || front->out != NULL)
    {
      if (front->waiting)
        stop_watching (front);   /* nothing more is read until the answer is out */
      return;
    }
  /* After an answer: idle until the next request, or partway through one. A head that
   * comes in pieces keeps the deadline of its first byte (slowloris). */
  if (front->just_answered)
    atrium_connection_set_deadline (front->conn,
                                    front->in == NULL ? config->keepalive_seconds
                                                      : config->header_timeout_seconds);
  front->just_answered = FALSE;
  watch_input (front);
}

static gboolean
input_ready (GObject  *stream,
             gpointer  data)
{
  AtriumFront *front = data;
  AtriumConfig *config = atrium_server_get_config (front->server);
  g_autoptr(GError) error = NULL;
  guint8 chunk[READ_CHUNK];
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (front->input, chunk, sizeof chunk, NULL,
                                                &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      g_debug ("%s went away: %s", atrium_connection_get_ip (front->conn),
               error != NULL ? error->message : "end of file");
      g_clear_pointer (&front->source, g_source_unref);
      front_close (front);
      return G_SOURCE_REMOVE;
    }

  if (front->in == NULL)
    {
      /* a request begins: its head has header_timeout_seconds to arrive */
      front->in = g_byte_array_sized_new ((guint) n);
      atrium_connection_set_deadline (front->conn, config->header_timeout_seconds);
    }
  g_byte_array_append (front->in, chunk, (guint) n);

  front_ref (front);
  front_process (front);
  n = front->source != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
  front_unref (front);
  return (gboolean) n;
}

/* ---- API ----------------------------------------------------------------------------- */

/* Starts reading @base (a GSocketConnection, or a GTlsConnection whose handshake is done)
 * for @conn, which holds the returned reference until atrium_front_detach(). */
AtriumFront *
atrium_front_new (AtriumServer     *server,
                  AtriumConnection *conn,
                  GIOStream        *base,
                  GSocket          *socket,
                  GSocketAddress   *local,
                  gboolean          via_loopback)
{
  AtriumFront *front = g_new0 (AtriumFront, 1);

  front->ref_count = 1;
  front->server = server;
  front->conn = conn;
  front->base = g_object_ref (base);
  front->socket = g_object_ref (socket);
  front->local = g_object_ref (local);
  front->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (base));
  front->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (base));
  front->via_tls = G_IS_TLS_CONNECTION (base);
  front->via_loopback = via_loopback;
  watch_input (front);
  return front;
}

/* The connection is over: close it (without waiting on the peer, as
 * atrium-server-stream.c does) and drop the connection's reference; a worker still
 * answering finds the front desk detached. */
void
atrium_front_detach (AtriumFront *front)
{
  front->conn = NULL;
  stop_watching (front);
  if (front->via_tls && !g_socket_is_closed (front->socket) &&
      !(g_socket_condition_check (front->socket, G_IO_OUT) & G_IO_OUT))
    g_socket_shutdown (front->socket, TRUE, TRUE, NULL);
  g_io_stream_close (front->base, NULL, NULL);
  front_unref (front);
}
