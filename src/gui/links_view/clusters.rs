//! The clusters table: every group of reports that ties join (matched reports and the
//! second-degree leads tied to them), largest first, filterable by size and location;
//! a row narrows the chart to that cluster.

use super::Act;
use crate::gui::workspace::Workspace;
use compound_atlas_core::analysis::clusters::{Cluster, clusters};
use compound_atlas_core::values::time::format_time;
use egui::{RichText, Ui};
use std::sync::Arc;

/// The rows of the table shown at most (the filter narrows the rest).
const ROWS_SHOWN: usize = 300;

#[derive(Default)]
pub struct ClustersTable {
    /// The clusters of the leads of this generation.
    of: Option<(u64, Arc<Vec<Cluster>>)>,
    /// Only clusters with at least this many reports.
    pub min_reports: u32,
    /// Only clusters with a location whose name holds this text.
    pub location_text: String,
    /// The cluster the chart was last narrowed to.
    pub chosen: Option<u32>,
}

impl ClustersTable {
    fn clusters(&mut self, workspace: &Workspace) -> Arc<Vec<Cluster>> {
        let generation = workspace.leads_generation;
        if self.of.as_ref().is_none_or(|(g, _)| *g != generation) {
            let found = clusters(&workspace.dataset, &workspace.leads.links);
            self.of = Some((generation, Arc::new(found)));
            self.chosen = None;
        }
        Arc::clone(&self.of.as_ref().expect("set above").1)
    }

    pub fn ui(&mut self, ui: &mut Ui, workspace: &Workspace, acts: &mut Vec<Act>) {
        let all = self.clusters(workspace);
        ui.heading(format!("Clusters ({})", all.len()));
        ui.label(
            RichText::new(
                "Reports joined by an address or account they share, within the link window.",
            )
            .weak(),
        );
        ui.horizontal(|ui| {
            let label = ui.label("at least");
            ui.add(egui::DragValue::new(&mut self.min_reports).range(0..=100_000))
                .labelled_by(label.id);
            ui.label("reports");
        });
        ui.horizontal(|ui| {
            let label = ui.label("location");
            ui.add(
                egui::TextEdit::singleline(&mut self.location_text)
                    .hint_text("any")
                    .desired_width(140.0),
            )
            .labelled_by(label.id);
        });
        let wanted = self.location_text.trim().to_lowercase();
        let names = |c: &Cluster| -> Vec<&str> {
            c.locations
                .iter()
                .map(|&l| workspace.dataset.locations[l as usize].name.as_str())
                .collect()
        };
        let rows: Vec<&Cluster> = all
            .iter()
            .filter(|c| c.reports.len() as u32 >= self.min_reports)
            .filter(|c| {
                wanted.is_empty() || names(c).iter().any(|n| n.to_lowercase().contains(&wanted))
            })
            .collect();
        if rows.is_empty() {
            ui.label(RichText::new("No cluster passes this filter.").weak());
            return;
        }
        egui::Grid::new("clusters-grid")
            .striped(true)
            .num_columns(5)
            .show(ui, |ui| {
                for title in [
                    "#",
                    "reports",
                    "IP+time / IP only / leads",
                    "shared",
                    "span",
                ] {
                    ui.label(RichText::new(title).strong());
                }
                ui.end_row();
                for c in rows.iter().take(ROWS_SHOWN) {
                    let chosen = self.chosen == Some(c.number);
                    let row = ui.selectable_label(chosen, c.number.to_string());
                    ui.label(c.reports.len().to_string());
                    ui.label(format!(
                        "{} / {} / {}",
                        c.ip_time_reports, c.ip_only_reports, c.lead_reports
                    ));
                    ui.label(c.shared.to_string());
                    ui.label(span(c));
                    ui.end_row();
                    let row = row.on_hover_text(format!(
                        "{}\nClick: narrow the chart to this cluster",
                        names(c).join(", ")
                    ));
                    if row.clicked() {
                        self.chosen = Some(c.number);
                        acts.push(Act::FocusReports(c.reports.clone()));
                    }
                }
            });
        if rows.len() > ROWS_SHOWN {
            ui.label(
                RichText::new(format!(
                    "and {} more; narrow the filter",
                    rows.len() - ROWS_SHOWN
                ))
                .weak(),
            );
        }
    }
}

/// "2024-03-01 – 2024-03-09".
fn span(c: &Cluster) -> String {
    let day = |t| format_time(t).chars().take(10).collect::<String>();
    if c.first > c.last {
        return String::new();
    }
    format!("{} – {}", day(c.first), day(c.last))
}
