/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "client-test-http.h"

#include <string.h>

guint
client_test_request (SoupSession  *session,
                     const char   *base_url,
                     const char   *method,
                     const char   *path,
                     const char   *token,
                     const char   *body,
                     JsonNode    **json_out)
{
  g_autofree char *url = g_strconcat (base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    bearer);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  if (json_out != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
                                                 (gssize) g_bytes_get_size (answer), NULL));
      *json_out = json_node_copy (json_parser_get_root (parser));
    }
  return soup_message_get_status (msg);
}
