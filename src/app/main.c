/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "atrium-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(AtriumApplication) app = NULL;

  setlocale (LC_ALL, "");
  atrium_application_setup_i18n ();
  g_set_application_name (_("Atrium"));

  app = atrium_application_new (G_APPLICATION_DEFAULT_FLAGS);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
