#!/usr/bin/env bash
# The store suites on PostgreSQL. Starts a throwaway server (pg_lib.sh), runs
# the interface-only store tests (tests/store, built next to wfmlink) against
# it, then checks what only a server shows: instances migrating an empty
# database at the same time, a restarted server, a newer schema refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
trap 'pg_stop; cleanup' EXIT
BIN=$(cd "$(dirname "$WL")" && pwd)

if ! pg_start 2>"$T/pg.err"; then
  bad "start a PostgreSQL server" "$(cat "$T/pg.err")"
  finish
fi

# suite NAME DSN [VAR=VALUE...]: one ok/bad line per cmocka test
suite() {
  local t=$1 dsn=$2 out="$T/$1.$RANDOM.out" rc name n=0
  shift 2
  env "$@" WL_TEST_DSN="$dsn" WL_TEST_TMP="$T" "$BIN/$t" >"$out" 2>&1
  rc=$?
  while read -r name; do
    n=$((n + 1))
    if grep -qE "^\[ +OK +\] $name\$" "$out"; then
      ok "$t: $name"
    elif grep -qE "^\[ +SKIPPED +\] $name\$" "$out"; then
      ok "$t: $name (skipped)"
    else
      bad "$t: $name" "$(grep -B3 -A12 "^\[ RUN +\] $name\$" "$out" | grep -vE '^\[ (RUN|  +OK) ' | head -15)"
    fi
  done < <(sed -n 's/^\[ RUN *\] //p' "$out")
  if [ "$rc" -ne 0 ] && ! grep -q '^\[  FAILED  \]' "$out"; then
    bad "$t exited with $rc after $n tests" "$(tail -15 "$out")"
  fi
}

for t in test_store test_store_lease test_store_web test_store_runs test_store_plan; do
  if [ -x "$BIN/$t" ]; then
    suite "$t" "$PG_DSN" WL_TEST_DB_RESTART="$PG_RESTART_CMD"
  elif [ "$t" != test_store_web ]; then
    bad "$t is not built in $BIN"
  fi
done

# Three instances starting on an empty database migrate it once, together.
pg_psql -c "CREATE DATABASE wfmlink_fresh OWNER wfm" >/dev/null
FRESH="postgresql://wfm@127.0.0.1:$PG_PORT/wfmlink_fresh"
for i in 1 2 3; do
  env WL_TEST_DSN="$FRESH" "$BIN/test_store_lease" >"$T/fresh$i.out" 2>&1 &
  eval "FRESH_PID$i=$!"
done
fresh_ok=1
for i in 1 2 3; do
  eval "wait \$FRESH_PID$i" || fresh_ok=0
done
check "three suites migrating one empty database at once all pass" test "$fresh_ok" = 1
[ "$fresh_ok" = 1 ] || cat "$T"/fresh*.out | grep -E 'FAIL|rror' | head -10
LATEST=$(pg_psql -d wfmlink_fresh -c "SELECT max(version) FROM schema_version")
ROWS=$(pg_psql -d wfmlink_fresh -c "SELECT count(*) || '/' || count(DISTINCT version) FROM schema_version")
check "schema_version has one row per version ($ROWS, latest $LATEST)" test "$ROWS" = "$LATEST/$LATEST"

# wfmlink itself on PostgreSQL: a source with an encrypted token.
export WFMLINK_KEY_FILE="$T/shared.key"
printf 'tok-Pg-secret-1\n' >"$T/token.txt"
expect_exit 0 "wfmlink source add on PostgreSQL" "$WL" --db "$PG_DSN" source add pgsrc \
  --base-url http://127.0.0.1:9/api/ --tenant acme --token-file "$T/token.txt"
WFMLINK_DB="$PG_DSN" expect_exit 0 "wfmlink source list with \$WFMLINK_DB" "$WL" source list
check "the source is listed" contains "$OUT" "pgsrc"
check "the token is stored encrypted" test "$(pg_psql -c "SELECT count(*) FROM source WHERE name = 'pgsrc' AND token_enc IS NOT NULL AND position('tok-Pg-secret-1' in encode(token_enc, 'escape')) = 0")" = 1

# A newer schema is refused, with the same words as for SQLite.
NEWER=$((LATEST + 1))
pg_psql -d wfmlink_fresh -c "INSERT INTO schema_version (version) VALUES ($NEWER)" >/dev/null
expect_exit 1 "a newer schema is refused" "$WL" --db "$FRESH" source list
check "the refusal says why" contains "$ERR" "database schema version $NEWER is newer than this wfmlink (knows up to $LATEST); upgrade wfmlink"
check "and changes nothing" test "$(pg_psql -d wfmlink_fresh -c "SELECT max(version) FROM schema_version")" = "$NEWER"

# A DSN for a server that is not there: a clear error, no password.
DOWN=$(free_port)
expect_exit 1 "an unreachable server" "$WL" --db "postgresql://wfm:pw-Xy7@127.0.0.1:$DOWN/wfmlink" source list
check "the error names the server" contains "$ERR" "cannot connect to postgresql://wfm@127.0.0.1:$DOWN/wfmlink"
check "the error hides the password" bash -c "! grep -q 'pw-Xy7' '$T/err'"
check "server notices stay out of the output" bash -c "! grep -qi 'notice' '$T'/*.out"

finish
