/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ATRIUM_TYPE_CLOCK (atrium_clock_get_type ())
G_DECLARE_FINAL_TYPE (AtriumClock, atrium_clock, ATRIUM, CLOCK, GObject)

#define ATRIUM_USEC_PER_SEC G_GINT64_CONSTANT (1000000)

/* Every service asks its clock for the time, so that tests can stop or move it. */
AtriumClock *atrium_clock_new_system        (void);
AtriumClock *atrium_clock_new_fixed         (gint64        unix_usec);
gboolean     atrium_clock_is_fixed          (AtriumClock  *self);
gint64       atrium_clock_now_usec          (AtriumClock  *self);
gint64       atrium_clock_now               (AtriumClock  *self);
GDateTime   *atrium_clock_now_utc           (AtriumClock  *self);
void         atrium_clock_set               (AtriumClock  *self,
                                             gint64        unix_usec);
void         atrium_clock_advance           (AtriumClock  *self,
                                             gint64        usec);

char        *atrium_time_format_iso8601     (gint64        unix_usec);
gboolean     atrium_time_parse_iso8601      (const char   *text,
                                             gint64       *unix_usec_out,
                                             GError      **error);

G_END_DECLS
