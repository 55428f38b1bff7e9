/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-download.h"

#include <string.h>

#include "atrium-server-private.h"

/* Chunks handed to the HTTP thread and not yet written to the socket. */
#define MAX_PENDING 2

struct _AtriumDownload
{
  AtriumServer      *server;
  char              *request_id;
  char              *what;           /* "GET /api/v1/…", for the error log */
  char              *content_type;
  AtriumDownloadFunc func;
  gpointer           data;
  GDestroyNotify     free_data;
  GCancellable      *cancellable;
  GThread           *thread;

  GMutex             lock;
  GCond              cond;
  guint              pending;        /* under lock */
  gboolean           gone;           /* under lock: stop producing */

  /* the producer's thread, read on the HTTP thread once it is done */
  gboolean           began;
  guint              fail_status;
  char              *fail_code;
  char              *fail_message;

  /* HTTP thread only */
  SoupServerMessage *msg;
  gboolean           msg_done;       /* finished, or its connection taken away */
  gboolean           thread_done;
};

typedef enum
{
  OP_BEGIN,
  OP_CHUNK,
  OP_DONE,
} OpKind;

/* What the producer asks of the HTTP thread. */
typedef struct
{
  AtriumDownload *download;   /* a reference */
  OpKind          kind;
  goffset         length;
  GBytes         *bytes;
  gboolean        ok;
  GError         *error;
} Op;

static void
download_free (gpointer data)
{
  AtriumDownload *download = data;

  if (download->free_data != NULL)
    download->free_data (download->data);
  g_free (download->request_id);
  g_free (download->what);
  g_free (download->content_type);
  g_clear_object (&download->cancellable);
  g_mutex_clear (&download->lock);
  g_cond_clear (&download->cond);
  g_free (download->fail_code);
  g_free (download->fail_message);
}

static AtriumDownload *
download_ref (AtriumDownload *download)
{
  return g_atomic_rc_box_acquire (download);
}

static void
download_unref (AtriumDownload *download)
{
  g_atomic_rc_box_release_full (download, download_free);
}

/* Stops the producer at its next write. Any thread. */
static void
download_stop (AtriumDownload *download)
{
  g_mutex_lock (&download->lock);
  download->gone = TRUE;
  g_cond_broadcast (&download->cond);
  g_mutex_unlock (&download->lock);
  g_cancellable_cancel (download->cancellable);
}

/* ---- the HTTP thread ------------------------------------------------------------------- */

static void
on_wrote_chunk (SoupServerMessage *msg,
                gpointer           user_data)
{
  AtriumDownload *download = user_data;

  g_mutex_lock (&download->lock);
  if (download->pending > 0)
    download->pending--;
  g_cond_broadcast (&download->cond);
  g_mutex_unlock (&download->lock);
}

/* Both ends are done: the producer has returned and the message is over. */
static void
maybe_release (AtriumDownload *download)
{
  AtriumServer *self = download->server;

  if (!download->thread_done || !download->msg_done)
    return;
  g_signal_handlers_disconnect_by_data (download->msg, download);
  g_clear_object (&download->msg);
  g_atomic_int_add (&self->downloads_reserved, -1);
  g_atomic_int_dec_and_test (&self->in_flight);
  if (g_ptr_array_remove (self->downloads, download))
    download_unref (download);
}

static void
on_finished (SoupServerMessage *msg,
             gpointer           user_data)
{
  AtriumDownload *download = user_data;

  download->msg_done = TRUE;
  download_stop (download);
  maybe_release (download);
}

/* Headers are out: there is no other way to tell the client the body is incomplete. */
static void
cut_connection (AtriumDownload *download)
{
  g_autoptr(GIOStream) stream = NULL;

  atrium_server_release_connection (download->server, download->msg);
  stream = soup_server_message_steal_connection (download->msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
  download->msg_done = TRUE;
}

static void
answer_error (AtriumDownload *download,
              const GError   *error)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (download->msg);
  guint status = download->fail_status != 0 ? download->fail_status
                                            : SOUP_STATUS_INTERNAL_SERVER_ERROR;
  char *body;

  if (status >= 500)
    atrium_server_log_error (download->server, download->request_id, "%s: %s", download->what,
                             download->fail_message != NULL ? download->fail_message
                             : error != NULL ? error->message : "the download failed");
  body = status >= 500 || download->fail_message == NULL
    ? atrium_error_body ("internal", "The server could not answer this request",
                         download->request_id)
    : atrium_error_body (download->fail_code, download->fail_message, download->request_id);
  soup_message_headers_remove (headers, "Content-Disposition");
  soup_server_message_set_status (download->msg, status, NULL);
  soup_server_message_set_response (download->msg, "application/json", SOUP_MEMORY_TAKE,
                                    body, strlen (body));
  soup_server_message_unpause (download->msg);
}

static void
finish (AtriumDownload *download,
        gboolean        ok,
        const GError   *error)
{
  download->thread_done = TRUE;
  if (download->thread != NULL)
    g_thread_join (g_steal_pointer (&download->thread));
  if (!download->msg_done)
    {
      if (ok && !download->began)
        {
          soup_message_headers_set_content_length (
            soup_server_message_get_response_headers (download->msg), 0);
          soup_server_message_unpause (download->msg);
        }
      else if (ok)
        {
          soup_message_body_complete (soup_server_message_get_response_body (download->msg));
          soup_server_message_unpause (download->msg);
        }
      else if (!download->began)
        answer_error (download, error);
      else
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            atrium_server_log_error (download->server, download->request_id,
                                     "%s: cut short: %s", download->what,
                                     error != NULL ? error->message : "failed");
          cut_connection (download);
        }
    }
  maybe_release (download);
}

static gboolean
run_op (gpointer data)
{
  Op *op = data;
  AtriumDownload *download = op->download;

  switch (op->kind)
    {
    case OP_BEGIN:
      if (!download->msg_done)
        {
          SoupMessageHeaders *headers = soup_server_message_get_response_headers (download->msg);

          if (op->length >= 0)
            soup_message_headers_set_content_length (headers, op->length);
          else
            soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
          soup_server_message_unpause (download->msg);
        }
      break;
    case OP_CHUNK:
      if (!download->msg_done)
        {
          soup_message_body_append_bytes (soup_server_message_get_response_body (download->msg),
                                          op->bytes);
          soup_server_message_unpause (download->msg);
        }
      break;
    case OP_DONE:
    default:
      finish (download, op->ok, op->error);
      break;
    }
  g_clear_pointer (&op->bytes, g_bytes_unref);
  g_clear_error (&op->error);
  download_unref (op->download);
  g_free (op);
  return G_SOURCE_REMOVE;
}

static void
send_op (AtriumDownload *download,
         Op             *op)
{
  op->download = download_ref (download);
  g_main_context_invoke (download->server->context, run_op, op);
}

/* ---- the producer's thread -------------------------------------------------------------- */

static gpointer
producer (gpointer data)
{
  AtriumDownload *download = data;
  Op *done = g_new0 (Op, 1);

  done->kind = OP_DONE;
  done->ok = download->func (download, download->data, &done->error);
  if (!done->ok && done->error == NULL)
    g_set_error (&done->error, G_IO_ERROR, G_IO_ERROR_FAILED, "the download failed");
  send_op (download, done);
  download_unref (download);
  return NULL;
}

gboolean
atrium_download_begin (AtriumDownload  *download,
                       goffset          length,
                       GError         **error)
{
  Op *op;

  if (g_cancellable_set_error_if_cancelled (download->cancellable, error))
    return FALSE;
  op = g_new0 (Op, 1);
  op->kind = OP_BEGIN;
  op->length = length;
  download->began = TRUE;
  send_op (download, op);
  return TRUE;
}

gboolean
atrium_download_write (AtriumDownload  *download,
                       const guint8    *data,
                       gsize            length,
                       GError         **error)
{
  Op *op;

  g_return_val_if_fail (download->began, FALSE);
  g_mutex_lock (&download->lock);
  while (download->pending >= MAX_PENDING && !download->gone)
    g_cond_wait (&download->cond, &download->lock);
  if (download->gone)
    {
      g_mutex_unlock (&download->lock);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   "the client left or the server is stopping");
      return FALSE;
    }
  download->pending++;
  g_mutex_unlock (&download->lock);

  op = g_new0 (Op, 1);
  op->kind = OP_CHUNK;
  op->bytes = g_bytes_new (data, length);
  send_op (download, op);
  return TRUE;
}

void
atrium_download_fail (AtriumDownload *download,
                      guint           status,
                      const char     *code,
                      const char     *message)
{
  g_return_if_fail (!download->began);
  download->fail_status = status;
  g_free (download->fail_code);
  download->fail_code = g_strdup (code);
  g_free (download->fail_message);
  download->fail_message = g_strdup (message);
}

GCancellable *
atrium_download_get_cancellable (AtriumDownload *download)
{
  return download->cancellable;
}

AtriumServer *
atrium_download_get_server (AtriumDownload *download)
{
  return download->server;
}

const char *
atrium_download_get_request_id (AtriumDownload *download)
{
  return download->request_id;
}

/* ---- the handler and the router ------------------------------------------------------------ */

gboolean
atrium_request_reply_download (AtriumRequest      *request,
                               const char         *content_type,
                               AtriumDownloadFunc  func,
                               gpointer            data,
                               GDestroyNotify      free_data)
{
  AtriumServer *self = request->server;

  if (g_atomic_int_add (&self->downloads_reserved, 1) >= ATRIUM_DOWNLOADS_MAX)
    {
      g_atomic_int_add (&self->downloads_reserved, -1);
      if (free_data != NULL)
        free_data (data);
      atrium_request_add_header (request, "Retry-After", "30");
      atrium_request_reply_error (request, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy",
                                  "Too many downloads are under way; try again shortly");
      return FALSE;
    }
  atrium_request_reply_bytes (request, SOUP_STATUS_OK, content_type, NULL);
  request->download_func = func;
  request->download_data = data;
  request->download_free = free_data;
  return TRUE;
}

/* From finish_job, on the HTTP thread: the status and headers are set and the message is
 * paused; it stays paused until the producer begins. The download takes over the
 * request's reservation and counts as a request in flight until it ends. */
void
atrium_download_start (AtriumServer      *self,
                       SoupServerMessage *msg,
                       AtriumRequest     *request)
{
  AtriumDownload *download = g_atomic_rc_box_new0 (AtriumDownload);
  g_autoptr(GError) error = NULL;

  download->server = self;
  download->request_id = g_strdup (request->request_id);
  download->what = g_strdup_printf ("%s %s", request->method, request->path);
  download->content_type = g_strdup (request->content_type);
  download->func = g_steal_pointer (&request->download_func);
  download->data = g_steal_pointer (&request->download_data);
  download->free_data = g_steal_pointer (&request->download_free);
  download->cancellable = g_cancellable_new ();
  g_mutex_init (&download->lock);
  g_cond_init (&download->cond);
  download->msg = g_object_ref (msg);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Content-Type", download->content_type);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk), download);
  g_signal_connect (msg, "finished", G_CALLBACK (on_finished), download);
  g_ptr_array_add (self->downloads, download);
  g_atomic_int_inc (&self->in_flight);

  if (self->draining || self->downloads_closed)
    {
      atrium_download_fail (download, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                            "The server is shutting down; try again in a moment");
      finish (download, FALSE, NULL);
      return;
    }
  download->thread = g_thread_try_new ("atrium-download", producer, download_ref (download),
                                       &error);
  if (download->thread == NULL)
    {
      download_unref (download);
      finish (download, FALSE, error);
    }
}

/* The server stops: every producer ends at its next write, and its connection with it. */
void
atrium_downloads_cancel_all (AtriumServer *self)
{
  self->downloads_closed = TRUE;
  for (guint i = 0; i < self->downloads->len; i++)
    download_stop (self->downloads->pdata[i]);
}
