//! The workbench's windows besides the views: the import preview, import errors, the
//! report detail, the export dialog, About and the shortcuts; screenshots and dropped
//! files; and asking for paths through the picker.

use super::file_dialogs::FileRequest;
use super::workspace::{self, ExportChoices, Intent};
use super::{WorkbenchApp, case_panel, import_preview, info_windows, report_window};
use egui::{RichText, Ui};
use std::path::PathBuf;

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

/// Where the report window's top right corner starts: below the headline cards.
fn report_window_corner(ctx: &egui::Context) -> egui::Pos2 {
    let screen = ctx.content_rect();
    egui::pos2(screen.right() - 12.0, screen.top() + 150.0)
}

impl WorkbenchApp {
    /// Open the import errors of one input file (as its Errors button does).
    pub fn open_errors_for(&mut self, file: u16) {
        self.errors_for = Some(file);
    }

    /// Ask where to save a screenshot; [`Self::take_screenshot_if_asked`] takes it.
    pub(crate) fn ask_for_screenshot(&mut self, intents: &mut Vec<Intent>) {
        let name = format!(
            "compound-atlas-{}.png",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        self.ask(FileRequest::Screenshot(name), intents);
    }

    /// Once a place is chosen, ask egui for the window's image. It arrives after the frame
    /// is drawn; it is written there and the outcome reported back for a notice.
    pub(crate) fn take_screenshot_if_asked(&mut self, ctx: &egui::Context) {
        let Some(path) = self.screenshot_to.take() else {
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

    pub(crate) fn report_saved_screenshot(&mut self) {
        let Some(outcome) = self
            .screenshot_saved
            .as_ref()
            .and_then(|r| r.try_recv().ok())
        else {
            return;
        };
        self.screenshot_saved = None;
        self.workspace.notice = Some(match outcome {
            Ok(path) => {
                workspace::Notice::info(format!("Saved the screenshot to {}.", path.display()))
            }
            Err(message) => {
                workspace::Notice::error(format!("Could not save the screenshot: {message}."))
            }
        });
    }

    /// File → Export evidence set…: what to include, then where.
    fn export_window(&mut self, ctx: &egui::Context, intents: &mut Vec<Intent>) {
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
                ui.checkbox(
                    &mut self.export_choices.leads,
                    format!(
                        "Include the leads (leads.csv, region {}): weaker than matches, of the whole data",
                        self.workspace.params.region
                    ),
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
                ui.add_space(6.0);
                intel_choices(ui, &mut self.export_choices);
                ui.add_space(6.0);
                ui.label(
                    RichText::new(
                        "Writes matches, reports, events, locations (CSV, GeoJSON, KML), import errors, a STIX 2.1 bundle and a MISP event, map.png, summary.html and manifest.json. Check it later with `compound-atlas verify`.",
                    )
                    .weak(),
                );
                ui.horizontal(|ui| {
                    if ui.button("Export to a new folder…").clicked() {
                        start = Some(FileRequest::ExportFolder);
                    }
                    if ui.button("Export as one .zip…").clicked() {
                        start = Some(FileRequest::ExportZip);
                    }
                });
            });
        // The answer closes the dialog once the export starts.
        self.export_dialog = open;
        if let Some(request) = start {
            self.ask(request, intents);
        }
    }

    pub(crate) fn dropped_files(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
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
            self.workspace.notice = Some(workspace::Notice::error(format!(
                "Not imported: {} has neither a reports header (report_id, ip, event_time) nor a location list header (name).",
                unknown.join(", ")
            )));
        }
    }

    pub(crate) fn windows(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        let ctx = ui.ctx().clone();
        self.export_window(&ctx, intents);
        self.unsaved_window(&ctx, intents);
        case_panel::audit_window(&ctx, &self.workspace, &mut self.show_audit);
        if let Some(first) = self.workspace.pending.first() {
            let title = format!("Import preview: {}", first.path.display());
            let mut open = true;
            egui::Window::new(title)
                .open(&mut open)
                .default_size([980.0, 620.0])
                .show(&ctx, |ui| {
                    import_preview::import_preview(ui, &self.workspace, intents)
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
                    save = info_windows::errors_table(ui, &self.workspace, file);
                });
            if save {
                self.ask(FileRequest::ImportErrors(file), intents);
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
            // At the right, below the headline cards, so that the figures stay in view.
            .pivot(egui::Align2::RIGHT_TOP)
            .default_pos(report_window_corner(&ctx))
            .default_size([
                760.0,
                (ctx.content_rect().height() - 190.0).clamp(240.0, 560.0),
            ])
            .show(&ctx, |ui| {
                report_window::report_window(
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
            .show(&ctx, info_windows::about);
        egui::Window::new("Keyboard shortcuts")
            .open(&mut self.show_shortcuts)
            .show(&ctx, info_windows::shortcuts);
    }
}

/// The choices for the two intelligence files: the TLP marking, the organisation named as
/// the one that sighted the matches, and whether sightings name their reports.
fn intel_choices(ui: &mut Ui, choices: &mut ExportChoices) {
    use compound_atlas_core::export::intel::Tlp;
    ui.strong("Threat intelligence (stix_bundle.json, misp_event.json)");
    egui::Grid::new("export-intel")
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label("TLP marking");
            let chosen = Tlp::parse(&choices.tlp).unwrap_or_default();
            egui::ComboBox::from_id_salt("export-tlp")
                .selected_text(chosen.tag().to_uppercase())
                .show_ui(ui, |ui| {
                    for tlp in Tlp::ALL {
                        let tag = tlp.tag().to_string();
                        ui.selectable_value(&mut choices.tlp, tag, tlp.tag().to_uppercase());
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Organisation");
            ui.add(
                egui::TextEdit::singleline(&mut choices.organisation)
                    .hint_text("named as the one that sighted the matches"),
            )
            .labelled_by(label.id);
            ui.end_row();
        });
    if choices.mask {
        choices.include_report_ids = false;
    }
    ui.add_enabled(
        !choices.mask,
        egui::Checkbox::new(
            &mut choices.include_report_ids,
            "Name the reports behind each sighting (report ids in the STIX and MISP files)",
        ),
    )
    .on_disabled_hover_text("A masked set never names reports.");
}
