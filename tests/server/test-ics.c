/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Calendar files of bookings, read back by a real iCalendar parser (libical), which also
 * checks them against the iTIP rules of their method (icalrestriction_check). */
#include "config.h"

#include <string.h>
#include <libical/ical.h>

#include "atrium-ics.h"
#include "atrium-test-ics.h"

/* 2026-11-24T09:00:00Z to 11:00, stamped the day before. */
#define START G_GINT64_CONSTANT (1795510800)
#define END   G_GINT64_CONSTANT (1795518000)
#define STAMP G_GINT64_CONSTANT (1795424400)

static AtriumIcsEvent
sample_event (void)
{
  AtriumIcsEvent event = {
    .booking_id = 4242,
    .host = "atrium.example.org",
    .sequence = 0,
    .stamp = STAMP,
    .start = START,
    .end = END,
    .summary = "Seat 12, Central Library",
    .resource = "Seat 12",
    .space = "Reading Room",
    .site = "Central Library",
    .description = "Check in at the kiosk from 15 minutes before the start.\n"
                   "Cancel if you cannot come.",
    .organizer = "library@example.org",
    .organizer_name = "Central Library",
    .attendee = "ada+books@example.org",
    .attendee_name = "Ada \"Countess\" Lovelace",
  };

  return event;
}

static const char *
param_cn (icalproperty *property)
{
  icalparameter *cn = icalproperty_get_first_parameter (property, ICAL_CN_PARAMETER);

  return cn != NULL ? icalparameter_get_cn (cn) : NULL;
}

static void
test_request (void)
{
  AtriumIcsEvent booking = sample_event ();
  g_autofree char *ics = atrium_ics_build (&booking, ATRIUM_ICS_REQUEST);
  g_autoptr(GPtrArray) lines = atrium_test_ics_lines (ics);
  icalcomponent *calendar = atrium_test_ics_parse (ics, TRUE);
  icalcomponent *event = atrium_test_ics_event (calendar);
  struct icaltimetype start = icalcomponent_get_dtstart (event);
  struct icaltimetype end = icalcomponent_get_dtend (event);
  struct icaltimetype stamp = icalcomponent_get_dtstamp (event);
  icalproperty *organizer = icalcomponent_get_first_property (event,
                                                              ICAL_ORGANIZER_PROPERTY);
  icalproperty *attendee = icalcomponent_get_first_property (event, ICAL_ATTENDEE_PROPERTY);

  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "BEGIN:VCALENDAR");
  g_assert_cmpint (icalcomponent_get_method (calendar), ==, ICAL_METHOD_REQUEST);
  g_assert_cmpstr (icalcomponent_get_uid (event), ==, "booking-4242@atrium.example.org");
  g_assert_cmpint (icalcomponent_get_sequence (event), ==, 0);
  g_assert_cmpint (icalcomponent_get_status (event), ==, ICAL_STATUS_CONFIRMED);
  g_assert_true (icaltime_is_utc (start) && icaltime_is_utc (end) && icaltime_is_utc (stamp));
  g_assert_cmpint (icaltime_as_timet (start), ==, START);
  g_assert_cmpint (icaltime_as_timet (end), ==, END);
  g_assert_cmpint (icaltime_as_timet (stamp), ==, STAMP);
  g_assert_cmpstr (icalcomponent_get_summary (event), ==, booking.summary);
  g_assert_cmpstr (icalcomponent_get_location (event), ==,
                   "Seat 12, Reading Room, Central Library");
  g_assert_cmpstr (icalcomponent_get_description (event), ==, booking.description);
  g_assert_cmpstr (icalproperty_get_organizer (organizer), ==, "mailto:library@example.org");
  g_assert_cmpstr (param_cn (organizer), ==, "Central Library");
  g_assert_cmpstr (icalproperty_get_attendee (attendee), ==,
                   "mailto:ada+books@example.org");
  g_assert_cmpstr (param_cn (attendee), ==, booking.attendee_name);
  g_assert_cmpint (icalcomponent_count_properties (event, ICAL_ATTENDEE_PROPERTY), ==, 1);
  g_assert_cmpstr (atrium_ics_content_type (ATRIUM_ICS_REQUEST), ==,
                   "text/calendar; charset=UTF-8; method=REQUEST");

  /* Without the optional parts it is just as valid. */
  {
    g_autofree char *bare = NULL;
    icalcomponent *bare_calendar;

    booking.space = booking.description = booking.organizer_name = booking.attendee_name = NULL;
    bare = atrium_ics_build (&booking, ATRIUM_ICS_REQUEST);
    bare_calendar = atrium_test_ics_parse (bare, TRUE);
    g_assert_cmpstr (icalcomponent_get_location (atrium_test_ics_event (bare_calendar)), ==,
                     "Seat 12, Central Library");
    g_assert_null (strstr (bare, "DESCRIPTION"));
    g_assert_null (strstr (bare, "CN="));
    icalcomponent_free (bare_calendar);
  }
  icalcomponent_free (calendar);
}

static void
test_cancel (void)
{
  AtriumIcsEvent booking = sample_event ();
  g_autofree char *request = atrium_ics_build (&booking, ATRIUM_ICS_REQUEST);
  g_autofree char *cancel = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  icalcomponent *first = atrium_test_ics_parse (request, TRUE);
  icalcomponent *calendar;
  icalcomponent *event;

  booking.sequence = 1;
  booking.stamp = START - 600;
  cancel = atrium_ics_build (&booking, ATRIUM_ICS_CANCEL);
  lines = atrium_test_ics_lines (cancel);
  calendar = atrium_test_ics_parse (cancel, TRUE);
  event = atrium_test_ics_event (calendar);

  g_assert_cmpint (icalcomponent_get_method (calendar), ==, ICAL_METHOD_CANCEL);
  g_assert_cmpint (icalcomponent_get_status (event), ==, ICAL_STATUS_CANCELLED);
  g_assert_cmpint (icalcomponent_get_sequence (event), ==, 1);
  /* The same event, a later version of it. */
  g_assert_cmpstr (icalcomponent_get_uid (event), ==,
                   icalcomponent_get_uid (atrium_test_ics_event (first)));
  g_assert_cmpint (icalcomponent_get_sequence (event), >,
                   icalcomponent_get_sequence (atrium_test_ics_event (first)));
  g_assert_cmpint (icaltime_as_timet (icalcomponent_get_dtstamp (event)), ==, START - 600);
  g_assert_cmpstr (atrium_ics_content_type (ATRIUM_ICS_CANCEL), ==,
                   "text/calendar; charset=UTF-8; method=CANCEL");
  icalcomponent_free (calendar);
  icalcomponent_free (first);

  /* A cancellation must come after what it cancels. */
  if (g_test_undefined ())
    {
      booking.sequence = 0;
      g_test_expect_message ("atrium-ics", G_LOG_LEVEL_CRITICAL, "*sequence > 0*");
      g_assert_null (atrium_ics_build (&booking, ATRIUM_ICS_CANCEL));
      g_test_assert_expected_messages ();
    }
}

/* Special characters of TEXT survive the trip through a parser exactly; control
 * characters TEXT may not hold are dropped. */
static void
test_escaping (void)
{
  AtriumIcsEvent booking = sample_event ();
  const char *tricky = "Room \"A\\B\"; quiet, really\nsecond line\r\nthird\ttab";
  g_autofree char *ics = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  icalcomponent *calendar;
  icalcomponent *event;

  booking.summary = tricky;
  booking.resource = "Desk 3, by the window";
  booking.space = "Maps; Atlases";
  booking.site = "C:\\Library";
  booking.description = "bell\a and escape\x1b gone\x7f";
  ics = atrium_ics_build (&booking, ATRIUM_ICS_REQUEST);
  lines = atrium_test_ics_lines (ics);
  g_assert_true (g_ptr_array_find_with_equal_func (
    lines, "SUMMARY:Room \"A\\\\B\"\\; quiet\\, really\\nsecond line\\nthird\ttab",
    g_str_equal, NULL));

  calendar = atrium_test_ics_parse (ics, TRUE);
  event = atrium_test_ics_event (calendar);
  g_assert_cmpstr (icalcomponent_get_summary (event), ==,
                   "Room \"A\\B\"; quiet, really\nsecond line\nthird\ttab");
  g_assert_cmpstr (icalcomponent_get_location (event), ==,
                   "Desk 3, by the window, Maps; Atlases, C:\\Library");
  g_assert_cmpstr (icalcomponent_get_description (event), ==, "bell and escape gone");
  icalcomponent_free (calendar);

  /* Broken UTF-8 is repaired, never passed on. */
  booking.summary = "Caf\xc3 \xff";
  g_clear_pointer (&ics, g_free);
  ics = atrium_ics_build (&booking, ATRIUM_ICS_REQUEST);
  g_assert_true (g_utf8_validate (ics, -1, NULL));
  calendar = atrium_test_ics_parse (ics, TRUE);
  icalcomponent_free (calendar);
}

/* Names of every length made of 1- to 4-byte characters: folded at 75 octets, no
 * character split, and read back whole. */
static void
test_folding (void)
{
  const char *pieces[] = { "a", "é", "—", "閲", "𝄞", " ", ",", "\\", "\"", "^" };

  for (guint length = 0; length < 160; length++)
    for (guint shift = 0; shift < G_N_ELEMENTS (pieces); shift++)
      {
        AtriumIcsEvent booking = sample_event ();
        g_autoptr(GString) name = g_string_new ("Salle ");
        g_autofree char *ics = NULL;
        g_autofree char *expected = NULL;
        g_autofree char *cn = NULL;
        g_autoptr(GPtrArray) lines = NULL;
        icalcomponent *calendar;
        icalcomponent *event;

        for (guint i = 0; i < length; i++)
          g_string_append (name, pieces[(i * 7 + shift + i / 3) % G_N_ELEMENTS (pieces)]);
        booking.summary = name->str;
        booking.space = name->str;
        booking.attendee_name = name->str;
        ics = atrium_ics_build (&booking, ATRIUM_ICS_REQUEST);
        lines = atrium_test_ics_lines (ics);

        calendar = atrium_test_ics_parse (ics, TRUE);
        event = atrium_test_ics_event (calendar);
        /* A name loses white space and backslashes at its end (see quoted_param()). */
        cn = g_strdup (name->str);
        while (g_str_has_suffix (cn, "\\") || g_str_has_suffix (cn, " "))
          cn[strlen (cn) - 1] = '\0';
        g_assert_cmpstr (param_cn (icalcomponent_get_first_property (
                           event, ICAL_ATTENDEE_PROPERTY)), ==, cn);
        /* TEXT loses white space at its end (see append_text()). */
        g_strchomp (name->str);
        g_assert_cmpstr (icalcomponent_get_summary (event), ==, name->str);
        expected = g_strdup_printf ("Seat 12, %s, Central Library", name->str);
        g_assert_cmpstr (icalcomponent_get_location (event), ==, expected);
        icalcomponent_free (calendar);
      }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ics/request", test_request);
  g_test_add_func ("/ics/cancel", test_cancel);
  g_test_add_func ("/ics/escaping", test_escaping);
  g_test_add_func ("/ics/folding", test_folding);

  status = g_test_run ();
  icalmemory_free_ring ();
  return status;
}
