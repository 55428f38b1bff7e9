/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * An on-screen keyboard for a touch screen without a physical keyboard (the reception
 * kiosk under cage, where GTK has none of its own). It types into the editable that has
 * the focus in its window, or the last one that had it; its keys never take the focus.
 * Two pages: letters (QWERTY, with a one-shot Shift) and digits and symbols; a field
 * whose input purpose is digits or a PIN opens on the second page.
 */

#define ATRIUM_TYPE_KEYBOARD (atrium_keyboard_get_type ())
G_DECLARE_FINAL_TYPE (AtriumKeyboard, atrium_keyboard, ATRIUM, KEYBOARD, GtkWidget)

GtkWidget   *atrium_keyboard_new        (void);
/* The editable typed into until the focus moves to another one; NULL for none. */
void         atrium_keyboard_set_target (AtriumKeyboard *self,
                                         GtkEditable    *editable);
GtkEditable *atrium_keyboard_get_target (AtriumKeyboard *self);
/* Clicks the key of the visible page that types @key ("a", "A" while Shift is on, "!")
 * or is named @key ("shift", "backspace", "enter", "space", "symbols", "letters").
 * FALSE when the visible page has no such key. */
gboolean     atrium_keyboard_press      (AtriumKeyboard *self,
                                         const char     *key);

G_END_DECLS
