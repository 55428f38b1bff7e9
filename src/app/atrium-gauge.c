/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-gauge.h"

#include <glib/gi18n.h>

#include "atrium-ui-text.h"

struct _AtriumGauge
{
  GtkWidget parent_instance;

  int   percent;
  char *level;
};

G_DEFINE_FINAL_TYPE (AtriumGauge, atrium_gauge, GTK_TYPE_WIDGET)

static const char *level_classes[] = { "level-low", "level-medium", "level-high",
                                       "level-full", "level-unknown" };

static void
atrium_gauge_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  AtriumGauge *self = ATRIUM_GAUGE (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  float radius = height / 2.0f;
  GdkRGBA color, trough;
  GskRoundedRect outline;
  double fraction = CLAMP (self->percent, 0, 100) / 100.0;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  trough = color;
  trough.alpha *= 0.18f;

  gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (0, 0, width, height),
                                   radius);
  gtk_snapshot_push_rounded_clip (snapshot, &outline);
  gtk_snapshot_append_color (snapshot, &trough, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->percent > 0)
    gtk_snapshot_append_color (snapshot, &color,
                               &GRAPHENE_RECT_INIT (0, 0, MAX (height, width * fraction),
                                                    height));
  gtk_snapshot_pop (snapshot);
}

static void
atrium_gauge_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 48;
      *natural = 160;
    }
  else
    {
      *minimum = 8;
      *natural = 12;
    }
}

static void
atrium_gauge_finalize (GObject *object)
{
  AtriumGauge *self = ATRIUM_GAUGE (object);

  g_free (self->level);
  G_OBJECT_CLASS (atrium_gauge_parent_class)->finalize (object);
}

static void
atrium_gauge_class_init (AtriumGaugeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = atrium_gauge_finalize;
  widget_class->snapshot = atrium_gauge_snapshot;
  widget_class->measure = atrium_gauge_measure;
  gtk_widget_class_set_css_name (widget_class, "gauge");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_METER);
}

static void
atrium_gauge_init (AtriumGauge *self)
{
  self->percent = -1;
  gtk_widget_add_css_class (GTK_WIDGET (self), "level-unknown");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, 100.0,
                                  -1);
}

GtkWidget *
atrium_gauge_new (void)
{
  return g_object_new (ATRIUM_TYPE_GAUGE, NULL);
}

static guint
level_index (const char *level)
{
  static const char *levels[] = { "low", "medium", "high", "full" };

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    if (g_strcmp0 (level, levels[i]) == 0)
      return i;
  return G_N_ELEMENTS (levels);
}

void
atrium_gauge_set_value (AtriumGauge *self,
                        int          percent,
                        const char  *level)
{
  g_autofree char *text = NULL;

  g_return_if_fail (ATRIUM_IS_GAUGE (self));

  if (self->percent == percent && g_strcmp0 (self->level, level) == 0)
    return;
  self->percent = percent;
  g_free (self->level);
  self->level = g_strdup (level);

  for (guint i = 0; i < G_N_ELEMENTS (level_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self), level_classes[i]);
  gtk_widget_add_css_class (GTK_WIDGET (self), level_classes[level_index (level)]);

  if (percent >= 0)
    /* TRANSLATORS: an occupancy for screen readers: "62 percent, Busy" */
    text = g_strdup_printf (_("%d percent, %s"), percent, atrium_ui_level_words (level));
  else
    text = g_strdup (_("Occupancy unknown"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW,
                                  (double) CLAMP (percent, 0, 100),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text,
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
atrium_gauge_get_percent (AtriumGauge *self)
{
  g_return_val_if_fail (ATRIUM_IS_GAUGE (self), -1);

  return self->percent;
}

const char *
atrium_gauge_get_level (AtriumGauge *self)
{
  g_return_val_if_fail (ATRIUM_IS_GAUGE (self), NULL);

  return self->level;
}
