/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "atrium-clock.h"
#include "atrium-server.h"

G_BEGIN_DECLS

/* The real server library in a thread of the test, listening on 127.0.0.1, with a
 * clock the test moves: for what depends on time (expiry, throttling, blocks). */
typedef struct _AtriumTestThread AtriumTestThread;

AtriumTestThread *atrium_test_thread_start    (const char       *config_text,
                                               AtriumClock      *clock);
typedef void (*AtriumTestSetupFunc) (AtriumServer *server,
                                     gpointer      user_data);

/* Like atrium_test_thread_start(), and runs @setup on the server's thread before it
 * serves (to add routes a test needs). */
AtriumTestThread *atrium_test_thread_start_full (const char         *config_text,
                                                 AtriumClock        *clock,
                                                 AtriumTestSetupFunc setup,
                                                 gpointer            user_data);
void              atrium_test_thread_stop     (AtriumTestThread *thread);
/* The server goes away (every connection closed) and comes back on the same data
 * directory and port, without the setup function. */
void              atrium_test_thread_down     (AtriumTestThread *thread);
void              atrium_test_thread_up       (AtriumTestThread *thread);
guint16           atrium_test_thread_port     (AtriumTestThread *thread);
const char       *atrium_test_thread_data_dir (AtriumTestThread *thread);
AtriumServer     *atrium_test_thread_server   (AtriumTestThread *thread);

/* One JSON request on a fresh connection. Returns the status; the body as text and,
 * when it is JSON, parsed. */
guint             atrium_test_request         (guint16           port,
                                               const char       *method,
                                               const char       *path,
                                               const char       *token,
                                               const char       *json_body,
                                               char            **body_out,
                                               JsonNode        **json_out,
                                               SoupMessageHeaders **headers_out);

/* Runs `atrium-server` with @args and @stdin_text on its standard input. */
int               atrium_test_run_server_input (const char        *stdin_text,
                                                char             **out,
                                                char             **err,
                                                const char * const *args);

/* A session token for @name; answers a second factor with the TOTP seed in @useradd_out
 * (what `atrium-server useradd` printed) at @now, unix seconds. */
char             *atrium_test_sign_in         (guint16           port,
                                               const char       *name,
                                               const char       *password,
                                               const char       *useradd_out,
                                               gint64            now);

G_END_DECLS
