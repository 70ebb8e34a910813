#!/usr/bin/env bash
# GET /metrics on a running `serve`: Prometheus text format 0.0.4 that a real
# parser accepts (promtool check metrics), no login, per-source series that
# move as polls happen, failures by reason, and no token or agent name.
. "$(dirname "$0")/lib.sh"
export WFMLINK_RETRY_BASE_MS=50 WFMLINK_RELOAD_S=1 WFMLINK_LEASE_TTL_S=3
export WFMLINK_FAKE_NOW=2024-11-05T21:00:00Z
start_emulator --timezone America/New_York --agents 5 --queues 2 --seed 7 --quiet
DB="sqlite:$T/m.db"
w() { "$WL" --db "$DB" "$@"; }
echo demo-token >"$T/tok"
echo wrong-secret-token >"$T/bad"
w source add ny --base-url "$EMU_URL/api/" --tenant demo --timezone America/New_York \
  --interval 1 --allow-fast-poll --token-file "$T/tok" >/dev/null 2>&1
w source add bad-tok --base-url "$EMU_URL/api/" --tenant demo --timezone UTC \
  --interval 1 --allow-fast-poll --token-file "$T/bad" >/dev/null 2>&1
curl -s -X POST "$EMU_URL/_emu/clock?now=2024-11-05T21:00:00Z" >/dev/null
PORT=$(free_port)
"$WL" --db "$DB" serve --listen "127.0.0.1:$PORT" >"$T/serve.out" 2>"$T/serve.err" &
SP=$!
PIDS+=($SP)
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  curl -sf "$URL/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
polls() { # the ok real-time polls of source ny in a scrape
  sed -n 's/^wfmlink_rt_polls_total{source="ny",outcome="ok"} \([0-9]*\)$/\1/p' "$1"
}
for _ in $(seq 1 50); do
  curl -s "$URL/metrics" >"$T/m1" 2>/dev/null
  [ "$(polls "$T/m1")" -ge 1 ] 2>/dev/null && break
  sleep 0.2
done
check "content type is the 0.0.4 text format" bash -c \
  "curl -sI '$URL/metrics' | tr -d '\r' | grep -qi '^content-type: text/plain; version=0.0.4'"
check "no login needed (200)" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")" = 200
if command -v promtool >/dev/null 2>&1; then
  check "promtool check metrics accepts the scrape" bash -c "promtool check metrics <'$T/m1' >'$T/lint' 2>&1"
  [ -s "$T/lint" ] && cat "$T/lint"
else
  bad "promtool is missing (scripts/install-deps.sh test installs the prometheus package)"
fi
check "a real-time poll counted" test "$(polls "$T/m1")" -ge 1
sleep 2.5
curl -s "$URL/metrics" >"$T/m2"
check "the poll counter moves as polls happen" test "$(polls "$T/m2")" -gt "$(polls "$T/m1")"
check "promtool accepts the second scrape too" bash -c "promtool check metrics <'$T/m2' >/dev/null 2>&1"
check "agents seen by ny" grep -qx 'wfmlink_rt_agents_seen{source="ny"} 5' "$T/m2"
check "state changes written" grep -qE '^wfmlink_rt_state_changes_total\{source="ny"\} [1-9]' "$T/m2"
check "rtstats latency histogram counts the polls" grep -qE \
  '^wfmlink_http_request_duration_seconds_count\{source="ny",api="rtstats"\} [1-9]' "$T/m2"
check "the refused token counts as an auth failure" grep -qE \
  '^wfmlink_rt_polls_total\{source="bad-tok",outcome="auth"\} [1-9]' "$T/m2"
check "attention flag set for the refused token" grep -qx \
  'wfmlink_source_attention{source="bad-tok",feed="realtime"} 1' "$T/m2"
check "last successful poll time is the (fake) now" grep -qx \
  'wfmlink_rt_last_success_timestamp_seconds{source="ny"} 1730840400' "$T/m2"
for _ in $(seq 1 100); do
  curl -s "$URL/metrics" >"$T/m3"
  grep -qE '^wfmlink_hist_windows_total\{source="ny",kind="historical",outcome="ok"\} [1-9]' "$T/m3" && break
  sleep 0.2
done
check "historical windows counted" grep -qE \
  '^wfmlink_hist_windows_total\{source="ny",kind="historical",outcome="ok"\} [1-9]' "$T/m3"
check "backfill rows counted" grep -qE '^wfmlink_hist_rows_total\{source="ny",kind="backfill"\} [1-9]' "$T/m3"
check "watermark lag reported" grep -qE '^wfmlink_hist_watermark_lag_seconds\{source="ny"\} [0-9]+$' "$T/m3"
check "lease held by this instance" grep -qx 'wfmlink_lease_held{source="ny"} 1' "$T/m3"
check "store transactions timed" grep -qE '^wfmlink_store_transaction_duration_seconds_count [1-9]' "$T/m3"
check "web requests by route and status" grep -qE \
  '^wfmlink_web_requests_total\{method="GET",route="/metrics",status="200"\} [1-9]' "$T/m3"
check "build info" grep -qx 'wfmlink_build_info{version="0.1.0"} 1' "$T/m3"
check "no token in the output" bash -c "! grep -q -e demo-token -e wrong-secret '$T/m3'"
check "no tenant or agent name in the output" bash -c "! grep -qi -e 'tenant' -e 'agent_name' '$T/m3'"
kill -TERM $SP
wait $SP
check "serve exits 0" test $? -eq 0
finish
