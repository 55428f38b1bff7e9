/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-client"

#include "config.h"

#include "atrium-api.h"
#include "atrium-api-private.h"

#include <string.h>
#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>

#include "atrium-json.h"
#include "atrium-random.h"

#define USER_AGENT        "Atrium/" PACKAGE_VERSION
#define IO_TIMEOUT_S      30
#define IDLE_TIMEOUT_S    60
/* The largest answer taken: a full site list or a patron's 500 bookings are far below. */
#define MAX_ANSWER_BYTES  (16 * 1024 * 1024)
#define FINGERPRINT_HEX   64

/* ---- errors ------------------------------------------------------------------------- */

typedef AtriumApiErrorDetail AtriumApiErrorPrivate;

static void
atrium_api_error_private_init (AtriumApiErrorPrivate *priv)
{
  if (priv == NULL)
    return;
  memset (priv, 0, sizeof *priv);
}

static void
atrium_api_error_private_copy (const AtriumApiErrorPrivate *src,
                               AtriumApiErrorPrivate       *dest)
{
  if (src == NULL || dest == NULL)
    return;
  dest->status = src->status;
  dest->code = g_strdup (src->code);
  dest->message = g_strdup (src->message);
  dest->request_id = g_strdup (src->request_id);
  dest->rule = g_strdup (src->rule);
  dest->retry_after = src->retry_after;
  dest->fingerprint = g_strdup (src->fingerprint);
}

static void
atrium_api_error_private_clear (AtriumApiErrorPrivate *priv)
{
  if (priv == NULL)
    return;
  g_clear_pointer (&priv->code, g_free);
  g_clear_pointer (&priv->message, g_free);
  g_clear_pointer (&priv->request_id, g_free);
  g_clear_pointer (&priv->rule, g_free);
  g_clear_pointer (&priv->fingerprint, g_free);
}

G_DEFINE_EXTENDED_ERROR (AtriumApiError, atrium_api_error)

const AtriumApiErrorDetail *
atrium_api_error_get_detail (const GError *error)
{
  if (error == NULL || error->domain != ATRIUM_API_ERROR)
    return NULL;
  return atrium_api_error_get_private (error);
}

/* The detail of an error of this domain, to fill in (never NULL). */
AtriumApiErrorDetail *
atrium_api_error_detail_of (GError *error)
{
  AtriumApiErrorDetail *detail = atrium_api_error_get_private (error);

  g_assert (detail != NULL);
  return detail;
}

/* ---- login results ------------------------------------------------------------------ */

AtriumLoginResult *
atrium_login_result_copy (const AtriumLoginResult *result)
{
  AtriumLoginResult *copy = g_new0 (AtriumLoginResult, 1);

  copy->second_factor = result->second_factor;
  copy->challenge = g_strdup (result->challenge);
  copy->methods = g_strdupv (result->methods);
  copy->token = g_strdup (result->token);
  copy->expires_in = result->expires_in;
  copy->user = result->user != NULL ? json_node_copy (result->user) : NULL;
  return copy;
}

void
atrium_login_result_free (AtriumLoginResult *result)
{
  if (result == NULL)
    return;
  g_free (result->challenge);
  g_strfreev (result->methods);
  atrium_secure_free_string (result->token);
  g_clear_pointer (&result->user, json_node_unref);
  g_free (result);
}

G_DEFINE_BOXED_TYPE (AtriumLoginResult, atrium_login_result, atrium_login_result_copy,
                     atrium_login_result_free)

/* ---- the object --------------------------------------------------------------------- */

struct _AtriumApi
{
  GObject             parent_instance;

  char               *base_url;   /* no trailing slash */
  GSocketConnectable *connectable;   /* the Unix socket, or NULL */
  SoupSession        *session;
  char               *token;
  guint               token_serial;      /* counts the tokens set */
  gboolean            expiry_signalled;  /* session-expired emitted for this token */
  char               *pinned;     /* lower-case hex SHA-256, or NULL */
};

G_DEFINE_FINAL_TYPE (AtriumApi, atrium_api, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_TOKEN,
  PROP_PINNED_FINGERPRINT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_SESSION_EXPIRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
atrium_api_finalize (GObject *object)
{
  AtriumApi *self = ATRIUM_API (object);

  g_free (self->base_url);
  g_clear_object (&self->connectable);
  g_clear_object (&self->session);
  atrium_secure_free_string (self->token);
  g_free (self->pinned);
  G_OBJECT_CLASS (atrium_api_parent_class)->finalize (object);
}

static void
atrium_api_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  AtriumApi *self = ATRIUM_API (object);

  switch (prop_id)
    {
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_PINNED_FINGERPRINT:
      g_value_set_string (value, self->pinned);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_api_class_init (AtriumApiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  atrium_crypto_init ();   /* idempotency keys come from libsodium */
  object_class->finalize = atrium_api_finalize;
  object_class->get_property = atrium_api_get_property;

  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PINNED_FINGERPRINT] =
    g_param_spec_string ("pinned-fingerprint", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The server answered 401 to a call made with the current token: the session expired
   * or was revoked. Emitted once per token (the UI goes back to sign-in; work queued in
   * the outbox waits for the next session). The token is left as it is. */
  signals[SIGNAL_SESSION_EXPIRED] =
    g_signal_new ("session-expired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);
}

static void
atrium_api_init (AtriumApi *self)
{
}

/* A pinned certificate replaces the system's trust: the session then has no database, so
 * every certificate goes through accept-certificate and only the pinned one passes. */
static void
make_session (AtriumApi *self)
{
  g_clear_object (&self->session);
  self->session = soup_session_new_with_options ("user-agent", USER_AGENT,
                                                 "timeout", IO_TIMEOUT_S,
                                                 "idle-timeout", IDLE_TIMEOUT_S,
                                                 "remote-connectable", self->connectable,
                                                 NULL);
  if (self->pinned != NULL)
    soup_session_set_tls_database (self->session, NULL);
}

static gboolean
host_is_loopback (const char *host)
{
  return g_strcmp0 (host, "127.0.0.1") == 0 || g_strcmp0 (host, "::1") == 0 ||
         g_strcmp0 (host, "localhost") == 0;
}

/**
 * atrium_api_new:
 * @base_url: `https://host[:port]`; plain `http://` only to a loopback address
 *
 * Returns: (transfer full): a client for that server, or NULL with @error set
 */
AtriumApi *
atrium_api_new (const char  *base_url,
                GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  AtriumApi *self;
  const char *scheme;
  const char *path;

  g_return_val_if_fail (base_url != NULL, NULL);

  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  path = uri != NULL ? g_uri_get_path (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL || (*path != '\0' && strcmp (path, "/") != 0) ||
      (g_strcmp0 (scheme, "https") != 0 &&
       !(g_strcmp0 (scheme, "http") == 0 && host_is_loopback (g_uri_get_host (uri)))))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a server address: use https://host[:port]", base_url);
      return NULL;
    }

  self = g_object_new (ATRIUM_TYPE_API, NULL);
  self->base_url = g_strndup (base_url, strlen (base_url) - (*path == '/' ? 1 : 0));
  make_session (self);
  return self;
}

/**
 * atrium_api_new_for_unix_socket:
 * @socket_path: the embedded server's socket
 *
 * Every request goes to @socket_path as `http://localhost/…` (DESIGN.md §6).
 */
AtriumApi *
atrium_api_new_for_unix_socket (const char *socket_path)
{
  AtriumApi *self;

  g_return_val_if_fail (socket_path != NULL, NULL);

  self = g_object_new (ATRIUM_TYPE_API, NULL);
  self->base_url = g_strdup ("http://localhost");
  self->connectable = G_SOCKET_CONNECTABLE (g_unix_socket_address_new (socket_path));
  make_session (self);
  return self;
}

const char *
atrium_api_get_base_url (AtriumApi *self)
{
  g_return_val_if_fail (ATRIUM_IS_API (self), NULL);

  return self->base_url;
}

const char *
atrium_api_get_token (AtriumApi *self)
{
  g_return_val_if_fail (ATRIUM_IS_API (self), NULL);

  return self->token;
}

/* The session token kept in memory only; where it is stored between runs is the
 * keyring's business (a later slice). */
void
atrium_api_set_token (AtriumApi  *self,
                      const char *token)
{
  g_return_if_fail (ATRIUM_IS_API (self));

  if (g_strcmp0 (self->token, token) == 0)
    return;
  atrium_secure_free_string (self->token);
  self->token = g_strdup (token);
  self->token_serial++;
  self->expiry_signalled = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
}

const char *
atrium_api_get_pinned_fingerprint (AtriumApi *self)
{
  g_return_val_if_fail (ATRIUM_IS_API (self), NULL);

  return self->pinned;
}

/* 64 hex digits, with or without colons between pairs, either case; NULL if not. */
static char *
normalise_fingerprint (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':' && out->len > 0 && out->len % 2 == 0 && p[1] != '\0')
        continue;
      if (!g_ascii_isxdigit (*p))
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_c (out, g_ascii_tolower (*p));
    }
  if (out->len != FINGERPRINT_HEX)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/**
 * atrium_api_set_pinned_fingerprint:
 * @fingerprint: (nullable): the SHA-256 of the certificate the user agreed to trust
 *   (as atrium_api_error_get_detail() gave it), or NULL to go back to the system's trust
 *
 * From then on only that certificate is accepted, whoever signed it.
 */
gboolean
atrium_api_set_pinned_fingerprint (AtriumApi   *self,
                                   const char  *fingerprint,
                                   GError     **error)
{
  g_autofree char *normal = NULL;

  g_return_val_if_fail (ATRIUM_IS_API (self), FALSE);

  if (fingerprint != NULL && (normal = normalise_fingerprint (fingerprint)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "A certificate fingerprint is 64 hexadecimal digits (SHA-256)");
      return FALSE;
    }
  if (g_strcmp0 (self->pinned, normal) == 0)
    return TRUE;
  g_free (self->pinned);
  self->pinned = g_steal_pointer (&normal);
  /* Connections kept alive were made under the old trust. */
  make_session (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED_FINGERPRINT]);
  return TRUE;
}

/* 128 random bits in base64url: unique per request the user makes, kept with it in the
 * outbox so that a replay is recognised by the server. */
char *
atrium_api_new_idempotency_key (void)
{
  return atrium_random_base64url (16);
}

/* ---- one call ----------------------------------------------------------------------- */

typedef enum
{
  EXPECT_NOTHING,    /* any 2xx; the body is not looked at */
  EXPECT_LOGIN,      /* a sign-in answer */
  EXPECT_OBJECT,     /* an object, with @member of @member_type when @member is set */
  EXPECT_FILE,       /* any 2xx body, written to @destination as it comes */
} Expect;

typedef struct
{
  SoupMessage *msg;
  Expect       expect;
  const char  *member;
  JsonNodeType member_type;
  char        *pinned;        /* the pin in force when the call started */
  char        *fingerprint;   /* the certificate presented, when it was looked at */
  GTlsCertificateFlags tls_errors;   /* what was wrong with it */
  guint        token_serial;  /* the token sent, or 0 when none was */
  GInputStream *stream;       /* the answer's body, read in pieces */
  GByteArray  *body;
  GFile       *destination;   /* EXPECT_FILE */
  GOutputStream *out;
  GBytes      *chunk;           /* being written */
  AtriumApiProgressFunc progress;
  gpointer     progress_data;
  goffset      written;
} Call;

static void
call_free (Call *call)
{
  if (call->msg != NULL)
    g_signal_handlers_disconnect_by_data (call->msg, call);
  g_clear_object (&call->stream);
  g_clear_pointer (&call->body, g_byte_array_unref);
  g_clear_object (&call->destination);
  g_clear_object (&call->out);
  g_clear_pointer (&call->chunk, g_bytes_unref);
  g_clear_object (&call->msg);
  g_free (call->pinned);
  g_free (call->fingerprint);
  g_free (call);
}

static char *
certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

/* Only reached for a certificate the system does not trust (or any, once one is pinned).
 * A pinned certificate stands for itself: who signed it does not matter, nor the name
 * in it; a revoked or insecure one is still refused. */
static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  Call *call = user_data;
  const GTlsCertificateFlags tolerated = G_TLS_CERTIFICATE_UNKNOWN_CA |
                                         G_TLS_CERTIFICATE_BAD_IDENTITY;

  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) not_before = g_tls_certificate_get_not_valid_before (certificate);
  g_autoptr(GDateTime) not_after = g_tls_certificate_get_not_valid_after (certificate);

  /* With no trust database glib-networking 2.74 checks neither date: we do. */
  if (not_before == NULL || g_date_time_compare (now, not_before) < 0)
    errors |= G_TLS_CERTIFICATE_NOT_ACTIVATED;
  if (not_after == NULL || g_date_time_compare (now, not_after) > 0)
    errors |= G_TLS_CERTIFICATE_EXPIRED;
  g_free (call->fingerprint);
  call->fingerprint = certificate_fingerprint (certificate);
  call->tls_errors = errors;
  return call->pinned != NULL && call->fingerprint != NULL &&
         strcmp (call->pinned, call->fingerprint) == 0 && (errors & ~tolerated) == 0;
}

GError *
atrium_api_error_new_literal (AtriumApiError  code,
                              guint           status,
                              const char     *message)
{
  GError *error = g_error_new_literal (ATRIUM_API_ERROR, code, message);

  atrium_api_error_detail_of (error)->status = status;
  return error;
}

static GError *
transport_error (AtriumApi *self,
                 Call      *call,
                 GError    *error)
{
  GError *out;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (call->fingerprint != NULL && call->pinned != NULL &&
      strcmp (call->fingerprint, call->pinned) != 0)
    {
      g_autofree char *text = g_strdup_printf (
        "The server's certificate has changed since you trusted it (it is now SHA-256 %s, "
        "it was %s). Nothing was sent. This can be an attack; if the administrator "
        "replaced the certificate, check the new fingerprint with them and trust it again.",
        call->fingerprint, call->pinned);

      out = atrium_api_error_new_literal (ATRIUM_API_ERROR_CERTIFICATE_CHANGED, 0, text);
      atrium_api_error_detail_of (out)->fingerprint = g_strdup (call->fingerprint);
      return out;
    }
  if (call->fingerprint != NULL && call->pinned != NULL)
    {
      g_autofree char *text = g_strdup_printf (
        "The server's certificate is the one you trusted (SHA-256 %s) but it is no longer "
        "valid (%s). Nothing was sent. The administrator must renew it.",
        call->fingerprint,
        (call->tls_errors & (G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED))
        ? "expired or not yet valid" : "revoked or insecure");

      out = atrium_api_error_new_literal (ATRIUM_API_ERROR_CERTIFICATE_UNTRUSTED, 0, text);
      atrium_api_error_detail_of (out)->fingerprint = g_strdup (call->fingerprint);
      return out;
    }
  if (call->fingerprint != NULL)
    {
      g_autofree char *text = g_strdup_printf (
        "The server's certificate is not trusted by this system (SHA-256 %s). Nothing was "
        "sent. Trust it only if the administrator gives you the same fingerprint.",
        call->fingerprint);

      out = atrium_api_error_new_literal (ATRIUM_API_ERROR_CERTIFICATE_UNTRUSTED, 0, text);
      atrium_api_error_detail_of (out)->fingerprint = g_strdup (call->fingerprint);
      return out;
    }

  {
    g_autofree char *text = g_strdup_printf ("Cannot reach the server at %s: %s",
                                             self->base_url, error->message);

    return atrium_api_error_new_literal (ATRIUM_API_ERROR_OFFLINE, 0, text);
  }
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static guint
retry_after (SoupMessage *msg)
{
  const char *text = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                   "Retry-After");
  guint64 seconds = 0;

  /* Atrium sends seconds; an HTTP date (which it never sends) counts as unknown. */
  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, 86400 * 7, &seconds, NULL))
    return 0;
  return (guint) seconds;
}

AtriumApiError
atrium_api_error_for_status (guint       status,
                             const char *code)
{
  switch (status)
    {
    case 401:
      return ATRIUM_API_ERROR_UNAUTHORISED;
    case 403:
      return g_strcmp0 (code, "second_factor_required") == 0
             ? ATRIUM_API_ERROR_SECOND_FACTOR_REQUIRED : ATRIUM_API_ERROR_FORBIDDEN;
    case 404:
      return ATRIUM_API_ERROR_NOT_FOUND;
    case 409:
      return g_strcmp0 (code, "slot_taken") == 0 ? ATRIUM_API_ERROR_SLOT_TAKEN
                                                 : ATRIUM_API_ERROR_CONFLICT;
    case 422:
      return g_strcmp0 (code, "rule_violation") == 0 ? ATRIUM_API_ERROR_RULE_VIOLATION
                                                     : ATRIUM_API_ERROR_INVALID;
    case 426:
      return ATRIUM_API_ERROR_OUTDATED;
    case 429:
      return ATRIUM_API_ERROR_RATE_LIMITED;
    default:
      return status >= 500 ? ATRIUM_API_ERROR_SERVER : ATRIUM_API_ERROR_INVALID;
    }
}

/* A refusal: the server's {"error", "message", "request_id"[, "rule"]} when it sent one. */
static GError *
status_error (SoupMessage *msg,
              GBytes      *body)
{
  guint status = soup_message_get_status (msg);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object = NULL;
  const char *code, *message, *request_id;
  AtriumApiErrorDetail *detail;
  g_autofree char *text = NULL;
  AtriumApiError kind;
  GError *error;
  gsize length = 0;
  const char *data = g_bytes_get_data (body, &length);

  if (length > 0)
    root = atrium_json_parse (data, length, MAX_ANSWER_BYTES, NULL, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    object = json_node_get_object (root);
  code = string_member (object, "error");
  message = string_member (object, "message");
  request_id = string_member (object, "request_id");
  if (request_id == NULL || *request_id == '\0')
    request_id = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                               "X-Request-Id");
  kind = atrium_api_error_for_status (status, code);

  if (kind == ATRIUM_API_ERROR_SERVER)
    text = g_strdup_printf ("The server failed (HTTP %u%s%s)", status,
                            request_id != NULL ? ", request " : "",
                            request_id != NULL ? request_id : "");
  else if (message != NULL)
    text = g_strdup (message);
  else
    text = g_strdup_printf ("HTTP %u %s", status, soup_status_get_phrase (status));

  error = atrium_api_error_new_literal (kind, status, text);
  detail = atrium_api_error_detail_of (error);
  detail->code = g_strdup (code);
  detail->message = g_strdup (message);
  detail->request_id = g_strdup (request_id);
  detail->rule = g_strdup (string_member (object, "rule"));
  detail->retry_after = retry_after (msg);
  return error;
}

static GError *
protocol_error (const char *what)
{
  g_autofree char *text = g_strdup_printf ("The server's answer could not be understood (%s)",
                                           what);

  return atrium_api_error_new_literal (ATRIUM_API_ERROR_PROTOCOL, 0, text);
}

static AtriumLoginResult *
parse_login (JsonObject  *object,
             GError     **error)
{
  g_autoptr(AtriumLoginResult) result = g_new0 (AtriumLoginResult, 1);
  const char *status = string_member (object, "status");

  if (g_strcmp0 (status, "2fa_required") == 0)
    {
      JsonNode *methods = json_object_get_member (object, "methods");
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      result->second_factor = TRUE;
      result->challenge = g_strdup (string_member (object, "challenge"));
      if (result->challenge == NULL || methods == NULL || !JSON_NODE_HOLDS_ARRAY (methods))
        {
          g_propagate_error (error, protocol_error ("sign-in challenge"));
          return NULL;
        }
      for (guint i = 0; i < json_array_get_length (json_node_get_array (methods)); i++)
        {
          JsonNode *method = json_array_get_element (json_node_get_array (methods), i);

          if (!JSON_NODE_HOLDS_VALUE (method) ||
              json_node_get_value_type (method) != G_TYPE_STRING)
            {
              g_propagate_error (error, protocol_error ("second-factor methods"));
              return NULL;
            }
          g_strv_builder_add (builder, json_node_get_string (method));
        }
      result->methods = g_strv_builder_end (builder);
      return g_steal_pointer (&result);
    }

  /* "ok" from login; verify answers the session without a status. */
  if (status == NULL || g_strcmp0 (status, "ok") == 0)
    {
      JsonNode *expires = json_object_get_member (object, "expires_in");
      JsonNode *user = json_object_get_member (object, "user");

      result->token = g_strdup (string_member (object, "token"));
      if (result->token == NULL || *result->token == '\0' || expires == NULL ||
          !JSON_NODE_HOLDS_VALUE (expires) ||
          json_node_get_value_type (expires) != G_TYPE_INT64 ||
          user == NULL || !JSON_NODE_HOLDS_OBJECT (user))
        {
          g_propagate_error (error, protocol_error ("session"));
          return NULL;
        }
      result->expires_in = json_node_get_int (expires);
      result->user = json_node_copy (user);
      return g_steal_pointer (&result);
    }

  g_propagate_error (error, protocol_error ("sign-in status"));
  return NULL;
}

/* The whole answer is in: the task's result. */
static void
handle_answer (GTask  *task,
               GBytes *body)
{
  AtriumApi *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonNode *member;
  const char *data;
  gsize length = 0;
  guint status;

  status = soup_message_get_status (call->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_object_ref (self);
      g_task_return_error (task, status_error (call->msg, body));
      /* After the caller heard its own error, and only for the token still in use. */
      if (status == SOUP_STATUS_UNAUTHORIZED && call->token_serial != 0 &&
          g_task_get_source_tag (task) != atrium_api_logout_async &&
          call->token_serial == self->token_serial &&
          !self->expiry_signalled)
        {
          self->expiry_signalled = TRUE;
          g_signal_emit (self, signals[SIGNAL_SESSION_EXPIRED], 0);
        }
      g_object_unref (self);
      return;
    }
  if (call->expect == EXPECT_NOTHING)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  data = g_bytes_get_data (body, &length);
  if ((root = atrium_json_parse (data, length, MAX_ANSWER_BYTES, NULL, &error)) == NULL)
    {
      g_task_return_error (task, protocol_error (error->message));
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_task_return_error (task, protocol_error ("not an object"));
      return;
    }

  if (call->expect == EXPECT_LOGIN)
    {
      AtriumLoginResult *login = parse_login (json_node_get_object (root), &error);

      if (login == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        {
          if (login->token != NULL)
            atrium_api_set_token (self, login->token);
          g_task_return_pointer (task, login, (GDestroyNotify) atrium_login_result_free);
        }
      return;
    }

  member = call->member != NULL ? json_object_get_member (json_node_get_object (root),
                                                          call->member) : NULL;
  if (call->member != NULL && (member == NULL || JSON_NODE_TYPE (member) != call->member_type))
    {
      g_autofree char *what = g_strdup_printf ("“%s” missing or of the wrong type",
                                               call->member);

      g_task_return_error (task, protocol_error (what));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&root), (GDestroyNotify) json_node_unref);
}

static void read_more (GTask *task);

static void
on_read (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res,
                                                              &error);

  if (chunk == NULL)
    {
      g_task_return_error (task, transport_error (g_task_get_source_object (task), call,
                                                  error));
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      g_autoptr(GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&call->body));

      g_input_stream_close (call->stream, NULL, NULL);
      handle_answer (task, body);
      return;
    }
  /* A server that never stops talking does not get our memory. */
  if (call->body->len + g_bytes_get_size (chunk) > MAX_ANSWER_BYTES)
    {
      g_task_return_error (task, protocol_error ("an answer of more than 16 MiB"));
      return;
    }
  g_byte_array_append (call->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_more (g_steal_pointer (&task));
}

static void
read_more (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (call->stream, 64 * 1024, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_read, task);
}

/* ---- a download into a file ---------------------------------------------------------- */

static void file_read_more (GTask *task);

/* The temporary file goes: closing with a cancelled cancellable never renames it. */
static void
file_abort (GTask  *task,
            GError *error)
{
  Call *call = g_task_get_task_data (task);

  if (call->out != NULL)
    {
      g_autoptr(GCancellable) abort = g_cancellable_new ();

      g_cancellable_cancel (abort);
      g_output_stream_close (call->out, abort, NULL);
    }
  g_task_return_error (task, error);
}

static void
on_file_closed (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source), res, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, call->written);
}

static void
on_file_written (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, &written, &error))
    {
      file_abort (task, error);
      return;
    }
  call->written += written;
  if (call->progress != NULL)
    call->progress (call->written, call->progress_data);
  file_read_more (g_steal_pointer (&task));
}

static void
on_file_read (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res,
                                                              &error);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (chunk == NULL)
    {
      file_abort (task, transport_error (g_task_get_source_object (task), call, error));
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      g_input_stream_close (call->stream, NULL, NULL);
      g_output_stream_close_async (call->out, G_PRIORITY_DEFAULT, cancellable, on_file_closed,
                                   g_steal_pointer (&task));
      return;
    }
  g_output_stream_write_all_async (call->out, g_bytes_get_data (chunk, NULL),
                                   g_bytes_get_size (chunk), G_PRIORITY_DEFAULT, cancellable,
                                   on_file_written, g_steal_pointer (&task));
  /* write_all reads the data later: the chunk lives as long as the write. */
  g_clear_pointer (&call->chunk, g_bytes_unref);
  call->chunk = g_steal_pointer (&chunk);
}

static void
file_read_more (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (call->stream, 64 * 1024, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_file_read, task);
}

static void
on_replaced (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  call->out = G_OUTPUT_STREAM (g_file_replace_finish (G_FILE (source), res, &error));
  if (call->out == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  file_read_more (g_steal_pointer (&task));
}

static void
on_sent (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  call->stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (call->stream == NULL)
    {
      g_task_return_error (task, transport_error (g_task_get_source_object (task), call,
                                                  error));
      return;
    }
  call->body = g_byte_array_new ();
  if (call->expect == EXPECT_FILE &&
      SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (call->msg)))
    {
      /* Private: an export holds people's data. Written beside it and renamed at the end,
       * so an interrupted download never leaves a truncated file under its name. */
      GCancellable *cancellable = g_task_get_cancellable (task);

      g_file_replace_async (call->destination, NULL, FALSE,
                            G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                            G_PRIORITY_DEFAULT, cancellable, on_replaced,
                            g_steal_pointer (&task));
      return;
    }
  read_more (g_steal_pointer (&task));
}

/* Starts @method @path (with @body as JSON when not NULL); the task's result depends on
 * @expect. Only the session token is sent as a credential, and only in Authorization.
 * Answers the call (owned by its task, sent when the main context next runs), NULL when
 * it could not be made. */
static Call *
start_call (AtriumApi           *self,
            gpointer             source_tag,
            const char          *method,
            const char          *path,
            JsonNode            *body,
            const char          *idempotency_key,
            Expect               expect,
            const char          *member,
            JsonNodeType         member_type,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  SoupMessageHeaders *headers;
  Call *call;

  g_task_set_source_tag (task, source_tag);
  call = g_new0 (Call, 1);
  call->expect = expect;
  call->member = member;
  call->member_type = member_type;
  call->pinned = g_strdup (self->pinned);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  call->msg = soup_message_new (method, url);
  if (call->msg == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Cannot make a request for %s", url);
      return NULL;
    }
  headers = soup_message_get_request_headers (call->msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (self->token != NULL)
    {
      char *bearer = g_strconcat ("Bearer ", self->token, NULL);

      soup_message_headers_replace (headers, "Authorization", bearer);
      atrium_secure_free_string (bearer);
      call->token_serial = self->token_serial;
    }
  if (idempotency_key != NULL)
    soup_message_headers_replace (headers, "Idempotency-Key", idempotency_key);
  if (body != NULL)
    {
      char *text = atrium_json_write (body);
      g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

      soup_message_set_request_body_from_bytes (call->msg, "application/json", bytes);
    }
  g_signal_connect (call->msg, "accept-certificate", G_CALLBACK (on_accept_certificate), call);

  soup_session_send_async (self->session, call->msg, G_PRIORITY_DEFAULT, cancellable, on_sent,
                           g_steal_pointer (&task));
  return call;
}

static JsonNode *
object_of_strings (const char *first_name,
                   ...) G_GNUC_NULL_TERMINATED;

static JsonNode *
object_of_strings (const char *first_name,
                   ...)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  va_list ap;

  json_builder_begin_object (builder);
  va_start (ap, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (ap, const char *))
    {
      json_builder_set_member_name (builder, name);
      json_builder_add_string_value (builder, va_arg (ap, const char *));
    }
  va_end (ap);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* ---- sign-in ------------------------------------------------------------------------ */

void
atrium_api_login_async (AtriumApi           *self,
                        const char          *username,
                        const char          *password,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (username != NULL && password != NULL);

  body = object_of_strings ("username", username, "password", password, NULL);
  /* A new sign-in never carries the old session. */
  atrium_api_set_token (self, NULL);
  start_call (self, atrium_api_login_async, "POST", "/api/v1/auth/login", body, NULL,
              EXPECT_LOGIN, NULL, 0, cancellable, callback, user_data);
}

static AtriumLoginResult *
login_finish (AtriumApi     *self,
              GAsyncResult  *result,
              gpointer       tag,
              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

AtriumLoginResult *
atrium_api_login_finish (AtriumApi     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return login_finish (self, result, atrium_api_login_async, error);
}

void
atrium_api_send_code_async (AtriumApi           *self,
                            const char          *challenge,
                            const char          *method,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (challenge != NULL && method != NULL);

  body = object_of_strings ("challenge", challenge, "method", method, NULL);
  start_call (self, atrium_api_send_code_async, "POST", "/api/v1/auth/2fa/send", body, NULL,
              EXPECT_NOTHING, NULL, 0, cancellable, callback, user_data);
}

static gboolean
boolean_finish (AtriumApi     *self,
                GAsyncResult  *result,
                gpointer       tag,
                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
atrium_api_send_code_finish (AtriumApi     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return boolean_finish (self, result, atrium_api_send_code_async, error);
}

void
atrium_api_verify_code_async (AtriumApi           *self,
                              const char          *challenge,
                              const char          *code,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (challenge != NULL && code != NULL);

  body = object_of_strings ("challenge", challenge, "code", code, NULL);
  start_call (self, atrium_api_verify_code_async, "POST", "/api/v1/auth/2fa/verify", body,
              NULL, EXPECT_LOGIN, NULL, 0, cancellable, callback, user_data);
}

AtriumLoginResult *
atrium_api_verify_code_finish (AtriumApi     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return login_finish (self, result, atrium_api_verify_code_async, error);
}

void
atrium_api_logout_async (AtriumApi           *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_API (self));

  start_call (self, atrium_api_logout_async, "POST", "/api/v1/auth/logout", NULL, NULL,
              EXPECT_NOTHING, NULL, 0, cancellable, callback, user_data);
}

/* The token is forgotten whether the server ended the session or had already. */
gboolean
atrium_api_logout_finish (AtriumApi     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(GError) local = NULL;

  if (boolean_finish (self, result, atrium_api_logout_async, &local) ||
      g_error_matches (local, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED))
    {
      atrium_api_set_token (self, NULL);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* ---- documents ---------------------------------------------------------------------- */

void
atrium_api_get_me_async (AtriumApi           *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_API (self));

  start_call (self, atrium_api_get_me_async, "GET", "/api/v1/me", NULL, NULL, EXPECT_OBJECT,
              "name", JSON_NODE_VALUE, cancellable, callback, user_data);
}

void
atrium_api_get_sites_async (AtriumApi           *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_API (self));

  start_call (self, atrium_api_get_sites_async, "GET", "/api/v1/sites", NULL, NULL,
              EXPECT_OBJECT, "sites", JSON_NODE_ARRAY, cancellable, callback, user_data);
}

void
atrium_api_get_occupancy_async (AtriumApi           *self,
                                gint64               site_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (site_id >= 0);

  path = site_id == 0 ? g_strdup ("/api/v1/occupancy")
                      : g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/occupancy",
                                         site_id);
  start_call (self, atrium_api_get_occupancy_async, "GET", path, NULL, NULL, EXPECT_OBJECT,
              NULL, 0, cancellable, callback, user_data);
}

static const char * const resource_query_names[] = {
  "site", "type", "attrs", "capacity", "free_from", "free_to", NULL
};

/**
 * atrium_api_search_resources_async:
 * @query: (nullable) (element-type utf8 utf8): site, type, attrs, capacity, free_from,
 *   free_to, as the server takes them (DESIGN.md §3)
 */
void
atrium_api_search_resources_async (AtriumApi           *self,
                                   GHashTable          *query,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autofree char *path = NULL;
  GHashTableIter iter;
  gpointer name;

  g_return_if_fail (ATRIUM_IS_API (self));

  if (query != NULL)
    {
      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &name, NULL))
        if (!g_strv_contains (resource_query_names, name))
          {
            g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

            g_task_set_source_tag (task, atrium_api_search_resources_async);
            g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                     "“%s” is not a resource search parameter",
                                     (const char *) name);
            return;
          }
    }
  if (query != NULL && g_hash_table_size (query) > 0)
    {
      g_autofree char *encoded = soup_form_encode_hash (query);

      path = g_strconcat ("/api/v1/resources?", encoded, NULL);
    }
  else
    path = g_strdup ("/api/v1/resources");
  start_call (self, atrium_api_search_resources_async, "GET", path, NULL, NULL, EXPECT_OBJECT,
              "resources", JSON_NODE_ARRAY, cancellable, callback, user_data);
}

/**
 * atrium_api_get_availability_async:
 * @date: (nullable): YYYY-MM-DD in the site's zone; NULL for today
 */
void
atrium_api_get_availability_async (AtriumApi           *self,
                                   gint64               resource_id,
                                   const char          *date,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (resource_id > 0);

  if (date != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (date, NULL, FALSE);

      path = g_strdup_printf ("/api/v1/resources/%" G_GINT64_FORMAT "/availability?date=%s",
                              resource_id, escaped);
    }
  else
    path = g_strdup_printf ("/api/v1/resources/%" G_GINT64_FORMAT "/availability",
                            resource_id);
  start_call (self, atrium_api_get_availability_async, "GET", path, NULL, NULL, EXPECT_OBJECT,
              "resource", JSON_NODE_OBJECT, cancellable, callback, user_data);
}

void
atrium_api_list_my_bookings_async (AtriumApi           *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_API (self));

  start_call (self, atrium_api_list_my_bookings_async, "GET", "/api/v1/bookings?mine=1", NULL,
              NULL, EXPECT_OBJECT, "bookings", JSON_NODE_ARRAY, cancellable, callback,
              user_data);
}

/* @path + "?" + the pairs of @names and @values whose value is not NULL, escaped. */
static char *
path_with_query (const char         *path,
                 const char * const *names,
                 const char * const *values,
                 guint               n)
{
  GString *out = g_string_new (path);
  gboolean first = TRUE;

  for (guint i = 0; i < n; i++)
    {
      if (values[i] == NULL)
        continue;
      g_string_append_c (out, first ? '?' : '&');
      g_string_append_uri_escaped (out, names[i], NULL, FALSE);
      g_string_append_c (out, '=');
      g_string_append_uri_escaped (out, values[i], NULL, FALSE);
      first = FALSE;
    }
  return g_string_free (out, FALSE);
}

/**
 * atrium_api_list_site_bookings_async:
 * @date: (nullable): YYYY-MM-DD in the site's zone; NULL for the site's today
 * @status: (nullable): only the bookings in this status
 *
 * The day's bookings of a site, for its staff and managers (and administrators):
 * {"bookings": [{"id", "resource_id", "resource_name", "site_id", "user_id",
 * "username", "start", "end", "status", "group_size", "check_in_at", …}]}.
 */
void
atrium_api_list_site_bookings_async (AtriumApi           *self,
                                     gint64               site_id,
                                     const char          *date,
                                     const char          *status,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autofree char *site = NULL;
  g_autofree char *path = NULL;
  const char *names[] = { "site", "date", "status" };
  const char *values[3];

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (site_id > 0);

  site = g_strdup_printf ("%" G_GINT64_FORMAT, site_id);
  values[0] = site;
  values[1] = date;
  values[2] = status;
  path = path_with_query ("/api/v1/bookings", names, values, G_N_ELEMENTS (names));
  start_call (self, atrium_api_list_site_bookings_async, "GET", path, NULL, NULL,
              EXPECT_OBJECT, "bookings", JSON_NODE_ARRAY, cancellable, callback, user_data);
}

void
atrium_api_get_keys_async (AtriumApi           *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_API (self));

  start_call (self, atrium_api_get_keys_async, "GET", "/api/v1/keys", NULL, NULL,
              EXPECT_OBJECT, "keys", JSON_NODE_ARRAY, cancellable, callback, user_data);
}

void
atrium_api_get_document_async (AtriumApi           *self,
                               const char          *path,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (path != NULL && path[0] == '/');

  start_call (self, atrium_api_get_document_async, "GET", path, NULL, NULL, EXPECT_OBJECT,
              NULL, 0, cancellable, callback, user_data);
}

/**
 * atrium_api_create_booking_async:
 * @start: RFC 3339 with its offset
 * @group_size: 0 to leave it out (one person)
 * @idempotency_key: the request's key, kept by the caller to send it again
 */
void
atrium_api_create_booking_async (AtriumApi           *self,
                                 gint64               resource_id,
                                 const char          *start,
                                 const char          *end,
                                 guint                group_size,
                                 const char          *idempotency_key,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (resource_id > 0 && start != NULL && end != NULL);
  g_return_if_fail (idempotency_key != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "resource_id");
  json_builder_add_int_value (builder, resource_id);
  json_builder_set_member_name (builder, "start");
  json_builder_add_string_value (builder, start);
  json_builder_set_member_name (builder, "end");
  json_builder_add_string_value (builder, end);
  if (group_size > 0)
    {
      json_builder_set_member_name (builder, "group_size");
      json_builder_add_int_value (builder, group_size);
    }
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  start_call (self, atrium_api_create_booking_async, "POST", "/api/v1/bookings", body,
              idempotency_key, EXPECT_OBJECT, "id", JSON_NODE_VALUE, cancellable, callback,
              user_data);
}

void
atrium_api_cancel_booking_async (AtriumApi           *self,
                                 gint64               booking_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (booking_id > 0);

  path = g_strdup_printf ("/api/v1/bookings/%" G_GINT64_FORMAT "/cancel", booking_id);
  start_call (self, atrium_api_cancel_booking_async, "POST", path, NULL, NULL, EXPECT_OBJECT,
              "status", JSON_NODE_VALUE, cancellable, callback, user_data);
}

void
atrium_api_checkin_async (AtriumApi           *self,
                          const char          *code,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (code != NULL);

  body = object_of_strings ("code", code, NULL);
  start_call (self, atrium_api_checkin_async, "POST", "/api/v1/checkin", body, NULL,
              EXPECT_OBJECT, "result", JSON_NODE_VALUE, cancellable, callback, user_data);
}

JsonNode *
atrium_api_document_finish (AtriumApi     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- staff -------------------------------------------------------------------------- */

static void
booking_action (AtriumApi           *self,
                gpointer             tag,
                gint64               booking_id,
                const char          *action,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (booking_id > 0);

  path = g_strdup_printf ("/api/v1/bookings/%" G_GINT64_FORMAT "/%s", booking_id, action);
  start_call (self, tag, "POST", path, NULL, NULL, EXPECT_OBJECT, "booking", JSON_NODE_OBJECT,
              cancellable, callback, user_data);
}

/* Staff: a booking checked in by hand (the patron has no code with them): answers
 * {"result", "booking"}. */
void
atrium_api_checkin_booking_async (AtriumApi           *self,
                                  gint64               booking_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  booking_action (self, atrium_api_checkin_booking_async, booking_id, "checkin", cancellable,
                  callback, user_data);
}

/* Staff: a room counted by hand (@count people now); the sensors' next posts add to it.
 * Answers the site's occupancy document. */
void
atrium_api_correct_count_async (AtriumApi           *self,
                                gint64               space_id,
                                guint                count,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (space_id > 0);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, count);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  path = g_strdup_printf ("/api/v1/spaces/%" G_GINT64_FORMAT "/correction", space_id);
  start_call (self, atrium_api_correct_count_async, "POST", path, body, NULL, EXPECT_OBJECT,
              NULL, JSON_NODE_OBJECT, cancellable, callback, user_data);
}

/* The owner or the site's staff: a break (the seat is kept until it ends). */
void
atrium_api_break_booking_async (AtriumApi           *self,
                                gint64               booking_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  booking_action (self, atrium_api_break_booking_async, booking_id, "break", cancellable,
                  callback, user_data);
}

/**
 * atrium_api_create_booking_for_async:
 * @user_id: the patron's id, or 0 to name them by @username
 * @username: (nullable): the patron's user name when @user_id is 0
 *
 * Staff book on behalf of a patron; otherwise as atrium_api_create_booking_async().
 */
void
atrium_api_create_booking_for_async (AtriumApi           *self,
                                     gint64               user_id,
                                     const char          *username,
                                     gint64               resource_id,
                                     const char          *start,
                                     const char          *end,
                                     guint                group_size,
                                     const char          *idempotency_key,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (resource_id > 0 && start != NULL && end != NULL);
  g_return_if_fail ((user_id > 0) != (username != NULL));
  g_return_if_fail (idempotency_key != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "resource_id");
  json_builder_add_int_value (builder, resource_id);
  json_builder_set_member_name (builder, "start");
  json_builder_add_string_value (builder, start);
  json_builder_set_member_name (builder, "end");
  json_builder_add_string_value (builder, end);
  if (group_size > 0)
    {
      json_builder_set_member_name (builder, "group_size");
      json_builder_add_int_value (builder, group_size);
    }
  json_builder_set_member_name (builder, user_id > 0 ? "user_id" : "username");
  if (user_id > 0)
    json_builder_add_int_value (builder, user_id);
  else
    json_builder_add_string_value (builder, username);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  start_call (self, atrium_api_create_booking_for_async, "POST", "/api/v1/bookings", body,
              idempotency_key, EXPECT_OBJECT, "id", JSON_NODE_VALUE, cancellable, callback,
              user_data);
}

/* ---- statistics --------------------------------------------------------------------- */

static void
site_document (AtriumApi           *self,
               gpointer             tag,
               gint64               site_id,
               const char          *what,
               const char * const  *names,
               const char * const  *values,
               guint                n,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (site_id > 0);

  base = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/%s", site_id, what);
  path = path_with_query (base, names, values, n);
  start_call (self, tag, "GET", path, NULL, NULL, EXPECT_OBJECT, NULL, 0, cancellable,
              callback, user_data);
}

/**
 * atrium_api_get_site_stats_async:
 * @from: (nullable): the first instant or day (as the server takes it)
 * @to: (nullable): the end
 * @bucket: (nullable): "hour", "day", "week" or "month"
 * @compare: (nullable): the period compared with, as the server takes it
 *
 * Managers and reporting: {"site", "bucket", "series", "total", …}.
 */
void
atrium_api_get_site_stats_async (AtriumApi           *self,
                                 gint64               site_id,
                                 const char          *from,
                                 const char          *to,
                                 const char          *bucket,
                                 const char          *compare,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  const char *names[] = { "from", "to", "bucket", "compare" };
  const char *values[] = { from, to, bucket, compare };

  site_document (self, atrium_api_get_site_stats_async, site_id, "stats", names, values,
                 G_N_ELEMENTS (names), cancellable, callback, user_data);
}

/* Popular times of a day (@date YYYY-MM-DD, NULL for today). */
void
atrium_api_get_site_forecast_async (AtriumApi           *self,
                                    gint64               site_id,
                                    const char          *date,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  const char *names[] = { "date" };
  const char *values[] = { date };

  site_document (self, atrium_api_get_site_forecast_async, site_id, "forecast", names, values,
                 G_N_ELEMENTS (names), cancellable, callback, user_data);
}

/* Staff: the site's recent notices (over capacity, a silent sensor): {"events": […]}. */
void
atrium_api_get_site_events_async (AtriumApi           *self,
                                  gint64               site_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  site_document (self, atrium_api_get_site_events_async, site_id, "events", NULL, NULL, 0,
                 cancellable, callback, user_data);
}

/* ---- export ------------------------------------------------------------------------- */

/**
 * atrium_api_export_async:
 * @table: "bookings", "occupancy", "users" or "audit"
 * @format: (nullable): "csv" (the default) or "xlsx"
 * @from: (nullable): the first day or instant
 * @to: (nullable): the end
 * @destination: the file to write (made private, 0600; replaced only once the whole
 *   export is in: an error or a cancellation leaves whatever was there)
 * @progress: (nullable): called in the caller's context with the bytes written so far
 *
 * Streams the export to @destination without holding it in memory. Finish with
 * atrium_api_export_finish(). The route needs a session with the second factor.
 */
void
atrium_api_export_async (AtriumApi             *self,
                         const char            *table,
                         const char            *format,
                         const char            *from,
                         const char            *to,
                         GFile                 *destination,
                         AtriumApiProgressFunc  progress,
                         gpointer               progress_data,
                         GCancellable          *cancellable,
                         GAsyncReadyCallback    callback,
                         gpointer               user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  const char *names[] = { "format", "from", "to" };
  const char *values[] = { format, from, to };
  Call *call;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (table != NULL && G_IS_FILE (destination));

  escaped = g_uri_escape_string (table, NULL, FALSE);
  base = g_strconcat ("/api/v1/export/", escaped, NULL);
  path = path_with_query (base, names, values, G_N_ELEMENTS (names));
  call = start_call (self, atrium_api_export_async, "GET", path, NULL, NULL, EXPECT_FILE, NULL,
                     0, cancellable, callback, user_data);
  if (call == NULL)
    return;
  soup_message_headers_replace (soup_message_get_request_headers (call->msg), "Accept", "*/*");
  call->destination = g_object_ref (destination);
  call->progress = progress;
  call->progress_data = progress_data;
}

/* The bytes written, or -1 and @error. */
goffset
atrium_api_export_finish (AtriumApi     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == atrium_api_export_async,
                        -1);

  return g_task_propagate_int (G_TASK (result), error);
}

/* ---- administration ----------------------------------------------------------------- */

/* GET @path: an object whose @member is an array. */
static void
get_list (AtriumApi           *self,
          gpointer             tag,
          const char          *path,
          const char          *member,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_API (self));

  start_call (self, tag, "GET", path, NULL, NULL, EXPECT_OBJECT, member, JSON_NODE_ARRAY,
              cancellable, callback, user_data);
}

void
atrium_api_list_users_async (AtriumApi           *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  get_list (self, atrium_api_list_users_async, "/api/v1/users", "users", cancellable,
            callback, user_data);
}

/**
 * atrium_api_create_user_async:
 * @phone: (nullable): E.164
 * @roles: "patron", "staff:SITE", "manager:SITE", "reporting" or "admin"
 *
 * Answers the user; for roles that need a second factor also its "otpauth_uri" and
 * "recovery_codes", to hand over once.
 */
void
atrium_api_create_user_async (AtriumApi           *self,
                              const char          *name,
                              const char          *email,
                              const char          *phone,
                              const char          *password,
                              const char * const  *roles,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (name != NULL && email != NULL && password != NULL);
  g_return_if_fail (roles != NULL && roles[0] != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, email);
  if (phone != NULL)
    {
      json_builder_set_member_name (builder, "phone");
      json_builder_add_string_value (builder, phone);
    }
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_set_member_name (builder, "roles");
  json_builder_begin_array (builder);
  for (guint i = 0; roles[i] != NULL; i++)
    json_builder_add_string_value (builder, roles[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  start_call (self, atrium_api_create_user_async, "POST", "/api/v1/users", body, NULL,
              EXPECT_OBJECT, "id", JSON_NODE_VALUE, cancellable, callback, user_data);
}

/* Disabled (TRUE) or enabled again: answers the user. */
void
atrium_api_set_user_disabled_async (AtriumApi           *self,
                                    gint64               user_id,
                                    gboolean             disabled,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (user_id > 0);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "disabled");
  json_builder_add_boolean_value (builder, disabled);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT, user_id);
  start_call (self, atrium_api_set_user_disabled_async, "PATCH", path, body, NULL,
              EXPECT_OBJECT, "id", JSON_NODE_VALUE, cancellable, callback, user_data);
}

/* The account's sign-in throttles go; finish with atrium_api_done_finish(). */
void
atrium_api_unlock_user_async (AtriumApi           *self,
                              gint64               user_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (user_id > 0);

  path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/unlock", user_id);
  start_call (self, atrium_api_unlock_user_async, "POST", path, NULL, NULL, EXPECT_NOTHING,
              NULL, 0, cancellable, callback, user_data);
}

/* A lost phone: the second factor and the sessions go; answers the user, with a new
 * "otpauth_uri" and "recovery_codes" when the roles need one. */
void
atrium_api_reset_second_factor_async (AtriumApi           *self,
                                      gint64               user_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (user_id > 0);

  path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/reset-2fa", user_id);
  start_call (self, atrium_api_reset_second_factor_async, "POST", path, NULL, NULL,
              EXPECT_OBJECT, "id", JSON_NODE_VALUE, cancellable, callback, user_data);
}

/* One's own sessions: {"sessions": [{"id", "created_at", "last_seen_at", "ip",
 * "user_agent", "current"}]}. */
void
atrium_api_list_sessions_async (AtriumApi           *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  get_list (self, atrium_api_list_sessions_async, "/api/v1/auth/sessions", "sessions",
            cancellable, callback, user_data);
}

/* Ends one of one's sessions; finish with atrium_api_done_finish(). */
void
atrium_api_revoke_session_async (AtriumApi           *self,
                                 gint64               session_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (session_id > 0);

  path = g_strdup_printf ("/api/v1/auth/sessions/%" G_GINT64_FORMAT, session_id);
  start_call (self, atrium_api_revoke_session_async, "DELETE", path, NULL, NULL,
              EXPECT_NOTHING, NULL, 0, cancellable, callback, user_data);
}

/* An administrator's view of a user's sessions, the same objects as one's own. */
void
atrium_api_list_user_sessions_async (AtriumApi           *self,
                                     gint64               user_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (user_id > 0);

  path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions", user_id);
  get_list (self, atrium_api_list_user_sessions_async, path, "sessions", cancellable,
            callback, user_data);
}

/* An administrator ends one of a user's sessions, or all of them when @session_id is 0;
 * finish with atrium_api_done_finish(). */
void
atrium_api_revoke_user_sessions_async (AtriumApi           *self,
                                       gint64               user_id,
                                       gint64               session_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (user_id > 0);
  g_return_if_fail (session_id >= 0);

  path = session_id > 0
         ? g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions/%" G_GINT64_FORMAT,
                            user_id, session_id)
         : g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions", user_id);
  start_call (self, atrium_api_revoke_user_sessions_async, "DELETE", path, NULL, NULL,
              EXPECT_NOTHING, NULL, 0, cancellable, callback, user_data);
}

/**
 * atrium_api_get_audit_async:
 * @from: (nullable): RFC 3339
 * @to: (nullable): RFC 3339
 * @event: (nullable): only this event ("authn_login_failed"…)
 * @limit: at most this many (0: the server's default)
 *
 * The audit log, newest first: {"entries": […]}.
 */
void
atrium_api_get_audit_async (AtriumApi           *self,
                            const char          *from,
                            const char          *to,
                            const char          *event,
                            guint                limit,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autofree char *limit_text = limit > 0 ? g_strdup_printf ("%u", limit) : NULL;
  const char *names[] = { "from", "to", "event", "limit" };
  const char *values[] = { from, to, event, limit_text };
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));

  path = path_with_query ("/api/v1/audit", names, values, G_N_ELEMENTS (names));
  get_list (self, atrium_api_get_audit_async, path, "entries", cancellable, callback,
            user_data);
}

/* Security events, newest first: {"events": […]} (@limit 0: the server's default). */
void
atrium_api_get_security_events_async (AtriumApi           *self,
                                      guint                limit,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autofree char *limit_text = limit > 0 ? g_strdup_printf ("%u", limit) : NULL;
  const char *names[] = { "limit" };
  const char *values[] = { limit_text };
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));

  path = path_with_query ("/api/v1/security/events", names, values, G_N_ELEMENTS (names));
  get_list (self, atrium_api_get_security_events_async, path, "events", cancellable, callback,
            user_data);
}

/* The addresses blocked now: {"blocks": […]}. */
void
atrium_api_list_blocks_async (AtriumApi           *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  get_list (self, atrium_api_list_blocks_async, "/api/v1/security/blocks", "blocks",
            cancellable, callback, user_data);
}

/* Lifts the block of @ip; finish with atrium_api_done_finish(). */
void
atrium_api_unblock_async (AtriumApi           *self,
                          const char          *ip,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (ip != NULL);

  escaped = g_uri_escape_string (ip, NULL, FALSE);
  path = g_strconcat ("/api/v1/security/blocks/", escaped, NULL);
  start_call (self, atrium_api_unblock_async, "DELETE", path, NULL, NULL, EXPECT_NOTHING,
              NULL, 0, cancellable, callback, user_data);
}

/* The finish of the calls that answer nothing (unlock, revoke, unblock). */
gboolean
atrium_api_done_finish (AtriumApi     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- managers: resources, booking rules, opening hours ------------------------------ */

static void
send_object (AtriumApi           *self,
             gpointer             source_tag,
             const char          *method,
             const char          *path,
             JsonNode            *body,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  start_call (self, source_tag, method, path, body, NULL, EXPECT_OBJECT, NULL, 0, cancellable,
              callback, user_data);
}

void
atrium_api_create_resource_async (AtriumApi           *self,
                                  gint64               site_id,
                                  JsonNode            *body,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (site_id > 0 && body != NULL && JSON_NODE_HOLDS_OBJECT (body));

  path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/resources", site_id);
  send_object (self, atrium_api_create_resource_async, "POST", path, body, cancellable,
               callback, user_data);
}

void
atrium_api_update_resource_async (AtriumApi           *self,
                                  gint64               resource_id,
                                  JsonNode            *body,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (resource_id > 0 && body != NULL && JSON_NODE_HOLDS_OBJECT (body));

  path = g_strdup_printf ("/api/v1/resources/%" G_GINT64_FORMAT, resource_id);
  send_object (self, atrium_api_update_resource_async, "PATCH", path, body, cancellable,
               callback, user_data);
}

void
atrium_api_put_booking_rules_async (AtriumApi           *self,
                                    gint64               site_id,
                                    const char          *type,
                                    JsonNode            *body,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (site_id > 0 && type != NULL);
  g_return_if_fail (body != NULL && JSON_NODE_HOLDS_OBJECT (body));

  escaped = g_uri_escape_string (type, NULL, FALSE);
  path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/booking-rules/%s", site_id,
                          escaped);
  send_object (self, atrium_api_put_booking_rules_async, "PUT", path, body, cancellable,
               callback, user_data);
}

void
atrium_api_update_site_async (AtriumApi           *self,
                              gint64               site_id,
                              JsonNode            *body,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (ATRIUM_IS_API (self));
  g_return_if_fail (site_id > 0 && body != NULL && JSON_NODE_HOLDS_OBJECT (body));

  path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT, site_id);
  send_object (self, atrium_api_update_site_async, "PATCH", path, body, cancellable,
               callback, user_data);
}
