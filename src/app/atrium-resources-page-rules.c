/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-resources-page-private.h"

#include <string.h>
#include <glib/gi18n.h>

#include "atrium-json-read.h"
#include "atrium-ui-text.h"
#include "atrium-window.h"

/* The resources page's booking rules per kind of resource, opening hours and closures. */

static const char * const weekdays[] = { "monday", "tuesday", "wednesday", "thursday",
                                         "friday", "saturday", "sunday" };
static const char * const weekday_titles[] = { N_("Monday"), N_("Tuesday"), N_("Wednesday"),
                                               N_("Thursday"), N_("Friday"), N_("Saturday"),
                                               N_("Sunday") };

/* The rule fields of PUT /sites/{id}/booking-rules/{type}: their rows, the ranges of the
 * server's schema and what each must be, said as the server checks it. */
static const struct
{
  const char *field;
  gsize       row;
  gboolean    nullable;
  int         min;
  int         max;
  const char *must;
} rule_fields[] = {
  { "slot_minutes", G_STRUCT_OFFSET (AtriumResourcesPage, slot_row), FALSE, 5, 240,
    N_("a multiple of 5 from 5 to 240 that divides a day, such as 15, 30 or 60") },
  { "min_minutes", G_STRUCT_OFFSET (AtriumResourcesPage, min_row), FALSE, 5, 1440,
    N_("a multiple of the slot length") },
  { "max_minutes", G_STRUCT_OFFSET (AtriumResourcesPage, max_row), FALSE, 5, 1440,
    N_("a multiple of the slot length, at least the shortest booking and at most 1440") },
  { "ahead_days", G_STRUCT_OFFSET (AtriumResourcesPage, ahead_row), FALSE, 0, 365,
    N_("from 0 to 365 days") },
  { "per_day", G_STRUCT_OFFSET (AtriumResourcesPage, per_day_row), TRUE, 0, 1000,
    N_("from 0 to 1000, or empty for no limit") },
  { "per_week", G_STRUCT_OFFSET (AtriumResourcesPage, per_week_row), TRUE, 0, 1000,
    N_("from 0 to 1000, or empty for no limit") },
  { "min_group", G_STRUCT_OFFSET (AtriumResourcesPage, min_group_row), FALSE, 1, 1000,
    N_("from 1 to 1000 people") },
};

static AdwEntryRow *
rule_row (AtriumResourcesPage *self,
          guint                i)
{
  return G_STRUCT_MEMBER (AdwEntryRow *, self, rule_fields[i].row);
}

/* ---- booking rules ------------------------------------------------------------------- */

static JsonObject *
rules_of (AtriumResourcesPage *self,
          const char          *kind)
{
  JsonArray *rules = atrium_json_document_array (self->rules, "rules");

  for (guint i = 0; rules != NULL && i < json_array_get_length (rules); i++)
    if (g_strcmp0 (atrium_json_string_member (atrium_json_object_element (rules, i), "type"),
                   kind) == 0)
      return atrium_json_object_element (rules, i);
  return NULL;
}

static void
show_rules (AtriumResourcesPage *self)
{
  guint kind = adw_combo_row_get_selected (self->rules_type_row);
  JsonObject *rules = rules_of (self, atrium_resource_kinds[MIN (kind, 2)]);

  rpage_clear_errors (self, self->rules_error);
  for (guint i = 0; i < G_N_ELEMENTS (rule_fields); i++)
    rpage_set_number (rule_row (self, i),
                      atrium_json_int_member (rules, rule_fields[i].field, -1));
}

static void
rules_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  gboolean gone;
  g_autoptr(JsonNode) document = rpage_read_finish (user_data, source, result,
                                                    &gone);

  if (gone)
    return;
  self->pending--;
  g_clear_pointer (&self->rules, json_node_unref);
  self->rules = g_steal_pointer (&document);
  show_rules (self);
  rpage_update_actions (self);
}

void
rpage_load_rules (AtriumResourcesPage *self)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/booking-rules",
                                           atrium_resources_page_get_site (self));

  self->pending++;
  atrium_api_get_document_async (self->api, path, self->cancellable, rules_read, self);
}

static void
rules_saved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  g_autofree char *text = NULL;

  if (rpage_write_finish (user_data, source, result, _("Booking rules saved"), NULL, &error))
    {
      rpage_load_rules (self);
      return;
    }
  if (rpage_cancelled (error))
    return;
  field = rpage_refused_field (error);
  for (guint i = 0; field != NULL && i < G_N_ELEMENTS (rule_fields); i++)
    if (g_str_equal (field, rule_fields[i].field))
      {
        text = g_strdup_printf (_("%s: the server refused it; it must be %s."),
                                rpage_row_title (rule_row (self, i)), _(rule_fields[i].must));
        rpage_show_error (self, self->rules_error, rule_row (self, i), text);
        return;
      }
  text = atrium_ui_error_text (error);
  rpage_show_error (self, self->rules_error, NULL, text);
}

static void
save_rules_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  AtriumResourcesPage *self = ATRIUM_RESOURCES_PAGE (widget);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  guint kind = adw_combo_row_get_selected (self->rules_type_row);

  rpage_clear_errors (self, self->rules_error);
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (rule_fields); i++)
    {
      gint64 value;

      if (!rpage_read_number (rule_row (self, i), rule_fields[i].nullable, rule_fields[i].min,
                              rule_fields[i].max, &value))
        {
          g_autofree char *text = rpage_number_problem (rule_row (self, i),
                                                        rule_fields[i].nullable,
                                                        rule_fields[i].min, rule_fields[i].max);

          rpage_show_error (self, self->rules_error, rule_row (self, i), text);
          return;
        }
      json_builder_set_member_name (builder, rule_fields[i].field);
      if (value < 0)
        json_builder_add_null_value (builder);
      else
        json_builder_add_int_value (builder, value);
    }
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  /* Cross-field rules (multiples of the slot, shortest ≤ longest) are the server's:
   * one place decides them, and its 422 names the field. */
  self->saving++;
  rpage_update_actions (self);
  atrium_api_put_booking_rules_async (self->api, atrium_resources_page_get_site (self),
                                      atrium_resource_kinds[MIN (kind, 2)], body, self->writes,
                                      rules_saved, self);
}

/* ---- opening hours and closures ------------------------------------------------------ */

void
rpage_show_hours (AtriumResourcesPage *self)
{
  JsonObject *site = rpage_current_site (self);
  JsonObject *hours = atrium_json_object_member (site, "hours");
  JsonArray *exceptions = atrium_json_array_member (site, "exceptions");
  g_autoptr(GString) closures = g_string_new (NULL);

  rpage_clear_errors (self, self->hours_error);
  for (guint day = 0; day < N_DAYS; day++)
    {
      JsonArray *periods = atrium_json_array_member (hours, weekdays[day]);
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; periods != NULL && i < json_array_get_length (periods); i++)
        {
          JsonObject *period = atrium_json_object_element (periods, i);

          g_string_append_printf (text, "%s%s-%s", i > 0 ? ", " : "",
                                  atrium_json_string_member (period, "opens"),
                                  atrium_json_string_member (period, "closes"));
        }
      gtk_editable_set_text (GTK_EDITABLE (self->day_rows[day]), text->str);
    }
  g_hash_table_remove_all (self->notes);
  for (guint i = 0; exceptions != NULL && i < json_array_get_length (exceptions); i++)
    {
      JsonObject *exception = atrium_json_object_element (exceptions, i);

      if (!atrium_json_bool_member (exception, "closed"))
        continue;
      g_string_append_printf (closures, "%s%s", closures->len > 0 ? ", " : "",
                              atrium_json_string_member (exception, "date"));
      g_hash_table_insert (self->notes, g_strdup (atrium_json_string_member (exception, "date")),
                           g_strdup (atrium_json_string_member (exception, "note")));
    }
  gtk_editable_set_text (GTK_EDITABLE (self->closures_row), closures->str);
}

/* "9:00" or "09:00" (24:00 only to close) as "HH:MM"; NULL when it is not a time. */
static char *
read_time (const char *text,
           gboolean    closing)
{
  const char *colon = strchr (text, ':');
  guint hours, minutes;
  char end;

  if (colon == NULL || strlen (colon) != 3 || colon - text < 1 || colon - text > 2 ||
      sscanf (text, "%2u:%2u%c", &hours, &minutes, &end) != 2 ||
      minutes > 59 || hours > 24 || (hours == 24 && (minutes != 0 || !closing)))
    return NULL;
  return g_strdup_printf ("%02u:%02u", hours, minutes);
}

/* "09:00-12:30, 13:30-19:00" (hyphens or en dashes) as a periods array in @builder. */
static gboolean
add_periods (JsonBuilder *builder,
             const char  *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  json_builder_begin_array (builder);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autoptr(GString) part = g_string_new (g_strstrip (parts[i]));
      g_auto(GStrv) ends = NULL;
      g_autofree char *opens = NULL;
      g_autofree char *closes = NULL;

      if (part->len == 0)
        continue;
      g_string_replace (part, "–", "-", 0);
      ends = g_strsplit (part->str, "-", 3);
      if (g_strv_length (ends) != 2 ||
          (opens = read_time (g_strstrip (ends[0]), FALSE)) == NULL ||
          (closes = read_time (g_strstrip (ends[1]), TRUE)) == NULL ||
          strcmp (closes, opens) <= 0)
        return FALSE;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "opens");
      json_builder_add_string_value (builder, opens);
      json_builder_set_member_name (builder, "closes");
      json_builder_add_string_value (builder, closes);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return TRUE;
}

static gboolean
date_valid (const char *text)
{
  guint year, month, day;

  return strlen (text) == 10 && text[4] == '-' && text[7] == '-' &&
         sscanf (text, "%4u-%2u-%2u", &year, &month, &day) == 3 &&
         g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year);
}

/* The closures typed (whole days), then the site's days of special hours as they were. */
static gboolean
add_exceptions (AtriumResourcesPage *self,
                JsonBuilder         *builder,
                char               **bad)
{
  g_autofree char *text = rpage_row_text (self->closures_row);
  g_auto(GStrv) dates = g_strsplit (text, ",", -1);
  JsonObject *site = rpage_current_site (self);
  JsonArray *exceptions = atrium_json_array_member (site, "exceptions");

  json_builder_begin_array (builder);
  for (guint i = 0; dates[i] != NULL; i++)
    {
      const char *date = g_strstrip (dates[i]);
      const char *note;

      if (date[0] == '\0')
        continue;
      if (!date_valid (date))
        {
          *bad = g_strdup (date);
          return FALSE;
        }
      note = g_hash_table_lookup (self->notes, date);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "date");
      json_builder_add_string_value (builder, date);
      json_builder_set_member_name (builder, "closed");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "note");
      json_builder_add_string_value (builder, note != NULL ? note : "");
      json_builder_end_object (builder);
    }
  for (guint i = 0; exceptions != NULL && i < json_array_get_length (exceptions); i++)
    {
      JsonObject *exception = atrium_json_object_element (exceptions, i);
      JsonNode *periods = exception != NULL ? json_object_get_member (exception, "periods")
                                            : NULL;

      if (atrium_json_bool_member (exception, "closed") || periods == NULL)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "date");
      json_builder_add_string_value (builder, atrium_json_string_member (exception, "date"));
      json_builder_set_member_name (builder, "periods");
      json_builder_add_value (builder, json_node_copy (periods));
      json_builder_set_member_name (builder, "note");
      json_builder_add_string_value (builder, atrium_json_string_member (exception, "note"));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return TRUE;
}

static void
hours_saved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *field = NULL;
  g_autofree char *text = NULL;
  gpointer row = NULL;

  if (rpage_write_finish (user_data, source, result, _("Opening hours saved"), &answer,
                          &error))
    {
      /* The saved site's hours as the server now has them; the other sections keep
       * whatever is being typed there, and another site chosen meanwhile stays shown. */
      JsonObject *saved = JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
      JsonObject *site = rpage_site (self, atrium_json_int_member (saved, "id", 0));
      const char *members[] = { "hours", "exceptions" };

      for (guint i = 0; site != NULL && i < G_N_ELEMENTS (members); i++)
        if (json_object_has_member (saved, members[i]))
          json_object_set_member (site, members[i],
                                  json_node_copy (json_object_get_member (saved, members[i])));
      if (site != NULL && site == rpage_current_site (self))
        rpage_show_hours (self);
      return;
    }
  if (rpage_cancelled (error))
    return;
  field = rpage_refused_field (error);
  for (guint day = 0; field != NULL && day < N_DAYS; day++)
    if (g_str_has_suffix (field, weekdays[day]) && g_str_has_prefix (field, "hours."))
      row = self->day_rows[day];
  if (field != NULL && g_str_has_prefix (field, "exceptions"))
    row = self->closures_row;
  if (row != NULL)
    text = g_strdup_printf (_("%s: the server refused it (periods must not overlap, and a "
                              "date is listed once)."), rpage_row_title (row));
  else
    text = atrium_ui_error_text (error);
  rpage_show_error (self, self->hours_error, row, text);
}

static void
save_hours_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  AtriumResourcesPage *self = ATRIUM_RESOURCES_PAGE (widget);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *bad = NULL;

  rpage_clear_errors (self, self->hours_error);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "hours");
  json_builder_begin_object (builder);
  for (guint day = 0; day < N_DAYS; day++)
    {
      g_autofree char *text = rpage_row_text (self->day_rows[day]);

      json_builder_set_member_name (builder, weekdays[day]);
      if (!add_periods (builder, text))
        {
          g_autofree char *problem =
            g_strdup_printf (_("%s: write periods such as 09:00-12:30, 13:30-19:00, each "
                               "closing after it opens, or leave it empty."),
                             rpage_row_title (self->day_rows[day]));

          rpage_show_error (self, self->hours_error, self->day_rows[day], problem);
          return;
        }
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "exceptions");
  if (!add_exceptions (self, builder, &bad))
    {
      g_autofree char *problem = g_strdup_printf (_("%s: “%s” is not a date written "
                                                    "YYYY-MM-DD."),
                                                  rpage_row_title (self->closures_row), bad);

      rpage_show_error (self, self->hours_error, self->closures_row, problem);
      return;
    }
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  self->saving++;
  rpage_update_actions (self);
  atrium_api_update_site_async (self->api, atrium_resources_page_get_site (self), body,
                                self->writes, hours_saved, self);
}

void
atrium_resources_page_rules_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "resources.save-rules", NULL,
                                   save_rules_activated);
  gtk_widget_class_install_action (widget_class, "resources.save-hours", NULL,
                                   save_hours_activated);
}

void
atrium_resources_page_rules_init (AtriumResourcesPage *self)
{
  for (guint day = 0; day < N_DAYS; day++)
    {
      self->day_rows[day] = ADW_ENTRY_ROW (adw_entry_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->day_rows[day]),
                                     _(weekday_titles[day]));
      adw_preferences_group_add (self->hours_group, GTK_WIDGET (self->day_rows[day]));
    }
  g_signal_connect_swapped (self->rules_type_row, "notify::selected",
                            G_CALLBACK (show_rules), self);
}
