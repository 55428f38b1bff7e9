/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-alerts.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#define ALERTS_KEY "occupancy-alerts"
#define ALERTS_TYPE "a(xssu)"

/* A rule and where its room stands: "known" once a figure has been seen since the rule
 * was set, "armed" while its condition may fire. */
typedef struct
{
  AtriumAlertRule rule;
  gboolean        known;
  gboolean        armed;
} Entry;

struct _AtriumAlerts
{
  GObject       parent_instance;

  GApplication *application;  /* weak */
  GSettings    *settings;
  GPtrArray    *entries;      /* Entry */
  GListModel   *spaces;
  gulong        items_changed_id;
  GPtrArray    *watched;      /* AtriumLiveSpace, connected to space_changed */
};

G_DEFINE_FINAL_TYPE (AtriumAlerts, atrium_alerts, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (AtriumAlertRule, atrium_alert_rule, atrium_alert_rule_copy,
                     atrium_alert_rule_free)

enum
{
  TRIGGERED,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

AtriumAlertRule *
atrium_alert_rule_copy (const AtriumAlertRule *rule)
{
  AtriumAlertRule *copy = g_new (AtriumAlertRule, 1);

  *copy = *rule;
  copy->space_name = g_strdup (rule->space_name);
  return copy;
}

void
atrium_alert_rule_free (AtriumAlertRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->space_name);
  g_free (rule);
}

char *
atrium_alert_rule_describe (const AtriumAlertRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);

  if (rule->direction == ATRIUM_ALERT_BELOW)
    /* TRANSLATORS: an occupancy alert's rule: "Below 60 %" */
    return g_strdup_printf (_("Below %u %%"), rule->percent);
  /* TRANSLATORS: a capacity alert's rule: "At 90 % or more" */
  return g_strdup_printf (_("At %u %% or more"), rule->percent);
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->rule.space_name);
  g_free (entry);
}

static const char *
direction_to_string (AtriumAlertDirection direction)
{
  return direction == ATRIUM_ALERT_BELOW ? "below" : "at-or-above";
}

static Entry *
find_entry (AtriumAlerts         *self,
            gint64                space_id,
            AtriumAlertDirection  direction,
            guint                *index)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->rule.space_id == space_id && entry->rule.direction == direction)
        {
          if (index != NULL)
            *index = i;
          return entry;
        }
    }
  return NULL;
}

static gboolean
condition_holds (const AtriumAlertRule *rule,
                 int                    percent)
{
  return rule->direction == ATRIUM_ALERT_BELOW ? percent < (int) rule->percent
                                               : percent >= (int) rule->percent;
}

/* Back far enough on the other side of the level to fire again. */
static gboolean
may_rearm (const AtriumAlertRule *rule,
           int                    percent)
{
  if (rule->direction == ATRIUM_ALERT_BELOW)
    return percent >= MIN ((int) rule->percent + ATRIUM_ALERT_HYSTERESIS, 100);
  return percent <= MAX ((int) rule->percent - ATRIUM_ALERT_HYSTERESIS, 0);
}

static char *
notification_id (const AtriumAlertRule *rule)
{
  return g_strdup_printf ("occupancy-alert-%" PRId64 "-%s", rule->space_id,
                          direction_to_string (rule->direction));
}

static void
send_notification (AtriumAlerts          *self,
                   const AtriumAlertRule *rule,
                   AtriumLiveSpace       *space)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  const char *name = atrium_live_space_get_name (space);
  gint64 free_places = atrium_live_space_get_free (space);

  if (self->application == NULL)
    return;
  if (name == NULL || *name == '\0')
    name = rule->space_name;
  if (rule->direction == ATRIUM_ALERT_BELOW)
    /* TRANSLATORS: a desktop notification: "Reading Room 2 is below 60 %" */
    title = g_strdup_printf (_("%s is below %u %%"), name, rule->percent);
  else
    /* TRANSLATORS: a desktop notification: "Reading Room 2 is at 90 % or more" */
    title = g_strdup_printf (_("%s is at %u %% or more"), name, rule->percent);
  /* TRANSLATORS: a notification's text: "Now 55 %: 18 of 40 places free." */
  body = g_strdup_printf (ngettext ("Now %d %%: %" PRId64 " of %u place free.",
                                    "Now %d %%: %" PRId64 " of %u places free.",
                                    (gulong) MAX (free_places, 0)),
                          atrium_live_space_get_percent (space), free_places,
                          atrium_live_space_get_capacity (space));
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification,
                               rule->direction == ATRIUM_ALERT_AT_OR_ABOVE
                               ? G_NOTIFICATION_PRIORITY_HIGH
                               : G_NOTIFICATION_PRIORITY_NORMAL);
  /* The application's action that shows the occupancy page; without it a click on the
   * notification only activates the application. */
  if (g_action_map_lookup_action (G_ACTION_MAP (self->application), "show-occupancy") != NULL)
    g_notification_set_default_action (notification, "app.show-occupancy");
  id = notification_id (rule);
  g_application_send_notification (self->application, id, notification);
}

static void
evaluate (AtriumAlerts    *self,
          AtriumLiveSpace *space)
{
  g_autoptr(GPtrArray) fired = NULL;
  gint64 space_id = atrium_live_space_get_id (space);
  int percent = atrium_live_space_get_percent (space);

  /* No count or no capacity yet: nothing to judge. */
  if (percent < 0)
    return;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->rule.space_id != space_id)
        continue;
      if (!entry->known)
        {
          entry->known = TRUE;
          entry->armed = !condition_holds (&entry->rule, percent);
        }
      else if (entry->armed && condition_holds (&entry->rule, percent))
        {
          entry->armed = FALSE;
          if (fired == NULL)
            fired = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_alert_rule_free);
          g_ptr_array_add (fired, atrium_alert_rule_copy (&entry->rule));
        }
      else if (!entry->armed && may_rearm (&entry->rule, percent))
        entry->armed = TRUE;
    }
  /* Copies: a handler of "triggered" may change the rules. */
  for (guint i = 0; fired != NULL && i < fired->len; i++)
    {
      send_notification (self, g_ptr_array_index (fired, i), space);
      g_signal_emit (self, signals[TRIGGERED], 0, g_ptr_array_index (fired, i), space);
    }
}

static void
space_changed (AtriumLiveSpace *space,
               GParamSpec      *pspec,
               AtriumAlerts    *self)
{
  evaluate (self, space);
}

static void
unwatch_all (AtriumAlerts *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->watched, i),
                                          space_changed, self);
  g_ptr_array_set_size (self->watched, 0);
}

/* The models are small (the rooms of a few sites): on any change, every item is
 * watched anew, and judged, which fires nothing for a figure already seen. */
static void
items_changed (AtriumAlerts *self)
{
  guint n = g_list_model_get_n_items (self->spaces);

  unwatch_all (self);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AtriumLiveSpace) space = g_list_model_get_item (self->spaces, i);

      if (!ATRIUM_IS_LIVE_SPACE (space))
        continue;
      g_signal_connect (space, "notify::percent", G_CALLBACK (space_changed), self);
      g_ptr_array_add (self->watched, g_object_ref (space));
      evaluate (self, space);
    }
}

void
atrium_alerts_set_model (AtriumAlerts *self,
                         GListModel   *spaces)
{
  g_return_if_fail (ATRIUM_IS_ALERTS (self));
  g_return_if_fail (spaces == NULL || G_IS_LIST_MODEL (spaces));

  if (self->spaces == spaces)
    return;
  unwatch_all (self);
  if (self->spaces != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->spaces);
  g_set_object (&self->spaces, spaces);
  if (spaces != NULL)
    {
      self->items_changed_id = g_signal_connect_swapped (spaces, "items-changed",
                                                         G_CALLBACK (items_changed), self);
      items_changed (self);
    }
}

static AtriumLiveSpace *
watched_space (AtriumAlerts *self,
               gint64        space_id)
{
  for (guint i = 0; i < self->watched->len; i++)
    {
      AtriumLiveSpace *space = g_ptr_array_index (self->watched, i);

      if (atrium_live_space_get_id (space) == space_id)
        return space;
    }
  return NULL;
}

static void
save (AtriumAlerts *self)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE (ALERTS_TYPE));
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      g_variant_builder_add (&builder, "(xssu)", entry->rule.space_id, entry->rule.space_name,
                             direction_to_string (entry->rule.direction),
                             entry->rule.percent);
    }
  g_settings_set_value (self->settings, ALERTS_KEY, g_variant_builder_end (&builder));
}

static gboolean
check_rule (gint64       space_id,
            const char  *space_name,
            guint        percent,
            GError     **error)
{
  if (space_id <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("An alert needs a room."));
      return FALSE;
    }
  if (space_name == NULL || *space_name == '\0' || !g_utf8_validate (space_name, -1, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("An alert needs the name of its room."));
      return FALSE;
    }
  if (percent < 1 || percent > 100)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("An alert’s level is between 1 and 100 %%, not %u %%."), percent);
      return FALSE;
    }
  return TRUE;
}

static void
load (AtriumAlerts *self)
{
  g_autoptr(GVariant) value = g_settings_get_value (self->settings, ALERTS_KEY);
  GVariantIter iter;
  gint64 space_id;
  const char *space_name;
  const char *direction;
  guint32 percent;

  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "(x&s&su)", &space_id, &space_name, &direction, &percent))
    {
      g_autoptr(GError) error = NULL;
      AtriumAlertDirection dir;
      Entry *entry;

      if (g_str_equal (direction, "below"))
        dir = ATRIUM_ALERT_BELOW;
      else if (g_str_equal (direction, "at-or-above"))
        dir = ATRIUM_ALERT_AT_OR_ABOVE;
      else
        {
          g_message ("An occupancy alert of room %" PRId64 " has an unknown direction “%s”: "
                     "ignored", space_id, direction);
          continue;
        }
      if (!check_rule (space_id, space_name, percent, &error))
        {
          g_message ("An occupancy alert of the settings is ignored: %s", error->message);
          continue;
        }
      if (find_entry (self, space_id, dir, NULL) != NULL)
        continue;
      entry = g_new0 (Entry, 1);
      entry->rule.space_id = space_id;
      entry->rule.space_name = g_strdup (space_name);
      entry->rule.direction = dir;
      entry->rule.percent = percent;
      g_ptr_array_add (self->entries, entry);
    }
}

gboolean
atrium_alerts_set_rule (AtriumAlerts          *self,
                        gint64                 space_id,
                        const char            *space_name,
                        AtriumAlertDirection   direction,
                        guint                  percent,
                        GError               **error)
{
  Entry *entry;
  AtriumLiveSpace *space;

  g_return_val_if_fail (ATRIUM_IS_ALERTS (self), FALSE);
  g_return_val_if_fail (direction == ATRIUM_ALERT_BELOW ||
                        direction == ATRIUM_ALERT_AT_OR_ABOVE, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_rule (space_id, space_name, percent, error))
    return FALSE;
  entry = find_entry (self, space_id, direction, NULL);
  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->rule.space_id = space_id;
      entry->rule.direction = direction;
      g_ptr_array_add (self->entries, entry);
    }
  g_free (entry->rule.space_name);
  entry->rule.space_name = g_strdup (space_name);
  entry->rule.percent = percent;
  entry->known = FALSE;
  entry->armed = FALSE;
  save (self);
  /* Judged on the figure shown now: set while the condition holds, it waits. */
  space = watched_space (self, space_id);
  if (space != NULL)
    evaluate (self, space);
  g_signal_emit (self, signals[CHANGED], 0, space_id);
  return TRUE;
}

gboolean
atrium_alerts_remove_rule (AtriumAlerts         *self,
                           gint64                space_id,
                           AtriumAlertDirection  direction)
{
  guint index;
  g_autofree char *id = NULL;

  g_return_val_if_fail (ATRIUM_IS_ALERTS (self), FALSE);

  if (find_entry (self, space_id, direction, &index) == NULL)
    return FALSE;
  id = notification_id (&((Entry *) g_ptr_array_index (self->entries, index))->rule);
  g_ptr_array_remove_index (self->entries, index);
  save (self);
  if (self->application != NULL)
    g_application_withdraw_notification (self->application, id);
  g_signal_emit (self, signals[CHANGED], 0, space_id);
  return TRUE;
}

const AtriumAlertRule *
atrium_alerts_lookup (AtriumAlerts         *self,
                      gint64                space_id,
                      AtriumAlertDirection  direction)
{
  Entry *entry;

  g_return_val_if_fail (ATRIUM_IS_ALERTS (self), NULL);

  entry = find_entry (self, space_id, direction, NULL);
  return entry != NULL ? &entry->rule : NULL;
}

guint
atrium_alerts_get_n_rules (AtriumAlerts *self)
{
  g_return_val_if_fail (ATRIUM_IS_ALERTS (self), 0);

  return self->entries->len;
}

const AtriumAlertRule *
atrium_alerts_get_rule (AtriumAlerts *self,
                        guint         index)
{
  g_return_val_if_fail (ATRIUM_IS_ALERTS (self), NULL);
  g_return_val_if_fail (index < self->entries->len, NULL);

  return &((Entry *) g_ptr_array_index (self->entries, index))->rule;
}

static void
atrium_alerts_dispose (GObject *object)
{
  AtriumAlerts *self = ATRIUM_ALERTS (object);

  atrium_alerts_set_model (self, NULL);
  g_clear_weak_pointer (&self->application);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (atrium_alerts_parent_class)->dispose (object);
}

static void
atrium_alerts_finalize (GObject *object)
{
  AtriumAlerts *self = ATRIUM_ALERTS (object);

  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->watched);
  G_OBJECT_CLASS (atrium_alerts_parent_class)->finalize (object);
}

static void
atrium_alerts_class_init (AtriumAlertsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = atrium_alerts_dispose;
  object_class->finalize = atrium_alerts_finalize;
  /* A rule's condition became true (the notification is sent): the rule, the space. */
  signals[TRIGGERED] = g_signal_new ("triggered", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                     ATRIUM_TYPE_ALERT_RULE | G_SIGNAL_TYPE_STATIC_SCOPE,
                                     ATRIUM_TYPE_LIVE_SPACE);
  /* A rule of the space (gint64 id) was set, changed or removed. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
atrium_alerts_init (AtriumAlerts *self)
{
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
}

AtriumAlerts *
atrium_alerts_new (GApplication *application,
                   GSettings    *settings)
{
  AtriumAlerts *self;

  g_return_val_if_fail (application == NULL || G_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (ATRIUM_TYPE_ALERTS, NULL);
  g_set_weak_pointer (&self->application, application);
  self->settings = settings != NULL ? g_object_ref (settings)
                                    : g_settings_new (BASE_APPLICATION_ID);
  load (self);
  return self;
}
