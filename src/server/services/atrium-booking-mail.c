/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-bookings"

#include "config.h"

#include "atrium-booking-mail.h"

#include <string.h>

#include "atrium-auth.h"
#include "atrium-ics.h"
#include "atrium-mailer.h"
#include "atrium-occupancy.h"
#include "atrium-signing.h"
#include "atrium-store-bookings.h"
#include "atrium-store-sites.h"
#include "atrium-store-users.h"

struct _AtriumBookingMail
{
  AtriumServer *server;
  GThreadPool  *pool;    /* one thread: mails go out in the order they were queued */
};

typedef struct
{
  AtriumBookingMail     *mail;
  AtriumBookingMailKind  kind;
  gint64                 booking_id;
  char                  *request_id;
} Queued;

void
atrium_booking_message_free (AtriumBookingMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->to);
  g_free (message->subject);
  g_free (message->text);
  g_free (message->ics);
  g_free (message->ics_type);
  g_free (message);
}

/* "Tuesday 24 November 2026, 10:00" in the site's zone. */
static char *
local_time (const AtriumSite *site,
            gint64            seconds,
            const char       *format)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (seconds);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, site->tz);

  return g_date_time_format (local, format);
}

typedef struct
{
  const AtriumBooking  *booking;
  const AtriumSite     *site;
  const AtriumSpace    *space;      /* or NULL */
  const AtriumUser     *user;
  const char           *code;       /* or NULL */
  const AtriumConfig   *config;
} Facts;

static void
append_what_when (GString     *text,
                  const Facts *facts)
{
  g_autofree char *day = local_time (facts->site, facts->booking->starts, "%A %-d %B %Y");
  g_autofree char *from = local_time (facts->site, facts->booking->starts, "%H:%M");
  g_autofree char *to = local_time (facts->site, facts->booking->ends, "%H:%M");

  g_string_append_printf (text, "  What:  %s", facts->booking->resource_name);
  if (facts->space != NULL)
    g_string_append_printf (text, " (%s)", facts->space->name);
  g_string_append_printf (text, "\n  Where: %s", facts->site->name);
  if (facts->site->address != NULL && *facts->site->address != '\0')
    g_string_append_printf (text, ", %s", facts->site->address);
  g_string_append_printf (text, "\n  When:  %s, %s–%s (%s)\n  Booking number: %"
                          G_GINT64_FORMAT "\n\n", day, from, to, facts->site->timezone,
                          facts->booking->id);
}

static void
append_checkin (GString     *text,
                const Facts *facts)
{
  gint64 opens = facts->booking->starts - (gint64) facts->config->checkin_opens_minutes * 60;
  gint64 closes = facts->booking->starts + (gint64) facts->config->checkin_closes_minutes * 60;
  g_autofree char *from = local_time (facts->site, opens, "%H:%M");
  g_autofree char *to = local_time (facts->site, closes, "%H:%M");

  g_string_append_printf (text, "Check in between %s and %s, at the kiosk with this code "
                          "(the Atrium app shows it as a QR code) or at the desk:\n\n", from,
                          to);
  if (facts->code != NULL)
    g_string_append_printf (text, "  %s\n\n", facts->code);
  g_string_append_printf (text, "A booking not checked in by %s is released for others.\n",
                          to);
}

static void
write_text (GString               *text,
            char                 **subject,
            const Facts           *facts,
            AtriumBookingMailKind  kind)
{
  const char *resource = facts->booking->resource_name;
  const char *site = facts->site->name;

  g_string_append_printf (text, "Hello %s,\n\n", facts->user->name);
  switch (kind)
    {
    case ATRIUM_BOOKING_MAIL_CONFIRMATION:
      *subject = g_strdup_printf ("Booking confirmed: %s, %s", resource, site);
      g_string_append (text, "your booking is confirmed.\n\n");
      append_what_when (text, facts);
      append_checkin (text, facts);
      g_string_append (text, "\nThe attached calendar file adds it to your calendar.\n");
      break;
    case ATRIUM_BOOKING_MAIL_REMINDER:
      *subject = g_strdup_printf ("Reminder: %s, %s", resource, site);
      g_string_append (text, "your booking starts soon.\n\n");
      append_what_when (text, facts);
      append_checkin (text, facts);
      g_string_append (text, "\nIf you cannot come, please cancel it so someone else can "
                       "use it.\n");
      break;
    case ATRIUM_BOOKING_MAIL_CANCELLATION:
      *subject = g_strdup_printf ("Booking cancelled: %s, %s", resource, site);
      g_string_append (text, "this booking was cancelled:\n\n");
      append_what_when (text, facts);
      break;
    case ATRIUM_BOOKING_MAIL_RELEASE:
      *subject = g_strdup_printf ("Booking released: %s, %s", resource, site);
      g_string_append (text, "your break ran out before you checked in again, so this "
                       "booking was released for others:\n\n");
      append_what_when (text, facts);
      break;
    case ATRIUM_BOOKING_MAIL_NO_SHOW:
      *subject = g_strdup_printf ("Booking released (not checked in): %s, %s", resource,
                                  site);
      g_string_append (text, "this booking was not checked in in time, so it was released "
                       "for others and counted as a no-show:\n\n");
      append_what_when (text, facts);
      break;
    case ATRIUM_BOOKING_MAIL_NONE:
    default:
      g_assert_not_reached ();
    }
  g_string_append_printf (text, "\n-- \n%s\n", site);
}

static char *
calendar_file (const Facts           *facts,
               AtriumBookingMailKind  kind,
               gint64                 now)
{
  g_autofree char *summary = g_strdup_printf ("%s, %s", facts->booking->resource_name,
                                              facts->site->name);
  /* Without the check-in code: a calendar copies its events to other services and
   * devices, and the code opens the seat to whoever holds it. The mail has it. */
  const char *description = kind == ATRIUM_BOOKING_MAIL_CONFIRMATION
                            ? "Check in at the kiosk or the desk with the code in the "
                              "confirmation mail or the Atrium app." : NULL;
  const char *host = facts->config->public_host != NULL ? facts->config->public_host
                                                        : g_get_host_name ();
  AtriumIcsEvent event = {
    .booking_id = facts->booking->id,
    .host = host,
    /* 0 when made; whatever ends it comes after, once. */
    .sequence = kind == ATRIUM_BOOKING_MAIL_CONFIRMATION ? 0 : 1,
    .stamp = now,
    .start = facts->booking->starts,
    .end = facts->booking->ends,
    .summary = summary,
    .resource = facts->booking->resource_name,
    .space = facts->space != NULL ? facts->space->name : NULL,
    .site = facts->site->name,
    .description = description,
    .organizer = facts->config->mail_from,
    .organizer_name = facts->config->mail_from_name,
    .attendee = facts->user->email,
    .attendee_name = facts->user->name,
  };

  return atrium_ics_build (&event, kind == ATRIUM_BOOKING_MAIL_CONFIRMATION
                                   ? ATRIUM_ICS_REQUEST : ATRIUM_ICS_CANCEL);
}

AtriumBookingMessage *
atrium_booking_mail_compose (AtriumServer           *server,
                             AtriumDb               *db,
                             gint64                  booking_id,
                             AtriumBookingMailKind   kind,
                             gint64                  now,
                             GError                **error)
{
  AtriumOccupancy *occupancy = atrium_server_get_service (server, ATRIUM_SERVICE_OCCUPANCY);
  AtriumAuth *auth = atrium_server_get_service (server, ATRIUM_SERVICE_AUTH);
  g_autoptr(AtriumDirectory) directory = NULL;
  g_autoptr(AtriumBooking) booking = NULL;
  g_autoptr(AtriumResource) resource = NULL;
  g_autoptr(AtriumUser) user = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  AtriumBookingMessage *message;
  Facts facts = { 0 };
  gboolean with_code = kind == ATRIUM_BOOKING_MAIL_CONFIRMATION ||
                       kind == ATRIUM_BOOKING_MAIL_REMINDER;

  booking = atrium_store_booking_get (db, booking_id, error);
  if (booking != NULL && booking->user_id != 0)
    user = atrium_store_user_get (db, booking->user_id, error);
  if (booking == NULL || user == NULL || user->email == NULL || *user->email == '\0')
    {
      if (error != NULL && *error != NULL &&
          g_error_matches (*error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND))
        g_clear_error (error);
      return NULL;
    }
  resource = atrium_store_resource_get (db, booking->resource_id, error);
  directory = occupancy != NULL ? atrium_occupancy_get_directory (occupancy) : NULL;
  if (directory == NULL || atrium_directory_find_site (directory, booking->site_id) == NULL)
    {
      g_clear_pointer (&directory, atrium_directory_unref);
      directory = atrium_store_directory_load (db, error);
    }
  if (resource == NULL || directory == NULL)
    return NULL;
  facts.booking = booking;
  facts.site = atrium_directory_find_site (directory, booking->site_id);
  facts.space = resource->space_id != 0 ? atrium_directory_find_space (directory,
                                                                       resource->space_id)
                                        : NULL;
  facts.user = user;
  facts.config = atrium_server_get_config (server);
  if (facts.site == NULL)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND,
                   "booking %" G_GINT64_FORMAT ": its site is gone", booking_id);
      return NULL;
    }
  if (with_code && auth != NULL)
    {
      code = atrium_signing_checkin_code (db, atrium_auth_get_secrets_key (auth), booking->id,
                                          booking->resource_id, booking->starts,
                                          booking->ends, error);
      if (code == NULL)
        return NULL;
    }
  facts.code = code;

  message = g_new0 (AtriumBookingMessage, 1);
  message->to = g_strdup (user->email);
  write_text (text, &message->subject, &facts, kind);
  message->text = g_strdup (text->str);
  if (kind != ATRIUM_BOOKING_MAIL_REMINDER)
    {
      AtriumIcsMethod method = kind == ATRIUM_BOOKING_MAIL_CONFIRMATION ? ATRIUM_ICS_REQUEST
                                                                        : ATRIUM_ICS_CANCEL;

      message->ics = calendar_file (&facts, kind, now);
      message->ics_type = g_strdup (atrium_ics_content_type (method));
    }
  return message;
}

/* ---- the queue ----------------------------------------------------------------------- */

static void
send_one (gpointer data,
          gpointer user_data)
{
  Queued *queued = data;
  AtriumServer *server = queued->mail->server;
  AtriumAuth *auth = atrium_server_get_service (server, ATRIUM_SERVICE_AUTH);
  AtriumStore *store = atrium_server_get_store (server);
  g_autoptr(AtriumBookingMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = atrium_clock_now (atrium_server_get_clock (server));
  AtriumDb *db = atrium_store_read_begin (store);

  message = atrium_booking_mail_compose (server, db, queued->booking_id, queued->kind, now,
                                         &error);
  atrium_store_read_end (store, db);
  if (message != NULL)
    {
      g_autoptr(GBytes) ics = message->ics != NULL
                              ? g_bytes_new (message->ics, strlen (message->ics)) : NULL;
      AtriumMail mail = { message->to, message->subject, message->text,
                          ics != NULL ? "booking.ics" : NULL, message->ics_type, ics };

      atrium_mailer_send (atrium_auth_get_mailer (auth), &mail, &error);
    }
  if (error != NULL)
    atrium_server_log_error (server, queued->request_id, "booking %" G_GINT64_FORMAT
                             " mail: %s", queued->booking_id, error->message);
  g_free (queued->request_id);
  g_free (queued);
}

AtriumBookingMail *
atrium_booking_mail_new (AtriumServer *server)
{
  AtriumBookingMail *self = g_new0 (AtriumBookingMail, 1);

  self->server = server;
  self->pool = g_thread_pool_new (send_one, self, 1, FALSE, NULL);
  return self;
}

void
atrium_booking_mail_free (AtriumBookingMail *self)
{
  if (self == NULL)
    return;
  g_thread_pool_free (self->pool, FALSE, TRUE);
  g_free (self);
}

void
atrium_booking_mail_queue (AtriumBookingMail     *self,
                           AtriumBookingMailKind  kind,
                           gint64                 booking_id,
                           const char            *request_id)
{
  AtriumAuth *auth = atrium_server_get_service (self->server, ATRIUM_SERVICE_AUTH);
  Queued *queued;

  if (kind == ATRIUM_BOOKING_MAIL_NONE || auth == NULL || atrium_auth_get_mailer (auth) == NULL)
    return;
  queued = g_new0 (Queued, 1);
  queued->mail = self;
  queued->kind = kind;
  queued->booking_id = booking_id;
  queued->request_id = g_strdup (request_id);
  g_thread_pool_push (self->pool, queued, NULL);
}
