//! The case section of the side panel (the file, whether it is saved, the analyst's
//! name, the saved views) and the audit log window.

use super::theme;
use super::workspace::{Intent, Workspace};
use compound_atlas_core::values::text::{escape_control, thousands};
use egui::{RichText, Ui};

/// What the case section keeps between frames: the texts being typed.
#[derive(Debug, Default)]
pub struct CaseSection {
    /// The analyst's name as typed; applied (and logged) when the field loses focus.
    analyst: Option<String>,
    pub view_name: String,
}

/// "2 min ago", "just now": for the save status.
fn ago(elapsed: std::time::Duration) -> String {
    match elapsed.as_secs() {
        0..=59 => "just now".into(),
        s @ 60..=3599 => format!("{} min ago", s / 60),
        s => format!("{} h ago", s / 3600),
    }
}

pub fn case_section(
    ui: &mut Ui,
    workspace: &Workspace,
    section: &mut CaseSection,
    show_audit: &mut bool,
    intents: &mut Vec<Intent>,
) {
    case_status(ui, workspace);
    ui.add_space(4.0);
    analyst_field(ui, workspace, section, intents);
    ui.add_space(4.0);
    saved_views(ui, workspace, section, intents);
    ui.add_space(4.0);
    if ui
        .button(format!(
            "Audit log ({})",
            compound_atlas_core::values::text::count(
                workspace.audit.len() as u64,
                "entry",
                "entries"
            )
        ))
        .clicked()
    {
        *show_audit = true;
    }
}

/// The case file and whether everything is saved, or how to start a case.
fn case_status(ui: &mut Ui, workspace: &Workspace) {
    match &workspace.case_path {
        Some(path) => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            ui.label(RichText::new(name).strong())
                .on_hover_text(path.display().to_string());
            if workspace.is_modified() {
                let next = super::workspace::AUTOSAVE_EVERY
                    .saturating_sub(workspace.last_saved.elapsed())
                    .as_secs()
                    .div_ceil(60)
                    .max(1);
                ui.colored_label(
                    theme::WARNING,
                    format!("Unsaved changes · autosave in {next} min (Ctrl+S saves now)"),
                );
            } else {
                ui.label(
                    RichText::new(format!(
                        "All changes saved {}",
                        ago(workspace.last_saved.elapsed())
                    ))
                    .weak(),
                );
            }
        }
        None => {
            ui.label(RichText::new("Not saved as a case").strong());
            let hint = if workspace.has_unsaved_work() {
                "File > Save case as… keeps this work (data, tags, notes, views) in one file."
            } else {
                "File > New case… or Save case as… starts a case file that saves itself."
            };
            ui.label(RichText::new(hint).weak());
        }
    }
}

/// The analyst's name, recorded with every audit entry; applied when the field is left.
fn analyst_field(
    ui: &mut Ui,
    workspace: &Workspace,
    section: &mut CaseSection,
    intents: &mut Vec<Intent>,
) {
    ui.horizontal(|ui| {
        let label = ui.label("Analyst");
        let text = section
            .analyst
            .get_or_insert_with(|| workspace.analyst.clone());
        let field = ui
            .add(
                egui::TextEdit::singleline(text)
                    .hint_text("your name, for the audit log")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        if field.lost_focus() {
            intents.push(Intent::SetAnalyst(text.clone()));
        }
        if !field.has_focus() && *text != workspace.analyst && !field.lost_focus() {
            // Changed elsewhere (a case opened): show the workspace's name.
            *text = workspace.analyst.clone();
        }
    });
}

/// The saved views (click to bring one back, Delete to remove it) and a field to save
/// the current filter and selection under a name.
fn saved_views(
    ui: &mut Ui,
    workspace: &Workspace,
    section: &mut CaseSection,
    intents: &mut Vec<Intent>,
) {
    ui.label(RichText::new("Saved views").strong());
    if workspace.views.is_empty() {
        ui.label(
            RichText::new("None yet: name the filter and selection below to keep them.").weak(),
        );
    }
    for (index, (name, filter)) in workspace.views.iter().enumerate() {
        ui.horizontal(|ui| {
            if ui
                .button(name)
                .on_hover_text(format!("Show: {}", filter.describe()))
                .clicked()
            {
                intents.push(Intent::ApplyView(index));
            }
            if ui
                .small_button("Delete")
                .on_hover_text(format!("Delete the saved view \"{name}\""))
                .clicked()
            {
                intents.push(Intent::DeleteView(index));
            }
        });
    }
    ui.horizontal(|ui| {
        let field = ui.add(
            egui::TextEdit::singleline(&mut section.view_name)
                .hint_text("name, e.g. KK Park 2023, IP+time")
                .desired_width(ui.available_width() - 90.0),
        );
        let named = !section.view_name.trim().is_empty();
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui
            .add_enabled(named, egui::Button::new("Save view"))
            .on_hover_text("Keep the current filter and selection under this name")
            .clicked()
            || (entered && named)
        {
            intents.push(Intent::SaveView(std::mem::take(&mut section.view_name)));
        }
    });
}

/// The audit log, oldest first; entries not yet in the case file are marked.
pub fn audit_window(ctx: &egui::Context, workspace: &Workspace, open: &mut bool) {
    egui::Window::new("Audit log")
        .open(open)
        .default_size([900.0, 420.0])
        // Centred, so that it does not open over the report window at the top left.
        .pivot(egui::Align2::CENTER_CENTER)
        .default_pos(ctx.content_rect().center())
        .show(ctx, |ui| {
            ui.label(
                RichText::new(format!(
                    "{} · {} not yet saved · times in UTC · append-only: saved entries cannot be changed",
                    compound_atlas_core::values::text::count(workspace.audit.len() as u64, "entry", "entries"),
                    thousands((workspace.audit.len() - workspace.audit_saved) as u64)
                ))
                .weak(),
            );
            ui.separator();
            let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
            egui_extras::TableBuilder::new(ui)
                .striped(true)
                .stick_to_bottom(true)
                .column(egui_extras::Column::exact(170.0))
                .column(egui_extras::Column::initial(120.0).at_least(60.0))
                .column(egui_extras::Column::initial(80.0).at_least(60.0))
                .column(egui_extras::Column::remainder())
                .header(row_height, |mut header| {
                    for title in ["When (UTC)", "Analyst", "Action", "Detail"] {
                        header.col(|ui| {
                            ui.strong(title);
                        });
                    }
                })
                .body(|body| {
                    body.rows(row_height, workspace.audit.len(), |mut row| {
                        let index = row.index();
                        let entry = &workspace.audit[index];
                        let unsaved = index >= workspace.audit_saved;
                        // Audit fields come from case files made elsewhere: a newline
                        // in a name must not pass for a second entry.
                        let shown = |text: &str| escape_control(text).into_owned();
                        row.col(|ui| {
                            let at = shown(&entry.at).replacen('T', " ", 1);
                            ui.label(at.get(..19).unwrap_or(&at));
                        });
                        for field in [&entry.analyst, &entry.action] {
                            row.col(|ui| {
                                let text = shown(field);
                                // One row each: a long name is cut, and shown whole on hover.
                                ui.add(egui::Label::new(&text).truncate()).on_hover_text(&text);
                            });
                        }
                        row.col(|ui| {
                            let detail = shown(&entry.detail);
                            let text = if unsaved {
                                RichText::new(format!("{detail} (not yet saved)")).italics()
                            } else {
                                RichText::new(&detail)
                            };
                            let shown: String = detail.chars().take(2000).collect();
                            ui.add(egui::Label::new(text).truncate())
                                .on_hover_text(shown);
                        });
                    });
                });
        });
}
