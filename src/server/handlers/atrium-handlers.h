/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-server.h"

G_BEGIN_DECLS

/* Each API area registers its table of routes. */
void atrium_handlers_register_system (AtriumServer *server);
void atrium_handlers_register_auth    (AtriumServer *server);
void atrium_handlers_register_account (AtriumServer *server);

G_END_DECLS
