/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-live"

#include "config.h"

#include "atrium-live-bookings.h"

#include "atrium-api-private.h"
#include "atrium-json.h"

#include <string.h>

/* A day of a large site; the list is checked against this before it is taken. */
#define MAX_BOOKINGS 20000
#define MAX_DOCUMENT (64 * 1024 * 1024)

static const AtriumJsonField booking_fields[] = {
  { "id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "resource_id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "resource_name", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 0, 0 },
  { "resource_type", ATRIUM_JSON_STRING, ATRIUM_JSON_OPTIONAL, 0, 0 },
  { "site_id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "site_name", ATRIUM_JSON_STRING, ATRIUM_JSON_OPTIONAL, 0, 0 },
  { "space_name", ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 0, 0 },
  { "user_id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED | ATRIUM_JSON_NULLABLE, 1, G_MAXINT64 },
  { "username", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED | ATRIUM_JSON_NULLABLE, 0, 0 },
  { "created_by", ATRIUM_JSON_INT, ATRIUM_JSON_NULLABLE, 1, G_MAXINT64 },
  { "start", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 64 },
  { "end", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 64 },
  { "status", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "group_size", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, 100000 },
  { "created_at", ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 1, 64 },
  { "cancelled_at", ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 1, 64 },
  { "check_in_at", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED | ATRIUM_JSON_NULLABLE, 1, 64 },
  { "break_until", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED | ATRIUM_JSON_NULLABLE, 1, 64 },
  { "checkin_code", ATRIUM_JSON_STRING, ATRIUM_JSON_NULLABLE, 0, 0 },
  { NULL }
};

static const AtriumJsonField booking_item[] = {
  { "booking", ATRIUM_JSON_OBJECT, ATRIUM_JSON_REQUIRED, 0, 0, booking_fields },
};

static const AtriumJsonField list_fields[] = {
  { "bookings", ATRIUM_JSON_ARRAY, ATRIUM_JSON_REQUIRED, 0, MAX_BOOKINGS, NULL, booking_item },
  { "no_shows", ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, 0, G_MAXINT64 },
  { NULL }
};

struct _AtriumLiveBookings
{
  GObject           parent_instance;

  AtriumApi        *api;
  AtriumLiveClient *live;
  gulong            booking_id;
  gulong            state_id;
  gint64            site_id;
  char             *date;

  GPtrArray        *items;        /* AtriumLiveBooking, the server's order */
  GCancellable     *cancellable;
  gboolean          loading;
  gboolean          again;        /* something changed during the fetch: fetch once more */
  GError           *error;
};

static void atrium_live_bookings_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AtriumLiveBookings, atrium_live_bookings, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      atrium_live_bookings_list_model_init))

enum
{
  PROP_0,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void fetch (AtriumLiveBookings *self);

/* ---- GListModel ----------------------------------------------------------------------- */

static GType
list_get_item_type (GListModel *model)
{
  return ATRIUM_TYPE_LIVE_BOOKING;
}

static guint
list_get_n_items (GListModel *model)
{
  return ATRIUM_LIVE_BOOKINGS (model)->items->len;
}

static gpointer
list_get_item (GListModel *model,
               guint       position)
{
  AtriumLiveBookings *self = ATRIUM_LIVE_BOOKINGS (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
atrium_live_bookings_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

/* ---- the list ------------------------------------------------------------------------- */

static AtriumLiveBooking *
find (AtriumLiveBookings *self,
      gint64              id)
{
  for (guint i = 0; i < self->items->len; i++)
    if (atrium_live_booking_get_id (g_ptr_array_index (self->items, i)) == id)
      return g_ptr_array_index (self->items, i);
  return NULL;
}

static void
set_loading (AtriumLiveBookings *self,
             gboolean            loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* The fetched list replaces ours: items kept (updated in place) where the ids are the
 * same, and one items-changed for the span between the common head and tail. */
static void
apply_list (AtriumLiveBookings *self,
            JsonArray          *list)
{
  g_autoptr(GPtrArray) next = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_old = self->items->len, n_new, head = 0, tail = 0;

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *object = json_array_get_object_element (list, i);
      AtriumLiveBooking *item = find (self, json_object_get_int_member (object, "id"));

      if (item != NULL)
        {
          atrium_live_booking_update (item, object);
          g_ptr_array_add (next, g_object_ref (item));
        }
      else
        g_ptr_array_add (next, atrium_live_booking_new_from_json (object));
    }
  n_new = next->len;
  while (head < n_old && head < n_new &&
         g_ptr_array_index (self->items, head) == g_ptr_array_index (next, head))
    head++;
  while (tail < n_old - head && tail < n_new - head &&
         g_ptr_array_index (self->items, n_old - 1 - tail) ==
         g_ptr_array_index (next, n_new - 1 - tail))
    tail++;
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&next);
  if (n_old - head - tail > 0 || n_new - head - tail > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), head, n_old - head - tail,
                                n_new - head - tail);
}

static void
fetched (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(AtriumLiveBookings) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = atrium_api_document_finish (ATRIUM_API (source), result,
                                                             &error);
  g_autoptr(JsonNode) checked = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (document != NULL)
    {
      g_autofree char *text = atrium_json_write (document);
      g_autofree char *field = NULL;
      g_autoptr(GError) invalid = NULL;

      checked = atrium_json_decode (text, strlen (text), MAX_DOCUMENT, list_fields, &field,
                                    &invalid);
      if (checked == NULL)
        {
          g_autofree char *message = g_strdup_printf ("the bookings do not fit (%s): %s",
                                                      field != NULL ? field : "",
                                                      invalid->message);

          error = atrium_api_error_new_literal (ATRIUM_API_ERROR_PROTOCOL, 200, message);
        }
    }
  g_clear_error (&self->error);
  if (checked != NULL)
    apply_list (self, json_object_get_array_member (json_node_get_object (checked),
                                                    "bookings"));
  else
    {
      g_message ("today's bookings of site %" G_GINT64_FORMAT ": %s", self->site_id,
                 error->message);
      self->error = g_steal_pointer (&error);
    }
  if (self->again)
    {
      self->again = FALSE;
      fetch (self);
      return;
    }
  set_loading (self, FALSE);
}

static void
fetch (AtriumLiveBookings *self)
{
  if (self->cancellable != NULL)
    {
      self->again = TRUE;
      return;
    }
  self->cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  atrium_api_list_site_bookings_async (self->api, self->site_id, self->date, NULL,
                                       self->cancellable, fetched, g_object_ref (self));
}

/* ---- what the live feed says ---------------------------------------------------------- */

static void
on_booking (AtriumLiveClient   *live,
            gint64              site,
            const char         *event,
            JsonNode           *booking,
            AtriumLiveBookings *self)
{
  JsonObject *object = json_node_get_object (booking);
  AtriumLiveBooking *item;

  if (site != self->site_id)
    return;
  item = find (self, json_object_get_int_member (object, "id"));
  if (item != NULL)
    atrium_live_booking_update (item, object);
  /* A booking we do not have (new, or of the day shown), a change whose times the
   * message does not carry (check-in, break), or a fetch that may have read the state
   * before this change: the list is asked for again. */
  if (item == NULL || self->cancellable != NULL || g_strcmp0 (event, "checked_in") == 0 ||
      g_strcmp0 (event, "break") == 0)
    fetch (self);
}

static void
on_state (AtriumLiveClient   *live,
          GParamSpec         *pspec,
          AtriumLiveBookings *self)
{
  /* Caught up after every (re)connection: what changed meanwhile is in the answer. */
  if (atrium_live_client_get_state (live) == ATRIUM_LIVE_STATE_LIVE)
    fetch (self);
}

/* ---- public ------------------------------------------------------------------------- */

/**
 * atrium_live_bookings_new:
 * @api: signed in as the site's staff (or a manager or an administrator)
 * @live: (nullable): the live client to follow; NULL for a list fetched on demand only
 *
 * Fetches at once.
 */
AtriumLiveBookings *
atrium_live_bookings_new (AtriumApi        *api,
                          AtriumLiveClient *live,
                          gint64            site_id)
{
  AtriumLiveBookings *self;

  g_return_val_if_fail (ATRIUM_IS_API (api), NULL);
  g_return_val_if_fail (live == NULL || ATRIUM_IS_LIVE_CLIENT (live), NULL);
  g_return_val_if_fail (site_id > 0, NULL);

  self = g_object_new (ATRIUM_TYPE_LIVE_BOOKINGS, NULL);
  self->api = g_object_ref (api);
  self->site_id = site_id;
  if (live != NULL)
    {
      self->live = g_object_ref (live);
      self->booking_id = g_signal_connect (live, "booking", G_CALLBACK (on_booking), self);
      self->state_id = g_signal_connect (live, "notify::state", G_CALLBACK (on_state), self);
    }
  fetch (self);
  return self;
}

gint64
atrium_live_bookings_get_site_id (AtriumLiveBookings *self)
{
  g_return_val_if_fail (ATRIUM_IS_LIVE_BOOKINGS (self), 0);

  return self->site_id;
}

void
atrium_live_bookings_set_date (AtriumLiveBookings *self,
                               const char         *date)
{
  g_return_if_fail (ATRIUM_IS_LIVE_BOOKINGS (self));

  if (g_strcmp0 (self->date, date) == 0)
    return;
  g_free (self->date);
  self->date = g_strdup (date);
  /* What is under way is for the other day. */
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  self->again = FALSE;
  fetch (self);
}

void
atrium_live_bookings_refresh (AtriumLiveBookings *self)
{
  g_return_if_fail (ATRIUM_IS_LIVE_BOOKINGS (self));

  fetch (self);
}

gboolean
atrium_live_bookings_get_loading (AtriumLiveBookings *self)
{
  g_return_val_if_fail (ATRIUM_IS_LIVE_BOOKINGS (self), FALSE);

  return self->loading;
}

const GError *
atrium_live_bookings_get_error (AtriumLiveBookings *self)
{
  g_return_val_if_fail (ATRIUM_IS_LIVE_BOOKINGS (self), NULL);

  return self->error;
}

/* ---- GObject ------------------------------------------------------------------------- */

static void
atrium_live_bookings_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  AtriumLiveBookings *self = ATRIUM_LIVE_BOOKINGS (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_live_bookings_dispose (GObject *object)
{
  AtriumLiveBookings *self = ATRIUM_LIVE_BOOKINGS (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->live != NULL)
    {
      g_clear_signal_handler (&self->booking_id, self->live);
      g_clear_signal_handler (&self->state_id, self->live);
      g_clear_object (&self->live);
    }
  g_clear_object (&self->api);
  G_OBJECT_CLASS (atrium_live_bookings_parent_class)->dispose (object);
}

static void
atrium_live_bookings_finalize (GObject *object)
{
  AtriumLiveBookings *self = ATRIUM_LIVE_BOOKINGS (object);

  g_ptr_array_unref (self->items);
  g_free (self->date);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (atrium_live_bookings_parent_class)->finalize (object);
}

static void
atrium_live_bookings_class_init (AtriumLiveBookingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = atrium_live_bookings_get_property;
  object_class->dispose = atrium_live_bookings_dispose;
  object_class->finalize = atrium_live_bookings_finalize;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
atrium_live_bookings_init (AtriumLiveBookings *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}
