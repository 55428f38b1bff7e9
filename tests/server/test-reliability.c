/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A booking storm against the real `atrium-server serve`, SIGKILLed at random moments
 * and started again on the same data directory. Client threads book over a few seats
 * (colliding on purpose, some requests breaking a rule on purpose), each request with
 * its own Idempotency-Key, and send every request that was not answered again, with the
 * same key and body, until it is. Then, with the server dead, the store is opened
 * straight from its file: integrity_check, the audit chain, every acknowledged booking
 * there with its id, no two active bookings overlapping on a seat (plain SQL on
 * `booking`, not `booking_slot`), at most one booking per key, and each stored answer
 * the one the client was given. Last, a server started once more replays every answer
 * byte for byte.
 *
 * The seed of the random choices (seats, lengths, the moments of the kills) is printed;
 * ATRIUM_RELIABILITY_SEED=N runs the same choices again (the threads' interleaving is
 * the machine's). The kills' delays make the storm 10 to 15 s and the checks take 5 to
 * 10 s: 20 to 25 s in all on our 2-core machines, under AddressSanitizer as well. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "atrium-clock.h"
#include "atrium-key-file.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-audit.h"
#include "atrium-store-bookings.h"
#include "atrium-store-sites.h"
#include "atrium-store-users.h"
#include "atrium-test-server.h"
#include "atrium-totp.h"

#define N_CLIENTS   4
#define N_SEATS     6
#define N_KILLS     12
/* Each client's requests fall in its own half-hour lanes, so a patron never overlaps
 * their own bookings (the "overlap" rule); clients meet in lane j on the same seats. */
#define LANE_SECONDS 1800
#define MAX_LANES    16000            /* 333 days: within ahead_days = 365 */
/* Lane 13k + 12 of every client asks for 25 minutes, beyond the 20 allowed: a 422;
 * lane 7k + 3 of every client is the same ten minutes of the first seat: all but one
 * get a 409, whatever the random draws. The other lanes draw seat, start and length. */
#define BAD_EVERY    13
#define HOT_EVERY    7

/* Generous: a slow machine slows the storm down, it does not make it fail. */
#define START_TIMEOUT_SECONDS   120
#define REQUEST_TIMEOUT_SECONDS 300
#define IO_TIMEOUT_SECONDS      60
#define KILL_DELAY_MIN_MS       150
#define KILL_DELAY_MAX_MS       1500

#define CONFIG \
  "[limits]\n"                                  \
  "requests_per_minute_per_ip = 1000000\n"      \
  "requests_per_minute_per_account = 1000000\n" \
  "max_connections_per_ip = 10000\n"

/* Never used to sign in: sessions are written with the accounts. */
#define UNUSED_HASH "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$unusedunusedunusedunused"

/* ---- the server process -------------------------------------------------------------- */

typedef struct
{
  char        *base_dir;
  char        *data_dir;
  char        *config_path;
  char        *stdout_path;
  char        *stderr_path;   /* every run's, appended */
  GSubprocess *process;
  guint16      port;
  guint        starts;
} Server;

/* A server left behind by a crashed test would hold its port and store. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A fixed port below the ephemeral range: clients connecting while the server is down
 * could otherwise be given that very port as their own and connect to themselves. */
static guint16
pick_port (void)
{
  g_autofree char *range = NULL;
  guint low = 32768, high = 60999;

  if (g_file_get_contents ("/proc/sys/net/ipv4/ip_local_port_range", &range, NULL, NULL))
    sscanf (range, "%u %u", &low, &high);
  g_assert_cmpuint (low, >, 12000);
  for (guint attempt = 0; attempt < 200; attempt++)
    {
      guint16 port = (guint16) g_random_int_range (10000, (gint32) low - 1);
      struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
      int fd = socket (AF_INET, SOCK_STREAM, 0);
      gboolean free_port;

      address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      free_port = fd >= 0 && bind (fd, (struct sockaddr *) &address, sizeof address) == 0;
      if (fd >= 0)
        close (fd);
      if (free_port)
        return port;
    }
  g_error ("no free port below %u", low);
  return 0;
}

static char *
server_log (Server *server)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (server->stderr_path, &text, NULL, NULL))
    return g_strdup ("");
  return g_strdup (g_strstrip (text));
}

/* `serve` on the fixed port; waits until it says it listens. FALSE if the process
 * ended first (the port may not be free yet), with @error saying why. */
static gboolean
server_spawn (Server  *server,
              GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", server->port);
  g_autofree char *expected = g_strdup_printf ("listening: http (loopback, insecure) port %u",
                                               server->port);
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_SECONDS * G_TIME_SPAN_SECOND;
  int err_fd = open (server->stderr_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  g_assert_cmpint (err_fd, >=, 0);
  g_remove (server->stdout_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, server->stdout_path);
  g_subprocess_launcher_take_stderr_fd (launcher, err_fd);
  server->process = g_subprocess_launcher_spawn (launcher, error, g_getenv ("ATRIUM_SERVER"),
                                                 "serve", "--data-dir", server->data_dir,
                                                 "--config", server->config_path,
                                                 "--insecure-http", listen, NULL);
  g_assert_nonnull (server->process);
  server->starts++;
  for (;;)
    {
      g_autofree char *out = NULL;

      if (g_file_get_contents (server->stdout_path, &out, NULL, NULL) &&
          strstr (out, expected) != NULL)
        return TRUE;
      if (g_subprocess_get_identifier (server->process) == NULL)
        {
          g_autofree char *log = server_log (server);

          g_subprocess_wait (server->process, NULL, NULL);
          g_clear_object (&server->process);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "atrium-server stopped before it listened; its log:\n%s", log);
          return FALSE;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10 * 1000);
    }
}

/* Starts the server, trying again for a while if it could not take its port. */
static void
server_start (Server *server)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_SECONDS * G_TIME_SPAN_SECOND;

  for (;;)
    {
      g_autoptr(GError) error = NULL;

      if (server_spawn (server, &error))
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("%s", error->message);
      g_test_message ("start again: %s", error->message);
      g_usleep (200 * 1000);
    }
}

static void
server_kill (Server *server)
{
  g_assert_nonnull (server->process);
  g_subprocess_send_signal (server->process, SIGKILL);
  g_assert_true (g_subprocess_wait (server->process, NULL, NULL));
  g_assert_false (g_subprocess_get_if_exited (server->process));
  g_assert_cmpint (g_subprocess_get_term_sig (server->process), ==, SIGKILL);
  g_clear_object (&server->process);
}

/* SIGTERM: a clean stop, exit status 0. */
static void
server_stop (Server *server)
{
  g_subprocess_send_signal (server->process, SIGTERM);
  g_assert_true (g_subprocess_wait (server->process, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (server->process));
  g_assert_cmpint (g_subprocess_get_exit_status (server->process), ==, 0);
  g_clear_object (&server->process);
}

/* ---- the institution: one site open day and night, six seats, the patrons ------------ */

typedef struct
{
  gint64  seats[N_SEATS];
  gint64  users[N_CLIENTS];
  char   *tokens[N_CLIENTS];
} Seed;

static void
seed_store (const char *data_dir,
            Seed       *seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);
  g_autoptr(AtriumSite) site = atrium_site_new ();
  /* Five-minute slots, 5 to 20 minutes, a year ahead, no quota. */
  AtriumBookingRules seat = { "seat", 5, 5, 20, 365, -1, -1, 1, FALSE };
  AtriumPeriod day = { 0, 1440 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_no_error (error);
  g_assert_true (atrium_db_exec (db, "BEGIN IMMEDIATE;", &error));
  site->name = g_strdup ("Storm Library");
  site->address = g_strdup ("");
  site->timezone = g_strdup ("UTC");
  site->tz = g_time_zone_new_utc ();
  for (guint d = 1; d <= 7; d++)
    g_array_append_val (site->hours[d], day);
  site->id = atrium_store_site_create (db, site, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_SEATS; i++)
    {
      g_autofree char *name = g_strdup_printf ("Seat %u", i + 1);

      seed->seats[i] = atrium_store_resource_create (db, site->id, 0, "seat", name, 1, NULL,
                                                     &error);
      g_assert_no_error (error);
    }
  g_assert_true (atrium_store_rules_put (db, site->id, &seat, &error));
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("patron%u", i);
      g_autofree char *email = g_strdup_printf ("patron%u@example.org", i);
      g_autofree char *hash = NULL;

      seed->users[i] = atrium_store_user_create (db, name, email, NULL, UNUSED_HASH, now,
                                                 &error);
      g_assert_no_error (error);
      g_assert_true (atrium_store_user_add_role (db, seed->users[i], ATRIUM_ROLE_PATRON, 0,
                                                 &error));
      seed->tokens[i] = atrium_random_base64url (32);
      hash = atrium_token_hash (seed->tokens[i]);
      g_assert_cmpint (atrium_store_exec_bound (db, "INSERT INTO session (token_hash, user_id,"
                                                " second_factor, created_at, last_seen_at,"
                                                " expires_at) VALUES (?1, ?2, 0, ?3, ?3, ?4);",
                                                &error, 's', hash, 'i', seed->users[i],
                                                'i', now, 'i', now + 12 * 3600, 0), ==, 1);
    }
  g_assert_true (atrium_db_exec (db, "COMMIT;", &error));
  g_assert_no_error (error);
}

/* ---- the clients ----------------------------------------------------------------------- */

typedef struct
{
  char    *key;
  char    *body;
  gint64   user_id;
  gint64   seat_id;
  gint64   starts;
  gint64   ends;
  gboolean breaks_rule;   /* 25 minutes: must be a 422 max_duration */
  /* the acknowledgement */
  guint    status;
  char    *answer;
  gboolean replayed;      /* Idempotent-Replayed on the first answer */
  guint    attempts;
} Request;

static void
request_free (Request *request)
{
  g_free (request->key);
  g_free (request->body);
  g_free (request->answer);
  g_free (request);
}

typedef struct
{
  guint        index;
  const Seed  *seed;
  guint16      port;
  GRand       *rand;
  gint64       lanes_from;
  gint        *stop;
  gint        *in_flight;
  GPtrArray   *requests;
  /* figures */
  guint        retries;
  guint        connection_errors;
  guint        server_errors;     /* 5xx answers: tried again, and counted */
  char        *failure;           /* an answer other than 201, 409 and 422, or none */
} Client;

/* Lane @lane of the client: a seat drawn at random, 5 to 20 minutes starting 0, 5 or 10
 * minutes into the lane; or the hot slot, or 25 minutes against the rules. */
static Request *
request_new (Client *client,
             guint   lane)
{
  Request *request = g_new0 (Request, 1);
  g_autofree char *nonce = atrium_random_hex (8);
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  guint slots;

  request->key = g_strdup_printf ("storm-%u-%u-%s", client->index, lane, nonce);
  request->user_id = client->seed->users[client->index];
  request->starts = client->lanes_from + (gint64) lane * LANE_SECONDS;
  request->breaks_rule = lane % BAD_EVERY == BAD_EVERY - 1;
  if (request->breaks_rule)
    {
      request->seat_id = client->seed->seats[g_rand_int_range (client->rand, 0, N_SEATS)];
      slots = 5;
    }
  else if (lane % HOT_EVERY == 3)
    {
      request->seat_id = client->seed->seats[0];
      slots = 2;
    }
  else
    {
      request->seat_id = client->seed->seats[g_rand_int_range (client->rand, 0, N_SEATS)];
      request->starts += g_rand_int_range (client->rand, 0, 3) * 300;
      slots = (guint) g_rand_int_range (client->rand, 1, 5);
    }
  request->ends = request->starts + slots * 300;
  start = atrium_time_format_iso8601 (request->starts * G_USEC_PER_SEC);
  end = atrium_time_format_iso8601 (request->ends * G_USEC_PER_SEC);
  request->body = g_strdup_printf ("{\"resource_id\":%" G_GINT64_FORMAT ",\"start\":\"%s\","
                                   "\"end\":\"%s\"}", request->seat_id, start, end);
  return request;
}

/* One POST: the status (0: no answer) and, with an answer, its body. */
static guint
post (SoupSession *session,
      guint16      port,
      const char  *token,
      const char  *key,
      const char  *body,
      char       **answer_out,
      gboolean    *replayed_out)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/bookings", port);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, "Authorization", bearer);
  soup_message_headers_replace (headers, "Idempotency-Key", key);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  answer = soup_session_send_and_read (session, msg, NULL, NULL);
  if (answer == NULL)
    return 0;
  *answer_out = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  *replayed_out = g_strcmp0 (soup_message_headers_get_one (
                               soup_message_get_response_headers (msg),
                               "Idempotent-Replayed"), "true") == 0;
  return soup_message_get_status (msg);
}

static SoupSession *
session_new (void)
{
  return soup_session_new_with_options ("timeout", IO_TIMEOUT_SECONDS, NULL);
}

/* Sends @request, the same key and body each time, until it is acknowledged (201, 409
 * or 422). FALSE, with client->failure, on any other answer or none for too long. */
static gboolean
send_until_acknowledged (Client      *client,
                         SoupSession *session,
                         Request     *request)
{
  gint64 deadline = g_get_monotonic_time () + REQUEST_TIMEOUT_SECONDS * G_TIME_SPAN_SECOND;
  const char *token = client->seed->tokens[client->index];

  for (;;)
    {
      g_autofree char *answer = NULL;
      gboolean replayed = FALSE;
      guint status;

      g_atomic_int_inc (client->in_flight);
      status = post (session, client->port, token, request->key, request->body, &answer,
                     &replayed);
      g_atomic_int_add (client->in_flight, -1);
      request->attempts++;
      if (status == SOUP_STATUS_CREATED || status == SOUP_STATUS_CONFLICT ||
          status == SOUP_STATUS_UNPROCESSABLE_ENTITY)
        {
          request->status = status;
          request->answer = g_steal_pointer (&answer);
          request->replayed = replayed;
          return TRUE;
        }
      if (status != 0 && status < 500)
        {
          client->failure = g_strdup_printf ("%s answered %u: %s", request->key, status,
                                             answer);
          return FALSE;
        }
      if (status == 0)
        client->connection_errors++;
      else
        client->server_errors++;
      if (g_get_monotonic_time () > deadline)
        {
          client->failure = g_strdup_printf ("%s: not acknowledged in %d s (%u attempts)",
                                             request->key, REQUEST_TIMEOUT_SECONDS,
                                             request->attempts);
          return FALSE;
        }
      client->retries++;
      g_usleep (20 * 1000);
    }
}

static gpointer
client_run (gpointer data)
{
  Client *client = data;
  g_autoptr(SoupSession) session = session_new ();

  for (guint lane = 0; lane < MAX_LANES && !g_atomic_int_get (client->stop); lane++)
    {
      Request *request = request_new (client, lane);

      g_ptr_array_add (client->requests, request);
      if (!send_until_acknowledged (client, session, request))
        {
          g_atomic_int_set (client->stop, TRUE);
          break;
        }
    }
  return NULL;
}

/* ---- checks on the store, opened straight from its file -------------------------------- */

typedef struct
{
  guint requests;
  guint created;
  guint conflicts;
  guint refused;        /* 422 */
  guint replayed;       /* first answer already a replay: the server died after COMMIT */
  guint attempts;
} Figures;

static gint64
count (AtriumDb   *db,
       const char *sql)
{
  g_autoptr(GError) error = NULL;
  gint64 n = atrium_store_count_bound (db, sql, &error, 0);

  g_assert_no_error (error);
  return n;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The store as the killed server left it, read only (query_only), with its own key. */
static AtriumDb *
open_store (const char *data_dir)
{
  g_autofree char *db_path = g_build_filename (data_dir, ATRIUM_STORE_FILE, NULL);
  g_autofree char *key_path = g_build_filename (data_dir, ATRIUM_STORE_KEY_FILE, NULL);
  g_autoptr(GError) error = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN];
  AtriumDb *db;

  g_assert_true (atrium_key_file_load (key_path, key, &error));
  db = atrium_db_open (db_path, key, ATRIUM_DB_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_db_exec (db, "PRAGMA query_only = ON;", &error));
  g_assert_no_error (error);
  return db;
}

/* What the store says of one request: its booking, the answer stored with its key. */
static void
check_request (AtriumDb      *db,
               const Request *request,
               GHashTable    *booking_ids)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key_hash = atrium_token_hash (request->key);
  g_autoptr(JsonObject) answer = parse_object (request->answer);
  gint64 mine = atrium_store_count_bound (db, "SELECT count(*) FROM booking WHERE"
                                          " user_id = ?1 AND resource_id = ?2 AND"
                                          " starts = ?3 AND ends = ?4;", &error,
                                          'i', request->user_id, 'i', request->seat_id,
                                          'i', request->starts, 'i', request->ends, 0);
  sqlite3_stmt *stored = atrium_store_prepare (db, "SELECT status, response FROM idempotency"
                                               " WHERE user_id = ?1 AND key_hash = ?2;",
                                               &error);

  g_assert_no_error (error);
  /* The answer given is the one kept with the key, byte for byte. */
  sqlite3_bind_int64 (stored, 1, request->user_id);
  sqlite3_bind_text (stored, 2, key_hash, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stored), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stored, 0), ==, request->status);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stored, 1), ==, request->answer);
  sqlite3_finalize (stored);

  /* Rule-breaking requests, and they alone, are refused by the rule. */
  g_assert_cmpint (request->breaks_rule, ==, request->status == 422);
  if (request->status == 422)
    {
      g_assert_cmpstr (json_object_get_string_member (answer, "error"), ==, "rule_violation");
      g_assert_cmpstr (json_object_get_string_member (answer, "rule"), ==, "max_duration");
      g_assert_cmpint (mine, ==, 0);
    }
  else if (request->status == 409)
    {
      /* Someone else holds a slot of it. */
      g_assert_cmpstr (json_object_get_string_member (answer, "error"), ==, "slot_taken");
      g_assert_cmpint (mine, ==, 0);
      g_assert_cmpint (atrium_store_count_bound (db, "SELECT count(*) FROM booking WHERE"
                                                 " resource_id = ?1 AND status IN"
                                                 " ('booked', 'checked_in') AND starts < ?3"
                                                 " AND ends > ?2 AND user_id <> ?4;",
                                                 &error, 'i', request->seat_id,
                                                 'i', request->starts, 'i', request->ends,
                                                 'i', request->user_id, 0), >=, 1);
    }
  else
    {
      gint64 id = json_object_get_int_member (answer, "id");
      g_autofree char *start = atrium_time_format_iso8601 (request->starts * G_USEC_PER_SEC);

      /* The acknowledged booking is there, with its id, once. */
      g_assert_cmpint (request->status, ==, 201);
      g_assert_cmpint (mine, ==, 1);
      g_assert_cmpint (id, >, 0);
      g_assert_cmpstr (json_object_get_string_member (answer, "start"), ==, start);
      g_assert_cmpint (atrium_store_count_bound (db, "SELECT count(*) FROM booking WHERE"
                                                 " id = ?1 AND user_id = ?2 AND"
                                                 " resource_id = ?3 AND starts = ?4 AND"
                                                 " ends = ?5 AND status = 'booked';", &error,
                                                 'i', id, 'i', request->user_id,
                                                 'i', request->seat_id, 'i', request->starts,
                                                 'i', request->ends, 0), ==, 1);
      g_assert_true (g_hash_table_add (booking_ids, g_memdup2 (&id, sizeof id)));
    }
  g_assert_no_error (error);
}

static void
check_store (const char *data_dir,
             GPtrArray  *all,
             Figures    *figures)
{
  g_autoptr(AtriumDb) db = open_store (data_dir);
  g_autoptr(GHashTable) booking_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                             g_free, NULL);
  g_autoptr(GError) error = NULL;
  gint64 audit_rows = 0, bad_id = 0;

  g_assert_true (atrium_db_integrity_check (db, &error));
  g_assert_no_error (error);
  /* The audit trail's hash chain survived every kill, a row per booking made. */
  g_assert_true (atrium_store_audit_verify (db, &audit_rows, &bad_id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (db, "SELECT count(*) FROM audit WHERE event = 'booking_created';"),
                   ==, figures->created);

  /* No two active bookings overlap on a seat: on `booking` alone. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM booking a JOIN booking b"
                              " ON a.resource_id = b.resource_id AND a.id < b.id"
                              " AND a.starts < b.ends AND b.starts < a.ends"
                              " WHERE a.status IN ('booked', 'checked_in')"
                              " AND b.status IN ('booked', 'checked_in');"), ==, 0);
  /* The slots the schema keeps agree with the bookings. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM booking_slot;"), ==,
                   count (db, "SELECT coalesce (sum ((ends - starts) / 300), 0) FROM booking"
                              " WHERE status IN ('booked', 'checked_in');"));

  for (guint i = 0; i < all->len; i++)
    check_request (db, g_ptr_array_index (all, i), booking_ids);

  /* Every booking is one acknowledged 201, every key one stored answer: no booking was
   * made twice for a key sent again, none made for a request never acknowledged. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM booking;"), ==, figures->created);
  g_assert_cmpuint (g_hash_table_size (booking_ids), ==, figures->created);
  g_assert_cmpint (count (db, "SELECT count(*) FROM idempotency;"), ==, all->len);
}

/* ---- the storm ------------------------------------------------------------------------- */

/* Once more, on a server started again: each key gives the answer it was given. */
static void
check_replays (guint16     port,
               const Seed *seed,
               GPtrArray  *all)
{
  g_autoptr(SoupSession) session = session_new ();

  for (guint i = 0; i < all->len; i++)
    {
      const Request *request = g_ptr_array_index (all, i);
      g_autofree char *answer = NULL;
      gboolean replayed = FALSE;
      const char *token = NULL;

      for (guint c = 0; c < N_CLIENTS; c++)
        if (seed->users[c] == request->user_id)
          token = seed->tokens[c];
      g_assert_cmpuint (post (session, port, token, request->key, request->body, &answer,
                              &replayed), ==, request->status);
      g_assert_true (replayed);
      g_assert_cmpstr (answer, ==, request->answer);
    }
}

static void
test_storm (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  const char *seed_text = g_getenv ("ATRIUM_RELIABILITY_SEED");
  guint32 seed_value = seed_text != NULL ? (guint32) g_ascii_strtoull (seed_text, NULL, 10)
                                         : g_random_int ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed_value);
  gint64 began = g_get_monotonic_time (), storm_ended, now = g_get_real_time () / G_USEC_PER_SEC;
  Server server = { 0 };
  Seed seed = { 0 };
  Client clients[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  Figures figures = { 0 };
  guint kills_under_load = 0, retries = 0, connection_errors = 0, server_errors = 0;
  gint stop = FALSE, in_flight = 0;

  g_test_message ("seed %" G_GUINT32_FORMAT " (ATRIUM_RELIABILITY_SEED=%" G_GUINT32_FORMAT
                  " makes the same choices again)", seed_value, seed_value);

  server.base_dir = g_dir_make_tmp ("atrium-reliability-XXXXXX", &error);
  g_assert_no_error (error);
  server.data_dir = g_build_filename (server.base_dir, "data", NULL);
  server.config_path = g_build_filename (server.base_dir, "server.conf", NULL);
  server.stdout_path = g_build_filename (server.base_dir, "serve.out", NULL);
  server.stderr_path = g_build_filename (server.base_dir, "serve.err", NULL);
  server.port = pick_port ();
  g_assert_true (g_file_set_contents (server.config_path, CONFIG, -1, &error));
  g_assert_cmpint (atrium_test_run_server_args (NULL, NULL, "init", "--data-dir",
                                                server.data_dir, NULL), ==, 0);
  seed_store (server.data_dir, &seed);
  server_start (&server);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      clients[i] = (Client) { 0 };
      clients[i].index = i;
      clients[i].seed = &seed;
      clients[i].port = server.port;
      clients[i].rand = g_rand_new_with_seed (seed_value + i + 1);
      /* Midnight UTC, two days on: nothing is ever in the past. */
      clients[i].lanes_from = (now / 86400 + 2) * 86400;
      clients[i].stop = &stop;
      clients[i].in_flight = &in_flight;
      clients[i].requests = g_ptr_array_new ();
      threads[i] = g_thread_new ("storm-client", client_run, &clients[i]);
    }

  /* SIGKILL at random moments of the load, each time starting again on the same data. */
  for (guint k = 0; k < N_KILLS && !g_atomic_int_get (&stop); k++)
    {
      g_usleep (g_rand_int_range (rand, KILL_DELAY_MIN_MS, KILL_DELAY_MAX_MS + 1) * 1000);
      kills_under_load += g_atomic_int_get (&in_flight) > 0;
      server_kill (&server);
      server_start (&server);
    }
  g_atomic_int_set (&stop, TRUE);
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_thread_join (threads[i]);
      g_rand_free (clients[i].rand);
      if (clients[i].failure != NULL)
        {
          g_autofree char *log = server_log (&server);

          g_test_message ("server log:\n%s", log);
          g_error ("client %u: %s", i, clients[i].failure);
        }
      retries += clients[i].retries;
      connection_errors += clients[i].connection_errors;
      server_errors += clients[i].server_errors;
      for (guint r = 0; r < clients[i].requests->len; r++)
        g_ptr_array_add (all, g_ptr_array_index (clients[i].requests, r));
      g_ptr_array_unref (clients[i].requests);
    }
  /* The last kill finds every request answered: what was acknowledged must stay. */
  server_kill (&server);
  storm_ended = g_get_monotonic_time ();

  for (guint i = 0; i < all->len; i++)
    {
      const Request *request = g_ptr_array_index (all, i);

      figures.requests++;
      figures.attempts += request->attempts;
      figures.replayed += request->replayed;
      figures.created += request->status == 201;
      figures.conflicts += request->status == 409;
      figures.refused += request->status == 422;
    }
  g_test_message ("%u requests (%u attempts, %u retries: %u without an answer, %u answered "
                  "5xx), %u kills (%u with requests in flight) and a last one at rest, "
                  "%u server starts", figures.requests, figures.attempts, retries,
                  connection_errors, server_errors, N_KILLS, kills_under_load, server.starts);
  g_test_message ("acknowledged: %u bookings (201), %u slot_taken (409), %u max_duration "
                  "(422); %u first answers were replays of an answer the killed server "
                  "had committed", figures.created, figures.conflicts, figures.refused,
                  figures.replayed);

  check_store (server.data_dir, all, &figures);

  server_start (&server);
  check_replays (server.port, &seed, all);
  server_stop (&server);

  g_test_message ("storm %.1f s, checks %.1f s", (storm_ended - began) / 1e6,
                  (g_get_monotonic_time () - storm_ended) / 1e6);
  /* Enough to mean something: kills under load, collisions, refusals, replays. */
  g_assert_cmpuint (kills_under_load, >=, N_KILLS / 2);
  g_assert_cmpuint (figures.created, >, 0);
  g_assert_cmpuint (figures.conflicts, >, 0);
  g_assert_cmpuint (figures.refused, >, 0);
  g_assert_cmpuint (server_errors, ==, 0);

  for (guint i = 0; i < N_CLIENTS; i++)
    g_free (seed.tokens[i]);
  atrium_test_remove_tree (server.base_dir);
  g_free (server.base_dir);
  g_free (server.data_dir);
  g_free (server.config_path);
  g_free (server.stdout_path);
  g_free (server.stderr_path);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reliability/booking-storm", test_storm);
  return g_test_run ();
}
