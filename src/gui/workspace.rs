//! The workbench's one application state: what is loaded, the matches, the filter, the
//! selection and the running background job. Views read it and change it only through
//! [`Intent`]s, applied in one place after each frame.

mod case_io;
pub use case_io::AUTOSAVE_EVERY;

use compound_atlas_core::analysis::filter::{Filter, FilteredView};
use compound_atlas_core::ingest::Input;
use compound_atlas_core::ingest::headers::{ColumnMap, LocationField, ReportField};
use compound_atlas_core::ingest::preview::{FileStart, file_start};
use compound_atlas_core::matching::{MatchParams, MatchSet, match_events};
use compound_atlas_core::model::{Dataset, FileKind};
use compound_atlas_core::pipeline::{Inputs, Source, load};
use compound_atlas_core::values::progress::Progress;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// The data the workbench opens with: the synthetic sample set and the gazetteer.
pub use compound_atlas_core::embedded::sample_inputs as embedded_inputs;

/// What the export dialog asks for besides the destination.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportChoices {
    pub mask: bool,
    pub analyst: String,
    pub case_reference: String,
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
}

impl PendingImport {
    pub fn new(path: PathBuf, kind: FileKind) -> Result<PendingImport, String> {
        let start = file_start(&path, 12)?;
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
        })
    }

    /// The required fields that no column supplies.
    pub fn missing_fields(&self) -> Vec<&'static str> {
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

/// Something a view asks the workspace to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Read files with the detected mapping, without a preview (command line, tests).
    Import {
        kind: FileKind,
        paths: Vec<PathBuf>,
    },
    /// Show files in the import preview first.
    Preview {
        kind: FileKind,
        paths: Vec<PathBuf>,
    },
    /// Accept the first file of the preview as mapped there.
    ConfirmImport,
    /// Leave the first file of the preview out.
    SkipImport,
    /// Close the preview without importing anything.
    CancelImports,
    RemoveInput {
        kind: FileKind,
        index: usize,
    },
    ApplyParams,
    SetFilter(Filter),
    ResetFilter,
    ToggleLocation {
        id: String,
        add_to_selection: bool,
    },
    /// Make exactly these locations the selection.
    SelectLocations(BTreeSet<String>),
    /// Add or remove a triage tag on reports.
    Tag {
        reports: Vec<u32>,
        tag: String,
        on: bool,
    },
    SetNote {
        report: u32,
        note: String,
    },
    ClearSelection,
    CancelJob,
    DismissNotice,
    /// Start an empty case saved at this path (the current case is saved first).
    NewCase(PathBuf),
    /// Open the case at this path (the current case is saved first).
    OpenCase(PathBuf),
    /// Save to the open case; nothing happens without one (the GUI asks for a path).
    SaveCase,
    /// Save everything, with the whole audit log, as a new case at this path.
    SaveCaseAs(PathBuf),
    /// Keep the current filter and selection under a name.
    SaveView(String),
    ApplyView(usize),
    DeleteView(usize),
    SetAnalyst(String),
    /// Where the workbench is (tab, detail window), kept with the case.
    SetLayout(compound_atlas_core::case::Layout),
}

/// What a finished background job hands back.
pub enum JobOutcome {
    Loaded {
        inputs: Inputs,
        params: Params,
        dataset: Arc<Dataset>,
        matches: Arc<MatchSet>,
    },
    Matched {
        params: Params,
        matches: Arc<MatchSet>,
    },
    /// The export, and its filter and masking for the audit log.
    Exported(compound_atlas_core::export::Exported, (Filter, bool)),
    CaseSaved(CaseSaved),
    CaseOpened(Box<OpenedCase>),
    Failed(String),
    Cancelled,
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

/// A job running on its own thread, with shared progress and a cancel flag.
pub struct RunningJob {
    pub label: String,
    /// Progress counts these ("file", "step") rather than bytes read.
    pub steps: Option<&'static str>,
    pub progress: Arc<Progress>,
    pub started: Instant,
    receiver: Receiver<JobOutcome>,
}

impl RunningJob {
    fn spawn(
        label: String,
        work: impl FnOnce(&Progress) -> JobOutcome + Send + 'static,
    ) -> RunningJob {
        let progress = Arc::new(Progress::default());
        let (sender, receiver) = channel();
        let shared = Arc::clone(&progress);
        std::thread::spawn(move || {
            let outcome = work(&shared);
            let _ = sender.send(outcome);
        });
        RunningJob {
            label,
            steps: None,
            progress,
            started: Instant::now(),
            receiver,
        }
    }

    /// Fraction done and an estimate of the time left, from the bytes read.
    pub fn fraction_and_eta(&self) -> (f32, Option<Duration>) {
        let done = self.progress.bytes_done.load(Ordering::Relaxed) as f64;
        let total = self.progress.bytes_total.load(Ordering::Relaxed) as f64;
        if total <= 0.0 || done <= 0.0 {
            return (0.0, None);
        }
        let fraction = (done / total).min(1.0);
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = Duration::from_secs_f64(elapsed * (1.0 - fraction) / fraction);
        (fraction as f32, Some(eta))
    }
}

/// A message for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

impl Notice {
    /// "Saved …" or "Could not save …: reason", after writing a file the user chose.
    pub fn of_save(path: &std::path::Path, outcome: std::io::Result<()>) -> Notice {
        match outcome {
            Ok(()) => Notice {
                text: format!("Saved {}.", path.display()),
                is_error: false,
            },
            Err(e) => Notice {
                text: format!("Could not save {}: {e}", path.display()),
                is_error: true,
            },
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
}

/// The values present in the data, for the filter checkboxes.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub countries: Vec<String>,
    pub locations: Vec<(String, String)>,
    pub platforms: Vec<String>,
    pub incident_types: Vec<String>,
    pub event_names: Vec<String>,
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
        }
    }
}

fn reading_label(inputs: &Inputs) -> String {
    let files = inputs.reports.len() + inputs.locations.len();
    format!("Reading {files} file{}", if files == 1 { "" } else { "s" })
}

fn tolerance_of(params: &Params) -> i64 {
    params.resolve().map(|(_, m)| m.tolerance).unwrap_or(0)
}

impl Workspace {
    /// Load and match on the calling thread: for the small built-in data at start-up,
    /// and for tests.
    pub fn load_blocking(inputs: Inputs, params: Params) -> Result<Workspace, String> {
        let (options, match_params) = params.resolve()?;
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

    fn replace_data(&mut self, dataset: Arc<Dataset>, matches: Arc<MatchSet>) {
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
    fn refresh_selection(&mut self) {
        self.refresh_view_for(true);
    }

    fn refresh_view_for(&mut self, only_selection_changed: bool) {
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

    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// Read all of `inputs` afresh with the parameters being edited, and match.
    fn start_load(&mut self, inputs: Inputs) {
        self.start_reading(self.params.clone(), None, inputs.clone(), inputs);
    }

    /// Read `read` into a copy of `base` (or into nothing) with `params` and match, on a
    /// worker thread; once done, the workspace holds `inputs`.
    fn start_reading(
        &mut self,
        params: Params,
        base: Option<Arc<Dataset>>,
        read: Inputs,
        inputs: Inputs,
    ) {
        let (options, match_params) = match params.resolve() {
            Ok(resolved) => resolved,
            Err(message) => {
                self.notice = Some(Notice {
                    text: message,
                    is_error: true,
                });
                return;
            }
        };
        let label = reading_label(&read);
        self.job = Some(RunningJob::spawn(label, move |progress| {
            let mut dataset = base.map(|b| Dataset::clone(&b)).unwrap_or_default();
            match compound_atlas_core::pipeline::add_inputs(&mut dataset, &read, options, progress)
            {
                Ok(()) => {}
                Err(compound_atlas_core::ingest::FileError::Cancelled(_)) => {
                    return JobOutcome::Cancelled;
                }
                Err(e) => return JobOutcome::Failed(e.to_string()),
            }
            match match_events(&dataset, match_params, progress) {
                Ok(matches) => JobOutcome::Loaded {
                    inputs,
                    params,
                    dataset: Arc::new(dataset),
                    matches: Arc::new(matches),
                },
                Err(_) => JobOutcome::Cancelled,
            }
        }));
    }

    /// Export what is on screen (the filter with the selection, the triage) to `out`, a
    /// folder or a `.zip`, on a worker thread with progress and Cancel.
    pub fn start_export(&mut self, out: PathBuf, choices: ExportChoices) {
        let Some(parameters) = self.applied.run_parameters() else {
            // Applied parameters were checked when applied; say so if that ever fails.
            self.notice = Some(Notice {
                text: format!(
                    "Cannot export: the applied tolerance \"{}\" cannot be read.",
                    self.applied.tolerance
                ),
                is_error: true,
            });
            return;
        };
        let options = compound_atlas_core::export::ExportOptions {
            filter: self.effective_filter(),
            triage: self.triage.clone(),
            parameters,
            mask: choices.mask,
            analyst: Some(choices.analyst.trim().to_string()).filter(|a| !a.is_empty()),
            case_reference: Some(choices.case_reference.trim().to_string())
                .filter(|c| !c.is_empty()),
            audit: self.audit.clone(),
        };
        let what = (options.filter.clone(), options.mask);
        let dataset = Arc::clone(&self.dataset);
        let matches = Arc::clone(&self.matches);
        let mut job = RunningJob::spawn("Exporting the evidence set".into(), move |progress| {
            let now = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
            match compound_atlas_core::export::export(
                &dataset, &matches, &options, &out, now, progress,
            ) {
                Ok(exported) => JobOutcome::Exported(exported, what),
                Err(compound_atlas_core::export::ExportError::Cancelled(_)) => {
                    JobOutcome::Cancelled
                }
                Err(e) => JobOutcome::Failed(format!("The export failed: {e}.")),
            }
        });
        job.steps = Some("file");
        self.job = Some(job);
    }

    fn start_rematch(&mut self, params: Params, match_params: MatchParams) {
        let dataset = Arc::clone(&self.dataset);
        self.job = Some(RunningJob::spawn(
            "Matching".into(),
            move |progress| match match_events(&dataset, match_params, progress) {
                Ok(matches) => JobOutcome::Matched {
                    params,
                    matches: Arc::new(matches),
                },
                Err(_) => JobOutcome::Cancelled,
            },
        ));
    }

    /// Take a finished job's result, if there is one. Returns true when something changed.
    pub fn poll_job(&mut self) -> bool {
        let Some(job) = &self.job else { return false };
        let outcome = match job.receiver.try_recv() {
            Ok(outcome) => outcome,
            Err(std::sync::mpsc::TryRecvError::Empty) => return false,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                JobOutcome::Failed("the background job stopped unexpectedly".into())
            }
        };
        let elapsed = job.started.elapsed();
        self.job = None;
        match outcome {
            JobOutcome::Loaded {
                inputs,
                params,
                dataset,
                matches,
            } => {
                self.inputs = inputs;
                let before = std::mem::replace(&mut self.applied, params);
                let rejected = dataset.rejected_rows();
                let previous = Arc::clone(&self.dataset);
                self.replace_data(dataset, matches);
                self.record_imports(&previous, &Arc::clone(&self.dataset));
                self.record_params(&before);
                self.notice = Some(Notice {
                    text: format!(
                        "Loaded {} files in {:.1} s{}.",
                        self.inputs.reports.len() + self.inputs.locations.len(),
                        elapsed.as_secs_f64(),
                        if rejected > 0 {
                            format!("; {rejected} rows rejected (see Data sources)")
                        } else {
                            String::new()
                        }
                    ),
                    is_error: false,
                });
            }
            JobOutcome::Matched { params, matches } => {
                let before = std::mem::replace(&mut self.applied, params);
                self.record_params(&before);
                self.matches = matches;
                self.refresh_view();
                self.notice = Some(Notice {
                    text: "Matched again with the new tolerance.".into(),
                    is_error: false,
                });
            }
            JobOutcome::Exported(exported, (filter, masked)) => {
                self.log(
                    "export",
                    &compound_atlas_core::export::audit_detail(&filter, masked, &exported),
                );
                self.notice = Some(Notice {
                    text: format!(
                        "Exported the evidence set {}: {}, {}, {}.",
                        exported.path.display(),
                        compound_atlas_core::values::text::count(
                            exported.matches,
                            "match",
                            "matches"
                        ),
                        compound_atlas_core::values::text::count(
                            exported.reports,
                            "report",
                            "reports"
                        ),
                        compound_atlas_core::values::text::count(
                            exported.events,
                            "event",
                            "events"
                        ),
                    ),
                    is_error: false,
                });
            }
            JobOutcome::CaseSaved(saved) => self.mark_saved(saved, elapsed),
            JobOutcome::CaseOpened(opened) => self.adopt_case(*opened, elapsed),
            JobOutcome::Failed(message) => {
                self.notice = Some(Notice {
                    text: format!("{message} Nothing was changed."),
                    is_error: true,
                });
            }
            JobOutcome::Cancelled => {
                self.notice = Some(Notice {
                    text: "Cancelled; nothing was changed.".into(),
                    is_error: false,
                });
            }
        }
        // Files confirmed in the preview while the job ran are read now.
        self.read_staged_when_preview_is_done();
        true
    }

    /// Wait for the running job (tests and the command line use this).
    pub fn wait_for_job(&mut self) {
        while self.job.is_some() {
            if !self.poll_job() {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }

    fn remember(&mut self, kind: FileKind, path: &std::path::Path) {
        self.recent.retain(|(_, p)| p != path);
        self.recent.insert(0, (kind, path.to_path_buf()));
        self.recent.truncate(10);
    }

    /// Once every previewed file is confirmed or skipped, read the confirmed ones together
    /// with what is loaded (after a running job, since only one runs at a time).
    fn read_staged_when_preview_is_done(&mut self) {
        let staged = &self.staged;
        if !self.pending.is_empty()
            || (staged.reports.is_empty() && staged.locations.is_empty())
            || self.is_busy()
        {
            return;
        }
        let staged = std::mem::take(&mut self.staged);
        self.start_import(staged);
    }

    pub fn apply(&mut self, intent: Intent) {
        match intent {
            Intent::Import { kind, paths } => {
                if self.is_busy() || paths.is_empty() {
                    return;
                }
                let mut more = Inputs::default();
                for path in paths {
                    self.remember(kind, &path);
                    match kind {
                        FileKind::Reports => more.reports.push(Input::File(path).into()),
                        FileKind::Locations => more.locations.push(Input::File(path).into()),
                    }
                }
                self.start_import(more);
            }
            Intent::Preview { kind, paths } => {
                for path in paths {
                    match PendingImport::new(path, kind) {
                        Ok(pending) => self.pending.push(pending),
                        Err(message) => {
                            self.notice = Some(Notice {
                                text: message,
                                is_error: true,
                            })
                        }
                    }
                }
            }
            Intent::ConfirmImport => {
                if self.pending.is_empty() || !self.pending[0].missing_fields().is_empty() {
                    return;
                }
                let confirmed = self.pending.remove(0);
                self.remember(confirmed.kind, &confirmed.path);
                let input = Input::File(confirmed.path);
                match confirmed.kind {
                    FileKind::Reports => self.staged.reports.push(Source {
                        input,
                        columns: Some(confirmed.report_columns),
                    }),
                    FileKind::Locations => self.staged.locations.push(Source {
                        input,
                        columns: Some(confirmed.location_columns),
                    }),
                }
                self.read_staged_when_preview_is_done();
            }
            Intent::SkipImport => {
                if !self.pending.is_empty() {
                    self.pending.remove(0);
                }
                self.read_staged_when_preview_is_done();
            }
            Intent::CancelImports => {
                self.pending.clear();
                self.staged = Inputs::default();
            }
            Intent::RemoveInput { kind, index } => {
                if self.is_busy() {
                    return;
                }
                let mut inputs = self.inputs.clone();
                let removed = match kind {
                    FileKind::Reports => (index < inputs.reports.len())
                        .then(|| inputs.reports.remove(index))
                        .is_some(),
                    FileKind::Locations => (index < inputs.locations.len())
                        .then(|| inputs.locations.remove(index))
                        .is_some(),
                };
                if removed {
                    self.start_reread(inputs);
                }
            }
            Intent::ApplyParams => {
                if self.is_busy() {
                    return;
                }
                match self.params.resolve() {
                    Err(message) => {
                        self.notice = Some(Notice {
                            text: message,
                            is_error: true,
                        })
                    }
                    Ok((_, match_params)) => {
                        let reading_changed = self.params.zone != self.applied.zone
                            || self.params.date_order != self.applied.date_order;
                        if reading_changed {
                            // Times without an offset are read in the zone: the files are read again.
                            self.start_reread(self.inputs.clone());
                        } else if tolerance_of(&self.params) != tolerance_of(&self.applied) {
                            self.start_rematch(self.params.clone(), match_params);
                        }
                    }
                }
            }
            Intent::SetFilter(filter) => {
                if filter != self.filter {
                    self.filter = filter;
                    self.touch(false);
                    self.refresh_view();
                }
            }
            Intent::ResetFilter => {
                self.filter = Filter::default();
                self.selection.clear();
                self.touch(false);
                self.refresh_view();
            }
            Intent::ToggleLocation {
                id,
                add_to_selection,
            } => {
                if add_to_selection {
                    if !self.selection.remove(&id) {
                        self.selection.insert(id);
                    }
                } else if self.selection.len() == 1 && self.selection.contains(&id) {
                    self.selection.clear();
                } else {
                    self.selection = [id].into();
                }
                self.touch(false);
                self.refresh_selection();
            }
            Intent::SelectLocations(ids) => {
                if ids != self.selection {
                    self.selection = ids;
                    self.touch(false);
                    self.refresh_selection();
                }
            }
            Intent::Tag { reports, tag, on } => {
                let ids: Vec<String> = reports
                    .iter()
                    .map(|&r| self.dataset.reports.id(r).to_string())
                    .collect();
                self.triage
                    .set_tag(ids.iter().map(String::as_str), &tag, on);
                self.triage_generation += 1;
                self.log_tag(&ids, &tag, on);
                if !self.filter.tags.is_empty() {
                    self.refresh_view();
                }
            }
            Intent::SetNote { report, note } => {
                let id = self.dataset.reports.id(report).to_string();
                self.triage.set_note(&id, &note);
                self.triage_generation += 1;
                self.log_note(&id, &note);
            }
            Intent::ClearSelection => {
                if !self.selection.is_empty() {
                    self.selection.clear();
                    self.touch(false);
                    self.refresh_selection();
                }
            }
            Intent::CancelJob => {
                if let Some(job) = &self.job {
                    job.progress.cancel.store(true, Ordering::Relaxed);
                }
            }
            Intent::DismissNotice => self.notice = None,
            Intent::NewCase(path) => self.switch_case(AfterSave::New(path)),
            Intent::OpenCase(path) => self.switch_case(AfterSave::Open(path)),
            Intent::SaveCase => self.save_case(false),
            Intent::SaveCaseAs(path) => self.save_case_as(path),
            Intent::SaveView(name) => self.save_view(name),
            Intent::ApplyView(index) => self.apply_view(index),
            Intent::DeleteView(index) => {
                if index < self.views.len() {
                    let (name, _) = self.views.remove(index);
                    self.log("view", &format!("deleted the saved view \"{name}\""));
                }
            }
            Intent::SetAnalyst(name) => {
                let name = name.trim().to_string();
                if name != self.analyst {
                    let before = std::mem::replace(&mut self.analyst, name);
                    let detail = match (before.is_empty(), self.analyst.is_empty()) {
                        (_, true) => format!("analyst name cleared (was {before})"),
                        (true, false) => format!("analyst name set to {}", self.analyst),
                        (false, false) => {
                            format!("analyst name changed from {before} to {}", self.analyst)
                        }
                    };
                    self.log("analyst", &detail);
                }
            }
            // Not a change by itself (looking at another tab is not worth a save); it is
            // kept by the next save, and closing saves it.
            Intent::SetLayout(layout) => self.layout = layout,
        }
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
