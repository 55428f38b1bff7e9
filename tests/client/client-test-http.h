/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* One request through @session (its transport: TCP, or a Unix socket given as its
 * "remote-connectable") to @base_url + @path, with a bearer @token and a JSON @body when
 * given. Returns the status; the answer parsed as JSON into @json_out when asked. */
guint client_test_request (SoupSession  *session,
                           const char   *base_url,
                           const char   *method,
                           const char   *path,
                           const char   *token,
                           const char   *body,
                           JsonNode    **json_out);

G_END_DECLS
