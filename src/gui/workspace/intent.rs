//! What views ask of the workspace ([`Intent`]) and [`Workspace::apply`], which carries
//! each out: the one place where the workbench's state changes.

use super::jobs::tolerance_of;
use super::{AfterSave, Notice, Params, PendingImport, Workspace};
use compound_atlas_core::analysis::filter::Filter;
use compound_atlas_core::ingest::Input;
use compound_atlas_core::model::FileKind;
use compound_atlas_core::pipeline::{Inputs, Source};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

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
    /// The preview's first file with its kind and columns as edited there.
    EditPreview(PendingImport),
    RemoveInput {
        kind: FileKind,
        index: usize,
    },
    /// The matching parameters as being edited in the panel (not applied yet).
    EditParams(Params),
    /// Read or match again with the parameters being edited.
    ApplyParams,
    /// The countries region leads look for, as typed ("MM, KH, LA"); in force at once.
    SetLeadRegion(String),
    /// The extra column read as an account, by its header (empty: by the usual names);
    /// in force at once: the ties and leads are found again.
    SetAccountColumn(String),
    /// Add the user's own IP database (a MaxMind DB file) and enrich the events again.
    AddIpDatabase(PathBuf),
    /// Stop using one of the user's IP databases (by its place in the order).
    RemoveIpDatabase(usize),
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
    /// Show this message in the status bar (a view's outcome, such as a saved file).
    Notify(Notice),
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

impl Workspace {
    /// Carry out what a view asked for.
    pub fn apply(&mut self, intent: Intent) {
        match intent {
            Intent::Import { kind, paths } => self.import(kind, paths),
            Intent::Preview { kind, paths } => self.preview(kind, paths),
            Intent::EditPreview(pending) => self.edit_preview(pending),
            Intent::ConfirmImport => self.confirm_import(),
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
            Intent::RemoveInput { kind, index } => self.remove_input(kind, index),
            Intent::EditParams(params) => self.params = params,
            Intent::ApplyParams => self.apply_params(),
            Intent::SetLeadRegion(region) => {
                if region != self.params.region {
                    // Not a reading or matching parameter: in force without Apply.
                    self.params.region = region.clone();
                    self.applied.region = region;
                    self.touch(false);
                }
            }
            Intent::SetAccountColumn(column) => {
                if column != self.params.account_column {
                    self.params.account_column = column.clone();
                    self.applied.account_column = column;
                    self.touch(false);
                }
            }
            Intent::AddIpDatabase(path) => self.add_ip_database(path),
            Intent::RemoveIpDatabase(index) => self.remove_ip_database(index),
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
            } => self.toggle_location(id, add_to_selection),
            Intent::SelectLocations(ids) => self.select_locations(ids),
            Intent::ClearSelection => self.select_locations(BTreeSet::new()),
            Intent::Tag { reports, tag, on } => self.tag(&reports, &tag, on),
            Intent::SetNote { report, note } => {
                let id = self.dataset.reports.id(report).to_string();
                self.triage.set_note(&id, &note);
                self.triage_generation += 1;
                self.log_note(&id, &note);
            }
            Intent::CancelJob => {
                if let Some(job) = &self.job {
                    job.progress.cancel.store(true, Ordering::Relaxed);
                }
            }
            Intent::Notify(notice) => self.notice = Some(notice),
            Intent::DismissNotice => self.notice = None,
            Intent::NewCase(path) => self.switch_case(AfterSave::New(path)),
            Intent::OpenCase(path) => self.switch_case(AfterSave::Open(path)),
            Intent::SaveCase => self.save_case(false),
            Intent::SaveCaseAs(path) => self.save_case_as(path),
            Intent::SaveView(name) => self.save_view(name),
            Intent::ApplyView(index) => self.apply_view(index),
            Intent::DeleteView(index) => self.delete_view(index),
            Intent::SetAnalyst(name) => self.set_analyst(name),
            // Not a change by itself (looking at another tab is not worth a save); it is
            // kept by the next save, and closing saves it.
            Intent::SetLayout(layout) => self.layout = layout,
        }
    }

    /// Read files with the mapping each header suggests, without a preview.
    fn import(&mut self, kind: FileKind, paths: Vec<PathBuf>) {
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

    fn preview(&mut self, kind: FileKind, paths: Vec<PathBuf>) {
        for path in paths {
            match PendingImport::new(path, kind) {
                Ok(pending) => self.pending.push(pending),
                Err(error) => self.notice = Some(Notice::error(error.to_string())),
            }
        }
    }

    /// The preview's choices for its first file (kind, columns), as edited there.
    fn edit_preview(&mut self, edited: PendingImport) {
        if let Some(first) = self.pending.first_mut()
            && first.path == edited.path
        {
            *first = edited;
        }
    }

    fn confirm_import(&mut self) {
        if self.pending.is_empty() || !self.pending[0].missing_fields().is_empty() {
            return;
        }
        let confirmed = self.pending.remove(0);
        self.remember(confirmed.kind, &confirmed.path);
        let sampled = super::is_sampled(&confirmed);
        let input = Input::File(confirmed.path);
        match confirmed.kind {
            FileKind::Reports => self.staged.reports.push(Source {
                input,
                // A sampled format names its fields itself.
                columns: (!sampled).then_some(confirmed.report_columns),
                sheet: confirmed.sheet,
            }),
            FileKind::Locations => self.staged.locations.push(Source {
                input,
                columns: (!sampled).then_some(confirmed.location_columns),
                sheet: confirmed.sheet,
            }),
        }
        self.read_staged_when_preview_is_done();
    }

    fn remove_input(&mut self, kind: FileKind, index: usize) {
        if self.is_busy() {
            return;
        }
        let mut inputs = self.inputs.clone();
        let list_len = match kind {
            FileKind::Reports => inputs.reports.len(),
            FileKind::Locations => inputs.locations.len(),
        };
        if index >= list_len {
            return;
        }
        match kind {
            FileKind::Reports => drop(inputs.reports.remove(index)),
            FileKind::Locations => drop(inputs.locations.remove(index)),
        }
        self.start_reread(inputs);
    }

    /// The events are enriched again without the database, on a worker thread (a copy
    /// of ten million events takes a moment); matches do not depend on it.
    fn remove_ip_database(&mut self, index: usize) {
        if self.is_busy() || index >= self.dataset.ip_data.user.len() {
            return;
        }
        let (base, matches) = (
            std::sync::Arc::clone(&self.dataset),
            std::sync::Arc::clone(&self.matches),
        );
        let removed = base.ip_data.user[index].clone();
        let mut inputs = self.inputs.clone();
        inputs.ip_databases.retain(|db| *db != removed);
        let params = self.applied.clone();
        self.log(
            "remove IP database",
            &removed.info.path.display().to_string(),
        );
        self.job = Some(super::RunningJob::spawn(
            "Enriching without the IP database".into(),
            move |_| {
                let mut dataset = compound_atlas_core::model::Dataset::clone(&base);
                dataset.ip_data.user.remove(index);
                dataset.enrich();
                super::JobOutcome::Loaded {
                    inputs,
                    params,
                    dataset: std::sync::Arc::new(dataset),
                    matches,
                }
            },
        ));
    }

    /// Apply the parameters being edited: the time zone or day/month order reads the files
    /// again (times without an offset depend on it); the tolerance only matches again.
    fn apply_params(&mut self) {
        if self.is_busy() {
            return;
        }
        match self.params.resolve() {
            Err(problem) => self.notice = Some(Notice::error(problem.to_string())),
            Ok((_, match_params)) => {
                let reading_changed = self.params.zone != self.applied.zone
                    || self.params.date_order != self.applied.date_order;
                if reading_changed {
                    self.start_reread(self.inputs.clone());
                } else if tolerance_of(&self.params) != tolerance_of(&self.applied) {
                    self.start_rematch(self.params.clone(), match_params);
                }
            }
        }
    }

    /// A click on a location: select only it (or clear it when it alone is selected);
    /// with Ctrl, add it to the selection or take it out.
    fn toggle_location(&mut self, id: String, add_to_selection: bool) {
        let mut selection = self.selection.clone();
        if add_to_selection {
            if !selection.remove(&id) {
                selection.insert(id);
            }
        } else if selection.len() == 1 && selection.contains(&id) {
            selection.clear();
        } else {
            selection = [id].into();
        }
        self.select_locations(selection);
    }

    fn select_locations(&mut self, ids: BTreeSet<String>) {
        if ids != self.selection {
            self.selection = ids;
            self.touch(false);
            self.refresh_selection();
        }
    }

    fn tag(&mut self, reports: &[u32], tag: &str, on: bool) {
        let ids: Vec<String> = reports
            .iter()
            .map(|&r| self.dataset.reports.id(r).to_string())
            .collect();
        self.triage.set_tag(ids.iter().map(String::as_str), tag, on);
        self.triage_generation += 1;
        self.log_tag(&ids, tag, on);
        if !self.filter.tags.is_empty() {
            self.refresh_view();
        }
    }

    fn delete_view(&mut self, index: usize) {
        if index < self.views.len() {
            let (name, _) = self.views.remove(index);
            self.log("view", &format!("deleted the saved view \"{name}\""));
        }
    }

    fn set_analyst(&mut self, name: String) {
        let name = name.trim().to_string();
        if name == self.analyst {
            return;
        }
        let before = std::mem::replace(&mut self.analyst, name);
        let detail = match (before.is_empty(), self.analyst.is_empty()) {
            (_, true) => format!("analyst name cleared (was {before})"),
            (true, false) => format!("analyst name set to {}", self.analyst),
            (false, false) => format!("analyst name changed from {before} to {}", self.analyst),
        };
        self.log("analyst", &detail);
    }

    pub(super) fn remember(&mut self, kind: FileKind, path: &std::path::Path) {
        self.recent.retain(|(_, p)| p != path);
        self.recent.insert(0, (kind, path.to_path_buf()));
        self.recent.truncate(10);
    }
}
