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
    let available = ui.available_width();
    if available < cards.len() as f32 * (CARD_WIDTH + CARD_GAP) {
        // Too narrow for four cards: small ones on one line (more lines only if they must),
        // so that a small window keeps its room for the map. Rows are made by measuring,
        // as a wrapping layout cannot tell a frame's width before drawing it.
        let widths: Vec<f32> = cards
            .iter()
            .map(|(caption, value, _, _)| small_card_width(ui, caption, value))
            .collect();
        let mut start = 0;
        while start < cards.len() {
            let (mut end, mut used) = (start, 0.0);
            while end < cards.len() && (end == start || used + widths[end] <= available) {
                used += widths[end] + CARD_GAP;
                end += 1;
            }
            ui.horizontal(|ui| {
                for (caption, value, _, colour) in &cards[start..end] {
                    egui::Frame::group(ui.style())
                        .inner_margin(6.0)
                        .show(ui, |ui| {
                            ui.label(RichText::new(*caption).weak());
                            ui.label(
                                RichText::new(value)
                                    .size(SMALL_VALUE)
                                    .color(*colour)
                                    .strong(),
                            );
                        });
                }
            });
            start = end;
        }
        return;
    }
    ui.horizontal(|ui| {
        for (caption, value, detail, colour) in cards {
            card(ui, caption, &value, &detail, colour);
        }
    });
}

const SMALL_VALUE: f32 = 18.0;

/// A small card's outer width: caption, value, the space between, margins and stroke.
fn small_card_width(ui: &Ui, caption: &str, value: &str) -> f32 {
    let painter = ui.painter();
    let colour = ui.visuals().text_color();
    let body = egui::TextStyle::Body.resolve(ui.style());
    let caption = painter
        .layout_no_wrap(caption.to_string(), body, colour)
        .size()
        .x;
    let value = painter
        .layout_no_wrap(
            value.to_string(),
            egui::FontId::proportional(SMALL_VALUE),
            colour,
        )
        .size()
        .x;
    caption + value + ui.spacing().item_spacing.x + 2.0 * 6.0 + 2.0
}

/// A card's outer width: its content, margins and stroke.
const CARD_WIDTH: f32 = 190.0 + 2.0 * 10.0 + 2.0;
const CARD_GAP: f32 = 8.0;

fn card(ui: &mut Ui, caption: &str, value: &str, detail: &str, colour: egui::Color32) {
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
