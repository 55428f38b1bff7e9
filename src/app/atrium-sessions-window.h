/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "atrium-api.h"

G_BEGIN_DECLS

#define ATRIUM_TYPE_SESSIONS_WINDOW (atrium_sessions_window_get_type ())
G_DECLARE_FINAL_TYPE (AtriumSessionsWindow, atrium_sessions_window, ATRIUM, SESSIONS_WINDOW,
                      AdwWindow)

/* A modal window over @parent's listing sessions, each with when it began and was last
 * used, from where and with what, and whether the second factor was done. With @user_id
 * (an administrator's view of the user @name) each can be signed out, and all at once;
 * with 0 they are the caller's own, and the current one is marked and cannot be signed
 * out from here. Every sign-out asks first. Shown at once; it reads the list itself. */
GtkWindow  *atrium_sessions_window_new      (GtkWidget            *parent,
                                             AtriumApi            *api,
                                             gint64                user_id,
                                             const char           *name);
/* The list of sessions; each row has its session's id in the object data "session-id"
 * (a gint64 pointer) and "current" set on the caller's own. */
GtkListBox *atrium_sessions_window_get_list (AtriumSessionsWindow *self);
/* TRUE once the list was read (again) since the last change. */
gboolean    atrium_sessions_window_is_ready (AtriumSessionsWindow *self);

G_END_DECLS
