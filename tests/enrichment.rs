//! Offline IP enrichment end to end through the command line: the sample's own IP
//! database, its columns at the end of the outputs, leads.csv, the record of the
//! databases used, a case that keeps them, and databases that cannot be used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
        .display()
        .to_string()
}

fn rows(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, rows)
}

fn match_sample(out: &Path, extra: &[&str]) -> Output {
    let out = out.to_str().unwrap();
    let mut args = vec![
        "match",
        "--reports",
        &*Box::leak(sample("reports.csv").into_boxed_str()),
        "--locations",
        &*Box::leak(sample("locations.csv").into_boxed_str()),
        "--tolerance",
        "2h",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn the_sample_database_enriches_matches_and_finds_leads() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let db = sample("networks.mmdb");
    let result = match_sample(&out, &["--ip-db", &db, "--leads"]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        stdout.contains("Leads, weaker than matches (leads.csv)"),
        "{stdout}"
    );

    // The contract's sixteen columns first, the additions at the end.
    let (headers, matches) = rows(&out.join("matches.csv"));
    assert_eq!(headers[..3], ["report_id", "event_index", "ip"]);
    assert_eq!(headers[15], "shared");
    assert_eq!(
        headers[16..],
        ["asn", "as_org", "ip_country", "network_note"]
    );
    for m in &matches {
        let asn: u32 = m["asn"]
            .parse()
            .expect("every sample address has a network");
        assert!(
            (64496..=64511).contains(&asn),
            "documentation AS numbers only: {asn}"
        );
        assert!(m["as_org"].ends_with("(sample data)"), "{}", m["as_org"]);
        // The shared pool is the synthetic satellite network, whose caveat every match carries.
        let in_pool = m["ip"].starts_with("203.0.113.");
        assert_eq!(in_pool, asn == 64511, "{}", m["ip"]);
        assert_eq!(
            in_pool,
            m["network_note"].contains("satellite"),
            "{}",
            m["network_note"]
        );
        if !in_pool {
            assert_eq!(
                m["ip_country"], m["country"],
                "a site's block is registered where it is"
            );
        }
    }

    let (headers, leads) = rows(&out.join("leads.csv"));
    assert_eq!(
        headers,
        [
            "report_id",
            "event_index",
            "ip",
            "event_time",
            "kind",
            "location_id",
            "asn",
            "as_org",
            "ip_country",
            "reason",
            "score",
            "events",
            "days",
            "addresses",
            "tied_ip_time_reports",
            "proximity",
            "evidence",
            "activity_fit",
            "exclusivity",
            "ties"
        ]
    );
    let kinds: std::collections::BTreeSet<&str> =
        leads.iter().map(|l| l["kind"].as_str()).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["ip_only", "region", "same_network", "shared_address"]
    );
    let scores: Vec<f64> = leads.iter().map(|l| l["score"].parse().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "highest score first"
    );
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    let mut seen = std::collections::BTreeSet::new();
    for lead in &leads {
        let key = (&lead["report_id"], &lead["kind"], &lead["location_id"]);
        assert!(seen.insert(key), "one row per report and lead: {key:?}");
        match lead["kind"].as_str() {
            "region" => {
                // Background traffic only: no network-level lead is a listed address.
                assert!(lead["ip"].starts_with("198.19."), "{}", lead["ip"]);
                assert!(["MM", "KH", "LA"].contains(&lead["ip_country"].as_str()));
                assert!(lead["location_id"].is_empty());
            }
            "same_network" => {
                assert!(lead["ip"].starts_with("198.19."), "{}", lead["ip"]);
                assert!(
                    lead["reason"].starts_with(&format!("AS {} ", lead["asn"])),
                    "{}",
                    lead["reason"]
                );
                assert!(lead["location_id"].starts_with("syn-"));
            }
            "ip_only" => {
                assert!(lead["reason"].starts_with("IP only at Synthetic site"));
                let reason = &lead["reason"];
                assert!(
                    reason.contains("outside the window") || reason.ends_with("has no window"),
                    "{reason}"
                );
            }
            _ => {
                assert!(
                    lead["reason"].starts_with(&format!("shares {} with SYN-", lead["ip"]))
                        || lead["reason"].starts_with("shares 2001:db8:"),
                    "{}",
                    lead["reason"]
                );
                assert!(lead["reason"].contains(" apart"), "{}", lead["reason"]);
            }
        }
    }

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let databases = &summary["ip_data"]["databases"];
    assert_eq!(
        databases[0]["database_type"],
        "CompoundAtlas-Synthetic-ASN-Country"
    );
    assert_eq!(databases[0]["sha256"].as_str().unwrap().len(), 64);
    assert!(
        summary["ip_data"]["attribution"]
            .as_str()
            .unwrap()
            .contains("CC BY 4.0")
    );
    // The headline is the study's three figures: leads never change it.
    let plain = dir.path().join("plain");
    assert!(match_sample(&plain, &[]).status.success());
    let without: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plain.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["headline"], without["headline"]);
    assert!(!plain.join("leads.csv").exists());
}

#[test]
fn a_region_of_other_countries_finds_other_leads() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample("networks.mmdb");
    let out = dir.path().join("th");
    let result = match_sample(&out, &["--ip-db", &db, "--leads", "--region", "th"]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let (_, leads) = rows(&out.join("leads.csv"));
    let region: Vec<_> = leads.iter().filter(|l| l["kind"] == "region").collect();
    assert!(!region.is_empty());
    assert!(region.iter().all(|l| l["ip_country"] == "TH"));
    let bad = match_sample(
        &dir.path().join("bad"),
        &["--ip-db", &db, "--leads", "--region", "Myanmar"],
    );
    assert_eq!(bad.status.code(), Some(2), "a usage error");
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("'Myanmar' is not a two-letter country code")
    );
}

#[test]
fn a_database_that_cannot_be_used_stops_with_its_name_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.mmdb");
    std::fs::write(&garbage, b"\x00\x01 not an mmdb").unwrap();
    let out = dir.path().join("out");
    let result = match_sample(&out, &["--ip-db", garbage.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("garbage.mmdb: not a MaxMind DB file"),
        "{stderr}"
    );
    assert!(!out.exists());
    let missing = match_sample(&out, &["--ip-db", "/nonexistent/x.mmdb"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("x.mmdb: cannot read"));
}

#[test]
fn a_case_keeps_its_databases_and_a_masked_export_keeps_the_networks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("networks.mmdb");
    std::fs::copy(sample("networks.mmdb"), &db).unwrap();
    let case = dir.path().join("work.case");
    let created = run(&[
        "case",
        "create",
        "--reports",
        &sample("reports.csv"),
        "--locations",
        &sample("locations.csv"),
        "--ip-db",
        db.to_str().unwrap(),
        "--out",
        case.to_str().unwrap(),
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    // The case holds the database itself: it enriches the same without the file.
    std::fs::remove_file(&db).unwrap();
    let from_case = dir.path().join("from-case");
    let matched = run(&[
        "match",
        "--case",
        case.to_str().unwrap(),
        "--out",
        from_case.to_str().unwrap(),
    ]);
    assert!(
        matched.status.success(),
        "{}",
        String::from_utf8_lossy(&matched.stderr)
    );
    let (_, matches) = rows(&from_case.join("matches.csv"));
    assert!(matches.iter().all(|m| !m["asn"].is_empty()));

    let set: PathBuf = dir.path().join("set");
    let exported = run(&[
        "export",
        "--case",
        case.to_str().unwrap(),
        "--mask",
        "--out",
        set.to_str().unwrap(),
    ]);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let (headers, events) = rows(&set.join("events.csv"));
    assert_eq!(
        headers[headers.len() - 4..],
        ["asn", "as_org", "ip_country", "party"]
    );
    // Networks are not personal data: a masked set masks addresses, not networks.
    assert!(
        events
            .iter()
            .all(|e| e["as_org"].ends_with("(sample data)"))
    );
    assert!(
        events.iter().all(|e| !e["ip"].starts_with("198.18.")
            || e["ip"].contains('x')
            || e["ip"].contains('/')),
        "addresses masked"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(set.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["ip_data"]["databases"][0]["path"], "networks.mmdb",
        "names only in a manifest"
    );
    let html = std::fs::read_to_string(set.join("summary.html")).unwrap();
    assert!(html.contains("RouteViews") && html.contains("DB-IP"));
}
