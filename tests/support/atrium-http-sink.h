/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * An HTTP server for tests: a SoupServer on 127.0.0.1 at an ephemeral port, in a thread
 * and main context of its own, that records every request and answers each with the
 * configured response (200 with an empty JSON object unless told otherwise). It speaks
 * plain HTTP, or HTTPS with a built-in self-signed test certificate. All functions may
 * be called from any thread.
 */
typedef struct _AtriumHttpSink AtriumHttpSink;

/**
 * AtriumHttpSinkRequest:
 * @method: e.g. "POST"
 * @path: the path of the request URI, e.g. "/send"
 * @query: (nullable): the raw query, without '?'
 * @content_type: (nullable): the Content-Type header as sent
 * @authorization: (nullable): the Authorization header as sent
 * @headers: all request headers
 * @body: the request body (empty, never %NULL)
 */
typedef struct
{
  char               *method;
  char               *path;
  char               *query;
  char               *content_type;
  char               *authorization;
  SoupMessageHeaders *headers;
  GBytes             *body;
} AtriumHttpSinkRequest;

AtriumHttpSink *atrium_http_sink_new                      (GError                **error);
AtriumHttpSink *atrium_http_sink_new_tls                  (GError                **error);
void            atrium_http_sink_free                     (AtriumHttpSink         *sink);
guint16         atrium_http_sink_get_port                 (AtriumHttpSink         *sink);
char           *atrium_http_sink_dup_url                  (AtriumHttpSink         *sink,
                                                           const char             *path_and_query);
void            atrium_http_sink_set_response             (AtriumHttpSink         *sink,
                                                           guint                   status,
                                                           const char             *content_type,
                                                           const char             *body);
void            atrium_http_sink_add_response_header      (AtriumHttpSink         *sink,
                                                           const char             *name,
                                                           const char             *value);
void            atrium_http_sink_set_delay                (AtriumHttpSink         *sink,
                                                           guint                   delay_ms);
gboolean        atrium_http_sink_wait_for                 (AtriumHttpSink         *sink,
                                                           guint                   n_requests,
                                                           guint                   timeout_ms);
GPtrArray      *atrium_http_sink_get_requests             (AtriumHttpSink         *sink);
guint           atrium_http_sink_get_request_count        (AtriumHttpSink         *sink);

void            atrium_http_sink_request_free             (AtriumHttpSinkRequest  *request);

const char     *atrium_http_sink_get_test_certificate_pem (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumHttpSink, atrium_http_sink_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumHttpSinkRequest, atrium_http_sink_request_free)

G_END_DECLS
