/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-privacy.h"

#include "atrium-store-users.h"

/* ---- the sections of "all my data" ----------------------------------------------------- */

static const AtriumPrivacyColumn profile_columns[] = {
  { "id", ATRIUM_PRIVACY_INTEGER },
  { "name", ATRIUM_PRIVACY_TEXT },
  { "email", ATRIUM_PRIVACY_TEXT },
  { "phone", ATRIUM_PRIVACY_TEXT },
  { "created_at", ATRIUM_PRIVACY_TIME },
  { "password_changed_at", ATRIUM_PRIVACY_TIME },
  { "disabled", ATRIUM_PRIVACY_BOOL },
};

static const AtriumPrivacyColumn role_columns[] = {
  { "role", ATRIUM_PRIVACY_TEXT },
  { "site_id", ATRIUM_PRIVACY_INTEGER },
  { "site", ATRIUM_PRIVACY_TEXT },
};

/* Which methods are enrolled, never their secrets: no seed, no code, no hash. */
static const AtriumPrivacyColumn second_factor_columns[] = {
  { "totp", ATRIUM_PRIVACY_BOOL },
  { "totp_enrolment_pending", ATRIUM_PRIVACY_BOOL },
  { "recovery_codes_left", ATRIUM_PRIVACY_INTEGER },
};

static const AtriumPrivacyColumn session_columns[] = {
  { "id", ATRIUM_PRIVACY_INTEGER },
  { "created_at", ATRIUM_PRIVACY_TIME },
  { "last_seen_at", ATRIUM_PRIVACY_TIME },
  { "expires_at", ATRIUM_PRIVACY_TIME },
  { "ip", ATRIUM_PRIVACY_TEXT },
  { "user_agent", ATRIUM_PRIVACY_TEXT },
  { "second_factor", ATRIUM_PRIVACY_BOOL },
  { "current", ATRIUM_PRIVACY_BOOL },
};

static const AtriumPrivacyColumn origin_columns[] = {
  { "first_seen", ATRIUM_PRIVACY_TIME },
};

static const AtriumPrivacyColumn reset_columns[] = {
  { "created_at", ATRIUM_PRIVACY_TIME },
  { "expires_at", ATRIUM_PRIVACY_TIME },
  { "used_at", ATRIUM_PRIVACY_TIME },
};

static const AtriumPrivacyColumn booking_columns[] = {
  { "id", ATRIUM_PRIVACY_INTEGER },
  { "site_id", ATRIUM_PRIVACY_INTEGER },
  { "site", ATRIUM_PRIVACY_TEXT },
  { "resource_id", ATRIUM_PRIVACY_INTEGER },
  { "resource", ATRIUM_PRIVACY_TEXT },
  { "resource_type", ATRIUM_PRIVACY_TEXT },
  { "starts", ATRIUM_PRIVACY_TIME },
  { "ends", ATRIUM_PRIVACY_TIME },
  { "status", ATRIUM_PRIVACY_TEXT },
  { "group_size", ATRIUM_PRIVACY_INTEGER },
  { "created_at", ATRIUM_PRIVACY_TIME },
  { "booked_by_staff", ATRIUM_PRIVACY_BOOL },
  { "cancelled_at", ATRIUM_PRIVACY_TIME },
  { "check_in_at", ATRIUM_PRIVACY_TIME },
  { "break_until", ATRIUM_PRIVACY_TIME },
};

static const AtriumPrivacyColumn count_columns[] = {
  { "count", ATRIUM_PRIVACY_INTEGER },
};

static const AtriumPrivacyColumn audit_columns[] = {
  { "id", ATRIUM_PRIVACY_INTEGER },
  { "at", ATRIUM_PRIVACY_TEXT },
  { "event", ATRIUM_PRIVACY_TEXT },
  { "outcome", ATRIUM_PRIVACY_TEXT },
  { "actor", ATRIUM_PRIVACY_TEXT },
  { "subject", ATRIUM_PRIVACY_TEXT },
  { "ip", ATRIUM_PRIVACY_TEXT },
  { "request_id", ATRIUM_PRIVACY_TEXT },
  { "detail", ATRIUM_PRIVACY_TEXT },
};

static const AtriumPrivacyColumn security_columns[] = {
  { "id", ATRIUM_PRIVACY_INTEGER },
  { "at", ATRIUM_PRIVACY_TEXT },
  { "event", ATRIUM_PRIVACY_TEXT },
  { "ip", ATRIUM_PRIVACY_TEXT },
  { "request_id", ATRIUM_PRIVACY_TEXT },
  { "detail", ATRIUM_PRIVACY_TEXT },
  { "blocked", ATRIUM_PRIVACY_BOOL },
};

static const AtriumPrivacyColumn export_columns[] = {
  { "id", ATRIUM_PRIVACY_INTEGER },
  { "at", ATRIUM_PRIVACY_TEXT },
  { "event", ATRIUM_PRIVACY_TEXT },
  { "subject", ATRIUM_PRIVACY_TEXT },
  { "detail", ATRIUM_PRIVACY_TEXT },
};

#define COLUMNS(array) array, G_N_ELEMENTS (array)

/* Bookings, the trail and the security record grow with time: each reads an index in
 * its order (booking_user, audit_subject, audit_actor, security_event_user), so nothing
 * is sorted in memory. The rest are a handful of rows per person. */
static const AtriumPrivacySection sections[] = {
  { "profile", ATRIUM_PRIVACY_OBJECT, COLUMNS (profile_columns),
    "SELECT id, name, email, phone, created_at, password_changed_at, disabled"
    "  FROM user WHERE id = ?1;" },
  { "roles", ATRIUM_PRIVACY_ARRAY, COLUMNS (role_columns),
    "SELECT r.role, r.site_id, s.name FROM user_role r LEFT JOIN site s ON s.id = r.site_id"
    " WHERE r.user_id = ?1 ORDER BY r.site_id IS NOT NULL, r.role, r.site_id;" },
  { "second_factor", ATRIUM_PRIVACY_OBJECT, COLUMNS (second_factor_columns),
    "SELECT totp_confirmed, totp_pending IS NOT NULL,"
    "       (SELECT count (*) FROM recovery_code WHERE user_id = ?1 AND used_at IS NULL)"
    "  FROM user WHERE id = ?1;" },
  { "sessions", ATRIUM_PRIVACY_ARRAY, COLUMNS (session_columns),
    "SELECT id, created_at, last_seen_at, expires_at, ip, user_agent, second_factor, id = ?3"
    "  FROM session WHERE user_id = ?1 ORDER BY id;" },
  { "known_origins", ATRIUM_PRIVACY_ARRAY, COLUMNS (origin_columns),
    "SELECT first_seen FROM known_origin WHERE user_id = ?1 ORDER BY first_seen;" },
  { "password_resets", ATRIUM_PRIVACY_ARRAY, COLUMNS (reset_columns),
    "SELECT created_at, expires_at, used_at FROM password_reset WHERE user_id = ?1"
    " ORDER BY created_at;" },
  { "bookings", ATRIUM_PRIVACY_ARRAY, COLUMNS (booking_columns),
    "SELECT b.id, r.site_id, si.name, r.id, r.name, r.type, b.starts, b.ends, b.status,"
    "       b.group_size, b.created_at, coalesce (b.created_by <> b.user_id, 0),"
    "       b.cancelled_at, b.check_in_at, b.break_until"
    "  FROM booking b CROSS JOIN resource r ON r.id = b.resource_id"
    "       CROSS JOIN site si ON si.id = r.site_id"
    " WHERE b.user_id = ?1 ORDER BY b.starts, b.id;" },
  { "no_shows", ATRIUM_PRIVACY_VALUE, COLUMNS (count_columns),
    "SELECT no_shows FROM user WHERE id = ?1;" },
  { "audit_about_me", ATRIUM_PRIVACY_ARRAY, COLUMNS (audit_columns),
    "SELECT id, at, event, outcome, actor, subject, ip, request_id, detail"
    "  FROM audit WHERE subject = ?2 ORDER BY id;" },
  { "audit_by_me", ATRIUM_PRIVACY_ARRAY, COLUMNS (audit_columns),
    "SELECT id, at, event, outcome, actor, subject, ip, request_id, detail"
    "  FROM audit WHERE actor = ?2 AND subject IS NOT ?2 ORDER BY id;" },
  { "security_events", ATRIUM_PRIVACY_ARRAY, COLUMNS (security_columns),
    "SELECT id, at, event, ip, request_id, detail, blocked"
    "  FROM security_event WHERE user_id = ?1 ORDER BY id;" },
  { "exports", ATRIUM_PRIVACY_ARRAY, COLUMNS (export_columns),
    "SELECT id, at, event, subject, detail FROM audit"
    " WHERE actor = ?2 AND event IN ('data_export', 'personal_data_export') ORDER BY id;" },
};

const AtriumPrivacySection *
atrium_store_privacy_sections (guint *n_sections)
{
  *n_sections = G_N_ELEMENTS (sections);
  return sections;
}

struct _AtriumPrivacyCursor
{
  AtriumDb     *db;
  gint64        user_id;
  gint64        session_id;
  char         *subject;       /* "user:ID" */
  sqlite3_stmt *stmt;
  gboolean      in_transaction;
};

AtriumPrivacyCursor *
atrium_store_privacy_open (AtriumDb  *db,
                           gint64     user_id,
                           gint64     session_id,
                           GError   **error)
{
  g_autoptr(AtriumPrivacyCursor) cursor = g_new0 (AtriumPrivacyCursor, 1);

  cursor->db = db;
  cursor->user_id = user_id;
  cursor->session_id = session_id;
  cursor->subject = g_strdup_printf ("user:%" G_GINT64_FORMAT, user_id);
  if (!atrium_db_exec (db, "BEGIN;", error))
    return NULL;
  cursor->in_transaction = TRUE;
  return g_steal_pointer (&cursor);
}

gboolean
atrium_store_privacy_section (AtriumPrivacyCursor  *cursor,
                              guint                 index,
                              GError              **error)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (sections), FALSE);
  g_clear_pointer (&cursor->stmt, sqlite3_finalize);
  cursor->stmt = atrium_store_prepare (cursor->db, sections[index].sql, error);
  if (cursor->stmt == NULL)
    return FALSE;
  /* Unused parameters are left unbound; SQLite ignores them. */
  if (sqlite3_bind_parameter_count (cursor->stmt) >= 1)
    sqlite3_bind_int64 (cursor->stmt, 1, cursor->user_id);
  if (sqlite3_bind_parameter_count (cursor->stmt) >= 2)
    sqlite3_bind_text (cursor->stmt, 2, cursor->subject, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count (cursor->stmt) >= 3)
    sqlite3_bind_int64 (cursor->stmt, 3, cursor->session_id);
  return TRUE;
}

gboolean
atrium_store_privacy_next (AtriumPrivacyCursor  *cursor,
                           gboolean             *have_row,
                           GError              **error)
{
  int rc;

  *have_row = FALSE;
  if (cursor->stmt == NULL)
    return TRUE;
  rc = sqlite3_step (cursor->stmt);
  if (rc == SQLITE_ROW)
    {
      *have_row = TRUE;
      return TRUE;
    }
  g_clear_pointer (&cursor->stmt, sqlite3_finalize);
  if (rc != SQLITE_DONE)
    return atrium_db_set_error (cursor->db, rc, "personal data", error);
  return TRUE;
}

gboolean
atrium_store_privacy_is_null (AtriumPrivacyCursor *cursor,
                              guint                column)
{
  return sqlite3_column_type (cursor->stmt, (int) column) == SQLITE_NULL;
}

/* Valid until the next call on @cursor. */
const char *
atrium_store_privacy_text (AtriumPrivacyCursor *cursor,
                           guint                column)
{
  const char *text = (const char *) sqlite3_column_text (cursor->stmt, (int) column);

  return text != NULL ? text : "";
}

gint64
atrium_store_privacy_integer (AtriumPrivacyCursor *cursor,
                              guint                column)
{
  return sqlite3_column_int64 (cursor->stmt, (int) column);
}

void
atrium_store_privacy_close (AtriumPrivacyCursor *cursor)
{
  if (cursor == NULL)
    return;
  g_clear_pointer (&cursor->stmt, sqlite3_finalize);
  if (cursor->in_transaction)
    atrium_db_exec (cursor->db, "COMMIT;", NULL);
  g_free (cursor->subject);
  g_free (cursor);
}

/* ---- erasure --------------------------------------------------------------------------- */

int
atrium_store_privacy_last_admin (AtriumDb  *db,
                                 gint64     user_id,
                                 GError   **error)
{
  gint64 n = atrium_store_count_bound (db,
    "SELECT EXISTS (SELECT 1 FROM user_role WHERE user_id = ?1 AND role = 'admin'"
    "                AND site_id IS NULL)"
    "   AND NOT EXISTS (SELECT 1 FROM user_role r CROSS JOIN user u ON u.id = r.user_id"
    "                    WHERE r.role = 'admin' AND r.site_id IS NULL AND r.user_id <> ?1"
    "                      AND u.disabled = 0);", error, 'i', user_id, 0);

  return n < 0 ? -1 : n > 0;
}

gboolean
atrium_store_privacy_erase (AtriumDb  *db,
                            gint64     user_id,
                            gint64     now,
                            gint64    *cancelled_out,
                            gint64    *anonymised_out,
                            GError   **error)
{
  gint64 cancelled, anonymised, exists;

  exists = atrium_store_count_bound (db, "SELECT count (*) FROM user WHERE id = ?1;", error,
                                     'i', user_id, 0);
  if (exists < 0)
    return FALSE;
  if (exists == 0)
    {
      g_set_error (error, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_FOUND, "There is no such user");
      return FALSE;
    }
  /* Leaving the active states frees the slots (the triggers of schema step 4). A booking
   * under way ends now too: nobody will come to it under this account. */
  cancelled = atrium_store_exec_bound (db,
    "UPDATE booking SET status = 'cancelled', cancelled_at = ?2, cancelled_by = NULL"
    " WHERE user_id = ?1 AND status IN ('booked', 'checked_in') AND ends > ?2;", error,
    'i', user_id, 'i', now, 0);
  if (cancelled < 0)
    return FALSE;
  anonymised = atrium_store_exec_bound (db,
    "UPDATE booking SET user_id = NULL, created_by = NULL, cancelled_by = NULL,"
    "       anonymised_at = ?2"
    " WHERE user_id = ?1;", error, 'i', user_id, 'i', now, 0);
  if (anonymised < 0)
    return FALSE;
  /* The tombstone keeps the number only; the delete cascades to sessions, roles, second
   * factors, reset and idempotency keys, and sets the user's other references (bookings
   * made or cancelled for someone else) to NULL. */
  if (atrium_store_exec_bound (db, "INSERT OR REPLACE INTO erased_user (id, erased_at)"
                                   " VALUES (?1, ?2);", error, 'i', user_id, 'i', now, 0) < 0 ||
      atrium_store_exec_bound (db, "DELETE FROM user WHERE id = ?1;", error,
                               'i', user_id, 0) < 0)
    return FALSE;
  *cancelled_out = cancelled;
  *anonymised_out = anonymised;
  return TRUE;
}

/* ---- retention ------------------------------------------------------------------------- */

gint64
atrium_store_privacy_anonymise_ended (AtriumDb  *db,
                                      gint64     cutoff,
                                      gint64     now,
                                      guint      limit,
                                      GError   **error)
{
  /* booking_to_anonymise holds exactly the rows not done yet: a second pass, or a second
   * process, finds nothing left to do. */
  return atrium_store_exec_bound (db,
    "UPDATE booking SET user_id = NULL, created_by = NULL, cancelled_by = NULL,"
    "       anonymised_at = ?2"
    " WHERE id IN (SELECT id FROM booking WHERE anonymised_at IS NULL AND ends <= ?1"
    "               LIMIT ?3);", error, 'i', cutoff, 'i', now, 'i', (gint64) limit, 0);
}
