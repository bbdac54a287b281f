//! The workbench's views. Each reads the [`Workspace`] and pushes [`Intent`]s; none keeps
//! a copy of the data.

use super::theme;
use super::workspace::{Intent, Workspace};
use compound_atlas_core::matching::Strength;
use compound_atlas_core::model::{FileKind, Severity};
use compound_atlas_core::values::text::{count, thousands};
use egui::{RichText, Ui};
use std::collections::BTreeSet;

/// The study's three figures on the user's data, under the current filter.
pub fn headline(ui: &mut Ui, workspace: &Workspace) {
    let h = &workspace.view.summary.headline;
    let cards = [
        (
            "Reports loaded",
            thousands(h.reports),
            count(h.events, "event", "events"),
            theme::NEUTRAL,
        ),
        (
            "Reports linked by IP + time",
            thousands(h.reports_ip_time),
            "address and time matched".into(),
            theme::IP_TIME,
        ),
        (
            "Reports with any IP match",
            thousands(h.reports_any_match),
            "address matched".into(),
            theme::IP_ONLY,
        ),
        (
            "Locations with IP + time links",
            thousands(h.locations_ip_time),
            format!(
                "of {} locations",
                thousands(workspace.dataset.locations.len() as u64)
            ),
            theme::IP_TIME,
        ),
    ];
    ui.horizontal_wrapped(|ui| {
        for (caption, value, detail, colour) in cards {
            egui::Frame::group(ui.style())
                .inner_margin(10.0)
                .show(ui, |ui| {
                    ui.set_min_width(190.0);
                    ui.vertical(|ui| {
                        ui.label(RichText::new(caption).strong());
                        ui.label(RichText::new(value).size(28.0).color(colour).strong());
                        ui.label(RichText::new(detail).small().weak());
                    });
                });
        }
    });
}

/// The active filter in words, with the button that clears it.
pub fn filter_line(ui: &mut Ui, workspace: &Workspace, intents: &mut Vec<Intent>) {
    ui.horizontal_wrapped(|ui| {
        let filter = workspace.effective_filter();
        ui.label(RichText::new("Showing:").strong());
        ui.label(filter.describe());
        if !workspace.selection.is_empty() {
            ui.label(
                RichText::new(format!(
                    "({} selected; Esc clears)",
                    workspace.selection.len()
                ))
                .weak(),
            );
        }
        if (!filter.is_empty()) && ui.button("Reset filters").clicked() {
            intents.push(Intent::ResetFilter);
        }
    });
}

fn short_hash(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// Every input file with what became of its rows. Returns the file whose errors to open.
pub fn data_sources(ui: &mut Ui, workspace: &Workspace, intents: &mut Vec<Intent>) -> Option<u16> {
    let mut open_errors = None;
    let busy = workspace.is_busy();
    let mut kind_index = [0usize; 2];
    for (file_index, file) in workspace.dataset.files.iter().enumerate() {
        let slot = usize::from(file.kind == FileKind::Locations);
        let index_in_kind = kind_index[slot];
        kind_index[slot] += 1;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            let name = file.name();
            ui.label(RichText::new(name).strong())
                .on_hover_text(file.path.display().to_string());
            let kind = match file.kind {
                FileKind::Reports => "reports",
                FileKind::Locations => "locations",
            };
            ui.label(format!(
                "{kind}: {} accepted, {} rejected, {} with warnings",
                thousands(file.rows_accepted),
                thousands(file.rows_rejected),
                thousands(file.rows_with_warnings)
            ));
            if file.duplicate_events > 0 {
                ui.label(format!(
                    "{} duplicate events merged",
                    thousands(file.duplicate_events)
                ));
            }
            ui.label(
                RichText::new(format!(
                    "{} bytes · SHA-256 {}…",
                    thousands(file.size),
                    short_hash(&file.sha256)
                ))
                .small()
                .weak(),
            )
            .on_hover_text(format!("SHA-256 {}", file.sha256));
            ui.horizontal(|ui| {
                let problems = workspace
                    .dataset
                    .issues
                    .iter()
                    .filter(|i| usize::from(i.file) == file_index)
                    .count();
                if ui
                    .add_enabled(
                        problems > 0,
                        egui::Button::new(format!("Errors ({problems})")),
                    )
                    .clicked()
                {
                    open_errors = Some(file_index as u16);
                }
                if ui
                    .add_enabled(!busy, egui::Button::new("Remove"))
                    .on_hover_text("Remove this file from the analysis")
                    .clicked()
                {
                    intents.push(Intent::RemoveInput {
                        kind: file.kind,
                        index: index_in_kind,
                    });
                }
            });
        });
    }
    if workspace.dataset.files.is_empty() {
        ui.label("No files loaded. Use File > Import reports… or drop CSV files here.");
    }
    open_errors
}

/// Tolerance and time zone; applying rereads or rematches in the background.
pub fn matching_params(ui: &mut Ui, workspace: &mut Workspace, intents: &mut Vec<Intent>) {
    egui::Grid::new("matching-params").num_columns(2).show(ui, |ui| {
        ui.label("Tolerance");
        ui.add(egui::TextEdit::singleline(&mut workspace.params.tolerance).desired_width(90.0).hint_text("0, 90s, 45m, 2h, 3d"))
            .on_hover_text("How far outside an observation window an event still counts as IP + time");
        ui.end_row();
        ui.label("Time zone");
        ui.horizontal(|ui| {
            ui.add(egui::TextEdit::singleline(&mut workspace.params.zone).desired_width(110.0))
                .on_hover_text("For times written without an offset: an IANA name such as Asia/Bangkok, or UTC");
            egui::ComboBox::new("zone-presets", "presets").selected_text("…").width(20.0).show_ui(ui, |ui| {
                for zone in ["UTC", "Asia/Yangon", "Asia/Bangkok", "Asia/Phnom_Penh", "Asia/Vientiane", "Asia/Manila"] {
                    ui.selectable_value(&mut workspace.params.zone, zone.to_string(), zone);
                }
            });
        });
        ui.end_row();
        ui.label("Slash dates");
        date_order_choice(ui, "date-order", &mut workspace.params.date_order);
        ui.end_row();
    });
    let problem = workspace.params.resolve().err();
    if let Some(problem) = &problem {
        ui.colored_label(theme::ERROR, problem);
    }
    let changed = workspace.params != workspace.applied;
    ui.horizontal(|ui| {
        let enabled = changed && problem.is_none() && !workspace.is_busy();
        if ui
            .add_enabled(enabled, egui::Button::new("Apply"))
            .clicked()
        {
            intents.push(Intent::ApplyParams);
        }
        if changed && ui.button("Undo").clicked() {
            workspace.params = workspace.applied.clone();
        }
    });
}

/// Text kept while the user types a date that is not complete yet.
#[derive(Debug, Default)]
pub struct DateTexts {
    pub from: String,
    pub to: String,
}

fn date_field(ui: &mut Ui, label: &str, text: &mut String, value: &mut Option<chrono::NaiveDate>) {
    ui.label(label);
    let response = ui.add(
        egui::TextEdit::singleline(text)
            .desired_width(100.0)
            .hint_text("YYYY-MM-DD"),
    );
    // A date set elsewhere (a brush on the timeline, a saved view) shows in the field.
    if !response.has_focus()
        && text.trim().is_empty()
        && let Some(date) = value
    {
        *text = date.to_string();
    }
    if response.changed() {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            *value = None;
        } else if let Ok(date) = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
            *value = Some(date);
        }
    }
    let valid = text.trim().is_empty()
        || chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_ok();
    if !valid {
        ui.colored_label(theme::ERROR, "not a date");
    }
}

fn checklist(ui: &mut Ui, id: &str, options: &[(String, String)], chosen: &mut BTreeSet<String>) {
    if options.is_empty() {
        ui.label(RichText::new("none in the data").weak());
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt(id)
        .max_height(130.0)
        .show(ui, |ui| {
            for (value, label) in options {
                let mut on = chosen.contains(value);
                if ui.checkbox(&mut on, label).changed() {
                    if on {
                        chosen.insert(value.clone());
                    } else {
                        chosen.remove(value);
                    }
                }
            }
        });
}

/// The global filter. `focus_search` moves the keyboard focus to the search box (Ctrl+F).
pub fn filters(
    ui: &mut Ui,
    workspace: &Workspace,
    dates: &mut DateTexts,
    focus_search: bool,
    intents: &mut Vec<Intent>,
) {
    let mut filter = workspace.filter.clone();
    ui.label("Search");
    let search = ui.add(
        egui::TextEdit::singleline(&mut filter.search)
            .id_salt("filter-search")
            .hint_text("report id, IP, CIDR or prefix (198.51.)")
            .desired_width(f32::INFINITY),
    );
    if focus_search {
        search.request_focus();
    }
    ui.add_space(4.0);
    egui::Grid::new("filter-dates")
        .num_columns(2)
        .show(ui, |ui| {
            date_field(ui, "From", &mut dates.from, &mut filter.from);
            ui.end_row();
            date_field(ui, "To", &mut dates.to, &mut filter.to);
            ui.end_row();
        });
    ui.add_space(4.0);
    ui.label("Strength");
    ui.horizontal(|ui| {
        ui.radio_value(&mut filter.strength, None, "Any");
        ui.radio_value(&mut filter.strength, Some(Strength::IpTime), "IP + time");
        ui.radio_value(&mut filter.strength, Some(Strength::IpOnly), "IP only");
    });
    let pairs = |values: &[String]| {
        values
            .iter()
            .map(|v| (v.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    let choices = &workspace.choices;
    let tags = pairs(&workspace.triage.all_tags());
    let sections = [
        (
            "Country",
            "f-country",
            "countries",
            &pairs(&choices.countries),
            &mut filter.countries,
        ),
        (
            "Locations",
            "f-locations",
            "locations",
            &choices.locations,
            &mut filter.locations,
        ),
        (
            "Platform",
            "f-platform",
            "platforms",
            &pairs(&choices.platforms),
            &mut filter.platforms,
        ),
        (
            "Incident type",
            "f-incident",
            "incidents",
            &pairs(&choices.incident_types),
            &mut filter.incident_types,
        ),
        (
            "Event name",
            "f-event",
            "events",
            &pairs(&choices.event_names),
            &mut filter.event_names,
        ),
        ("Tags", "f-tags", "tags", &tags, &mut filter.tags),
    ];
    for (label, header_id, list_id, options, chosen) in sections {
        egui::CollapsingHeader::new(format!("{label} ({})", chosen.len()))
            .id_salt(header_id)
            .show(ui, |ui| checklist(ui, list_id, options, chosen));
    }
    if filter != workspace.filter {
        intents.push(Intent::SetFilter(filter));
    }
}

/// The import errors of one file, in a table that can be saved as CSV.
pub fn errors_table(ui: &mut Ui, workspace: &Workspace, file: u16) -> bool {
    let issues: Vec<&compound_atlas_core::model::Issue> = workspace
        .dataset
        .issues
        .iter()
        .filter(|i| i.file == file)
        .collect();
    // Wide enough that most reasons are read without hovering.
    ui.set_min_width(1000.0);
    let mut save = false;
    ui.horizontal(|ui| {
        let errors = issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count();
        ui.label(format!(
            "{} rejected rows and {} warnings.",
            errors,
            issues.len() - errors
        ));
        save = ui.button("Save as CSV…").clicked();
    });
    use egui_extras::{Column, TableBuilder};
    TableBuilder::new(ui)
        .striped(true)
        .resizable(true)
        .column(Column::initial(60.0))
        .column(Column::initial(110.0).clip(true))
        .column(Column::initial(180.0).clip(true))
        .column(Column::initial(70.0))
        .column(Column::remainder().clip(true))
        .header(20.0, |mut header| {
            for title in ["Line", "Column", "Value", "Severity", "Message"] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(20.0, issues.len(), |mut row| {
                let issue = issues[row.index()];
                row.col(|ui| {
                    ui.label(issue.line.to_string());
                });
                row.col(|ui| {
                    ui.label(&issue.column);
                });
                row.col(|ui| {
                    ui.label(&issue.value).on_hover_text(&issue.value);
                });
                row.col(|ui| {
                    let colour = if issue.severity == Severity::Error {
                        theme::ERROR
                    } else {
                        theme::WARNING
                    };
                    ui.colored_label(colour, issue.severity.as_str());
                });
                row.col(|ui| {
                    ui.label(&issue.message).on_hover_text(&issue.message);
                });
            });
        });
    save
}

/// Help → About: version, data licences and how matching works.
pub fn about(ui: &mut Ui) {
    ui.heading(format!("Compound Atlas {}", env!("CARGO_PKG_VERSION")));
    ui.label("An offline workbench that links report metadata to scam-compound locations by IP address and time.");
    ui.label("It makes no network connection, and handles metadata only, never images.");
    ui.add_space(8.0);
    ui.strong("How matching works");
    ui.label("An event matches an observation when its address is in the observation's address set (a single address, a CIDR block or a range) and, when both carry ports, its source port is in the port range.");
    ui.label("IP + time: the observation has a time window and the event falls inside it, widened by the tolerance. IP only: the address matched but the time is outside the window, or there is no window. A report's strength at a location is its best match there.");
    ui.add_space(4.0);
    ui.strong("Caveats");
    ui.label("Carrier-grade NAT, mobile networks and satellite links put many users behind one address: a match on shared infrastructure does not identify a device. IP-only matches are weaker than IP + time ones. A match is a lead for further work, not proof.");
    ui.add_space(8.0);
    ui.strong("Data and licences");
    ui.label("Gazetteer (assets/compounds.csv): publicly reported hubs with approximate coordinates, from public reports (UN OHCHR 2023, UNODC 2023, USIP 2024) and Wikipedia; no IP addresses.");
    ui.label("Sample data: synthetic, generated by `compound-atlas generate`; all addresses are in reserved documentation space.");
    ui.label("Built with egui and eframe (MIT or Apache-2.0) and other Rust crates under permissive licences.");
}

pub const SHORTCUTS: [(&str, &str); 5] = [
    ("Ctrl+O", "Import reports…"),
    ("Ctrl+Shift+O", "Import locations…"),
    ("Ctrl+F", "Search (report id, IP, CIDR or prefix)"),
    ("Esc", "Clear the selection"),
    ("F1", "Keyboard shortcuts"),
];

pub fn shortcuts(ui: &mut Ui) {
    egui::Grid::new("shortcuts")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (keys, what) in SHORTCUTS {
                ui.strong(keys);
                ui.label(what);
                ui.end_row();
            }
        });
}

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

/// The day/month order choice, shared by the matching panel and the import preview.
fn date_order_choice(ui: &mut Ui, id: &str, date_order: &mut String) {
    egui::ComboBox::new(id, "order")
        .selected_text(match date_order.as_str() {
            "dmy" => "day first (dd/mm)",
            "mdy" => "month first (mm/dd)",
            _ => "reject slash dates",
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(date_order, String::new(), "reject slash dates");
            ui.selectable_value(date_order, "dmy".into(), "day first (dd/mm)");
            ui.selectable_value(date_order, "mdy".into(), "month first (mm/dd)");
        });
}

/// The import preview of the first pending file: delimiter, column mapping, time zone,
/// day/month order and the first rows as they will be read.
pub fn import_preview(ui: &mut Ui, workspace: &mut Workspace, intents: &mut Vec<Intent>) {
    use compound_atlas_core::ingest::headers::{LocationField, ReportField};
    let waiting = workspace.pending.len();
    let pending = &mut workspace.pending[0];
    ui.horizontal(|ui| {
        ui.label(format!("Delimiter: {}.", pending.start.delimiter_name()));
        ui.label("Read as");
        ui.radio_value(&mut pending.kind, FileKind::Reports, "reports file");
        ui.radio_value(&mut pending.kind, FileKind::Locations, "location list");
        if waiting > 1 {
            ui.label(RichText::new(format!("({} more files after this one)", waiting - 1)).weak());
        }
    });
    ui.separator();
    ui.columns(2, |columns| {
        let ui = &mut columns[0];
        ui.strong("Columns");
        match pending.kind {
            FileKind::Reports => {
                field_mapping(ui, &mut pending.report_columns, &ReportField::ALL, &ReportField::REQUIRED, ReportField::name)
            }
            FileKind::Locations => field_mapping(
                ui,
                &mut pending.location_columns,
                &LocationField::ALL,
                &LocationField::REQUIRED,
                LocationField::name,
            ),
        }
        let has_slash_dates = pending.start.has_slash_dates;
        let ui = &mut columns[1];
        ui.strong("Times");
        egui::Grid::new("preview-times").num_columns(2).show(ui, |ui| {
            ui.label("Times without an offset are in");
            ui.add(egui::TextEdit::singleline(&mut workspace.params.zone).desired_width(130.0));
            ui.end_row();
            ui.label("Slash dates such as 03/04/2023");
            date_order_choice(ui, "preview-date-order", &mut workspace.params.date_order);
            ui.end_row();
        });
        if has_slash_dates && workspace.params.date_order.is_empty() {
            ui.colored_label(theme::WARNING, "This file has slash dates: choose the day/month order, or those rows are rejected.");
        }
        ui.label(RichText::new("These apply to every file: changing them reads all files again.").small().weak());
    });
    let time_rules = match workspace.params.resolve() {
        Ok((options, _)) => options.time,
        Err(problem) => {
            ui.colored_label(theme::ERROR, problem);
            if ui.button("Cancel").clicked() {
                intents.push(Intent::CancelImports);
            }
            return;
        }
    };
    let pending = &workspace.pending[0];
    ui.separator();
    ui.strong(format!(
        "The first {} rows as they will be read",
        pending.start.rows.len()
    ));
    type Cells = Vec<(String, Result<String, String>)>;
    let readings: Vec<(u64, Cells)> = pending
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
        .collect();
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
                for (line, cells) in &readings {
                    ui.label(line.to_string());
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
    for (line, cells) in &readings {
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
    ui.horizontal(|ui| {
        if ui
            .add_enabled(missing.is_empty(), egui::Button::new("Import"))
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
