//! The import preview of the first file waiting: its delimiter, a column for each field,
//! the time zone and day/month order, and the first rows as they will be read.

use super::side_panel::date_order_choice;
use super::theme;
use super::workspace::{Intent, Params, PendingImport, Workspace};
use compound_atlas_core::model::FileKind;
use compound_atlas_core::values::time::TimeRules;
use egui::{RichText, Ui};

fn field_mapping<F: Copy + PartialEq>(
    ui: &mut Ui,
    columns: &mut compound_atlas_core::ingest::headers::ColumnMap<F>,
    fields: &[F],
    required: &[F],
    name: impl Fn(F) -> &'static str,
) {
    let header = columns.header.clone();
    egui::Grid::new("preview-mapping")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for &field in fields {
                let current = columns.column(field);
                let shown = current.map_or("(not in this file)".to_string(), |i| header[i].clone());
                let label = if required.contains(&field) {
                    format!("{} (required)", name(field))
                } else {
                    name(field).to_string()
                };
                let mut chosen = current;
                ui.label(&label);
                egui::ComboBox::new(("map", name(field)), "")
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut chosen, None, "(not in this file)");
                        for (i, column) in header.iter().enumerate() {
                            ui.selectable_value(&mut chosen, Some(i), column);
                        }
                    })
                    .response
                    .widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::Role::ComboBox,
                            true,
                            format!("column for {}", name(field)),
                        )
                    });
                if chosen != current {
                    columns.set(field, chosen);
                }
                ui.end_row();
            }
        });
}

/// The import preview of the first pending file: delimiter, column mapping, time zone,
/// day/month order and the first rows as they will be read.
pub fn import_preview(ui: &mut Ui, workspace: &Workspace, intents: &mut Vec<Intent>) {
    if super::workspace::is_sampled(&workspace.pending[0]) {
        return super::import_sample::sample_preview(ui, workspace, intents);
    }
    let mut edited = workspace.pending[0].clone();
    let mut params = workspace.params.clone();
    kind_line(ui, &mut edited, workspace.pending.len());
    ui.separator();
    ui.columns(2, |columns| {
        let [left, right] = columns else { return };
        left.strong("Columns");
        mapping(left, &mut edited);
        if edited.kind == FileKind::Reports {
            account_choice(left, &edited, &workspace.params.account_column, intents);
        }
        time_choices(right, &mut params, edited.start.has_slash_dates);
    });
    let time_rules = params.resolve().map(|(options, _)| options.time);
    if edited != workspace.pending[0] {
        intents.push(Intent::EditPreview(edited.clone()));
    }
    if params != workspace.params {
        intents.push(Intent::EditParams(params));
    }
    let time_rules = match time_rules {
        Ok(rules) => rules,
        Err(problem) => {
            ui.colored_label(theme::ERROR, problem.to_string());
            if ui.button("Cancel").clicked() {
                intents.push(Intent::CancelImports);
            }
            return;
        }
    };
    let pending = &edited;
    ui.separator();
    ui.strong(format!(
        "The first {} as they will be read",
        compound_atlas_core::values::text::count(pending.start.rows.len() as u64, "row", "rows")
    ));
    let readings = readings(pending, time_rules);
    rows_grid(ui, &readings);
    problems_and_buttons(ui, pending, &readings, intents);
}

/// The delimiter found, whether the file is read as reports or locations, and how many
/// files wait after this one.
fn kind_line(ui: &mut Ui, pending: &mut PendingImport, waiting: usize) {
    ui.horizontal(|ui| {
        ui.label(format!("Delimiter: {}.", pending.start.delimiter_name()));
        kind_choice(ui, &mut pending.kind, waiting);
    });
}

/// Whether the file is read as reports or as a location list, and how many files wait
/// after this one.
pub(super) fn kind_choice(ui: &mut Ui, kind: &mut FileKind, waiting: usize) {
    ui.label("Read as");
    ui.radio_value(kind, FileKind::Reports, "reports file");
    ui.radio_value(kind, FileKind::Locations, "location list");
    if waiting > 1 {
        ui.label(RichText::new(format!("({} more files after this one)", waiting - 1)).weak());
    }
}

/// A column for each field of the file's kind.
fn mapping(ui: &mut Ui, pending: &mut PendingImport) {
    use compound_atlas_core::ingest::headers::{LocationField, ReportField};
    match pending.kind {
        FileKind::Reports => field_mapping(
            ui,
            &mut pending.report_columns,
            &ReportField::ALL,
            &ReportField::REQUIRED,
            ReportField::name,
        ),
        FileKind::Locations => field_mapping(
            ui,
            &mut pending.location_columns,
            &LocationField::ALL,
            &LocationField::REQUIRED,
            LocationField::name,
        ),
    }
}

/// Which of the columns the contract does not know holds an account (a screen name, a
/// user id), for the ties between reports that share one.
fn account_choice(ui: &mut Ui, pending: &PendingImport, chosen: &str, intents: &mut Vec<Intent>) {
    const BY_NAME: &str = "(found by their usual names)";
    let extras = pending.report_columns.extras();
    if extras.is_empty() {
        return;
    }
    let mut choice = chosen.to_string();
    ui.horizontal(|ui| {
        let label = ui.label("Account column").on_hover_text(
            "Reports that share an account within the link window are tied (Links, Leads); \
             without a choice, columns named like screen_name, user_id, email, phone or \
             device_id are read as accounts",
        );
        egui::ComboBox::new("account-column", "")
            .selected_text(if choice.is_empty() {
                BY_NAME
            } else {
                choice.as_str()
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut choice, String::new(), BY_NAME);
                for (_, name) in &extras {
                    ui.selectable_value(&mut choice, name.clone(), name.as_str());
                }
            })
            .response
            .labelled_by(label.id);
    });
    if choice != chosen {
        intents.push(Intent::SetAccountColumn(choice));
    }
}

/// The time zone for times without an offset and the day/month order (they apply to
/// every file).
pub(super) fn time_choices(ui: &mut Ui, params: &mut Params, has_slash_dates: bool) {
    ui.strong("Times");
    egui::Grid::new("preview-times")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("Times without an offset are in");
            ui.add(egui::TextEdit::singleline(&mut params.zone).desired_width(130.0));
            ui.end_row();
            ui.label("Slash dates such as 03/04/2023");
            date_order_choice(ui, "preview-date-order", &mut params.date_order);
            ui.end_row();
        });
    if has_slash_dates && params.date_order.is_empty() {
        ui.colored_label(
            theme::WARNING,
            "This file has slash dates: choose the day/month order, or those rows are rejected.",
        );
    }
    ui.label(
        RichText::new("These apply to every file: changing them reads all files again.")
            .small()
            .weak(),
    );
}

/// Each field's reading (or the reason it would be rejected) in one row.
pub(super) type Cells = Vec<(String, Result<String, String>)>;

/// The first rows as they will be read: each mapped field's reading, then the columns
/// kept as extra attributes.
fn readings(pending: &PendingImport, time_rules: TimeRules) -> Vec<(u64, Cells)> {
    pending
        .start
        .rows
        .iter()
        .map(|(line, row)| {
            let cells: Cells = match pending.kind {
                FileKind::Reports => compound_atlas_core::ingest::preview::read_report_row(
                    &pending.report_columns,
                    row,
                    time_rules,
                )
                .into_iter()
                .map(|(f, r)| (f.name().to_string(), r))
                .collect(),
                FileKind::Locations => compound_atlas_core::ingest::preview::read_location_row(
                    &pending.location_columns,
                    row,
                    time_rules,
                )
                .into_iter()
                .map(|(f, r)| (f.name().to_string(), r))
                .collect(),
            };
            let extras = match pending.kind {
                FileKind::Reports => pending.report_columns.extras(),
                FileKind::Locations => pending.location_columns.extras(),
            };
            // Columns the tool does not know are kept with each row as extra attributes.
            let kept = extras.into_iter().map(|(i, name)| {
                (
                    format!("{name} (kept)"),
                    Ok(row.get(i).cloned().unwrap_or_default()),
                )
            });
            (*line, cells.into_iter().chain(kept).collect())
        })
        .collect()
}

pub(super) fn rows_grid(ui: &mut Ui, readings: &[(u64, Cells)]) {
    let titles: Vec<&str> = readings
        .first()
        .map(|(_, cells)| cells.iter().map(|(name, _)| name.as_str()).collect())
        .unwrap_or_default();
    egui::ScrollArea::both().max_height(260.0).show(ui, |ui| {
        egui::Grid::new("preview-rows")
            .striped(true)
            .show(ui, |ui| {
                ui.strong("line");
                for title in &titles {
                    ui.strong(*title);
                }
                ui.end_row();
                for (line, cells) in readings {
                    // Records of a JSON array have a path, not a line.
                    ui.label(if *line == 0 {
                        "–".to_string()
                    } else {
                        line.to_string()
                    });
                    for (_, reading) in cells {
                        match reading {
                            Ok(value) => {
                                ui.label(value);
                            }
                            Err(reason) => {
                                ui.colored_label(theme::ERROR, "rejected")
                                    .on_hover_text(reason);
                            }
                        }
                    }
                    ui.end_row();
                }
            });
    });
}

/// Every rejected value in words, the fields still without a column, and Import, Skip,
/// Cancel.
fn problems_and_buttons(
    ui: &mut Ui,
    pending: &PendingImport,
    readings: &[(u64, Cells)],
    intents: &mut Vec<Intent>,
) {
    for (line, cells) in readings {
        for (name, reading) in cells {
            if let Err(reason) = reading {
                ui.colored_label(theme::ERROR, format!("line {line}, {name}: {reason}"));
            }
        }
    }
    let missing = pending.missing_fields();
    if !missing.is_empty() {
        ui.colored_label(
            theme::ERROR,
            format!("Choose a column for: {}.", missing.join(", ")),
        );
    }
    ui.separator();
    buttons(ui, missing.is_empty(), intents);
}

/// Import (when the file can be imported as it stands), Skip, Cancel.
pub(super) fn buttons(ui: &mut Ui, can_import: bool, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        if ui
            .add_enabled(can_import, egui::Button::new("Import"))
            .clicked()
        {
            intents.push(Intent::ConfirmImport);
        }
        if ui.button("Skip this file").clicked() {
            intents.push(Intent::SkipImport);
        }
        if ui.button("Cancel").clicked() {
            intents.push(Intent::CancelImports);
        }
    });
}
