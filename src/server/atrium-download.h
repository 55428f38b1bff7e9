/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "atrium-server.h"

G_BEGIN_DECLS

/* Answers too large to build in memory (exports). The handler checks the request and
 * calls atrium_request_reply_download(); once it returns, the function it gave runs on a
 * thread of its own and hands the body over a chunk at a time. Each write waits while
 * two chunks are still unsent, so a slow client holds back the producer instead of
 * filling memory; a client that leaves, or a server that stops, cancels it. */

/* Downloads under way at once, per process; one more is answered 503. */
#define ATRIUM_DOWNLOADS_MAX 4

/* Answers 200 with @content_type and the body @func produces (headers added with
 * atrium_request_add_header() go with it). Returns FALSE, with a 503 answer, when
 * ATRIUM_DOWNLOADS_MAX downloads are under way; @free_data is then called at once. */
gboolean      atrium_request_reply_download   (AtriumRequest       *request,
                                               const char          *content_type,
                                               AtriumDownloadFunc   func,
                                               gpointer             data,
                                               GDestroyNotify       free_data);

/* On the download's thread. @length: the body's size, or -1 (chunked). Nothing reaches
 * the client before this call; if @func returns FALSE before it, the client gets the
 * error answer set with atrium_download_fail() (or a 500), after it the connection is
 * cut (a chunked body without its end, or a short one, which a client sees as such). */
gboolean      atrium_download_begin           (AtriumDownload      *download,
                                               goffset              length,
                                               GError             **error);
/* Copies @data; waits while the client is behind. FALSE with G_IO_ERROR_CANCELLED when
 * the client has left or the server stops. */
gboolean      atrium_download_write           (AtriumDownload      *download,
                                               const guint8        *data,
                                               gsize                length,
                                               GError             **error);
void          atrium_download_fail            (AtriumDownload      *download,
                                               guint                status,
                                               const char          *code,
                                               const char          *message);
GCancellable *atrium_download_get_cancellable (AtriumDownload      *download);
AtriumServer *atrium_download_get_server      (AtriumDownload      *download);
const char   *atrium_download_get_request_id  (AtriumDownload      *download);

G_END_DECLS
