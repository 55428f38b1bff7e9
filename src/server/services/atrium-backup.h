/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-server.h"

G_BEGIN_DECLS

/* Backups (issue 9, docs/decisions.md "Backups").
 *
 * A full backup is an encrypted copy of the store (ATTACH … KEY + sqlcipher_export) under
 * a key of its own, <data_dir>/backup.key, never the store's; an incremental one is the
 * change log since the full one it names, under the same key. Files are
 * atrium-full-<UTC time>.db and atrium-incr-<UTC time>-on-<its full's time>.db, written
 * as .partial and renamed when whole. */
#define ATRIUM_BACKUP_KEY_FILE "backup.key"
#define ATRIUM_BACKUP_ERROR    (atrium_backup_error_quark ())

typedef enum
{
  ATRIUM_BACKUP_ERROR_FAILED,
  ATRIUM_BACKUP_ERROR_NO_KEY,      /* backup.key is missing */
  ATRIUM_BACKUP_ERROR_WRONG_KEY,   /* the backup key does not open the file */
  ATRIUM_BACKUP_ERROR_NO_BASE,     /* an incremental backup without its full one */
  ATRIUM_BACKUP_ERROR_RUNNING,     /* the server runs on the data directory */
  ATRIUM_BACKUP_ERROR_TOO_OLD,     /* --until is before the backup */
} AtriumBackupError;

GQuark    atrium_backup_error_quark (void);

/* Makes <data_dir>/backup.key when it is missing; @created_out says whether it did. */
gboolean  atrium_backup_key_ensure  (const char    *data_dir,
                                     gboolean      *created_out,
                                     GError       **error);

/* One backup of @data_dir's store into @to_dir, named after @now_usec; with
 * @incremental, the change log since the newest full backup in @to_dir. Returns the new
 * file's path. */
char     *atrium_backup_make        (const char    *data_dir,
                                     const char    *to_dir,
                                     gboolean       incremental,
                                     gint64         now_usec,
                                     GError       **error);

/* Removes from @dir the backups of the days before the last @keep_days (UTC days of
 * @now_usec, today included) and the incremental backups whose full one is gone. */
gboolean  atrium_backup_rotate      (const char    *dir,
                                     gint64         now_usec,
                                     guint          keep_days,
                                     guint         *removed_out,
                                     GError       **error);

/* Replaces @data_dir's store by the state @from (a full or an incremental backup, whose
 * full one is beside it) holds, up to @until_usec (G_MAXINT64: all of it). The server
 * must be stopped; the previous store is kept as atrium.db.before-restore-<time>.
 * @summary_out: one line for the operator. */
gboolean  atrium_backup_restore     (const char    *data_dir,
                                     const char    *from,
                                     gint64         until_usec,
                                     char         **summary_out,
                                     GError       **error);

/* `serve` holds this (shared) for as long as it runs, `restore` (exclusive) while it
 * replaces the store, so neither runs under the other. Returns the descriptor or -1. */
int       atrium_backup_lock_data_dir (const char  *data_dir,
                                       gboolean     exclusive,
                                       GError     **error);

/* The server's scheduler: the daily full backup at [backup] hour, incremental ones
 * every [backup] incremental_minutes, copies, rotation. */
typedef struct _AtriumBackup AtriumBackup;

/* One pass at the server clock's time; any thread. Returns FALSE (and logs nothing) on
 * failure. @made_out: the backup made, or NULL when none was due. */
gboolean      atrium_backup_tick    (AtriumServer  *server,
                                     char         **made_out,
                                     GError       **error);
AtriumBackup *atrium_backup_start   (AtriumServer  *server);
void          atrium_backup_stop    (AtriumBackup  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumBackup, atrium_backup_stop)

G_END_DECLS
