//! The friction a caseworker met in the first hour, driven as they would: the tables'
//! columns, the date fields against the filter, the lower panel's height, leaving
//! presentation mode, the locations table following the map, the shortcut list.

use compound_atlas::gui::workspace::{Intent, Params, Workspace, embedded_inputs};
use compound_atlas::gui::{CentralTab, WorkbenchApp};
use compound_atlas_core::analysis::filter::Filter;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness() -> Harness<'static, WorkbenchApp> {
    let workspace = Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap();
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(
            |ui, app: &mut WorkbenchApp| app.frame(ui),
            WorkbenchApp::new(workspace),
        );
    harness.run_steps(3);
    harness
}

/// Run frames until the tables' rows are built (small tables build at once).
fn settle(harness: &mut Harness<'static, WorkbenchApp>) {
    for _ in 0..4 {
        harness.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn left_of(harness: &Harness<'static, WorkbenchApp>, header: &str) -> f32 {
    harness.get_by_label(header).rect().left()
}

#[test]
fn matches_show_strength_near_the_left_and_columns_hide_and_come_back() {
    let mut harness = harness();
    harness.get_by_label("Matches").click();
    settle(&mut harness);
    // strength comes right after the report, before the contract's bookkeeping columns.
    assert!(left_of(&harness, "report_id") < left_of(&harness, "strength"));
    assert!(left_of(&harness, "strength") < left_of(&harness, "event_time"));
    assert!(
        left_of(&harness, "strength") < 700.0,
        "strength is on screen at 1400 px"
    );

    harness.get_by_label("Columns").click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::CheckBox, "port")
        .click();
    harness.run_steps(2);
    harness.key_press(egui::Key::Escape);
    settle(&mut harness);
    assert!(
        harness.query_by_label("port").is_none(),
        "the hidden column is gone"
    );
    let hidden = &harness.state().matches_table.hidden;
    assert!(hidden.contains("port"));

    harness.get_by_label("Columns").click();
    harness.run_steps(2);
    harness.get_by_label("Show all").click();
    harness.run_steps(2);
    harness.key_press(egui::Key::Escape);
    settle(&mut harness);
    harness.get_by_label("port");
}

#[test]
fn the_reports_table_fits_its_last_columns_at_the_default_size() {
    let mut harness = harness();
    harness.get_by_label("Reports").click();
    settle(&mut harness);
    for header in ["Last event", "Tags"] {
        let right = harness.get_by_label(header).rect().right();
        assert!(right <= 1400.0, "{header} ends at {right}, past the window");
    }
}

/// Set the filter as a view would, and draw.
fn set_filter(harness: &mut Harness<'static, WorkbenchApp>, filter: Filter) {
    harness
        .state_mut()
        .workspace
        .apply(Intent::SetFilter(filter));
    harness.run_steps(2);
}

#[test]
fn the_date_fields_show_the_filter_in_force_however_it_was_set() {
    let mut harness = harness();
    let from_field = |h: &Harness<'static, WorkbenchApp>| {
        h.get_by_role_and_label(Role::TextInput, "From").value()
    };
    // As a drag on the timeline sets it, then as a double click there clears it.
    let dates = |from: &str, to: &str| Filter {
        from: Some(from.parse().unwrap()),
        to: Some(to.parse().unwrap()),
        ..Default::default()
    };
    set_filter(&mut harness, dates("2023-01-01", "2023-03-31"));
    assert_eq!(from_field(&harness).as_deref(), Some("2023-01-01"));
    set_filter(&mut harness, dates("2023-05-02", "2023-06-30"));
    assert_eq!(from_field(&harness).as_deref(), Some("2023-05-02"));
    let to = harness.get_by_role_and_label(Role::TextInput, "To").value();
    assert_eq!(to.as_deref(), Some("2023-06-30"));
    set_filter(&mut harness, Filter::default());
    assert_eq!(from_field(&harness).as_deref(), Some(""));
}

#[test]
fn every_lower_tab_keeps_the_panels_height() {
    let mut harness = harness();
    let top = |h: &Harness<'static, WorkbenchApp>| h.get_by_label("Timeline").rect().top();
    let before = top(&harness);
    harness.get_by_label("Activity pattern").click();
    harness.run_steps(3);
    assert_eq!(
        top(&harness),
        before,
        "the activity pattern keeps the height"
    );
    harness.get_by_label("Location comparison").click();
    harness.run_steps(3);
    assert_eq!(top(&harness), before);
    harness.get_by_label("Timeline").click();
    harness.run_steps(3);
    assert_eq!(top(&harness), before);
}

#[test]
fn leaving_presentation_mode_returns_to_the_tab_and_report() {
    let mut harness = harness();
    harness.get_by_label("Reports").click();
    settle(&mut harness);
    harness.state_mut().detail = Some(7);
    harness.run_steps(2);
    harness.key_press(egui::Key::F5);
    harness.run_steps(2);
    assert!(harness.state().presenting);
    assert_eq!(
        harness.state().detail,
        None,
        "no report window while presenting"
    );
    harness.key_press(egui::Key::F5);
    harness.run_steps(2);
    assert!(!harness.state().presenting);
    assert_eq!(harness.state().central, CentralTab::Reports);
    assert_eq!(harness.state().detail, Some(7));
}

#[test]
fn the_locations_table_scrolls_to_a_location_selected_on_the_map() {
    let mut harness = harness();
    harness.get_by_label("Locations").click();
    settle(&mut harness);
    // The table's last row, far below the fold.
    let last = *harness.state().locations_table.order().last().unwrap();
    let location = harness.state().workspace.dataset.locations[last as usize].clone();
    assert!(
        harness.query_by_label(&location.name).is_none(),
        "not drawn yet"
    );
    harness
        .state_mut()
        .workspace
        .apply(Intent::SelectLocations([location.id.clone()].into()));
    settle(&mut harness);
    harness.get_by_label(&location.name);
}

#[test]
fn the_shortcut_list_names_every_shortcut() {
    let mut harness = harness();
    harness.key_press(egui::Key::F1);
    harness.run_steps(2);
    for keys in [
        "Ctrl+O",
        "Ctrl+Shift+O",
        "Ctrl+S",
        "Ctrl+F",
        "F5",
        "Esc",
        "F1",
    ] {
        harness.get_by_label(keys);
    }
}
