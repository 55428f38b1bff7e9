/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ATRIUM_CORE_ERROR (atrium_core_error_quark ())

/**
 * AtriumCoreError:
 * @ATRIUM_CORE_ERROR_INVALID: a value is well-formed but not acceptable
 * @ATRIUM_CORE_ERROR_SYNTAX: the input is not well-formed (JSON, ISO 8601, hex, …)
 * @ATRIUM_CORE_ERROR_ENCODING: the input is not valid UTF-8 or holds a NUL character
 * @ATRIUM_CORE_ERROR_TOO_LARGE: the input is over its size limit
 * @ATRIUM_CORE_ERROR_TOO_DEEP: JSON nesting is deeper than %ATRIUM_JSON_MAX_DEPTH
 * @ATRIUM_CORE_ERROR_DUPLICATE_KEY: a JSON object names the same member twice
 * @ATRIUM_CORE_ERROR_UNKNOWN_KEY: a JSON object has a member its schema does not allow
 * @ATRIUM_CORE_ERROR_MISSING: a required member is absent
 * @ATRIUM_CORE_ERROR_WRONG_TYPE: a member has another JSON type than its schema says
 * @ATRIUM_CORE_ERROR_OUT_OF_RANGE: a number or length is outside its allowed range
 *
 * Errors of libatrium-core. The server maps all of them to 400 (413 for TOO_LARGE);
 * the field at fault travels beside the error (see atrium_json_decode()).
 */
typedef enum
{
  ATRIUM_CORE_ERROR_INVALID,
  ATRIUM_CORE_ERROR_SYNTAX,
  ATRIUM_CORE_ERROR_ENCODING,
  ATRIUM_CORE_ERROR_TOO_LARGE,
  ATRIUM_CORE_ERROR_TOO_DEEP,
  ATRIUM_CORE_ERROR_DUPLICATE_KEY,
  ATRIUM_CORE_ERROR_UNKNOWN_KEY,
  ATRIUM_CORE_ERROR_MISSING,
  ATRIUM_CORE_ERROR_WRONG_TYPE,
  ATRIUM_CORE_ERROR_OUT_OF_RANGE,
} AtriumCoreError;

GQuark      atrium_core_error_quark (void);
const char *atrium_core_error_code  (AtriumCoreError code);

G_END_DECLS
