/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  ATRIUM_DATA_DIR_CREATED,    /* a new directory, key and store */
  ATRIUM_DATA_DIR_MIGRATED,   /* the store existed and was brought up to date */
  ATRIUM_DATA_DIR_UNCHANGED,  /* the store existed and was current */
} AtriumDataDirState;

gboolean atrium_data_dir_init (const char          *data_dir,
                               AtriumDataDirState  *state_out,
                               int                 *version_out,
                               GError             **error);

G_END_DECLS
