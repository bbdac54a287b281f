//! The command line end to end: generate, match, ground truth, determinism, exit codes,
//! and inputs that must end in a clear error or in listed rejected rows, never a panic.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
}

fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .map(String::from)
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn generate(dir: &Path, reports: &str, seed: &str) -> PathBuf {
    let out = dir.join(format!("gen-{reports}-{seed}"));
    let result = run(&[
        "generate",
        "--reports",
        reports,
        "--seed",
        seed,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", text(&result.stderr));
    out
}

/// `match` with one reports file and one location list.
fn match_files(reports: &Path, locations: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "match",
        "--reports",
        reports.to_str().unwrap(),
        "--locations",
        locations.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn match_into(data: &Path, out: &Path, extra: &[&str]) -> Output {
    match_files(
        &data.join("reports.csv"),
        &data.join("locations.csv"),
        out,
        extra,
    )
}

#[test]
fn every_planted_link_is_found_with_its_strength() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "4000", "11");
    let out = dir.path().join("results");
    let result = match_into(&data, &out, &["--tolerance", "2h"]);
    assert!(result.status.success(), "{}", text(&result.stderr));

    // The best strength of each (report, ip, time, location) among the matches.
    let mut best: HashMap<(String, String, String, String), String> = HashMap::new();
    for row in read_csv(&out.join("matches.csv")) {
        let key = (
            row["report_id"].clone(),
            row["ip"].clone(),
            row["event_time"].clone(),
            row["location_id"].clone(),
        );
        let strength = row["strength"].clone();
        let entry = best.entry(key).or_insert(strength.clone());
        if strength == "ip_time" {
            *entry = strength;
        }
    }
    let truth = read_csv(&data.join("ground_truth.csv"));
    assert!(truth.len() > 100, "the generator plants links");
    for link in &truth {
        let key = (
            link["report_id"].clone(),
            link["ip"].clone(),
            link["event_time"].clone(),
            link["location_id"].clone(),
        );
        assert_eq!(
            best.get(&key),
            Some(&link["expected_strength"]),
            "planted link {key:?}"
        );
    }
    // Background traffic is in address space no observation covers: nothing else matches.
    let planted: HashSet<_> = truth.iter().map(|l| l["report_id"].clone()).collect();
    let matched: HashSet<_> = best.keys().map(|k| k.0.clone()).collect();
    assert_eq!(planted, matched);

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let ip_time_reports: HashSet<_> = truth
        .iter()
        .filter(|l| l["expected_strength"] == "ip_time")
        .map(|l| l["report_id"].clone())
        .collect();
    assert_eq!(
        summary["headline"]["reports_ip_time"],
        ip_time_reports.len() as u64
    );
    assert_eq!(
        summary["headline"]["reports_any_match"],
        planted.len() as u64
    );
    assert_eq!(summary["headline"]["locations_ip_time"], 40);
    assert_eq!(summary["parameters"]["tolerance_seconds"], 7200);
    let stdout = text(&result.stdout);
    assert!(stdout.contains("Reports linked by IP and time"), "{stdout}");
    assert!(
        stdout.contains(&format!("{}", ip_time_reports.len())),
        "{stdout}"
    );
}

#[test]
fn the_same_inputs_give_byte_identical_files_but_the_creation_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "1500", "3");
    let again = generate(&dir.path().join("again"), "1500", "3");
    for file in ["reports.csv", "locations.csv", "ground_truth.csv"] {
        assert_eq!(
            std::fs::read(data.join(file)).unwrap(),
            std::fs::read(again.join(file)).unwrap(),
            "{file}"
        );
    }
    let (first, second) = (dir.path().join("r1"), dir.path().join("r2"));
    assert!(match_into(&data, &first, &[]).status.success());
    assert!(match_into(&data, &second, &[]).status.success());
    for file in ["matches.csv", "locations_summary.csv", "import_errors.csv"] {
        assert_eq!(
            std::fs::read(first.join(file)).unwrap(),
            std::fs::read(second.join(file)).unwrap(),
            "{file}"
        );
    }
    let without_time = |p: &Path| {
        text(&std::fs::read(p.join("summary.json")).unwrap())
            .lines()
            .filter(|l| !l.contains("created_at"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_time(&first), without_time(&second));
    // No temporary files are left behind by the atomic writes.
    let leftovers: Vec<_> = std::fs::read_dir(&first)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn input_files_are_hashed_and_never_modified() {
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "300", "5");
    let before = std::fs::read(data.join("reports.csv")).unwrap();
    let out = dir.path().join("out");
    assert!(match_into(&data, &out, &[]).status.success());
    assert_eq!(std::fs::read(data.join("reports.csv")).unwrap(), before);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let expected = compound_atlas_core::values::text::hex(&sha2::Sha256::digest(&before));
    let reports_input = summary["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "reports")
        .unwrap();
    assert_eq!(reports_input["sha256"], expected.as_str());
    assert_eq!(reports_input["size"], before.len() as u64);
}

#[test]
fn a_reader_that_goes_away_stops_the_output_quietly() {
    // `compound-atlas match … | head -1`: the reader has gone before the summary is
    // printed. The command ends with success and its files, not with a panic.
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "200", "3");
    let out = dir.path().join("out");
    let mut child = binary()
        .args(["match", "--reports"])
        .arg(data.join("reports.csv"))
        .arg("--locations")
        .arg(data.join("locations.csv"))
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let finished = child.wait_with_output().unwrap();
    let stderr = text(&finished.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(finished.status.success(), "{:?} {stderr}", finished.status);
    assert!(out.join("matches.csv").exists());
}

#[test]
fn usage_errors_exit_2_and_fatal_errors_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "50", "1");
    let out = dir.path().join("out");
    let bad_zone = match_into(&data, &out, &["--assume-tz", "Mars/Olympus"]);
    assert_eq!(bad_zone.status.code(), Some(2));
    assert!(text(&bad_zone.stderr).contains("unknown time zone 'Mars/Olympus'"));
    let bad_tolerance = match_into(&data, &out, &["--tolerance", "2 weeks"]);
    assert_eq!(bad_tolerance.status.code(), Some(2));
    let missing = run(&["match", "--locations", "x.csv", "--out", "o"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("--reports"));

    let absent = dir.path().join("absent.csv");
    let unreadable = match_files(&absent, &data.join("locations.csv"), &out, &[]);
    assert_eq!(unreadable.status.code(), Some(1));
    let stderr = text(&unreadable.stderr);
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    assert!(
        stderr.contains("absent.csv") && stderr.contains("cannot read"),
        "{stderr}"
    );

    assert_eq!(run(&["--help"]).status.code(), Some(0));
}

/// Run `match` with one reports file of the given bytes; return the exit code, stderr and
/// the import errors written.
fn match_bytes(name: &str, bytes: &[u8]) -> (Option<i32>, String, Vec<HashMap<String, String>>) {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join(name);
    std::fs::write(&reports, bytes).unwrap();
    let locations = dir.path().join("locations.csv");
    std::fs::write(&locations, "name,ip\nTest site,203.0.113.0/24\n").unwrap();
    let out = dir.path().join("out");
    let result = match_files(&reports, &locations, &out, &[]);
    let errors = if out.join("import_errors.csv").exists() {
        read_csv(&out.join("import_errors.csv"))
    } else {
        Vec::new()
    };
    (result.status.code(), text(&result.stderr), errors)
}

#[test]
fn bad_files_end_in_a_clear_error_never_a_panic() {
    let header = "report_id,ip,event_time\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "the file is empty"),
        (
            "binary.bin",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
            // Said as what it is, not as a file without the columns.
            "is a NUL, which text files do not hold",
        ),
        (
            "unknown.csv",
            b"colour,shape\nred,round\n".to_vec(),
            "missing required columns: report_id",
        ),
        (
            "partial.csv",
            b"report_id,ip\nR1,203.0.113.1\n".to_vec(),
            "missing required column: event_time",
        ),
        (
            "longline.csv",
            vec![b'x'; 10 << 20],
            "missing required column",
        ),
    ];
    for (name, bytes, message) in cases {
        let (code, stderr, _) = match_bytes(name, &bytes);
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert!(
            stderr.contains(message) && stderr.contains(name),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
    }

    let (code, stderr, errors) = match_bytes("header_only.csv", header.as_bytes());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(errors.is_empty());

    let mut invalid_utf8 = header.as_bytes().to_vec();
    invalid_utf8.extend_from_slice(
        b"R\xff1,203.0.113.1,2023-01-01T00:00:00Z\nR2,203.0.113.2,2023-01-01T00:00:00Z\n",
    );
    let (code, _, errors) = match_bytes("utf8.csv", &invalid_utf8);
    assert_eq!(code, Some(0));
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0]["line"].as_str(), errors[0]["column"].as_str()),
        ("2", "report_id")
    );
    assert!(errors[0]["message"].contains("UTF-8"));

    let unterminated = format!(
        "{header}R1,203.0.113.1,2023-01-01T00:00:00Z\nR2,\"203.0.113.2,2023-01-01T00:00:00Z\nR3,203.0.113.3,2023-01-01T00:00:00Z\n"
    );
    let (code, _, errors) = match_bytes("quote.csv", unterminated.as_bytes());
    assert_eq!(code, Some(0));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["line"], "3");
    assert!(
        errors[0]["message"].contains("never closed"),
        "{:?}",
        errors[0]
    );

    let ragged = format!(
        "{header}R1,203.0.113.1\nR2,203.0.113.2,2023-01-01T00:00:00Z,extra\nR3,203.0.113.3,2023-01-01T00:00:00Z\n"
    );
    let (code, _, errors) = match_bytes("ragged.csv", ragged.as_bytes());
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = errors.iter().map(|e| e["line"].as_str()).collect();
    assert_eq!(lines, ["2", "3"]);
    assert!(errors[0]["message"].contains("2 fields but the header has 3"));
}

/// `--party` narrows an export to the events of one party, and a name that is not a
/// party is refused with the names there are.
#[test]
fn an_export_narrowed_to_one_party_matches_only_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("xml");
    let generated = run(&[
        "generate",
        "--reports",
        "400",
        "--seed",
        "9",
        "--format",
        "esp-xml",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let (reports, locations) = (data.join("reports.xml"), data.join("locations.csv"));
    let export = |party: &str, out: &Path| {
        run(&[
            "export",
            "--reports",
            reports.to_str().unwrap(),
            "--locations",
            locations.to_str().unwrap(),
            "--party",
            party,
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let set = dir.path().join("set");
    let exported = export("associated_account", &set);
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let events = read_csv(&set.join("events.csv"));
    let matched: Vec<&HashMap<String, String>> =
        events.iter().filter(|e| e["matched"] == "true").collect();
    assert!(
        !matched.is_empty(),
        "associated accounts have matches in the generated set"
    );
    assert!(matched.iter().all(|e| e["party"] == "associated_account"));
    assert!(
        events.iter().any(|e| e["party"] == "reported_person"),
        "their reports' other events are listed"
    );

    let refused = export("suspect", &dir.path().join("bad"));
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("\"suspect\" is not a party: use reported_person"));
}
