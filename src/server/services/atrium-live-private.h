/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-live.h"

G_BEGIN_DECLS

/*
 * Shared by the hub (atrium-live.c: thread, inbox, coalescing, fan-out, heartbeats) and
 * its subscribers (atrium-live-subscriber.c: framing, queues, requests). Everything
 * belongs to the hub's thread unless it says otherwise.
 *
 * Every callback of the hub's context ends with atrium_live_settle(): it writes what
 * the callback queued (one writev per subscriber, however many frames) and frees the
 * subscribers that ended, so no loop ever sees an element vanish under it.
 */

#define ATRIUM_LIVE_OP_TEXT               0x1
#define ATRIUM_LIVE_OP_PING               0x9
#define ATRIUM_LIVE_CLOSE_GOING_AWAY      1001
#define ATRIUM_LIVE_CLOSE_POLICY          1008
#define ATRIUM_LIVE_CLOSE_TRY_AGAIN_LATER 1013

typedef enum
{
  ATRIUM_LIVE_SUB_OPEN,
  ATRIUM_LIVE_SUB_CLOSING,   /* our close frame is queued; nothing else goes out */
  ATRIUM_LIVE_SUB_DEAD,      /* freed by the next atrium_live_settle() */
} AtriumLiveSubState;

typedef struct _AtriumLiveSubscriber AtriumLiveSubscriber;

struct _AtriumLiveSubscriber
{
  AtriumLive            *live;
  GList                  link;         /* in live->subscribers */
  GIOStream             *stream;
  GPollableInputStream  *in;
  GPollableOutputStream *out;
  GSource               *in_source;
  GSource               *out_source;   /* only while the stream takes no more */
  GSource               *linger;       /* only while closing */
  char                  *label;
  gint64                 session_id;   /* 0: a device, or nobody to check */
  gint64                *allowed;      /* NULL: every site */
  guint                  n_allowed;
  guint                  n_sites;
  gint64                *sites;
  gint64                 last_seen;
  AtriumLiveSubState     state;
  guint                  counted : 1;      /* in n_subscribers */
  guint                  dirty : 1;        /* in live->dirty */
  guint                  close_sent : 1;   /* our close frame left the queue */
  guint                  peer_closed : 1;  /* the client sent its close */
  guint                  failed : 1;       /* a protocol error: no waiting for its close */

  /* Output: whole frames, most of them shared with other subscribers. */
  GQueue                 queue;
  gsize                  head_offset;
  gsize                  queued;

  /* Input: the frame being read, and the text message its fragments build. */
  guint8                 header[14];
  guint8                 header_len;
  guint8                 opcode;
  guint8                 mask[4];
  guint                  fin : 1;
  guint                  in_payload : 1;
  guint                  discard : 1;
  guint64                frame_len;
  guint64                frame_got;
  guint8                *dest;         /* where the payload goes, unmasked */
  guint8                *control;      /* payload of a control frame */
  GByteArray            *message;
};

struct _AtriumLive
{
  AtriumLiveLimits  limits;
  GThread          *thread;
  GMainContext     *context;

  /* Any thread. */
  GMutex            lock;
  GQueue            inbox;           /* under lock: items for the hub */
  gint              inbox_flagged;   /* set under lock, read atomically */
  guint64           n_dropped;       /* under lock */
  gint              n_subscribers;   /* atomic */

  /* The hub's thread. */
  GSource          *inbox_source;
  GSource          *window_source;
  GSource          *heartbeat_source;
  GSource          *grace_source;
  AtriumLiveSessionCheck session_check;
  gpointer          session_check_data;
  GHashTable       *windows;         /* "<site> <key>" → window */
  GQueue            window_order;    /* windows by deadline */
  GHashTable       *sites;           /* &site id → subscribers of the site */
  GQueue            subscribers;
  GPtrArray        *dirty;           /* subscribers with frames to write */
  GPtrArray        *dead;            /* subscribers to free */
  GBytes           *heartbeat;       /* the heartbeat message and a ping, framed once */
  guint             pending_closes;
  gboolean          stopping;
  gboolean          running;
};

/* atrium-live.c */
void                  atrium_live_settle           (AtriumLive           *live);
void                  atrium_live_count_drop       (AtriumLive           *live);
void                  atrium_live_site_add         (AtriumLive           *live,
                                                    gint64                site,
                                                    AtriumLiveSubscriber *sub);
void                  atrium_live_site_remove      (AtriumLive           *live,
                                                    gint64                site,
                                                    AtriumLiveSubscriber *sub);

/* atrium-live-subscriber.c */
GBytes               *atrium_live_frame_new        (guint8                opcode,
                                                    const void           *data,
                                                    gsize                 len);
AtriumLiveSubscriber *atrium_live_subscriber_new   (AtriumLive           *live,
                                                    GIOStream            *stream,
                                                    char                 *label,
                                                    gint64               *allowed,
                                                    guint                 n_allowed);
void                  atrium_live_subscriber_free  (AtriumLiveSubscriber *sub);
void                  atrium_live_subscriber_send  (AtriumLiveSubscriber *sub,
                                                    GBytes               *frame);
void                  atrium_live_subscriber_flush (AtriumLiveSubscriber *sub);
void                  atrium_live_subscriber_close (AtriumLiveSubscriber *sub,
                                                    guint                 code,
                                                    const char           *reason);
void                  atrium_live_subscriber_kill  (AtriumLiveSubscriber *sub);

G_END_DECLS
