/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-live"

#include "config.h"

#include "atrium-live-client.h"

#include <string.h>

#include "atrium-api-private.h"
#include "atrium-json.h"
#include "atrium-live-models.h"

#define LIVE_PATH       "/api/v1/live"
#define OCCUPANCY_PATH  "/api/v1/occupancy"
#define MAX_SITES       256          /* what the hub lets one subscriber follow */
#define MAX_MESSAGE     (64 * 1024)
#define MAX_DOCUMENT    (16 * 1024 * 1024)

typedef enum
{
  PHASE_NONE,
  PHASE_DISCOVERING,     /* fetching the document to learn the sites */
  PHASE_SUBSCRIBING,     /* subscribe sent, waiting for "subscribed" */
  PHASE_CATCHING_UP,     /* fetching the document after the subscription */
  PHASE_LIVE,
} Phase;

struct _AtriumLiveClient
{
  GObject              parent_instance;

  SoupSession         *session;
  char                *base_url;
  char                *token;
  AtriumLiveTimings    timings;
  AtriumLiveRandomFunc random;
  gpointer             random_data;
  GArray              *wanted_sites;     /* gint64; empty: every site of the document */
  GArray              *subscribed;       /* gint64: what the server confirmed */
  GArray              *forbidden;        /* gint64: sites the server will not show us */

  AtriumLiveState      state;
  Phase                phase;
  gboolean             started;
  GError              *error;
  guint                attempt;
  guint                retry_delay;
  guint                n_connections;
  gboolean             has_document;     /* one fetched document applied since made */

  GCancellable        *cancellable;      /* the connection and its fetches */
  SoupWebsocketConnection *ws;
  gulong               message_id;
  gulong               closed_id;
  guint                retry_id;
  guint                watchdog_id;

  AtriumLiveModels    *models;
};

G_DEFINE_FINAL_TYPE (AtriumLiveClient, atrium_live_client, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (AtriumLiveState, atrium_live_state,
  G_DEFINE_ENUM_VALUE (ATRIUM_LIVE_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (ATRIUM_LIVE_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (ATRIUM_LIVE_STATE_LIVE, "live"),
  G_DEFINE_ENUM_VALUE (ATRIUM_LIVE_STATE_WAITING, "waiting"),
  G_DEFINE_ENUM_VALUE (ATRIUM_LIVE_STATE_UNAUTHORISED, "unauthorised"))

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_EVENT,
  SIGNAL_BOOKING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const AtriumLiveTimings default_timings = { 500, 30000, 15000, 3 };

static void connect_now   (AtriumLiveClient *self);
static void fetch_document (AtriumLiveClient *self,
                            Phase             phase);

/* ---- what the server sends: allow-lists -------------------------------------------- */

static const AtriumJsonField site_id_item[] = {
  { "site", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
};

static const AtriumJsonField occupancy_message[] = {
  { "type", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "site", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "space", ATRIUM_JSON_OBJECT, ATRIUM_JSON_REQUIRED, 0, 0, atrium_live_space_fields },
  { NULL }
};

static const AtriumJsonField queue_message[] = {
  { "type", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "site", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "queue", ATRIUM_JSON_OBJECT, ATRIUM_JSON_REQUIRED, 0, 0, atrium_live_queue_fields },
  { NULL }
};

/* The server's booking events (services/atrium-booking-jobs.c): never who booked. */
static const AtriumJsonField booking_fields[] = {
  { "id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "resource_id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "space_id", ATRIUM_JSON_INT, ATRIUM_JSON_NULLABLE, 1, G_MAXINT64 },
  { "start", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 64 },
  { "end", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 64 },
  { "status", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { NULL }
};

static const AtriumJsonField booking_message[] = {
  { "type", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "site", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "event", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "booking", ATRIUM_JSON_OBJECT, ATRIUM_JSON_REQUIRED, 0, 0, booking_fields },
  { NULL }
};

static const AtriumJsonField subscribed_message[] = {
  { "type", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "sites", ATRIUM_JSON_ARRAY, ATRIUM_JSON_REQUIRED, 0, MAX_SITES, NULL, site_id_item },
  { NULL }
};

static const AtriumJsonField event_message[] = {
  { "type", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "site", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "message", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 0, 0 },
  { NULL }
};

static const AtriumJsonField error_message[] = {
  { "type", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "error", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 64 },
  { "message", ATRIUM_JSON_STRING, ATRIUM_JSON_OPTIONAL, 0, 0 },
  { "field", ATRIUM_JSON_STRING, ATRIUM_JSON_OPTIONAL, 0, 0 },
  { "site", ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, 1, G_MAXINT64 },
  { NULL }
};

static const AtriumJsonField heartbeat_message[] = {
  { "type", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { NULL }
};

/* ---- backoff ------------------------------------------------------------------------- */

guint
atrium_live_backoff_delay (const AtriumLiveTimings *timings,
                           guint                    attempt,
                           double                   random01)
{
  guint64 bound = MAX (timings->initial_backoff_ms, 1);

  for (guint i = 0; i < attempt && bound < timings->max_backoff_ms; i++)
    bound *= 2;
  bound = MIN (bound, (guint64) MAX (timings->max_backoff_ms, 1));
  random01 = CLAMP (random01, 0.0, 1.0);
  return (guint) MIN ((guint64) (random01 * (double) bound), bound - 1);
}

static double
default_random (gpointer user_data)
{
  return g_random_double ();
}

/* ---- state --------------------------------------------------------------------------- */

static void
set_state (AtriumLiveClient *self,
           AtriumLiveState   state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static GError *
offline_error (const char *format,
               ...) G_GNUC_PRINTF (1, 2);

static GError *
offline_error (const char *format,
               ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  return atrium_api_error_new_literal (ATRIUM_API_ERROR_OFFLINE, 0, text);
}

static void
set_error (AtriumLiveClient *self,
           GError           *error)
{
  g_clear_error (&self->error);
  self->error = error;
}

/* Drops the connection and whatever is under way for it. */
static void
teardown (AtriumLiveClient *self)
{
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->ws != NULL)
    {
      g_clear_signal_handler (&self->message_id, self->ws);
      g_clear_signal_handler (&self->closed_id, self->ws);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_clear_object (&self->ws);
    }
  g_array_set_size (self->subscribed, 0);
  atrium_live_models_abort_catch_up (self->models);
  self->phase = PHASE_NONE;
}

static gboolean
retry_now (gpointer data)
{
  AtriumLiveClient *self = data;

  self->retry_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* The connection is gone or unusable: try again after the next backoff delay (at
 * least @not_before_ms, a server's Retry-After). */
static void
lost (AtriumLiveClient *self,
      GError           *error,
      guint             not_before_ms)
{
  teardown (self);
  g_message ("live feed lost: %s; retrying", error->message);
  set_error (self, error);
  self->retry_delay = MAX (atrium_live_backoff_delay (&self->timings, self->attempt,
                                                      self->random (self->random_data)),
                           not_before_ms);
  if (self->attempt < 32)
    self->attempt++;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add (self->retry_delay, retry_now, self);
  set_state (self, ATRIUM_LIVE_STATE_WAITING);
}

/* The server said no to the token: stay down until a new one is set. */
static void
refused (AtriumLiveClient *self,
         guint             status)
{
  teardown (self);
  set_error (self, atrium_api_error_new_literal (status == SOUP_STATUS_FORBIDDEN
                                                 ? ATRIUM_API_ERROR_FORBIDDEN
                                                 : ATRIUM_API_ERROR_UNAUTHORISED, status,
                                                 status == SOUP_STATUS_FORBIDDEN
                                                 ? "This account may not follow the live "
                                                   "occupancy"
                                                 : "The server refused the session: sign in "
                                                   "again"));
  g_message ("live feed refused (HTTP %u); waiting for a new token", status);
  set_state (self, ATRIUM_LIVE_STATE_UNAUTHORISED);
}

static guint
retry_after_ms (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  guint64 seconds = 0;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, 3600, &seconds, NULL))
    return 0;
  return (guint) seconds * 1000;
}

/* Handles a non-success HTTP answer to the upgrade or a fetch. */
static void
http_failed (AtriumLiveClient *self,
             SoupMessage      *msg,
             const char       *what)
{
  guint status = soup_message_get_status (msg);

  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    {
      refused (self, status);
      return;
    }
  {
    g_autofree char *text = g_strdup_printf ("%s answered HTTP %u", what, status);
    GError *error = atrium_api_error_new_literal (status == 0
                                                  ? ATRIUM_API_ERROR_OFFLINE
                                                  : atrium_api_error_for_status (status, NULL),
                                                  status, text);

    atrium_api_error_detail_of (error)->retry_after = retry_after_ms (msg) / 1000;
    lost (self, error, retry_after_ms (msg));
  }
}

static gboolean
watchdog_fired (gpointer data)
{
  AtriumLiveClient *self = data;
  guint silence = self->timings.heartbeat_ms * self->timings.watchdog_factor;

  self->watchdog_id = 0;
  lost (self, offline_error ("nothing from the server for %u ms", silence), 0);
  return G_SOURCE_REMOVE;
}

static void
arm_watchdog (AtriumLiveClient *self)
{
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  self->watchdog_id = g_timeout_add (self->timings.heartbeat_ms * self->timings.watchdog_factor,
                                     watchdog_fired, self);
}

static SoupMessage *
new_request (AtriumLiveClient *self,
             const char       *path)
{
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", self->token, NULL);
  SoupMessage *msg = soup_message_new ("GET", url);

  if (msg == NULL)
    return NULL;
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                bearer);
  return msg;
}

/* ---- sites ------------------------------------------------------------------------- */

static gboolean
site_wanted (gint64   site,
             gpointer data)
{
  AtriumLiveClient *self = data;

  if (self->wanted_sites->len == 0)
    return TRUE;
  for (guint i = 0; i < self->wanted_sites->len; i++)
    if (g_array_index (self->wanted_sites, gint64, i) == site)
      return TRUE;
  return FALSE;
}

static gboolean
array_has (GArray *array,
           gint64  site)
{
  for (guint i = 0; i < array->len; i++)
    if (g_array_index (array, gint64, i) == site)
      return TRUE;
  return FALSE;
}

/* ---- the conversation ---------------------------------------------------------------- */

static void
send_subscribe (AtriumLiveClient *self,
                GArray           *sites)
{
  g_autoptr(GString) text = g_string_new ("{\"type\":\"subscribe\",\"sites\":[");

  for (guint i = 0; i < sites->len && i < MAX_SITES; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i == 0 ? "" : ",",
                            g_array_index (sites, gint64, i));
  if (sites->len > MAX_SITES)
    g_message ("following the first %u of %u sites (the live feed's limit)", MAX_SITES,
               sites->len);
  g_string_append (text, "]}");
  soup_websocket_connection_send_text (self->ws, text->str);
  self->phase = PHASE_SUBSCRIBING;
}

static void
become_live (AtriumLiveClient *self)
{
  self->phase = PHASE_LIVE;
  set_error (self, NULL);
  set_state (self, ATRIUM_LIVE_STATE_LIVE);
}

static void
document_fetched (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  AtriumLiveClient *self = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GArray) sites = NULL;
  g_autoptr(GArray) missing = NULL;
  g_autofree char *field = NULL;
  Phase phase;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  if (body == NULL)
    {
      lost (self, offline_error ("fetching the occupancy: %s", error->message), 0);
      g_object_unref (self);
      return;
    }
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      http_failed (self, msg, "GET " OCCUPANCY_PATH);
      g_object_unref (self);
      return;
    }
  document = atrium_json_decode (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                 MAX_DOCUMENT, atrium_live_document_fields, &field,
                                 &error);
  if (document == NULL)
    {
      g_autofree char *text = g_strdup_printf ("the occupancy document does not fit (%s): %s",
                                               field != NULL ? field : "", error->message);

      lost (self, atrium_api_error_new_literal (ATRIUM_API_ERROR_PROTOCOL, 200, text), 0);
      g_object_unref (self);
      return;
    }

  phase = self->phase;
  self->has_document = TRUE;
  sites = g_array_new (FALSE, FALSE, sizeof (gint64));
  atrium_live_models_apply_document (self->models, json_node_get_object (document),
                                     site_wanted, self, sites);
  missing = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < sites->len; i++)
    if (!array_has (self->subscribed, g_array_index (sites, gint64, i)) &&
        !array_has (self->forbidden, g_array_index (sites, gint64, i)))
      g_array_append_val (missing, g_array_index (sites, gint64, i));

  if (missing->len > 0 && self->subscribed->len < MAX_SITES)
    /* New sites (or the first look): follow them, then catch up once more. */
    send_subscribe (self, missing);
  else if (phase == PHASE_CATCHING_UP || phase == PHASE_DISCOVERING)
    become_live (self);
  g_object_unref (self);
}

static void
fetch_document (AtriumLiveClient *self,
                Phase             phase)
{
  g_autoptr(SoupMessage) msg = new_request (self, OCCUPANCY_PATH);

  self->phase = phase;
  atrium_live_models_begin_catch_up (self->models);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, self->cancellable,
                                    document_fetched, g_object_ref (self));
}

static void
handle_subscribed (AtriumLiveClient *self,
                   JsonObject       *message)
{
  JsonArray *sites = json_object_get_array_member (message, "sites");

  g_array_set_size (self->subscribed, 0);
  for (guint i = 0; i < json_array_get_length (sites); i++)
    {
      gint64 site = json_array_get_int_element (sites, i);

      g_array_append_val (self->subscribed, site);
    }
  if (self->phase == PHASE_SUBSCRIBING)
    fetch_document (self, PHASE_CATCHING_UP);
}

static void
handle_text (AtriumLiveClient *self,
             const char       *data,
             gsize             length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = atrium_json_parse (data, length, MAX_MESSAGE, NULL, &error);
  g_autoptr(JsonNode) message = NULL;
  const AtriumJsonField *fields = NULL;
  const char *type = NULL;
  JsonObject *object;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonNode *member = json_object_get_member (json_node_get_object (node), "type");

      if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
          json_node_get_value_type (member) == G_TYPE_STRING)
        type = json_node_get_string (member);
    }
  if (type == NULL)
    {
      g_message ("live feed: ignoring a message that is not a typed object");
      return;
    }
  if (g_str_equal (type, "occupancy"))
    fields = occupancy_message;
  else if (g_str_equal (type, "queue"))
    fields = queue_message;
  else if (g_str_equal (type, "subscribed"))
    fields = subscribed_message;
  else if (g_str_equal (type, "heartbeat"))
    fields = heartbeat_message;
  else if (g_str_equal (type, "event"))
    fields = event_message;
  else if (g_str_equal (type, "booking"))
    fields = booking_message;
  else if (g_str_equal (type, "error"))
    fields = error_message;
  else
    {
      g_debug ("live feed: ignoring a message of type %s", type);
      return;
    }
  message = atrium_json_decode (data, length, MAX_MESSAGE, fields, NULL, &error);
  if (message == NULL)
    {
      g_message ("live feed: ignoring a %s message that does not fit: %s", type,
                 error->message);
      return;
    }
  object = json_node_get_object (message);

  if (g_str_equal (type, "occupancy") || g_str_equal (type, "queue"))
    {
      gboolean space = g_str_equal (type, "occupancy");
      JsonObject *item = json_object_get_object_member (object, space ? "space" : "queue");
      gint64 site = json_object_get_int_member (object, "site");

      if (!site_wanted (site, self))
        return;
      if (space)
        atrium_live_models_apply_space (self->models, site, item);
      else
        atrium_live_models_apply_queue (self->models, site, item);
    }
  else if (g_str_equal (type, "subscribed"))
    handle_subscribed (self, object);
  else if (g_str_equal (type, "heartbeat"))
    {
      /* A connection that lived a whole heartbeat interval is a good one again. */
      if (self->phase == PHASE_LIVE)
        self->attempt = 0;
    }
  else if (g_str_equal (type, "event"))
    g_signal_emit (self, signals[SIGNAL_EVENT], 0, json_object_get_int_member (object, "site"),
                   json_object_get_string_member (object, "message"));
  else if (g_str_equal (type, "booking"))
    {
      gint64 site = json_object_get_int_member (object, "site");

      if (site_wanted (site, self))
        g_signal_emit (self, signals[SIGNAL_BOOKING], 0, site,
                       json_object_get_string_member (object, "event"),
                       json_object_get_member (object, "booking"));
    }
  else
    {
      if (json_object_has_member (object, "site") &&
          !array_has (self->forbidden, json_object_get_int_member (object, "site")))
        {
          gint64 site = json_object_get_int_member (object, "site");

          g_array_append_val (self->forbidden, site);
        }
      g_message ("live feed: the server answered %s%s%s",
               json_object_get_string_member (object, "error"),
               json_object_has_member (object, "message") ? ": " : "",
               json_object_has_member (object, "message")
               ? json_object_get_string_member (object, "message") : "");
    }
}

static void
on_message (SoupWebsocketConnection *ws,
            int                      kind,
            GBytes                  *bytes,
            gpointer                 data)
{
  AtriumLiveClient *self = data;

  arm_watchdog (self);
  if (kind != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_message ("live feed: ignoring a binary message");
      return;
    }
  handle_text (self, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
on_closed (SoupWebsocketConnection *ws,
           gpointer                 data)
{
  AtriumLiveClient *self = data;
  const char *reason = soup_websocket_connection_get_close_data (ws);
  gushort code = soup_websocket_connection_get_close_code (ws);

  /* No close frame (code 0): the connection just ended, as when the server dies. */
  if (code == 0)
    lost (self, offline_error ("the connection to the live feed was lost"), 0);
  else
    lost (self, offline_error ("the server closed the live feed (%u%s%s)", code,
                               reason != NULL && *reason != '\0' ? ", " : "",
                               reason != NULL ? reason : ""), 0);
}

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(SoupMessage) msg = data;
  AtriumLiveClient *self = g_object_get_data (G_OBJECT (msg), "atrium-live-client");
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source),
                                                                      result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  if (ws == NULL)
    {
      if (soup_message_get_status (msg) != 0 &&
          soup_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
        http_failed (self, msg, "GET " LIVE_PATH);
      else
        lost (self, offline_error ("cannot reach the live feed: %s", error->message), 0);
      g_object_unref (self);
      return;
    }

  self->ws = ws;
  self->n_connections++;
  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_MESSAGE);
  self->message_id = g_signal_connect (ws, "message", G_CALLBACK (on_message), self);
  self->closed_id = g_signal_connect (ws, "closed", G_CALLBACK (on_closed), self);
  arm_watchdog (self);
  g_debug ("live feed connected (connection %u)", self->n_connections);

  if (self->wanted_sites->len > 0)
    send_subscribe (self, self->wanted_sites);
  else
    fetch_document (self, PHASE_DISCOVERING);
  g_object_unref (self);
}

static void
connect_now (AtriumLiveClient *self)
{
  SoupMessage *msg = new_request (self, LIVE_PATH);

  teardown (self);
  if (msg == NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s is not a server address", self->base_url);

      set_error (self, atrium_api_error_new_literal (ATRIUM_API_ERROR_INVALID, 0, text));
      self->started = FALSE;
      set_state (self, ATRIUM_LIVE_STATE_STOPPED);
      return;
    }
  set_state (self, ATRIUM_LIVE_STATE_CONNECTING);
  self->cancellable = g_cancellable_new ();
  g_object_set_data (G_OBJECT (msg), "atrium-live-client", self);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, connected, g_object_ref (msg));
  g_object_ref (self);
  g_object_unref (msg);
  /* A server that takes the connection and never answers is given the same bound as a
   * silent one. */
  arm_watchdog (self);
}

/* ---- public ------------------------------------------------------------------------- */

gboolean
atrium_live_client_seed (AtriumLiveClient  *self,
                         JsonNode          *document,
                         GError           **error)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) checked = NULL;
  g_autoptr(GArray) sites = NULL;
  g_autofree char *field = NULL;

  g_return_val_if_fail (ATRIUM_IS_LIVE_CLIENT (self), FALSE);
  g_return_val_if_fail (document != NULL, FALSE);

  if (self->has_document)
    return FALSE;
  /* Kept by the caller, it is checked again as if the server had just sent it. */
  text = atrium_json_write (document);
  checked = atrium_json_decode (text, strlen (text), MAX_DOCUMENT, atrium_live_document_fields,
                                &field, error);
  if (checked == NULL)
    {
      g_prefix_error (error, "The kept occupancy does not fit (%s): ", field ? field : "");
      return FALSE;
    }
  sites = g_array_new (FALSE, FALSE, sizeof (gint64));
  atrium_live_models_apply_document (self->models, json_node_get_object (checked), site_wanted,
                                     self, sites);
  return TRUE;
}

void
atrium_live_client_start (AtriumLiveClient *self)
{
  g_return_if_fail (ATRIUM_IS_LIVE_CLIENT (self));

  if (self->started)
    return;
  self->started = TRUE;
  self->attempt = 0;
  connect_now (self);
}

void
atrium_live_client_stop (AtriumLiveClient *self)
{
  g_return_if_fail (ATRIUM_IS_LIVE_CLIENT (self));

  self->started = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  teardown (self);
  set_state (self, ATRIUM_LIVE_STATE_STOPPED);
}

void
atrium_live_client_set_token (AtriumLiveClient *self,
                              const char       *token)
{
  g_return_if_fail (ATRIUM_IS_LIVE_CLIENT (self));
  g_return_if_fail (token != NULL);

  g_free (self->token);
  self->token = g_strdup (token);
  if (self->started && self->state == ATRIUM_LIVE_STATE_UNAUTHORISED)
    {
      self->attempt = 0;
      connect_now (self);
    }
}

void
atrium_live_client_set_timings (AtriumLiveClient        *self,
                                const AtriumLiveTimings *timings)
{
  g_return_if_fail (ATRIUM_IS_LIVE_CLIENT (self));

  self->timings = *timings;
  if (self->timings.watchdog_factor == 0)
    self->timings.watchdog_factor = default_timings.watchdog_factor;
  if (self->timings.heartbeat_ms == 0)
    self->timings.heartbeat_ms = default_timings.heartbeat_ms;
}

void
atrium_live_client_set_random (AtriumLiveClient     *self,
                               AtriumLiveRandomFunc  func,
                               gpointer              user_data)
{
  g_return_if_fail (ATRIUM_IS_LIVE_CLIENT (self));

  self->random = func != NULL ? func : default_random;
  self->random_data = user_data;
}

void
atrium_live_client_set_sites (AtriumLiveClient *self,
                              const gint64     *sites,
                              guint             n_sites)
{
  g_return_if_fail (ATRIUM_IS_LIVE_CLIENT (self));

  g_array_set_size (self->wanted_sites, 0);
  for (guint i = 0; i < n_sites && i < MAX_SITES; i++)
    if (sites[i] > 0)
      g_array_append_val (self->wanted_sites, sites[i]);
}

AtriumLiveState
atrium_live_client_get_state (AtriumLiveClient *self)
{
  g_return_val_if_fail (ATRIUM_IS_LIVE_CLIENT (self), ATRIUM_LIVE_STATE_STOPPED);
  return self->state;
}

const GError *
atrium_live_client_get_error (AtriumLiveClient *self)
{
  g_return_val_if_fail (ATRIUM_IS_LIVE_CLIENT (self), NULL);
  return self->error;
}

guint
atrium_live_client_get_n_connections (AtriumLiveClient *self)
{
  g_return_val_if_fail (ATRIUM_IS_LIVE_CLIENT (self), 0);
  return self->n_connections;
}

guint
atrium_live_client_get_retry_delay (AtriumLiveClient *self)
{
  g_return_val_if_fail (ATRIUM_IS_LIVE_CLIENT (self), 0);
  return self->retry_delay;
}

GListModel *
atrium_live_client_get_spaces (AtriumLiveClient *self)
{
  g_return_val_if_fail (ATRIUM_IS_LIVE_CLIENT (self), NULL);
  return atrium_live_models_get_spaces (self->models);
}

GListModel *
atrium_live_client_get_queues (AtriumLiveClient *self)
{
  g_return_val_if_fail (ATRIUM_IS_LIVE_CLIENT (self), NULL);
  return atrium_live_models_get_queues (self->models);
}

/* ---- GObject ------------------------------------------------------------------------- */

static void
atrium_live_client_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AtriumLiveClient *self = ATRIUM_LIVE_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_live_client_dispose (GObject *object)
{
  AtriumLiveClient *self = ATRIUM_LIVE_CLIENT (object);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  teardown (self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (atrium_live_client_parent_class)->dispose (object);
}

static void
atrium_live_client_finalize (GObject *object)
{
  AtriumLiveClient *self = ATRIUM_LIVE_CLIENT (object);

  g_free (self->base_url);
  g_free (self->token);
  g_clear_error (&self->error);
  g_array_unref (self->wanted_sites);
  g_array_unref (self->subscribed);
  g_array_unref (self->forbidden);
  atrium_live_models_free (self->models);
  G_OBJECT_CLASS (atrium_live_client_parent_class)->finalize (object);
}

static void
atrium_live_client_class_init (AtriumLiveClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = atrium_live_client_get_property;
  object_class->dispose = atrium_live_client_dispose;
  object_class->finalize = atrium_live_client_finalize;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, ATRIUM_TYPE_LIVE_STATE, ATRIUM_LIVE_STATE_STOPPED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A staff notice of a site (over capacity, a silent sensor): site id, text. */
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64,
                                        G_TYPE_STRING);
  /* A booking of a followed site changed: site id, what happened ("created",
   * "cancelled", "checked_in", "break", "no_show"…), the booking {"id", "resource_id",
   * "space_id", "start", "end", "status"} as it is now. AtriumLiveBookings follows it. */
  signals[SIGNAL_BOOKING] = g_signal_new ("booking", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          3, G_TYPE_INT64, G_TYPE_STRING,
                                          JSON_TYPE_NODE | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
atrium_live_client_init (AtriumLiveClient *self)
{
  self->timings = default_timings;
  self->random = default_random;
  self->wanted_sites = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->subscribed = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->forbidden = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->models = atrium_live_models_new ();
}

AtriumLiveClient *
atrium_live_client_new (SoupSession *session,
                        const char  *base_url,
                        const char  *token)
{
  AtriumLiveClient *self;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (base_url != NULL && token != NULL, NULL);

  self = g_object_new (ATRIUM_TYPE_LIVE_CLIENT, NULL);
  self->session = g_object_ref (session);
  self->base_url = g_strdup (base_url);
  /* "https://host/" and "https://host" name the same server. */
  if (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->token = g_strdup (token);
  return self;
}
