#!/usr/bin/env bash
# Benchmark: one reminder sweep over 100,000 open loans (`lendhub demo --devices 120000 --loans
# 100000`, due dates spread from three weeks ago to six weeks ahead), on SQLite and, when
# LENDHUB_BENCH_POSTGRES_URL is set (e.g. postgres://postgres@127.0.0.1:5432), on PostgreSQL.
# Each `lendhub reminders run` is timed as a whole process: the first sweep (writing a row for
# every loan that needs one), a second at the same time (nothing new), and the baseline, a run
# against the same database with no open loans due (start-up, migrations check, digest check).
# No SMTP server is set, so the time is the sweep's alone.
#
#   bash bench/reminders.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin lendhub
bin=$PWD/target/release/lendhub
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now=$(date -u -d 'today 09:00' +%Y-%m-%dT%H:%M:%SZ)
long_ago=$(date -u -d '-2 years' +%Y-%m-%dT%H:%M:%SZ)
export RUST_LOG=warn
unset LENDHUB_SMTP_URL

seconds() { # seconds a command takes, to the millisecond
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/last.log"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

run() {
  export LENDHUB_DATABASE_URL=$1
  echo "== $2"
  "$bin" demo --devices 120000 --loans 100000 | sed 's/^/   /'
  base=$(seconds "$bin" reminders run --now "$long_ago")
  first=$(seconds "$bin" reminders run --now "$now")
  sed 's/^/   first: /' "$work/last.log"
  second=$(seconds "$bin" reminders run --now "$now")
  sed 's/^/   second: /' "$work/last.log"
  printf 'RESULT %s: baseline %.2f s, first sweep %.2f s (%.1fx), second sweep %.2f s (%.1fx)\n' \
    "$2" "$base" "$first" "$(echo "$first / $base" | bc -l)" "$second" "$(echo "$second / $base" | bc -l)"
}

run "sqlite://$work/bench.db?mode=rwc" "SQLite"
if [ -n "${LENDHUB_BENCH_POSTGRES_URL:-}" ]; then
  name=lendhub_bench_$$
  psql "${LENDHUB_BENCH_POSTGRES_URL}/postgres" -qc "CREATE DATABASE $name"
  run "${LENDHUB_BENCH_POSTGRES_URL}/$name" "PostgreSQL"
  psql "${LENDHUB_BENCH_POSTGRES_URL}/postgres" -qc "DROP DATABASE $name WITH (FORCE)"
fi
