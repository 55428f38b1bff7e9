/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "atrium-core-error.h"

G_BEGIN_DECLS

/* json-glib 1.6 crashes on deep nesting and keeps the last of duplicate keys, so every
 * byte from outside goes through this parser; json-glib only holds the result. */
#define ATRIUM_JSON_MAX_DEPTH        32
#define ATRIUM_JSON_DEFAULT_MAX_SIZE (64 * 1024)
#define ATRIUM_JSON_DEFAULT_MAX_CHARS 4096   /* STRING when max == 0 */
#define ATRIUM_JSON_DEFAULT_MAX_ITEMS 1000   /* ARRAY when max == 0 */

typedef enum
{
  ATRIUM_JSON_STRING = 1,
  ATRIUM_JSON_INT,      /* an integer literal (no fraction, no exponent) in [min, max] */
  ATRIUM_JSON_NUMBER,   /* any finite number */
  ATRIUM_JSON_BOOL,
  ATRIUM_JSON_OBJECT,   /* members described by .fields */
  ATRIUM_JSON_ARRAY,    /* elements described by .items */
} AtriumJsonType;

typedef enum
{
  ATRIUM_JSON_OPTIONAL = 0,
  ATRIUM_JSON_REQUIRED = 1 << 0,
  ATRIUM_JSON_NULLABLE = 1 << 1,   /* null is accepted in place of the value */
} AtriumJsonFlags;

typedef struct _AtriumJsonField AtriumJsonField;

/**
 * AtriumJsonField:
 * @name: member name; a field list ends with an entry whose name is %NULL
 * @type: the JSON type the member must have
 * @flags: #AtriumJsonFlags
 * @min: INT: smallest value; STRING: fewest characters; ARRAY: fewest elements
 * @max: INT: largest value; STRING: most characters; ARRAY: most elements.
 *   When both @min and @max are 0: INT takes any gint64, STRING up to
 *   %ATRIUM_JSON_DEFAULT_MAX_CHARS characters, ARRAY up to %ATRIUM_JSON_DEFAULT_MAX_ITEMS.
 * @fields: OBJECT: the allowed members (NULL-name terminated)
 * @items: ARRAY: the description of every element (its @name is ignored)
 *
 * One entry of an allow-list. Members not listed are refused.
 */
struct _AtriumJsonField
{
  const char            *name;
  AtriumJsonType         type;
  guint                  flags;
  gint64                 min;
  gint64                 max;
  const AtriumJsonField *fields;
  const AtriumJsonField *items;
};

JsonNode *atrium_json_parse  (const char             *data,
                              gsize                   length,
                              gsize                   max_size,
                              char                  **field_out,
                              GError                **error);

JsonNode *atrium_json_decode (const char             *data,
                              gsize                   length,
                              gsize                   max_size,
                              const AtriumJsonField  *fields,
                              char                  **field_out,
                              GError                **error);

char     *atrium_json_write        (JsonNode               *node);
void      atrium_json_write_to     (GString                *out,
                                    JsonNode               *node);
void      atrium_json_write_string (GString                *out,
                                    const char             *str);

G_END_DECLS
