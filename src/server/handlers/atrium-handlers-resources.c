/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <string.h>
#include <libsoup/soup.h>

#include "atrium-booking-rules.h"
#include "atrium-occupancy.h"
#include "atrium-store-bookings.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"

/* Resources and their booking rules (DESIGN.md §3): everyone signed in and kiosks look
 * for something free and read a resource's day; a site's managers set its rules, with a
 * second factor. */

#define READERS (ATRIUM_ROLES_USERS | ATRIUM_ROLE_KIOSK)
#define EDITORS (ATRIUM_ROLE_MANAGER | ATRIUM_ROLE_ADMIN)

/* The longest span "find something free" looks at. */
#define FREE_SPAN_MAX (7 * 86400)

/* What may be asked for in ?attrs: the resource's own attributes, then its space's. */
static const char * const searchable[] = { "quiet", "power", "accessible", "screen",
                                           "group_work", "wifi", "computers", "daylight",
                                           NULL };

static const AtriumJsonField rules_schema[] = {
  { "slot_minutes", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 5, 240 },
  { "min_minutes", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 5, 1440 },
  { "max_minutes", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 5, 1440 },
  { "ahead_days", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, 365 },
  { "per_day", ATRIUM_JSON_INT, ATRIUM_JSON_NULLABLE, 0, 1000 },
  { "per_week", ATRIUM_JSON_INT, ATRIUM_JSON_NULLABLE, 0, 1000 },
  { "min_group", ATRIUM_JSON_INT, 0, 1, 1000 },
  { NULL }
};

/* What a resource says about itself; a seat also has its space's attributes. */
static const AtriumJsonField resource_attribute_fields[] = {
  { "quiet", ATRIUM_JSON_BOOL, 0 },
  { "power", ATRIUM_JSON_BOOL, 0 },
  { "accessible", ATRIUM_JSON_BOOL, 0 },
  { "screen", ATRIUM_JSON_BOOL, 0 },
  { NULL }
};

#define RESOURCE_FIELDS(required)                                                      \
  { "name", ATRIUM_JSON_STRING, required, 1, 200 },                                    \
  { "description", ATRIUM_JSON_STRING, 0, 0, 2000 },                                   \
  { "capacity", ATRIUM_JSON_INT, 0, 1, 1000 },                                         \
  { "space_id", ATRIUM_JSON_INT, ATRIUM_JSON_NULLABLE, 1, G_MAXINT64 },                \
  { "attributes", ATRIUM_JSON_OBJECT, 0, 0, 0, resource_attribute_fields }

static const AtriumJsonField resource_create_schema[] = {
  RESOURCE_FIELDS (ATRIUM_JSON_REQUIRED),
  { "type", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 16 },
  { NULL }
};
static const AtriumJsonField resource_update_schema[] = { RESOURCE_FIELDS (0), { NULL } };

/* ---- helpers ------------------------------------------------------------------------- */

static AtriumOccupancy *
occupancy (AtriumRequest *request)
{
  return atrium_server_get_service (request->server, ATRIUM_SERVICE_OCCUPANCY);
}

static gint64
now_of (AtriumRequest *request)
{
  return atrium_clock_now (atrium_server_get_clock (request->server));
}

static void
add_spans (JsonBuilder *builder,
           const char  *name,
           GArray      *pairs)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      json_builder_begin_object (builder);
      atrium_handlers_add_time (builder, "start", g_array_index (pairs, gint64, i));
      atrium_handlers_add_time (builder, "end", g_array_index (pairs, gint64, i + 1));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static JsonObject *
object_of (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  /* Written by the server itself after validation; still, never trust a cell blindly. */
  if (json != NULL && json_parser_load_from_data (parser, json, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  return json_object_new ();
}

/* The resource's attributes over its space's: a seat in a quiet room is quiet. */
static JsonObject *
attributes_of (const AtriumResource *resource,
               const AtriumSpace    *space)
{
  JsonObject *merged = object_of (space != NULL ? space->attributes : NULL);
  g_autoptr(JsonObject) own = object_of (resource->attributes);
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, own);
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (merged, name, json_node_copy (value));
  return merged;
}

/* Percent of the space's capacity in force now, from its live counter; -1 unknown. */
static int
space_percent (const AtriumSpace *space,
               const AtriumSite  *site,
               GArray            *counters,
               gint64             now)
{
  guint capacity;

  if (space == NULL || site == NULL)
    return -1;
  capacity = atrium_space_capacity_at (space, site, now);
  for (guint i = 0; counters != NULL && i < counters->len; i++)
    {
      const AtriumCounter *counter = &g_array_index (counters, AtriumCounter, i);

      if (counter->space_id == space->id)
        return capacity == 0 ? 100 : (int) (100.0 * counter->count / capacity + 0.5);
    }
  return capacity == 0 ? 100 : 0;
}

static void
add_resource (JsonBuilder          *builder,
              const AtriumResource *resource,
              const AtriumSpace    *space,
              int                   percent)
{
  g_autoptr(JsonNode) attributes = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (attributes, attributes_of (resource, space));
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, resource->id);
  json_builder_set_member_name (builder, "site");
  json_builder_add_int_value (builder, resource->site_id);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, resource->type);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, resource->name);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, resource->description);
  json_builder_set_member_name (builder, "capacity");
  json_builder_add_int_value (builder, resource->capacity);
  json_builder_set_member_name (builder, "attributes");
  json_builder_add_value (builder, g_steal_pointer (&attributes));
  json_builder_set_member_name (builder, "space");
  if (space == NULL)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, space->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, space->name);
      json_builder_set_member_name (builder, "percent");
      if (percent < 0)
        json_builder_add_null_value (builder);
      else
        json_builder_add_int_value (builder, percent);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
}

static gboolean
query_time (AtriumRequest *request,
            const char    *name,
            gint64        *seconds)
{
  const char *text = atrium_request_get_query (request, name);
  gint64 usec = 0;

  if (text == NULL || !atrium_time_parse_iso8601 (text, &usec, NULL))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                                  "%s: a time such as 2026-11-24T09:30:00Z", name);
      return FALSE;
    }
  *seconds = usec / ATRIUM_USEC_PER_SEC;
  return TRUE;
}

/* ---- GET /api/v1/resources ----------------------------------------------------------- */

typedef struct
{
  AtriumResource    *resource;
  const AtriumSpace *space;
  int                percent;
} Found;

static int
quietest_first (gconstpointer a,
                gconstpointer b)
{
  const Found *x = a, *y = b;
  int px = x->percent < 0 ? G_MAXINT : x->percent;
  int py = y->percent < 0 ? G_MAXINT : y->percent;

  if (px != py)
    return px < py ? -1 : 1;
  return x->resource->id < y->resource->id ? -1 : x->resource->id > y->resource->id;
}

static gboolean
has_attributes (JsonObject  *attributes,
                char       **wanted)
{
  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    {
      JsonNode *value = json_object_get_member (attributes, wanted[i]);

      if (value == NULL || json_node_get_value_type (value) != G_TYPE_BOOLEAN ||
          !json_node_get_boolean (value))
        return FALSE;
    }
  return TRUE;
}

/* Reads ?site, ?type, ?attrs, ?capacity, ?free_from and ?free_to; answers bad ones. */
typedef struct
{
  guint64  site_id;
  const char *type;
  char   **attrs;
  guint64  capacity;
  gint64   free_from;
  gint64   free_to;
} Search;

static gboolean
read_search (AtriumRequest *request,
             Search        *search)
{
  const char *site = atrium_request_get_query (request, "site");
  const char *attrs = atrium_request_get_query (request, "attrs");
  const char *capacity = atrium_request_get_query (request, "capacity");
  gboolean from = atrium_request_get_query (request, "free_from") != NULL;
  gboolean to = atrium_request_get_query (request, "free_to") != NULL;

  search->type = atrium_request_get_query (request, "type");
  if (site != NULL && !g_ascii_string_to_unsigned (site, 10, 1, G_MAXINT64, &search->site_id,
                                                   NULL))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                                  "site: a site id");
      return FALSE;
    }
  if (search->type != NULL && !atrium_resource_type_valid (search->type))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                                  "type: seat, room or equipment");
      return FALSE;
    }
  if (capacity != NULL && !g_ascii_string_to_unsigned (capacity, 10, 1, 1000,
                                                       &search->capacity, NULL))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                                  "capacity: the number of people, 1 to 1000");
      return FALSE;
    }
  if (attrs != NULL)
    {
      search->attrs = g_strsplit (attrs, ",", 16);
      for (guint i = 0; search->attrs[i] != NULL; i++)
        if (!g_strv_contains (searchable, search->attrs[i]))
          {
            g_autofree char *list = g_strjoinv (", ", (char **) searchable);

            atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                                        "attrs: a comma-separated list among %s", list);
            return FALSE;
          }
    }
  if (from != to)
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                                  "free_from and free_to go together");
      return FALSE;
    }
  if (from && (!query_time (request, "free_from", &search->free_from) ||
               !query_time (request, "free_to", &search->free_to)))
    return FALSE;
  if (from && (search->free_to <= search->free_from ||
               search->free_to - search->free_from > FREE_SPAN_MAX))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                                  "free_to: after free_from, at most 7 days later");
      return FALSE;
    }
  return TRUE;
}

/* Free over the whole span: the site is open all that time and no slot is taken. */
static gboolean
free_over (AtriumDb          *db,
           const AtriumSite  *site,
           gint64             resource_id,
           gint64             from,
           gint64             to,
           GError           **error)
{
  g_autoptr(GArray) open = site != NULL ? atrium_site_open_intervals (site, from, to, NULL)
                                        : NULL;
  gint64 taken;

  if (open == NULL || open->len != 2 || g_array_index (open, gint64, 0) != from ||
      g_array_index (open, gint64, 1) != to)
    return FALSE;
  taken = atrium_store_slots_taken (db, resource_id, from, to, error);
  return taken == 0;
}

/* GET /api/v1/resources?site&type&attrs&capacity&free_from&free_to: quietest space first */
static void
handle_resources (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumDirectory) dir = atrium_occupancy_get_directory (occupancy (request));
  g_autoptr(GPtrArray) resources = NULL;
  g_autoptr(GArray) counters = NULL;
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (Found));
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) error = NULL;
  Search search = { 0 };
  gint64 now = now_of (request);
  AtriumDb *db;

  if (!read_search (request, &search))
    {
      g_strfreev (search.attrs);
      return;
    }
  if (search.site_id != 0 && (dir == NULL ||
                              atrium_directory_find_site (dir, (gint64) search.site_id) == NULL))
    {
      g_strfreev (search.attrs);
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such site");
      return;
    }

  db = atrium_store_read_begin (store);
  resources = atrium_store_resources_list (db, (gint64) search.site_id, search.type, &error);
  counters = resources != NULL ? atrium_store_counters_load (db, &error) : NULL;
  for (guint i = 0; counters != NULL && i < resources->len; i++)
    {
      AtriumResource *resource = resources->pdata[i];
      const AtriumSpace *space = resource->space_id != 0 && dir != NULL
                                 ? atrium_directory_find_space (dir, resource->space_id) : NULL;
      const AtriumSite *site = dir != NULL ? atrium_directory_find_site (dir, resource->site_id)
                                           : NULL;
      g_autoptr(JsonObject) attributes = attributes_of (resource, space);
      Found hit = { resource, space, space_percent (space, site, counters, now) };

      if (!has_attributes (attributes, search.attrs) || resource->capacity < search.capacity)
        continue;
      if (search.free_to != 0 &&
          !free_over (db, site, resource->id, search.free_from, search.free_to, &error))
        {
          if (error != NULL)
            break;
          continue;
        }
      g_array_append_val (found, hit);
    }
  atrium_store_read_end (store, db);
  g_strfreev (search.attrs);
  if (resources == NULL || counters == NULL || error != NULL)
    {
      atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }

  g_array_sort (found, quietest_first);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "resources");
  json_builder_begin_array (builder);
  for (guint i = 0; i < found->len; i++)
    {
      const Found *hit = &g_array_index (found, Found, i);

      add_resource (builder, hit->resource, hit->space, hit->percent);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* ---- GET /api/v1/resources/{id}/availability?date= ----------------------------------- */

/* @open minus @busy, from @not_before on. */
static GArray *
free_spans (GArray *open,
            GArray *busy,
            gint64  not_before)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint b = 0;

  for (guint i = 0; i + 1 < open->len; i += 2)
    {
      gint64 cursor = MAX (g_array_index (open, gint64, i), not_before);
      gint64 end = g_array_index (open, gint64, i + 1);

      while (cursor < end)
        {
          gint64 next_busy = G_MAXINT64, busy_end = 0;

          while (b + 1 < busy->len && g_array_index (busy, gint64, b + 1) <= cursor)
            b += 2;
          if (b + 1 < busy->len)
            {
              next_busy = g_array_index (busy, gint64, b);
              busy_end = g_array_index (busy, gint64, b + 1);
            }
          if (next_busy > cursor)
            {
              gint64 stop = MIN (end, next_busy);

              g_array_append_val (spans, cursor);
              g_array_append_val (spans, stop);
              cursor = stop;
            }
          else
            cursor = busy_end;
        }
    }
  return spans;
}

static void
handle_availability (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumDirectory) dir = atrium_occupancy_get_directory (occupancy (request));
  g_autoptr(AtriumResource) resource = NULL;
  g_autoptr(GArray) open = NULL;
  g_autoptr(GArray) busy = NULL;
  g_autoptr(GArray) gaps = NULL;
  g_autoptr(GArray) counters = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) error = NULL;
  const char *date = atrium_request_get_query (request, "date");
  const AtriumSite *site = NULL;
  const AtriumSpace *space = NULL;
  gboolean bad_date = FALSE;
  AtriumBookingRules rules;
  gint64 id, from = 0, to = 0, now = now_of (request);
  AtriumDb *db;

  if (!atrium_handlers_param_id (request, 0, "resource", &id))
    return;
  db = atrium_store_read_begin (store);
  resource = atrium_store_resource_get (db, id, &error);
  if (resource != NULL && dir != NULL)
    {
      site = atrium_directory_find_site (dir, resource->site_id);
      space = atrium_directory_find_space (dir, resource->space_id);
    }
  if (site != NULL && date == NULL)
    atrium_site_day_bounds (site, now, &from, &to);
  else if (site != NULL)
    bad_date = !atrium_site_date_bounds (site, date, &from, &to);
  if (site != NULL && !bad_date &&
      atrium_store_rules_get (db, resource->site_id, resource->type, &rules, &error))
    {
      busy = atrium_store_busy_intervals (db, id, from, to, &error);
      counters = busy != NULL ? atrium_store_counters_load (db, &error) : NULL;
    }
  atrium_store_read_end (store, db);

  if (resource == NULL && !g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
    atrium_handlers_reply_store_error (request, error, NULL);
  else if (site == NULL)
    atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                "There is no such resource");
  else if (bad_date)
    atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_date",
                                "date: a day written YYYY-MM-DD");
  else if (counters == NULL)
    atrium_handlers_reply_store_error (request, error, NULL);
  if (request->status != 0)
    return;

  open = atrium_site_open_intervals (site, from, to, NULL);
  gaps = free_spans (open, busy, now - now % ATRIUM_SLOT_SECONDS);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "resource");
  add_resource (builder, resource, space, space_percent (space, site, counters, now));
  json_builder_set_member_name (builder, "date");
  {
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (from);
    g_autoptr(GDateTime) here = g_date_time_to_timezone (utc, site->tz);
    g_autofree char *day = g_date_time_format (here, "%Y-%m-%d");

    json_builder_add_string_value (builder, day);
  }
  json_builder_set_member_name (builder, "rules");
  atrium_booking_rules_add_json (builder, &rules);
  add_spans (builder, "open", open);
  add_spans (builder, "busy", busy);
  add_spans (builder, "free", gaps);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

static gboolean
known_site (AtriumRequest *request,
            gint64        *site_id)
{
  g_autoptr(AtriumDirectory) dir = atrium_occupancy_get_directory (occupancy (request));

  if (!atrium_handlers_param_id (request, 0, "site", site_id))
    return FALSE;
  if (dir == NULL || atrium_directory_find_site (dir, *site_id) == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such site");
      return FALSE;
    }
  return TRUE;
}

/* ---- resources: managers --------------------------------------------------------- */

static void
reply_resource (AtriumRequest *request,
                guint          status,
                gint64         id)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumDirectory) dir = atrium_occupancy_get_directory (occupancy (request));
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(AtriumResource) resource = NULL;
  g_autoptr(GError) error = NULL;
  AtriumDb *db = atrium_store_read_begin (store);

  resource = atrium_store_resource_get (db, id, &error);
  atrium_store_read_end (store, db);
  if (resource == NULL)
    {
      atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }
  add_resource (builder, resource,
                dir != NULL ? atrium_directory_find_space (dir, resource->space_id) : NULL, -1);
  atrium_handlers_reply_builder (request, status, builder);
}

/* The body's members over @resource; a space must be one of the resource's site. */
static gboolean
resource_from_body (AtriumRequest  *request,
                    AtriumResource *resource)
{
  JsonObject *object = json_node_get_object (request->json);
  g_autoptr(AtriumDirectory) dir = atrium_occupancy_get_directory (occupancy (request));
  const char *name = atrium_handlers_member_string (request, "name");
  const char *description = atrium_handlers_member_string (request, "description");

  if (name != NULL)
    {
      g_free (resource->name);
      resource->name = g_strdup (name);
    }
  if (description != NULL)
    {
      g_free (resource->description);
      resource->description = g_strdup (description);
    }
  if (json_object_has_member (object, "capacity"))
    resource->capacity = (guint) json_object_get_int_member (object, "capacity");
  if (json_object_has_member (object, "space_id"))
    {
      const AtriumSpace *space = NULL;

      resource->space_id = json_object_get_null_member (object, "space_id")
                           ? 0 : json_object_get_int_member (object, "space_id");
      if (resource->space_id != 0 && dir != NULL)
        space = atrium_directory_find_space (dir, resource->space_id);
      if (resource->space_id != 0 && (space == NULL || space->site_id != resource->site_id))
        {
          atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                                      "invalid_space", "space_id: a space of the same site");
          return FALSE;
        }
    }
  if (json_object_has_member (object, "attributes"))
    {
      g_autoptr(JsonNode) node = json_node_copy (json_object_get_member (object,
                                                                         "attributes"));

      g_free (resource->attributes);
      resource->attributes = atrium_json_write (node);
    }
  if (g_strcmp0 (resource->type, "room") != 0 && resource->capacity > 1)
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                                  "invalid_capacity", "capacity: only rooms take more than one");
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_resource (AtriumRequest  *request,
                AtriumResource *resource,
                const char     *event)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  AtriumDb *db = atrium_store_write_begin (store);

  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", &error);
  if (ok && resource->id == 0)
    {
      resource->id = atrium_store_resource_create (db, resource->site_id, resource->space_id,
                                                   resource->type, resource->name,
                                                   resource->capacity, resource->attributes,
                                                   &error);
      ok = resource->id != 0;
    }
  ok = ok && atrium_store_resource_update (db, resource, &error);
  if (ok)
    {
      g_autofree char *subject = g_strdup_printf ("resource:%" G_GINT64_FORMAT, resource->id);

      atrium_handlers_audit (request, db, event, subject, NULL);
      ok = atrium_db_exec (db, "COMMIT;", &error);
    }
  if (!ok)
    atrium_db_exec (db, "ROLLBACK;", NULL);
  atrium_store_write_end (store);
  if (!ok)
    atrium_handlers_reply_store_error (request, error,
                                       "This site already has a resource of that name");
  return ok;
}

static gboolean
manages (AtriumRequest *request,
         gint64         site_id)
{
  if (atrium_request_may_at_site (request, site_id, ATRIUM_ROLE_MANAGER))
    return TRUE;
  atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                              "You do not manage this site");
  return FALSE;
}

/* POST /api/v1/sites/{id}/resources */
static void
handle_resource_create (AtriumRequest *request)
{
  g_autoptr(AtriumResource) resource = g_new0 (AtriumResource, 1);
  const char *type = atrium_handlers_member_string (request, "type");

  if (!known_site (request, &resource->site_id) || !manages (request, resource->site_id))
    return;
  if (!atrium_resource_type_valid (type))
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_kind",
                                  "type: seat, room or equipment");
      return;
    }
  resource->type = g_strdup (type);
  resource->description = g_strdup ("");
  resource->capacity = 1;
  resource->attributes = g_strdup ("{}");
  if (resource_from_body (request, resource) &&
      write_resource (request, resource, "resource_created"))
    reply_resource (request, SOUP_STATUS_CREATED, resource->id);
}

/* PATCH /api/v1/resources/{id} */
static void
handle_resource_update (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumResource) resource = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;
  AtriumDb *db;

  if (!atrium_handlers_param_id (request, 0, "resource", &id))
    return;
  db = atrium_store_read_begin (store);
  resource = atrium_store_resource_get (db, id, &error);
  atrium_store_read_end (store, db);
  if (resource == NULL)
    atrium_handlers_reply_store_error (request, error, NULL);
  else if (manages (request, resource->site_id) && resource_from_body (request, resource) &&
           write_resource (request, resource, "resource_changed"))
    reply_resource (request, SOUP_STATUS_OK, id);
}

/* ---- booking rules ------------------------------------------------------------------- */

static void
reply_rules (AtriumRequest *request,
             gint64         site_id,
             const char    *only_type)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) error = NULL;
  AtriumBookingRules rules[3];
  gboolean ok = TRUE;
  AtriumDb *db = atrium_store_read_begin (store);

  for (guint i = 0; ok && atrium_resource_types[i] != NULL; i++)
    ok = atrium_store_rules_get (db, site_id, atrium_resource_types[i], &rules[i], &error);
  atrium_store_read_end (store, db);
  if (!ok)
    {
      atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }
  if (only_type != NULL)
    {
      for (guint i = 0; atrium_resource_types[i] != NULL; i++)
        if (strcmp (atrium_resource_types[i], only_type) == 0)
          atrium_booking_rules_add_json (builder, &rules[i]);
      atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "site");
  json_builder_add_int_value (builder, site_id);
  json_builder_set_member_name (builder, "rules");
  json_builder_begin_array (builder);
  for (guint i = 0; atrium_resource_types[i] != NULL; i++)
    atrium_booking_rules_add_json (builder, &rules[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* GET /api/v1/sites/{id}/booking-rules */
static void
handle_rules (AtriumRequest *request)
{
  gint64 site_id;

  if (known_site (request, &site_id))
    reply_rules (request, site_id, NULL);
}

static gint
limit_member (JsonObject *object,
              const char *name)
{
  if (!json_object_has_member (object, name) || json_object_get_null_member (object, name))
    return -1;
  return (gint) json_object_get_int_member (object, name);
}

/* PUT and DELETE /api/v1/sites/{id}/booking-rules/{type}: set them whole, or go back to
 * the defaults. */
static void
handle_rules_change (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  const char *type = atrium_request_get_param (request, 1);
  gboolean put = strcmp (request->method, "PUT") == 0;
  g_autoptr(GError) error = NULL;
  AtriumBookingRules rules;
  gint64 site_id;
  gboolean ok;
  AtriumDb *db;

  if (!known_site (request, &site_id))
    return;
  if (!atrium_resource_type_valid (type))
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "Resource types are seat, room and equipment");
      return;
    }
  if (!atrium_request_may_at_site (request, site_id, ATRIUM_ROLE_MANAGER))
    {
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                                  "You do not manage this site");
      return;
    }
  atrium_booking_rules_init_default (&rules, type);
  if (put)
    {
      JsonObject *object = json_node_get_object (request->json);

      rules.slot_minutes = (guint) json_object_get_int_member (object, "slot_minutes");
      rules.min_minutes = (guint) json_object_get_int_member (object, "min_minutes");
      rules.max_minutes = (guint) json_object_get_int_member (object, "max_minutes");
      rules.ahead_days = (guint) json_object_get_int_member (object, "ahead_days");
      rules.per_day = limit_member (object, "per_day");
      rules.per_week = limit_member (object, "per_week");
      rules.min_group = json_object_has_member (object, "min_group")
                        ? (guint) json_object_get_int_member (object, "min_group") : 1;
      if (!atrium_booking_rules_validate (&rules, NULL, &error))
        {
          atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                                      "invalid_rules", "%s", error->message);
          return;
        }
    }

  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", &error) &&
       (put ? atrium_store_rules_put (db, site_id, &rules, &error)
            : atrium_store_exec_bound (db, "DELETE FROM booking_rule WHERE site_id = ?1"
                                       " AND type = ?2;", &error, 'i', site_id, 's', type,
                                       0) >= 0);
  if (ok)
    {
      g_autofree char *subject = g_strdup_printf ("site:%" G_GINT64_FORMAT, site_id);
      g_autofree char *detail = g_strdup_printf ("%s %s", type, put ? "set" : "defaults");

      atrium_handlers_audit (request, db, "booking_rules_changed", subject, detail);
      ok = atrium_db_exec (db, "COMMIT;", &error);
    }
  if (!ok)
    atrium_db_exec (db, "ROLLBACK;", NULL);
  atrium_store_write_end (store);
  if (!ok)
    atrium_handlers_reply_store_error (request, error, "These rules were refused");
  else
    reply_rules (request, site_id, type);
}

#define CHANGE (ATRIUM_ROUTE_JSON_BODY | ATRIUM_ROUTE_SECOND_FACTOR)

static const AtriumRoute routes[] = {
  { "GET", "/api/v1/resources", READERS, 0, NULL, handle_resources },
  { "GET", "/api/v1/resources/{id}/availability", READERS, 0, NULL, handle_availability },
  { "POST", "/api/v1/sites/{id}/resources", EDITORS, CHANGE, resource_create_schema,
    handle_resource_create },
  { "PATCH", "/api/v1/resources/{id}", EDITORS, CHANGE, resource_update_schema,
    handle_resource_update },
  { "GET", "/api/v1/sites/{id}/booking-rules", READERS, 0, NULL, handle_rules },
  { "PUT", "/api/v1/sites/{id}/booking-rules/{type}", EDITORS, CHANGE, rules_schema,
    handle_rules_change },
  { "DELETE", "/api/v1/sites/{id}/booking-rules/{type}", EDITORS, ATRIUM_ROUTE_SECOND_FACTOR,
    NULL, handle_rules_change },
};

void
atrium_handlers_register_resources (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
