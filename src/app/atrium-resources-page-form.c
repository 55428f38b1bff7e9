/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-resources-page-private.h"

#include <string.h>
#include <glib/gi18n.h>

#include "atrium-json-read.h"
#include "atrium-ui-text.h"
#include "atrium-window.h"

/* The resources page's form: a resource added, or one of the list changed. */

/* ---- the resource form --------------------------------------------------------------- */

static void
fill_spaces (AtriumResourcesPage *self,
             gint64               selected)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  JsonObject *site = rpage_current_site (self);
  JsonArray *spaces = atrium_json_array_member (site, "spaces");
  gint64 none = 0;
  guint position = 0;

  g_array_set_size (self->space_ids, 0);
  g_array_append_val (self->space_ids, none);
  gtk_string_list_append (names, _("None"));
  for (guint i = 0; spaces != NULL && i < json_array_get_length (spaces); i++)
    {
      JsonObject *space = atrium_json_object_element (spaces, i);
      gint64 id = atrium_json_int_member (space, "id", 0);

      if (id <= 0)
        continue;
      if (id == selected)
        position = self->space_ids->len;
      g_array_append_val (self->space_ids, id);
      gtk_string_list_append (names, atrium_json_string_member (space, "name"));
    }
  adw_combo_row_set_model (self->space_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->space_row, position);
}

static void
kind_changed (AtriumResourcesPage *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->capacity_row),
                          adw_combo_row_get_selected (self->type_row) ==
                          rpage_kind_index ("room"));
}

/* Opens the form on @object, or empty for a new resource. */
static void
open_form (AtriumResourcesPage *self,
           JsonObject          *object)
{
  JsonObject *attrs = atrium_json_object_member (object, "attributes");

  rpage_clear_errors (self, self->resource_error);
  self->editing = object != NULL ? atrium_json_int_member (object, "id", 0) : 0;
  adw_preferences_group_set_title (self->resource_group, object != NULL ? _("Change Resource")
                                                                        : _("New Resource"));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row),
                         object != NULL ? atrium_json_string_member (object, "name") : "");
  gtk_editable_set_text (GTK_EDITABLE (self->description_row),
                         object != NULL ? atrium_json_string_member (object, "description") : "");
  adw_combo_row_set_selected (self->type_row,
                              rpage_kind_index (
                                atrium_json_string_member (object, "type")));
  /* The server keeps a resource's kind: its rules and bookings depend on it. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->type_row), object == NULL);
  rpage_set_number (self->capacity_row,
                    atrium_json_int_member (object, "capacity", 1));
  fill_spaces (self, atrium_json_int_member (atrium_json_object_member (object, "space"), "id",
                                             0));
  gtk_switch_set_active (self->quiet_switch, atrium_json_bool_member (attrs, "quiet"));
  gtk_switch_set_active (self->power_switch, atrium_json_bool_member (attrs, "power"));
  gtk_switch_set_active (self->accessible_switch, atrium_json_bool_member (attrs, "accessible"));
  gtk_switch_set_active (self->screen_switch, atrium_json_bool_member (attrs, "screen"));
  kind_changed (self);
  gtk_widget_set_visible (self->resource_form, TRUE);
  /* The form is above the list, which can be long. */
  gtk_stack_set_visible_child_name (self->section_stack, "resources");
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (
    gtk_widget_get_ancestor (self->resource_form, GTK_TYPE_SCROLLED_WINDOW))), 0);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}

static void
add_activated (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  open_form (ATRIUM_RESOURCES_PAGE (widget), NULL);
}

static void
edit_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  AtriumResourcesPage *self = ATRIUM_RESOURCES_PAGE (widget);
  gint64 id = g_variant_get_int64 (parameter);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->resources)); i++)
    {
      g_autoptr(AtriumResourceItem) item = g_list_model_get_item (G_LIST_MODEL (self->resources),
                                                                  i);

      if (atrium_json_int_member (atrium_resource_item_get_object (item), "id", 0) == id)
        open_form (self, atrium_resource_item_get_object (item));
    }
}

static void
resource_activated (AtriumResourcesPage *self,
                    GtkListBoxRow       *row)
{
  g_autoptr(AtriumResourceItem) item =
    g_list_model_get_item (G_LIST_MODEL (self->shown), gtk_list_box_row_get_index (row));

  if (item != NULL)
    open_form (self, atrium_resource_item_get_object (item));
}

static void
cancel_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  AtriumResourcesPage *self = ATRIUM_RESOURCES_PAGE (widget);

  rpage_clear_errors (self, self->resource_error);
  gtk_widget_set_visible (self->resource_form, FALSE);
}

static void
resource_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  const AtriumApiErrorDetail *detail;
  gpointer row = NULL;
  g_autofree char *text = NULL;

  if (rpage_write_finish (user_data, source, result, _("Resource saved"), NULL, &error))
    {
      gtk_widget_set_visible (self->resource_form, FALSE);
      rpage_load_resources (self);
      return;
    }
  if (rpage_cancelled (error))
    return;
  detail = atrium_api_error_get_detail (error);
  field = rpage_refused_field (error);
  if (g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_CONFLICT))
    text = g_strdup_printf (_("%s: this library already has a resource of that name."),
                            rpage_row_title (row = self->name_row));
  else if (detail != NULL && g_strcmp0 (detail->code, "invalid_capacity") == 0)
    text = g_strdup_printf (_("%s: only rooms take more than one place."),
                            rpage_row_title (row = self->capacity_row));
  else if (detail != NULL && g_strcmp0 (detail->code, "invalid_space") == 0)
    text = g_strdup_printf (_("%s: choose a space of this library."),
                            rpage_row_title (row = self->space_row));
  else
    {
      row = g_strcmp0 (field, "name") == 0 ? (gpointer) self->name_row
            : g_strcmp0 (field, "description") == 0 ? (gpointer) self->description_row
            : g_strcmp0 (field, "capacity") == 0 ? (gpointer) self->capacity_row
            : NULL;
      text = atrium_ui_error_text (error);
    }
  rpage_show_error (self, self->resource_error, row, text);
}

static void
add_bool (JsonBuilder *builder,
          const char  *name,
          GtkSwitch   *toggle)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, gtk_switch_get_active (toggle));
}

static void
save_resource_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  AtriumResourcesPage *self = ATRIUM_RESOURCES_PAGE (widget);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *name = rpage_row_text (self->name_row);
  g_autofree char *description = rpage_row_text (self->description_row);
  guint kind = adw_combo_row_get_selected (self->type_row);
  guint space = adw_combo_row_get_selected (self->space_row);
  gboolean room = kind == rpage_kind_index ("room");
  gint64 places = 1;

  rpage_clear_errors (self, self->resource_error);
  if (name[0] == '\0' || g_utf8_strlen (name, -1) > 200)
    {
      g_autofree char *text = g_strdup_printf (_("%s: write from 1 to 200 characters."),
                                               rpage_row_title (self->name_row));

      rpage_show_error (self, self->resource_error, self->name_row, text);
      return;
    }
  if (g_utf8_strlen (description, -1) > 2000)
    {
      g_autofree char *text = g_strdup_printf (_("%s: at most 2000 characters."),
                                               rpage_row_title (self->description_row));

      rpage_show_error (self, self->resource_error, self->description_row, text);
      return;
    }
  if (room && !rpage_read_number (self->capacity_row, FALSE, 1, 1000, &places))
    {
      g_autofree char *text = rpage_number_problem (self->capacity_row, FALSE,
                                                    1, 1000);

      rpage_show_error (self, self->resource_error, self->capacity_row, text);
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, description);
  if (self->editing == 0)
    {
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, atrium_resource_kinds[MIN (kind, 2)]);
    }
  if (room)
    {
      json_builder_set_member_name (builder, "capacity");
      json_builder_add_int_value (builder, places);
    }
  json_builder_set_member_name (builder, "space_id");
  if (space == 0 || space >= self->space_ids->len)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, g_array_index (self->space_ids, gint64, space));
  json_builder_set_member_name (builder, "attributes");
  json_builder_begin_object (builder);
  add_bool (builder, "quiet", self->quiet_switch);
  add_bool (builder, "power", self->power_switch);
  add_bool (builder, "accessible", self->accessible_switch);
  add_bool (builder, "screen", self->screen_switch);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  self->saving++;
  rpage_update_actions (self);
  if (self->editing != 0)
    atrium_api_update_resource_async (self->api, self->editing, body, self->writes,
                                      resource_saved, self);
  else
    atrium_api_create_resource_async (self->api, atrium_resources_page_get_site (self), body,
                                      self->writes, resource_saved, self);
}

void
atrium_resources_page_form_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "resources.add", NULL, add_activated);
  gtk_widget_class_install_action (widget_class, "resources.edit", "x", edit_activated);
  gtk_widget_class_install_action (widget_class, "resources.cancel", NULL, cancel_activated);
  gtk_widget_class_install_action (widget_class, "resources.save-resource", NULL,
                                   save_resource_activated);
}

void
atrium_resources_page_form_init (AtriumResourcesPage *self)
{
  g_signal_connect_swapped (self->resources_list, "row-activated",
                            G_CALLBACK (resource_activated), self);
  g_signal_connect_swapped (self->type_row, "notify::selected",
                            G_CALLBACK (kind_changed), self);
}
