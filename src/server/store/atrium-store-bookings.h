/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"
#include "atrium-booking-rules.h"

G_BEGIN_DECLS

/* Resources, booking rules, bookings and idempotency keys. All take a connection the
 * caller holds (the writer for changes); writers run inside the caller's transaction. */

typedef struct
{
  gint64  id;
  gint64  site_id;
  gint64  space_id;       /* 0: none */
  char   *type;
  char   *name;
  char   *description;
  guint   capacity;
  char   *attributes;     /* a JSON object, as stored */
} AtriumResource;

void            atrium_resource_free            (AtriumResource *resource);

/* NOT_FOUND when there is no such resource. */
AtriumResource *atrium_store_resource_get       (AtriumDb       *db,
                                                 gint64          id,
                                                 GError        **error);
/* @site_id 0 and @type NULL: every one. By site, then id. */
GPtrArray      *atrium_store_resources_list     (AtriumDb       *db,
                                                 gint64          site_id,
                                                 const char     *type,
                                                 GError        **error);
gboolean        atrium_store_resource_set_description (AtriumDb *db,
                                                 gint64          id,
                                                 const char     *description,
                                                 GError        **error);
/* Writes every column of @resource but its site and type. */
gboolean        atrium_store_resource_update    (AtriumDb       *db,
                                                 const AtriumResource *resource,
                                                 GError        **error);

/* The rules in force (the defaults when none were set). */
gboolean        atrium_store_rules_get          (AtriumDb           *db,
                                                 gint64              site_id,
                                                 const char         *type,
                                                 AtriumBookingRules *rules,
                                                 GError            **error);
gboolean        atrium_store_rules_put          (AtriumDb           *db,
                                                 gint64              site_id,
                                                 const AtriumBookingRules *rules,
                                                 GError            **error);

typedef struct
{
  gint64  id;
  gint64  resource_id;
  gint64  user_id;        /* 0: anonymised */
  gint64  created_by;     /* 0: unknown (anonymised, or the account is gone) */
  gint64  starts;
  gint64  ends;
  char    status[12];
  guint   group_size;
  gint64  created_at;
  gint64  cancelled_at;   /* 0: none, as the three below */
  gint64  check_in_at;
  gint64  break_until;
  /* joined, for answers */
  gint64  site_id;
  char   *resource_name;
  char   *resource_type;
  char   *user_name;      /* NULL when anonymised */
  char   *site_name;
  char   *space_name;     /* NULL: the resource is in no space */
} AtriumBooking;

void            atrium_booking_free             (AtriumBooking  *booking);

/* Inserts an active booking; the store's triggers take its slots, so a slot already
 * taken fails with ATRIUM_DB_ERROR_CONSTRAINT. Returns the new id, 0 on error. */
gint64          atrium_store_booking_insert     (AtriumDb       *db,
                                                 const AtriumBooking *booking,
                                                 GError        **error);
AtriumBooking  *atrium_store_booking_get        (AtriumDb       *db,
                                                 gint64          id,
                                                 GError        **error);
/* Sets a booked booking's status to cancelled, which frees its slots. */
gboolean        atrium_store_booking_cancel     (AtriumDb       *db,
                                                 gint64          id,
                                                 gint64          by_user,
                                                 gint64          now,
                                                 GError        **error);
/* A user's bookings, newest first (at most @limit); @status NULL for every one. */
GPtrArray      *atrium_store_bookings_of_user   (AtriumDb       *db,
                                                 gint64          user_id,
                                                 const char     *status,
                                                 guint           limit,
                                                 GError        **error);
/* A site's bookings that meet [@from, @to), by start. */
GPtrArray      *atrium_store_bookings_of_site   (AtriumDb       *db,
                                                 gint64          site_id,
                                                 gint64          from,
                                                 gint64          to,
                                                 const char     *status,
                                                 GError        **error);

/* What a user holds at a site for a type, starting in [@from, @to), not cancelled: the
 * quotas. -1 on error. */
gint64          atrium_store_bookings_held      (AtriumDb       *db,
                                                 gint64          user_id,
                                                 gint64          site_id,
                                                 const char     *type,
                                                 gint64          from,
                                                 gint64          to,
                                                 GError        **error);
/* The user's active bookings of @type meeting [@from, @to). -1 on error. */
gint64          atrium_store_bookings_overlapping (AtriumDb     *db,
                                                 gint64          user_id,
                                                 const char     *type,
                                                 gint64          from,
                                                 gint64          to,
                                                 GError        **error);
/* Slots of @resource_id taken in [@from, @to). -1 on error. */
gint64          atrium_store_slots_taken        (AtriumDb       *db,
                                                 gint64          resource_id,
                                                 gint64          from,
                                                 gint64          to,
                                                 GError        **error);
/* The taken spans of @resource_id meeting [@from, @to), merged, as (start, end) pairs
 * clipped to it. */
GArray         *atrium_store_busy_intervals     (AtriumDb       *db,
                                                 gint64          resource_id,
                                                 gint64          from,
                                                 gint64          to,
                                                 GError        **error);

/* Idempotency keys, per caller. Returns 1 and fills the outputs when the key is known,
 * 0 when it is not, -1 on error. */
int             atrium_store_idempotency_get    (AtriumDb       *db,
                                                 gint64          user_id,
                                                 const char     *key_hash,
                                                 char          **body_hash,
                                                 guint          *status,
                                                 char          **response,
                                                 GError        **error);
gboolean        atrium_store_idempotency_put    (AtriumDb       *db,
                                                 gint64          user_id,
                                                 const char     *key_hash,
                                                 const char     *body_hash,
                                                 guint           status,
                                                 const char     *response,
                                                 gint64          now,
                                                 GError        **error);
gint64          atrium_store_idempotency_purge  (AtriumDb       *db,
                                                 gint64          before,
                                                 GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumResource, atrium_resource_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumBooking, atrium_booking_free)

G_END_DECLS
