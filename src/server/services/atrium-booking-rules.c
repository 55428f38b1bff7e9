/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-booking-rules.h"

#include <string.h>

#include "atrium-core-error.h"

const char * const atrium_resource_types[] = { "seat", "room", "equipment", NULL };
const char * const atrium_booking_statuses[] = { "booked", "checked_in", "cancelled",
                                                 "released", "no_show", "completed", NULL };

gboolean
atrium_resource_type_valid (const char *type)
{
  return type != NULL && g_strv_contains (atrium_resource_types, type);
}

gboolean
atrium_booking_status_valid (const char *status)
{
  return status != NULL && g_strv_contains (atrium_booking_statuses, status);
}

gboolean
atrium_booking_status_active (const char *status)
{
  return g_strcmp0 (status, "booked") == 0 || g_strcmp0 (status, "checked_in") == 0;
}

/* What a site gets until a manager says otherwise: half-hour slots; seats up to four
 * hours a week ahead, rooms for groups of two or more up to three hours, equipment by
 * the hour up to a working day; a few bookings a day and a week. */
void
atrium_booking_rules_init_default (AtriumBookingRules *rules,
                                   const char         *type)
{
  memset (rules, 0, sizeof *rules);
  g_strlcpy (rules->type, type, sizeof rules->type);
  rules->is_default = TRUE;
  rules->min_group = 1;
  if (g_strcmp0 (type, "room") == 0)
    {
      rules->slot_minutes = 30;
      rules->min_minutes = 30;
      rules->max_minutes = 180;
      rules->ahead_days = 14;
      rules->per_day = 1;
      rules->per_week = 3;
      rules->min_group = 2;
    }
  else if (g_strcmp0 (type, "equipment") == 0)
    {
      rules->slot_minutes = 60;
      rules->min_minutes = 60;
      rules->max_minutes = 480;
      rules->ahead_days = 14;
      rules->per_day = 1;
      rules->per_week = 3;
    }
  else
    {
      rules->slot_minutes = 30;
      rules->min_minutes = 30;
      rules->max_minutes = 240;
      rules->ahead_days = 7;
      rules->per_day = 2;
      rules->per_week = 10;
    }
}

static gboolean
invalid (char       **field,
         GError     **error,
         const char  *name,
         const char  *message)
{
  if (field != NULL)
    *field = g_strdup (name);
  g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID, "%s: %s", name, message);
  return FALSE;
}

/* The same checks as the schema's CHECK constraints, with a sentence for each. */
gboolean
atrium_booking_rules_validate (const AtriumBookingRules  *rules,
                               char                     **field,
                               GError                   **error)
{
  guint slot = rules->slot_minutes;

  if (slot < 5 || slot > 240 || slot % 5 != 0 || 1440 % slot != 0)
    return invalid (field, error, "slot_minutes",
                    "a multiple of 5 from 5 to 240 that divides a day (15, 30, 60 …)");
  if (rules->min_minutes < slot || rules->min_minutes % slot != 0)
    return invalid (field, error, "min_minutes", "a multiple of slot_minutes");
  if (rules->max_minutes < rules->min_minutes || rules->max_minutes > 1440 ||
      rules->max_minutes % slot != 0)
    return invalid (field, error, "max_minutes",
                    "a multiple of slot_minutes, at least min_minutes, at most 1440");
  if (rules->ahead_days > 365)
    return invalid (field, error, "ahead_days", "from 0 to 365");
  if (rules->per_day > 1000 || rules->per_day < -1)
    return invalid (field, error, "per_day", "from 0 to 1000, or null for no limit");
  if (rules->per_week > 1000 || rules->per_week < -1)
    return invalid (field, error, "per_week", "from 0 to 1000, or null for no limit");
  if (rules->min_group < 1 || rules->min_group > 1000)
    return invalid (field, error, "min_group", "from 1 to 1000");
  return TRUE;
}

static void
add_limit (JsonBuilder *builder,
           const char  *name,
           gint         value)
{
  json_builder_set_member_name (builder, name);
  if (value < 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, value);
}

void
atrium_booking_rules_add_json (JsonBuilder              *builder,
                               const AtriumBookingRules *rules)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, rules->type);
  json_builder_set_member_name (builder, "slot_minutes");
  json_builder_add_int_value (builder, rules->slot_minutes);
  json_builder_set_member_name (builder, "min_minutes");
  json_builder_add_int_value (builder, rules->min_minutes);
  json_builder_set_member_name (builder, "max_minutes");
  json_builder_add_int_value (builder, rules->max_minutes);
  json_builder_set_member_name (builder, "ahead_days");
  json_builder_add_int_value (builder, rules->ahead_days);
  add_limit (builder, "per_day", rules->per_day);
  add_limit (builder, "per_week", rules->per_week);
  json_builder_set_member_name (builder, "min_group");
  json_builder_add_int_value (builder, rules->min_group);
  json_builder_set_member_name (builder, "default");
  json_builder_add_boolean_value (builder, rules->is_default);
  json_builder_end_object (builder);
}

static const char *
broken (const char  *rule,
        char       **message,
        const char  *format,
        ...) G_GNUC_PRINTF (3, 4);

static const char *
broken (const char  *rule,
        char       **message,
        const char  *format,
        ...)
{
  va_list ap;

  va_start (ap, format);
  *message = g_strdup_vprintf (format, ap);
  va_end (ap);
  return rule;
}

/* The start of the slot (of the rule's granularity, on the local clock) under @now. */
static gint64
current_slot_start (const AtriumBookingRules *rules,
                    const AtriumSite         *site,
                    gint64                    now)
{
  guint minute = atrium_site_minute_of_day (site, now);

  return now - (gint64) (minute % rules->slot_minutes) * 60 - now % 60;
}

static gboolean
covered (GArray *intervals,
         gint64  starts,
         gint64  ends)
{
  return intervals->len == 2 && g_array_index (intervals, gint64, 0) == starts &&
         g_array_index (intervals, gint64, 1) == ends;
}

const char *
atrium_booking_check (const AtriumBookingRules  *rules,
                      const AtriumSite          *site,
                      const AtriumBookingAsk    *ask,
                      char                     **message)
{
  gint64 slot = (gint64) rules->slot_minutes * 60;
  gint64 length = ask->ends - ask->starts;
  int days_ahead;

  *message = NULL;
  if (ask->starts < current_slot_start (rules, site, ask->now))
    return broken ("past", message, "This time has already passed");
  if (ask->starts % 60 != 0 ||
      atrium_site_minute_of_day (site, ask->starts) % rules->slot_minutes != 0 ||
      length % slot != 0)
    return broken ("granularity", message,
                   "Bookings start and end on the %u-minute marks of the clock",
                   rules->slot_minutes);
  if (length < (gint64) rules->min_minutes * 60)
    return broken ("min_duration", message, "A booking lasts at least %u minutes",
                   rules->min_minutes);
  if (length > (gint64) rules->max_minutes * 60)
    return broken ("max_duration", message, "A booking lasts at most %u minutes",
                   rules->max_minutes);
  days_ahead = atrium_site_days_between (site, ask->now, ask->starts);
  if (days_ahead > (int) rules->ahead_days)
    return broken ("ahead", message, "Bookings open %u days ahead", rules->ahead_days);
  {
    gboolean exceptional = FALSE;
    g_autoptr(GArray) open = atrium_site_open_intervals (site, ask->starts, ask->ends,
                                                         &exceptional);

    if (!covered (open, ask->starts, ask->ends))
      return exceptional
             ? broken ("closure", message, "The library is closed or has special hours then")
             : broken ("opening_hours", message, "The library is not open all that time");
  }
  if (ask->group_size > ask->capacity)
    return broken ("capacity", message, "This resource takes at most %u people",
                   ask->capacity);
  if (ask->group_size < rules->min_group)
    return broken ("min_group", message, "This resource is booked for groups of %u or more",
                   rules->min_group);
  return NULL;
}

const char *
atrium_booking_check_quota (const AtriumBookingRules  *rules,
                            gint64                     held_today,
                            gint64                     held_this_week,
                            char                     **message)
{
  *message = NULL;
  if (rules->per_day >= 0 && held_today >= rules->per_day)
    return broken ("daily_quota", message, "You may hold %d such bookings a day",
                   rules->per_day);
  if (rules->per_week >= 0 && held_this_week >= rules->per_week)
    return broken ("weekly_quota", message, "You may hold %d such bookings a week",
                   rules->per_week);
  return NULL;
}
