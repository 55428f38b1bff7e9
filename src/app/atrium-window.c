/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-window.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "atrium-admin-page.h"
#include "atrium-app-cache.h"
#include "atrium-bookings-page.h"
#include "atrium-login-page.h"
#include "atrium-occupancy-page.h"
#include "atrium-random.h"
#include "atrium-resources-page.h"
#include "atrium-sessions-window.h"
#include "atrium-setup-page.h"
#include "atrium-stats-page.h"
#include "atrium-today-page.h"
#include "atrium-ui-text.h"

struct _AtriumWindow
{
  AdwApplicationWindow parent_instance;

  GSettings      *settings;
  AtriumApplication *app;
  gulong          backend_id;
  gulong          user_id;
  gulong          live_state_id;
  AtriumSecrets  *secrets;
  GCancellable   *store_cancellable;  /* opening the signed-in user's outbox and cache */
  AtriumCache    *cache;              /* the signed-in user's (nullable) */
  guint           cache_refresh_id;
  char           *last_toast;
  gint64          data_time;          /* unix seconds: when the data shown was received;
                                       * 0 while it is live */

  AdwToastOverlay *toast_overlay;
  GtkStack       *title_stack;
  AdwWindowTitle *window_title;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar *switcher_bar;
  GtkRevealer    *offline_revealer;
  GtkLabel       *offline_label;
  GtkStack       *page_stack;
  AdwStatusPage  *status_page;
  AdwStatusPage  *failed_page;
  AtriumSetupPage *setup_page;
  AtriumLoginPage *login_page;
  AdwViewStack   *view_stack;
  AtriumOccupancyPage *occupancy_page;
  AtriumBookingsPage  *bookings_page;
  AtriumTodayPage     *today_page;
  AdwViewStackPage    *today_stack_page;
  AtriumAdminPage     *admin_page;
  AdwViewStackPage    *admin_stack_page;
  AtriumStatsPage     *stats_page;
  AdwViewStackPage    *stats_stack_page;
  AtriumResourcesPage *resources_page;
  AdwViewStackPage    *resources_stack_page;
};

G_DEFINE_FINAL_TYPE (AtriumWindow, atrium_window, ADW_TYPE_APPLICATION_WINDOW)

/* The sites and the occupancy kept are read again this often while live (my bookings:
 * at each read of the list). */
#define ATRIUM_WINDOW_CACHE_REFRESH_S (5 * 60)

void
atrium_window_toast (AtriumWindow *self,
                     const char   *text)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
}

const char *
atrium_window_get_last_toast (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), NULL);

  return self->last_toast;
}

void
atrium_toast (GtkWidget  *widget,
              const char *text)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (ATRIUM_IS_WINDOW (root))
    atrium_window_toast (ATRIUM_WINDOW (root), text);
}

JsonNode *
atrium_toast_document_finish (gpointer      widget,
                              GObject      *source,
                              GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  JsonNode *answer = atrium_api_document_finish (ATRIUM_API (source), result, &error);

  if (answer == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = atrium_ui_error_text (error);

      atrium_toast (GTK_WIDGET (widget), text);
    }
  return answer;
}

static void
show_page (AtriumWindow *self,
           const char   *name)
{
  gboolean main = g_str_equal (name, "main");

  gtk_stack_set_visible_child_name (self->page_stack, name);
  gtk_stack_set_visible_child_name (self->title_stack, main ? "switcher" : "title");
  gtk_widget_set_visible (GTK_WIDGET (self->switcher_bar), main);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", main);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-sessions", main);
}

/* The sites and the occupancy into the user's cache, while the server answers. */
static void
refresh_cache (AtriumWindow *self)
{
  AtriumLiveClient *live = atrium_application_get_live (self->app);

  if (self->cache != NULL && live != NULL &&
      atrium_live_client_get_state (live) == ATRIUM_LIVE_STATE_LIVE)
    atrium_app_cache_refresh (self->cache, atrium_application_get_api (self->app), FALSE,
                              self->store_cancellable);
}

static gboolean
cache_refresh_due (gpointer data)
{
  refresh_cache (data);
  return G_SOURCE_CONTINUE;
}

/* The banner says how old the figures on screen are: when they were kept (shown from
 * the cache), or when the live feed stopped bringing them. */
static void
live_state_changed (AtriumWindow *self)
{
  AtriumLiveClient *live = atrium_application_get_live (self->app);
  AtriumLiveState state = live != NULL ? atrium_live_client_get_state (live)
                                       : ATRIUM_LIVE_STATE_STOPPED;
  gboolean offline = state == ATRIUM_LIVE_STATE_WAITING;

  if (state == ATRIUM_LIVE_STATE_LIVE)
    self->data_time = 0;
  else if (offline && self->data_time == 0)
    self->data_time = g_get_real_time () / G_USEC_PER_SEC;
  if (offline)
    {
      g_autofree char *text = atrium_ui_offline_text (self->data_time);

      gtk_label_set_text (self->offline_label, text);
    }
  gtk_revealer_set_reveal_child (self->offline_revealer, offline);
  if (state == ATRIUM_LIVE_STATE_LIVE)
    {
      atrium_bookings_page_send_pending (self->bookings_page);
      refresh_cache (self);
    }
}

gint64
atrium_window_get_data_time (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), 0);

  return self->data_time;
}

const char *
atrium_window_get_offline_text (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), NULL);

  return gtk_revealer_get_reveal_child (self->offline_revealer)
         ? gtk_label_get_text (self->offline_label) : NULL;
}

static void
outbox_opened (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumOutbox) outbox = atrium_outbox_open_finish (result, &error);

  if (outbox == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("No outbox: what is done offline is refused: %s", error->message);
      return;
    }
  atrium_bookings_page_set_outbox (ATRIUM_WINDOW (user_data)->bookings_page, outbox);
}

/* What the user's cache kept is shown until (or unless) the server answers. */
static void
cache_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AtriumKept) kept = atrium_app_cache_loaded (result, "The window");
  AtriumWindow *self;
  AtriumLiveClient *live;
  gboolean seeded;

  if (kept == NULL)
    return;
  self = user_data;
  self->cache = g_steal_pointer (&kept->cache);
  atrium_bookings_page_set_cache (self->bookings_page, self->cache, kept->my_bookings);
  live = atrium_application_get_live (self->app);
  seeded = live != NULL && atrium_kept_seed (kept, live);
  if (kept->sites != NULL)
    atrium_occupancy_page_set_sites (self->occupancy_page, kept->sites);
  if (seeded)
    self->data_time = kept->fetched_at;
  /* The feed may have stopped before this window came: its figures are at least as
   * new as those kept. */
  else if (kept->fetched_at > 0 && live != NULL &&
           atrium_live_client_get_state (live) != ATRIUM_LIVE_STATE_LIVE)
    self->data_time = self->data_time == 0 ? kept->fetched_at
                                           : MIN (self->data_time, kept->fetched_at);
  live_state_changed (self);
  self->cache_refresh_id = g_timeout_add_seconds (ATRIUM_WINDOW_CACHE_REFRESH_S,
                                                  cache_refresh_due, self);
}

/* The users' cache written last, or NULL: its public part (sites, occupancy) is what
 * the login page shows while the server cannot be reached. */
static char *
newest_user_cache (AtriumWindow *self)
{
  g_autofree char *any = atrium_application_user_store_path (self->app, TRUE, "cache-user-0.db");
  g_autofree char *dir = g_path_get_dirname (any);
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  char *newest = NULL;
  gint64 newest_time = 0;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf info;

      if (!g_str_has_prefix (name, "cache-user-") || !g_str_has_suffix (name, ".db"))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_stat (path, &info) != 0 || !S_ISREG (info.st_mode) ||
          (gint64) info.st_mtime < newest_time)
        continue;
      newest_time = info.st_mtime;
      g_free (newest);
      newest = g_steal_pointer (&path);
    }
  return newest;
}

static void
kept_for_login (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(AtriumKept) kept = atrium_app_cache_loaded (result, "The login page");

  if (kept != NULL)
    atrium_login_page_set_kept (ATRIUM_WINDOW (user_data)->login_page, kept->sites,
                                kept->occupancy, kept->fetched_at);
}

static void
outbox_key_ready (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AtriumWindow *self;
  JsonObject *user;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *cache_name = NULL;
  g_autofree char *cache_path = NULL;
  guint8 key[ATRIUM_DB_KEY_LEN];

  if (!atrium_application_cache_key_finish (source, result, key,
                                            "the outbox: what is done offline is refused"))
    return;
  self = user_data;
  user = atrium_application_get_user (self->app);
  if (user == NULL)
    {
      /* Signed out: the login page may show the public part of the last cache. */
      cache_path = newest_user_cache (self);
      if (cache_path != NULL)
        atrium_app_cache_load_async (cache_path, key, self->store_cancellable, kept_for_login,
                                     self);
      atrium_secure_zero (key, sizeof key);
      return;
    }
  /* One per user of this computer's account: another's pending actions are not shown. */
  name = g_strdup_printf ("outbox-user-%" G_GINT64_FORMAT ".db",
                          json_object_get_int_member_with_default (user, "id", 0));
  path = atrium_application_user_store_path (self->app, FALSE, name);
  atrium_outbox_open_async (path, key, self->store_cancellable, outbox_opened, self);
  /* The same for the data kept to show offline: a user never sees another's. */
  cache_name = g_strdup_printf ("cache-user-%" G_GINT64_FORMAT ".db",
                                json_object_get_int_member_with_default (user, "id", 0));
  cache_path = atrium_application_user_store_path (self->app, TRUE, cache_name);
  atrium_app_cache_load_async (cache_path, key, self->store_cancellable, cache_loaded, self);
  atrium_secure_zero (key, sizeof key);
}

/* The signed-in user's outbox and cache; when signed out, the login page's kept
 * occupancy. */
static void
open_stores (AtriumWindow *self)
{
  g_autoptr(AtriumCache) signed_out = NULL;

  g_cancellable_cancel (self->store_cancellable);
  g_clear_object (&self->store_cancellable);
  g_clear_handle_id (&self->cache_refresh_id, g_source_remove);
  if (atrium_application_get_user (self->app) == NULL)
    signed_out = g_steal_pointer (&self->cache);
  g_clear_object (&self->cache);
  self->data_time = 0;
  atrium_bookings_page_set_outbox (self->bookings_page, NULL);
  atrium_bookings_page_set_cache (self->bookings_page, NULL, NULL);
  atrium_login_page_set_kept (self->login_page, NULL, NULL, 0);
  self->store_cancellable = g_cancellable_new ();
  /* Just signed out: the login page reads the public part of that user's cache through
   * the connection open, after the wipe of the bookings queued on it. */
  if (signed_out != NULL)
    {
      atrium_app_cache_read_async (signed_out, self->store_cancellable, kept_for_login, self);
      return;
    }
  /* Asked again each time: the backend may have changed since ("Change Where the Data
   * Is…"), and with it where a key file is kept. */
  g_clear_object (&self->secrets);
  self->secrets = atrium_application_new_secrets (self->app);
  atrium_secrets_get_cache_key_async (self->secrets, self->store_cancellable, outbox_key_ready,
                                      self);
}

static void
user_changed (AtriumWindow *self)
{
  AtriumApplication *app = self->app;
  AtriumLiveClient *live = atrium_application_get_live (app);
  gboolean staff, admin, reporting, managing;

  if (atrium_application_get_user (app) == NULL)
    {
      gtk_revealer_set_reveal_child (self->offline_revealer, FALSE);
      open_stores (self);
      atrium_today_page_clear (self->today_page);
      if (atrium_application_get_session_expired (app))
        atrium_login_page_reset (self->login_page,
                                 _("Your session has ended. Sign in again to go on: what "
                                   "you were doing is still here."));
      if (atrium_application_get_backend_state (app) == ATRIUM_BACKEND_READY)
        show_page (self, "login");
      return;
    }
  if (live != NULL && self->live_state_id == 0)
    self->live_state_id = g_signal_connect_object (live, "notify::state",
                                                   G_CALLBACK (live_state_changed), self,
                                                   G_CONNECT_SWAPPED);
  live_state_changed (self);
  staff = atrium_application_has_role (app, "staff") ||
          atrium_application_has_role (app, "manager");
  adw_view_stack_page_set_visible (self->today_stack_page, staff);

  atrium_bookings_page_set_api (self->bookings_page, atrium_application_get_api (app));
  open_stores (self);
  if (staff)
    {
      g_autoptr(GArray) sites = atrium_application_get_role_sites (app, "staff");
      g_autoptr(GArray) managed = atrium_application_get_role_sites (app, "manager");

      /* A site can be granted under both roles; each appears once. */
      for (guint i = 0; i < managed->len; i++)
        {
          gint64 site = g_array_index (managed, gint64, i);
          gboolean known = FALSE;

          for (guint j = 0; j < sites->len; j++)
            known |= g_array_index (sites, gint64, j) == site;
          if (!known)
            g_array_append_val (sites, site);
        }
      atrium_today_page_set_data (self->today_page, atrium_application_get_api (app), live,
                                  (const gint64 *) (gpointer) sites->data, sites->len);
      atrium_occupancy_page_set_staff_sites (self->occupancy_page,
                                             (const gint64 *) (gpointer) sites->data,
                                             sites->len);
    }
  else
    {
      atrium_today_page_clear (self->today_page);
      atrium_occupancy_page_set_staff_sites (self->occupancy_page, NULL, 0);
    }
  atrium_occupancy_page_set_alerts (self->occupancy_page, atrium_application_get_alerts (app));
  atrium_occupancy_page_set_data (self->occupancy_page, atrium_application_get_api (app),
                                  atrium_application_get_live (app));
  reporting = atrium_application_has_role (app, "manager") ||
              atrium_application_has_role (app, "reporting");
  adw_view_stack_page_set_visible (self->stats_stack_page, reporting);
  if (reporting)
    atrium_stats_page_set_user (self->stats_page, app);
  admin = atrium_application_has_role (app, "admin");
  /* The server lets a site's managers and administrators change resources and rules. */
  managing = admin || atrium_application_has_role (app, "manager");
  adw_view_stack_page_set_visible (self->resources_stack_page, managing);
  if (managing)
    atrium_resources_page_set_user (self->resources_page, app);
  adw_view_stack_page_set_visible (self->admin_stack_page, admin);
  if (admin)
    atrium_admin_page_set_api (self->admin_page, atrium_application_get_api (app));
  adw_view_stack_set_visible_child_name (self->view_stack,
                                         staff ? "today" : admin ? "admin"
                                         : reporting ? "statistics" : "occupancy");
  show_page (self, "main");
}

static void
backend_changed (AtriumWindow *self)
{
  AtriumApplication *app = self->app;

  switch (atrium_application_get_backend_state (app))
    {
    case ATRIUM_BACKEND_NONE:
      show_page (self, "setup");
      break;
    case ATRIUM_BACKEND_STARTING:
      adw_status_page_set_description (self->status_page,
                                       atrium_application_get_demo (app)
                                       ? _("Preparing the demo library…")
                                       : _("Starting…"));
      show_page (self, "starting");
      break;
    case ATRIUM_BACKEND_FAILED:
      {
        g_autofree char *text = atrium_ui_error_text (atrium_application_get_backend_error (app));

        adw_status_page_set_description (self->failed_page, text);
        show_page (self, "failed");
      }
      break;
    case ATRIUM_BACKEND_READY:
      atrium_login_page_set_api (self->login_page, atrium_application_get_api (app));
      atrium_login_page_set_demo (self->login_page, atrium_application_get_embedded (app));
      user_changed (self);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
login_signed_in (AtriumWindow            *self,
                 const AtriumLoginResult *result)
{
  atrium_application_signed_in (self->app, result);
}

static void
sign_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  AtriumWindow *self = ATRIUM_WINDOW (widget);

  /* Signing out leaves no bookings of this user behind; the public data stays. */
  if (self->cache != NULL)
    atrium_app_cache_forget_personal (self->cache);
  atrium_application_sign_out (self->app);
  atrium_login_page_reset (self->login_page, NULL);
}

/* One's own sessions, the current one marked. */
static void
show_sessions_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  AtriumApi *api = atrium_application_get_api (ATRIUM_WINDOW (widget)->app);

  if (api != NULL)
    atrium_sessions_window_new (widget, api, 0, NULL);
}

/* win.show-view::NAME: a view of the main page, when it is there for this user. */
static void
show_view_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  AtriumWindow *self = ATRIUM_WINDOW (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  GtkWidget *child = adw_view_stack_get_child_by_name (self->view_stack, name);

  if (child != NULL && g_str_equal (gtk_stack_get_visible_child_name (self->page_stack), "main") &&
      adw_view_stack_page_get_visible (adw_view_stack_get_page (self->view_stack, child)))
    adw_view_stack_set_visible_child (self->view_stack, child);
}

static void
reconnect_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  atrium_application_connect (ATRIUM_WINDOW (widget)->app);
}

static void
setup_chosen (AtriumWindow *self)
{
  atrium_application_connect (self->app);
}

static void
atrium_window_dispose (GObject *object)
{
  AtriumWindow *self = ATRIUM_WINDOW (object);

  if (self->app != NULL)
    {
      g_clear_signal_handler (&self->backend_id, self->app);
      g_clear_signal_handler (&self->user_id, self->app);
    }
  g_cancellable_cancel (self->store_cancellable);
  g_clear_object (&self->store_cancellable);
  g_clear_handle_id (&self->cache_refresh_id, g_source_remove);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->last_toast, g_free);
  g_clear_object (&self->secrets);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), ATRIUM_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (atrium_window_parent_class)->dispose (object);
}

static void
atrium_window_class_init (AtriumWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_window_dispose;

  g_type_ensure (ATRIUM_TYPE_SETUP_PAGE);
  g_type_ensure (ATRIUM_TYPE_LOGIN_PAGE);
  g_type_ensure (ATRIUM_TYPE_OCCUPANCY_PAGE);
  g_type_ensure (ATRIUM_TYPE_BOOKINGS_PAGE);
  g_type_ensure (ATRIUM_TYPE_TODAY_PAGE);
  g_type_ensure (ATRIUM_TYPE_ADMIN_PAGE);
  g_type_ensure (ATRIUM_TYPE_STATS_PAGE);
  g_type_ensure (ATRIUM_TYPE_RESOURCES_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, title_stack);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, offline_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, page_stack);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, failed_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, setup_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, login_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, occupancy_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, bookings_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, today_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, today_stack_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, admin_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, admin_stack_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, stats_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, stats_stack_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, resources_page);
  gtk_widget_class_bind_template_child (widget_class, AtriumWindow, resources_stack_page);
  gtk_widget_class_bind_template_callback (widget_class, login_signed_in);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_activated);
  gtk_widget_class_install_action (widget_class, "win.show-sessions", NULL,
                                   show_sessions_activated);
  gtk_widget_class_install_action (widget_class, "win.reconnect", NULL, reconnect_activated);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_L,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.sign-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-view",
                                       "s", "occupancy");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-view",
                                       "s", "bookings");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-view",
                                       "s", "today");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_ALT_MASK, "win.show-view",
                                       "s", "statistics");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_5, GDK_ALT_MASK, "win.show-view",
                                       "s", "admin");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_6, GDK_ALT_MASK, "win.show-view",
                                       "s", "resources");
}

static void
atrium_window_init (AtriumWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  adw_status_page_set_icon_name (self->status_page, APPLICATION_ID);
  g_object_bind_property (self->switcher_title, "title-visible", self->switcher_bar, "reveal",
                          G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->setup_page, "chosen", G_CALLBACK (setup_chosen), self);

  /* The window keeps its size between runs. */
  self->settings = g_settings_new (BASE_APPLICATION_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized",
                   G_SETTINGS_BIND_DEFAULT);
}

/* The subtitle says which data the window shows: the demo, or a named server. */
static void
show_mode (AtriumWindow      *self,
           AtriumApplication *app)
{
  if (atrium_application_get_demo (app))
    {
      adw_window_title_set_subtitle (self->window_title, _("Demo"));
      adw_view_switcher_title_set_subtitle (self->switcher_title, _("Demo"));
    }
  else if (atrium_application_get_server (app) != NULL)
    {
      adw_window_title_set_subtitle (self->window_title, atrium_application_get_server (app));
      adw_view_switcher_title_set_subtitle (self->switcher_title,
                                            atrium_application_get_server (app));
    }
}

AtriumWindow *
atrium_window_new (AtriumApplication *application)
{
  AtriumWindow *self = g_object_new (ATRIUM_TYPE_WINDOW, "application", application, NULL);

  self->app = g_object_ref (application);
  show_mode (self, application);
  self->backend_id = g_signal_connect_object (application, "notify::backend-state",
                                              G_CALLBACK (backend_changed), self,
                                              G_CONNECT_SWAPPED);
  self->user_id = g_signal_connect_object (application, "notify::user",
                                           G_CALLBACK (user_changed), self,
                                           G_CONNECT_SWAPPED);
  backend_changed (self);
  return self;
}

AtriumLoginPage *
atrium_window_get_login_page (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), NULL);

  return self->login_page;
}

const char *
atrium_window_get_page (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->page_stack);
}

AdwViewStack *
atrium_window_get_view_stack (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), NULL);

  return self->view_stack;
}
