/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMS sender against a real HTTP server on loopback: the gateway must receive a
 * body that its parser turns back into exactly the number and text we sent. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "atrium-http-sink.h"
#include "atrium-sms.h"

#define NUMBER        "+33612345678"
#define JSON_TEMPLATE "{\"to\":\"{to}\",\"text\":\"{message}\",\"from\":\"Atrium\"}"
#define FORM_TEMPLATE "to={to}&text={message}&from=Atrium"
#define AUTH          "Bearer xyz-123.abc"
#define WAIT_MS       10000

/* Quotes, backslashes, every kind of line break, control characters, a would-be
 * placeholder, non-ASCII from three scripts, an emoji and the JavaScript separators. */
static const char *const TRICKY =
  "Code 123456: \"quoted\" \\ back\\slash \\\" \\n\n"
  "new line\r\ncarriage\rtab\there \x01\x1f\x7f end\n"
  "{to} {message} {\"json\":true} </script>\n"
  "é — Ünïcödé 日本語 Ελληνικά 😀 \xe2\x80\xa8 \xe2\x80\xa9 fin";

static AtriumHttpSink *
new_sink (void)
{
  g_autoptr(GError) error = NULL;
  AtriumHttpSink *sink = atrium_http_sink_new (&error);

  g_assert_no_error (error);
  g_assert_nonnull (sink);
  g_assert_cmpuint (atrium_http_sink_get_port (sink), >, 0);
  return sink;
}

static AtriumSms *
new_sms (const char *url,
         const char *template,
         const char *content_type,
         const char *auth_header,
         guint       timeout_seconds)
{
  g_autoptr(GError) error = NULL;
  AtriumSmsConfig config = {
    .url = (char *) url,
    .body_template = (char *) template,
    .content_type = (char *) content_type,
    .auth_header = (char *) auth_header,
    .timeout_seconds = timeout_seconds,
  };
  AtriumSms *sms = atrium_sms_new (&config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sms);
  return sms;
}

static AtriumHttpSinkRequest *
last_request (AtriumHttpSink *sink,
              guint           n_expected)
{
  g_autoptr(GPtrArray) requests = NULL;

  g_assert_true (atrium_http_sink_wait_for (sink, n_expected, WAIT_MS));
  requests = atrium_http_sink_get_requests (sink);
  g_assert_cmpuint (requests->len, ==, n_expected);
  return g_ptr_array_steal_index (requests, n_expected - 1);
}

static char *
body_string (const AtriumHttpSinkRequest *request)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (request->body, &len);

  return g_strndup (data != NULL ? data : "", len);
}

/* ---- JSON ---------------------------------------------------------------------------- */

static void
test_json (void)
{
  g_autoptr(AtriumHttpSink) sink = new_sink ();
  g_autofree char *url = atrium_http_sink_dup_url (sink, "/v1/send?account=library");
  g_autoptr(AtriumSms) sms = new_sms (url, JSON_TEMPLATE, NULL, AUTH, 10);
  const char *const messages[] = { TRICKY, "Votre code : 123456", "x" };

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumHttpSinkRequest) request = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *body = NULL;
      JsonObject *object;

      g_assert_true (atrium_sms_send (sms, NUMBER, messages[i], &error));
      g_assert_no_error (error);

      request = last_request (sink, i + 1);
      g_assert_cmpstr (request->method, ==, "POST");
      g_assert_cmpstr (request->path, ==, "/v1/send");
      g_assert_cmpstr (request->query, ==, "account=library");
      g_assert_cmpstr (request->content_type, ==, "application/json");
      g_assert_cmpstr (request->authorization, ==, AUTH);
      g_assert_true (g_str_has_prefix (soup_message_headers_get_one (request->headers,
                                                                     "User-Agent"),
                                       "Atrium"));

      /* Valid JSON on the wire: no raw control character, no raw U+2028/9. */
      body = body_string (request);
      g_assert_true (g_utf8_validate (body, -1, NULL));
      for (const char *p = body; *p != '\0'; p++)
        g_assert_cmpuint ((guchar) *p, >=, 0x20);
      g_assert_null (strstr (body, "\xe2\x80\xa8"));
      g_assert_null (strstr (body, "\xe2\x80\xa9"));

      g_assert_true (json_parser_load_from_data (parser, body, -1, &error));
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      object = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpuint (json_object_get_size (object), ==, 3);
      g_assert_cmpstr (json_object_get_string_member (object, "to"), ==, NUMBER);
      g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, messages[i]);
      g_assert_cmpstr (json_object_get_string_member (object, "from"), ==, "Atrium");
    }

  g_assert_finalize_object (g_steal_pointer (&sms));
}

static void
test_json_escaper (void)
{
  const struct { const char *in; const char *out; } cases[] = {
    { "", "" },
    { "plain", "plain" },
    { "\"", "\\\"" },
    { "\\", "\\\\" },
    { "\b\f\n\r\t", "\\b\\f\\n\\r\\t" },
    { "\x01\x1f\x7f", "\\u0001\\u001f\\u007f" },
    { "/", "/" },
    { "é😀", "é😀" },
    { "\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029" },
    { "\xe2\x80\xa7", "\xe2\x80\xa7" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      atrium_sms_append_json_escaped (out, cases[i].in);
      g_assert_cmpstr (out->str, ==, cases[i].out);
    }
}

/* ---- form encoding and plain text ---------------------------------------------------- */

static void
test_form (void)
{
  g_autoptr(AtriumHttpSink) sink = new_sink ();
  g_autofree char *url = atrium_http_sink_dup_url (sink, "/sms");
  g_autoptr(AtriumSms) sms = new_sms (url, FORM_TEMPLATE,
                                      "application/x-www-form-urlencoded", NULL, 10);
  const char *message = "Tom & Jerry = 100% + café ?#/;\nfrom=evil&to=+10000000000 ~._-";
  g_autoptr(AtriumHttpSinkRequest) request = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  g_assert_true (atrium_sms_send (sms, NUMBER, message, &error));
  g_assert_no_error (error);

  request = last_request (sink, 1);
  g_assert_cmpstr (request->content_type, ==, "application/x-www-form-urlencoded");
  g_assert_null (request->authorization);
  body = body_string (request);
  g_assert_cmpuint (strspn (body, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789-._~%+=&"), ==, strlen (body));

  params = g_uri_parse_params (body, -1, "&", G_URI_PARAMS_WWW_FORM, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (params), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (params, "to"), ==, NUMBER);
  g_assert_cmpstr (g_hash_table_lookup (params, "text"), ==, message);
  g_assert_cmpstr (g_hash_table_lookup (params, "from"), ==, "Atrium");

  /* The exact form: '+' of the number escaped, space as '+'. */
  g_assert_true (atrium_sms_send (sms, NUMBER, "a b&c=d", &error));
  g_assert_no_error (error);
  g_clear_pointer (&request, atrium_http_sink_request_free);
  g_clear_pointer (&body, g_free);
  request = last_request (sink, 2);
  body = body_string (request);
  g_assert_cmpstr (body, ==, "to=%2B33612345678&text=a+b%26c%3Dd&from=Atrium");

  g_assert_finalize_object (g_steal_pointer (&sms));
}

static void
test_text_plain (void)
{
  g_autoptr(AtriumHttpSink) sink = new_sink ();
  g_autofree char *url = atrium_http_sink_dup_url (sink, "/sms");
  g_autoptr(AtriumSms) sms = new_sms (url, "{to}\n{message}", "text/plain; charset=utf-8",
                                      NULL, 10);
  g_autoptr(AtriumHttpSinkRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  g_assert_true (atrium_sms_send (sms, NUMBER, "Café {to}", &error));
  g_assert_no_error (error);
  request = last_request (sink, 1);
  g_assert_cmpstr (request->content_type, ==, "text/plain; charset=utf-8");
  body = body_string (request);
  g_assert_cmpstr (body, ==, NUMBER "\nCafé {to}");
}

/* ---- answers from the gateway -------------------------------------------------------- */

static void
test_status (void)
{
  g_autoptr(AtriumHttpSink) sink = new_sink ();
  g_autofree char *url = atrium_http_sink_dup_url (sink, "/send");
  g_autoptr(AtriumSms) sms = new_sms (url, JSON_TEMPLATE, NULL, AUTH, 10);
  const struct { guint status; int code; const char *body; } failures[] = {
    { 500, ATRIUM_SMS_ERROR_UNAVAILABLE, "{\"error\":\"internal\"}" },
    { 503, ATRIUM_SMS_ERROR_UNAVAILABLE, NULL },
    { 429, ATRIUM_SMS_ERROR_UNAVAILABLE, NULL },
    { 400, ATRIUM_SMS_ERROR_REJECTED, "{\"error\":\"bad number\"}\n\x01" },
    { 401, ATRIUM_SMS_ERROR_REJECTED, NULL },
    { 302, ATRIUM_SMS_ERROR_REJECTED, NULL },
  };
  const guint successes[] = { 200, 201, 202, 204 };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (failures); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *status = g_strdup_printf ("%u", failures[i].status);

      atrium_http_sink_set_response (sink, failures[i].status, "application/json",
                                     failures[i].body);
      g_assert_false (atrium_sms_send (sms, NUMBER, "hello", &error));
      g_assert_error (error, ATRIUM_SMS_ERROR, failures[i].code);
      g_assert_nonnull (strstr (error->message, status));
      g_assert_null (strstr (error->message, AUTH));
      if (failures[i].body != NULL && failures[i].status == 400)
        {
          g_assert_nonnull (strstr (error->message, "bad number"));
          g_assert_null (strchr (error->message, '\x01'));
          g_assert_null (strchr (error->message, '\n'));
        }
      n++;
    }

  for (guint i = 0; i < G_N_ELEMENTS (successes); i++)
    {
      g_autoptr(GError) error = NULL;

      atrium_http_sink_set_response (sink, successes[i], "application/json",
                                     successes[i] == 204 ? NULL : "{\"id\":\"42\"}");
      g_assert_true (atrium_sms_send (sms, NUMBER, "hello", &error));
      g_assert_no_error (error);
      n++;
    }

  g_assert_true (atrium_http_sink_wait_for (sink, n, WAIT_MS));
  g_assert_cmpuint (atrium_http_sink_get_request_count (sink), ==, n);

  /* A redirect is not followed (it could drop the body or carry the Authorization
   * elsewhere): one request, to /send, and an error. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) requests = NULL;

      atrium_http_sink_set_response (sink, i == 0 ? 307 : 301, NULL, NULL);
      atrium_http_sink_add_response_header (sink, "Location", "/elsewhere");
      g_assert_false (atrium_sms_send (sms, NUMBER, "hello", &error));
      g_assert_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_REJECTED);
      n++;
      g_assert_false (atrium_http_sink_wait_for (sink, n + 1, 200));
      requests = atrium_http_sink_get_requests (sink);
      g_assert_cmpuint (requests->len, ==, n);
      for (guint j = 0; j < requests->len; j++)
        g_assert_cmpstr (((AtriumHttpSinkRequest *) g_ptr_array_index (requests, j))->path,
                         ==, "/send");
    }
  g_assert_finalize_object (g_steal_pointer (&sms));
}

/* ---- refused before sending ---------------------------------------------------------- */

static void
test_invalid_number (void)
{
  g_autoptr(AtriumHttpSink) sink = new_sink ();
  g_autofree char *url = atrium_http_sink_dup_url (sink, "/send");
  g_autoptr(AtriumSms) sms = new_sms (url, JSON_TEMPLATE, NULL, NULL, 10);
  const char *const bad[] = {
    "", "+", "33612345678", "0612345678", "+0612345678", "+1234567", "+1234567890123456",
    "+33 6 12 34 56 78", "+33-612345678", "++33612345678", "+33612345678\n",
    "+33612345678\",\"admin\":\"1", "+3361234567x", "＋33612345678", "+٣٣612345678",
  };
  const char *const good[] = { "+12345678", "+123456789012345", NUMBER };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (atrium_sms_is_e164 (bad[i]));
      g_assert_false (atrium_sms_send (sms, bad[i], "hello", &error));
      g_assert_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_NUMBER);
    }
  g_assert_false (atrium_sms_is_e164 (NULL));
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (atrium_sms_send (sms, NULL, "hello", &error));
    g_assert_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_NUMBER);
  }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (atrium_sms_is_e164 (good[i]));

  g_assert_cmpuint (atrium_http_sink_get_request_count (sink), ==, 0);
}

static void
test_invalid_message (void)
{
  g_autoptr(AtriumHttpSink) sink = new_sink ();
  g_autofree char *url = atrium_http_sink_dup_url (sink, "/send");
  g_autoptr(AtriumSms) sms = new_sms (url, JSON_TEMPLATE, NULL, NULL, 10);
  g_autofree char *too_long = g_strnfill (1601, 'a');
  g_autoptr(GString) longest = g_string_new (NULL);
  const char *const bad[] = { NULL, "", "not UTF-8 \xff", "overlong \xc0\xaf", too_long };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) local_error = NULL;

      g_assert_false (atrium_sms_send (sms, NUMBER, bad[i], &local_error));
      g_assert_error (local_error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_MESSAGE);
    }
  g_assert_cmpuint (atrium_http_sink_get_request_count (sink), ==, 0);

  /* The limit counts characters, not bytes. */
  for (guint i = 0; i < 1600; i++)
    g_string_append (longest, "é");
  g_assert_true (atrium_sms_send (sms, NUMBER, longest->str, &error));
  g_assert_no_error (error);
}

/* ---- configuration ------------------------------------------------------------------- */

static void
assert_config_refused (const AtriumSmsConfig *config,
                       const char            *expected_fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumSms) sms = atrium_sms_new (config, &error);

  g_assert_null (sms);
  g_assert_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_INVALID_CONFIG);
  if (expected_fragment != NULL)
    g_assert_nonnull (strstr (error->message, expected_fragment));
}

static void
assert_config_accepted (const AtriumSmsConfig *config)
{
  g_autoptr(GError) error = NULL;
  AtriumSms *sms = atrium_sms_new (config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sms);
  g_assert_finalize_object (sms);
}

static void
test_config (void)
{
  const char *const loopback[] = { "http://127.0.0.1:8080/send", "http://127.9.9.9/send",
                                   "http://localhost:8080/send", "http://[::1]:8080/send",
                                   "https://sms.example.org/v1/messages?key=abc",
                                   "https://203.0.113.7/send" };
  const char *const remote_http[] = { "http://sms.example.org/send", "http://10.0.0.1/send",
                                      "http://[::2]/send", "http://127.0.0.1.example.org/",
                                      "http://localhost.example.org/" };
  const char *const bad_urls[] = { "", "not a url", "ftp://sms.example.org/",
                                   "file:///etc/passwd", "https:///send",
                                   "https://user:secret@sms.example.org/send",
                                   "https://sms.example.org/send#frag" };
  const char *const bad_templates[] = { "{\"text\":\"{message}\"}", "{\"to\":\"{to}\"}",
                                        "{\"to\":{to},\"text\":\"{message}\"}",
                                        "{\"to\":\"{to}\",\"text\":{message}}",
                                        "{\"to\":\"{to}\",\"text\":\"{message}\"",
                                        "{\"to\":\"{to}\" \"text\":\"{message}\"}",
                                        "bad \xff {to} {message}", "" };
  AtriumSmsConfig config = {
    .url = (char *) "https://sms.example.org/send",
    .body_template = (char *) JSON_TEMPLATE,
  };
  AtriumSmsConfig base = config;

  assert_config_accepted (&config);

  for (guint i = 0; i < G_N_ELEMENTS (loopback); i++)
    {
      config.url = (char *) loopback[i];
      assert_config_accepted (&config);
    }
  for (guint i = 0; i < G_N_ELEMENTS (remote_http); i++)
    {
      config.url = (char *) remote_http[i];
      assert_config_refused (&config, "https://");
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_urls); i++)
    {
      config.url = (char *) bad_urls[i];
      assert_config_refused (&config, NULL);
    }
  config.url = NULL;
  assert_config_refused (&config, "URL");
  config = base;

  for (guint i = 0; i < G_N_ELEMENTS (bad_templates); i++)
    {
      config.body_template = (char *) bad_templates[i];
      assert_config_refused (&config, "template");
    }
  config.body_template = NULL;
  assert_config_refused (&config, "template");
  config = base;

  config.content_type = (char *) "application/xml";
  assert_config_refused (&config, "content type");
  config.content_type = (char *) "application/json\r\nX-Evil: 1";
  assert_config_refused (&config, "content type");
  config.content_type = (char *) "application/vnd.gateway+json; charset=utf-8";
  assert_config_accepted (&config);
  config.content_type = (char *) "application/x-www-form-urlencoded";
  config.body_template = (char *) FORM_TEMPLATE;
  assert_config_accepted (&config);
  config = base;

  config.auth_header = (char *) "Bearer x\r\nX-Evil: 1";
  assert_config_refused (&config, "Authorization");
  config.auth_header = (char *) "";
  assert_config_refused (&config, "Authorization");
  config = base;

  config.ca_file = (char *) "/nonexistent/atrium-ca.pem";
  assert_config_refused (&config, "CA file");
  config = base;

  config.timeout_seconds = 3601;
  assert_config_refused (&config, "timeout");
  config.timeout_seconds = 3600;
  assert_config_accepted (&config);
  config = base;

  {
    g_auto(AtriumSmsConfig) owned = { 0, };

    owned.url = g_strdup ("https://sms.example.org/send");
    owned.body_template = g_strdup (JSON_TEMPLATE);
    owned.auth_header = g_strdup (AUTH);
    assert_config_accepted (&owned);
  }
}

/* ---- network failures ---------------------------------------------------------------- */

static void
test_timeout (void)
{
  g_autoptr(AtriumHttpSink) sink = new_sink ();
  g_autofree char *url = atrium_http_sink_dup_url (sink, "/slow");
  g_autoptr(AtriumSms) sms = new_sms (url, JSON_TEMPLATE, NULL, NULL, 1);
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint64 elapsed;

  atrium_http_sink_set_delay (sink, 4000);
  start = g_get_monotonic_time ();
  g_assert_false (atrium_sms_send (sms, NUMBER, "hello", &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed, >=, 900 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (elapsed, <, 3 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (atrium_http_sink_get_request_count (sink), ==, 1);
  g_clear_error (&error);

  /* The same sender works again once the gateway is quick. */
  atrium_http_sink_set_delay (sink, 0);
  g_assert_true (atrium_sms_send (sms, NUMBER, "hello again", &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&sms));
}

static guint16
dead_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_assert_true (g_socket_close (socket, &error));
  return port;
}

static void
test_dead_port (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/send", dead_port ());
  g_autoptr(AtriumSms) sms = new_sms (url, JSON_TEMPLATE, NULL, AUTH, 5);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (atrium_sms_send (sms, NUMBER, "hello", &error));
  g_assert_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_null (strstr (error->message, AUTH));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_TIME_SPAN_SECOND);
}

/* ---- TLS ----------------------------------------------------------------------------- */

static void
test_tls (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumHttpSink) sink = atrium_http_sink_new_tls (&error);
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-sms-XXXXXX", &error);
  g_autofree char *ca_file = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *url = NULL;
  g_autofree char *localhost_url = NULL;
  g_autoptr(AtriumSms) untrusted = NULL;
  g_autoptr(AtriumHttpSinkRequest) request = NULL;
  AtriumSmsConfig config = { .body_template = (char *) JSON_TEMPLATE,
                             .auth_header = (char *) AUTH, .timeout_seconds = 10 };

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (ca_file, atrium_http_sink_get_test_certificate_pem (),
                                      -1, &error));
  g_assert_no_error (error);
  url = atrium_http_sink_dup_url (sink, "/send");
  g_assert_true (g_str_has_prefix (url, "https://127.0.0.1:"));
  localhost_url = g_strdup_printf ("https://localhost:%u/send", atrium_http_sink_get_port (sink));

  /* Not in the system's trust store: refused before anything is sent. */
  untrusted = new_sms (url, JSON_TEMPLATE, NULL, AUTH, 10);
  g_assert_false (atrium_sms_send (untrusted, NUMBER, "hello", &error));
  g_assert_error (error, ATRIUM_SMS_ERROR, ATRIUM_SMS_ERROR_TLS);
  g_clear_error (&error);
  g_assert_cmpuint (atrium_http_sink_get_request_count (sink), ==, 0);

  /* Trusted through ca_file, by IP address and by name. */
  config.ca_file = ca_file;
  for (guint i = 0; i < 2; i++)
    {
      AtriumSms *trusted;

      config.url = i == 0 ? url : localhost_url;
      trusted = atrium_sms_new (&config, &error);
      g_assert_no_error (error);
      g_assert_true (atrium_sms_send (trusted, NUMBER, "hello", &error));
      g_assert_no_error (error);
      g_assert_finalize_object (trusted);
    }
  request = last_request (sink, 2);
  g_assert_cmpstr (request->authorization, ==, AUTH);

  g_assert_cmpint (g_remove (ca_file), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ---- many threads, one sender -------------------------------------------------------- */

#define N_THREADS      4
#define SMS_PER_THREAD 3

static gpointer
send_from_thread (gpointer user_data)
{
  AtriumSms *sms = user_data;

  for (guint i = 0; i < SMS_PER_THREAD; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!atrium_sms_send (sms, NUMBER, TRICKY, &error))
        return g_strdup (error->message);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(AtriumHttpSink) sink = new_sink ();
  g_autofree char *url = atrium_http_sink_dup_url (sink, "/send");
  g_autoptr(AtriumSms) sms = new_sms (url, JSON_TEMPLATE, NULL, AUTH, 10);
  g_autoptr(GPtrArray) requests = NULL;
  GThread *threads[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("sender", send_from_thread, sms);
  for (guint i = 0; i < N_THREADS; i++)
    {
      g_autofree char *failure = g_thread_join (threads[i]);

      g_assert_null (failure);
    }

  g_assert_true (atrium_http_sink_wait_for (sink, N_THREADS * SMS_PER_THREAD, WAIT_MS));
  requests = atrium_http_sink_get_requests (sink);
  g_assert_cmpuint (requests->len, ==, N_THREADS * SMS_PER_THREAD);
  for (guint i = 0; i < requests->len; i++)
    {
      AtriumHttpSinkRequest *request = g_ptr_array_index (requests, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *body = body_string (request);

      g_assert_true (json_parser_load_from_data (parser, body, -1, &error));
      g_assert_cmpstr (json_object_get_string_member (
                         json_node_get_object (json_parser_get_root (parser)), "text"),
                       ==, TRICKY);
    }
  g_assert_finalize_object (g_steal_pointer (&sms));
}

/* ---- the sink itself ----------------------------------------------------------------- */

static gpointer
send_slowly (gpointer user_data)
{
  AtriumSms *sms = user_data;
  g_autoptr(GError) error = NULL;

  /* Either answer is fine; the sink must simply not hang or leak. */
  atrium_sms_send (sms, NUMBER, "hello", &error);
  return NULL;
}

static void
test_sink_free_while_delayed (void)
{
  AtriumHttpSink *sink = new_sink ();
  g_autofree char *url = atrium_http_sink_dup_url (sink, "/slow");
  g_autoptr(AtriumSms) sms = new_sms (url, JSON_TEMPLATE, NULL, NULL, 20);
  GThread *thread;
  gint64 start = g_get_monotonic_time ();

  atrium_http_sink_set_delay (sink, 60000);
  thread = g_thread_new ("sender", send_slowly, sms);
  g_assert_true (atrium_http_sink_wait_for (sink, 1, WAIT_MS));
  atrium_http_sink_free (sink);
  g_thread_join (thread);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_TIME_SPAN_SECOND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sms/json", test_json);
  g_test_add_func ("/sms/json-escaper", test_json_escaper);
  g_test_add_func ("/sms/form", test_form);
  g_test_add_func ("/sms/text-plain", test_text_plain);
  g_test_add_func ("/sms/status", test_status);
  g_test_add_func ("/sms/invalid-number", test_invalid_number);
  g_test_add_func ("/sms/invalid-message", test_invalid_message);
  g_test_add_func ("/sms/config", test_config);
  g_test_add_func ("/sms/timeout", test_timeout);
  g_test_add_func ("/sms/dead-port", test_dead_port);
  g_test_add_func ("/sms/tls", test_tls);
  g_test_add_func ("/sms/threads", test_threads);
  g_test_add_func ("/http-sink/free-while-delayed", test_sink_free_while_delayed);

  return g_test_run ();
}
