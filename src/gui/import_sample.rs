//! The import preview of a file in a format other than CSV (spreadsheet, report XML, IDS
//! JSON, JSON Lines, a folder or an archive; GeoJSON, KML, STIX or MISP for a location
//! list): what it yields, the first events or rows as they will be read, the kind, sheet
//! and time choices.

use super::import_locations;
use super::import_preview::{Cells, buttons, kind_choice, rows_grid, time_choices};
use super::theme;
use super::workspace::{Intent, PendingImport, Sample, Workspace};
use compound_atlas_core::ingest::formats::Format;
use compound_atlas_core::ingest::preview::{ReportsSample, SAMPLE_EVENTS};
use compound_atlas_core::model::{FileKind, Issue};
use compound_atlas_core::values::text::{count, thousands};
use egui::Ui;
use std::sync::atomic::Ordering;

/// How many of the sample's rejects and warnings are listed.
const ISSUES_LISTED: usize = 8;

/// The preview of a sampled file: what was found, the choices, the first events or rows,
/// the problems, and Import, Skip, Cancel.
pub fn sample_preview(ui: &mut Ui, workspace: &Workspace, intents: &mut Vec<Intent>) {
    let mut edited = workspace.pending[0].clone();
    let mut params = workspace.params.clone();
    let result = workspace.sample.as_ref().and_then(|s| s.result.as_ref());
    let sample = result.and_then(|r| r.as_ref().ok());
    let format = match sample {
        Some(Sample::Locations(s)) => s.format.label(),
        // Until the list is read: KML is XML too, and not a report.
        _ if edited.kind == FileKind::Locations && edited.format == Format::Xml => "XML",
        _ => edited.format.label(),
    };
    format_line(ui, &mut edited, format, workspace.pending.len());
    ui.separator();
    ui.columns(2, |columns| {
        let [left, right] = columns else { return };
        left.strong("Found");
        match result {
            None => reading(left, workspace),
            Some(Ok(Sample::Reports(sample))) => found(left, sample),
            Some(Ok(Sample::Locations(sample))) => import_locations::found(left, sample),
            Some(Err(problem)) => {
                left.colored_label(theme::ERROR, problem);
            }
        }
        if let Some(sheets) = sample.map(sheets_of).filter(|s| !s.is_empty()) {
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
        first_rows(ui, sample);
    }
    ui.separator();
    // A file that cannot be read would fail to import too.
    buttons(ui, !result.is_some_and(|r| r.is_err()), intents);
}

fn sheets_of(sample: &Sample) -> &[String] {
    match sample {
        Sample::Reports(s) => &s.sheets,
        Sample::Locations(s) => &s.sheets,
    }
}

/// The first events or rows as they will be read, and the problems found.
fn first_rows(ui: &mut Ui, sample: &Sample) {
    ui.separator();
    let (title, rows, issues) = match sample {
        Sample::Reports(s) => (
            count(s.first.len() as u64, "event", "events"),
            first_events(s),
            &s.issues,
        ),
        Sample::Locations(s) => (
            count(s.first.len() as u64, "row", "rows"),
            import_locations::first_rows(s),
            &s.issues,
        ),
    };
    ui.strong(format!("The first {title} as they will be read"));
    rows_grid(ui, &rows);
    problems(ui, issues, matches!(sample, Sample::Reports(_)));
}

/// The format found, the kind the file is read as and how many files wait after it.
fn format_line(ui: &mut Ui, pending: &mut PendingImport, format: &str, waiting: usize) {
    ui.horizontal(|ui| {
        ui.label(format!("Format: {format}."));
        kind_choice(ui, &mut pending.kind, waiting);
    });
}

/// The sample being read, with how far it is.
fn reading(ui: &mut Ui, workspace: &Workspace) {
    let Some(job) = &workspace.sample else { return };
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(format!(
            "Reading… {} read",
            thousands(job.progress.rows_done.load(Ordering::Relaxed))
        ));
    });
}

/// Reports and events found, events by party, and the fields kept.
fn found(ui: &mut Ui, sample: &ReportsSample) {
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
    kept_fields(ui, &sample.kept);
}

/// The fields kept as extra attributes, or that there are none.
pub(super) fn kept_fields(ui: &mut Ui, kept: &[String]) {
    if kept.is_empty() {
        ui.label("No other fields.");
    } else {
        ui.label(format!("Kept as extra attributes: {}.", kept.join(", ")));
    }
}

/// The sheet to read: the first with the required columns, or one chosen by name.
fn sheet_choice(ui: &mut Ui, pending: &mut PendingImport, sheets: &[String]) {
    let first = match pending.kind {
        FileKind::Reports => "the first with report_id, ip and event_time",
        FileKind::Locations => "the first with a name column",
    };
    ui.strong("Sheet");
    egui::ComboBox::new("sample-sheet", "")
        .selected_text(pending.sheet.as_deref().unwrap_or(first))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut pending.sheet, None, first);
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

/// The rejects and warnings: how many, and the first few in words. A report file's
/// sample is of its start; a location list is read whole.
fn problems(ui: &mut Ui, issues: &[Issue], partial: bool) {
    if issues.is_empty() {
        return;
    }
    let found = count(
        issues.len() as u64,
        "reject or warning",
        "rejects and warnings",
    );
    let scope = if partial { " in the part read" } else { "" };
    ui.colored_label(
        theme::WARNING,
        format!("{found}{scope}; the import lists every one."),
    );
    for issue in issues.iter().take(ISSUES_LISTED) {
        let value = if issue.value.is_empty() {
            String::new()
        } else {
            format!(" ({})", issue.value)
        };
        // Records of JSON have a path (in the column), not a line.
        let line = match issue.line {
            0 => String::new(),
            line => format!("line {line}, "),
        };
        let text = format!("{line}{}: {}{value}", issue.column, issue.message);
        match issue.severity {
            compound_atlas_core::model::Severity::Error => ui.colored_label(theme::ERROR, text),
            compound_atlas_core::model::Severity::Warning => ui.label(text),
        };
    }
}
