/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-config.h"

/* data/server.conf.example documents every option with its default: with each
 * "#option = value" line switched on, it must load and equal the defaults. */
static void
test_example_matches_defaults (void)
{
  g_autofree char *example = g_test_build_filename (G_TEST_DIST, "..", "data",
                                                    "server.conf.example", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GString) enabled = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  g_autofree char *path = NULL;
  g_autoptr(AtriumConfig) loaded = NULL;
  g_autoptr(AtriumConfig) defaults = atrium_config_new_default ();
  g_autoptr(GError) error = NULL;
  int fd;

  g_assert_true (g_file_get_contents (example, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      /* An option line is "#name = value"; prose has a space after '#'. */
      if (line[0] == '#' && g_ascii_isalpha (line[1]) && strstr (line, " = ") != NULL)
        line++;
      g_string_append_printf (enabled, "%s\n", line);
    }
  fd = g_file_open_tmp ("atrium-conf-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, enabled->str, -1, NULL));

  loaded = atrium_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->workers, ==, defaults->workers);
  g_assert_cmpint (loaded->tls_floor, ==, defaults->tls_floor);
  g_assert_cmpuint (loaded->max_body_bytes, ==, defaults->max_body_bytes);
  g_assert_cmpuint (loaded->max_header_bytes, ==, defaults->max_header_bytes);
  g_assert_cmpuint (loaded->header_timeout_seconds, ==, defaults->header_timeout_seconds);
  g_assert_cmpuint (loaded->request_timeout_seconds, ==, defaults->request_timeout_seconds);
  g_assert_cmpuint (loaded->keepalive_seconds, ==, defaults->keepalive_seconds);
  g_assert_cmpuint (loaded->max_connections, ==, defaults->max_connections);
  g_assert_cmpuint (loaded->max_connections_per_ip, ==, defaults->max_connections_per_ip);
  g_assert_cmpuint (loaded->requests_per_minute_per_ip, ==,
                    defaults->requests_per_minute_per_ip);
  g_assert_cmpint (loaded->blocking_enabled, ==, defaults->blocking_enabled);
  g_assert_cmpuint (loaded->processes, ==, defaults->processes);
  g_assert_cmpuint (loaded->sensor_max_skew_seconds, ==, defaults->sensor_max_skew_seconds);
  g_assert_cmpuint (loaded->sensor_silent_minutes, ==, defaults->sensor_silent_minutes);
  g_assert_cmpuint (loaded->wait_window_minutes, ==, defaults->wait_window_minutes);
  g_assert_cmpuint (loaded->wait_min_served, ==, defaults->wait_min_served);
  g_assert_cmpuint (loaded->checkin_opens_minutes, ==, defaults->checkin_opens_minutes);
  g_assert_cmpuint (loaded->checkin_closes_minutes, ==, defaults->checkin_closes_minutes);
  g_assert_cmpuint (loaded->break_minutes, ==, defaults->break_minutes);
  g_assert_cmpuint (loaded->reminder_minutes, ==, defaults->reminder_minutes);
  g_assert_cmpuint (loaded->live_max_subscribers, ==, defaults->live_max_subscribers);
  g_assert_cmpuint (loaded->live_max_message_bytes, ==, defaults->live_max_message_bytes);
  g_assert_cmpuint (loaded->live_max_queued_kib, ==, defaults->live_max_queued_kib);
  g_assert_cmpuint (loaded->live_heartbeat_seconds, ==, defaults->live_heartbeat_seconds);
  g_assert_cmpint (loaded->open_feed, ==, defaults->open_feed);
  g_assert_cmpuint (loaded->retention_days, ==, defaults->retention_days);
  g_assert_cmpuint (loaded->backup_hour, ==, defaults->backup_hour);
  g_assert_cmpuint (loaded->backup_incremental_minutes, ==,
                    defaults->backup_incremental_minutes);
  g_assert_cmpuint (loaded->backup_keep_days, ==, defaults->backup_keep_days);
  g_assert_cmpstr (loaded->https, ==, "0.0.0.0:443");
  g_assert_cmpuint (g_strv_length (loaded->blocked_networks), ==, 2);
  g_remove (path);
}

static void
test_host_port (void)
{
  struct { const char *text; const char *host; guint16 port; } good[] = {
    { "127.0.0.1:8443", "127.0.0.1", 8443 },
    { "[::1]:443", "::1", 443 },
    { "localhost:0", "localhost", 0 },
  };
  const char *bad[] = { "127.0.0.1", "[::1]", "127.0.0.1:http", ":443", "a/b:1",
                        "127.0.0.1:70000", "", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *host = NULL;
      guint16 port = 1;

      g_assert_true (atrium_parse_host_port (good[i].text, &host, &port, NULL));
      g_assert_cmpstr (host, ==, good[i].host);
      g_assert_cmpuint (port, ==, good[i].port);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *host = NULL;
      guint16 port = 0;

      g_assert_false (atrium_parse_host_port (bad[i], &host, &port, &error));
      g_assert_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID);
    }
  g_assert_true (atrium_address_is_loopback ("127.0.0.5"));
  g_assert_true (atrium_address_is_loopback ("::1"));
  g_assert_true (atrium_address_is_loopback ("localhost"));
  g_assert_false (atrium_address_is_loopback ("192.0.2.1"));
  g_assert_false (atrium_address_is_loopback ("example.org"));
}

static AtriumConfig *
load_text (const char  *text,
           GError     **error)
{
  g_autofree char *path = NULL;
  AtriumConfig *config;
  int fd = g_file_open_tmp ("atrium-conf-XXXXXX", &path, NULL);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  config = atrium_config_load (path, error);
  g_remove (path);
  return config;
}

/* [privacy] retention_days: whole days from 1 to 3650; anything else names the option. */
static void
test_retention_days (void)
{
  const char * const bad[] = { "0", "3651", "-1", "365d", "", NULL };
  const guint good[] = { 1, 30, 3650 };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autofree char *text = g_strdup_printf ("[privacy]\nretention_days = %s\n", bad[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumConfig) config = load_text (text, &error);

      g_assert_null (config);
      g_assert_error (error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "retention_days"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *text = g_strdup_printf ("[privacy]\nretention_days = %u\n", good[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumConfig) config = load_text (text, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (config->retention_days, ==, good[i]);
    }
}

/* [backup]: absolute paths, a copy only with a directory, bounded numbers. */
static void
test_backup (void)
{
  const char * const bad[] = {
    "[backup]\ndirectory = backups\n",
    "[backup]\ndirectory = /b\ncopy_to = relative\n",
    "[backup]\ndirectory = /b\ncopy_command = rsync;{file};host:\n",
    "[backup]\ncopy_to = /mnt/b\n",
    "[backup]\ncopy_command = /usr/bin/rsync;{file};host:\n",
    "[backup]\nhour = 24\n",
    "[backup]\nkeep_days = 0\n",
    "[backup]\nincremental_minutes = 1441\n",
    "[backup]\nkeep = 7\n",
    NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumConfig) config = NULL;

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(AtriumConfig) refused = load_text (bad[i], &local_error);

      g_assert_null (refused);
      g_assert_error (local_error, ATRIUM_CONFIG_ERROR, ATRIUM_CONFIG_ERROR_INVALID);
      g_assert_nonnull (strstr (local_error->message, "[backup]"));
    }
  config = load_text ("[backup]\ndirectory = /b\nhour = 23\nkeep_days = 30\n"
                      "copy_command = /usr/bin/rsync;-t;{file};host:a/\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->backup_directory, ==, "/b");
  g_assert_cmpuint (config->backup_hour, ==, 23);
  g_assert_cmpuint (config->backup_keep_days, ==, 30);
  g_assert_cmpstr (config->backup_copy_command[2], ==, "{file}");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/example-matches-defaults", test_example_matches_defaults);
  g_test_add_func ("/config/host-port", test_host_port);
  g_test_add_func ("/config/retention-days", test_retention_days);
  g_test_add_func ("/config/backup", test_backup);

  return g_test_run ();
}
