/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "Add to Calendar": a booking as the server lists it, made a calendar file, read back by
 * a real iCalendar parser (libical). */
#include "config.h"

#include <string.h>
#include <libical/ical.h>

#include "atrium-booking-ics.h"
#include "atrium-json.h"
#include "atrium-test-ics.h"

/* 2026-11-24T09:00:00Z to 11:00, stamped the day before. */
#define START G_GINT64_CONSTANT (1795510800)
#define END   G_GINT64_CONSTANT (1795518000)
#define STAMP G_GINT64_CONSTANT (1795424400)
#define CODE  "ATR1.eyJiIjoxMjN9.c2lnbmF0dXJlLW9mLXRoZS1jb2Rl"

/* The files are parsed without libical's iTIP check: RFC 5546 wants an ORGANIZER in a
 * PUBLISH, which the app does not know (docs/decisions.md, "Add to calendar (ICS)"). */

/* A booking of GET /api/v1/bookings?mine, with its check-in code. The start is given
 * with an offset, as RFC 3339 allows: the file must still say 09:00Z. */
static JsonObject *
sample_booking (const char *status)
{
  g_autofree char *text = g_strdup_printf (
    "{\"id\": 123, \"resource_id\": 7, \"resource_name\": \"Seat H-33\", "
    "\"resource_type\": \"seat\", \"site_id\": 2, \"user_id\": 5, \"username\": \"ada\", "
    "\"start\": \"2026-11-24T10:00:00+01:00\", \"end\": \"2026-11-24T11:00:00Z\", "
    "\"status\": \"%s\", \"group_size\": 1, \"site_name\": \"Science Library\", "
    "\"space_name\": \"Reading Room\", \"checkin_code\": \"" CODE "\"}", status);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
build (JsonObject *booking,
       const char *base_url)
{
  g_autoptr(GError) error = NULL;
  char *ics = atrium_booking_ics_new (booking, base_url, STAMP, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ics);
  return ics;
}

/* The code is nowhere, not even split by a fold. */
static void
assert_no_code (const char *ics)
{
  g_autoptr(GString) unfolded = g_string_new (ics);

  g_string_replace (unfolded, "\r\n ", "", 0);
  g_assert_null (strstr (ics, CODE));
  g_assert_null (strstr (unfolded->str, CODE));
  g_assert_null (strstr (unfolded->str, "ATR1."));
}

static icalcomponent *
alarm_of (icalcomponent *event)
{
  return icalcomponent_get_first_component (event, ICAL_VALARM_COMPONENT);
}

static void
test_fields (void)
{
  g_autoptr(JsonObject) booking = sample_booking ("booked");
  g_autofree char *ics = build (booking, "https://Atrium.Example.org:8443/");
  g_autoptr(GPtrArray) lines = atrium_test_ics_lines (ics);
  icalcomponent *calendar = atrium_test_ics_parse (ics, FALSE);
  icalcomponent *event = atrium_test_ics_event (calendar);
  icalcomponent *alarm = alarm_of (event);
  icalproperty *property;
  struct icaltimetype start = icalcomponent_get_dtstart (event);
  struct icaltimetype end = icalcomponent_get_dtend (event);
  struct icaltimetype stamp = icalcomponent_get_dtstamp (event);
  struct icaltriggertype trigger;

  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "BEGIN:VCALENDAR");
  g_assert_cmpstr (g_ptr_array_index (lines, lines->len - 1), ==, "END:VCALENDAR");
  g_assert_true (g_str_has_prefix (icalproperty_get_prodid (
    icalcomponent_get_first_property (calendar, ICAL_PRODID_PROPERTY)), "-//Atrium//Atrium"));
  g_assert_cmpstr (icalproperty_get_version (
    icalcomponent_get_first_property (calendar, ICAL_VERSION_PROPERTY)), ==, "2.0");
  g_assert_cmpstr (icalproperty_get_calscale (
    icalcomponent_get_first_property (calendar, ICAL_CALSCALE_PROPERTY)), ==, "GREGORIAN");
  g_assert_cmpint (icalcomponent_get_method (calendar), ==, ICAL_METHOD_PUBLISH);

  g_assert_cmpstr (icalcomponent_get_uid (event), ==, "booking-123@atrium.example.org");
  g_assert_true (icaltime_is_utc (start) && icaltime_is_utc (end) && icaltime_is_utc (stamp));
  g_assert_true (g_ptr_array_find_with_equal_func (lines, "DTSTART:20261124T090000Z",
                                                   g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (lines, "DTEND:20261124T110000Z",
                                                   g_str_equal, NULL));
  g_assert_cmpint (icaltime_as_timet (start), ==, START);
  g_assert_cmpint (icaltime_as_timet (end), ==, END);
  g_assert_cmpint (icaltime_as_timet (stamp), ==, STAMP);
  g_assert_cmpstr (icalcomponent_get_summary (event), ==, "Seat H-33 — Science Library");
  g_assert_cmpstr (icalcomponent_get_location (event), ==,
                   "Seat H-33, Reading Room, Science Library");
  g_assert_nonnull (strstr (icalcomponent_get_description (event), "QR code"));
  g_assert_nonnull (strstr (icalcomponent_get_description (event), "kiosk"));
  g_assert_cmpint (icalcomponent_get_status (event), ==, ICAL_STATUS_CONFIRMED);
  /* Nobody to send replies to: the app knows no organizer, the file is for the patron. */
  g_assert_null (icalcomponent_get_first_property (event, ICAL_ORGANIZER_PROPERTY));
  g_assert_null (icalcomponent_get_first_property (event, ICAL_ATTENDEE_PROPERTY));

  /* A reminder on screen, 15 minutes before the start. */
  g_assert_nonnull (alarm);
  g_assert_null (icalcomponent_get_next_component (event, ICAL_VALARM_COMPONENT));
  property = icalcomponent_get_first_property (alarm, ICAL_ACTION_PROPERTY);
  g_assert_cmpint (icalproperty_get_action (property), ==, ICAL_ACTION_DISPLAY);
  trigger = icalproperty_get_trigger (icalcomponent_get_first_property (alarm,
                                                                        ICAL_TRIGGER_PROPERTY));
  g_assert_true (icaltime_is_null_time (trigger.time));
  g_assert_cmpint (icaldurationtype_as_int (trigger.duration), ==, -15 * 60);
  g_assert_cmpstr (icalproperty_get_description (
    icalcomponent_get_first_property (alarm, ICAL_DESCRIPTION_PROPERTY)), ==,
    "Your booking of Seat H-33 starts in 15 minutes.");

  assert_no_code (ics);
  icalcomponent_free (calendar);
}

/* The same booking from the same server is the same event; a server on loopback (the
 * embedded backend) names none. */
static void
test_uid (void)
{
  g_autoptr(JsonObject) booking = sample_booking ("booked");
  const char *local[] = { "http://localhost", "http://127.0.0.1:8080", "http://[::1]:80",
                          NULL };
  g_autofree char *first = build (booking, "https://atrium.example.org");
  g_autofree char *again = build (booking, "https://atrium.example.org");

  g_assert_cmpstr (first, ==, again);
  for (guint i = 0; i < G_N_ELEMENTS (local); i++)
    {
      g_autofree char *ics = build (booking, local[i]);
      icalcomponent *calendar = atrium_test_ics_parse (ics, FALSE);

      g_assert_cmpstr (icalcomponent_get_uid (atrium_test_ics_event (calendar)), ==,
                       "booking-123@atrium");
      icalcomponent_free (calendar);
    }
}

/* A name with every character TEXT escapes, and one with a line break, read back whole;
 * without a site, the summary names Atrium and the location the resource alone. */
static void
test_escaping (void)
{
  g_autoptr(JsonObject) booking = sample_booking ("booked");
  const char *tricky = "Desk; 3, \"A\\B\"\nby the window";
  g_autofree char *ics = NULL;
  g_autofree char *summary = g_strdup_printf ("%s — Atrium", tricky);
  g_autoptr(GPtrArray) lines = NULL;
  icalcomponent *calendar;
  icalcomponent *event;

  json_object_set_string_member (booking, "resource_name", tricky);
  json_object_remove_member (booking, "site_name");
  json_object_set_null_member (booking, "space_name");
  ics = build (booking, NULL);
  lines = atrium_test_ics_lines (ics);
  g_assert_true (g_ptr_array_find_with_equal_func (
    lines, "SUMMARY:Desk\\; 3\\, \"A\\\\B\"\\nby the window — Atrium", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (
    lines, "LOCATION:Desk\\; 3\\, \"A\\\\B\"\\nby the window", g_str_equal, NULL));

  calendar = atrium_test_ics_parse (ics, FALSE);
  event = atrium_test_ics_event (calendar);
  g_assert_cmpstr (icalcomponent_get_summary (event), ==, summary);
  g_assert_cmpstr (icalcomponent_get_location (event), ==, tricky);
  assert_no_code (ics);
  icalcomponent_free (calendar);
}

/* Long names of 1- to 4-byte characters: folded at 75 octets, no character split, read
 * back equal. */
static void
test_folding (void)
{
  const char *pieces[] = { "a", "é", "—", "閲", "𝄞", " ", ",", ";", "\\" };

  for (guint length = 1; length < 120; length++)
    for (guint shift = 0; shift < G_N_ELEMENTS (pieces); shift++)
      {
        g_autoptr(JsonObject) booking = sample_booking ("booked");
        g_autoptr(GString) name = g_string_new ("Salle ");
        g_autofree char *ics = NULL;
        g_autofree char *summary = NULL;
        g_autofree char *location = NULL;
        g_autoptr(GPtrArray) lines = NULL;
        icalcomponent *calendar;
        icalcomponent *event;

        for (guint i = 0; i < length; i++)
          g_string_append (name, pieces[(i * 5 + shift + i / 4) % G_N_ELEMENTS (pieces)]);
        g_string_append (name, "!");   /* TEXT loses white space at its end */
        json_object_set_string_member (booking, "resource_name", name->str);
        json_object_set_string_member (booking, "site_name", name->str);
        ics = build (booking, "https://atrium.example.org");
        lines = atrium_test_ics_lines (ics);
        calendar = atrium_test_ics_parse (ics, FALSE);
        event = atrium_test_ics_event (calendar);
        summary = g_strdup_printf ("%s — %s", name->str, name->str);
        location = g_strdup_printf ("%s, Reading Room, %s", name->str, name->str);
        g_assert_cmpstr (icalcomponent_get_summary (event), ==, summary);
        g_assert_cmpstr (icalcomponent_get_location (event), ==, location);
        icalcomponent_free (calendar);
      }
}

/* A cancelled or released booking is a cancelled event, with no reminder; one that took
 * place (or was missed) stays confirmed. */
static void
test_status (void)
{
  static const struct { const char *status; icalproperty_status expected; } cases[] = {
    { "cancelled", ICAL_STATUS_CANCELLED }, { "released", ICAL_STATUS_CANCELLED },
    { "checked_in", ICAL_STATUS_CONFIRMED }, { "break", ICAL_STATUS_CONFIRMED },
    { "completed", ICAL_STATUS_CONFIRMED }, { "no_show", ICAL_STATUS_CONFIRMED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) booking = sample_booking (cases[i].status);
      g_autofree char *ics = build (booking, "https://atrium.example.org");
      g_autoptr(GPtrArray) lines = atrium_test_ics_lines (ics);
      icalcomponent *calendar = atrium_test_ics_parse (ics, FALSE);
      icalcomponent *event = atrium_test_ics_event (calendar);
      gboolean cancelled = cases[i].expected == ICAL_STATUS_CANCELLED;

      g_test_message ("status %s", cases[i].status);
      g_assert_cmpint (icalcomponent_get_status (event), ==, cases[i].expected);
      g_assert_true (cancelled == (alarm_of (event) == NULL));
      g_assert_cmpstr (icalcomponent_get_uid (event), ==, "booking-123@atrium.example.org");
      assert_no_code (ics);
      icalcomponent_free (calendar);
    }
}

/* What the server should never send makes no file, and says why. */
static void
test_invalid (void)
{
  static const struct { const char *member; const char *json; } cases[] = {
    { "id", NULL }, { "id", "\"123\"" }, { "id", "0" }, { "id", "-4" },
    { "resource_name", NULL }, { "resource_name", "\"\"" }, { "resource_name", "12" },
    { "start", NULL }, { "start", "\"tomorrow\"" }, { "start", "\"2026-11-24T09:00:00\"" },
    { "end", "\"2026-11-24T09:00:00Z\"" }, { "end", "\"2026-11-24T08:00:00Z\"" },
    { "end", "null" }, { "status", "\"pending\"" }, { "status", "[]" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) booking = sample_booking ("booked");
      g_autoptr(GError) error = NULL;
      g_autofree char *ics = NULL;

      g_test_message ("%s = %s", cases[i].member, cases[i].json);
      json_object_remove_member (booking, cases[i].member);
      if (cases[i].json != NULL)
        json_object_set_member (booking, cases[i].member,
                                json_from_string (cases[i].json, NULL));
      ics = atrium_booking_ics_new (booking, "https://atrium.example.org", STAMP, &error);
      g_assert_null (ics);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_nonnull (strstr (error->message, cases[i].member));
    }
}

static void
test_file_name (void)
{
  g_autoptr(JsonObject) booking = sample_booking ("booked");
  g_autofree char *name = atrium_booking_ics_file_name (booking);

  g_assert_cmpstr (name, ==, "atrium-booking-123.ics");
  json_object_set_string_member (booking, "id", "../../etc/passwd");
  g_assert_null (atrium_booking_ics_file_name (booking));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/booking-ics/fields", test_fields);
  g_test_add_func ("/booking-ics/uid", test_uid);
  g_test_add_func ("/booking-ics/escaping", test_escaping);
  g_test_add_func ("/booking-ics/folding", test_folding);
  g_test_add_func ("/booking-ics/status", test_status);
  g_test_add_func ("/booking-ics/invalid", test_invalid);
  g_test_add_func ("/booking-ics/file-name", test_file_name);
  return g_test_run ();
}
