/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "atrium-store-export.h"

G_BEGIN_DECLS

/* Exports written as CSV (RFC 4180) or XLSX (libxlsxwriter), a chunk at a time, so that
 * a table of any size never sits in memory whole. Used by GET /api/v1/export/{table} and
 * `atrium-server export`. */

#define ATRIUM_EXPORT_ERROR (atrium_export_error_quark ())

typedef enum
{
  ATRIUM_EXPORT_ERROR_FAILED,         /* writing failed (disk, libxlsxwriter) */
  ATRIUM_EXPORT_ERROR_TOO_MANY_ROWS,  /* more rows than a sheet holds (XLSX) */
  ATRIUM_EXPORT_ERROR_INVALID,        /* a bad format name or time */
} AtriumExportError;

typedef enum
{
  ATRIUM_EXPORT_CSV,
  ATRIUM_EXPORT_XLSX,
} AtriumExportFormat;

/* A sheet's rows, the header row included (Excel's limit). */
#define ATRIUM_EXPORT_XLSX_MAX_ROWS 1048576
/* Bytes handed to the sink at a time. */
#define ATRIUM_EXPORT_CHUNK_BYTES   (64 * 1024)

/* Where the bytes go. @begin is called once, before the first @write, with the total
 * length when it is known (a CSV that fits in one chunk, every XLSX) or -1. */
typedef struct
{
  gboolean (*begin) (goffset       length,
                     gpointer      user_data,
                     GError      **error);
  gboolean (*write) (const guint8 *data,
                     gsize         length,
                     gpointer      user_data,
                     GError      **error);
  gpointer   user_data;
} AtriumExportSink;

GQuark      atrium_export_error_quark          (void);

gboolean    atrium_export_format_parse         (const char          *text,
                                                AtriumExportFormat  *format);
const char *atrium_export_format_name          (AtriumExportFormat   format);
const char *atrium_export_format_content_type  (AtriumExportFormat   format);

/* A date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time with its offset; whole seconds. */
gboolean    atrium_export_parse_time           (const char          *text,
                                                gint64              *seconds,
                                                GError             **error);

/* TRUE when a spreadsheet could read @text as a formula: it starts with =, +, -, @,
 * TAB or CR. Such text cells are written with a leading apostrophe. */
gboolean    atrium_export_is_formula_like      (const char          *text);

/* "atrium-occupancy-20261124T090000Z.csv" */
char       *atrium_export_file_name            (const AtriumExportTable *table,
                                                AtriumExportFormat   format,
                                                gint64               now);

typedef struct _AtriumExportWriter AtriumExportWriter;

/* @tmpdir holds the XLSX writer's temporary files (in a private directory of its own,
 * removed before the bytes are handed on); it must exist. A writer belongs to the thread
 * that made it: the XLSX writer switches that thread to the C locale while it lives,
 * since libxlsxwriter prints numbers with the locale's decimal separator. */
AtriumExportWriter *atrium_export_writer_new   (AtriumExportFormat        format,
                                                const AtriumExportColumn *columns,
                                                guint                     n_columns,
                                                const char               *sheet_name,
                                                const AtriumExportSink   *sink,
                                                const char               *tmpdir,
                                                GError                  **error);
void        atrium_export_writer_add_text      (AtriumExportWriter  *writer,
                                                const char          *text);
void        atrium_export_writer_add_integer   (AtriumExportWriter  *writer,
                                                gint64               value);
void        atrium_export_writer_add_real      (AtriumExportWriter  *writer,
                                                double               value);
void        atrium_export_writer_add_null      (AtriumExportWriter  *writer);
gboolean    atrium_export_writer_end_row       (AtriumExportWriter  *writer,
                                                GError             **error);
/* Writes what is left (the whole file for XLSX) to the sink. */
gboolean    atrium_export_writer_finish        (AtriumExportWriter  *writer,
                                                GError             **error);
void        atrium_export_writer_free          (AtriumExportWriter  *writer);

/* Reads @table through @db, in one snapshot, and writes it as @format to @sink.
 * @sites: see atrium_store_export_open(). @rows_out: the data rows written. */
gboolean    atrium_export_run                  (AtriumDb                *db,
                                                const AtriumExportTable *table,
                                                gint64                   from,
                                                gint64                   to,
                                                GArray                  *sites,
                                                AtriumExportFormat       format,
                                                const AtriumExportSink  *sink,
                                                const char              *tmpdir,
                                                GCancellable            *cancellable,
                                                gint64                  *rows_out,
                                                GError                 **error);

/* Removes export-* directories under @tmpdir older than @age_seconds: what a crash in
 * the middle of an XLSX export left behind (they hold personal data). */
void        atrium_export_sweep_tmpdir         (const char          *tmpdir,
                                                gint64               age_seconds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumExportWriter, atrium_export_writer_free)

G_END_DECLS
