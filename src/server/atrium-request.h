/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "atrium-json.h"

G_BEGIN_DECLS

typedef struct _AtriumServer  AtriumServer;
typedef struct _AtriumRequest AtriumRequest;

/* Roles (DESIGN.md §3). staff and manager are granted per site. */
typedef enum
{
  ATRIUM_ROLE_PATRON    = 1 << 0,
  ATRIUM_ROLE_STAFF     = 1 << 1,
  ATRIUM_ROLE_MANAGER   = 1 << 2,
  ATRIUM_ROLE_REPORTING = 1 << 3,
  ATRIUM_ROLE_ADMIN     = 1 << 4,
  ATRIUM_ROLE_KIOSK     = 1 << 5,
  ATRIUM_ROLE_SENSOR    = 1 << 6,
} AtriumRole;

#define ATRIUM_ROLES_USERS (ATRIUM_ROLE_PATRON | ATRIUM_ROLE_STAFF | ATRIUM_ROLE_MANAGER | \
                            ATRIUM_ROLE_REPORTING | ATRIUM_ROLE_ADMIN)

typedef enum
{
  ATRIUM_ROUTE_DEFAULT    = 0,
  ATRIUM_ROUTE_PUBLIC     = 1 << 0,  /* no credentials needed */
  ATRIUM_ROUTE_JSON_BODY  = 1 << 1,  /* the body is JSON, decoded against .schema */
  ATRIUM_ROUTE_SECOND_FACTOR = 1 << 2,  /* the session must have passed a second factor */
  ATRIUM_ROUTE_LOOPBACK   = 1 << 3,  /* public only to loopback and the Unix socket */
  ATRIUM_ROUTE_WEBSOCKET  = 1 << 4,  /* a handler answering 101 upgrades the connection */
} AtriumRouteFlags;

typedef void (*AtriumHandler) (AtriumRequest *request);

/* A download: an answer too large for memory, produced after the handler returns by
 * this function on a thread of its own (atrium-download.h). */
typedef struct _AtriumDownload AtriumDownload;
typedef gboolean (*AtriumDownloadFunc) (AtriumDownload  *download,
                                        gpointer         user_data,
                                        GError         **error);

/* A read the HTTP thread may answer itself, from memory, for a caller it authenticated
 * moments ago: the answer, or NULL to go the usual way. Must never block. */
typedef GBytes *(*AtriumFastHandler) (AtriumServer *server,
                                      char * const *params,
                                      guint         n_params);

/* One endpoint. `path` segments in braces ("{id}") are captured as parameters. */
typedef struct
{
  const char            *method;
  const char            *path;
  guint                  roles;     /* AtriumRole bits allowed; 0 with PUBLIC */
  guint                  flags;     /* AtriumRouteFlags */
  const AtriumJsonField *schema;    /* with JSON_BODY */
  AtriumHandler          handler;
  AtriumFastHandler      fast;      /* optional: see AtriumFastHandler */
} AtriumRoute;

/* Who made the request, once authentication has run. */
typedef struct
{
  gint64   user_id;          /* 0 for none */
  gint64   device_id;        /* kiosk or sensor, 0 for none */
  gint64   session_id;
  char    *name;
  guint    roles;            /* AtriumRole bits, every site */
  GArray  *site_roles;       /* AtriumSiteRole: staff/manager grants per site */
  gboolean second_factor;
} AtriumPrincipal;

typedef struct
{
  gint64 site_id;
  guint  role;
} AtriumSiteRole;

/* Everything a handler may read, copied off the HTTP thread's message, and the answer
 * it builds. Handlers run on worker threads and never see the SoupServerMessage. */
struct _AtriumRequest
{
  AtriumServer      *server;
  const AtriumRoute *route;
  char              *request_id;
  char              *method;
  char              *path;
  GHashTable        *query;            /* name → value, or NULL */
  char              *params[4];
  guint              n_params;
  char              *client_ip;
  gboolean           via_loopback;     /* loopback TCP or the Unix socket */
  gboolean           via_tls;
  gboolean           flood;            /* ten times the address's usual pace */
  char              *authorization;    /* the Authorization header, or NULL */
  char              *user_agent;
  char              *idempotency_key;
  GBytes            *body;
  JsonNode          *json;             /* the decoded body, with JSON_BODY */
  AtriumPrincipal    principal;

  /* the answer */
  guint              status;
  gpointer           upgrade_data;     /* with WEBSOCKET and 101: for the upgrade hook */
  GDestroyNotify     upgrade_free;
  AtriumDownloadFunc download_func;    /* with 200: the body comes from a download */
  gpointer           download_data;
  GDestroyNotify     download_free;
  GBytes            *response;
  const char        *content_type;
  GPtrArray         *response_headers; /* name, value, name, value… */
};

const char *atrium_request_get_param    (AtriumRequest *request,
                                         guint          index);
const char *atrium_request_get_query    (AtriumRequest *request,
                                         const char    *name);
void        atrium_request_reply_json   (AtriumRequest *request,
                                         guint          status,
                                         JsonNode      *node);
void        atrium_request_reply_bytes  (AtriumRequest *request,
                                         guint          status,
                                         const char    *content_type,
                                         GBytes        *bytes);
void        atrium_request_reply_error  (AtriumRequest *request,
                                         guint          status,
                                         const char    *code,
                                         const char    *format,
                                         ...) G_GNUC_PRINTF (4, 5);
void        atrium_request_add_header   (AtriumRequest *request,
                                         const char    *name,
                                         const char    *value);
void        atrium_request_free         (AtriumRequest *request);

gboolean    atrium_request_may_at_site  (AtriumRequest *request,
                                         gint64         site_id,
                                         guint          roles);

G_END_DECLS
