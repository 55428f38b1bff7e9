/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A real atrium-server process on loopback, as an operator would run it. */
typedef struct
{
  char     *base_dir;      /* removed at stop */
  char     *data_dir;
  char     *unix_path;
  GPid      pid;
  guint16   insecure_port;
  guint16   https_port;
  guint16   redirect_port;
  int       stdout_fd;
  int       stderr_fd;
} AtriumTestProcess;

AtriumTestProcess *atrium_test_process_start (const char         *config_text,
                                              const char * const *extra_args);
typedef void (*AtriumTestSeedFunc) (const char *data_dir,
                                    gpointer    user_data);
AtriumTestProcess *atrium_test_process_start_seeded (const char         *config_text,
                                                     const char * const *extra_args,
                                                     AtriumTestSeedFunc  seed,
                                                     gpointer            user_data);
int                atrium_test_process_stop  (AtriumTestProcess  *proc);
gsize              atrium_test_process_rss_kib (AtriumTestProcess *proc);
char              *atrium_test_process_url   (AtriumTestProcess  *proc,
                                              const char         *path);

/* Runs `atrium-server` with @args to completion; returns its exit status. */
int                atrium_test_run_server    (char              **out,
                                              char              **err,
                                              const char * const *args);

/* The same with the arguments listed, NULL-terminated. */
int                atrium_test_run_server_args (char             **out,
                                                char             **err,
                                                const char        *first_arg,
                                                ...) G_GNUC_NULL_TERMINATED;

/* A self-signed certificate and key for "localhost" and 127.0.0.1, made with openssl. */
void               atrium_test_make_certificate (const char      *dir,
                                                 const char      *name,
                                                 char           **cert_path,
                                                 char           **key_path);

/* Sends one request over a fresh plain connection; returns the status or 0. */
guint              atrium_test_http          (guint16             port,
                                              const char         *method,
                                              const char         *path,
                                              const char         *content_type,
                                              const char         *body,
                                              char              **response_body,
                                              SoupMessageHeaders **response_headers);

void               atrium_test_remove_tree   (const char         *path);
GArray            *atrium_test_children_of   (GPid                parent);

G_END_DECLS
