//! Asking for paths: the platform's dialog answers at once, the built-in chooser over the
//! frames it is open; either way the answer goes to [`WorkbenchApp::answer`], which does
//! what the request was for.

use super::WorkbenchApp;
use super::file_chooser::{FileChooser, Outcome};
use super::file_dialogs::{FileRequest, with_case_extension};
use super::workspace::{self, Intent};
use std::path::PathBuf;

impl WorkbenchApp {
    /// Ask for a path for `request`: with the platform's dialog where there is one and the
    /// setting allows, else with the built-in chooser (shown from the next frame on).
    pub(crate) fn ask(&mut self, request: FileRequest, intents: &mut Vec<Intent>) {
        if self.chooser.is_some() {
            return;
        }
        let platform = self.picker.as_mut().filter(|_| !self.built_in_chooser);
        if let Some(picker) = platform {
            let paths = picker(&request);
            self.answer(request, paths, intents);
            return;
        }
        let mut recent: Vec<PathBuf> = self.workspace.recent_cases.clone();
        recent.extend(self.workspace.recent.iter().map(|(_, p)| p.clone()));
        let mut chooser = FileChooser::new(request, self.chooser_dir.clone(), &recent);
        if !self.built_in_chooser {
            chooser.why_built_in = self.no_platform_dialog.map(str::to_string);
        }
        self.chooser = Some(chooser);
    }

    /// Draw the built-in chooser while it is open, and act on its answer.
    pub(crate) fn chooser_window(&mut self, ctx: &egui::Context, intents: &mut Vec<Intent>) {
        let Some(chooser) = self.chooser.as_mut() else {
            return;
        };
        let Some(outcome) = chooser.show(ctx) else {
            return;
        };
        let chooser = self.chooser.take().expect("shown above");
        self.chooser_dir = Some(chooser.dir().to_path_buf());
        let paths = match outcome {
            Outcome::Chosen(paths) => paths,
            Outcome::Cancelled => Vec::new(),
        };
        self.answer(chooser.request, paths, intents);
    }

    /// What the user chose for `request` (nothing when cancelled) is put to work.
    pub(crate) fn answer(
        &mut self,
        request: FileRequest,
        paths: Vec<PathBuf>,
        intents: &mut Vec<Intent>,
    ) {
        let Some(first) = paths.first().cloned() else {
            // A cancelled "Save as a case…" leaves what waited for it undone.
            self.awaiting_save_for = None;
            return;
        };
        match request {
            FileRequest::OpenCase => intents.push(Intent::OpenCase(first)),
            FileRequest::NewCase => intents.push(Intent::NewCase(with_case_extension(first))),
            FileRequest::SaveCaseAs => {
                intents.push(Intent::SaveCaseAs(with_case_extension(first)));
                self.after_saving = self.awaiting_save_for.take();
            }
            FileRequest::Import(kind) => intents.push(Intent::Preview { kind, paths }),
            FileRequest::ExportFolder | FileRequest::ExportZip => {
                self.workspace
                    .start_export(first, self.export_choices.clone());
                self.export_dialog = false;
            }
            FileRequest::Screenshot(_) => self.screenshot_to = Some(first),
            FileRequest::ImportErrors(file) => {
                let result = compound_atlas_core::output::write_issues(
                    &first,
                    &self.workspace.dataset,
                    Some(file),
                );
                self.workspace.notice = Some(workspace::Notice::of_save(&first, result));
            }
            FileRequest::IpDatabase => intents.push(Intent::AddIpDatabase(first)),
            FileRequest::TileFile | FileRequest::MapPng => {
                self.map.files.give_answer(request, first)
            }
            FileRequest::ChartCsv(_) | FileRequest::ChartPng(_) => {
                self.timeline.files.give_answer(request, first)
            }
            FileRequest::LinksPng | FileRequest::LinksSvg => {
                self.links.files.give_answer(request, first)
            }
        }
    }

    /// Put the questions the views asked in this frame to the user.
    pub(crate) fn ask_for_views(&mut self, intents: &mut Vec<Intent>) {
        let asked = [
            self.map.files.take_asked(),
            self.timeline.files.take_asked(),
            self.links.files.take_asked(),
        ];
        for request in asked.into_iter().flatten() {
            self.ask(request, intents);
        }
    }
}
