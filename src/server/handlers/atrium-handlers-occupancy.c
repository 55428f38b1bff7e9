/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <libsoup/soup.h>

#include "atrium-occupancy.h"
#include "atrium-store-counts.h"

/* Occupancy, sensors and recounts (DESIGN.md §3). */

#define READERS (ATRIUM_ROLES_USERS | ATRIUM_ROLE_KIOSK)
#define STAFF   (ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER | ATRIUM_ROLE_ADMIN)

static AtriumOccupancy *
occupancy (AtriumRequest *request)
{
  return atrium_server_get_service (request->server, ATRIUM_SERVICE_OCCUPANCY);
}

/* GET /api/v1/occupancy: the encoded document as it stands, never rebuilt here. */
static void
handle_occupancy (AtriumRequest *request)
{
  g_autoptr(GBytes) document = atrium_occupancy_get_document (occupancy (request), 0);

  atrium_request_reply_bytes (request, SOUP_STATUS_OK, "application/json", document);
}

static void
reply_site_occupancy (AtriumRequest *request,
                      gint64         id)
{
  g_autoptr(GBytes) document = atrium_occupancy_get_document (occupancy (request), id);

  if (document == NULL)
    atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                "There is no such site");
  else
    atrium_request_reply_bytes (request, SOUP_STATUS_OK, "application/json", document);
}

/* GET /api/v1/sites/{id}/occupancy */
static void
handle_site_occupancy (AtriumRequest *request)
{
  gint64 id;

  if (atrium_handlers_param_id (request, 0, "site", &id))
    reply_site_occupancy (request, id);
}

/* The same, on the HTTP thread for a caller authenticated moments ago. */
static GBytes *
fast_occupancy (AtriumServer *server,
                char * const *params,
                guint         n_params)
{
  AtriumOccupancy *self = atrium_server_get_service (server, ATRIUM_SERVICE_OCCUPANCY);
  guint64 site = 0;

  if (n_params == 0)
    return atrium_occupancy_get_document (self, 0);
  if (!g_ascii_string_to_unsigned (params[0], 10, 1, G_MAXINT64, &site, NULL))
    return NULL;
  return atrium_occupancy_get_document (self, (gint64) site);
}

static const AtriumJsonField counts_schema[] = {
  { "seq", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, G_GINT64_CONSTANT (9007199254740991) },
  { "ts", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 20, 35 },
  { "in", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, 100000 },
  { "out", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, 100000 },
  { NULL }
};

static void
reply_count (AtriumRequest           *request,
             guint                    status,
             const char              *outcome,
             const AtriumCountResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, outcome);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, result->after);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, status, builder);
}

/* POST /api/v1/sensors/{id}/counts {seq, ts, in, out}: what a sensor counted since its
 * previous post (`in` people came in, `out` went out). Idempotent on (sensor, seq): the
 * same post again changes nothing; the same seq with other figures is a conflict. Posts
 * may arrive out of order; one stamped before the nightly reset only feeds history. */
static void
handle_counts (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  AtriumConfig *config = atrium_server_get_config (request->server);
  JsonObject *body = json_node_get_object (request->json);
  gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
  g_autoptr(GError) error = NULL;
  AtriumCountResult result = { 0 };
  AtriumSensor sensor = { 0 };
  gint64 id, ts_usec = 0, ts;
  gboolean ok;
  AtriumDb *db;

  if (!atrium_handlers_param_id (request, 0, "sensor", &id))
    return;
  if (id != request->principal.device_id)
    {
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                                  "This key belongs to another sensor");
      return;
    }
  if (!atrium_time_parse_iso8601 (json_object_get_string_member (body, "ts"), &ts_usec,
                                  &error))
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_ts",
                                  "ts: an RFC 3339 time such as 2026-11-24T10:15:00Z");
      return;
    }
  ts = ts_usec / G_USEC_PER_SEC;
  if (ABS (ts - now) > (gint64) config->sensor_max_skew_seconds)
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "clock_skew",
                                  "ts is %" G_GINT64_FORMAT " s from the server's clock; "
                                  "at most %u s is accepted: set the sensor's clock",
                                  ts - now, config->sensor_max_skew_seconds);
      return;
    }

  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", &error) &&
       atrium_store_sensor_get (db, id, &sensor, &error) &&
       atrium_store_count_record (db, &sensor, json_object_get_int_member (body, "seq"), ts,
                                  json_object_get_int_member (body, "in"),
                                  json_object_get_int_member (body, "out"), now,
                                  sensor.space_id != 0
                                  ? atrium_occupancy_ceiling (occupancy (request),
                                                              sensor.space_id, now)
                                  : G_MAXINT32,
                                  &result, &error);
  if (ok && result.was_silent)
    atrium_store_site_event_add (db, sensor.site_id, now, "sensor_back", sensor.space_id,
                                 sensor.queue_id, sensor.device_id, "The sensor is back", NULL);
  ok = ok && atrium_db_exec (db, result.outcome == ATRIUM_COUNT_CONFLICT ? "ROLLBACK;"
                                                                          : "COMMIT;", &error);
  if (!ok)
    atrium_db_exec (db, "ROLLBACK;", NULL);
  atrium_store_write_end (store);

  if (!ok)
    {
      atrium_handlers_reply_store_error (request, error, "The post could not be recorded");
      return;
    }
  switch (result.outcome)
    {
    case ATRIUM_COUNT_RECORDED:
      atrium_occupancy_counted (occupancy (request), request->request_id, sensor.space_id,
                                sensor.queue_id);
      reply_count (request, SOUP_STATUS_CREATED, "recorded", &result);
      break;
    case ATRIUM_COUNT_LATE:
      reply_count (request, SOUP_STATUS_CREATED, "late", &result);
      break;
    case ATRIUM_COUNT_REPEATED:
      reply_count (request, SOUP_STATUS_OK, "repeated", &result);
      break;
    case ATRIUM_COUNT_CONFLICT:
    default:
      atrium_request_reply_error (request, SOUP_STATUS_CONFLICT, "seq_conflict",
                                  "seq %" G_GINT64_FORMAT " was already posted with other "
                                  "figures", json_object_get_int_member (body, "seq"));
      break;
    }
}

static const AtriumJsonField correction_schema[] = {
  { "count", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, 1000000 },
  { NULL }
};

/* POST /api/v1/spaces/{id}/correction {count}: staff counted the room by hand. Sensor
 * posts go on adding to the figure they set. */
static void
handle_correction (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
  gint64 count = json_object_get_int_member (json_node_get_object (request->json), "count");
  g_autoptr(AtriumDirectory) directory = atrium_occupancy_get_directory (occupancy (request));
  g_autoptr(GError) error = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *subject = NULL;
  AtriumSpace *space;
  gint64 id, ceiling;
  gboolean ok;
  AtriumDb *db;

  if (!atrium_handlers_param_id (request, 0, "space", &id))
    return;
  space = directory != NULL ? atrium_directory_find_space (directory, id) : NULL;
  if (space == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such space");
      return;
    }
  if (!atrium_request_may_at_site (request, space->site_id,
                                   ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER))
    {
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                                  "You are not on the staff of this site");
      return;
    }
  ceiling = atrium_occupancy_ceiling (occupancy (request), id, now);
  if (count > ceiling)
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "too_many",
                                  "count: at most %" G_GINT64_FORMAT " (1.5 × the capacity)",
                                  ceiling);
      return;
    }

  detail = g_strdup_printf ("count=%" G_GINT64_FORMAT, count);
  subject = g_strdup_printf ("space:%" G_GINT64_FORMAT, id);
  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", &error) &&
       atrium_store_counter_set (db, id, 0, count, FALSE, now, &error) &&
       atrium_store_site_event_add (db, space->site_id, now, "correction", id, 0, 0, detail,
                                    &error) != 0;
  if (ok)
    {
      atrium_handlers_audit (request, db, "occupancy_corrected", subject, detail);
      ok = atrium_db_exec (db, "COMMIT;", &error);
    }
  if (!ok)
    atrium_db_exec (db, "ROLLBACK;", NULL);
  atrium_store_write_end (store);
  if (!ok)
    {
      atrium_handlers_reply_store_error (request, error, "The count could not be set");
      return;
    }
  atrium_occupancy_counted (occupancy (request), request->request_id, id, 0);
  reply_site_occupancy (request, space->site_id);
}

/* GET /api/v1/live: a WebSocket (DESIGN.md §3) for everyone who may read occupancy,
 * authenticated here, in the upgrade request; the live hub takes it from there. Every
 * site may be followed, as every site's occupancy may be read. */
static void
handle_live (AtriumRequest *request)
{
  /* The label for the logs, and for a user the session the feed lasts as long as. */
  if (request->principal.user_id != 0)
    request->upgrade_data = g_strdup_printf ("user %" G_GINT64_FORMAT " session %"
                                             G_GINT64_FORMAT, request->principal.user_id,
                                             request->principal.session_id);
  else
    request->upgrade_data = g_strdup_printf ("device %" G_GINT64_FORMAT,
                                             request->principal.device_id);
  request->upgrade_free = g_free;
  request->status = SOUP_STATUS_SWITCHING_PROTOCOLS;
}

static const AtriumRoute routes[] = {
  { "GET", "/api/v1/live", READERS, ATRIUM_ROUTE_WEBSOCKET, NULL, handle_live },
  { "POST", "/api/v1/sensors/{id}/counts", ATRIUM_ROLE_SENSOR, ATRIUM_ROUTE_JSON_BODY,
    counts_schema, handle_counts },
  { "POST", "/api/v1/spaces/{id}/correction", STAFF, ATRIUM_ROUTE_JSON_BODY,
    correction_schema, handle_correction },
};

/* Read-only occupancy is public only when the operator says so ([public] open_feed). */
static const AtriumRoute private_feed[] = {
  { "GET", "/api/v1/occupancy", READERS, 0, NULL, handle_occupancy, fast_occupancy },
  { "GET", "/api/v1/sites/{id}/occupancy", READERS, 0, NULL, handle_site_occupancy,
    fast_occupancy },
};

static const AtriumRoute open_feed[] = {
  { "GET", "/api/v1/occupancy", 0, ATRIUM_ROUTE_PUBLIC, NULL, handle_occupancy,
    fast_occupancy },
  { "GET", "/api/v1/sites/{id}/occupancy", 0, ATRIUM_ROUTE_PUBLIC, NULL,
    handle_site_occupancy, fast_occupancy },
};

void
atrium_handlers_register_occupancy (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
  if (atrium_server_get_config (server)->open_feed)
    atrium_server_add_routes (server, open_feed, G_N_ELEMENTS (open_feed));
  else
    atrium_server_add_routes (server, private_feed, G_N_ELEMENTS (private_feed));
}
