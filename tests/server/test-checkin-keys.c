/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The server's signing key for check-in codes: made at init (or at the first start of an
 * older data directory), published by GET /api/v1/keys of a real `atrium-server`
 * process, and used by the server-side signing function, which the test links and runs
 * against the same data directory (no route signs on request). */
#include "config.h"

#include <string.h>

#include "atrium-auth.h"
#include "atrium-data-dir.h"
#include "atrium-random.h"
#include "atrium-seal.h"
#include "atrium-serve.h"
#include "atrium-signing.h"
#include "atrium-store-keys.h"
#include "atrium-test-server.h"
#include "atrium-test-thread.h"

#define PATRON_PW "Sunflower&Tea42x"

/* 2026-11-24T09:00:00Z to 11:00. */
#define START G_GINT64_CONSTANT (1795510800)
#define END   G_GINT64_CONSTANT (1795518000)

static char *
patron_token (AtriumTestProcess *proc)
{
  const char *args[] = { "useradd", "--data-dir", proc->data_dir, "reader",
                         "--email", "reader@example.org", "--role", "patron",
                         "--password-stdin", NULL };
  g_autoptr(JsonNode) json = NULL;
  JsonObject *object;

  g_assert_cmpint (atrium_test_run_server_input (PATRON_PW "\n", NULL, NULL, args), ==, 0);
  g_assert_cmpuint (atrium_test_request (proc->insecure_port, "POST", "/api/v1/auth/login",
                                         NULL, "{\"username\":\"reader\",\"password\":\""
                                         PATRON_PW "\"}", NULL, &json, NULL), ==, 200);
  object = json_node_get_object (json);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "ok");
  return g_strdup (json_object_get_string_member (object, "token"));
}

/* GET /api/v1/keys, checked member by member: the keys a kiosk would keep. */
static GArray *
fetch_keys (guint16     port,
            const char *token)
{
  g_autoptr(JsonNode) json = NULL;
  GArray *keys = g_array_new (FALSE, TRUE, sizeof (AtriumCheckinKey));
  JsonObject *root;
  JsonArray *list;

  g_assert_cmpuint (atrium_test_request (port, "GET", "/api/v1/keys", token, NULL, NULL,
                                         &json, NULL), ==, 200);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json));
  root = json_node_get_object (json);
  g_assert_cmpuint (json_object_get_size (root), ==, 1);
  list = json_object_get_array_member (root, "keys");
  g_assert_nonnull (list);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *item = json_array_get_object_element (list, i);
      g_autofree guchar *public_key = NULL;
      AtriumCheckinKey key = { 0 };
      gsize len = 0;
      gint64 id;

      g_assert_cmpuint (json_object_get_size (item), ==, 3);
      id = json_object_get_int_member (item, "id");
      g_assert_cmpint (id, >=, 1);
      g_assert_cmpint (id, <=, G_MAXUINT32);
      g_assert_cmpstr (json_object_get_string_member (item, "alg"), ==, "Ed25519");
      public_key = g_base64_decode (json_object_get_string_member (item, "public_key"), &len);
      g_assert_cmpuint (len, ==, ATRIUM_CHECKIN_PUBLIC_KEY_LEN);
      key.id = (guint32) id;
      memcpy (key.public_key, public_key, len);
      g_array_append_val (keys, key);
    }
  return keys;
}

/* What the booking code will call, run here on the server's data directory. */
static char *
server_sign (const char *data_dir,
             gint64      booking_id,
             gint64      resource_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);
  guint8 secrets_key[ATRIUM_SEAL_KEY_LEN];
  char *code;

  g_assert_no_error (error);
  g_assert_true (atrium_auth_load_secrets_key (data_dir, secrets_key, &error));
  code = atrium_signing_checkin_code (db, secrets_key, booking_id, resource_id, START, END,
                                      &error);
  atrium_secure_zero (secrets_key, sizeof secrets_key);
  g_assert_no_error (error);
  return code;
}

static void
test_published_and_verified (void)
{
  AtriumTestProcess *proc = atrium_test_process_start (NULL, NULL);
  g_autofree char *token = patron_token (proc);
  g_autofree char *code = server_sign (proc->data_dir, 1234, 56);
  g_autoptr(GArray) keys = NULL;
  g_autoptr(GArray) again = NULL;
  g_autoptr(GError) error = NULL;
  AtriumCheckinPayload payload = { 0 };

  /* Signed in or nothing. */
  g_assert_cmpuint (atrium_test_request (proc->insecure_port, "GET", "/api/v1/keys", NULL,
                                         NULL, NULL, NULL, NULL), ==, 401);

  keys = fetch_keys (proc->insecure_port, token);
  g_assert_cmpuint (keys->len, ==, 1);

  /* A kiosk holding only what the API gave it verifies the server's code offline. */
  g_assert_true (atrium_checkin_code_decode ((AtriumCheckinKey *) keys->data, keys->len,
                                             code, -1, &payload, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (payload.key_id, ==, g_array_index (keys, AtriumCheckinKey, 0).id);
  g_assert_cmpint (payload.booking_id, ==, 1234);
  g_assert_cmpint (payload.resource_id, ==, 56);
  g_assert_cmpint (payload.start, ==, START);
  g_assert_cmpint (payload.end, ==, END);

  /* A code of a key of our own, even under the server's key id, is refused. */
  {
    guint8 seed[ATRIUM_CHECKIN_SEED_LEN], public_key[ATRIUM_CHECKIN_PUBLIC_KEY_LEN];
    guint8 secret_key[ATRIUM_CHECKIN_SECRET_KEY_LEN];
    AtriumCheckinPayload forged = payload;
    g_autofree char *foreign = NULL;
    g_autoptr(GError) foreign_error = NULL;

    atrium_random_bytes (seed, sizeof seed);
    atrium_checkin_key_from_seed (seed, public_key, secret_key);
    foreign = atrium_checkin_code_encode (secret_key, &forged);
    g_assert_false (atrium_checkin_code_decode ((AtriumCheckinKey *) keys->data, keys->len,
                                                foreign, -1, &payload, &foreign_error));
    g_assert_error (foreign_error, ATRIUM_CHECKIN_CODE_ERROR,
                    ATRIUM_CHECKIN_CODE_ERROR_BAD_SIGNATURE);
  }

  /* The server's own check (for the check-in endpoint) agrees, through its store. */
  {
    g_autoptr(AtriumDb) db = atrium_store_open (proc->data_dir, FALSE, NULL, &error);
    g_autofree char *tampered = g_strdup (code);

    g_assert_no_error (error);
    g_assert_true (atrium_signing_verify_checkin_code (db, code, &payload, &error));
    g_assert_no_error (error);
    g_assert_cmpint (payload.booking_id, ==, 1234);
    tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
    g_assert_false (atrium_signing_verify_checkin_code (db, tampered, &payload, NULL));
  }

  /* init again (safe to repeat) keeps the key; the same booking, the same code. */
  {
    const char *args[] = { "init", "--data-dir", proc->data_dir, NULL };
    g_autofree char *same = NULL;

    g_assert_cmpint (atrium_test_run_server (NULL, NULL, args), ==, 0);
    again = fetch_keys (proc->insecure_port, token);
    g_assert_cmpuint (again->len, ==, 1);
    g_assert_cmpmem (again->data, sizeof (AtriumCheckinKey), keys->data,
                     sizeof (AtriumCheckinKey));
    same = server_sign (proc->data_dir, 1234, 56);
    g_assert_cmpstr (same, ==, code);
  }

  g_assert_cmpint (atrium_test_process_stop (proc), ==, 0);
}

/* A data directory from before check-in codes: the first start makes its key. */
static void
test_made_at_first_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_dir_make_tmp ("atrium-keys-XXXXXX", &error);
  g_autofree char *data_dir = g_build_filename (base, "data", NULL);
  g_autoptr(AtriumClock) clock = atrium_clock_new_fixed (START * ATRIUM_USEC_PER_SEC);
  g_autoptr(GMainContext) context = g_main_context_new ();
  AtriumServeOptions options = { 0 };
  AtriumServer *server;

  g_assert_true (atrium_data_dir_init (data_dir, NULL, NULL, &error));
  {
    g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);
    g_autoptr(GArray) keys = NULL;

    g_assert_no_error (error);
    g_assert_true (atrium_db_exec (db, "DELETE FROM signing_key;", &error));
    keys = atrium_store_signing_keys_list (db, &error);
    g_assert_cmpuint (keys->len, ==, 0);
  }

  g_main_context_push_thread_default (context);
  options.data_dir = data_dir;
  options.insecure_http = "127.0.0.1:0";
  server = atrium_serve_start (&options, clock, &error);
  g_assert_no_error (error);
  {
    AtriumStore *store = atrium_server_get_store (server);
    AtriumDb *db = atrium_store_read_begin (store);
    g_autoptr(GArray) keys = atrium_store_signing_keys_list (db, &error);
    g_autofree char *sealed = NULL;
    guint32 id = 0;

    g_assert_cmpuint (keys->len, ==, 1);
    g_assert_true (atrium_store_signing_key_current (db, &id, &sealed, &error));
    g_assert_cmpuint (id, ==, g_array_index (keys, AtriumCheckinKey, 0).id);
    /* The seed is sealed, not stored as it is. */
    g_assert_true (g_str_has_prefix (sealed, "v1."));
    atrium_store_read_end (store, db);
  }
  atrium_server_free (server);
  g_main_context_pop_thread_default (context);
  atrium_test_remove_tree (base);
}

typedef struct
{
  const char *data_dir;
  GCond       cond;
  GMutex      lock;
  guint       waiting;
  guint       created;
} Race;

static gpointer
race_ensure (gpointer data)
{
  Race *race = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumDb) db = atrium_store_open (race->data_dir, FALSE, NULL, &error);
  guint8 secrets_key[ATRIUM_SEAL_KEY_LEN];
  gboolean created = FALSE;

  g_assert_no_error (error);
  g_assert_true (atrium_auth_load_secrets_key (race->data_dir, secrets_key, &error));
  g_mutex_lock (&race->lock);
  race->waiting--;
  g_cond_broadcast (&race->cond);
  while (race->waiting > 0)
    g_cond_wait (&race->cond, &race->lock);
  g_mutex_unlock (&race->lock);

  g_assert_true (atrium_signing_ensure_key (db, secrets_key, START, &created, &error));
  g_assert_no_error (error);
  g_mutex_lock (&race->lock);
  race->created += created;
  g_mutex_unlock (&race->lock);
  return NULL;
}

/* Workers starting together on a data directory without a key make exactly one. */
static void
test_one_key_when_racing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_dir_make_tmp ("atrium-keys-XXXXXX", &error);
  g_autofree char *data_dir = g_build_filename (base, "data", NULL);
  Race race = { data_dir, { 0 }, { 0 }, 6, 0 };
  GThread *threads[6];

  g_assert_true (atrium_data_dir_init (data_dir, NULL, NULL, &error));
  {
    g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);

    g_assert_true (atrium_db_exec (db, "DELETE FROM signing_key;", &error));
  }
  g_mutex_init (&race.lock);
  g_cond_init (&race.cond);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("ensure", race_ensure, &race);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (race.created, ==, 1);
  {
    g_autoptr(AtriumDb) db = atrium_store_open (data_dir, FALSE, NULL, &error);
    g_autoptr(GArray) keys = atrium_store_signing_keys_list (db, &error);

    g_assert_cmpuint (keys->len, ==, 1);
  }
  g_mutex_clear (&race.lock);
  g_cond_clear (&race.cond);
  atrium_test_remove_tree (base);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/keys/published-and-verified", test_published_and_verified);
  g_test_add_func ("/keys/made-at-first-start", test_made_at_first_start);
  g_test_add_func ("/keys/one-key-when-racing", test_one_key_when_racing);

  return g_test_run ();
}
