/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-live"

#include "config.h"

#include "atrium-live-models.h"

struct _AtriumLiveModels
{
  GListStore *spaces;
  GListStore *queues;
  GHashTable *space_index;      /* gint64 id → AtriumLiveSpace */
  GHashTable *queue_index;
  GHashTable *touched;          /* "space:ID"/"queue:ID" moved during a catch-up */
  gboolean    catching_up;
};

/* ---- what the server sends: allow-lists -------------------------------------------- */

const AtriumJsonField atrium_live_space_fields[] = {
  { "id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "name", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 0, 0 },
  { "kind", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 0, 0 },
  { "count", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, G_MAXINT64 },
  { "checked_in", ATRIUM_JSON_INT, ATRIUM_JSON_OPTIONAL, 0, G_MAXINT64 },
  { "capacity", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, G_MAXUINT32 },
  { "free", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, G_MAXINT64 },
  { "percent", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED | ATRIUM_JSON_NULLABLE, 0, 100000 },
  { "level", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 16 },
  { "updated_at", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED | ATRIUM_JSON_NULLABLE, 1, 40 },
  { NULL }
};

const AtriumJsonField atrium_live_queue_fields[] = {
  { "id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "name", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 0, 0 },
  { "kind", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 0, 0 },
  { "length", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 0, G_MAXINT64 },
  { "wait_seconds", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED | ATRIUM_JSON_NULLABLE, 0,
    G_MAXINT64 },
  { "wait_status", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 1, 32 },
  { "updated_at", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED | ATRIUM_JSON_NULLABLE, 1, 40 },
  { NULL }
};

static const AtriumJsonField space_item[] = {
  { "space", ATRIUM_JSON_OBJECT, ATRIUM_JSON_REQUIRED, 0, 0, atrium_live_space_fields },
};

static const AtriumJsonField queue_item[] = {
  { "queue", ATRIUM_JSON_OBJECT, ATRIUM_JSON_REQUIRED, 0, 0, atrium_live_queue_fields },
};

static const AtriumJsonField site_fields[] = {
  { "id", ATRIUM_JSON_INT, ATRIUM_JSON_REQUIRED, 1, G_MAXINT64 },
  { "name", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 0, 0 },
  { "timezone", ATRIUM_JSON_STRING, ATRIUM_JSON_REQUIRED, 0, 0 },
  { "open", ATRIUM_JSON_BOOL, ATRIUM_JSON_REQUIRED },
  { "spaces", ATRIUM_JSON_ARRAY, ATRIUM_JSON_REQUIRED, 0, 100000, NULL, space_item },
  { "queues", ATRIUM_JSON_ARRAY, ATRIUM_JSON_REQUIRED, 0, 100000, NULL, queue_item },
  { NULL }
};

static const AtriumJsonField site_item[] = {
  { "site", ATRIUM_JSON_OBJECT, ATRIUM_JSON_REQUIRED, 0, 0, site_fields },
};

const AtriumJsonField atrium_live_document_fields[] = {
  { "sites", ATRIUM_JSON_ARRAY, ATRIUM_JSON_REQUIRED, 0, 100000, NULL, site_item },
  { NULL }
};

/* ---- updates ------------------------------------------------------------------------ */

/* What differs between the two models: the name of an item and how it is made. */
typedef struct
{
  const char *name;                /* "space", "queue": in touch keys */
  const char *document_member;     /* "spaces", "queues": in a site of the document */
  GObject  *(*create) (gint64      site,
                       JsonObject *object);
  gboolean  (*update) (GObject    *item,
                       gint64      site,
                       JsonObject *object);
} ItemKind;

static GObject *
space_create (gint64      site,
              JsonObject *object)
{
  return G_OBJECT (atrium_live_space_new_from_json (site, object));
}

static gboolean
space_update (GObject    *item,
              gint64      site,
              JsonObject *object)
{
  return atrium_live_space_update (ATRIUM_LIVE_SPACE (item), site, object);
}

static GObject *
queue_create (gint64      site,
              JsonObject *object)
{
  return G_OBJECT (atrium_live_queue_new_from_json (site, object));
}

static gboolean
queue_update (GObject    *item,
              gint64      site,
              JsonObject *object)
{
  return atrium_live_queue_update (ATRIUM_LIVE_QUEUE (item), site, object);
}

static const ItemKind space_kind = { "space", "spaces", space_create, space_update };
static const ItemKind queue_kind = { "queue", "queues", queue_create, queue_update };

/* A live message about one item: updated in place, or added at the end. */
static void
apply_item (const ItemKind *kind,
            GListStore     *store,
            GHashTable     *index,
            gint64          site,
            JsonObject     *object)
{
  gint64 id = json_object_get_int_member (object, "id");
  GObject *item = g_hash_table_lookup (index, &id);

  if (item != NULL)
    {
      kind->update (item, site, object);
      return;
    }
  item = kind->create (site, object);
  g_hash_table_insert (index, g_memdup2 (&id, sizeof id), item);
  g_list_store_append (store, item);
  g_object_unref (item);
}

static char *
touch_key (const char *kind,
           gint64      id)
{
  return g_strdup_printf ("%s:%" G_GINT64_FORMAT, kind, id);
}

/* Makes @store hold @items in that order: items already there are the same objects
 * (updated in place), so items-changed is only emitted when the membership or order
 * changed. */
static void
replace_items (GListStore *store,
               GHashTable *index,
               GPtrArray  *items,
               const char *id_property)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  gboolean same = n == items->len;

  for (guint i = 0; same && i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (store), i);

      same = item == items->pdata[i];
    }
  if (same)
    return;
  g_hash_table_remove_all (index);
  for (guint i = 0; i < items->len; i++)
    {
      gint64 id = 0;

      g_object_get (items->pdata[i], id_property, &id, NULL);
      g_hash_table_insert (index, g_memdup2 (&id, sizeof id), items->pdata[i]);
    }
  g_list_store_splice (store, 0, n, items->pdata, items->len);
}

/* The items of one site's list in the document, in its order, into @out: those known
 * updated (unless a live message moved them during the catch-up), the others new. */
static void
collect_items (AtriumLiveModels *self,
               const ItemKind   *kind,
               GHashTable       *index,
               gint64            site_id,
               JsonArray        *list,
               GPtrArray        *out)
{
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *object = json_array_get_object_element (list, i);
      gint64 id = json_object_get_int_member (object, "id");
      g_autofree char *key = touch_key (kind->name, id);
      GObject *item = g_hash_table_lookup (index, &id);

      if (item == NULL)
        item = kind->create (site_id, object);
      else
        {
          g_object_ref (item);
          if (!g_hash_table_contains (self->touched, key))
            kind->update (item, site_id, object);
        }
      g_ptr_array_add (out, item);
    }
}

/* The document of GET /api/v1/occupancy, checked against the allow-list. An item that a
 * live message changed since the fetch was sent keeps what the message said: the
 * message is at least as new. */
void
atrium_live_models_apply_document (AtriumLiveModels     *self,
                                   JsonObject           *document,
                                   AtriumLiveSiteFilter  wanted,
                                   gpointer              wanted_data,
                                   GArray               *sites_out)
{
  JsonArray *sites = json_object_get_array_member (document, "sites");
  g_autoptr(GPtrArray) spaces = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) queues = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint s = 0; s < json_array_get_length (sites); s++)
    {
      JsonObject *site = json_array_get_object_element (sites, s);
      gint64 site_id = json_object_get_int_member (site, "id");

      if (!wanted (site_id, wanted_data))
        continue;
      g_array_append_val (sites_out, site_id);
      collect_items (self, &space_kind, self->space_index, site_id,
                     json_object_get_array_member (site, space_kind.document_member), spaces);
      collect_items (self, &queue_kind, self->queue_index, site_id,
                     json_object_get_array_member (site, queue_kind.document_member), queues);
    }
  replace_items (self->spaces, self->space_index, spaces, "id");
  replace_items (self->queues, self->queue_index, queues, "id");
  g_hash_table_remove_all (self->touched);
  self->catching_up = FALSE;
}

static void
apply_live (AtriumLiveModels *self,
            const ItemKind   *kind,
            GListStore       *store,
            GHashTable       *index,
            gint64            site,
            JsonObject       *object)
{
  if (self->catching_up)
    g_hash_table_add (self->touched,
                      touch_key (kind->name, json_object_get_int_member (object, "id")));
  apply_item (kind, store, index, site, object);
}

void
atrium_live_models_apply_space (AtriumLiveModels *self,
                                gint64            site,
                                JsonObject       *object)
{
  apply_live (self, &space_kind, self->spaces, self->space_index, site, object);
}

void
atrium_live_models_apply_queue (AtriumLiveModels *self,
                                gint64            site,
                                JsonObject       *object)
{
  apply_live (self, &queue_kind, self->queues, self->queue_index, site, object);
}

void
atrium_live_models_begin_catch_up (AtriumLiveModels *self)
{
  g_hash_table_remove_all (self->touched);
  self->catching_up = TRUE;
}

void
atrium_live_models_abort_catch_up (AtriumLiveModels *self)
{
  g_hash_table_remove_all (self->touched);
  self->catching_up = FALSE;
}

/* ---- life ---------------------------------------------------------------------------- */

AtriumLiveModels *
atrium_live_models_new (void)
{
  AtriumLiveModels *self = g_new0 (AtriumLiveModels, 1);

  self->spaces = g_list_store_new (ATRIUM_TYPE_LIVE_SPACE);
  self->queues = g_list_store_new (ATRIUM_TYPE_LIVE_QUEUE);
  self->space_index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->queue_index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
atrium_live_models_free (AtriumLiveModels *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->touched);
  g_hash_table_unref (self->space_index);
  g_hash_table_unref (self->queue_index);
  g_object_unref (self->spaces);
  g_object_unref (self->queues);
  g_free (self);
}

GListModel *
atrium_live_models_get_spaces (AtriumLiveModels *self)
{
  return G_LIST_MODEL (self->spaces);
}

GListModel *
atrium_live_models_get_queues (AtriumLiveModels *self)
{
  return G_LIST_MODEL (self->queues);
}
