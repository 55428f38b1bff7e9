/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <libsoup/soup.h>

#include "atrium-occupancy.h"
#include "atrium-stats.h"
#include "atrium-store-counts.h"

/* Popular times, statistics and a site's events (DESIGN.md §3). */

#define READERS (ATRIUM_ROLES_USERS | ATRIUM_ROLE_KIOSK)
#define REPORTERS (ATRIUM_ROLE_MANAGER | ATRIUM_ROLE_REPORTING | ATRIUM_ROLE_ADMIN)
#define STAFF (ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER | ATRIUM_ROLE_ADMIN)

/* The site of the path, from the occupancy service's directory; a 404 otherwise. */
static AtriumSite *
path_site (AtriumRequest    *request,
           AtriumDirectory **directory)
{
  AtriumOccupancy *occupancy = atrium_server_get_service (request->server,
                                                          ATRIUM_SERVICE_OCCUPANCY);
  AtriumSite *site;
  gint64 id;

  if (!atrium_handlers_param_id (request, 0, "site", &id))
    return NULL;
  *directory = atrium_occupancy_get_directory (occupancy);
  site = *directory != NULL ? atrium_directory_find_site (*directory, id) : NULL;
  if (site == NULL)
    atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                "There is no such site");
  return site;
}

/* A date (local midnight at the site) or an RFC 3339 time. */
static gboolean
parse_instant (const AtriumSite *site,
               const char       *text,
               gint64           *instant)
{
  gint64 usec;

  if (text != NULL && strlen (text) == 10)
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00", NULL);
      g_autoptr(GDateTime) local = g_date_time_new_from_iso8601 (midnight, site->tz);

      if (local == NULL)
        return FALSE;
      *instant = g_date_time_to_unix (local);
      return TRUE;
    }
  if (text == NULL || !atrium_time_parse_iso8601 (text, &usec, NULL))
    return FALSE;
  *instant = usec / G_USEC_PER_SEC;
  return TRUE;
}

/* The stored rows of a space or a queue in the form the statistics service reads. */
static GArray *
read_rows (AtriumRequest *request,
           gint64         space_id,
           gint64         queue_id,
           gint64         from,
           gint64         to)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  AtriumDb *db = atrium_store_read_begin (store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) stored = atrium_store_buckets (db, space_id, queue_id, from, to, &error);
  GArray *rows;

  atrium_store_read_end (store, db);
  if (stored == NULL)
    {
      atrium_server_log_error (request->server, request->request_id, "buckets: %s",
                               error->message);
      return NULL;
    }
  rows = g_array_sized_new (FALSE, TRUE, sizeof (AtriumStatsBucket), stored->len);
  for (guint i = 0; i < stored->len; i++)
    {
      const AtriumBucketRow *row = &g_array_index (stored, AtriumBucketRow, i);
      AtriumStatsBucket bucket = {
        row->start, (guint) row->entries, (guint) row->exits, (guint) row->peak,
        (double) row->area / ATRIUM_STATS_ROW_SECONDS,
        row->wait_n > 0 ? row->wait_sum / row->wait_n : 0, (guint) row->wait_n,
      };

      g_array_append_val (rows, bucket);
    }
  return rows;
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       seconds)
{
  g_autofree char *text = atrium_time_format_iso8601 (seconds * ATRIUM_USEC_PER_SEC);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
add_rounded (JsonBuilder *builder,
             const char  *name,
             double       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, round (value * 10) / 10);
}

/* ---- popular times ------------------------------------------------------------------- */

/* GET /api/v1/sites/{id}/forecast?date=YYYY-MM-DD: per space, the expected occupancy of
 * each half hour of that date from the same weekdays of the eight weeks before. */
static void
handle_forecast (AtriumRequest *request)
{
  g_autoptr(AtriumDirectory) directory = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *date_text = atrium_request_get_query (request, "date");
  AtriumSite *site = path_site (request, &directory);
  GDate date;
  gint64 from = 0, to = 0;

  if (site == NULL)
    return;
  g_date_clear (&date, 1);
  if (date_text == NULL)
    {
      gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now);
      g_autoptr(GDateTime) here = g_date_time_to_timezone (utc, site->tz);

      g_date_set_dmy (&date, (GDateDay) g_date_time_get_day_of_month (here),
                      (GDateMonth) g_date_time_get_month (here),
                      (GDateYear) g_date_time_get_year (here));
    }
  else
    {
      /* Read by hand: g_date_set_parse() follows the locale. */
      guint year = 0, month = 0, day = 0;
      char end = '\0';

      if (strlen (date_text) != 10 ||
          sscanf (date_text, "%4u-%2u-%2u%c", &year, &month, &day, &end) != 3 ||
          !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
        {
          atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_date",
                                      "date: a day written YYYY-MM-DD");
          return;
        }
      g_date_set_dmy (&date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
    }
  atrium_stats_forecast_range (site->tz, &date, &from, &to);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "site");
  json_builder_add_int_value (builder, site->id);
  {
    char text[16];

    g_date_strftime (text, sizeof text, "%Y-%m-%d", &date);
    json_builder_set_member_name (builder, "date");
    json_builder_add_string_value (builder, text);
  }
  json_builder_set_member_name (builder, "spaces");
  json_builder_begin_array (builder);
  for (guint i = 0; i < directory->spaces->len; i++)
    {
      const AtriumSpace *space = directory->spaces->pdata[i];
      g_autoptr(GArray) rows = NULL;
      g_autoptr(AtriumStatsForecast) forecast = NULL;

      if (space->site_id != site->id)
        continue;
      rows = read_rows (request, space->id, 0, from, to);
      if (rows == NULL)
        return;
      forecast = atrium_stats_forecast ((const AtriumStatsBucket *) rows->data, rows->len,
                                        site->tz, &date);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, space->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, space->name);
      json_builder_set_member_name (builder, "capacity");
      json_builder_add_int_value (builder, space->capacity);
      json_builder_set_member_name (builder, "days_with_data");
      json_builder_add_int_value (builder, forecast->days_with_data);
      json_builder_set_member_name (builder, "insufficient_history");
      json_builder_add_boolean_value (builder, forecast->insufficient_history);
      json_builder_set_member_name (builder, "slots");
      json_builder_begin_array (builder);
      for (guint j = 0; j < forecast->slots->len; j++)
        {
          const AtriumStatsForecastSlot *slot = &g_array_index (forecast->slots,
                                                                AtriumStatsForecastSlot, j);
          guint capacity = atrium_space_capacity_at (space, site, slot->start);

          json_builder_begin_object (builder);
          add_time (builder, "start", slot->start);
          add_time (builder, "end", slot->end);
          add_rounded (builder, "occupancy", slot->occupancy);
          json_builder_set_member_name (builder, "percent");
          if (capacity == 0 || slot->samples == 0)
            json_builder_add_null_value (builder);
          else
            json_builder_add_int_value (builder,
                                        (gint64) (100.0 * slot->occupancy / capacity + 0.5));
          json_builder_set_member_name (builder, "samples");
          json_builder_add_int_value (builder, slot->samples);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* ---- statistics ---------------------------------------------------------------------- */

static void
add_aggregate (JsonBuilder                *builder,
               const AtriumStatsAggregate *bucket)
{
  json_builder_begin_object (builder);
  add_time (builder, "start", bucket->start);
  add_time (builder, "end", bucket->end);
  json_builder_set_member_name (builder, "covered_seconds");
  json_builder_add_int_value (builder, bucket->covered);
  json_builder_set_member_name (builder, "entries");
  json_builder_add_int_value (builder, (gint64) bucket->entries);
  json_builder_set_member_name (builder, "exits");
  json_builder_add_int_value (builder, (gint64) bucket->exits);
  json_builder_set_member_name (builder, "peak");
  json_builder_add_int_value (builder, bucket->peak);
  add_rounded (builder, "mean", bucket->mean);
  if (bucket->wait_n > 0)
    add_rounded (builder, "mean_wait_seconds", bucket->wait_mean);
  else
    {
      json_builder_set_member_name (builder, "mean_wait_seconds");
      json_builder_add_null_value (builder);
    }
  json_builder_end_object (builder);
}

/* One space's or queue's series with its comparison and totals; FALSE when answered. */
static gboolean
add_series (AtriumRequest          *request,
            JsonBuilder            *builder,
            const AtriumSite       *site,
            gint64                  space_id,
            gint64                  queue_id,
            const char             *name,
            gint64                  from,
            gint64                  to,
            AtriumStatsGranularity  granularity,
            AtriumStatsComparison   comparison)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GArray) compared_rows = NULL;
  g_autoptr(GArray) series = NULL;
  g_autoptr(GArray) compared = NULL;
  AtriumStatsAggregate total, compared_total;
  AtriumStatsDelta delta;
  gint64 cmp_from = 0, cmp_to = 0;

  if (!atrium_stats_comparison_range (site->tz, from, to, granularity, comparison, &cmp_from,
                                      &cmp_to, &error))
    goto bad;
  rows = read_rows (request, space_id, queue_id, from, to);
  compared_rows = read_rows (request, space_id, queue_id, cmp_from, cmp_to);
  if (rows == NULL || compared_rows == NULL)
    return FALSE;
  series = atrium_stats_aggregate ((const AtriumStatsBucket *) rows->data, rows->len, site->tz,
                                   from, to, granularity, &error);
  if (series == NULL)
    goto bad;
  compared = atrium_stats_aggregate_compared ((const AtriumStatsBucket *) compared_rows->data,
                                              compared_rows->len, site->tz, from, to,
                                              granularity, comparison, &error);
  if (compared == NULL)
    goto bad;
  atrium_stats_sum ((const AtriumStatsAggregate *) series->data, series->len, &total);
  atrium_stats_sum ((const AtriumStatsAggregate *) compared->data, compared->len,
                    &compared_total);
  atrium_stats_delta (&total, &compared_total, &delta);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, space_id != 0 ? "space" : "queue");
  json_builder_add_int_value (builder, space_id != 0 ? space_id : queue_id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "total");
  add_aggregate (builder, &total);
  json_builder_set_member_name (builder, "comparison_total");
  add_aggregate (builder, &compared_total);
  json_builder_set_member_name (builder, "change");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "comparable");
  json_builder_add_boolean_value (builder, delta.comparable);
  json_builder_set_member_name (builder, "entries");
  json_builder_add_int_value (builder, delta.entries);
  json_builder_set_member_name (builder, "peak");
  json_builder_add_int_value (builder, delta.peak);
  add_rounded (builder, "mean", delta.mean);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "buckets");
  json_builder_begin_array (builder);
  for (guint i = 0; i < series->len; i++)
    add_aggregate (builder, &g_array_index (series, AtriumStatsAggregate, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "comparison");
  json_builder_begin_array (builder);
  for (guint i = 0; i < compared->len; i++)
    add_aggregate (builder, &g_array_index (compared, AtriumStatsAggregate, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return TRUE;

bad:
  atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_range", "%s",
                              error->message);
  return FALSE;
}

/* GET /api/v1/sites/{id}/stats?from&to&bucket[&compare=previous|year]: every space and
 * queue of the site, bucket by bucket, against the comparison period. */
static void
handle_stats (AtriumRequest *request)
{
  g_autoptr(AtriumDirectory) directory = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  AtriumSite *site = path_site (request, &directory);
  const char *bucket = atrium_request_get_query (request, "bucket");
  const char *compare = atrium_request_get_query (request, "compare");
  AtriumStatsGranularity granularity = ATRIUM_STATS_HOUR;
  AtriumStatsComparison comparison = ATRIUM_STATS_COMPARE_PREVIOUS;
  gint64 from = 0, to = 0;

  if (site == NULL)
    return;
  if (!atrium_request_may_at_site (request, site->id,
                                   ATRIUM_ROLE_MANAGER | ATRIUM_ROLE_REPORTING))
    {
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                                  "You do not manage this site");
      return;
    }
  if (!parse_instant (site, atrium_request_get_query (request, "from"), &from) ||
      !parse_instant (site, atrium_request_get_query (request, "to"), &to))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_range",
                                  "from and to: days (YYYY-MM-DD) or RFC 3339 times");
      return;
    }
  if ((bucket != NULL && !atrium_stats_granularity_from_string (bucket, &granularity)) ||
      (compare != NULL && !atrium_stats_comparison_from_string (compare, &comparison)))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_bucket",
                                  "bucket: 5min, hour, day, week or month; "
                                  "compare: previous or year");
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "site");
  json_builder_add_int_value (builder, site->id);
  json_builder_set_member_name (builder, "bucket");
  json_builder_add_string_value (builder, atrium_stats_granularity_to_string (granularity));
  add_time (builder, "from", from);
  add_time (builder, "to", to);
  json_builder_set_member_name (builder, "series");
  json_builder_begin_array (builder);
  for (guint i = 0; i < directory->spaces->len; i++)
    {
      const AtriumSpace *space = directory->spaces->pdata[i];

      if (space->site_id == site->id &&
          !add_series (request, builder, site, space->id, 0, space->name, from, to,
                       granularity, comparison))
        return;
    }
  for (guint i = 0; i < directory->queues->len; i++)
    {
      const AtriumQueue *queue = directory->queues->pdata[i];

      if (queue->site_id == site->id &&
          !add_series (request, builder, site, 0, queue->id, queue->name, from, to,
                       granularity, comparison))
        return;
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* ---- events -------------------------------------------------------------------------- */

/* GET /api/v1/sites/{id}/events: over capacity, silent sensors, recounts; newest first. */
static void
handle_events (AtriumRequest *request)
{
  g_autoptr(AtriumDirectory) directory = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  AtriumSite *site = path_site (request, &directory);
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  AtriumDb *db;

  if (site == NULL)
    return;
  if (!atrium_request_may_at_site (request, site->id, ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER))
    {
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                                  "You are not on the staff of this site");
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "events");
  json_builder_begin_array (builder);
  db = atrium_store_read_begin (store);
  ok = atrium_store_site_events_list (db, site->id, 200, builder, &error);
  atrium_store_read_end (store, db);
  if (!ok)
    {
      atrium_server_log_error (request->server, request->request_id, "events: %s",
                               error->message);
      return;
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

static const AtriumRoute routes[] = {
  { "GET", "/api/v1/sites/{id}/forecast", READERS, 0, NULL, handle_forecast },
  { "GET", "/api/v1/sites/{id}/stats", REPORTERS, 0, NULL, handle_stats },
  { "GET", "/api/v1/sites/{id}/events", STAFF, 0, NULL, handle_events },
};

void
atrium_handlers_register_stats (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
