/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-live"

#include "config.h"

#include "atrium-live-private.h"

#include "atrium-json.h"

#include <string.h>

/*
 * One subscriber of the hub: RFC 6455 framing by hand on the stream's pollable halves,
 * the queue of frames to write, and the subscribe/unsubscribe requests. Runs in the
 * hub's thread only.
 */

#define CLOSE_LINGER_MS    3000  /* after a clean close: wait this long for the client's */
#define READ_CHUNK         512   /* client frames are small: subscribe, pong */
#define READS_PER_DISPATCH 8     /* then the other subscribers get their turn */
#define WRITE_VECTORS      16
#define MAX_CONTROL_BYTES  125

enum
{
  OP_CONTINUATION = 0x0,
  OP_TEXT         = ATRIUM_LIVE_OP_TEXT,
  OP_BINARY       = 0x2,
  OP_CLOSE        = 0x8,
  OP_PING         = ATRIUM_LIVE_OP_PING,
  OP_PONG         = 0xa,
};

enum
{
  CLOSE_NONE           = 0,      /* a close frame without a code */
  CLOSE_PROTOCOL_ERROR = 1002,
  CLOSE_UNSUPPORTED    = 1003,
  CLOSE_BAD_DATA       = 1007,
  CLOSE_TOO_BIG        = 1009,
};

/* ---- frames ------------------------------------------------------------------------ */

GBytes *
atrium_live_frame_new (guint8      opcode,
                       const void *data,
                       gsize       len)
{
  gsize header = len < 126 ? 2 : len <= G_MAXUINT16 ? 4 : 10;
  guint8 *buf = g_malloc (header + len);

  buf[0] = 0x80 | opcode;
  if (len < 126)
    {
      buf[1] = (guint8) len;
    }
  else if (len <= G_MAXUINT16)
    {
      buf[1] = 126;
      buf[2] = (guint8) (len >> 8);
      buf[3] = (guint8) len;
    }
  else
    {
      buf[1] = 127;
      for (guint i = 0; i < 8; i++)
        buf[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
    }
  if (len > 0)
    memcpy (buf + header, data, len);
  return g_bytes_new_take (buf, header + len);
}

static GBytes *
frame_new_close (guint       code,
                 const char *reason)
{
  guint8 payload[MAX_CONTROL_BYTES];
  gsize len = 0;

  if (code != CLOSE_NONE)
    {
      payload[0] = (guint8) (code >> 8);
      payload[1] = (guint8) code;
      len = 2;
      if (reason != NULL)
        {
          gsize reason_len = MIN (strlen (reason), sizeof payload - 2);

          memcpy (payload + 2, reason, reason_len);
          len += reason_len;
        }
    }
  return atrium_live_frame_new (OP_CLOSE, payload, len);
}

/* Codes a client may send (RFC 6455 §7.4); 1005, 1006 and 1015 never go on the wire. */
static gboolean
close_code_valid (guint code)
{
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

static void
source_clear (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* ---- output ------------------------------------------------------------------------ */

static void
subscriber_consume (AtriumLiveSubscriber *sub,
                    gsize                 written)
{
  while (written > 0)
    {
      GBytes *head = g_queue_peek_head (&sub->queue);
      gsize left = g_bytes_get_size (head) - sub->head_offset;

      if (written < left)
        {
          sub->head_offset += written;
          sub->queued -= written;
          return;
        }
      written -= left;
      sub->queued -= left;
      sub->head_offset = 0;
      g_bytes_unref (g_queue_pop_head (&sub->queue));
    }
}

static gboolean on_writable (GObject  *stream,
                             gpointer  data);

/* Writes what the stream takes now; the rest waits for it to become writable. */
static void
subscriber_write (AtriumLiveSubscriber *sub)
{
  while (sub->queue.length > 0)
    {
      GOutputVector vectors[WRITE_VECTORS];
      g_autoptr(GError) error = NULL;
      GPollableReturn ret;
      gsize written = 0;
      guint n = 0;

      for (GList *l = sub->queue.head; l != NULL && n < WRITE_VECTORS; l = l->next, n++)
        {
          gsize size;
          const guint8 *data = g_bytes_get_data (l->data, &size);
          gsize skip = n == 0 ? sub->head_offset : 0;

          vectors[n].buffer = data + skip;
          vectors[n].size = size - skip;
        }

      ret = g_pollable_output_stream_writev_nonblocking (sub->out, vectors, n, &written,
                                                         NULL, &error);
      /* TIMED_OUT: a GSocket timeout left on the socket fired; not an error here. */
      if (ret == G_POLLABLE_RETURN_FAILED &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_debug ("%s: write failed: %s", sub->label, error->message);
          atrium_live_subscriber_kill (sub);
          return;
        }
      if (ret != G_POLLABLE_RETURN_OK || written == 0)
        {
          if (sub->out_source == NULL)
            {
              sub->out_source = g_pollable_output_stream_create_source (sub->out, NULL);
              g_source_set_callback (sub->out_source, G_SOURCE_FUNC (on_writable), sub, NULL);
              g_source_attach (sub->out_source, sub->live->context);
            }
          return;
        }
      subscriber_consume (sub, written);
    }

  source_clear (&sub->out_source);
  if (sub->state == ATRIUM_LIVE_SUB_CLOSING)
    {
      sub->close_sent = TRUE;
      if (sub->peer_closed || sub->failed || sub->live->stopping)
        atrium_live_subscriber_kill (sub);
    }
}

/* A subscriber whose stream takes nothing while its queue grows over the limit is a
 * slow consumer. */
static void
subscriber_check_backlog (AtriumLiveSubscriber *sub)
{
  if (sub->state != ATRIUM_LIVE_SUB_OPEN || sub->queued <= sub->live->limits.max_queued_bytes)
    return;

  g_info ("%s: dropped, a slow consumer with %" G_GSIZE_FORMAT " bytes queued",
          sub->label, sub->queued);
  atrium_live_count_drop (sub->live);
  atrium_live_subscriber_kill (sub);
}

static gboolean
on_writable (GObject  *stream,
             gpointer  data)
{
  AtriumLiveSubscriber *sub = data;
  AtriumLive *live = sub->live;

  subscriber_write (sub);
  atrium_live_settle (live);
  return G_SOURCE_CONTINUE;
}

/* Queues a frame; atrium_live_settle() writes it, with whatever else came meanwhile. */
static void
subscriber_queue (AtriumLiveSubscriber *sub,
                  GBytes               *frame)
{
  g_queue_push_tail (&sub->queue, g_bytes_ref (frame));
  sub->queued += g_bytes_get_size (frame);
  if (!sub->dirty && sub->out_source == NULL)
    {
      sub->dirty = TRUE;
      g_ptr_array_add (sub->live->dirty, sub);
    }
}

/* Called by atrium_live_settle() for each subscriber with frames queued. */
void
atrium_live_subscriber_flush (AtriumLiveSubscriber *sub)
{
  sub->dirty = FALSE;
  if (sub->state == ATRIUM_LIVE_SUB_DEAD)
    return;
  subscriber_write (sub);
  subscriber_check_backlog (sub);
}

/* Queues a frame (often shared by many subscribers) to an open subscriber. */
void
atrium_live_subscriber_send (AtriumLiveSubscriber *sub,
                             GBytes               *frame)
{
  if (sub->state != ATRIUM_LIVE_SUB_OPEN)
    return;

  subscriber_queue (sub, frame);
  /* While the stream takes nothing, the queue is all backlog. */
  if (sub->out_source != NULL)
    subscriber_check_backlog (sub);
}

static void
subscriber_send_text (AtriumLiveSubscriber *sub,
                      GString              *text)
{
  g_autoptr(GBytes) frame = atrium_live_frame_new (OP_TEXT, text->str, text->len);

  atrium_live_subscriber_send (sub, frame);
}

static void
subscriber_leave_open (AtriumLiveSubscriber *sub)
{
  if (sub->counted)
    {
      sub->counted = FALSE;
      g_atomic_int_add (&sub->live->n_subscribers, -1);
    }
}

/* Ends the subscriber now, whatever is still queued; the next atrium_live_settle()
 * frees it and closes its stream. */
void
atrium_live_subscriber_kill (AtriumLiveSubscriber *sub)
{
  if (sub->state == ATRIUM_LIVE_SUB_DEAD)
    return;

  subscriber_leave_open (sub);
  sub->state = ATRIUM_LIVE_SUB_DEAD;
  source_clear (&sub->in_source);
  source_clear (&sub->out_source);
  source_clear (&sub->linger);
  g_ptr_array_add (sub->live->dead, sub);
}

static gboolean
on_linger (gpointer data)
{
  AtriumLiveSubscriber *sub = data;
  AtriumLive *live = sub->live;

  g_debug ("%s: no close from the client in time", sub->label);
  atrium_live_subscriber_kill (sub);
  atrium_live_settle (live);
  return G_SOURCE_REMOVE;
}

/**
 * atrium_live_subscriber_close:
 * @sub: an open subscriber
 * @code: the close code, or CLOSE_NONE for a close frame without one
 * @reason: (nullable): a few words of ASCII for the client
 *
 * Starts the closing handshake, or answers the client's: the close frame goes after
 * what is queued, and nothing after it. The stream ends once the client's close came
 * too, or CLOSE_LINGER_MS later.
 */
void
atrium_live_subscriber_close (AtriumLiveSubscriber *sub,
                              guint                 code,
                              const char           *reason)
{
  g_autoptr(GBytes) frame = NULL;

  if (sub->state != ATRIUM_LIVE_SUB_OPEN)
    return;

  if (reason != NULL && code != ATRIUM_LIVE_CLOSE_GOING_AWAY)
    g_debug ("%s: closing with %u (%s)", sub->label, code, reason);

  subscriber_leave_open (sub);
  sub->state = ATRIUM_LIVE_SUB_CLOSING;
  sub->linger = g_timeout_source_new (CLOSE_LINGER_MS);
  g_source_set_callback (sub->linger, on_linger, sub, NULL);
  g_source_attach (sub->linger, sub->live->context);

  frame = frame_new_close (code, reason);
  subscriber_queue (sub, frame);
}

/* Fails the connection (RFC 6455 §7.1.7): the close frame goes out, then the stream
 * is closed without waiting for the client, whose bytes may be out of step. */
static void
subscriber_fail (AtriumLiveSubscriber *sub,
                 guint                 code,
                 const char           *reason)
{
  sub->discard = TRUE;
  sub->failed = TRUE;
  atrium_live_subscriber_close (sub, code, reason);
}

/* ---- requests ---------------------------------------------------------------------- */

static const AtriumJsonField site_item = { NULL, ATRIUM_JSON_INT, 0, 1, G_MAXINT64 };

static const AtriumJsonField request_schema[] = {
  { "type", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "sites", ATRIUM_JSON_ARRAY, ATRIUM_JSON_REQUIRED, 1, ATRIUM_LIVE_MAX_SITES, NULL,
    &site_item },
  { NULL },
};

static void
send_bad_request (AtriumLiveSubscriber *sub,
                  const char           *message,
                  const char           *field)
{
  g_autoptr(GString) json = g_string_new ("{\"type\":\"error\",\"error\":\"bad_request\"");
  g_autofree char *valid_message = g_utf8_make_valid (message, -1);

  g_string_append (json, ",\"message\":");
  atrium_json_write_string (json, valid_message);
  if (field != NULL && *field != '\0')
    {
      g_autofree char *valid_field = g_utf8_make_valid (field, -1);

      g_string_append (json, ",\"field\":");
      atrium_json_write_string (json, valid_field);
    }
  g_string_append_c (json, '}');
  subscriber_send_text (sub, json);
}

static void
send_forbidden (AtriumLiveSubscriber *sub,
                gint64                site)
{
  g_autoptr(GString) json = g_string_new (NULL);

  g_string_printf (json,
                   "{\"type\":\"error\",\"error\":\"forbidden\",\"site\":%" G_GINT64_FORMAT "}",
                   site);
  subscriber_send_text (sub, json);
}

static void
send_subscribed (AtriumLiveSubscriber *sub)
{
  g_autoptr(GString) json = g_string_new ("{\"type\":\"subscribed\",\"sites\":[");

  for (guint i = 0; i < sub->n_sites; i++)
    g_string_append_printf (json, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", sub->sites[i]);
  g_string_append (json, "]}");
  subscriber_send_text (sub, json);
}

static gboolean
subscriber_allowed (AtriumLiveSubscriber *sub,
                    gint64                site)
{
  if (sub->allowed == NULL)
    return TRUE;
  for (guint i = 0; i < sub->n_allowed; i++)
    {
      if (sub->allowed[i] == site)
        return TRUE;
    }
  return FALSE;
}

static gint
subscriber_find_site (AtriumLiveSubscriber *sub,
                      gint64                site)
{
  for (guint i = 0; i < sub->n_sites; i++)
    {
      if (sub->sites[i] == site)
        return (gint) i;
    }
  return -1;
}

static void
subscriber_subscribe (AtriumLiveSubscriber *sub,
                      JsonArray            *sites)
{
  for (guint i = 0; i < json_array_get_length (sites) && sub->state == ATRIUM_LIVE_SUB_OPEN;
       i++)
    {
      gint64 site = json_array_get_int_element (sites, i);

      if (!subscriber_allowed (sub, site))
        {
          send_forbidden (sub, site);
          continue;
        }
      if (subscriber_find_site (sub, site) >= 0)
        continue;
      if (sub->n_sites >= ATRIUM_LIVE_MAX_SITES)
        {
          send_bad_request (sub, "too many sites", "sites");
          break;
        }
      sub->sites = g_renew (gint64, sub->sites, sub->n_sites + 1);
      sub->sites[sub->n_sites++] = site;
      atrium_live_site_add (sub->live, site, sub);
    }
}

static void
subscriber_unsubscribe (AtriumLiveSubscriber *sub,
                        JsonArray            *sites)
{
  for (guint i = 0; i < json_array_get_length (sites); i++)
    {
      gint64 site = json_array_get_int_element (sites, i);
      gint index = subscriber_find_site (sub, site);

      if (index < 0)
        continue;
      memmove (sub->sites + index, sub->sites + index + 1,
               (sub->n_sites - (guint) index - 1) * sizeof (gint64));
      sub->n_sites--;
      atrium_live_site_remove (sub->live, site, sub);
    }
}

static void
subscriber_handle_text (AtriumLiveSubscriber *sub,
                        const guint8         *data,
                        gsize                 len)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  JsonObject *request;
  const char *type;

  node = atrium_json_decode ((const char *) data, len, sub->live->limits.max_message_bytes,
                             request_schema, &field, &error);
  if (node == NULL)
    {
      send_bad_request (sub, error->message, field);
      return;
    }

  request = json_node_get_object (node);
  type = json_object_get_string_member (request, "type");
  if (g_str_equal (type, "subscribe"))
    subscriber_subscribe (sub, json_object_get_array_member (request, "sites"));
  else if (g_str_equal (type, "unsubscribe"))
    subscriber_unsubscribe (sub, json_object_get_array_member (request, "sites"));
  else
    {
      send_bad_request (sub, "unknown type", "type");
      return;
    }
  send_subscribed (sub);
}

/* ---- input ------------------------------------------------------------------------- */

static gsize
header_size (const guint8 *header)
{
  gsize size = 2;

  if ((header[1] & 0x7f) == 126)
    size += 2;
  else if ((header[1] & 0x7f) == 127)
    size += 8;
  if (header[1] & 0x80)
    size += 4;
  return size;
}

static void
subscriber_handle_close (AtriumLiveSubscriber *sub,
                         const guint8         *payload,
                         gsize                 len)
{
  guint code = CLOSE_NONE;

  if (len == 1)
    {
      subscriber_fail (sub, CLOSE_PROTOCOL_ERROR, "bad close frame");
      return;
    }
  if (len >= 2)
    {
      code = ((guint) payload[0] << 8) | payload[1];
      if (!close_code_valid (code))
        {
          subscriber_fail (sub, CLOSE_PROTOCOL_ERROR, "bad close code");
          return;
        }
      if (!g_utf8_validate_len ((const char *) payload + 2, len - 2, NULL))
        {
          subscriber_fail (sub, CLOSE_BAD_DATA, "close reason not UTF-8");
          return;
        }
    }
  g_debug ("%s: the client closed with %u", sub->label, code);
  sub->peer_closed = TRUE;
  atrium_live_subscriber_close (sub, code, NULL);
}

static void
subscriber_frame_end (AtriumLiveSubscriber *sub)
{
  g_autofree guint8 *control = g_steal_pointer (&sub->control);

  sub->in_payload = FALSE;
  sub->header_len = 0;
  sub->dest = NULL;
  if (sub->discard || sub->state != ATRIUM_LIVE_SUB_OPEN)
    return;

  switch (sub->opcode)
    {
    case OP_PING:
      {
        g_autoptr(GBytes) pong = atrium_live_frame_new (OP_PONG, control, sub->frame_len);

        atrium_live_subscriber_send (sub, pong);
      }
      break;

    case OP_PONG:
      break;

    case OP_CLOSE:
      subscriber_handle_close (sub, control, sub->frame_len);
      break;

    case OP_TEXT:
    case OP_CONTINUATION:
      if (sub->fin)
        {
          g_autoptr(GByteArray) message = g_steal_pointer (&sub->message);

          if (!g_utf8_validate_len ((const char *) message->data, message->len, NULL))
            subscriber_fail (sub, CLOSE_BAD_DATA, "text is not UTF-8");
          else
            subscriber_handle_text (sub, message->data, message->len);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Why a frame with this header is refused, or NULL; *@code says how to close. */
static const char *
frame_refusal (AtriumLiveSubscriber *sub,
               guint                *code)
{
  gsize limit = sub->live->limits.max_message_bytes;
  gsize message_len = sub->message != NULL ? sub->message->len : 0;

  *code = CLOSE_PROTOCOL_ERROR;
  if ((sub->header[0] & 0x70) != 0)
    return "reserved bits set";
  if ((sub->header[1] & 0x80) == 0)
    return "client frames must be masked";

  switch (sub->opcode)
    {
    case OP_CLOSE:
    case OP_PING:
    case OP_PONG:
      if (!sub->fin || sub->frame_len > MAX_CONTROL_BYTES)
        return "bad control frame";
      return NULL;

    case OP_TEXT:
      if (sub->message != NULL)
        return "expected a continuation";
      break;

    case OP_CONTINUATION:
      if (sub->message == NULL)
        return "unexpected continuation";
      break;

    case OP_BINARY:
      *code = CLOSE_UNSUPPORTED;
      return "binary messages are not accepted";

    default:
      return "unknown opcode";
    }

  if (sub->frame_len > limit || message_len + sub->frame_len > limit)
    {
      *code = CLOSE_TOO_BIG;
      return "message too big";
    }
  return NULL;
}

/* The header is complete: check it and say where its payload goes. */
static void
subscriber_frame_begin (AtriumLiveSubscriber *sub)
{
  const guint8 *header = sub->header;
  guint len7 = header[1] & 0x7f;
  gsize mask_at = 2;
  const char *refusal;
  guint code;

  sub->fin = (header[0] & 0x80) != 0;
  sub->opcode = header[0] & 0x0f;
  sub->frame_len = len7;
  if (len7 == 126)
    {
      sub->frame_len = ((guint) header[2] << 8) | header[3];
      mask_at = 4;
    }
  else if (len7 == 127)
    {
      sub->frame_len = 0;
      for (guint i = 0; i < 8; i++)
        sub->frame_len = (sub->frame_len << 8) | header[2 + i];
      mask_at = 10;
    }
  memcpy (sub->mask, header + mask_at, (header[1] & 0x80) ? 4 : 0);
  sub->frame_got = 0;
  sub->in_payload = TRUE;
  sub->discard = FALSE;

  /* Once closing, only the client's close matters. */
  if (sub->state != ATRIUM_LIVE_SUB_OPEN)
    {
      sub->discard = TRUE;
      if (sub->opcode == OP_CLOSE)
        {
          sub->peer_closed = TRUE;
          if (sub->close_sent)
            atrium_live_subscriber_kill (sub);
        }
      return;
    }

  refusal = frame_refusal (sub, &code);
  if (refusal != NULL)
    {
      subscriber_fail (sub, code, refusal);
      return;
    }

  if (sub->opcode >= OP_CLOSE)
    {
      sub->control = g_malloc (MAX (sub->frame_len, 1));
      sub->dest = sub->control;
    }
  else
    {
      gsize message_len = sub->message != NULL ? sub->message->len : 0;

      /* Sized to the frame; max_message_bytes is below G_MAXUINT. */
      if (sub->message == NULL)
        sub->message = g_byte_array_sized_new ((guint) sub->frame_len);
      g_byte_array_set_size (sub->message, (guint) (message_len + sub->frame_len));
      sub->dest = sub->message->data + message_len;
    }
}

static void
subscriber_parse (AtriumLiveSubscriber *sub,
                  const guint8         *data,
                  gsize                 len)
{
  while (len > 0 && sub->state != ATRIUM_LIVE_SUB_DEAD)
    {
      if (!sub->in_payload)
        {
          gsize need = sub->header_len < 2 ? 2 : header_size (sub->header);
          gsize take = MIN (need - sub->header_len, len);

          memcpy (sub->header + sub->header_len, data, take);
          sub->header_len += take;
          data += take;
          len -= take;
          if (sub->header_len < 2 || sub->header_len < header_size (sub->header))
            continue;

          subscriber_frame_begin (sub);
          if (sub->state != ATRIUM_LIVE_SUB_DEAD && sub->frame_len == 0)
            subscriber_frame_end (sub);
        }
      else
        {
          gsize take = (gsize) MIN ((guint64) len, sub->frame_len - sub->frame_got);

          if (!sub->discard)
            {
              for (gsize i = 0; i < take; i++)
                sub->dest[sub->frame_got + i] = data[i] ^ sub->mask[(sub->frame_got + i) & 3];
            }
          sub->frame_got += take;
          data += take;
          len -= take;
          if (sub->frame_got == sub->frame_len)
            subscriber_frame_end (sub);
        }
    }
}

static gboolean on_readable (GObject  *stream,
                             gpointer  data);

static void
subscriber_watch_input (AtriumLiveSubscriber *sub)
{
  source_clear (&sub->in_source);
  sub->in_source = g_pollable_input_stream_create_source (sub->in, NULL);
  g_source_set_callback (sub->in_source, G_SOURCE_FUNC (on_readable), sub, NULL);
  g_source_attach (sub->in_source, sub->live->context);
}

static gboolean
on_readable (GObject  *stream,
             gpointer  data)
{
  AtriumLiveSubscriber *sub = data;
  AtriumLive *live = sub->live;

  for (guint i = 0; i < READS_PER_DISPATCH && sub->state != ATRIUM_LIVE_SUB_DEAD; i++)
    {
      guint8 buf[READ_CHUNK];
      g_autoptr(GError) error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (sub->in, buf, sizeof buf, NULL,
                                                           &error);

      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) &&
              !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            {
              g_debug ("%s: read failed: %s", sub->label, error->message);
              atrium_live_subscriber_kill (sub);
            }
          /* A source made while the stream held buffered bytes (libsoup's filter
           * stream after the handshake) stays ready for ever: make a fresh one. */
          else if (i == 0)
            {
              subscriber_watch_input (sub);
            }
          break;
        }
      if (n == 0)
        {
          if (sub->state == ATRIUM_LIVE_SUB_OPEN)
            g_debug ("%s: the client went away", sub->label);
          atrium_live_subscriber_kill (sub);
          break;
        }
      sub->last_seen = g_get_monotonic_time ();
      subscriber_parse (sub, buf, (gsize) n);
    }

  atrium_live_settle (live);
  return G_SOURCE_CONTINUE;
}

/* ---- life ------------------------------------------------------------------------- */

/* Takes @stream, @label and @allowed. The subscriber starts open, uncounted, and
 * reading; the hub decides whether to count it or refuse it. */
AtriumLiveSubscriber *
atrium_live_subscriber_new (AtriumLive *live,
                            GIOStream  *stream,
                            char       *label,
                            gint64     *allowed,
                            guint       n_allowed)
{
  AtriumLiveSubscriber *sub = g_new0 (AtriumLiveSubscriber, 1);

  sub->live = live;
  sub->link.data = sub;
  sub->stream = stream;
  sub->in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  sub->out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  sub->label = label;
  sub->allowed = allowed;
  sub->n_allowed = n_allowed;
  sub->last_seen = g_get_monotonic_time ();
  sub->state = ATRIUM_LIVE_SUB_OPEN;
  subscriber_watch_input (sub);
  return sub;
}

/* Frees a dead subscriber; its stream has been handed on to be closed. */
void
atrium_live_subscriber_free (AtriumLiveSubscriber *sub)
{
  g_assert (sub->state == ATRIUM_LIVE_SUB_DEAD);
  g_assert (sub->stream == NULL);

  g_queue_clear_full (&sub->queue, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&sub->message, g_byte_array_unref);
  g_free (sub->control);
  g_free (sub->sites);
  g_free (sub->allowed);
  g_free (sub->label);
  g_free (sub);
}
