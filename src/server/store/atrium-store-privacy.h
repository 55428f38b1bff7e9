/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"

G_BEGIN_DECLS

/* A person's own data (GET /api/v1/me/export), erasure and the anonymisation of old
 * bookings. Never a secret: the columns are listed, never `*`, and none of them is a
 * password hash, a TOTP seed, a recovery code or a token hash. */

typedef enum
{
  ATRIUM_PRIVACY_INTEGER,
  ATRIUM_PRIVACY_TEXT,
  ATRIUM_PRIVACY_TIME,      /* unix seconds in the store, RFC 3339 UTC in the document */
  ATRIUM_PRIVACY_BOOL,
} AtriumPrivacyType;

typedef enum
{
  ATRIUM_PRIVACY_ARRAY,     /* every row, as objects */
  ATRIUM_PRIVACY_OBJECT,    /* the first row, as an object (null without one) */
  ATRIUM_PRIVACY_VALUE,     /* the first row's first column */
} AtriumPrivacyShape;

typedef struct
{
  const char        *name;
  AtriumPrivacyType  type;
} AtriumPrivacyColumn;

/**
 * AtriumPrivacySection:
 * @name: the member of the document
 * @sql: binds ?1 the user's id, ?2 "user:ID" (how the audit trail names them) and ?3 the
 *   session asking; a section that may grow with time orders by an index
 */
typedef struct
{
  const char                *name;
  AtriumPrivacyShape         shape;
  const AtriumPrivacyColumn *columns;
  guint                      n_columns;
  const char                *sql;
} AtriumPrivacySection;

const AtriumPrivacySection *atrium_store_privacy_sections (guint *n_sections);

/* Steps through the sections in one read transaction (one snapshot). */
typedef struct _AtriumPrivacyCursor AtriumPrivacyCursor;

AtriumPrivacyCursor *atrium_store_privacy_open     (AtriumDb             *db,
                                                    gint64                user_id,
                                                    gint64                session_id,
                                                    GError              **error);
/* Starts section @index. */
gboolean             atrium_store_privacy_section  (AtriumPrivacyCursor  *cursor,
                                                    guint                 index,
                                                    GError              **error);
/* TRUE with @have_row set, FALSE on an error. */
gboolean             atrium_store_privacy_next     (AtriumPrivacyCursor  *cursor,
                                                    gboolean             *have_row,
                                                    GError              **error);
gboolean             atrium_store_privacy_is_null  (AtriumPrivacyCursor  *cursor,
                                                    guint                 column);
const char          *atrium_store_privacy_text     (AtriumPrivacyCursor  *cursor,
                                                    guint                 column);
gint64               atrium_store_privacy_integer  (AtriumPrivacyCursor  *cursor,
                                                    guint                 column);
void                 atrium_store_privacy_close    (AtriumPrivacyCursor  *cursor);

/* 1 when @user_id holds the admin role and no other enabled account does, 0 when not,
 * -1 on error. */
int                  atrium_store_privacy_last_admin (AtriumDb           *db,
                                                    gint64                user_id,
                                                    GError              **error);

/* Inside the caller's transaction: cancels the account's bookings that have not ended
 * (their slots are freed), anonymises all its bookings, leaves the tombstone and deletes
 * the account (sessions, roles, second factors, keys go with it). NOT_FOUND without such
 * an account. */
gboolean             atrium_store_privacy_erase    (AtriumDb             *db,
                                                    gint64                user_id,
                                                    gint64                now,
                                                    gint64               *cancelled_out,
                                                    gint64               *anonymised_out,
                                                    GError              **error);

/* Anonymises at most @limit bookings that ended before @cutoff and are not anonymised
 * yet. Returns how many, -1 on error. */
gint64               atrium_store_privacy_anonymise_ended (AtriumDb      *db,
                                                    gint64                cutoff,
                                                    gint64                now,
                                                    guint                 limit,
                                                    GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumPrivacyCursor, atrium_store_privacy_close)

G_END_DECLS
