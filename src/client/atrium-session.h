/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-api.h"
#include "atrium-cache.h"
#include "atrium-keyring.h"
#include "atrium-outbox.h"

G_BEGIN_DECLS

/*
 * The signed-in session between runs (issue 6 §2): its token kept in the keyring (one a
 * server, never in a file; with no Secret Service the session lasts for this run only),
 * restored at start, saved once the sign-in (and its second factor) is done, forgotten
 * at sign-out and when the server says it expired (AtriumApi::session-expired).
 *
 * Work queued in the outbox is never dropped for an expired session: it waits, and is
 * sent again once a new session is saved. With a cache set (a kiosk), the person's data
 * in it is wiped whenever the session ends.
 */

#define ATRIUM_TYPE_SESSION (atrium_session_get_type ())
G_DECLARE_FINAL_TYPE (AtriumSession, atrium_session, ATRIUM, SESSION, GObject)

AtriumSession *atrium_session_new             (AtriumApi            *api,
                                               AtriumSecrets        *secrets);
void           atrium_session_set_outbox      (AtriumSession        *self,
                                               AtriumOutbox         *outbox);
void           atrium_session_set_cache       (AtriumSession        *self,
                                               AtriumCache          *cache);
/* Who is signed in ("username" notifies); NULL when nobody is. */
const char    *atrium_session_get_username    (AtriumSession        *self);

/* At start: the stored token, checked with GET /api/v1/me. Finishes with the profile;
 * NULL without an error when there is nothing to restore (none stored, no Secret
 * Service, or the server refused it: sign in). NULL with the #ATRIUM_API_ERROR when the
 * server could not say (OFFLINE…): the token is kept in the AtriumApi, the app goes on
 * from its cache. */
void           atrium_session_restore_async   (AtriumSession        *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
JsonNode      *atrium_session_restore_finish  (AtriumSession        *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* After atrium_api_login_finish() or atrium_api_verify_code_finish() gave a session
 * (@login->token set): keeps it in the keyring, and starts sending what the outbox holds.
 * FALSE with an #ATRIUM_SECRETS_ERROR when the keyring could not keep it (the session
 * works for this run). */
void           atrium_session_save_async      (AtriumSession        *self,
                                               const AtriumLoginResult *login,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean       atrium_session_save_finish     (AtriumSession        *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* Ends the session on the server and forgets it here (token, keyring, the cache's
 * personal data). Forgotten here whatever the server says; FALSE with its error when it
 * could not be told (offline): the server lets the session expire. */
void           atrium_session_logout_async    (AtriumSession        *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean       atrium_session_logout_finish   (AtriumSession        *self,
                                               GAsyncResult         *result,
                                               GError              **error);

G_END_DECLS
