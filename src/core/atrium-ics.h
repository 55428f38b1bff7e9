/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Calendar files (RFC 5545, with the iTIP methods of RFC 5546). The booking mails: a
 * confirmation carries METHOD:REQUEST, a cancellation or release METHOD:CANCEL with the
 * same UID and a higher SEQUENCE, so that mail clients update the event they added. The
 * desktop app's "Add to Calendar" saves a METHOD:PUBLISH file of the same shape. */

typedef enum
{
  ATRIUM_ICS_REQUEST,   /* the booking was made or changed */
  ATRIUM_ICS_CANCEL,    /* the booking was cancelled or released */
  ATRIUM_ICS_PUBLISH,   /* a file to import, as the booking stands (see cancelled) */
} AtriumIcsMethod;

/* One booking as the calendar shows it. Strings are UTF-8 (anything else is repaired);
 * those marked optional may be NULL. */
typedef struct
{
  gint64      booking_id;
  const char *host;          /* UID is booking-<id>@<host>: the server's public name */
  guint       sequence;      /* 0 when made, +1 for each change; a CANCEL needs more
                              * than the last REQUEST sent */
  gint64      stamp;         /* DTSTAMP: when this message is made, UTC seconds */
  gint64      start;         /* UTC seconds; start < end */
  gint64      end;
  const char *summary;       /* "Seat 12, Central Library" */
  const char *resource;      /* LOCATION is "resource, space, site" */
  const char *space;         /* optional */
  const char *site;          /* optional for PUBLISH */
  const char *description;   /* optional; newlines allowed */
  const char *organizer;     /* the library's address (the mail's sender); optional for
                              * PUBLISH, where the app does not know it */
  const char *organizer_name;  /* optional */
  const char *attendee;      /* the patron's address; optional for PUBLISH */
  const char *attendee_name;   /* optional */
  gboolean    cancelled;     /* PUBLISH only: STATUS:CANCELLED (CANCEL always is) */
  guint       alarm_minutes; /* a DISPLAY alarm this long before the start; 0: none */
  const char *alarm_text;    /* the alarm's words; needed with alarm_minutes */
} AtriumIcsEvent;

/* The VCALENDAR with one VEVENT, CRLF line ends, lines folded at 75 octets. */
char       *atrium_ics_build        (const AtriumIcsEvent *event,
                                     AtriumIcsMethod       method);
/* The Content-Type of the attachment (and of a text/calendar part) for @method. */
const char *atrium_ics_content_type (AtriumIcsMethod       method);

G_END_DECLS
