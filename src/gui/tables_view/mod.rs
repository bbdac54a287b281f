//! The Locations, Reports and Matches tables: search, counts, tagging, the keys and the
//! grid. Rows are ids into the workspace's data, built and sorted in [`rows`]; what a row
//! shows is read from the data when it is drawn, so ten million rows scroll as smoothly
//! as ten.

mod rows;

pub use rows::Kind;
pub(crate) use rows::strength_text;
use rows::{BuildKey, BuildRequest, Built};

use super::background::{Derived, INLINE_ITEMS};
use super::theme;
use super::workspace::{Intent, Workspace};
use compound_atlas_core::analysis::tables::Selection;
use compound_atlas_core::values::text::{count, thousands};
use egui::{RichText, Ui};
use std::collections::BTreeSet;

/// One table: its rows in the order shown, sort, search and selection.
#[derive(Default)]
pub struct Table {
    pub sort: Option<(usize, bool)>,
    pub search: String,
    pub selection: Selection,
    /// Titles of the columns the user hid (remembered between runs).
    pub hidden: BTreeSet<String>,
    /// Build rows of every size in the background (tests use this to exercise that path).
    pub always_in_background: bool,
    /// The Reports table lists the reports with network-level leads, not the matched ones.
    pub with_leads: bool,
    rows: Derived<BuildKey, Built>,
}

impl Table {
    /// A table that starts sorted by `column`.
    pub fn sorted_by(column: usize, descending: bool) -> Self {
        Table {
            sort: Some((column, descending)),
            ..Default::default()
        }
    }

    /// Whether new rows are being built in the background.
    pub fn is_building(&self) -> bool {
        self.rows.building().is_some()
    }

    /// Row ids in the order shown: report or location indexes, or positions in the
    /// filtered matches.
    pub fn order(&self) -> &[u32] {
        self.rows.value().map_or(&[], |built| &built.order)
    }

    /// Rebuild the rows when the filter, search or sort changed: at once for small tables,
    /// in the background for large ones while the old rows stay on screen.
    fn refresh(&mut self, kind: Kind, workspace: &Workspace, ctx: &egui::Context) {
        // Tags show in the Reports table, so a change to them rebuilds it too.
        let key = (
            workspace.view_generation,
            self.sort,
            self.search.trim().to_lowercase(),
            workspace.triage_generation,
            (workspace.leads_generation, self.with_leads),
        );
        let request = BuildRequest {
            kind,
            key: key.clone(),
            dataset: workspace.dataset.clone(),
            view: workspace.view.clone(),
            all_matches: workspace.matches.clone(),
            filter: workspace.filter.clone(),
            selected_locations: workspace.selection.clone(),
            triage: workspace.triage.clone(),
            zone: workspace.applied_zone(),
            leads: workspace.leads.clone(),
            with_leads: self.with_leads && kind == Kind::Reports,
        };
        let items = request.candidate_rows();
        let in_background = items >= INLINE_ITEMS || self.always_in_background;
        self.rows
            .request(key, items, in_background, ctx, move |cancel| {
                request
                    .build(cancel)
                    .map(|(source, order)| Built { source, order })
            });
    }

    /// Draw the table; returns a report to open in the detail window.
    /// Draw the table; returns the report to open (Enter or a double-click).
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        kind: Kind,
        workspace: &Workspace,
        intents: &mut Vec<Intent>,
    ) -> Option<u32> {
        self.refresh(kind, workspace, ui.ctx());
        let empty = Built::default();
        let built = self.rows.value().unwrap_or(&empty);
        let order = &built.order[..];
        let cursor_before = self.selection.cursor;
        if kind == Kind::Locations {
            // The location selection belongs to the workspace (the map shares it); one
            // made on the map moves the table to its first row.
            let ids: BTreeSet<u32> = (0..workspace.dataset.locations.len() as u32)
                .filter(|&l| {
                    workspace
                        .selection
                        .contains(&workspace.dataset.locations[l as usize].id)
                })
                .collect();
            if ids != self.selection.ids {
                self.selection.cursor = order.iter().position(|row| ids.contains(row));
                self.selection.ids = ids;
            }
        }
        let selected_before = self.selection.ids.clone();
        let building = self.rows.building();
        ui.horizontal_wrapped(|ui| {
            columns_menu(ui, kind, &mut self.hidden);
            let bar = Toolbar {
                kind,
                workspace,
                built,
                selection: &self.selection,
                building,
                listing_leads: self.with_leads && kind == Kind::Reports,
            };
            bar.ui(ui, &mut self.search, intents);
        });
        let mut open = keys(ui, kind, workspace, built, &mut self.selection);
        let shown = shown_columns(kind, &self.hidden);
        // Scrolled to the cursor only when it moved: the user can scroll away from it.
        let moved = self.selection.cursor != cursor_before;
        let looks = Looks {
            kind,
            shown: &shown,
            sort: self.sort,
            scroll_to: self.selection.cursor.filter(|_| moved),
        };
        let (clicked_header, clicked_row) = grid(ui, &looks, workspace, built, &self.selection);
        if let Some(column) = clicked_header {
            self.sort = match self.sort {
                Some((c, false)) if c == column => Some((c, true)),
                Some((c, true)) if c == column => None,
                _ => Some((column, false)),
            };
        }
        if let Some((position, double, modifiers)) = clicked_row {
            if double {
                self.selection.click(order, position);
                open = built.report_of(kind, workspace, order[position]);
            } else if modifiers.shift {
                self.selection.extend(order, position);
            } else if modifiers.command {
                self.selection.toggle(order, position);
            } else {
                self.selection.click(order, position);
            }
        }
        if kind == Kind::Locations && self.selection.ids != selected_before {
            let ids = self
                .selection
                .ids
                .iter()
                .map(|&l| workspace.dataset.locations[l as usize].id.clone())
                .collect();
            intents.push(Intent::SelectLocations(ids));
        }
        open
    }
}

/// The line above a table: search, counts, Copy as TSV and tagging the selected reports.
struct Toolbar<'a> {
    kind: Kind,
    workspace: &'a Workspace,
    built: &'a Built,
    selection: &'a Selection,
    /// Rows being sorted and searched in the background, if any.
    building: Option<usize>,
    /// The Reports table lists the reports with leads.
    listing_leads: bool,
}

impl Toolbar<'_> {
    fn ui(&self, ui: &mut Ui, search: &mut String, intents: &mut Vec<Intent>) {
        let (kind, built) = (self.kind, self.built);
        let order = &built.order[..];
        let label = ui.label("Search this table");
        ui.add(
            egui::TextEdit::singleline(search)
                .id_salt(("table-search", kind == Kind::Reports))
                .hint_text("any column")
                .desired_width(220.0),
        )
        .labelled_by(label.id);
        ui.label(format!(
            "{} · {} selected",
            count(order.len() as u64, "row", "rows"),
            thousands(self.selection.ids.len() as u64)
        ));
        if self.listing_leads {
            ui.label(RichText::new("Reports with leads").color(theme::WARNING))
                .on_hover_text("Leads are weaker than matches: the network or the registered country of an address, not the address itself");
        }
        if let Some(rows) = self.building {
            ui.spinner();
            ui.label(format!(
                "Sorting and searching {}…",
                count(rows as u64, "row", "rows")
            ));
        }
        if ui
            .add_enabled(
                !self.selection.ids.is_empty(),
                egui::Button::new("Copy as TSV"),
            )
            .clicked()
        {
            built.copy(self.selection, kind, &self.workspace.triage, ui);
        }
        self.tag_menu(ui, intents);
        ui.label(RichText::new("Click a header to sort; drag its edge to resize").weak())
            .on_hover_text(
                "Enter or a double click opens the report. Shift+wheel or the bar below scrolls sideways.",
            );
    }

    /// "Tag selected reports…": add or remove a tag on every report of the selected rows.
    fn tag_menu(&self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        let (kind, workspace) = (self.kind, self.workspace);
        let reports: BTreeSet<u32> = self
            .selection
            .in_order(&self.built.order)
            .into_iter()
            .filter_map(|row| self.built.report_of(kind, workspace, row))
            .collect();
        let selected_reports: Vec<u32> = reports.into_iter().collect();
        ui.add_enabled_ui(!selected_reports.is_empty(), |ui| {
            egui::ComboBox::new(("tag-selected", kind == Kind::Reports), "")
                .selected_text("Tag selected reports…")
                .show_ui(ui, |ui| {
                    for tag in workspace.triage.all_tags() {
                        for (sign, on) in [("+", true), ("-", false)] {
                            if ui
                                .selectable_label(false, format!("{sign} {tag}"))
                                .clicked()
                            {
                                intents.push(Intent::Tag {
                                    reports: selected_reports.clone(),
                                    tag: tag.clone(),
                                    on,
                                });
                            }
                        }
                    }
                })
                .response
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Tag selected reports")
                });
        });
    }
}

/// The keys that act on a table when no text field has the focus: arrows move (Shift
/// extends), Space toggles, Enter opens, Ctrl+C copies. Returns the report to open.
fn keys(
    ui: &Ui,
    kind: Kind,
    workspace: &Workspace,
    built: &Built,
    selection: &mut Selection,
) -> Option<u32> {
    if ui.ctx().memory(|m| m.focused().is_some()) {
        return None;
    }
    let order = &built.order[..];
    let (up, down, space, enter, copy, shift) = ui.ctx().input(|i| {
        (
            i.key_pressed(egui::Key::ArrowUp),
            i.key_pressed(egui::Key::ArrowDown),
            i.key_pressed(egui::Key::Space),
            i.key_pressed(egui::Key::Enter),
            i.modifiers.command && i.key_pressed(egui::Key::C),
            i.modifiers.shift,
        )
    });
    if up || down {
        selection.move_cursor(order, if up { -1 } else { 1 }, shift);
    }
    if space {
        selection.toggle_cursor(order);
    }
    if copy && !selection.ids.is_empty() {
        built.copy(selection, kind, &workspace.triage, ui);
    }
    let row = selection.cursor.and_then(|c| order.get(c))?;
    if enter {
        built.report_of(kind, workspace, *row)
    } else {
        None
    }
}

/// "Columns": a check box per column to show or hide it; one stays shown.
fn columns_menu(ui: &mut Ui, kind: Kind, hidden: &mut BTreeSet<String>) {
    ui.menu_button("Columns", |ui| {
        let columns = kind.columns();
        for &column in &kind.display_order() {
            let title = columns[column];
            let mut show = !hidden.contains(title);
            let last_shown = show && hidden.len() + 1 == columns.len();
            let check = ui.add_enabled(!last_shown, egui::Checkbox::new(&mut show, title));
            if check.changed() {
                if show {
                    hidden.remove(title);
                } else {
                    hidden.insert(title.to_string());
                }
            }
        }
        if ui
            .add_enabled(!hidden.is_empty(), egui::Button::new("Show all"))
            .clicked()
        {
            hidden.clear();
        }
    });
}

/// The data columns shown, in the order shown.
fn shown_columns(kind: Kind, hidden: &BTreeSet<String>) -> Vec<usize> {
    let columns = kind.columns();
    kind.display_order()
        .into_iter()
        .filter(|&c| !hidden.contains(columns[c]))
        .collect()
}

/// The starting width of a column: room for its title and usual values, so that the
/// Reports table fits beside the side panel at 1400 px.
fn column_width(kind: Kind, column: usize) -> f32 {
    match (kind, column) {
        (Kind::Matches, 4 | 10 | 11) | (Kind::Reports, 7 | 8) | (Kind::Locations, 5 | 6) => 144.0,
        (Kind::Locations, 0) => 250.0,
        // Room for the "(desc)" mark of the default sort column.
        (Kind::Locations, 2 | 3) => 165.0,
        (Kind::Locations, 1) | (Kind::Reports, 4) | (Kind::Matches, 1 | 3) => 52.0,
        (Kind::Reports, 6) | (Kind::Matches, 8) => 68.0,
        (Kind::Reports, 9) => 80.0,
        (Kind::Reports, 2) => 84.0,
        (Kind::Reports, 3) | (Kind::Matches, 12) => 90.0,
        (Kind::Reports, 5) => 104.0,
        (Kind::Reports, 1) => 120.0,
        (Kind::Matches, 2) => 120.0,
        (_, 0) => 104.0,
        _ => 110.0,
    }
}

/// How a table is drawn: its kind, the columns shown in order, the sort.
struct Looks<'a> {
    kind: Kind,
    shown: &'a [usize],
    sort: Option<(usize, bool)>,
    scroll_to: Option<usize>,
}

/// A header click (the column) and a row click (its position, whether double, the
/// modifiers held), from drawing the table.
type GridClicks = (Option<usize>, Option<(usize, bool, egui::Modifiers)>);

/// The table itself: sortable headers and the rows in order, the strength in its colour.
fn grid(
    ui: &mut Ui,
    looks: &Looks,
    workspace: &Workspace,
    built: &Built,
    selection: &Selection,
) -> GridClicks {
    use egui_extras::{Column, TableBuilder};
    let (kind, shown, sort) = (looks.kind, looks.shown, looks.sort);
    let order = &built.order[..];
    let columns = kind.columns();
    ui.style_mut().interaction.selectable_labels = false;
    let mut clicked_header = None;
    let mut clicked_row = None;
    // The rows scroll within what is left above the sideways scroll bar, which would
    // otherwise sit below the window's edge.
    let rows_height = (ui.available_height() - 22.0 - 16.0).max(60.0);
    egui::ScrollArea::horizontal()
        .id_salt(("table-sideways", kind.key()))
        .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
        .show(ui, |ui| {
            // Widths are kept per set of columns shown: hiding one starts the rest afresh.
            let mut table = TableBuilder::new(ui)
                .id_salt(("table", kind.key(), shown))
                .striped(true)
                .resizable(true)
                .min_scrolled_height(rows_height)
                .max_scroll_height(rows_height)
                .sense(egui::Sense::click());
            for &i in shown {
                table = table.column(
                    Column::initial(column_width(kind, i))
                        .at_least(36.0)
                        .clip(true),
                );
            }
            if let Some(row) = looks.scroll_to {
                table = table.scroll_to_row(row, None);
            }
            table
                .header(22.0, |mut header| {
                    for &i in shown {
                        let title = columns[i];
                        header.col(|ui| {
                            let arrow = match sort {
                                // Words, not arrows: the default fonts have no arrow glyphs.
                                Some((c, true)) if c == i => " (desc)",
                                Some((c, false)) if c == i => " (asc)",
                                _ => "",
                            };
                            if ui
                                .button(RichText::new(format!("{title}{arrow}")).strong())
                                .clicked()
                            {
                                clicked_header = Some(i);
                            }
                        });
                    }
                })
                .body(|body| {
                    body.rows(20.0, order.len(), |mut row| {
                        let position = row.index();
                        let id = order[position];
                        row.set_selected(selection.ids.contains(&id));
                        for &column in shown {
                            let value = built.source.text(kind, &workspace.triage, column, id);
                            row.col(|ui| {
                                let is_strength = kind == Kind::Matches && column == 12
                                    || kind == Kind::Reports && column == 3;
                                if is_strength && !value.is_empty() {
                                    let colour = if value.contains("time") {
                                        theme::IP_TIME
                                    } else {
                                        theme::IP_ONLY
                                    };
                                    strength_chip(ui, colour, value);
                                } else {
                                    ui.label(value);
                                }
                            });
                        }
                        let response = row.response();
                        if response.double_clicked() {
                            clicked_row = Some((position, true, egui::Modifiers::NONE));
                        } else if response.clicked() {
                            clicked_row =
                                Some((position, false, response.ctx.input(|i| i.modifiers)));
                        }
                    });
                });
        });
    (clicked_header, clicked_row)
}

/// A strength as a dot in its colour and the word in the text colour: coloured text
/// would be hard to read on a selected row's blue.
fn strength_chip(ui: &mut Ui, colour: egui::Color32, text: String) {
    ui.horizontal(|ui| {
        let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter().circle_filled(dot.center(), 4.5, colour);
        ui.label(text);
    });
}

/// "3 d 4 h", "2 h 5 min", "45 s": a distance a person reads at a glance.
pub fn human_seconds(seconds: i64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min {s} s"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}
