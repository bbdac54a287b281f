//! The side panel's sections: the data sources with their figures and errors, the matching
//! parameters, and the filters (dates, strength, places, platforms, search).

use super::theme;
use super::workspace::{Intent, Workspace};
use compound_atlas_core::matching::Strength;
use compound_atlas_core::model::FileKind;
use compound_atlas_core::values::text::thousands;
use egui::{RichText, Ui};
use std::collections::BTreeSet;

/// One section of the side panel: a bold heading, open at first, that folds its body away.
pub fn side_section(ui: &mut Ui, title: &str, body: impl FnOnce(&mut Ui)) {
    egui::CollapsingHeader::new(RichText::new(title).strong())
        .default_open(true)
        .show(ui, body);
}

fn short_hash(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// "N bytes · SHA-256 abc…", small, with the whole digest on hover.
fn digest_line(ui: &mut Ui, size: u64, sha256: &str) {
    ui.label(
        RichText::new(format!(
            "{} bytes · SHA-256 {}…",
            thousands(size),
            short_hash(sha256)
        ))
        .small()
        .weak(),
    )
    .on_hover_text(format!("SHA-256 {sha256}"));
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
            digest_line(ui, file.size, &file.sha256);
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
    ip_databases(ui, workspace, intents);
    open_errors
}

/// The IP data the events are enriched with: the user's databases (first takes
/// precedence), then the built-in data.
fn ip_databases(ui: &mut Ui, workspace: &Workspace, intents: &mut Vec<Intent>) {
    for (index, db) in workspace.dataset.ip_data.user.iter().enumerate() {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            let name = db.info.path.file_name().map_or_else(
                || db.info.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            ui.label(RichText::new(name).strong())
                .on_hover_text(db.info.path.display().to_string());
            ui.label(format!(
                "IP database: {}, built {}",
                db.info.database_type,
                db.info.built.get(..10).unwrap_or(&db.info.built)
            ));
            digest_line(ui, db.info.size, &db.info.sha256);
            if ui
                .add_enabled(!workspace.is_busy(), egui::Button::new("Remove"))
                .on_hover_text("Stop using this database; the built-in data remains")
                .clicked()
            {
                intents.push(Intent::RemoveIpDatabase(index));
            }
        });
    }
    let undecodable = workspace.dataset.networks.lookup_errors;
    if undecodable > 0 {
        ui.colored_label(
            theme::WARNING,
            format!(
                "Your IP databases could not decode their records for {}; those count as unknown.",
                compound_atlas_core::values::text::count(undecodable, "address", "addresses")
            ),
        );
    }
    ui.label(
        RichText::new(format!(
            "Built-in IP data: {} (Help > About).",
            compound_atlas_core::ipdata::builtin::BuiltIn::get().label
        ))
        .small()
        .weak(),
    );
}

/// Tolerance and time zone; applying rereads or rematches in the background.
pub fn matching_params(ui: &mut Ui, workspace: &Workspace, intents: &mut Vec<Intent>) {
    let mut params = workspace.params.clone();
    egui::Grid::new("matching-params").num_columns(2).show(ui, |ui| {
        ui.label("Tolerance");
        ui.add(egui::TextEdit::singleline(&mut params.tolerance).desired_width(90.0).hint_text("0, 90s, 45m, 2h, 3d"))
            .on_hover_text("How far outside an observation window an event still counts as IP + time");
        ui.end_row();
        ui.label("Time zone");
        ui.horizontal(|ui| {
            ui.add(egui::TextEdit::singleline(&mut params.zone).desired_width(110.0))
                .on_hover_text("For times written without an offset: an IANA name such as Asia/Bangkok, or UTC");
            egui::ComboBox::new("zone-presets", "presets").selected_text("…").width(20.0).show_ui(ui, |ui| {
                for zone in ["UTC", "Asia/Yangon", "Asia/Bangkok", "Asia/Phnom_Penh", "Asia/Vientiane", "Asia/Manila"] {
                    ui.selectable_value(&mut params.zone, zone.to_string(), zone);
                }
            });
        });
        ui.end_row();
        ui.label("Slash dates");
        date_order_choice(ui, "date-order", &mut params.date_order);
        ui.end_row();
    });
    let problem = params.resolve().err();
    if let Some(problem) = &problem {
        ui.colored_label(theme::ERROR, problem.to_string());
    }
    let changed = params != workspace.applied;
    ui.horizontal(|ui| {
        let enabled = changed && problem.is_none() && !workspace.is_busy();
        if ui
            .add_enabled(enabled, egui::Button::new("Apply"))
            .clicked()
        {
            intents.push(Intent::ApplyParams);
        }
        if changed && ui.button("Undo").clicked() {
            params = workspace.applied.clone();
        }
    });
    if params != workspace.params {
        intents.push(Intent::EditParams(params));
    }
}

/// Text kept while the user types a date that is not complete yet.
#[derive(Debug, Default)]
pub struct DateTexts {
    pub from: String,
    pub to: String,
}

fn date_field(ui: &mut Ui, label: &str, text: &mut String, value: &mut Option<chrono::NaiveDate>) {
    let label = ui.label(label);
    let response = ui
        .add(
            egui::TextEdit::singleline(text)
                .desired_width(100.0)
                .hint_text("YYYY-MM-DD"),
        )
        .labelled_by(label.id);
    // Unless it is being typed in, the field shows the date in force, however it was set
    // or cleared (a brush on the timeline, a double click there, a saved view).
    let typed = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    if !response.has_focus() && typed != *value {
        *text = value.map(|d| d.to_string()).unwrap_or_default();
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
    // Parties by the names people use; the filter keeps the file contract's names.
    let parties: Vec<(String, String)> = choices
        .parties
        .iter()
        .map(|name| {
            let label =
                compound_atlas_core::model::Party::parse(name).map_or("(not given)", |p| p.label());
            (name.clone(), label.to_string())
        })
        .collect();
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
        (
            "AS organisation",
            "f-as-org",
            "as-orgs",
            &pairs(&choices.as_orgs),
            &mut filter.as_orgs,
        ),
        (
            "Registered in",
            "f-ip-country",
            "ip-countries",
            &pairs(&choices.ip_countries),
            &mut filter.ip_countries,
        ),
        ("Party", "f-party", "parties", &parties, &mut filter.parties),
        ("Tags", "f-tags", "tags", &tags, &mut filter.tags),
    ];
    for (label, header_id, list_id, options, chosen) in sections {
        // Only report XML and IDS JSON name parties; CSV data has no such section.
        if list_id == "parties" && options.is_empty() && chosen.is_empty() {
            continue;
        }
        egui::CollapsingHeader::new(format!("{label} ({})", chosen.len()))
            .id_salt(header_id)
            .show(ui, |ui| checklist(ui, list_id, options, chosen));
    }
    if filter != workspace.filter {
        intents.push(Intent::SetFilter(filter));
    }
}

/// The reports below IP + time that the lead score ranks, by kind (docs/ranking.md).
fn ranked_counts(ui: &mut Ui, leads: &compound_atlas_core::analysis::ranking::AllLeads) {
    use compound_atlas_core::analysis::ranking::Kind;
    ui.label(RichText::new("Reports and leads, scored for review").small())
        .on_hover_text("Every report below IP + time, once per kind of lead and location; the report window shows the score and its factors. The score orders leads; it is not a probability.");
    egui::Grid::new("ranked-lead-counts")
        .num_columns(2)
        .show(ui, |ui| {
            for kind in [Kind::IpOnly, Kind::SharedAddress, Kind::SharedAccount] {
                ui.label(kind.label());
                ui.label(thousands(leads.count(kind) as u64));
                ui.end_row();
            }
        });
}

/// The network-level leads: how many of each kind, the region's countries, and ways to
/// look at them (the Reports table's list, the filter by registered country).
pub fn leads(
    ui: &mut Ui,
    workspace: &Workspace,
    list_in_reports: &mut bool,
    intents: &mut Vec<Intent>,
) {
    use compound_atlas_core::analysis::leads::LeadKind;
    let leads = &workspace.leads;
    ui.label(
        RichText::new("Weaker than matches and never in the figures: reports a list of compound addresses misses.")
            .small()
            .weak(),
    );
    egui::Grid::new("lead-counts").num_columns(2).show(ui, |ui| {
        for (kind, hint) in [
            (LeadKind::SameNetwork, "The event's network is one a location's observations belong to, within the location's observed period"),
            (LeadKind::Region, "The event's address is registered in one of the countries below, and it matches no observation"),
        ] {
            ui.label(kind.label()).on_hover_text(hint);
            ui.label(thousands(leads.network.count(kind) as u64));
            ui.end_row();
        }
    });
    ranked_counts(ui, leads);
    if workspace.finding_leads() {
        ui.label(RichText::new("Finding leads…").weak());
    }
    let mut region = workspace.params.region.clone();
    ui.horizontal(|ui| {
        let label = ui.label("Region countries");
        ui.add(
            egui::TextEdit::singleline(&mut region)
                .desired_width(100.0)
                .hint_text("MM, KH, LA"),
        )
        .labelled_by(label.id)
        .on_hover_text("Countries a region lead looks for: two-letter codes");
    });
    if region != workspace.params.region {
        intents.push(Intent::SetLeadRegion(region));
    }
    let mut column = workspace.params.account_column.clone();
    ui.horizontal(|ui| {
        let label = ui.label("Account column");
        ui.add(
            egui::TextEdit::singleline(&mut column)
                .desired_width(100.0)
                .hint_text("by usual names"),
        )
        .labelled_by(label.id)
        .on_hover_text("The extra column read as an account (its header); empty: screen names, user ids, e-mails, phones and device ids by their usual names");
    });
    if column != workspace.params.account_column {
        intents.push(Intent::SetAccountColumn(column));
    }
    if let Some(problem) = &workspace.leads_problem {
        ui.colored_label(theme::ERROR, problem);
    }
    ui.horizontal_wrapped(|ui| {
        ui.toggle_value(list_in_reports, "List in Reports")
            .on_hover_text("The Reports table lists the reports with leads instead of the matched ones");
        let countries: BTreeSet<String> = compound_atlas_core::ipdata::parse_countries(&workspace.params.region).unwrap_or_default();
        let filtered = !countries.is_empty() && workspace.filter.ip_countries == countries;
        if ui
            .add_enabled(!countries.is_empty() && !filtered, egui::Button::new("Only events registered there"))
            .on_hover_text("Filter every view and figure to events whose address is registered in these countries")
            .clicked()
        {
            let mut filter = workspace.filter.clone();
            filter.ip_countries = countries;
            intents.push(Intent::SetFilter(filter));
        }
    });
}

/// The day/month order choice, shared by the matching panel and the import preview.
pub(crate) fn date_order_choice(ui: &mut Ui, id: &str, date_order: &mut String) {
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
