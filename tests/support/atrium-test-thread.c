/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-test-thread.h"

#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <libsoup/soup.h>

#include "atrium-data-dir.h"
#include "atrium-serve.h"
#include "atrium-test-server.h"
#include "atrium-totp.h"

struct _AtriumTestThread
{
  char         *base_dir;
  char         *data_dir;
  char         *config_path;
  AtriumClock  *clock;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  AtriumServer *server;
  guint16       port;
  AtriumTestSetupFunc setup;
  gpointer      setup_data;
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
};

static gpointer
run (gpointer data)
{
  AtriumTestThread *self = data;
  g_autoptr(GError) error = NULL;
  AtriumServeOptions options = { 0 };
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", self->port);

  g_main_context_push_thread_default (self->context);
  options.data_dir = self->data_dir;
  options.config_file = self->config_path;
  /* Port 0 the first time; the same port when it comes up again. */
  options.insecure_http = listen;
  self->server = atrium_serve_start (&options, self->clock, &error);
  g_assert_no_error (error);
  self->port = atrium_server_get_port (self->server, ATRIUM_LISTENER_INSECURE);
  if (self->setup != NULL)
    self->setup (self->server, self->setup_data);
  self->setup = NULL;

  g_mutex_lock (&self->lock);
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);
  g_clear_pointer (&self->server, atrium_server_free);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

AtriumTestThread *
atrium_test_thread_start (const char  *config_text,
                          AtriumClock *clock)
{
  return atrium_test_thread_start_full (config_text, clock, NULL, NULL);
}

AtriumTestThread *
atrium_test_thread_start_full (const char          *config_text,
                               AtriumClock         *clock,
                               AtriumTestSetupFunc  setup,
                               gpointer             user_data)
{
  AtriumTestThread *self = g_new0 (AtriumTestThread, 1);
  g_autoptr(GError) error = NULL;

  self->base_dir = g_dir_make_tmp ("atrium-test-thread-XXXXXX", &error);
  g_assert_no_error (error);
  self->data_dir = g_build_filename (self->base_dir, "data", NULL);
  g_assert_true (atrium_data_dir_init (self->data_dir, NULL, NULL, &error));
  g_assert_no_error (error);
  if (config_text != NULL)
    {
      self->config_path = g_build_filename (self->base_dir, "server.conf", NULL);
      g_assert_true (g_file_set_contents (self->config_path, config_text, -1, NULL));
    }
  self->clock = g_object_ref (clock);
  self->setup = setup;
  self->setup_data = user_data;
  self->context = g_main_context_new ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  atrium_test_thread_up (self);
  return self;
}

void
atrium_test_thread_up (AtriumTestThread *self)
{
  g_assert_null (self->thread);
  self->ready = FALSE;
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("atrium-test-server", run, self);
  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
atrium_test_thread_down (AtriumTestThread *self)
{
  g_assert_nonnull (self->thread);
  g_main_context_invoke (self->context, quit, self->loop);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
}

void
atrium_test_thread_stop (AtriumTestThread *self)
{
  if (self->thread != NULL)
    atrium_test_thread_down (self);
  g_main_context_unref (self->context);
  g_object_unref (self->clock);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  atrium_test_remove_tree (self->base_dir);
  g_free (self->base_dir);
  g_free (self->data_dir);
  g_free (self->config_path);
  g_free (self);
}

guint16
atrium_test_thread_port (AtriumTestThread *self)
{
  return self->port;
}

const char *
atrium_test_thread_data_dir (AtriumTestThread *self)
{
  return self->data_dir;
}

AtriumServer *
atrium_test_thread_server (AtriumTestThread *self)
{
  return self->server;
}

guint
atrium_test_request (guint16               port,
                     const char           *method,
                     const char           *path,
                     const char           *token,
                     const char           *json_body,
                     char                **body_out,
                     JsonNode            **json_out,
                     SoupMessageHeaders  **headers_out)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    bearer);
    }
  if (json_body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (json_body, strlen (json_body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  if (json_out != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      *json_out = *text != '\0' && json_parser_load_from_data (parser, text, -1, NULL)
                  ? json_node_copy (json_parser_get_root (parser)) : NULL;
    }
  if (headers_out != NULL)
    *headers_out = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (body_out != NULL)
    *body_out = g_steal_pointer (&text);
  return soup_message_get_status (msg);
}

int
atrium_test_run_server_input (const char         *stdin_text,
                              char              **out,
                              char              **err,
                              const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) input = g_bytes_new (stdin_text, strlen (stdin_text));
  g_autoptr(GBytes) stdout_bytes = NULL;
  g_autoptr(GBytes) stderr_bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (char *) g_getenv ("ATRIUM_SERVER"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate (proc, input, NULL, &stdout_bytes, &stderr_bytes,
                                           &error));
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_strndup (g_bytes_get_data (stdout_bytes, NULL), g_bytes_get_size (stdout_bytes));
  if (err != NULL)
    *err = g_strndup (g_bytes_get_data (stderr_bytes, NULL), g_bytes_get_size (stderr_bytes));
  return g_subprocess_get_exit_status (proc);
}

/* Signs @name in; a second factor, when asked, is answered with the TOTP seed that
 * `atrium-server useradd` printed in @useradd_out, at @now (unix seconds). */
char *
atrium_test_sign_in (guint16     port,
                     const char *name,
                     const char *password,
                     const char *useradd_out,
                     gint64      now)
{
  g_autofree char *login = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}",
                                            name, password);
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(JsonNode) session = NULL;
  g_autofree guint8 *secret = NULL;
  g_autofree char *secret_text = NULL;
  g_autofree char *verify = NULL;
  JsonObject *object;
  const char *found;
  gsize secret_len = 0;

  g_assert_cmpuint (atrium_test_request (port, "POST", "/api/v1/auth/login", NULL, login,
                                         NULL, &json, NULL), ==, 200);
  object = json_node_get_object (json);
  if (g_strcmp0 (json_object_get_string_member (object, "status"), "ok") == 0)
    return g_strdup (json_object_get_string_member (object, "token"));

  found = strstr (useradd_out, "secret=");
  g_assert_nonnull (found);
  secret_text = g_strndup (found + 7, strcspn (found + 7, "&"));
  secret = atrium_base32_decode (secret_text, &secret_len, NULL);
  verify = g_strdup_printf ("{\"challenge\":\"%s\",\"code\":\"%06u\"}",
                            json_object_get_string_member (object, "challenge"),
                            atrium_totp_code (secret, secret_len, now));
  g_assert_cmpuint (atrium_test_request (port, "POST", "/api/v1/auth/2fa/verify", NULL,
                                         verify, NULL, &session, NULL), ==, 200);
  return g_strdup (json_object_get_string_member (json_node_get_object (session), "token"));
}
