//! The workbench through egui_kittest: widgets found by label, clicked, and the state
//! and figures checked against the library and the command line.
//!
//! One file of about 900 lines: the tests share one harness and its helpers, and each is
//! a short story of its own.

use compound_atlas::gui::WorkbenchApp;
use compound_atlas::gui::workspace::{Intent, Params, Workspace, embedded_inputs};
use compound_atlas_core::analysis::filter::{Filter, apply};
use compound_atlas_core::matching::Strength;
use compound_atlas_core::model::FileKind;
use compound_atlas_core::values::text::thousands;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use std::sync::Arc;

mod common;
use common::click_at;

fn harness(app: WorkbenchApp) -> Harness<'static, WorkbenchApp> {
    Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app)
}

/// Step frames while background work goes on; fail if it takes more than a minute.
fn step_while(harness: &mut Harness<'static, WorkbenchApp>, busy: impl Fn(&WorkbenchApp) -> bool) {
    let started = std::time::Instant::now();
    while busy(harness.state()) {
        assert!(
            started.elapsed().as_secs() < 60,
            "the background work never finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
        harness.run_steps(1);
    }
}

fn sample_app() -> WorkbenchApp {
    WorkbenchApp::new(Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap())
}

#[test]
fn opens_with_the_sample_data_and_the_command_lines_figures() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .args([
            "match",
            "--tolerance",
            "2h",
            "--out",
            out.path().to_str().unwrap(),
        ])
        .args(["--reports", &format!("{root}/sample_data/reports.csv")])
        .args(["--locations", &format!("{root}/sample_data/locations.csv")])
        .args(["--locations", &format!("{root}/assets/compounds.csv")])
        .status()
        .unwrap();
    assert!(status.success());
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("summary.json")).unwrap()).unwrap();

    let mut harness = harness(sample_app());
    harness.run_steps(3);
    let headline = harness.state().workspace.view.summary.headline;
    for (key, value) in [
        ("reports", headline.reports),
        ("events", headline.events),
        ("reports_ip_time", headline.reports_ip_time),
        ("reports_any_match", headline.reports_any_match),
        ("locations_ip_time", headline.locations_ip_time),
    ] {
        assert_eq!(summary["headline"][key], value, "{key}");
    }
    // The figures are on screen, under their captions.
    harness.get_by_label("Reports linked by IP + time");
    harness.get_by_label(&thousands(headline.reports_ip_time));
    harness.get_by_label(&thousands(headline.reports_any_match));
    harness.get_by_label(&compound_atlas_core::values::text::count(
        headline.events,
        "event",
        "events",
    ));
    harness.get_by_label("No filter: all data.");
}

#[test]
fn a_filter_set_in_the_ui_changes_the_figures_as_the_library_computes() {
    let mut harness = harness(sample_app());
    harness.run_steps(2);
    // The filters sit below the data sources: room is made as a user would.
    harness.get_by_label("Case").click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(egui::accesskit::Role::RadioButton, "IP only")
        .click();
    harness.run_steps(2);
    let workspace = &harness.state().workspace;
    assert_eq!(workspace.filter.strength, Some(Strength::IpOnly));
    let expected = apply(
        &workspace.dataset,
        &workspace.matches,
        &Filter {
            strength: Some(Strength::IpOnly),
            ..Filter::default()
        },
    )
    .summary
    .headline;
    assert_eq!(workspace.view.summary.headline, expected);
    assert_eq!(
        expected.reports_ip_time, 0,
        "no IP+time reports when only IP-only matches count"
    );
    assert!(expected.reports_any_match > 0);
    harness.get_by_label("IP-only matches only.");

    harness.get_by_label("Reset filters").click();
    harness.run_steps(2);
    assert!(harness.state().workspace.filter.is_empty());
}

#[test]
fn an_imported_file_with_bad_rows_shows_them_in_its_error_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tips.csv");
    std::fs::write(
        &path,
        "report_id,ip,event_time\nT1,198.51.100.7,2023-05-01T10:00:00Z\nT2,198.51.100.07,2023-05-01T10:00:00Z\nT3,198.51.100.9,03/04/2023 10:00\n",
    )
    .unwrap();
    let mut app = sample_app();
    app.workspace.apply(Intent::Import {
        kind: FileKind::Reports,
        paths: vec![path],
    });
    app.workspace.wait_for_job();
    let mut harness = harness(app);
    harness.run_steps(2);
    harness.get_by_label("reports: 1 accepted, 2 rejected, 0 with warnings");
    harness.get_by_label("Errors (2)").click();
    harness.run_steps(3);
    harness.get_by_label("2 rejected rows and 0 warnings.");
    harness.get_by_label("198.51.100.07");
    harness.get_by_label("03/04/2023 10:00");
    assert_eq!(harness.state().workspace.dataset.files.len(), 4);
}

#[test]
fn a_cancelled_import_leaves_everything_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_compound-atlas"))
        .args([
            "generate",
            "--reports",
            "60000",
            "--out",
            big.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let app = sample_app();
    let (dataset_before, inputs_before) = (
        Arc::clone(&app.workspace.dataset),
        app.workspace.inputs.clone(),
    );
    let headline_before = app.workspace.view.summary.headline;
    let mut harness = harness(app);
    harness.state_mut().workspace.apply(Intent::Import {
        kind: FileKind::Reports,
        paths: vec![big.join("reports.csv")],
    });
    harness.run_steps(1);
    harness.get_by_label("Cancel").click();
    harness.run_steps(1);
    harness.state_mut().workspace.wait_for_job();
    harness.run_steps(1);
    let workspace = &harness.state().workspace;
    assert!(Arc::ptr_eq(&workspace.dataset, &dataset_before));
    assert_eq!(workspace.inputs, inputs_before);
    assert_eq!(workspace.view.summary.headline, headline_before);
    harness.get_by_label("Cancelled; nothing was changed.");
}

#[test]
fn selecting_a_location_row_narrows_the_figures_and_escape_clears_it() {
    let mut harness = harness(sample_app());
    harness.run_steps(2);
    harness.get_by_label("Locations").click();
    harness.run_steps(2);
    let name = {
        let workspace = &harness.state().workspace;
        let best = (0..workspace.dataset.locations.len())
            .max_by_key(|&i| {
                (
                    workspace.view.summary.locations[i].reports_ip_time,
                    std::cmp::Reverse(i),
                )
            })
            .unwrap();
        workspace.dataset.locations[best].name.clone()
    };
    harness.get_by_label(&name).click();
    harness.run_steps(2);
    let workspace = &harness.state().workspace;
    assert_eq!(workspace.selection.len(), 1);
    assert_eq!(workspace.view.summary.headline.locations_ip_time, 1);
    // The other rows stay in the table, so Ctrl+click adds a second location.
    let second = {
        let state = harness.state();
        let row = state.locations_table.order()[1] as usize;
        state.workspace.dataset.locations[row].name.clone()
    };
    harness
        .get_by_label(&second)
        .click_modifiers(egui::Modifiers::COMMAND);
    harness.run_steps(2);
    assert_eq!(harness.state().workspace.selection.len(), 2);
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.state().workspace.selection.is_empty());
}

#[test]
fn the_import_preview_lets_the_user_map_a_column_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    std::fs::write(
        &path,
        "Tip ID;Address;Date Time\nX1;203.0.113.5;2023-05-01 10:00:00\nX2;203.0.113.6;04/05/2023 11:00:00\n",
    )
    .unwrap();
    let mut harness = harness(sample_app());
    harness.state_mut().workspace.apply(Intent::Preview {
        kind: FileKind::Reports,
        paths: vec![path],
    });
    harness.run_steps(3);
    harness.get_by_label("Delimiter: semicolon.");
    harness.get_by_label("Choose a column for: ip.");
    harness.get_by_label(
        "This file has slash dates: choose the day/month order, or those rows are rejected.",
    );
    assert!(
        harness
            .get_by_label("Import")
            .accesskit_node()
            .is_disabled()
    );

    harness.get_by_label("column for ip").click();
    harness.run_steps(2);
    harness.get_by_label("Address").click();
    harness.run_steps(3);
    assert!(harness.query_by_label("Choose a column for: ip.").is_none());
    harness.get_by_label("203.0.113.5");
    harness.get_by_label("Import").click();
    harness.run_steps(2);
    harness.state_mut().workspace.wait_for_job();
    harness.run_steps(2);
    let workspace = &harness.state().workspace;
    assert!(workspace.pending.is_empty());
    let file = workspace.dataset.files.last().unwrap();
    assert!(file.path.ends_with("export.csv"));
    assert_eq!(
        (file.rows_accepted, file.rows_rejected),
        (1, 1),
        "the slash date is rejected: no order was chosen"
    );
    // The mapping is kept with the file, so reading it again gives the same result.
    assert!(workspace.inputs.reports.last().unwrap().columns.is_some());
}

/// Press at `from`, move in steps to `to`, and release: a drag as a mouse makes it.
fn drag(harness: &mut Harness<'static, WorkbenchApp>, from: egui::Pos2, to: egui::Pos2) {
    let button = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    harness.event(egui::Event::PointerMoved(from));
    harness.run_steps(1);
    harness.event(button(from, true));
    harness.run_steps(1);
    for step in 1..=8 {
        harness.event(egui::Event::PointerMoved(
            from + (to - from) * (step as f32 / 8.0),
        ));
        harness.run_steps(1);
    }
    harness.event(button(to, false));
    harness.run_steps(2);
}

#[test]
fn brushing_the_timeline_sets_the_date_filter_and_clearing_removes_it() {
    let mut harness = harness(sample_app());
    harness.run_steps(3);
    let rect = harness
        .state()
        .timeline
        .plot_rect
        .expect("the timeline is drawn");
    let (from, to) = (
        rect.lerp_inside(egui::vec2(0.3, 0.5)),
        rect.lerp_inside(egui::vec2(0.6, 0.5)),
    );
    let before = harness.state().workspace.view.summary.headline;
    drag(&mut harness, from, to);
    let workspace = &harness.state().workspace;
    let (start, end) = (
        workspace.filter.from.expect("a start date"),
        workspace.filter.to.expect("an end date"),
    );
    assert!(start < end, "{start} .. {end}");
    // Every view follows: the figures are the library's for that date range.
    let expected = apply(
        &workspace.dataset,
        &workspace.matches,
        &Filter {
            from: Some(start),
            to: Some(end),
            ..Filter::default()
        },
    )
    .summary
    .headline;
    assert_eq!(workspace.view.summary.headline, expected);
    assert!(expected.reports_any_match < before.reports_any_match);
    harness.get_by_label(&format!("Events from {start} to {end}."));

    harness.get_by_label("Clear date range").click();
    harness.run_steps(2);
    let workspace = &harness.state().workspace;
    assert_eq!((workspace.filter.from, workspace.filter.to), (None, None));
    assert_eq!(workspace.view.summary.headline, before);
}

#[test]
fn table_search_narrows_rows_and_a_selected_location_narrows_the_other_tables() {
    use compound_atlas::gui::CentralTab;
    let mut harness = harness(sample_app());
    harness.run_steps(2);
    harness.get_by_label("Reports").click();
    harness.run_steps(3);
    assert_eq!(harness.state().central, CentralTab::Reports);
    let all = harness.state().reports_table.order().len();
    assert_eq!(
        all as u64,
        harness
            .state()
            .workspace
            .view
            .summary
            .headline
            .reports_any_match
    );
    let first_id = {
        let state = harness.state();
        state
            .workspace
            .dataset
            .reports
            .id(state.reports_table.order()[0])
            .to_string()
    };
    let search = || egui::accesskit::Role::TextInput;
    harness
        .get_by_role_and_label(search(), "Search this table")
        .click();
    harness.run_steps(1);
    harness
        .get_by_role_and_label(search(), "Search this table")
        .type_text(&first_id);
    harness.run_steps(3);
    assert_eq!(
        harness.state().reports_table.order().len(),
        1,
        "searching {first_id}"
    );
    // Sorting by a header keeps the same rows.
    harness.get_by_label("Events").click();
    harness.run_steps(2);
    assert_eq!(harness.state().reports_table.sort, Some((4, false)));

    // Select a location in the Locations table: the Matches table follows.
    // The tab, which comes before the Reports table's "Locations" column header.
    harness
        .get_all_by_label("Locations")
        .next()
        .unwrap()
        .click();
    harness.run_steps(2);
    assert_eq!(harness.state().central, CentralTab::Locations);
    // The first row as shown (most IP + time reports first).
    let name = {
        let state = harness.state();
        let first = state.locations_table.order()[0] as usize;
        state.workspace.dataset.locations[first].name.clone()
    };
    harness.get_all_by_label(&name).next().unwrap().click();
    harness.run_steps(2);
    harness.get_by_label("Matches").click();
    harness.run_steps(3);
    let state = harness.state();
    let ws = &state.workspace;
    assert!(!state.matches_table.order().is_empty());
    for &row in state.matches_table.order() {
        let m = &ws.view.matches[row as usize];
        let location = &ws.dataset.locations
            [ws.dataset.observations[m.observation as usize].location as usize];
        assert_eq!(location.name, name);
    }
}

#[test]
fn tag_many_rows_at_once_then_filter_by_the_tag() {
    let mut harness = harness(sample_app());
    harness.run_steps(2);
    harness.get_by_label("Reports").click();
    harness.run_steps(3);
    let (first, third) = {
        let state = harness.state();
        let ids = |p: usize| {
            state
                .workspace
                .dataset
                .reports
                .id(state.reports_table.order()[p])
                .to_string()
        };
        (ids(0), ids(2))
    };
    harness.get_all_by_label(&first).next().unwrap().click();
    harness.run_steps(2);
    harness
        .get_all_by_label(&third)
        .next()
        .unwrap()
        .click_modifiers(egui::Modifiers::SHIFT);
    harness.run_steps(2);
    assert_eq!(harness.state().reports_table.selection.ids.len(), 3);

    harness.get_by_label("Tag selected reports").click();
    harness.run_steps(2);
    harness.get_by_label("+ escalate").click();
    harness.run_steps(3);
    let tagged: Vec<String> = {
        let ws = &harness.state().workspace;
        let wanted = ["escalate".to_string()].into();
        ws.triage
            .reports_tagged(&wanted)
            .map(String::from)
            .collect()
    };
    assert_eq!(tagged.len(), 3);
    assert!(tagged.contains(&first) && tagged.contains(&third));

    // The tag filter is at the bottom of the side panel, below the network filters: room
    // is made, as a user would, by folding sections and making the window taller
    // (`scroll_to_me` scrolls only the small list the box is in, not the panel around it).
    harness.set_size(egui::vec2(1400.0, 1200.0));
    harness.get_by_label("Case").click();
    harness.get_by_label("Data sources").click();
    harness.get_by_label("Matching").click();
    harness.run_steps(2);
    harness.get_by_label("Tags (0)").click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(egui::accesskit::Role::CheckBox, "escalate")
        .scroll_to_me();
    // Scrolling animates: let it end before clicking where the box now is.
    harness.run_steps(12);
    harness
        .get_by_role_and_label(egui::accesskit::Role::CheckBox, "escalate")
        .click();
    harness.run_steps(3);
    let ws = &harness.state().workspace;
    assert_eq!(ws.view.summary.headline.reports_any_match, 3);
    assert_eq!(ws.view.summary.headline.reports, 3);
    harness.get_by_label("Tagged escalate.");
}

#[test]
fn large_tables_sort_in_the_background_and_keep_showing_their_rows_meanwhile() {
    use compound_atlas::gui::CentralTab;
    let mut app = sample_app();
    app.matches_table.always_in_background = true;
    let mut harness = harness(app);
    harness.get_by_label("Matches").click();
    harness.run_steps(2);
    let wait_for_rows = |harness: &mut Harness<'static, WorkbenchApp>| {
        // One frame takes the click, the next starts the build.
        harness.run_steps(2);
        step_while(harness, |app| app.matches_table.is_building());
    };
    wait_for_rows(&mut harness);
    assert_eq!(harness.state().central, CentralTab::Matches);
    let all = harness.state().workspace.view.matches.len();
    assert_eq!(harness.state().matches_table.order().len(), all);

    // Sort by time, descending: two header clicks.
    harness.get_by_label("event_time").click();
    wait_for_rows(&mut harness);
    harness.get_by_label("event_time (asc)").click();
    harness.run_steps(2);
    assert!(harness.state().matches_table.is_building());
    // While the new order is built the old rows stay, every one of them.
    assert_eq!(harness.state().matches_table.order().len(), all);
    wait_for_rows(&mut harness);
    let state = harness.state();
    assert_eq!(state.matches_table.sort, Some((4, true)));
    let times: Vec<i64> = state
        .matches_table
        .order()
        .iter()
        .map(|&m| {
            let event = state.workspace.view.matches[m as usize].event as usize;
            state.workspace.dataset.events.time[event]
        })
        .collect();
    assert_eq!(times.len(), all);
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "not newest first");
}

#[test]
fn clicking_a_map_marker_selects_its_location_and_an_empty_click_clears_it() {
    use compound_atlas::gui::CentralTab;
    let mut harness = harness(sample_app());
    harness.run_steps(2);
    assert_eq!(harness.state().central, CentralTab::Map);
    // Zoom in on the Thai-Myanmar border so that single markers stand apart.
    let location = |name: &str| {
        let workspace = &harness.state().workspace;
        let index = workspace
            .dataset
            .locations
            .iter()
            .position(|l| l.name == name)
            .unwrap();
        (index as u32, workspace.dataset.locations[index].id.clone())
    };
    let (kk_park, kk_park_id) = location("KK Park");
    let (shwe_kokko, shwe_kokko_id) = location("Shwe Kokko");
    // Centre on a location at zoom 13 and find its marker on screen.
    let marker_of =
        |harness: &mut Harness<'static, WorkbenchApp>, location: u32, lon: f64, lat: f64| {
            let memory = &mut harness.state_mut().map.memory;
            memory.center_at(walkers::lon_lat(lon, lat));
            memory.set_zoom(13.0).unwrap();
            harness.run_steps(2);
            harness
                .state()
                .map
                .marker_on_screen(location)
                .expect("the marker is drawn")
        };
    let (at, members) = marker_of(&mut harness, kk_park, 98.5420, 16.6180);
    assert_eq!(members, 1, "KK Park should stand alone at zoom 13");
    click_at(&mut harness, at, egui::Modifiers::NONE);
    let workspace = &harness.state().workspace;
    assert_eq!(workspace.selection, [kk_park_id.clone()].into());
    // The rest of the app follows: only KK Park's matches remain.
    let expected = apply(
        &workspace.dataset,
        &workspace.matches,
        &Filter {
            locations: [kk_park_id.clone()].into(),
            ..Filter::default()
        },
    );
    assert_eq!(workspace.view.summary.headline, expected.summary.headline);
    // Ctrl-click adds a second location.
    let (at, _) = marker_of(&mut harness, shwe_kokko, 98.5309, 16.8205);
    click_at(&mut harness, at, egui::Modifiers::COMMAND);
    assert_eq!(
        harness.state().workspace.selection,
        [kk_park_id, shwe_kokko_id].into()
    );
    // A click on empty map clears the selection: find a spot far from every marker.
    let empty = {
        let state = harness.state();
        let markers: Vec<egui::Pos2> = (0..state.workspace.dataset.locations.len() as u32)
            .filter_map(|l| state.map.marker_on_screen(l).map(|(p, _)| p))
            .collect();
        (0..20)
            .flat_map(|i| {
                (0..10).map(move |j| egui::pos2(500.0 + 40.0 * i as f32, 300.0 + 25.0 * j as f32))
            })
            .find(|p| markers.iter().all(|m| m.distance(*p) > 60.0))
            .unwrap()
    };
    click_at(&mut harness, empty, egui::Modifiers::NONE);
    assert!(harness.state().workspace.selection.is_empty());
}

/// A reference key for each Matches column, read straight from the data, to check the
/// table's fast keys (ranks, address halves) against.
#[derive(Debug, PartialEq, PartialOrd)]
enum Reference {
    Number(f64),
    Address(u128, u128),
    Text(String),
}

fn reference_key(
    ws: &compound_atlas::gui::workspace::Workspace,
    row: u32,
    column: usize,
) -> Option<Reference> {
    let dataset = &ws.dataset;
    let m = &ws.view.matches[row as usize];
    let e = m.event as usize;
    let observation = &dataset.observations[m.observation as usize];
    let location = &dataset.locations[observation.location as usize];
    let text = |s: &str| (!s.is_empty()).then(|| Reference::Text(s.to_string()));
    match column {
        0 => text(dataset.reports.id(dataset.events.report[e])),
        1 => Some(Reference::Number(f64::from(dataset.event_index(m.event)))),
        2 => Some(Reference::Address(dataset.events.addr[e], 0)),
        3 => dataset
            .events
            .port_of(e)
            .map(|p| Reference::Number(f64::from(p))),
        4 => Some(Reference::Number(dataset.events.time[e] as f64)),
        5 => text(dataset.strings.get(dataset.events.name[e])),
        6 => text(&location.id),
        7 => text(&location.name),
        8 => text(&location.country),
        9 => Some(Reference::Address(
            observation.addresses.first,
            observation.addresses.last,
        )),
        10 => observation.first_seen.map(|t| Reference::Number(t as f64)),
        11 => observation.last_seen.map(|t| Reference::Number(t as f64)),
        12 => text(m.strength.as_str()),
        13 => m
            .seconds_outside_window
            .map(|s| Reference::Number(s as f64)),
        14 => text(m.port_check.as_str()),
        15 => text(if observation.shared { "true" } else { "false" }),
        16 => dataset
            .network(m.event)
            .asn
            .map(|a| Reference::Number(f64::from(a))),
        17 => text(&dataset.network(m.event).as_org),
        18 => text(&dataset.network(m.event).country),
        _ => text(&dataset.ip_data.network_note(dataset.network(m.event))),
    }
}

fn compare_reference(a: &Reference, b: &Reference) -> std::cmp::Ordering {
    match (a, b) {
        (Reference::Text(x), Reference::Text(y)) => {
            compound_atlas_core::values::text::compare_text(x, y)
        }
        _ => a.partial_cmp(b).unwrap(),
    }
}

#[test]
fn every_matches_column_sorts_like_its_values_stably_with_empty_cells_last() {
    use std::cmp::Ordering;
    let mut app = sample_app();
    app.central = compound_atlas::gui::CentralTab::Matches;
    let mut harness = harness(app);
    for column in 0..compound_atlas_core::output::MATCHES_HEADER.len() {
        for descending in [false, true] {
            harness.state_mut().matches_table.sort = Some((column, descending));
            harness.run_steps(2);
            step_while(&mut harness, |app| app.matches_table.is_building());
            let state = harness.state();
            let ws = &state.workspace;
            let order = state.matches_table.order();
            assert_eq!(order.len(), ws.view.matches.len());
            let name = compound_atlas_core::output::MATCHES_HEADER[column];
            for pair in order.windows(2) {
                let (a, b) = (
                    reference_key(ws, pair[0], column),
                    reference_key(ws, pair[1], column),
                );
                let ordering = match (&a, &b) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => panic!("{name}: an empty cell before a value"),
                    (Some(_), None) => Ordering::Less,
                    (Some(x), Some(y)) if descending => compare_reference(y, x),
                    (Some(x), Some(y)) => compare_reference(x, y),
                };
                assert_ne!(
                    ordering,
                    Ordering::Greater,
                    "{name} out of order: {a:?} then {b:?}"
                );
                if ordering == Ordering::Equal && a == b {
                    // Ties keep the order they were in: the filtered matches' order.
                    assert!(pair[0] < pair[1], "{name}: a tie changed order");
                }
            }
        }
    }
}

#[test]
fn report_text_columns_sort_like_their_text() {
    let mut app = sample_app();
    app.central = compound_atlas::gui::CentralTab::Reports;
    let mut harness = harness(app);
    for column in 0..3 {
        for descending in [false, true] {
            harness.state_mut().reports_table.sort = Some((column, descending));
            harness.run_steps(2);
            let state = harness.state();
            let dataset = &state.workspace.dataset;
            let text = |report: u32| -> &str {
                let r = report as usize;
                match column {
                    0 => dataset.reports.id(report),
                    1 => dataset.strings.get(dataset.reports.incident_type[r]),
                    _ => dataset.strings.get(dataset.reports.platform[r]),
                }
            };
            let order = state.reports_table.order();
            assert!(order.len() > 10);
            for pair in order.windows(2) {
                let (a, b) = (text(pair[0]), text(pair[1]));
                let ordering = match (a.is_empty(), b.is_empty()) {
                    (true, false) => panic!("an empty cell before {b:?}"),
                    (_, true) => std::cmp::Ordering::Less,
                    _ if descending => compound_atlas_core::values::text::compare_text(b, a),
                    _ => compound_atlas_core::values::text::compare_text(a, b),
                };
                assert_ne!(
                    ordering,
                    std::cmp::Ordering::Greater,
                    "column {column}: {a:?} then {b:?}"
                );
                if a == b {
                    assert!(pair[0] < pair[1], "column {column}: a tie changed order");
                }
            }
        }
    }
}

/// Every label and value on screen, from the accessibility tree.
fn texts_on_screen(harness: &Harness<'static, WorkbenchApp>) -> Vec<String> {
    harness
        .root()
        .children_recursive()
        .flat_map(|node| {
            let node = node.accesskit_node();
            [node.label(), node.value()]
        })
        .flatten()
        .collect()
}

#[test]
fn presentation_mode_shows_no_report_id_or_address_of_the_data() {
    let mut harness = harness(sample_app());
    harness.run_steps(2);
    // A search by address and a selected report in the tables: both would show ids.
    let (ids, addresses, address) = {
        let dataset = &harness.state().workspace.dataset;
        let ids: Vec<String> = (0..dataset.reports.len() as u32)
            .map(|r| dataset.reports.id(r).to_string())
            .collect();
        let addresses: std::collections::BTreeSet<String> = dataset
            .events
            .addr
            .iter()
            .chain(dataset.observations.iter().map(|o| &o.addresses.first))
            .flat_map(|&a| compound_atlas_core::analysis::mask::unmasked_forms(a))
            .collect();
        let matched = harness.state().workspace.matches.matches[0].event as usize;
        let address =
            compound_atlas_core::values::address::format_address(dataset.events.addr[matched]);
        (ids, addresses, address)
    };
    let search = Filter {
        search: address.clone(),
        ..Default::default()
    };
    harness
        .state_mut()
        .workspace
        .apply(Intent::SetFilter(search));
    harness.state_mut().detail = Some(0);
    harness.run_steps(3);
    // Without presentation mode the address is on screen: the scan below can see it.
    assert!(
        texts_on_screen(&harness)
            .iter()
            .any(|t| t.contains(&address)),
        "the searched address should show before presenting"
    );

    harness.key_press(egui::Key::F5);
    harness.run_steps(3);
    assert!(harness.state().presenting);
    harness.get_by_label("identifiers masked");
    let shown = texts_on_screen(&harness);
    assert!(
        shown
            .iter()
            .any(|t| t.contains("Reports linked by IP + time"))
    );
    for text in &shown {
        for id in &ids {
            assert!(
                !text.contains(id.as_str()),
                "report id {id} on screen: {text:?}"
            );
        }
        // Whole addresses only: "198.18.2.1" is not a leak inside "198.18.2.x".
        for word in text.split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '"' | '/' | '-')
        }) {
            let word = word.trim_end_matches('.');
            assert!(
                !addresses.contains(word),
                "address {word} on screen: {text:?}"
            );
        }
    }
    harness.key_press(egui::Key::F5);
    harness.run_steps(2);
    assert!(!harness.state().presenting);
}

#[test]
fn the_export_dialog_opens_from_the_file_menu_and_the_export_runs_as_a_job() {
    let mut harness = harness(sample_app());
    harness.run_steps(2);
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label("Export evidence set…").click();
    harness.run_steps(2);
    assert!(harness.state().export_dialog);
    harness.get_by_label("Export to a new folder…");
    harness.get_by_label("Export as one .zip…");

    // The destination comes from a system dialog; the job behind it is what is tested.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("set.zip");
    let search = Filter {
        search: "198.18.".into(),
        ..Default::default()
    };
    harness
        .state_mut()
        .workspace
        .apply(Intent::SetFilter(search));
    let choices = compound_atlas::gui::workspace::ExportChoices {
        mask: true,
        analyst: "A. Analyst".into(),
        case_reference: String::new(),
        leads: false,
        ..Default::default()
    };
    harness
        .state_mut()
        .workspace
        .start_export(out.clone(), choices);
    step_while(&mut harness, |app| app.workspace.is_busy());
    let notice = harness.state().workspace.notice.clone().expect("a notice");
    assert!(!notice.is_error, "{}", notice.text);
    assert!(
        notice.text.starts_with("Exported the evidence set"),
        "{}",
        notice.text
    );
    let verified = compound_atlas_core::export::verify::verify(&out).unwrap();
    assert!(verified.is_intact());
    // The notice gives the manifest's digest, to pass on apart from the set.
    assert!(
        notice.text.contains(verified.manifest_sha256()),
        "{}",
        notice.text
    );
    // The export goes into the audit log (kept with the case once saved as one).
    let last = harness.state().workspace.audit.last().unwrap().clone();
    assert_eq!(last.action, "export");
    assert!(last.detail.contains("set.zip") && last.detail.ends_with(", masked)"));
    let file = std::fs::File::open(&out).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_reader(archive.by_name("manifest.json").unwrap()).unwrap();
    assert_eq!(manifest["masked"], true);
    assert_eq!(manifest["analyst"], "A. Analyst");
    assert_eq!(manifest["filter"]["conditions"]["search"], "198.18.");
    let view = &harness.state().workspace.view.summary.headline;
    assert_eq!(
        manifest["counts"]["reports_any_match"],
        view.reports_any_match
    );
}

#[test]
fn the_audit_log_window_shows_control_characters_as_escapes() {
    let mut app = sample_app();
    app.workspace
        .audit
        .push(compound_atlas_core::case::AuditEntry {
            at: "2026-01-01T00:00:00Z".into(),
            analyst: "Eve\n2026-01-02 export forged".into(),
            action: "import".into(),
            detail: "a.csv\r\u{1b}[2KOK".into(),
        });
    app.show_audit = true;
    let mut harness = harness(app);
    harness.run_steps(2);
    harness.get_by_label("Eve\\n2026-01-02 export forged");
    harness.get_by_label("a.csv\\r\\x1b[2KOK (not yet saved)");
    assert!(
        harness
            .query_by_label("Eve\n2026-01-02 export forged")
            .is_none()
    );
}
