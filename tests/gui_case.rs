//! Case files in the workbench: save, close, reopen and find everything as it was left;
//! autosave; closing saves; imports into a case whose files are gone; saved views and
//! the audit log through the case section; the question before unsaved work is dropped.
//!
//! About 620 lines: every test drives one harness through the same case helpers.

use compound_atlas::gui::file_dialogs::FileRequest;
use compound_atlas::gui::workspace::{Intent, Params, Workspace, embedded_inputs};
use compound_atlas::gui::{Unsaved, WorkbenchApp};
use compound_atlas_core::analysis::filter::Filter;
use compound_atlas_core::case;
use compound_atlas_core::ingest::Input;
use compound_atlas_core::matching::Strength;
use compound_atlas_core::pipeline::Inputs;
use compound_atlas_core::values::progress::Progress;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::Path;

fn harness(app: WorkbenchApp) -> Harness<'static, WorkbenchApp> {
    Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app)
}

fn sample_workspace() -> Workspace {
    Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap()
}

/// An empty workspace, as the workbench has before it opens a case.
fn empty_workspace() -> Workspace {
    Workspace::load_blocking(Inputs::default(), Params::default()).unwrap()
}

fn finish(workspace: &mut Workspace) {
    workspace.wait_for_job();
    if let Some(notice) = &workspace.notice {
        assert!(!notice.is_error, "{}", notice.text);
    }
}

fn sample(name: &str) -> String {
    format!("{}/sample_data/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_case_saved_in_the_workbench_reopens_as_it_was_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("investigation.case");
    let mut app = WorkbenchApp::new(sample_workspace());
    let w = &mut app.workspace;
    w.apply(Intent::SetAnalyst("A. Analyst".into()));
    let first = w.view.matches[0].event;
    let report = w.dataset.events.report[first as usize];
    let report_id = w.dataset.reports.id(report).to_string();
    w.apply(Intent::Tag {
        reports: vec![report],
        tag: "escalate".into(),
        on: true,
    });
    w.apply(Intent::SetNote {
        report,
        note: "Two logins within the window.".into(),
    });
    let kk = w
        .dataset
        .locations
        .iter()
        .find(|l| l.name.contains("KK Park"))
        .unwrap()
        .id
        .clone();
    w.apply(Intent::SetFilter(Filter {
        strength: Some(Strength::IpTime),
        ..Default::default()
    }));
    w.apply(Intent::SelectLocations([kk.clone()].into()));
    w.apply(Intent::SaveView("KK Park, IP+time".into()));
    w.apply(Intent::SelectLocations(Default::default()));
    w.apply(Intent::SetFilter(Filter {
        countries: ["KH".to_string()].into(),
        ..Default::default()
    }));
    w.params.tolerance = "3h".into();
    w.apply(Intent::ApplyParams);
    finish(w);
    assert!(w.has_unsaved_work());
    w.apply(Intent::SaveCaseAs(path.clone()));
    finish(w);
    assert!(!w.is_modified(), "saved");
    assert_eq!(w.case_path.as_deref(), Some(path.as_path()));
    let headline = w.view.summary.headline;
    let matches = w.matches.matches.clone();
    let audit = w.audit.clone();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "import",
            "import",
            "import",
            "analyst",
            "tag",
            "note",
            "view",
            "parameters",
            "case"
        ]
    );
    assert!(audit[4].detail.contains(&report_id), "{}", audit[4].detail);
    assert_eq!(audit[7].detail, "tolerance changed from 2h to 3h");
    assert!(audit[3..].iter().all(|a| a.analyst == "A. Analyst"));

    // The next day: the window was closed, and a new workbench opens the case.
    drop(app);
    let mut reopened = WorkbenchApp::new(empty_workspace());
    reopened.workspace.apply(Intent::OpenCase(path.clone()));
    finish(&mut reopened.workspace);
    let r = &reopened.workspace;
    assert_eq!(r.case_path.as_deref(), Some(path.as_path()));
    assert!(!r.is_modified());
    assert_eq!(r.analyst, "A. Analyst");
    assert_eq!(r.applied.tolerance, "3h");
    assert_eq!(r.params.tolerance, "3h");
    assert_eq!(r.filter.countries, ["KH".to_string()].into());
    assert_eq!(r.views.len(), 1);
    assert_eq!(r.views[0].0, "KK Park, IP+time");
    assert_eq!(r.views[0].1.locations, [kk].into());
    assert_eq!(
        r.triage.tags_of(&report_id).collect::<Vec<_>>(),
        ["escalate"]
    );
    assert_eq!(
        r.triage.note_of(&report_id),
        "Two logins within the window."
    );
    assert_eq!(r.view.summary.headline, headline);
    assert_eq!(r.matches.matches, matches);
    assert_eq!(r.audit, audit);
    assert_eq!(r.audit_saved, audit.len());
    // The sample's files are built in: the case can read them again (another zone).
    assert_eq!(r.inputs.reports.len(), 1);
    assert!(matches!(r.inputs.reports[0].input, Input::Embedded { .. }));
}

#[test]
fn the_tab_and_the_report_open_are_restored_with_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layout.case");
    let mut first = harness(WorkbenchApp::new(sample_workspace()));
    first.run_steps(2);
    // Zoomed in on the Moei river, as a user would have left the map.
    let dataset = std::sync::Arc::clone(&first.state().workspace.dataset);
    first
        .state_mut()
        .map
        .show_area([98.55, 16.75, 10.5], &dataset);
    first.run_steps(2);
    first.get_by_label("Matches").click();
    first.run_steps(2);
    first.state_mut().detail = Some(7);
    first.run_steps(2);
    let report_id = first.state().workspace.dataset.reports.id(7).to_string();
    first
        .state_mut()
        .workspace
        .apply(Intent::SaveCaseAs(path.clone()));
    finish(&mut first.state_mut().workspace);
    drop(first);

    let mut second = harness(WorkbenchApp::new(empty_workspace()));
    second
        .state_mut()
        .workspace
        .apply(Intent::OpenCase(path.clone()));
    finish(&mut second.state_mut().workspace);
    second.run_steps(3);
    let app = second.state();
    assert_eq!(app.central, compound_atlas::gui::CentralTab::Matches);
    let detail = app.detail.expect("the report window is open again");
    assert_eq!(app.workspace.dataset.reports.id(detail), report_id);
    second.get_by_label(&format!("Report {report_id}"));
    let [lon, lat, zoom] = app.map.area().expect("the map's area");
    assert!(
        (lon - 98.55).abs() < 1e-6 && (lat - 16.75).abs() < 1e-6,
        "{lon} {lat}"
    );
    assert!((zoom - 10.5).abs() < 1e-6, "{zoom}");
    // The map keeps it when shown, instead of framing the data anew.
    second.get_by_label("Map").click();
    second.run_steps(3);
    let [lon, _, zoom] = second.state().map.area().unwrap();
    assert!((lon - 98.55).abs() < 1e-6 && (zoom - 10.5).abs() < 1e-6);
}

#[test]
fn autosave_writes_only_the_state_and_closing_saves_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auto.case");
    let mut app = harness(WorkbenchApp::new(sample_workspace()));
    app.state_mut()
        .workspace
        .apply(Intent::SaveCaseAs(path.clone()));
    finish(&mut app.state_mut().workspace);
    let w = &mut app.state_mut().workspace;
    // Not due yet: nothing changed.
    assert_eq!(w.autosave_if_due(), None);
    w.apply(Intent::Tag {
        reports: vec![3],
        tag: "reviewed".into(),
        on: true,
    });
    assert!(w.is_modified());
    // Due only after the interval.
    let wait = w
        .autosave_if_due()
        .expect("a change waits for the autosave");
    assert!(wait <= compound_atlas::gui::workspace::AUTOSAVE_EVERY);
    assert!(!w.is_busy());
    w.last_saved -= compound_atlas::gui::workspace::AUTOSAVE_EVERY;
    w.autosave_if_due();
    assert!(w.is_busy(), "the autosave runs as a job");
    finish(w);
    assert!(!w.is_modified());
    let notice = w.notice.clone().unwrap().text;
    assert!(notice.starts_with("Autosaved the case"), "{notice}");
    assert!(notice.contains("the data was already saved"), "{notice}");
    let tagged_id = w.dataset.reports.id(3).to_string();
    let saved = case::open(&path, &Progress::default()).unwrap();
    assert_eq!(
        saved.state.triage.tags_of(&tagged_id).collect::<Vec<_>>(),
        ["reviewed"]
    );

    // A change, then the window is closed: it saves first, then closes.
    w.apply(Intent::Tag {
        reports: vec![4],
        tag: "escalate".into(),
        on: true,
    });
    let second_id = w.dataset.reports.id(4).to_string();
    assert!(!app.state_mut().may_close(), "not before the save");
    let started = std::time::Instant::now();
    while !app.state_mut().may_close() {
        assert!(started.elapsed().as_secs() < 60, "closing never saved");
        std::thread::sleep(std::time::Duration::from_millis(5));
        app.run_steps(1);
    }
    assert!(!app.state().workspace.is_modified());
    let saved = case::open(&path, &Progress::default()).unwrap();
    assert_eq!(
        saved.state.triage.tags_of(&second_id).collect::<Vec<_>>(),
        ["escalate"]
    );
    let actions: Vec<String> = saved.audit.iter().map(|a| a.action.clone()).collect();
    assert_eq!(actions.iter().filter(|a| *a == "tag").count(), 2);
}

#[test]
fn an_import_into_a_case_whose_files_are_gone_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports.csv");
    let locations = dir.path().join("locations.csv");
    std::fs::copy(sample("reports.csv"), &reports).unwrap();
    std::fs::copy(sample("locations.csv"), &locations).unwrap();
    let path = dir.path().join("gone.case");
    let mut w = empty_workspace();
    w.apply(Intent::Import {
        kind: compound_atlas_core::model::FileKind::Locations,
        paths: vec![locations.clone()],
    });
    finish(&mut w);
    w.apply(Intent::Import {
        kind: compound_atlas_core::model::FileKind::Reports,
        paths: vec![reports.clone()],
    });
    finish(&mut w);
    let reports_before = w.dataset.reports.len();
    let matches_before = w.matches.matches.len();
    w.apply(Intent::SaveCaseAs(path.clone()));
    finish(&mut w);
    std::fs::remove_file(&reports).unwrap();
    std::fs::remove_file(&locations).unwrap();
    drop(w);

    let mut w = empty_workspace();
    w.apply(Intent::OpenCase(path.clone()));
    finish(&mut w);
    assert_eq!(w.dataset.reports.len(), reports_before);
    assert_eq!(w.matches.matches.len(), matches_before);
    // Another location list is added to the data as it is.
    w.apply(Intent::Import {
        kind: compound_atlas_core::model::FileKind::Locations,
        paths: vec![format!("{}/assets/compounds.csv", env!("CARGO_MANIFEST_DIR")).into()],
    });
    finish(&mut w);
    assert_eq!(w.dataset.files.len(), 3);
    assert_eq!(w.dataset.reports.len(), reports_before);
    assert!(w.matches.matches.len() >= matches_before);
    assert_eq!(w.audit.last().unwrap().action, "import");
    // Reading the files again needs them: the notice names the missing one.
    w.apply(Intent::RemoveInput {
        kind: compound_atlas_core::model::FileKind::Locations,
        index: 1,
    });
    assert!(!w.is_busy());
    let notice = w.notice.clone().unwrap();
    assert!(notice.is_error);
    assert!(notice.text.contains("reports.csv"), "{}", notice.text);
    assert_eq!(w.dataset.files.len(), 3, "nothing was dropped");
}

#[test]
fn saved_views_and_the_audit_log_through_the_case_section() {
    let mut app = harness(WorkbenchApp::new(sample_workspace()));
    app.run_steps(2);
    app.get_by_label("Not saved as a case");
    app.state_mut().workspace.apply(Intent::SetFilter(Filter {
        strength: Some(Strength::IpTime),
        ..Default::default()
    }));
    app.state_mut().case_section.view_name = "IP+time only".into();
    app.run_steps(2);
    app.get_by_label("Save view").click();
    app.run_steps(2);
    assert_eq!(app.state().workspace.views.len(), 1);
    // Another filter, then the saved view brings the first back.
    app.state_mut().workspace.apply(Intent::ResetFilter);
    app.run_steps(2);
    assert_eq!(app.state().workspace.filter.strength, None);
    app.get_by_label("IP+time only").click();
    app.run_steps(2);
    assert_eq!(
        app.state().workspace.filter.strength,
        Some(Strength::IpTime)
    );
    // The audit log window lists the saving of the view, not yet saved in a case.
    app.get_by_label("Audit log (4 entries)").click();
    app.run_steps(3);
    assert!(app.state().show_audit);
    app.get_by_label("When (UTC)");
    app.get_by_label("view");
    let saved_view = app
        .query_all_by_label_contains("saved the view \"IP+time only\"")
        .count();
    assert_eq!(saved_view, 1);
    app.get_by_label_contains("4 not yet saved");
}

#[test]
fn work_never_saved_as_a_case_is_asked_about_before_closing() {
    let mut app = harness(WorkbenchApp::new(sample_workspace()));
    app.run_steps(2);
    // Looking around is not work: the window closes without a question.
    app.state_mut().workspace.apply(Intent::SetFilter(Filter {
        countries: ["MM".to_string()].into(),
        ..Default::default()
    }));
    assert!(app.state_mut().may_close());

    let mut app = harness(WorkbenchApp::new(sample_workspace()));
    app.run_steps(2);
    app.state_mut().workspace.apply(Intent::Tag {
        reports: vec![0],
        tag: "escalate".into(),
        on: true,
    });
    assert!(!app.state_mut().may_close());
    app.run_steps(2);
    app.get_by_label("Keep this work?");
    app.get_by_label("Save as a case…");
    app.get_by_label("Discard the work").click();
    app.run_steps(2);
    assert!(app.state().unsaved.is_none());
    assert!(app.state_mut().may_close());
}

/// A case file left by a kill during a save, or one that is not a case: a clear notice.
#[test]
fn opening_a_file_that_is_not_a_case_says_so_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = sample_workspace();
    let reports_before = w.dataset.reports.len();
    w.apply(Intent::OpenCase(
        Path::new(&sample("reports.csv")).to_path_buf(),
    ));
    w.wait_for_job();
    let notice = w.notice.clone().unwrap();
    assert!(notice.is_error);
    assert!(notice.text.contains("reports.csv"), "{}", notice.text);
    assert_eq!(w.dataset.reports.len(), reports_before);
    assert!(w.case_path.is_none());
    w.apply(Intent::OpenCase(dir.path().join("none.case")));
    w.wait_for_job();
    assert!(w.notice.clone().unwrap().text.contains("no such file"));
}

#[test]
fn a_new_case_saves_the_open_one_first_and_starts_empty_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.case");
    let second = dir.path().join("second.case");
    let mut w = sample_workspace();
    w.apply(Intent::SaveCaseAs(first.clone()));
    finish(&mut w);
    w.apply(Intent::Tag {
        reports: vec![1],
        tag: "to review".into(),
        on: true,
    });
    let tagged = w.dataset.reports.id(1).to_string();
    w.apply(Intent::NewCase(second.clone()));
    // The open case is saved, then the new one is written.
    w.wait_for_job();
    w.wait_for_job();
    assert_eq!(w.case_path.as_deref(), Some(second.as_path()));
    assert!(w.dataset.reports.is_empty() && w.triage.is_empty() && w.views.is_empty());
    assert!(!w.is_modified());
    let kept = case::open(&first, &Progress::default()).unwrap();
    assert_eq!(
        kept.state.triage.tags_of(&tagged).collect::<Vec<_>>(),
        ["to review"]
    );
    let fresh = case::open(&second, &Progress::default()).unwrap();
    assert_eq!(fresh.dataset.reports.len(), 0);
    assert_eq!(fresh.audit.len(), 1);
    assert_eq!(fresh.audit[0].action, "case");
    assert_eq!(w.recent_cases, [second, first]);
}

#[test]
fn a_failing_autosave_says_why_and_waits_before_trying_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.case");
    let mut w = sample_workspace();
    w.apply(Intent::SaveCaseAs(path.clone()));
    finish(&mut w);
    w.apply(Intent::Tag {
        reports: vec![2],
        tag: "escalate".into(),
        on: true,
    });
    // The case file is replaced by something that is not a case.
    std::fs::write(&path, "not a case").unwrap();
    w.last_saved -= compound_atlas::gui::workspace::AUTOSAVE_EVERY;
    assert!(w.autosave_if_due().is_some());
    w.wait_for_job();
    let notice = w.notice.clone().unwrap();
    assert!(notice.is_error, "{}", notice.text);
    assert!(
        notice.text.contains("Could not save the case"),
        "{}",
        notice.text
    );
    assert!(w.is_modified(), "the change is still unsaved");
    assert_eq!(std::fs::read(&path).unwrap(), b"not a case", "left alone");
    // Not again at once.
    w.autosave_if_due();
    assert!(!w.is_busy());
}

/// Work never saved as a case: a tag.
fn tag_work(app: &mut Harness<'static, WorkbenchApp>) {
    app.run_steps(2);
    app.state_mut().workspace.apply(Intent::Tag {
        reports: vec![5],
        tag: "escalate".into(),
        on: true,
    });
}

/// "Save as a case…" answered with `kept` in the question before `wanted`: what the
/// workbench does once the user has chosen the path.
fn save_as_before(app: &mut Harness<'static, WorkbenchApp>, kept: &Path, wanted: Unsaved) {
    app.run_steps(2);
    let state = app.state_mut();
    state.unsaved = None;
    state.after_saving = Some(wanted);
    state
        .workspace
        .apply(Intent::SaveCaseAs(kept.to_path_buf()));
}

/// Run frames until `done`, for at most a minute.
fn step_until(
    app: &mut Harness<'static, WorkbenchApp>,
    what: &str,
    done: impl Fn(&WorkbenchApp) -> bool,
) {
    let started = std::time::Instant::now();
    while !done(app.state()) {
        assert!(started.elapsed().as_secs() < 60, "{what} never happened");
        std::thread::sleep(std::time::Duration::from_millis(5));
        app.run_steps(1);
    }
}

/// The case saved at `kept` holds the tag given by [`save_as_before`].
fn assert_kept_the_tag(kept: &Path) {
    let saved = case::open(kept, &Progress::default()).unwrap();
    assert!(!saved.state.triage.is_empty());
}

#[test]
fn closing_goes_on_once_the_work_is_saved_as_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kept.case");
    let mut app = harness(WorkbenchApp::new(sample_workspace()));
    tag_work(&mut app);
    assert!(!app.state_mut().may_close());
    save_as_before(&mut app, &path, Unsaved::Close);
    step_until(&mut app, "closing", WorkbenchApp::is_closing);
    let saved = case::open(&path, &Progress::default()).unwrap();
    assert_eq!(
        saved.dataset.reports.len(),
        app.state().workspace.dataset.reports.len()
    );
    assert_kept_the_tag(&path);
}

#[test]
fn a_case_open_in_one_window_is_refused_by_another_until_it_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared.case");
    let mut first = sample_workspace();
    first.analyst = "A. Analyst".into();
    first.apply(Intent::SaveCaseAs(shared.clone()));
    finish(&mut first);
    let saved = case::open(&shared, &Progress::default()).unwrap();

    // A second window can neither open it nor save over it.
    let mut second = empty_workspace();
    second.apply(Intent::OpenCase(shared.clone()));
    second.wait_for_job();
    let notice = second.notice.clone().unwrap();
    assert!(notice.is_error);
    assert!(
        notice.text.contains("in use by another Compound Atlas")
            && notice.text.contains("A. Analyst (process"),
        "{}",
        notice.text
    );
    assert!(second.case_path.is_none() && second.dataset.reports.is_empty());
    second.apply(Intent::SaveCaseAs(shared.clone()));
    second.wait_for_job();
    assert!(second.notice.clone().unwrap().is_error);
    assert!(second.case_path.is_none());
    // Nor can `case create` write it.
    let created = std::process::Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .args(["case", "create", "--reports"])
        .arg(sample("reports.csv"))
        .arg("--locations")
        .arg(sample("locations.csv"))
        .arg("--out")
        .arg(&shared)
        .output()
        .unwrap();
    assert_eq!(created.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&created.stderr).contains("in use by another"));
    let after = case::open(&shared, &Progress::default()).unwrap();
    assert_eq!(after.audit, saved.audit);
    assert_eq!(after.dataset.reports.len(), saved.dataset.reports.len());
    // The first window itself goes on saving to it.
    first.apply(Intent::SaveCase);
    finish(&mut first);

    // Once the first window has closed it, the second opens it.
    drop(first);
    second.apply(Intent::OpenCase(shared.clone()));
    finish(&mut second);
    assert_eq!(second.case_path.as_deref(), Some(shared.as_path()));
    assert_eq!(second.dataset.reports.len(), saved.dataset.reports.len());
}

/// "Save as a case…" in the question before opening another case: once the save is done,
/// the case asked for is opened (the intent used to be dropped with a shadowed list).
#[test]
fn opening_goes_on_once_the_work_is_saved_as_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("kept.case");
    let other = dir.path().join("other.case");
    let mut maker = empty_workspace();
    maker.apply(Intent::SaveCaseAs(other.clone()));
    finish(&mut maker);
    drop(maker);

    let mut app = harness(WorkbenchApp::new(sample_workspace()));
    tag_work(&mut app);
    save_as_before(&mut app, &kept, Unsaved::OpenCase(Some(other.clone())));
    step_until(&mut app, "opening the case asked for", |app| {
        app.workspace.case_path.as_deref() == Some(other.as_path())
    });
    app.state_mut().workspace.wait_for_job();
    assert!(app.state().workspace.dataset.reports.is_empty());
    assert_kept_the_tag(&kept);
}

/// "Save as a case…" in the question before a new case: once the save is done, the new
/// case is started where the user chose (the intent used to be dropped, as with Open).
#[test]
fn a_new_case_goes_on_once_the_work_is_saved_as_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("kept.case");
    let fresh = dir.path().join("fresh.case");
    let mut app = harness(WorkbenchApp::new(sample_workspace()));
    let answer = fresh.clone();
    app.state_mut().picker = Some(Box::new(move |request| {
        assert_eq!(*request, FileRequest::NewCase);
        vec![answer.clone()]
    }));
    tag_work(&mut app);
    save_as_before(&mut app, &kept, Unsaved::NewCase);
    step_until(&mut app, "starting the new case", |app| {
        app.workspace.case_path.as_deref() == Some(fresh.as_path())
    });
    app.state_mut().workspace.wait_for_job();
    assert!(app.state().workspace.dataset.reports.is_empty());
    assert!(fresh.exists());
    assert_kept_the_tag(&kept);
}
