/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <string.h>
#include <libsoup/soup.h>

#include "atrium-occupancy.h"
#include "atrium-store-sites.h"

/* Sites, spaces and queues (DESIGN.md §3): everyone signed in reads them; an
 * administrator creates and deletes sites; a site's managers edit it and its spaces and
 * queues. Changes need a session that passed a second factor. */

#define READERS (ATRIUM_ROLES_USERS | ATRIUM_ROLE_KIOSK)
#define EDITORS (ATRIUM_ROLE_MANAGER | ATRIUM_ROLE_ADMIN)

static const char * const space_kinds[] = { "reading_room", "floor", "study_room", "other",
                                            NULL };
static const char * const queue_kinds[] = { "entrance", "loan_desk", "help_desk", "other",
                                            NULL };

/* ---- schemas ------------------------------------------------------------------------- */

static const AtriumJsonField period_fields[] = {
  { "opens", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 5, 5 },
  { "closes", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 5, 5 },
  { NULL }
};
static const AtriumJsonField period_item = { NULL, ATRIUM_JSON_OBJECT, 0, 0, 0, period_fields };

#define DAY(name) { name, ATRIUM_JSON_ARRAY, 0, 0, 8, NULL, &period_item }
static const AtriumJsonField hours_fields[] = {
  DAY ("monday"), DAY ("tuesday"), DAY ("wednesday"), DAY ("thursday"), DAY ("friday"),
  DAY ("saturday"), DAY ("sunday"), { NULL }
};

static const AtriumJsonField exception_fields[] = {
  { "date", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 10, 10 },
  { "closed", ATRIUM_JSON_BOOL, 0 },
  { "periods", ATRIUM_JSON_ARRAY, 0, 0, 8, NULL, &period_item },
  { "note", ATRIUM_JSON_STRING, 0, 0, 200 },
  { NULL }
};
static const AtriumJsonField exception_item = { NULL, ATRIUM_JSON_OBJECT, 0, 0, 0,
                                                exception_fields };

#define SITE_FIELDS(required)                                                          \
  { "name", ATRIUM_JSON_STRING, required, 1, 200 },                                    \
  { "address", ATRIUM_JSON_STRING, 0, 0, 500 },                                        \
  { "timezone", ATRIUM_JSON_STRING, required, 1, 64 },                                 \
  { "hours", ATRIUM_JSON_OBJECT, 0, 0, 0, hours_fields },                              \
  { "exceptions", ATRIUM_JSON_ARRAY, 0, 0, 400, NULL, &exception_item },               \
  { NULL }

static const AtriumJsonField site_create_schema[] = { SITE_FIELDS (ATRIUM_JSON_REQUIRED) };
static const AtriumJsonField site_update_schema[] = { SITE_FIELDS (0) };

static const AtriumJsonField rule_fields[] = {
  { "weekday", ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 6, 9 },
  { "from", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 5, 5 },
  { "to", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 5, 5 },
  { "capacity", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, 100000 },
  { NULL }
};
static const AtriumJsonField rule_item = { NULL, ATRIUM_JSON_OBJECT, 0, 0, 0, rule_fields };

/* What a library says about a room; free text stays short. */
static const AtriumJsonField attribute_fields[] = {
  { "quiet", ATRIUM_JSON_BOOL, 0 },
  { "group_work", ATRIUM_JSON_BOOL, 0 },
  { "power", ATRIUM_JSON_BOOL, 0 },
  { "wifi", ATRIUM_JSON_BOOL, 0 },
  { "computers", ATRIUM_JSON_BOOL, 0 },
  { "accessible", ATRIUM_JSON_BOOL, 0 },
  { "daylight", ATRIUM_JSON_BOOL, 0 },
  { "floor", ATRIUM_JSON_INT, 0, -10, 200 },
  { "note", ATRIUM_JSON_STRING, 0, 0, 200 },
  { NULL }
};

#define SPACE_FIELDS(required)                                                         \
  { "name", ATRIUM_JSON_STRING, required, 1, 200 },                                    \
  { "kind", ATRIUM_JSON_STRING, required, 1, 32 },                                     \
  { "capacity", ATRIUM_JSON_INT, required, 0, 100000 },                                \
  { "capacities", ATRIUM_JSON_ARRAY, 0, 0, 50, NULL, &rule_item },                     \
  { "attributes", ATRIUM_JSON_OBJECT, 0, 0, 0, attribute_fields },                     \
  { NULL }

static const AtriumJsonField space_create_schema[] = { SPACE_FIELDS (ATRIUM_JSON_REQUIRED) };
static const AtriumJsonField space_update_schema[] = { SPACE_FIELDS (0) };

static const AtriumJsonField queue_create_schema[] = {
  { "name", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 200 },
  { "kind", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { NULL }
};
static const AtriumJsonField queue_update_schema[] = {
  { "name", ATRIUM_JSON_STRING, 0, 1, 200 },
  { "kind", ATRIUM_JSON_STRING, 0, 1, 32 },
  { NULL }
};

/* ---- helpers ------------------------------------------------------------------------- */

static AtriumOccupancy *
occupancy (AtriumRequest *request)
{
  return atrium_server_get_service (request->server, ATRIUM_SERVICE_OCCUPANCY);
}

static JsonObject *
body (AtriumRequest *request)
{
  return json_node_get_object (request->json);
}

static gboolean
unprocessable (AtriumRequest *request,
               const char    *code,
               const GError  *error)
{
  atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, code, "%s",
                              error->message);
  return FALSE;
}

static gboolean
check_kind (AtriumRequest      *request,
            const char         *kind,
            const char * const *kinds)
{
  g_autofree char *list = NULL;

  if (kind == NULL || g_strv_contains (kinds, kind))
    return TRUE;
  list = g_strjoinv (", ", (char **) kinds);
  atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_kind",
                              "kind: one of %s", list);
  return FALSE;
}

static void
replace (char       **field,
         const char  *value)
{
  if (value != NULL)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

/* A copy to edit, from the directory the occupancy service holds. */
static AtriumSite *
site_copy (const AtriumSite *site)
{
  AtriumSite *copy = atrium_site_new ();

  copy->id = site->id;
  copy->name = g_strdup (site->name);
  copy->address = g_strdup (site->address);
  copy->timezone = g_strdup (site->timezone);
  copy->tz = g_time_zone_ref (site->tz);
  for (guint day = 1; day <= 7; day++)
    g_array_append_vals (copy->hours[day], site->hours[day]->data, site->hours[day]->len);
  for (guint i = 0; i < site->exceptions->len; i++)
    {
      const AtriumClosure *closure = site->exceptions->pdata[i];
      AtriumClosure *clone = g_new0 (AtriumClosure, 1);

      memcpy (clone->date, closure->date, sizeof clone->date);
      clone->periods = g_array_copy (closure->periods);
      clone->note = g_strdup (closure->note);
      g_ptr_array_add (copy->exceptions, clone);
    }
  return copy;
}

/* Reads the members of the body into @site; an error is answered. */
static gboolean
site_from_body (AtriumRequest *request,
                AtriumSite    *site)
{
  JsonObject *object = body (request);
  g_autoptr(GError) error = NULL;
  const char *timezone = atrium_handlers_member_string (request, "timezone");

  replace (&site->name, atrium_handlers_member_string (request, "name"));
  replace (&site->address, atrium_handlers_member_string (request, "address"));
  if (site->address == NULL)
    site->address = g_strdup ("");
  if (timezone != NULL)
    {
      GTimeZone *tz = g_time_zone_new_identifier (timezone);

      if (tz == NULL || strchr (timezone, '/') == NULL)
        {
          /* An IANA name: "Europe/Paris". Offsets such as "+01:00" ignore summer time. */
          g_clear_pointer (&tz, g_time_zone_unref);
          if (g_strcmp0 (timezone, "UTC") != 0)
            {
              atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                                          "invalid_timezone",
                                          "timezone: an IANA time zone such as Europe/Paris");
              return FALSE;
            }
          tz = g_time_zone_new_utc ();
        }
      replace (&site->timezone, timezone);
      g_clear_pointer (&site->tz, g_time_zone_unref);
      site->tz = tz;
    }
  if (json_object_has_member (object, "hours") &&
      !atrium_site_hours_from_json (site, json_object_get_object_member (object, "hours"),
                                    NULL, &error))
    return unprocessable (request, "invalid_hours", error);
  if (json_object_has_member (object, "exceptions") &&
      !atrium_site_exceptions_from_json (site,
                                         json_object_get_array_member (object, "exceptions"),
                                         NULL, &error))
    return unprocessable (request, "invalid_exceptions", error);
  return TRUE;
}

static gboolean
space_from_body (AtriumRequest *request,
                 AtriumSpace   *space)
{
  JsonObject *object = body (request);
  g_autoptr(GError) error = NULL;

  if (!check_kind (request, atrium_handlers_member_string (request, "kind"), space_kinds))
    return FALSE;
  replace (&space->name, atrium_handlers_member_string (request, "name"));
  replace (&space->kind, atrium_handlers_member_string (request, "kind"));
  if (json_object_has_member (object, "capacity"))
    space->capacity = (guint) json_object_get_int_member (object, "capacity");
  if (json_object_has_member (object, "capacities") &&
      !atrium_space_capacities_from_json (space,
                                          json_object_get_array_member (object, "capacities"),
                                          NULL, &error))
    return unprocessable (request, "invalid_capacities", error);
  if (json_object_has_member (object, "attributes"))
    {
      g_autoptr(JsonNode) node = json_node_copy (json_object_get_member (object,
                                                                         "attributes"));

      g_free (space->attributes);
      space->attributes = atrium_json_write (node);
    }
  if (space->attributes == NULL)
    space->attributes = g_strdup ("{}");
  return TRUE;
}

/* The directory as the occupancy service holds it; refreshed after every change. */
static AtriumDirectory *
directory (AtriumRequest *request)
{
  return atrium_occupancy_get_directory (occupancy (request));
}

static void
changed (AtriumRequest *request)
{
  g_autoptr(GError) error = NULL;

  if (!atrium_occupancy_refresh (occupancy (request), &error))
    atrium_server_log_error (request->server, request->request_id, "refresh: %s",
                             error->message);
}

static void
reply_site (AtriumRequest *request,
            guint          status,
            gint64         site_id)
{
  g_autoptr(AtriumDirectory) dir = directory (request);
  AtriumSite *site = dir != NULL ? atrium_directory_find_site (dir, site_id) : NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (site == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such site");
      return;
    }
  atrium_site_add_json (builder, site, dir);
  atrium_handlers_reply_builder (request, status, builder);
}

/* Runs @write in a transaction on the writer, with an audit entry; answers errors. */
typedef gboolean (*WriteFunc) (AtriumDb *db, gpointer data, gint64 *id, GError **error);

static gboolean
write_audited (AtriumRequest *request,
               WriteFunc      write,
               gpointer       data,
               const char    *event,
               const char    *subject_kind,
               gint64        *id,
               const char    *conflict)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  AtriumDb *db = atrium_store_write_begin (store);

  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", &error) && write (db, data, id, &error);
  if (ok)
    {
      g_autofree char *subject = g_strdup_printf ("%s:%" G_GINT64_FORMAT, subject_kind, *id);

      atrium_handlers_audit (request, db, event, subject, NULL);
      ok = atrium_db_exec (db, "COMMIT;", &error);
    }
  if (!ok)
    atrium_db_exec (db, "ROLLBACK;", NULL);
  atrium_store_write_end (store);
  if (!ok)
    atrium_handlers_reply_store_error (request, error, conflict);
  else
    changed (request);
  return ok;
}

/* ---- sites --------------------------------------------------------------------------- */

/* GET /api/v1/sites */
static void
handle_sites (AtriumRequest *request)
{
  g_autoptr(AtriumDirectory) dir = directory (request);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sites");
  json_builder_begin_array (builder);
  for (guint i = 0; dir != NULL && i < dir->sites->len; i++)
    atrium_site_add_json (builder, dir->sites->pdata[i], dir);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* GET /api/v1/sites/{id} */
static void
handle_site (AtriumRequest *request)
{
  gint64 id;

  if (atrium_handlers_param_id (request, 0, "site", &id))
    reply_site (request, SOUP_STATUS_OK, id);
}

static gboolean
write_site_create (AtriumDb  *db,
                   gpointer   data,
                   gint64    *id,
                   GError   **error)
{
  *id = atrium_store_site_create (db, data, error);
  return *id != 0;
}

/* POST /api/v1/sites (admin) */
static void
handle_site_create (AtriumRequest *request)
{
  g_autoptr(AtriumSite) site = atrium_site_new ();
  gint64 id = 0;

  if (site_from_body (request, site) &&
      write_audited (request, write_site_create, site, "site_created", "site", &id,
                     "A site with this name already exists"))
    reply_site (request, SOUP_STATUS_CREATED, id);
}

static gboolean
write_site_update (AtriumDb  *db,
                   gpointer   data,
                   gint64    *id,
                   GError   **error)
{
  *id = ((AtriumSite *) data)->id;
  return atrium_store_site_update (db, data, error);
}

/* PATCH /api/v1/sites/{id} (admin, the site's managers) */
static void
handle_site_update (AtriumRequest *request)
{
  g_autoptr(AtriumDirectory) dir = directory (request);
  g_autoptr(AtriumSite) site = NULL;
  AtriumSite *current;
  gint64 id;

  if (!atrium_handlers_param_id (request, 0, "site", &id))
    return;
  current = atrium_directory_find_site (dir, id);
  if (current == NULL || !atrium_request_may_at_site (request, id, ATRIUM_ROLE_MANAGER))
    {
      atrium_request_reply_error (request, current == NULL ? SOUP_STATUS_NOT_FOUND
                                                           : SOUP_STATUS_FORBIDDEN,
                                  current == NULL ? "not_found" : "forbidden",
                                  current == NULL ? "There is no such site"
                                                  : "You do not manage this site");
      return;
    }
  site = site_copy (current);
  if (site_from_body (request, site) &&
      write_audited (request, write_site_update, site, "site_changed", "site", &id,
                     "A site with this name already exists"))
    reply_site (request, SOUP_STATUS_OK, id);
}

static gboolean
write_site_delete (AtriumDb  *db,
                   gpointer   data,
                   gint64    *id,
                   GError   **error)
{
  return atrium_store_site_delete (db, *id, error);
}

/* DELETE /api/v1/sites/{id} (admin): refused while it has spaces, queues or resources. */
static void
handle_site_delete (AtriumRequest *request)
{
  gint64 id;

  if (atrium_handlers_param_id (request, 0, "site", &id) &&
      write_audited (request, write_site_delete, NULL, "site_deleted", "site", &id,
                     "Remove the site's spaces, queues and resources first"))
    atrium_request_reply_bytes (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
}

/* ---- spaces and queues --------------------------------------------------------------- */

/* The site of the path (/sites/{id}/…) when the caller may manage it, else answered. */
static gboolean
managed_site (AtriumRequest   *request,
              AtriumDirectory *dir,
              gint64           site_id)
{
  if (dir == NULL || atrium_directory_find_site (dir, site_id) == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such site");
      return FALSE;
    }
  if (!atrium_request_may_at_site (request, site_id, ATRIUM_ROLE_MANAGER))
    {
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                                  "You do not manage this site");
      return FALSE;
    }
  return TRUE;
}

/* PATCH and DELETE on a space or a queue: the object of the path when the caller manages
 * its site. A DELETE is carried out here (then NULL is returned); errors are answered. */
static gconstpointer
changed_object (AtriumRequest   *request,
                AtriumDirectory *dir,
                const char      *kind,
                WriteFunc        delete,
                gint64          *id)
{
  gboolean is_space = strcmp (kind, "space") == 0;
  gconstpointer object = NULL;
  gint64 site_id = 0;
  g_autofree char *event = g_strdup_printf ("%s_deleted", kind);
  g_autofree char *refused = g_strdup_printf ("This %s cannot be deleted", kind);

  if (!atrium_handlers_param_id (request, 0, kind, id))
    return NULL;
  if (dir != NULL && is_space)
    {
      const AtriumSpace *space = atrium_directory_find_space (dir, *id);

      object = space;
      site_id = space != NULL ? space->site_id : 0;
    }
  else if (dir != NULL)
    {
      const AtriumQueue *queue = atrium_directory_find_queue (dir, *id);

      object = queue;
      site_id = queue != NULL ? queue->site_id : 0;
    }
  if (object == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such %s", kind);
      return NULL;
    }
  if (!managed_site (request, dir, site_id))
    return NULL;
  if (strcmp (request->method, "DELETE") == 0)
    {
      if (write_audited (request, delete, NULL, event, kind, id, refused))
        atrium_request_reply_bytes (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
      return NULL;
    }
  return object;
}

static void
reply_space (AtriumRequest *request,
             guint          status,
             gint64         space_id)
{
  g_autoptr(AtriumDirectory) dir = directory (request);
  AtriumSpace *space = dir != NULL ? atrium_directory_find_space (dir, space_id) : NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (space == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such space");
      return;
    }
  atrium_space_add_json (builder, space);
  atrium_handlers_reply_builder (request, status, builder);
}

static gboolean
write_space_create (AtriumDb  *db,
                    gpointer   data,
                    gint64    *id,
                    GError   **error)
{
  *id = atrium_store_space_create (db, data, error);
  return *id != 0;
}

/* POST /api/v1/sites/{id}/spaces */
static void
handle_space_create (AtriumRequest *request)
{
  g_autoptr(AtriumDirectory) dir = directory (request);
  g_autoptr(AtriumSpace) space = atrium_space_new ();
  gint64 site_id, id = 0;

  if (!atrium_handlers_param_id (request, 0, "site", &site_id) ||
      !managed_site (request, dir, site_id))
    return;
  space->site_id = site_id;
  if (space_from_body (request, space) &&
      write_audited (request, write_space_create, space, "space_created", "space", &id,
                     "This site already has a space of that name"))
    reply_space (request, SOUP_STATUS_CREATED, id);
}

static gboolean
write_space_update (AtriumDb  *db,
                    gpointer   data,
                    gint64    *id,
                    GError   **error)
{
  *id = ((AtriumSpace *) data)->id;
  return atrium_store_space_update (db, data, error);
}

static gboolean
write_space_delete (AtriumDb  *db,
                    gpointer   data,
                    gint64    *id,
                    GError   **error)
{
  return atrium_store_space_delete (db, *id, error);
}

/* PATCH and DELETE /api/v1/spaces/{id} */
static void
handle_space_change (AtriumRequest *request)
{
  g_autoptr(AtriumDirectory) dir = directory (request);
  g_autoptr(AtriumSpace) space = NULL;
  const AtriumSpace *current;
  gint64 id;

  current = changed_object (request, dir, "space", write_space_delete, &id);
  if (current == NULL)
    return;
  space = atrium_space_new ();
  space->id = current->id;
  space->site_id = current->site_id;
  space->name = g_strdup (current->name);
  space->kind = g_strdup (current->kind);
  space->capacity = current->capacity;
  space->attributes = g_strdup (current->attributes);
  g_array_append_vals (space->capacities, current->capacities->data,
                       current->capacities->len);
  if (space_from_body (request, space) &&
      write_audited (request, write_space_update, space, "space_changed", "space", &id,
                     "This site already has a space of that name"))
    reply_space (request, SOUP_STATUS_OK, id);
}

static void
reply_queue (AtriumRequest *request,
             guint          status,
             gint64         queue_id)
{
  g_autoptr(AtriumDirectory) dir = directory (request);
  AtriumQueue *queue = dir != NULL ? atrium_directory_find_queue (dir, queue_id) : NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (queue == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such queue");
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, queue->id);
  json_builder_set_member_name (builder, "site");
  json_builder_add_int_value (builder, queue->site_id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, queue->name);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, queue->kind);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, status, builder);
}

static gboolean
write_queue_create (AtriumDb  *db,
                    gpointer   data,
                    gint64    *id,
                    GError   **error)
{
  *id = atrium_store_queue_create (db, data, error);
  return *id != 0;
}

/* POST /api/v1/sites/{id}/queues */
static void
handle_queue_create (AtriumRequest *request)
{
  g_autoptr(AtriumDirectory) dir = directory (request);
  g_autoptr(AtriumQueue) queue = atrium_queue_new ();
  gint64 site_id, id = 0;

  if (!atrium_handlers_param_id (request, 0, "site", &site_id) ||
      !managed_site (request, dir, site_id) ||
      !check_kind (request, atrium_handlers_member_string (request, "kind"), queue_kinds))
    return;
  queue->site_id = site_id;
  queue->name = g_strdup (atrium_handlers_member_string (request, "name"));
  queue->kind = g_strdup (atrium_handlers_member_string (request, "kind"));
  if (write_audited (request, write_queue_create, queue, "queue_created", "queue", &id,
                     "This site already has a queue of that name"))
    reply_queue (request, SOUP_STATUS_CREATED, id);
}

static gboolean
write_queue_update (AtriumDb  *db,
                    gpointer   data,
                    gint64    *id,
                    GError   **error)
{
  *id = ((AtriumQueue *) data)->id;
  return atrium_store_queue_update (db, data, error);
}

static gboolean
write_queue_delete (AtriumDb  *db,
                    gpointer   data,
                    gint64    *id,
                    GError   **error)
{
  return atrium_store_queue_delete (db, *id, error);
}

/* PATCH and DELETE /api/v1/queues/{id} */
static void
handle_queue_change (AtriumRequest *request)
{
  g_autoptr(AtriumDirectory) dir = directory (request);
  g_autoptr(AtriumQueue) queue = NULL;
  const AtriumQueue *current;
  gint64 id;

  current = changed_object (request, dir, "queue", write_queue_delete, &id);
  if (current == NULL ||
      !check_kind (request, atrium_handlers_member_string (request, "kind"), queue_kinds))
    return;
  queue = atrium_queue_new ();
  queue->id = current->id;
  queue->site_id = current->site_id;
  queue->name = g_strdup (current->name);
  queue->kind = g_strdup (current->kind);
  replace (&queue->name, atrium_handlers_member_string (request, "name"));
  replace (&queue->kind, atrium_handlers_member_string (request, "kind"));
  if (write_audited (request, write_queue_update, queue, "queue_changed", "queue", &id,
                     "This site already has a queue of that name"))
    reply_queue (request, SOUP_STATUS_OK, id);
}

#define CHANGE (ATRIUM_ROUTE_JSON_BODY | ATRIUM_ROUTE_SECOND_FACTOR)

static const AtriumRoute routes[] = {
  { "GET", "/api/v1/sites", READERS, 0, NULL, handle_sites },
  { "POST", "/api/v1/sites", ATRIUM_ROLE_ADMIN, CHANGE, site_create_schema, handle_site_create },
  { "GET", "/api/v1/sites/{id}", READERS, 0, NULL, handle_site },
  { "PATCH", "/api/v1/sites/{id}", EDITORS, CHANGE, site_update_schema, handle_site_update },
  { "DELETE", "/api/v1/sites/{id}", ATRIUM_ROLE_ADMIN, ATRIUM_ROUTE_SECOND_FACTOR, NULL,
    handle_site_delete },
  { "POST", "/api/v1/sites/{id}/spaces", EDITORS, CHANGE, space_create_schema,
    handle_space_create },
  { "PATCH", "/api/v1/spaces/{id}", EDITORS, CHANGE, space_update_schema,
    handle_space_change },
  { "DELETE", "/api/v1/spaces/{id}", EDITORS, ATRIUM_ROUTE_SECOND_FACTOR, NULL,
    handle_space_change },
  { "POST", "/api/v1/sites/{id}/queues", EDITORS, CHANGE, queue_create_schema,
    handle_queue_create },
  { "PATCH", "/api/v1/queues/{id}", EDITORS, CHANGE, queue_update_schema,
    handle_queue_change },
  { "DELETE", "/api/v1/queues/{id}", EDITORS, ATRIUM_ROUTE_SECOND_FACTOR, NULL,
    handle_queue_change },
};

void
atrium_handlers_register_sites (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
