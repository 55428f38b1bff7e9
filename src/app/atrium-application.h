/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "atrium-alerts.h"
#include "atrium-api.h"
#include "atrium-embedded.h"
#include "atrium-keyring.h"
#include "atrium-live-client.h"

G_BEGIN_DECLS

/*
 * The application owns the connection to the data: the embedded backend (demo, or the
 * data of this computer) or a server, the AtriumApi that reaches it, the live feed, and
 * who is signed in. Windows follow its "backend-state" and "user" properties.
 */

typedef enum
{
  ATRIUM_BACKEND_NONE,       /* nothing chosen yet: the first-run page asks */
  ATRIUM_BACKEND_STARTING,   /* the embedded server is starting */
  ATRIUM_BACKEND_READY,      /* the API can be used */
  ATRIUM_BACKEND_FAILED,     /* see atrium_application_get_backend_error() */
} AtriumBackendState;

#define ATRIUM_TYPE_APPLICATION (atrium_application_get_type ())
G_DECLARE_FINAL_TYPE (AtriumApplication, atrium_application, ATRIUM, APPLICATION,
                      AdwApplication)

void               atrium_application_setup_i18n (void);
AtriumApplication *atrium_application_new        (GApplicationFlags  flags);
gboolean           atrium_application_get_kiosk  (AtriumApplication *self);
gboolean           atrium_application_get_demo   (AtriumApplication *self);
const char        *atrium_application_get_server (AtriumApplication *self);

/* What `--demo` does (before the first activation); @config_file (nullable): a server
 * configuration for the demo backend, which the UI tests use to set its policies. */
void               atrium_application_set_kiosk  (AtriumApplication *self,
                                                  gboolean           kiosk);
void               atrium_application_use_demo   (AtriumApplication *self,
                                                  const char        *config_file);
/* The first run's "on this computer": the embedded backend on its own data, remembered
 * in the settings ("this-computer") for the next start. */
void               atrium_application_use_this_computer (AtriumApplication *self);
gboolean           atrium_application_get_this_computer (AtriumApplication *self);
/* Signs out, disconnects and goes back to the first-run page (its choice is changed
 * there); the menu's "Change Where the Data Is…". */
void               atrium_application_choose_again      (AtriumApplication *self);

AtriumBackendState atrium_application_get_backend_state (AtriumApplication *self);
const GError      *atrium_application_get_backend_error (AtriumApplication *self);
/* Starts the chosen backend (embedded demo or server); safe to call again after a
 * failure. */
void               atrium_application_connect          (AtriumApplication *self);
AtriumApi         *atrium_application_new_api          (AtriumApplication  *self,
                                                        GError            **error);
/* Stops the live feed and the embedded server (the application's shutdown does it). */
void               atrium_application_disconnect       (AtriumApplication *self);

AtriumApi         *atrium_application_get_api       (AtriumApplication *self);
AtriumEmbedded    *atrium_application_get_embedded  (AtriumApplication *self);
/* Where the cache key is kept for this backend (the demo's data directory, else the
 * keyring or the user's key file). */
AtriumSecrets     *atrium_application_new_secrets   (AtriumApplication *self);
/* The key of atrium_secrets_get_cache_key_async() on that, or FALSE after a warning
 * (none when cancelled) that there is no key for @what. */
gboolean           atrium_application_cache_key_finish (GObject      *source,
                                                        GAsyncResult *result,
                                                        guint8        key[ATRIUM_DB_KEY_LEN],
                                                        const char   *what);
/* The path of a store file @name: in the demo's data directory, else in
 * `$XDG_CACHE_HOME/atrium` (@cache) or `$XDG_DATA_HOME/atrium`; the directory is made. */
char              *atrium_application_store_path    (AtriumApplication *self,
                                                     gboolean           cache,
                                                     const char        *name);
/* The same for a user's own store (outbox, cache): with a remote server, in a directory
 * of that server's, so that what was queued for one is never sent to another. */
char              *atrium_application_user_store_path (AtriumApplication *self,
                                                       gboolean           cache,
                                                       const char        *name);
AtriumLiveClient  *atrium_application_get_live      (AtriumApplication *self);
/* The user's occupancy alerts, watching the live feed's spaces; NULL on a kiosk. */
AtriumAlerts      *atrium_application_get_alerts    (AtriumApplication *self);
/* A new HTTP session on the API's transport (the embedded server's socket or the
 * network), for transfers the API does not make itself (export downloads). */
SoupSession       *atrium_application_new_session   (AtriumApplication *self);

/* Signing in: the session of a successful login or second factor. The profile
 * (`GET /me`) is then fetched and "user" notified. */
void               atrium_application_signed_in     (AtriumApplication       *self,
                                                     const AtriumLoginResult *result);
void               atrium_application_sign_out      (AtriumApplication       *self);
/* TRUE after the server ended the session (expired or revoked) until the next
 * sign-in: the UI says so on its sign-in page. */
gboolean           atrium_application_get_session_expired (AtriumApplication    *self);
/* The signed-in user's profile (`GET /me`), or NULL. */
JsonObject        *atrium_application_get_user      (AtriumApplication       *self);
/* Whether the user holds @role ("patron", "staff", "manager", "admin"…), on any site. */
gboolean           atrium_application_has_role      (AtriumApplication       *self,
                                                     const char              *role);
/* The sites the user has @role on (gint64), in the profile's order. */
GArray            *atrium_application_get_role_sites (AtriumApplication      *self,
                                                      const char             *role);

G_END_DECLS
