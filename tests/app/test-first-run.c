/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-test"

/*
 * The first run "on this computer", through the widgets on a real display: the
 * embedded backend on an empty store of its own ($XDG_DATA_HOME, a temporary directory
 * here), a weak password refused inline, the first administrator made, its second
 * factor read off the page and confirmed with a code this test computes, then signing
 * out and in again, and the next start opening the sign-in page on the same data.
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "atrium-application.h"
#include "atrium-embedded.h"
#include "atrium-key-file.h"
#include "atrium-keyring.h"
#include "atrium-setup-page.h"
#include "atrium-totp.h"
#include "atrium-ui-test.h"

#define ADMIN_NAME     "head.librarian"
#define ADMIN_EMAIL    "head@library.example"
#define WEAK_PASSWORD  "password1234"
#define GOOD_PASSWORD  "Quiet-Reading-Room-42"

static char *data_home;

static GtkWidget *
setup_page (void)
{
  GtkWidget *page = atrium_ui_test_find_widget (GTK_WIDGET (atrium_ui_test_window ()),
                                                ATRIUM_TYPE_SETUP_PAGE);

  g_assert_nonnull (page);
  return page;
}

static GtkStack *
steps (void)
{
  GtkWidget *stack = atrium_ui_test_find_widget (setup_page (), GTK_TYPE_STACK);

  g_assert_nonnull (stack);
  return GTK_STACK (stack);
}

static gboolean
on_step (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (steps ()), data) == 0;
}

/* The first visible label under @root with the style class @css_class, or NULL. */
static GtkLabel *
find_label (GtkWidget  *root,
            const char *css_class)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found;

      if (!gtk_widget_get_visible (child))
        continue;
      if (GTK_IS_LABEL (child) && gtk_widget_has_css_class (child, css_class))
        return GTK_LABEL (child);
      if ((found = find_label (child, css_class)) != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
step_child (const char *name)
{
  return gtk_stack_get_child_by_name (steps (), name);
}

/* The page itself asks no more than the 360 px of a phone (the window's own minimum
 * comes from its other pages). */
static void
assert_fits_narrow (void)
{
  int minimum = 0;

  gtk_widget_measure (setup_page (), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL,
                      NULL);
  g_assert_cmpint (minimum, <=, 360);
}

static gboolean
error_shown (gpointer data)
{
  GtkLabel *label = find_label (step_child (data), "error");

  return label != NULL && *gtk_label_get_text (label) != '\0';
}

static void
click (GtkWidget  *root,
       const char *label)
{
  GtkButton *button = atrium_ui_test_find_button (root, label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (button)));
  gtk_widget_activate (GTK_WIDGET (button));
}

static void
sign_in (const AtriumDemoAccount *admin)
{
  GtkWidget *page = GTK_WIDGET (atrium_ui_test_login_page ());
  g_autofree char *code = NULL;

  atrium_ui_test_spin_until (atrium_ui_test_on_page, "login", 30);
  atrium_ui_test_type_into (page, "User Name", admin->name);
  atrium_ui_test_type_into (page, "Password", admin->password);
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (page, "Sign In")));
  atrium_ui_test_spin_until (atrium_ui_test_step_is_code, NULL, 30);
  code = atrium_ui_test_fresh_totp_code (admin);
  atrium_ui_test_type_into (page, "Code", code);
  gtk_widget_activate (GTK_WIDGET (atrium_ui_test_find_button (page, "Verify")));
  atrium_ui_test_spin_until (atrium_ui_test_on_page, "main", 30);
  g_assert_true (atrium_application_has_role (
                   ATRIUM_APPLICATION (g_application_get_default ()), "admin"));
}

static void
assert_store_encrypted (void)
{
  g_autofree char *path = g_build_filename (data_home, "atrium", "atrium.db", NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, >=, 4096);
  g_assert_false (memcmp (contents, "SQLite format 3", 15) == 0);
  g_assert_null (g_strstr_len (contents, len, ADMIN_EMAIL));
}

static void
test_first_run_this_computer (void)
{
  AtriumApplication *app = atrium_ui_test_start_plain ();
  AtriumDemoAccount admin = { (char *) ADMIN_NAME, (char *) "admin",
                              (char *) GOOD_PASSWORD, NULL, NULL };
  GtkWidget *page;
  GtkLabel *label;
  g_autofree char *key = NULL;
  g_autofree char *code = NULL;
  g_auto(GStrv) codes = NULL;
  gsize key_len = 0;
  g_autofree guint8 *secret = NULL;

  g_application_set_default (G_APPLICATION (app));
  atrium_ui_test_spin_until (atrium_ui_test_on_page, "setup", 10);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "first-run-1-choose.png");
  assert_fits_narrow ();
  page = setup_page ();
  click (page, "Keep the Data on This Computer");
  atrium_ui_test_spin_until (on_step, (gpointer) "admin", 10);

  /* A weak password: refused under the form, everything still as typed. */
  atrium_ui_test_type_into (page, "User Name", ADMIN_NAME);
  atrium_ui_test_type_into (page, "Email Address", ADMIN_EMAIL);
  atrium_ui_test_type_into (page, "Password", WEAK_PASSWORD);
  click (page, "Create");
  atrium_ui_test_spin_until (error_shown, (gpointer) "admin", 30);
  g_assert_true (on_step ((gpointer) "admin"));
  label = find_label (step_child ("admin"), "error");
  g_test_message ("refused: %s", gtk_label_get_text (label));
  g_assert_nonnull (strstr (gtk_label_get_text (label), "password"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (
                     atrium_ui_test_find_row (page, "Password"))), ==, WEAK_PASSWORD);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (
                     atrium_ui_test_find_row (page, "User Name"))), ==, ADMIN_NAME);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "first-run-2-weak-password.png");
  assert_fits_narrow ();

  /* A strong one: the second factor's QR code and key. */
  atrium_ui_test_type_into (page, "Password", GOOD_PASSWORD);
  click (page, "Create");
  atrium_ui_test_spin_until (on_step, (gpointer) "totp", 30);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "first-run-3-second-factor.png");
  assert_fits_narrow ();
  label = find_label (step_child ("totp"), "monospace");
  g_assert_nonnull (label);
  key = g_strdup (gtk_label_get_text (label));
  {
    char *to = key;

    for (const char *from = key; *from != '\0'; from++)
      if (*from != ' ')
        *to++ = *from;
    *to = '\0';
  }
  secret = atrium_base32_decode (key, &key_len, NULL);
  g_assert_nonnull (secret);
  g_assert_cmpuint (key_len, ==, ATRIUM_TOTP_SECRET_BYTES);
  admin.totp_uri = g_strdup_printf ("otpauth://totp/Atrium:%s?secret=%s", ADMIN_NAME, key);
  g_setenv ("ATRIUM_TEST_FIRST_RUN_KEY", key, TRUE);

  /* A wrong code first: said, nothing made. */
  {
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;
    g_autofree char *right = atrium_ui_test_totp_code (&admin, now);
    g_autofree char *before = atrium_ui_test_totp_code (&admin, now - 30);
    g_autofree char *after = atrium_ui_test_totp_code (&admin, now + 30);
    g_autofree char *wrong = NULL;

    for (guint n = 0; wrong == NULL; n++)
      {
        char *candidate = g_strdup_printf ("%06u", (guint) (123456 + n * 7919) % 1000000);

        if (g_str_equal (candidate, right) || g_str_equal (candidate, before) ||
            g_str_equal (candidate, after))
          g_free (candidate);
        else
          wrong = candidate;
      }
    atrium_ui_test_type_into (page, "Code from the App", wrong);
    click (page, "Confirm");
    atrium_ui_test_spin_until (error_shown, (gpointer) "totp", 30);
    atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                    "first-run-3b-wrong-code.png");
    assert_fits_narrow ();
    g_assert_true (on_step ((gpointer) "totp"));
  }

  /* The code the authenticator would show, computed from the key on the page. */
  code = atrium_ui_test_fresh_totp_code (&admin);
  atrium_ui_test_type_into (page, "Code from the App", code);
  click (page, "Confirm");
  atrium_ui_test_spin_until (on_step, (gpointer) "done", 30);
  label = find_label (step_child ("done"), "monospace");
  g_assert_nonnull (label);
  codes = g_strsplit (gtk_label_get_text (label), "\n", -1);
  g_assert_cmpuint (g_strv_length (codes), ==, 10);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "first-run-4-recovery-codes.png");
  assert_fits_narrow ();
  click (page, "Continue to Sign In");

  /* Signed in as the new administrator, out, and in again. */
  atrium_ui_test_spin_until (atrium_ui_test_on_page, "login", 30);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "first-run-5-login.png");
  g_assert_true (atrium_application_get_this_computer (app));
  g_assert_false (atrium_application_get_demo (app));
  sign_in (&admin);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "first-run-6-signed-in.png");
  atrium_ui_test_sign_out ();
  sign_in (&admin);
  assert_store_encrypted ();

  /* The menu's "Change Where the Data Is…": the first-run page again, which finds the
   * accounts already made and offers to use them. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "choose-backend", NULL);
  atrium_ui_test_spin_until (atrium_ui_test_on_page, "setup", 10);
  g_assert_null (atrium_application_get_user (app));
  page = setup_page ();
  click (page, "Keep the Data on This Computer");
  atrium_ui_test_spin_until (on_step, (gpointer) "admin", 10);
  atrium_ui_test_type_into (page, "User Name", "second.admin");
  atrium_ui_test_type_into (page, "Email Address", "second@library.example");
  atrium_ui_test_type_into (page, "Password", GOOD_PASSWORD);
  click (page, "Create");
  atrium_ui_test_spin_until (error_shown, (gpointer) "admin", 30);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "first-run-8-existing-data.png");
  assert_fits_narrow ();
  click (page, "Use the Existing Data");
  atrium_ui_test_spin_until (atrium_ui_test_on_page, "login", 30);
  atrium_ui_test_quit (&app);
  g_free (admin.totp_uri);

  /* The next start, in a process of its own: the settings (a key file here) remember. */
  g_test_trap_subprocess ("/ui/first-run-next-start", 120 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static gboolean
new_step (gpointer data)
{
  return g_get_real_time () / G_USEC_PER_SEC / 30 > *(gint64 *) data;
}

/* Run by the test above only: `atrium` again opens the sign-in page on the same data. */
static void
test_next_start (void)
{
  AtriumApplication *app;
  AtriumDemoAccount admin = { (char *) ADMIN_NAME, (char *) "admin",
                              (char *) GOOD_PASSWORD, NULL, NULL };
  g_autofree char *expected = g_build_filename (data_home, "atrium", NULL);
  g_autofree char *key = g_strdup (g_getenv ("ATRIUM_TEST_FIRST_RUN_KEY"));
  gint64 step = g_get_real_time () / G_USEC_PER_SEC / 30;

  if (!g_test_subprocess ())
    {
      g_test_skip ("run by /ui/first-run-this-computer");
      return;
    }
  g_assert_nonnull (key);
  admin.totp_uri = g_strdup_printf ("otpauth://totp/Atrium:%s?secret=%s", ADMIN_NAME, key);
  app = atrium_ui_test_start_plain ();
  g_application_set_default (G_APPLICATION (app));
  atrium_ui_test_spin_until (atrium_ui_test_on_page, "login", 30);
  atrium_ui_test_save_screenshot (GTK_WIDGET (atrium_ui_test_window ()),
                                  "first-run-7-next-start.png");
  g_assert_true (atrium_application_get_this_computer (app));
  g_assert_cmpstr (atrium_embedded_get_data_dir (atrium_application_get_embedded (app)), ==,
                   expected);
  /* The parent's last code may be of this very step: the server would refuse it. */
  atrium_ui_test_spin_until (new_step, &step, 40);
  sign_in (&admin);
  atrium_ui_test_quit (&app);
  g_free (admin.totp_uri);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
          !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  /* Before anything asks GLib for it: the embedded backend's data go there. */
  /* The next start's subprocess shares its parent's. */
  data_home = g_strdup (g_getenv ("ATRIUM_TEST_FIRST_RUN_HOME"));
  if (data_home == NULL)
    {
      data_home = g_dir_make_tmp ("atrium-first-run-XXXXXX", &error);
      g_assert_no_error (error);
      g_setenv ("ATRIUM_TEST_FIRST_RUN_HOME", data_home, TRUE);
    }
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  /* The outboxes' and caches' key as a systemd unit gives it, the same for the next
   * start: the tests' D-Bus session has no keyring. */
  {
    g_autofree char *credentials = g_build_filename (data_home, "credentials", NULL);
    g_autofree char *key_path = g_build_filename (credentials, ATRIUM_SECRETS_CREDENTIAL_NAME,
                                                  NULL);

    if (!g_file_test (key_path, G_FILE_TEST_EXISTS))
      {
        g_assert_cmpint (g_mkdir_with_parents (credentials, 0700), ==, 0);
        g_assert_true (atrium_key_file_create (key_path, &error));
        g_assert_no_error (error);
      }
    g_setenv ("CREDENTIALS_DIRECTORY", credentials, TRUE);
  }
  /* Settings that outlive the process, for the next start: GLib's key file backend. */
  {
    g_autofree char *config_home = g_build_filename (data_home, "config", NULL);

    g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
    g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  }

  atrium_ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/first-run-this-computer", test_first_run_this_computer);
  g_test_add_func ("/ui/first-run-next-start", test_next_start);
  status = g_test_run ();
  if (!g_test_subprocess ())
    remove_tree (data_home);
  g_free (data_home);
  return status;
}
