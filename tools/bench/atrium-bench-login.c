/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-bench"

#include "config.h"

#include "atrium-bench-server.h"
#include "atrium-password.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <sodium.h>
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/*
 * bench-login: successful logins per second through a real `atrium-server serve`
 * (POST /api/v1/auth/login, a fresh connection each, from C client threads), side by
 * side, in the same run, with bare crypto_pwhash_str_verify and crypto_pwhash_str
 * loops on as many threads with the same Argon2id parameters. A login costs one
 * verify plus HTTP, JSON, SQL and an audit row, so verifies/s is its ceiling.
 * It asserts nothing about speed; it fails if a login did not succeed.
 */

#define PASSWORD              "Blue-Cactus-Lamp7"
#define USER_AGENT            "Atrium/" PACKAGE_VERSION " bench-login"
#define DEFAULT_SECONDS       10
#define DEFAULT_ACCOUNTS      16
#define START_TIMEOUT_SECONDS 60
#define STOP_TIMEOUT_SECONDS  30
#define REQUEST_TIMEOUT       60
#define POLL_MICROSECONDS     (20 * G_TIME_SPAN_MILLISECOND)

/* The throttles are raised to the largest values the configuration accepts: the
 * benchmark logs in far more often than any person, from one address. */
#define CONFIG_FORMAT \
  "[password]\n"                              \
  "argon2_iterations = %d\n"                  \
  "argon2_memory_mib = %d\n"                  \
  "\n"                                        \
  "[brute_force]\n"                           \
  "ip_max_failures = 10000\n"                 \
  "\n"                                        \
  "[limits]\n"                                \
  "requests_per_minute_per_ip = 1000000\n"    \
  "max_connections_per_ip = 100000\n"

typedef struct
{
  const char *server;
  int         iterations;
  int         memory_mib;
  int         seconds;
  int         clients;
  int         accounts;
} Options;

/* ---- the server process ------------------------------------------------------------ */

static char *
account_name (int i)
{
  return g_strdup_printf ("bench%03d", i + 1);
}

/* A fresh store with @options->accounts patrons, then `serve` on 127.0.0.1:0. */
static BenchServer *
bench_login_server_start (const Options  *options,
                          GError        **error)
{
  g_autofree char *config = g_strdup_printf (CONFIG_FORMAT, options->iterations,
                                             options->memory_mib);
  g_autoptr(BenchServer) server = bench_server_new (options->server, "atrium-bench-login",
                                                    config, error);

  if (server == NULL)
    return NULL;
  /* useradd hashes with the configuration's parameters: no login has to rehash. */
  g_printerr ("bench-login: creating %d accounts...\n", options->accounts);
  for (int i = 0; i < options->accounts; i++)
    {
      g_autofree char *name = account_name (i);
      g_autofree char *email = g_strdup_printf ("%s@bench.invalid", name);

      if (!bench_server_run_cli (server, PASSWORD "\n", NULL, error, "useradd", "--data-dir",
                                 server->data_dir, "--config", server->config_path, name,
                                 "--email", email, "--role", "patron", "--password-stdin",
                                 NULL))
        return NULL;
    }
  if (!bench_server_spawn (server, NULL, error))
    return NULL;
  return g_steal_pointer (&server);
}

/* ---- measurements ------------------------------------------------------------------ */

typedef enum
{
  PHASE_LOGIN,
  PHASE_VERIFY,
  PHASE_HASH,
} PhaseKind;

/* What every thread of one measurement shares, read-only while it runs. */
typedef struct
{
  PhaseKind   kind;
  gint64      start;
  gint64      deadline;
  GUri       *uri;          /* PHASE_LOGIN */
  GBytes    **bodies;       /* PHASE_LOGIN: one request body per account */
  guint       n_bodies;
  guint64     opslimit;     /* PHASE_VERIFY, PHASE_HASH */
  gsize       memlimit;
  const char *stored;       /* PHASE_VERIFY: a hash of PASSWORD */
} Phase;

typedef struct
{
  const Phase *phase;
  guint        index;
  guint        stride;
  guint64      ok;
  guint64      failed;
  char        *failure;     /* the first one, described */
  GArray      *latencies;   /* gint64 µs, of the successful operations */
  gint64       end;
} Worker;

typedef struct
{
  guint64  ok;
  guint64  failed;
  char    *failure;
  double   seconds;
  double   per_second;
  double   p50_ms;
  double   p99_ms;
} Result;

static void
result_clear (Result *result)
{
  g_clear_pointer (&result->failure, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static SoupSession *
client_session_new (void)
{
  /* Straight to 127.0.0.1, whatever http_proxy says. */
  g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);

  return soup_session_new_with_options ("proxy-resolver", direct,
                                        "user-agent", USER_AGENT,
                                        "timeout", REQUEST_TIMEOUT,
                                        NULL);
}

/* One login; TRUE only for a 200 whose body is {"status":"ok","token":"…",…}. */
static gboolean
login_once (SoupSession  *session,
            GUri         *uri,
            GBytes       *body,
            gint64       *latency_out,
            char        **failure_out)
{
  g_autoptr(SoupMessage) msg = soup_message_new_from_uri ("POST", uri);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;
  const char *status, *token;
  const char *data;
  gsize size = 0;
  gint64 started;

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  started = g_get_monotonic_time ();
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  *latency_out = g_get_monotonic_time () - started;

  if (answer == NULL)
    {
      *failure_out = g_strdup_printf ("no answer: %s", error->message);
      return FALSE;
    }
  data = g_bytes_get_data (answer, &size);
  if (data == NULL)
    data = "";
  if (soup_message_get_status (msg) != SOUP_STATUS_OK ||
      !json_parser_load_from_data (parser, data, (gssize) size, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto refused;
  object = json_node_get_object (root);
  status = json_object_get_string_member_with_default (object, "status", "");
  token = json_object_get_string_member_with_default (object, "token", "");
  if (g_strcmp0 (status, "ok") == 0 && token != NULL && token[0] != '\0')
    return TRUE;

refused:
  *failure_out = g_strdup_printf ("HTTP %u: %.*s", soup_message_get_status (msg),
                                  (int) MIN (size, 200), data);
  return FALSE;
}

static void
worker_count (Worker   *worker,
              gboolean  ok,
              gint64    latency,
              char     *failure)
{
  if (ok)
    {
      worker->ok++;
      g_array_append_val (worker->latencies, latency);
    }
  else
    {
      worker->failed++;
      if (worker->failure == NULL)
        worker->failure = g_steal_pointer (&failure);
    }
  g_free (failure);
}

static void
run_logins (Worker *worker)
{
  const Phase *phase = worker->phase;
  g_autoptr(SoupSession) session = client_session_new ();
  guint account = worker->index;

  /* The server closes every connection after its answer: each login connects anew. */
  while (g_get_monotonic_time () < phase->deadline)
    {
      char *failure = NULL;
      gint64 latency = 0;
      gboolean ok;

      ok = login_once (session, phase->uri, phase->bodies[account % phase->n_bodies],
                       &latency, &failure);
      worker_count (worker, ok, latency, failure);
      account += worker->stride;
    }
}

static void
run_verifies (Worker *worker)
{
  const Phase *phase = worker->phase;
  char stored[crypto_pwhash_STRBYTES] = { 0 };

  g_strlcpy (stored, phase->stored, sizeof stored);
  while (g_get_monotonic_time () < phase->deadline)
    {
      gint64 started = g_get_monotonic_time ();
      gboolean ok = crypto_pwhash_str_verify (stored, PASSWORD, strlen (PASSWORD)) == 0;

      worker_count (worker, ok, g_get_monotonic_time () - started,
                    ok ? NULL : g_strdup ("crypto_pwhash_str_verify failed"));
    }
}

static void
run_hashes (Worker *worker)
{
  const Phase *phase = worker->phase;
  char out[crypto_pwhash_STRBYTES];

  while (g_get_monotonic_time () < phase->deadline)
    {
      gint64 started = g_get_monotonic_time ();
      gboolean ok = crypto_pwhash_str_alg (out, PASSWORD, strlen (PASSWORD), phase->opslimit,
                                           phase->memlimit, crypto_pwhash_ALG_ARGON2ID13) == 0;

      worker_count (worker, ok, g_get_monotonic_time () - started,
                    ok ? NULL : g_strdup ("crypto_pwhash_str_alg failed (out of memory?)"));
    }
}

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;

  switch (worker->phase->kind)
    {
    case PHASE_LOGIN:
      run_logins (worker);
      break;
    case PHASE_VERIFY:
      run_verifies (worker);
      break;
    case PHASE_HASH:
    default:
      run_hashes (worker);
      break;
    }
  worker->end = g_get_monotonic_time ();
  return NULL;
}

/* Runs @phase on @threads threads for @seconds; an operation begun before the
 * deadline is finished and counted, and the time runs until the last one ends. */
static void
run_phase (Phase  *phase,
           int     threads,
           int     seconds,
           Result *result)
{
  g_autofree Worker *workers = g_new0 (Worker, threads);
  g_autofree GThread **handles = g_new0 (GThread *, threads);
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 end;

  memset (result, 0, sizeof *result);
  phase->start = g_get_monotonic_time ();
  phase->deadline = phase->start + seconds * G_TIME_SPAN_SECOND;
  end = phase->start;

  for (int i = 0; i < threads; i++)
    {
      workers[i].phase = phase;
      workers[i].index = i;
      workers[i].stride = threads;
      workers[i].latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
      handles[i] = g_thread_new ("bench-worker", worker_thread, &workers[i]);
    }
  for (int i = 0; i < threads; i++)
    {
      g_thread_join (handles[i]);
      result->ok += workers[i].ok;
      result->failed += workers[i].failed;
      if (result->failure == NULL)
        result->failure = g_steal_pointer (&workers[i].failure);
      g_free (workers[i].failure);
      g_array_append_vals (latencies, workers[i].latencies->data, workers[i].latencies->len);
      g_array_unref (workers[i].latencies);
      end = MAX (end, workers[i].end);
    }

  result->seconds = (end - phase->start) / (double) G_TIME_SPAN_SECOND;
  result->per_second = result->seconds > 0 ? result->ok / result->seconds : 0;
  result->p50_ms = bench_percentile_ms (latencies, 0.50);
  result->p99_ms = bench_percentile_ms (latencies, 0.99);
}

static GBytes *
login_body (const char *name)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  gsize length = 0;
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, PASSWORD);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

/* ---- report ------------------------------------------------------------------------ */

static void
print_row (const char   *label,
           const Result *result)
{
  g_print ("%-40s %8" G_GUINT64_FORMAT " %9.2f %9.1f %9.1f\n", label, result->ok,
           result->per_second, result->p50_ms, result->p99_ms);
}

static void
print_report (const Options *options,
              const char    *load,
              const Result  *login,
              const Result  *verify,
              const Result  *hash)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d %H:%M UTC");
  g_autofree char *cpu = bench_cpu_model ();

  g_print ("\nAtrium login benchmark, %s\n", date);
  g_print ("  machine:    %u cores, %s; load average %s at the start\n",
           g_get_num_processors (), cpu, load);
  g_print ("  versions:   atrium %s, libsodium %s, libsoup %u.%u.%u, GLib %u.%u.%u\n",
           PACKAGE_VERSION, sodium_version_string (), soup_get_major_version (),
           soup_get_minor_version (), soup_get_micro_version (), glib_major_version,
           glib_minor_version, glib_micro_version);
  g_print ("  Argon2id:   t=%d, m=%d MiB, p=1 (in force on the server and in the bare loops)\n",
           options->iterations, options->memory_mib);
  g_print ("  threads:    %d client threads; %d bare-loop threads\n",
           options->clients, options->clients);
  g_print ("  duration:   %d s per measurement; %d patron accounts; a fresh connection "
           "per login\n\n", options->seconds, options->accounts);

  g_print ("%-40s %8s %9s %9s %9s\n", "measurement", "count", "per s", "p50 ms", "p99 ms");
  print_row ("API logins (200 with a token)", login);
  print_row ("bare crypto_pwhash_str_verify", verify);
  print_row ("bare crypto_pwhash_str (hash)", hash);
  g_print ("\nAPI logins/s / bare verifies/s = %.2f\n",
           verify->per_second > 0 ? login->per_second / verify->per_second : 0);
  g_print ("  (a login is one Argon2id verify plus HTTP, JSON, SQL and the audit row)\n");
  g_print ("failed logins: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT "\n",
           login->failed, login->ok + login->failed);
}

/* ---- main -------------------------------------------------------------------------- */

static int
usage (GOptionContext *context,
       const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("bench-login: %s\n\n%s", message, help);
  return 2;
}

static int
fail (const char *message)
{
  g_printerr ("bench-login: %s\n", message);
  return 1;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *server_path = NULL;
  Options options = {
    NULL,
    ATRIUM_PASSWORD_OPSLIMIT_DEFAULT,
    (int) (ATRIUM_PASSWORD_MEMLIMIT_DEFAULT / (1024 * 1024)),
    DEFAULT_SECONDS,
    (int) g_get_num_processors (),
    DEFAULT_ACCOUNTS,
  };
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path,
      "atrium-server to run (default: $ATRIUM_SERVER, else the build's)", "PATH" },
    { "iterations", 't', 0, G_OPTION_ARG_INT, &options.iterations,
      "Argon2id passes (default: the server's, 2)", "T" },
    { "memory-mib", 'm', 0, G_OPTION_ARG_INT, &options.memory_mib,
      "Argon2id memory in MiB (default: the server's, 64)", "M" },
    { "seconds", 's', 0, G_OPTION_ARG_INT, &options.seconds,
      "Duration of each measurement (default: 10)", "S" },
    { "clients", 'c', 0, G_OPTION_ARG_INT, &options.clients,
      "Client threads, and bare-loop threads (default: the number of cores)", "C" },
    { "accounts", 'n', 0, G_OPTION_ARG_INT, &options.accounts,
      "Patron accounts to log in as, in turn (default: 16)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree char *url = NULL;
  g_autofree char *load = bench_load_average ();
  g_auto(Result) login = { 0 };
  g_auto(Result) verify = { 0 };
  g_auto(Result) hash = { 0 };
  AtriumPasswordParams params;
  char stored[crypto_pwhash_STRBYTES];
  Phase phase = { 0 };
  int status;

  /* The user's language for relayed messages; figures always with a decimal point. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  context = g_option_context_new ("- logins per second through atrium-server, beside bare "
                                  "Argon2id loops");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage (context, error->message);
  if (argc != 1)
    return usage (context, "no arguments are expected besides the options");
  if (options.seconds < 1 || options.clients < 1 || options.clients > 1024 ||
      options.accounts < 1 || options.accounts > 999)
    return usage (context, "--seconds must be positive, --clients from 1 to 1024 and "
                           "--accounts from 1 to 999");
  params.opslimit = (guint64) MAX (options.iterations, 0);
  params.memlimit = (gsize) MAX (options.memory_mib, 0) * 1024 * 1024;
  if (!atrium_password_params_check (&params, &error))
    return usage (context, error->message);

  if (server_path == NULL)
    server_path = g_strdup (bench_server_binary (NULL));
  options.server = server_path;
  if (!g_file_test (options.server, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_autofree char *message = g_strdup_printf ("%s is not an executable atrium-server "
                                                  "(use --server or ATRIUM_SERVER)",
                                                  options.server);
      return fail (message);
    }
  if (sodium_init () < 0)
    return fail ("libsodium could not be initialised");

  server = bench_login_server_start (&options, &error);
  if (server == NULL)
    return fail (error->message);

  /* One login per account first: every account works, and the server is warm. */
  url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/auth/login", server->port);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  session = client_session_new ();
  for (int i = 0; i < options.accounts; i++)
    {
      g_autofree char *name = account_name (i);
      g_autofree char *failure = NULL;
      gint64 latency;

      g_ptr_array_add (bodies, login_body (name));
      if (!login_once (session, uri, bodies->pdata[i], &latency, &failure))
        {
          g_autofree char *message = g_strdup_printf ("warm-up login as %s: %s", name, failure);

          return fail (message);
        }
    }

  g_printerr ("bench-login: %d s of logins through the API on %d threads...\n",
              options.seconds, options.clients);
  phase.kind = PHASE_LOGIN;
  phase.uri = uri;
  phase.bodies = (GBytes **) bodies->pdata;
  phase.n_bodies = bodies->len;
  run_phase (&phase, options.clients, options.seconds, &login);

  /* The bare loops get the machine to themselves. */
  status = bench_server_stop (server);
  if (status != 0)
    {
      g_autofree char *err = NULL;
      g_autofree char *message = NULL;

      g_file_get_contents (server->stderr_path, &err, NULL, NULL);
      message = g_strdup_printf ("atrium-server ended with status %d: %s", status,
                                 err != NULL ? g_strstrip (err) : "");
      return fail (message);
    }

  phase.opslimit = params.opslimit;
  phase.memlimit = params.memlimit;
  if (crypto_pwhash_str_alg (stored, PASSWORD, strlen (PASSWORD), params.opslimit,
                             params.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return fail ("crypto_pwhash_str_alg failed (out of memory?)");
  phase.stored = stored;

  g_printerr ("bench-login: %d s of bare crypto_pwhash_str_verify on %d threads...\n",
              options.seconds, options.clients);
  phase.kind = PHASE_VERIFY;
  run_phase (&phase, options.clients, options.seconds, &verify);

  g_printerr ("bench-login: %d s of bare crypto_pwhash_str on %d threads...\n",
              options.seconds, options.clients);
  phase.kind = PHASE_HASH;
  run_phase (&phase, options.clients, options.seconds, &hash);

  print_report (&options, load, &login, &verify, &hash);

  /* The figure only stands if every login was a real one. */
  if (login.failed > 0 || login.ok == 0)
    {
      g_autofree char *message =
        g_strdup_printf ("%" G_GUINT64_FORMAT " logins did not succeed; the first: %s",
                         login.failed, login.failure != NULL ? login.failure : "none ran");
      return fail (message);
    }
  if (verify.failed > 0 || hash.failed > 0)
    return fail (verify.failure != NULL ? verify.failure : hash.failure);
  return 0;
}
