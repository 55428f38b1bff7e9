/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-db.h"

G_BEGIN_DECLS

/* What a backup file says about itself, in its table `atrium_backup` (one row). */
typedef struct
{
  gboolean  incremental;
  gint64    taken_at_ms;    /* wall clock, as the change log's `at` */
  gint64    through_id;     /* the last change_log id the backup holds */
  gint64    through_at_ms;  /* and that change's time (0: none) */
  gint64    base_through;   /* incremental: the through_id of its full backup */
  char     *base;           /* incremental: the file name of its full backup */
  int       schema_version;
} AtriumBackupMeta;

void      atrium_backup_meta_clear        (AtriumBackupMeta  *meta);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AtriumBackupMeta, atrium_backup_meta_clear)

/* (Re)creates the triggers that fill change_log, from the tables as they are now; does
 * nothing when they are current. Called at every atrium_store_open(). */
gboolean  atrium_store_changelog_sync     (AtriumDb          *db,
                                           GError           **error);

/* A full encrypted copy of @db at @dest under @key, with its own description. */
gboolean  atrium_store_backup_full        (AtriumDb          *db,
                                           const char        *dest,
                                           const guint8       key[ATRIUM_DB_KEY_LEN],
                                           GError           **error);
/* The change log after @base's through_id, at @dest under @key; refuses when part of it
 * was purged or the schema changed since @base. */
gboolean  atrium_store_backup_incremental (AtriumDb                *db,
                                           const char              *dest,
                                           const guint8             key[ATRIUM_DB_KEY_LEN],
                                           const char              *base_name,
                                           const AtriumBackupMeta  *base,
                                           GError                 **error);
/* Reads the description of a backup opened read-only. */
gboolean  atrium_store_backup_read_meta   (AtriumDb          *backup,
                                           AtriumBackupMeta  *meta_out,
                                           GError           **error);
/* Makes @db (a restored full backup) the state at @until_ms (G_MAXINT64: all) by
 * replaying the changes of @incremental (or none, with NULL); drops the description
 * table. Returns the number of changes replayed, -1 on error. */
gint64    atrium_store_backup_replay      (AtriumDb          *db,
                                           AtriumDb          *incremental,
                                           gint64             until_ms,
                                           GError           **error);
/* Forgets the changes before @through_id (held by every backup still kept); that one
 * stays, for the check of atrium_store_backup_incremental(). */
gboolean  atrium_store_changelog_purge    (AtriumDb          *db,
                                           gint64             through_id,
                                           GError           **error);

G_END_DECLS
