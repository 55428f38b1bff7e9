/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Exports (GET /api/v1/export/{table} and `atrium-server export`) against the real
 * server binary on a seeded store. Every export is read back with tools of its own:
 * CSV with python3's csv module, XLSX unzipped and its sheet parsed here, and compared
 * cell by cell with what the store holds, read with SQL of the test's own. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-download.h"
#include "atrium-export.h"
#include "atrium-random.h"
#include "atrium-store.h"
#include "atrium-store-audit.h"
#include "atrium-store-export.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"

/* The seeded bookings are from 2025: the retention job must leave them named. */
#define CONFIG "[brute_force]\nip_max_failures = 10000\n" \
               "[limits]\nrequests_per_minute_per_ip = 1000000\n" \
               "requests_per_minute_per_account = 1000000\n" \
               "[privacy]\nretention_days = 3650\n"

#define PASSWORD "Sunflower&Tea42x"

/* The seeded buckets: 2025-03-03T08:00:00Z and the three after it. */
#define T_SEED     G_GINT64_CONSTANT (1740988800)
#define N_BUCKETS  4
#define RANGE      "from=2025-03-01&to=2025-04-01"

/* Text written as data that a spreadsheet would take for a formula. */
static const char * const injections[] = {
  "=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\tTab room", "\rCR room",
};

/* Names that CSV must quote, and text that is not a formula. */
static const char * const awkward[] = {
  "Reading Room", "Science, \"Annex\"", "Multi\nline, «Ü» 日本", "a\r\nb",
};

/* ---- the world: one server for most tests ---------------------------------------------- */

typedef struct
{
  AtriumTestProcess *proc;
  char              *admin;
  char              *reporting;
  char              *manager;      /* manager of site 1 only */
  char              *patron;
  char              *work;         /* scratch files */
} World;

static World world;

static sqlite3 *
db_handle (AtriumDb *db)
{
  return atrium_db_get_handle (db);
}

static void
exec_sql (AtriumDb   *db,
          const char *sql)
{
  g_autoptr(GError) error = NULL;

  atrium_db_exec (db, sql, &error);
  g_assert_no_error (error);
}

static gint64
insert_named (AtriumDb   *db,
              const char *sql,
              gint64      site,
              const char *name)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db_handle (db), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, site);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return sqlite3_last_insert_rowid (db_handle (db));
}

/* N_BUCKETS buckets of a space or a queue; the first counts -2 entries (a numeric cell
 * that starts with '-' is not a formula), a queue's first has no waiting samples. */
static void
insert_buckets (AtriumDb *db,
                gint64    space,
                gint64    queue)
{
  g_autofree char *space_text = space != 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, space)
                                             : g_strdup ("NULL");
  g_autofree char *queue_text = queue != 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, queue)
                                             : g_strdup ("NULL");

  for (gint64 k = 0; k < N_BUCKETS; k++)
    {
      g_autofree char *sql = g_strdup_printf (
        "INSERT INTO stat_bucket (space_id, queue_id, start, entries, exits, peak, area,"
        " wait_sum, wait_n) VALUES (%s, %s, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %f, %" G_GINT64_FORMAT
        ");",
        space_text, queue_text,
        T_SEED + k * 300, k * 3 - 2 + space + queue, k, k + 1, k * 451 + space,
        queue != 0 ? k * 93.5 : 0.0, queue != 0 ? k : 0);

      exec_sql (db, sql);
    }
}

static char *
useradd (const char *data_dir,
         const char *name,
         const char *role)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", name);
  const char *args[] = { "useradd", "--data-dir", data_dir, name, "--email", email,
                         "--role", role, "--password-stdin", NULL };
  char *out = NULL;

  g_assert_cmpint (atrium_test_run_server_input (PASSWORD "\n", &out, NULL, args), ==, 0);
  return out;
}

/* One booking; 0 stands for NULL in @user and the times after @status. */
static void
insert_booking (AtriumDb   *db,
                gint64      resource,
                gint64      user,
                gint64      starts,
                gint64      minutes,
                const char *status,
                gint64      cancelled_at,
                gint64      check_in_at,
                gint64      anonymised_at)
{
  const gint64 times[] = { cancelled_at, check_in_at, anonymised_at };
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db_handle (db),
                                       "INSERT INTO booking (resource_id, user_id, created_by,"
                                       " starts, ends, status, group_size, created_at,"
                                       " cancelled_at, check_in_at, anonymised_at)"
                                       " VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10);",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, resource);
  if (user != 0)
    sqlite3_bind_int64 (stmt, 2, user);
  sqlite3_bind_int64 (stmt, 3, starts);
  sqlite3_bind_int64 (stmt, 4, starts + minutes * 60);
  sqlite3_bind_text (stmt, 5, status, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, minutes / 30);
  sqlite3_bind_int64 (stmt, 7, starts - 86400);
  for (int i = 0; i < 3; i++)
    if (times[i] != 0)
      sqlite3_bind_int64 (stmt, 8 + i, times[i]);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
}

/* Bookings at both sites, one of them anonymised (no user), one outside RANGE; a
 * resource named like a formula, its owner too ('@SUM(1)'). */
static void
seed_bookings (AtriumDb *db,
               gint64    user)
{
  const char *resource_sql = "INSERT INTO resource (site_id, type, name)"
                             " VALUES (?1, 'seat', ?2);";
  gint64 seat = insert_named (db, resource_sql, 1, injections[0]);
  gint64 carrel = insert_named (db, resource_sql, 2, awkward[1]);

  insert_booking (db, seat, user, T_SEED, 60, "completed", 0, T_SEED, 0);
  insert_booking (db, seat, 0, T_SEED + 3600, 60, "no_show", 0, 0, T_SEED + 86400);
  insert_booking (db, seat, user, T_SEED, 30, "cancelled", T_SEED - 600, 0, 0);
  insert_booking (db, carrel, user, T_SEED + 600, 120, "booked", 0, 0, 0);
  insert_booking (db, carrel, user, T_SEED + 40 * 86400, 30, "booked", 0, 0, 0);
}

typedef struct
{
  char *secrets[4];   /* useradd's output, for the TOTP seeds */
} Seeded;

/* Two sites, spaces and queues named with every awkward and dangerous text, their
 * buckets, an account with a password hash and a TOTP seed that must never be exported,
 * audit entries whose details are formulas, and the four people who sign in. */
static void
seed_world (const char *data_dir,
            gpointer    user_data)
{
  Seeded *seeded = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);
  g_autoptr(AtriumClock) clock = atrium_clock_new_system ();
  const char *space_sql = "INSERT INTO space (site_id, name, kind, capacity)"
                          " VALUES (?1, ?2, 'reading_room', 40);";
  const char *queue_sql = "INSERT INTO queue (site_id, name, kind) VALUES (?1, ?2, 'other');";

  g_assert_no_error (error);
  exec_sql (db, "BEGIN;");
  exec_sql (db, "INSERT INTO site (id, name, timezone) VALUES (1, 'Central Library',"
                " 'Europe/Paris');");
  insert_named (db, "INSERT INTO site (id, name, timezone) VALUES (?1, ?2, 'Europe/Paris');",
                2, awkward[1]);
  insert_buckets (db, insert_named (db, space_sql, 1, awkward[0]), 0);
  insert_buckets (db, insert_named (db, space_sql, 1, injections[0]), 0);
  for (guint i = 1; i < G_N_ELEMENTS (injections); i++)
    insert_buckets (db, insert_named (db, space_sql, 2, injections[i]), 0);
  insert_buckets (db, insert_named (db, space_sql, 2, awkward[2]), 0);
  insert_buckets (db, 0, insert_named (db, queue_sql, 1, "Help desk"));
  insert_buckets (db, 0, insert_named (db, queue_sql, 2, awkward[3]));
  exec_sql (db, "INSERT INTO user (name, email, password_hash, password_changed_at,"
                " totp_secret, totp_pending, created_at) VALUES ('@SUM(1)',"
                " '=HYPERLINK(\"http://x\")@example.org',"
                " '$argon2id$v=19$m=65536,t=2,p=1$MARKERSALT$MARKERHASH', 1740988800,"
                " 'MARKERSEED', 'MARKERPENDING', 1740988800);");
  seed_bookings (db, sqlite3_last_insert_rowid (db_handle (db)));
  exec_sql (db, "COMMIT;");
  for (guint i = 0; i < 4; i++)
    {
      AtriumAuditEntry entry = { "test_entry", ATRIUM_AUDIT_SUCCESS, "cli", "test",
                                 NULL, NULL, injections[i] };

      g_assert_true (atrium_store_audit_append (db, clock, &entry, &error));
      g_assert_no_error (error);
    }

  seeded->secrets[0] = useradd (data_dir, "ada-admin", "admin");
  seeded->secrets[1] = useradd (data_dir, "rita-reporting", "reporting");
  seeded->secrets[2] = useradd (data_dir, "max-manager", "manager:1");
  seeded->secrets[3] = useradd (data_dir, "pat-patron", "patron");
}

static char *
sign_in (guint16     port,
         const char *name,
         const char *useradd_out)
{
  return atrium_test_sign_in (port, name, PASSWORD, useradd_out,
                              g_get_real_time () / G_USEC_PER_SEC);
}

static void
world_start (void)
{
  Seeded seeded = { { NULL } };
  g_autoptr(GError) error = NULL;

  world.proc = atrium_test_process_start_seeded (CONFIG, NULL, seed_world, &seeded);
  world.admin = sign_in (world.proc->insecure_port, "ada-admin", seeded.secrets[0]);
  world.reporting = sign_in (world.proc->insecure_port, "rita-reporting", seeded.secrets[1]);
  world.manager = sign_in (world.proc->insecure_port, "max-manager", seeded.secrets[2]);
  world.patron = sign_in (world.proc->insecure_port, "pat-patron", seeded.secrets[3]);
  for (guint i = 0; i < 4; i++)
    g_free (seeded.secrets[i]);
  world.work = g_dir_make_tmp ("atrium-test-export-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
world_stop (void)
{
  g_assert_cmpint (atrium_test_process_stop (world.proc), ==, 0);
  atrium_test_remove_tree (world.work);
  g_free (world.work);
  g_free (world.admin);
  g_free (world.reporting);
  g_free (world.manager);
  g_free (world.patron);
}

static char *
work_path (const char *name)
{
  return g_build_filename (world.work, name, NULL);
}

/* ---- downloads ------------------------------------------------------------------------- */

/* GET @path into @file, a buffer at a time; samples the server's RSS on the way when
 * @peak_kib is given. Returns the status. */
static guint
download (AtriumTestProcess   *proc,
          const char          *token,
          const char          *path,
          const char          *file,
          SoupMessageHeaders **headers_out,
          gsize               *peak_kib)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 120, NULL);
  g_autofree char *url = atrium_test_process_url (proc, path);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buffer = g_malloc (65536);
  FILE *out = fopen (file, "wb");
  guint reads = 0;

  g_assert_nonnull (out);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    bearer);
    }
  in = soup_session_send (session, msg, NULL, &error);
  g_assert_no_error (error);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, 65536, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      g_assert_cmpuint (fwrite (buffer, 1, (gsize) n, out), ==, (gsize) n);
      if (peak_kib != NULL && reads++ % 16 == 0)
        *peak_kib = MAX (*peak_kib, atrium_test_process_rss_kib (proc));
    }
  g_assert_cmpint (fclose (out), ==, 0);
  if (headers_out != NULL)
    *headers_out = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return soup_message_get_status (msg);
}

static char *
read_text (const char *file)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  return text;
}

/* ---- reading CSV back: python3's csv module ------------------------------------------ */

static const char python_csv[] =
  "import csv, json, sys\n"
  "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
  "    rows = csv.reader(f, strict=True)\n"
  "    if len(sys.argv) == 2:\n"
  "        json.dump(list(rows), sys.stdout)\n"
  "    else:\n"
  "        header = next(rows)\n"
  "        col = header.index(sys.argv[2])\n"
  "        n = 0\n"
  "        total = 0\n"
  "        for row in rows:\n"
  "            assert len(row) == len(header)\n"
  "            n += 1\n"
  "            total += int(row[col])\n"
  "        json.dump([n, total], sys.stdout)\n";

static JsonNode *
run_python (const char *file,
            const char *sum_column)
{
  const char *argv[] = { "python3", "-c", python_csv, file, sum_column, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("python3 could not read %s as CSV: %s", file, err);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* Rows of cells, as the csv module read them. */
static GPtrArray *
parse_csv (const char *file)
{
  g_autoptr(JsonNode) root = run_python (file, NULL);
  JsonArray *rows = json_node_get_array (root);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonArray *row = json_array_get_array_element (rows, i);
      GStrvBuilder *cells = g_strv_builder_new ();

      for (guint j = 0; j < json_array_get_length (row); j++)
        g_strv_builder_add (cells, json_array_get_string_element (row, j));
      g_ptr_array_add (out, g_strv_builder_end (cells));
      g_strv_builder_unref (cells);
    }
  return out;
}

/* RFC 4180 framing the csv module forgives: every record ends with CRLF, and a bare CR
 * or LF only ever appears inside quotes. */
static void
assert_crlf_records (const char *file)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  gboolean quoted = FALSE;

  g_assert_true (g_file_get_contents (file, &text, &length, NULL));
  g_assert_true (g_utf8_validate (text, (gssize) length, NULL));
  g_assert_cmpuint (length, >=, 2);
  g_assert_true (text[length - 2] == '\r' && text[length - 1] == '\n');
  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '"')
        quoted = !quoted;
      else if (!quoted && text[i] == '\r')
        g_assert_true (i + 1 < length && text[i + 1] == '\n');
      else if (!quoted && text[i] == '\n')
        g_assert_true (i > 0 && text[i - 1] == '\r');
    }
  g_assert_false (quoted);
}

/* ---- reading XLSX back: unzip and the sheet's XML --------------------------------------- */

typedef void (*RowFunc) (char    **cells,
                         gpointer  user_data);

typedef struct
{
  GPtrArray *shared;      /* sharedStrings.xml, if the file has one */
  GPtrArray *row;         /* the cells of the row being read */
  GString   *text;
  gboolean   in_text;
  guint      column;
  char      *type;        /* t="…" of the cell */
  RowFunc    func;
  gpointer   user_data;
  guint      rows;        /* rows seen, to check r="…" */
} Sheet;

/* Excel's _xHHHH_ escapes (ECMA-376 ST_Xstring). */
static char *
decode_xstring (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0';)
    {
      if (p[0] == '_' && p[1] == 'x' && g_ascii_isxdigit (p[2]) && g_ascii_isxdigit (p[3]) &&
          g_ascii_isxdigit (p[4]) && g_ascii_isxdigit (p[5]) && p[6] == '_')
        {
          char hex[5] = { p[2], p[3], p[4], p[5], '\0' };

          g_string_append_unichar (out, (gunichar) g_ascii_strtoull (hex, NULL, 16));
          p += 7;
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

static guint
column_of (const char *ref)
{
  guint column = 0;

  for (; g_ascii_isupper (*ref); ref++)
    column = column * 26 + (guint) (*ref - 'A' + 1);
  return column - 1;
}

static void
sheet_start (GMarkupParseContext  *context,
             const char           *element,
             const char          **names,
             const char          **values,
             gpointer              user_data,
             GError              **error)
{
  Sheet *sheet = user_data;

  if (g_str_equal (element, "row"))
    {
      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "r"))
          g_assert_cmpuint (g_ascii_strtoull (values[i], NULL, 10), ==, sheet->rows + 1);
      sheet->row = g_ptr_array_new_with_free_func (g_free);
    }
  else if (g_str_equal (element, "c"))
    {
      g_clear_pointer (&sheet->type, g_free);
      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "r"))
          sheet->column = column_of (values[i]);
        else if (g_str_equal (names[i], "t"))
          sheet->type = g_strdup (values[i]);
      /* formulas never: every cell is a number or a string */
      g_assert_true (sheet->type == NULL || g_str_equal (sheet->type, "inlineStr") ||
                     g_str_equal (sheet->type, "s"));
      while (sheet->row->len <= sheet->column)
        g_ptr_array_add (sheet->row, g_strdup (""));
    }
  else if (g_str_equal (element, "f"))
    g_error ("a formula in the sheet");
  else if (g_str_equal (element, "v") || g_str_equal (element, "t"))
    {
      sheet->in_text = TRUE;
      g_string_truncate (sheet->text, 0);
    }
}

static void
sheet_text (GMarkupParseContext  *context,
            const char           *text,
            gsize                 length,
            gpointer              user_data,
            GError              **error)
{
  Sheet *sheet = user_data;

  if (sheet->in_text)
    g_string_append_len (sheet->text, text, (gssize) length);
}

static void
sheet_end (GMarkupParseContext  *context,
           const char           *element,
           gpointer              user_data,
           GError              **error)
{
  Sheet *sheet = user_data;

  if (g_str_equal (element, "v") || g_str_equal (element, "t"))
    {
      char *value;

      sheet->in_text = FALSE;
      if (sheet->row == NULL)   /* sharedStrings.xml */
        {
          g_ptr_array_add (sheet->shared, decode_xstring (sheet->text->str));
          return;
        }
      if (g_strcmp0 (sheet->type, "s") == 0)
        value = g_strdup (sheet->shared->pdata[g_ascii_strtoull (sheet->text->str, NULL, 10)]);
      else if (g_strcmp0 (sheet->type, "inlineStr") == 0)
        value = decode_xstring (sheet->text->str);
      else
        value = g_strdup (sheet->text->str);
      g_free (sheet->row->pdata[sheet->column]);
      sheet->row->pdata[sheet->column] = value;
    }
  else if (g_str_equal (element, "row"))
    {
      g_ptr_array_add (sheet->row, NULL);
      sheet->func ((char **) sheet->row->pdata, sheet->user_data);
      g_clear_pointer (&sheet->row, g_ptr_array_unref);
      sheet->rows++;
    }
}

static const GMarkupParser sheet_parser = { sheet_start, sheet_end, sheet_text, NULL, NULL };

/* Feeds `unzip -p @file @member` to the parser as it comes. */
static gboolean
unzip_parse (const char *file,
             const char *member,
             Sheet      *sheet)
{
  const char *argv[] = { "unzip", "-p", file, member, NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&sheet_parser, 0,
                                                                       sheet, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *buffer = g_malloc (65536);
  GInputStream *out;
  gsize total = 0;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  out = g_subprocess_get_stdout_pipe (proc);
  for (;;)
    {
      gssize n = g_input_stream_read (out, buffer, 65536, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      total += (gsize) n;
      g_assert_true (g_markup_parse_context_parse (context, buffer, n, &error));
      g_assert_no_error (error);
    }
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  if (total == 0)
    return FALSE;
  g_assert_true (g_subprocess_get_successful (proc));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  return TRUE;
}

static void
read_xlsx (const char *file,
           RowFunc     func,
           gpointer    user_data)
{
  const char *test_argv[] = { "unzip", "-tq", file, NULL };
  Sheet sheet = { NULL };
  int status = 0;

  /* A sound zip first. */
  g_assert_true (g_spawn_sync (NULL, (char **) test_argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  sheet.shared = g_ptr_array_new_with_free_func (g_free);
  sheet.text = g_string_new (NULL);
  sheet.func = func;
  sheet.user_data = user_data;
  unzip_parse (file, "xl/sharedStrings.xml", &sheet);
  g_assert_true (unzip_parse (file, "xl/worksheets/sheet1.xml", &sheet));
  g_ptr_array_unref (sheet.shared);
  g_string_free (sheet.text, TRUE);
  g_free (sheet.type);
}

static void
collect_row (char     **cells,
             gpointer   user_data)
{
  g_ptr_array_add (user_data, g_strdupv (cells));
}

static GPtrArray *
parse_xlsx (const char *file)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  read_xlsx (file, collect_row, rows);
  return rows;
}

static GPtrArray *
parse_export (const char         *file,
              AtriumExportFormat  format)
{
  if (format == ATRIUM_EXPORT_CSV)
    {
      assert_crlf_records (file);
      return parse_csv (file);
    }
  return parse_xlsx (file);
}

/* ---- what the store holds ------------------------------------------------------------ */

typedef enum { TEXT, NUMBER, TIME } Kind;

typedef struct
{
  Kind        kind;
  char       *text;      /* TEXT, TIME: as the export must show it, before escaping */
  double      number;    /* NUMBER */
  gboolean    null;
  double      tolerance; /* NUMBER: the store's value was rounded for the export */
} Expected;

static void
expected_clear (gpointer data)
{
  g_free (((Expected *) data)->text);
}

static char *
rfc3339 (gint64 seconds)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (seconds);

  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

/* Each row of a query as the cells an export must hold; @kinds gives each column's
 * kind ("t" text, "n" number, "r" number rounded to 2 places, "w" a mean rounded to 1
 * place from a sum and a count in the next two columns, "s" seconds shown as time). */
static GPtrArray *
expect_rows (AtriumDb   *db,
             const char *sql,
             const char *kinds)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  guint n = (guint) strlen (kinds);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db_handle (db), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      GArray *row = g_array_sized_new (FALSE, TRUE, sizeof (Expected), n);
      Expected *cells;
      int column = 0;

      g_array_set_clear_func (row, expected_clear);
      g_array_set_size (row, n);
      cells = (Expected *) row->data;

      for (guint i = 0; i < n; i++, column++)
        {
          Expected *cell = &cells[i];

          cell->null = sqlite3_column_type (stmt, column) == SQLITE_NULL;
          switch (kinds[i])
            {
            case 't':
              cell->kind = TEXT;
              cell->text = g_strdup ((const char *) sqlite3_column_text (stmt, column));
              break;
            case 's':
              cell->kind = TIME;
              cell->text = rfc3339 (sqlite3_column_int64 (stmt, column));
              break;
            case 'r':
              cell->kind = NUMBER;
              cell->number = sqlite3_column_double (stmt, column) / 300.0;
              cell->tolerance = 0.005 + 1e-9;
              break;
            case 'w':
              cell->kind = NUMBER;
              cell->null = sqlite3_column_int64 (stmt, column + 1) == 0;
              if (!cell->null)
                cell->number = sqlite3_column_double (stmt, column) /
                               (double) sqlite3_column_int64 (stmt, column + 1);
              cell->tolerance = 0.05 + 1e-9;
              column++;
              break;
            case 'n':
            default:
              cell->kind = NUMBER;
              cell->number = sqlite3_column_double (stmt, column);
              break;
            }
        }
      g_ptr_array_add (rows, row);
    }
  sqlite3_finalize (stmt);
  return rows;
}

/* The test's own rule, written from the issue: =, +, -, @, TAB or CR first. */
static gboolean
dangerous (const char *text)
{
  return text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
         text[0] == '\t' || text[0] == '\r';
}

/* Every cell of @got against @want; counts the text cells that had to be defused. */
static guint
assert_rows (GPtrArray          *got,
             const char * const *header,
             GPtrArray          *want)
{
  guint defused = 0;

  g_assert_cmpuint (got->len, ==, want->len + 1);
  g_assert_cmpstrv ((char **) got->pdata[0], header);
  for (guint r = 0; r < want->len; r++)
    {
      char **cells = got->pdata[r + 1];
      Expected *expected = (Expected *) ((GArray *) want->pdata[r])->data;
      guint n = g_strv_length ((char **) header);

      /* XLSX leaves trailing empty cells out */
      g_assert_cmpuint (g_strv_length (cells), <=, n);
      for (guint c = 0; c < n; c++)
        {
          const char *cell = c < g_strv_length (cells) ? cells[c] : "";
          Expected *e = &expected[c];

          if (e->null)
            {
              g_assert_cmpstr (cell, ==, "");
              continue;
            }
          if (e->kind == NUMBER)
            {
              char *end = NULL;
              double value = g_ascii_strtod (cell, &end);

              g_assert_true (*cell != '\0' && *end == '\0' && *cell != '\'');
              g_assert_cmpfloat_with_epsilon (value, e->number,
                                              e->tolerance > 0 ? e->tolerance : 1e-9);
              continue;
            }
          if (dangerous (e->text))
            {
              g_autofree char *defused_text = g_strconcat ("'", e->text, NULL);

              g_assert_cmpstr (cell, ==, defused_text);
              defused++;
            }
          else
            g_assert_cmpstr (cell, ==, e->text);
        }
    }
  return defused;
}

static const char * const occupancy_header[] = {
  "site_id", "site", "kind", "target_id", "target", "capacity", "start", "entries", "exits",
  "peak", "mean_occupancy", "mean_wait_seconds", "wait_samples", NULL
};

/* The seeded buckets of @sites_clause, spaces first, each owner's oldest first. */
static GPtrArray *
expect_occupancy (const char *sites_clause)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (world.proc->data_dir, FALSE, NULL, &error);
  g_autofree char *sql = g_strdup_printf (
    "SELECT si.id, si.name, CASE WHEN b.space_id IS NULL THEN 'queue' ELSE 'space' END,"
    " coalesce (b.space_id, b.queue_id), coalesce (sp.name, q.name), sp.capacity, b.start,"
    " b.entries, b.exits, b.peak, b.area, b.wait_sum, b.wait_n, b.wait_n"
    " FROM stat_bucket b LEFT JOIN space sp ON sp.id = b.space_id"
    " LEFT JOIN queue q ON q.id = b.queue_id"
    " JOIN site si ON si.id = coalesce (sp.site_id, q.site_id)"
    " WHERE b.start >= %" G_GINT64_FORMAT " AND b.start < %" G_GINT64_FORMAT " AND %s"
    " ORDER BY b.space_id IS NULL, coalesce (b.space_id, b.queue_id), b.start;",
    T_SEED - 86400, T_SEED + 86400, sites_clause);

  g_assert_no_error (error);
  return expect_rows (db, sql, "nttntnsnnnrwn");
}

/* ---- the writers alone ------------------------------------------------------------------- */

typedef struct
{
  GByteArray *bytes;
  goffset     announced;
  guint       begins;
  guint       writes;
} MemorySink;

static gboolean
memory_begin (goffset    length,
              gpointer   user_data,
              GError   **error)
{
  MemorySink *sink = user_data;

  sink->begins++;
  sink->announced = length;
  return TRUE;
}

static gboolean
memory_write (const guint8  *data,
              gsize          length,
              gpointer       user_data,
              GError       **error)
{
  MemorySink *sink = user_data;

  g_assert_cmpuint (sink->begins, ==, 1);
  g_assert_cmpuint (length, <=, ATRIUM_EXPORT_CHUNK_BYTES + 4096);
  g_byte_array_append (sink->bytes, data, (guint) length);
  sink->writes++;
  return TRUE;
}

static const AtriumExportColumn unit_columns[] = {
  { "text", ATRIUM_EXPORT_TEXT },
  { "integer", ATRIUM_EXPORT_INTEGER },
  { "real", ATRIUM_EXPORT_REAL },
};

/* Cells written through the writer alone: every awkward text, control characters,
 * Excel's own escape syntax, numbers that start with '-'. */
static const char * const unit_texts[] = {
  "plain", "=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\tTab", "\rCR", "\r\nCRLF",
  "a,b", "say \"hi\"", "line\nbreak", "«Ü» 日本 €", "ctrl\001\002\037end", "_x0041_ literal",
  " =not first", "'quoted already", "", "\xef\xbf\xbf nonchar",
};

static void
write_unit_rows (AtriumExportWriter *writer,
                 guint               repeat)
{
  for (guint k = 0; k < repeat; k++)
    for (guint i = 0; i < G_N_ELEMENTS (unit_texts); i++)
      {
        g_autoptr(GError) error = NULL;

        atrium_export_writer_add_text (writer, unit_texts[i]);
        atrium_export_writer_add_integer (writer, (gint64) i - 5);
        if (i == 3)
          atrium_export_writer_add_real (writer, NAN);
        else
          atrium_export_writer_add_real (writer, -0.25 * i + 1.0 / 3);
        g_assert_true (atrium_export_writer_end_row (writer, &error));
        g_assert_no_error (error);
      }
}

/* What the XLSX cell holds for @text: the characters XML 1.0 cannot carry come back as
 * the code points Excel's escapes name; a non-character becomes U+FFFD. */
static const char *
unit_expected_text (guint              i,
                    AtriumExportFormat format)
{
  return format == ATRIUM_EXPORT_XLSX && i == G_N_ELEMENTS (unit_texts) - 1
         ? "\xef\xbf\xbd nonchar" : unit_texts[i];
}

static void
assert_unit_rows (GPtrArray          *rows,
                  guint               repeat,
                  AtriumExportFormat  format)
{
  const char * const header[] = { "text", "integer", "real", NULL };

  g_assert_cmpuint (rows->len, ==, 1 + repeat * G_N_ELEMENTS (unit_texts));
  g_assert_cmpstrv ((char **) rows->pdata[0], header);
  for (guint r = 1; r < rows->len; r++)
    {
      char **cells = rows->pdata[r];
      guint i = (r - 1) % G_N_ELEMENTS (unit_texts);
      const char *text = unit_expected_text (i, format);
      g_autofree char *want = dangerous (text) && text[0] != '\0'
                              ? g_strconcat ("'", text, NULL) : g_strdup (text);

      g_assert_cmpstr (cells[0], ==, want);
      g_assert_cmpfloat (g_ascii_strtod (cells[1], NULL), ==, (double) i - 5);
      if (i == 3)
        g_assert_true (cells[2] == NULL || cells[2][0] == '\0');
      else
        g_assert_cmpfloat_with_epsilon (g_ascii_strtod (cells[2], NULL), -0.25 * i + 1.0 / 3,
                                        1e-12);
    }
}

static void
write_unit_export (AtriumExportFormat  format,
                   guint               repeat,
                   const char         *file,
                   MemorySink         *memory)
{
  AtriumExportSink sink = { memory_begin, memory_write, memory };
  g_autoptr(AtriumExportWriter) writer = NULL;
  g_autoptr(GError) error = NULL;

  memory->bytes = g_byte_array_new ();
  writer = atrium_export_writer_new (format, unit_columns, G_N_ELEMENTS (unit_columns),
                                     "unit", &sink, world.work, &error);
  g_assert_no_error (error);
  write_unit_rows (writer, repeat);
  g_assert_true (atrium_export_writer_finish (writer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (memory->begins, ==, 1);
  g_assert_true (g_file_set_contents (file, (const char *) memory->bytes->data,
                                      memory->bytes->len, NULL));
}

static void
test_writer_csv (void)
{
  g_autofree char *small = work_path ("unit-small.csv");
  g_autofree char *large = work_path ("unit-large.csv");
  g_autoptr(GPtrArray) rows = NULL;
  MemorySink one = { NULL }, many = { NULL };

  write_unit_export (ATRIUM_EXPORT_CSV, 1, small, &one);
  /* fits in one chunk: its length is announced, so HTTP can send Content-Length */
  g_assert_cmpint (one.announced, ==, (goffset) one.bytes->len);
  g_assert_cmpuint (one.writes, ==, 1);
  assert_crlf_records (small);
  rows = parse_csv (small);
  assert_unit_rows (rows, 1, ATRIUM_EXPORT_CSV);
  g_byte_array_unref (one.bytes);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* larger than a chunk: length unknown (chunked), handed over a chunk at a time */
  write_unit_export (ATRIUM_EXPORT_CSV, 2000, large, &many);
  g_assert_cmpint (many.announced, ==, -1);
  g_assert_cmpuint (many.writes, >, many.bytes->len / (ATRIUM_EXPORT_CHUNK_BYTES + 4096));
  assert_crlf_records (large);
  rows = parse_csv (large);
  assert_unit_rows (rows, 2000, ATRIUM_EXPORT_CSV);
  g_byte_array_unref (many.bytes);
}

static void
test_writer_xlsx (void)
{
  g_autofree char *file = work_path ("unit.xlsx");
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GDir) dir = NULL;
  MemorySink memory = { NULL };

  write_unit_export (ATRIUM_EXPORT_XLSX, 3, file, &memory);
  g_assert_cmpint (memory.announced, ==, (goffset) memory.bytes->len);
  rows = parse_xlsx (file);
  assert_unit_rows (rows, 3, ATRIUM_EXPORT_XLSX);
  g_byte_array_unref (memory.bytes);

  /* its temporary directory is gone */
  dir = g_dir_open (world.work, 0, NULL);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    g_assert_false (g_str_has_prefix (name, "export-"));
}

/* ---- the registry ------------------------------------------------------------------ */

/* Every query of every table streams: no sort in memory, with or without a site filter;
 * and the users table names no secret. */
static void
test_registry (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = work_path ("registry");
  g_autoptr(AtriumDb) db = NULL;
  g_autoptr(GArray) sites = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char * const secrets[] = { "password_hash", "totp_secret", "totp_pending",
                                   "recovery", "token", "code_hash", NULL };
  const AtriumExportTable *tables;
  guint n = 0;
  gint64 one = 1, two = 2;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  db = atrium_store_open (dir, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_array_append_val (sites, one);
  g_array_append_val (sites, two);
  tables = atrium_store_export_tables (&n);
  g_assert_cmpuint (n, >=, 3);
  for (guint t = 0; t < n; t++)
    for (guint pass = 0; pass < 2; pass++)
      {
        g_autoptr(GPtrArray) sql = atrium_store_export_sql (&tables[t],
                                                            pass == 0 ? NULL : sites);

        for (guint q = 0; q < sql->len; q++)
          {
            g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql->pdata[q],
                                                    NULL);
            sqlite3_stmt *stmt = NULL;

            g_assert_cmpint (sqlite3_prepare_v2 (db_handle (db), explain, -1, &stmt, NULL),
                             ==, SQLITE_OK);
            while (sqlite3_step (stmt) == SQLITE_ROW)
              {
                const char *detail = (const char *) sqlite3_column_text (stmt, 3);

                g_test_message ("%s/%u: %s", tables[t].name, q, detail);
                g_assert_null (strstr (detail, "TEMP B-TREE"));
              }
            sqlite3_finalize (stmt);
          }
        if (tables[t].site_column == NULL)
          g_assert_cmpuint (tables[t].site_roles, ==, 0);
      }
  for (guint c = 0; c < atrium_store_export_find ("users")->n_columns; c++)
    for (guint s = 0; secrets[s] != NULL; s++)
      g_assert_null (strstr (atrium_store_export_find ("users")->columns[c].name, secrets[s]));
}

/* ---- over HTTP ----------------------------------------------------------------------- */

static void
assert_headers (SoupMessageHeaders *headers,
                const char         *table,
                AtriumExportFormat  format,
                const char         *file)
{
  g_autofree char *prefix = g_strdup_printf ("attachment; filename=\"atrium-%s-", table);
  const char *disposition = soup_message_headers_get_one (headers, "Content-Disposition");
  const char *type = soup_message_headers_get_one (headers, "Content-Type");
  struct stat st;

  g_assert_nonnull (disposition);
  g_assert_true (g_str_has_prefix (disposition, prefix));
  g_assert_true (g_str_has_suffix (disposition, format == ATRIUM_EXPORT_CSV ? ".csv\""
                                                                             : ".xlsx\""));
  g_assert_cmpstr (type, ==, atrium_export_format_content_type (format));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Cache-Control"), ==, "no-store");
  if (format == ATRIUM_EXPORT_XLSX)
    {
      g_assert_cmpint (g_stat (file, &st), ==, 0);
      g_assert_cmpint (soup_message_headers_get_content_length (headers), ==, st.st_size);
    }
}

static void
export_occupancy (const char         *token,
                  AtriumExportFormat  format,
                  const char         *sites_clause,
                  guint               defused_wanted)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/export/occupancy?format=%s&" RANGE,
                                           atrium_export_format_name (format));
  g_autofree char *file = work_path (format == ATRIUM_EXPORT_CSV ? "occ.csv" : "occ.xlsx");
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GPtrArray) want = expect_occupancy (sites_clause);

  g_assert_cmpuint (download (world.proc, token, path, file, &headers, NULL), ==, 200);
  assert_headers (headers, "occupancy", format, file);
  got = parse_export (file, format);
  g_assert_cmpuint (assert_rows (got, occupancy_header, want), ==, defused_wanted);
}

static void
test_occupancy (void)
{
  /* Site 2 has five dangerous space names (four buckets each); site 1 one. */
  for (AtriumExportFormat format = ATRIUM_EXPORT_CSV; format <= ATRIUM_EXPORT_XLSX; format++)
    {
      export_occupancy (world.admin, format, "1", 6 * N_BUCKETS);
      export_occupancy (world.reporting, format, "1", 6 * N_BUCKETS);
      /* a manager of site 1 sees site 1 only */
      export_occupancy (world.manager, format, "si.id = 1", 1 * N_BUCKETS);
    }
}

static const char * const bookings_header[] = {
  "id", "site_id", "site", "resource_id", "resource", "resource_type", "starts", "ends",
  "status", "group_size", "created_at", "cancelled_at", "check_in_at", "anonymised_at",
  "user_id", "user", NULL
};

/* The seeded bookings in RANGE of @sites_clause, by start then id. */
static GPtrArray *
expect_bookings (const char *sites_clause)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (world.proc->data_dir, FALSE, NULL, &error);
  g_autofree char *sql = g_strdup_printf (
    "SELECT b.id, si.id, si.name, r.id, r.name, r.type, b.starts, b.ends, b.status,"
    " b.group_size, b.created_at, b.cancelled_at, b.check_in_at, b.anonymised_at, b.user_id,"
    " u.name FROM booking b JOIN resource r ON r.id = b.resource_id"
    " JOIN site si ON si.id = r.site_id LEFT JOIN user u ON u.id = b.user_id"
    " WHERE b.starts >= %" G_GINT64_FORMAT " AND b.starts < %" G_GINT64_FORMAT " AND %s"
    " ORDER BY b.starts, b.id;", T_SEED - 2 * 86400, T_SEED + 29 * 86400, sites_clause);

  g_assert_no_error (error);
  return expect_rows (db, sql, "nntnttsstnssssnt");
}

/* Managers their sites', reporting and administrators every one; an anonymised booking
 * has no user columns, and still counts. */
static void
test_bookings (void)
{
  struct { const char *token; const char *sites; guint rows; guint defused; } who[] = {
    { world.admin, "1", 4, 2 * 3 },
    { world.reporting, "1", 4, 2 * 3 },
    { world.manager, "si.id = 1", 3, 2 * 2 + 1 },
  };

  for (AtriumExportFormat format = ATRIUM_EXPORT_CSV; format <= ATRIUM_EXPORT_XLSX; format++)
    for (guint w = 0; w < G_N_ELEMENTS (who); w++)
      {
        g_autofree char *path = g_strdup_printf ("/api/v1/export/bookings?format=%s&" RANGE,
                                                 atrium_export_format_name (format));
        g_autofree char *file = work_path ("bookings");
        g_autoptr(SoupMessageHeaders) headers = NULL;
        g_autoptr(GPtrArray) got = NULL;
        g_autoptr(GPtrArray) want = expect_bookings (who[w].sites);
        guint anonymous = 0;

        g_assert_cmpuint (download (world.proc, who[w].token, path, file, &headers, NULL), ==,
                          200);
        assert_headers (headers, "bookings", format, file);
        got = parse_export (file, format);
        g_assert_cmpuint (want->len, ==, who[w].rows);
        /* '=cmd…' as the resource, '@SUM(1)' as the user */
        g_assert_cmpuint (assert_rows (got, bookings_header, want), ==, who[w].defused);
        for (guint r = 1; r < got->len; r++)
          {
            char **cells = got->pdata[r];
            guint n = g_strv_length (cells);
            const char *user_id = n > 14 ? cells[14] : "";
            const char *user = n > 15 ? cells[15] : "";

            /* (the scheduler may have made the past `booked` one a no-show too) */
            if (!g_str_equal (cells[13], ""))
              {
                g_assert_cmpstr (cells[8], ==, "no_show");
                g_assert_cmpstr (user_id, ==, "");
                g_assert_cmpstr (user, ==, "");
                anonymous++;
              }
            else
              g_assert_cmpstr (user, ==, "'@SUM(1)");
          }
        g_assert_cmpuint (anonymous, ==, 1);
      }
  {
    g_autofree char *file = work_path ("bookings");

    g_assert_cmpuint (download (world.proc, world.patron, "/api/v1/export/bookings", file,
                                NULL, NULL), ==, 403);
  }
}

/* from is inclusive, to exclusive; a date is midnight UTC. */
static void
test_range (void)
{
  g_autofree char *file = work_path ("range.csv");
  g_autoptr(GPtrArray) got = NULL;
  g_autofree char *first = rfc3339 (T_SEED + 300);
  g_autofree char *second = rfc3339 (T_SEED + 600);

  g_assert_cmpuint (download (world.proc, world.admin, "/api/v1/export/occupancy?"
                              "from=2025-03-03T08:05:00Z&to=2025-03-03T09:15:00%2B01:00",
                              file, NULL, NULL), ==, 200);
  got = parse_csv (file);
  g_assert_cmpuint (got->len, ==, 1 + 10 * 2);   /* ten owners, two buckets each */
  for (guint r = 1; r < got->len; r++)
    {
      const char *start = ((char **) got->pdata[r])[6];

      g_assert_true (g_str_equal (start, first) || g_str_equal (start, second));
    }
  g_clear_pointer (&got, g_ptr_array_unref);
  g_assert_cmpuint (download (world.proc, world.admin, "/api/v1/export/occupancy?"
                              "from=2025-03-04&to=2025-03-05", file, NULL, NULL), ==, 200);
  got = parse_csv (file);
  g_assert_cmpuint (got->len, ==, 1);   /* the header alone */
}

static void
test_users (void)
{
  const char * const header[] = { "id", "name", "email", "phone", "roles", "totp",
                                  "disabled", "created_at", "password_changed_at", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (world.proc->data_dir, FALSE, NULL, &error);
  g_autoptr(GPtrArray) want = NULL;

  g_assert_no_error (error);
  want = expect_rows (db, "SELECT u.id, u.name, u.email, u.phone, (SELECT group_concat (g, ' ')"
                          " FROM (SELECT role || coalesce (':' || site_id, '') AS g"
                          " FROM user_role WHERE user_id = u.id"
                          " ORDER BY site_id IS NOT NULL, role, site_id)),"
                          " u.totp_confirmed, u.disabled, u.created_at, u.password_changed_at"
                          " FROM user u ORDER BY u.id;", "nttttnnss");
  for (AtriumExportFormat format = ATRIUM_EXPORT_CSV; format <= ATRIUM_EXPORT_XLSX; format++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/export/users?format=%s",
                                               atrium_export_format_name (format));
      g_autofree char *file = work_path ("users");
      g_autofree char *text = NULL;
      g_autoptr(GPtrArray) got = NULL;
      g_autoptr(SoupMessageHeaders) headers = NULL;

      g_assert_cmpuint (download (world.proc, world.admin, path, file, &headers, NULL), ==,
                        200);
      assert_headers (headers, "users", format, file);
      got = parse_export (file, format);
      /* '@SUM(1)' and its '=HYPERLINK(…)' address */
      g_assert_cmpuint (assert_rows (got, header, want), ==, 2);
      /* nothing secret, in any form */
      if (format == ATRIUM_EXPORT_CSV)
        {
          text = read_text (file);
          g_assert_null (strstr (text, "MARKER"));
          g_assert_null (strstr (text, "$argon2id$"));
        }
      for (guint r = 0; r < got->len; r++)
        for (char **cell = got->pdata[r]; *cell != NULL; cell++)
          g_assert_null (strstr (*cell, "MARKER"));

      g_assert_cmpuint (download (world.proc, world.reporting, path, file, NULL, NULL), ==,
                        403);
      g_assert_cmpuint (download (world.proc, world.manager, path, file, NULL, NULL), ==, 403);
    }
}

static void
test_audit (void)
{
  const char * const header[] = { "id", "at", "event", "outcome", "actor", "subject", "ip",
                                  "request_id", "detail", "prev_hash", "hash", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (world.proc->data_dir, FALSE, NULL, &error);

  g_assert_no_error (error);
  for (AtriumExportFormat format = ATRIUM_EXPORT_CSV; format <= ATRIUM_EXPORT_XLSX; format++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/export/audit?format=%s",
                                               atrium_export_format_name (format));
      g_autofree char *file = work_path ("audit");
      g_autoptr(GPtrArray) got = NULL;
      g_autoptr(GPtrArray) want = NULL;

      g_assert_cmpuint (download (world.proc, world.admin, path, file, NULL, NULL), ==, 200);
      /* the trail read after the export: it holds the export's own entry, which the
       * export (one snapshot, taken after the entry was written) holds too */
      want = expect_rows (db, "SELECT id, at, event, outcome, actor, subject, ip, request_id,"
                              " detail, prev_hash, hash FROM audit ORDER BY id;",
                          "nttttttttt" "t");
      got = parse_export (file, format);
      g_assert_cmpuint (assert_rows (got, header, want), ==, 4);

      g_assert_cmpuint (download (world.proc, world.reporting, path, file, NULL, NULL), ==,
                        403);
      g_assert_cmpuint (download (world.proc, world.manager, path, file, NULL, NULL), ==, 403);
    }

  /* Each export is audited: who, what, how. */
  {
    sqlite3_stmt *stmt = NULL;
    guint found = 0;

    g_assert_cmpint (sqlite3_prepare_v2 (db_handle (db),
                                         "SELECT actor, subject, detail FROM audit"
                                         " WHERE event = 'data_export' ORDER BY id;",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        const char *subject = (const char *) sqlite3_column_text (stmt, 1);
        const char *detail = (const char *) sqlite3_column_text (stmt, 2);
        const char *actor = (const char *) sqlite3_column_text (stmt, 0);

        /* the command line's own exports (test_cli) say which file they wrote */
        if (strstr (detail, " file=") != NULL)
          g_assert_cmpstr (actor, ==, "cli");
        else
          g_assert_true (g_str_has_prefix (actor, "user:"));
        if (g_str_equal (subject, "export:occupancy") && strstr (detail, "sites=1") != NULL)
          found |= 1;
        if (g_str_equal (subject, "export:audit") && strstr (detail, "format=xlsx") != NULL)
          found |= 2;
      }
    sqlite3_finalize (stmt);
    g_assert_cmpuint (found, ==, 3);
  }
}

static void
assert_error (const char *token,
              const char *path,
              guint       status,
              const char *code)
{
  g_autofree char *file = work_path ("error");
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(SoupMessageHeaders) headers = NULL;

  g_assert_cmpuint (download (world.proc, token, path, file, &headers, NULL), ==, status);
  g_assert_null (soup_message_headers_get_one (headers, "Content-Disposition"));
  text = read_text (file);
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  g_assert_cmpstr (json_object_get_string_member (
    json_node_get_object (json_parser_get_root (parser)), "error"), ==, code);
}

static void
test_errors (void)
{
  assert_error (world.admin, "/api/v1/export/nothing", 404, "not_found");
  assert_error (world.admin, "/api/v1/export/occupancy?format=pdf", 400, "invalid_format");
  assert_error (world.admin, "/api/v1/export/occupancy?from=yesterday", 400, "invalid_from");
  assert_error (world.admin, "/api/v1/export/occupancy?to=2025-13-01", 400, "invalid_to");
  assert_error (world.admin, "/api/v1/export/occupancy?from=2025-03-02&to=2025-03-01", 422,
                "invalid_range");
  assert_error (world.admin, "/api/v1/export/occupancy?limit=5", 400, "unknown_parameter");
  assert_error (NULL, "/api/v1/export/occupancy", 401, "unauthorized");
  assert_error (world.patron, "/api/v1/export/occupancy", 403, "forbidden");
  assert_error (world.patron, "/api/v1/export/users", 403, "forbidden");
  assert_error (world.manager, "/api/v1/export/audit", 403, "forbidden");
}

/* ---- the command line ---------------------------------------------------------------- */

static int
run_export (char       **err,
            const char  *table,
            const char  *format,
            const char  *out,
            const char  *extra)
{
  return atrium_test_run_server_args (NULL, err, "export", "--data-dir", world.proc->data_dir,
                                      "--table", table, "--format", format, "--out", out,
                                      extra, NULL);
}

static void
assert_no_leftovers (void)
{
  g_autoptr(GDir) dir = g_dir_open (world.work, 0, NULL);

  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    {
      g_assert_false (g_str_has_prefix (name, ".atrium-export-"));
      g_assert_false (g_str_has_prefix (name, "export-"));
    }
}

static void
assert_one_line (const char *err)
{
  g_assert_true (g_str_has_prefix (err, "atrium-server: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

static void
test_cli (void)
{
  g_autofree char *csv = work_path ("cli.csv");
  g_autofree char *xlsx = work_path ("cli.xlsx");
  g_autofree char *missing = work_path ("no/such/dir/x.csv");
  struct stat st;

  /* a file already there, readable by others: replaced whole, and private */
  g_assert_true (g_file_set_contents (csv, "old", -1, NULL));
  g_assert_cmpint (g_chmod (csv, 0644), ==, 0);
  for (AtriumExportFormat format = ATRIUM_EXPORT_CSV; format <= ATRIUM_EXPORT_XLSX; format++)
    {
      const char *out = format == ATRIUM_EXPORT_CSV ? csv : xlsx;
      g_autoptr(GPtrArray) got = NULL;
      g_autoptr(GPtrArray) want = expect_occupancy ("1");

      g_assert_cmpint (run_export (NULL, "occupancy", atrium_export_format_name (format), out,
                                   "--from=2025-03-01"), ==, 0);
      g_assert_cmpint (g_stat (out, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      got = parse_export (out, format);
      g_assert_cmpuint (assert_rows (got, occupancy_header, want), ==, 6 * N_BUCKETS);
      assert_no_leftovers ();
    }

  /* usage: 2; a user error: 1 with one line */
  {
    g_autofree char *err = NULL;

    g_assert_cmpint (atrium_test_run_server_args (NULL, NULL, "export", NULL), ==, 2);
    g_assert_cmpint (run_export (NULL, "nothing", "csv", csv, NULL), ==, 2);
    g_assert_cmpint (run_export (NULL, "users", "pdf", csv, NULL), ==, 2);
    g_assert_cmpint (run_export (NULL, "users", "csv", csv, "--from=soon"), ==, 2);
    g_assert_cmpint (run_export (NULL, "users", "csv", csv, "--to=2025-02-30"), ==, 2);
    g_assert_cmpint (atrium_test_run_server_args (NULL, NULL, "export", "--data-dir",
                                                  world.proc->data_dir, "--table", "users",
                                                  "--format", "csv", "--out", csv,
                                                  "--from=2025-03-02", "--to=2025-03-01",
                                                  NULL), ==, 2);
    g_assert_cmpint (run_export (&err, "users", "csv", missing, NULL), ==, 1);
    assert_one_line (err);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (atrium_test_run_server_args (NULL, &err, "export", "--data-dir",
                                                  world.work, "--table", "users", "--format",
                                                  "csv", "--out", csv, NULL), ==, 1);
    assert_one_line (err);
    assert_no_leftovers ();
  }
}

/* libxlsxwriter prints numbers with printf: under a locale with a decimal comma the
 * sheet would hold "1,5". The writer switches its thread to the C locale. */
static void
test_cli_locale (void)
{
  g_autofree char *locales = work_path ("locales");
  g_autofree char *locale = g_build_filename (locales, "fr_FR.UTF-8", NULL);
  g_autofree char *xlsx = work_path ("fr.xlsx");
  const char *localedef[] = { "localedef", "-i", "fr_FR", "-f", "UTF-8", locale, NULL };
  const char *args[] = { g_getenv ("ATRIUM_SERVER"), "export", "--data-dir",
                         world.proc->data_dir, "--table", "occupancy", "--format", "xlsx",
                         "--out", xlsx, "--from=2025-03-01", NULL };
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GPtrArray) want = expect_occupancy ("1");
  int status = 0;

  g_assert_cmpint (g_mkdir (locales, 0700), ==, 0);
  g_assert_true (g_spawn_sync (NULL, (char **) localedef, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status,
                               &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (locale, G_FILE_TEST_IS_DIR));
  env = g_environ_setenv (env, "LOCPATH", locales, TRUE);
  env = g_environ_setenv (env, "LC_ALL", "fr_FR.UTF-8", TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) args, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  got = parse_xlsx (xlsx);
  g_assert_cmpuint (assert_rows (got, occupancy_header, want), ==, 6 * N_BUCKETS);
}

/* ---- large exports: streamed, not built in memory ------------------------------------- */

#define LARGE_OWNERS   10
#define LARGE_BUCKETS  20000     /* per space: 200,000 rows, about 69 days each */

static void
seed_large (const char *data_dir,
            gpointer    user_data)
{
  char **secret = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);
  sqlite3_stmt *stmt = NULL;

  g_assert_no_error (error);
  exec_sql (db, "BEGIN;");
  exec_sql (db, "INSERT INTO site (id, name, timezone) VALUES (1, 'Central', 'Europe/Paris');");
  for (gint64 s = 1; s <= LARGE_OWNERS; s++)
    {
      g_autofree char *name = g_strdup_printf ("Reading room %" G_GINT64_FORMAT
                                               ", east wing, second floor", s);

      insert_named (db, "INSERT INTO space (site_id, name, kind, capacity)"
                        " VALUES (?1, ?2, 'floor', 300);", 1, name);
    }
  g_assert_cmpint (sqlite3_prepare_v2 (db_handle (db),
                                       "INSERT INTO stat_bucket (space_id, start, entries,"
                                       " exits, peak, area) VALUES (?1, ?2, ?3, ?4, ?5, ?6);",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  for (gint64 s = 1; s <= LARGE_OWNERS; s++)
    for (gint64 k = 0; k < LARGE_BUCKETS; k++)
      {
        sqlite3_bind_int64 (stmt, 1, s);
        sqlite3_bind_int64 (stmt, 2, T_SEED + k * 300);
        sqlite3_bind_int64 (stmt, 3, (k * 7 + s) % 23);
        sqlite3_bind_int64 (stmt, 4, (k * 5 + s) % 19);
        sqlite3_bind_int64 (stmt, 5, (k * 3 + s) % 150);
        sqlite3_bind_int64 (stmt, 6, ((k * 11 + s) % 150) * 300 + k % 300);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
        sqlite3_reset (stmt);
      }
  sqlite3_finalize (stmt);
  exec_sql (db, "COMMIT;");
  *secret = useradd (data_dir, "ada-admin", "admin");
}

static void
count_row (char     **cells,
           gpointer   user_data)
{
  gint64 *tally = user_data;

  if (tally[0]++ > 0)
    tally[1] += g_ascii_strtoll (cells[7], NULL, 10);
}

/* The server's download threads, by name. */
static guint
download_threads (AtriumTestProcess *proc)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task", proc->pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *task;
  guint n = 0;

  while ((task = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename (path, task, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (comm_path, &comm, NULL, NULL) &&
          g_str_equal (g_strchomp (comm), "atrium-download"))
        n++;
    }
  return n;
}

/* A producer's thread ends just after its last bytes are out: give it a moment. */
static guint
download_threads_settled (AtriumTestProcess *proc)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (download_threads (proc) > 0 && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  return download_threads (proc);
}

/* A client that asks and never reads. */
static GSocketConnection *
stalled_request (AtriumTestProcess *proc,
                 const char        *token)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *request = g_strdup_printf ("GET /api/v1/export/occupancy HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\n"
                                              "Authorization: Bearer %s\r\n\r\n", token);
  GSocketConnection *conn = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                              proc->insecure_port, NULL,
                                                              &error);

  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                            request, strlen (request), NULL, NULL, &error));
  g_assert_no_error (error);
  return conn;
}

/* Growth of the server's RSS allowed during a whole export of the 200,000 rows. What it
 * holds: two 64 KiB chunks waiting for the socket, the CSV buffer, SQLite's page cache
 * of the export's own connection (2 MiB at most by default), libxlsxwriter's current
 * row and zlib's state, and the download thread's stack and malloc arena. The exports
 * themselves are 17 MB (CSV) and a 90 MB sheet (XLSX): held in memory, they could not
 * pass. AddressSanitizer's allocator keeps more per thread and for longer. */
#ifdef __SANITIZE_ADDRESS__
#define RSS_BOUND_KIB (12 * 1024)
#else
#define RSS_BOUND_KIB (8 * 1024)
#endif
/* The CSV export must dwarf the bound (of an ordinary build) to prove anything. */
#define STREAMED_MIN_BYTES (2 * 8 * 1024 * 1024)

static void
test_large (void)
{
  g_autofree char *secret = NULL;
  AtriumTestProcess *proc = atrium_test_process_start_seeded (CONFIG, NULL, seed_large,
                                                              &secret);
  g_autofree char *token = sign_in (proc->insecure_port, "ada-admin", secret);
  g_autofree char *csv = work_path ("large.csv");
  g_autofree char *xlsx = work_path ("large.xlsx");
  g_autoptr(SoupMessageHeaders) headers = NULL;
  gint64 want_rows = (gint64) LARGE_OWNERS * LARGE_BUCKETS, want_sum = 0;
  gsize base_kib, peak_kib, after_kib;
  struct stat st;

  for (gint64 s = 1; s <= LARGE_OWNERS; s++)
    for (gint64 k = 0; k < LARGE_BUCKETS; k++)
      want_sum += (k * 7 + s) % 23;

  /* warm: the code, a download thread, an XLSX workbook, a connection, once each */
  g_assert_cmpuint (download (proc, token, "/api/v1/export/occupancy?from=2025-03-03&"
                              "to=2025-03-04", csv, NULL, NULL), ==, 200);
  g_assert_cmpuint (download (proc, token, "/api/v1/export/occupancy?format=xlsx&"
                              "from=2025-03-03&to=2025-03-04", xlsx, NULL, NULL), ==, 200);
  g_assert_cmpuint (download_threads_settled (proc), ==, 0);
  base_kib = atrium_test_process_rss_kib (proc);

  for (AtriumExportFormat format = ATRIUM_EXPORT_CSV; format <= ATRIUM_EXPORT_XLSX; format++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/export/occupancy?format=%s&"
                                               "from=2025-01-01&to=2026-01-01",
                                               atrium_export_format_name (format));
      const char *file = format == ATRIUM_EXPORT_CSV ? csv : xlsx;
      gint64 tally[2] = { 0, 0 };

      peak_kib = base_kib;
      g_clear_pointer (&headers, soup_message_headers_unref);
      g_assert_cmpuint (download (proc, token, path, file, &headers, &peak_kib), ==, 200);
      after_kib = atrium_test_process_rss_kib (proc);
      g_assert_cmpint (g_stat (file, &st), ==, 0);
      g_test_message ("%s: %" G_GINT64_FORMAT " bytes; server RSS %" G_GSIZE_FORMAT
                      " KiB before, %" G_GSIZE_FORMAT " KiB at most during, %"
                      G_GSIZE_FORMAT " KiB after (bound: +%d KiB)",
                      atrium_export_format_name (format), (gint64) st.st_size, base_kib,
                      peak_kib, after_kib, RSS_BOUND_KIB);
      g_assert_cmpuint (peak_kib, <, base_kib + RSS_BOUND_KIB);
      g_assert_cmpuint (after_kib, <, base_kib + RSS_BOUND_KIB);

      if (format == ATRIUM_EXPORT_CSV)
        {
          g_autoptr(JsonNode) summary = run_python (file, "entries");
          JsonArray *array = json_node_get_array (summary);

          /* streamed: chunked, and far larger than what the server may grow by */
          g_assert_cmpint (soup_message_headers_get_encoding (headers), ==,
                           SOUP_ENCODING_CHUNKED);
          g_assert_cmpint (st.st_size, >, STREAMED_MIN_BYTES);
          tally[0] = json_array_get_int_element (array, 0) + 1;
          tally[1] = json_array_get_int_element (array, 1);
        }
      else
        read_xlsx (file, count_row, tally);
      g_assert_cmpint (tally[0], ==, want_rows + 1);
      g_assert_cmpint (tally[1], ==, want_sum);
    }

  /* Four clients that ask and do not read: their producers wait on them (backpressure),
   * memory stays put, and a fifth download is refused while they hold the slots. */
  {
    GSocketConnection *stalled[ATRIUM_DOWNLOADS_MAX];
    g_autofree char *busy = work_path ("busy");
    gint64 deadline;

    for (guint i = 0; i < ATRIUM_DOWNLOADS_MAX; i++)
      stalled[i] = stalled_request (proc, token);
    deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (download_threads (proc) < ATRIUM_DOWNLOADS_MAX && g_get_monotonic_time () < deadline)
      g_usleep (20000);
    g_assert_cmpuint (download_threads (proc), ==, ATRIUM_DOWNLOADS_MAX);
    g_usleep (500000);
    g_assert_cmpuint (download (proc, token, "/api/v1/export/audit", busy, NULL, NULL), ==,
                      503);
    after_kib = atrium_test_process_rss_kib (proc);
    g_test_message ("%d stalled downloads: server RSS %" G_GSIZE_FORMAT " KiB",
                    ATRIUM_DOWNLOADS_MAX, after_kib);
    g_assert_cmpuint (after_kib, <, base_kib + 2 * RSS_BOUND_KIB);

    /* they leave: every producer stops and its thread ends */
    for (guint i = 0; i < ATRIUM_DOWNLOADS_MAX; i++)
      {
        g_io_stream_close (G_IO_STREAM (stalled[i]), NULL, NULL);
        g_object_unref (stalled[i]);
      }
    g_assert_cmpuint (download_threads_settled (proc), ==, 0);
    g_assert_cmpuint (download (proc, token, "/api/v1/export/audit", busy, NULL, NULL), ==,
                      200);
  }
  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  atrium_crypto_init ();
  world_start ();

  g_test_add_func ("/export/registry", test_registry);
  g_test_add_func ("/export/writer/csv", test_writer_csv);
  g_test_add_func ("/export/writer/xlsx", test_writer_xlsx);
  g_test_add_func ("/export/http/occupancy", test_occupancy);
  g_test_add_func ("/export/http/range", test_range);
  g_test_add_func ("/export/http/bookings", test_bookings);
  g_test_add_func ("/export/http/users", test_users);
  g_test_add_func ("/export/http/audit", test_audit);
  g_test_add_func ("/export/http/errors", test_errors);
  g_test_add_func ("/export/cli", test_cli);
  g_test_add_func ("/export/cli/locale", test_cli_locale);
  g_test_add_func ("/export/large", test_large);
  status = g_test_run ();
  world_stop ();
  return status;
}
