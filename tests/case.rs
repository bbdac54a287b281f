//! Case files: everything saved comes back, foreign and newer files get clear errors,
//! the audit log only grows, and a process killed in the middle of a save leaves the
//! case as it was.
//!
//! About 680 lines: the kill-during-save tests and the round trips share their fixtures.

use compound_atlas_core::analysis::filter::Filter;
use compound_atlas_core::case::{self, AuditEntry, Case, CaseContents, CaseError, CaseState};
use compound_atlas_core::ingest::Input;
use compound_atlas_core::matching::Strength;
use compound_atlas_core::pipeline::{Inputs, load};
use compound_atlas_core::values::progress::Progress;
use std::path::Path;
use std::process::Command;

fn sample(name: &str) -> String {
    format!("{}/sample_data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn open(path: &Path) -> Result<Case, CaseError> {
    case::open(path, &Progress::default())
}

/// Save with the column mappings detected from the headers and one audit entry.
fn save(
    path: &Path,
    dataset: &compound_atlas_core::model::Dataset,
    state: &CaseState,
    action: &str,
) -> Result<(), CaseError> {
    let contents = CaseContents {
        dataset,
        state,
        mappings: &[],
    };
    let entry = AuditEntry::now(&state.analyst, action, "");
    case::save(path, contents, &[entry], &Progress::default())
}

fn sample_dataset() -> compound_atlas_core::model::Dataset {
    let inputs = Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(sample("reports.csv").into()).into()],
        locations: vec![Input::File(sample("locations.csv").into()).into()],
    };
    load(&inputs, Default::default(), &Progress::default()).unwrap()
}

fn a_state(dataset: &compound_atlas_core::model::Dataset) -> CaseState {
    let mut state = CaseState {
        params: compound_atlas_core::params::Params {
            tolerance: "90m".into(),
            zone: "Asia/Yangon".into(),
            date_order: "dmy".into(),
            region: "MM, TH".into(),
            account_column: String::new(),
        },
        filter: Filter {
            strength: Some(Strength::IpTime),
            countries: ["MM".to_string()].into(),
            ..Default::default()
        },
        views: vec![(
            "KK Park 2023, IP+time".into(),
            Filter {
                from: chrono::NaiveDate::from_ymd_opt(2023, 1, 1),
                locations: ["syn-kk-park-1".to_string()].into(),
                ..Default::default()
            },
        )],
        analyst: "A. Analyst".into(),
        ..Default::default()
    };
    let first = dataset.reports.id(0).to_string();
    state.triage.set_tag([first.as_str()], "escalate", true);
    state.triage.set_tag([first.as_str()], "kk park lead", true);
    state
        .triage
        .set_note(&first, "Two logins within the window.\nCheck the port.");
    state
}

#[test]
fn everything_saved_comes_back_identical() {
    let dataset = sample_dataset();
    let state = a_state(&dataset);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("investigation.case");
    save(&path, &dataset, &state, "import").unwrap();
    let reopened = open(&path).unwrap();
    assert_eq!(reopened.state, state);
    let d = &reopened.dataset;
    assert_eq!(d.files, dataset.files);
    assert_eq!(d.reports.len(), dataset.reports.len());
    for r in 0..dataset.reports.len() as u32 {
        assert_eq!(d.reports.id(r), dataset.reports.id(r));
    }
    assert_eq!(d.reports.incident_type, dataset.reports.incident_type);
    assert_eq!(d.reports.platform, dataset.reports.platform);
    assert_eq!(d.reports.report_date, dataset.reports.report_date);
    assert_eq!(d.strings.len(), dataset.strings.len());
    assert_eq!(d.events.addr, dataset.events.addr);
    assert_eq!(d.events.time, dataset.events.time);
    assert_eq!(d.events.report, dataset.events.report);
    assert_eq!(d.events.port, dataset.events.port);
    assert_eq!(d.events.flags, dataset.events.flags);
    assert_eq!(d.events.name, dataset.events.name);
    assert_eq!(d.events.line, dataset.events.line);
    assert_eq!(d.event_extras, dataset.event_extras);
    assert_eq!(d.locations, dataset.locations);
    assert_eq!(d.observations, dataset.observations);
    assert_eq!(d.issues, dataset.issues);
    assert_eq!(d.report_events, dataset.report_events);
    assert_eq!(d.report_event_start, dataset.report_event_start);
    assert_eq!(reopened.audit.len(), 1);
    assert_eq!(reopened.audit[0].action, "import");
    assert_eq!(reopened.audit[0].analyst, "A. Analyst");

    // Matching the reopened data gives the same matches as the original.
    let params = compound_atlas_core::matching::MatchParams {
        tolerance: 2 * 3600 * 1_000_000_000,
    };
    let before =
        compound_atlas_core::matching::match_events(&dataset, params, &Progress::default())
            .unwrap();
    let after =
        compound_atlas_core::matching::match_events(d, params, &Progress::default()).unwrap();
    assert_eq!(before.matches, after.matches);

    // A second save replaces the data and adds to the audit log.
    let mut changed = state.clone();
    changed
        .triage
        .set_tag([dataset.reports.id(1)], "reviewed", true);
    save(&path, &dataset, &changed, "save").unwrap();
    let again = open(&path).unwrap();
    assert_eq!(again.state, changed);
    assert_eq!(again.dataset.events.len(), dataset.events.len());
    assert_eq!(
        again
            .audit
            .iter()
            .map(|a| a.action.as_str())
            .collect::<Vec<_>>(),
        ["import", "save"]
    );
}

#[test]
fn the_audit_log_cannot_be_rewritten() {
    let dataset = sample_dataset();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.case");
    save(&path, &dataset, &CaseState::default(), "import").unwrap();
    case::append_audit(&path, &[AuditEntry::now("B", "export", "to somewhere")]).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert!(conn.execute("DELETE FROM audit", []).is_err());
    assert!(conn.execute("UPDATE audit SET detail = 'x'", []).is_err());
    drop(conn);
    let audit = open(&path).unwrap().audit;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1].detail, "to somewhere");
}

#[test]
fn foreign_damaged_and_newer_files_get_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // A CSV file is not a database at all.
    let csv = Path::new(&sample("locations.csv")).to_path_buf();
    let error = open(&csv).unwrap_err();
    assert!(
        matches!(
            error,
            CaseError::NotACase { .. } | CaseError::Damaged { .. }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("locations.csv"), "{error}");
    // A SQLite database of something else.
    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    let error = open(&other).unwrap_err();
    assert!(matches!(error, CaseError::NotACase { .. }), "{error}");
    assert!(error.to_string().contains("not a Compound Atlas case file"));
    // A case cut in half (a disk that filled up, a copy interrupted): refused, not read.
    let cut = dir.path().join("cut.case");
    save(&cut, &sample_dataset(), &CaseState::default(), "import").unwrap();
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let error = open(&cut).unwrap_err();
    assert!(
        matches!(
            error,
            CaseError::Damaged { .. } | CaseError::NotACase { .. }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("cut.case"), "{error}");
    // A case whose numbers point past its tables (a damaged or hand-edited file): refused
    // with the reason, where the workbench would otherwise crash on the first view.
    for (name, edit, reason) in [
        (
            "platform.case",
            "UPDATE reports SET platform = 99999 WHERE id = (SELECT min(id) FROM reports)",
            "platform",
        ),
        (
            "observation.case",
            "UPDATE observations SET location = 99999 WHERE id = (SELECT max(id) FROM observations)",
            "location that is not there",
        ),
        (
            "texts.case",
            "UPDATE strings SET text = (SELECT text FROM strings WHERE id = 1) WHERE id = 2",
            "stored twice",
        ),
    ] {
        let edited = dir.path().join(name);
        save(&edited, &sample_dataset(), &CaseState::default(), "import").unwrap();
        let changed = rusqlite::Connection::open(&edited)
            .unwrap()
            .execute(edit, [])
            .unwrap();
        assert_eq!(changed, 1, "{edit}");
        let error = open(&edited).unwrap_err();
        assert!(matches!(error, CaseError::Damaged { .. }), "{error}");
        let message = error.to_string();
        assert!(
            message.contains(name) && message.contains(reason),
            "{message}"
        );
    }
    // A missing file.
    assert!(matches!(
        open(&dir.path().join("none.case")),
        Err(CaseError::NotACase { .. })
    ));
    // A case from a newer version: refused, by name, without a crash.
    let newer = dir.path().join("newer.case");
    save(&newer, &sample_dataset(), &CaseState::default(), "import").unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    let error = open(&newer).unwrap_err();
    assert!(
        matches!(error, CaseError::Newer { found: 99, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("newer Compound Atlas"));
    // And a save over it does not touch it either.
    assert!(matches!(
        save(&newer, &sample_dataset(), &CaseState::default(), "save"),
        Err(CaseError::Newer { .. })
    ));
}

/// A generated data set large enough that saving it takes a while: 60,000 reports.
fn generated_large(dir: &Path) -> std::path::PathBuf {
    let generated = dir.join("gen");
    let made = Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .args(["generate", "--reports", "60000", "--out"])
        .arg(&generated)
        .output()
        .unwrap();
    assert!(made.status.success());
    generated
}

/// Start `command`, wait until it says on stderr that its save has begun, wait `delay_ms`
/// more, then SIGKILL it: no destructor, no rollback by the process itself. Whether it
/// had finished before the kill.
fn kill_while_saving(mut command: Command, delay_ms: u64) -> bool {
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0
        && !line.contains("Saving the case")
    {
        line.clear();
    }
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    let _ = child.kill();
    child.wait().unwrap().success()
}

#[test]
fn a_process_killed_during_a_save_leaves_the_case_as_it_was() {
    let binary = env!("CARGO_BIN_EXE_compound-atlas");
    let dir = tempfile::tempdir().unwrap();
    let generated = generated_large(dir.path());
    let case_path = dir.path().join("c.case");
    let small = Command::new(binary)
        .args([
            "case",
            "create",
            "--reports",
            &sample("reports.csv"),
            "--locations",
            &sample("locations.csv"),
            "--out",
            case_path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        small.status.success(),
        "{}",
        String::from_utf8_lossy(&small.stderr)
    );
    let before = open(&case_path).unwrap();

    let mut killed_mid_save = 0;
    for delay_ms in [0u64, 10, 30, 60, 120, 250, 500] {
        let mut create = Command::new(binary);
        create
            .args(["case", "create", "--reports"])
            .arg(generated.join("reports.csv"))
            .arg("--locations")
            .arg(generated.join("locations.csv"))
            .arg("--out")
            .arg(&case_path);
        let finished = kill_while_saving(create, delay_ms);
        let after = open(&case_path).expect("the case opens after a kill");
        if finished {
            // The save completed before the kill: the new data, whole.
            assert_eq!(after.dataset.reports.len(), 60_000);
            break;
        }
        // Killed: either still the old case or (if the commit landed) the new one, whole.
        let reports = after.dataset.reports.len();
        assert!(
            reports == before.dataset.reports.len() || reports == 60_000,
            "a partial case with {reports} reports"
        );
        assert_eq!(
            after.dataset.events.time.len(),
            after.dataset.events.addr.len()
        );
        if reports == before.dataset.reports.len() {
            assert_eq!(after.dataset.events.addr, before.dataset.events.addr);
            assert_eq!(after.audit.len(), before.audit.len());
            killed_mid_save += 1;
        }
    }
    println!("{killed_mid_save} kills landed during a save and left the old case");
    assert!(
        killed_mid_save > 0,
        "no kill landed before the commit: the test proved nothing"
    );
}

/// A case written by the first layout (version 1), kept as a file: 60 synthetic reports,
/// a filter, a saved view, tags, a note and two audit entries (import and export).
fn first_layout_copy(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("first-layout.case");
    std::fs::copy(
        format!(
            "{}/tests/fixtures/case-layout-1.case",
            env!("CARGO_MANIFEST_DIR")
        ),
        &path,
    )
    .unwrap();
    path
}

#[test]
fn a_case_of_the_first_layout_opens_and_the_next_save_migrates_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = first_layout_copy(dir.path());
    let old = open(&path).unwrap();
    assert_eq!(old.schema_version, 1);
    assert_eq!(old.dataset.reports.len(), 60);
    assert_eq!(old.dataset.events.len(), 616);
    assert_eq!(old.dataset.files.len(), 2);
    assert_eq!(
        old.mappings,
        [None, None],
        "layout 1 read with detected columns"
    );
    assert_eq!(old.state.params.tolerance, "6h");
    assert_eq!(old.state.filter.countries, ["MM".to_string()].into());
    assert_eq!(old.state.views[0].0, "KK Park 2023, IP+time");
    assert_eq!(old.state.views[0].1.strength, Some(Strength::IpTime));
    assert_eq!(
        old.state.triage.tags_of("SYN-00000003").collect::<Vec<_>>(),
        ["escalate", "to review"]
    );
    assert_eq!(
        old.state.triage.note_of("SYN-00000003"),
        "Check the second login."
    );
    assert_eq!(
        old.audit
            .iter()
            .map(|a| a.action.as_str())
            .collect::<Vec<_>>(),
        ["import", "export"]
    );
    // The data is whole: it matches as it did when the case was made (the export
    // recorded in its audit log found 4 matches).
    let params = compound_atlas_core::matching::MatchParams {
        tolerance: 6 * 3600 * 1_000_000_000,
    };
    let matches =
        compound_atlas_core::matching::match_events(&old.dataset, params, &Progress::default())
            .unwrap();
    assert_eq!(matches.matches.len(), 4);
    assert!(old.audit[1].detail.contains("(4 matches"));

    // The next save, even of the state alone, migrates the file in its transaction.
    let mut state = old.state.clone();
    state.triage.set_tag(["SYN-00000007"], "escalate", true);
    let entry = AuditEntry::now(
        "B. Analyst",
        "tag",
        "tag \"escalate\" added to SYN-00000007",
    );
    case::save_state(&path, &state, std::slice::from_ref(&entry)).unwrap();
    let migrated = open(&path).unwrap();
    assert_eq!(migrated.schema_version, case::SCHEMA_VERSION);
    assert_eq!(migrated.state, state);
    assert_eq!(migrated.dataset.events.addr, old.dataset.events.addr);
    assert_eq!(migrated.dataset.files, old.dataset.files);
    assert_eq!(migrated.audit[..2], old.audit[..]);
    assert_eq!(migrated.audit[2], entry);
    // A migrated file keeps the column mappings that layout 2 added.
    let mapping = Some(r#"{"header":["x"],"fields":[],"duplicates":[]}"#.to_string());
    let contents = CaseContents {
        dataset: &migrated.dataset,
        state: &state,
        mappings: &[None, mapping.clone()],
    };
    case::save(&path, contents, &[], &Progress::default()).unwrap();
    assert_eq!(open(&path).unwrap().mappings, [None, mapping]);
}

#[test]
fn save_as_replaces_a_file_only_once_complete_and_carries_the_whole_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let old_case = first_layout_copy(dir.path());
    let theirs = open(&old_case).unwrap();
    let target = dir.path().join("target.case");
    save(&target, &sample_dataset(), &CaseState::default(), "import").unwrap();

    // Save the first case as `target`: its data and its own history, nothing of target's.
    let mut audit = theirs.audit.clone();
    audit.push(AuditEntry::now("A", "case", "saved as target.case"));
    let contents = CaseContents {
        dataset: &theirs.dataset,
        state: &theirs.state,
        mappings: &theirs.mappings,
    };
    case::save_as(&target, contents, &audit, &Progress::default()).unwrap();
    let saved = open(&target).unwrap();
    assert_eq!(saved.audit, audit);
    assert_eq!(saved.dataset.reports.len(), 60);
    assert_eq!(saved.state, theirs.state);
    assert_eq!(saved.schema_version, case::SCHEMA_VERSION);
    // No temporary file or journal is left beside it.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("target"))
        .collect();
    names.sort();
    assert!(
        names.iter().all(|n| n.starts_with("target.case")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("saving")), "{names:?}");

    // A cancelled Save as leaves the file there as it was.
    let cancelled = Progress::default();
    cancelled
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let other = CaseContents {
        dataset: &sample_dataset(),
        state: &CaseState::default(),
        mappings: &[],
    };
    assert!(matches!(
        case::save_as(&target, other, &[], &cancelled),
        Err(CaseError::Cancelled(_))
    ));
    assert_eq!(open(&target).unwrap().audit, audit);
}

/// Run by `a_process_killed_during_save_as_leaves_the_old_file_as_it_was` in a child
/// process (this test binary, run again): read the CSV files named by the environment
/// and Save as over the case it names. Does nothing when run as an ordinary test.
#[test]
#[ignore = "run in a child process by the Save-as kill test"]
fn child_saving_as() {
    let (Ok(reports), Ok(locations), Ok(target)) = (
        std::env::var("CHILD_REPORTS"),
        std::env::var("CHILD_LOCATIONS"),
        std::env::var("CHILD_TARGET"),
    ) else {
        return;
    };
    let inputs = Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(reports.into()).into()],
        locations: vec![Input::File(locations.into()).into()],
    };
    let dataset = load(&inputs, Default::default(), &Progress::default()).unwrap();
    let state = CaseState::default();
    let contents = CaseContents {
        dataset: &dataset,
        state: &state,
        mappings: &[],
    };
    eprintln!("Saving the case");
    case::save_as(
        Path::new(&target),
        contents,
        &[AuditEntry::now("", "case", "saved as")],
        &Progress::default(),
    )
    .unwrap();
}

#[test]
fn a_process_killed_during_save_as_leaves_the_old_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let generated = generated_large(dir.path());
    let target = dir.path().join("target.case");
    save(&target, &sample_dataset(), &CaseState::default(), "import").unwrap();
    let before = open(&target).unwrap();

    let mut killed_mid_save = 0;
    for delay_ms in [0u64, 50, 250, 1500] {
        let mut saving_as = Command::new(std::env::current_exe().unwrap());
        saving_as
            .args(["--exact", "child_saving_as", "--ignored", "--nocapture"])
            .env("CHILD_REPORTS", generated.join("reports.csv"))
            .env("CHILD_LOCATIONS", generated.join("locations.csv"))
            .env("CHILD_TARGET", &target);
        let finished = kill_while_saving(saving_as, delay_ms);
        let after = open(&target).expect("the case opens after a kill");
        let reports = after.dataset.reports.len();
        if finished || reports == 60_000 {
            // The rename landed: the new case, whole, with its own log only.
            assert_eq!(reports, 60_000);
            assert_eq!(after.audit.len(), 1);
            assert_eq!(after.audit[0].detail, "saved as");
            break;
        }
        assert_eq!(reports, before.dataset.reports.len(), "a partial case");
        assert_eq!(after.dataset.events.addr, before.dataset.events.addr);
        assert_eq!(after.audit, before.audit);
        killed_mid_save += 1;
    }
    println!("{killed_mid_save} kills landed during a Save as and left the old case");
    assert!(
        killed_mid_save > 0,
        "no kill landed before the rename: the test proved nothing"
    );
    // A later Save as clears what a killed one left beside the file.
    let contents = CaseContents {
        dataset: &before.dataset,
        state: &before.state,
        mappings: &before.mappings,
    };
    case::save_as(&target, contents, &before.audit, &Progress::default()).unwrap();
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".saving"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Run by `a_process_killed_during_autosaves_keeps_the_last_one_whole` in a child process:
/// autosave the case named by the environment over and over, each time with a note and an
/// audit entry numbered alike, and say on stderr when each one begins and ends.
#[test]
#[ignore = "run in a child process by the autosave kill test"]
fn child_autosaving() {
    let Ok(target) = std::env::var("CHILD_CASE") else {
        return;
    };
    let path = Path::new(&target);
    let case = open(path).unwrap();
    let mut state = case.state;
    let first = case.dataset.reports.id(0).to_string();
    for n in 1.. {
        // A large note so that each autosave writes more than one page.
        state
            .triage
            .set_note(&first, &format!("autosave {n}\n{}", "x".repeat(20_000)));
        let entry = AuditEntry::now("", "note", &format!("autosave {n}"));
        eprintln!("saving {n}");
        case::save_state(path, &state, &[entry]).unwrap();
        eprintln!("saved {n}");
    }
}

#[test]
fn a_process_killed_during_autosaves_keeps_the_last_one_whole() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = sample_dataset();
    let state = a_state(&dataset);
    let first = dataset.reports.id(0).to_string();

    let mut killed_mid_save = 0;
    for delay_ms in [5u64, 20, 45, 80, 130, 200] {
        let path = dir.path().join(format!("c{delay_ms}.case"));
        save(&path, &dataset, &state, "import").unwrap();
        let before = open(&path).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_autosaving", "--ignored", "--nocapture"])
            .env("CHILD_CASE", &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (started, saving) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in
                std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok)
            {
                if line.starts_with("saving ") {
                    let _ = started.send(());
                }
                lines.push(line);
            }
            lines
        });
        // The delay counts from the first autosave, not from the start: opening the case
        // (and enriching its events) takes a varying while before it.
        let _ = saving.recv_timeout(std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SIGKILL: no destructor, no rollback by the process itself.
        let _ = child.kill();
        let _ = child.wait();
        let lines = reader.join().unwrap();
        let last_saved = lines
            .iter()
            .filter_map(|l| l.strip_prefix("saved "))
            .filter_map(|n| n.parse::<usize>().ok())
            .max()
            .unwrap_or(0);
        if lines.last().is_some_and(|l| l.starts_with("saving ")) {
            killed_mid_save += 1;
        }
        println!(
            "killed after {last_saved} autosaves, last said {:?}",
            lines.last()
        );

        let after = open(&path).expect("the case opens after a kill");
        assert_eq!(after.dataset.events.addr, before.dataset.events.addr);
        assert_eq!(after.dataset.reports.len(), before.dataset.reports.len());
        // The state and the audit log agree: both come from the same autosave, the last
        // one that finished or the one killed just after its commit.
        let autosaves = after.audit.len() - before.audit.len();
        assert!(
            autosaves == last_saved || autosaves == last_saved + 1,
            "autosave {last_saved} finished but the case holds {autosaves}"
        );
        assert_eq!(after.audit[..before.audit.len()], before.audit[..]);
        let note = after.state.triage.note_of(&first);
        if autosaves == 0 {
            assert_eq!(after.state, before.state);
        } else {
            assert_eq!(
                after.audit.last().unwrap().detail,
                format!("autosave {autosaves}")
            );
            assert!(
                note.starts_with(&format!("autosave {autosaves}\n")),
                "{note:.20}"
            );
            assert_eq!(after.state.views, before.state.views);
            assert_eq!(after.state.filter, before.state.filter);
        }
    }
    println!("{killed_mid_save} kills landed during an autosave");
    assert!(
        killed_mid_save > 0,
        "no kill landed during an autosave: the test proved nothing"
    );
}
