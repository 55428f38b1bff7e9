/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-keyboard.h"

#include <glib/gi18n.h>

#include "atrium-widget.h"

typedef enum
{
  KEY_CHAR,
  KEY_SHIFT,
  KEY_BACKSPACE,
  KEY_ENTER,
  KEY_SPACE,
  KEY_SYMBOLS,
  KEY_LETTERS,
} KeyKind;

typedef enum
{
  PAGE_LETTERS,
  PAGE_SYMBOLS,
} Page;

/* One key of a page: its place in half-key columns (a page is 20 wide) and rows. */
typedef struct
{
  KeyKind     kind;
  const char *text;   /* what it types, or its name for atrium_keyboard_press() */
  guint8      row;
  guint8      column;
  guint8      width;
} Key;

#define CHAR_KEY(t, r, c) { KEY_CHAR, t, r, c, 2 }

static const Key letter_keys[] = {
  CHAR_KEY ("q", 0, 0), CHAR_KEY ("w", 0, 2), CHAR_KEY ("e", 0, 4), CHAR_KEY ("r", 0, 6),
  CHAR_KEY ("t", 0, 8), CHAR_KEY ("y", 0, 10), CHAR_KEY ("u", 0, 12), CHAR_KEY ("i", 0, 14),
  CHAR_KEY ("o", 0, 16), CHAR_KEY ("p", 0, 18),
  CHAR_KEY ("a", 1, 1), CHAR_KEY ("s", 1, 3), CHAR_KEY ("d", 1, 5), CHAR_KEY ("f", 1, 7),
  CHAR_KEY ("g", 1, 9), CHAR_KEY ("h", 1, 11), CHAR_KEY ("j", 1, 13), CHAR_KEY ("k", 1, 15),
  CHAR_KEY ("l", 1, 17),
  { KEY_SHIFT, "shift", 2, 0, 3 },
  CHAR_KEY ("z", 2, 3), CHAR_KEY ("x", 2, 5), CHAR_KEY ("c", 2, 7), CHAR_KEY ("v", 2, 9),
  CHAR_KEY ("b", 2, 11), CHAR_KEY ("n", 2, 13), CHAR_KEY ("m", 2, 15),
  { KEY_BACKSPACE, "backspace", 2, 17, 3 },
  { KEY_SYMBOLS, "symbols", 3, 0, 3 },
  CHAR_KEY ("@", 3, 3),
  { KEY_SPACE, "space", 3, 5, 10 },
  CHAR_KEY (".", 3, 15),
  { KEY_ENTER, "enter", 3, 17, 3 },
};

/* What a strong password may hold, beyond letters. */
static const Key symbol_keys[] = {
  CHAR_KEY ("1", 0, 0), CHAR_KEY ("2", 0, 2), CHAR_KEY ("3", 0, 4), CHAR_KEY ("4", 0, 6),
  CHAR_KEY ("5", 0, 8), CHAR_KEY ("6", 0, 10), CHAR_KEY ("7", 0, 12), CHAR_KEY ("8", 0, 14),
  CHAR_KEY ("9", 0, 16), CHAR_KEY ("0", 0, 18),
  CHAR_KEY ("@", 1, 0), CHAR_KEY ("#", 1, 2), CHAR_KEY ("$", 1, 4), CHAR_KEY ("%", 1, 6),
  CHAR_KEY ("&", 1, 8), CHAR_KEY ("*", 1, 10), CHAR_KEY ("-", 1, 12), CHAR_KEY ("+", 1, 14),
  CHAR_KEY ("=", 1, 16), CHAR_KEY ("/", 1, 18),
  CHAR_KEY ("_", 2, 0), CHAR_KEY ("(", 2, 2), CHAR_KEY (")", 2, 4), CHAR_KEY (":", 2, 6),
  CHAR_KEY (";", 2, 8), CHAR_KEY ("'", 2, 10), CHAR_KEY ("\"", 2, 12), CHAR_KEY ("!", 2, 14),
  CHAR_KEY ("?", 2, 16),
  { KEY_BACKSPACE, "backspace", 2, 18, 2 },
  { KEY_LETTERS, "letters", 3, 0, 3 },
  CHAR_KEY (",", 3, 3),
  { KEY_SPACE, "space", 3, 5, 10 },
  CHAR_KEY (".", 3, 15),
  { KEY_ENTER, "enter", 3, 17, 3 },
};

/* Screen readers say punctuation badly or not at all: each symbol key has a name. */
static const struct
{
  const char *text;
  const char *name;
} symbol_names[] = {
  { "-", N_("Hyphen") },
  { "_", N_("Underscore") },
  { ".", N_("Full stop") },
  { "@", N_("At sign") },
  { "!", N_("Exclamation mark") },
  { "?", N_("Question mark") },
  { "#", N_("Number sign") },
  { "$", N_("Dollar sign") },
  { "%", N_("Percent sign") },
  { "&", N_("Ampersand") },
  { "*", N_("Asterisk") },
  { "+", N_("Plus sign") },
  { "=", N_("Equals sign") },
  { "/", N_("Slash") },
  { "(", N_("Left parenthesis") },
  { ")", N_("Right parenthesis") },
  { ":", N_("Colon") },
  { ";", N_("Semicolon") },
  { ",", N_("Comma") },
  { "'", N_("Apostrophe") },
  { "\"", N_("Quotation mark") },
};

/* Shift off and on differ by their arrow (outlined, filled), not only by colour. */
#define SHIFT_OFF_LABEL "⇧"
#define SHIFT_ON_LABEL  "⬆"

struct _AtriumKeyboard
{
  GtkWidget    parent_instance;

  GtkStack    *stack;
  GtkGrid     *letters_grid;
  GtkGrid     *symbols_grid;

  GPtrArray   *keys;          /* the key buttons of both pages, borrowed */
  GtkWidget   *shift_button;
  GtkEditable *target;        /* weak */
  GtkRoot     *root;          /* while rooted, weak */
  gulong       focus_id;
};

G_DEFINE_FINAL_TYPE (AtriumKeyboard, atrium_keyboard, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_TARGET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const Key *
button_key (GtkWidget *button)
{
  return g_object_get_data (G_OBJECT (button), "atrium-keyboard-key");
}

static gboolean
shift_is_on (AtriumKeyboard *self)
{
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->shift_button));
}

/* The GtkText that an entry, a password entry or an entry row types through. */
static GtkWidget *
inner_text (GtkEditable *editable)
{
  GtkEditable *delegate;

  while ((delegate = gtk_editable_get_delegate (editable)) != NULL)
    editable = delegate;
  return GTK_WIDGET (editable);
}

/* The focus is on the GtkText inside an entry: the outermost editable it types for. */
static GtkEditable *
editable_of (GtkWidget *focus)
{
  GtkEditable *found = NULL;

  for (GtkWidget *widget = focus; widget != NULL; widget = gtk_widget_get_parent (widget))
    if (GTK_IS_EDITABLE (widget) &&
        (found == NULL || gtk_editable_get_delegate (GTK_EDITABLE (widget)) == found))
      found = GTK_EDITABLE (widget);
  return found;
}

static void
set_page (AtriumKeyboard *self,
          Page            page)
{
  gtk_stack_set_visible_child (self->stack, page == PAGE_LETTERS
                                            ? GTK_WIDGET (self->letters_grid)
                                            : GTK_WIDGET (self->symbols_grid));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->shift_button), FALSE);
}

static void
shift_toggled (AtriumKeyboard *self)
{
  gboolean on = shift_is_on (self);

  gtk_button_set_label (GTK_BUTTON (self->shift_button), on ? SHIFT_ON_LABEL : SHIFT_OFF_LABEL);
  for (guint i = 0; i < self->keys->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (self->keys, i);
      const Key *key = button_key (button);
      g_autofree char *upper = NULL;

      if (key->kind != KEY_CHAR || !g_ascii_isalpha (key->text[0]))
        continue;
      upper = g_ascii_strup (key->text, -1);
      gtk_button_set_label (GTK_BUTTON (button), on ? upper : key->text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      on ? upper : key->text, -1);
    }
}

/* The target, if a patron can type into it now. */
static GtkEditable *
usable_target (AtriumKeyboard *self)
{
  GtkEditable *target = self->target;

  if (target == NULL || !gtk_widget_get_mapped (GTK_WIDGET (target)) ||
      !gtk_widget_is_sensitive (GTK_WIDGET (target)) || !gtk_editable_get_editable (target))
    return NULL;
  return target;
}

/* The keys never take the focus; it may still have gone elsewhere (a tap on a button of
 * the form): it comes back to the entry, without selecting its text, which the next key
 * would then replace. */
static void
keep_focus (AtriumKeyboard *self,
            GtkEditable    *target)
{
  GtkWidget *text = inner_text (target);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus != NULL && (focus == text || gtk_widget_is_ancestor (focus, GTK_WIDGET (target))))
    return;
  if (GTK_IS_TEXT (text))
    gtk_text_grab_focus_without_selecting (GTK_TEXT (text));
  else
    gtk_widget_grab_focus (text);
}

/* The target, its focus kept, if a key can change it now. */
static GtkEditable *
begin_edit (AtriumKeyboard *self)
{
  GtkEditable *target = usable_target (self);

  if (target != NULL)
    keep_focus (self, target);
  return target;
}

static void
type_text (AtriumKeyboard *self,
           const char     *text)
{
  GtkEditable *target = begin_edit (self);
  int position;

  if (target == NULL)
    return;
  /* A selection is replaced: the cursor is then where it began. */
  gtk_editable_delete_selection (target);
  position = gtk_editable_get_position (target);
  gtk_editable_insert_text (target, text, -1, &position);
  gtk_editable_set_position (target, position);
}

static void
erase (AtriumKeyboard *self)
{
  GtkEditable *target = begin_edit (self);
  int position;

  if (target == NULL)
    return;
  if (gtk_editable_get_selection_bounds (target, NULL, NULL))
    {
      gtk_editable_delete_selection (target);
      return;
    }
  position = gtk_editable_get_position (target);
  if (position > 0)
    gtk_editable_delete_text (target, position - 1, position);
}

/* As the Enter key of a keyboard: the entry's "activate" (an entry row's
 * "entry-activated"), and the window's default widget if the entry activates it. */
static void
enter (AtriumKeyboard *self)
{
  GtkEditable *target = begin_edit (self);
  GtkWidget *text;

  if (target == NULL)
    return;
  text = inner_text (target);
  /* GtkText has an "activate" signal but (in GTK 4.8) not as its widget activation:
   * gtk_widget_activate() on it does nothing. */
  if (GTK_IS_TEXT (text))
    g_signal_emit_by_name (text, "activate");
  else
    gtk_widget_activate (text);
}

static void
key_clicked (GtkButton      *button,
             AtriumKeyboard *self)
{
  const Key *key = button_key (GTK_WIDGET (button));
  g_autofree char *upper = NULL;

  switch (key->kind)
    {
    case KEY_CHAR:
      if (shift_is_on (self))
        upper = g_ascii_strup (key->text, -1);
      type_text (self, upper != NULL ? upper : key->text);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->shift_button), FALSE);
      break;
    case KEY_SPACE:
      type_text (self, " ");
      break;
    case KEY_BACKSPACE:
      erase (self);
      break;
    case KEY_ENTER:
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->shift_button), FALSE);
      enter (self);
      break;
    case KEY_SYMBOLS:
      set_page (self, PAGE_SYMBOLS);
      break;
    case KEY_LETTERS:
      set_page (self, PAGE_LETTERS);
      break;
    case KEY_SHIFT:
    default:
      break;
    }
}

static const char *
key_name (const Key *key)
{
  switch (key->kind)
    {
    case KEY_SHIFT:
      return _("Shift");
    case KEY_BACKSPACE:
      return _("Backspace");
    case KEY_ENTER:
      return _("Enter");
    case KEY_SPACE:
      return _("Space");
    case KEY_SYMBOLS:
      return _("Digits and symbols");
    case KEY_LETTERS:
      return _("Letters");
    case KEY_CHAR:
    default:
      for (guint i = 0; i < G_N_ELEMENTS (symbol_names); i++)
        if (g_str_equal (symbol_names[i].text, key->text))
          return _(symbol_names[i].name);
      return key->text;
    }
}

static GtkWidget *
make_key (AtriumKeyboard *self,
          const Key      *key)
{
  GtkWidget *button = key->kind == KEY_SHIFT ? gtk_toggle_button_new () : gtk_button_new ();

  g_object_set_data (G_OBJECT (button), "atrium-keyboard-key", (gpointer) key);
  /* The focus stays in the entry being typed into. */
  gtk_widget_set_focusable (button, FALSE);
  gtk_widget_set_focus_on_click (button, FALSE);
  gtk_widget_add_css_class (button, "osk-key");
  switch (key->kind)
    {
    case KEY_CHAR:
      gtk_button_set_label (GTK_BUTTON (button), key->text);
      break;
    case KEY_SHIFT:
      gtk_button_set_label (GTK_BUTTON (button), SHIFT_OFF_LABEL);
      gtk_widget_add_css_class (button, "osk-shift");
      break;
    case KEY_BACKSPACE:
      gtk_button_set_icon_name (GTK_BUTTON (button), "edit-clear-symbolic");
      break;
    case KEY_ENTER:
      /* TRANSLATORS: the Enter key of the on-screen keyboard, as short as can be */
      gtk_button_set_label (GTK_BUTTON (button), C_("keyboard key", "Enter"));
      gtk_widget_add_css_class (button, "suggested-action");
      break;
    case KEY_SPACE:
      /* TRANSLATORS: the space bar of the on-screen keyboard */
      gtk_button_set_label (GTK_BUTTON (button), C_("keyboard key", "space"));
      break;
    case KEY_SYMBOLS:
      /* TRANSLATORS: the key that shows the page of digits and symbols */
      gtk_button_set_label (GTK_BUTTON (button), C_("keyboard key", "?123"));
      break;
    case KEY_LETTERS:
      /* TRANSLATORS: the key that shows the page of letters */
      gtk_button_set_label (GTK_BUTTON (button), C_("keyboard key", "ABC"));
      break;
    default:
      g_assert_not_reached ();
    }
  if (key->kind != KEY_CHAR)
    gtk_widget_add_css_class (button, "osk-function");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  key_name (key), -1);
  if (key->kind == KEY_SHIFT)
    {
      self->shift_button = button;
      g_signal_connect_swapped (button, "toggled", G_CALLBACK (shift_toggled), self);
    }
  else
    g_signal_connect (button, "clicked", G_CALLBACK (key_clicked), self);
  g_ptr_array_add (self->keys, button);
  return button;
}

static void
fill_page (AtriumKeyboard *self,
           GtkGrid        *grid,
           const Key      *keys,
           gsize           n_keys)
{
  for (gsize i = 0; i < n_keys; i++)
    gtk_grid_attach (grid, make_key (self, &keys[i]), keys[i].column, keys[i].row,
                     keys[i].width, 1);
}

static void
focus_changed (AtriumKeyboard *self)
{
  GtkWidget *focus = self->root != NULL ? gtk_root_get_focus (self->root) : NULL;
  GtkEditable *editable = focus != NULL ? editable_of (focus) : NULL;

  /* The focus on a button or nowhere: the keys keep typing into the last entry. */
  if (editable != NULL)
    atrium_keyboard_set_target (self, editable);
}

void
atrium_keyboard_set_target (AtriumKeyboard *self,
                            GtkEditable    *editable)
{
  GtkWidget *text;
  gboolean digits = FALSE;

  g_return_if_fail (ATRIUM_IS_KEYBOARD (self));
  g_return_if_fail (editable == NULL || GTK_IS_EDITABLE (editable));

  if (self->target == editable)
    return;
  g_set_weak_pointer (&self->target, editable);
  if (editable != NULL)
    {
      text = inner_text (editable);
      if (GTK_IS_TEXT (text))
        switch (gtk_text_get_input_purpose (GTK_TEXT (text)))
          {
          case GTK_INPUT_PURPOSE_DIGITS:
          case GTK_INPUT_PURPOSE_NUMBER:
          case GTK_INPUT_PURPOSE_PHONE:
          case GTK_INPUT_PURPOSE_PIN:
            digits = TRUE;
            break;
          default:
            break;
          }
    }
  set_page (self, digits ? PAGE_SYMBOLS : PAGE_LETTERS);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET]);
}

GtkEditable *
atrium_keyboard_get_target (AtriumKeyboard *self)
{
  g_return_val_if_fail (ATRIUM_IS_KEYBOARD (self), NULL);

  return self->target;
}

gboolean
atrium_keyboard_press (AtriumKeyboard *self,
                       const char     *key)
{
  GtkWidget *page;
  gboolean known = FALSE;

  g_return_val_if_fail (ATRIUM_IS_KEYBOARD (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  page = gtk_stack_get_visible_child (self->stack);
  for (guint i = 0; i < self->keys->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (self->keys, i);
      const Key *button_data = button_key (button);
      const char *shown = gtk_button_get_label (GTK_BUTTON (button));
      gboolean match = button_data->kind == KEY_CHAR
                       ? g_strcmp0 (shown, key) == 0 ||
                         g_ascii_strcasecmp (button_data->text, key) == 0
                       : g_str_equal (button_data->text, key);

      if (!match)
        continue;
      known = TRUE;
      /* A letter matches as it is shown: "A" only while Shift is on. */
      if (button_data->kind == KEY_CHAR && g_strcmp0 (shown, key) != 0)
        continue;
      if (gtk_widget_get_parent (button) != page || !gtk_widget_is_sensitive (button))
        continue;
      g_signal_emit_by_name (button, "clicked");
      return TRUE;
    }
  if (!known)
    g_warning ("The on-screen keyboard has no key “%s”", key);
  return FALSE;
}

static void
atrium_keyboard_root (GtkWidget *widget)
{
  AtriumKeyboard *self = ATRIUM_KEYBOARD (widget);

  GTK_WIDGET_CLASS (atrium_keyboard_parent_class)->root (widget);
  g_set_weak_pointer (&self->root, gtk_widget_get_root (widget));
  self->focus_id = g_signal_connect_swapped (self->root, "notify::focus-widget",
                                             G_CALLBACK (focus_changed), self);
  focus_changed (self);
}

static void
atrium_keyboard_unroot (GtkWidget *widget)
{
  AtriumKeyboard *self = ATRIUM_KEYBOARD (widget);

  if (self->root != NULL)
    g_clear_signal_handler (&self->focus_id, self->root);
  g_clear_weak_pointer (&self->root);
  GTK_WIDGET_CLASS (atrium_keyboard_parent_class)->unroot (widget);
}

static void
atrium_keyboard_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AtriumKeyboard *self = ATRIUM_KEYBOARD (object);

  switch (prop_id)
    {
    case PROP_TARGET:
      g_value_set_object (value, self->target);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_keyboard_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AtriumKeyboard *self = ATRIUM_KEYBOARD (object);

  switch (prop_id)
    {
    case PROP_TARGET:
      atrium_keyboard_set_target (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_keyboard_dispose (GObject *object)
{
  AtriumKeyboard *self = ATRIUM_KEYBOARD (object);

  g_clear_weak_pointer (&self->target);
  g_clear_pointer (&self->keys, g_ptr_array_unref);
  self->shift_button = NULL;
  atrium_widget_dispose_children (GTK_WIDGET (self), ATRIUM_TYPE_KEYBOARD);
  G_OBJECT_CLASS (atrium_keyboard_parent_class)->dispose (object);
}

static void
atrium_keyboard_class_init (AtriumKeyboardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = atrium_keyboard_get_property;
  object_class->set_property = atrium_keyboard_set_property;
  object_class->dispose = atrium_keyboard_dispose;
  widget_class->root = atrium_keyboard_root;
  widget_class->unroot = atrium_keyboard_unroot;

  properties[PROP_TARGET] =
    g_param_spec_object ("target", NULL, NULL, GTK_TYPE_EDITABLE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/atrium-keyboard.ui");
  gtk_widget_class_bind_template_child (widget_class, AtriumKeyboard, stack);
  gtk_widget_class_bind_template_child (widget_class, AtriumKeyboard, letters_grid);
  gtk_widget_class_bind_template_child (widget_class, AtriumKeyboard, symbols_grid);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "keyboard");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
atrium_keyboard_init (AtriumKeyboard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->keys = g_ptr_array_new ();
  fill_page (self, self->letters_grid, letter_keys, G_N_ELEMENTS (letter_keys));
  fill_page (self, self->symbols_grid, symbol_keys, G_N_ELEMENTS (symbol_keys));
}

GtkWidget *
atrium_keyboard_new (void)
{
  return g_object_new (ATRIUM_TYPE_KEYBOARD, NULL);
}
