/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "atrium-live-items.h"

G_BEGIN_DECLS

/*
 * Occupancy alerts: "tell me when Reading Room 2 is below 60 %" for patrons, "tell me
 * when it reaches 90 %" for staff. The rules are kept in the settings
 * (occupancy-alerts); AtriumAlerts watches a model of AtriumLiveSpace and sends a
 * desktop notification once each time a rule's condition becomes true. A rule fires
 * again only after the room has been back on the other side of its level by
 * ATRIUM_ALERT_HYSTERESIS points, so that a room hovering at the level stays quiet.
 */

#define ATRIUM_ALERT_HYSTERESIS 5

typedef enum
{
  ATRIUM_ALERT_BELOW,        /* percent < level: a quiet room */
  ATRIUM_ALERT_AT_OR_ABOVE,  /* percent >= level: a capacity alert */
} AtriumAlertDirection;

typedef struct
{
  gint64               space_id;
  char                *space_name;
  AtriumAlertDirection direction;
  guint                percent;    /* 1–100 */
} AtriumAlertRule;

#define ATRIUM_TYPE_ALERT_RULE (atrium_alert_rule_get_type ())
GType            atrium_alert_rule_get_type (void) G_GNUC_CONST;
AtriumAlertRule *atrium_alert_rule_copy     (const AtriumAlertRule *rule);
void             atrium_alert_rule_free     (AtriumAlertRule       *rule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumAlertRule, atrium_alert_rule_free)

#define ATRIUM_TYPE_ALERTS (atrium_alerts_get_type ())
G_DECLARE_FINAL_TYPE (AtriumAlerts, atrium_alerts, ATRIUM, ALERTS, GObject)

/* @application (nullable, not referenced) sends the notifications; @settings (nullable:
 * the application's schema) keeps the rules. */
AtriumAlerts          *atrium_alerts_new         (GApplication         *application,
                                                  GSettings            *settings);
/* The spaces to watch (a model of AtriumLiveSpace), or NULL to stop watching. */
void                   atrium_alerts_set_model   (AtriumAlerts         *self,
                                                  GListModel           *spaces);
/* Adds the rule, or changes the level of the space's rule of that direction. The
 * condition is judged from the next figure on: a room already below its level when
 * the rule is set fires only after it has risen again. */
gboolean               atrium_alerts_set_rule    (AtriumAlerts         *self,
                                                  gint64                space_id,
                                                  const char           *space_name,
                                                  AtriumAlertDirection  direction,
                                                  guint                 percent,
                                                  GError              **error);
/* Whether there was such a rule. */
gboolean               atrium_alerts_remove_rule (AtriumAlerts         *self,
                                                  gint64                space_id,
                                                  AtriumAlertDirection  direction);
/* The space's rule of @direction, or NULL. */
const AtriumAlertRule *atrium_alerts_lookup      (AtriumAlerts         *self,
                                                  gint64                space_id,
                                                  AtriumAlertDirection  direction);
guint                  atrium_alerts_get_n_rules (AtriumAlerts         *self);
const AtriumAlertRule *atrium_alerts_get_rule    (AtriumAlerts         *self,
                                                  guint                 index);
/* "Below 60 %", "At 90 % or more": a rule in words, for labels. */
char                  *atrium_alert_rule_describe (const AtriumAlertRule *rule);

G_END_DECLS
