/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-handlers.h"

#include <string.h>
#include <libsoup/soup.h>

#include "atrium-download.h"
#include "atrium-export.h"

/* GET /api/v1/export/{table}?format=csv|xlsx&from&to (DESIGN.md §3). The table's entry
 * (atrium-store-export.c) says who may export it; the body is streamed by a download. */

#define EXPORTERS (ATRIUM_ROLE_MANAGER | ATRIUM_ROLE_REPORTING | ATRIUM_ROLE_ADMIN)

/* Exports left behind by a crash are removed when they are a day old. */
#define TMP_MAX_AGE_SECONDS (24 * 60 * 60)

typedef struct
{
  const AtriumExportTable *table;
  AtriumExportFormat       format;
  gint64                   from;
  gint64                   to;
  GArray                  *sites;     /* NULL: every site */
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->sites, g_array_unref);
  g_free (job);
}

static gboolean
sink_begin (goffset    length,
            gpointer   user_data,
            GError   **error)
{
  return atrium_download_begin (user_data, length, error);
}

static gboolean
sink_write (const guint8  *data,
            gsize          length,
            gpointer       user_data,
            GError       **error)
{
  return atrium_download_write (user_data, data, length, error);
}

/* On the download's thread: a read connection of its own (one snapshot for the whole
 * export, none taken from the pool for as long as the client reads). */
static gboolean
produce (AtriumDownload  *download,
         gpointer         user_data,
         GError         **error)
{
  Job *job = user_data;
  AtriumServer *server = atrium_download_get_server (download);
  AtriumStore *store = atrium_server_get_store (server);
  g_autofree char *tmpdir = g_build_filename (atrium_store_get_data_dir (store), "tmp", NULL);
  AtriumExportSink sink = { sink_begin, sink_write, download };
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(GError) local_error = NULL;

  if (g_mkdir_with_parents (tmpdir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make %s", tmpdir);
      return FALSE;
    }
  atrium_export_sweep_tmpdir (tmpdir, TMP_MAX_AGE_SECONDS);
  db = atrium_store_open_reader (store, error);
  if (db == NULL)
    return FALSE;
  if (atrium_export_run (db, job->table, job->from, job->to, job->sites, job->format, &sink,
                         tmpdir, atrium_download_get_cancellable (download), NULL,
                         &local_error))
    return TRUE;
  if (g_error_matches (local_error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_TOO_MANY_ROWS))
    atrium_download_fail (download, SOUP_STATUS_UNPROCESSABLE_ENTITY, "too_many_rows",
                          local_error->message);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Every row, the rows of the caller's sites, or nothing (FALSE). */
static gboolean
export_scope (AtriumRequest            *request,
              const AtriumExportTable  *table,
              GArray                  **sites)
{
  const AtriumPrincipal *who = &request->principal;

  *sites = NULL;
  if (who->roles & table->roles)
    return TRUE;
  if ((who->roles & table->site_roles) == 0 || who->site_roles == NULL)
    return FALSE;
  *sites = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < who->site_roles->len; i++)
    {
      const AtriumSiteRole *grant = &g_array_index (who->site_roles, AtriumSiteRole, i);

      if (grant->role & table->site_roles)
        g_array_append_val (*sites, grant->site_id);
    }
  return TRUE;
}

static gboolean
parse_bound (AtriumRequest *request,
             const char    *name,
             gint64         unset,
             gint64        *value)
{
  const char *text = atrium_request_get_query (request, name);

  *value = unset;
  if (text == NULL || atrium_export_parse_time (text, value, NULL))
    return TRUE;
  atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST,
                              g_str_equal (name, "from") ? "invalid_from" : "invalid_to",
                              "%s: a date (2026-11-24, midnight UTC) or a time with its "
                              "offset (2026-11-24T09:30:00+01:00)", name);
  return FALSE;
}

static gboolean
query_is_known (AtriumRequest *request)
{
  static const char * const known[] = { "format", "from", "to", NULL };
  GHashTableIter iter;
  const char *name;

  if (request->query == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, request->query);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (!g_strv_contains (known, name))
      {
        atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "unknown_parameter",
                                    "Unknown parameter; use format, from and to");
        return FALSE;
      }
  return TRUE;
}

static char *
describe (const Job *job)
{
  GString *detail = g_string_new (NULL);

  g_string_append_printf (detail, "format=%s", atrium_export_format_name (job->format));
  if (job->from != ATRIUM_EXPORT_FROM_ANY)
    {
      g_autofree char *text = atrium_time_format_iso8601 (job->from * ATRIUM_USEC_PER_SEC);

      g_string_append_printf (detail, " from=%s", text);
    }
  if (job->to != ATRIUM_EXPORT_TO_ANY)
    {
      g_autofree char *text = atrium_time_format_iso8601 (job->to * ATRIUM_USEC_PER_SEC);

      g_string_append_printf (detail, " to=%s", text);
    }
  if (job->sites != NULL)
    {
      g_string_append (detail, " sites=");
      for (guint i = 0; i < job->sites->len; i++)
        g_string_append_printf (detail, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                                g_array_index (job->sites, gint64, i));
    }
  return g_string_free (detail, FALSE);
}

static void
handle_export (AtriumRequest *request)
{
  const AtriumExportTable *table = atrium_store_export_find (atrium_request_get_param (request,
                                                                                      0));
  const char *format = atrium_request_get_query (request, "format");
  AtriumStore *store = atrium_server_get_store (request->server);
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *detail = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *file_name = NULL;
  g_autofree char *disposition = NULL;
  Job *job;

  if (table == NULL)
    {
      guint n = 0;
      const AtriumExportTable *tables = atrium_store_export_tables (&n);

      for (guint i = 0; i < n; i++)
        g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", tables[i].name);
      atrium_request_reply_error (request, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "There is no such export; there are: %s", names->str);
      return;
    }
  if (!query_is_known (request))
    return;

  job = g_new0 (Job, 1);
  job->table = table;
  if (format == NULL)
    job->format = ATRIUM_EXPORT_CSV;
  else if (!atrium_export_format_parse (format, &job->format))
    {
      job_free (job);
      atrium_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_format",
                                  "format: csv or xlsx");
      return;
    }
  if (!parse_bound (request, "from", ATRIUM_EXPORT_FROM_ANY, &job->from) ||
      !parse_bound (request, "to", ATRIUM_EXPORT_TO_ANY, &job->to))
    {
      job_free (job);
      return;
    }
  if (job->from >= job->to)
    {
      job_free (job);
      atrium_request_reply_error (request, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_range",
                                  "from must come before to");
      return;
    }
  if (!export_scope (request, table, &job->sites))
    {
      job_free (job);
      atrium_request_reply_error (request, SOUP_STATUS_FORBIDDEN, "forbidden",
                                  "You may not export %s", table->name);
      return;
    }

  detail = describe (job);
  subject = g_strdup_printf ("export:%s", table->name);
  file_name = atrium_export_file_name (table, job->format,
                                       atrium_clock_now (atrium_server_get_clock (
                                         request->server)));
  disposition = g_strdup_printf ("attachment; filename=\"%s\"", file_name);
  if (!atrium_request_reply_download (request, atrium_export_format_content_type (job->format),
                                      produce, job, job_free))
    return;
  atrium_request_add_header (request, "Content-Disposition", disposition);
  atrium_request_add_header (request, "Cache-Control", "no-store");
  atrium_request_add_header (request, "X-Content-Type-Options", "nosniff");
  atrium_handlers_audit (request, atrium_store_write_begin (store), "data_export", subject,
                         detail);
  atrium_store_write_end (store);
}

static const AtriumRoute routes[] = {
  { "GET", "/api/v1/export/{table}", EXPORTERS, ATRIUM_ROUTE_SECOND_FACTOR, NULL,
    handle_export },
};

void
atrium_handlers_register_export (AtriumServer *server)
{
  atrium_server_add_routes (server, routes, G_N_ELEMENTS (routes));
}
