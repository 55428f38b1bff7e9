/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The service manager's notification protocol (sd_notify(3)), without libsystemd: one
 * datagram to $NOTIFY_SOCKET. Outside systemd both do nothing. */
gboolean atrium_sd_notify                (const char *state);
guint    atrium_sd_notify_watchdog_start (void);
char    *atrium_sd_receive               (int         fd,
                                          pid_t      *sender_out);

/* For `serve --workers N`: the workers notify the supervisor, which speaks for them. It
 * says READY=1 once every worker has, pings systemd's watchdog from its own main loop,
 * and kills a worker that stopped pinging for a whole watchdog interval (the supervisor
 * starts it again). NULL outside systemd. */
typedef struct _AtriumSdRelay AtriumSdRelay;

AtriumSdRelay *atrium_sd_relay_new           (guint           n_children);
const char    *atrium_sd_relay_get_address   (AtriumSdRelay  *relay);
void           atrium_sd_relay_child_started (AtriumSdRelay  *relay,
                                              guint           index,
                                              GPid            pid);
void           atrium_sd_relay_child_exited  (AtriumSdRelay  *relay,
                                              guint           index);
void           atrium_sd_relay_free          (AtriumSdRelay  *relay);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumSdRelay, atrium_sd_relay_free)

G_END_DECLS
