/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-test-sync.h"

/* TRUE when @items holds at least @n_items within @timeout_ms; @cond is signalled on
 * every addition. */
gboolean
atrium_test_wait_for_items (GMutex    *mutex,
                            GCond     *cond,
                            GPtrArray *items,
                            guint      n_items,
                            guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean done;

  g_mutex_lock (mutex);
  while (items->len < n_items)
    {
      if (!g_cond_wait_until (cond, mutex, deadline))
        break;
    }
  done = items->len >= n_items;
  g_mutex_unlock (mutex);
  return done;
}

/* A copy of each item, oldest first, in an array that frees them. */
GPtrArray *
atrium_test_copy_items (GMutex         *mutex,
                        GPtrArray      *items,
                        GBoxedCopyFunc  copy,
                        GDestroyNotify  free_func)
{
  GPtrArray *copies;

  g_mutex_lock (mutex);
  copies = g_ptr_array_new_full (items->len, free_func);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (copies, copy (g_ptr_array_index (items, i)));
  g_mutex_unlock (mutex);
  return copies;
}
