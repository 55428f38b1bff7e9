/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-demo.h"

#include <math.h>

#include "atrium-accounts.h"
#include "atrium-random.h"
#include "atrium-store-audit.h"
#include "atrium-store-bookings.h"
#include "atrium-store-checkin.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"
#include "atrium-totp.h"

#define HISTORY_DAYS 56

/* ---- the traffic model --------------------------------------------------------------- */

gboolean
atrium_demo_is_exam_period (GDateTime *local)
{
  int month = g_date_time_get_month (local);
  int day = g_date_time_get_day_of_month (local);

  return (month == 12 && day >= 7 && day <= 19) || (month == 1 && day >= 4 && day <= 16) ||
         (month == 5 && day >= 10);
}

/* A smooth bump centred on @centre hours, @width wide. */
static double
bump (double hour,
      double centre,
      double width)
{
  double x = (hour - centre) / width;

  return exp (-x * x);
}

double
atrium_demo_expected_share (const AtriumSite *site,
                            gint64            now,
                            double            profile)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now);
  g_autoptr(GDateTime) here = g_date_time_to_timezone (utc, site->tz);
  double hour = g_date_time_get_hour (here) + g_date_time_get_minute (here) / 60.0;
  double share;

  if (!atrium_site_is_open (site, now))
    return 0;
  /* Morning rise to 11:00, a dip over lunch, the afternoon peak, the evening fall. */
  share = 0.08 + 0.62 * bump (hour, 11.0 + profile, 1.8) + 0.78 * bump (hour, 15.5, 2.0) -
          0.22 * bump (hour, 13.0, 0.7) + 0.25 * bump (hour, 19.0 - profile, 1.5);
  if (g_date_time_get_day_of_week (here) == 6)
    share *= 0.5;
  if (g_date_time_get_day_of_week (here) == 5)
    share *= 0.85;
  if (atrium_demo_is_exam_period (here))
    share *= 1.3;
  return CLAMP (share, 0, 1.2);
}

/* ---- the institution ----------------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *kind;
  guint       capacity;
  guint       evening_capacity;   /* from 20:00; 0: unchanged */
  const char *attributes;
} DemoSpace;

typedef struct
{
  const char *name;
  const char *address;
  const char *hours[8];           /* "HH:MM-HH:MM" or NULL: closed */
  DemoSpace   spaces[6];
  const char *queue_name;
  const char *queue_kind;
} DemoSite;

static const DemoSite demo_sites[] = {
  {
    "Central Library", "12 rue des Écoles, 75005 Paris",
    { NULL, "08:00-22:00", "08:00-22:00", "08:00-22:00", "08:00-22:00", "08:00-20:00",
      "09:00-19:00", NULL },
    {
      { "Reading Room A", "reading_room", 120, 60,
        "{\"quiet\":true,\"power\":true,\"wifi\":true,\"daylight\":true,\"floor\":1}" },
      { "Reading Room B", "reading_room", 80, 0,
        "{\"quiet\":true,\"power\":true,\"wifi\":true,\"floor\":1}" },
      { "Group Study Floor", "floor", 60, 0,
        "{\"group_work\":true,\"power\":true,\"wifi\":true,\"floor\":2}" },
      { "Quiet Floor", "floor", 90, 0, "{\"quiet\":true,\"wifi\":true,\"floor\":3}" },
      { "Research Room", "study_room", 24, 0,
        "{\"quiet\":true,\"computers\":true,\"accessible\":true,\"floor\":0}" },
      { NULL },
    },
    "Main entrance", "entrance",
  },
  {
    "Science Library", "4 place Jussieu, 75005 Paris",
    /* A study hall open day and night, every day: the demo always has a site open,
     * whatever the hour someone tries it. */
    { NULL, "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00",
      "00:00-24:00", "00:00-24:00" },
    {
      { "Main Hall", "reading_room", 150, 0,
        "{\"power\":true,\"wifi\":true,\"accessible\":true,\"floor\":0}" },
      { "Lab Corner", "study_room", 30, 0,
        "{\"computers\":true,\"group_work\":true,\"floor\":1}" },
      { "Mezzanine", "floor", 50, 0, "{\"quiet\":true,\"daylight\":true,\"floor\":1}" },
      { NULL },
    },
    "Loan desk", "loan_desk",
  },
};

typedef struct
{
  const char *name;
  const char *role;      /* with ":1" for the first site */
  const char *also;      /* a second grant, or NULL */
} DemoAccount;

/* Staff and managers work at both sites. */
static const DemoAccount demo_accounts[] = {
  { "demo-patron", "patron", NULL },
  { "demo-staff", "staff:1", "staff:2" },
  { "demo-manager", "manager:1", "manager:2" },
  { "demo-reporting", "reporting", NULL },
  { "demo-admin", "admin", NULL },
};

/* "08:00-22:00" */
static AtriumPeriod
period_of (const char *text)
{
  g_autofree char *opens = g_strndup (text, 5);
  AtriumPeriod period = { 0, 0 };

  atrium_time_of_day_parse (opens, FALSE, &period.opens);
  atrium_time_of_day_parse (text + 6, TRUE, &period.closes);
  return period;
}

static gboolean
open_around_the_clock (const DemoSite *demo)
{
  for (guint day = 1; day <= 7; day++)
    if (g_strcmp0 (demo->hours[day], "00:00-24:00") != 0)
      return FALSE;
  return TRUE;
}

static AtriumSite *
make_site (const DemoSite  *demo,
           GError         **error)
{
  AtriumSite *site = atrium_site_new ();

  site->name = g_strdup (demo->name);
  site->address = g_strdup (demo->address);
  site->timezone = g_strdup ("Europe/Paris");
  site->tz = g_time_zone_new_identifier (site->timezone);
  if (site->tz == NULL)
    site->tz = g_time_zone_new_utc ();
  for (guint day = 1; day <= 7; day++)
    {
      AtriumPeriod period;

      if (demo->hours[day] == NULL)
        continue;
      period = period_of (demo->hours[day]);
      g_array_append_val (site->hours[day], period);
    }
  /* The study hall open around the clock stays open on holidays. */
  if (open_around_the_clock (demo))
    return site;
  /* The holidays every French library closes for, and a short Christmas Eve. */
  {
    static const struct { const char *date; const char *period; const char *note; } days[] = {
      { "2026-12-24", "09:00-16:00", "Christmas Eve: closes early" },
      { "2026-12-25", NULL, "Christmas Day" },
      { "2027-01-01", NULL, "New Year's Day" },
      { "2027-05-01", NULL, "Labour Day" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (days); i++)
      {
        AtriumClosure *closure = g_new0 (AtriumClosure, 1);

        g_strlcpy (closure->date, days[i].date, sizeof closure->date);
        closure->periods = g_array_new (FALSE, FALSE, sizeof (AtriumPeriod));
        closure->note = g_strdup (days[i].note);
        if (days[i].period != NULL)
          {
            AtriumPeriod period = period_of (days[i].period);

            g_array_append_val (closure->periods, period);
          }
        g_ptr_array_add (site->exceptions, closure);
      }
  }
  return site;
}

/* A password the policy accepts: random, with every class of character. */
static char *
demo_password (void)
{
  g_autofree char *random = atrium_random_base64url (12);

  return g_strdup_printf ("Demo-%s-7q", random);
}

static gboolean
add_accounts (AtriumDb                    *db,
              const guint8                 secrets_key[ATRIUM_SEAL_KEY_LEN],
              const AtriumPasswordParams  *params,
              gint64                       now,
              GString                     *report,
              GError                     **error)
{
  g_string_append (report, "Demo accounts (shown once; passwords are random):\n");
  for (guint i = 0; i < G_N_ELEMENTS (demo_accounts); i++)
    {
      const char *grant_text[] = { demo_accounts[i].role, demo_accounts[i].also, NULL };
      g_autofree char *password = demo_password ();
      g_autofree char *hash = atrium_password_hash (password, params, error);
      g_autofree char *email = g_strdup_printf ("%s@library.example", demo_accounts[i].name);
      g_autoptr(GArray) grants = NULL;
      g_autofree char *uri = NULL;
      g_auto(GStrv) codes = NULL;
      gboolean second_factor;

      if (hash == NULL)
        return FALSE;
      grants = atrium_account_parse_grants (grant_text, &second_factor, error);
      if (grants == NULL ||
          atrium_account_create (db, secrets_key, demo_accounts[i].name, email, NULL, hash,
                                 grants, now, &uri, &codes, error) == 0)
        return FALSE;
      g_string_append_printf (report, "  %-15s %-10s password %s\n", demo_accounts[i].name,
                              demo_accounts[i].role, password);
      if (uri != NULL)
        g_string_append_printf (report, "  %15s second factor: %s\n"
                                "  %15s recovery code: %s\n", "", uri, "", codes[0]);
      atrium_secure_zero (password, strlen (password));
    }
  return TRUE;
}

/* Eight weeks of five-minute buckets along the traffic model, with some noise, so that
 * statistics and "popular times" have something to show from the first minute. */
static gboolean
add_history (AtriumDb         *db,
             AtriumDirectory  *directory,
             gint64            now,
             GError          **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);
  gint64 end = now - now % ATRIUM_BUCKET_SECONDS;
  gint64 start = end - (gint64) HISTORY_DAYS * 86400;

  for (guint i = 0; i < directory->spaces->len; i++)
    {
      const AtriumSpace *space = directory->spaces->pdata[i];
      const AtriumSite *site = atrium_directory_find_site (directory, space->site_id);
      double profile = (i % 3) * 0.4;
      double previous = 0;

      for (gint64 t = start; t < end; t += ATRIUM_BUCKET_SECONDS)
        {
          double share = atrium_demo_expected_share (site, t, profile);
          guint capacity = atrium_space_capacity_at (space, site, t);
          double occupancy = MAX (0, share * capacity * g_rand_double_range (rand, 0.9, 1.1));
          double turnover = occupancy * 0.04;
          AtriumBucketRow row = { t };

          if (share == 0 && previous == 0)
            continue;
          row.entries = (gint64) (MAX (0, occupancy - previous) + turnover + 0.5);
          row.exits = (gint64) (MAX (0, previous - occupancy) + turnover + 0.5);
          row.peak = (gint64) (MAX (occupancy, previous) + 0.5);
          row.area = (gint64) (occupancy * ATRIUM_BUCKET_SECONDS);
          previous = occupancy;
          if (!atrium_store_bucket_put (db, space->id, 0, &row, error))
            return FALSE;
        }
    }
  for (guint i = 0; i < directory->queues->len; i++)
    {
      const AtriumQueue *queue = directory->queues->pdata[i];
      const AtriumSite *site = atrium_directory_find_site (directory, queue->site_id);

      for (gint64 t = start; t < end; t += ATRIUM_BUCKET_SECONDS)
        {
          double share = atrium_demo_expected_share (site, t, 0.2);
          double length = share * 8 * g_rand_double_range (rand, 0.6, 1.4);
          AtriumBucketRow row = { t };

          if (share == 0)
            continue;
          row.entries = (gint64) (share * 25 + 0.5);
          row.exits = row.entries;
          row.peak = (gint64) (length + 1.5);
          row.area = (gint64) (length * ATRIUM_BUCKET_SECONDS);
          row.wait_sum = length * 45.0 * 5;   /* five one-minute samples */
          row.wait_n = 5;
          if (!atrium_store_bucket_put (db, 0, queue->id, &row, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Eight weeks of past bookings of two hours, more on busy days: most kept (checked in,
 * then completed by the same sweeps as the scheduler's), some cancelled, some never
 * claimed (no-shows), so that the managers' booking statistics have a history. They
 * belong to nobody (like anonymised ones): no patron's history or no-show count grows. */
static gboolean
add_booking_history (AtriumDb         *db,
                     AtriumDirectory  *directory,
                     gint64            now,
                     GError          **error)
{
  static const guint hours[] = { 10, 14 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  g_autoptr(GPtrArray) resources = atrium_store_resources_list (db, 0, NULL, error);
  g_autoptr(GArray) changed = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (resources == NULL)
    return FALSE;
  for (guint i = 0; i < resources->len; i++)
    {
      const AtriumResource *resource = resources->pdata[i];
      const AtriumSite *site = atrium_directory_find_site (directory, resource->site_id);
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now);
      g_autoptr(GDateTime) here = site != NULL ? g_date_time_to_timezone (utc, site->tz) : NULL;

      for (int day = 1; here != NULL && day <= HISTORY_DAYS; day++)
        for (guint h = 0; h < G_N_ELEMENTS (hours); h++)
          {
            g_autoptr(GDateTime) date = g_date_time_add_days (here, -day);
            g_autoptr(GDateTime) start = g_date_time_new (site->tz,
                                                          g_date_time_get_year (date),
                                                          g_date_time_get_month (date),
                                                          g_date_time_get_day_of_month (date),
                                                          (int) hours[h], 0, 0);
            AtriumBooking booking = { 0 };
            double fate;

            booking.resource_id = resource->id;
            booking.starts = g_date_time_to_unix (start);
            booking.ends = booking.starts + 2 * 3600;
            booking.group_size = g_str_equal (resource->type, "room") ? 3 : 1;
            booking.created_at = booking.starts - g_rand_int_range (rand, 3600, 5 * 86400);
            if (!atrium_site_is_open (site, booking.starts) ||
                !atrium_site_is_open (site, booking.ends - 1) ||
                g_rand_double (rand) > 0.2 + 0.6 * atrium_demo_expected_share (site,
                                                                               booking.starts,
                                                                               0))
              continue;
            booking.id = atrium_store_booking_insert (db, &booking, error);
            if (booking.id == 0)
              return FALSE;
            fate = g_rand_double (rand);
            if (fate < 0.08 &&
                !atrium_store_booking_cancel (db, booking.id, 0, booking.created_at + 600,
                                              error))
              return FALSE;
            if (fate >= 0.08 + 0.1 &&
                atrium_store_booking_check_in (db, booking.id, booking.starts +
                                               g_rand_int_range (rand, 0, 600), error) < 0)
              return FALSE;
          }
    }
  /* The rest of each booking's life, as the scheduler would have lived it. */
  return atrium_store_release_no_shows (db, now, 0, changed, error) &&
         atrium_store_complete_ended (db, now, changed, error);
}

/* Sensors whose keys nobody knows: `serve --simulate-sensors` gives them fresh ones. */
static gboolean
add_sensors (AtriumDb         *db,
             AtriumDirectory  *directory,
             gint64            now,
             GError          **error)
{
  for (guint i = 0; i < directory->spaces->len + directory->queues->len; i++)
    {
      gboolean is_space = i < directory->spaces->len;
      const AtriumSpace *space = is_space ? directory->spaces->pdata[i] : NULL;
      const AtriumQueue *queue = is_space ? NULL
                                          : directory->queues->pdata[i - directory->spaces->len];
      g_autofree char *token = atrium_random_base64url (32);
      g_autofree char *hash = atrium_token_hash (token);
      g_autofree char *name = g_strdup_printf ("%s – %s", ATRIUM_DEMO_SENSOR_PREFIX,
                                               is_space ? space->name : queue->name);

      if (atrium_store_sensor_create (db, is_space ? space->site_id : queue->site_id,
                                      is_space ? space->id : 0, is_space ? 0 : queue->id,
                                      name, hash, now, error) == 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_resources (AtriumDb         *db,
               AtriumDirectory  *directory,
               GError          **error)
{
  static const char *equipment[][2] = {
    { "Laptop 1", "A laptop with office software and a charger" },
    { "Laptop 2", "A laptop with office software and a charger" },
    { "Laptop 3", "A laptop with office software and a charger" },
    { "Laptop 4", "A laptop with office software and a charger" },
    { "Book scanner", "Overhead scanner for bound books; saves to USB or email" },
    { "3D printer", "PLA printer; bring your model as an STL file" },
    { "Camera kit", "Mirrorless camera with two lenses and a tripod" },
    { "Microfilm reader", "Reader and printer for microfilm and microfiche" },
  };
  gint64 id;

  /* 40 seats, 12 rooms, 8 pieces of equipment. */
  for (guint i = 0; i < 40; i++)
    {
      const AtriumSpace *space = directory->spaces->pdata[i < 24 ? 0 : i < 32 ? 1 : 5];
      g_autofree char *name = g_strdup_printf ("Seat %s-%02u", i < 24 ? "A" : i < 32 ? "B" : "H",
                                               i + 1);

      if (atrium_store_resource_create (db, space->site_id, space->id, "seat", name, 1,
                                        i % 4 == 0 ? "{\"power\":true}" : "{}", error) == 0)
        return FALSE;
    }
  for (guint i = 0; i < 12; i++)
    {
      const AtriumSpace *space = directory->spaces->pdata[i < 8 ? 2 : 6];
      g_autofree char *name = g_strdup_printf ("Group room %u", i + 1);

      guint capacity = i % 3 == 0 ? 8 : 4;
      g_autofree char *about = g_strdup_printf ("A closed room for up to %u, with a wall "
                                                "screen and a whiteboard", capacity);

      id = atrium_store_resource_create (db, space->site_id, space->id, "room", name, capacity,
                                         i % 4 == 0 ? "{\"screen\":true,\"accessible\":true}"
                                                    : "{\"screen\":true}", error);
      if (id == 0 || !atrium_store_resource_set_description (db, id, about, error))
        return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (equipment); i++)
    {
      const AtriumSite *site = directory->sites->pdata[i < 5 ? 0 : 1];

      id = atrium_store_resource_create (db, site->id, 0, "equipment", equipment[i][0], 1,
                                         NULL, error);
      if (id == 0 || !atrium_store_resource_set_description (db, id, equipment[i][1], error))
        return FALSE;
    }
  return TRUE;
}

/* Booking rules a library would set: the Central Library's seats by the half hour for up
 * to four hours, its rooms for groups of three or more; the Science Library's seats by
 * the quarter hour for up to three hours; equipment by the hour. */
static gboolean
add_rules (AtriumDb         *db,
           AtriumDirectory  *directory,
           GError          **error)
{
  static const struct
  {
    guint site;   /* index in the directory */
    AtriumBookingRules rules;
  } demo_rules[] = {
    { 0, { "seat", 30, 30, 240, 7, 2, 8, 1, FALSE } },
    { 0, { "room", 30, 60, 180, 14, 1, 3, 3, FALSE } },
    { 0, { "equipment", 60, 60, 480, 14, 1, 3, 1, FALSE } },
    { 1, { "seat", 15, 30, 180, 3, 2, 6, 1, FALSE } },
    { 1, { "room", 30, 60, 120, 7, 1, 2, 2, FALSE } },
    { 1, { "equipment", 60, 60, 240, 7, 1, 2, 1, FALSE } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (demo_rules); i++)
    {
      const AtriumSite *site = directory->sites->pdata[demo_rules[i].site];

      if (!atrium_store_rules_put (db, site->id, &demo_rules[i].rules, error))
        return FALSE;
    }
  return TRUE;
}

/* Each counter starts where the model says the day stands. */
static gboolean
set_counters (AtriumDb         *db,
              AtriumDirectory  *directory,
              gint64            now,
              GError          **error)
{
  for (guint i = 0; i < directory->spaces->len; i++)
    {
      const AtriumSpace *space = directory->spaces->pdata[i];
      const AtriumSite *site = atrium_directory_find_site (directory, space->site_id);
      double share = atrium_demo_expected_share (site, now, (i % 3) * 0.4);
      gint64 count = (gint64) (share * atrium_space_capacity_at (space, site, now) + 0.5);

      if (!atrium_store_counter_set (db, space->id, 0, count, TRUE, now, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
atrium_demo_load (AtriumDb                    *writer,
                  const guint8                 secrets_key[ATRIUM_SEAL_KEY_LEN],
                  const AtriumPasswordParams  *params,
                  gint64                       now,
                  GString                     *report,
                  GError                     **error)
{
  g_autoptr(AtriumDirectory) existing = atrium_store_directory_load (writer, error);
  g_autoptr(AtriumDirectory) directory = NULL;

  if (existing == NULL)
    return FALSE;
  if (existing->spaces->len > 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_EXISTS,
                   "This store already has sites and spaces; the demo goes into an empty one");
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (demo_sites); i++)
    {
      const DemoSite *demo = &demo_sites[i];
      g_autoptr(AtriumSite) site = make_site (demo, error);
      AtriumQueue queue = { 0 };

      site->id = atrium_store_site_create (writer, site, error);
      if (site->id == 0)
        return FALSE;
      for (guint j = 0; demo->spaces[j].name != NULL; j++)
        {
          g_autoptr(AtriumSpace) space = atrium_space_new ();

          space->site_id = site->id;
          space->name = g_strdup (demo->spaces[j].name);
          space->kind = g_strdup (demo->spaces[j].kind);
          space->capacity = demo->spaces[j].capacity;
          space->attributes = g_strdup (demo->spaces[j].attributes);
          if (demo->spaces[j].evening_capacity != 0)
            {
              AtriumCapacityRule rule = { 0, 20 * 60, 24 * 60,
                                          demo->spaces[j].evening_capacity };

              g_array_append_val (space->capacities, rule);
            }
          if (atrium_store_space_create (writer, space, error) == 0)
            return FALSE;
        }
      queue.site_id = site->id;
      queue.name = (char *) demo->queue_name;
      queue.kind = (char *) demo->queue_kind;
      if (atrium_store_queue_create (writer, &queue, error) == 0)
        return FALSE;
    }

  directory = atrium_store_directory_load (writer, error);
  if (directory == NULL || !add_resources (writer, directory, error) ||
      !add_rules (writer, directory, error) ||
      !add_sensors (writer, directory, now, error) ||
      !add_history (writer, directory, now, error) ||
      !add_booking_history (writer, directory, now, error) ||
      !set_counters (writer, directory, now, error) ||
      !add_accounts (writer, secrets_key, params, now, report, error))
    return FALSE;

  {
    g_autofree char *token = atrium_random_base64url (32);
    g_autofree char *hash = atrium_token_hash (token);
    /* At the Science Library, open day and night: the demo's check-in at the kiosk
     * works whatever the hour. */
    const AtriumSite *site = directory->sites->pdata[directory->sites->len > 1 ? 1 : 0];
    gint64 kiosk = atrium_store_device_create (writer, "kiosk", site->id, "Demo kiosk", hash,
                                               now, error);

    if (kiosk == 0)
      return FALSE;
    g_string_append_printf (report, "Kiosk %" G_GINT64_FORMAT " at %s, token: %s\n", kiosk,
                            site->name, token);
    atrium_secure_zero (token, strlen (token));
  }
  g_string_append_printf (report, "Loaded %u sites, %u spaces, %u queues, %u sensors, "
                          "booking rules and %d weeks of statistics.\n", directory->sites->len,
                          directory->spaces->len, directory->queues->len,
                          directory->spaces->len + directory->queues->len, HISTORY_DAYS / 7);
  return TRUE;
}
