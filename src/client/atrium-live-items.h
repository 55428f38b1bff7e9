/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The items of AtriumLiveClient's models: one space with its live occupancy, one queue
 * with its waiting time. Every figure is a property that notifies only when it changes,
 * so a view binds to them and redraws only what moved.
 */

#define ATRIUM_TYPE_LIVE_SPACE (atrium_live_space_get_type ())
G_DECLARE_FINAL_TYPE (AtriumLiveSpace, atrium_live_space, ATRIUM, LIVE_SPACE, GObject)

#define ATRIUM_TYPE_LIVE_QUEUE (atrium_live_queue_get_type ())
G_DECLARE_FINAL_TYPE (AtriumLiveQueue, atrium_live_queue, ATRIUM, LIVE_QUEUE, GObject)

/* One booking of AtriumLiveBookings (today's bookings of a site, for the staff). */
#define ATRIUM_TYPE_LIVE_BOOKING (atrium_live_booking_get_type ())
G_DECLARE_FINAL_TYPE (AtriumLiveBooking, atrium_live_booking, ATRIUM, LIVE_BOOKING, GObject)

gint64      atrium_live_space_get_id         (AtriumLiveSpace *self);
gint64      atrium_live_space_get_site_id    (AtriumLiveSpace *self);
const char *atrium_live_space_get_name       (AtriumLiveSpace *self);
const char *atrium_live_space_get_kind       (AtriumLiveSpace *self);
gint64      atrium_live_space_get_count      (AtriumLiveSpace *self);
guint       atrium_live_space_get_capacity   (AtriumLiveSpace *self);
/* -1 when the room has no capacity (no percent). */
int         atrium_live_space_get_percent    (AtriumLiveSpace *self);
const char *atrium_live_space_get_level      (AtriumLiveSpace *self);
gint64      atrium_live_space_get_free       (AtriumLiveSpace *self);
/* NULL when no sensor has counted yet. */
GDateTime  *atrium_live_space_get_updated_at (AtriumLiveSpace *self);

gint64      atrium_live_queue_get_id           (AtriumLiveQueue *self);
gint64      atrium_live_queue_get_site_id      (AtriumLiveQueue *self);
const char *atrium_live_queue_get_name         (AtriumLiveQueue *self);
const char *atrium_live_queue_get_kind         (AtriumLiveQueue *self);
gint64      atrium_live_queue_get_length       (AtriumLiveQueue *self);
/* -1 when the server has no estimate (see wait-status). */
gint64      atrium_live_queue_get_wait_seconds (AtriumLiveQueue *self);
const char *atrium_live_queue_get_wait_status  (AtriumLiveQueue *self);
GDateTime  *atrium_live_queue_get_updated_at   (AtriumLiveQueue *self);

gint64      atrium_live_booking_get_id            (AtriumLiveBooking *self);
gint64      atrium_live_booking_get_site_id       (AtriumLiveBooking *self);
gint64      atrium_live_booking_get_resource_id   (AtriumLiveBooking *self);
const char *atrium_live_booking_get_resource_name (AtriumLiveBooking *self);
/* 0 and "" when the booking has no user any more. */
gint64      atrium_live_booking_get_user_id       (AtriumLiveBooking *self);
const char *atrium_live_booking_get_username      (AtriumLiveBooking *self);
/* booked, checked_in, cancelled, released, no_show or completed */
const char *atrium_live_booking_get_status        (AtriumLiveBooking *self);
guint       atrium_live_booking_get_group_size    (AtriumLiveBooking *self);
GDateTime  *atrium_live_booking_get_start         (AtriumLiveBooking *self);
GDateTime  *atrium_live_booking_get_end           (AtriumLiveBooking *self);
/* NULL until checked in / when not on a break. */
GDateTime  *atrium_live_booking_get_check_in_at   (AtriumLiveBooking *self);
GDateTime  *atrium_live_booking_get_break_until   (AtriumLiveBooking *self);
/* Every member the list and the live messages gave, the latest of each (the check-in
 * code, when booked, cancelled...): for a view that shows more than the properties. */
JsonObject *atrium_live_booking_get_object        (AtriumLiveBooking *self);

/* For AtriumLiveClient: a new item from the server's JSON object of a space or queue (as
 * GET /api/v1/occupancy and the live feed write it, already checked against the
 * client's allow-list), and an update in place that returns whether anything changed. */
AtriumLiveSpace *atrium_live_space_new_from_json (gint64            site_id,
                                                  JsonObject       *object);
gboolean         atrium_live_space_update        (AtriumLiveSpace  *self,
                                                  gint64            site_id,
                                                  JsonObject       *object);
AtriumLiveQueue *atrium_live_queue_new_from_json (gint64            site_id,
                                                  JsonObject       *object);
gboolean         atrium_live_queue_update        (AtriumLiveQueue  *self,
                                                  gint64            site_id,
                                                  JsonObject       *object);

/* For AtriumLiveBookings: a booking object of GET /api/v1/bookings?site (checked), and an
 * update in place from it or from a live message's booking (only the members it has). */
AtriumLiveBooking *atrium_live_booking_new_from_json (JsonObject        *object);
gboolean           atrium_live_booking_update        (AtriumLiveBooking *self,
                                                      JsonObject        *object);

G_END_DECLS
