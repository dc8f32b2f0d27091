#!/usr/bin/env bash
# schemathesis against /api/openapi.json: lendhub on demo data (SQLite) with an admin token, a
# bounded run, checking that nothing a client sends is a server error, that every status is one the
# document lists for the call, that every answer matches the document, and that a request the
# document calls valid is accepted (the exceptions, each with its rule, are in schemathesis.toml).
# Revoking tokens is left out: it would revoke the run's own token.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${LENDHUB_BINARY:-target/debug/lendhub}"
work="$(mktemp -d)"
port="${SCHEMATHESIS_PORT:-18087}"
export LENDHUB_DATABASE_URL="sqlite://$work/lendhub.db?mode=rwc"
export LENDHUB_BIND="127.0.0.1:$port"
export LENDHUB_PASSWORD="schemathesis admin password"
export RUST_LOG=warn
"$binary" user create --email admin@example.org --name Admin --role admin --organisation "Demo Homes" --prefix TCH >/dev/null
"$binary" demo --devices 300 --loans 150 >/dev/null
"$binary" serve >"$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
token="$(curl -fsS -X POST "http://127.0.0.1:$port/api/v1/tokens" -H 'content-type: application/json' \
  -d '{"email": "admin@example.org", "password": "schemathesis admin password"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
status=0
python3 .ci/schemathesis_cli.py --config-file .ci/schemathesis.toml run "http://127.0.0.1:$port/api/openapi.json" \
  --url "http://127.0.0.1:$port/api/v1" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,positive_data_acceptance \
  --exclude-path '/tokens/{id}' \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-30}" \
  --max-time "${SCHEMATHESIS_SECONDS:-240}" \
  --seed 7 \
  --workers 2 \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- lendhub's log (errors only) ---"
  grep -E 'ERROR|panicked' "$work/serve.log" | tail -n 40 || true
fi
exit "$status"
