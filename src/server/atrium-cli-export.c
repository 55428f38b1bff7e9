/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-cli-export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-cli.h"
#include "atrium-clock.h"
#include "atrium-export.h"
#include "atrium-store.h"
#include "atrium-store-audit.h"

static gboolean
write_all (const guint8  *data,
           gsize          length,
           gpointer       user_data,
           GError       **error)
{
  int fd = GPOINTER_TO_INT (user_data);

  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write: %s",
                       g_strerror (saved));
          return FALSE;
        }
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

static gboolean
parse_bound (const char *text,
             gint64      unset,
             gint64     *value)
{
  *value = unset;
  return text == NULL || atrium_export_parse_time (text, value, NULL);
}

/* Makes the export as <dir of FILE>/.atrium-export-XXXXXX/part (the directory 0700, the
 * file 0600), then renames it over FILE: whoever reads FILE sees the old file or the
 * whole new one, and nobody else can read it on the way. */
static gboolean
export_to (AtriumDb                *db,
           const AtriumExportTable *table,
           AtriumExportFormat       format,
           gint64                   from,
           gint64                   to,
           const char              *out,
           gint64                  *rows,
           GError                 **error)
{
  g_autofree char *out_dir = g_path_get_dirname (out);
  g_autofree char *work = g_build_filename (out_dir, ".atrium-export-XXXXXX", NULL);
  g_autofree char *part = NULL;
  AtriumExportSink sink = { NULL, write_all, NULL };
  gboolean ok = FALSE;
  int fd = -1;
  int saved;

  if (g_mkdtemp_full (work, 0700) == NULL)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write in %s: %s",
                   out_dir, g_strerror (saved));
      return FALSE;
    }
  part = g_build_filename (work, "part", NULL);
  fd = g_open (part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write in %s: %s",
                   out_dir, g_strerror (saved));
      goto out;
    }
  sink.user_data = GINT_TO_POINTER (fd);
  if (!atrium_export_run (db, table, from, to, NULL, format, &sink, work, NULL, rows, error))
    goto out;
  if (fsync (fd) != 0 || close (fd) != 0)
    {
      saved = errno;
      fd = -1;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s",
                   out, g_strerror (saved));
      goto out;
    }
  fd = -1;
  if (g_rename (part, out) != 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s",
                   out, g_strerror (saved));
      goto out;
    }
  /* The rename itself, on disk. */
  {
    int dir_fd = g_open (out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

    if (dir_fd >= 0)
      {
        fsync (dir_fd);
        close (dir_fd);
      }
  }
  ok = TRUE;

out:
  if (fd >= 0)
    close (fd);
  if (!ok)
    g_unlink (part);
  g_rmdir (work);
  return ok;
}

int
atrium_cli_export (int    argc,
                   char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *table_name = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *out = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("— write a table as CSV or XLSX");
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(AtriumClock) clock = atrium_clock_new_system ();
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *subject = NULL;
  g_autofree char *detail = NULL;
  const AtriumExportTable *table;
  const AtriumExportTable *tables;
  AtriumExportFormat format = ATRIUM_EXPORT_CSV;
  gint64 from = 0, to = 0, rows = 0;
  guint n_tables = 0;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Directory of the store", "DIR" },
    { "table", 0, 0, G_OPTION_ARG_STRING, &table_name, "What to export", "TABLE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name, "csv or xlsx", "FORMAT" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "The file to write (made 0600)", "FILE" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text,
      "Rows from this date (midnight UTC) or RFC 3339 time on", "TIME" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text, "Rows before this date or time", "TIME" },
    { NULL }
  };

  tables = atrium_store_export_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", tables[i].name);
  {
    g_autofree char *summary = g_strdup_printf ("Tables: %s. The file holds personal data: "
                                                "it is written 0600.", names->str);

    g_option_context_set_summary (context, summary);
  }
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return atrium_cli_usage (context, error->message);
  if (argc != 1)
    return atrium_cli_usage (context, "unexpected argument");
  if (data_dir == NULL || table_name == NULL || format_name == NULL || out == NULL ||
      *data_dir == '\0' || *out == '\0')
    return atrium_cli_usage (context, "--data-dir, --table, --format and --out are required");
  table = atrium_store_export_find (table_name);
  if (table == NULL)
    {
      g_autofree char *message = g_strdup_printf ("no table '%s'; tables: %s", table_name,
                                                  names->str);

      return atrium_cli_usage (context, message);
    }
  if (!atrium_export_format_parse (format_name, &format))
    return atrium_cli_usage (context, "--format: csv or xlsx");
  if (!parse_bound (from_text, ATRIUM_EXPORT_FROM_ANY, &from) ||
      !parse_bound (to_text, ATRIUM_EXPORT_TO_ANY, &to))
    return atrium_cli_usage (context, "--from and --to: a date (2026-11-24) or a time with "
                                      "its offset (2026-11-24T09:30:00Z)");
  if (from >= to)
    return atrium_cli_usage (context, "--from must come before --to");

  db = atrium_store_open (data_dir, FALSE, NULL, &error);
  if (db == NULL)
    return atrium_cli_fail ("%s", error->message);
  if (!export_to (db, table, format, from, to, out, &rows, &error))
    return atrium_cli_fail ("%s", error->message);

  subject = g_strdup_printf ("export:%s", table->name);
  detail = g_strdup_printf ("format=%s%s%s%s%s rows=%" G_GINT64_FORMAT " file=%s",
                            atrium_export_format_name (format),
                            from_text != NULL ? " from=" : "", from_text != NULL ? from_text : "",
                            to_text != NULL ? " to=" : "", to_text != NULL ? to_text : "",
                            rows, out);
  {
    AtriumAuditEntry entry = { "data_export", ATRIUM_AUDIT_SUCCESS, "cli", subject, NULL,
                               NULL, detail };

    if (!atrium_store_audit_append (db, clock, &entry, &error))
      return atrium_cli_fail ("the export is written, but not its audit entry: %s",
                              error->message);
  }
  printf ("Exported %" G_GINT64_FORMAT " %s of %s to %s.\n", rows, rows == 1 ? "row" : "rows",
          table->name, out);
  return ATRIUM_CLI_OK;
}
