/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The kiosk's camera panel on real GStreamer pipelines: PNG images frozen into a live
 * video stand in for the camera, in a real display (Xvfb in `make check`). */
#include "config.h"

#include <stdarg.h>
#include <glib/gstdio.h>

#include "atrium-qr.h"
#include "atrium-scanner.h"
#include "atrium-ui-test.h"

/* What a test saw of one scanner. */
typedef struct
{
  AtriumScanner *scanner;
  GtkWindow     *window;
  GPtrArray     *codes;
  guint          camera_ok_true;
  guint          camera_ok_false;
  GPtrArray     *statuses;
  int            frame_width;
  int            frame_height;
} Watch;

static char *tmp_dir;

static void
on_code_scanned (AtriumScanner *scanner,
                 const char    *text,
                 Watch         *watch)
{
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_ptr_array_add (watch->codes, g_strdup (text));
}

static void
on_camera_ok (AtriumScanner *scanner,
              GParamSpec    *pspec,
              Watch         *watch)
{
  if (atrium_scanner_get_camera_ok (scanner))
    watch->camera_ok_true++;
  else
    watch->camera_ok_false++;
}

static void
on_paintable (GtkPicture *picture,
              GParamSpec *pspec,
              Watch      *watch)
{
  GdkPaintable *paintable = gtk_picture_get_paintable (picture);

  if (paintable == NULL)
    return;
  watch->frame_width = gdk_paintable_get_intrinsic_width (paintable);
  watch->frame_height = gdk_paintable_get_intrinsic_height (paintable);
}

static void
on_status (GtkLabel   *label,
           GParamSpec *pspec,
           Watch      *watch)
{
  g_ptr_array_add (watch->statuses, g_strdup (gtk_label_get_text (label)));
}

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data)) && gtk_widget_get_width (data) > 0;
}

/* A scanner in a shown window, on @description. */
static void
watch_open (Watch      *watch,
            const char *description)
{
  GtkWidget *picture, *status;

  *watch = (Watch) {
    .codes = g_ptr_array_new_with_free_func (g_free),
    .statuses = g_ptr_array_new_with_free_func (g_free),
  };
  watch->scanner = atrium_scanner_new ();
  g_signal_connect (watch->scanner, "code-scanned", G_CALLBACK (on_code_scanned), watch);
  g_signal_connect (watch->scanner, "notify::camera-ok", G_CALLBACK (on_camera_ok), watch);
  picture = atrium_ui_test_find_widget (GTK_WIDGET (watch->scanner), GTK_TYPE_PICTURE);
  g_assert_nonnull (picture);
  g_signal_connect (picture, "notify::paintable", G_CALLBACK (on_paintable), watch);
  status = atrium_ui_test_find_widget (GTK_WIDGET (watch->scanner), GTK_TYPE_LABEL);
  g_assert_nonnull (status);
  g_signal_connect (status, "notify::label", G_CALLBACK (on_status), watch);

  watch->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (watch->window, "Scanner");
  gtk_window_set_default_size (watch->window, 640, 560);
  gtk_window_set_child (watch->window, GTK_WIDGET (watch->scanner));
  gtk_window_present (watch->window);
  atrium_ui_test_spin_until (widget_is_mapped, watch->scanner, 10);

  g_assert_false (atrium_scanner_get_camera_ok (watch->scanner));
  atrium_scanner_set_pipeline (watch->scanner, description);
  g_assert_cmpstr (atrium_scanner_get_pipeline (watch->scanner), ==, description);
  atrium_scanner_start (watch->scanner);
}

/* Destroys the window and checks that the scanner and its window are freed. */
static void
watch_close (Watch *watch)
{
  AtriumScanner *scanner = watch->scanner;
  GtkWindow *window = watch->window;

  g_object_add_weak_pointer (G_OBJECT (scanner), (gpointer *) &scanner);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (window);
  for (guint i = 0; i < 100 && (window != NULL || scanner != NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (window);
  g_assert_null (scanner);
  g_ptr_array_unref (watch->codes);
  g_ptr_array_unref (watch->statuses);
}

static gboolean
frame_came (gpointer data)
{
  Watch *watch = data;

  return watch->frame_width > 0;
}

/* The status line said @texts, in this order, since the scanner started. */
static void
assert_statuses (Watch      *watch,
                 const char *first,
                 ...)
{
  va_list args;
  guint i = 0;

  va_start (args, first);
  for (const char *text = first; text != NULL; text = va_arg (args, const char *), i++)
    {
      g_assert_cmpuint (i, <, watch->statuses->len);
      g_assert_cmpstr (g_ptr_array_index (watch->statuses, i), ==, text);
    }
  va_end (args);
  g_assert_cmpuint (i, ==, watch->statuses->len);
}

static gboolean
code_came (gpointer data)
{
  Watch *watch = data;

  return watch->codes->len > 0;
}

/* The camera ran (frames came) and then stopped. */
static gboolean
camera_ran_and_ended (gpointer data)
{
  Watch *watch = data;

  return watch->camera_ok_true > 0 && !atrium_scanner_get_camera_ok (watch->scanner);
}

static char *
save_png (GdkTexture *texture,
          const char *name)
{
  char *path = g_build_filename (tmp_dir, name, NULL);

  g_assert_true (gdk_texture_save_to_png (texture, path));
  return path;
}

/* A PNG of @width × @height pixels all of one @grey level. */
static char *
save_plain_png (int         width,
                int         height,
                guint8      grey,
                const char *name)
{
  gsize size = (gsize) width * height * 4;
  g_autoptr(GBytes) bytes = g_bytes_new_take (memset (g_malloc (size), grey, size), size);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (width, height,
                                                          GDK_MEMORY_R8G8B8A8, bytes,
                                                          (gsize) width * 4);

  return save_png (texture, name);
}

/* A live 25 frames/s video of the PNG at @path, @frames frames long. */
static char *
frozen_image (const char *path,
              guint       frames)
{
  return g_strdup_printf ("filesrc location=\"%s\" ! pngdec ! "
                          "imagefreeze num-buffers=%u is-live=true ! videoconvert",
                          path, frames);
}

/* What a booking's check-in code looks like: 120 base64url characters. */
static char *
checkin_like_code (void)
{
  guint8 bytes[90];
  char *text;

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = g_random_int_range (0, 256);
  text = g_base64_encode (bytes, sizeof bytes);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  g_assert_cmpuint (strlen (text), ==, 120);
  return text;
}

static void
test_scanner_reads_code (void)
{
  g_autofree char *code = checkin_like_code ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) qr = atrium_qr_texture_new (code, 4, &error);
  g_autofree char *path = NULL;
  g_autofree char *description = NULL;
  Watch watch;

  g_assert_no_error (error);
  path = save_png (qr, "code.png");
  description = frozen_image (path, 60);
  watch_open (&watch, description);
  g_assert_cmpstr (atrium_scanner_get_status (watch.scanner), ==, "Starting the camera…");

  atrium_ui_test_spin_until (code_came, &watch, 30);
  g_assert_cmpstr (g_ptr_array_index (watch.codes, 0), ==, code);
  /* The preview shows the image, at its size. */
  atrium_ui_test_spin_until (frame_came, &watch, 30);
  g_assert_cmpint (watch.frame_width, ==, gdk_texture_get_width (qr));
  g_assert_cmpint (watch.frame_height, ==, gdk_texture_get_height (qr));
  atrium_ui_test_save_screenshot (GTK_WIDGET (watch.window), "scanner-code.png");

  /* 60 frames (2.4 s) each with the code: one signal. */
  atrium_ui_test_spin_until (camera_ran_and_ended, &watch, 30);
  g_assert_cmpuint (watch.codes->len, ==, 1);
  assert_statuses (&watch, "Starting the camera…",
                   "Hold your booking’s QR code up to the camera",
                   "The camera is not available. Trying again…", NULL);

  atrium_scanner_stop (watch.scanner);
  g_assert_cmpstr (atrium_scanner_get_status (watch.scanner), ==, "The camera is off.");
  watch_close (&watch);
  g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
test_scanner_no_code (void)
{
  g_autofree char *path = save_plain_png (160, 120, 0xff, "white.png");
  g_autofree char *description = NULL;
  Watch watch;

  description = frozen_image (path, 30);
  watch_open (&watch, description);

  /* Its 30 frames are shown, then the stream ends: the camera is said to be missing. */
  atrium_ui_test_spin_until (camera_ran_and_ended, &watch, 30);
  g_assert_cmpuint (watch.codes->len, ==, 0);
  g_assert_cmpint (watch.frame_width, ==, 160);
  g_assert_cmpint (watch.frame_height, ==, 120);
  g_assert_cmpuint (watch.camera_ok_false, ==, 1);
  assert_statuses (&watch, "Starting the camera…",
                   "Hold your booking’s QR code up to the camera",
                   "The camera is not available. Trying again…", NULL);
  watch_close (&watch);
  g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
test_scanner_bad_pipeline (void)
{
  Watch watch;

  watch_open (&watch, "nosuchelement ! videoconvert");
  g_assert_false (atrium_scanner_get_camera_ok (watch.scanner));
  g_assert_true (g_str_has_prefix (atrium_scanner_get_status (watch.scanner),
                                   "The camera is not available: its settings are wrong ("));
  g_assert_nonnull (strstr (atrium_scanner_get_status (watch.scanner), "nosuchelement"));
  atrium_ui_test_spin_for (200);
  g_assert_cmpuint (watch.camera_ok_true, ==, 0);

  /* A description whose end is not video. */
  atrium_scanner_set_pipeline (watch.scanner, "fakesink");
  g_assert_true (g_str_has_prefix (atrium_scanner_get_status (watch.scanner),
                                   "The camera is not available: its settings are wrong ("));
  watch_close (&watch);
}

static gboolean
camera_is_ok (gpointer data)
{
  Watch *watch = data;

  return atrium_scanner_get_camera_ok (watch->scanner);
}

static void
test_scanner_unmapped (void)
{
  g_autofree char *path = save_plain_png (64, 48, 0x80, "grey.png");
  g_autofree char *description = NULL;
  GtkPicture *picture;
  Watch watch;

  /* A camera that never ends. */
  description = frozen_image (path, G_MAXINT);
  watch_open (&watch, description);
  picture = GTK_PICTURE (atrium_ui_test_find_widget (GTK_WIDGET (watch.scanner),
                                                     GTK_TYPE_PICTURE));
  atrium_ui_test_spin_until (camera_is_ok, &watch, 30);

  /* Hidden: the camera stops and its last picture goes. */
  gtk_widget_set_visible (GTK_WIDGET (watch.window), FALSE);
  g_assert_false (atrium_scanner_get_camera_ok (watch.scanner));
  g_assert_null (gtk_picture_get_paintable (picture));
  g_assert_cmpstr (atrium_scanner_get_status (watch.scanner), ==, "The camera is off.");
  atrium_ui_test_spin_for (300);
  g_assert_false (atrium_scanner_get_camera_ok (watch.scanner));
  g_assert_null (gtk_picture_get_paintable (picture));

  /* Shown again: it starts again. */
  gtk_window_present (watch.window);
  atrium_ui_test_spin_until (camera_is_ok, &watch, 30);
  g_assert_nonnull (gtk_picture_get_paintable (picture));
  g_assert_cmpuint (watch.camera_ok_true, ==, 2);

  /* Destroyed while frames come. */
  watch_close (&watch);
  atrium_ui_test_spin_for (200);
  g_assert_cmpint (g_unlink (path), ==, 0);
}

static gboolean
retried (gpointer data)
{
  Watch *watch = data;

  /* Starting → not available, once at start and once per retry. */
  return watch->statuses->len >= 4;
}

static void
test_scanner_missing_device (void)
{
  Watch watch;
  gint64 start;

  watch_open (&watch, "v4l2src device=/dev/nonexistent ! videoconvert");
  start = g_get_monotonic_time ();
  g_assert_false (atrium_scanner_get_camera_ok (watch.scanner));
  g_assert_cmpstr (atrium_scanner_get_status (watch.scanner), ==,
                   "The camera is not available. Trying again…");

  /* Tried again 5 s later, and not before. */
  atrium_ui_test_spin_until (retried, &watch, 10);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (watch.camera_ok_true, ==, 0);
  assert_statuses (&watch, "Starting the camera…", "The camera is not available. Trying again…",
                   "Starting the camera…", "The camera is not available. Trying again…", NULL);

  /* Destroyed while the next try waits: nothing of it fires later. */
  watch_close (&watch);
  atrium_ui_test_spin_for (6000);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  tmp_dir = g_dir_make_tmp ("atrium-scanner-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/scanner/reads-code", test_scanner_reads_code);
  g_test_add_func ("/scanner/no-code", test_scanner_no_code);
  g_test_add_func ("/scanner/unmapped", test_scanner_unmapped);
  g_test_add_func ("/scanner/bad-pipeline", test_scanner_bad_pipeline);
  g_test_add_func ("/scanner/missing-device", test_scanner_missing_device);
  status = g_test_run ();

  g_assert_cmpint (g_rmdir (tmp_dir), ==, 0);
  g_free (tmp_dir);
  return status;
}
