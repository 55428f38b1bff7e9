/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-occupancy-page.h"

#include <math.h>
#include <adwaita.h>
#include <inttypes.h>
#include <glib/gi18n.h>

#include "atrium-chart.h"
#include "atrium-space-tile.h"
#include "atrium-ui-text.h"
#include "atrium-widget.h"
#include "atrium-window.h"

struct _AtriumOccupancyPage
{
  GtkWidget         parent_instance;

  AtriumApi        *api;
  AtriumLiveClient *live;
  GCancellable     *cancellable;
  JsonNode         *sites;        /* GET /sites */
  gboolean          sites_from_server;
  GArray           *site_ids;     /* gint64, in the drop-down's order */
  GArray           *staff_sites;  /* gint64: where the user may recount */
  AtriumAlerts     *alerts;       /* nullable: a kiosk's board has none */
  gint64            fixed_site;   /* a kiosk's site, or 0 to choose */
  GtkCustomFilter  *space_filter;
  GtkCustomFilter  *queue_filter;
  gulong            state_id;

  GtkLabel         *site_label;
  GtkDropDown      *site_dropdown;
  GtkLabel         *hours_label;
  GtkFlowBox       *space_box;
  AdwPreferencesGroup *queue_group;
  GtkListBox       *queue_list;
  GtkLabel         *state_label;
  AdwPreferencesGroup *forecast_group;
  AtriumChart      *forecast_chart;
  GCancellable     *forecast_cancellable;
};

G_DEFINE_FINAL_TYPE (AtriumOccupancyPage, atrium_occupancy_page, GTK_TYPE_WIDGET)

gint64
atrium_occupancy_page_get_site (AtriumOccupancyPage *self)
{
  guint selected;

  g_return_val_if_fail (ATRIUM_IS_OCCUPANCY_PAGE (self), 0);

  selected = gtk_drop_down_get_selected (self->site_dropdown);
  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->site_ids->len)
    return 0;
  return g_array_index (self->site_ids, gint64, selected);
}

GtkFlowBox *
atrium_occupancy_page_get_space_box (AtriumOccupancyPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_OCCUPANCY_PAGE (self), NULL);

  return self->space_box;
}

static gboolean
space_on_site (gpointer item,
               gpointer user_data)
{
  return atrium_live_space_get_site_id (item) ==
         atrium_occupancy_page_get_site (ATRIUM_OCCUPANCY_PAGE (user_data));
}

static gboolean
queue_on_site (gpointer item,
               gpointer user_data)
{
  return atrium_live_queue_get_site_id (item) ==
         atrium_occupancy_page_get_site (ATRIUM_OCCUPANCY_PAGE (user_data));
}

static JsonObject *
selected_site (AtriumOccupancyPage *self)
{
  JsonArray *sites;
  gint64 id = atrium_occupancy_page_get_site (self);

  if (self->sites == NULL)
    return NULL;
  sites = json_object_get_array_member (json_node_get_object (self->sites), "sites");
  for (guint i = 0; sites != NULL && i < json_array_get_length (sites); i++)
    {
      JsonObject *site = json_array_get_object_element (sites, i);

      if (site != NULL && json_object_get_int_member_with_default (site, "id", 0) == id)
        return site;
    }
  return NULL;
}

/* Now on the site's clock (its time zone), or the local one. */
static GDateTime *
site_now (JsonObject *site)
{
  const char *zone = json_object_get_string_member_with_default (site, "timezone", NULL);
  g_autoptr(GTimeZone) tz = zone != NULL ? g_time_zone_new_identifier (zone) : NULL;

  return tz != NULL ? g_date_time_new_now (tz) : g_date_time_new_now_local ();
}

/* The opening periods of @now's day: the exception of that date, or the week's. */
static JsonArray *
periods_of_day (JsonObject  *site,
                GDateTime   *now,
                const char **note)
{
  static const char *days[] = { NULL, "monday", "tuesday", "wednesday", "thursday",
                                "friday", "saturday", "sunday" };
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  const char *day = days[g_date_time_get_day_of_week (now)];
  JsonObject *hours = json_object_get_object_member (site, "hours");
  JsonArray *exceptions = json_object_get_array_member (site, "exceptions");

  *note = NULL;
  for (guint i = 0; exceptions != NULL && i < json_array_get_length (exceptions); i++)
    {
      JsonObject *exception = json_array_get_object_element (exceptions, i);

      if (exception != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (exception, "date", ""),
                     date) == 0)
        {
          *note = json_object_get_string_member_with_default (exception, "note", NULL);
          return json_object_get_array_member (exception, "periods");
        }
    }
  return hours != NULL && json_object_has_member (hours, day)
         ? json_object_get_array_member (hours, day) : NULL;
}

/* "Open today 08:00–22:00", from the site's week and its exceptions. */
static char *
hours_today (JsonObject *site)
{
  g_autoptr(GDateTime) now = site_now (site);
  const char *note = NULL;
  JsonArray *periods = periods_of_day (site, now, &note);
  GString *text;

  if (periods == NULL || json_array_get_length (periods) == 0)
    text = g_string_new (_("Closed today"));
  else
    {
      text = g_string_new (_("Open today"));
      for (guint i = 0; i < json_array_get_length (periods); i++)
        {
          JsonObject *period = json_array_get_object_element (periods, i);

          if (period == NULL)
            continue;
          g_string_append_printf (text, i == 0 ? " %s–%s" : ", %s–%s",
                                  json_object_get_string_member_with_default (period,
                                                                             "opens", "?"),
                                  json_object_get_string_member_with_default (period,
                                                                             "closes", "?"));
        }
    }
  if (note != NULL && *note != '\0')
    g_string_append_printf (text, " (%s)", note);
  return g_string_free (text, FALSE);
}

/* Whether the site is open at this moment ("HH:MM" compare as text; "24:00" is last). */
static gboolean
open_now (JsonObject *site)
{
  g_autoptr(GDateTime) now = site_now (site);
  g_autofree char *time = g_date_time_format (now, "%H:%M");
  const char *note = NULL;
  JsonArray *periods = periods_of_day (site, now, &note);

  for (guint i = 0; periods != NULL && i < json_array_get_length (periods); i++)
    {
      JsonObject *period = json_array_get_object_element (periods, i);

      if (period != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (period, "opens", "99"),
                     time) <= 0 &&
          g_strcmp0 (time, json_object_get_string_member_with_default (period, "closes",
                                                                      "00")) < 0)
        return TRUE;
    }
  return FALSE;
}

AtriumChart *
atrium_occupancy_page_get_forecast_chart (AtriumOccupancyPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_OCCUPANCY_PAGE (self), NULL);

  return self->forecast_chart;
}

/* The site's expected occupancy, half hour by half hour: the sum of its spaces'
 * forecasts (GET /sites/{id}/forecast), over the half hours with history. */
static void
forecast_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AtriumOccupancyPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GTimeZone) tz = NULL;
  JsonObject *site = NULL;
  JsonNode *spaces_node;
  JsonArray *spaces = NULL;
  gboolean insufficient = FALSE;
  guint first = G_MAXUINT, last = 0;

  if (answer == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer == NULL)
    {
      g_autofree char *text = atrium_ui_error_text (error);

      atrium_chart_clear (self->forecast_chart, text);
      return;
    }
  site = selected_site (self);
  tz = site != NULL && json_object_get_string_member_with_default (site, "timezone", NULL)
       ? g_time_zone_new_identifier (json_object_get_string_member (site, "timezone")) : NULL;
  if (tz == NULL)
    tz = g_time_zone_new_local ();
  spaces_node = JSON_NODE_HOLDS_OBJECT (answer)
                ? json_object_get_member (json_node_get_object (answer), "spaces") : NULL;
  if (spaces_node != NULL && JSON_NODE_HOLDS_ARRAY (spaces_node))
    spaces = json_node_get_array (spaces_node);
  for (guint s = 0; spaces != NULL && s < json_array_get_length (spaces); s++)
    {
      JsonObject *space = json_array_get_object_element (spaces, s);
      JsonNode *slots_node = space != NULL ? json_object_get_member (space, "slots") : NULL;
      JsonArray *slots;

      if (slots_node == NULL || !JSON_NODE_HOLDS_ARRAY (slots_node))
        continue;
      insufficient |= json_object_get_boolean_member_with_default (space,
                                                                   "insufficient_history",
                                                                   FALSE);
      slots = json_node_get_array (slots_node);
      for (guint i = 0; i < json_array_get_length (slots); i++)
        {
          JsonObject *slot = json_array_get_object_element (slots, i);
          double none = NAN;

          if (i >= values->len)
            {
              const char *start = slot != NULL
                ? json_object_get_string_member_with_default (slot, "start", NULL) : NULL;
              g_autoptr(GDateTime) utc = start != NULL ? g_date_time_new_from_iso8601 (start,
                                                                                      NULL)
                                                       : NULL;
              g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz)
                                                       : NULL;

              g_array_append_val (values, none);
              g_ptr_array_add (labels, local != NULL
                               ? g_date_time_format (local, C_("time of day", "%H:%M"))
                               : g_strdup ("?"));
            }
          if (slot == NULL || json_object_get_int_member_with_default (slot, "samples", 0) <= 0)
            continue;
          if (isnan (g_array_index (values, double, i)))
            g_array_index (values, double, i) = 0;
          g_array_index (values, double, i) +=
            json_object_get_double_member_with_default (slot, "occupancy", 0);
          first = MIN (first, i);
          last = MAX (last, i + 1);
        }
    }
  adw_preferences_group_set_description (self->forecast_group, insufficient
    ? _("People expected, from the few past weeks with data: take it as a rough guide.")
    : _("People expected in each half hour, from the same weekday of the past eight "
        "weeks."));
  if (first >= last)
    {
      atrium_chart_clear (self->forecast_chart, _("No history to expect anything from."));
      return;
    }
  atrium_chart_set_series (self->forecast_chart,
                           (const char * const *) labels->pdata + first,
                           &g_array_index (values, double, first), NULL, last - first);
}

static void
site_changed (AtriumOccupancyPage *self)
{
  JsonObject *site = selected_site (self);

  gtk_filter_changed (GTK_FILTER (self->space_filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_filter_changed (GTK_FILTER (self->queue_filter), GTK_FILTER_CHANGE_DIFFERENT);
  if (site != NULL)
    {
      g_autofree char *hours = hours_today (site);

      gtk_label_set_text (self->site_label,
                          json_object_get_string_member_with_default (site, "name", ""));
      gtk_label_set_text (self->hours_label, hours);
    }
  g_cancellable_cancel (self->forecast_cancellable);
  g_clear_object (&self->forecast_cancellable);
  if (self->api != NULL && atrium_occupancy_page_get_site (self) > 0)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/forecast",
                                               atrium_occupancy_page_get_site (self));

      self->forecast_cancellable = g_cancellable_new ();
      atrium_api_get_document_async (self->api, path, self->forecast_cancellable,
                                     forecast_read, self);
    }
}

static void
take_sites (AtriumOccupancyPage *self,
            JsonNode            *document)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  guint first = GTK_INVALID_LIST_POSITION;
  JsonArray *sites;

  json_node_ref (document);
  g_clear_pointer (&self->sites, json_node_unref);
  self->sites = document;
  g_array_set_size (self->site_ids, 0);
  sites = json_object_get_array_member (json_node_get_object (self->sites), "sites");
  for (guint i = 0; sites != NULL && i < json_array_get_length (sites); i++)
    {
      JsonObject *site = json_array_get_object_element (sites, i);
      gint64 id;

      if (site == NULL)
        continue;
      id = json_object_get_int_member_with_default (site, "id", 0);
      /* A kiosk's own site; else the first site open now: what a patron looking at
       * the rooms most likely wants. */
      if (self->fixed_site > 0 && id == self->fixed_site)
        first = self->site_ids->len;
      else if (self->fixed_site <= 0 && first == GTK_INVALID_LIST_POSITION && open_now (site))
        first = self->site_ids->len;
      g_array_append_val (self->site_ids, id);
      gtk_string_list_append (names,
                              json_object_get_string_member_with_default (site, "name", "?"));
    }
  if (first == GTK_INVALID_LIST_POSITION)
    first = 0;
  gtk_drop_down_set_model (self->site_dropdown, G_LIST_MODEL (names));
  if (self->fixed_site > 0 && first == GTK_INVALID_LIST_POSITION)
    g_warning ("The site %" G_GINT64_FORMAT " this kiosk is set to show is not on the server",
               self->fixed_site);
  gtk_widget_set_visible (GTK_WIDGET (self->site_dropdown),
                          self->site_ids->len > 1 && self->fixed_site <= 0);
  gtk_drop_down_set_selected (self->site_dropdown, first);
  site_changed (self);
}

static void
sites_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumOccupancyPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = atrium_api_document_finish (ATRIUM_API (source), result,
                                                             &error);

  if (document == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = atrium_ui_error_text (error);
      gtk_label_set_text (self->state_label, text);
      return;
    }
  self->sites_from_server = TRUE;
  take_sites (self, document);
}

void
atrium_occupancy_page_set_sites (AtriumOccupancyPage *self,
                                 JsonNode            *document)
{
  g_return_if_fail (ATRIUM_IS_OCCUPANCY_PAGE (self));
  g_return_if_fail (document != NULL && JSON_NODE_HOLDS_OBJECT (document));

  if (!self->sites_from_server)
    take_sites (self, document);
}

static void
counted (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AtriumOccupancyPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);
  g_autofree char *text = NULL;

  if (answer == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  text = answer != NULL ? g_strdup (_("Count set; the sensors go on from it"))
                        : atrium_ui_error_text (error);
  atrium_toast (GTK_WIDGET (self), text);
}

void
atrium_occupancy_page_recount (AtriumOccupancyPage *self,
                               gint64               space_id,
                               guint                count)
{
  g_return_if_fail (ATRIUM_IS_OCCUPANCY_PAGE (self));

  if (self->api != NULL)
    atrium_api_correct_count_async (self->api, space_id, count, self->cancellable, counted,
                                    self);
}

static void
tile_recount (AtriumSpaceTile     *tile,
              guint                count,
              AtriumOccupancyPage *self)
{
  atrium_occupancy_page_recount (self,
                                 atrium_live_space_get_id (atrium_space_tile_get_space (tile)),
                                 count);
}

static GtkWidget *
make_tile (gpointer item,
           gpointer user_data)
{
  AtriumOccupancyPage *self = user_data;
  GtkWidget *tile = atrium_space_tile_new ();
  gint64 site = atrium_live_space_get_site_id (item);
  gboolean staff = FALSE;

  atrium_space_tile_set_space (ATRIUM_SPACE_TILE (tile), item);
  for (guint i = 0; i < self->staff_sites->len; i++)
    staff |= g_array_index (self->staff_sites, gint64, i) == site;
  atrium_space_tile_set_can_recount (ATRIUM_SPACE_TILE (tile), staff);
  /* Capacity alerts are the staff's; patrons are told when a room gets quiet. */
  atrium_space_tile_set_alerts (ATRIUM_SPACE_TILE (tile), self->alerts, staff);
  g_signal_connect_object (tile, "recount", G_CALLBACK (tile_recount), self, 0);
  gtk_widget_add_css_class (tile, "card");
  return tile;
}

void
atrium_occupancy_page_set_alerts (AtriumOccupancyPage *self,
                                  AtriumAlerts        *alerts)
{
  g_return_if_fail (ATRIUM_IS_OCCUPANCY_PAGE (self));
  g_return_if_fail (alerts == NULL || ATRIUM_IS_ALERTS (alerts));

  g_set_object (&self->alerts, alerts);
}

void
atrium_occupancy_page_set_staff_sites (AtriumOccupancyPage *self,
                                       const gint64        *sites,
                                       guint                n_sites)
{
  g_return_if_fail (ATRIUM_IS_OCCUPANCY_PAGE (self));

  g_array_set_size (self->staff_sites, 0);
  g_array_append_vals (self->staff_sites, sites, n_sites);
}

static void
update_queue_row (AdwActionRow    *row,
                  GParamSpec      *pspec,
                  AtriumLiveQueue *queue)
{
  g_autofree char *wait = NULL;
  g_autofree char *subtitle = NULL;
  gint64 seconds = atrium_live_queue_get_wait_seconds (queue);
  gint64 length = atrium_live_queue_get_length (queue);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), atrium_live_queue_get_name (queue));
  wait = seconds >= 0 ? atrium_ui_wait (seconds) : g_strdup (_("no estimate yet"));
  /* TRANSLATORS: a queue's wait ("about 5 min", "no wait") and its length */
  subtitle = g_strdup_printf (ngettext ("%s · %" PRId64 " person in line",
                                        "%s · %" PRId64 " people in line",
                                        length), wait, length);
  adw_action_row_set_subtitle (row, subtitle);
}

static GtkWidget *
make_queue_row (gpointer item,
                gpointer user_data)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_icon_name (row, "system-users-symbolic");
  update_queue_row (row, NULL, item);
  g_signal_connect_object (item, "notify", G_CALLBACK (update_queue_row), row,
                           G_CONNECT_SWAPPED);
  return GTK_WIDGET (row);
}

static void
live_state_changed (AtriumOccupancyPage *self)
{
  AtriumLiveState state = atrium_live_client_get_state (self->live);

  switch (state)
    {
    case ATRIUM_LIVE_STATE_LIVE:
      gtk_label_set_text (self->state_label, _("Live: updates as people come and go."));
      break;
    case ATRIUM_LIVE_STATE_CONNECTING:
      gtk_label_set_text (self->state_label, _("Connecting…"));
      break;
    case ATRIUM_LIVE_STATE_WAITING:
      gtk_label_set_text (self->state_label,
                          _("Offline: showing the last figures received; reconnecting."));
      break;
    case ATRIUM_LIVE_STATE_UNAUTHORISED:
      gtk_label_set_text (self->state_label, _("Sign in again to see live figures."));
      break;
    case ATRIUM_LIVE_STATE_STOPPED:
    default:
      gtk_label_set_text (self->state_label, "");
      break;
    }
}

/* A kiosk shows one site, with no way to choose another (0: the reader chooses). */
void
atrium_occupancy_page_set_fixed_site (AtriumOccupancyPage *self,
                                      gint64               site)
{
  g_return_if_fail (ATRIUM_IS_OCCUPANCY_PAGE (self));

  self->fixed_site = site;
}

void
atrium_occupancy_page_set_data (AtriumOccupancyPage *self,
                                AtriumApi           *api,
                                AtriumLiveClient    *live)
{
  g_autoptr(GtkFilterListModel) spaces = NULL;
  g_autoptr(GtkFilterListModel) queues = NULL;

  g_return_if_fail (ATRIUM_IS_OCCUPANCY_PAGE (self));
  g_return_if_fail (ATRIUM_IS_API (api) && ATRIUM_IS_LIVE_CLIENT (live));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->live != NULL)
    g_clear_signal_handler (&self->state_id, self->live);
  g_set_object (&self->api, api);
  g_set_object (&self->live, live);

  spaces = gtk_filter_list_model_new (g_object_ref (atrium_live_client_get_spaces (live)),
                                      g_object_ref (GTK_FILTER (self->space_filter)));
  queues = gtk_filter_list_model_new (g_object_ref (atrium_live_client_get_queues (live)),
                                      g_object_ref (GTK_FILTER (self->queue_filter)));
  gtk_flow_box_bind_model (self->space_box, G_LIST_MODEL (spaces), make_tile, self, NULL);
  gtk_list_box_bind_model (self->queue_list, G_LIST_MODEL (queues), make_queue_row, self,
                           NULL);
  self->state_id = g_signal_connect_object (live, "notify::state",
                                            G_CALLBACK (live_state_changed), self,
                                            G_CONNECT_SWAPPED);
  live_state_changed (self);
  atrium_api_get_sites_async (api, self->cancellable, sites_read, self);
}

static void
atrium_occupancy_page_dispose (GObject *object)
{
  AtriumOccupancyPage *self = ATRIUM_OCCUPANCY_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->forecast_cancellable);
  g_clear_object (&self->forecast_cancellable);
  if (self->live != NULL)
    g_clear_signal_handler (&self->state_id, self->live);
  atrium_widget_dispose_children (GTK_WIDGET (self), ATRIUM_TYPE_OCCUPANCY_PAGE);
  g_clear_object (&self->live);
  g_clear_object (&self->api);
  g_clear_object (&self->alerts);
  g_clear_object (&self->space_filter);
  g_clear_object (&self->queue_filter);
  g_clear_pointer (&self->sites, json_node_unref);
  g_clear_pointer (&self->site_ids, g_array_unref);
  g_clear_pointer (&self->staff_sites, g_array_unref);
  G_OBJECT_CLASS (atrium_occupancy_page_parent_class)->dispose (object);
}

static void
atrium_occupancy_page_class_init (AtriumOccupancyPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_occupancy_page_dispose;
  g_type_ensure (ATRIUM_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-occupancy-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumOccupancyPage, site_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumOccupancyPage, site_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AtriumOccupancyPage, hours_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumOccupancyPage, space_box);
  gtk_widget_class_bind_template_child (widget_class, AtriumOccupancyPage, queue_group);
  gtk_widget_class_bind_template_child (widget_class, AtriumOccupancyPage, queue_list);
  gtk_widget_class_bind_template_child (widget_class, AtriumOccupancyPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumOccupancyPage, forecast_group);
  gtk_widget_class_bind_template_child (widget_class, AtriumOccupancyPage, forecast_chart);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
atrium_occupancy_page_init (AtriumOccupancyPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  atrium_chart_set_kind (self->forecast_chart, ATRIUM_CHART_LINE);
  atrium_chart_set_unit (self->forecast_chart, ATRIUM_CHART_UNIT_PEOPLE);
  atrium_chart_clear (self->forecast_chart, _("Loading…"));
  self->site_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->staff_sites = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->space_filter = gtk_custom_filter_new (space_on_site, self, NULL);
  self->queue_filter = gtk_custom_filter_new (queue_on_site, self, NULL);
  g_signal_connect_swapped (self->site_dropdown, "notify::selected",
                            G_CALLBACK (site_changed), self);
}

GtkWidget *
atrium_occupancy_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_OCCUPANCY_PAGE, NULL);
}
