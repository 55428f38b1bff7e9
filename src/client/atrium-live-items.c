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

/* Unix microseconds of the time @name, 0 when null or unreadable. */
static gint64
member_time (JsonObject *object,
             const char *name)
{
  const char *text = member_string (object, name);
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
time_property (const char *name)
{
  return g_param_spec_boxed (name, NULL, NULL, G_TYPE_DATE_TIME,
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
  space_properties[SPACE_PROP_UPDATED_AT] = time_property ("updated-at");
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
  changed |= set_time (gobject, &self->updated_usec, &self->updated_at,
                       member_time (object, "updated_at"),
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
  queue_properties[QUEUE_PROP_UPDATED_AT] = time_property ("updated-at");
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
  changed |= set_time (gobject, &self->updated_usec, &self->updated_at,
                       member_time (object, "updated_at"),
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


/* ---- AtriumLiveBooking ----------------------------------------------------------------- */

struct _AtriumLiveBooking
{
  GObject    parent_instance;
  gint64     id;
  gint64     site_id;
  gint64     resource_id;
  char      *resource_name;
  gint64     user_id;
  char      *username;
  char      *status;
  gint64     group_size;
  gint64     start_usec;
  GDateTime *start;
  gint64     end_usec;
  GDateTime *end;
  gint64     check_in_usec;
  GDateTime *check_in_at;
  gint64     break_usec;
  GDateTime *break_until;
  JsonObject *object;    /* every member heard so far, the latest of each */
};

G_DEFINE_FINAL_TYPE (AtriumLiveBooking, atrium_live_booking, G_TYPE_OBJECT)

enum
{
  BOOKING_PROP_0,
  BOOKING_PROP_ID,
  BOOKING_PROP_SITE_ID,
  BOOKING_PROP_RESOURCE_ID,
  BOOKING_PROP_RESOURCE_NAME,
  BOOKING_PROP_USER_ID,
  BOOKING_PROP_USERNAME,
  BOOKING_PROP_STATUS,
  BOOKING_PROP_GROUP_SIZE,
  BOOKING_PROP_START,
  BOOKING_PROP_END,
  BOOKING_PROP_CHECK_IN_AT,
  BOOKING_PROP_BREAK_UNTIL,
  N_BOOKING_PROPS
};

static GParamSpec *booking_properties[N_BOOKING_PROPS];

static void
atrium_live_booking_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AtriumLiveBooking *self = ATRIUM_LIVE_BOOKING (object);

  switch (prop_id)
    {
    case BOOKING_PROP_ID: g_value_set_int64 (value, self->id); break;
    case BOOKING_PROP_SITE_ID: g_value_set_int64 (value, self->site_id); break;
    case BOOKING_PROP_RESOURCE_ID: g_value_set_int64 (value, self->resource_id); break;
    case BOOKING_PROP_RESOURCE_NAME: g_value_set_string (value, self->resource_name); break;
    case BOOKING_PROP_USER_ID: g_value_set_int64 (value, self->user_id); break;
    case BOOKING_PROP_USERNAME: g_value_set_string (value, self->username); break;
    case BOOKING_PROP_STATUS: g_value_set_string (value, self->status); break;
    case BOOKING_PROP_GROUP_SIZE: g_value_set_int64 (value, self->group_size); break;
    case BOOKING_PROP_START: g_value_set_boxed (value, self->start); break;
    case BOOKING_PROP_END: g_value_set_boxed (value, self->end); break;
    case BOOKING_PROP_CHECK_IN_AT: g_value_set_boxed (value, self->check_in_at); break;
    case BOOKING_PROP_BREAK_UNTIL: g_value_set_boxed (value, self->break_until); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_live_booking_finalize (GObject *object)
{
  AtriumLiveBooking *self = ATRIUM_LIVE_BOOKING (object);

  g_free (self->resource_name);
  g_free (self->username);
  g_free (self->status);
  g_clear_pointer (&self->start, g_date_time_unref);
  g_clear_pointer (&self->end, g_date_time_unref);
  g_clear_pointer (&self->check_in_at, g_date_time_unref);
  g_clear_pointer (&self->break_until, g_date_time_unref);
  g_clear_pointer (&self->object, json_object_unref);
  G_OBJECT_CLASS (atrium_live_booking_parent_class)->finalize (object);
}

static void
atrium_live_booking_class_init (AtriumLiveBookingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = atrium_live_booking_get_property;
  object_class->finalize = atrium_live_booking_finalize;
  booking_properties[BOOKING_PROP_ID] = int_property ("id", 0);
  booking_properties[BOOKING_PROP_SITE_ID] = int_property ("site-id", 0);
  booking_properties[BOOKING_PROP_RESOURCE_ID] = int_property ("resource-id", 0);
  booking_properties[BOOKING_PROP_RESOURCE_NAME] = string_property ("resource-name");
  booking_properties[BOOKING_PROP_USER_ID] = int_property ("user-id", 0);
  booking_properties[BOOKING_PROP_USERNAME] = string_property ("username");
  booking_properties[BOOKING_PROP_STATUS] = string_property ("status");
  booking_properties[BOOKING_PROP_GROUP_SIZE] = int_property ("group-size", 0);
  booking_properties[BOOKING_PROP_START] = time_property ("start");
  booking_properties[BOOKING_PROP_END] = time_property ("end");
  booking_properties[BOOKING_PROP_CHECK_IN_AT] = time_property ("check-in-at");
  booking_properties[BOOKING_PROP_BREAK_UNTIL] = time_property ("break-until");
  g_object_class_install_properties (object_class, N_BOOKING_PROPS, booking_properties);
}

static void
atrium_live_booking_init (AtriumLiveBooking *self)
{
  self->object = json_object_new ();
}

static void
merge_member (JsonObject  *object,
              const char  *name,
              JsonNode    *node,
              gpointer     user_data)
{
  AtriumLiveBooking *self = user_data;
  JsonNode *old = json_object_get_member (self->object, name);

  if (old == NULL || !json_node_equal (old, node))
    json_object_set_member (self->object, name, json_node_copy (node));
}

/* Only the members @object has: a live message carries fewer than the day's list. */
gboolean
atrium_live_booking_update (AtriumLiveBooking *self,
                            JsonObject        *object)
{
  GObject *gobject = G_OBJECT (self);
  gboolean changed = FALSE;

  json_object_foreach_member (object, merge_member, self);
  g_object_freeze_notify (gobject);
  if (json_object_has_member (object, "site_id"))
    changed |= set_int (gobject, &self->site_id, member_int (object, "site_id", 0),
                        booking_properties[BOOKING_PROP_SITE_ID]);
  if (json_object_has_member (object, "resource_id"))
    changed |= set_int (gobject, &self->resource_id, member_int (object, "resource_id", 0),
                        booking_properties[BOOKING_PROP_RESOURCE_ID]);
  if (json_object_has_member (object, "resource_name"))
    changed |= set_string (gobject, &self->resource_name,
                           member_string (object, "resource_name"),
                           booking_properties[BOOKING_PROP_RESOURCE_NAME]);
  if (json_object_has_member (object, "user_id"))
    changed |= set_int (gobject, &self->user_id, member_int (object, "user_id", 0),
                        booking_properties[BOOKING_PROP_USER_ID]);
  if (json_object_has_member (object, "username"))
    changed |= set_string (gobject, &self->username, member_string (object, "username"),
                           booking_properties[BOOKING_PROP_USERNAME]);
  if (json_object_has_member (object, "status"))
    changed |= set_string (gobject, &self->status, member_string (object, "status"),
                           booking_properties[BOOKING_PROP_STATUS]);
  if (json_object_has_member (object, "group_size"))
    changed |= set_int (gobject, &self->group_size, member_int (object, "group_size", 0),
                        booking_properties[BOOKING_PROP_GROUP_SIZE]);
  if (json_object_has_member (object, "start"))
    changed |= set_time (gobject, &self->start_usec, &self->start,
                         member_time (object, "start"), booking_properties[BOOKING_PROP_START]);
  if (json_object_has_member (object, "end"))
    changed |= set_time (gobject, &self->end_usec, &self->end, member_time (object, "end"),
                         booking_properties[BOOKING_PROP_END]);
  if (json_object_has_member (object, "check_in_at"))
    changed |= set_time (gobject, &self->check_in_usec, &self->check_in_at,
                         member_time (object, "check_in_at"),
                         booking_properties[BOOKING_PROP_CHECK_IN_AT]);
  if (json_object_has_member (object, "break_until"))
    changed |= set_time (gobject, &self->break_usec, &self->break_until,
                         member_time (object, "break_until"),
                         booking_properties[BOOKING_PROP_BREAK_UNTIL]);
  g_object_thaw_notify (gobject);
  return changed;
}

AtriumLiveBooking *
atrium_live_booking_new_from_json (JsonObject *object)
{
  AtriumLiveBooking *self = g_object_new (ATRIUM_TYPE_LIVE_BOOKING, NULL);

  self->id = member_int (object, "id", 0);
  atrium_live_booking_update (self, object);
  return self;
}

gint64
atrium_live_booking_get_id (AtriumLiveBooking *self)
{
  return self->id;
}

JsonObject *
atrium_live_booking_get_object (AtriumLiveBooking *self)
{
  return self->object;
}

gint64
atrium_live_booking_get_site_id (AtriumLiveBooking *self)
{
  return self->site_id;
}

gint64
atrium_live_booking_get_resource_id (AtriumLiveBooking *self)
{
  return self->resource_id;
}

const char *
atrium_live_booking_get_resource_name (AtriumLiveBooking *self)
{
  return self->resource_name;
}

gint64
atrium_live_booking_get_user_id (AtriumLiveBooking *self)
{
  return self->user_id;
}

const char *
atrium_live_booking_get_username (AtriumLiveBooking *self)
{
  return self->username;
}

const char *
atrium_live_booking_get_status (AtriumLiveBooking *self)
{
  return self->status;
}

guint
atrium_live_booking_get_group_size (AtriumLiveBooking *self)
{
  return (guint) self->group_size;
}

GDateTime *
atrium_live_booking_get_start (AtriumLiveBooking *self)
{
  return self->start;
}

GDateTime *
atrium_live_booking_get_end (AtriumLiveBooking *self)
{
  return self->end;
}

GDateTime *
atrium_live_booking_get_check_in_at (AtriumLiveBooking *self)
{
  return self->check_in_at;
}

GDateTime *
atrium_live_booking_get_break_until (AtriumLiveBooking *self)
{
  return self->break_until;
}
