/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A manager's resources and booking rules, through the real widgets against the real
 * embedded demo backend: a resource added with attributes and then changed, a rule
 * changed, each read back through the API by another client; bad values refused with
 * a visible error while the form keeps what was typed; opening hours saved.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "atrium-resources-page.h"
#include "atrium-ui-test.h"

static AtriumApplication *the_app;
static AtriumApi *reader;     /* another client, signed in as the demo patron */

static void
start_app (void)
{
  if (the_app == NULL)
    the_app = atrium_ui_test_start_demo (NULL);
}

static gboolean
idle_page (gpointer data)
{
  return !atrium_resources_page_get_busy (data) && atrium_resources_page_get_site (data) > 0;
}

static void
wait_idle (AtriumResourcesPage *page)
{
  atrium_ui_test_spin_until (idle_page, page, 60);
  atrium_ui_test_spin_for (200);
}

static AtriumResourcesPage *
open_page (void)
{
  AtriumWindow *win = atrium_ui_test_window ();
  AdwViewStack *stack = atrium_window_get_view_stack (win);
  AtriumResourcesPage *page;

  g_assert_true (adw_view_stack_page_get_visible (adw_view_stack_get_page (
    stack, adw_view_stack_get_child_by_name (stack, "resources"))));
  adw_view_stack_set_visible_child_name (stack, "resources");
  page = ATRIUM_RESOURCES_PAGE (atrium_ui_test_find_widget (GTK_WIDGET (win),
                                                            ATRIUM_TYPE_RESOURCES_PAGE));
  wait_idle (page);
  return page;
}

/* A document of the API, read by the other client. */
static JsonNode *
read_document (const char *path)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  JsonNode *document;

  if (reader == NULL)
    {
      const AtriumDemoAccount *patron = atrium_ui_test_demo_account ("demo-patron");
      g_autoptr(AtriumLoginResult) login = NULL;

      reader = atrium_api_new_for_unix_socket (atrium_embedded_get_socket_path (
        atrium_application_get_embedded (the_app)));
      atrium_api_login_async (reader, patron->name, patron->password, NULL,
                              atrium_ui_test_took_result, &result);
      atrium_ui_test_spin_until (atrium_ui_test_has_result, &result, 30);
      login = atrium_api_login_finish (reader, result, &error);
      g_assert_no_error (error);
      g_clear_object (&result);
    }
  atrium_api_get_document_async (reader, path, NULL, atrium_ui_test_took_result, &result);
  atrium_ui_test_spin_until (atrium_ui_test_has_result, &result, 30);
  document = atrium_api_document_finish (reader, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return document;
}

/* The site's resource named @name as the server has it, or NULL. */
static JsonObject *
stored_resource (gint64      site,
                 const char *name)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/resources?site=%" G_GINT64_FORMAT, site);
  g_autoptr(JsonNode) document = read_document (path);
  JsonArray *list = json_object_get_array_member (json_node_get_object (document),
                                                  "resources");

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *resource = json_array_get_object_element (list, i);

      if (g_strcmp0 (json_object_get_string_member (resource, "name"), name) == 0)
        return json_object_ref (resource);
    }
  return NULL;
}

static JsonObject *
stored_rules (gint64      site,
              const char *type)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT "/booking-rules",
                                           site);
  g_autoptr(JsonNode) document = read_document (path);
  JsonArray *rules = json_object_get_array_member (json_node_get_object (document), "rules");

  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonObject *one = json_array_get_object_element (rules, i);

      if (g_str_equal (json_object_get_string_member (one, "type"), type))
        return json_object_ref (one);
    }
  g_assert_not_reached ();
}

static gboolean
attribute (JsonObject *resource,
           const char *name)
{
  JsonObject *attributes = json_object_get_object_member (resource, "attributes");

  return json_object_get_boolean_member_with_default (attributes, name, FALSE);
}

/* The switch of the action row titled @title. */
static GtkSwitch *
find_switch (GtkWidget  *root,
             const char *title)
{
  GtkWidget *row = atrium_ui_test_find_titled (root, ADW_TYPE_ACTION_ROW, title);

  g_assert_nonnull (row);
  return GTK_SWITCH (atrium_ui_test_find_widget (row, GTK_TYPE_SWITCH));
}

/* The text of the visible error label under @root, or NULL. */
static const char *
shown_error (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *found;

      /* A stack's other pages stay "visible" but not child-visible. */
      if (!gtk_widget_get_visible (child) || !gtk_widget_get_child_visible (child))
        continue;
      if (GTK_IS_LABEL (child) && gtk_widget_has_css_class (child, "error"))
        return gtk_label_get_text (GTK_LABEL (child));
      if ((found = shown_error (child)) != NULL)
        return found;
    }
  return NULL;
}

static const char *
row_text (GtkWidget  *root,
          const char *title)
{
  GtkWidget *row = atrium_ui_test_find_row (root, title);

  g_assert_nonnull (row);
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
press (GtkWidget  *root,
       const char *label)
{
  GtkButton *button = atrium_ui_test_find_button (root, label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  gtk_widget_activate (GTK_WIDGET (button));
  /* An activated button clicks a moment later, as a pressed one would. */
  atrium_ui_test_spin_for (400);
}

static gint64
number (const char *text)
{
  gint64 value = 0;

  g_assert_true (g_ascii_string_to_signed (text, 10, 0, G_MAXINT, &value, NULL));
  return value;
}

/* The stack under @root that has a child named @name. */
static GtkStack *
find_stack (GtkWidget  *root,
            const char *name)
{
  if (GTK_IS_STACK (root) && gtk_stack_get_child_by_name (GTK_STACK (root), name) != NULL)
    return GTK_STACK (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkStack *found = find_stack (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Shows the section named @name ("resources", "rules", "hours"), as its switcher does. */
static void
show_section (AtriumResourcesPage *page,
              const char          *name)
{
  GtkStack *stack = find_stack (GTK_WIDGET (page), name);

  g_assert_nonnull (stack);
  gtk_stack_set_visible_child_name (stack, name);
  atrium_ui_test_spin_for (300);
}

/* A screenshot of each section, @prefix-SECTION.png. */
static void
screenshots (AtriumResourcesPage *page,
             const char          *prefix)
{
  const char *sections[] = { "resources", "rules", "hours" };

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%s.png", prefix, sections[i]);

      show_section (page, sections[i]);
      atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()), name);
    }
}

static void
test_resource (void)
{
  AtriumResourcesPage *page;
  GtkWidget *root;
  g_autoptr(JsonObject) added = NULL;
  g_autoptr(JsonObject) changed = NULL;
  gint64 site;

  start_app ();
  atrium_ui_test_sign_in ("demo-manager", TRUE);
  page = open_page ();
  root = GTK_WIDGET (page);
  site = atrium_resources_page_get_site (page);
  g_assert_cmpuint (g_list_model_get_n_items (atrium_resources_page_get_resources (page)), >,
                    0);
  screenshots (page, "wide");
  show_section (page, "resources");

  /* A name is needed: refused on the form, nothing sent, the rest kept. */
  press (root, "Add");
  atrium_ui_test_type_into (root, "Description", "By the east window");
  gtk_switch_set_active (find_switch (root, "Quiet"), TRUE);
  press (root, "Save Resource");
  g_assert_nonnull (shown_error (root));
  g_assert_true (g_str_has_prefix (shown_error (root), "Name:"));
  g_assert_false (atrium_resources_page_get_busy (page));
  g_assert_cmpstr (row_text (root, "Description"), ==, "By the east window");
  g_assert_true (gtk_switch_get_active (find_switch (root, "Quiet")));

  atrium_ui_test_type_into (root, "Name", "Carrel E7");
  gtk_switch_set_active (find_switch (root, "Power socket"), TRUE);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()), "resource-form.png");
  press (root, "Save Resource");
  wait_idle (page);
  g_assert_null (shown_error (root));
  added = stored_resource (site, "Carrel E7");
  g_assert_nonnull (added);
  g_assert_cmpstr (json_object_get_string_member (added, "type"), ==, "seat");
  g_assert_cmpstr (json_object_get_string_member (added, "description"), ==,
                   "By the east window");
  g_assert_true (attribute (added, "quiet"));
  g_assert_true (attribute (added, "power"));
  g_assert_false (attribute (added, "screen"));

  /* Changed from its row of the list. */
  gtk_widget_activate_action (root, "resources.edit", "x",
                              json_object_get_int_member (added, "id"));
  g_assert_cmpstr (row_text (root, "Name"), ==, "Carrel E7");
  atrium_ui_test_type_into (root, "Description", "East window, with a screen");
  gtk_switch_set_active (find_switch (root, "Screen"), TRUE);
  press (root, "Save Resource");
  wait_idle (page);
  g_assert_null (shown_error (root));
  changed = stored_resource (site, "Carrel E7");
  /* Found by name in the list. */
  gtk_editable_set_text (GTK_EDITABLE (atrium_ui_test_find_widget (root,
                                                                   GTK_TYPE_SEARCH_ENTRY)),
                         "Carrel");
  atrium_ui_test_spin_for (600);
  g_assert_cmpint (json_object_get_int_member (changed, "id"), ==,
                   json_object_get_int_member (added, "id"));
  g_assert_cmpstr (json_object_get_string_member (changed, "description"), ==,
                   "East window, with a screen");
  g_assert_true (attribute (changed, "screen"));
  g_assert_true (attribute (changed, "quiet"));
}

static void
test_rules (void)
{
  AtriumResourcesPage *page = open_page ();
  GtkWidget *root = GTK_WIDGET (page);
  gint64 site = atrium_resources_page_get_site (page);
  g_autoptr(JsonObject) before = stored_rules (site, "seat");
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) kept = NULL;
  gint64 slot = json_object_get_int_member (before, "slot_minutes");
  gint64 shortest = json_object_get_int_member (before, "min_minutes");
  gint64 longest = json_object_get_int_member (before, "max_minutes");
  gint64 wanted = longest + slot <= 1440 ? longest + slot : longest - slot;
  g_autofree char *wanted_text = g_strdup_printf ("%" G_GINT64_FORMAT, wanted);
  g_autofree char *too_long = g_strdup_printf ("%" G_GINT64_FORMAT, wanted + slot);
  g_autofree char *typed = NULL;

  show_section (page, "rules");
  /* The page shows what the server has for seats (the first kind). */
  g_assert_cmpint (number (row_text (root, "Longest booking (minutes)")), ==, longest);
  g_assert_cmpint (number (row_text (root, "Shortest booking (minutes)")), ==, shortest);
  g_assert_cmpint (wanted, >=, shortest);

  atrium_ui_test_type_into (root, "Longest booking (minutes)", wanted_text);
  press (root, "Save Rules");
  wait_idle (page);
  g_assert_null (shown_error (root));
  after = stored_rules (site, "seat");
  g_assert_cmpint (json_object_get_int_member (after, "max_minutes"), ==, wanted);
  g_assert_false (json_object_get_boolean_member (after, "default"));

  /* A fresh reload of the page shows the stored value. */
  atrium_ui_test_type_into (root, "Longest booking (minutes)", "");
  gtk_widget_activate_action (root, "resources.reload", NULL);
  wait_idle (page);
  g_assert_cmpstr (row_text (root, "Longest booking (minutes)"), ==, wanted_text);

  /* Shortest above longest: the server refuses it (422), the page names the field and
   * keeps every value typed; the server keeps the rules it had. */
  atrium_ui_test_type_into (root, "Shortest booking (minutes)", too_long);
  press (root, "Save Rules");
  wait_idle (page);
  g_test_message ("refused: %s", shown_error (root));
  g_assert_nonnull (shown_error (root));
  g_assert_true (g_str_has_prefix (shown_error (root), "Longest booking (minutes):"));
  g_assert_cmpstr (row_text (root, "Shortest booking (minutes)"), ==, too_long);
  g_assert_cmpstr (row_text (root, "Longest booking (minutes)"), ==, wanted_text);
  g_assert_true (gtk_widget_has_css_class (atrium_ui_test_find_row (root,
                                             "Longest booking (minutes)"), "error"));
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()), "rules-refused.png");
  /* Edited, the row loses its mark; the message stays until the next try. */
  atrium_ui_test_type_into (root, "Longest booking (minutes)", "");
  atrium_ui_test_type_into (root, "Longest booking (minutes)", wanted_text);
  g_assert_false (gtk_widget_has_css_class (atrium_ui_test_find_row (root,
                                              "Longest booking (minutes)"), "error"));
  kept = stored_rules (site, "seat");
  g_assert_cmpint (json_object_get_int_member (kept, "min_minutes"), ==, shortest);
  g_assert_cmpint (json_object_get_int_member (kept, "max_minutes"), ==, wanted);

  /* Not a number: refused on the form, nothing sent. */
  atrium_ui_test_type_into (root, "Days ahead", "two weeks");
  press (root, "Save Rules");
  g_assert_false (atrium_resources_page_get_busy (page));
  g_assert_true (g_str_has_prefix (shown_error (root), "Days ahead:"));
  g_assert_cmpstr (row_text (root, "Days ahead"), ==, "two weeks");
  typed = g_strdup (row_text (root, "Shortest booking (minutes)"));
  g_assert_cmpstr (typed, ==, too_long);
}

static void
test_hours (void)
{
  AtriumResourcesPage *page = open_page ();
  GtkWidget *root = GTK_WIDGET (page);
  gint64 site = atrium_resources_page_get_site (page);
  g_autofree char *path = g_strdup_printf ("/api/v1/sites/%" G_GINT64_FORMAT, site);
  g_autoptr(JsonNode) document = NULL;
  JsonObject *stored;
  JsonArray *sunday;
  JsonArray *exceptions;
  gboolean closed = FALSE;

  show_section (page, "hours");

  atrium_ui_test_type_into (root, "Sunday", "13:00-25:00");
  press (root, "Save Hours");
  g_assert_false (atrium_resources_page_get_busy (page));
  g_assert_true (g_str_has_prefix (shown_error (root), "Sunday:"));
  g_assert_cmpstr (row_text (root, "Sunday"), ==, "13:00-25:00");

  /* Typing left unsaved in the rules is still there after the hours are saved. */
  show_section (page, "rules");
  atrium_ui_test_type_into (root, "Days ahead", "42");
  show_section (page, "hours");
  atrium_ui_test_type_into (root, "Sunday", "13:00–18:00");
  atrium_ui_test_type_into (root, "Closed on", "2030-12-25");
  press (root, "Save Hours");
  wait_idle (page);
  g_assert_null (shown_error (root));
  /* Long enough for a reload of the page, as the save once did, to have landed. */
  atrium_ui_test_spin_for (1000);
  g_assert_cmpstr (row_text (root, "Days ahead"), ==, "42");
  document = read_document (path);
  stored = json_node_get_object (document);
  sunday = json_object_get_array_member (json_object_get_object_member (stored, "hours"),
                                         "sunday");
  g_assert_cmpuint (json_array_get_length (sunday), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (sunday, 0),
                                                  "opens"), ==, "13:00");
  exceptions = json_object_get_array_member (stored, "exceptions");
  for (guint i = 0; i < json_array_get_length (exceptions); i++)
    closed |= g_str_equal (json_object_get_string_member (
                             json_array_get_object_element (exceptions, i), "date"),
                           "2030-12-25");
  g_assert_true (closed);
  g_assert_cmpstr (row_text (root, "Sunday"), ==, "13:00-18:00");

  /* As narrow as a phone. */
  gtk_window_set_default_size (GTK_WINDOW (atrium_ui_test_window ()), 360, 720);
  atrium_ui_test_spin_for (500);
  screenshots (page, "narrow");
  /* The window's own minimum is its widest page's (today's); this page needs 360 at most. */
  for (guint i = 0; i < 3; i++)
    {
      int minimum = 0;

      show_section (page, (const char *[]) { "resources", "rules", "hours" }[i]);
      gtk_widget_measure (GTK_WIDGET (page), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL,
                          NULL, NULL);
      g_test_message ("minimum width: %d", minimum);
      g_assert_cmpint (minimum, <=, 360);
    }
}

int
main (int    argc,
      char **argv)
{
  int status;

  atrium_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui-resources/resource", test_resource);
  g_test_add_func ("/ui-resources/rules", test_rules);
  g_test_add_func ("/ui-resources/hours", test_hours);

  status = g_test_run ();
  g_clear_object (&reader);
  atrium_ui_test_quit (&the_app);
  return status;
}
