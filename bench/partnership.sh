#!/usr/bin/env bash
# Benchmark: the device list and search for one organisation of 100,000 devices, alone and as
# one of ten organisations of 100,000 devices each (1,000,000 devices in all), on SQLite. The same
# lead organisation, the same admin and the same requests in both; the nine partners' devices are
# copies of the lead's under their own prefixes and hubs. wrk, 2 threads, 8 connections, 10 s a
# case; prints p50/p95/p99, each case's p50 against GET /readyz on the same server, and at the end
# the ten-organisation p50 against the one-organisation p50 (the goal: within 1.2x).
#
#   bash bench/partnership.sh [devices per organisation]     (default: 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
cargo build --release --quiet --bin lendhub
bin=$PWD/target/release/lendhub
lua=$PWD/bench/percentiles.lua
size=${1:-100000}
port=18182
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export RUST_LOG=warn LENDHUB_BIND="127.0.0.1:$port"

# One organisation, with the admin the requests are made as.
LENDHUB_DATABASE_URL="sqlite://$work/one.db?mode=rwc" "$bin" demo --devices "$size" >/dev/null
LENDHUB_DATABASE_URL="sqlite://$work/one.db?mode=rwc" LENDHUB_PASSWORD="benchmark password" \
  "$bin" user create --email bench@example.org --name Bench --role admin >/dev/null

# Ten: nine partners, each with the lead's hubs and a copy of its devices under its own prefix.
cp "$work/one.db" "$work/ten.db"
start=$(date +%s.%N)
for letter in A B C D E F G H I; do
  sqlite3 "$work/ten.db" <<SQL
BEGIN;
INSERT INTO organisations (name, asset_prefix, next_asset_number, created_at, kind)
  SELECT 'Partner $letter', 'PT$letter', next_asset_number, created_at, 'charity' FROM organisations WHERE id = 1;
INSERT INTO hubs (organisation_id, name, address, created_at)
  SELECT (SELECT id FROM organisations WHERE asset_prefix = 'PT$letter'), name, address, created_at FROM hubs WHERE organisation_id = 1;
INSERT INTO devices (organisation_id, asset_tag, kind, make, model, serial_number, imei, status, condition,
    accessories, hub_id, funding_source, purchased_on, purchase_cost_pence, notes, created_at, updated_at)
  SELECT p.id, 'PT$letter' || substr(d.asset_tag, 4), d.kind, d.make, d.model, d.serial_number, d.imei, d.status,
      d.condition, d.accessories, h2.id, d.funding_source, d.purchased_on, d.purchase_cost_pence, d.notes,
      d.created_at, d.updated_at
  FROM devices d
  JOIN hubs h1 ON h1.id = d.hub_id
  JOIN organisations p ON p.asset_prefix = 'PT$letter'
  JOIN hubs h2 ON h2.organisation_id = p.id AND h2.name = h1.name
  WHERE d.organisation_id = 1;
COMMIT;
SQL
done
sqlite3 "$work/ten.db" "ANALYZE;"
sqlite3 "$work/one.db" "ANALYZE;"
copied=$(echo "$(date +%s.%N) - $start" | bc)
echo "devices: $(sqlite3 "$work/one.db" 'SELECT COUNT(*) FROM devices') in one organisation;" \
  "$(sqlite3 "$work/ten.db" 'SELECT COUNT(*) FROM devices') in ten (the nine copies took ${copied}s)"

cases=(
  "baseline|/readyz"
  "status+hub|/api/v1/devices?status=available&hub_id=2&limit=50"
  "all, first page|/api/v1/devices?limit=50"
  "search common|/api/v1/devices?q=latitude&limit=50"
  "search rare|/api/v1/devices?q=3959500&limit=50"
  "search a tag|/api/v1/devices?q=TCH-04242&limit=50"
  "page 2 by cursor|/api/v1/devices?status=available&hub_id=2&limit=50&cursor=TCH-00500"
)
declare -A one_p50
for db in one ten; do
  LENDHUB_DATABASE_URL="sqlite://$work/$db.db?mode=rwc" "$bin" serve >"$work/serve-$db.log" 2>&1 &
  server=$!
  for _ in $(seq 1 1500); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  token=$(curl -sf -X POST -H 'content-type: application/json' \
    -d '{"email":"bench@example.org","password":"benchmark password"}' \
    "http://127.0.0.1:$port/api/v1/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/') ||
    { echo "no token from the $db server:"; tail -20 "$work/serve-$db.log"; exit 1; }
  echo "== $db organisation(s)"
  baseline=""
  for case in "${cases[@]}"; do
    name=${case%%|*}; path=${case#*|}
    result=$(wrk -t2 -c8 -d10s -H "Authorization: Bearer $token" -s "$lua" "http://127.0.0.1:$port$path" | grep '^RESULT')
    p50=$(sed 's/.*p50_ms=\([0-9.]*\).*/\1/' <<<"$result")
    [ "$name" = baseline ] && baseline=$p50
    line=$(printf '%-18s %s  p50/baseline=%s' "$name" "${result#RESULT }" "$(echo "scale=2; $p50 / $baseline" | bc)")
    if [ "$db" = one ]; then
      one_p50[$name]=$p50
    else
      line="$line  ten/one=$(echo "scale=2; $p50 / ${one_p50[$name]}" | bc)"
    fi
    echo "$line"
  done
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
