/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "atrium-db.h"
#include "atrium-request.h"

G_BEGIN_DECLS

/* A row of `user` with its roles, as the services see it. */
typedef struct
{
  gint64   id;
  char    *name;
  char    *email;
  char    *phone;
  char    *password_hash;
  gint64   password_changed_at;
  char    *totp_secret;        /* sealed (atrium_seal), or NULL */
  gboolean totp_confirmed;
  gint64   totp_last_step;
  gboolean disabled;
  gint64   created_at;
  gint64   no_shows;           /* bookings released unclaimed (the scheduler counts them) */
  guint    roles;              /* AtriumRole bits over every site */
  GArray  *site_roles;         /* AtriumSiteRole */
} AtriumUser;

void        atrium_user_free               (AtriumUser   *user);

/* One session of a user, as an administrator or the user sees it. */
typedef struct
{
  gint64    id;
  gint64    created_at;     /* unix seconds */
  gint64    last_seen_at;
  char     *ip;             /* NULL: unknown */
  char     *user_agent;     /* NULL: none sent */
  gboolean  second_factor;
} AtriumSessionInfo;

void        atrium_session_info_free       (AtriumSessionInfo *info);
gboolean    atrium_user_needs_second_factor (const AtriumUser *user);

guint       atrium_role_from_string        (const char   *name);
const char *atrium_role_to_string          (guint         role);
gboolean    atrium_role_parse_grant        (const char   *text,
                                            guint        *role_out,
                                            gint64       *site_id_out,
                                            GError      **error);

/* All take a connection the caller holds (the writer for changes). */
AtriumUser *atrium_store_user_get          (AtriumDb     *db,
                                            gint64        id,
                                            GError      **error);
AtriumUser *atrium_store_user_find         (AtriumDb     *db,
                                            const char   *name_or_email,
                                            GError      **error);
GPtrArray  *atrium_store_users_list        (AtriumDb     *db,
                                            GError      **error);
gboolean    atrium_store_user_update       (AtriumDb     *db,
                                            gint64        user_id,
                                            const char   *email,
                                            const char   *phone,
                                            gboolean      clear_phone,
                                            GError      **error);
gint64      atrium_store_user_create       (AtriumDb     *db,
                                            const char   *name,
                                            const char   *email,
                                            const char   *phone,
                                            const char   *password_hash,
                                            gint64        now,
                                            GError      **error);
gboolean    atrium_store_user_add_role     (AtriumDb     *db,
                                            gint64        user_id,
                                            guint         role,
                                            gint64        site_id,
                                            GError      **error);
gboolean    atrium_store_user_clear_roles  (AtriumDb     *db,
                                            gint64        user_id,
                                            GError      **error);
gboolean    atrium_store_user_set_password (AtriumDb     *db,
                                            gint64        user_id,
                                            const char   *password_hash,
                                            gint64        now,
                                            GError      **error);
gboolean    atrium_store_user_set_totp     (AtriumDb     *db,
                                            gint64        user_id,
                                            const char   *sealed_secret,
                                            gboolean      confirmed,
                                            GError      **error);
gboolean    atrium_store_user_set_totp_step (AtriumDb    *db,
                                            gint64        user_id,
                                            gint64        step,
                                            GError      **error);
gboolean    atrium_store_user_set_disabled (AtriumDb     *db,
                                            gint64        user_id,
                                            gboolean      disabled,
                                            GError      **error);
gboolean    atrium_store_user_delete       (AtriumDb     *db,
                                            gint64        user_id,
                                            GError      **error);
gboolean    atrium_store_site_ensure       (AtriumDb     *db,
                                            gint64        site_id,
                                            GError      **error);

/* Second factor enrolment: a pending secret until the first code confirms it. */
gboolean    atrium_store_user_set_totp_pending (AtriumDb *db,
                                            gint64        user_id,
                                            const char   *sealed_secret,
                                            GError      **error);
char       *atrium_store_user_get_totp_pending (AtriumDb *db,
                                            gint64        user_id,
                                            GError      **error);
gboolean    atrium_store_user_confirm_totp (AtriumDb     *db,
                                            gint64        user_id,
                                            gint64        step,
                                            char * const *recovery_hashes,
                                            GError      **error);
gboolean    atrium_store_user_clear_totp   (AtriumDb     *db,
                                            gint64        user_id,
                                            GError      **error);

/* Sessions. */
gint64      atrium_store_sessions_end      (AtriumDb     *db,
                                            gint64        user_id,
                                            gint64        except_session_id,
                                            GError      **error);

/* Ends one session of @user_id: 1, or 0 when it has no such session. */
/* Whether user session @session_id still exists, has not expired at @now and belongs to
 * an account that is not disabled; -1 on error. */
int         atrium_store_session_valid     (AtriumDb     *db,
                                            gint64        session_id,
                                            gint64        now,
                                            GError      **error);
gint64      atrium_store_session_end       (AtriumDb     *db,
                                            gint64        user_id,
                                            gint64        session_id,
                                            GError      **error);
/* @user_id's sessions (AtriumSessionInfo), the last used first; NULL on error. */
GPtrArray  *atrium_store_sessions_list     (AtriumDb     *db,
                                            gint64        user_id,
                                            GError      **error);

gint64      atrium_store_sessions_count    (AtriumDb     *db,
                                            gint64        user_id,
                                            gint64        except_session_id,
                                            GError      **error);

/* Password reset tokens (stored hashed, single use). */
gboolean    atrium_store_reset_add         (AtriumDb     *db,
                                            const char   *token_hash,
                                            gint64        user_id,
                                            gint64        now,
                                            gint64        expires_at,
                                            GError      **error);
gint64      atrium_store_reset_peek        (AtriumDb     *db,
                                            const char   *token_hash,
                                            gint64        now,
                                            GError      **error);
gint64      atrium_store_reset_consume     (AtriumDb     *db,
                                            const char   *token_hash,
                                            gint64        now,
                                            GError      **error);

/* Runs @sql with every ?N bound from the NULL-terminated list of (type, value) pairs:
 * 'i' gint64, 's' const char * (NULL binds NULL). Returns rows changed, -1 on error. */
gint64      atrium_store_exec_bound        (AtriumDb     *db,
                                            const char   *sql,
                                            GError      **error,
                                            ...);
/* The same for a query whose first row's first column is a count; -1 on error. */
gint64      atrium_store_count_bound       (AtriumDb     *db,
                                            const char   *sql,
                                            GError      **error,
                                            ...);
/* A prepared statement, or NULL with @error set. */
sqlite3_stmt *atrium_store_prepare         (AtriumDb     *db,
                                            const char   *sql,
                                            GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumUser, atrium_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumSessionInfo, atrium_session_info_free)

G_END_DECLS
