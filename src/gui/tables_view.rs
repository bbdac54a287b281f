//! The Reports and Matches tables and the report detail window. Rows are ids into the
//! workspace's data; what a row shows is read from the data when it is drawn, so ten
//! million rows scroll as smoothly as ten.

use super::background::{Derived, INLINE_ITEMS};
use super::theme;
use super::workspace::{Intent, Workspace};
use compound_atlas_core::analysis::filter::FilteredView;
use compound_atlas_core::analysis::tables::{Cell, Selection, sort_rows, to_tsv};
use compound_atlas_core::analysis::triage::Triage;
use compound_atlas_core::matching::Strength;
use compound_atlas_core::model::Dataset;
use compound_atlas_core::values::address::{format_address, format_address_set};
use compound_atlas_core::values::text::{count, thousands};
use compound_atlas_core::values::time::format_time;
use egui::{RichText, Ui};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Locations,
    Reports,
    Matches,
}

pub const LOCATION_COLUMNS: [&str; 7] = [
    "Location",
    "Country",
    "Reports IP + time",
    "Reports IP only",
    "Events",
    "First match",
    "Last match",
];

pub const REPORT_COLUMNS: [&str; 10] = [
    "Report",
    "Incident type",
    "Platform",
    "Best strength",
    "Events",
    "Matched events",
    "Locations",
    "First event",
    "Last event",
    "Tags",
];

/// The matched-event aggregates of one report under the filter.
#[derive(Debug, Clone, Default)]
struct ReportRow {
    best: Option<Strength>,
    matched_events: u64,
    locations: u64,
}

/// What a table's rows index into: the data they were built from plus the aggregates the
/// build computed. A table keeps its own snapshot so that, while new rows are built in the
/// background, the old ones still draw against the data they belong to.
#[derive(Default)]
struct Source {
    dataset: Arc<Dataset>,
    /// The matches under the filter.
    view: Arc<FilteredView>,
    report_rows: HashMap<u32, ReportRow>,
    /// Per-location counts under the filter but not the selection, so that the Locations
    /// table keeps every row to add to the selection.
    location_stats: Vec<compound_atlas_core::analysis::LocationStats>,
}

/// Integer stand-ins for a text column: each distinct value's rank in the column's text
/// order, indexed by what the value comes from.
enum SortRanks {
    /// By interned string id (incident type, platform, event name).
    Strings(Vec<Option<u32>>),
    /// By location index (location id, name or country).
    Locations(Vec<Option<u32>>),
    /// By observation index: the order of the address sets by first, then last address.
    Observations(Vec<u32>),
    /// By position in [`STRENGTHS`] or [`PORT_CHECKS`].
    Labels(Vec<Option<u32>>),
}

/// Every strength and port check, for ranking their labels.
const STRENGTHS: [Strength; 2] = [Strength::IpOnly, Strength::IpTime];
const PORT_CHECKS: [compound_atlas_core::matching::PortCheck; 3] = [
    compound_atlas_core::matching::PortCheck::Match,
    compound_atlas_core::matching::PortCheck::NoPort,
    compound_atlas_core::matching::PortCheck::NotApplicable,
];

/// What the rows were built for: the filter generation, the sort (column, descending),
/// the search text and the triage generation (tags show in the Reports table).
type BuildKey = (u64, Option<(usize, bool)>, String, u64);

/// Everything a build needs, owned, so that it can run on another thread.
struct BuildRequest {
    kind: Kind,
    key: BuildKey,
    dataset: Arc<Dataset>,
    view: Arc<FilteredView>,
    all_matches: Arc<compound_atlas_core::matching::MatchSet>,
    /// The filter without the location selection (for the Locations table).
    filter: compound_atlas_core::analysis::filter::Filter,
    selected_locations: BTreeSet<String>,
    triage: Triage,
}

/// A table's rows in the order shown, and what they index into.
#[derive(Default)]
struct Built {
    source: Source,
    /// Row ids in the order shown: report indexes, or positions in the filtered matches.
    order: Vec<u32>,
}

/// One table: its rows in the order shown, sort, search and selection.
#[derive(Default)]
pub struct Table {
    pub sort: Option<(usize, bool)>,
    pub search: String,
    pub selection: Selection,
    /// Build rows of every size in the background (tests use this to exercise that path).
    pub always_in_background: bool,
    rows: Derived<BuildKey, Built>,
}

pub(crate) fn strength_text(strength: Option<Strength>) -> &'static str {
    match strength {
        Some(Strength::IpTime) => "IP + time",
        Some(Strength::IpOnly) => "IP only",
        None => "",
    }
}

impl Source {
    fn cell(&self, kind: Kind, triage: &Triage, column: usize, row: u32) -> Cell {
        let dataset = &*self.dataset;
        let text = |s: &str| {
            if s.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.to_string())
            }
        };
        match kind {
            Kind::Locations => {
                let l = &dataset.locations[row as usize];
                let stats = self
                    .location_stats
                    .get(row as usize)
                    .copied()
                    .unwrap_or_default();
                match column {
                    0 => text(&l.name),
                    1 => text(&l.country),
                    2 => Cell::Number(stats.reports_ip_time as f64),
                    3 => Cell::Number(stats.reports_ip_only as f64),
                    4 => Cell::Number((stats.events_ip_time + stats.events_ip_only) as f64),
                    5 => stats.first_match.map_or(Cell::Empty, Cell::Time),
                    _ => stats.last_match.map_or(Cell::Empty, Cell::Time),
                }
            }
            Kind::Reports => {
                let r = row as usize;
                let events = dataset.events_of(row);
                let times = || events.iter().map(|&e| dataset.events.time[e as usize]);
                let agg = self.report_rows.get(&row).cloned().unwrap_or_default();
                match column {
                    0 => text(dataset.reports.id(row)),
                    1 => text(dataset.strings.get(dataset.reports.incident_type[r])),
                    2 => text(dataset.strings.get(dataset.reports.platform[r])),
                    3 => text(strength_text(agg.best)),
                    4 => Cell::Number(events.len() as f64),
                    5 => Cell::Number(agg.matched_events as f64),
                    6 => Cell::Number(agg.locations as f64),
                    7 => times().min().map_or(Cell::Empty, Cell::Time),
                    8 => times().max().map_or(Cell::Empty, Cell::Time),
                    _ => text(
                        &triage
                            .tags_of(dataset.reports.id(row))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                }
            }
            Kind::Matches => {
                let m = &self.view.matches[row as usize];
                let e = m.event as usize;
                let o = &dataset.observations[m.observation as usize];
                let l = &dataset.locations[o.location as usize];
                match column {
                    0 => text(dataset.reports.id(dataset.events.report[e])),
                    1 => Cell::Number(f64::from(dataset.event_index(m.event))),
                    2 => Cell::Text(format_address(dataset.events.addr[e])),
                    3 => dataset
                        .events
                        .port_of(e)
                        .map_or(Cell::Empty, |p| Cell::Number(f64::from(p))),
                    4 => Cell::Time(dataset.events.time[e]),
                    5 => text(dataset.strings.get(dataset.events.name[e])),
                    6 => text(&l.id),
                    7 => text(&l.name),
                    8 => text(&l.country),
                    9 => Cell::Text(format_address_set(o.addresses)),
                    10 => o.first_seen.map_or(Cell::Empty, Cell::Time),
                    11 => o.last_seen.map_or(Cell::Empty, Cell::Time),
                    12 => Cell::Text(m.strength.as_str().into()),
                    13 => m
                        .seconds_outside_window
                        .map_or(Cell::Empty, |s| Cell::Number(s as f64)),
                    14 => Cell::Text(m.port_check.as_str().into()),
                    _ => Cell::Text(if o.shared { "true" } else { "false" }.into()),
                }
            }
        }
    }

    /// For a column shown as text, integer stand-ins (see [`SortRanks`]) so that ten
    /// million rows sort without a string built per row; `None` for other columns.
    fn sort_ranks(&self, kind: Kind, column: usize) -> Option<SortRanks> {
        let dataset = &*self.dataset;
        let strings = || (0..dataset.strings.len() as u32).map(|i| dataset.strings.get(i));
        let locations = |field: fn(&compound_atlas_core::model::Location) -> &str| {
            compound_atlas_core::analysis::tables::text_ranks(dataset.locations.iter().map(field))
        };
        Some(match (kind, column) {
            (Kind::Reports, 1 | 2) | (Kind::Matches, 5) => {
                SortRanks::Strings(compound_atlas_core::analysis::tables::text_ranks(strings()))
            }
            (Kind::Matches, 6) => SortRanks::Locations(locations(|l| &l.id)),
            (Kind::Matches, 7) => SortRanks::Locations(locations(|l| &l.name)),
            (Kind::Matches, 8) => SortRanks::Locations(locations(|l| &l.country)),
            (Kind::Matches, 9) => {
                // Equal address sets share a rank, so that they tie as their text does.
                let observations = &dataset.observations;
                let span = |o: usize| {
                    (
                        observations[o].addresses.first,
                        observations[o].addresses.last,
                    )
                };
                let mut order: Vec<usize> = (0..observations.len()).collect();
                order.sort_by_key(|&o| span(o));
                let mut ranks = vec![0u32; order.len()];
                let mut rank = 0;
                for (i, &o) in order.iter().enumerate() {
                    if i > 0 && span(order[i - 1]) != span(o) {
                        rank += 1;
                    }
                    ranks[o] = rank;
                }
                SortRanks::Observations(ranks)
            }
            (Kind::Matches, 12) => {
                SortRanks::Labels(compound_atlas_core::analysis::tables::text_ranks(
                    STRENGTHS.iter().map(|s| s.as_str()),
                ))
            }
            (Kind::Matches, 14) => {
                SortRanks::Labels(compound_atlas_core::analysis::tables::text_ranks(
                    PORT_CHECKS.iter().map(|p| p.as_str()),
                ))
            }
            _ => return None,
        })
    }

    /// What a column sorts by. Report ids sort by their rank and addresses by theirs
    /// (IPv4 first; both computed once per data set), observations by their first then last address, and text
    /// columns by `ranks`; the rest by the cell shown.
    fn sort_key(
        &self,
        kind: Kind,
        triage: &Triage,
        column: usize,
        row: u32,
        ranks: Option<&SortRanks>,
    ) -> Cell {
        let dataset = &*self.dataset;
        let ordinal = |rank: Option<u32>| rank.map_or(Cell::Empty, |r| Cell::Ordinal(r.into()));
        let report_rank =
            |report: u32| Cell::Ordinal(dataset.reports.id_ranks()[report as usize].into());
        match kind {
            Kind::Locations => self.cell(kind, triage, column, row),
            Kind::Reports => match (column, ranks) {
                (0, _) => report_rank(row),
                (1, Some(SortRanks::Strings(ranks))) => {
                    ordinal(ranks[dataset.reports.incident_type[row as usize] as usize])
                }
                (2, Some(SortRanks::Strings(ranks))) => {
                    ordinal(ranks[dataset.reports.platform[row as usize] as usize])
                }
                _ => self.cell(kind, triage, column, row),
            },
            Kind::Matches => {
                let m = &self.view.matches[row as usize];
                let e = m.event as usize;
                let observation = &dataset.observations[m.observation as usize];
                match (column, ranks) {
                    (0, _) => report_rank(dataset.events.report[e]),
                    (2, _) => Cell::Ordinal(dataset.address_ranks()[e].into()),
                    (9, Some(SortRanks::Observations(ranks))) => {
                        Cell::Ordinal(ranks[m.observation as usize].into())
                    }
                    (15, _) => Cell::Ordinal(u64::from(observation.shared)),
                    (5, Some(SortRanks::Strings(ranks))) => {
                        ordinal(ranks[dataset.events.name[e] as usize])
                    }
                    (6..=8, Some(SortRanks::Locations(ranks))) => {
                        ordinal(ranks[observation.location as usize])
                    }
                    (12, Some(SortRanks::Labels(ranks))) => {
                        ordinal(ranks[STRENGTHS.iter().position(|&s| s == m.strength).unwrap_or(0)])
                    }
                    (14, Some(SortRanks::Labels(ranks))) => ordinal(
                        ranks[PORT_CHECKS
                            .iter()
                            .position(|&p| p == m.port_check)
                            .unwrap_or(0)],
                    ),
                    _ => self.cell(kind, triage, column, row),
                }
            }
        }
    }

    fn text(&self, kind: Kind, triage: &Triage, column: usize, row: u32) -> String {
        match self.cell(kind, triage, column, row) {
            Cell::Empty => String::new(),
            Cell::Number(n) => format!("{n}"),
            Cell::Time(t) => format_time(t),
            Cell::Text(t) => t,
            Cell::Ordinal(n) => n.to_string(),
        }
    }

    /// The report a row is about.
    fn report_of(&self, kind: Kind, row: u32) -> Option<u32> {
        Some(match kind {
            Kind::Locations => return None,
            Kind::Reports => row,
            Kind::Matches => {
                self.dataset.events.report[self.view.matches[row as usize].event as usize]
            }
        })
    }
}

impl Built {
    fn copy(&self, selection: &Selection, kind: Kind, triage: &Triage, ui: &Ui) {
        let columns = Table::columns(kind);
        let rows = selection.in_order(&self.order).into_iter().map(|row| {
            (0..columns.len())
                .map(|c| self.source.text(kind, triage, c, row))
                .collect()
        });
        ui.ctx().copy_text(to_tsv(columns, rows));
    }

    /// The report a row is about, as an index into the workspace's current data.
    fn report_of(&self, kind: Kind, workspace: &Workspace, row: u32) -> Option<u32> {
        // Rows still shown from data that has since been replaced point nowhere.
        Arc::ptr_eq(&self.source.dataset, &workspace.dataset)
            .then(|| self.source.report_of(kind, row))
            .flatten()
    }
}

impl BuildRequest {
    /// How many rows the table starts from before the search narrows them.
    fn candidate_rows(&self) -> usize {
        match self.kind {
            Kind::Locations => self.dataset.locations.len(),
            Kind::Reports | Kind::Matches => self.view.matches.len(),
        }
    }

    /// The rows under the filter, narrowed by the search and sorted; `None` if cancelled.
    fn build(self, cancel: &AtomicBool) -> Option<(Source, Vec<u32>)> {
        let kind = self.kind;
        let dataset = &*self.dataset;
        let mut source = Source {
            dataset: self.dataset.clone(),
            view: self.view.clone(),
            ..Source::default()
        };
        let matches = &self.view.matches;
        let mut rows: Vec<u32> = match kind {
            Kind::Locations => {
                let unselected = compound_atlas_core::analysis::filter::apply_with_triage(
                    dataset,
                    &self.all_matches,
                    &self.filter,
                    &self.triage,
                );
                source.location_stats = unselected.summary.locations;
                let stats = &source.location_stats;
                (0..dataset.locations.len() as u32)
                    .filter(|&l| {
                        stats.get(l as usize).is_some_and(|s| s.reports() > 0)
                            || self
                                .selected_locations
                                .contains(&dataset.locations[l as usize].id)
                    })
                    .collect()
            }
            Kind::Reports => {
                let mut rows: HashMap<u32, (ReportRow, BTreeSet<u32>, BTreeSet<u32>)> =
                    HashMap::new();
                for m in matches {
                    let report = dataset.events.report[m.event as usize];
                    let entry = rows.entry(report).or_default();
                    entry.0.best = entry.0.best.max(Some(m.strength));
                    entry.1.insert(m.event);
                    entry
                        .2
                        .insert(dataset.observations[m.observation as usize].location);
                }
                source.report_rows = rows
                    .into_iter()
                    .map(|(r, (mut row, events, locations))| {
                        row.matched_events = events.len() as u64;
                        row.locations = locations.len() as u64;
                        (r, row)
                    })
                    .collect();
                let mut ids: Vec<u32> = source.report_rows.keys().copied().collect();
                ids.sort_unstable();
                ids
            }
            Kind::Matches => (0..matches.len() as u32).collect(),
        };
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let query = &self.key.2;
        if !query.is_empty() {
            let columns = Table::columns(kind).len();
            rows.retain(|&row| {
                (0..columns).any(|c| {
                    source
                        .text(kind, &self.triage, c, row)
                        .to_lowercase()
                        .contains(query.as_str())
                })
            });
        }
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        if let Some((column, descending)) = self.key.1 {
            let ranks = source.sort_ranks(kind, column);
            sort_rows(
                &mut rows,
                |row| source.sort_key(kind, &self.triage, column, row, ranks.as_ref()),
                descending,
            );
        }
        Some((source, rows))
    }
}

impl Table {
    /// A table that starts sorted by `column`.
    pub fn sorted_by(column: usize, descending: bool) -> Self {
        Table {
            sort: Some((column, descending)),
            ..Default::default()
        }
    }

    fn columns(kind: Kind) -> &'static [&'static str] {
        match kind {
            Kind::Locations => &LOCATION_COLUMNS,
            Kind::Reports => &REPORT_COLUMNS,
            Kind::Matches => &compound_atlas_core::output::MATCHES_HEADER,
        }
    }

    /// Whether new rows are being built in the background.
    pub fn is_building(&self) -> bool {
        self.rows.building().is_some()
    }

    /// Row ids in the order shown: report or location indexes, or positions in the
    /// filtered matches.
    pub fn order(&self) -> &[u32] {
        self.rows.value().map_or(&[], |built| &built.order)
    }

    /// Rebuild the rows when the filter, search or sort changed: at once for small tables,
    /// in the background for large ones while the old rows stay on screen.
    fn refresh(&mut self, kind: Kind, workspace: &Workspace, ctx: &egui::Context) {
        // Tags show in the Reports table, so a change to them rebuilds it too.
        let key = (
            workspace.view_generation,
            self.sort,
            self.search.trim().to_lowercase(),
            workspace.triage_generation,
        );
        let request = BuildRequest {
            kind,
            key: key.clone(),
            dataset: workspace.dataset.clone(),
            view: workspace.view.clone(),
            all_matches: workspace.matches.clone(),
            filter: workspace.filter.clone(),
            selected_locations: workspace.selection.clone(),
            triage: workspace.triage.clone(),
        };
        let items = request.candidate_rows();
        let in_background = items >= INLINE_ITEMS || self.always_in_background;
        self.rows
            .request(key, items, in_background, ctx, move |cancel| {
                request
                    .build(cancel)
                    .map(|(source, order)| Built { source, order })
            });
    }

    /// Draw the table; returns a report to open in the detail window.
    /// Draw the table; returns the report to open (Enter or a double-click).
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        kind: Kind,
        workspace: &Workspace,
        intents: &mut Vec<Intent>,
    ) -> Option<u32> {
        self.refresh(kind, workspace, ui.ctx());
        if kind == Kind::Locations {
            // The location selection belongs to the workspace (the map shares it).
            self.selection.ids = (0..workspace.dataset.locations.len() as u32)
                .filter(|&l| {
                    workspace
                        .selection
                        .contains(&workspace.dataset.locations[l as usize].id)
                })
                .collect();
        }
        let selected_before = self.selection.ids.clone();
        let empty = Built::default();
        let built = self.rows.value().unwrap_or(&empty);
        let order = &built.order[..];
        let building = self.rows.building();
        ui.horizontal(|ui| {
            let bar = Toolbar {
                kind,
                workspace,
                built,
                selection: &self.selection,
                building,
            };
            bar.ui(ui, &mut self.search, intents);
        });
        let mut open = keys(ui, kind, workspace, built, &mut self.selection);
        let (clicked_header, clicked_row) =
            grid(ui, kind, workspace, built, &self.selection, self.sort);
        if let Some(column) = clicked_header {
            self.sort = match self.sort {
                Some((c, false)) if c == column => Some((c, true)),
                Some((c, true)) if c == column => None,
                _ => Some((column, false)),
            };
        }
        if let Some((position, double, modifiers)) = clicked_row {
            if double {
                self.selection.click(order, position);
                open = built.report_of(kind, workspace, order[position]);
            } else if modifiers.shift {
                self.selection.extend(order, position);
            } else if modifiers.command {
                self.selection.toggle(order, position);
            } else {
                self.selection.click(order, position);
            }
        }
        if kind == Kind::Locations && self.selection.ids != selected_before {
            let ids = self
                .selection
                .ids
                .iter()
                .map(|&l| workspace.dataset.locations[l as usize].id.clone())
                .collect();
            intents.push(Intent::SelectLocations(ids));
        }
        open
    }
}

/// The line above a table: search, counts, Copy as TSV and tagging the selected reports.
struct Toolbar<'a> {
    kind: Kind,
    workspace: &'a Workspace,
    built: &'a Built,
    selection: &'a Selection,
    /// Rows being sorted and searched in the background, if any.
    building: Option<usize>,
}

impl Toolbar<'_> {
    fn ui(&self, ui: &mut Ui, search: &mut String, intents: &mut Vec<Intent>) {
        let (kind, built) = (self.kind, self.built);
        let order = &built.order[..];
        let label = ui.label("Search this table");
        ui.add(
            egui::TextEdit::singleline(search)
                .id_salt(("table-search", kind == Kind::Reports))
                .hint_text("any column")
                .desired_width(220.0),
        )
        .labelled_by(label.id);
        ui.label(format!(
            "{} · {} selected",
            count(order.len() as u64, "row", "rows"),
            thousands(self.selection.ids.len() as u64)
        ));
        if let Some(rows) = self.building {
            ui.spinner();
            ui.label(format!(
                "Sorting and searching {}…",
                count(rows as u64, "row", "rows")
            ));
        }
        if ui
            .add_enabled(
                !self.selection.ids.is_empty(),
                egui::Button::new("Copy as TSV"),
            )
            .clicked()
        {
            built.copy(self.selection, kind, &self.workspace.triage, ui);
        }
        self.tag_menu(ui, intents);
        ui.label(
            RichText::new("Click a header to sort. Enter or double-click opens the report.").weak(),
        );
    }

    /// "Tag selected reports…": add or remove a tag on every report of the selected rows.
    fn tag_menu(&self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        let (kind, workspace) = (self.kind, self.workspace);
        let reports: BTreeSet<u32> = self
            .selection
            .in_order(&self.built.order)
            .into_iter()
            .filter_map(|row| self.built.report_of(kind, workspace, row))
            .collect();
        let selected_reports: Vec<u32> = reports.into_iter().collect();
        ui.add_enabled_ui(!selected_reports.is_empty(), |ui| {
            egui::ComboBox::new(("tag-selected", kind == Kind::Reports), "")
                .selected_text("Tag selected reports…")
                .show_ui(ui, |ui| {
                    for tag in workspace.triage.all_tags() {
                        for (sign, on) in [("+", true), ("-", false)] {
                            if ui
                                .selectable_label(false, format!("{sign} {tag}"))
                                .clicked()
                            {
                                intents.push(Intent::Tag {
                                    reports: selected_reports.clone(),
                                    tag: tag.clone(),
                                    on,
                                });
                            }
                        }
                    }
                })
                .response
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Tag selected reports")
                });
        });
    }
}

/// The keys that act on a table when no text field has the focus: arrows move (Shift
/// extends), Space toggles, Enter opens, Ctrl+C copies. Returns the report to open.
fn keys(
    ui: &Ui,
    kind: Kind,
    workspace: &Workspace,
    built: &Built,
    selection: &mut Selection,
) -> Option<u32> {
    if ui.ctx().memory(|m| m.focused().is_some()) {
        return None;
    }
    let order = &built.order[..];
    let (up, down, space, enter, copy, shift) = ui.ctx().input(|i| {
        (
            i.key_pressed(egui::Key::ArrowUp),
            i.key_pressed(egui::Key::ArrowDown),
            i.key_pressed(egui::Key::Space),
            i.key_pressed(egui::Key::Enter),
            i.modifiers.command && i.key_pressed(egui::Key::C),
            i.modifiers.shift,
        )
    });
    if up || down {
        selection.move_cursor(order, if up { -1 } else { 1 }, shift);
    }
    if space {
        selection.toggle_cursor(order);
    }
    if copy && !selection.ids.is_empty() {
        built.copy(selection, kind, &workspace.triage, ui);
    }
    let row = selection.cursor.and_then(|c| order.get(c))?;
    if enter {
        built.report_of(kind, workspace, *row)
    } else {
        None
    }
}

/// The starting width of a column.
fn column_width(kind: Kind, column: usize) -> f32 {
    match (kind, column) {
        (Kind::Matches, 4 | 10 | 11) | (Kind::Reports, 7 | 8) | (Kind::Locations, 5 | 6) => 170.0,
        (Kind::Locations, 0) => 250.0,
        // Room for the "(desc)" mark of the default sort column.
        (Kind::Locations, 2 | 3) => 165.0,
        (Kind::Locations, 1) => 70.0,
        (_, 0) => 130.0,
        _ => 110.0,
    }
}

/// A header click (the column) and a row click (its position, whether double, the
/// modifiers held), from drawing the table.
type GridClicks = (Option<usize>, Option<(usize, bool, egui::Modifiers)>);

/// The table itself: sortable headers and the rows in order, the strength in its colour.
fn grid(
    ui: &mut Ui,
    kind: Kind,
    workspace: &Workspace,
    built: &Built,
    selection: &Selection,
    sort: Option<(usize, bool)>,
) -> GridClicks {
    use egui_extras::{Column, TableBuilder};
    let order = &built.order[..];
    let columns = Table::columns(kind);
    ui.style_mut().interaction.selectable_labels = false;
    let mut clicked_header = None;
    let mut clicked_row = None;
    egui::ScrollArea::horizontal().show(ui, |ui| {
        let mut table = TableBuilder::new(ui)
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click());
        for i in 0..columns.len() {
            table = table.column(Column::initial(column_width(kind, i)).clip(true));
        }
        if let Some(cursor) = selection.cursor {
            table = table.scroll_to_row(cursor, None);
        }
        table
            .header(22.0, |mut header| {
                for (i, title) in columns.iter().enumerate() {
                    header.col(|ui| {
                        let arrow = match sort {
                            // Words, not arrows: the default fonts have no arrow glyphs.
                            Some((c, true)) if c == i => " (desc)",
                            Some((c, false)) if c == i => " (asc)",
                            _ => "",
                        };
                        if ui
                            .button(RichText::new(format!("{title}{arrow}")).strong())
                            .clicked()
                        {
                            clicked_header = Some(i);
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(20.0, order.len(), |mut row| {
                    let position = row.index();
                    let id = order[position];
                    row.set_selected(selection.ids.contains(&id));
                    for column in 0..columns.len() {
                        let value = built.source.text(kind, &workspace.triage, column, id);
                        row.col(|ui| {
                            let is_strength = kind == Kind::Matches && column == 12
                                || kind == Kind::Reports && column == 3;
                            if is_strength {
                                let colour = if value.contains("time") {
                                    theme::IP_TIME
                                } else {
                                    theme::IP_ONLY
                                };
                                ui.colored_label(colour, value);
                            } else {
                                ui.label(value);
                            }
                        });
                    }
                    let response = row.response();
                    if response.double_clicked() {
                        clicked_row = Some((position, true, egui::Modifiers::NONE));
                    } else if response.clicked() {
                        clicked_row = Some((position, false, response.ctx.input(|i| i.modifiers)));
                    }
                });
            });
    });
    (clicked_header, clicked_row)
}

/// "3 d 4 h", "2 h 5 min", "45 s": a distance a person reads at a glance.
pub fn human_seconds(seconds: i64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min {s} s"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}
