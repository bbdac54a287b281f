//! The panel beside the chart: the selected item (what it is, its lines, what can be
//! done with it) and the path between two selected items.

use super::{Act, LinksView, Shown};
use crate::gui::workspace::{Intent, Workspace};
use compound_atlas_core::analysis::graph::{Node, Relation};
use compound_atlas_core::analysis::link_chart::ItemKey;
use compound_atlas_core::matching::Strength;
use compound_atlas_core::values::text::count;
use compound_atlas_core::values::time::format_time;
use egui::{RichText, Ui};
use std::collections::BTreeSet;

/// At most this many of an item's lines are listed.
const LINES_LISTED: usize = 12;

/// What kind of item this is, in words.
pub(super) fn kind_name(key: ItemKey) -> &'static str {
    match key {
        ItemKey::Node(Node::Report(_)) => "Report",
        ItemKey::Node(Node::Address(_)) => "Address",
        ItemKey::Node(Node::Location(_)) => "Location",
        ItemKey::Node(Node::Account(_)) => "Account",
        ItemKey::Node(Node::Collection(_)) => "Shared by many reports (ties nothing)",
        ItemKey::Leaves(_) => "Folded: nodes that hang on one hub",
        ItemKey::Cluster(_) => "Cluster: reports joined by what they share",
        ItemKey::Singles(_) => "Reports that share nothing with another",
        ItemKey::Rest => "Not drawn: more than the chart has room for",
    }
}

/// What a double-click does to this item, in words.
pub(super) fn open_hint(key: ItemKey) -> &'static str {
    match key {
        ItemKey::Node(Node::Location(_)) | ItemKey::Rest => "",
        ItemKey::Node(Node::Report(_)) => "Double-click: add all its addresses and accounts",
        ItemKey::Node(_) => "Double-click: add the reports that used it",
        ItemKey::Leaves(_) => "Double-click: draw them one by one",
        ItemKey::Cluster(_) | ItemKey::Singles(_) => "Double-click: drill in",
    }
}

fn strength_name(strength: Option<Strength>) -> &'static str {
    match strength {
        Some(Strength::IpTime) => "IP + time match",
        Some(Strength::IpOnly) => "IP only match",
        None => "no match of its own: a lead",
    }
}

impl LinksView {
    /// The selected item and the path.
    pub(super) fn details(
        &mut self,
        ui: &mut Ui,
        workspace: &Workspace,
        presenting: bool,
        intents: &mut Vec<Intent>,
        acts: &mut Vec<Act>,
    ) {
        ui.heading("Selected");
        let Some(shown) = &self.shown else { return };
        let selected: Vec<(ItemKey, u32)> = self
            .selected
            .iter()
            .filter_map(|&k| shown.index_of(k).map(|i| (k, i)))
            .collect();
        if selected.is_empty() {
            ui.label(
                RichText::new(
                    "Click an item to see it here; Shift+click a second to find the path between them.",
                )
                .weak(),
            );
        }
        for (key, item) in selected {
            item_card(ui, workspace, shown, key, item, presenting, intents, acts);
            ui.add_space(6.0);
        }
        self.path_card(ui, shown);
    }

    fn path_card(&self, ui: &mut Ui, shown: &Shown) {
        let Some(path) = &self.path else { return };
        ui.separator();
        ui.strong("Path");
        match path {
            Err(why) => {
                ui.label(why.as_str());
            }
            Ok(keys) => {
                ui.label(format!("{} steps", keys.len().saturating_sub(1)));
                for (n, &key) in keys.iter().enumerate() {
                    let label = shown
                        .index_of(key)
                        .map_or("(no longer drawn)", |i| shown.labels[i as usize].as_str());
                    ui.label(format!("{}. {label}", n + 1));
                }
            }
        }
    }
}

/// One selected item: its label, kind, what it holds, its lines and its buttons.
#[allow(clippy::too_many_arguments)]
fn item_card(
    ui: &mut Ui,
    workspace: &Workspace,
    shown: &Shown,
    key: ItemKey,
    item: u32,
    presenting: bool,
    intents: &mut Vec<Intent>,
    acts: &mut Vec<Act>,
) {
    let it = &shown.chart.items[item as usize];
    ui.strong(&shown.labels[item as usize]);
    ui.label(RichText::new(kind_name(key)).weak());
    match key {
        ItemKey::Node(Node::Report(r)) => {
            let strength = workspace.leads.links.strength_of.get(&r).copied();
            ui.label(strength_name(strength));
            let events = workspace.dataset.events_of(r).len() as u64;
            ui.label(count(events, "event", "events"));
            if let Some(best) = workspace.leads.of_report(r).next() {
                ui.label(format!("best lead score {:.2}", best.score));
            }
            if !presenting && ui.button("Open report").clicked() {
                acts.push(Act::OpenReport(r));
            }
        }
        ItemKey::Node(Node::Location(l)) => {
            let id = workspace.dataset.locations[l as usize].id.clone();
            if ui
                .button("Select on the map")
                .on_hover_text("Make this location the selection: every view, this chart included, shows it alone")
                .clicked()
            {
                intents.push(Intent::SelectLocations(BTreeSet::from([id])));
            }
        }
        _ if it.members.len() > 1 => {
            ui.label(format!(
                "{} nodes, {} reports",
                it.members.len(),
                it.reports
            ));
        }
        _ => {}
    }
    let hint = open_hint(key);
    if !hint.is_empty() {
        let words = hint.trim_start_matches("Double-click: ");
        let mut words = words.to_string();
        if let Some(first) = words.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        if ui.button(words).clicked() {
            acts.push(Act::Open(key));
        }
    }
    lines_of(ui, shown, item);
}

/// The item's lines: to what, how many events, when.
fn lines_of(ui: &mut Ui, shown: &Shown, item: u32) {
    let chart = &shown.chart;
    let mut lines: Vec<_> = chart
        .edges
        .iter()
        .filter(|e| e.a == item || e.b == item)
        .collect();
    lines.sort_by_key(|e| std::cmp::Reverse(e.events));
    if lines.is_empty() {
        return;
    }
    ui.label(RichText::new(count(lines.len() as u64, "line", "lines")).weak());
    for e in lines.iter().take(LINES_LISTED) {
        let other = if e.a == item { e.b } else { e.a };
        let how = match e.relation {
            Relation::Used => "used",
            Relation::MatchedAt => match e.strength {
                Some(Strength::IpTime) => "matched, IP + time",
                _ => "matched, IP only",
            },
        };
        ui.label(format!(
            "{} — {how}, {}, {} to {}",
            shown.labels[other as usize],
            count(u64::from(e.events), "event", "events"),
            day(e.first),
            day(e.last)
        ))
        .on_hover_text(format!(
            "{} to {}",
            format_time(e.first),
            format_time(e.last)
        ));
    }
    if lines.len() > LINES_LISTED {
        ui.label(RichText::new(format!("and {} more", lines.len() - LINES_LISTED)).weak());
    }
}

/// The date of a time (UTC), as the tables write it.
fn day(time: i64) -> String {
    format_time(time).chars().take(10).collect()
}
