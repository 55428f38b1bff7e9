/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-core"

#include "config.h"

#include "atrium-json.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Longer literals carry no information a double or gint64 could hold; refusing them
 * also bounds the copy we hand to g_ascii_strtoll()/g_ascii_strtod(). */
#define MAX_NUMBER_CHARS 64

/* Field paths longer than this are cut in error messages (not in field_out), so a
 * 60 KiB member name cannot flood a log line. */
#define MAX_SHOWN_FIELD 120

/* One step of a field path: a member name, or an array index when @key is NULL. */
typedef struct
{
  const char *key;
  guint       index;
} PathSeg;

/* Every container pushes at most one step and containers nest at most
 * ATRIUM_JSON_MAX_DEPTH deep, so the path fits in a fixed array. */
typedef struct
{
  PathSeg segs[ATRIUM_JSON_MAX_DEPTH + 1];
  guint   n_segs;
} Path;

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  guint       depth;
  Path        path;
  char      **field_out;
  GError    **error;
} Parser;

typedef struct
{
  Path     path;
  char   **field_out;
  GError **error;
} Checker;

static JsonNode *parse_value (Parser *self);

static gboolean check_value (Checker               *self,
                             JsonNode              *node,
                             const AtriumJsonField *field);

static char *
path_to_string (const Path *path)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; path != NULL && i < path->n_segs; i++)
    {
      const PathSeg *seg = &path->segs[i];

      if (seg->key != NULL)
        {
          if (i > 0)
            g_string_append_c (str, '.');
          g_string_append (str, seg->key);
        }
      else
        {
          g_string_append_printf (str, "[%u]", seg->index);
        }
    }

  return g_string_free (str, FALSE);
}

/* The field as shown in a message: control characters escaped, long paths cut. */
static char *
describe_field (const char *field)
{
  GString *str;
  const char *p;

  if (field[0] == '\0')
    return g_strdup ("body");

  str = g_string_new (NULL);
  for (p = field; *p != '\0'; p = g_utf8_next_char (p))
    {
      guchar c = (guchar) *p;

      if (str->len >= MAX_SHOWN_FIELD)
        {
          g_string_append (str, "…");
          break;
        }

      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (str, "\\x%02x", c);
      else
        g_string_append_len (str, p, g_utf8_next_char (p) - p);
    }

  return g_string_free (str, FALSE);
}

static void G_GNUC_PRINTF (5, 0)
set_error_valist (GError          **error,
                  char            **field_out,
                  const Path       *path,
                  AtriumCoreError   code,
                  const char       *format,
                  va_list           args)
{
  g_autofree char *field = path_to_string (path);
  g_autofree char *shown = describe_field (field);
  g_autofree char *what = g_strdup_vprintf (format, args);

  g_set_error (error, ATRIUM_CORE_ERROR, code, "%s: %s", shown, what);

  if (field_out != NULL)
    *field_out = g_steal_pointer (&field);
}

/* An error about the body as a whole: field "". */
static void G_GNUC_PRINTF (4, 5)
set_body_error (GError          **error,
                char            **field_out,
                AtriumCoreError   code,
                const char       *format,
                ...)
{
  va_list args;

  va_start (args, format);
  set_error_valist (error, field_out, NULL, code, format, args);
  va_end (args);
}

static void G_GNUC_PRINTF (3, 4)
parser_error (Parser          *self,
              AtriumCoreError  code,
              const char      *format,
              ...)
{
  va_list args;

  va_start (args, format);
  set_error_valist (self->error, self->field_out, &self->path, code, format, args);
  va_end (args);
}

static void
syntax_error (Parser     *self,
              const char *what)
{
  if (self->p >= self->end)
    parser_error (self, ATRIUM_CORE_ERROR_SYNTAX, "unexpected end of input (%s)", what);
  else
    parser_error (self, ATRIUM_CORE_ERROR_SYNTAX, "%s at byte %" G_GSIZE_FORMAT,
                  what, (gsize) (self->p - self->start));
}

static void
skip_whitespace (Parser *self)
{
  while (self->p < self->end
         && (*self->p == ' ' || *self->p == '\t' || *self->p == '\n' || *self->p == '\r'))
    self->p++;
}

static gboolean
at_char (Parser *self,
         char    c)
{
  return self->p < self->end && *self->p == c;
}

static gboolean
read_hex4 (const char *p,
           const char *end,
           gunichar   *out)
{
  gunichar value = 0;

  if (end - p < 4)
    return FALSE;

  for (guint i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return FALSE;
      value = (value << 4) | (gunichar) digit;
    }

  *out = value;
  return TRUE;
}

/* Reads the escape after a backslash at self->p; on success appends the character and
 * moves self->p past the escape. */
static gboolean
parse_escape (Parser  *self,
              GString *out)
{
  const char *escape = self->p;
  gunichar c;
  gunichar low;

  if (self->end - self->p < 2)
    {
      self->p = self->end;
      syntax_error (self, "unterminated string");
      return FALSE;
    }

  switch (self->p[1])
    {
    case '"':  g_string_append_c (out, '"');  self->p += 2; return TRUE;
    case '\\': g_string_append_c (out, '\\'); self->p += 2; return TRUE;
    case '/':  g_string_append_c (out, '/');  self->p += 2; return TRUE;
    case 'b':  g_string_append_c (out, '\b'); self->p += 2; return TRUE;
    case 'f':  g_string_append_c (out, '\f'); self->p += 2; return TRUE;
    case 'n':  g_string_append_c (out, '\n'); self->p += 2; return TRUE;
    case 'r':  g_string_append_c (out, '\r'); self->p += 2; return TRUE;
    case 't':  g_string_append_c (out, '\t'); self->p += 2; return TRUE;
    case 'u':  break;
    default:
      syntax_error (self, "invalid escape in a string");
      return FALSE;
    }

  if (!read_hex4 (self->p + 2, self->end, &c))
    {
      syntax_error (self, "invalid \\u escape in a string");
      return FALSE;
    }

  if (c == 0)
    {
      parser_error (self, ATRIUM_CORE_ERROR_ENCODING,
                    "\\u0000 is not allowed in a string (byte %" G_GSIZE_FORMAT ")",
                    (gsize) (escape - self->start));
      return FALSE;
    }

  if (c >= 0xdc00 && c <= 0xdfff)
    {
      parser_error (self, ATRIUM_CORE_ERROR_ENCODING,
                    "unpaired low surrogate \\u%04X in a string (byte %" G_GSIZE_FORMAT ")",
                    c, (gsize) (escape - self->start));
      return FALSE;
    }

  if (c >= 0xd800 && c <= 0xdbff)
    {
      const char *next = self->p + 6;

      if (self->end - next < 2 || next[0] != '\\' || next[1] != 'u')
        {
          parser_error (self, ATRIUM_CORE_ERROR_ENCODING,
                        "unpaired high surrogate \\u%04X in a string (byte %" G_GSIZE_FORMAT ")",
                        c, (gsize) (escape - self->start));
          return FALSE;
        }

      if (!read_hex4 (next + 2, self->end, &low))
        {
          self->p = next;
          syntax_error (self, "invalid \\u escape in a string");
          return FALSE;
        }

      if (low < 0xdc00 || low > 0xdfff)
        {
          parser_error (self, ATRIUM_CORE_ERROR_ENCODING,
                        "unpaired high surrogate \\u%04X in a string (byte %" G_GSIZE_FORMAT ")",
                        c, (gsize) (escape - self->start));
          return FALSE;
        }

      c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
      self->p += 6;
    }

  g_string_append_unichar (out, c);
  self->p += 6;
  return TRUE;
}

/* self->p is on the opening quote. The buffer is already known to be valid UTF-8
 * without NUL bytes, so only quotes, backslashes and control characters matter. */
static char *
parse_string (Parser *self)
{
  g_autoptr(GString) out = g_string_new (NULL);

  self->p++;

  for (;;)
    {
      const char *run = self->p;

      while (self->p < self->end
             && *self->p != '"' && *self->p != '\\' && (guchar) *self->p >= 0x20)
        self->p++;
      g_string_append_len (out, run, self->p - run);

      if (self->p >= self->end)
        {
          syntax_error (self, "unterminated string");
          return NULL;
        }

      if (*self->p == '"')
        {
          self->p++;
          return g_string_free (g_steal_pointer (&out), FALSE);
        }

      if (*self->p != '\\')
        {
          syntax_error (self, "control character in a string (it must be escaped)");
          return NULL;
        }

      if (!parse_escape (self, out))
        return NULL;
    }
}

static gboolean
is_digit (Parser *self)
{
  return self->p < self->end && g_ascii_isdigit (*self->p);
}

static gboolean
skip_digits (Parser     *self,
             const char *what)
{
  if (!is_digit (self))
    {
      syntax_error (self, what);
      return FALSE;
    }

  while (is_digit (self))
    self->p++;

  return TRUE;
}

static JsonNode *
parse_number (Parser *self)
{
  const char *begin = self->p;
  gboolean is_integer = TRUE;
  char buf[MAX_NUMBER_CHARS + 1];
  gsize len;

  if (at_char (self, '-'))
    self->p++;

  if (at_char (self, '0'))
    {
      self->p++;
      if (is_digit (self))
        {
          syntax_error (self, "leading zero in a number");
          return NULL;
        }
    }
  else if (!skip_digits (self, "expected a digit"))
    {
      return NULL;
    }

  if (at_char (self, '.'))
    {
      is_integer = FALSE;
      self->p++;
      if (!skip_digits (self, "expected a digit after the decimal point"))
        return NULL;
    }

  if (at_char (self, 'e') || at_char (self, 'E'))
    {
      is_integer = FALSE;
      self->p++;
      if (at_char (self, '+') || at_char (self, '-'))
        self->p++;
      if (!skip_digits (self, "expected a digit in the exponent"))
        return NULL;
    }

  len = self->p - begin;
  if (len > MAX_NUMBER_CHARS)
    {
      parser_error (self, ATRIUM_CORE_ERROR_OUT_OF_RANGE,
                    "number literal longer than %d characters", MAX_NUMBER_CHARS);
      return NULL;
    }

  memcpy (buf, begin, len);
  buf[len] = '\0';

  if (is_integer)
    {
      gint64 value;

      errno = 0;
      value = g_ascii_strtoll (buf, NULL, 10);
      if (errno != 0)
        {
          parser_error (self, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "integer out of range");
          return NULL;
        }

      return json_node_init_int (json_node_alloc (), value);
    }
  else
    {
      double value;

      errno = 0;
      value = g_ascii_strtod (buf, NULL);
      if ((errno == ERANGE && (value == HUGE_VAL || value == -HUGE_VAL)) || !isfinite (value))
        {
          parser_error (self, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "number out of range");
          return NULL;
        }

      return json_node_init_double (json_node_alloc (), value);
    }
}

static gboolean
parse_word (Parser     *self,
            const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (self->end - self->p) < len || memcmp (self->p, word, len) != 0)
    {
      syntax_error (self, "invalid literal (expected true, false or null)");
      return FALSE;
    }

  self->p += len;
  return TRUE;
}

/* Depth is checked before descending, so the recursion never goes deeper than the
 * limit however many brackets follow. */
static gboolean
enter_container (Parser *self)
{
  if (self->depth >= ATRIUM_JSON_MAX_DEPTH)
    {
      set_body_error (self->error, self->field_out, ATRIUM_CORE_ERROR_TOO_DEEP,
                      "nesting deeper than %d", ATRIUM_JSON_MAX_DEPTH);
      return FALSE;
    }

  self->depth++;
  return TRUE;
}

/* After a member or an element: ',' asks for another, @close ends the container. */
typedef enum
{
  NEXT_MORE,
  NEXT_DONE,
  NEXT_ERROR,
} Next;

static Next
next_element (Parser     *self,
              char        close,
              const char *message)
{
  skip_whitespace (self);
  if (at_char (self, ','))
    {
      self->p++;
      return NEXT_MORE;
    }
  if (at_char (self, close))
    {
      self->p++;
      return NEXT_DONE;
    }
  syntax_error (self, message);
  return NEXT_ERROR;
}

static JsonNode *
parse_object (Parser *self)
{
  g_autoptr(JsonObject) object = NULL;
  guint seg = self->path.n_segs;
  Next next;

  if (!enter_container (self))
    return NULL;

  object = json_object_new ();
  self->p++;
  skip_whitespace (self);

  if (at_char (self, '}'))
    {
      self->p++;
      self->depth--;
      return json_node_init_object (json_node_alloc (), object);
    }

  for (;;)
    {
      g_autofree char *key = NULL;
      JsonNode *value;

      skip_whitespace (self);
      if (!at_char (self, '"'))
        {
          syntax_error (self, at_char (self, '}') ? "trailing comma in an object"
                                                  : "expected a member name in double quotes");
          return NULL;
        }

      key = parse_string (self);
      if (key == NULL)
        return NULL;

      self->path.segs[seg].key = key;
      self->path.segs[seg].index = 0;
      self->path.n_segs = seg + 1;

      if (json_object_has_member (object, key))
        {
          parser_error (self, ATRIUM_CORE_ERROR_DUPLICATE_KEY, "duplicate key");
          return NULL;
        }

      skip_whitespace (self);
      if (!at_char (self, ':'))
        {
          syntax_error (self, "expected ':' after the member name");
          return NULL;
        }
      self->p++;

      value = parse_value (self);
      if (value == NULL)
        return NULL;

      json_object_set_member (object, key, value);
      self->path.n_segs = seg;

      next = next_element (self, '}', "expected ',' or '}' in an object");
      if (next == NEXT_ERROR)
        return NULL;
      if (next == NEXT_DONE)
        break;
    }

  self->depth--;
  return json_node_init_object (json_node_alloc (), object);
}

static JsonNode *
parse_array (Parser *self)
{
  g_autoptr(JsonArray) array = NULL;
  guint seg = self->path.n_segs;
  Next next;

  if (!enter_container (self))
    return NULL;

  array = json_array_new ();
  self->p++;
  skip_whitespace (self);

  if (at_char (self, ']'))
    {
      self->p++;
      self->depth--;
      return json_node_init_array (json_node_alloc (), array);
    }

  for (guint index = 0;; index++)
    {
      JsonNode *value;

      self->path.segs[seg].key = NULL;
      self->path.segs[seg].index = index;
      self->path.n_segs = seg + 1;

      skip_whitespace (self);
      if (index > 0 && at_char (self, ']'))
        {
          self->path.n_segs = seg;
          syntax_error (self, "trailing comma in an array");
          return NULL;
        }

      value = parse_value (self);
      if (value == NULL)
        return NULL;

      json_array_add_element (array, value);
      self->path.n_segs = seg;

      next = next_element (self, ']', "expected ',' or ']' in an array");
      if (next == NEXT_ERROR)
        return NULL;
      if (next == NEXT_DONE)
        break;
    }

  self->depth--;
  return json_node_init_array (json_node_alloc (), array);
}

static JsonNode *
parse_value (Parser *self)
{
  skip_whitespace (self);

  if (self->p >= self->end)
    {
      syntax_error (self, "expected a value");
      return NULL;
    }

  switch (*self->p)
    {
    case '{':
      return parse_object (self);

    case '[':
      return parse_array (self);

    case '"':
      {
        g_autofree char *str = parse_string (self);

        if (str == NULL)
          return NULL;
        return json_node_init_string (json_node_alloc (), str);
      }

    case 't':
      if (!parse_word (self, "true"))
        return NULL;
      return json_node_init_boolean (json_node_alloc (), TRUE);

    case 'f':
      if (!parse_word (self, "false"))
        return NULL;
      return json_node_init_boolean (json_node_alloc (), FALSE);

    case 'n':
      if (!parse_word (self, "null"))
        return NULL;
      return json_node_init_null (json_node_alloc ());

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return parse_number (self);

    default:
      syntax_error (self, "expected a value");
      return NULL;
    }
}

/**
 * atrium_json_parse:
 * @data: the bytes to parse, not necessarily NUL-terminated
 * @length: number of bytes in @data
 * @max_size: largest accepted @length, 0 for %ATRIUM_JSON_DEFAULT_MAX_SIZE
 * @field_out: (out) (optional): on error, the path of the field at fault ("" for the
 *   body as a whole); must point to %NULL
 * @error: return location for an #AtriumCoreError
 *
 * Parses @data as one strict RFC 8259 JSON value of any type, refusing duplicate keys,
 * nesting deeper than %ATRIUM_JSON_MAX_DEPTH, invalid UTF-8, NUL characters and numbers
 * that do not fit a gint64 (integer literals) or a finite double.
 *
 * Returns: (transfer full) (nullable): the value, %NULL on error
 */
JsonNode *
atrium_json_parse (const char  *data,
                   gsize        length,
                   gsize        max_size,
                   char       **field_out,
                   GError     **error)
{
  Parser self = { 0, };
  const char *invalid = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (field_out == NULL || *field_out == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (max_size == 0)
    max_size = ATRIUM_JSON_DEFAULT_MAX_SIZE;

  if (length > max_size)
    {
      set_body_error (error, field_out, ATRIUM_CORE_ERROR_TOO_LARGE,
                      "larger than %" G_GSIZE_FORMAT " bytes", max_size);
      return NULL;
    }

  if (length == 0)
    {
      set_body_error (error, field_out, ATRIUM_CORE_ERROR_SYNTAX, "empty input");
      return NULL;
    }

  if (!g_utf8_validate_len (data, length, &invalid))
    {
      gsize offset = invalid - data;

      if (*invalid == '\0')
        set_body_error (error, field_out, ATRIUM_CORE_ERROR_ENCODING,
                        "NUL byte at byte %" G_GSIZE_FORMAT, offset);
      else
        set_body_error (error, field_out, ATRIUM_CORE_ERROR_ENCODING,
                        "invalid UTF-8 at byte %" G_GSIZE_FORMAT, offset);
      return NULL;
    }

  self.start = data;
  self.p = data;
  self.end = data + length;
  self.field_out = field_out;
  self.error = error;

  node = parse_value (&self);
  if (node == NULL)
    return NULL;

  skip_whitespace (&self);
  if (self.p < self.end)
    {
      syntax_error (&self, "unexpected data after the JSON value");
      return NULL;
    }

  return g_steal_pointer (&node);
}

static const char *
describe_type (AtriumJsonType type)
{
  switch (type)
    {
    case ATRIUM_JSON_STRING: return "a string";
    case ATRIUM_JSON_INT:    return "an integer";
    case ATRIUM_JSON_NUMBER: return "a number";
    case ATRIUM_JSON_BOOL:   return "a boolean";
    case ATRIUM_JSON_OBJECT: return "an object";
    case ATRIUM_JSON_ARRAY:  return "an array";
    default:                 return "a value of an unknown schema type";
    }
}

static void G_GNUC_PRINTF (3, 4)
checker_error (Checker         *self,
               AtriumCoreError  code,
               const char      *format,
               ...)
{
  va_list args;

  va_start (args, format);
  set_error_valist (self->error, self->field_out, &self->path, code, format, args);
  va_end (args);
}

static gboolean
check_length (Checker    *self,
              gint64      count,
              gint64      min,
              gint64      max,
              gint64      default_max,
              const char *what,
              const char *units)
{
  if (min == 0 && max == 0)
    max = default_max;

  if (count < min || count > max)
    {
      checker_error (self, ATRIUM_CORE_ERROR_OUT_OF_RANGE,
                     "%s out of range (%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " %s)",
                     what, min, max, units);
      return FALSE;
    }

  return TRUE;
}

static const AtriumJsonField *
find_field (const AtriumJsonField *fields,
            const char            *name)
{
  for (; fields != NULL && fields->name != NULL; fields++)
    {
      if (g_str_equal (fields->name, name))
        return fields;
    }

  return NULL;
}

static gboolean
check_object (Checker               *self,
              JsonObject            *object,
              const AtriumJsonField *fields)
{
  guint seg = self->path.n_segs;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  /* Our parser never builds a tree deeper than the path can hold. */
  g_return_val_if_fail (seg < G_N_ELEMENTS (self->path.segs), FALSE);

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      const AtriumJsonField *field = find_field (fields, name);

      self->path.segs[seg].key = name;
      self->path.segs[seg].index = 0;
      self->path.n_segs = seg + 1;

      if (field == NULL)
        {
          checker_error (self, ATRIUM_CORE_ERROR_UNKNOWN_KEY, "unknown key");
          return FALSE;
        }

      if (!check_value (self, member, field))
        return FALSE;
    }

  for (; fields != NULL && fields->name != NULL; fields++)
    {
      if ((fields->flags & ATRIUM_JSON_REQUIRED) != 0
          && !json_object_has_member (object, fields->name))
        {
          self->path.segs[seg].key = fields->name;
          self->path.segs[seg].index = 0;
          self->path.n_segs = seg + 1;
          checker_error (self, ATRIUM_CORE_ERROR_MISSING, "required key is missing");
          return FALSE;
        }
    }

  self->path.n_segs = seg;
  return TRUE;
}

static gboolean
check_array (Checker               *self,
             JsonArray             *array,
             const AtriumJsonField *field)
{
  guint seg = self->path.n_segs;
  guint length = json_array_get_length (array);

  g_return_val_if_fail (seg < G_N_ELEMENTS (self->path.segs), FALSE);

  if (!check_length (self, length, field->min, field->max, ATRIUM_JSON_DEFAULT_MAX_ITEMS,
                     "number of elements", "elements"))
    return FALSE;

  for (guint i = 0; i < length; i++)
    {
      self->path.segs[seg].key = NULL;
      self->path.segs[seg].index = i;
      self->path.n_segs = seg + 1;

      /* Without a description no element is allowed, like members of an object. */
      if (field->items == NULL)
        {
          checker_error (self, ATRIUM_CORE_ERROR_UNKNOWN_KEY,
                         "element not allowed by the schema");
          return FALSE;
        }

      if (!check_value (self, json_array_get_element (array, i), field->items))
        return FALSE;
    }

  self->path.n_segs = seg;
  return TRUE;
}

static gboolean
check_value (Checker               *self,
             JsonNode              *node,
             const AtriumJsonField *field)
{
  JsonNodeType node_type = JSON_NODE_TYPE (node);
  GType value_type = G_TYPE_INVALID;
  gboolean matches = FALSE;

  if (node_type == JSON_NODE_NULL)
    {
      if ((field->flags & ATRIUM_JSON_NULLABLE) != 0)
        return TRUE;

      checker_error (self, ATRIUM_CORE_ERROR_WRONG_TYPE, "expected %s, not null",
                     describe_type (field->type));
      return FALSE;
    }

  if (node_type == JSON_NODE_VALUE)
    value_type = json_node_get_value_type (node);

  switch (field->type)
    {
    case ATRIUM_JSON_STRING:
      matches = value_type == G_TYPE_STRING;
      break;
    case ATRIUM_JSON_INT:
      matches = value_type == G_TYPE_INT64;
      break;
    case ATRIUM_JSON_NUMBER:
      matches = value_type == G_TYPE_INT64 || value_type == G_TYPE_DOUBLE;
      break;
    case ATRIUM_JSON_BOOL:
      matches = value_type == G_TYPE_BOOLEAN;
      break;
    case ATRIUM_JSON_OBJECT:
      matches = node_type == JSON_NODE_OBJECT;
      break;
    case ATRIUM_JSON_ARRAY:
      matches = node_type == JSON_NODE_ARRAY;
      break;
    default:
      checker_error (self, ATRIUM_CORE_ERROR_INVALID, "the schema gives no valid type");
      return FALSE;
    }

  if (!matches)
    {
      checker_error (self, ATRIUM_CORE_ERROR_WRONG_TYPE, "expected %s",
                     describe_type (field->type));
      return FALSE;
    }

  switch (field->type)
    {
    case ATRIUM_JSON_STRING:
      return check_length (self, g_utf8_strlen (json_node_get_string (node), -1),
                           field->min, field->max, ATRIUM_JSON_DEFAULT_MAX_CHARS,
                           "string length", "characters");

    case ATRIUM_JSON_INT:
      {
        gint64 value = json_node_get_int (node);

        if ((field->min != 0 || field->max != 0) && (value < field->min || value > field->max))
          {
            checker_error (self, ATRIUM_CORE_ERROR_OUT_OF_RANGE,
                           "integer out of range (%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")",
                           field->min, field->max);
            return FALSE;
          }
        return TRUE;
      }

    case ATRIUM_JSON_OBJECT:
      return check_object (self, json_node_get_object (node), field->fields);

    case ATRIUM_JSON_ARRAY:
      return check_array (self, json_node_get_array (node), field);

    case ATRIUM_JSON_NUMBER:
    case ATRIUM_JSON_BOOL:
    default:
      return TRUE;
    }
}

/**
 * atrium_json_decode:
 * @data: the bytes to decode, not necessarily NUL-terminated
 * @length: number of bytes in @data
 * @max_size: largest accepted @length, 0 for %ATRIUM_JSON_DEFAULT_MAX_SIZE
 * @fields: the allow-list of the top-level object's members (NULL-name terminated)
 * @field_out: (out) (optional): on error, the path of the field at fault, such as
 *   "attrs.quiet" or "items[2].name" ("" for the body as a whole); must point to %NULL
 * @error: return location for an #AtriumCoreError
 *
 * Parses @data with atrium_json_parse(), then requires a top-level object whose members
 * all match @fields.
 *
 * Returns: (transfer full) (nullable): the object's node, %NULL on error
 */
JsonNode *
atrium_json_decode (const char             *data,
                    gsize                   length,
                    gsize                   max_size,
                    const AtriumJsonField  *fields,
                    char                  **field_out,
                    GError                **error)
{
  g_autoptr(JsonNode) node = NULL;
  Checker checker = { 0, };

  g_return_val_if_fail (field_out == NULL || *field_out == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  node = atrium_json_parse (data, length, max_size, field_out, error);
  if (node == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      set_body_error (error, field_out, ATRIUM_CORE_ERROR_WRONG_TYPE, "expected an object");
      return NULL;
    }

  checker.field_out = field_out;
  checker.error = error;

  if (!check_object (&checker, json_node_get_object (node), fields))
    return NULL;

  return g_steal_pointer (&node);
}

void
atrium_json_write_string (GString    *out,
                          const char *str)
{
  g_string_append_c (out, '"');
  for (const char *p = str; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* RFC 8259 output for every answer we send: json-glib 1.6's generator writes U+001F
 * unescaped and some doubles as "1e-10.0". Strings must be valid UTF-8. */
void
atrium_json_write_to (GString  *out,
                      JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;
      gboolean first = TRUE;

      g_string_append_c (out, '{');
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          if (!first)
            g_string_append_c (out, ',');
          first = FALSE;
          atrium_json_write_string (out, name);
          g_string_append_c (out, ':');
          atrium_json_write_to (out, member);
        }
      g_string_append_c (out, '}');
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      g_string_append_c (out, '[');
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          atrium_json_write_to (out, json_array_get_element (array, i));
        }
      g_string_append_c (out, ']');
    }
  else if (JSON_NODE_HOLDS_NULL (node))
    {
      g_string_append (out, "null");
    }
  else
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        {
          atrium_json_write_string (out, json_node_get_string (node));
        }
      else if (type == G_TYPE_INT64)
        {
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
        }
      else if (type == G_TYPE_BOOLEAN)
        {
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
        }
      else
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          double value = json_node_get_double (node);

          g_return_if_fail (type == G_TYPE_DOUBLE);
          if (!isfinite (value))
            {
              /* JSON has no NaN or infinity. */
              g_string_append (out, "null");
              return;
            }
          g_ascii_formatd (buf, sizeof buf, "%.17g", value);
          g_string_append (out, buf);
          /* Keep it a double when read back. */
          if (strpbrk (buf, ".eE") == NULL)
            g_string_append (out, ".0");
        }
    }
}

char *
atrium_json_write (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  atrium_json_write_to (out, node);
  return g_string_free (out, FALSE);
}
