/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-checkin-code.h"
#include "atrium-db.h"

G_BEGIN_DECLS

/* The signing_key table: the server's Ed25519 keys for check-in codes. */

/* The current key's id and sealed seed; FALSE with ATRIUM_DB_ERROR_NOT_FOUND when there
 * is none. */
gboolean  atrium_store_signing_key_current (AtriumDb     *db,
                                            guint32      *id_out,
                                            char        **sealed_seed_out,
                                            GError      **error);
/* Adds a current key; ATRIUM_DB_ERROR_CONSTRAINT when its id is taken or another key is
 * current. @public_key: 32 bytes. */
gboolean  atrium_store_signing_key_add     (AtriumDb     *db,
                                            guint32       id,
                                            const guint8 *public_key,
                                            const char   *sealed_seed,
                                            gint64        created_at,
                                            GError      **error);
/* Every key that verifies codes (current and retired), oldest first: an array of
 * AtriumCheckinKey. */
GArray   *atrium_store_signing_keys_list   (AtriumDb     *db,
                                            GError      **error);

G_END_DECLS
