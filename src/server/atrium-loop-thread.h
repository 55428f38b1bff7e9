/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A thread running a main context of its own, for a service's timers (the occupancy
 * watch, the bookings' scheduler): add the sources, then start; freeing quits the loop
 * from inside (a quit sent before the loop runs would be lost) and joins. */
typedef struct _AtriumLoopThread AtriumLoopThread;

AtriumLoopThread *atrium_loop_thread_new         (void);
/* @interval_ms 0: once, as soon as the loop runs. */
void              atrium_loop_thread_add_timeout (AtriumLoopThread *self,
                                                  guint             interval_ms,
                                                  GSourceFunc       func,
                                                  gpointer          data);
void              atrium_loop_thread_start       (AtriumLoopThread *self,
                                                  const char       *name);
void              atrium_loop_thread_free        (AtriumLoopThread *self);

G_END_DECLS
