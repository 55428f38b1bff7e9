/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-resources-page.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gi18n.h>

#include "atrium-ui-text.h"
#include "atrium-widget.h"
#include "atrium-window.h"

/* ---- AtriumResourceItem: one resource of the list ------------------------------------ */

struct _AtriumResourceItem
{
  GObject     parent_instance;
  JsonObject *object;
};

G_DEFINE_FINAL_TYPE (AtriumResourceItem, atrium_resource_item, G_TYPE_OBJECT)

static void
atrium_resource_item_finalize (GObject *object)
{
  g_clear_pointer (&ATRIUM_RESOURCE_ITEM (object)->object, json_object_unref);
  G_OBJECT_CLASS (atrium_resource_item_parent_class)->finalize (object);
}

static void
atrium_resource_item_class_init (AtriumResourceItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = atrium_resource_item_finalize;
}

static void
atrium_resource_item_init (AtriumResourceItem *self)
{
}

JsonObject *
atrium_resource_item_get_object (AtriumResourceItem *self)
{
  g_return_val_if_fail (ATRIUM_IS_RESOURCE_ITEM (self), NULL);

  return self->object;
}

/* ---- the page ------------------------------------------------------------------------ */

#define N_DAYS 7

struct _AtriumResourcesPage
{
  GtkWidget     parent_instance;

  GtkDropDown  *site_dropdown;
  GtkLabel     *status_label;
  GtkStack     *section_stack;
  GtkSearchEntry *search_entry;
  GtkListBox   *resources_list;
  GtkWidget    *resource_form;
  AdwPreferencesGroup *resource_group;
  AdwEntryRow  *name_row;
  AdwComboRow  *type_row;
  AdwComboRow  *space_row;
  AdwEntryRow  *capacity_row;
  AdwEntryRow  *description_row;
  GtkSwitch    *quiet_switch;
  GtkSwitch    *power_switch;
  GtkSwitch    *accessible_switch;
  GtkSwitch    *screen_switch;
  GtkLabel     *resource_error;
  AdwComboRow  *rules_type_row;
  AdwEntryRow  *slot_row;
  AdwEntryRow  *min_row;
  AdwEntryRow  *max_row;
  AdwEntryRow  *ahead_row;
  AdwEntryRow  *per_day_row;
  AdwEntryRow  *per_week_row;
  AdwEntryRow  *min_group_row;
  GtkLabel     *rules_error;
  AdwPreferencesGroup *hours_group;
  AdwEntryRow  *day_rows[N_DAYS];
  AdwEntryRow  *closures_row;
  GtkLabel     *hours_error;

  AtriumApi    *api;
  GArray       *wanted;        /* gint64: the sites to offer; empty: all */
  GArray       *site_ids;      /* gint64, as the drop-down lists them */
  GArray       *space_ids;     /* gint64, as the space row lists them; 0 first: none */
  JsonNode     *sites;         /* GET /sites */
  JsonNode     *rules;         /* GET /sites/{id}/booking-rules of the site shown */
  GHashTable   *notes;         /* date → note of the site's closures */
  GListStore   *resources;     /* AtriumResourceItem */
  GtkFilterListModel *shown;   /* those whose name has the search's text */
  GPtrArray    *marked;        /* rows shown in error */
  GCancellable *cancellable;   /* the reads of the site shown */
  GCancellable *writes;        /* the writes; cancelled with the page */
  guint         pending;
  guint         saving;
  gint64        editing;       /* the resource in the form; 0: a new one */
};

G_DEFINE_FINAL_TYPE (AtriumResourcesPage, atrium_resources_page, GTK_TYPE_WIDGET)

static const char * const kinds[] = { "seat", "room", "equipment", NULL };
static const char * const kind_titles[] = { N_("Seat"), N_("Room"), N_("Equipment") };
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

static gboolean
cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A read's answer, or NULL: toasted unless it was cancelled (@gone: then the page may
 * be gone or showing another site, and must not be touched). */
static JsonNode *
read_finish (gpointer      page,
             GObject      *source,
             GAsyncResult *result,
             gboolean     *gone)
{
  g_autoptr(GError) error = NULL;
  JsonNode *answer = atrium_api_document_finish (ATRIUM_API (source), result, &error);

  *gone = answer == NULL && cancelled (error);
  if (answer == NULL && !*gone)
    {
      g_autofree char *text = atrium_ui_error_text (error);

      atrium_toast (GTK_WIDGET (page), text);
    }
  return answer;
}

static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonObject *
object_element (JsonArray *array,
                guint      i)
{
  JsonNode *node = json_array_get_element (array, i);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gint64
int_member (JsonObject *object,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && json_node_get_value_type (node) == G_TYPE_INT64
         ? json_node_get_int (node) : fallback;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : "";
}

static gboolean
bool_member (JsonObject *object,
             const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

static guint
kind_index (const char *kind)
{
  for (guint i = 0; kinds[i] != NULL; i++)
    if (g_strcmp0 (kinds[i], kind) == 0)
      return i;
  return 0;
}

static gint64
current_site_id (AtriumResourcesPage *self)
{
  guint i = gtk_drop_down_get_selected (self->site_dropdown);

  return i < self->site_ids->len ? g_array_index (self->site_ids, gint64, i) : 0;
}

static JsonObject *
current_site (AtriumResourcesPage *self)
{
  JsonArray *sites = self->sites != NULL && JSON_NODE_HOLDS_OBJECT (self->sites)
                     ? array_member (json_node_get_object (self->sites), "sites") : NULL;
  gint64 id = current_site_id (self);

  for (guint i = 0; sites != NULL && id != 0 && i < json_array_get_length (sites); i++)
    if (int_member (object_element (sites, i), "id", 0) == id)
      return object_element (sites, i);
  return NULL;
}

static void
update_actions (AtriumResourcesPage *self)
{
  gboolean site = current_site (self) != NULL;
  gboolean idle = self->saving == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resources.add", site);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resources.save-resource", site && idle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resources.save-rules",
                                 site && idle && self->rules != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resources.save-hours", site && idle);
}

/* ---- inline errors ------------------------------------------------------------------- */

static void
clear_errors (AtriumResourcesPage *self,
              GtkLabel            *label)
{
  for (guint i = 0; i < self->marked->len; i++)
    gtk_widget_remove_css_class (self->marked->pdata[i], "error");
  g_ptr_array_set_size (self->marked, 0);
  gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
}

/* @text under the form; @row (nullable) marked and focused, its text left as typed. */
static void
show_error (AtriumResourcesPage *self,
            GtkLabel            *label,
            gpointer             row,
            const char          *text)
{
  gtk_label_set_text (label, text);
  gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
  if (row != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      g_ptr_array_add (self->marked, row);
      gtk_widget_grab_focus (row);
    }
}

static char *
row_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static const char *
row_title (gpointer row)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
}

/* A whole number of [@min, @max] in @row, or -1 for an empty @nullable one. */
static gboolean
read_number (AdwEntryRow *row,
             gboolean     nullable,
             int          min,
             int          max,
             gint64      *value)
{
  g_autofree char *text = row_text (row);

  if (text[0] == '\0' && nullable)
    {
      *value = -1;
      return TRUE;
    }
  return g_ascii_string_to_signed (text, 10, min, max, value, NULL);
}

static char *
number_problem (AdwEntryRow *row,
                gboolean     nullable,
                int          min,
                int          max)
{
  if (nullable)
    return g_strdup_printf (_("%s: write a whole number from %d to %d, or leave it empty "
                              "for no limit."), row_title (row), min, max);
  return g_strdup_printf (_("%s: write a whole number from %d to %d."), row_title (row), min,
                          max);
}

/* The field a 422 names: its message starts "field: …" (the server's schema checks and
 * validators both write it so). */
static char *
refused_field (const GError *error)
{
  const AtriumApiErrorDetail *detail = atrium_api_error_get_detail (error);
  const char *colon;

  if (detail == NULL || detail->message == NULL ||
      (colon = strchr (detail->message, ':')) == NULL)
    return NULL;
  return g_strndup (detail->message, colon - detail->message);
}

static void
set_number (AdwEntryRow *row,
            gint64       value)
{
  g_autofree char *text = value < 0 ? g_strdup ("") : g_strdup_printf ("%" G_GINT64_FORMAT,
                                                                      value);

  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

/* ---- the resources list -------------------------------------------------------------- */

static char *
resource_subtitle (JsonObject *object)
{
  static const struct { const char *name; const char *title; } attributes[] = {
    { "quiet", N_("quiet") }, { "power", N_("power socket") },
    { "accessible", N_("accessible") }, { "screen", N_("screen") },
  };
  JsonObject *space = object_member (object, "space");
  JsonObject *attrs = object_member (object, "attributes");
  g_autoptr(GString) text = g_string_new (_(kind_titles[kind_index (string_member (object,
                                                                                    "type"))]));

  if (g_strcmp0 (string_member (object, "type"), "room") == 0)
    {
      gint64 places = int_member (object, "capacity", 1);

      g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%d place", "%d places",
                                                 (gulong) places), (int) places);
    }
  if (space != NULL)
    g_string_append_printf (text, " · %s", string_member (space, "name"));
  for (guint i = 0; i < G_N_ELEMENTS (attributes); i++)
    if (bool_member (attrs, attributes[i].name))
      g_string_append_printf (text, " · %s", _(attributes[i].title));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GtkWidget *
create_resource_row (gpointer item,
                     gpointer user_data)
{
  JsonObject *object = atrium_resource_item_get_object (item);
  g_autofree char *subtitle = resource_subtitle (object);
  const char *description = string_member (object, "description");
  g_autofree char *full = description[0] != '\0'
                          ? g_strdup_printf ("%s\n%s", subtitle, description)
                          : g_strdup (subtitle);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), string_member (object, "name"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), full);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (arrow), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Change"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  return row;
}

static char *
item_name (AtriumResourceItem *item)
{
  return g_strdup (string_member (item->object, "name"));
}

static void
search_changed (AtriumResourcesPage *self)
{
  GtkFilter *filter = gtk_filter_list_model_get_filter (self->shown);

  gtk_string_filter_set_search (GTK_STRING_FILTER (filter),
                                gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
resources_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  gboolean gone;
  g_autoptr(JsonNode) document = read_finish (user_data, source, result, &gone);
  JsonArray *list;

  if (gone)
    return;
  self->pending--;
  if (document == NULL)
    return;
  list = array_member (json_node_get_object (document), "resources");
  g_list_store_remove_all (self->resources);
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *object = object_element (list, i);
      AtriumResourceItem *item;

      if (object == NULL || int_member (object, "id", 0) <= 0)
        continue;
      item = g_object_new (ATRIUM_TYPE_RESOURCE_ITEM, NULL);
      item->object = json_object_ref (object);
      g_list_store_append (self->resources, item);
      g_object_unref (item);
    }
}

static void
load_resources (AtriumResourcesPage *self)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/resources?site=%" G_GINT64_FORMAT,
                                           current_site_id (self));

  self->pending++;
  atrium_api_get_document_async (self->api, path, self->cancellable, resources_read, self);
}

/* ---- the resource form --------------------------------------------------------------- */

static void
fill_spaces (AtriumResourcesPage *self,
             gint64               selected)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  JsonArray *spaces = array_member (current_site (self), "spaces");
  gint64 none = 0;
  guint position = 0;

  g_array_set_size (self->space_ids, 0);
  g_array_append_val (self->space_ids, none);
  gtk_string_list_append (names, _("None"));
  for (guint i = 0; spaces != NULL && i < json_array_get_length (spaces); i++)
    {
      JsonObject *space = object_element (spaces, i);
      gint64 id = int_member (space, "id", 0);

      if (id <= 0)
        continue;
      if (id == selected)
        position = self->space_ids->len;
      g_array_append_val (self->space_ids, id);
      gtk_string_list_append (names, string_member (space, "name"));
    }
  adw_combo_row_set_model (self->space_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->space_row, position);
}

static void
kind_changed (AtriumResourcesPage *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->capacity_row),
                          adw_combo_row_get_selected (self->type_row) == kind_index ("room"));
}

/* Opens the form on @object, or empty for a new resource. */
static void
open_form (AtriumResourcesPage *self,
           JsonObject          *object)
{
  JsonObject *attrs = object_member (object, "attributes");

  clear_errors (self, self->resource_error);
  self->editing = object != NULL ? int_member (object, "id", 0) : 0;
  adw_preferences_group_set_title (self->resource_group, object != NULL ? _("Change Resource")
                                                                        : _("New Resource"));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row),
                         object != NULL ? string_member (object, "name") : "");
  gtk_editable_set_text (GTK_EDITABLE (self->description_row),
                         object != NULL ? string_member (object, "description") : "");
  adw_combo_row_set_selected (self->type_row,
                              kind_index (object != NULL ? string_member (object, "type")
                                                         : "seat"));
  /* The server keeps a resource's kind: its rules and bookings depend on it. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->type_row), object == NULL);
  set_number (self->capacity_row, object != NULL ? int_member (object, "capacity", 1) : 1);
  fill_spaces (self, int_member (object_member (object, "space"), "id", 0));
  gtk_switch_set_active (self->quiet_switch, bool_member (attrs, "quiet"));
  gtk_switch_set_active (self->power_switch, bool_member (attrs, "power"));
  gtk_switch_set_active (self->accessible_switch, bool_member (attrs, "accessible"));
  gtk_switch_set_active (self->screen_switch, bool_member (attrs, "screen"));
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

      if (int_member (item->object, "id", 0) == id)
        open_form (self, item->object);
    }
}

static void
resource_activated (AtriumResourcesPage *self,
                    GtkListBoxRow       *row)
{
  g_autoptr(AtriumResourceItem) item =
    g_list_model_get_item (G_LIST_MODEL (self->shown), gtk_list_box_row_get_index (row));

  if (item != NULL)
    open_form (self, item->object);
}

static void
cancel_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  AtriumResourcesPage *self = ATRIUM_RESOURCES_PAGE (widget);

  clear_errors (self, self->resource_error);
  gtk_widget_set_visible (self->resource_form, FALSE);
}

static void
resource_saved (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  const AtriumApiErrorDetail *detail;
  gpointer row = NULL;
  g_autofree char *text = NULL;

  answer = atrium_api_document_finish (ATRIUM_API (source), result, &error);
  if (answer == NULL && cancelled (error))
    return;
  self->saving--;
  update_actions (self);
  if (answer != NULL)
    {
      gtk_widget_set_visible (self->resource_form, FALSE);
      atrium_toast (GTK_WIDGET (self), _("Resource saved"));
      load_resources (self);
      return;
    }
  detail = atrium_api_error_get_detail (error);
  field = refused_field (error);
  if (g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_CONFLICT))
    text = g_strdup_printf (_("%s: this library already has a resource of that name."),
                            row_title (row = self->name_row));
  else if (detail != NULL && g_strcmp0 (detail->code, "invalid_capacity") == 0)
    text = g_strdup_printf (_("%s: only rooms take more than one place."),
                            row_title (row = self->capacity_row));
  else if (detail != NULL && g_strcmp0 (detail->code, "invalid_space") == 0)
    text = g_strdup_printf (_("%s: choose a space of this library."),
                            row_title (row = self->space_row));
  else
    {
      row = g_strcmp0 (field, "name") == 0 ? (gpointer) self->name_row
            : g_strcmp0 (field, "description") == 0 ? (gpointer) self->description_row
            : g_strcmp0 (field, "capacity") == 0 ? (gpointer) self->capacity_row
            : NULL;
      text = atrium_ui_error_text (error);
    }
  show_error (self, self->resource_error, row, text);
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
  g_autofree char *name = row_text (self->name_row);
  g_autofree char *description = row_text (self->description_row);
  guint kind = adw_combo_row_get_selected (self->type_row);
  guint space = adw_combo_row_get_selected (self->space_row);
  gboolean room = kind == kind_index ("room");
  gint64 places = 1;

  clear_errors (self, self->resource_error);
  if (name[0] == '\0' || g_utf8_strlen (name, -1) > 200)
    {
      g_autofree char *text = g_strdup_printf (_("%s: write from 1 to 200 characters."),
                                               row_title (self->name_row));

      show_error (self, self->resource_error, self->name_row, text);
      return;
    }
  if (g_utf8_strlen (description, -1) > 2000)
    {
      g_autofree char *text = g_strdup_printf (_("%s: at most 2000 characters."),
                                               row_title (self->description_row));

      show_error (self, self->resource_error, self->description_row, text);
      return;
    }
  if (room && !read_number (self->capacity_row, FALSE, 1, 1000, &places))
    {
      g_autofree char *text = number_problem (self->capacity_row, FALSE, 1, 1000);

      show_error (self, self->resource_error, self->capacity_row, text);
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
      json_builder_add_string_value (builder, kinds[MIN (kind, 2)]);
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
  update_actions (self);
  if (self->editing != 0)
    atrium_api_update_resource_async (self->api, self->editing, body, self->writes,
                                      resource_saved, self);
  else
    atrium_api_create_resource_async (self->api, current_site_id (self), body, self->writes,
                                      resource_saved, self);
}

/* ---- booking rules ------------------------------------------------------------------- */

static JsonObject *
rules_of (AtriumResourcesPage *self,
          const char          *kind)
{
  JsonArray *rules = self->rules != NULL && JSON_NODE_HOLDS_OBJECT (self->rules)
                     ? array_member (json_node_get_object (self->rules), "rules") : NULL;

  for (guint i = 0; rules != NULL && i < json_array_get_length (rules); i++)
    if (g_strcmp0 (string_member (object_element (rules, i), "type"), kind) == 0)
      return object_element (rules, i);
  return NULL;
}

static void
show_rules (AtriumResourcesPage *self)
{
  guint kind = adw_combo_row_get_selected (self->rules_type_row);
  JsonObject *rules = rules_of (self, kinds[MIN (kind, 2)]);

  clear_errors (self, self->rules_error);
  for (guint i = 0; i < G_N_ELEMENTS (rule_fields); i++)
    set_number (rule_row (self, i), rules != NULL ? int_member (rules, rule_fields[i].field, -1)
                                                  : -1);
}

static void
rules_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  gboolean gone;
  g_autoptr(JsonNode) document = read_finish (user_data, source, result, &gone);

  if (gone)
    return;
  self->pending--;
  g_clear_pointer (&self->rules, json_node_unref);
  self->rules = g_steal_pointer (&document);
  show_rules (self);
  update_actions (self);
}

static void
load_rules (AtriumResourcesPage *self)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/booking-rules",
                                           current_site_id (self));

  self->pending++;
  atrium_api_get_document_async (self->api, path, self->cancellable, rules_read, self);
}

static void
rules_saved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  g_autofree char *text = NULL;

  answer = atrium_api_document_finish (ATRIUM_API (source), result, &error);
  if (answer == NULL && cancelled (error))
    return;
  self->saving--;
  update_actions (self);
  if (answer != NULL)
    {
      atrium_toast (GTK_WIDGET (self), _("Booking rules saved"));
      load_rules (self);
      return;
    }
  field = refused_field (error);
  for (guint i = 0; field != NULL && i < G_N_ELEMENTS (rule_fields); i++)
    if (g_str_equal (field, rule_fields[i].field))
      {
        text = g_strdup_printf (_("%s: the server refused it; it must be %s."),
                                row_title (rule_row (self, i)), _(rule_fields[i].must));
        show_error (self, self->rules_error, rule_row (self, i), text);
        return;
      }
  text = atrium_ui_error_text (error);
  show_error (self, self->rules_error, NULL, text);
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

  clear_errors (self, self->rules_error);
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (rule_fields); i++)
    {
      gint64 value;

      if (!read_number (rule_row (self, i), rule_fields[i].nullable, rule_fields[i].min,
                        rule_fields[i].max, &value))
        {
          g_autofree char *text = number_problem (rule_row (self, i), rule_fields[i].nullable,
                                                  rule_fields[i].min, rule_fields[i].max);

          show_error (self, self->rules_error, rule_row (self, i), text);
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
  update_actions (self);
  atrium_api_put_booking_rules_async (self->api, current_site_id (self), kinds[MIN (kind, 2)],
                                      body, self->writes, rules_saved, self);
}

/* ---- opening hours and closures ------------------------------------------------------ */

static void
show_hours (AtriumResourcesPage *self)
{
  JsonObject *site = current_site (self);
  JsonObject *hours = object_member (site, "hours");
  JsonArray *exceptions = array_member (site, "exceptions");
  g_autoptr(GString) closures = g_string_new (NULL);

  clear_errors (self, self->hours_error);
  for (guint day = 0; day < N_DAYS; day++)
    {
      JsonArray *periods = array_member (hours, weekdays[day]);
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; periods != NULL && i < json_array_get_length (periods); i++)
        {
          JsonObject *period = object_element (periods, i);

          g_string_append_printf (text, "%s%s-%s", i > 0 ? ", " : "",
                                  string_member (period, "opens"),
                                  string_member (period, "closes"));
        }
      gtk_editable_set_text (GTK_EDITABLE (self->day_rows[day]), text->str);
    }
  g_hash_table_remove_all (self->notes);
  for (guint i = 0; exceptions != NULL && i < json_array_get_length (exceptions); i++)
    {
      JsonObject *exception = object_element (exceptions, i);

      if (!bool_member (exception, "closed"))
        continue;
      g_string_append_printf (closures, "%s%s", closures->len > 0 ? ", " : "",
                              string_member (exception, "date"));
      g_hash_table_insert (self->notes, g_strdup (string_member (exception, "date")),
                           g_strdup (string_member (exception, "note")));
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
  g_autofree char *text = row_text (self->closures_row);
  g_auto(GStrv) dates = g_strsplit (text, ",", -1);
  JsonArray *exceptions = array_member (current_site (self), "exceptions");

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
      JsonObject *exception = object_element (exceptions, i);
      JsonNode *periods = exception != NULL ? json_object_get_member (exception, "periods")
                                            : NULL;

      if (bool_member (exception, "closed") || periods == NULL)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "date");
      json_builder_add_string_value (builder, string_member (exception, "date"));
      json_builder_set_member_name (builder, "periods");
      json_builder_add_value (builder, json_node_copy (periods));
      json_builder_set_member_name (builder, "note");
      json_builder_add_string_value (builder, string_member (exception, "note"));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return TRUE;
}

static void sites_read (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data);

static void
hours_saved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  g_autofree char *text = NULL;
  gpointer row = NULL;

  answer = atrium_api_document_finish (ATRIUM_API (source), result, &error);
  if (answer == NULL && cancelled (error))
    return;
  self->saving--;
  update_actions (self);
  if (answer != NULL)
    {
      atrium_toast (GTK_WIDGET (self), _("Opening hours saved"));
      self->pending++;
      atrium_api_get_sites_async (self->api, self->cancellable, sites_read, self);
      return;
    }
  field = refused_field (error);
  for (guint day = 0; field != NULL && day < N_DAYS; day++)
    if (g_str_has_suffix (field, weekdays[day]) && g_str_has_prefix (field, "hours."))
      row = self->day_rows[day];
  if (field != NULL && g_str_has_prefix (field, "exceptions"))
    row = self->closures_row;
  if (row != NULL)
    text = g_strdup_printf (_("%s: the server refused it (periods must not overlap, and a "
                              "date is listed once)."), row_title (row));
  else
    text = atrium_ui_error_text (error);
  show_error (self, self->hours_error, row, text);
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

  clear_errors (self, self->hours_error);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "hours");
  json_builder_begin_object (builder);
  for (guint day = 0; day < N_DAYS; day++)
    {
      g_autofree char *text = row_text (self->day_rows[day]);

      json_builder_set_member_name (builder, weekdays[day]);
      if (!add_periods (builder, text))
        {
          g_autofree char *problem =
            g_strdup_printf (_("%s: write periods such as 09:00-12:30, 13:30-19:00, each "
                               "closing after it opens, or leave it empty."),
                             row_title (self->day_rows[day]));

          show_error (self, self->hours_error, self->day_rows[day], problem);
          return;
        }
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "exceptions");
  if (!add_exceptions (self, builder, &bad))
    {
      g_autofree char *problem = g_strdup_printf (_("%s: “%s” is not a date written "
                                                    "YYYY-MM-DD."),
                                                  row_title (self->closures_row), bad);

      show_error (self, self->hours_error, self->closures_row, problem);
      return;
    }
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  self->saving++;
  update_actions (self);
  atrium_api_update_site_async (self->api, current_site_id (self), body, self->writes,
                                hours_saved, self);
}

/* ---- loading ------------------------------------------------------------------------- */

static void
site_changed (AtriumResourcesPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->pending = 0;
  g_clear_pointer (&self->rules, json_node_unref);
  g_list_store_remove_all (self->resources);
  gtk_widget_set_visible (self->resource_form, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  show_hours (self);
  update_actions (self);
  if (self->api == NULL || current_site (self) == NULL)
    return;
  load_resources (self);
  load_rules (self);
}

static void
sites_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  gboolean gone;
  g_autoptr(JsonNode) document = read_finish (user_data, source, result, &gone);
  g_autoptr(GtkStringList) names = NULL;
  JsonArray *sites;
  guint position = 0;
  gint64 shown;

  if (gone)
    return;
  names = gtk_string_list_new (NULL);
  shown = current_site_id (self);
  self->pending--;
  g_clear_pointer (&self->sites, json_node_unref);
  self->sites = g_steal_pointer (&document);
  g_array_set_size (self->site_ids, 0);
  sites = self->sites != NULL ? array_member (json_node_get_object (self->sites), "sites")
                              : NULL;
  for (guint j = 0; sites != NULL && j < json_array_get_length (sites); j++)
    {
      JsonObject *site = object_element (sites, j);
      gint64 id = int_member (site, "id", 0);
      gboolean wanted = self->wanted->len == 0;

      for (guint i = 0; i < self->wanted->len; i++)
        wanted |= g_array_index (self->wanted, gint64, i) == id;
      if (id <= 0 || !wanted)
        continue;
      if (id == shown)
        position = self->site_ids->len;
      g_array_append_val (self->site_ids, id);
      gtk_string_list_append (names, string_member (site, "name"));
    }
  g_signal_handlers_block_by_func (self->site_dropdown, site_changed, self);
  gtk_drop_down_set_model (self->site_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->site_dropdown, position);
  g_signal_handlers_unblock_by_func (self->site_dropdown, site_changed, self);
  if (self->site_ids->len == 0 && self->sites != NULL)
    {
      gtk_label_set_text (self->status_label, _("There is no library you manage."));
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
    }
  site_changed (self);
}

void
atrium_resources_page_reload (AtriumResourcesPage *self)
{
  g_return_if_fail (ATRIUM_IS_RESOURCES_PAGE (self));

  if (self->api == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->pending = 1;
  atrium_api_get_sites_async (self->api, self->cancellable, sites_read, self);
}

static void
reload_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  atrium_resources_page_reload (ATRIUM_RESOURCES_PAGE (widget));
}

void
atrium_resources_page_set_data (AtriumResourcesPage *self,
                                AtriumApi           *api,
                                const gint64        *sites,
                                guint                n_sites)
{
  g_return_if_fail (ATRIUM_IS_RESOURCES_PAGE (self));
  g_return_if_fail (ATRIUM_IS_API (api));

  g_cancellable_cancel (self->writes);
  g_clear_object (&self->writes);
  self->writes = g_cancellable_new ();
  self->saving = 0;
  g_set_object (&self->api, api);
  g_array_set_size (self->wanted, 0);
  g_array_append_vals (self->wanted, sites, n_sites);
  atrium_resources_page_reload (self);
}

void
atrium_resources_page_set_user (AtriumResourcesPage *self,
                                AtriumApplication   *app)
{
  gboolean admin = atrium_application_has_role (app, "admin");
  g_autoptr(GArray) managed = atrium_application_get_role_sites (app, "manager");

  g_return_if_fail (ATRIUM_IS_RESOURCES_PAGE (self));

  atrium_resources_page_set_data (self, atrium_application_get_api (app),
                                  admin ? NULL : (const gint64 *) (gpointer) managed->data,
                                  admin ? 0 : managed->len);
}

gboolean
atrium_resources_page_get_busy (AtriumResourcesPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_RESOURCES_PAGE (self), FALSE);

  return self->pending > 0 || self->saving > 0;
}

gint64
atrium_resources_page_get_site (AtriumResourcesPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_RESOURCES_PAGE (self), 0);

  return current_site_id (self);
}

GListModel *
atrium_resources_page_get_resources (AtriumResourcesPage *self)
{
  g_return_val_if_fail (ATRIUM_IS_RESOURCES_PAGE (self), NULL);

  return G_LIST_MODEL (self->resources);
}

/* ---- GObject ------------------------------------------------------------------------- */

static void
atrium_resources_page_dispose (GObject *object)
{
  AtriumResourcesPage *self = ATRIUM_RESOURCES_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->writes);
  g_clear_object (&self->writes);
  if (self->marked != NULL)
    g_ptr_array_set_size (self->marked, 0);
  atrium_widget_dispose_children (GTK_WIDGET (self), ATRIUM_TYPE_RESOURCES_PAGE);
  g_clear_object (&self->api);
  g_clear_object (&self->shown);
  g_clear_object (&self->resources);
  G_OBJECT_CLASS (atrium_resources_page_parent_class)->dispose (object);
}

static void
atrium_resources_page_finalize (GObject *object)
{
  AtriumResourcesPage *self = ATRIUM_RESOURCES_PAGE (object);

  g_array_unref (self->wanted);
  g_array_unref (self->site_ids);
  g_array_unref (self->space_ids);
  g_clear_pointer (&self->sites, json_node_unref);
  g_clear_pointer (&self->rules, json_node_unref);
  g_hash_table_unref (self->notes);
  g_ptr_array_unref (self->marked);
  G_OBJECT_CLASS (atrium_resources_page_parent_class)->finalize (object);
}

static void
atrium_resources_page_class_init (AtriumResourcesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_resources_page_dispose;
  object_class->finalize = atrium_resources_page_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-resources-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, site_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, section_stack);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, resources_list);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, resource_form);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, resource_group);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, type_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, space_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, capacity_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, description_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, quiet_switch);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, power_switch);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, accessible_switch);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, screen_switch);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, resource_error);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, rules_type_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, slot_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, min_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, max_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, ahead_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, per_day_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, per_week_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, min_group_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, rules_error);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, hours_group);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, closures_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumResourcesPage, hours_error);
  gtk_widget_class_install_action (widget_class, "resources.reload", NULL, reload_activated);
  gtk_widget_class_install_action (widget_class, "resources.add", NULL, add_activated);
  gtk_widget_class_install_action (widget_class, "resources.edit", "x", edit_activated);
  gtk_widget_class_install_action (widget_class, "resources.cancel", NULL, cancel_activated);
  gtk_widget_class_install_action (widget_class, "resources.save-resource", NULL,
                                   save_resource_activated);
  gtk_widget_class_install_action (widget_class, "resources.save-rules", NULL,
                                   save_rules_activated);
  gtk_widget_class_install_action (widget_class, "resources.save-hours", NULL,
                                   save_hours_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
atrium_resources_page_init (AtriumResourcesPage *self)
{
  self->wanted = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->site_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->space_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->notes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->marked = g_ptr_array_new ();
  self->resources = g_list_store_new (ATRIUM_TYPE_RESOURCE_ITEM);
  self->cancellable = g_cancellable_new ();
  self->writes = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint day = 0; day < N_DAYS; day++)
    {
      self->day_rows[day] = ADW_ENTRY_ROW (adw_entry_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->day_rows[day]),
                                     _(weekday_titles[day]));
      adw_preferences_group_add (self->hours_group, GTK_WIDGET (self->day_rows[day]));
    }
  self->shown = gtk_filter_list_model_new (
    G_LIST_MODEL (g_object_ref (self->resources)),
    GTK_FILTER (gtk_string_filter_new (gtk_cclosure_expression_new (
      G_TYPE_STRING, NULL, 0, NULL, G_CALLBACK (item_name), NULL, NULL))));
  gtk_list_box_bind_model (self->resources_list, G_LIST_MODEL (self->shown),
                           create_resource_row, NULL, NULL);
  g_signal_connect_swapped (self->search_entry, "search-changed",
                            G_CALLBACK (search_changed), self);
  gtk_list_box_set_placeholder (self->resources_list,
                                gtk_label_new (_("No resource yet.")));
  g_signal_connect_swapped (self->resources_list, "row-activated",
                            G_CALLBACK (resource_activated), self);
  g_signal_connect_swapped (self->site_dropdown, "notify::selected",
                            G_CALLBACK (site_changed), self);
  g_signal_connect_swapped (self->type_row, "notify::selected",
                            G_CALLBACK (kind_changed), self);
  g_signal_connect_swapped (self->rules_type_row, "notify::selected",
                            G_CALLBACK (show_rules), self);
  update_actions (self);
}

GtkWidget *
atrium_resources_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_RESOURCES_PAGE, NULL);
}
