/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AtriumCache on real SQLCipher files: every kind stored and read back with when it was
 * fetched, no plain text in the file or its -wal and -shm, and a lost key, a damaged
 * file or a plain SQLite file rebuilt empty rather than a crash. */
#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "atrium-cache.h"
#include "atrium-random.h"

/* Strings that must never be found in the files in clear. */
#define SITE_NAME   "Bibliotheque Sainte-Genevieve"
#define SPACE_NAME  "Salle Labrouste"
#define QUEUE_NAME  "Guichet des inscriptions"
#define SEAT_NAME   "Siege-Fenetre-Nord"
#define CODE        "ATR1.AEAAAAAQAAAAAAAAAAAAAAAEPLAINTEXTMARKERCODE"
#define PUBLIC_KEY  "c2VjcmV0LXB1YmxpYy1rZXktbWFya2VyLWZvci10ZXN0cw=="

#define T1 G_GINT64_CONSTANT (1795510800)

/* The client's log lines, to check that a rebuild is said (structured logging: the
 * g_test_expect_message() of GLib 2.74 does not see those). */
static GString *logged;

static GLogWriterOutput
record_log (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
    else if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  if (g_strcmp0 (domain, "atrium-client") == 0 && message != NULL)
    g_string_append_printf (logged, "%s\n", message);
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
assert_logged (const char *text)
{
  g_assert_nonnull (strstr (logged->str, text));
  g_string_truncate (logged, 0);
}

typedef struct
{
  char   *dir;
  char   *path;
  guint8  key[ATRIUM_DB_KEY_LEN];
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("atrium-cache-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "cache.db", NULL);
  atrium_random_bytes (f->key, sizeof f->key);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (f->path, suffixes[i], NULL);

      g_remove (name);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static const char sites_json[] =
  "{\"sites\":[{\"id\":1,\"name\":\"" SITE_NAME "\",\"timezone\":\"Europe/Paris\","
  "\"spaces\":[{\"id\":7,\"name\":\"" SPACE_NAME "\",\"capacity\":120}],"
  "\"queues\":[{\"id\":3,\"name\":\"" QUEUE_NAME "\"}]},"
  "{\"id\":2,\"name\":\"Annex\",\"spaces\":[],\"queues\":[]}]}";

static const char bookings_json[] =
  "{\"bookings\":[{\"id\":41,\"resource_id\":5,\"resource_name\":\"" SEAT_NAME "\","
  "\"start\":\"2026-11-24T09:00:00Z\",\"end\":\"2026-11-24T09:30:00Z\",\"status\":\"booked\","
  "\"checkin_code\":\"" CODE "\"},"
  "{\"id\":40,\"resource_id\":5,\"start\":\"2026-11-23T09:00:00Z\","
  "\"end\":\"2026-11-23T09:30:00Z\",\"status\":\"cancelled\",\"checkin_code\":null}],"
  "\"no_shows\":0}";

static void
fill (AtriumCache *cache)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) sites = parse (sites_json);
  g_autoptr(JsonNode) occupancy = parse ("{\"sites\":[{\"id\":1,\"spaces\":[{\"id\":7,"
                                         "\"count\":30,\"capacity\":120}]}]}");
  g_autoptr(JsonNode) resources = parse ("{\"resources\":[{\"id\":5,\"site\":1,\"name\":\""
                                         SEAT_NAME "\"},{\"id\":6,\"site\":2,"
                                         "\"name\":\"Laptop\"}]}");
  g_autoptr(JsonNode) availability = parse ("{\"resource\":{\"id\":5},\"date\":\"2026-11-24\","
                                            "\"free\":[]}");
  g_autoptr(JsonNode) bookings = parse (bookings_json);
  g_autoptr(JsonNode) keys = parse ("{\"keys\":[{\"id\":99,\"alg\":\"Ed25519\","
                                    "\"public_key\":\"" PUBLIC_KEY "\"}]}");

  g_assert_true (atrium_cache_put_sites (cache, sites, T1, &error));
  g_assert_true (atrium_cache_put_occupancy (cache, 0, occupancy, T1 + 1, &error));
  g_assert_true (atrium_cache_put_occupancy (cache, 1, occupancy, T1 + 2, &error));
  g_assert_true (atrium_cache_put_resources (cache, resources, T1 + 3, &error));
  g_assert_true (atrium_cache_put_availability (cache, availability, T1 + 4, &error));
  g_assert_true (atrium_cache_put_my_bookings (cache, bookings, T1 + 5, &error));
  g_assert_true (atrium_cache_put_keys (cache, keys, T1 + 6, &error));
  g_assert_no_error (error);
}

static void
check_contents (AtriumCache *cache)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) sites = NULL, space = NULL, queue = NULL, occupancy = NULL;
  g_autoptr(JsonNode) resources = NULL, one_site = NULL, availability = NULL;
  g_autoptr(JsonNode) bookings = NULL, keys = NULL, expected = parse (sites_json);
  g_autofree char *code = NULL;
  gint64 fetched = 0;
  JsonArray *list;

  sites = atrium_cache_get_sites (cache, &fetched, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (sites, expected));
  g_assert_cmpint (fetched, ==, T1);

  space = atrium_cache_get_space (cache, 7, &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (space), "name"), ==,
                   SPACE_NAME);
  g_assert_cmpint (fetched, ==, T1);
  queue = atrium_cache_get_queue (cache, 3, &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (queue), "name"), ==,
                   QUEUE_NAME);

  occupancy = atrium_cache_get_occupancy (cache, 1, &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fetched, ==, T1 + 2);

  resources = atrium_cache_get_resources (cache, 0, &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (resources), "resources")), ==, 2);
  g_assert_cmpint (fetched, ==, T1 + 3);
  one_site = atrium_cache_get_resources (cache, 2, NULL, &error);
  g_assert_no_error (error);
  list = json_object_get_array_member (json_node_get_object (one_site), "resources");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0),
                                                  "name"), ==, "Laptop");

  availability = atrium_cache_get_availability (cache, 5, "2026-11-24", &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fetched, ==, T1 + 4);

  bookings = atrium_cache_get_my_bookings (cache, &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fetched, ==, T1 + 5);
  list = json_object_get_array_member (json_node_get_object (bookings), "bookings");
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  /* By start: the cancelled one of the day before first. */
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (list, 0), "id"),
                   ==, 40);
  code = atrium_cache_get_checkin_code (cache, 41, &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, CODE);
  g_assert_cmpint (fetched, ==, T1 + 5);
  g_assert_null (atrium_cache_get_checkin_code (cache, 40, NULL, &error));
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED);
  g_clear_error (&error);

  keys = atrium_cache_get_keys (cache, &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fetched, ==, T1 + 6);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (json_node_get_object (keys), "keys"), 0),
                     "public_key"), ==, PUBLIC_KEY);
}

static void
assert_empty (AtriumCache *cache)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (atrium_cache_get_sites (cache, NULL, &error));
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED);
  g_clear_error (&error);
  g_assert_null (atrium_cache_get_my_bookings (cache, NULL, &error));
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED);
  g_clear_error (&error);
  g_assert_null (atrium_cache_get_resources (cache, 0, NULL, &error));
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED);
  g_clear_error (&error);
  g_assert_null (atrium_cache_get_occupancy (cache, 0, NULL, &error));
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED);
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean rebuilt = TRUE;
  AtriumCache *cache = atrium_cache_open (f->path, f->key, &rebuilt, &error);

  g_assert_no_error (error);
  g_assert_false (rebuilt);
  assert_empty (cache);
  fill (cache);
  check_contents (cache);
  g_assert_finalize_object (cache);

  /* Reopened with its key: everything is still there, as fetched. */
  cache = atrium_cache_open (f->path, f->key, &rebuilt, &error);
  g_assert_no_error (error);
  g_assert_false (rebuilt);
  check_contents (cache);
  g_assert_finalize_object (cache);
}

/* The file and its -wal and -shm, while the cache is open and after. */
static void
assert_no_plaintext (const char *path)
{
  const char *markers[] = { "SQLite format 3", SITE_NAME, SPACE_NAME, QUEUE_NAME, SEAT_NAME,
                            CODE, PUBLIC_KEY, "checkin_code", "CREATE TABLE", "booking",
                            NULL };
  const char *suffixes[] = { "", "-wal", "-shm" };
  guint seen = 0;

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (name, &contents, &length, NULL))
        continue;
      seen++;
      for (guint m = 0; markers[m] != NULL; m++)
        if (memmem (contents, length, markers[m], strlen (markers[m])) != NULL)
          g_error ("“%s” in clear in %s", markers[m], name);
    }
  g_assert_cmpuint (seen, >=, 1);
}

static void
test_no_plaintext (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  AtriumCache *cache = atrium_cache_open (f->path, f->key, NULL, &error);
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  struct stat st;

  g_assert_no_error (error);
  fill (cache);
  /* While open, the data sits in the -wal as well. */
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  assert_no_plaintext (f->path);
  g_assert_finalize_object (cache);
  assert_no_plaintext (f->path);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_wrong_key_rebuilds (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint8 other[ATRIUM_DB_KEY_LEN];
  gboolean rebuilt = FALSE;
  AtriumCache *cache = atrium_cache_open (f->path, f->key, NULL, &error);

  g_assert_no_error (error);
  fill (cache);
  g_assert_finalize_object (cache);

  /* The key was lost (a new keyring): the old file cannot be read and is rebuilt empty. */
  atrium_random_bytes (other, sizeof other);
  cache = atrium_cache_open (f->path, other, &rebuilt, &error);
  assert_logged ("cannot be used (The key does not open");
  g_assert_no_error (error);
  g_assert_true (rebuilt);
  assert_empty (cache);
  fill (cache);
  g_assert_finalize_object (cache);

  /* The new key opens it without another rebuild; the old one no longer does. */
  cache = atrium_cache_open (f->path, other, &rebuilt, &error);
  g_assert_no_error (error);
  g_assert_false (rebuilt);
  check_contents (cache);
  g_assert_finalize_object (cache);
}

static void
test_damaged_rebuilds (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean rebuilt = FALSE;
  AtriumCache *cache;
  sqlite3 *plain = NULL;

  /* Random bytes where the cache was. */
  {
    guint8 junk[8192];

    atrium_random_bytes (junk, sizeof junk);
    g_assert_true (g_file_set_contents (f->path, (const char *) junk, sizeof junk, NULL));
  }
  cache = atrium_cache_open (f->path, f->key, &rebuilt, &error);
  assert_logged ("rebuilt empty");
  g_assert_no_error (error);
  g_assert_true (rebuilt);
  fill (cache);
  check_contents (cache);
  g_assert_finalize_object (cache);
  g_remove (f->path);

  /* A plain SQLite file in its place (someone's copy): never read, replaced. */
  g_assert_cmpint (sqlite3_open (f->path, &plain), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (plain, "CREATE TABLE site (x); INSERT INTO site VALUES (1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (plain);
  cache = atrium_cache_open (f->path, f->key, &rebuilt, &error);
  assert_logged ("is a plain-text SQLite database");
  g_assert_no_error (error);
  g_assert_true (rebuilt);
  assert_empty (cache);
  g_assert_finalize_object (cache);
  assert_no_plaintext (f->path);
}

static void
test_invalid_documents (Fixture       *f,
                        gconstpointer  data)
{
  const char *bad_sites[] = {
    "{\"sites\":{}}", "{\"sites\":[{\"name\":\"x\"}]}", "{\"sites\":[{\"id\":0}]}",
    "{\"sites\":[{\"id\":1,\"spaces\":[{\"name\":\"no id\"}]}]}", "[]", NULL
  };
  const char *bad_bookings[] = {
    "{\"bookings\":[{\"id\":1}]}", "{\"bookings\":[{\"id\":1,\"start\":5,\"status\":\"b\"}]}",
    "{\"bookings\":[{\"id\":1,\"start\":\"s\",\"status\":\"b\",\"checkin_code\":7}]}", NULL
  };
  g_autoptr(GError) error = NULL;
  AtriumCache *cache = atrium_cache_open (f->path, f->key, NULL, &error);

  g_assert_no_error (error);
  fill (cache);
  for (guint i = 0; bad_sites[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = parse (bad_sites[i]);

      g_assert_false (atrium_cache_put_sites (cache, node, T1 + 100, &error));
      g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_INVALID);
      g_clear_error (&error);
    }
  for (guint i = 0; bad_bookings[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = parse (bad_bookings[i]);

      g_assert_false (atrium_cache_put_my_bookings (cache, node, T1 + 100, &error));
      g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_INVALID);
      g_clear_error (&error);
    }
  /* Nothing was lost to the refusals. */
  check_contents (cache);
  g_assert_finalize_object (cache);
}

static void
test_forget_personal (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  AtriumCache *cache = atrium_cache_open (f->path, f->key, NULL, &error);
  g_autoptr(JsonNode) sites = NULL;
  g_autoptr(JsonNode) one = parse ("{\"id\":41,\"start\":\"2026-11-24T09:00:00Z\","
                                   "\"status\":\"cancelled\",\"checkin_code\":null}");

  g_assert_no_error (error);
  fill (cache);
  /* A cancel's answer replaces that booking: its code is gone. */
  g_assert_true (atrium_cache_put_booking (cache, one, T1 + 50, &error));
  g_assert_null (atrium_cache_get_checkin_code (cache, 41, NULL, &error));
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED);
  g_clear_error (&error);

  g_assert_true (atrium_cache_forget_personal (cache, &error));
  g_assert_null (atrium_cache_get_my_bookings (cache, NULL, &error));
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED);
  g_clear_error (&error);
  sites = atrium_cache_get_sites (cache, NULL, &error);
  g_assert_no_error (error);
  g_assert_finalize_object (cache);
}

/* A kiosk's registration: one at a time, the new one replacing the old; survives the
 * wipe of a patron's data and a reopening. */
static void
test_device (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  AtriumCache *cache = atrium_cache_open (f->path, f->key, NULL, &error);
  g_autoptr(JsonNode) first = parse ("{\"id\":3,\"kind\":\"kiosk\",\"name\":\"Hall\","
                                     "\"site_id\":2}");
  g_autoptr(JsonNode) second = parse ("{\"id\":4,\"kind\":\"kiosk\",\"name\":\"Desk\","
                                      "\"site_id\":5}");
  g_autoptr(JsonNode) bad = parse ("{\"kind\":\"kiosk\",\"site_id\":5}");
  g_autoptr(JsonNode) back = NULL;
  gint64 fetched = 0;

  g_assert_no_error (error);
  g_assert_null (atrium_cache_get_device (cache, NULL, &error));
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED);
  g_clear_error (&error);
  g_assert_false (atrium_cache_put_device (cache, bad, T1, &error));
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (atrium_cache_put_device (cache, first, T1, &error));
  g_assert_true (atrium_cache_put_device (cache, second, T1 + 7, &error));
  g_assert_true (atrium_cache_forget_personal (cache, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (cache);

  cache = atrium_cache_open (f->path, f->key, NULL, &error);
  g_assert_no_error (error);
  back = atrium_cache_get_device (cache, &fetched, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (back, second));
  g_assert_cmpint (fetched, ==, T1 + 7);
  g_assert_finalize_object (cache);
}

static guint outstanding;

static void
on_put (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (atrium_cache_put_finish (ATRIUM_CACHE (source), result, &error));
  g_assert_no_error (error);
  outstanding--;
}

static void
on_get (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gint64 fetched = 0;
  g_autoptr(JsonNode) node = atrium_cache_get_finish (ATRIUM_CACHE (source), result, &fetched,
                                                      &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpint (fetched, >=, T1);
  outstanding--;
}

static void
on_get_missing (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = atrium_cache_get_finish (ATRIUM_CACHE (source), result, NULL,
                                                      &error);

  g_assert_null (node);
  g_assert_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED);
  outstanding--;
}

/* From the UI thread: puts and gets of every kind at once, in GTask's worker threads. */
static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  AtriumCache *cache = atrium_cache_open (f->path, f->key, NULL, &error);
  g_autoptr(JsonNode) sites = parse (sites_json);
  g_autoptr(JsonNode) bookings = parse (bookings_json);
  gint64 fetched = 0;

  g_assert_no_error (error);
  fill (cache);
  for (guint round = 0; round < 20; round++)
    {
      atrium_cache_put_async (cache, ATRIUM_CACHE_SITES, 0, sites, T1 + round, NULL, on_put,
                              NULL);
      atrium_cache_put_async (cache, ATRIUM_CACHE_MY_BOOKINGS, 0, bookings, T1 + round, NULL,
                              on_put, NULL);
      atrium_cache_get_async (cache, ATRIUM_CACHE_SITES, 0, NULL, NULL, on_get, NULL);
      atrium_cache_get_async (cache, ATRIUM_CACHE_MY_BOOKINGS, 0, NULL, NULL, on_get, NULL);
      atrium_cache_get_async (cache, ATRIUM_CACHE_RESOURCES, 2, NULL, NULL, on_get, NULL);
      atrium_cache_get_async (cache, ATRIUM_CACHE_OCCUPANCY, 1, NULL, NULL, on_get, NULL);
      atrium_cache_get_async (cache, ATRIUM_CACHE_AVAILABILITY, 5, "2026-11-24", NULL, on_get,
                              NULL);
      atrium_cache_get_async (cache, ATRIUM_CACHE_KEYS, 0, NULL, NULL, on_get, NULL);
      atrium_cache_get_async (cache, ATRIUM_CACHE_AVAILABILITY, 5, "2026-11-25", NULL,
                              on_get_missing, NULL);
      outstanding += 9;
    }
  while (outstanding > 0)
    g_main_context_iteration (NULL, TRUE);
  /* A worker drops its task (and the task its cache) just after the answer is sent. */
  for (guint i = 0; i < 5000 && g_atomic_int_get (&G_OBJECT (cache)->ref_count) > 1; i++)
    g_usleep (1000);
  /* Whichever put came last, the lists are whole and their times one of those given. */
  {
    g_autoptr(JsonNode) back = atrium_cache_get_sites (cache, &fetched, &error);
    g_autoptr(JsonNode) mine = atrium_cache_get_my_bookings (cache, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (json_node_equal (back, sites));
    g_assert_cmpint (fetched, >=, T1);
    g_assert_cmpint (fetched, <=, T1 + 19);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_node_get_object (mine), "bookings")), ==, 2);
  }
  g_assert_finalize_object (cache);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  atrium_crypto_init ();
  logged = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);

  g_test_add ("/client/cache/round-trip", Fixture, NULL, fixture_setup, test_round_trip,
              fixture_teardown);
  g_test_add ("/client/cache/no-plaintext", Fixture, NULL, fixture_setup, test_no_plaintext,
              fixture_teardown);
  g_test_add ("/client/cache/wrong-key-rebuilds", Fixture, NULL, fixture_setup,
              test_wrong_key_rebuilds, fixture_teardown);
  g_test_add ("/client/cache/damaged-rebuilds", Fixture, NULL, fixture_setup,
              test_damaged_rebuilds, fixture_teardown);
  g_test_add ("/client/cache/invalid-documents", Fixture, NULL, fixture_setup,
              test_invalid_documents, fixture_teardown);
  g_test_add ("/client/cache/async", Fixture, NULL, fixture_setup, test_async,
              fixture_teardown);
  g_test_add ("/client/cache/forget-personal", Fixture, NULL, fixture_setup,
              test_forget_personal, fixture_teardown);
  g_test_add ("/client/cache/device", Fixture, NULL, fixture_setup, test_device,
              fixture_teardown);
  return g_test_run ();
}
