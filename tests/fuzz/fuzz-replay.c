/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-fuzz"

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

#include "atrium-fuzz.h"

/* Runs a libFuzzer target over files and directories (the seed corpus, crash files)
 * in an ordinary build, so the invariants are checked without clang and libFuzzer. */

static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
collect (GPtrArray  *paths,
         const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (paths, g_strdup (path));
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    {
      g_ptr_array_add (paths, g_strdup (path));
      return;
    }

  entries = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (entries, g_build_filename (path, name, NULL));
  g_ptr_array_sort (entries, compare_paths);

  for (guint i = 0; i < entries->len; i++)
    collect (paths, g_ptr_array_index (entries, i));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint failures = 0;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: %s FILE-OR-DIRECTORY…\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    collect (paths, argv[i]);

  printf ("1..%u\n", paths->len);
  fflush (stdout);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          printf ("not ok %u - %s # %s\n", i + 1, path, error->message);
          failures++;
          continue;
        }

      /* A copy of exactly @length bytes, so ASan sees any read past the end. */
      {
        g_autofree guint8 *exact = g_memdup2 (contents, length);

        LLVMFuzzerTestOneInput (exact, length);
      }

      printf ("ok %u - %s\n", i + 1, path);
      fflush (stdout);
    }

  return failures == 0 ? 0 : 1;
}
