/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdio.h>
#include <libsoup/soup.h>

#include "atrium-server.h"

G_BEGIN_DECLS

/* libsoup 3.2 has no name for it. */
#define ATRIUM_STATUS_TOO_MANY_REQUESTS 429



struct _AtriumServer
{
  AtriumConfig          *config;
  AtriumStore           *store;
  AtriumClock           *clock;
  GMainContext          *context;       /* the HTTP thread's */

  SoupServer            *soup;          /* HTTPS, Unix socket and insecure loopback */
  SoupServer            *redirect_soup; /* plain HTTP: 301 only */
  guint16                ports[ATRIUM_N_LISTENER_KIND_COUNT];
  guint16                https_port;
  char                  *unix_path;

  /* HTTP thread only */
  GPtrArray             *listeners;     /* Listener: our listening sockets */
  GSocket               *anchor;        /* keeps SoupServer's keep-alive on */
  GHashTable            *connections;   /* GSocketAddress* of the peer → Connection */
  GHashTable            *per_ip;        /* ip → open connections */
  GCancellable          *cancellable;   /* cancelled when the server stops */
  guint                  handshakes;    /* TLS handshakes under way */
  gboolean               stopping;
  gint64                 accept_reported; /* monotonic time an accept() error was logged */
  GHashTable            *buckets;       /* ip → RateBucket */
  GHashTable            *recent;        /* token hash → RecentCaller (fast reads) */
  guint                  deadline_sweep_id;
  char                   http_date[40];    /* the Date of answers, made once a second */
  gint64                 http_date_second;
  guint                  sweep_id;

  /* any thread */
  gint                   open_connections; /* atomic: the size of connections */
  GMutex                 blocks_lock;
  GHashTable            *blocks;        /* ip → unix time the block ends */
  GPtrArray             *blocked_masks; /* GInetAddressMask from the config */

  /* router */
  GPtrArray             *routes;        /* const AtriumRoute * */
  GThreadPool           *workers;
  gint                   in_flight;     /* atomic */
  gboolean               draining;
  AtriumAuthenticateFunc authenticate;
  gpointer               authenticate_data;
  AtriumSecurityFunc     security;
  gpointer               security_data;
  AtriumUpgradeFunc      upgrade;
  gpointer               upgrade_data;
  gpointer               services[ATRIUM_N_SERVICES];
  GDestroyNotify         service_free[ATRIUM_N_SERVICES];
  GMutex                 error_log_lock;
  FILE                  *error_log;

  /* downloads (atrium-download.c) */
  gint                   downloads_reserved; /* atomic: started or about to be */
  GPtrArray             *downloads;     /* HTTP thread only: AtriumDownload under way */
  gboolean               downloads_closed; /* the server stops: no new download */
};

char       *atrium_message_client_ip  (SoupServerMessage *msg);
const char *atrium_message_request_id (SoupServerMessage *msg);
void     atrium_server_set_common_headers (AtriumServer      *self,
                                           SoupServerMessage *msg,
                                           const char        *request_id);
gboolean atrium_server_is_blocked      (AtriumServer      *self,
                                        const char        *ip);
void     atrium_server_reply_early     (AtriumServer      *self,
                                        SoupServerMessage *msg,
                                        guint              status,
                                        const char        *code,
                                        const char        *message);
char    *atrium_error_body             (const char        *code,
                                        const char        *message,
                                        const char        *request_id);
void     atrium_server_release_connection (AtriumServer    *self,
                                          SoupServerMessage *msg);
/* An accepted connection (atrium-server.c). */
typedef struct _AtriumConnection AtriumConnection;

const char *atrium_connection_get_ip       (AtriumConnection *conn);
void        atrium_connection_set_deadline (AtriumConnection *conn,
                                            guint             seconds);
void        atrium_connection_close        (AtriumConnection *conn);
void        atrium_connection_give_to_soup (AtriumConnection *conn,
                                            GIOStream        *base,
                                            GSocketAddress   *local,
                                            GBytes           *pending);

/* ---- the front desk (atrium-server-front.c) ------------------------------------------ */

/* A bodiless GET the front desk read off a connection itself. */
typedef struct
{
  const char *path;
  const char *client_ip;
  gboolean    via_loopback;
  gboolean    via_tls;
  const char *authorization;   /* the header, or NULL */
  const char *user_agent;      /* or NULL */
} AtriumFrontCall;

typedef enum
{
  ATRIUM_FRONT_PASS,       /* not the front desk's: libsoup reads it */
  ATRIUM_FRONT_ANSWERED,   /* the answer is ready */
  ATRIUM_FRONT_PENDING,    /* a worker answers; the callback follows on the HTTP thread */
} AtriumFrontResult;

typedef void (*AtriumFrontDone) (AtriumRequest *answer,
                                 gpointer       data);

AtriumFrontResult atrium_router_take_front (AtriumServer          *self,
                                            const AtriumFrontCall *call,
                                            AtriumRequest        **answer,
                                            AtriumFrontDone        done,
                                            gpointer               done_data,
                                            GDestroyNotify         done_free);
char *atrium_server_new_request_id        (void);
const char *atrium_server_http_date       (AtriumServer *self);
void  atrium_server_append_common_headers (AtriumServer *self,
                                           GString      *out,
                                           gboolean      via_tls,
                                           const char   *request_id);

void     atrium_server_init_router     (AtriumServer      *self);
void     atrium_download_start         (AtriumServer      *self,
                                        SoupServerMessage *msg,
                                        AtriumRequest     *request);
void     atrium_downloads_cancel_all   (AtriumServer      *self);
void     atrium_server_shutdown_router (AtriumServer      *self);

G_END_DECLS
