//! The workspace's background jobs: one runs at a time on its own thread, with shared
//! progress and a cancel flag; reading and matching, matching again, and exporting start
//! here, and a finished job's outcome is taken in by [`Workspace::poll_job`].

use super::{CaseSaved, ExportChoices, Notice, OpenedCase, Params, Workspace};
use compound_atlas_core::analysis::filter::Filter;
use compound_atlas_core::export::{Exported, audit_detail};
use compound_atlas_core::matching::{MatchParams, MatchSet, match_events};
use compound_atlas_core::model::Dataset;
use compound_atlas_core::pipeline::Inputs;
use compound_atlas_core::values::progress::Progress;
use compound_atlas_core::values::text::count;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

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

impl JobOutcome {
    /// A matching that stopped: cancelled by the user, or refused with its reason.
    pub(super) fn of_match_error(error: compound_atlas_core::matching::MatchError) -> JobOutcome {
        match error {
            compound_atlas_core::matching::MatchError::Cancelled(_) => JobOutcome::Cancelled,
            other => JobOutcome::Failed(format!("Could not match: {other}.")),
        }
    }
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
    pub(super) fn spawn(
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

fn reading_label(inputs: &Inputs) -> String {
    let files = inputs.reports.len() + inputs.locations.len();
    if files == 0 && !inputs.ip_databases.is_empty() {
        return "Enriching with the IP database".into();
    }
    format!("Reading {files} file{}", if files == 1 { "" } else { "s" })
}

pub(super) fn tolerance_of(params: &Params) -> i64 {
    params.resolve().map(|(_, m)| m.tolerance).unwrap_or(0)
}

impl Workspace {
    /// Read all of `inputs` afresh with the parameters being edited, and match.
    pub(super) fn start_load(&mut self, inputs: Inputs) {
        self.start_reading(self.params.clone(), None, inputs.clone(), inputs);
    }

    /// Read `read` into a copy of `base` (or into nothing) with `params` and match, on a
    /// worker thread; once done, the workspace holds `inputs`.
    pub(super) fn start_reading(
        &mut self,
        params: Params,
        base: Option<Arc<Dataset>>,
        read: Inputs,
        inputs: Inputs,
    ) {
        let (options, match_params) = match params.resolve() {
            Ok(resolved) => resolved,
            Err(message) => {
                self.notice = Some(Notice::error(message.to_string()));
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
                Err(e) => JobOutcome::of_match_error(e),
            }
        }));
    }

    /// Export what is on screen (the filter with the selection, the triage) to `out`, a
    /// folder or a `.zip`, on a worker thread with progress and Cancel.
    pub fn start_export(&mut self, out: PathBuf, choices: ExportChoices) {
        let Some(parameters) = self.applied.run_parameters() else {
            // Applied parameters were checked when applied; say so if that ever fails.
            self.notice = Some(Notice::error(format!(
                "Cannot export: the applied tolerance \"{}\" cannot be read.",
                self.applied.tolerance
            )));
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
            leads: choices
                .leads
                .then(|| self.params.lead_params().ok())
                .flatten(),
            tlp: compound_atlas_core::export::intel::Tlp::parse(&choices.tlp).unwrap_or_default(),
            include_report_ids: choices.include_report_ids && !choices.mask,
            organisation: Some(choices.organisation.trim().to_string()).filter(|o| !o.is_empty()),
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

    pub(super) fn start_rematch(&mut self, params: Params, match_params: MatchParams) {
        let dataset = Arc::clone(&self.dataset);
        self.job = Some(RunningJob::spawn(
            "Matching".into(),
            move |progress| match match_events(&dataset, match_params, progress) {
                Ok(matches) => JobOutcome::Matched {
                    params,
                    matches: Arc::new(matches),
                },
                Err(e) => JobOutcome::of_match_error(e),
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
            } => self.take_loaded(inputs, params, dataset, matches, elapsed),
            JobOutcome::Matched { params, matches } => {
                let before = std::mem::replace(&mut self.applied, params);
                self.record_params(&before);
                self.matches = matches;
                self.refresh_view();
                self.notice = Some(Notice::info("Matched again with the new tolerance."));
            }
            JobOutcome::Exported(exported, (filter, masked)) => {
                self.take_exported(&exported, &filter, masked)
            }
            JobOutcome::CaseSaved(saved) => self.mark_saved(saved, elapsed),
            JobOutcome::CaseOpened(opened) => self.adopt_case(*opened, elapsed),
            JobOutcome::Failed(message) => {
                self.notice = Some(Notice::error(format!("{message} Nothing was changed.")));
            }
            JobOutcome::Cancelled => {
                self.notice = Some(Notice::info("Cancelled; nothing was changed."));
            }
        }
        // Files confirmed in the preview while the job ran are read now.
        self.read_staged_when_preview_is_done();
        true
    }

    /// New data read and matched: it replaces what was loaded, and the audit log says
    /// which files came and went and which parameters changed.
    fn take_loaded(
        &mut self,
        inputs: Inputs,
        params: Params,
        dataset: Arc<Dataset>,
        matches: Arc<MatchSet>,
        elapsed: Duration,
    ) {
        self.inputs = inputs;
        let before = std::mem::replace(&mut self.applied, params);
        let rejected = dataset.rejected_rows();
        let previous = Arc::clone(&self.dataset);
        self.replace_data(dataset, matches);
        self.record_imports(&previous, &Arc::clone(&self.dataset));
        self.record_params(&before);
        let rejected = if rejected > 0 {
            format!(
                "; {} rejected (see Data sources)",
                compound_atlas_core::values::text::count(rejected, "row", "rows")
            )
        } else {
            String::new()
        };
        self.notice = Some(Notice::info(format!(
            "Loaded {} in {:.1} s{rejected}.",
            compound_atlas_core::values::text::count(
                (self.inputs.reports.len() + self.inputs.locations.len()) as u64,
                "file",
                "files"
            ),
            elapsed.as_secs_f64(),
        )));
    }

    fn take_exported(&mut self, exported: &Exported, filter: &Filter, masked: bool) {
        self.log("export", &audit_detail(filter, masked, exported));
        self.notice = Some(Notice::info(format!(
            "Exported the evidence set {}: {}, {}, {}. Manifest SHA-256 {}: give it to the recipient apart from the set.",
            exported.path.display(),
            count(exported.matches, "match", "matches"),
            count(exported.reports, "report", "reports"),
            count(exported.events, "event", "events"),
            exported.manifest_sha256,
        )));
    }

    /// Wait for the running job (tests and the command line use this).
    pub fn wait_for_job(&mut self) {
        while self.job.is_some() {
            if !self.poll_job() {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }

    /// Once every previewed file is confirmed or skipped, read the confirmed ones together
    /// with what is loaded (after a running job, since only one runs at a time).
    pub(super) fn read_staged_when_preview_is_done(&mut self) {
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
}
