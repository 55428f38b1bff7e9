/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The embedded backend: `atrium` with no server URL runs the server library in a thread
 * of the app, its data under `$XDG_DATA_HOME/atrium/`, listening only on a Unix socket
 * in a private 0700 directory of `$XDG_RUNTIME_DIR`. A client reaches it with a
 * SoupSession whose "remote-connectable" is atrium_embedded_get_connectable() and the
 * base URL atrium_embedded_get_base_url() ("http://localhost").
 *
 * The demo mode (`atrium --demo`) runs on a throwaway data directory, removed on stop,
 * loaded with the demo institution and fed by the simulated sensors; the demo accounts
 * are handed back to the caller.
 */

#define ATRIUM_EMBEDDED_ERROR (atrium_embedded_error_quark ())

typedef enum
{
  ATRIUM_EMBEDDED_ERROR_DIRECTORY,  /* a data or runtime directory cannot be made safe */
  ATRIUM_EMBEDDED_ERROR_SERVER,     /* the server could not start (store, socket, demo) */
  ATRIUM_EMBEDDED_ERROR_STATE,      /* started twice, or stopped when not running */
} AtriumEmbeddedError;

/* One account of the demo institution. @totp_uri and @recovery_code are NULL for roles
 * without a second factor. */
typedef struct
{
  char *name;
  char *role;          /* "patron", "staff:1", … as `atrium-server useradd` takes it */
  char *password;
  char *totp_uri;      /* otpauth://… */
  char *recovery_code;
} AtriumDemoAccount;

#define ATRIUM_TYPE_EMBEDDED (atrium_embedded_get_type ())
G_DECLARE_FINAL_TYPE (AtriumEmbedded, atrium_embedded, ATRIUM, EMBEDDED, GObject)

GQuark              atrium_embedded_error_quark      (void);

/* @demo: a throwaway demo institution instead of `$XDG_DATA_HOME/atrium/`.
 * @config_file (nullable): a server configuration, as `serve --config` takes it. */
AtriumEmbedded     *atrium_embedded_new              (gboolean              demo,
                                                      const char           *config_file);

/* Blocks until the server listens (seconds for the demo: it hashes passwords and
 * writes eight weeks of statistics); the async form runs it in a worker thread. */
gboolean            atrium_embedded_start            (AtriumEmbedded       *self,
                                                      GError              **error);
void                atrium_embedded_start_async      (AtriumEmbedded       *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean            atrium_embedded_start_finish     (AtriumEmbedded       *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
/* Ends the server's thread, removes the socket and its directory (and in demo mode the
 * data directory). Safe to call when not running; the last unref calls it too. */
void                atrium_embedded_stop             (AtriumEmbedded       *self);

gboolean            atrium_embedded_is_running       (AtriumEmbedded       *self);
gboolean            atrium_embedded_is_demo          (AtriumEmbedded       *self);
GSocketConnectable *atrium_embedded_get_connectable  (AtriumEmbedded       *self);
const char         *atrium_embedded_get_base_url     (AtriumEmbedded       *self);
const char         *atrium_embedded_get_socket_path  (AtriumEmbedded       *self);
const char         *atrium_embedded_get_data_dir     (AtriumEmbedded       *self);

/* What `atrium-server demo` (atrium_demo_load()) printed for a person to see once: the
 * accounts ("  NAME ROLE password PW", then "second factor: URI" and "recovery code:
 * CODE" lines), appended to @accounts (of atrium_demo_accounts_new()), and the kiosk's
 * token ("Kiosk N at SITE, token: TOKEN") into @kiosk_token (nullable). */
GArray             *atrium_demo_accounts_new         (void);
void                atrium_demo_report_read          (const char           *report,
                                                      GArray               *accounts,
                                                      char                **kiosk_token);

/* Demo mode only (else NULL / 0): the accounts and the kiosk's device token. */
const AtriumDemoAccount *atrium_embedded_get_demo_accounts (AtriumEmbedded *self,
                                                            guint          *n_accounts);
const AtriumDemoAccount *atrium_embedded_find_demo_account (AtriumEmbedded *self,
                                                            const char     *role);
const char         *atrium_embedded_get_demo_kiosk_token   (AtriumEmbedded *self);

G_END_DECLS
