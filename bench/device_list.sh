#!/usr/bin/env bash
# Benchmark: the device list API at 1,000 and at 100,000 devices (filled by `lendhub demo`), on
# SQLite. Measures GET /readyz (the baseline: the same HTTP stack and the database readiness check),
# the list filtered by status and hub, a common search and a rare search, with wrk (2 threads,
# 8 connections, 10 s each). Prints p50/p95/p99 and each figure as a ratio of the baseline.
#
#   bash bench/device_list.sh [sizes...]     (default: 1000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --quiet --bin lendhub
bin=$PWD/target/release/lendhub
lua=$PWD/bench/percentiles.lua
sizes=("${@:-1000 100000}")
[ $# -eq 0 ] && sizes=(1000 100000)
port=18181
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

for size in "${sizes[@]}"; do
  export LENDHUB_DATABASE_URL="sqlite://$work/bench-$size.db?mode=rwc" LENDHUB_BIND="127.0.0.1:$port" RUST_LOG=warn
  start=$(date +%s.%N)
  "$bin" demo --devices "$size" >/dev/null
  filled=$(echo "$(date +%s.%N) - $start" | bc)
  LENDHUB_PASSWORD="benchmark password" "$bin" user create --email bench@example.org --name Bench --role admin >/dev/null
  "$bin" serve >"$work/serve-$size.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  token=$(curl -sf -X POST -H 'content-type: application/json' \
    -d '{"email":"bench@example.org","password":"benchmark password"}' \
    "http://127.0.0.1:$port/api/v1/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/')
  echo "== $size devices (demo fill took ${filled}s)"
  baseline=""
  for case in \
    "baseline|/readyz" \
    "status+hub|/api/v1/devices?status=available&hub_id=2&limit=50" \
    "search common|/api/v1/devices?q=latitude&limit=50" \
    "search rare|/api/v1/devices?q=3959500&limit=50" \
    "page 2 by cursor|/api/v1/devices?status=available&hub_id=2&limit=50&cursor=TCH-00500"; do
    name=${case%%|*}; path=${case#*|}
    result=$(wrk -t2 -c8 -d10s -H "Authorization: Bearer $token" -s "$lua" "http://127.0.0.1:$port$path" | grep '^RESULT')
    p50=$(sed 's/.*p50_ms=\([0-9.]*\).*/\1/' <<<"$result")
    [ "$name" = baseline ] && baseline=$p50
    ratio=$(echo "scale=2; $p50 / $baseline" | bc)
    printf '%-18s %s  p50/baseline=%s\n' "$name" "${result#RESULT }" "$ratio"
  done
  echo "serve rss_kb=$(ps -o rss= -p "$server" | tr -d ' ')"
  # Serve hands freed pages back to the system every few seconds: its size once it has done so.
  sleep 6
  echo "serve settled rss_kb=$(ps -o rss= -p "$server" | tr -d ' ')"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
