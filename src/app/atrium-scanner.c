/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-app"

#include "config.h"

#include "atrium-scanner.h"

#include <glib/gi18n.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

/* A code held up to the camera is decoded at every frame: it is emitted again only after
 * it has been out of view this long. */
#define DEBOUNCE_USEC (3 * G_USEC_PER_SEC)
#define RETRY_MSEC 5000

struct _AtriumScanner
{
  GtkWidget   parent_instance;

  GtkWidget  *picture;
  GtkWidget  *status;

  char       *description;
  gboolean    started;
  gboolean    camera_ok;

  GstElement *pipeline;
  guint       retry_id;
  /* The last failure logged, so that a camera missing for days is logged once. */
  char       *logged_error;
  /* Code → (gint64 *) when it was last seen, for the codes seen in the last 3 s. */
  GHashTable *recent_codes;

  /* Shared with the streaming thread: the one frame waiting for the main loop. */
  GMutex      frame_lock;
  gboolean    frames_open;
  GBytes     *frame;
  int         frame_width;
  int         frame_height;
  guint       frame_idle_id;
};

G_DEFINE_FINAL_TYPE (AtriumScanner, atrium_scanner, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PIPELINE,
  PROP_CAMERA_OK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CODE_SCANNED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void camera_run (AtriumScanner *self);

static void
set_status (AtriumScanner *self,
            const char    *text,
            gboolean       problem)
{
  gtk_label_set_text (GTK_LABEL (self->status), text);
  /* GTK 4.8 does not tell AT-SPI a label's new text; its accessible label it does. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                  -1);
  if (problem)
    gtk_widget_add_css_class (self->status, "error");
  else
    gtk_widget_remove_css_class (self->status, "error");
}

static void
set_camera_ok (AtriumScanner *self,
               gboolean       camera_ok)
{
  if (self->camera_ok == camera_ok)
    return;
  self->camera_ok = camera_ok;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA_OK]);
}

/* Main thread: shows the frame the streaming thread left. */
static gboolean
show_frame (gpointer data)
{
  AtriumScanner *self = data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width, height;

  g_mutex_lock (&self->frame_lock);
  self->frame_idle_id = 0;
  bytes = g_steal_pointer (&self->frame);
  width = self->frame_width;
  height = self->frame_height;
  g_mutex_unlock (&self->frame_lock);

  if (bytes == NULL)
    return G_SOURCE_REMOVE;
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes,
                                    (gsize) width * 4);
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (texture));
  if (!self->camera_ok)
    {
      if (self->logged_error != NULL)
        g_message ("The kiosk camera works again");
      g_clear_pointer (&self->logged_error, g_free);
      set_status (self, _("Hold your booking’s QR code up to the camera"), FALSE);
      set_camera_ok (self, TRUE);
    }
  return G_SOURCE_REMOVE;
}

/* Streaming thread: copies the frame and leaves it for the main loop, replacing one that
 * is still waiting there, so frames are dropped rather than queued. */
static GstFlowReturn
on_new_sample (GstAppSink *sink,
               gpointer    data)
{
  AtriumScanner *self = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstVideoInfo info;
  GstVideoFrame frame;
  GBytes *bytes = NULL;
  guint8 *pixels;
  gsize row;
  int width = 0, height = 0;

  if (sample == NULL)
    return GST_FLOW_FLUSHING;
  if (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) &&
      GST_VIDEO_INFO_FORMAT (&info) == GST_VIDEO_FORMAT_RGBA &&
      gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    {
      const guint8 *source = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
      gsize stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

      width = GST_VIDEO_FRAME_WIDTH (&frame);
      height = GST_VIDEO_FRAME_HEIGHT (&frame);
      row = (gsize) width * 4;
      pixels = g_malloc (row * height);
      for (int y = 0; y < height; y++)
        memcpy (pixels + row * y, source + stride * y, row);
      gst_video_frame_unmap (&frame);
      bytes = g_bytes_new_take (pixels, row * height);
    }
  gst_sample_unref (sample);
  if (bytes == NULL)
    return GST_FLOW_OK;

  g_mutex_lock (&self->frame_lock);
  if (self->frames_open)
    {
      g_clear_pointer (&self->frame, g_bytes_unref);
      self->frame = g_steal_pointer (&bytes);
      self->frame_width = width;
      self->frame_height = height;
      if (self->frame_idle_id == 0)
        self->frame_idle_id = g_idle_add (show_frame, self);
    }
  g_mutex_unlock (&self->frame_lock);
  g_clear_pointer (&bytes, g_bytes_unref);
  return GST_FLOW_OK;
}

/* Stops the pipeline; its streaming thread has ended when this returns. */
static void
camera_teardown (AtriumScanner *self)
{
  g_mutex_lock (&self->frame_lock);
  self->frames_open = FALSE;
  g_mutex_unlock (&self->frame_lock);

  if (self->pipeline != NULL)
    {
      g_autoptr(GstBus) bus = gst_element_get_bus (self->pipeline);

      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_bus_remove_watch (bus);
      gst_clear_object (&self->pipeline);
    }

  g_mutex_lock (&self->frame_lock);
  g_clear_handle_id (&self->frame_idle_id, g_source_remove);
  g_clear_pointer (&self->frame, g_bytes_unref);
  g_mutex_unlock (&self->frame_lock);
}

static gboolean
on_retry (gpointer data)
{
  AtriumScanner *self = data;

  self->retry_id = 0;
  camera_run (self);
  return G_SOURCE_REMOVE;
}

/* @retry: whether trying again may help (a camera unplugged, busy or ended) rather
 * than a pipeline that cannot be built. */
static void
camera_failed (AtriumScanner *self,
               const GError  *error,
               gboolean       retry)
{
  camera_teardown (self);
  if (g_strcmp0 (self->logged_error, error->message) != 0)
    {
      g_message ("The kiosk camera is not available: %s", error->message);
      g_free (self->logged_error);
      self->logged_error = g_strdup (error->message);
    }
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), NULL);
  if (retry)
    {
      set_status (self, _("The camera is not available. Trying again…"), TRUE);
      if (self->started && gtk_widget_get_mapped (GTK_WIDGET (self)))
        self->retry_id = g_timeout_add (RETRY_MSEC, on_retry, self);
    }
  else
    {
      g_autofree char *text = NULL;

      /* TRANSLATORS: %s is GStreamer's reason, for the staff who set the camera up */
      text = g_strdup_printf (_("The camera is not available: its settings are wrong (%s)."),
                              error->message);
      set_status (self, text, TRUE);
    }
  set_camera_ok (self, FALSE);
}

static gboolean
recent_code_expired (gpointer key,
                     gpointer value,
                     gpointer data)
{
  const gint64 *seen = value;
  const gint64 *now = data;

  return *now - *seen >= DEBOUNCE_USEC;
}

static void
code_seen (AtriumScanner *self,
           const char    *text)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *seen;
  gboolean is_new;

  g_hash_table_foreach_remove (self->recent_codes, recent_code_expired, &now);
  seen = g_hash_table_lookup (self->recent_codes, text);
  is_new = seen == NULL;
  if (is_new)
    {
      seen = g_new (gint64, 1);
      g_hash_table_insert (self->recent_codes, g_strdup (text), seen);
    }
  *seen = now;
  if (is_new)
    {
      /* A handler may destroy the widget. */
      g_autoptr(AtriumScanner) hold = g_object_ref (self);

      g_signal_emit (self, signals[CODE_SCANNED], 0, text);
    }
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    data)
{
  AtriumScanner *self = data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ELEMENT:
      {
        const GstStructure *structure = gst_message_get_structure (message);
        const char *symbol;

        if (structure != NULL && gst_structure_has_name (structure, "barcode") &&
            (symbol = gst_structure_get_string (structure, "symbol")) != NULL &&
            *symbol != '\0')
          code_seen (self, symbol);
        break;
      }
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_error (message, &error, &debug);
        if (debug != NULL)
          g_debug ("Camera error details: %s", debug);
        camera_failed (self, error, TRUE);
        break;
      }
    case GST_MESSAGE_EOS:
      {
        g_autoptr(GError) error = g_error_new_literal (GST_STREAM_ERROR,
                                                       GST_STREAM_ERROR_FAILED,
                                                       "the camera stopped sending pictures");

        camera_failed (self, error, TRUE);
        break;
      }
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static GstElement *
make_element (const char  *factory,
              GError     **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                 "the GStreamer element “%s” is not installed", factory);
  return element;
}

/* The source part from the description, then the decoder and the preview sink. */
static GstElement *
camera_build (AtriumScanner  *self,
              GError        **error)
{
  static const char *tail[] = { "videoconvert", "zbar", "videoconvert", "appsink" };
  static GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstElement *source, *previous;

  if (!gst_is_initialized ())
    {
      g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                           "GStreamer could not be initialised");
      return NULL;
    }
  if (self->description == NULL || *self->description == '\0')
    {
      g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                           "no camera pipeline is set");
      return NULL;
    }
  source = gst_parse_bin_from_description_full (self->description, TRUE, NULL,
                                                GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (source == NULL)
    return NULL;
  pipeline = gst_object_ref_sink (gst_pipeline_new ("atrium-scanner"));
  gst_bin_add (GST_BIN (pipeline), source);
  previous = source;
  for (guint i = 0; i < G_N_ELEMENTS (tail); i++)
    {
      GstElement *element = make_element (tail[i], error);

      if (element == NULL)
        return NULL;
      gst_bin_add (GST_BIN (pipeline), element);
      if (!gst_element_link (previous, element))
        {
          g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                       "the end of “%s” gives no video that “%s” takes", self->description,
                       tail[i]);
          return NULL;
        }
      previous = element;
    }

  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBA", NULL);
  g_object_set (previous,
                "caps", caps,
                "max-buffers", 1,
                "drop", TRUE,
                "sync", FALSE,
                NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (previous), &callbacks, self, NULL);
  return g_steal_pointer (&pipeline);
}

static void
camera_run (AtriumScanner *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstBus) bus = NULL;

  g_clear_handle_id (&self->retry_id, g_source_remove);
  camera_teardown (self);
  set_status (self, _("Starting the camera…"), FALSE);
  self->pipeline = camera_build (self, &error);
  if (self->pipeline == NULL)
    {
      camera_failed (self, error, FALSE);
      return;
    }

  bus = gst_element_get_bus (self->pipeline);
  gst_bus_add_watch (bus, on_bus_message, self);
  g_mutex_lock (&self->frame_lock);
  self->frames_open = TRUE;
  g_mutex_unlock (&self->frame_lock);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_autoptr(GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

      if (message != NULL)
        gst_message_parse_error (message, &error, NULL);
      else
        g_set_error_literal (&error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
                             "the camera did not start");
      camera_failed (self, error, TRUE);
    }
}

/* Whether the camera should run now and is neither running nor waiting to retry. */
static gboolean
camera_wanted (AtriumScanner *self)
{
  return self->started && gtk_widget_get_mapped (GTK_WIDGET (self)) &&
         self->pipeline == NULL && self->retry_id == 0;
}

/* Stops everything, the picture and the status saying so. */
static void
camera_off (AtriumScanner *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  camera_teardown (self);
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), NULL);
  set_status (self, _("The camera is off."), FALSE);
  set_camera_ok (self, FALSE);
}

static void
atrium_scanner_map (GtkWidget *widget)
{
  AtriumScanner *self = ATRIUM_SCANNER (widget);

  GTK_WIDGET_CLASS (atrium_scanner_parent_class)->map (widget);
  if (camera_wanted (self))
    camera_run (self);
}

static void
atrium_scanner_unmap (GtkWidget *widget)
{
  AtriumScanner *self = ATRIUM_SCANNER (widget);

  /* The camera runs only while seen, and a former patron's picture is not kept. */
  camera_off (self);
  GTK_WIDGET_CLASS (atrium_scanner_parent_class)->unmap (widget);
}

static void
atrium_scanner_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AtriumScanner *self = ATRIUM_SCANNER (object);

  switch (prop_id)
    {
    case PROP_PIPELINE:
      g_value_set_string (value, self->description);
      break;
    case PROP_CAMERA_OK:
      g_value_set_boolean (value, self->camera_ok);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_scanner_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AtriumScanner *self = ATRIUM_SCANNER (object);

  switch (prop_id)
    {
    case PROP_PIPELINE:
      atrium_scanner_set_pipeline (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
atrium_scanner_dispose (GObject *object)
{
  AtriumScanner *self = ATRIUM_SCANNER (object);
  GtkWidget *child;

  self->started = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  camera_teardown (self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->picture = NULL;
  self->status = NULL;
  G_OBJECT_CLASS (atrium_scanner_parent_class)->dispose (object);
}

static void
atrium_scanner_finalize (GObject *object)
{
  AtriumScanner *self = ATRIUM_SCANNER (object);

  g_free (self->description);
  g_free (self->logged_error);
  g_hash_table_unref (self->recent_codes);
  g_mutex_clear (&self->frame_lock);
  G_OBJECT_CLASS (atrium_scanner_parent_class)->finalize (object);
}

static void
atrium_scanner_class_init (AtriumScannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  g_autoptr(GError) error = NULL;

  /* The application need not know about GStreamer: the first scanner starts it. */
  if (!gst_init_check (NULL, NULL, &error))
    g_message ("GStreamer could not be initialised: %s", error->message);

  object_class->get_property = atrium_scanner_get_property;
  object_class->set_property = atrium_scanner_set_property;
  object_class->dispose = atrium_scanner_dispose;
  object_class->finalize = atrium_scanner_finalize;
  widget_class->map = atrium_scanner_map;
  widget_class->unmap = atrium_scanner_unmap;

  properties[PROP_PIPELINE] =
    g_param_spec_string ("pipeline", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CAMERA_OK] =
    g_param_spec_boolean ("camera-ok", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AtriumScanner::code-scanned:
   * @text: what the QR code holds
   *
   * A code came into view; emitted on the main thread.
   */
  signals[CODE_SCANNED] =
    g_signal_new ("code-scanned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "scanner");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
atrium_scanner_init (AtriumScanner *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  g_mutex_init (&self->frame_lock);
  self->recent_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 12);

  self->picture = gtk_picture_new ();
  gtk_picture_set_content_fit (GTK_PICTURE (self->picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_size_request (self->picture, 320, 240);
  gtk_widget_set_vexpand (self->picture, TRUE);
  gtk_widget_set_hexpand (self->picture, TRUE);
  gtk_widget_add_css_class (self->picture, "camera-preview");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Camera preview"),
                                  -1);
  gtk_widget_set_parent (self->picture, GTK_WIDGET (self));

  self->status = g_object_new (GTK_TYPE_LABEL,
                               "accessible-role", GTK_ACCESSIBLE_ROLE_STATUS,
                               "wrap", TRUE,
                               "justify", GTK_JUSTIFY_CENTER,
                               NULL);
  gtk_widget_add_css_class (self->status, "title-3");
  gtk_widget_set_parent (self->status, GTK_WIDGET (self));
  set_status (self, _("The camera is off."), FALSE);
}

AtriumScanner *
atrium_scanner_new (void)
{
  return g_object_new (ATRIUM_TYPE_SCANNER, NULL);
}

void
atrium_scanner_set_pipeline (AtriumScanner *self,
                             const char    *description)
{
  g_return_if_fail (ATRIUM_IS_SCANNER (self));

  if (g_strcmp0 (self->description, description) == 0)
    return;
  g_free (self->description);
  self->description = g_strdup (description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIPELINE]);

  if (self->started && gtk_widget_get_mapped (GTK_WIDGET (self)))
    camera_run (self);
}

const char *
atrium_scanner_get_pipeline (AtriumScanner *self)
{
  g_return_val_if_fail (ATRIUM_IS_SCANNER (self), NULL);

  return self->description;
}

void
atrium_scanner_start (AtriumScanner *self)
{
  g_return_if_fail (ATRIUM_IS_SCANNER (self));

  self->started = TRUE;
  if (camera_wanted (self))
    camera_run (self);
}

void
atrium_scanner_stop (AtriumScanner *self)
{
  g_return_if_fail (ATRIUM_IS_SCANNER (self));

  self->started = FALSE;
  camera_off (self);
}

gboolean
atrium_scanner_get_camera_ok (AtriumScanner *self)
{
  g_return_val_if_fail (ATRIUM_IS_SCANNER (self), FALSE);

  return self->camera_ok;
}

const char *
atrium_scanner_get_status (AtriumScanner *self)
{
  g_return_val_if_fail (ATRIUM_IS_SCANNER (self), NULL);

  return gtk_label_get_text (GTK_LABEL (self->status));
}
