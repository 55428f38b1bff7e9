/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "atrium-clock.h"
#include "atrium-core-error.h"

/* 2026-11-24T09:30:00Z */
#define T0 (G_GINT64_CONSTANT (1795512600) * ATRIUM_USEC_PER_SEC)

static void
test_fixed_clock (void)
{
  g_autoptr(AtriumClock) clock = atrium_clock_new_fixed (T0);
  g_autoptr(GDateTime) dt = NULL;

  g_assert_true (atrium_clock_is_fixed (clock));
  g_assert_cmpint (atrium_clock_now_usec (clock), ==, T0);
  atrium_clock_advance (clock, 90 * ATRIUM_USEC_PER_SEC);
  g_assert_cmpint (atrium_clock_now (clock), ==, T0 / ATRIUM_USEC_PER_SEC + 90);
  atrium_clock_set (clock, 0);
  g_assert_cmpint (atrium_clock_now_usec (clock), ==, 0);

  atrium_clock_set (clock, T0 + 250000);
  dt = atrium_clock_now_utc (clock);
  g_assert_cmpint (g_date_time_get_hour (dt), ==, 9);
  g_assert_cmpint (g_date_time_get_minute (dt), ==, 30);
  g_assert_cmpint (g_date_time_get_microsecond (dt), ==, 250000);
  g_assert_cmpint (g_date_time_get_utc_offset (dt), ==, 0);
}

static void
test_system_clock (void)
{
  g_autoptr(AtriumClock) clock = atrium_clock_new_system ();
  gint64 before = g_get_real_time ();
  gint64 now = atrium_clock_now_usec (clock);
  gint64 after = g_get_real_time ();

  g_assert_false (atrium_clock_is_fixed (clock));
  g_assert_cmpint (now, >=, before);
  g_assert_cmpint (now, <=, after);
}

static void
test_format (void)
{
  g_autofree char *epoch = atrium_time_format_iso8601 (0);
  g_autofree char *t0 = atrium_time_format_iso8601 (T0 + 999999);
  g_autofree char *before_epoch = atrium_time_format_iso8601 (-1);

  g_assert_cmpstr (epoch, ==, "1970-01-01T00:00:00Z");
  g_assert_cmpstr (t0, ==, "2026-11-24T09:30:00Z");
  g_assert_cmpstr (before_epoch, ==, "1969-12-31T23:59:59Z");
}

static void
test_parse_valid (void)
{
  struct { const char *text; gint64 expected; } cases[] = {
    { "2026-11-24T09:30:00Z", T0 },
    { "2026-11-24T10:30:00+01:00", T0 },
    { "2026-11-24T04:30:00-05:00", T0 },
    { "2026-11-24T09:30:00.5Z", T0 + 500000 },
    { "2026-11-24T09:30:00.000001Z", T0 + 1 },
    { "1970-01-01T00:00:00Z", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 value = -1;

      g_assert_true (atrium_time_parse_iso8601 (cases[i].text, &value, &error));
      g_assert_no_error (error);
      g_assert_cmpint (value, ==, cases[i].expected);
    }
}

static void
test_parse_invalid (void)
{
  const char *cases[] = {
    "", "2026-11-24", "2026-11-24 09:30:00Z", "2026-11-24T09:30:00",
    "2026-11-24T09:30Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
    "2026-11-24T25:00:00Z", "2026-11-24T09:30:00Zjunk", "2026-11-24T09:30:00+0100",
    "2026-11-24T09:30:00.1234567Z", "2026-11-24T09:30:00.Z", "+2026-11-24T09:30:00Z",
    "2026-W48-2T09:30:00Z", "２０２６-11-24T09:30:00Z",
    "2026-11-24T09:30:00Z                                           ",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 value = 42;

      g_assert_false (atrium_time_parse_iso8601 (cases[i], &value, &error));
      g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_SYNTAX);
      g_assert_cmpint (value, ==, 42);
    }
  g_assert_false (atrium_time_parse_iso8601 (NULL, &(gint64) { 0 }, NULL));
}

static void
test_round_trip (void)
{
  for (gint64 t = 0; t < G_GINT64_CONSTANT (4102444800); t += 86400 * 37 + 3671)
    {
      g_autofree char *text = atrium_time_format_iso8601 (t * ATRIUM_USEC_PER_SEC);
      gint64 back = 0;

      g_assert_true (atrium_time_parse_iso8601 (text, &back, NULL));
      g_assert_cmpint (back, ==, t * ATRIUM_USEC_PER_SEC);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/clock/fixed", test_fixed_clock);
  g_test_add_func ("/clock/system", test_system_clock);
  g_test_add_func ("/time/format", test_format);
  g_test_add_func ("/time/parse-valid", test_parse_valid);
  g_test_add_func ("/time/parse-invalid", test_parse_invalid);
  g_test_add_func ("/time/round-trip", test_round_trip);

  return g_test_run ();
}
