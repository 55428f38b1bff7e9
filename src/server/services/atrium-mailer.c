/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-mail"

#include "config.h"

#include "atrium-mailer.h"

#include "atrium-random.h"

#include <string.h>
#include <curl/curl.h>
#include <gio/gio.h>

/*
 * Thread safety: an AtriumMailer is immutable once atrium_mailer_new() has returned, so
 * atrium_mailer_send() may run in any number of threads at once. Each call builds its
 * own message and uses its own curl easy handle; nothing is shared but the read-only
 * configuration. curl_global_init() runs once, behind a g_once, from atrium_mailer_new()
 * (so preferably while the program is still single-threaded) and is never undone.
 */

#define DEFAULT_TIMEOUT_SECONDS 30
#define MAX_TIMEOUT_SECONDS     3600
#define MAX_ADDRESS_LEN         254
#define MAX_LOCAL_PART_LEN      64
#define MAX_DOMAIN_LEN          253
#define MAX_NAME_LEN            256
#define MAX_SUBJECT_LEN         998
#define MAX_FILENAME_LEN        255
#define MAX_TEXT_LEN            (1024 * 1024)
#define MAX_ATTACHMENT_LEN      (10 * 1024 * 1024)
/* RFC 5322 says lines SHOULD stay within 78 columns; RFC 2045 caps encoded lines at 76. */
#define HEADER_LINE_LEN         78
#define QP_LINE_LEN             75
#define BASE64_LINE_LEN         76
/* 36 bytes make 48 base64 characters, a 60-column encoded-word: it fits after any of our
 * header names and on a folded line. */
#define ENCODED_WORD_BYTES      36

struct _AtriumMailer
{
  GObject          parent_instance;

  char            *host;
  guint16          port;
  AtriumMailerTls  tls;
  char            *user;
  char            *password;
  char            *from_address;
  char            *from_domain;
  char            *from_name;
  char            *ca_file;
  guint            timeout_seconds;
  char            *url;
};

G_DEFINE_FINAL_TYPE (AtriumMailer, atrium_mailer, G_TYPE_OBJECT)

G_DEFINE_QUARK (atrium-mailer-error-quark, atrium_mailer_error)

/* ---- validation ---------------------------------------------------------------------- */

static gboolean
is_atext (char c)
{
  return c != '\0' && (g_ascii_isalnum (c) || strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* A DNS name: labels of letters, digits and hyphens, not starting or ending with one. */
static gboolean
is_hostname (const char *name,
             gboolean    need_dot)
{
  gsize len = strlen (name);
  gsize label_len = 0;
  gboolean dot = FALSE;

  if (len == 0 || len > MAX_DOMAIN_LEN)
    return FALSE;

  for (const char *p = name; ; p++)
    {
      if (*p == '.' || *p == '\0')
        {
          if (label_len == 0 || label_len > 63 || p[-1] == '-')
            return FALSE;
          if (*p == '\0')
            break;
          dot = TRUE;
          label_len = 0;
          continue;
        }
      if (!g_ascii_isalnum (*p) && *p != '-')
        return FALSE;
      if (label_len == 0 && *p == '-')
        return FALSE;
      label_len++;
    }

  return dot || !need_dot;
}

/* A local part written as a dot-atom: no quoted strings, no comments. */
static gboolean
is_dot_atom (const char *text,
             gsize       len)
{
  if (len == 0 || text[0] == '.' || text[len - 1] == '.')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '.')
        {
          if (text[i + 1] == '.')
            return FALSE;
        }
      else if (!is_atext (text[i]))
        {
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
validate_address (const char  *what,
                  const char  *address,
                  int          code,
                  GError     **error)
{
  const char *at;

  if (address == NULL || *address == '\0')
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code, "The %s is missing", what);
      return FALSE;
    }
  if (strpbrk (address, "\r\n") != NULL)
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code,
                   "The %s contains a line break (header injection refused)", what);
      return FALSE;
    }
  if (strlen (address) > MAX_ADDRESS_LEN)
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code, "The %s is longer than %d characters",
                   what, MAX_ADDRESS_LEN);
      return FALSE;
    }
  if (strpbrk (address, ",;<>\"() \t") != NULL)
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code,
                   "The %s must be one bare address such as name@example.org, "
                   "without a display name, brackets or a list", what);
      return FALSE;
    }
  at = strchr (address, '@');
  if (at == NULL || strchr (at + 1, '@') != NULL)
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code,
                   "The %s must contain exactly one '@'", what);
      return FALSE;
    }
  if ((gsize) (at - address) > MAX_LOCAL_PART_LEN ||
      !is_dot_atom (address, at - address) ||
      !is_hostname (at + 1, TRUE))
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code,
                   "The %s is not a valid address such as name@example.org", what);
      return FALSE;
    }
  return TRUE;
}

/* A value that goes into a header: UTF-8, no line break (which would let the value
 * start a header of its own), no other control character. */
static gboolean
validate_header_text (const char  *what,
                      const char  *value,
                      gsize        max_len,
                      int          code,
                      GError     **error)
{
  if (value == NULL || *value == '\0')
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code, "The %s is missing", what);
      return FALSE;
    }
  if (strpbrk (value, "\r\n") != NULL)
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code,
                   "The %s contains a line break (header injection refused)", what);
      return FALSE;
    }
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code, "The %s is not valid UTF-8", what);
      return FALSE;
    }
  if (strlen (value) > max_len)
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code,
                   "The %s is longer than %" G_GSIZE_FORMAT " bytes", what, max_len);
      return FALSE;
    }
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        {
          g_set_error (error, ATRIUM_MAILER_ERROR, code,
                       "The %s contains a control character", what);
          return FALSE;
        }
    }
  return TRUE;
}

/* Returns the host without IPv6 brackets, or NULL when it is neither a host name nor an
 * IP address (anything else could rewrite the URL given to curl). */
static char *
normalize_host (const char  *host,
                GError     **error)
{
  g_autofree char *bare = NULL;
  g_autoptr(GInetAddress) address = NULL;
  gsize len;

  if (host == NULL || *host == '\0')
    {
      g_set_error_literal (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_CONFIG,
                           "The SMTP host is missing");
      return NULL;
    }

  len = strlen (host);
  if (host[0] == '[' && len > 2 && host[len - 1] == ']')
    bare = g_strndup (host + 1, len - 2);
  else
    bare = g_strdup (host);

  if (strspn (bare, "0123456789abcdefABCDEF:.") == strlen (bare))
    address = g_inet_address_new_from_string (bare);

  if (address != NULL && (host[0] != '[' ||
                          g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6))
    return g_inet_address_to_string (address);
  if (host[0] != '[' && is_hostname (bare, FALSE))
    return g_ascii_strdown (bare, -1);

  g_set_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_CONFIG,
               "The SMTP host is neither a host name nor an IP address");
  return NULL;
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* ---- message building ---------------------------------------------------------------- */

static void
append_date (GString *out)
{
  /* English names by definition (RFC 5322 §3.3), whatever the locale. */
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  g_string_append_printf (out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
                          days[g_date_time_get_day_of_week (now) - 1],
                          g_date_time_get_day_of_month (now),
                          months[g_date_time_get_month (now) - 1],
                          g_date_time_get_year (now),
                          g_date_time_get_hour (now),
                          g_date_time_get_minute (now),
                          g_date_time_get_second (now));
}

/* RFC 2047 B-encoded words, folded one per line, never splitting a UTF-8 sequence:
 * decoders ignore the folding white space between adjacent encoded-words. */
static void
append_encoded_words (GString    *out,
                      const char *text,
                      gsize      *column)
{
  const char *p = text;
  gboolean first = TRUE;

  while (*p != '\0')
    {
      const char *end = p;
      g_autofree char *b64 = NULL;

      const char *after_space = NULL;

      while (*end != '\0' &&
             (gsize) (g_utf8_next_char (end) - p) <= ENCODED_WORD_BYTES)
        {
          if (*end == ' ')
            after_space = end + 1;
          end = g_utf8_next_char (end);
        }
      /* Prefer to cut after a space: some decoders wrongly keep the folding white
       * space between encoded-words, and then at least no word is split. */
      if (*end != '\0' && after_space != NULL && after_space < end)
        end = after_space;

      b64 = g_base64_encode ((const guchar *) p, end - p);
      if (!first)
        {
          g_string_append (out, "\r\n ");
          *column = 1;
        }
      g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);
      *column += strlen ("=?UTF-8?B?") + strlen (b64) + strlen ("?=");
      first = FALSE;
      p = end;
    }
}

static gboolean
is_printable_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
        return FALSE;
    }
  return TRUE;
}

/* Plain ASCII stays readable; anything that would need care (8-bit, something that
 * looks like an encoded-word, odd spacing, an unfoldable word) is encoded instead. */
static void
append_subject (GString    *out,
                const char *subject)
{
  gsize column = strlen ("Subject: ");
  g_auto(GStrv) words = NULL;
  gboolean plain;

  plain = is_printable_ascii (subject) &&
          strstr (subject, "=?") == NULL &&
          strstr (subject, "  ") == NULL &&
          subject[0] != ' ' &&
          subject[strlen (subject) - 1] != ' ';

  words = g_strsplit (subject, " ", -1);
  for (guint i = 0; plain && words[i] != NULL; i++)
    {
      if (strlen (words[i]) + 1 + column > HEADER_LINE_LEN)
        plain = FALSE;
    }

  g_string_append (out, "Subject: ");
  if (!plain)
    {
      append_encoded_words (out, subject, &column);
    }
  else
    {
      for (guint i = 0; words[i] != NULL; i++)
        {
          gsize len = strlen (words[i]);

          if (i > 0 && column + 1 + len > HEADER_LINE_LEN)
            {
              g_string_append (out, "\r\n");
              column = 0;
            }
          if (i > 0)
            {
              g_string_append_c (out, ' ');
              column++;
            }
          g_string_append (out, words[i]);
          column += len;
        }
    }
  g_string_append (out, "\r\n");
}

static void
append_from (GString    *out,
             const char *name,
             const char *address)
{
  gsize column = strlen ("From: ");

  g_string_append (out, "From: ");
  if (name == NULL)
    {
      g_string_append_printf (out, "%s\r\n", address);
      return;
    }

  if (is_printable_ascii (name) && strlen (name) <= 60)
    {
      gsize start = out->len;

      g_string_append_c (out, '"');
      for (const char *p = name; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
      column += out->len - start;
    }
  else
    {
      append_encoded_words (out, name, &column);
    }

  if (column + 3 + strlen (address) > HEADER_LINE_LEN)
    g_string_append_printf (out, "\r\n <%s>\r\n", address);
  else
    g_string_append_printf (out, " <%s>\r\n", address);
}

static void
append_qp_line (GString    *out,
                const char *line,
                gsize       len)
{
  gsize column = 0;

  for (gsize i = 0; i < len; i++)
    {
      guchar c = line[i];
      char token[4];
      gsize token_len;

      /* Space and tab are literal except at the end of a line, where transports may
       * strip them; "From " at the start of a line is mangled by mbox, so hide it. */
      if (((c == ' ' || c == '\t') && i + 1 < len) ||
          (c >= 33 && c <= 126 && c != '=' &&
           !(i == 0 && c == 'F' && len >= 5 && strncmp (line, "From ", 5) == 0)))
        {
          token[0] = c;
          token_len = 1;
        }
      else
        {
          g_snprintf (token, sizeof token, "=%02X", c);
          token_len = 3;
        }

      if (column + token_len > QP_LINE_LEN)
        {
          g_string_append (out, "=\r\n");
          column = 0;
        }
      g_string_append_len (out, token, token_len);
      column += token_len;
    }
}

/* Quoted-printable with CRLF line breaks, whatever breaks the text used (CRLF, LF or a
 * lone CR); the result always ends with a line break. */
static void
append_quoted_printable (GString    *out,
                         const char *text)
{
  const char *p = text;

  while (*p != '\0')
    {
      gsize len = strcspn (p, "\r\n");

      append_qp_line (out, p, len);
      g_string_append (out, "\r\n");
      p += len;
      if (p[0] == '\r' && p[1] == '\n')
        p += 2;
      else if (*p != '\0')
        p++;
    }
}

static void
append_base64_lines (GString *out,
                     GBytes  *data)
{
  gsize len = 0;
  const guchar *bytes = g_bytes_get_data (data, &len);
  g_autofree char *b64 = g_base64_encode (bytes, len);
  gsize b64_len = strlen (b64);

  for (gsize i = 0; i < b64_len; i += BASE64_LINE_LEN)
    {
      g_string_append_len (out, b64 + i, MIN (BASE64_LINE_LEN, b64_len - i));
      g_string_append (out, "\r\n");
    }
}

/* RFC 2045 token characters. */
static gboolean
is_token_char (char c)
{
  return (guchar) c > 32 && (guchar) c < 127 && strchr ("()<>@,;:\\\"/[]?=", c) == NULL;
}

static gsize
span_token (const char *p)
{
  gsize n = 0;

  while (is_token_char (p[n]))
    n++;
  return n;
}

/* Parses "type/subtype; name=value; name="quoted value"" into the media type and its
 * parameters, so that a header is only ever built from well-formed pieces. */
static gboolean
parse_content_type (const char  *text,
                    char       **media_type_out,
                    GPtrArray   *params,
                    GError     **error)
{
  const char *p = text;
  gsize n;

  if (strpbrk (text, "\r\n") != NULL)
    {
      g_set_error_literal (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_MESSAGE,
                           "The attachment type contains a line break "
                           "(header injection refused)");
      return FALSE;
    }

  while (*p == ' ')
    p++;
  n = span_token (p);
  if (n == 0 || p[n] != '/' || span_token (p + n + 1) == 0)
    goto invalid;
  n += 1 + span_token (p + n + 1);
  *media_type_out = g_strndup (p, n);
  p += n;

  while (TRUE)
    {
      const char *start;

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        return TRUE;
      if (*p++ != ';')
        goto invalid;
      while (*p == ' ' || *p == '\t')
        p++;
      start = p;
      n = span_token (p);
      if (n == 0 || p[n] != '=')
        goto invalid;
      p += n + 1;
      if (*p == '"')
        {
          for (p++; *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              if (*p == '\0' || (guchar) *p < 0x20 || (guchar) *p > 0x7e)
                goto invalid;
            }
          p++;
        }
      else
        {
          n = span_token (p);
          if (n == 0)
            goto invalid;
          p += n;
        }
      g_ptr_array_add (params, g_strndup (start, p - start));
    }

invalid:
  g_clear_pointer (media_type_out, g_free);
  g_set_error_literal (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_INVALID_MESSAGE,
                       "The attachment type is not a MIME type such as "
                       "\"text/calendar; method=REQUEST\"");
  return FALSE;
}

static void
append_folded_params (GString    *out,
                      const char *header,
                      const char *value,
                      GPtrArray  *params)
{
  gsize column = strlen (header) + 2 + strlen (value);

  g_string_append_printf (out, "%s: %s", header, value);
  for (guint i = 0; i < params->len; i++)
    {
      const char *param = g_ptr_array_index (params, i);

      if (column + 2 + strlen (param) > HEADER_LINE_LEN)
        {
          g_string_append_printf (out, ";\r\n %s", param);
          column = 1 + strlen (param);
        }
      else
        {
          g_string_append_printf (out, "; %s", param);
          column += 2 + strlen (param);
        }
    }
  g_string_append (out, "\r\n");
}

/* A quoted filename when it is plain ASCII, else RFC 2231's filename*=UTF-8''… */
static char *
format_filename_param (const char *name)
{
  GString *param;

  if (is_printable_ascii (name) && strpbrk (name, "\"\\") == NULL)
    return g_strdup_printf ("filename=\"%s\"", name);

  param = g_string_new ("filename*=UTF-8''");
  for (const char *p = name; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("!#$&+-.^_`|~", *p) != NULL)
        g_string_append_c (param, *p);
      else
        g_string_append_printf (param, "%%%02X", (guchar) *p);
    }
  return g_string_free (param, FALSE);
}

static gboolean
validate_mail (const AtriumMail  *mail,
               GError           **error)
{
  const int code = ATRIUM_MAILER_ERROR_INVALID_MESSAGE;

  if (!validate_address ("recipient address", mail->to, code, error) ||
      !validate_header_text ("subject", mail->subject, MAX_SUBJECT_LEN, code, error))
    return FALSE;

  if (mail->text == NULL || !g_utf8_validate (mail->text, -1, NULL))
    {
      g_set_error_literal (error, ATRIUM_MAILER_ERROR, code,
                           "The text of the mail is missing or not valid UTF-8");
      return FALSE;
    }
  if (strlen (mail->text) > MAX_TEXT_LEN)
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code,
                   "The text of the mail is longer than %d bytes", MAX_TEXT_LEN);
      return FALSE;
    }

  if (mail->attachment == NULL)
    {
      if (mail->attachment_name != NULL || mail->attachment_type != NULL)
        {
          g_set_error_literal (error, ATRIUM_MAILER_ERROR, code,
                               "An attachment name or type is given without an attachment");
          return FALSE;
        }
      return TRUE;
    }

  if (g_bytes_get_size (mail->attachment) > MAX_ATTACHMENT_LEN)
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code,
                   "The attachment is larger than %d bytes", MAX_ATTACHMENT_LEN);
      return FALSE;
    }
  if (mail->attachment_name != NULL)
    {
      if (!validate_header_text ("attachment name", mail->attachment_name,
                                 MAX_FILENAME_LEN, code, error))
        return FALSE;
      if (strpbrk (mail->attachment_name, "/\\") != NULL)
        {
          g_set_error_literal (error, ATRIUM_MAILER_ERROR, code,
                               "The attachment name must not contain a slash or backslash");
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * atrium_mailer_build_message:
 * @self: a mailer
 * @mail: the mail
 * @error: return location for an #ATRIUM_MAILER_ERROR_INVALID_MESSAGE
 *
 * Builds the RFC 5322 message that atrium_mailer_send() would submit: 7-bit, CRLF line
 * breaks, header lines folded within 78 columns, non-ASCII header text as RFC 2047
 * encoded-words, the text quoted-printable (its line breaks become CRLF and it always
 * ends with one), an attachment base64 in a multipart/mixed.
 *
 * Returns: (transfer full): the message, or %NULL if @mail is not acceptable
 */
GBytes *
atrium_mailer_build_message (AtriumMailer      *self,
                             const AtriumMail  *mail,
                             GError           **error)
{
  g_autoptr(GString) out = NULL;
  g_autofree char *message_id = NULL;

  g_return_val_if_fail (ATRIUM_IS_MAILER (self), NULL);
  g_return_val_if_fail (mail != NULL, NULL);

  if (!validate_mail (mail, error))
    return NULL;

  out = g_string_sized_new (1024 + strlen (mail->text) * 3 +
                            (mail->attachment ? g_bytes_get_size (mail->attachment) * 2 : 0));
  message_id = atrium_random_hex (16);

  append_date (out);
  append_from (out, self->from_name, self->from_address);
  g_string_append_printf (out, "To: %s\r\n", mail->to);
  append_subject (out, mail->subject);
  g_string_append_printf (out, "Message-ID: <%s@%s>\r\n", message_id, self->from_domain);
  g_string_append (out, "MIME-Version: 1.0\r\n");
  /* RFC 3834: tells vacation responders not to answer. */
  g_string_append (out, "Auto-Submitted: auto-generated\r\n");

  if (mail->attachment == NULL)
    {
      g_string_append (out, "Content-Type: text/plain; charset=UTF-8\r\n"
                            "Content-Transfer-Encoding: quoted-printable\r\n"
                            "\r\n");
      append_quoted_printable (out, mail->text);
    }
  else
    {
      /* "=_" cannot occur in quoted-printable or base64 text, so the boundary cannot
       * collide with the content; the random part keeps it unique when nested. */
      g_autofree char *random = atrium_random_hex (12);
      g_autofree char *boundary = g_strdup_printf ("=_atrium_%s", random);
      g_autofree char *media_type = NULL;
      g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) disposition = g_ptr_array_new_with_free_func (g_free);

      if (!parse_content_type (mail->attachment_type ? mail->attachment_type
                                                     : "application/octet-stream",
                               &media_type, params, error))
        return NULL;
      if (mail->attachment_name != NULL)
        g_ptr_array_add (disposition, format_filename_param (mail->attachment_name));

      g_string_append_printf (out, "Content-Type: multipart/mixed;\r\n"
                                   " boundary=\"%s\"\r\n"
                                   "\r\n"
                                   "This is a message in MIME format.\r\n"
                                   "--%s\r\n"
                                   "Content-Type: text/plain; charset=UTF-8\r\n"
                                   "Content-Transfer-Encoding: quoted-printable\r\n"
                                   "\r\n",
                              boundary, boundary);
      append_quoted_printable (out, mail->text);
      /* The CRLF before a delimiter belongs to the delimiter, not to the part. */
      g_string_append_printf (out, "\r\n--%s\r\n", boundary);
      append_folded_params (out, "Content-Type", media_type, params);
      g_string_append (out, "Content-Transfer-Encoding: base64\r\n");
      append_folded_params (out, "Content-Disposition", "attachment", disposition);
      g_string_append (out, "\r\n");
      append_base64_lines (out, mail->attachment);
      g_string_append_printf (out, "\r\n--%s--\r\n", boundary);
    }

  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* ---- sending ------------------------------------------------------------------------- */

static gboolean
ensure_curl (GError **error)
{
  static gsize initialised = 0;
  static CURLcode result = CURLE_OK;

  if (g_once_init_enter (&initialised))
    {
      result = curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&initialised, 1);
    }
  if (result != CURLE_OK)
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_FAILED,
                   "libcurl could not be initialised: %s", curl_easy_strerror (result));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
} Upload;

static size_t
upload_read_cb (char   *buffer,
                size_t  size,
                size_t  nitems,
                void   *user_data)
{
  Upload *upload = user_data;
  gsize n = MIN (size * nitems, upload->len - upload->pos);

  memcpy (buffer, upload->data + upload->pos, n);
  upload->pos += n;
  return n;
}

static int
error_code_for (CURLcode result,
                long     reply)
{
  switch (result)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return ATRIUM_MAILER_ERROR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
      return ATRIUM_MAILER_ERROR_TIMEOUT;
    case CURLE_LOGIN_DENIED:
      return ATRIUM_MAILER_ERROR_AUTH;
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
      return ATRIUM_MAILER_ERROR_TLS;
    default:
      if (reply >= 500 && reply < 600)
        return ATRIUM_MAILER_ERROR_REJECTED;
      if (reply >= 400 && reply < 500)
        return ATRIUM_MAILER_ERROR_TEMPORARY;
      return ATRIUM_MAILER_ERROR_FAILED;
    }
}

#define SET_OPTION(option, value) \
  G_STMT_START { \
    if (result == CURLE_OK) \
      result = curl_easy_setopt (curl, option, value); \
  } G_STMT_END

/**
 * atrium_mailer_send:
 * @self: a mailer
 * @mail: the mail
 * @error: return location for an #AtriumMailerError
 *
 * Builds the message (see atrium_mailer_build_message()) and submits it. Blocks for up
 * to the configured timeout: call it from a worker thread, never from a main loop. Safe
 * to call from several threads at once. A mail that is not acceptable fails before any
 * connection is made.
 *
 * Returns: %TRUE once the server accepted the mail
 */
gboolean
atrium_mailer_send (AtriumMailer      *self,
                    const AtriumMail  *mail,
                    GError           **error)
{
  g_autoptr(GBytes) message = NULL;
  g_autofree char *mail_from = NULL;
  g_autofree char *rcpt_to = NULL;
  struct curl_slist *recipients = NULL;
  char error_buffer[CURL_ERROR_SIZE] = "";
  Upload upload = { 0, };
  CURLcode result = CURLE_OK;
  long reply = 0;
  CURL *curl;

  g_return_val_if_fail (ATRIUM_IS_MAILER (self), FALSE);
  g_return_val_if_fail (mail != NULL, FALSE);

  message = atrium_mailer_build_message (self, mail, error);
  if (message == NULL || !ensure_curl (error))
    return FALSE;

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error_literal (error, ATRIUM_MAILER_ERROR, ATRIUM_MAILER_ERROR_FAILED,
                           "libcurl could not create a handle");
      return FALSE;
    }

  upload.data = g_bytes_get_data (message, &upload.len);
  mail_from = g_strdup_printf ("<%s>", self->from_address);
  rcpt_to = g_strdup_printf ("<%s>", mail->to);
  recipients = curl_slist_append (NULL, rcpt_to);

  SET_OPTION (CURLOPT_ERRORBUFFER, error_buffer);
  SET_OPTION (CURLOPT_URL, self->url);
  SET_OPTION (CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  /* No proxy from the environment: submission goes straight to the configured server. */
  SET_OPTION (CURLOPT_PROXY, "");
  SET_OPTION (CURLOPT_NOSIGNAL, 1L);
  SET_OPTION (CURLOPT_CONNECTTIMEOUT, (long) self->timeout_seconds);
  SET_OPTION (CURLOPT_TIMEOUT, (long) self->timeout_seconds);
  SET_OPTION (CURLOPT_USE_SSL, (long) (self->tls == ATRIUM_MAILER_TLS_NONE ? CURLUSESSL_NONE
                                                                           : CURLUSESSL_ALL));
  SET_OPTION (CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
  SET_OPTION (CURLOPT_SSL_VERIFYPEER, 1L);
  SET_OPTION (CURLOPT_SSL_VERIFYHOST, 2L);
  if (self->ca_file != NULL)
    {
      /* The configured CAs replace the system's, as in AtriumSms. */
      SET_OPTION (CURLOPT_CAINFO, self->ca_file);
      SET_OPTION (CURLOPT_CAPATH, (char *) NULL);
    }
  if (self->user != NULL)
    {
      SET_OPTION (CURLOPT_USERNAME, self->user);
      SET_OPTION (CURLOPT_PASSWORD, self->password);
    }
  SET_OPTION (CURLOPT_MAIL_FROM, mail_from);
  SET_OPTION (CURLOPT_MAIL_RCPT, recipients);
  SET_OPTION (CURLOPT_UPLOAD, 1L);
  SET_OPTION (CURLOPT_READFUNCTION, upload_read_cb);
  SET_OPTION (CURLOPT_READDATA, &upload);

  if (result == CURLE_OK)
    result = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply);

  curl_easy_cleanup (curl);
  curl_slist_free_all (recipients);

  if (result != CURLE_OK)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      g_string_append_printf (text, "Could not send mail through %s port %u: %s",
                              self->host, self->port,
                              error_buffer[0] != '\0' ? error_buffer
                                                      : curl_easy_strerror (result));
      if (reply > 0)
        g_string_append_printf (text, " (last SMTP reply %ld)", reply);
      g_set_error_literal (error, ATRIUM_MAILER_ERROR, error_code_for (result, reply),
                           text->str);
      return FALSE;
    }

  return TRUE;
}

#undef SET_OPTION

/* ---- object -------------------------------------------------------------------------- */

static void
atrium_mailer_finalize (GObject *object)
{
  AtriumMailer *self = ATRIUM_MAILER (object);

  g_free (self->host);
  g_free (self->user);
  atrium_secure_free_string (self->password);
  g_free (self->from_address);
  g_free (self->from_domain);
  g_free (self->from_name);
  g_free (self->ca_file);
  g_free (self->url);

  G_OBJECT_CLASS (atrium_mailer_parent_class)->finalize (object);
}

static void
atrium_mailer_class_init (AtriumMailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = atrium_mailer_finalize;
}

static void
atrium_mailer_init (AtriumMailer *self G_GNUC_UNUSED)
{
}

/**
 * atrium_mailer_config_clear:
 * @config: a config whose strings are owned by it
 *
 * Frees the strings of @config (wiping the password) and zeroes it.
 */
void
atrium_mailer_config_clear (AtriumMailerConfig *config)
{
  g_free (config->host);
  g_free (config->user);
  atrium_secure_free_string (config->password);
  g_free (config->from_address);
  g_free (config->from_name);
  g_free (config->ca_file);
  memset (config, 0, sizeof *config);
}

/* The name we give in EHLO: this machine's, when it is a valid host name. */
static const char *
ehlo_name (void)
{
  const char *name = g_get_host_name ();

  return is_hostname (name, FALSE) ? name : "localhost";
}

/**
 * atrium_mailer_new:
 * @config: the configuration, copied
 * @error: return location for an #ATRIUM_MAILER_ERROR_INVALID_CONFIG
 *
 * Checks @config and creates a mailer. Refuses an empty host or port 0, a From address
 * that is not plausible, a display name with a line break, and clear text
 * (%ATRIUM_MAILER_TLS_NONE) to anything but a loopback host.
 *
 * Returns: (transfer full): a new mailer, or %NULL
 */
AtriumMailer *
atrium_mailer_new (const AtriumMailerConfig  *config,
                   GError                   **error)
{
  const int code = ATRIUM_MAILER_ERROR_INVALID_CONFIG;
  g_autofree char *host = NULL;
  AtriumMailer *self;

  g_return_val_if_fail (config != NULL, NULL);

  host = normalize_host (config->host, error);
  if (host == NULL)
    return NULL;
  if (config->port == 0)
    {
      g_set_error_literal (error, ATRIUM_MAILER_ERROR, code,
                           "The SMTP port must be between 1 and 65535");
      return NULL;
    }
  switch (config->tls)
    {
    case ATRIUM_MAILER_TLS_NONE:
      if (!host_is_loopback (host))
        {
          g_set_error (error, ATRIUM_MAILER_ERROR, code,
                       "Refusing to send mail in clear text to %s: TLS \"none\" is only "
                       "allowed for a loopback host (127.0.0.1, ::1, localhost); "
                       "use STARTTLS or implicit TLS", host);
          return NULL;
        }
      break;
    case ATRIUM_MAILER_TLS_STARTTLS:
    case ATRIUM_MAILER_TLS_IMPLICIT:
      break;
    default:
      g_set_error_literal (error, ATRIUM_MAILER_ERROR, code, "Unknown SMTP TLS mode");
      return NULL;
    }
  if (config->password != NULL && config->user == NULL)
    {
      g_set_error_literal (error, ATRIUM_MAILER_ERROR, code,
                           "An SMTP password is set without a user");
      return NULL;
    }
  if (config->user != NULL &&
      !validate_header_text ("SMTP user", config->user, MAX_ADDRESS_LEN, code, error))
    return NULL;
  if (!validate_address ("From address", config->from_address, code, error))
    return NULL;
  if (config->from_name != NULL && *config->from_name != '\0' &&
      !validate_header_text ("From name", config->from_name, MAX_NAME_LEN, code, error))
    return NULL;
  if (config->timeout_seconds > MAX_TIMEOUT_SECONDS)
    {
      g_set_error_literal (error, ATRIUM_MAILER_ERROR, code,
                           "The SMTP timeout must be at most 3600 seconds");
      return NULL;
    }
  if (config->ca_file != NULL &&
      !g_file_test (config->ca_file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, ATRIUM_MAILER_ERROR, code,
                   "The CA file %s does not exist or is not a regular file", config->ca_file);
      return NULL;
    }
  if (!ensure_curl (error))
    return NULL;

  self = g_object_new (ATRIUM_TYPE_MAILER, NULL);
  self->host = g_steal_pointer (&host);
  self->port = config->port;
  self->tls = config->tls;
  self->user = g_strdup (config->user);
  if (config->user != NULL)
    self->password = g_strdup (config->password != NULL ? config->password : "");
  self->from_address = g_strdup (config->from_address);
  self->from_domain = g_strdup (strchr (config->from_address, '@') + 1);
  if (config->from_name != NULL && *config->from_name != '\0')
    self->from_name = g_strdup (config->from_name);
  self->ca_file = g_strdup (config->ca_file);
  self->timeout_seconds = config->timeout_seconds > 0 ? config->timeout_seconds
                                                      : DEFAULT_TIMEOUT_SECONDS;
  self->url = g_strdup_printf ("%s://%s%s%s:%u/%s",
                               self->tls == ATRIUM_MAILER_TLS_IMPLICIT ? "smtps" : "smtp",
                               strchr (self->host, ':') != NULL ? "[" : "",
                               self->host,
                               strchr (self->host, ':') != NULL ? "]" : "",
                               self->port, ehlo_name ());
  return self;
}
