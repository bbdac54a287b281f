//! The Links tab as a user works it: the chart of the sample is drawn with the library's
//! counts, a click on a report selects it and shows it beside the chart, "Open report"
//! opens it, a double-click adds its addresses and accounts, Shift+click and "Find path"
//! give the library's shortest chain, and a row of the clusters table narrows the chart
//! to that cluster.

use compound_atlas::gui::{CentralTab, WorkbenchApp};
use compound_atlas_core::analysis::clusters::clusters;
use compound_atlas_core::analysis::graph::{Node, graph};
use compound_atlas_core::analysis::link_chart::{ChartSpec, ItemKey, chart, find_path};
use compound_atlas_core::values::text::count;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

mod common;
use common::click_at;

/// Seconds per frame: short enough for two clicks a frame apart to be a double-click.
const STEP: f32 = 0.05;

fn double_click_at(harness: &mut Harness<'static, WorkbenchApp>, pos: egui::Pos2) {
    // Long enough after any earlier click that this is not taken for a triple-click.
    harness.run_steps(10);
    harness.event(egui::Event::PointerMoved(pos));
    harness.run_steps(1);
    // A frame apart: the harness moves time on by `STEP` each frame.
    for _ in 0..2 {
        for pressed in [true, false] {
            harness.event(egui::Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            });
        }
        harness.run_steps(1);
    }
    harness.run_steps(1);
}

/// Step frames until the chart is built and laid out.
fn settle(harness: &mut Harness<'static, WorkbenchApp>) {
    let started = std::time::Instant::now();
    while !harness.state().links.is_settled() {
        assert!(started.elapsed().as_secs() < 60, "the layout never settled");
        std::thread::sleep(std::time::Duration::from_millis(20));
        harness.run_steps(1);
    }
    harness.run_steps(2);
}

fn links_tab() -> Harness<'static, WorkbenchApp> {
    let mut harness = common::sample_harness(STEP);
    harness.run_steps(3);
    harness.get_by_label("Links").click();
    harness.run_steps(2);
    assert_eq!(harness.state().central, CentralTab::Links);
    settle(&mut harness);
    harness
}

#[test]
fn the_chart_selects_opens_expands_and_finds_paths() {
    let mut harness = links_tab();
    let app = harness.state();
    let (dataset, leads) = (&app.workspace.dataset, &app.workspace.leads);
    let graph = graph(dataset, &app.workspace.view.matches, &leads.links);
    let expected = chart(&graph, &ChartSpec::default());
    harness.get_by_label(&format!(
        "{} drawn · {}",
        count(expected.items.len() as u64, "item", "items"),
        count(expected.edges.len() as u64, "line", "lines")
    ));
    // A lead tied to a matched report, and that report.
    let tie = leads
        .links
        .second_degree()
        .next()
        .expect("a second-degree lead")
        .1[0];
    let (lead, anchor) = (
        ItemKey::Node(Node::Report(tie.report)),
        ItemKey::Node(Node::Report(tie.anchor)),
    );
    let lead_id = dataset.reports.id(tie.report).to_string();
    let at = app.links.place_of(lead).expect("the lead is drawn");
    click_at(&mut harness, at, egui::Modifiers::NONE);
    assert_eq!(harness.state().links.selected, vec![lead]);
    harness.get_by_label("no match of its own: a lead");
    harness.get_by_label("Open report").click();
    harness.run_steps(2);
    assert_eq!(harness.state().detail, Some(tie.report));
    harness.state_mut().detail = None;
    harness.run_steps(1);

    // Shift+click the anchor, find the path: the library's shortest chain.
    let at = harness
        .state()
        .links
        .place_of(anchor)
        .expect("the anchor is drawn");
    click_at(&mut harness, at, egui::Modifiers::SHIFT);
    assert_eq!(harness.state().links.selected, vec![lead, anchor]);
    harness.get_by_label("Find path").click();
    harness.run_steps(2);
    let items = harness.state().links.items();
    let position = |k: ItemKey| items.iter().position(|&i| i == k).unwrap() as u32;
    let shortest = find_path(&expected, position(lead), position(anchor)).expect("they are tied");
    let path = harness
        .state()
        .links
        .path
        .clone()
        .expect("a path")
        .expect("joined");
    assert_eq!(path.len(), shortest.len());
    assert_eq!((path[0], *path.last().unwrap()), (lead, anchor));
    harness.get_by_label(&format!("{} steps", shortest.len() - 1));
    harness.get_by_label(&format!("1. {lead_id}"));

    // A double-click on the lead adds every address it used.
    let at = harness.state().links.place_of(lead).unwrap();
    double_click_at(&mut harness, at);
    assert_eq!(
        harness.state().links.expanded,
        vec![Node::Report(tie.report)]
    );
    settle(&mut harness);
    assert!(harness.state().links.items().len() >= expected.items.len());
}

#[test]
fn a_row_of_the_clusters_table_narrows_the_chart_to_that_cluster() {
    let mut harness = links_tab();
    let app = harness.state();
    let all = clusters(&app.workspace.dataset, &app.workspace.leads.links);
    harness.get_by_label(&format!("Clusters ({})", all.len()));
    let largest = &all[0];
    harness
        .query_all_by_label("1")
        .next()
        .expect("the first row's number")
        .click();
    harness.run_steps(2);
    settle(&mut harness);
    let drawn: Vec<u32> = harness
        .state()
        .links
        .items()
        .into_iter()
        .filter_map(|k| match k {
            ItemKey::Node(Node::Report(r)) => Some(r),
            _ => None,
        })
        .collect();
    let mut want = largest.reports.clone();
    want.sort_unstable();
    let mut drawn = drawn;
    drawn.sort_unstable();
    assert_eq!(drawn, want);
    harness.get_by_label("Back to the whole chart").click();
    harness.run_steps(2);
    settle(&mut harness);
    assert!(harness.state().links.items().len() > largest.reports.len() * 10);
}

#[test]
fn presenting_the_chart_masks_its_labels() {
    let mut harness = links_tab();
    let app = harness.state();
    let tie = app.workspace.leads.links.second_degree().next().unwrap().1[0];
    let lead = ItemKey::Node(Node::Report(tie.report));
    let lead_id = app.workspace.dataset.reports.id(tie.report).to_string();
    let at = app.links.place_of(lead).unwrap();
    click_at(&mut harness, at, egui::Modifiers::NONE);
    harness.get_by_label(&lead_id);
    let ctx = harness.ctx.clone();
    harness.state_mut().set_presenting(&ctx, true);
    harness.run_steps(2);
    harness.get_by_label("Links").click();
    harness.run_steps(3);
    assert_eq!(harness.state().central, CentralTab::Links);
    harness.get_by_label(&compound_atlas_core::analysis::mask::report_id(&lead_id));
    assert!(
        harness.query_all_by_label(&lead_id).next().is_none(),
        "{lead_id} shown while presenting"
    );
    assert!(harness.query_all_by_label("Open report").next().is_none());
}

#[test]
fn from_a_location_selected_on_the_map_the_links_tab_shows_its_reports_and_their_ties() {
    use compound_atlas::gui::workspace::Intent;
    let mut harness = common::sample_harness(STEP);
    harness.run_steps(3);
    // The location with the most IP + time reports, selected as a click on its marker does.
    let view = harness.state().workspace.view.clone();
    let busiest = (0..view.summary.locations.len())
        .max_by_key(|&l| view.summary.locations[l].reports_ip_time)
        .unwrap();
    let id = harness.state().workspace.dataset.locations[busiest]
        .id
        .clone();
    harness.state_mut().workspace.apply(Intent::ToggleLocation {
        id,
        add_to_selection: false,
    });
    harness.run_steps(2);
    harness.get_by_label("Links of the selection").click();
    harness.run_steps(2);
    assert_eq!(harness.state().central, CentralTab::Links);
    settle(&mut harness);
    let app = harness.state();
    let items = app.links.items();
    let locations: Vec<u32> = items
        .iter()
        .filter_map(|k| match k {
            ItemKey::Node(Node::Location(l)) => Some(*l),
            _ => None,
        })
        .collect();
    assert_eq!(locations, vec![busiest as u32]);
    // Every report matched there is drawn, and the leads tied to them.
    let dataset = &app.workspace.dataset;
    for m in &app.workspace.view.matches {
        let report = dataset.events.report[m.event as usize];
        assert!(items.contains(&ItemKey::Node(Node::Report(report))));
        for tie in app
            .workspace
            .leads
            .links
            .ties
            .iter()
            .filter(|t| t.anchor == report)
        {
            assert!(items.contains(&ItemKey::Node(Node::Report(tie.report))));
        }
    }
}
