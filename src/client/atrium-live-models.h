/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-json.h"
#include "atrium-live-items.h"

G_BEGIN_DECLS

/*
 * The two models AtriumLiveClient feeds (spaces, queues), private to the library: what
 * the occupancy document and the live messages do to them, and the allow-lists their
 * JSON is checked against first.
 */

extern const AtriumJsonField atrium_live_space_fields[];
extern const AtriumJsonField atrium_live_queue_fields[];
extern const AtriumJsonField atrium_live_document_fields[];

typedef struct _AtriumLiveModels AtriumLiveModels;

typedef gboolean (*AtriumLiveSiteFilter) (gint64   site,
                                          gpointer user_data);

AtriumLiveModels *atrium_live_models_new             (void);
void              atrium_live_models_free            (AtriumLiveModels     *self);
GListModel       *atrium_live_models_get_spaces      (AtriumLiveModels     *self);
GListModel       *atrium_live_models_get_queues      (AtriumLiveModels     *self);

/* A fetch of the document was sent: what live messages change from now on is newer
 * than what it will bring. Ended by apply_document(), or abort when it is dropped. */
void              atrium_live_models_begin_catch_up  (AtriumLiveModels     *self);
void              atrium_live_models_abort_catch_up  (AtriumLiveModels     *self);

/* One live message's space or queue: updated in place, or added at the end. */
void              atrium_live_models_apply_space     (AtriumLiveModels     *self,
                                                      gint64                site,
                                                      JsonObject           *object);
void              atrium_live_models_apply_queue     (AtriumLiveModels     *self,
                                                      gint64                site,
                                                      JsonObject           *object);
/* The whole document: the sites @wanted accepts, whose ids go to @sites_out. */
void              atrium_live_models_apply_document  (AtriumLiveModels     *self,
                                                      JsonObject           *document,
                                                      AtriumLiveSiteFilter  wanted,
                                                      gpointer              wanted_data,
                                                      GArray               *sites_out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumLiveModels, atrium_live_models_free)

G_END_DECLS
