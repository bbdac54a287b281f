#!/usr/bin/env bash
# Benchmark `compound-atlas match` on the same synthetic reports in every report format
# and record the figures in docs/benchmarks.md (section bench:formats).
# Usage: scripts/bench_formats.sh [REPORTS]   (default 1180000)
#
# Writes the sets once under bench-data/ (ignored by git): the full-scale set as CSV,
# JSON Lines, one multi-report XML file and a zip of one XML per report; 100,000 reports
# as a folder of IDS JSON files; about a million rows as one xlsx. Each is matched three
# times (median wall time, largest peak RSS); the CSV is timed in the same run, so the
# ratios hold on this shared machine whatever its load. Every format's matches.csv is
# checked to be byte-identical to its CSV's.
set -euo pipefail
cd "$(dirname "$0")/.."
reports=${1:-1180000}
bin=target/release/compound-atlas
cargo build --release --locked --quiet

# generate DIR REPORTS [FORMAT ARGS...]: the set once, with its CSV.
generate() {
  local dir=$1 n=$2
  shift 2
  [ -f "$dir/reports.csv" ] || "$bin" generate --reports "$n" --seed 1 --out "$dir" > /dev/null
  if [ $# -gt 0 ]; then
    "$bin" generate --reports "$n" --seed 1 --out "$dir" "$@" > /dev/null
  fi
}

full=bench-data/n$reports
ids_set=bench-data/ids100000
xlsx_set=bench-data/xlsx133000
[ -f "$full/reports.jsonl" ] || generate "$full" "$reports" --format jsonl
[ -f "$full/reports.xml" ] || generate "$full" "$reports" --format esp-xml
[ -f "$full/reports-xml.zip" ] || generate "$full" "$reports" --format esp-xml --per-report zip
[ -d "$ids_set/reports-json" ] || generate "$ids_set" 100000 --format ids-json --per-report folder
[ -f "$xlsx_set/reports.xlsx" ] || generate "$xlsx_set" 133000 --format xlsx

# run LABEL REPORTS LOCATIONS: median wall (s) and peak RSS (MiB) of three runs.
run() {
  local reports_in=$1 locations=$2 walls=() peak=0 out
  cat "$reports_in" > /dev/null 2>&1 || true
  for _ in 1 2 3; do
    out=$(mktemp -d)
    /usr/bin/time -v "$bin" match --reports "$reports_in" --locations "$locations" \
      --out "$out" > "$out/stdout" 2> "$out/stderr" || { cat "$out/stderr" >&2; exit 1; }
    walls+=("$(grep 'Elapsed (wall clock)' "$out/stderr" | awk '{print $NF}' |
      awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')")
    local kb
    kb=$(grep 'Maximum resident set size' "$out/stderr" | awk '{print $NF}')
    [ "$kb" -gt "$peak" ] && peak=$kb
    sha256sum < "$out/matches.csv" | cut -d' ' -f1 > "$out.sha"
    last_sha=$(cat "$out.sha")
    rm -rf "$out" "$out.sha"
  done
  median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 2p)
  peak_mib=$((peak / 1024))
}

# bytes PATH: the size of a file, or of all files in a folder.
bytes() { du -sb --apparent-size "$1" | cut -f1; }
mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1e6 }'; }
rate() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

rows=()
check() { # check LABEL SHA EXPECTED
  [ "$2" = "$3" ] || { echo "$1: matches.csv differs from the CSV's" >&2; exit 1; }
}

run "$full/reports.csv" "$full/locations.csv"
csv_s=$median csv_sha=$last_sha csv_mb=$(bytes "$full/reports.csv")
rows+=("| CSV (the reference) | $(mb "$csv_mb") MB | ${csv_s} s | $(rate "$csv_mb" "$csv_s") MB/s | $peak_mib MiB | — |")

run "$full/reports.jsonl" "$full/locations.csv"
check jsonl "$last_sha" "$csv_sha"
b=$(bytes "$full/reports.jsonl")
rows+=("| JSON Lines | $(mb "$b") MB | ${median} s | $(rate "$b" "$median") MB/s | $peak_mib MiB | $(ratio "$median" "$csv_s")× the CSV's time (target ≤ 2×) |")

run "$full/reports.xml" "$full/locations.csv"
check xml "$last_sha" "$csv_sha"
b=$(bytes "$full/reports.xml")
rows+=("| one report XML file | $(mb "$b") MB | ${median} s | $(rate "$b" "$median") MB/s | $peak_mib MiB | target ≥ 150 MB/s |")

run "$full/reports-xml.zip" "$full/locations.csv"
check zip "$last_sha" "$csv_sha"
b=$(bytes "$full/reports-xml.zip")
inner=$(python3 -c 'import sys, zipfile; print(sum(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))' "$full/reports-xml.zip")
rows+=("| zip of one XML per report ($reports entries) | $(mb "$b") MB zipped, $(mb "$inner") MB of XML | ${median} s | $(rate "$inner" "$median") MB/s of XML | $peak_mib MiB | target ≥ 150 MB/s |")

run "$ids_set/reports.csv" "$ids_set/locations.csv"
ids_csv_sha=$last_sha ids_csv_s=$median
run "$ids_set/reports-json" "$ids_set/locations.csv"
check ids "$last_sha" "$ids_csv_sha"
b=$(bytes "$ids_set/reports-json")
rows+=("| folder of 100,000 IDS JSON files | $(mb "$b") MB | ${median} s | $(rate "$b" "$median") MB/s | $peak_mib MiB | target ≤ 10 s (its CSV: ${ids_csv_s} s) |")

run "$xlsx_set/reports.csv" "$xlsx_set/locations.csv"
xlsx_csv_sha=$last_sha xlsx_csv_s=$median
xlsx_rows=$(($(wc -l < "$xlsx_set/reports.csv") - 1))
run "$xlsx_set/reports.xlsx" "$xlsx_set/locations.csv"
check xlsx "$last_sha" "$xlsx_csv_sha"
b=$(bytes "$xlsx_set/reports.xlsx")
rows+=("| xlsx, $(printf "%'d" "$xlsx_rows") rows | $(mb "$b") MB | ${median} s | $(rate "$b" "$median") MB/s | $peak_mib MiB | target < 30 s (its CSV: ${xlsx_csv_s} s) |")

events=$(($(wc -l < "$full/reports.csv") - 1))
section=$(cat <<MD
<!-- bench:formats:start -->
## Report formats

Measured by \`scripts/bench_formats.sh $reports\` on $(date -u +%Y-%m-%d), $(nproc) cores,
$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); \`match\` with the set's
2,000 observations, median of three runs, page cache warm. The full-scale set is
$reports reports and $events events; the IDS folder and the spreadsheet are smaller sets
of their own (each with its CSV timed in the same run). Every format's \`matches.csv\`
was byte-identical to its CSV's. A format other than CSV is hashed (SHA-256, for the
source list) on a thread of its own beside the read.

| input | size | \`match\` wall | rate | peak RSS | against |
| --- | --- | --- | --- | --- | --- |
$(printf '%s\n' "${rows[@]}")
<!-- bench:formats:end -->
MD
)
python3 - "$section" <<'PY'
import pathlib, re, sys
path = pathlib.Path("docs/benchmarks.md")
text = path.read_text()
section = sys.argv[1]
pattern = re.compile(r"<!-- bench:formats:start -->.*?<!-- bench:formats:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
path.write_text(text)
PY
echo "$section"
