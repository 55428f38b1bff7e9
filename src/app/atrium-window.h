/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "atrium-application.h"

G_BEGIN_DECLS

#define ATRIUM_TYPE_WINDOW (atrium_window_get_type ())
G_DECLARE_FINAL_TYPE (AtriumWindow, atrium_window, ATRIUM, WINDOW, AdwApplicationWindow)

AtriumWindow *atrium_window_new (AtriumApplication *application);

G_END_DECLS
