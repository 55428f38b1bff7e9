/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "atrium-db.h"

G_BEGIN_DECLS

#define ATRIUM_SECRETS_ERROR (atrium_secrets_error_quark ())

/**
 * AtriumSecretsError:
 * @ATRIUM_SECRETS_ERROR_UNAVAILABLE: no Secret Service answered (no session bus, no
 *   service, a locked keyring, a refused prompt); the token stays in memory only
 * @ATRIUM_SECRETS_ERROR_TIMEOUT: the Secret Service did not answer in time
 * @ATRIUM_SECRETS_ERROR_KEY_FILE: the key file or the systemd credential cannot be used
 *   (looser permissions, wrong size, unreadable); it is never replaced
 * @ATRIUM_SECRETS_ERROR_INVALID: a stored secret does not have the expected shape
 */
typedef enum
{
  ATRIUM_SECRETS_ERROR_UNAVAILABLE,
  ATRIUM_SECRETS_ERROR_TIMEOUT,
  ATRIUM_SECRETS_ERROR_KEY_FILE,
  ATRIUM_SECRETS_ERROR_INVALID,
} AtriumSecretsError;

GQuark atrium_secrets_error_quark (void);

/**
 * AtriumKeySource:
 * @ATRIUM_KEY_SOURCE_SECRET_SERVICE: the user's keyring, through libsecret
 * @ATRIUM_KEY_SOURCE_CREDENTIAL: `$CREDENTIALS_DIRECTORY/atrium-cache-key`
 * @ATRIUM_KEY_SOURCE_KEY_FILE: a 0600 key file in the data directory
 */
typedef enum
{
  ATRIUM_KEY_SOURCE_SECRET_SERVICE,
  ATRIUM_KEY_SOURCE_CREDENTIAL,
  ATRIUM_KEY_SOURCE_KEY_FILE,
} AtriumKeySource;

#define ATRIUM_SECRETS_DEFAULT_TIMEOUT_MS 5000
#define ATRIUM_SECRETS_CREDENTIAL_NAME    "atrium-cache-key"
#define ATRIUM_SECRETS_KEY_FILE_NAME      "cache.key"

#define ATRIUM_TYPE_SECRETS (atrium_secrets_get_type ())
G_DECLARE_FINAL_TYPE (AtriumSecrets, atrium_secrets, ATRIUM, SECRETS, GObject)

/* @data_dir: where the key file lives (NULL: `$XDG_DATA_HOME/atrium`); @timeout_ms: how
 * long any one Secret Service call may take (0: the default, 5 s). Every call is
 * asynchronous and returns within the timeout, whatever the Secret Service does. */
AtriumSecrets *atrium_secrets_new                  (const char           *data_dir,
                                                    guint                 timeout_ms);
const char    *atrium_secrets_get_key_file_path    (AtriumSecrets        *self);

/* The session token of @user on @server_url. With no Secret Service, storing fails with
 * UNAVAILABLE or TIMEOUT and the caller keeps the token in memory only (never a file). */
void           atrium_secrets_store_token_async    (AtriumSecrets        *self,
                                                    const char           *server_url,
                                                    const char           *user,
                                                    const char           *token,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean       atrium_secrets_store_token_finish   (AtriumSecrets        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
/* Answers NULL without an error when no token is stored; free with
 * atrium_secure_free_string(). For lookup and clear @user may be NULL: any user's token
 * on @server_url (AtriumSession keeps one a server). */
void           atrium_secrets_lookup_token_async   (AtriumSecrets        *self,
                                                    const char           *server_url,
                                                    const char           *user,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
char          *atrium_secrets_lookup_token_finish  (AtriumSecrets        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void           atrium_secrets_clear_token_async    (AtriumSecrets        *self,
                                                    const char           *server_url,
                                                    const char           *user,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean       atrium_secrets_clear_token_finish   (AtriumSecrets        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

/* The cache key: a systemd credential when one is given; else the keyring's (made
 * there on first use); else, when no Secret Service answers, the key file (made on first
 * use, 0600). Never no key: an unusable key file is an error, not a reason to go on. */
void           atrium_secrets_get_cache_key_async  (AtriumSecrets        *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean       atrium_secrets_get_cache_key_finish (AtriumSecrets        *self,
                                                    GAsyncResult         *result,
                                                    guint8                key[ATRIUM_DB_KEY_LEN],
                                                    AtriumKeySource      *source_out,
                                                    GError              **error);
/* Forgets the cache key in the keyring and deletes our key file (never the credential,
 * which is the administrator's); the cache is then rebuilt under a new key. Fails only
 * if the keyring answered with an error other than being absent. */
void           atrium_secrets_clear_cache_key_async
                                                   (AtriumSecrets        *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean       atrium_secrets_clear_cache_key_finish
                                                   (AtriumSecrets        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

G_END_DECLS
