//! Files in other formats than CSV through the workbench's import preview: the sample of
//! what a report file holds, by party, the sheet and time choices; what a location list
//! yields (locations, observations, outlines); then the import.

use compound_atlas::gui::WorkbenchApp;
use compound_atlas::gui::workspace::{Intent, Params, Sample, Workspace, embedded_inputs};
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
    preview_as(harness, FileKind::Reports, path);
}

fn preview_as(harness: &mut Harness<'static, WorkbenchApp>, kind: FileKind, path: PathBuf) {
    harness.state_mut().workspace.apply(Intent::Preview {
        kind,
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
    harness.get_by_label("Format: report XML.");
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
    harness.get_by_label("Format: spreadsheet.");
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
    let Ok(Sample::Reports(sample)) = sample.result.as_ref().unwrap() else {
        panic!("not a sample of reports")
    };
    harness.get_by_label(&sample.first[0].time);
    sample.first[0].time.clone()
}

const SITES: &str = r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"Name":"North Site","Country":"MM","IP":"203.0.113.0/28","First Seen":"2023/01/01"},
   "geometry":{"type":"Polygon","coordinates":[[[98.5,16.7],[98.6,16.7],[98.6,16.8],[98.5,16.8],[98.5,16.7]]]}},
  {"type":"Feature","properties":{"name":"South Hub","ip":"198.51.100.9","ports":"8000-8100","colour":"red"},
   "geometry":{"type":"Point","coordinates":[103.5,10.6]}},
  {"type":"Feature","properties":{"ip":"192.0.2.2"},"geometry":null}
]}"#;

#[test]
fn a_geojson_location_list_shows_what_it_yields_then_imports_with_its_outline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.geojson");
    std::fs::write(&path, SITES).unwrap();
    let mut harness = harness();
    preview_as(&mut harness, FileKind::Locations, path);
    harness.get_by_label("Format: GeoJSON.");
    harness.get_by_label("The whole list holds 2 locations and 2 observations.");
    harness.get_by_label("1 location is drawn with an outline (marker at its centre).");
    harness.get_by_label("Kept as extra attributes: colour.");
    harness.get_by_label("north-site");
    harness.get_by_label("2023-01-01T00:00:00Z");
    harness.get_by_label("8000-8100");
    harness.get_by_label("5 points");
    harness.get_by_label("1 reject or warning; the import lists every one.");

    harness.get_by_label("Import").click();
    settle(&mut harness);
    let workspace = &harness.state().workspace;
    assert!(workspace.pending.is_empty());
    let file = workspace.dataset.files.len() - 1;
    assert!(
        workspace.dataset.files[file]
            .path
            .ends_with("sites.geojson")
    );
    let north = workspace
        .dataset
        .locations
        .iter()
        .find(|l| l.id == "north-site")
        .expect("the location was added");
    assert!(north.outline.is_some(), "with its outline");
    assert!(workspace.inputs.locations.last().unwrap().columns.is_none());
}

#[test]
fn a_location_spreadsheet_is_read_from_the_sheet_chosen() {
    use compound_atlas_core::generate::location_formats::{LocationListFormat, write_locations_as};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&Spec {
        reports: 20,
        seed: 3,
        out: data.clone(),
    })
    .unwrap();
    let csv = compound_atlas_core::ingest::read_locations(
        &compound_atlas_core::ingest::Input::File(data.join("locations.csv")),
        Default::default(),
        None,
        &Default::default(),
    )
    .unwrap();
    let xlsx = write_locations_as(&data, LocationListFormat::Xlsx).unwrap();
    let mut harness = harness();
    preview_as(&mut harness, FileKind::Locations, xlsx);
    harness.get_by_label("Format: spreadsheet.");
    let observations = csv.rows.iter().filter(|r| r.observation.is_some()).count();
    let Some(Ok(Sample::Locations(sample))) = harness
        .state()
        .workspace
        .sample
        .as_ref()
        .and_then(|s| s.result.clone())
    else {
        panic!("not a sample of a location list")
    };
    assert_eq!(sample.observations, observations, "as the CSV holds");
    assert_eq!(sample.sheets.len(), 1);
    let sheet = sample.sheets[0].clone();
    // Through accessibility: the combo box's node spans its column, and a pointer click
    // at the centre of that misses the narrower button under a short text.
    harness.get_by_label("sheet to read").click_accesskit();
    harness.run_steps(2);
    harness.get_all_by_label(&sheet).last().unwrap().click();
    settle(&mut harness);
    assert_eq!(
        harness.state().workspace.pending[0].sheet.as_deref(),
        Some(sheet.as_str())
    );
    harness.get_by_label("Import").click();
    settle(&mut harness);
    let workspace = &harness.state().workspace;
    let source = workspace.inputs.locations.last().unwrap();
    assert_eq!(source.sheet.as_deref(), Some(sheet.as_str()));
    let file = (workspace.dataset.files.len() - 1) as u16;
    let read = workspace
        .dataset
        .observations
        .iter()
        .filter(|o| o.file == file)
        .count();
    assert_eq!(
        read, observations,
        "every observation of the sheet imported"
    );
}
