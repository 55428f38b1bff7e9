/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "atrium-alerts.h"
#include "atrium-api.h"
#include "atrium-chart.h"
#include "atrium-live-client.h"

G_BEGIN_DECLS

/* Live occupancy of one site's spaces and the waiting time of its queues, with the
 * site's opening hours today; a drop-down picks the site. */

#define ATRIUM_TYPE_OCCUPANCY_PAGE (atrium_occupancy_page_get_type ())
G_DECLARE_FINAL_TYPE (AtriumOccupancyPage, atrium_occupancy_page, ATRIUM, OCCUPANCY_PAGE,
                      GtkWidget)

GtkWidget *atrium_occupancy_page_new      (void);
/* Reads the sites from @api and binds the tiles to @live's models. */
void       atrium_occupancy_page_set_data (AtriumOccupancyPage *self,
                                           AtriumApi           *api,
                                           AtriumLiveClient    *live);
/* The sites (GET /sites) to show until the server's come, or without them: a kiosk's
 * cache. Ignored once the server's have come. */
void       atrium_occupancy_page_set_sites (AtriumOccupancyPage *self,
                                            JsonNode            *document);
/* The sites whose rooms the user may count by hand (staff, managers); call before
 * atrium_occupancy_page_set_data(). */
void       atrium_occupancy_page_set_fixed_site (AtriumOccupancyPage *self,
                                                 gint64               site);
void       atrium_occupancy_page_set_staff_sites (AtriumOccupancyPage *self,
                                                  const gint64        *sites,
                                                  guint                n_sites);
/* The user's alerts, which the tiles offer to set; call before
 * atrium_occupancy_page_set_data(). */
void       atrium_occupancy_page_set_alerts (AtriumOccupancyPage *self,
                                             AtriumAlerts        *alerts);
/* Staff counted the room: sets its count (what the tile's "Set the Count" does). */
void       atrium_occupancy_page_recount  (AtriumOccupancyPage *self,
                                           gint64               space_id,
                                           guint                count);
/* The site shown (0 before the sites are read). */
gint64     atrium_occupancy_page_get_site (AtriumOccupancyPage *self);
/* The tiles shown, for tests. */
GtkFlowBox *atrium_occupancy_page_get_space_box (AtriumOccupancyPage *self);
/* Today's expected occupancy of the site, for tests. */
AtriumChart *atrium_occupancy_page_get_forecast_chart (AtriumOccupancyPage *self);

G_END_DECLS
