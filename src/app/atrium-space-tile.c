/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-space-tile.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "atrium-gauge.h"
#include "atrium-ui-text.h"
#include "atrium-widget.h"

struct _AtriumSpaceTile
{
  GtkWidget        parent_instance;

  AtriumLiveSpace *space;
  gulong           notify_id;

  GtkLabel        *name_label;
  AtriumGauge     *gauge;
  GtkLabel        *level_label;
  GtkLabel        *free_label;
  GtkMenuButton   *recount_button;
  GtkSpinButton   *recount_spin;

  AtriumAlerts    *alerts;
  gboolean         can_alert_above;
  GtkImage        *alert_icon;
  GtkMenuButton   *alert_button;
  GtkLabel        *alert_heading;
  GtkDropDown     *alert_direction;
  GtkSpinButton   *alert_spin;
  GtkButton       *alert_remove_button;
};

G_DEFINE_FINAL_TYPE (AtriumSpaceTile, atrium_space_tile, GTK_TYPE_WIDGET)

enum
{
  RECOUNT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update (AtriumSpaceTile *self)
{
  AtriumLiveSpace *space = self->space;
  g_autofree char *level = NULL;
  g_autofree char *free_text = NULL;
  int percent;

  if (space == NULL)
    return;
  percent = atrium_live_space_get_percent (space);
  gtk_label_set_text (self->name_label, atrium_live_space_get_name (space));
  atrium_gauge_set_value (self->gauge, percent, atrium_live_space_get_level (space));
  if (percent >= 0)
    /* TRANSLATORS: an occupancy and its words: "62 % · Busy" */
    level = g_strdup_printf (_("%d %% · %s"), percent,
                             atrium_ui_level_words (atrium_live_space_get_level (space)));
  else
    level = g_strdup (_("No count yet"));
  gtk_label_set_text (self->level_label, level);
  free_text = g_strdup_printf (ngettext ("%" PRId64 " of %u free",
                                         "%" PRId64 " of %u free",
                                         atrium_live_space_get_free (space)),
                               atrium_live_space_get_free (space),
                               atrium_live_space_get_capacity (space));
  gtk_label_set_text (self->free_label, free_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->gauge),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  atrium_live_space_get_name (space), -1);
  {
    g_autofree char *recount = g_strdup_printf (_("Count the people in %s by hand"),
                                                atrium_live_space_get_name (space));

    gtk_widget_set_tooltip_text (GTK_WIDGET (self->recount_button), recount);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->recount_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, recount, -1);
  }
}

/* The name an alert keeps for its room (shown should the room leave the feed). */
static char *
space_name (AtriumLiveSpace *space)
{
  const char *name = atrium_live_space_get_name (space);

  if (name != NULL && *name != '\0')
    return g_strdup (name);
  /* TRANSLATORS: a room without a name, by its number */
  return g_strdup_printf (_("Room %" PRId64), atrium_live_space_get_id (space));
}

static AtriumAlertDirection
chosen_direction (AtriumSpaceTile *self)
{
  return self->can_alert_above && gtk_drop_down_get_selected (self->alert_direction) == 1
         ? ATRIUM_ALERT_AT_OR_ABOVE : ATRIUM_ALERT_BELOW;
}

/* The indicator and the button's words follow the space's rules. */
static void
update_alert_state (AtriumSpaceTile *self)
{
  g_autoptr(GString) rules = g_string_new (NULL);
  g_autofree char *name = NULL;
  g_autofree char *button = NULL;

  if (self->space == NULL || self->alerts == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->alert_icon), FALSE);
      return;
    }
  name = space_name (self->space);
  for (AtriumAlertDirection d = ATRIUM_ALERT_BELOW; d <= ATRIUM_ALERT_AT_OR_ABOVE; d++)
    {
      const AtriumAlertRule *rule = atrium_alerts_lookup (self->alerts,
                                                          atrium_live_space_get_id (self->space),
                                                          d);
      g_autofree char *words = rule != NULL ? atrium_alert_rule_describe (rule) : NULL;

      if (words != NULL)
        g_string_append_printf (rules, rules->len > 0 ? ", %s" : "%s", words);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->alert_icon), rules->len > 0);
  if (rules->len > 0)
    {
      /* TRANSLATORS: the tile's alert indicator: "Alert set: below 60 %" */
      g_autofree char *text = g_strdup_printf (_("Alert set: %s"), rules->str);

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->alert_icon), text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->alert_icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Alert set"),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
    }
  button = g_strdup_printf (_("Alert me about the occupancy of %s"), name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->alert_button), button);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->alert_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, button, -1);
}

static void
alert_direction_changed (AtriumSpaceTile *self)
{
  AtriumAlertDirection direction = chosen_direction (self);
  const AtriumAlertRule *rule;

  if (self->space == NULL || self->alerts == NULL)
    return;
  rule = atrium_alerts_lookup (self->alerts, atrium_live_space_get_id (self->space), direction);
  if (rule != NULL)
    gtk_spin_button_set_value (self->alert_spin, rule->percent);
  else
    gtk_spin_button_set_value (self->alert_spin, direction == ATRIUM_ALERT_BELOW ? 50 : 90);
  gtk_widget_set_sensitive (GTK_WIDGET (self->alert_remove_button), rule != NULL);
}

static void
alert_popover_shown (AtriumSpaceTile *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->alert_direction), self->can_alert_above);
  gtk_label_set_text (self->alert_heading,
                      self->can_alert_above ? _("Tell me when the room is")
                                            : _("Tell me when the room is below"));
  /* It opens on the room's capacity alert when that is its only one. */
  if (self->can_alert_above && self->space != NULL && self->alerts != NULL &&
      atrium_alerts_lookup (self->alerts, atrium_live_space_get_id (self->space),
                            ATRIUM_ALERT_BELOW) == NULL &&
      atrium_alerts_lookup (self->alerts, atrium_live_space_get_id (self->space),
                            ATRIUM_ALERT_AT_OR_ABOVE) != NULL)
    gtk_drop_down_set_selected (self->alert_direction, 1);
  else
    gtk_drop_down_set_selected (self->alert_direction, 0);
  alert_direction_changed (self);
}

static void
alert_save_clicked (AtriumSpaceTile *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  gtk_menu_button_popdown (self->alert_button);
  if (self->space == NULL || self->alerts == NULL)
    return;
  name = space_name (self->space);
  /* The spin button's range is the rule's: this only fails on a bug. */
  if (!atrium_alerts_set_rule (self->alerts, atrium_live_space_get_id (self->space), name,
                               chosen_direction (self),
                               (guint) gtk_spin_button_get_value_as_int (self->alert_spin),
                               &error))
    g_critical ("The alert of %s was not kept: %s", name, error->message);
}

static void
alert_remove_clicked (AtriumSpaceTile *self)
{
  gtk_menu_button_popdown (self->alert_button);
  if (self->space != NULL && self->alerts != NULL)
    atrium_alerts_remove_rule (self->alerts, atrium_live_space_get_id (self->space),
                               chosen_direction (self));
}

static void
alerts_changed (AtriumSpaceTile *self,
                gint64           space_id)
{
  if (self->space != NULL && atrium_live_space_get_id (self->space) == space_id)
    update_alert_state (self);
}

void
atrium_space_tile_set_alerts (AtriumSpaceTile *self,
                              AtriumAlerts    *alerts,
                              gboolean         can_alert_above)
{
  g_return_if_fail (ATRIUM_IS_SPACE_TILE (self));
  g_return_if_fail (alerts == NULL || ATRIUM_IS_ALERTS (alerts));

  if (self->alerts != NULL)
    g_signal_handlers_disconnect_by_func (self->alerts, alerts_changed, self);
  g_set_object (&self->alerts, alerts);
  self->can_alert_above = can_alert_above;
  if (alerts != NULL)
    g_signal_connect_object (alerts, "changed", G_CALLBACK (alerts_changed), self,
                             G_CONNECT_SWAPPED);
  gtk_widget_set_visible (GTK_WIDGET (self->alert_button), alerts != NULL);
  update_alert_state (self);
}

static void
recount_clicked (AtriumSpaceTile *self)
{
  gtk_menu_button_popdown (self->recount_button);
  if (self->space != NULL)
    g_signal_emit (self, signals[RECOUNT], 0,
                   (guint) gtk_spin_button_get_value_as_int (self->recount_spin));
}

void
atrium_space_tile_set_can_recount (AtriumSpaceTile *self,
                                   gboolean         can_recount)
{
  g_return_if_fail (ATRIUM_IS_SPACE_TILE (self));

  gtk_widget_set_visible (GTK_WIDGET (self->recount_button), can_recount);
  if (can_recount && self->space != NULL)
    gtk_spin_button_set_value (self->recount_spin, atrium_live_space_get_count (self->space));
}

void
atrium_space_tile_set_space (AtriumSpaceTile *self,
                             AtriumLiveSpace *space)
{
  g_return_if_fail (ATRIUM_IS_SPACE_TILE (self));

  if (self->space == space)
    return;
  if (self->space != NULL)
    g_clear_signal_handler (&self->notify_id, self->space);
  g_set_object (&self->space, space);
  if (space != NULL)
    {
      self->notify_id = g_signal_connect_object (space, "notify", G_CALLBACK (update), self,
                                                 G_CONNECT_SWAPPED);
      update (self);
    }
  update_alert_state (self);
}

AtriumLiveSpace *
atrium_space_tile_get_space (AtriumSpaceTile *self)
{
  g_return_val_if_fail (ATRIUM_IS_SPACE_TILE (self), NULL);

  return self->space;
}

static void
atrium_space_tile_dispose (GObject *object)
{
  AtriumSpaceTile *self = ATRIUM_SPACE_TILE (object);

  atrium_space_tile_set_space (self, NULL);
  atrium_space_tile_set_alerts (self, NULL, FALSE);
  atrium_widget_dispose_children (GTK_WIDGET (self), ATRIUM_TYPE_SPACE_TILE);
  G_OBJECT_CLASS (atrium_space_tile_parent_class)->dispose (object);
}

static void
atrium_space_tile_class_init (AtriumSpaceTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_space_tile_dispose;
  g_type_ensure (ATRIUM_TYPE_GAUGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-space-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, name_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, gauge);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, level_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, free_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, recount_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, recount_spin);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, alert_icon);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, alert_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, alert_heading);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, alert_direction);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, alert_spin);
  gtk_widget_class_bind_template_child (widget_class, AtriumSpaceTile, alert_remove_button);
  gtk_widget_class_bind_template_callback (widget_class, recount_clicked);
  gtk_widget_class_bind_template_callback (widget_class, alert_popover_shown);
  gtk_widget_class_bind_template_callback (widget_class, alert_direction_changed);
  gtk_widget_class_bind_template_callback (widget_class, alert_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, alert_remove_clicked);
  /* Staff counted the room by hand: the number of people now. */
  signals[RECOUNT] = g_signal_new ("recount", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "spacetile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
atrium_space_tile_init (AtriumSpaceTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
atrium_space_tile_new (void)
{
  return g_object_new (ATRIUM_TYPE_SPACE_TILE, NULL);
}
