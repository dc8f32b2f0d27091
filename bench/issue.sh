#!/usr/bin/env bash
# Benchmark: POST /api/v1/loans under wrk (64 connections) beside the raw rate of the same issue
# transaction called in-process with 64 callers (benches/issue_raw.rs), each on a fresh SQLite
# database of 100,000 demo devices, in one run. Prints both and the ratio HTTP / raw.
#
#   bash bench/issue.sh [seconds]     (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
seconds=${1:-10}
cargo build --release --quiet --bin lendhub
cargo bench --no-run --quiet --bench issue_raw 2>/dev/null
bin=$PWD/target/release/lendhub
port=18182
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
due_on=$(date -d '+28 days' +%F)

fill() {
  export LENDHUB_DATABASE_URL="sqlite://$work/$1.db?mode=rwc" RUST_LOG=warn
  "$bin" demo --devices 100000 >/dev/null
  LENDHUB_PASSWORD="benchmark password" "$bin" user create --email bench@example.org --name Bench --role admin >/dev/null
}

# The raw transaction rate.
fill raw
raw=$(cargo bench --quiet --bench issue_raw -- "sqlite://$work/raw.db?mode=rwc" "$seconds" 1 | grep '^RESULT')
echo "raw issue (in-process, 64 callers)   ${raw#RESULT }"

# The HTTP endpoint.
fill http
borrower() {
  curl -sf -X POST -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"name":"Bench Borrower","phone":"07700 900123","consent":{"data_processing":true}}' \
    "http://127.0.0.1:$port/api/v1/borrowers" | sed 's/.*"id":\([0-9]*\).*/\1/'
}
LENDHUB_BIND="127.0.0.1:$port" "$bin" serve >"$work/serve-http.log" 2>&1 & server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -sf -X POST -H 'content-type: application/json' -d '{"email":"bench@example.org","password":"benchmark password"}' "http://127.0.0.1:$port/api/v1/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/')
id=$(borrower)
cat > "$work/report.lua" <<LUA
$(cat bench/issue.lua)
$(cat bench/percentiles.lua)
LUA
http=$(wrk -t2 -c64 -d"${seconds}s" -H "Authorization: Bearer $token" -s "$work/report.lua" "http://127.0.0.1:$port" -- 2 "$id" "$due_on" 1 | grep '^RESULT')
echo "POST /api/v1/loans (wrk, 64 conns)   ${http#RESULT }"
raw_rps=$(sed 's/.*rps=\([0-9]*\).*/\1/' <<<"$raw")
http_rps=$(sed 's/.*rps=\([0-9]*\).*/\1/' <<<"$http")
echo "HTTP / raw = $(echo "scale=2; $http_rps / $raw_rps" | bc)"
