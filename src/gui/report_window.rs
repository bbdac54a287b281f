//! The report window: everything about one report, each event matched or not, why it
//! matched (observation, window, distance, port check, source), the shared-infrastructure
//! caveat, the extra columns and provenance; its tags and note.

use super::tables_view::{human_seconds, strength_text};
use super::theme;
use super::workspace::{Intent, Workspace};
use compound_atlas_core::analysis::drilldown::{
    EventDetail, ObservationMatch, ReportDetail, SHARED_CAVEAT, report_detail,
};
use compound_atlas_core::analysis::ranking::RankedLead;
use compound_atlas_core::matching::Strength;
use compound_atlas_core::values::time::{ImportZone, format_time, format_window_end};
use egui::{RichText, Ui};
use std::collections::BTreeSet;

/// Everything about one report: each event, matched or not, and why it matched.
pub fn report_window(
    ui: &mut Ui,
    workspace: &Workspace,
    report: u32,
    draft: &mut TriageDraft,
    intents: &mut Vec<Intent>,
) {
    let detail = report_detail(&workspace.dataset, &workspace.matches, report);
    let matched = detail
        .events
        .iter()
        .filter(|e| !e.matches.is_empty())
        .count();
    if draft.report != Some(report) {
        *draft = TriageDraft {
            report: Some(report),
            note: workspace.triage.note_of(&detail.id).to_string(),
            new_tag: String::new(),
            // What matched comes first; a report without a match shows every event.
            show_all: matched == 0,
        };
    }
    tags_line(ui, workspace, report, &detail.id, draft, intents);
    ui.horizontal(|ui| {
        let label = ui.label("Note");
        let note = ui
            .add(
                egui::TextEdit::multiline(&mut draft.note)
                    .desired_rows(2)
                    .desired_width(560.0),
            )
            .labelled_by(label.id);
        // Kept as the user types, so nothing is lost when the window closes.
        if note.changed() {
            intents.push(Intent::SetNote {
                report,
                note: draft.note.clone(),
            });
        }
    });
    ui.separator();
    // One scroll area for the rest: unfolding the leads never pushes the events out of
    // reach on a small screen.
    let zone = workspace.applied_zone();
    egui::ScrollArea::vertical().show(ui, |ui| {
        facts_grid(ui, &detail);
        lead_scores(ui, workspace, report);
        ui.separator();
        if matched > 0 {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{} of {} matched.",
                    compound_atlas_core::values::text::count(matched as u64, "event", "events"),
                    detail.events.len()
                ));
                ui.checkbox(&mut draft.show_all, "Show all events");
            });
        }
        let shown = detail
            .events
            .iter()
            .filter(|e| draft.show_all || !e.matches.is_empty());
        for event in shown {
            let leads: Vec<String> = workspace
                .leads
                .network
                .of_event(event.event)
                .iter()
                .map(|lead| {
                    format!(
                        "{}: {}",
                        lead.kind.label(),
                        workspace.leads.network.reason(&workspace.dataset, lead)
                    )
                })
                .collect();
            event_section(ui, event, &leads, zone);
        }
    });
}

/// What each factor of the lead score measures, for the hover text.
pub(crate) const FACTORS: [(&str, &str); 5] = [
    (
        "Proximity",
        "How near the observation window the nearest matched event is (IP only): 1 inside, one half at 90 days",
    ),
    (
        "Evidence",
        "Independent evidence: distinct events, days and addresses; 0 for a single event",
    ),
    (
        "Activity fit",
        "How closely the events' local weekday and hour follow the location's pattern of IP + time matches",
    ),
    (
        "Exclusivity",
        "The share of the evidence on no shared observation or shared network",
    ),
    (
        "Ties",
        "IP + time reports that share an address or account with this report within the link window",
    ),
];

/// The report's leads, each with its score and factors (docs/ranking.md); nothing for a
/// report with an IP + time match or no lead.
fn lead_scores(ui: &mut Ui, workspace: &Workspace, report: u32) {
    let leads: Vec<&RankedLead> = workspace.leads.of_report(report).collect();
    if leads.is_empty() {
        return;
    }
    ui.separator();
    ui.label(RichText::new("Lead score").strong()).on_hover_text(
        "Orders leads for review; it is not a probability. Weaker than matches, never in the figures.",
    );
    // The best three at once; the rest folded, so that the events are near.
    const SHOWN: usize = 3;
    for lead in leads.iter().take(SHOWN) {
        lead_score(ui, workspace, report, lead);
    }
    if leads.len() > SHOWN {
        egui::CollapsingHeader::new(format!("{} more leads", leads.len() - SHOWN))
            .id_salt(("more leads", report))
            .show(ui, |ui| {
                for lead in &leads[SHOWN..] {
                    lead_score(ui, workspace, report, lead);
                }
            });
    }
}

/// One lead: kind, place and score, its reason, and the five factors.
fn lead_score(ui: &mut Ui, workspace: &Workspace, report: u32, lead: &RankedLead) {
    let place = lead
        .location
        .map(|l| format!(" at {}", workspace.dataset.locations[l as usize].name))
        .unwrap_or_default();
    ui.label(format!(
        "{}{place}: score {:.2}",
        lead.kind.label(),
        lead.score
    ));
    ui.label(RichText::new(workspace.leads.reason(&workspace.dataset, lead)).weak());
    let f = lead.factors;
    let values = [
        f.proximity,
        f.evidence,
        f.activity_fit,
        f.exclusivity,
        f.ties,
    ];
    egui::Grid::new(("lead factors", report, lead.kind, lead.location))
        .num_columns(5)
        .show(ui, |ui| {
            for ((name, meaning), value) in FACTORS.iter().zip(values) {
                ui.label(format!("{name} {value:.2}"))
                    .on_hover_text(*meaning);
            }
            ui.end_row();
        });
}

/// The report's tags as checkboxes, and a field to add a new one.
fn tags_line(
    ui: &mut Ui,
    workspace: &Workspace,
    report: u32,
    id: &str,
    draft: &mut TriageDraft,
    intents: &mut Vec<Intent>,
) {
    ui.horizontal_wrapped(|ui| {
        ui.strong("Tags");
        let current: BTreeSet<&str> = workspace.triage.tags_of(id).collect();
        for tag in workspace.triage.all_tags() {
            let mut on = current.contains(tag.as_str());
            if ui.checkbox(&mut on, &tag).changed() {
                intents.push(Intent::Tag {
                    reports: vec![report],
                    tag,
                    on,
                });
            }
        }
        let label = ui.label("New tag");
        let field = ui
            .add(egui::TextEdit::singleline(&mut draft.new_tag).desired_width(120.0))
            .labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Add").clicked() || enter)
            && compound_atlas_core::analysis::triage::normalize_tag(&draft.new_tag).is_some()
        {
            intents.push(Intent::Tag {
                reports: vec![report],
                tag: std::mem::take(&mut draft.new_tag),
                on: true,
            });
        }
    });
}

/// Incident type, platform, report date, best strength and the number of events.
fn facts_grid(ui: &mut Ui, detail: &ReportDetail) {
    egui::Grid::new("report-facts")
        .num_columns(2)
        .show(ui, |ui| {
            for (label, value) in [
                ("Incident type", detail.incident_type.clone()),
                ("Platform", detail.platform.clone()),
                (
                    "Report date",
                    detail.report_date.map(format_time).unwrap_or_default(),
                ),
                ("Best strength", strength_text(detail.best).to_string()),
                ("Events", detail.events.len().to_string()),
            ] {
                ui.label(label);
                ui.strong(value);
                ui.end_row();
            }
        });
}

/// One event: a line that says what and whether it matched, opened when it did, with
/// where it came from, its extra columns and each match with why.
fn event_section(ui: &mut Ui, event: &EventDetail, leads: &[String], zone: ImportZone) {
    let port = event.port.map(|p| format!(":{p}")).unwrap_or_default();
    // The network beside the address: who operates it is what a caseworker asks next.
    let network = match (event.network.is_empty(), event.ip_country.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(" ({})", event.network),
        (true, false) => format!(" ({})", event.ip_country),
        (false, false) => format!(" ({}, {})", event.network, event.ip_country),
    };
    let summary = format!(
        "#{} · {} · {}{}{} · {}{}",
        event.index,
        format_time(event.time),
        event.ip,
        port,
        network,
        if event.name.is_empty() {
            "(no event name)"
        } else {
            &event.name
        },
        match (event.matches.len(), leads.len()) {
            (0, 0) => " · no match".to_string(),
            (0, n) => format!(
                " · no match, {}",
                compound_atlas_core::values::text::count(n as u64, "lead", "leads")
            ),
            (1, _) => " · matched 1 observation".to_string(),
            (n, _) => format!(" · matched {n} observations"),
        }
    );
    egui::CollapsingHeader::new(summary)
        .id_salt(("event", event.event))
        .default_open(!event.matches.is_empty())
        .show(ui, |ui| {
            provenance(ui, "From", &event.provenance);
            if let Some(party) = event.party {
                ui.label(format!("Party: {}", party.label()));
            }
            network_lines(ui, event);
            if let Some(proxy) = event.possible_proxy {
                ui.label(format!("Possible proxy: {proxy}"));
            }
            for (column, value) in &event.extras {
                ui.label(format!("{column}: {value}"));
            }
            for m in &event.matches {
                egui::Frame::group(ui.style()).show(ui, |ui| match_box(ui, m, zone));
            }
            for lead in leads {
                ui.label(RichText::new(format!("Lead, weaker than a match: {lead}")).italics());
            }
        });
}

/// The address's network, registered country and where each came from, and the caveat
/// of a known shared network.
fn network_lines(ui: &mut Ui, event: &EventDetail) {
    if event.network.is_empty() && event.ip_country.is_empty() {
        ui.label(RichText::new("Network: not in the IP data").weak());
    } else {
        ui.label(format!(
            "Network: {} · registered in {}",
            if event.network.is_empty() {
                "unknown"
            } else {
                &event.network
            },
            if event.ip_country.is_empty() {
                "unknown"
            } else {
                &event.ip_country
            },
        ));
        ui.label(RichText::new(&event.network_sources).small().weak());
    }
    if !event.network_note.is_empty() {
        ui.colored_label(theme::WARNING, format!("Caveat: {}.", event.network_note));
    }
}

/// Why an event matched one observation: strength, location, window and distance to it,
/// port check, source, notes, the shared-infrastructure caveat and provenance.
fn match_box(ui: &mut Ui, m: &ObservationMatch, zone: ImportZone) {
    let colour = if m.strength == Strength::IpTime {
        theme::IP_TIME
    } else {
        theme::IP_ONLY
    };
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(colour, strength_text(Some(m.strength)));
        ui.strong(format!("{} ({})", m.location_name, m.country));
        ui.label(format!("observation {}", m.observation));
    });
    let window = match (m.first_seen, m.last_seen) {
        (None, None) => "no time window".to_string(),
        (first, last) => format!(
            "window {} to {}",
            first.map(format_time).unwrap_or_else(|| "…".into()),
            last.map(|t| format_window_end(t, zone))
                .unwrap_or_else(|| "…".into())
        ),
    };
    let outside = match m.seconds_outside_window {
        None => String::new(),
        Some(0) => "; inside the window".to_string(),
        Some(s) => format!("; {} outside the window", human_seconds(s)),
    };
    ui.label(format!("{window}{outside}"));
    ui.label(format!(
        "port check: {}{}",
        m.port_check.as_str(),
        m.ports
            .as_ref()
            .map(|p| format!(" (ports {p})"))
            .unwrap_or_default()
    ));
    if !m.source.is_empty() || !m.confidence.is_empty() {
        ui.label(format!(
            "source: {} · confidence: {}",
            m.source, m.confidence
        ));
    }
    if !m.notes.is_empty() {
        ui.label(format!("notes: {}", m.notes));
    }
    if m.shared {
        ui.colored_label(theme::WARNING, format!("Caveat: {SHARED_CAVEAT}."));
    }
    provenance(ui, "Observation from", &m.provenance);
}

/// "From FILE line N", small: where a value came from.
fn provenance(ui: &mut Ui, what: &str, (file, line): &(std::path::PathBuf, u32)) {
    ui.label(
        RichText::new(format!("{what} {} line {line}", file.display()))
            .small()
            .weak(),
    );
}

/// The note and new tag being typed in the report window.
#[derive(Debug, Clone, Default)]
pub struct TriageDraft {
    report: Option<u32>,
    note: String,
    new_tag: String,
    /// Every event, not only the matched ones.
    show_all: bool,
}
