"""The table bench/all.sh prints: reads the logs of bench/{reports,device_list,issue,import,
labels}.sh and gives each figure beside its baseline from the same run, the ratio and the goal,
and whether the goal is met."""

import re
import sys
from pathlib import Path

logs = Path(sys.argv[1])


def cases(name):
    """{size: {case: {rps, p50_ms, ...}}} from a wrk-driven log."""
    found, size = {}, None
    for line in (logs / name).read_text().splitlines():
        if m := re.match(r"== (\d+) devices", line):
            size = int(m.group(1))
            found[size] = {}
        elif size is not None and "p50_ms=" in line:
            case = re.split(r"\s{2,}|\s+rps=", line, maxsplit=1)[0].strip()
            found[size][case] = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}
        elif size is not None and (m := re.match(r"serve rss_kb=(\d+)", line)):
            found[size]["rss_mb"] = int(m.group(1)) / 1024
        elif size is not None and (m := re.match(r"serve settled rss_kb=(\d+)", line)):
            found[size]["settled_mb"] = int(m.group(1)) / 1024
    return found


rows = []


def row(figure, value, baseline, ratio, goal, met):
    rows.append((figure, value, baseline, ratio, goal, "yes" if met else "NO"))


reports = cases("reports.log")
small, large = reports[1000], reports[1000000]
for case, limit in [("summary", 10), ("funder 30 days", 20), ("funder 90 days", 20)]:
    a, b = small[case]["p50_ms"], large[case]["p50_ms"]
    row(f"{case} p50, 1,000,000 vs 1,000", f"{b:.2f} ms", f"{a:.2f} ms", f"{b / a:.1f}x",
        f"within 5x, under {limit} ms", b / a <= 5 and b < limit)

devices = cases("devices.log")
small, large = devices[1000], devices[1000000]
for case in ["status+hub", "search common", "search rare", "page 2 by cursor"]:
    a, b = small[case]["p95_ms"], large[case]["p95_ms"]
    row(f"devices {case} p95, 1,000,000 vs 1,000", f"{b:.2f} ms", f"{a:.2f} ms", f"{b / a:.1f}x",
        "within 2x, under 10 ms", b / a <= 2 and b < 10)
# The most either server held at each size: right after its runs, and six seconds later, once it
# has handed freed pages back (the reports' includes the funder report over a million loans).
for key, when in [("rss_mb", "right after the requests"), ("settled_mb", "six seconds after")]:
    rss = {size: max(log[size].get(key, 0) for log in (reports, devices)) for size in (1000, 1000000)}
    row(f"serve resident memory at 1,000,000, {when}", f"{rss[1000000]:.0f} MB",
        f"{rss[1000]:.0f} MB at 1,000", "", "at most 64 MB", rss[1000000] <= 64)

issue = (logs / "issue.log").read_text()
raw = dict(re.findall(r"(\w+)=([\d.]+)", re.search(r"raw issue.*", issue).group(0)))
http = dict(re.findall(r"(\w+)=([\d.]+)", re.search(r"POST /api/v1/loans.*", issue).group(0)))
share = float(http["rps"]) / float(raw["rps"])
row("issue under 64 connections: p99, rate vs raw", f"{float(http['p99_ms']):.1f} ms, {float(http['rps']):.0f}/s",
    f"{float(raw['rps']):.0f}/s raw", f"{share:.2f}", "p99 under 25 ms, at least 0.80", float(http["p99_ms"]) < 25 and share >= 0.8)

for m in re.finditer(r"(\d+) rows\s+raw insert\s+(\d+) rows/s\s+import\s+(\d+) rows/s\s+import/raw ([\d.]+)\s+import peak memory (\d+) MB",
                     (logs / "import.log").read_text()):
    n, raw_rate, rate, ratio, peak = m.groups()
    row(f"import of {int(n):,} devices vs raw inserts", f"{rate} rows/s, {peak} MB", f"{raw_rate} rows/s",
        ratio, "at least 0.7, flat memory", float(ratio) >= 0.7)

labels = re.search(r"RESULT labels: lendhub ([\d.]+) s, reportlab ([\d.]+) s, reportlab/lendhub ([\d.]+)x, (\d+) bytes, (\d+) of 1000",
                   (logs / "labels.log").read_text())
ours, theirs, speed, size, decoded = labels.groups()
row("1,000 labels (a4-24) vs reportlab + segno", f"{ours} s, {int(size) / 1e6:.2f} MB, {decoded} decode",
    f"{theirs} s", f"{speed}x", "13x, at most 1 MB, all decode",
    float(speed) >= 13 and int(size) <= 1_000_000 and decoded == "1000")

print("| figure | value | baseline (same run) | ratio | goal | met |")
print("|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
