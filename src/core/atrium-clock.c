/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-core"

#include "config.h"

#include "atrium-clock.h"

#include <string.h>

#include "atrium-core-error.h"

struct _AtriumClock
{
  GObject parent_instance;

  gboolean fixed;
  gint64   fixed_usec;   /* read and written atomically: services read from worker threads */
};

G_DEFINE_FINAL_TYPE (AtriumClock, atrium_clock, G_TYPE_OBJECT)

static void
atrium_clock_class_init (AtriumClockClass *klass)
{
}

static void
atrium_clock_init (AtriumClock *self)
{
}

AtriumClock *
atrium_clock_new_system (void)
{
  return g_object_new (ATRIUM_TYPE_CLOCK, NULL);
}

/* A clock that stands still at @unix_usec until set or advanced: for tests. */
AtriumClock *
atrium_clock_new_fixed (gint64 unix_usec)
{
  AtriumClock *self = g_object_new (ATRIUM_TYPE_CLOCK, NULL);

  self->fixed = TRUE;
  atrium_clock_set (self, unix_usec);
  return self;
}

gboolean
atrium_clock_is_fixed (AtriumClock *self)
{
  g_return_val_if_fail (ATRIUM_IS_CLOCK (self), FALSE);

  return self->fixed;
}

gint64
atrium_clock_now_usec (AtriumClock *self)
{
  g_return_val_if_fail (ATRIUM_IS_CLOCK (self), 0);

  if (self->fixed)
    return __atomic_load_n (&self->fixed_usec, __ATOMIC_SEQ_CST);
  return g_get_real_time ();
}

gint64
atrium_clock_now (AtriumClock *self)
{
  return atrium_clock_now_usec (self) / ATRIUM_USEC_PER_SEC;
}

GDateTime *
atrium_clock_now_utc (AtriumClock *self)
{
  gint64 usec = atrium_clock_now_usec (self);
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (usec / ATRIUM_USEC_PER_SEC);

  return g_date_time_add (seconds, usec % ATRIUM_USEC_PER_SEC);
}

void
atrium_clock_set (AtriumClock *self,
                  gint64       unix_usec)
{
  g_return_if_fail (ATRIUM_IS_CLOCK (self));
  g_return_if_fail (self->fixed);

  __atomic_store_n (&self->fixed_usec, unix_usec, __ATOMIC_SEQ_CST);
}

void
atrium_clock_advance (AtriumClock *self,
                      gint64       usec)
{
  g_return_if_fail (ATRIUM_IS_CLOCK (self));
  g_return_if_fail (self->fixed);

  __atomic_add_fetch (&self->fixed_usec, usec, __ATOMIC_SEQ_CST);
}

/* RFC 3339 in UTC, whole seconds: "2026-11-24T21:08:48Z". */
char *
atrium_time_format_iso8601 (gint64 unix_usec)
{
  gint64 secs = unix_usec / ATRIUM_USEC_PER_SEC;
  g_autoptr(GDateTime) dt = NULL;

  if (unix_usec < 0 && unix_usec % ATRIUM_USEC_PER_SEC != 0)
    secs--;
  dt = g_date_time_new_from_unix_utc (secs);
  if (dt == NULL)
    return NULL;
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static gboolean
digits (const char *p,
        guint       n)
{
  for (guint i = 0; i < n; i++)
    if (!g_ascii_isdigit (p[i]))
      return FALSE;
  return TRUE;
}

/* Strict RFC 3339 date-time: a date, 'T', a time, optional fraction of up to 6 digits,
 * and an explicit offset ('Z' or ±hh:mm). GLib alone accepts far looser forms. */
static gboolean
is_rfc3339 (const char *s)
{
  const char *p = s;

  if (!digits (p, 4) || p[4] != '-' || !digits (p + 5, 2) || p[7] != '-' ||
      !digits (p + 8, 2) || p[10] != 'T' || !digits (p + 11, 2) || p[13] != ':' ||
      !digits (p + 14, 2) || p[16] != ':' || !digits (p + 17, 2))
    return FALSE;
  p += 19;
  if (*p == '.')
    {
      guint n = 0;

      p++;
      while (g_ascii_isdigit (p[n]))
        n++;
      if (n == 0 || n > 6)
        return FALSE;
      p += n;
    }
  if (p[0] == 'Z')
    return p[1] == '\0';
  if (p[0] == '+' || p[0] == '-')
    return digits (p + 1, 2) && p[3] == ':' && digits (p + 4, 2) && p[6] == '\0';
  return FALSE;
}

gboolean
atrium_time_parse_iso8601 (const char  *text,
                           gint64      *unix_usec_out,
                           GError     **error)
{
  g_autoptr(GDateTime) dt = NULL;

  g_return_val_if_fail (unix_usec_out != NULL, FALSE);

  if (text == NULL || strnlen (text, 40) >= 40 || !is_rfc3339 (text) ||
      (dt = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    {
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX,
                   "expected a date and time such as 2026-11-24T09:30:00Z");
      return FALSE;
    }
  *unix_usec_out = g_date_time_to_unix (dt) * ATRIUM_USEC_PER_SEC
                   + g_date_time_get_microsecond (dt);
  return TRUE;
}
