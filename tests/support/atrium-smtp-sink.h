/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A real, minimal SMTP server for tests (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA with
 * dot-unstuffing, RSET, NOOP, QUIT, and optionally AUTH PLAIN; no TLS). It listens on
 * 127.0.0.1 at an ephemeral port and runs in a thread and main context of its own, so a
 * test may block while the code under test talks to it. Every accepted message is
 * recorded; the functions below may be called from any thread.
 */
typedef struct _AtriumSmtpSink AtriumSmtpSink;

/**
 * AtriumSmtpSinkMessage:
 * @helo: the name the client gave in EHLO or HELO
 * @auth_user: (nullable): the user that authenticated with AUTH PLAIN, or %NULL
 * @mail_from: the reverse path without its angle brackets ("" for <>)
 * @recipients: the forward paths without angle brackets, %NULL-terminated
 * @data: the message as received: dot-unstuffed, without the final ".\r\n"
 */
typedef struct
{
  char   *helo;
  char   *auth_user;
  char   *mail_from;
  GStrv   recipients;
  GBytes *data;
} AtriumSmtpSinkMessage;

/**
 * AtriumSmtpSinkPart:
 * @content_type: the Content-Type value as written (unfolded); "text/plain" when absent
 * @media_type: the media type alone, in lower case, e.g. "text/calendar"
 * @charset: (nullable): the charset parameter, or %NULL
 * @filename: (nullable): the file name of Content-Disposition (RFC 2231 decoded)
 * @transfer_encoding: the Content-Transfer-Encoding in lower case ("7bit" when absent)
 * @content: the content after undoing the transfer encoding
 */
typedef struct
{
  char   *content_type;
  char   *media_type;
  char   *charset;
  char   *filename;
  char   *transfer_encoding;
  GBytes *content;
} AtriumSmtpSinkPart;

AtriumSmtpSink *atrium_smtp_sink_new                  (GError                      **error);
void            atrium_smtp_sink_free                 (AtriumSmtpSink               *sink);
guint16         atrium_smtp_sink_get_port             (AtriumSmtpSink               *sink);
void            atrium_smtp_sink_require_auth         (AtriumSmtpSink               *sink,
                                                       const char                   *user,
                                                       const char                   *password);
void            atrium_smtp_sink_reject_recipient     (AtriumSmtpSink               *sink,
                                                       const char                   *address,
                                                       guint                         code);
gboolean        atrium_smtp_sink_wait_for             (AtriumSmtpSink               *sink,
                                                       guint                         n_messages,
                                                       guint                         timeout_ms);
GPtrArray      *atrium_smtp_sink_get_messages         (AtriumSmtpSink               *sink);
guint           atrium_smtp_sink_get_connection_count (AtriumSmtpSink               *sink);

void            atrium_smtp_sink_message_free         (AtriumSmtpSinkMessage        *message);
char           *atrium_smtp_sink_message_dup_header   (const AtriumSmtpSinkMessage  *message,
                                                       const char                   *name,
                                                       GError                      **error);
GPtrArray      *atrium_smtp_sink_message_get_parts    (const AtriumSmtpSinkMessage  *message,
                                                       GError                      **error);
char           *atrium_smtp_sink_message_dup_text     (const AtriumSmtpSinkMessage  *message,
                                                       GError                      **error);

void            atrium_smtp_sink_part_free            (AtriumSmtpSinkPart           *part);

char           *atrium_smtp_sink_decode_header        (const char                   *value,
                                                       GError                      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumSmtpSink, atrium_smtp_sink_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumSmtpSinkMessage, atrium_smtp_sink_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumSmtpSinkPart, atrium_smtp_sink_part_free)

G_END_DECLS
