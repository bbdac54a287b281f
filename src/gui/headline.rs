//! The top of the central area: the study's three figures as cards, and the filter in
//! force written out in words.

use super::theme;
use super::workspace::{Intent, Workspace};
use compound_atlas_core::values::text::{count, thousands};
use egui::{RichText, Ui};

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
