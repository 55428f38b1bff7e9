/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-privacy"

#include "config.h"

#include "atrium-privacy.h"

#include "atrium-json.h"
#include "atrium-store-audit.h"
#include "atrium-store-privacy.h"

G_DEFINE_QUARK (atrium-privacy-error-quark, atrium_privacy_error)

/* ---- all my data ----------------------------------------------------------------------- */

typedef struct
{
  GString                *out;
  AtriumPrivacyWriteFunc  write;
  gpointer                user_data;
  GCancellable           *cancellable;
} Writer;

static gboolean
flush (Writer    *writer,
       gboolean   all,
       GError   **error)
{
  if (g_cancellable_set_error_if_cancelled (writer->cancellable, error))
    return FALSE;
  if (writer->out->len == 0 || (!all && writer->out->len < ATRIUM_PRIVACY_CHUNK_BYTES))
    return TRUE;
  if (!writer->write ((const guint8 *) writer->out->str, writer->out->len, writer->user_data,
                      error))
    return FALSE;
  g_string_truncate (writer->out, 0);
  return TRUE;
}

/* Text from the store is written as valid UTF-8 whatever it holds (a user agent). */
static void
write_text (GString    *out,
            const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  atrium_json_write_string (out, valid);
}

static void
write_value (GString                   *out,
             AtriumPrivacyCursor       *cursor,
             const AtriumPrivacyColumn *column,
             guint                      index)
{
  if (atrium_store_privacy_is_null (cursor, index))
    {
      g_string_append (out, "null");
      return;
    }
  switch (column->type)
    {
    case ATRIUM_PRIVACY_INTEGER:
      g_string_append_printf (out, "%" G_GINT64_FORMAT,
                              atrium_store_privacy_integer (cursor, index));
      break;
    case ATRIUM_PRIVACY_BOOL:
      g_string_append (out, atrium_store_privacy_integer (cursor, index) != 0 ? "true"
                                                                               : "false");
      break;
    case ATRIUM_PRIVACY_TIME:
      {
        g_autofree char *text = atrium_time_format_iso8601 (
          atrium_store_privacy_integer (cursor, index) * ATRIUM_USEC_PER_SEC);

        atrium_json_write_string (out, text);
      }
      break;
    case ATRIUM_PRIVACY_TEXT:
    default:
      write_text (out, atrium_store_privacy_text (cursor, index));
      break;
    }
}

static void
write_row (GString                    *out,
           AtriumPrivacyCursor        *cursor,
           const AtriumPrivacySection *section)
{
  g_string_append_c (out, '{');
  for (guint c = 0; c < section->n_columns; c++)
    {
      if (c > 0)
        g_string_append_c (out, ',');
      atrium_json_write_string (out, section->columns[c].name);
      g_string_append_c (out, ':');
      write_value (out, cursor, &section->columns[c], c);
    }
  g_string_append_c (out, '}');
}

static gboolean
write_section (Writer                     *writer,
               AtriumPrivacyCursor        *cursor,
               const AtriumPrivacySection *section,
               guint                       index,
               GError                    **error)
{
  gboolean have_row = FALSE;
  guint rows = 0;

  atrium_json_write_string (writer->out, section->name);
  g_string_append_c (writer->out, ':');
  if (!atrium_store_privacy_section (cursor, index, error))
    return FALSE;
  if (section->shape == ATRIUM_PRIVACY_ARRAY)
    g_string_append_c (writer->out, '[');
  for (;;)
    {
      if (!atrium_store_privacy_next (cursor, &have_row, error))
        return FALSE;
      if (!have_row)
        break;
      if (section->shape == ATRIUM_PRIVACY_VALUE)
        write_value (writer->out, cursor, &section->columns[0], 0);
      else
        {
          if (rows > 0)
            g_string_append_c (writer->out, ',');
          write_row (writer->out, cursor, section);
        }
      rows++;
      if (section->shape != ATRIUM_PRIVACY_ARRAY)
        break;
      if (!flush (writer, FALSE, error))
        return FALSE;
    }
  if (section->shape == ATRIUM_PRIVACY_ARRAY)
    g_string_append_c (writer->out, ']');
  else if (rows == 0)
    g_string_append (writer->out, "null");
  return TRUE;
}

gboolean
atrium_privacy_write_export (AtriumDb                *reader,
                             gint64                   user_id,
                             gint64                   session_id,
                             gint64                   now,
                             AtriumPrivacyWriteFunc   write,
                             gpointer                 user_data,
                             GCancellable            *cancellable,
                             GError                 **error)
{
  g_autoptr(GString) out = g_string_sized_new (ATRIUM_PRIVACY_CHUNK_BYTES + 4096);
  g_autoptr(AtriumPrivacyCursor) cursor = NULL;
  g_autofree char *stamp = atrium_time_format_iso8601 (now * ATRIUM_USEC_PER_SEC);
  Writer writer = { out, write, user_data, cancellable };
  const AtriumPrivacySection *sections;
  guint n = 0;

  cursor = atrium_store_privacy_open (reader, user_id, session_id, error);
  if (cursor == NULL)
    return FALSE;
  sections = atrium_store_privacy_sections (&n);
  g_string_append (out, "{\"format\":\"atrium-personal-data\",\"version\":1,"
                        "\"generated_at\":");
  atrium_json_write_string (out, stamp);
  for (guint i = 0; i < n; i++)
    {
      g_string_append_c (out, ',');
      if (!write_section (&writer, cursor, &sections[i], i, error))
        return FALSE;
    }
  g_string_append (out, "}\n");
  return flush (&writer, TRUE, error);
}

/* ---- erasure --------------------------------------------------------------------------- */

gboolean
atrium_privacy_erase_user (AtriumDb     *writer,
                           AtriumClock  *clock,
                           gint64        user_id,
                           const char   *event,
                           const char   *actor,
                           const char   *ip,
                           const char   *request_id,
                           gint64       *cancelled_out,
                           gint64       *anonymised_out,
                           GError      **error)
{
  g_autofree char *subject = g_strdup_printf ("user:%" G_GINT64_FORMAT, user_id);
  g_autofree char *detail = NULL;
  gint64 now = atrium_clock_now (clock);
  gint64 cancelled = 0, anonymised = 0;
  AtriumAuditEntry entry = { event, ATRIUM_AUDIT_SUCCESS, actor, subject, ip, request_id,
                             NULL };
  int last;

  if (!atrium_db_exec (writer, "BEGIN IMMEDIATE;", error))
    return FALSE;
  last = atrium_store_privacy_last_admin (writer, user_id, error);
  if (last == 1)
    g_set_error (error, ATRIUM_PRIVACY_ERROR, ATRIUM_PRIVACY_ERROR_LAST_ADMIN,
                 "This is the last administrator: give another account the admin role "
                 "first");
  if (last != 0 ||
      !atrium_store_privacy_erase (writer, user_id, now, &cancelled, &anonymised, error))
    {
      atrium_db_exec (writer, "ROLLBACK;", NULL);
      return FALSE;
    }
  /* The trail keeps the number, never the name or the address (they are gone). */
  detail = g_strdup_printf ("bookings_cancelled=%" G_GINT64_FORMAT
                            " bookings_anonymised=%" G_GINT64_FORMAT, cancelled, anonymised);
  entry.detail = detail;
  if (!atrium_store_audit_append (writer, clock, &entry, error) ||
      !atrium_db_exec (writer, "COMMIT;", error))
    {
      atrium_db_exec (writer, "ROLLBACK;", NULL);
      return FALSE;
    }
  if (cancelled_out != NULL)
    *cancelled_out = cancelled;
  if (anonymised_out != NULL)
    *anonymised_out = anonymised;
  return TRUE;
}
