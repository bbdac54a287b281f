//! Ranked leads in the workbench: the side panel counts them by kind as the library
//! does, and the report window shows a lead's score and each factor.

use compound_atlas::gui::WorkbenchApp;
use compound_atlas::gui::workspace::{Params, Workspace, embedded_inputs};
use compound_atlas_core::analysis::ranking::{Kind, all_leads};
use compound_atlas_core::values::text::thousands;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

#[test]
fn the_report_window_shows_the_score_and_its_factors() {
    let workspace = Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap();
    let params = workspace.params.lead_params().unwrap();
    let expected = all_leads(&workspace.dataset, &workspace.matches, &params);
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(
            |ui, app: &mut WorkbenchApp| app.frame(ui),
            WorkbenchApp::new(workspace),
        );
    harness.run_steps(3);
    let app = harness.state();
    assert_eq!(app.workspace.leads.ranked, expected.ranked);
    assert!(expected.count(Kind::IpOnly) > 0 && expected.count(Kind::SharedAddress) > 0);
    harness.get_by_label("Reports and leads, scored for review");
    harness.get_by_label("Shares an address");
    for kind in [Kind::IpOnly, Kind::SharedAddress] {
        let count = thousands(expected.count(kind) as u64);
        assert!(
            harness.query_all_by_label(&count).next().is_some(),
            "{count}"
        );
    }

    let top = expected
        .ranked
        .iter()
        .find(|l| l.kind == Kind::IpOnly)
        .expect("an IP-only lead");
    harness.state_mut().detail = Some(top.report);
    harness.run_steps(3);
    harness.get_by_label("Lead score");
    let location = &harness.state().workspace.dataset.locations[top.location.unwrap() as usize];
    harness.get_by_label(&format!(
        "IP only at {}: score {:.2}",
        location.name, top.score
    ));
    harness.get_by_label(&format!("Evidence {:.2}", top.factors.evidence));
    harness.get_by_label(&format!("Activity fit {:.2}", top.factors.activity_fit));
    let reason = expected.reason(&harness.state().workspace.dataset, top);
    harness.get_by_label(&reason);
}
