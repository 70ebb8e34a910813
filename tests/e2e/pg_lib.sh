# A throwaway PostgreSQL server for the tests: Debian's `postgresql` package,
# a cluster initdb'd into a temp directory, listening on a free loopback port
# with its socket inside that directory. Nothing needs to run beforehand.
#
#   . tests/e2e/pg_lib.sh
#   pg_start || exit 1      # sets PG_DSN, PG_PORT, PG_DIR; PG_LOG is the server log
#   ...                     # PG_DSN=postgresql://wfm@127.0.0.1:PORT/wfmlink
#   pg_restart              # stop + start on the same port and data (reconnect tests)
#   $PG_RESTART_CMD         # the same as one shell command, for child processes
#   pg_psql -c "SQL"        # psql as the superuser on database wfmlink (-d other)
#   pg_stop                 # call from your EXIT trap; safe to call twice
#
# PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` OS user (the directory is handed to it); as any other user it
# runs as that user. The database belongs to an ordinary role, so the tests
# also show that wfmlink needs no superuser.

# Run by ctest as a script of its own (tests/e2e/*.sh): nothing to do.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  exit 0
fi

PG_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
PG_DIR=""
PG_PORT=""
PG_DSN=""
PG_LOG=""

pg_bindir() {
  if [ -n "${PG_BIN:-}" ]; then
    echo "$PG_BIN"
    return 0
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] || return 1
  echo "$d"
}

# Runs a command as the server's OS user.
pg_as() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pg_ctl_start() {
  pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_LOG" -w -t 30 \
    -o "-p $PG_PORT -k $PG_DIR/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
}

# A script killed outright (a CTest timeout) runs no trap: a watcher stops
# the server and removes its directory once the script is gone.
pg_watchdog() {
  local script=$$ dir=$PG_DIR bindir=$PG_BINDIR
  (
    while kill -0 "$script" 2>/dev/null; do sleep 1; done
    if [ -f "$dir/data/postmaster.pid" ]; then
      pg_as "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop
    fi
    rm -rf "$dir"
  ) </dev/null >/dev/null 2>&1 &
}

# Starts the server and creates role `wfm` and database `wfmlink`.
pg_start() {
  PG_BINDIR=$(pg_bindir) || { echo "pg_start: no PostgreSQL server found (apt-get install postgresql)" >&2; return 1; }
  PG_DIR=$(mktemp -d "${PG_TMPDIR:-/tmp}/wfmlink-pg.XXXXXX") || return 1
  mkdir -p "$PG_DIR/sock"
  PG_LOG="$PG_DIR/server.log"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$PG_DIR" || return 1
  fi
  if ! pg_as "$PG_BINDIR/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 -N >"$PG_DIR/initdb.log" 2>&1; then
    echo "pg_start: initdb failed:" >&2
    cat "$PG_DIR/initdb.log" >&2
    return 1
  fi
  local tries
  for tries in 1 2 3; do # the free port may be taken between probe and bind
    PG_PORT=$(pg_free_port)
    pg_ctl_start && break
    PG_PORT=""
  done
  if [ -z "$PG_PORT" ]; then
    echo "pg_start: the server did not start:" >&2
    tail -20 "$PG_LOG" >&2
    return 1
  fi
  if ! pg_as "$PG_BINDIR/psql" -X -q -h "$PG_DIR/sock" -p "$PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -c "CREATE ROLE wfm LOGIN" -c "CREATE DATABASE wfmlink OWNER wfm" \
    >/dev/null; then
    echo "pg_start: cannot create the test database" >&2
    return 1
  fi
  pg_watchdog
  PG_DSN="postgresql://wfm@127.0.0.1:$PG_PORT/wfmlink"
  PG_RESTART_CMD="bash -c $(printf '%q' ". $(printf '%q' "$PG_LIB"); PG_DIR=$(printf '%q' "$PG_DIR") PG_PORT=$PG_PORT PG_LOG=$(printf '%q' "$PG_LOG") PG_BINDIR=$(printf '%q' "$PG_BINDIR"); pg_restart")"
  export PG_DSN PG_RESTART_CMD
}

# psql as the superuser, for tests that inspect or break things behind
# wfmlink's back: pg_psql -c "SELECT ..." (database wfmlink).
pg_psql() {
  pg_as "$PG_BINDIR/psql" -X -q -A -t -h "$PG_DIR/sock" -p "$PG_PORT" -U postgres -d wfmlink \
    -v ON_ERROR_STOP=1 "$@"
}

# Stops the server (fast: open connections are cut) and starts it again on
# the same port and data.
pg_restart() {
  pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || return 1
  pg_ctl_start
}

# The server down (fast stop) and up again, for tests of what happens in
# between; and the tail of its log for failure output.
pg_down() { pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null; }
pg_up() { pg_ctl_start; }
pg_log_tail() { [ -f "${PG_LOG:-}" ] && { echo "--- tail of the PostgreSQL log"; tail -n 20 "$PG_LOG"; }; }

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$PG_DIR"
  PG_DIR=""
}
