/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * "Add to Calendar": a booking of GET /api/v1/bookings?mine as a calendar file
 * (RFC 5545, METHOD:PUBLISH, one VEVENT with a reminder 15 minutes before). The file
 * tells the patron to show the booking's QR code at the kiosk but never holds the
 * check-in code itself: a calendar is synchronised and shared, the code is a credential.
 */

/* The reminder, before the start. */
#define ATRIUM_BOOKING_ICS_ALARM_MINUTES 15

/* The file's text for @booking, as the server sent it (id, resource_name, start, end,
 * status; site_name and space_name when present), from the server at @base_url (its
 * host names the event: booking-<id>@<host>; "atrium" for a loopback or embedded one),
 * stamped @now (UTC seconds). A booking that lacks or garbles one of those fields is a
 * G_IO_ERROR_INVALID_DATA with a sentence for the patron. */
char *atrium_booking_ics_new       (JsonObject  *booking,
                                    const char  *base_url,
                                    gint64       now,
                                    GError     **error);
/* "atrium-booking-123.ics", the name a save dialog suggests; NULL without a valid id. */
char *atrium_booking_ics_file_name (JsonObject  *booking);

G_END_DECLS
