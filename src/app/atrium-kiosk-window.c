/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-kiosk"

#include "config.h"

#include "atrium-kiosk-window.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "atrium-bookings-page.h"
#include "atrium-checkin-code.h"
#include "atrium-chime.h"
#include "atrium-keyboard.h"
#include "atrium-keyring.h"
#include "atrium-app-cache.h"
#include "atrium-login-page.h"
#include "atrium-outbox.h"
#include "atrium-password.h"
#include "atrium-random.h"
#include "atrium-scanner.h"
#include "atrium-ui-text.h"

/* How long a check-in's outcome stays on screen before the panel asks for the next. */
#define RESULT_SECONDS 8
/* Offline, a verified code is kept for the server from this long before its start (the
 * server's default check-in window); the server still decides when it gets it. */
#define OFFLINE_EARLY_SECONDS (15 * 60)
/* How often the cache takes the server's sites and occupancy while live. */
#define CACHE_REFRESH_SECONDS (5 * 60)

struct _AtriumKioskWindow
{
  AdwApplicationWindow parent_instance;

  AtriumApplication   *app;
  GCancellable        *cancellable;
  GArray              *keys;           /* AtriumCheckinKey: the server's, to verify codes */
  AtriumSecrets       *secrets;
  AtriumOutbox        *outbox;         /* check-ins made while the server is away */
  AtriumCache         *cache;          /* the board's data, for the next start */
  gint64               board_site;     /* the site shown; -1 before the board is */
  gint64               data_time;      /* unix s: the figures' age when not live, or 0 */
  gboolean             keys_from_server;
  gboolean             reported;       /* the first board frame (see report_first_board) */
  JsonNode            *unkept_keys;    /* the server's, read before the cache was open */
  guint                refresh_id;
  guint                camera_id;
  gboolean             flushing;
  guint                clock_id;
  guint                result_id;
  gulong               live_state_id;
  AtriumKioskResult    result;
  guint                n_outcomes;

  guint                inhibit_cookie;
  GSettings           *settings;
  AtriumScanner       *scanner;
  AtriumChime         *chime;
  AtriumApi           *patron_api;     /* the signed-in patron's, never the kiosk's token */
  gint64               last_input;     /* monotonic µs */
  guint                idle_id;

  GtkLabel            *clock_label;
  GtkToggleButton     *large_text_button;
  GtkToggleButton     *contrast_button;
  AdwButtonContent    *language_content;
  GtkBox              *patron_slot;
  GtkWidget           *staff_button;
  GtkPasswordEntry    *pin_entry;
  GtkLabel            *pin_label;
  AtriumKioskStaff     staff;
  guint                pin_failures;
  gint64               pin_locked_until;   /* monotonic µs */
  GtkRevealer         *idle_revealer;
  GtkLabel            *idle_label;
  GtkRevealer         *offline_revealer;
  GtkLabel            *offline_label;
  GtkStack            *stack;
  AdwStatusPage       *status_page;
  AtriumOccupancyPage *board;
  GtkBox              *camera_box;
  GtkWidget           *result_box;
  GtkImage            *result_icon;
  GtkLabel            *result_title;
  GtkLabel            *result_detail;
};

G_DEFINE_FINAL_TYPE (AtriumKioskWindow, atrium_kiosk_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- the clock ------------------------------------------------------------------------ */

static gboolean
clock_tick (gpointer user_data)
{
  AtriumKioskWindow *self = user_data;
  /* The day's name from the catalogue, not from LC_TIME: the language switched on screen
   * changes LANGUAGE only. */
  static const char *days[] = { NULL, N_("Monday"), N_("Tuesday"), N_("Wednesday"),
                                N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday") };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M");
  /* TRANSLATORS: the kiosk's clock: a day's name, then the time ("Tuesday 14:05") */
  g_autofree char *text = g_strdup_printf (_("%s %s"),
                                           _(days[g_date_time_get_day_of_week (now)]), time);

  /* Set only when it changes: nothing on screen moves for nothing. */
  if (g_strcmp0 (gtk_label_get_text (self->clock_label), text) != 0)
    gtk_label_set_text (self->clock_label, text);
  return G_SOURCE_CONTINUE;
}

/* ---- check-in outcome ----------------------------------------------------------------- */

/* The outcome in an icon, a title and a line: never by colour alone. */
static void
show_result (AtriumKioskWindow *self,
             AtriumKioskResult  result,
             const char        *title,
             const char        *detail);

static gboolean
result_expired (gpointer user_data)
{
  AtriumKioskWindow *self = user_data;

  self->result_id = 0;
  show_result (self, ATRIUM_KIOSK_RESULT_WAITING, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static void
show_result (AtriumKioskWindow *self,
             AtriumKioskResult  result,
             const char        *title,
             const char        *detail)
{
  static const char *icons[] = {
    [ATRIUM_KIOSK_RESULT_WAITING] = "camera-photo-symbolic",
    [ATRIUM_KIOSK_RESULT_CHECKING] = "content-loading-symbolic",
    [ATRIUM_KIOSK_RESULT_SUCCESS] = "object-select-symbolic",
    [ATRIUM_KIOSK_RESULT_FAILURE] = "dialog-error-symbolic",
  };
  static const char *classes[] = { "success", "error" };

  self->result = result;
  g_clear_handle_id (&self->result_id, g_source_remove);
  if (result == ATRIUM_KIOSK_RESULT_WAITING)
    {
      title = _("Show the QR code of your booking to the camera");
      detail = _("It is in the confirmation of your booking, on paper or on your phone.");
    }
  gtk_image_set_from_icon_name (self->result_icon, icons[result]);
  gtk_label_set_text (self->result_title, title);
  gtk_label_set_text (self->result_detail, detail != NULL ? detail : "");
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (self->result_box, classes[i]);
  /* Heard as well as seen: a rising chime, or two low beeps. */
  if (result == ATRIUM_KIOSK_RESULT_SUCCESS)
    {
      gtk_widget_add_css_class (self->result_box, "success");
      atrium_chime_play (self->chime, ATRIUM_CHIME_SUCCESS);
    }
  else if (result == ATRIUM_KIOSK_RESULT_FAILURE)
    {
      gtk_widget_add_css_class (self->result_box, "error");
      atrium_chime_play (self->chime, ATRIUM_CHIME_FAILURE);
    }
  if (result == ATRIUM_KIOSK_RESULT_SUCCESS || result == ATRIUM_KIOSK_RESULT_FAILURE)
    {
      self->n_outcomes++;
      self->result_id = g_timeout_add_seconds (RESULT_SECONDS, result_expired, self);
    }
}

guint
atrium_kiosk_window_get_n_outcomes (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), 0);

  return self->n_outcomes;
}

AtriumKioskResult
atrium_kiosk_window_get_result (AtriumKioskWindow  *self,
                                const char        **title,
                                const char        **detail)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), ATRIUM_KIOSK_RESULT_WAITING);

  if (title != NULL)
    *title = gtk_label_get_text (self->result_title);
  if (detail != NULL)
    *detail = gtk_label_get_text (self->result_detail);
  return self->result;
}

/* "Seat H-33 · Wed 25 Nov, 14:00–16:00": what was checked in, never who; the times as
 * the server answered them. */
static char *
describe_booking (JsonObject *booking)
{
  g_autofree char *when = atrium_ui_interval (
    json_object_get_string_member_with_default (booking, "start", ""),
    json_object_get_string_member_with_default (booking, "end", ""));

  /* TRANSLATORS: a booking checked in at the kiosk: the place, then its day and times */
  return g_strdup_printf (_("%s · %s"),
                          json_object_get_string_member_with_default (booking,
                                                                      "resource_name", ""),
                          when);
}

/* The server's reason for refusing, in the patron's words. */
static const char *
refusal_text (const char *code)
{
  static const struct { const char *code; const char *text; } texts[] = {
    { "too_early", N_("It is too early to check in for this booking.") },
    { "too_late", N_("It is too late to check in: the booking was released.") },
    { "wrong_site", N_("This booking is for another library: check in there.") },
    { "not_found", N_("There is no such booking: it may have been cancelled.") },
    { "code_stale", N_("This code is out of date: open the booking again for a new one.") },
    { "code_bad_signature", N_("This code is not valid.") },
    { "code_malformed", N_("This is not the QR code of a booking.") },
    { "code_version", N_("This code is from another version of Atrium: ask at the desk.") },
    { "code_unknown_key", N_("This code was not made by this library.") },
  };

  for (guint i = 0; code != NULL && i < G_N_ELEMENTS (texts); i++)
    if (g_str_equal (code, texts[i].code))
      return _(texts[i].text);
  return NULL;
}

/* A code on its way: what the kiosk could read of it itself. */
typedef struct
{
  AtriumKioskWindow   *self;
  char                *code;
  gboolean             verified;   /* with the server's keys */
  AtriumCheckinPayload payload;    /* when verified */
} CheckIn;

static void
check_in_free (CheckIn *check_in)
{
  g_free (check_in->code);
  g_free (check_in);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CheckIn, check_in_free)

static char *
iso_time (gint64 when)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (when);

  return g_date_time_format_iso8601 (time);
}

static void
queued (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(CheckIn) check_in = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  g_autofree char *when = NULL;
  g_autofree char *text = NULL;

  if (atrium_outbox_enqueue_finish (ATRIUM_OUTBOX (source), result, &error) == 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("A check-in could not be kept for later: %s", error->message);
      show_result (check_in->self, ATRIUM_KIOSK_RESULT_FAILURE, _("Not Checked In"),
                   _("The library’s server cannot be reached just now: please ask at the "
                     "desk."));
      return;
    }
  start = iso_time (check_in->payload.start);
  end = iso_time (check_in->payload.end);
  when = atrium_ui_interval (start, end);
  /* TRANSLATORS: a check-in kept on the kiosk while the server is away; %s is the
   * booking's day and times */
  text = g_strdup_printf (_("%s. Kept on this kiosk: the library’s server gets it as soon "
                            "as it is back."), when);
  show_result (check_in->self, ATRIUM_KIOSK_RESULT_SUCCESS, _("Checked In"), text);
}

/* The server cannot be reached: a code this kiosk verified, for a booking under way or
 * about to start, waits in the outbox; anything else is for the desk. */
static void
check_in_offline (AtriumKioskWindow *self,
                  CheckIn           *check_in)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  AtriumCheckinPayload *payload = &check_in->payload;

  if (self->outbox != NULL && check_in->verified &&
      now >= payload->start - OFFLINE_EARLY_SECONDS && now < payload->end)
    {
      atrium_outbox_enqueue_checkin_async (self->outbox, check_in->code, self->cancellable,
                                           queued, check_in);
      return;
    }
  show_result (self, ATRIUM_KIOSK_RESULT_FAILURE, _("Not Checked In"),
               check_in->verified
               ? _("The library’s server cannot be reached just now, and this booking is "
                   "not under way: please ask at the desk.")
               : _("The library’s server cannot be reached just now: please ask at the "
                   "desk."));
  check_in_free (check_in);
}

static void
checked_in (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CheckIn) check_in = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);
  AtriumKioskWindow *self = check_in->self;
  JsonObject *booking = NULL;
  g_autofree char *what = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, ATRIUM_API_ERROR, ATRIUM_API_ERROR_OFFLINE))
    {
      check_in_offline (self, g_steal_pointer (&check_in));
      return;
    }
  if (answer == NULL)
    {
      const AtriumApiErrorDetail *detail = atrium_api_error_get_detail (error);
      const char *text = refusal_text (detail != NULL ? detail->code : NULL);
      g_autofree char *other = NULL;

      if (text == NULL)
        text = other = atrium_ui_error_text (error);
      g_message ("Check-in refused: %s", error->message);
      show_result (self, ATRIUM_KIOSK_RESULT_FAILURE, _("Not Checked In"), text);
      return;
    }
  booking = json_object_get_object_member (json_node_get_object (answer), "booking");
  what = booking != NULL ? describe_booking (booking) : NULL;
  show_result (self, ATRIUM_KIOSK_RESULT_SUCCESS, _("Checked In"), what);
}

void
atrium_kiosk_window_check_in (AtriumKioskWindow *self,
                              const char        *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CheckIn) check_in = NULL;
  AtriumApi *api;

  g_return_if_fail (ATRIUM_IS_KIOSK_WINDOW (self));
  g_return_if_fail (code != NULL);

  api = atrium_application_get_api (self->app);
  check_in = g_new0 (CheckIn, 1);
  check_in->self = self;
  check_in->code = g_strdup (code);
  /* Verified here first, with the server's public keys: a forged or changed code is
   * refused without asking anyone. Before the keys are read, the server decides. */
  if (self->keys->len > 0)
    {
      check_in->verified = atrium_checkin_code_decode ((AtriumCheckinKey *) self->keys->data,
                                                       self->keys->len, code, -1,
                                                       &check_in->payload, &error);
      if (!check_in->verified)
        {
          g_message ("A code was refused: %s", error->message);
          show_result (self, ATRIUM_KIOSK_RESULT_FAILURE, _("Not Checked In"),
                       refusal_text (atrium_checkin_code_error_code (error->code)));
          return;
        }
    }
  if (api == NULL)
    {
      show_result (self, ATRIUM_KIOSK_RESULT_FAILURE, _("Not Checked In"),
                   _("The kiosk is not connected to the library’s server."));
      return;
    }
  show_result (self, ATRIUM_KIOSK_RESULT_CHECKING, _("Checking In…"), NULL);
  atrium_api_checkin_async (api, code, self->cancellable, checked_in,
                            g_steal_pointer (&check_in));
}

/* ---- the server's keys ---------------------------------------------------------------- */

/* Keys leave no copy in freed memory (an empty array may have no data at all). */
static void
forget_keys (GArray *keys)
{
  if (keys->len > 0)
    memset (keys->data, 0, (gsize) keys->len * sizeof (AtriumCheckinKey));
  g_array_set_size (keys, 0);
}

/* GET /keys: the keys codes are verified with, from the server or the cache. */
static void
take_keys (AtriumKioskWindow *self,
           JsonNode          *answer)
{
  g_autoptr(GArray) keys = g_array_new (FALSE, TRUE, sizeof (AtriumCheckinKey));
  guint skipped = 0;

  if (!atrium_checkin_keys_from_json (answer, keys, &skipped))
    {
      g_message ("The check-in keys are not a list; the kiosk verifies no code");
      return;
    }
  if (skipped > 0)
    g_message ("%u check-in keys this kiosk cannot read were skipped", skipped);
  forget_keys (self->keys);
  g_array_append_vals (self->keys, keys->data, keys->len);
  forget_keys (keys);
  g_debug ("%u check-in keys read", self->keys->len);
}

static void
keys_read (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);
  AtriumKioskWindow *self = user_data;

  if (answer == NULL)
    {
      /* Offline, the kept keys (if any) verify the codes. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("The server's check-in keys could not be read: %s", error->message);
      return;
    }
  take_keys (self, answer);
  self->keys_from_server = TRUE;
  if (self->cache != NULL)
    atrium_app_cache_keep (self->cache, ATRIUM_CACHE_KEYS, answer);
  else
    {
      g_clear_pointer (&self->unkept_keys, json_node_unref);
      self->unkept_keys = json_node_ref (answer);
    }
}

/* ---- the backend ---------------------------------------------------------------------- */

static void
flushed (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!atrium_outbox_flush_finish (ATRIUM_OUTBOX (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("Check-ins kept on the kiosk wait still: %s", error->message);
    }
  ATRIUM_KIOSK_WINDOW (user_data)->flushing = FALSE;
}

/* Check-ins kept while the server was away go to it once it is back. */
static void
flush_outbox (AtriumKioskWindow *self)
{
  AtriumLiveClient *live = atrium_application_get_live (self->app);

  if (self->outbox == NULL || self->flushing || atrium_outbox_get_queued (self->outbox) == 0 ||
      live == NULL || atrium_live_client_get_state (live) != ATRIUM_LIVE_STATE_LIVE)
    return;
  self->flushing = TRUE;
  atrium_outbox_flush_async (self->outbox, atrium_application_get_api (self->app),
                             self->cancellable, flushed, self);
}

static void
outbox_opened (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  AtriumOutbox *outbox = atrium_outbox_open_finish (result, &error);
  AtriumKioskWindow *self;

  if (outbox == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("No outbox: check-ins need the server: %s", error->message);
      return;
    }
  self = user_data;
  self->outbox = outbox;
  flush_outbox (self);
}

static void show_board         (AtriumKioskWindow *self,
                                gint64             site);
static void live_state_changed (AtriumKioskWindow *self);

/* What the last run kept: the check-in keys until the server's come, and the board
 * (its site, the sites, the occupancy) until the live feed's, with the data's age. */
static void
cache_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AtriumKept) kept = atrium_app_cache_loaded (result, "The kiosk");
  AtriumKioskWindow *self;
  AtriumLiveClient *live;
  g_autofree char *setting = NULL;
  gint64 site;

  if (kept == NULL)
    return;
  self = user_data;
  self->cache = g_steal_pointer (&kept->cache);
  if (self->unkept_keys != NULL)
    atrium_app_cache_keep (self->cache, ATRIUM_CACHE_KEYS, self->unkept_keys);
  g_clear_pointer (&self->unkept_keys, json_node_unref);
  if (!self->keys_from_server && kept->keys != NULL)
    take_keys (self, kept->keys);

  live = atrium_application_get_live (self->app);
  if (atrium_live_client_get_state (live) == ATRIUM_LIVE_STATE_LIVE)
    atrium_app_cache_refresh (self->cache, atrium_application_get_api (self->app), TRUE,
                              self->cancellable);
  setting = g_settings_get_string (self->settings, "kiosk-site");
  site = *setting != '\0' ? g_ascii_strtoll (setting, NULL, 10)
         : kept->device != NULL
         ? json_object_get_int_member_with_default (json_node_get_object (kept->device),
                                                    "site_id", 0)
         : 0;
  if (site <= 0 || (self->board_site > 0 && self->board_site != site) ||
      kept->sites == NULL || kept->occupancy == NULL)
    return;
  if (!atrium_kept_seed (kept, live))
    return;
  self->data_time = kept->fetched_at;
  atrium_occupancy_page_set_sites (self->board, kept->sites);
  if (self->board_site == site)
    live_state_changed (self);
  else
    show_board (self, site);
}

/* The outbox and the cache are in the data directory and the cache directory (the
 * demo's own, thrown away with it), under the cache key: the keyring's, or a key file
 * only this account reads on an auto-login kiosk (AtriumSecrets logs which). */
static void
key_ready (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AtriumKioskWindow *self;
  g_autofree char *outbox = NULL;
  g_autofree char *cache = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN];

  if (!atrium_application_cache_key_finish (source, result, key,
                                            "the kiosk's outbox and cache: check-ins need "
                                            "the server"))
    return;
  self = user_data;
  outbox = atrium_application_store_path (self->app, FALSE, "kiosk-outbox.db");
  cache = atrium_application_store_path (self->app, TRUE, "kiosk-cache.db");
  atrium_app_cache_load_async (cache, key, self->cancellable, cache_loaded, self);
  atrium_outbox_open_async (outbox, key, self->cancellable, outbox_opened, self);
  atrium_secure_zero (key, sizeof key);
}

static void
open_stores (AtriumKioskWindow *self)
{
  if (self->secrets != NULL)
    return;
  self->secrets = atrium_application_new_secrets (self->app);
  atrium_secrets_get_cache_key_async (self->secrets, self->cancellable, key_ready, self);
}

guint
atrium_kiosk_window_get_n_kept (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), 0);

  return self->outbox != NULL ? atrium_outbox_get_queued (self->outbox) : 0;
}

gboolean
atrium_kiosk_window_has_outbox (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), FALSE);

  return self->outbox != NULL;
}

/* While live, the cache follows the server every few minutes. */
static gboolean
refresh_tick (gpointer user_data)
{
  AtriumKioskWindow *self = user_data;

  if (self->cache != NULL)
    atrium_app_cache_refresh (self->cache, atrium_application_get_api (self->app), TRUE,
                              self->cancellable);
  return G_SOURCE_CONTINUE;
}

/* A banner says since when the board's figures are not live: the cache's time when they
 * come from it, else the time the feed was lost, kept while it stays lost. */
static void
live_state_changed (AtriumKioskWindow *self)
{
  AtriumLiveClient *live = atrium_application_get_live (self->app);
  AtriumLiveState state = live != NULL ? atrium_live_client_get_state (live)
                                       : ATRIUM_LIVE_STATE_STOPPED;

  if (state == ATRIUM_LIVE_STATE_LIVE)
    {
      self->data_time = 0;
      if (self->refresh_id == 0)
        {
          refresh_tick (self);
          self->refresh_id = g_timeout_add_seconds (CACHE_REFRESH_SECONDS, refresh_tick, self);
        }
    }
  else
    {
      g_clear_handle_id (&self->refresh_id, g_source_remove);
      if (state == ATRIUM_LIVE_STATE_WAITING && self->data_time == 0)
        self->data_time = g_get_real_time () / G_USEC_PER_SEC;
    }
  if (self->data_time != 0)
    {
      g_autofree char *text = atrium_ui_offline_text (self->data_time);

      gtk_label_set_text (self->offline_label, text);
    }
  gtk_revealer_set_reveal_child (self->offline_revealer, self->data_time != 0);
  flush_outbox (self);
}

gboolean
atrium_kiosk_window_get_offline (AtriumKioskWindow  *self,
                                 const char        **text)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), FALSE);

  if (text != NULL)
    *text = gtk_label_get_text (self->offline_label);
  return gtk_revealer_get_reveal_child (self->offline_revealer);
}

/* The camera: a code it reads is checked in like any other. */
static void
code_scanned (AtriumKioskWindow *self,
              const char        *code)
{
  atrium_kiosk_window_check_in (self, code);
}

/* The camera's pipeline is a setting: staff change the camera, a test feeds images. */
static void
camera_changed (AtriumKioskWindow *self)
{
  g_autofree char *pipeline = g_settings_get_string (self->settings, "kiosk-camera-pipeline");

  atrium_scanner_set_pipeline (self->scanner, pipeline);
}

AtriumChime *
atrium_kiosk_window_get_chime (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), NULL);

  return self->chime;
}

AtriumScanner *
atrium_kiosk_window_get_scanner (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), NULL);

  return self->scanner;
}

static gboolean
start_camera (gpointer user_data)
{
  AtriumKioskWindow *self = user_data;

  self->camera_id = 0;
  atrium_scanner_start (self->scanner);
  return G_SOURCE_REMOVE;
}

/* For tools/bench/kiosk-start: with $ATRIUM_REPORT_FIRST_BOARD set, the wall-clock time
 * of the first frame painted with the board's tiles goes to stdout, with where the
 * figures came from. */
static void
first_board_painted (GdkFrameClock     *clock,
                     AtriumKioskWindow *self)
{
  GtkWidget *tiles = GTK_WIDGET (atrium_occupancy_page_get_space_box (self->board));

  if (gtk_widget_get_first_child (tiles) == NULL || !gtk_widget_get_mapped (tiles))
    return;
  g_print ("first-board-frame %" G_GINT64_FORMAT " %s\n", g_get_real_time (),
           self->data_time != 0 ? "cache" : "server");
  fflush (stdout);
  g_signal_handlers_disconnect_by_func (clock, first_board_painted, self);
}

static void
report_first_board (AtriumKioskWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (g_getenv ("ATRIUM_REPORT_FIRST_BOARD") == NULL || self->reported)
    return;
  if (clock == NULL)
    {
      /* Not shown yet: once it is. */
      g_signal_connect (self, "map", G_CALLBACK (report_first_board), NULL);
      return;
    }
  g_signal_handlers_disconnect_by_func (self, report_first_board, NULL);
  self->reported = TRUE;
  g_signal_connect_object (clock, "after-paint", G_CALLBACK (first_board_painted), self, 0);
}

/* The board of @site, from the cache or the server, whichever comes first; shown again
 * only for another site (the server moved the kiosk). */
static void
show_board (AtriumKioskWindow *self,
            gint64             site)
{
  if (site == self->board_site)
    return;
  self->board_site = site;
  live_state_changed (self);
  atrium_occupancy_page_set_fixed_site (self->board, site);
  atrium_occupancy_page_set_data (self->board, atrium_application_get_api (self->app),
                                  atrium_application_get_live (self->app));
  gtk_stack_set_visible_child_name (self->stack, "board");
  report_first_board (self);
  /* The board first: the camera's pipeline is built once its frame is painted. */
  if (self->camera_id == 0)
    self->camera_id = g_idle_add_full (G_PRIORITY_LOW, start_camera, self, NULL);
}

static void
device_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = atrium_api_document_finish (ATRIUM_API (source), result,
                                                           &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* Without an answer (offline), the kept site, else the first site open now. */
  if (answer == NULL)
    {
      g_message ("The kiosk's site could not be read from the server: %s", error->message);
      if (ATRIUM_KIOSK_WINDOW (user_data)->board_site < 0)
        show_board (user_data, 0);
      return;
    }
  show_board (user_data, json_object_get_int_member_with_default (json_node_get_object (answer),
                                                                  "site_id", 0));
}

static void
backend_changed (AtriumKioskWindow *self)
{
  AtriumApplication *app = self->app;

  switch (atrium_application_get_backend_state (app))
    {
    case ATRIUM_BACKEND_NONE:
      adw_status_page_set_title (self->status_page, _("This Kiosk Is Not Set Up"));
      adw_status_page_set_description (self->status_page,
                                       _("Staff: choose the library’s server in the settings "
                                         "of this terminal."));
      gtk_stack_set_visible_child_name (self->stack, "starting");
      break;
    case ATRIUM_BACKEND_STARTING:
      gtk_stack_set_visible_child_name (self->stack, "starting");
      break;
    case ATRIUM_BACKEND_FAILED:
      {
        g_autofree char *text = atrium_ui_error_text (atrium_application_get_backend_error (app));

        adw_status_page_set_title (self->status_page, _("Out of Order"));
        adw_status_page_set_description (self->status_page, text);
        gtk_stack_set_visible_child_name (self->stack, "starting");
      }
      break;
    case ATRIUM_BACKEND_READY:
      {
        g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
        g_autofree char *site = g_settings_get_string (settings, "kiosk-site");
        AtriumApi *api = atrium_application_get_api (app);
        AtriumLiveClient *live = atrium_application_get_live (app);

        if (self->live_state_id == 0)
          self->live_state_id = g_signal_connect_object (live, "notify::state",
                                                         G_CALLBACK (live_state_changed), self,
                                                         G_CONNECT_SWAPPED);
        open_stores (self);
        atrium_api_get_keys_async (api, self->cancellable, keys_read, self);
        /* The site of the settings, else the one the server registered the kiosk for. */
        if (*site != '\0')
          show_board (self, g_ascii_strtoll (site, NULL, 10));
        else
          atrium_api_get_document_async (api, "/api/v1/device", self->cancellable,
                                         device_read, self);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

AtriumOccupancyPage *
atrium_kiosk_window_get_board (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), NULL);

  return self->board;
}

guint
atrium_kiosk_window_get_n_keys (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), 0);

  return self->keys->len;
}

/* ---- the patron's session ---------------------------------------------------------------- */

static void
clear_patron_slot (AtriumKioskWindow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->patron_slot))) != NULL)
    gtk_box_remove (self->patron_slot, child);
}

/* Windows the patron's pages opened over the kiosk (a booking's QR code) go with them. */
static void
close_patron_windows (AtriumKioskWindow *self)
{
  GList *windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l != NULL; l = l->next)
    if (l->data != (gpointer) self &&
        gtk_window_get_transient_for (l->data) == GTK_WINDOW (self))
      gtk_window_destroy (l->data);
  g_list_free (windows);
}

/* Done, or idle too long: the patron's session ends on the server and every widget that
 * showed their data is destroyed, then the board is back. */
static void
end_patron_session (AtriumKioskWindow *self)
{
  if (self->patron_api != NULL && atrium_api_get_token (self->patron_api) != NULL)
    atrium_api_logout_async (self->patron_api, NULL, NULL, NULL);
  g_clear_object (&self->patron_api);
  clear_patron_slot (self);
  close_patron_windows (self);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  gtk_revealer_set_reveal_child (self->idle_revealer, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "board");
}

static void
note_input (AtriumKioskWindow *self)
{
  self->last_input = g_get_monotonic_time ();
  if (gtk_revealer_get_reveal_child (self->idle_revealer))
    gtk_revealer_set_reveal_child (self->idle_revealer, FALSE);
}

static gboolean
key_pressed (GtkEventControllerKey *controller,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             AtriumKioskWindow     *self)
{
  note_input (self);
  return FALSE;
}

/* The warning says how long is left, at least the configured seconds ahead; nothing
 * done in time ends the session. */
static gboolean
idle_tick (gpointer user_data)
{
  AtriumKioskWindow *self = user_data;
  guint limit = g_settings_get_uint (self->settings, "kiosk-idle-seconds");
  guint warning = MIN (g_settings_get_uint (self->settings, "kiosk-idle-warning-seconds"),
                       limit);
  gint64 idle = (g_get_monotonic_time () - self->last_input) / G_USEC_PER_SEC;

  if (idle >= limit)
    {
      g_message ("The patron's session at the kiosk ended after %u s without input", limit);
      self->idle_id = 0;
      end_patron_session (self);
      return G_SOURCE_REMOVE;
    }
  if (idle >= limit - warning)
    {
      guint left = limit - (guint) idle;
      g_autofree char *text = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE,
                     "Are you still there? In %u second this session ends and what you "
                     "entered is erased.",
                     "Are you still there? In %u seconds this session ends and what you "
                     "entered is erased.", left), left);

      if (g_strcmp0 (gtk_label_get_text (self->idle_label), text) != 0)
        gtk_label_set_text (self->idle_label, text);
      gtk_revealer_set_reveal_child (self->idle_revealer, TRUE);
    }
  return G_SOURCE_CONTINUE;
}

static void
patron_signed_in (AtriumKioskWindow       *self,
                  const AtriumLoginResult *result)
{
  GtkWidget *page = atrium_bookings_page_new ();

  clear_patron_slot (self);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (self->patron_slot, page);
  atrium_bookings_page_set_api (ATRIUM_BOOKINGS_PAGE (page), self->patron_api);
  note_input (self);
}

/* A patron signs in on an API object of their own (the kiosk's token is never theirs),
 * then finds and books as on the desktop; the code of the booking is shown to take
 * away. */
void
atrium_kiosk_window_book (AtriumKioskWindow *self)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *login;

  g_return_if_fail (ATRIUM_IS_KIOSK_WINDOW (self));

  end_patron_session (self);
  self->patron_api = atrium_application_new_api (self->app, &error);
  if (self->patron_api == NULL)
    {
      g_warning ("No sign-in at the kiosk: %s", error->message);
      show_result (self, ATRIUM_KIOSK_RESULT_FAILURE, _("Booking Is Not Available"),
                   _("Please ask at the desk."));
      return;
    }
  login = atrium_login_page_new ();
  gtk_widget_set_vexpand (login, TRUE);
  atrium_login_page_set_api (ATRIUM_LOGIN_PAGE (login), self->patron_api);
  atrium_login_page_set_demo (ATRIUM_LOGIN_PAGE (login),
                              atrium_application_get_embedded (self->app));
  g_signal_connect_object (login, "signed-in", G_CALLBACK (patron_signed_in), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (self->patron_slot, login);
  /* A touch screen has no keys: the keyboard types into the field in focus. */
  gtk_box_append (self->patron_slot, atrium_keyboard_new ());
  gtk_stack_set_visible_child_name (self->stack, "patron");
  note_input (self);
  self->idle_id = g_timeout_add (250, idle_tick, self);
}

static void
book_clicked (AtriumKioskWindow *self)
{
  atrium_kiosk_window_book (self);
}

static void
done_clicked (AtriumKioskWindow *self)
{
  end_patron_session (self);
}

static void
stay_clicked (AtriumKioskWindow *self)
{
  note_input (self);
}

void
atrium_kiosk_window_continue_session (AtriumKioskWindow *self)
{
  g_return_if_fail (ATRIUM_IS_KIOSK_WINDOW (self));

  note_input (self);
}

gboolean
atrium_kiosk_window_get_idle_warning (AtriumKioskWindow  *self,
                                      const char        **text)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), FALSE);

  if (text != NULL)
    *text = gtk_label_get_text (self->idle_label);
  return gtk_revealer_get_reveal_child (self->idle_revealer);
}

GtkWidget *
atrium_kiosk_window_get_patron_page (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), NULL);

  return gtk_widget_get_first_child (GTK_WIDGET (self->patron_slot));
}

AtriumApi *
atrium_kiosk_window_get_patron_api (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), NULL);

  return self->patron_api;
}

const char *
atrium_kiosk_window_get_page (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/* ---- a terminal for everyone ----------------------------------------------------------- */

static void
large_text_toggled (AtriumKioskWindow *self)
{
  if (gtk_toggle_button_get_active (self->large_text_button))
    gtk_widget_add_css_class (GTK_WIDGET (self), "large-text");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "large-text");
}

static void
contrast_toggled (AtriumKioskWindow *self)
{
  if (gtk_toggle_button_get_active (self->contrast_button))
    gtk_widget_add_css_class (GTK_WIDGET (self), "high-contrast");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "high-contrast");
}

/* glibc's gettext keeps the translations it found until this counter moves: the way a
 * program tells it that the language changed while it runs. */
extern int _nl_msg_cat_cntr;

gboolean
atrium_kiosk_window_showing_french (void)
{
  const char * const *names = g_get_language_names ();

  return names[0] != NULL && g_str_has_prefix (names[0], "fr");
}

/* The other language, named in itself, so that whoever reads it finds it. */
static void
show_language_button (AtriumKioskWindow *self)
{
  gboolean french = atrium_kiosk_window_showing_french ();

  adw_button_content_set_label (self->language_content, french ? "English" : "Français");
  gtk_widget_set_tooltip_text (gtk_widget_get_parent (GTK_WIDGET (self->language_content)),
                               french ? "Show the kiosk in English"
                                      : "Afficher la borne en français");
}

/* The kiosk in the other language: every text is read again through gettext, so the
 * window is made anew (the board reads the live models it shares with the old one). */
void
atrium_kiosk_window_switch_language (AtriumKioskWindow *self)
{
  AtriumKioskWindow *next;

  g_return_if_fail (ATRIUM_IS_KIOSK_WINDOW (self));

  g_setenv ("LANGUAGE", atrium_kiosk_window_showing_french () ? "en" : "fr", TRUE);
  setlocale (LC_MESSAGES, "");
  ++_nl_msg_cat_cntr;
  next = atrium_kiosk_window_new (self->app);
  gtk_toggle_button_set_active (next->large_text_button,
                                gtk_toggle_button_get_active (self->large_text_button));
  gtk_toggle_button_set_active (next->contrast_button,
                                gtk_toggle_button_get_active (self->contrast_button));
  gtk_window_present (GTK_WINDOW (next));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
language_clicked (AtriumKioskWindow *self)
{
  atrium_kiosk_window_switch_language (self);
}

/* ---- staff ------------------------------------------------------------------------------ */

/* Five wrong PINs in a row lock the staff exit for a minute. */
#define PIN_ATTEMPTS     5
#define PIN_LOCK_SECONDS 60

static void
pin_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  char **hash_and_pin = task_data;

  g_task_return_boolean (task, atrium_password_verify (hash_and_pin[0], hash_and_pin[1]));
}

static void
pin_data_free (gpointer data)
{
  char **hash_and_pin = data;

  if (hash_and_pin[1] != NULL)
    atrium_secure_zero (hash_and_pin[1], strlen (hash_and_pin[1]));
  g_strfreev (hash_and_pin);
}

static void
pin_checked (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumKioskWindow *self = ATRIUM_KIOSK_WINDOW (source);

  if (g_task_had_error (G_TASK (result)) || g_cancellable_is_cancelled (self->cancellable))
    return;
  if (g_task_propagate_boolean (G_TASK (result), NULL))
    {
      g_message ("A member of staff closed the kiosk with the PIN");
      self->staff = ATRIUM_KIOSK_STAFF_ACCEPTED;
      g_application_quit (G_APPLICATION (self->app));
      return;
    }
  g_message ("A wrong staff PIN was entered at the kiosk");
  self->pin_failures++;
  if (self->pin_failures >= PIN_ATTEMPTS)
    {
      self->pin_failures = 0;
      self->pin_locked_until = g_get_monotonic_time () + PIN_LOCK_SECONDS * G_USEC_PER_SEC;
      self->staff = ATRIUM_KIOSK_STAFF_LOCKED;
      gtk_label_set_text (self->pin_label, _("Too many wrong PINs: try again in a minute."));
      return;
    }
  self->staff = ATRIUM_KIOSK_STAFF_REFUSED;
  gtk_label_set_text (self->pin_label, _("This is not the staff PIN."));
}

/* Staff close the kiosk with the PIN whose hash `atrium --set-kiosk-pin` kept; without
 * one, the kiosk has no way out on its screen. */
void
atrium_kiosk_window_try_staff_pin (AtriumKioskWindow *self,
                                   const char        *pin)
{
  g_autofree char *hash = NULL;
  g_autoptr(GTask) task = NULL;
  char **data;

  g_return_if_fail (ATRIUM_IS_KIOSK_WINDOW (self));
  g_return_if_fail (pin != NULL);

  if (self->staff == ATRIUM_KIOSK_STAFF_CHECKING)
    return;
  if (g_get_monotonic_time () < self->pin_locked_until)
    {
      self->staff = ATRIUM_KIOSK_STAFF_LOCKED;
      gtk_label_set_text (self->pin_label, _("Too many wrong PINs: try again in a minute."));
      return;
    }
  hash = g_settings_get_string (self->settings, "kiosk-staff-pin");
  if (*hash == '\0')
    {
      self->staff = ATRIUM_KIOSK_STAFF_REFUSED;
      return;
    }
  self->staff = ATRIUM_KIOSK_STAFF_CHECKING;
  gtk_label_set_text (self->pin_label, "");
  data = g_new0 (char *, 3);
  data[0] = g_steal_pointer (&hash);
  data[1] = g_strdup (pin);
  task = g_task_new (self, self->cancellable, pin_checked, NULL);
  g_task_set_task_data (task, data, pin_data_free);
  g_task_run_in_thread (task, pin_thread);
}

AtriumKioskStaff
atrium_kiosk_window_get_staff (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), ATRIUM_KIOSK_STAFF_NONE);

  return self->staff;
}

static void
pin_entered (AtriumKioskWindow *self)
{
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->pin_entry));

  atrium_kiosk_window_try_staff_pin (self, pin);
  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
}

static void
staff_pin_changed (AtriumKioskWindow *self)
{
  g_autofree char *hash = g_settings_get_string (self->settings, "kiosk-staff-pin");

  gtk_widget_set_visible (self->staff_button, *hash != '\0');
}

gboolean
atrium_kiosk_window_get_staff_exit_shown (AtriumKioskWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_KIOSK_WINDOW (self), FALSE);

  return gtk_widget_get_visible (self->staff_button);
}

/* No way out for the public: the window does not close (there is no window manager on
 * the kiosk's session, and no shortcut ends the app); staff use their PIN. */
static gboolean
atrium_kiosk_window_close_request (GtkWindow *window)
{
  g_message ("The kiosk refused to close");
  return TRUE;
}

/* ---- the window ----------------------------------------------------------------------- */

static void
atrium_kiosk_window_dispose (GObject *object)
{
  AtriumKioskWindow *self = ATRIUM_KIOSK_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_clear_handle_id (&self->result_id, g_source_remove);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->camera_id, g_source_remove);
  if (self->patron_api != NULL && atrium_api_get_token (self->patron_api) != NULL)
    atrium_api_logout_async (self->patron_api, NULL, NULL, NULL);
  g_clear_object (&self->patron_api);
  g_clear_object (&self->outbox);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->unkept_keys, json_node_unref);
  g_clear_object (&self->secrets);
  if (self->chime != NULL)
    atrium_chime_stop (self->chime);
  g_clear_object (&self->chime);
  g_clear_object (&self->settings);
  if (self->inhibit_cookie != 0)
    gtk_application_uninhibit (GTK_APPLICATION (self->app), self->inhibit_cookie);
  self->inhibit_cookie = 0;
  gtk_widget_dispose_template (GTK_WIDGET (self), ATRIUM_TYPE_KIOSK_WINDOW);
  G_OBJECT_CLASS (atrium_kiosk_window_parent_class)->dispose (object);
  g_clear_object (&self->app);
}

static void
atrium_kiosk_window_finalize (GObject *object)
{
  AtriumKioskWindow *self = ATRIUM_KIOSK_WINDOW (object);

  if (self->keys != NULL)
    forget_keys (self->keys);
  g_clear_pointer (&self->keys, g_array_unref);
  G_OBJECT_CLASS (atrium_kiosk_window_parent_class)->finalize (object);
}

static void
atrium_kiosk_window_class_init (AtriumKioskWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = atrium_kiosk_window_dispose;
  object_class->finalize = atrium_kiosk_window_finalize;
  window_class->close_request = atrium_kiosk_window_close_request;

  g_type_ensure (ATRIUM_TYPE_OCCUPANCY_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/atrium/Atrium/atrium-kiosk-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, clock_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, large_text_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, contrast_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, language_content);
  gtk_widget_class_bind_template_callback (widget_class, large_text_toggled);
  gtk_widget_class_bind_template_callback (widget_class, contrast_toggled);
  gtk_widget_class_bind_template_callback (widget_class, language_clicked);
  gtk_widget_class_bind_template_callback (widget_class, book_clicked);
  gtk_widget_class_bind_template_callback (widget_class, done_clicked);
  gtk_widget_class_bind_template_callback (widget_class, stay_clicked);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, patron_slot);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, staff_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, pin_entry);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, pin_label);
  gtk_widget_class_bind_template_callback (widget_class, pin_entered);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, idle_revealer);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, idle_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, offline_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, board);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, camera_box);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, result_box);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, result_icon);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, result_title);
  gtk_widget_class_bind_template_child (widget_class, AtriumKioskWindow, result_detail);
}

static void
atrium_kiosk_window_init (AtriumKioskWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->keys = g_array_new (FALSE, TRUE, sizeof (AtriumCheckinKey));
  self->board_site = -1;
  self->settings = g_settings_new (BASE_APPLICATION_ID);
  self->chime = atrium_chime_new (NULL);
  g_settings_bind (self->settings, "kiosk-chime-sink", self->chime, "sink",
                   G_SETTINGS_BIND_GET);
  /* Any key, click or touch on the window is the patron still there. */
  {
    GtkEventController *keys = gtk_event_controller_key_new ();
    GtkGesture *clicks = gtk_gesture_click_new ();

    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed), self);
    gtk_widget_add_controller (GTK_WIDGET (self), keys);
    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (clicks),
                                                GTK_PHASE_CAPTURE);
    g_signal_connect_swapped (clicks, "pressed", G_CALLBACK (note_input), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (clicks));
  }
  self->scanner = atrium_scanner_new ();
  gtk_widget_set_vexpand (GTK_WIDGET (self->scanner), TRUE);
  gtk_box_append (self->camera_box, GTK_WIDGET (self->scanner));
  camera_changed (self);
  g_signal_connect_object (self->settings, "changed::kiosk-camera-pipeline",
                           G_CALLBACK (camera_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->scanner, "code-scanned", G_CALLBACK (code_scanned), self,
                           G_CONNECT_SWAPPED);
  staff_pin_changed (self);
  g_signal_connect_object (self->settings, "changed::kiosk-staff-pin",
                           G_CALLBACK (staff_pin_changed), self, G_CONNECT_SWAPPED);
  clock_tick (self);
  self->clock_id = g_timeout_add_seconds (1, clock_tick, self);
  show_result (self, ATRIUM_KIOSK_RESULT_WAITING, NULL, NULL);
  show_language_button (self);
}

AtriumKioskWindow *
atrium_kiosk_window_new (AtriumApplication *application)
{
  AtriumKioskWindow *self;

  g_return_val_if_fail (ATRIUM_IS_APPLICATION (application), NULL);

  self = g_object_new (ATRIUM_TYPE_KIOSK_WINDOW, "application", application, NULL);
  self->app = g_object_ref (application);
  g_signal_connect_object (application, "notify::backend-state", G_CALLBACK (backend_changed),
                           self, G_CONNECT_SWAPPED);
  backend_changed (self);
  gtk_window_fullscreen (GTK_WINDOW (self));
  /* A public terminal stays on: no screen saver, no blanking. */
  self->inhibit_cookie = gtk_application_inhibit (GTK_APPLICATION (application),
                                                  GTK_WINDOW (self),
                                                  GTK_APPLICATION_INHIBIT_IDLE,
                                                  _("A public terminal of the library"));
  return self;
}
