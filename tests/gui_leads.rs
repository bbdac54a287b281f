//! Ranked leads in the workbench: the side panel counts them by kind as the library
//! does, and the report window shows a lead's score and each factor.

use compound_atlas::gui::WorkbenchApp;
use compound_atlas::gui::workspace::{Params, Workspace, embedded_inputs};
use compound_atlas_core::analysis::ranking::{Kind, all_leads};
use compound_atlas_core::values::text::thousands;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

mod common;

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

#[test]
fn the_leads_tab_lists_by_score_filters_by_kind_and_tags_the_top_n() {
    use compound_atlas::gui::CentralTab;
    use compound_atlas::gui::leads_view::{LeadsView, REVIEW_TAG};
    use compound_atlas_core::values::text::count;
    let mut harness = common::sample_harness(0.25);
    harness.run_steps(3);
    // "Leads" names the side panel's section too: the tab is the one that toggles.
    harness
        .query_all_by_label("Leads")
        .find(|n| n.accesskit_node().toggled().is_some())
        .expect("the Leads tab")
        .click();
    harness.run_steps(2);
    assert_eq!(harness.state().central, CentralTab::Leads);
    let leads = harness.state().workspace.leads.clone();
    let dataset = harness.state().workspace.dataset.clone();
    harness.get_by_label(&count(leads.ranked.len() as u64, "lead", "leads"));
    // The highest score first, as the library ranks.
    harness.get_by_label(dataset.reports.id(leads.ranked[0].report));
    harness.get_by_label(&format!("{:.3}", leads.ranked[0].score));

    let ip_only = format!("IP only ({})", thousands(leads.count(Kind::IpOnly) as u64));
    harness.get_by_label(&ip_only).click();
    harness.run_steps(2);
    let without = leads.ranked.len() - leads.count(Kind::IpOnly);
    harness.get_by_label(&count(without as u64, "lead", "leads"));

    harness.state_mut().leads.top_n = 5;
    harness.run_steps(1);
    harness
        .get_by_label(&format!("reports \"{REVIEW_TAG}\""))
        .click();
    harness.run_steps(2);
    let listed: Vec<u32> = (0..leads.ranked.len() as u32)
        .filter(|&i| leads.ranked[i as usize].kind != Kind::IpOnly)
        .collect();
    let top = LeadsView::top_reports(&leads, &listed, 5);
    assert_eq!(top.len(), 5);
    let triage = &harness.state().workspace.triage;
    let tagged: Vec<u32> = (0..dataset.reports.len() as u32)
        .filter(|&r| {
            triage
                .tags_of(dataset.reports.id(r))
                .any(|t| t == REVIEW_TAG)
        })
        .collect();
    let mut want = top.clone();
    want.sort_unstable();
    assert_eq!(tagged, want);
    // The tag shows in the list.
    assert!(harness.query_all_by_label(REVIEW_TAG).next().is_some());
}

#[test]
fn an_account_column_chosen_in_the_import_preview_ties_the_reports_that_share_it() {
    use compound_atlas::gui::workspace::Intent;
    use compound_atlas_core::matching::Strength;
    use compound_atlas_core::model::FileKind;
    use compound_atlas_core::values::address::format_address;
    use compound_atlas_core::values::time::format_time;
    let workspace = Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap();
    // A new report on an IP + time matched event of the sample, and one on an unlisted
    // address two days later; both name the account "night-shift-7" in a column the
    // contract does not know.
    let m = workspace
        .matches
        .matches
        .iter()
        .find(|m| m.strength == Strength::IpTime)
        .unwrap();
    let e = m.event as usize;
    let (addr, time) = (
        workspace.dataset.events.addr[e],
        workspace.dataset.events.time[e],
    );
    let later = time + 2 * 86_400 * 1_000_000_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tips.csv");
    std::fs::write(
        &path,
        format!(
            "report_id,ip,event_time,handle\nACC-1,{},{},night-shift-7\nACC-2,198.51.100.253,{},night-shift-7\n",
            format_address(addr),
            format_time(time),
            format_time(later)
        ),
    )
    .unwrap();
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(
            |ui, app: &mut WorkbenchApp| app.frame(ui),
            WorkbenchApp::new(workspace),
        );
    harness.run_steps(2);
    harness.state_mut().workspace.apply(Intent::Preview {
        kind: FileKind::Reports,
        paths: vec![path],
    });
    harness.run_steps(3);
    // The side panel names its field so too: the preview's is the list to choose from.
    harness
        .query_all_by_label("Account column")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::ComboBox)
        .expect("the preview's account column")
        .click();
    harness.run_steps(2);
    harness.get_by_label("handle").click();
    harness.run_steps(2);
    assert_eq!(harness.state().workspace.params.account_column, "handle");
    harness.get_by_label("Import").click();
    harness.run_steps(2);
    harness.state_mut().workspace.wait_for_job();
    harness.run_steps(3);
    let workspace = &harness.state().workspace;
    let second = workspace.dataset.reports.find("ACC-2").expect("imported");
    let leads: Vec<Kind> = workspace.leads.of_report(second).map(|l| l.kind).collect();
    assert!(leads.contains(&Kind::SharedAccount), "{leads:?}");
    let by_account = workspace
        .leads
        .links
        .ties_of(second)
        .iter()
        .find(|t| matches!(t.via, compound_atlas_core::analysis::links::Via::Account(_)))
        .expect("a tie through the account");
    assert_eq!(workspace.dataset.reports.id(by_account.anchor), "ACC-1");
}
