//! The built-in file chooser, driven as a user would on a desktop without a file dialog:
//! import, export, save as and open from the menus, with clicks, typed paths, Enter and Esc.

use compound_atlas::gui::WorkbenchApp;
use compound_atlas::gui::workspace::{Params, Workspace, embedded_inputs};
use compound_atlas_core::pipeline::Inputs;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::Path;

/// The workbench as on a machine without a platform dialog, its chooser opening in `dir`.
fn harness(workspace: Workspace, dir: &Path) -> Harness<'static, WorkbenchApp> {
    let mut app = WorkbenchApp::new(workspace);
    app.picker = None;
    app.chooser_dir = Some(dir.to_path_buf());
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app);
    harness.run_steps(2);
    harness
}

/// A reports file of one event, named `name` in `dir`.
fn one_report(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let text = "report_id,ip,event_time\nR1,192.0.2.1,2023-01-01T00:00:00Z\n";
    std::fs::write(&path, text).unwrap();
    path
}

fn sample() -> Workspace {
    Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap()
}

fn empty() -> Workspace {
    Workspace::load_blocking(Inputs::default(), Params::default()).unwrap()
}

fn menu(harness: &mut Harness<'static, WorkbenchApp>, item: &str) {
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness
        .get_by(|node| node.label().is_some_and(|l| l.starts_with(item)))
        .click();
    harness.run_steps(3);
}

/// Run frames while a job or the import preview's sample is read, for at most a
/// minute; then no error is shown.
fn finish_job(harness: &mut Harness<'static, WorkbenchApp>) {
    let started = std::time::Instant::now();
    while harness.state().workspace.is_busy() || harness.state().workspace.reading_sample() {
        assert!(started.elapsed().as_secs() < 60, "the job never ended");
        std::thread::sleep(std::time::Duration::from_millis(5));
        harness.run_steps(1);
    }
    harness.run_steps(2);
    let notice = harness.state().workspace.notice.clone();
    assert!(!notice.as_ref().is_some_and(|n| n.is_error), "{notice:?}");
}

#[test]
fn reports_are_imported_by_clicking_them_in_the_chooser() {
    let dir = tempfile::tempdir().unwrap();
    let reports = one_report(dir.path(), "tips.csv");
    std::fs::write(dir.path().join("photo.png"), "not listed").unwrap();
    let mut harness = harness(sample(), dir.path());
    menu(&mut harness, "Import reports…");
    harness.get_by_label("Import report files");
    // Says why its own chooser is shown; the filter leaves out the image.
    harness.get_by_label_contains("this is Compound Atlas's own file chooser");
    assert!(harness.query_by_label("photo.png").is_none());
    harness.get_by_label("tips.csv").click();
    harness.run_steps(2);
    harness.get_by_label("Import").click();
    harness.run_steps(3);
    assert!(harness.state().chooser.is_none());
    let pending = &harness.state().workspace.pending;
    assert_eq!(pending.len(), 1, "the import preview shows the file");
    assert_eq!(
        std::fs::canonicalize(&pending[0].path).unwrap(),
        std::fs::canonicalize(&reports).unwrap()
    );
}

/// A folder of per-report files is imported as one input: opened in the chooser, then
/// "Import this folder"; the preview shows what its files hold.
#[test]
fn a_folder_of_report_files_is_imported_from_the_chooser() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("tips");
    std::fs::create_dir(&folder).unwrap();
    for (i, ip) in ["192.0.2.1", "192.0.2.2"].iter().enumerate() {
        std::fs::write(
            folder.join(format!("CT-{i}.jsonl")),
            format!("{{\"report_id\":\"CT-{i}\",\"ip\":\"{ip}\",\"event_time\":\"2023-01-01T00:00:00Z\"}}\n"),
        )
        .unwrap();
    }
    let mut harness = harness(sample(), dir.path());
    menu(&mut harness, "Import reports…");
    harness.get_by_label("File name or path").type_text("tips");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    harness.get_by_label("Import this folder").click();
    harness.run_steps(3);
    assert!(harness.state().chooser.is_none());
    finish_job(&mut harness);
    harness.get_by_label("Format: folder.");
    harness.get_by_label("The whole folder holds 2 reports and 2 events.");
    harness.get_by_label("Import").click();
    harness.run_steps(2);
    finish_job(&mut harness);
    let workspace = &harness.state().workspace;
    assert!(
        workspace
            .dataset
            .files
            .last()
            .unwrap()
            .path
            .ends_with("tips")
    );
}

#[test]
fn a_typed_path_and_enter_choose_and_esc_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    std::fs::create_dir(&lists).unwrap();
    std::fs::write(lists.join("places.csv"), "name,ip\nA,192.0.2.0/24\n").unwrap();
    let mut harness = harness(sample(), dir.path());
    menu(&mut harness, "Import locations…");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.state().chooser.is_none(), "Esc closes the chooser");
    assert!(harness.state().workspace.pending.is_empty());

    menu(&mut harness, "Import locations…");
    // The name field has the keyboard: a folder opens on Enter, then a file is chosen.
    harness.get_by_label("File name or path").type_text("lists");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    let shown = harness
        .state()
        .chooser
        .as_ref()
        .unwrap()
        .dir()
        .to_path_buf();
    assert_eq!(shown, std::fs::canonicalize(&lists).unwrap());
    harness.get_by_label("places.csv");
    harness
        .get_by_label("File name or path")
        .type_text("places.csv");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert!(harness.state().chooser.is_none());
    assert_eq!(harness.state().workspace.pending.len(), 1);
}

#[test]
fn an_evidence_set_is_exported_to_a_folder_named_in_the_chooser() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(sample(), dir.path());
    menu(&mut harness, "Export evidence set…");
    harness.get_by_label("Export to a new folder…").click();
    harness.run_steps(3);
    harness.get_by_label("Name the new evidence folder");
    // The suggested name is kept: Save makes dir/evidence-set.
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    finish_job(&mut harness);
    assert!(
        !harness.state().export_dialog,
        "the dialog closes once the export starts"
    );
    let set = dir.path().join("evidence-set");
    let verified = compound_atlas_core::export::verify::verify(&set).unwrap();
    assert!(verified.is_intact());

    // A second export to the same name is refused with the reason, not overwritten.
    menu(&mut harness, "Export evidence set…");
    harness.get_by_label("Export to a new folder…").click();
    harness.run_steps(3);
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    harness.get_by_label_contains("already exists: an evidence set goes into a new folder");
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert!(harness.state().chooser.is_none());
}

#[test]
fn the_export_dialogs_tlp_and_organisation_mark_the_intelligence_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(sample(), dir.path());
    menu(&mut harness, "Export evidence set…");
    harness.get_by_label("TLP marking").click_accesskit();
    harness.run_steps(2);
    harness.get_by_label("TLP:RED").click();
    harness.run_steps(2);
    harness.get_by_label("Organisation").click();
    harness.run_steps(1);
    harness
        .get_by_label("Organisation")
        .type_text("Example Helpline");
    harness.run_steps(1);
    // Masking withdraws the report ids from the sightings.
    let names = "Name the reports behind each sighting (report ids in the STIX and MISP files)";
    harness.get_by_label(names).click();
    harness.run_steps(1);
    assert!(harness.state().export_choices.include_report_ids);
    harness.get_by_label_contains("Mask identifiers").click();
    harness.run_steps(2);
    assert!(!harness.state().export_choices.include_report_ids);
    harness.get_by_label("Export to a new folder…").click();
    harness.run_steps(3);
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    finish_job(&mut harness);
    let set = dir.path().join("evidence-set");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(set.join(name)).unwrap()).unwrap()
    };
    let misp = read("misp_event.json");
    let tags: Vec<&str> = misp["Event"]["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(tags.contains(&"tlp:red"), "{tags:?}");
    assert_eq!(misp["Event"]["Orgc"]["name"], "Example Helpline");
    let stix = read("stix_bundle.json");
    let identity = stix["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "identity")
        .unwrap();
    assert_eq!(identity["name"], "Example Helpline");
}

#[test]
fn work_is_saved_as_a_case_and_opened_again_through_the_chooser() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(sample(), dir.path());
    menu(&mut harness, "Save case as…");
    harness.get_by_label("Save case as");
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    finish_job(&mut harness);
    let case = dir.path().join("investigation.case");
    let saved = harness.state().workspace.case_path.clone();
    assert_eq!(
        saved.map(|p| std::fs::canonicalize(p).unwrap()),
        Some(std::fs::canonicalize(&case).unwrap())
    );

    // Saving as the same name asks first.
    menu(&mut harness, "Save case as…");
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    harness.get_by_label_contains("already exists. Replace it?");
    harness.get_by_label("Keep it").click();
    harness.run_steps(2);
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert!(harness.state().chooser.is_none());
    drop(harness);

    let mut harness = self::harness(empty(), dir.path());
    menu(&mut harness, "Open case…");
    harness.get_by_label("investigation.case").click();
    harness.run_steps(2);
    harness.get_by_label("Open").click();
    harness.run_steps(2);
    finish_job(&mut harness);
    let opened = harness.state().workspace.case_path.clone();
    assert_eq!(
        opened.map(|p| std::fs::canonicalize(p).unwrap()),
        Some(std::fs::canonicalize(&case).unwrap())
    );
    assert!(!harness.state().workspace.dataset.reports.is_empty());
}

/// A file dropped on the window, as the windowing layer hands it over.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// File → Import, drag and drop and the recent list all show the import preview first.
#[test]
fn a_dropped_file_and_a_recent_one_open_the_import_preview() {
    let dir = tempfile::tempdir().unwrap();
    let reports = one_report(dir.path(), "dropped.csv");
    let mut harness = harness(sample(), dir.path());
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(reports.clone())));
    harness.run_steps(3);
    harness.get_by_label_contains("Import preview: ");
    assert_eq!(harness.state().workspace.pending.len(), 1);
    harness.get_by_label("Import").click();
    harness.run_steps(2);
    finish_job(&mut harness);
    assert!(harness.state().workspace.pending.is_empty());

    menu(&mut harness, "Recent files");
    harness
        .get_by(|node| {
            node.label()
                .is_some_and(|l| l.contains("dropped.csv (reports)"))
        })
        .click();
    harness.run_steps(3);
    harness.get_by_label_contains("Import preview: ");
}

/// "Keep this work? → Save as a case…" on a desktop without a file dialog: the work is
/// saved where the chooser says, then the new case is asked for and started (the tags
/// and notes typed before used to be lost here).
#[test]
fn the_work_is_kept_through_the_chooser_before_a_new_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(sample(), dir.path());
    let report = harness.state().workspace.dataset.events.report[0];
    harness
        .state_mut()
        .workspace
        .apply(compound_atlas::gui::workspace::Intent::Tag {
            reports: vec![report],
            tag: "escalate".into(),
            on: true,
        });
    menu(&mut harness, "New case…");
    harness.get_by_label("Save as a case…").click();
    harness.run_steps(3);
    harness.get_by_label("Save case as");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("File name or path").type_text("kept");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    finish_job(&mut harness);
    harness.run_steps(3);
    // The question for the new case follows the save.
    harness.get_by_label("New case: where to keep it");
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    finish_job(&mut harness);
    let kept = dir.path().join("kept.case");
    assert!(kept.exists(), "the work was saved where the chooser said");
    let fresh = dir.path().join("investigation.case");
    let opened = harness.state().workspace.case_path.clone().unwrap();
    assert_eq!(
        std::fs::canonicalize(opened).unwrap(),
        std::fs::canonicalize(fresh).unwrap()
    );
    assert!(harness.state().workspace.dataset.reports.is_empty());
}

/// The views' own saves (the chart below the map, the map image) ask through the same
/// chooser and write where it says.
#[test]
fn the_chart_and_the_map_are_saved_through_the_chooser() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(sample(), dir.path());
    harness.get_by_label("Save CSV…").click();
    harness.run_steps(3);
    harness.get_by_label("Save the chart as CSV");
    harness.get_by_label("Save").click();
    harness.run_steps(3);
    let csv = std::fs::read_to_string(dir.path().join("timeline.csv")).unwrap();
    assert!(csv.lines().count() > 1, "{csv}");

    harness.get_by_label("Save as PNG…").click();
    harness.run_steps(3);
    harness.get_by_label("Save the map as PNG");
    harness.get_by_label("Save").click();
    harness.run_steps(3);
    let png = std::fs::read(dir.path().join("map.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
}
