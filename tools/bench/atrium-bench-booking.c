/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-bench"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "atrium-bench-server.h"
#include "atrium-clock.h"
#include "atrium-key-file.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-bookings.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"
#include "atrium-store-users.h"
#include "atrium-totp.h"

/*
 * bench-booking: bookings per second through the whole API (a patron's session, the
 * rules, the Idempotency-Key, the audit row, synchronous=FULL), beside a bare SQLCipher
 * loop inserting one row per transaction into a table like `booking`, with the same
 * key, WAL and synchronous=FULL, measured in the same run; and, during the booking
 * load, the latency of kiosks reading GET /api/v1/occupancy. It asserts nothing about
 * speed: it fails (exit 1) when a booking was not a 201 or a read not a 200.
 */

#define N_SPACES          20
#define SEATS_PER_CLIENT  25
#define SLOT_SECONDS      300
#define MAX_ROUNDS        360         /* days: within ahead_days = 365 */

#define CONFIG \
  "[limits]\n"                                  \
  "requests_per_minute_per_ip = 1000000\n"      \
  "requests_per_minute_per_account = 1000000\n" \
  "max_connections_per_ip = 100000\n"           \
  "max_connections = 100000\n"

/* Never used to sign in: the sessions are written with the accounts. */
#define UNUSED_HASH "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$unusedunusedunusedunused"

typedef struct
{
  const char *server;
  int         seconds;
  int         clients;
  int         patrons;            /* per client */
  int         readers;
  int         read_interval_ms;
} Options;

/* Client i books seats [i * SEATS_PER_CLIENT, …) for patrons [i * patrons, …): clients
 * never collide, so every booking should be a 201. */
typedef struct
{
  char   *kiosk;
  gint64 *seats;
  char  **tokens;      /* a session per patron */
  int     n_seats;
  int     n_patrons;
} Seed;

static void
seed_clear (Seed *seed)
{
  g_free (seed->kiosk);
  g_free (seed->seats);
  for (int i = 0; i < seed->n_patrons; i++)
    g_free (seed->tokens[i]);
  g_free (seed->tokens);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Seed, seed_clear)

static int
fail (const char *message)
{
  g_printerr ("bench-booking: %s\n", message);
  return 1;
}

/* ---- the library: open day and night, seats and patrons for each client, a kiosk ----- */

static gboolean
seed_store (const Options  *options,
            const char     *data_dir,
            Seed           *seed,
            GError        **error)
{
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, error);
  g_autoptr(AtriumSite) site = atrium_site_new ();
  /* Five-minute slots, a year ahead; quotas a patron booking once a day never meets. */
  AtriumBookingRules rules = { "seat", 5, 5, 60, 365, 2, 7, 1, FALSE };
  AtriumPeriod day = { 0, 1440 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 spaces[N_SPACES];
  g_autofree char *kiosk_hash = NULL;

  seed->n_seats = options->clients * SEATS_PER_CLIENT;
  seed->n_patrons = options->clients * options->patrons;
  seed->seats = g_new0 (gint64, seed->n_seats);
  seed->tokens = g_new0 (char *, seed->n_patrons);
  if (db == NULL || !atrium_db_exec (db, "BEGIN IMMEDIATE;", error))
    return FALSE;
  site->name = g_strdup ("Bench Library");
  site->address = g_strdup ("");
  site->timezone = g_strdup ("UTC");
  site->tz = g_time_zone_new_utc ();
  for (guint d = 1; d <= 7; d++)
    g_array_append_val (site->hours[d], day);
  site->id = atrium_store_site_create (db, site, error);
  if (site->id == 0 || !atrium_store_rules_put (db, site->id, &rules, error))
    return FALSE;
  for (guint i = 0; i < N_SPACES; i++)
    {
      g_autoptr(AtriumSpace) space = atrium_space_new ();

      space->site_id = site->id;
      space->name = g_strdup_printf ("Reading room %02u", i + 1);
      space->kind = g_strdup ("reading_room");
      space->capacity = 100;
      space->attributes = g_strdup ("{\"quiet\":true}");
      if ((spaces[i] = atrium_store_space_create (db, space, error)) == 0)
        return FALSE;
    }
  for (int i = 0; i < seed->n_seats; i++)
    {
      g_autofree char *seat = g_strdup_printf ("Seat %d", i + 1);

      seed->seats[i] = atrium_store_resource_create (db, site->id, spaces[i % N_SPACES],
                                                     "seat", seat, 1, NULL, error);
      if (seed->seats[i] == 0)
        return FALSE;
    }
  for (int i = 0; i < seed->n_patrons; i++)
    {
      g_autofree char *name = g_strdup_printf ("patron%05d", i);
      g_autofree char *email = g_strdup_printf ("patron%05d@example.org", i);
      g_autofree char *hash = NULL;
      gint64 user = atrium_store_user_create (db, name, email, NULL, UNUSED_HASH, now, error);

      if (user == 0 || !atrium_store_user_add_role (db, user, ATRIUM_ROLE_PATRON, 0, error))
        return FALSE;
      seed->tokens[i] = atrium_random_base64url (32);
      hash = atrium_token_hash (seed->tokens[i]);
      if (atrium_store_exec_bound (db, "INSERT INTO session (token_hash, user_id,"
                                   " second_factor, created_at, last_seen_at, expires_at)"
                                   " VALUES (?1, ?2, 0, ?3, ?3, ?4);", error, 's', hash,
                                   'i', user, 'i', now, 'i', now + 12 * 3600, 0) != 1)
        return FALSE;
    }
  seed->kiosk = atrium_random_base64url (32);
  kiosk_hash = atrium_token_hash (seed->kiosk);
  if (atrium_store_device_create (db, "kiosk", site->id, "Bench kiosk", kiosk_hash, now,
                                  error) == 0)
    return FALSE;
  return atrium_db_exec (db, "COMMIT;", error);
}

/* ---- a plain HTTP/1.1 client --------------------------------------------------------- */

/* The client threads share the two cores with the server: a SoupSession per thread (its
 * own main context, I/O streams, message objects and header tables per request) costs a
 * third of a core at these rates. This client writes each request with one send() on a
 * kept-alive socket and reads the answer's head and Content-Length body; the server sees
 * the same requests, and every answer's status is still checked. */
typedef struct
{
  guint16  port;
  int      fd;
  char    *buffer;
  gsize    size;         /* allocated */
  gsize    length;       /* bytes read and not yet consumed */
} RawConn;

static void
raw_close (RawConn *conn)
{
  if (conn->fd >= 0)
    close (conn->fd);
  conn->fd = -1;
  conn->length = 0;
}

static void
raw_clear (RawConn *conn)
{
  raw_close (conn);
  g_clear_pointer (&conn->buffer, g_free);
}

static gboolean
raw_connect (RawConn *conn)
{
  struct sockaddr_in address = { .sin_family = AF_INET };
  int one = 1;

  raw_close (conn);
  address.sin_port = htons (conn->port);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  conn->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (conn->fd < 0)
    return FALSE;
  setsockopt (conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect (conn->fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      raw_close (conn);
      return FALSE;
    }
  return TRUE;
}

static gboolean
raw_send_all (RawConn    *conn,
              const char *data,
              gsize       length)
{
  while (length > 0)
    {
      ssize_t sent = send (conn->fd, data, length, MSG_NOSIGNAL);

      if (sent < 0 && errno == EINTR)
        continue;
      if (sent <= 0)
        return FALSE;
      data += sent;
      length -= (gsize) sent;
    }
  return TRUE;
}

/* Reads until @conn->buffer holds at least @wanted bytes. */
static gboolean
raw_fill (RawConn *conn,
          gsize    wanted)
{
  while (conn->length < wanted)
    {
      ssize_t got;

      if (conn->size < wanted + 4096)
        {
          conn->size = wanted + 16384;
          conn->buffer = g_realloc (conn->buffer, conn->size + 1);
        }
      got = recv (conn->fd, conn->buffer + conn->length, conn->size - conn->length, 0);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        return FALSE;
      conn->length += (gsize) got;
    }
  conn->buffer[conn->length] = '\0';
  return TRUE;
}

/* The value of header @name (lower case, with its colon) in @head, or NULL. */
static const char *
raw_header (const char *head,
            const char *name)
{
  gsize length = strlen (name);

  for (const char *line = strstr (head, "\r\n"); line != NULL && line[2] != '\r';
       line = strstr (line + 2, "\r\n"))
    if (g_ascii_strncasecmp (line + 2, name, length) == 0)
      return line + 2 + length;
  return NULL;
}

/* Sends @request (whole, head and body) and reads the answer: its status, or 0 when the
 * connection failed or the answer is not one this client reads (no Content-Length). A
 * connection the server closed is opened again once, before anything was sent on it. */
static guint
raw_exchange (RawConn *conn,
              GString *request)
{
  char *end;
  const char *value;
  gsize head_length, body_length;
  guint status = 0;
  gboolean closing;

  if (conn->fd < 0 && !raw_connect (conn))
    return 0;
  if (!raw_send_all (conn, request->str, request->len))
    {
      if (!raw_connect (conn) || !raw_send_all (conn, request->str, request->len))
        return 0;
    }
  for (;;)
    {
      if (conn->length > 0 && (end = g_strstr_len (conn->buffer, conn->length, "\r\n\r\n")))
        break;
      if (!raw_fill (conn, conn->length + 1))
        {
          raw_close (conn);
          return 0;
        }
    }
  head_length = (gsize) (end - conn->buffer) + 4;
  end[2] = '\0';            /* the head alone, for the header look-ups */
  if (sscanf (conn->buffer, "HTTP/1.1 %u ", &status) != 1 ||
      (value = raw_header (conn->buffer, "content-length:")) == NULL)
    {
      raw_close (conn);
      return 0;
    }
  body_length = g_ascii_strtoull (value, NULL, 10);
  value = raw_header (conn->buffer, "connection:");
  closing = value != NULL && strstr (value, "close") != NULL;
  if (!raw_fill (conn, head_length + body_length))
    {
      raw_close (conn);
      return 0;
    }
  /* An answer to a booking or a read is a JSON object. */
  if (body_length == 0 || conn->buffer[head_length] != '{')
    status = 0;
  memmove (conn->buffer, conn->buffer + head_length + body_length,
           conn->length - head_length - body_length);
  conn->length -= head_length + body_length;
  if (closing)
    raw_close (conn);
  return status;
}

/* ---- bookings and reads through the API --------------------------------------------- */

typedef struct
{
  const Options *options;
  const Seed    *seed;
  guint16        port;
  int            index;
  gint64         lanes_from;
  gint64         deadline;
  guint64        done;
  guint64        failed;
  char          *first_failure;
  GArray        *latencies;      /* microseconds, of the successful ones */
  guint          next;           /* bookings asked for */
} Worker;

static void
worker_fail (Worker     *worker,
             guint       status,
             const char *what)
{
  worker->failed++;
  if (worker->first_failure == NULL)
    worker->first_failure = g_strdup_printf ("%s: %u", what, status);
}

/* The client's next booking: its patrons in turn, each once a day (round), five minutes
 * on one of the client's seats, with a fresh key. */
static gboolean
book_once (Worker  *worker,
           RawConn *conn,
           GString *request)
{
  int patrons = worker->options->patrons;
  int patron = (int) (worker->next % patrons);
  guint round = worker->next++ / patrons;
  gint64 starts = worker->lanes_from + (gint64) round * 86400 +
                  (patron / SEATS_PER_CLIENT) * SLOT_SECONDS;
  gint64 seat = worker->seed->seats[worker->index * SEATS_PER_CLIENT +
                                    patron % SEATS_PER_CLIENT];
  const char *token = worker->seed->tokens[worker->index * patrons + patron];
  g_autofree char *start = atrium_time_format_iso8601 (starts * G_USEC_PER_SEC);
  g_autofree char *end = atrium_time_format_iso8601 ((starts + SLOT_SECONDS) *
                                                     G_USEC_PER_SEC);
  g_autofree char *body = g_strdup_printf ("{\"resource_id\":%" G_GINT64_FORMAT ","
                                           "\"start\":\"%s\",\"end\":\"%s\"}", seat,
                                           start, end);
  g_autofree char *key = atrium_random_hex (16);
  gint64 began, latency;
  guint status;

  g_string_printf (request, "POST /api/v1/bookings HTTP/1.1\r\n"
                   "Host: 127.0.0.1:%u\r\n"
                   "Authorization: Bearer %s\r\n"
                   "Idempotency-Key: %s\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                   "\r\n%s", worker->port, token, key, strlen (body), body);
  began = g_get_monotonic_time ();
  status = raw_exchange (conn, request);
  latency = g_get_monotonic_time () - began;
  if (status != SOUP_STATUS_CREATED)
    {
      worker_fail (worker, status, "booking");
      return FALSE;
    }
  worker->done++;
  g_array_append_val (worker->latencies, latency);
  return TRUE;
}

static gpointer
booker_thread (gpointer data)
{
  Worker *worker = data;
  RawConn conn = { worker->port, -1 };
  g_autoptr(GString) request = g_string_sized_new (512);

  while (g_get_monotonic_time () < worker->deadline &&
         worker->next / worker->options->patrons < MAX_ROUNDS &&
         book_once (worker, &conn, request))
    ;
  raw_clear (&conn);
  return NULL;
}

/* A kiosk reading the occupancy every read_interval_ms, as a screen in the hall would,
 * rather than as fast as it can: the latency under the booking load, not a read rate. */
static gpointer
reader_thread (gpointer data)
{
  Worker *worker = data;
  RawConn conn = { worker->port, -1 };
  g_autoptr(GString) request = g_string_new (NULL);
  gint64 next = g_get_monotonic_time ();

  g_string_printf (request, "GET /api/v1/occupancy HTTP/1.1\r\n"
                   "Host: 127.0.0.1:%u\r\n"
                   "Authorization: Bearer %s\r\n"
                   "\r\n", worker->port, worker->seed->kiosk);
  while (g_get_monotonic_time () < worker->deadline)
    {
      gint64 began = g_get_monotonic_time (), latency;
      guint status = raw_exchange (&conn, request);

      latency = g_get_monotonic_time () - began;
      if (status != SOUP_STATUS_OK)
        {
          worker_fail (worker, status, "occupancy read");
          break;
        }
      worker->done++;
      g_array_append_val (worker->latencies, latency);
      next += worker->options->read_interval_ms * G_TIME_SPAN_MILLISECOND;
      if (next > g_get_monotonic_time ())
        g_usleep (next - g_get_monotonic_time ());
    }
  raw_clear (&conn);
  return NULL;
}

typedef struct
{
  guint64 done;
  guint64 failed;
  double  per_second;
  double  p50_ms;
  double  p99_ms;
  double  max_ms;
} Result;

/* Joins @workers and sums them up over the time from @began to the last one's end. */
static void
collect (Worker    *workers,
         GThread  **threads,
         int        n,
         gint64     began,
         Result    *result,
         char     **failure)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));

  memset (result, 0, sizeof *result);
  for (int i = 0; i < n; i++)
    {
      g_thread_join (threads[i]);
      result->done += workers[i].done;
      result->failed += workers[i].failed;
      g_array_append_vals (all, workers[i].latencies->data, workers[i].latencies->len);
      g_array_unref (workers[i].latencies);
      if (*failure == NULL)
        *failure = g_steal_pointer (&workers[i].first_failure);
      g_free (workers[i].first_failure);
    }
  result->per_second = result->done / ((g_get_monotonic_time () - began) / 1e6);
  result->p50_ms = bench_percentile_ms (all, 0.50);
  result->p99_ms = bench_percentile_ms (all, 0.99);
  result->max_ms = bench_percentile_ms (all, 1.0);
}

static void
workers_start (Worker        *workers,
               GThread      **threads,
               int            n,
               GThreadFunc    func,
               const Options *options,
               const Seed    *seed,
               guint16        port,
               gint64         deadline)
{
  /* Midnight UTC two days on: no booking is ever in the past. */
  gint64 lanes_from = (g_get_real_time () / G_USEC_PER_SEC / 86400 + 2) * 86400;

  for (int i = 0; i < n; i++)
    {
      workers[i] = (Worker) { options, seed, port, i, lanes_from, deadline };
      workers[i].latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
      threads[i] = g_thread_new ("bench-worker", func, &workers[i]);
    }
}

/* ---- the bare loop: the same durability, nothing else --------------------------------- */

#define BARE_TABLE \
  "CREATE TABLE booking ("                                                      \
  "  id          INTEGER PRIMARY KEY,"                                          \
  "  resource_id INTEGER NOT NULL,"                                             \
  "  user_id     INTEGER,"                                                      \
  "  created_by  INTEGER,"                                                      \
  "  starts      INTEGER NOT NULL,"                                             \
  "  ends        INTEGER NOT NULL CHECK (ends > starts),"                       \
  "  status      TEXT    NOT NULL DEFAULT 'booked',"                            \
  "  group_size  INTEGER NOT NULL DEFAULT 1,"                                   \
  "  created_at  INTEGER NOT NULL);"                                            \
  "CREATE INDEX booking_resource ON booking (resource_id, starts);"

/* One INSERT per BEGIN IMMEDIATE … COMMIT, one thread (the server has one writer), into
 * a fresh file opened as the store is (its key, WAL, synchronous=FULL). */
static gboolean
bare_inserts (const Options  *options,
              const char     *base_dir,
              const char     *data_dir,
              Result         *result,
              GError        **error)
{
  g_autofree char *path = g_build_filename (base_dir, "bare.db", NULL);
  g_autofree char *key_path = g_build_filename (data_dir, ATRIUM_STORE_KEY_FILE, NULL);
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(AtriumDb) db = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN];
  sqlite3_stmt *insert;
  gint64 began, deadline, starts = 1800000000;

  if (!atrium_key_file_load (key_path, key, error))
    return FALSE;
  db = atrium_db_open (path, key, ATRIUM_DB_OPEN_CREATE | ATRIUM_DB_OPEN_DURABLE, error);
  if (db == NULL || !atrium_db_exec (db, BARE_TABLE, error))
    return FALSE;
  insert = atrium_store_prepare (db, "INSERT INTO booking (resource_id, user_id, created_by,"
                                 " starts, ends, created_at) VALUES (?1, ?2, ?2, ?3, ?4, ?5);",
                                 error);
  if (insert == NULL)
    return FALSE;
  memset (result, 0, sizeof *result);
  began = g_get_monotonic_time ();
  deadline = began + options->seconds * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < deadline)
    {
      gint64 t0 = g_get_monotonic_time (), latency;

      sqlite3_bind_int64 (insert, 1, 1 + result->done % 100);
      sqlite3_bind_int64 (insert, 2, 1 + result->done % 2000);
      sqlite3_bind_int64 (insert, 3, starts);
      sqlite3_bind_int64 (insert, 4, starts + SLOT_SECONDS);
      sqlite3_bind_int64 (insert, 5, g_get_real_time () / G_USEC_PER_SEC);
      starts += SLOT_SECONDS;
      if (!atrium_db_exec (db, "BEGIN IMMEDIATE;", error) ||
          sqlite3_step (insert) != SQLITE_DONE ||
          sqlite3_reset (insert) != SQLITE_OK ||
          !atrium_db_exec (db, "COMMIT;", error))
        {
          if (error != NULL && *error == NULL)
            atrium_db_set_error (db, sqlite3_errcode (atrium_db_get_handle (db)), "insert",
                                 error);
          sqlite3_finalize (insert);
          return FALSE;
        }
      latency = g_get_monotonic_time () - t0;
      g_array_append_val (latencies, latency);
      result->done++;
    }
  sqlite3_finalize (insert);
  result->per_second = result->done / ((g_get_monotonic_time () - began) / 1e6);
  result->p50_ms = bench_percentile_ms (latencies, 0.50);
  result->p99_ms = bench_percentile_ms (latencies, 0.99);
  result->max_ms = bench_percentile_ms (latencies, 1.0);
  return TRUE;
}

/* ---- CPU time ------------------------------------------------------------------------ */

/* User and system CPU time of process @pid so far, in seconds (0 if unknown). */
static double
cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  unsigned long long utime = 0, stime = 0;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL) ||
      (after = strrchr (stat, ')')) == NULL ||
      sscanf (after, ") %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
              &utime, &stime) != 2)
    return 0;
  return (double) (utime + stime) / sysconf (_SC_CLK_TCK);
}

/* ---- report ------------------------------------------------------------------------ */

static void
print_row (const char   *label,
           const Result *result,
           const char   *target)
{
  printf ("%-44s %8" G_GUINT64_FORMAT " %9.1f %8.2f %8.2f %8.2f   %s\n", label, result->done,
          result->per_second, result->p50_ms, result->p99_ms, result->max_ms, target);
}

static void
print_report (const Options *options,
              const char    *load_before,
              const char    *load_after,
              const Result  *api,
              const Result  *reads,
              const Result  *bare,
              double         server_cpu,
              double         client_cpu)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d %H:%M UTC");
  g_autofree char *cpu = bench_cpu_model ();
  double ratio = bare->per_second > 0 ? api->per_second / bare->per_second : 0;
  double reads_per_second = options->readers * 1000.0 / options->read_interval_ms;

  printf ("\nAtrium booking-write benchmark, %s\n", date);
  printf ("  machine:   %u cores, %s; load average %s at the start, %s at the end\n",
          g_get_num_processors (), cpu, load_before, load_after);
  printf ("  versions:  atrium %s, SQLCipher %s, libsoup %u.%u.%u, GLib %u.%u.%u\n",
          PACKAGE_VERSION, sqlite3_libversion (), soup_get_major_version (),
          soup_get_minor_version (), soup_get_micro_version (), glib_major_version,
          glib_minor_version, glib_micro_version);
  printf ("  bookings:  %d client threads, a kept-alive socket each, %d s; each books for %d"
          " patrons\n             in turn (a session each), once a day each, on %d seats of"
          " its own, a fresh key each\n", options->clients, options->seconds,
          options->patrons, SEATS_PER_CLIENT);
  printf ("  reads:     %d kiosk(s) reading GET /api/v1/occupancy every %d ms (%.0f/s in all)"
          "\n             during the bookings\n", options->readers,
          options->read_interval_ms, reads_per_second);
  printf ("  bare loop: one thread, INSERT in BEGIN IMMEDIATE...COMMIT, the store's key,"
          "\n             WAL, synchronous=FULL, %d s\n\n", options->seconds);
  printf ("%-44s %8s %9s %8s %8s %8s   %s\n", "measurement", "count", "per s", "p50 ms",
          "p99 ms", "max ms", "target");
  print_row ("API bookings (201), synchronous=FULL", api, "");
  print_row ("bare SQLCipher inserts, synchronous=FULL", bare, "");
  print_row ("occupancy reads (200) during the bookings", reads, "p99 <= 10 ms");
  printf ("\nAPI bookings/s / bare inserts/s = %.2f   (target >= 0.50)\n", ratio);
  printf ("occupancy read p99 = %.2f ms   (target <= 10 ms)\n", reads->p99_ms);
  if (api->done > 0)
    printf ("CPU during the bookings: server %.2f s (%.3f ms a booking), this client %.2f s"
            "\n", server_cpu, server_cpu * 1000 / api->done, client_cpu);
  printf ("failed: %" G_GUINT64_FORMAT " bookings, %" G_GUINT64_FORMAT " reads\n",
          api->failed, reads->failed);
  fflush (stdout);
}

/* ---- main -------------------------------------------------------------------------- */

static int
run (const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchServer) server = bench_server_new (options->server, "atrium-bench-booking",
                                                    CONFIG, &error);
  g_auto(Seed) seed = { 0 };
  g_autofree Worker *bookers = g_new0 (Worker, options->clients);
  g_autofree GThread **booker_threads = g_new0 (GThread *, options->clients);
  g_autofree Worker *readers = g_new0 (Worker, MAX (options->readers, 1));
  g_autofree GThread **reader_threads = g_new0 (GThread *, MAX (options->readers, 1));
  g_autofree char *load_before = bench_load_average ();
  g_autofree char *load_after = NULL;
  g_autofree char *failure = NULL;
  Result api, reads, bare;
  gint64 began, deadline;
  double server_cpu, client_cpu;

  if (server == NULL || !seed_store (options, server->data_dir, &seed, &error) ||
      !bench_server_spawn (server, NULL, &error))
    return fail (error->message);

  g_printerr ("bench-booking: %d s of bookings on %d threads, %d kiosk(s) reading...\n",
              options->seconds, options->clients, options->readers);
  server_cpu = cpu_seconds (bench_server_pid (server));
  client_cpu = cpu_seconds (getpid ());
  began = g_get_monotonic_time ();
  deadline = began + options->seconds * G_TIME_SPAN_SECOND;
  workers_start (bookers, booker_threads, options->clients, booker_thread, options, &seed,
                 server->port, deadline);
  workers_start (readers, reader_threads, options->readers, reader_thread, options, &seed,
                 server->port, deadline);
  collect (bookers, booker_threads, options->clients, began, &api, &failure);
  collect (readers, reader_threads, options->readers, began, &reads, &failure);
  server_cpu = cpu_seconds (bench_server_pid (server)) - server_cpu;
  client_cpu = cpu_seconds (getpid ()) - client_cpu;
  if (bench_server_stop (server) != 0)
    return fail ("atrium-server did not stop cleanly");

  g_printerr ("bench-booking: %d s of bare inserts...\n", options->seconds);
  if (!bare_inserts (options, server->base_dir, server->data_dir, &bare, &error))
    return fail (error->message);
  load_after = bench_load_average ();

  print_report (options, load_before, load_after, &api, &reads, &bare, server_cpu,
                client_cpu);
  if (failure != NULL)
    return fail (failure);
  if (api.done == 0)
    return fail ("no booking was made");
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— bookings per second through "
                                                            "the API against bare inserts");
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL;
  Options options = { NULL, 10, 4, 500, 2, 10 };
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server, "atrium-server to run", "PATH" },
    { "seconds", 's', 0, G_OPTION_ARG_INT, &options.seconds,
      "Seconds per measurement (10)", "S" },
    { "clients", 'c', 0, G_OPTION_ARG_INT, &options.clients, "Booking threads (4)", "N" },
    { "patrons", 'p', 0, G_OPTION_ARG_INT, &options.patrons,
      "Patrons booking in turn, per thread (500)", "N" },
    { "readers", 'r', 0, G_OPTION_ARG_INT, &options.readers,
      "Kiosks reading the occupancy (2)", "N" },
    { "read-interval", 0, 0, G_OPTION_ARG_INT, &options.read_interval_ms,
      "Milliseconds between a kiosk's reads (10)", "MS" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  atrium_crypto_init ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 1 ||
      options.seconds < 1 || options.clients < 1 || options.readers < 0 ||
      options.patrons < 1 || options.patrons > 288 * SEATS_PER_CLIENT ||
      options.read_interval_ms < 1)
    {
      g_printerr ("bench-booking: %s\n", error != NULL ? error->message : "bad arguments");
      return 2;
    }
  options.server = bench_server_binary (server);
  return run (&options);
}
