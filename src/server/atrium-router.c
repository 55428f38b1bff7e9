/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-server-private.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "atrium-random.h"
#include "atrium-totp.h"

/* ---- answers ------------------------------------------------------------------------- */

char *
atrium_error_body (const char *code,
                   const char *message,
                   const char *request_id)
{
  GString *out = g_string_new ("{\"error\":");

  atrium_json_write_string (out, code);
  g_string_append (out, ",\"message\":");
  atrium_json_write_string (out, message);
  g_string_append (out, ",\"request_id\":");
  atrium_json_write_string (out, request_id != NULL ? request_id : "");
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

void
atrium_request_reply_bytes (AtriumRequest *request,
                            guint          status,
                            const char    *content_type,
                            GBytes        *bytes)
{
  g_clear_pointer (&request->response, g_bytes_unref);
  request->status = status;
  request->content_type = content_type;
  request->response = bytes != NULL ? g_bytes_ref (bytes) : NULL;
}

void
atrium_request_reply_json (AtriumRequest *request,
                           guint          status,
                           JsonNode      *node)
{
  char *text = atrium_json_write (node);
  g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

  atrium_request_reply_bytes (request, status, "application/json", bytes);
}

void
atrium_request_reply_error (AtriumRequest *request,
                            guint          status,
                            const char    *code,
                            const char    *format,
                            ...)
{
  g_autofree char *message = NULL;
  char *body;
  g_autoptr(GBytes) bytes = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  body = atrium_error_body (code, message, request->request_id);
  bytes = g_bytes_new_take (body, strlen (body));
  atrium_request_reply_bytes (request, status, "application/json", bytes);
}

void
atrium_request_add_header (AtriumRequest *request,
                           const char    *name,
                           const char    *value)
{
  g_ptr_array_add (request->response_headers, g_strdup (name));
  g_ptr_array_add (request->response_headers, g_strdup (value));
}

const char *
atrium_request_get_param (AtriumRequest *request,
                          guint          index)
{
  return index < request->n_params ? request->params[index] : NULL;
}

const char *
atrium_request_get_query (AtriumRequest *request,
                          const char    *name)
{
  return request->query != NULL ? g_hash_table_lookup (request->query, name) : NULL;
}

/* The object check for anything that belongs to a site: an administrator may act on
 * every site; staff and managers only on the sites they were granted (@roles among
 * ATRIUM_ROLE_STAFF and ATRIUM_ROLE_MANAGER); reporting is global. */
gboolean
atrium_request_may_at_site (AtriumRequest *request,
                            gint64         site_id,
                            guint          roles)
{
  const AtriumPrincipal *who = &request->principal;

  if (who->roles & ATRIUM_ROLE_ADMIN)
    return TRUE;
  if ((roles & ATRIUM_ROLE_REPORTING) && (who->roles & ATRIUM_ROLE_REPORTING))
    return TRUE;
  for (guint i = 0; who->site_roles != NULL && i < who->site_roles->len; i++)
    {
      const AtriumSiteRole *grant = &g_array_index (who->site_roles, AtriumSiteRole, i);

      if (grant->site_id == site_id && (grant->role & roles) != 0)
        return TRUE;
    }
  return FALSE;
}

void
atrium_request_free (AtriumRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->request_id);
  g_free (request->method);
  g_free (request->path);
  g_clear_pointer (&request->query, g_hash_table_unref);
  for (guint i = 0; i < request->n_params; i++)
    g_free (request->params[i]);
  g_free (request->client_ip);
  atrium_secure_free_string (request->authorization);
  g_free (request->user_agent);
  g_free (request->idempotency_key);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_pointer (&request->json, json_node_unref);
  g_free (request->principal.name);
  g_clear_pointer (&request->principal.site_roles, g_array_unref);
  g_clear_pointer (&request->response, g_bytes_unref);
  g_ptr_array_unref (request->response_headers);
  if (request->upgrade_free != NULL)
    request->upgrade_free (request->upgrade_data);
  if (request->download_func != NULL)
    {
      /* answered otherwise after all: the reservation goes back */
      if (request->download_free != NULL)
        request->download_free (request->download_data);
      g_atomic_int_add (&request->server->downloads_reserved, -1);
    }
  g_free (request);
}

/* ---- the error log ------------------------------------------------------------------- */

/* Every 5xx and failed job lands here with its request id: production bugs are never
 * silent. One line each, UTC, CR/LF neutralised. */
void
atrium_server_log_error (AtriumServer *self,
                         const char   *request_id,
                         const char   *format,
                         ...)
{
  g_autofree char *message = NULL;
  g_autofree char *stamp = atrium_time_format_iso8601 (atrium_clock_now_usec (self->clock));
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_strdelimit (message, "\r\n", ' ');

  g_mutex_lock (&self->error_log_lock);
  if (self->error_log != NULL)
    {
      fprintf (self->error_log, "%s request=%s %s\n", stamp,
               request_id != NULL ? request_id : "-", message);
      fflush (self->error_log);
    }
  g_mutex_unlock (&self->error_log_lock);
  g_message ("error (request %s): %s", request_id != NULL ? request_id : "-", message);
}

static FILE *
open_error_log (AtriumServer *self)
{
  g_autofree char *dir = g_build_filename (atrium_store_get_data_dir (self->store), "logs",
                                           NULL);
  g_autofree char *path = g_build_filename (dir, "error.log", NULL);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return NULL;
  fd = g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  return fd >= 0 ? fdopen (fd, "a") : NULL;
}

/* ---- routes -------------------------------------------------------------------------- */

/* A route's path split once: matching runs for every request. */
typedef struct
{
  const AtriumRoute *route;
  char             **segments;
  guint              n_segments;
} CompiledRoute;

static void
compiled_route_free (gpointer data)
{
  CompiledRoute *compiled = data;

  g_strfreev (compiled->segments);
  g_free (compiled);
}

void
atrium_server_add_routes (AtriumServer      *self,
                          const AtriumRoute *routes,
                          guint              n_routes)
{
  for (guint i = 0; i < n_routes; i++)
    {
      CompiledRoute *compiled = g_new0 (CompiledRoute, 1);

      compiled->route = &routes[i];
      compiled->segments = g_strsplit (routes[i].path, "/", -1);
      compiled->n_segments = g_strv_length (compiled->segments);
      g_ptr_array_add (self->routes, compiled);
    }
}

void
atrium_server_set_authenticator (AtriumServer           *self,
                                 AtriumAuthenticateFunc  func,
                                 gpointer                user_data)
{
  self->authenticate = func;
  self->authenticate_data = user_data;
}

void
atrium_server_set_upgrade_hook (AtriumServer      *self,
                                AtriumUpgradeFunc  func,
                                gpointer           user_data)
{
  self->upgrade = func;
  self->upgrade_data = user_data;
}

void
atrium_server_set_security_hook (AtriumServer       *self,
                                 AtriumSecurityFunc  func,
                                 gpointer            user_data)
{
  self->security = func;
  self->security_data = user_data;
}

static gboolean
report (AtriumRequest      *request,
        AtriumSecurityKind  kind,
        const char         *detail)
{
  AtriumServer *self = request->server;

  return self->security != NULL && self->security (request, kind, detail, self->security_data);
}

/* Attack signatures: specific enough that names such as O'Brien never match, since
 * the SQL is parameterised anyway and this only spots who is trying. */
static const char *signatures[][2] = {
  { "sql_tautology", "['\"`]\\s*(or|and)\\s+['\"`]?\\w+['\"`]?\\s*(=|<|>|like)" },
  { "sql_union", "union(\\s|/\\*.*\\*/)+(all(\\s|/\\*.*\\*/)+)?select\\b" },
  { "sql_stacked", ";\\s*(drop|delete|insert|update|alter|create)\\s" },
  { "sql_timing", "\\b(sleep|pg_sleep|benchmark)\\s*\\(|waitfor\\s+delay" },
  { "sql_comment", "['\"`]\\s*(--|#|/\\*)" },
  { "script", "<\\s*script|javascript\\s*:|\\bon(error|load)\\s*=" },
  { "traversal", "\\.\\./|\\.\\.\\\\|%2e%2e" },
  { "jndi", "\\$\\{\\s*jndi\\s*:" },
};

/* Members never scanned: secrets may hold any characters, and must not be echoed. */
static const char *unscanned[] = { "password", "current", "new", "code", "token", "challenge",
                                   NULL };

static const char *
match_signature (const char *text)
{
  static GRegex *compiled[G_N_ELEMENTS (signatures)];
  static gsize ready = 0;

  if (g_once_init_enter (&ready))
    {
      for (guint i = 0; i < G_N_ELEMENTS (signatures); i++)
        compiled[i] = g_regex_new (signatures[i][1], G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0,
                                   NULL);
      g_once_init_leave (&ready, 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (signatures); i++)
    if (compiled[i] != NULL && g_regex_match (compiled[i], text, 0, NULL))
      return signatures[i][0];
  return NULL;
}

static const char *
scan_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          const char *found;

          if (g_strv_contains (unscanned, name))
            continue;
          if ((found = match_signature (name)) != NULL || (found = scan_node (member)) != NULL)
            return found;
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *found = scan_node (json_array_get_element (array, i));

          if (found != NULL)
            return found;
        }
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return match_signature (json_node_get_string (node));
  return NULL;
}

static gboolean
refused_for_signature (AtriumRequest *request,
                       const char    *signature)
{
  if (signature == NULL || !report (request, ATRIUM_SECURITY_INJECTION, signature))
    return FALSE;
  atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "rejected",
                              "This request was refused");
  return TRUE;
}

/* The path and the query. */
static const char *
scan_request (AtriumRequest *request)
{
  const char *found = match_signature (request->path);

  if (found == NULL && request->query != NULL)
    {
      GHashTableIter iter;
      const char *name, *value;

      g_hash_table_iter_init (&iter, request->query);
      while (found == NULL && g_hash_table_iter_next (&iter, (gpointer *) &name,
                                                      (gpointer *) &value))
        if ((found = match_signature (name)) == NULL && value != NULL)
          found = match_signature (value);
    }
  return found;
}

#define MAX_SEGMENTS 16

typedef struct
{
  const char *start;
  gsize       length;
} Segment;

/* Splits @path at '/' without copying; FALSE when it has too many segments. */
static gboolean
split_path (const char *path,
            Segment    *segments,
            guint      *n_segments)
{
  const char *start = path;
  guint n = 0;

  for (;;)
    {
      const char *end = strchr (start, '/');

      if (n == MAX_SEGMENTS)
        return FALSE;
      segments[n].start = start;
      segments[n].length = end != NULL ? (gsize) (end - start) : strlen (start);
      n++;
      if (end == NULL)
        break;
      start = end + 1;
    }
  *n_segments = n;
  return TRUE;
}

/* Matches "/api/v1/users/{id}" against the split "/api/v1/users/42"; captures into
 * @params. */
static gboolean
path_matches (const CompiledRoute  *compiled,
              const Segment        *have,
              guint                 n_have,
              char                **params,
              guint                *n_params)
{
  guint n = 0;

  if (compiled->n_segments != n_have)
    return FALSE;
  for (guint i = 0; i < n_have; i++)
    {
      const char *want = compiled->segments[i];

      if (want[0] == '{')
        {
          if (have[i].length == 0 || n >= 4)
            goto no;
          params[n++] = g_strndup (have[i].start, have[i].length);
        }
      else if (strlen (want) != have[i].length ||
               memcmp (want, have[i].start, have[i].length) != 0)
        goto no;
    }
  *n_params = n;
  return TRUE;

no:
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&params[i], g_free);
  return FALSE;
}

static const AtriumRoute *
find_route (AtriumServer  *self,
            const char    *method,
            const char    *path,
            char         **params,
            guint         *n_params,
            GString       *allowed)
{
  Segment have[MAX_SEGMENTS];
  guint n_have = 0;

  if (!split_path (path, have, &n_have))
    return NULL;
  for (guint i = 0; i < self->routes->len; i++)
    {
      const CompiledRoute *compiled = self->routes->pdata[i];
      char *scratch[4] = { NULL };
      guint n = 0;

      if (!path_matches (compiled, have, n_have, scratch, &n))
        continue;
      if (strcmp (compiled->route->method, method) == 0)
        {
          memcpy (params, scratch, sizeof scratch);
          *n_params = n;
          return compiled->route;
        }
      if (allowed != NULL)
        g_string_append_printf (allowed, "%s%s", allowed->len > 0 ? ", " : "",
                                compiled->route->method);
      for (guint j = 0; j < n; j++)
        g_free (scratch[j]);
    }
  return NULL;
}

/* ---- fast reads: callers authenticated moments ago ----------------------------------- */

/* The hottest reads (occupancy: every kiosk and patron) are answered on the HTTP thread,
 * from memory, for a token the full path authenticated less than this long ago. A
 * session ended in the meantime can read occupancy that much longer; nothing else. */
#define RECENT_SECONDS 2
#define RECENT_MAX     100000

typedef struct
{
  guint  roles;
  gint64 until;    /* monotonic µs */
} RecentCaller;

static char *
bearer_hash (const char *authorization)
{
  if (authorization == NULL || !g_str_has_prefix (authorization, "Bearer ") ||
      strlen (authorization) > 256)
    return NULL;
  return atrium_token_hash (authorization + 7);
}

static gboolean
recently_authenticated (AtriumServer      *self,
                        const char        *authorization,
                        const AtriumRoute *route)
{
  g_autofree char *hash = NULL;
  RecentCaller *caller;

  if (route->flags & ATRIUM_ROUTE_PUBLIC)
    return TRUE;
  hash = bearer_hash (authorization);
  caller = hash != NULL ? g_hash_table_lookup (self->recent, hash) : NULL;
  return caller != NULL && caller->until > g_get_monotonic_time () &&
         (caller->roles & route->roles) != 0;
}

/* After the full path answered a fast route: its caller may take the fast path next. */
static void
remember_caller (AtriumServer  *self,
                 AtriumRequest *request)
{
  char *hash;
  RecentCaller *caller;

  if (request->route->fast == NULL || request->status != SOUP_STATUS_OK ||
      request->principal.roles == 0 || (hash = bearer_hash (request->authorization)) == NULL)
    return;
  if (g_hash_table_size (self->recent) >= RECENT_MAX)
    g_hash_table_remove_all (self->recent);
  caller = g_new (RecentCaller, 1);
  caller->roles = request->principal.roles;
  caller->until = g_get_monotonic_time () + RECENT_SECONDS * G_USEC_PER_SEC;
  g_hash_table_replace (self->recent, hash, caller);
}

static gboolean
answer_fast (AtriumServer      *self,
             SoupServerMessage *msg,
             const AtriumRoute *route,
             char             **params,
             guint              n_params)
{
  g_autoptr(GBytes) bytes = NULL;

  if (route->fast == NULL ||
      !recently_authenticated (self, soup_message_headers_get_one (
        soup_server_message_get_request_headers (msg), "Authorization"), route) ||
      (bytes = route->fast (self, params, n_params)) == NULL)
    return FALSE;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "application/json", NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
  return TRUE;
}

/* ---- rate limits: a token bucket per address ----------------------------------------- */

typedef struct
{
  double tokens;
  gint64 updated;        /* monotonic µs */
  /* the address's usual pace, to spot a sudden flood well below the hard limit */
  gint64 minute_start;   /* the clock's seconds */
  guint  minute_count;
  double baseline;       /* requests per minute, smoothed */
  guint  minutes;        /* minutes of history */
  gboolean reported;
} RateBucket;

#define FLOOD_FACTOR        10
#define FLOOD_MIN_BASELINE  6.0    /* requests a minute: below that, 60 a minute is fine */
#define FLOOD_MIN_HISTORY   3      /* minutes */

/* TRUE the first time in a minute that an address goes over ten times its usual pace. */
static gboolean
flood_check (AtriumServer *self,
             RateBucket   *bucket)
{
  gint64 now = atrium_clock_now (self->clock);

  if (bucket->minute_start == 0)
    bucket->minute_start = now;
  while (now - bucket->minute_start >= 60)
    {
      bucket->baseline = bucket->minutes == 0 ? bucket->minute_count
                                              : 0.8 * bucket->baseline + 0.2 * bucket->minute_count;
      bucket->minutes++;
      bucket->minute_count = 0;
      bucket->reported = FALSE;
      bucket->minute_start += 60;
      if (now - bucket->minute_start >= 60 * 60)
        bucket->minute_start = now;   /* a long silence: no need to walk every minute */
    }
  bucket->minute_count++;
  if (bucket->reported || bucket->minutes < FLOOD_MIN_HISTORY ||
      bucket->minute_count <= FLOOD_FACTOR * MAX (bucket->baseline, FLOOD_MIN_BASELINE))
    return FALSE;
  bucket->reported = TRUE;
  return TRUE;
}

/* Returns 0 when the request may go on, else the seconds to wait. */
static guint
rate_limit (AtriumServer *self,
            const char   *ip,
            gboolean     *flood)
{
  double capacity = self->config->requests_per_minute_per_ip;
  double per_usec = capacity / (60.0 * G_USEC_PER_SEC);
  gint64 now = g_get_monotonic_time ();
  RateBucket *bucket = g_hash_table_lookup (self->buckets, ip);

  if (bucket == NULL)
    {
      bucket = g_new0 (RateBucket, 1);
      bucket->tokens = capacity;
      bucket->updated = now;
      g_hash_table_insert (self->buckets, g_strdup (ip), bucket);
    }
  *flood = flood_check (self, bucket);
  bucket->tokens = MIN (capacity, bucket->tokens + (now - bucket->updated) * per_usec);
  bucket->updated = now;
  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      return 0;
    }
  return (guint) ((1.0 - bucket->tokens) / per_usec / G_USEC_PER_SEC) + 1;
}

/* Full buckets idle for ten minutes carry little: drop them so the table stays small. */
static gboolean
sweep_buckets (gpointer data)
{
  AtriumServer *self = data;
  double capacity = self->config->requests_per_minute_per_ip;
  double per_usec = capacity / (60.0 * G_USEC_PER_SEC);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  RateBucket *bucket;

  {
    RecentCaller *caller;

    g_hash_table_iter_init (&iter, self->recent);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &caller))
      if (caller->until <= now)
        g_hash_table_iter_remove (&iter);
  }
  g_hash_table_iter_init (&iter, self->buckets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bucket))
    if (bucket->tokens + (now - bucket->updated) * per_usec >= capacity &&
        now - bucket->updated > 600 * G_USEC_PER_SEC)
      g_hash_table_iter_remove (&iter);
  return G_SOURCE_CONTINUE;
}

/* ---- dispatch ------------------------------------------------------------------------ */

/* A request on its way to a worker and back: from libsoup (msg) or from the front desk
 * (done, called on the HTTP thread with the answer). */
typedef struct
{
  AtriumServer      *server;
  SoupServerMessage *msg;
  AtriumFrontDone    done;
  gpointer           done_data;
  GDestroyNotify     done_free;
  AtriumRequest     *request;
} Job;

static void
handle_not_found (AtriumRequest *request)
{
  report (request, ATRIUM_SECURITY_UNKNOWN_PATH, request->path);
  atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                              "There is nothing here");
}

static const AtriumRoute not_found_route = {
  "*", "*", 0, ATRIUM_ROUTE_PUBLIC, NULL, handle_not_found
};

static gboolean
content_type_is_json (SoupServerMessage *msg)
{
  g_autoptr(GHashTable) params = NULL;
  const char *type = soup_message_headers_get_content_type (
    soup_server_message_get_request_headers (msg), &params);
  GHashTableIter iter;
  const char *name, *value;

  if (g_strcmp0 (type, "application/json") != 0)
    return FALSE;
  if (params == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &value))
    if (g_ascii_strcasecmp (name, "charset") != 0 || g_ascii_strcasecmp (value, "utf-8") != 0)
      return FALSE;
  return TRUE;
}

static gboolean
via_loopback (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (remote == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return TRUE;   /* the Unix socket */
  return g_inet_address_get_is_loopback (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}

static char *
header_copy (SoupServerMessage *msg,
             const char        *name)
{
  return g_strdup (soup_message_headers_get_one (
    soup_server_message_get_request_headers (msg), name));
}

static AtriumRequest *
request_new (AtriumServer      *self,
             SoupServerMessage *msg,
             const AtriumRoute *route,
             const char        *path,
             GHashTable        *query,
             char             **params,
             guint              n_params)
{
  AtriumRequest *request = g_new0 (AtriumRequest, 1);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  GUri *uri = soup_server_message_get_uri (msg);

  request->server = self;
  request->route = route;
  request->request_id = g_strdup (g_object_get_data (G_OBJECT (msg), "atrium-request-id"));
  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = g_strdup (path);
  request->query = query != NULL ? g_hash_table_ref (query) : NULL;
  memcpy (request->params, params, sizeof request->params);
  request->n_params = n_params;
  request->client_ip = atrium_message_client_ip (msg);
  request->via_loopback = via_loopback (msg);
  request->via_tls = uri != NULL && g_strcmp0 (g_uri_get_scheme (uri), "https") == 0;
  request->authorization = header_copy (msg, "Authorization");
  request->user_agent = header_copy (msg, "User-Agent");
  request->idempotency_key = header_copy (msg, "Idempotency-Key");
  request->body = body != NULL && body->length > 0 ? soup_message_body_flatten (body) : NULL;
  request->response_headers = g_ptr_array_new_with_free_func (g_free);
  return request;
}

static gboolean
principal_may (AtriumRequest *request)
{
  const AtriumRoute *route = request->route;

  if ((route->roles & request->principal.roles) == 0)
    return FALSE;
  if ((route->flags & ATRIUM_ROUTE_SECOND_FACTOR) && request->principal.user_id != 0 &&
      !request->principal.second_factor)
    return FALSE;
  return TRUE;
}

/* Authentication, authorisation and decoding, then the handler: on a worker thread. */
static void
run_request (AtriumServer  *self,
             AtriumRequest *request)
{
  const AtriumRoute *route = request->route;
  gboolean open = (route->flags & ATRIUM_ROUTE_PUBLIC) ||
                  ((route->flags & ATRIUM_ROUTE_LOOPBACK) && request->via_loopback);

  /* Before anything else, so that anonymous probes are seen too. */
  if (refused_for_signature (request, scan_request (request)))
    return;
  if (request->flood && report (request, ATRIUM_SECURITY_FLOOD, "ten times the usual pace"))
    {
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "blocked",
                                  "Requests from your address are blocked for a while");
      return;
    }

  if (!open)
    {
      if (self->authenticate == NULL || !self->authenticate (request, self->authenticate_data))
        {
          if (request->status == 0)
            atrium_request_reply_error (request, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                                        "Sign in to do this");
          return;
        }
      if (!principal_may (request))
        {
          report (request, ATRIUM_SECURITY_AUTHZ_FAIL, route->path);
          atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                                      "You are not allowed to do this");
          return;
        }
    }

  if (route->flags & ATRIUM_ROUTE_JSON_BODY)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *field = NULL;
      gsize length = 0;
      const char *data = request->body != NULL ? g_bytes_get_data (request->body, &length)
                                               : "";

      request->json = atrium_json_decode (data, length, self->config->max_body_bytes,
                                          route->schema, &field, &error);
      if (request->json == NULL)
        {
          guint status = g_error_matches (error, ATRIUM_CORE_ERROR,
                                          ATRIUM_CORE_ERROR_TOO_LARGE)
                         ? SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE : SOUP_STATUS_BAD_REQUEST;

          atrium_request_reply_error (request, status,
                                      atrium_core_error_code (error->code), "%s",
                                      error->message);
          return;
        }
    }

  /* The body once decoded (the path and query were looked at first). */
  if (request->json != NULL && refused_for_signature (request, scan_node (request->json)))
    return;

  route->handler (request);
  if (request->status == 0)
    atrium_request_reply_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal",
                                "The server could not answer this request");
}

/* ---- WebSocket upgrades -------------------------------------------------------------- */

typedef struct
{
  AtriumServer  *server;
  gpointer       data;
  GDestroyNotify free_func;
} Handover;

static void
handover_free (gpointer data,
               GClosure *closure)
{
  Handover *handover = data;

  if (handover->free_func != NULL)
    handover->free_func (handover->data);
  g_free (handover);
}

/* The 101 is on the wire: the connection leaves libsoup for the upgrade hook. */
static void
hand_over (SoupServerMessage *msg,
           gpointer           user_data)
{
  Handover *handover = user_data;
  AtriumServer *self = handover->server;
  g_autoptr(SoupServerMessage) keep = g_object_ref (msg);
  GIOStream *stream;

  atrium_server_release_connection (self, msg);
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  self->upgrade (self, stream, handover->data, self->upgrade_data);
  handover->data = NULL;
  handover->free_func = NULL;
}

/* The handler said yes (101): libsoup checks the handshake and writes the answer. */
static void
upgrade (AtriumServer      *self,
         SoupServerMessage *msg,
         AtriumRequest     *request)
{
  Handover *handover;

  if (self->upgrade == NULL ||
      !soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    {
      if (soup_server_message_get_status (msg) < 400)
        soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }
  handover = g_new0 (Handover, 1);
  handover->server = self;
  handover->data = g_steal_pointer (&request->upgrade_data);
  handover->free_func = g_steal_pointer (&request->upgrade_free);
  g_signal_connect_data (msg, "wrote-informational", G_CALLBACK (hand_over), handover,
                         handover_free, 0);
}

/* The answer a worker made, into the message libsoup waits to write. */
static void
answer_message (AtriumServer      *self,
                SoupServerMessage *msg,
                AtriumRequest     *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  for (guint i = 0; i + 1 < request->response_headers->len; i += 2)
    soup_message_headers_replace (headers, request->response_headers->pdata[i],
                                  request->response_headers->pdata[i + 1]);
  if ((request->route->flags & ATRIUM_ROUTE_WEBSOCKET) &&
      request->status == SOUP_STATUS_SWITCHING_PROTOCOLS)
    upgrade (self, msg, request);
  else
    soup_server_message_set_status (msg, request->status, NULL);
  if (request->response != NULL && request->status != SOUP_STATUS_SWITCHING_PROTOCOLS)
    {
      gsize length;
      const char *bytes = g_bytes_get_data (request->response, &length);

      soup_server_message_set_response (msg, request->content_type, SOUP_MEMORY_COPY,
                                        bytes, length);
    }
  if (request->download_func != NULL && request->status == SOUP_STATUS_OK)
    atrium_download_start (self, msg, request);   /* unpaused when it begins */
  else
    soup_server_message_unpause (msg);
}

static gboolean
finish_job (gpointer data)
{
  Job *job = data;
  AtriumRequest *request = job->request;

  if (request->status >= 500)
    atrium_server_log_error (job->server, request->request_id, "%s %s answered %u",
                             request->method, request->path, request->status);
  remember_caller (job->server, request);
  if (job->msg != NULL)
    {
      answer_message (job->server, job->msg, request);
      g_object_unref (job->msg);
    }
  else
    {
      job->done (request, job->done_data);
      if (job->done_free != NULL)
        job->done_free (job->done_data);
    }

  atrium_request_free (request);
  g_atomic_int_dec_and_test (&job->server->in_flight);
  g_free (job);
  return G_SOURCE_REMOVE;
}

static void
worker (gpointer data,
        gpointer user_data)
{
  Job *job = data;

  run_request (job->server, job->request);
  g_main_context_invoke (job->server->context, finish_job, job);
}

static void
handle_api (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  AtriumServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *request_id = atrium_message_request_id (msg);
  g_autofree char *ip = atrium_message_client_ip (msg);
  g_autoptr(GString) allowed = g_string_new (NULL);
  char *params[4] = { NULL };
  guint n_params = 0;
  const AtriumRoute *route;
  gboolean flood = FALSE;
  guint wait;
  Job *job;

  atrium_server_set_common_headers (self, msg, request_id);

  if (self->draining)
    {
      atrium_server_reply_early (self, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                                 "The server is shutting down; try again in a moment");
      return;
    }
  if (atrium_server_is_blocked (self, ip))
    {
      atrium_server_reply_early (self, msg, SOUP_STATUS_FORBIDDEN, "blocked",
                                 "Requests from your address are blocked for a while");
      return;
    }
  if ((wait = rate_limit (self, ip, &flood)) > 0)
    {
      g_autofree char *retry = g_strdup_printf ("%u", wait);

      atrium_server_reply_early (self, msg, ATRIUM_STATUS_TOO_MANY_REQUESTS, "rate_limited",
                                 "Too many requests; slow down");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", retry);
      return;
    }

  route = find_route (self, method, path, params, &n_params, allowed);
  if (route == NULL && allowed->len > 0)
    {
      atrium_server_reply_early (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                 "method_not_allowed", "This method is not allowed here");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", allowed->str);
      return;
    }
  if (route == NULL)
    route = &not_found_route;   /* on a worker too: a probe is counted and recorded */
  if ((route->flags & ATRIUM_ROUTE_JSON_BODY) && !content_type_is_json (msg))
    {
      for (guint i = 0; i < n_params; i++)
        g_free (params[i]);
      atrium_server_reply_early (self, msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                                 "unsupported_media_type",
                                 "The body must be JSON (Content-Type: application/json)");
      return;
    }

  /* The fast path: no query (nothing to scan), no flood, a caller seen moments ago. */
  if (query == NULL && !flood && answer_fast (self, msg, route, params, n_params))
    {
      for (guint i = 0; i < n_params; i++)
        g_free (params[i]);
      return;
    }

  job = g_new0 (Job, 1);
  job->server = self;
  job->msg = g_object_ref (msg);
  job->request = request_new (self, msg, route, path, query, params, n_params);
  job->request->flood = flood;
  g_atomic_int_inc (&self->in_flight);
  soup_server_message_pause (msg);
  g_thread_pool_push (self->workers, job, NULL);
}

/* ---- the front desk: fast reads read straight off the connection --------------------- */

/* A GET the front desk (atrium-server-front.c) parsed itself, with the same checks as
 * handle_api in the same order: PASS for anything that is not a fast route (libsoup gets
 * the request as it came), ANSWERED with *answer filled at once (from memory, or an early
 * refusal), or PENDING: a worker runs the full path and @done gets the answer on this
 * thread. */
AtriumFrontResult
atrium_router_take_front (AtriumServer          *self,
                          const AtriumFrontCall *call,
                          AtriumRequest        **answer,
                          AtriumFrontDone        done,
                          gpointer               done_data,
                          GDestroyNotify         done_free)
{
  char *params[4] = { NULL };
  guint n_params = 0;
  const AtriumRoute *route = find_route (self, "GET", call->path, params, &n_params, NULL);
  AtriumRequest *request;
  g_autoptr(GBytes) bytes = NULL;
  gboolean flood = FALSE;
  guint wait;
  Job *job;

  if (route == NULL || route->fast == NULL)
    {
      for (guint i = 0; i < n_params; i++)
        g_free (params[i]);
      return ATRIUM_FRONT_PASS;
    }

  request = g_new0 (AtriumRequest, 1);
  request->server = self;
  request->route = route;
  request->request_id = atrium_server_new_request_id ();
  request->method = g_strdup ("GET");
  request->path = g_strdup (call->path);
  memcpy (request->params, params, sizeof request->params);
  request->n_params = n_params;
  request->client_ip = g_strdup (call->client_ip);
  request->via_loopback = call->via_loopback;
  request->via_tls = call->via_tls;
  request->authorization = g_strdup (call->authorization);
  request->user_agent = g_strdup (call->user_agent);
  request->response_headers = g_ptr_array_new_with_free_func (g_free);

  if (self->draining)
    atrium_request_reply_error (request, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                                "The server is shutting down; try again in a moment");
  else if (atrium_server_is_blocked (self, call->client_ip))
    atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "blocked",
                                "Requests from your address are blocked for a while");
  else if ((wait = rate_limit (self, call->client_ip, &flood)) > 0)
    {
      g_autofree char *retry = g_strdup_printf ("%u", wait);

      atrium_request_reply_error (request, ATRIUM_STATUS_TOO_MANY_REQUESTS, "rate_limited",
                                  "Too many requests; slow down");
      atrium_request_add_header (request, "Retry-After", retry);
    }
  else if (!flood && recently_authenticated (self, call->authorization, route) &&
           (bytes = route->fast (self, request->params, request->n_params)) != NULL)
    atrium_request_reply_bytes (request, SOUP_STATUS_OK, "application/json", bytes);

  if (request->status != 0)
    {
      *answer = request;
      return ATRIUM_FRONT_ANSWERED;
    }

  request->flood = flood;
  job = g_new0 (Job, 1);
  job->server = self;
  job->done = done;
  job->done_data = done_data;
  job->done_free = done_free;
  job->request = request;
  g_atomic_int_inc (&self->in_flight);
  g_thread_pool_push (self->workers, job, NULL);
  return ATRIUM_FRONT_PENDING;
}

void
atrium_server_init_router (AtriumServer *self)
{
  self->routes = g_ptr_array_new_with_free_func (compiled_route_free);
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->recent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->workers = g_thread_pool_new (worker, NULL, self->config->workers, FALSE, NULL);
  self->downloads = g_ptr_array_new ();
  g_mutex_init (&self->error_log_lock);
  self->error_log = open_error_log (self);
  soup_server_add_handler (self->soup, NULL, handle_api, self, NULL);

  {
    GSource *source = g_timeout_source_new_seconds (60);

    g_source_set_callback (source, sweep_buckets, self, NULL);
    self->sweep_id = g_source_attach (source, self->context);
    g_source_unref (source);
  }
}

/* Waits for the workers; the answers they queue are dropped with their messages. */
void
atrium_server_shutdown_router (AtriumServer *self)
{
  g_thread_pool_free (self->workers, FALSE, TRUE);
  atrium_downloads_cancel_all (self);
  while (g_atomic_int_get (&self->in_flight) > 0)
    g_main_context_iteration (self->context, TRUE);
  g_ptr_array_unref (self->downloads);
  if (self->sweep_id != 0)
    g_source_destroy (g_main_context_find_source_by_id (self->context, self->sweep_id));
  g_hash_table_unref (self->buckets);
  g_hash_table_unref (self->recent);
  g_ptr_array_unref (self->routes);
  if (self->error_log != NULL)
    fclose (self->error_log);
  g_mutex_clear (&self->error_log_lock);
}

typedef struct
{
  AtriumServer *server;
  GMainLoop    *loop;
  gint64        deadline;
} Drain;

static gboolean
drain_poll (gpointer data)
{
  Drain *drain = data;

  if (g_atomic_int_get (&drain->server->in_flight) > 0 &&
      g_get_monotonic_time () < drain->deadline)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (drain->loop);
  return G_SOURCE_REMOVE;
}

/* SIGTERM: refuse new requests, let those under way finish (10 s at most), then quit. */
void
atrium_server_drain (AtriumServer *self,
                     GMainLoop    *loop)
{
  Drain *drain = g_new0 (Drain, 1);
  GSource *source = g_timeout_source_new (50);

  self->draining = TRUE;
  drain->server = self;
  drain->loop = loop;
  drain->deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_source_set_callback (source, drain_poll, drain, g_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}
