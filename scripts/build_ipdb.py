#!/usr/bin/env python3
"""Convert the ip-location-db CSV packages into assets/ipdb/networks.bin.

Run scripts/build_ipdb.sh, which fetches the two npm packages and calls this with the
folders they were unpacked into.

Input (the packages' numeric CSVs, sorted by start, ranges disjoint):
  asn-ipv4-num.csv, asn-ipv6-num.csv                      start,end,as_number,as_organisation
  geo-whois-asn-country-ipv4-num.csv, ...-ipv6-num.csv   start,end,country_code

Output: one zlib stream (read by crates/core/src/ipdata/builtin.rs) holding
  b"CAIP", u32 version (2), u16 length + UTF-8 text: the data's label (packages and
  versions); u32 count of networks, then per network: varint AS number, varint name
  length, name (UTF-8), sorted by AS number then name; u32 count of countries, then two
  ASCII letters each, sorted; u32 count of pairs, then per pair two varints: network
  index + 1 and country index + 1 (0 for none); then two range tables, IPv4 and IPv6,
  where the AS and the country ranges are merged so that one lookup answers both. Each
  table: u32 count, then per range three LEB128 varints: the gap from the end of the
  previous range (start - previous end - 1, the first range's start for the first), the
  size (end - start) and the value (an index into the pairs).
All fixed-width integers little-endian. The same packages give the same bytes.
"""

import csv
import ipaddress
import struct
import sys
import zlib
from pathlib import Path

# Special-purpose space (IANA registries, RFC 6890): no operator's, so never enriched,
# whatever a package says (one listed TEST-NET-2 as Australian).
RESERVED = {
    32: ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
         "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
         "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"],
    128: ["::/8", "100::/64", "2001:db8::/32", "3fff::/20", "fc00::/7", "fe80::/10", "ff00::/8"],
}

MAGIC = b"CAIP"
VERSION = 2


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_ranges(path, width):
    """Rows of (start, end, rest) made disjoint: the packages nest narrower ranges inside
    wider ones (a /24 of another country inside a /16), and where ranges overlap the
    narrower one, or at equal starts the later one, wins, as a longest-prefix lookup would."""
    rows = []
    limit = (1 << width) - 1
    with open(path, newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.reader(f), 1):
            start, end = int(row[0]), int(row[1])
            if not (0 <= start <= end <= limit):
                sys.exit(f"{path}:{line}: bad range {start}-{end}")
            rows.append((start, -end, line, tuple(row[2:])))
    rows.sort()
    out = []

    def emit(first, last, value):
        if first <= last:
            if out and out[-1][1] == first - 1 and out[-1][2] == value:
                out[-1] = (out[-1][0], last, value)
            else:
                out.append((first, last, value))

    open_ranges = []  # (end, value), innermost last
    cursor = 0
    for start, negative_end, _, value in rows:
        while open_ranges and open_ranges[-1][0] < start:
            end, outer = open_ranges.pop()
            emit(cursor, end, outer)
            cursor = max(cursor, end + 1)
        if open_ranges:
            emit(cursor, start - 1, open_ranges[-1][1])
        open_ranges.append((-negative_end, value))
        cursor = start
    while open_ranges:
        end, value = open_ranges.pop()
        emit(cursor, end, value)
        cursor = max(cursor, end + 1)
    for a, b in zip(out, out[1:]):
        assert a[1] < b[0], (a, b)
    return carve_reserved(out, width)


def carve_reserved(ranges, width):
    blocks = [ipaddress.ip_network(b) for b in RESERVED[width]]
    blocks = sorted((int(b.network_address), int(b.broadcast_address)) for b in blocks)
    out = []
    for start, end, value in ranges:
        for first, last in blocks:
            if last < start or first > end:
                continue
            if start < first:
                out.append((start, first - 1, value))
            start = last + 1
            if start > end:
                break
        if start <= end:
            out.append((start, end, value))
    return out


def merge(asn_rows, country_rows, asn_value, country_value):
    """One list of disjoint ranges over both: each range's (network + 1, country + 1),
    0 where a list has nothing; neighbours with the same pair are joined."""
    points = set()
    for start, end, _ in asn_rows + country_rows:
        points.add(start)
        points.add(end + 1)
    points = sorted(points)

    def values_at(rows, value_of):
        # For each elementary interval [points[i], points[i+1]-1], the row covering it.
        out, j = [], 0
        for i in range(len(points) - 1):
            first = points[i]
            while j < len(rows) and rows[j][1] < first:
                j += 1
            if j < len(rows) and rows[j][0] <= first:
                out.append(value_of(rows[j][2]) + 1)
            else:
                out.append(0)
        return out

    networks = values_at(asn_rows, asn_value)
    countries = values_at(country_rows, country_value)
    merged = []
    for i in range(len(points) - 1):
        pair = (networks[i], countries[i])
        if pair == (0, 0):
            continue
        first, last = points[i], points[i + 1] - 1
        if merged and merged[-1][1] == first - 1 and merged[-1][2] == pair:
            merged[-1] = (merged[-1][0], last, pair)
        else:
            merged.append((first, last, pair))
    return merged


def table(rows, value_of):
    out = bytearray(struct.pack("<I", len(rows)))
    previous_end = -1
    for start, end, rest in rows:
        out += varint(start - previous_end - 1) + varint(end - start) + varint(value_of(rest))
        previous_end = end
    return bytes(out)


def main(asn_dir, country_dir, label, out_path):
    asn_dir, country_dir = Path(asn_dir), Path(country_dir)
    asn4 = read_ranges(asn_dir / "asn-ipv4-num.csv", 32)
    asn6 = read_ranges(asn_dir / "asn-ipv6-num.csv", 128)
    cc4 = read_ranges(country_dir / "geo-whois-asn-country-ipv4-num.csv", 32)
    cc6 = read_ranges(country_dir / "geo-whois-asn-country-ipv6-num.csv", 128)

    networks = sorted({(int(r[0]), r[1]) for _, _, r in asn4 + asn6})
    network_index = {n: i for i, n in enumerate(networks)}
    countries = sorted({r[0] for _, _, r in cc4 + cc6})
    for code in countries:
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            sys.exit(f"unexpected country code {code!r}")
    country_index = {c: i for i, c in enumerate(countries)}

    label_bytes = label.encode("utf-8")
    body = bytearray(MAGIC + struct.pack("<IH", VERSION, len(label_bytes)) + label_bytes)
    body += struct.pack("<I", len(networks))
    for asn, name in networks:
        name_bytes = name.encode("utf-8")
        body += varint(asn) + varint(len(name_bytes)) + name_bytes
    body += struct.pack("<I", len(countries))
    for code in countries:
        body += code.encode("ascii")
    asn_value = lambda r: network_index[(int(r[0]), r[1])]
    country_value = lambda r: country_index[r[0]]
    v4 = merge(asn4, cc4, asn_value, country_value)
    v6 = merge(asn6, cc6, asn_value, country_value)
    pairs = sorted({pair for _, _, pair in v4 + v6})
    pair_index = {p: i for i, p in enumerate(pairs)}
    body += struct.pack("<I", len(pairs))
    for network, country in pairs:
        body += varint(network) + varint(country)
    pair_value = lambda pair: pair_index[pair]
    body += table(v4, pair_value) + table(v6, pair_value)

    Path(out_path).write_bytes(zlib.compress(bytes(body), 9))
    print(
        f"{out_path}: {len(networks)} networks, {len(countries)} countries, "
        f"AS ranges {len(asn4)} IPv4 + {len(asn6)} IPv6, "
        f"country ranges {len(cc4)} IPv4 + {len(cc6)} IPv6; merged {len(v4)} IPv4 + "
        f"{len(v6)} IPv6 with {len(pairs)} pairs; "
        f"{len(body)} bytes, {Path(out_path).stat().st_size} compressed"
    )


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: build_ipdb.py ASN_DIR COUNTRY_DIR LABEL OUT")
    main(*sys.argv[1:])
