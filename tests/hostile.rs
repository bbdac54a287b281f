//! Hostile input, end to end through the command line: what an attacker (or a careless
//! stranger) can put in a report file, a location list, an evidence set or a case file,
//! and what the program must do with it. One test per defect of issue 17, each of which
//! failed before its fix.
//!
//! Over 600 lines on purpose: the tests follow the list in its order, so that
//! each defect can be found beside its test, and they share the helpers at the top.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Run through `sh` with `ulimit -f BLOCKS` (512-byte blocks), SIGXFSZ ignored: writes
/// past the limit fail as on a full disk.
fn run_with_file_limit(blocks: u32, args: &[&str]) -> Output {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks}; exec '{}' {}",
            env!("CARGO_BIN_EXE_compound-atlas"),
            quoted.join(" ")
        ))
        .output()
        .expect("sh runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sample(name: &str) -> String {
    format!("{}/sample_data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A small evidence set of the sample data at `out` (a folder or `.zip`).
fn export_sample(out: &Path) {
    let result = run(&[
        "export",
        "--reports",
        &sample("reports.csv"),
        "--locations",
        &sample("locations.csv"),
        "--analyst",
        "A. Analyst",
        "--out",
        s(out),
    ]);
    assert!(result.status.success(), "{}", text(&result.stderr));
}

fn verify(set: &Path) -> (bool, String) {
    let result = run(&["verify", s(set)]);
    assert!(
        matches!(result.status.code(), Some(0 | 1)),
        "{}",
        text(&result.stderr)
    );
    (result.status.success(), text(&result.stdout))
}

/// The sample reports with one hostile report and event added.
fn hostile_reports(dir: &Path, name: &str) -> PathBuf {
    let mut csv = std::fs::read_to_string(sample("reports.csv")).unwrap();
    csv.push_str("\"=HYPERLINK(\"\"http://203.0.113.1/x\"\",\"\"x\"\")\",198.18.0.134,,2023-05-01T10:00:00Z,Login,Online Enticement,Platform G,2023-06-21,false\n");
    let path = dir.join(name);
    std::fs::write(&path, csv).unwrap();
    path
}

/// The sample locations with one more, named as a formula, at an address of the sample.
fn hostile_locations(dir: &Path) -> PathBuf {
    let mut csv = std::fs::read_to_string(sample("locations.csv")).unwrap();
    csv.push_str("@evil,@SUM(1),MM,16.6,98.5,198.18.0.134/32,,,,false,x,low,\n");
    let path = dir.join("locations.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn match_outputs_are_spreadsheet_safe() {
    let dir = tempfile::tempdir().unwrap();
    let reports = hostile_reports(dir.path(), "=reports.csv");
    let locations = hostile_locations(dir.path());
    let out = dir.path().join("out");
    // A relative input path, so that the `file` column starts with the formula sign.
    let result = Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .current_dir(dir.path())
        .args(["match", "--reports", "=reports.csv", "--locations"])
        .arg(&locations)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert!(reports.exists());
    let matches = std::fs::read_to_string(out.join("matches.csv")).unwrap();
    assert!(
        matches.contains("\"'=HYPERLINK("),
        "the formula is not neutralised: {matches}"
    );
    assert!(matches.contains(",'@evil,'@SUM(1),"), "{matches}");
    let summary = std::fs::read_to_string(out.join("locations_summary.csv")).unwrap();
    assert!(summary.contains("'@evil,'@SUM(1),MM"), "{summary}");
    for line in summary.lines().chain(matches.lines()) {
        for cell in line.split(',') {
            assert!(!cell.starts_with(['=', '@', '+']), "{cell} in {line}");
        }
    }
    let errors = std::fs::read_to_string(out.join("import_errors.csv")).unwrap();
    assert!(
        errors.lines().skip(1).all(|l| !l.starts_with(['=', '@'])),
        "{errors}"
    );
}

#[test]
fn an_archive_entry_name_cannot_forge_a_verify_line() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("set.zip");
    export_sample(&zip);
    // Add an entry whose name would erase the FAILED line and print a fake OK.
    let mut archive = zip::ZipWriter::new_append(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&zip)
            .unwrap(),
    )
    .unwrap();
    let forged = "x\r\x1b[2KOK: all 11 files match\n";
    archive
        .start_file(forged, zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut archive, b"x").unwrap();
    archive.finish().unwrap();
    let (ok, out) = verify(&zip);
    assert!(!ok);
    assert!(!out.contains('\r') && !out.contains('\x1b'), "{out:?}");
    assert!(
        out.contains("x\\r\\x1b[2KOK: all 11 files match\\n"),
        "{out}"
    );
    assert_eq!(out.lines().filter(|l| l.starts_with("OK")).count(), 0);
}

#[test]
fn case_info_escapes_audit_fields() {
    let dir = tempfile::tempdir().unwrap();
    let forger = "Eve\n  2026-01-01T00:00:00Z  export   forged";
    let case = make_case_by(dir.path(), "demo.case", forger);
    let info = text(&run(&["case", "info", s(&case)]).stdout);
    let audit: Vec<&str> = info
        .lines()
        .skip_while(|l| *l != "Audit log:")
        .skip(1)
        .collect();
    assert_eq!(audit.len(), 1, "{info}");
    assert!(audit[0].contains("Eve\\n  2026"), "{info}");
}

/// Change `sql` in the case at `path`.
fn tamper(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

/// A case of the sample data at `dir/name`.
fn make_case(dir: &Path, name: &str) -> PathBuf {
    make_case_by(dir, name, "A. Analyst")
}

/// A case of the sample data at `dir/name`, made by `analyst`.
fn make_case_by(dir: &Path, name: &str, analyst: &str) -> PathBuf {
    let case = dir.join(name);
    let created = run(&[
        "case",
        "create",
        "--reports",
        &sample("reports.csv"),
        "--locations",
        &sample("locations.csv"),
        "--analyst",
        analyst,
        "--out",
        s(&case),
    ]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    case
}

#[test]
fn a_case_with_unreal_numbers_is_refused_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let edits = [
        (
            "UPDATE locations SET lat = 9e999 WHERE id = (SELECT min(id) FROM locations)",
            "locations.lat",
        ),
        (
            "UPDATE locations SET lon = -200 WHERE id = (SELECT min(id) FROM locations)",
            "locations.lon",
        ),
        (
            "UPDATE observations SET location = 4294967296 WHERE id = (SELECT min(id) FROM observations)",
            "observations.location holds 4294967296",
        ),
        (
            "UPDATE observations SET first_address = last_address, last_address = first_address WHERE id IN (SELECT id FROM observations WHERE first_address <> last_address LIMIT 1)",
            "reversed",
        ),
        (
            "UPDATE observations SET port_first = 70000, port_last = 70001 WHERE id = (SELECT min(id) FROM observations)",
            "observations.port_first holds 70000",
        ),
        (
            "UPDATE sources SET rows_rejected = -2",
            "sources.rows_rejected holds -2",
        ),
        ("UPDATE issues SET line = -1", "issues.line holds -1"),
        (
            "UPDATE meta SET value = '0' WHERE key = 'schema_version'",
            "schema version is 0",
        ),
        (
            "UPDATE meta SET value = '-1' WHERE key = 'schema_version'",
            "schema version is -1",
        ),
        (
            "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
            "layout 1 has",
        ),
    ];
    for (i, (sql, expected)) in edits.iter().enumerate() {
        let case = make_case(dir.path(), &format!("{i}.case"));
        if sql.contains("issues") {
            // The sample has no import problems; give it one to damage.
            tamper(
                &case,
                "INSERT INTO issues (file, line, column_name, value, severity, message) VALUES (0, 3, 'ip', 'x', 'error', 'bad')",
            );
        }
        tamper(&case, sql);
        let info = run(&["case", "info", s(&case)]);
        let error = text(&info.stderr);
        assert_eq!(info.status.code(), Some(1), "{sql}: {}", text(&info.stdout));
        assert!(error.contains(expected), "{sql}: {error}");
        // And an export from it writes nothing.
        let out = dir.path().join(format!("set{i}"));
        let export = run(&["export", "--case", s(&case), "--out", s(&out)]);
        assert_eq!(export.status.code(), Some(1), "{sql}");
        assert!(
            !out.exists(),
            "{sql}: a set was written from a damaged case"
        );
    }
}

#[test]
fn a_case_reads_without_writing_beside_it_and_export_refuses_a_case_it_cannot_record_in() {
    let dir = tempfile::tempdir().unwrap();
    let case = make_case(dir.path(), "demo.case");
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let info = run(&["case", "info", s(&case)]);
    assert!(info.status.success(), "{}", text(&info.stderr));
    let matched = run(&[
        "match",
        "--case",
        s(&case),
        "--out",
        s(&dir.path().join("m")),
    ]);
    assert!(matched.status.success(), "{}", text(&matched.stderr));
    let after: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "m")
        .collect();
    assert_eq!(before, after, "reading the case left files beside it");
    // The file header says rollback journal, not WAL (bytes 18 and 19 are 1), so that
    // read-only media can read it.
    let header = std::fs::read(&case).unwrap();
    assert_eq!(&header[18..20], &[1, 1]);

    // A case file that cannot be written: the export says so before writing the set.
    let mut permissions = std::fs::metadata(&case).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&case, permissions).unwrap();
    let readonly_for_us = std::fs::OpenOptions::new().write(true).open(&case).is_err();
    if readonly_for_us {
        let out = dir.path().join("set");
        let export = run(&["export", "--case", s(&case), "--out", s(&out)]);
        assert_eq!(export.status.code(), Some(1));
        assert!(
            text(&export.stderr).contains("cannot be written"),
            "{}",
            text(&export.stderr)
        );
        assert!(!out.exists());
        let info = run(&["case", "info", s(&case)]);
        assert!(info.status.success(), "{}", text(&info.stderr));
    }
}

#[test]
fn verify_streams_and_refuses_a_size_the_manifest_does_not_give() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    export_sample(&set);
    // A file the size of the manifest's but other bytes: read to the end, in bounded memory.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(set.join("manifest.json")).unwrap()).unwrap();
    let size = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "map.png")
        .unwrap()["size"]
        .as_u64()
        .unwrap();
    std::fs::write(set.join("map.png"), vec![7u8; size as usize]).unwrap();
    let (ok, out) = verify(&set);
    assert!(!ok);
    assert!(out.contains("CHANGED  map.png"), "{out}");
    // A much larger file: refused by its size, without reading it.
    let big = std::fs::File::create(set.join("events.csv")).unwrap();
    big.set_len(5 << 30).unwrap();
    let started = std::time::Instant::now();
    let (ok, out) = verify(&set);
    assert!(!ok);
    assert!(
        out.contains("CHANGED  events.csv")
            && out.contains(": 5368709120 bytes, the manifest says"),
        "{out}"
    );
    assert!(
        started.elapsed().as_secs() < 20,
        "a 5 GB sparse file was read"
    );
}

/// The zip at `path` with the entry name `from` replaced by `to` (same length) in local
/// headers (signature PK\3\4), the central directory (PK\1\2), or both.
fn rename_in_zip(path: &Path, from: &str, to: &str, local: bool, central: bool) {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(path).unwrap();
    let mut at = 0;
    while let Some(found) = bytes[at..]
        .windows(from.len())
        .position(|w| w == from.as_bytes())
    {
        let start = at + found;
        // The header this name belongs to starts 30 (local) or 46 (central) bytes before.
        let is_local = start >= 30 && bytes[start - 30..start - 26] == *b"PK\x03\x04";
        let is_central = start >= 46 && bytes[start - 46..start - 42] == *b"PK\x01\x02";
        if (is_local && local) || (is_central && central) {
            bytes[start..start + to.len()].copy_from_slice(to.as_bytes());
        }
        at = start + 1;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn duplicate_or_disagreeing_archive_entries_fail() {
    let dir = tempfile::tempdir().unwrap();
    // reports.csv renamed matches.csv (same length) in both headers: two entries of one
    // name, and an extractor may show either copy.
    let zip = dir.path().join("same.zip");
    export_sample(&zip);
    rename_in_zip(&zip, "reports.csv", "matches.csv", true, true);
    let (ok, out) = verify(&zip);
    assert!(!ok, "{out}");
    assert!(
        out.contains("ARCHIVE  two entries have the same name"),
        "{out}"
    );

    let zip = dir.path().join("cloaked.zip");
    export_sample(&zip);
    rename_in_zip(&zip, "reports.csv", "reportz.csv", true, false);
    let (ok, out) = verify(&zip);
    assert!(!ok, "{out}");
    assert!(out.contains("ARCHIVE  its headers disagree"), "{out}");
}

#[cfg(unix)]
#[test]
fn anything_in_a_folder_set_that_the_manifest_does_not_list_fails() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    export_sample(&set);
    assert!(verify(&set).0);
    std::os::unix::fs::symlink("/etc/hostname", set.join("link")).unwrap();
    std::fs::create_dir(set.join("more")).unwrap();
    std::fs::write(set.join("more/hidden.csv"), "x").unwrap();
    let fifo = std::ffi::CString::new(s(&set.join("pipe"))).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    // A listed file replaced by a symlink to a copy of itself: not followed.
    let copy = dir.path().join("matches-copy.csv");
    std::fs::copy(set.join("matches.csv"), &copy).unwrap();
    std::fs::remove_file(set.join("matches.csv")).unwrap();
    std::os::unix::fs::symlink(&copy, set.join("matches.csv")).unwrap();
    let (ok, out) = verify(&set);
    assert!(!ok, "{out}");
    assert!(out.contains("EXTRA    link: a symbolic link"), "{out}");
    assert!(out.contains("EXTRA    more: a folder"), "{out}");
    assert!(out.contains("EXTRA    pipe: not a regular file"), "{out}");
    assert!(
        out.contains("CHANGED  matches.csv: a symbolic link"),
        "{out}"
    );
}

#[test]
fn the_manifest_cannot_be_edited_unseen() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    export_sample(&set);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&set).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the set is readable by others");
    }
    let manifest = set.join("manifest.json");
    let original = std::fs::read_to_string(&manifest).unwrap();
    let sealed = std::fs::read_to_string(set.join("manifest.sha256")).unwrap();
    let digest = sealed.split_whitespace().next().unwrap().to_string();
    let printed = text(&run(&["verify", s(&set)]).stdout);
    assert!(
        printed.contains(&format!("Manifest SHA-256: {digest}")),
        "{printed}"
    );

    std::fs::write(&manifest, original.replace("A. Analyst", "B. Analyst")).unwrap();
    let (ok, out) = verify(&set);
    assert!(!ok);
    assert!(out.contains("CHANGED  manifest.json"), "{out}");
    // Resealed by the editor: consistent again, but not the sender's manifest.
    let edited = std::fs::read(&manifest).unwrap();
    let resealed = {
        use sha2::Digest;
        sha2::Sha256::digest(&edited)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    std::fs::write(
        set.join("manifest.sha256"),
        format!("{resealed}  manifest.json\n"),
    )
    .unwrap();
    assert!(verify(&set).0);
    let expect = run(&["verify", s(&set), "--expect", &digest]);
    assert_eq!(expect.status.code(), Some(1));
    assert!(
        text(&expect.stdout).contains("the sender's is"),
        "{}",
        text(&expect.stdout)
    );
    // Without a seal the manifest cannot be checked: that is a failure, not an OK.
    std::fs::remove_file(set.join("manifest.sha256")).unwrap();
    let (ok, out) = verify(&set);
    assert!(!ok);
    assert!(out.contains("UNSEALED manifest.json"), "{out}");
}

#[test]
fn match_never_writes_over_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("matches.csv");
    std::fs::copy(sample("reports.csv"), &reports).unwrap();
    let locations = dir.path().join("locations_summary.csv");
    std::fs::copy(sample("locations.csv"), &locations).unwrap();
    let before = std::fs::read(&reports).unwrap();
    let result = run(&[
        "match",
        "--reports",
        s(&reports),
        "--locations",
        s(&locations),
        "--out",
        s(dir.path()),
    ]);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        text(&result.stderr).contains("would replace the input"),
        "{}",
        text(&result.stderr)
    );
    assert_eq!(std::fs::read(&reports).unwrap(), before);
    assert!(
        !dir.path().join("summary.json").exists(),
        "part of the set was written"
    );
    // Nor does `map`, asked to draw over its locations file.
    let result = run(&[
        "map",
        "--reports",
        s(&reports),
        "--locations",
        s(&locations),
        "--out",
        s(&locations),
    ]);
    assert_eq!(result.status.code(), Some(1));
    assert!(text(&result.stderr).contains("would replace the input"));
    assert_eq!(
        std::fs::read(&locations).unwrap(),
        std::fs::read(sample("locations.csv")).unwrap()
    );
}

#[cfg(unix)]
#[test]
fn a_full_disk_leaves_the_old_results_whole_and_no_stub_or_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = [
        "match",
        "--reports",
        &sample("reports.csv"),
        "--locations",
        &sample("locations.csv"),
        "--out",
        s(&out),
    ];
    assert!(run(&args).status.success());
    let old: Vec<Vec<u8>> = [
        "matches.csv",
        "locations_summary.csv",
        "import_errors.csv",
        "summary.json",
    ]
    .iter()
    .map(|n| std::fs::read(out.join(n)).unwrap())
    .collect();
    let mut other = args.to_vec();
    other.extend(["--tolerance", "30d"]);
    let failed = run_with_file_limit(2, &other);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    let now: Vec<Vec<u8>> = [
        "matches.csv",
        "locations_summary.csv",
        "import_errors.csv",
        "summary.json",
    ]
    .iter()
    .map(|n| std::fs::read(out.join(n)).unwrap())
    .collect();
    assert!(old == now, "the set changed in part");
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        4,
        "temporary files were left"
    );

    let case = dir.path().join("new.case");
    let failed = run_with_file_limit(
        8,
        &[
            "case",
            "create",
            "--reports",
            &sample("reports.csv"),
            "--locations",
            &sample("locations.csv"),
            "--out",
            s(&case),
        ],
    );
    assert_eq!(failed.status.code(), Some(1));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("new.case") && !n.ends_with(".lock"))
        .collect();
    assert!(left.is_empty(), "a failed case create left {left:?}");

    let zip = dir.path().join("set.zip");
    let failed = run_with_file_limit(
        8,
        &[
            "export",
            "--reports",
            &sample("reports.csv"),
            "--locations",
            &sample("locations.csv"),
            "--out",
            s(&zip),
        ],
    );
    assert_eq!(failed.status.code(), Some(1));
    let error = text(&failed.stderr);
    assert!(!error.contains("ZipWriter"), "{error}");
    assert_eq!(
        error.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{error}"
    );
    assert!(!zip.exists());
}

#[test]
fn a_wide_observation_is_warned_about_and_the_same_file_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = std::fs::read_to_string(sample("locations.csv")).unwrap();
    csv.push_str("wide,Everything,MM,16.6,98.5,0.0.0.0/0,,,,false,x,low,\n");
    let locations = dir.path().join("wide.csv");
    std::fs::write(&locations, csv).unwrap();
    let copy = dir.path().join("copy.csv");
    std::fs::copy(&locations, &copy).unwrap();
    let once = dir.path().join("once");
    let twice = dir.path().join("twice");
    let reports = sample("reports.csv");
    for (out, extra) in [(&once, vec![]), (&twice, vec!["--locations", s(&copy)])] {
        let mut args = vec!["match", "--reports", &reports, "--locations", s(&locations)];
        args.extend(extra);
        args.extend(["--out", s(out)]);
        let result = run(&args);
        assert!(result.status.success(), "{}", text(&result.stderr));
    }
    let errors = std::fs::read_to_string(twice.join("import_errors.csv")).unwrap();
    assert!(errors.contains("every event in it matches"), "{errors}");
    assert!(errors.contains("has the same contents"), "{errors}");
    let rows = |dir: &Path| {
        std::fs::read_to_string(dir.join("matches.csv"))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(rows(&once), rows(&twice));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(twice.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["inputs"].as_array().unwrap().len(),
        3,
        "the repeated file is listed, with no rows"
    );
}

#[test]
fn files_that_are_not_csv_text_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let utf16 = dir.path().join("utf16.csv");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in std::fs::read_to_string(sample("reports.csv"))
        .unwrap()
        .encode_utf16()
        .take(2000)
    {
        bytes.extend(unit.to_le_bytes());
    }
    std::fs::write(&utf16, &bytes).unwrap();
    let nul = dir.path().join("nul.csv");
    std::fs::write(&nul, vec![0u8; 70 << 20]).unwrap();
    for (file, expected) in [(&utf16, "this file is UTF-16"), (&nul, "byte 1 is a NUL")] {
        let result = run(&[
            "match",
            "--reports",
            s(file),
            "--locations",
            &sample("locations.csv"),
            "--out",
            s(&dir.path().join("o")),
        ]);
        let error = text(&result.stderr);
        assert_eq!(result.status.code(), Some(1));
        assert!(error.contains(expected), "{error}");
        assert!(
            !error.contains('\0') && !error.contains("quote"),
            "{error:?}"
        );
    }
    let info = run(&["case", "info", s(dir.path())]);
    assert!(
        text(&info.stderr).contains("it is a folder"),
        "{}",
        text(&info.stderr)
    );
}

#[test]
fn a_corrupt_archive_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("set.zip");
    export_sample(&zip);
    // Flip a byte inside the compressed data of matches.csv (just after its local header).
    let mut bytes = std::fs::read(&zip).unwrap();
    let name = bytes.windows(11).position(|w| w == b"matches.csv").unwrap();
    bytes[name + 11 + 20] ^= 0xFF;
    std::fs::write(&zip, bytes).unwrap();
    let (ok, out) = verify(&zip);
    assert!(!ok);
    assert!(
        out.contains("DAMAGED  matches.csv: cannot be read")
            || out.contains("CHANGED  matches.csv"),
        "{out}"
    );
}

#[test]
fn a_case_left_with_a_hot_journal_by_a_killed_save_opens_as_last_saved() {
    let dir = tempfile::tempdir().unwrap();
    let case = make_case(dir.path(), "live.case");
    // A write under way, its journal on disk (a one-page cache spills it): copying the
    // file and its journal now gives what a save killed at this moment leaves behind.
    let conn = rusqlite::Connection::open(&case).unwrap();
    conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA cache_size = 1; BEGIN; UPDATE event_chunks SET bytes = zeroblob(length(bytes));").unwrap();
    let copy = dir.path().join("killed.case");
    std::fs::copy(&case, &copy).unwrap();
    let journal = |p: &Path| PathBuf::from(format!("{}-journal", p.display()));
    std::fs::copy(journal(&case), journal(&copy)).expect("the write has a journal");
    conn.execute_batch("ROLLBACK").unwrap();
    drop(conn);
    let info = run(&["case", "info", s(&copy)]);
    assert!(info.status.success(), "{}", text(&info.stderr));
    let expected = text(&run(&["case", "info", s(&case)]).stdout);
    let shown = text(&info.stdout).replace("killed.case", "live.case");
    assert_eq!(
        shown.lines().skip(1).collect::<Vec<_>>(),
        expected.lines().skip(1).collect::<Vec<_>>()
    );
}
