/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-booking-mail.h"
#include "atrium-server.h"

G_BEGIN_DECLS

/* The bookings' own scheduler (no cron, DESIGN.md §5) and their live feed.
 *
 * Every server process runs it on the injected AtriumClock: bookings not checked in by
 * the close of their window become no_show (their slots freed by the schema, the patron
 * told, the no-show counted), breaks that ran out release their booking, checked-in
 * bookings that ended are completed, reminders go out once. Each change is claimed by a
 * guarded UPDATE in the writer's transaction, so with `serve --workers N` exactly one
 * process makes it and tells the patron.
 *
 * Every change of a booking is also a row of booking_event, written with it; each
 * process tails that table and publishes the rows to its own live subscribers, so a
 * subscriber hears of a change whichever process made it. */
typedef struct _AtriumBookingJobs AtriumBookingJobs;

AtriumBookingJobs *atrium_booking_jobs_new     (AtriumServer       *server,
                                                GError            **error);
void               atrium_booking_jobs_free    (AtriumBookingJobs  *self);

/* Tails the changes (every tenth of a second) and, with @scheduled, runs the scheduler
 * every half minute, in a thread of its own. */
void               atrium_booking_jobs_start   (AtriumBookingJobs  *self,
                                                gboolean            scheduled);
/* One pass of the scheduler at the clock's time; any thread. */
gboolean           atrium_booking_jobs_run     (AtriumBookingJobs  *self,
                                                GError            **error);
/* Publishes the changes not yet published; any thread. */
gboolean           atrium_booking_jobs_publish (AtriumBookingJobs  *self,
                                                GError            **error);

/* After a handler committed a change of @booking_id: queues @mail, publishes the
 * change and, with @recount (a check-in or a release), rebuilds the occupancy documents
 * at once. Without the service (the command line), nothing. */
void               atrium_booking_changed      (AtriumServer          *server,
                                                gint64                 booking_id,
                                                AtriumBookingMailKind  mail,
                                                gboolean               recount,
                                                const char            *request_id);

G_END_DECLS
