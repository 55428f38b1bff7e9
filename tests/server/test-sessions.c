/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An administrator's view of a user's sessions, against the real `atrium-server` binary
 * on loopback: listing them, ending one or all (the tokens are refused on the very next
 * request, others keep working), the audit row and security event of each revocation,
 * and the refusals (not an administrator, no such user, a malformed id). */
#include "config.h"

#include <string.h>

#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-users.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"
#include "atrium-totp.h"
#include "atrium-ws-client.h"

#define CONFIG "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\nmax_connections_per_ip = 10000\n" \
               "[live]\nheartbeat_seconds = 1\n"
#define PASSWORD "Sunflower&Tea42x"

typedef struct
{
  AtriumTestProcess *proc;
  guint16            port;
  char              *admin;        /* the administrator's token (second factor done) */
  gint64             admin_id;
  gint64             patron_id;
} Fixture;

static char *
useradd (Fixture    *f,
         const char *name,
         const char *role)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", name);
  const char *args[] = { "useradd", "--data-dir", f->proc->data_dir, name, "--email", email,
                         "--role", role, "--password-stdin", NULL };
  char *out = NULL;

  g_assert_cmpint (atrium_test_run_server_input (PASSWORD "\n", &out, NULL, args), ==, 0);
  return out;
}

static char *
sign_in (Fixture    *f,
         const char *name,
         const char *useradd_out)
{
  return atrium_test_sign_in (f->port, name, PASSWORD, useradd_out,
                              g_get_real_time () / G_USEC_PER_SEC);
}

static guint
call (Fixture    *f,
      const char *method,
      const char *path,
      const char *token,
      JsonNode  **json)
{
  return atrium_test_request (f->port, method, path, token, NULL, NULL, json, NULL);
}

static gint64
user_id (Fixture    *f,
         const char *token)
{
  g_autoptr(JsonNode) me = NULL;

  g_assert_cmpuint (call (f, "GET", "/api/v1/me", token, &me), ==, 200);
  return json_object_get_int_member (json_node_get_object (me), "id");
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *admin_out = NULL;
  g_autofree char *patron_out = NULL;
  g_autofree char *patron = NULL;

  f->proc = atrium_test_process_start (CONFIG, NULL);
  f->port = f->proc->insecure_port;
  admin_out = useradd (f, "root", "admin");
  patron_out = useradd (f, "alice", "patron");
  f->admin = sign_in (f, "root", admin_out);
  f->admin_id = user_id (f, f->admin);
  patron = sign_in (f, "alice", patron_out);
  f->patron_id = user_id (f, patron);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmpint (atrium_test_process_stop (f->proc), ==, 0);
  g_free (f->admin);
}

static JsonArray *
sessions_of (Fixture  *f,
             gint64    user,
             JsonNode **keep)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions",
                                           user);

  g_assert_cmpuint (call (f, "GET", path, f->admin, keep), ==, 200);
  return json_object_get_array_member (json_node_get_object (*keep), "sessions");
}

/* The id of the session that @token is, as its owner sees it. */
static gint64
own_session (Fixture    *f,
             const char *token)
{
  g_autoptr(JsonNode) json = NULL;
  JsonArray *list;

  g_assert_cmpuint (call (f, "GET", "/api/v1/auth/sessions", token, &json), ==, 200);
  list = json_object_get_array_member (json_node_get_object (json), "sessions");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *session = json_array_get_object_element (list, i);

      if (json_object_get_boolean_member (session, "current"))
        return json_object_get_int_member (session, "id");
    }
  g_assert_not_reached ();
}

/* How many entries of @member in the answer to @path (an administrator's list) have
 * "event" @event and, when @field is given, contain @text in it. */
static guint
count_events (Fixture    *f,
              const char *path,
              const char *member,
              const char *field,
              const char *text)
{
  g_autoptr(JsonNode) json = NULL;
  JsonArray *list;
  guint n = 0;

  g_assert_cmpuint (call (f, "GET", path, f->admin, &json), ==, 200);
  list = json_object_get_array_member (json_node_get_object (json), member);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *entry = json_array_get_object_element (list, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "event", NULL),
                     "authn_session_revoked") == 0 &&
          strstr (json_object_get_string_member_with_default (entry, field, ""), text) != NULL)
        n++;
    }
  return n;
}

static void
test_list_and_revoke_one (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *first = sign_in (f, "alice", "");
  g_autofree char *second = sign_in (f, "alice", "");
  gint64 first_id = own_session (f, first);
  gint64 second_id = own_session (f, second);
  g_autofree char *subject = g_strdup_printf ("user:%" G_GINT64_FORMAT, f->patron_id);
  g_autofree char *path = NULL;
  g_autofree char *admin_path = NULL;
  g_autoptr(JsonNode) keep = NULL;
  g_autoptr(JsonNode) after = NULL;
  JsonArray *list;
  gboolean seen_first = FALSE;

  /* Three sessions (the fixture's, and two more), each with what the admin needs. */
  list = sessions_of (f, f->patron_id, &keep);
  g_assert_cmpuint (json_array_get_length (list), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *session = json_array_get_object_element (list, i);

      g_assert_cmpstr (json_object_get_string_member (session, "ip"), ==, "127.0.0.1");
      /* The test's client sends no User-Agent: null, but there. */
      g_assert_true (json_object_has_member (session, "user_agent"));
      g_assert_nonnull (strstr (json_object_get_string_member (session, "created_at"), "T"));
      g_assert_nonnull (strstr (json_object_get_string_member (session, "last_seen_at"), "T"));
      g_assert_false (json_object_get_boolean_member (session, "second_factor"));
      g_assert_false (json_object_get_boolean_member (session, "current"));
      seen_first |= json_object_get_int_member (session, "id") == first_id;
    }
  g_assert_true (seen_first);

  /* Both tokens work (and are now in the server's session cache)… */
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", first, NULL), ==, 200);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", second, NULL), ==, 200);
  /* …one is ended: refused on the very next request; the other still works. */
  path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions/%" G_GINT64_FORMAT,
                          f->patron_id, first_id);
  g_assert_cmpuint (call (f, "DELETE", path, f->admin, NULL), ==, 204);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", first, NULL), ==, 401);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", second, NULL), ==, 200);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", f->admin, NULL), ==, 200);
  list = sessions_of (f, f->patron_id, &after);
  g_assert_cmpuint (json_array_get_length (list), ==, 2);

  /* Recorded, by whom and for whom: the audit trail and the security events. */
  g_assert_cmpuint (count_events (f, "/api/v1/audit", "entries", "subject", subject), ==, 1);
  g_assert_cmpuint (count_events (f, "/api/v1/security/events?limit=50", "events", "detail",
                                  "session"), ==, 1);

  /* Again: gone. Another user's session under this user's path: not found, and kept. */
  g_assert_cmpuint (call (f, "DELETE", path, f->admin, NULL), ==, 404);
  admin_path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions/%" G_GINT64_FORMAT,
                                f->patron_id, own_session (f, f->admin));
  g_assert_cmpuint (call (f, "DELETE", admin_path, f->admin, NULL), ==, 404);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", f->admin, NULL), ==, 200);
  g_assert_cmpint (second_id, !=, first_id);
}

static void
test_revoke_all (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *first = sign_in (f, "alice", "");
  g_autofree char *second = sign_in (f, "alice", "");
  g_autofree char *path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions",
                                           f->patron_id);
  g_autofree char *own_path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions",
                                               f->admin_id);
  g_autofree char *other_admin = atrium_random_base64url (32);
  g_autofree char *other_hash = atrium_token_hash (other_admin);
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) keep = NULL;
  g_autoptr(JsonNode) own = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpuint (call (f, "GET", "/api/v1/me", first, NULL), ==, 200);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", second, NULL), ==, 200);
  g_assert_cmpuint (call (f, "DELETE", path, f->admin, NULL), ==, 204);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", first, NULL), ==, 401);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", second, NULL), ==, 401);
  g_assert_cmpuint (json_array_get_length (sessions_of (f, f->patron_id, &keep)), ==, 0);
  /* Nothing left to end is not an error. */
  g_assert_cmpuint (call (f, "DELETE", path, f->admin, NULL), ==, 204);

  /* All of one's own: the other session of the administrator ends, the one asking stays. */
  db = atrium_store_open (f->proc->data_dir, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (atrium_store_exec_bound (db, "INSERT INTO session (token_hash, user_id,"
                                            " second_factor, created_at, last_seen_at,"
                                            " expires_at, ip, user_agent)"
                                            " VALUES (?1, ?2, 1, ?3, ?3, ?4, '::1', 'test');",
                                            &error, 's', other_hash, 'i', f->admin_id,
                                            'i', now, 'i', now + 3600, 0), ==, 1);
  g_assert_cmpuint (call (f, "GET", "/api/v1/users", other_admin, NULL), ==, 200);
  g_assert_cmpuint (call (f, "DELETE", own_path, f->admin, NULL), ==, 204);
  g_assert_cmpuint (call (f, "GET", "/api/v1/users", other_admin, NULL), ==, 401);
  g_assert_cmpuint (call (f, "GET", "/api/v1/users", f->admin, NULL), ==, 200);
  g_assert_cmpuint (json_array_get_length (sessions_of (f, f->admin_id, &own)), ==, 1);
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *patron = sign_in (f, "alice", "");
  g_autofree char *list = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions",
                                           f->patron_id);
  g_autofree char *one = g_strdup_printf ("%s/%" G_GINT64_FORMAT, list, own_session (f, patron));
  const char *bad[] = { "/api/v1/users/abc/sessions", "/api/v1/users/0/sessions",
                        "/api/v1/users/-3/sessions",
                        "/api/v1/users/99999999999999999999/sessions" };
  g_autofree char *bad_session = g_strdup_printf ("%s/x1", list);
  g_autoptr(JsonNode) error = NULL;

  /* Not an administrator: forbidden, and the session is still there. */
  g_assert_cmpuint (call (f, "GET", list, patron, NULL), ==, 403);
  g_assert_cmpuint (call (f, "DELETE", one, patron, NULL), ==, 403);
  g_assert_cmpuint (call (f, "DELETE", list, patron, NULL), ==, 403);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", patron, NULL), ==, 200);
  /* Not signed in. */
  g_assert_cmpuint (call (f, "GET", list, NULL, NULL), ==, 401);

  /* No such user. */
  g_assert_cmpuint (call (f, "GET", "/api/v1/users/987654/sessions", f->admin, &error), ==,
                    404);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (error), "error"), ==,
                   "not_found");
  g_assert_cmpuint (call (f, "DELETE", "/api/v1/users/987654/sessions", f->admin, NULL), ==,
                    404);
  g_assert_cmpuint (call (f, "DELETE", "/api/v1/users/987654/sessions/1", f->admin, NULL), ==,
                    404);

  /* Malformed ids. */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      g_assert_cmpuint (call (f, "GET", bad[i], f->admin, &answer), ==, 400);
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (answer), "error"),
                       ==, "invalid_id");
      g_assert_cmpuint (call (f, "DELETE", bad[i], f->admin, NULL), ==, 400);
    }
  g_assert_cmpuint (call (f, "DELETE", bad_session, f->admin, NULL), ==, 400);
  g_assert_cmpuint (call (f, "GET", "/api/v1/me", patron, NULL), ==, 200);
}

/* A live feed opened with @token. */
static AtriumWsClient *
open_feed (Fixture    *f,
           const char *token)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(GError) error = NULL;
  AtriumWsClient *client = atrium_ws_client_connect ("127.0.0.1", f->port, 5000, &error);
  guint status = 0;

  g_assert_no_error (error);
  g_assert_true (atrium_ws_client_handshake (client, "127.0.0.1", "/api/v1/live", bearer, 5000,
                                             &status, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 101);
  return client;
}

/* The close code @client gets within @seconds, or 0 when it stays open; pings are
 * answered meanwhile. */
static guint
close_within (AtriumWsClient *client,
              guint           seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumWsFrame) frame = atrium_ws_client_receive (client, 500, &error);

      if (frame != NULL && frame->opcode == ATRIUM_WS_OPCODE_CLOSE)
        return frame->close_code;
      /* The hub drops a subscriber that answers nothing for three heartbeats. */
      if (frame != NULL && frame->opcode == ATRIUM_WS_OPCODE_PING)
        {
          gsize size;
          const void *payload = g_bytes_get_data (frame->payload, &size);

          g_assert_true (atrium_ws_client_send_frame (client, ATRIUM_WS_OPCODE_PONG, TRUE,
                                                      TRUE, payload, size, &error));
        }
    }
  return 0;
}

/* A live feed lasts as long as its session: ended by an administrator, the feed closes
 * (1008) at the next heartbeat, while another session's feed goes on. */
static void
test_live_feed_ends (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *token = sign_in (f, "alice", "");
  g_autofree char *path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT "/sessions/%"
                                           G_GINT64_FORMAT, f->patron_id,
                                           own_session (f, token));
  g_autoptr(AtriumWsClient) ended = open_feed (f, token);
  g_autoptr(AtriumWsClient) kept = NULL;

  /* It stays open over several heartbeats while its session lasts. */
  g_assert_cmpuint (close_within (ended, 3), ==, 0);
  g_assert_cmpuint (call (f, "DELETE", path, f->admin, NULL), ==, 204);
  g_assert_cmpuint (close_within (ended, 10), ==, 1008);
  /* The administrator's own feed is not touched. */
  kept = open_feed (f, f->admin);
  g_assert_cmpuint (close_within (kept, 3), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sessions/list-and-revoke-one", Fixture, NULL, fixture_set_up,
              test_list_and_revoke_one, fixture_tear_down);
  g_test_add ("/sessions/revoke-all", Fixture, NULL, fixture_set_up, test_revoke_all,
              fixture_tear_down);
  g_test_add ("/sessions/refusals", Fixture, NULL, fixture_set_up, test_refusals,
              fixture_tear_down);
  g_test_add ("/sessions/live-feed-ends", Fixture, NULL, fixture_set_up, test_live_feed_ends,
              fixture_tear_down);
  return g_test_run ();
}
