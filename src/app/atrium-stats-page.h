/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "atrium-api.h"
#include "atrium-application.h"
#include "atrium-chart.h"

G_BEGIN_DECLS

/* Managers and reporting: a site's statistics drawn from the server's answers
 * (occupancy by hour of a day, popular times, bookings and no-shows per week, against
 * the previous period), and exports to CSV or XLSX saved where the user chooses. */

#define ATRIUM_TYPE_STATS_PAGE (atrium_stats_page_get_type ())
G_DECLARE_FINAL_TYPE (AtriumStatsPage, atrium_stats_page, ATRIUM, STATS_PAGE, GtkWidget)

GtkWidget   *atrium_stats_page_new         (void);
/* @sites: the sites to offer, or NULL (@n_sites 0) for every site of GET /sites;
 * @tables: the exports the user's roles allow ("bookings", "occupancy", "users",
 * "audit"); @session: for the downloads, on the API's transport. */
void         atrium_stats_page_set_data    (AtriumStatsPage    *self,
                                            AtriumApi          *api,
                                            SoupSession        *session,
                                            const gint64       *sites,
                                            guint               n_sites,
                                            const char * const *tables);
/* The same from the signed-in user's roles. */
void         atrium_stats_page_set_user    (AtriumStatsPage    *self,
                                            AtriumApplication  *app);
void         atrium_stats_page_refresh     (AtriumStatsPage    *self);
/* The day of the hourly chart (today until chosen). */
void         atrium_stats_page_set_day     (AtriumStatsPage    *self,
                                            guint               year,
                                            guint               month,
                                            guint               day);
/* What "Export…" does once a file is chosen: @table as @format ("csv", "xlsx") over
 * the chosen period into @file. */
void         atrium_stats_page_export_to   (AtriumStatsPage    *self,
                                            const char         *table,
                                            const char         *format,
                                            GFile              *file);
void         atrium_stats_page_cancel_export (AtriumStatsPage  *self);

/* For tests: "day", "popular", "bookings" or "no-shows"; whether answers are awaited;
 * whether an export runs, and the sentence of the last one's failure (or NULL). */
AtriumChart *atrium_stats_page_get_chart   (AtriumStatsPage    *self,
                                            const char         *name);
gboolean     atrium_stats_page_get_loading (AtriumStatsPage    *self);
gboolean     atrium_stats_page_get_exporting   (AtriumStatsPage *self);
const char  *atrium_stats_page_get_export_error (AtriumStatsPage *self);

G_END_DECLS
