/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "atrium-core"

#include "config.h"

#include "atrium-core-error.h"

G_DEFINE_QUARK (atrium-core-error-quark, atrium_core_error)

/* The machine-readable code the API puts in {"error": …}. */
const char *
atrium_core_error_code (AtriumCoreError code)
{
  switch (code)
    {
    case ATRIUM_CORE_ERROR_INVALID:       return "invalid";
    case ATRIUM_CORE_ERROR_SYNTAX:        return "syntax";
    case ATRIUM_CORE_ERROR_ENCODING:      return "encoding";
    case ATRIUM_CORE_ERROR_TOO_LARGE:     return "too_large";
    case ATRIUM_CORE_ERROR_TOO_DEEP:      return "too_deep";
    case ATRIUM_CORE_ERROR_DUPLICATE_KEY: return "duplicate_key";
    case ATRIUM_CORE_ERROR_UNKNOWN_KEY:   return "unknown_key";
    case ATRIUM_CORE_ERROR_MISSING:       return "missing";
    case ATRIUM_CORE_ERROR_WRONG_TYPE:    return "wrong_type";
    case ATRIUM_CORE_ERROR_OUT_OF_RANGE:  return "out_of_range";
    default:                              return "invalid";
    }
}
