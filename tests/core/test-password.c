/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sodium.h>

#include "atrium-core-error.h"
#include "atrium-password.h"
#include "atrium-random.h"

/* The floor keeps the suite fast; the default is exercised once. */
static const AtriumPasswordParams floor_params = ATRIUM_PASSWORD_PARAMS_MIN;

#define USER  "marie.curie"
#define EMAIL "marie.curie@example.org"

/* ---- hashing ----------------------------------------------------------------------- */

static void
test_hash_verify (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *again = NULL;

  stored = atrium_password_hash ("Radium & Polonium 1898", &floor_params, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (stored, "$argon2id$v=19$m=19456,t=2,p=1$"));

  g_assert_true (atrium_password_verify (stored, "Radium & Polonium 1898"));
  g_assert_false (atrium_password_verify (stored, "Radium & Polonium 1899"));
  g_assert_false (atrium_password_verify (stored, "radium & polonium 1898"));
  g_assert_false (atrium_password_verify (stored, ""));
  g_assert_false (atrium_password_verify (stored, NULL));
  g_assert_false (atrium_password_verify (NULL, "Radium & Polonium 1898"));
  g_assert_false (atrium_password_verify ("$argon2id$garbage", "Radium & Polonium 1898"));
  g_assert_false (atrium_password_verify ("", "Radium & Polonium 1898"));

  /* A fresh salt every time. */
  again = atrium_password_hash ("Radium & Polonium 1898", &floor_params, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, !=, stored);
  g_assert_true (atrium_password_verify (again, "Radium & Polonium 1898"));
}

static void
test_hash_default_params (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = atrium_password_hash ("Radium & Polonium 1898", NULL, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (stored, "$argon2id$v=19$m=65536,t=2,p=1$"));
  g_assert_true (atrium_password_verify (stored, "Radium & Polonium 1898"));
  g_assert_false (atrium_password_needs_rehash (stored, NULL));
}

static void
test_hash_params_floor (void)
{
  const AtriumPasswordParams weak_ops = { 1, ATRIUM_PASSWORD_MEMLIMIT_MIN };
  const AtriumPasswordParams weak_mem = { 2, ATRIUM_PASSWORD_MEMLIMIT_MIN - 1024 };
  g_autoptr(GError) error = NULL;

  g_assert_null (atrium_password_hash ("Radium & Polonium 1898", &weak_ops, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_null (atrium_password_hash ("Radium & Polonium 1898", &weak_mem, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_true (atrium_password_params_check (&floor_params, &error));
  g_assert_no_error (error);
}

static void
test_hash_nfkc (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ligature = NULL;
  g_autofree char *composed = NULL;

  /* "ﬁ" (U+FB01) and "fi" are one password; so are full-width and ASCII digits. */
  ligature = atrium_password_hash ("\xef\xac\x81nd the "
                                   "\xef\xbc\x91\xef\xbc\x98\xef\xbc\x99\xef\xbc\x98 notes",
                                   &floor_params, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_password_verify (ligature, "find the 1898 notes"));
  g_assert_true (atrium_password_verify (ligature, "\xef\xac\x81nd the 1898 notes"));
  g_assert_false (atrium_password_verify (ligature, "fnd the 1898 notes"));

  /* Precomposed "é" and "e" + U+0301 COMBINING ACUTE ACCENT. */
  composed = atrium_password_hash ("Caf\xc3\xa9 Curie 1867", &floor_params, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_password_verify (composed, "Cafe\xcc\x81 Curie 1867"));
  g_assert_false (atrium_password_verify (composed, "Cafe Curie 1867"));
}

static void
test_hash_invalid_utf8 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;

  g_assert_null (atrium_password_hash ("Radium\xff Polonium", &floor_params, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_ENCODING);
  g_clear_error (&error);

  stored = atrium_password_hash ("Radium Polonium", &floor_params, &error);
  g_assert_no_error (error);
  g_assert_false (atrium_password_verify (stored, "Radium\xff Polonium"));
  g_assert_false (atrium_password_verify (stored, "Radium \xc0\xa0Polonium"));
}

static void
test_needs_rehash (void)
{
  const AtriumPasswordParams more_ops = { 3, ATRIUM_PASSWORD_MEMLIMIT_MIN };
  const AtriumPasswordParams more_mem = { 2, ATRIUM_PASSWORD_MEMLIMIT_MIN + 1024 * 1024 };
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *stronger = NULL;
  char argon2i[crypto_pwhash_STRBYTES];

  stored = atrium_password_hash ("Radium & Polonium 1898", &floor_params, &error);
  g_assert_no_error (error);
  g_assert_false (atrium_password_needs_rehash (stored, &floor_params));
  g_assert_true (atrium_password_needs_rehash (stored, &more_ops));
  g_assert_true (atrium_password_needs_rehash (stored, &more_mem));
  g_assert_true (atrium_password_needs_rehash (stored, NULL));
  g_assert_true (atrium_password_needs_rehash ("$argon2id$garbage", &floor_params));
  g_assert_true (atrium_password_needs_rehash (NULL, &floor_params));

  /* A hash made with other parameters still verifies, and is then not "stale". */
  stronger = atrium_password_hash ("Radium & Polonium 1898", &more_ops, &error);
  g_assert_no_error (error);
  g_assert_true (atrium_password_verify (stronger, "Radium & Polonium 1898"));
  g_assert_false (atrium_password_needs_rehash (stronger, &more_ops));
  g_assert_true (atrium_password_needs_rehash (stronger, &floor_params));

  /* Argon2i (not "id") verifies but is always upgraded. */
  atrium_crypto_init ();
  g_assert_cmpint (crypto_pwhash_argon2i_str (argon2i, "Radium", 6, 3,
                                              ATRIUM_PASSWORD_MEMLIMIT_MIN), ==, 0);
  g_assert_true (atrium_password_verify (argon2i, "Radium"));
  g_assert_true (atrium_password_needs_rehash (argon2i, &more_ops));
}

/* ---- policy ------------------------------------------------------------------------ */

static void
assert_rule (const AtriumPasswordPolicy *policy,
             const char                 *password,
             const char                 *user_name,
             const char                 *email,
             AtriumPasswordRule          expected,
             const char                 *message_part)
{
  g_autoptr(GError) error = NULL;
  AtriumPasswordRule rule = 99;
  gboolean ok = atrium_password_check (policy, password, user_name, email, &rule, &error);

  if (rule != expected)
    g_test_message ("password \"%s\": rule %s, expected %s (%s)", password,
                    atrium_password_rule_id (rule), atrium_password_rule_id (expected),
                    error != NULL ? error->message : "no error");
  g_assert_cmpint (rule, ==, expected);
  if (expected == ATRIUM_PASSWORD_RULE_NONE)
    {
      g_assert_true (ok);
      g_assert_no_error (error);
      return;
    }
  g_assert_false (ok);
  g_assert_nonnull (error);
  g_assert_true (error->domain == ATRIUM_CORE_ERROR);
  if (message_part != NULL && strstr (error->message, message_part) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, message_part);
}

static void
test_rule_ids (void)
{
  g_assert_cmpstr (atrium_password_rule_id (ATRIUM_PASSWORD_RULE_NONE), ==, "none");
  g_assert_cmpstr (atrium_password_rule_id (ATRIUM_PASSWORD_RULE_ENCODING), ==, "encoding");
  g_assert_cmpstr (atrium_password_rule_id (ATRIUM_PASSWORD_RULE_TOO_SHORT), ==, "too_short");
  g_assert_cmpstr (atrium_password_rule_id (ATRIUM_PASSWORD_RULE_TOO_LONG), ==, "too_long");
  g_assert_cmpstr (atrium_password_rule_id (ATRIUM_PASSWORD_RULE_CLASSES), ==, "classes");
  g_assert_cmpstr (atrium_password_rule_id (ATRIUM_PASSWORD_RULE_COMMON), ==, "common");
  g_assert_cmpstr (atrium_password_rule_id (ATRIUM_PASSWORD_RULE_PERSONAL), ==, "personal");
}

static void
test_rule_encoding (void)
{
  g_autoptr(GError) error = NULL;
  AtriumPasswordRule rule;

  assert_rule (NULL, "Xq7#vLp9\xff$Rt2zW", NULL, NULL, ATRIUM_PASSWORD_RULE_ENCODING,
               "not valid text");
  assert_rule (NULL, "Xq7#vLp9\xc0\xafRt2zW", NULL, NULL, ATRIUM_PASSWORD_RULE_ENCODING, NULL);
  assert_rule (NULL, "Xq7#vLp9\tRt2zWk", NULL, NULL, ATRIUM_PASSWORD_RULE_ENCODING,
               "control characters");
  assert_rule (NULL, "Xq7#vLp9\nRt2zWk", NULL, NULL, ATRIUM_PASSWORD_RULE_ENCODING, NULL);
  assert_rule (NULL, "Xq7#vLp9\x7fRt2zWk", NULL, NULL, ATRIUM_PASSWORD_RULE_ENCODING, NULL);
  /* U+0085 NEXT LINE, a C1 control. */
  assert_rule (NULL, "Xq7#vLp9\xc2\x85Rt2zWk", NULL, NULL, ATRIUM_PASSWORD_RULE_ENCODING,
               NULL);

  g_assert_false (atrium_password_check (NULL, "Xq7#vLp9\tRt2zWk", NULL, NULL, &rule, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_ENCODING);
}

static void
test_rule_too_short_and_long (void)
{
  const AtriumPasswordPolicy policy = { 14, 20, 3, TRUE, TRUE };
  g_autoptr(GError) error = NULL;
  AtriumPasswordRule rule;
  g_autofree char *huge = g_strnfill (128 * 16 + 1, 'x');

  assert_rule (NULL, "Xq7#vLp9Rt2", NULL, NULL, ATRIUM_PASSWORD_RULE_TOO_SHORT,
               "The password must have at least 12 characters.");
  assert_rule (&policy, "Xq7#vLp9Rt2zW", NULL, NULL, ATRIUM_PASSWORD_RULE_TOO_SHORT,
               "The password must have at least 14 characters.");
  assert_rule (&policy, "Xq7#vLp9Rt2zWk", NULL, NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  assert_rule (&policy, "Xq7#vLp9Rt2zWkXq7#vLp", NULL, NULL, ATRIUM_PASSWORD_RULE_TOO_LONG,
               "The password must have at most 20 characters.");
  /* Far too many bytes is refused before normalisation. */
  assert_rule (NULL, huge, NULL, NULL, ATRIUM_PASSWORD_RULE_TOO_LONG,
               "The password must have at most 128 characters.");

  g_assert_false (atrium_password_check (NULL, "Xq7#vLp9Rt2", NULL, NULL, &rule, &error));
  g_assert_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_OUT_OF_RANGE);
}

/* @n characters: the four classes first, then random two-byte letters and symbols. */
static char *
multibyte_password (guint n)
{
  static const char *const alphabet[] = {
    "\xc3\xa9", "\xc3\xb8", "\xd0\x96", "\xd0\xb6", "\xc3\xb1", "\xce\xa9", "\xce\xbb",
    "\xc3\xbc", "\xc3\xa7", "\xc5\x9f", "\xc4\x9f", "\xc2\xa7", "\xc2\xb1", "\xc3\x86",
    "k", "Q", "7", "#",
  };
  GString *s = g_string_new ("\xc3\x84\xc3\x9f" "7\xe2\x82\xac");   /* Ä ß 7 € */

  g_assert_cmpuint (n, >=, 4);
  for (guint i = 4; i < n; i++)
    g_string_append (s, alphabet[atrium_random_uniform (G_N_ELEMENTS (alphabet))]);
  g_assert_cmpint (g_utf8_strlen (s->str, -1), ==, n);
  g_assert_cmpuint (s->len, >, n);
  return g_string_free (s, FALSE);
}

static void
test_rule_length_boundaries (void)
{
  const guint lengths[] = { 11, 12, 128, 129 };
  const AtriumPasswordRule expected[] = {
    ATRIUM_PASSWORD_RULE_TOO_SHORT, ATRIUM_PASSWORD_RULE_NONE,
    ATRIUM_PASSWORD_RULE_NONE, ATRIUM_PASSWORD_RULE_TOO_LONG,
  };

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    for (guint round = 0; round < 20; round++)
      {
        g_autofree char *password = multibyte_password (lengths[i]);

        assert_rule (NULL, password, USER, EMAIL, expected[i], NULL);
      }

  /* Length is counted after NFKC: "e" + U+0301 is one character, "ﬁ" two. */
  assert_rule (NULL, "Xq7#vLp9Rte\xcc\x81", NULL, NULL, ATRIUM_PASSWORD_RULE_TOO_SHORT, NULL);
  assert_rule (NULL, "Xq7#vLp9Rt2e\xcc\x81", NULL, NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  assert_rule (NULL, "Xq7#vLp9Rt\xef\xac\x81", NULL, NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);
}

/* "图书馆的座位预约系统很好": twelve letters without case. */
#define CJK_12 "\xe5\x9b\xbe\xe4\xb9\xa6\xe9\xa6\x86\xe7\x9a\x84\xe5\xba\xa7\xe4\xbd\x8d" \
               "\xe9\xa2\x84\xe7\xba\xa6\xe7\xb3\xbb\xe7\xbb\x9f\xe5\xbe\x88\xe5\xa5\xbd"

static void
test_rule_classes (void)
{
  const AtriumPasswordPolicy four = { 12, 128, 4, TRUE, TRUE };
  const AtriumPasswordPolicy none = { 12, 128, 0, TRUE, TRUE };

  assert_rule (NULL, "vqlpztrwkxmsdj", NULL, NULL, ATRIUM_PASSWORD_RULE_CLASSES,
               "The password must mix at least 3 of these: lowercase letters, uppercase "
               "letters, digits and symbols.");
  assert_rule (NULL, "vqlpztrwKXMSDJ", NULL, NULL, ATRIUM_PASSWORD_RULE_CLASSES, NULL);
  assert_rule (NULL, "vqlpztrwKXMSD7", NULL, NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  assert_rule (NULL, "vqlpztrw#xmsd7", NULL, NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  assert_rule (&four, "vqlpztrwKXMSD7", NULL, NULL, ATRIUM_PASSWORD_RULE_CLASSES,
               "at least 4 of these");
  assert_rule (&four, "vqlpztrw#XMSD7", NULL, NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  assert_rule (&none, "vqlpztrwkxmsdjfh", NULL, NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);

  /* Spaces are no class, nor is an invisible ZERO WIDTH JOINER. */
  assert_rule (NULL, "vqlp ztrw kxms djfh", NULL, NULL, ATRIUM_PASSWORD_RULE_CLASSES, NULL);
  assert_rule (NULL, "vqlpztrwKXMSD\xe2\x80\x8d", NULL, NULL, ATRIUM_PASSWORD_RULE_CLASSES,
               NULL);
  /* Letters without case count as lowercase: CJK + digits + a symbol is three classes. */
  assert_rule (NULL, CJK_12, NULL, NULL, ATRIUM_PASSWORD_RULE_CLASSES, NULL);
  assert_rule (NULL, CJK_12 "42", NULL, NULL, ATRIUM_PASSWORD_RULE_CLASSES, NULL);
  assert_rule (NULL, CJK_12 "42!", NULL, NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  /* Full-width letters and digits are their ASCII selves after NFKC. */
  assert_rule (NULL, "\xef\xbd\x96\xef\xbd\x91\xef\xbd\x8c\xef\xbd\x90ztrwKXMSD7", NULL,
               NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);
}

static void
test_rule_common (void)
{
  const char *common[] = {
    "Password123!", "Qwerty123456", "Iloveyou2024!", "P@ssw0rd1234", "Letmein12345",
    "Football2023!", "Monkey123456!", "Welcome12345!", "Qwertyuiop12!",
  };
  const char *predictable[] = {
    "Aaaaaaaaaaa1!", "Abcdefghijk1!", "Zzzzzzzzzzzz9", "Abcabcabcabc1!",
    /* Repeated blocks, which zxcvbn-c alone scores 38 and 77 bits. */
    "Password1!Password1!Password1!Password1!", "Xy7!Xy7!Xy7!Xy7!", "Summer#2024Summer#2024",
    "Password1!Password1!Password1!Password1!Password1!Password1!Password1!Password1!"
    "Password1!Password1!Password1!Password1!Password",
  };
  const AtriumPasswordPolicy lax = { 12, 128, 3, FALSE, TRUE };

  for (guint i = 0; i < G_N_ELEMENTS (common); i++)
    assert_rule (NULL, common[i], USER, EMAIL, ATRIUM_PASSWORD_RULE_COMMON, "too common");
  for (guint i = 0; i < G_N_ELEMENTS (predictable); i++)
    assert_rule (NULL, predictable[i], USER, EMAIL, ATRIUM_PASSWORD_RULE_COMMON,
                 "too predictable");

  /* Turned off, only the other rules apply. */
  assert_rule (&lax, "Password123!", USER, EMAIL, ATRIUM_PASSWORD_RULE_NONE, NULL);

  /* Above the threshold. */
  assert_rule (NULL, "Tr0ub4dor&3xyz", USER, EMAIL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  assert_rule (NULL, "Sunflower&Tea42", USER, EMAIL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  assert_rule (NULL, "Blue-Cactus-Lamp7", USER, EMAIL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  assert_rule (NULL, "xK9#mQ2vL7pR4wZs", USER, EMAIL, ATRIUM_PASSWORD_RULE_NONE, NULL);
}

static void
test_random_passwords_pass (void)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "0123456789!@#$%^&*()-_=+[]{};:,.<>/?~";
  static const char *const classes[] = {
    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "!#$%&*+-=?@^_~",
  };

  for (guint round = 0; round < 200; round++)
    {
      char password[17];

      for (guint i = 0; i < 16; i++)
        password[i] = alphabet[atrium_random_uniform (sizeof alphabet - 1)];
      /* Three random positions get a lowercase, an uppercase letter and a digit. */
      for (guint c = 0; c < 3; c++)
        password[c * 5] = classes[c][atrium_random_uniform (strlen (classes[c]))];
      password[16] = '\0';

      assert_rule (NULL, password, USER, EMAIL, ATRIUM_PASSWORD_RULE_NONE, NULL);
    }
}

static void
test_rule_personal (void)
{
  const AtriumPasswordPolicy lax = { 12, 128, 3, TRUE, FALSE };

  assert_rule (NULL, "MarieCurie#2024xyz", USER, EMAIL, ATRIUM_PASSWORD_RULE_PERSONAL,
               "The password must not contain your user name or email address.");
  assert_rule (NULL, "xyz!MARIECURIE-9q", USER, EMAIL, ATRIUM_PASSWORD_RULE_PERSONAL, NULL);
  assert_rule (NULL, "Q7!marie.curie@example.org", USER, EMAIL,
               ATRIUM_PASSWORD_RULE_PERSONAL, NULL);
  assert_rule (NULL, "Radium#MarieCurie9", "mcurie", EMAIL, ATRIUM_PASSWORD_RULE_PERSONAL,
               NULL);
  assert_rule (NULL, "Radium#MarieCurie9", USER, NULL, ATRIUM_PASSWORD_RULE_PERSONAL, NULL);
  /* A l33t variant of the name, caught by zxcvbn's user dictionary. */
  assert_rule (NULL, "M4rieCur1e!2024", USER, EMAIL, ATRIUM_PASSWORD_RULE_PERSONAL,
               "user name or email address");

  /* Turned off, or without the user's details, the same password passes. */
  assert_rule (&lax, "MarieCurie#2024xyz", USER, EMAIL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  assert_rule (NULL, "MarieCurie#2024xyz", NULL, NULL, ATRIUM_PASSWORD_RULE_NONE, NULL);
  /* Names under three characters are not looked for. */
  assert_rule (NULL, "Xq7#mcLp9$vRt2", "mc", "mc@x.io", ATRIUM_PASSWORD_RULE_NONE, NULL);
  /* A non-ASCII name is found case-insensitively too. */
  assert_rule (NULL, "Q7!\xc3\x89lodie-Radium", "\xc3\xa9lodie", NULL,
               ATRIUM_PASSWORD_RULE_PERSONAL, NULL);
}

static void
test_policy_floor (void)
{
  if (g_test_subprocess ())
    {
      const AtriumPasswordPolicy weak = { 8, 128, 3, TRUE, TRUE };

      atrium_password_check (&weak, "Xq7#vLp9Rt2zW", NULL, NULL, NULL, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*min_length >= ATRIUM_PASSWORD_MIN_LENGTH_FLOOR*");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/password/hash-verify", test_hash_verify);
  g_test_add_func ("/password/hash-default-params", test_hash_default_params);
  g_test_add_func ("/password/hash-params-floor", test_hash_params_floor);
  g_test_add_func ("/password/hash-nfkc", test_hash_nfkc);
  g_test_add_func ("/password/hash-invalid-utf8", test_hash_invalid_utf8);
  g_test_add_func ("/password/needs-rehash", test_needs_rehash);
  g_test_add_func ("/password/rule-ids", test_rule_ids);
  g_test_add_func ("/password/rule-encoding", test_rule_encoding);
  g_test_add_func ("/password/rule-length", test_rule_too_short_and_long);
  g_test_add_func ("/password/rule-length-boundaries", test_rule_length_boundaries);
  g_test_add_func ("/password/rule-classes", test_rule_classes);
  g_test_add_func ("/password/rule-common", test_rule_common);
  g_test_add_func ("/password/random-passwords-pass", test_random_passwords_pass);
  g_test_add_func ("/password/rule-personal", test_rule_personal);
  g_test_add_func ("/password/policy-floor", test_policy_floor);

  return g_test_run ();
}
