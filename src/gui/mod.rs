//! The desktop workbench: a thin egui shell over the library. It parses nothing and
//! matches nothing itself; [`workspace::Workspace`] calls the library, on background
//! threads for anything long.

mod background;
mod basemap_tiles;
pub mod case_panel;
pub mod map_view;
pub mod tables_view;
pub mod theme;
pub mod timeline_view;
pub mod views;
pub mod workspace;

use compound_atlas_core::model::FileKind;
use compound_atlas_core::pipeline::Inputs;
use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};
use std::path::PathBuf;
use workspace::{Intent, Params, Workspace, embedded_inputs};

const STORAGE_KEY: &str = "compound-atlas";

/// What is remembered between runs.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Remembered {
    params: Params,
    dark: bool,
    recent: Vec<(FileKind, PathBuf)>,
    /// The user agreed to online map tiles (see the map's Layers menu).
    #[serde(default)]
    online_tiles_opt_in: bool,
    #[serde(default)]
    recent_cases: Vec<PathBuf>,
    /// The analyst's name, for the audit log of every case.
    #[serde(default)]
    analyst: String,
}

/// What the workbench opens with.
pub enum Startup {
    /// The built-in sample data and gazetteer.
    Sample,
    /// These files, read in the background.
    Files(Inputs),
    /// This case file, read in the background.
    Case(PathBuf),
}

/// Something the user asked for that would drop work never saved as a case; asked about first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsaved {
    Close,
    NewCase,
    OpenCase(Option<PathBuf>),
}

/// Where closing the window has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    /// Waiting for the running job, then saving.
    WaitingForJob,
    /// The save before closing is running.
    Saving,
    /// Nothing (more) to save: the window may close.
    Allowed,
}

const IMPORT_REPORTS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
const IMPORT_LOCATIONS: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::O);
const FIND: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);
const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);

/// The file name filter of case files.
const CASE_EXTENSION: &str = "case";

pub struct WorkbenchApp {
    pub workspace: Workspace,
    dates: views::DateTexts,
    errors_for: Option<u16>,
    pub show_about: bool,
    show_shortcuts: bool,
    show_sources_panel: bool,
    show_timeline_panel: bool,
    pub timeline: timeline_view::TimelineView,
    pub central: CentralTab,
    pub map: map_view::MapView,
    pub locations_table: tables_view::Table,
    pub reports_table: tables_view::Table,
    pub matches_table: tables_view::Table,
    /// The report shown in the detail window.
    pub detail: Option<u32>,
    triage_draft: tables_view::TriageDraft,
    dark: bool,
    /// Presentation mode: large type, headline, map and timeline only, identifiers masked.
    pub presenting: bool,
    zoom_before_presenting: f32,
    /// The export dialog, when open, with its choices (kept between exports).
    pub export_dialog: bool,
    pub export_choices: workspace::ExportChoices,
    /// Where a screenshot that was asked for reports whether it was saved.
    screenshot_saved: Option<std::sync::mpsc::Receiver<Result<PathBuf, String>>>,
    pub case_section: case_panel::CaseSection,
    pub show_audit: bool,
    /// The question about unsaved work, when asked.
    pub unsaved: Option<Unsaved>,
    closing: Option<Closing>,
    /// What the user asked for once the work is saved as a case (the "Save as a case…"
    /// answer to the question about unsaved work).
    pub after_saving: Option<Unsaved>,
    /// The window title last set, so that it is sent only when it changes.
    title: String,
}

/// One section of the side panel: a bold heading, open at first, that folds its body away.
fn side_section(ui: &mut Ui, title: &str, body: impl FnOnce(&mut Ui)) {
    egui::CollapsingHeader::new(RichText::new(title).strong())
        .default_open(true)
        .show(ui, body);
}

/// Write a window image as PNG, atomically.
fn save_color_image(image: &egui::ColorImage, path: &std::path::Path) -> Result<(), String> {
    let [width, height] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let rgba = image::RgbaImage::from_raw(width as u32, height as u32, bytes)
        .ok_or("the screenshot has no pixels")?;
    let mut png = Vec::new();
    rgba.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    compound_atlas_core::values::atomic::write_atomically(path, |out| {
        std::io::Write::write_all(out, &png)
    })
    .map_err(|e| format!("{}: {e}", path.display()))
}

/// How much larger everything is drawn in presentation mode.
const PRESENTATION_ZOOM: f32 = 1.35;

/// What the central area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentralTab {
    Map,
    Locations,
    Reports,
    Matches,
}

impl WorkbenchApp {
    pub fn new(workspace: Workspace) -> Self {
        WorkbenchApp {
            workspace,
            dates: views::DateTexts::default(),
            errors_for: None,
            show_about: false,
            show_shortcuts: false,
            show_sources_panel: true,
            show_timeline_panel: true,
            timeline: timeline_view::TimelineView::default(),
            central: CentralTab::Map,
            map: map_view::MapView::default(),
            // Locations with the most IP + time reports first, as the study ranks them.
            locations_table: tables_view::Table::sorted_by(2, true),
            reports_table: tables_view::Table::default(),
            matches_table: tables_view::Table::default(),
            detail: None,
            triage_draft: tables_view::TriageDraft::default(),
            dark: false,
            presenting: false,
            zoom_before_presenting: 1.0,
            export_dialog: false,
            export_choices: workspace::ExportChoices::default(),
            screenshot_saved: None,
            case_section: case_panel::CaseSection::default(),
            show_audit: false,
            unsaved: None,
            closing: None,
            after_saving: None,
            title: String::new(),
        }
    }

    fn pick_case_to_open() -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Open case")
            .add_filter("Compound Atlas case", &[CASE_EXTENSION])
            .pick_file()
    }

    fn pick_case_to_write(title: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .set_file_name(format!("investigation.{CASE_EXTENSION}"))
            .add_filter("Compound Atlas case", &[CASE_EXTENSION])
            .save_file()
            .map(|path| {
                if path.extension().is_none() {
                    path.with_extension(CASE_EXTENSION)
                } else {
                    path
                }
            })
    }

    /// New, Open and Close drop work that was never saved as a case: ask first. An open
    /// case needs no question; it is saved before switching or closing.
    fn ask_unless_saved(&mut self, wanted: Unsaved, intents: &mut Vec<Intent>) {
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
            Unsaved::NewCase => {
                if let Some(path) = Self::pick_case_to_write("New case: where to keep it") {
                    intents.push(Intent::NewCase(path));
                }
            }
            Unsaved::OpenCase(path) => {
                if let Some(path) = path.or_else(Self::pick_case_to_open) {
                    intents.push(Intent::OpenCase(path));
                }
            }
        }
    }

    /// Save the open case, or ask where when there is none.
    fn save(&mut self, intents: &mut Vec<Intent>) {
        if self.workspace.case_path.is_some() {
            intents.push(Intent::SaveCase);
        } else if let Some(path) = Self::pick_case_to_write("Save case as") {
            intents.push(Intent::SaveCaseAs(path));
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
    fn continue_closing(&mut self, ctx: &egui::Context) {
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
    fn continue_after_saving(&mut self, intents: &mut Vec<Intent>) {
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
    fn unsaved_window(&mut self, ctx: &egui::Context, intents: &mut Vec<Intent>) {
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
                if let Some(path) = Self::pick_case_to_write("Save case as") {
                    intents.push(Intent::SaveCaseAs(path));
                    self.after_saving = Some(wanted);
                }
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

    /// Open the import errors of one input file (as its Errors button does).
    pub fn open_errors_for(&mut self, file: u16) {
        self.errors_for = Some(file);
    }

    fn pick_and_import(&self, kind: FileKind, intents: &mut Vec<Intent>) {
        let title = match kind {
            FileKind::Reports => "Import report files",
            FileKind::Locations => "Import location lists",
        };
        let picked = rfd::FileDialog::new()
            .set_title(title)
            .add_filter("CSV or TSV", &["csv", "tsv", "txt"])
            .pick_files();
        if let Some(paths) = picked {
            intents.push(Intent::Preview { kind, paths });
        }
    }

    fn menu_bar(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                let busy = self.workspace.is_busy();
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
                    && let Some(path) = Self::pick_case_to_write("Save case as")
                {
                    intents.push(Intent::SaveCaseAs(path));
                }
                ui.separator();
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
                    self.ask_for_screenshot(ui.ctx());
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| {
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
                    apply_theme(ui.ctx(), self.dark);
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("Keyboard shortcuts").clicked() {
                    self.show_shortcuts = true;
                }
                if ui.button("About Compound Atlas").clicked() {
                    self.show_about = true;
                }
            });
        });
    }

    fn status_bar(&self, ui: &mut Ui, intents: &mut Vec<Intent>) {
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
                "{} files · tolerance {} · times without an offset read as {}",
                self.workspace.dataset.files.len(),
                self.workspace.applied.tolerance,
                self.workspace.applied.zone
            ));
        }
    }

    fn keyboard(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) -> bool {
        let ctx = ui.ctx().clone();
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

    /// Enter or leave presentation mode. The detail window closes on entering, since it
    /// is full of identifiers.
    pub fn set_presenting(&mut self, ctx: &egui::Context, on: bool) {
        if on == self.presenting {
            return;
        }
        if on {
            self.zoom_before_presenting = ctx.zoom_factor();
            ctx.set_zoom_factor(self.zoom_before_presenting * PRESENTATION_ZOOM);
            self.detail = None;
            self.central = CentralTab::Map;
        } else {
            ctx.set_zoom_factor(self.zoom_before_presenting);
        }
        self.presenting = on;
    }

    /// Ask where to save, then ask egui for the window's image. It arrives after the
    /// frame is drawn; it is written there and the outcome reported back for a notice.
    fn ask_for_screenshot(&mut self, ctx: &egui::Context) {
        let name = format!(
            "compound-atlas-{}.png",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        let Some(path) = rfd::FileDialog::new()
            .set_file_name(name)
            .add_filter("PNG image", &["png"])
            .save_file()
        else {
            return;
        };
        let (sender, receiver) = std::sync::mpsc::channel();
        self.screenshot_saved = Some(receiver);
        let repaint = ctx.clone();
        ctx.request_screenshot(move |image| {
            let _ = sender.send(save_color_image(&image, &path).map(|()| path));
            repaint.request_repaint();
        });
    }

    fn report_saved_screenshot(&mut self) {
        let Some(outcome) = self
            .screenshot_saved
            .as_ref()
            .and_then(|r| r.try_recv().ok())
        else {
            return;
        };
        self.screenshot_saved = None;
        self.workspace.notice = Some(match outcome {
            Ok(path) => workspace::Notice {
                text: format!("Saved the screenshot to {}.", path.display()),
                is_error: false,
            },
            Err(message) => workspace::Notice {
                text: format!("Could not save the screenshot: {message}."),
                is_error: true,
            },
        });
    }

    /// File → Export evidence set…: what to include, then where.
    fn export_window(&mut self, ctx: &egui::Context) {
        if !self.export_dialog {
            return;
        }
        let mut open = true;
        let mut start = None;
        egui::Window::new("Export evidence set")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .default_width(560.0)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                let view = &self.workspace.view.summary.headline;
                ui.label(format!(
                    "Exports what the views show: {} reports linked by IP and time and {} with any IP match.",
                    compound_atlas_core::values::text::thousands(view.reports_ip_time),
                    compound_atlas_core::values::text::thousands(view.reports_any_match),
                ));
                ui.label(
                    RichText::new(format!(
                        "Filter: {}",
                        self.workspace.effective_filter().describe()
                    ))
                    .weak(),
                );
                ui.add_space(6.0);
                ui.checkbox(
                    &mut self.export_choices.mask,
                    "Mask identifiers (report ids keep their last four characters, addresses their network), for stakeholders",
                );
                egui::Grid::new("export-fields").num_columns(2).show(ui, |ui| {
                    let label = ui.label("Analyst name");
                    ui.text_edit_singleline(&mut self.export_choices.analyst)
                        .labelled_by(label.id);
                    ui.end_row();
                    let label = ui.label("Case reference");
                    ui.text_edit_singleline(&mut self.export_choices.case_reference)
                        .labelled_by(label.id);
                    ui.end_row();
                });
                ui.label(
                    RichText::new(
                        "Writes matches, reports, events, locations (CSV, GeoJSON, KML), import errors, map.png, summary.html and manifest.json. Check it later with `compound-atlas verify`.",
                    )
                    .weak(),
                );
                ui.horizontal(|ui| {
                    if ui.button("Export to a new folder…").clicked() {
                        start = rfd::FileDialog::new()
                            .set_title("Name the new evidence folder")
                            .set_file_name("evidence-set")
                            .save_file();
                    }
                    if ui.button("Export as one .zip…").clicked() {
                        start = rfd::FileDialog::new()
                            .set_file_name("evidence-set.zip")
                            .add_filter("Zip archive", &["zip"])
                            .save_file();
                    }
                });
            });
        if let Some(out) = start {
            self.workspace
                .start_export(out, self.export_choices.clone());
            self.export_dialog = false;
        } else {
            self.export_dialog = open;
        }
    }

    fn dropped_files(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        let dropped: Vec<PathBuf> = ui.ctx().input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        let mut unknown = Vec::new();
        for path in dropped {
            match compound_atlas_core::ingest::classify(&path) {
                Some(kind) => intents.push(Intent::Preview {
                    kind,
                    paths: vec![path],
                }),
                None => unknown.push(path.display().to_string()),
            }
        }
        if !unknown.is_empty() {
            self.workspace.notice = Some(workspace::Notice {
                text: format!(
                    "Not imported: {} has neither a reports header (report_id, ip, event_time) nor a location list header (name).",
                    unknown.join(", ")
                ),
                is_error: true,
            });
        }
    }

    /// Draw one frame and apply what the views asked for.
    pub fn frame(&mut self, ui: &mut Ui) {
        if self.workspace.poll_job() {
            self.dates = views::DateTexts::default();
        }
        let ctx = ui.ctx().clone();
        if ctx.input(|i| i.viewport().close_requested()) && !self.may_close() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
        }
        self.continue_closing(&ctx);
        let mut intents = Vec::new();
        self.continue_after_saving(&mut intents);
        if let Some(wait) = self.workspace.autosave_if_due() {
            ctx.request_repaint_after(wait);
        }
        self.restore_layout();
        self.update_title(&ctx);
        if self.workspace.is_busy() {
            // Progress is shown at least four times a second while a job runs.
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        let mut intents = Vec::new();
        let focus_search = self.keyboard(ui, &mut intents);
        if focus_search {
            self.show_sources_panel = true;
        }
        self.dropped_files(ui, &mut intents);

        self.report_saved_screenshot();
        if self.presenting {
            self.presentation(ui, &mut intents);
            self.unsaved_window(&ctx, &mut intents);
            for intent in intents {
                self.workspace.apply(intent);
            }
            return;
        }
        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui, &mut intents));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui, &mut intents));
        let open_errors = egui::Panel::left("sources")
            .resizable(true)
            .default_size(330.0)
            .min_size(240.0)
            .show_collapsible(ui, &mut self.show_sources_panel, |ui| {
                egui::ScrollArea::vertical()
                    .show(ui, |ui| {
                        let mut open = None;
                        side_section(ui, "Case", |ui| {
                            case_panel::case_section(
                                ui,
                                &self.workspace,
                                &mut self.case_section,
                                &mut self.show_audit,
                                &mut intents,
                            );
                        });
                        side_section(ui, "Data sources", |ui| {
                            open = views::data_sources(ui, &self.workspace, &mut intents);
                        });
                        side_section(ui, "Matching", |ui| {
                            views::matching_params(ui, &mut self.workspace, &mut intents);
                        });
                        side_section(ui, "Filters", |ui| {
                            views::filters(
                                ui,
                                &self.workspace,
                                &mut self.dates,
                                focus_search,
                                &mut intents,
                            );
                        });
                        open
                    })
                    .inner
            })
            .and_then(|r| r.inner);
        if open_errors.is_some() {
            self.errors_for = open_errors;
        }
        // Below the central area only, so that the left panel keeps the full height.
        egui::Panel::bottom("timeline")
            .resizable(true)
            .default_size(300.0)
            .min_size(180.0)
            .show_collapsible(ui, &mut self.show_timeline_panel, |ui| {
                self.timeline.ui(ui, &mut self.workspace, &mut intents);
            });
        egui::CentralPanel::default().show(ui, |ui| {
            views::headline(ui, &self.workspace);
            ui.add_space(4.0);
            views::filter_line(ui, &self.workspace, &mut intents);
            ui.separator();
            ui.horizontal(|ui| {
                ui.selectable_value(
                    &mut self.central,
                    CentralTab::Map,
                    RichText::new("Map").heading(),
                );
                ui.selectable_value(
                    &mut self.central,
                    CentralTab::Locations,
                    RichText::new("Locations").heading(),
                );
                ui.selectable_value(
                    &mut self.central,
                    CentralTab::Reports,
                    RichText::new("Reports").heading(),
                );
                ui.selectable_value(
                    &mut self.central,
                    CentralTab::Matches,
                    RichText::new("Matches").heading(),
                );
            });
            let opened = match self.central {
                CentralTab::Map => {
                    self.map.ui(ui, &self.workspace, self.dark, &mut intents);
                    None
                }
                CentralTab::Locations => self.locations_table.ui(
                    ui,
                    tables_view::Kind::Locations,
                    &self.workspace,
                    &mut intents,
                ),
                CentralTab::Reports => self.reports_table.ui(
                    ui,
                    tables_view::Kind::Reports,
                    &self.workspace,
                    &mut intents,
                ),
                CentralTab::Matches => self.matches_table.ui(
                    ui,
                    tables_view::Kind::Matches,
                    &self.workspace,
                    &mut intents,
                ),
            };
            if opened.is_some() {
                self.detail = opened;
            }
        });
        self.windows(ui, &mut intents);
        intents.push(Intent::SetLayout(self.layout()));
        for intent in intents {
            if matches!(intent, Intent::ResetFilter | Intent::ApplyView(_)) {
                self.dates = views::DateTexts::default();
            }
            self.workspace.apply(intent);
        }
    }

    /// The tab and the report in the detail window, as a case keeps them.
    fn layout(&self) -> compound_atlas_core::case::Layout {
        let tab = match self.central {
            CentralTab::Map => "map",
            CentralTab::Locations => "locations",
            CentralTab::Reports => "reports",
            CentralTab::Matches => "matches",
        };
        let report = self
            .detail
            .filter(|&r| (r as usize) < self.workspace.dataset.reports.len())
            .map(|r| self.workspace.dataset.reports.id(r).to_string())
            .unwrap_or_default();
        compound_atlas_core::case::Layout {
            tab: tab.into(),
            report,
            map: self.map.area(),
        }
    }

    /// Show the tab and the report a case was saved with, once it is opened.
    fn restore_layout(&mut self) {
        let Some(layout) = self.workspace.restore_layout.take() else {
            return;
        };
        self.central = match layout.tab.as_str() {
            "locations" => CentralTab::Locations,
            "reports" => CentralTab::Reports,
            "matches" => CentralTab::Matches,
            _ => CentralTab::Map,
        };
        self.detail = self.workspace.dataset.reports.find(&layout.report);
        if let Some(area) = layout.map {
            self.map.show_area(area, &self.workspace.dataset);
        }
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let title = match &self.workspace.case_path {
            Some(path) => format!(
                "{}{} — Compound Atlas",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                if self.workspace.is_modified() {
                    " •"
                } else {
                    ""
                }
            ),
            None => "Compound Atlas".to_string(),
        };
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// Presentation mode: the headline, the map and the timeline, in large type, with
    /// every identifier masked and a badge that says so.
    fn presentation(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        egui::Panel::top("presenting").show(ui, |ui| {
            ui.horizontal(|ui| {
                egui::Frame::new()
                    .fill(egui::Color32::from_rgb(60, 60, 60))
                    .corner_radius(4.0)
                    .inner_margin(egui::Margin::symmetric(8, 2))
                    .show(ui, |ui| {
                        ui.label(
                            RichText::new("identifiers masked")
                                .strong()
                                .color(egui::Color32::WHITE),
                        );
                    });
                ui.label(RichText::new(self.workspace.effective_filter().describe_masked()).weak());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("Leave presentation (F5)").clicked() {
                        self.set_presenting(ui.ctx(), false);
                    }
                });
            });
        });
        // Its own id, so that the map gets most of the screen whatever size the normal
        // timeline panel was given.
        egui::Panel::bottom("presenting-timeline")
            .resizable(true)
            .default_size(190.0)
            .min_size(140.0)
            .show(ui, |ui| {
                self.timeline.ui(ui, &mut self.workspace, intents);
            });
        egui::CentralPanel::default().show(ui, |ui| {
            views::headline(ui, &self.workspace);
            ui.add_space(4.0);
            self.map.ui(ui, &self.workspace, self.dark, intents);
        });
    }

    fn windows(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        let ctx = ui.ctx().clone();
        self.export_window(&ctx);
        self.unsaved_window(&ctx, intents);
        case_panel::audit_window(&ctx, &self.workspace, &mut self.show_audit);
        if let Some(first) = self.workspace.pending.first() {
            let title = format!("Import preview: {}", first.path.display());
            let mut open = true;
            egui::Window::new(title)
                .open(&mut open)
                .default_size([980.0, 620.0])
                .show(&ctx, |ui| {
                    views::import_preview(ui, &mut self.workspace, intents)
                });
            if !open {
                intents.push(Intent::CancelImports);
            }
        }
        if let Some(file) = self.errors_for {
            let mut open = true;
            let name = self
                .workspace
                .dataset
                .files
                .get(file as usize)
                .map(|f| f.path.display().to_string())
                .unwrap_or_default();
            let mut save = false;
            egui::Window::new(format!("Import errors: {name}"))
                .open(&mut open)
                .default_size([820.0, 420.0])
                .show(&ctx, |ui| {
                    save = views::errors_table(ui, &self.workspace, file);
                });
            if save {
                self.save_errors(file);
            }
            if !open || self.workspace.dataset.files.len() <= file as usize {
                self.errors_for = None;
            }
        }
        if let Some(report) = self
            .detail
            .filter(|&r| (r as usize) < self.workspace.dataset.reports.len())
        {
            let mut open = true;
            egui::Window::new(format!(
                "Report {}",
                self.workspace.dataset.reports.id(report)
            ))
            .open(&mut open)
            .default_size([760.0, 560.0])
            .show(&ctx, |ui| {
                tables_view::report_window(
                    ui,
                    &self.workspace,
                    report,
                    &mut self.triage_draft,
                    intents,
                )
            });
            if !open {
                self.detail = None;
            }
        }
        egui::Window::new("About Compound Atlas")
            .open(&mut self.show_about)
            .default_width(560.0)
            .show(&ctx, views::about);
        egui::Window::new("Keyboard shortcuts")
            .open(&mut self.show_shortcuts)
            .show(&ctx, views::shortcuts);
    }

    fn save_errors(&mut self, file: u16) {
        let Some(path) = rfd::FileDialog::new()
            .set_file_name("import_errors.csv")
            .add_filter("CSV", &["csv"])
            .save_file()
        else {
            return;
        };
        let result =
            compound_atlas_core::output::write_issues(&path, &self.workspace.dataset, Some(file));
        self.workspace.notice = Some(workspace::Notice::of_save(&path, result));
    }
}

fn apply_theme(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark {
        egui::ThemePreference::Dark
    } else {
        egui::ThemePreference::Light
    });
}

impl eframe::App for WorkbenchApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let remembered = Remembered {
            params: self.workspace.params.clone(),
            dark: self.dark,
            recent: self.workspace.recent.clone(),
            online_tiles_opt_in: self.map.online_opt_in,
            recent_cases: self.workspace.recent_cases.clone(),
            analyst: self.workspace.analyst.clone(),
        };
        eframe::set_value(storage, STORAGE_KEY, &remembered);
    }
}

/// Open the workbench with what `startup` names.
pub fn run(startup: Startup) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Compound Atlas")
            .with_inner_size([1400.0, 900.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Compound Atlas",
        options,
        Box::new(move |creation| {
            let remembered: Remembered = creation
                .storage
                .and_then(|s| eframe::get_value(s, STORAGE_KEY))
                .unwrap_or_default();
            apply_theme(&creation.egui_ctx, remembered.dark);
            let params = if remembered.params.resolve().is_ok() {
                remembered.params
            } else {
                Params::default()
            };
            let mut workspace = match startup {
                Startup::Files(inputs) => Workspace::load_in_background(inputs, params),
                Startup::Case(path) => {
                    let mut workspace = Workspace::load_blocking(Inputs::default(), params)?;
                    // Before opening: the case's lock names who has it.
                    workspace.analyst = remembered.analyst.clone();
                    workspace.apply(Intent::OpenCase(path));
                    workspace
                }
                Startup::Sample => Workspace::load_blocking(embedded_inputs(), params.clone())
                    .or_else(|_| Workspace::load_blocking(embedded_inputs(), Params::default()))
                    .map_err(|e| format!("the built-in sample data could not be read: {e}"))?,
            };
            workspace.recent = remembered.recent;
            workspace.recent_cases = remembered.recent_cases;
            workspace.analyst = remembered.analyst;
            let mut app = WorkbenchApp::new(workspace);
            app.dark = remembered.dark;
            app.map.online_opt_in = remembered.online_tiles_opt_in;
            Ok(Box::new(app))
        }),
    )
}
