/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "atrium-api.h"
#include "atrium-application.h"

G_BEGIN_DECLS

/* Managers and administrators: a site's resources (added, changed), its booking rules
 * per kind of resource, its opening hours and closures, all written through the
 * server's manager API, which has the last word on every value. */

#define ATRIUM_TYPE_RESOURCES_PAGE (atrium_resources_page_get_type ())
G_DECLARE_FINAL_TYPE (AtriumResourcesPage, atrium_resources_page, ATRIUM, RESOURCES_PAGE,
                      GtkWidget)

GtkWidget  *atrium_resources_page_new         (void);
/* @sites: the sites to offer, or NULL (@n_sites 0) for every site of GET /sites. */
void        atrium_resources_page_set_data    (AtriumResourcesPage *self,
                                               AtriumApi           *api,
                                               const gint64        *sites,
                                               guint                n_sites);
/* The same from the signed-in user's roles: an administrator's every site, a
 * manager's own. */
void        atrium_resources_page_set_user    (AtriumResourcesPage *self,
                                               AtriumApplication   *app);
void        atrium_resources_page_reload      (AtriumResourcesPage *self);
/* For tests: reads or a write still under way. */
gboolean    atrium_resources_page_get_busy    (AtriumResourcesPage *self);
/* The site shown, 0 before the sites are read. */
gint64      atrium_resources_page_get_site    (AtriumResourcesPage *self);
/* The resources of the site shown: a list of AtriumResourceItem. */
GListModel *atrium_resources_page_get_resources (AtriumResourcesPage *self);

#define ATRIUM_TYPE_RESOURCE_ITEM (atrium_resource_item_get_type ())
G_DECLARE_FINAL_TYPE (AtriumResourceItem, atrium_resource_item, ATRIUM, RESOURCE_ITEM, GObject)

/* The resource as the server answered it (id, type, name, description, capacity,
 * attributes, space). */
JsonObject *atrium_resource_item_get_object   (AtriumResourceItem  *self);

G_END_DECLS
