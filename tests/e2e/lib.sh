# Shared helpers for the end-to-end scripts: assertions, a temp dir that is
# removed at exit, free loopback ports, and the emulator.
set -u
PASS=0
FAIL=0
WL=${1:?usage: script.sh PATH/TO/wfmlink}
T=$(mktemp -d "${TMPDIR:-/tmp}/wfmlink-e2e.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

ok()   { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "       $2"; }
check() { # check "description" command...
  local d=$1; shift
  if "$@"; then ok "$d"; else bad "$d"; fi
}
# expect_exit CODE "description" command... ; output in $OUT, stderr in $ERR
expect_exit() {
  local want=$1 d=$2; shift 2
  "$@" >"$T/out" 2>"$T/err" </dev/null
  local got=$?
  OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
  if [ "$got" = "$want" ]; then ok "$d (exit $got)"; else bad "$d: exit $got, wanted $want" "$(head -c 600 "$T/err")"; fi
}
contains() { case "$1" in *"$2"*) return 0;; *) return 1;; esac; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_emulator NAME ARGS... : starts `wfmlink emulator` on a free port and
# waits for its ready line; sets EMU_PORT and EMU_URL.
start_emulator() {
  EMU_PORT=$(free_port)
  "$WL" emulator --listen "127.0.0.1:$EMU_PORT" "$@" >"$T/emu.out" 2>"$T/emu.err" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    grep -q "listening" "$T/emu.out" 2>/dev/null && break
    sleep 0.1
  done
  EMU_URL="http://127.0.0.1:$EMU_PORT"
  grep -q "listening" "$T/emu.out" || { echo "emulator did not start:"; cat "$T/emu.err"; exit 1; }
}

finish() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
  exit $?
}
