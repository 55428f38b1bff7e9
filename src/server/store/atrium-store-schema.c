/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-store"

#include "config.h"

#include "atrium-store-schema.h"

/* The server's schema, oldest first. A released step is never edited: add a new one.
 * Times the server computes with are whole seconds since the epoch (INTEGER); the audit
 * trail keeps RFC 3339 text, which is what it hashes and what people read. */

static const char migration_1[] =
  "CREATE TABLE instance ("
  "  id          INTEGER PRIMARY KEY CHECK (id = 1),"
  "  uuid        TEXT    NOT NULL UNIQUE CHECK (length (uuid) = 32),"
  "  created_at  TEXT    NOT NULL CHECK (created_at LIKE '____-__-__T__:__:__Z')"
  ");"
  "INSERT INTO instance (id, uuid, created_at)"
  "  VALUES (1, lower (hex (randomblob (16))), strftime ('%Y-%m-%dT%H:%M:%SZ', 'now'));";

/* Identity, sessions, second factors and the security record (issue 3). Sites get
 * their details with the occupancy schema; staff and manager roles already refer to
 * them. */
static const char migration_2[] =
  "CREATE TABLE site ("
  "  id          INTEGER PRIMARY KEY,"
  "  name        TEXT    NOT NULL UNIQUE CHECK (length (name) BETWEEN 1 AND 200)"
  ");"

  "CREATE TABLE user ("
  "  id                  INTEGER PRIMARY KEY,"
  "  name                TEXT    NOT NULL UNIQUE COLLATE NOCASE"
  "                              CHECK (length (name) BETWEEN 3 AND 64),"
  "  email               TEXT    NOT NULL UNIQUE COLLATE NOCASE"
  "                              CHECK (length (email) BETWEEN 3 AND 254 AND email LIKE '_%@_%'),"
  "  phone               TEXT    CHECK (phone IS NULL OR (phone GLOB '+[0-9]*'"
  "                              AND length (phone) BETWEEN 9 AND 16)),"
  "  password_hash       TEXT    NOT NULL CHECK (password_hash LIKE '$argon2id$%'),"
  "  password_changed_at INTEGER NOT NULL,"
  "  totp_secret         TEXT,"
  "  totp_pending        TEXT,"
  "  totp_confirmed      INTEGER NOT NULL DEFAULT 0 CHECK (totp_confirmed IN (0, 1)),"
  "  totp_last_step      INTEGER NOT NULL DEFAULT -1,"
  "  disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
  "  created_at          INTEGER NOT NULL,"
  "  CHECK (totp_confirmed = 0 OR totp_secret IS NOT NULL)"
  ");"

  "CREATE TABLE user_role ("
  "  user_id     INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,"
  "  role        TEXT    NOT NULL"
  "              CHECK (role IN ('patron', 'staff', 'manager', 'reporting', 'admin')),"
  "  site_id     INTEGER REFERENCES site (id) ON DELETE CASCADE,"
  "  CHECK ((role IN ('staff', 'manager')) = (site_id IS NOT NULL))"
  ");"
  /* NULL is distinct in UNIQUE: one index per shape keeps grants unique. */
  "CREATE UNIQUE INDEX user_role_site ON user_role (user_id, role, site_id)"
  "  WHERE site_id IS NOT NULL;"
  "CREATE UNIQUE INDEX user_role_global ON user_role (user_id, role) WHERE site_id IS NULL;"

  "CREATE TABLE recovery_code ("
  "  user_id     INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,"
  "  code_hash   TEXT    NOT NULL CHECK (length (code_hash) = 64),"
  "  used_at     INTEGER,"
  "  UNIQUE (user_id, code_hash)"
  ");"

  "CREATE TABLE device ("
  "  id          INTEGER PRIMARY KEY,"
  "  kind        TEXT    NOT NULL CHECK (kind IN ('kiosk', 'sensor')),"
  "  site_id     INTEGER REFERENCES site (id) ON DELETE CASCADE,"
  "  name        TEXT    NOT NULL CHECK (length (name) BETWEEN 1 AND 200),"
  "  created_at  INTEGER NOT NULL,"
  "  revoked_at  INTEGER"
  ");"

  /* The first step of a login: a 128-bit challenge (stored hashed), good for 10 minutes,
   * and the code sent by SMS or email that is bound to it. */
  "CREATE TABLE challenge ("
  "  id_hash         TEXT    PRIMARY KEY CHECK (length (id_hash) = 64),"
  "  user_id         INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,"
  "  created_at      INTEGER NOT NULL,"
  "  expires_at      INTEGER NOT NULL,"
  "  ip              TEXT,"
  "  user_agent      TEXT,"
  "  code_method     TEXT    CHECK (code_method IN ('sms', 'email')),"
  "  code_hash       TEXT    CHECK (code_hash IS NULL OR length (code_hash) = 64),"
  "  code_expires_at INTEGER,"
  "  code_attempts   INTEGER NOT NULL DEFAULT 0 CHECK (code_attempts >= 0),"
  "  code_sent_at    INTEGER"
  ");"

  "CREATE TABLE session ("
  "  id            INTEGER PRIMARY KEY,"
  "  token_hash    TEXT    NOT NULL UNIQUE CHECK (length (token_hash) = 64),"
  "  user_id       INTEGER REFERENCES user (id) ON DELETE CASCADE,"
  "  device_id     INTEGER REFERENCES device (id) ON DELETE CASCADE,"
  "  second_factor INTEGER NOT NULL CHECK (second_factor IN (0, 1)),"
  "  created_at    INTEGER NOT NULL,"
  "  last_seen_at  INTEGER NOT NULL,"
  "  expires_at    INTEGER,"
  "  ip            TEXT,"
  "  user_agent    TEXT,"
  "  CHECK ((user_id IS NULL) <> (device_id IS NULL))"
  ");"
  "CREATE INDEX session_user ON session (user_id);"

  "CREATE TABLE password_reset ("
  "  token_hash  TEXT    PRIMARY KEY CHECK (length (token_hash) = 64),"
  "  user_id     INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,"
  "  created_at  INTEGER NOT NULL,"
  "  expires_at  INTEGER NOT NULL,"
  "  used_at     INTEGER"
  ");"

  /* Where each user has signed in from, to tell them about a new one. */
  "CREATE TABLE known_origin ("
  "  user_id     INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,"
  "  origin_hash TEXT    NOT NULL CHECK (length (origin_hash) = 64),"
  "  first_seen  INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, origin_hash)"
  ");"

  /* Failed sign-ins, by address and by the name typed (hashed), whether or not such an
   * account exists: throttling must not tell the two apart. */
  "CREATE TABLE login_failure ("
  "  id          INTEGER PRIMARY KEY,"
  "  at          INTEGER NOT NULL,"
  "  ip          TEXT    NOT NULL,"
  "  login_hash  TEXT    NOT NULL CHECK (length (login_hash) = 64)"
  ");"
  "CREATE INDEX login_failure_ip ON login_failure (ip, at);"
  "CREATE INDEX login_failure_login ON login_failure (login_hash, at);"
  "CREATE TABLE login_throttle ("
  "  login_hash  TEXT    PRIMARY KEY CHECK (length (login_hash) = 64),"
  "  failures    INTEGER NOT NULL CHECK (failures >= 0),"
  "  not_before  INTEGER NOT NULL"
  ");"

  "CREATE TABLE ip_block ("
  "  ip          TEXT    PRIMARY KEY,"
  "  until       INTEGER NOT NULL,"
  "  offences    INTEGER NOT NULL DEFAULT 1 CHECK (offences >= 1),"
  "  reason      TEXT    NOT NULL"
  ");"

  /* Append-only and hash-chained: each row's hash covers its fields and the previous
   * row's hash, so a changed or removed row breaks the chain (audit verify). */
  "CREATE TABLE audit ("
  "  id          INTEGER PRIMARY KEY,"
  "  at          TEXT    NOT NULL CHECK (at LIKE '____-__-__T__:__:__Z'),"
  "  event       TEXT    NOT NULL CHECK (length (event) BETWEEN 1 AND 64),"
  "  outcome     TEXT    NOT NULL CHECK (outcome IN ('success', 'failure')),"
  "  actor       TEXT,"
  "  subject     TEXT,"
  "  ip          TEXT,"
  "  request_id  TEXT,"
  "  detail      TEXT,"
  "  prev_hash   TEXT    NOT NULL CHECK (length (prev_hash) = 64),"
  "  hash        TEXT    NOT NULL UNIQUE CHECK (length (hash) = 64)"
  ");"
  "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit"
  "  BEGIN SELECT RAISE (ABORT, 'the audit trail is append-only'); END;"
  "CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit"
  "  BEGIN SELECT RAISE (ABORT, 'the audit trail is append-only'); END;"

  "CREATE TABLE security_event ("
  "  id          INTEGER PRIMARY KEY,"
  "  at          TEXT    NOT NULL CHECK (at LIKE '____-__-__T__:__:__Z'),"
  "  event       TEXT    NOT NULL CHECK (length (event) BETWEEN 1 AND 64),"
  "  ip          TEXT,"
  "  user_id     INTEGER,"
  "  request_id  TEXT,"
  "  detail      TEXT,"
  "  blocked     INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1))"
  ");";

/* Sites in full, their spaces, queues and resources, sensors and what they count, and
 * the statistics (issue 4). Times of day are minutes after local midnight in the site's
 * time zone; weekdays are ISO (1 = Monday). Live counts are kept here, not only in
 * memory, so that every server process and a restart see the same figures. */
static const char migration_3[] =
  "ALTER TABLE site ADD COLUMN address  TEXT NOT NULL DEFAULT ''"
  "  CHECK (length (address) <= 500);"
  "ALTER TABLE site ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC'"
  "  CHECK (length (timezone) BETWEEN 1 AND 64);"

  /* Several periods a day are allowed (a library that closes for lunch). */
  "CREATE TABLE site_hours ("
  "  site_id     INTEGER NOT NULL REFERENCES site (id) ON DELETE CASCADE,"
  "  weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),"
  "  opens       INTEGER NOT NULL CHECK (opens BETWEEN 0 AND 1439),"
  "  closes      INTEGER NOT NULL CHECK (closes BETWEEN 1 AND 1440 AND closes > opens),"
  "  UNIQUE (site_id, weekday, opens)"
  ");"

  /* A date whose hours differ: closed all day (no periods) or special periods. */
  "CREATE TABLE site_exception ("
  "  site_id     INTEGER NOT NULL REFERENCES site (id) ON DELETE CASCADE,"
  "  date        TEXT    NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),"
  "  opens       INTEGER CHECK (opens IS NULL OR opens BETWEEN 0 AND 1439),"
  "  closes      INTEGER CHECK (closes IS NULL OR (closes BETWEEN 1 AND 1440 AND closes > opens)),"
  "  note        TEXT    NOT NULL DEFAULT '' CHECK (length (note) <= 200),"
  "  CHECK ((opens IS NULL) = (closes IS NULL)),"
  "  UNIQUE (site_id, date, opens)"
  ");"

  "CREATE TABLE space ("
  "  id          INTEGER PRIMARY KEY,"
  "  site_id     INTEGER NOT NULL REFERENCES site (id) ON DELETE RESTRICT,"
  "  name        TEXT    NOT NULL CHECK (length (name) BETWEEN 1 AND 200),"
  "  kind        TEXT    NOT NULL CHECK (kind IN ('reading_room', 'floor', 'study_room',"
  "                                              'other')),"
  "  capacity    INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 100000),"
  "  attributes  TEXT    NOT NULL DEFAULT '{}' CHECK (attributes LIKE '{%}'),"
  "  UNIQUE (site_id, name)"
  ");"

  /* Capacity that differs by day and hour (a room half closed in the evening). */
  "CREATE TABLE space_capacity ("
  "  space_id    INTEGER NOT NULL REFERENCES space (id) ON DELETE CASCADE,"
  "  weekday     INTEGER CHECK (weekday IS NULL OR weekday BETWEEN 1 AND 7),"
  "  starts      INTEGER NOT NULL CHECK (starts BETWEEN 0 AND 1439),"
  "  ends        INTEGER NOT NULL CHECK (ends BETWEEN 1 AND 1440 AND ends > starts),"
  "  capacity    INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 100000)"
  ");"
  "CREATE INDEX space_capacity_space ON space_capacity (space_id);"

  "CREATE TABLE queue ("
  "  id          INTEGER PRIMARY KEY,"
  "  site_id     INTEGER NOT NULL REFERENCES site (id) ON DELETE RESTRICT,"
  "  name        TEXT    NOT NULL CHECK (length (name) BETWEEN 1 AND 200),"
  "  kind        TEXT    NOT NULL CHECK (kind IN ('entrance', 'loan_desk', 'help_desk',"
  "                                              'other')),"
  "  UNIQUE (site_id, name)"
  ");"

  /* What patrons book (issue 5 adds the rules); the demo institution has about 60. */
  "CREATE TABLE resource ("
  "  id          INTEGER PRIMARY KEY,"
  "  site_id     INTEGER NOT NULL REFERENCES site (id) ON DELETE RESTRICT,"
  "  space_id    INTEGER REFERENCES space (id) ON DELETE SET NULL,"
  "  type        TEXT    NOT NULL CHECK (type IN ('seat', 'room', 'equipment')),"
  "  name        TEXT    NOT NULL CHECK (length (name) BETWEEN 1 AND 200),"
  "  capacity    INTEGER NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 1000),"
  "  attributes  TEXT    NOT NULL DEFAULT '{}' CHECK (attributes LIKE '{%}'),"
  "  UNIQUE (site_id, name)"
  ");"

  /* A sensor is a device (its key is a device session) that counts one space or one
   * queue. */
  "CREATE TABLE sensor ("
  "  device_id     INTEGER PRIMARY KEY REFERENCES device (id) ON DELETE CASCADE,"
  "  space_id      INTEGER REFERENCES space (id) ON DELETE CASCADE,"
  "  queue_id      INTEGER REFERENCES queue (id) ON DELETE CASCADE,"
  "  last_seen_at  INTEGER,"
  "  silent_since  INTEGER,"
  "  CHECK ((space_id IS NULL) <> (queue_id IS NULL))"
  ");"

  /* Each post once: (sensor, seq) is the idempotency key. */
  "CREATE TABLE sensor_count ("
  "  device_id     INTEGER NOT NULL REFERENCES sensor (device_id) ON DELETE CASCADE,"
  "  seq           INTEGER NOT NULL CHECK (seq >= 0),"
  "  ts            INTEGER NOT NULL,"
  "  entries       INTEGER NOT NULL CHECK (entries BETWEEN 0 AND 100000),"
  "  exits         INTEGER NOT NULL CHECK (exits BETWEEN 0 AND 100000),"
  "  received_at   INTEGER NOT NULL,"
  "  PRIMARY KEY (device_id, seq)"
  ") WITHOUT ROWID;"
  "CREATE INDEX sensor_count_ts ON sensor_count (device_id, ts);"

  /* The live figure of each space and queue. `area` and `since` integrate the count
   * over time for the mean occupancy of the statistics. */
  "CREATE TABLE counter ("
  "  space_id      INTEGER UNIQUE REFERENCES space (id) ON DELETE CASCADE,"
  "  queue_id      INTEGER UNIQUE REFERENCES queue (id) ON DELETE CASCADE,"
  "  count         INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),"
  "  reset_at      INTEGER NOT NULL DEFAULT 0,"
  "  since         INTEGER NOT NULL DEFAULT 0,"
  "  updated_at    INTEGER NOT NULL DEFAULT 0,"
  "  over_since    INTEGER,"
  "  CHECK ((space_id IS NULL) <> (queue_id IS NULL))"
  ");"

  /* Five-minute buckets: what statistics and forecasts are made of. */
  "CREATE TABLE stat_bucket ("
  "  space_id      INTEGER REFERENCES space (id) ON DELETE CASCADE,"
  "  queue_id      INTEGER REFERENCES queue (id) ON DELETE CASCADE,"
  "  start         INTEGER NOT NULL CHECK (start % 300 = 0),"
  "  entries       INTEGER NOT NULL DEFAULT 0,"
  "  exits         INTEGER NOT NULL DEFAULT 0,"
  "  peak          INTEGER NOT NULL DEFAULT 0,"
  "  area          INTEGER NOT NULL DEFAULT 0,"
  "  wait_sum      REAL    NOT NULL DEFAULT 0,"
  "  wait_n        INTEGER NOT NULL DEFAULT 0,"
  "  CHECK ((space_id IS NULL) <> (queue_id IS NULL))"
  ");"
  "CREATE UNIQUE INDEX stat_bucket_space ON stat_bucket (space_id, start)"
  "  WHERE space_id IS NOT NULL;"
  "CREATE UNIQUE INDEX stat_bucket_queue ON stat_bucket (queue_id, start)"
  "  WHERE queue_id IS NOT NULL;"

  /* What staff should know about a site: over capacity, a silent sensor, a recount. */
  "CREATE TABLE site_event ("
  "  id          INTEGER PRIMARY KEY,"
  "  site_id     INTEGER NOT NULL REFERENCES site (id) ON DELETE CASCADE,"
  "  at          INTEGER NOT NULL,"
  "  kind        TEXT    NOT NULL CHECK (kind IN ('over_capacity', 'sensor_silent',"
  "                                              'sensor_back', 'correction')),"
  "  space_id    INTEGER,"
  "  queue_id    INTEGER,"
  "  device_id   INTEGER,"
  "  detail      TEXT    NOT NULL DEFAULT ''"
  ");"
  "CREATE INDEX site_event_site ON site_event (site_id, at);";

/* Bookings (issue 5). A booking covers whole five-minute slots; every active booking
 * (booked or checked in) owns one booking_slot row per slot it covers, and the primary
 * key of booking_slot, (resource, slot start), makes a double booking impossible. The
 * rows are written and removed by triggers, never by hand, so no code path can forget
 * them: inserting a booking over a taken slot fails with a UNIQUE violation, and leaving
 * the active states (cancelled, released, no_show, completed) frees the slots. Every
 * rule's granularity is a multiple of these five minutes, so bookings made under
 * different rules still meet on the same grid. A booking's user may become NULL: an
 * anonymised booking keeps its resource and times for the statistics. */
static const char migration_4[] =
  "ALTER TABLE resource ADD COLUMN description TEXT NOT NULL DEFAULT ''"
  "  CHECK (length (description) <= 2000);"

  /* Per site and resource type; a type without a row has the built-in defaults. */
  "CREATE TABLE booking_rule ("
  "  site_id       INTEGER NOT NULL REFERENCES site (id) ON DELETE CASCADE,"
  "  type          TEXT    NOT NULL CHECK (type IN ('seat', 'room', 'equipment')),"
  "  slot_minutes  INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240"
  "                        AND slot_minutes % 5 = 0 AND 1440 % slot_minutes = 0),"
  "  min_minutes   INTEGER NOT NULL CHECK (min_minutes >= slot_minutes"
  "                        AND min_minutes % slot_minutes = 0),"
  "  max_minutes   INTEGER NOT NULL CHECK (max_minutes BETWEEN min_minutes AND 1440"
  "                        AND max_minutes % slot_minutes = 0),"
  "  ahead_days    INTEGER NOT NULL CHECK (ahead_days BETWEEN 0 AND 365),"
  "  per_day       INTEGER CHECK (per_day IS NULL OR per_day BETWEEN 0 AND 1000),"
  "  per_week      INTEGER CHECK (per_week IS NULL OR per_week BETWEEN 0 AND 1000),"
  "  min_group     INTEGER NOT NULL DEFAULT 1 CHECK (min_group BETWEEN 1 AND 1000),"
  "  PRIMARY KEY (site_id, type)"
  ");"

  "CREATE TABLE booking ("
  "  id            INTEGER PRIMARY KEY,"
  "  resource_id   INTEGER NOT NULL REFERENCES resource (id) ON DELETE RESTRICT,"
  "  user_id       INTEGER REFERENCES user (id) ON DELETE SET NULL,"
  "  created_by    INTEGER REFERENCES user (id) ON DELETE SET NULL,"
  "  starts        INTEGER NOT NULL CHECK (starts % 300 = 0),"
  "  ends          INTEGER NOT NULL CHECK (ends % 300 = 0"
  "                        AND ends - starts BETWEEN 300 AND 86400),"
  "  status        TEXT    NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'checked_in',"
  "                        'cancelled', 'released', 'no_show', 'completed')),"
  "  group_size    INTEGER NOT NULL DEFAULT 1 CHECK (group_size BETWEEN 1 AND 1000),"
  "  created_at    INTEGER NOT NULL,"
  "  cancelled_at  INTEGER,"
  "  cancelled_by  INTEGER REFERENCES user (id) ON DELETE SET NULL,"
  "  check_in_at   INTEGER,"
  "  break_until   INTEGER,"
  "  anonymised_at INTEGER,"
  "  CHECK (status <> 'checked_in' OR check_in_at IS NOT NULL),"
  "  CHECK (break_until IS NULL OR check_in_at IS NOT NULL),"
  "  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))"
  ");"
  "CREATE INDEX booking_user ON booking (user_id, starts);"
  "CREATE INDEX booking_resource ON booking (resource_id, starts);"
  "CREATE INDEX booking_starts ON booking (starts);"

  /* 0 … 287: the slots of the longest booking (24 h), for the triggers below. */
  "CREATE TABLE slot_offset (n INTEGER PRIMARY KEY CHECK (n BETWEEN 0 AND 287));"
  "INSERT INTO slot_offset (n) WITH RECURSIVE k (n) AS"
  "  (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 287) SELECT n FROM k;"
  "CREATE TRIGGER slot_offset_fixed_update BEFORE UPDATE ON slot_offset"
  "  BEGIN SELECT RAISE (ABORT, 'slot_offset is fixed'); END;"
  "CREATE TRIGGER slot_offset_fixed_delete BEFORE DELETE ON slot_offset"
  "  BEGIN SELECT RAISE (ABORT, 'slot_offset is fixed'); END;"

  "CREATE TABLE booking_slot ("
  "  resource_id   INTEGER NOT NULL REFERENCES resource (id) ON DELETE RESTRICT,"
  "  slot_start    INTEGER NOT NULL CHECK (slot_start % 300 = 0),"
  "  booking_id    INTEGER NOT NULL REFERENCES booking (id) ON DELETE CASCADE,"
  "  PRIMARY KEY (resource_id, slot_start)"
  ") WITHOUT ROWID;"
  "CREATE INDEX booking_slot_booking ON booking_slot (booking_id);"

  "CREATE TRIGGER booking_slots_take AFTER INSERT ON booking"
  "  WHEN NEW.status IN ('booked', 'checked_in')"
  "  BEGIN"
  "    INSERT INTO booking_slot (resource_id, slot_start, booking_id)"
  "      SELECT NEW.resource_id, NEW.starts + n * 300, NEW.id FROM slot_offset"
  "      WHERE n < (NEW.ends - NEW.starts) / 300;"
  "  END;"
  /* Leaving or entering the active states, or moving in time or to another resource. */
  "CREATE TRIGGER booking_slots_move AFTER UPDATE OF resource_id, starts, ends, status"
  "  ON booking"
  "  WHEN (OLD.status IN ('booked', 'checked_in')) <> (NEW.status IN ('booked', 'checked_in'))"
  "    OR OLD.starts <> NEW.starts OR OLD.ends <> NEW.ends"
  "    OR OLD.resource_id <> NEW.resource_id"
  "  BEGIN"
  "    DELETE FROM booking_slot WHERE booking_id = OLD.id;"
  "    INSERT INTO booking_slot (resource_id, slot_start, booking_id)"
  "      SELECT NEW.resource_id, NEW.starts + n * 300, NEW.id FROM slot_offset"
  "      WHERE NEW.status IN ('booked', 'checked_in') AND n < (NEW.ends - NEW.starts) / 300;"
  "  END;"

  /* Idempotency-Key: per caller, the key and the body (both hashed) and the answer that
   * was given, written in the same transaction as the booking. Kept at least 24 h. */
  "CREATE TABLE idempotency ("
  "  user_id       INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,"
  "  key_hash      TEXT    NOT NULL CHECK (length (key_hash) = 64),"
  "  body_hash     TEXT    NOT NULL CHECK (length (body_hash) = 64),"
  "  status        INTEGER NOT NULL CHECK (status BETWEEN 200 AND 499),"
  "  response      TEXT    NOT NULL,"
  "  created_at    INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, key_hash)"
  ") WITHOUT ROWID;"
  "CREATE INDEX idempotency_created ON idempotency (created_at);";

/* The server's Ed25519 keys for check-in codes (issue 5). The seed is sealed with
 * secrets.key, as TOTP seeds are; the public key is what GET /api/v1/keys hands out. At
 * most one key is current (retired_at NULL); retired keys still verify the codes they
 * signed. Ids are random 32-bit numbers, the key id of a code. */
static const char migration_5[] =
  "CREATE TABLE signing_key ("
  "  id          INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),"
  "  alg         TEXT    NOT NULL CHECK (alg = 'Ed25519'),"
  "  public_key  BLOB    NOT NULL CHECK (typeof (public_key) = 'blob'"
  "                                      AND length (public_key) = 32),"
  "  sealed_seed TEXT    NOT NULL CHECK (sealed_seed LIKE 'v1.%'),"
  "  created_at  INTEGER NOT NULL,"
  "  retired_at  INTEGER CHECK (retired_at IS NULL OR retired_at >= created_at)"
  ");"
  "CREATE UNIQUE INDEX signing_key_current ON signing_key (retired_at IS NULL)"
  "  WHERE retired_at IS NULL;";

/* Check-in, breaks, no-shows and booking mail (issue 5). A no-show is counted on the
 * user's row (erased with the account). A reminder is claimed by setting reminded_at in
 * the writer's transaction, so it goes out once whatever the number of processes.
 * booking_event is the feed of booking changes every process tails for its live
 * subscribers; rows older than a day are purged. The partial index keeps the
 * scheduler's scans to the active bookings. */
static const char migration_6[] =
  "ALTER TABLE user ADD COLUMN no_shows INTEGER NOT NULL DEFAULT 0 CHECK (no_shows >= 0);"
  "ALTER TABLE booking ADD COLUMN reminded_at INTEGER;"
  "ALTER TABLE booking ADD COLUMN ended_at INTEGER;"
  "CREATE INDEX booking_active ON booking (starts)"
  "  WHERE status IN ('booked', 'checked_in');"
  "CREATE TABLE booking_event ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  booking_id  INTEGER NOT NULL REFERENCES booking (id) ON DELETE CASCADE,"
  "  site_id     INTEGER NOT NULL,"
  "  event       TEXT    NOT NULL CHECK (event IN ('created', 'cancelled', 'checked_in',"
  "                        'break', 'released', 'no_show', 'completed')),"
  "  at          INTEGER NOT NULL"
  ");"
  "CREATE INDEX booking_event_at ON booking_event (at);";

/* Privacy (issue 5). An erased account leaves only its number in erased_user, so that
 * the "user:N" of the audit trail, which cannot be rewritten, never comes to name someone
 * else: SQLite would give the highest freed id to the next account, and a trigger refuses
 * that (atrium_store_user_create picks a number past both tables). The trail and the
 * security record are indexed by the person they name, for "all my data"; bookings not
 * yet anonymised by the end, for the retention job. */
static const char migration_7[] =
  "CREATE TABLE erased_user ("
  "  id          INTEGER PRIMARY KEY,"
  "  erased_at   INTEGER NOT NULL"
  ");"
  /* Every way of deleting an account leaves its tombstone; the erasure code writes it
   * first with the server's clock, so this one only catches the other paths. */
  "CREATE TRIGGER user_tombstone AFTER DELETE ON user"
  "  BEGIN"
  "    INSERT OR IGNORE INTO erased_user (id, erased_at)"
  "      VALUES (OLD.id, CAST (strftime ('%s', 'now') AS INTEGER));"
  "  END;"
  "CREATE TRIGGER user_id_not_reused AFTER INSERT ON user"
  "  WHEN EXISTS (SELECT 1 FROM erased_user WHERE id = NEW.id)"
  "  BEGIN SELECT RAISE (ABORT, 'the number of an erased account is never given again'); END;"
  "CREATE INDEX audit_subject ON audit (subject);"
  "CREATE INDEX audit_actor ON audit (actor);"
  "CREATE INDEX security_event_user ON security_event (user_id);"
  "CREATE INDEX booking_to_anonymise ON booking (ends) WHERE anonymised_at IS NULL;";

/* Backups (issue 9). Every row written to any other table is also written here as the
 * SQL statement that makes it again, by triggers that atrium_store_changelog_sync()
 * generates from the tables as they are: an incremental backup is this log since the
 * last full one, and a restore replays it up to a moment (`restore --until`). `at` is
 * the wall clock in milliseconds; AUTOINCREMENT keeps the ids gap-free, so a missing
 * stretch is noticed. */
static const char migration_8[] =
  "CREATE TABLE change_log ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  at          INTEGER NOT NULL,"
  "  sql         TEXT    NOT NULL"
  ");";

static const AtriumMigration migrations[] = {
  { 1, migration_1 },
  { 2, migration_2 },
  { 3, migration_3 },
  { 4, migration_4 },
  { 5, migration_5 },
  { 6, migration_6 },
  { 7, migration_7 },
  { 8, migration_8 },
};

const AtriumMigration *
atrium_store_get_migrations (guint *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}
