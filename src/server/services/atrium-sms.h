/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ATRIUM_SMS_ERROR (atrium_sms_error_quark ())

/**
 * AtriumSmsError:
 * @ATRIUM_SMS_ERROR_INVALID_CONFIG: atrium_sms_new() refused the configuration
 * @ATRIUM_SMS_ERROR_INVALID_NUMBER: the phone number is not E.164 ("+" and 8–15 digits);
 *   nothing was sent
 * @ATRIUM_SMS_ERROR_INVALID_MESSAGE: the message is empty, not UTF-8 or too long;
 *   nothing was sent
 * @ATRIUM_SMS_ERROR_NETWORK: the gateway could not be reached; retry later
 * @ATRIUM_SMS_ERROR_TIMEOUT: the gateway did not answer within the timeout; retry later
 * @ATRIUM_SMS_ERROR_TLS: the gateway's certificate is not trusted; the operator must fix
 *   the configuration
 * @ATRIUM_SMS_ERROR_REJECTED: the gateway answered 3xx or 4xx (other than 408 and 429):
 *   the request or the credentials are wrong; do not retry
 * @ATRIUM_SMS_ERROR_UNAVAILABLE: the gateway answered 5xx, 408 or 429; retry later
 *
 * Errors of #AtriumSms. An HTTP status travels in the message, never the
 * Authorization header.
 */
typedef enum
{
  ATRIUM_SMS_ERROR_INVALID_CONFIG,
  ATRIUM_SMS_ERROR_INVALID_NUMBER,
  ATRIUM_SMS_ERROR_INVALID_MESSAGE,
  ATRIUM_SMS_ERROR_NETWORK,
  ATRIUM_SMS_ERROR_TIMEOUT,
  ATRIUM_SMS_ERROR_TLS,
  ATRIUM_SMS_ERROR_REJECTED,
  ATRIUM_SMS_ERROR_UNAVAILABLE,
} AtriumSmsError;

/**
 * AtriumSmsConfig:
 * @url: the gateway endpoint: https://, or http:// only to a loopback host
 *   (127.0.0.0/8, ::1, localhost); no user or password in it
 * @body_template: the request body with the placeholders {to} and {message}, e.g.
 *   {"to":"{to}","text":"{message}"}; both placeholders must appear
 * @content_type: (nullable): application/json (the default, also any +json type),
 *   application/x-www-form-urlencoded or text/plain; the values are escaped to match
 * @auth_header: (nullable): sent as the Authorization header, e.g. "Bearer xyz"
 * @ca_file: (nullable): PEM file of the CAs to trust instead of the system store
 * @timeout_seconds: limit for a whole send, connection included; 0 means 30; at most 3600
 *
 * atrium_sms_new() copies everything it needs; the caller keeps its config.
 */
typedef struct
{
  char  *url;
  char  *body_template;
  char  *content_type;
  char  *auth_header;
  char  *ca_file;
  guint  timeout_seconds;
} AtriumSmsConfig;

#define ATRIUM_TYPE_SMS (atrium_sms_get_type ())
G_DECLARE_FINAL_TYPE (AtriumSms, atrium_sms, ATRIUM, SMS, GObject)

GQuark     atrium_sms_error_quark         (void);

void       atrium_sms_config_clear        (AtriumSmsConfig        *config);

AtriumSms *atrium_sms_new                 (const AtriumSmsConfig  *config,
                                           GError                **error);
gboolean   atrium_sms_send                (AtriumSms              *self,
                                           const char             *to_e164,
                                           const char             *message,
                                           GError                **error);
char      *atrium_sms_build_body          (AtriumSms              *self,
                                           const char             *to_e164,
                                           const char             *message,
                                           GError                **error);

gboolean   atrium_sms_is_e164             (const char             *number);
void       atrium_sms_append_json_escaped (GString                *out,
                                           const char             *text);
void       atrium_sms_append_form_escaped (GString                *out,
                                           const char             *text);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AtriumSmsConfig, atrium_sms_config_clear)

G_END_DECLS
