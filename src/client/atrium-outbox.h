/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "atrium-api.h"
#include "atrium-clock.h"
#include "atrium-db.h"

G_BEGIN_DECLS

#define ATRIUM_OUTBOX_ERROR (atrium_outbox_error_quark ())

/**
 * AtriumOutboxError:
 * @ATRIUM_OUTBOX_ERROR_WRONG_KEY: the key does not open the outbox file; nothing was
 *   changed or removed (the file holds unsent work: see docs/decisions.md)
 * @ATRIUM_OUTBOX_ERROR_UNREADABLE: the file is damaged, plain text or from a newer Atrium;
 *   nothing was changed or removed
 * @ATRIUM_OUTBOX_ERROR_INVALID: the request to queue is malformed; nothing was queued
 * @ATRIUM_OUTBOX_ERROR_NOT_FOUND: no failed item with that id
 * @ATRIUM_OUTBOX_ERROR_BUSY: a flush is already running
 * @ATRIUM_OUTBOX_ERROR_FAILED: the file could not be read or written
 */
typedef enum
{
  ATRIUM_OUTBOX_ERROR_WRONG_KEY,
  ATRIUM_OUTBOX_ERROR_UNREADABLE,
  ATRIUM_OUTBOX_ERROR_INVALID,
  ATRIUM_OUTBOX_ERROR_NOT_FOUND,
  ATRIUM_OUTBOX_ERROR_BUSY,
  ATRIUM_OUTBOX_ERROR_FAILED,
} AtriumOutboxError;

GQuark atrium_outbox_error_quark (void);

typedef enum
{
  ATRIUM_OUTBOX_BOOKING,
  ATRIUM_OUTBOX_CANCEL,
  ATRIUM_OUTBOX_CHECKIN,
} AtriumOutboxKind;

/**
 * AtriumOutboxItem:
 * @id: the item's number in the outbox (order of queueing)
 * @kind: what it does
 * @request: the request as queued: {"resource_id", "start", "end", "group_size"} for a
 *   booking, {"booking_id"} for a cancellation, {"code"} for a check-in
 * @idempotency_key: made once when queued, sent with every attempt
 * @queued_at: unix seconds
 * @failed_at: for a failed item, unix seconds; else 0 (the fields below are unset)
 * @error_code: for a failed item, the #AtriumApiError the server's answer was
 * @server_code: the server's `error` ("slot_taken"…), for the UI to phrase
 * @message: the server's message (plain text, for logs)
 * @rule: for a rule violation, the rule
 * @request_id: the server's request id, to quote
 */
typedef struct
{
  gint64            id;
  AtriumOutboxKind  kind;
  JsonNode         *request;
  char             *idempotency_key;
  gint64            queued_at;
  gint64            failed_at;
  AtriumApiError    error_code;
  char             *server_code;
  char             *message;
  char             *rule;
  char             *request_id;
} AtriumOutboxItem;

#define ATRIUM_TYPE_OUTBOX_ITEM (atrium_outbox_item_get_type ())
GType             atrium_outbox_item_get_type (void) G_GNUC_CONST;
AtriumOutboxItem *atrium_outbox_item_copy     (const AtriumOutboxItem *item);
void              atrium_outbox_item_free     (AtriumOutboxItem       *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumOutboxItem, atrium_outbox_item_free)

#define ATRIUM_TYPE_OUTBOX (atrium_outbox_get_type ())
G_DECLARE_FINAL_TYPE (AtriumOutbox, atrium_outbox, ATRIUM, OUTBOX, GObject)

/* Its own SQLCipher file (never the cache's), synchronous=FULL: an item is on disk when
 * enqueue returns. A file the key does not open is an error and is left as it is. */
AtriumOutbox *atrium_outbox_open            (const char        *path,
                                             const guint8       key[ATRIUM_DB_KEY_LEN],
                                             GError           **error);
/* The same in a thread of its own. */
void          atrium_outbox_open_async      (const char        *path,
                                             const guint8       key[ATRIUM_DB_KEY_LEN],
                                             GCancellable      *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer           user_data);
AtriumOutbox *atrium_outbox_open_finish     (GAsyncResult      *result,
                                             GError           **error);
const char   *atrium_outbox_get_path        (AtriumOutbox      *self);
void          atrium_outbox_set_clock       (AtriumOutbox      *self,
                                             AtriumClock       *clock);

/* Each answers the new item's id (> 0), or 0 and @error. */
gint64        atrium_outbox_enqueue_booking (AtriumOutbox      *self,
                                             gint64             resource_id,
                                             const char        *start,
                                             const char        *end,
                                             guint              group_size,
                                             GError           **error);
gint64        atrium_outbox_enqueue_cancel  (AtriumOutbox      *self,
                                             gint64             booking_id,
                                             GError           **error);
gint64        atrium_outbox_enqueue_checkin (AtriumOutbox      *self,
                                             const char        *code,
                                             GError           **error);

/* Every SQLCipher call runs in the outbox's one worker thread, in the order the calls
 * were made (docs/decisions.md). The synchronous calls above and below wait for theirs;
 * the UI thread uses the _async ones, which answer in the caller's main context. */
void          atrium_outbox_enqueue_booking_async (AtriumOutbox        *self,
                                                   gint64               resource_id,
                                                   const char          *start,
                                                   const char          *end,
                                                   guint                group_size,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void          atrium_outbox_enqueue_cancel_async  (AtriumOutbox        *self,
                                                   gint64               booking_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void          atrium_outbox_enqueue_checkin_async (AtriumOutbox        *self,
                                                   const char          *code,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* The new item's id (> 0), or 0 and @error. */
gint64        atrium_outbox_enqueue_finish        (AtriumOutbox        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

guint         atrium_outbox_get_queued      (AtriumOutbox      *self);
gboolean      atrium_outbox_get_paused      (AtriumOutbox      *self);

/* In order; element type AtriumOutboxItem. */
GPtrArray    *atrium_outbox_list_queued     (AtriumOutbox      *self,
                                             GError           **error);
GPtrArray    *atrium_outbox_list_failed     (AtriumOutbox      *self,
                                             GError           **error);
gboolean      atrium_outbox_dismiss_failed  (AtriumOutbox      *self,
                                             gint64             id,
                                             GError           **error);
/* @failed: the failed items, else the queued ones. */
void          atrium_outbox_list_async      (AtriumOutbox       *self,
                                             gboolean            failed,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray    *atrium_outbox_list_finish     (AtriumOutbox       *self,
                                             GAsyncResult       *result,
                                             GError            **error);
void          atrium_outbox_dismiss_failed_async  (AtriumOutbox        *self,
                                                   gint64               id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean      atrium_outbox_dismiss_failed_finish (AtriumOutbox        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Sends the queued items one at a time, in order. Finishes TRUE when the queue is empty;
 * FALSE with the error that stopped it (OFFLINE, SERVER, RATE_LIMITED, UNAUTHORISED…),
 * the item that met it and those after it still queued. */
void          atrium_outbox_flush_async     (AtriumOutbox       *self,
                                             AtriumApi          *api,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
gboolean      atrium_outbox_flush_finish    (AtriumOutbox       *self,
                                             GAsyncResult       *result,
                                             GError            **error);

G_END_DECLS
