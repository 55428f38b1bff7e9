/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-test-ics.h"

#include <string.h>

GPtrArray *
atrium_test_ics_lines (const char *ics)
{
  g_autoptr(GPtrArray) logical = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = NULL;
  guint n;

  g_assert_true (g_str_has_suffix (ics, "\r\n"));
  for (const char *p = ics; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_assert_true (p > ics && p[-1] == '\r');
      if (*p == '\r')
        g_assert_true (p[1] == '\n');
    }

  lines = g_strsplit (ics, "\r\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpstr (lines[n - 1], ==, "");
  for (guint i = 0; i + 1 < n; i++)
    {
      const char *line = lines[i];

      g_assert_cmpuint (strlen (line), <=, 75);
      g_assert_cmpuint (strlen (line), >, 0);
      g_assert_true (g_utf8_validate (line, -1, NULL));
      if (line[0] == ' ')
        {
          GString *last;

          g_assert_cmpuint (logical->len, >, 0);
          last = g_string_new (g_ptr_array_index (logical, logical->len - 1));
          g_string_append (last, line + 1);
          g_free (logical->pdata[logical->len - 1]);
          logical->pdata[logical->len - 1] = g_string_free (last, FALSE);
        }
      else
        g_ptr_array_add (logical, g_strdup (line));
    }
  return g_steal_pointer (&logical);
}

icalcomponent *
atrium_test_ics_parse (const char *ics,
                       gboolean    itip)
{
  icalcomponent *calendar = icalparser_parse_string (ics);

  g_assert_nonnull (calendar);
  g_assert_cmpint (icalcomponent_isa (calendar), ==, ICAL_VCALENDAR_COMPONENT);
  g_assert_cmpint (icalcomponent_count_errors (calendar), ==, 0);
  if (itip && !icalrestriction_check (calendar))
    g_error ("iTIP restrictions failed:\n%s", icalcomponent_as_ical_string (calendar));
  g_assert_cmpint (icalcomponent_count_errors (calendar), ==, 0);
  return calendar;
}

icalcomponent *
atrium_test_ics_event (icalcomponent *calendar)
{
  icalcomponent *event = icalcomponent_get_first_component (calendar,
                                                            ICAL_VEVENT_COMPONENT);

  g_assert_nonnull (event);
  g_assert_null (icalcomponent_get_next_component (calendar, ICAL_VEVENT_COMPONENT));
  return event;
}
