#!/usr/bin/env bash
# Benchmark `compound-atlas match` at the study's full scale and record the figures in
# docs/benchmarks.md. Usage: scripts/bench.sh [REPORTS]   (default 1180000)
#
# Generates the synthetic set once (bench-data/, ignored by git), warms the page cache,
# times five runs of `match` (median wall time, largest peak RSS from /usr/bin/time -v),
# times `cat` of the same file as the floor, and, when the Python package duckdb is
# installed, the same job as a DuckDB range join (IPv4 only).
set -euo pipefail
cd "$(dirname "$0")/.."
reports=${1:-1180000}
data=bench-data/n$reports
bin=target/release/compound-atlas

cargo build --release --locked --quiet
if [ ! -f "$data/reports.csv" ]; then
  "$bin" generate --reports "$reports" --seed 1 --out "$data"
fi
cat "$data/reports.csv" > /dev/null

walls=()
peak_kb=0
for run in 1 2 3 4 5; do
  out=$(mktemp -d)
  /usr/bin/time -v "$bin" match --reports "$data/reports.csv" --locations "$data/locations.csv" \
    --out "$out" > "$out/stdout" 2> "$out/stderr"
  wall=$(grep 'Elapsed (wall clock)' "$out/stderr" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  kb=$(grep 'Maximum resident set size' "$out/stderr" | awk '{print $NF}')
  walls+=("$wall")
  [ "$kb" -gt "$peak_kb" ] && peak_kb=$kb
  headline=$(grep -E 'Reports linked|any IP match|Locations with' "$out/stdout" | tr -s ' ' | paste -sd ';' -)
  rm -rf "$out"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 3p)
size_mb=$(( $(stat -c %s "$data/reports.csv") / 1000000 ))
events=$(( $(wc -l < "$data/reports.csv") - 1 ))
cat_s=$( { /usr/bin/time -f '%e' cat "$data/reports.csv" > /dev/null; } 2>&1 )
duck="not installed (pip install duckdb)"
if python3 -c 'import duckdb' 2> /dev/null; then
  duck=$(python3 scripts/duckdb_match.py "$data/reports.csv" "$data/locations.csv")
fi

section=$(cat <<MD
<!-- bench:match:start -->
## \`match\` at full scale

Measured by \`scripts/bench.sh $reports\` on $(date -u +%Y-%m-%d), $(nproc) cores,
$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); input $reports reports,
$events rows, $size_mb MB of CSV, 2,000 observations; page cache warm.

| what | figure | target |
| --- | --- | --- |
| \`match\` wall time, median of 5 | ${median} s (runs: ${walls[*]}) | ≤ 2.5 s |
| peak RSS | $(( peak_kb / 1024 )) MiB | ≤ 1 GB |
| \`cat\` of the reports file | ${cat_s} s | floor |
| DuckDB range join (IPv4 only) | ${duck} | comparison |

Headline figures of the run: ${headline}.
<!-- bench:match:end -->
MD
)
python3 - "$section" <<'PY'
import pathlib, re, sys
path = pathlib.Path("docs/benchmarks.md")
text = path.read_text() if path.exists() else "# Benchmarks\n\nFigures from the benchmark scripts; each section says how it was measured.\n"
section = sys.argv[1]
pattern = re.compile(r"<!-- bench:match:start -->.*?<!-- bench:match:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
path.write_text(text)
PY
echo "$section"
