//! The workbench's one application state: what is loaded, the matches, the filter, the
//! selection and the running background job. Views read it and change it only through
//! [`Intent`]s, applied in one place after each frame.

mod case_io;
mod intent;
mod jobs;
mod sample;

pub use case_io::AUTOSAVE_EVERY;
pub use intent::Intent;
pub use jobs::{JobOutcome, RunningJob};
pub use sample::{Sample, SampleJob, is_sampled};

use compound_atlas_core::analysis::filter::{Filter, FilteredView};
use compound_atlas_core::analysis::ranking::{AllLeads, all_leads};
use compound_atlas_core::ingest::formats::{Format, detect};
use compound_atlas_core::ingest::headers::{ColumnMap, LocationField, ReportField};
use compound_atlas_core::ingest::preview::{FileStart, file_start};
use compound_atlas_core::ingest::{FileError, Input};
use compound_atlas_core::matching::{MatchSet, match_events};
use compound_atlas_core::model::{Dataset, FileKind};
use compound_atlas_core::pipeline::{Inputs, load};
use compound_atlas_core::values::progress::Progress;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// The data the workbench opens with: the synthetic sample set and the gazetteer.
pub use compound_atlas_core::embedded::sample_inputs as embedded_inputs;

/// What the export dialog asks for besides the destination.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportChoices {
    pub mask: bool,
    pub analyst: String,
    pub case_reference: String,
    /// Add leads.csv, the network-level leads found with the region in the Leads section.
    #[serde(default)]
    pub leads: bool,
    /// The TLP marking of misp_event.json: `tlp:amber` and the like.
    #[serde(default = "default_tlp")]
    pub tlp: String,
    /// Name the reports behind each sighting in the STIX and MISP files (not when masked).
    #[serde(default)]
    pub include_report_ids: bool,
    /// The organisation named as the one that sighted the matches.
    #[serde(default)]
    pub organisation: String,
}

fn default_tlp() -> String {
    compound_atlas_core::export::intel::Tlp::default()
        .tag()
        .to_string()
}

pub use compound_atlas_core::params::Params;

/// A file shown in the import preview before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingImport {
    pub path: PathBuf,
    pub kind: FileKind,
    pub start: FileStart,
    pub report_columns: ColumnMap<ReportField>,
    pub location_columns: ColumnMap<LocationField>,
    /// The sheet to read, for a spreadsheet.
    pub sheet: Option<String>,
    /// The format found in the file's content; files other than CSV show a sample of
    /// what they hold instead of their columns.
    pub format: Format,
}

impl PendingImport {
    pub fn new(path: PathBuf, kind: FileKind) -> Result<PendingImport, FileError> {
        let format = detect(&Input::File(path.clone())).map_err(|source| FileError::Io {
            path: path.clone(),
            source,
        })?;
        let start = if format != Format::Csv {
            FileStart::default()
        } else {
            file_start(&path, 12)?
        };
        let report_columns =
            ColumnMap::from_header(&start.header, &ReportField::ALL, ReportField::names);
        let location_columns =
            ColumnMap::from_header(&start.header, &LocationField::ALL, LocationField::names);
        Ok(PendingImport {
            path,
            kind,
            start,
            report_columns,
            location_columns,
            sheet: None,
            format,
        })
    }

    /// The required fields that no column supplies (none for a sampled format: its
    /// fields are the format's own).
    pub fn missing_fields(&self) -> Vec<&'static str> {
        if is_sampled(self) {
            return Vec::new();
        }
        match self.kind {
            FileKind::Reports => ReportField::REQUIRED
                .iter()
                .filter(|&&f| self.report_columns.column(f).is_none())
                .map(|f| f.name())
                .collect(),
            FileKind::Locations => LocationField::REQUIRED
                .iter()
                .filter(|&&f| self.location_columns.column(f).is_none())
                .map(|f| f.name())
                .collect(),
        }
    }
}

/// What a finished save wrote, to mark it saved.
pub struct CaseSaved {
    pub path: PathBuf,
    /// The layout saved.
    layout: compound_atlas_core::case::Layout,
    /// The marks of the workspace when the save started; later edits stay unsaved.
    marks: SaveMarks,
    /// How many audit entries the file now holds.
    audit_written: usize,
    /// The whole data was written, not only the state.
    pub whole: bool,
    pub autosave: bool,
    then: Option<AfterSave>,
    /// The lock of a case saved to a new file, which the workspace holds from now on.
    lock: Option<compound_atlas_core::case::lock::CaseLock>,
}

/// A case read back and matched, ready to replace the workspace's contents.
pub struct OpenedCase {
    pub path: PathBuf,
    inputs: Inputs,
    dataset: Arc<Dataset>,
    matches: Arc<MatchSet>,
    state: compound_atlas_core::case::CaseState,
    audit: Vec<compound_atlas_core::case::AuditEntry>,
    lock: Option<compound_atlas_core::case::lock::CaseLock>,
}

/// What to do once the open case is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AfterSave {
    Open(PathBuf),
    New(PathBuf),
}

/// Counters that say what the workspace holds; compared with those of the last save.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct SaveMarks {
    /// Every change kept in a case (filter, selection, tags, notes, views, parameters).
    edits: u64,
    /// Changes that would be work lost if not saved (not filter or selection).
    work: u64,
    /// Changes whenever the data is replaced.
    data: u64,
}

/// A message for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

impl Notice {
    /// A message that says something went wrong.
    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            is_error: true,
        }
    }

    /// A message that says what happened.
    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            is_error: false,
        }
    }

    /// "Saved …" or "Could not save …: reason", after writing a file the user chose.
    pub fn of_save(path: &std::path::Path, outcome: std::io::Result<()>) -> Notice {
        match outcome {
            Ok(()) => Notice::info(format!("Saved {}.", path.display())),
            Err(e) => Notice::error(format!("Could not save {}: {e}", path.display())),
        }
    }
}

pub struct Workspace {
    pub inputs: Inputs,
    /// Parameters the current data was loaded and matched with.
    pub applied: Params,
    /// Parameters being edited in the panel.
    pub params: Params,
    pub dataset: Arc<Dataset>,
    pub matches: Arc<MatchSet>,
    pub filter: Filter,
    /// Locations selected (on the map or in a table); they narrow every view like a filter.
    pub selection: BTreeSet<String>,
    pub view: Arc<FilteredView>,
    /// The filter without the selection: the map sizes every marker by it, so that
    /// selecting one location does not empty the others.
    pub unselected: Arc<FilteredView>,
    /// Changes whenever `view` is recomputed, so views can cache what they derive from it.
    pub view_generation: u64,
    pub job: Option<RunningJob>,
    pub notice: Option<Notice>,
    /// Distinct values offered by the filter panel, refreshed with the data.
    pub choices: Choices,
    /// Files the user imported recently, newest first.
    pub recent: Vec<(FileKind, PathBuf)>,
    /// Tags and notes, by report id.
    pub triage: compound_atlas_core::analysis::triage::Triage,
    /// Changes whenever `triage` does, so views can cache what they show of it.
    pub triage_generation: u64,
    /// Files waiting in the import preview; the first is shown.
    pub pending: Vec<PendingImport>,
    /// The sample of the first pending file, when it is not CSV.
    pub sample: Option<SampleJob>,
    /// Files confirmed in the preview, read together once the preview is done.
    staged: Inputs,
    /// The case file the work is saved to; `None` until it is first saved as a case.
    pub case_path: Option<PathBuf>,
    /// Keeps other windows from opening `case_path` while this one has it.
    case_lock: Option<compound_atlas_core::case::lock::CaseLock>,
    /// Named saved views: a name and the filter with the selection.
    pub views: Vec<(String, Filter)>,
    /// Who is working, recorded in the audit log and exports.
    pub analyst: String,
    /// The audit log: the entries saved in the case first, then those not yet saved.
    pub audit: Vec<compound_atlas_core::case::AuditEntry>,
    /// How many of `audit` the case file holds.
    pub audit_saved: usize,
    /// Where the workbench is, kept with the case (the GUI keeps it current).
    pub layout: compound_atlas_core::case::Layout,
    marks: SaveMarks,
    /// The layout the case file holds.
    saved_layout: compound_atlas_core::case::Layout,
    /// The marks at the last save (or when the case was opened or the workbench started).
    saved_marks: SaveMarks,
    /// The data generation the case file holds, so that a save without new data writes
    /// only the state.
    case_data: Option<u64>,
    /// When the case was last saved or opened, for the autosave interval.
    pub last_saved: Instant,
    /// Case files opened or saved recently, newest first.
    pub recent_cases: Vec<PathBuf>,
    /// The layout of a case just opened, for the GUI to take and show.
    pub restore_layout: Option<compound_atlas_core::case::Layout>,
    /// Every lead of the data (network-level, second-degree ties, each report below
    /// IP + time scored), found again when the data or the region's countries change;
    /// weaker than matches, never in the figures.
    pub leads: Arc<AllLeads>,
    /// Changes whenever `leads` does, so that views can cache what they derive from it.
    pub leads_generation: u64,
    /// Why the region's countries cannot be read, if they cannot.
    pub leads_problem: Option<String>,
    /// The data generation and region text the leads are (being) found for.
    leads_key: Option<(u64, String, String)>,
    leads_pending: Option<std::sync::mpsc::Receiver<AllLeads>>,
}

/// The values present in the data, for the filter checkboxes.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub countries: Vec<String>,
    pub locations: Vec<(String, String)>,
    pub platforms: Vec<String>,
    pub incident_types: Vec<String>,
    pub event_names: Vec<String>,
    /// AS organisations and registered countries of the events' addresses.
    pub as_orgs: Vec<String>,
    pub ip_countries: Vec<String>,
    /// The parties of the events (`unknown` for events without one), when any is given.
    pub parties: Vec<String>,
}

/// The distinct non-empty values of one field of the events' networks, sorted (a few
/// thousand networks at most, however many events).
fn network_values(
    dataset: &Dataset,
    field: fn(&compound_atlas_core::ipdata::Network) -> &String,
) -> Vec<String> {
    let values: BTreeSet<&String> = dataset
        .networks
        .networks()
        .iter()
        .map(field)
        .filter(|v| !v.is_empty())
        .collect();
    values.into_iter().cloned().collect()
}

/// The parties the events name, as the filter names them; none when no file gives any.
fn parties_of(dataset: &Dataset) -> Vec<String> {
    use compound_atlas_core::analysis::filter::NO_PARTY;
    use compound_atlas_core::model::Party;
    let mut seen = [false; 8];
    for e in 0..dataset.events.len() {
        seen[dataset.events.party_bits(e) as usize] = true;
    }
    if seen[1..].iter().all(|s| !s) {
        return Vec::new();
    }
    let mut list: Vec<String> = Party::ALL
        .into_iter()
        .filter(|&p| seen[p as usize])
        .map(|p| p.name().to_string())
        .collect();
    if seen[0] {
        list.push(NO_PARTY.to_string());
    }
    list
}

impl Choices {
    fn of(dataset: &Dataset) -> Choices {
        // A flag per interned string rather than a set: this runs over every event (10 M
        // at full scale) in the frame that takes new data, and a set made that frame slow.
        let names = |ids: &[u32]| -> Vec<String> {
            let mut seen = vec![false; dataset.strings.len()];
            for &id in ids {
                seen[id as usize] = true;
            }
            let mut list: Vec<String> = (1..seen.len())
                .filter(|&id| seen[id])
                .map(|id| dataset.strings.get(id as u32).to_string())
                .collect();
            list.sort();
            list
        };
        let mut locations: Vec<(String, String)> = dataset
            .locations
            .iter()
            .map(|l| (l.id.clone(), l.name.clone()))
            .collect();
        locations.sort_by(|a, b| a.1.cmp(&b.1));
        let countries: BTreeSet<String> = dataset
            .locations
            .iter()
            .map(|l| l.country.clone())
            .filter(|c| !c.is_empty())
            .collect();
        Choices {
            countries: countries.into_iter().collect(),
            locations,
            platforms: names(&dataset.reports.platform),
            incident_types: names(&dataset.reports.incident_type),
            event_names: names(&dataset.events.name),
            as_orgs: network_values(dataset, |n| &n.as_org),
            ip_countries: network_values(dataset, |n| &n.country),
            parties: parties_of(dataset),
        }
    }
}

impl Workspace {
    /// Load and match on the calling thread: for the small built-in data at start-up,
    /// and for tests.
    pub fn load_blocking(inputs: Inputs, params: Params) -> Result<Workspace, String> {
        let (options, match_params) = params.resolve().map_err(|e| e.to_string())?;
        let progress = Progress::default();
        let dataset = load(&inputs, options, &progress).map_err(|e| e.to_string())?;
        let matches = match_events(&dataset, match_params, &progress).map_err(|e| e.to_string())?;
        let mut workspace = Workspace {
            inputs,
            applied: params.clone(),
            params,
            dataset: Arc::new(Dataset::default()),
            matches: Arc::new(MatchSet::default()),
            filter: Filter::default(),
            selection: BTreeSet::new(),
            view: Arc::default(),
            view_generation: 0,
            unselected: Arc::default(),
            job: None,
            notice: None,
            choices: Choices::default(),
            recent: Vec::new(),
            pending: Vec::new(),
            sample: None,
            staged: Inputs::default(),
            triage: compound_atlas_core::analysis::triage::Triage::default(),
            triage_generation: 0,
            case_path: None,
            case_lock: None,
            views: Vec::new(),
            analyst: String::new(),
            audit: Vec::new(),
            audit_saved: 0,
            layout: Default::default(),
            marks: SaveMarks::default(),
            saved_marks: SaveMarks::default(),
            saved_layout: Default::default(),
            case_data: None,
            last_saved: Instant::now(),
            recent_cases: Vec::new(),
            restore_layout: None,
            leads: Arc::default(),
            leads_generation: 0,
            leads_problem: None,
            leads_key: None,
            leads_pending: None,
        };
        workspace.record_imports(&Dataset::default(), &dataset);
        workspace.replace_data(Arc::new(dataset), Arc::new(matches));
        // What the workbench opens with is not work to save.
        workspace.saved_marks = workspace.marks;
        Ok(workspace)
    }

    /// An empty workspace that loads `inputs` in the background.
    pub fn load_in_background(inputs: Inputs, params: Params) -> Workspace {
        let mut workspace = Workspace::load_blocking(Inputs::default(), Params::default())
            .expect("nothing to read");
        workspace.params = params;
        workspace.start_load(inputs);
        workspace
    }

    pub(super) fn replace_data(&mut self, dataset: Arc<Dataset>, matches: Arc<MatchSet>) {
        // The lookup tables that sorting by report id, address or event index needs take
        // a moment at full scale: build them now on a spare thread, not on the first sort.
        // A sort that comes sooner waits for this same computation instead of repeating it.
        let warm = Arc::clone(&dataset);
        std::thread::spawn(move || {
            warm.reports.id_ranks();
            warm.address_ranks();
            if !warm.events.is_empty() {
                warm.event_index(0);
            }
        });
        self.choices = Choices::of(&dataset);
        self.dataset = dataset;
        self.matches = matches;
        self.marks.data += 1;
        let known: BTreeSet<&str> = self
            .dataset
            .locations
            .iter()
            .map(|l| l.id.as_str())
            .collect();
        self.selection.retain(|id| known.contains(id.as_str()));
        self.refresh_view();
    }

    /// The filter plus the selection, as applied to every view.
    pub fn effective_filter(&self) -> Filter {
        let mut filter = self.filter.clone();
        if !self.selection.is_empty() {
            filter.locations = if filter.locations.is_empty() {
                self.selection.clone()
            } else {
                filter
                    .locations
                    .intersection(&self.selection)
                    .cloned()
                    .collect()
            };
        }
        filter
    }

    /// Recompute the views after the data, filter or tags changed.
    pub fn refresh_view(&mut self) {
        self.refresh_view_for(false);
    }

    /// Recompute the views after only the selection changed.
    pub(super) fn refresh_selection(&mut self) {
        self.refresh_view_for(true);
    }

    pub(super) fn refresh_view_for(&mut self, only_selection_changed: bool) {
        self.view = Arc::new(compound_atlas_core::analysis::filter::apply_with_triage(
            &self.dataset,
            &self.matches,
            &self.effective_filter(),
            &self.triage,
        ));
        if self.selection.is_empty() {
            self.unselected = Arc::clone(&self.view);
        } else if !only_selection_changed || self.unselected.summary.locations.is_empty() {
            self.unselected = Arc::new(compound_atlas_core::analysis::filter::apply_with_triage(
                &self.dataset,
                &self.matches,
                &self.filter,
                &self.triage,
            ));
        }
        self.view_generation += 1;
    }

    /// The zone the data in view was read in (times without an offset).
    pub fn applied_zone(&self) -> compound_atlas_core::values::time::ImportZone {
        self.applied.zone.parse().unwrap_or_default()
    }

    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// Find the leads again when the data or the region changed, at once for small data
    /// and on a worker thread for large; take finished ones. Called every frame. Returns
    /// true when new leads arrived.
    pub fn refresh_leads(&mut self) -> bool {
        let key = (
            self.marks.data,
            self.params.region.clone(),
            self.params.account_column.clone(),
        );
        if self.leads_key.as_ref() != Some(&key) {
            self.leads_key = Some(key);
            self.leads_pending = None;
            let params = match self.params.lead_params() {
                Ok(params) => params,
                Err(problem) => {
                    self.leads_problem = Some(problem);
                    return false;
                }
            };
            self.leads_problem = None;
            let (dataset, matches) = (Arc::clone(&self.dataset), Arc::clone(&self.matches));
            let find = move || all_leads(&dataset, &matches, &params);
            if self.dataset.events.len() < crate::gui::background::INLINE_ITEMS {
                return self.take_leads(find());
            }
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                // The receiver is gone when newer leads replaced these.
                let _ = sender.send(find());
            });
            self.leads_pending = Some(receiver);
        }
        match self.leads_pending.as_ref().map(|r| r.try_recv()) {
            Some(Ok(leads)) => {
                self.leads_pending = None;
                self.take_leads(leads)
            }
            _ => false,
        }
    }

    fn take_leads(&mut self, leads: AllLeads) -> bool {
        self.leads = Arc::new(leads);
        self.leads_generation += 1;
        true
    }

    /// Whether leads are being found in the background.
    pub fn finding_leads(&self) -> bool {
        self.leads_pending.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every distinct non-empty value, sorted: the lists the filter offers.
    fn distinct(dataset: &Dataset, ids: &[u32]) -> Vec<String> {
        let set: BTreeSet<String> = ids
            .iter()
            .map(|&id| dataset.strings.get(id).to_string())
            .filter(|s| !s.is_empty())
            .collect();
        set.into_iter().collect()
    }

    #[test]
    fn the_filter_offers_each_value_once_sorted() {
        let dataset = load(&embedded_inputs(), Default::default(), &Progress::default()).unwrap();
        let choices = Choices::of(&dataset);
        assert_eq!(
            choices.platforms,
            distinct(&dataset, &dataset.reports.platform)
        );
        assert_eq!(
            choices.incident_types,
            distinct(&dataset, &dataset.reports.incident_type)
        );
        assert_eq!(
            choices.event_names,
            distinct(&dataset, &dataset.events.name)
        );
        assert!(choices.event_names.len() > 1 && choices.platforms.len() > 1);
        assert!(choices.countries.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(choices.locations.len(), dataset.locations.len());
    }
}
