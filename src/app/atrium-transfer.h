/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "atrium-api.h"

G_BEGIN_DECLS

/*
 * Streamed downloads from the API's server (exports), with the API's session token, on
 * the transport of @session (see atrium_application_new_session()): the body is copied
 * as it arrives and @progress is told the bytes received so far. A refusal (4xx, 5xx)
 * is an ATRIUM_API_ERROR with the server's message. A certificate pinned in @api is
 * trusted alone, as AtriumApi does: @session then loses its trust database, so give
 * transfers a session of their own.
 */

/* @total: the announced length, or -1. */
typedef void (*AtriumTransferProgress) (goffset  received,
                                        goffset  total,
                                        gpointer user_data);

/* Into @stream, which is closed at the end. */
void     atrium_transfer_to_stream_async (SoupSession            *session,
                                          AtriumApi              *api,
                                          const char             *path,
                                          GOutputStream          *stream,
                                          AtriumTransferProgress  progress,
                                          gpointer                progress_data,
                                          GCancellable           *cancellable,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data);
/* Into @file, through a temporary file beside it that replaces it only once complete:
 * a failure or a cancellation leaves nothing behind, and @file as it was. */
void     atrium_transfer_to_file_async   (SoupSession            *session,
                                          AtriumApi              *api,
                                          const char             *path,
                                          GFile                  *file,
                                          AtriumTransferProgress  progress,
                                          gpointer                progress_data,
                                          GCancellable           *cancellable,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data);
/* Either's end: the bytes written, or -1 and @error. */
goffset  atrium_transfer_finish          (GAsyncResult           *result,
                                          GError                **error);

G_END_DECLS
