/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-client"

#include "config.h"

#include "atrium-outbox.h"

#include <string.h>

#include "atrium-json.h"
#include "atrium-random.h"

/* A queued request is small: a booking is four fields. */
#define MAX_REQUEST_BYTES (64 * 1024)

G_DEFINE_QUARK (atrium-outbox-error-quark, atrium_outbox_error)

/* `item` is the queue, in id order; `failed` what the server refused, until the UI
 * dismisses it. Both keep the request as queued and its idempotency key. */
static const AtriumMigration migrations[] = {
  { 1,
    "CREATE TABLE item ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  kind TEXT NOT NULL CHECK (kind IN ('booking', 'cancel', 'checkin')),"
    "  request TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  queued_at INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE failed ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('booking', 'cancel', 'checkin')),"
    "  request TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL,"
    "  queued_at INTEGER NOT NULL,"
    "  failed_at INTEGER NOT NULL,"
    "  error_code INTEGER NOT NULL,"
    "  server_code TEXT,"
    "  message TEXT,"
    "  rule TEXT,"
    "  request_id TEXT);" },
};

static const char *const kind_names[] = { "booking", "cancel", "checkin" };

struct _AtriumOutbox
{
  GObject   parent_instance;

  AtriumDb *db;            /* used by the worker thread only, once open */
  char     *path;
  GThreadPool *worker;     /* one thread: every SQLCipher call, in the order asked */
  gint      worker_queued; /* atomic: the count the worker last saw */
  guint     queued;        /* the count the caller's thread was told */
  gboolean  paused;
  gboolean  flushing;
  AtriumClock *clock;
  gint64    not_before;   /* unix µs by the clock: a 429's Retry-After */
};

G_DEFINE_FINAL_TYPE (AtriumOutbox, atrium_outbox, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_QUEUED,
  PROP_PAUSED,
  N_PROPS
};

enum
{
  SIGNAL_ITEM_DONE,
  SIGNAL_ITEM_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- items -------------------------------------------------------------------------- */

AtriumOutboxItem *
atrium_outbox_item_copy (const AtriumOutboxItem *item)
{
  AtriumOutboxItem *copy = g_new0 (AtriumOutboxItem, 1);

  *copy = *item;
  copy->request = item->request != NULL ? json_node_copy (item->request) : NULL;
  copy->idempotency_key = g_strdup (item->idempotency_key);
  copy->server_code = g_strdup (item->server_code);
  copy->message = g_strdup (item->message);
  copy->rule = g_strdup (item->rule);
  copy->request_id = g_strdup (item->request_id);
  return copy;
}

void
atrium_outbox_item_free (AtriumOutboxItem *item)
{
  if (item == NULL)
    return;
  g_clear_pointer (&item->request, json_node_unref);
  g_free (item->idempotency_key);
  g_free (item->server_code);
  g_free (item->message);
  g_free (item->rule);
  g_free (item->request_id);
  g_free (item);
}

G_DEFINE_BOXED_TYPE (AtriumOutboxItem, atrium_outbox_item, atrium_outbox_item_copy,
                     atrium_outbox_item_free)

/* ---- the object --------------------------------------------------------------------- */

static void
atrium_outbox_finalize (GObject *object)
{
  AtriumOutbox *self = ATRIUM_OUTBOX (object);

  /* Every job holds a reference (its task, or its waiting caller): none is left. */
  if (self->worker != NULL)
    g_thread_pool_free (self->worker, FALSE, TRUE);
  g_clear_pointer (&self->db, atrium_db_close);
  g_clear_object (&self->clock);
  g_free (self->path);
  G_OBJECT_CLASS (atrium_outbox_parent_class)->finalize (object);
}

static void
atrium_outbox_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  AtriumOutbox *self = ATRIUM_OUTBOX (object);

  switch (prop_id)
    {
    case PROP_QUEUED:
      g_value_set_uint (value, self->queued);
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_outbox_class_init (AtriumOutboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = atrium_outbox_finalize;
  object_class->get_property = atrium_outbox_get_property;

  /* How many items wait to be sent (the badge the UI shows). */
  properties[PROP_QUEUED] =
    g_param_spec_uint ("queued", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* TRUE after the server answered 401: the UI brings the sign-in back, then flushes. */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (item, the server's answer: the booking with its id and check-in code, the cancelled
   * booking, the check-in result). The item has left the queue. */
  signals[SIGNAL_ITEM_DONE] =
    g_signal_new ("item-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2,
                  ATRIUM_TYPE_OUTBOX_ITEM | G_SIGNAL_TYPE_STATIC_SCOPE,
                  JSON_TYPE_NODE | G_SIGNAL_TYPE_STATIC_SCOPE);
  /* (item with its error fields): the server refused it; it is in the failed list. */
  signals[SIGNAL_ITEM_FAILED] =
    g_signal_new ("item-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                  ATRIUM_TYPE_OUTBOX_ITEM | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
atrium_outbox_init (AtriumOutbox *self)
{
  self->clock = atrium_clock_new_system ();
}

/* ---- SQL ---------------------------------------------------------------------------- */

static gboolean
db_failed (AtriumOutbox  *self,
           int            rc,
           const char    *what,
           GError       **error)
{
  g_autoptr(GError) local = NULL;

  atrium_db_set_error (self->db, rc, what, &local);
  g_set_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_FAILED, "Outbox: %s",
               local->message);
  return FALSE;
}

static sqlite3_stmt *
prepare (AtriumOutbox  *self,
         const char    *sql,
         GError       **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (atrium_db_get_handle (self->db), sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      db_failed (self, rc, "prepare", error);
      return NULL;
    }
  return stmt;
}

/* Runs a statement that answers no rows; finalizes it. */
static gboolean
run_done (AtriumOutbox  *self,
          sqlite3_stmt  *stmt,
          const char    *what,
          GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return db_failed (self, rc, what, error);
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, index));
}

static gboolean
count_queued (AtriumOutbox  *self,
              guint         *count_out,
              GError       **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT count(*) FROM item", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *count_out = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return db_failed (self, rc, "count", error);
  return TRUE;
}

/* In the worker, after a change: the count for the caller's thread to publish. */
static void
refresh_queued (AtriumOutbox *self)
{
  g_autoptr(GError) error = NULL;
  guint count = 0;

  if (!count_queued (self, &count, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  g_atomic_int_set (&self->worker_queued, (gint) count);
}

/* In the caller's thread, after a job: "queued" notifies there. */
static void
publish_queued (AtriumOutbox *self)
{
  guint count = (guint) g_atomic_int_get (&self->worker_queued);

  if (count != self->queued)
    {
      self->queued = count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUED]);
    }
}

/* ---- the worker --------------------------------------------------------------------- */

/* One piece of SQLCipher work, run in the worker thread; *result_out is what the caller
 * gets (non-NULL on success). */
typedef gboolean (*JobFunc) (AtriumOutbox  *self,
                             gpointer       data,
                             gpointer      *result_out,
                             GError       **error);

typedef struct
{
  GMutex    lock;
  GCond     cond;
  gboolean  done;
  gpointer  result;
  GError   *error;
} Wait;

typedef struct
{
  JobFunc         func;
  gpointer        data;
  GDestroyNotify  result_free;
  GTask          *task;   /* asynchronous: answered in its context */
  Wait           *wait;   /* synchronous: its caller waits on it */
  gpointer        result;
  GError         *error;
} Job;

/* What a job that answers nothing else answers. */
#define JOB_DONE GINT_TO_POINTER (1)

/* In the task's context: the answer, and the task's last reference dropped there, so
 * that the outbox is never finalised in the worker (which it would wait for). */
static gboolean
answer_job (gpointer data)
{
  Job *job = data;

  if (job->error != NULL)
    g_task_return_error (job->task, job->error);
  else
    g_task_return_pointer (job->task, job->result, job->result_free);
  g_object_unref (job->task);
  g_free (job);
  return G_SOURCE_REMOVE;
}

static void
work (gpointer job_data,
      gpointer pool_data)
{
  Job *job = job_data;

  if (!job->func (pool_data, job->data, &job->result, &job->error))
    g_assert (job->error != NULL);
  if (job->task != NULL)
    {
      /* Nothing of the job is touched here after this. */
      g_main_context_invoke (g_task_get_context (job->task), answer_job, job);
      return;
    }
  g_mutex_lock (&job->wait->lock);
  job->wait->result = job->result;
  job->wait->error = job->error;
  job->wait->done = TRUE;
  g_cond_signal (&job->wait->cond);
  g_mutex_unlock (&job->wait->lock);
  g_free (job);
}

/* For the synchronous calls kept from before: queued behind what is under way, and
 * waited for. */
static gpointer
run_sync (AtriumOutbox  *self,
          JobFunc        func,
          gpointer       data,
          GError       **error)
{
  Job *job = g_new0 (Job, 1);
  Wait wait = { 0 };

  g_mutex_init (&wait.lock);
  g_cond_init (&wait.cond);
  job->func = func;
  job->data = data;
  job->wait = &wait;
  g_thread_pool_push (self->worker, job, NULL);
  g_mutex_lock (&wait.lock);
  while (!wait.done)
    g_cond_wait (&wait.cond, &wait.lock);
  g_mutex_unlock (&wait.lock);
  g_mutex_clear (&wait.lock);
  g_cond_clear (&wait.cond);
  publish_queued (self);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.result;
}

/* @data belongs to the task. What the job did is answered even if @cancellable fires
 * meanwhile: a queued item is not said to be lost. */
static void
run_async (AtriumOutbox        *self,
           gpointer             source_tag,
           JobFunc              func,
           gpointer             data,
           GDestroyNotify       data_free,
           GDestroyNotify       result_free,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);

  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  g_task_set_check_cancellable (job->task, FALSE);
  g_task_set_task_data (job->task, data, data_free);
  job->func = func;
  job->data = data;
  job->result_free = result_free;
  g_thread_pool_push (self->worker, job, NULL);
}

static gpointer
job_finish (AtriumOutbox  *self,
            GAsyncResult  *result,
            gpointer       source_tag,
            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  publish_queued (self);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
set_paused (AtriumOutbox *self,
            gboolean      paused)
{
  if (self->paused == paused)
    return;
  self->paused = paused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

/* ---- opening ------------------------------------------------------------------------ */

/**
 * atrium_outbox_open:
 * @path: the outbox file (created 0600 when missing)
 * @key: its 256-bit key
 *
 * Unlike the cache, a file that cannot be opened is never removed: it holds work the
 * server has not seen. The error says why (WRONG_KEY, UNREADABLE) and the file is as it
 * was; what the app does then is in docs/decisions.md.
 */
AtriumOutbox *
atrium_outbox_open (const char    *path,
                    const guint8   key[ATRIUM_DB_KEY_LEN],
                    GError       **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(AtriumDb) db = NULL;
  AtriumOutbox *self;

  g_return_val_if_fail (path != NULL && key != NULL, NULL);

  db = atrium_db_open (path, key, ATRIUM_DB_OPEN_CREATE | ATRIUM_DB_OPEN_DURABLE, &local);
  if (db != NULL)
    {
      /* What was sent and removed is overwritten, not left in free pages. */
      if (!atrium_db_migrate (db, migrations, G_N_ELEMENTS (migrations), NULL, &local) ||
          !atrium_db_exec (db, "PRAGMA secure_delete = ON;", &local))
        g_clear_pointer (&db, atrium_db_close);
    }
  if (db == NULL)
    {
      if (g_error_matches (local, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_WRONG_KEY))
        g_set_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_WRONG_KEY,
                     "The outbox %s cannot be opened with this key; it was left as it is "
                     "(it may hold unsent bookings)", path);
      else if (g_error_matches (local, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_NOT_ENCRYPTED) ||
               g_error_matches (local, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_CORRUPT) ||
               g_error_matches (local, ATRIUM_DB_ERROR, ATRIUM_DB_ERROR_TOO_NEW))
        g_set_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_UNREADABLE,
                     "The outbox %s cannot be read (%s); it was left as it is",
                     path, local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }

  self = g_object_new (ATRIUM_TYPE_OUTBOX, NULL);
  self->db = g_steal_pointer (&db);
  self->path = g_strdup (path);
  if (!count_queued (self, &self->queued, error))
    {
      g_object_unref (self);
      return NULL;
    }
  self->worker_queued = (gint) self->queued;
  /* From here on the database is the worker's. */
  self->worker = g_thread_pool_new (work, self, 1, FALSE, NULL);
  return self;
}

typedef struct
{
  char   *path;
  guint8  key[ATRIUM_DB_KEY_LEN];
} Open;

static void
open_free (gpointer data)
{
  Open *open = data;

  g_free (open->path);
  atrium_secure_zero (open->key, sizeof open->key);
  g_free (open);
}

static void
open_in_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  Open *open = data;
  GError *error = NULL;
  AtriumOutbox *outbox = atrium_outbox_open (open->path, open->key, &error);

  if (outbox == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, outbox, g_object_unref);
}

/* atrium_outbox_open() in a thread of its own (the key derivation and the migration). */
void
atrium_outbox_open_async (const char          *path,
                          const guint8         key[ATRIUM_DB_KEY_LEN],
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Open *open;

  g_return_if_fail (path != NULL && key != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_outbox_open_async);
  open = g_new0 (Open, 1);
  open->path = g_strdup (path);
  memcpy (open->key, key, sizeof open->key);
  g_task_set_task_data (task, open, open_free);
  g_task_run_in_thread (task, open_in_thread);
}

AtriumOutbox *
atrium_outbox_open_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
atrium_outbox_get_path (AtriumOutbox *self)
{
  g_return_val_if_fail (ATRIUM_IS_OUTBOX (self), NULL);

  return self->path;
}

/* The clock queued_at, failed_at and a Retry-After are counted by (the system's unless
 * a test sets its own). */
void
atrium_outbox_set_clock (AtriumOutbox *self,
                         AtriumClock  *clock)
{
  g_return_if_fail (ATRIUM_IS_OUTBOX (self));
  g_return_if_fail (ATRIUM_IS_CLOCK (clock));

  g_set_object (&self->clock, clock);
}

guint
atrium_outbox_get_queued (AtriumOutbox *self)
{
  g_return_val_if_fail (ATRIUM_IS_OUTBOX (self), 0);

  return self->queued;
}

gboolean
atrium_outbox_get_paused (AtriumOutbox *self)
{
  g_return_val_if_fail (ATRIUM_IS_OUTBOX (self), FALSE);

  return self->paused;
}

/* ---- queueing ----------------------------------------------------------------------- */

typedef struct
{
  AtriumOutboxKind  kind;
  char             *request;
} Enqueue;

static void
enqueue_free (gpointer data)
{
  Enqueue *enqueue = data;

  g_free (enqueue->request);
  g_free (enqueue);
}

/* Answers the new id (a gint64). */
static gboolean
job_enqueue (AtriumOutbox  *self,
             gpointer       data,
             gpointer      *result_out,
             GError       **error)
{
  Enqueue *enqueue = data;
  g_autofree char *key = atrium_api_new_idempotency_key ();
  sqlite3_stmt *stmt;
  gint64 *id;

  stmt = prepare (self, "INSERT INTO item (kind, request, idempotency_key, queued_at) "
                        "VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, kind_names[enqueue->kind]);
  bind_text (stmt, 2, enqueue->request);
  bind_text (stmt, 3, key);
  sqlite3_bind_int64 (stmt, 4, atrium_clock_now (self->clock));
  if (!run_done (self, stmt, "enqueue", error))
    return FALSE;
  id = g_new (gint64, 1);
  *id = sqlite3_last_insert_rowid (atrium_db_get_handle (self->db));
  refresh_queued (self);
  *result_out = id;
  return TRUE;
}

static Enqueue *
enqueue_new (AtriumOutboxKind  kind,
             JsonBuilder      *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  Enqueue *enqueue = g_new0 (Enqueue, 1);

  enqueue->kind = kind;
  enqueue->request = atrium_json_write (root);
  return enqueue;
}

static gint64
enqueue (AtriumOutbox      *self,
         AtriumOutboxKind   kind,
         JsonBuilder       *builder,
         GError           **error)
{
  Enqueue *enqueue = enqueue_new (kind, builder);
  g_autofree gint64 *id = run_sync (self, job_enqueue, enqueue, error);

  enqueue_free (enqueue);
  return id != NULL ? *id : 0;
}

/* A date-time as the server takes it: RFC 3339 with its offset ("2026-11-24T09:00:00Z"). */
static gboolean
time_text_valid (const char *text)
{
  g_autoptr(GDateTime) parsed = NULL;

  if (text == NULL || strlen (text) > 64)
    return FALSE;
  parsed = g_date_time_new_from_iso8601 (text, NULL);
  return parsed != NULL;
}

static JsonBuilder *
booking_request (gint64       resource_id,
                 const char  *start,
                 const char  *end,
                 guint        group_size,
                 GError     **error)
{
  JsonBuilder *builder;

  if (resource_id <= 0 || !time_text_valid (start) || !time_text_valid (end) ||
      group_size > 10000)
    {
      g_set_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_INVALID,
                   "A booking needs a resource, and its start and end with their offset");
      return NULL;
    }
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "resource_id");
  json_builder_add_int_value (builder, resource_id);
  json_builder_set_member_name (builder, "start");
  json_builder_add_string_value (builder, start);
  json_builder_set_member_name (builder, "end");
  json_builder_add_string_value (builder, end);
  json_builder_set_member_name (builder, "group_size");
  json_builder_add_int_value (builder, group_size);
  json_builder_end_object (builder);
  return builder;
}

static JsonBuilder *
cancel_request (gint64   booking_id,
                GError **error)
{
  JsonBuilder *builder;

  if (booking_id <= 0)
    {
      g_set_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_INVALID,
                   "A cancellation needs the booking's id");
      return NULL;
    }
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "booking_id");
  json_builder_add_int_value (builder, booking_id);
  json_builder_end_object (builder);
  return builder;
}

static JsonBuilder *
checkin_request (const char  *code,
                 GError     **error)
{
  JsonBuilder *builder;

  if (code == NULL || *code == '\0' || strlen (code) > 4096 ||
      !g_utf8_validate (code, -1, NULL))
    {
      g_set_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_INVALID,
                   "A check-in needs the code that was scanned");
      return NULL;
    }
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_end_object (builder);
  return builder;
}

gint64
atrium_outbox_enqueue_booking (AtriumOutbox  *self,
                               gint64         resource_id,
                               const char    *start,
                               const char    *end,
                               guint          group_size,
                               GError       **error)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (ATRIUM_IS_OUTBOX (self), 0);

  builder = booking_request (resource_id, start, end, group_size, error);
  return builder != NULL ? enqueue (self, ATRIUM_OUTBOX_BOOKING, builder, error) : 0;
}

gint64
atrium_outbox_enqueue_cancel (AtriumOutbox  *self,
                              gint64         booking_id,
                              GError       **error)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (ATRIUM_IS_OUTBOX (self), 0);

  builder = cancel_request (booking_id, error);
  return builder != NULL ? enqueue (self, ATRIUM_OUTBOX_CANCEL, builder, error) : 0;
}

gint64
atrium_outbox_enqueue_checkin (AtriumOutbox  *self,
                               const char    *code,
                               GError       **error)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (ATRIUM_IS_OUTBOX (self), 0);

  builder = checkin_request (code, error);
  return builder != NULL ? enqueue (self, ATRIUM_OUTBOX_CHECKIN, builder, error) : 0;
}

/* The same without waiting: @builder NULL when the request was refused (@invalid). */
static void
enqueue_async (AtriumOutbox        *self,
               AtriumOutboxKind     kind,
               JsonBuilder         *builder,
               GError              *invalid,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  if (builder == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, atrium_outbox_enqueue_finish);
      g_task_return_error (task, invalid);
      return;
    }
  run_async (self, atrium_outbox_enqueue_finish, job_enqueue, enqueue_new (kind, builder),
             enqueue_free, g_free, cancellable, callback, user_data);
}

void
atrium_outbox_enqueue_booking_async (AtriumOutbox        *self,
                                     gint64               resource_id,
                                     const char          *start,
                                     const char          *end,
                                     guint                group_size,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  GError *invalid = NULL;

  g_return_if_fail (ATRIUM_IS_OUTBOX (self));

  builder = booking_request (resource_id, start, end, group_size, &invalid);
  enqueue_async (self, ATRIUM_OUTBOX_BOOKING, builder, invalid, cancellable, callback,
                 user_data);
}

void
atrium_outbox_enqueue_cancel_async (AtriumOutbox        *self,
                                    gint64               booking_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  GError *invalid = NULL;

  g_return_if_fail (ATRIUM_IS_OUTBOX (self));

  builder = cancel_request (booking_id, &invalid);
  enqueue_async (self, ATRIUM_OUTBOX_CANCEL, builder, invalid, cancellable, callback,
                 user_data);
}

void
atrium_outbox_enqueue_checkin_async (AtriumOutbox        *self,
                                     const char          *code,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  GError *invalid = NULL;

  g_return_if_fail (ATRIUM_IS_OUTBOX (self));

  builder = checkin_request (code, &invalid);
  enqueue_async (self, ATRIUM_OUTBOX_CHECKIN, builder, invalid, cancellable, callback,
                 user_data);
}

gint64
atrium_outbox_enqueue_finish (AtriumOutbox  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_autofree gint64 *id = job_finish (self, result, atrium_outbox_enqueue_finish, error);

  return id != NULL ? *id : 0;
}

/* ---- reading ------------------------------------------------------------------------ */

static gboolean
kind_from_name (const char       *name,
                AtriumOutboxKind *kind_out)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (name, kind_names[i]) == 0)
      {
        *kind_out = i;
        return TRUE;
      }
  return FALSE;
}

/* Columns: id, kind, request, idempotency_key, queued_at[, failed_at, error_code,
 * server_code, message, rule, request_id]. */
static AtriumOutboxItem *
item_from_row (AtriumOutbox  *self,
               sqlite3_stmt  *stmt,
               gboolean       failed,
               GError       **error)
{
  g_autoptr(AtriumOutboxItem) item = g_new0 (AtriumOutboxItem, 1);
  const char *request = (const char *) sqlite3_column_text (stmt, 2);

  item->id = sqlite3_column_int64 (stmt, 0);
  if (!kind_from_name ((const char *) sqlite3_column_text (stmt, 1), &item->kind))
    {
      g_set_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_UNREADABLE,
                   "Outbox item %" G_GINT64_FORMAT " has an unknown kind", item->id);
      return NULL;
    }
  item->request = atrium_json_parse (request, strlen (request), MAX_REQUEST_BYTES, NULL,
                                     NULL);
  if (item->request == NULL || !JSON_NODE_HOLDS_OBJECT (item->request))
    {
      g_set_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_UNREADABLE,
                   "Outbox item %" G_GINT64_FORMAT " cannot be read", item->id);
      return NULL;
    }
  item->idempotency_key = column_text (stmt, 3);
  item->queued_at = sqlite3_column_int64 (stmt, 4);
  if (failed)
    {
      item->failed_at = sqlite3_column_int64 (stmt, 5);
      item->error_code = sqlite3_column_int (stmt, 6);
      item->server_code = column_text (stmt, 7);
      item->message = column_text (stmt, 8);
      item->rule = column_text (stmt, 9);
      item->request_id = column_text (stmt, 10);
    }
  return g_steal_pointer (&item);
}

static GPtrArray *
list_items (AtriumOutbox  *self,
            const char    *sql,
            gboolean       failed,
            GError       **error)
{
  g_autoptr(GPtrArray) items =
    g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_outbox_item_free);
  sqlite3_stmt *stmt = prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AtriumOutboxItem *item = item_from_row (self, stmt, failed, error);

      if (item == NULL)
        {
          sqlite3_finalize (stmt);
          return NULL;
        }
      g_ptr_array_add (items, item);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      db_failed (self, rc, "list", error);
      return NULL;
    }
  return g_steal_pointer (&items);
}

static const char queued_sql[] = "SELECT id, kind, request, idempotency_key, queued_at "
                                 "FROM item ORDER BY id";
static const char head_sql[] = "SELECT id, kind, request, idempotency_key, queued_at "
                               "FROM item ORDER BY id LIMIT 1";
static const char failed_sql[] = "SELECT id, kind, request, idempotency_key, queued_at, "
                                 "failed_at, error_code, server_code, message, rule, "
                                 "request_id FROM failed ORDER BY id";

/* @data is the SQL (static): one of the three above. */
static gboolean
job_list (AtriumOutbox  *self,
          gpointer       data,
          gpointer      *result_out,
          GError       **error)
{
  const char *sql = data;

  *result_out = list_items (self, sql, sql == failed_sql, error);
  return *result_out != NULL;
}

GPtrArray *
atrium_outbox_list_queued (AtriumOutbox  *self,
                           GError       **error)
{
  g_return_val_if_fail (ATRIUM_IS_OUTBOX (self), NULL);

  return run_sync (self, job_list, (gpointer) queued_sql, error);
}

GPtrArray *
atrium_outbox_list_failed (AtriumOutbox  *self,
                           GError       **error)
{
  g_return_val_if_fail (ATRIUM_IS_OUTBOX (self), NULL);

  return run_sync (self, job_list, (gpointer) failed_sql, error);
}

/* @failed: the failed items, else the queued ones; either in order. */
void
atrium_outbox_list_async (AtriumOutbox        *self,
                          gboolean             failed,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_OUTBOX (self));

  run_async (self, atrium_outbox_list_async, job_list,
             (gpointer) (failed ? failed_sql : queued_sql), NULL,
             (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
atrium_outbox_list_finish (AtriumOutbox  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return job_finish (self, result, atrium_outbox_list_async, error);
}

/* @data: the id (a gint64). */
static gboolean
job_dismiss (AtriumOutbox  *self,
             gpointer       data,
             gpointer      *result_out,
             GError       **error)
{
  gint64 id = *(gint64 *) data;
  sqlite3_stmt *stmt;

  stmt = prepare (self, "DELETE FROM failed WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!run_done (self, stmt, "dismiss", error))
    return FALSE;
  if (sqlite3_changes (atrium_db_get_handle (self->db)) == 0)
    {
      g_set_error (error, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_NOT_FOUND,
                   "No failed outbox item %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  *result_out = JOB_DONE;
  return TRUE;
}

gboolean
atrium_outbox_dismiss_failed (AtriumOutbox  *self,
                              gint64         id,
                              GError       **error)
{
  g_return_val_if_fail (ATRIUM_IS_OUTBOX (self), FALSE);

  return run_sync (self, job_dismiss, &id, error) != NULL;
}

void
atrium_outbox_dismiss_failed_async (AtriumOutbox        *self,
                                    gint64               id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_OUTBOX (self));

  run_async (self, atrium_outbox_dismiss_failed_async, job_dismiss,
             g_memdup2 (&id, sizeof id), g_free, NULL, cancellable, callback, user_data);
}

gboolean
atrium_outbox_dismiss_failed_finish (AtriumOutbox  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return job_finish (self, result, atrium_outbox_dismiss_failed_async, error) != NULL;
}

/* ---- recording an answer ------------------------------------------------------------ */

static gboolean
remove_item (AtriumOutbox  *self,
             gint64         id,
             GError       **error)
{
  sqlite3_stmt *stmt = prepare (self, "DELETE FROM item WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return run_done (self, stmt, "remove", error);
}

/* The item moves to `failed` with the server's reasons, in one transaction. */
static gboolean
record_failed (AtriumOutbox      *self,
               AtriumOutboxItem  *item,
               const GError      *answer,
               GError           **error)
{
  const AtriumApiErrorDetail *detail = atrium_api_error_get_detail (answer);
  g_autofree char *request = atrium_json_write (item->request);
  sqlite3_stmt *stmt;

  item->failed_at = atrium_clock_now (self->clock);
  item->error_code = answer->code;
  if (detail != NULL)
    {
      item->server_code = g_strdup (detail->code);
      item->message = g_strdup (detail->message);
      item->rule = g_strdup (detail->rule);
      item->request_id = g_strdup (detail->request_id);
    }
  if (item->message == NULL)
    item->message = g_strdup (answer->message);

  if (!atrium_db_exec (self->db, "BEGIN IMMEDIATE;", error))
    return FALSE;
  stmt = prepare (self, "INSERT INTO failed (id, kind, request, idempotency_key, queued_at,"
                        " failed_at, error_code, server_code, message, rule, request_id)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, item->id);
      bind_text (stmt, 2, kind_names[item->kind]);
      bind_text (stmt, 3, request);
      bind_text (stmt, 4, item->idempotency_key);
      sqlite3_bind_int64 (stmt, 5, item->queued_at);
      sqlite3_bind_int64 (stmt, 6, item->failed_at);
      sqlite3_bind_int (stmt, 7, item->error_code);
      bind_text (stmt, 8, item->server_code);
      bind_text (stmt, 9, item->message);
      bind_text (stmt, 10, item->rule);
      bind_text (stmt, 11, item->request_id);
    }
  if (stmt == NULL || !run_done (self, stmt, "record failed", error) ||
      !remove_item (self, item->id, error) ||
      !atrium_db_exec (self->db, "COMMIT;", error))
    {
      atrium_db_exec (self->db, "ROLLBACK;", NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
count_attempt (AtriumOutbox  *self,
               gint64         id,
               GError       **error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE item SET attempts = attempts + 1 WHERE id = ?",
                                error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return run_done (self, stmt, "attempt", error);
}

/* The server looked at the request and said no for good: it leaves the queue. Anything
 * else (no answer, 5xx, 429, 401, a certificate, an answer not understood) may succeed
 * later as it is, so it stays, and the items after it wait behind it. */
static gboolean
refused_for_good (const GError *error)
{
  if (error->domain != ATRIUM_API_ERROR)
    return FALSE;
  switch ((AtriumApiError) error->code)
    {
    case ATRIUM_API_ERROR_SLOT_TAKEN:
    case ATRIUM_API_ERROR_RULE_VIOLATION:
    case ATRIUM_API_ERROR_CONFLICT:
    case ATRIUM_API_ERROR_INVALID:
    case ATRIUM_API_ERROR_NOT_FOUND:
    case ATRIUM_API_ERROR_FORBIDDEN:
      return TRUE;
    case ATRIUM_API_ERROR_OFFLINE:
    case ATRIUM_API_ERROR_UNAUTHORISED:
    case ATRIUM_API_ERROR_SECOND_FACTOR_REQUIRED:
    case ATRIUM_API_ERROR_RATE_LIMITED:
    case ATRIUM_API_ERROR_SERVER:
    case ATRIUM_API_ERROR_PROTOCOL:
    case ATRIUM_API_ERROR_CERTIFICATE_UNTRUSTED:
    case ATRIUM_API_ERROR_CERTIFICATE_CHANGED:
    case ATRIUM_API_ERROR_OUTDATED:
    default:
      return FALSE;
    }
}

/* ---- flushing ----------------------------------------------------------------------- */

typedef enum
{
  RECORD_DONE,      /* the server has it: out of the queue */
  RECORD_FAILED,    /* refused for good: to the failed list */
  RECORD_ATTEMPT,   /* may succeed later: stays, its attempt counted */
} RecordKind;

typedef struct
{
  AtriumApi        *api;
  AtriumOutboxItem *item;      /* the one being sent */
  GError           *answer;    /* its error, when it had one */
  JsonNode         *document;  /* the server's answer, when it took it */
  RecordKind        record;
} Flush;

static void
flush_free (gpointer data)
{
  Flush *flush = data;

  g_clear_object (&flush->api);
  g_clear_pointer (&flush->item, atrium_outbox_item_free);
  g_clear_error (&flush->answer);
  g_clear_pointer (&flush->document, json_node_unref);
  g_free (flush);
}

/* @data: the flush, owned by its task (which outlives the job). */
static gboolean
job_record (AtriumOutbox  *self,
            gpointer       data,
            gpointer      *result_out,
            GError       **error)
{
  Flush *flush = data;
  gboolean ok = TRUE;

  switch (flush->record)
    {
    case RECORD_DONE:
      ok = remove_item (self, flush->item->id, error);
      break;
    case RECORD_FAILED:
      ok = record_failed (self, flush->item, flush->answer, error);
      break;
    case RECORD_ATTEMPT:
      /* The count is for the logs only. */
      if (!count_attempt (self, flush->item->id, NULL))
        g_debug ("Outbox item %" G_GINT64_FORMAT ": attempt not counted", flush->item->id);
      break;
    default:
      g_assert_not_reached ();
    }
  refresh_queued (self);
  *result_out = JOB_DONE;
  return ok;
}

static void flush_next (GTask *task);

static void
flush_stop (GTask  *task,
            GError *error)
{
  AtriumOutbox *self = g_task_get_source_object (task);

  self->flushing = FALSE;
  publish_queued (self);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
on_recorded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  AtriumOutbox *self = ATRIUM_OUTBOX (source);
  Flush *flush = g_task_get_task_data (task);
  g_autoptr(AtriumOutboxItem) item = g_steal_pointer (&flush->item);
  g_autoptr(GError) answer = g_steal_pointer (&flush->answer);
  g_autoptr(JsonNode) document = g_steal_pointer (&flush->document);
  GError *error = NULL;

  if (job_finish (self, result, job_record, &error) == NULL)
    {
      flush_stop (task, error);
      return;
    }
  switch (flush->record)
    {
    case RECORD_DONE:
      /* If the app dies before the removal, the item is sent again with the same key and
       * the server answers what it answered the first time. */
      set_paused (self, FALSE);
      g_signal_emit (self, signals[SIGNAL_ITEM_DONE], 0, item, document);
      flush_next (task);
      return;
    case RECORD_FAILED:
      set_paused (self, FALSE);
      g_debug ("Outbox item %" G_GINT64_FORMAT " refused: %s", item->id, answer->message);
      g_signal_emit (self, signals[SIGNAL_ITEM_FAILED], 0, item);
      flush_next (task);
      return;
    case RECORD_ATTEMPT:
    default:
      break;
    }
  /* An expired session keeps everything queued until the next one. */
  if (g_error_matches (answer, ATRIUM_API_ERROR, ATRIUM_API_ERROR_UNAUTHORISED))
    set_paused (self, TRUE);
  if (g_error_matches (answer, ATRIUM_API_ERROR, ATRIUM_API_ERROR_RATE_LIMITED))
    {
      const AtriumApiErrorDetail *detail = atrium_api_error_get_detail (answer);
      guint wait = detail != NULL && detail->retry_after > 0 ? detail->retry_after : 1;

      self->not_before = atrium_clock_now_usec (self->clock) + (gint64) wait * G_USEC_PER_SEC;
    }
  flush_stop (task, g_steal_pointer (&answer));
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  AtriumOutbox *self = g_task_get_source_object (task);
  Flush *flush = g_task_get_task_data (task);

  flush->document = atrium_api_document_finish (ATRIUM_API (source), result, &flush->answer);
  if (flush->document != NULL)
    flush->record = RECORD_DONE;
  else if (refused_for_good (flush->answer))
    flush->record = RECORD_FAILED;
  else if (g_error_matches (flush->answer, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      flush_stop (task, g_steal_pointer (&flush->answer));
      return;
    }
  else
    flush->record = RECORD_ATTEMPT;
  /* The flush's task owns the data; the job's task does not free it. */
  run_async (self, job_record, job_record, flush, NULL, NULL, NULL, on_recorded, task);
}

static void
send_item (GTask            *task,
           AtriumOutboxItem *item)
{
  Flush *flush = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  JsonObject *request = json_node_get_object (item->request);

  switch (item->kind)
    {
    case ATRIUM_OUTBOX_BOOKING:
      atrium_api_create_booking_async (
        flush->api, json_object_get_int_member_with_default (request, "resource_id", 0),
        json_object_get_string_member_with_default (request, "start", ""),
        json_object_get_string_member_with_default (request, "end", ""),
        (guint) json_object_get_int_member_with_default (request, "group_size", 0),
        item->idempotency_key, cancellable, on_sent, task);
      break;
    case ATRIUM_OUTBOX_CANCEL:
      atrium_api_cancel_booking_async (
        flush->api, json_object_get_int_member_with_default (request, "booking_id", 0),
        cancellable, on_sent, task);
      break;
    case ATRIUM_OUTBOX_CHECKIN:
      atrium_api_checkin_async (
        flush->api, json_object_get_string_member_with_default (request, "code", ""),
        cancellable, on_sent, task);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
on_head (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  AtriumOutbox *self = ATRIUM_OUTBOX (source);
  Flush *flush = g_task_get_task_data (task);
  g_autoptr(GPtrArray) head = NULL;
  GError *error = NULL;

  head = job_finish (self, result, job_list, &error);
  if (head == NULL)
    {
      flush_stop (task, error);
      return;
    }
  if (head->len == 0)
    {
      flush_stop (task, NULL);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      self->flushing = FALSE;
      g_object_unref (task);
      return;
    }
  flush->item = g_ptr_array_steal_index (head, 0);
  send_item (task, flush->item);
}

static void
flush_next (GTask *task)
{
  AtriumOutbox *self = g_task_get_source_object (task);

  run_async (self, job_list, job_list, (gpointer) head_sql, NULL,
             (GDestroyNotify) g_ptr_array_unref, NULL, on_head, task);
}

void
atrium_outbox_flush_async (AtriumOutbox        *self,
                           AtriumApi           *api,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  Flush *flush;
  gint64 now;

  g_return_if_fail (ATRIUM_IS_OUTBOX (self));
  g_return_if_fail (ATRIUM_IS_API (api));

  now = atrium_clock_now_usec (self->clock);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_outbox_flush_async);
  if (self->flushing)
    {
      g_task_return_new_error (task, ATRIUM_OUTBOX_ERROR, ATRIUM_OUTBOX_ERROR_BUSY,
                               "The outbox is already being sent");
      g_object_unref (task);
      return;
    }
  if (now < self->not_before)
    {
      g_task_return_new_error (task, ATRIUM_API_ERROR, ATRIUM_API_ERROR_RATE_LIMITED,
                               "The server asked to wait %" G_GINT64_FORMAT " s more",
                               (self->not_before - now + G_USEC_PER_SEC - 1) /
                               G_USEC_PER_SEC);
      g_object_unref (task);
      return;
    }
  flush = g_new0 (Flush, 1);
  flush->api = g_object_ref (api);
  g_task_set_task_data (task, flush, flush_free);
  self->flushing = TRUE;
  flush_next (task);
}

gboolean
atrium_outbox_flush_finish (AtriumOutbox  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
