//! The result files of design.md §3 "Writing": `matches.csv`, `locations_summary.csv`,
//! `import_errors.csv` and `summary.json`. Each is staged in a temporary file in the
//! same folder, and the set is renamed into place once all are complete
//! (by `pipeline::write_results`), so a reader never sees half a file or half a set. Every cell is
//! spreadsheet-safe ([`SafeCsv`]), as in the evidence set. `leads.csv` and the link files
//! (`links`) are written on request.

pub mod links;

use crate::analysis::Summary;
use crate::analysis::ranking::Kind;
use crate::matching::MatchSet;
use crate::model::Dataset;
use crate::params::RunParameters;
use crate::values::atomic::{Staged, stage};
use crate::values::safe_csv::SafeCsv;
use crate::values::time::{Nanos, format_time};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub fn optional_time(time: Option<Nanos>) -> String {
    time.map(format_time).unwrap_or_default()
}

/// The contract's sixteen columns, then the additions at the end (`docs/formats.md`).
pub const MATCHES_HEADER: [&str; 20] = [
    "report_id",
    "event_index",
    "ip",
    "port",
    "event_time",
    "event_name",
    "location_id",
    "location_name",
    "country",
    "observation",
    "first_seen",
    "last_seen",
    "strength",
    "seconds_outside_window",
    "port_check",
    "shared",
    "asn",
    "as_org",
    "ip_country",
    "network_note",
];

/// Match indexes in the contract's order: report_id, event_index, location_id, then
/// observation id so that the order is total and the file deterministic.
pub fn sorted_match_order(dataset: &Dataset, matches: &MatchSet) -> Vec<u32> {
    let mut order: Vec<u32> = (0..matches.matches.len() as u32).collect();
    let key = |i: &u32| {
        let m = &matches.matches[*i as usize];
        let event = m.event as usize;
        let observation = &dataset.observations[m.observation as usize];
        (
            dataset.reports.id(dataset.events.report[event]),
            dataset.event_index(m.event),
            dataset.locations[observation.location as usize].id.as_str(),
            m.observation,
        )
    };
    order.sort_by(|a, b| key(a).cmp(&key(b)));
    order
}

/// One row of `matches.csv`; with `mask`, the report id and the addresses are masked
/// (see [`crate::analysis::mask`]) for stakeholder exports.
pub fn match_record(dataset: &Dataset, m: &crate::matching::Match, mask: bool) -> [String; 20] {
    let e = m.event as usize;
    let events = &dataset.events;
    let observation = &dataset.observations[m.observation as usize];
    let location = &dataset.locations[observation.location as usize];
    let masking = crate::analysis::mask::Masking(mask);
    let network = dataset.network(m.event);
    [
        masking.report_id(dataset.reports.id(events.report[e])),
        dataset.event_index(m.event).to_string(),
        masking.address(events.addr[e]),
        events.port_of(e).map(|p| p.to_string()).unwrap_or_default(),
        format_time(events.time[e]),
        dataset.strings.get(events.name[e]).to_string(),
        location.id.clone(),
        location.name.clone(),
        location.country.clone(),
        masking.address_set(observation.addresses),
        optional_time(observation.first_seen),
        optional_time(observation.last_seen),
        m.strength.as_str().to_string(),
        m.seconds_outside_window
            .map(|s| s.to_string())
            .unwrap_or_default(),
        m.port_check.as_str().to_string(),
        observation.shared.to_string(),
        network.asn_text(),
        network.as_org.clone(),
        network.country.clone(),
        dataset.ip_data.network_note(network),
    ]
}

pub fn stage_matches(path: &Path, dataset: &Dataset, matches: &MatchSet) -> io::Result<Staged> {
    let order = sorted_match_order(dataset, matches);
    stage(path, |out| {
        let mut csv = SafeCsv::new(out);
        csv.row(MATCHES_HEADER)?;
        for i in order {
            let record = match_record(dataset, &matches.matches[i as usize], false);
            csv.row(record.iter().map(String::as_str))?;
        }
        csv.finish()
    })
}

pub const LOCATIONS_SUMMARY_HEADER: [&str; 11] = [
    "location_id",
    "name",
    "country",
    "lat",
    "lon",
    "reports_ip_time",
    "reports_ip_only",
    "events_ip_time",
    "events_ip_only",
    "first_match",
    "last_match",
];

/// One row of `locations_summary.csv`.
pub fn location_summary_record(
    location: &crate::model::Location,
    stats: &crate::analysis::LocationStats,
) -> [String; 11] {
    [
        location.id.clone(),
        location.name.clone(),
        location.country.clone(),
        location.lat.map(|v| v.to_string()).unwrap_or_default(),
        location.lon.map(|v| v.to_string()).unwrap_or_default(),
        stats.reports_ip_time.to_string(),
        stats.reports_ip_only.to_string(),
        stats.events_ip_time.to_string(),
        stats.events_ip_only.to_string(),
        optional_time(stats.first_match),
        optional_time(stats.last_match),
    ]
}

pub fn stage_locations_summary(
    path: &Path,
    dataset: &Dataset,
    summary: &Summary,
) -> io::Result<Staged> {
    let mut order: Vec<usize> = (0..dataset.locations.len()).collect();
    order.sort_by(|&a, &b| dataset.locations[a].id.cmp(&dataset.locations[b].id));
    stage(path, |out| {
        let mut csv = SafeCsv::new(out);
        csv.row(LOCATIONS_SUMMARY_HEADER)?;
        for i in order {
            let record = location_summary_record(&dataset.locations[i], &summary.locations[i]);
            csv.row(record.iter().map(String::as_str))?;
        }
        csv.finish()
    })
}

/// Issues in file order, then line order (the order they were met).
pub fn stage_import_errors(path: &Path, dataset: &Dataset) -> io::Result<Staged> {
    stage_issues(path, dataset, None)
}

/// The issues of one input file (or of all, with `None`), as `import_errors.csv`.
pub fn write_issues(path: &Path, dataset: &Dataset, only_file: Option<u16>) -> io::Result<()> {
    stage_issues(path, dataset, only_file)?.commit()
}

fn stage_issues(path: &Path, dataset: &Dataset, only_file: Option<u16>) -> io::Result<Staged> {
    let mut order: Vec<usize> = (0..dataset.issues.len())
        .filter(|&i| only_file.is_none_or(|f| dataset.issues[i].file == f))
        .collect();
    order.sort_by_key(|&i| (dataset.issues[i].file, dataset.issues[i].line));
    stage(path, |out| {
        let mut csv = SafeCsv::new(out);
        csv.row(["file", "line", "column", "value", "severity", "message"])?;
        for i in order {
            let issue = &dataset.issues[i];
            csv.row([
                dataset.files[issue.file as usize]
                    .path
                    .display()
                    .to_string()
                    .as_str(),
                &issue.line.to_string(),
                &issue.column,
                &issue.value,
                issue.severity.as_str(),
                &issue.message,
            ])?;
        }
        csv.finish()
    })
}

/// `leads.csv`: every report below IP + time, one row per report and lead (kind and
/// location), scored (`analysis::ranking`), highest score first.
pub const LEADS_HEADER: [&str; 20] = [
    "report_id",
    "event_index",
    "ip",
    "event_time",
    "kind",
    "location_id",
    "asn",
    "as_org",
    "ip_country",
    "reason",
    "score",
    "events",
    "days",
    "addresses",
    "tied_ip_time_reports",
    "proximity",
    "evidence",
    "activity_fit",
    "exclusivity",
    "ties",
];

/// A factor or score as written: four decimals (they lie between 0 and 1; integer
/// formatting is exact here and far cheaper than float formatting a million times).
fn factor(value: f64) -> String {
    let units = (value.clamp(0.0, 1.0) * 10_000.0).round() as u32;
    format!("{}.{:04}", units / 10_000, units % 10_000)
}

/// Network-level reasons already made, by kind, location and network.
pub type ReasonCache = hashbrown::HashMap<(Kind, Option<u32>, Option<u32>), String>;

/// One row of `leads.csv`; with `mask`, the report id and address are masked.
pub fn lead_record(
    dataset: &Dataset,
    leads: &crate::analysis::ranking::AllLeads,
    lead: &crate::analysis::ranking::RankedLead,
    mask: bool,
    reasons: &mut ReasonCache,
) -> [String; 20] {
    let e = lead.event as usize;
    let masking = crate::analysis::mask::Masking(mask);
    let network = dataset.network(lead.event);
    let f = &lead.factors;
    [
        masking.report_id(dataset.reports.id(lead.report)),
        dataset.event_index(lead.event).to_string(),
        masking.address(dataset.events.addr[e]),
        format_time(dataset.events.time[e]),
        lead.kind.as_str().to_string(),
        lead.location
            .map(|l| dataset.locations[l as usize].id.clone())
            .unwrap_or_default(),
        network.asn_text(),
        network.as_org.clone(),
        network.country.clone(),
        match lead.kind {
            Kind::SharedAddress | Kind::SharedAccount if mask => masked_reason(dataset, lead),
            Kind::SameNetwork | Kind::Region => {
                let key = (lead.kind, lead.location, dataset.networks.id_of(lead.event));
                reasons
                    .entry(key)
                    .or_insert_with(|| leads.reason(dataset, lead))
                    .clone()
            }
            _ => leads.reason(dataset, lead),
        },
        factor(lead.score),
        lead.events.to_string(),
        lead.days.to_string(),
        lead.addresses.to_string(),
        lead.tied_ip_time.to_string(),
        factor(f.proximity),
        factor(f.evidence),
        factor(f.activity_fit),
        factor(f.exclusivity),
        factor(f.ties),
    ]
}

/// A second-degree reason names another report and an address: a masked set says
/// only what kind of tie it is.
fn masked_reason(dataset: &Dataset, lead: &crate::analysis::ranking::RankedLead) -> String {
    let at = lead
        .location
        .map(|l| format!(" at {}", dataset.locations[l as usize].name))
        .unwrap_or_default();
    match lead.kind {
        Kind::SharedAddress => format!("shares an address with a matched report{at}"),
        _ => format!("shares an account with a matched report{at}"),
    }
}

/// Write `leads.csv` rows to `csv`, in the file's order (the ranking's). Rows are made
/// in parallel, a block at a time, and a network-level reason once per kind, location
/// and network: a million leads share a few hundred of them.
pub fn write_leads<W: Write>(
    csv: &mut SafeCsv<W>,
    dataset: &Dataset,
    leads: &crate::analysis::ranking::AllLeads,
    mask: bool,
) -> io::Result<()> {
    use rayon::prelude::*;
    csv.row(LEADS_HEADER)?;
    for block in leads.ranked.chunks(1 << 16) {
        let records: Vec<[String; 20]> = block
            .par_iter()
            .map_init(ReasonCache::new, |reasons, lead| {
                lead_record(dataset, leads, lead, mask, reasons)
            })
            .collect();
        for record in &records {
            csv.row(record.iter().map(String::as_str))?;
        }
    }
    Ok(())
}

pub fn stage_leads(
    path: &Path,
    dataset: &Dataset,
    leads: &crate::analysis::ranking::AllLeads,
) -> io::Result<Staged> {
    stage(path, |out| {
        let mut csv = SafeCsv::new(out);
        write_leads(&mut csv, dataset, leads, false)?;
        csv.finish()
    })
}

#[derive(Debug, serde::Serialize)]
struct Counts {
    reports: u64,
    events: u64,
    rejected_rows: u64,
    duplicate_events: u64,
    rows_with_warnings: u64,
    locations: u64,
    observations: u64,
    matches: u64,
}

#[derive(Debug, serde::Serialize)]
struct InputFile {
    path: PathBuf,
    kind: crate::model::FileKind,
    size: u64,
    sha256: String,
    rows_accepted: u64,
    rows_rejected: u64,
    rows_with_warnings: u64,
    duplicate_events: u64,
}

#[derive(Debug, serde::Serialize)]
struct SummaryJson<'a> {
    tool: &'static str,
    version: &'static str,
    created_at: String,
    parameters: &'a RunParameters,
    counts: Counts,
    headline: &'a crate::analysis::Headline,
    inputs: Vec<InputFile>,
    ip_data: crate::ipdata::IpDataRecord,
}

pub fn stage_summary_json(
    path: &Path,
    dataset: &Dataset,
    matches: &MatchSet,
    summary: &Summary,
    parameters: &RunParameters,
    created_at: Nanos,
) -> io::Result<Staged> {
    let json = SummaryJson {
        tool: "compound-atlas",
        version: env!("CARGO_PKG_VERSION"),
        created_at: format_time(created_at),
        parameters,
        counts: Counts {
            reports: dataset.reports.len() as u64,
            events: dataset.events.len() as u64,
            rejected_rows: dataset.rejected_rows(),
            duplicate_events: dataset.duplicate_events(),
            rows_with_warnings: dataset.files.iter().map(|f| f.rows_with_warnings).sum(),
            locations: dataset.locations.len() as u64,
            observations: dataset.observations.len() as u64,
            matches: matches.matches.len() as u64,
        },
        headline: &summary.headline,
        inputs: dataset
            .files
            .iter()
            .map(|f| InputFile {
                path: f.path.clone(),
                kind: f.kind,
                size: f.size,
                sha256: f.sha256.clone(),
                rows_accepted: f.rows_accepted,
                rows_rejected: f.rows_rejected,
                rows_with_warnings: f.rows_with_warnings,
                duplicate_events: f.duplicate_events,
            })
            .collect(),
        ip_data: dataset.ip_data.record(false),
    };
    stage(path, |out| {
        serde_json::to_writer_pretty(&mut *out, &json)?;
        out.write_all(b"\n")
    })
}
