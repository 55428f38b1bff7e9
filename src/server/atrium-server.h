/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "atrium-clock.h"
#include "atrium-config.h"
#include "atrium-request.h"
#include "atrium-store.h"

G_BEGIN_DECLS

#define ATRIUM_SERVER_ERROR (atrium_server_error_quark ())

typedef enum
{
  ATRIUM_SERVER_ERROR_LISTEN,        /* an address or socket cannot be used */
  ATRIUM_SERVER_ERROR_CERTIFICATE,   /* the certificate or its key cannot be loaded */
  ATRIUM_SERVER_ERROR_NOT_LOOPBACK,  /* plain HTTP asked for on a public address */
} AtriumServerError;

typedef enum
{
  ATRIUM_LISTENER_HTTPS,
  ATRIUM_LISTENER_REDIRECT,    /* plain HTTP answering only 301 to https */
  ATRIUM_LISTENER_UNIX,
  ATRIUM_LISTENER_INSECURE,    /* plain HTTP API on loopback, for tests and benchmarks */
} AtriumListenerKind;

#define ATRIUM_N_LISTENER_KIND_COUNT 4

/* Hooks other parts of the server install; each runs on a worker thread. */
typedef gboolean (*AtriumAuthenticateFunc) (AtriumRequest *request,
                                            gpointer       user_data);

typedef enum
{
  ATRIUM_SECURITY_AUTHZ_FAIL,    /* a route refused the caller's roles */
  ATRIUM_SECURITY_UNKNOWN_PATH,  /* no route at all: probing */
  ATRIUM_SECURITY_INJECTION,     /* input carrying an attack signature */
  ATRIUM_SECURITY_FLOOD,         /* ten times the address's usual request rate */
} AtriumSecurityKind;

/* Returns TRUE when the request must be refused (the address is now blocked). */
typedef gboolean (*AtriumSecurityFunc) (AtriumRequest      *request,
                                        AtriumSecurityKind  kind,
                                        const char         *detail,
                                        gpointer            user_data);

/* Takes over a connection upgraded to WebSocket (the 101 is written), with the data the
 * route's handler left in the request. On the HTTP thread; owns @stream's reference. */
typedef void (*AtriumUpgradeFunc) (AtriumServer *server,
                                   GIOStream    *stream,
                                   gpointer      upgrade_data,
                                   gpointer      user_data);

GQuark        atrium_server_error_quark        (void);

AtriumServer *atrium_server_new                (AtriumConfig        *config,
                                                AtriumStore         *store,
                                                AtriumClock         *clock);
void          atrium_server_free               (AtriumServer        *self);
AtriumConfig *atrium_server_get_config         (AtriumServer        *self);
AtriumStore  *atrium_server_get_store          (AtriumServer        *self);
AtriumClock  *atrium_server_get_clock          (AtriumServer        *self);

void          atrium_server_add_routes         (AtriumServer        *self,
                                                const AtriumRoute   *routes,
                                                guint                n_routes);
void          atrium_server_set_authenticator  (AtriumServer        *self,
                                                AtriumAuthenticateFunc func,
                                                gpointer             user_data);
void          atrium_server_set_security_hook  (AtriumServer        *self,
                                                AtriumSecurityFunc   func,
                                                gpointer             user_data);
void          atrium_server_set_upgrade_hook   (AtriumServer        *self,
                                                AtriumUpgradeFunc    func,
                                                gpointer             user_data);

gboolean      atrium_server_load_certificate   (AtriumServer        *self,
                                                GError             **error);
GTlsCertificate *atrium_server_get_certificate (AtriumServer        *self);
gboolean      atrium_server_listen             (AtriumServer        *self,
                                                AtriumListenerKind   kind,
                                                const char          *address,
                                                GError             **error);
guint16       atrium_server_get_port           (AtriumServer        *self,
                                                AtriumListenerKind   kind);
void          atrium_server_drain              (AtriumServer        *self,
                                                GMainLoop           *loop);
guint         atrium_server_get_open_connections (AtriumServer      *self);

/* The services the server owns; freed in reverse order once the router has stopped. */
typedef enum
{
  ATRIUM_SERVICE_AUTH,
  ATRIUM_SERVICE_LIVE,
  ATRIUM_SERVICE_OCCUPANCY,
  ATRIUM_SERVICE_BOOKINGS,
  ATRIUM_N_SERVICES
} AtriumService;

void          atrium_server_set_service        (AtriumServer        *self,
                                                AtriumService        kind,
                                                gpointer             service,
                                                GDestroyNotify       free_func);
gpointer      atrium_server_get_service        (AtriumServer        *self,
                                                AtriumService        kind);

void          atrium_server_log_error          (AtriumServer        *self,
                                                const char          *request_id,
                                                const char          *format,
                                                ...) G_GNUC_PRINTF (3, 4);

void          atrium_server_block_address      (AtriumServer        *self,
                                                const char          *ip,
                                                guint                seconds);
void          atrium_server_unblock_address    (AtriumServer        *self,
                                                const char          *ip);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumServer, atrium_server_free)

G_END_DECLS
