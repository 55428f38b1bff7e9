/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-alerts.h"
#include "atrium-ui-test.h"

/* AtriumAlerts on a GListStore of AtriumLiveSpace updated as the live client updates
 * them, a registered GApplication sending the notifications to the session bus's
 * notification server (atrium_ui_test_own_notifications()), and the settings' memory
 * backend. */

typedef struct
{
  GApplication *app;
  GListStore   *store;
  GSettings    *settings;
  AtriumAlerts *alerts;
  GPtrArray    *sent;       /* AtriumUiTestNotification, the server's */
  GPtrArray    *triggered;  /* AtriumAlertRule */
  guint         activated;  /* app.show-occupancy */
} Fixture;

static AtriumLiveSpace *
make_space (gint64      id,
            const char *name,
            int         percent)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_int_member (object, "id", id);
  json_object_set_string_member (object, "name", name);
  json_object_set_int_member (object, "capacity", 40);
  json_object_set_int_member (object, "count", 40 * percent / 100);
  json_object_set_int_member (object, "free", 40 - 40 * percent / 100);
  json_object_set_int_member (object, "percent", percent);
  json_object_set_string_member (object, "level", percent >= 90 ? "full" : "quiet");
  return atrium_live_space_new_from_json (1, object);
}

/* What the live client does with a message of the feed. */
static void
set_percent (AtriumLiveSpace *space,
             int              percent)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "name", atrium_live_space_get_name (space));
  json_object_set_int_member (object, "capacity", 40);
  json_object_set_int_member (object, "count", percent < 0 ? 0 : 40 * percent / 100);
  json_object_set_int_member (object, "free", percent < 0 ? 40 : 40 - 40 * percent / 100);
  if (percent >= 0)
    json_object_set_int_member (object, "percent", percent);
  json_object_set_string_member (object, "level", percent >= 90 ? "full" : "quiet");
  atrium_live_space_update (space, 1, object);
}

static void
on_triggered (AtriumAlerts          *alerts,
              const AtriumAlertRule *rule,
              AtriumLiveSpace       *space,
              Fixture               *fixture)
{
  g_assert_cmpint (rule->space_id, ==, atrium_live_space_get_id (space));
  g_ptr_array_add (fixture->triggered, atrium_alert_rule_copy (rule));
}

static void
show_occupancy (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  ((Fixture *) user_data)->activated++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSimpleAction) action = g_simple_action_new ("show-occupancy", NULL);

  fixture->sent = atrium_ui_test_own_notifications ();
  fixture->app = g_application_new ("io.atrium.AlertsTest", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (action, "activate", G_CALLBACK (show_occupancy), fixture);
  g_action_map_add_action (G_ACTION_MAP (fixture->app), G_ACTION (action));
  g_assert_true (g_application_register (fixture->app, NULL, &error));
  g_assert_no_error (error);
  fixture->settings = g_settings_new (BASE_APPLICATION_ID);
  g_settings_reset (fixture->settings, "occupancy-alerts");
  fixture->store = g_list_store_new (ATRIUM_TYPE_LIVE_SPACE);
  fixture->triggered = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_alert_rule_free);
  fixture->alerts = atrium_alerts_new (fixture->app, fixture->settings);
  g_signal_connect (fixture->alerts, "triggered", G_CALLBACK (on_triggered), fixture);
  atrium_alerts_set_model (fixture->alerts, G_LIST_MODEL (fixture->store));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->alerts);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->settings);
  g_clear_pointer (&fixture->triggered, g_ptr_array_unref);
  g_clear_object (&fixture->app);
}

static guint wanted_sent;

static gboolean
all_sent (gpointer data)
{
  return ((GPtrArray *) data)->len >= wanted_sent;
}

/* The server got @n notifications (they travel over the bus), the last one @title. */
static void
assert_sent (Fixture    *fixture,
             guint       n,
             const char *title)
{
  AtriumUiTestNotification *last;

  wanted_sent = n;
  atrium_ui_test_spin_until (all_sent, fixture->sent, 10);
  /* And no more than that. */
  atrium_ui_test_spin_for (50);
  g_assert_cmpuint (fixture->sent->len, ==, n);
  if (n == 0)
    return;
  last = g_ptr_array_index (fixture->sent, n - 1);
  g_assert_cmpstr (last->title, ==, title);
}

static void
test_below (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(AtriumLiveSpace) room = make_space (7, "Reading Room 2", 75);
  g_autoptr(GError) error = NULL;
  AtriumUiTestNotification *notification;
  AtriumAlertRule *rule;

  g_list_store_append (fixture->store, room);
  g_assert_true (atrium_alerts_set_rule (fixture->alerts, 7, "Reading Room 2",
                                         ATRIUM_ALERT_BELOW, 60, &error));
  g_assert_no_error (error);
  set_percent (room, 61);
  g_assert_cmpuint (fixture->triggered->len, ==, 0);

  /* Crossing below fires once. */
  set_percent (room, 59);
  g_assert_cmpuint (fixture->triggered->len, ==, 1);
  rule = g_ptr_array_index (fixture->triggered, 0);
  g_assert_cmpint (rule->space_id, ==, 7);
  g_assert_cmpint (rule->direction, ==, ATRIUM_ALERT_BELOW);
  g_assert_cmpuint (rule->percent, ==, 60);
  assert_sent (fixture, 1, "Reading Room 2 is below 60 %");
  notification = g_ptr_array_index (fixture->sent, 0);
  g_assert_cmpstr (notification->id, ==, "occupancy-alert-7-below");
  g_assert_cmpstr (notification->body, ==, "Now 59 %: 17 of 40 places free.");
  g_assert_cmpstr (notification->default_action, ==, "app.show-occupancy");

  /* Staying below, and hovering back just above: quiet. */
  set_percent (room, 40);
  set_percent (room, 61);
  set_percent (room, 64);
  set_percent (room, 55);
  g_assert_cmpuint (fixture->triggered->len, ==, 1);
  /* Five points above the level re-arm it. */
  set_percent (room, 65);
  g_assert_cmpuint (fixture->triggered->len, ==, 1);
  set_percent (room, 59);
  g_assert_cmpuint (fixture->triggered->len, ==, 2);
  assert_sent (fixture, 2, "Reading Room 2 is below 60 %");

  /* A room without a figure is not judged. */
  set_percent (room, -1);
  set_percent (room, 80);
  set_percent (room, -1);
  set_percent (room, 10);
  g_assert_cmpuint (fixture->triggered->len, ==, 3);

  /* Removing the rule withdraws its notification. */
  g_assert_true (atrium_alerts_remove_rule (fixture->alerts, 7, ATRIUM_ALERT_BELOW));
  g_assert_false (atrium_alerts_remove_rule (fixture->alerts, 7, ATRIUM_ALERT_BELOW));
  set_percent (room, 90);
  set_percent (room, 10);
  g_assert_cmpuint (fixture->triggered->len, ==, 3);
  assert_sent (fixture, 3, "Reading Room 2 is below 60 %");
  notification = g_ptr_array_index (fixture->sent, 2);
  for (guint i = 0; i < 100 && !notification->withdrawn; i++)
    atrium_ui_test_spin_for (20);
  g_assert_true (notification->withdrawn);
}

static void
test_at_or_above (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(AtriumLiveSpace) room = make_space (3, "Group Room", 50);
  g_autoptr(AtriumLiveSpace) other = make_space (4, "Silent Room", 50);

  g_list_store_append (fixture->store, other);
  g_list_store_append (fixture->store, room);
  g_assert_true (atrium_alerts_set_rule (fixture->alerts, 3, "Group Room",
                                         ATRIUM_ALERT_AT_OR_ABOVE, 90, NULL));
  /* Another room's figures do not count. */
  set_percent (other, 100);
  g_assert_cmpuint (fixture->triggered->len, ==, 0);
  set_percent (room, 89);
  g_assert_cmpuint (fixture->triggered->len, ==, 0);
  set_percent (room, 90);
  g_assert_cmpuint (fixture->triggered->len, ==, 1);
  assert_sent (fixture, 1, "Group Room is at 90 % or more");
  set_percent (room, 100);
  set_percent (room, 86);
  set_percent (room, 95);
  g_assert_cmpuint (fixture->triggered->len, ==, 1);
  set_percent (room, 85);
  set_percent (room, 92);
  g_assert_cmpuint (fixture->triggered->len, ==, 2);
  assert_sent (fixture, 2, "Group Room is at 90 % or more");
}

static void
test_set_while_true (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(AtriumLiveSpace) room = make_space (5, "Reading Room 1", 40);

  g_list_store_append (fixture->store, room);
  /* Already below: the patron sees it; the alert waits for the room to fill again. */
  g_assert_true (atrium_alerts_set_rule (fixture->alerts, 5, "Reading Room 1",
                                         ATRIUM_ALERT_BELOW, 60, NULL));
  set_percent (room, 45);
  g_assert_cmpuint (fixture->triggered->len, ==, 0);
  set_percent (room, 70);
  set_percent (room, 50);
  g_assert_cmpuint (fixture->triggered->len, ==, 1);
  /* Changing the level judges the figure of now anew. */
  g_assert_true (atrium_alerts_set_rule (fixture->alerts, 5, "Reading Room 1",
                                         ATRIUM_ALERT_BELOW, 40, NULL));
  set_percent (room, 39);
  g_assert_cmpuint (fixture->triggered->len, ==, 2);
  /* Every notification of a test is in before the next test counts its own. */
  assert_sent (fixture, 2, "Reading Room 1 is below 40 %");
  g_assert_cmpuint (atrium_alerts_get_rule (fixture->alerts, 0)->percent, ==, 40);
  g_assert_cmpuint (atrium_alerts_get_n_rules (fixture->alerts), ==, 1);
}

static void
test_persisted (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(AtriumAlerts) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) kept = NULL;
  g_autofree char *printed = NULL;
  const AtriumAlertRule *rule;

  g_assert_true (atrium_alerts_set_rule (fixture->alerts, 7, "Reading Room 2",
                                         ATRIUM_ALERT_BELOW, 60, NULL));
  g_assert_true (atrium_alerts_set_rule (fixture->alerts, 7, "Reading Room 2",
                                         ATRIUM_ALERT_AT_OR_ABOVE, 95, NULL));
  g_assert_true (atrium_alerts_set_rule (fixture->alerts, 12, "Salle d’étude",
                                         ATRIUM_ALERT_BELOW, 1, NULL));
  /* Bad rules are refused and change nothing. */
  g_assert_false (atrium_alerts_set_rule (fixture->alerts, 7, "Reading Room 2",
                                          ATRIUM_ALERT_BELOW, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (atrium_alerts_set_rule (fixture->alerts, 7, "Reading Room 2",
                                          ATRIUM_ALERT_BELOW, 101, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (atrium_alerts_set_rule (fixture->alerts, 0, "Nowhere",
                                          ATRIUM_ALERT_BELOW, 50, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (atrium_alerts_set_rule (fixture->alerts, 8, "",
                                          ATRIUM_ALERT_BELOW, 50, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

  kept = g_settings_get_value (fixture->settings, "occupancy-alerts");
  printed = g_variant_print (kept, FALSE);
  g_assert_cmpstr (printed, ==,
                   "[(7, 'Reading Room 2', 'below', 60), "
                   "(7, 'Reading Room 2', 'at-or-above', 95), "
                   "(12, 'Salle d’étude', 'below', 1)]");

  /* A new start reads them back. */
  again = atrium_alerts_new (NULL, fixture->settings);
  g_assert_cmpuint (atrium_alerts_get_n_rules (again), ==, 3);
  rule = atrium_alerts_lookup (again, 7, ATRIUM_ALERT_AT_OR_ABOVE);
  g_assert_nonnull (rule);
  g_assert_cmpstr (rule->space_name, ==, "Reading Room 2");
  g_assert_cmpuint (rule->percent, ==, 95);
  rule = atrium_alerts_lookup (again, 12, ATRIUM_ALERT_BELOW);
  g_assert_nonnull (rule);
  g_assert_cmpstr (rule->space_name, ==, "Salle d’étude");
  g_assert_cmpuint (rule->percent, ==, 1);
  g_assert_null (atrium_alerts_lookup (again, 12, ATRIUM_ALERT_AT_OR_ABOVE));
  g_clear_object (&again);

  /* Settings edited by hand: what is not a rule is left out, the rest is read. */
  g_settings_set_value (fixture->settings, "occupancy-alerts",
                        g_variant_new_parsed ("[(int64 7, 'A', 'sideways', uint32 50), "
                                              "(int64 0, 'B', 'below', uint32 50), "
                                              "(int64 9, 'C', 'below', uint32 0), "
                                              "(int64 9, 'C', 'below', uint32 101), "
                                              "(int64 9, '', 'below', uint32 50), "
                                              "(int64 9, 'C', 'at-or-above', uint32 80), "
                                              "(int64 9, 'C', 'at-or-above', uint32 70)]"));
  again = atrium_alerts_new (NULL, fixture->settings);
  g_assert_cmpuint (atrium_alerts_get_n_rules (again), ==, 1);
  rule = atrium_alerts_get_rule (again, 0);
  g_assert_cmpint (rule->space_id, ==, 9);
  g_assert_cmpuint (rule->percent, ==, 80);
}

static void
test_spaces_come_and_go (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(AtriumLiveSpace) room = make_space (7, "Reading Room 2", 75);
  g_autoptr(AtriumLiveSpace) other = make_space (8, "Map Room", 75);
  g_autoptr(AtriumLiveSpace) late = NULL;

  g_list_store_append (fixture->store, room);
  g_list_store_append (fixture->store, other);
  g_assert_true (atrium_alerts_set_rule (fixture->alerts, 7, "Reading Room 2",
                                         ATRIUM_ALERT_BELOW, 60, NULL));
  /* A room the feed does not have (another site, closed for now): kept. */
  g_assert_true (atrium_alerts_set_rule (fixture->alerts, 99, "Archive",
                                         ATRIUM_ALERT_BELOW, 30, NULL));

  /* The room leaves the feed: no longer watched, nothing breaks, the rule stays. */
  g_list_store_remove (fixture->store, 0);
  set_percent (room, 10);
  set_percent (other, 10);
  g_assert_cmpuint (fixture->triggered->len, ==, 0);
  g_assert_cmpuint (atrium_alerts_get_n_rules (fixture->alerts), ==, 2);

  /* It comes back (a new object, as after a reconnection) and is watched again. */
  g_clear_object (&room);
  room = make_space (7, "Reading Room 2", 80);
  g_list_store_append (fixture->store, room);
  set_percent (room, 50);
  g_assert_cmpuint (fixture->triggered->len, ==, 1);

  /* The missing room appears: judged from its first figure. */
  late = make_space (99, "Archive", 50);
  g_list_store_append (fixture->store, late);
  set_percent (late, 20);
  g_assert_cmpuint (fixture->triggered->len, ==, 2);
  assert_sent (fixture, 2, "Archive is below 30 %");

  /* The whole model goes: the items keep no handler of the alerts. */
  g_list_store_remove_all (fixture->store);
  set_percent (late, 90);
  set_percent (late, 10);
  g_assert_cmpuint (fixture->triggered->len, ==, 2);
  atrium_alerts_set_model (fixture->alerts, NULL);
  g_assert_cmpuint (g_signal_handlers_disconnect_matched (room, G_SIGNAL_MATCH_DATA, 0, 0,
                                                          NULL, NULL, fixture->alerts),
                    ==, 0);
  g_assert_cmpuint (atrium_alerts_get_n_rules (fixture->alerts), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/alerts/below", test_below);
  ADD ("/alerts/at-or-above", test_at_or_above);
  ADD ("/alerts/set-while-true", test_set_while_true);
  ADD ("/alerts/persisted", test_persisted);
  ADD ("/alerts/spaces-come-and-go", test_spaces_come_and_go);
#undef ADD
  return g_test_run ();
}
