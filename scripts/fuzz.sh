#!/usr/bin/env bash
# Fuzz every parser of compound-atlas-core for SECONDS each (default 60) with libFuzzer,
# through cargo fuzz on the nightly toolchain (`rustup toolchain install nightly`,
# `cargo install cargo-fuzz`), without a sanitizer: the core has no unsafe code of its
# own, and AddressSanitizer made each run ten times slower. Panics, hangs and memory
# use are what is looked for. Not run by CI: the figures go in docs/benchmarks.md.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Seeds come from the sample data: its CSV files, a case made from them and an evidence
# archive, so that the mutations start from real structure. The corpus grows under
# target/fuzz/corpus/TARGET; a crash, hang (10 s) or use of more than 1 GB stops a target
# and leaves its input under target/fuzz/artifacts/TARGET, to be kept as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(csv_reports csv_locations values header_mapping case_open verify_archive)
fi
root="$PWD/target/fuzz"
mkdir -p "$root/seeds"

# Seeds, made once with the release binary.
cargo build --release --locked --quiet
bin="$PWD/target/release/compound-atlas"
seed() { mkdir -p "$root/corpus/$1"; cp "${@:2}" "$root/corpus/$1/" 2>/dev/null || true; }
if [ ! -f "$root/seeds/sample.case" ]; then
    head -c 20000 sample_data/reports.csv > "$root/seeds/reports.csv"
    head -c 20000 sample_data/locations.csv > "$root/seeds/locations.csv"
    "$bin" case create --reports "$root/seeds/reports.csv" --locations sample_data/locations.csv \
        --out "$root/seeds/sample.case" > /dev/null 2>&1
    "$bin" export --reports "$root/seeds/reports.csv" --locations sample_data/locations.csv \
        --out "$root/seeds/set.zip" > /dev/null 2>&1
    printf '198.18.0.1\n198.18.0.0/15\n2001:db8::1-2001:db8::ff\n2023-05-01T10:00:00+07:00\n05/01/2023 10:00\n443\n1000-2000\n' \
        > "$root/seeds/values.txt"
    head -1 sample_data/reports.csv | tr ',' '\n' > "$root/seeds/header.txt"
fi
seed csv_reports "$root/seeds/reports.csv"
seed csv_locations "$root/seeds/locations.csv"
seed values "$root/seeds/values.txt"
seed header_mapping "$root/seeds/header.txt"
seed case_open "$root/seeds/sample.case"
seed verify_archive "$root/seeds/set.zip"

printf '| Target | Seconds | Executions | Executions/s | Peak RSS | Result |\n| --- | ---: | ---: | ---: | ---: | --- |\n' > "$root/summary.md"
for target in "${targets[@]}"; do
    mkdir -p "$root/artifacts/$target"
    log="$root/$target.log"
    status=0
    cargo +nightly fuzz run --fuzz-dir crates/fuzz --sanitizer none "$target" --release -- \
        -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -max_len=1048576 \
        -artifact_prefix="$root/artifacts/$target/" -print_final_stats=1 \
        "$root/corpus/$target" > "$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    result=$([ "$status" -eq 0 ] && echo "no crash, hang or memory limit" || echo "FAILED (exit $status; see $log)")
    printf '| %s | %s | %s | %s | %s MB | %s |\n' "$target" "$seconds" "${runs:-?}" \
        "$(( ${runs:-0} / seconds ))" "${rss:-?}" "$result" | tee -a "$root/summary.md"
done
echo "Summary: $root/summary.md"
