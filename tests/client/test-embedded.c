/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The embedded backend: the real server library in a thread, reached over its Unix
 * socket by a SoupSession with "remote-connectable", as the app will. The XDG
 * directories point into a temporary directory, emptied before each test.
 * (G_TEST_OPTION_ISOLATE_DIRS would do it, but GLib 2.74 leaks the names it sets.) */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "atrium-embedded.h"
#include "atrium-store.h"
#include "atrium-test-server.h"
#include "client-test-http.h"

/* The cheapest password hashing the server accepts: the demo hashes five. */
#define CONFIG "[password]\nargon2_iterations = 2\nargon2_memory_mib = 19\n"

typedef struct
{
  char *config_path;
  char *runtime_dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *store_dir = g_build_filename (g_get_user_data_dir (), "atrium", NULL);
  g_autofree char *base = g_path_get_dirname (g_get_user_data_dir ());

  f->runtime_dir = g_build_filename (base, "runtime", NULL);
  atrium_test_remove_tree (store_dir);
  atrium_test_remove_tree (f->runtime_dir);
  g_setenv ("XDG_RUNTIME_DIR", f->runtime_dir, TRUE);
  g_assert_cmpint (g_mkdir_with_parents (f->runtime_dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (f->runtime_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  f->config_path = g_build_filename (g_get_user_config_dir (), "server.conf", NULL);
  g_assert_true (g_file_set_contents (f->config_path, CONFIG, -1, NULL));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_free (f->config_path);
  g_free (f->runtime_dir);
}

static guint
mode_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  return st.st_mode;
}

static SoupSession *
session_for (AtriumEmbedded *embedded)
{
  return soup_session_new_with_options ("remote-connectable",
                                        atrium_embedded_get_connectable (embedded), NULL);
}

static guint
request (SoupSession *session,
         const char  *method,
         const char  *path,
         const char  *token,
         const char  *body,
         JsonNode   **json_out)
{
  return client_test_request (session, "http://localhost", method, path, token, body,
                              json_out);
}

static void
assert_healthy (AtriumEmbedded *embedded)
{
  g_autoptr(SoupSession) session = session_for (embedded);

  g_assert_cmpstr (atrium_embedded_get_base_url (embedded), ==, "http://localhost");
  g_assert_cmpuint (request (session, "GET", "/healthz", NULL, NULL, NULL), ==, 200);
}

/* The socket lives in a fresh 0700 directory of the runtime directory. */
static char *
assert_private_socket (AtriumEmbedded *embedded,
                       const char     *expected_parent)
{
  const char *socket_path = atrium_embedded_get_socket_path (embedded);
  g_autofree char *socket_dir = g_path_get_dirname (socket_path);
  g_autofree char *parent = g_path_get_dirname (socket_dir);

  g_assert_cmpstr (parent, ==, expected_parent);
  g_assert_true (S_ISDIR (mode_of (socket_dir)));
  g_assert_cmpuint (mode_of (socket_dir) & 0777, ==, 0700);
  g_assert_true (S_ISSOCK (mode_of (socket_path)));
  g_assert_cmpuint (mode_of (socket_path) & 0077, ==, 0);
  return g_steal_pointer (&socket_dir);
}

static void
test_normal (Fixture       *f,
             gconstpointer  data)
{
  AtriumEmbedded *embedded = atrium_embedded_new (FALSE, f->config_path);
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "atrium", NULL);
  g_autofree char *store = g_build_filename (data_dir, "atrium.db", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (g_file_test (data_dir, G_FILE_TEST_EXISTS));
  for (guint round = 0; round < 2; round++)
    {
      g_autofree char *socket_dir = NULL;

      g_assert_true (atrium_embedded_start (embedded, &error));
      g_assert_no_error (error);
      g_assert_true (atrium_embedded_is_running (embedded));
      g_assert_cmpstr (atrium_embedded_get_data_dir (embedded), ==, data_dir);
      g_assert_cmpuint (mode_of (data_dir) & 0777, ==, 0700);
      g_assert_true (g_file_test (store, G_FILE_TEST_IS_REGULAR));
      socket_dir = assert_private_socket (embedded, f->runtime_dir);
      assert_healthy (embedded);
      g_assert_null (atrium_embedded_get_demo_accounts (embedded, NULL));

      /* Started twice: refused, the running one untouched. */
      g_assert_false (atrium_embedded_start (embedded, &error));
      g_assert_error (error, ATRIUM_EMBEDDED_ERROR, ATRIUM_EMBEDDED_ERROR_STATE);
      g_clear_error (&error);
      assert_healthy (embedded);

      atrium_embedded_stop (embedded);
      g_assert_false (atrium_embedded_is_running (embedded));
      g_assert_false (g_file_test (socket_dir, G_FILE_TEST_EXISTS));
      /* The data stays for the next start (round 2: the same store, opened again). */
      g_assert_true (g_file_test (store, G_FILE_TEST_IS_REGULAR));
      g_assert_cmpuint (mode_of (data_dir) & 0777, ==, 0700);
    }
  atrium_embedded_stop (embedded);
  g_assert_finalize_object (embedded);
}

/* Posts the sensors made to the store; read through a second connection, as another
 * process would (WAL). */
static gint64
sensor_posts (const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);
  sqlite3_stmt *stmt = NULL;
  gint64 posts;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (atrium_db_get_handle (db),
                                       "SELECT count(*) FROM sensor_count;", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  posts = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return posts;
}

static void
test_demo (Fixture       *f,
           gconstpointer  data)
{
  AtriumEmbedded *embedded = atrium_embedded_new (TRUE, f->config_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(JsonNode) occupancy = NULL;
  g_autoptr(JsonNode) login = NULL;
  g_autoptr(JsonNode) mine = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *scratch = NULL;
  g_autofree char *socket_dir = NULL;
  g_autofree char *body = NULL;
  g_autofree char *user_data = g_build_filename (g_get_user_data_dir (), "atrium", NULL);
  const AtriumDemoAccount *accounts;
  const AtriumDemoAccount *patron;
  const AtriumDemoAccount *admin;
  JsonArray *sites;
  guint n_accounts = 0;

  atrium_embedded_start (embedded, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_embedded_is_demo (embedded));
  data_dir = g_strdup (atrium_embedded_get_data_dir (embedded));
  scratch = g_path_get_dirname (data_dir);
  g_assert_cmpuint (mode_of (data_dir) & 0777, ==, 0700);
  g_assert_cmpuint (mode_of (scratch) & 0777, ==, 0700);
  /* A throwaway store: the user's own data directory is not touched. */
  g_assert_false (g_file_test (user_data, G_FILE_TEST_EXISTS));
  socket_dir = assert_private_socket (embedded, f->runtime_dir);
  assert_healthy (embedded);

  accounts = atrium_embedded_get_demo_accounts (embedded, &n_accounts);
  g_assert_cmpuint (n_accounts, ==, 5);
  for (guint i = 0; i < n_accounts; i++)
    {
      g_assert_true (g_str_has_prefix (accounts[i].name, "demo-"));
      g_assert_cmpuint (strlen (accounts[i].password), >=, 12);
    }
  patron = atrium_embedded_find_demo_account (embedded, "patron");
  g_assert_nonnull (patron);
  g_assert_null (patron->totp_uri);
  admin = atrium_embedded_find_demo_account (embedded, "admin");
  g_assert_nonnull (admin);
  g_assert_true (g_str_has_prefix (admin->totp_uri, "otpauth://totp/"));
  g_assert_nonnull (admin->recovery_code);
  g_assert_nonnull (atrium_embedded_find_demo_account (embedded, "staff"));

  /* The kiosk's token reads the demo's occupancy through the socket. */
  session = session_for (embedded);
  g_assert_cmpuint (request (session, "GET", "/api/v1/occupancy",
                             atrium_embedded_get_demo_kiosk_token (embedded), NULL,
                             &occupancy), ==, 200);
  sites = json_object_get_array_member (json_node_get_object (occupancy), "sites");
  g_assert_cmpuint (json_array_get_length (sites), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_array_get_object_element (sites, 0), "spaces")), >, 0);
  g_assert_cmpuint (request (session, "GET", "/api/v1/occupancy", "not-a-token", NULL, NULL),
                    ==, 401);

  /* The patron signs in with the password handed back, and reads it too. */
  body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", patron->name,
                          patron->password);
  g_assert_cmpuint (request (session, "POST", "/api/v1/auth/login", NULL, body, &login), ==,
                    200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (login), "status"), ==,
                   "ok");
  g_assert_cmpuint (request (session, "GET", "/api/v1/occupancy",
                             json_object_get_string_member (json_node_get_object (login),
                                                            "token"), NULL, &mine), ==, 200);

  /* The simulated sensors post through the API from the start: one post each. */
  for (guint i = 0; i < 100 && sensor_posts (data_dir) < 10; i++)
    g_usleep (100 * 1000);
  g_assert_cmpint (sensor_posts (data_dir), >=, 10);

  atrium_embedded_stop (embedded);
  g_assert_false (g_file_test (socket_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (scratch, G_FILE_TEST_EXISTS));
  g_assert_null (atrium_embedded_get_demo_kiosk_token (embedded));
  g_assert_finalize_object (embedded);
}

static void
started (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (atrium_embedded_start_finish (ATRIUM_EMBEDDED (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* A runtime directory others may enter is not used: a private one under the temporary
 * directory is (and the start is asynchronous, as the app does it). */
static void
test_runtime_not_private (Fixture       *f,
                          gconstpointer  data)
{
  AtriumEmbedded *embedded = atrium_embedded_new (FALSE, f->config_path);
  g_autofree char *socket_dir = NULL;
  gboolean done = FALSE;

  g_assert_cmpint (g_chmod (f->runtime_dir, 0755), ==, 0);
  atrium_embedded_start_async (embedded, NULL, started, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  socket_dir = assert_private_socket (embedded, g_get_tmp_dir ());
  assert_healthy (embedded);
  g_clear_object (&embedded);
  g_assert_false (g_file_test (socket_dir, G_FILE_TEST_EXISTS));

  /* No runtime directory at all: the same. */
  g_unsetenv ("XDG_RUNTIME_DIR");
  embedded = atrium_embedded_new (FALSE, f->config_path);
  g_assert_true (atrium_embedded_start (embedded, NULL));
  g_clear_pointer (&socket_dir, g_free);
  socket_dir = assert_private_socket (embedded, g_get_tmp_dir ());
  assert_healthy (embedded);
  atrium_embedded_stop (embedded);
  g_assert_false (g_file_test (socket_dir, G_FILE_TEST_EXISTS));
  g_assert_finalize_object (embedded);
  g_setenv ("XDG_RUNTIME_DIR", f->runtime_dir, TRUE);
}

/* A data directory that cannot be made: a clear error, nothing left behind. */
static void
test_bad_data_dir (Fixture       *f,
                   gconstpointer  data)
{
  AtriumEmbedded *embedded = atrium_embedded_new (FALSE, f->config_path);
  g_autofree char *blocker = g_build_filename (g_get_user_data_dir (), "atrium", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (blocker, "not a directory", -1, NULL));
  g_assert_false (atrium_embedded_start (embedded, &error));
  g_assert_error (error, ATRIUM_EMBEDDED_ERROR, ATRIUM_EMBEDDED_ERROR_SERVER);
  g_assert_false (atrium_embedded_is_running (embedded));
  g_assert_null (atrium_embedded_get_connectable (embedded));
  dir = g_dir_open (f->runtime_dir, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
  g_assert_finalize_object (embedded);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *base = g_dir_make_tmp ("atrium-test-embedded-XXXXXX", NULL);
  g_autofree char *data_home = g_build_filename (base, "data", NULL);
  g_autofree char *config_home = g_build_filename (base, "config", NULL);
  int status;

  g_assert_nonnull (base);
  /* Before GLib reads them (it keeps what it read first). */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/embedded/normal", Fixture, NULL, fixture_setup, test_normal,
              fixture_teardown);
  g_test_add ("/embedded/demo", Fixture, NULL, fixture_setup, test_demo, fixture_teardown);
  g_test_add ("/embedded/runtime-not-private", Fixture, NULL, fixture_setup,
              test_runtime_not_private, fixture_teardown);
  g_test_add ("/embedded/bad-data-dir", Fixture, NULL, fixture_setup, test_bad_data_dir,
              fixture_teardown);
  status = g_test_run ();
  atrium_test_remove_tree (base);
  return status;
}
