/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"
#include "atrium-store-schema.h"

G_BEGIN_DECLS

#define ATRIUM_STORE_FILE     "atrium.db"
#define ATRIUM_STORE_KEY_FILE "atrium.key"

int                    atrium_store_latest_version (void);
AtriumDb              *atrium_store_open           (const char  *data_dir,
                                                    gboolean     create,
                                                    int         *applied_out,
                                                    GError     **error);

/* The server's connections: one writer (all writes go through it, in turn) and a pool
 * of readers. Every call may block and belongs on a worker thread, never the HTTP one. */
typedef struct _AtriumStore AtriumStore;

AtriumStore           *atrium_store_new            (const char  *data_dir,
                                                    guint        n_readers,
                                                    GError     **error);
void                   atrium_store_free           (AtriumStore *store);
const char            *atrium_store_get_data_dir   (AtriumStore *store);
AtriumDb              *atrium_store_write_begin    (AtriumStore *store);
void                   atrium_store_write_end      (AtriumStore *store);
AtriumDb              *atrium_store_read_begin     (AtriumStore *store);
void                   atrium_store_read_end       (AtriumStore *store,
                                                    AtriumDb    *db);
AtriumDb              *atrium_store_open_reader    (AtriumStore *store,
                                                    GError     **error);

/* A write that may share its transaction with others (group commit): see
 * atrium_store_write_unit() in atrium-store.c. */
typedef gboolean (*AtriumStoreUnitFunc) (AtriumDb  *db,
                                         gpointer   data,
                                         GError   **error);
gboolean               atrium_store_write_unit     (AtriumStore          *store,
                                                    AtriumStoreUnitFunc   func,
                                                    gpointer              data,
                                                    GError              **error);
void                   atrium_store_get_group_counts (AtriumStore *store,
                                                      guint64     *batches,
                                                      guint64     *units);

/* For caches of sessions and accounts (atrium-auth.c): see atrium-store.c. */
guint                  atrium_store_get_auth_generation (AtriumStore *store);
gboolean               atrium_store_session_touch       (AtriumStore  *store,
                                                         gint64        session_id,
                                                         gint64        now,
                                                         GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumStore, atrium_store_free)

G_END_DECLS
