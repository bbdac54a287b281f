//! The Leads tab: every report below IP + time with its scored leads, highest score
//! first (the library's order), each row with its factors and reason; filters by kind,
//! by lowest score and by text; a double-click opens the report; "Tag the top N" puts
//! the first N reports of what is listed up for review.

use super::background::{Derived, INLINE_ITEMS};
use super::workspace::{Intent, Workspace};
use compound_atlas_core::analysis::ranking::{AllLeads, Kind, RankedLead};
use compound_atlas_core::model::Dataset;
use compound_atlas_core::values::text::{count, thousands};
use egui::{RichText, Ui};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The tag "Tag the top N" sets.
pub const REVIEW_TAG: &str = "to review";

const COLUMNS: [&str; 13] = [
    "#",
    "Report",
    "Lead",
    "Location",
    "Score",
    "Proximity",
    "Evidence",
    "Activity fit",
    "Exclusivity",
    "Ties",
    "Events · days",
    "Tags",
    "Why",
];

/// What the list is narrowed to; the rows are found again when it changes.
#[derive(Debug, Clone, PartialEq)]
struct Narrowing {
    leads_generation: u64,
    kinds: BTreeSet<&'static str>,
    min_score: f64,
    text: String,
}

/// Positions in `leads.ranked` of the rows listed, with the leads and data they were found
/// in: rows still shown while newer ones are found index into these, not into the
/// workspace's newer leads.
#[derive(Clone, Default)]
pub struct Listed {
    pub dataset: Arc<Dataset>,
    pub leads: Arc<AllLeads>,
    pub rows: Arc<Vec<u32>>,
}

impl Listed {
    /// Whether these rows are of the workspace's current leads and data.
    pub fn is_of(&self, workspace: &Workspace) -> bool {
        Arc::ptr_eq(&self.leads, &workspace.leads) && Arc::ptr_eq(&self.dataset, &workspace.dataset)
    }
}

pub struct LeadsView {
    /// The kinds listed (all by default).
    pub kinds: BTreeSet<&'static str>,
    /// Only leads scoring at least this.
    pub min_score: f64,
    /// Only leads whose report id or location name holds this text.
    pub text: String,
    /// How many reports "Tag the top N" tags.
    pub top_n: usize,
    /// The rows listed: found at once for few leads, on a worker for many (the last rows
    /// stay shown meanwhile, with the data they index into).
    rows: Derived<Narrowing, Listed>,
}

impl Default for LeadsView {
    fn default() -> Self {
        LeadsView {
            kinds: Kind::ALL.iter().map(|k| k.as_str()).collect(),
            min_score: 0.0,
            text: String::new(),
            top_n: 50,
            rows: Derived::default(),
        }
    }
}

impl LeadsView {
    /// Draw the tab; returns a report to open in the detail window.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        workspace: &Workspace,
        intents: &mut Vec<Intent>,
    ) -> Option<u32> {
        let listed = self.rows(ui.ctx(), workspace);
        self.controls(ui, workspace, &listed, intents);
        ui.separator();
        table(ui, workspace, &listed)
    }

    /// The rows listed, found again when the leads or the narrowing changed.
    pub fn rows(&mut self, ctx: &egui::Context, workspace: &Workspace) -> Listed {
        let narrowing = Narrowing {
            leads_generation: workspace.leads_generation,
            kinds: self.kinds.clone(),
            min_score: self.min_score,
            text: self.text.trim().to_lowercase(),
        };
        let (dataset, leads) = (Arc::clone(&workspace.dataset), Arc::clone(&workspace.leads));
        let items = leads.ranked.len();
        let build_for = narrowing.clone();
        self.rows.request(
            narrowing,
            items,
            items >= INLINE_ITEMS,
            ctx,
            move |cancel| {
                let rows = listed(&dataset, &leads, &build_for, cancel)?;
                Some(Listed {
                    dataset,
                    leads,
                    rows: Arc::new(rows),
                })
            },
        );
        self.rows.value().cloned().unwrap_or_default()
    }

    /// Whether the rows are being found on a worker.
    pub fn is_building(&self) -> bool {
        self.rows.building().is_some()
    }

    /// The first `n` distinct reports of the rows, in their order.
    pub fn top_reports(leads: &AllLeads, rows: &[u32], n: usize) -> Vec<u32> {
        let mut seen = BTreeSet::new();
        let mut top = Vec::new();
        for &i in rows {
            let report = leads.ranked[i as usize].report;
            if top.len() >= n {
                break;
            }
            if seen.insert(report) {
                top.push(report);
            }
        }
        top
    }

    fn controls(
        &mut self,
        ui: &mut Ui,
        workspace: &Workspace,
        listed: &Listed,
        intents: &mut Vec<Intent>,
    ) {
        let (leads, rows) = (&workspace.leads, &listed.rows[..]);
        ui.horizontal_wrapped(|ui| {
            for kind in Kind::ALL {
                let mut on = self.kinds.contains(kind.as_str());
                let label = format!("{} ({})", kind.label(), thousands(leads.count(kind) as u64));
                if ui.checkbox(&mut on, label).changed() {
                    if on {
                        self.kinds.insert(kind.as_str());
                    } else {
                        self.kinds.remove(kind.as_str());
                    }
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("score at least");
            ui.add(egui::Slider::new(&mut self.min_score, 0.0..=1.0).step_by(0.01))
                .labelled_by(label.id);
            let label = ui.label("report or location");
            ui.add(
                egui::TextEdit::singleline(&mut self.text)
                    .hint_text("any")
                    .desired_width(140.0),
            )
            .labelled_by(label.id);
            ui.label(RichText::new(count(rows.len() as u64, "lead", "leads")).weak());
            if workspace.finding_leads() {
                ui.spinner();
            }
        });
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Tag the top");
            ui.add(egui::DragValue::new(&mut self.top_n).range(1..=100_000))
                .labelled_by(label.id);
            let top = Self::top_reports(&listed.leads, rows, self.top_n);
            if ui
                .add_enabled(
                    !top.is_empty() && listed.is_of(workspace),
                    egui::Button::new(format!("reports \"{REVIEW_TAG}\"")),
                )
                .on_hover_text("The first reports of the list as it stands (each report once), tagged for review; the audit log records it")
                .clicked()
            {
                intents.push(Intent::Tag { reports: top, tag: REVIEW_TAG.to_string(), on: true });
            }
            ui.label(
                RichText::new("The score orders leads for review; it is not a probability.")
                    .small()
                    .weak(),
            );
        });
    }
}

/// The positions in `leads.ranked` that pass, in its order (highest score first);
/// `None` once `cancel` is set.
fn listed(
    dataset: &Dataset,
    leads: &AllLeads,
    narrowing: &Narrowing,
    cancel: &AtomicBool,
) -> Option<Vec<u32>> {
    let text = &narrowing.text;
    let holds_text = |lead: &RankedLead| {
        text.is_empty()
            || dataset
                .reports
                .id(lead.report)
                .to_lowercase()
                .contains(text.as_str())
            || lead.location.is_some_and(|l| {
                dataset.locations[l as usize]
                    .name
                    .to_lowercase()
                    .contains(text.as_str())
            })
    };
    let mut rows = Vec::new();
    for (i, lead) in leads.ranked.iter().enumerate() {
        if i % 65_536 == 0 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        let passes = narrowing.kinds.contains(lead.kind.as_str())
            && lead.score >= narrowing.min_score
            && holds_text(lead);
        if passes {
            rows.push(i as u32);
        }
    }
    Some(rows)
}

/// The report's tags, "; "-joined.
fn tags_of(workspace: &Workspace, dataset: &Dataset, report: u32) -> String {
    let id = dataset.reports.id(report);
    workspace.triage.tags_of(id).collect::<Vec<_>>().join("; ")
}

/// The rows, as many as fit drawn; a double-click returns the report.
fn table(ui: &mut Ui, workspace: &Workspace, listed: &Listed) -> Option<u32> {
    use egui_extras::{Column, TableBuilder};
    let (dataset, leads, rows) = (&*listed.dataset, &*listed.leads, &listed.rows[..]);
    // Rows still shown from older leads are not opened: their numbers are of older data.
    let current = listed.is_of(workspace);
    let mut open = None;
    let widths: [f32; COLUMNS.len()] = [
        44.0, 120.0, 120.0, 200.0, 50.0, 70.0, 64.0, 76.0, 76.0, 44.0, 90.0, 90.0, 600.0,
    ];
    egui::ScrollArea::horizontal()
        .id_salt("leads-sideways")
        .show(ui, |ui| {
            let height = (ui.available_height() - 20.0).max(60.0);
            let mut table = TableBuilder::new(ui)
                .id_salt("leads-table")
                .striped(true)
                .resizable(true)
                .sense(egui::Sense::click())
                .min_scrolled_height(height)
                .max_scroll_height(height);
            for w in widths {
                table = table.column(Column::initial(w).at_least(30.0).clip(true));
            }
            table
                .header(22.0, |mut header| {
                    for title in COLUMNS {
                        header.col(|ui| {
                            ui.strong(title);
                        });
                    }
                })
                .body(|body| {
                    body.rows(20.0, rows.len(), |mut row| {
                        let position = row.index();
                        let lead = &leads.ranked[rows[position] as usize];
                        let location = lead.location.map_or(String::new(), |l| {
                            dataset.locations[l as usize].name.clone()
                        });
                        let f = &lead.factors;
                        let cells = [
                            (position + 1).to_string(),
                            dataset.reports.id(lead.report).to_string(),
                            lead.kind.label().to_string(),
                            location,
                            format!("{:.3}", lead.score),
                            format!("{:.2}", f.proximity),
                            format!("{:.2}", f.evidence),
                            format!("{:.2}", f.activity_fit),
                            format!("{:.2}", f.exclusivity),
                            format!("{:.2}", f.ties),
                            format!("{} · {}", lead.events, lead.days),
                            tags_of(workspace, dataset, lead.report),
                            leads.reason(dataset, lead),
                        ];
                        for cell in cells {
                            row.col(|ui| {
                                ui.label(cell);
                            });
                        }
                        if row.response().double_clicked() {
                            open = current.then_some(lead.report);
                        }
                    });
                });
        });
    open
}
