/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-server.h"

G_BEGIN_DECLS

/* Bookings that ended more than `[privacy] retention_days` ago lose who made them: the
 * server's own job (no cron), run by the first worker at start and then every hour. */
typedef struct _AtriumRetention AtriumRetention;

/* Bookings anonymised per transaction: the writer is never held long. */
#define ATRIUM_RETENTION_BATCH 1000

/* One pass at the server's clock: anonymises every booking that ended before the
 * retention period, in batches, each audited (`bookings_anonymised`, actor "system").
 * Idempotent: a second pass, or one in another process, finds nothing left. Returns
 * how many were anonymised, -1 on error. Any thread but the HTTP one. */
gint64           atrium_retention_run   (AtriumServer     *server,
                                         GError          **error);

/* One transaction of it on @db (a connection the caller holds, outside a transaction):
 * at most ATRIUM_RETENTION_BATCH bookings that ended by @cutoff. */
gint64           atrium_retention_batch (AtriumDb         *db,
                                         AtriumClock      *clock,
                                         gint64            cutoff,
                                         gint64            now,
                                         GError          **error);

AtriumRetention *atrium_retention_start (AtriumServer     *server);
void             atrium_retention_stop  (AtriumRetention  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumRetention, atrium_retention_stop)

G_END_DECLS
