/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-export"

#include "config.h"

#include "atrium-export.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <xlsxwriter.h>

#include "atrium-clock.h"

G_DEFINE_QUARK (atrium-export-error-quark, atrium_export_error)

/* ---- formats, names, times ----------------------------------------------------------- */

static const struct
{
  const char *name;
  const char *content_type;
} formats[] = {
  [ATRIUM_EXPORT_CSV] = { "csv", "text/csv; charset=utf-8; header=present" },
  [ATRIUM_EXPORT_XLSX] = { "xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
};

gboolean
atrium_export_format_parse (const char         *text,
                            AtriumExportFormat *format)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (formats); i++)
    if (strcmp (text, formats[i].name) == 0)
      {
        *format = (AtriumExportFormat) i;
        return TRUE;
      }
  return FALSE;
}

const char *
atrium_export_format_name (AtriumExportFormat format)
{
  return formats[format].name;
}

const char *
atrium_export_format_content_type (AtriumExportFormat format)
{
  return formats[format].content_type;
}

gboolean
atrium_export_parse_time (const char  *text,
                          gint64      *seconds,
                          GError     **error)
{
  gint64 usec = 0;

  if (text != NULL && strlen (text) == 10)
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00Z", NULL);

      if (atrium_time_parse_iso8601 (midnight, &usec, NULL))
        {
          *seconds = usec / ATRIUM_USEC_PER_SEC;
          return TRUE;
        }
    }
  else if (text != NULL && atrium_time_parse_iso8601 (text, &usec, NULL))
    {
      /* Whole seconds, rounded down also before 1970. */
      *seconds = usec / ATRIUM_USEC_PER_SEC - (usec % ATRIUM_USEC_PER_SEC < 0 ? 1 : 0);
      return TRUE;
    }
  g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_INVALID,
               "expected a date (2026-11-24) or a time with its offset "
               "(2026-11-24T09:30:00Z)");
  return FALSE;
}

gboolean
atrium_export_is_formula_like (const char *text)
{
  return text != NULL && text[0] != '\0' && strchr ("=+-@\t\r", text[0]) != NULL;
}

char *
atrium_export_file_name (const AtriumExportTable *table,
                         AtriumExportFormat       format,
                         gint64                   now)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now);
  g_autofree char *stamp = g_date_time_format (utc, "%Y%m%dT%H%M%SZ");

  return g_strdup_printf ("atrium-%s-%s.%s", table->name, stamp, formats[format].name);
}

/* ---- the writer ------------------------------------------------------------------------ */

struct _AtriumExportWriter
{
  AtriumExportFormat        format;
  const AtriumExportColumn *columns;
  guint                     n_columns;
  AtriumExportSink          sink;
  guint                     column;      /* the next cell of the row */
  gint64                    rows;        /* data rows ended */
  gboolean                  begun;       /* sink.begin called */
  gboolean                  failed;      /* a cell could not be written */
  GString                  *buffer;      /* CSV: bytes not yet handed on */

  /* XLSX */
  char                     *dir;         /* private: the workbook and its temporary files */
  char                     *path;
  lxw_workbook             *workbook;
  lxw_worksheet            *sheet;
  lxw_format               *bold;
  lxw_error                 lxw_failure;
  GString                  *cell;        /* scratch for one text cell */
  locale_t                  c_locale;
  locale_t                  old_locale;
};

static gboolean
sink_begin (AtriumExportWriter  *writer,
            goffset              length,
            GError             **error)
{
  writer->begun = TRUE;
  return writer->sink.begin == NULL || writer->sink.begin (length, writer->sink.user_data, error);
}

static gboolean
sink_write (AtriumExportWriter  *writer,
            const guint8        *data,
            gsize                length,
            GError             **error)
{
  return length == 0 || writer->sink.write (data, length, writer->sink.user_data, error);
}

/* -- CSV (RFC 4180): CRLF after every record, a field quoted when it holds a comma, a
 * quote, CR or LF, quotes doubled. -- */

static void
csv_separator (AtriumExportWriter *writer)
{
  if (writer->column++ > 0)
    g_string_append_c (writer->buffer, ',');
}

static void
csv_field (AtriumExportWriter *writer,
           const char         *text,
           gboolean            escape)
{
  gboolean prefix = escape && atrium_export_is_formula_like (text);
  gboolean quote = strpbrk (text, ",\"\r\n") != NULL;

  csv_separator (writer);
  if (quote)
    g_string_append_c (writer->buffer, '"');
  if (prefix)
    g_string_append_c (writer->buffer, '\'');
  if (quote)
    {
      for (const char *p = text; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (writer->buffer, '"');
          g_string_append_c (writer->buffer, *p);
        }
      g_string_append_c (writer->buffer, '"');
    }
  else
    g_string_append (writer->buffer, text);
}

static gboolean
csv_flush (AtriumExportWriter  *writer,
           gboolean             last,
           GError             **error)
{
  if (!writer->begun && !sink_begin (writer, last ? (goffset) writer->buffer->len : -1, error))
    return FALSE;
  if (!sink_write (writer, (const guint8 *) writer->buffer->str, writer->buffer->len, error))
    return FALSE;
  g_string_truncate (writer->buffer, 0);
  return TRUE;
}

/* The shortest of 15 or 17 significant digits that reads back as @value ("14.89", not
 * "14.890000000000001"), with a point whatever the locale. */
static void
append_real (GString *out,
             double   value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (text, sizeof text, "%.15g", value);
  if (g_ascii_strtod (text, NULL) != value)
    g_ascii_formatd (text, sizeof text, "%.17g", value);
  g_string_append (out, text);
}

/* -- XLSX: constant_memory mode, so libxlsxwriter keeps one row and writes the others to
 * a temporary file; text cells are strings (never formulas), numbers are numbers. -- */

/* Text as an XLSX cell holds it: valid UTF-8; characters XML 1.0 cannot carry (C0
 * controls but TAB and LF) and CR (which XML readers turn into LF) written as Excel's
 * _xHHHH_ escapes, and a literal "_xHHHH_" protected as "_x005F_xHHHH_"; at most the
 * 32,767 characters of a cell (the rest is cut). */
#define XLSX_CELL_MAX_CHARS 32767

static gboolean
looks_like_escape (const char *p)
{
  return p[0] == '_' && p[1] == 'x' && g_ascii_isxdigit (p[2]) && g_ascii_isxdigit (p[3]) &&
         g_ascii_isxdigit (p[4]) && g_ascii_isxdigit (p[5]) && p[6] == '_';
}

static void
xlsx_text (GString    *out,
           const char *text,
           gboolean    prefix)
{
  g_autofree char *valid = g_utf8_validate (text, -1, NULL) ? NULL
                                                            : g_utf8_make_valid (text, -1);
  const char *p = valid != NULL ? valid : text;
  guint chars = 0;

  g_string_truncate (out, 0);
  if (prefix)
    {
      g_string_append_c (out, '\'');
      chars++;
    }
  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);
      const char *next = g_utf8_next_char (p);
      char piece[16];
      gsize piece_len;
      guint piece_chars;

      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0xFFFE || c == 0xFFFF)
        {
          if (c >= 0x20)
            c = 0xFFFD;
          piece_len = c < 0x20 ? (gsize) g_snprintf (piece, sizeof piece, "_x%04X_", c)
                               : (gsize) g_unichar_to_utf8 (c, piece);
          piece_chars = c < 0x20 ? 7 : 1;
        }
      else if (looks_like_escape (p))
        {
          memcpy (piece, "_x005F_", 7);
          piece_len = 7;
          piece_chars = 7;
          next = p + 1;
        }
      else
        {
          piece_len = (gsize) (next - p);
          memcpy (piece, p, piece_len);
          piece_chars = 1;
        }
      if (chars + piece_chars > XLSX_CELL_MAX_CHARS)
        break;
      g_string_append_len (out, piece, (gssize) piece_len);
      chars += piece_chars;
      p = next;
    }
}

static void
xlsx_check (AtriumExportWriter *writer,
            lxw_error           rc)
{
  if (rc != LXW_NO_ERROR && writer->lxw_failure == LXW_NO_ERROR)
    writer->lxw_failure = rc;
}

static gboolean
xlsx_open (AtriumExportWriter  *writer,
           const char          *sheet_name,
           const char          *tmpdir,
           GError             **error)
{
  g_autofree char *template = g_build_filename (tmpdir, "export-XXXXXX", NULL);
  lxw_workbook_options options = { .constant_memory = LXW_TRUE, .tmpdir = NULL };

  if (g_mkdtemp_full (template, 0700) == NULL)
    {
      int saved = errno;

      g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_FAILED,
                   "cannot make a temporary directory in %s: %s", tmpdir, g_strerror (saved));
      return FALSE;
    }
  writer->dir = g_steal_pointer (&template);
  writer->path = g_build_filename (writer->dir, "export.xlsx", NULL);
  options.tmpdir = writer->dir;

  /* libxlsxwriter prints numbers with printf ("%.16G"): in the C locale, whatever the
   * process's (a decimal comma would break the file). */
  writer->c_locale = newlocale (LC_ALL_MASK, "C", (locale_t) 0);
  if (writer->c_locale != (locale_t) 0)
    writer->old_locale = uselocale (writer->c_locale);

  writer->workbook = workbook_new_opt (writer->path, &options);
  writer->sheet = writer->workbook != NULL ? workbook_add_worksheet (writer->workbook,
                                                                      sheet_name)
                                           : NULL;
  if (writer->sheet == NULL)
    {
      g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_FAILED,
                   "cannot start the workbook in %s", writer->dir);
      return FALSE;
    }
  writer->bold = workbook_add_format (writer->workbook);
  format_set_bold (writer->bold);
  worksheet_freeze_panes (writer->sheet, 1, 0);
  writer->cell = g_string_new (NULL);
  for (guint i = 0; i < writer->n_columns; i++)
    xlsx_check (writer, worksheet_write_string (writer->sheet, 0, (lxw_col_t) i,
                                                writer->columns[i].name, writer->bold));
  return TRUE;
}

static lxw_row_t
xlsx_row (AtriumExportWriter *writer)
{
  return (lxw_row_t) (writer->rows + 1);
}

static void
xlsx_number (AtriumExportWriter *writer,
             double              value)
{
  xlsx_check (writer, worksheet_write_number (writer->sheet, xlsx_row (writer),
                                              (lxw_col_t) writer->column++, value, NULL));
}

static void
xlsx_string (AtriumExportWriter *writer,
             const char         *text,
             gboolean            escape)
{
  xlsx_text (writer->cell, text, escape && atrium_export_is_formula_like (text));
  if (writer->cell->len > 0)
    xlsx_check (writer, worksheet_write_string (writer->sheet, xlsx_row (writer),
                                                (lxw_col_t) writer->column,
                                                writer->cell->str, NULL));
  writer->column++;
}

/* A workbook never closed: lxw_workbook_free() leaves the sheet's temporary file open
 * (libxlsxwriter 1.1.4 closes it only while assembling), which would keep its descriptor
 * and its disk space until the process ends. */
static void
xlsx_discard (AtriumExportWriter *writer)
{
  if (writer->workbook != NULL && writer->sheet != NULL && writer->sheet->optimize_tmpfile)
    {
      fclose (writer->sheet->optimize_tmpfile);
      writer->sheet->optimize_tmpfile = NULL;
      writer->sheet->file = NULL;
    }
  writer->sheet = NULL;
  g_clear_pointer (&writer->workbook, lxw_workbook_free);
  if (writer->path != NULL)
    g_unlink (writer->path);
  if (writer->dir != NULL)
    g_rmdir (writer->dir);
  g_clear_pointer (&writer->path, g_free);
  g_clear_pointer (&writer->dir, g_free);
}

/* Closes the workbook (which zips it into writer->path) and hands the file on. The
 * file is unlinked as soon as it is open, so nothing is left on disk if we stop. */
static gboolean
xlsx_finish (AtriumExportWriter  *writer,
             GError             **error)
{
  lxw_error rc = workbook_close (g_steal_pointer (&writer->workbook));
  g_autofree guint8 *chunk = NULL;
  struct stat st;
  int fd = -1;
  gboolean ok = FALSE;

  if (rc != LXW_NO_ERROR)
    {
      g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_FAILED,
                   "cannot write the workbook: %s", lxw_strerror (rc));
      return FALSE;
    }
  fd = g_open (writer->path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_FAILED,
                   "cannot read the workbook back: %s", g_strerror (saved));
      goto out;
    }
  xlsx_discard (writer);

  if (!sink_begin (writer, st.st_size, error))
    goto out;
  chunk = g_malloc (ATRIUM_EXPORT_CHUNK_BYTES);
  for (;;)
    {
      ssize_t n = read (fd, chunk, ATRIUM_EXPORT_CHUNK_BYTES);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_FAILED,
                       "cannot read the workbook back: %s", g_strerror (saved));
          goto out;
        }
      if (n == 0)
        break;
      if (!sink_write (writer, chunk, (gsize) n, error))
        goto out;
    }
  ok = TRUE;

out:
  if (fd >= 0)
    close (fd);
  return ok;
}

/* -- both -- */

AtriumExportWriter *
atrium_export_writer_new (AtriumExportFormat        format,
                          const AtriumExportColumn *columns,
                          guint                     n_columns,
                          const char               *sheet_name,
                          const AtriumExportSink   *sink,
                          const char               *tmpdir,
                          GError                  **error)
{
  g_autoptr(AtriumExportWriter) writer = g_new0 (AtriumExportWriter, 1);

  writer->format = format;
  writer->columns = columns;
  writer->n_columns = n_columns;
  writer->sink = *sink;
  if (format == ATRIUM_EXPORT_XLSX)
    {
      if (!xlsx_open (writer, sheet_name, tmpdir, error))
        return NULL;
    }
  else
    {
      writer->buffer = g_string_sized_new (ATRIUM_EXPORT_CHUNK_BYTES + 4096);
      for (guint i = 0; i < n_columns; i++)
        csv_field (writer, columns[i].name, TRUE);
      g_string_append (writer->buffer, "\r\n");
      writer->column = 0;
    }
  return g_steal_pointer (&writer);
}

static gboolean
row_is_full (AtriumExportWriter *writer)
{
  if (writer->column < writer->n_columns)
    return FALSE;
  g_critical ("export: more cells than the %u columns of the table", writer->n_columns);
  writer->failed = TRUE;
  return TRUE;
}

void
atrium_export_writer_add_text (AtriumExportWriter *writer,
                               const char         *text)
{
  if (row_is_full (writer))
    return;
  if (writer->format == ATRIUM_EXPORT_CSV)
    csv_field (writer, text != NULL ? text : "", TRUE);
  else
    xlsx_string (writer, text != NULL ? text : "", TRUE);
}

void
atrium_export_writer_add_integer (AtriumExportWriter *writer,
                                  gint64              value)
{
  if (row_is_full (writer))
    return;
  if (writer->format == ATRIUM_EXPORT_CSV)
    {
      csv_separator (writer);
      g_string_append_printf (writer->buffer, "%" G_GINT64_FORMAT, value);
    }
  else
    xlsx_number (writer, (double) value);
}

void
atrium_export_writer_add_real (AtriumExportWriter *writer,
                               double              value)
{
  if (!isfinite (value))
    {
      atrium_export_writer_add_null (writer);
      return;
    }
  if (row_is_full (writer))
    return;
  if (writer->format == ATRIUM_EXPORT_CSV)
    {
      csv_separator (writer);
      append_real (writer->buffer, value);
    }
  else
    xlsx_number (writer, value);
}

void
atrium_export_writer_add_null (AtriumExportWriter *writer)
{
  if (row_is_full (writer))
    return;
  if (writer->format == ATRIUM_EXPORT_CSV)
    csv_separator (writer);
  else
    writer->column++;
}

gboolean
atrium_export_writer_end_row (AtriumExportWriter  *writer,
                              GError             **error)
{
  if (writer->failed || writer->column != writer->n_columns)
    {
      g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_FAILED,
                   "row %" G_GINT64_FORMAT " has %u cells for %u columns", writer->rows + 1,
                   writer->column, writer->n_columns);
      return FALSE;
    }
  writer->column = 0;
  writer->rows++;
  if (writer->format == ATRIUM_EXPORT_XLSX)
    {
      if (writer->lxw_failure != LXW_NO_ERROR)
        {
          g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_FAILED,
                       "cannot write row %" G_GINT64_FORMAT ": %s", writer->rows,
                       lxw_strerror (writer->lxw_failure));
          return FALSE;
        }
      if (writer->rows + 1 >= ATRIUM_EXPORT_XLSX_MAX_ROWS)
        {
          g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_TOO_MANY_ROWS,
                       "more rows than a spreadsheet holds (%d); export CSV or a shorter "
                       "period", ATRIUM_EXPORT_XLSX_MAX_ROWS - 1);
          return FALSE;
        }
      return TRUE;
    }
  g_string_append (writer->buffer, "\r\n");
  return writer->buffer->len < ATRIUM_EXPORT_CHUNK_BYTES || csv_flush (writer, FALSE, error);
}

gboolean
atrium_export_writer_finish (AtriumExportWriter  *writer,
                             GError             **error)
{
  if (writer->column != 0)
    {
      g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_FAILED,
                   "the last row was not ended");
      return FALSE;
    }
  if (writer->format == ATRIUM_EXPORT_XLSX)
    {
      if (writer->lxw_failure != LXW_NO_ERROR)
        {
          g_set_error (error, ATRIUM_EXPORT_ERROR, ATRIUM_EXPORT_ERROR_FAILED,
                       "cannot write the sheet: %s", lxw_strerror (writer->lxw_failure));
          return FALSE;
        }
      return xlsx_finish (writer, error);
    }
  return csv_flush (writer, TRUE, error);
}

void
atrium_export_writer_free (AtriumExportWriter *writer)
{
  if (writer == NULL)
    return;
  xlsx_discard (writer);
  if (writer->c_locale != (locale_t) 0)
    {
      uselocale (writer->old_locale);
      freelocale (writer->c_locale);
    }
  if (writer->cell != NULL)
    g_string_free (writer->cell, TRUE);
  if (writer->buffer != NULL)
    g_string_free (writer->buffer, TRUE);
  g_free (writer);
}

/* ---- a whole export -------------------------------------------------------------------- */

static void
add_cell (AtriumExportWriter       *writer,
          AtriumExportCursor       *cursor,
          const AtriumExportColumn *column,
          guint                     i)
{
  if (atrium_store_export_is_null (cursor, i))
    {
      atrium_export_writer_add_null (writer);
      return;
    }
  switch (column->type)
    {
    case ATRIUM_EXPORT_INTEGER:
      atrium_export_writer_add_integer (writer, atrium_store_export_integer (cursor, i));
      break;
    case ATRIUM_EXPORT_REAL:
      atrium_export_writer_add_real (writer, atrium_store_export_real (cursor, i));
      break;
    case ATRIUM_EXPORT_TIME:
      {
        g_autofree char *text = atrium_time_format_iso8601 (
          atrium_store_export_integer (cursor, i) * ATRIUM_USEC_PER_SEC);

        atrium_export_writer_add_text (writer, text);
      }
      break;
    case ATRIUM_EXPORT_TEXT:
    default:
      atrium_export_writer_add_text (writer, atrium_store_export_text (cursor, i));
      break;
    }
}

gboolean
atrium_export_run (AtriumDb                *db,
                   const AtriumExportTable *table,
                   gint64                   from,
                   gint64                   to,
                   GArray                  *sites,
                   AtriumExportFormat       format,
                   const AtriumExportSink  *sink,
                   const char              *tmpdir,
                   GCancellable            *cancellable,
                   gint64                  *rows_out,
                   GError                 **error)
{
  g_autoptr(AtriumExportWriter) writer = NULL;
  g_autoptr(AtriumExportCursor) cursor = NULL;
  gboolean have_row = FALSE;
  gint64 rows = 0;

  writer = atrium_export_writer_new (format, table->columns, table->n_columns, table->name,
                                     sink, tmpdir, error);
  if (writer == NULL)
    return FALSE;
  cursor = atrium_store_export_open (db, table, from, to, sites, error);
  if (cursor == NULL)
    return FALSE;
  for (;;)
    {
      if (!atrium_store_export_next (cursor, &have_row, error))
        return FALSE;
      if (!have_row)
        break;
      for (guint i = 0; i < table->n_columns; i++)
        add_cell (writer, cursor, &table->columns[i], i);
      if (!atrium_export_writer_end_row (writer, error))
        return FALSE;
      /* An XLSX export writes nothing out until its end: look for a reason to stop. */
      if (++rows % 1024 == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
    }
  g_clear_pointer (&cursor, atrium_store_export_close);
  if (!atrium_export_writer_finish (writer, error))
    return FALSE;
  if (rows_out != NULL)
    *rows_out = rows;
  return TRUE;
}

void
atrium_export_sweep_tmpdir (const char *tmpdir,
                            gint64      age_seconds)
{
  g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmpdir, name, NULL);
      g_autoptr(GDir) inner = NULL;
      const char *child;
      GStatBuf st;

      if (!g_str_has_prefix (name, "export-") || g_lstat (path, &st) != 0 ||
          !S_ISDIR (st.st_mode) || now - st.st_mtime < age_seconds)
        continue;
      inner = g_dir_open (path, 0, NULL);
      while (inner != NULL && (child = g_dir_read_name (inner)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, child, NULL);

          g_unlink (file);
        }
      g_rmdir (path);
    }
}
