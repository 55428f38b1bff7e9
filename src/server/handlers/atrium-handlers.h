/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-server.h"

#include "atrium-store-users.h"

G_BEGIN_DECLS

typedef struct _AtriumAuth AtriumAuth;

AtriumAuth *atrium_handlers_auth             (AtriumRequest    *request);
const char *atrium_handlers_member_string    (AtriumRequest    *request,
                                              const char       *name);
void        atrium_handlers_reply_builder    (AtriumRequest    *request,
                                              guint             status,
                                              JsonBuilder      *builder);
void        atrium_handlers_add_roles        (JsonBuilder      *builder,
                                              const AtriumUser *user);
void        atrium_handlers_add_user_members (JsonBuilder      *builder,
                                              const AtriumUser *user,
                                              gboolean          full);

void        atrium_handlers_audit            (AtriumRequest    *request,
                                              AtriumDb         *writer,
                                              const char       *event,
                                              const char       *subject,
                                              const char       *detail);
gboolean    atrium_handlers_param_id         (AtriumRequest    *request,
                                              guint             index,
                                              const char       *what,
                                              gint64           *id);
void        atrium_handlers_add_time         (JsonBuilder      *builder,
                                              const char       *name,
                                              gint64            seconds);
/* Ends a write transaction: COMMIT when @ok, else (or when the commit fails) ROLLBACK.
 * Returns whether the changes are stored. */
gboolean    atrium_handlers_end_transaction  (AtriumDb         *db,
                                              gboolean          ok,
                                              GError          **error);
void        atrium_handlers_add_text         (JsonBuilder      *builder,
                                              const char       *name,
                                              const char       *text);
/* Answers {"sessions": [...]} with @user_id's sessions (atrium_store_sessions_list), the
 * caller's own marked "current". */
void        atrium_handlers_reply_sessions   (AtriumRequest    *request,
                                              gint64            user_id);

void        atrium_handlers_reply_store_error (AtriumRequest   *request,
                                              const GError     *error,
                                              const char       *conflict);

/* Each API area registers its table of routes. */
void atrium_handlers_register_system (AtriumServer *server);
void atrium_handlers_register_auth    (AtriumServer *server);
void atrium_handlers_register_account (AtriumServer *server);
void atrium_handlers_register_users   (AtriumServer *server);
void atrium_handlers_register_security (AtriumServer *server);
void atrium_handlers_register_sites   (AtriumServer *server);
void atrium_handlers_register_occupancy (AtriumServer *server);
void atrium_handlers_register_stats   (AtriumServer *server);
void atrium_handlers_register_resources (AtriumServer *server);
void atrium_handlers_register_bookings (AtriumServer *server);
void atrium_handlers_register_checkin (AtriumServer *server);
void atrium_handlers_register_keys    (AtriumServer *server);
void atrium_handlers_register_export  (AtriumServer *server);
void atrium_handlers_register_privacy (AtriumServer *server);

G_END_DECLS
