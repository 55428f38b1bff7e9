/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "atrium-api.h"
#include "atrium-live-items.h"

G_BEGIN_DECLS

/*
 * The live feed's client: a WebSocket to `GET /api/v1/live` (the token in the upgrade
 * request's Authorization header), subscribed to every site of the occupancy document
 * (or to the sites given), feeding two GListModels the views bind to: spaces
 * (AtriumLiveSpace) and queues (AtriumLiveQueue), updated in place.
 *
 * After every (re)connection the client subscribes, and once the server confirms, it
 * fetches the occupancy document (GET /api/v1/occupancy) so that what changed while it
 * was away is not missing. A lost connection, or one silent for three heartbeat
 * intervals, is made again after a delay drawn with full jitter from an exponential
 * bound (initial × 2^attempt, capped). A refused token stops it in the UNAUTHORISED
 * state until a new token is set: no reconnection storm against a server that said no.
 *
 * Everything happens in the thread-default main context of the thread that made it.
 */

typedef enum
{
  ATRIUM_LIVE_STATE_STOPPED,       /* not started, or stopped */
  ATRIUM_LIVE_STATE_CONNECTING,    /* upgrade, subscription or catch-up under way */
  ATRIUM_LIVE_STATE_LIVE,          /* subscribed and caught up */
  ATRIUM_LIVE_STATE_WAITING,       /* lost; the next attempt is scheduled */
  ATRIUM_LIVE_STATE_UNAUTHORISED,  /* refused; waits for a new token */
} AtriumLiveState;

/* Delays and heartbeat, in milliseconds; tests shorten them. */
typedef struct
{
  guint initial_backoff_ms;   /* 500 */
  guint max_backoff_ms;       /* 30000 */
  guint heartbeat_ms;         /* the server's [live] heartbeat_seconds: 15000 */
  guint watchdog_factor;      /* silent for this many heartbeats: reconnect; 3 */
} AtriumLiveTimings;

/* A number in [0, 1): the jitter's source, g_random_double() unless a test sets one. */
typedef double (*AtriumLiveRandomFunc) (gpointer user_data);

#define ATRIUM_TYPE_LIVE_STATE (atrium_live_state_get_type ())
GType atrium_live_state_get_type (void);

#define ATRIUM_TYPE_LIVE_CLIENT (atrium_live_client_get_type ())
G_DECLARE_FINAL_TYPE (AtriumLiveClient, atrium_live_client, ATRIUM, LIVE_CLIENT, GObject)

/* The delay before attempt @attempt (0 for the first retry): uniform in
 * [0, min (max, initial × 2^attempt)) along @random01 in [0, 1). */
guint             atrium_live_backoff_delay      (const AtriumLiveTimings *timings,
                                                  guint                    attempt,
                                                  double                   random01);

/* @session carries the transport (for the embedded server its "remote-connectable");
 * @base_url is "https://host:port" or "http://localhost". */
AtriumLiveClient *atrium_live_client_new         (SoupSession             *session,
                                                  const char              *base_url,
                                                  const char              *token);
void              atrium_live_client_set_timings (AtriumLiveClient        *self,
                                                  const AtriumLiveTimings *timings);
void              atrium_live_client_set_random  (AtriumLiveClient        *self,
                                                  AtriumLiveRandomFunc     func,
                                                  gpointer                 user_data);
/* Follow only these sites (NULL, 0: every site of the occupancy document). */
void              atrium_live_client_set_sites   (AtriumLiveClient        *self,
                                                  const gint64            *sites,
                                                  guint                    n_sites);
/* A new token (after signing in again) leaves UNAUTHORISED and connects at once. */
void              atrium_live_client_set_token   (AtriumLiveClient        *self,
                                                  const char              *token);

/* An occupancy document kept from an earlier run (the kiosk's cache), shown until the
 * server's own arrives. FALSE when it is not shown: the server's came first (no
 * error), or it does not fit the allow-list the server's is checked against. */
gboolean          atrium_live_client_seed        (AtriumLiveClient        *self,
                                                  JsonNode                *document,
                                                  GError                 **error);
void              atrium_live_client_start       (AtriumLiveClient        *self);
void              atrium_live_client_stop        (AtriumLiveClient        *self);

AtriumLiveState   atrium_live_client_get_state   (AtriumLiveClient        *self);
/* Why the last connection failed or ended, an #ATRIUM_API_ERROR (OFFLINE, UNAUTHORISED,
 * FORBIDDEN, RATE_LIMITED, SERVER, PROTOCOL, INVALID for a bad address); NULL when live. */
const GError     *atrium_live_client_get_error   (AtriumLiveClient        *self);
/* Connections made since start (the first included). */
guint             atrium_live_client_get_n_connections (AtriumLiveClient *self);
/* The delay of the attempt now scheduled (WAITING), in milliseconds. */
guint             atrium_live_client_get_retry_delay   (AtriumLiveClient *self);

GListModel       *atrium_live_client_get_spaces  (AtriumLiveClient        *self);
GListModel       *atrium_live_client_get_queues  (AtriumLiveClient        *self);

G_END_DECLS
