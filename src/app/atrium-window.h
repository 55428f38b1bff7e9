/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "atrium-application.h"
#include "atrium-login-page.h"

G_BEGIN_DECLS

#define ATRIUM_TYPE_WINDOW (atrium_window_get_type ())
G_DECLARE_FINAL_TYPE (AtriumWindow, atrium_window, ATRIUM, WINDOW, AdwApplicationWindow)

AtriumWindow    *atrium_window_new            (AtriumApplication *application);
void             atrium_window_toast          (AtriumWindow      *self,
                                               const char        *text);
/* "starting", "failed", "setup", "login" or "main". */
const char      *atrium_window_get_page       (AtriumWindow      *self);
AtriumLoginPage *atrium_window_get_login_page (AtriumWindow      *self);
AdwViewStack    *atrium_window_get_view_stack (AtriumWindow      *self);
/* The text of the last toast shown (for tests), or NULL. */
const char      *atrium_window_get_last_toast (AtriumWindow      *self);
/* When the data shown was received (unix seconds), as the offline banner says; 0 while
 * it is live. */
gint64           atrium_window_get_data_time  (AtriumWindow      *self);
/* The offline banner's text while it shows, else NULL. */
const char      *atrium_window_get_offline_text (AtriumWindow    *self);

/* A toast in the window that holds @widget. */
void             atrium_toast                 (GtkWidget         *widget,
                                               const char        *text);

/* The answer of an AtriumApi call made for @widget, or NULL once its error has been said
 * in a toast of @widget's window. A cancelled call is not an error: the widget went away
 * or started over, and is not touched (it may be gone: hence a pointer, not cast). */
JsonNode        *atrium_toast_document_finish (gpointer           widget,
                                               GObject           *source,
                                               GAsyncResult      *result);

G_END_DECLS
