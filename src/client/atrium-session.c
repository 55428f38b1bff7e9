/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-client"

#include "config.h"

#include "atrium-session.h"

#include "atrium-random.h"

struct _AtriumSession
{
  GObject        parent_instance;

  AtriumApi     *api;
  AtriumSecrets *secrets;
  AtriumOutbox  *outbox;
  AtriumCache   *cache;
  gulong         expired_id;
  char          *username;
};

G_DEFINE_FINAL_TYPE (AtriumSession, atrium_session, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_USERNAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_username (AtriumSession *self,
              const char    *username)
{
  if (g_strcmp0 (self->username, username) == 0)
    return;
  g_free (self->username);
  self->username = g_strdup (username);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
}

/* ---- what a session's end does here ----------------------------------------------------- */

static void
wipe_in_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (!atrium_cache_forget_personal (data, &error))
    g_warning ("The cache kept the last person's data: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

/* A kiosk's next patron never sees the last one's bookings. */
static void
wipe_personal (AtriumSession *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->cache == NULL)
    return;
  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, wipe_personal);
  g_task_set_task_data (task, g_object_ref (self->cache), g_object_unref);
  g_task_run_in_thread (task, wipe_in_thread);
}

static void
forgotten (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (!atrium_secrets_clear_token_finish (ATRIUM_SECRETS (source), result, &error))
    g_message ("The keyring still holds the ended session: %s", error->message);
}

static void
on_expired (AtriumApi     *api,
            AtriumSession *self)
{
  g_message ("The server ended the session of %s; signing in again is needed",
             self->username != NULL ? self->username : "this user");
  set_username (self, NULL);
  wipe_personal (self);
  atrium_secrets_clear_token_async (self->secrets, atrium_api_get_base_url (self->api), NULL,
                                    NULL, forgotten, NULL);
}

static void
outbox_flushed (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (!atrium_outbox_flush_finish (ATRIUM_OUTBOX (source), result, &error) &&
      !g_error_matches (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_BUSY))
    g_message ("The outbox waits: %s", error->message);
}

/* ---- restore ------------------------------------------------------------------------- */

static void
restore_me (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  AtriumSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) me = atrium_api_document_finish (ATRIUM_API (source), result, &error);

  if (me != NULL)
    {
      set_username (self, json_object_get_string_member_with_default (
                            json_node_get_object (me), "name", NULL));
      g_task_return_pointer (task, g_steal_pointer (&me), (GDestroyNotify) json_node_unref);
    }
  else if (g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED))
    {
      /* Expired or revoked while we were away; on_expired() forgets it. */
      atrium_api_set_token (self->api, NULL);
      g_task_return_pointer (task, NULL, NULL);
    }
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
restore_lookup (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GTask) task = data;
  AtriumSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *token = atrium_secrets_lookup_token_finish (ATRIUM_SECRETS (source), result, &error);
  GCancellable *cancellable;

  if (token == NULL)
    {
      if (error != NULL)
        g_message ("No session restored (%s): sign in", error->message);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  atrium_api_set_token (self->api, token);
  atrium_secure_free_string (token);
  cancellable = g_task_get_cancellable (task);
  atrium_api_get_me_async (self->api, cancellable, restore_me, g_steal_pointer (&task));
}

void
atrium_session_restore_async (AtriumSession       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ATRIUM_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_session_restore_async);
  atrium_secrets_lookup_token_async (self->secrets, atrium_api_get_base_url (self->api), NULL,
                                     cancellable, restore_lookup, task);
}

JsonNode *
atrium_session_restore_finish (AtriumSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- save ---------------------------------------------------------------------------- */

typedef struct
{
  char *username;
  char *token;
} Save;

static void
save_free (gpointer data)
{
  Save *save = data;

  g_free (save->username);
  atrium_secure_free_string (save->token);
  g_free (save);
}

static void
save_stored (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (atrium_secrets_store_token_finish (ATRIUM_SECRETS (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    {
      g_message ("The session is kept for this run only: %s", error->message);
      g_task_return_error (task, error);
    }
}

static void
save_cleared (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  AtriumSession *self = g_task_get_source_object (task);
  Save *save = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  /* One session a server: the one before (another user's, perhaps) is gone. A keyring
   * that cannot be used says so again when storing. */
  if (!atrium_secrets_clear_token_finish (ATRIUM_SECRETS (source), result, &error))
    {
      g_message ("The session is kept for this run only: %s", error->message);
      g_task_return_error (task, error);
      return;
    }
  atrium_secrets_store_token_async (self->secrets, atrium_api_get_base_url (self->api),
                                    save->username, save->token, cancellable, save_stored,
                                    g_steal_pointer (&task));
}

void
atrium_session_save_async (AtriumSession           *self,
                           const AtriumLoginResult *login,
                           GCancellable            *cancellable,
                           GAsyncReadyCallback      callback,
                           gpointer                 user_data)
{
  GTask *task;
  Save *save;
  const char *name = NULL;

  g_return_if_fail (ATRIUM_IS_SESSION (self));
  g_return_if_fail (login != NULL && login->token != NULL);

  if (login->user != NULL && JSON_NODE_HOLDS_OBJECT (login->user))
    name = json_object_get_string_member_with_default (json_node_get_object (login->user),
                                                       "name", NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_session_save_async);
  save = g_new0 (Save, 1);
  save->username = g_strdup (name != NULL ? name : "");
  save->token = g_strdup (login->token);
  g_task_set_task_data (task, save, save_free);

  atrium_api_set_token (self->api, login->token);
  set_username (self, name);
  /* What waited for a session goes now, in order. */
  if (self->outbox != NULL && atrium_outbox_get_queued (self->outbox) > 0)
    atrium_outbox_flush_async (self->outbox, self->api, NULL, outbox_flushed, NULL);

  atrium_secrets_clear_token_async (self->secrets, atrium_api_get_base_url (self->api), NULL,
                                    cancellable, save_cleared, task);
}

gboolean
atrium_session_save_finish (AtriumSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- logout -------------------------------------------------------------------------- */

static void
logout_cleared (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *server = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!atrium_secrets_clear_token_finish (ATRIUM_SECRETS (source), result, &error))
    g_message ("The keyring still holds the ended session: %s", error->message);
  if (server != NULL)
    g_task_return_error (task, g_error_copy (server));
  else
    g_task_return_boolean (task, TRUE);
}

static void
logout_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  AtriumSession *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!atrium_api_logout_finish (ATRIUM_API (source), result, &error))
    {
      g_message ("The server was not told of the sign-out: %s", error->message);
      g_task_set_task_data (task, error, (GDestroyNotify) g_error_free);
    }
  atrium_api_set_token (self->api, NULL);
  set_username (self, NULL);
  wipe_personal (self);
  /* Not the caller's cancellable: what is stored goes, whatever happens to the window. */
  atrium_secrets_clear_token_async (self->secrets, atrium_api_get_base_url (self->api), NULL,
                                    NULL, logout_cleared, g_steal_pointer (&task));
}

void
atrium_session_logout_async (AtriumSession       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ATRIUM_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_session_logout_async);
  /* Bounded by the API's timeout; a cancelled call still forgets locally. */
  atrium_api_logout_async (self->api, NULL, logout_done, task);
}

gboolean
atrium_session_logout_finish (AtriumSession  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the object ---------------------------------------------------------------------- */

AtriumSession *
atrium_session_new (AtriumApi     *api,
                    AtriumSecrets *secrets)
{
  AtriumSession *self;

  g_return_val_if_fail (ATRIUM_IS_API (api), NULL);
  g_return_val_if_fail (ATRIUM_IS_SECRETS (secrets), NULL);

  self = g_object_new (ATRIUM_TYPE_SESSION, NULL);
  self->api = g_object_ref (api);
  self->secrets = g_object_ref (secrets);
  self->expired_id = g_signal_connect (api, "session-expired", G_CALLBACK (on_expired), self);
  return self;
}

void
atrium_session_set_outbox (AtriumSession *self,
                           AtriumOutbox  *outbox)
{
  g_return_if_fail (ATRIUM_IS_SESSION (self));
  g_return_if_fail (outbox == NULL || ATRIUM_IS_OUTBOX (outbox));

  g_set_object (&self->outbox, outbox);
}

void
atrium_session_set_cache (AtriumSession *self,
                          AtriumCache   *cache)
{
  g_return_if_fail (ATRIUM_IS_SESSION (self));
  g_return_if_fail (cache == NULL || ATRIUM_IS_CACHE (cache));

  g_set_object (&self->cache, cache);
}

const char *
atrium_session_get_username (AtriumSession *self)
{
  g_return_val_if_fail (ATRIUM_IS_SESSION (self), NULL);

  return self->username;
}

static void
atrium_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AtriumSession *self = ATRIUM_SESSION (object);

  switch (prop_id)
    {
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_session_dispose (GObject *object)
{
  AtriumSession *self = ATRIUM_SESSION (object);

  if (self->api != NULL)
    g_clear_signal_handler (&self->expired_id, self->api);
  g_clear_object (&self->api);
  g_clear_object (&self->secrets);
  g_clear_object (&self->outbox);
  g_clear_object (&self->cache);
  G_OBJECT_CLASS (atrium_session_parent_class)->dispose (object);
}

static void
atrium_session_finalize (GObject *object)
{
  AtriumSession *self = ATRIUM_SESSION (object);

  g_free (self->username);
  G_OBJECT_CLASS (atrium_session_parent_class)->finalize (object);
}

static void
atrium_session_class_init (AtriumSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = atrium_session_get_property;
  object_class->dispose = atrium_session_dispose;
  object_class->finalize = atrium_session_finalize;

  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
atrium_session_init (AtriumSession *self)
{
}
