#!/usr/bin/env bash
# `verify` on an evidence archive holding one GIGABYTES-GB entry (zeros, listed in the
# manifest with its true size and SHA-256, so it must be read to the end): wall time and
# peak memory, beside `unzip -p | sha256sum` of the same entry in the same run.
#
#   scripts/bench_verify.sh [GIGABYTES]     (default 5; needs python3, unzip)
set -euo pipefail
cd "$(dirname "$0")/.."
gigabytes="${1:-5}"
cargo build --release --locked --quiet
bin="$PWD/target/release/compound-atlas"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" export --reports sample_data/reports.csv --locations sample_data/locations.csv \
    --out "$work/set.zip" > /dev/null 2>&1
python3 - "$work" "$gigabytes" <<'PY'
import hashlib, json, sys, zipfile
work, gigabytes = sys.argv[1], int(sys.argv[2])
size = gigabytes << 30
chunk = b"\0" * (1 << 24)
digest = hashlib.sha256()
for _ in range(size // len(chunk)):
    digest.update(chunk)
src = zipfile.ZipFile(f"{work}/set.zip")
manifest = json.loads(src.read("manifest.json"))
for output in manifest["outputs"]:
    if output["file"] == "events.csv":
        output["size"], output["sha256"] = size, digest.hexdigest()
manifest_bytes = (json.dumps(manifest, indent=2) + "\n").encode()
seal = f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n".encode()
with zipfile.ZipFile(f"{work}/big.zip", "w", zipfile.ZIP_DEFLATED) as out:
    for info in src.infolist():
        if info.filename == "events.csv":
            entry = zipfile.ZipInfo("events.csv")
            entry.compress_type = zipfile.ZIP_DEFLATED
            with out.open(entry, "w", force_zip64=True) as f:
                for _ in range(size // len(chunk)):
                    f.write(chunk)
        elif info.filename == "manifest.json":
            out.writestr("manifest.json", manifest_bytes)
        elif info.filename == "manifest.sha256":
            out.writestr("manifest.sha256", seal)
        else:
            out.writestr(info, src.read(info.filename))
PY
echo "archive: $(du -h "$work/big.zip" | cut -f1) holding a ${gigabytes} GB entry"
/usr/bin/time -f "verify: %e s wall, %M KB peak" "$bin" verify "$work/big.zip" | head -1
/usr/bin/time -f "unzip -p | sha256sum: %e s wall" sh -c "unzip -p '$work/big.zip' events.csv | sha256sum > /dev/null"
