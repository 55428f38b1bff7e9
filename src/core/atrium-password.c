/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-core"

#include "config.h"

#include "atrium-password.h"

#include "atrium-core-error.h"
#include "atrium-random.h"

#include <string.h>
#include <sodium.h>
#include <zxcvbn.h>

static const AtriumPasswordParams default_params = ATRIUM_PASSWORD_PARAMS_DEFAULT;
static const AtriumPasswordPolicy default_policy = ATRIUM_PASSWORD_POLICY_DEFAULT;

/*
 * Passwords are compared after NFKC, so that the same password typed on another
 * keyboard or input method ("ﬁ" / "fi", full-width digits) still matches. GLib's
 * normaliser keeps temporaries we cannot wipe; our own copies are wiped.
 */
static char *
normalize (const char *password)
{
  if (strlen (password) > ATRIUM_PASSWORD_MAX_BYTES ||
      !g_utf8_validate (password, -1, NULL))
    return NULL;
  return g_utf8_normalize (password, -1, G_NORMALIZE_NFKC);
}

/* libsodium reads a stored hash as a char[crypto_pwhash_STRBYTES]: give it one. */
static gboolean
copy_stored (const char *stored,
             char        buf[crypto_pwhash_STRBYTES])
{
  gsize len;

  memset (buf, 0, crypto_pwhash_STRBYTES);
  if (stored == NULL)
    return FALSE;
  len = strnlen (stored, crypto_pwhash_STRBYTES);
  if (len == crypto_pwhash_STRBYTES)
    return FALSE;
  memcpy (buf, stored, len);
  return TRUE;
}

gboolean
atrium_password_params_check (const AtriumPasswordParams  *params,
                              GError                     **error)
{
  g_return_val_if_fail (params != NULL, FALSE);

  if (params->opslimit < ATRIUM_PASSWORD_OPSLIMIT_MIN ||
      params->opslimit > crypto_pwhash_OPSLIMIT_MAX ||
      params->memlimit < ATRIUM_PASSWORD_MEMLIMIT_MIN ||
      params->memlimit > crypto_pwhash_MEMLIMIT_MAX)
    {
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_OUT_OF_RANGE,
                   "Argon2id needs at least %d passes and %" G_GSIZE_FORMAT " MiB of memory",
                   ATRIUM_PASSWORD_OPSLIMIT_MIN, ATRIUM_PASSWORD_MEMLIMIT_MIN / (1024 * 1024));
      return FALSE;
    }
  return TRUE;
}

/*
 * The string to store: "$argon2id$v=19$m=…,t=…,p=1$salt$hash". @params NULL means
 * %ATRIUM_PASSWORD_PARAMS_DEFAULT. Slow by design: call it from a worker thread.
 */
char *
atrium_password_hash (const char                  *password,
                      const AtriumPasswordParams  *params,
                      GError                     **error)
{
  char out[crypto_pwhash_STRBYTES];
  char *normalized;
  char *result = NULL;

  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (params == NULL)
    params = &default_params;
  if (!atrium_password_params_check (params, error))
    return NULL;

  normalized = normalize (password);
  if (normalized == NULL)
    {
      g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_ENCODING,
                   "The password is not valid UTF-8 text.");
      return NULL;
    }

  atrium_crypto_init ();
  if (crypto_pwhash_str_alg (out, normalized, strlen (normalized),
                             params->opslimit, params->memlimit,
                             crypto_pwhash_ALG_ARGON2ID13) == 0)
    result = g_strdup (out);
  else
    g_set_error (error, ATRIUM_CORE_ERROR, ATRIUM_CORE_ERROR_TOO_LARGE,
                 "Argon2id could not get %" G_GSIZE_FORMAT " MiB of memory",
                 params->memlimit / (1024 * 1024));

  atrium_secure_zero (out, sizeof out);
  atrium_secure_free_string (normalized);
  return result;
}

/*
 * Whatever parameters @stored was made with. FALSE for a wrong password, a malformed
 * @stored (or NULL: an account without a password) and invalid UTF-8.
 */
gboolean
atrium_password_verify (const char *stored,
                        const char *password)
{
  char buf[crypto_pwhash_STRBYTES];
  char *normalized;
  gboolean ok;

  if (password == NULL || !copy_stored (stored, buf))
    return FALSE;

  normalized = normalize (password);
  if (normalized == NULL)
    return FALSE;

  atrium_crypto_init ();
  ok = crypto_pwhash_str_verify (buf, normalized, strlen (normalized)) == 0;
  atrium_secure_free_string (normalized);
  return ok;
}

/*
 * TRUE unless @stored is an Argon2id hash made with exactly @params (NULL: the
 * default). Lowered parameters count too: the operator chose them.
 */
gboolean
atrium_password_needs_rehash (const char                 *stored,
                              const AtriumPasswordParams *params)
{
  char buf[crypto_pwhash_STRBYTES];

  if (params == NULL)
    params = &default_params;
  g_return_val_if_fail (atrium_password_params_check (params, NULL), FALSE);

  if (!copy_stored (stored, buf))
    return TRUE;
  atrium_crypto_init ();
  return crypto_pwhash_argon2id_str_needs_rehash (buf, params->opslimit, params->memlimit) != 0;
}

/* ---- policy ------------------------------------------------------------------------ */

const char *
atrium_password_rule_id (AtriumPasswordRule rule)
{
  switch (rule)
    {
    case ATRIUM_PASSWORD_RULE_NONE:      return "none";
    case ATRIUM_PASSWORD_RULE_ENCODING:  return "encoding";
    case ATRIUM_PASSWORD_RULE_TOO_SHORT: return "too_short";
    case ATRIUM_PASSWORD_RULE_TOO_LONG:  return "too_long";
    case ATRIUM_PASSWORD_RULE_CLASSES:   return "classes";
    case ATRIUM_PASSWORD_RULE_COMMON:    return "common";
    case ATRIUM_PASSWORD_RULE_PERSONAL:  return "personal";
    default:                             return "invalid";
    }
}

static gboolean
fail (AtriumPasswordRule   rule,
      AtriumPasswordRule  *failed_rule_out,
      GError             **error,
      const char          *format,
      ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (AtriumPasswordRule   rule,
      AtriumPasswordRule  *failed_rule_out,
      GError             **error,
      const char          *format,
      ...)
{
  AtriumCoreError code;
  va_list args;

  switch (rule)
    {
    case ATRIUM_PASSWORD_RULE_ENCODING:
      code = ATRIUM_CORE_ERROR_ENCODING;
      break;
    case ATRIUM_PASSWORD_RULE_TOO_SHORT:
    case ATRIUM_PASSWORD_RULE_TOO_LONG:
      code = ATRIUM_CORE_ERROR_OUT_OF_RANGE;
      break;
    default:
      code = ATRIUM_CORE_ERROR_INVALID;
      break;
    }

  if (failed_rule_out != NULL)
    *failed_rule_out = rule;
  if (error != NULL)
    {
      va_start (args, format);
      *error = g_error_new_valist (ATRIUM_CORE_ERROR, code, format, args);
      va_end (args);
    }
  return FALSE;
}

/* Casefolded, NFKC, letters and digits only: "Marie.Curie" and "mariecurie" meet. */
static char *
skeleton (const char *text)
{
  g_autofree char *folded = NULL;
  char *normalized;
  GString *out;

  folded = g_utf8_casefold (text, -1);
  normalized = g_utf8_normalize (folded, -1, G_NORMALIZE_NFKC);
  atrium_secure_zero (folded, strlen (folded));
  out = g_string_new (NULL);
  for (const char *p = normalized; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c) || g_unichar_ismark (c))
        g_string_append_unichar (out, c);
    }
  atrium_secure_free_string (normalized);
  return g_string_free (out, FALSE);
}

static void
add_word (GPtrArray  *words,
          const char *text,
          gssize      len)
{
  g_autofree char *copy = len < 0 ? g_strdup (text) : g_strndup (text, len);
  char *word = skeleton (copy);

  if (g_utf8_strlen (word, -1) >= 3)
    g_ptr_array_add (words, word);
  else
    atrium_secure_free_string (word);
}

/* The user's own words: whole and split at punctuation, 3 characters or more. */
static void
add_personal_words (GPtrArray  *words,
                    const char *text)
{
  const char *start;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return;

  add_word (words, text, -1);
  start = text;
  for (const char *p = text; ; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && (g_unichar_isalnum (c) || g_unichar_ismark (c)))
        continue;
      add_word (words, start, p - start);
      if (c == 0)
        break;
      start = g_utf8_next_char (p);
    }
}

static gboolean
is_personal (const char *normalized,
             const char *user_name,
             const char *email)
{
  g_autofree char *password_skeleton = skeleton (normalized);
  g_autofree char *local_part = NULL;
  const char *candidates[3] = { user_name, email, NULL };
  gboolean found = FALSE;

  if (email != NULL && strrchr (email, '@') != NULL)
    candidates[2] = local_part = g_strndup (email, strrchr (email, '@') - email);

  for (guint i = 0; i < G_N_ELEMENTS (candidates) && !found; i++)
    {
      g_autofree char *word = NULL;

      if (candidates[i] == NULL || !g_utf8_validate (candidates[i], -1, NULL))
        continue;
      word = skeleton (candidates[i]);
      found = g_utf8_strlen (word, -1) >= 3 && strstr (password_skeleton, word) != NULL;
    }

  atrium_secure_zero (password_skeleton, strlen (password_skeleton));
  return found;
}

typedef enum
{
  GUESSABLE_NO,
  GUESSABLE_COMMON,       /* mostly dictionary words and their l33t/case variants */
  GUESSABLE_PATTERN,      /* mostly repetitions, sequences, keyboard walks, dates */
  GUESSABLE_PERSONAL,     /* built on the user's own words */
} Guessable;

/*
 * zxcvbn-c 2.5 (the dictionary of the original zxcvbn: common passwords, names,
 * English words, TV and film words) estimates log2 of the guesses an attacker who
 * tries common passwords, their variants and patterns first needs. We refuse below
 * 10^10 guesses (33.2 bits), zxcvbn's score 3, "safely unguessable". Measured on
 * zxcvbn-c 2.5: Qwerty123456 5.3 bits, Password123! 8.3, Aaaaaaaaaaa1! 16.8,
 * Iloveyou2024! 19.4, Abcdefghijk1! 19.5, Qwertyuiop12! 26.6, 1qaz2wsx3edc!Q 32.4,
 * Spring#Garden5 32.6 are refused; ILoveMyCat123! 33.4, MyDogRex2019! 37.3,
 * Sunflower&Tea42 47.6, Blue-Cactus-Lamp7 57.7, correct horse battery staple 70.3 pass.
 * Of 20,000 random passwords over 90 ASCII symbols, none of 12 characters scored
 * below 41 bits (16 characters: 58); with the repeat rule below, this check refused
 * none of 12, 14 or 16 characters, and 1 to 4 in 20,000 of 10 characters.
 * zxcvbn reads bytes, so non-ASCII characters score as brute force (high).
 */
typedef struct
{
  double   bits;
  gboolean whole_word;
  gsize    dictionary;   /* bytes in dictionary words and their variants */
  gsize    pattern;      /* bytes in repetitions, sequences, keyboard walks, dates */
  gboolean personal;     /* a user word (name, email) was matched */
  gboolean repetition;   /* the estimate is that of a collapsed repetition */
} Estimate;

static void
estimate (const char  *text,
          const char **user_words,
          Estimate    *out)
{
  ZxcMatch_t *info = NULL;
  gsize len = strlen (text);

  memset (out, 0, sizeof *out);
  out->bits = ZxcvbnMatch (text, user_words, &info);

  for (ZxcMatch_t *m = info; m != NULL; m = m->Next)
    {
      gboolean repeated = (m->Type & MULTIPLE_MATCH) != 0;

      switch ((int) m->Type & ~MULTIPLE_MATCH)
        {
        case USER_MATCH:
        case USER_LEET_MATCH:
          out->personal = TRUE;
          break;
        case DICTIONARY_MATCH:
        case DICT_LEET_MATCH:
          if (repeated)
            out->pattern += m->Length;
          else
            out->dictionary += m->Length;
          /* One common word, however long and however disguised, is the password. */
          if (!repeated && m->Begin == 0 && (gsize) m->Length == len)
            out->whole_word = TRUE;
          break;
        case REPEATS_MATCH:
        case SEQUENCE_MATCH:
        case SPATIAL_MATCH:
        case DATE_MATCH:
        case YEAR_MATCH:
        case LONG_PWD_MATCH:
          out->pattern += m->Length;
          break;
        default:
          break;
        }
    }
  ZxcvbnFreeInfo (info);
}

#define IS_CHAR_START(b) (((guchar) (b) & 0xc0) != 0x80)
#define MAX_BLOCK        32

/* log2 (@n) for @n >= 1 within 0.09 bits, without libm. */
static double
approx_log2 (gsize n)
{
  guint e = g_bit_storage (n) - 1;

  return e + ((double) n / (double) ((gsize) 1 << e) - 1.0);
}

/*
 * zxcvbn-c only sees repeats of one character: "Password1!" four times scores 38 bits,
 * thirteen times 77. So runs of a repeated block of 2 to 32 bytes (and a cut-off last
 * copy) are kept once, and each run costs log2 (repetitions) bits more (+ log2 (block
 * length) for a cut-off copy), as the original zxcvbn counts repeats.
 */
static char *
collapse_repeats (const char *text,
                  double     *extra_bits)
{
  gsize len = strlen (text);
  GString *out = g_string_sized_new (len);
  gsize i = 0;

  *extra_bits = 0;
  while (i < len)
    {
      gsize best_block = 0, best_count = 1;

      for (gsize block = 2; block <= MAX_BLOCK && i + 2 * block <= len; block++)
        {
          gsize count = 1;

          if (!IS_CHAR_START (text[i + block]))
            continue;
          while (i + (count + 1) * block <= len &&
                 memcmp (text + i, text + i + count * block, block) == 0)
            count++;
          if (count >= 2 && count * block > best_count * best_block)
            {
              best_block = block;
              best_count = count;
            }
        }

      if (best_block > 0)
        {
          gsize end = i + best_block * best_count;
          gsize tail = 0;

          /* A last, cut-off copy of the block belongs to the run. */
          for (gsize k = 0; k < best_block && end + k < len && text[end + k] == text[i + k]; k++)
            if (end + k + 1 == len || IS_CHAR_START (text[end + k + 1]))
              tail = k + 1;

          g_string_append_len (out, text + i, best_block);
          *extra_bits += approx_log2 (best_count) + (tail > 0 ? approx_log2 (best_block) : 0);
          i = end + tail;
        }
      else
        {
          const char *next = g_utf8_next_char (text + i);

          g_string_append_len (out, text + i, next - (text + i));
          i = next - text;
        }
    }

  return g_string_free (out, FALSE);
}

static Guessable
guessability (const char *normalized,
              GPtrArray  *personal_words)
{
  const char **user_words;
  char *collapsed;
  double extra_bits;
  Estimate full, est;

  g_ptr_array_add (personal_words, NULL);
  user_words = (const char **) personal_words->pdata;

  estimate (normalized, user_words, &full);
  est = full;

  collapsed = collapse_repeats (normalized, &extra_bits);
  if (strcmp (collapsed, normalized) != 0)
    {
      Estimate repeated;

      estimate (collapsed, user_words, &repeated);
      repeated.bits += extra_bits;
      repeated.whole_word = FALSE;
      repeated.repetition = TRUE;
      if (repeated.bits < full.bits)
        est = repeated;
    }
  atrium_secure_free_string (collapsed);
  g_ptr_array_remove_index (personal_words, personal_words->len - 1);

  if (!est.whole_word && est.bits >= ATRIUM_PASSWORD_MIN_ENTROPY_BITS)
    return GUESSABLE_NO;
  if (est.personal)
    return GUESSABLE_PERSONAL;
  if (est.repetition || est.pattern > est.dictionary)
    return GUESSABLE_PATTERN;
  return GUESSABLE_COMMON;
}

/*
 * Checks @password against @policy (NULL: %ATRIUM_PASSWORD_POLICY_DEFAULT) and the
 * user's own @user_name and @email (either may be NULL). On failure sets
 * *@failed_rule_out and @error (ATRIUM_CORE_ERROR_ENCODING, _OUT_OF_RANGE for the
 * lengths, _INVALID otherwise) to an English sentence that says what is needed.
 */
gboolean
atrium_password_check (const AtriumPasswordPolicy  *policy,
                       const char                  *password,
                       const char                  *user_name,
                       const char                  *email,
                       AtriumPasswordRule          *failed_rule_out,
                       GError                     **error)
{
  g_autoptr(GPtrArray) personal_words = NULL;
  char *normalized = NULL;
  gboolean lower = FALSE, upper = FALSE, digit = FALSE, symbol = FALSE;
  guint classes;
  glong length;
  gboolean ok = FALSE;

  if (policy == NULL)
    policy = &default_policy;

  g_return_val_if_fail (password != NULL, FALSE);
  g_return_val_if_fail (policy->min_length >= ATRIUM_PASSWORD_MIN_LENGTH_FLOOR, FALSE);
  g_return_val_if_fail (policy->max_length >= policy->min_length, FALSE);
  g_return_val_if_fail (policy->max_length <= ATRIUM_PASSWORD_MAX_LENGTH_CEILING, FALSE);
  g_return_val_if_fail (policy->min_classes <= 4, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (failed_rule_out != NULL)
    *failed_rule_out = ATRIUM_PASSWORD_RULE_NONE;

  if (!g_utf8_validate (password, -1, NULL))
    return fail (ATRIUM_PASSWORD_RULE_ENCODING, failed_rule_out, error,
                 "The password is not valid text (UTF-8).");

  /* NFKC composes at most four code points of four bytes into one character. */
  if (strlen (password) > (gsize) policy->max_length * 16)
    return fail (ATRIUM_PASSWORD_RULE_TOO_LONG, failed_rule_out, error,
                 "The password must have at most %u characters.", policy->max_length);

  normalized = g_utf8_normalize (password, -1, G_NORMALIZE_NFKC);

  for (const char *p = normalized; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) == G_UNICODE_CONTROL)
        {
          fail (ATRIUM_PASSWORD_RULE_ENCODING, failed_rule_out, error,
                "The password must not contain control characters such as tabs or "
                "line breaks.");
          goto out;
        }
      if (g_unichar_isspace (c))
        continue;
      if (g_unichar_isupper (c) || g_unichar_istitle (c))
        upper = TRUE;
      else if (g_unichar_islower (c))
        lower = TRUE;
      else if (g_unichar_isdigit (c))
        digit = TRUE;
      else if (g_unichar_isalpha (c) || g_unichar_ismark (c))
        lower = TRUE;   /* letters without case (CJK, Arabic, …) and combining marks */
      else if (g_unichar_isgraph (c))
        symbol = TRUE;  /* punctuation, symbols, other numbers; not invisible formats */
    }

  length = g_utf8_strlen (normalized, -1);
  if (length < (glong) policy->min_length)
    {
      fail (ATRIUM_PASSWORD_RULE_TOO_SHORT, failed_rule_out, error,
            "The password must have at least %u characters.", policy->min_length);
      goto out;
    }
  if (length > (glong) policy->max_length)
    {
      fail (ATRIUM_PASSWORD_RULE_TOO_LONG, failed_rule_out, error,
            "The password must have at most %u characters.", policy->max_length);
      goto out;
    }

  classes = (guint) lower + (guint) upper + (guint) digit + (guint) symbol;
  if (classes < policy->min_classes)
    {
      fail (ATRIUM_PASSWORD_RULE_CLASSES, failed_rule_out, error,
            "The password must mix at least %u of these: lowercase letters, uppercase "
            "letters, digits and symbols.", policy->min_classes);
      goto out;
    }

  personal_words = g_ptr_array_new_with_free_func ((GDestroyNotify) atrium_secure_free_string);
  if (policy->reject_personal)
    {
      if (is_personal (normalized, user_name, email))
        {
          fail (ATRIUM_PASSWORD_RULE_PERSONAL, failed_rule_out, error,
                "The password must not contain your user name or email address.");
          goto out;
        }
      add_personal_words (personal_words, user_name);
      add_personal_words (personal_words, email);
    }

  if (policy->reject_common)
    {
      switch (guessability (normalized, personal_words))
        {
        case GUESSABLE_NO:
          break;
        case GUESSABLE_PERSONAL:
          fail (ATRIUM_PASSWORD_RULE_PERSONAL, failed_rule_out, error,
                "The password is too close to your user name or email address. Choose "
                "something less predictable, such as several unrelated words.");
          goto out;
        case GUESSABLE_PATTERN:
          fail (ATRIUM_PASSWORD_RULE_COMMON, failed_rule_out, error,
                "The password is too predictable: it is mostly repeated characters, a "
                "sequence or a keyboard pattern. Choose something less predictable, such "
                "as several unrelated words.");
          goto out;
        case GUESSABLE_COMMON:
        default:
          fail (ATRIUM_PASSWORD_RULE_COMMON, failed_rule_out, error,
                "The password is too common: it is a well-known password or a small "
                "variation of one. Choose something less predictable, such as several "
                "unrelated words.");
          goto out;
        }
    }

  ok = TRUE;

out:
  atrium_secure_free_string (normalized);
  return ok;
}
