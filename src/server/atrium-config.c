/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-server"

#include "config.h"

#include "atrium-config.h"

#include <gio/gio.h>
#include <stddef.h>
#include <string.h>

G_DEFINE_QUARK (atrium-config-error-quark, atrium_config_error)

typedef enum
{
  OPT_STRING,
  OPT_UINT,
  OPT_CHOICE,   /* one of two words, stored as an int-sized value (a gboolean, an enum) */
  OPT_STRV,
} OptionType;

/* One row per option: where it lives in the file and in AtriumConfig, and its bounds. */
typedef struct
{
  const char *group;
  const char *key;
  OptionType  type;
  gsize       offset;
  guint       min;
  guint       max;
  const char *choices[2];   /* OPT_CHOICE: the two words, as the error message lists them */
  int         values[2];    /* OPT_CHOICE: what each word stores */
} Option;

#define OFF(field) offsetof (AtriumConfig, field)

static const Option options[] = {
  { "server",   "https",                      OPT_STRING,    OFF (https) },
  { "server",   "http",                       OPT_STRING,    OFF (http) },
  { "server",   "unix",                       OPT_STRING,    OFF (unix_path) },
  { "server",   "cert",                       OPT_STRING,    OFF (cert_file) },
  { "server",   "key",                        OPT_STRING,    OFF (key_file) },
  { "server",   "public_host",                OPT_STRING,    OFF (public_host) },
  { "server",   "reset_url",                  OPT_STRING,    OFF (reset_url) },
  { "server",   "workers",                    OPT_UINT,      OFF (workers), 1, 64 },
  { "server",   "processes",                  OPT_UINT,      OFF (processes), 1, 64 },
  { "tls",      "min_version",                OPT_CHOICE,    OFF (tls_floor), 0, 0, { "1.3", "1.2" },
    { ATRIUM_TLS_1_3_ONLY, ATRIUM_TLS_1_2_AEAD } },
  { "limits",   "max_body_bytes",             OPT_UINT,      OFF (max_body_bytes), 1024, 16 << 20 },
  { "limits",   "max_header_bytes",           OPT_UINT,      OFF (max_header_bytes), 1024, 65536 },
  { "limits",   "header_timeout_seconds",     OPT_UINT,      OFF (header_timeout_seconds), 1, 300 },
  { "limits",   "request_timeout_seconds",    OPT_UINT,      OFF (request_timeout_seconds), 1, 3600 },
  { "limits",   "keepalive_seconds",          OPT_UINT,      OFF (keepalive_seconds), 1, 3600 },
  { "limits",   "max_connections",            OPT_UINT,      OFF (max_connections), 1, 100000 },
  { "limits",   "max_connections_per_ip",     OPT_UINT,      OFF (max_connections_per_ip), 1, 100000 },
  { "limits",   "requests_per_minute_per_ip", OPT_UINT,      OFF (requests_per_minute_per_ip), 1, 1000000 },
  { "limits",   "requests_per_minute_per_account", OPT_UINT, OFF (requests_per_minute_per_account), 1, 1000000 },
  { "security", "blocking",                   OPT_CHOICE,    OFF (blocking_enabled), 0, 0, { "true", "false" },
    { TRUE, FALSE } },
  { "security", "blocked_networks",           OPT_STRV,      OFF (blocked_networks) },
  { "password", "min_length",                 OPT_UINT,      OFF (password_min_length), 10, 128 },
  { "password", "min_classes",                OPT_UINT,      OFF (password_min_classes), 1, 4 },
  { "password", "reject_common",              OPT_CHOICE,    OFF (password_reject_common), 0, 0, { "true", "false" },
    { TRUE, FALSE } },
  { "password", "argon2_iterations",          OPT_UINT,      OFF (argon2_iterations), 2, 16 },
  { "password", "argon2_memory_mib",          OPT_UINT,      OFF (argon2_memory_mib), 19, 4096 },
  { "session",  "idle_minutes",               OPT_UINT,      OFF (session_idle_minutes), 1, 1440 },
  { "session",  "absolute_hours",             OPT_UINT,      OFF (session_absolute_hours), 1, 720 },
  { "brute_force", "account_free_failures",   OPT_UINT,      OFF (account_free_failures), 1, 100 },
  { "brute_force", "account_max_delay_seconds", OPT_UINT,    OFF (account_max_delay_seconds), 1, 86400 },
  { "brute_force", "account_max_failures_per_hour", OPT_UINT, OFF (account_max_failures_per_hour), 1, 10000 },
  { "brute_force", "ip_max_failures",         OPT_UINT,      OFF (ip_max_failures), 1, 10000 },
  { "brute_force", "ip_window_seconds",       OPT_UINT,      OFF (ip_window_seconds), 1, 86400 },
  { "brute_force", "ip_block_seconds",        OPT_UINT,      OFF (ip_block_seconds), 1, 604800 },
  { "brute_force", "ip_repeat_block_seconds", OPT_UINT,      OFF (ip_repeat_block_seconds), 1, 2592000 },
  { "occupancy", "sensor_max_skew_seconds",   OPT_UINT,      OFF (sensor_max_skew_seconds), 1, 86400 },
  { "occupancy", "sensor_silent_minutes",     OPT_UINT,      OFF (sensor_silent_minutes), 1, 10080 },
  { "occupancy", "wait_window_minutes",       OPT_UINT,      OFF (wait_window_minutes), 1, 240 },
  { "occupancy", "wait_min_served",           OPT_UINT,      OFF (wait_min_served), 1, 1000 },
  { "bookings", "checkin_opens_minutes",     OPT_UINT,      OFF (checkin_opens_minutes), 0, 1440 },
  { "bookings", "checkin_closes_minutes",    OPT_UINT,      OFF (checkin_closes_minutes), 1, 1440 },
  { "bookings", "break_minutes",             OPT_UINT,      OFF (break_minutes), 1, 240 },
  { "bookings", "reminder_minutes",          OPT_UINT,      OFF (reminder_minutes), 0, 10080 },
  { "live",     "max_subscribers",            OPT_UINT,      OFF (live_max_subscribers), 1, 1000000 },
  { "live",     "max_message_bytes",          OPT_UINT,      OFF (live_max_message_bytes), 64, 1 << 20 },
  { "live",     "max_queued_kib",             OPT_UINT,      OFF (live_max_queued_kib), 4, 1 << 20 },
  { "live",     "heartbeat_seconds",          OPT_UINT,      OFF (live_heartbeat_seconds), 1, 3600 },
  { "public",   "open_feed",                  OPT_CHOICE,    OFF (open_feed), 0, 0, { "true", "false" },
    { TRUE, FALSE } },
  { "mail",     "host",                       OPT_STRING,    OFF (mail_host) },
  { "mail",     "port",                       OPT_UINT,      OFF (mail_port), 1, 65535 },
  { "mail",     "tls",                        OPT_STRING,    OFF (mail_tls) },
  { "mail",     "user",                       OPT_STRING,    OFF (mail_user) },
  { "mail",     "password_file",              OPT_STRING,    OFF (mail_password_file) },
  { "mail",     "from",                       OPT_STRING,    OFF (mail_from) },
  { "mail",     "from_name",                  OPT_STRING,    OFF (mail_from_name) },
  { "mail",     "ca_file",                    OPT_STRING,    OFF (mail_ca_file) },
  { "sms",      "url",                        OPT_STRING,    OFF (sms_url) },
  { "sms",      "body_template",              OPT_STRING,    OFF (sms_body_template) },
  { "sms",      "content_type",               OPT_STRING,    OFF (sms_content_type) },
  { "sms",      "auth_header_file",           OPT_STRING,    OFF (sms_auth_header_file) },
  { "sms",      "ca_file",                    OPT_STRING,    OFF (sms_ca_file) },
  { "privacy",  "retention_days",             OPT_UINT,      OFF (retention_days), 1, 3650 },
  { "backup",   "directory",                  OPT_STRING,    OFF (backup_directory) },
  { "backup",   "hour",                       OPT_UINT,      OFF (backup_hour), 0, 23 },
  { "backup",   "incremental_minutes",        OPT_UINT,      OFF (backup_incremental_minutes), 0, 1440 },
  { "backup",   "keep_days",                  OPT_UINT,      OFF (backup_keep_days), 1, 3650 },
  { "backup",   "copy_to",                    OPT_STRING,    OFF (backup_copy_to) },
  { "backup",   "copy_command",               OPT_STRV,      OFF (backup_copy_command) },
};

AtriumConfig *
atrium_config_new_default (void)
{
  AtriumConfig *config = g_new0 (AtriumConfig, 1);

  config->workers = 4;
  config->processes = 1;
  config->sensor_max_skew_seconds = 300;
  config->sensor_silent_minutes = 10;
  config->wait_window_minutes = 15;
  config->wait_min_served = 5;
  config->checkin_opens_minutes = 15;
  config->checkin_closes_minutes = 15;
  config->break_minutes = 30;
  config->reminder_minutes = 60;
  config->live_max_subscribers = 20000;
  config->live_max_message_bytes = 4096;
  config->live_max_queued_kib = 256;
  config->live_heartbeat_seconds = 15;
  config->retention_days = 365;
  config->backup_hour = 2;
  config->backup_incremental_minutes = 60;
  config->backup_keep_days = 7;
  config->tls_floor = ATRIUM_TLS_1_3_ONLY;
  config->max_body_bytes = 64 * 1024;
  config->max_header_bytes = 8 * 1024;
  config->header_timeout_seconds = 10;
  config->request_timeout_seconds = 30;
  config->keepalive_seconds = 15;
  config->max_connections = 4096;
  config->max_connections_per_ip = 64;
  config->requests_per_minute_per_ip = 1200;
  config->requests_per_minute_per_account = 600;
  config->blocking_enabled = TRUE;
  config->blocked_networks = g_new0 (char *, 1);
  config->password_min_length = 12;
  config->password_min_classes = 3;
  config->password_reject_common = TRUE;
  config->argon2_iterations = 2;
  config->argon2_memory_mib = 64;
  config->session_idle_minutes = 30;
  config->session_absolute_hours = 12;
  config->account_free_failures = 5;
  config->account_max_delay_seconds = 15 * 60;
  config->account_max_failures_per_hour = 100;
  config->ip_max_failures = 20;
  config->ip_window_seconds = 10 * 60;
  config->ip_block_seconds = 10 * 60;
  config->ip_repeat_block_seconds = 24 * 60 * 60;
  config->mail_port = 587;
  config->mail_tls = g_strdup ("starttls");
  config->mail_from_name = g_strdup ("Atrium");
  config->sms_content_type = g_strdup ("application/json");
  return config;
}

void
atrium_config_free (AtriumConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->https);
  g_free (config->http);
  g_free (config->unix_path);
  g_free (config->cert_file);
  g_free (config->key_file);
  g_free (config->public_host);
  g_free (config->reset_url);
  g_strfreev (config->blocked_networks);
  g_free (config->mail_host);
  g_free (config->mail_tls);
  g_free (config->mail_user);
  g_free (config->mail_password_file);
  g_free (config->mail_from);
  g_free (config->mail_from_name);
  g_free (config->mail_ca_file);
  g_free (config->sms_url);
  g_free (config->sms_body_template);
  g_free (config->sms_content_type);
  g_free (config->sms_auth_header_file);
  g_free (config->sms_ca_file);
  g_free (config->backup_directory);
  g_free (config->backup_copy_to);
  g_strfreev (config->backup_copy_command);
  g_free (config);
}

/* GnuTLS priority strings (read by glib-networking from G_TLS_GNUTLS_PRIORITY). */
const char *
atrium_config_tls_priority (const AtriumConfig *config)
{
  /* No %SAFE_RENEGOTIATION: TLS 1.3 clients need not send renegotiation_info, and
   * GnuTLS refused them with it; its default already refuses unsafe renegotiation. */
  if (config->tls_floor == ATRIUM_TLS_1_2_AEAD)
    return "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
           ":-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305"
           ":-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"
           ":%SERVER_PRECEDENCE";
  return "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3";
}

static gboolean
invalid (GError     **error,
         const char  *path,
         const char  *group,
         const char  *key,
         const char  *format,
         ...) G_GNUC_PRINTF (5, 6);

static gboolean
invalid (GError     **error,
         const char  *path,
         const char  *group,
         const char  *key,
         const char  *format,
         ...)
{
  g_autofree char *detail = NULL;
  va_list ap;

  va_start (ap, format);
  detail = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID,
               "%s: [%s] %s: %s", path, group, key, detail);
  return FALSE;
}

static gboolean
parse_uint (const char *text,
            guint       min,
            guint       max,
            guint      *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

static gboolean
apply_option (AtriumConfig  *config,
              const Option  *opt,
              GKeyFile      *file,
              const char    *path,
              GError       **error)
{
  g_autofree char *raw = g_key_file_get_value (file, opt->group, opt->key, NULL);
  g_autofree char *text = g_key_file_get_string (file, opt->group, opt->key, NULL);
  gpointer field = (guint8 *) config + opt->offset;

  if (text == NULL)
    return invalid (error, path, opt->group, opt->key, "cannot read the value “%s”",
                    raw != NULL ? raw : "");
  g_strstrip (text);

  switch (opt->type)
    {
    case OPT_STRING:
      if (*text == '\0')
        return invalid (error, path, opt->group, opt->key, "must not be empty");
      g_free (*(char **) field);
      *(char **) field = g_steal_pointer (&text);
      return TRUE;

    case OPT_UINT:
      if (!parse_uint (text, opt->min, opt->max, field))
        return invalid (error, path, opt->group, opt->key,
                        "expected a whole number from %u to %u, got “%s”",
                        opt->min, opt->max, text);
      return TRUE;

    case OPT_CHOICE:
      /* gboolean and AtriumTlsFloor fields are both int-sized. */
      G_STATIC_ASSERT (sizeof (gboolean) == sizeof (int));
      G_STATIC_ASSERT (sizeof (AtriumTlsFloor) == sizeof (int));
      if (g_strcmp0 (text, opt->choices[0]) == 0)
        *(int *) field = opt->values[0];
      else if (g_strcmp0 (text, opt->choices[1]) == 0)
        *(int *) field = opt->values[1];
      else
        return invalid (error, path, opt->group, opt->key, "expected %s or %s, got “%s”",
                        opt->choices[0], opt->choices[1], text);
      return TRUE;

    case OPT_STRV:
      {
        g_auto(GStrv) list = g_key_file_get_string_list (file, opt->group, opt->key,
                                                         NULL, NULL);

        for (guint i = 0; list != NULL && list[i] != NULL; i++)
          {
            g_strstrip (list[i]);
            if (*list[i] == '\0')
              return invalid (error, path, opt->group, opt->key, "empty list entry");
          }
        g_strfreev (*(char ***) field);
        *(char ***) field = list != NULL ? g_steal_pointer (&list) : g_new0 (char *, 1);
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

static const Option *
find_option (const char *group,
             const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (g_str_equal (options[i].group, group) && g_str_equal (options[i].key, key))
      return &options[i];
  return NULL;
}

/* Backups go to absolute paths (the server's working directory is nobody's business),
 * and a copy needs something to copy. */
static gboolean
check_backup (const AtriumConfig  *config,
              const char          *path,
              GError             **error)
{
  if (config->backup_directory != NULL && !g_path_is_absolute (config->backup_directory))
    return invalid (error, path, "backup", "directory", "must be an absolute path");
  if (config->backup_copy_to != NULL && !g_path_is_absolute (config->backup_copy_to))
    return invalid (error, path, "backup", "copy_to", "must be an absolute path");
  if (config->backup_copy_command != NULL && config->backup_copy_command[0] != NULL &&
      !g_path_is_absolute (config->backup_copy_command[0]))
    return invalid (error, path, "backup", "copy_command",
                    "the program must be an absolute path (no shell, no PATH search)");
  if (config->backup_directory == NULL &&
      (config->backup_copy_to != NULL ||
       (config->backup_copy_command != NULL && config->backup_copy_command[0] != NULL)))
    return invalid (error, path, "backup", config->backup_copy_to != NULL ? "copy_to"
                                                                          : "copy_command",
                    "needs [backup] directory");
  return TRUE;
}

/* A file that names an option we do not know is refused: a typo must not silently
 * leave a default (a security limit, say) in force. */
AtriumConfig *
atrium_config_load (const char  *path,
                    GError     **error)
{
  g_autoptr(AtriumConfig) config = atrium_config_new_default ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_FILE,
                   "%s: %s", path, local_error->message);
      return NULL;
    }

  groups = g_key_file_get_groups (file, NULL);
  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (file, groups[g], NULL, NULL);

      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          const Option *opt = find_option (groups[g], keys[k]);

          if (opt == NULL)
            {
              invalid (error, path, groups[g], keys[k], "unknown option");
              return NULL;
            }
          if (!apply_option (config, opt, file, path, error))
            return NULL;
        }
    }

  if (!check_backup (config, path, error))
    return NULL;
  return g_steal_pointer (&config);
}

/* "127.0.0.1:8443", "[::1]:8443", "localhost:8080". */
gboolean
atrium_parse_host_port (const char  *text,
                        char       **host_out,
                        guint16     *port_out,
                        GError     **error)
{
  g_autoptr(GSocketConnectable) addr = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;

  if (text == NULL || strchr (text, '/') != NULL ||
      (addr = g_network_address_parse (text, 0, NULL)) == NULL)
    goto bad;
  host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (addr)));
  port = g_network_address_get_port (G_NETWORK_ADDRESS (addr));
  /* The port must be written out; 0 asks for any free port (tests do). */
  if (host == NULL || *host == '\0' || strrchr (text, ':') == NULL ||
      !g_ascii_isdigit (strrchr (text, ':')[1]) || strrchr (text, ']') > strrchr (text, ':'))
    goto bad;

  *host_out = g_steal_pointer (&host);
  *port_out = port;
  return TRUE;

bad:
  g_set_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID,
               "“%s” is not an address and port such as 127.0.0.1:8443 or [::1]:8443",
               text != NULL ? text : "");
  return FALSE;
}

gboolean
atrium_address_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) addr = NULL;

  if (g_strcmp0 (host, "localhost") == 0)
    return TRUE;
  addr = g_inet_address_new_from_string (host);
  return addr != NULL && g_inet_address_get_is_loopback (addr);
}
