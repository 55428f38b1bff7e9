/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <string.h>
#include <libsoup/soup.h>

#include "atrium-auth.h"
#include "atrium-booking-jobs.h"
#include "atrium-booking-rules.h"
#include "atrium-occupancy.h"
#include "atrium-signing.h"
#include "atrium-store-bookings.h"
#include "atrium-store-checkin.h"
#include "atrium-store-sites.h"
#include "atrium-totp.h"

/* Bookings (DESIGN.md §3): a user books for themselves, a site's staff (and
 * administrators) on behalf of someone; the owner or the site's staff cancel. A booking
 * is only ever shown to its owner, the staff and managers of its site and
 * administrators; to anyone else it does not exist (404), whatever the route. */

#define BOOKERS ATRIUM_ROLES_USERS
#define ON_BEHALF (ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER)

/* Answers to keys older than this may be forgotten (the contract says at least 24 h). */
#define IDEMPOTENCY_SECONDS (24 * 3600)
#define IDEMPOTENCY_KEY_MAX 255
#define MINE_LIMIT 500

static const AtriumJsonField booking_create_schema[] = {
  { "resource_id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "start", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 40 },
  { "end", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 40 },
  { "group_size", ATRIUM_JSON_INT, 0, 1, 1000 },
  { "user_id", ATRIUM_JSON_INT, 0, 1, G_MAXINT64 },
  { "username", ATRIUM_JSON_STRING, 0, 1, 254 },
  { NULL }
};

/* ---- answers ------------------------------------------------------------------------- */

static void
add_id (JsonBuilder *builder,
        const char  *name,
        gint64       id)
{
  json_builder_set_member_name (builder, name);
  if (id == 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, id);
}

/* The check-in code of an active booking (NULL for the others): signed when answered,
 * never stored (docs/decisions.md). Only its owner, the site's staff and administrators
 * ever see a booking, so whoever sees it gets it. */
static char *
checkin_code (AtriumRequest       *request,
              AtriumDb            *db,
              const AtriumBooking *booking)
{
  g_autoptr(GError) error = NULL;
  char *code;

  if (strcmp (booking->status, "booked") != 0 && strcmp (booking->status, "checked_in") != 0)
    return NULL;
  code = atrium_signing_checkin_code (db, atrium_auth_get_secrets_key (atrium_handlers_auth (
                                        request)), booking->id, booking->resource_id,
                                      booking->starts, booking->ends, &error);
  if (code == NULL)
    atrium_server_log_error (request->server, request->request_id, "check-in code: %s",
                             error->message);
  return code;
}

static void
add_booking (JsonBuilder         *builder,
             const AtriumBooking *booking,
             const char          *code)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, booking->id);
  json_builder_set_member_name (builder, "resource_id");
  json_builder_add_int_value (builder, booking->resource_id);
  json_builder_set_member_name (builder, "resource_name");
  json_builder_add_string_value (builder, booking->resource_name);
  json_builder_set_member_name (builder, "resource_type");
  json_builder_add_string_value (builder, booking->resource_type);
  json_builder_set_member_name (builder, "site_id");
  json_builder_add_int_value (builder, booking->site_id);
  json_builder_set_member_name (builder, "site_name");
  json_builder_add_string_value (builder, booking->site_name);
  atrium_handlers_add_text (builder, "space_name", booking->space_name);
  add_id (builder, "user_id", booking->user_id);
  atrium_handlers_add_text (builder, "username", booking->user_name);
  add_id (builder, "created_by", booking->created_by);
  atrium_handlers_add_time (builder, "start", booking->starts);
  atrium_handlers_add_time (builder, "end", booking->ends);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, booking->status);
  json_builder_set_member_name (builder, "group_size");
  json_builder_add_int_value (builder, booking->group_size);
  atrium_handlers_add_time (builder, "created_at", booking->created_at);
  atrium_handlers_add_time (builder, "cancelled_at", booking->cancelled_at);
  atrium_handlers_add_time (builder, "check_in_at", booking->check_in_at);
  atrium_handlers_add_time (builder, "break_until", booking->break_until);
  atrium_handlers_add_text (builder, "checkin_code", code);
  json_builder_end_object (builder);
}

static char *
booking_text (AtriumRequest       *request,
              AtriumDb            *db,
              const AtriumBooking *booking)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *code = checkin_code (request, db, booking);

  add_booking (builder, booking, code);
  root = json_builder_get_root (builder);
  return atrium_json_write (root);
}

/* An error body as atrium_request_reply_error() writes it, kept to be stored with the
 * idempotency key; a rule violation also names the rule:
 * {"error": "rule_violation", "rule": "max_duration", "message": …, "request_id": …} */
static char *
answer_text (AtriumRequest *request,
             const char    *code,
             const char    *rule,
             const char    *message)
{
  GString *out = g_string_new ("{\"error\":");

  atrium_json_write_string (out, code);
  if (rule != NULL)
    {
      g_string_append (out, ",\"rule\":");
      atrium_json_write_string (out, rule);
    }
  g_string_append (out, ",\"message\":");
  atrium_json_write_string (out, message);
  g_string_append (out, ",\"request_id\":");
  atrium_json_write_string (out, request->request_id != NULL ? request->request_id : "");
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static char *
error_text (AtriumRequest *request,
            const char    *code,
            const char    *message)
{
  return answer_text (request, code, NULL, message);
}

/* ---- what the caller may see --------------------------------------------------------- */

static gboolean
may_see (AtriumRequest       *request,
         const AtriumBooking *booking)
{
  if (booking->user_id != 0 && booking->user_id == request->principal.user_id)
    return TRUE;
  return atrium_request_may_at_site (request, booking->site_id, ON_BEHALF);
}

static AtriumDirectory *
directory (AtriumRequest *request)
{
  return atrium_occupancy_get_directory (
    atrium_server_get_service (request->server, ATRIUM_SERVICE_OCCUPANCY));
}

/* ---- POST /api/v1/bookings ----------------------------------------------------------- */

/* The body in one canonical form (members sorted by name), so that the same request
 * written with its members in another order or other spacing is the same body. */
static char *
body_hash (AtriumRequest *request)
{
  JsonObject *object = json_node_get_object (request->json);
  g_autoptr(GList) names = g_list_sort (json_object_get_members (object),
                                        (GCompareFunc) strcmp);
  g_autoptr(GString) canonical = g_string_new (NULL);

  for (GList *l = names; l != NULL; l = l->next)
    {
      atrium_json_write_string (canonical, l->data);
      g_string_append_c (canonical, ':');
      atrium_json_write_to (canonical, json_object_get_member (object, l->data));
      g_string_append_c (canonical, '\n');
    }
  return atrium_token_hash (canonical->str);
}

static gboolean
key_valid (const char *key)
{
  gsize length = strlen (key);

  if (length == 0 || length > IDEMPOTENCY_KEY_MAX)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (key[i] < 0x21 || key[i] > 0x7e)
      return FALSE;
  return TRUE;
}

typedef struct
{
  AtriumRequest *request;
  gint64         now;
  gint64         resource_id;
  gint64         starts;
  gint64         ends;
  guint          group_size;
  gint64         user_id;       /* asked for in the body; 0: none */
  const char    *username;      /* asked for in the body; NULL: none */
  /* the decision */
  guint          status;
  char          *response;
  gint64         booking_id;
  gint64         booked_for;
} Create;

static void
decide (Create     *create,
        guint       status,
        char       *response)
{
  create->status = status;
  create->response = response;
}

/* Whom the booking is for: the caller, or someone the caller may book for at @site_id.
 * FALSE once an answer is decided. */
static gboolean
resolve_owner (Create    *create,
               AtriumDb  *db,
               gint64     site_id,
               GError   **error)
{
  AtriumRequest *request = create->request;
  const AtriumPrincipal *who = &request->principal;
  g_autoptr(AtriumUser) user = NULL;
  gboolean self;

  if (create->user_id == 0 && create->username == NULL)
    {
      create->booked_for = who->user_id;
      return TRUE;
    }
  self = (create->user_id == 0 || create->user_id == who->user_id) &&
         (create->username == NULL || g_ascii_strcasecmp (create->username, who->name) == 0);
  if (self)
    {
      create->booked_for = who->user_id;
      return TRUE;
    }
  if (!atrium_request_may_at_site (request, site_id, ON_BEHALF))
    {
      decide (create, SOUP_STATUS_FORBIDDEN,
              error_text (request, "forbidden", "Only the site's staff book for someone else"));
      return FALSE;
    }
  if (!who->second_factor)
    {
      decide (create, SOUP_STATUS_FORBIDDEN,
              error_text (request, "second_factor_required",
                          "Sign in with your second factor to book for someone else"));
      return FALSE;
    }
  user = create->user_id != 0 ? atrium_store_user_get (db, create->user_id, error)
                              : atrium_store_user_find (db, create->username, error);
  if (user != NULL && create->user_id != 0 && create->username != NULL &&
      g_ascii_strcasecmp (user->name, create->username) != 0)
    g_clear_pointer (&user, atrium_user_free);
  if (user == NULL || user->disabled)
    {
      if (error != NULL && *error != NULL &&
          !g_error_matches (*error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
        return FALSE;
      g_clear_error (error);
      decide (create, SOUP_STATUS_NOT_FOUND,
              error_text (request, "not_found", "There is no such user"));
      return FALSE;
    }
  create->booked_for = user->id;
  return TRUE;
}

static const AtriumSite *
site_of (AtriumDirectory **dir,
         AtriumDb         *db,
         gint64            site_id,
         GError          **error)
{
  AtriumSite *site = *dir != NULL ? atrium_directory_find_site (*dir, site_id) : NULL;

  /* A site another process made moments ago: read the directory from the store. */
  if (site == NULL)
    {
      g_clear_pointer (dir, atrium_directory_unref);
      *dir = atrium_store_directory_load (db, error);
      site = *dir != NULL ? atrium_directory_find_site (*dir, site_id) : NULL;
    }
  return site;
}

/* The quotas, then one booking of a type at a time: @rule is set to the rule broken. */
static gboolean
check_holdings (Create                    *create,
                AtriumDb                  *db,
                const AtriumResource      *resource,
                const AtriumSite          *site,
                const AtriumBookingRules  *rules,
                const char               **rule,
                char                     **message,
                GError                   **error)
{
  gint64 from, to, today, this_week, overlapping;

  atrium_site_day_bounds (site, create->starts, &from, &to);
  today = atrium_store_bookings_held (db, create->booked_for, resource->site_id,
                                      resource->type, from, to, error);
  atrium_site_week_bounds (site, create->starts, &from, &to);
  this_week = today < 0 ? -1 : atrium_store_bookings_held (db, create->booked_for,
                                                           resource->site_id, resource->type,
                                                           from, to, error);
  if (this_week < 0)
    return FALSE;
  *rule = atrium_booking_check_quota (rules, today, this_week, message);
  if (*rule != NULL)
    return TRUE;
  overlapping = atrium_store_bookings_overlapping (db, create->booked_for, resource->type,
                                                   create->starts, create->ends, error);
  if (overlapping < 0)
    return FALSE;
  if (overlapping > 0)
    {
      *rule = "overlap";
      *message = g_strdup_printf ("There is already a %s booked for that time",
                                  resource->type);
    }
  return TRUE;
}

/* Leaves create->booking_id 0 when the schema refused the slots (another writer). */
static gboolean
insert_booking (Create                *create,
                AtriumDb              *db,
                const AtriumResource  *resource,
                GError               **error)
{
  AtriumBooking row = { 0 };

  row.resource_id = resource->id;
  row.user_id = create->booked_for;
  row.created_by = create->request->principal.user_id;
  row.starts = create->starts;
  row.ends = create->ends;
  row.group_size = create->group_size;
  row.created_at = create->now;
  if (!atrium_db_exec (db, "SAVEPOINT atrium_booking;", error))
    return FALSE;
  create->booking_id = atrium_store_booking_insert (db, &row, error);
  if (create->booking_id != 0)
    return atrium_db_exec (db, "RELEASE atrium_booking;", error);
  atrium_db_exec (db, "ROLLBACK TO atrium_booking; RELEASE atrium_booking;", NULL);
  if (!g_error_matches (*error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CONSTRAINT))
    return FALSE;
  g_clear_error (error);
  return TRUE;
}

/* Everything decided inside the writer's transaction: rules, quotas, the slots. FALSE
 * only on a store error (the transaction is then rolled back: a 500). */
static gboolean
decide_create (Create    *create,
               AtriumDb  *db,
               GError   **error)
{
  AtriumRequest *request = create->request;
  g_autoptr(AtriumResource) resource = NULL;
  g_autoptr(AtriumDirectory) dir = directory (request);
  g_autoptr(AtriumBooking) booking = NULL;
  AtriumBookingRules rules;
  AtriumBookingAsk ask = { create->now, create->starts, create->ends, create->group_size, 0 };
  const AtriumSite *site;
  const char *rule;
  g_autofree char *message = NULL;

  resource = atrium_store_resource_get (db, create->resource_id, error);
  if (resource == NULL)
    {
      if (!g_error_matches (*error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
        return FALSE;
      g_clear_error (error);
      decide (create, SOUP_STATUS_NOT_FOUND,
              error_text (request, "not_found", "There is no such resource"));
      return TRUE;
    }
  site = site_of (&dir, db, resource->site_id, error);
  if (site == NULL)
    return FALSE;
  if (!resolve_owner (create, db, resource->site_id, error))
    return error == NULL || *error == NULL;
  if (!atrium_store_rules_get (db, resource->site_id, resource->type, &rules, error))
    return FALSE;

  ask.capacity = resource->capacity;
  rule = atrium_booking_check (&rules, site, &ask, &message);

  /* The slots, looked at before the quotas: "taken" is the first thing to know. The
   * schema refuses a double booking anyway, should this look ever be wrong. */
  if (rule == NULL)
    {
      gint64 taken = atrium_store_slots_taken (db, resource->id, create->starts, create->ends,
                                               error);

      if (taken < 0)
        return FALSE;
      if (taken > 0)
        {
          decide (create, SOUP_STATUS_CONFLICT,
                  error_text (request, "slot_taken", "Someone has already booked this time"));
          return TRUE;
        }
      if (!check_holdings (create, db, resource, site, &rules, &rule, &message, error))
        return FALSE;
    }
  if (rule != NULL)
    {
      decide (create, SOUP_STATUS_UNPROCESSABLE_ENTITY,
              answer_text (request, "rule_violation", rule, message));
      return TRUE;
    }
  if (!insert_booking (create, db, resource, error))
    return FALSE;
  if (create->booking_id == 0)
    {
      decide (create, SOUP_STATUS_CONFLICT,
              error_text (request, "slot_taken", "Someone has just booked this time"));
      return TRUE;
    }

  booking = atrium_store_booking_get (db, create->booking_id, error);
  if (booking == NULL)
    return FALSE;
  {
    g_autofree char *subject = g_strdup_printf ("booking:%" G_GINT64_FORMAT, booking->id);
    g_autofree char *detail = g_strdup_printf ("resource:%" G_GINT64_FORMAT " user:%"
                                               G_GINT64_FORMAT, booking->resource_id,
                                               booking->user_id);

    atrium_handlers_audit (request, db, "booking_created", subject, detail);
  }
  if (!atrium_store_booking_event_add (db, booking->id, "created", create->now, error))
    return FALSE;
  decide (create, SOUP_STATUS_CREATED, booking_text (request, db, booking));
  return TRUE;
}

/* Keys are purged at write time, at most once a minute per process. */
static void
purge_keys (AtriumRequest *request,
            AtriumDb      *db,
            gint64         now)
{
  static gint64 last_purge = 0;   /* under the writer's lock */
  g_autoptr(GError) error = NULL;

  if (now >= last_purge && now - last_purge < 60)
    return;
  last_purge = now;
  if (atrium_store_idempotency_purge (db, now - IDEMPOTENCY_SECONDS, &error) < 0)
    atrium_server_log_error (request->server, request->request_id, "idempotency purge: %s",
                             error->message);
}

/* The part of a booking that runs on the writer, in a transaction it may share with
 * other bookings (atrium_store_write_unit): the stored answer of a known key, or the
 * decision and the answer stored with its key. */
typedef struct
{
  Create     *create;
  const char *key_hash;
  const char *hash;
  int         known;          /* 1: the key was used before; 0: new; -1: error */
  char       *stored_hash;
  guint       stored_status;
  char       *stored;
} CreateUnit;

static gboolean
create_unit (AtriumDb  *db,
             gpointer   data,
             GError   **error)
{
  CreateUnit *unit = data;
  Create *create = unit->create;
  AtriumRequest *request = create->request;

  create->now = atrium_clock_now (atrium_server_get_clock (request->server));
  purge_keys (request, db, create->now);
  unit->known = atrium_store_idempotency_get (db, request->principal.user_id, unit->key_hash,
                                              &unit->stored_hash, &unit->stored_status,
                                              &unit->stored, error);
  if (unit->known != 0)
    return unit->known == 1;
  return decide_create (create, db, error) &&
         atrium_store_idempotency_put (db, request->principal.user_id, unit->key_hash,
                                       unit->hash, create->status, create->response,
                                       create->now, error);
}

static gboolean
parse_time (AtriumRequest *request,
            const char    *name,
            gint64        *seconds)
{
  gint64 usec = 0;

  if (!atrium_time_parse_iso8601 (atrium_handlers_member_string (request, name), &usec, NULL)
      || usec % ATRIUM_USEC_PER_SEC != 0)
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_field",
                                  "%s: a time such as 2026-11-24T09:30:00Z", name);
      return FALSE;
    }
  *seconds = usec / ATRIUM_USEC_PER_SEC;
  return TRUE;
}

static void
handle_create (AtriumRequest *request)
{
  JsonObject *object = json_node_get_object (request->json);
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(GError) error = NULL;
  g_autofree char *key_hash = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *stored_hash = NULL;
  g_autofree char *stored = NULL;
  guint stored_status = 0;
  Create create = { request };
  CreateUnit unit = { 0 };
  gboolean ok;
  int known;

  if (request->idempotency_key == NULL)
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "idempotency_key_required",
                                  "Send an Idempotency-Key header with each new booking");
      return;
    }
  if (!key_valid (request->idempotency_key))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_idempotency_key",
                                  "Idempotency-Key: 1 to %d visible ASCII characters",
                                  IDEMPOTENCY_KEY_MAX);
      return;
    }
  if (!parse_time (request, "start", &create.starts) ||
      !parse_time (request, "end", &create.ends))
    return;
  if (create.ends <= create.starts)
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_field",
                                  "end: after start");
      return;
    }
  create.resource_id = json_object_get_int_member (object, "resource_id");
  create.group_size = json_object_has_member (object, "group_size")
                      ? (guint) json_object_get_int_member (object, "group_size") : 1;
  create.user_id = json_object_has_member (object, "user_id")
                   ? json_object_get_int_member (object, "user_id") : 0;
  create.username = atrium_handlers_member_string (request, "username");
  key_hash = atrium_token_hash (request->idempotency_key);
  hash = body_hash (request);

  unit.create = &create;
  unit.key_hash = key_hash;
  unit.hash = hash;
  ok = atrium_store_write_unit (store, create_unit, &unit, &error);
  known = unit.known;
  stored_hash = g_steal_pointer (&unit.stored_hash);
  stored_status = unit.stored_status;
  stored = g_steal_pointer (&unit.stored);

  if (!ok)
    {
      atrium_server_log_error (request->server, request->request_id, "booking: %s",
                               error != NULL ? error->message : "store error");
      g_free (create.response);
      return;
    }
  if (known == 1 && strcmp (stored_hash, hash) != 0)
    atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                                "idempotency_key_reused",
                                "This Idempotency-Key was used with another request");
  else if (known == 1)
    {
      gsize length = strlen (stored);
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&stored), length);

      atrium_request_add_header (request, "Idempotent-Replayed", "true");
      atrium_request_reply_bytes (request, stored_status, "application/json", bytes);
    }
  else
    {
      gsize length = strlen (create.response);
      g_autoptr(GBytes) bytes = g_bytes_new_take (create.response, length);

      if (create.status == SOUP_STATUS_CREATED)
        atrium_booking_changed (request->server, create.booking_id,
                                ATRIUM_BOOKING_MAIL_CONFIRMATION, FALSE, request->request_id);
      if (create.status == SOUP_STATUS_CREATED)
        {
          g_autofree char *location = g_strdup_printf ("/api/v1/bookings/%" G_GINT64_FORMAT,
                                                       create.booking_id);

          atrium_request_add_header (request, "Location", location);
        }
      atrium_request_reply_bytes (request, create.status, "application/json", bytes);
    }
}

/* ---- one booking --------------------------------------------------------------------- */

static void
reply_booking (AtriumRequest       *request,
               guint                status,
               const AtriumBooking *booking,
               const char          *code)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  add_booking (builder, booking, code);
  atrium_handlers_reply_builder (request, status, builder);
}

static void
reply_no_booking (AtriumRequest *request)
{
  atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                              "There is no such booking");
}

/* GET /api/v1/bookings/{id} */
static void
handle_get (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumBooking) booking = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  gint64 id;
  AtriumDb *db;

  if (!atrium_handlers_param_id (request, 0, "booking", &id))
    return;
  db = atrium_store_read_begin (store);
  booking = atrium_store_booking_get (db, id, &error);
  if (booking != NULL && may_see (request, booking))
    code = checkin_code (request, db, booking);
  atrium_store_read_end (store, db);
  if (booking == NULL && !g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
    atrium_handlers_reply_store_error (request, error, NULL);
  else if (booking == NULL || !may_see (request, booking))
    reply_no_booking (request);
  else
    reply_booking (request, SOUP_STATUS_OK, booking, code);
}

/* POST /api/v1/bookings/{id}/cancel: a booking not yet checked in; cancelling it again
 * answers it as it is. */
static void
handle_cancel (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(AtriumBooking) booking = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok, seen = FALSE, cancelled = FALSE;
  gint64 id;
  AtriumDb *db;

  if (!atrium_handlers_param_id (request, 0, "booking", &id))
    return;
  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", &error) &&
       (booking = atrium_store_booking_get (db, id, &error)) != NULL;
  if (ok && (seen = may_see (request, booking)) && strcmp (booking->status, "booked") == 0)
    {
      gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
      g_autofree char *subject = g_strdup_printf ("booking:%" G_GINT64_FORMAT, id);
      g_autofree char *detail = g_strdup_printf ("user:%" G_GINT64_FORMAT, booking->user_id);

      ok = atrium_store_booking_cancel (db, id, request->principal.user_id, now, &error) &&
           atrium_store_booking_event_add (db, id, "cancelled", now, &error);
      if (ok)
        {
          atrium_handlers_audit (request, db, "booking_cancelled", subject, detail);
          g_clear_pointer (&booking, atrium_booking_free);
          ok = (booking = atrium_store_booking_get (db, id, &error)) != NULL;
          cancelled = TRUE;
        }
    }
  ok = ok && atrium_db_exec (db, "COMMIT;", &error);
  if (!ok)
    atrium_db_exec (db, "ROLLBACK;", NULL);
  atrium_store_write_end (store);

  if (!ok && !g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
    atrium_handlers_reply_store_error (request, error, NULL);
  else if (!ok || !seen)
    reply_no_booking (request);
  else if (!cancelled && strcmp (booking->status, "cancelled") != 0)
    atrium_request_reply_error (request, SOUP_STATUS_CONFLICT, "not_cancellable",
                                "A booking that is %s cannot be cancelled", booking->status);
  else
    {
      if (cancelled)
        atrium_booking_changed (request->server, id, ATRIUM_BOOKING_MAIL_CANCELLATION, FALSE,
                                request->request_id);
      reply_booking (request, SOUP_STATUS_OK, booking, NULL);
    }
}

/* ---- lists --------------------------------------------------------------------------- */

/* @codes: the bookings' check-in codes, in their order; @no_shows: the caller's count
 * in a list of their own, -1 in a site's list. */
static void
reply_list (AtriumRequest *request,
            GPtrArray     *bookings,
            GPtrArray     *codes,
            gint64         no_shows)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "bookings");
  json_builder_begin_array (builder);
  for (guint i = 0; i < bookings->len; i++)
    add_booking (builder, bookings->pdata[i], codes->pdata[i]);
  json_builder_end_array (builder);
  if (no_shows >= 0)
    {
      json_builder_set_member_name (builder, "no_shows");
      json_builder_add_int_value (builder, no_shows);
    }
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, SOUP_STATUS_OK, builder);
}

/* GET /api/v1/bookings?mine[&status] · ?site&date[&status] (the day's bookings: staff) */
static void
handle_list (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  const char *status = atrium_request_get_query (request, "status");
  const char *site_text = atrium_request_get_query (request, "site");
  const char *date = atrium_request_get_query (request, "date");
  /* libsoup drops a bare "?mine" from the query: without ?site, the list is one's own. */
  gboolean mine = site_text == NULL ||
                  (request->query != NULL && g_hash_table_contains (request->query, "mine"));
  g_autoptr(GPtrArray) bookings = NULL;
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDirectory) dir = NULL;
  gint64 no_shows = -1;
  const AtriumSite *site = NULL;
  gint64 from = 0, to = 0;
  guint64 site_id = 0;
  AtriumDb *db;

  if (status != NULL && !atrium_booking_status_valid (status))
    {
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_status",
                                  "status: booked, checked_in, cancelled, released, no_show "
                                  "or completed");
      return;
    }
  if (!mine)
    {
      if (!g_ascii_string_to_unsigned (site_text, 10, 1, G_MAXINT64, &site_id, NULL))
        {
          atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_query",
                                      "site: a site id");
          return;
        }
      dir = directory (request);
      site = dir != NULL ? atrium_directory_find_site (dir, (gint64) site_id) : NULL;
      if (site == NULL || !atrium_request_may_at_site (request, (gint64) site_id, ON_BEHALF))
        {
          atrium_request_reply_error (request, site == NULL ? SOUP_STATUS_NOT_FOUND
                                                            : SOUP_STATUS_FORBIDDEN,
                                      site == NULL ? "not_found" : "forbidden",
                                      site == NULL ? "There is no such site"
                                                   : "Only the site's staff see its bookings");
          return;
        }
      if (date == NULL)
        atrium_site_day_bounds (site, atrium_clock_now (atrium_server_get_clock (
                                  request->server)), &from, &to);
      else if (!atrium_site_date_bounds (site, date, &from, &to))
        {
          atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_date",
                                      "date: a day written YYYY-MM-DD");
          return;
        }
    }

  db = atrium_store_read_begin (store);
  bookings = mine ? atrium_store_bookings_of_user (db, request->principal.user_id, status,
                                                   MINE_LIMIT, &error)
                  : atrium_store_bookings_of_site (db, (gint64) site_id, from, to, status,
                                                   &error);
  if (bookings != NULL && mine && request->principal.user_id != 0)
    no_shows = atrium_store_user_no_shows (db, request->principal.user_id, &error);
  /* The object check, for every row: the query already narrowed them. */
  for (guint i = bookings != NULL ? bookings->len : 0; i > 0; i--)
    if (!may_see (request, bookings->pdata[i - 1]))
      g_ptr_array_remove_index (bookings, i - 1);
  for (guint i = 0; bookings != NULL && i < bookings->len; i++)
    g_ptr_array_add (codes, checkin_code (request, db, bookings->pdata[i]));
  atrium_store_read_end (store, db);
  if (bookings == NULL || (mine && no_shows < 0 && request->principal.user_id != 0))
    {
      atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }
  reply_list (request, bookings, codes, no_shows);
}

static const AtriumRoute routes[] = {
  { "POST", "/api/v1/bookings", BOOKERS, ATRIUM_ROUTE_JSON_BODY, booking_create_schema,
    handle_create },
  { "GET", "/api/v1/bookings", BOOKERS, 0, NULL, handle_list },
  { "GET", "/api/v1/bookings/{id}", BOOKERS, 0, NULL, handle_get },
  { "POST", "/api/v1/bookings/{id}/cancel", BOOKERS, 0, NULL, handle_cancel },
};

void
atrium_handlers_register_bookings (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
