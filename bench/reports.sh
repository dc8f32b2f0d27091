#!/usr/bin/env bash
# Benchmark: the summary and the funder report at 1,000 and at 1,000,000 devices and loans
# (filled by `lendhub demo`: open loans, and past loans spread over two years), on SQLite.
# Measures GET /healthz (the baseline: the same HTTP stack and one database round trip), the
# summary, and the funder report as CSV for the last 30 days and for the last 90, one request at
# a time with wrk (1 thread, 1 connection, 10 s each). Prints p50/p95 and each p50 as a ratio of
# the baseline's.
#
#   bash bench/reports.sh [sizes...]     (default: 1000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --quiet --bin lendhub
bin=$PWD/target/release/lendhub
lua=$PWD/bench/percentiles.lua
sizes=("$@")
[ $# -eq 0 ] && sizes=(1000 1000000)
port=18182
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

quarter_from=$(date -d '89 days ago' +%F)
for size in "${sizes[@]}"; do
  export LENDHUB_DATABASE_URL="sqlite://$work/bench-$size.db?mode=rwc" LENDHUB_BIND="127.0.0.1:$port" RUST_LOG=warn
  # A tenth of the devices out now (with two in three of them lent before), the rest of the
  # loans in the past two years: about `size` loans in all.
  open=$((size / 10))
  start=$(date +%s.%N)
  "$bin" demo --devices "$size" --loans "$open" --history $((size - open - open * 2 / 3)) >/dev/null
  filled=$(echo "$(date +%s.%N) - $start" | bc)
  LENDHUB_PASSWORD="benchmark password" "$bin" user create --email bench@example.org --name Bench --role admin >/dev/null
  "$bin" serve >"$work/serve-$size.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  token=$(curl -sf -X POST -H 'content-type: application/json' \
    -d '{"email":"bench@example.org","password":"benchmark password"}' \
    "http://127.0.0.1:$port/api/v1/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/')
  loans=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/reports/funder.csv?from=$(date -d "800 days ago" +%F)" \
    | grep '^loans.out,' | cut -d, -f3)
  echo "== $size devices, $loans loans in all (demo fill took ${filled}s)"
  baseline=""
  for case in \
    "baseline|/healthz" \
    "summary|/api/v1/reports/summary" \
    "funder 30 days|/api/v1/reports/funder.csv" \
    "funder 90 days|/api/v1/reports/funder.csv?from=$quarter_from"; do
    name=${case%%|*}; path=${case#*|}
    result=$(wrk -t1 -c1 -d10s -H "Authorization: Bearer $token" -s "$lua" "http://127.0.0.1:$port$path" | grep '^RESULT')
    p50=$(sed 's/.*p50_ms=\([0-9.]*\).*/\1/' <<<"$result")
    [ "$name" = baseline ] && baseline=$p50
    ratio=$(echo "scale=1; $p50 / $baseline" | bc)
    printf '%-16s %s  p50/baseline=%s\n' "$name" "${result#RESULT }" "$ratio"
  done
  echo "serve rss_kb=$(ps -o rss= -p "$server" | tr -d ' ')"
  # Serve hands freed pages back to the system every few seconds: its size once it has done so.
  sleep 6
  echo "serve settled rss_kb=$(ps -o rss= -p "$server" | tr -d ' ')"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
