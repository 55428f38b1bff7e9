/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-stats-page.h"

#include <math.h>
#include <string.h>
#include <adwaita.h>
#include <glib/gi18n.h>

#include "atrium-application.h"
#include "atrium-json-read.h"
#include "atrium-transfer.h"
#include "atrium-ui-text.h"
#include "atrium-widget.h"
#include "atrium-window.h"

typedef struct
{
  gint64     id;
  char      *name;
  GTimeZone *tz;
} Site;

struct _AtriumStatsPage
{
  GtkWidget parent_instance;

  GtkDropDown   *site_dropdown;
  GtkDropDown   *period_dropdown;
  GtkSwitch     *compare_switch;
  GtkLabel      *status_label;
  GtkMenuButton *day_button;
  GtkCalendar   *calendar;
  AtriumChart   *day_chart;
  AtriumChart   *heat_chart;
  AtriumChart   *bookings_chart;
  AtriumChart   *no_show_chart;
  AdwComboRow   *table_row;
  AdwComboRow   *format_row;
  GtkProgressBar *export_progress;
  GtkLabel      *export_label;
  GtkButton     *cancel_button;
  GtkButton     *export_button;

  AtriumApi     *api;
  SoupSession   *session;
  GArray        *wanted;       /* gint64: the sites to offer; empty: all */
  GArray        *sites;        /* Site, as the drop-down lists them */
  GPtrArray     *tables;       /* the export names, as the table row lists them */
  GCancellable  *sites_cancellable;
  gboolean       sites_pending;
  GCancellable  *cancellable;  /* the statistics being read */
  guint          pending;
  GDateTime     *day;          /* the hourly chart's day (a local date), or NULL: today */

  GCancellable  *export_cancellable;
  GFile         *export_file;
  GtkFileChooserNative *chooser;
  char          *export_error;
  gboolean       disposed;
};

G_DEFINE_FINAL_TYPE (AtriumStatsPage, atrium_stats_page, GTK_TYPE_WIDGET)

static const guint period_weeks[] = { 1, 4, 8 };

static void
site_clear (gpointer data)
{
  Site *site = data;

  g_free (site->name);
  g_clear_pointer (&site->tz, g_time_zone_unref);
}

static const Site *
current_site (AtriumStatsPage *self)
{
  guint i = gtk_drop_down_get_selected (self->site_dropdown);

  return i < self->sites->len ? &g_array_index (self->sites, Site, i) : NULL;
}

/* [Monday of the first week, Monday after this week) at the site. */
static void
period_bounds (AtriumStatsPage  *self,
               GTimeZone        *tz,
               GDateTime       **from,
               GDateTime       **to)
{
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autoptr(GDateTime) midnight = g_date_time_new (tz, g_date_time_get_year (now),
                                                   g_date_time_get_month (now),
                                                   g_date_time_get_day_of_month (now), 0, 0, 0);
  g_autoptr(GDateTime) monday = g_date_time_add_days (midnight,
                                                      1 - g_date_time_get_day_of_week (now));
  guint selected = gtk_drop_down_get_selected (self->period_dropdown);
  guint weeks = period_weeks[MIN (selected, G_N_ELEMENTS (period_weeks) - 1)];

  *from = g_date_time_add_days (monday, -7 * ((int) weeks - 1));
  *to = g_date_time_add_days (monday, 7);
}

static gboolean
cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
show_status (AtriumStatsPage *self,
             const GError    *error)
{
  g_autofree char *text = NULL;

  if (error == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
      return;
    }
  text = atrium_ui_error_text (error);
  gtk_label_set_text (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
}

static void
load_done (AtriumStatsPage *self)
{
  g_assert (self->pending > 0);
  self->pending--;
}

/* ---- reading the statistics answer --------------------------------------------------- */

static gint64
time_member (JsonObject *object,
             const char *name)
{
  const char *text = json_object_get_string_member_with_default (object, name, NULL);
  g_autoptr(GDateTime) time = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return time != NULL ? g_date_time_to_unix (time) : G_MININT64;
}

/* Bucket by bucket of @member ("buckets" or "comparison"), the site's occupancy: the
 * sum of its spaces' mean occupancies (queues left out), NAN where no space has data.
 * @starts (nullable) receives each bucket's start (unix seconds). */
static GArray *
site_totals (JsonNode   *answer,
             const char *member,
             GArray     *starts)
{
  JsonObject *root = JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  JsonArray *series = atrium_json_array_member (root, "series");
  GArray *totals = g_array_new (FALSE, TRUE, sizeof (double));

  for (guint s = 0; series != NULL && s < json_array_get_length (series); s++)
    {
      JsonObject *one = atrium_json_object_element (series, s);
      JsonArray *buckets = atrium_json_array_member (one, member);

      if (buckets == NULL || !json_object_has_member (one, "space"))
        continue;
      if (totals->len == 0)
        for (guint i = 0; i < json_array_get_length (buckets); i++)
          {
            double none = NAN;
            JsonObject *bucket = atrium_json_object_element (buckets, i);
            gint64 start = bucket != NULL ? time_member (bucket, "start") : G_MININT64;

            g_array_append_val (totals, none);
            if (starts != NULL)
              g_array_append_val (starts, start);
          }
      for (guint i = 0; i < MIN (totals->len, json_array_get_length (buckets)); i++)
        {
          JsonObject *bucket = atrium_json_object_element (buckets, i);
          double *total = &g_array_index (totals, double, i);

          if (bucket == NULL ||
              json_object_get_int_member_with_default (bucket, "covered_seconds", 0) <= 0)
            continue;
          if (isnan (*total))
            *total = 0;
          *total += json_object_get_double_member_with_default (bucket, "mean", 0);
        }
    }
  return totals;
}

static char *
local_text (gint64      time,
            GTimeZone  *tz,
            const char *format)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;

  /* Without the space %e puts before a day under 10. */
  return g_strstrip (local != NULL ? g_date_time_format (local, format) : g_strdup ("?"));
}

/* One answer less to wait for: the site it is about, or NULL when there is none and
 * @chart says so. */
static const Site *
took_answer (AtriumStatsPage *self,
             JsonNode        *answer,
             const GError    *error,
             AtriumChart     *chart)
{
  const Site *site = current_site (self);

  load_done (self);
  if (answer != NULL && site != NULL)
    return site;
  show_status (self, error);
  atrium_chart_clear (chart, _("The statistics could not be read."));
  return NULL;
}

/* ---- occupancy by hour of a day ------------------------------------------------------ */

static void
day_read (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AtriumStatsPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) values = NULL;
  g_autoptr(GArray) compared = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  const Site *site;
  gboolean compare;
  guint first = 0, last = 0;

  if (answer == NULL && cancelled (error))
    return;
  site = took_answer (self, answer, error, self->day_chart);
  if (site == NULL)
    return;
  compare = gtk_switch_get_active (self->compare_switch);
  values = site_totals (answer, "buckets", starts);
  compared = site_totals (answer, "comparison", NULL);
  if (compared->len != values->len)
    compare = FALSE;
  /* The hours with data in either day, from the first to the last. */
  for (guint i = 0, seen = 0; i < values->len; i++)
    if (!isnan (g_array_index (values, double, i)) ||
        (compare && !isnan (g_array_index (compared, double, i))))
      {
        if (!seen++)
          first = i;
        last = i + 1;
      }
  if (last == 0)
    {
      atrium_chart_clear (self->day_chart, _("No occupancy was recorded on this day."));
      return;
    }
  for (guint i = first; i < last; i++)
    g_ptr_array_add (labels, local_text (g_array_index (starts, gint64, i), site->tz,
                                         C_("time of day", "%H:%M")));
  atrium_chart_set_series (self->day_chart, (const char * const *) labels->pdata,
                           &g_array_index (values, double, first),
                           compare ? &g_array_index (compared, double, first) : NULL,
                           last - first);
}

/* ---- popular times ------------------------------------------------------------------- */

static void
popular_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AtriumStatsPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) values = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) columns = g_ptr_array_new_with_free_func (g_free);
  g_autofree double *cells = NULL;
  double sum[7][24] = { { 0 } };
  guint count[7][24] = { { 0 } };
  int first_hour = 24, last_hour = -1;
  const Site *site;

  if (answer == NULL && cancelled (error))
    return;
  site = took_answer (self, answer, error, self->heat_chart);
  if (site == NULL)
    return;
  /* The mean of the site's occupancy over every hour with data, by weekday and hour. */
  values = site_totals (answer, "buckets", starts);
  for (guint i = 0; i < values->len; i++)
    {
      double v = g_array_index (values, double, i);
      g_autoptr(GDateTime) utc = NULL;
      g_autoptr(GDateTime) local = NULL;
      int day, hour;

      if (isnan (v) || g_array_index (starts, gint64, i) == G_MININT64)
        continue;
      utc = g_date_time_new_from_unix_utc (g_array_index (starts, gint64, i));
      local = g_date_time_to_timezone (utc, site->tz);
      day = g_date_time_get_day_of_week (local) - 1;
      hour = g_date_time_get_hour (local);
      sum[day][hour] += v;
      count[day][hour]++;
      first_hour = MIN (first_hour, hour);
      last_hour = MAX (last_hour, hour);
    }
  if (last_hour < 0)
    {
      atrium_chart_clear (self->heat_chart, _("No occupancy was recorded in this period."));
      return;
    }
  /* Weekday names from a Monday (5 January 1970 was one), hours as the clock shows. */
  for (int d = 0; d < 7; d++)
    {
      g_autoptr(GDateTime) date = g_date_time_new_utc (1970, 1, 5 + d, 0, 0, 0);

      g_ptr_array_add (rows, g_date_time_format (date, "%A"));
    }
  cells = g_new (double, 7 * (last_hour - first_hour + 1));
  for (int h = first_hour; h <= last_hour; h++)
    {
      g_autoptr(GDateTime) time = g_date_time_new_utc (1970, 1, 5, h, 0, 0);

      g_ptr_array_add (columns, g_date_time_format (time, C_("time of day", "%H:%M")));
    }
  for (int d = 0; d < 7; d++)
    for (int h = first_hour; h <= last_hour; h++)
      cells[d * (last_hour - first_hour + 1) + (h - first_hour)] =
        count[d][h] > 0 ? sum[d][h] / count[d][h] : NAN;
  atrium_chart_set_heat_map (self->heat_chart, (const char * const *) rows->pdata, 7,
                             (const char * const *) columns->pdata, columns->len, cells);
}

/* ---- bookings and no-shows per week -------------------------------------------------- */

typedef struct
{
  AtriumStatsPage *self;
  GArray          *starts;        /* gint64: the weeks, then the comparison's weeks */
  GArray          *ends;
  guint            n_weeks;
  gint64           site;
  GTimeZone       *tz;
  GMemoryOutputStream *csv;
} WeekJob;

static void
week_job_free (WeekJob *job)
{
  g_array_unref (job->starts);
  g_array_unref (job->ends);
  g_time_zone_unref (job->tz);
  g_object_unref (job->csv);
  g_free (job);
}

/* One line of RFC 4180 CSV from @*cursor (quoted fields, "" inside them, CRLF or LF);
 * NULL at the end. */
static GPtrArray *
csv_row (const char **cursor,
         const char  *end)
{
  GPtrArray *fields;
  GString *field = g_string_new (NULL);
  const char *p = *cursor;
  gboolean quoted = FALSE;

  if (p >= end)
    {
      g_string_free (field, TRUE);
      return NULL;
    }
  fields = g_ptr_array_new_with_free_func (g_free);
  for (; p < end; p++)
    {
      if (quoted)
        {
          if (*p == '"' && p + 1 < end && p[1] == '"')
            g_string_append_c (field, *p++);
          else if (*p == '"')
            quoted = FALSE;
          else
            g_string_append_c (field, *p);
        }
      else if (*p == '"')
        quoted = TRUE;
      else if (*p == ',')
        {
          g_ptr_array_add (fields, g_string_free (field, FALSE));
          field = g_string_new (NULL);
        }
      else if (*p == '\n')
        {
          p++;
          break;
        }
      else if (*p != '\r')
        g_string_append_c (field, *p);
    }
  g_ptr_array_add (fields, g_string_free (field, FALSE));
  *cursor = p;
  return fields;
}

static int
column_of (GPtrArray  *header,
           const char *name)
{
  for (guint i = 0; i < header->len; i++)
    if (g_str_equal (header->pdata[i], name))
      return (int) i;
  return -1;
}

/* The export's rows counted into the weeks: every booking, and of those whose time has
 * come and gone, the share nobody showed up for (DESIGN: no_show vs. checked in,
 * released after a break, completed). */
static void
count_bookings (WeekJob    *job,
                const char *csv,
                gsize       length,
                double     *bookings,
                double     *no_shows)
{
  const char *cursor = csv, *end = csv + length;
  g_autoptr(GPtrArray) header = csv_row (&cursor, end);
  g_autofree guint *missed = g_new0 (guint, job->starts->len);
  g_autofree guint *came = g_new0 (guint, job->starts->len);
  int site_col, starts_col, status_col;

  for (guint w = 0; w < job->starts->len; w++)
    bookings[w] = 0;
  if (header == NULL)
    return;
  site_col = column_of (header, "site_id");
  starts_col = column_of (header, "starts");
  status_col = column_of (header, "status");
  if (site_col < 0 || starts_col < 0 || status_col < 0)
    return;
  for (GPtrArray *row; (row = csv_row (&cursor, end)) != NULL; g_ptr_array_unref (row))
    {
      g_autoptr(GDateTime) starts = NULL;
      const char *status;
      gint64 at;

      if (row->len != header->len ||
          g_ascii_strtoll (row->pdata[site_col], NULL, 10) != job->site ||
          (starts = g_date_time_new_from_iso8601 (row->pdata[starts_col], NULL)) == NULL)
        continue;
      at = g_date_time_to_unix (starts);
      status = row->pdata[status_col];
      for (guint w = 0; w < job->starts->len; w++)
        if (at >= g_array_index (job->starts, gint64, w) &&
            at < g_array_index (job->ends, gint64, w))
          {
            bookings[w]++;
            if (g_str_equal (status, "no_show"))
              missed[w]++;
            else if (g_str_equal (status, "checked_in") || g_str_equal (status, "released") ||
                     g_str_equal (status, "completed"))
              came[w]++;
          }
    }
  for (guint w = 0; w < job->starts->len; w++)
    no_shows[w] = missed[w] + came[w] > 0 ? 100.0 * missed[w] / (missed[w] + came[w]) : NAN;
}

static void
bookings_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  WeekJob *job = user_data;
  AtriumStatsPage *self = job->self;
  g_autoptr(GError) error = NULL;
  goffset received = atrium_transfer_finish (result, &error);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree double *bookings = NULL;
  g_autofree double *no_shows = NULL;
  gboolean compare, any = FALSE;
  guint n = job->n_weeks;

  if (received < 0 && cancelled (error))
    {
      week_job_free (job);
      return;
    }
  load_done (self);
  if (received < 0)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_FORBIDDEN))
        text = g_strdup (_("Your account may not read the bookings of this library."));
      else
        text = atrium_ui_error_text (error);
      atrium_chart_clear (self->bookings_chart, text);
      atrium_chart_clear (self->no_show_chart, text);
      week_job_free (job);
      return;
    }
  compare = job->starts->len == 2 * n;
  bookings = g_new0 (double, job->starts->len);
  no_shows = g_new0 (double, job->starts->len);
  count_bookings (job, g_memory_output_stream_get_data (job->csv),
                  g_memory_output_stream_get_data_size (job->csv), bookings, no_shows);
  for (guint w = 0; w < n; w++)
    {
      /* TRANSLATORS: a week in a chart, named by its first day: "23 Nov" */
      g_ptr_array_add (labels, local_text (g_array_index (job->starts, gint64, w), job->tz,
                                           C_("week in a chart", "%e %b")));
      any |= bookings[w] > 0 || (compare && bookings[n + w] > 0);
    }
  if (!any)
    atrium_chart_clear (self->bookings_chart, _("There were no bookings in this period."));
  else
    atrium_chart_set_series (self->bookings_chart, (const char * const *) labels->pdata,
                             bookings, compare ? bookings + n : NULL, n);
  any = FALSE;
  for (guint w = 0; w < job->starts->len; w++)
    any |= !isnan (no_shows[w]);
  if (!any)
    atrium_chart_clear (self->no_show_chart,
                        _("No booking of this period has ended with or without its patron "
                          "yet."));
  else
    atrium_chart_set_series (self->no_show_chart, (const char * const *) labels->pdata,
                             no_shows, compare ? no_shows + n : NULL, n);
  week_job_free (job);
}

static char *
export_path (const char *table,
             const char *format,
             const char *from,
             const char *to)
{
  g_autofree char *from_q = g_uri_escape_string (from, NULL, FALSE);
  g_autofree char *to_q = g_uri_escape_string (to, NULL, FALSE);

  return g_strdup_printf ("/api/v1/export/%s?format=%s&from=%s&to=%s", table, format,
                          from_q, to_q);
}

/* The weeks come from the statistics answer (the server's week boundaries at the
 * site); the bookings from the bookings export of those weeks, read in memory. */
static void
weeks_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumStatsPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);
  g_autofree char *path = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  JsonObject *root, *series;
  JsonArray *buckets, *comparison;
  const Site *site;
  WeekJob *job;

  if (answer == NULL && cancelled (error))
    return;
  site = current_site (self);
  root = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer)
                                                           : NULL;
  series = atrium_json_array_member (root, "series") != NULL &&
           json_array_get_length (atrium_json_array_member (root, "series")) > 0
           ? atrium_json_object_element (atrium_json_array_member (root, "series"), 0) : NULL;
  buckets = atrium_json_array_member (series, "buckets");
  comparison = atrium_json_array_member (series, "comparison");
  if (site == NULL || buckets == NULL || comparison == NULL ||
      json_array_get_length (buckets) == 0)
    {
      load_done (self);
      show_status (self, error);
      atrium_chart_clear (self->bookings_chart, error != NULL
                          ? _("The statistics could not be read.")
                          : _("This library has no spaces to count."));
      atrium_chart_clear (self->no_show_chart, NULL);
      return;
    }
  job = g_new0 (WeekJob, 1);
  job->self = self;
  job->site = site->id;
  job->tz = g_time_zone_ref (site->tz);
  job->n_weeks = json_array_get_length (buckets);
  job->starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  job->ends = g_array_new (FALSE, FALSE, sizeof (gint64));
  job->csv = G_MEMORY_OUTPUT_STREAM (g_memory_output_stream_new_resizable ());
  for (guint pass = 0; pass < (gtk_switch_get_active (self->compare_switch) ? 2u : 1u); pass++)
    {
      JsonArray *weeks = pass == 0 ? buckets : comparison;

      if (json_array_get_length (weeks) != job->n_weeks)
        break;
      for (guint w = 0; w < job->n_weeks; w++)
        {
          JsonObject *week = atrium_json_object_element (weeks, w);
          gint64 start = week != NULL ? time_member (week, "start") : G_MININT64;
          gint64 end = week != NULL ? time_member (week, "end") : G_MININT64;

          g_array_append_val (job->starts, start);
          g_array_append_val (job->ends, end);
        }
    }
  /* From the earliest start to the latest end, comparison included. */
  {
    gint64 first = G_MAXINT64, last = G_MININT64;

    for (guint i = 0; i < job->starts->len; i++)
      {
        first = MIN (first, g_array_index (job->starts, gint64, i));
        last = MAX (last, g_array_index (job->ends, gint64, i));
      }
    if (first == G_MININT64 || first >= last)
      {
        load_done (self);
        atrium_chart_clear (self->bookings_chart, _("The statistics could not be read."));
        atrium_chart_clear (self->no_show_chart, NULL);
        week_job_free (job);
        return;
      }
    {
      g_autoptr(GDateTime) a = g_date_time_new_from_unix_utc (first);
      g_autoptr(GDateTime) b = g_date_time_new_from_unix_utc (last);

      from = g_date_time_format (a, "%Y-%m-%dT%H:%M:%SZ");
      to = g_date_time_format (b, "%Y-%m-%dT%H:%M:%SZ");
    }
  }
  path = export_path ("bookings", "csv", from, to);
  atrium_transfer_to_stream_async (self->session, self->api, path, G_OUTPUT_STREAM (job->csv),
                                   NULL, NULL,
                                   self->cancellable, bookings_read, job);
}

/* ---- loading ------------------------------------------------------------------------- */

static char *
stats_path (const Site *site,
            GDateTime  *from,
            GDateTime  *to,
            const char *bucket)
{
  g_autofree char *a = g_date_time_format (from, "%Y-%m-%d");
  g_autofree char *b = g_date_time_format (to, "%Y-%m-%d");

  return g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/stats?from=%s&to=%s&bucket=%s"
                          "&compare=previous", site->id, a, b, bucket);
}

static void
show_day (AtriumStatsPage *self,
          GDateTime       *day)
{
  /* TRANSLATORS: the day of the hourly chart, "Tuesday 24 November 2026" */
  g_autofree char *text = g_date_time_format (day, C_("chart day", "%A %e %B %Y"));

  gtk_menu_button_set_label (self->day_button, g_strstrip (text));
}

void
atrium_stats_page_refresh (AtriumStatsPage *self)
{
  g_autoptr(GDateTime) from = NULL;
  g_autoptr(GDateTime) to = NULL;
  g_autoptr(GDateTime) day = NULL;
  g_autoptr(GDateTime) next_day = NULL;
  g_autofree char *day_path = NULL;
  g_autofree char *popular_path = NULL;
  g_autofree char *weeks_path = NULL;
  const Site *site;

  g_return_if_fail (ATRIUM_IS_STATS_PAGE (self));

  /* Once the sites are known. */
  if (self->sites_pending)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->pending = 0;
  site = current_site (self);
  if (self->api == NULL || site == NULL)
    return;
  show_status (self, NULL);
  period_bounds (self, site->tz, &from, &to);
  if (self->day != NULL)
    day = g_date_time_new (site->tz, g_date_time_get_year (self->day),
                           g_date_time_get_month (self->day),
                           g_date_time_get_day_of_month (self->day), 0, 0, 0);
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now (site->tz);

      day = g_date_time_new (site->tz, g_date_time_get_year (now), g_date_time_get_month (now),
                             g_date_time_get_day_of_month (now), 0, 0, 0);
    }
  next_day = g_date_time_add_days (day, 1);
  show_day (self, day);
  atrium_chart_set_legend (self->day_chart, _("This day"), _("The day before"));
  atrium_chart_set_legend (self->bookings_chart, _("This period"), _("Previous period"));
  atrium_chart_set_legend (self->no_show_chart, _("This period"), _("Previous period"));

  day_path = stats_path (site, day, next_day, "hour");
  popular_path = stats_path (site, from, to, "hour");
  weeks_path = stats_path (site, from, to, "week");
  self->pending = 3;
  atrium_api_get_document_async (self->api, day_path, self->cancellable, day_read, self);
  atrium_api_get_document_async (self->api, popular_path, self->cancellable, popular_read,
                                 self);
  atrium_api_get_document_async (self->api, weeks_path, self->cancellable, weeks_read, self);
}

void
atrium_stats_page_set_day (AtriumStatsPage *self,
                           guint            year,
                           guint            month,
                           guint            day)
{
  g_return_if_fail (ATRIUM_IS_STATS_PAGE (self));
  g_return_if_fail (g_date_valid_dmy (day, month, year));

  g_clear_pointer (&self->day, g_date_time_unref);
  self->day = g_date_time_new_utc (year, month, day, 0, 0, 0);
  atrium_stats_page_refresh (self);
}

static void
day_selected (AtriumStatsPage *self)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (self->calendar);

  gtk_popover_popdown (gtk_menu_button_get_popover (self->day_button));
  atrium_stats_page_set_day (self, g_date_time_get_year (date), g_date_time_get_month (date),
                             g_date_time_get_day_of_month (date));
}

/* The drop-down names the sites as GET /sites does. */
static void
sites_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumStatsPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = atrium_api_document_finish (ATRIUM_API (source), result,
                                                             &error);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  JsonArray *sites;

  if (document == NULL && cancelled (error))
    return;
  self->sites_pending = FALSE;
  g_array_set_size (self->sites, 0);
  sites = atrium_json_document_array (document, "sites");
  for (guint j = 0; sites != NULL && j < json_array_get_length (sites); j++)
    {
      JsonObject *object = atrium_json_object_element (sites, j);
      gint64 id = object != NULL ? json_object_get_int_member_with_default (object, "id", 0)
                                 : 0;
      const char *zone = object != NULL
                         ? json_object_get_string_member_with_default (object, "timezone", NULL)
                         : NULL;
      gboolean wanted = self->wanted->len == 0;
      Site site = { 0 };

      for (guint i = 0; i < self->wanted->len; i++)
        wanted |= g_array_index (self->wanted, gint64, i) == id;
      if (id <= 0 || !wanted)
        continue;
      site.id = id;
      site.name = g_strdup (json_object_get_string_member_with_default (object, "name", ""));
      site.tz = zone != NULL ? g_time_zone_new_identifier (zone) : NULL;
      if (site.tz == NULL)
        site.tz = g_time_zone_new_local ();
      g_array_append_val (self->sites, site);
      gtk_string_list_append (names, site.name);
    }
  g_signal_handlers_block_by_func (self->site_dropdown, atrium_stats_page_refresh, self);
  gtk_drop_down_set_model (self->site_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->site_dropdown, 0);
  g_signal_handlers_unblock_by_func (self->site_dropdown, atrium_stats_page_refresh, self);
  if (self->sites->len == 0)
    {
      show_status (self, error);
      atrium_chart_clear (self->day_chart, _("There is no library to show."));
      atrium_chart_clear (self->heat_chart, NULL);
      atrium_chart_clear (self->bookings_chart, NULL);
      atrium_chart_clear (self->no_show_chart, NULL);
      return;
    }
  atrium_stats_page_refresh (self);
}

/* ---- exports ------------------------------------------------------------------------- */

static const struct
{
  const char *name;
  const char *title;
} table_titles[] = {
  { "bookings", N_("Bookings") },
  { "occupancy", N_("Occupancy counts") },
  { "users", N_("User accounts") },
  { "audit", N_("Audit log") },
};

static void
set_exporting (AtriumStatsPage *self,
               gboolean         exporting)
{
  gtk_widget_set_visible (GTK_WIDGET (self->export_progress), exporting);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), exporting);
  gtk_widget_set_visible (GTK_WIDGET (self->export_label), !exporting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_button), !exporting);
}

static void
export_progress (goffset  received,
                 goffset  total,
                 gpointer user_data)
{
  AtriumStatsPage *self = user_data;
  g_autofree char *size = g_format_size ((guint64) received);
  /* TRANSLATORS: an export's progress, "1.2 MB received" */
  g_autofree char *text = g_strdup_printf (_("%s received"), size);

  if (self->disposed)
    return;
  if (total > 0)
    gtk_progress_bar_set_fraction (self->export_progress, CLAMP ((double) received / total,
                                                                 0, 1));
  else
    gtk_progress_bar_pulse (self->export_progress);
  gtk_progress_bar_set_text (self->export_progress, text);
}

static void
export_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumStatsPage *self = user_data;
  g_autoptr(GFile) file = g_steal_pointer (&self->export_file);
  g_autoptr(GError) error = NULL;
  goffset written = atrium_transfer_finish (result, &error);

  g_clear_object (&self->export_cancellable);
  g_clear_pointer (&self->export_error, g_free);
  if (self->disposed)
    {
      g_object_unref (self);
      return;
    }
  set_exporting (self, FALSE);
  if (written >= 0)
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *size = g_format_size ((guint64) written);
      /* TRANSLATORS: "Saved atrium-bookings.xlsx (12 kB)" */
      g_autofree char *text = g_strdup_printf (_("Saved %s (%s)"), name, size);

      gtk_label_set_text (self->export_label, text);
      gtk_widget_remove_css_class (GTK_WIDGET (self->export_label), "error");
      atrium_toast (GTK_WIDGET (self), text);
    }
  else
    {
      if (cancelled (error))
        self->export_error = g_strdup (_("The export was cancelled; nothing was saved."));
      else if (g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_FORBIDDEN))
        self->export_error = g_strdup (_("Your account may not export this data; nothing "
                                         "was saved."));
      else
        {
          g_autofree char *why = atrium_ui_error_text (error);

          /* TRANSLATORS: %s is the reason, a sentence */
          self->export_error = g_strdup_printf (_("The export failed; nothing was saved. %s"),
                                                why);
        }
      gtk_label_set_text (self->export_label, self->export_error);
      gtk_widget_add_css_class (GTK_WIDGET (self->export_label), "error");
    }
  g_object_unref (self);
}

void
atrium_stats_page_export_to (AtriumStatsPage *self,
                             const char      *table,
                             const char      *format,
                             GFile           *file)
{
  g_autoptr(GDateTime) from = NULL;
  g_autoptr(GDateTime) to = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  const Site *site;

  g_return_if_fail (ATRIUM_IS_STATS_PAGE (self));
  g_return_if_fail (table != NULL && format != NULL && G_IS_FILE (file));
  g_return_if_fail (self->api != NULL && self->export_cancellable == NULL);

  /* The period's weeks at the chosen site (or here, before the sites are known). */
  site = current_site (self);
  tz = site != NULL ? g_time_zone_ref (site->tz) : g_time_zone_new_local ();
  period_bounds (self, tz, &from, &to);
  from_text = g_date_time_format (from, "%Y-%m-%dT%H:%M:%S%:z");
  to_text = g_date_time_format (to, "%Y-%m-%dT%H:%M:%S%:z");
  path = export_path (table, format, from_text, to_text);

  self->export_cancellable = g_cancellable_new ();
  g_set_object (&self->export_file, file);
  g_clear_pointer (&self->export_error, g_free);
  gtk_progress_bar_set_fraction (self->export_progress, 0);
  gtk_progress_bar_set_text (self->export_progress, _("Waiting for the server…"));
  set_exporting (self, TRUE);
  atrium_transfer_to_file_async (self->session, self->api, path, file, export_progress, self,
                                 self->export_cancellable, export_done, g_object_ref (self));
}

void
atrium_stats_page_cancel_export (AtriumStatsPage *self)
{
  g_return_if_fail (ATRIUM_IS_STATS_PAGE (self));

  g_cancellable_cancel (self->export_cancellable);
}

static void
cancel_export (AtriumStatsPage *self)
{
  atrium_stats_page_cancel_export (self);
}

static const char *
chosen_table (AtriumStatsPage *self)
{
  guint i = adw_combo_row_get_selected (self->table_row);

  return i < self->tables->len ? self->tables->pdata[i] : NULL;
}

static const char *
chosen_format (AtriumStatsPage *self)
{
  return adw_combo_row_get_selected (self->format_row) == 1 ? "xlsx" : "csv";
}

static void
chooser_response (AtriumStatsPage *self,
                  int              response)
{
  g_autoptr(GFile) file = atrium_widget_chosen_file (self->chooser, response);

  atrium_widget_close_chooser (&self->chooser, self);
  if (file != NULL && chosen_table (self) != NULL)
    atrium_stats_page_export_to (self, chosen_table (self), chosen_format (self), file);
}

static void
export_clicked (AtriumStatsPage *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *name = NULL;

  if (chosen_table (self) == NULL || self->chooser != NULL || self->export_cancellable != NULL)
    return;
  name = g_strdup_printf ("atrium-%s-%s.%s", chosen_table (self), date, chosen_format (self));
  self->chooser = atrium_widget_save_chooser (GTK_WIDGET (self), _("Export"), name,
                                              G_CALLBACK (chooser_response), self);
}

/* ---- the page ------------------------------------------------------------------------ */

void
atrium_stats_page_set_data (AtriumStatsPage    *self,
                            AtriumApi          *api,
                            SoupSession        *session,
                            const gint64       *sites,
                            guint               n_sites,
                            const char * const *tables)
{
  g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);

  g_return_if_fail (ATRIUM_IS_STATS_PAGE (self));
  g_return_if_fail (ATRIUM_IS_API (api));
  g_return_if_fail (SOUP_IS_SESSION (session));

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->sites_cancellable);
  g_clear_object (&self->sites_cancellable);
  self->sites_cancellable = g_cancellable_new ();
  self->sites_pending = TRUE;
  g_set_object (&self->api, api);
  g_set_object (&self->session, session);
  g_array_set_size (self->wanted, 0);
  g_array_append_vals (self->wanted, sites, n_sites);

  g_ptr_array_set_size (self->tables, 0);
  for (guint i = 0; tables != NULL && tables[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (table_titles); j++)
      if (g_str_equal (tables[i], table_titles[j].name))
        {
          g_ptr_array_add (self->tables, g_strdup (tables[i]));
          gtk_string_list_append (titles, _(table_titles[j].title));
        }
  adw_combo_row_set_model (self->table_row, G_LIST_MODEL (titles));
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_button), self->tables->len > 0 &&
                            self->export_cancellable == NULL);
  atrium_api_get_sites_async (api, self->sites_cancellable, sites_read, self);
}

/* The signed-in user's view: a manager's sites, or every site for reporting and admin;
 * the exports their roles allow (DESIGN.md §3; the server has the last word). */
void
atrium_stats_page_set_user (AtriumStatsPage   *self,
                            AtriumApplication *app)
{
  static const char * const everything[] = { "bookings", "occupancy", "users", "audit", NULL };
  static const char * const site_tables[] = { "bookings", "occupancy", NULL };
  gboolean global = atrium_application_has_role (app, "reporting") ||
                    atrium_application_has_role (app, "admin");
  g_autoptr(GArray) managed = atrium_application_get_role_sites (app, "manager");
  g_autoptr(SoupSession) session = NULL;

  g_return_if_fail (ATRIUM_IS_STATS_PAGE (self));

  session = self->session != NULL ? g_object_ref (self->session)
                                  : atrium_application_new_session (app);
  atrium_stats_page_set_data (self, atrium_application_get_api (app), session,
                              global ? NULL : (const gint64 *) (gpointer) managed->data,
                              global ? 0 : managed->len,
                              atrium_application_has_role (app, "admin") ? everything
                                                                         : site_tables);
}

AtriumChart *
atrium_stats_page_get_chart (AtriumStatsPage *self,
                             const char      *name)
{
  g_return_val_if_fail (ATRIUM_IS_STATS_PAGE (self), NULL);

  if (g_strcmp0 (name, "day") == 0)
    return self->day_chart;
  if (g_strcmp0 (name, "popular") == 0)
    return self->heat_chart;
  if (g_strcmp0 (name, "bookings") == 0)
    return self->bookings_chart;
  if (g_strcmp0 (name, "no-shows") == 0)
    return self->no_show_chart;
  return NULL;
}

gboolean
atrium_stats_page_get_loading (AtriumStatsPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_STATS_PAGE (self), FALSE);

  return self->sites_pending || self->pending > 0;
}

gboolean
atrium_stats_page_get_exporting (AtriumStatsPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_STATS_PAGE (self), FALSE);

  return self->export_cancellable != NULL;
}

const char *
atrium_stats_page_get_export_error (AtriumStatsPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_STATS_PAGE (self), NULL);

  return self->export_error;
}

static void
atrium_stats_page_dispose (GObject *object)
{
  AtriumStatsPage *self = ATRIUM_STATS_PAGE (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->sites_cancellable);
  g_clear_object (&self->sites_cancellable);
  g_cancellable_cancel (self->export_cancellable);
  atrium_widget_close_chooser (&self->chooser, self);
  atrium_widget_dispose_children (GTK_WIDGET (self), ATRIUM_TYPE_STATS_PAGE);
  g_clear_object (&self->api);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (atrium_stats_page_parent_class)->dispose (object);
}

static void
atrium_stats_page_finalize (GObject *object)
{
  AtriumStatsPage *self = ATRIUM_STATS_PAGE (object);

  g_array_unref (self->wanted);
  g_array_unref (self->sites);
  g_ptr_array_unref (self->tables);
  g_clear_pointer (&self->day, g_date_time_unref);
  g_free (self->export_error);
  G_OBJECT_CLASS (atrium_stats_page_parent_class)->finalize (object);
}

static void
atrium_stats_page_class_init (AtriumStatsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_stats_page_dispose;
  object_class->finalize = atrium_stats_page_finalize;
  g_type_ensure (ATRIUM_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-stats-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, site_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, period_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, compare_switch);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, day_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, calendar);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, day_chart);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, heat_chart);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, bookings_chart);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, no_show_chart);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, table_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, format_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, export_progress);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, export_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumStatsPage, export_button);
  gtk_widget_class_bind_template_callback (widget_class, atrium_stats_page_refresh);
  gtk_widget_class_bind_template_callback (widget_class, day_selected);
  gtk_widget_class_bind_template_callback (widget_class, cancel_export);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
atrium_stats_page_init (AtriumStatsPage *self)
{
  self->wanted = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->sites = g_array_new (FALSE, TRUE, sizeof (Site));
  g_array_set_clear_func (self->sites, site_clear);
  self->tables = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  atrium_chart_set_kind (self->day_chart, ATRIUM_CHART_BARS);
  atrium_chart_set_unit (self->day_chart, ATRIUM_CHART_UNIT_PEOPLE);
  atrium_chart_set_kind (self->heat_chart, ATRIUM_CHART_HEAT_MAP);
  atrium_chart_set_unit (self->heat_chart, ATRIUM_CHART_UNIT_PEOPLE);
  atrium_chart_set_kind (self->bookings_chart, ATRIUM_CHART_BARS);
  atrium_chart_set_unit (self->bookings_chart, ATRIUM_CHART_UNIT_COUNT);
  atrium_chart_set_kind (self->no_show_chart, ATRIUM_CHART_LINE);
  atrium_chart_set_unit (self->no_show_chart, ATRIUM_CHART_UNIT_PERCENT);
  for (guint i = 0; i < 4; i++)
    atrium_chart_clear (atrium_stats_page_get_chart (self, (const char *[]) {
                          "day", "popular", "bookings", "no-shows" }[i]), _("Loading…"));
}

GtkWidget *
atrium_stats_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_STATS_PAGE, NULL);
}
