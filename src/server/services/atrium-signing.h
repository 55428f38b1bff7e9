/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-checkin-code.h"
#include "atrium-db.h"

G_BEGIN_DECLS

/* The server's Ed25519 keys and the check-in codes signed with them. Seeds live in the
 * store sealed with secrets.key (@secrets_key: 32 bytes; in a handler
 * atrium_auth_get_secrets_key (atrium_handlers_auth (request)), elsewhere
 * atrium_auth_load_secrets_key()). Every call may block: worker threads only. */

/* Makes a current key when there is none: at `init`, and at every start for data
 * directories made before check-in codes. Safe with several processes at once.
 * @created_out (may be NULL) says whether a key was made. */
gboolean  atrium_signing_ensure_key          (AtriumDb             *writer,
                                              const guint8         *secrets_key,
                                              gint64                now,
                                              gboolean             *created_out,
                                              GError              **error);

/* The check-in code of a booking (times in UTC seconds, start < end), signed with the
 * current key. For the booking answer, its confirmation mail and the client's QR code.
 * Ed25519 is deterministic: the same booking gives the same code while its key is
 * current, so the code need not be stored. */
char     *atrium_signing_checkin_code        (AtriumDb             *db,
                                              const guint8         *secrets_key,
                                              gint64                booking_id,
                                              gint64                resource_id,
                                              gint64                start,
                                              gint64                end,
                                              GError              **error);

/* For POST /api/v1/checkin: whether @code was signed by one of the server's keys, and
 * what it says. Errors of ATRIUM_CHECKIN_CODE_ERROR say why a code is refused; it is
 * then up to the caller to compare the payload with the booking and the clock. */
gboolean  atrium_signing_verify_checkin_code (AtriumDb             *db,
                                              const char           *code,
                                              AtriumCheckinPayload *payload_out,
                                              GError              **error);

G_END_DECLS
