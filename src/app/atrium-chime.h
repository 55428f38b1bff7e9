/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * The reception kiosk's chime after a check-in: a short synthesised sound played through
 * a GStreamer pipeline on the main loop, never blocking it. A new chime replaces one
 * still playing. A sink that cannot play (no sound device, a wrong description) keeps
 * the kiosk silent; the reason is logged with g_message once, not at every chime.
 *
 * The sink is a gst-launch description such as "autoaudiosink" or
 * "alsasink device=hw:1" (the `kiosk-chime-sink` setting):
 *  - NULL means the default, "autoaudiosink";
 *  - "" means silence: nothing is played and nothing is logged;
 *  - an autoaudiosink that finds no sound device (it then falls back to a fake sink on
 *    GStreamer 1.22) counts as a sink that cannot play.
 */

typedef enum
{
  ATRIUM_CHIME_SUCCESS, /* a rising two-note sound, 0.35 s: 660 Hz then 880 Hz */
  ATRIUM_CHIME_FAILURE, /* two low beeps, 0.5 s: 330 Hz, a pause, 330 Hz */
} AtriumChimeKind;

#define ATRIUM_TYPE_CHIME_KIND (atrium_chime_kind_get_type ())
GType atrium_chime_kind_get_type (void);

#define ATRIUM_TYPE_CHIME (atrium_chime_get_type ())
G_DECLARE_FINAL_TYPE (AtriumChime, atrium_chime, ATRIUM, CHIME, GObject)

/*
 * ::finished (AtriumChime *chime, AtriumChimeKind kind, gboolean played, gpointer data)
 * Once for every atrium_chime_play(): @played is TRUE when the chime played to its end,
 * FALSE when it was replaced or stopped, when the sink failed or is "" (silence). Emitted
 * from the main loop, never for the chime that atrium_chime_play() starts from inside it;
 * a chime it replaces is reported there, after the new one has started.
 */

AtriumChime *atrium_chime_new           (const char      *sink_description);
/* Takes effect at the next chime; one playing goes on. NULL: "autoaudiosink". */
void         atrium_chime_set_sink      (AtriumChime     *self,
                                         const char      *sink_description);
const char  *atrium_chime_get_sink      (AtriumChime     *self);
void         atrium_chime_play          (AtriumChime     *self,
                                         AtriumChimeKind  kind);
/* Stops a chime still playing (::finished with @played FALSE). */
void         atrium_chime_stop          (AtriumChime     *self);
/* Chimes played to their end since the chime was made. */
guint        atrium_chime_get_n_played  (AtriumChime     *self);

G_END_DECLS
