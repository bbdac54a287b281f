//! The workspace's case file: saving (the whole data, or only the state when the data
//! is already in the file) and opening, both on a worker thread with progress and
//! Cancel; starting a new case; when an autosave is due; and the audit log entries that
//! imports and changes make.

use super::{
    AfterSave, CaseSaved, JobOutcome, Notice, OpenedCase, RunningJob, Workspace, embedded_inputs,
};
use compound_atlas_core::analysis::filter::Filter;
use compound_atlas_core::case::lock::CaseLock;
use compound_atlas_core::case::{self, AuditEntry, CaseContents, CaseError, CaseState};
use compound_atlas_core::matching::{MatchSet, match_events};
use compound_atlas_core::model::{Dataset, SourceFile};
use compound_atlas_core::pipeline::Inputs;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long changes may stay unsaved in an open case before an autosave.
pub const AUTOSAVE_EVERY: Duration = Duration::from_secs(180);

/// How many cases File → Recent cases lists.
const RECENT_CASES: usize = 8;

impl Workspace {
    /// Count a change kept in the case; `work` when losing it would lose work (tags,
    /// notes, views, imports), not only a way of looking (filter, selection).
    pub(super) fn touch(&mut self, work: bool) {
        self.marks.edits += 1;
        if work {
            self.marks.work += 1;
        }
    }

    /// Add an entry to the audit log (saved with the case at the next save).
    pub(super) fn log(&mut self, action: &str, detail: &str) {
        self.audit
            .push(AuditEntry::now(&self.analyst, action, detail));
        self.touch(true);
    }

    pub(super) fn log_tag(&mut self, ids: &[String], tag: &str, on: bool) {
        let Some(tag) = compound_atlas_core::analysis::triage::normalize_tag(tag) else {
            return;
        };
        self.log(
            "tag",
            &format!(
                "tag \"{tag}\" {} {}: {}",
                if on { "added to" } else { "removed from" },
                compound_atlas_core::values::text::count(ids.len() as u64, "report", "reports"),
                ids.join(", ")
            ),
        );
    }

    pub(super) fn log_note(&mut self, id: &str, note: &str) {
        let prefix = format!("note on {id} ");
        let detail = if note.trim().is_empty() {
            format!("{prefix}cleared")
        } else {
            format!("{prefix}set ({} characters)", note.chars().count())
        };
        // A note changes at every key typed: one entry per note until the case is saved.
        let unsaved = self.audit.len() > self.audit_saved;
        if let Some(last) = self.audit.last_mut()
            && unsaved
            && last.action == "note"
            && last.detail.starts_with(&prefix)
        {
            *last = AuditEntry::now(&self.analyst, "note", &detail);
            self.touch(true);
            return;
        }
        self.log("note", &detail);
    }

    /// Log the files that `new` holds and `old` did not, and those it no longer holds
    /// (a file read again after it changed on disk is both).
    pub(super) fn record_imports(&mut self, old: &Dataset, new: &Dataset) {
        let key = |f: &SourceFile| (f.path.clone(), f.sha256.clone());
        let before: HashSet<_> = old.files.iter().map(key).collect();
        let after: HashSet<_> = new.files.iter().map(key).collect();
        for file in new.files.iter().filter(|f| !before.contains(&key(f))) {
            self.log(
                "import",
                &format!(
                    "{} ({}): {} bytes, SHA-256 {}; {} {} accepted, {} rejected",
                    file.path.display(),
                    file.kind.as_str(),
                    file.size,
                    file.sha256,
                    file.rows_accepted,
                    if file.rows_accepted == 1 {
                        "row"
                    } else {
                        "rows"
                    },
                    file.rows_rejected
                ),
            );
        }
        for file in old.files.iter().filter(|f| !after.contains(&key(f))) {
            self.log(
                "remove",
                &format!(
                    "{} ({}), SHA-256 {}",
                    file.path.display(),
                    file.kind.as_str(),
                    file.sha256
                ),
            );
        }
    }

    /// Log how the applied parameters differ from `before`.
    pub(super) fn record_params(&mut self, before: &compound_atlas_core::params::Params) {
        let now = &self.applied;
        let changes: Vec<String> = [
            ("tolerance", &before.tolerance, &now.tolerance),
            ("time zone", &before.zone, &now.zone),
            ("date order", &before.date_order, &now.date_order),
        ]
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(what, a, b)| format!("{what} changed from {a} to {b}"))
        .collect();
        if !changes.is_empty() {
            self.log("parameters", &changes.join("; "));
        }
    }

    pub(super) fn save_view(&mut self, name: String) {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return;
        }
        let filter = self.effective_filter();
        let detail = format!("saved the view \"{name}\": {}", filter.describe());
        match self.views.iter_mut().find(|(n, _)| *n == name) {
            Some(existing) => existing.1 = filter,
            None => self.views.push((name, filter)),
        }
        self.log("view", &detail);
    }

    pub(super) fn apply_view(&mut self, index: usize) {
        let Some((_, filter)) = self.views.get(index) else {
            return;
        };
        // The view's locations were saved inside its filter, with the selection.
        self.filter = filter.clone();
        self.selection.clear();
        self.touch(false);
        self.refresh_view();
    }

    /// What the case file keeps besides the data.
    pub fn case_state(&self) -> CaseState {
        CaseState {
            params: self.applied.clone(),
            filter: self.filter.clone(),
            views: self.views.clone(),
            triage: self.triage.clone(),
            analyst: self.analyst.clone(),
            selection: self.selection.clone(),
            layout: self.layout.clone(),
        }
    }

    /// Anything changed since the last save (or since the case was opened).
    pub fn is_modified(&self) -> bool {
        self.marks != self.saved_marks || self.audit.len() > self.audit_saved
    }

    /// Whether closing should save: anything changed, or only the tab or detail window.
    pub fn needs_save_on_close(&self) -> bool {
        self.is_modified() || self.layout != self.saved_layout
    }

    /// Work that would be lost without a save: imports, tags, notes, views, parameters.
    /// Looking around (filter, selection) is not counted, nor is the data the
    /// workbench opened with.
    pub fn has_unsaved_work(&self) -> bool {
        self.marks.work != self.saved_marks.work || self.marks.data != self.saved_marks.data
    }

    /// Start an autosave when a case is open, something changed, nothing else runs and
    /// the interval has passed. Returns how long until the next one could be due, so
    /// that the GUI wakes up for it.
    pub fn autosave_if_due(&mut self) -> Option<Duration> {
        if self.case_path.is_none() || !self.is_modified() {
            return None;
        }
        let waited = self.last_saved.elapsed();
        if waited < AUTOSAVE_EVERY {
            return Some(AUTOSAVE_EVERY - waited);
        }
        if !self.is_busy() {
            // Counted from the attempt, so that a save that fails (a full disk, a file
            // gone read-only) is tried again after the interval, not at every frame.
            self.last_saved = Instant::now();
            self.save_case(true);
        }
        Some(AUTOSAVE_EVERY)
    }

    /// Save to the open case: the state only when the file already holds this data.
    pub(super) fn save_case(&mut self, autosave: bool) {
        let Some(path) = self.case_path.clone() else {
            return;
        };
        if self.is_busy() {
            return;
        }
        // A case file deleted behind our back is written anew, with the whole log.
        let as_new = !path.exists();
        self.start_save(path, as_new, autosave, None, None);
    }

    pub(super) fn save_case_as(&mut self, path: PathBuf) {
        if self.is_busy() {
            return;
        }
        let Some(lock) = self.lock_for(&path) else {
            return;
        };
        let detail = match &self.case_path {
            Some(old) if *old != path => {
                format!("saved as {}, a copy of {}", path.display(), old.display())
            }
            _ => format!("saved as the case {}", path.display()),
        };
        self.log("case", &detail);
        self.start_save(path, true, false, None, lock);
    }

    /// The lock for writing the case at `path`: `Some(None)` when it is the open case
    /// (already held), `None` after saying that another window has it.
    fn lock_for(&mut self, path: &Path) -> Option<Option<CaseLock>> {
        if self.case_path.as_deref() == Some(path) {
            return Some(None);
        }
        match CaseLock::acquire(path, &self.analyst) {
            Ok(lock) => Some(Some(lock)),
            Err(e) => {
                self.notice = Some(Notice::error(format!("{e}. Nothing was changed.")));
                None
            }
        }
    }

    /// Go to another case (or a new one), saving the open case first if it changed.
    pub(super) fn switch_case(&mut self, next: AfterSave) {
        if self.is_busy() {
            return;
        }
        match self.case_path.clone() {
            Some(path) if self.is_modified() => {
                let as_new = !path.exists();
                self.start_save(path, as_new, false, Some(next), None);
            }
            _ => self.go_on(next),
        }
    }

    fn go_on(&mut self, next: AfterSave) {
        match next {
            AfterSave::Open(path) => self.start_open(path),
            AfterSave::New(path) => self.start_new(path),
        }
    }

    /// `as_new`: write a complete new file (Save as, a new case) with the whole audit log;
    /// otherwise update the open case, adding only the entries it does not hold yet.
    /// `lock`: the new file's, held by the workspace once saved (none for the open case).
    fn start_save(
        &mut self,
        path: PathBuf,
        as_new: bool,
        autosave: bool,
        then: Option<AfterSave>,
        lock: Option<CaseLock>,
    ) {
        let whole = as_new || self.case_data != Some(self.marks.data);
        let dataset = Arc::clone(&self.dataset);
        let state = self.case_state();
        let mappings = self.inputs.mappings_of(&dataset.files);
        let marks = self.marks;
        let audit_written = self.audit.len();
        let entries: Vec<AuditEntry> = if as_new {
            self.audit.clone()
        } else {
            self.audit[self.audit_saved..].to_vec()
        };
        let label = if autosave {
            "Autosaving the case"
        } else {
            "Saving the case"
        };
        let mut job = RunningJob::spawn(label.into(), move |progress| {
            let contents = CaseContents {
                dataset: &dataset,
                state: &state,
                mappings: &mappings,
            };
            let result = if as_new {
                case::save_as(&path, contents, &entries, progress)
            } else if whole {
                case::save(&path, contents, &entries, progress)
            } else {
                case::save_state(&path, &state, &entries)
            };
            match result {
                Ok(()) => JobOutcome::CaseSaved(CaseSaved {
                    path,
                    layout: state.layout,
                    marks,
                    audit_written,
                    whole,
                    autosave,
                    then,
                    lock,
                }),
                Err(CaseError::Cancelled(_)) => JobOutcome::Cancelled,
                Err(e) => JobOutcome::Failed(format!("Could not save the case: {e}.")),
            }
        });
        job.steps = Some("step");
        self.job = Some(job);
    }

    pub(super) fn mark_saved(&mut self, saved: CaseSaved, took: Duration) {
        if saved.lock.is_some() {
            // Releases the case this window had before, if any.
            self.case_lock = saved.lock;
        }
        self.case_path = Some(saved.path.clone());
        self.case_data = Some(saved.marks.data);
        self.saved_marks = saved.marks;
        self.saved_layout = saved.layout;
        self.audit_saved = saved.audit_written;
        self.last_saved = Instant::now();
        self.remember_case(&saved.path);
        self.notice = Some(Notice::info(format!(
            "{} {} at {} ({:.1} s{}).",
            if saved.autosave {
                "Autosaved the case"
            } else {
                "Saved the case"
            },
            saved.path.display(),
            chrono::Local::now().format("%H:%M"),
            took.as_secs_f64(),
            if saved.whole {
                ""
            } else {
                "; the data was already saved"
            }
        )));
        if let Some(next) = saved.then {
            self.go_on(next);
        }
    }

    pub(super) fn remember_case(&mut self, path: &Path) {
        self.recent_cases.retain(|p| p != path);
        self.recent_cases.insert(0, path.to_path_buf());
        self.recent_cases.truncate(RECENT_CASES);
    }

    /// Start an empty case, written at `path` straight away so that it autosaves.
    fn start_new(&mut self, path: PathBuf) {
        let Some(lock) = self.lock_for(&path) else {
            return;
        };
        self.inputs = Inputs::default();
        self.filter = Filter::default();
        self.selection.clear();
        self.views.clear();
        self.triage = Default::default();
        self.triage_generation += 1;
        self.audit.clear();
        self.audit_saved = 0;
        self.layout = Default::default();
        self.case_path = None;
        self.case_data = None;
        self.replace_data(Arc::new(Dataset::default()), Arc::new(MatchSet::default()));
        self.log("case", &format!("new case {}", path.display()));
        self.start_save(path, true, false, None, lock);
    }

    fn start_open(&mut self, path: PathBuf) {
        let already_ours = self.case_path.as_deref() == Some(path.as_path());
        let holder = self.analyst.clone();
        let label = format!(
            "Opening the case {}",
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let mut job = RunningJob::spawn(label, move |progress| {
            let opened = match case::open(&path, progress) {
                Ok(opened) => opened,
                Err(CaseError::Cancelled(_)) => return JobOutcome::Cancelled,
                Err(e) => return JobOutcome::Failed(format!("Could not open the case: {e}.")),
            };
            // Locked only once known to be a case, so that opening some other file by
            // mistake leaves nothing beside it.
            let lock = if already_ours {
                None
            } else {
                match CaseLock::acquire(&path, &holder) {
                    Ok(lock) => Some(lock),
                    Err(e) => return JobOutcome::Failed(format!("Could not open the case: {e}.")),
                }
            };
            let match_params = match opened.state.params.resolve() {
                Ok((_, match_params)) => match_params,
                Err(message) => {
                    return JobOutcome::Failed(format!(
                        "Could not open the case {}: its parameters cannot be read: {message}.",
                        path.display()
                    ));
                }
            };
            let inputs = match Inputs::for_files(
                &opened.dataset.files,
                &opened.mappings,
                &embedded_inputs(),
            ) {
                // The databases the case keeps, so that reading its files again keeps them.
                Ok(inputs) => Inputs {
                    ip_databases: opened.dataset.ip_data.user.clone(),
                    ..inputs
                },
                Err(message) => {
                    return JobOutcome::Failed(format!("Could not open the case: {message}."));
                }
            };
            let matches = match match_events(&opened.dataset, match_params, progress) {
                Ok(matches) => matches,
                Err(e) => return JobOutcome::of_match_error(e),
            };
            JobOutcome::CaseOpened(Box::new(OpenedCase {
                path,
                inputs,
                dataset: Arc::new(opened.dataset),
                matches: Arc::new(matches),
                state: opened.state,
                audit: opened.audit,
                lock,
            }))
        });
        job.steps = Some("step");
        self.job = Some(job);
    }

    pub(super) fn adopt_case(&mut self, opened: OpenedCase, took: Duration) {
        let OpenedCase {
            path,
            inputs,
            dataset,
            matches,
            state,
            audit,
            lock,
        } = opened;
        if lock.is_some() {
            self.case_lock = lock;
        }
        self.inputs = inputs;
        self.params = state.params.clone();
        self.applied = state.params;
        self.filter = state.filter;
        self.selection = state.selection;
        self.views = state.views;
        self.triage = state.triage;
        self.triage_generation += 1;
        // The name of whoever works now, if known, else of whoever saved last.
        if self.analyst.is_empty() {
            self.analyst = state.analyst;
        }
        self.restore_layout = Some(state.layout.clone());
        self.saved_layout = state.layout.clone();
        self.layout = state.layout;
        self.audit = audit;
        self.audit_saved = self.audit.len();
        self.replace_data(dataset, matches);
        self.case_path = Some(path.clone());
        self.case_data = Some(self.marks.data);
        self.saved_marks = self.marks;
        self.last_saved = Instant::now();
        self.remember_case(&path);
        self.notice = Some(Notice::info(format!(
            "Opened the case {}: {}, {} ({:.1} s).",
            path.display(),
            compound_atlas_core::values::text::count(
                self.dataset.reports.len() as u64,
                "report",
                "reports"
            ),
            compound_atlas_core::values::text::count(
                self.matches.matches.len() as u64,
                "match",
                "matches"
            ),
            took.as_secs_f64()
        )));
    }

    /// Read more files into the data as it is (the files read before need not be on
    /// disk any more: a case keeps its data), then match again.
    /// Open the user's IP database and enrich the data with it (precedence over the
    /// built-in data, after the databases already added), reading the data again.
    pub(super) fn add_ip_database(&mut self, path: PathBuf) {
        if self.is_busy() {
            return;
        }
        match compound_atlas_core::ipdata::mmdb::UserDatabase::open(path) {
            Ok(database) => {
                self.log("add IP database", &database.info.path.display().to_string());
                self.start_import(Inputs {
                    ip_databases: vec![database],
                    ..Inputs::default()
                });
            }
            Err(e) => {
                self.notice = Some(Notice::error(format!(
                    "Could not add the IP database: {e}."
                )))
            }
        }
    }

    pub(super) fn start_import(&mut self, more: Inputs) {
        let mut inputs = self.inputs.clone();
        inputs.reports.extend(more.reports.iter().cloned());
        inputs.locations.extend(more.locations.iter().cloned());
        inputs
            .ip_databases
            .extend(more.ip_databases.iter().cloned());
        let base = Arc::clone(&self.dataset);
        self.start_reading(self.applied.clone(), Some(base), more, inputs);
    }

    /// Read all the files again (another time zone or date order, a file removed), after
    /// checking that they are all still on disk.
    pub(super) fn start_reread(&mut self, inputs: Inputs) {
        let missing: Vec<String> = inputs
            .reports
            .iter()
            .map(|s| &s.input)
            .chain(inputs.locations.iter().map(|s| &s.input))
            .filter_map(|input| match input {
                compound_atlas_core::ingest::Input::File(path) if !path.is_file() => {
                    Some(path.display().to_string())
                }
                _ => None,
            })
            .collect();
        if !missing.is_empty() {
            self.notice = Some(Notice::error(format!(
                "This needs the files read again, and {} no longer there: {}. The case keeps its data as imported; put the files back at those paths to go on.",
                if missing.len() == 1 {
                    "one is"
                } else {
                    "some are"
                },
                missing.join(", ")
            )));
            return;
        }
        self.start_load(inputs);
    }
}
