/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"

G_BEGIN_DECLS

/* Check-in, breaks, the scheduler's releases and the feed of booking changes. Writers
 * run inside the caller's transaction (BEGIN IMMEDIATE on the writer): each change is
 * an UPDATE guarded by the state it leaves, so two processes doing the same work change
 * a booking once, and only the one that changed it tells anybody. */

/* A booked booking becomes checked in (check_in_at = @now); a checked-in one keeps its
 * check-in time and ends its break. Returns rows changed (0: neither state), -1 on
 * error. */
gint64      atrium_store_booking_check_in      (AtriumDb     *db,
                                                gint64        id,
                                                gint64        now,
                                                GError      **error);
/* A checked-in booking not on a break holds its seat until @until. Rows changed, -1. */
gint64      atrium_store_booking_start_break   (AtriumDb     *db,
                                                gint64        id,
                                                gint64        until,
                                                GError      **error);

/* Appends to the feed of booking changes (for the live subscribers of every process). */
gboolean    atrium_store_booking_event_add     (AtriumDb     *db,
                                                gint64        booking_id,
                                                const char   *event,
                                                gint64        now,
                                                GError      **error);

typedef struct
{
  gint64 id;
  gint64 booking_id;
  gint64 site_id;
  char   event[12];
  gint64 resource_id;
  gint64 space_id;       /* 0: none */
  gint64 starts;
  gint64 ends;
  char   status[12];     /* the booking's status now */
} AtriumBookingEvent;

/* The last event's id (0: none), where a process starts tailing. -1 on error. */
gint64      atrium_store_booking_events_last   (AtriumDb     *db,
                                                GError      **error);
/* Events after @after_id, oldest first, at most @limit: AtriumBookingEvent. */
GArray     *atrium_store_booking_events_after  (AtriumDb     *db,
                                                gint64        after_id,
                                                guint         limit,
                                                GError      **error);
gint64      atrium_store_booking_events_purge  (AtriumDb     *db,
                                                gint64        before,
                                                GError      **error);

/* The scheduler. Each appends to @changed (gint64 booking ids) what it changed. */

/* Booked and not checked in when its window closed: a booking starting at or before
 * @now - @closes_seconds becomes no_show, frees its slots (the schema's triggers) and
 * counts on its user's no_shows. */
gboolean    atrium_store_release_no_shows      (AtriumDb     *db,
                                                gint64        now,
                                                gint64        closes_seconds,
                                                GArray       *changed,
                                                GError      **error);
/* Checked in, on a break that ran out before the end: released. */
gboolean    atrium_store_expire_breaks         (AtriumDb     *db,
                                                gint64        now,
                                                GArray       *changed,
                                                GError      **error);
/* Checked in and over: completed. */
gboolean    atrium_store_complete_ended        (AtriumDb     *db,
                                                gint64        now,
                                                GArray       *changed,
                                                GError      **error);
/* Booked, starting within @lead_seconds of @now, no reminder yet, and made before the
 * reminder was due: marked reminded (once, ever). */
gboolean    atrium_store_claim_reminders       (AtriumDb     *db,
                                                gint64        now,
                                                gint64        lead_seconds,
                                                GArray       *changed,
                                                GError      **error);

/* People checked in through bookings, per space: seats count one, rooms their group
 * (equipment none: its user already sits somewhere). Pairs of gint64 (space, people). */
GArray     *atrium_store_checked_in_by_space   (AtriumDb     *db,
                                                GError      **error);

/* A user's no-shows; -1 on error. */
gint64      atrium_store_user_no_shows         (AtriumDb     *db,
                                                gint64        user_id,
                                                GError      **error);

G_END_DECLS
