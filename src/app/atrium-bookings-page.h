/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "atrium-api.h"
#include "atrium-cache.h"
#include "atrium-outbox.h"

G_BEGIN_DECLS

/* The patron's page: my bookings (with the check-in code to show at the kiosk, a
 * calendar file to save, and cancel) and "find something free" by kind, time and attributes, to book it. */

#define ATRIUM_TYPE_BOOKINGS_PAGE (atrium_bookings_page_get_type ())
G_DECLARE_FINAL_TYPE (AtriumBookingsPage, atrium_bookings_page, ATRIUM, BOOKINGS_PAGE,
                      GtkWidget)

GtkWidget *atrium_bookings_page_new      (void);
void       atrium_bookings_page_set_api  (AtriumBookingsPage *self,
                                          AtriumApi          *api);
/* What is done offline (a cancellation) is kept in @outbox (nullable: none; set after
 * the API) and shown as pending; it is sent when the server answers again (a read of my
 * bookings, or send_pending()), then the list is read again. */
void       atrium_bookings_page_set_outbox (AtriumBookingsPage *self,
                                            AtriumOutbox       *outbox);
AtriumOutbox *atrium_bookings_page_get_outbox (AtriumBookingsPage *self);
/* Each list of my bookings read is kept in @cache (nullable: none; set after the API);
 * @kept (nullable), the list kept there before, is shown until the server answers. */
void       atrium_bookings_page_set_cache (AtriumBookingsPage *self,
                                           AtriumCache        *cache,
                                           JsonNode           *kept);
void       atrium_bookings_page_send_pending (AtriumBookingsPage *self);
/* Reads my bookings again. */
void       atrium_bookings_page_refresh  (AtriumBookingsPage *self);
/* For tests: the rows shown (each with the booking's id as "booking-id" data, its JSON
 * object as "booking") and the search's result rows ("resource-id", "site-id"). */
GtkListBox *atrium_bookings_page_get_mine_list    (AtriumBookingsPage *self);
GtkListBox *atrium_bookings_page_get_results_list (AtriumBookingsPage *self);
/* "Add to Calendar" once the dialog has answered: saves the calendar file of my booking
 * @booking_id (one of the rows) into @file, and says so in a toast. */
void       atrium_bookings_page_save_calendar        (AtriumBookingsPage *self,
                                                      gint64              booking_id,
                                                      GFile              *file);
/* For tests: what the last of those said, NULL while it runs. */
const char *atrium_bookings_page_get_calendar_message (AtriumBookingsPage *self);
/* Sets the search to @day_offset days from today, at @hour:@minute local time, for
 * @minutes, and runs it. */
void       atrium_bookings_page_find     (AtriumBookingsPage *self,
                                          guint               day_offset,
                                          guint               hour,
                                          guint               minute,
                                          guint               minutes);

G_END_DECLS
