/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ATRIUM_TYPE_APPLICATION (atrium_application_get_type ())
G_DECLARE_FINAL_TYPE (AtriumApplication, atrium_application, ATRIUM, APPLICATION,
                      AdwApplication)

void               atrium_application_setup_i18n (void);
AtriumApplication *atrium_application_new        (GApplicationFlags  flags);
gboolean           atrium_application_get_kiosk  (AtriumApplication *self);
gboolean           atrium_application_get_demo   (AtriumApplication *self);
const char        *atrium_application_get_server (AtriumApplication *self);

G_END_DECLS
