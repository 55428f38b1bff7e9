/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* atrium-server useradd | passwd | userdel (DESIGN.md §8). Exit 0, 1 or 2. */
int atrium_cli_useradd (int    argc,
                        char **argv);
int atrium_cli_passwd  (int    argc,
                        char **argv);
int atrium_cli_userdel (int    argc,
                        char **argv);
int atrium_cli_kiosk_add    (int    argc,
                             char **argv);
int atrium_cli_kiosk_revoke (int    argc,
                             char **argv);

G_END_DECLS
