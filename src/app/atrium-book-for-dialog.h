/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "atrium-api.h"
#include "atrium-today-page.h"

G_BEGIN_DECLS

/* Staff: the form to book a place of a site on behalf of a patron named by user name.
 * A booking made is announced and @page read again; the server's refusal is said on the
 * form, which keeps what was typed. */

#define ATRIUM_TYPE_BOOK_FOR_DIALOG (atrium_book_for_dialog_get_type ())
G_DECLARE_FINAL_TYPE (AtriumBookForDialog, atrium_book_for_dialog, ATRIUM, BOOK_FOR_DIALOG,
                      AdwWindow)

/* @resources: the site's, as GET /api/v1/resources?site answers them. */
AtriumBookForDialog *atrium_book_for_dialog_new       (AtriumTodayPage     *page,
                                                       AtriumApi           *api,
                                                       const char          *site_name,
                                                       JsonArray           *resources);
/* What the "Book" button does. */
void                 atrium_book_for_dialog_book      (AtriumBookForDialog *self);
/* The sentence the form shows, or NULL; and the form's rows, for tests. */
const char          *atrium_book_for_dialog_get_error (AtriumBookForDialog *self);
AdwComboRow         *atrium_book_for_dialog_get_resource_row (AtriumBookForDialog *self);
/* Selects the resource @resource_id in the "Place" row; FALSE when the site has none. */
gboolean             atrium_book_for_dialog_select_resource (AtriumBookForDialog *self,
                                                             gint64               resource_id);
void                 atrium_book_for_dialog_select_time (AtriumBookForDialog *self,
                                                         guint                day_offset,
                                                         guint                hour,
                                                         guint                minute,
                                                         guint                minutes);

G_END_DECLS
