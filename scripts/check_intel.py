#!/usr/bin/env python3
"""Check an evidence set's threat-intelligence files with the standard tools.

stix_bundle.json must validate with the OASIS STIX 2.1 validator (no errors), and
misp_event.json must load in PyMISP with the addresses, ports, geolocations and
sightings it is meant to hold. Usage: check_intel.py EVIDENCE_DIR
"""
import json
import sys
from pathlib import Path

from pymisp import MISPEvent
from stix2validator import ValidationOptions, validate_file


def check_stix(path: Path) -> int:
    results = validate_file(str(path), ValidationOptions(version="2.1"))
    if not results.is_valid:
        for result in results.object_results:
            for error in result.errors:
                print(f"{path}: {result.object_id}: {error}", file=sys.stderr)
        for error in getattr(results, "errors", []) or []:
            print(f"{path}: {error}", file=sys.stderr)
        return 1
    bundle = json.loads(path.read_text())
    kinds = {}
    for o in bundle["objects"]:
        kinds[o["type"]] = kinds.get(o["type"], 0) + 1
    print(f"{path}: valid STIX 2.1: {kinds}")
    return 0


def check_misp(path: Path) -> int:
    event = MISPEvent()
    event.load_file(str(path))
    problems = []
    if not event.info:
        problems.append("the event has no info")
    if not any(t.name.startswith("tlp:") for t in event.tags):
        problems.append("the event has no TLP tag")
    geos = event.get_objects_by_name("geolocation")
    ports = event.get_objects_by_name("ip-port")
    geo_uuids = {g.uuid for g in geos}
    addresses = sightings = 0
    for obj in ports:
        refs = [r.referenced_uuid for r in obj.references]
        if not any(r in geo_uuids for r in refs):
            problems.append(f"ip-port {obj.uuid} references no geolocation")
        for attribute in obj.attributes:
            if attribute.type == "ip-src":
                addresses += 1
                sightings += len(attribute.sightings)
                if not attribute.value:
                    problems.append(f"attribute {attribute.uuid} has no value")
            elif attribute.type == "port" and not attribute.value.isdigit():
                problems.append(f"attribute {attribute.uuid}: port {attribute.value!r}")
    for geo in geos:
        if not geo.get_attributes_by_relation("text"):
            problems.append(f"geolocation {geo.uuid} has no name")
    if not geos or not addresses:
        problems.append(f"{len(geos)} geolocations and {addresses} addresses")
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"{path}: loads in PyMISP: {len(geos)} geolocations, {len(ports)} ip-port objects, "
        f"{addresses} ip-src attributes, {sightings} sightings, tags {[t.name for t in event.tags]}"
    )
    return 0


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(sys.argv[1])
    return check_stix(folder / "stix_bundle.json") | check_misp(folder / "misp_event.json")


if __name__ == "__main__":
    sys.exit(main())
