/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A manager's statistics and exports, driven through the real widgets against the
 * app's real embedded demo backend: the charts drawn from the demo's history, an XLSX
 * export checked by unzipping it, a CSV export read back by Python's csv module, a
 * refused export and a cancelled one that leave nothing behind.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "atrium-application.h"
#include "atrium-chart.h"
#include "atrium-occupancy-page.h"
#include "atrium-stats-page.h"
#include "atrium-ui-test.h"

static AtriumApplication *the_app;
static char *work_dir;

static void
start_app (void)
{
  g_autoptr(GError) error = NULL;

  if (the_app != NULL)
    return;
  work_dir = g_dir_make_tmp ("atrium-ui-stats-XXXXXX", &error);
  g_assert_no_error (error);
  the_app = atrium_ui_test_start_demo (NULL);
}

static AtriumStatsPage *
open_statistics (void)
{
  AtriumWindow *win = atrium_ui_test_window ();
  AdwViewStack *stack = atrium_window_get_view_stack (win);

  g_assert_true (adw_view_stack_page_get_visible (adw_view_stack_get_page (
    stack, adw_view_stack_get_child_by_name (stack, "statistics"))));
  adw_view_stack_set_visible_child_name (stack, "statistics");
  return ATRIUM_STATS_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (win),
                                                        ATRIUM_TYPE_STATS_PAGE));
}

static gboolean
loaded (gpointer data)
{
  return !atrium_stats_page_get_loading (data);
}

/* The answers read, and the charts laid out with their data. */
static void
wait_loaded (AtriumStatsPage *page)
{
  atrium_ui_test_spin_until (loaded, page, 60);
  atrium_ui_test_spin_for (300);
}

static void
assert_drawn (AtriumStatsPage *page,
              const char      *name,
              guint            min_points)
{
  AtriumChart *chart = atrium_stats_page_get_chart (page, name);

  g_test_message ("%s: %u points, max %.1f; %s", name, atrium_chart_get_n_points (chart),
                  atrium_chart_get_max (chart), atrium_chart_get_summary (chart));
  g_assert_cmpuint (atrium_chart_get_n_points (chart), >=, min_points);
  g_assert_cmpfloat (atrium_chart_get_max (chart), >, 0);
  g_assert_true (g_str_has_prefix (atrium_chart_get_summary (chart), "Highest: "));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (chart)));
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (chart)), >, 100);
}

/* A screenshot of the page's top, and one scrolled to its end. */
static void
screenshots (AtriumStatsPage *page,
             const char      *name)
{
  GtkScrolledWindow *scrolled = GTK_SCROLLED_WINDOW (atrium_ui_test_find_widget (
    GTK_WIDGET (page), GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scrolled);
  g_autofree char *top = g_strdup_printf ("%s.png", name);
  g_autofree char *end = g_strdup_printf ("%s-end.png", name);

  gtk_adjustment_set_value (adjustment, 0);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()), top);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()), end);
  gtk_adjustment_set_value (adjustment, 0);
}

/* The drop-down whose model offers "Last 8 weeks". */
static GtkDropDown *
period_dropdown (GtkWidget *root)
{
  GListModel *model = GTK_IS_DROP_DOWN (root) ? gtk_drop_down_get_model (GTK_DROP_DOWN (root))
                                              : NULL;

  if (GTK_IS_STRING_LIST (model) && g_list_model_get_n_items (model) == 3 &&
      g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), 2), "Last 8 weeks"))
    return GTK_DROP_DOWN (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkDropDown *found = period_dropdown (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
forecast_drawn (gpointer data)
{
  return atrium_chart_get_n_points (data) > 0;
}

/* Gaps are no data, not zeros; the summary names the highest value and where. */
static void
test_chart_data (void)
{
  AtriumChart *chart;
  const char *hours[] = { "09:00", "10:00", "11:00", "12:00" };
  const double values[] = { 12, NAN, 40.4, 0 };
  const double compared[] = { NAN, 50, 3, 1 };
  const char *days[] = { "Monday", "Tuesday" };
  const double cells[] = { 1, 2, NAN, 3, 87, NAN, NAN, 0 };

  start_app ();   /* GTK and its style manager */
  chart = ATRIUM_CHART (g_object_ref_sink (atrium_chart_new ()));
  atrium_chart_set_unit (chart, ATRIUM_CHART_UNIT_PEOPLE);
  atrium_chart_set_series (chart, hours, values, NULL, 4);
  g_assert_cmpuint (atrium_chart_get_n_points (chart), ==, 3);
  g_assert_cmpfloat (atrium_chart_get_max (chart), ==, 40.4);
  g_assert_cmpstr (atrium_chart_get_summary (chart), ==, "Highest: 11:00, 40 people");
  atrium_chart_set_series (chart, hours, values, compared, 4);
  g_assert_cmpstr (atrium_chart_get_summary (chart), ==,
                   "Highest: 11:00, 40 people; highest of the comparison period: 50 people");

  /* Another kind forgets the data of the first. */
  atrium_chart_set_kind (chart, ATRIUM_CHART_HEAT_MAP);
  g_assert_cmpuint (atrium_chart_get_n_points (chart), ==, 0);
  atrium_chart_set_heat_map (chart, days, 2, hours, 4, cells);
  g_assert_cmpuint (atrium_chart_get_n_points (chart), ==, 5);
  g_assert_cmpstr (atrium_chart_get_summary (chart), ==, "Highest: Tuesday 09:00, 87 people");

  atrium_chart_clear (chart, "No data for this day.");
  g_assert_cmpuint (atrium_chart_get_n_points (chart), ==, 0);
  g_assert_cmpfloat (atrium_chart_get_max (chart), ==, 0);
  g_assert_cmpstr (atrium_chart_get_summary (chart), ==, "No data for this day.");
  g_object_unref (chart);
}

/* Today's expected occupancy on the occupancy page, from the demo's eight weeks. */
static void
test_forecast (void)
{
  AtriumWindow *win;
  AtriumOccupancyPage *occupancy;
  AtriumChart *chart;

  start_app ();
  atrium_ui_test_sign_in ("demo-patron", FALSE);
  win = atrium_ui_test_window ();
  adw_view_stack_set_visible_child_name (atrium_window_get_view_stack (win), "occupancy");
  occupancy = ATRIUM_OCCUPANCY_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (win),
                                                                 ATRIUM_TYPE_OCCUPANCY_PAGE));
  chart = atrium_occupancy_page_get_forecast_chart (occupancy);
  atrium_ui_test_spin_until (forecast_drawn, chart, 60);
  /* The Science Library, open day and night: every half hour of today has a forecast. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (atrium_ui_test_find_widget (
    GTK_WIDGET (occupancy), GTK_TYPE_DROP_DOWN)), 1);
  atrium_chart_clear (chart, NULL);
  atrium_ui_test_spin_until (forecast_drawn, chart, 60);
  atrium_ui_test_spin_for (300);
  g_test_message ("forecast: %u points, max %.1f; %s", atrium_chart_get_n_points (chart),
                  atrium_chart_get_max (chart), atrium_chart_get_summary (chart));
  g_assert_cmpuint (atrium_chart_get_n_points (chart), >=, 46);
  g_assert_cmpfloat (atrium_chart_get_max (chart), >, 0);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (chart)));
  atrium_ui_test_save_screenshot (GTK_WIDGET (win), "occupancy-forecast.png");
  atrium_ui_test_sign_out ();
}

/* The manager's statistics of the demo's first library, light and dark. */
static void
test_charts (void)
{
  AtriumStatsPage *page;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);
  GtkWidget *compare;

  start_app ();
  atrium_ui_test_sign_in ("demo-manager", TRUE);
  page = open_statistics ();
  /* A whole day of the demo's history, whatever the hour the test runs. */
  atrium_stats_page_set_day (page, g_date_time_get_year (yesterday),
                             g_date_time_get_month (yesterday),
                             g_date_time_get_day_of_month (yesterday));
  wait_loaded (page);
  /* Opening hours of a day, every weekday of the week so far. */
  assert_drawn (page, "day", 6);
  assert_drawn (page, "popular", 1);
  screenshots (page, "stats-week");

  /* Eight weeks against the eight before: every weekday has its hours. */
  compare = atrium_ui_test_find_widget (GTK_WIDGET (page), GTK_TYPE_SWITCH);
  gtk_switch_set_active (GTK_SWITCH (compare), TRUE);
  gtk_drop_down_set_selected (period_dropdown (GTK_WIDGET (page)), 2);
  wait_loaded (page);
  assert_drawn (page, "day", 6);
  assert_drawn (page, "popular", 7 * 6);
  /* The demo's past bookings: eight weeks of them, and no-shows among those over. */
  assert_drawn (page, "bookings", 8);
  assert_drawn (page, "no-shows", 7);
  g_assert_cmpfloat (atrium_chart_get_max (atrium_stats_page_get_chart (page, "no-shows")),
                     <=, 100);
  g_assert_nonnull (strstr (atrium_chart_get_summary (atrium_stats_page_get_chart (page, "day")),
                            "comparison period"));
  screenshots (page, "stats-8-weeks");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  atrium_ui_test_spin_for (300);
  screenshots (page, "stats-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
export_over (gpointer data)
{
  return !atrium_stats_page_get_exporting (data);
}

/* Runs a program and answers its standard output; fails the test if it fails. */
static char *
run (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s: %s", argv[0], err);
  return out;
}

/* Nothing but the files named stays in the work folder (no temporary file). */
static void
assert_only (const char *name)
{
  g_autoptr(GDir) dir = g_dir_open (work_dir, 0, NULL);
  const char *entry;

  while ((entry = g_dir_read_name (dir)) != NULL)
    g_assert_true (name != NULL && strstr (name, entry) != NULL);
}

static void
export (AtriumStatsPage *page,
        const char      *table,
        const char      *format,
        GFile           *file)
{
  atrium_stats_page_export_to (page, table, format, file);
  g_assert_true (atrium_stats_page_get_exporting (page));
  atrium_ui_test_spin_until (export_over, page, 60);
}

static void
test_exports (void)
{
  AtriumStatsPage *page;
  g_autofree char *xlsx_path = g_build_filename (work_dir, "bookings.xlsx", NULL);
  g_autofree char *csv_path = g_build_filename (work_dir, "occupancy.csv", NULL);
  g_autofree char *denied_path = g_build_filename (work_dir, "audit.csv", NULL);
  g_autoptr(GFile) xlsx = g_file_new_for_path (xlsx_path);
  g_autoptr(GFile) csv = g_file_new_for_path (csv_path);
  g_autoptr(GFile) denied = g_file_new_for_path (denied_path);
  g_autofree char *sheet = NULL;
  g_autofree char *parsed = NULL;
  g_autofree char *both = NULL;
  g_auto(GStrv) lines = NULL;
  static const char * const columns[] = { "id", "site_id", "site", "resource_id", "resource",
                                          "resource_type", "starts", "ends", "status" };
  const char *header;

  start_app ();
  page = open_statistics ();
  wait_loaded (page);

  /* A workbook: its first sheet starts with the bookings' header row. */
  export (page, "bookings", "xlsx", xlsx);
  g_assert_null (atrium_stats_page_get_export_error (page));
  g_free (run ((const char *[]) { "unzip", "-tq", xlsx_path, NULL }));
  sheet = run ((const char *[]) { "unzip", "-p", xlsx_path, "xl/worksheets/sheet1.xml", NULL });
  header = strstr (sheet, "<row r=\"1\"");
  g_assert_nonnull (header);
  /* Inline strings (libxlsxwriter's constant-memory mode), the columns in order. */
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      g_autofree char *cell = g_strdup_printf ("<t>%s</t>", columns[i]);

      header = strstr (header, cell);
      g_assert_nonnull (header);
    }
  /* ...all within the first row. */
  g_assert_true (header < strstr (strstr (sheet, "<row r=\"1\""), "</row>"));
  screenshots (page, "stats-exported");

  /* CSV read back by a real parser: a header row and one row per bucket. */
  export (page, "occupancy", "csv", csv);
  g_assert_null (atrium_stats_page_get_export_error (page));
  parsed = run ((const char *[]) { "python3", "-c",
                                   "import csv, sys\n"
                                   "rows = list(csv.reader(open(sys.argv[1], newline='')))\n"
                                   "assert all(len(r) == len(rows[0]) for r in rows)\n"
                                   "print(','.join(rows[0]))\n"
                                   "print(len(rows) - 1)\n", csv_path, NULL });
  lines = g_strsplit (parsed, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "site_id,site,kind,target_id,target,capacity,"
                                   "start,entries"));
  g_assert_cmpint (g_ascii_strtoll (lines[1], NULL, 10), >, 100);

  /* The audit log is the administrator's: the server's 403 in words, no file. */
  export (page, "audit", "csv", denied);
  g_assert_nonnull (atrium_stats_page_get_export_error (page));
  g_assert_nonnull (strstr (atrium_stats_page_get_export_error (page), "may not export"));
  g_assert_false (g_file_query_exists (denied, NULL));
  screenshots (page, "stats-refused");

  /* Cancelled at once: the earlier file stays as it was, no temporary file is left. */
  atrium_stats_page_export_to (page, "bookings", "csv", xlsx);
  atrium_stats_page_cancel_export (page);
  atrium_ui_test_spin_until (export_over, page, 60);
  g_assert_nonnull (strstr (atrium_stats_page_get_export_error (page), "cancelled"));
  {
    g_autofree char *again = run ((const char *[]) { "unzip", "-p", xlsx_path,
                                                     "xl/worksheets/sheet1.xml", NULL });

    g_assert_cmpstr (again, ==, sheet);
  }
  both = g_strconcat ("bookings.xlsx occupancy.csv", NULL);
  assert_only (both);
  atrium_ui_test_sign_out ();
}

/* Reporting is global: every library, and the statistics page without staff's day. */
static void
test_reporting (void)
{
  AtriumStatsPage *page;
  GtkDropDown *sites;
  AdwViewStack *stack;

  start_app ();
  atrium_ui_test_sign_in ("demo-reporting", TRUE);
  stack = atrium_window_get_view_stack (atrium_ui_test_window ());
  g_assert_false (adw_view_stack_page_get_visible (adw_view_stack_get_page (
    stack, adw_view_stack_get_child_by_name (stack, "today"))));
  page = open_statistics ();
  wait_loaded (page);
  sites = GTK_DROP_DOWN (atrium_ui_test_find_widget (GTK_WIDGET (page), GTK_TYPE_DROP_DOWN));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (sites)), ==, 2);
  gtk_drop_down_set_selected (sites, 1);
  wait_loaded (page);
  assert_drawn (page, "popular", 7);
  atrium_ui_test_sign_out ();
}

int
main (int    argc,
      char **argv)
{
  int status;

  atrium_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui-stats/chart-data", test_chart_data);
  g_test_add_func ("/ui-stats/forecast", test_forecast);
  g_test_add_func ("/ui-stats/charts", test_charts);
  g_test_add_func ("/ui-stats/exports", test_exports);
  g_test_add_func ("/ui-stats/reporting", test_reporting);

  status = g_test_run ();
  atrium_ui_test_quit (&the_app);
  if (work_dir != NULL)
    {
      const char *names[] = { "bookings.xlsx", "occupancy.csv", NULL };

      for (guint i = 0; names[i] != NULL; i++)
        {
          g_autofree char *path = g_build_filename (work_dir, names[i], NULL);

          g_unlink (path);
        }
      g_rmdir (work_dir);
      g_free (work_dir);
    }
  return status;
}
