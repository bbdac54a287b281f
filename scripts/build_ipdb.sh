#!/usr/bin/env bash
# Rebuild assets/ipdb/networks.bin from two npm packages of ip-location-db: IP ranges to
# AS number and organisation (RouteViews, NRO and DB-IP data, CC BY 4.0) and to the
# registered country (CC0). Pinned versions give the same bytes; after a version change,
# update the data's date and the counts in assets/ipdb/LICENSES.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ASN_VERSION=2.3.2026061719
COUNTRY_VERSION=2.3.2026061719
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "@ip-location-db/asn@$ASN_VERSION" \
    "@ip-location-db/geo-whois-asn-country@$COUNTRY_VERSION" >/dev/null)
mkdir "$work/asn" "$work/country"
tar xzf "$work/ip-location-db-asn-$ASN_VERSION.tgz" -C "$work/asn"
tar xzf "$work/ip-location-db-geo-whois-asn-country-$COUNTRY_VERSION.tgz" -C "$work/country"

python3 scripts/build_ipdb.py "$work/asn/package" "$work/country/package" \
    "@ip-location-db/asn $ASN_VERSION, @ip-location-db/geo-whois-asn-country $COUNTRY_VERSION" \
    assets/ipdb/networks.bin
