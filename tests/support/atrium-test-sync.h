/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What the loopback sinks record is read by the test thread while the sink's thread
 * adds to it: these two wait and copy under the sink's lock. */
gboolean   atrium_test_wait_for_items (GMutex         *mutex,
                                       GCond          *cond,
                                       GPtrArray      *items,
                                       guint           n_items,
                                       guint           timeout_ms);
GPtrArray *atrium_test_copy_items     (GMutex         *mutex,
                                       GPtrArray      *items,
                                       GBoxedCopyFunc  copy,
                                       GDestroyNotify  free_func);

G_END_DECLS
