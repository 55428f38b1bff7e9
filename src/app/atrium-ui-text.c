/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-ui-text.h"

#include <glib/gi18n.h>

#include "atrium-api.h"
#include "atrium-embedded.h"

static char *
api_error_text (const GError *error)
{
  const AtriumApiErrorDetail *detail = atrium_api_error_get_detail (error);
  guint retry = detail != NULL ? detail->retry_after : 0;

  switch ((AtriumApiError) error->code)
    {
    case ATRIUM_API_ERROR_OFFLINE:
      return g_strdup (_("The server cannot be reached. Check the network connection; "
                         "Atrium keeps trying."));
    case ATRIUM_API_ERROR_UNAUTHORISED:
      return g_strdup (_("The user name, the password or the code is not right, or the "
                         "account is locked for a while. Check them and try again."));
    case ATRIUM_API_ERROR_SECOND_FACTOR_REQUIRED:
      return g_strdup (_("This needs a second factor: sign in again."));
    case ATRIUM_API_ERROR_FORBIDDEN:
      return g_strdup (_("Your account may not do this."));
    case ATRIUM_API_ERROR_NOT_FOUND:
      return g_strdup (_("This no longer exists: it may have been removed meanwhile."));
    case ATRIUM_API_ERROR_RATE_LIMITED:
      if (retry >= 120)
        return g_strdup_printf (ngettext ("Too many attempts. Try again in %u "
                                             "minute.", "Too many attempts. Try again in "
                                             "%u minutes.", (retry + 59) / 60),
                                (retry + 59) / 60);
      if (retry > 0)
        return g_strdup_printf (ngettext ("Too many attempts. Try again in %u "
                                             "second.", "Too many attempts. Try again in "
                                             "%u seconds.", retry), retry);
      return g_strdup (_("Too many attempts. Wait a little and try again."));
    case ATRIUM_API_ERROR_SLOT_TAKEN:
      return g_strdup (_("Someone booked this time first. Choose another time or "
                         "another place."));
    case ATRIUM_API_ERROR_RULE_VIOLATION:
      return g_strdup_printf (_("The booking rules do not allow this (%s)."),
                              detail != NULL && detail->message != NULL ? detail->message
                              : detail != NULL && detail->rule != NULL ? detail->rule
                              : _("unknown rule"));
    case ATRIUM_API_ERROR_CONFLICT:
      return g_strdup (_("This changed meanwhile. Reload and try again."));
    case ATRIUM_API_ERROR_INVALID:
      return g_strdup_printf (_("The server refused the request: %s"),
                              detail != NULL && detail->message != NULL ? detail->message
                              : error->message);
    case ATRIUM_API_ERROR_SERVER:
      return g_strdup_printf (_("The server failed. If it happens again, give your "
                                "administrator this reference: %s"),
                              detail != NULL && detail->request_id != NULL
                              ? detail->request_id : _("none"));
    case ATRIUM_API_ERROR_PROTOCOL:
      return g_strdup (_("The server answered something Atrium does not understand. "
                         "Is the address right?"));
    case ATRIUM_API_ERROR_CERTIFICATE_UNTRUSTED:
      return g_strdup (_("The server’s certificate is not trusted."));
    case ATRIUM_API_ERROR_CERTIFICATE_CHANGED:
      return g_strdup (_("The server’s certificate has changed since you accepted it. "
                         "This can be an attack: ask your administrator before going on."));
    case ATRIUM_API_ERROR_OUTDATED:
      return g_strdup (_("This version of Atrium is too old for the server. Please "
                         "update it."));
    default:
      return g_strdup (error->message);
    }
}

char *
atrium_ui_error_text (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == ATRIUM_API_ERROR)
    return api_error_text (error);
  if (error->domain == ATRIUM_EMBEDDED_ERROR)
    return g_strdup_printf (_("The built-in server could not start: %s"), error->message);
  return g_strdup (error->message);
}

const char *
atrium_ui_level_words (const char *level)
{
  if (g_strcmp0 (level, "low") == 0)
    return _("Quiet");
  if (g_strcmp0 (level, "medium") == 0)
    return _("Fairly busy");
  if (g_strcmp0 (level, "high") == 0)
    return _("Busy");
  if (g_strcmp0 (level, "full") == 0)
    return _("Full");
  return _("Unknown");
}

const char *
atrium_ui_booking_status (const char *status)
{
  static const struct { const char *status; const char *words; } table[] = {
    { "booked", N_("Booked") },
    { "checked_in", N_("Checked in") },
    { "break", N_("On a break") },
    { "cancelled", N_("Cancelled") },
    { "released", N_("Released") },
    { "no_show", N_("No-show") },
    { "completed", N_("Completed") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_strcmp0 (status, table[i].status) == 0)
      return _(table[i].words);
  return status != NULL ? status : "";
}

static GDateTime *
local_time (const char *rfc3339)
{
  g_autoptr(GDateTime) parsed = NULL;

  if (rfc3339 == NULL)
    return NULL;
  parsed = g_date_time_new_from_iso8601 (rfc3339, NULL);
  return parsed != NULL ? g_date_time_to_local (parsed) : NULL;
}

char *
atrium_ui_time_of_day (const char *rfc3339)
{
  g_autoptr(GDateTime) time = local_time (rfc3339);

  /* TRANSLATORS: a time of day, as strftime() writes it */
  return time != NULL ? g_date_time_format (time, C_("time of day", "%H:%M")) : NULL;
}

char *
atrium_ui_date_and_time (const char *rfc3339)
{
  g_autoptr(GDateTime) time = local_time (rfc3339);

  return time != NULL ? g_date_time_format (time, C_("date and time", "%a %e %b, %H:%M"))
                      : NULL;
}

char *
atrium_ui_interval (const char *start,
                    const char *end)
{
  g_autoptr(GDateTime) from = local_time (start);
  g_autoptr(GDateTime) to = local_time (end);
  g_autofree char *day = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;

  if (from == NULL || to == NULL)
    return g_strdup ("");
  /* TRANSLATORS: a day, as strftime() writes it: "Wed 25 Nov" */
  day = g_date_time_format (from, C_("booking day", "%a %e %b"));
  from_text = g_date_time_format (from, C_("time of day", "%H:%M"));
  to_text = g_date_time_format (to, C_("time of day", "%H:%M"));
  /* TRANSLATORS: a day, then the start and end times of a booking */
  return g_strdup_printf (_("%s, %s–%s"), g_strstrip (day), from_text, to_text);
}

char *
atrium_ui_wait (gint64 seconds)
{
  gint64 minutes = (seconds + 30) / 60;

  if (seconds <= 0)
    return g_strdup (_("No wait"));
  if (minutes < 1)
    return g_strdup (_("Under a minute"));
  return g_strdup_printf (ngettext ("About %d min", "About %d min", (int) minutes),
                          (int) minutes);
}

char *
atrium_ui_offline_text (gint64 as_of)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = as_of > 0 ? g_date_time_new_from_unix_local (as_of)
                                        : g_date_time_ref (now);
  g_autofree char *time = NULL;

  /* An older day says which: a kiosk may start from what it kept last night. */
  if (g_date_time_get_year (then) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (now))
    time = g_date_time_format (then, C_("time of day", "%H:%M"));
  else
    time = g_date_time_format (then, C_("day and time", "%a %e %b, %H:%M"));
  return g_strdup_printf (_("Offline — showing the data as of %s. Atrium keeps trying to "
                            "reconnect."), time);
}
