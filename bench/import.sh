#!/usr/bin/env bash
# Benchmark: `lendhub import devices` of a generated CSV (laptops, tablets and MiFis over five
# hubs, UK dates, £ costs) beside the raw insert rate of the same number of device rows
# (benches/import_raw.rs), each on a fresh SQLite database, in one run; at 20,000 and at 100,000
# rows, with the import's peak memory, which should not grow with the file.
#
#   bash bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin lendhub
cargo bench --no-run --quiet --bench import_raw 2>/dev/null
bin=$PWD/target/release/lendhub
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for rows in 20000 100000; do
  python3 - "$rows" > "$work/devices-$rows.csv" <<'PY'
import sys
rows = int(sys.argv[1])
kinds = [("Laptop", "Lenovo", "ThinkPad T480"), ("iPad", "Apple", "iPad 9th generation"), ("4G Hotspot", "TP-Link", "M7350")]
hubs = ["Riverside", "Hilltop Library", "Market Street", "Canal Side", "Online"]
print("Asset Tag,Serial Number,Manufacturer,Model Name,Category,Location,Purchase Date,Purchase Cost,Notes\r")
for n in range(1, rows + 1):
    kind, make, model = kinds[n % 3]
    print(f"BEN-{n:06d},SN{n:08d},{make},{model},{kind},{hubs[n % 5]},{1 + n % 28:02d}/{1 + n % 12:02d}/2025,£{100 + n % 400}.99,Donated by a local business\r")
PY
  export RUST_LOG=warn LENDHUB_PASSWORD="benchmark password"
  export LENDHUB_DATABASE_URL="sqlite://$work/raw-$rows.db?mode=rwc"
  "$bin" user create --email bench@example.org --name Bench --role admin --organisation Bench --prefix BEN >/dev/null
  raw=$(cargo bench --quiet --bench import_raw -- "$LENDHUB_DATABASE_URL" "$rows" | grep '^RESULT')
  export LENDHUB_DATABASE_URL="sqlite://$work/import-$rows.db?mode=rwc"
  "$bin" user create --email bench@example.org --name Bench --role admin --organisation Bench --prefix BEN >/dev/null
  python3 - "$bin" "$work/devices-$rows.csv" "$rows" "${raw#RESULT }" <<'PY'
import re, resource, subprocess, sys, time
bin, path, rows, raw = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
start = time.monotonic()
subprocess.run([bin, "import", "devices", path, "--create-hubs"], check=True, stdout=subprocess.DEVNULL)
seconds = time.monotonic() - start
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
raw_rate = float(re.search(r"([\d.]+) rows/s", raw).group(1))
rate = rows / seconds
print(f"{rows:>7} rows  raw insert {raw_rate:>8.0f} rows/s   import {rate:>8.0f} rows/s   "
      f"import/raw {rate / raw_rate:.2f}   import peak memory {peak_mb:.0f} MB")
PY
done
