/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-live"

#include "config.h"

#include "atrium-live-items.h"

#include "atrium-clock.h"

/* ---- helpers shared by both items ---------------------------------------------------- */

static gint64
member_int (JsonObject *object,
            const char *name,
            gint64      if_null)
{
  JsonNode *node = json_object_get_member (object, name);

  return node == NULL || JSON_NODE_HOLDS_NULL (node) ? if_null : json_node_get_int (node);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node == NULL || JSON_NODE_HOLDS_NULL (node) ? "" : json_node_get_string (node);
}

/* Unix microseconds of "updated_at", 0 when null or unreadable. */
static gint64
member_time (JsonObject *object)
{
  const char *text = member_string (object, "updated_at");
  gint64 usec = 0;

  if (*text != '\0' && !atrium_time_parse_iso8601 (text, &usec, NULL))
    usec = 0;
  return usec;
}

static gboolean
set_int (GObject    *object,
         gint64     *field,
         gint64      value,
         GParamSpec *pspec)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (object, pspec);
  return TRUE;
}

static gboolean
set_string (GObject     *object,
            char       **field,
            const char  *value,
            GParamSpec  *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (object, pspec);
  return TRUE;
}

static gboolean
set_time (GObject    *object,
          gint64     *usec,
          GDateTime **date,
          gint64      value,
          GParamSpec *pspec)
{
  if (*usec == value)
    return FALSE;
  *usec = value;
  g_clear_pointer (date, g_date_time_unref);
  if (value != 0)
    *date = g_date_time_new_from_unix_utc (value / G_USEC_PER_SEC);
  g_object_notify_by_pspec (object, pspec);
  return TRUE;
}

static GParamSpec *
int_property (const char *name,
              gint64      min)
{
  return g_param_spec_int64 (name, NULL, NULL, min, G_MAXINT64, 0,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                             G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                              G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
time_property (void)
{
  return g_param_spec_boxed ("updated-at", NULL, NULL, G_TYPE_DATE_TIME,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                             G_PARAM_EXPLICIT_NOTIFY);
}

/* ---- AtriumLiveSpace ------------------------------------------------------------------- */

struct _AtriumLiveSpace
{
  GObject    parent_instance;
  gint64     id;
  gint64     site_id;
  char      *name;
  char      *kind;
  gint64     count;
  gint64     capacity;
  gint64     percent;
  char      *level;
  gint64     free;
  gint64     updated_usec;
  GDateTime *updated_at;
};

G_DEFINE_FINAL_TYPE (AtriumLiveSpace, atrium_live_space, G_TYPE_OBJECT)

enum
{
  SPACE_PROP_0,
  SPACE_PROP_ID,
  SPACE_PROP_SITE_ID,
  SPACE_PROP_NAME,
  SPACE_PROP_KIND,
  SPACE_PROP_COUNT,
  SPACE_PROP_CAPACITY,
  SPACE_PROP_PERCENT,
  SPACE_PROP_LEVEL,
  SPACE_PROP_FREE,
  SPACE_PROP_UPDATED_AT,
  N_SPACE_PROPS
};

static GParamSpec *space_properties[N_SPACE_PROPS];

static void
atrium_live_space_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AtriumLiveSpace *self = ATRIUM_LIVE_SPACE (object);

  switch (prop_id)
    {
    case SPACE_PROP_ID: g_value_set_int64 (value, self->id); break;
    case SPACE_PROP_SITE_ID: g_value_set_int64 (value, self->site_id); break;
    case SPACE_PROP_NAME: g_value_set_string (value, self->name); break;
    case SPACE_PROP_KIND: g_value_set_string (value, self->kind); break;
    case SPACE_PROP_COUNT: g_value_set_int64 (value, self->count); break;
    case SPACE_PROP_CAPACITY: g_value_set_int64 (value, self->capacity); break;
    case SPACE_PROP_PERCENT: g_value_set_int64 (value, self->percent); break;
    case SPACE_PROP_LEVEL: g_value_set_string (value, self->level); break;
    case SPACE_PROP_FREE: g_value_set_int64 (value, self->free); break;
    case SPACE_PROP_UPDATED_AT: g_value_set_boxed (value, self->updated_at); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_live_space_finalize (GObject *object)
{
  AtriumLiveSpace *self = ATRIUM_LIVE_SPACE (object);

  g_free (self->name);
  g_free (self->kind);
  g_free (self->level);
  g_clear_pointer (&self->updated_at, g_date_time_unref);
  G_OBJECT_CLASS (atrium_live_space_parent_class)->finalize (object);
}

static void
atrium_live_space_class_init (AtriumLiveSpaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = atrium_live_space_get_property;
  object_class->finalize = atrium_live_space_finalize;
  space_properties[SPACE_PROP_ID] = int_property ("id", 0);
  space_properties[SPACE_PROP_SITE_ID] = int_property ("site-id", 0);
  space_properties[SPACE_PROP_NAME] = string_property ("name");
  space_properties[SPACE_PROP_KIND] = string_property ("kind");
  space_properties[SPACE_PROP_COUNT] = int_property ("count", 0);
  space_properties[SPACE_PROP_CAPACITY] = int_property ("capacity", 0);
  space_properties[SPACE_PROP_PERCENT] = int_property ("percent", -1);
  space_properties[SPACE_PROP_LEVEL] = string_property ("level");
  space_properties[SPACE_PROP_FREE] = int_property ("free", 0);
  space_properties[SPACE_PROP_UPDATED_AT] = time_property ();
  g_object_class_install_properties (object_class, N_SPACE_PROPS, space_properties);
}

static void
atrium_live_space_init (AtriumLiveSpace *self)
{
  self->percent = -1;
}

gboolean
atrium_live_space_update (AtriumLiveSpace *self,
                          gint64           site_id,
                          JsonObject      *object)
{
  GObject *gobject = G_OBJECT (self);
  gboolean changed = FALSE;

  g_object_freeze_notify (gobject);
  changed |= set_int (gobject, &self->site_id, site_id, space_properties[SPACE_PROP_SITE_ID]);
  changed |= set_string (gobject, &self->name, member_string (object, "name"),
                         space_properties[SPACE_PROP_NAME]);
  changed |= set_string (gobject, &self->kind, member_string (object, "kind"),
                         space_properties[SPACE_PROP_KIND]);
  changed |= set_int (gobject, &self->count, member_int (object, "count", 0),
                      space_properties[SPACE_PROP_COUNT]);
  changed |= set_int (gobject, &self->capacity, member_int (object, "capacity", 0),
                      space_properties[SPACE_PROP_CAPACITY]);
  changed |= set_int (gobject, &self->percent, member_int (object, "percent", -1),
                      space_properties[SPACE_PROP_PERCENT]);
  changed |= set_string (gobject, &self->level, member_string (object, "level"),
                         space_properties[SPACE_PROP_LEVEL]);
  changed |= set_int (gobject, &self->free, member_int (object, "free", 0),
                      space_properties[SPACE_PROP_FREE]);
  changed |= set_time (gobject, &self->updated_usec, &self->updated_at, member_time (object),
                       space_properties[SPACE_PROP_UPDATED_AT]);
  g_object_thaw_notify (gobject);
  return changed;
}

AtriumLiveSpace *
atrium_live_space_new_from_json (gint64      site_id,
                                 JsonObject *object)
{
  AtriumLiveSpace *self = g_object_new (ATRIUM_TYPE_LIVE_SPACE, NULL);

  self->id = member_int (object, "id", 0);
  atrium_live_space_update (self, site_id, object);
  return self;
}

gint64
atrium_live_space_get_id (AtriumLiveSpace *self)
{
  return self->id;
}

gint64
atrium_live_space_get_site_id (AtriumLiveSpace *self)
{
  return self->site_id;
}

const char *
atrium_live_space_get_name (AtriumLiveSpace *self)
{
  return self->name;
}

const char *
atrium_live_space_get_kind (AtriumLiveSpace *self)
{
  return self->kind;
}

gint64
atrium_live_space_get_count (AtriumLiveSpace *self)
{
  return self->count;
}

guint
atrium_live_space_get_capacity (AtriumLiveSpace *self)
{
  return (guint) self->capacity;
}

int
atrium_live_space_get_percent (AtriumLiveSpace *self)
{
  return (int) self->percent;
}

const char *
atrium_live_space_get_level (AtriumLiveSpace *self)
{
  return self->level;
}

gint64
atrium_live_space_get_free (AtriumLiveSpace *self)
{
  return self->free;
}

GDateTime *
atrium_live_space_get_updated_at (AtriumLiveSpace *self)
{
  return self->updated_at;
}


/* ---- AtriumLiveQueue ------------------------------------------------------------------- */

struct _AtriumLiveQueue
{
  GObject    parent_instance;
  gint64     id;
  gint64     site_id;
  char      *name;
  char      *kind;
  gint64     length;
  gint64     wait_seconds;
  char      *wait_status;
  gint64     updated_usec;
  GDateTime *updated_at;
};

G_DEFINE_FINAL_TYPE (AtriumLiveQueue, atrium_live_queue, G_TYPE_OBJECT)

enum
{
  QUEUE_PROP_0,
  QUEUE_PROP_ID,
  QUEUE_PROP_SITE_ID,
  QUEUE_PROP_NAME,
  QUEUE_PROP_KIND,
  QUEUE_PROP_LENGTH,
  QUEUE_PROP_WAIT_SECONDS,
  QUEUE_PROP_WAIT_STATUS,
  QUEUE_PROP_UPDATED_AT,
  N_QUEUE_PROPS
};

static GParamSpec *queue_properties[N_QUEUE_PROPS];

static void
atrium_live_queue_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AtriumLiveQueue *self = ATRIUM_LIVE_QUEUE (object);

  switch (prop_id)
    {
    case QUEUE_PROP_ID: g_value_set_int64 (value, self->id); break;
    case QUEUE_PROP_SITE_ID: g_value_set_int64 (value, self->site_id); break;
    case QUEUE_PROP_NAME: g_value_set_string (value, self->name); break;
    case QUEUE_PROP_KIND: g_value_set_string (value, self->kind); break;
    case QUEUE_PROP_LENGTH: g_value_set_int64 (value, self->length); break;
    case QUEUE_PROP_WAIT_SECONDS: g_value_set_int64 (value, self->wait_seconds); break;
    case QUEUE_PROP_WAIT_STATUS: g_value_set_string (value, self->wait_status); break;
    case QUEUE_PROP_UPDATED_AT: g_value_set_boxed (value, self->updated_at); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_live_queue_finalize (GObject *object)
{
  AtriumLiveQueue *self = ATRIUM_LIVE_QUEUE (object);

  g_free (self->name);
  g_free (self->kind);
  g_free (self->wait_status);
  g_clear_pointer (&self->updated_at, g_date_time_unref);
  G_OBJECT_CLASS (atrium_live_queue_parent_class)->finalize (object);
}

static void
atrium_live_queue_class_init (AtriumLiveQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = atrium_live_queue_get_property;
  object_class->finalize = atrium_live_queue_finalize;
  queue_properties[QUEUE_PROP_ID] = int_property ("id", 0);
  queue_properties[QUEUE_PROP_SITE_ID] = int_property ("site-id", 0);
  queue_properties[QUEUE_PROP_NAME] = string_property ("name");
  queue_properties[QUEUE_PROP_KIND] = string_property ("kind");
  queue_properties[QUEUE_PROP_LENGTH] = int_property ("length", 0);
  queue_properties[QUEUE_PROP_WAIT_SECONDS] = int_property ("wait-seconds", -1);
  queue_properties[QUEUE_PROP_WAIT_STATUS] = string_property ("wait-status");
  queue_properties[QUEUE_PROP_UPDATED_AT] = time_property ();
  g_object_class_install_properties (object_class, N_QUEUE_PROPS, queue_properties);
}

static void
atrium_live_queue_init (AtriumLiveQueue *self)
{
  self->wait_seconds = -1;
}

gboolean
atrium_live_queue_update (AtriumLiveQueue *self,
                          gint64           site_id,
                          JsonObject      *object)
{
  GObject *gobject = G_OBJECT (self);
  gboolean changed = FALSE;

  g_object_freeze_notify (gobject);
  changed |= set_int (gobject, &self->site_id, site_id, queue_properties[QUEUE_PROP_SITE_ID]);
  changed |= set_string (gobject, &self->name, member_string (object, "name"),
                         queue_properties[QUEUE_PROP_NAME]);
  changed |= set_string (gobject, &self->kind, member_string (object, "kind"),
                         queue_properties[QUEUE_PROP_KIND]);
  changed |= set_int (gobject, &self->length, member_int (object, "length", 0),
                      queue_properties[QUEUE_PROP_LENGTH]);
  changed |= set_int (gobject, &self->wait_seconds, member_int (object, "wait_seconds", -1),
                      queue_properties[QUEUE_PROP_WAIT_SECONDS]);
  changed |= set_string (gobject, &self->wait_status, member_string (object, "wait_status"),
                         queue_properties[QUEUE_PROP_WAIT_STATUS]);
  changed |= set_time (gobject, &self->updated_usec, &self->updated_at, member_time (object),
                       queue_properties[QUEUE_PROP_UPDATED_AT]);
  g_object_thaw_notify (gobject);
  return changed;
}

AtriumLiveQueue *
atrium_live_queue_new_from_json (gint64      site_id,
                                 JsonObject *object)
{
  AtriumLiveQueue *self = g_object_new (ATRIUM_TYPE_LIVE_QUEUE, NULL);

  self->id = member_int (object, "id", 0);
  atrium_live_queue_update (self, site_id, object);
  return self;
}

gint64
atrium_live_queue_get_id (AtriumLiveQueue *self)
{
  return self->id;
}

gint64
atrium_live_queue_get_site_id (AtriumLiveQueue *self)
{
  return self->site_id;
}

const char *
atrium_live_queue_get_name (AtriumLiveQueue *self)
{
  return self->name;
}

const char *
atrium_live_queue_get_kind (AtriumLiveQueue *self)
{
  return self->kind;
}

gint64
atrium_live_queue_get_length (AtriumLiveQueue *self)
{
  return self->length;
}

gint64
atrium_live_queue_get_wait_seconds (AtriumLiveQueue *self)
{
  return self->wait_seconds;
}

const char *
atrium_live_queue_get_wait_status (AtriumLiveQueue *self)
{
  return self->wait_status;
}

GDateTime *
atrium_live_queue_get_updated_at (AtriumLiveQueue *self)
{
  return self->updated_at;
}

