//! Drawing the built-in chooser: places on the left, the folder's entries, the name field
//! with the kind filter, and the buttons; Enter chooses, Esc cancels.

use super::{FileChooser, Outcome};
use crate::gui::file_dialogs::FileRequest;
use compound_atlas_core::model::FileKind;
use egui::{RichText, Ui};

impl FileChooser {
    /// Draw the chooser as a modal window; what it was closed with, once it is.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Outcome> {
        let screen = ctx.content_rect().size();
        let size = egui::vec2((screen.x - 40.0).min(820.0), (screen.y - 60.0).min(520.0));
        let modal = egui::Modal::new(egui::Id::unique("file-chooser")).show(ctx, |ui| {
            ui.set_width(size.x);
            ui.heading(self.request.title());
            if let Some(why) = &self.why_built_in {
                ui.label(
                    RichText::new(format!("{why}: this is Compound Atlas's own file chooser."))
                        .weak(),
                );
            }
            self.path_bar(ui);
            ui.separator();
            let list_height = (size.y - 190.0).max(120.0);
            // A fixed height: the vertical separator and the table take all the height
            // they are given, and a modal grows to its content, so they would grow
            // without end.
            let layout = egui::Layout::left_to_right(egui::Align::Min);
            let outcome =
                ui.allocate_ui_with_layout(egui::vec2(size.x, list_height), layout, |ui| {
                    ui.set_height(list_height);
                    self.places_list(ui, list_height);
                    ui.separator();
                    self.entries(ui, list_height - 24.0)
                });
            ui.separator();
            let outcome = outcome.inner.or_else(|| self.name_row(ui));
            outcome.or_else(|| self.buttons(ui))
        });
        let close = modal.should_close();
        let mut outcome = modal.inner;
        if outcome.is_none() && close {
            // Esc, or a click outside the window.
            if self.replacing().is_some() {
                self.keep_existing();
            } else {
                outcome = Some(Outcome::Cancelled);
            }
        }
        outcome
    }

    /// Up, and the folder shown as buttons for each of its parents.
    fn path_bar(&mut self, ui: &mut Ui) {
        let mut go = None;
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(self.dir().parent().is_some(), egui::Button::new("Up"))
                .on_hover_text("The folder above (Alt+Up)")
                .clicked()
            {
                go = self.dir().parent().map(|p| p.to_path_buf());
            }
            let mut so_far = std::path::PathBuf::new();
            for part in self.dir().components() {
                so_far.push(part);
                let label = part.as_os_str().to_string_lossy();
                if ui.small_button(label.as_ref()).clicked() {
                    go = Some(so_far.clone());
                }
            }
        });
        if ui.input(|i| i.modifiers.alt && i.key_pressed(egui::Key::ArrowUp)) {
            go = self.dir().parent().map(|p| p.to_path_buf());
        }
        if let Some(dir) = go {
            self.go_to(dir);
        }
    }

    fn places_list(&mut self, ui: &mut Ui, height: f32) {
        let mut go = None;
        ui.vertical(|ui| {
            ui.set_width(170.0);
            ui.label(RichText::new("Places").strong());
            egui::ScrollArea::vertical()
                .id_salt("chooser-places")
                .max_height(height - 20.0)
                .show(ui, |ui| {
                    for place in self.places() {
                        let here = place.path == self.dir();
                        if ui
                            .selectable_label(here, &place.label)
                            .on_hover_text(place.path.display().to_string())
                            .clicked()
                        {
                            go = Some(place.path.clone());
                        }
                    }
                });
        });
        if let Some(dir) = go {
            self.go_to(dir);
        }
    }

    /// The folder's entries: a click selects, a double click opens or chooses.
    fn entries(&mut self, ui: &mut Ui, height: f32) -> Option<Outcome> {
        use egui_extras::{Column, TableBuilder};
        // Borrowed, not copied each frame: a folder may list twenty thousand entries.
        let listing = match self.listing() {
            Ok(listing) => listing,
            Err(why) => {
                ui.colored_label(ui.visuals().error_fg_color, why);
                return None;
            }
        };
        let mut clicked = None;
        ui.vertical(|ui| {
            ui.style_mut().interaction.selectable_labels = false;
            TableBuilder::new(ui)
                .id_salt("chooser-entries")
                .striped(true)
                .sense(egui::Sense::click())
                .min_scrolled_height(height)
                .max_scroll_height(height)
                .column(Column::remainder().clip(true))
                .column(Column::exact(80.0))
                .column(Column::exact(130.0))
                .header(20.0, |mut header| {
                    header.col(|ui| _ = ui.strong("Name"));
                    header.col(|ui| _ = ui.strong("Size"));
                    header.col(|ui| _ = ui.strong("Modified"));
                })
                .body(|body| {
                    body.rows(20.0, listing.entries.len(), |mut row| {
                        let position = row.index();
                        let entry = &listing.entries[position];
                        row.set_selected(self.is_selected(position));
                        row.col(|ui| {
                            let name = if entry.is_dir {
                                format!("{}/", entry.name)
                            } else {
                                entry.name.clone()
                            };
                            ui.label(name);
                        });
                        row.col(|ui| {
                            ui.label(entry.size.map(human_size).unwrap_or_default());
                        });
                        row.col(|ui| {
                            let modified = entry.modified.map(|t| t.format("%Y-%m-%d %H:%M"));
                            ui.label(modified.map(|t| t.to_string()).unwrap_or_default());
                        });
                        let response = row.response();
                        if response.double_clicked() {
                            clicked = Some((position, true, false));
                        } else if response.clicked() {
                            let add = response.ctx.input(|i| i.modifiers.command);
                            clicked = Some((position, false, add));
                        }
                    });
                });
            if listing.entries.is_empty() {
                ui.label(RichText::new("Nothing here of this kind.").weak());
            }
            if listing.left_out > 0 {
                ui.label(
                    RichText::new(format!(
                        "{} more not shown: type the name.",
                        compound_atlas_core::values::text::thousands(listing.left_out as u64)
                    ))
                    .weak(),
                );
            }
        });
        match clicked {
            Some((position, true, _)) => self.double_click(position),
            Some((position, false, add)) => {
                self.click(position, add);
                None
            }
            None => None,
        }
    }

    /// The name field (Enter chooses), the kind filter and hidden files.
    fn name_row(&mut self, ui: &mut Ui) -> Option<Outcome> {
        let mut outcome = None;
        let label = if self.request.wants_folder() {
            "New folder name"
        } else {
            "File name or path"
        };
        ui.horizontal(|ui| {
            let label = ui.label(label);
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.name)
                        .desired_width(ui.available_width() - 8.0),
                )
                .labelled_by(label.id);
            if self.take_focus_request() {
                field.request_focus();
            }
            if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                outcome = self.accept();
                field.request_focus();
            }
        });
        ui.horizontal(|ui| {
            let filters = self.filters();
            let mut chosen = self.filter();
            egui::ComboBox::from_id_salt("chooser-filter")
                .width(260.0)
                .selected_text(filters[chosen].label)
                .show_ui(ui, |ui| {
                    for (i, filter) in filters.iter().enumerate() {
                        ui.selectable_value(&mut chosen, i, filter.label);
                    }
                });
            self.set_filter(chosen);
            let mut hidden = self.show_hidden();
            ui.checkbox(&mut hidden, "Show hidden files");
            self.set_show_hidden(hidden);
        });
        outcome
    }

    /// The reason a choice was refused, the question before replacing, and the buttons.
    fn buttons(&mut self, ui: &mut Ui) -> Option<Outcome> {
        if let Some(problem) = self.problem() {
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
        if let Some(existing) = self.replacing() {
            let mut outcome = None;
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("{} already exists. Replace it?", existing.display()),
            );
            ui.horizontal(|ui| {
                if ui.button("Replace").clicked() {
                    outcome = self.agree_to_replace();
                }
                if ui.button("Keep it").clicked() {
                    self.keep_existing();
                }
            });
            return outcome;
        }
        let mut outcome = None;
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let verb = match (self.request.is_save(), self.request.takes_several()) {
                (_, true) => "Import",
                (true, _) => "Save",
                (false, _) => "Open",
            };
            if ui.button(RichText::new(verb).strong()).clicked() {
                outcome = self.accept();
            }
            if ui.button("Cancel").clicked() {
                outcome = Some(Outcome::Cancelled);
            }
            // A folder of report files (per-report XML or IDS JSON) is one input.
            if self.request == FileRequest::Import(FileKind::Reports)
                && ui
                    .button("Import this folder")
                    .on_hover_text("Read every report file in the folder shown, in name order")
                    .clicked()
            {
                outcome = Some(Outcome::Chosen(vec![self.dir().to_path_buf()]));
            }
        });
        outcome
    }
}

/// "812 B", "4.2 KB", "1.3 GB".
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_at_a_glance() {
        assert_eq!(super::human_size(812), "812 B");
        assert_eq!(super::human_size(4_200), "4.2 KB");
        assert_eq!(super::human_size(1_300_000_000), "1.3 GB");
    }
}
