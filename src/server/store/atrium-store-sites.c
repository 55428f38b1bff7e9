/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-sites.h"

#include "atrium-store-users.h"

/* ---- reading the directory ----------------------------------------------------------- */

static char *
text_at (sqlite3_stmt *stmt,
         int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? text : "");
}

static gboolean
finish (AtriumDb      *db,
        sqlite3_stmt  *stmt,
        int            rc,
        GError       **error)
{
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "directory", error);
  return TRUE;
}

static gboolean
load_sites (AtriumDb         *db,
            AtriumDirectory  *directory,
            GError          **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT id, name, address, timezone FROM site ORDER BY id;", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumSite *site = atrium_site_new ();

      site->id = sqlite3_column_int64 (stmt, 0);
      site->name = text_at (stmt, 1);
      site->address = text_at (stmt, 2);
      site->timezone = text_at (stmt, 3);
      site->tz = g_time_zone_new_identifier (site->timezone);
      if (site->tz == NULL)
        site->tz = g_time_zone_new_utc ();   /* validated on the way in; a safe fallback */
      g_ptr_array_add (directory->sites, site);
    }
  return finish (db, stmt, rc, error);
}

static gboolean
load_hours (AtriumDb         *db,
            AtriumDirectory  *directory,
            GError          **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT site_id, weekday, opens, closes FROM site_hours ORDER BY site_id, weekday,"
    " opens;", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumSite *site = atrium_directory_find_site (directory,
                                                     sqlite3_column_int64 (stmt, 0));
      AtriumPeriod period = { (guint16) sqlite3_column_int (stmt, 2),
                              (guint16) sqlite3_column_int (stmt, 3) };

      if (site != NULL)
        g_array_append_val (site->hours[sqlite3_column_int (stmt, 1)], period);
    }
  return finish (db, stmt, rc, error);
}

static gboolean
load_exceptions (AtriumDb         *db,
                 AtriumDirectory  *directory,
                 GError          **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT site_id, date, opens, closes, note FROM site_exception"
    " ORDER BY site_id, date, opens;", error);
  AtriumClosure *last = NULL;
  gint64 last_site = 0;
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 site_id = sqlite3_column_int64 (stmt, 0);
      AtriumSite *site = atrium_directory_find_site (directory, site_id);
      const char *date = (const char *) sqlite3_column_text (stmt, 1);

      if (site == NULL)
        continue;
      if (last == NULL || last_site != site_id || g_strcmp0 (last->date, date) != 0)
        {
          last = g_new0 (AtriumClosure, 1);
          g_strlcpy (last->date, date, sizeof last->date);
          last->periods = g_array_new (FALSE, FALSE, sizeof (AtriumPeriod));
          last->note = text_at (stmt, 4);
          last_site = site_id;
          g_ptr_array_add (site->exceptions, last);
        }
      if (sqlite3_column_type (stmt, 2) != SQLITE_NULL)
        {
          AtriumPeriod period = { (guint16) sqlite3_column_int (stmt, 2),
                                  (guint16) sqlite3_column_int (stmt, 3) };

          g_array_append_val (last->periods, period);
        }
    }
  return finish (db, stmt, rc, error);
}

static gboolean
load_spaces (AtriumDb         *db,
             AtriumDirectory  *directory,
             GError          **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT id, site_id, name, kind, capacity, attributes FROM space ORDER BY site_id, id;",
    error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumSpace *space = atrium_space_new ();

      space->id = sqlite3_column_int64 (stmt, 0);
      space->site_id = sqlite3_column_int64 (stmt, 1);
      space->name = text_at (stmt, 2);
      space->kind = text_at (stmt, 3);
      space->capacity = (guint) sqlite3_column_int (stmt, 4);
      space->attributes = text_at (stmt, 5);
      g_ptr_array_add (directory->spaces, space);
    }
  if (!finish (db, stmt, rc, error))
    return FALSE;

  stmt = atrium_store_prepare (db, "SELECT space_id, weekday, starts, ends, capacity"
                               " FROM space_capacity ORDER BY rowid;", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumSpace *space = atrium_directory_find_space (directory,
                                                        sqlite3_column_int64 (stmt, 0));
      AtriumCapacityRule rule = {
        (guint) sqlite3_column_int (stmt, 1), (guint16) sqlite3_column_int (stmt, 2),
        (guint16) sqlite3_column_int (stmt, 3), (guint) sqlite3_column_int (stmt, 4)
      };

      if (space != NULL)
        g_array_append_val (space->capacities, rule);
    }
  return finish (db, stmt, rc, error);
}

static gboolean
load_queues (AtriumDb         *db,
             AtriumDirectory  *directory,
             GError          **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (
    db, "SELECT id, site_id, name, kind FROM queue ORDER BY site_id, id;", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumQueue *queue = atrium_queue_new ();

      queue->id = sqlite3_column_int64 (stmt, 0);
      queue->site_id = sqlite3_column_int64 (stmt, 1);
      queue->name = text_at (stmt, 2);
      queue->kind = text_at (stmt, 3);
      g_ptr_array_add (directory->queues, queue);
    }
  return finish (db, stmt, rc, error);
}

AtriumDirectory *
atrium_store_directory_load (AtriumDb  *db,
                             GError   **error)
{
  g_autoptr(AtriumDirectory) directory = atrium_directory_new ();

  if (!load_sites (db, directory, error) || !load_hours (db, directory, error) ||
      !load_exceptions (db, directory, error) || !load_spaces (db, directory, error) ||
      !load_queues (db, directory, error))
    return NULL;
  return g_steal_pointer (&directory);
}

/* ---- sites --------------------------------------------------------------------------- */

static gboolean
write_periods (AtriumDb           *db,
               const AtriumSite   *site,
               GError            **error)
{
  if (atrium_store_exec_bound (db, "DELETE FROM site_hours WHERE site_id = ?1;", error,
                               'i', site->id, 0) < 0 ||
      atrium_store_exec_bound (db, "DELETE FROM site_exception WHERE site_id = ?1;", error,
                               'i', site->id, 0) < 0)
    return FALSE;
  for (guint day = 1; day <= 7; day++)
    for (guint i = 0; i < site->hours[day]->len; i++)
      {
        const AtriumPeriod *period = &g_array_index (site->hours[day], AtriumPeriod, i);

        if (atrium_store_exec_bound (db, "INSERT INTO site_hours (site_id, weekday, opens,"
                                     " closes) VALUES (?1, ?2, ?3, ?4);", error,
                                     'i', site->id, 'i', (gint64) day,
                                     'i', (gint64) period->opens,
                                     'i', (gint64) period->closes, 0) < 0)
          return FALSE;
      }
  for (guint i = 0; i < site->exceptions->len; i++)
    {
      const AtriumClosure *closure = site->exceptions->pdata[i];

      if (closure->periods->len == 0 &&
          atrium_store_exec_bound (db, "INSERT INTO site_exception (site_id, date, note)"
                                   " VALUES (?1, ?2, ?3);", error, 'i', site->id,
                                   's', closure->date, 's', closure->note, 0) < 0)
        return FALSE;
      for (guint j = 0; j < closure->periods->len; j++)
        {
          const AtriumPeriod *period = &g_array_index (closure->periods, AtriumPeriod, j);

          if (atrium_store_exec_bound (db, "INSERT INTO site_exception (site_id, date, opens,"
                                       " closes, note) VALUES (?1, ?2, ?3, ?4, ?5);", error,
                                       'i', site->id, 's', closure->date,
                                       'i', (gint64) period->opens,
                                       'i', (gint64) period->closes, 's', closure->note,
                                       0) < 0)
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
in_transaction (AtriumDb  *db,
                GError   **error)
{
  return atrium_db_exec (db, "SAVEPOINT atrium_sites;", error);
}

static gboolean
end_transaction (AtriumDb *db,
                 gboolean  ok)
{
  if (ok)
    atrium_db_exec (db, "RELEASE atrium_sites;", NULL);
  else
    atrium_db_exec (db, "ROLLBACK TO atrium_sites; RELEASE atrium_sites;", NULL);
  return ok;
}

gint64
atrium_store_site_create (AtriumDb          *db,
                          const AtriumSite  *site,
                          GError           **error)
{
  AtriumSite copy = *site;
  gboolean ok;

  if (!in_transaction (db, error))
    return 0;
  ok = atrium_store_exec_bound (db, "INSERT INTO site (name, address, timezone)"
                                " VALUES (?1, ?2, ?3);", error, 's', site->name,
                                's', site->address, 's', site->timezone, 0) >= 0;
  if (ok)
    {
      copy.id = sqlite3_last_insert_rowid (atrium_db_get_handle (db));
      ok = write_periods (db, &copy, error);
    }
  end_transaction (db, ok);
  return ok ? copy.id : 0;
}

static gboolean
changed_one (AtriumDb   *db,
             gint64      changed,
             const char *what,
             GError    **error)
{
  if (changed < 0)
    return FALSE;
  if (changed == 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND, "There is no such %s",
                   what);
      return FALSE;
    }
  return TRUE;
}

gboolean
atrium_store_site_update (AtriumDb          *db,
                          const AtriumSite  *site,
                          GError           **error)
{
  gboolean ok;

  if (!in_transaction (db, error))
    return FALSE;
  ok = changed_one (db, atrium_store_exec_bound (db, "UPDATE site SET name = ?2, address = ?3,"
                                                 " timezone = ?4 WHERE id = ?1;", error,
                                                 'i', site->id, 's', site->name,
                                                 's', site->address, 's', site->timezone, 0),
                    "site", error) &&
       write_periods (db, site, error);
  return end_transaction (db, ok);
}

/* A site with spaces, queues or resources is refused (FOREIGN KEY … RESTRICT): its
 * history must not vanish by accident. */
gboolean
atrium_store_site_delete (AtriumDb  *db,
                          gint64     site_id,
                          GError   **error)
{
  return changed_one (db, atrium_store_exec_bound (db, "DELETE FROM site WHERE id = ?1;", error,
                                                   'i', site_id, 0), "site", error);
}

/* ---- spaces and queues --------------------------------------------------------------- */

static gboolean
write_capacities (AtriumDb           *db,
                  const AtriumSpace  *space,
                  GError            **error)
{
  if (atrium_store_exec_bound (db, "DELETE FROM space_capacity WHERE space_id = ?1;", error,
                               'i', space->id, 0) < 0)
    return FALSE;
  for (guint i = 0; i < space->capacities->len; i++)
    {
      const AtriumCapacityRule *rule = &g_array_index (space->capacities,
                                                       AtriumCapacityRule, i);

      if (atrium_store_exec_bound (db, "INSERT INTO space_capacity (space_id, weekday, starts,"
                                   " ends, capacity) VALUES (?1, nullif (?2, 0), ?3, ?4, ?5);",
                                   error, 'i', space->id, 'i', (gint64) rule->weekday,
                                   'i', (gint64) rule->starts, 'i', (gint64) rule->ends,
                                   'i', (gint64) rule->capacity, 0) < 0)
        return FALSE;
    }
  return TRUE;
}

gint64
atrium_store_space_create (AtriumDb           *db,
                           const AtriumSpace  *space,
                           GError            **error)
{
  AtriumSpace copy = *space;
  gboolean ok;

  if (!in_transaction (db, error))
    return 0;
  ok = atrium_store_exec_bound (db, "INSERT INTO space (site_id, name, kind, capacity,"
                                " attributes) VALUES (?1, ?2, ?3, ?4, ?5);", error,
                                'i', space->site_id, 's', space->name, 's', space->kind,
                                'i', (gint64) space->capacity, 's', space->attributes, 0) >= 0;
  if (ok)
    {
      copy.id = sqlite3_last_insert_rowid (atrium_db_get_handle (db));
      ok = write_capacities (db, &copy, error) &&
           atrium_store_exec_bound (db, "INSERT INTO counter (space_id) VALUES (?1);", error,
                                    'i', copy.id, 0) >= 0;
    }
  end_transaction (db, ok);
  return ok ? copy.id : 0;
}

gboolean
atrium_store_space_update (AtriumDb           *db,
                           const AtriumSpace  *space,
                           GError            **error)
{
  gboolean ok;

  if (!in_transaction (db, error))
    return FALSE;
  ok = changed_one (db, atrium_store_exec_bound (db, "UPDATE space SET name = ?2, kind = ?3,"
                                                 " capacity = ?4, attributes = ?5"
                                                 " WHERE id = ?1;", error,
                                                 'i', space->id, 's', space->name,
                                                 's', space->kind,
                                                 'i', (gint64) space->capacity,
                                                 's', space->attributes, 0), "space", error) &&
       write_capacities (db, space, error);
  return end_transaction (db, ok);
}

gboolean
atrium_store_space_delete (AtriumDb  *db,
                           gint64     space_id,
                           GError   **error)
{
  return changed_one (db, atrium_store_exec_bound (db, "DELETE FROM space WHERE id = ?1;", error,
                                                   'i', space_id, 0), "space", error);
}

gint64
atrium_store_queue_create (AtriumDb           *db,
                           const AtriumQueue  *queue,
                           GError            **error)
{
  gint64 id = 0;
  gboolean ok;

  if (!in_transaction (db, error))
    return 0;
  ok = atrium_store_exec_bound (db, "INSERT INTO queue (site_id, name, kind)"
                                " VALUES (?1, ?2, ?3);", error, 'i', queue->site_id,
                                's', queue->name, 's', queue->kind, 0) >= 0;
  if (ok)
    {
      id = sqlite3_last_insert_rowid (atrium_db_get_handle (db));
      ok = atrium_store_exec_bound (db, "INSERT INTO counter (queue_id) VALUES (?1);", error,
                                    'i', id, 0) >= 0;
    }
  end_transaction (db, ok);
  return ok ? id : 0;
}

gboolean
atrium_store_queue_update (AtriumDb           *db,
                           const AtriumQueue  *queue,
                           GError            **error)
{
  return changed_one (db, atrium_store_exec_bound (db, "UPDATE queue SET name = ?2, kind = ?3"
                                                   " WHERE id = ?1;", error, 'i', queue->id,
                                                   's', queue->name, 's', queue->kind, 0),
                      "queue", error);
}

gboolean
atrium_store_queue_delete (AtriumDb  *db,
                           gint64     queue_id,
                           GError   **error)
{
  return changed_one (db, atrium_store_exec_bound (db, "DELETE FROM queue WHERE id = ?1;", error,
                                                   'i', queue_id, 0), "queue", error);
}

/* ---- resources ----------------------------------------------------------------------- */

gint64
atrium_store_resource_create (AtriumDb    *db,
                              gint64       site_id,
                              gint64       space_id,
                              const char  *type,
                              const char  *name,
                              guint        capacity,
                              const char  *attributes,
                              GError     **error)
{
  if (atrium_store_exec_bound (db, "INSERT INTO resource (site_id, space_id, type, name,"
                               " capacity, attributes) VALUES (?1, nullif (?2, 0), ?3, ?4, ?5,"
                               " ?6);", error, 'i', site_id, 'i', space_id, 's', type,
                               's', name, 'i', (gint64) capacity,
                               's', attributes != NULL ? attributes : "{}", 0) < 0)
    return 0;
  return sqlite3_last_insert_rowid (atrium_db_get_handle (db));
}

gint64
atrium_store_resources_count (AtriumDb  *db,
                              GError   **error)
{
  sqlite3_stmt *stmt = atrium_store_prepare (db, "SELECT count (*) FROM resource;", error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}
