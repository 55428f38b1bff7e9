/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-live"

#include "config.h"

#include "atrium-live.h"

#include "atrium-live-private.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/*
 * The hub: its thread and context, the inbox other threads post to, the coalescing
 * windows, the fan-out by site, heartbeats and shutdown. Other threads only post items
 * (add, publish, stop) under the lock and wake the context; the counters they read are
 * atomic or under the same lock. The subscribers themselves are in
 * atrium-live-subscriber.c.
 */

#define SHUTDOWN_GRACE_MS 2000  /* atrium_live_free(): then every stream is cut */
#define SILENT_INTERVALS  3

typedef struct
{
  gint64     id;
  GPtrArray *subscribers;
} Site;

/* One key's coalescing window: the latest change since the message that opened it. */
typedef struct
{
  GList   link;       /* in live->window_order */
  char   *id;         /* "<site> <key>" */
  gint64  site;
  gint64  deadline;
  GBytes *pending;
} Window;

typedef enum
{
  ITEM_ADD,
  ITEM_PUBLISH,
  ITEM_STOP,
} ItemKind;

typedef struct
{
  GList      link;
  ItemKind   kind;
  gint64     site;
  char      *text;        /* ADD: the label; PUBLISH: the window id */
  GBytes    *payload;
  GIOStream *stream;
  gint64    *allowed;
  guint      n_allowed;
  gint64     session_id;  /* ADD */
} Item;

typedef struct
{
  GSource     source;
  AtriumLive *live;
} InboxSource;

/* ---- streams ------------------------------------------------------------------------ */

/* The socket under a connection: GIO's own connections, and what libsoup's
 * soup_server_message_steal_connection() returns (it keeps the socket as data). */
static GSocket *
find_socket (GIOStream *stream)
{
  for (guint depth = 0; stream != NULL && depth < 4; depth++)
    {
      gpointer data;

      if (G_IS_SOCKET_CONNECTION (stream))
        return g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));

      if (G_IS_TLS_CONNECTION (stream))
        {
          GIOStream *base = NULL;

          g_object_get (stream, "base-io-stream", &base, NULL);
          /* The TLS connection keeps its base alive. */
          if (base != NULL)
            g_object_unref (base);
          stream = base;
          continue;
        }

      data = g_object_get_data (G_OBJECT (stream), "GSocket");
      return G_IS_SOCKET (data) ? data : NULL;
    }
  return NULL;
}

static void
live_check_done (AtriumLive *live)
{
  if (live->stopping && live->subscribers.length == 0 && live->pending_closes == 0)
    live->running = FALSE;
}

static void
stream_closed (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  AtriumLive *live = data;

  g_io_stream_close_finish (G_IO_STREAM (object), result, NULL);
  live->pending_closes--;
  live_check_done (live);
}

/* Shutting the socket down first means a TLS close cannot wait on a peer that reads
 * nothing: what was to be said has been written, or the peer is being dropped. */
static void
live_close_stream (AtriumLive *live,
                   GIOStream  *stream)
{
  GSocket *socket = find_socket (stream);

  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  live->pending_closes++;
  g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, stream_closed, live);
}

/* ---- the site index ----------------------------------------------------------------- */

static void
site_free (gpointer data)
{
  Site *site = data;

  g_ptr_array_unref (site->subscribers);
  g_free (site);
}

void
atrium_live_site_add (AtriumLive           *live,
                      gint64                id,
                      AtriumLiveSubscriber *sub)
{
  Site *site = g_hash_table_lookup (live->sites, &id);

  if (site == NULL)
    {
      site = g_new0 (Site, 1);
      site->id = id;
      site->subscribers = g_ptr_array_new ();
      g_hash_table_insert (live->sites, &site->id, site);
    }
  g_ptr_array_add (site->subscribers, sub);
}

void
atrium_live_site_remove (AtriumLive           *live,
                         gint64                id,
                         AtriumLiveSubscriber *sub)
{
  Site *site = g_hash_table_lookup (live->sites, &id);

  if (site == NULL)
    return;
  g_ptr_array_remove_fast (site->subscribers, sub);
  if (site->subscribers->len == 0)
    g_hash_table_remove (live->sites, &id);
}

/* ---- bookkeeping ---------------------------------------------------------------------- */

void
atrium_live_count_drop (AtriumLive *live)
{
  g_mutex_lock (&live->lock);
  live->n_dropped++;
  g_mutex_unlock (&live->lock);
}

/* Writes what was queued, then frees the subscribers that ended. */
void
atrium_live_settle (AtriumLive *live)
{
  /* Flushing can end subscribers but never queues to another. */
  for (guint i = 0; i < live->dirty->len; i++)
    atrium_live_subscriber_flush (g_ptr_array_index (live->dirty, i));
  g_ptr_array_set_size (live->dirty, 0);

  for (guint i = 0; i < live->dead->len; i++)
    {
      AtriumLiveSubscriber *sub = g_ptr_array_index (live->dead, i);

      for (guint j = 0; j < sub->n_sites; j++)
        atrium_live_site_remove (live, sub->sites[j], sub);
      g_queue_unlink (&live->subscribers, &sub->link);
      live_close_stream (live, sub->stream);
      g_clear_object (&sub->stream);
      atrium_live_subscriber_free (sub);
    }
  g_ptr_array_set_size (live->dead, 0);
  live_check_done (live);
}

/* ---- the hub ------------------------------------------------------------------------ */

static void
live_add (AtriumLive *live,
          Item       *item)
{
  AtriumLiveSubscriber *sub;

  sub = atrium_live_subscriber_new (live, g_steal_pointer (&item->stream),
                                    g_steal_pointer (&item->text),
                                    g_steal_pointer (&item->allowed), item->n_allowed);
  sub->session_id = item->session_id;
  g_queue_push_tail_link (&live->subscribers, &sub->link);

  if (live->stopping)
    {
      atrium_live_subscriber_close (sub, ATRIUM_LIVE_CLOSE_GOING_AWAY, "server shutting down");
    }
  else if ((guint) g_atomic_int_get (&live->n_subscribers) >= live->limits.max_subscribers)
    {
      g_info ("%s: refused, already %u subscribers", sub->label,
              live->limits.max_subscribers);
      atrium_live_subscriber_close (sub, ATRIUM_LIVE_CLOSE_TRY_AGAIN_LATER,
                                    "too many subscribers");
    }
  else
    {
      sub->counted = TRUE;
      g_atomic_int_inc (&live->n_subscribers);
      g_debug ("%s: subscriber added", sub->label);
    }
}

/* Frames @payload once and queues the same bytes to every subscriber of @site_id. */
static void
live_send (AtriumLive *live,
           gint64      site_id,
           GBytes     *payload)
{
  Site *site = g_hash_table_lookup (live->sites, &site_id);
  g_autoptr(GBytes) frame = NULL;
  gsize size;
  const void *data;

  if (site == NULL)
    return;

  data = g_bytes_get_data (payload, &size);
  frame = atrium_live_frame_new (ATRIUM_LIVE_OP_TEXT, data, size);
  for (guint i = 0; i < site->subscribers->len; i++)
    atrium_live_subscriber_send (g_ptr_array_index (site->subscribers, i), frame);
}

static void
window_free (gpointer data)
{
  Window *window = data;

  g_clear_pointer (&window->pending, g_bytes_unref);
  g_free (window->id);
  g_free (window);
}

static void
live_arm_windows (AtriumLive *live)
{
  Window *first = g_queue_peek_head (&live->window_order);

  g_source_set_ready_time (live->window_source, first != NULL ? first->deadline : -1);
}

/* The first change of a key goes out at once and opens a window; later ones in the
 * window only replace what goes out when it ends. */
static void
live_publish (AtriumLive *live,
              Item       *item)
{
  Window *window;

  if (live->stopping)
    return;

  window = g_hash_table_lookup (live->windows, item->text);
  if (window != NULL)
    {
      g_clear_pointer (&window->pending, g_bytes_unref);
      window->pending = g_steal_pointer (&item->payload);
      return;
    }

  live_send (live, item->site, item->payload);

  window = g_new0 (Window, 1);
  window->link.data = window;
  window->id = g_steal_pointer (&item->text);
  window->site = item->site;
  window->deadline = g_get_monotonic_time ()
                     + (gint64) live->limits.coalesce_ms * G_TIME_SPAN_MILLISECOND;
  g_hash_table_insert (live->windows, window->id, window);
  g_queue_push_tail_link (&live->window_order, &window->link);
  if (live->window_order.length == 1)
    live_arm_windows (live);
}

/* Every window has the same length, so opening order is deadline order. A window
 * that ends with a change pending sends it and opens the next; one that ends quiet
 * forgets its key. */
static gboolean
on_windows (gpointer data)
{
  AtriumLive *live = data;
  gint64 now = g_get_monotonic_time ();
  Window *window;

  while ((window = g_queue_peek_head (&live->window_order)) != NULL && window->deadline <= now)
    {
      g_autoptr(GBytes) payload = NULL;

      g_queue_unlink (&live->window_order, &window->link);
      if (window->pending == NULL)
        {
          g_hash_table_remove (live->windows, window->id);
          continue;
        }

      payload = g_steal_pointer (&window->pending);
      live_send (live, window->site, payload);
      window->deadline = now + (gint64) live->limits.coalesce_ms * G_TIME_SPAN_MILLISECOND;
      g_queue_push_tail_link (&live->window_order, &window->link);
    }

  live_arm_windows (live);
  atrium_live_settle (live);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_heartbeat (gpointer data)
{
  AtriumLive *live = data;
  gint64 now = g_get_monotonic_time ();
  gint64 silent = (gint64) SILENT_INTERVALS * live->limits.heartbeat_ms
                  * G_TIME_SPAN_MILLISECOND;

  for (GList *l = live->subscribers.head; l != NULL; l = l->next)
    {
      AtriumLiveSubscriber *sub = l->data;

      if (sub->state != ATRIUM_LIVE_SUB_OPEN)
        continue;
      if (now - sub->last_seen >= silent)
        {
          g_info ("%s: dropped, nothing received for %" G_GINT64_FORMAT " ms", sub->label,
                  (now - sub->last_seen) / G_TIME_SPAN_MILLISECOND);
          atrium_live_count_drop (live);
          atrium_live_subscriber_kill (sub);
          continue;
        }
      if (sub->session_id != 0 && live->session_check != NULL && !live->stopping &&
          !live->session_check (sub->session_id, live->session_check_data))
        {
          g_info ("%s: closed, its session has ended", sub->label);
          atrium_live_subscriber_close (sub, ATRIUM_LIVE_CLOSE_POLICY, "session ended");
          continue;
        }
      atrium_live_subscriber_send (sub, live->heartbeat);
    }

  atrium_live_settle (live);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_grace_over (gpointer data)
{
  AtriumLive *live = data;

  for (GList *l = live->subscribers.head; l != NULL; l = l->next)
    atrium_live_subscriber_kill (l->data);
  atrium_live_settle (live);
  g_clear_pointer (&live->grace_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Says goodbye (1001) to everyone, then ends once every stream is closed, or after
 * SHUTDOWN_GRACE_MS whatever the clients do. */
static void
live_stop (AtriumLive *live)
{
  live->stopping = TRUE;
  for (GList *l = live->subscribers.head; l != NULL; l = l->next)
    {
      AtriumLiveSubscriber *sub = l->data;

      if (sub->state == ATRIUM_LIVE_SUB_OPEN)
        atrium_live_subscriber_close (sub, ATRIUM_LIVE_CLOSE_GOING_AWAY,
                                      "server shutting down");
      else if (sub->state == ATRIUM_LIVE_SUB_CLOSING && sub->close_sent)
        atrium_live_subscriber_kill (sub);
    }

  live->grace_source = g_timeout_source_new (SHUTDOWN_GRACE_MS);
  g_source_set_callback (live->grace_source, on_grace_over, live, NULL);
  g_source_attach (live->grace_source, live->context);
}

/* ---- the inbox ---------------------------------------------------------------------- */

static void
item_free (Item *item)
{
  g_clear_object (&item->stream);
  g_clear_pointer (&item->payload, g_bytes_unref);
  g_free (item->allowed);
  g_free (item->text);
  g_free (item);
}

static void
live_post (AtriumLive *live,
           Item       *item)
{
  gboolean wake;

  item->link.data = item;
  g_mutex_lock (&live->lock);
  g_queue_push_tail_link (&live->inbox, &item->link);
  wake = !g_atomic_int_get (&live->inbox_flagged);
  g_atomic_int_set (&live->inbox_flagged, TRUE);
  g_mutex_unlock (&live->lock);

  if (wake)
    g_main_context_wakeup (live->context);
}

static gboolean
inbox_ready (GSource *source)
{
  return g_atomic_int_get (&((InboxSource *) source)->live->inbox_flagged);
}

static gboolean
inbox_prepare (GSource *source,
               gint    *timeout)
{
  *timeout = -1;
  return inbox_ready (source);
}

static gboolean
inbox_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  AtriumLive *live = ((InboxSource *) source)->live;
  GQueue items;
  GList *link;

  g_mutex_lock (&live->lock);
  items = live->inbox;
  g_queue_init (&live->inbox);
  g_atomic_int_set (&live->inbox_flagged, FALSE);
  g_mutex_unlock (&live->lock);

  while ((link = g_queue_pop_head_link (&items)) != NULL)
    {
      Item *item = link->data;

      switch (item->kind)
        {
        case ITEM_ADD:
          live_add (live, item);
          break;
        case ITEM_PUBLISH:
          live_publish (live, item);
          break;
        case ITEM_STOP:
          live_stop (live);
          break;
        default:
          g_assert_not_reached ();
        }
      item_free (item);
    }

  atrium_live_settle (live);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs inbox_funcs = {
  .prepare = inbox_prepare,
  .check = inbox_ready,
  .dispatch = inbox_dispatch,
};

/* A source that runs at its ready time only. */
static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
};

/* ---- the thread --------------------------------------------------------------------- */

static gpointer
live_thread (gpointer data)
{
  AtriumLive *live = data;

  g_main_context_push_thread_default (live->context);
  while (live->running)
    g_main_context_iteration (live->context, TRUE);
  g_main_context_pop_thread_default (live->context);
  return NULL;
}

static GBytes *
heartbeat_new (void)
{
  static const char text[] = "{\"type\":\"heartbeat\"}";
  g_autoptr(GBytes) message = atrium_live_frame_new (ATRIUM_LIVE_OP_TEXT, text, strlen (text));
  g_autoptr(GBytes) ping = atrium_live_frame_new (ATRIUM_LIVE_OP_PING, NULL, 0);
  GByteArray *both = g_byte_array_new ();
  const guint8 *bytes;
  gsize size;

  bytes = g_bytes_get_data (message, &size);
  g_byte_array_append (both, bytes, (guint) size);
  bytes = g_bytes_get_data (ping, &size);
  g_byte_array_append (both, bytes, (guint) size);
  return g_byte_array_free_to_bytes (both);
}

static void
source_destroy_and_unref (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

/**
 * atrium_live_new:
 * @limits: (nullable): the limits; %NULL, or any field 0, for the defaults
 *
 * Creates a hub and starts its thread.
 *
 * Returns: (transfer full): the hub; free it with atrium_live_free()
 */
AtriumLive *
atrium_live_new (const AtriumLiveLimits *limits)
{
  AtriumLive *live = g_new0 (AtriumLive, 1);
  AtriumLiveLimits *l = &live->limits;

  if (limits != NULL)
    *l = *limits;
  if (l->max_subscribers == 0)
    l->max_subscribers = ATRIUM_LIVE_DEFAULT_MAX_SUBSCRIBERS;
  if (l->max_message_bytes == 0)
    l->max_message_bytes = ATRIUM_LIVE_DEFAULT_MAX_MESSAGE_BYTES;
  if (l->max_queued_bytes == 0)
    l->max_queued_bytes = ATRIUM_LIVE_DEFAULT_MAX_QUEUED_BYTES;
  if (l->heartbeat_ms == 0)
    l->heartbeat_ms = ATRIUM_LIVE_DEFAULT_HEARTBEAT_MS;
  if (l->coalesce_ms == 0)
    l->coalesce_ms = ATRIUM_LIVE_DEFAULT_COALESCE_MS;
  /* A message is read into one GByteArray. */
  l->max_message_bytes = MIN (l->max_message_bytes, (gsize) G_MAXUINT / 2);

  g_mutex_init (&live->lock);
  g_queue_init (&live->inbox);
  g_queue_init (&live->window_order);
  g_queue_init (&live->subscribers);
  live->context = g_main_context_new ();
  live->windows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, window_free);
  live->sites = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, site_free);
  live->dirty = g_ptr_array_new ();
  live->dead = g_ptr_array_new ();
  live->heartbeat = heartbeat_new ();
  live->running = TRUE;

  live->inbox_source = g_source_new (&inbox_funcs, sizeof (InboxSource));
  ((InboxSource *) live->inbox_source)->live = live;
  g_source_set_name (live->inbox_source, "atrium-live inbox");
  g_source_attach (live->inbox_source, live->context);

  live->window_source = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_callback (live->window_source, on_windows, live, NULL);
  g_source_set_name (live->window_source, "atrium-live windows");
  g_source_attach (live->window_source, live->context);

  live->heartbeat_source = g_timeout_source_new (l->heartbeat_ms);
  g_source_set_callback (live->heartbeat_source, on_heartbeat, live, NULL);
  g_source_set_name (live->heartbeat_source, "atrium-live heartbeat");
  g_source_attach (live->heartbeat_source, live->context);

  live->thread = g_thread_new ("atrium-live", live_thread, live);
  return live;
}

/**
 * atrium_live_free:
 * @live: (transfer full) (nullable): a hub
 *
 * Sends every subscriber a close frame 1001 and closes each stream once its close is
 * written; after 2 s the rest are cut. Then joins the hub's thread and frees
 * everything. No other call on @live may run during or after this one.
 */
void
atrium_live_free (AtriumLive *live)
{
  Item *stop;
  GList *link;

  if (live == NULL)
    return;

  stop = g_new0 (Item, 1);
  stop->kind = ITEM_STOP;
  live_post (live, stop);
  g_thread_join (live->thread);

  /* Nothing may be posted after the stop, but be thorough. */
  while ((link = g_queue_pop_head_link (&live->inbox)) != NULL)
    item_free (link->data);

  source_destroy_and_unref (live->inbox_source);
  source_destroy_and_unref (live->window_source);
  source_destroy_and_unref (live->heartbeat_source);
  g_clear_pointer (&live->grace_source, source_destroy_and_unref);
  g_hash_table_unref (live->windows);
  g_hash_table_unref (live->sites);
  g_ptr_array_unref (live->dirty);
  g_ptr_array_unref (live->dead);
  g_bytes_unref (live->heartbeat);
  g_main_context_unref (live->context);
  g_mutex_clear (&live->lock);
  g_free (live);
}

static void
live_add_item (AtriumLive   *live,
               GIOStream    *stream,
               const gint64 *allowed_sites,
               guint         n_allowed,
               gint64        session_id,
               const char   *label)
{
  GInputStream *in;
  GOutputStream *out;
  GSocket *socket;
  Item *item;

  in = g_io_stream_get_input_stream (stream);
  out = g_io_stream_get_output_stream (stream);
  if (!G_IS_POLLABLE_INPUT_STREAM (in) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in)) ||
      !G_IS_POLLABLE_OUTPUT_STREAM (out) ||
      !g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (out)))
    {
      g_critical ("%s: a live subscriber needs a pollable stream", G_STRFUNC);
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
      return;
    }

  socket = find_socket (stream);
  if (socket != NULL)
    {
      g_socket_set_timeout (socket, 0);
      /* Writes are batched already; Nagle would hold a frame back for an ACK. */
      if (g_socket_get_protocol (socket) == G_SOCKET_PROTOCOL_TCP)
        g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
    }

  item = g_new0 (Item, 1);
  item->kind = ITEM_ADD;
  item->stream = stream;
  item->session_id = session_id;
  item->text = g_strdup (label != NULL ? label : "subscriber");
  if (allowed_sites != NULL)
    {
      /* Never NULL, even for no site: NULL would mean every site. */
      item->allowed = g_new (gint64, MAX (n_allowed, 1));
      memcpy (item->allowed, allowed_sites, n_allowed * sizeof (gint64));
      item->n_allowed = n_allowed;
    }
  live_post (live, item);
}

/**
 * atrium_live_add:
 * @live: a hub
 * @stream: (transfer full): the connection after a successful WebSocket handshake;
 *   its input and output streams must be pollable
 * @allowed_sites: (array length=n_allowed) (nullable): the sites this subscriber may
 *   follow; %NULL for every site. A non-%NULL array with @n_allowed 0 allows none.
 * @n_allowed: length of @allowed_sites
 * @label: (nullable): names the subscriber in the log (no secrets)
 *
 * Hands a connection to the hub, which owns it from now on. Its socket, when the hub
 * finds one, loses any timeout (the hub has its own) and gets TCP_NODELAY. Returns at
 * once; the subscriber counts once the hub's thread has taken it, or is refused with a
 * close 1013 when the hub already has max_subscribers.
 */
void
atrium_live_add (AtriumLive   *live,
                 GIOStream    *stream,
                 const gint64 *allowed_sites,
                 guint         n_allowed,
                 const char   *label)
{
  g_return_if_fail (live != NULL);
  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_return_if_fail (allowed_sites != NULL || n_allowed == 0);

  live_add_item (live, stream, allowed_sites, n_allowed, 0, label);
}

void
atrium_live_add_session (AtriumLive *live,
                         GIOStream  *stream,
                         gint64      session_id,
                         const char *label)
{
  g_return_if_fail (live != NULL);
  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_return_if_fail (session_id > 0);

  live_add_item (live, stream, NULL, 0, session_id, label);
}

void
atrium_live_set_session_check (AtriumLive             *live,
                               AtriumLiveSessionCheck  check,
                               gpointer                user_data)
{
  g_return_if_fail (live != NULL);
  g_return_if_fail (g_atomic_int_get (&live->n_subscribers) == 0);

  live->session_check = check;
  live->session_check_data = user_data;
}

/**
 * atrium_live_publish:
 * @live: a hub
 * @site_id: the site the change belongs to
 * @key: what changed, e.g. "space:12" or "queue:3"
 * @payload: a complete JSON text (UTF-8), sent verbatim as one text frame
 *
 * Sends @payload to every subscriber of @site_id. The first change of a key goes out
 * at once; further ones within coalesce_ms replace each other and the last goes out
 * when that time is up. Messages of one key reach each subscriber in order. Takes its
 * own reference to @payload; cheap, callable from any thread.
 */
void
atrium_live_publish (AtriumLive *live,
                     gint64      site_id,
                     const char *key,
                     GBytes     *payload)
{
  Item *item;
  gsize size;
  const char *data;

  g_return_if_fail (live != NULL);
  g_return_if_fail (key != NULL);
  g_return_if_fail (payload != NULL);

  data = g_bytes_get_data (payload, &size);
  g_return_if_fail (g_utf8_validate_len (data, size, NULL));

  item = g_new0 (Item, 1);
  item->kind = ITEM_PUBLISH;
  item->site = site_id;
  item->text = g_strdup_printf ("%" G_GINT64_FORMAT " %s", site_id, key);
  item->payload = g_bytes_ref (payload);
  live_post (live, item);
}

/**
 * atrium_live_get_n_subscribers:
 * @live: a hub
 *
 * Returns: the subscribers taken and still open (neither refused nor closing)
 */
guint
atrium_live_get_n_subscribers (AtriumLive *live)
{
  g_return_val_if_fail (live != NULL, 0);

  return (guint) g_atomic_int_get (&live->n_subscribers);
}

/**
 * atrium_live_get_n_dropped:
 * @live: a hub
 *
 * Returns: how many subscribers were dropped so far as slow (too much queued) or
 *   silent (nothing received for three heartbeat intervals)
 */
guint64
atrium_live_get_n_dropped (AtriumLive *live)
{
  guint64 n;

  g_return_val_if_fail (live != NULL, 0);

  g_mutex_lock (&live->lock);
  n = live->n_dropped;
  g_mutex_unlock (&live->lock);
  return n;
}
