/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"
#include "atrium-request.h"

G_BEGIN_DECLS

/* The tables `GET /api/v1/export/{table}` and `atrium-server export` can write: one
 * entry each, with its columns, its SQL and who may export it. */

typedef enum
{
  ATRIUM_EXPORT_TEXT,      /* escaped against formula injection */
  ATRIUM_EXPORT_INTEGER,   /* a number in the sheet, never escaped */
  ATRIUM_EXPORT_REAL,      /* likewise */
  ATRIUM_EXPORT_TIME,      /* unix seconds in the store, RFC 3339 UTC text in the export */
} AtriumExportType;

typedef struct
{
  const char       *name;
  AtriumExportType  type;
} AtriumExportColumn;

/**
 * AtriumExportTable:
 * @name: the path segment and the CLI's `--table`
 * @roles: roles (AtriumRole bits) that may export every row
 * @site_roles: per-site grants (ATRIUM_ROLE_MANAGER, ATRIUM_ROLE_STAFF) that may export
 *   the rows of their own sites only; 0 for none
 * @site_column: the SQL expression of a row's site, which `@SITES@` in @queries filters;
 *   NULL when rows belong to no site (then @site_roles must be 0)
 * @text_times: the range is compared with RFC 3339 text (the audit trail), not seconds
 * @columns: the header row and each column's type, in the order the queries select
 * @queries: one or more SELECTs run in turn in one read transaction; each binds the
 *   range as `?1` (from, inclusive) and `?2` (to, exclusive) and contains `@SITES@`
 *   once when @site_column is set. Each must stream: its ORDER BY follows an index
 *   (EXPLAIN QUERY PLAN shows no "TEMP B-TREE", which tests/server/test-export.c
 *   checks), since a sort would hold every row in memory (temp_store = MEMORY).
 */
typedef struct
{
  const char               *name;
  guint                     roles;
  guint                     site_roles;
  const char               *site_column;
  gboolean                  text_times;
  const AtriumExportColumn *columns;
  guint                     n_columns;
  const char * const       *queries;
} AtriumExportTable;

/* The whole range: no bound given. */
#define ATRIUM_EXPORT_FROM_ANY G_MININT64
#define ATRIUM_EXPORT_TO_ANY   G_MAXINT64

const AtriumExportTable *atrium_store_export_tables      (guint                   *n_tables);
const AtriumExportTable *atrium_store_export_find        (const char              *name);

/* The rows of one export, read in one snapshot. */
typedef struct _AtriumExportCursor AtriumExportCursor;

/* @sites (gint64) restricts the rows to those sites; NULL means every site, an empty
 * array none. @from and @to are unix seconds or the _ANY bounds. */
AtriumExportCursor      *atrium_store_export_open        (AtriumDb                *db,
                                                          const AtriumExportTable *table,
                                                          gint64                   from,
                                                          gint64                   to,
                                                          GArray                  *sites,
                                                          GError                 **error);
/* TRUE with a row to read, FALSE at the end or on an error (@error set). */
gboolean                 atrium_store_export_next        (AtriumExportCursor      *cursor,
                                                          gboolean                *have_row,
                                                          GError                 **error);
gboolean                 atrium_store_export_is_null     (AtriumExportCursor      *cursor,
                                                          guint                    column);
const char              *atrium_store_export_text        (AtriumExportCursor      *cursor,
                                                          guint                    column);
gint64                   atrium_store_export_integer     (AtriumExportCursor      *cursor,
                                                          guint                    column);
double                   atrium_store_export_real        (AtriumExportCursor      *cursor,
                                                          guint                    column);
void                     atrium_store_export_close       (AtriumExportCursor      *cursor);

/* Each query of @table as it would run, for EXPLAIN QUERY PLAN in tests. */
GPtrArray               *atrium_store_export_sql         (const AtriumExportTable *table,
                                                          GArray                  *sites);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumExportCursor, atrium_store_export_close)

G_END_DECLS
