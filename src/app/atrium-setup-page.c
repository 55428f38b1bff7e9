/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-setup-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "atrium-application.h"
#include "atrium-first-run.h"
#include "atrium-qr.h"
#include "atrium-random.h"
#include "atrium-ui-text.h"
#include "atrium-widget.h"

/* Pixels per module of the second factor's QR code: about 200 px, within 360 px. */
#define QR_SCALE 4

struct _AtriumSetupPage
{
  GtkWidget    parent_instance;

  AdwEntryRow *url_row;
  GtkLabel    *error_label;

  /* "On this computer": the first administrator, then its second factor. */
  GtkStack    *steps;
  AdwEntryRow *name_row;
  AdwEntryRow *email_row;
  AdwEntryRow *password_row;
  GtkLabel    *admin_error_label;
  GtkWidget   *admin_back_button;
  GtkWidget   *create_button;
  GtkWidget   *existing_button;
  GtkPicture  *qr_picture;
  GtkLabel    *secret_label;
  AdwEntryRow *code_row;
  GtkLabel    *totp_error_label;
  GtkWidget   *totp_back_button;
  GtkWidget   *confirm_button;
  GtkLabel    *codes_label;

  GCancellable *cancellable;
  guint8       secret[ATRIUM_TOTP_SECRET_BYTES];
};

/* What a worker thread gets: copies, wiped when done. */
typedef struct
{
  char                 *name;
  char                 *email;
  char                 *password;
  char                 *code;
  guint8                secret[ATRIUM_TOTP_SECRET_BYTES];
  AtriumPasswordRule    rule;
  AtriumPasswordPolicy  policy;
  char                **codes;
} AdminJob;

static void
admin_job_free (gpointer data)
{
  AdminJob *job = data;

  g_free (job->name);
  g_free (job->email);
  atrium_secure_free_string (job->password);
  atrium_secure_free_string (job->code);
  atrium_secure_zero (job->secret, sizeof job->secret);
  if (job->codes != NULL)
    for (guint i = 0; job->codes[i] != NULL; i++)
      atrium_secure_zero (job->codes[i], strlen (job->codes[i]));
  g_strfreev (job->codes);
  g_free (job);
}

G_DEFINE_FINAL_TYPE (AtriumSetupPage, atrium_setup_page, GTK_TYPE_WIDGET)

enum
{
  CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
connect_clicked (AtriumSetupPage *self)
{
  g_autofree char *url = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row)));
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GSettings) settings = NULL;

  g_strstrip (url);
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      gtk_label_set_text (self->error_label,
                          _("This is not a server address. It starts with https://, "
                            "such as https://atrium.example.org."));
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  settings = g_settings_new (BASE_APPLICATION_ID);
  g_settings_set_string (settings, "server-url", url);
  g_settings_set_boolean (settings, "this-computer", FALSE);
  g_signal_emit (self, signals[CHOSEN], 0);
}

static void
demo_clicked (AtriumSetupPage *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (gtk_widget_get_root (
                                                      GTK_WIDGET (self))));

  atrium_application_use_demo (ATRIUM_APPLICATION (app), NULL);
  g_signal_emit (self, signals[CHOSEN], 0);
}

/* ---- on this computer ---------------------------------------------------------------- */

static void
set_busy (AtriumSetupPage *self,
          gboolean         busy)
{
  gtk_widget_set_sensitive (self->create_button, !busy);
  gtk_widget_set_sensitive (self->confirm_button, !busy);
  gtk_widget_set_sensitive (self->admin_back_button, !busy);
  gtk_widget_set_sensitive (self->totp_back_button, !busy);
}

static void
show_error (GtkLabel   *label,
            const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
}

static AdminJob *
admin_job_new (AtriumSetupPage *self)
{
  AdminJob *job = g_new0 (AdminJob, 1);

  job->name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  job->email = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->email_row))));
  job->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  return job;
}

/* The policy's refusal, said in the person's language. */
static char *
password_refusal_text (const AdminJob *job)
{
  switch (job->rule)
    {
    case ATRIUM_PASSWORD_RULE_TOO_SHORT:
      return g_strdup_printf (ngettext ("This password is too short: use at least %u "
                                        "character.",
                                        "This password is too short: use at least %u "
                                        "characters.", job->policy.min_length),
                              job->policy.min_length);
    case ATRIUM_PASSWORD_RULE_TOO_LONG:
      return g_strdup_printf (ngettext ("This password is too long: use at most %u character.",
                                        "This password is too long: use at most %u "
                                        "characters.", job->policy.max_length),
                              job->policy.max_length);
    case ATRIUM_PASSWORD_RULE_CLASSES:
      return g_strdup_printf (_("This password needs more kinds of characters: use at least "
                                "%u of lower-case letters, capitals, digits and symbols."),
                              job->policy.min_classes);
    case ATRIUM_PASSWORD_RULE_COMMON:
      return g_strdup (_("This password is too easy to guess: it is a common password or a "
                         "simple pattern. A few unrelated words make a strong one."));
    case ATRIUM_PASSWORD_RULE_PERSONAL:
      return g_strdup (_("This password contains the user name or the email address."));
    case ATRIUM_PASSWORD_RULE_ENCODING:
    case ATRIUM_PASSWORD_RULE_NONE:
    default:
      return g_strdup (_("This password holds characters that cannot be used, such as "
                         "control characters."));
    }
}

/* Said under the form, the form kept as typed; the field at fault gets the focus. */
static void
admin_refused (AtriumSetupPage *self,
               const AdminJob  *job,
               const GError    *error)
{
  g_autofree char *text = NULL;
  GtkWidget *focus = GTK_WIDGET (self->password_row);

  if (g_error_matches (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_NAME))
    {
      text = g_strdup (_("This is not a valid user name: use 3 to 64 letters, digits, "
                         "dots, hyphens or underscores."));
      focus = GTK_WIDGET (self->name_row);
    }
  else if (g_error_matches (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_EMAIL))
    {
      text = g_strdup (_("This is not a valid email address."));
      focus = GTK_WIDGET (self->email_row);
    }
  else if (g_error_matches (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_PASSWORD))
    text = password_refusal_text (job);
  else if (g_error_matches (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_HAS_USERS))
    {
      text = g_strdup (_("This computer already keeps Atrium data with accounts. Use it and "
                         "sign in with one of them."));
      gtk_widget_set_visible (self->existing_button, TRUE);
      gtk_widget_set_visible (self->create_button, FALSE);
      /* No account will be made with it. */
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      focus = self->existing_button;
    }
  else
    {
      g_warning ("The first administrator cannot be made: %s", error->message);
      text = g_strdup_printf (_("The data on this computer cannot be prepared: %s"),
                              error->message);
    }
  show_error (self->admin_error_label, text);
  gtk_widget_grab_focus (focus);
}

/* Without a code: the checks before the key is shown; with one: the account made. */
static void
admin_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  AdminJob *job = task_data;
  GError *error = NULL;
  gboolean ok;

  if (job->code == NULL)
    ok = atrium_first_run_check_admin (NULL, job->name, job->email, job->password,
                                       &job->rule, &job->policy, &error);
  else
    ok = atrium_first_run_create_admin (NULL, job->name, job->email, job->password,
                                        job->secret, job->code, &job->codes, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
checked (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AtriumSetupPage *self = ATRIUM_SETUP_PAGE (source);
  AdminJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GString) grouped = g_string_new (NULL);
  g_autoptr(GdkTexture) texture = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          set_busy (self, FALSE);
          admin_refused (self, job, error);
        }
      return;
    }
  set_busy (self, FALSE);
  atrium_totp_generate_secret (self->secret);
  uri = atrium_totp_uri ("Atrium", job->name, self->secret, sizeof self->secret);
  texture = atrium_qr_texture_new (uri, QR_SCALE, &error);
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->qr_picture), texture != NULL);
  key = atrium_base32_encode (self->secret, sizeof self->secret);
  /* In groups of four, as authenticator apps take it typed. */
  for (gsize i = 0; key[i] != '\0'; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (grouped, ' ');
      g_string_append_c (grouped, key[i]);
    }
  gtk_label_set_text (self->secret_label, grouped->str);
  atrium_secure_zero (uri, strlen (uri));
  atrium_secure_zero (key, strlen (key));
  atrium_secure_zero (grouped->str, grouped->len);
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  show_error (self->totp_error_label, NULL);
  gtk_stack_set_visible_child_name (self->steps, "totp");
  gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
  gtk_label_select_region (self->secret_label, 0, 0);
}

static void
this_computer_clicked (AtriumSetupPage *self)
{
  show_error (self->admin_error_label, NULL);
  gtk_widget_set_visible (self->existing_button, FALSE);
  gtk_widget_set_visible (self->create_button, TRUE);
  gtk_stack_set_visible_child_name (self->steps, "admin");
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}

static void
create_clicked (AtriumSetupPage *self)
{
  g_autoptr(GTask) task = NULL;

  if (!gtk_widget_get_sensitive (self->create_button))
    return;
  show_error (self->admin_error_label, NULL);
  gtk_widget_set_visible (self->existing_button, FALSE);
  set_busy (self, TRUE);
  task = g_task_new (self, self->cancellable, checked, NULL);
  g_task_set_task_data (task, admin_job_new (self), admin_job_free);
  g_task_run_in_thread (task, admin_in_thread);
}

static void
back_clicked (AtriumSetupPage *self)
{
  /* Not left behind for whoever sits down next; the name and address may stay. */
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_stack_set_visible_child_name (self->steps, "choose");
}

static void
totp_back_clicked (AtriumSetupPage *self)
{
  atrium_secure_zero (self->secret, sizeof self->secret);
  gtk_label_set_text (self->secret_label, "");
  gtk_picture_set_paintable (self->qr_picture, NULL);
  gtk_stack_set_visible_child_name (self->steps, "admin");
}

static void
created (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AtriumSetupPage *self = ATRIUM_SETUP_PAGE (source);
  AdminJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *codes = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      if (g_error_matches (error, ATRIUM_FIRST_RUN_ERROR, ATRIUM_FIRST_RUN_ERROR_CODE))
        {
          show_error (self->totp_error_label,
                      _("This code does not match. Check the app’s clock, and type the "
                        "code it shows now."));
          gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
          return;
        }
      /* Name, password or the data themselves: back to the form, as typed. */
      gtk_stack_set_visible_child_name (self->steps, "admin");
      admin_refused (self, job, error);
      return;
    }
  set_busy (self, FALSE);
  atrium_secure_zero (self->secret, sizeof self->secret);
  gtk_label_set_text (self->secret_label, "");
  gtk_picture_set_paintable (self->qr_picture, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  codes = job->codes != NULL ? g_strjoinv ("\n", job->codes) : g_strdup ("");
  gtk_label_set_text (self->codes_label, codes);
  atrium_secure_zero (codes, strlen (codes));
  gtk_stack_set_visible_child_name (self->steps, "done");
  gtk_widget_grab_focus (GTK_WIDGET (self->codes_label));
}

static void
confirm_clicked (AtriumSetupPage *self)
{
  g_autoptr(GTask) task = NULL;
  AdminJob *job;

  if (!gtk_widget_get_sensitive (self->confirm_button))
    return;
  show_error (self->totp_error_label, NULL);
  set_busy (self, TRUE);
  job = admin_job_new (self);
  job->code = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->code_row))));
  memcpy (job->secret, self->secret, sizeof job->secret);
  task = g_task_new (self, self->cancellable, created, NULL);
  g_task_set_task_data (task, job, admin_job_free);
  g_task_run_in_thread (task, admin_in_thread);
}

/* Continue (after the recovery codes), or use the data an earlier run left. */
static void
use_this_computer (AtriumSetupPage *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (gtk_widget_get_root (
                                                      GTK_WIDGET (self))));

  gtk_label_set_text (self->codes_label, "");
  gtk_stack_set_visible_child_name (self->steps, "choose");
  atrium_application_use_this_computer (ATRIUM_APPLICATION (app));
  g_signal_emit (self, signals[CHOSEN], 0);
}

static void
atrium_setup_page_dispose (GObject *object)
{
  AtriumSetupPage *self = ATRIUM_SETUP_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  atrium_secure_zero (self->secret, sizeof self->secret);
  atrium_widget_dispose_children (GTK_WIDGET (object), ATRIUM_TYPE_SETUP_PAGE);
  G_OBJECT_CLASS (atrium_setup_page_parent_class)->dispose (object);
}

static void
atrium_setup_page_class_init (AtriumSetupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = atrium_setup_page_dispose;
  signals[CHOSEN] = g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, url_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, steps);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, admin_error_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, admin_back_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, create_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, existing_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, secret_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, code_row);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, totp_error_label);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, totp_back_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, confirm_button);
  gtk_widget_class_bind_template_child (widget_class, AtriumSetupPage, codes_label);
  gtk_widget_class_bind_template_callback (widget_class, this_computer_clicked);
  gtk_widget_class_bind_template_callback (widget_class, create_clicked);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, totp_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, confirm_clicked);
  gtk_widget_class_bind_template_callback (widget_class, use_this_computer);
  gtk_widget_class_bind_template_callback (widget_class, connect_clicked);
  gtk_widget_class_bind_template_callback (widget_class, demo_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
atrium_setup_page_init (AtriumSetupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_visible (self->existing_button, FALSE);
}

GtkWidget *
atrium_setup_page_new (void)
{
  return g_object_new (ATRIUM_TYPE_SETUP_PAGE, NULL);
}
