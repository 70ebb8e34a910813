# shellcheck shell=bash
# Shared by the bench scripts (sourced, after they set WL and the temporary
# directory T): the emulator started on a free loopback port, and a
# process's CPU time from /proc.

# bench_emulator CMD...: runs CMD (`wfmlink emulator --listen 127.0.0.1:0
# ...`, maybe behind taskset) in the background, output in $T/emu.out and
# $T/emu.err; waits for its "listening" line and sets EMU_PID and PORT (the
# port it chose). Exits 1 when it does not start. Environment set before
# the call (VAR=x bench_emulator ...) reaches the emulator.
# shellcheck disable=SC2034 # EMU_PID and PORT are for the caller
bench_emulator() {
  "$@" >"$T/emu.out" 2>"$T/emu.err" &
  EMU_PID=$!
  for _ in $(seq 1 100); do
    grep -q listening "$T/emu.out" 2>/dev/null && break
    sleep 0.1
  done
  PORT=$(grep -o '127\.0\.0\.1:[0-9]*' "$T/emu.out" | head -1 | cut -d: -f2)
  [ -n "$PORT" ] || { echo "emulator did not start:" >&2; cat "$T/emu.err" >&2; exit 1; }
}

# proc_ticks PID: the process's utime+stime so far, in clock ticks
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# bench_tmp NAME: a temporary directory T for the run, removed at exit
# (kept and named with KEEP=1) after SERVE_PID and EMU_PID, when set, are
# stopped.
# shellcheck disable=SC2034 # T, EMU_PID and SERVE_PID are for the caller
bench_tmp() {
  T=$(mktemp -d "${TMPDIR:-/tmp}/wl-bench-$1.XXXXXX")
  EMU_PID=
  SERVE_PID=
  trap bench_cleanup EXIT
}
# bench_cleanup: the EXIT trap (set by bench_tmp, or by scripts that start
# the emulator themselves): stops SERVE_PID and EMU_PID when set and removes
# $T (KEEP=1 keeps $T).
bench_cleanup() {
  for p in ${SERVE_PID:-} ${EMU_PID:-}; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
