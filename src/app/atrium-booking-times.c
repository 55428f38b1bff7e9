/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-booking-times.h"

#include <glib/gi18n.h>

static const guint lengths[] = { 30, 60, 90, 120, 180, 240 };

void
atrium_booking_times_fill (AdwComboRow *day_row,
                           AdwComboRow *start_row,
                           AdwComboRow *length_row)
{
  g_autoptr(GtkStringList) days = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) starts = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) spans = gtk_string_list_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int next;

  g_return_if_fail (ADW_IS_COMBO_ROW (day_row));
  g_return_if_fail (ADW_IS_COMBO_ROW (start_row));
  g_return_if_fail (ADW_IS_COMBO_ROW (length_row));

  for (guint i = 0; i < ATRIUM_BOOKING_TIMES_DAYS; i++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (now, (int) i);
      g_autofree char *text = NULL;

      if (i == 0)
        text = g_strdup (_("Today"));
      else if (i == 1)
        text = g_strdup (_("Tomorrow"));
      else
        text = g_date_time_format (day, C_("booking day", "%a %e %b"));
      gtk_string_list_append (days, text);
    }
  for (guint m = 0; m < 24 * 60; m += ATRIUM_BOOKING_TIMES_STEP_MINUTES)
    {
      g_autofree char *text = g_strdup_printf ("%02u:%02u", m / 60, m % 60);

      gtk_string_list_append (starts, text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autofree char *text = NULL;

      if (lengths[i] < 60)
        text = g_strdup_printf (_("%u minutes"), lengths[i]);
      else if (lengths[i] % 60 == 0)
        text = g_strdup_printf (ngettext ("%u hour", "%u hours", lengths[i] / 60),
                                lengths[i] / 60);
      else
        text = g_strdup_printf (_("%u h %02u"), lengths[i] / 60, lengths[i] % 60);
      gtk_string_list_append (spans, text);
    }
  adw_combo_row_set_model (day_row, G_LIST_MODEL (days));
  adw_combo_row_set_model (start_row, G_LIST_MODEL (starts));
  adw_combo_row_set_model (length_row, G_LIST_MODEL (spans));
  /* The next quarter hour, today. */
  next = (g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now)) /
         ATRIUM_BOOKING_TIMES_STEP_MINUTES + 1;
  adw_combo_row_set_selected (start_row,
                              MIN (next, 24 * 60 / ATRIUM_BOOKING_TIMES_STEP_MINUTES - 1));
  adw_combo_row_set_selected (length_row, 1);
}

void
atrium_booking_times_select (AdwComboRow *day_row,
                             AdwComboRow *start_row,
                             AdwComboRow *length_row,
                             guint        day_offset,
                             guint        hour,
                             guint        minute,
                             guint        minutes)
{
  g_return_if_fail (day_offset < ATRIUM_BOOKING_TIMES_DAYS && hour < 24 &&
                    minute % ATRIUM_BOOKING_TIMES_STEP_MINUTES == 0);

  adw_combo_row_set_selected (day_row, day_offset);
  adw_combo_row_set_selected (start_row,
                              (hour * 60 + minute) / ATRIUM_BOOKING_TIMES_STEP_MINUTES);
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    if (lengths[i] == minutes)
      adw_combo_row_set_selected (length_row, i);
}

static char *
utc_text (GDateTime *time)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (time);

  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

gboolean
atrium_booking_times_get (AdwComboRow  *day_row,
                          AdwComboRow  *start_row,
                          AdwComboRow  *length_row,
                          char        **start,
                          char        **end,
                          GError      **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) day = NULL;
  g_autoptr(GDateTime) from = NULL;
  g_autoptr(GDateTime) to = NULL;
  guint day_offset = adw_combo_row_get_selected (day_row);
  guint first = adw_combo_row_get_selected (start_row);
  guint length = adw_combo_row_get_selected (length_row);

  g_return_val_if_fail (start != NULL && end != NULL, FALSE);

  if (day_offset == GTK_INVALID_LIST_POSITION || first == GTK_INVALID_LIST_POSITION ||
      length == GTK_INVALID_LIST_POSITION)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Choose a day, a start and a length."));
      return FALSE;
    }
  day = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                               g_date_time_get_day_of_month (now), 0, 0, 0);
  from = g_date_time_add_minutes (day, (int) (day_offset * 24 * 60 +
                                              first * ATRIUM_BOOKING_TIMES_STEP_MINUTES));
  to = g_date_time_add_minutes (from, (int) lengths[MIN (length, G_N_ELEMENTS (lengths) - 1)]);
  if (g_date_time_compare (to, now) <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("This time is already over: pick a later one."));
      return FALSE;
    }
  *start = utc_text (from);
  *end = utc_text (to);
  return TRUE;
}
