/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The kiosk's on-screen keyboard in a real window (Xvfb in `make check`) beside the
 * entries of a sign-in form: its buttons type into the focused entry. */
#include "config.h"

#include <adwaita.h>

#include "atrium-keyboard.h"
#include "atrium-ui-test.h"

typedef struct
{
  GtkWindow      *window;
  AtriumKeyboard *keyboard;
  GtkWidget      *user_row;      /* AdwEntryRow */
  GtkWidget      *password;      /* GtkPasswordEntry */
  GtkWidget      *code;          /* GtkEntry, digits */
  GtkWidget      *other_button;
  guint           user_activated;
  guint           password_activated;
} Form;

static void
count_activation (GtkWidget *widget,
                  guint     *count)
{
  (*count)++;
}

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data)) && gtk_widget_get_width (data) > 0;
}

static gboolean
has_focus_within (gpointer data)
{
  GtkWidget *widget = data;
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

static void
form_open (Form *form)
{
  GtkWidget *box, *group;

  *form = (Form) { 0 };
  form->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (form->window, "Keyboard");
  gtk_window_set_default_size (form->window, 900, 640);
  atrium_ui_test_apply_style (form->window);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  group = adw_preferences_group_new ();
  gtk_widget_set_margin_start (group, 24);
  gtk_widget_set_margin_end (group, 24);
  gtk_widget_set_margin_top (group, 24);
  form->user_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->user_row), "User name");
  g_signal_connect (form->user_row, "entry-activated", G_CALLBACK (count_activation),
                    &form->user_activated);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), form->user_row);
  gtk_box_append (GTK_BOX (box), group);

  form->password = gtk_password_entry_new ();
  gtk_widget_set_margin_start (form->password, 24);
  gtk_widget_set_margin_end (form->password, 24);
  g_signal_connect (form->password, "activate", G_CALLBACK (count_activation),
                    &form->password_activated);
  gtk_box_append (GTK_BOX (box), form->password);

  form->code = gtk_entry_new ();
  gtk_entry_set_input_purpose (GTK_ENTRY (form->code), GTK_INPUT_PURPOSE_DIGITS);
  gtk_entry_set_max_length (GTK_ENTRY (form->code), 6);
  gtk_widget_set_margin_start (form->code, 24);
  gtk_widget_set_margin_end (form->code, 24);
  gtk_box_append (GTK_BOX (box), form->code);

  form->other_button = gtk_button_new_with_label ("Sign In");
  gtk_widget_set_halign (form->other_button, GTK_ALIGN_CENTER);
  gtk_widget_set_vexpand (form->other_button, TRUE);
  gtk_widget_set_valign (form->other_button, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), form->other_button);

  form->keyboard = ATRIUM_KEYBOARD (atrium_keyboard_new ());
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (form->keyboard));
  gtk_window_set_child (form->window, box);
  gtk_window_present (form->window);
  atrium_ui_test_spin_until (widget_is_mapped, form->keyboard, 10);
}

/* Destroys the window and checks that the keyboard and its window are freed. */
static void
form_close (Form *form)
{
  AtriumKeyboard *keyboard = form->keyboard;
  GtkWindow *window = form->window;

  g_object_add_weak_pointer (G_OBJECT (keyboard), (gpointer *) &keyboard);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (window);
  for (guint i = 0; i < 100 && (window != NULL || keyboard != NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (window);
  g_assert_null (keyboard);
}

/* Focuses @widget as a tap on it would, and waits for the keyboard to follow. */
static void
focus (Form      *form,
       GtkWidget *widget)
{
  g_assert_true (gtk_widget_grab_focus (widget));
  atrium_ui_test_spin_until (has_focus_within, widget, 5);
  g_assert_true (atrium_keyboard_get_target (form->keyboard) == GTK_EDITABLE (widget));
}

static void
press (Form       *form,
       const char *key)
{
  g_assert_true (atrium_keyboard_press (form->keyboard, key));
}

static GtkWidget *
shift_button (Form *form)
{
  GtkWidget *found = atrium_ui_test_find_widget (GTK_WIDGET (form->keyboard),
                                                 GTK_TYPE_TOGGLE_BUTTON);

  g_assert_nonnull (found);
  return found;
}

static void
test_keyboard_types (void)
{
  Form form;
  g_autofree char *shift_off = NULL;

  form_open (&form);
  focus (&form, form.user_row);
  shift_off = g_strdup (gtk_button_get_label (GTK_BUTTON (shift_button (&form))));

  /* Hidden keys cannot be pressed: "1" is on the other page, "A" needs Shift. */
  g_assert_false (atrium_keyboard_press (form.keyboard, "1"));
  g_assert_false (atrium_keyboard_press (form.keyboard, "A"));
  g_assert_false (atrium_keyboard_press (form.keyboard, "letters"));
  press (&form, "shift");
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (shift_button (&form))));
  /* Shift on is told by its symbol too, not only by its colour. */
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (shift_button (&form))), !=, shift_off);
  g_assert_false (atrium_keyboard_press (form.keyboard, "a"));
  press (&form, "A");
  /* One-shot: the next letter is small again. */
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (shift_button (&form))));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (shift_button (&form))), ==, shift_off);
  press (&form, "b");
  press (&form, "symbols");
  g_assert_false (atrium_keyboard_press (form.keyboard, "b"));
  press (&form, "1");
  press (&form, "!");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form.user_row)), ==, "Ab1!");
  press (&form, "letters");
  press (&form, "space");
  press (&form, "z");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form.user_row)), ==, "Ab1! z");
  g_assert_true (has_focus_within (form.user_row));

  /* Every character a strong password may need, typed in order. */
  {
    const char *symbols[] = { "-", "_", ".", "@", "!", "?", "#", "$", "%", "&", "*", "+",
                              "=", "/", "(", ")", ":", ";", ",", "'", "\"", "0", "9" };
    g_autoptr(GString) expected = g_string_new (NULL);

    focus (&form, form.password);
    press (&form, "symbols");
    for (guint i = 0; i < G_N_ELEMENTS (symbols); i++)
      {
        press (&form, symbols[i]);
        g_string_append (expected, symbols[i]);
      }
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form.password)), ==, expected->str);
  }
  form_close (&form);
}

static void
test_keyboard_editing (void)
{
  Form form;
  GtkEditable *password;

  form_open (&form);
  password = GTK_EDITABLE (form.password);
  focus (&form, form.password);
  press (&form, "a");
  press (&form, "b");
  press (&form, "c");
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "abc");
  press (&form, "backspace");
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "ab");

  /* At the cursor, not at the end. */
  gtk_editable_set_position (password, 1);
  press (&form, "backspace");
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "b");
  g_assert_cmpint (gtk_editable_get_position (password), ==, 0);
  press (&form, "backspace");
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "b");
  press (&form, "x");
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "xb");
  g_assert_cmpint (gtk_editable_get_position (password), ==, 1);

  /* A selection is replaced by the key, or erased by Backspace. */
  gtk_editable_set_text (password, "hello");
  gtk_editable_select_region (password, 1, 4);
  press (&form, "a");
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "hao");
  gtk_editable_select_region (password, 0, 2);
  press (&form, "backspace");
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "o");
  gtk_editable_set_position (password, -1);
  press (&form, "space");
  press (&form, "k");
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "o k");

  /* A code field opens the digits; its length limit holds. */
  focus (&form, form.code);
  for (const char *digit = "12345678"; *digit != '\0'; digit++)
    {
      char key[2] = { *digit, '\0' };

      press (&form, key);
    }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form.code)), ==, "123456");
  g_assert_cmpstr (gtk_editable_get_text (password), ==, "o k");
  form_close (&form);
}

static void
test_keyboard_enter (void)
{
  Form form;

  form_open (&form);
  focus (&form, form.user_row);
  press (&form, "enter");
  g_assert_cmpuint (form.user_activated, ==, 1);
  g_assert_cmpuint (form.password_activated, ==, 0);
  focus (&form, form.password);
  press (&form, "enter");
  g_assert_cmpuint (form.user_activated, ==, 1);
  g_assert_cmpuint (form.password_activated, ==, 1);
  form_close (&form);
}

static void
test_keyboard_focus (void)
{
  Form form;

  form_open (&form);
  focus (&form, form.password);
  for (const char *key = "qwerty"; *key != '\0'; key++)
    {
      char text[2] = { *key, '\0' };

      press (&form, text);
      g_assert_true (has_focus_within (form.password));
    }
  press (&form, "shift");
  press (&form, "symbols");
  press (&form, "backspace");
  g_assert_true (has_focus_within (form.password));

  /* The focus on a button: the keys still type into the last entry, which gets the
   * focus back without its text selected. */
  g_assert_true (gtk_widget_grab_focus (form.other_button));
  atrium_ui_test_spin_until (has_focus_within, form.other_button, 5);
  g_assert_true (atrium_keyboard_get_target (form.keyboard) == GTK_EDITABLE (form.password));
  press (&form, "7");
  g_assert_true (has_focus_within (form.password));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form.password)), ==, "qwert7");

  /* A target that is not shown any more gets nothing. */
  gtk_widget_set_visible (form.password, FALSE);
  press (&form, "8");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form.password)), ==, "qwert7");
  atrium_keyboard_set_target (form.keyboard, GTK_EDITABLE (form.code));
  press (&form, "8");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form.code)), ==, "8");
  form_close (&form);
}

static void
check_key_labels (GtkWidget *widget,
                  guint     *n_keys)
{
  if (GTK_IS_BUTTON (widget))
    {
      g_autofree char *what = g_strdup_printf ("key “%s”",
                                               gtk_button_get_label (GTK_BUTTON (widget)));

      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                             GTK_ACCESSIBLE_PROPERTY_LABEL))
        g_error ("The %s has no accessible label", what);
      g_assert_false (gtk_widget_get_focusable (widget));
      g_assert_false (gtk_widget_get_focus_on_click (widget));
      g_assert_cmpint (gtk_widget_get_height (widget), >=, 56);
      (*n_keys)++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    check_key_labels (child, n_keys);
}

static void
test_keyboard_accessible (void)
{
  Form form;
  guint n_keys = 0;
  GtkStack *stack;

  form_open (&form);
  stack = GTK_STACK (atrium_ui_test_find_widget (GTK_WIDGET (form.keyboard), GTK_TYPE_STACK));
  g_assert_nonnull (stack);
  /* Both pages, each shown so that its keys have their size. */
  press (&form, "symbols");
  atrium_ui_test_spin_for (200);
  check_key_labels (gtk_stack_get_visible_child (stack), &n_keys);
  press (&form, "letters");
  atrium_ui_test_spin_for (200);
  check_key_labels (gtk_stack_get_visible_child (stack), &n_keys);
  g_assert_cmpuint (n_keys, ==, 33 + 35);

  gtk_test_accessible_assert_property (shift_button (&form), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Shift");
  gtk_test_accessible_assert_role (form.keyboard, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_test_accessible_assert_property (form.keyboard, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "On-Screen Keyboard");

  focus (&form, form.user_row);
  press (&form, "shift");
  atrium_ui_test_save_screenshot (GTK_WIDGET (form.window), "keyboard.png");
  form_close (&form);
}

/* A key the keyboard does not have is a programming error: a warning (fatal in tests). */
static void
test_keyboard_unknown_key (void)
{
  if (g_test_subprocess ())
    {
      GtkWidget *keyboard = g_object_ref_sink (atrium_keyboard_new ());

      atrium_keyboard_press (ATRIUM_KEYBOARD (keyboard), "ctrl");
      g_object_unref (keyboard);
      return;
    }
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*WARNING*The on-screen keyboard has no key*ctrl*");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkCssProvider) provider = NULL;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  /* What AdwApplication loads for the app. */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, RESOURCE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/keyboard/types", test_keyboard_types);
  g_test_add_func ("/keyboard/editing", test_keyboard_editing);
  g_test_add_func ("/keyboard/enter", test_keyboard_enter);
  g_test_add_func ("/keyboard/focus", test_keyboard_focus);
  g_test_add_func ("/keyboard/accessible", test_keyboard_accessible);
  g_test_add_func ("/keyboard/unknown-key", test_keyboard_unknown_key);
  return g_test_run ();
}
