/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-client"

#include "config.h"

#include "atrium-booking-ics.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "atrium-ics.h"

/* The statuses of a booking (DESIGN.md §4) and whether the calendar should show it
 * cancelled: a released booking ended early by the patron's choice, like a cancellation. */
static const struct
{
  const char *status;
  gboolean    cancelled;
} statuses[] = {
  { "booked", FALSE },
  { "checked_in", FALSE },
  { "break", FALSE },
  { "completed", FALSE },
  { "no_show", FALSE },
  { "cancelled", TRUE },
  { "released", TRUE },
};

static char *
invalid (GError     **error,
         const char  *field)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               /* TRANSLATORS: %s is a field of the server's answer, such as "start" */
               _("The server’s answer about this booking is incomplete (%s): no calendar "
                 "file was made."), field);
  return NULL;
}

/* The string member @name, or NULL when it is absent, null or not a string. */
static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
id_of (JsonObject *booking)
{
  JsonNode *node = json_object_get_member (booking, "id");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return MAX (json_node_get_int (node), 0);
}

/* UTC seconds of an RFC 3339 time with its offset; FALSE when it does not parse. */
static gboolean
time_member (JsonObject *booking,
             const char *name,
             gint64     *seconds)
{
  const char *text = string_member (booking, name);
  g_autoptr(GDateTime) time = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  if (time == NULL)
    return FALSE;
  *seconds = g_date_time_to_unix (time);
  return TRUE;
}

/* The server's host names the event, so that importing the same booking twice updates
 * one event; a loopback address (the embedded backend) names no one. */
static char *
host_of (const char *base_url)
{
  g_autoptr(GUri) uri = base_url != NULL ? g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL)
                                         : NULL;
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  g_autoptr(GInetAddress) address = host != NULL ? g_inet_address_new_from_string (host)
                                                 : NULL;

  if (host == NULL || *host == '\0' || g_ascii_strcasecmp (host, "localhost") == 0 ||
      (address != NULL && g_inet_address_get_is_loopback (address)) ||
      !g_utf8_validate (host, -1, NULL))
    return g_strdup ("atrium");
  return g_ascii_strdown (host, -1);
}

char *
atrium_booking_ics_file_name (JsonObject *booking)
{
  gint64 id;

  g_return_val_if_fail (booking != NULL, NULL);

  id = id_of (booking);
  return id > 0 ? g_strdup_printf ("atrium-booking-%" G_GINT64_FORMAT ".ics", id) : NULL;
}

char *
atrium_booking_ics_new (JsonObject  *booking,
                        const char  *base_url,
                        gint64       now,
                        GError     **error)
{
  const char *resource;
  const char *status;
  const char *site;
  g_autofree char *host = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *alarm = NULL;
  AtriumIcsEvent event = { 0 };
  gboolean known = FALSE;

  g_return_val_if_fail (booking != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  event.booking_id = id_of (booking);
  if (event.booking_id <= 0)
    return invalid (error, "id");
  resource = string_member (booking, "resource_name");
  if (resource == NULL || *resource == '\0')
    return invalid (error, "resource_name");
  if (!time_member (booking, "start", &event.start))
    return invalid (error, "start");
  if (!time_member (booking, "end", &event.end) || event.end <= event.start)
    return invalid (error, "end");
  status = string_member (booking, "status");
  for (guint i = 0; status != NULL && i < G_N_ELEMENTS (statuses); i++)
    if (g_str_equal (status, statuses[i].status))
      {
        known = TRUE;
        event.cancelled = statuses[i].cancelled;
      }
  if (!known)
    return invalid (error, "status");

  host = host_of (base_url);
  site = string_member (booking, "site_name");
  /* TRANSLATORS: a calendar event's title, "Seat H-33 — Science Library" */
  summary = g_strdup_printf (_("%s — %s"), resource,
                             site != NULL && *site != '\0' ? site : "Atrium");
  /* TRANSLATORS: a calendar reminder; %s is what is booked, "Seat H-33" */
  alarm = g_strdup_printf (ngettext ("Your booking of %s starts in %u minute.",
                                     "Your booking of %s starts in %u minutes.",
                                     ATRIUM_BOOKING_ICS_ALARM_MINUTES),
                           resource, ATRIUM_BOOKING_ICS_ALARM_MINUTES);
  event.host = host;
  event.stamp = now;
  event.summary = summary;
  event.resource = resource;
  event.space = string_member (booking, "space_name");
  event.site = site;
  /* The way to check in, never the code: the calendar is not where a credential lives. */
  event.description = event.cancelled
                      ? _("This booking was cancelled.")
                      : _("To check in, open My Bookings in Atrium, choose Show Code and "
                          "hold the QR code up to the kiosk’s camera. Check-in opens 15 "
                          "minutes before the start.");
  event.alarm_minutes = ATRIUM_BOOKING_ICS_ALARM_MINUTES;
  event.alarm_text = alarm;
  return atrium_ics_build (&event, ATRIUM_ICS_PUBLISH);
}
