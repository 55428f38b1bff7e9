/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The words the UI shows for what the client library reports: errors, occupancy levels,
 * booking states and times. Everything is translatable and plain text.
 */

/* A sentence for an error of the API, the embedded backend or anything else. */
char       *atrium_ui_error_text       (const GError *error);
/* "Quiet", "Busy"… for the server's level ("low", "medium", "high", "full"). */
const char *atrium_ui_level_words      (const char   *level);
/* "Booked", "Checked in"… for a booking's status. */
const char *atrium_ui_booking_status   (const char   *status);
/* "14:30" in the local time zone for an RFC 3339 time; NULL when it does not parse. */
char       *atrium_ui_time_of_day      (const char   *rfc3339);
/* "Wed 25 Nov, 14:30" in the local time zone; NULL when it does not parse. */
char       *atrium_ui_date_and_time    (const char   *rfc3339);
/* "Wed 25 Nov, 14:30–15:30" for a booking's interval. */
char       *atrium_ui_interval         (const char   *start,
                                        const char   *end);
/* "About 5 min", "Under a minute", "No wait" for a wait in seconds. */
char       *atrium_ui_wait             (gint64        seconds);
/* The banner shown when the figures are not live: those of @as_of (unix seconds; 0:
 * now, when the feed was just lost). */
char       *atrium_ui_offline_text     (gint64        as_of);

G_END_DECLS
