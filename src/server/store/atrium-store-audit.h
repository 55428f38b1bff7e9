/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-clock.h"
#include "atrium-db.h"

G_BEGIN_DECLS

/* Longest text kept per field, in characters; a longer one is cut and ends in "…". */
#define ATRIUM_AUDIT_DETAIL_MAX_CHARS 1000
#define ATRIUM_AUDIT_FIELD_MAX_CHARS  200
#define ATRIUM_AUDIT_EVENT_MAX_LEN    64

typedef enum
{
  ATRIUM_AUDIT_SUCCESS,
  ATRIUM_AUDIT_FAILURE,
} AtriumAuditOutcome;

/**
 * AtriumAuditEntry:
 * @event: OWASP logging vocabulary ("authn_login_fail", "authz_fail", "user_created",
 *   "privilege_permissions_changed", …): 1–64 characters of [a-z0-9_:], a constant of
 *   the caller's, refused with %ATRIUM_CORE_ERROR_INVALID otherwise
 * @outcome: whether the action succeeded
 * @actor: who did it ("user:42", "device:3", "cli", "system") or %NULL
 * @subject: what it was done to ("user:17", "session:9") or %NULL
 * @ip: the client's address or %NULL
 * @request_id: the request's id or %NULL
 * @detail: short free text or %NULL
 *
 * Never pass a secret in any field: no tokens, codes, passwords, keys or their hashes.
 * The trail is kept for years and exported. As a cheap guard a @detail that contains
 * "password=" or "token=" (in any case) is refused with %ATRIUM_CORE_ERROR_INVALID.
 *
 * Text fields are stored sanitised (OWASP logging cheat sheet): control characters
 * (C0, DEL, C1, U+2028, U+2029) become spaces so no one can forge a line, invalid UTF-8
 * becomes U+FFFD, and @detail is cut to 1000 characters, the others to 200.
 */
typedef struct
{
  const char         *event;
  AtriumAuditOutcome  outcome;
  const char         *actor;
  const char         *subject;
  const char         *ip;
  const char         *request_id;
  const char         *detail;
} AtriumAuditEntry;

/* Appends one row to the hash-chained trail. The caller holds the writer
 * (atrium_store_write_begin()); inside the caller's transaction the row commits or rolls
 * back with it, otherwise the function makes its own (BEGIN IMMEDIATE). */
gboolean atrium_store_audit_append       (AtriumDb               *db,
                                          AtriumClock            *clock,
                                          const AtriumAuditEntry *entry,
                                          GError                **error);

/* Walks the whole chain in id order and counts its rows into @n_rows_out. Returns TRUE
 * when it is intact. On a break it returns FALSE with %ATRIUM_DB_ERROR_CORRUPT and
 * @first_bad_id_out set to the id of the first row whose prev_hash or hash does not
 * match, or of the row after a gap in the ids; on any other failure @first_bad_id_out
 * is 0. Rewriting every later hash, or cutting rows off the end, takes the key and is
 * not seen here: compare the count and the last hash with an earlier copy for that. */
gboolean atrium_store_audit_verify       (AtriumDb               *db,
                                          gint64                 *n_rows_out,
                                          gint64                 *first_bad_id_out,
                                          GError                **error);

/* Adds a security_event row (not chained) with the same rules for @event and the same
 * sanitising of @ip, @request_id and @detail. @user_id 0 means none. */
gboolean atrium_store_security_event_add (AtriumDb               *db,
                                          AtriumClock            *clock,
                                          const char             *event,
                                          const char             *ip,
                                          gint64                  user_id,
                                          const char             *request_id,
                                          const char             *detail,
                                          gboolean                blocked,
                                          GError                **error);

G_END_DECLS
