/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-transfer.h"

#include <string.h>
#include <json-glib/json-glib.h>

#define CHUNK 65536
/* A refusal's body is a small JSON document; more is not read. */
#define ERROR_BODY_MAX 65536

typedef struct
{
  SoupMessage            *msg;
  GInputStream           *input;
  GOutputStream          *output;
  GFile                  *file;       /* the destination, or NULL for a stream */
  GFile                  *tmp;        /* written, then renamed onto @file */
  GBytes                 *chunk;      /* being written */
  GByteArray             *refusal;    /* the body of a 4xx/5xx */
  char                   *pinned;
  char                   *path;
  AtriumTransferProgress  progress;
  gpointer                progress_data;
  goffset                 received;
  goffset                 total;
} Transfer;

static void
transfer_free (Transfer *t)
{
  g_clear_object (&t->msg);
  g_clear_object (&t->input);
  g_clear_object (&t->output);
  g_clear_object (&t->file);
  g_clear_object (&t->tmp);
  g_clear_pointer (&t->chunk, g_bytes_unref);
  g_clear_pointer (&t->refusal, g_byte_array_unref);
  g_free (t->pinned);
  g_free (t->path);
  g_free (t);
}

/* Nothing half-written stays: the temporary file goes. */
static void
fail (GTask  *task,
      GError *error)
{
  Transfer *t = g_task_get_task_data (task);

  if (t->output != NULL && !g_output_stream_is_closed (t->output))
    g_output_stream_close (t->output, NULL, NULL);
  if (t->tmp != NULL)
    g_file_delete (t->tmp, NULL, NULL);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static AtriumApiError
error_code (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return ATRIUM_API_ERROR_UNAUTHORISED;
    case SOUP_STATUS_FORBIDDEN:
      return ATRIUM_API_ERROR_FORBIDDEN;
    case SOUP_STATUS_NOT_FOUND:
      return ATRIUM_API_ERROR_NOT_FOUND;
    case 429:
      return ATRIUM_API_ERROR_RATE_LIMITED;
    default:
      return status >= 500 ? ATRIUM_API_ERROR_SERVER : ATRIUM_API_ERROR_INVALID;
    }
}

/* The server's {"error", "message"} as an API error. */
static void
refused (GTask *task)
{
  Transfer *t = g_task_get_task_data (task);
  guint status = soup_message_get_status (t->msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *message = NULL;
  const char *code = NULL;
  AtriumApiError kind = error_code (status);
  JsonNode *root;

  if (t->refusal->len > 0 &&
      json_parser_load_from_data (parser, (const char *) t->refusal->data,
                                  (gssize) t->refusal->len, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);

      message = json_object_get_string_member_with_default (object, "message", NULL);
      code = json_object_get_string_member_with_default (object, "error", NULL);
    }
  if (g_strcmp0 (code, "second_factor_required") == 0)
    kind = ATRIUM_API_ERROR_SECOND_FACTOR_REQUIRED;
  fail (task, g_error_new (ATRIUM_API_ERROR, kind, "%s",
                           message != NULL ? message
                           : soup_message_get_reason_phrase (t->msg)));
}

static void read_next (GTask *task);

static void
refusal_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *t = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);

  if (bytes == NULL)
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  if (g_bytes_get_size (bytes) == 0 || t->refusal->len >= ERROR_BODY_MAX)
    {
      refused (task);
      return;
    }
  g_byte_array_append (t->refusal, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_input_stream_read_bytes_async (t->input, CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), refusal_read, task);
}

static void
closed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *t = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error) ||
      g_task_return_error_if_cancelled (task) ||
      (t->tmp != NULL &&
       !g_file_move (t->tmp, t->file, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NO_FALLBACK_FOR_MOVE,
                     NULL, NULL, NULL, &error)))
    {
      if (error == NULL)
        {
          /* Cancelled just after the last byte: answered already. */
          if (t->tmp != NULL)
            g_file_delete (t->tmp, NULL, NULL);
          g_object_unref (task);
          return;
        }
      fail (task, error);
      return;
    }
  g_task_return_int (task, t->received);
  g_object_unref (task);
}

static void
written (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *t = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      fail (task, error);
      return;
    }
  t->received += (goffset) g_bytes_get_size (t->chunk);
  g_clear_pointer (&t->chunk, g_bytes_unref);
  if (t->progress != NULL)
    t->progress (t->received, t->total, t->progress_data);
  read_next (task);
}

static void
chunk_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *t = g_task_get_task_data (task);
  GError *error = NULL;

  t->chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (t->chunk == NULL)
    {
      fail (task, error);
      return;
    }
  if (g_bytes_get_size (t->chunk) == 0)
    {
      g_output_stream_close_async (t->output, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   closed, task);
      return;
    }
  g_output_stream_write_all_async (t->output, g_bytes_get_data (t->chunk, NULL),
                                   g_bytes_get_size (t->chunk), G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), written, task);
}

static void
read_next (GTask *task)
{
  Transfer *t = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (t->input, CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), chunk_read, task);
}

static void
sent (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  GTask *task = user_data;
  Transfer *t = g_task_get_task_data (task);
  GError *error = NULL;
  guint status;

  t->input = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (t->input == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup (error->message);

          g_clear_error (&error);
          error = g_error_new (ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE, "%s", text);
        }
      fail (task, error);
      return;
    }
  status = soup_message_get_status (t->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      t->refusal = g_byte_array_new ();
      g_input_stream_read_bytes_async (t->input, CHUNK, G_PRIORITY_DEFAULT,
                                       g_task_get_cancellable (task), refusal_read, task);
      return;
    }
  if (soup_message_headers_get_encoding (soup_message_get_response_headers (t->msg)) ==
      SOUP_ENCODING_CONTENT_LENGTH)
    t->total = soup_message_headers_get_content_length (soup_message_get_response_headers (
                                                          t->msg));
  if (t->progress != NULL)
    t->progress (0, t->total, t->progress_data);
  read_next (task);
}

/* A pinned certificate stands for itself, as the API's own calls accept it. */
static gboolean
accept_certificate (SoupMessage          *msg,
                    GTlsCertificate      *certificate,
                    GTlsCertificateFlags  errors,
                    gpointer              user_data)
{
  Transfer *t = user_data;
  const GTlsCertificateFlags tolerated = G_TLS_CERTIFICATE_UNKNOWN_CA |
                                         G_TLS_CERTIFICATE_BAD_IDENTITY;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) not_before = g_tls_certificate_get_not_valid_before (certificate);
  g_autoptr(GDateTime) not_after = g_tls_certificate_get_not_valid_after (certificate);
  g_autofree char *fingerprint = NULL;

  if (t->pinned == NULL || not_before == NULL || not_after == NULL ||
      g_date_time_compare (now, not_before) < 0 || g_date_time_compare (now, not_after) > 0)
    return FALSE;
  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return FALSE;
  fingerprint = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return strcmp (fingerprint, t->pinned) == 0 && (errors & ~tolerated) == 0;
}

static void
start (GTask       *task,
       SoupSession *session,
       AtriumApi   *api)
{
  Transfer *t = g_task_get_task_data (task);
  g_autofree char *url = g_strconcat (atrium_api_get_base_url (api), t->path, NULL);
  SoupMessageHeaders *headers;

  t->msg = soup_message_new (SOUP_METHOD_GET, url);
  if (t->msg == NULL)
    {
      fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Cannot make a request for %s", url));
      return;
    }
  headers = soup_message_get_request_headers (t->msg);
  if (atrium_api_get_token (api) != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", atrium_api_get_token (api), NULL);

      soup_message_headers_replace (headers, "Authorization", bearer);
    }
  t->pinned = g_strdup (atrium_api_get_pinned_fingerprint (api));
  /* As AtriumApi does: once pinned, only that certificate, whoever else the system trusts
   * (@session is the caller's own for transfers). */
  if (t->pinned != NULL && soup_session_get_tls_database (session) != NULL)
    soup_session_set_tls_database (session, NULL);
  g_signal_connect (t->msg, "accept-certificate", G_CALLBACK (accept_certificate), t);
  soup_session_send_async (session, t->msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                           sent, task);
}

static GTask *
new_task (const char             *path,
          AtriumTransferProgress  progress,
          gpointer                progress_data,
          GCancellable           *cancellable,
          GAsyncReadyCallback     callback,
          gpointer                user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Transfer *t = g_new0 (Transfer, 1);

  t->path = g_strdup (path);
  t->progress = progress;
  t->progress_data = progress_data;
  t->total = -1;
  g_task_set_task_data (task, t, (GDestroyNotify) transfer_free);
  g_task_set_source_tag (task, atrium_transfer_to_stream_async);
  return task;
}

void
atrium_transfer_to_stream_async (SoupSession            *session,
                                 AtriumApi              *api,
                                 const char             *path,
                                 GOutputStream          *stream,
                                 AtriumTransferProgress  progress,
                                 gpointer                progress_data,
                                 GCancellable           *cancellable,
                                 GAsyncReadyCallback     callback,
                                 gpointer                user_data)
{
  GTask *task;
  Transfer *t;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (ATRIUM_IS_API (api));
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (G_IS_OUTPUT_STREAM (stream));

  task = new_task (path, progress, progress_data, cancellable, callback, user_data);
  t = g_task_get_task_data (task);
  t->output = g_object_ref (stream);
  start (task, session, api);
}

typedef struct
{
  GTask       *task;
  SoupSession *session;
  AtriumApi   *api;
} Opening;

static void
tmp_created (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Opening *opening = user_data;
  GTask *task = opening->task;
  Transfer *t = g_task_get_task_data (task);
  GError *error = NULL;

  t->output = G_OUTPUT_STREAM (g_file_create_finish (G_FILE (source), result, &error));
  if (t->output == NULL)
    {
      /* A cancelled creation may still have made the file: it goes too. Any other
       * failure made nothing of ours. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_clear_object (&t->tmp);
      fail (task, error);
    }
  else
    start (task, opening->session, opening->api);
  g_object_unref (opening->session);
  g_object_unref (opening->api);
  g_free (opening);
}

void
atrium_transfer_to_file_async (SoupSession            *session,
                               AtriumApi              *api,
                               const char             *path,
                               GFile                  *file,
                               AtriumTransferProgress  progress,
                               gpointer                progress_data,
                               GCancellable           *cancellable,
                               GAsyncReadyCallback     callback,
                               gpointer                user_data)
{
  g_autoptr(GFile) parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_name = NULL;
  Opening *opening;
  GTask *task;
  Transfer *t;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (ATRIUM_IS_API (api));
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (G_IS_FILE (file));

  task = new_task (path, progress, progress_data, cancellable, callback, user_data);
  t = g_task_get_task_data (task);
  t->file = g_object_ref (file);
  parent = g_file_get_parent (file);
  if (parent == NULL)
    {
      fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, "No folder to save in"));
      return;
    }
  /* Beside the destination, so that the rename stays within one file system. */
  base = g_file_get_basename (file);
  tmp_name = g_strdup_printf (".%s.%08x.part", base, g_random_int ());
  t->tmp = g_file_get_child (parent, tmp_name);
  opening = g_new0 (Opening, 1);
  opening->task = task;
  opening->session = g_object_ref (session);
  opening->api = g_object_ref (api);
  g_file_create_async (t->tmp, G_FILE_CREATE_PRIVATE, G_PRIORITY_DEFAULT, cancellable,
                       tmp_created, opening);
}

goffset
atrium_transfer_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);

  return (goffset) g_task_propagate_int (G_TASK (result), error);
}
