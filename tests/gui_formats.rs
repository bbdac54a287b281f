//! Report files in other formats than CSV through the workbench's import preview: the
//! sample of what they hold, by party, the sheet and time choices, then the import.

use compound_atlas::gui::WorkbenchApp;
use compound_atlas::gui::workspace::{Intent, Params, Workspace, embedded_inputs};
use compound_atlas_core::generate::formats::{Layout, ReportFormat, write_reports_as};
use compound_atlas_core::generate::{Spec, generate};
use compound_atlas_core::model::{FileKind, Party};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::PathBuf;

fn harness() -> Harness<'static, WorkbenchApp> {
    let app =
        WorkbenchApp::new(Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap());
    Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app)
}

/// Step frames while the sample or a job is read; fail after a minute.
fn settle(harness: &mut Harness<'static, WorkbenchApp>) {
    let started = std::time::Instant::now();
    harness.run_steps(2);
    while harness.state().workspace.reading_sample() || harness.state().workspace.is_busy() {
        assert!(started.elapsed().as_secs() < 60, "the reading never ended");
        std::thread::sleep(std::time::Duration::from_millis(5));
        harness.run_steps(1);
    }
    harness.run_steps(3);
}

fn preview(harness: &mut Harness<'static, WorkbenchApp>, path: PathBuf) {
    harness.state_mut().workspace.apply(Intent::Preview {
        kind: FileKind::Reports,
        paths: vec![path],
    });
    settle(harness);
}

const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<reports>
  <report>
    <reportId>CT-9001</reportId>
    <incidentSummary><incidentType>Online Enticement of Children</incidentType><platform>Example Chat</platform></incidentSummary>
    <personOrUserReported>
      <screenName>user-a</screenName>
      <ipCaptureEvent><ipAddress>198.51.100.7</ipAddress><eventName>Login</eventName><dateTime>2023-01-01T10:00:00+07:00</dateTime><port>443</port></ipCaptureEvent>
      <associatedAccount><ipCaptureEvent><ipAddress>2001:db8::5</ipAddress><dateTime>2023-01-01T11:00:00Z</dateTime></ipCaptureEvent></associatedAccount>
    </personOrUserReported>
    <victim><ipCaptureEvent><ipAddress>203.0.113.9</ipAddress><dateTime>2023-01-01T12:00:00Z</dateTime></ipCaptureEvent></victim>
  </report>
  <report>
    <reportId>CT-9002</reportId>
    <fileDetails><ipCaptureEvent><ipAddress>198.051.100.1</ipAddress><dateTime>2023-01-01T12:00:00Z</dateTime></ipCaptureEvent></fileDetails>
  </report>
</reports>
"#;

#[test]
fn a_report_xml_shows_its_events_by_party_then_imports_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("esp.xml");
    std::fs::write(&path, XML).unwrap();
    let mut harness = harness();
    preview(&mut harness, path);
    harness.get_by_label("Format: report XML, read as reports.");
    harness.get_by_label("The whole file holds 1 report and 3 events.");
    for party in ["reported person", "associated account", "victim"] {
        // In the table of parties and in the event's row.
        assert_eq!(harness.get_all_by_label(party).count(), 2, "{party}");
    }
    harness.get_by_label("Kept as extra attributes: personOrUserReported/screenName.");
    assert_eq!(
        harness.get_all_by_label("CT-9001").count(),
        3,
        "a row per event"
    );
    harness.get_by_label("2023-01-01T03:00:00Z");
    harness.get_by_label("1 reject or warning in the part read; the import lists every one.");
    assert!(
        harness.query_by_label_contains("leading zero").is_some(),
        "the reject is said in words"
    );

    harness.get_by_label("Import").click();
    settle(&mut harness);
    let workspace = &harness.state().workspace;
    assert!(workspace.pending.is_empty());
    let file = workspace.dataset.files.len() - 1;
    assert!(workspace.dataset.files[file].path.ends_with("esp.xml"));
    let events = &workspace.dataset.events;
    let parties: Vec<Option<Party>> = (0..events.len())
        .filter(|&e| usize::from(events.file[e]) == file)
        .map(|e| events.party_of(e))
        .collect();
    assert_eq!(
        parties,
        [
            Some(Party::ReportedPerson),
            Some(Party::AssociatedAccount),
            Some(Party::Victim)
        ]
    );
    assert!(workspace.inputs.reports.last().unwrap().columns.is_none());
    // The side panel now offers the parties as a filter.
    harness.get_by_label("Party (0)");
}

#[test]
fn a_spreadsheet_offers_its_sheets_and_the_time_zone_reads_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&Spec {
        reports: 40,
        seed: 5,
        out: data.clone(),
    })
    .unwrap();
    let xlsx = write_reports_as(&data, ReportFormat::Xlsx, Layout::Single).unwrap()[0].clone();
    let mut harness = harness();
    preview(&mut harness, xlsx);
    harness.get_by_label("Format: spreadsheet, read as reports.");
    let utc = first_time(&harness);

    harness.get_by_label("sheet to read").click();
    harness.run_steps(2);
    // The sheet's name in the list that opened (drawn over the rest, so last).
    harness.get_all_by_label("Reports").last().unwrap().click();
    settle(&mut harness);
    assert_eq!(
        harness.state().workspace.pending[0].sheet.as_deref(),
        Some("Reports")
    );
    assert_eq!(first_time(&harness), utc, "the same sheet, read by name");

    let mut params = harness.state().workspace.params.clone();
    params.zone = "Asia/Bangkok".into();
    harness
        .state_mut()
        .workspace
        .apply(Intent::EditParams(params));
    settle(&mut harness);
    let shifted = first_time(&harness);
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
    assert_eq!(
        (parse(&utc) - parse(&shifted)).num_hours(),
        7,
        "zone-less cells are read in the zone chosen ({utc} then {shifted})"
    );
}

/// The time of the sample's first event, as the preview holds it.
fn first_time(harness: &Harness<'static, WorkbenchApp>) -> String {
    let sample = harness.state().workspace.sample.as_ref().unwrap();
    let sample = sample.result.as_ref().unwrap().as_ref().unwrap();
    harness.get_by_label(&sample.first[0].time);
    sample.first[0].time.clone()
}
