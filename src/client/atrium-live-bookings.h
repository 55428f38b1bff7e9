/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-api.h"
#include "atrium-live-client.h"

G_BEGIN_DECLS

/*
 * Today's bookings of one site, for the staff views: a GListModel of AtriumLiveBooking in
 * the server's order (by start). Fetched with GET /api/v1/bookings?site (through the
 * AtriumApi, so an expired session is heard there), changed in place by the live feed's
 * booking messages of that site, fetched again whenever the live client becomes LIVE
 * (after every reconnection: what changed while it was away is caught up) and when a
 * message names a booking the model does not have. The live client must follow the site
 * (its default: every site).
 */

#define ATRIUM_TYPE_LIVE_BOOKINGS (atrium_live_bookings_get_type ())
G_DECLARE_FINAL_TYPE (AtriumLiveBookings, atrium_live_bookings, ATRIUM, LIVE_BOOKINGS, GObject)

AtriumLiveBookings *atrium_live_bookings_new       (AtriumApi          *api,
                                                    AtriumLiveClient   *live,
                                                    gint64              site_id);
gint64              atrium_live_bookings_get_site_id (AtriumLiveBookings *self);
/* Another day (YYYY-MM-DD in the site's zone), or NULL for the site's today; fetches. */
void                atrium_live_bookings_set_date  (AtriumLiveBookings *self,
                                                    const char         *date);
/* Fetches now (after the one under way, if any). */
void                atrium_live_bookings_refresh   (AtriumLiveBookings *self);
/* TRUE while a fetch is under way ("loading" notifies). */
gboolean            atrium_live_bookings_get_loading (AtriumLiveBookings *self);
/* Why the last fetch failed (an #ATRIUM_API_ERROR), NULL after one that worked; the
 * model keeps what it had. */
const GError       *atrium_live_bookings_get_error (AtriumLiveBookings *self);

G_END_DECLS
