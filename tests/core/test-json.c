/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-test"

#include "config.h"

#include "atrium-json.h"

#include <math.h>
#include <string.h>

/* ---- helpers ----------------------------------------------------------------------- */

static JsonNode *
parse_ok (const char *data,
          gssize      length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  JsonNode *node;

  if (length < 0)
    length = strlen (data);

  node = atrium_json_parse (data, length, 0, &field, &error);
  if (error != NULL)
    g_test_message ("unexpected error for %s: %s", data, error->message);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_null (field);
  return node;
}

/* Asserts that atrium_json_parse() refuses @data with @code and @field, then that
 * atrium_json_decode() refuses it the same way (it parses first). */
static void
check_parse_error_full (const char      *data,
                        gsize            length,
                        gsize            max_size,
                        AtriumCoreError  code,
                        const char      *field)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autofree char *field_out = NULL;
  g_autofree char *field_out2 = NULL;
  JsonNode *node;

  node = atrium_json_parse (data, length, max_size, &field_out, &error);
  if (error == NULL || error->code != (int) code || g_strcmp0 (field_out, field) != 0)
    g_test_message ("input %.*s: expected %s at \"%s\", got %s at \"%s\"",
                    (int) MIN (length, 200), data, atrium_core_error_code (code), field,
                    error != NULL ? error->message : "success",
                    field_out != NULL ? field_out : "(null)");
  g_assert_null (node);
  g_assert_error (error, ATRIUM_CORE_ERROR, (int) code);
  g_assert_cmpstr (field_out, ==, field);
  /* The message names the field first, in words. */
  g_assert_true (g_str_has_prefix (error->message, field[0] != '\0' ? field : "body"));

  node = atrium_json_decode (data, length, max_size, NULL, &field_out2, &error2);
  g_assert_null (node);
  g_assert_error (error2, ATRIUM_CORE_ERROR, (int) code);
  g_assert_cmpstr (field_out2, ==, field);
  g_assert_cmpstr (error2->message, ==, error->message);
}

static void
check_parse_error (const char      *data,
                   AtriumCoreError  code,
                   const char      *field)
{
  check_parse_error_full (data, strlen (data), 0, code, field);
}

static void
check_decode_error (const char            *data,
                    const AtriumJsonField *fields,
                    AtriumCoreError        code,
                    const char            *field,
                    const char            *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *field_out = NULL;
  JsonNode *node;

  node = atrium_json_decode (data, strlen (data), 0, fields, &field_out, &error);
  if (error == NULL || error->code != (int) code || g_strcmp0 (field_out, field) != 0)
    g_test_message ("input %s: expected %s at \"%s\", got %s at \"%s\"",
                    data, atrium_core_error_code (code), field,
                    error != NULL ? error->message : "success",
                    field_out != NULL ? field_out : "(null)");
  g_assert_null (node);
  g_assert_error (error, ATRIUM_CORE_ERROR, (int) code);
  g_assert_cmpstr (field_out, ==, field);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

static JsonNode *
decode_ok (const char            *data,
           const AtriumJsonField *fields)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  JsonNode *node;

  node = atrium_json_decode (data, strlen (data), 0, fields, &field, &error);
  if (error != NULL)
    g_test_message ("unexpected error for %s: %s", data, error->message);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_null (field);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return node;
}

static char *
repeat (const char *piece,
        guint       times,
        const char *tail)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (str, piece);
  g_string_append (str, tail);
  return g_string_free (str, FALSE);
}

static char *
nested_arrays (guint depth)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (str, '[');
  g_string_append (str, "1");
  for (guint i = 0; i < depth; i++)
    g_string_append_c (str, ']');
  return g_string_free (str, FALSE);
}

static char *
nested_objects (guint depth)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (str, "{\"a\":");
  g_string_append (str, "true");
  for (guint i = 0; i < depth; i++)
    g_string_append_c (str, '}');
  return g_string_free (str, FALSE);
}

/* ---- a realistic schema ------------------------------------------------------------ */

static const AtriumJsonField attrs_fields[] = {
  { "quiet", ATRIUM_JSON_BOOL, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, NULL },
  { "note", ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 0, 40, NULL, NULL },
  { "level", ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, -3, 3, NULL, NULL },
  { NULL, 0, 0, 0, 0, NULL, NULL }
};

static const AtriumJsonField seat_item = {
  NULL, ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, 1, 500, NULL, NULL
};

static const AtriumJsonField guest_fields[] = {
  { "name", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 40, NULL, NULL },
  { "age", ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, 0, 150, NULL, NULL },
  { NULL, 0, 0, 0, 0, NULL, NULL }
};

static const AtriumJsonField guest_item = {
  NULL, ATRIUM_JSON_OBJECT, ATRIUM_JSON_OPTIONAL, 0, 0, guest_fields, NULL
};

static const AtriumJsonField booking_fields[] = {
  { "room", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 64, NULL, NULL },
  { "start", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, G_MAXINT64, NULL, NULL },
  { "hours", ATRIUM_JSON_NUMBER, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, NULL },
  { "role", ATRIUM_JSON_STRING, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, NULL },
  { "attrs", ATRIUM_JSON_OBJECT, ATRIUM_JSON_NULLABLE, 0, 0, attrs_fields, NULL },
  { "seats", ATRIUM_JSON_ARRAY, ATRIUM_JSON_OPTIONAL, 0, 4, NULL, &seat_item },
  { "guests", ATRIUM_JSON_ARRAY, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, &guest_item },
  { NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char booking_body[] =
  "{\n"
  "  \"room\": \"Reading room \\u00e9\",\n"
  "  \"start\": 1718000000,\n"
  "  \"hours\": 1.5,\n"
  "  \"attrs\": {\"quiet\": true, \"note\": \"window \\\"seat\\\"\", \"level\": -2},\n"
  "  \"seats\": [12, 13, 500],\n"
  "  \"guests\": [{\"name\": \"Ada\", \"age\": 36}, {\"name\": \"Grace\"}]\n"
  "}\n";

/* ---- parse: accepted input --------------------------------------------------------- */

static void
test_parse_scalars (void)
{
  g_autoptr(JsonNode) n1 = parse_ok ("0", -1);
  g_autoptr(JsonNode) n2 = parse_ok ("-0", -1);
  g_autoptr(JsonNode) n3 = parse_ok ("\"x\"", -1);
  g_autoptr(JsonNode) n4 = parse_ok ("true", -1);
  g_autoptr(JsonNode) n5 = parse_ok ("false", -1);
  g_autoptr(JsonNode) n6 = parse_ok ("null", -1);
  g_autoptr(JsonNode) n7 = parse_ok ("[]", -1);
  g_autoptr(JsonNode) n8 = parse_ok ("{}", -1);
  g_autoptr(JsonNode) n9 = parse_ok ("[1,\"a\",null,[],{}]", -1);
  g_autoptr(JsonNode) n10 = parse_ok ("\"\"", -1);

  g_assert_cmpint (json_node_get_value_type (n1), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (n1), ==, 0);
  g_assert_cmpint (json_node_get_value_type (n2), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (n2), ==, 0);
  g_assert_cmpstr (json_node_get_string (n3), ==, "x");
  g_assert_true (json_node_get_boolean (n4));
  g_assert_cmpint (json_node_get_value_type (n5), ==, G_TYPE_BOOLEAN);
  g_assert_false (json_node_get_boolean (n5));
  g_assert_true (JSON_NODE_HOLDS_NULL (n6));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (n7));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (n7)), ==, 0);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (n8));
  g_assert_cmpuint (json_object_get_size (json_node_get_object (n8)), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (n9)), ==, 5);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (json_node_get_array (n9), 2)));
  g_assert_cmpstr (json_node_get_string (n10), ==, "");
}

static void
test_parse_whitespace (void)
{
  g_autoptr(JsonNode) node = parse_ok (" \t\r\n{ \"a\" \n:\t[ 1 ,\r2 ] , \"b\":{ } }\n\t ", -1);
  JsonObject *object = json_node_get_object (node);
  JsonArray *array = json_object_get_array_member (object, "a");

  g_assert_cmpuint (json_object_get_size (object), ==, 2);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpint (json_array_get_int_element (array, 1), ==, 2);

  /* Only the four RFC 8259 whitespace characters count. */
  check_parse_error ("\f1", ATRIUM_CORE_ERROR_SYNTAX, "");
  check_parse_error ("1\v", ATRIUM_CORE_ERROR_SYNTAX, "");
  check_parse_error ("{\"a\":\xc2\xa0" "1}", ATRIUM_CORE_ERROR_SYNTAX, "a");
  check_parse_error ("\xef\xbb\xbf{}", ATRIUM_CORE_ERROR_SYNTAX, "");
}

static void
test_parse_empty (void)
{
  check_parse_error ("", ATRIUM_CORE_ERROR_SYNTAX, "");
  check_parse_error ("   ", ATRIUM_CORE_ERROR_SYNTAX, "");
  check_parse_error ("\n", ATRIUM_CORE_ERROR_SYNTAX, "");
  check_parse_error_full (NULL, 0, 0, ATRIUM_CORE_ERROR_SYNTAX, "");
}

static void
test_parse_field_out_optional (void)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  node = atrium_json_parse ("{\"a\":1,\"a\":2}", 13, 0, NULL, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_DUPLICATE_KEY);
  g_assert_cmpstr (error->message, ==, "a: duplicate key");

  node = atrium_json_decode ("[", 1, 0, booking_fields, NULL, NULL);
  g_assert_null (node);
}

/* ---- size -------------------------------------------------------------------------- */

static void
test_too_large (void)
{
  g_autofree char *big = repeat (" ", ATRIUM_JSON_DEFAULT_MAX_SIZE, "1");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  check_parse_error_full ("[1,2,3,4,5]", 11, 10, ATRIUM_CORE_ERROR_TOO_LARGE, "");
  /* Size comes before anything else, even broken UTF-8. */
  check_parse_error_full ("\xff\xff\xff", 3, 2, ATRIUM_CORE_ERROR_TOO_LARGE, "");
  /* 0 means the default limit. */
  check_parse_error_full (big, strlen (big), 0, ATRIUM_CORE_ERROR_TOO_LARGE, "");

  node = atrium_json_parse (big + 1, strlen (big + 1), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_clear_pointer (&node, json_node_unref);

  node = atrium_json_parse ("[1,2,3,4,5]", 11, 11, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_clear_pointer (&node, json_node_unref);

  /* A larger explicit limit is honoured. */
  node = atrium_json_parse (big, strlen (big), strlen (big), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
}

/* ---- depth ------------------------------------------------------------------------- */

static void
test_depth_limit (void)
{
  g_autofree char *arrays32 = nested_arrays (ATRIUM_JSON_MAX_DEPTH);
  g_autofree char *arrays33 = nested_arrays (ATRIUM_JSON_MAX_DEPTH + 1);
  g_autofree char *objects32 = nested_objects (ATRIUM_JSON_MAX_DEPTH);
  g_autofree char *objects33 = nested_objects (ATRIUM_JSON_MAX_DEPTH + 1);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  JsonNode *inner;

  node = parse_ok (arrays32, -1);
  inner = node;
  for (guint i = 0; i < ATRIUM_JSON_MAX_DEPTH; i++)
    inner = json_array_get_element (json_node_get_array (inner), 0);
  g_assert_cmpint (json_node_get_int (inner), ==, 1);
  g_clear_pointer (&node, json_node_unref);

  node = parse_ok (objects32, -1);
  g_clear_pointer (&node, json_node_unref);

  check_parse_error (arrays33, ATRIUM_CORE_ERROR_TOO_DEEP, "");
  check_parse_error (objects33, ATRIUM_CORE_ERROR_TOO_DEEP, "");

  node = atrium_json_parse (arrays33, strlen (arrays33), 0, &field, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_TOO_DEEP);
  g_assert_cmpstr (error->message, ==, "body: nesting deeper than 32");
  g_assert_cmpstr (field, ==, "");
}

static void
test_depth_huge (void)
{
  g_autofree char *brackets = repeat ("[", 100000, "");
  g_autofree char *objects = repeat ("{\"a\":", 100000, "1");
  g_autofree char *mixed = repeat ("[{\"a\":", 50000, "");

  check_parse_error_full (brackets, strlen (brackets), strlen (brackets),
                          ATRIUM_CORE_ERROR_TOO_DEEP, "");
  check_parse_error_full (objects, strlen (objects), strlen (objects),
                          ATRIUM_CORE_ERROR_TOO_DEEP, "");
  check_parse_error_full (mixed, strlen (mixed), strlen (mixed),
                          ATRIUM_CORE_ERROR_TOO_DEEP, "");
}

static void
test_depth_in_schema (void)
{
  static const AtriumJsonField any_fields[] = {
    { "a", ATRIUM_JSON_ARRAY, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL }
  };
  /* 1 object + 31 arrays = 32 levels; one more is refused before the schema. */
  g_autofree char *open31 = repeat ("[", 31, "");
  g_autofree char *close31 = repeat ("]", 31, "}");
  g_autofree char *open32 = repeat ("[", 32, "");
  g_autofree char *close32 = repeat ("]", 32, "}");
  g_autofree char *ok = g_strconcat ("{\"a\":", open31, close31, NULL);
  g_autofree char *deep = g_strconcat ("{\"a\":", open32, close32, NULL);

  /* The schema allows no elements at all, so the accepted depth shows as UNKNOWN_KEY. */
  check_decode_error (ok, any_fields, ATRIUM_CORE_ERROR_UNKNOWN_KEY, "a[0]", NULL);
  check_decode_error (deep, any_fields, ATRIUM_CORE_ERROR_TOO_DEEP, "", NULL);
}

/* ---- duplicates -------------------------------------------------------------------- */

static void
test_duplicate_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  const char *body = "{\"role\":\"patron\",\"role\":\"admin\"}";
  JsonNode *node;

  node = atrium_json_decode (body, strlen (body), 0, booking_fields, &field, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_DUPLICATE_KEY);
  g_assert_cmpstr (field, ==, "role");
  g_assert_cmpstr (error->message, ==, "role: duplicate key");

  check_parse_error (body, ATRIUM_CORE_ERROR_DUPLICATE_KEY, "role");
  check_parse_error ("{\"role\":1,\"rol\\u0065\":2}", ATRIUM_CORE_ERROR_DUPLICATE_KEY, "role");
  check_parse_error ("{\"a\\/b\":1,\"a/b\":2}", ATRIUM_CORE_ERROR_DUPLICATE_KEY, "a/b");
  check_parse_error ("{\"\":1,\"\":2}", ATRIUM_CORE_ERROR_DUPLICATE_KEY, "");
  check_parse_error ("{\"attrs\":{\"quiet\":true,\"quiet\":false}}",
                     ATRIUM_CORE_ERROR_DUPLICATE_KEY, "attrs.quiet");
  check_parse_error ("{\"items\":[{\"name\":1},{\"a\":1,\"name\":2,\"name\":3}]}",
                     ATRIUM_CORE_ERROR_DUPLICATE_KEY, "items[1].name");
  check_parse_error ("[0,{\"x\":{\"y\":1,\"y\":1}}]", ATRIUM_CORE_ERROR_DUPLICATE_KEY, "[1].x.y");
  /* Duplicates are refused even when the schema would refuse the member anyway. */
  check_decode_error ("{\"zzz\":1,\"zzz\":2}", booking_fields,
                      ATRIUM_CORE_ERROR_DUPLICATE_KEY, "zzz", "zzz: duplicate key");

  /* Similar but different keys are fine. */
  node = parse_ok ("{\"role\":1,\"Role\":2,\"role \":3,\"r\\u00f4le\":4}", -1);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (node)), ==, 4);
  json_node_unref (node);
}

/* ---- syntax ------------------------------------------------------------------------ */

typedef struct
{
  const char *input;
  const char *field;
} SyntaxCase;

static void
test_syntax_errors (void)
{
  static const SyntaxCase cases[] = {
    /* trailing commas */
    { "[1,2,]", "" },
    { "{\"a\":1,}", "" },
    { "{\"attrs\":{\"quiet\":true,}}", "attrs" },
    { "{\"a\":[1,]}", "a" },
    { "[,1]", "[0]" },
    { "{,}", "" },
    { "[1,,2]", "[1]" },
    /* leading zeros and malformed numbers */
    { "01", "" },
    { "-01", "" },
    { "00", "" },
    { "{\"start\":0123}", "start" },
    { "[1,007]", "[1]" },
    { "+1", "" },
    { ".5", "" },
    { "1.", "" },
    { "1.e5", "" },
    { "1e", "" },
    { "1e+", "" },
    { "-", "" },
    { "--1", "" },
    { "0x10", "" },
    { "{\"n\":1.5.2}", "" },
    /* quotes, comments, special numbers */
    { "'a'", "" },
    { "{'a':1}", "" },
    { "{\"a\":'b'}", "a" },
    { "{\"a\":1 /* c */}", "" },
    { "// c\n1", "" },
    { "{\"a\":1}# c", "" },
    { "NaN", "" },
    { "{\"n\":NaN}", "n" },
    { "Infinity", "" },
    { "-Infinity", "" },
    { "[nan]", "[0]" },
    /* literals */
    { "tru", "" },
    { "True", "" },
    { "nul", "" },
    { "{\"q\":falsy}", "q" },
    { "{\"q\":truex}", "" },
    { "undefined", "" },
    /* strings */
    { "\"a\tb\"", "" },
    { "{\"note\":\"line\nbreak\"}", "note" },
    { "{\"no\x01te\":1}", "" },
    { "\"\x1f\"", "" },
    { "{\"a\":\"\\x41\"}", "a" },
    { "{\"a\":\"\\a\"}", "a" },
    { "{\"a\":\"\\U0041\"}", "a" },
    { "{\"a\":\"\\u12G4\"}", "a" },
    { "{\"a\":\"\\u12\"}", "a" },
    { "{\"a\":\"\\\"}", "a" },
    { "\"\\'\"", "" },
    /* structure */
    { "{a:1}", "" },
    { "{\"a\" 1}", "a" },
    { "{\"a\":1 \"b\":2}", "" },
    { "[1 2]", "" },
    { "{\"a\"}", "a" },
    { "{\"a\":}", "a" },
    { "{1:2}", "" },
    { "[}", "[0]" },
    { "{]", "" },
    { "]", "" },
    { "}", "" },
    { ":", "" },
    /* trailing garbage */
    { "1 2", "" },
    { "{} x", "" },
    { "{}}", "" },
    { "[]]", "" },
    { "\"a\"\"b\"", "" },
    { "{\"a\":1},", "" },
    { "null null", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_parse_error (cases[i].input, ATRIUM_CORE_ERROR_SYNTAX, cases[i].field);
}

static void
test_truncated (void)
{
  gsize length = strlen (booking_body);
  /* The body without its final newline: every proper prefix is incomplete. */
  gsize body_end = length - 1;
  static const struct {
    const char *prefix;
    const char *field;
  } points[] = {
    { "{", "" },
    { "{\n  \"ro", "" },
    { "{\n  \"room\"", "room" },
    { "{\n  \"room\":", "room" },
    { "{\n  \"room\": \"Reading", "room" },
    { "{\n  \"room\": \"Reading room \\u00", "room" },
    { "{\n  \"room\": \"Reading room \\", "room" },
    { "{\n  \"room\": \"Reading room \\u00e9\",", "" },
  };

  for (gsize cut = 1; cut < body_end; cut++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *field = NULL;
      JsonNode *node;

      node = atrium_json_decode (booking_body, cut, 0, booking_fields, &field, &error);
      g_assert_null (node);
      g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX);
      g_assert_nonnull (field);
    }

  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    {
      g_assert_true (g_str_has_prefix (booking_body, points[i].prefix));
      check_parse_error (points[i].prefix, ATRIUM_CORE_ERROR_SYNTAX, points[i].field);
    }

  /* Cut points inside nested values name the nested field. */
  check_parse_error ("{\"attrs\": {\"quiet\": tr", ATRIUM_CORE_ERROR_SYNTAX, "attrs.quiet");
  check_parse_error ("{\"attrs\": {\"quiet\": true", ATRIUM_CORE_ERROR_SYNTAX, "attrs");
  check_parse_error ("{\"seats\": [12, 1", ATRIUM_CORE_ERROR_SYNTAX, "seats");
  check_parse_error ("{\"seats\": [12, ", ATRIUM_CORE_ERROR_SYNTAX, "seats[1]");
  check_parse_error ("{\"guests\": [{\"name\": \"Ad", ATRIUM_CORE_ERROR_SYNTAX,
                     "guests[0].name");
  check_parse_error ("{\"n\": -", ATRIUM_CORE_ERROR_SYNTAX, "n");
  check_parse_error ("{\"n\": 1.", ATRIUM_CORE_ERROR_SYNTAX, "n");
  check_parse_error ("{\"n\": 1e", ATRIUM_CORE_ERROR_SYNTAX, "n");
  check_parse_error ("{\"n\": \"\\ud83d\\u", ATRIUM_CORE_ERROR_SYNTAX, "n");
}

/* ---- encoding ---------------------------------------------------------------------- */

static void
test_bad_utf8 (void)
{
  static const char nul_body[] = "{\"a\":\"x\0y\"}";
  static const char nul_key[] = "{\"a\0\":1}";
  static const char nul_outside[] = "{\"a\":1}\0";

  check_parse_error ("\"\xc0\xaf\"", ATRIUM_CORE_ERROR_ENCODING, "");         /* overlong / */
  check_parse_error ("\"\xe0\x80\xaf\"", ATRIUM_CORE_ERROR_ENCODING, "");     /* overlong 3 */
  check_parse_error ("{\"a\":\"\x80\"}", ATRIUM_CORE_ERROR_ENCODING, "");     /* continuation */
  check_parse_error ("{\"a\":\"\xed\xa0\x80\"}", ATRIUM_CORE_ERROR_ENCODING, ""); /* U+D800 */
  check_parse_error ("\"\xed\xbf\xbf\"", ATRIUM_CORE_ERROR_ENCODING, "");     /* U+DFFF */
  check_parse_error ("\"\xf4\x90\x80\x80\"", ATRIUM_CORE_ERROR_ENCODING, ""); /* > U+10FFFF */
  check_parse_error ("\"\xf8\x88\x80\x80\x80\"", ATRIUM_CORE_ERROR_ENCODING, "");
  check_parse_error ("\"\xff\"", ATRIUM_CORE_ERROR_ENCODING, "");
  check_parse_error ("\"\xc3\"", ATRIUM_CORE_ERROR_ENCODING, "");             /* cut short */
  check_parse_error ("\"\xc3", ATRIUM_CORE_ERROR_ENCODING, "");
  check_parse_error ("\xc3\xa9", ATRIUM_CORE_ERROR_SYNTAX, "");               /* valid, not JSON */

  check_parse_error_full (nul_body, sizeof nul_body - 1, 0, ATRIUM_CORE_ERROR_ENCODING, "");
  check_parse_error_full (nul_key, sizeof nul_key - 1, 0, ATRIUM_CORE_ERROR_ENCODING, "");
  check_parse_error_full (nul_outside, sizeof nul_outside - 1, 0,
                          ATRIUM_CORE_ERROR_ENCODING, "");
  check_parse_error_full ("\0", 1, 0, ATRIUM_CORE_ERROR_ENCODING, "");
}

static void
test_escaped_nul_and_surrogates (void)
{
  check_parse_error ("{\"a\":\"x\\u0000y\"}", ATRIUM_CORE_ERROR_ENCODING, "a");
  check_parse_error ("\"\\u0000\"", ATRIUM_CORE_ERROR_ENCODING, "");
  check_parse_error ("{\"attrs\":{\"k\\u0000\":1}}", ATRIUM_CORE_ERROR_ENCODING, "attrs");
  check_parse_error ("{\"a\":\"\\ud800\"}", ATRIUM_CORE_ERROR_ENCODING, "a");
  check_parse_error ("{\"a\":\"\\uDBFFx\"}", ATRIUM_CORE_ERROR_ENCODING, "a");
  check_parse_error ("{\"a\":\"\\udc00\"}", ATRIUM_CORE_ERROR_ENCODING, "a");
  check_parse_error ("{\"a\":\"\\udc00\\ud800\"}", ATRIUM_CORE_ERROR_ENCODING, "a");
  check_parse_error ("{\"a\":\"\\ud800\\ud800\"}", ATRIUM_CORE_ERROR_ENCODING, "a");
  check_parse_error ("{\"a\":\"\\ud800\\u0041\"}", ATRIUM_CORE_ERROR_ENCODING, "a");
  check_parse_error ("{\"a\":\"\\ud800\\n\"}", ATRIUM_CORE_ERROR_ENCODING, "a");
  check_parse_error ("[1,\"\\ud83d\"]", ATRIUM_CORE_ERROR_ENCODING, "[1]");
}

static void
test_escapes (void)
{
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array;

  node = parse_ok ("[\"\\ud83d\\ude00\", \"\\uD834\\uDD1E\", \"\\u00e9\\u20AC\\u0041\","
                   " \"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u001f\", \"\xf0\x9f\x98\x80\","
                   " \"\\uffff\", \"\\udbff\\udfff\"]", -1);
  array = json_node_get_array (node);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "\xf0\x9f\x98\x80");
  g_assert_cmpstr (json_array_get_string_element (array, 1), ==, "\xf0\x9d\x84\x9e");
  g_assert_cmpstr (json_array_get_string_element (array, 2), ==, "\xc3\xa9\xe2\x82\xac" "A");
  g_assert_cmpstr (json_array_get_string_element (array, 3), ==, "\"\\/\b\f\n\r\t");
  g_assert_cmpstr (json_array_get_string_element (array, 4), ==, "\x1f");
  g_assert_cmpstr (json_array_get_string_element (array, 5), ==, "\xf0\x9f\x98\x80");
  g_assert_cmpstr (json_array_get_string_element (array, 6), ==, "\xef\xbf\xbf");
  g_assert_cmpstr (json_array_get_string_element (array, 7), ==, "\xf4\x8f\xbf\xbf");
}

/* ---- numbers ----------------------------------------------------------------------- */

static void
test_numbers (void)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *digits64 = repeat ("1", 64, "");
  g_autofree char *digits65 = repeat ("1", 65, "");
  g_autofree char *frac64 = repeat ("5", 64, "");
  g_autofree char *frac65 = repeat ("5", 65, "");
  g_autofree char *long_member = NULL;
  JsonArray *array;

  /* "0." + digits: 64 and 65 characters. */
  frac64[0] = frac65[0] = '0';
  frac64[1] = frac65[1] = '.';

  node = parse_ok ("[9223372036854775807, -9223372036854775808, -0, 1.5, 1e3, 1E+2,"
                   " -2.5e-3, 1e-400, 0.0, 123456789012345678901234567890.0]", -1);
  array = json_node_get_array (node);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 0)), ==,
                   G_TYPE_INT64);
  g_assert_cmpint (json_array_get_int_element (array, 0), ==, G_MAXINT64);
  g_assert_cmpint (json_array_get_int_element (array, 1), ==, G_MININT64);
  g_assert_cmpint (json_array_get_int_element (array, 2), ==, 0);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 3)), ==,
                   G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_array_get_double_element (array, 3), ==, 1.5);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 4)), ==,
                   G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_array_get_double_element (array, 4), ==, 1000.0);
  g_assert_cmpfloat (json_array_get_double_element (array, 5), ==, 100.0);
  g_assert_cmpfloat (json_array_get_double_element (array, 6), ==, -0.0025);
  g_assert_cmpfloat (json_array_get_double_element (array, 7), ==, 0.0);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 8)), ==,
                   G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_array_get_double_element (array, 9), >, 1e29);
  g_clear_pointer (&node, json_node_unref);

  check_parse_error ("9223372036854775808", ATRIUM_CORE_ERROR_OUT_OF_RANGE, "");
  check_parse_error ("-9223372036854775809", ATRIUM_CORE_ERROR_OUT_OF_RANGE, "");
  check_parse_error ("{\"start\":99999999999999999999}", ATRIUM_CORE_ERROR_OUT_OF_RANGE,
                     "start");
  check_parse_error ("1e400", ATRIUM_CORE_ERROR_OUT_OF_RANGE, "");
  check_parse_error ("{\"a\":[0,-1e400]}", ATRIUM_CORE_ERROR_OUT_OF_RANGE, "a[1]");
  check_parse_error ("1.8e308", ATRIUM_CORE_ERROR_OUT_OF_RANGE, "");
  check_parse_error (digits65, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "");
  check_parse_error (frac65, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "");
  long_member = g_strdup_printf ("{\"hours\":%s}", frac65);
  check_parse_error (long_member, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "hours");
  /* 64 characters is short enough, but not a gint64. */
  check_parse_error (digits64, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "");

  node = parse_ok (frac64, -1);
  g_assert_cmpfloat_with_epsilon (json_node_get_double (node), 5.0 / 9.0, 1e-12);
  g_clear_pointer (&node, json_node_unref);

  {
    g_autoptr(GError) error = NULL;
    JsonNode *bad;

    bad = atrium_json_parse ("{\"start\":9223372036854775808}", 29, 0, NULL, &error);
    g_assert_null (bad);
    g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_OUT_OF_RANGE);
    g_assert_cmpstr (error->message, ==, "start: integer out of range");
  }
}

/* ---- decode ------------------------------------------------------------------------ */

static void
test_decode_booking (void)
{
  g_autoptr(JsonNode) node = decode_ok (booking_body, booking_fields);
  JsonObject *object = json_node_get_object (node);
  JsonObject *attrs;
  JsonArray *seats;
  JsonArray *guests;

  g_assert_cmpuint (json_object_get_size (object), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (object, "room"), ==, "Reading room \xc3\xa9");
  g_assert_cmpint (json_object_get_int_member (object, "start"), ==, 1718000000);
  g_assert_cmpfloat (json_object_get_double_member (object, "hours"), ==, 1.5);

  attrs = json_object_get_object_member (object, "attrs");
  g_assert_nonnull (attrs);
  g_assert_true (json_object_get_boolean_member (attrs, "quiet"));
  g_assert_cmpstr (json_object_get_string_member (attrs, "note"), ==, "window \"seat\"");
  g_assert_cmpint (json_object_get_int_member (attrs, "level"), ==, -2);

  seats = json_object_get_array_member (object, "seats");
  g_assert_cmpuint (json_array_get_length (seats), ==, 3);
  g_assert_cmpint (json_array_get_int_element (seats, 0), ==, 12);
  g_assert_cmpint (json_array_get_int_element (seats, 1), ==, 13);
  g_assert_cmpint (json_array_get_int_element (seats, 2), ==, 500);

  guests = json_object_get_array_member (object, "guests");
  g_assert_cmpuint (json_array_get_length (guests), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (guests, 0),
                                                  "name"), ==, "Ada");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (guests, 0),
                                               "age"), ==, 36);
  g_assert_false (json_object_has_member (json_array_get_object_element (guests, 1), "age"));
}

static void
test_decode_minimal_and_nullable (void)
{
  g_autoptr(JsonNode) n1 = decode_ok ("{\"room\":\"A\",\"start\":0}", booking_fields);
  g_autoptr(JsonNode) n2 = decode_ok ("{\"start\":1,\"room\":\"B\",\"attrs\":null}",
                                      booking_fields);
  g_autoptr(JsonNode) n3 = decode_ok ("{\"start\":1,\"room\":\"B\",\"attrs\":{\"note\":null}}",
                                      booking_fields);
  g_autoptr(JsonNode) n4 = decode_ok ("{\"start\":1,\"room\":\"B\",\"hours\":2}",
                                      booking_fields);
  g_autoptr(JsonNode) n5 = decode_ok ("{}", NULL);

  g_assert_cmpuint (json_object_get_size (json_node_get_object (n1)), ==, 2);
  g_assert_true (json_object_get_null_member (json_node_get_object (n2), "attrs"));
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (json_node_get_object (n4),
                                                                     "hours")),
                   ==, G_TYPE_INT64);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (n5)), ==, 0);
  (void) n3;
}

static void
test_decode_not_object (void)
{
  static const char *inputs[] = { "[]", "1", "\"room\"", "null", "true", "[{\"room\":\"A\"}]" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    check_decode_error (inputs[i], booking_fields, ATRIUM_CORE_ERROR_WRONG_TYPE, "",
                        "body: expected an object");
}

static void
test_decode_unknown_keys (void)
{
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"admin\":true}", booking_fields,
                      ATRIUM_CORE_ERROR_UNKNOWN_KEY, "admin", "admin: unknown key");
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"attrs\":{\"quiet\":true,\"loud\":1}}",
                      booking_fields, ATRIUM_CORE_ERROR_UNKNOWN_KEY, "attrs.loud", NULL);
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"guests\":[{\"name\":\"x\"},"
                      "{\"name\":\"y\",\"id\":2}]}",
                      booking_fields, ATRIUM_CORE_ERROR_UNKNOWN_KEY, "guests[1].id", NULL);
  /* Case matters; the first offending member in the body is reported. */
  check_decode_error ("{\"Room\":\"A\",\"x\":1}", booking_fields,
                      ATRIUM_CORE_ERROR_UNKNOWN_KEY, "Room", NULL);
  check_decode_error ("{\"a\":1}", NULL, ATRIUM_CORE_ERROR_UNKNOWN_KEY, "a", NULL);
  /* Control characters in a name are escaped in the message, kept in the field. */
  check_decode_error ("{\"a\\nb\":1}", booking_fields, ATRIUM_CORE_ERROR_UNKNOWN_KEY, "a\nb",
                      "a\\x0ab: unknown key");
}

static void
test_decode_missing (void)
{
  check_decode_error ("{\"room\":\"A\"}", booking_fields, ATRIUM_CORE_ERROR_MISSING, "start",
                      "start: required key is missing");
  check_decode_error ("{}", booking_fields, ATRIUM_CORE_ERROR_MISSING, "room", NULL);
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"guests\":[{\"name\":\"x\"},{\"age\":3}]}",
                      booking_fields, ATRIUM_CORE_ERROR_MISSING, "guests[1].name", NULL);
  /* Null is a value, not an absence, but it is still refused where not nullable. */
  check_decode_error ("{\"room\":null,\"start\":1}", booking_fields,
                      ATRIUM_CORE_ERROR_WRONG_TYPE, "room", NULL);
}

typedef struct
{
  const char *member;   /* JSON text of a member for booking_fields */
  const char *field;
  const char *message;
} TypeCase;

static void
test_decode_wrong_types (void)
{
  static const TypeCase cases[] = {
    { "\"room\":1", "room", "room: expected a string" },
    { "\"room\":true", "room", NULL },
    { "\"room\":[\"A\"]", "room", NULL },
    { "\"room\":{}", "room", NULL },
    { "\"room\":null", "room", "room: expected a string, not null" },
    { "\"start\":\"1\"", "start", "start: expected an integer" },
    { "\"start\":1.5", "start", NULL },
    { "\"start\":1e3", "start", NULL },
    { "\"start\":1.0", "start", NULL },
    { "\"start\":false", "start", NULL },
    { "\"start\":[]", "start", NULL },
    { "\"start\":null", "start", NULL },
    { "\"hours\":\"2\"", "hours", "hours: expected a number" },
    { "\"hours\":true", "hours", NULL },
    { "\"hours\":null", "hours", NULL },
    { "\"attrs\":{\"quiet\":\"yes\"}", "attrs.quiet", "attrs.quiet: expected a boolean" },
    { "\"attrs\":{\"quiet\":1}", "attrs.quiet", NULL },
    { "\"attrs\":{\"quiet\":null}", "attrs.quiet", NULL },
    { "\"attrs\":[]", "attrs", "attrs: expected an object" },
    { "\"attrs\":\"x\"", "attrs", NULL },
    { "\"attrs\":{\"note\":5}", "attrs.note", NULL },
    { "\"seats\":{}", "seats", "seats: expected an array" },
    { "\"seats\":1", "seats", NULL },
    { "\"seats\":null", "seats", NULL },
    { "\"seats\":[1,\"2\"]", "seats[1]", "seats[1]: expected an integer" },
    { "\"seats\":[1,null]", "seats[1]", NULL },
    { "\"seats\":[2.5]", "seats[0]", NULL },
    { "\"guests\":[{\"name\":\"A\"},[]]", "guests[1]", NULL },
    { "\"guests\":[{\"name\":7}]", "guests[0].name", "guests[0].name: expected a string" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = NULL;

      /* Members after room/start so those two are present unless overridden first. */
      if (g_str_has_prefix (cases[i].member, "\"room\""))
        body = g_strdup_printf ("{%s,\"start\":1}", cases[i].member);
      else if (g_str_has_prefix (cases[i].member, "\"start\""))
        body = g_strdup_printf ("{\"room\":\"A\",%s}", cases[i].member);
      else
        body = g_strdup_printf ("{\"room\":\"A\",\"start\":1,%s}", cases[i].member);

      check_decode_error (body, booking_fields, ATRIUM_CORE_ERROR_WRONG_TYPE, cases[i].field,
                          cases[i].message);
    }
}

static void
test_decode_ranges (void)
{
  static const AtriumJsonField defaults[] = {
    { "s", ATRIUM_JSON_STRING, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, NULL },
    { "i", ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, NULL },
    { "a", ATRIUM_JSON_ARRAY, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, &seat_item },
    { NULL, 0, 0, 0, 0, NULL, NULL }
  };
  g_autofree char *s4096 = repeat ("\xc3\xa9", ATRIUM_JSON_DEFAULT_MAX_CHARS, "\"}");
  g_autofree char *s4097 = repeat ("x", ATRIUM_JSON_DEFAULT_MAX_CHARS + 1, "\"}");
  g_autofree char *body4096 = g_strconcat ("{\"s\":\"", s4096, NULL);
  g_autofree char *body4097 = g_strconcat ("{\"s\":\"", s4097, NULL);
  g_autofree char *a1000 = repeat ("1,", ATRIUM_JSON_DEFAULT_MAX_ITEMS - 1, "1]}");
  g_autofree char *a1001 = repeat ("1,", ATRIUM_JSON_DEFAULT_MAX_ITEMS, "1]}");
  g_autofree char *arr1000 = g_strconcat ("{\"a\":[", a1000, NULL);
  g_autofree char *arr1001 = g_strconcat ("{\"a\":[", a1001, NULL);
  JsonNode *node;

  /* INT bounds */
  check_decode_error ("{\"room\":\"A\",\"start\":-1}", booking_fields,
                      ATRIUM_CORE_ERROR_OUT_OF_RANGE, "start", NULL);
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"attrs\":{\"level\":4}}", booking_fields,
                      ATRIUM_CORE_ERROR_OUT_OF_RANGE, "attrs.level", NULL);
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"attrs\":{\"level\":-4}}", booking_fields,
                      ATRIUM_CORE_ERROR_OUT_OF_RANGE, "attrs.level",
                      "attrs.level: integer out of range (-3 to 3)");
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"seats\":[1,0]}", booking_fields,
                      ATRIUM_CORE_ERROR_OUT_OF_RANGE, "seats[1]", NULL);
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"seats\":[501]}", booking_fields,
                      ATRIUM_CORE_ERROR_OUT_OF_RANGE, "seats[0]", NULL);
  node = decode_ok ("{\"room\":\"A\",\"start\":1,\"attrs\":{\"level\":-3},\"seats\":[1,500]}",
                    booking_fields);
  json_node_unref (node);
  node = decode_ok ("{\"i\":-9223372036854775808}", defaults);
  json_node_unref (node);
  node = decode_ok ("{\"i\":9223372036854775807}", defaults);
  json_node_unref (node);

  /* STRING length in characters */
  check_decode_error ("{\"room\":\"\",\"start\":1}", booking_fields,
                      ATRIUM_CORE_ERROR_OUT_OF_RANGE, "room",
                      "room: string length out of range (1 to 64 characters)");
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"attrs\":"
                      "{\"note\":\"12345678901234567890123456789012345678901\"}}",
                      booking_fields, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "attrs.note", NULL);
  /* 40 two-byte characters are 80 bytes but only 40 characters. */
  {
    g_autofree char *note = repeat ("\xc3\xa9", 40, "\"}}");
    g_autofree char *body = g_strconcat ("{\"room\":\"A\",\"start\":1,\"attrs\":{\"note\":\"",
                                         note, NULL);

    node = decode_ok (body, booking_fields);
    json_node_unref (node);
  }
  node = decode_ok (body4096, defaults);
  json_node_unref (node);
  check_decode_error (body4097, defaults, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "s", NULL);

  /* ARRAY element count */
  check_decode_error ("{\"room\":\"A\",\"start\":1,\"seats\":[1,2,3,4,5]}", booking_fields,
                      ATRIUM_CORE_ERROR_OUT_OF_RANGE, "seats",
                      "seats: number of elements out of range (0 to 4 elements)");
  node = decode_ok (arr1000, defaults);
  json_node_unref (node);
  check_decode_error (arr1001, defaults, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "a", NULL);

  /* NUMBER accepts any finite number */
  node = decode_ok ("{\"room\":\"A\",\"start\":1,\"hours\":-1e300}", booking_fields);
  json_node_unref (node);
}

static void
test_decode_schema_min_array (void)
{
  static const AtriumJsonField tag_item = {
    NULL, ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 1, 3, NULL, NULL
  };
  static const AtriumJsonField fields[] = {
    { "tags", ATRIUM_JSON_ARRAY, ATRIUM_JSON_REQUIRED, 2, 3, NULL, &tag_item },
    { "empty", ATRIUM_JSON_ARRAY, ATRIUM_JSON_OPTIONAL, 0, 0, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL }
  };
  JsonNode *node;

  check_decode_error ("{\"tags\":[\"a\"]}", fields, ATRIUM_CORE_ERROR_OUT_OF_RANGE, "tags", NULL);
  check_decode_error ("{\"tags\":[\"a\",\"abcd\"]}", fields, ATRIUM_CORE_ERROR_OUT_OF_RANGE,
                      "tags[1]", NULL);
  check_decode_error ("{\"tags\":[\"a\",\"b\"],\"empty\":[1]}", fields,
                      ATRIUM_CORE_ERROR_UNKNOWN_KEY, "empty[0]", NULL);
  node = decode_ok ("{\"tags\":[\"a\",null,\"abc\"],\"empty\":[]}", fields);
  json_node_unref (node);
}

/* ---- random input ------------------------------------------------------------------ */

static gboolean
has_control_chars (const char *str)
{
  for (; *str != '\0'; str++)
    {
      if ((guchar) *str < 0x20 || *str == 0x7f)
        return TRUE;
    }
  return FALSE;
}

static void
check_invariants (const char            *data,
                  gsize                  length,
                  const AtriumJsonField *fields)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *field = NULL;
  g_autofree char *parse_field = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) parsed = NULL;

  parsed = atrium_json_parse (data, length, 0, &parse_field, &parse_error);
  if (parsed == NULL)
    {
      g_assert_nonnull (parse_error);
      g_assert_true (parse_error->domain == ATRIUM_CORE_ERROR);
      g_assert_nonnull (parse_field);
      g_assert_true (g_utf8_validate (parse_field, -1, NULL));
    }
  else
    {
      g_assert_null (parse_error);
      g_assert_null (parse_field);
    }

  node = atrium_json_decode (data, length, 0, fields, &field, &error);
  if (node == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == ATRIUM_CORE_ERROR);
      g_assert_nonnull (field);
      if (!has_control_chars (field) && strlen (field) <= 100)
        g_assert_true (g_str_has_prefix (error->message, field[0] != '\0' ? field : "body"));
      if (parsed == NULL)
        {
          g_assert_cmpint (error->code, ==, parse_error->code);
          g_assert_cmpstr (field, ==, parse_field);
        }
    }
  else
    {
      g_assert_nonnull (parsed);
      g_assert_null (error);
      g_assert_null (field);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
    }
}

static void
test_random_bytes (void)
{
  static const char alphabet[] = "{}[]\",:\\ \t\n0123456789-+.eEtrufalsn\"u\xc3\xa9\x80\x01";
  guint n_ok = 0;

  for (guint i = 0; i < 3000; i++)
    {
      guint length = g_test_rand_int_range (0, 64);
      g_autofree char *buf = g_malloc (length + 1);
      gboolean structured = i % 2 == 0;

      for (guint j = 0; j < length; j++)
        {
          if (structured)
            buf[j] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
          else
            buf[j] = (char) g_test_rand_int_range (0, 256);
        }
      buf[length] = '\0';

      check_invariants (buf, length, booking_fields);
      {
        g_autoptr(JsonNode) node = atrium_json_parse (buf, length, 0, NULL, NULL);
        n_ok += node != NULL;
      }
    }

  g_test_message ("%u of 3000 random inputs parsed", n_ok);
}

static void
test_random_mutations (void)
{
  gsize length = strlen (booking_body);
  guint n_ok = 0;

  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(GString) buf = g_string_new_len (booking_body, length);
      guint n_mutations = g_test_rand_int_range (1, 4);
      g_autoptr(JsonNode) node = NULL;

      for (guint m = 0; m < n_mutations && buf->len > 0; m++)
        {
          guint pos = g_test_rand_int_range (0, buf->len);
          char byte = (char) g_test_rand_int_range (0, 256);

          switch (g_test_rand_int_range (0, 4))
            {
            case 0:
              buf->str[pos] = byte;
              break;
            case 1:
              g_string_erase (buf, pos, 1);
              break;
            case 2:
              g_string_insert_len (buf, pos, &byte, 1);
              break;
            default:
              /* Copy a slice elsewhere: makes duplicate keys and deeper nesting. */
              {
                guint from = g_test_rand_int_range (0, buf->len);
                guint len = g_test_rand_int_range (0, MIN (buf->len - from, 40) + 1);
                g_autofree char *slice = g_strndup (buf->str + from, len);

                g_string_insert_len (buf, pos, slice, len);
              }
              break;
            }
        }

      check_invariants (buf->str, buf->len, booking_fields);
      node = atrium_json_decode (buf->str, buf->len, 0, booking_fields, NULL, NULL);
      n_ok += node != NULL;
    }

  g_test_message ("%u of 3000 mutated bodies decoded", n_ok);
}

/* ---- cost -------------------------------------------------------------------------- */

static void
test_large_inputs_linear (void)
{
  /* Big flat inputs at the default limit must parse in linear time; a quadratic path
   * would make this test time out rather than fail, so also bound it explicitly. */
  g_autoptr(GString) members = g_string_new ("{");
  g_autofree char *array = repeat ("1,", ATRIUM_JSON_DEFAULT_MAX_SIZE / 2 - 2, "1]");
  g_autofree char *array_body = g_strconcat ("[", array, NULL);
  g_autofree char *string = repeat ("\\n", ATRIUM_JSON_DEFAULT_MAX_SIZE / 2 - 2, "\"");
  g_autofree char *string_body = g_strconcat ("\"", string, NULL);
  g_autoptr(GTimer) timer = g_timer_new ();
  JsonNode *node;

  for (guint i = 0; members->len < ATRIUM_JSON_DEFAULT_MAX_SIZE - 16; i++)
    g_string_append_printf (members, "%s\"k%u\":%u", i > 0 ? "," : "", i, i);
  g_string_append_c (members, '}');

  node = parse_ok (members->str, members->len);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (node)), >, 4000);
  json_node_unref (node);

  node = atrium_json_parse (array_body, strlen (array_body), 0, NULL, NULL);
  g_assert_nonnull (node);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==,
                    ATRIUM_JSON_DEFAULT_MAX_SIZE / 2 - 1);
  json_node_unref (node);

  node = atrium_json_parse (string_body, strlen (string_body), 0, NULL, NULL);
  g_assert_nonnull (node);
  g_assert_cmpuint (strlen (json_node_get_string (node)), ==,
                    ATRIUM_JSON_DEFAULT_MAX_SIZE / 2 - 2);
  json_node_unref (node);

  g_assert_cmpfloat (g_timer_elapsed (timer, NULL), <, 5.0);
}

static void
test_writer (void)
{
  g_autoptr(JsonNode) obj = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (o, "s", "quote\" backslash\\ unit\x1f tab\t é");
  json_object_set_int_member (o, "i", G_MININT64);
  json_object_set_double_member (o, "d", 1e-10);
  json_object_set_double_member (o, "whole", 3.0);
  json_object_set_double_member (o, "nan", NAN);
  json_object_set_boolean_member (o, "b", TRUE);
  json_object_set_null_member (o, "n");
  json_node_take_object (obj, o);

  text = atrium_json_write (obj);
  g_assert_nonnull (strstr (text, "\\u001f"));
  g_assert_nonnull (strstr (text, "\"nan\":null"));
  g_assert_nonnull (strstr (text, "\"whole\":3.0"));
  back = atrium_json_parse (text, strlen (text), 0, NULL, &error);
  g_assert_no_error (error);
  o = json_node_get_object (back);
  g_assert_cmpstr (json_object_get_string_member (o, "s"), ==,
                   "quote\" backslash\\ unit\x1f tab\t é");
  g_assert_cmpint (json_object_get_int_member (o, "i"), ==, G_MININT64);
  g_assert_cmpfloat (json_object_get_double_member (o, "d"), ==, 1e-10);
  g_assert_true (json_object_get_boolean_member (o, "b"));
  g_assert_true (json_object_get_null_member (o, "n"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/parse/scalars", test_parse_scalars);
  g_test_add_func ("/json/parse/whitespace", test_parse_whitespace);
  g_test_add_func ("/json/parse/empty", test_parse_empty);
  g_test_add_func ("/json/parse/field-out-optional", test_parse_field_out_optional);
  g_test_add_func ("/json/parse/too-large", test_too_large);
  g_test_add_func ("/json/parse/depth-limit", test_depth_limit);
  g_test_add_func ("/json/parse/depth-huge", test_depth_huge);
  g_test_add_func ("/json/parse/duplicate-keys", test_duplicate_keys);
  g_test_add_func ("/json/parse/syntax-errors", test_syntax_errors);
  g_test_add_func ("/json/parse/truncated", test_truncated);
  g_test_add_func ("/json/parse/bad-utf8", test_bad_utf8);
  g_test_add_func ("/json/parse/escaped-nul-and-surrogates", test_escaped_nul_and_surrogates);
  g_test_add_func ("/json/parse/escapes", test_escapes);
  g_test_add_func ("/json/parse/numbers", test_numbers);
  g_test_add_func ("/json/parse/large-inputs-linear", test_large_inputs_linear);
  g_test_add_func ("/json/decode/booking", test_decode_booking);
  g_test_add_func ("/json/decode/minimal-and-nullable", test_decode_minimal_and_nullable);
  g_test_add_func ("/json/decode/not-object", test_decode_not_object);
  g_test_add_func ("/json/decode/depth", test_depth_in_schema);
  g_test_add_func ("/json/decode/unknown-keys", test_decode_unknown_keys);
  g_test_add_func ("/json/decode/missing", test_decode_missing);
  g_test_add_func ("/json/decode/wrong-types", test_decode_wrong_types);
  g_test_add_func ("/json/decode/ranges", test_decode_ranges);
  g_test_add_func ("/json/decode/schema-arrays", test_decode_schema_min_array);
  g_test_add_func ("/json/random/bytes", test_random_bytes);
  g_test_add_func ("/json/random/mutations", test_random_mutations);
  g_test_add_func ("/json/writer", test_writer);

  return g_test_run ();
}
