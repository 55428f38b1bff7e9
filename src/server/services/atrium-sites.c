/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-sites.h"

#include <stdio.h>
#include <string.h>

#include "atrium-core-error.h"

const char * const atrium_weekday_names[8] = {
  NULL, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
};

static gboolean date_valid (const char *text);

/* ---- life cycle ---------------------------------------------------------------------- */

AtriumSite *
atrium_site_new (void)
{
  AtriumSite *site = g_new0 (AtriumSite, 1);

  for (guint day = 1; day <= 7; day++)
    site->hours[day] = g_array_new (FALSE, FALSE, sizeof (AtriumPeriod));
  site->exceptions = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_closure_free);
  return site;
}

void
atrium_site_free (AtriumSite *site)
{
  if (site == NULL)
    return;
  g_free (site->name);
  g_free (site->address);
  g_free (site->timezone);
  g_clear_pointer (&site->tz, g_time_zone_unref);
  for (guint day = 1; day <= 7; day++)
    g_array_unref (site->hours[day]);
  g_ptr_array_unref (site->exceptions);
  g_free (site);
}

void
atrium_closure_free (AtriumClosure *closure)
{
  g_array_unref (closure->periods);
  g_free (closure->note);
  g_free (closure);
}

AtriumSpace *
atrium_space_new (void)
{
  AtriumSpace *space = g_new0 (AtriumSpace, 1);

  space->capacities = g_array_new (FALSE, FALSE, sizeof (AtriumCapacityRule));
  return space;
}

void
atrium_space_free (AtriumSpace *space)
{
  if (space == NULL)
    return;
  g_free (space->name);
  g_free (space->kind);
  g_array_unref (space->capacities);
  g_free (space->attributes);
  g_free (space);
}

AtriumQueue *
atrium_queue_new (void)
{
  return g_new0 (AtriumQueue, 1);
}

void
atrium_queue_free (AtriumQueue *queue)
{
  if (queue == NULL)
    return;
  g_free (queue->name);
  g_free (queue->kind);
  g_free (queue);
}

AtriumDirectory *
atrium_directory_new (void)
{
  AtriumDirectory *directory = g_new0 (AtriumDirectory, 1);

  directory->ref_count = 1;
  directory->sites = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_site_free);
  directory->spaces = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_space_free);
  directory->queues = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_queue_free);
  return directory;
}

AtriumDirectory *
atrium_directory_ref (AtriumDirectory *directory)
{
  g_atomic_int_inc (&directory->ref_count);
  return directory;
}

void
atrium_directory_unref (AtriumDirectory *directory)
{
  if (directory == NULL || !g_atomic_int_dec_and_test (&directory->ref_count))
    return;
  g_ptr_array_unref (directory->sites);
  g_ptr_array_unref (directory->spaces);
  g_ptr_array_unref (directory->queues);
  g_free (directory);
}

#define DEFINE_FIND(name, Type, array)                                   \
  Type *                                                                 \
  atrium_directory_find_##name (AtriumDirectory *directory,              \
                                gint64           id)                     \
  {                                                                      \
    for (guint i = 0; i < directory->array->len; i++)                    \
      {                                                                  \
        Type *item = directory->array->pdata[i];                         \
                                                                         \
        if (item->id == id)                                              \
          return item;                                                   \
      }                                                                  \
    return NULL;                                                         \
  }

DEFINE_FIND (site, AtriumSite, sites)
DEFINE_FIND (space, AtriumSpace, spaces)
DEFINE_FIND (queue, AtriumQueue, queues)

gboolean
atrium_directory_find_target (AtriumDirectory  *directory,
                              gint64            space_id,
                              gint64            queue_id,
                              gint64           *site_id,
                              const char      **name)
{
  AtriumSpace *space = space_id != 0 ? atrium_directory_find_space (directory, space_id)
                                     : NULL;
  AtriumQueue *queue = queue_id != 0 ? atrium_directory_find_queue (directory, queue_id)
                                     : NULL;

  if (space == NULL && queue == NULL)
    return FALSE;
  *site_id = space != NULL ? space->site_id : queue->site_id;
  *name = space != NULL ? space->name : queue->name;
  return TRUE;
}

/* ---- times of day -------------------------------------------------------------------- */

/* "HH:MM", 00:00 … 23:59; an end may also be "24:00". */
gboolean
atrium_time_of_day_parse (const char *text,
                          gboolean    end,
                          guint16    *minutes)
{
  guint hours, mins;

  if (text == NULL || strlen (text) != 5 || text[2] != ':' ||
      !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[1]) ||
      !g_ascii_isdigit (text[3]) || !g_ascii_isdigit (text[4]))
    return FALSE;
  hours = (guint) (text[0] - '0') * 10 + (guint) (text[1] - '0');
  mins = (guint) (text[3] - '0') * 10 + (guint) (text[4] - '0');
  if (mins > 59 || hours > 24 || (hours == 24 && (mins != 0 || !end)))
    return FALSE;
  *minutes = (guint16) (hours * 60 + mins);
  return TRUE;
}

char *
atrium_time_of_day_format (guint minutes)
{
  return g_strdup_printf ("%02u:%02u", minutes / 60, minutes % 60);
}

/* ---- opening hours ------------------------------------------------------------------- */

static const AtriumClosure *
find_exception (const AtriumSite *site,
                GDateTime        *local_day)
{
  char date[11];

  g_snprintf (date, sizeof date, "%04d-%02d-%02d", g_date_time_get_year (local_day),
              g_date_time_get_month (local_day), g_date_time_get_day_of_month (local_day));
  for (guint i = 0; i < site->exceptions->len; i++)
    {
      const AtriumClosure *closure = site->exceptions->pdata[i];

      if (strcmp (closure->date, date) == 0)
        return closure;
    }
  return NULL;
}

const GArray *
atrium_site_periods_on (const AtriumSite *site,
                        GDateTime        *local_day)
{
  const AtriumClosure *closure = find_exception (site, local_day);

  if (closure != NULL)
    return closure->periods;
  return site->hours[g_date_time_get_day_of_week (local_day)];
}

/* Local midnight of the day @days after the day of @local (negative: before). Built
 * from the date, not by adding 24 h, so that DST days keep their 23 or 25 hours. */
static GDateTime *
local_midnight (const AtriumSite *site,
                GDateTime        *local,
                int               days)
{
  g_autoptr(GDateTime) shifted = g_date_time_add_days (local, days);

  return g_date_time_new (site->tz, g_date_time_get_year (shifted),
                          g_date_time_get_month (shifted),
                          g_date_time_get_day_of_month (shifted), 0, 0, 0);
}

/* Minutes after midnight as an instant: on a DST day 10:00 is still 10:00 on the wall. */
static gint64
instant_of (const AtriumSite *site,
            GDateTime        *midnight,
            guint             minutes)
{
  g_autoptr(GDateTime) at = NULL;

  if (minutes >= 1440)
    {
      g_autoptr(GDateTime) next = local_midnight (site, midnight, 1);

      return g_date_time_to_unix (next);
    }
  at = g_date_time_new (site->tz, g_date_time_get_year (midnight),
                        g_date_time_get_month (midnight),
                        g_date_time_get_day_of_month (midnight), (int) (minutes / 60),
                        (int) (minutes % 60), 0);
  return g_date_time_to_unix (at);
}

gboolean
atrium_site_is_open (const AtriumSite *site,
                     gint64            now)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_utc (now);
  g_autoptr(GDateTime) here = g_date_time_to_timezone (local, site->tz);
  g_autoptr(GDateTime) midnight = local_midnight (site, here, 0);
  const GArray *periods = atrium_site_periods_on (site, here);

  for (guint i = 0; i < periods->len; i++)
    {
      const AtriumPeriod *period = &g_array_index (periods, AtriumPeriod, i);

      if (now >= instant_of (site, midnight, period->opens) &&
          now < instant_of (site, midnight, period->closes))
        return TRUE;
    }
  return FALSE;
}

gint64
atrium_site_last_closing (const AtriumSite *site,
                          gint64            now)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now);
  g_autoptr(GDateTime) here = g_date_time_to_timezone (utc, site->tz);
  gint64 best = 0;

  for (int back = 0; back <= 7 && best == 0; back++)
    {
      g_autoptr(GDateTime) midnight = local_midnight (site, here, -back);
      const GArray *periods = atrium_site_periods_on (site, midnight);

      for (guint i = 0; i < periods->len; i++)
        {
          gint64 closes = instant_of (site, midnight,
                                      g_array_index (periods, AtriumPeriod, i).closes);

          if (closes <= now && closes > best)
            best = closes;
        }
    }
  return best;
}

guint
atrium_space_capacity_at (const AtriumSpace *space,
                          const AtriumSite  *site,
                          gint64             now)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now);
  g_autoptr(GDateTime) here = g_date_time_to_timezone (utc, site->tz);
  guint weekday = (guint) g_date_time_get_day_of_week (here);
  guint minute = (guint) (g_date_time_get_hour (here) * 60 + g_date_time_get_minute (here));
  guint capacity = space->capacity;

  for (guint i = 0; i < space->capacities->len; i++)
    {
      const AtriumCapacityRule *rule = &g_array_index (space->capacities,
                                                       AtriumCapacityRule, i);

      if ((rule->weekday == 0 || rule->weekday == weekday) &&
          minute >= rule->starts && minute < rule->ends)
        capacity = rule->capacity;
    }
  return capacity;
}

/* ---- local days and opening intervals (bookings) ------------------------------------- */

static GDateTime *
local_of (const AtriumSite *site,
          gint64            instant)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (instant);

  return g_date_time_to_timezone (utc, site->tz);
}

void
atrium_site_day_bounds (const AtriumSite *site,
                        gint64            instant,
                        gint64           *day_start,
                        gint64           *day_end)
{
  g_autoptr(GDateTime) here = local_of (site, instant);
  g_autoptr(GDateTime) midnight = local_midnight (site, here, 0);
  g_autoptr(GDateTime) next = local_midnight (site, here, 1);

  *day_start = g_date_time_to_unix (midnight);
  *day_end = g_date_time_to_unix (next);
}

/* ISO weeks: Monday's local midnight to the next Monday's. */
void
atrium_site_week_bounds (const AtriumSite *site,
                         gint64            instant,
                         gint64           *week_start,
                         gint64           *week_end)
{
  g_autoptr(GDateTime) here = local_of (site, instant);
  int back = g_date_time_get_day_of_week (here) - 1;
  g_autoptr(GDateTime) monday = local_midnight (site, here, -back);
  g_autoptr(GDateTime) next = local_midnight (site, here, 7 - back);

  *week_start = g_date_time_to_unix (monday);
  *week_end = g_date_time_to_unix (next);
}

/* Whole local days from the day of @from to the day of @to (0: the same day). */
int
atrium_site_days_between (const AtriumSite *site,
                          gint64            from,
                          gint64            to)
{
  g_autoptr(GDateTime) a = local_of (site, from);
  g_autoptr(GDateTime) b = local_of (site, to);
  GDate da, db;

  g_date_clear (&da, 1);
  g_date_clear (&db, 1);
  g_date_set_dmy (&da, (GDateDay) g_date_time_get_day_of_month (a),
                  (GDateMonth) g_date_time_get_month (a), (GDateYear) g_date_time_get_year (a));
  g_date_set_dmy (&db, (GDateDay) g_date_time_get_day_of_month (b),
                  (GDateMonth) g_date_time_get_month (b), (GDateYear) g_date_time_get_year (b));
  return g_date_days_between (&da, &db);
}

/* Minutes after local midnight of @instant (on a DST day, what the wall clock shows). */
guint
atrium_site_minute_of_day (const AtriumSite *site,
                           gint64            instant)
{
  g_autoptr(GDateTime) here = local_of (site, instant);

  return (guint) (g_date_time_get_hour (here) * 60 + g_date_time_get_minute (here));
}

static int
compare_instants (gconstpointer a,
                  gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The site's opening periods that meet [@from, @to), as merged (start, end) pairs of
 * instants clipped to it. @exceptional tells whether one of the days it touches has
 * exceptional hours (a closure or special periods). */
GArray *
atrium_site_open_intervals (const AtriumSite *site,
                            gint64            from,
                            gint64            to,
                            gboolean         *exceptional)
{
  g_autoptr(GArray) raw = g_array_new (FALSE, FALSE, sizeof (gint64) * 2);
  GArray *merged = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GDateTime) first = local_of (site, from);
  int days = atrium_site_days_between (site, from, MAX (from, to - 1));

  if (exceptional != NULL)
    *exceptional = FALSE;
  /* From the day before: a period never crosses midnight, but stay safe near DST. */
  for (int d = -1; d <= days; d++)
    {
      g_autoptr(GDateTime) midnight = local_midnight (site, first, d);
      const GArray *periods = atrium_site_periods_on (site, midnight);

      if (exceptional != NULL && d >= 0 && find_exception (site, midnight) != NULL)
        *exceptional = TRUE;
      for (guint i = 0; i < periods->len; i++)
        {
          const AtriumPeriod *period = &g_array_index (periods, AtriumPeriod, i);
          gint64 pair[2] = { instant_of (site, midnight, period->opens),
                             instant_of (site, midnight, period->closes) };

          g_array_append_vals (raw, pair, 1);
        }
    }
  g_array_sort (raw, compare_instants);
  for (guint i = 0; i < raw->len; i++)
    {
      const gint64 *pair = (const gint64 *) raw->data + 2 * i;
      gint64 start = MAX (pair[0], from), end = MIN (pair[1], to);

      if (start >= end)
        continue;
      if (merged->len > 0 && start <= g_array_index (merged, gint64, merged->len - 1))
        {
          gint64 *last = &g_array_index (merged, gint64, merged->len - 1);

          *last = MAX (*last, end);
          continue;
        }
      g_array_append_val (merged, start);
      g_array_append_val (merged, end);
    }
  return merged;
}

/* "2026-11-24" as the instants of its local midnight and the next one. */
gboolean
atrium_site_date_bounds (const AtriumSite *site,
                         const char       *date,
                         gint64           *day_start,
                         gint64           *day_end)
{
  g_autoptr(GDateTime) midnight = NULL;
  guint year, month, day;

  if (!date_valid (date) || sscanf (date, "%4u-%2u-%2u", &year, &month, &day) != 3)
    return FALSE;
  midnight = g_date_time_new (site->tz, (int) year, (int) month, (int) day, 0, 0, 0);
  if (midnight == NULL)
    return FALSE;
  atrium_site_day_bounds (site, g_date_time_to_unix (midnight), day_start, day_end);
  return TRUE;
}

/* ---- JSON out ------------------------------------------------------------------------ */

static void
add_periods (JsonBuilder  *builder,
             const GArray *periods)
{
  json_builder_begin_array (builder);
  for (guint i = 0; i < periods->len; i++)
    {
      const AtriumPeriod *period = &g_array_index (periods, AtriumPeriod, i);
      g_autofree char *opens = atrium_time_of_day_format (period->opens);
      g_autofree char *closes = atrium_time_of_day_format (period->closes);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "opens");
      json_builder_add_string_value (builder, opens);
      json_builder_set_member_name (builder, "closes");
      json_builder_add_string_value (builder, closes);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_attributes (JsonBuilder *builder,
                const char  *attributes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  /* Written by the server itself after validation; still, never trust a cell blindly. */
  if (attributes != NULL && json_parser_load_from_data (parser, attributes, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
  else
    {
      json_builder_begin_object (builder);
      json_builder_end_object (builder);
    }
}

void
atrium_space_add_json (JsonBuilder       *builder,
                       const AtriumSpace *space)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, space->id);
  json_builder_set_member_name (builder, "site");
  json_builder_add_int_value (builder, space->site_id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, space->name);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, space->kind);
  json_builder_set_member_name (builder, "capacity");
  json_builder_add_int_value (builder, space->capacity);
  json_builder_set_member_name (builder, "capacities");
  json_builder_begin_array (builder);
  for (guint i = 0; i < space->capacities->len; i++)
    {
      const AtriumCapacityRule *rule = &g_array_index (space->capacities,
                                                       AtriumCapacityRule, i);
      g_autofree char *starts = atrium_time_of_day_format (rule->starts);
      g_autofree char *ends = atrium_time_of_day_format (rule->ends);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "weekday");
      if (rule->weekday == 0)
        json_builder_add_null_value (builder);
      else
        json_builder_add_string_value (builder, atrium_weekday_names[rule->weekday]);
      json_builder_set_member_name (builder, "from");
      json_builder_add_string_value (builder, starts);
      json_builder_set_member_name (builder, "to");
      json_builder_add_string_value (builder, ends);
      json_builder_set_member_name (builder, "capacity");
      json_builder_add_int_value (builder, rule->capacity);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "attributes");
  add_attributes (builder, space->attributes);
  json_builder_end_object (builder);
}

void
atrium_site_add_json (JsonBuilder      *builder,
                      const AtriumSite *site,
                      AtriumDirectory  *directory)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, site->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, site->name);
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, site->address);
  json_builder_set_member_name (builder, "timezone");
  json_builder_add_string_value (builder, site->timezone);

  json_builder_set_member_name (builder, "hours");
  json_builder_begin_object (builder);
  for (guint day = 1; day <= 7; day++)
    {
      json_builder_set_member_name (builder, atrium_weekday_names[day]);
      add_periods (builder, site->hours[day]);
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "exceptions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < site->exceptions->len; i++)
    {
      const AtriumClosure *closure = site->exceptions->pdata[i];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "date");
      json_builder_add_string_value (builder, closure->date);
      json_builder_set_member_name (builder, "closed");
      json_builder_add_boolean_value (builder, closure->periods->len == 0);
      json_builder_set_member_name (builder, "periods");
      add_periods (builder, closure->periods);
      json_builder_set_member_name (builder, "note");
      json_builder_add_string_value (builder, closure->note != NULL ? closure->note : "");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "spaces");
  json_builder_begin_array (builder);
  for (guint i = 0; i < directory->spaces->len; i++)
    {
      const AtriumSpace *space = directory->spaces->pdata[i];

      if (space->site_id == site->id)
        atrium_space_add_json (builder, space);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "queues");
  json_builder_begin_array (builder);
  for (guint i = 0; i < directory->queues->len; i++)
    {
      const AtriumQueue *queue = directory->queues->pdata[i];

      if (queue->site_id != site->id)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, queue->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, queue->name);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, queue->kind);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

/* ---- JSON in ------------------------------------------------------------------------- */

static gboolean
invalid (char      **field,
         GError    **error,
         const char *where,
         const char *message)
{
  if (field != NULL)
    *field = g_strdup (where);
  g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_INVALID, "%s: %s", where, message);
  return FALSE;
}

static int
compare_periods (gconstpointer a,
                 gconstpointer b)
{
  return (int) ((const AtriumPeriod *) a)->opens - (int) ((const AtriumPeriod *) b)->opens;
}

/* [{"opens": "08:00", "closes": "12:30"}, …]: valid times, sorted, not overlapping. */
static gboolean
periods_from_json (JsonArray   *array,
                   GArray      *periods,
                   const char  *where,
                   char       **field,
                   GError     **error)
{
  g_array_set_size (periods, 0);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      AtriumPeriod period;

      if (!atrium_time_of_day_parse (json_object_get_string_member (object, "opens"), FALSE,
                                     &period.opens) ||
          !atrium_time_of_day_parse (json_object_get_string_member (object, "closes"), TRUE,
                                     &period.closes))
        return invalid (field, error, where, "times are written HH:MM, 00:00 to 24:00");
      if (period.closes <= period.opens)
        return invalid (field, error, where, "a period must close after it opens");
      g_array_append_val (periods, period);
    }
  g_array_sort (periods, compare_periods);
  for (guint i = 1; i < periods->len; i++)
    if (g_array_index (periods, AtriumPeriod, i).opens <
        g_array_index (periods, AtriumPeriod, i - 1).closes)
      return invalid (field, error, where, "periods overlap");
  return TRUE;
}

gboolean
atrium_site_hours_from_json (AtriumSite  *site,
                             JsonObject  *hours,
                             char       **field,
                             GError     **error)
{
  for (guint day = 1; day <= 7; day++)
    {
      const char *name = atrium_weekday_names[day];
      g_autofree char *where = g_strdup_printf ("hours.%s", name);

      g_array_set_size (site->hours[day], 0);
      if (json_object_has_member (hours, name) &&
          !periods_from_json (json_object_get_array_member (hours, name), site->hours[day],
                              where, field, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
date_valid (const char *text)
{
  GDate date;
  guint year, month, day;

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-' ||
      sscanf (text, "%4u-%2u-%2u", &year, &month, &day) != 3)
    return FALSE;
  if (!g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
    return FALSE;
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
  return g_date_valid (&date);
}

static int
compare_closures (gconstpointer a,
                  gconstpointer b)
{
  return strcmp ((*(AtriumClosure * const *) a)->date, (*(AtriumClosure * const *) b)->date);
}

gboolean
atrium_site_exceptions_from_json (AtriumSite  *site,
                                  JsonArray   *exceptions,
                                  char       **field,
                                  GError     **error)
{
  g_ptr_array_set_size (site->exceptions, 0);
  for (guint i = 0; i < json_array_get_length (exceptions); i++)
    {
      JsonObject *object = json_array_get_object_element (exceptions, i);
      const char *date = json_object_get_string_member (object, "date");
      gboolean closed = json_object_get_boolean_member_with_default (object, "closed", FALSE);
      JsonArray *periods = json_object_has_member (object, "periods")
                           ? json_object_get_array_member (object, "periods") : NULL;
      g_autofree char *where = g_strdup_printf ("exceptions[%u]", i);
      AtriumClosure *closure;

      if (!date_valid (date))
        return invalid (field, error, where, "the date is written YYYY-MM-DD");
      for (guint j = 0; j < site->exceptions->len; j++)
        if (strcmp (((AtriumClosure *) site->exceptions->pdata[j])->date, date) == 0)
          return invalid (field, error, where, "this date is listed twice");
      if (closed == (periods != NULL && json_array_get_length (periods) > 0))
        return invalid (field, error, where,
                        "give either \"closed\": true or the special opening periods");
      closure = g_new0 (AtriumClosure, 1);
      g_strlcpy (closure->date, date, sizeof closure->date);
      closure->periods = g_array_new (FALSE, FALSE, sizeof (AtriumPeriod));
      closure->note = g_strdup (json_object_has_member (object, "note")
                                ? json_object_get_string_member (object, "note") : "");
      g_ptr_array_add (site->exceptions, closure);
      if (periods != NULL && !periods_from_json (periods, closure->periods, where, field, error))
        return FALSE;
    }
  g_ptr_array_sort (site->exceptions, compare_closures);
  return TRUE;
}

static guint
weekday_from_name (const char *name)
{
  for (guint day = 1; day <= 7; day++)
    if (g_strcmp0 (name, atrium_weekday_names[day]) == 0)
      return day;
  return 0;
}

gboolean
atrium_space_capacities_from_json (AtriumSpace  *space,
                                   JsonArray    *rules,
                                   char        **field,
                                   GError      **error)
{
  g_array_set_size (space->capacities, 0);
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonObject *object = json_array_get_object_element (rules, i);
      g_autofree char *where = g_strdup_printf ("capacities[%u]", i);
      AtriumCapacityRule rule = { 0 };

      if (json_object_has_member (object, "weekday") &&
          !json_object_get_null_member (object, "weekday"))
        {
          rule.weekday = weekday_from_name (json_object_get_string_member (object, "weekday"));
          if (rule.weekday == 0)
            return invalid (field, error, where, "the weekday is one of monday … sunday");
        }
      if (!atrium_time_of_day_parse (json_object_get_string_member (object, "from"), FALSE,
                                     &rule.starts) ||
          !atrium_time_of_day_parse (json_object_get_string_member (object, "to"), TRUE,
                                     &rule.ends) ||
          rule.ends <= rule.starts)
        return invalid (field, error, where, "from and to are HH:MM, to after from");
      rule.capacity = (guint) json_object_get_int_member (object, "capacity");
      g_array_append_val (space->capacities, rule);
    }
  return TRUE;
}
