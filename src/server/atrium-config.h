/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ATRIUM_CONFIG_ERROR (atrium_config_error_quark ())

typedef enum
{
  ATRIUM_CONFIG_ERROR_INVALID,   /* a value, a key or a group that is not allowed */
  ATRIUM_CONFIG_ERROR_FILE,      /* the file cannot be read or parsed */
} AtriumConfigError;

typedef enum
{
  ATRIUM_TLS_1_3_ONLY,
  ATRIUM_TLS_1_2_AEAD,   /* TLS 1.2 with AEAD ciphers and forward secrecy, and TLS 1.3 */
} AtriumTlsFloor;

/* Every option of server.conf, each with its default (data/server.conf.example). */
typedef struct
{
  /* [server] — listeners; the command line overrides these */
  char          *https;               /* ADDR:PORT or NULL */
  char          *http;                /* ADDR:PORT answering only 301 to https, or NULL */
  char          *unix_path;           /* Unix socket for the embedded mode, or NULL */
  char          *cert_file;
  char          *key_file;
  char          *public_host;         /* host name used in redirects; default: the Host header */
  char          *reset_url;           /* where reset links point; the token follows '#' */
  guint          workers;             /* threads running handlers and DB work */
  guint          processes;           /* HTTP processes sharing the port (SO_REUSEPORT) */

  /* [tls] */
  AtriumTlsFloor tls_floor;

  /* [limits] */
  guint          max_body_bytes;
  guint          max_header_bytes;
  guint          header_timeout_seconds;   /* from connection or previous answer to full headers */
  guint          request_timeout_seconds;  /* from connection to full body */
  guint          keepalive_seconds;        /* an idle kept-alive connection is closed */
  guint          max_connections;
  guint          max_connections_per_ip;
  guint          requests_per_minute_per_ip;
  guint          requests_per_minute_per_account;

  /* [security] */
  gboolean       blocking_enabled;
  char         **blocked_networks;     /* addresses or CIDR ranges refused outright */

  /* [password] */
  guint          password_min_length;
  guint          password_min_classes;
  gboolean       password_reject_common;
  guint          argon2_iterations;
  guint          argon2_memory_mib;

  /* [session] */
  guint          session_idle_minutes;
  guint          session_absolute_hours;

  /* [brute_force] */
  guint          account_free_failures;      /* failures before delays start */
  guint          account_max_delay_seconds;  /* the delays grow up to this lock */
  guint          account_max_failures_per_hour;
  guint          ip_max_failures;            /* within ip_window_seconds */
  guint          ip_window_seconds;
  guint          ip_block_seconds;
  guint          ip_repeat_block_seconds;    /* for an address blocked before */

  /* [occupancy] */
  guint          sensor_max_skew_seconds;    /* posts stamped further from our clock: 422 */
  guint          sensor_silent_minutes;      /* a sensor quiet this long raises an event */
  guint          wait_window_minutes;        /* the service rate's sliding window */
  guint          wait_min_served;            /* fewer served in the window: no estimate */

  /* [bookings] */
  guint          checkin_opens_minutes;      /* check-in opens this long before the start */
  guint          checkin_closes_minutes;     /* …and closes this long after: a no-show */
  guint          break_minutes;              /* a short break holds the seat this long */
  guint          reminder_minutes;           /* the reminder goes this long ahead; 0: none */

  /* [live] */
  guint          live_max_subscribers;
  guint          live_max_message_bytes;
  guint          live_max_queued_kib;        /* a subscriber this far behind is dropped */
  guint          live_heartbeat_seconds;

  /* [public] */
  gboolean       open_feed;                  /* occupancy readable without credentials */

  /* [mail]: SMTP submission for codes, reset links and notices; no host, no email */
  char          *mail_host;
  guint          mail_port;
  char          *mail_tls;                   /* none (loopback only), starttls, implicit */
  char          *mail_user;
  char          *mail_password_file;
  char          *mail_from;
  char          *mail_from_name;
  char          *mail_ca_file;

  /* [sms]: an HTTP gateway; no url, no SMS */
  char          *sms_url;
  char          *sms_body_template;
  char          *sms_content_type;
  char          *sms_auth_header_file;
  char          *sms_ca_file;

  /* [privacy] */
  guint          retention_days;             /* bookings ended longer ago are anonymised */
  /* [backup]: no directory, no scheduled backups */
  char          *backup_directory;
  guint          backup_hour;                /* the daily full backup, UTC */
  guint          backup_incremental_minutes; /* 0: no incremental backups */
  guint          backup_keep_days;
  char          *backup_copy_to;             /* a second directory (a mount) */
  char         **backup_copy_command;        /* argv, the backup's path appended */
} AtriumConfig;

GQuark        atrium_config_error_quark (void);

AtriumConfig *atrium_config_new_default (void);
AtriumConfig *atrium_config_load        (const char    *path,
                                         GError       **error);
void          atrium_config_free        (AtriumConfig  *config);
const char   *atrium_config_tls_priority (const AtriumConfig *config);

gboolean      atrium_parse_host_port    (const char    *text,
                                         char         **host_out,
                                         guint16       *port_out,
                                         GError       **error);
gboolean      atrium_address_is_loopback (const char   *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumConfig, atrium_config_free)

G_END_DECLS
