/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "atrium-application.h"
#include "atrium-occupancy-page.h"
#include "atrium-chime.h"
#include "atrium-scanner.h"

G_BEGIN_DECLS

/* What the kiosk's check-in panel shows. */
typedef enum
{
  ATRIUM_KIOSK_RESULT_WAITING,
  ATRIUM_KIOSK_RESULT_CHECKING,
  ATRIUM_KIOSK_RESULT_SUCCESS,
  ATRIUM_KIOSK_RESULT_FAILURE,
} AtriumKioskResult;

/* The staff's way out. */
typedef enum
{
  ATRIUM_KIOSK_STAFF_NONE,
  ATRIUM_KIOSK_STAFF_CHECKING,
  ATRIUM_KIOSK_STAFF_REFUSED,
  ATRIUM_KIOSK_STAFF_LOCKED,
  ATRIUM_KIOSK_STAFF_ACCEPTED,
} AtriumKioskStaff;

#define ATRIUM_TYPE_KIOSK_WINDOW (atrium_kiosk_window_get_type ())
G_DECLARE_FINAL_TYPE (AtriumKioskWindow, atrium_kiosk_window, ATRIUM, KIOSK_WINDOW,
                      AdwApplicationWindow)

/* The public terminal of `atrium --kiosk`: the site's board and the check-in panel. */
AtriumKioskWindow   *atrium_kiosk_window_new        (AtriumApplication  *application);
/* A scanned code: verified with the server's keys, then checked in. */
void                 atrium_kiosk_window_check_in   (AtriumKioskWindow  *self,
                                                     const char         *code);
AtriumKioskResult    atrium_kiosk_window_get_result (AtriumKioskWindow  *self,
                                                     const char        **title,
                                                     const char        **detail);
/* How many outcomes (success or failure) the panel has shown. */
guint                atrium_kiosk_window_get_n_outcomes (AtriumKioskWindow *self);
AtriumOccupancyPage *atrium_kiosk_window_get_board  (AtriumKioskWindow  *self);
AtriumScanner       *atrium_kiosk_window_get_scanner    (AtriumKioskWindow *self);
/* What is heard after a check-in (its sink the `kiosk-chime-sink` setting). */
AtriumChime         *atrium_kiosk_window_get_chime      (AtriumKioskWindow *self);
/* Whether the offline banner is shown, and its text (with the data's time). */
gboolean             atrium_kiosk_window_get_offline (AtriumKioskWindow *self,
                                                      const char       **text);
/* Whether the outbox is open, and how many check-ins it keeps for the server. */
gboolean             atrium_kiosk_window_has_outbox (AtriumKioskWindow *self);
guint                atrium_kiosk_window_get_n_kept (AtriumKioskWindow *self);
/* The patron's session: "Book" opens the sign-in (and then the patron's bookings page),
 * "Done" or the idle time ends it; the page shown is "starting", "board" or "patron". */
void                 atrium_kiosk_window_book       (AtriumKioskWindow  *self);
void                 atrium_kiosk_window_continue_session (AtriumKioskWindow *self);
gboolean             atrium_kiosk_window_get_idle_warning (AtriumKioskWindow *self,
                                                           const char       **text);
GtkWidget           *atrium_kiosk_window_get_patron_page  (AtriumKioskWindow *self);
AtriumApi           *atrium_kiosk_window_get_patron_api   (AtriumKioskWindow *self);
const char          *atrium_kiosk_window_get_page   (AtriumKioskWindow  *self);
/* The staff PIN (its hash in `kiosk-staff-pin`): accepted, the app quits; five wrong ones
 * lock it for a minute. The button is shown only when a PIN is set. */
void                 atrium_kiosk_window_try_staff_pin (AtriumKioskWindow *self,
                                                        const char        *pin);
AtriumKioskStaff     atrium_kiosk_window_get_staff     (AtriumKioskWindow *self);
gboolean             atrium_kiosk_window_get_staff_exit_shown (AtriumKioskWindow *self);
/* French and English, switched on screen: the window is made anew in the other one. */
gboolean             atrium_kiosk_window_showing_french  (void);
void                 atrium_kiosk_window_switch_language (AtriumKioskWindow *self);
/* How many of the server's check-in keys the kiosk holds (0 until they are read). */
guint                atrium_kiosk_window_get_n_keys (AtriumKioskWindow  *self);

G_END_DECLS
