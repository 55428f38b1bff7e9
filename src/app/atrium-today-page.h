/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "atrium-api.h"
#include "atrium-live-client.h"

G_BEGIN_DECLS

/* Staff: a site's bookings of today in a table to search, filter by status and sort,
 * with check-in by hand and cancellation. */

#define ATRIUM_TYPE_TODAY_PAGE (atrium_today_page_get_type ())
G_DECLARE_FINAL_TYPE (AtriumTodayPage, atrium_today_page, ATRIUM, TODAY_PAGE, GtkWidget)

#define ATRIUM_TYPE_BOOKING_ITEM (atrium_booking_item_get_type ())
G_DECLARE_FINAL_TYPE (AtriumBookingItem, atrium_booking_item, ATRIUM, BOOKING_ITEM, GObject)

gint64      atrium_booking_item_get_id     (AtriumBookingItem *self);
const char *atrium_booking_item_get_status (AtriumBookingItem *self);
const char *atrium_booking_item_get_patron (AtriumBookingItem *self);
/* The booking as the server answered it (GET /api/v1/bookings?site&date). */
JsonObject *atrium_booking_item_get_booking (AtriumBookingItem *self);

GtkWidget  *atrium_today_page_new      (void);
/* @sites: the ids of the sites the user works at; a drop-down picks one. The site's
 * list follows @live's booking messages (nullable: read on demand only). */
void        atrium_today_page_set_data (AtriumTodayPage  *self,
                                        AtriumApi        *api,
                                        AtriumLiveClient *live,
                                        const gint64     *sites,
                                        guint            n_sites);
void        atrium_today_page_clear    (AtriumTodayPage  *self);
void        atrium_today_page_refresh  (AtriumTodayPage *self);
/* The rows shown after search and filter (AtriumBookingItem), for tests. */
GListModel *atrium_today_page_get_model (AtriumTodayPage *self);
/* What the row's "Check In" button does. */
void        atrium_today_page_check_in  (AtriumTodayPage   *self,
                                         AtriumBookingItem *item);

/* What the row's "Cancel" button does. */
void        atrium_today_page_cancel    (AtriumTodayPage   *self,
                                         AtriumBookingItem *item);
/* What activating a row (or its "Details" button) does: the booking's details in a
 * window of their own, shown and returned. */
GtkWindow  *atrium_today_page_show_details (AtriumTodayPage   *self,
                                            AtriumBookingItem *item);
/* What "Book for a Patron" does: the form, shown and returned; NULL while the site's
 * resources are still being read. */
GtkWindow  *atrium_today_page_book_for  (AtriumTodayPage   *self);

G_END_DECLS
