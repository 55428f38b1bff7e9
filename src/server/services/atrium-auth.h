/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "atrium-mailer.h"
#include "atrium-password.h"
#include "atrium-server.h"
#include "atrium-store-users.h"

G_BEGIN_DECLS

typedef struct _AtriumAuth AtriumAuth;

/* What a login step came to; the handlers turn it into an answer. */
typedef enum
{
  ATRIUM_LOGIN_OK,               /* a session was made */
  ATRIUM_LOGIN_SECOND_FACTOR,    /* a challenge was made; a second factor is needed */
  ATRIUM_LOGIN_INVALID,          /* wrong, unknown, disabled or locked: one answer for all */
  ATRIUM_LOGIN_THROTTLED,        /* too many failures: retry after retry_after seconds */
  ATRIUM_LOGIN_FAILED,           /* the server could not do it (error set) */
} AtriumLoginStatus;

typedef struct
{
  AtriumLoginStatus status;
  char             *token;         /* OK */
  gint64            expires_in;    /* OK: seconds */
  AtriumUser       *user;          /* OK */
  char             *challenge;     /* SECOND_FACTOR */
  GPtrArray        *methods;       /* SECOND_FACTOR: "totp", "sms", "email" */
  guint             retry_after;   /* THROTTLED */
} AtriumLoginResult;

void        atrium_login_result_clear  (AtriumLoginResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AtriumLoginResult, atrium_login_result_clear)

AtriumAuth *atrium_auth_new            (AtriumServer      *server,
                                        GError           **error);
void        atrium_auth_free           (AtriumAuth        *auth);
void        atrium_auth_register       (AtriumAuth        *auth);

const AtriumPasswordPolicy *atrium_auth_get_policy (AtriumAuth *auth);
const AtriumPasswordParams *atrium_auth_get_params (AtriumAuth *auth);

gboolean    atrium_auth_login          (AtriumAuth        *auth,
                                        AtriumRequest     *request,
                                        const char        *login,
                                        const char        *password,
                                        AtriumLoginResult *result,
                                        GError           **error);
gboolean    atrium_auth_send_code      (AtriumAuth        *auth,
                                        AtriumRequest     *request,
                                        const char        *challenge,
                                        const char        *method,
                                        AtriumLoginResult *result,
                                        GError           **error);
gboolean    atrium_auth_verify_code    (AtriumAuth        *auth,
                                        AtriumRequest     *request,
                                        const char        *challenge,
                                        const char        *code,
                                        AtriumLoginResult *result,
                                        GError           **error);
gboolean    atrium_auth_authenticate   (AtriumRequest     *request,
                                        gpointer           user_data);
gboolean    atrium_auth_security       (AtriumRequest     *request,
                                        AtriumSecurityKind kind,
                                        const char        *detail,
                                        gpointer           user_data);

#include "atrium-store-audit.h"

void        atrium_auth_audit          (AtriumAuth        *auth,
                                        AtriumDb          *writer,
                                        AtriumRequest     *request,
                                        const char        *event,
                                        AtriumAuditOutcome outcome,
                                        gint64             actor_user_id,
                                        gint64             subject_user_id,
                                        const char        *detail);
void        atrium_auth_notify         (AtriumAuth        *auth,
                                        const AtriumUser  *user,
                                        const char        *subject,
                                        const char        *text,
                                        const char        *request_id);
void        atrium_auth_notify_email   (AtriumAuth        *auth,
                                        const char        *to,
                                        const char        *subject,
                                        const char        *text,
                                        const char        *request_id);
gboolean    atrium_auth_has_mail       (AtriumAuth        *auth);
/* The mail service (NULL without [mail]), for other services' messages. */
AtriumMailer *atrium_auth_get_mailer   (AtriumAuth        *auth);
const guint8 *atrium_auth_get_secrets_key (AtriumAuth     *auth);
void        atrium_auth_clear_throttle (AtriumDb          *writer,
                                        const AtriumUser  *user);

/* The parts the command line shares with the API. */
char       *atrium_auth_seal_totp_secret (const char      *data_dir,
                                          const guint8    *secret,
                                          gsize            len,
                                          GError         **error);
gboolean    atrium_auth_load_secrets_key (const char      *data_dir,
                                          guint8          *key_out,
                                          GError         **error);

G_END_DECLS
