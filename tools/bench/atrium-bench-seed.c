/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-bench"

#include "config.h"

#include "atrium-bench-seed.h"

#include "atrium-totp.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-counts.h"
#include "atrium-store-sites.h"

void
bench_seed_clear (BenchSeed *seed)
{
  g_free (seed->kiosk);
  for (guint i = 0; i < BENCH_SEED_MAX_SPACES; i++)
    g_free (seed->keys[i]);
}

static char *
new_token (char **hash)
{
  char *token = atrium_random_base64url (32);

  *hash = atrium_token_hash (token);
  return token;
}

gboolean
bench_seed_store (const char  *data_dir,
                  guint        n_spaces,
                  BenchSeed   *seed,
                  GError     **error)
{
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, error);
  g_autoptr(AtriumSite) site = atrium_site_new ();
  AtriumPeriod day = { 0, 1440 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *hash = NULL;

  g_return_val_if_fail (n_spaces <= BENCH_SEED_MAX_SPACES, FALSE);

  seed->n_spaces = n_spaces;
  if (db == NULL || !atrium_db_exec (db, "BEGIN IMMEDIATE;", error))
    return FALSE;
  site->name = g_strdup ("Bench Library");
  site->address = g_strdup ("");
  site->timezone = g_strdup ("UTC");
  site->tz = g_time_zone_new_utc ();
  for (guint d = 1; d <= 7; d++)
    g_array_append_val (site->hours[d], day);
  site->id = seed->site = atrium_store_site_create (db, site, error);
  if (site->id == 0)
    return FALSE;
  for (guint i = 0; i < n_spaces; i++)
    {
      g_autoptr(AtriumSpace) space = atrium_space_new ();
      g_autofree char *key_hash = NULL;

      space->site_id = site->id;
      space->name = g_strdup_printf ("Reading room %02u", i + 1);
      space->kind = g_strdup ("reading_room");
      space->capacity = 100000;
      space->attributes = g_strdup ("{\"quiet\":true}");
      seed->spaces[i] = atrium_store_space_create (db, space, error);
      seed->keys[i] = new_token (&key_hash);
      if (seed->spaces[i] == 0 ||
          (seed->sensors[i] = atrium_store_sensor_create (db, site->id, seed->spaces[i], 0,
                                                          "Bench counter", key_hash, now,
                                                          error)) == 0)
        return FALSE;
    }
  seed->kiosk = new_token (&hash);
  if (atrium_store_device_create (db, "kiosk", site->id, "Bench kiosk", hash, now, error) == 0)
    return FALSE;
  return atrium_db_exec (db, "COMMIT;", error);
}

