/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The live-feed hub: pushes occupancy and waiting-time changes to WebSocket subscribers
 * (`GET /api/v1/live`).
 *
 * The HTTP layer authenticates the upgrade request, answers 101 with
 * soup_websocket_server_process_handshake() (no protocols, no extensions: the hub
 * speaks plain RFC 6455), takes the connection with
 * soup_server_message_steal_connection() once the 101 is written ("wrote-informational")
 * and hands the stream to atrium_live_add().
 * Everything after the handshake happens here, in a thread and GMainContext of the
 * hub's own, with RFC 6455 framing written by hand on the stream's
 * GPollableInputStream/GPollableOutputStream (never blocking): a plain
 * GSocketConnection, a GTlsConnection or libsoup's wrapper stream all work.
 *
 * Protocol, client to server: masked text frames, each one JSON object decoded with
 * atrium_json_decode() (unknown members refused):
 *
 *   {"type":"subscribe","sites":[1,2]}     1 to 256 site ids, each >= 1
 *   {"type":"unsubscribe","sites":[1]}
 *
 * A site the subscriber may not see is answered {"type":"error","error":"forbidden",
 * "site":N} and left out. Anything else (not JSON, unknown member or type, wrong types,
 * more than 256 sites in all) is answered {"type":"error","error":"bad_request",
 * "message":"…"} (with "field":"…" when one member is at fault); the connection stays
 * open. After every subscribe and unsubscribe the server sends
 * {"type":"subscribed","sites":[…]}: every site the subscriber now follows, in the
 * order it first subscribed to them.
 *
 * Server to client: each published payload, verbatim, as one text frame; every
 * heartbeat interval {"type":"heartbeat"} followed by a ping. A subscriber that sends
 * nothing at all (not even a pong) for three intervals is dropped.
 *
 * Frames: unmasked client frames close with 1002, as do reserved bits (no extension
 * is ever negotiated), unknown opcodes, fragmented or oversized (> 125 bytes) control
 * frames and continuations out of place. Binary messages close with 1003. Text that is
 * not UTF-8 closes with 1007. Fragmented text messages are accepted, with control
 * frames between fragments; a message over max_message_bytes (all its fragments) closes
 * with 1009 as soon as a frame header says so. After those errors the stream is closed
 * once the close frame is written. A ping is answered with a pong carrying its
 * payload; a client's close is echoed with its code, then the stream ends. A
 * subscriber over max_subscribers gets a close 1013, and atrium_live_free() sends 1001
 * to all; after 1013 the hub waits up to 3 s for the client's close.
 *
 * Fan-out: each published message is framed once and the same bytes are queued to
 * every subscriber of its site; what a subscriber has queued goes out in one writev.
 * A subscriber with more than max_queued_bytes that its stream has not taken is
 * dropped at once, without a close frame, and without holding up the others.
 *
 * Threads: every function may be called from any thread, except that nothing may be
 * called on a hub once atrium_live_free() has begun.
 */
typedef struct _AtriumLive AtriumLive;

/**
 * AtriumLiveLimits:
 * @max_subscribers: more are refused with a close frame 1013; 0 means 10000
 * @max_message_bytes: an incoming frame or message (all fragments) larger than this
 *   closes with 1009; 0 means 4096
 * @max_queued_bytes: a subscriber with more bytes queued and not yet taken by its
 *   stream is dropped as a slow consumer; 0 means 256 KiB
 * @heartbeat_ms: a heartbeat message and a ping go to every subscriber this often; one
 *   from which nothing came for three intervals is dropped; 0 means 15000
 * @coalesce_ms: at most one message per key every this many milliseconds; 0 means 500
 *
 * Each field 0 takes its default, so a zeroed struct is the defaults.
 */
typedef struct
{
  guint max_subscribers;
  gsize max_message_bytes;
  gsize max_queued_bytes;
  guint heartbeat_ms;
  guint coalesce_ms;
} AtriumLiveLimits;

#define ATRIUM_LIVE_DEFAULT_MAX_SUBSCRIBERS   10000
#define ATRIUM_LIVE_DEFAULT_MAX_MESSAGE_BYTES 4096
#define ATRIUM_LIVE_DEFAULT_MAX_QUEUED_BYTES  (256 * 1024)
#define ATRIUM_LIVE_DEFAULT_HEARTBEAT_MS      15000
#define ATRIUM_LIVE_DEFAULT_COALESCE_MS       500
/* Sites one subscriber may follow at once, and name in one request. */
#define ATRIUM_LIVE_MAX_SITES                 256

AtriumLive *atrium_live_new               (const AtriumLiveLimits *limits);
void        atrium_live_free              (AtriumLive             *live);

void        atrium_live_add               (AtriumLive             *live,
                                           GIOStream              *stream,
                                           const gint64           *allowed_sites,
                                           guint                   n_allowed,
                                           const char             *label);

/* Whether user session @session_id may still follow the feed; called on the hub's
 * thread. */
typedef gboolean (*AtriumLiveSessionCheck) (gint64   session_id,
                                            gpointer user_data);
/* Set once, before the first subscriber: at each heartbeat, every subscriber added with
 * atrium_live_add_session() whose session @check refuses gets a close 1008. */
void        atrium_live_set_session_check (AtriumLive             *live,
                                           AtriumLiveSessionCheck  check,
                                           gpointer                user_data);
/* atrium_live_add() for a user's session: every site, and closed once it ends. */
void        atrium_live_add_session       (AtriumLive             *live,
                                           GIOStream              *stream,
                                           gint64                  session_id,
                                           const char             *label);
void        atrium_live_publish           (AtriumLive             *live,
                                           gint64                  site_id,
                                           const char             *key,
                                           GBytes                 *payload);

guint       atrium_live_get_n_subscribers (AtriumLive             *live);
guint64     atrium_live_get_n_dropped     (AtriumLive             *live);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumLive, atrium_live_free)

G_END_DECLS
