/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* An accepted connection as SoupServer is given it; see atrium-server-stream.c. */
GIOStream *atrium_server_stream_new                 (GIOStream *base,
                                                     GSocket   *socket,
                                                     GBytes    *pending);
void       atrium_server_stream_set_reading_headers (GIOStream *stream,
                                                     gboolean   reading_headers);

G_END_DECLS
