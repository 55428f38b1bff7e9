/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Drives the real atrium-server binary as an operator would. */
#include "config.h"

#include "atrium-test-server.h"

/* The real binary, arguments listed (tests/support). */
#define run_server atrium_test_run_server_args

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

typedef struct
{
  char *base;
  char *data_dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->base = g_dir_make_tmp ("atrium-test-init-XXXXXX", NULL);
  g_assert_nonnull (f->base);
  f->data_dir = g_build_filename (f->base, "var", "atrium", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_chmod (f->data_dir, 0700);
  atrium_test_remove_tree (f->base);
  g_free (f->data_dir);
  g_free (f->base);
}

static mode_t
mode_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_init_twice (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *out1 = NULL, *err1 = NULL, *out2 = NULL, *err2 = NULL;
  g_autofree char *key = g_build_filename (f->data_dir, "atrium.key", NULL);
  g_autofree char *db = g_build_filename (f->data_dir, "atrium.db", NULL);
  g_autofree char *key_before = NULL, *key_after = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_cmpint (run_server (&out1, &err1, "init", "--data-dir", f->data_dir, NULL), ==, 0);
  g_assert_cmpstr (err1, ==, "");
  g_assert_nonnull (strstr (out1, "Created"));
  g_assert_cmpint (mode_of (f->data_dir), ==, 0700);
  g_assert_cmpint (mode_of (key), ==, 0600);
  g_assert_cmpint (mode_of (db), ==, 0600);
  g_assert_true (g_file_get_contents (key, &key_before, NULL, NULL));

  g_assert_true (g_file_get_contents (db, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 0);
  g_assert_null (memmem (contents, len, "SQLite format 3", 15));
  g_assert_null (memmem (contents, len, "instance", 8));

  g_assert_cmpint (run_server (&out2, &err2, "init", "--data-dir", f->data_dir, NULL), ==, 0);
  g_assert_cmpstr (err2, ==, "");
  g_assert_nonnull (strstr (out2, "exists"));
  g_assert_cmpint (mode_of (f->data_dir), ==, 0700);
  g_assert_cmpint (mode_of (key), ==, 0600);
  g_assert_true (g_file_get_contents (key, &key_after, NULL, NULL));
  g_assert_cmpstr (key_before, ==, key_after);
}

static void
test_init_tightens_existing_dir (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (g_mkdir_with_parents (f->data_dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (f->data_dir, 0755), ==, 0);
  g_assert_cmpint (run_server (&out, &err, "init", "--data-dir", f->data_dir, NULL), ==, 0);
  g_assert_cmpint (mode_of (f->data_dir), ==, 0700);
}

static void
test_loose_key_file_refused (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *key = g_build_filename (f->data_dir, "atrium.key", NULL);

  g_assert_cmpint (run_server (NULL, NULL, "init", "--data-dir", f->data_dir, NULL), ==, 0);
  g_assert_cmpint (g_chmod (key, 0644), ==, 0);
  g_assert_cmpint (run_server (&out, &err, "init", "--data-dir", f->data_dir, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "0600"));
  /* One clear line. */
  g_assert_cmpint (strchr (err, '\n') - err, ==, (long) strlen (err) - 1);
}

static void
test_missing_key_refused (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *key = g_build_filename (f->data_dir, "atrium.key", NULL);

  g_assert_cmpint (run_server (NULL, NULL, "init", "--data-dir", f->data_dir, NULL), ==, 0);
  g_assert_cmpint (g_remove (key), ==, 0);
  g_assert_cmpint (run_server (&out, &err, "init", "--data-dir", f->data_dir, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "key file"));
  /* A new key must never be made for an existing store. */
  g_assert_false (g_file_test (key, G_FILE_TEST_EXISTS));
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *err1 = NULL, *err2 = NULL, *err3 = NULL, *err4 = NULL, *out = NULL;

  g_assert_cmpint (run_server (NULL, &err1, "init", NULL), ==, 2);
  g_assert_nonnull (strstr (err1, "--data-dir"));
  g_assert_cmpint (run_server (NULL, &err2, "frobnicate", NULL), ==, 2);
  g_assert_nonnull (strstr (err2, "unknown command"));
  g_assert_cmpint (run_server (NULL, &err3, "init", "--data-dir", f->data_dir, "extra", NULL),
                   ==, 2);
  g_assert_cmpint (atrium_test_run_server (NULL, &err4, (const char *[]) { NULL }), ==, 2);
  g_assert_cmpint (run_server (&out, NULL, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "init"));
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/server/init/twice", test_init_twice);
  ADD ("/server/init/tightens-existing-dir", test_init_tightens_existing_dir);
  ADD ("/server/init/loose-key-file-refused", test_loose_key_file_refused);
  ADD ("/server/init/missing-key-refused", test_missing_key_refused);
  ADD ("/server/init/usage-errors", test_usage_errors);
#undef ADD

  return g_test_run ();
}
