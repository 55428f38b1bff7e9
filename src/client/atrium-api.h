/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define ATRIUM_API_ERROR (atrium_api_error_quark ())

/**
 * AtriumApiError:
 * @ATRIUM_API_ERROR_OFFLINE: the server could not be reached (refused, reset, timed out,
 *   name not resolved); show cached data with its age
 * @ATRIUM_API_ERROR_UNAUTHORISED: 401: no session, an expired or revoked one, or a wrong
 *   user name or password at sign-in (detail code `invalid_credentials`)
 * @ATRIUM_API_ERROR_SECOND_FACTOR_REQUIRED: 403 `second_factor_required`: sign in again
 *   with the second factor
 * @ATRIUM_API_ERROR_FORBIDDEN: any other 403
 * @ATRIUM_API_ERROR_NOT_FOUND: 404
 * @ATRIUM_API_ERROR_RATE_LIMITED: 429; the detail's retry_after says how long to wait
 * @ATRIUM_API_ERROR_SLOT_TAKEN: 409 `slot_taken`: someone booked that time first
 * @ATRIUM_API_ERROR_RULE_VIOLATION: 422 `rule_violation`; the detail names the rule
 * @ATRIUM_API_ERROR_CONFLICT: any other 409
 * @ATRIUM_API_ERROR_INVALID: 400, 422 or another 4xx; the detail has the server's code
 * @ATRIUM_API_ERROR_SERVER: 5xx; the detail has the request id to quote
 * @ATRIUM_API_ERROR_PROTOCOL: the answer could not be understood
 * @ATRIUM_API_ERROR_CERTIFICATE_UNTRUSTED: the certificate is not trusted by the system
 *   and none is pinned; the detail's fingerprint is the one presented, for the user to
 *   compare and pin
 * @ATRIUM_API_ERROR_CERTIFICATE_CHANGED: a certificate is pinned and the server
 *   presented another one; nothing was sent
 * @ATRIUM_API_ERROR_OUTDATED: 426: the server wants a newer Atrium
 */
typedef enum
{
  ATRIUM_API_ERROR_OFFLINE,
  ATRIUM_API_ERROR_UNAUTHORISED,
  ATRIUM_API_ERROR_SECOND_FACTOR_REQUIRED,
  ATRIUM_API_ERROR_FORBIDDEN,
  ATRIUM_API_ERROR_NOT_FOUND,
  ATRIUM_API_ERROR_RATE_LIMITED,
  ATRIUM_API_ERROR_SLOT_TAKEN,
  ATRIUM_API_ERROR_RULE_VIOLATION,
  ATRIUM_API_ERROR_CONFLICT,
  ATRIUM_API_ERROR_INVALID,
  ATRIUM_API_ERROR_SERVER,
  ATRIUM_API_ERROR_PROTOCOL,
  ATRIUM_API_ERROR_CERTIFICATE_UNTRUSTED,
  ATRIUM_API_ERROR_CERTIFICATE_CHANGED,
  ATRIUM_API_ERROR_OUTDATED,
} AtriumApiError;

/**
 * AtriumApiErrorDetail:
 * @status: the HTTP status, 0 when there was no answer
 * @code: the server's `error` member ("slot_taken", "invalid_date"…) or NULL
 * @message: the server's `message` (plain text, for logs; the UI phrases the code)
 * @request_id: the server's request id (body or X-Request-Id), or NULL
 * @rule: for RULE_VIOLATION, the rule ("max_duration", "ahead"…)
 * @retry_after: for RATE_LIMITED (and a 503 that says), seconds to wait; else 0
 * @fingerprint: for the certificate errors, the SHA-256 of the presented certificate
 *   (DER) in lower-case hex
 *
 * Carried inside the GError itself (an extended error domain), so it survives
 * g_error_copy() and g_task_return_error(); read it with atrium_api_error_get_detail().
 */
typedef struct
{
  guint  status;
  char  *code;
  char  *message;
  char  *request_id;
  char  *rule;
  guint  retry_after;
  char  *fingerprint;
} AtriumApiErrorDetail;

GQuark                      atrium_api_error_quark      (void);
const AtriumApiErrorDetail *atrium_api_error_get_detail (const GError *error);

/**
 * AtriumLoginResult:
 * @second_factor: TRUE when the server asks for a second factor: @challenge and
 *   @methods are set and @token is NULL
 * @token: the session token (also kept by the #AtriumApi for the calls that follow)
 * @expires_in: seconds the session lives unless used
 * @user: the `user` object the server answered (id, name, roles)
 */
typedef struct
{
  gboolean   second_factor;
  char      *challenge;
  char     **methods;
  char      *token;
  gint64     expires_in;
  JsonNode  *user;
} AtriumLoginResult;

GType              atrium_login_result_get_type (void) G_GNUC_CONST;
AtriumLoginResult *atrium_login_result_copy     (const AtriumLoginResult *result);
void               atrium_login_result_free     (AtriumLoginResult       *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumLoginResult, atrium_login_result_free)

/* The bytes of a download written so far. */
typedef void (*AtriumApiProgressFunc) (goffset  bytes_so_far,
                                       gpointer user_data);

#define ATRIUM_TYPE_API (atrium_api_get_type ())
G_DECLARE_FINAL_TYPE (AtriumApi, atrium_api, ATRIUM, API, GObject)

AtriumApi  *atrium_api_new                 (const char           *base_url,
                                            GError              **error);
AtriumApi  *atrium_api_new_for_unix_socket (const char           *socket_path);

const char *atrium_api_get_base_url        (AtriumApi            *self);
const char *atrium_api_get_token           (AtriumApi            *self);
void        atrium_api_set_token           (AtriumApi            *self,
                                            const char           *token);
const char *atrium_api_get_pinned_fingerprint (AtriumApi         *self);
gboolean    atrium_api_set_pinned_fingerprint (AtriumApi         *self,
                                               const char        *fingerprint,
                                               GError           **error);
char       *atrium_api_new_idempotency_key (void);

/* Sign-in */
void               atrium_api_login_async         (AtriumApi           *self,
                                                   const char          *username,
                                                   const char          *password,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
AtriumLoginResult *atrium_api_login_finish        (AtriumApi           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
void               atrium_api_send_code_async     (AtriumApi           *self,
                                                   const char          *challenge,
                                                   const char          *method,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean           atrium_api_send_code_finish    (AtriumApi           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
void               atrium_api_verify_code_async   (AtriumApi           *self,
                                                   const char          *challenge,
                                                   const char          *code,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
AtriumLoginResult *atrium_api_verify_code_finish  (AtriumApi           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
void               atrium_api_logout_async        (AtriumApi           *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean           atrium_api_logout_finish       (AtriumApi           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Reads. Each answers the server's document, its shape checked (see docs/decisions.md):
 * me: the profile object; sites {"sites": […]}; occupancy: an object; resources
 * {"resources": […]}; availability {"resource", "date", …}; bookings {"bookings": […]};
 * keys {"keys": […]}. site_id 0 for occupancy means every site. */
void      atrium_api_get_me_async           (AtriumApi           *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_get_sites_async        (AtriumApi           *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_get_occupancy_async    (AtriumApi           *self,
                                             gint64               site_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_search_resources_async (AtriumApi           *self,
                                             GHashTable          *query,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_get_availability_async (AtriumApi           *self,
                                             gint64               resource_id,
                                             const char          *date,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_list_my_bookings_async (AtriumApi           *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* Staff: a site's bookings of a day ({"bookings": […]}); see the .c for the filters. */
void      atrium_api_list_site_bookings_async (AtriumApi         *self,
                                               gint64             site_id,
                                               const char        *date,
                                               const char        *status,
                                               GCancellable      *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer           user_data);
void      atrium_api_get_keys_async         (AtriumApi           *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);

/* Any other read (forecast, statistics, …) until it has a call of its own: @path starts
 * with "/" and carries its query; the answer must be a JSON object. */
void      atrium_api_get_document_async     (AtriumApi           *self,
                                             const char          *path,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);

/* Writes. create: {"resource_id", "start", "end"[, "group_size"]} with @idempotency_key
 * (make one with atrium_api_new_idempotency_key() and keep it to send the same request
 * again); cancel and check-in answer the booking / the check-in result. */
void      atrium_api_create_booking_async   (AtriumApi           *self,
                                             gint64               resource_id,
                                             const char          *start,
                                             const char          *end,
                                             guint                group_size,
                                             const char          *idempotency_key,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_cancel_booking_async   (AtriumApi           *self,
                                             gint64               booking_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_checkin_async          (AtriumApi           *self,
                                             const char          *code,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);

/* The finish of every read and write above: the answer's root, or NULL and @error. */
JsonNode *atrium_api_document_finish        (AtriumApi           *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/* Staff (see the .c for the answers): a check-in by hand, a break, a booking on behalf
 * of a patron (by id, or by user name with @user_id 0). Documents, as above. */
void      atrium_api_checkin_booking_async  (AtriumApi           *self,
                                             gint64               booking_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* Staff: the room counted by hand; the site's occupancy document. */
void      atrium_api_correct_count_async    (AtriumApi           *self,
                                             gint64               space_id,
                                             guint                count,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_break_booking_async    (AtriumApi           *self,
                                             gint64               booking_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_create_booking_for_async (AtriumApi         *self,
                                               gint64             user_id,
                                               const char        *username,
                                               gint64             resource_id,
                                               const char        *start,
                                               const char        *end,
                                               guint              group_size,
                                               const char        *idempotency_key,
                                               GCancellable      *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer           user_data);

/* Statistics (managers, reporting), popular times, a site's notices (staff). Every
 * string may be NULL (left out). Documents. */
void      atrium_api_get_site_stats_async   (AtriumApi           *self,
                                             gint64               site_id,
                                             const char          *from,
                                             const char          *to,
                                             const char          *bucket,
                                             const char          *compare,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_get_site_forecast_async (AtriumApi          *self,
                                              gint64              site_id,
                                              const char         *date,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
void      atrium_api_get_site_events_async  (AtriumApi           *self,
                                             gint64               site_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);

/* An export streamed into @destination, with the bytes so far to @progress. */
void      atrium_api_export_async           (AtriumApi             *self,
                                             const char            *table,
                                             const char            *format,
                                             const char            *from,
                                             const char            *to,
                                             GFile                 *destination,
                                             AtriumApiProgressFunc  progress,
                                             gpointer               progress_data,
                                             GCancellable          *cancellable,
                                             GAsyncReadyCallback    callback,
                                             gpointer               user_data);
goffset   atrium_api_export_finish          (AtriumApi           *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/* Administration (a session with the second factor). Documents, except unlock, revoke
 * and unblock, which finish with atrium_api_done_finish(). */
void      atrium_api_list_users_async       (AtriumApi           *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_create_user_async      (AtriumApi           *self,
                                             const char          *name,
                                             const char          *email,
                                             const char          *phone,
                                             const char          *password,
                                             const char * const  *roles,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_set_user_disabled_async (AtriumApi          *self,
                                              gint64              user_id,
                                              gboolean            disabled,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
void      atrium_api_unlock_user_async      (AtriumApi           *self,
                                             gint64               user_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_reset_second_factor_async (AtriumApi        *self,
                                                gint64            user_id,
                                                GCancellable     *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer          user_data);
void      atrium_api_list_sessions_async    (AtriumApi           *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_revoke_session_async   (AtriumApi           *self,
                                             gint64               session_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_list_user_sessions_async (AtriumApi         *self,
                                               gint64             user_id,
                                               GCancellable      *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer           user_data);
void      atrium_api_revoke_user_sessions_async (AtriumApi       *self,
                                                 gint64           user_id,
                                                 gint64           session_id,
                                                 GCancellable    *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer         user_data);
void      atrium_api_get_audit_async        (AtriumApi           *self,
                                             const char          *from,
                                             const char          *to,
                                             const char          *event,
                                             guint                limit,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_get_security_events_async (AtriumApi        *self,
                                                guint             limit,
                                                GCancellable     *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer          user_data);
void      atrium_api_list_blocks_async      (AtriumApi           *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_unblock_async          (AtriumApi           *self,
                                             const char          *ip,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* Managers (a session with the second factor): a resource added to a site or changed,
 * a resource type's booking rules set whole, a site's opening hours and closures. @body
 * is the request's JSON object as DESIGN.md §3 and the handlers' schemas take it; each
 * answers the stored object (the resource, the type's rules, the site). Documents. */
void      atrium_api_create_resource_async  (AtriumApi           *self,
                                             gint64               site_id,
                                             JsonNode            *body,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_update_resource_async  (AtriumApi           *self,
                                             gint64               resource_id,
                                             JsonNode            *body,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void      atrium_api_put_booking_rules_async (AtriumApi          *self,
                                              gint64              site_id,
                                              const char         *type,
                                              JsonNode           *body,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
void      atrium_api_update_site_async      (AtriumApi           *self,
                                             gint64               site_id,
                                             JsonNode            *body,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  atrium_api_done_finish            (AtriumApi           *self,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
