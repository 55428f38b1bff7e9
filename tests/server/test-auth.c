/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sign-in, second factors, sessions and brute force, against the real server library on
 * loopback with a clock the test moves; accounts are made with the real CLI. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "atrium-db.h"
#include "atrium-http-sink.h"
#include "atrium-smtp-sink.h"
#include "atrium-store.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"
#include "atrium-totp.h"

/* 2026-11-24T09:00:00Z */
#define T0 (G_GINT64_CONSTANT (1795510800) * ATRIUM_USEC_PER_SEC)
#define SEC ATRIUM_USEC_PER_SEC

#define PATRON_PW "Blue-Cactus-Lamp7"
#define STAFF_PW  "Sunflower&Tea42x"

/* A relaxed address limit unless a test is about it: the loopback client is one IP. */
#define CONFIG_NO_IP_BLOCK "[brute_force]\nip_max_failures = 10000\n"

typedef struct
{
  AtriumClock      *clock;
  AtriumTestThread *server;
  guint16           port;
  AtriumSmtpSink   *sink;
  guint8            staff_secret[64];
  gsize             staff_secret_len;
  char            **recovery;
} Fixture;

static char *
useradd (Fixture     *f,
         const char  *name,
         const char  *password,
         const char  *role,
         char       **err)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", name);
  g_autofree char *line = g_strconcat (password, "\n", NULL);
  const char *args[] = { "useradd", "--data-dir", atrium_test_thread_data_dir (f->server),
                         name, "--email", email, "--role", role, "--password-stdin", NULL };
  char *out = NULL;
  int status = atrium_test_run_server_input (line, &out, err, args);

  if (status != 0)
    g_clear_pointer (&out, g_free);
  return out;
}

/* A site-scoped route such as the occupancy and booking issues add: staff of the site
 * (or an administrator) only; for anyone else the site's object does not exist. */
static void
handle_site_staff (AtriumRequest *request)
{
  guint64 site = 0;

  if (!g_ascii_string_to_unsigned (atrium_request_get_param (request, 0), 10, 1, G_MAXINT64,
                                   &site, NULL) ||
      !atrium_request_may_at_site (request, (gint64) site,
                                   ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER))
    {
      atrium_request_reply_error (request, 404, "not_found", "There is no such site");
      return;
    }
  atrium_request_reply_bytes (request, 204, NULL, NULL);
}

static const AtriumRoute site_routes[] = {
  { "GET", "/test/sites/{id}/staff", ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER | ATRIUM_ROLE_ADMIN,
    0, NULL, handle_site_staff },
};

static void
add_site_routes (AtriumServer *server,
                 gpointer      user_data)
{
  atrium_server_add_routes (server, site_routes, G_N_ELEMENTS (site_routes));
}

static void
fixture_setup_with (Fixture    *f,
                    const char *config)
{
  g_autofree char *staff = NULL;
  g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL, *p4 = NULL;
  const char *secret;
  g_autofree char *secret_text = NULL;
  g_autofree guint8 *decoded = NULL;
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = NULL;

  f->clock = atrium_clock_new_fixed (T0);
  f->server = atrium_test_thread_start_full (config, f->clock, add_site_routes, NULL);
  f->port = atrium_test_thread_port (f->server);

  g_assert_nonnull ((p1 = useradd (f, "alice", PATRON_PW, "patron", NULL)));
  g_assert_nonnull ((p2 = useradd (f, "bella", PATRON_PW, "patron", NULL)));
  g_assert_nonnull ((p3 = useradd (f, "carol", PATRON_PW, "patron", NULL)));
  g_assert_nonnull ((p4 = useradd (f, "dora", PATRON_PW, "patron", NULL)));
  staff = useradd (f, "sam", STAFF_PW, "staff:1", NULL);
  g_assert_nonnull (staff);

  /* The enrolment the administrator hands over: secret and recovery codes. */
  secret = strstr (staff, "secret=");
  g_assert_nonnull (secret);
  secret_text = g_strndup (secret + 7, strcspn (secret + 7, "&"));
  decoded = atrium_base32_decode (secret_text, &f->staff_secret_len, NULL);
  g_assert_nonnull (decoded);
  memcpy (f->staff_secret, decoded, f->staff_secret_len);
  lines = g_strsplit (staff, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "  "))
      g_ptr_array_add (codes, g_strstrip (g_strdup (lines[i])));
  g_ptr_array_add (codes, NULL);
  f->recovery = (char **) g_ptr_array_steal (codes, NULL);
  g_assert_cmpuint (g_strv_length (f->recovery), ==, 10);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_with (f, data != NULL ? data : CONFIG_NO_IP_BLOCK);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  atrium_test_thread_stop (f->server);
  g_clear_pointer (&f->sink, atrium_smtp_sink_free);
  g_object_unref (f->clock);
  g_strfreev (f->recovery);
}

static void
advance (Fixture *f,
         gint64   seconds)
{
  atrium_clock_advance (f->clock, seconds * SEC);
}

static guint
login (Fixture     *f,
       const char  *name,
       const char  *password,
       char       **body,
       JsonNode   **json,
       SoupMessageHeaders **headers)
{
  g_autofree char *request = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}",
                                              name, password);

  return atrium_test_request (f->port, "POST", "/api/v1/auth/login", NULL, request, body, json,
                              headers);
}

static const char *
member (JsonNode   *node,
        const char *name)
{
  return json_object_get_string_member (json_node_get_object (node), name);
}

static char *
login_token (Fixture    *f,
             const char *name,
             const char *password)
{
  g_autoptr(JsonNode) json = NULL;

  g_assert_cmpuint (login (f, name, password, NULL, &json, NULL), ==, 200);
  g_assert_cmpstr (member (json, "status"), ==, "ok");
  return g_strdup (member (json, "token"));
}

static guint
get (Fixture     *f,
     const char  *path,
     const char  *token,
     JsonNode   **json)
{
  return atrium_test_request (f->port, "GET", path, token, NULL, NULL, json, NULL);
}

/* The body with its request id blanked, to compare answers byte for byte. */
static char *
without_request_id (const char *body)
{
  g_autoptr(GRegex) regex = g_regex_new ("\"request_id\":\"[0-9a-f]+\"", 0, 0, NULL);

  return g_regex_replace_literal (regex, body, -1, 0, "\"request_id\":\"\"", 0, NULL);
}

static char *
totp_now (Fixture *f,
          gint64   offset_steps)
{
  guint32 code = atrium_totp_code (f->staff_secret, f->staff_secret_len,
                                   atrium_clock_now (f->clock) + offset_steps * 30);

  return g_strdup_printf ("%06u", code);
}

static char *
verify (Fixture     *f,
        const char  *challenge,
        const char  *code,
        guint       *status)
{
  g_autofree char *request = g_strdup_printf ("{\"challenge\":\"%s\",\"code\":\"%s\"}",
                                              challenge, code);
  g_autoptr(JsonNode) json = NULL;

  *status = atrium_test_request (f->port, "POST", "/api/v1/auth/2fa/verify", NULL, request,
                                 NULL, &json, NULL);
  return *status == 200 ? g_strdup (member (json, "token")) : NULL;
}

static char *
staff_challenge (Fixture *f)
{
  g_autoptr(JsonNode) json = NULL;

  g_assert_cmpuint (login (f, "sam", STAFF_PW, NULL, &json, NULL), ==, 200);
  g_assert_cmpstr (member (json, "status"), ==, "2fa_required");
  g_assert_null (json_object_get_member (json_node_get_object (json), "token"));
  return g_strdup (member (json, "challenge"));
}

/* ---- tests --------------------------------------------------------------------------- */

static void
test_login_and_session (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *token = login_token (f, "alice", PATRON_PW);
  g_autoptr(JsonNode) me = NULL;
  g_autoptr(JsonNode) sessions = NULL;
  g_autofree char *again = NULL;
  JsonArray *list;

  g_assert_cmpuint (strlen (token), ==, 43);
  g_assert_cmpuint (get (f, "/api/v1/me", token, &me), ==, 200);
  g_assert_cmpstr (member (me, "name"), ==, "alice");
  g_assert_cmpuint (get (f, "/api/v1/auth/sessions", token, &sessions), ==, 200);
  list = json_object_get_array_member (json_node_get_object (sessions), "sessions");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (list, 0),
                                                 "current"));

  /* A new token at each login (no fixation); the old one stays its own session. */
  again = login_token (f, "alice", PATRON_PW);
  g_assert_cmpstr (again, !=, token);

  g_assert_cmpuint (atrium_test_request (f->port, "POST", "/api/v1/auth/logout", token, NULL,
                                         NULL, NULL, NULL), ==, 204);
  g_assert_cmpuint (get (f, "/api/v1/me", token, NULL), ==, 401);
  g_assert_cmpuint (get (f, "/api/v1/me", again, NULL), ==, 200);
  g_assert_cmpuint (get (f, "/api/v1/me", NULL, NULL), ==, 401);
  g_assert_cmpuint (get (f, "/api/v1/me", "not-a-token", NULL), ==, 401);
}

static void
test_identical_answers (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *wrong = NULL, *unknown = NULL, *disabled = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  g_autoptr(SoupMessageHeaders) ha = NULL, hb = NULL, hc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (atrium_test_thread_data_dir (f->server), FALSE,
                                              NULL, &error);

  g_assert_no_error (error);
  g_assert_true (atrium_db_exec (db, "UPDATE user SET disabled = 1 WHERE name = 'dora';",
                                 &error));

  g_assert_cmpuint (login (f, "alice", "Wrong-Password-1", &wrong, NULL, &ha), ==, 401);
  g_assert_cmpuint (login (f, "nobody", "Wrong-Password-1", &unknown, NULL, &hb), ==, 401);
  g_assert_cmpuint (login (f, "dora", PATRON_PW, &disabled, NULL, &hc), ==, 401);

  a = without_request_id (wrong);
  b = without_request_id (unknown);
  c = without_request_id (disabled);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, ==, c);
  g_assert_cmpstr (a, !=, wrong);
  g_assert_cmpstr (soup_message_headers_get_one (ha, "Content-Length"), ==,
                   soup_message_headers_get_one (hb, "Content-Length"));
  g_assert_cmpstr (soup_message_headers_get_one (ha, "Content-Length"), ==,
                   soup_message_headers_get_one (hc, "Content-Length"));
  g_assert_cmpstr (soup_message_headers_get_one (ha, "Content-Type"), ==,
                   soup_message_headers_get_one (hb, "Content-Type"));
}

static guint
retry_after (SoupMessageHeaders *headers)
{
  guint64 value = 0;

  g_assert_true (g_ascii_string_to_unsigned (soup_message_headers_get_one (headers,
                                                                           "Retry-After"),
                                             10, 1, 86400, &value, NULL));
  return (guint) value;
}

static void
test_account_throttle (Fixture       *f,
                       gconstpointer  data)
{
  guint expected = 1;

  /* An existing name and an unknown one are throttled alike. */
  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpuint (login (f, "carol", "Wrong-Password-1", NULL, NULL, NULL), ==, 401);
      g_assert_cmpuint (login (f, "ghost", "Wrong-Password-1", NULL, NULL, NULL), ==, 401);
    }

  for (guint round = 0; round < 14; round++)
    {
      g_autoptr(SoupMessageHeaders) h1 = NULL, h2 = NULL, h3 = NULL;
      g_autofree char *b1 = NULL, *b2 = NULL;
      g_autofree char *n1 = NULL, *n2 = NULL;

      g_assert_cmpuint (login (f, "carol", "Wrong-Password-1", &b1, NULL, &h1), ==, 429);
      g_assert_cmpuint (login (f, "ghost", "Wrong-Password-1", &b2, NULL, &h2), ==, 429);
      n1 = without_request_id (b1);
      n2 = without_request_id (b2);
      g_assert_cmpstr (n1, ==, n2);
      g_assert_cmpuint (retry_after (h1), ==, expected);
      g_assert_cmpuint (retry_after (h2), ==, expected);
      /* While throttled even the right password is not tried. */
      g_assert_cmpuint (login (f, "carol", PATRON_PW, NULL, NULL, &h3), ==, 429);

      advance (f, expected);
      g_assert_cmpuint (login (f, "carol", "Wrong-Password-1", NULL, NULL, NULL), ==, 401);
      g_assert_cmpuint (login (f, "ghost", "Wrong-Password-1", NULL, NULL, NULL), ==, 401);
      expected = MIN (expected * 2, 900);
    }
  g_assert_cmpuint (expected, ==, 900);   /* the delays grew to the 15-minute lock */

  /* After the wait the right password works and clears the count. */
  advance (f, 900);
  g_assert_cmpuint (login (f, "carol", PATRON_PW, NULL, NULL, NULL), ==, 200);
  g_assert_cmpuint (login (f, "carol", "Wrong-Password-1", NULL, NULL, NULL), ==, 401);
  g_assert_cmpuint (login (f, "carol", PATRON_PW, NULL, NULL, NULL), ==, 200);
}

/* With short delays, the hourly cap is what stops a patient attacker. */
static void
test_hourly_cap (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SoupMessageHeaders) headers = NULL;
  guint failures = 0;
  gint64 elapsed;

  while (failures < 100)
    {
      guint status = login (f, "bella", "Wrong-Password-1", NULL, NULL, NULL);

      if (status == 401)
        failures++;
      else
        {
          g_assert_cmpuint (status, ==, 429);
          advance (f, 1);
        }
    }
  elapsed = (atrium_clock_now_usec (f->clock) - T0) / SEC;
  g_test_message ("100 failures in %" G_GINT64_FORMAT " s", elapsed);
  g_assert_cmpint (elapsed, <, 3600);

  advance (f, 2);
  g_assert_cmpuint (login (f, "bella", PATRON_PW, NULL, NULL, &headers), ==, 429);
  g_assert_cmpuint (retry_after (headers), ==, 3600 - elapsed - 2);
  advance (f, 3600);
  g_assert_cmpuint (login (f, "bella", PATRON_PW, NULL, NULL, NULL), ==, 200);
}

static void
test_ip_block (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) json = NULL;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("probe%u", i);

      g_assert_cmpuint (login (f, name, "Wrong-Password-1", NULL, NULL, NULL), ==, 401);
    }
  g_assert_cmpuint (get (f, "/healthz", NULL, &json), ==, 403);
  g_assert_cmpstr (member (json, "error"), ==, "blocked");
  g_assert_cmpuint (login (f, "alice", PATRON_PW, NULL, NULL, NULL), ==, 403);

  advance (f, 601);
  g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 200);

  /* A repeat offender is blocked for a day. */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("again%u", i);

      g_assert_cmpuint (login (f, name, "Wrong-Password-1", NULL, NULL, NULL), ==, 401);
    }
  g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 403);
  advance (f, 601);
  g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 403);
  advance (f, 24 * 3600);
  g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 200);
}

static void
test_totp (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *challenge = staff_challenge (f);
  g_autofree char *code = totp_now (f, 0);
  g_autofree char *token = NULL;
  g_autofree char *replayed = NULL;
  g_autofree char *challenge2 = NULL;
  g_autofree char *challenge3 = NULL;
  g_autofree char *later = NULL;
  g_autofree char *next = NULL;
  g_autoptr(JsonNode) sessions = NULL;
  guint status;

  token = verify (f, challenge, code, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (get (f, "/api/v1/auth/sessions", token, &sessions), ==, 200);
  g_assert_true (json_object_get_boolean_member (
    json_array_get_object_element (json_object_get_array_member (
      json_node_get_object (sessions), "sessions"), 0), "second_factor"));

  /* The same code in the same step: refused, even on a fresh challenge. */
  challenge2 = staff_challenge (f);
  replayed = verify (f, challenge2, code, &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_null (replayed);

  /* A challenge is single-use: the first one is gone. */
  g_assert_null (verify (f, challenge, code, &status));
  g_assert_cmpuint (status, ==, 401);

  /* The next step's code works. */
  advance (f, 30);
  next = totp_now (f, 0);
  later = verify (f, challenge2, next, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (later);

  /* A code two steps old is refused. */
  challenge3 = staff_challenge (f);
  advance (f, 30);
  {
    g_autofree char *old = totp_now (f, -2);

    g_assert_null (verify (f, challenge3, old, &status));
    g_assert_cmpuint (status, ==, 401);
  }
}

static void
test_challenge_expiry (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *challenge = staff_challenge (f);
  g_autofree char *code = NULL;
  guint status;

  advance (f, 10 * 60 + 1);
  code = totp_now (f, 0);
  g_assert_null (verify (f, challenge, code, &status));
  g_assert_cmpuint (status, ==, 401);
}

static void
test_recovery_code (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *c1 = staff_challenge (f);
  g_autofree char *c2 = NULL;
  g_autofree char *token = NULL;
  guint status;

  token = verify (f, c1, f->recovery[3], &status);
  g_assert_cmpuint (status, ==, 200);
  c2 = staff_challenge (f);
  g_assert_null (verify (f, c2, f->recovery[3], &status));
  g_assert_cmpuint (status, ==, 401);
}

static char *
mailed_code (Fixture *f,
             guint    n)
{
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("code is ([0-9]{6})", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_true (atrium_smtp_sink_wait_for (f->sink, n, 5000));
  messages = atrium_smtp_sink_get_messages (f->sink);
  text = atrium_smtp_sink_message_dup_text (messages->pdata[n - 1], NULL);
  g_assert_true (g_regex_match (regex, text, 0, &match));
  return g_match_info_fetch (match, 1);
}

static guint
send_code (Fixture    *f,
           const char *challenge,
           const char *method)
{
  g_autofree char *request = g_strdup_printf ("{\"challenge\":\"%s\",\"method\":\"%s\"}",
                                              challenge, method);

  return atrium_test_request (f->port, "POST", "/api/v1/auth/2fa/send", NULL, request, NULL,
                              NULL, NULL);
}

static void
mail_fixture_setup (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;

  f->sink = atrium_smtp_sink_new (&error);
  g_assert_no_error (error);
  config = g_strdup_printf ("%s[mail]\nhost = 127.0.0.1\nport = %u\ntls = none\n"
                            "from = noreply@library.example\n", CONFIG_NO_IP_BLOCK,
                            atrium_smtp_sink_get_port (f->sink));
  fixture_setup_with (f, config);
}

static void
test_email_code_bound_to_challenge (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *a = staff_challenge (f);
  g_autofree char *b = staff_challenge (f);
  g_autofree char *code = NULL;
  g_autofree char *token = NULL;
  guint status;

  g_assert_cmpuint (send_code (f, a, "email"), ==, 202);
  code = mailed_code (f, 1);
  /* A's code on B: refused. On A: accepted. */
  {
    g_autofree char *wrongly = verify (f, b, code, &status);
    g_autofree char *sam_totp = totp_now (f, 0);

    if (wrongly != NULL)
      g_error ("challenge B accepted challenge A's code %s (A %s, B %s, sam's TOTP now %s)",
               code, a, b, sam_totp);
    g_assert_cmpuint (status, ==, 401);
  }
  token = verify (f, a, code, &status);
  g_assert_cmpuint (status, ==, 200);
  /* Used once only. */
  g_assert_null (verify (f, a, code, &status));
  g_assert_cmpuint (status, ==, 401);

  /* Resending at once is throttled; SMS is not configured, so not offered. */
  g_assert_cmpuint (send_code (f, b, "email"), ==, 202);
  g_assert_cmpuint (send_code (f, b, "email"), ==, 429);
  g_assert_cmpuint (send_code (f, b, "sms"), ==, 401);
}

static void
test_email_code_burns (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *a = staff_challenge (f);
  g_autofree char *code = NULL;
  guint status;

  g_assert_cmpuint (send_code (f, a, "email"), ==, 202);
  code = mailed_code (f, 1);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *token = verify (f, a, "000000", &status);

      g_assert_cmpuint (status, ==, 401);
    }
  /* Five wrong tries burnt it: even the right code fails now. */
  g_assert_null (verify (f, a, code, &status));
  g_assert_cmpuint (status, ==, 401);

  /* And a code expires after 10 minutes. */
  {
    g_autofree char *c = staff_challenge (f);
    g_autofree char *late = NULL;

    g_assert_cmpuint (send_code (f, c, "email"), ==, 202);
    late = mailed_code (f, 2);
    advance (f, 10 * 60 + 1);
    g_assert_null (verify (f, c, late, &status));
    g_assert_cmpuint (status, ==, 401);
  }
}

static void
test_session_timeouts (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *token = login_token (f, "alice", PATRON_PW);
  g_autofree char *idle = login_token (f, "bella", PATRON_PW);
  g_autoptr(JsonNode) json = NULL;

  /* Used every 20 minutes: alive until the 12-hour limit. */
  for (guint i = 0; i < 35; i++)
    {
      advance (f, 20 * 60);
      g_assert_cmpuint (get (f, "/api/v1/me", token, NULL), ==, 200);
    }
  advance (f, 20 * 60);   /* 12 h 0 min */
  g_assert_cmpuint (get (f, "/api/v1/me", token, &json), ==, 401);
  g_assert_cmpstr (member (json, "error"), ==, "session_expired");

  /* Left alone for more than 30 minutes: gone. */
  g_assert_cmpuint (get (f, "/api/v1/me", idle, NULL), ==, 401);
  {
    g_autofree char *fresh = login_token (f, "bella", PATRON_PW);

    advance (f, 29 * 60);
    g_assert_cmpuint (get (f, "/api/v1/me", fresh, NULL), ==, 200);
    advance (f, 31 * 60);
    g_assert_cmpuint (get (f, "/api/v1/me", fresh, NULL), ==, 401);
  }
}

static gint64
first_session_id (Fixture    *f,
                  const char *token)
{
  g_autoptr(JsonNode) json = NULL;

  g_assert_cmpuint (get (f, "/api/v1/auth/sessions", token, &json), ==, 200);
  return json_object_get_int_member (json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (json), "sessions"), 0), "id");
}

static void
test_sessions_are_private (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *alice = login_token (f, "alice", PATRON_PW);
  g_autofree char *bella = login_token (f, "bella", PATRON_PW);
  gint64 bella_session = first_session_id (f, bella);
  gint64 alice_session = first_session_id (f, alice);
  g_autofree char *path = g_strdup_printf ("/api/v1/auth/sessions/%" G_GINT64_FORMAT,
                                           bella_session);
  g_autofree char *own = g_strdup_printf ("/api/v1/auth/sessions/%" G_GINT64_FORMAT,
                                          alice_session);
  g_autoptr(JsonNode) list = NULL;

  /* Another patron's session is "not found", and stays. */
  g_assert_cmpuint (atrium_test_request (f->port, "DELETE", path, alice, NULL, NULL, NULL,
                                         NULL), ==, 404);
  g_assert_cmpuint (get (f, "/api/v1/me", bella, NULL), ==, 200);
  g_assert_cmpuint (get (f, "/api/v1/auth/sessions", alice, &list), ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_node_get_object (list), "sessions")), ==, 1);

  /* One's own may be revoked. */
  g_assert_cmpuint (atrium_test_request (f->port, "DELETE", own, alice, NULL, NULL, NULL,
                                         NULL), ==, 204);
  g_assert_cmpuint (get (f, "/api/v1/me", alice, NULL), ==, 401);
}

static void
test_cli_accounts (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *token = login_token (f, "alice", PATRON_PW);
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  const char *passwd[] = { "passwd", "--data-dir", atrium_test_thread_data_dir (f->server),
                           "alice", "--password-stdin", NULL };
  const char *userdel[] = { "userdel", "--data-dir", atrium_test_thread_data_dir (f->server),
                            "bella", NULL };

  /* Each refusal names its rule. */
  g_assert_null (useradd (f, "erin", "short1A!", "patron", &err));
  g_assert_nonnull (strstr (err, "too_short"));
  g_clear_pointer (&err, g_free);
  g_assert_null (useradd (f, "erin", "alllowercaseletters", "patron", &err));
  g_assert_nonnull (strstr (err, "classes"));
  g_clear_pointer (&err, g_free);
  g_assert_null (useradd (f, "erin", "Password123!", "patron", &err));
  g_assert_nonnull (strstr (err, "common"));
  g_clear_pointer (&err, g_free);
  g_assert_null (useradd (f, "erin", "Erin-Example-2024", "patron", &err));
  g_assert_nonnull (strstr (err, "personal"));
  g_clear_pointer (&err, g_free);
  g_assert_null (useradd (f, "alice", PATRON_PW, "patron", &err));
  g_assert_nonnull (strstr (err, "already exists"));
  g_clear_pointer (&err, g_free);

  /* A new password ends the account's sessions. */
  g_assert_cmpint (atrium_test_run_server_input ("Violet-Harbour-93\n", &out, &err, passwd),
                   ==, 0);
  g_assert_cmpuint (get (f, "/api/v1/me", token, NULL), ==, 401);
  g_assert_cmpuint (login (f, "alice", PATRON_PW, NULL, NULL, NULL), ==, 401);
  g_clear_pointer (&token, g_free);
  token = login_token (f, "alice", "Violet-Harbour-93");

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (atrium_test_run_server_input ("", &out, NULL, userdel), ==, 0);
  g_assert_cmpuint (login (f, "bella", PATRON_PW, NULL, NULL, NULL), ==, 401);
}

static guint
messages_sent (Fixture *f)
{
  g_autoptr(GPtrArray) messages = atrium_smtp_sink_get_messages (f->sink);

  return messages->len;
}

static char *
mailed_text (Fixture *f,
             guint    n)
{
  g_autoptr(GPtrArray) messages = NULL;

  g_assert_true (atrium_smtp_sink_wait_for (f->sink, n, 5000));
  messages = atrium_smtp_sink_get_messages (f->sink);
  g_assert_cmpuint (messages->len, >=, n);
  return atrium_smtp_sink_message_dup_text (messages->pdata[n - 1], NULL);
}

static guint
post (Fixture     *f,
      const char  *path,
      const char  *token,
      const char  *body,
      char       **text,
      JsonNode   **json)
{
  return atrium_test_request (f->port, "POST", path, token, body, text, json, NULL);
}

static void
test_password_reset (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *known = NULL, *unknown = NULL, *a = NULL, *b = NULL;
  g_autofree char *text = NULL, *token = NULL, *body = NULL;
  g_autoptr(JsonNode) refusal = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("enter this code in Atrium:\\s+([A-Za-z0-9_-]{43})",
                                         0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  /* Always 202, the same answer for an unknown login. */
  g_assert_cmpuint (post (f, "/api/v1/auth/password/forgot", NULL, "{\"login\":\"alice\"}",
                          &known, NULL), ==, 202);
  g_assert_cmpuint (post (f, "/api/v1/auth/password/forgot", NULL, "{\"login\":\"nobody\"}",
                          &unknown, NULL), ==, 202);
  a = without_request_id (known);
  b = without_request_id (unknown);
  g_assert_cmpstr (a, ==, b);

  text = mailed_text (f, 1);
  g_assert_true (g_regex_match (regex, text, 0, &match));
  token = g_match_info_fetch (match, 1);
  g_usleep (300000);
  g_assert_cmpuint (messages_sent (f), ==, 1);   /* none for nobody */

  /* A password the policy refuses leaves the token usable. */
  body = g_strdup_printf ("{\"token\":\"%s\",\"password\":\"Password123!\"}", token);
  g_assert_cmpuint (post (f, "/api/v1/auth/password/reset", NULL, body, NULL, &refusal), ==, 422);
  g_assert_cmpstr (member (refusal, "rule"), ==, "common");
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"token\":\"%s\",\"password\":\"Violet-Harbour-93\"}", token);
  g_assert_cmpuint (post (f, "/api/v1/auth/password/reset", NULL, body, NULL, NULL), ==, 204);
  g_assert_cmpuint (login (f, "alice", PATRON_PW, NULL, NULL, NULL), ==, 401);
  g_assert_cmpuint (login (f, "alice", "Violet-Harbour-93", NULL, NULL, NULL), ==, 200);
  /* Single use. */
  g_assert_cmpuint (post (f, "/api/v1/auth/password/reset", NULL, body, NULL, NULL), ==, 400);

  /* And good for 24 hours only. */
  {
    g_autofree char *late_text = NULL, *late = NULL, *late_body = NULL;
    g_autoptr(GMatchInfo) late_match = NULL;
    guint before = messages_sent (f);

    g_assert_cmpuint (post (f, "/api/v1/auth/password/forgot", NULL,
                            "{\"login\":\"bella@example.org\"}", NULL, NULL), ==, 202);
    late_text = mailed_text (f, before + 1);
    g_assert_true (g_regex_match (regex, late_text, 0, &late_match));
    late = g_match_info_fetch (late_match, 1);
    advance (f, 24 * 3600 + 1);
    late_body = g_strdup_printf ("{\"token\":\"%s\",\"password\":\"Violet-Harbour-93\"}",
                                 late);
    g_assert_cmpuint (post (f, "/api/v1/auth/password/reset", NULL, late_body, NULL, NULL), ==,
                      400);
  }
}

static void
test_password_change (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *one = login_token (f, "alice", PATRON_PW);
  g_autofree char *two = login_token (f, "alice", PATRON_PW);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) refusal = NULL;

  g_assert_cmpuint (post (f, "/api/v1/auth/password/change", one,
                          "{\"current\":\"nope\",\"new\":\"Violet-Harbour-93\"}", NULL,
                          NULL), ==, 403);
  g_assert_cmpuint (post (f, "/api/v1/auth/password/change", one,
                          "{\"current\":\"" PATRON_PW "\",\"new\":\"short\"}", NULL,
                          &refusal), ==, 422);
  g_assert_cmpstr (member (refusal, "rule"), ==, "too_short");
  g_assert_cmpuint (post (f, "/api/v1/auth/password/change", one,
                          "{\"current\":\"" PATRON_PW "\",\"new\":\"Violet-Harbour-93\"}",
                          NULL, &answer), ==, 200);
  /* The other session is counted, so the client can offer to end it… */
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "other_sessions"),
                   ==, 1);
  g_assert_cmpuint (get (f, "/api/v1/me", two, NULL), ==, 200);
  /* …and ended when asked. */
  g_assert_cmpuint (post (f, "/api/v1/auth/password/change", one,
                          "{\"current\":\"Violet-Harbour-93\",\"new\":\"Amber-Lantern-58\","
                          "\"end_other_sessions\":true}", NULL, NULL), ==, 200);
  g_assert_cmpuint (get (f, "/api/v1/me", two, NULL), ==, 401);
  g_assert_cmpuint (get (f, "/api/v1/me", one, NULL), ==, 200);
}

static void
test_totp_enrolment (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *token = login_token (f, "alice", PATRON_PW);
  g_autoptr(JsonNode) enrol = NULL;
  g_autoptr(JsonNode) confirmed = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autofree guint8 *secret = NULL;
  g_autofree char *code = NULL;
  g_autofree char *body = NULL;
  gsize len = 0;
  guint status;

  g_assert_cmpuint (post (f, "/api/v1/auth/totp/enroll", token, NULL, NULL, &enrol), ==, 200);
  g_assert_true (g_str_has_prefix (member (enrol, "otpauth_uri"), "otpauth://totp/Atrium:alice?"));
  secret = atrium_base32_decode (member (enrol, "secret"), &len, NULL);
  g_assert_cmpuint (len, ==, 20);

  /* Until confirmed, the patron still signs in with the password alone. */
  g_free (login_token (f, "alice", PATRON_PW));

  g_assert_cmpuint (post (f, "/api/v1/auth/totp/confirm", token, "{\"code\":\"000000\"}",
                          NULL, NULL), ==, 422);
  code = g_strdup_printf ("%06u", atrium_totp_code (secret, len, atrium_clock_now (f->clock)));
  body = g_strdup_printf ("{\"code\":\"%s\"}", code);
  g_assert_cmpuint (post (f, "/api/v1/auth/totp/confirm", token, body, NULL, &confirmed), ==,
                    200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_node_get_object (confirmed), "recovery_codes")), ==, 10);

  /* From now on the password is not enough, and the enrolment code cannot be replayed. */
  g_assert_cmpuint (login (f, "alice", PATRON_PW, NULL, &second, NULL), ==, 200);
  g_assert_cmpstr (member (second, "status"), ==, "2fa_required");
  g_assert_null (verify (f, member (second, "challenge"), code, &status));
  g_assert_cmpuint (status, ==, 401);
  advance (f, 30);
  {
    g_autofree char *next = g_strdup_printf ("%06u", atrium_totp_code (secret, len,
                                                                       atrium_clock_now (f->clock)));
    g_autofree char *session = verify (f, member (second, "challenge"), next, &status);

    g_assert_cmpuint (status, ==, 200);
  }
}

/* A raw request from another loopback address: a new origin for the account. */
static guint
login_from (Fixture    *f,
            const char *from,
            const char *name,
            const char *password)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) local = g_inet_address_new_from_string (from);
  g_autoptr(GSocketAddress) local_address = g_inet_socket_address_new (local, 0);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, f->port);
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}",
                                           name, password);
  g_autofree char *request = g_strdup_printf ("POST /api/v1/auth/login HTTP/1.1\r\n"
                                              "Host: localhost\r\nUser-Agent: Atrium/0.1\r\n"
                                              "Content-Type: application/json\r\n"
                                              "Content-Length: %zu\r\n\r\n%s",
                                              strlen (body), body);
  char answer[64] = { 0 };
  guint status = 0;

  g_assert_true (g_socket_bind (socket, local_address, FALSE, NULL));
  g_assert_true (g_socket_connect (socket, address, NULL, NULL));
  g_socket_send (socket, request, strlen (request), NULL, NULL);
  g_socket_receive (socket, answer, sizeof answer - 1, NULL, NULL);
  sscanf (answer, "HTTP/1.1 %u", &status);
  return status;
}

static void
test_new_origin_notice (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *text = NULL;

  /* The first sign-in ever is not news; the same origin again neither. */
  g_assert_cmpuint (login_from (f, "127.0.0.1", "alice", PATRON_PW), ==, 200);
  g_assert_cmpuint (login_from (f, "127.0.0.1", "alice", PATRON_PW), ==, 200);
  g_usleep (300000);
  g_assert_cmpuint (messages_sent (f), ==, 0);

  g_assert_cmpuint (login_from (f, "127.0.0.4", "alice", PATRON_PW), ==, 200);
  text = mailed_text (f, 1);
  g_assert_nonnull (strstr (text, "127.0.0.4"));
  g_assert_nonnull (strstr (text, "Atrium/0.1"));
}

/* An administrator made with the CLI, signed in with TOTP. */
static char *
admin_token (Fixture *f)
{
  g_autofree char *out = useradd (f, "root", STAFF_PW, "admin", NULL);
  const char *secret = strstr (out, "secret=");
  g_autofree char *secret_text = g_strndup (secret + 7, strcspn (secret + 7, "&"));
  g_autofree guint8 *key = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *code = NULL;
  gsize len = 0;
  guint status;

  key = atrium_base32_decode (secret_text, &len, NULL);
  g_assert_cmpuint (login (f, "root", STAFF_PW, NULL, &json, NULL), ==, 200);
  code = g_strdup_printf ("%06u", atrium_totp_code (key, len, atrium_clock_now (f->clock)));
  return verify (f, member (json, "challenge"), code, &status);
}

static gint64
user_id_of (JsonNode *users,
            const char *name)
{
  JsonArray *list = json_object_get_array_member (json_node_get_object (users), "users");

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *user = json_array_get_object_element (list, i);

      if (g_str_equal (json_object_get_string_member (user, "name"), name))
        return json_object_get_int_member (user, "id");
    }
  return 0;
}

static gint64
audit_count (Fixture    *f,
             const char *event)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (atrium_test_thread_data_dir (f->server), FALSE,
                                              NULL, &error);
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                       "SELECT count (*) FROM audit WHERE event = ?1;", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, event, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* The server keeps sessions it read for up to 2 s (docs/decisions.md, "Session cache"):
 * a change this process writes refuses a token at once however often it was just used;
 * a change written by another process, within 2 s. */
static void
test_session_cache (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *admin = admin_token (f);
  g_autofree char *alice = login_token (f, "alice", PATRON_PW);
  g_autofree char *alice_too = login_token (f, "alice", PATRON_PW);
  g_autofree char *bella = login_token (f, "bella", PATRON_PW);
  g_autofree char *carol = login_token (f, "carol", PATRON_PW);
  g_autofree char *bella_path = NULL;
  g_autofree char *own = NULL;
  g_autoptr(JsonNode) users = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = NULL;

  g_assert_cmpuint (get (f, "/api/v1/users", admin, &users), ==, 200);
  bella_path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT, user_id_of (users, "bella"));
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (get (f, "/api/v1/me", alice, NULL), ==, 200);
      g_assert_cmpuint (get (f, "/api/v1/me", alice_too, NULL), ==, 200);
      g_assert_cmpuint (get (f, "/api/v1/me", bella, NULL), ==, 200);
      g_assert_cmpuint (get (f, "/api/v1/me", carol, NULL), ==, 200);
    }

  /* A revoked session, at once; the account's other session stays. */
  own = g_strdup_printf ("/api/v1/auth/sessions/%" G_GINT64_FORMAT, first_session_id (f, alice));
  g_assert_cmpuint (atrium_test_request (f->port, "DELETE", own, alice, NULL, NULL, NULL,
                                         NULL), ==, 204);
  g_assert_cmpuint (get (f, "/api/v1/me", alice, NULL), ==, 401);
  g_assert_cmpuint (get (f, "/api/v1/me", alice_too, NULL), ==, 200);

  /* A disabled account, at once. */
  g_assert_cmpuint (get (f, "/api/v1/me", bella, NULL), ==, 200);
  g_assert_cmpuint (atrium_test_request (f->port, "PATCH", bella_path, admin,
                                         "{\"disabled\":true}", NULL, NULL, NULL), ==, 200);
  g_assert_cmpuint (get (f, "/api/v1/me", bella, NULL), ==, 401);

  /* Logged out, at once. */
  g_assert_cmpuint (atrium_test_request (f->port, "POST", "/api/v1/auth/logout", alice_too,
                                         NULL, NULL, NULL, NULL), ==, 204);
  g_assert_cmpuint (get (f, "/api/v1/me", alice_too, NULL), ==, 401);

  /* Disabled by another process (this one, writing the file): refused 2 s later at most,
   * though used in between. */
  g_assert_cmpuint (get (f, "/api/v1/me", carol, NULL), ==, 200);
  db = atrium_store_open (atrium_test_thread_data_dir (f->server), FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_db_exec (db, "UPDATE user SET disabled = 1 WHERE name = 'carol';",
                                 &error));
  g_assert_no_error (error);
  get (f, "/api/v1/me", carol, NULL);
  g_usleep (2 * G_USEC_PER_SEC + 100 * 1000);
  g_assert_cmpuint (get (f, "/api/v1/me", carol, NULL), ==, 401);
}

static void
test_admin_users (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *admin = admin_token (f);
  g_autofree char *alice = login_token (f, "alice", PATRON_PW);
  g_autofree char *sam = NULL;
  g_autoptr(JsonNode) users = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) promoted = NULL;
  g_autofree char *path = NULL;
  g_autofree char *alice_path = NULL;
  gint64 erin;
  guint status;

  g_assert_nonnull (admin);
  /* Deny by default: a patron and a staff member are refused the admin API. */
  g_assert_cmpuint (get (f, "/api/v1/users", alice, NULL), ==, 403);
  {
    g_autofree char *challenge = staff_challenge (f);
    g_autofree char *code = totp_now (f, 0);

    sam = verify (f, challenge, code, &status);
    g_assert_cmpuint (status, ==, 200);
  }
  g_assert_cmpuint (get (f, "/api/v1/users", sam, NULL), ==, 403);
  g_assert_cmpuint (audit_count (f, "authz_fail"), >=, 2);

  g_assert_cmpuint (get (f, "/api/v1/users", admin, &users), ==, 200);
  g_assert_cmpint (user_id_of (users, "alice"), >, 0);
  alice_path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT, user_id_of (users, "alice"));
  /* Another patron's record is not for a patron either. */
  g_assert_cmpuint (get (f, alice_path, alice, NULL), ==, 403);

  /* Create: checked like the CLI. */
  g_assert_cmpuint (post (f, "/api/v1/users", admin,
                          "{\"name\":\"erin\",\"email\":\"erin@example.org\","
                          "\"password\":\"Password123!\",\"roles\":[\"patron\"]}", NULL,
                          NULL), ==, 422);
  g_assert_cmpuint (post (f, "/api/v1/users", admin,
                          "{\"name\":\"erin\",\"email\":\"erin@example.org\","
                          "\"password\":\"" PATRON_PW "\",\"roles\":[\"wizard\"]}", NULL,
                          NULL), ==, 422);
  g_assert_cmpuint (post (f, "/api/v1/users", admin,
                          "{\"name\":\"erin\",\"email\":\"erin@example.org\","
                          "\"password\":\"" PATRON_PW "\",\"roles\":[\"patron\"]}", NULL,
                          &created), ==, 201);
  g_assert_cmpuint (post (f, "/api/v1/users", admin,
                          "{\"name\":\"erin\",\"email\":\"erin2@example.org\","
                          "\"password\":\"" PATRON_PW "\",\"roles\":[\"patron\"]}", NULL,
                          NULL), ==, 409);
  erin = json_object_get_int_member (json_node_get_object (created), "id");
  path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT, erin);

  /* A promotion beyond patron enrols a second factor at once, and is audited. */
  {
    g_autofree char *roles_path = g_strdup_printf ("%s/roles", path);

    g_assert_cmpuint (atrium_test_request (f->port, "PUT", roles_path, admin,
                                           "{\"roles\":[\"staff:2\",\"reporting\"]}", NULL,
                                           &promoted, NULL), ==, 200);
    g_assert_true (g_str_has_prefix (member (promoted, "otpauth_uri"), "otpauth://"));
    g_assert_cmpint (audit_count (f, "privilege_permissions_changed"), ==, 1);
  }

  /* Disabling ends the sessions at once. */
  g_assert_cmpuint (atrium_test_request (f->port, "PATCH", alice_path, admin,
                                         "{\"disabled\":true}", NULL, NULL, NULL), ==, 200);
  g_assert_cmpuint (get (f, "/api/v1/me", alice, NULL), ==, 401);
  g_assert_cmpuint (login (f, "alice", PATRON_PW, NULL, NULL, NULL), ==, 401);
  g_assert_cmpuint (atrium_test_request (f->port, "PATCH", alice_path, admin,
                                         "{\"disabled\":false,\"phone\":\"12\"}", NULL, NULL,
                                         NULL), ==, 422);
  g_assert_cmpuint (atrium_test_request (f->port, "PATCH", alice_path, admin,
                                         "{\"disabled\":false}", NULL, NULL, NULL), ==, 200);
  g_free (login_token (f, "alice", PATRON_PW));

  /* Unlock a throttled account. */
  for (guint i = 0; i < 6; i++)
    login (f, "carol", "Wrong-Password-1", NULL, NULL, NULL);
  g_assert_cmpuint (login (f, "carol", PATRON_PW, NULL, NULL, NULL), ==, 429);
  {
    g_autofree char *unlock = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/unlock",
                                               user_id_of (users, "carol"));

    g_assert_cmpuint (post (f, unlock, admin, NULL, NULL, NULL), ==, 204);
  }
  g_assert_cmpuint (login (f, "carol", PATRON_PW, NULL, NULL, NULL), ==, 200);

  /* A lost phone: the old codes stop working and the sessions end. */
  {
    g_autofree char *reset = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/reset-2fa",
                                              user_id_of (users, "sam"));
    g_autoptr(JsonNode) reenrolled = NULL;
    g_autofree char *challenge = NULL;
    g_autofree char *old = NULL;

    g_assert_cmpuint (post (f, reset, admin, NULL, NULL, &reenrolled), ==, 200);
    g_assert_nonnull (member (reenrolled, "otpauth_uri"));
    g_assert_cmpuint (get (f, "/api/v1/me", sam, NULL), ==, 401);
    advance (f, 30);
    challenge = staff_challenge (f);
    old = totp_now (f, 0);
    g_assert_null (verify (f, challenge, old, &status));
    g_assert_cmpuint (status, ==, 401);
  }

  g_assert_cmpuint (atrium_test_request (f->port, "DELETE", path, admin, NULL, NULL, NULL,
                                         NULL), ==, 204);
  g_assert_cmpuint (get (f, path, admin, NULL), ==, 404);
  g_assert_cmpint (audit_count (f, "user_deleted"), ==, 1);
}

static void
test_kiosk_token (Fixture       *f,
                  gconstpointer  data)
{
  const char *add[] = { "kiosk-add", "--data-dir", atrium_test_thread_data_dir (f->server),
                        "--site", "1", NULL };
  const char *revoke[] = { "kiosk-revoke", "--data-dir", atrium_test_thread_data_dir (f->server),
                           "--id", "1", NULL };
  const char *bad[] = { "kiosk-add", "--data-dir", atrium_test_thread_data_dir (f->server),
                        "--site", "none", NULL };
  g_autofree char *out = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (atrium_test_run_server_input ("", &out, NULL, add), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  token = g_strdup (lines[2]);
  g_assert_cmpuint (strlen (token), ==, 43);

  /* A device is no user: the users' routes refuse it (403, known but not allowed). */
  g_assert_cmpuint (get (f, "/api/v1/me", token, &json), ==, 403);
  g_assert_cmpint (atrium_test_run_server_input ("", NULL, NULL, revoke), ==, 0);
  g_assert_cmpuint (get (f, "/api/v1/me", token, NULL), ==, 401);
  g_assert_cmpint (atrium_test_run_server_input ("", NULL, NULL, revoke), ==, 1);
  g_assert_cmpint (atrium_test_run_server_input ("", NULL, NULL, bad), ==, 2);
}

static gint64
security_events (Fixture    *f,
                 const char *event,
                 gboolean    blocked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (atrium_test_thread_data_dir (f->server), FALSE,
                                              NULL, &error);
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                       "SELECT count (*) FROM security_event WHERE event = ?1"
                                       " AND blocked = ?2;", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, event, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, blocked ? 1 : 0);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static void
test_probing_blocked (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *alice = login_token (f, "alice", PATRON_PW);

  /* A patron's refusals and unknown paths add up: ten a minute is a scan. */
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (get (f, "/api/v1/users", alice, NULL), ==, 403);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/admin%u", i);

      g_assert_cmpuint (get (f, path, NULL, NULL), ==, 404);
    }
  g_assert_cmpuint (get (f, "/wp-login.php", NULL, NULL), ==, 404);
  g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 403);
  g_assert_cmpint (security_events (f, "malicious_probe", TRUE), ==, 1);
  advance (f, 601);
  g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 200);
}

static void
test_injection_blocked (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) json = NULL;

  /* A password may hold anything: never scanned. */
  g_assert_cmpuint (login (f, "alice", "x' OR '1'='1", NULL, NULL, NULL), ==, 401);
  g_assert_cmpuint (login (f, "O'Brien", "Wrong-Password-1", NULL, NULL, NULL), ==, 401);
  g_assert_cmpint (security_events (f, "input_injection", TRUE), ==, 0);

  g_assert_cmpuint (login (f, "x' OR '1'='1", "Wrong-Password-1", NULL, &json, NULL), ==, 400);
  g_assert_cmpstr (member (json, "error"), ==, "rejected");
  g_assert_cmpint (security_events (f, "input_injection", TRUE), ==, 1);
  g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 403);
}

static void
test_injection_logged_unblocked (Fixture       *f,
                                 gconstpointer  data)
{
  /* With blocking off (a scanner's test run) the event is still recorded. */
  g_assert_cmpuint (get (f, "/api/v1/me?q=1%20UNION%20SELECT%20password%20FROM%20user", NULL,
                         NULL), ==, 401);
  g_assert_cmpint (security_events (f, "input_injection", FALSE), ==, 1);
  g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 200);
}

static void
test_flood_blocked (Fixture       *f,
                    gconstpointer  data)
{
  guint served = 0;

  /* Three calm minutes teach the server this address's pace (5 a minute)… */
  for (guint minute = 0; minute < 3; minute++)
    {
      for (guint i = 0; i < 5; i++)
        g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 200);
      advance (f, 60);
    }
  /* …then ten times the floor of 6 a minute is allowed, and one more is a flood. */
  while (get (f, "/healthz", NULL, NULL) == 200)
    {
      served++;
      g_assert_cmpuint (served, <=, 61);
    }
  g_test_message ("flood noticed after %u requests in the minute", served);
  g_assert_cmpuint (served, ==, 60);
  g_assert_cmpint (security_events (f, "excess_rate", TRUE), ==, 1);
  g_assert_cmpuint (get (f, "/healthz", NULL, NULL), ==, 403);
}

static void
test_security_endpoints (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *admin = admin_token (f);
  g_autofree char *alice = login_token (f, "alice", PATRON_PW);
  g_autoptr(JsonNode) blocks = NULL;
  g_autoptr(JsonNode) events = NULL;
  g_autoptr(JsonNode) audit = NULL;
  JsonArray *list;

  /* 127.0.0.5 sends an injection and is blocked; the administrator sees and lifts it. */
  g_assert_cmpuint (login_from (f, "127.0.0.5", "x' OR '1'='1", "pw"), ==, 400);
  g_assert_cmpuint (login_from (f, "127.0.0.5", "alice", PATRON_PW), ==, 403);

  g_assert_cmpuint (get (f, "/api/v1/security/blocks", alice, NULL), ==, 403);
  g_assert_cmpuint (get (f, "/api/v1/security/blocks", admin, &blocks), ==, 200);
  list = json_object_get_array_member (json_node_get_object (blocks), "blocks");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "ip"),
                   ==, "127.0.0.5");
  g_assert_cmpuint (get (f, "/api/v1/security/events?limit=5", admin, &events), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (events), "events"), 0), "event"), ==,
    "input_injection");
  g_assert_cmpuint (get (f, "/api/v1/security/events?limit=0", admin, NULL), ==, 400);

  g_assert_cmpuint (atrium_test_request (f->port, "DELETE", "/api/v1/security/blocks/127.0.0.5",
                                         admin, NULL, NULL, NULL, NULL), ==, 204);
  g_assert_cmpuint (atrium_test_request (f->port, "DELETE", "/api/v1/security/blocks/127.0.0.5",
                                         admin, NULL, NULL, NULL, NULL), ==, 404);
  g_assert_cmpuint (login_from (f, "127.0.0.5", "alice", PATRON_PW), ==, 200);

  /* The audit trail, filtered: the administrator's own sign-ins and the unblock. */
  g_assert_cmpuint (get (f, "/api/v1/audit?event=ip_unblocked", admin, &audit), ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_node_get_object (audit), "entries")), ==, 1);
  g_assert_cmpuint (get (f, "/api/v1/audit?from=yesterday", admin, NULL), ==, 400);
}

static void
test_sms_code (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumHttpSink) sink = atrium_http_sink_new (&error);
  g_autoptr(AtriumClock) clock = atrium_clock_new_fixed (T0);
  g_autofree char *config = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GRegex) regex = g_regex_new ("code is ([0-9]{6})", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *code = NULL;
  g_autofree char *token = NULL;
  AtriumTestThread *server;
  AtriumHttpSinkRequest *sent;
  const char *text;
  guint status;

  g_assert_no_error (error);
  config = g_strdup_printf ("%s[sms]\nurl = http://127.0.0.1:%u/send\n"
                            "body_template = {\"to\":\"{to}\",\"text\":\"{message}\"}\n",
                            CONFIG_NO_IP_BLOCK, atrium_http_sink_get_port (sink));
  server = atrium_test_thread_start (config, clock);
  {
    const char *args[] = { "useradd", "--data-dir", atrium_test_thread_data_dir (server), "mia",
                           "--email", "mia@example.org", "--phone", "+33612345678",
                           "--role", "staff:1", "--password-stdin", NULL };

    g_assert_cmpint (atrium_test_run_server_input (STAFF_PW "\n", NULL, NULL, args), ==, 0);
  }
  f->port = atrium_test_thread_port (server);

  g_assert_cmpuint (login (f, "mia", STAFF_PW, NULL, &json, NULL), ==, 200);
  {
    JsonArray *methods = json_object_get_array_member (json_node_get_object (json), "methods");
    gboolean has_sms = FALSE;

    for (guint i = 0; i < json_array_get_length (methods); i++)
      has_sms |= g_str_equal (json_array_get_string_element (methods, i), "sms");
    g_assert_true (has_sms);
  }
  g_assert_cmpuint (send_code (f, member (json, "challenge"), "sms"), ==, 202);
  g_assert_true (atrium_http_sink_wait_for (sink, 1, 5000));
  requests = atrium_http_sink_get_requests (sink);
  sent = requests->pdata[0];
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (sent->body, NULL),
                                             g_bytes_get_size (sent->body), NULL));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (
    json_parser_get_root (parser)), "to"), ==, "+33612345678");
  text = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                        "text");
  g_assert_true (g_regex_match (regex, text, 0, &match));
  code = g_match_info_fetch (match, 1);
  token = verify (f, member (json, "challenge"), code, &status);
  g_assert_cmpuint (status, ==, 200);
  atrium_test_thread_stop (server);
}

static char *
staff_token (Fixture    *f,
             const char *name,
             const char *role)
{
  g_autofree char *out = useradd (f, name, STAFF_PW, role, NULL);
  const char *secret = strstr (out, "secret=");
  g_autofree char *secret_text = g_strndup (secret + 7, strcspn (secret + 7, "&"));
  g_autofree guint8 *key = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *code = NULL;
  gsize len = 0;
  guint status;

  key = atrium_base32_decode (secret_text, &len, NULL);
  g_assert_cmpuint (login (f, name, STAFF_PW, NULL, &json, NULL), ==, 200);
  code = g_strdup_printf ("%06u", atrium_totp_code (key, len, atrium_clock_now (f->clock)));
  return verify (f, member (json, "challenge"), code, &status);
}

/* Who may touch what: patrons each other's sessions, staff each other's sites. */
static void
test_idor_matrix (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *one = staff_token (f, "una", "staff:1");
  g_autofree char *two = staff_token (f, "tom", "staff:2");
  g_autofree char *boss = staff_token (f, "meg", "manager:2");
  g_autofree char *admin = admin_token (f);
  g_autofree char *alice = login_token (f, "alice", PATRON_PW);
  struct { const char *who; const char *token; const char *path; guint status; } matrix[] = {
    { "staff 1", one, "/test/sites/1/staff", 204 },
    { "staff 1", one, "/test/sites/2/staff", 404 },
    { "staff 2", two, "/test/sites/2/staff", 204 },
    { "staff 2", two, "/test/sites/1/staff", 404 },
    { "manager 2", boss, "/test/sites/2/staff", 204 },
    { "manager 2", boss, "/test/sites/1/staff", 404 },
    { "admin", admin, "/test/sites/1/staff", 204 },
    { "admin", admin, "/test/sites/2/staff", 204 },
    { "patron", alice, "/test/sites/1/staff", 403 },
    { "nobody", NULL, "/test/sites/1/staff", 401 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (matrix); i++)
    {
      guint status = get (f, matrix[i].path, matrix[i].token, NULL);

      if (status != matrix[i].status)
        g_error ("%s on %s: %u, expected %u", matrix[i].who, matrix[i].path, status,
                 matrix[i].status);
    }
}

static void
test_account_pace (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *token = login_token (f, "alice", PATRON_PW);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(JsonNode) json = NULL;

  for (guint i = 0; i < 20; i++)
    g_assert_cmpuint (get (f, "/api/v1/me", token, NULL), ==, 200);
  g_assert_cmpuint (atrium_test_request (f->port, "GET", "/api/v1/me", token, NULL, NULL, &json,
                                         &headers), ==, 429);
  g_assert_cmpstr (member (json, "error"), ==, "rate_limited");
  g_assert_cmpuint (retry_after (headers), >=, 1);
  /* Another account is not slowed down. */
  {
    g_autofree char *other = login_token (f, "bella", PATRON_PW);

    g_assert_cmpuint (get (f, "/api/v1/me", other, NULL), ==, 200);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_CONFIG(path, config, func) \
  g_test_add (path, Fixture, config, fixture_setup, func, fixture_teardown)
#define ADD_MAIL(path, func) \
  g_test_add (path, Fixture, NULL, mail_fixture_setup, func, fixture_teardown)

  ADD ("/auth/login-and-session", test_login_and_session);
  ADD ("/auth/identical-answers", test_identical_answers);
  ADD ("/auth/account-throttle", test_account_throttle);
  ADD_CONFIG ("/auth/hourly-cap", CONFIG_NO_IP_BLOCK "account_max_delay_seconds = 1\n",
              test_hourly_cap);
  ADD_CONFIG ("/auth/ip-block", "[brute_force]\nip_max_failures = 20\n", test_ip_block);
  ADD ("/auth/totp", test_totp);
  ADD ("/auth/challenge-expiry", test_challenge_expiry);
  ADD ("/auth/recovery-code", test_recovery_code);
  ADD_MAIL ("/auth/email-code-bound-to-challenge", test_email_code_bound_to_challenge);
  ADD_MAIL ("/auth/email-code-burns", test_email_code_burns);
  ADD ("/auth/session-timeouts", test_session_timeouts);
  ADD ("/auth/sessions-are-private", test_sessions_are_private);
  ADD ("/auth/session-cache", test_session_cache);
  ADD ("/auth/cli-accounts", test_cli_accounts);
  ADD_MAIL ("/auth/password-reset", test_password_reset);
  ADD ("/auth/password-change", test_password_change);
  ADD ("/auth/totp-enrolment", test_totp_enrolment);
  ADD_MAIL ("/auth/new-origin-notice", test_new_origin_notice);
  ADD ("/auth/admin-users", test_admin_users);
  ADD ("/auth/kiosk-token", test_kiosk_token);
  ADD ("/auth/probing-blocked", test_probing_blocked);
  ADD ("/auth/injection-blocked", test_injection_blocked);
  ADD ("/auth/flood-blocked", test_flood_blocked);
  ADD ("/auth/security-endpoints", test_security_endpoints);
  ADD ("/auth/sms-code", test_sms_code);
  ADD ("/auth/idor-matrix", test_idor_matrix);
  ADD_CONFIG ("/auth/account-pace", CONFIG_NO_IP_BLOCK "[limits]\nrequests_per_minute_per_account = 20\n",
              test_account_pace);
  ADD_CONFIG ("/auth/injection-logged-unblocked", CONFIG_NO_IP_BLOCK "[security]\nblocking = false\n",
              test_injection_logged_unblocked);

  return g_test_run ();
}
