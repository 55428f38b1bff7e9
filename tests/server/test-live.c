/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live-feed hub against real WebSocket clients over loopback TCP: each test hands
 * the server end of a connection to the hub and speaks raw RFC 6455 on the other end,
 * and one test goes through libsoup's handshake and stolen connection. Waits are on
 * conditions with generous deadlines, never on sleeps. */
#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "atrium-live.h"
#include "atrium-ws-client.h"

#define WAIT_MS 10000

/* 127.0.0.1, one listener for the whole run. */
static GSocketListener *listener;
static GSocketAddress *listen_address;

static void
listener_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  listener = g_socket_listener_new ();
  g_socket_listener_set_backlog (listener, 64);
  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &listen_address, &error);
  g_assert_no_error (error);
}

static void
listener_stop (void)
{
  g_socket_listener_close (listener);
  g_clear_object (&listener);
  g_clear_object (&listen_address);
}

/* A connected pair: the client end speaks WebSocket, the server end goes to the hub.
 * Buffer sizes of 0 keep the system's. */
static AtriumWsClient *
connect_pair (int         client_rcvbuf,
              int         server_sndbuf,
              GIOStream **server_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) server = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  if (client_rcvbuf > 0)
    {
      g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, client_rcvbuf, &error);
      g_assert_no_error (error);
    }
  g_socket_connect (socket, listen_address, NULL, &error);
  g_assert_no_error (error);

  server = g_socket_listener_accept (listener, NULL, NULL, &error);
  g_assert_no_error (error);
  if (server_sndbuf > 0)
    {
      g_socket_set_option (g_socket_connection_get_socket (server), SOL_SOCKET, SO_SNDBUF,
                           server_sndbuf, &error);
      g_assert_no_error (error);
    }

  *server_out = G_IO_STREAM (g_steal_pointer (&server));
  return atrium_ws_client_new_for_socket (socket);
}

static AtriumWsClient *
add_subscriber (AtriumLive   *live,
                const gint64 *allowed,
                guint         n_allowed,
                const char   *label)
{
  GIOStream *server = NULL;
  AtriumWsClient *client = connect_pair (0, 0, &server);

  atrium_live_add (live, server, allowed, n_allowed, label);
  return client;
}

static void
wait_subscribers (AtriumLive *live,
                  guint       n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (atrium_live_get_n_subscribers (live) != n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%u subscribers, expected %u", atrium_live_get_n_subscribers (live), n);
      g_usleep (1000);
    }
}

static void
wait_dropped (AtriumLive *live,
              guint64     n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (atrium_live_get_n_dropped (live) < n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%" G_GUINT64_FORMAT " dropped, expected %" G_GUINT64_FORMAT,
                 atrium_live_get_n_dropped (live), n);
      g_usleep (1000);
    }
  g_assert_cmpuint (atrium_live_get_n_dropped (live), ==, n);
}

static void
publish (AtriumLive *live,
         gint64      site,
         const char *key,
         const char *json)
{
  g_autoptr(GBytes) payload = g_bytes_new (json, strlen (json));

  atrium_live_publish (live, site, key, payload);
}

static void
send_text (AtriumWsClient *client,
           const char     *text)
{
  g_autoptr(GError) error = NULL;

  atrium_ws_client_send_text (client, text, &error);
  g_assert_no_error (error);
}

static void
send_frame (AtriumWsClient *client,
            AtriumWsOpcode  opcode,
            gboolean        fin,
            gboolean        masked,
            const char     *data,
            gsize           len)
{
  g_autoptr(GError) error = NULL;

  atrium_ws_client_send_frame (client, opcode, fin, masked, data, len, &error);
  g_assert_no_error (error);
}

static char *
receive_text (AtriumWsClient *client)
{
  g_autoptr(GError) error = NULL;
  char *text = atrium_ws_client_receive_text (client, WAIT_MS, &error);

  g_assert_no_error (error);
  return text;
}

static void
expect_text (AtriumWsClient *client,
             const char     *expected)
{
  g_autofree char *text = receive_text (client);

  g_assert_cmpstr (text, ==, expected);
}

static void
expect_nothing (AtriumWsClient *client,
                guint           ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumWsFrame) frame = atrium_ws_client_receive (client, ms, &error);

  if (frame != NULL)
    g_error ("unexpected frame, opcode %u: %s", frame->opcode,
             (const char *) g_bytes_get_data (frame->payload, NULL));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

static void
subscribe (AtriumWsClient *client,
           const char     *sites,
           const char     *now_subscribed)
{
  g_autofree char *request = g_strdup_printf ("{\"type\":\"subscribe\",\"sites\":[%s]}", sites);
  g_autofree char *answer = g_strdup_printf ("{\"type\":\"subscribed\",\"sites\":[%s]}",
                                             now_subscribed);

  send_text (client, request);
  expect_text (client, answer);
}

/* The next close frame (what was queued before it is skipped) must carry @code; the
 * client answers it and the server must then end the stream. */
static void
expect_close (AtriumWsClient *client,
              guint           code)
{
  g_autoptr(GError) error = NULL;

  for (;;)
    {
      g_autoptr(AtriumWsFrame) frame = atrium_ws_client_receive (client, WAIT_MS, &error);

      g_assert_no_error (error);
      g_assert_false (frame->masked);
      if (frame->opcode == ATRIUM_WS_OPCODE_CLOSE)
        {
          g_assert_cmpuint (frame->close_code, ==, code);
          break;
        }
    }
  /* The server may be gone already; its close is what matters. */
  atrium_ws_client_send_close (client, code, NULL);
  g_assert_true (atrium_ws_client_wait_closed (client, WAIT_MS, &error));
  g_assert_no_error (error);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* ---- the tests ---------------------------------------------------------------------- */

static void
test_subscribe_receive (void)
{
  AtriumLive *live = atrium_live_new (NULL);
  g_autoptr(AtriumWsClient) client = add_subscriber (live, NULL, 0, "one");
  g_autoptr(AtriumWsFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  const char *payload = "{\"type\":\"space\",\"space\":12,\"free\":3}";
  g_autofree char *text = NULL;

  wait_subscribers (live, 1);
  subscribe (client, "1", "1");
  publish (live, 1, "space:12", payload);

  frame = atrium_ws_client_receive (client, WAIT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (frame->opcode, ==, ATRIUM_WS_OPCODE_TEXT);
  g_assert_true (frame->fin);
  g_assert_false (frame->masked);
  text = atrium_ws_frame_dup_text (frame);
  g_assert_cmpstr (text, ==, payload);

  /* Subscribing again changes nothing; a large payload takes the 16-bit length. */
  subscribe (client, "1,1", "1");
  {
    g_autoptr(GString) big = g_string_new ("{\"pad\":\"");

    for (guint i = 0; i < 300; i++)
      g_string_append (big, "0123456789");
    g_string_append (big, "\"}");
    publish (live, 1, "space:13", big->str);
    expect_text (client, big->str);
  }

  atrium_live_free (live);
}

static void
test_site_filter (void)
{
  static const gint64 sites_1_2[] = { 1, 2 };
  static const gint64 site_1[] = { 1 };
  AtriumLive *live = atrium_live_new (NULL);
  g_autoptr(AtriumWsClient) a = add_subscriber (live, sites_1_2, 2, "a");
  g_autoptr(AtriumWsClient) b = add_subscriber (live, NULL, 0, "b");
  g_autoptr(AtriumWsClient) c = add_subscriber (live, site_1, 1, "c");
  g_autoptr(AtriumWsClient) none = add_subscriber (live, site_1, 0, "none");

  wait_subscribers (live, 4);
  subscribe (a, "1", "1");
  subscribe (b, "2", "2");

  /* Messages reach a subscriber in the order they were published, so the first thing
   * a receives after a site-2 message is published must be the site-1 one after it. */
  publish (live, 2, "space:20", "{\"site\":2}");
  publish (live, 1, "space:10", "{\"site\":1}");
  expect_text (b, "{\"site\":2}");
  expect_text (a, "{\"site\":1}");

  /* Site 3 is not c's: refused by name, the rest subscribed. */
  send_text (c, "{\"type\":\"subscribe\",\"sites\":[3,1]}");
  expect_text (c, "{\"type\":\"error\",\"error\":\"forbidden\",\"site\":3}");
  expect_text (c, "{\"type\":\"subscribed\",\"sites\":[1]}");
  publish (live, 3, "space:30", "{\"site\":3}");
  publish (live, 1, "space:11", "{\"site\":1,\"n\":2}");
  expect_text (c, "{\"site\":1,\"n\":2}");
  expect_text (a, "{\"site\":1,\"n\":2}");

  /* An empty allow-list allows nothing (only NULL means every site). */
  send_text (none, "{\"type\":\"subscribe\",\"sites\":[1]}");
  expect_text (none, "{\"type\":\"error\",\"error\":\"forbidden\",\"site\":1}");
  expect_text (none, "{\"type\":\"subscribed\",\"sites\":[]}");

  /* Unsubscribed, a gets site 2 only; the answer lists what is left. */
  subscribe (a, "2", "1,2");
  send_text (a, "{\"type\":\"unsubscribe\",\"sites\":[1,7]}");
  expect_text (a, "{\"type\":\"subscribed\",\"sites\":[2]}");
  publish (live, 1, "space:12", "{\"site\":1,\"n\":3}");
  publish (live, 2, "space:21", "{\"site\":2,\"n\":2}");
  expect_text (a, "{\"site\":2,\"n\":2}");

  atrium_live_free (live);
}

static void
test_bad_request (void)
{
  AtriumLive *live = atrium_live_new (NULL);
  g_autoptr(AtriumWsClient) client = add_subscriber (live, NULL, 0, "bad");
  static const struct
  {
    const char *request;
    const char *field;
  } cases[] = {
    { "not json", NULL },
    { "[1,2]", NULL },
    { "{\"type\":\"subscribe\",\"sites\":[1],\"extra\":true}", "extra" },
    { "{\"type\":\"subscribe\",\"sites\":[0]}", "sites[0]" },
    { "{\"type\":\"subscribe\",\"sites\":[\"1\"]}", "sites[0]" },
    { "{\"type\":\"subscribe\",\"sites\":[]}", "sites" },
    { "{\"type\":\"subscribe\"}", "sites" },
    { "{\"type\":\"subscribe\",\"type\":\"subscribe\",\"sites\":[1]}", "type" },
    { "{\"type\":\"dance\",\"sites\":[1]}", "type" },
  };

  wait_subscribers (live, 1);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *answer = NULL;
      g_autoptr(JsonObject) object = NULL;

      send_text (client, cases[i].request);
      answer = receive_text (client);
      g_test_message ("%s -> %s", cases[i].request, answer);
      object = parse_object (answer);
      g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "error");
      g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, "bad_request");
      g_assert_nonnull (json_object_get_string_member (object, "message"));
      if (cases[i].field != NULL)
        g_assert_cmpstr (json_object_get_string_member (object, "field"), ==,
                         cases[i].field);
    }

  /* Still connected and useful. */
  subscribe (client, "4", "4");
  g_assert_cmpuint (atrium_live_get_n_subscribers (live), ==, 1);
  atrium_live_free (live);
}

static gint64
elapsed_ms (gint64 since)
{
  return (g_get_monotonic_time () - since) / G_TIME_SPAN_MILLISECOND;
}

static void
test_coalesce (void)
{
  AtriumLive *live = atrium_live_new (NULL);
  g_autoptr(AtriumWsClient) client = add_subscriber (live, NULL, 0, "coalesce");
  gint64 start;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  wait_subscribers (live, 1);
  subscribe (client, "1", "1");

  /* Ten changes of one key in a burst: the first at once, then the last alone once the
   * 500 ms window ends (it cannot come sooner: the window opened after `start`). */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"space\":1,\"seq\":%u}", i);

      publish (live, 1, "space:1", json);
    }
  expect_text (client, "{\"space\":1,\"seq\":0}");
  expect_text (client, "{\"space\":1,\"seq\":9}");
  g_assert_cmpint (elapsed_ms (start), >=, ATRIUM_LIVE_DEFAULT_COALESCE_MS - 1);
  expect_nothing (client, 3 * ATRIUM_LIVE_DEFAULT_COALESCE_MS);

  /* Two keys are two windows: nothing merges across them. The first change of each
   * goes at once, the second of each when its window ends. */
  publish (live, 1, "space:2", "{\"space\":2,\"seq\":0}");
  publish (live, 1, "queue:3", "{\"queue\":3,\"seq\":0}");
  publish (live, 1, "space:2", "{\"space\":2,\"seq\":1}");
  publish (live, 1, "queue:3", "{\"queue\":3,\"seq\":1}");
  expect_text (client, "{\"space\":2,\"seq\":0}");
  expect_text (client, "{\"queue\":3,\"seq\":0}");
  first = receive_text (client);
  second = receive_text (client);
  g_assert_true ((g_str_equal (first, "{\"space\":2,\"seq\":1}") &&
                  g_str_equal (second, "{\"queue\":3,\"seq\":1}")) ||
                 (g_str_equal (first, "{\"queue\":3,\"seq\":1}") &&
                  g_str_equal (second, "{\"space\":2,\"seq\":1}")));
  expect_nothing (client, 3 * ATRIUM_LIVE_DEFAULT_COALESCE_MS);

  /* After a quiet window the key starts afresh: the next change goes at once. */
  publish (live, 1, "space:1", "{\"space\":1,\"seq\":10}");
  expect_text (client, "{\"space\":1,\"seq\":10}");

  atrium_live_free (live);
}

static void
test_order (void)
{
  AtriumLiveLimits limits = { .coalesce_ms = 5 };
  AtriumLive *live = atrium_live_new (&limits);
  g_autoptr(AtriumWsClient) client = add_subscriber (live, NULL, 0, "order");
  const guint n = 300;
  gint last = -1;
  guint received = 0;

  wait_subscribers (live, 1);
  subscribe (client, "1", "1");

  /* Publishes at uneven pace, so some are coalesced and some are not. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"seq\":%u}", i);

      publish (live, 1, "space:1", json);
      if (i % 7 == 0)
        g_usleep (2000);
    }

  while (last != (gint) n - 1)
    {
      g_autofree char *text = receive_text (client);
      g_autoptr(JsonObject) object = parse_object (text);
      gint seq = (gint) json_object_get_int_member (object, "seq");

      g_assert_cmpint (seq, >, last);
      last = seq;
      received++;
    }
  g_test_message ("%u of %u messages after coalescing", received, n);
  g_assert_cmpuint (received, >=, 2);
  atrium_live_free (live);
}

static void
test_heartbeat (void)
{
  AtriumLiveLimits limits = { .heartbeat_ms = 400 };
  AtriumLive *live = atrium_live_new (&limits);
  g_autoptr(AtriumWsClient) good = add_subscriber (live, NULL, 0, "answers");
  g_autoptr(AtriumWsClient) silent = NULL;
  g_autoptr(GError) error = NULL;
  guint heartbeats = 0;
  gint64 deadline;

  wait_subscribers (live, 1);

  /* Each heartbeat: the message, then a ping; answered with a pong. */
  while (heartbeats < 3)
    {
      g_autoptr(AtriumWsFrame) message = atrium_ws_client_receive (good, WAIT_MS, &error);
      g_autoptr(AtriumWsFrame) ping = NULL;
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      g_assert_cmpuint (message->opcode, ==, ATRIUM_WS_OPCODE_TEXT);
      text = atrium_ws_frame_dup_text (message);
      g_assert_cmpstr (text, ==, "{\"type\":\"heartbeat\"}");
      ping = atrium_ws_client_receive (good, WAIT_MS, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ping->opcode, ==, ATRIUM_WS_OPCODE_PING);
      send_frame (good, ATRIUM_WS_OPCODE_PONG, TRUE, TRUE, NULL, 0);
      heartbeats++;
    }
  g_assert_cmpuint (atrium_live_get_n_subscribers (live), ==, 1);
  g_assert_cmpuint (atrium_live_get_n_dropped (live), ==, 0);

  /* One that never answers is dropped after three intervals, while the one that
   * answers stays. */
  silent = add_subscriber (live, NULL, 0, "silent");
  wait_subscribers (live, 2);
  atrium_ws_client_set_auto_pong (good, TRUE);
  deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  while (atrium_live_get_n_dropped (live) == 0)
    {
      g_autofree char *text = NULL;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      text = atrium_ws_client_receive_text (good, 50, &error);
      if (text != NULL)
        g_assert_cmpstr (text, ==, "{\"type\":\"heartbeat\"}");
      else
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      g_clear_error (&error);
    }
  g_assert_cmpuint (atrium_live_get_n_dropped (live), ==, 1);
  wait_subscribers (live, 1);
  g_assert_true (atrium_ws_client_wait_closed (silent, WAIT_MS, &error));
  g_assert_no_error (error);

  atrium_live_free (live);
}

static void
test_ping_pong (void)
{
  AtriumLive *live = atrium_live_new (NULL);
  g_autoptr(AtriumWsClient) client = add_subscriber (live, NULL, 0, "ping");
  g_autoptr(GError) error = NULL;
  char max_control[125];

  wait_subscribers (live, 1);
  memset (max_control, 'p', sizeof max_control);

  send_frame (client, ATRIUM_WS_OPCODE_PING, TRUE, TRUE, "hello", 5);
  send_frame (client, ATRIUM_WS_OPCODE_PING, TRUE, TRUE, NULL, 0);
  send_frame (client, ATRIUM_WS_OPCODE_PING, TRUE, TRUE, max_control, sizeof max_control);
  /* An unsolicited pong is fine and gets no answer. */
  send_frame (client, ATRIUM_WS_OPCODE_PONG, TRUE, TRUE, "x", 1);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(AtriumWsFrame) pong = atrium_ws_client_receive (client, WAIT_MS, &error);
      gsize size;
      const char *data;

      g_assert_no_error (error);
      g_assert_cmpuint (pong->opcode, ==, ATRIUM_WS_OPCODE_PONG);
      g_assert_true (pong->fin);
      data = g_bytes_get_data (pong->payload, &size);
      if (i == 0)
        g_assert_cmpmem (data, size, "hello", 5);
      else if (i == 1)
        g_assert_cmpuint (size, ==, 0);
      else
        g_assert_cmpmem (data, size, max_control, sizeof max_control);
    }

  /* Still a subscriber. */
  subscribe (client, "1", "1");
  atrium_live_free (live);
}

static void
test_fragmented (void)
{
  AtriumLive *live = atrium_live_new (NULL);
  g_autoptr(AtriumWsClient) client = add_subscriber (live, NULL, 0, "fragments");
  g_autoptr(AtriumWsFrame) pong = NULL;
  g_autoptr(GError) error = NULL;
  const char *part1 = "{\"type\":\"subsc";
  const char *part2 = "ribe\",\"sites\"";
  const char *part3 = ":[5]}";

  wait_subscribers (live, 1);

  /* A message in three fragments with a ping between them. */
  send_frame (client, ATRIUM_WS_OPCODE_TEXT, FALSE, TRUE, part1, strlen (part1));
  send_frame (client, ATRIUM_WS_OPCODE_PING, TRUE, TRUE, "mid", 3);
  send_frame (client, ATRIUM_WS_OPCODE_CONTINUATION, FALSE, TRUE, part2, strlen (part2));
  send_frame (client, ATRIUM_WS_OPCODE_CONTINUATION, TRUE, TRUE, part3, strlen (part3));
  pong = atrium_ws_client_receive (client, WAIT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pong->opcode, ==, ATRIUM_WS_OPCODE_PONG);
  expect_text (client, "{\"type\":\"subscribed\",\"sites\":[5]}");

  /* Frames split over many writes, header bytes one at a time. */
  {
    const char *request = "{\"type\":\"subscribe\",\"sites\":[6]}";
    g_autoptr(GByteArray) wire = g_byte_array_new ();
    guint8 header[6] = { 0x81, 0x80 | (guint8) strlen (request), 1, 2, 3, 4 };

    g_byte_array_append (wire, header, sizeof header);
    for (gsize i = 0; i < strlen (request); i++)
      {
        guint8 byte = (guint8) request[i] ^ header[2 + (i & 3)];

        g_byte_array_append (wire, &byte, 1);
      }
    for (guint i = 0; i < wire->len; i++)
      {
        atrium_ws_client_send_raw (client, wire->data + i, 1, &error);
        g_assert_no_error (error);
      }
    expect_text (client, "{\"type\":\"subscribed\",\"sites\":[5,6]}");
  }

  atrium_live_free (live);
}

/* Connects, sends what @send does, and expects a close with @code. */
static void
check_close (AtriumLive *live,
             void      (*send) (AtriumWsClient *client),
             guint       code)
{
  g_autoptr(AtriumWsClient) client = add_subscriber (live, NULL, 0, "bad-frames");

  wait_subscribers (live, 1);
  send (client);
  expect_close (client, code);
  wait_subscribers (live, 0);
}

static void
send_oversized (AtriumWsClient *client)
{
  g_autofree char *big = g_strnfill (ATRIUM_LIVE_DEFAULT_MAX_MESSAGE_BYTES + 1, 'x');

  send_frame (client, ATRIUM_WS_OPCODE_TEXT, TRUE, TRUE, big, strlen (big));
}

static void
send_oversized_fragments (AtriumWsClient *client)
{
  g_autofree char *part = g_strnfill (ATRIUM_LIVE_DEFAULT_MAX_MESSAGE_BYTES / 2, 'x');

  send_frame (client, ATRIUM_WS_OPCODE_TEXT, FALSE, TRUE, part, strlen (part));
  send_frame (client, ATRIUM_WS_OPCODE_CONTINUATION, FALSE, TRUE, part, strlen (part));
  send_frame (client, ATRIUM_WS_OPCODE_CONTINUATION, TRUE, TRUE, "y", 1);
}

/* A 64-bit length far beyond the limit, and no payload: refused from the header. */
static void
send_huge_header (AtriumWsClient *client)
{
  static const guint8 header[] = { 0x81, 0x80 | 127, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4 };
  g_autoptr(GError) error = NULL;

  atrium_ws_client_send_raw (client, header, sizeof header, &error);
  g_assert_no_error (error);
}

static void
send_unmasked (AtriumWsClient *client)
{
  const char *request = "{\"type\":\"subscribe\",\"sites\":[1]}";

  send_frame (client, ATRIUM_WS_OPCODE_TEXT, TRUE, FALSE, request, strlen (request));
}

static void
send_binary (AtriumWsClient *client)
{
  send_frame (client, ATRIUM_WS_OPCODE_BINARY, TRUE, TRUE, "\x01\x02", 2);
}

static void
send_bad_utf8 (AtriumWsClient *client)
{
  send_frame (client, ATRIUM_WS_OPCODE_TEXT, TRUE, TRUE, "{\"type\":\"\xc3\x28\"}", 12);
}

static void
send_reserved_bits (AtriumWsClient *client)
{
  static const guint8 frame[] = { 0xc1, 0x80, 1, 2, 3, 4 };
  g_autoptr(GError) error = NULL;

  atrium_ws_client_send_raw (client, frame, sizeof frame, &error);
  g_assert_no_error (error);
}

static void
send_fragmented_ping (AtriumWsClient *client)
{
  send_frame (client, ATRIUM_WS_OPCODE_PING, FALSE, TRUE, "a", 1);
}

static void
send_stray_continuation (AtriumWsClient *client)
{
  send_frame (client, ATRIUM_WS_OPCODE_CONTINUATION, TRUE, TRUE, "a", 1);
}

static void
send_unknown_opcode (AtriumWsClient *client)
{
  send_frame (client, 0x3, TRUE, TRUE, "a", 1);
}

static void
test_bad_frames (void)
{
  AtriumLive *live = atrium_live_new (NULL);

  check_close (live, send_oversized, 1009);
  check_close (live, send_oversized_fragments, 1009);
  check_close (live, send_huge_header, 1009);
  check_close (live, send_unmasked, 1002);
  check_close (live, send_binary, 1003);
  check_close (live, send_bad_utf8, 1007);
  check_close (live, send_reserved_bits, 1002);
  check_close (live, send_fragmented_ping, 1002);
  check_close (live, send_stray_continuation, 1002);
  check_close (live, send_unknown_opcode, 1002);
  g_assert_cmpuint (atrium_live_get_n_dropped (live), ==, 0);
  atrium_live_free (live);
}

static void
test_small_limit (void)
{
  AtriumLiveLimits limits = { .max_message_bytes = 64 };
  AtriumLive *live = atrium_live_new (&limits);
  g_autoptr(AtriumWsClient) client = add_subscriber (live, NULL, 0, "small");
  g_autofree char *many = NULL;

  wait_subscribers (live, 1);
  subscribe (client, "1", "1");
  many = g_strdup_printf ("{\"type\":\"subscribe\",\"sites\":[%s]}",
                          "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20");
  send_text (client, many);
  expect_close (client, 1009);
  atrium_live_free (live);
}

static void
test_client_close (void)
{
  AtriumLive *live = atrium_live_new (NULL);
  g_autoptr(AtriumWsClient) client = add_subscriber (live, NULL, 0, "closer");
  g_autoptr(AtriumWsClient) bare = add_subscriber (live, NULL, 0, "bare-closer");
  g_autoptr(AtriumWsClient) gone = add_subscriber (live, NULL, 0, "vanishes");
  g_autoptr(AtriumWsFrame) echo = NULL;
  g_autoptr(AtriumWsFrame) bare_echo = NULL;
  g_autoptr(GError) error = NULL;

  wait_subscribers (live, 3);
  subscribe (client, "1", "1");

  atrium_ws_client_send_close (client, 4000, &error);
  g_assert_no_error (error);
  echo = atrium_ws_client_receive (client, WAIT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (echo->opcode, ==, ATRIUM_WS_OPCODE_CLOSE);
  g_assert_cmpuint (echo->close_code, ==, 4000);
  g_assert_true (atrium_ws_client_wait_closed (client, WAIT_MS, &error));
  g_assert_no_error (error);

  /* A close without a code is answered without one. */
  atrium_ws_client_send_close (bare, ATRIUM_WS_CLOSE_NO_STATUS, &error);
  g_assert_no_error (error);
  bare_echo = atrium_ws_client_receive (bare, WAIT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bare_echo->opcode, ==, ATRIUM_WS_OPCODE_CLOSE);
  g_assert_cmpuint (g_bytes_get_size (bare_echo->payload), ==, 0);

  /* Going away without a close is noticed too. */
  g_clear_pointer (&gone, atrium_ws_client_free);
  wait_subscribers (live, 0);

  /* Nothing left to send to: publishing is harmless. */
  publish (live, 1, "space:1", "{}");
  atrium_live_free (live);
}

static void
test_slow_consumer (void)
{
  AtriumLive *live = atrium_live_new (NULL);
  g_autoptr(AtriumWsClient) slow = NULL;
  AtriumWsClient *fast[3];
  GIOStream *server = NULL;
  const guint n = 600;
  g_autofree char *padding = g_strnfill (2000, 'p');
  guint slow_received = 0;
  g_autoptr(GError) error = NULL;

  /* Small buffers on both sides of the slow one, so the queue builds in the hub. */
  slow = connect_pair (4096, 4096, &server);
  atrium_live_add (live, server, NULL, 0, "slow");
  for (guint i = 0; i < G_N_ELEMENTS (fast); i++)
    fast[i] = add_subscriber (live, NULL, 0, "fast");
  wait_subscribers (live, 4);
  subscribe (slow, "1", "1");
  for (guint i = 0; i < G_N_ELEMENTS (fast); i++)
    subscribe (fast[i], "1", "1");

  /* Distinct keys, so nothing coalesces: 600 messages of 2 kB, 1.2 MB in all, far over
   * the 256 KiB the slow one may have queued. The fast ones read every message as it
   * comes, in order, whatever happens to the slow one. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = g_strdup_printf ("space:%u", i);
      g_autofree char *json = g_strdup_printf ("{\"seq\":%u,\"pad\":\"%s\"}", i, padding);

      publish (live, 1, key, json);
      for (guint j = 0; j < G_N_ELEMENTS (fast); j++)
        expect_text (fast[j], json);
    }

  wait_dropped (live, 1);
  wait_subscribers (live, 3);

  /* The slow one gets what its buffers held, then the end; never all of it. */
  for (;;)
    {
      g_autoptr(AtriumWsFrame) frame = atrium_ws_client_receive (slow, WAIT_MS, &error);

      if (frame == NULL)
        break;
      if (frame->opcode == ATRIUM_WS_OPCODE_TEXT)
        slow_received++;
    }
  g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE));
  g_test_message ("the slow consumer got %u of %u messages", slow_received, n);
  g_assert_cmpuint (slow_received, <, n);

  /* The others are still served. */
  publish (live, 1, "space:last", "{\"last\":true}");
  for (guint i = 0; i < G_N_ELEMENTS (fast); i++)
    {
      expect_text (fast[i], "{\"last\":true}");
      atrium_ws_client_free (fast[i]);
    }
  g_assert_cmpuint (atrium_live_get_n_dropped (live), ==, 1);
  atrium_live_free (live);
}

static void
test_max_subscribers (void)
{
  AtriumLiveLimits limits = { .max_subscribers = 2 };
  AtriumLive *live = atrium_live_new (&limits);
  g_autoptr(AtriumWsClient) a = add_subscriber (live, NULL, 0, "a");
  g_autoptr(AtriumWsClient) b = add_subscriber (live, NULL, 0, "b");
  g_autoptr(AtriumWsClient) c = NULL;
  g_autoptr(AtriumWsClient) d = NULL;

  wait_subscribers (live, 2);
  c = add_subscriber (live, NULL, 0, "c");
  expect_close (c, 1013);
  g_assert_cmpuint (atrium_live_get_n_subscribers (live), ==, 2);

  /* A place freed is a place taken. */
  g_clear_pointer (&a, atrium_ws_client_free);
  wait_subscribers (live, 1);
  d = add_subscriber (live, NULL, 0, "d");
  wait_subscribers (live, 2);
  subscribe (d, "1", "1");
  subscribe (b, "1", "1");
  g_assert_cmpuint (atrium_live_get_n_dropped (live), ==, 0);
  atrium_live_free (live);
}

static void
test_free_with_subscribers (void)
{
  AtriumLive *live = atrium_live_new (NULL);
  AtriumWsClient *clients[6];
  g_autoptr(AtriumWsClient) stuck = NULL;
  g_autofree char *padding = g_strnfill (2000, 'p');
  GIOStream *server = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    clients[i] = add_subscriber (live, NULL, 0, "leaving");
  /* One that reads nothing, with a full queue when the hub goes. */
  stuck = connect_pair (4096, 4096, &server);
  atrium_live_add (live, server, NULL, 0, "stuck");
  wait_subscribers (live, G_N_ELEMENTS (clients) + 1);

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    subscribe (clients[i], i % 2 == 0 ? "1" : "1,2", i % 2 == 0 ? "1" : "1,2");
  send_text (stuck, "{\"type\":\"subscribe\",\"sites\":[1,2]}");
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *key = g_strdup_printf ("space:%u", i);
      g_autofree char *json = g_strdup_printf ("{\"seq\":%u,\"pad\":\"%s\"}", i, padding);

      publish (live, 1 + i % 2, key, json);
    }
  /* Some still in the inbox, some queued, some partly written. */
  atrium_live_free (live);

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      expect_close (clients[i], 1001);
      atrium_ws_client_free (clients[i]);
    }
}

/* ---- through libsoup: handshake, stolen connection --------------------------------- */

typedef struct
{
  AtriumLive   *live;
  GThread      *thread;
  GMainContext *context;
  GMutex        lock;
  GCond         cond;
  guint16       port;
  gboolean      listening;
  gboolean      serving;
  gint          quit;
} SoupThread;

static void
upgraded (SoupServerMessage *msg,
          gpointer           data)
{
  static const gint64 allowed[] = { 1 };
  SoupThread *st = data;
  GIOStream *stream;

  g_object_ref (msg);
  stream = soup_server_message_steal_connection (msg);
  atrium_live_add (st->live, stream, allowed, G_N_ELEMENTS (allowed), "soup");
  g_object_unref (msg);
}

static void
live_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (g_strcmp0 (soup_message_headers_get_one (headers, "Authorization"), "Bearer letmein") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }
  /* No extensions: the hub speaks plain RFC 6455. */
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return;
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (upgraded), data);
}

static gpointer
soup_thread_main (gpointer data)
{
  SoupThread *st = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  SoupServer *server;
  GSList *uris;

  g_main_context_push_thread_default (st->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/api/v1/live", live_handler, st, NULL);
  soup_server_listen (server, address, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);

  g_mutex_lock (&st->lock);
  st->port = (guint16) g_uri_get_port (uris->data);
  st->listening = TRUE;
  g_cond_broadcast (&st->cond);
  /* Connections wait in the backlog until the test says go. */
  while (!st->serving)
    g_cond_wait (&st->cond, &st->lock);
  g_mutex_unlock (&st->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  while (!g_atomic_int_get (&st->quit))
    g_main_context_iteration (st->context, TRUE);

  soup_server_disconnect (server);
  g_object_unref (server);
  while (g_main_context_iteration (st->context, FALSE))
    ;
  g_main_context_pop_thread_default (st->context);
  return NULL;
}

static SoupThread *
soup_thread_start (AtriumLive *live)
{
  SoupThread *st = g_new0 (SoupThread, 1);

  st->live = live;
  st->context = g_main_context_new ();
  g_mutex_init (&st->lock);
  g_cond_init (&st->cond);
  st->thread = g_thread_new ("soup", soup_thread_main, st);
  g_mutex_lock (&st->lock);
  while (!st->listening)
    g_cond_wait (&st->cond, &st->lock);
  g_mutex_unlock (&st->lock);
  return st;
}

static void
soup_thread_serve (SoupThread *st)
{
  g_mutex_lock (&st->lock);
  st->serving = TRUE;
  g_cond_broadcast (&st->cond);
  g_mutex_unlock (&st->lock);
}

static void
soup_thread_stop (SoupThread *st)
{
  g_atomic_int_set (&st->quit, TRUE);
  g_main_context_wakeup (st->context);
  g_thread_join (st->thread);
  g_main_context_unref (st->context);
  g_mutex_clear (&st->lock);
  g_cond_clear (&st->cond);
  g_free (st);
}

static gint64
cpu_time_us (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  return (gint64) usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec +
         (gint64) usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
}

static void
test_soup_upgrade (void)
{
  AtriumLive *live = atrium_live_new (NULL);
  SoupThread *st = soup_thread_start (live);
  g_autoptr(AtriumWsClient) client = NULL;
  g_autoptr(AtriumWsClient) stranger = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", st->port);
  gint64 wall, cpu;
  guint status = 0;

  client = atrium_ws_client_connect ("127.0.0.1", st->port, WAIT_MS, &error);
  g_assert_no_error (error);

  /* The subscribe right behind the request: libsoup reads both at once, so the frame
   * waits in its filter stream's buffer when the hub gets the connection. */
  atrium_ws_client_start_handshake (client, host, "/api/v1/live", "Bearer letmein", &error);
  g_assert_no_error (error);
  send_text (client, "{\"type\":\"subscribe\",\"sites\":[1,2]}");
  soup_thread_serve (st);
  atrium_ws_client_finish_handshake (client, WAIT_MS, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 101);

  expect_text (client, "{\"type\":\"error\",\"error\":\"forbidden\",\"site\":2}");
  expect_text (client, "{\"type\":\"subscribed\",\"sites\":[1]}");
  wait_subscribers (live, 1);
  publish (live, 1, "space:1", "{\"via\":\"soup\"}");
  expect_text (client, "{\"via\":\"soup\"}");

  /* Idle, the hub must not spin on a source made while bytes were buffered. */
  wall = g_get_monotonic_time ();
  cpu = cpu_time_us ();
  expect_nothing (client, 500);
  wall = g_get_monotonic_time () - wall;
  cpu = cpu_time_us () - cpu;
  g_test_message ("idle: %" G_GINT64_FORMAT " us of CPU in %" G_GINT64_FORMAT " us", cpu, wall);
  g_assert_cmpint (cpu, <, wall / 4);

  /* No upgrade without the right credentials. */
  stranger = atrium_ws_client_connect ("127.0.0.1", st->port, WAIT_MS, &error);
  g_assert_no_error (error);
  g_assert_false (atrium_ws_client_handshake (stranger, host, "/api/v1/live", "Bearer nope",
                                              WAIT_MS, &status, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpuint (status, ==, 401);

  atrium_live_free (live);
  expect_close (client, 1001);
  soup_thread_stop (st);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  listener_start ();

  g_test_add_func ("/live/subscribe-receive", test_subscribe_receive);
  g_test_add_func ("/live/site-filter", test_site_filter);
  g_test_add_func ("/live/bad-request", test_bad_request);
  g_test_add_func ("/live/coalesce", test_coalesce);
  g_test_add_func ("/live/order", test_order);
  g_test_add_func ("/live/heartbeat", test_heartbeat);
  g_test_add_func ("/live/ping-pong", test_ping_pong);
  g_test_add_func ("/live/fragmented", test_fragmented);
  g_test_add_func ("/live/bad-frames", test_bad_frames);
  g_test_add_func ("/live/small-limit", test_small_limit);
  g_test_add_func ("/live/client-close", test_client_close);
  g_test_add_func ("/live/slow-consumer", test_slow_consumer);
  g_test_add_func ("/live/max-subscribers", test_max_subscribers);
  g_test_add_func ("/live/free-with-subscribers", test_free_with_subscribers);
  g_test_add_func ("/live/soup-upgrade", test_soup_upgrade);

  ret = g_test_run ();
  listener_stop ();
  return ret;
}
