/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-embedded"

#include "config.h"

#include "atrium-embedded.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "atrium-auth.h"
#include "atrium-booking-jobs.h"
#include "atrium-data-dir.h"
#include "atrium-demo.h"
#include "atrium-occupancy.h"
#include "atrium-random.h"
#include "atrium-retention.h"
#include "atrium-serve.h"
#include "atrium-simulator.h"
#include "atrium-store.h"

/* What `serve --simulate-sensors` uses: a post from each simulated counter this often. */
#define SIMULATOR_INTERVAL_SECONDS 10
#define BASE_URL "http://localhost"

struct _AtriumEmbedded
{
  GObject       parent_instance;

  gboolean      demo;
  char         *config_file;
  char         *data_dir;
  char         *scratch_dir;     /* demo: holds the throwaway data directory */
  char         *socket_dir;
  char         *socket_path;
  GSocketConnectable *connectable;

  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  GError       *start_error;
  gboolean      running;
  AtriumSimulator *simulator;    /* demo; made on the server's thread, stopped on ours */

  GArray       *accounts;        /* AtriumDemoAccount */
  char         *kiosk_token;
};

G_DEFINE_TYPE (AtriumEmbedded, atrium_embedded, G_TYPE_OBJECT)

G_DEFINE_QUARK (atrium-embedded-error-quark, atrium_embedded_error)

static void
demo_account_clear (gpointer data)
{
  AtriumDemoAccount *account = data;

  g_free (account->name);
  g_free (account->role);
  atrium_secure_free_string (account->password);
  atrium_secure_free_string (account->totp_uri);
  atrium_secure_free_string (account->recovery_code);
}

/* ---- directories ---------------------------------------------------------------------- */

/* Removes @path and everything under it, never following a symbolic link. */
static void
remove_tree (const char *path)
{
  struct stat st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* A directory only we may enter: ours, a real directory, no access for group or others. */
static gboolean
is_private_dir (const char  *path,
                char       **why)
{
  struct stat st;

  if (g_lstat (path, &st) != 0)
    *why = g_strdup_printf ("%s: %s", path, g_strerror (errno));
  else if (!S_ISDIR (st.st_mode))
    *why = g_strdup_printf ("%s is not a directory", path);
  else if (st.st_uid != getuid ())
    *why = g_strdup_printf ("%s belongs to another user", path);
  else if ((st.st_mode & 0077) != 0)
    *why = g_strdup_printf ("%s is open to other users (mode %03o)", path,
                            (guint) (st.st_mode & 0777));
  else
    return TRUE;
  return FALSE;
}

/* $XDG_RUNTIME_DIR/atrium-XXXXXX, or the same under the temporary directory when the
 * runtime directory is missing or not private (said in the log). */
static char *
make_socket_dir (GError **error)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *why = NULL;
  g_autofree char *template = NULL;
  g_autofree char *not_private = NULL;

  if (runtime == NULL || *runtime == '\0')
    why = g_strdup ("XDG_RUNTIME_DIR is not set");
  else if (!g_path_is_absolute (runtime))
    why = g_strdup_printf ("XDG_RUNTIME_DIR (%s) is not an absolute path", runtime);
  else
    is_private_dir (runtime, &why);

  if (why == NULL)
    template = g_build_filename (runtime, "atrium-XXXXXX", NULL);
  else
    {
      template = g_build_filename (g_get_tmp_dir (), "atrium-XXXXXX", NULL);
      g_message ("not using the runtime directory for the embedded server's socket: %s; "
                 "using a private directory under %s instead", why, g_get_tmp_dir ());
    }
  if (g_mkdtemp_full (template, 0700) == NULL)
    {
      g_set_error (error, ATRIUM_EMBEDDED_ERROR, ATRIUM_EMBEDDED_ERROR_DIRECTORY,
                   "Cannot make a directory for the embedded server's socket (%s): %s",
                   template, g_strerror (errno));
      return NULL;
    }
  /* mkdtemp honours the umask, which can only take rights away; check anyway. */
  if (!is_private_dir (template, &not_private))
    {
      g_rmdir (template);
      g_set_error (error, ATRIUM_EMBEDDED_ERROR, ATRIUM_EMBEDDED_ERROR_DIRECTORY,
                   "The embedded server's socket directory is not private: %s", not_private);
      return NULL;
    }
  return g_steal_pointer (&template);
}

/* The data directory's parent exists (made 0700 when missing); the directory itself is
 * made by atrium_data_dir_init(). */
static gboolean
prepare_data_dir (AtriumEmbedded  *self,
                  GError         **error)
{
  if (self->demo)
    {
      g_autofree char *template = g_build_filename (g_get_tmp_dir (), "atrium-demo-XXXXXX",
                                                    NULL);

      if (g_mkdtemp_full (template, 0700) == NULL)
        {
          g_set_error (error, ATRIUM_EMBEDDED_ERROR, ATRIUM_EMBEDDED_ERROR_DIRECTORY,
                       "Cannot make the demo's data directory: %s", g_strerror (errno));
          return FALSE;
        }
      self->scratch_dir = g_steal_pointer (&template);
      self->data_dir = g_build_filename (self->scratch_dir, "data", NULL);
    }
  else
    {
      const char *parent = g_get_user_data_dir ();

      if (g_mkdir_with_parents (parent, 0700) != 0)
        {
          g_set_error (error, ATRIUM_EMBEDDED_ERROR, ATRIUM_EMBEDDED_ERROR_DIRECTORY,
                       "Cannot make %s: %s", parent, g_strerror (errno));
          return FALSE;
        }
      self->data_dir = g_build_filename (parent, "atrium", NULL);
    }
  return TRUE;
}

/* ---- the demo institution ------------------------------------------------------------- */

/* The words of @line, however many spaces apart. */
static GStrv
split_words (char *line)
{
  g_auto(GStrv) parts = g_strsplit_set (g_strstrip (line), " ", -1);
  GPtrArray *words = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] != '\0')
        g_ptr_array_add (words, g_strdup (parts[i]));
      atrium_secure_zero (parts[i], strlen (parts[i]));
    }
  g_ptr_array_add (words, NULL);
  return (GStrv) g_ptr_array_free (words, FALSE);
}

GArray *
atrium_demo_accounts_new (void)
{
  GArray *accounts = g_array_new (FALSE, TRUE, sizeof (AtriumDemoAccount));

  g_array_set_clear_func (accounts, demo_account_clear);
  return accounts;
}

void
atrium_demo_report_read (const char  *report,
                         GArray      *accounts,
                         char       **kiosk_token)
{
  g_auto(GStrv) lines = NULL;

  g_return_if_fail (report != NULL && accounts != NULL);

  lines = g_strsplit (report, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *found;
      g_auto(GStrv) words = NULL;

      if (g_str_has_prefix (line, "Kiosk ") && (found = strstr (line, ", token: ")) != NULL)
        {
          if (kiosk_token != NULL)
            {
              g_free (*kiosk_token);
              *kiosk_token = g_strdup (found + strlen (", token: "));
            }
          continue;
        }
      if (!g_str_has_prefix (line, "  "))
        continue;
      words = split_words (lines[i]);
      if (g_strv_length (words) == 4 && g_str_equal (words[2], "password"))
        {
          AtriumDemoAccount account = { g_strdup (words[0]), g_strdup (words[1]),
                                        g_strdup (words[3]), NULL, NULL };

          g_array_append_val (accounts, account);
        }
      else if (accounts->len > 0 && g_strv_length (words) == 3)
        {
          AtriumDemoAccount *last = &g_array_index (accounts, AtriumDemoAccount,
                                                    accounts->len - 1);

          if (g_str_equal (words[0], "second") && g_str_equal (words[1], "factor:"))
            {
              g_free (last->totp_uri);
              last->totp_uri = g_strdup (words[2]);
            }
          else if (g_str_equal (words[0], "recovery") && g_str_equal (words[1], "code:"))
            {
              g_free (last->recovery_code);
              last->recovery_code = g_strdup (words[2]);
            }
        }
      for (guint w = 0; words[w] != NULL; w++)
        atrium_secure_zero (words[w], strlen (words[w]));
    }
  for (guint i = 0; lines[i] != NULL; i++)
    atrium_secure_zero (lines[i], strlen (lines[i]));
}

/* Reads back what atrium_demo_load() wrote for a person to see once: the accounts and
 * the kiosk. */
static gboolean
parse_demo_report (AtriumEmbedded  *self,
                   const char      *report,
                   GError         **error)
{
  atrium_demo_report_read (report, self->accounts, &self->kiosk_token);
  if (self->accounts->len == 0 || self->kiosk_token == NULL)
    {
      g_set_error (error, ATRIUM_EMBEDDED_ERROR, ATRIUM_EMBEDDED_ERROR_SERVER,
                   "The demo institution was loaded but its accounts could not be read");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_demo (AtriumEmbedded  *self,
           GError         **error)
{
  g_autoptr(AtriumConfig) config = NULL;
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(AtriumClock) clock = atrium_clock_new_system ();
  g_autoptr(GString) report = g_string_new (NULL);
  guint8 secrets_key[ATRIUM_SEAL_KEY_LEN];
  AtriumPasswordParams params;
  gboolean ok;

  config = self->config_file != NULL ? atrium_config_load (self->config_file, error)
                                     : atrium_config_new_default ();
  if (config == NULL)
    return FALSE;
  params.opslimit = config->argon2_iterations;
  params.memlimit = (gsize) config->argon2_memory_mib * 1024 * 1024;

  db = atrium_store_open (self->data_dir, FALSE, NULL, error);
  if (db == NULL || !atrium_auth_load_secrets_key (self->data_dir, secrets_key, error) ||
      !atrium_db_exec (db, "BEGIN IMMEDIATE;", error))
    return FALSE;
  ok = atrium_demo_load (db, secrets_key, &params, atrium_clock_now (clock), report, error);
  atrium_secure_zero (secrets_key, sizeof secrets_key);
  if (!ok || !atrium_db_exec (db, "COMMIT;", error))
    {
      atrium_db_exec (db, "ROLLBACK;", NULL);
      atrium_secure_zero (report->str, report->len);
      return FALSE;
    }
  ok = parse_demo_report (self, report->str, error);
  atrium_secure_zero (report->str, report->len);
  return ok;
}

/* ---- the server's thread -------------------------------------------------------------- */

static void
signal_ready (AtriumEmbedded *self,
              GError         *error)
{
  g_mutex_lock (&self->lock);
  self->start_error = error;
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* What `atrium-server serve --unix PATH [--simulate-sensors]` does in one process,
 * without its signal handlers: those belong to the app. */
static gpointer
run (gpointer data)
{
  AtriumEmbedded *self = data;
  g_autoptr(GError) error = NULL;
  AtriumSimulator *simulator = NULL;
  g_autoptr(AtriumRetention) retention = NULL;
  AtriumServer *server = NULL;
  AtriumServeOptions options = { 0 };

  g_main_context_push_thread_default (self->context);
  options.data_dir = self->data_dir;
  options.config_file = self->config_file;
  options.unix_path = self->socket_path;
  options.worker_index = -1;

  if (atrium_data_dir_init (self->data_dir, NULL, NULL, &error) &&
      (!self->demo || load_demo (self, &error)))
    server = atrium_serve_start (&options, NULL, &error);
  if (server != NULL)
    {
      atrium_occupancy_start (atrium_server_get_service (server, ATRIUM_SERVICE_OCCUPANCY),
                              TRUE);
      atrium_booking_jobs_start (atrium_server_get_service (server, ATRIUM_SERVICE_BOOKINGS),
                                 TRUE);
      retention = atrium_retention_start (server);
      if (self->demo)
        simulator = atrium_simulator_start (server, SIMULATOR_INTERVAL_SECONDS, 0, &error);
    }
  if (server == NULL || (self->demo && simulator == NULL))
    {
      g_prefix_error (&error, "The embedded server did not start: ");
      if (error->domain != ATRIUM_EMBEDDED_ERROR)
        {
          GError *ours = g_error_new_literal (ATRIUM_EMBEDDED_ERROR,
                                              ATRIUM_EMBEDDED_ERROR_SERVER, error->message);

          g_clear_error (&error);
          error = ours;
        }
      g_clear_pointer (&retention, atrium_retention_stop);
      g_clear_pointer (&server, atrium_server_free);
      signal_ready (self, g_steal_pointer (&error));
      g_main_context_pop_thread_default (self->context);
      return NULL;
    }
  g_message ("embedded server listening on %s%s", self->socket_path,
             self->demo ? " (demo institution, simulated sensors)" : "");
  self->simulator = simulator;
  signal_ready (self, NULL);

  g_main_loop_run (self->loop);

  g_clear_pointer (&retention, atrium_retention_stop);
  atrium_server_free (server);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
forget_directories (AtriumEmbedded *self)
{
  if (self->socket_path != NULL)
    g_unlink (self->socket_path);
  if (self->socket_dir != NULL)
    g_rmdir (self->socket_dir);
  if (self->scratch_dir != NULL)
    remove_tree (self->scratch_dir);
  g_clear_pointer (&self->socket_path, g_free);
  g_clear_pointer (&self->socket_dir, g_free);
  g_clear_pointer (&self->scratch_dir, g_free);
  g_clear_pointer (&self->data_dir, g_free);
  g_clear_object (&self->connectable);
}

gboolean
atrium_embedded_start (AtriumEmbedded  *self,
                       GError         **error)
{
  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), FALSE);

  if (self->running || self->thread != NULL)
    {
      g_set_error_literal (error, ATRIUM_EMBEDDED_ERROR, ATRIUM_EMBEDDED_ERROR_STATE,
                           "The embedded server is already running");
      return FALSE;
    }
  if (!prepare_data_dir (self, error))
    {
      forget_directories (self);
      return FALSE;
    }
  self->socket_dir = make_socket_dir (error);
  if (self->socket_dir == NULL)
    {
      forget_directories (self);
      return FALSE;
    }
  self->socket_path = g_build_filename (self->socket_dir, "api.sock", NULL);
  if (strlen (self->socket_path) >= sizeof ((struct sockaddr_un *) NULL)->sun_path)
    {
      g_set_error (error, ATRIUM_EMBEDDED_ERROR, ATRIUM_EMBEDDED_ERROR_DIRECTORY,
                   "The socket path %s is too long for a Unix socket", self->socket_path);
      forget_directories (self);
      return FALSE;
    }

  self->ready = FALSE;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("atrium-embedded", run, self);
  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      g_clear_pointer (&self->loop, g_main_loop_unref);
      g_clear_pointer (&self->context, g_main_context_unref);
      forget_directories (self);
      g_array_set_size (self->accounts, 0);
      g_clear_pointer (&self->kiosk_token, atrium_secure_free_string);
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      return FALSE;
    }
  self->connectable = G_SOCKET_CONNECTABLE (g_unix_socket_address_new (self->socket_path));
  self->running = TRUE;
  return TRUE;
}

static void
start_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;

  if (atrium_embedded_start (source, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
atrium_embedded_start_async (AtriumEmbedded      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, atrium_embedded_start_async);
  g_task_run_in_thread (task, start_in_thread);
}

gboolean
atrium_embedded_start_finish (AtriumEmbedded  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
atrium_embedded_stop (AtriumEmbedded *self)
{
  g_return_if_fail (ATRIUM_IS_EMBEDDED (self));

  if (!self->running)
    return;
  /* The simulated sensors post through the socket: they stop while it still answers,
   * else each post under way waits for its timeout. */
  g_clear_pointer (&self->simulator, atrium_simulator_stop);
  g_main_context_invoke (self->context, quit_loop, self->loop);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->running = FALSE;
  forget_directories (self);
  g_array_set_size (self->accounts, 0);
  g_clear_pointer (&self->kiosk_token, atrium_secure_free_string);
  g_message ("embedded server stopped");
}

/* ---- GObject -------------------------------------------------------------------------- */

static void
atrium_embedded_dispose (GObject *object)
{
  atrium_embedded_stop (ATRIUM_EMBEDDED (object));
  G_OBJECT_CLASS (atrium_embedded_parent_class)->dispose (object);
}

static void
atrium_embedded_finalize (GObject *object)
{
  AtriumEmbedded *self = ATRIUM_EMBEDDED (object);

  g_free (self->config_file);
  g_array_unref (self->accounts);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (atrium_embedded_parent_class)->finalize (object);
}

static void
atrium_embedded_class_init (AtriumEmbeddedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = atrium_embedded_dispose;
  object_class->finalize = atrium_embedded_finalize;
}

static void
atrium_embedded_init (AtriumEmbedded *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->accounts = atrium_demo_accounts_new ();
}

AtriumEmbedded *
atrium_embedded_new (gboolean    demo,
                     const char *config_file)
{
  AtriumEmbedded *self = g_object_new (ATRIUM_TYPE_EMBEDDED, NULL);

  self->demo = demo;
  self->config_file = g_strdup (config_file);
  return self;
}

gboolean
atrium_embedded_is_running (AtriumEmbedded *self)
{
  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), FALSE);
  return self->running;
}

gboolean
atrium_embedded_is_demo (AtriumEmbedded *self)
{
  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), FALSE);
  return self->demo;
}

GSocketConnectable *
atrium_embedded_get_connectable (AtriumEmbedded *self)
{
  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), NULL);
  return self->connectable;
}

const char *
atrium_embedded_get_base_url (AtriumEmbedded *self)
{
  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), NULL);
  return BASE_URL;
}

const char *
atrium_embedded_get_socket_path (AtriumEmbedded *self)
{
  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), NULL);
  return self->socket_path;
}

const char *
atrium_embedded_get_data_dir (AtriumEmbedded *self)
{
  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), NULL);
  return self->data_dir;
}

const AtriumDemoAccount *
atrium_embedded_get_demo_accounts (AtriumEmbedded *self,
                                   guint          *n_accounts)
{
  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), NULL);
  if (n_accounts != NULL)
    *n_accounts = self->accounts->len;
  return self->accounts->len > 0 ? (const AtriumDemoAccount *) self->accounts->data : NULL;
}

/* The first account whose role is @role or starts with "@role:". */
const AtriumDemoAccount *
atrium_embedded_find_demo_account (AtriumEmbedded *self,
                                   const char     *role)
{
  gsize len = strlen (role);

  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), NULL);
  for (guint i = 0; i < self->accounts->len; i++)
    {
      const AtriumDemoAccount *account = &g_array_index (self->accounts, AtriumDemoAccount, i);

      if (strncmp (account->role, role, len) == 0 &&
          (account->role[len] == '\0' || account->role[len] == ':'))
        return account;
    }
  return NULL;
}

const char *
atrium_embedded_get_demo_kiosk_token (AtriumEmbedded *self)
{
  g_return_val_if_fail (ATRIUM_IS_EMBEDDED (self), NULL);
  return self->kiosk_token;
}
