/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "atrium-today-page.h"

G_BEGIN_DECLS

/* Staff: one booking of today's list in full, in a modal window over @page's, with the
 * actions its state allows (they are @page's own). @site and @space: nullable names. */
GtkWindow *atrium_booking_details_new (AtriumTodayPage   *page,
                                       AtriumBookingItem *item,
                                       const char        *site,
                                       const char        *space);

G_END_DECLS
