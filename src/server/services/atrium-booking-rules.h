/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "atrium-sites.h"

G_BEGIN_DECLS

/* Bookings cover whole slots of this many seconds; every rule's granularity is a
 * multiple of it (the booking_slot rows of the store are on this grid). */
#define ATRIUM_SLOT_SECONDS 300

extern const char * const atrium_resource_types[];     /* seat, room, equipment */
extern const char * const atrium_booking_statuses[];   /* booked … completed */

gboolean atrium_resource_type_valid   (const char *type);
gboolean atrium_booking_status_valid  (const char *status);
/* booked and checked_in hold their slots; the other states have let them go. */
gboolean atrium_booking_status_active (const char *status);

/* The booking rules of one resource type at one site. Durations in minutes. */
typedef struct
{
  char     type[12];
  guint    slot_minutes;   /* granularity: starts and lengths are multiples of it */
  guint    min_minutes;
  guint    max_minutes;
  guint    ahead_days;     /* the start's local date at most this many days after today */
  gint     per_day;        /* bookings a user may hold per local day; -1: no limit */
  gint     per_week;       /* … per ISO week (Monday to Sunday); -1: no limit */
  guint    min_group;      /* the smallest group (rooms) */
  gboolean is_default;     /* no rule was set for this site and type */
} AtriumBookingRules;

void        atrium_booking_rules_init_default (AtriumBookingRules       *rules,
                                               const char               *type);
/* Checks rules a manager sent; the error names the field. */
gboolean    atrium_booking_rules_validate     (const AtriumBookingRules *rules,
                                               char                    **field,
                                               GError                  **error);
void        atrium_booking_rules_add_json     (JsonBuilder              *builder,
                                               const AtriumBookingRules *rules);

/* What is asked for, and what the check needs to know about the resource. */
typedef struct
{
  gint64 now;
  gint64 starts;
  gint64 ends;
  guint  group_size;
  guint  capacity;       /* of the resource */
} AtriumBookingAsk;

/* The rules that need nothing from the store: NULL when @ask keeps them, else the name
 * of the first rule broken ("granularity", "max_duration" …) with a sentence in
 * @message. */
const char *atrium_booking_check              (const AtriumBookingRules *rules,
                                               const AtriumSite         *site,
                                               const AtriumBookingAsk   *ask,
                                               char                    **message);
/* The quotas, given the bookings the user already holds that day and that week. */
const char *atrium_booking_check_quota        (const AtriumBookingRules *rules,
                                               gint64                    held_today,
                                               gint64                    held_this_week,
                                               char                    **message);

G_END_DECLS
