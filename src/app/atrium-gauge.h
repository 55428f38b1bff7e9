/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * A horizontal occupancy bar: how full a space is, from 0 to 100 % (more is drawn
 * full). Its colour follows the level through CSS classes (.level-low … .level-full);
 * the level is also drawn as the bar's length and said in words by the widget beside
 * it, so colour never carries it alone. For assistive technologies it is a meter whose
 * value text says the percentage and the words.
 */

#define ATRIUM_TYPE_GAUGE (atrium_gauge_get_type ())
G_DECLARE_FINAL_TYPE (AtriumGauge, atrium_gauge, ATRIUM, GAUGE, GtkWidget)

GtkWidget  *atrium_gauge_new       (void);
/* @percent: -1 when unknown. @level: "low", "medium", "high", "full" or NULL. */
void        atrium_gauge_set_value (AtriumGauge *self,
                                    int          percent,
                                    const char  *level);
int         atrium_gauge_get_percent (AtriumGauge *self);
const char *atrium_gauge_get_level   (AtriumGauge *self);

G_END_DECLS
