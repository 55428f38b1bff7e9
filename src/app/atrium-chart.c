/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-chart.h"

#include <math.h>
#include <adwaita.h>
#include <glib/gi18n.h>

struct _AtriumChart
{
  GtkWidget parent_instance;

  AtriumChartKind kind;
  AtriumChartUnit unit;
  GPtrArray *labels;        /* x buckets, or the heat map's columns */
  GPtrArray *row_labels;    /* the heat map's rows */
  GArray    *values;        /* double, NAN: no data */
  GArray    *compared;      /* double; empty: no comparison */
  char      *legend_current;
  char      *legend_compared;
  char      *empty_text;
  char      *summary;
  gulong     dark_id;
};

G_DEFINE_FINAL_TYPE (AtriumChart, atrium_chart, GTK_TYPE_WIDGET)

#define PAD 6.0
#define LEGEND_HEIGHT 22.0
#define AXIS_WIDTH 44.0
#define LABEL_HEIGHT 20.0

static char *
format_value (AtriumChart *self,
              double       value)
{
  gulong rounded = (gulong) MAX (0, round (value));

  switch (self->unit)
    {
    case ATRIUM_CHART_UNIT_PEOPLE:
      /* TRANSLATORS: an occupancy in a chart's summary */
      return g_strdup_printf (ngettext ("%lu person", "%lu people", rounded), rounded);
    case ATRIUM_CHART_UNIT_PERCENT:
      /* TRANSLATORS: a rate in a chart, "12 %" */
      return g_strdup_printf (_("%lu %%"), rounded);
    case ATRIUM_CHART_UNIT_COUNT:
    default:
      return g_strdup_printf ("%lu", rounded);
    }
}

/* The short form written on axes and cells: the number alone (with % for rates). */
static char *
format_short (AtriumChart *self,
              double       value)
{
  if (self->unit == ATRIUM_CHART_UNIT_PERCENT)
    return format_value (self, value);
  return g_strdup_printf ("%.0f", MAX (0, round (value)));
}

static double
max_of (GArray *values)
{
  double max = 0;

  for (guint i = 0; i < values->len; i++)
    if (!isnan (g_array_index (values, double, i)))
      max = MAX (max, g_array_index (values, double, i));
  return max;
}

/* A round number at or above @max for the axis. */
static double
axis_top (double max)
{
  double step;

  if (max <= 0)
    return 1;
  step = pow (10, floor (log10 (max)));
  for (guint i = 0; i < 4; i++)
    {
      static const double factors[] = { 1, 2, 5, 10 };

      if (step * factors[i] >= max)
        return step * factors[i];
    }
  return step * 10;
}

/* The bucket or cell with the highest value: its index, or -1. */
static int
busiest (AtriumChart *self)
{
  int best = -1;

  for (guint i = 0; i < self->values->len; i++)
    {
      double v = g_array_index (self->values, double, i);

      if (!isnan (v) && (best < 0 || v > g_array_index (self->values, double, best)))
        best = (int) i;
    }
  return best;
}

static void
update_summary (AtriumChart *self)
{
  int best = busiest (self);
  g_autofree char *value = NULL;
  g_autofree char *where = NULL;

  g_clear_pointer (&self->summary, g_free);
  if (best < 0)
    self->summary = g_strdup (self->empty_text != NULL ? self->empty_text : _("No data"));
  else
    {
      value = format_value (self, g_array_index (self->values, double, best));
      if (self->kind == ATRIUM_CHART_HEAT_MAP)
        {
          guint columns = self->labels->len;

          /* TRANSLATORS: a heat map's cell: "Tuesday 15:00" */
          where = g_strdup_printf (C_("heat map cell", "%s %s"),
                                   (char *) self->row_labels->pdata[best / columns],
                                   (char *) self->labels->pdata[best % columns]);
        }
      else
        where = g_strdup (self->labels->pdata[best]);
      /* TRANSLATORS: a chart's summary for screen readers: "Highest: Tuesday 15:00,
       * 87 people" */
      self->summary = g_strdup_printf (_("Highest: %s, %s"), where, value);
      if (self->compared->len > 0 && max_of (self->compared) > 0)
        {
          g_autofree char *compared = format_value (self, max_of (self->compared));
          char *longer;

          /* TRANSLATORS: appended to a chart's summary */
          longer = g_strdup_printf (_("%s; highest of the comparison period: %s"),
                                    self->summary, compared);
          g_free (self->summary);
          self->summary = longer;
        }
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->summary, -1);
}

static void
changed (AtriumChart *self)
{
  update_summary (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- drawing ------------------------------------------------------------------------- */

typedef struct
{
  GdkRGBA fg;
  GdkRGBA accent;
  GdkRGBA accent_bg;
  GdkRGBA accent_fg;
} Colours;

static void
lookup (GtkWidget  *widget,
        const char *name,
        GdkRGBA    *colour,
        const char *fallback)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, colour))
    gdk_rgba_parse (colour, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
get_colours (GtkWidget *widget,
             Colours   *colours)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &colours->fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  lookup (widget, "accent_color", &colours->accent, "#1c71d8");
  lookup (widget, "accent_bg_color", &colours->accent_bg, "#3584e4");
  lookup (widget, "accent_fg_color", &colours->accent_fg, "#ffffff");
}

static void
set_source (cairo_t       *cr,
            const GdkRGBA *colour,
            double         alpha)
{
  cairo_set_source_rgba (cr, colour->red, colour->green, colour->blue, colour->alpha * alpha);
}

/* Text with its top-left corner, or its centre (@centred), at x, y; answers its width. */
static int
draw_text (GtkWidget  *widget,
           cairo_t    *cr,
           const char *text,
           double      x,
           double      y,
           gboolean    centred)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  if (centred)
    cairo_move_to (cr, x - width / 2.0, y - height / 2.0);
  else
    cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  return width;
}

static int
text_width (GtkWidget  *widget,
            const char *text)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int width;

  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

/* The legend: a filled swatch (or a solid line) for the period, an outlined one (or a
 * dashed line) for the comparison. */
static void
draw_legend (AtriumChart   *self,
             cairo_t       *cr,
             const Colours *colours)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean line = self->kind == ATRIUM_CHART_LINE;
  double x = AXIS_WIDTH;
  double y = PAD + 4;

  for (guint i = 0; i < (self->compared->len > 0 ? 2u : 1u); i++)
    {
      const char *name = i == 0 ? self->legend_current : self->legend_compared;

      if (name == NULL)
        continue;
      if (line)
        {
          cairo_set_line_width (cr, 2);
          cairo_set_dash (cr, (double[]) { 4, 3 }, i == 0 ? 0 : 2, 0);
          set_source (cr, i == 0 ? &colours->accent : &colours->fg, i == 0 ? 1 : 0.6);
          cairo_move_to (cr, x, y + 6);
          cairo_line_to (cr, x + 14, y + 6);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
        }
      else if (i == 0)
        {
          set_source (cr, &colours->accent_bg, 1);
          cairo_rectangle (cr, x, y, 12, 12);
          cairo_fill (cr);
        }
      else
        {
          cairo_set_line_width (cr, 1.5);
          set_source (cr, &colours->fg, 0.6);
          cairo_rectangle (cr, x + 0.75, y + 0.75, 10.5, 10.5);
          cairo_stroke (cr);
        }
      set_source (cr, &colours->fg, 0.8);
      x += 18 + draw_text (widget, cr, name, x + 18, y - 2, FALSE) + 18;
    }
}

static void
draw_series (AtriumChart   *self,
             cairo_t       *cr,
             const Colours *colours,
             double         width,
             double         height)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint n = self->values->len;
  gboolean with_compared = self->compared->len == n;
  double top = axis_top (MAX (max_of (self->values), with_compared ? max_of (self->compared)
                                                                     : 0));
  double x0 = AXIS_WIDTH, x1 = width - PAD;
  double y0 = PAD + LEGEND_HEIGHT, y1 = height - LABEL_HEIGHT - PAD;
  double slot = (x1 - x0) / MAX (n, 1);
  guint every = 1;

  if (y1 - y0 < 10 || n == 0)
    return;
  draw_legend (self, cr, colours);

  /* The axis: lines at 0, half and the top, with their values. */
  cairo_set_line_width (cr, 1);
  for (guint i = 0; i <= 2; i++)
    {
      double y = round (y1 - (y1 - y0) * i / 2.0) + 0.5;
      g_autofree char *text = format_short (self, top * i / 2.0);

      set_source (cr, &colours->fg, i == 0 ? 0.5 : 0.15);
      cairo_move_to (cr, x0, y);
      cairo_line_to (cr, x1, y);
      cairo_stroke (cr);
      set_source (cr, &colours->fg, 0.7);
      draw_text (widget, cr, text, x0 - 6 - text_width (widget, text), y - 9, FALSE);
    }

  /* Labels that fit: every one, or every second, third… */
  for (guint i = 0; i < n; i++)
    {
      double needed = text_width (widget, self->labels->pdata[i]) + 8;

      while (needed > slot * every)
        every++;
    }
  set_source (cr, &colours->fg, 0.7);
  for (guint i = 0; i < n; i += every)
    draw_text (widget, cr, self->labels->pdata[i], x0 + slot * (i + 0.5),
               y1 + PAD + LABEL_HEIGHT / 2 - 2, TRUE);

  if (self->kind == ATRIUM_CHART_BARS)
    {
      /* At most 48 px wide, however few the buckets; centred in their slot. */
      double bar = MIN (slot * (with_compared ? 0.35 : 0.7), 48);

      for (guint i = 0; i < n; i++)
        {
          double v = g_array_index (self->values, double, i);
          double left = x0 + slot * (i + 0.5) - (with_compared ? bar : bar / 2);

          if (with_compared && !isnan (g_array_index (self->compared, double, i)))
            {
              double c = g_array_index (self->compared, double, i);
              double h = (y1 - y0) * c / top;

              cairo_set_line_width (cr, 1.5);
              set_source (cr, &colours->fg, 0.6);
              cairo_rectangle (cr, left + bar + 0.75, y1 - h + 0.75, bar - 1.5,
                               MAX (h - 1.5, 0));
              cairo_stroke (cr);
            }
          if (!isnan (v))
            {
              double h = (y1 - y0) * v / top;

              set_source (cr, &colours->accent_bg, 1);
              cairo_rectangle (cr, left, y1 - h, bar, h);
              cairo_fill (cr);
            }
        }
      return;
    }

  /* Lines: the comparison dashed under the period's solid one, with dots on it; a
   * missing value breaks the line. */
  for (int s = with_compared ? 1 : 0; s >= 0; s--)
    {
      GArray *values = s == 0 ? self->values : self->compared;
      gboolean drawing = FALSE;

      cairo_set_line_width (cr, s == 0 ? 2.5 : 1.5);
      cairo_set_dash (cr, (double[]) { 5, 4 }, s == 0 ? 0 : 2, 0);
      set_source (cr, s == 0 ? &colours->accent : &colours->fg, s == 0 ? 1 : 0.6);
      for (guint i = 0; i < n; i++)
        {
          double v = g_array_index (values, double, i);
          double x = x0 + slot * (i + 0.5);

          if (isnan (v))
            {
              drawing = FALSE;
              continue;
            }
          if (drawing)
            cairo_line_to (cr, x, y1 - (y1 - y0) * v / top);
          else
            cairo_move_to (cr, x, y1 - (y1 - y0) * v / top);
          drawing = TRUE;
        }
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      /* Dots on the period's values, rings on the comparison's: a value between two
       * gaps shows too. */
      for (guint i = 0; i < n; i++)
        {
          double v = g_array_index (values, double, i);

          if (isnan (v))
            continue;
          cairo_new_sub_path (cr);
          cairo_arc (cr, x0 + slot * (i + 0.5), y1 - (y1 - y0) * v / top, 3, 0, 2 * G_PI);
          if (s == 0)
            cairo_fill (cr);
          else
            cairo_stroke (cr);
        }
    }
}

static void
draw_heat_map (AtriumChart   *self,
               cairo_t       *cr,
               const Colours *colours,
               double         width,
               double         height)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint columns = self->labels->len;
  guint rows = self->row_labels->len;
  double max = max_of (self->values);
  double x0 = 0, y0 = LABEL_HEIGHT;
  double cell_w = (width - x0 - PAD) / MAX (columns, 1);
  double cell_h = (height - y0 - PAD) / MAX (rows, 1);
  guint every = 1;

  /* The rows' names in a column as wide as the widest. */
  for (guint r = 0; r < rows; r++)
    x0 = MAX (x0, text_width (widget, self->row_labels->pdata[r]));
  x0 += 2 * PAD;
  cell_w = (width - x0 - PAD) / MAX (columns, 1);
  if (columns == 0 || rows == 0 || cell_w < 4 || cell_h < 4)
    return;
  for (guint c = 0; c < columns; c++)
    while (text_width (widget, self->labels->pdata[c]) + 4 > cell_w * every)
      every++;
  set_source (cr, &colours->fg, 0.7);
  for (guint c = 0; c < columns; c += every)
    draw_text (widget, cr, self->labels->pdata[c], x0 + cell_w * (c + 0.5), y0 / 2, TRUE);
  for (guint r = 0; r < rows; r++)
    {
      set_source (cr, &colours->fg, 0.7);
      draw_text (widget, cr, self->row_labels->pdata[r], PAD, y0 + cell_h * r + cell_h / 2 - 9,
                 FALSE);
      for (guint c = 0; c < columns; c++)
        {
          double v = g_array_index (self->values, double, r * columns + c);
          double x = x0 + cell_w * c, y = y0 + cell_h * r;
          double strength = isnan (v) || max <= 0 ? 0 : v / max;
          g_autofree char *text = NULL;

          if (isnan (v))
            {
              /* No data: an outline only. */
              cairo_set_line_width (cr, 1);
              set_source (cr, &colours->fg, 0.12);
              cairo_rectangle (cr, x + 1.5, y + 1.5, cell_w - 3, cell_h - 3);
              cairo_stroke (cr);
              continue;
            }
          set_source (cr, &colours->accent_bg, 0.08 + 0.92 * strength);
          cairo_rectangle (cr, x + 1, y + 1, cell_w - 2, cell_h - 2);
          cairo_fill (cr);
          /* The value itself, wherever it fits: the colour is never the only cue. */
          text = format_short (self, v);
          if (text_width (widget, text) + 2 <= cell_w && cell_h >= 14)
            {
              if (strength > 0.5)
                set_source (cr, &colours->accent_fg, 1);
              else
                set_source (cr, &colours->fg, 0.9);
              draw_text (widget, cr, text, x + cell_w / 2, y + cell_h / 2, TRUE);
            }
        }
    }
}

static void
atrium_chart_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  AtriumChart *self = ATRIUM_CHART (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  Colours colours;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  get_colours (widget, &colours);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (busiest (self) < 0)
    {
      set_source (cr, &colours.fg, 0.55);
      draw_text (widget, cr, self->empty_text != NULL ? self->empty_text : _("No data"),
                 width / 2, height / 2, TRUE);
    }
  else if (self->kind == ATRIUM_CHART_HEAT_MAP)
    draw_heat_map (self, cr, &colours, width, height);
  else
    draw_series (self, cr, &colours, width, height);
  cairo_destroy (cr);
}

static void
atrium_chart_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  AtriumChart *self = ATRIUM_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 640;
    }
  else if (self->kind == ATRIUM_CHART_HEAT_MAP)
    {
      /* In a scrolled page the minimum is what it gets: cells tall enough for text. */
      *minimum = (int) (LABEL_HEIGHT + PAD + 26 * MAX (self->row_labels->len, 1));
      *natural = *minimum;
    }
  else
    {
      *minimum = 200;
      *natural = 220;
    }
}

static void
atrium_chart_dispose (GObject *object)
{
  AtriumChart *self = ATRIUM_CHART (object);

  if (self->dark_id != 0)
    g_clear_signal_handler (&self->dark_id, adw_style_manager_get_default ());
  G_OBJECT_CLASS (atrium_chart_parent_class)->dispose (object);
}

static void
atrium_chart_finalize (GObject *object)
{
  AtriumChart *self = ATRIUM_CHART (object);

  g_ptr_array_unref (self->labels);
  g_ptr_array_unref (self->row_labels);
  g_array_unref (self->values);
  g_array_unref (self->compared);
  g_free (self->legend_current);
  g_free (self->legend_compared);
  g_free (self->empty_text);
  g_free (self->summary);
  G_OBJECT_CLASS (atrium_chart_parent_class)->finalize (object);
}

static void
atrium_chart_class_init (AtriumChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_chart_dispose;
  object_class->finalize = atrium_chart_finalize;
  widget_class->snapshot = atrium_chart_snapshot;
  widget_class->measure = atrium_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
atrium_chart_init (AtriumChart *self)
{
  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->row_labels = g_ptr_array_new_with_free_func (g_free);
  self->values = g_array_new (FALSE, FALSE, sizeof (double));
  self->compared = g_array_new (FALSE, FALSE, sizeof (double));
  /* Named colours change with the dark style; the chart is drawn again then. */
  self->dark_id = g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                                           G_CALLBACK (gtk_widget_queue_draw), self,
                                           G_CONNECT_SWAPPED);
  update_summary (self);
}

GtkWidget *
atrium_chart_new (void)
{
  return g_object_new (ATRIUM_TYPE_CHART, NULL);
}

void
atrium_chart_set_kind (AtriumChart     *self,
                       AtriumChartKind  kind)
{
  g_return_if_fail (ATRIUM_IS_CHART (self));

  /* The data of one kind has no meaning in another. */
  if (self->kind != kind)
    {
      g_ptr_array_set_size (self->labels, 0);
      g_ptr_array_set_size (self->row_labels, 0);
      g_array_set_size (self->values, 0);
      g_array_set_size (self->compared, 0);
    }
  self->kind = kind;
  changed (self);
}

void
atrium_chart_set_unit (AtriumChart     *self,
                       AtriumChartUnit  unit)
{
  g_return_if_fail (ATRIUM_IS_CHART (self));

  self->unit = unit;
  changed (self);
}

void
atrium_chart_set_legend (AtriumChart *self,
                         const char  *current,
                         const char  *compared)
{
  g_return_if_fail (ATRIUM_IS_CHART (self));

  g_free (self->legend_current);
  self->legend_current = g_strdup (current);
  g_free (self->legend_compared);
  self->legend_compared = g_strdup (compared);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_labels (GPtrArray          *array,
            const char * const *labels,
            guint               n)
{
  g_ptr_array_set_size (array, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (array, g_strdup (labels[i]));
}

void
atrium_chart_set_series (AtriumChart        *self,
                         const char * const *labels,
                         const double       *values,
                         const double       *compared,
                         guint               n)
{
  g_return_if_fail (ATRIUM_IS_CHART (self));
  g_return_if_fail (n == 0 || (labels != NULL && values != NULL));

  set_labels (self->labels, labels, n);
  g_ptr_array_set_size (self->row_labels, 0);
  g_array_set_size (self->values, 0);
  g_array_append_vals (self->values, values, n);
  g_array_set_size (self->compared, 0);
  if (compared != NULL)
    g_array_append_vals (self->compared, compared, n);
  changed (self);
}

void
atrium_chart_set_heat_map (AtriumChart        *self,
                           const char * const *row_labels,
                           guint               n_rows,
                           const char * const *column_labels,
                           guint               n_columns,
                           const double       *values)
{
  g_return_if_fail (ATRIUM_IS_CHART (self));

  set_labels (self->row_labels, row_labels, n_rows);
  set_labels (self->labels, column_labels, n_columns);
  g_array_set_size (self->values, 0);
  g_array_append_vals (self->values, values, n_rows * n_columns);
  g_array_set_size (self->compared, 0);
  changed (self);
}

void
atrium_chart_clear (AtriumChart *self,
                    const char  *text)
{
  g_return_if_fail (ATRIUM_IS_CHART (self));

  g_free (self->empty_text);
  self->empty_text = g_strdup (text);
  g_ptr_array_set_size (self->labels, 0);
  g_ptr_array_set_size (self->row_labels, 0);
  g_array_set_size (self->values, 0);
  g_array_set_size (self->compared, 0);
  changed (self);
}

guint
atrium_chart_get_n_points (AtriumChart *self)
{
  guint n = 0;

  g_return_val_if_fail (ATRIUM_IS_CHART (self), 0);

  for (guint i = 0; i < self->values->len; i++)
    n += !isnan (g_array_index (self->values, double, i));
  return n;
}

double
atrium_chart_get_max (AtriumChart *self)
{
  g_return_val_if_fail (ATRIUM_IS_CHART (self), 0);

  return max_of (self->values);
}

const char *
atrium_chart_get_summary (AtriumChart *self)
{
  g_return_val_if_fail (ATRIUM_IS_CHART (self), NULL);

  return self->summary;
}
