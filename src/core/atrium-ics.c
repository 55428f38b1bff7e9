/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-ics"

#include "config.h"

#include "atrium-ics.h"

#include <string.h>

#define MAX_LINE_OCTETS 75   /* RFC 5545 §3.1, CRLF not counted */

const char *
atrium_ics_content_type (AtriumIcsMethod method)
{
  switch (method)
    {
    case ATRIUM_ICS_CANCEL:
      return "text/calendar; charset=UTF-8; method=CANCEL";
    case ATRIUM_ICS_PUBLISH:
      return "text/calendar; charset=UTF-8; method=PUBLISH";
    case ATRIUM_ICS_REQUEST:
    default:
      return "text/calendar; charset=UTF-8; method=REQUEST";
    }
}

/* Appends one content line, folded: after at most 75 octets a CRLF and a space, never
 * inside a UTF-8 sequence. */
static void
add_line (GString    *out,
          const char *line)
{
  gsize len = strlen (line);
  gsize room = MAX_LINE_OCTETS;

  while (len > room)
    {
      gsize cut = room;

      /* Back up to the first byte of a character (not 10xxxxxx). */
      while (cut > 0 && ((guchar) line[cut] & 0xc0) == 0x80)
        cut--;
      g_string_append_len (out, line, cut);
      g_string_append (out, "\r\n ");
      line += cut;
      len -= cut;
      room = MAX_LINE_OCTETS - 1;   /* the leading space counts */
    }
  g_string_append (out, line);
  g_string_append (out, "\r\n");
}

static void
add_printf (GString    *out,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
add_printf (GString    *out,
            const char *format,
            ...)
{
  g_autofree char *line = NULL;
  va_list ap;

  va_start (ap, format);
  line = g_strdup_vprintf (format, ap);
  va_end (ap);
  add_line (out, line);
}

/* A TEXT value (§3.3.11): backslash, semicolon and comma escaped, line breaks as \n;
 * other control characters, which TEXT may not hold, dropped. White space at the end
 * goes too: parsers such as libical drop it from the end of a line. */
static void
append_text (GString    *out,
             const char *text)
{
  g_autofree char *valid = g_strchomp (g_utf8_make_valid (text, -1));

  for (const char *p = valid; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '\\': g_string_append (out, "\\\\"); break;
        case ';':  g_string_append (out, "\\;"); break;
        case ',':  g_string_append (out, "\\,"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r':
          if (p[1] != '\n')
            g_string_append (out, "\\n");
          break;
        case '\t': g_string_append_c (out, '\t'); break;
        default:
          if ((guchar) *p >= 0x20 && *p != 0x7f)
            g_string_append_c (out, *p);
          break;
        }
    }
}

static void
add_text (GString    *out,
          const char *name,
          const char *text)
{
  g_autoptr(GString) line = g_string_new (name);

  g_string_append_c (line, ':');
  append_text (line, text);
  add_line (out, line->str);
}

/* A quoted parameter value (CN), with the escapes of RFC 6868 for what a quoted string
 * cannot hold: ^' for DQUOTE, ^n for a line break, ^^ for ^. Backslashes and white space
 * at the end are dropped: libical reads \" as an escaped quote and loses the parameter,
 * and drops trailing white space from long values. */
static char *
quoted_param (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);
  GString *out = g_string_new ("\"");
  gsize end = strlen (valid);

  while (end > 0 && (valid[end - 1] == '\\' || g_ascii_isspace (valid[end - 1])))
    end--;
  for (gsize i = 0; i < end; i++)
    {
      char c = valid[i];

      if (c == '"')
        g_string_append (out, "^'");
      else if (c == '^')
        g_string_append (out, "^^");
      else if (c == '\n')
        g_string_append (out, "^n");
      else if ((guchar) c >= 0x20 && c != 0x7f)
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* ORGANIZER / ATTENDEE: a mailto: URI, with the name as CN when there is one. */
static void
add_address (GString    *out,
             const char *name,
             const char *params,
             const char *display_name,
             const char *address)
{
  g_autofree char *uri = g_uri_escape_string (address, "@!$&'*+=", FALSE);
  g_autofree char *cn = display_name != NULL ? quoted_param (display_name) : NULL;

  add_printf (out, "%s%s%s%s:mailto:%s", name, cn != NULL ? ";CN=" : "",
              cn != NULL ? cn : "", params, uri);
}

static char *
format_utc (gint64 seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (seconds);

  return time != NULL ? g_date_time_format (time, "%Y%m%dT%H%M%SZ") : NULL;
}

static const char *
method_name (AtriumIcsMethod method)
{
  switch (method)
    {
    case ATRIUM_ICS_CANCEL:
      return "CANCEL";
    case ATRIUM_ICS_PUBLISH:
      return "PUBLISH";
    case ATRIUM_ICS_REQUEST:
    default:
      return "REQUEST";
    }
}

char *
atrium_ics_build (const AtriumIcsEvent *event,
                  AtriumIcsMethod       method)
{
  g_autoptr(GString) out = NULL;
  g_autoptr(GString) location = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  gboolean publish = method == ATRIUM_ICS_PUBLISH;
  gboolean cancel = method == ATRIUM_ICS_CANCEL || (publish && event->cancelled);

  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (event->booking_id > 0 && event->start < event->end, NULL);
  g_return_val_if_fail (event->host != NULL && event->summary != NULL &&
                        event->resource != NULL, NULL);
  /* An iTIP request or cancellation is a message between two people. */
  g_return_val_if_fail (publish || (event->site != NULL && event->organizer != NULL &&
                                    event->attendee != NULL), NULL);
  g_return_val_if_fail (method != ATRIUM_ICS_CANCEL || event->sequence > 0, NULL);
  g_return_val_if_fail (event->alarm_minutes == 0 || event->alarm_text != NULL, NULL);

  stamp = format_utc (event->stamp);
  start = format_utc (event->start);
  end = format_utc (event->end);
  g_return_val_if_fail (stamp != NULL && start != NULL && end != NULL, NULL);

  /* Most specific first, as in a postal address; each part escaped on its own, so a
   * comma inside a name stays a character of it. */
  location = g_string_new ("LOCATION:");
  append_text (location, event->resource);
  if (event->space != NULL)
    {
      g_string_append (location, "\\, ");
      append_text (location, event->space);
    }
  if (event->site != NULL)
    {
      g_string_append (location, "\\, ");
      append_text (location, event->site);
    }

  out = g_string_new (NULL);
  add_line (out, "BEGIN:VCALENDAR");
  add_line (out, "VERSION:2.0");
  add_line (out, "PRODID:-//Atrium//Atrium " PACKAGE_VERSION "//EN");
  add_line (out, "CALSCALE:GREGORIAN");
  add_printf (out, "METHOD:%s", method_name (method));
  add_line (out, "BEGIN:VEVENT");
  add_printf (out, "UID:booking-%" G_GINT64_FORMAT "@%s", event->booking_id, event->host);
  add_printf (out, "SEQUENCE:%u", event->sequence);
  add_printf (out, "DTSTAMP:%s", stamp);
  add_printf (out, "DTSTART:%s", start);
  add_printf (out, "DTEND:%s", end);
  add_text (out, "SUMMARY", event->summary);
  add_line (out, location->str);
  if (event->description != NULL)
    add_text (out, "DESCRIPTION", event->description);
  if (event->organizer != NULL)
    add_address (out, "ORGANIZER", "", event->organizer_name, event->organizer);
  /* The patron asked for the booking: nothing to answer. */
  if (event->attendee != NULL)
    add_address (out, "ATTENDEE", ";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE",
                 event->attendee_name, event->attendee);
  add_line (out, cancel ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
  add_line (out, cancel ? "TRANSP:TRANSPARENT" : "TRANSP:OPAQUE");
  /* No reminder of what will not happen. */
  if (event->alarm_minutes > 0 && !cancel)
    {
      add_line (out, "BEGIN:VALARM");
      add_line (out, "ACTION:DISPLAY");
      add_printf (out, "TRIGGER:-PT%uM", event->alarm_minutes);
      add_text (out, "DESCRIPTION", event->alarm_text);
      add_line (out, "END:VALARM");
    }
  add_line (out, "END:VEVENT");
  add_line (out, "END:VCALENDAR");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
