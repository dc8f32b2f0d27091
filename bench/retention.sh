#!/usr/bin/env bash
# Benchmark: `lendhub retention run` over 1,000,000 borrowers, each with a returned loan, of whom
# 10% (every tenth) have had nothing happen for 30 months and the rest for one: the run finds
# and anonymises the 100,000, a batch of 500 at a time. Beside it, in the same run and on a copy
# of the same database, the baseline: one plain UPDATE of the same 100,000 rows (name, contact
# details, the time; the search index kept by its triggers), as a database client would run it.
# Each is timed as a whole process, with its peak memory (maximum resident set). The rows are
# written, and the UPDATE made, by benches/retention_raw.rs. SQLite always; PostgreSQL too when
# LENDHUB_BENCH_POSTGRES_URL is set (e.g. postgres://postgres@127.0.0.1:5432).
#
#   bash bench/retention.sh          # ROWS=100000 bash bench/retention.sh for a quicker look
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin lendhub
raw=$(cargo bench --no-run --quiet --bench retention_raw --message-format=json 2>/dev/null |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable") and m["target"]["name"] == "retention_raw": print(m["executable"])')
bin=$PWD/target/release/lendhub
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export RUST_LOG=warn LENDHUB_PASSWORD="bench admin password"
rows=${ROWS:-1000000}

timed() { # "seconds peak-MB" of a command, as a whole process
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/last.log"
  awk '{printf "%.2f %.0f", $1, $2 / 1024}' "$work/time"
}

prepare() { # a database with an organisation, a hub, a device and the rows
  export LENDHUB_DATABASE_URL=$1
  "$bin" user create --email admin@example.org --name Admin --role admin --organisation "Bench Homes" --prefix BEN >/dev/null
  "$bin" demo --devices 1 >/dev/null
  "$raw" fill "$1" "$rows"
}

measure() { # $1: name, $2: database for the run, $3: its copy for the baseline
  export LENDHUB_DATABASE_URL=$2
  local run base
  run=$(timed "$bin" retention run)
  sed 's/^/   /' "$work/last.log"
  base=$(timed "$raw" baseline "$3")
  read -r rs rm <<<"$run"
  read -r bs bm <<<"$base"
  printf 'RESULT %s, %s borrowers: retention run %.2f s, %s MB peak; one UPDATE of the same rows %.2f s, %s MB peak; %.1fx the time\n' \
    "$1" "$rows" "$rs" "$rm" "$bs" "$bm" "$(echo "$rs / $bs" | bc -l)"
}

echo "== SQLite"
prepare "sqlite://$work/bench.db?mode=rwc"
cp "$work/bench.db" "$work/baseline.db"
measure SQLite "sqlite://$work/bench.db?mode=rwc" "sqlite://$work/baseline.db?mode=rwc"

if [ -n "${LENDHUB_BENCH_POSTGRES_URL:-}" ]; then
  echo "== PostgreSQL"
  name=lendhub_bench_$$
  psql "${LENDHUB_BENCH_POSTGRES_URL}/postgres" -qc "CREATE DATABASE $name"
  prepare "${LENDHUB_BENCH_POSTGRES_URL}/$name"
  psql "${LENDHUB_BENCH_POSTGRES_URL}/postgres" -qc "CREATE DATABASE ${name}_base TEMPLATE $name"
  measure PostgreSQL "${LENDHUB_BENCH_POSTGRES_URL}/$name" "${LENDHUB_BENCH_POSTGRES_URL}/${name}_base"
  psql "${LENDHUB_BENCH_POSTGRES_URL}/postgres" -qc "DROP DATABASE $name WITH (FORCE)" -c "DROP DATABASE ${name}_base WITH (FORCE)"
fi
