//! Enrichment and leads in the workbench, driven as a caseworker would: the sample's
//! networks in the report window and the tables, the Leads section and its region, the
//! Reports table listing the reports with leads, and the filter by registered country.

use compound_atlas::gui::workspace::{Params, Workspace, embedded_inputs};
use compound_atlas::gui::{CentralTab, WorkbenchApp};
use compound_atlas_core::analysis::leads::LeadKind;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness() -> Harness<'static, WorkbenchApp> {
    let workspace = Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap();
    let mut harness = Harness::builder()
        .with_size([1400.0, 1200.0])
        .build_ui_state(
            |ui, app: &mut WorkbenchApp| app.frame(ui),
            WorkbenchApp::new(workspace),
        );
    harness.run_steps(3);
    // Room for the Leads section at the bottom of the side panel.
    for section in ["Case", "Data sources", "Matching"] {
        harness.get_by_label(section).click();
        harness.run_steps(2);
    }
    harness
}

fn settle(harness: &mut Harness<'static, WorkbenchApp>) {
    for _ in 0..4 {
        harness.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn count_of(harness: &Harness<'static, WorkbenchApp>, kind: LeadKind) -> usize {
    harness.state().workspace.leads.network.count(kind)
}

#[test]
fn the_leads_section_counts_each_kind_and_follows_the_region() {
    let mut harness = harness();
    let same = count_of(&harness, LeadKind::SameNetwork);
    let region = count_of(&harness, LeadKind::Region);
    assert!(same > 0 && region > 0);
    let shown = |n: usize| compound_atlas_core::values::text::thousands(n as u64);
    harness.get_by_label(&shown(same));
    harness.get_by_label(&shown(region));

    // The synthetic Thai networks hold most background traffic: another region, other leads.
    harness
        .get_by_label("Region countries")
        .set_text_value_accesskit("TH");
    settle(&mut harness);
    assert_eq!(harness.state().workspace.params.region, "TH");
    assert_eq!(
        harness.state().workspace.applied.region,
        "TH",
        "in force without Apply"
    );
    let thai = count_of(&harness, LeadKind::Region);
    assert!(
        thai > region,
        "{thai} region leads in TH, {region} in MM, KH, LA"
    );
    assert_eq!(
        count_of(&harness, LeadKind::SameNetwork),
        same,
        "same-network leads do not depend on it"
    );

    harness
        .get_by_label("Region countries")
        .set_text_value_accesskit("TH, Burma");
    settle(&mut harness);
    harness.get_by_label("'Burma' is not a two-letter country code");
}

#[test]
fn the_reports_table_lists_the_reports_with_leads_and_the_window_says_why() {
    let mut harness = harness();
    harness.get_by_label("List in Reports").click();
    harness.get_by_label("Reports").click();
    settle(&mut harness);
    let app = harness.state();
    assert_eq!(app.central, CentralTab::Reports);
    let with_leads = app
        .workspace
        .leads
        .network
        .reports(&app.workspace.dataset)
        .len();
    assert_eq!(app.reports_table.order().len(), with_leads);
    harness.get_by_label("Reports with leads");

    // The first report listed has no match: its events show their network and the leads.
    let first = harness.state().reports_table.order()[0];
    let id = harness
        .state()
        .workspace
        .dataset
        .reports
        .id(first)
        .to_string();
    harness.get_by_label(&id).click();
    harness.run_steps(1);
    harness.key_press(egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(harness.state().detail, Some(first));
    assert!(
        harness
            .query_all_by_label_contains("(sample data), ")
            .count()
            > 0,
        "each event shows its network and registered country beside its address"
    );
    harness
        .query_all_by_label_contains("no match, ")
        .next()
        .expect("an event with leads")
        .click();
    settle(&mut harness);
    assert!(
        harness
            .query_all_by_label_contains("Lead, weaker than a match: Same network: AS 645")
            .count()
            > 0,
        "the lead's reason is shown"
    );
}

#[test]
fn only_events_registered_in_the_region_narrow_every_figure() {
    let mut harness = harness();
    let before = harness.state().workspace.view.summary.headline;
    harness.get_by_label("Only events registered there").click();
    settle(&mut harness);
    let ws = &harness.state().workspace;
    assert_eq!(
        ws.filter.ip_countries.iter().cloned().collect::<Vec<_>>(),
        ["KH", "LA", "MM"]
    );
    let after = &ws.view.summary.headline;
    assert!(
        after.events < before.events,
        "{} of {} events",
        after.events,
        before.events
    );
    // Every sample site's block is registered where the site is, and the shared pool (the
    // synthetic satellite network, registered in US) drops out.
    assert!(after.reports_any_match < before.reports_any_match);
    assert!(after.reports_any_match > 0);
    harness.get_by_label("Addresses registered in KH, LA, MM.");
}

fn finish_job(harness: &mut Harness<'static, WorkbenchApp>) {
    let started = std::time::Instant::now();
    while harness.state().workspace.is_busy() {
        assert!(started.elapsed().as_secs() < 60, "the job never ended");
        std::thread::sleep(std::time::Duration::from_millis(5));
        harness.run_steps(1);
    }
    settle(harness);
    let notice = harness.state().workspace.notice.clone();
    assert!(!notice.as_ref().is_some_and(|n| n.is_error), "{notice:?}");
}

fn matched_orgs(harness: &Harness<'static, WorkbenchApp>) -> Vec<String> {
    let ws = &harness.state().workspace;
    ws.matches
        .matches
        .iter()
        .map(|m| ws.dataset.network(m.event).as_org.clone())
        .collect()
}

#[test]
fn an_ip_database_is_removed_and_added_again_from_the_window() {
    let mut harness = harness();
    harness.get_by_label("Data sources").click();
    settle(&mut harness);
    assert!(
        matched_orgs(&harness)
            .iter()
            .all(|o| o.ends_with("(sample data)"))
    );
    harness.get_by_label("networks.mmdb");
    // The sample's database is the last "Remove" of the data sources.
    harness
        .query_all_by_label("Remove")
        .last()
        .expect("the database's Remove")
        .click();
    harness.run_steps(2);
    finish_job(&mut harness);
    assert!(harness.state().workspace.dataset.ip_data.user.is_empty());
    assert!(
        matched_orgs(&harness).iter().all(String::is_empty),
        "reserved space is in no real database"
    );
    assert_eq!(
        harness.state().workspace.leads.network.leads.len(),
        0,
        "no networks, no leads"
    );

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("my networks.mmdb");
    std::fs::write(&copy, compound_atlas_core::embedded::SAMPLE_NETWORKS_MMDB).unwrap();
    let answer = copy.clone();
    harness.state_mut().picker = Some(Box::new(move |request| {
        assert_eq!(
            *request,
            compound_atlas::gui::file_dialogs::FileRequest::IpDatabase
        );
        vec![answer.clone()]
    }));
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label("Add IP database…").click();
    harness.run_steps(2);
    finish_job(&mut harness);
    let ws = &harness.state().workspace;
    assert_eq!(ws.dataset.ip_data.user[0].info.path, copy);
    assert_eq!(ws.inputs.ip_databases.len(), 1);
    assert!(
        matched_orgs(&harness)
            .iter()
            .all(|o| o.ends_with("(sample data)"))
    );
    assert!(!harness.state().workspace.leads.network.leads.is_empty());
    harness.get_by_label("my networks.mmdb");
}
