//! The `links` command end to end on the sample data: links.csv, clusters.csv and
//! links.graphml agree with each other, the filter narrows them, and no input is
//! replaced.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

fn links(out: &Path, extra: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reports = root.join("sample_data/reports.csv");
    let locations = root.join("sample_data/locations.csv");
    Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .arg("links")
        .args(["--reports", reports.to_str().unwrap()])
        .args(["--locations", locations.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

fn records(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn the_three_files_describe_one_graph() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("links");
    let result = links(&out, &[]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        stdout.contains("Link graph of 300 matched reports"),
        "{stdout}"
    );

    let edges = records(&out.join("links.csv"));
    assert!(!edges.is_empty());
    let kinds: BTreeSet<(&str, &str, &str)> = edges
        .iter()
        .map(|e| {
            (
                e["from_kind"].as_str(),
                e["relation"].as_str(),
                e["to_kind"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            ("address", "matched_at", "location"),
            ("report", "used", "address")
        ]),
        "the sample has no accounts and nothing crowded"
    );
    for e in edges.iter().filter(|e| e["relation"] == "matched_at") {
        assert!(["ip_time", "ip_only"].contains(&e["strength"].as_str()));
        assert!(e["to"].starts_with("syn-"));
    }
    assert!(
        edges
            .iter()
            .all(|e| e["events"].parse::<u32>().unwrap() >= 1)
    );

    // Every cluster's reports are joined through report–address edges.
    let clusters = records(&out.join("clusters.csv"));
    assert!(!clusters.is_empty());
    let mut addresses_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in edges.iter().filter(|e| e["relation"] == "used") {
        addresses_of.entry(&e["from"]).or_default().insert(&e["to"]);
    }
    for (i, c) in clusters.iter().enumerate() {
        assert_eq!(c["cluster"], (i + 1).to_string());
        let members: Vec<&str> = c["report_ids"].split(' ').collect();
        assert_eq!(members.len().to_string(), c["reports"]);
        let sum: u32 = ["ip_time_reports", "ip_only_reports", "lead_reports"]
            .iter()
            .map(|k| c[*k].parse::<u32>().unwrap())
            .sum();
        assert_eq!(sum.to_string(), c["reports"]);
        let shared = members
            .iter()
            .flat_map(|m| addresses_of.get(m).into_iter().flatten())
            .fold(BTreeMap::<&str, u32>::new(), |mut n, a| {
                *n.entry(a).or_default() += 1;
                n
            });
        assert!(
            shared.values().any(|&n| n >= 2),
            "cluster {} shares nothing",
            c["cluster"]
        );
    }

    let graphml = std::fs::read_to_string(out.join("links.graphml")).unwrap();
    assert!(graphml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml"));
    assert_eq!(graphml.matches("<edge ").count(), edges.len());
    let nodes: BTreeSet<&str> = edges
        .iter()
        .flat_map(|e| [e["from"].as_str(), e["to"].as_str()])
        .collect();
    assert_eq!(graphml.matches("<node ").count(), nodes.len());
}

#[test]
fn the_filter_narrows_the_graph_and_an_input_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kk");
    let result = links(&out, &["--location", "syn-kk-park-1"]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let edges = records(&out.join("links.csv"));
    let locations: BTreeSet<&str> = edges
        .iter()
        .filter(|e| e["relation"] == "matched_at")
        .map(|e| e["to"].as_str())
        .collect();
    assert_eq!(locations, BTreeSet::from(["syn-kk-park-1"]));

    // An output folder holding an input: the run stops before writing anything.
    let trap = dir.path().join("trap");
    std::fs::create_dir_all(&trap).unwrap();
    let input = trap.join("links.csv");
    std::fs::write(
        &input,
        "report_id,ip,event_time\nR1,192.0.2.1,2023-01-01T00:00:00Z\n",
    )
    .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let result = Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .arg("links")
        .args(["--reports", input.to_str().unwrap()])
        .args([
            "--locations",
            root.join("sample_data/locations.csv").to_str().unwrap(),
        ])
        .args(["--out", trap.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!result.status.success());
    assert!(String::from_utf8_lossy(&result.stderr).contains("links.csv"));
    assert!(
        std::fs::read_to_string(&input)
            .unwrap()
            .starts_with("report_id,ip,event_time\nR1,")
    );
    assert!(!trap.join("clusters.csv").exists());
}
