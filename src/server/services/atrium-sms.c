/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-sms"

#include "config.h"

#include "atrium-sms.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

/*
 * Thread safety: atrium_sms_send() blocks and may be called from any thread, also from
 * several at once. Each AtriumSms owns a SoupSession bound to a GMainContext of its
 * own; a send takes the object's mutex, makes that context the thread-default one, runs
 * the request with the async API and iterates the context until the answer (or the
 * deadline) comes, then gives the context back. So sends through one AtriumSms are
 * serialised (one gateway connection, reused), and the context is only ever used by the
 * thread that holds the mutex. This relies on libsoup ≥ 3.2, which lets any thread send
 * with a session (see libsoup's "Client thread safety").
 */

#define DEFAULT_TIMEOUT_SECONDS 30
#define MAX_TIMEOUT_SECONDS     3600
#define MAX_TEMPLATE_LEN        (64 * 1024)
#define MAX_MESSAGE_CHARS       1600
#define MAX_ANSWER_EXCERPT      200
#define ANSWER_READ_LEN         4096

#ifdef PACKAGE_VERSION
#define SMS_USER_AGENT "Atrium/" PACKAGE_VERSION
#else
#define SMS_USER_AGENT "Atrium"
#endif

typedef enum
{
  ESCAPE_JSON,
  ESCAPE_FORM,
  ESCAPE_NONE,
} Escaping;

struct _AtriumSms
{
  GObject       parent_instance;

  GUri         *uri;
  char         *display_url;
  char         *body_template;
  char         *content_type;
  Escaping      escaping;
  char         *auth_header;
  guint         timeout_seconds;

  GMutex        mutex;
  GMainContext *context;
  SoupSession  *session;
};

G_DEFINE_FINAL_TYPE (AtriumSms, atrium_sms, G_TYPE_OBJECT)

G_DEFINE_QUARK (atrium-sms-error-quark, atrium_sms_error)

/* ---- escaping ------------------------------------------------------------------------ */

/**
 * atrium_sms_append_json_escaped:
 * @out: where to append
 * @text: valid UTF-8
 *
 * Appends @text escaped for the inside of a JSON string (RFC 8259 §7), without the
 * quotes: the quote, the backslash and every control character are escaped; U+2028 and
 * U+2029 too, for gateways that paste the value into JavaScript.
 */
void
atrium_sms_append_json_escaped (GString    *out,
                                const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else if (c == 0xe2 && (guchar) p[1] == 0x80 &&
                   ((guchar) p[2] == 0xa8 || (guchar) p[2] == 0xa9))
            {
              g_string_append_printf (out, "\\u%04x", (guchar) p[2] == 0xa8 ? 0x2028 : 0x2029);
              p += 2;
            }
          else
            g_string_append_c (out, c);
          break;
        }
    }
}

/**
 * atrium_sms_append_form_escaped:
 * @out: where to append
 * @text: any bytes
 *
 * Appends @text as an application/x-www-form-urlencoded value: unreserved characters
 * as they are, space as '+', every other byte percent-encoded.
 */
void
atrium_sms_append_form_escaped (GString    *out,
                                const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
        g_string_append_c (out, *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        g_string_append_printf (out, "%%%02X", (guchar) *p);
    }
}

static void
append_escaped (GString    *out,
                Escaping    escaping,
                const char *text)
{
  switch (escaping)
    {
    case ESCAPE_JSON:
      atrium_sms_append_json_escaped (out, text);
      break;
    case ESCAPE_FORM:
      atrium_sms_append_form_escaped (out, text);
      break;
    case ESCAPE_NONE:
    default:
      g_string_append (out, text);
      break;
    }
}

/* One pass: a value that happens to contain "{to}" is never substituted again. */
static char *
fill_template (const char *template,
               Escaping    escaping,
               const char *to,
               const char *message)
{
  GString *out = g_string_sized_new (strlen (template) + strlen (message) * 2 + 32);

  for (const char *p = template; *p != '\0'; )
    {
      if (g_str_has_prefix (p, "{to}"))
        {
          append_escaped (out, escaping, to);
          p += strlen ("{to}");
        }
      else if (g_str_has_prefix (p, "{message}"))
        {
          append_escaped (out, escaping, message);
          p += strlen ("{message}");
        }
      else
        {
          g_string_append_c (out, *p++);
        }
    }
  return g_string_free (out, FALSE);
}

/* ---- validation ---------------------------------------------------------------------- */

/**
 * atrium_sms_is_e164:
 * @number: (nullable): a phone number
 *
 * Returns: whether @number is E.164: '+', a non-zero digit, 8 to 15 digits in all,
 *   nothing else (no spaces)
 */
gboolean
atrium_sms_is_e164 (const char *number)
{
  gsize digits;

  if (number == NULL || number[0] != '+' || number[1] < '1' || number[1] > '9')
    return FALSE;
  digits = strspn (number + 1, "0123456789");
  return number[1 + digits] == '\0' && digits >= 8 && digits <= 15;
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
is_header_value (const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
        return FALSE;
    }
  return TRUE;
}

static gboolean
classify_content_type (const char *content_type,
                       Escaping   *escaping)
{
  g_autofree char *media_type = g_ascii_strdown (content_type, strcspn (content_type, ";"));

  g_strstrip (media_type);
  if (strcmp (media_type, "application/json") == 0 ||
      (g_str_has_prefix (media_type, "application/") && g_str_has_suffix (media_type, "+json")))
    *escaping = ESCAPE_JSON;
  else if (strcmp (media_type, "application/x-www-form-urlencoded") == 0)
    *escaping = ESCAPE_FORM;
  else if (strcmp (media_type, "text/plain") == 0)
    *escaping = ESCAPE_NONE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
config_error (GError     **error,
              const char  *message)
{
  g_set_error_literal (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_CONFIG, message);
  return FALSE;
}

static GUri *
parse_url (const char  *url,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL || *url == '\0')
    {
      config_error (error, "The SMS gateway URL is missing");
      return NULL;
    }
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_CONFIG,
                   "The SMS gateway URL is not valid: %s", local_error->message);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0)
    {
      config_error (error, "The SMS gateway URL must start with https://");
      return NULL;
    }
  if (host == NULL || *host == '\0')
    {
      config_error (error, "The SMS gateway URL has no host");
      return NULL;
    }
  if (g_uri_get_userinfo (uri) != NULL)
    {
      config_error (error, "The SMS gateway URL must not hold credentials; "
                           "use the Authorization header setting");
      return NULL;
    }
  if (g_uri_get_fragment (uri) != NULL)
    {
      config_error (error, "The SMS gateway URL must not have a #fragment");
      return NULL;
    }
  if (strcmp (scheme, "http") == 0 && !host_is_loopback (host))
    {
      g_set_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_CONFIG,
                   "Refusing plain http:// to %s: the SMS gateway must use https:// "
                   "unless it is on this machine (127.0.0.1, ::1, localhost)", host);
      return NULL;
    }
  return g_steal_pointer (&uri);
}

/* A template that is not valid JSON once filled in would send garbage; catch it now. */
static gboolean
check_json_template (const char  *template,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *sample = fill_template (template, ESCAPE_JSON, "+10000000000",
                                           "a \"sample\" \\ message\n");

  if (!json_parser_load_from_data (parser, sample, -1, &local_error))
    {
      g_set_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_CONFIG,
                   "The SMS body template is not valid JSON once filled in "
                   "(put {to} and {message} inside strings): %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_message (const char  *message,
                  GError     **error)
{
  if (message == NULL || *message == '\0')
    {
      g_set_error_literal (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_MESSAGE,
                           "The SMS text is empty");
      return FALSE;
    }
  if (!g_utf8_validate (message, -1, NULL))
    {
      g_set_error_literal (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_MESSAGE,
                           "The SMS text is not valid UTF-8");
      return FALSE;
    }
  if (g_utf8_strlen (message, -1) > MAX_MESSAGE_CHARS)
    {
      g_set_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_MESSAGE,
                   "The SMS text is longer than %d characters", MAX_MESSAGE_CHARS);
      return FALSE;
    }
  return TRUE;
}

/**
 * atrium_sms_build_body:
 * @self: an SMS sender
 * @to_e164: the recipient, e.g. "+33612345678"
 * @message: the text, UTF-8
 * @error: return location for an #AtriumSmsError
 *
 * Fills the body template in, each value escaped for the content type.
 *
 * Returns: (transfer full): the request body atrium_sms_send() would send, or %NULL
 */
char *
atrium_sms_build_body (AtriumSms   *self,
                       const char  *to_e164,
                       const char  *message,
                       GError     **error)
{
  g_return_val_if_fail (ATRIUM_IS_SMS (self), NULL);

  if (!atrium_sms_is_e164 (to_e164))
    {
      g_set_error_literal (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_NUMBER,
                           "The phone number must be in international E.164 form, "
                           "such as +33612345678");
      return NULL;
    }
  if (!validate_message (message, error))
    return NULL;

  return fill_template (self->body_template, self->escaping, to_e164, message);
}

/* ---- sending ------------------------------------------------------------------------- */

typedef struct
{
  GCancellable *cancellable;
  GAsyncResult *result;
  gboolean      timed_out;
} SendState;

static void
on_async_done (GObject      *source G_GNUC_UNUSED,
               GAsyncResult *result,
               gpointer      user_data)
{
  SendState *state = user_data;

  state->result = g_object_ref (result);
}

static gboolean
on_deadline (gpointer user_data)
{
  SendState *state = user_data;

  state->timed_out = TRUE;
  g_cancellable_cancel (state->cancellable);
  return G_SOURCE_REMOVE;
}

/* Runs our context until the pending operation has called back; returns its result. */
static GAsyncResult *
wait_for_result (AtriumSms *self,
                 SendState *state)
{
  while (state->result == NULL)
    g_main_context_iteration (self->context, TRUE);
  return state->result;
}

/* Printable excerpt of an error answer, for the operator. */
static char *
answer_excerpt (const char *data,
                gsize       len)
{
  g_autofree char *valid = g_utf8_make_valid (data, MIN (len, MAX_ANSWER_EXCERPT));

  for (char *p = valid; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        *p = ' ';
    }
  return g_strdup (g_strstrip (valid));
}

static void
set_transport_error (AtriumSms  *self,
                     GError     *local_error,
                     gboolean    timed_out,
                     GError    **error)
{
  if (timed_out || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_TIMEOUT,
                 "The SMS gateway %s did not answer within %u s",
                 self->display_url, self->timeout_seconds);
  else if (local_error->domain == G_TLS_ERROR)
    g_set_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_TLS,
                 "TLS with the SMS gateway %s failed: %s",
                 self->display_url, local_error->message);
  else
    g_set_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_NETWORK,
                 "Could not reach the SMS gateway %s: %s",
                 self->display_url, local_error->message);
}

/* Sends @msg and reads the start of the answer, within the deadline. The caller holds
 * the mutex and has made our context the thread-default one. */
static gboolean
run_request (AtriumSms    *self,
             SoupMessage  *msg,
             char        **excerpt_out,
             GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) deadline = NULL;
  g_autofree char *answer = g_malloc (ANSWER_READ_LEN);
  SendState state = { cancellable, NULL, FALSE };
  gsize answer_len = 0;
  gboolean ok = FALSE;

  deadline = g_timeout_source_new (self->timeout_seconds * 1000);
  g_source_set_callback (deadline, on_deadline, &state, NULL);
  g_source_attach (deadline, self->context);

  soup_session_send_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                           on_async_done, &state);
  stream = soup_session_send_finish (self->session, wait_for_result (self, &state),
                                     &local_error);
  g_clear_object (&state.result);

  if (stream != NULL)
    {
      /* Read the start of the answer: enough for an error message, and a short answer
       * read to its end lets the connection be reused. */
      g_input_stream_read_all_async (stream, answer, ANSWER_READ_LEN, G_PRIORITY_DEFAULT,
                                     cancellable, on_async_done, &state);
      ok = g_input_stream_read_all_finish (stream, wait_for_result (self, &state),
                                           &answer_len, &local_error);
      g_clear_object (&state.result);
      /* Closing does not drain what is left of a long answer: libsoup drops the
       * connection instead. */
      g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, on_async_done, &state);
      g_input_stream_close_finish (stream, wait_for_result (self, &state), NULL);
      g_clear_object (&state.result);
    }

  g_source_destroy (deadline);

  if (!ok)
    {
      set_transport_error (self, local_error, state.timed_out, error);
      return FALSE;
    }
  *excerpt_out = answer_excerpt (answer, answer_len);
  return TRUE;
}

/**
 * atrium_sms_send:
 * @self: an SMS sender
 * @to_e164: the recipient, e.g. "+33612345678"
 * @message: the text, UTF-8, at most 1600 characters
 * @error: return location for an #AtriumSmsError
 *
 * POSTs the filled-in template to the gateway and waits for a 2xx answer. Blocks for up
 * to the configured timeout: call it from a worker thread, never from a main loop. A
 * number or message that is not acceptable fails before any connection is made.
 * Redirects are not followed.
 *
 * Returns: %TRUE when the gateway accepted the message
 */
gboolean
atrium_sms_send (AtriumSms   *self,
                 const char  *to_e164,
                 const char  *message,
                 GError     **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *excerpt = NULL;
  const char *reason;
  char *text;
  guint status;
  gboolean retry_later;
  gboolean ok;

  g_return_val_if_fail (ATRIUM_IS_SMS (self), FALSE);

  text = atrium_sms_build_body (self, to_e164, message, error);
  if (text == NULL)
    return FALSE;
  body = g_bytes_new_take (text, strlen (text));

  msg = soup_message_new_from_uri (SOUP_METHOD_POST, self->uri);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (self->auth_header != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  "Authorization", self->auth_header);
  soup_message_set_request_body_from_bytes (msg, self->content_type, body);

  g_mutex_lock (&self->mutex);
  g_main_context_push_thread_default (self->context);
  ok = run_request (self, msg, &excerpt, error);
  g_main_context_pop_thread_default (self->context);
  g_mutex_unlock (&self->mutex);

  if (!ok)
    return FALSE;

  status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return TRUE;

  /* 408 and 429 (Too Many Requests) ask to come back later, as a 5xx does. */
  retry_later = status >= 500 || status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429;
  reason = soup_message_get_reason_phrase (msg);
  g_set_error (error, ATRIUM_SMS_ERROR,
               retry_later ? ATRIUM_SMS_ERROR_UNAVAILABLE : ATRIUM_SMS_ERROR_REJECTED,
               "The SMS gateway %s answered %u %s%s%s", self->display_url, status,
               reason != NULL ? reason : "", *excerpt != '\0' ? ": " : "", excerpt);
  return FALSE;
}

/* ---- object -------------------------------------------------------------------------- */

static void
atrium_sms_finalize (GObject *object)
{
  AtriumSms *self = ATRIUM_SMS (object);

  /* The session's sources live in our context: let it clean up there. */
  if (self->session != NULL)
    {
      g_main_context_push_thread_default (self->context);
      g_clear_object (&self->session);
      while (g_main_context_iteration (self->context, FALSE))
        ;
      g_main_context_pop_thread_default (self->context);
    }
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->mutex);

  g_clear_pointer (&self->uri, g_uri_unref);
  g_free (self->display_url);
  g_free (self->body_template);
  g_free (self->content_type);
  if (self->auth_header != NULL)
    {
      memset (self->auth_header, 0, strlen (self->auth_header));
      g_free (self->auth_header);
    }

  G_OBJECT_CLASS (atrium_sms_parent_class)->finalize (object);
}

static void
atrium_sms_class_init (AtriumSmsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = atrium_sms_finalize;
}

static void
atrium_sms_init (AtriumSms *self)
{
  g_mutex_init (&self->mutex);
  self->context = g_main_context_new ();
}

/**
 * atrium_sms_config_clear:
 * @config: a config whose strings are owned by it
 *
 * Frees the strings of @config (wiping the Authorization value) and zeroes it.
 */
void
atrium_sms_config_clear (AtriumSmsConfig *config)
{
  g_free (config->url);
  g_free (config->body_template);
  g_free (config->content_type);
  if (config->auth_header != NULL)
    memset (config->auth_header, 0, strlen (config->auth_header));
  g_free (config->auth_header);
  g_free (config->ca_file);
  memset (config, 0, sizeof *config);
}

/**
 * atrium_sms_new:
 * @config: the configuration, copied
 * @error: return location for an #ATRIUM_SMS_ERROR_INVALID_CONFIG
 *
 * Checks @config and creates an SMS sender. Refuses plain http:// to anything but a
 * loopback host, credentials in the URL, a template without {to} and {message} or that
 * is not valid JSON once filled in (for a JSON content type), a content type whose
 * escaping is unknown, and header values with control characters.
 *
 * Returns: (transfer full): a new SMS sender, or %NULL
 */
AtriumSms *
atrium_sms_new (const AtriumSmsConfig  *config,
                GError                **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(AtriumSms) self = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  const char *content_type;
  Escaping escaping;

  g_return_val_if_fail (config != NULL, NULL);

  uri = parse_url (config->url, error);
  if (uri == NULL)
    return NULL;

  content_type = config->content_type != NULL && *config->content_type != '\0'
                 ? config->content_type : "application/json";
  if (!is_header_value (content_type) || !classify_content_type (content_type, &escaping))
    {
      config_error (error, "The SMS content type must be application/json (or +json), "
                           "application/x-www-form-urlencoded or text/plain");
      return NULL;
    }

  if (config->body_template == NULL ||
      !g_utf8_validate (config->body_template, -1, NULL) ||
      strlen (config->body_template) > MAX_TEMPLATE_LEN)
    {
      config_error (error, "The SMS body template is missing, too long or not UTF-8");
      return NULL;
    }
  if (strstr (config->body_template, "{to}") == NULL ||
      strstr (config->body_template, "{message}") == NULL)
    {
      config_error (error, "The SMS body template must contain {to} and {message}");
      return NULL;
    }
  if (escaping == ESCAPE_JSON && !check_json_template (config->body_template, error))
    return NULL;

  if (config->auth_header != NULL &&
      (*config->auth_header == '\0' || !is_header_value (config->auth_header)))
    {
      config_error (error, "The SMS Authorization header is empty or holds a line break "
                           "or another control character");
      return NULL;
    }

  if (config->timeout_seconds > MAX_TIMEOUT_SECONDS)
    {
      config_error (error, "The SMS timeout must be at most 3600 seconds");
      return NULL;
    }

  if (config->ca_file != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      database = g_tls_file_database_new (config->ca_file, &local_error);
      if (database == NULL)
        {
          g_set_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_CONFIG,
                       "Could not load the CA file %s: %s", config->ca_file,
                       local_error->message);
          return NULL;
        }
    }

  self = g_object_new (ATRIUM_TYPE_SMS, NULL);
  self->display_url = g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                                  g_uri_get_host (uri), g_uri_get_port (uri),
                                  g_uri_get_path (uri), NULL, NULL);
  self->uri = g_steal_pointer (&uri);
  self->body_template = g_strdup (config->body_template);
  self->content_type = g_strdup (content_type);
  self->escaping = escaping;
  self->auth_header = g_strdup (config->auth_header);
  self->timeout_seconds = config->timeout_seconds > 0 ? config->timeout_seconds
                                                      : DEFAULT_TIMEOUT_SECONDS;

  /* Created with our context as the thread-default one, which binds it there. */
  g_main_context_push_thread_default (self->context);
  self->session = soup_session_new_with_options ("timeout", self->timeout_seconds,
                                                 "user-agent", SMS_USER_AGENT,
                                                 NULL);
  /* A proxy has no business between us and a gateway on this machine. */
  if (strcmp (g_uri_get_scheme (self->uri), "http") == 0)
    soup_session_set_proxy_resolver (self->session, NULL);
  if (database != NULL)
    soup_session_set_tls_database (self->session, database);
  g_main_context_pop_thread_default (self->context);

  return g_steal_pointer (&self);
}
