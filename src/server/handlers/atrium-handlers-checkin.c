/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <string.h>
#include <libsoup/soup.h>

#include "atrium-booking-jobs.h"
#include "atrium-signing.h"
#include "atrium-store-bookings.h"
#include "atrium-store-checkin.h"

/* Check-in and short breaks. A kiosk checks in the bookings of its own site from the
 * code a patron shows; the site's staff do the same, or check a booking in by hand. The
 * window opens [bookings] checkin_opens_minutes before the start and closes
 * checkin_closes_minutes after it (then the scheduler releases the booking). A
 * checked-in booking may go on a break of break_minutes; checking in again ends it. */

#define AT_THE_DOOR (ATRIUM_ROLE_KIOSK | ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER)
#define SITE_STAFF (ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER)
/* The longest code the decoder is asked about; longer is not a code at all (400). */
#define CODE_MAX 512

static const AtriumJsonField checkin_schema[] = {
  { "code", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, CODE_MAX },
  { NULL }
};

/* What a check-in or a break came to, decided inside the writer's transaction and
 * answered once the writer is released. */
typedef struct
{
  guint          status;
  const char    *error;      /* NULL for a 200 */
  char          *message;
  const char    *result;     /* a 200's "result" */
  gint64         at;         /* too_early: when the window opens; too_late: closed */
  AtriumBooking *booking;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_free (outcome->message);
  g_clear_pointer (&outcome->booking, atrium_booking_free);
}

static void
refuse (Outcome    *outcome,
        guint       status,
        const char *error,
        const char *format,
        ...) G_GNUC_PRINTF (4, 5);

static void
refuse (Outcome    *outcome,
        guint       status,
        const char *error,
        const char *format,
        ...)
{
  va_list ap;

  va_start (ap, format);
  outcome->status = status;
  outcome->error = error;
  outcome->message = g_strdup_vprintf (format, ap);
  va_end (ap);
}

/* The booking as a kiosk or the desk needs it: never who booked it (a kiosk is a
 * shared screen). */
static void
reply_outcome (AtriumRequest *request,
               Outcome       *outcome)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const AtriumBooking *booking = outcome->booking;

  if (outcome->error != NULL && outcome->at == 0)
    {
      atrium_request_reply_error (request, outcome->status, outcome->error, "%s",
                                  outcome->message);
      return;
    }
  json_builder_begin_object (builder);
  if (outcome->error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, outcome->error);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, outcome->message);
      atrium_handlers_add_time (builder, strcmp (outcome->error, "too_early") == 0
                                         ? "opens_at" : "closed_at", outcome->at);
      json_builder_set_member_name (builder, "request_id");
      json_builder_add_string_value (builder, request->request_id);
    }
  else
    {
      json_builder_set_member_name (builder, "result");
      json_builder_add_string_value (builder, outcome->result);
    }
  json_builder_set_member_name (builder, "booking");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, booking->id);
  json_builder_set_member_name (builder, "resource_id");
  json_builder_add_int_value (builder, booking->resource_id);
  json_builder_set_member_name (builder, "resource_name");
  json_builder_add_string_value (builder, booking->resource_name);
  json_builder_set_member_name (builder, "site_id");
  json_builder_add_int_value (builder, booking->site_id);
  atrium_handlers_add_time (builder, "start", booking->starts);
  atrium_handlers_add_time (builder, "end", booking->ends);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, booking->status);
  atrium_handlers_add_time (builder, "check_in_at", booking->check_in_at);
  atrium_handlers_add_time (builder, "break_until", booking->break_until);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  atrium_handlers_reply_builder (request, outcome->error != NULL ? outcome->status
                                                                 : SOUP_STATUS_OK, builder);
}

static void
audit (AtriumRequest *request,
       AtriumDb      *db,
       const char    *event,
       gint64         booking_id,
       const char    *detail)
{
  g_autofree char *subject = g_strdup_printf ("booking:%" G_GINT64_FORMAT, booking_id);

  atrium_handlers_audit (request, db, event, subject, detail);
}

/* A booking that is neither booked nor checked in: why it cannot be checked in. */
static void
refuse_inactive (Outcome             *outcome,
                 const AtriumBooking *booking)
{
  const char *error = strcmp (booking->status, "cancelled") == 0 ? "booking_cancelled"
                      : strcmp (booking->status, "completed") == 0 ? "booking_completed"
                      : "booking_released";

  refuse (outcome, SOUP_STATUS_CONFLICT, error, "This booking is %s", booking->status);
}

/* Inside the writer's transaction: checks the booking in, or says why not. FALSE on a
 * store error only. */
static gboolean
decide_check_in (AtriumRequest              *request,
                 AtriumDb                   *db,
                 gint64                      id,
                 const AtriumCheckinPayload *payload,
                 Outcome                    *outcome,
                 GError                    **error)
{
  AtriumConfig *config = atrium_server_get_config (request->server);
  gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
  AtriumBooking *booking;
  gint64 opens, closes;
  const char *detail = payload != NULL ? "by:code" : "by:hand";

  booking = outcome->booking = atrium_store_booking_get (db, id, error);
  if (booking == NULL)
    {
      if (!g_error_matches (*error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
        return FALSE;
      g_clear_error (error);
      refuse (outcome, SOUP_STATUS_NOT_FOUND, "not_found", "There is no such booking");
      return TRUE;
    }
  if (!atrium_request_may_at_site (request, booking->site_id, AT_THE_DOOR))
    {
      /* By hand, a booking one may not see does not exist; a code says it does. */
      if (payload == NULL && booking->user_id != request->principal.user_id)
        refuse (outcome, SOUP_STATUS_NOT_FOUND, "not_found", "There is no such booking");
      else
        refuse (outcome, SOUP_STATUS_FORBIDDEN, "wrong_site",
                "This booking is at another site");
      g_clear_pointer (&outcome->booking, atrium_booking_free);
      return TRUE;
    }
  if (payload != NULL && (payload->resource_id != booking->resource_id ||
                          payload->start != booking->starts || payload->end != booking->ends))
    {
      refuse (outcome, SOUP_STATUS_UNPROCESSABLE_ENTITY, "code_stale",
              "The booking has changed since this code was made");
      g_clear_pointer (&outcome->booking, atrium_booking_free);
      return TRUE;
    }

  if (strcmp (booking->status, "checked_in") == 0)
    {
      if (booking->break_until == 0)
        {
          outcome->result = "already_checked_in";
          return TRUE;
        }
      outcome->result = "break_ended";
      detail = payload != NULL ? "by:code break_ended" : "by:hand break_ended";
    }
  else if (strcmp (booking->status, "booked") != 0)
    {
      refuse_inactive (outcome, booking);
      return TRUE;
    }
  else
    {
      opens = booking->starts - (gint64) config->checkin_opens_minutes * 60;
      closes = MIN (booking->starts + (gint64) config->checkin_closes_minutes * 60,
                    booking->ends);
      if (now < opens)
        {
          refuse (outcome, SOUP_STATUS_UNPROCESSABLE_ENTITY, "too_early",
                  "Check-in opens %u minutes before the start",
                  config->checkin_opens_minutes);
          outcome->at = opens;
          return TRUE;
        }
      if (now >= closes)
        {
          refuse (outcome, SOUP_STATUS_UNPROCESSABLE_ENTITY, "too_late",
                  "Check-in closed %u minutes after the start",
                  config->checkin_closes_minutes);
          outcome->at = closes;
          return TRUE;
        }
      outcome->result = "checked_in";
    }

  if (atrium_store_booking_check_in (db, id, now, error) != 1 ||
      !atrium_store_booking_event_add (db, id, "checked_in", now, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED, "check-in changed nothing");
      return FALSE;
    }
  audit (request, db, "booking_checked_in", id, detail);
  g_clear_pointer (&outcome->booking, atrium_booking_free);
  outcome->booking = atrium_store_booking_get (db, id, error);
  return outcome->booking != NULL;
}

typedef gboolean (*DecideFunc) (AtriumRequest              *request,
                                AtriumDb                   *db,
                                gint64                      id,
                                const AtriumCheckinPayload *payload,
                                Outcome                    *outcome,
                                GError                    **error);

/* Runs @decide in the writer's transaction, publishes the change unless the result is
 * @no_change, and answers. */
static void
decide_and_reply (AtriumRequest              *request,
                  gint64                      id,
                  const AtriumCheckinPayload *payload,
                  DecideFunc                  decide,
                  const char                 *no_change,
                  gboolean                    recount)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(GError) error = NULL;
  Outcome outcome = { 0 };
  gboolean ok;
  AtriumDb *db;

  db = atrium_store_write_begin (store);
  ok = atrium_db_exec (db, "BEGIN IMMEDIATE;", &error) &&
       decide (request, db, id, payload, &outcome, &error) &&
       atrium_db_exec (db, "COMMIT;", &error);
  if (!ok)
    atrium_db_exec (db, "ROLLBACK;", NULL);
  atrium_store_write_end (store);

  if (!ok)
    atrium_handlers_reply_store_error (request, error, NULL);
  else
    {
      if (outcome.error == NULL && strcmp (outcome.result, no_change) != 0)
        atrium_booking_changed (request->server, id, ATRIUM_BOOKING_MAIL_NONE, recount,
                                request->request_id);
      reply_outcome (request, &outcome);
    }
  outcome_clear (&outcome);
}

static void
check_in (AtriumRequest              *request,
          gint64                      id,
          const AtriumCheckinPayload *payload)
{
  decide_and_reply (request, id, payload, decide_check_in, "already_checked_in", TRUE);
}

/* POST /api/v1/checkin {code}: kiosks of the booking's site and its staff. */
static void
handle_checkin_code (AtriumRequest *request)
{
  AtriumStore *store = atrium_server_get_store (request->server);
  const char *code = atrium_handlers_member_string (request, "code");
  g_autoptr(GError) error = NULL;
  AtriumCheckinPayload payload;
  gboolean valid;
  AtriumDb *db;

  db = atrium_store_read_begin (store);
  valid = atrium_signing_verify_checkin_code (db, code, &payload, &error);
  atrium_store_read_end (store, db);
  if (!valid && error->domain == ATRIUM_CHECKIN_CODE_ERROR)
    {
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                                  atrium_checkin_code_error_code (error->code), "%s",
                                  error->message);
      return;
    }
  if (!valid)
    {
      atrium_handlers_reply_store_error (request, error, NULL);
      return;
    }
  check_in (request, payload.booking_id, &payload);
}

/* POST /api/v1/bookings/{id}/checkin: the site's staff, by hand. */
static void
handle_checkin_by_hand (AtriumRequest *request)
{
  gint64 id;

  if (atrium_handlers_param_id (request, 0, "booking", &id))
    check_in (request, id, NULL);
}

/* ---- breaks -------------------------------------------------------------------------- */

static gboolean
decide_break (AtriumRequest              *request,
              AtriumDb                   *db,
              gint64                      id,
              const AtriumCheckinPayload *payload,
              Outcome                    *outcome,
              GError                    **error)
{
  AtriumConfig *config = atrium_server_get_config (request->server);
  gint64 now = atrium_clock_now (atrium_server_get_clock (request->server));
  AtriumBooking *booking;
  g_autofree char *detail = NULL;

  booking = outcome->booking = atrium_store_booking_get (db, id, error);
  if (booking == NULL && !g_error_matches (*error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
    return FALSE;
  if (booking == NULL ||
      !((booking->user_id != 0 && booking->user_id == request->principal.user_id) ||
        atrium_request_may_at_site (request, booking->site_id, SITE_STAFF)))
    {
      g_clear_error (error);
      g_clear_pointer (&outcome->booking, atrium_booking_free);
      refuse (outcome, SOUP_STATUS_NOT_FOUND, "not_found", "There is no such booking");
      return TRUE;
    }
  if (strcmp (booking->status, "checked_in") != 0)
    {
      refuse (outcome, SOUP_STATUS_CONFLICT, "not_checked_in",
              "Only a checked-in booking can go on a break (this one is %s)",
              booking->status);
      g_clear_pointer (&outcome->booking, atrium_booking_free);
      return TRUE;
    }
  if (booking->break_until != 0)
    {
      outcome->result = "already_on_break";
      return TRUE;
    }
  outcome->result = "break_started";
  if (atrium_store_booking_start_break (db, id, now + (gint64) config->break_minutes * 60,
                                        error) != 1 ||
      !atrium_store_booking_event_add (db, id, "break", now, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED, "break changed nothing");
      return FALSE;
    }
  detail = g_strdup_printf ("minutes:%u", config->break_minutes);
  audit (request, db, "booking_break", id, detail);
  g_clear_pointer (&outcome->booking, atrium_booking_free);
  outcome->booking = atrium_store_booking_get (db, id, error);
  return outcome->booking != NULL;
}

/* POST /api/v1/bookings/{id}/break: the owner or the site's staff; going on a break
 * again before checking in again changes nothing. */
static void
handle_break (AtriumRequest *request)
{
  gint64 id;

  if (atrium_handlers_param_id (request, 0, "booking", &id))
    decide_and_reply (request, id, NULL, decide_break, "already_on_break", FALSE);
}

static const AtriumRoute routes[] = {
  { "POST", "/api/v1/checkin", AT_THE_DOOR | ATRIUM_ROLE_ADMIN, ATRIUM_ROUTE_JSON_BODY,
    checkin_schema, handle_checkin_code },
  { "POST", "/api/v1/bookings/{id}/checkin", SITE_STAFF | ATRIUM_ROLE_ADMIN, 0, NULL,
    handle_checkin_by_hand },
  { "POST", "/api/v1/bookings/{id}/break", ATRIUM_ROLES_USERS, 0, NULL, handle_break },
};

void
atrium_handlers_register_checkin (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
