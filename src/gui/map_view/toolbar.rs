//! The map's toolbar: zoom, Fit to data and to selection, towns, the Layers menu (a
//! tile file, online OpenStreetMap after the question) and Save as PNG.

use super::{Action, MapView};
use crate::gui::file_dialogs::FileRequest;
use compound_atlas_core::map::basemap::projection::{MAX_ZOOM, MIN_ZOOM};
use compound_atlas_core::map::{markers, outlines};
use egui::{RichText, Ui};
use std::collections::BTreeSet;

impl MapView {
    pub(super) fn toolbar(
        &mut self,
        ui: &mut Ui,
        selected: &BTreeSet<u32>,
        action: &mut Option<Action>,
    ) {
        let data = self.data.as_ref().expect("refreshed before");
        let all = markers::framing_bounds(&data.markers, &data.dataset.locations);
        let chosen_markers = || {
            data.markers
                .iter()
                .filter(|m| selected.contains(&m.location))
        };
        let chosen = markers::bounds(chosen_markers()).map(|bbox| {
            outlines::grow_to_outlines(bbox, &data.dataset.locations, chosen_markers())
        });
        ui.horizontal(|ui| {
            if ui.button("−").on_hover_text("Zoom out").clicked() {
                let _ = self
                    .memory
                    .set_zoom((self.memory.zoom() - 1.0).max(MIN_ZOOM));
            }
            if ui.button("+").on_hover_text("Zoom in").clicked() {
                let _ = self
                    .memory
                    .set_zoom((self.memory.zoom() + 1.0).min(MAX_ZOOM));
            }
            if ui
                .add_enabled(all.is_some(), egui::Button::new("Fit to data"))
                .on_hover_text("Show every location with matched reports")
                .clicked()
            {
                *action = all.map(Action::Fit);
            }
            if ui
                .add_enabled(chosen.is_some(), egui::Button::new("Fit to selection"))
                .on_hover_text("Show the selected locations")
                .clicked()
            {
                *action = chosen.map(Action::Fit);
            }
            if ui
                .add_enabled(chosen.is_some(), egui::Button::new("Links of the selection"))
                .on_hover_text("Open the Links tab: the selected locations' reports, what they share and the reports tied to them")
                .clicked()
            {
                self.open_links = true;
            }
            ui.separator();
            ui.checkbox(&mut self.show_towns, "Towns");
            ui.menu_button("Layers", |ui| self.layers_menu(ui));
            if ui.button("Save as PNG…").clicked() {
                *action = Some(Action::SavePng);
            }
            if let Some(notice) = &self.notice {
                ui.label(RichText::new(notice).weak());
            }
        });
    }

    fn layers_menu(&mut self, ui: &mut Ui) {
        ui.label("The offline basemap is always drawn.");
        ui.separator();
        match &self.user_tiles {
            Some((path, _)) => {
                ui.label(format!("Tile file: {}", path.display()));
                if ui.button("Remove tile file").clicked() {
                    self.user_tiles = None;
                }
            }
            None => {
                if ui
                    .button("Add a tile file (PMTiles)…")
                    .on_hover_text("Raster PMTiles, e.g. satellite imagery, read from disk")
                    .clicked()
                {
                    self.files.ask(FileRequest::TileFile);
                }
            }
        }
        ui.separator();
        let mut online = self.show_online;
        if ui
            .checkbox(&mut online, "OpenStreetMap (online)")
            .on_hover_text("Fetches tiles from tile.openstreetmap.org")
            .changed()
        {
            if online && !self.online_opt_in {
                self.asking_online = true;
            } else {
                self.show_online = online;
            }
        }
        if self.online_opt_in && ui.button("Withdraw online consent").clicked() {
            self.online_opt_in = false;
            self.show_online = false;
        }
    }

    pub(super) fn online_question(&mut self, ui: &mut Ui) {
        egui::Modal::new(egui::Id::unique("online tiles question")).show(ui.ctx(), |ui| {
            ui.heading("Load map tiles from the internet?");
            ui.label(
                "Compound Atlas works offline. Online OpenStreetMap tiles are fetched from \
                 tile.openstreetmap.org, and every request tells that server which area you \
                 are looking at, at what zoom, and from which IP address. Do not turn this on \
                 where that could reveal an investigation.",
            );
            ui.label("Your answer is remembered; you can withdraw it in the Layers menu.");
            ui.horizontal(|ui| {
                if ui.button("Load online tiles").clicked() {
                    self.online_opt_in = true;
                    self.show_online = true;
                    self.asking_online = false;
                }
                if ui.button("Stay offline").clicked() {
                    self.asking_online = false;
                }
            });
        });
    }
}
