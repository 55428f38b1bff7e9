/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-client"

#include "config.h"

#include "atrium-keyring.h"

#include <errno.h>
#include <string.h>
#include <libsecret/secret.h>
#include <glib/gstdio.h>

#include "atrium-key-file.h"
#include "atrium-random.h"

G_DEFINE_QUARK (atrium-secrets-error-quark, atrium_secrets_error)

struct _AtriumSecrets
{
  GObject  parent_instance;
  char    *data_dir;
  char    *key_file_path;
  guint    timeout_ms;
};

G_DEFINE_FINAL_TYPE (AtriumSecrets, atrium_secrets, G_TYPE_OBJECT)

#define KIND_TOKEN     "token"
#define KIND_CACHE_KEY "cache-key"

/* Our own schema: items are found by what they are, never by a label. */
static const SecretSchema *
secrets_schema (void)
{
  static const SecretSchema schema = {
    "io.atrium.Atrium.Secret", SECRET_SCHEMA_NONE,
    {
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static GHashTable *
attributes_new (const char *kind,
                const char *server_url,
                const char *user)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (gpointer) "kind", (gpointer) kind);
  if (server_url != NULL)
    g_hash_table_insert (attributes, (gpointer) "server", (gpointer) server_url);
  if (user != NULL)
    g_hash_table_insert (attributes, (gpointer) "user", (gpointer) user);
  return attributes;
}

/* ---- one Secret Service call, bounded by the timeout ------------------------------------ */

typedef enum
{
  CALL_STORE,
  CALL_LOOKUP,
  CALL_CLEAR,
} CallKind;

/* Lives as long as the last of the GTask and libsecret's callback: after a timeout the
 * task has answered, and libsecret's late answer is only collected. */
typedef struct
{
  gatomicrefcount  ref_count;
  CallKind         kind;
  GTask           *task;          /* NULL once answered */
  GCancellable    *inner;         /* handed to libsecret */
  GCancellable    *caller;
  gulong           caller_handler;
  GSource         *timeout;
  guint            timeout_ms;
} Call;

static Call *
call_ref (Call *call)
{
  g_atomic_ref_count_inc (&call->ref_count);
  return call;
}

static void
call_unref (Call *call)
{
  if (!g_atomic_ref_count_dec (&call->ref_count))
    return;
  g_assert (call->task == NULL);
  g_clear_object (&call->inner);
  g_clear_object (&call->caller);
  g_free (call);
}

/* Detaches the call from its task; answers the task stolen from it, or NULL if answered. */
static GTask *
call_take_task (Call *call)
{
  if (call->timeout != NULL)
    {
      g_source_destroy (call->timeout);
      g_clear_pointer (&call->timeout, g_source_unref);
    }
  if (call->caller_handler != 0)
    {
      g_cancellable_disconnect (call->caller, call->caller_handler);
      call->caller_handler = 0;
    }
  return g_steal_pointer (&call->task);
}

static gboolean
call_timed_out (gpointer data)
{
  Call *call = data;
  g_autoptr(GTask) task = call_take_task (call);

  if (task != NULL)
    {
      g_cancellable_cancel (call->inner);
      g_task_return_new_error (task, ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_TIMEOUT,
                               "The Secret Service did not answer within %u ms",
                               call->timeout_ms);
    }
  return G_SOURCE_REMOVE;
}

static void
call_caller_cancelled (GCancellable *cancellable,
                       gpointer      data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

static GError *
call_translate_error (Call   *call,
                      GError *error)
{
  GError *translated;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  translated = g_error_new (ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_UNAVAILABLE,
                            "The Secret Service cannot be used: %s", error->message);
  g_error_free (error);
  return translated;
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Call *call = data;
  g_autoptr(GTask) task = call_take_task (call);
  GError *error = NULL;
  char *secret = NULL;
  gboolean ok = FALSE;

  switch (call->kind)
    {
    case CALL_STORE:
      ok = secret_password_store_finish (result, &error);
      break;
    case CALL_LOOKUP:
      secret = secret_password_lookup_finish (result, &error);
      ok = error == NULL;
      break;
    case CALL_CLEAR:
      secret_password_clear_finish (result, &error);
      ok = error == NULL;
      break;
    default:
      g_assert_not_reached ();
    }

  if (task == NULL)
    {
      /* Answered already (timed out): only what libsecret handed back is dropped. */
      g_clear_error (&error);
    }
  else if (!ok)
    {
      if (error == NULL)
        error = g_error_new_literal (ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_UNAVAILABLE,
                                     "The Secret Service refused to store the secret");
      g_task_return_error (task, call_translate_error (call, error));
    }
  else if (call->kind == CALL_LOOKUP)
    {
      g_task_return_pointer (task, g_strdup (secret),
                             (GDestroyNotify) atrium_secure_free_string);
    }
  else
    {
      g_task_return_boolean (task, TRUE);
    }

  if (secret != NULL)
    secret_password_free (secret);
  call_unref (call);
}

/* Starts one call; the task answers a string (lookup, NULL if none) or a boolean. */
static void
secrets_call (AtriumSecrets       *self,
              CallKind             kind,
              GHashTable          *attributes,
              const char          *label,
              const char          *secret,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  Call *call = g_new0 (Call, 1);

  g_atomic_ref_count_init (&call->ref_count);
  call->kind = kind;
  call->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (call->task, secrets_call);
  call->inner = g_cancellable_new ();
  call->timeout_ms = self->timeout_ms;
  if (cancellable != NULL)
    {
      call->caller = g_object_ref (cancellable);
      call->caller_handler = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (call_caller_cancelled),
                                                    g_object_ref (call->inner),
                                                    g_object_unref);
    }

  call->timeout = g_timeout_source_new (self->timeout_ms);
  g_source_set_static_name (call->timeout, "atrium-secrets-timeout");
  g_source_set_callback (call->timeout, call_timed_out, call_ref (call),
                         (GDestroyNotify) call_unref);
  g_source_attach (call->timeout, g_task_get_context (call->task));

  switch (kind)
    {
    case CALL_STORE:
      secret_password_storev (secrets_schema (), attributes, SECRET_COLLECTION_DEFAULT, label,
                              secret, call->inner, call_done, call);
      break;
    case CALL_LOOKUP:
      secret_password_lookupv (secrets_schema (), attributes, call->inner, call_done, call);
      break;
    case CALL_CLEAR:
      secret_password_clearv (secrets_schema (), attributes, call->inner, call_done, call);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- the session token ------------------------------------------------------------------ */

static void
forward_boolean (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
atrium_secrets_store_token_async (AtriumSecrets       *self,
                                  const char          *server_url,
                                  const char          *user,
                                  const char          *token,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (ATRIUM_IS_SECRETS (self));
  g_return_if_fail (server_url != NULL && user != NULL && token != NULL);

  attributes = attributes_new (KIND_TOKEN, server_url, user);
  label = g_strdup_printf ("Atrium session of %s on %s", user, server_url);
  secrets_call (self, CALL_STORE, attributes, label, token, cancellable, callback, user_data);
}

gboolean
atrium_secrets_store_token_finish (AtriumSecrets  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
atrium_secrets_lookup_token_async (AtriumSecrets       *self,
                                   const char          *server_url,
                                   const char          *user,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (ATRIUM_IS_SECRETS (self));
  g_return_if_fail (server_url != NULL);

  attributes = attributes_new (KIND_TOKEN, server_url, user);
  secrets_call (self, CALL_LOOKUP, attributes, NULL, NULL, cancellable, callback, user_data);
}

char *
atrium_secrets_lookup_token_finish (AtriumSecrets  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
atrium_secrets_clear_token_async (AtriumSecrets       *self,
                                  const char          *server_url,
                                  const char          *user,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (ATRIUM_IS_SECRETS (self));
  g_return_if_fail (server_url != NULL);

  attributes = attributes_new (KIND_TOKEN, server_url, user);
  secrets_call (self, CALL_CLEAR, attributes, NULL, NULL, cancellable, callback, user_data);
}

gboolean
atrium_secrets_clear_token_finish (AtriumSecrets  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the cache key ---------------------------------------------------------------------- */

typedef struct
{
  guint8           key[ATRIUM_DB_KEY_LEN];
  AtriumKeySource  source;
  gboolean         found;
  char            *reason;        /* why the Secret Service was not used */
} KeyResult;

static void
key_result_free (KeyResult *result)
{
  atrium_secure_zero (result->key, sizeof result->key);
  g_free (result->reason);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KeyResult, key_result_free)

static char *
credential_path (void)
{
  const char *dir = g_getenv ("CREDENTIALS_DIRECTORY");

  if (dir == NULL || *dir == '\0')
    return NULL;
  return g_build_filename (dir, ATRIUM_SECRETS_CREDENTIAL_NAME, NULL);
}

static gboolean
load_key (const char  *path,
          guint8       key_out[ATRIUM_DB_KEY_LEN],
          GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (atrium_key_file_load (path, key_out, &local_error))
    return TRUE;
  g_set_error_literal (error, ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_KEY_FILE,
                       local_error->message);
  return FALSE;
}

/* Made on first use only: an existing file, even a bad one, is never replaced. */
static gboolean
load_or_create_key_file (const char  *data_dir,
                         const char  *key_file_path,
                         guint8       key_out[ATRIUM_DB_KEY_LEN],
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_KEY_FILE,
                   "Cannot create the directory %s: %s", data_dir, g_strerror (saved));
      return FALSE;
    }
  if (!atrium_key_file_create (key_file_path, &local_error) &&
      !g_error_matches (local_error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_EXISTS))
    {
      g_set_error_literal (error, ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_KEY_FILE,
                           local_error->message);
      return FALSE;
    }
  return load_key (key_file_path, key_out, error);
}

/* What a worker needs, copied: the worker holds no reference to the AtriumSecrets, which
 * may then be finalized as soon as its caller has the answer. */
typedef struct
{
  char     *data_dir;
  char     *key_file_path;
  gboolean  allow_key_file;
} LocalJob;

static void
local_job_free (LocalJob *job)
{
  g_free (job->data_dir);
  g_free (job->key_file_path);
  g_free (job);
}

/* In a worker: the credential if there is one; else, if the job allows it, the key file;
 * else nothing found. */
static void
local_key_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  LocalJob *job = task_data;
  g_autofree char *path = credential_path ();
  g_autoptr(KeyResult) result = g_new0 (KeyResult, 1);
  GError *error = NULL;

  if (path != NULL && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      result->source = ATRIUM_KEY_SOURCE_CREDENTIAL;
      result->found = load_key (path, result->key, &error);
    }
  else if (job->allow_key_file)
    {
      result->source = ATRIUM_KEY_SOURCE_KEY_FILE;
      result->found = load_or_create_key_file (job->data_dir, job->key_file_path, result->key,
                                               &error);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) key_result_free);
}

static void
run_local_key (AtriumSecrets       *self,
               gboolean             allow_key_file,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);
  LocalJob *job = g_new0 (LocalJob, 1);

  job->data_dir = g_strdup (self->data_dir);
  job->key_file_path = g_strdup (self->key_file_path);
  job->allow_key_file = allow_key_file;
  g_task_set_task_data (task, job, (GDestroyNotify) local_job_free);
  g_task_run_in_thread (task, local_key_thread);
}

static void
return_key (GTask     *task,
            KeyResult *result)
{
  AtriumSecrets *self = g_task_get_source_object (task);

  switch (result->source)
    {
    case ATRIUM_KEY_SOURCE_CREDENTIAL:
      g_message ("The cache key is taken from the systemd credential %s",
                 ATRIUM_SECRETS_CREDENTIAL_NAME);
      break;
    case ATRIUM_KEY_SOURCE_KEY_FILE:
      g_warning ("No Secret Service answered (%s): the cache key is taken from the key file "
                 "%s (mode 0600); sign-in tokens are kept in memory only",
                 result->reason != NULL ? result->reason : "unknown reason",
                 self->key_file_path);
      break;
    case ATRIUM_KEY_SOURCE_SECRET_SERVICE:
    default:
      g_debug ("The cache key is taken from the Secret Service");
      break;
    }
  g_task_return_pointer (task, result, (GDestroyNotify) key_result_free);
}

static void
fallback_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  KeyResult *local = g_task_propagate_pointer (G_TASK (result), &error);
  KeyResult *previous = g_task_get_task_data (task);

  if (local == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  local->reason = g_steal_pointer (&previous->reason);
  return_key (task, local);
}

/* The Secret Service cannot be used: the key file (or a credential appeared meanwhile). */
static void
fall_back (GTask  *task,
           GError *error)
{
  KeyResult *state = g_task_get_task_data (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  state->reason = g_strdup (error->message);
  g_error_free (error);
  run_local_key (g_task_get_source_object (task), TRUE, fallback_done, task);
}

static void
key_stored (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  GTask *task = data;
  KeyResult *state = g_task_get_task_data (task);
  GError *error = NULL;
  KeyResult *found;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      fall_back (task, error);
      return;
    }
  found = g_new0 (KeyResult, 1);
  memcpy (found->key, state->key, sizeof found->key);
  found->source = ATRIUM_KEY_SOURCE_SECRET_SERVICE;
  found->found = TRUE;
  return_key (task, found);
  g_object_unref (task);
}

static void
key_looked_up (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  GTask *task = data;
  AtriumSecrets *self = g_task_get_source_object (task);
  KeyResult *state = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = NULL;
  GError *error = NULL;
  char *hex = g_task_propagate_pointer (G_TASK (result), &error);
  KeyResult *found;

  if (error != NULL)
    {
      fall_back (task, error);
      return;
    }
  if (hex != NULL)
    {
      found = g_new0 (KeyResult, 1);
      found->source = ATRIUM_KEY_SOURCE_SECRET_SERVICE;
      found->found = atrium_hex_decode (hex, found->key, sizeof found->key, NULL) &&
                     strlen (hex) == ATRIUM_DB_KEY_LEN * 2;
      atrium_secure_free_string (hex);
      if (!found->found)
        {
          key_result_free (found);
          g_task_return_new_error (task, ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_INVALID,
                                   "The cache key in the keyring is malformed "
                                   "(expected 64 hexadecimal digits)");
        }
      else
        {
          return_key (task, found);
        }
      g_object_unref (task);
      return;
    }

  /* First use with a keyring: a fresh key, stored there. */
  atrium_random_bytes (state->key, sizeof state->key);
  hex = atrium_hex_encode (state->key, sizeof state->key);
  attributes = attributes_new (KIND_CACHE_KEY, NULL, NULL);
  secrets_call (self, CALL_STORE, attributes, "Atrium offline cache key", hex,
                g_task_get_cancellable (task), key_stored, task);
  atrium_secure_free_string (hex);
}

static void
credential_checked (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  GTask *task = data;
  AtriumSecrets *self = g_task_get_source_object (task);
  g_autoptr(GHashTable) attributes = NULL;
  GError *error = NULL;
  KeyResult *local = g_task_propagate_pointer (G_TASK (result), &error);

  if (local == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (local->found)
    {
      return_key (task, local);
      g_object_unref (task);
      return;
    }
  key_result_free (local);
  attributes = attributes_new (KIND_CACHE_KEY, NULL, NULL);
  secrets_call (self, CALL_LOOKUP, attributes, NULL, NULL, g_task_get_cancellable (task),
                key_looked_up, task);
}

void
atrium_secrets_get_cache_key_async (AtriumSecrets       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ATRIUM_IS_SECRETS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_secrets_get_cache_key_async);
  g_task_set_task_data (task, g_new0 (KeyResult, 1), (GDestroyNotify) key_result_free);
  /* A credential is the administrator's choice: taken without asking the keyring. */
  run_local_key (self, FALSE, credential_checked, task);
}

gboolean
atrium_secrets_get_cache_key_finish (AtriumSecrets    *self,
                                     GAsyncResult     *result,
                                     guint8            key_out[ATRIUM_DB_KEY_LEN],
                                     AtriumKeySource  *source_out,
                                     GError          **error)
{
  g_autoptr(KeyResult) found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return FALSE;
  memcpy (key_out, found->key, ATRIUM_DB_KEY_LEN);
  if (source_out != NULL)
    *source_out = found->source;
  return TRUE;
}

static void
unlink_key_file_thread (GTask        *task,
                        gpointer      source,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  const char *path = task_data;

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_task_return_new_error (task, ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_KEY_FILE,
                               "Cannot delete the key file %s: %s", path, g_strerror (saved));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
key_cleared (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;
  g_autoptr(GTask) unlink_task = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      !g_error_matches (error, ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_UNAVAILABLE) &&
      !g_error_matches (error, ATRIUM_SECRETS_ERROR, ATRIUM_SECRETS_ERROR_TIMEOUT))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_clear_error (&error);
  unlink_task = g_task_new (NULL, NULL, forward_boolean, task);
  g_task_set_task_data (unlink_task,
                        g_strdup (ATRIUM_SECRETS (g_task_get_source_object (task))->key_file_path),
                        g_free);
  g_task_run_in_thread (unlink_task, unlink_key_file_thread);
}

void
atrium_secrets_clear_cache_key_async (AtriumSecrets       *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  GTask *task;

  g_return_if_fail (ATRIUM_IS_SECRETS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_secrets_clear_cache_key_async);
  attributes = attributes_new (KIND_CACHE_KEY, NULL, NULL);
  secrets_call (self, CALL_CLEAR, attributes, NULL, NULL, cancellable, key_cleared, task);
}

gboolean
atrium_secrets_clear_cache_key_finish (AtriumSecrets  *self,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the object ------------------------------------------------------------------------- */

static void
atrium_secrets_finalize (GObject *object)
{
  AtriumSecrets *self = ATRIUM_SECRETS (object);

  g_free (self->data_dir);
  g_free (self->key_file_path);
  G_OBJECT_CLASS (atrium_secrets_parent_class)->finalize (object);
}

static void
atrium_secrets_class_init (AtriumSecretsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = atrium_secrets_finalize;
}

static void
atrium_secrets_init (AtriumSecrets *self)
{
}

AtriumSecrets *
atrium_secrets_new (const char *data_dir,
                    guint       timeout_ms)
{
  AtriumSecrets *self = g_object_new (ATRIUM_TYPE_SECRETS, NULL);

  self->data_dir = data_dir != NULL ? g_strdup (data_dir)
                                    : g_build_filename (g_get_user_data_dir (), "atrium", NULL);
  self->key_file_path = g_build_filename (self->data_dir, ATRIUM_SECRETS_KEY_FILE_NAME, NULL);
  self->timeout_ms = timeout_ms != 0 ? timeout_ms : ATRIUM_SECRETS_DEFAULT_TIMEOUT_MS;
  return self;
}

const char *
atrium_secrets_get_key_file_path (AtriumSecrets *self)
{
  g_return_val_if_fail (ATRIUM_IS_SECRETS (self), NULL);
  return self->key_file_path;
}
