//! The evidence set: the data under the current filter written as a folder (or one
//! `.zip`) that a stakeholder can open without the tool and anyone can verify.
//!
//! It holds `matches.csv`, `reports.csv`, `events.csv` (every event of the exported
//! reports, matched or not), `locations.csv`, `locations.geojson`, `locations.kml`,
//! `import_errors.csv`, `audit_log.csv` (the case's history: what was imported, changed
//! and exported, when and by whom), `map.png`, `summary.html`, `links.graphml` (the link
//! graph of the exported matches) and `manifest.json`, which
//! records the inputs' and outputs' SHA-256, and `manifest.sha256`, which seals the
//! manifest ([`SEAL`]). Every CSV cell is spreadsheet-safe ([`safe_csv`]); the
//! same inputs and filter give the same bytes, apart from the manifest's creation time.

pub mod geo;
pub mod html;
pub mod intel;
pub mod misp;
pub mod stix;
/// The spreadsheet-safety rule, kept here under its old path for scripts and tests.
pub use crate::values::safe_csv;
mod summary;
mod tables;
pub mod verify;

use summary::{MAP_SIZE, PAGE_MAP_SIZE, map_png, summary_html};

/// The link chart in `summary.html`, in pixels.
const LINK_PICTURE_SIZE: (f32, f32) = (960.0, 720.0);
use tables::*;

use crate::analysis::filter::{Filter, FilteredView, apply_with_triage};
use crate::analysis::mask::Masking;
use crate::analysis::triage::Triage;
use crate::case::AuditEntry;
use crate::matching::{MatchSet, Strength};
use crate::model::Dataset;
use crate::output::{
    LOCATIONS_SUMMARY_HEADER, MATCHES_HEADER, location_summary_record, match_record, optional_time,
    sorted_match_order,
};
use crate::params::RunParameters;
use crate::values::progress::{Cancelled, Progress};
use crate::values::safe_csv::SafeCsv;
pub use crate::values::text::sha256_hex;
use crate::values::time::{Nanos, format_time};
use geo::LocationRow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// The name of the manifest inside every evidence set.
pub const MANIFEST: &str = "manifest.json";

/// The manifest's seal: its SHA-256 in `sha256sum` format (`sha256sum -c` checks it),
/// so that no field of the manifest (analyst, times, counts, inputs, parameters) can be
/// edited without `verify` seeing it. Anyone can recompute a hash: what binds a set to
/// its maker is the same digest received through another channel (see the README).
pub const SEAL: &str = "manifest.sha256";

/// The seal's one line for a manifest whose SHA-256 is `sha256`.
fn seal_line(sha256: &str) -> Vec<u8> {
    format!("{sha256}  {MANIFEST}\n").into_bytes()
}

/// The SHA-256 a seal names for the manifest, if it is one.
pub(crate) fn parse_seal(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (sha256, name) = text.trim_end_matches('\n').split_once("  ")?;
    let is_hex = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    (is_hex && name == MANIFEST).then(|| sha256.to_ascii_lowercase())
}

/// What to export and how.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    pub filter: Filter,
    pub triage: Triage,
    pub parameters: RunParameters,
    /// Mask report ids and addresses, for stakeholders (see [`crate::analysis::mask`]).
    pub mask: bool,
    pub analyst: Option<String>,
    pub case_reference: Option<String>,
    /// The case's audit log up to this export (empty without a case).
    pub audit: Vec<AuditEntry>,
    /// Add `leads.csv`: the network-level leads of the whole data (they are of events
    /// that match nothing, so the filter, which narrows matches, does not narrow them).
    pub leads: Option<crate::params::LeadParams>,
    /// The TLP marking of `misp_event.json` (TLP:AMBER unless chosen).
    pub tlp: intel::Tlp,
    /// Name the reports behind each sighting in `stix_bundle.json` and
    /// `misp_event.json` (never in a masked set).
    pub include_report_ids: bool,
    /// The organisation that sighted the matches, named in the STIX identity and as the
    /// MISP event's creator; "Compound Atlas user" when not given.
    pub organisation: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the export was cancelled; nothing was written")]
    Cancelled(#[from] Cancelled),
    #[error("{0} already exists and is not empty; choose a new folder or file name")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub path: PathBuf,
    pub matches: u64,
    pub reports: u64,
    pub events: u64,
    /// Each file's name and size, in the order written.
    pub files: Vec<(String, u64)>,
    /// The SHA-256 of `manifest.json`, to give the recipient separately.
    pub manifest_sha256: String,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ManifestFile {
    pub file: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ManifestInput {
    pub name: String,
    pub kind: String,
    pub size: u64,
    pub sha256: String,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ManifestFilter {
    pub description: String,
    pub conditions: Filter,
}

/// `manifest.json`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub created_at: String,
    pub analyst: Option<String>,
    pub case_reference: Option<String>,
    pub masked: bool,
    pub parameters: serde_json::Value,
    pub filter: ManifestFilter,
    pub counts: BTreeMap<String, u64>,
    pub inputs: Vec<ManifestInput>,
    pub outputs: Vec<ManifestFile>,
    /// The IP data the set was enriched with (absent in sets made before enrichment).
    #[serde(default)]
    pub ip_data: Option<crate::ipdata::IpDataRecord>,
}

/// The exported files, in memory until they are all made (an evidence set is small:
/// the matched reports, not the whole data).
struct Files {
    files: Vec<(String, Vec<u8>)>,
}

impl Files {
    fn add(&mut self, name: &str, bytes: Vec<u8>, progress: &Progress) -> Result<(), ExportError> {
        if progress.is_cancelled() {
            return Err(ExportError::Cancelled(Cancelled));
        }
        self.files.push((name.to_string(), bytes));
        progress.bytes_done.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// What an export adds to its case's audit log.
pub fn audit_detail(filter: &Filter, masked: bool, exported: &Exported) -> String {
    format!(
        "{} to {} ({} matches, {} reports{})",
        filter.describe(),
        exported.path.display(),
        exported.matches,
        exported.reports,
        if masked { ", masked" } else { "" }
    )
}

/// The files of the evidence set and the figures, without writing anything.
fn build(
    dataset: &Dataset,
    all_matches: &MatchSet,
    options: &ExportOptions,
    created_at: Nanos,
    progress: &Progress,
) -> Result<(Files, Exported), ExportError> {
    progress
        .bytes_total
        .store(16 + u64::from(options.leads.is_some()), Ordering::Relaxed);
    progress.bytes_done.store(0, Ordering::Relaxed);
    let view = apply_with_triage(dataset, all_matches, &options.filter, &options.triage);
    let ids = Masking(options.mask);
    let facts = report_facts(dataset, &view);
    let reports = sorted_reports(dataset, &facts);
    let locations = location_rows(dataset, &view, &options.filter);
    let mut files = Files { files: Vec::new() };
    files.add("matches.csv", matches_csv(dataset, &view, ids), progress)?;
    files.add(
        "reports.csv",
        reports_csv(dataset, &facts, &reports, &options.triage, ids),
        progress,
    )?;
    files.add(
        "events.csv",
        events_csv(dataset, &view, &reports, ids),
        progress,
    )?;
    files.add("locations.csv", locations_csv(&locations), progress)?;
    let geojson = serde_json::to_vec_pretty(&geo::geojson(&locations)).expect("JSON in memory");
    files.add("locations.geojson", geojson, progress)?;
    let mut kml = Vec::new();
    geo::write_kml(&mut kml, "Compound Atlas locations", &locations).expect("KML in memory");
    files.add("locations.kml", kml, progress)?;
    files.add(
        "import_errors.csv",
        import_errors_csv(dataset, options.mask),
        progress,
    )?;
    let audit = audit_entries(dataset, &options.audit, options.mask);
    files.add("audit_log.csv", audit_log_csv(&audit), progress)?;
    let all_leads = options
        .leads
        .as_ref()
        .map(|params| crate::analysis::ranking::all_leads(dataset, all_matches, params));
    // The link graph of the exported matches, with the ties the leads found (or, without
    // leads, found with the default link parameters).
    let links = match &all_leads {
        Some(all) => std::borrow::Cow::Borrowed(&all.links),
        None => std::borrow::Cow::Owned(crate::analysis::links::find_links(
            dataset,
            all_matches,
            &Default::default(),
        )),
    };
    let graph = crate::analysis::graph::graph(dataset, &view.matches, &links);
    let link_picture = crate::map::link_picture::svg(&crate::map::link_picture::whole_scene(
        dataset,
        &links,
        &graph,
        LINK_PICTURE_SIZE,
        crate::analysis::mask::Masking(options.mask),
        false,
    ));
    let map = map_png(dataset, &view, MAP_SIZE);
    let page_map = map_png(dataset, &view, PAGE_MAP_SIZE);
    let html = summary_html(
        dataset,
        &view,
        options,
        &locations,
        (&page_map, &link_picture),
        &audit,
    );
    files.add("map.png", map, progress)?;
    files.add("summary.html", html, progress)?;
    let intel = intelligence(dataset, &view, options, &locations, created_at);
    let mut stix = serde_json::to_vec_pretty(&stix::bundle(&intel)).expect("JSON in memory");
    stix.push(b'\n');
    files.add("stix_bundle.json", stix, progress)?;
    let mut misp = serde_json::to_vec_pretty(&misp::event(&intel)).expect("JSON in memory");
    misp.push(b'\n');
    files.add("misp_event.json", misp, progress)?;
    let graphml = crate::output::links::graphml(dataset, &links, &graph, options.mask);
    files.add("links.graphml", graphml.into_bytes(), progress)?;
    let leads = all_leads.map(|leads| {
        let bytes = csv_bytes(|csv| crate::output::write_leads(csv, dataset, &leads, options.mask));
        (leads.ranked.len() as u64, bytes)
    });
    if let Some((_, bytes)) = leads.as_ref() {
        files.add("leads.csv", bytes.clone(), progress)?;
    }

    let events: u64 = facts
        .keys()
        .map(|&r| dataset.events_of(r).len() as u64)
        .sum();
    let counts = [
        ("matches", view.matches.len() as u64),
        ("reports", facts.len() as u64),
        ("events", events),
        ("locations", locations.len() as u64),
        ("reports_ip_time", view.summary.headline.reports_ip_time),
        ("reports_any_match", view.summary.headline.reports_any_match),
        ("locations_ip_time", view.summary.headline.locations_ip_time),
    ];
    let lead_count = leads.map(|(count, _)| ("leads", count));
    let counts: Vec<(&str, u64)> = counts.into_iter().chain(lead_count).collect();
    let manifest = manifest(dataset, options, created_at, &counts, &files);
    let mut json = serde_json::to_vec_pretty(&manifest).expect("manifest as JSON");
    json.push(b'\n');
    let manifest_sha256 = sha256_hex(&json);
    files.add(MANIFEST, json, progress)?;
    files.add(SEAL, seal_line(&manifest_sha256), progress)?;
    let exported = Exported {
        path: PathBuf::new(),
        matches: view.matches.len() as u64,
        reports: facts.len() as u64,
        events,
        files: files
            .files
            .iter()
            .map(|(n, b)| (n.clone(), b.len() as u64))
            .collect(),
        manifest_sha256,
    };
    Ok((files, exported))
}

/// The intelligence files' input: the exported locations with their sightings.
fn intelligence<'a>(
    dataset: &'a Dataset,
    view: &FilteredView,
    options: &ExportOptions,
    locations: &[LocationRow],
    created_at: Nanos,
) -> intel::Intel<'a> {
    let index: std::collections::HashMap<&str, u32> = dataset
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id.as_str(), i as u32))
        .collect();
    let exported = locations
        .iter()
        .map(|r| index[r.location.id.as_str()])
        .collect();
    let mut intel = intel::Intel::new(dataset, exported, &view.matches, created_at);
    intel.mask = options.mask;
    intel.report_ids = options.include_report_ids && !options.mask;
    intel.tlp = options.tlp;
    if let Some(organisation) = options
        .organisation
        .as_ref()
        .filter(|o| !o.trim().is_empty())
    {
        intel.organisation = organisation.trim().to_string();
    }
    if let Some(case) = options
        .case_reference
        .as_ref()
        .filter(|c| !c.trim().is_empty())
    {
        intel.title = case.trim().to_string();
    }
    intel
}

/// The manifest: the tool, parameters, filter, counts, each input and each output file
/// with its size and SHA-256.
fn manifest(
    dataset: &Dataset,
    options: &ExportOptions,
    created_at: Nanos,
    counts: &[(&str, u64)],
    files: &Files,
) -> Manifest {
    let counts: BTreeMap<String, u64> = counts.iter().map(|&(k, v)| (k.to_string(), v)).collect();
    Manifest {
        tool: "compound-atlas".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        created_at: format_time(created_at),
        analyst: options.analyst.clone(),
        case_reference: options.case_reference.clone(),
        masked: options.mask,
        parameters: serde_json::to_value(&options.parameters).expect("parameters as JSON"),
        filter: ManifestFilter {
            description: options.filter.describe(),
            conditions: options.filter.clone(),
        },
        counts,
        inputs: dataset
            .files
            .iter()
            .map(|f| ManifestInput {
                name: f.name(),
                kind: f.kind.as_str().to_string(),
                size: f.size,
                sha256: f.sha256.clone(),
                rows_accepted: f.rows_accepted,
                rows_rejected: f.rows_rejected,
            })
            .collect(),
        outputs: files
            .files
            .iter()
            .map(|(name, bytes)| ManifestFile {
                file: name.clone(),
                size: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            })
            .collect(),
        ip_data: Some(dataset.ip_data.record(true)),
    }
}

/// Whether `out` names a zip archive rather than a folder.
pub fn is_zip(out: &Path) -> bool {
    out.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Export the data under `options.filter` to `out`: a folder, or one archive when `out`
/// ends in `.zip`. Nothing appears at `out` until every file is complete: the folder is
/// filled under a temporary name and renamed; the archive is written to a temporary file.
/// An existing non-empty folder or an existing file is never overwritten.
pub fn export(
    dataset: &Dataset,
    matches: &MatchSet,
    options: &ExportOptions,
    out: &Path,
    created_at: Nanos,
    progress: &Progress,
) -> Result<Exported, ExportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    let occupied = if is_zip(out) {
        out.exists()
    } else {
        out.exists() && std::fs::read_dir(out).map_err(io(out))?.next().is_some()
    };
    if occupied {
        return Err(ExportError::Exists(out.to_path_buf()));
    }
    let (files, mut exported) = build(dataset, matches, options, created_at, progress)?;
    if progress.is_cancelled() {
        return Err(ExportError::Cancelled(Cancelled));
    }
    exported.path = out.to_path_buf();
    if is_zip(out) {
        // Built in memory (the set is in memory already), so that a full disk fails the
        // one write below with one message, not the archive writer's own in its drop.
        let archive = zip_archive(&files).map_err(io(out))?;
        crate::values::atomic::write_atomically(out, |writer| writer.write_all(&archive))
            .map_err(io(out))?;
    } else {
        write_folder(out, &files).map_err(io(out))?;
    }
    Ok(exported)
}

fn zip_archive(files: &Files) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // A fixed time on every entry, so that the same export gives the same archive.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in &files.files {
        zip.start_file(name.as_str(), options)
            .map_err(std::io::Error::other)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

fn write_folder(out: &Path, files: &Files) -> std::io::Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let name = out
        .file_name()
        .ok_or_else(|| std::io::Error::other("the output path has no folder name"))?;
    // Made exclusively under an unpredictable name, so nothing planted there is reused.
    let prefix = format!(".{}.partial-", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // Readable by its owner alone, as the archive and `match`'s files are: it holds data
    // about victims, to be shared deliberately.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let temp = builder.tempdir_in(parent)?;
    for (name, bytes) in &files.files {
        let mut file = std::fs::File::create_new(temp.path().join(name))?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    if out.exists() {
        // Checked empty above; a folder the user made for the export.
        std::fs::remove_dir(out)?;
    }
    // Dropped on any error above, the temporary folder is removed with what it holds.
    let kept = temp.keep();
    std::fs::rename(&kept, out).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&kept);
    })
}
