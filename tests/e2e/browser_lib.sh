# shellcheck shell=bash
# Shared by the browser tests (tests/e2e/browser*.sh), sourced instead of
# lib.sh (CMake skips *lib.sh: not a test). On sourcing: lib.sh, node, npm
# and /usr/bin/chromium present, playwright-core installed in
# tests/browser/node_modules. Then start_serve / stop_serve, run_node (a
# tests/browser script, its counts added to ours) and publish_shots.
#
# Screenshots: tests/browser/NAME.mjs writes only NAME*.png (lib.mjs refuses
# other names), into this run's $T/shots; publish_shots NAME replaces only
# NAME*.png in $SHOTS, so browser tests running at once (ctest -j2) never
# delete or overwrite each other's pictures.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRC=${WL_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BROWSER_DIR=$SRC/tests/browser
SHOTS=${WL_SHOTS:-$PWD/screenshots}

browser_missing() {
  echo "FAIL - $1 is missing (scripts/install-deps.sh test installs it)"
  echo "0 passed, 1 failed"
  exit 1
}
command -v node >/dev/null 2>&1 || browser_missing node
command -v npm >/dev/null 2>&1 || browser_missing npm
[ -x /usr/bin/chromium ] || browser_missing /usr/bin/chromium

# Two browser tests may start at once: the first installs under a lock on
# package.json, the other waits and then finds it installed.
if [ ! -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
  (
    exec 9<"$BROWSER_DIR/package.json"
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    [ -d "$BROWSER_DIR/node_modules/playwright-core" ] ||
      { cd "$BROWSER_DIR" && { npm ci --no-audit --no-fund --loglevel=error ||
                               npm install --no-audit --no-fund --loglevel=error; }; }
  ) >"$T/npm.log" 2>&1 ||
    { echo "FAIL - npm could not install playwright-core:"; tail -5 "$T/npm.log"; echo "0 passed, 1 failed"; exit 1; }
fi
mkdir -p "$T/shots"

# start_serve [SERVE ARGS...]: `wfmlink --db $DB serve` on a free loopback
# port, output appended to $T/serve.out and $T/serve.err; sets PORT and
# SERVE_PID. Environment set before the call (VAR=x start_serve) reaches serve.
# shellcheck disable=SC2120 # the arguments are optional
start_serve() {
  PORT=$(free_port)
  "$WL" --db "$DB" serve --listen "127.0.0.1:$PORT" "$@" >>"$T/serve.out" 2>>"$T/serve.err" &
  SERVE_PID=$!
  PIDS+=("$SERVE_PID")
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  check "serve${*:+ $*} answers /healthz" curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"
}

stop_serve() {
  kill -TERM "$SERVE_PID"
  wait "$SERVE_PID"
  check "serve stops cleanly on SIGTERM (exit 0; no leaks under ASan)" test $? -eq 0
}

# run_node NAME LABEL [VAR=VALUE...]: tests/browser/NAME.mjs against serve on
# $PORT, logged in as admin / $PASSWORD, in a fresh Chromium profile, with
# the extra environment given. Prints the script's lines and adds its counts
# to ours (one summary line at the end).
run_node() {
  local name=$1 label=$2 out="$T/node-$2.out" rc summary fails
  shift 2
  rm -rf "$T/profile-$label"
  env WL_URL="http://127.0.0.1:$PORT" WL_USER=admin WL_PASSWORD="$PASSWORD" SHOTS="$T/shots" \
    WL_PROFILE="$T/profile-$label" "$@" timeout 240 node "$BROWSER_DIR/$name.mjs" >"$out" 2>&1
  rc=$?
  grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$out"
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
  if [ -n "$summary" ]; then
    PASS=$((PASS + $(echo "$summary" | cut -d' ' -f1)))
    FAIL=$((FAIL + $(echo "$summary" | cut -d' ' -f3)))
  fi
  fails=$(echo "$summary" | cut -s -d' ' -f3)
  if [ "$rc" -ne 0 ] && [ "${fails:-0}" = 0 ]; then
    bad "the browser script ($name, $label) ended with exit $rc" "$(tail -3 "$out")"
  fi
}

# publish_shots NAME [MIN]: checks (given MIN) that NAME.mjs took at least
# MIN screenshots, then replaces $SHOTS/NAME*.png, and nothing else, with them.
publish_shots() {
  local name=$1 n
  n=$(find "$T/shots" -maxdepth 1 -name "$name*.png" | wc -l)
  [ -z "${2:-}" ] || check "screenshots written ($n $name*.png, at least $2)" test "$n" -ge "$2"
  mkdir -p "$SHOTS"
  find "$SHOTS" -maxdepth 1 -name "$name*.png" -delete
  find "$T/shots" -maxdepth 1 -name "$name*.png" -exec cp {} "$SHOTS"/ \;
}
