//! A location list in every form it arrives in gives the same locations, observations
//! and matches as its CSV; STIX and MISP written by the export read back exactly; each
//! reader names the place of what it cannot read, and reads the rest.

use compound_atlas_core::export::intel::Intel;
use compound_atlas_core::export::{misp, stix};
use compound_atlas_core::generate::location_formats::{LocationListFormat, write_locations_as};
use compound_atlas_core::generate::{Spec, generate};
use compound_atlas_core::ingest::{ImportOptions, Input, LocationsFile, read_locations};
use compound_atlas_core::matching::MatchParams;
use compound_atlas_core::model::{Dataset, Issue, Location, Observation, Severity};
use compound_atlas_core::params::RunParameters;
use compound_atlas_core::pipeline::{Inputs, analyse, load, write_results};
use compound_atlas_core::values::progress::Progress;
use std::path::Path;

fn read(path: &Path) -> LocationsFile {
    read_locations(
        &Input::File(path.to_path_buf()),
        ImportOptions::default(),
        None,
        &Progress::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn dataset_of(path: &Path) -> Dataset {
    let mut dataset = Dataset::default();
    dataset.add_locations(read(path));
    dataset
}

/// What a location list says, without where each row was read.
fn content(dataset: &Dataset) -> (Vec<Location>, Vec<Observation>) {
    let locations = dataset
        .locations
        .iter()
        .map(|l| Location {
            file: 0,
            line: 0,
            ..l.clone()
        })
        .collect();
    let observations = dataset
        .observations
        .iter()
        .map(|o| Observation {
            file: 0,
            line: 0,
            ..o.clone()
        })
        .collect();
    (locations, observations)
}

/// `matches.csv` and `locations_summary.csv` of the reports against one list.
fn results_of(reports: &Path, locations: &Path, out: &Path) -> (Vec<u8>, Vec<u8>) {
    let inputs = Inputs {
        reports: vec![Input::File(reports.to_path_buf()).into()],
        locations: vec![Input::File(locations.to_path_buf()).into()],
        ip_databases: Vec::new(),
    };
    let progress = Progress::default();
    let dataset = load(&inputs, ImportOptions::default(), &progress).expect("reads");
    let analysis = analyse(dataset, MatchParams::default(), &progress).expect("matches");
    write_results(out, &analysis, &RunParameters::default(), 0, None).expect("writes");
    let read = |name: &str| std::fs::read(out.join(name)).unwrap();
    (read("matches.csv"), read("locations_summary.csv"))
}

fn issues_text(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(|i| format!("{:?} {} [{}] {}", i.severity, i.column, i.value, i.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_form_gives_the_csvs_locations_and_matches() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&Spec {
        reports: 3000,
        seed: 5,
        out: data.clone(),
    })
    .unwrap();
    let csv = data.join("locations.csv");
    let reports = data.join("reports.csv");
    let expected = content(&dataset_of(&csv));
    assert!(
        expected.1.len() > 100,
        "the generated list has observations"
    );
    let (matches, summary) = results_of(&reports, &csv, &dir.path().join("csv"));
    for format in LocationListFormat::ALL {
        let path = write_locations_as(&data, format).unwrap();
        let file = read(&path);
        let errors: Vec<&Issue> = file
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", format.name());
        let mut dataset = Dataset::default();
        dataset.add_locations(file);
        assert_eq!(content(&dataset), expected, "{}", format.name());
        let out = dir.path().join(format.name());
        let (m, s) = results_of(&reports, &path, &out);
        assert!(
            m == matches && s == summary,
            "{}: other results",
            format.name()
        );
    }
}

/// A list with what STIX and MISP have no field for: an address range that is no CIDR
/// block, port ranges, an end without a start, sub-microsecond times, text confidence,
/// extra columns, a location without observations and one without coordinates.
const AWKWARD_LIST: &str = "\
location_id,name,country,lat,lon,ip,first_seen,last_seen,ports,shared,source,confidence,notes,analyst_ref
kk,KK Park,MM,16.6,98.5,203.0.113.10-203.0.113.20,2023-01-01,2023-06-30,,false,ngo list,medium,range,A-7
kk,KK Park,MM,16.6,98.5,198.51.100.0/24,,2023-03-01T10:00:00.123456789Z,1000-2000,true,,70,,
kk,KK Park,MM,16.6,98.5,2001:db8:5::/48,2022-05-01T00:00:00Z,2022-05-01T00:00:00Z,443,false,,,same instant,
kk,KK Park,MM,16.6,98.5,192.0.2.7,,,,false,,,,
hub,Border hub,TH,,,198.18.7.0/24,2024-01-01,,,false,,high,no coordinates,
empty,Empty site,KH,11.5,104.9,,,,,,,,,
";

#[test]
fn stix_and_misp_exports_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("list.csv");
    std::fs::write(&csv, AWKWARD_LIST).unwrap();
    let dataset = dataset_of(&csv);
    let expected = content(&dataset);
    assert_eq!(expected.0.len(), 3);
    assert_eq!(expected.1.len(), 5);
    let all = (0..dataset.locations.len() as u32).collect();
    let intel = Intel::new(&dataset, all, &[], 1_700_000_000_000_000_000);
    for (name, value) in [
        ("bundle.json", stix::bundle(&intel)),
        ("event.json", misp::event(&intel)),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
        let file = read(&path);
        assert!(
            file.issues.is_empty(),
            "{name}: {}",
            issues_text(&file.issues)
        );
        let mut back = Dataset::default();
        back.add_locations(file);
        assert_eq!(content(&back), expected, "{name}");
    }
    // The same export gives the same ids.
    let again = Intel::new(&dataset, vec![0, 1, 2], &[], 1_800_000_000_000_000_000);
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&stix::bundle(&intel)), ids(&stix::bundle(&again)));
    assert_eq!(
        misp::event(&intel)["Event"]["uuid"],
        misp::event(&again)["Event"]["uuid"]
    );
}

#[test]
fn every_stix_object_carries_the_tlp_marking_chosen() {
    use compound_atlas_core::export::intel::Tlp;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("list.csv");
    std::fs::write(&csv, AWKWARD_LIST).unwrap();
    let dataset = dataset_of(&csv);
    let mut intel = Intel::new(&dataset, vec![0, 1, 2], &[], 1_700_000_000_000_000_000);
    for (tlp, level, statements) in [
        (Tlp::Clear, "white", 0),
        (Tlp::Amber, "amber", 0),
        (Tlp::AmberStrict, "amber", 1),
        (Tlp::Red, "red", 0),
    ] {
        intel.tlp = tlp;
        let bundle = stix::bundle(&intel);
        let objects = bundle["objects"].as_array().unwrap();
        let (markings, rest): (Vec<_>, Vec<_>) = objects
            .iter()
            .partition(|o| o["type"] == "marking-definition");
        let tlp_marking = markings
            .iter()
            .find(|m| m["definition_type"] == "tlp")
            .unwrap();
        assert_eq!(tlp_marking["definition"]["tlp"], level, "{tlp:?}");
        let statement_count = markings
            .iter()
            .filter(|m| m["definition_type"] == "statement")
            .count();
        assert_eq!(statement_count, statements, "{tlp:?}");
        let ids: Vec<&serde_json::Value> = markings.iter().map(|m| &m["id"]).collect();
        for object in rest {
            let refs: Vec<&serde_json::Value> = object["object_marking_refs"]
                .as_array()
                .unwrap_or_else(|| panic!("{tlp:?}: {} has no marking", object["id"]))
                .iter()
                .collect();
            assert_eq!(refs, ids, "{tlp:?}: {}", object["id"]);
        }
    }
}

#[test]
fn geojson_polygons_are_outlines_and_bad_features_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.geojson");
    std::fs::write(
        &path,
        r#"{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"Name": "Square site", "IP Address": "203.0.113.0/28", "Valid From": "2023/06/30", "valid until": "2023/07/31 18:00:00", "Operator": "X"},
   "geometry": {"type": "Polygon", "coordinates": [[[98.0, 16.0], [98.02, 16.0], [98.02, 16.02], [98.0, 16.02], [98.0, 16.0]]]}},
  {"type": "Feature", "properties": {"name": "Two blocks"},
   "geometry": {"type": "MultiPolygon", "coordinates": [[[[100, 10], [101, 10], [101, 11], [100, 11], [100, 10]]], [[[110, 10], [111, 10], [111, 11], [110, 11], [110, 10]]]]}},
  {"type": "Feature", "properties": {"name": "A road"}, "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}},
  {"type": "Feature", "properties": {"name": "Off the map"}, "geometry": {"type": "Point", "coordinates": [200, 95]}},
  "not a feature",
  {"type": "Feature", "properties": {"name": "Bad address", "ip": "203.0.113.300"}, "geometry": null},
  {"type": "Feature", "properties": {"name": "Listed", "observations": [{"ip": "198.51.100.1", "ports": "22"}, {"ip": "198.51.100.2"}]}, "geometry": {"type": "Point", "coordinates": [104.9, 11.55]}}
]}"#,
    )
    .unwrap();
    let file = read(&path);
    let text = issues_text(&file.issues);
    assert!(
        text.contains("features[2].geometry") && text.contains("LineString"),
        "{text}"
    );
    assert!(
        text.contains("features[3].geometry") && text.contains("out of range"),
        "{text}"
    );
    assert!(text.contains("Error features[4]"), "{text}");
    assert!(
        text.contains("Error features[5].properties.ip [203.0.113.300]"),
        "{text}"
    );
    let source = file.source.clone().unwrap();
    assert_eq!(
        (source.rows_accepted, source.rows_rejected),
        (6, 2),
        "{text}"
    );
    let dataset = {
        let mut d = Dataset::default();
        d.add_locations(file);
        d
    };
    let square = &dataset.locations[0];
    let outline = square.outline.as_ref().expect("an outline");
    assert_eq!(outline.polygons.len(), 1);
    assert!(
        (square.lat.unwrap() - 16.01).abs() < 1e-9 && (square.lon.unwrap() - 98.01).abs() < 1e-9,
        "{square:?}"
    );
    assert_eq!(square.extras, [("Operator".to_string(), "X".to_string())]);
    let first = &dataset.observations[0];
    let day = 86_400 * 1_000_000_000i64;
    assert_eq!(first.first_seen, Some(1_688_083_200 * 1_000_000_000));
    assert_eq!(
        first.last_seen,
        Some(1_688_083_200 * 1_000_000_000 + 31 * day + 18 * 3600 * 1_000_000_000)
    );
    let two = &dataset.locations[1];
    assert_eq!(two.outline.as_ref().unwrap().polygons.len(), 2);
    assert!((two.lon.unwrap() - 105.5).abs() < 1e-9);
    let listed = dataset
        .locations
        .iter()
        .position(|l| l.name == "Listed")
        .unwrap() as u32;
    let listed: Vec<&Observation> = dataset
        .observations
        .iter()
        .filter(|o| o.location == listed)
        .collect();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].ports.map(|p| (p.first, p.last)), Some((22, 22)));
}

#[test]
fn kml_placemarks_from_google_earth_and_qgis() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.kml");
    std::fs::write(
        &path,
        r##"<?xml version="1.0" encoding="utf-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Style id="s"><IconStyle/></Style>
<Folder><name>Myawaddy</name>
 <Placemark><name>Site &amp; gate</name><description><![CDATA[Seen <b>2023</b>]]></description>
  <ExtendedData><Data name="IP"><value>198.18.4.0/24</value></Data><Data name="ports"><value>3000-4000</value></Data></ExtendedData>
  <Point><coordinates>98.51, 16.69, 0</coordinates></Point></Placemark>
 <Folder><Placemark><name>Compound outline</name>
  <ExtendedData><SchemaData schemaUrl="#t"><SimpleData name="ip">198.18.5.1</SimpleData><SimpleData name="first_seen">2023/06/30 14:00:00</SimpleData><SimpleData name="country">MM</SimpleData></SchemaData></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>98.0,16.0 98.02,16.0 98.02,16.02 98.0,16.02 98.0,16.0</coordinates></LinearRing></outerBoundaryIs>
   <innerBoundaryIs><LinearRing><coordinates>98.0,16.0 98.01,16.0 98.01,16.01 98.0,16.01 98.0,16.0</coordinates></LinearRing></innerBoundaryIs></Polygon>
 </Placemark></Folder>
 <Placemark><name>Entity &bogus; site</name><Point><coordinates>not,numbers</coordinates></Point></Placemark>
 <Placemark><name>Cut off</name><Point><coordinates>98,16"##,
    )
    .unwrap();
    let file = read(&path);
    let text = issues_text(&file.issues);
    assert!(text.contains("&bogus;"), "{text}");
    assert!(
        text.contains("Point") && text.contains("not,numbers"),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("Error 13:58")), "{text}");
    let source = file.source.clone().unwrap();
    assert_eq!(
        (source.rows_accepted, source.rows_rejected),
        (3, 1),
        "{text}"
    );
    let mut dataset = Dataset::default();
    dataset.add_locations(file);
    let gate = &dataset.locations[0];
    assert_eq!(
        (gate.name.as_str(), gate.lat, gate.lon),
        ("Site & gate", Some(16.69), Some(98.51))
    );
    let outline = &dataset.locations[1];
    assert_eq!(outline.country, "MM");
    assert_eq!(
        outline.outline.as_ref().unwrap().polygons[0].len(),
        2,
        "outer ring and hole"
    );
    let seen = &dataset.observations[1];
    assert_eq!(
        seen.first_seen,
        Some(1_688_133_600 * 1_000_000_000),
        "2023/06/30 14:00:00 UTC"
    );
    assert_eq!(dataset.observations[0].notes, "Seen <b>2023</b>");
    let kmz = dir.path().join("sites.kmz");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&kmz).unwrap());
    zip.start_file("doc.kml", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, &std::fs::read(&path).unwrap()).unwrap();
    zip.finish().unwrap();
    let from_kmz = read(&kmz);
    assert_eq!(from_kmz.rows.len(), 3);
    assert!(
        from_kmz
            .issues
            .iter()
            .all(|i| i.column.starts_with("doc.kml: ")),
        "{:?}",
        from_kmz.issues
    );
}

#[test]
fn stix_bundles_from_other_tools() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    std::fs::write(
        &path,
        r#"{"type": "bundle", "id": "bundle--1", "objects": [
  {"type": "infrastructure", "id": "infrastructure--a", "name": "Compound A"},
  {"type": "location", "id": "location--a", "latitude": 16.6, "longitude": 98.5, "country": "MM"},
  {"type": "relationship", "id": "relationship--1", "relationship_type": "located-at", "source_ref": "infrastructure--a", "target_ref": "location--a"},
  {"type": "indicator", "id": "indicator--ok", "pattern": "[ipv4-addr:value = '198.51.100.0/24'] OR [domain-name:value = 'example.com']", "pattern_type": "stix", "valid_from": "2023-01-01T00:00:00Z", "valid_until": "2023-12-31T00:00:00Z", "labels": ["shared-infrastructure"], "confidence": 60, "description": "from a partner"},
  {"type": "relationship", "id": "relationship--2", "relationship_type": "indicates", "source_ref": "indicator--ok", "target_ref": "infrastructure--a"},
  {"type": "indicator", "id": "indicator--other", "pattern": "[file:hashes.MD5 = 'ab']", "pattern_type": "stix", "valid_from": "2023-01-01T00:00:00Z"},
  {"type": "relationship", "id": "relationship--3", "relationship_type": "indicates", "source_ref": "indicator--other", "target_ref": "infrastructure--a"},
  {"type": "ipv4-addr", "id": "ipv4-addr--x", "value": "198.18.9.9"},
  {"type": "relationship", "id": "relationship--4", "relationship_type": "consists-of", "source_ref": "infrastructure--a", "target_ref": "ipv4-addr--x"},
  {"type": "observed-data", "id": "observed-data--w", "first_observed": "2024-02-01T00:00:00Z", "last_observed": "2024-02-02T00:00:00Z", "number_observed": 1, "object_refs": ["ipv4-addr--x"]},
  {"type": "location", "id": "location--b", "name": "Lone location", "latitude": 11.5, "longitude": 104.9},
  {"type": "identity", "id": "identity--me", "name": "Someone", "identity_class": "organization"}
]}"#,
    )
    .unwrap();
    let file = read(&path);
    let text = issues_text(&file.issues);
    assert_eq!(file.issues.len(), 2, "{text}");
    assert!(
        text.contains("indicator--ok.pattern") && text.contains("domain-name:value"),
        "{text}"
    );
    assert!(text.contains("indicator--other.pattern"), "{text}");
    let mut dataset = Dataset::default();
    dataset.add_locations(file);
    let names: Vec<&str> = dataset.locations.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["Compound A", "Lone location"]);
    assert_eq!(dataset.locations[0].country, "MM");
    let o = &dataset.observations;
    assert_eq!(o.len(), 2);
    assert!(o[0].shared && o[0].confidence == "60" && o[0].notes == "from a partner");
    assert_eq!(o[1].first_seen, Some(1_706_745_600 * 1_000_000_000));
}

#[test]
fn misp_events_in_every_wrapper() {
    let dir = tempfile::tempdir().unwrap();
    let event = r#"{"Event": {"info": "Two compounds", "Tag": [{"name": "tlp:amber"}],
  "Attribute": [{"type": "ip-dst|port", "value": "198.51.100.9|8443", "first_seen": "2023-01-01T00:00:00.000000+00:00", "Tag": [{"name": "shared-infrastructure"}]},
                {"type": "domain", "value": "example.com"}],
  "Object": [
    {"name": "geolocation", "uuid": "g1", "Attribute": [{"object_relation": "text", "value": "North site"}, {"object_relation": "latitude", "value": "16.7"}, {"object_relation": "longitude", "value": "98.5"}, {"object_relation": "country", "value": "MM"}]},
    {"name": "geolocation", "uuid": "g2", "Attribute": [{"object_relation": "text", "value": "South site"}, {"object_relation": "latitude", "value": "11.6"}, {"object_relation": "longitude", "value": "104.9"}]},
    {"name": "ip-port", "Attribute": [{"object_relation": "ip-src", "value": "203.0.113.0/25"}, {"object_relation": "src-port", "value": "22"}], "ObjectReference": [{"referenced_uuid": "g2", "relationship_type": "located-at"}], "comment": "south gateway"}
  ]}}"#;
    for (name, wrapped) in [
        ("event.json", event.to_string()),
        ("list.json", format!("[{event}]")),
        ("api.json", format!("{{\"response\": [{event}]}}")),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, wrapped).unwrap();
        let file = read(&path);
        let text = issues_text(&file.issues);
        assert_eq!(file.issues.len(), 1, "{name}: {text}");
        assert!(
            text.contains("not tied to one of the event's 2 geolocation objects"),
            "{text}"
        );
        let mut dataset = Dataset::default();
        dataset.add_locations(file);
        let names: Vec<&str> = dataset.locations.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            ["Two compounds", "South site", "North site"],
            "{name}"
        );
        let o = &dataset.observations;
        assert_eq!(o.len(), 2);
        assert!(o[0].shared && o[0].ports.is_some_and(|p| p.first == 8443));
        assert_eq!(dataset.locations[o[1].location as usize].name, "South site");
        assert_eq!(o[1].notes, "south gateway");
    }
}

#[test]
fn json_that_is_no_location_list_is_refused_with_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.json");
    std::fs::write(&path, r#"{"hello": "world"}"#).unwrap();
    let error = read_locations(
        &Input::File(path),
        ImportOptions::default(),
        None,
        &Progress::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("GeoJSON") && error.contains("STIX") && error.contains("MISP"),
        "{error}"
    );
}

#[test]
fn outlines_are_carried_into_the_exported_geojson_and_kml() {
    use compound_atlas_core::export::geo::{LocationRow, geojson, write_kml};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outline.geojson");
    std::fs::write(
        &path,
        r#"{"type": "Feature", "properties": {"name": "Walled site"}, "geometry": {"type": "Polygon", "coordinates": [[[98.0, 16.0], [98.02, 16.0], [98.02, 16.02], [98.0, 16.0]], [[98.005, 16.002], [98.01, 16.002], [98.01, 16.004], [98.005, 16.002]]]}}"#,
    )
    .unwrap();
    let dataset = dataset_of(&path);
    let location = &dataset.locations[0];
    assert!(location.outline.is_some());
    let rows = [LocationRow {
        location,
        stats: Default::default(),
    }];
    let exported = dir.path().join("exported.geojson");
    std::fs::write(&exported, geojson(&rows).to_string()).unwrap();
    let mut kml = Vec::new();
    write_kml(&mut kml, "Evidence", &rows).unwrap();
    let kml_path = dir.path().join("exported.kml");
    std::fs::write(&kml_path, kml).unwrap();
    for back in [&exported, &kml_path] {
        let read_back = dataset_of(back);
        let again = &read_back.locations[0];
        assert_eq!(again.outline, location.outline, "{}", back.display());
        assert_eq!(
            (again.lat, again.lon),
            (location.lat, location.lon),
            "{}",
            back.display()
        );
    }
}
