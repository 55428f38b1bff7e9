/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-resources-page-private.h"

#include <string.h>
#include <glib/gi18n.h>

#include "atrium-json-read.h"
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

G_DEFINE_FINAL_TYPE (AtriumResourcesPage, atrium_resources_page, GTK_TYPE_WIDGET)

const char * const atrium_resource_kinds[] = { "seat", "room", "equipment", NULL };
static const char * const kind_titles[] = { N_("Seat"), N_("Room"), N_("Equipment") };

gboolean
rpage_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A read's answer, or NULL: toasted unless it was cancelled (@gone: then the page may
 * be gone or showing another site, and must not be touched). */
JsonNode *
rpage_read_finish (gpointer      page,
                   GObject      *source,
                   GAsyncResult *result,
                   gboolean     *gone)
{
  g_autoptr(GError) error = NULL;
  JsonNode *answer = atrium_api_document_finish (ATRIUM_API (source), result, &error);

  *gone = answer == NULL && rpage_cancelled (error);
  if (answer == NULL && !*gone)
    {
      g_autofree char *text = atrium_ui_error_text (error);

      atrium_toast (GTK_WIDGET (page), text);
    }
  return answer;
}

guint
rpage_kind_index (const char *kind)
{
  for (guint i = 0; atrium_resource_kinds[i] != NULL; i++)
    if (g_strcmp0 (atrium_resource_kinds[i], kind) == 0)
      return i;
  return 0;
}

JsonObject *
rpage_current_site (AtriumResourcesPage *self)
{
  return rpage_site (self, atrium_resources_page_get_site (self));
}

gboolean
rpage_write_finish (gpointer       page,
                    GObject       *source,
                    GAsyncResult  *result,
                    const char    *done,
                    JsonNode     **answer_out,
                    GError       **error)
{
  AtriumResourcesPage *self = page;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result, error);

  if (answer == NULL && rpage_cancelled (*error))
    return FALSE;
  self->saving--;
  rpage_update_actions (self);
  if (answer == NULL)
    return FALSE;
  atrium_toast (GTK_WIDGET (self), done);
  if (answer_out != NULL)
    *answer_out = g_steal_pointer (&answer);
  return TRUE;
}

/* The site @id as this page keeps it, or NULL. */
JsonObject *
rpage_site (AtriumResourcesPage *self,
            gint64               id)
{
  JsonArray *sites = atrium_json_document_array (self->sites, "sites");

  for (guint i = 0; sites != NULL && id != 0 && i < json_array_get_length (sites); i++)
    if (atrium_json_int_member (atrium_json_object_element (sites, i), "id", 0) == id)
      return atrium_json_object_element (sites, i);
  return NULL;
}

void
rpage_update_actions (AtriumResourcesPage *self)
{
  gboolean site = rpage_current_site (self) != NULL;
  gboolean idle = self->saving == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resources.add", site);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resources.save-resource", site && idle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resources.save-rules",
                                 site && idle && self->rules != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resources.save-hours", site && idle);
}

/* ---- inline errors ------------------------------------------------------------------- */

void
rpage_clear_errors (AtriumResourcesPage *self,
                    GtkLabel            *label)
{
  for (guint i = 0; i < self->marked->len; i++)
    gtk_widget_remove_css_class (self->marked->pdata[i], "error");
  g_ptr_array_set_size (self->marked, 0);
  gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
}

/* @text under the form; @row (nullable) marked and focused, its text left as typed. */
/* A marked row loses its mark as soon as it is edited. */
static void
unmark (GtkWidget *row)
{
  gtk_widget_remove_css_class (row, "error");
  g_signal_handlers_disconnect_by_func (row, unmark, NULL);
}

void
rpage_show_error (AtriumResourcesPage *self,
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
      if (GTK_IS_EDITABLE (row))
        g_signal_connect (row, "changed", G_CALLBACK (unmark), NULL);
      gtk_widget_grab_focus (row);
    }
}

char *
rpage_row_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

const char *
rpage_row_title (gpointer row)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
}

/* A whole number of [@min, @max] in @row, or -1 for an empty @nullable one. */
gboolean
rpage_read_number (AdwEntryRow *row,
                   gboolean     nullable,
                   int          min,
                   int          max,
                   gint64      *value)
{
  g_autofree char *text = rpage_row_text (row);

  if (text[0] == '\0' && nullable)
    {
      *value = -1;
      return TRUE;
    }
  return g_ascii_string_to_signed (text, 10, min, max, value, NULL);
}

char *
rpage_number_problem (AdwEntryRow *row,
                      gboolean     nullable,
                      int          min,
                      int          max)
{
  if (nullable)
    return g_strdup_printf (_("%s: write a whole number from %d to %d, or leave it empty "
                              "for no limit."), rpage_row_title (row), min, max);
  return g_strdup_printf (_("%s: write a whole number from %d to %d."), rpage_row_title (row), min,
                          max);
}

/* The field a 422 names: its message starts "field: …" (the server's schema checks and
 * validators both write it so). */
char *
rpage_refused_field (const GError *error)
{
  const AtriumApiErrorDetail *detail = atrium_api_error_get_detail (error);
  const char *colon;

  if (detail == NULL || detail->message == NULL ||
      (colon = strchr (detail->message, ':')) == NULL)
    return NULL;
  return g_strndup (detail->message, colon - detail->message);
}

void
rpage_set_number (AdwEntryRow *row,
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
  JsonObject *space = atrium_json_object_member (object, "space");
  JsonObject *attrs = atrium_json_object_member (object, "attributes");
  const char *kind = atrium_json_string_member (object, "type");
  g_autoptr(GString) text = g_string_new (_(kind_titles[rpage_kind_index (kind)]));

  if (g_strcmp0 (atrium_json_string_member (object, "type"), "room") == 0)
    {
      gint64 places = atrium_json_int_member (object, "capacity", 1);

      g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%d place", "%d places",
                                                 (gulong) places), (int) places);
    }
  if (space != NULL)
    g_string_append_printf (text, " · %s", atrium_json_string_member (space, "name"));
  for (guint i = 0; i < G_N_ELEMENTS (attributes); i++)
    if (atrium_json_bool_member (attrs, attributes[i].name))
      g_string_append_printf (text, " · %s", _(attributes[i].title));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GtkWidget *
create_resource_row (gpointer item,
                     gpointer user_data)
{
  JsonObject *object = atrium_resource_item_get_object (item);
  g_autofree char *subtitle = resource_subtitle (object);
  const char *description = atrium_json_string_member (object, "description");
  g_autofree char *full = description[0] != '\0'
                          ? g_strdup_printf ("%s\n%s", subtitle, description)
                          : g_strdup (subtitle);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 atrium_json_string_member (object, "name"));
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
  return g_strdup (atrium_json_string_member (item->object, "name"));
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
  g_autoptr(JsonNode) document = rpage_read_finish (user_data, source, result,
                                                    &gone);
  JsonArray *list;

  if (gone)
    return;
  self->pending--;
  if (document == NULL)
    return;
  list = atrium_json_array_member (json_node_get_object (document), "resources");
  g_list_store_remove_all (self->resources);
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *object = atrium_json_object_element (list, i);
      AtriumResourceItem *item;

      if (object == NULL || atrium_json_int_member (object, "id", 0) <= 0)
        continue;
      item = g_object_new (ATRIUM_TYPE_RESOURCE_ITEM, NULL);
      item->object = json_object_ref (object);
      g_list_store_append (self->resources, item);
      g_object_unref (item);
    }
}

void
rpage_load_resources (AtriumResourcesPage *self)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/resources?site=%" G_GINT64_FORMAT,
                                           atrium_resources_page_get_site (self));

  self->pending++;
  atrium_api_get_document_async (self->api, path, self->cancellable, resources_read, self);
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
  rpage_show_hours (self);
  rpage_update_actions (self);
  if (self->api == NULL || rpage_current_site (self) == NULL)
    return;
  rpage_load_resources (self);
  rpage_load_rules (self);
}

static void
sites_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumResourcesPage *self = user_data;
  gboolean gone;
  g_autoptr(JsonNode) document = rpage_read_finish (user_data, source, result,
                                                    &gone);
  g_autoptr(GtkStringList) names = NULL;
  JsonArray *sites;
  guint position = 0;
  gint64 shown;

  if (gone)
    return;
  names = gtk_string_list_new (NULL);
  shown = atrium_resources_page_get_site (self);
  self->pending--;
  g_clear_pointer (&self->sites, json_node_unref);
  self->sites = g_steal_pointer (&document);
  g_array_set_size (self->site_ids, 0);
  sites = atrium_json_document_array (self->sites, "sites");
  for (guint j = 0; sites != NULL && j < json_array_get_length (sites); j++)
    {
      JsonObject *site = atrium_json_object_element (sites, j);
      gint64 id = atrium_json_int_member (site, "id", 0);
      gboolean wanted = self->wanted->len == 0;

      for (guint i = 0; i < self->wanted->len; i++)
        wanted |= g_array_index (self->wanted, gint64, i) == id;
      if (id <= 0 || !wanted)
        continue;
      if (id == shown)
        position = self->site_ids->len;
      g_array_append_val (self->site_ids, id);
      gtk_string_list_append (names, atrium_json_string_member (site, "name"));
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
  guint i;

  g_return_val_if_fail (ATRIUM_IS_RESOURCES_PAGE (self), 0);

  i = gtk_drop_down_get_selected (self->site_dropdown);
  return i < self->site_ids->len ? g_array_index (self->site_ids, gint64, i) : 0;
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
  atrium_resources_page_form_class_init (widget_class);
  atrium_resources_page_rules_class_init (widget_class);
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
  g_signal_connect_swapped (self->site_dropdown, "notify::selected",
                            G_CALLBACK (site_changed), self);
  atrium_resources_page_form_init (self);
  atrium_resources_page_rules_init (self);
  rpage_update_actions (self);
}

GtkWidget *
atrium_resources_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_RESOURCES_PAGE, NULL);
}
