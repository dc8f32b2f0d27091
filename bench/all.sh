#!/usr/bin/env bash
# Every benchmark of the step-16 goals in one run, then one table: each figure, its baseline
# measured in the same run, the ratio, and the goal. Two fills of a million rows make it long:
# about 25 minutes on two cores. Run it on a quiet machine.
#
#   bash bench/all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
bash bench/reports.sh 1000 1000000 | tee "$logs/reports.log"
bash bench/device_list.sh 1000 1000000 | tee "$logs/devices.log"
bash bench/issue.sh 10 | tee "$logs/issue.log"
bash bench/import.sh | tee "$logs/import.log"
bash bench/labels.sh | tee "$logs/labels.log"
echo
python3 bench/table.py "$logs"
