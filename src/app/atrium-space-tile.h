/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "atrium-alerts.h"
#include "atrium-live-items.h"

G_BEGIN_DECLS

/* One space's live occupancy: its name, a gauge, the percentage in figures and words,
 * and the free places. Follows its AtriumLiveSpace as it changes. */

#define ATRIUM_TYPE_SPACE_TILE (atrium_space_tile_get_type ())
G_DECLARE_FINAL_TYPE (AtriumSpaceTile, atrium_space_tile, ATRIUM, SPACE_TILE, GtkWidget)

GtkWidget       *atrium_space_tile_new       (void);
void             atrium_space_tile_set_space (AtriumSpaceTile *self,
                                              AtriumLiveSpace *space);
AtriumLiveSpace *atrium_space_tile_get_space (AtriumSpaceTile *self);
/* Staff of the space's site may set its count by hand: the tile then offers it and
 * emits "recount" (guint count). */
void             atrium_space_tile_set_can_recount (AtriumSpaceTile *self,
                                                    gboolean         can_recount);
/* The tile offers to set an alert on its space in @alerts (nullable: it does not), a
 * capacity alert too when @can_alert_above (staff), and shows the alerts set. */
void             atrium_space_tile_set_alerts      (AtriumSpaceTile *self,
                                                    AtriumAlerts    *alerts,
                                                    gboolean         can_alert_above);

G_END_DECLS
