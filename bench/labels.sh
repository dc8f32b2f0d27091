#!/usr/bin/env bash
# Benchmark: 1,000 asset labels on an A4 sheet of 24, lendhub's labels code against the same
# sheet drawn by reportlab and segno, in one run; then every code of lendhub's sheet is read
# back with zbarimg at 200 dpi. Prints both times, the ratio (reportlab / lendhub) and the size.
#
#   bash bench/labels.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import reportlab, segno' 2>/dev/null || python3 -m pip install --quiet reportlab segno
command -v zbarimg >/dev/null && command -v pdftoppm >/dev/null \
  || { apt-get update -qq && apt-get install -y -qq zbar-tools poppler-utils; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ours=$(cargo bench --quiet --bench labels -- "$work/lendhub.pdf" | grep '^RESULT')
theirs=$(python3 bench/labels_reportlab.py "$work/reportlab.pdf" | grep '^RESULT')
ours_s=$(sed 's/.*of 5 \([0-9.]*\) s.*/\1/' <<<"$ours")
theirs_s=$(sed 's/.*of 5 \([0-9.]*\) s.*/\1/' <<<"$theirs")
bytes=$(sed 's/.* \([0-9]*\) bytes/\1/' <<<"$ours")
pdftoppm -r 200 -gray "$work/lendhub.pdf" "$work/page"
decoded=$(for page in "$work"/page-*.pgm; do zbarimg --quiet --raw "$page"; done | sort -u | wc -l)
echo "$ours"
echo "$theirs"
printf 'RESULT labels: lendhub %s s, reportlab %s s, reportlab/lendhub %.1fx, %s bytes, %s of 1000 codes decode\n' \
  "$ours_s" "$theirs_s" "$(echo "$theirs_s / $ours_s" | bc -l)" "$bytes" "$decoded"
