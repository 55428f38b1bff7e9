/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "atrium-api.h"
#include "atrium-embedded.h"

G_BEGIN_DECLS

/*
 * Signing in: the user name and password, then the second factor when the server asks
 * for one (a TOTP code by default, or a code sent by email or SMS, which can be sent
 * again after a countdown). Emits "signed-in" with the session. In the demo it lists
 * the demo accounts and shows the current code of the chosen one.
 */

#define ATRIUM_TYPE_LOGIN_PAGE (atrium_login_page_get_type ())
G_DECLARE_FINAL_TYPE (AtriumLoginPage, atrium_login_page, ATRIUM, LOGIN_PAGE, GtkWidget)

GtkWidget  *atrium_login_page_new            (void);
void        atrium_login_page_set_api        (AtriumLoginPage *self,
                                              AtriumApi       *api);
/* @embedded (nullable): a demo backend whose accounts the page offers. */
void        atrium_login_page_set_demo       (AtriumLoginPage *self,
                                              AtriumEmbedded  *embedded);
/* The occupancy kept from an earlier session (GET /sites and GET /occupancy documents,
 * fetched at @fetched_at, unix seconds), listed under the form while the server cannot
 * be reached, with its age; NULL documents: none. */
void        atrium_login_page_set_kept       (AtriumLoginPage *self,
                                              JsonNode        *sites,
                                              JsonNode        *occupancy,
                                              gint64           fetched_at);
/* For tests: the age said over that list while it shows, else NULL. */
const char *atrium_login_page_get_kept_text  (AtriumLoginPage *self);
/* Back to an empty first step, with @message (nullable) shown, e.g. "session expired". */
void        atrium_login_page_reset          (AtriumLoginPage *self,
                                              const char      *message);
/* "password" or "code". */
const char *atrium_login_page_get_step       (AtriumLoginPage *self);
/* The error shown, or NULL. */
const char *atrium_login_page_get_error      (AtriumLoginPage *self);

/* Seconds before a code can be sent again. */
#define ATRIUM_LOGIN_RESEND_SECONDS 30

G_END_DECLS
