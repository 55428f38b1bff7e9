#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks the help of one language: the catalogue translates every string of today's C
# pages (msgcmp against a fresh template: a string missing, untranslated or fuzzy fails),
# itstool merges every translation (it falls back to English, with only a warning, when a
# msgstr's markup is broken: that fails here), and the merged pages pass yelp-check. The
# pages are built as gnome.yelp() builds them (msgfmt, itstool -m), in a directory of
# their own.
#
#   help-validate-translation.sh PO_FILE C_DIR PAGE...
set -euo pipefail

if [ "$#" -lt 3 ]; then
  echo "usage: $0 PO_FILE C_DIR PAGE..." >&2
  exit 2
fi
po=$1
cdir=$2
shift 2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$cdir" && itstool -o "$work/help.pot" "$@" legal.xml)
msgcmp "$po" "$work/help.pot"
msgfmt --check -o "$work/help.mo" "$po"
mkdir "$work/pages"
(cd "$cdir" && itstool -m "$work/help.mo" -o "$work/pages/" "$@" legal.xml) \
  2>"$work/merge.log"
if [ -s "$work/merge.log" ]; then
  cat "$work/merge.log" >&2
  echo "itstool could not merge the whole translation of $po" >&2
  exit 1
fi

pages=()
for page in "$@"; do
  pages+=("$work/pages/$page")
done
yelp-check validate "${pages[@]}"
echo "validated ${#pages[@]} pages of $(basename "$po" .po)"
