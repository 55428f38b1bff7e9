/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A raw RFC 6455 WebSocket client for tests and benchmarks, written to see exactly what
 * a server sends: frames come back one by one (control frames included), nothing is
 * answered behind the caller's back unless auto-pong is on, and a test can send frames
 * a browser never would (unmasked, binary, fragmented, oversized, raw bytes).
 *
 * It works on any GIOStream with pollable input and output (a GSocketConnection from
 * GSocketClient or socketpair(2), a GTlsClientConnection). The HTTP upgrade is a
 * separate step, so a test can also hand the server side of a connected pair straight
 * to a hub. All waits have a timeout; nothing blocks without one. One client is used
 * by one thread at a time.
 *
 * Errors are G_IO_ERROR: TIMED_OUT when nothing came in time, WOULD_BLOCK from the
 * try_ functions, CONNECTION_CLOSED at end of stream, INVALID_DATA for a bad frame or
 * handshake answer, FAILED for an unexpected close or message in the text helpers.
 */
typedef struct _AtriumWsClient AtriumWsClient;

typedef enum
{
  ATRIUM_WS_OPCODE_CONTINUATION = 0x0,
  ATRIUM_WS_OPCODE_TEXT         = 0x1,
  ATRIUM_WS_OPCODE_BINARY       = 0x2,
  ATRIUM_WS_OPCODE_CLOSE        = 0x8,
  ATRIUM_WS_OPCODE_PING         = 0x9,
  ATRIUM_WS_OPCODE_PONG         = 0xa,
} AtriumWsOpcode;

/* The code a close frame without a payload stands for (RFC 6455 §7.1.5). */
#define ATRIUM_WS_CLOSE_NO_STATUS 1005

/**
 * AtriumWsFrame:
 * @opcode: the frame's opcode
 * @fin: whether the FIN bit was set
 * @masked: whether the frame was masked (a server must never mask)
 * @payload: the payload, unmasked; never %NULL
 * @close_code: for a close frame, its code, or %ATRIUM_WS_CLOSE_NO_STATUS without one
 */
typedef struct
{
  AtriumWsOpcode  opcode;
  gboolean        fin;
  gboolean        masked;
  GBytes         *payload;
  guint           close_code;
} AtriumWsFrame;

void            atrium_ws_frame_free              (AtriumWsFrame   *frame);
/* The payload as a NUL-terminated string (a copy). */
char           *atrium_ws_frame_dup_text          (AtriumWsFrame   *frame);

AtriumWsClient *atrium_ws_client_new              (GIOStream       *stream);
AtriumWsClient *atrium_ws_client_new_for_socket   (GSocket         *socket);
AtriumWsClient *atrium_ws_client_connect          (const char      *host,
                                                   guint16          port,
                                                   guint            timeout_ms,
                                                   GError         **error);
void            atrium_ws_client_free             (AtriumWsClient  *client);

GIOStream      *atrium_ws_client_get_stream       (AtriumWsClient  *client);
void            atrium_ws_client_set_auto_pong    (AtriumWsClient  *client,
                                                   gboolean         auto_pong);
void            atrium_ws_client_set_write_timeout (AtriumWsClient *client,
                                                    guint           timeout_ms);

gboolean        atrium_ws_client_start_handshake  (AtriumWsClient  *client,
                                                   const char      *host,
                                                   const char      *path,
                                                   const char      *authorization,
                                                   GError         **error);
gboolean        atrium_ws_client_finish_handshake (AtriumWsClient  *client,
                                                   guint            timeout_ms,
                                                   guint           *status_out,
                                                   GError         **error);
gboolean        atrium_ws_client_handshake        (AtriumWsClient  *client,
                                                   const char      *host,
                                                   const char      *path,
                                                   const char      *authorization,
                                                   guint            timeout_ms,
                                                   guint           *status_out,
                                                   GError         **error);

gboolean        atrium_ws_client_send_text        (AtriumWsClient  *client,
                                                   const char      *text,
                                                   GError         **error);
gboolean        atrium_ws_client_send_frame       (AtriumWsClient  *client,
                                                   AtriumWsOpcode   opcode,
                                                   gboolean         fin,
                                                   gboolean         masked,
                                                   const void      *data,
                                                   gsize            len,
                                                   GError         **error);
gboolean        atrium_ws_client_send_close       (AtriumWsClient  *client,
                                                   guint            code,
                                                   GError         **error);
gboolean        atrium_ws_client_send_raw         (AtriumWsClient  *client,
                                                   const void      *data,
                                                   gsize            len,
                                                   GError         **error);

AtriumWsFrame  *atrium_ws_client_receive          (AtriumWsClient  *client,
                                                   guint            timeout_ms,
                                                   GError         **error);
AtriumWsFrame  *atrium_ws_client_try_receive      (AtriumWsClient  *client,
                                                   GError         **error);
char           *atrium_ws_client_receive_text     (AtriumWsClient  *client,
                                                   guint            timeout_ms,
                                                   GError         **error);
gboolean        atrium_ws_client_wait_closed      (AtriumWsClient  *client,
                                                   guint            timeout_ms,
                                                   GError         **error);
GSource        *atrium_ws_client_create_source    (AtriumWsClient  *client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumWsFrame, atrium_ws_frame_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumWsClient, atrium_ws_client_free)

G_END_DECLS
