/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * A chart drawn by the app: bars or a line over labelled buckets, with an optional
 * comparison series drawn differently (outlined bars, a dashed line) and named in a
 * legend; or a heat map of rows × columns whose cells also carry their values. A
 * missing value (NAN) is no data, drawn as a gap, never as zero. Screen readers get the
 * chart's label (set by its page) and a description summarising the data.
 */

typedef enum
{
  ATRIUM_CHART_BARS,
  ATRIUM_CHART_LINE,
  ATRIUM_CHART_HEAT_MAP,
} AtriumChartKind;

typedef enum
{
  ATRIUM_CHART_UNIT_PEOPLE,     /* "12 people" */
  ATRIUM_CHART_UNIT_COUNT,      /* "12" */
  ATRIUM_CHART_UNIT_PERCENT,    /* "12 %" */
} AtriumChartUnit;

#define ATRIUM_TYPE_CHART (atrium_chart_get_type ())
G_DECLARE_FINAL_TYPE (AtriumChart, atrium_chart, ATRIUM, CHART, GtkWidget)

GtkWidget *atrium_chart_new            (void);
void       atrium_chart_set_kind       (AtriumChart        *self,
                                        AtriumChartKind     kind);
void       atrium_chart_set_unit       (AtriumChart        *self,
                                        AtriumChartUnit     unit);
/* The legend's names of the two series (the comparison's only shown with one). */
void       atrium_chart_set_legend     (AtriumChart        *self,
                                        const char         *current,
                                        const char         *compared);
/* Bars or line: @n buckets named by @labels; @compared (nullable) has @n values too. */
void       atrium_chart_set_series     (AtriumChart        *self,
                                        const char * const *labels,
                                        const double       *values,
                                        const double       *compared,
                                        guint               n);
/* Heat map: @values has @n_rows × @n_columns values, row after row. */
void       atrium_chart_set_heat_map   (AtriumChart        *self,
                                        const char * const *row_labels,
                                        guint               n_rows,
                                        const char * const *column_labels,
                                        guint               n_columns,
                                        const double       *values);
/* Forgets the data; @text (nullable) is drawn instead ("No data for this day"). */
void       atrium_chart_clear          (AtriumChart        *self,
                                        const char         *text);

/* For tests: values with data (comparison excluded), their maximum (0 without data),
 * and the summary given to screen readers. */
guint      atrium_chart_get_n_points   (AtriumChart        *self);
double     atrium_chart_get_max        (AtriumChart        *self);
const char *atrium_chart_get_summary   (AtriumChart        *self);

G_END_DECLS
