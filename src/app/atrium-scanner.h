/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * The kiosk's camera panel: a live preview of the camera and a status line under it.
 * The camera is a GStreamer pipeline whose source part is a gst-launch description
 * (the `kiosk-camera-pipeline` setting); the widget adds a QR decoder (zbar) and its
 * preview sink. A decoded code is emitted as ::code-scanned on the main thread, at most
 * once while it stays in view (see docs/decisions.md). When the camera fails or ends,
 * the status says so and the camera is tried again every 5 seconds.
 *
 * The camera runs only while the widget is mapped and started: it stops on unmap and
 * on dispose, so no pipeline or streaming thread outlives the widget.
 */

#define ATRIUM_TYPE_SCANNER (atrium_scanner_get_type ())
G_DECLARE_FINAL_TYPE (AtriumScanner, atrium_scanner, ATRIUM, SCANNER, GtkWidget)

AtriumScanner *atrium_scanner_new           (void);
/* @description: the source part, such as "v4l2src ! videoconvert". Restarts a running
 * camera. */
void           atrium_scanner_set_pipeline  (AtriumScanner *self,
                                             const char    *description);
const char    *atrium_scanner_get_pipeline  (AtriumScanner *self);
void           atrium_scanner_start         (AtriumScanner *self);
void           atrium_scanner_stop          (AtriumScanner *self);
/* TRUE while frames come from the camera. */
gboolean       atrium_scanner_get_camera_ok (AtriumScanner *self);
/* The status line's text, as shown. */
const char    *atrium_scanner_get_status    (AtriumScanner *self);

G_END_DECLS
