/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-test"

#include "config.h"

#include "atrium-smtp-sink.h"

#include "atrium-test-sync.h"

#include <string.h>

#define MAX_COMMAND_LINE   2048
#define MAX_DATA_LINE      (1024 * 1024)
#define MAX_MESSAGE_SIZE   (32 * 1024 * 1024)
#define MAX_RECIPIENTS     100
#define READ_BUFFER_SIZE   8192

typedef enum
{
  STATE_COMMAND,
  STATE_DATA,
  STATE_AUTH,
} ConnState;

typedef struct
{
  AtriumSmtpSink    *sink;
  GSocketConnection *connection;
  GByteArray        *input;
  GString           *output;
  ConnState          state;
  gboolean           closing;
  char              *helo;
  char              *auth_user;
  char              *mail_from;
  GPtrArray         *recipients;
  GByteArray        *data;
  gboolean           too_big;
  guint8             buffer[READ_BUFFER_SIZE];
} Conn;

struct _AtriumSmtpSink
{
  /* Owned by the sink thread once it runs. */
  GMainContext   *context;
  GMainLoop      *loop;
  GThread        *thread;
  GSocketService *service;
  GCancellable   *cancellable;
  GList          *connections;
  gboolean        stopping;
  guint16         port;

  /* Shared, under the mutex. */
  GMutex          mutex;
  GCond           cond;
  gboolean        started;
  GError         *start_error;
  GPtrArray      *messages;
  guint           n_connections;
  char           *auth_user;
  char           *auth_password;
  GHashTable     *rejected;
};

/* The first CRLF in @p, or NULL (without the GNU extension that would do it). */
static const char *
find_crlf (const char *p,
           gsize       len)
{
  for (gsize i = 0; i + 1 < len; i++)
    {
      if (p[i] == '\r' && p[i + 1] == '\n')
        return p + i;
    }
  return NULL;
}

/* ---- messages ------------------------------------------------------------------------ */

void
atrium_smtp_sink_message_free (AtriumSmtpSinkMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->helo);
  g_free (message->auth_user);
  g_free (message->mail_from);
  g_strfreev (message->recipients);
  g_clear_pointer (&message->data, g_bytes_unref);
  g_free (message);
}

static AtriumSmtpSinkMessage *
message_copy (const AtriumSmtpSinkMessage *message)
{
  AtriumSmtpSinkMessage *copy = g_new0 (AtriumSmtpSinkMessage, 1);

  copy->helo = g_strdup (message->helo);
  copy->auth_user = g_strdup (message->auth_user);
  copy->mail_from = g_strdup (message->mail_from);
  copy->recipients = g_strdupv (message->recipients);
  copy->data = g_bytes_ref (message->data);
  return copy;
}

/* ---- connections (sink thread) ------------------------------------------------------- */

static void conn_read (Conn *conn);

static void
conn_reset_transaction (Conn *conn)
{
  g_clear_pointer (&conn->mail_from, g_free);
  g_ptr_array_set_size (conn->recipients, 0);
  g_clear_pointer (&conn->data, g_byte_array_unref);
  conn->too_big = FALSE;
}

static void
conn_finish (Conn *conn)
{
  AtriumSmtpSink *sink = conn->sink;

  g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  sink->connections = g_list_remove (sink->connections, conn);

  conn_reset_transaction (conn);
  g_ptr_array_unref (conn->recipients);
  g_object_unref (conn->connection);
  g_byte_array_unref (conn->input);
  g_string_free (conn->output, TRUE);
  g_free (conn->helo);
  g_free (conn->auth_user);
  g_free (conn);

  if (sink->stopping && sink->connections == NULL)
    g_main_loop_quit (sink->loop);
}

static void
reply (Conn       *conn,
       const char *format,
       ...) G_GNUC_PRINTF (2, 3);

static void
reply (Conn       *conn,
       const char *format,
       ...)
{
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (conn->output, format, args);
  va_end (args);
  g_string_append (conn->output, "\r\n");
}

/* Extracts the address of "FROM:<a@b> PARAMS" or "TO:<a@b>"; NULL when malformed. */
static char *
parse_path (const char *arg,
            const char *keyword)
{
  gsize keyword_len = strlen (keyword);
  const char *start;
  const char *end;

  if (arg == NULL || g_ascii_strncasecmp (arg, keyword, keyword_len) != 0)
    return NULL;
  start = arg + keyword_len;
  while (*start == ' ')
    start++;
  if (*start != '<')
    return NULL;
  end = strchr (start, '>');
  if (end == NULL || memchr (start + 1, '<', end - start - 1) != NULL)
    return NULL;
  if (end[1] != '\0' && end[1] != ' ')
    return NULL;
  return g_strndup (start + 1, end - start - 1);
}

static gboolean
check_plain_auth (Conn       *conn,
                  const char *response)
{
  AtriumSmtpSink *sink = conn->sink;
  g_autofree guchar *decoded = NULL;
  gsize len = 0;
  const char *authcid;
  const char *password;
  const char *nul;
  gboolean ok;

  if (*response == '\0' || strspn (response, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "abcdefghijklmnopqrstuvwxyz"
                                              "0123456789+/=") != strlen (response))
    return FALSE;
  decoded = g_base64_decode (response, &len);
  /* authzid NUL authcid NUL passwd */
  nul = memchr (decoded, '\0', len);
  if (nul == NULL)
    return FALSE;
  authcid = nul + 1;
  nul = memchr (authcid, '\0', len - (authcid - (const char *) decoded));
  if (nul == NULL)
    return FALSE;
  password = nul + 1;

  g_mutex_lock (&sink->mutex);
  ok = sink->auth_user != NULL &&
       strlen (sink->auth_user) == (gsize) (nul - authcid) &&
       memcmp (sink->auth_user, authcid, nul - authcid) == 0 &&
       strlen (sink->auth_password) == len - (password - (const char *) decoded) &&
       memcmp (sink->auth_password, password, strlen (sink->auth_password)) == 0;
  g_mutex_unlock (&sink->mutex);

  if (ok)
    {
      g_free (conn->auth_user);
      conn->auth_user = g_strndup (authcid, nul - authcid);
    }
  return ok;
}

static void
handle_auth_response (Conn       *conn,
                      const char *response)
{
  conn->state = STATE_COMMAND;
  if (strcmp (response, "*") == 0)
    reply (conn, "501 5.0.0 Authentication cancelled");
  else if (check_plain_auth (conn, response))
    reply (conn, "235 2.7.0 Authentication successful");
  else
    reply (conn, "535 5.7.8 Authentication credentials invalid");
}

static void
end_of_data (Conn *conn)
{
  AtriumSmtpSink *sink = conn->sink;
  AtriumSmtpSinkMessage *message;

  conn->state = STATE_COMMAND;
  if (conn->too_big)
    {
      reply (conn, "552 5.3.4 Message too big");
      conn_reset_transaction (conn);
      return;
    }

  message = g_new0 (AtriumSmtpSinkMessage, 1);
  message->helo = g_strdup (conn->helo);
  message->auth_user = g_strdup (conn->auth_user);
  message->mail_from = g_strdup (conn->mail_from);
  message->recipients = g_new0 (char *, conn->recipients->len + 1);
  for (guint i = 0; i < conn->recipients->len; i++)
    message->recipients[i] = g_strdup (g_ptr_array_index (conn->recipients, i));
  message->data = g_byte_array_free_to_bytes (g_steal_pointer (&conn->data));

  g_mutex_lock (&sink->mutex);
  g_ptr_array_add (sink->messages, message);
  g_cond_broadcast (&sink->cond);
  g_mutex_unlock (&sink->mutex);

  reply (conn, "250 2.0.0 OK: message %u accepted", sink->messages->len);
  conn_reset_transaction (conn);
}

static void
handle_data_line (Conn       *conn,
                  const char *line,
                  gsize       len)
{
  if (len == 1 && line[0] == '.')
    {
      end_of_data (conn);
      return;
    }

  /* RFC 5321 §4.5.2: the client doubled every leading dot. */
  if (len > 0 && line[0] == '.')
    {
      line++;
      len--;
    }
  if (conn->too_big || conn->data->len + len + 2 > MAX_MESSAGE_SIZE)
    {
      conn->too_big = TRUE;
      return;
    }
  g_byte_array_append (conn->data, (const guint8 *) line, len);
  g_byte_array_append (conn->data, (const guint8 *) "\r\n", 2);
}

static void
handle_command (Conn       *conn,
                const char *line)
{
  AtriumSmtpSink *sink = conn->sink;
  g_autofree char *verb = NULL;
  const char *arg = strchr (line, ' ');
  gboolean auth_required;

  verb = arg != NULL ? g_strndup (line, arg - line) : g_strdup (line);
  if (arg != NULL)
    {
      while (*arg == ' ')
        arg++;
      if (*arg == '\0')
        arg = NULL;
    }

  g_mutex_lock (&sink->mutex);
  auth_required = sink->auth_user != NULL;
  g_mutex_unlock (&sink->mutex);

  if (*verb == '\0')
    {
      reply (conn, "500 5.5.2 Syntax error, command unrecognized");
    }
  else if (g_ascii_strcasecmp (verb, "EHLO") == 0 || g_ascii_strcasecmp (verb, "HELO") == 0)
    {
      if (arg == NULL)
        {
          reply (conn, "501 5.5.4 %s needs a domain", verb);
          return;
        }
      conn_reset_transaction (conn);
      g_free (conn->helo);
      conn->helo = g_strdup (arg);
      if (g_ascii_strcasecmp (verb, "HELO") == 0)
        {
          reply (conn, "250 atrium-smtp-sink");
          return;
        }
      reply (conn, "250-atrium-smtp-sink greets %s", arg);
      reply (conn, "250-8BITMIME");
      if (auth_required)
        reply (conn, "250-AUTH PLAIN");
      reply (conn, "250 SIZE %d", MAX_MESSAGE_SIZE);
    }
  else if (g_ascii_strcasecmp (verb, "MAIL") == 0)
    {
      g_autofree char *path = parse_path (arg, "FROM:");

      if (conn->helo == NULL)
        reply (conn, "503 5.5.1 Send EHLO first");
      else if (auth_required && conn->auth_user == NULL)
        reply (conn, "530 5.7.0 Authentication required");
      else if (conn->mail_from != NULL)
        reply (conn, "503 5.5.1 Nested MAIL command");
      else if (path == NULL)
        reply (conn, "501 5.5.4 Syntax: MAIL FROM:<address>");
      else
        {
          conn->mail_from = g_steal_pointer (&path);
          reply (conn, "250 2.1.0 Sender OK");
        }
    }
  else if (g_ascii_strcasecmp (verb, "RCPT") == 0)
    {
      g_autofree char *path = parse_path (arg, "TO:");
      guint code = 0;

      if (conn->mail_from == NULL)
        {
          reply (conn, "503 5.5.1 Send MAIL first");
          return;
        }
      if (path == NULL || *path == '\0')
        {
          reply (conn, "501 5.5.4 Syntax: RCPT TO:<address>");
          return;
        }

      g_mutex_lock (&sink->mutex);
      code = GPOINTER_TO_UINT (g_hash_table_lookup (sink->rejected, path));
      g_mutex_unlock (&sink->mutex);

      if (code >= 500)
        reply (conn, "%u 5.1.1 Recipient rejected", code);
      else if (code >= 400)
        reply (conn, "%u 4.2.1 Recipient temporarily unavailable", code);
      else if (conn->recipients->len >= MAX_RECIPIENTS)
        reply (conn, "452 4.5.3 Too many recipients");
      else
        {
          g_ptr_array_add (conn->recipients, g_steal_pointer (&path));
          reply (conn, "250 2.1.5 Recipient OK");
        }
    }
  else if (g_ascii_strcasecmp (verb, "DATA") == 0)
    {
      if (conn->mail_from == NULL)
        reply (conn, "503 5.5.1 Send MAIL first");
      else if (conn->recipients->len == 0)
        reply (conn, "554 5.5.1 No valid recipients");
      else if (arg != NULL)
        reply (conn, "501 5.5.4 DATA takes no argument");
      else
        {
          conn->data = g_byte_array_new ();
          conn->state = STATE_DATA;
          reply (conn, "354 End data with <CR><LF>.<CR><LF>");
        }
    }
  else if (g_ascii_strcasecmp (verb, "AUTH") == 0)
    {
      g_auto(GStrv) words = arg != NULL ? g_strsplit (arg, " ", 2) : NULL;

      if (!auth_required)
        reply (conn, "502 5.5.1 AUTH not available");
      else if (conn->helo == NULL)
        reply (conn, "503 5.5.1 Send EHLO first");
      else if (conn->auth_user != NULL || conn->mail_from != NULL)
        reply (conn, "503 5.5.1 Bad sequence of commands");
      else if (words == NULL || g_ascii_strcasecmp (words[0], "PLAIN") != 0)
        reply (conn, "504 5.5.4 Only PLAIN is supported");
      else if (words[1] == NULL)
        {
          conn->state = STATE_AUTH;
          reply (conn, "334 ");
        }
      else
        handle_auth_response (conn, words[1]);
    }
  else if (g_ascii_strcasecmp (verb, "RSET") == 0)
    {
      conn_reset_transaction (conn);
      reply (conn, "250 2.0.0 OK");
    }
  else if (g_ascii_strcasecmp (verb, "NOOP") == 0)
    {
      reply (conn, "250 2.0.0 OK");
    }
  else if (g_ascii_strcasecmp (verb, "QUIT") == 0)
    {
      reply (conn, "221 2.0.0 Bye");
      conn->closing = TRUE;
    }
  else
    {
      reply (conn, "502 5.5.2 Command not implemented");
    }
}

/* Commands end with LF (a CR before it is dropped); data lines only with CRLF, so that a
 * bare LF can neither end the data nor go unnoticed in what was recorded. */
static void
conn_process (Conn *conn)
{
  while (!conn->closing)
    {
      const guint8 *data = conn->input->data;
      gsize len = conn->input->len;
      const guint8 *eol;
      gsize line_len;
      gsize consumed;

      if (conn->state == STATE_DATA)
        {
          eol = (const guint8 *) find_crlf ((const char *) data, len);
          if (eol == NULL && len > MAX_DATA_LINE)
            {
              reply (conn, "500 5.5.2 Line too long");
              conn->closing = TRUE;
            }
          if (eol == NULL)
            return;
          line_len = eol - data;
          consumed = line_len + 2;
          handle_data_line (conn, (const char *) data, line_len);
        }
      else
        {
          g_autofree char *line = NULL;

          eol = memchr (data, '\n', len);
          if (eol == NULL && len > MAX_COMMAND_LINE)
            {
              reply (conn, "500 5.5.2 Line too long");
              conn->closing = TRUE;
            }
          if (eol == NULL)
            return;
          line_len = eol - data;
          consumed = line_len + 1;
          if (line_len > 0 && data[line_len - 1] == '\r')
            line_len--;
          line = g_strndup ((const char *) data, line_len);
          if (strlen (line) != line_len)
            reply (conn, "500 5.5.2 NUL in command");
          else if (conn->state == STATE_AUTH)
            handle_auth_response (conn, line);
          else
            handle_command (conn, line);
        }
      g_byte_array_remove_range (conn->input, 0, consumed);
    }
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Conn *conn = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL) ||
      conn->closing)
    {
      conn_finish (conn);
      return;
    }
  g_string_truncate (conn->output, 0);
  conn_read (conn);
}

static void
conn_flush (Conn *conn)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));

  if (conn->output->len == 0)
    {
      if (conn->closing)
        conn_finish (conn);
      else
        conn_read (conn);
      return;
    }
  g_output_stream_write_all_async (out, conn->output->str, conn->output->len,
                                   G_PRIORITY_DEFAULT, conn->sink->cancellable,
                                   on_written, conn);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Conn *conn = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    {
      conn_finish (conn);
      return;
    }
  g_byte_array_append (conn->input, conn->buffer, n);
  conn_process (conn);
  conn_flush (conn);
}

static void
conn_read (Conn *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn->connection));

  g_input_stream_read_async (in, conn->buffer, sizeof conn->buffer, G_PRIORITY_DEFAULT,
                             conn->sink->cancellable, on_read, conn);
}

static gboolean
on_incoming (GSocketService    *service G_GNUC_UNUSED,
             GSocketConnection *connection,
             GObject           *source_object G_GNUC_UNUSED,
             gpointer           user_data)
{
  AtriumSmtpSink *sink = user_data;
  Conn *conn;

  if (sink->stopping)
    return TRUE;

  conn = g_new0 (Conn, 1);
  conn->sink = sink;
  conn->connection = g_object_ref (connection);
  conn->input = g_byte_array_new ();
  conn->output = g_string_new (NULL);
  conn->recipients = g_ptr_array_new_with_free_func (g_free);
  sink->connections = g_list_prepend (sink->connections, conn);

  g_mutex_lock (&sink->mutex);
  sink->n_connections++;
  g_mutex_unlock (&sink->mutex);

  reply (conn, "220 atrium-smtp-sink ESMTP ready");
  conn_flush (conn);
  return TRUE;
}

/* ---- the sink thread ----------------------------------------------------------------- */

static gboolean
stop_cb (gpointer user_data)
{
  AtriumSmtpSink *sink = user_data;

  sink->stopping = TRUE;
  g_socket_service_stop (sink->service);
  g_socket_listener_close (G_SOCKET_LISTENER (sink->service));
  g_cancellable_cancel (sink->cancellable);
  if (sink->connections == NULL)
    g_main_loop_quit (sink->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
sink_thread (gpointer user_data)
{
  AtriumSmtpSink *sink = user_data;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (sink->context);

  sink->service = g_socket_service_new ();
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  if (g_socket_listener_add_address (G_SOCKET_LISTENER (sink->service), address,
                                     G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                     &effective, &error))
    {
      sink->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
      g_signal_connect (sink->service, "incoming", G_CALLBACK (on_incoming), sink);
      g_socket_service_start (sink->service);
    }

  g_mutex_lock (&sink->mutex);
  sink->start_error = g_steal_pointer (&error);
  sink->started = TRUE;
  g_cond_broadcast (&sink->cond);
  g_mutex_unlock (&sink->mutex);

  if (sink->start_error == NULL)
    g_main_loop_run (sink->loop);

  g_signal_handlers_disconnect_by_data (sink->service, sink);
  g_socket_service_stop (sink->service);
  g_socket_listener_close (G_SOCKET_LISTENER (sink->service));
  g_clear_object (&sink->service);
  /* Let the cancelled accept and its clean-up run before the context goes. */
  while (g_main_context_iteration (sink->context, FALSE))
    ;

  g_main_context_pop_thread_default (sink->context);
  return NULL;
}

static void
sink_destroy (AtriumSmtpSink *sink)
{
  g_clear_pointer (&sink->messages, g_ptr_array_unref);
  g_clear_pointer (&sink->rejected, g_hash_table_unref);
  g_clear_object (&sink->cancellable);
  g_clear_pointer (&sink->loop, g_main_loop_unref);
  g_clear_pointer (&sink->context, g_main_context_unref);
  g_clear_error (&sink->start_error);
  g_free (sink->auth_user);
  g_free (sink->auth_password);
  g_mutex_clear (&sink->mutex);
  g_cond_clear (&sink->cond);
  g_free (sink);
}

/**
 * atrium_smtp_sink_new:
 * @error: return location for a #GError
 *
 * Starts a sink listening on 127.0.0.1 at an ephemeral port.
 *
 * Returns: (transfer full): the sink, or %NULL if it could not listen
 */
AtriumSmtpSink *
atrium_smtp_sink_new (GError **error)
{
  AtriumSmtpSink *sink = g_new0 (AtriumSmtpSink, 1);

  g_mutex_init (&sink->mutex);
  g_cond_init (&sink->cond);
  sink->context = g_main_context_new ();
  sink->loop = g_main_loop_new (sink->context, FALSE);
  sink->cancellable = g_cancellable_new ();
  sink->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_smtp_sink_message_free);
  sink->rejected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  sink->thread = g_thread_new ("smtp-sink", sink_thread, sink);

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
 * atrium_smtp_sink_free:
 * @sink: (nullable): a sink
 *
 * Closes every connection, stops the thread and frees everything.
 */
void
atrium_smtp_sink_free (AtriumSmtpSink *sink)
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
atrium_smtp_sink_get_port (AtriumSmtpSink *sink)
{
  return sink->port;
}

/**
 * atrium_smtp_sink_require_auth:
 * @sink: a sink
 * @user: (nullable): the user to accept, %NULL to stop requiring authentication
 * @password: the password to accept
 *
 * From the next EHLO on, advertises AUTH PLAIN and refuses MAIL (530) until the client
 * authenticated with these credentials (535 for others).
 */
void
atrium_smtp_sink_require_auth (AtriumSmtpSink *sink,
                               const char     *user,
                               const char     *password)
{
  g_mutex_lock (&sink->mutex);
  g_free (sink->auth_user);
  g_free (sink->auth_password);
  sink->auth_user = g_strdup (user);
  sink->auth_password = user != NULL ? g_strdup (password != NULL ? password : "") : NULL;
  g_mutex_unlock (&sink->mutex);
}

/**
 * atrium_smtp_sink_reject_recipient:
 * @sink: a sink
 * @address: the recipient to refuse, as given in RCPT TO
 * @code: the reply code: 4xx (temporary) or 5xx (permanent); 0 to accept it again
 */
void
atrium_smtp_sink_reject_recipient (AtriumSmtpSink *sink,
                                   const char     *address,
                                   guint           code)
{
  g_return_if_fail (code == 0 || (code >= 400 && code < 600));

  g_mutex_lock (&sink->mutex);
  if (code == 0)
    g_hash_table_remove (sink->rejected, address);
  else
    g_hash_table_insert (sink->rejected, g_strdup (address), GUINT_TO_POINTER (code));
  g_mutex_unlock (&sink->mutex);
}

/**
 * atrium_smtp_sink_wait_for:
 * @sink: a sink
 * @n_messages: how many messages in all
 * @timeout_ms: how long to wait at most
 *
 * Returns: %TRUE when the sink has received at least @n_messages in all
 */
gboolean
atrium_smtp_sink_wait_for (AtriumSmtpSink *sink,
                           guint           n_messages,
                           guint           timeout_ms)
{
  return atrium_test_wait_for_items (&sink->mutex, &sink->cond, sink->messages, n_messages,
                                     timeout_ms);
}

/**
 * atrium_smtp_sink_get_messages:
 * @sink: a sink
 *
 * Returns: (transfer full) (element-type AtriumSmtpSinkMessage): a copy of the
 *   messages received so far, oldest first
 */
GPtrArray *
atrium_smtp_sink_get_messages (AtriumSmtpSink *sink)
{
  return atrium_test_copy_items (&sink->mutex, sink->messages, (GBoxedCopyFunc) message_copy,
                                 (GDestroyNotify) atrium_smtp_sink_message_free);
}

/* How many connections the sink has accepted, e.g. to prove nothing connected. */
guint
atrium_smtp_sink_get_connection_count (AtriumSmtpSink *sink)
{
  guint n;

  g_mutex_lock (&sink->mutex);
  n = sink->n_connections;
  g_mutex_unlock (&sink->mutex);
  return n;
}

/* ---- reading messages (strict: what a sloppy mailer writes is an error) --------------- */

typedef struct
{
  char *name;
  char *value;
} Header;

static void
header_free (Header *header)
{
  g_free (header->name);
  g_free (header->value);
  g_free (header);
}

static gboolean
invalid (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError     **error,
         const char  *format,
         ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, text);
  return FALSE;
}

/* Splits an entity into its unfolded headers and its body. Header lines must be 7-bit,
 * end with CRLF, and stay within 998 octets (RFC 5322 §2.1.1, §2.2). */
static gboolean
parse_entity (const char  *data,
              gsize        len,
              GPtrArray   *headers,
              const char **body_out,
              gsize       *body_len_out,
              GError     **error)
{
  const char *p = data;
  const char *end = data + len;
  Header *current = NULL;

  while (TRUE)
    {
      const char *eol = find_crlf (p, end - p);
      gsize line_len;

      if (eol == NULL)
        return invalid (error, "the header section does not end with an empty line");
      line_len = eol - p;
      if (line_len == 0)
        break;
      if (line_len > 998)
        return invalid (error, "a header line is longer than 998 octets");
      for (gsize i = 0; i < line_len; i++)
        {
          guchar c = p[i];

          if (c == '\r' || c == '\n' || c == '\0' || c >= 0x80)
            return invalid (error, "a header line holds a bare CR, LF, NUL or 8-bit byte");
        }

      if (*p == ' ' || *p == '\t')
        {
          g_autofree char *old = NULL;
          g_autofree char *more = NULL;
          gboolean blank = TRUE;

          if (current == NULL)
            return invalid (error, "the header section starts with a continuation line");
          for (gsize i = 0; i < line_len; i++)
            blank = blank && (p[i] == ' ' || p[i] == '\t');
          if (blank)
            return invalid (error, "a folded header line holds only white space");
          old = current->value;
          more = g_strndup (p, line_len);
          current->value = g_strconcat (old, more, NULL);
        }
      else
        {
          const char *colon = memchr (p, ':', line_len);
          const char *value;

          if (colon == NULL || colon == p)
            return invalid (error, "a header line has no field name");
          for (const char *q = p; q < colon; q++)
            {
              if (*q <= ' ' || *q == 0x7f)
                return invalid (error, "a header field name holds a space or control");
            }
          value = colon + 1;
          while (value < eol && (*value == ' ' || *value == '\t'))
            value++;
          current = g_new0 (Header, 1);
          current->name = g_strndup (p, colon - p);
          current->value = g_strndup (value, eol - value);
          g_ptr_array_add (headers, current);
        }
      p = eol + 2;
    }

  for (guint i = 0; i < headers->len; i++)
    {
      Header *header = g_ptr_array_index (headers, i);

      g_strchomp (header->value);
    }
  *body_out = p + 2;
  *body_len_out = end - (p + 2);
  return TRUE;
}

static const char *
find_header (GPtrArray  *headers,
             const char *name)
{
  for (guint i = 0; i < headers->len; i++)
    {
      Header *header = g_ptr_array_index (headers, i);

      if (g_ascii_strcasecmp (header->name, name) == 0)
        return header->value;
    }
  return NULL;
}

static gboolean
is_token_char (char c)
{
  return (guchar) c > 32 && (guchar) c < 127 && strchr ("()<>@,;:\\\"/[]?=", c) == NULL;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* "type/subtype; a=b; c="d"" → lower-case media type and parameters (names in lower
 * case, quoted values unquoted, RFC 2231 "name*=UTF-8''%xx" values decoded). */
static gboolean
parse_parameters (const char  *value,
                  char       **media_type_out,
                  GHashTable  *params,
                  GError     **error)
{
  const char *p = value;
  const char *start = p;

  while (is_token_char (*p) || *p == '/')
    p++;
  if (p == start)
    return invalid (error, "\"%s\" has no type", value);
  *media_type_out = g_ascii_strdown (start, p - start);

  while (TRUE)
    {
      g_autofree char *name = NULL;
      GString *param_value;

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        return TRUE;
      if (*p++ != ';')
        return invalid (error, "\"%s\": expected ';'", value);
      while (*p == ' ' || *p == '\t')
        p++;
      start = p;
      while (is_token_char (*p) || *p == '*')
        p++;
      if (p == start || *p != '=')
        return invalid (error, "\"%s\": malformed parameter", value);
      name = g_ascii_strdown (start, p - start);
      p++;

      param_value = g_string_new (NULL);
      if (*p == '"')
        {
          for (p++; *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              if (*p == '\0')
                {
                  g_string_free (param_value, TRUE);
                  return invalid (error, "\"%s\": unterminated quoted string", value);
                }
              g_string_append_c (param_value, *p);
            }
          p++;
        }
      else
        {
          start = p;
          while (is_token_char (*p) || *p == '\'' || *p == '%')
            p++;
          if (p == start)
            {
              g_string_free (param_value, TRUE);
              return invalid (error, "\"%s\": empty parameter value", value);
            }
          g_string_append_len (param_value, start, p - start);
        }

      if (g_str_has_suffix (name, "*"))
        {
          const char *text = param_value->str;
          const char *quote;
          GString *decoded = g_string_new (NULL);

          if (g_ascii_strncasecmp (text, "UTF-8'", 6) != 0 ||
              (quote = strchr (text + 6, '\'')) == NULL)
            {
              g_string_free (decoded, TRUE);
              g_string_free (param_value, TRUE);
              return invalid (error, "\"%s\": RFC 2231 value is not UTF-8''…", value);
            }
          for (const char *q = quote + 1; *q != '\0'; q++)
            {
              if (*q == '%')
                {
                  int hi = hex_value (q[1]);
                  int lo = hi >= 0 ? hex_value (q[2]) : -1;

                  if (lo < 0)
                    {
                      g_string_free (decoded, TRUE);
                      g_string_free (param_value, TRUE);
                      return invalid (error, "\"%s\": bad percent escape", value);
                    }
                  g_string_append_c (decoded, (char) (hi * 16 + lo));
                  q += 2;
                }
              else
                {
                  g_string_append_c (decoded, *q);
                }
            }
          name[strlen (name) - 1] = '\0';
          g_string_free (param_value, TRUE);
          param_value = decoded;
          if (!g_utf8_validate (param_value->str, param_value->len, NULL))
            {
              g_string_free (param_value, TRUE);
              return invalid (error, "\"%s\": RFC 2231 value is not UTF-8", value);
            }
        }

      if (g_hash_table_contains (params, name))
        {
          g_string_free (param_value, TRUE);
          return invalid (error, "\"%s\": parameter %s given twice", value, name);
        }
      g_hash_table_insert (params, g_steal_pointer (&name), g_string_free (param_value, FALSE));
    }
}

/* Strict quoted-printable (RFC 2045 §6.7): upper-case escapes, lines of at most 76
 * characters, nothing but printable ASCII, space and tab. */
static GBytes *
decode_quoted_printable (const char  *data,
                         gsize        len,
                         GError     **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  const char *p = data;
  const char *end = data + len;

  while (p < end)
    {
      const char *eol = find_crlf (p, end - p);
      const char *line_end = eol != NULL ? eol : end;
      gboolean soft = FALSE;

      if (line_end - p > 76)
        {
          invalid (error, "a quoted-printable line is longer than 76 characters");
          return NULL;
        }
      /* Trailing white space was added in transport (§6.7 rule 3). */
      while (line_end > p && (line_end[-1] == ' ' || line_end[-1] == '\t'))
        line_end--;

      for (const char *q = p; q < line_end; q++)
        {
          guchar c = *q;

          if (c == '=')
            {
              int hi, lo;

              if (q + 1 == line_end)
                {
                  soft = TRUE;
                  break;
                }
              hi = q + 2 < line_end ? hex_value (q[1]) : -1;
              lo = hi >= 0 ? hex_value (q[2]) : -1;
              if (lo < 0)
                {
                  invalid (error, "a quoted-printable escape is malformed");
                  return NULL;
                }
              g_byte_array_append (out, (guint8[]) { hi * 16 + lo }, 1);
              q += 2;
            }
          else if (c == '\t' || (c >= 32 && c <= 126))
            {
              g_byte_array_append (out, &c, 1);
            }
          else
            {
              invalid (error, "quoted-printable text holds byte 0x%02x", c);
              return NULL;
            }
        }

      if (eol == NULL)
        break;
      if (!soft)
        g_byte_array_append (out, (const guint8 *) "\r\n", 2);
      p = eol + 2;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Strict base64: the alphabet, padding only at the end, lines of at most 76 characters. */
static GBytes *
decode_base64 (const char  *data,
               gsize        len,
               GError     **error)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  const char *p = data;
  const char *end = data + len;
  guchar *decoded;
  gsize decoded_len = 0;

  while (p < end)
    {
      const char *eol = find_crlf (p, end - p);
      const char *line_end = eol != NULL ? eol : end;

      if (line_end - p > 76)
        {
          invalid (error, "a base64 line is longer than 76 characters");
          return NULL;
        }
      g_string_append_len (joined, p, line_end - p);
      p = eol != NULL ? eol + 2 : end;
    }

  for (gsize i = 0; i < joined->len; i++)
    {
      char c = joined->str[i];

      if (c == '=')
        {
          if (joined->len - i > 2 || strspn (joined->str + i, "=") != joined->len - i)
            {
              invalid (error, "base64 padding in the middle");
              return NULL;
            }
          break;
        }
      if (!g_ascii_isalnum (c) && c != '+' && c != '/')
        {
          invalid (error, "base64 text holds '%c'", c);
          return NULL;
        }
    }
  if (joined->len % 4 != 0)
    {
      invalid (error, "base64 text is not a multiple of 4 characters");
      return NULL;
    }
  if (joined->len == 0)
    return g_bytes_new (NULL, 0);

  decoded = g_base64_decode (joined->str, &decoded_len);
  return g_bytes_new_take (decoded, decoded_len);
}

void
atrium_smtp_sink_part_free (AtriumSmtpSinkPart *part)
{
  if (part == NULL)
    return;
  g_free (part->content_type);
  g_free (part->media_type);
  g_free (part->charset);
  g_free (part->filename);
  g_free (part->transfer_encoding);
  g_clear_pointer (&part->content, g_bytes_unref);
  g_free (part);
}

static gboolean collect_parts (const char  *data,
                               gsize        len,
                               GPtrArray   *parts,
                               guint        depth,
                               GError     **error);

static gboolean
collect_multipart (const char  *body,
                   gsize        len,
                   const char  *boundary,
                   GPtrArray   *parts,
                   guint        depth,
                   GError     **error)
{
  g_autofree char *delimiter = g_strconcat ("--", boundary, NULL);
  gsize delimiter_len = strlen (delimiter);
  const char *p = body;
  const char *end = body + len;
  const char *part_start = NULL;

  while (p < end)
    {
      const char *eol = find_crlf (p, end - p);
      const char *line_end = eol != NULL ? eol : end;
      const char *next = eol != NULL ? eol + 2 : end;

      if ((gsize) (line_end - p) >= delimiter_len && memcmp (p, delimiter, delimiter_len) == 0)
        {
          const char *rest = p + delimiter_len;
          gboolean close = line_end - rest >= 2 && rest[0] == '-' && rest[1] == '-';

          if (close)
            rest += 2;
          while (rest < line_end && (*rest == ' ' || *rest == '\t'))
            rest++;
          if (rest == line_end)
            {
              if (part_start != NULL)
                {
                  /* The CRLF before the delimiter belongs to the delimiter. */
                  if (p - 2 < part_start)
                    return invalid (error, "a body part is not followed by CRLF");
                  if (!collect_parts (part_start, (p - 2) - part_start, parts, depth + 1,
                                      error))
                    return FALSE;
                }
              if (close)
                return TRUE;
              part_start = next;
            }
        }
      p = next;
    }

  return invalid (error, "the multipart body has no closing delimiter --%s--", boundary);
}

static gboolean
collect_parts (const char  *data,
               gsize        len,
               GPtrArray   *parts,
               guint        depth,
               GError     **error)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func ((GDestroyNotify) header_free);
  g_autoptr(GHashTable) params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(AtriumSmtpSinkPart) part = NULL;
  const char *content_type;
  const char *disposition;
  const char *encoding;
  const char *body;
  gsize body_len;

  if (depth > 8)
    return invalid (error, "multipart nesting is too deep");
  if (!parse_entity (data, len, headers, &body, &body_len, error))
    return FALSE;

  part = g_new0 (AtriumSmtpSinkPart, 1);
  content_type = find_header (headers, "Content-Type");
  part->content_type = g_strdup (content_type != NULL ? content_type : "text/plain");
  if (!parse_parameters (part->content_type, &part->media_type, params, error))
    return FALSE;

  if (g_str_has_prefix (part->media_type, "multipart/"))
    {
      const char *boundary = g_hash_table_lookup (params, "boundary");

      if (boundary == NULL || *boundary == '\0' || strlen (boundary) > 70)
        return invalid (error, "a multipart entity has no valid boundary");
      return collect_multipart (body, body_len, boundary, parts, depth, error);
    }

  part->charset = g_strdup (g_hash_table_lookup (params, "charset"));
  encoding = find_header (headers, "Content-Transfer-Encoding");
  part->transfer_encoding = g_ascii_strdown (encoding != NULL ? encoding : "7bit", -1);

  disposition = find_header (headers, "Content-Disposition");
  if (disposition != NULL)
    {
      g_autoptr(GHashTable) disposition_params =
        g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_autofree char *kind = NULL;

      if (!parse_parameters (disposition, &kind, disposition_params, error))
        return FALSE;
      part->filename = g_strdup (g_hash_table_lookup (disposition_params, "filename"));
    }

  if (strcmp (part->transfer_encoding, "quoted-printable") == 0)
    part->content = decode_quoted_printable (body, body_len, error);
  else if (strcmp (part->transfer_encoding, "base64") == 0)
    part->content = decode_base64 (body, body_len, error);
  else if (strcmp (part->transfer_encoding, "7bit") == 0 ||
           strcmp (part->transfer_encoding, "8bit") == 0)
    part->content = g_bytes_new (body, body_len);
  else
    return invalid (error, "unknown transfer encoding %s", part->transfer_encoding);
  if (part->content == NULL)
    return FALSE;

  g_ptr_array_add (parts, g_steal_pointer (&part));
  return TRUE;
}

/**
 * atrium_smtp_sink_message_get_parts:
 * @message: a received message
 * @error: return location for a #GError
 *
 * Parses the message strictly: every leaf part, in order (a single-part message gives
 * one), its transfer encoding undone.
 *
 * Returns: (transfer full) (element-type AtriumSmtpSinkPart): the parts, or %NULL
 */
GPtrArray *
atrium_smtp_sink_message_get_parts (const AtriumSmtpSinkMessage  *message,
                                    GError                      **error)
{
  g_autoptr(GPtrArray) parts =
    g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_smtp_sink_part_free);
  gsize len = 0;
  const char *data = g_bytes_get_data (message->data, &len);

  if (!collect_parts (data, len, parts, 0, error))
    return NULL;
  return g_steal_pointer (&parts);
}

/**
 * atrium_smtp_sink_message_dup_header:
 * @message: a received message
 * @name: a header name, any case
 * @error: return location for a #GError
 *
 * Returns: the unfolded value of the first top-level header @name, still encoded;
 *   %NULL with no error when there is none, %NULL with an error when the header
 *   section is malformed
 */
char *
atrium_smtp_sink_message_dup_header (const AtriumSmtpSinkMessage  *message,
                                     const char                   *name,
                                     GError                      **error)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func ((GDestroyNotify) header_free);
  gsize len = 0;
  const char *data = g_bytes_get_data (message->data, &len);
  const char *body;
  gsize body_len;

  if (!parse_entity (data, len, headers, &body, &body_len, error))
    return NULL;
  return g_strdup (find_header (headers, name));
}

/**
 * atrium_smtp_sink_message_dup_text:
 * @message: a received message
 * @error: return location for a #GError
 *
 * Returns: the first text/plain part, decoded, with LF line breaks; an error when the
 *   message is malformed, has no text/plain part or its charset is not UTF-8 or ASCII
 */
char *
atrium_smtp_sink_message_dup_text (const AtriumSmtpSinkMessage  *message,
                                   GError                      **error)
{
  g_autoptr(GPtrArray) parts = atrium_smtp_sink_message_get_parts (message, error);

  if (parts == NULL)
    return NULL;

  for (guint i = 0; i < parts->len; i++)
    {
      AtriumSmtpSinkPart *part = g_ptr_array_index (parts, i);
      gsize len = 0;
      const char *text;
      GString *out;

      if (strcmp (part->media_type, "text/plain") != 0 || part->filename != NULL)
        continue;
      if (part->charset != NULL && g_ascii_strcasecmp (part->charset, "UTF-8") != 0 &&
          g_ascii_strcasecmp (part->charset, "us-ascii") != 0)
        {
          invalid (error, "the text is in charset %s", part->charset);
          return NULL;
        }
      text = g_bytes_get_data (part->content, &len);
      if (len == 0)
        return g_strdup ("");
      if (!g_utf8_validate (text, len, NULL) || memchr (text, '\0', len) != NULL)
        {
          invalid (error, "the text is not valid UTF-8");
          return NULL;
        }
      out = g_string_sized_new (len);
      for (gsize j = 0; j < len; j++)
        {
          if (text[j] == '\r' && j + 1 < len && text[j + 1] == '\n')
            continue;
          g_string_append_c (out, text[j]);
        }
      return g_string_free (out, FALSE);
    }

  invalid (error, "the message has no text/plain part");
  return NULL;
}

/* One "=?charset?B|Q?text?=" at @p; advances @p past it. */
static gboolean
decode_encoded_word (const char **p,
                     GString     *out,
                     GError     **error)
{
  const char *start = *p;
  const char *charset_end;
  const char *text;
  const char *text_end;
  g_autofree char *charset = NULL;
  char encoding;

  charset_end = strchr (start + 2, '?');
  if (charset_end == NULL || charset_end[1] == '\0' || charset_end[2] != '?')
    return invalid (error, "a malformed encoded-word");
  encoding = g_ascii_toupper (charset_end[1]);
  text = charset_end + 3;
  text_end = strstr (text, "?=");
  if (text_end == NULL)
    return invalid (error, "an unterminated encoded-word");
  if (text_end + 2 - start > 75)
    return invalid (error, "an encoded-word is longer than 75 characters");

  charset = g_strndup (start + 2, charset_end - (start + 2));
  if (strchr (charset, '*') != NULL)
    *strchr (charset, '*') = '\0';
  if (g_ascii_strcasecmp (charset, "UTF-8") != 0 && g_ascii_strcasecmp (charset, "us-ascii") != 0)
    return invalid (error, "an encoded-word in charset %s", charset);

  if (encoding == 'B')
    {
      g_autoptr(GBytes) bytes = decode_base64 (text, text_end - text, error);
      gsize len = 0;
      const char *data;

      if (bytes == NULL)
        return FALSE;
      data = g_bytes_get_data (bytes, &len);
      g_string_append_len (out, data, len);
    }
  else if (encoding == 'Q')
    {
      for (const char *q = text; q < text_end; q++)
        {
          if (*q == '_')
            {
              g_string_append_c (out, ' ');
            }
          else if (*q == '=')
            {
              int hi = q + 2 < text_end ? hex_value (q[1]) : -1;
              int lo = hi >= 0 ? hex_value (q[2]) : -1;

              if (lo < 0)
                return invalid (error, "a malformed Q escape");
              g_string_append_c (out, (char) (hi * 16 + lo));
              q += 2;
            }
          else if (*q > ' ' && *q < 127 && *q != '?')
            {
              g_string_append_c (out, *q);
            }
          else
            {
              return invalid (error, "a Q encoded-word holds '%c'", *q);
            }
        }
    }
  else
    {
      return invalid (error, "an encoded-word with encoding '%c'", encoding);
    }

  *p = text_end + 2;
  return TRUE;
}

/**
 * atrium_smtp_sink_decode_header:
 * @value: an unfolded header value
 * @error: return location for a #GError
 *
 * Decodes RFC 2047 encoded-words (UTF-8 or US-ASCII, B or Q), dropping the white space
 * between adjacent ones as §6.2 says.
 *
 * Returns: the decoded UTF-8 text, or %NULL if an encoded-word is malformed
 */
char *
atrium_smtp_sink_decode_header (const char  *value,
                                GError     **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) pending_space = g_string_new (NULL);
  gboolean after_word = FALSE;
  const char *p = value;

  while (*p != '\0')
    {
      if (p[0] == '=' && p[1] == '?')
        {
          if (!after_word)
            g_string_append (out, pending_space->str);
          g_string_truncate (pending_space, 0);
          if (!decode_encoded_word (&p, out, error))
            return NULL;
          after_word = TRUE;
        }
      else if (*p == ' ' || *p == '\t')
        {
          g_string_append_c (pending_space, *p++);
        }
      else
        {
          g_string_append (out, pending_space->str);
          g_string_truncate (pending_space, 0);
          g_string_append_c (out, *p++);
          after_word = FALSE;
        }
    }
  g_string_append (out, pending_space->str);

  if (!g_utf8_validate (out->str, out->len, NULL))
    {
      invalid (error, "the decoded header is not valid UTF-8");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
