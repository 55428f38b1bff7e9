/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-application.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "atrium-alerts.h"
#include "atrium-kiosk-window.h"
#include "atrium-password.h"
#include "atrium-keyring.h"
#include "atrium-random.h"
#include "atrium-session.h"
#include "atrium-window.h"

struct _AtriumApplication
{
  AdwApplication parent_instance;

  gboolean kiosk;
  gboolean demo;
  gboolean this_computer;    /* the embedded backend on $XDG_DATA_HOME/atrium */
  char    *server;
  char    *demo_config;
  gboolean print_demo_accounts;

  AtriumBackendState backend_state;
  GError            *backend_error;
  GCancellable      *cancellable;
  AtriumEmbedded    *embedded;
  AtriumApi         *api;
  AtriumSession     *session;        /* the keyring's copy of the token; not in the demo */
  gboolean           session_expired;
  SoupSession       *live_session;
  AtriumLiveClient  *live;
  JsonNode          *user;
  AtriumAlerts      *alerts;         /* not on a kiosk */
};

G_DEFINE_FINAL_TYPE (AtriumApplication, atrium_application, ADW_TYPE_APPLICATION)

enum
{
  PROP_0,
  PROP_BACKEND_STATE,
  PROP_USER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const GOptionEntry option_entries[] = {
  { "kiosk", 'k', 0, G_OPTION_ARG_NONE, NULL,
    N_("Run as a full-screen public terminal"), NULL },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Use the built-in backend with throwaway demo data"), NULL },
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Address of the Atrium server to use"), N_("URL") },
  { "set-kiosk-pin", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Read the staff PIN that closes the kiosk from standard input, and keep its hash"),
    NULL },
  { NULL }
};

static gboolean
is_acceptable_server_url (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 &&
         g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

/* `atrium --set-kiosk-pin`: the PIN on one line of standard input (6 to 12 digits), its
 * Argon2id hash in the kiosk's settings; the PIN itself is kept nowhere. */
static int
atrium_application_set_kiosk_pin_from_stdin (void)
{
  AtriumPasswordParams params = ATRIUM_PASSWORD_PARAMS_DEFAULT;
  g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  char line[64] = "";
  gsize length;
  gboolean digits = TRUE;

  if (fgets (line, sizeof line, stdin) == NULL)
    line[0] = '\0';
  length = strcspn (line, "\r\n");
  line[length] = '\0';
  for (gsize i = 0; i < length; i++)
    digits &= g_ascii_isdigit (line[i]);
  if (!digits || length < 6 || length > 12)
    {
      atrium_secure_zero (line, sizeof line);
      g_printerr (_("atrium: the kiosk’s staff PIN is 6 to 12 digits, on one line of "
                    "standard input\n"));
      return 2;
    }
  hash = atrium_password_hash (line, &params, &error);
  atrium_secure_zero (line, sizeof line);
  if (hash == NULL)
    {
      g_printerr ("atrium: %s\n", error->message);
      return 1;
    }
  g_settings_set_string (settings, "kiosk-staff-pin", hash);
  g_settings_sync ();
  g_print (_("The kiosk’s staff PIN is set.\n"));
  return 0;
}

static int
atrium_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  AtriumApplication *self = ATRIUM_APPLICATION (app);
  const char *server = NULL;

  if (g_variant_dict_contains (options, "set-kiosk-pin"))
    return atrium_application_set_kiosk_pin_from_stdin ();
  self->kiosk = g_variant_dict_contains (options, "kiosk");
  self->demo = g_variant_dict_contains (options, "demo");
  /* `atrium --demo` says its accounts on standard output, as `atrium-server demo` does,
   * so that a person (or a test driving the app from outside) can sign in. */
  self->print_demo_accounts = self->demo;
  if (g_variant_dict_lookup (options, "server", "&s", &server))
    {
      if (!is_acceptable_server_url (server))
        {
          g_printerr (_("atrium: “%s” is not a server address; expected https://host[:port]\n"),
                      server);
          return 2;
        }
      if (self->demo)
        {
          g_printerr (_("atrium: --demo and --server cannot be used together\n"));
          return 2;
        }
      g_free (self->server);
      self->server = g_strdup (server);
    }

  return -1;
}

static void
set_backend_state (AtriumApplication  *self,
                   AtriumBackendState  state,
                   const GError       *error)
{
  g_clear_error (&self->backend_error);
  if (error != NULL)
    self->backend_error = g_error_copy (error);
  self->backend_state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKEND_STATE]);
}

/* A session on the API's transport: the embedded server's socket or the network. */
SoupSession *
atrium_application_new_session (AtriumApplication *self)
{
  SoupSession *session;

  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  if (self->embedded != NULL)
    session = soup_session_new_with_options (
      "remote-connectable", atrium_embedded_get_connectable (self->embedded), NULL);
  else
    session = soup_session_new ();
  soup_session_set_user_agent (session, "Atrium/" PACKAGE_VERSION);
  return session;
}

/* The live feed shares the API's transport: the embedded server's socket or the
 * network. It is made at the first sign-in (it needs a token) and kept across the
 * next ones, so that the views bound to its models stay bound. */
static void
start_live_client (AtriumApplication *self)
{
  const char *token = atrium_api_get_token (self->api);

  if (self->live != NULL)
    {
      atrium_live_client_set_token (self->live, token);
      atrium_live_client_start (self->live);
      return;
    }
  self->live_session = atrium_application_new_session (self);
  self->live = atrium_live_client_new (self->live_session, atrium_api_get_base_url (self->api),
                                       token);
  if (self->alerts != NULL)
    atrium_alerts_set_model (self->alerts, atrium_live_client_get_spaces (self->live));
  atrium_live_client_start (self->live);
}

static void
forget_user (AtriumApplication *self)
{
  if (self->live != NULL)
    atrium_live_client_stop (self->live);
  if (self->user != NULL)
    {
      g_clear_pointer (&self->user, json_node_unref);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
    }
}

static void
set_user (AtriumApplication *self,
          JsonNode          *me)
{
  g_clear_pointer (&self->user, json_node_unref);
  self->user = json_node_ref (me);
  self->session_expired = FALSE;
  start_live_client (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
}

/* The server ended the session (it expired, or was revoked): back to signing in. What
 * the user was doing stays on screen, and the outbox keeps what it holds until the
 * next sign-in (AtriumSession). */
static void
session_expired (AtriumApplication *self)
{
  g_message ("The session ended on the server; signing in again");
  self->session_expired = TRUE;
  forget_user (self);
}

gboolean
atrium_application_get_session_expired (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), FALSE);

  return self->session_expired;
}

static void
session_restored (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(AtriumApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) me = atrium_session_restore_finish (ATRIUM_SESSION (source), result,
                                                         &error);

  if (me != NULL && self->user == NULL)
    set_user (self, me);
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("The stored session could not be checked: %s", error->message);
}

/* A kiosk's device token (`atrium-server kiosk-add`) on a real server: in a file only
 * the kiosk's account may read, since a kiosk on auto-login has a locked keyring. */
static char *
read_kiosk_token (GError **error)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "atrium", "kiosk-token",
                                            NULL);
  g_autofree char *text = NULL;
  GStatBuf info;

  if (g_stat (path, &info) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("This kiosk has no device token: put the token printed by "
                     "“atrium-server kiosk-add” in %s, readable only by this account."), path);
      return NULL;
    }
  if ((info.st_mode & 077) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   _("The kiosk’s device token in %s may be read by other accounts: make "
                     "it readable only by this one (chmod 600)."), path);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  g_strstrip (text);
  if (*text == '\0' || strchr (text, '\n') != NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("The kiosk’s device token in %s is not one line of text."), path);
      return NULL;
    }
  return g_steal_pointer (&text);
}

/* A kiosk signs in as its device, never as a person: the demo's own kiosk, or the token
 * of a real one. The live feed starts at once, for the board. */
static gboolean
kiosk_ready (AtriumApplication  *self,
             GError            **error)
{
  g_autofree char *token = NULL;

  if (self->embedded != NULL)
    token = g_strdup (atrium_embedded_get_demo_kiosk_token (self->embedded));
  else
    token = read_kiosk_token (error);
  if (token == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                             _("The built-in server has no kiosk."));
      return FALSE;
    }
  atrium_api_set_token (self->api, token);
  start_live_client (self);
  return TRUE;
}

/* A server's API is ready: its signal of an ended session is followed, and outside the
 * demo the session kept in the keyring is tried first. */
static void
api_ready (AtriumApplication *self)
{
  g_signal_connect_object (self->api, "session-expired", G_CALLBACK (session_expired), self,
                           G_CONNECT_SWAPPED);
  if (self->demo || self->kiosk)
    return;
  {
    /* The keyring, or the key file beside the embedded backend's data. */
    g_autoptr(AtriumSecrets) secrets = atrium_secrets_new (
      self->embedded != NULL ? atrium_embedded_get_data_dir (self->embedded) : NULL, 0);

    self->session = atrium_session_new (self->api, secrets);
  }
  atrium_session_restore_async (self->session, self->cancellable, session_restored,
                                g_object_ref (self));
}

static void
print_demo_accounts (AtriumEmbedded *embedded)
{
  guint n = 0;
  const AtriumDemoAccount *accounts = atrium_embedded_get_demo_accounts (embedded, &n);

  g_print ("Demo accounts (this run only):\n");
  for (guint i = 0; i < n; i++)
    {
      g_print ("  %-15s %-10s password %s\n", accounts[i].name, accounts[i].role,
               accounts[i].password);
      if (accounts[i].totp_uri != NULL)
        g_print ("  %15s second factor: %s\n", "", accounts[i].totp_uri);
    }
}

static void
embedded_started (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(AtriumApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!atrium_embedded_start_finish (ATRIUM_EMBEDDED (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("The built-in server did not start: %s", error->message);
      g_clear_object (&self->embedded);
      set_backend_state (self, ATRIUM_BACKEND_FAILED, error);
      return;
    }
  self->api = atrium_api_new_for_unix_socket (
    atrium_embedded_get_socket_path (self->embedded));
  if (self->kiosk && !kiosk_ready (self, &error))
    {
      set_backend_state (self, ATRIUM_BACKEND_FAILED, error);
      return;
    }
  api_ready (self);
  set_backend_state (self, ATRIUM_BACKEND_READY, NULL);
  if (self->print_demo_accounts)
    print_demo_accounts (self->embedded);
}

/* Another API object on the same backend, with no token: the kiosk's patron signs in on
 * one of these, so that the kiosk's own token is never theirs. */
AtriumApi *
atrium_application_new_api (AtriumApplication  *self,
                            GError            **error)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(AtriumApi) api = NULL;
  g_autofree char *url = NULL;
  g_autofree char *pin = NULL;

  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  if (self->embedded != NULL)
    return atrium_api_new_for_unix_socket (atrium_embedded_get_socket_path (self->embedded));
  settings = g_settings_new (BASE_APPLICATION_ID);
  url = self->server != NULL ? g_strdup (self->server)
                             : g_settings_get_string (settings, "server-url");
  api = atrium_api_new (url, error);
  if (api == NULL)
    return NULL;
  pin = g_settings_get_string (settings, "server-certificate-pin");
  if (*pin != '\0' && !atrium_api_set_pinned_fingerprint (api, pin, error))
    return NULL;
  return g_steal_pointer (&api);
}

void
atrium_application_connect (AtriumApplication *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (ATRIUM_IS_APPLICATION (self));

  if (self->backend_state == ATRIUM_BACKEND_STARTING ||
      self->backend_state == ATRIUM_BACKEND_READY)
    return;

  settings = g_settings_new (BASE_APPLICATION_ID);
  /* Not a kiosk: its device token is the demo's, or a real server's. */
  if (!self->demo && !self->kiosk && self->server == NULL &&
      g_settings_get_boolean (settings, "this-computer"))
    self->this_computer = TRUE;
  if (self->demo || self->this_computer)
    {
      self->embedded = atrium_embedded_new (self->demo, self->demo ? self->demo_config : NULL);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      set_backend_state (self, ATRIUM_BACKEND_STARTING, NULL);
      atrium_embedded_start_async (self->embedded, self->cancellable, embedded_started,
                                   g_object_ref (self));
      return;
    }

  url = self->server != NULL ? g_strdup (self->server)
                             : g_settings_get_string (settings, "server-url");
  if (*url == '\0')
    {
      set_backend_state (self, ATRIUM_BACKEND_NONE, NULL);
      return;
    }
  self->api = atrium_application_new_api (self, &error);
  if (self->api == NULL || (self->kiosk && !kiosk_ready (self, &error)))
    {
      set_backend_state (self, ATRIUM_BACKEND_FAILED, error);
      return;
    }
  api_ready (self);
  set_backend_state (self, ATRIUM_BACKEND_READY, NULL);
}

/* Before the first activation, as `--kiosk` does: the public terminal's window. */
void
atrium_application_set_kiosk (AtriumApplication *self,
                              gboolean           kiosk)
{
  g_return_if_fail (ATRIUM_IS_APPLICATION (self));
  g_return_if_fail (self->backend_state == ATRIUM_BACKEND_NONE);

  self->kiosk = kiosk;
}

void
atrium_application_use_demo (AtriumApplication *self,
                             const char        *config_file)
{
  g_return_if_fail (ATRIUM_IS_APPLICATION (self));
  g_return_if_fail (self->backend_state == ATRIUM_BACKEND_NONE);

  self->demo = TRUE;
  self->this_computer = FALSE;
  g_clear_pointer (&self->server, g_free);
  g_free (self->demo_config);
  self->demo_config = g_strdup (config_file);
}

void
atrium_application_use_this_computer (AtriumApplication *self)
{
  g_autoptr(GSettings) settings = NULL;

  g_return_if_fail (ATRIUM_IS_APPLICATION (self));
  g_return_if_fail (self->backend_state == ATRIUM_BACKEND_NONE);

  self->demo = FALSE;
  self->this_computer = TRUE;
  g_clear_pointer (&self->server, g_free);
  settings = g_settings_new (BASE_APPLICATION_ID);
  g_settings_set_boolean (settings, "this-computer", TRUE);
}

static void
forget_backend (AtriumApplication *self)
{
  atrium_application_disconnect (self);
  self->demo = FALSE;
  self->this_computer = FALSE;
  self->print_demo_accounts = FALSE;
  g_clear_pointer (&self->server, g_free);
  set_backend_state (self, ATRIUM_BACKEND_NONE, NULL);
}

/* The backend stops once the server has ended the session (or failed to): stopped
 * first, the request would fail and the pages say the server cannot be reached. */
static void
logged_out_for_choice (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(AtriumApplication) self = user_data;

  if (ATRIUM_IS_SESSION (source))
    atrium_session_logout_finish (ATRIUM_SESSION (source), result, NULL);
  else
    atrium_api_logout_finish (ATRIUM_API (source), result, NULL);
  forget_backend (self);
}

void
atrium_application_choose_again (AtriumApplication *self)
{
  g_return_if_fail (ATRIUM_IS_APPLICATION (self));
  g_return_if_fail (!self->kiosk);

  self->session_expired = FALSE;
  if (self->session != NULL && self->user != NULL)
    atrium_session_logout_async (self->session, NULL, logged_out_for_choice,
                                 g_object_ref (self));
  else if (self->api != NULL && atrium_api_get_token (self->api) != NULL)
    atrium_api_logout_async (self->api, NULL, logged_out_for_choice, g_object_ref (self));
  else
    {
      forget_user (self);
      forget_backend (self);
      return;
    }
  forget_user (self);
}

gboolean
atrium_application_get_this_computer (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), FALSE);
  return self->this_computer;
}

static void
me_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AtriumApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) me = atrium_api_document_finish (ATRIUM_API (source), result, &error);

  if (me == NULL)
    {
      g_warning ("The profile could not be read: %s", error->message);
      atrium_application_sign_out (self);
      return;
    }
  set_user (self, me);
}

void
atrium_application_signed_in (AtriumApplication       *self,
                              const AtriumLoginResult *result)
{
  g_return_if_fail (ATRIUM_IS_APPLICATION (self));
  g_return_if_fail (self->api != NULL);
  g_return_if_fail (result != NULL && result->token != NULL);

  atrium_api_set_token (self->api, result->token);
  /* Kept in the keyring for the next run; a keyring that cannot keep it leaves the
   * session to this run (AtriumSession logs why). */
  if (self->session != NULL)
    atrium_session_save_async (self->session, result, self->cancellable, NULL, NULL);
  atrium_api_get_me_async (self->api, self->cancellable, me_fetched, g_object_ref (self));
}

void
atrium_application_sign_out (AtriumApplication *self)
{
  g_return_if_fail (ATRIUM_IS_APPLICATION (self));

  self->session_expired = FALSE;
  if (self->session != NULL)
    atrium_session_logout_async (self->session, NULL, NULL, NULL);
  else if (self->api != NULL && atrium_api_get_token (self->api) != NULL)
    {
      atrium_api_logout_async (self->api, NULL, NULL, NULL);
      atrium_api_set_token (self->api, NULL);
    }
  forget_user (self);
}

JsonObject *
atrium_application_get_user (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  return self->user != NULL ? json_node_get_object (self->user) : NULL;
}

/* The profile's first {"role", "site"} grant of @role. */
static JsonObject *
find_role (AtriumApplication *self,
           const char        *role)
{
  JsonObject *user = atrium_application_get_user (self);
  JsonArray *roles;

  if (user == NULL || !json_object_has_member (user, "roles"))
    return NULL;
  roles = json_object_get_array_member (user, "roles");
  for (guint i = 0; roles != NULL && i < json_array_get_length (roles); i++)
    {
      JsonNode *node = json_array_get_element (roles, i);
      JsonObject *grant;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      grant = json_node_get_object (node);
      if (g_strcmp0 (json_object_get_string_member_with_default (grant, "role", ""),
                     role) == 0)
        return grant;
    }
  return NULL;
}

gboolean
atrium_application_has_role (AtriumApplication *self,
                             const char        *role)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), FALSE);

  return find_role (self, role) != NULL;
}

GArray *
atrium_application_get_role_sites (AtriumApplication *self,
                                   const char        *role)
{
  GArray *sites = g_array_new (FALSE, FALSE, sizeof (gint64));
  JsonObject *user;
  JsonArray *roles;

  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), sites);

  user = atrium_application_get_user (self);
  roles = user != NULL && json_object_has_member (user, "roles")
          ? json_object_get_array_member (user, "roles") : NULL;
  for (guint i = 0; roles != NULL && i < json_array_get_length (roles); i++)
    {
      JsonObject *grant = json_array_get_object_element (roles, i);
      gint64 site;

      if (grant == NULL ||
          g_strcmp0 (json_object_get_string_member_with_default (grant, "role", ""), role) != 0)
        continue;
      site = json_object_get_int_member_with_default (grant, "site", 0);
      if (site > 0)
        g_array_append_val (sites, site);
    }
  return sites;
}

AtriumBackendState
atrium_application_get_backend_state (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), ATRIUM_BACKEND_NONE);

  return self->backend_state;
}

const GError *
atrium_application_get_backend_error (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  return self->backend_error;
}

AtriumApi *
atrium_application_get_api (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  return self->api;
}

AtriumEmbedded *
atrium_application_get_embedded (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  return self->embedded;
}

/* The demo's stores go with its data; an institution's are the user's. */
AtriumSecrets *
atrium_application_new_secrets (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  return atrium_secrets_new (self->embedded != NULL
                             ? atrium_embedded_get_data_dir (self->embedded) : NULL, 0);
}

gboolean
atrium_application_cache_key_finish (GObject      *source,
                                     GAsyncResult *result,
                                     guint8        key[ATRIUM_DB_KEY_LEN],
                                     const char   *what)
{
  g_autoptr(GError) error = NULL;

  if (atrium_secrets_get_cache_key_finish (ATRIUM_SECRETS (source), result, key, NULL,
                                           &error))
    return TRUE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("No key for %s: %s", what, error->message);
  return FALSE;
}

char *
atrium_application_store_path (AtriumApplication *self,
                               gboolean           cache,
                               const char        *name)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  if (self->embedded != NULL)
    dir = g_strdup (atrium_embedded_get_data_dir (self->embedded));
  else
    dir = g_build_filename (cache ? g_get_user_cache_dir () : g_get_user_data_dir (),
                            "atrium", NULL);
  path = g_build_filename (dir, name, NULL);
  g_free (dir);
  /* A new account has no data directory yet (and @name may hold one more). */
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_warning ("Cannot make %s: %s", dir, g_strerror (errno));
  return g_steal_pointer (&path);
}

char *
atrium_application_user_store_path (AtriumApplication *self,
                                    gboolean           cache,
                                    const char        *name)
{
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *url = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *server_name = NULL;

  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  /* The embedded backend's data directory is its own already. */
  if (self->embedded != NULL)
    return atrium_application_store_path (self, cache, name);
  settings = g_settings_new (BASE_APPLICATION_ID);
  url = self->server != NULL ? g_strdup (self->server)
                             : g_settings_get_string (settings, "server-url");
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
  server_name = g_strdup_printf ("server-%.16s%c%s", digest, G_DIR_SEPARATOR, name);
  return atrium_application_store_path (self, cache, server_name);
}

AtriumLiveClient *
atrium_application_get_live (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  return self->live;
}

AtriumAlerts *
atrium_application_get_alerts (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  return self->alerts;
}

static void
atrium_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL && ATRIUM_APPLICATION (app)->kiosk)
    window = GTK_WINDOW (atrium_kiosk_window_new (ATRIUM_APPLICATION (app)));
  else if (window == NULL)
    window = GTK_WINDOW (atrium_window_new (ATRIUM_APPLICATION (app)));
  gtk_window_present (window);
  atrium_application_connect (ATRIUM_APPLICATION (app));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Atrium developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "modal", TRUE,
                        "application-icon", APPLICATION_ID,
                        "application-name", _("Atrium"),
                        "developer-name", _("The Atrium developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Live occupancy, waiting times and bookings "
                                      "for libraries"),
                        "developers", developers,
                        "translator-credits", _("translator-credits"),
                        "copyright", "© 2026 The Atrium developers",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* Without a help viewer the window says so, rather than a warning on stderr. */
static void
help_shown (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GtkWindow *window = source != NULL ? GTK_WINDOW (source) : NULL;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (window, result, &error) && ATRIUM_IS_WINDOW (window))
    {
      g_autofree char *text = g_strdup_printf (_("The help cannot be shown: %s"),
                                               error->message);

      atrium_window_toast (ATRIUM_WINDOW (window), text);
    }
}

/* The pages installed by help/ under the project's name; Yelp shows them. */
static void
help_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);

  gtk_show_uri_full (gtk_application_get_active_window (app), "help:" PACKAGE_NAME,
                     GDK_CURRENT_TIME, NULL, help_shown, NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
};

/* A notification's click: the window, on its occupancy view (when signed in). */
static void
show_occupancy_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (user_data));
  window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  if (ATRIUM_IS_WINDOW (window))
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "occupancy");
}

/* Not on a kiosk: its screen is shared, and the help viewer is a way out of it; its
 * board is public, and alerts are for one person. */
static void
choose_backend_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  atrium_application_choose_again (ATRIUM_APPLICATION (user_data));
}

static const GActionEntry desktop_actions[] = {
  { "help", help_activated },
  { "choose-backend", choose_backend_activated },
  { "show-occupancy", show_occupancy_activated },
};

static void
atrium_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *help_accels[] = { "F1", NULL };

  G_APPLICATION_CLASS (atrium_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  if (!ATRIUM_APPLICATION (app)->kiosk)
    {
      g_action_map_add_action_entries (G_ACTION_MAP (app), desktop_actions,
                                       G_N_ELEMENTS (desktop_actions), app);
      ATRIUM_APPLICATION (app)->alerts = atrium_alerts_new (app, NULL);
      gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.help", help_accels);
    }
  /* A public terminal has no key that ends it (the kiosk window refuses to close). */
  if (ATRIUM_APPLICATION (app)->kiosk)
    return;
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close",
                                         close_accels);
}

/* Ends the live feed and stops the embedded server, whose threads must not outlive
 * it (they use OpenSSL, which exit() tears down). */
void
atrium_application_disconnect (AtriumApplication *self)
{
  g_return_if_fail (ATRIUM_IS_APPLICATION (self));

  /* The session itself is kept: quitting is not signing out. */
  g_cancellable_cancel (self->cancellable);
  if (self->live != NULL)
    atrium_live_client_stop (self->live);
  if (self->alerts != NULL)
    atrium_alerts_set_model (self->alerts, NULL);
  g_clear_object (&self->live);
  g_clear_object (&self->live_session);
  g_clear_object (&self->session);
  g_clear_object (&self->api);
  if (self->embedded != NULL)
    atrium_embedded_stop (self->embedded);
  g_clear_object (&self->embedded);
}

/* The embedded server stops with the application, not with its last window. */
static void
atrium_application_shutdown (GApplication *app)
{
  atrium_application_disconnect (ATRIUM_APPLICATION (app));
  G_APPLICATION_CLASS (atrium_application_parent_class)->shutdown (app);
}

static void
atrium_application_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AtriumApplication *self = ATRIUM_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_BACKEND_STATE:
      g_value_set_int (value, self->backend_state);
      break;
    case PROP_USER:
      g_value_set_boxed (value, self->user);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_application_dispose (GObject *object)
{
  AtriumApplication *self = ATRIUM_APPLICATION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->alerts);
  g_clear_object (&self->live);
  g_clear_object (&self->live_session);
  g_clear_object (&self->session);
  g_clear_object (&self->api);
  g_clear_object (&self->embedded);
  g_clear_pointer (&self->user, json_node_unref);

  G_OBJECT_CLASS (atrium_application_parent_class)->dispose (object);
}

static void
atrium_application_finalize (GObject *object)
{
  AtriumApplication *self = ATRIUM_APPLICATION (object);

  g_free (self->server);
  g_free (self->demo_config);
  g_clear_error (&self->backend_error);

  G_OBJECT_CLASS (atrium_application_parent_class)->finalize (object);
}

static void
atrium_application_class_init (AtriumApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->get_property = atrium_application_get_property;
  object_class->dispose = atrium_application_dispose;
  object_class->finalize = atrium_application_finalize;
  app_class->handle_local_options = atrium_application_handle_local_options;
  app_class->startup = atrium_application_startup;
  app_class->activate = atrium_application_activate;
  app_class->shutdown = atrium_application_shutdown;

  properties[PROP_BACKEND_STATE] =
    g_param_spec_int ("backend-state", NULL, NULL, ATRIUM_BACKEND_NONE,
                      ATRIUM_BACKEND_FAILED, ATRIUM_BACKEND_NONE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER] =
    g_param_spec_boxed ("user", NULL, NULL, JSON_TYPE_NODE,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
atrium_application_init (AtriumApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
    _("Live occupancy, waiting times and bookings for libraries."));
}

/* ATRIUM_LOCALEDIR lets an uninstalled build (make run, the tests) find its catalogues. */
void
atrium_application_setup_i18n (void)
{
  const char *localedir = g_getenv ("ATRIUM_LOCALEDIR");

  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

AtriumApplication *
atrium_application_new (GApplicationFlags flags)
{
  return g_object_new (ATRIUM_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", flags,
                       "resource-base-path", RESOURCE_PATH,
                       NULL);
}

gboolean
atrium_application_get_kiosk (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), FALSE);

  return self->kiosk;
}

gboolean
atrium_application_get_demo (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), FALSE);

  return self->demo;
}

const char *
atrium_application_get_server (AtriumApplication *self)
{
  g_return_val_if_fail (ATRIUM_IS_APPLICATION (self), NULL);

  return self->server;
}
