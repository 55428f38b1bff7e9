/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first run: connect to the library's server (its address is kept in the settings),
 * try the demo, or keep the data on this computer, whose first administrator (password,
 * then a TOTP key confirmed by a code, then the recovery codes) is made here. Emits
 * "chosen" once the application can connect. */

#define ATRIUM_TYPE_SETUP_PAGE (atrium_setup_page_get_type ())
G_DECLARE_FINAL_TYPE (AtriumSetupPage, atrium_setup_page, ATRIUM, SETUP_PAGE, GtkWidget)

GtkWidget *atrium_setup_page_new (void);

G_END_DECLS
