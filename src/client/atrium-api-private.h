/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-api.h"

G_BEGIN_DECLS

/* For the rest of libatrium-client (the live feed), so that the UI phrases one error
 * domain: an #ATRIUM_API_ERROR of @code with its HTTP @status in the detail. */
GError         *atrium_api_error_new_literal (AtriumApiError  code,
                                              guint           status,
                                              const char     *message);
/* The detail of an #ATRIUM_API_ERROR, to fill in (never NULL for that domain). */
AtriumApiErrorDetail *atrium_api_error_detail_of (GError *error);
/* The kind of a refusal by its status and the server's `error` member. */
AtriumApiError  atrium_api_error_for_status  (guint           status,
                                              const char     *code);

G_END_DECLS
