/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define ATRIUM_DB_ERROR   (atrium_db_error_quark ())
#define ATRIUM_DB_KEY_LEN 32

/**
 * AtriumDbError:
 * @ATRIUM_DB_ERROR_FAILED: any other SQLite failure (the message says which)
 * @ATRIUM_DB_ERROR_WRONG_KEY: the key does not open this file; the file was not changed
 * @ATRIUM_DB_ERROR_NOT_SQLCIPHER: the linked engine is plain SQLite, which would ignore
 *   the key and write plain text; nothing was written
 * @ATRIUM_DB_ERROR_NOT_ENCRYPTED: the file is a plain-text SQLite database
 * @ATRIUM_DB_ERROR_TOO_NEW: the schema is newer than this program knows
 * @ATRIUM_DB_ERROR_CORRUPT: integrity_check found damage
 * @ATRIUM_DB_ERROR_KEY_FILE: a key file is missing, malformed, or readable by others
 * @ATRIUM_DB_ERROR_CONSTRAINT: a constraint (UNIQUE, CHECK, FOREIGN KEY…) refused a write
 * @ATRIUM_DB_ERROR_BUSY: the database stayed locked longer than the busy timeout
 * @ATRIUM_DB_ERROR_EXISTS: the file to be created is already there
 * @ATRIUM_DB_ERROR_NOT_FOUND: the row asked for does not exist
 */
typedef enum
{
  ATRIUM_DB_ERROR_FAILED,
  ATRIUM_DB_ERROR_WRONG_KEY,
  ATRIUM_DB_ERROR_NOT_SQLCIPHER,
  ATRIUM_DB_ERROR_NOT_ENCRYPTED,
  ATRIUM_DB_ERROR_TOO_NEW,
  ATRIUM_DB_ERROR_CORRUPT,
  ATRIUM_DB_ERROR_KEY_FILE,
  ATRIUM_DB_ERROR_CONSTRAINT,
  ATRIUM_DB_ERROR_BUSY,
  ATRIUM_DB_ERROR_EXISTS,
  ATRIUM_DB_ERROR_NOT_FOUND,
} AtriumDbError;

typedef enum
{
  ATRIUM_DB_OPEN_DEFAULT = 0,
  ATRIUM_DB_OPEN_CREATE  = 1 << 0,   /* create the file (0600) when it does not exist */
  ATRIUM_DB_OPEN_DURABLE = 1 << 1,   /* synchronous=FULL: the server's store */
  ATRIUM_DB_OPEN_READONLY = 1 << 2,  /* read only, journal mode left as it is: a backup */
} AtriumDbOpenFlags;

typedef struct
{
  int         version;   /* 1, 2, 3 … in order */
  const char *sql;       /* run in the same transaction that records the version */
} AtriumMigration;

typedef struct _AtriumDb AtriumDb;

GQuark      atrium_db_error_quark        (void);

AtriumDb   *atrium_db_open               (const char            *path,
                                          const guint8           key[ATRIUM_DB_KEY_LEN],
                                          AtriumDbOpenFlags      flags,
                                          GError               **error);
void        atrium_db_close              (AtriumDb              *db);
sqlite3    *atrium_db_get_handle         (AtriumDb              *db);
sqlite3_stmt *atrium_db_cached         (AtriumDb              *db,
                                          const char            *sql,
                                          GError               **error);
const char *atrium_db_get_path           (AtriumDb              *db);
const char *atrium_db_get_cipher_version (AtriumDb              *db);

gboolean    atrium_db_check_engine       (sqlite3               *handle,
                                          char                 **version_out,
                                          GError               **error);
gboolean    atrium_db_exec               (AtriumDb              *db,
                                          const char            *sql,
                                          GError               **error);
gboolean    atrium_db_set_error          (AtriumDb              *db,
                                          int                    rc,
                                          const char            *what,
                                          GError               **error);

int         atrium_db_get_schema_version (AtriumDb              *db,
                                          GError               **error);
gboolean    atrium_db_migrate            (AtriumDb              *db,
                                          const AtriumMigration *migrations,
                                          guint                  n_migrations,
                                          int                   *applied_out,
                                          GError               **error);
gboolean    atrium_db_integrity_check    (AtriumDb              *db,
                                          GError               **error);
/* Creates @path 0600 (its -wal and -shm will copy that mode). */
gboolean    atrium_db_create_private_file (const char           *path,
                                           gboolean              must_not_exist,
                                           GError              **error);
gboolean    atrium_db_attach_encrypted   (AtriumDb              *db,
                                          const char            *path,
                                          const char            *schema,
                                          const guint8           key[ATRIUM_DB_KEY_LEN],
                                          GError               **error);
gboolean    atrium_db_export_encrypted   (AtriumDb              *db,
                                          const char            *dest_path,
                                          const guint8           dest_key[ATRIUM_DB_KEY_LEN],
                                          GError               **error);
/* The same, and @extra_sql (may be NULL) run in the export's transaction, where the copy
 * is the schema `atrium_export`: what the copy should say about itself. */
gboolean    atrium_db_export_encrypted_with (AtriumDb           *db,
                                             const char         *dest_path,
                                             const guint8        dest_key[ATRIUM_DB_KEY_LEN],
                                             const char         *extra_sql,
                                             GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumDb, atrium_db_close)

G_END_DECLS
