/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "atrium-clock.h"
#include "atrium-db.h"

G_BEGIN_DECLS

/* A person's rights over their data: a copy of all of it, and erasure. The HTTP API
 * (GET /api/v1/me/export, DELETE /api/v1/me), the administrators' DELETE /users/{id} and
 * `atrium-server userdel` all erase through atrium_privacy_erase_user(). */

#define ATRIUM_PRIVACY_ERROR (atrium_privacy_error_quark ())

typedef enum
{
  ATRIUM_PRIVACY_ERROR_LAST_ADMIN,   /* erasing would leave no enabled administrator */
} AtriumPrivacyError;

GQuark   atrium_privacy_error_quark  (void);

/* The writer's chunks: the document is handed over this large at most. */
#define ATRIUM_PRIVACY_CHUNK_BYTES (64 * 1024)

typedef gboolean (*AtriumPrivacyWriteFunc) (const guint8  *data,
                                            gsize          length,
                                            gpointer       user_data,
                                            GError       **error);

/* Writes the JSON document of everything the store holds about @user_id, read in one
 * snapshot from @reader, in chunks of at most ATRIUM_PRIVACY_CHUNK_BYTES: memory stays
 * bounded whatever the number of rows. @session_id marks the session asking. */
gboolean atrium_privacy_write_export (AtriumDb               *reader,
                                      gint64                  user_id,
                                      gint64                  session_id,
                                      gint64                  now,
                                      AtriumPrivacyWriteFunc  write,
                                      gpointer                user_data,
                                      GCancellable           *cancellable,
                                      GError                **error);

/**
 * atrium_privacy_erase_user:
 * @writer: the writer, held by the caller, outside any transaction
 * @event: the audit event ("user_erased" for oneself, "user_deleted" for an operator)
 * @actor, @ip, @request_id: for the audit entry
 *
 * In one transaction: refuses the last enabled administrator
 * (%ATRIUM_PRIVACY_ERROR_LAST_ADMIN), cancels the account's bookings that have not
 * ended, anonymises all of them, deletes the account and leaves a tombstone of its
 * number, and appends the audit entry (subject "user:ID", no name, no address).
 * %ATRIUM_DB_ERROR_NOT_FOUND without such an account.
 */
gboolean atrium_privacy_erase_user   (AtriumDb               *writer,
                                      AtriumClock            *clock,
                                      gint64                  user_id,
                                      const char             *event,
                                      const char             *actor,
                                      const char             *ip,
                                      const char             *request_id,
                                      gint64                 *cancelled_out,
                                      gint64                 *anonymised_out,
                                      GError                **error);

G_END_DECLS
