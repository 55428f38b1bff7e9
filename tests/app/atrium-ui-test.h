/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "atrium-application.h"
#include "atrium-bookings-page.h"
#include "atrium-keyboard.h"
#include "atrium-login-page.h"
#include "atrium-today-page.h"
#include "atrium-window.h"

G_BEGIN_DECLS

/* What the UI tests share: waiting on the main loop, finding widgets, screenshots. */

/* The start of a UI test's main(): the locale, the app's catalogue, GLib's test
 * framework. */
void       atrium_ui_test_init            (int        *argc,
                                           char     ***argv);

/* Runs the main loop until @done answers TRUE; fails the test after @seconds. */
void       atrium_ui_test_spin_until      (gboolean  (*done) (gpointer),
                                           gpointer    data,
                                           guint       seconds);
/* Runs the main loop for @milliseconds. */
void       atrium_ui_test_spin_for        (guint       milliseconds);
/* The first widget of @type under @root, @root included, depth first; or NULL. */
GtkWidget *atrium_ui_test_find_widget     (GtkWidget  *root,
                                           GType       type);
/* A visible toplevel window of @type (the last listed), or NULL. */
GtkWindow *atrium_ui_test_find_toplevel   (GType       type);
/* Renders @widget into $ATRIUM_TEST_SCREENSHOT_DIR/@name (a PNG) for a person to look
 * at; does nothing when the variable is not set. */
void       atrium_ui_test_save_screenshot (GtkWidget  *widget,
                                           const char *name);

/* $ATRIUM_TEST_COLOR_SCHEME ("light", "dark") and $ATRIUM_TEST_WINDOW_WIDTH (pixels), as
 * tools/screenshots sets them. */
void       atrium_ui_test_apply_style     (GtkWindow  *window);
/* A new application on its embedded demo backend (@config_file: nullable), its window
 * on the login page; and its end, windows closed and the demo's data removed. */
AtriumApplication       *atrium_ui_test_start_demo   (const char        *config_file);
/* The same with a server configuration of @config_text, in a file that
 * atrium_ui_test_quit() removes. */
AtriumApplication       *atrium_ui_test_start_demo_with (const char      *config_text);
/* `atrium` alone: the first-run page, or the backend the settings remembered. */
AtriumApplication       *atrium_ui_test_start_plain  (void);
/* `atrium` on a real server at @url (http:// on loopback), as the settings remember it:
 * the login page. @demo_output is what `atrium-server demo` printed on its store: its
 * accounts are atrium_ui_test_demo_account()'s. */
AtriumApplication       *atrium_ui_test_start_server (const char        *url,
                                                      const char        *demo_output);
/* The same as `atrium --kiosk --demo`: the kiosk's window. */
AtriumApplication       *atrium_ui_test_start_kiosk  (void);
void                     atrium_ui_test_quit         (AtriumApplication **app);

/* Signing in through the login page of that app's window, as a demo account. */
AtriumWindow            *atrium_ui_test_window       (void);
/* For atrium_ui_test_spin_until(): the window shows the page named @data. */
gboolean                 atrium_ui_test_on_page      (gpointer           data);
gboolean                 atrium_ui_test_step_is_code (gpointer           data);
AtriumLoginPage         *atrium_ui_test_login_page   (void);
/* The visible button under @root labelled @label (mnemonics removed; a plain label or an
 * AdwButtonContent's), or NULL. */
GtkButton               *atrium_ui_test_find_button  (GtkWidget         *root,
                                                      const char        *label);
/* The entry row titled @row_title under @root, or NULL. */
GtkWidget               *atrium_ui_test_find_row     (GtkWidget         *root,
                                                      const char        *row_title);
/* Presses the keys of the on-screen keyboard that type @text, pages switched as
 * needed; fails the test for a character it has no key for. */
void                     atrium_ui_test_type_on_keyboard (AtriumKeyboard *keyboard,
                                                          const char     *text);
/* The row of @row_type (an AdwPreferencesRow's) titled @row_title under @root, or NULL. */
GtkWidget               *atrium_ui_test_find_titled  (GtkWidget         *root,
                                                      GType              row_type,
                                                      const char        *row_title);
/* Types @text into the entry row titled @row_title under @root. */
void                     atrium_ui_test_type_into    (GtkWidget         *root,
                                                      const char        *row_title,
                                                      const char        *text);
const AtriumDemoAccount *atrium_ui_test_demo_account (const char        *name);
/* The code the account's authenticator shows at @when. */
char                    *atrium_ui_test_totp_code    (const AtriumDemoAccount *account,
                                                      gint64             when);
/* The code for a sign-in now, after waiting for the next 30 s step when this account
 * already signed in during the current one (the server refuses a replayed code). */
char                    *atrium_ui_test_fresh_totp_code (const AtriumDemoAccount *account);
/* With the TOTP code when @second_factor; waits for the main page. */
void                     atrium_ui_test_sign_in      (const char        *name,
                                                      gboolean           second_factor);
void                     atrium_ui_test_sign_out     (void);

/* An async call's callback that keeps its result in the GAsyncResult * at @user_data;
 * for atrium_ui_test_spin_until(): that result has come (@data the same pointer). */
void                     atrium_ui_test_took_result  (GObject           *source,
                                                      GAsyncResult      *result,
                                                      gpointer           user_data);
gboolean                 atrium_ui_test_has_result   (gpointer           data);

/* The bookings page: its search answered (@data the page); the first row of @list whose
 * object data @key is @value; a booking of "my bookings" still to come (@data the page). */
gboolean                 atrium_ui_test_has_results  (gpointer           data);
GtkListBoxRow           *atrium_ui_test_row_with     (GtkListBox        *list,
                                                      const char        *key,
                                                      int                value);
gboolean                 atrium_ui_test_has_booked_row (gpointer         data);

/* A notification server on the session bus (org.gtk.Notifications, which GNotification
 * prefers): the notifications it was sent, in order; emptied at each call. */
typedef struct
{
  char    *id;
  char    *title;
  char    *body;
  char    *default_action;   /* nullable */
  gboolean withdrawn;
} AtriumUiTestNotification;

GPtrArray               *atrium_ui_test_own_notifications (void);

/* demo-patron's own client (not the window's), signed in to @app's backend. */
AtriumApi               *atrium_ui_test_patron_api   (AtriumApplication *app);
/* The answer of the call under way on @api, whose callback is
 * atrium_ui_test_took_result (@result); fails the test on an error. */
JsonNode                *atrium_ui_test_answer       (AtriumApi         *api,
                                                      GAsyncResult     **result);
/* Half an hour from the quarter hour under way plus @minutes, in UTC (RFC 3339). */
void                     atrium_ui_test_half_hour    (guint              minutes,
                                                      char             **start,
                                                      char             **end);
/* A seat of the Science Library free from @start to @end, as a patron searches. */
gint64                   atrium_ui_test_free_seat    (AtriumApplication *app,
                                                      const char        *start,
                                                      const char        *end);
/* demo-patron books a free seat for atrium_ui_test_half_hour (@minutes): its id. */
gint64                   atrium_ui_test_patron_books (AtriumApplication *app,
                                                      guint              minutes);

/* The status today's list shows for booking @id, or NULL while it is not listed. */
const char *atrium_ui_test_today_status   (AtriumTodayPage *today,
                                           gint64           id);

G_END_DECLS
