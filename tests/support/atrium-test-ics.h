/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libical/ical.h>

G_BEGIN_DECLS

/* Calendar files as the tests read them (built into each test that uses libical). */

/* Checks the physical lines of @ics: CRLF after each and nowhere else, at most 75 octets,
 * each valid UTF-8 on its own (a fold never splits a character), continuations starting
 * with one space. Returns the logical lines, unfolded. */
GPtrArray     *atrium_test_ics_lines  (const char    *ics);
/* Parses @ics with libical, checks it has no parse errors and, when @itip, that it obeys
 * the iTIP rules of its method; returns its VCALENDAR (icalcomponent_free() it). */
icalcomponent *atrium_test_ics_parse  (const char    *ics,
                                       gboolean       itip);
/* The one VEVENT of @calendar. */
icalcomponent *atrium_test_ics_event  (icalcomponent *calendar);

G_END_DECLS
