//! Evidence sets end to end through the command line: export then verify, tampering,
//! spreadsheet safety, the GeoJSON's shape, the summary page, determinism and masking.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn sample(name: &str) -> String {
    format!("{}/sample_data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn export(out: &Path, reports: &str, extra: &[&str]) -> Output {
    export_with(out, reports, &sample("locations.csv"), extra)
}

fn export_with(out: &Path, reports: &str, locations: &str, extra: &[&str]) -> Output {
    let out = out.to_str().unwrap();
    let mut args = vec![
        "export",
        "--reports",
        reports,
        "--locations",
        locations,
        "--tolerance",
        "2h",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    let result = run(&args);
    assert!(
        result.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    result
}

fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn export_then_verify_passes_and_one_changed_byte_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    export(&set, &sample("reports.csv"), &[]);
    let names: Vec<String> = files_of(&set).into_keys().collect();
    assert_eq!(
        names,
        [
            "audit_log.csv",
            "events.csv",
            "import_errors.csv",
            "links.graphml",
            "locations.csv",
            "locations.geojson",
            "locations.kml",
            "manifest.json",
            "manifest.sha256",
            "map.png",
            "matches.csv",
            "misp_event.json",
            "reports.csv",
            "stix_bundle.json",
            "summary.html"
        ]
    );
    let ok = run(&["verify", set.to_str().unwrap()]);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("OK: all 13 files"));

    let target = set.join("reports.csv");
    let mut bytes = std::fs::read(&target).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&target, bytes).unwrap();
    let failed = run(&["verify", set.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(1));
    let report = String::from_utf8_lossy(&failed.stdout);
    assert!(report.contains("CHANGED  reports.csv"), "{report}");
    assert!(!report.contains("CHANGED  matches.csv"), "{report}");
    // `verify … | head -1`: the reader goes away, and a changed file still fails.
    let mut child = Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .arg("verify")
        .arg(&set)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let gone = child.wait_with_output().unwrap();
    assert_eq!(gone.status.code(), Some(1), "{gone:?}");
    assert!(!String::from_utf8_lossy(&gone.stderr).contains("panicked"));

    std::fs::remove_file(set.join("map.png")).unwrap();
    std::fs::write(set.join("notes.txt"), "added").unwrap();
    let report =
        String::from_utf8_lossy(&run(&["verify", set.to_str().unwrap()]).stdout).into_owned();
    assert!(report.contains("MISSING  map.png"), "{report}");
    assert!(report.contains("EXTRA    notes.txt"), "{report}");
}

#[test]
fn a_zip_set_verifies_and_the_same_export_gives_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("set.zip");
    export(&zip, &sample("reports.csv"), &["--country", "MM"]);
    assert!(run(&["verify", zip.to_str().unwrap()]).status.success());
    // An existing archive is never overwritten.
    let again = run(&[
        "export",
        "--reports",
        &sample("reports.csv"),
        "--locations",
        &sample("locations.csv"),
        "--out",
        zip.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    export(&a, &sample("reports.csv"), &["--country", "MM"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    export(&b, &sample("reports.csv"), &["--country", "MM"]);
    let (a, b) = (files_of(&a), files_of(&b));
    for (name, bytes) in &a {
        if name == "manifest.sha256" {
            // The manifest's digest, which covers its creation time.
            assert!(bytes.ends_with(b"  manifest.json\n"));
        } else if name == "manifest.json" {
            let strip = |bytes: &[u8]| {
                let mut json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                json.as_object_mut().unwrap().remove("created_at");
                // The intelligence files hold the export's time, so their digests differ.
                for output in json["outputs"].as_array_mut().unwrap() {
                    if output["file"].as_str().unwrap().ends_with(".json") {
                        output.as_object_mut().unwrap().remove("sha256");
                    }
                }
                json
            };
            assert_eq!(
                strip(bytes),
                strip(&b[name]),
                "the manifests differ beyond the time"
            );
        } else if name.ends_with(".json") {
            // The intelligence files say when they were made; everything else, ids
            // included, is the same.
            let strip = |bytes: &[u8]| {
                let mut json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                strip_times(&mut json);
                json
            };
            assert_eq!(
                strip(bytes),
                strip(&b[name]),
                "{name} differs beyond its time"
            );
        } else {
            assert!(bytes == &b[name], "{name} differs between two runs");
        }
    }
}

/// Remove the members that hold the export's own time.
fn strip_times(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for key in ["created", "modified", "timestamp", "date"] {
                map.remove(key);
            }
            map.values_mut().for_each(strip_times);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_times),
        _ => {}
    }
}

/// A location list whose name carries a formula, over the block the reports use.
fn hostile_locations(dir: &Path) -> PathBuf {
    let path = dir.join("hostile_locations.csv");
    std::fs::write(
        &path,
        "location_id,name,country,lat,lon,ip\nsite-1,\"=1+2 site\",MM,16.6,98.5,198.18.2.0/24\n",
    )
    .unwrap();
    path
}

/// A reports file whose text cells carry formula payloads.
fn hostile_reports(dir: &Path) -> PathBuf {
    let path = dir.join("hostile.csv");
    let mut text = String::from("report_id,ip,event_time,event_name,platform,comment\n");
    let payloads = [
        "=HYPERLINK(\"http://example.invalid\")",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "-2+3",
        "-12.5",
    ];
    for (i, payload) in payloads.iter().enumerate() {
        let cell = format!("\"{}\"", payload.replace('"', "\"\""));
        text.push_str(&format!(
            "{cell},198.18.2.{},2023-06-07T14:57:49Z,{cell},{cell},{cell}\n",
            10 + i
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn formula_payloads_from_the_input_are_neutralised_in_every_csv() {
    let dir = tempfile::tempdir().unwrap();
    let reports = hostile_reports(dir.path());
    let locations = hostile_locations(dir.path());
    let set = dir.path().join("set");
    export_with(
        &set,
        reports.to_str().unwrap(),
        locations.to_str().unwrap(),
        &[],
    );
    let mut seen_payload = false;
    for name in [
        "matches.csv",
        "reports.csv",
        "events.csv",
        "import_errors.csv",
    ] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(set.join(name))
            .unwrap();
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                let dangerous = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                let number = cell.parse::<f64>().is_ok();
                assert!(
                    !dangerous || number,
                    "{name}: {cell:?} reaches a spreadsheet as a formula"
                );
                if cell.starts_with("'=HYPERLINK")
                    || cell.starts_with("'+cmd")
                    || cell == "'=1+2 site"
                {
                    seen_payload = true;
                    assert_eq!(
                        compound_atlas_core::export::safe_csv::recover(cell)
                            .chars()
                            .next(),
                        cell.chars().nth(1)
                    );
                }
            }
        }
    }
    assert!(seen_payload, "the payloads were not exported at all");
    let matches = std::fs::read_to_string(set.join("matches.csv")).unwrap();
    assert_eq!(
        matches.lines().count(),
        6,
        "all five events match: {matches}"
    );
    // A real negative number stays a number.
    let events = std::fs::read_to_string(set.join("events.csv")).unwrap();
    assert!(events.contains("-12.5,"), "{events}");
}

#[test]
fn the_geojson_is_an_rfc_7946_feature_collection_with_typed_counts() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    export(&set, &sample("reports.csv"), &[]);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(set.join("locations.geojson")).unwrap()).unwrap();
    assert_eq!(doc["type"], "FeatureCollection");
    let features = doc["features"].as_array().unwrap();
    assert!(features.len() > 10);
    let mut with_reports = 0;
    for f in features {
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        assert_eq!(c.len(), 2);
        let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        // Longitude first: the sample's sites lie in Southeast Asia.
        assert!(
            (90.0..=110.0).contains(&lon) && (0.0..=30.0).contains(&lat),
            "{lon},{lat}"
        );
        let p = &f["properties"];
        for count in [
            "reports_ip_time",
            "reports_ip_only",
            "events_ip_time",
            "events_ip_only",
        ] {
            assert!(p[count].is_u64(), "{count} is {:?}", p[count]);
        }
        assert!(p["name"].is_string() && p["location_id"].is_string());
        assert!(p["first_match"].is_string() || p["first_match"].is_null());
        with_reports += usize::from(p["reports_ip_time"].as_u64().unwrap() > 0);
    }
    assert!(with_reports > 0);
}

#[test]
fn the_summary_page_holds_the_headline_figures_and_the_filter() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    export(
        &set,
        &sample("reports.csv"),
        &["--strength", "ip_time", "--case-ref", "Case 7/2026"],
    );
    let html = std::fs::read_to_string(set.join("summary.html")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(set.join("manifest.json")).unwrap()).unwrap();
    let counts = &manifest["counts"];
    for figure in ["reports_ip_time", "reports_any_match", "locations_ip_time"] {
        let value = counts[figure].as_u64().unwrap();
        assert!(
            html.contains(&format!("<b>{value}</b>")),
            "{figure} = {value}"
        );
    }
    assert!(
        html.contains("IP+time matches only."),
        "the filter in words"
    );
    assert!(html.contains("Case 7/2026"));
    assert!(html.contains("data:image/png;base64,"));
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "links, timeline and activity"
    );
    assert!(html.contains("<h2>Links</h2>"), "the link chart");
    assert_eq!(manifest["filter"]["description"], "IP+time matches only.");
    assert_eq!(manifest["case_reference"], "Case 7/2026");
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 2);
}

/// The report ids and addresses of the sample reports file.
fn sample_identifiers() -> (
    std::collections::BTreeSet<String>,
    std::collections::BTreeSet<String>,
) {
    let mut reader = csv::Reader::from_path(sample("reports.csv")).unwrap();
    let mut ids = std::collections::BTreeSet::new();
    let mut addresses = std::collections::BTreeSet::new();
    for record in reader.records() {
        let record = record.unwrap();
        ids.insert(record[0].to_string());
        if let Ok(ip) = record[1].parse::<std::net::IpAddr>() {
            addresses.insert(ip.to_string());
        }
    }
    assert!(ids.len() > 100 && addresses.len() > 100);
    (ids, addresses)
}

fn assert_no_identifiers_in(set: &Path) {
    let (ids, addresses) = sample_identifiers();
    for (name, bytes) in files_of(set) {
        if name == "map.png" {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        // Cell by cell, so that "198.18.2.1" does not match inside "198.18.2.10"; ids
        // may hold dashes, while addresses also end at a CIDR's slash or a range's dash.
        let cells: std::collections::BTreeSet<&str> =
            text.split([',', '\n', '"', '<', '>', ' ', ';']).collect();
        let address_cells: std::collections::BTreeSet<&str> = cells
            .iter()
            .flat_map(|cell| cell.split(['/', '-']))
            .collect();
        for id in &ids {
            assert!(!cells.contains(id.as_str()), "{name} holds report id {id}");
        }
        for address in &addresses {
            assert!(
                !address_cells.contains(address.as_str()),
                "{name} holds address {address}"
            );
        }
    }
}

#[test]
fn a_masked_set_holds_no_report_id_or_address_of_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    export(&set, &sample("reports.csv"), &["--mask"]);
    assert_no_identifiers_in(&set);
}

#[test]
fn a_set_exported_from_a_case_carries_its_audit_log_masked_when_the_set_is() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("c.case");
    let created = run(&[
        "case",
        "create",
        "--reports",
        &sample("reports.csv"),
        "--locations",
        &sample("locations.csv"),
        "--analyst",
        "A. Analyst",
        "--out",
        case.to_str().unwrap(),
    ]);
    assert!(created.status.success());
    let (ids, addresses) = sample_identifiers();
    let id = ids.iter().next().unwrap().clone();
    let address = addresses.iter().next().unwrap().clone();
    let detail = format!("tag \"escalate\" added to 1 report: {id} (seen at {address}).");
    compound_atlas_core::case::append_audit(
        &case,
        &[compound_atlas_core::case::AuditEntry::now(
            "A. Analyst",
            "tag",
            &detail,
        )],
    )
    .unwrap();

    let plain = dir.path().join("plain");
    let case_arg = ["--case", case.to_str().unwrap()];
    let out = run(&[&["export", "--out", plain.to_str().unwrap()], &case_arg[..]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(plain.join("audit_log.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(log.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2, "{log}");
    assert_eq!(&rows[0][1], "A. Analyst");
    assert_eq!(&rows[0][2], "import");
    assert_eq!(&rows[1][3], detail);
    let manifest = std::fs::read_to_string(plain.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"audit_log.csv\""));
    let html = std::fs::read_to_string(plain.join("summary.html")).unwrap();
    assert!(html.contains("<h2>Audit log</h2>") && html.contains(&id));
    // The export itself went into the case's log.
    let info = run(&["case", "info", case.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&info.stdout).contains("export"));

    let masked = dir.path().join("masked");
    let out = run(&[
        &["export", "--mask", "--out", masked.to_str().unwrap()],
        &case_arg[..],
    ]
    .concat());
    assert!(out.status.success());
    let log = std::fs::read_to_string(masked.join("audit_log.csv")).unwrap();
    assert!(
        log.contains("tag \"\"escalate\"\" added to 1 report: …"),
        "{log}"
    );
    let masked_address = compound_atlas_core::analysis::mask::address(
        compound_atlas_core::values::address::parse_address(&address).unwrap(),
    );
    assert!(
        log.contains(&format!("(seen at {masked_address}).")),
        "{log}"
    );
    assert_no_identifiers_in(&masked);
}

#[test]
fn a_cancelled_export_writes_nothing() {
    use compound_atlas_core::ingest::Input;
    use compound_atlas_core::pipeline::{Inputs, analyse, load};
    use compound_atlas_core::values::progress::Progress;
    let inputs = Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(sample("reports.csv").into()).into()],
        locations: vec![Input::File(sample("locations.csv").into()).into()],
    };
    let progress = Progress::default();
    let dataset = load(&inputs, Default::default(), &progress).unwrap();
    let analysis = analyse(dataset, Default::default(), &progress).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("set");
    progress
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let result = compound_atlas_core::export::export(
        &analysis.dataset,
        &analysis.matches,
        &Default::default(),
        &out,
        0,
        &progress,
    );
    assert!(matches!(
        result,
        Err(compound_atlas_core::export::ExportError::Cancelled(_))
    ));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing is left behind"
    );
}
