/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-client"

#include "config.h"

#include "atrium-cache.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <glib/gstdio.h>

#include "atrium-json.h"

/* The documents are the server's, so the same limit as for an answer. */
#define MAX_DOCUMENT_BYTES (16 * 1024 * 1024)

G_DEFINE_QUARK (atrium-cache-error-quark, atrium_cache_error)

/* Each cached thing keeps the server's JSON as it came (the UI reads what the API gave)
 * beside the columns it is found by, and when it was fetched. `fetched` records when
 * each list was last stored whole, so an empty list is known apart from none. */
static const AtriumMigration migrations[] = {
  { 1,
    "CREATE TABLE fetched ("
    "  kind TEXT PRIMARY KEY CHECK (kind IN ('sites', 'bookings', 'keys')),"
    "  fetched_at INTEGER NOT NULL);"
    "CREATE TABLE site ("
    "  id INTEGER PRIMARY KEY CHECK (id > 0),"
    "  position INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL);"
    "CREATE TABLE space ("
    "  id INTEGER PRIMARY KEY CHECK (id > 0),"
    "  site_id INTEGER NOT NULL REFERENCES site (id) ON DELETE CASCADE,"
    "  body TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL);"
    "CREATE INDEX space_site ON space (site_id);"
    "CREATE TABLE queue ("
    "  id INTEGER PRIMARY KEY CHECK (id > 0),"
    "  site_id INTEGER NOT NULL REFERENCES site (id) ON DELETE CASCADE,"
    "  body TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL);"
    "CREATE INDEX queue_site ON queue (site_id);"
    "CREATE TABLE occupancy ("
    "  site_id INTEGER PRIMARY KEY CHECK (site_id >= 0),"
    "  body TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL);"
    "CREATE TABLE resource ("
    "  id INTEGER PRIMARY KEY CHECK (id > 0),"
    "  site_id INTEGER NOT NULL CHECK (site_id > 0),"
    "  body TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL);"
    "CREATE INDEX resource_site ON resource (site_id);"
    "CREATE TABLE availability ("
    "  resource_id INTEGER NOT NULL CHECK (resource_id > 0),"
    "  date TEXT NOT NULL CHECK (length (date) = 10),"
    "  body TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL,"
    "  PRIMARY KEY (resource_id, date));"
    "CREATE TABLE booking ("
    "  id INTEGER PRIMARY KEY CHECK (id > 0),"
    "  starts TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  checkin_code TEXT,"
    "  body TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL);"
    "CREATE INDEX booking_starts ON booking (starts, id);"
    "CREATE TABLE public_key ("
    "  id INTEGER PRIMARY KEY,"
    "  position INTEGER NOT NULL,"
    "  alg TEXT NOT NULL,"
    "  public_key TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL);" },
  /* A kiosk's own registration (GET /device): its site, known before the server is. */
  { 2,
    "CREATE TABLE device ("
    "  id INTEGER PRIMARY KEY CHECK (id > 0),"
    "  body TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL);" },
};

struct _AtriumCache
{
  GObject   parent_instance;

  AtriumDb *db;
  char     *path;
  GRecMutex lock;   /* one connection: a transaction of one thread is never joined by another */
};

G_DEFINE_FINAL_TYPE (AtriumCache, atrium_cache, G_TYPE_OBJECT)

#define LOCKED(self) \
  g_autoptr(GRecMutexLocker) locker G_GNUC_UNUSED = g_rec_mutex_locker_new (&(self)->lock)

static void
atrium_cache_finalize (GObject *object)
{
  AtriumCache *self = ATRIUM_CACHE (object);

  g_clear_pointer (&self->db, atrium_db_close);
  g_free (self->path);
  g_rec_mutex_clear (&self->lock);
  G_OBJECT_CLASS (atrium_cache_parent_class)->finalize (object);
}

static void
atrium_cache_class_init (AtriumCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = atrium_cache_finalize;
}

static void
atrium_cache_init (AtriumCache *self)
{
  g_rec_mutex_init (&self->lock);
}

/* ---- opening ------------------------------------------------------------------------ */

/* What a lost or changed key, a damaged file or one from a newer Atrium look like: the
 * cache holds nothing the server does not have, so it starts again. */
static gboolean
worth_rebuilding (const GError *error)
{
  return g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_WRONG_KEY) ||
         g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_ENCRYPTED) ||
         g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CORRUPT) ||
         g_error_matches (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_TOO_NEW);
}

static gboolean
remove_files (const char  *path,
              GError     **error)
{
  const char *suffixes[] = { "-wal", "-shm", "-journal", "" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);

      if (g_unlink (name) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_FAILED,
                       "Cannot remove %s: %s", name, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

static AtriumDb *
open_migrated (const char    *path,
               const guint8   key[ATRIUM_DB_KEY_LEN],
               GError       **error)
{
  g_autoptr(AtriumDb) db = atrium_db_open (path, key, ATRIUM_DB_OPEN_CREATE, error);

  /* Personal data a kiosk forgets is overwritten, not left in free pages. */
  if (db == NULL ||
      !atrium_db_migrate (db, migrations, G_N_ELEMENTS (migrations), NULL, error) ||
      !atrium_db_exec (db, "PRAGMA secure_delete = ON;", error))
    return NULL;
  return g_steal_pointer (&db);
}

/**
 * atrium_cache_open:
 * @path: the cache file (created 0600 when missing)
 * @key: its 256-bit key
 * @rebuilt_out: (out) (optional): TRUE when an existing file could not be used and was
 *   replaced by an empty cache
 *
 * A plain-SQLite engine is never worked around: that error is returned as it is.
 */
AtriumCache *
atrium_cache_open (const char    *path,
                   const guint8   key[ATRIUM_DB_KEY_LEN],
                   gboolean      *rebuilt_out,
                   GError       **error)
{
  g_autoptr(GError) local = NULL;
  AtriumCache *self;
  AtriumDb *db;

  g_return_val_if_fail (path != NULL && key != NULL, NULL);

  if (rebuilt_out != NULL)
    *rebuilt_out = FALSE;
  db = open_migrated (path, key, &local);
  if (db == NULL && worth_rebuilding (local))
    {
      g_message ("The offline cache %s cannot be used (%s); it is removed and rebuilt empty",
                 path, local->message);
      g_clear_error (&local);
      if (!remove_files (path, error))
        return NULL;
      db = open_migrated (path, key, &local);
      if (db != NULL && rebuilt_out != NULL)
        *rebuilt_out = TRUE;
    }
  if (db == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }

  self = g_object_new (ATRIUM_TYPE_CACHE, NULL);
  self->db = db;
  self->path = g_strdup (path);
  return self;
}

const char *
atrium_cache_get_path (AtriumCache *self)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);

  return self->path;
}

/* ---- SQL ---------------------------------------------------------------------------- */

static gboolean
db_failed (AtriumCache  *self,
           int           rc,
           const char   *what,
           GError      **error)
{
  g_autoptr(GError) local = NULL;

  atrium_db_set_error (self->db, rc, what, &local);
  g_set_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_FAILED, "Offline cache: %s",
               local->message);
  return FALSE;
}

/* Binds the arguments after @sql: 'i' a gint64, 's' a string (NULL binds NULL), ended by 0. */
static sqlite3_stmt *
prepare_va (AtriumCache  *self,
            const char   *sql,
            GError      **error,
            va_list       ap)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (self->db), sql, -1, &stmt, NULL);
  int index = 1;
  char type;

  if (rc != SQLITE_OK)
    {
      db_failed (self, rc, sql, error);
      return NULL;
    }
  while ((type = (char) va_arg (ap, int)) != 0)
    {
      if (type == 'i')
        sqlite3_bind_int64 (stmt, index++, va_arg (ap, gint64));
      else
        {
          const char *text = va_arg (ap, const char *);

          if (text != NULL)
            sqlite3_bind_text (stmt, index++, text, -1, SQLITE_TRANSIENT);
          else
            sqlite3_bind_null (stmt, index++);
        }
    }
  return stmt;
}

static sqlite3_stmt *
prepare (AtriumCache  *self,
         const char   *sql,
         GError      **error,
         ...)
{
  sqlite3_stmt *stmt;
  va_list ap;

  va_start (ap, error);
  stmt = prepare_va (self, sql, error, ap);
  va_end (ap);
  return stmt;
}

static gboolean
run (AtriumCache  *self,
     const char   *sql,
     GError      **error,
     ...)
{
  sqlite3_stmt *stmt;
  va_list ap;
  int rc;

  va_start (ap, error);
  stmt = prepare_va (self, sql, error, ap);
  va_end (ap);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return db_failed (self, rc, sql, error);
  return TRUE;
}

static gboolean
begin (AtriumCache  *self,
       GError      **error)
{
  return run (self, "BEGIN IMMEDIATE;", error, 0);
}

static gboolean
finish (AtriumCache  *self,
        gboolean      ok,
        GError      **error)
{
  if (ok && run (self, "COMMIT;", error, 0))
    return TRUE;
  atrium_db_exec (self->db, "ROLLBACK;", NULL);
  return FALSE;
}

static gboolean
mark_fetched (AtriumCache  *self,
              const char   *kind,
              gint64        fetched_at,
              GError      **error)
{
  return run (self, "INSERT OR REPLACE INTO fetched (kind, fetched_at) VALUES (?1, ?2);",
              error, 's', kind, 'i', fetched_at, 0);
}

/* ---- documents ---------------------------------------------------------------------- */

static gboolean
invalid (GError     **error,
         const char  *what)
{
  g_set_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_INVALID,
               "Not a document the server sends: %s", what);
  return FALSE;
}

static JsonArray *
array_member (JsonNode   *document,
              const char *name)
{
  JsonNode *member;

  if (document == NULL || !JSON_NODE_HOLDS_OBJECT (document))
    return NULL;
  member = json_object_get_member (json_node_get_object (document), name);
  return member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
}

static gint64
id_member (JsonNode   *node,
           const char *name)
{
  JsonNode *member;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  member = json_object_get_member (json_node_get_object (node), name);
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_INT64 || json_node_get_int (member) <= 0)
    return 0;
  return json_node_get_int (member);
}

/* A string member, NULL when absent or null; @ok FALSE when it is something else. */
static const char *
text_member (JsonNode   *node,
             const char *name,
             gboolean   *ok)
{
  JsonNode *member = json_object_get_member (json_node_get_object (node), name);

  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
    {
      *ok = FALSE;
      return NULL;
    }
  return json_node_get_string (member);
}

/* Every element of @array an object with a positive "id". */
static gboolean
all_have_ids (JsonArray *array)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (id_member (json_array_get_element (array, i), "id") == 0)
      return FALSE;
  return TRUE;
}

static JsonNode *
parse_text (AtriumCache  *self,
            const char   *text,
            GError      **error)
{
  g_autoptr(GError) local = NULL;
  JsonNode *node = atrium_json_parse (text, strlen (text), MAX_DOCUMENT_BYTES, NULL, &local);

  if (node == NULL)
    g_set_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_FAILED,
                 "Offline cache %s holds a damaged document: %s", self->path, local->message);
  return node;
}

/* Runs a query whose rows are (body, fetched_at) and gathers the bodies into an array;
 * @oldest becomes the least fetched_at seen. */
static JsonArray *
collect (AtriumCache  *self,
         sqlite3_stmt *stmt,
         gint64       *oldest,
         GError      **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonNode *node = parse_text (self, (const char *) sqlite3_column_text (stmt, 0), error);

      if (node == NULL)
        return NULL;
      json_array_add_element (array, node);
      if (*oldest == 0 || sqlite3_column_int64 (stmt, 1) < *oldest)
        *oldest = sqlite3_column_int64 (stmt, 1);
    }
  if (rc != SQLITE_DONE)
    {
      db_failed (self, rc, "read", error);
      return NULL;
    }
  return g_steal_pointer (&array);
}

/* {"@name": [rows of @sql]} when the list @kind was ever stored. */
static JsonNode *
get_list (AtriumCache  *self,
          const char   *kind,
          const char   *name,
          const char   *sql,
          gint64       *fetched_at,
          GError      **error,
          ...)
{
  sqlite3_stmt *stmt;
  JsonArray *array;
  JsonObject *object;
  JsonNode *root;
  gint64 oldest = 0;
  va_list ap;
  int rc;

  if (kind != NULL)
    {
      stmt = prepare (self, "SELECT fetched_at FROM fetched WHERE kind = ?1;", error,
                      's', kind, 0);
      if (stmt == NULL)
        return NULL;
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        oldest = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          db_failed (self, rc, "read", error);
          return NULL;
        }
      if (rc == SQLITE_DONE)
        {
          g_set_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED,
                       "No %s in the offline cache yet", kind);
          return NULL;
        }
    }

  va_start (ap, error);
  stmt = prepare_va (self, sql, error, ap);
  va_end (ap);
  if (stmt == NULL)
    return NULL;
  array = collect (self, stmt, &oldest, error);
  sqlite3_finalize (stmt);
  if (array == NULL)
    return NULL;
  if (kind == NULL && json_array_get_length (array) == 0)
    {
      json_array_unref (array);
      g_set_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED,
                   "No %s in the offline cache yet", name);
      return NULL;
    }
  object = json_object_new ();
  json_object_set_array_member (object, name, array);
  root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, object);
  if (fetched_at != NULL)
    *fetched_at = oldest;
  return root;
}

/* One row's body (a whole document or one item) by the query's parameters. */
static JsonNode *
get_one (AtriumCache  *self,
         const char   *what,
         const char   *sql,
         gint64       *fetched_at,
         GError      **error,
         ...)
{
  sqlite3_stmt *stmt;
  JsonNode *node = NULL;
  va_list ap;
  int rc;

  va_start (ap, error);
  stmt = prepare_va (self, sql, error, ap);
  va_end (ap);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      node = parse_text (self, (const char *) sqlite3_column_text (stmt, 0), error);
      if (node != NULL && fetched_at != NULL)
        *fetched_at = sqlite3_column_int64 (stmt, 1);
    }
  else if (rc == SQLITE_DONE)
    g_set_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED,
                 "No %s in the offline cache", what);
  else
    db_failed (self, rc, "read", error);
  sqlite3_finalize (stmt);
  return node;
}

/* ---- sites, spaces, queues ---------------------------------------------------------- */

static gboolean
put_children (AtriumCache  *self,
              JsonNode     *site,
              gint64        site_id,
              const char   *member,
              const char   *sql,
              gint64        fetched_at,
              GError      **error)
{
  JsonArray *children = array_member (site, member);

  for (guint i = 0; children != NULL && i < json_array_get_length (children); i++)
    {
      JsonNode *child = json_array_get_element (children, i);
      g_autofree char *body = atrium_json_write (child);

      if (!run (self, sql, error, 'i', id_member (child, "id"), 'i', site_id, 's', body,
                'i', fetched_at, 0))
        return FALSE;
    }
  return TRUE;
}

gboolean
atrium_cache_put_sites (AtriumCache  *self,
                        JsonNode     *document,
                        gint64        fetched_at,
                        GError      **error)
{
  JsonArray *sites = array_member (document, "sites");
  gboolean ok;

  g_return_val_if_fail (ATRIUM_IS_CACHE (self), FALSE);
  LOCKED (self);

  if (sites == NULL || !all_have_ids (sites))
    return invalid (error, "sites");
  for (guint i = 0; i < json_array_get_length (sites); i++)
    {
      JsonNode *site = json_array_get_element (sites, i);
      JsonArray *spaces = array_member (site, "spaces");
      JsonArray *queues = array_member (site, "queues");

      if ((spaces != NULL && !all_have_ids (spaces)) || (queues != NULL && !all_have_ids (queues)))
        return invalid (error, "spaces or queues of a site");
    }

  if (!begin (self, error))
    return FALSE;
  /* The list is the whole truth: sites gone from it go, with their spaces and queues. */
  ok = run (self, "DELETE FROM site;", error, 0);
  for (guint i = 0; ok && i < json_array_get_length (sites); i++)
    {
      JsonNode *site = json_array_get_element (sites, i);
      gint64 id = id_member (site, "id");
      g_autofree char *body = atrium_json_write (site);

      ok = run (self, "INSERT INTO site (id, position, body, fetched_at)"
                      " VALUES (?1, ?2, ?3, ?4);", error,
                'i', id, 'i', (gint64) i, 's', body, 'i', fetched_at, 0) &&
           put_children (self, site, id, "spaces",
                         "INSERT OR REPLACE INTO space (id, site_id, body, fetched_at)"
                         " VALUES (?1, ?2, ?3, ?4);", fetched_at, error) &&
           put_children (self, site, id, "queues",
                         "INSERT OR REPLACE INTO queue (id, site_id, body, fetched_at)"
                         " VALUES (?1, ?2, ?3, ?4);", fetched_at, error);
    }
  ok = ok && mark_fetched (self, "sites", fetched_at, error);
  return finish (self, ok, error);
}

JsonNode *
atrium_cache_get_sites (AtriumCache  *self,
                        gint64       *fetched_at,
                        GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);

  return get_list (self, "sites", "sites",
                   "SELECT body, fetched_at FROM site ORDER BY position;", fetched_at, error,
                   0);
}

JsonNode *
atrium_cache_get_space (AtriumCache  *self,
                        gint64        space_id,
                        gint64       *fetched_at,
                        GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);

  return get_one (self, "space", "SELECT body, fetched_at FROM space WHERE id = ?1;",
                  fetched_at, error, 'i', space_id, 0);
}

JsonNode *
atrium_cache_get_queue (AtriumCache  *self,
                        gint64        queue_id,
                        gint64       *fetched_at,
                        GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);

  return get_one (self, "queue", "SELECT body, fetched_at FROM queue WHERE id = ?1;",
                  fetched_at, error, 'i', queue_id, 0);
}

/* ---- occupancy ---------------------------------------------------------------------- */

gboolean
atrium_cache_put_occupancy (AtriumCache  *self,
                            gint64        site_id,
                            JsonNode     *document,
                            gint64        fetched_at,
                            GError      **error)
{
  g_autofree char *body = NULL;

  g_return_val_if_fail (ATRIUM_IS_CACHE (self), FALSE);
  LOCKED (self);
  g_return_val_if_fail (site_id >= 0, FALSE);

  if (document == NULL || !JSON_NODE_HOLDS_OBJECT (document))
    return invalid (error, "occupancy");
  body = atrium_json_write (document);
  return run (self, "INSERT OR REPLACE INTO occupancy (site_id, body, fetched_at)"
                    " VALUES (?1, ?2, ?3);", error,
              'i', site_id, 's', body, 'i', fetched_at, 0);
}

JsonNode *
atrium_cache_get_occupancy (AtriumCache  *self,
                            gint64        site_id,
                            gint64       *fetched_at,
                            GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);

  return get_one (self, "occupancy", "SELECT body, fetched_at FROM occupancy"
                                     " WHERE site_id = ?1;",
                  fetched_at, error, 'i', site_id, 0);
}

/* ---- resources and availability ----------------------------------------------------- */

gboolean
atrium_cache_put_resources (AtriumCache  *self,
                            JsonNode     *document,
                            gint64        fetched_at,
                            GError      **error)
{
  JsonArray *resources = array_member (document, "resources");
  gboolean ok;

  g_return_val_if_fail (ATRIUM_IS_CACHE (self), FALSE);
  LOCKED (self);

  if (resources == NULL || !all_have_ids (resources))
    return invalid (error, "resources");
  for (guint i = 0; i < json_array_get_length (resources); i++)
    if (id_member (json_array_get_element (resources, i), "site") == 0)
      return invalid (error, "a resource without its site");

  if (!begin (self, error))
    return FALSE;
  ok = TRUE;
  for (guint i = 0; ok && i < json_array_get_length (resources); i++)
    {
      JsonNode *resource = json_array_get_element (resources, i);
      g_autofree char *body = atrium_json_write (resource);

      ok = run (self, "INSERT OR REPLACE INTO resource (id, site_id, body, fetched_at)"
                      " VALUES (?1, ?2, ?3, ?4);", error,
                'i', id_member (resource, "id"), 'i', id_member (resource, "site"),
                's', body, 'i', fetched_at, 0);
    }
  return finish (self, ok, error);
}

JsonNode *
atrium_cache_get_resources (AtriumCache  *self,
                            gint64        site_id,
                            gint64       *fetched_at,
                            GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);

  return get_list (self, NULL, "resources",
                   "SELECT body, fetched_at FROM resource WHERE ?1 = 0 OR site_id = ?1"
                   " ORDER BY id;", fetched_at, error, 'i', site_id, 0);
}

static gboolean
date_valid (const char *date)
{
  if (date == NULL || strlen (date) != 10 || date[4] != '-' || date[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (date[i]))
      return FALSE;
  return TRUE;
}

gboolean
atrium_cache_put_availability (AtriumCache  *self,
                               JsonNode     *document,
                               gint64        fetched_at,
                               GError      **error)
{
  gint64 resource_id;
  const char *date;
  gboolean ok = TRUE;
  g_autofree char *body = NULL;

  g_return_val_if_fail (ATRIUM_IS_CACHE (self), FALSE);
  LOCKED (self);

  if (document == NULL || !JSON_NODE_HOLDS_OBJECT (document))
    return invalid (error, "availability");
  resource_id = id_member (json_object_get_member (json_node_get_object (document),
                                                   "resource"), "id");
  date = text_member (document, "date", &ok);
  if (resource_id == 0 || !ok || !date_valid (date))
    return invalid (error, "availability without its resource and date");
  body = atrium_json_write (document);
  return run (self, "INSERT OR REPLACE INTO availability (resource_id, date, body, fetched_at)"
                    " VALUES (?1, ?2, ?3, ?4);", error,
              'i', resource_id, 's', date, 's', body, 'i', fetched_at, 0);
}

JsonNode *
atrium_cache_get_availability (AtriumCache  *self,
                               gint64        resource_id,
                               const char   *date,
                               gint64       *fetched_at,
                               GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);
  g_return_val_if_fail (date != NULL, NULL);

  return get_one (self, "availability", "SELECT body, fetched_at FROM availability"
                                        " WHERE resource_id = ?1 AND date = ?2;",
                  fetched_at, error, 'i', resource_id, 's', date, 0);
}

/* ---- my bookings -------------------------------------------------------------------- */

static gboolean
booking_valid (JsonNode *booking)
{
  gboolean ok = TRUE;
  gboolean complete = id_member (booking, "id") != 0 &&
                      text_member (booking, "start", &ok) != NULL &&
                      text_member (booking, "status", &ok) != NULL;

  /* The code may be null (a cancelled booking has none), but nothing else. */
  text_member (booking, "checkin_code", &ok);
  return complete && ok;
}

static gboolean
insert_booking (AtriumCache  *self,
                JsonNode     *booking,
                gint64        fetched_at,
                GError      **error)
{
  g_autofree char *body = atrium_json_write (booking);
  gboolean ok = TRUE;

  return run (self, "INSERT OR REPLACE INTO booking (id, starts, status, checkin_code, body,"
                    " fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6);", error,
              'i', id_member (booking, "id"), 's', text_member (booking, "start", &ok),
              's', text_member (booking, "status", &ok),
              's', text_member (booking, "checkin_code", &ok), 's', body, 'i', fetched_at, 0);
}

gboolean
atrium_cache_put_my_bookings (AtriumCache  *self,
                              JsonNode     *document,
                              gint64        fetched_at,
                              GError      **error)
{
  JsonArray *bookings = array_member (document, "bookings");
  gboolean ok;

  g_return_val_if_fail (ATRIUM_IS_CACHE (self), FALSE);
  LOCKED (self);

  if (bookings == NULL)
    return invalid (error, "bookings");
  for (guint i = 0; i < json_array_get_length (bookings); i++)
    if (!booking_valid (json_array_get_element (bookings, i)))
      return invalid (error, "a booking");

  if (!begin (self, error))
    return FALSE;
  ok = run (self, "DELETE FROM booking;", error, 0);
  for (guint i = 0; ok && i < json_array_get_length (bookings); i++)
    ok = insert_booking (self, json_array_get_element (bookings, i), fetched_at, error);
  ok = ok && mark_fetched (self, "bookings", fetched_at, error);
  return finish (self, ok, error);
}

gboolean
atrium_cache_put_booking (AtriumCache  *self,
                          JsonNode     *booking,
                          gint64        fetched_at,
                          GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), FALSE);
  LOCKED (self);

  if (!booking_valid (booking))
    return invalid (error, "a booking");
  return insert_booking (self, booking, fetched_at, error);
}

JsonNode *
atrium_cache_get_my_bookings (AtriumCache  *self,
                              gint64       *fetched_at,
                              GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);

  return get_list (self, "bookings", "bookings",
                   "SELECT body, fetched_at FROM booking ORDER BY starts, id;", fetched_at,
                   error, 0);
}

/* The signed code of one of my bookings, for showing its QR offline; NULL with
 * NOT_CACHED when the booking is unknown or has no code (cancelled, ended). */
char *
atrium_cache_get_checkin_code (AtriumCache  *self,
                               gint64        booking_id,
                               gint64       *fetched_at,
                               GError      **error)
{
  sqlite3_stmt *stmt;
  char *code = NULL;
  int rc;

  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);

  stmt = prepare (self, "SELECT checkin_code, fetched_at FROM booking"
                        " WHERE id = ?1 AND checkin_code IS NOT NULL;", error,
                  'i', booking_id, 0);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      code = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (fetched_at != NULL)
        *fetched_at = sqlite3_column_int64 (stmt, 1);
    }
  else if (rc == SQLITE_DONE)
    g_set_error (error, ATRIUM_CACHE_ERROR, ATRIUM_CACHE_ERROR_NOT_CACHED,
                 "No check-in code for booking %" G_GINT64_FORMAT " in the offline cache",
                 booking_id);
  else
    db_failed (self, rc, "read", error);
  sqlite3_finalize (stmt);
  return code;
}

/* ---- the server's public keys ------------------------------------------------------- */

gboolean
atrium_cache_put_keys (AtriumCache  *self,
                       JsonNode     *document,
                       gint64        fetched_at,
                       GError      **error)
{
  JsonArray *keys = array_member (document, "keys");
  gboolean ok;

  g_return_val_if_fail (ATRIUM_IS_CACHE (self), FALSE);
  LOCKED (self);

  if (keys == NULL)
    return invalid (error, "keys");
  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      JsonNode *key = json_array_get_element (keys, i);

      ok = TRUE;
      if (id_member (key, "id") == 0 || text_member (key, "alg", &ok) == NULL ||
          text_member (key, "public_key", &ok) == NULL || !ok)
        return invalid (error, "a public key");
    }

  if (!begin (self, error))
    return FALSE;
  ok = run (self, "DELETE FROM public_key;", error, 0);
  for (guint i = 0; ok && i < json_array_get_length (keys); i++)
    {
      JsonNode *key = json_array_get_element (keys, i);
      g_autofree char *body = atrium_json_write (key);

      ok = run (self, "INSERT INTO public_key (id, position, alg, public_key, body, fetched_at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6);", error,
                'i', id_member (key, "id"), 'i', (gint64) i, 's', text_member (key, "alg", &ok),
                's', text_member (key, "public_key", &ok), 's', body, 'i', fetched_at, 0);
    }
  ok = ok && mark_fetched (self, "keys", fetched_at, error);
  return finish (self, ok, error);
}

JsonNode *
atrium_cache_get_keys (AtriumCache  *self,
                       gint64       *fetched_at,
                       GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);

  return get_list (self, "keys", "keys",
                   "SELECT body, fetched_at FROM public_key ORDER BY position;", fetched_at,
                   error, 0);
}

/* ---- the device ---------------------------------------------------------------------- */

gboolean
atrium_cache_put_device (AtriumCache  *self,
                         JsonNode     *document,
                         gint64        fetched_at,
                         GError      **error)
{
  g_autofree char *body = NULL;
  gboolean ok;

  g_return_val_if_fail (ATRIUM_IS_CACHE (self), FALSE);
  LOCKED (self);

  if (id_member (document, "id") == 0)
    return invalid (error, "device");
  body = atrium_json_write (document);
  if (!begin (self, error))
    return FALSE;
  ok = run (self, "DELETE FROM device;", error, 0) &&
       run (self, "INSERT INTO device (id, body, fetched_at) VALUES (?1, ?2, ?3);", error,
            'i', id_member (document, "id"), 's', body, 'i', fetched_at, 0);
  return finish (self, ok, error);
}

JsonNode *
atrium_cache_get_device (AtriumCache  *self,
                         gint64       *fetched_at,
                         GError      **error)
{
  g_return_val_if_fail (ATRIUM_IS_CACHE (self), NULL);
  LOCKED (self);

  return get_one (self, "device", "SELECT body, fetched_at FROM device;", fetched_at, error, 0);
}

gboolean
atrium_cache_forget_personal (AtriumCache  *self,
                              GError      **error)
{
  gboolean ok;

  g_return_val_if_fail (ATRIUM_IS_CACHE (self), FALSE);
  LOCKED (self);

  if (!begin (self, error))
    return FALSE;
  ok = run (self, "DELETE FROM booking;", error, 0) &&
       run (self, "DELETE FROM fetched WHERE kind = 'bookings';", error, 0);
  return finish (self, ok, error);
}

/* ---- from the UI thread ------------------------------------------------------------- */

typedef struct
{
  AtriumCacheKind  kind;
  gint64           id;
  char            *date;
  JsonNode        *document;
  gint64           fetched_at;
} Job;

static void
job_free (Job *job)
{
  g_free (job->date);
  g_clear_pointer (&job->document, json_node_unref);
  g_free (job);
}

static gboolean
put_kind (AtriumCache  *self,
          Job          *job,
          GError      **error)
{
  switch (job->kind)
    {
    case ATRIUM_CACHE_SITES:
      return atrium_cache_put_sites (self, job->document, job->fetched_at, error);
    case ATRIUM_CACHE_OCCUPANCY:
      return atrium_cache_put_occupancy (self, job->id, job->document, job->fetched_at, error);
    case ATRIUM_CACHE_RESOURCES:
      return atrium_cache_put_resources (self, job->document, job->fetched_at, error);
    case ATRIUM_CACHE_AVAILABILITY:
      return atrium_cache_put_availability (self, job->document, job->fetched_at, error);
    case ATRIUM_CACHE_MY_BOOKINGS:
      return atrium_cache_put_my_bookings (self, job->document, job->fetched_at, error);
    case ATRIUM_CACHE_KEYS:
      return atrium_cache_put_keys (self, job->document, job->fetched_at, error);
    case ATRIUM_CACHE_DEVICE:
      return atrium_cache_put_device (self, job->document, job->fetched_at, error);
    default:
      g_assert_not_reached ();
    }
}

static JsonNode *
get_kind (AtriumCache  *self,
          Job          *job,
          GError      **error)
{
  switch (job->kind)
    {
    case ATRIUM_CACHE_SITES:
      return atrium_cache_get_sites (self, &job->fetched_at, error);
    case ATRIUM_CACHE_OCCUPANCY:
      return atrium_cache_get_occupancy (self, job->id, &job->fetched_at, error);
    case ATRIUM_CACHE_RESOURCES:
      return atrium_cache_get_resources (self, job->id, &job->fetched_at, error);
    case ATRIUM_CACHE_AVAILABILITY:
      return atrium_cache_get_availability (self, job->id, job->date, &job->fetched_at, error);
    case ATRIUM_CACHE_MY_BOOKINGS:
      return atrium_cache_get_my_bookings (self, &job->fetched_at, error);
    case ATRIUM_CACHE_KEYS:
      return atrium_cache_get_keys (self, &job->fetched_at, error);
    case ATRIUM_CACHE_DEVICE:
      return atrium_cache_get_device (self, &job->fetched_at, error);
    default:
      g_assert_not_reached ();
    }
}

static void
run_job (GTask        *task,
         gpointer      source,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  if (job->document != NULL)
    {
      if (put_kind (source, job, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
    }
  else
    {
      JsonNode *node = get_kind (source, job, &error);

      if (node != NULL)
        g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
      else
        g_task_return_error (task, error);
    }
}

static void
start_job (AtriumCache         *self,
           gpointer             tag,
           Job                 *job,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, run_job);
}

void
atrium_cache_put_async (AtriumCache         *self,
                        AtriumCacheKind      kind,
                        gint64               id,
                        JsonNode            *document,
                        gint64               fetched_at,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  Job *job;

  g_return_if_fail (ATRIUM_IS_CACHE (self));
  g_return_if_fail (kind <= ATRIUM_CACHE_DEVICE && document != NULL && id >= 0);

  job = g_new0 (Job, 1);
  job->kind = kind;
  job->id = id;
  /* The caller may change its node once this returns. */
  job->document = json_node_copy (document);
  job->fetched_at = fetched_at;
  start_job (self, atrium_cache_put_async, job, cancellable, callback, user_data);
}

gboolean
atrium_cache_put_finish (AtriumCache   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == atrium_cache_put_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
atrium_cache_get_async (AtriumCache         *self,
                        AtriumCacheKind      kind,
                        gint64               id,
                        const char          *date,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  Job *job;

  g_return_if_fail (ATRIUM_IS_CACHE (self));
  g_return_if_fail (kind <= ATRIUM_CACHE_DEVICE && id >= 0);
  g_return_if_fail (kind != ATRIUM_CACHE_AVAILABILITY || date != NULL);

  job = g_new0 (Job, 1);
  job->kind = kind;
  job->id = id;
  job->date = g_strdup (date);
  start_job (self, atrium_cache_get_async, job, cancellable, callback, user_data);
}

/* @fetched_at: (out) (optional): when the oldest part of the answer was fetched */
JsonNode *
atrium_cache_get_finish (AtriumCache   *self,
                         GAsyncResult  *result,
                         gint64        *fetched_at,
                         GError       **error)
{
  JsonNode *node;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == atrium_cache_get_async,
                        NULL);

  node = g_task_propagate_pointer (G_TASK (result), error);
  if (node != NULL && fetched_at != NULL)
    *fetched_at = ((Job *) g_task_get_task_data (G_TASK (result)))->fetched_at;
  return node;
}
