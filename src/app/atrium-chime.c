/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-chime.h"

#include <math.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>

/*
 * The sounds are synthesised here, sample by sample, and handed to an appsrc in one
 * buffer: no sound file to install or lose, and every note has its exact pitch, length
 * and envelope. audiotestsrc would need a controller to change pitch mid-stream and
 * starts and stops its tone abruptly, which clicks; here each note fades in and out.
 */

#define RATE 48000
/* 30 % of full scale: clearly heard in a quiet reading room, not startling. */
#define AMPLITUDE (0.3 * G_MAXINT16)
#define ATTACK_MS 5
#define RELEASE_MS 20
/* A chime whose sink has not finished this long after its end is given up. */
#define WATCHDOG_MARGIN_MS 2000
#define DEFAULT_SINK "autoaudiosink"

typedef struct
{
  double frequency;
  guint  start_ms;
  guint  length_ms;
} Note;

/* SUCCESS: a rising fourth, E5 to A5, the second note held a little longer. */
static const Note success_notes[] = { { 660.0, 0, 150 }, { 880.0, 150, 200 } };
#define SUCCESS_MS 350
/* FAILURE: the same low E4 twice with a pause, an octave under the success chime. */
static const Note failure_notes[] = { { 330.0, 0, 180 }, { 330.0, 320, 180 } };
#define FAILURE_MS 500

struct _AtriumChime
{
  GObject          parent_instance;

  char            *sink;
  guint            n_played;
  /* The sink whose failure was logged last, so that a kiosk without speakers logs it
   * once rather than at every chime. */
  char            *logged_sink;

  /* The chime under way, if busy: its pipeline and the watchdog that gives up on it, or
   * without a pipeline an idle that reports its failure. */
  gboolean         busy;
  AtriumChimeKind  kind;
  GstElement      *pipeline;
  guint            end_id;
};

G_DEFINE_FINAL_TYPE (AtriumChime, atrium_chime, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (AtriumChimeKind, atrium_chime_kind,
  G_DEFINE_ENUM_VALUE (ATRIUM_CHIME_SUCCESS, "success"),
  G_DEFINE_ENUM_VALUE (ATRIUM_CHIME_FAILURE, "failure"))

enum
{
  PROP_0,
  PROP_SINK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A raised-cosine ramp from 0 to 1 as @x goes from 0 to 1. */
static double
ramp (double x)
{
  return 0.5 - 0.5 * cos (G_PI * CLAMP (x, 0.0, 1.0));
}

/* The whole chime as mono S16LE samples at RATE Hz, silence between notes. */
static GstBuffer *
synthesise (AtriumChimeKind  kind,
            guint           *length_ms)
{
  const Note *notes = kind == ATRIUM_CHIME_SUCCESS ? success_notes : failure_notes;
  guint n_notes = kind == ATRIUM_CHIME_SUCCESS ? G_N_ELEMENTS (success_notes)
                                               : G_N_ELEMENTS (failure_notes);
  gsize n_samples;
  gint16 *samples;
  GstBuffer *buffer;

  *length_ms = kind == ATRIUM_CHIME_SUCCESS ? SUCCESS_MS : FAILURE_MS;
  n_samples = (gsize) RATE * *length_ms / 1000;
  samples = g_new0 (gint16, n_samples);
  for (guint n = 0; n < n_notes; n++)
    {
      gsize first = (gsize) RATE * notes[n].start_ms / 1000;
      gsize count = (gsize) RATE * notes[n].length_ms / 1000;

      for (gsize i = 0; i < count && first + i < n_samples; i++)
        {
          double t = (double) i / RATE;
          double left = (double) (count - i) / RATE;
          /* Fades against clicks, and a gentle decay to 60 % that sounds like a bell
           * rather than a test tone. */
          double envelope = ramp (t * 1000.0 / ATTACK_MS) * ramp (left * 1000.0 / RELEASE_MS)
                            * (1.0 - 0.4 * i / count);

          samples[first + i] = (gint16) lround (AMPLITUDE * envelope
                                                * sin (2.0 * G_PI * notes[n].frequency * t));
        }
    }
  if (G_BYTE_ORDER != G_LITTLE_ENDIAN)
    for (gsize i = 0; i < n_samples; i++)
      samples[i] = GINT16_TO_LE (samples[i]);

  buffer = gst_buffer_new_wrapped (samples, n_samples * sizeof (gint16));
  GST_BUFFER_PTS (buffer) = 0;
  GST_BUFFER_DURATION (buffer) = *length_ms * GST_MSECOND;
  return buffer;
}

/* Whether an autoaudiosink in @pipeline found no sound device: on GStreamer 1.22 it then
 * posts a warning and plays into a fakesink of its own instead of failing. */
static gboolean
sink_is_fallback (GstElement *pipeline)
{
  g_autoptr(GstIterator) iterator = NULL;
  g_auto(GValue) item = G_VALUE_INIT;
  gboolean fallback = FALSE;
  gboolean done = FALSE;

  iterator = gst_bin_iterate_all_by_element_factory_name (GST_BIN (pipeline), "fakesink");
  while (!done)
    {
      switch (gst_iterator_next (iterator, &item))
        {
        case GST_ITERATOR_OK:
          {
            g_autoptr(GstObject) parent = gst_object_get_parent (g_value_get_object (&item));
            GstElementFactory *factory = NULL;

            if (GST_IS_ELEMENT (parent))
              factory = gst_element_get_factory (GST_ELEMENT (parent));
            if (factory != NULL &&
                g_strcmp0 (GST_OBJECT_NAME (factory), "autoaudiosink") == 0)
              fallback = TRUE;
            g_value_reset (&item);
            break;
          }
        case GST_ITERATOR_RESYNC:
          fallback = FALSE;
          gst_iterator_resync (iterator);
          break;
        default:
          done = TRUE;
          break;
        }
    }
  return fallback;
}

static void
log_problem (AtriumChime *self,
             const char  *reason)
{
  if (g_strcmp0 (self->logged_sink, self->sink) == 0)
    return;
  g_message ("The kiosk chime is silent, its sink “%s” cannot play: %s", self->sink, reason);
  g_free (self->logged_sink);
  self->logged_sink = g_strdup (self->sink);
}

/* Stops the chime under way, if any, without a word. */
static void
teardown (AtriumChime *self)
{
  g_clear_handle_id (&self->end_id, g_source_remove);
  if (self->pipeline != NULL)
    {
      g_autoptr(GstBus) bus = gst_element_get_bus (self->pipeline);

      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_bus_remove_watch (bus);
      gst_clear_object (&self->pipeline);
    }
  self->busy = FALSE;
}

/* Ends the chime under way and says so. @reason: why it failed, logged once. */
static void
finish (AtriumChime *self,
        gboolean     played,
        const char  *reason)
{
  AtriumChimeKind kind = self->kind;

  if (!self->busy)
    return;
  teardown (self);
  if (played)
    {
      self->n_played++;
      if (self->logged_sink != NULL)
        g_message ("The kiosk chime plays again through “%s”", self->sink);
      g_clear_pointer (&self->logged_sink, g_free);
    }
  else if (reason != NULL)
    {
      log_problem (self, reason);
    }
  g_signal_emit (self, signals[FINISHED], 0, kind, played);
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    data)
{
  AtriumChime *self = data;
  g_autoptr(AtriumChime) hold = g_object_ref (self);

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_EOS:
      finish (self, TRUE, NULL);
      break;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_error (message, &error, &debug);
        if (debug != NULL)
          g_debug ("Chime error details: %s", debug);
        finish (self, FALSE, error->message);
        break;
      }
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* The watchdog of a pipeline, or the idle of a chime that could not start (its reason
 * was logged then). */
static gboolean
on_end (gpointer data)
{
  AtriumChime *self = data;
  g_autoptr(AtriumChime) hold = g_object_ref (self);

  self->end_id = 0;
  finish (self, FALSE, self->pipeline != NULL ? "it did not finish the chime in time" : NULL);
  return G_SOURCE_REMOVE;
}

/* appsrc ! audioconvert ! audioresample ! <sink description>, the chime queued in the
 * appsrc. The fixed part is parsed too, so a missing plugin is reported as the sink's. */
static GstElement *
build (AtriumChime      *self,
       AtriumChimeKind   kind,
       guint            *length_ms,
       GError          **error)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) source = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstElement *head, *sink;

  if (!gst_is_initialized ())
    {
      g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                           "GStreamer could not be initialised");
      return NULL;
    }
  pipeline = gst_object_ref_sink (gst_pipeline_new ("atrium-chime"));
  head = gst_parse_bin_from_description_full ("appsrc name=chime-source ! audioconvert"
                                              " ! audioresample", TRUE, NULL,
                                              GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (head == NULL)
    return NULL;
  gst_bin_add (GST_BIN (pipeline), head);
  sink = gst_parse_bin_from_description_full (self->sink, TRUE, NULL,
                                              GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (sink == NULL)
    return NULL;
  gst_bin_add (GST_BIN (pipeline), sink);
  if (!gst_element_link (head, sink))
    {
      g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                           "it takes no audio");
      return NULL;
    }

  caps = gst_caps_new_simple ("audio/x-raw",
                              "format", G_TYPE_STRING, "S16LE",
                              "layout", G_TYPE_STRING, "interleaved",
                              "rate", G_TYPE_INT, RATE,
                              "channels", G_TYPE_INT, 1,
                              NULL);
  source = gst_bin_get_by_name (GST_BIN (head), "chime-source");
  g_object_set (source, "caps", caps, "format", GST_FORMAT_TIME, NULL);
  gst_app_src_push_buffer (GST_APP_SRC (source), synthesise (kind, length_ms));
  gst_app_src_end_of_stream (GST_APP_SRC (source));
  return g_steal_pointer (&pipeline);
}

/* Starts the chime's pipeline; FALSE with @error NULL for silence. */
static gboolean
start (AtriumChime      *self,
       AtriumChimeKind   kind,
       GError          **error)
{
  g_autoptr(GstBus) bus = NULL;
  guint length_ms = 0;

  if (*self->sink == '\0')
    return FALSE;
  self->pipeline = build (self, kind, &length_ms, error);
  if (self->pipeline == NULL)
    return FALSE;

  bus = gst_element_get_bus (self->pipeline);
  gst_bus_add_watch (bus, on_bus_message, self);
  /* Opening the device happens here, synchronously (NULL to READY); playing does not:
   * the end comes as EOS on the bus. */
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_autoptr(GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

      if (message != NULL)
        gst_message_parse_error (message, error, NULL);
      else
        g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
                             "it could not start");
      teardown (self);
      return FALSE;
    }
  if (sink_is_fallback (self->pipeline))
    {
      g_set_error_literal (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
                           "no sound device was found");
      teardown (self);
      return FALSE;
    }
  self->end_id = g_timeout_add (length_ms + WATCHDOG_MARGIN_MS, on_end, self);
  return TRUE;
}

AtriumChime *
atrium_chime_new (const char *sink_description)
{
  return g_object_new (ATRIUM_TYPE_CHIME, "sink", sink_description, NULL);
}

void
atrium_chime_set_sink (AtriumChime *self,
                       const char  *sink_description)
{
  g_return_if_fail (ATRIUM_IS_CHIME (self));

  if (sink_description == NULL)
    sink_description = DEFAULT_SINK;
  if (g_strcmp0 (self->sink, sink_description) == 0)
    return;
  g_free (self->sink);
  self->sink = g_strdup (sink_description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SINK]);
}

const char *
atrium_chime_get_sink (AtriumChime *self)
{
  g_return_val_if_fail (ATRIUM_IS_CHIME (self), NULL);

  return self->sink;
}

void
atrium_chime_play (AtriumChime     *self,
                   AtriumChimeKind  kind)
{
  g_autoptr(AtriumChime) hold = NULL;
  g_autoptr(GError) error = NULL;
  gboolean replaced;
  AtriumChimeKind replaced_kind;

  g_return_if_fail (ATRIUM_IS_CHIME (self));
  g_return_if_fail (kind == ATRIUM_CHIME_SUCCESS || kind == ATRIUM_CHIME_FAILURE);

  /* A ::finished handler may drop the last reference or play again. */
  hold = g_object_ref (self);
  replaced = self->busy;
  replaced_kind = self->kind;
  teardown (self);

  self->busy = TRUE;
  self->kind = kind;
  if (!start (self, kind, &error))
    {
      if (error != NULL)
        log_problem (self, error->message);
      /* Reported from the main loop, as a chime that played would be. */
      self->busy = TRUE;
      self->end_id = g_idle_add (on_end, self);
    }
  /* Said after the new chime started, so that a handler that plays again replaces it. */
  if (replaced)
    g_signal_emit (self, signals[FINISHED], 0, replaced_kind, FALSE);
}

void
atrium_chime_stop (AtriumChime *self)
{
  g_return_if_fail (ATRIUM_IS_CHIME (self));

  finish (self, FALSE, NULL);
}

guint
atrium_chime_get_n_played (AtriumChime *self)
{
  g_return_val_if_fail (ATRIUM_IS_CHIME (self), 0);

  return self->n_played;
}

static void
atrium_chime_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  AtriumChime *self = ATRIUM_CHIME (object);

  switch (prop_id)
    {
    case PROP_SINK:
      g_value_set_string (value, self->sink);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_chime_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  AtriumChime *self = ATRIUM_CHIME (object);

  switch (prop_id)
    {
    case PROP_SINK:
      atrium_chime_set_sink (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_chime_dispose (GObject *object)
{
  teardown (ATRIUM_CHIME (object));

  G_OBJECT_CLASS (atrium_chime_parent_class)->dispose (object);
}

static void
atrium_chime_finalize (GObject *object)
{
  AtriumChime *self = ATRIUM_CHIME (object);

  g_clear_pointer (&self->sink, g_free);
  g_clear_pointer (&self->logged_sink, g_free);

  G_OBJECT_CLASS (atrium_chime_parent_class)->finalize (object);
}

static void
atrium_chime_class_init (AtriumChimeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  g_autoptr(GError) error = NULL;

  object_class->get_property = atrium_chime_get_property;
  object_class->set_property = atrium_chime_set_property;
  object_class->dispose = atrium_chime_dispose;
  object_class->finalize = atrium_chime_finalize;

  /* The sink as a gst-launch description; NULL sets "autoaudiosink", "" is silence. */
  properties[PROP_SINK] =
    g_param_spec_string ("sink", NULL, NULL,
                         DEFAULT_SINK,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, ATRIUM_TYPE_CHIME_KIND, G_TYPE_BOOLEAN);

  /* GStreamer starts with the first chime, as with the first scanner; a failure here is
   * reported by each chime instead. */
  if (!gst_init_check (NULL, NULL, &error))
    g_message ("GStreamer could not be initialised for the kiosk chime: %s", error->message);
}

static void
atrium_chime_init (AtriumChime *self)
{
  self->sink = g_strdup (DEFAULT_SINK);
}
