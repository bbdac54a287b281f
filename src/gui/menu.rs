//! The menu bar, the keyboard shortcuts and the status bar.

use super::WorkbenchApp;
use super::closing::Unsaved;
use super::file_dialogs::FileRequest;
use super::theme;
use super::workspace::Intent;
use compound_atlas_core::model::FileKind;
use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};

pub const IMPORT_REPORTS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
pub const IMPORT_LOCATIONS: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::O);
pub const FIND: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);
pub const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);

impl WorkbenchApp {
    pub(crate) fn menu_bar(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| self.file_menu(ui, intents));
            ui.menu_button("View", |ui| self.view_menu(ui));
            ui.menu_button("Help", |ui| self.help_menu(ui));
        });
    }

    fn file_menu(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        let busy = self.workspace.is_busy();
        self.case_items(ui, busy, intents);
        ui.separator();
        self.import_items(ui, busy, intents);
        ui.separator();
        let can_export = !busy && !self.workspace.dataset.reports.is_empty();
        if ui
            .add_enabled(can_export, egui::Button::new("Export evidence set…"))
            .clicked()
        {
            self.export_dialog = true;
            if self.export_choices.analyst.is_empty() {
                self.export_choices.analyst = self.workspace.analyst.clone();
            }
        }
        if ui.button("Save screenshot…").clicked() {
            self.ask_for_screenshot(intents);
        }
        ui.separator();
        if ui.button("Quit").clicked() {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    /// New, Open, Recent cases, Save and Save as.
    fn case_items(&mut self, ui: &mut Ui, busy: bool, intents: &mut Vec<Intent>) {
        if ui
            .add_enabled(!busy, egui::Button::new("New case…"))
            .clicked()
        {
            self.ask_unless_saved(Unsaved::NewCase, intents);
        }
        if ui
            .add_enabled(!busy, egui::Button::new("Open case…"))
            .clicked()
        {
            self.ask_unless_saved(Unsaved::OpenCase(None), intents);
        }
        ui.menu_button("Recent cases", |ui| {
            if self.workspace.recent_cases.is_empty() {
                ui.label("none yet");
            }
            for path in self.workspace.recent_cases.clone() {
                if ui
                    .add_enabled(!busy, egui::Button::new(path.display().to_string()))
                    .clicked()
                {
                    self.ask_unless_saved(Unsaved::OpenCase(Some(path)), intents);
                }
            }
        });
        if ui
            .add_enabled(
                !busy,
                egui::Button::new("Save case").shortcut_text("Ctrl+S"),
            )
            .clicked()
        {
            self.save(intents);
        }
        if ui
            .add_enabled(!busy, egui::Button::new("Save case as…"))
            .clicked()
        {
            self.ask(FileRequest::SaveCaseAs, intents);
        }
    }

    /// Import reports, Import locations and Recent files.
    fn import_items(&mut self, ui: &mut Ui, busy: bool, intents: &mut Vec<Intent>) {
        if ui
            .add_enabled(
                !busy,
                egui::Button::new("Import reports…").shortcut_text("Ctrl+O"),
            )
            .clicked()
        {
            self.pick_and_import(FileKind::Reports, intents);
        }
        if ui
            .add_enabled(
                !busy,
                egui::Button::new("Import locations…").shortcut_text("Ctrl+Shift+O"),
            )
            .clicked()
        {
            self.pick_and_import(FileKind::Locations, intents);
        }
        if ui
            .add_enabled(!busy, egui::Button::new("Add IP database…"))
            .on_hover_text("Your own MaxMind DB file (GeoLite2, DB-IP Lite, IPinfo Lite): it takes precedence over the built-in data for the fields it has")
            .clicked()
        {
            self.ask(FileRequest::IpDatabase, intents);
        }
        ui.menu_button("Recent files", |ui| {
            if self.workspace.recent.is_empty() {
                ui.label("none yet");
            }
            for (kind, path) in self.workspace.recent.clone() {
                let label = format!(
                    "{} ({})",
                    path.display(),
                    if kind == FileKind::Reports {
                        "reports"
                    } else {
                        "locations"
                    }
                );
                if ui.add_enabled(!busy, egui::Button::new(label)).clicked() {
                    intents.push(Intent::Preview {
                        kind,
                        paths: vec![path],
                    });
                }
            }
        });
    }

    fn view_menu(&mut self, ui: &mut Ui) {
        ui.checkbox(
            &mut self.show_sources_panel,
            "Data sources and filters panel",
        );
        if ui.button("Audit log").clicked() {
            self.show_audit = true;
        }
        ui.checkbox(&mut self.show_timeline_panel, "Timeline panel");
        if ui
            .add(egui::Button::new("Presentation mode").shortcut_text("F5"))
            .clicked()
        {
            self.set_presenting(ui.ctx(), true);
        }
        if ui.checkbox(&mut self.dark, "Dark theme").changed() {
            super::apply_theme(ui.ctx(), self.dark);
        }
        let hint = match self.no_platform_dialog {
            Some(why) => format!("Always on here: {why}."),
            None => "Instead of the desktop's file dialog.".to_string(),
        };
        // Shown ticked where it is the only chooser there is.
        let mut always = true;
        let setting = match self.picker {
            Some(_) => &mut self.built_in_chooser,
            None => &mut always,
        };
        ui.add_enabled(
            self.picker.is_some(),
            egui::Checkbox::new(setting, "Built-in file chooser"),
        )
        .on_hover_text(&hint)
        .on_disabled_hover_text(&hint);
    }

    fn help_menu(&mut self, ui: &mut Ui) {
        if ui
            .add(egui::Button::new("Keyboard shortcuts").shortcut_text("F1"))
            .clicked()
        {
            self.show_shortcuts = true;
        }
        if ui.button("About Compound Atlas").clicked() {
            self.show_about = true;
        }
    }

    /// Ask for files to import, then show them in the import preview.
    pub(crate) fn pick_and_import(&mut self, kind: FileKind, intents: &mut Vec<Intent>) {
        self.ask(FileRequest::Import(kind), intents);
    }

    pub(crate) fn status_bar(&self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        // Right to left, so that a long notice wraps in the space left by the offline
        // note and its Dismiss button instead of running under them.
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(RichText::new("Offline: no network connections").weak());
            if self.workspace.job.is_none()
                && self.workspace.notice.is_some()
                && ui.small_button("Dismiss").clicked()
            {
                intents.push(Intent::DismissNotice);
            }
            ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                self.status_text(ui, intents);
            });
        });
    }

    /// The left of the status bar: the running job with Cancel, else the notice, else
    /// what is loaded.
    fn status_text(&self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        if let Some(job) = &self.workspace.job {
            let (fraction, eta) = job.fraction_and_eta();
            let progress = &job.progress;
            let done = progress
                .bytes_done
                .load(std::sync::atomic::Ordering::Relaxed);
            let total = progress
                .bytes_total
                .load(std::sync::atomic::Ordering::Relaxed);
            let rows = progress
                .rows_done
                .load(std::sync::atomic::Ordering::Relaxed);
            let text = if let Some(step) = job.steps {
                format!("{} · {step} {} of {}", job.label, done.min(total), total)
            } else {
                format!(
                    "{} · {:.0} of {:.0} MB · {} rows{}",
                    job.label,
                    done as f64 / 1e6,
                    total as f64 / 1e6,
                    compound_atlas_core::values::text::thousands(rows),
                    eta.map(|d| format!(" · {:.0} s left", d.as_secs_f64().ceil()))
                        .unwrap_or_default()
                )
            };
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(420.0)
                    .text(text),
            );
            if ui.button("Cancel").clicked() {
                intents.push(Intent::CancelJob);
            }
        } else if let Some(notice) = &self.workspace.notice {
            let colour = if notice.is_error {
                theme::ERROR
            } else {
                ui.visuals().text_color()
            };
            ui.add(egui::Label::new(RichText::new(&notice.text).color(colour)).wrap());
        } else {
            ui.label(format!(
                "{} · tolerance {} · times without an offset read as {}",
                compound_atlas_core::values::text::count(
                    self.workspace.dataset.files.len() as u64,
                    "file",
                    "files"
                ),
                self.workspace.applied.tolerance,
                self.workspace.applied.zone
            ));
        }
    }

    pub(crate) fn keyboard(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) -> bool {
        let ctx = ui.ctx().clone();
        if self.chooser.is_some() {
            // The chooser has the keyboard: Enter, Esc and typing are its own.
            return false;
        }
        if ctx.input_mut(|i| i.consume_shortcut(&IMPORT_LOCATIONS)) && !self.workspace.is_busy() {
            self.pick_and_import(FileKind::Locations, intents);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&IMPORT_REPORTS)) && !self.workspace.is_busy() {
            self.pick_and_import(FileKind::Reports, intents);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SAVE)) && !self.workspace.is_busy() {
            self.save(intents);
        }
        if ctx.input(|i| i.key_pressed(Key::F1)) {
            self.show_shortcuts = true;
        }
        if ctx.input(|i| i.key_pressed(Key::F5)) {
            self.set_presenting(&ctx, !self.presenting);
        }
        if ctx.input(|i| i.key_pressed(Key::Escape)) {
            if self.presenting {
                self.set_presenting(&ctx, false);
            } else {
                intents.push(Intent::ClearSelection);
            }
        }
        ctx.input_mut(|i| i.consume_shortcut(&FIND))
    }
}
