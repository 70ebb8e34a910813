#!/usr/bin/env bash
# The lint fails on a planted violation: each rule of tests/lint/lint.sh is
# broken once in a copy of src/ and the lint must exit 1 naming the rule and
# the line; the untouched copy must pass.
# Usage: tests/lint/lint_selftest.sh SRC_DIR
set -u
src=${1:?usage: lint_selftest.sh SRC_DIR}
lint="$(dirname "$0")/lint.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wl-lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fresh() { rm -rf "$tmp/src" && cp -r "$src" "$tmp/src"; }

# plant RULE FILE LINE: appends LINE to FILE (relative to src/) in a fresh
# copy and expects the lint to fail with "FILE:N: ... [RULE]".
plant() {
  local rule=$1 file=$2 line=$3 out n
  fresh
  printf '%s\n' "$line" >>"$tmp/src/$file"
  n=$(wc -l <"$tmp/src/$file")
  out=$(bash "$lint" "$tmp/src" 2>&1)
  if [ $? -ne 1 ]; then
    echo "FAIL: [$rule] planted in $file was not refused"; fails=$((fails + 1))
  elif ! grep -qF "src/$file:$n: " <<<"$out" || ! grep -qF "[$rule]" <<<"$out"; then
    echo "FAIL: [$rule] planted in $file: unexpected complaint:"; echo "$out"
    fails=$((fails + 1))
  else
    echo "ok: [$rule] in $file refused"
  fi
}

fresh
if out=$(bash "$lint" "$tmp/src" 2>&1); then
  echo "ok: the tree as it is passes"
else
  echo "FAIL: the untouched copy does not pass:"; echo "$out"; fails=$((fails + 1))
fi
plant banned util/csv.c 'static void planted(char *d, const char *s) { strcpy(d, s); }'
plant banned core/job.c 'static int planted(const char *s) { return atoi(s); }'
plant banned cli/main.c 'static void planted(char *d) { sprintf(d, "%d", 1); }'
plant html-printf web/page_sources.c 'static void planted(wl_buf *b, const char *s) { wl_buf_printf(b, "<b>%s</b>", s); }'
plant sql core/report.c 'static const char planted[] = "SELECT name FROM source";'
plant sql web/page_status.c 'static const char planted[] = "DELETE FROM session";'
plant wfm-store wfm/volume.c '#include "store/store.h"'
plant store-call web/page_status.c 'static int planted(wl_store *st, wl_source *s) { return wl_store_source_get(st, s, "x"); }'
plant store-call cli/cmd_user.c 'static int planted(wl_store *st) { return wl_store_begin(st); }'
plant store-call web/health.c '#include "store/backend.h"'
# comments and strings do not count
fresh
printf '%s\n' '/* strcpy(a, b) and atoi(x) are banned */' 'static const char planted[] = "sprintf(";' >>"$tmp/src/util/csv.c"
if bash "$lint" "$tmp/src" >/dev/null 2>&1; then
  echo "ok: names in comments and strings pass"
else
  echo "FAIL: a comment or string was taken for code"; fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] && echo "all lint self-tests passed"
exit $((fails > 0))
