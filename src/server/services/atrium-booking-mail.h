/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"
#include "atrium-server.h"

G_BEGIN_DECLS

/* The mails a patron gets about a booking, sent through the mail service ([mail]) from a
 * thread of their own: a request or the scheduler only queues them. */

typedef enum
{
  ATRIUM_BOOKING_MAIL_NONE,
  ATRIUM_BOOKING_MAIL_CONFIRMATION,  /* with its calendar file, METHOD:REQUEST */
  ATRIUM_BOOKING_MAIL_REMINDER,
  ATRIUM_BOOKING_MAIL_CANCELLATION,  /* METHOD:CANCEL */
  ATRIUM_BOOKING_MAIL_RELEASE,       /* a break ran out; METHOD:CANCEL */
  ATRIUM_BOOKING_MAIL_NO_SHOW,       /* not checked in in time; METHOD:CANCEL */
} AtriumBookingMailKind;

typedef struct
{
  char   *to;
  char   *subject;
  char   *text;
  char   *ics;           /* NULL: no calendar file */
  char   *ics_type;      /* its Content-Type */
} AtriumBookingMessage;

void                  atrium_booking_message_free (AtriumBookingMessage *message);

/* The mail of @kind about booking @booking_id as it is in the store (@db: a reader),
 * made at @now; NULL with @error unset when there is nobody to write to (no such
 * booking, an anonymised one, a user without an address). */
AtriumBookingMessage *atrium_booking_mail_compose (AtriumServer          *server,
                                                   AtriumDb              *db,
                                                   gint64                 booking_id,
                                                   AtriumBookingMailKind  kind,
                                                   gint64                 now,
                                                   GError               **error);

typedef struct _AtriumBookingMail AtriumBookingMail;

AtriumBookingMail    *atrium_booking_mail_new     (AtriumServer          *server);
/* Sends what is still queued, then frees. */
void                  atrium_booking_mail_free    (AtriumBookingMail     *self);
/* Queues the mail; nothing when the server has no [mail]. Any thread, never blocks. */
void                  atrium_booking_mail_queue   (AtriumBookingMail     *self,
                                                   AtriumBookingMailKind  kind,
                                                   gint64                 booking_id,
                                                   const char            *request_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumBookingMessage, atrium_booking_message_free)

G_END_DECLS
