/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The service manager's notification protocol (sd_notify(3)), without libsystemd: one
 * datagram to $NOTIFY_SOCKET. Outside systemd both do nothing. */
gboolean atrium_sd_notify                (const char *state);
guint    atrium_sd_notify_watchdog_start (void);

G_END_DECLS
