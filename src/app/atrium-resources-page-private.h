/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "atrium-resources-page.h"

G_BEGIN_DECLS

/* What the files of the resources page share: the page's struct and its helpers. The
 * page itself (lists, loading) is atrium-resources-page.c, the resource form
 * atrium-resources-page-form.c, the booking rules and opening hours
 * atrium-resources-page-rules.c. Their shared helpers are named rpage_. */
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

/* "seat", "room", "equipment", NULL: the kinds of resources, as the rows list them. */
extern const char * const atrium_resource_kinds[];

guint       rpage_kind_index     (const char          *kind);
gboolean    rpage_cancelled      (const GError        *error);
JsonObject *rpage_current_site   (AtriumResourcesPage *self);
/* A read's answer, or NULL: toasted unless it was cancelled (@gone: then the page may
 * be gone or showing another site, and must not be touched). */
JsonNode   *rpage_read_finish    (gpointer             page,
                                  GObject             *source,
                                  GAsyncResult        *result,
                                  gboolean            *gone);
/* A write's end: TRUE once saved, @done toasted and the server's answer in @answer_out
 * (nullable); FALSE with @error when refused or cancelled (then the page may be gone and
 * is not touched). */
gboolean    rpage_write_finish   (gpointer             page,
                                  GObject             *source,
                                  GAsyncResult        *result,
                                  const char          *done,
                                  JsonNode           **answer_out,
                                  GError             **error);
JsonObject *rpage_site           (AtriumResourcesPage *self,
                                  gint64               id);
void        rpage_update_actions (AtriumResourcesPage *self);
void        rpage_load_resources (AtriumResourcesPage *self);
/* Inline errors: @label hidden and the rows marked before unmarked; then @text shown,
 * @row (nullable) marked and focused, its text left as typed. */
void        rpage_clear_errors   (AtriumResourcesPage *self,
                                  GtkLabel            *label);
void        rpage_show_error     (AtriumResourcesPage *self,
                                  GtkLabel            *label,
                                  gpointer             row,
                                  const char          *text);
char       *rpage_row_text       (AdwEntryRow         *row);
const char *rpage_row_title      (gpointer             row);
/* A whole number of [@min, @max] in @row, or -1 for an empty @nullable one. */
gboolean    rpage_read_number    (AdwEntryRow         *row,
                                  gboolean             nullable,
                                  int                  min,
                                  int                  max,
                                  gint64              *value);
char       *rpage_number_problem (AdwEntryRow         *row,
                                  gboolean             nullable,
                                  int                  min,
                                  int                  max);
/* The field a 422 names: its message starts "field: …". */
char       *rpage_refused_field  (const GError        *error);
void        rpage_set_number     (AdwEntryRow         *row,
                                  gint64               value);

/* The resource form (atrium-resources-page-form.c). */
void        atrium_resources_page_form_class_init  (GtkWidgetClass      *widget_class);
void        atrium_resources_page_form_init        (AtriumResourcesPage *self);

/* Booking rules, opening hours and closures (atrium-resources-page-rules.c). */
void        atrium_resources_page_rules_class_init (GtkWidgetClass      *widget_class);
void        atrium_resources_page_rules_init       (AtriumResourcesPage *self);
void        rpage_load_rules                       (AtriumResourcesPage *self);
void        rpage_show_hours                       (AtriumResourcesPage *self);

G_END_DECLS
