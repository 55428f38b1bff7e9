/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-loop-thread.h"

struct _AtriumLoopThread
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
};

AtriumLoopThread *
atrium_loop_thread_new (void)
{
  AtriumLoopThread *self = g_new0 (AtriumLoopThread, 1);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  return self;
}

void
atrium_loop_thread_add_timeout (AtriumLoopThread *self,
                                guint             interval_ms,
                                GSourceFunc       func,
                                gpointer          data)
{
  GSource *source = interval_ms == 0 ? g_idle_source_new ()
                    : interval_ms % 1000 == 0 ? g_timeout_source_new_seconds (interval_ms / 1000)
                    : g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static gpointer
thread_main (gpointer data)
{
  AtriumLoopThread *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

void
atrium_loop_thread_start (AtriumLoopThread *self,
                          const char       *name)
{
  g_return_if_fail (self->thread == NULL);
  self->thread = g_thread_new (name, thread_main, self);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
atrium_loop_thread_free (AtriumLoopThread *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      atrium_loop_thread_add_timeout (self, 0, quit_loop, self->loop);
      g_thread_join (self->thread);
    }
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_free (self);
}
