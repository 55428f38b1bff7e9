/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "atrium-server-private.h"

G_BEGIN_DECLS

typedef struct _AtriumFront AtriumFront;

AtriumFront *atrium_front_new    (AtriumServer     *server,
                                  AtriumConnection *conn,
                                  GIOStream        *base,
                                  GSocket          *socket,
                                  GSocketAddress   *local,
                                  gboolean          via_loopback);
void         atrium_front_detach (AtriumFront      *front);

G_END_DECLS
