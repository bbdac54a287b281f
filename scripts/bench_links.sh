#!/usr/bin/env bash
# Benchmark leads and links at full scale, and measure how well the lead score ranks
# the planted compound reports (docs/benchmarks.md, docs/ranking.md).
# Usage: scripts/bench_links.sh [REPORTS]   (default 1180000)
#
# Writes the set once under bench-data/ (ignored by git), with its own IP database so
# that the network-level leads are found too. `match --leads` is run three times and
# prints the time of each step of the leads (network-level, ties, scores); the `links`
# command is timed once; scripts/rank_quality.py prints precision and ROC AUC.
set -euo pipefail
cd "$(dirname "$0")/.."
reports=${1:-1180000}
bin=target/release/compound-atlas
cargo build --release --locked --quiet
dir=bench-data/links$reports
[ -f "$dir/ground_truth.csv" ] && head -1 "$dir/ground_truth.csv" | grep -q planted_as ||
  "$bin" generate --reports "$reports" --seed 2025 --out "$dir" > /dev/null
inputs=(--reports "$dir/reports.csv" --locations "$dir/locations.csv" --ip-db "$dir/networks.mmdb")
for run in 1 2 3; do
  "$bin" match "${inputs[@]}" --leads --out "$dir/out" 2>&1 >/dev/null | grep '^Time:'
done
"$bin" match "${inputs[@]}" --leads --out "$dir/out" | grep -A1 'Leads,'
/usr/bin/time -f 'links: %e s wall, %M KB peak' "$bin" links "${inputs[@]}" --out "$dir/links"
python3 scripts/rank_quality.py "$dir/ground_truth.csv" "$dir/out/leads.csv"
