//! The rows behind the workbench's tables: what each table lists (locations, reports,
//! matches), each cell's text and sort key, and building the rows in order (search, sort)
//! on a worker thread when there are many.

use super::super::workspace::Workspace;
use compound_atlas_core::analysis::filter::FilteredView;
use compound_atlas_core::analysis::tables::{Cell, Selection, sort_rows, to_tsv};
use compound_atlas_core::analysis::triage::Triage;
use compound_atlas_core::matching::Strength;
use compound_atlas_core::model::Dataset;
use compound_atlas_core::values::address::{format_address, format_address_set};
use compound_atlas_core::values::time::{ImportZone, format_time, format_window_end};
use egui::Ui;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Locations,
    Reports,
    Matches,
}

impl Kind {
    /// The table's column titles, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Locations => &LOCATION_COLUMNS,
            Kind::Reports => &REPORT_COLUMNS,
            Kind::Matches => &compound_atlas_core::output::MATCHES_HEADER,
        }
    }

    /// The columns in the order shown: the data's own order, except that Matches shows
    /// what a reader scans for first (the report, the strength, where and when) before the
    /// contract's bookkeeping columns.
    pub fn display_order(self) -> Vec<usize> {
        match self {
            // report_id, strength, event_time, ip, port, location_name, country,
            // seconds_outside_window, then the rest.
            // The network columns follow the address they describe's neighbours.
            Kind::Matches => vec![
                0, 12, 4, 2, 3, 17, 18, 7, 8, 13, 5, 1, 6, 9, 10, 11, 14, 15, 16, 19,
            ],
            // Leads, then the networks, after the tags (which fit at 1400 px).
            Kind::Reports => vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11],
            _ => (0..self.columns().len()).collect(),
        }
    }

    /// The name a table is remembered by.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Locations => "locations",
            Kind::Reports => "reports",
            Kind::Matches => "matches",
        }
    }
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

pub const REPORT_COLUMNS: [&str; 13] = [
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
    "Networks",
    "Registered in",
    "Leads",
];

/// The matched-event aggregates of one report under the filter.
#[derive(Debug, Clone, Default)]
pub(super) struct ReportRow {
    pub(super) best: Option<Strength>,
    pub(super) matched_events: u64,
    pub(super) locations: u64,
}

/// What a table's rows index into: the data they were built from plus the aggregates the
/// build computed. A table keeps its own snapshot so that, while new rows are built in the
/// background, the old ones still draw against the data they belong to.
#[derive(Default)]
pub(super) struct Source {
    pub(super) dataset: Arc<Dataset>,
    /// The matches under the filter.
    pub(super) view: Arc<FilteredView>,
    pub(super) report_rows: HashMap<u32, ReportRow>,
    /// Per-location counts under the filter but not the selection, so that the Locations
    /// table keeps every row to add to the selection.
    pub(super) location_stats: Vec<compound_atlas_core::analysis::LocationStats>,
    pub(super) zone: ImportZone,
    /// How many network-level leads each report has.
    pub(super) report_leads: HashMap<u32, u32>,
}

/// Integer stand-ins for a text column: each distinct value's rank in the column's text
/// order, indexed by what the value comes from.
pub(super) enum SortRanks {
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
pub(super) const STRENGTHS: [Strength; 2] = [Strength::IpOnly, Strength::IpTime];

pub(super) const PORT_CHECKS: [compound_atlas_core::matching::PortCheck; 3] = [
    compound_atlas_core::matching::PortCheck::Match,
    compound_atlas_core::matching::PortCheck::NoPort,
    compound_atlas_core::matching::PortCheck::NotApplicable,
];

/// What the rows were built for: the filter generation, the sort (column, descending),
/// the search text and the triage generation (tags show in the Reports table).
/// And the leads the Reports table counts and may list: their generation and whether it lists them.
pub(super) type BuildKey = (u64, Option<(usize, bool)>, String, u64, (u64, bool));

/// Everything a build needs, owned, so that it can run on another thread.
pub(super) struct BuildRequest {
    pub(super) kind: Kind,
    pub(super) key: BuildKey,
    pub(super) dataset: Arc<Dataset>,
    pub(super) view: Arc<FilteredView>,
    pub(super) all_matches: Arc<compound_atlas_core::matching::MatchSet>,
    /// The filter without the location selection (for the Locations table).
    pub(super) filter: compound_atlas_core::analysis::filter::Filter,
    pub(super) selected_locations: BTreeSet<String>,
    pub(super) triage: Triage,
    /// The zone the data was read in, to show window ends given as dates.
    pub(super) zone: ImportZone,
    pub(super) leads: Arc<compound_atlas_core::analysis::ranking::AllLeads>,
    /// The Reports table lists the reports with leads instead of the matched ones.
    pub(super) with_leads: bool,
}

/// A table's rows in the order shown, and what they index into.
#[derive(Default)]
pub(super) struct Built {
    pub(super) source: Source,
    /// Row ids in the order shown: report indexes, or positions in the filtered matches.
    pub(super) order: Vec<u32>,
}

/// Distinct non-empty values in their first order, joined with "; ".
fn distinct_joined(values: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for value in values {
        if !value.is_empty() && !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen.join("; ")
}

pub(crate) fn strength_text(strength: Option<Strength>) -> &'static str {
    match strength {
        Some(Strength::IpTime) => "IP + time",
        Some(Strength::IpOnly) => "IP only",
        None => "",
    }
}

impl Source {
    pub(super) fn cell(&self, kind: Kind, triage: &Triage, column: usize, row: u32) -> Cell {
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
                    9 => text(
                        &triage
                            .tags_of(dataset.reports.id(row))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    10 => text(&distinct_joined(
                        events.iter().map(|&e| dataset.network(e).as_label()),
                    )),
                    11 => text(&distinct_joined(
                        events.iter().map(|&e| dataset.network(e).country.clone()),
                    )),
                    _ => self
                        .report_leads
                        .get(&row)
                        .map_or(Cell::Empty, |&n| Cell::Number(f64::from(n))),
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
                    15 => Cell::Text(if o.shared { "true" } else { "false" }.into()),
                    16 => dataset
                        .network(m.event)
                        .asn
                        .map_or(Cell::Empty, |a| Cell::Number(f64::from(a))),
                    17 => text(&dataset.network(m.event).as_org),
                    18 => text(&dataset.network(m.event).country),
                    _ => text(&dataset.ip_data.network_note(dataset.network(m.event))),
                }
            }
        }
    }

    /// For a column shown as text, integer stand-ins (see [`SortRanks`]) so that ten
    /// million rows sort without a string built per row; `None` for other columns.
    pub(super) fn sort_ranks(&self, kind: Kind, column: usize) -> Option<SortRanks> {
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
    pub(super) fn sort_key(
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

    pub(super) fn text(&self, kind: Kind, triage: &Triage, column: usize, row: u32) -> String {
        match self.cell(kind, triage, column, row) {
            Cell::Empty => String::new(),
            Cell::Number(n) => format!("{n}"),
            // A window's end given as a date shows as that date, not its last nanosecond.
            Cell::Time(t) if kind == Kind::Matches && column == 11 => {
                format_window_end(t, self.zone)
            }
            Cell::Time(t) => format_time(t),
            Cell::Text(t) => t,
            Cell::Ordinal(n) => n.to_string(),
        }
    }

    /// The report a row is about.
    pub(super) fn report_of(&self, kind: Kind, row: u32) -> Option<u32> {
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
    pub(super) fn copy(&self, selection: &Selection, kind: Kind, triage: &Triage, ui: &Ui) {
        let columns = kind.columns();
        let rows = selection.in_order(&self.order).into_iter().map(|row| {
            (0..columns.len())
                .map(|c| self.source.text(kind, triage, c, row))
                .collect()
        });
        ui.ctx().copy_text(to_tsv(columns, rows));
    }

    /// The report a row is about, as an index into the workspace's current data.
    pub(super) fn report_of(&self, kind: Kind, workspace: &Workspace, row: u32) -> Option<u32> {
        // Rows still shown from data that has since been replaced point nowhere.
        Arc::ptr_eq(&self.source.dataset, &workspace.dataset)
            .then(|| self.source.report_of(kind, row))
            .flatten()
    }
}

impl BuildRequest {
    /// How many rows the table starts from before the search narrows them.
    pub(super) fn candidate_rows(&self) -> usize {
        match self.kind {
            Kind::Locations => self.dataset.locations.len(),
            Kind::Reports => self.view.matches.len() + self.leads.network.leads.len(),
            Kind::Matches => self.view.matches.len(),
        }
    }

    /// The rows under the filter, narrowed by the search and sorted; `None` if cancelled.
    pub(super) fn build(self, cancel: &AtomicBool) -> Option<(Source, Vec<u32>)> {
        let kind = self.kind;
        let dataset = &*self.dataset;
        let mut source = Source {
            dataset: self.dataset.clone(),
            view: self.view.clone(),
            zone: self.zone,
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
                for lead in &self.leads.network.leads {
                    *source
                        .report_leads
                        .entry(dataset.events.report[lead.event as usize])
                        .or_default() += 1;
                }
                let listed = if self.with_leads {
                    &source
                        .report_leads
                        .keys()
                        .copied()
                        .collect::<BTreeSet<u32>>()
                } else {
                    &source
                        .report_rows
                        .keys()
                        .copied()
                        .collect::<BTreeSet<u32>>()
                };
                let mut ids: Vec<u32> = listed.iter().copied().collect();
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
            let columns = kind.columns().len();
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
