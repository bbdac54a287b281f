//! The import preview of a report file in a format other than CSV (spreadsheet, report
//! XML, IDS JSON, JSON Lines, a folder or an archive): what its first events read as,
//! by party, the fields kept, the sheet and the time choices.

use super::import_preview::{Cells, buttons, rows_grid, time_choices};
use super::theme;
use super::workspace::{Intent, PendingImport, Workspace};
use compound_atlas_core::ingest::preview::{ReportsSample, SAMPLE_EVENTS};
use compound_atlas_core::values::text::{count, thousands};
use egui::{RichText, Ui};
use std::sync::atomic::Ordering;

/// How many of the sample's rejects and warnings are listed.
const ISSUES_LISTED: usize = 8;

/// The preview of a sampled file: what was found, the choices, the first events, the
/// problems, and Import, Skip, Cancel.
pub fn sample_preview(ui: &mut Ui, workspace: &Workspace, intents: &mut Vec<Intent>) {
    let mut edited = workspace.pending[0].clone();
    let mut params = workspace.params.clone();
    let result = workspace.sample.as_ref().and_then(|s| s.result.as_ref());
    let sample = result.and_then(|r| r.as_ref().ok());
    format_line(ui, &edited, workspace.pending.len());
    ui.separator();
    ui.columns(2, |columns| {
        let [left, right] = columns else { return };
        left.strong("Found");
        match result {
            None => reading(left, workspace),
            Some(Ok(sample)) => found(left, sample),
            Some(Err(problem)) => {
                left.colored_label(theme::ERROR, problem);
            }
        }
        if let Some(sheets) = sample.map(|s| &s.sheets).filter(|s| !s.is_empty()) {
            sheet_choice(right, &mut edited, sheets);
        }
        time_choices(right, &mut params, false);
    });
    if edited != workspace.pending[0] {
        intents.push(Intent::EditPreview(edited));
    }
    if params != workspace.params {
        intents.push(Intent::EditParams(params));
    }
    if let Some(sample) = sample {
        ui.separator();
        ui.strong(format!(
            "The first {} as they will be read",
            count(sample.first.len() as u64, "event", "events")
        ));
        rows_grid(ui, &first_events(sample));
        problems(ui, sample);
    }
    ui.separator();
    // A file that cannot be read would fail to import too.
    buttons(ui, !result.is_some_and(|r| r.is_err()), intents);
}

/// The format found and how many files wait after this one.
fn format_line(ui: &mut Ui, pending: &PendingImport, waiting: usize) {
    ui.horizontal(|ui| {
        ui.label(format!(
            "Format: {}, read as reports.",
            pending.format.label()
        ));
        if waiting > 1 {
            ui.label(RichText::new(format!("({} more files after this one)", waiting - 1)).weak());
        }
    });
}

/// The sample being read, with how far it is.
fn reading(ui: &mut Ui, workspace: &Workspace) {
    let Some(job) = &workspace.sample else { return };
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(format!(
            "Reading the first events… {} read",
            thousands(job.progress.rows_done.load(Ordering::Relaxed))
        ));
    });
}

/// Reports and events found, events by party, and the fields kept.
fn found(ui: &mut Ui, sample: &ReportsSample) {
    use compound_atlas_core::ingest::formats::Format;
    let input = match sample.format {
        Format::Folder => "folder",
        Format::Zip => "archive",
        _ => "file",
    };
    let scope = if sample.complete {
        format!("The whole {input} holds")
    } else {
        format!(
            "The first {} of the {input} belong to",
            count(SAMPLE_EVENTS as u64, "event", "events")
        )
    };
    let events = if sample.complete {
        format!(" and {}", count(sample.events as u64, "event", "events"))
    } else {
        String::new()
    };
    ui.label(format!(
        "{scope} {}{events}.",
        count(sample.reports as u64, "report", "reports"),
    ));
    egui::Grid::new("sample-parties")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            ui.strong("Party");
            ui.strong("Events");
            ui.end_row();
            for (party, events) in &sample.parties {
                ui.label(party.map_or("(not given)", |p| p.label()));
                ui.label(thousands(*events as u64));
                ui.end_row();
            }
        });
    if sample.kept.is_empty() {
        ui.label("No other fields.");
    } else {
        ui.label(format!(
            "Kept as extra attributes: {}.",
            sample.kept.join(", ")
        ));
    }
}

/// The sheet to read: the first with the required columns, or one chosen by name.
fn sheet_choice(ui: &mut Ui, pending: &mut PendingImport, sheets: &[String]) {
    const FIRST: &str = "the first with report_id, ip and event_time";
    ui.strong("Sheet");
    egui::ComboBox::new("sample-sheet", "")
        .selected_text(pending.sheet.as_deref().unwrap_or(FIRST))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut pending.sheet, None, FIRST);
            for sheet in sheets {
                ui.selectable_value(&mut pending.sheet, Some(sheet.clone()), sheet);
            }
        })
        .response
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "sheet to read"));
}

/// The sample's first events, a row each, in the preview's grid.
fn first_events(sample: &ReportsSample) -> Vec<(u64, Cells)> {
    sample
        .first
        .iter()
        .map(|event| {
            let kept: Vec<String> = event.kept.iter().map(|(n, v)| format!("{n}={v}")).collect();
            let cells = [
                ("report_id", event.report_id.clone()),
                (
                    "party",
                    event.party.map_or(String::new(), |p| p.label().to_string()),
                ),
                ("ip", event.ip.clone()),
                ("event_time (UTC)", event.time.clone()),
                ("port", event.port.map_or(String::new(), |p| p.to_string())),
                ("event_name", event.event_name.clone()),
                ("kept", kept.join("; ")),
            ];
            let cells = cells
                .into_iter()
                .map(|(name, value)| (name.to_string(), Ok(value)));
            (u64::from(event.line), cells.collect())
        })
        .collect()
}

/// The rejects and warnings of the part read: how many, and the first few in words.
fn problems(ui: &mut Ui, sample: &ReportsSample) {
    if sample.issues.is_empty() {
        return;
    }
    ui.colored_label(
        theme::WARNING,
        format!(
            "{} in the part read; the import lists every one.",
            count(
                sample.issues.len() as u64,
                "reject or warning",
                "rejects and warnings"
            )
        ),
    );
    for issue in sample.issues.iter().take(ISSUES_LISTED) {
        let value = if issue.value.is_empty() {
            String::new()
        } else {
            format!(" ({})", issue.value)
        };
        let text = format!("{}: {}{value}", issue.column, issue.message);
        match issue.severity {
            compound_atlas_core::model::Severity::Error => ui.colored_label(theme::ERROR, text),
            compound_atlas_core::model::Severity::Warning => ui.label(text),
        };
    }
}
