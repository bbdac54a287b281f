//! Closing the window, and switching cases, without losing work: an open case is saved
//! first; work never saved as a case is asked about ("Keep this work?"), and what the user
//! asked for goes on once the answer (and any save) is done.

use super::WorkbenchApp;
use super::file_dialogs::FileRequest;
use super::workspace::Intent;
use std::path::PathBuf;

/// Something the user asked for that would drop work never saved as a case; asked about first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsaved {
    Close,
    NewCase,
    OpenCase(Option<PathBuf>),
}

/// Where closing the window has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closing {
    /// Waiting for the running job, then saving.
    WaitingForJob,
    /// The save before closing is running.
    Saving,
    /// Nothing (more) to save: the window may close.
    Allowed,
}

impl WorkbenchApp {
    /// New, Open and Close drop work that was never saved as a case: ask first. An open
    /// case needs no question; it is saved before switching or closing.
    pub(crate) fn ask_unless_saved(&mut self, wanted: Unsaved, intents: &mut Vec<Intent>) {
        if self.workspace.case_path.is_none() && self.workspace.has_unsaved_work() {
            self.unsaved = Some(wanted);
        } else {
            self.go_ahead(wanted, intents);
        }
    }

    fn go_ahead(&mut self, wanted: Unsaved, intents: &mut Vec<Intent>) {
        match wanted {
            Unsaved::Close => {
                self.closing = Some(Closing::Allowed);
            }
            Unsaved::NewCase => self.ask(FileRequest::NewCase, intents),
            Unsaved::OpenCase(Some(path)) => intents.push(Intent::OpenCase(path)),
            Unsaved::OpenCase(None) => self.ask(FileRequest::OpenCase, intents),
        }
    }

    /// Save the open case, or ask where when there is none.
    pub(crate) fn save(&mut self, intents: &mut Vec<Intent>) {
        if self.workspace.case_path.is_some() {
            intents.push(Intent::SaveCase);
        } else {
            self.ask(FileRequest::SaveCaseAs, intents);
        }
    }

    /// The window was asked to close: an open case with changes is saved first (after any
    /// running job), and work never saved as a case is asked about. Returns whether the
    /// window may close now.
    pub fn may_close(&mut self) -> bool {
        match self.closing {
            Some(Closing::Allowed) => return true,
            Some(_) => return false,
            None => {}
        }
        if self.workspace.case_path.is_some() {
            if self.workspace.needs_save_on_close() || self.workspace.is_busy() {
                self.closing = Some(Closing::WaitingForJob);
                return false;
            }
            return true;
        }
        if self.workspace.has_unsaved_work() {
            self.unsaved = Some(Unsaved::Close);
            return false;
        }
        true
    }

    /// Whether the window has been let go: everything is saved (or was discarded).
    pub fn is_closing(&self) -> bool {
        self.closing == Some(Closing::Allowed)
    }

    /// Carry closing on: save once the running job is done, close once saved. A failed
    /// save stops closing; its notice says why.
    pub(crate) fn continue_closing(&mut self, ctx: &egui::Context) {
        let Some(step) = self.closing else { return };
        if self.workspace.is_busy() {
            return;
        }
        match step {
            Closing::WaitingForJob if self.workspace.needs_save_on_close() => {
                self.workspace.apply(Intent::SaveCase);
                self.closing = Some(Closing::Saving);
            }
            Closing::Saving if self.workspace.needs_save_on_close() => self.closing = None,
            _ => {
                self.closing = Some(Closing::Allowed);
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    /// Go on with what waited for the work to be saved as a case, once the save is done;
    /// drop it if the save failed or was cancelled (its notice says so).
    pub(crate) fn continue_after_saving(&mut self, intents: &mut Vec<Intent>) {
        if self.workspace.is_busy() {
            return;
        }
        let Some(wanted) = self.after_saving.take() else {
            return;
        };
        if self.workspace.case_path.is_none() {
            return;
        }
        match wanted {
            // The case is open and saved now: closing saves whatever changed since.
            Unsaved::Close => self.closing = Some(Closing::WaitingForJob),
            other => self.go_ahead(other, intents),
        }
    }

    /// The question about work never saved as a case.
    pub(crate) fn unsaved_window(&mut self, ctx: &egui::Context, intents: &mut Vec<Intent>) {
        let Some(wanted) = self.unsaved.clone() else {
            return;
        };
        let doing = match wanted {
            Unsaved::Close => "Closing",
            Unsaved::NewCase => "Starting a new case",
            Unsaved::OpenCase(_) => "Opening a case",
        };
        let mut answer = None;
        egui::Window::new("Keep this work?")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(format!(
                    "This work (imports, tags, notes, views) is not saved in a case file. {doing} drops it."
                ));
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    if ui.button("Save as a case…").clicked() {
                        answer = Some(0);
                    }
                    if ui.button("Discard the work").clicked() {
                        answer = Some(1);
                    }
                    if ui.button("Cancel").clicked() {
                        answer = Some(2);
                    }
                });
            });
        match answer {
            Some(0) => {
                self.unsaved = None;
                self.awaiting_save_for = Some(wanted);
                self.ask(FileRequest::SaveCaseAs, intents);
            }
            Some(1) => {
                self.unsaved = None;
                self.go_ahead(wanted.clone(), intents);
                if wanted == Unsaved::Close {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
            Some(_) => self.unsaved = None,
            None => {}
        }
    }
}
