/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The kiosk chime on real GStreamer pipelines: its sound is written to WAV files, beside a
 * clock-synchronised sink that plays it at the pace of a sound card, then read back and
 * measured: length, loudness, the pitch of each note. No display needed. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "atrium-chime.h"
#include "atrium-ui-test.h"

#define RATE 48000
#define FULL_SCALE 32768.0
/* What the design says (atrium-chime.h, docs/decisions.md), in ms and Hz. */
#define SUCCESS_MS 350
#define FAILURE_MS 500
#define LENGTH_SLACK_MS 3
#define PITCH_SLACK_HZ 4.0

typedef struct
{
  AtriumChimeKind kind;
  gboolean        played;
  gint64          when;
} Finished;

typedef struct
{
  GArray *finished;
  guint   expected;
} Watch;

static char *tmp_dir;
static GThread *main_thread;
/* The messages of the "atrium-app" log domain, captured by log_writer(). */
static GPtrArray *messages;

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if ((level & G_LOG_LEVEL_MESSAGE) && g_strcmp0 (domain, "atrium-app") == 0 &&
      message != NULL)
    g_ptr_array_add (messages, g_strdup (message));
  return g_log_writer_default (level, fields, n_fields, data);
}

static void
on_finished (AtriumChime     *chime,
             AtriumChimeKind  kind,
             gboolean         played,
             Watch           *watch)
{
  Finished finished = { kind, played, g_get_monotonic_time () };

  g_assert_true (g_thread_self () == main_thread);
  g_array_append_val (watch->finished, finished);
}

static AtriumChime *
watch_chime (Watch      *watch,
             const char *sink)
{
  AtriumChime *chime = atrium_chime_new (sink);

  watch->finished = g_array_new (FALSE, FALSE, sizeof (Finished));
  g_signal_connect (chime, "finished", G_CALLBACK (on_finished), watch);
  g_ptr_array_set_size (messages, 0);
  return chime;
}

static void
watch_clear (Watch *watch)
{
  g_clear_pointer (&watch->finished, g_array_unref);
}

static gboolean
all_finished (gpointer data)
{
  Watch *watch = data;

  return watch->finished->len >= watch->expected;
}

/* Runs the main loop until @n chimes have finished, for at most 10 s. */
static void
wait_finished (Watch *watch,
               guint  n)
{
  watch->expected = n;
  atrium_ui_test_spin_until (all_finished, watch, 10);
}

static Finished *
finished_at (Watch *watch,
             guint  i)
{
  g_assert_cmpuint (i, <, watch->finished->len);
  return &g_array_index (watch->finished, Finished, i);
}

static char *
wav_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* A sink that takes as long as a sound card (a fakesink synchronised on the clock, which
 * waits for the end of the last sample before it ends) and writes the WAV file @path. */
static char *
wav_sink (const char *path)
{
  return g_strdup_printf ("tee name=t ! queue ! wavenc ! filesink location=\"%s\" "
                          "t. ! queue ! fakesink sync=true", path);
}

static guint32
read_le32 (const guint8 *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (guint32) p[3] << 24;
}

static guint16
read_le16 (const guint8 *p)
{
  return p[0] | p[1] << 8;
}

/* The samples of a 16-bit mono PCM WAV file at RATE Hz. */
static GArray *
read_wav (const char *path)
{
  g_autofree guint8 *contents = NULL;
  g_autoptr(GError) error = NULL;
  GArray *samples = NULL;
  gsize length, offset = 12;

  g_file_get_contents (path, (char **) &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >=, 44);
  g_assert_cmpmem (contents, 4, "RIFF", 4);
  g_assert_cmpmem (contents + 8, 4, "WAVE", 4);
  while (offset + 8 <= length && samples == NULL)
    {
      guint32 size = read_le32 (contents + offset + 4);
      const guint8 *body = contents + offset + 8;

      g_assert_cmpuint (offset + 8 + size, <=, length);
      if (memcmp (contents + offset, "fmt ", 4) == 0)
        {
          g_assert_cmpuint (size, >=, 16);
          g_assert_cmpuint (read_le16 (body), ==, 1);        /* PCM */
          g_assert_cmpuint (read_le16 (body + 2), ==, 1);    /* mono */
          g_assert_cmpuint (read_le32 (body + 4), ==, RATE);
          g_assert_cmpuint (read_le16 (body + 14), ==, 16);  /* bits */
        }
      else if (memcmp (contents + offset, "data", 4) == 0)
        {
          samples = g_array_sized_new (FALSE, FALSE, sizeof (gint16), size / 2);
          for (guint32 i = 0; i + 1 < size; i += 2)
            {
              gint16 sample = (gint16) read_le16 (body + i);

              g_array_append_val (samples, sample);
            }
        }
      offset += 8 + size + (size & 1);
    }
  g_assert_nonnull (samples);
  return samples;
}

static double
length_ms (GArray *samples)
{
  return samples->len * 1000.0 / RATE;
}

static gsize
at_ms (double ms)
{
  return (gsize) (ms * RATE / 1000.0);
}

/* Root mean square of [@from_ms, @to_ms), as a fraction of full scale. */
static double
rms (GArray *samples,
     double  from_ms,
     double  to_ms)
{
  double sum = 0.0;
  gsize first = at_ms (from_ms), end = MIN (at_ms (to_ms), samples->len);

  g_assert_cmpuint (first, <, end);
  for (gsize i = first; i < end; i++)
    {
      double x = g_array_index (samples, gint16, i) / FULL_SCALE;

      sum += x * x;
    }
  return sqrt (sum / (end - first));
}

/* The power of @frequency in [@first, @end) (Goertzel's filter). */
static double
goertzel (GArray *samples,
          gsize   first,
          gsize   end,
          double  frequency)
{
  double coefficient = 2.0 * cos (2.0 * G_PI * frequency / RATE);
  double s1 = 0.0, s2 = 0.0;

  for (gsize i = first; i < end; i++)
    {
      double s = g_array_index (samples, gint16, i) / FULL_SCALE + coefficient * s1 - s2;

      s2 = s1;
      s1 = s;
    }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

/* The strongest frequency between 100 and 2000 Hz in [@from_ms, @to_ms), to 1 Hz. */
static double
dominant_hz (GArray *samples,
             double  from_ms,
             double  to_ms)
{
  gsize first = at_ms (from_ms), end = MIN (at_ms (to_ms), samples->len);
  double best = 0.0, best_power = -1.0;

  g_assert_cmpuint (first, <, end);
  for (double f = 100.0; f <= 2000.0; f += 1.0)
    {
      double power = goertzel (samples, first, end, f);

      if (power > best_power)
        {
          best_power = power;
          best = f;
        }
    }
  return best;
}

/* The chime fades in and out (no click): its first half millisecond and its last 2 ms
 * stay under 1 % of full scale (RMS), where a tone cut off would be at 10 % or more. */
static void
assert_no_clicks (GArray *samples)
{
  double total_ms = length_ms (samples);

  g_assert_cmpfloat (rms (samples, 0, 0.5), <, 0.01);
  g_assert_cmpfloat (rms (samples, total_ms - 2, total_ms), <, 0.01);
}

static void
assert_note (GArray *samples,
             double  from_ms,
             double  to_ms,
             double  frequency)
{
  g_assert_cmpfloat (rms (samples, from_ms, to_ms), >, 0.1);
  g_assert_cmpfloat_with_epsilon (dominant_hz (samples, from_ms, to_ms), frequency,
                                  PITCH_SLACK_HZ);
}

/* Plays @kind into the WAV file @name and checks that it played in real time after
 * atrium_chime_play() returned. */
static GArray *
play_into (AtriumChime     *chime,
           Watch           *watch,
           AtriumChimeKind  kind,
           const char      *name,
           guint            designed_ms)
{
  g_autofree char *path = wav_path (name);
  g_autofree char *sink = wav_sink (path);
  guint n_played = atrium_chime_get_n_played (chime);
  guint n = watch->finished->len;
  gint64 returned;
  Finished *finished;

  atrium_chime_set_sink (chime, sink);
  atrium_chime_play (chime, kind);
  returned = g_get_monotonic_time ();
  /* Non-blocking: the chime is still to be heard when play() returns. */
  g_assert_cmpuint (watch->finished->len, ==, n);
  wait_finished (watch, n + 1);
  finished = finished_at (watch, n);
  g_assert_cmpint (finished->kind, ==, kind);
  g_assert_true (finished->played);
  g_assert_cmpint (finished->when - returned, >=, (designed_ms - 10) * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (atrium_chime_get_n_played (chime), ==, n_played + 1);
  return read_wav (path);
}

static void
test_sounds (void)
{
  Watch watch = { 0 };
  AtriumChime *chime = watch_chime (&watch, NULL);
  g_autoptr(GArray) success = NULL;
  g_autoptr(GArray) failure = NULL;

  g_assert_cmpstr (atrium_chime_get_sink (chime), ==, "autoaudiosink");

  success = play_into (chime, &watch, ATRIUM_CHIME_SUCCESS, "success.wav", SUCCESS_MS);
  g_assert_cmpfloat_with_epsilon (length_ms (success), SUCCESS_MS, LENGTH_SLACK_MS);
  /* Two rising notes, 660 Hz for 150 ms then 880 Hz for 200 ms; windows inside each. */
  assert_note (success, 20, 130, 660.0);
  assert_note (success, 170, 320, 880.0);
  assert_no_clicks (success);

  failure = play_into (chime, &watch, ATRIUM_CHIME_FAILURE, "failure.wav", FAILURE_MS);
  g_assert_cmpfloat_with_epsilon (length_ms (failure), FAILURE_MS, LENGTH_SLACK_MS);
  /* Two low beeps of 180 ms at 330 Hz, 140 ms of silence between them. */
  assert_note (failure, 20, 160, 330.0);
  g_assert_cmpfloat (rms (failure, 185, 315), <, 0.001);
  assert_note (failure, 340, 480, 330.0);
  assert_no_clicks (failure);

  /* The two kinds differ: in length, in pitch, and the failure is the lower one. */
  g_assert_cmpfloat (fabs (length_ms (failure) - length_ms (success)), >, 100.0);
  g_assert_cmpfloat (dominant_hz (failure, 20, 160) + 200.0, <, dominant_hz (success, 20, 130));
  g_assert_cmpuint (watch.finished->len, ==, 2);
  g_assert_cmpuint (messages->len, ==, 0);

  g_assert_finalize_object (chime);
  watch_clear (&watch);
}

/* A chime started while another plays stops it and plays in its place. */
static void
test_replace (void)
{
  Watch watch = { 0 };
  g_autofree char *first_path = wav_path ("replaced.wav");
  g_autofree char *first_sink = wav_sink (first_path);
  g_autofree char *second_path = wav_path ("replacing.wav");
  g_autofree char *second_sink = wav_sink (second_path);
  AtriumChime *chime = watch_chime (&watch, first_sink);
  g_autoptr(GArray) second = NULL;
  gint64 started;

  atrium_chime_play (chime, ATRIUM_CHIME_SUCCESS);
  started = g_get_monotonic_time ();
  atrium_ui_test_spin_for (60);
  g_assert_cmpuint (watch.finished->len, ==, 0);

  atrium_chime_set_sink (chime, second_sink);
  atrium_chime_play (chime, ATRIUM_CHIME_FAILURE);
  /* The replaced one is reported at once, as not played to its end. */
  g_assert_cmpuint (watch.finished->len, ==, 1);
  g_assert_cmpint (finished_at (&watch, 0)->kind, ==, ATRIUM_CHIME_SUCCESS);
  g_assert_false (finished_at (&watch, 0)->played);
  g_assert_cmpint (finished_at (&watch, 0)->when - started, <,
                   SUCCESS_MS * G_TIME_SPAN_MILLISECOND);

  wait_finished (&watch, 2);
  g_assert_cmpint (finished_at (&watch, 1)->kind, ==, ATRIUM_CHIME_FAILURE);
  g_assert_true (finished_at (&watch, 1)->played);
  g_assert_cmpuint (atrium_chime_get_n_played (chime), ==, 1);
  second = read_wav (second_path);
  g_assert_cmpfloat_with_epsilon (length_ms (second), FAILURE_MS, LENGTH_SLACK_MS);
  assert_note (second, 20, 160, 330.0);

  /* Nothing more comes: the replaced chime's pipeline is gone, not ending unheard. */
  atrium_ui_test_spin_for (200);
  g_assert_cmpuint (watch.finished->len, ==, 2);
  g_assert_cmpuint (messages->len, ==, 0);

  g_assert_finalize_object (chime);
  watch_clear (&watch);
}

/* Plays @kind on a sink that cannot play: reported later, not inside play(). */
static void
play_and_fail (AtriumChime     *chime,
               Watch           *watch,
               AtriumChimeKind  kind)
{
  guint n = watch->finished->len;

  atrium_chime_play (chime, kind);
  g_assert_cmpuint (watch->finished->len, ==, n);
  wait_finished (watch, n + 1);
  g_assert_cmpint (finished_at (watch, n)->kind, ==, kind);
  g_assert_false (finished_at (watch, n)->played);
}

/* A sink that cannot open or does not exist: silence, one message per sink, no crash. */
static void
test_broken_sink (void)
{
  Watch watch = { 0 };
  AtriumChime *chime = watch_chime (&watch, "alsasink device=hw:99");
  g_autofree char *path = wav_path ("mended.wav");
  g_autofree char *sink = wav_sink (path);

  play_and_fail (chime, &watch, ATRIUM_CHIME_SUCCESS);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (messages, 0), "alsasink device=hw:99"));
  /* The card is missing, not the element (gstreamer1.0-alsa, tools/install-deps). */
  g_assert_null (strstr (g_ptr_array_index (messages, 0), "no element"));
  play_and_fail (chime, &watch, ATRIUM_CHIME_FAILURE);
  g_assert_cmpuint (messages->len, ==, 1);

  atrium_chime_set_sink (chime, "atriumnosuchsink");
  play_and_fail (chime, &watch, ATRIUM_CHIME_SUCCESS);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (messages, 1), "atriumnosuchsink"));
  play_and_fail (chime, &watch, ATRIUM_CHIME_SUCCESS);
  g_assert_cmpuint (messages->len, ==, 2);

  /* A description whose end takes no audio. */
  atrium_chime_set_sink (chime, "videotestsrc");
  play_and_fail (chime, &watch, ATRIUM_CHIME_FAILURE);
  g_assert_cmpuint (messages->len, ==, 3);
  g_assert_cmpuint (atrium_chime_get_n_played (chime), ==, 0);

  /* Mended: it plays and says so once. */
  atrium_chime_set_sink (chime, sink);
  atrium_chime_play (chime, ATRIUM_CHIME_SUCCESS);
  wait_finished (&watch, watch.finished->len + 1);
  g_assert_true (finished_at (&watch, watch.finished->len - 1)->played);
  g_assert_cmpuint (atrium_chime_get_n_played (chime), ==, 1);
  g_assert_cmpuint (messages->len, ==, 4);
  g_assert_nonnull (strstr (g_ptr_array_index (messages, 3), "plays again"));

  g_assert_finalize_object (chime);
  watch_clear (&watch);
}

/* A kiosk without any sound device: autoaudiosink falls back to a fake sink on
 * GStreamer 1.22, which the chime takes as a failure. Every audio sink is put out of
 * autoaudiosink's reach (rank none) so that this holds on machines with sound, too. */
static void
test_no_device (void)
{
  Watch watch = { 0 };
  AtriumChime *chime = watch_chime (&watch, NULL);
  GList *factories = gst_element_factory_list_get_elements (GST_ELEMENT_FACTORY_TYPE_SINK |
                                                            GST_ELEMENT_FACTORY_TYPE_MEDIA_AUDIO,
                                                            GST_RANK_NONE);
  g_autoptr(GArray) ranks = g_array_new (FALSE, FALSE, sizeof (guint));
  guint lowered = 0;

  for (GList *l = factories; l != NULL; l = l->next)
    {
      guint rank = gst_plugin_feature_get_rank (l->data);

      g_array_append_val (ranks, rank);
      if (rank > GST_RANK_NONE)
        lowered++;
      gst_plugin_feature_set_rank (l->data, GST_RANK_NONE);
    }
  g_assert_cmpuint (lowered, >, 0);

  play_and_fail (chime, &watch, ATRIUM_CHIME_SUCCESS);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (messages, 0), "no sound device"));
  play_and_fail (chime, &watch, ATRIUM_CHIME_FAILURE);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpuint (atrium_chime_get_n_played (chime), ==, 0);

  for (GList *l = factories; l != NULL; l = l->next)
    gst_plugin_feature_set_rank (l->data, g_array_index (ranks, guint,
                                                         g_list_position (factories, l)));
  gst_plugin_feature_list_free (factories);
  g_assert_finalize_object (chime);
  watch_clear (&watch);
}

/* The default sink on this machine, whatever it has: a sound device plays both chimes;
 * without one (CI) both fail, with one message. No crash, leak or warning either way. */
static void
test_default_sink (void)
{
  Watch watch = { 0 };
  AtriumChime *chime = watch_chime (&watch, NULL);

  for (guint i = 0; i < 2; i++)
    {
      atrium_chime_play (chime, i == 0 ? ATRIUM_CHIME_SUCCESS : ATRIUM_CHIME_FAILURE);
      wait_finished (&watch, i + 1);
    }
  if (finished_at (&watch, 0)->played)
    {
      g_assert_true (finished_at (&watch, 1)->played);
      g_assert_cmpuint (messages->len, ==, 0);
    }
  else
    {
      g_test_message ("No sound device here: %s", (char *) g_ptr_array_index (messages, 0));
      g_assert_false (finished_at (&watch, 1)->played);
      g_assert_cmpuint (messages->len, ==, 1);
    }

  g_assert_finalize_object (chime);
  watch_clear (&watch);
}

/* "" is a silent kiosk by choice: nothing plays, nothing is logged. */
static void
test_silence (void)
{
  Watch watch = { 0 };
  AtriumChime *chime = watch_chime (&watch, "");

  g_assert_cmpstr (atrium_chime_get_sink (chime), ==, "");
  play_and_fail (chime, &watch, ATRIUM_CHIME_SUCCESS);
  play_and_fail (chime, &watch, ATRIUM_CHIME_FAILURE);
  g_assert_cmpuint (messages->len, ==, 0);
  g_assert_cmpuint (atrium_chime_get_n_played (chime), ==, 0);

  /* NULL is the default sink again. */
  atrium_chime_set_sink (chime, NULL);
  g_assert_cmpstr (atrium_chime_get_sink (chime), ==, "autoaudiosink");

  g_assert_finalize_object (chime);
  watch_clear (&watch);
}

/* A sink that never gets to the end (it waits 10 s for its first sample) is given up
 * about 2 s after the chime's end, with one message. */
static void
test_stuck_sink (void)
{
  Watch watch = { 0 };
  AtriumChime *chime = watch_chime (&watch, "fakesink sync=true ts-offset=10000000000");
  gint64 started = g_get_monotonic_time ();

  play_and_fail (chime, &watch, ATRIUM_CHIME_SUCCESS);
  g_assert_cmpint (finished_at (&watch, 0)->when - started, >=,
                   (SUCCESS_MS + 1900) * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (finished_at (&watch, 0)->when - started, <, 8 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (messages, 0), "in time"));

  g_assert_finalize_object (chime);
  watch_clear (&watch);
}

/* A chime dropped while it plays stops its pipeline and reports nothing afterwards. */
static void
test_dispose_playing (void)
{
  Watch watch = { 0 };
  g_autofree char *path = wav_path ("dropped.wav");
  g_autofree char *sink = wav_sink (path);
  AtriumChime *chime = watch_chime (&watch, sink);

  atrium_chime_play (chime, ATRIUM_CHIME_FAILURE);
  atrium_ui_test_spin_for (50);
  g_assert_finalize_object (chime);
  atrium_ui_test_spin_for (FAILURE_MS + 100);
  g_assert_cmpuint (watch.finished->len, ==, 0);
  watch_clear (&watch);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  main_thread = g_thread_self ();
  g_log_set_writer_func (log_writer, NULL, NULL);
  messages = g_ptr_array_new_with_free_func (g_free);
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  tmp_dir = g_dir_make_tmp ("atrium-chime-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/chime/sounds", test_sounds);
  g_test_add_func ("/chime/replace", test_replace);
  g_test_add_func ("/chime/broken-sink", test_broken_sink);
  g_test_add_func ("/chime/no-device", test_no_device);
  g_test_add_func ("/chime/default-sink", test_default_sink);
  g_test_add_func ("/chime/silence", test_silence);
  g_test_add_func ("/chime/stuck-sink", test_stuck_sink);
  g_test_add_func ("/chime/dispose-playing", test_dispose_playing);
  status = g_test_run ();

  {
    const char *names[] = { "success.wav", "failure.wav", "replaced.wav", "replacing.wav",
                            "mended.wav", "dropped.wav" };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = wav_path (names[i]);

        g_unlink (path);
      }
  }
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  g_ptr_array_unref (messages);
  gst_deinit ();
  return status;
}
