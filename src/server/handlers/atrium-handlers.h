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

/* Each API area registers its table of routes. */
void atrium_handlers_register_system (AtriumServer *server);
void atrium_handlers_register_auth    (AtriumServer *server);
void atrium_handlers_register_account (AtriumServer *server);
void atrium_handlers_register_users   (AtriumServer *server);
void atrium_handlers_register_security (AtriumServer *server);

G_END_DECLS
