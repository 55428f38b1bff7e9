/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "atrium-api.h"

G_BEGIN_DECLS

/* Administrators: users and their roles (create, disable, unlock, reset the second
 * factor), the audit log with filters, security events and blocked addresses. */

#define ATRIUM_TYPE_ADMIN_PAGE (atrium_admin_page_get_type ())
G_DECLARE_FINAL_TYPE (AtriumAdminPage, atrium_admin_page, ATRIUM, ADMIN_PAGE, GtkWidget)

GtkWidget  *atrium_admin_page_new      (void);
void        atrium_admin_page_set_api  (AtriumAdminPage *self,
                                        AtriumApi       *api);
void        atrium_admin_page_refresh  (AtriumAdminPage *self);
/* For tests: the user rows (each with "user-id" data) and the audit rows. */
GtkListBox *atrium_admin_page_get_users_list (AtriumAdminPage *self);
GtkListBox *atrium_admin_page_get_audit_list (AtriumAdminPage *self);

G_END_DECLS
