/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The mailer against a real SMTP server on loopback: what arrives must be a correct
 * RFC 5322 / MIME message that decodes back to exactly what was sent. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "atrium-http-sink.h"
#include "atrium-mailer.h"
#include "atrium-smtp-sink.h"

#define FROM_ADDRESS "noreply@library.example"
#define FROM_NAME    "Bibliothèque Atrium"
#define RECIPIENT    "patron@example.org"
#define SUBJECT_FR   "Réservation confirmée — Salle 2"
#define WAIT_MS      10000

/* Sent with LF and one CRLF; must come back with LF only. Holds what quoted-printable
 * and SMTP must get right: a lone dot, leading dots, "From ", trailing spaces, '=',
 * tabs, a line far over 76 columns with multi-byte characters, an emoji. */
static const char *const TEXT_SENT =
  "Bonjour Zoë,\n"
  "\n"
  "Votre réservation est confirmée : salle 2, le 14 mars de 10 h à 12 h.\r\n"
  "Une très longue ligne pour forcer des coupures douces : éèêëàâäôöûüç ÉÈÊËÀÂÄÔÖÛÜÇ "
  "œæ — « guillemets » et 1 = 1, 2 =3D 2, encore et encore jusqu'à dépasser de loin "
  "soixante-seize colonnes.\n"
  ".\n"
  "..two dots\n"
  ".hidden\n"
  "From the library\n"
  "trailing spaces   \n"
  "tab\tinside and at end\t\n"
  "emoji 😀 end\n";

static char *
expected_text (const char *sent)
{
  g_autoptr(GString) text = g_string_new (sent);

  g_string_replace (text, "\r\n", "\n", 0);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static AtriumMailer *
new_mailer (guint16      port,
            const char  *user,
            const char  *password,
            guint        timeout_seconds)
{
  g_autoptr(GError) error = NULL;
  AtriumMailerConfig config = {
    .host = (char *) "127.0.0.1",
    .port = port,
    .tls = ATRIUM_MAILER_TLS_NONE,
    .user = (char *) user,
    .password = (char *) password,
    .from_address = (char *) FROM_ADDRESS,
    .from_name = (char *) FROM_NAME,
    .timeout_seconds = timeout_seconds,
  };
  AtriumMailer *mailer = atrium_mailer_new (&config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mailer);
  return mailer;
}

static AtriumSmtpSink *
new_sink (void)
{
  g_autoptr(GError) error = NULL;
  AtriumSmtpSink *sink = atrium_smtp_sink_new (&error);

  g_assert_no_error (error);
  g_assert_nonnull (sink);
  g_assert_cmpuint (atrium_smtp_sink_get_port (sink), >, 0);
  return sink;
}

/* Well-formed at the byte level: CRLF only, 7-bit, no NUL, header lines within 78
 * columns, body lines within 76 (quoted-printable and base64 both promise that), no body
 * line starting with "From ". */
static void
assert_wire_format (GBytes *data)
{
  gsize len = 0;
  const char *p = g_bytes_get_data (data, &len);
  const char *end = p + len;
  gboolean in_headers = TRUE;

  g_assert_cmpuint (len, >=, 2);
  g_assert_true (p[len - 2] == '\r' && p[len - 1] == '\n');
  while (p < end)
    {
      const char *eol = g_strstr_len (p, end - p, "\r\n");
      gsize line_len;

      g_assert_nonnull (eol);
      line_len = eol - p;
      for (gsize i = 0; i < line_len; i++)
        {
          g_assert_cmpint (p[i], !=, '\r');
          g_assert_cmpint (p[i], !=, '\n');
          g_assert_cmpint (p[i], !=, '\0');
          g_assert_cmpuint ((guchar) p[i], <, 0x80);
        }
      if (line_len == 0)
        in_headers = FALSE;
      g_assert_cmpuint (line_len, <=, in_headers ? 78 : 76);
      /* mbox readers would mangle it. */
      g_assert_false (!in_headers && g_str_has_prefix (p, "From "));
      p = eol + 2;
    }
}

/* The raw header section, split into (name, unfolded value) pairs. */
static GPtrArray *
header_names (GBytes *data)
{
  gsize len = 0;
  const char *p = g_bytes_get_data (data, &len);
  const char *end = p + len;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  while (p < end)
    {
      const char *eol = g_strstr_len (p, end - p, "\r\n");

      g_assert_nonnull (eol);
      if (eol == p)
        break;
      if (*p != ' ' && *p != '\t')
        {
          const char *colon = memchr (p, ':', eol - p);

          g_assert_nonnull (colon);
          g_ptr_array_add (names, g_ascii_strdown (p, colon - p));
        }
      p = eol + 2;
    }
  return names;
}

static guint
count_name (GPtrArray  *names,
            const char *name)
{
  guint n = 0;

  for (guint i = 0; i < names->len; i++)
    n += g_ascii_strcasecmp (g_ptr_array_index (names, i), name) == 0;
  return n;
}

static char *
header (const AtriumSmtpSinkMessage *message,
        const char                  *name)
{
  g_autoptr(GError) error = NULL;
  char *value = atrium_smtp_sink_message_dup_header (message, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
  return value;
}

/* RFC 2047 decoding written here without the sink's decoder: the value must be only
 * B-encoded UTF-8 words separated by single spaces. */
static char *
decode_b_words (const char *value)
{
  g_auto(GStrv) words = g_strsplit (value, " ", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *word = words[i];
      gsize word_len = strlen (word);
      g_autofree char *b64 = NULL;
      g_autofree guchar *bytes = NULL;
      gsize n = 0;

      g_assert_true (g_str_has_prefix (word, "=?UTF-8?B?"));
      g_assert_true (g_str_has_suffix (word, "?="));
      g_assert_cmpuint (word_len, <=, 75);
      b64 = g_strndup (word + 10, word_len - 12);
      g_assert_cmpuint (strspn (b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789+/="), ==, strlen (b64));
      g_assert_cmpuint (strlen (b64) % 4, ==, 0);
      bytes = g_base64_decode (b64, &n);
      /* Each word holds whole characters (RFC 2047 §5). */
      g_assert_true (g_utf8_validate ((const char *) bytes, n, NULL));
      g_string_append_len (out, (const char *) bytes, n);
    }
  return g_string_free (out, FALSE);
}

static void
assert_date_is_now (const char *date)
{
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) parsed = NULL;
  char weekday[4] = "";
  char month[4] = "";
  int day = 0, year = 0, hour = 0, minute = 0, second = 0, month_number = 0;
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

  g_assert_true (g_regex_match_simple ("^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
                                       "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                                       "[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \\+0000$",
                                       date, 0, 0));
  g_assert_cmpint (sscanf (date, "%3s, %d %3s %d %d:%d:%d", weekday, &day, month, &year,
                           &hour, &minute, &second), ==, 7);
  for (guint i = 0; i < G_N_ELEMENTS (months); i++)
    {
      if (strcmp (months[i], month) == 0)
        month_number = i + 1;
    }
  parsed = g_date_time_new_utc (year, month_number, day, hour, minute, second);
  g_assert_nonnull (parsed);
  g_assert_cmpstr (days[g_date_time_get_day_of_week (parsed) - 1], ==, weekday);
  g_assert_cmpint (ABS (g_date_time_difference (now, parsed)), <, 120 * G_TIME_SPAN_SECOND);
}

static AtriumSmtpSinkMessage *
only_message (AtriumSmtpSink *sink)
{
  g_autoptr(GPtrArray) messages = NULL;

  g_assert_true (atrium_smtp_sink_wait_for (sink, 1, WAIT_MS));
  messages = atrium_smtp_sink_get_messages (sink);
  g_assert_cmpuint (messages->len, ==, 1);
  return g_ptr_array_steal_index (messages, 0);
}

/* ---- the sink speaks SMTP ------------------------------------------------------------ */

static void
send_line (GOutputStream *out,
           const char    *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *with_crlf = g_strconcat (line, "\r\n", NULL);

  g_assert_true (g_output_stream_write_all (out, with_crlf, strlen (with_crlf), NULL, NULL,
                                            &error));
  g_assert_no_error (error);
}

/* Reads one reply, multi-line or not, and checks its code. */
static void
expect_reply (GDataInputStream *in,
              const char       *code)
{
  while (TRUE)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_assert_true (g_str_has_suffix (line, "\r"));
      g_assert_cmpuint (strlen (line), >=, 4);
      g_assert_cmpmem (line, 3, code, 3);
      if (line[3] == ' ')
        return;
      g_assert_cmpint (line[3], ==, '-');
    }
}

#define UNSTUFFED "Subject: dots\r\n\r\n.leading dot\r\n..\r\nnot. the end\r\n"

static void
test_sink_protocol (void)
{
  g_autoptr(AtriumSmtpSink) sink = new_sink ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(AtriumSmtpSinkMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;
  GOutputStream *out;
  gsize len = 0;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                atrium_smtp_sink_get_port (sink), NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  expect_reply (in, "220");
  send_line (out, "MAIL FROM:<a@example.org>");
  expect_reply (in, "503");
  send_line (out, "EHLO client.example");
  expect_reply (in, "250");
  send_line (out, "RCPT TO:<b@example.org>");
  expect_reply (in, "503");
  send_line (out, "MAIL FROM:<a@example.org> SIZE=100");
  expect_reply (in, "250");
  send_line (out, "DATA");
  expect_reply (in, "554");
  send_line (out, "RCPT TO:b@example.org");
  expect_reply (in, "501");
  send_line (out, "RCPT TO:<b@example.org>");
  expect_reply (in, "250");
  send_line (out, "rcpt to:<c@example.org>");
  expect_reply (in, "250");
  send_line (out, "NOOP");
  expect_reply (in, "250");
  send_line (out, "DATA");
  expect_reply (in, "354");
  send_line (out, "Subject: dots");
  send_line (out, "");
  send_line (out, "..leading dot");
  send_line (out, "...");
  send_line (out, "not. the end");
  send_line (out, ".");
  expect_reply (in, "250");
  send_line (out, "RSET");
  expect_reply (in, "250");
  send_line (out, "MAIL FROM:<>");
  expect_reply (in, "250");
  send_line (out, "RSET");
  expect_reply (in, "250");
  send_line (out, "VRFY someone");
  expect_reply (in, "502");
  send_line (out, "AUTH PLAIN AGFAYg==");
  expect_reply (in, "502");
  send_line (out, "QUIT");
  expect_reply (in, "221");
  /* The sink hangs up after QUIT. */
  rest = g_data_input_stream_read_line (in, &len, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (rest);

  message = only_message (sink);
  g_assert_cmpstr (message->helo, ==, "client.example");
  g_assert_null (message->auth_user);
  g_assert_cmpstr (message->mail_from, ==, "a@example.org");
  g_assert_cmpuint (g_strv_length (message->recipients), ==, 2);
  g_assert_cmpstr (message->recipients[0], ==, "b@example.org");
  g_assert_cmpstr (message->recipients[1], ==, "c@example.org");
  g_assert_cmpmem (g_bytes_get_data (message->data, NULL), g_bytes_get_size (message->data),
                   UNSTUFFED, strlen (UNSTUFFED));

  g_assert_false (atrium_smtp_sink_wait_for (sink, 2, 100));
  g_assert_cmpuint (atrium_smtp_sink_get_connection_count (sink), ==, 1);
}

/* ---- a plain mail -------------------------------------------------------------------- */

static void
test_plain (void)
{
  g_autoptr(AtriumSmtpSink) sink = new_sink ();
  g_autoptr(AtriumMailer) mailer = new_mailer (atrium_smtp_sink_get_port (sink),
                                               NULL, NULL, 10);
  g_autoptr(AtriumSmtpSinkMessage) message = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *date = NULL;
  g_autofree char *from = NULL;
  g_autofree char *from_decoded = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *subject_decoded = NULL;
  g_autofree char *subject_by_hand = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *encoding = NULL;
  g_autofree char *to = NULL;
  g_autofree char *mime_version = NULL;
  g_autofree char *auto_submitted = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = expected_text (TEXT_SENT);
  AtriumMail mail = {
    .to = RECIPIENT,
    .subject = SUBJECT_FR,
    .text = TEXT_SENT,
  };

  g_assert_true (atrium_mailer_send (mailer, &mail, &error));
  g_assert_no_error (error);

  message = only_message (sink);
  g_assert_cmpstr (message->mail_from, ==, FROM_ADDRESS);
  g_assert_cmpuint (g_strv_length (message->recipients), ==, 1);
  g_assert_cmpstr (message->recipients[0], ==, RECIPIENT);
  assert_wire_format (message->data);

  /* Each header exactly once. */
  names = header_names (message->data);
  for (guint i = 0; i < 9; i++)
    {
      static const char *const required[] = { "date", "from", "to", "subject", "message-id",
                                              "mime-version", "content-type",
                                              "content-transfer-encoding", "auto-submitted" };

      g_assert_cmpuint (count_name (names, required[i]), ==, 1);
    }
  g_assert_cmpuint (count_name (names, "bcc"), ==, 0);

  date = header (message, "Date");
  assert_date_is_now (date);

  from = header (message, "From");
  g_assert_true (g_str_has_suffix (from, " <" FROM_ADDRESS ">"));
  from[strlen (from) - strlen (" <" FROM_ADDRESS ">")] = '\0';
  from_decoded = decode_b_words (from);
  g_assert_cmpstr (from_decoded, ==, FROM_NAME);

  subject = header (message, "Subject");
  subject_by_hand = decode_b_words (subject);
  g_assert_cmpstr (subject_by_hand, ==, SUBJECT_FR);
  subject_decoded = atrium_smtp_sink_decode_header (subject, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (subject_decoded, ==, SUBJECT_FR);

  to = header (message, "To");
  g_assert_cmpstr (to, ==, RECIPIENT);
  message_id = header (message, "Message-ID");
  g_assert_true (g_regex_match_simple ("^<[0-9a-f]{32}@library\\.example>$", message_id, 0, 0));
  mime_version = header (message, "MIME-Version");
  g_assert_cmpstr (mime_version, ==, "1.0");
  content_type = header (message, "Content-Type");
  g_assert_cmpstr (content_type, ==, "text/plain; charset=UTF-8");
  encoding = header (message, "Content-Transfer-Encoding");
  g_assert_cmpstr (encoding, ==, "quoted-printable");
  auto_submitted = header (message, "Auto-Submitted");
  g_assert_cmpstr (auto_submitted, ==, "auto-generated");

  text = atrium_smtp_sink_message_dup_text (message, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, expected);

  g_assert_finalize_object (g_steal_pointer (&mailer));
}

/* ---- folding and the display name ---------------------------------------------------- */

static AtriumSmtpSinkMessage *
built (AtriumMailer     *mailer,
       const AtriumMail *mail)
{
  g_autoptr(GError) error = NULL;
  AtriumSmtpSinkMessage *message = g_new0 (AtriumSmtpSinkMessage, 1);

  message->data = atrium_mailer_build_message (mailer, mail, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message->data);
  assert_wire_format (message->data);
  return message;
}

static void
test_folding (void)
{
  g_autoptr(GError) error = NULL;
  AtriumMailerConfig config = {
    .host = (char *) "localhost",
    .port = 25,
    .tls = ATRIUM_MAILER_TLS_NONE,
    .from_address = (char *) FROM_ADDRESS,
    .from_name = (char *) "Atrium \"Main\" Library",
  };
  g_autoptr(AtriumMailer) mailer = atrium_mailer_new (&config, &error);
  g_autoptr(GString) long_ascii = g_string_new (NULL);
  g_autoptr(GString) long_french = g_string_new (NULL);
  const char *subjects[] = {
    "Your booking",
    "  spaced  out  ",
    "looks like =?UTF-8?B?QQ==?= an encoded-word",
    "x",
    NULL,
    NULL,
  };

  g_assert_no_error (error);
  for (guint i = 0; i < 12; i++)
    g_string_append (long_ascii, "Reminder: your booking of room 2 ");
  g_string_append (long_ascii, "ends");
  for (guint i = 0; i < 20; i++)
    g_string_append (long_french, SUBJECT_FR " — ");
  subjects[4] = long_ascii->str;
  subjects[5] = long_french->str;

  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      AtriumMail mail = { .to = RECIPIENT, .subject = subjects[i], .text = "x" };
      g_autoptr(AtriumSmtpSinkMessage) message = built (mailer, &mail);
      g_autofree char *subject = header (message, "Subject");
      g_autofree char *decoded = atrium_smtp_sink_decode_header (subject, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (decoded, ==, subjects[i]);
      if (i == 0)
        g_assert_cmpstr (subject, ==, "Your booking");
    }

  {
    AtriumMail mail = { .to = RECIPIENT, .subject = "s", .text = "" };
    g_autoptr(AtriumSmtpSinkMessage) message = built (mailer, &mail);
    g_autofree char *from = header (message, "From");
    g_autofree char *text = atrium_smtp_sink_message_dup_text (message, &error);

    g_assert_cmpstr (from, ==, "\"Atrium \\\"Main\\\" Library\" <" FROM_ADDRESS ">");
    g_assert_no_error (error);
    g_assert_cmpstr (text, ==, "");
  }

  g_assert_finalize_object (g_steal_pointer (&mailer));
}

/* ---- attachments --------------------------------------------------------------------- */

static const char ICS[] =
  "BEGIN:VCALENDAR\r\n"
  "VERSION:2.0\r\n"
  "PRODID:-//Atrium//Atrium//FR\r\n"
  "METHOD:REQUEST\r\n"
  "BEGIN:VEVENT\r\n"
  "UID:3f1c9a@library.example\r\n"
  "DTSTAMP:20250310T090000Z\r\n"
  "DTSTART:20250314T090000Z\r\n"
  "DTEND:20250314T110000Z\r\n"
  "SUMMARY:Réservation confirmée — Salle 2\r\n"
  "END:VEVENT\r\n"
  "END:VCALENDAR\r\n";

static void
test_attachment (void)
{
  g_autoptr(AtriumSmtpSink) sink = new_sink ();
  g_autoptr(AtriumMailer) mailer = new_mailer (atrium_smtp_sink_get_port (sink),
                                               NULL, NULL, 10);
  g_autoptr(GBytes) ics = g_bytes_new_static (ICS, sizeof ICS - 1);
  g_autoptr(GBytes) binary = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = expected_text (TEXT_SENT);
  guint8 bytes[3000];
  AtriumMail invitation = {
    .to = RECIPIENT,
    .subject = SUBJECT_FR,
    .text = TEXT_SENT,
    .attachment_name = "reservation.ics",
    .attachment_type = "text/calendar; charset=UTF-8; method=REQUEST",
    .attachment = ics,
  };
  AtriumMail with_binary = {
    .to = RECIPIENT,
    .subject = "Export",
    .text = "See the attachment.",
    .attachment_name = "Réservations — salle 2 (mars).bin",
    .attachment = NULL,
  };

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) (i * 7 + i / 256);
  binary = g_bytes_new (bytes, sizeof bytes);
  with_binary.attachment = binary;

  g_assert_true (atrium_mailer_send (mailer, &invitation, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_mailer_send (mailer, &with_binary, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_smtp_sink_wait_for (sink, 2, WAIT_MS));
  messages = atrium_smtp_sink_get_messages (sink);
  g_assert_cmpuint (messages->len, ==, 2);

  {
    AtriumSmtpSinkMessage *message = g_ptr_array_index (messages, 0);
    g_autoptr(GPtrArray) parts = NULL;
    g_autofree char *content_type = header (message, "Content-Type");
    g_autofree char *text = NULL;
    AtriumSmtpSinkPart *part;

    assert_wire_format (message->data);
    g_assert_true (g_str_has_prefix (content_type, "multipart/mixed;"));
    g_assert_nonnull (strstr (content_type, "boundary=\""));

    parts = atrium_smtp_sink_message_get_parts (message, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (parts->len, ==, 2);

    part = g_ptr_array_index (parts, 0);
    g_assert_cmpstr (part->media_type, ==, "text/plain");
    g_assert_cmpstr (part->charset, ==, "UTF-8");
    g_assert_cmpstr (part->transfer_encoding, ==, "quoted-printable");
    g_assert_null (part->filename);

    part = g_ptr_array_index (parts, 1);
    g_assert_cmpstr (part->media_type, ==, "text/calendar");
    g_assert_nonnull (strstr (part->content_type, "method=REQUEST"));
    g_assert_cmpstr (part->charset, ==, "UTF-8");
    g_assert_cmpstr (part->transfer_encoding, ==, "base64");
    g_assert_cmpstr (part->filename, ==, "reservation.ics");
    g_assert_true (g_bytes_equal (part->content, ics));

    text = atrium_smtp_sink_message_dup_text (message, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (text, ==, expected);
  }

  {
    AtriumSmtpSinkMessage *message = g_ptr_array_index (messages, 1);
    g_autoptr(GPtrArray) parts = atrium_smtp_sink_message_get_parts (message, &error);
    g_autofree char *text = atrium_smtp_sink_message_dup_text (message, &error);
    AtriumSmtpSinkPart *part;

    g_assert_no_error (error);
    assert_wire_format (message->data);
    g_assert_cmpuint (parts->len, ==, 2);
    g_assert_cmpstr (text, ==, "See the attachment.\n");
    part = g_ptr_array_index (parts, 1);
    g_assert_cmpstr (part->media_type, ==, "application/octet-stream");
    g_assert_cmpstr (part->filename, ==, "Réservations — salle 2 (mars).bin");
    g_assert_true (g_bytes_equal (part->content, binary));
  }

  g_assert_finalize_object (g_steal_pointer (&mailer));
}

/* ---- refused before any connection --------------------------------------------------- */

static void
test_injection (void)
{
  g_autoptr(AtriumSmtpSink) sink = new_sink ();
  g_autoptr(AtriumMailer) mailer = new_mailer (atrium_smtp_sink_get_port (sink),
                                               NULL, NULL, 10);
  g_autoptr(GBytes) ics = g_bytes_new_static (ICS, sizeof ICS - 1);
  const char *const bad_recipients[] = {
    RECIPIENT "\r\nBcc: victim@example.org",
    RECIPIENT "\nBcc: victim@example.org",
    RECIPIENT "\r",
    "a@example.org, b@example.org",
    "a@example.org;b@example.org",
    "Patron <patron@example.org>",
    "<patron@example.org>",
    "patron.example.org",
    "a@b@example.org",
    "patron@",
    "@example.org",
    "pat ron@example.org",
    ".patron@example.org",
    "pat..ron@example.org",
    "patron@example..org",
    "patron@-example.org",
    "patron@localhost",
    "",
  };
  const char *const bad_subjects[] = {
    "Hello\r\nBcc: victim@example.org",
    "Hello\nBcc: victim@example.org",
    "Hello\rBcc: victim@example.org",
    "Bell \a",
    "Not UTF-8 \xff",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_recipients); i++)
    {
      g_autoptr(GError) error = NULL;
      AtriumMail mail = { .to = bad_recipients[i], .subject = "s", .text = "t" };

      g_assert_false (atrium_mailer_send (mailer, &mail, &error));
      g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_MESSAGE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_subjects); i++)
    {
      g_autoptr(GError) error = NULL;
      AtriumMail mail = { .to = RECIPIENT, .subject = bad_subjects[i], .text = "t" };

      g_assert_false (atrium_mailer_send (mailer, &mail, &error));
      g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_MESSAGE);
      if (strpbrk (bad_subjects[i], "\r\n") != NULL)
        g_assert_nonnull (strstr (error->message, "injection"));
    }

  {
    g_autoptr(GError) error = NULL;
    AtriumMail mail = { .to = RECIPIENT, .subject = "s", .text = "t",
                        .attachment_name = "invite.ics\r\nContent-Type: text/html",
                        .attachment = ics };

    g_assert_false (atrium_mailer_send (mailer, &mail, &error));
    g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_MESSAGE);
  }
  {
    g_autoptr(GError) error = NULL;
    AtriumMail mail = { .to = RECIPIENT, .subject = "s", .text = "t",
                        .attachment_name = "invite.ics",
                        .attachment_type = "text/calendar\r\nBcc: victim@example.org",
                        .attachment = ics };

    g_assert_false (atrium_mailer_send (mailer, &mail, &error));
    g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_MESSAGE);
  }
  {
    g_autoptr(GError) error = NULL;
    AtriumMail mail = { .to = RECIPIENT, .subject = "s", .text = "t",
                        .attachment_type = "text calendar", .attachment = ics };

    g_assert_false (atrium_mailer_send (mailer, &mail, &error));
    g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_MESSAGE);
  }
  {
    g_autoptr(GError) error = NULL;
    AtriumMail mail = { .to = RECIPIENT, .subject = "s", .text = "bad \xc3\x28 UTF-8" };

    g_assert_false (atrium_mailer_send (mailer, &mail, &error));
    g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_MESSAGE);
  }

  /* Nothing reached the server, not even a connection. */
  g_assert_cmpuint (atrium_smtp_sink_get_connection_count (sink), ==, 0);
  g_assert_false (atrium_smtp_sink_wait_for (sink, 1, 100));
  g_assert_finalize_object (g_steal_pointer (&mailer));
}

/* ---- configuration ------------------------------------------------------------------- */

static void
assert_config_refused (const AtriumMailerConfig *config,
                       const char               *expected_fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumMailer) mailer = atrium_mailer_new (config, &error);

  g_assert_null (mailer);
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_CONFIG);
  if (expected_fragment != NULL)
    g_assert_nonnull (strstr (error->message, expected_fragment));
}

static void
assert_config_accepted (const AtriumMailerConfig *config)
{
  g_autoptr(GError) error = NULL;
  AtriumMailer *mailer = atrium_mailer_new (config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mailer);
  g_assert_finalize_object (mailer);
}

static void
test_config (void)
{
  const char *const loopback[] = { "127.0.0.1", "127.5.6.7", "::1", "[::1]", "localhost",
                                   "LocalHost" };
  const char *const remote[] = { "smtp.example.org", "10.0.0.1", "::2", "0.0.0.0",
                                 "127.0.0.1.example.org", "localhost.example.org",
                                 "::ffff:127.0.0.1" };
  const char *const bad_hosts[] = { "", "smtp.example.org/evil", "user@smtp.example.org",
                                    "smtp example.org", "[127.0.0.1]", "smtp.example.org:25",
                                    "fe80::1%eth0", "-smtp.example.org" };
  const char *const bad_from[] = { "noreply", "noreply@", "@library.example",
                                   "no reply@library.example", "noreply@localhost",
                                   "noreply@library.example\r\nBcc: victim@example.org",
                                   "Atrium <noreply@library.example>" };
  AtriumMailerConfig config = {
    .host = (char *) "127.0.0.1",
    .port = 2525,
    .tls = ATRIUM_MAILER_TLS_NONE,
    .from_address = (char *) FROM_ADDRESS,
    .from_name = (char *) FROM_NAME,
  };
  AtriumMailerConfig base = config;

  assert_config_accepted (&config);

  for (guint i = 0; i < G_N_ELEMENTS (loopback); i++)
    {
      config.host = (char *) loopback[i];
      assert_config_accepted (&config);
    }

  /* Clear text only to this machine; TLS to anywhere. */
  for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
    {
      config.host = (char *) remote[i];
      config.tls = ATRIUM_MAILER_TLS_NONE;
      assert_config_refused (&config, "loopback");
      config.tls = ATRIUM_MAILER_TLS_STARTTLS;
      assert_config_accepted (&config);
      config.tls = ATRIUM_MAILER_TLS_IMPLICIT;
      assert_config_accepted (&config);
    }
  config = base;

  for (guint i = 0; i < G_N_ELEMENTS (bad_hosts); i++)
    {
      config.host = (char *) bad_hosts[i];
      config.tls = ATRIUM_MAILER_TLS_STARTTLS;
      assert_config_refused (&config, NULL);
    }
  config = base;
  config.host = NULL;
  assert_config_refused (&config, "host");
  config = base;

  config.port = 0;
  assert_config_refused (&config, "port");
  config = base;

  config.tls = (AtriumMailerTls) 7;
  assert_config_refused (&config, NULL);
  config = base;

  for (guint i = 0; i < G_N_ELEMENTS (bad_from); i++)
    {
      config.from_address = (char *) bad_from[i];
      assert_config_refused (&config, "From address");
    }
  config = base;
  config.from_address = NULL;
  assert_config_refused (&config, "From address");
  config = base;

  config.from_name = (char *) "Atrium\r\nBcc: victim@example.org";
  assert_config_refused (&config, "injection");
  config = base;

  config.password = (char *) "secret";
  assert_config_refused (&config, "without a user");
  config = base;

  config.ca_file = (char *) "/nonexistent/atrium-ca.pem";
  assert_config_refused (&config, "CA file");
  config = base;

  config.timeout_seconds = 3601;
  assert_config_refused (&config, "timeout");
  config.timeout_seconds = 3600;
  assert_config_accepted (&config);
  config = base;

  /* A config that owns its strings frees them, the password wiped. */
  {
    g_auto(AtriumMailerConfig) owned = { 0, };

    owned.host = g_strdup ("localhost");
    owned.user = g_strdup ("atrium");
    owned.password = g_strdup ("secret");
    owned.from_address = g_strdup (FROM_ADDRESS);
    owned.port = 25;
    assert_config_accepted (&owned);
  }
}

/* ---- failures on the wire ------------------------------------------------------------ */

/* A port on 127.0.0.1 that nobody listens on (bound, read, released). */
static guint16
dead_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_assert_true (g_socket_close (socket, &error));
  return port;
}

static void
test_dead_port (void)
{
  g_autoptr(AtriumMailer) mailer = new_mailer (dead_port (), NULL, NULL, 5);
  g_autoptr(GError) error = NULL;
  AtriumMail mail = { .to = RECIPIENT, .subject = "s", .text = "t" };
  gint64 start = g_get_monotonic_time ();

  g_assert_false (atrium_mailer_send (mailer, &mail, &error));
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_CONNECT);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_TIME_SPAN_SECOND);
}

/* A server that accepts the connection (the kernel does) but never greets. */
static void
test_timeout (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(AtriumMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  AtriumMail mail = { .to = RECIPIENT, .subject = "s", .text = "t" };
  gint64 start;
  gint64 elapsed;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_true (g_socket_listen (socket, &error));
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  mailer = new_mailer (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)),
                       NULL, NULL, 1);
  start = g_get_monotonic_time ();
  g_assert_false (atrium_mailer_send (mailer, &mail, &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed, >=, 900 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (elapsed, <, 4 * G_TIME_SPAN_SECOND);
  g_socket_close (socket, NULL);
}

static void
test_rejected (void)
{
  g_autoptr(AtriumSmtpSink) sink = new_sink ();
  g_autoptr(AtriumMailer) mailer = new_mailer (atrium_smtp_sink_get_port (sink),
                                               NULL, NULL, 10);
  g_autoptr(GError) error = NULL;
  AtriumMail gone = { .to = "gone@example.org", .subject = "s", .text = "t" };
  AtriumMail busy = { .to = "busy@example.org", .subject = "s", .text = "t" };

  atrium_smtp_sink_reject_recipient (sink, "gone@example.org", 550);
  atrium_smtp_sink_reject_recipient (sink, "busy@example.org", 450);

  g_assert_false (atrium_mailer_send (mailer, &gone, &error));
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_REJECTED);
  g_assert_nonnull (strstr (error->message, "550"));
  g_clear_error (&error);

  g_assert_false (atrium_mailer_send (mailer, &busy, &error));
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_TEMPORARY);
  g_clear_error (&error);

  atrium_smtp_sink_reject_recipient (sink, "busy@example.org", 0);
  g_assert_true (atrium_mailer_send (mailer, &busy, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_smtp_sink_wait_for (sink, 1, WAIT_MS));
  g_assert_false (atrium_smtp_sink_wait_for (sink, 2, 100));
}

#define PASSWORD "c0rrect horse\"battery"

static void
test_auth (void)
{
  g_autoptr(AtriumSmtpSink) sink = new_sink ();
  guint16 port = atrium_smtp_sink_get_port (sink);
  g_autoptr(AtriumMailer) good = new_mailer (port, "atrium", PASSWORD, 10);
  g_autoptr(AtriumMailer) wrong = new_mailer (port, "atrium", "not the password", 10);
  g_autoptr(AtriumMailer) anonymous = new_mailer (port, NULL, NULL, 10);
  g_autoptr(AtriumSmtpSinkMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  AtriumMail mail = { .to = RECIPIENT, .subject = "Your code", .text = "123456\n" };

  atrium_smtp_sink_require_auth (sink, "atrium", PASSWORD);

  g_assert_false (atrium_mailer_send (wrong, &mail, &error));
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_AUTH);
  g_assert_null (strstr (error->message, "not the password"));
  g_clear_error (&error);

  g_assert_false (atrium_mailer_send (anonymous, &mail, &error));
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_REJECTED);
  g_assert_nonnull (strstr (error->message, "530"));
  g_clear_error (&error);

  g_assert_true (atrium_mailer_send (good, &mail, &error));
  g_assert_no_error (error);
  message = only_message (sink);
  g_assert_cmpstr (message->auth_user, ==, "atrium");
}

/* ---- TLS is required and verified ---------------------------------------------------- */

static AtriumMailer *
new_tls_mailer (guint16          port,
                AtriumMailerTls  tls,
                const char      *ca_file)
{
  g_autoptr(GError) error = NULL;
  AtriumMailerConfig config = {
    .host = (char *) "127.0.0.1",
    .port = port,
    .tls = tls,
    .from_address = (char *) FROM_ADDRESS,
    .ca_file = (char *) ca_file,
    .timeout_seconds = 2,
  };
  AtriumMailer *mailer = atrium_mailer_new (&config, &error);

  g_assert_no_error (error);
  return mailer;
}

static void
test_tls (void)
{
  g_autoptr(AtriumSmtpSink) sink = new_sink ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumHttpSink) https = atrium_http_sink_new_tls (&error);
  g_autofree char *dir = g_dir_make_tmp ("atrium-test-mailer-XXXXXX", &error);
  g_autofree char *ca_file = g_build_filename (dir, "ca.pem", NULL);
  g_autoptr(AtriumMailer) starttls = NULL;
  g_autoptr(AtriumMailer) untrusted = NULL;
  g_autoptr(AtriumMailer) trusted = NULL;
  AtriumMail mail = { .to = RECIPIENT, .subject = "s", .text = "t" };

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (ca_file, atrium_http_sink_get_test_certificate_pem (),
                                      -1, &error));
  g_assert_no_error (error);

  /* The sink offers no STARTTLS: the mail must not go out in clear text. */
  starttls = new_tls_mailer (atrium_smtp_sink_get_port (sink), ATRIUM_MAILER_TLS_STARTTLS,
                             NULL);
  g_assert_false (atrium_mailer_send (starttls, &mail, &error));
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_TLS);
  g_clear_error (&error);
  g_assert_false (atrium_smtp_sink_wait_for (sink, 1, 100));

  /* Implicit TLS to a server whose certificate nobody trusts. */
  untrusted = new_tls_mailer (atrium_http_sink_get_port (https), ATRIUM_MAILER_TLS_IMPLICIT,
                              NULL);
  g_assert_false (atrium_mailer_send (untrusted, &mail, &error));
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_TLS);
  g_clear_error (&error);

  /* Trusted through ca_file: the handshake passes, and then the HTTP server never says
   * its SMTP greeting. */
  trusted = new_tls_mailer (atrium_http_sink_get_port (https), ATRIUM_MAILER_TLS_IMPLICIT,
                            ca_file);
  g_assert_false (atrium_mailer_send (trusted, &mail, &error));
  g_assert_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_TIMEOUT);

  g_assert_cmpint (g_remove (ca_file), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ---- many threads, one mailer -------------------------------------------------------- */

#define N_THREADS       4
#define MAILS_PER_THREAD 3

typedef struct
{
  AtriumMailer *mailer;
  guint         index;
} ThreadData;

static gpointer
send_from_thread (gpointer user_data)
{
  ThreadData *data = user_data;

  for (guint i = 0; i < MAILS_PER_THREAD; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *to = g_strdup_printf ("patron%u.%u@example.org", data->index, i);
      AtriumMail mail = { .to = to, .subject = SUBJECT_FR, .text = TEXT_SENT };

      if (!atrium_mailer_send (data->mailer, &mail, &error))
        return g_strdup (error->message);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(AtriumSmtpSink) sink = new_sink ();
  g_autoptr(AtriumMailer) mailer = new_mailer (atrium_smtp_sink_get_port (sink),
                                               NULL, NULL, 10);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) recipients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            NULL);
  g_autoptr(GPtrArray) messages = NULL;
  ThreadData data[N_THREADS];
  GThread *threads[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    {
      data[i].mailer = mailer;
      data[i].index = i;
      threads[i] = g_thread_new ("sender", send_from_thread, &data[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    {
      g_autofree char *failure = g_thread_join (threads[i]);

      g_assert_null (failure);
    }

  g_assert_true (atrium_smtp_sink_wait_for (sink, N_THREADS * MAILS_PER_THREAD, WAIT_MS));
  messages = atrium_smtp_sink_get_messages (sink);
  g_assert_cmpuint (messages->len, ==, N_THREADS * MAILS_PER_THREAD);
  for (guint i = 0; i < messages->len; i++)
    {
      AtriumSmtpSinkMessage *message = g_ptr_array_index (messages, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *text = atrium_smtp_sink_message_dup_text (message, &error);
      g_autofree char *expected = expected_text (TEXT_SENT);

      g_assert_no_error (error);
      g_assert_cmpstr (text, ==, expected);
      g_assert_true (g_hash_table_add (ids, header (message, "Message-ID")));
      g_assert_true (g_hash_table_add (recipients, g_strdup (message->recipients[0])));
    }
  g_assert_cmpuint (g_hash_table_size (recipients), ==, N_THREADS * MAILS_PER_THREAD);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp-sink/protocol", test_sink_protocol);
  g_test_add_func ("/mailer/plain", test_plain);
  g_test_add_func ("/mailer/folding", test_folding);
  g_test_add_func ("/mailer/attachment", test_attachment);
  g_test_add_func ("/mailer/injection", test_injection);
  g_test_add_func ("/mailer/config", test_config);
  g_test_add_func ("/mailer/dead-port", test_dead_port);
  g_test_add_func ("/mailer/timeout", test_timeout);
  g_test_add_func ("/mailer/rejected", test_rejected);
  g_test_add_func ("/mailer/auth", test_auth);
  g_test_add_func ("/mailer/tls", test_tls);
  g_test_add_func ("/mailer/threads", test_threads);

  return g_test_run ();
}
