#!/usr/bin/env bash
# packaging/wfmlink.service verifies (where systemd-analyze exists), and
# `serve` speaks systemd's notify protocol over $NOTIFY_SOCKET: READY=1 once
# it serves, WATCHDOG=1 every half $WATCHDOG_USEC while its loop turns,
# STOPPING=1 on SIGTERM; nothing is sent without the variable.
. "$(dirname "$0")/lib.sh"
SRC=${WL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
UNIT="$SRC/packaging/wfmlink.service"
check "the unit is Type=notify" grep -qx 'Type=notify' "$UNIT"
for d in 'User=wfmlink' 'StateDirectory=wfmlink' 'ConfigurationDirectory=wfmlink' \
  'ProtectSystem=strict' 'NoNewPrivileges=yes' 'PrivateTmp=yes' \
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'SystemCallFilter=@system-service' \
  'EnvironmentFile=-/etc/default/wfmlink' 'WatchdogSec=60s'; do
  check "the unit sets $d" grep -qx -- "$d" "$UNIT"
done
if command -v systemd-analyze >/dev/null 2>&1; then
  # the unit as installed, pointing at this build's binary, with the man page
  # its Documentation= names
  mkdir -p "$T/man/man1"
  "$WL" --man >"$T/man/man1/wfmlink.1"
  sed "s#^ExecStart=/usr/bin/wfmlink#ExecStart=$(readlink -f "$WL")#" "$UNIT" >"$T/wfmlink.service"
  MANPATH="$T/man" systemd-analyze verify "$T/wfmlink.service" >"$T/v.out" 2>&1
  check "systemd-analyze verify accepts the unit (exit 0)" test $? -eq 0
  check "... without a warning" test ! -s "$T/v.out"
  [ -s "$T/v.out" ] && cat "$T/v.out"
  printf '[Service]\nBogusKey=1\n' >>"$T/wfmlink.service"
  MANPATH="$T/man" systemd-analyze verify "$T/wfmlink.service" >"$T/v2.out" 2>&1
  check "... and would notice a bad key (the check is real)" grep -q BogusKey "$T/v2.out"
  if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
    sed "s#^ExecStart=/usr/bin/wfmlink#ExecStart=$(readlink -f "$WL")#" "$UNIT" >"$T/wfmlink.service"
    systemd-analyze security --offline=true --threshold=30 "$T/wfmlink.service" >"$T/sec.out" 2>&1
    check "systemd-analyze security: exposure at most 3.0" test $? -eq 0
  fi
else
  echo "skip - systemd-analyze is not installed: the unit was not verified"
fi

# the notify protocol, read by a UNIX datagram listener ("@name": abstract)
cat >"$T/listen.py" <<'PY'
import socket, sys, time
name, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
open(out + ".ready", "w").close()
s.settimeout(0.2)
end = time.time() + 8
with open(out, "w") as f:
    while time.time() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        f.write("%.3f %s\n" % (time.time(), m.replace("\n", "|")))
        f.flush()
        if "STOPPING=1" in m:
            break
PY
run_notify() { # run_notify SOCKET LOG [SERVE ARGS]: serve for 2.5 s under a listener
  local sock=$1 log=$2; shift 2
  python3 "$T/listen.py" "$sock" "$log" &
  local lp=$!
  PIDS+=($lp)
  for _ in $(seq 1 50); do [ -e "$log.ready" ] && break; sleep 0.1; done
  NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 "$WL" --db "sqlite:$T/n.db" serve "$@" \
    --listen "127.0.0.1:$(free_port)" >"$T/n.out" 2>"$T/n.err" &
  SP=$!
  PIDS+=($SP)
  sleep 2.5
  kill -TERM $SP
  wait $SP
  NRC=$?
  wait $lp
}
run_notify "$T/notify.sock" "$T/notify.log"
check "serve exits 0 under systemd" test "$NRC" -eq 0
check "READY=1 sent first" bash -c "head -1 '$T/notify.log' | grep -q 'READY=1'"
w=$(grep -c 'WATCHDOG=1' "$T/notify.log")
check "WATCHDOG=1 sent every half period ($w in 2.5 s at 0.2 s)" test "$w" -ge 6
check "STOPPING=1 sent last" bash -c "tail -1 '$T/notify.log' | grep -q 'STOPPING=1'"
[ "$FAIL" -gt 0 ] && cat "$T/notify.log" "$T/n.err"
# the abstract namespace; --only web keeps the watchdog fed too
run_notify "@wfmlink-test-$$" "$T/abs.log" --only web
check "abstract socket, --only web: READY, WATCHDOG and STOPPING" bash -c \
  "grep -q READY=1 '$T/abs.log' && grep -q WATCHDOG=1 '$T/abs.log' && grep -q STOPPING=1 '$T/abs.log'"
NOTIFY_SOCKET= "$WL" --db "sqlite:$T/n.db" serve --only web --listen "127.0.0.1:$(free_port)" >/dev/null 2>"$T/plain.err" &
SP=$!
PIDS+=($SP)
sleep 0.5
kill -TERM $SP
wait $SP
check "without NOTIFY_SOCKET serve runs as before (exit 0, no warning)" bash -c \
  "test $? -eq 0 && ! grep -q 'systemd notification' '$T/plain.err'"
finish
