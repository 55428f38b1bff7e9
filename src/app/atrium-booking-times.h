/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The choice of a booking's time that the patron's search and the staff's booking for a
 * patron share: three combo rows, a day of the coming week, a start every quarter of an
 * hour and a length. */

#define ATRIUM_BOOKING_TIMES_STEP_MINUTES 15
#define ATRIUM_BOOKING_TIMES_DAYS         7

/* Fills the rows' models in the user's words; the next quarter hour of today and an
 * hour are selected. */
void     atrium_booking_times_fill   (AdwComboRow  *day_row,
                                      AdwComboRow  *start_row,
                                      AdwComboRow  *length_row);
/* Selects @day_offset (0: today), @hour:@minute (a multiple of the step) and @minutes
 * (when it is one of the lengths offered). */
void     atrium_booking_times_select (AdwComboRow  *day_row,
                                      AdwComboRow  *start_row,
                                      AdwComboRow  *length_row,
                                      guint         day_offset,
                                      guint         hour,
                                      guint         minute,
                                      guint         minutes);
/* The chosen interval in UTC as the API takes it ("2026-11-25T14:00:00Z"); FALSE with a
 * sentence to show in @error when nothing is chosen or the interval is already over. */
gboolean atrium_booking_times_get    (AdwComboRow  *day_row,
                                      AdwComboRow  *start_row,
                                      AdwComboRow  *length_row,
                                      char        **start,
                                      char        **end,
                                      GError      **error);

G_END_DECLS
