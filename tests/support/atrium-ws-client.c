/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-ws-client"

#include "config.h"

#include "atrium-ws-client.h"

#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define DEFAULT_WRITE_TIMEOUT_MS 10000
#define MAX_RESPONSE_HEAD        (16 * 1024)
#define MAX_FRAME_BYTES          (16 * 1024 * 1024)
#define READ_CHUNK               4096
#define WEBSOCKET_GUID           "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct _AtriumWsClient
{
  GIOStream             *stream;
  GPollableInputStream  *in;
  GPollableOutputStream *out;
  GMainContext          *context;   /* for the waits only */
  GByteArray            *buffer;    /* read and not yet taken as frames */
  char                  *expected_accept;   /* between the two halves of the handshake */
  guint                  write_timeout_ms;
  gboolean               auto_pong;
  gboolean               eof;
};

void
atrium_ws_frame_free (AtriumWsFrame *frame)
{
  if (frame == NULL)
    return;
  g_bytes_unref (frame->payload);
  g_free (frame);
}

char *
atrium_ws_frame_dup_text (AtriumWsFrame *frame)
{
  gsize size;
  const char *data = g_bytes_get_data (frame->payload, &size);

  return g_strndup (data != NULL ? data : "", size);
}

/**
 * atrium_ws_client_new:
 * @stream: a connected stream with pollable input and output; the client takes its own
 *   reference
 *
 * Returns: (transfer full): a client on @stream; no handshake is done
 */
AtriumWsClient *
atrium_ws_client_new (GIOStream *stream)
{
  AtriumWsClient *client;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream)),
                        NULL);
  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream)),
                        NULL);

  /* Frames go out as they are sent, not when an ACK comes back. */
  if (G_IS_TCP_CONNECTION (stream))
    g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)),
                         IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  client = g_new0 (AtriumWsClient, 1);
  client->stream = g_object_ref (stream);
  client->in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  client->out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  client->context = g_main_context_new ();
  client->buffer = g_byte_array_new ();
  client->write_timeout_ms = DEFAULT_WRITE_TIMEOUT_MS;
  return client;
}

/* A client on a connected socket, e.g. one end of socketpair(2). */
AtriumWsClient *
atrium_ws_client_new_for_socket (GSocket *socket)
{
  g_autoptr(GSocketConnection) connection = NULL;

  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);

  connection = g_socket_connection_factory_create_connection (socket);
  return atrium_ws_client_new (G_IO_STREAM (connection));
}

/* A TCP connection to @host:@port, without the HTTP upgrade. */
AtriumWsClient *
atrium_ws_client_connect (const char  *host,
                          guint16      port,
                          guint        timeout_ms,
                          GError     **error)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (socket_client, (timeout_ms + 999) / 1000);
  connection = g_socket_client_connect_to_host (socket_client, host, port, NULL, error);
  if (connection == NULL)
    return NULL;
  return atrium_ws_client_new (G_IO_STREAM (connection));
}

void
atrium_ws_client_free (AtriumWsClient *client)
{
  if (client == NULL)
    return;
  g_io_stream_close (client->stream, NULL, NULL);
  g_object_unref (client->stream);
  g_byte_array_unref (client->buffer);
  g_free (client->expected_accept);
  g_main_context_unref (client->context);
  g_free (client);
}

GIOStream *
atrium_ws_client_get_stream (AtriumWsClient *client)
{
  return client->stream;
}

/* Whether atrium_ws_client_receive_text() answers pings with pongs (off by default:
 * a test decides what the server sees). */
void
atrium_ws_client_set_auto_pong (AtriumWsClient *client,
                                gboolean        auto_pong)
{
  client->auto_pong = auto_pong;
}

/* How long a send may wait for the stream to take its bytes; 10 s by default. */
void
atrium_ws_client_set_write_timeout (AtriumWsClient *client,
                                    guint           timeout_ms)
{
  client->write_timeout_ms = timeout_ms;
}

/* ---- waiting, reading, writing --------------------------------------------------------- */

static gboolean
flag_ready (GObject  *stream,
            gpointer  data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gint64
deadline_in (guint timeout_ms)
{
  return g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
}

/* Waits until the stream is readable (or writable), or the deadline passes. */
static gboolean
client_wait (AtriumWsClient  *client,
             gboolean         for_output,
             gint64           deadline,
             GError         **error)
{
  gint64 left = deadline - g_get_monotonic_time ();
  gboolean ready = FALSE;
  gboolean timed_out = FALSE;
  GSource *source;
  GSource *timer;

  if (left <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
      return FALSE;
    }

  if (for_output)
    source = g_pollable_output_stream_create_source (client->out, NULL);
  else
    source = g_pollable_input_stream_create_source (client->in, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (flag_ready), &ready, NULL);
  g_source_attach (source, client->context);
  timer = g_timeout_source_new ((guint) ((left + 999) / 1000));
  g_source_set_callback (timer, flag_timeout, &timed_out, NULL);
  g_source_attach (timer, client->context);

  while (!ready && !timed_out)
    g_main_context_iteration (client->context, TRUE);

  g_source_destroy (source);
  g_source_unref (source);
  g_source_destroy (timer);
  g_source_unref (timer);

  if (!ready)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
      return FALSE;
    }
  return TRUE;
}

/* Reads what is there without blocking: > 0 bytes added, 0 at end of stream, -1 on
 * error (WOULD_BLOCK included). */
static gssize
client_fill (AtriumWsClient  *client,
             GError         **error)
{
  guint8 chunk[READ_CHUNK];
  gssize n = g_pollable_input_stream_read_nonblocking (client->in, chunk, sizeof chunk, NULL,
                                                       error);

  if (n > 0)
    g_byte_array_append (client->buffer, chunk, (guint) n);
  else if (n == 0)
    client->eof = TRUE;
  return n;
}

static gboolean
client_write_all (AtriumWsClient  *client,
                  const guint8    *data,
                  gsize            len,
                  GError         **error)
{
  gint64 deadline = deadline_in (client->write_timeout_ms);

  while (len > 0)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_pollable_output_stream_write_nonblocking (client->out, data, len, NULL,
                                                             &local_error);

      if (n > 0)
        {
          data += n;
          len -= (gsize) n;
          continue;
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!client_wait (client, TRUE, deadline, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- the handshake ------------------------------------------------------------------ */

static char *
accept_for_key (const char *key)
{
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) WEBSOCKET_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}

static gboolean
has_token (const char *list,
           const char *token)
{
  g_auto(GStrv) items = g_strsplit (list, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (g_strstrip (items[i]), token) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The response head up to the blank line; what follows stays in the buffer. */
static char *
client_read_head (AtriumWsClient  *client,
                  gint64           deadline,
                  GError         **error)
{
  for (;;)
    {
      const guint8 *end = NULL;
      g_autoptr(GError) local_error = NULL;

      if (client->buffer->len >= 4)
        end = memmem (client->buffer->data, client->buffer->len, "\r\n\r\n", 4);

      if (end != NULL)
        {
          gsize head_len = (gsize) (end - client->buffer->data);
          char *head = g_strndup ((const char *) client->buffer->data, head_len);

          g_byte_array_remove_range (client->buffer, 0, (guint) (head_len + 4));
          return head;
        }
      if (client->buffer->len > MAX_RESPONSE_HEAD)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "the response head is too long");
          return NULL;
        }
      if (client->eof)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               "the server closed the connection before answering");
          return NULL;
        }
      if (client_fill (client, &local_error) >= 0)
        continue;
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!client_wait (client, FALSE, deadline, error))
        return NULL;
    }
}

/**
 * atrium_ws_client_start_handshake:
 * @client: a client on a fresh connection
 * @host: the Host header, e.g. "127.0.0.1:8443"
 * @path: the request target, e.g. "/api/v1/live"
 * @authorization: (nullable): the whole Authorization value, e.g. "Bearer abc"
 * @error: return location for a #GError
 *
 * Sends the HTTP/1.1 upgrade request. Frames sent before
 * atrium_ws_client_finish_handshake() reach the server right behind the request, as
 * from a client that does not wait for the 101.
 */
gboolean
atrium_ws_client_start_handshake (AtriumWsClient  *client,
                                  const char      *host,
                                  const char      *path,
                                  const char      *authorization,
                                  GError         **error)
{
  g_autoptr(GString) request = g_string_new (NULL);
  g_autofree char *key = NULL;
  guint8 nonce[16];

  for (guint i = 0; i < sizeof nonce; i++)
    nonce[i] = (guint8) g_random_int_range (0, 256);
  key = g_base64_encode (nonce, sizeof nonce);
  g_free (client->expected_accept);
  client->expected_accept = accept_for_key (key);

  g_string_append_printf (request,
                          "GET %s HTTP/1.1\r\n"
                          "Host: %s\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Key: %s\r\n"
                          "Sec-WebSocket-Version: 13\r\n",
                          path, host, key);
  if (authorization != NULL)
    g_string_append_printf (request, "Authorization: %s\r\n", authorization);
  g_string_append (request, "\r\n");
  return client_write_all (client, (const guint8 *) request->str, request->len, error);
}

/**
 * atrium_ws_client_finish_handshake:
 * @client: a client after atrium_ws_client_start_handshake()
 * @timeout_ms: how long to wait for the answer
 * @status_out: (out) (optional): the HTTP status of the answer, 0 when there was none
 * @error: return location for a #GError
 *
 * Reads the answer's head. Only a 101 with the right Upgrade, Connection and
 * Sec-WebSocket-Accept headers succeeds; for any other status the error says which,
 * and *@status_out holds it (the body is not read).
 *
 * Returns: %TRUE when the connection now speaks WebSocket
 */
gboolean
atrium_ws_client_finish_handshake (AtriumWsClient  *client,
                                   guint            timeout_ms,
                                   guint           *status_out,
                                   GError         **error)
{
  gint64 deadline = deadline_in (timeout_ms);
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean upgrade = FALSE, connection = FALSE, accepted = FALSE;
  guint status = 0;

  g_return_val_if_fail (client->expected_accept != NULL, FALSE);

  if (status_out != NULL)
    *status_out = 0;

  head = client_read_head (client, deadline, error);
  if (head == NULL)
    return FALSE;

  lines = g_strsplit (head, "\r\n", -1);
  if (sscanf (lines[0], "HTTP/1.1 %u", &status) != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not an HTTP/1.1 answer: %s",
                   lines[0]);
      return FALSE;
    }
  if (status_out != NULL)
    *status_out = status;
  if (status != 101)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the server answered %s", lines[0]);
      return FALSE;
    }

  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');
      const char *value;

      if (colon == NULL)
        continue;
      *colon = '\0';
      value = g_strstrip (colon + 1);
      if (g_ascii_strcasecmp (lines[i], "Upgrade") == 0)
        upgrade = g_ascii_strcasecmp (value, "websocket") == 0;
      else if (g_ascii_strcasecmp (lines[i], "Connection") == 0)
        connection = has_token (value, "upgrade");
      else if (g_ascii_strcasecmp (lines[i], "Sec-WebSocket-Accept") == 0)
        accepted = g_str_equal (value, client->expected_accept);
    }
  g_clear_pointer (&client->expected_accept, g_free);
  if (!upgrade || !connection || !accepted)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "bad 101 answer (upgrade %d, connection %d, accept %d)",
                   upgrade, connection, accepted);
      return FALSE;
    }
  return TRUE;
}

/**
 * atrium_ws_client_handshake:
 * @client: a client on a fresh connection
 * @host: the Host header
 * @path: the request target
 * @authorization: (nullable): the whole Authorization value
 * @timeout_ms: for the answer
 * @status_out: (out) (optional): the HTTP status of the answer
 * @error: return location for a #GError
 *
 * atrium_ws_client_start_handshake() then atrium_ws_client_finish_handshake().
 *
 * Returns: %TRUE when the connection now speaks WebSocket
 */
gboolean
atrium_ws_client_handshake (AtriumWsClient  *client,
                            const char      *host,
                            const char      *path,
                            const char      *authorization,
                            guint            timeout_ms,
                            guint           *status_out,
                            GError         **error)
{
  if (status_out != NULL)
    *status_out = 0;
  if (!atrium_ws_client_start_handshake (client, host, path, authorization, error))
    return FALSE;
  return atrium_ws_client_finish_handshake (client, timeout_ms, status_out, error);
}

/* ---- frames --------------------------------------------------------------------------- */

/**
 * atrium_ws_client_send_frame:
 * @client: a client
 * @opcode: any 4-bit value, valid or not
 * @fin: the FIN bit
 * @masked: whether to mask (a client must; a test may not)
 * @data: (array length=len): the payload
 * @len: its length; lengths of 126 and more use the extended forms
 * @error: return location for a #GError
 *
 * Sends one frame, waiting up to the write timeout for the stream to take it.
 */
gboolean
atrium_ws_client_send_frame (AtriumWsClient  *client,
                             AtriumWsOpcode   opcode,
                             gboolean         fin,
                             gboolean         masked,
                             const void      *data,
                             gsize            len,
                             GError         **error)
{
  g_autofree guint8 *frame = g_malloc (14 + len);
  const guint8 *payload = data;
  gsize at = 2;
  guint8 mask[4];

  frame[0] = (guint8) ((fin ? 0x80 : 0) | (opcode & 0x0f));
  frame[1] = masked ? 0x80 : 0;
  if (len < 126)
    {
      frame[1] |= (guint8) len;
    }
  else if (len <= G_MAXUINT16)
    {
      frame[1] |= 126;
      frame[2] = (guint8) (len >> 8);
      frame[3] = (guint8) len;
      at = 4;
    }
  else
    {
      frame[1] |= 127;
      for (guint i = 0; i < 8; i++)
        frame[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
      at = 10;
    }
  if (masked)
    {
      guint32 random = g_random_int ();

      memcpy (mask, &random, sizeof mask);
      memcpy (frame + at, mask, sizeof mask);
      at += 4;
    }
  for (gsize i = 0; i < len; i++)
    frame[at + i] = masked ? payload[i] ^ mask[i & 3] : payload[i];

  return client_write_all (client, frame, at + len, error);
}

/* One masked text frame. */
gboolean
atrium_ws_client_send_text (AtriumWsClient  *client,
                            const char      *text,
                            GError         **error)
{
  return atrium_ws_client_send_frame (client, ATRIUM_WS_OPCODE_TEXT, TRUE, TRUE, text,
                                      strlen (text), error);
}

/* A masked close frame; @code ATRIUM_WS_CLOSE_NO_STATUS sends one without a code. */
gboolean
atrium_ws_client_send_close (AtriumWsClient  *client,
                             guint            code,
                             GError         **error)
{
  guint8 payload[2] = { (guint8) (code >> 8), (guint8) code };

  return atrium_ws_client_send_frame (client, ATRIUM_WS_OPCODE_CLOSE, TRUE, TRUE, payload,
                                      code == ATRIUM_WS_CLOSE_NO_STATUS ? 0 : 2, error);
}

/* Bytes as they are: half frames, garbage. */
gboolean
atrium_ws_client_send_raw (AtriumWsClient  *client,
                           const void      *data,
                           gsize            len,
                           GError         **error)
{
  return client_write_all (client, data, len, error);
}

/* A whole frame from the front of the buffer; NULL when it is not all there yet, or
 * (with @error set) when it cannot be one. */
static AtriumWsFrame *
client_take_frame (AtriumWsClient  *client,
                   GError         **error)
{
  const guint8 *b = client->buffer->data;
  gsize avail = client->buffer->len;
  gsize header = 2;
  guint64 len;
  AtriumWsFrame *frame;
  guint8 *payload;

  if (avail < 2)
    return NULL;
  len = b[1] & 0x7f;
  if (len == 126)
    header += 2;
  else if (len == 127)
    header += 8;
  if (b[1] & 0x80)
    header += 4;
  if (avail < header)
    return NULL;

  if (len == 126)
    {
      len = ((guint) b[2] << 8) | b[3];
    }
  else if (len == 127)
    {
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = (len << 8) | b[2 + i];
    }
  if (len > MAX_FRAME_BYTES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "a frame of %" G_GUINT64_FORMAT " bytes", len);
      return NULL;
    }
  if (avail - header < len)
    return NULL;

  frame = g_new0 (AtriumWsFrame, 1);
  frame->opcode = b[0] & 0x0f;
  frame->fin = (b[0] & 0x80) != 0;
  frame->masked = (b[1] & 0x80) != 0;
  payload = g_malloc (len + 1);
  for (gsize i = 0; i < len; i++)
    payload[i] = frame->masked ? b[header + i] ^ b[header - 4 + (i & 3)] : b[header + i];
  payload[len] = '\0';
  frame->payload = g_bytes_new_take (payload, len);
  if (frame->opcode == ATRIUM_WS_OPCODE_CLOSE)
    frame->close_code = len >= 2 ? ((guint) payload[0] << 8) | payload[1]
                                 : ATRIUM_WS_CLOSE_NO_STATUS;

  g_byte_array_remove_range (client->buffer, 0, (guint) (header + len));
  return frame;
}

/**
 * atrium_ws_client_receive:
 * @client: a client
 * @timeout_ms: how long to wait for a whole frame
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the next frame, whatever its opcode; %NULL on
 *   timeout (TIMED_OUT), end of stream (CONNECTION_CLOSED) or error
 */
AtriumWsFrame *
atrium_ws_client_receive (AtriumWsClient  *client,
                          guint            timeout_ms,
                          GError         **error)
{
  gint64 deadline = deadline_in (timeout_ms);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      AtriumWsFrame *frame = client_take_frame (client, &local_error);

      if (frame != NULL)
        return frame;
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (client->eof)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               "end of stream");
          return NULL;
        }
      if (client_fill (client, &local_error) >= 0)
        continue;
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!client_wait (client, FALSE, deadline, error))
        return NULL;
    }
}

/**
 * atrium_ws_client_try_receive:
 * @client: a client
 * @error: return location for a #GError
 *
 * Like atrium_ws_client_receive() without waiting: WOULD_BLOCK when no whole frame is
 * there yet. For many clients in one loop: call it until WOULD_BLOCK, then wait on
 * atrium_ws_client_create_source().
 *
 * Returns: (transfer full) (nullable): the next frame
 */
AtriumWsFrame *
atrium_ws_client_try_receive (AtriumWsClient  *client,
                              GError         **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      AtriumWsFrame *frame = client_take_frame (client, &local_error);

      if (frame != NULL)
        return frame;
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (client->eof)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               "end of stream");
          return NULL;
        }
      if (client_fill (client, error) < 0)
        return NULL;
    }
}

/**
 * atrium_ws_client_receive_text:
 * @client: a client
 * @timeout_ms: how long to wait in all
 * @error: return location for a #GError
 *
 * The next text message. Pings are answered when auto-pong is on and skipped either
 * way, as are pongs; a close or any other frame is an error (FAILED) that names it.
 *
 * Returns: (transfer full) (nullable): the message
 */
char *
atrium_ws_client_receive_text (AtriumWsClient  *client,
                               guint            timeout_ms,
                               GError         **error)
{
  gint64 deadline = deadline_in (timeout_ms);

  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      g_autoptr(AtriumWsFrame) frame = NULL;

      frame = atrium_ws_client_receive (client, left > 0 ? (guint) (left / 1000) : 0, error);
      if (frame == NULL)
        return NULL;

      switch (frame->opcode)
        {
        case ATRIUM_WS_OPCODE_PING:
          if (client->auto_pong)
            {
              gsize size;
              const void *data = g_bytes_get_data (frame->payload, &size);

              if (!atrium_ws_client_send_frame (client, ATRIUM_WS_OPCODE_PONG, TRUE, TRUE,
                                                data, size, error))
                return NULL;
            }
          continue;

        case ATRIUM_WS_OPCODE_PONG:
          continue;

        case ATRIUM_WS_OPCODE_TEXT:
          if (frame->fin && !frame->masked)
            return atrium_ws_frame_dup_text (frame);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "a text frame with fin %d, masked %d", frame->fin, frame->masked);
          return NULL;

        case ATRIUM_WS_OPCODE_CLOSE:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "closed by the server with %u",
                       frame->close_code);
          return NULL;

        case ATRIUM_WS_OPCODE_CONTINUATION:
        case ATRIUM_WS_OPCODE_BINARY:
        default:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "a frame with opcode %u",
                       (guint) frame->opcode);
          return NULL;
        }
    }
}

/**
 * atrium_ws_client_wait_closed:
 * @client: a client
 * @timeout_ms: how long to wait
 * @error: return location for a #GError
 *
 * Reads and drops frames until the server ends the stream (or resets it).
 *
 * Returns: %TRUE at end of stream within @timeout_ms
 */
gboolean
atrium_ws_client_wait_closed (AtriumWsClient  *client,
                              guint            timeout_ms,
                              GError         **error)
{
  gint64 deadline = deadline_in (timeout_ms);

  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      g_autoptr(GError) local_error = NULL;
      g_autoptr(AtriumWsFrame) frame = NULL;

      frame = atrium_ws_client_receive (client, left > 0 ? (guint) (left / 1000) : 0,
                                        &local_error);
      if (frame != NULL)
        continue;
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
          g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
}

/* Ready when the stream has bytes to read. Frames already read may be waiting in the
 * client: take them with atrium_ws_client_try_receive() before waiting. */
GSource *
atrium_ws_client_create_source (AtriumWsClient *client)
{
  return g_pollable_input_stream_create_source (client->in, NULL);
}
