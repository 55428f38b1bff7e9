/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-users.h"

#include <string.h>

#include "atrium-clock.h"

static const struct
{
  guint       role;
  const char *name;
} role_names[] = {
  { ATRIUM_ROLE_PATRON, "patron" },
  { ATRIUM_ROLE_STAFF, "staff" },
  { ATRIUM_ROLE_MANAGER, "manager" },
  { ATRIUM_ROLE_REPORTING, "reporting" },
  { ATRIUM_ROLE_ADMIN, "admin" },
  { ATRIUM_ROLE_KIOSK, "kiosk" },
  { ATRIUM_ROLE_SENSOR, "sensor" },
};

guint
atrium_role_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (g_strcmp0 (role_names[i].name, name) == 0)
      return role_names[i].role;
  return 0;
}

const char *
atrium_role_to_string (guint role)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (role_names[i].role == role)
      return role_names[i].name;
  return NULL;
}

/* "patron", "admin", "staff:2", "manager:1". Staff and manager need a site; the others
 * are global. Device roles are not granted to people. */
gboolean
atrium_role_parse_grant (const char  *text,
                         guint       *role_out,
                         gint64      *site_id_out,
                         GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text != NULL ? text : "", ":", 2);
  guint role = atrium_role_from_string (parts[0]);
  guint64 site = 0;
  gboolean per_site = role == ATRIUM_ROLE_STAFF || role == ATRIUM_ROLE_MANAGER;

  if ((role & ATRIUM_ROLES_USERS) == 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "“%s” is not a role; use patron, staff:SITE, manager:SITE, reporting "
                   "or admin", text != NULL ? text : "");
      return FALSE;
    }
  if (per_site && (parts[1] == NULL ||
                   !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT64, &site, NULL)))
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "the %s role is granted per site: write %s:SITE with the site's number",
                   parts[0], parts[0]);
      return FALSE;
    }
  if (!per_site && parts[1] != NULL)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_FAILED,
                   "the %s role is not granted per site", parts[0]);
      return FALSE;
    }
  *role_out = role;
  *site_id_out = (gint64) site;
  return TRUE;
}

void
atrium_user_free (AtriumUser *user)
{
  if (user == NULL)
    return;
  g_free (user->name);
  g_free (user->email);
  g_free (user->phone);
  if (user->password_hash != NULL)
    memset (user->password_hash, 0, strlen (user->password_hash));
  g_free (user->password_hash);
  g_free (user->totp_secret);
  g_clear_pointer (&user->site_roles, g_array_unref);
  g_free (user);
}

/* Staff, managers, reporting and administrators never sign in on a password alone. */
gboolean
atrium_user_needs_second_factor (const AtriumUser *user)
{
  return (user->roles & (ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER | ATRIUM_ROLE_REPORTING |
                         ATRIUM_ROLE_ADMIN)) != 0 || user->totp_confirmed;
}

static gboolean
bind_args (sqlite3_stmt *stmt,
           va_list       ap)
{
  int index = 1;

  for (;;)
    {
      int type = va_arg (ap, int);

      if (type == 0)
        return TRUE;
      if (type == 'i')
        sqlite3_bind_int64 (stmt, index++, va_arg (ap, gint64));
      else if (type == 's')
        {
          const char *text = va_arg (ap, const char *);

          if (text != NULL)
            sqlite3_bind_text (stmt, index++, text, -1, SQLITE_TRANSIENT);
          else
            sqlite3_bind_null (stmt, index++);
        }
      else
        g_return_val_if_reached (FALSE);
    }
}

gint64
atrium_store_exec_bound (AtriumDb    *db,
                         const char  *sql,
                         GError     **error,
                         ...)
{
  sqlite3_stmt *stmt = atrium_db_cached (db, sql, error);
  va_list ap;
  int rc;

  if (stmt == NULL)
    return -1;
  va_start (ap, error);
  bind_args (stmt, ap);
  va_end (ap);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      atrium_db_set_error (db, rc, "write", error);
      sqlite3_reset (stmt);
      return -1;
    }
  sqlite3_reset (stmt);
  return sqlite3_changes (atrium_db_get_handle (db));
}

gint64
atrium_store_count_bound (AtriumDb    *db,
                          const char  *sql,
                          GError     **error,
                          ...)
{
  sqlite3_stmt *stmt = atrium_db_cached (db, sql, error);
  gint64 n = -1;
  va_list ap;
  int rc;

  if (stmt == NULL)
    return -1;
  va_start (ap, error);
  bind_args (stmt, ap);
  va_end (ap);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    atrium_db_set_error (db, rc, "count", error);
  sqlite3_reset (stmt);
  return n;
}

sqlite3_stmt *
atrium_store_prepare (AtriumDb    *db,
                      const char  *sql,
                      GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (db), sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      atrium_db_set_error (db, rc, "prepare", error);
      return NULL;
    }
  return stmt;
}

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static gboolean
load_roles (AtriumDb    *db,
            AtriumUser  *user,
            GError     **error)
{
  sqlite3_stmt *stmt = atrium_db_cached (db, "SELECT role, site_id FROM user_role"
                                             " WHERE user_id = ?1;", NULL);
  int rc = stmt != NULL ? SQLITE_OK : sqlite3_errcode (atrium_db_get_handle (db));

  user->site_roles = g_array_new (FALSE, FALSE, sizeof (AtriumSiteRole));
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, user->id);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          guint role = atrium_role_from_string ((const char *) sqlite3_column_text (stmt, 0));

          user->roles |= role;
          if (sqlite3_column_type (stmt, 1) != SQLITE_NULL)
            {
              AtriumSiteRole grant = { sqlite3_column_int64 (stmt, 1), role };

              g_array_append_val (user->site_roles, grant);
            }
        }
    }
  if (stmt != NULL)
    sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "roles", error);
  return TRUE;
}

#define USER_COLUMNS \
  "id, name, email, phone, password_hash, password_changed_at, totp_secret, " \
  "totp_confirmed, totp_last_step, disabled, created_at, no_shows"

static AtriumUser *
query_user (AtriumDb    *db,
            const char  *sql,
            gint64       id,
            const char  *text,
            GError     **error)
{
  g_autoptr(AtriumUser) user = NULL;
  sqlite3_stmt *stmt = atrium_db_cached (db, sql, NULL);
  int rc = stmt != NULL ? SQLITE_OK : sqlite3_errcode (atrium_db_get_handle (db));

  if (rc == SQLITE_OK)
    {
      if (text != NULL)
        sqlite3_bind_text (stmt, 1, text, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_int64 (stmt, 1, id);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    {
      user = g_new0 (AtriumUser, 1);
      user->id = sqlite3_column_int64 (stmt, 0);
      user->name = column_text (stmt, 1);
      user->email = column_text (stmt, 2);
      user->phone = column_text (stmt, 3);
      user->password_hash = column_text (stmt, 4);
      user->password_changed_at = sqlite3_column_int64 (stmt, 5);
      user->totp_secret = column_text (stmt, 6);
      user->totp_confirmed = sqlite3_column_int (stmt, 7) != 0;
      user->totp_last_step = sqlite3_column_int64 (stmt, 8);
      user->disabled = sqlite3_column_int (stmt, 9) != 0;
      user->created_at = sqlite3_column_int64 (stmt, 10);
      user->no_shows = sqlite3_column_int64 (stmt, 11);
    }
  if (stmt != NULL)
    sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "user", error);
      return NULL;
    }
  if (user == NULL)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND, "No such user");
      return NULL;
    }
  if (!load_roles (db, user, error))
    return NULL;
  return g_steal_pointer (&user);
}

AtriumUser *
atrium_store_user_get (AtriumDb  *db,
                       gint64     id,
                       GError   **error)
{
  return query_user (db, "SELECT " USER_COLUMNS " FROM user WHERE id = ?1;", id, NULL, error);
}

/* By user name or email address, case-insensitively for ASCII. */
AtriumUser *
atrium_store_user_find (AtriumDb    *db,
                        const char  *name_or_email,
                        GError     **error)
{
  return query_user (db,
                     "SELECT " USER_COLUMNS " FROM user WHERE name = ?1 OR email = ?1;",
                     0, name_or_email, error);
}

gint64
atrium_store_user_create (AtriumDb    *db,
                          const char  *name,
                          const char  *email,
                          const char  *phone,
                          const char  *password_hash,
                          gint64       now,
                          GError     **error)
{
  /* A number past every account, living or erased: "user:N" in the audit trail names
   * one person for ever (schema step 6). */
  if (atrium_store_exec_bound (db,
                               "INSERT INTO user (id, name, email, phone, password_hash,"
                               " password_changed_at, created_at)"
                               " VALUES (max (coalesce ((SELECT max (id) FROM user), 0),"
                               "              coalesce ((SELECT max (id) FROM erased_user), 0))"
                               "         + 1, ?1, ?2, ?3, ?4, ?5, ?5);", error,
                               's', name, 's', email, 's', phone, 's', password_hash,
                               'i', now, 0) < 0)
    return 0;
  return sqlite3_last_insert_rowid (atrium_db_get_handle (db));
}

gboolean
atrium_store_site_ensure (AtriumDb  *db,
                          gint64     site_id,
                          GError   **error)
{
  g_autofree char *name = g_strdup_printf ("Site %" G_GINT64_FORMAT, site_id);

  return atrium_store_exec_bound (db, "INSERT OR IGNORE INTO site (id, name) VALUES (?1, ?2);",
                                  error, 'i', site_id, 's', name, 0) >= 0;
}

gboolean
atrium_store_user_add_role (AtriumDb  *db,
                            gint64     user_id,
                            guint      role,
                            gint64     site_id,
                            GError   **error)
{
  const char *name = atrium_role_to_string (role);

  g_return_val_if_fail (name != NULL, FALSE);
  if (site_id != 0)
    return atrium_store_exec_bound (db,
                                    "INSERT OR IGNORE INTO user_role (user_id, role, site_id)"
                                    " VALUES (?1, ?2, ?3);", error,
                                    'i', user_id, 's', name, 'i', site_id, 0) >= 0;
  return atrium_store_exec_bound (db,
                                  "INSERT OR IGNORE INTO user_role (user_id, role, site_id)"
                                  " VALUES (?1, ?2, NULL);", error,
                                  'i', user_id, 's', name, 0) >= 0;
}

gboolean
atrium_store_user_clear_roles (AtriumDb  *db,
                               gint64     user_id,
                               GError   **error)
{
  return atrium_store_exec_bound (db, "DELETE FROM user_role WHERE user_id = ?1;", error,
                                  'i', user_id, 0) >= 0;
}

static gboolean
changed_one (gint64   changes,
             GError **error)
{
  if (changes < 0)
    return FALSE;
  if (changes == 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND, "No such user");
      return FALSE;
    }
  return TRUE;
}

gboolean
atrium_store_user_set_password (AtriumDb    *db,
                                gint64       user_id,
                                const char  *password_hash,
                                gint64       now,
                                GError     **error)
{
  return changed_one (atrium_store_exec_bound (db,
                                               "UPDATE user SET password_hash = ?2,"
                                               " password_changed_at = ?3 WHERE id = ?1;",
                                               error, 'i', user_id, 's', password_hash,
                                               'i', now, 0), error);
}

gboolean
atrium_store_user_set_totp (AtriumDb    *db,
                            gint64       user_id,
                            const char  *sealed_secret,
                            gboolean     confirmed,
                            GError     **error)
{
  return changed_one (atrium_store_exec_bound (db,
                                               "UPDATE user SET totp_secret = ?2,"
                                               " totp_confirmed = ?3, totp_last_step = -1"
                                               " WHERE id = ?1;", error,
                                               'i', user_id, 's', sealed_secret,
                                               'i', (gint64) (confirmed ? 1 : 0), 0), error);
}

gboolean
atrium_store_user_set_totp_step (AtriumDb  *db,
                                 gint64     user_id,
                                 gint64     step,
                                 GError   **error)
{
  return changed_one (atrium_store_exec_bound (db,
                                               "UPDATE user SET totp_last_step = ?2"
                                               " WHERE id = ?1;", error,
                                               'i', user_id, 'i', step, 0), error);
}

gboolean
atrium_store_user_set_disabled (AtriumDb  *db,
                                gint64     user_id,
                                gboolean   disabled,
                                GError   **error)
{
  return changed_one (atrium_store_exec_bound (db,
                                               "UPDATE user SET disabled = ?2 WHERE id = ?1;",
                                               error, 'i', user_id,
                                               'i', (gint64) (disabled ? 1 : 0), 0), error);
}

gboolean
atrium_store_user_delete (AtriumDb  *db,
                          gint64     user_id,
                          GError   **error)
{
  return changed_one (atrium_store_exec_bound (db, "DELETE FROM user WHERE id = ?1;", error,
                                               'i', user_id, 0), error);
}

gboolean
atrium_store_user_set_totp_pending (AtriumDb    *db,
                                    gint64       user_id,
                                    const char  *sealed_secret,
                                    GError     **error)
{
  return changed_one (atrium_store_exec_bound (db, "UPDATE user SET totp_pending = ?2"
                                                   " WHERE id = ?1;", error,
                                               'i', user_id, 's', sealed_secret, 0), error);
}

char *
atrium_store_user_get_totp_pending (AtriumDb  *db,
                                    gint64     user_id,
                                    GError   **error)
{
  sqlite3_stmt *stmt = NULL;
  char *sealed = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                               "SELECT totp_pending FROM user WHERE id = ?1;", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, user_id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        sealed = column_text (stmt, 0);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    atrium_db_set_error (db, rc, "totp", error);
  else if (sealed == NULL)
    g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND, "No enrolment under way");
  return sealed;
}

/* The pending secret becomes the one in use, with fresh recovery codes. The caller
 * holds a transaction. */
gboolean
atrium_store_user_confirm_totp (AtriumDb      *db,
                                gint64         user_id,
                                gint64         step,
                                char * const  *recovery_hashes,
                                GError       **error)
{
  if (!changed_one (atrium_store_exec_bound (db,
                                             "UPDATE user SET totp_secret = totp_pending,"
                                             " totp_pending = NULL, totp_confirmed = 1,"
                                             " totp_last_step = ?2"
                                             " WHERE id = ?1 AND totp_pending IS NOT NULL;",
                                             error, 'i', user_id, 'i', step, 0), error) ||
      atrium_store_exec_bound (db, "DELETE FROM recovery_code WHERE user_id = ?1;", error,
                               'i', user_id, 0) < 0)
    return FALSE;
  for (guint i = 0; recovery_hashes[i] != NULL; i++)
    if (atrium_store_exec_bound (db, "INSERT INTO recovery_code (user_id, code_hash)"
                                     " VALUES (?1, ?2);", error,
                                 'i', user_id, 's', recovery_hashes[i], 0) < 0)
      return FALSE;
  return TRUE;
}

gboolean
atrium_store_user_clear_totp (AtriumDb  *db,
                              gint64     user_id,
                              GError   **error)
{
  return changed_one (atrium_store_exec_bound (db,
                                               "UPDATE user SET totp_secret = NULL,"
                                               " totp_pending = NULL, totp_confirmed = 0,"
                                               " totp_last_step = -1 WHERE id = ?1;", error,
                                               'i', user_id, 0), error) &&
         atrium_store_exec_bound (db, "DELETE FROM recovery_code WHERE user_id = ?1;", error,
                                  'i', user_id, 0) >= 0;
}

/* Ends every session of @user_id but @except_session_id (0: all). Returns how many. */
gint64
atrium_store_sessions_end (AtriumDb  *db,
                           gint64     user_id,
                           gint64     except_session_id,
                           GError   **error)
{
  return atrium_store_exec_bound (db, "DELETE FROM session WHERE user_id = ?1 AND id <> ?2;",
                                  error, 'i', user_id, 'i', except_session_id, 0);
}

int
atrium_store_session_valid (AtriumDb  *db,
                            gint64     session_id,
                            gint64     now,
                            GError   **error)
{
  gint64 n = atrium_store_count_bound (db, "SELECT count (*) FROM session s"
                                       " JOIN user u ON u.id = s.user_id WHERE s.id = ?1"
                                       " AND (s.expires_at IS NULL OR s.expires_at > ?2)"
                                       " AND u.disabled = 0;", error,
                                       'i', session_id, 'i', now, 0);

  return n < 0 ? -1 : n > 0;
}

gint64
atrium_store_session_end (AtriumDb  *db,
                          gint64     user_id,
                          gint64     session_id,
                          GError   **error)
{
  return atrium_store_exec_bound (db, "DELETE FROM session WHERE id = ?1 AND user_id = ?2;",
                                  error, 'i', session_id, 'i', user_id, 0);
}

void
atrium_session_info_free (AtriumSessionInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->ip);
  g_free (info->user_agent);
  g_free (info);
}

GPtrArray *
atrium_store_sessions_list (AtriumDb  *db,
                            gint64     user_id,
                            GError   **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (
    (GDestroyNotify) atrium_session_info_free);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                               "SELECT id, created_at, last_seen_at, ip, user_agent,"
                               "  second_factor FROM session WHERE user_id = ?1"
                               " ORDER BY last_seen_at DESC, id;", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, user_id);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          AtriumSessionInfo *info = g_new0 (AtriumSessionInfo, 1);

          info->id = sqlite3_column_int64 (stmt, 0);
          info->created_at = sqlite3_column_int64 (stmt, 1);
          info->last_seen_at = sqlite3_column_int64 (stmt, 2);
          info->ip = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
          info->user_agent = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
          info->second_factor = sqlite3_column_int (stmt, 5) != 0;
          g_ptr_array_add (list, info);
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "Cannot read the sessions", error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

gboolean
atrium_store_reset_add (AtriumDb    *db,
                        const char  *token_hash,
                        gint64       user_id,
                        gint64       now,
                        gint64       expires_at,
                        GError     **error)
{
  return atrium_store_exec_bound (db, "INSERT INTO password_reset (token_hash, user_id,"
                                      " created_at, expires_at) VALUES (?1, ?2, ?3, ?4);",
                                  error, 's', token_hash, 'i', user_id, 'i', now,
                                  'i', expires_at, 0) == 1;
}

/* One number from a query binding ?1 as text (or NULL) and ?2 and ?3 as integers. */
static gboolean
query_number (AtriumDb    *db,
              const char  *sql,
              const char  *text,
              gint64       a,
              gint64       b,
              gint64      *out,
              GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (db), sql, -1, &stmt, NULL);

  *out = 0;
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, text, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, a);
      sqlite3_bind_int64 (stmt, 3, b);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        *out = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return atrium_db_set_error (db, rc, "query", error);
  return TRUE;
}

gint64
atrium_store_sessions_count (AtriumDb  *db,
                             gint64     user_id,
                             gint64     except_session_id,
                             GError   **error)
{
  gint64 n = 0;

  query_number (db, "SELECT count (*) FROM session WHERE ?1 IS NULL AND user_id = ?2"
                    " AND id <> ?3;", NULL, user_id, except_session_id, &n, error);
  return n;
}

/* The user a live reset token belongs to, or 0 when it is unknown, used or expired. */
gint64
atrium_store_reset_peek (AtriumDb    *db,
                         const char  *token_hash,
                         gint64       now,
                         GError     **error)
{
  gint64 user_id = 0;

  query_number (db, "SELECT user_id FROM password_reset WHERE token_hash = ?1"
                    " AND used_at IS NULL AND expires_at > ?2 AND ?3 = ?3;",
                token_hash, now, 0, &user_id, error);
  return user_id;
}

/* Marks the token used and returns its user, or 0 when it is unknown, used or expired. */
gint64
atrium_store_reset_consume (AtriumDb    *db,
                            const char  *token_hash,
                            gint64       now,
                            GError     **error)
{
  gint64 user_id = atrium_store_reset_peek (db, token_hash, now, error);

  if (user_id != 0 &&
      atrium_store_exec_bound (db, "UPDATE password_reset SET used_at = ?2"
                                   " WHERE token_hash = ?1;", error,
                               's', token_hash, 'i', now, 0) < 0)
    return 0;
  return user_id;
}

/* Every user with roles, by name. */
GPtrArray *
atrium_store_users_list (AtriumDb  *db,
                         GError   **error)
{
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_user_free);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (db),
                               "SELECT id FROM user ORDER BY name COLLATE NOCASE;", -1, &stmt,
                               NULL);

  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      atrium_db_set_error (db, rc, "users", error);
      return NULL;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      AtriumUser *user = atrium_store_user_get (db, g_array_index (ids, gint64, i), error);

      if (user == NULL)
        return NULL;
      g_ptr_array_add (users, user);
    }
  return g_steal_pointer (&users);
}

/* Changes the email and/or the phone (NULL leaves a field alone). */
gboolean
atrium_store_user_update (AtriumDb    *db,
                          gint64       user_id,
                          const char  *email,
                          const char  *phone,
                          gboolean     clear_phone,
                          GError     **error)
{
  if (email != NULL &&
      !changed_one (atrium_store_exec_bound (db, "UPDATE user SET email = ?2 WHERE id = ?1;",
                                             error, 'i', user_id, 's', email, 0), error))
    return FALSE;
  if ((phone != NULL || clear_phone) &&
      !changed_one (atrium_store_exec_bound (db, "UPDATE user SET phone = ?2 WHERE id = ?1;",
                                             error, 'i', user_id, 's', phone, 0), error))
    return FALSE;
  return TRUE;
}
