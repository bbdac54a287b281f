#!/usr/bin/env bash
# Case files at full scale: import the study-sized data into a new case (`case create`:
# read + save), reopen it (`case info`: open + print), and match from it (`match --case`).
# Needs bench-data/n1180000 (made by `cargo bench --bench workbench`) and a release build.
# Usage: scripts/bench_case.sh [DIR]   — prints table rows for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-bench-data/n1180000}
bin=target/release/compound-atlas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seconds() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
read -r create_s create_kb < <(seconds "$bin" case create --reports "$data/reports.csv" \
    --locations "$data/locations.csv" --tolerance 2h --out "$work/full.case")
read -r open_s open_kb < <(seconds "$bin" case info "$work/full.case")
read -r match_s _ < <(seconds "$bin" match --case "$work/full.case" --out "$work/results")
size=$(stat -c %s "$work/full.case")
echo "| case create (read the CSV files, then save the case) | ${create_s} s, peak RSS $((create_kb / 1024)) MiB |"
echo "| case info (open the case: every table read back, events regrouped) | ${open_s} s, peak RSS $((open_kb / 1024)) MiB |"
echo "| match --case (open, match, write the result files) | ${match_s} s |"
echo "| case file size | $((size / 1024 / 1024)) MiB |"
