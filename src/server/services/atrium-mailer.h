/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ATRIUM_MAILER_ERROR (atrium_mailer_error_quark ())

/**
 * AtriumMailerError:
 * @ATRIUM_MAILER_ERROR_INVALID_CONFIG: atrium_mailer_new() refused the configuration
 * @ATRIUM_MAILER_ERROR_INVALID_MESSAGE: the mail itself is unacceptable (bad recipient,
 *   CR/LF in a header value, not UTF-8, too large); nothing was sent, never retry
 * @ATRIUM_MAILER_ERROR_CONNECT: the server could not be resolved or reached; retry later
 * @ATRIUM_MAILER_ERROR_TIMEOUT: the server did not finish within the timeout; retry later
 * @ATRIUM_MAILER_ERROR_TLS: TLS could not be set up or the certificate is not trusted;
 *   the operator must fix the configuration
 * @ATRIUM_MAILER_ERROR_AUTH: the server refused the credentials; the operator must fix them
 * @ATRIUM_MAILER_ERROR_REJECTED: the server refused the mail for good (5xx); do not retry
 * @ATRIUM_MAILER_ERROR_TEMPORARY: the server refused the mail for now (4xx); retry later
 * @ATRIUM_MAILER_ERROR_FAILED: any other failure
 *
 * Errors of #AtriumMailer. The message names the server and carries libcurl's
 * explanation and the last SMTP reply code; it never contains the password.
 */
typedef enum
{
  ATRIUM_MAILER_ERROR_INVALID_CONFIG,
  ATRIUM_MAILER_ERROR_INVALID_MESSAGE,
  ATRIUM_MAILER_ERROR_CONNECT,
  ATRIUM_MAILER_ERROR_TIMEOUT,
  ATRIUM_MAILER_ERROR_TLS,
  ATRIUM_MAILER_ERROR_AUTH,
  ATRIUM_MAILER_ERROR_REJECTED,
  ATRIUM_MAILER_ERROR_TEMPORARY,
  ATRIUM_MAILER_ERROR_FAILED,
} AtriumMailerError;

/**
 * AtriumMailerTls:
 * @ATRIUM_MAILER_TLS_NONE: plain SMTP; only allowed when the host is a loopback address
 *   (127.0.0.0/8, ::1 or "localhost"), e.g. a local relay or a test sink
 * @ATRIUM_MAILER_TLS_STARTTLS: SMTP submission (usually port 587) upgraded with STARTTLS;
 *   the upgrade is required, the mail is never sent in clear text
 * @ATRIUM_MAILER_TLS_IMPLICIT: SMTPS, TLS from the first byte (usually port 465)
 */
typedef enum
{
  ATRIUM_MAILER_TLS_NONE,
  ATRIUM_MAILER_TLS_STARTTLS,
  ATRIUM_MAILER_TLS_IMPLICIT,
} AtriumMailerTls;

/**
 * AtriumMailerConfig:
 * @host: SMTP server name or IP address (an IPv6 address with or without brackets)
 * @port: 1–65535
 * @tls: how the connection is protected
 * @user: (nullable): login for SMTP AUTH, %NULL for none
 * @password: (nullable): password for SMTP AUTH; needs @user
 * @from_address: envelope sender and From address, e.g. "noreply@library.example"
 * @from_name: (nullable): display name of the From header, any UTF-8
 * @ca_file: (nullable): PEM file of the CAs to trust instead of the system store
 * @timeout_seconds: limit for a whole send, connection included; 0 means 30; at most 3600
 *
 * atrium_mailer_new() copies everything it needs; the caller keeps its config.
 * atrium_mailer_config_clear() frees the strings of a config that owns them.
 */
typedef struct
{
  char            *host;
  guint16          port;
  AtriumMailerTls  tls;
  char            *user;
  char            *password;
  char            *from_address;
  char            *from_name;
  char            *ca_file;
  guint            timeout_seconds;
} AtriumMailerConfig;

/**
 * AtriumMail:
 * @to: one recipient address, e.g. "patron@example.org" (no display name, no list)
 * @subject: UTF-8, non-empty
 * @text: the plain text body, UTF-8; line breaks may be LF or CRLF
 * @attachment_name: (nullable): file name shown for the attachment
 * @attachment_type: (nullable): MIME type of the attachment with its parameters, e.g.
 *   "text/calendar; charset=UTF-8; method=REQUEST"; application/octet-stream when %NULL
 * @attachment: (nullable): the attachment; the mail is multipart/mixed when given
 */
typedef struct
{
  const char *to;
  const char *subject;
  const char *text;
  const char *attachment_name;
  const char *attachment_type;
  GBytes     *attachment;
} AtriumMail;

#define ATRIUM_TYPE_MAILER (atrium_mailer_get_type ())
G_DECLARE_FINAL_TYPE (AtriumMailer, atrium_mailer, ATRIUM, MAILER, GObject)

GQuark        atrium_mailer_error_quark   (void);

void          atrium_mailer_config_clear  (AtriumMailerConfig        *config);

AtriumMailer *atrium_mailer_new           (const AtriumMailerConfig  *config,
                                           GError                   **error);
gboolean      atrium_mailer_send          (AtriumMailer              *self,
                                           const AtriumMail          *mail,
                                           GError                   **error);
GBytes       *atrium_mailer_build_message (AtriumMailer              *self,
                                           const AtriumMail          *mail,
                                           GError                   **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AtriumMailerConfig, atrium_mailer_config_clear)

G_END_DECLS
