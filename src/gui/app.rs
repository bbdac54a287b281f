//! The workbench window: [`WorkbenchApp`] and its frame, which draws the panels and the
//! central tab, and applies what the views asked for as intents, in one place.

use super::closing::{Closing, Unsaved};
use super::file_chooser::FileChooser;
use super::file_dialogs::{Picker, native_picker};
use super::tabs::CentralTab;
use super::workspace::{self, Intent, Workspace};
use super::{
    case_panel, headline, leads_view, links_view, map_view, report_window, side_panel, tables_view,
    timeline_view,
};
use egui::{RichText, Ui};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Windows narrower than this fold the side panel to a rail.
const NARROW: f32 = 760.0;

/// How much larger everything is drawn in presentation mode.
const PRESENTATION_ZOOM: f32 = 1.35;

/// The workbench: the workspace (all state that matters) and what only the screen needs
/// (open windows, tabs, tables' sort orders, the map's view).
pub struct WorkbenchApp {
    pub workspace: Workspace,
    pub(crate) dates: side_panel::DateTexts,
    pub(crate) errors_for: Option<u16>,
    pub show_about: bool,
    pub(crate) show_shortcuts: bool,
    pub(crate) show_sources_panel: bool,
    pub(crate) show_timeline_panel: bool,
    pub timeline: timeline_view::TimelineView,
    pub central: CentralTab,
    pub map: map_view::MapView,
    pub links: links_view::LinksView,
    pub leads: leads_view::LeadsView,
    pub locations_table: tables_view::Table,
    pub reports_table: tables_view::Table,
    pub matches_table: tables_view::Table,
    /// The report shown in the detail window.
    pub detail: Option<u32>,
    pub(crate) triage_draft: report_window::TriageDraft,
    pub(crate) dark: bool,
    /// Presentation mode: large type, headline, map and timeline only, identifiers masked.
    pub presenting: bool,
    pub(crate) zoom_before_presenting: f32,
    /// The tab and report window to return to after presenting.
    pub(crate) place_before_presenting: Option<(CentralTab, Option<u32>)>,
    /// Whether the window was narrower than [`NARROW`] in the last frame.
    pub(crate) was_narrow: Option<bool>,
    /// The export dialog, when open, with its choices (kept between exports).
    pub export_dialog: bool,
    pub export_choices: workspace::ExportChoices,
    /// Where a screenshot that was asked for reports whether it was saved.
    pub(crate) screenshot_saved: Option<std::sync::mpsc::Receiver<Result<PathBuf, String>>>,
    pub case_section: case_panel::CaseSection,
    pub show_audit: bool,
    /// The question about unsaved work, when asked.
    pub unsaved: Option<Unsaved>,
    pub(crate) closing: Option<Closing>,
    /// What the user asked for once the work is saved as a case (the "Save as a case…"
    /// answer to the question about unsaved work).
    pub after_saving: Option<Unsaved>,
    /// The window title last set, so that it is sent only when it changes.
    pub(crate) title: String,
    /// Answers questions for a path at once: the platform's dialogs, where this machine
    /// has them (tests answer themselves); `None` leaves them to the built-in chooser.
    pub picker: Option<Picker>,
    /// Why there is no platform dialog, said in the built-in chooser.
    pub(crate) no_platform_dialog: Option<&'static str>,
    /// The setting that always uses the built-in chooser.
    pub built_in_chooser: bool,
    /// The built-in chooser, while it is open.
    pub chooser: Option<FileChooser>,
    /// The folder the built-in chooser was last in.
    pub chooser_dir: Option<PathBuf>,
    /// What waits for the answer to "Save as a case…" in the question about unsaved work.
    pub(crate) awaiting_save_for: Option<Unsaved>,
    /// Where the screenshot asked for is to be saved, once egui has taken it.
    pub(crate) screenshot_to: Option<PathBuf>,
}

impl WorkbenchApp {
    pub fn new(workspace: Workspace) -> Self {
        WorkbenchApp {
            workspace,
            dates: side_panel::DateTexts::default(),
            errors_for: None,
            show_about: false,
            show_shortcuts: false,
            show_sources_panel: true,
            show_timeline_panel: true,
            timeline: timeline_view::TimelineView::default(),
            central: CentralTab::Map,
            map: map_view::MapView::default(),
            links: links_view::LinksView::default(),
            leads: leads_view::LeadsView::default(),
            // Locations with the most IP + time reports first, as the study ranks them.
            locations_table: tables_view::Table::sorted_by(2, true),
            reports_table: tables_view::Table::default(),
            matches_table: tables_view::Table::default(),
            detail: None,
            triage_draft: report_window::TriageDraft::default(),
            dark: false,
            presenting: false,
            zoom_before_presenting: 1.0,
            place_before_presenting: None,
            was_narrow: None,
            export_dialog: false,
            export_choices: workspace::ExportChoices::default(),
            screenshot_saved: None,
            case_section: case_panel::CaseSection::default(),
            show_audit: false,
            unsaved: None,
            closing: None,
            after_saving: None,
            title: String::new(),
            picker: None,
            no_platform_dialog: None,
            built_in_chooser: false,
            chooser: None,
            chooser_dir: None,
            awaiting_save_for: None,
            screenshot_to: None,
        }
        .with_platform_dialogs()
    }

    /// Use the platform's file dialogs where this machine has them.
    fn with_platform_dialogs(mut self) -> Self {
        match native_picker() {
            Ok(picker) => self.picker = Some(picker),
            Err(why) => self.no_platform_dialog = Some(why),
        }
        self
    }

    fn tables_mut(&mut self) -> [(tables_view::Kind, &mut tables_view::Table); 3] {
        [
            (tables_view::Kind::Locations, &mut self.locations_table),
            (tables_view::Kind::Reports, &mut self.reports_table),
            (tables_view::Kind::Matches, &mut self.matches_table),
        ]
    }

    /// The columns hidden in each table, to remember between runs.
    fn hidden_columns(&mut self) -> BTreeMap<String, BTreeSet<String>> {
        self.tables_mut()
            .into_iter()
            .map(|(kind, table)| (kind.key().to_string(), table.hidden.clone()))
            .collect()
    }

    pub(crate) fn set_hidden_columns(&mut self, mut hidden: BTreeMap<String, BTreeSet<String>>) {
        for (kind, table) in self.tables_mut() {
            table.hidden = hidden.remove(kind.key()).unwrap_or_default();
            // A title no longer in the table (renamed since) is forgotten, and one column
            // always stays shown.
            table
                .hidden
                .retain(|t| kind.columns().contains(&t.as_str()));
            if table.hidden.len() >= kind.columns().len() {
                table.hidden.clear();
            }
        }
    }

    /// Draw one frame and apply what the views asked for.
    pub fn frame(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let mut intents = Vec::new();
        self.before_drawing(&ctx, &mut intents);
        let focus_search = self.keyboard(ui, &mut intents);
        if focus_search {
            self.show_sources_panel = true;
        }
        self.dropped_files(ui, &mut intents);
        self.take_screenshot_if_asked(&ctx);
        self.report_saved_screenshot();
        if self.presenting {
            self.presentation(ui, &mut intents);
            self.unsaved_window(&ctx, &mut intents);
            self.ask_for_views(&mut intents);
            self.chooser_window(&ctx, &mut intents);
        } else {
            egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui, &mut intents));
            egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui, &mut intents));
            self.side_panel(ui, focus_search, &mut intents);
            self.timeline_panel(ui, &mut intents);
            self.central_panel(ui, &mut intents);
            self.windows(ui, &mut intents);
            self.ask_for_views(&mut intents);
            self.chooser_window(&ctx, &mut intents);
            intents.push(Intent::SetLayout(self.layout()));
        }
        self.apply_all(intents);
    }

    /// What comes before drawing: a finished job, closing, what waited for a save (its
    /// intents go into this frame's), autosave, a case's layout to show, the title.
    fn before_drawing(&mut self, ctx: &egui::Context, intents: &mut Vec<Intent>) {
        super::theme::readable_small_text(ctx);
        if self.workspace.poll_job() {
            self.dates = side_panel::DateTexts::default();
        }
        self.workspace.refresh_leads();
        self.workspace.refresh_sample();
        if self.workspace.finding_leads() || self.workspace.reading_sample() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        if ctx.input(|i| i.viewport().close_requested()) && !self.may_close() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
        }
        self.continue_closing(ctx);
        self.continue_after_saving(intents);
        if let Some(wait) = self.workspace.autosave_if_due() {
            ctx.request_repaint_after(wait);
        }
        self.restore_layout();
        self.update_title(ctx);
        if self.workspace.is_busy() {
            // Progress is shown at least four times a second while a job runs.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// Apply the frame's intents to the workspace, in the order they were asked for.
    fn apply_all(&mut self, intents: Vec<Intent>) {
        for intent in intents {
            if matches!(intent, Intent::ResetFilter | Intent::ApplyView(_)) {
                self.dates = side_panel::DateTexts::default();
            }
            self.workspace.apply(intent);
        }
    }

    /// The side panel: case, data sources, matching parameters and filters.
    fn side_panel(&mut self, ui: &mut Ui, focus_search: bool, intents: &mut Vec<Intent>) {
        let width = ui.ctx().content_rect().width();
        self.fold_side_panel_when_narrow(width);
        if !self.show_sources_panel {
            self.side_rail(ui);
            return;
        }
        let open_errors = egui::Panel::left("sources")
            .resizable(true)
            .default_size((width * 0.24).clamp(240.0, 330.0))
            .min_size(220.0)
            .max_size((width * 0.3).max(220.0))
            .show_collapsible(ui, &mut self.show_sources_panel, |ui| {
                egui::ScrollArea::vertical()
                    .show(ui, |ui| {
                        let mut open = None;
                        side_panel::side_section(ui, "Case", |ui| {
                            case_panel::case_section(
                                ui,
                                &self.workspace,
                                &mut self.case_section,
                                &mut self.show_audit,
                                intents,
                            );
                        });
                        side_panel::side_section(ui, "Data sources", |ui| {
                            open = side_panel::data_sources(ui, &self.workspace, intents);
                        });
                        side_panel::side_section(ui, "Matching", |ui| {
                            side_panel::matching_params(ui, &self.workspace, intents);
                        });
                        side_panel::side_section(ui, "Filters", |ui| {
                            side_panel::filters(
                                ui,
                                &self.workspace,
                                &mut self.dates,
                                focus_search,
                                intents,
                            );
                        });
                        side_panel::side_section(ui, "Leads", |ui| {
                            side_panel::leads(
                                ui,
                                &self.workspace,
                                &mut self.reports_table.with_leads,
                                intents,
                            );
                        });
                        open
                    })
                    .inner
            })
            .and_then(|r| r.inner);
        if open_errors.is_some() {
            self.errors_for = open_errors;
        }
    }

    /// Below [`NARROW`] the side panel folds to a rail, and opens again above it; the
    /// user's own choice holds until the width crosses the line again.
    fn fold_side_panel_when_narrow(&mut self, width: f32) {
        let narrow = width < NARROW;
        if self.was_narrow != Some(narrow) {
            if self.was_narrow.is_some() || narrow {
                self.show_sources_panel = !narrow;
            }
            self.was_narrow = Some(narrow);
        }
    }

    /// The folded side panel: a strip with the button that opens it.
    fn side_rail(&mut self, ui: &mut Ui) {
        egui::Panel::left("sources-rail")
            .resizable(false)
            .exact_size(34.0)
            .show(ui, |ui| {
                if ui
                    .button(">")
                    .on_hover_text("Show data sources, matching and filters")
                    .clicked()
                {
                    self.show_sources_panel = true;
                }
            });
    }

    /// The timeline and activity panel, below the central area only, so that the side
    /// panel keeps the full height.
    fn timeline_panel(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        let height = ui.ctx().content_rect().height();
        egui::Panel::bottom("timeline")
            .resizable(true)
            .default_size((height * 0.33).clamp(150.0, 300.0))
            .min_size(140.0)
            // At most two fifths of the window (less of a small one), so that the map
            // keeps its room.
            .max_size((height * if height < 700.0 { 0.3 } else { 0.4 }).max(140.0))
            .show_collapsible(ui, &mut self.show_timeline_panel, |ui| {
                self.timeline.ui(ui, &self.workspace, intents);
            });
    }

    /// The headline, the filter in words, the tab strip and the tab shown.
    fn central_panel(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        egui::CentralPanel::default().show(ui, |ui| {
            headline::headline(ui, &self.workspace);
            ui.add_space(4.0);
            headline::filter_line(ui, &self.workspace, intents);
            ui.separator();
            ui.horizontal(|ui| {
                for tab in CentralTab::all() {
                    ui.selectable_value(
                        &mut self.central,
                        tab,
                        RichText::new(tab.label()).heading(),
                    );
                }
            });
            let opened = match self.central {
                CentralTab::Map => {
                    self.map.ui(ui, &self.workspace, self.dark, intents);
                    if std::mem::take(&mut self.map.open_links) {
                        self.central = CentralTab::Links;
                    }
                    None
                }
                CentralTab::Locations => self.locations_table.ui(
                    ui,
                    tables_view::Kind::Locations,
                    &self.workspace,
                    intents,
                ),
                CentralTab::Reports => {
                    self.reports_table
                        .ui(ui, tables_view::Kind::Reports, &self.workspace, intents)
                }
                CentralTab::Matches => {
                    self.matches_table
                        .ui(ui, tables_view::Kind::Matches, &self.workspace, intents)
                }
                CentralTab::Leads => self.leads.ui(ui, &self.workspace, intents),
                CentralTab::Links => {
                    let window_open = self.detail.is_some();
                    self.links
                        .ui(ui, &self.workspace, self.dark, false, intents)
                        .filter(|&(_, open)| open || window_open)
                        .map(|(report, _)| report)
                }
            };
            if opened.is_some() {
                self.detail = opened;
            }
        });
    }

    /// Enter or leave presentation mode. The detail window closes on entering, since it
    /// is full of identifiers.
    pub fn set_presenting(&mut self, ctx: &egui::Context, on: bool) {
        if on == self.presenting {
            return;
        }
        if on {
            self.zoom_before_presenting = ctx.zoom_factor();
            ctx.set_zoom_factor(self.zoom_before_presenting * PRESENTATION_ZOOM);
            self.place_before_presenting = Some((self.central, self.detail.take()));
            self.central = CentralTab::Map;
        } else {
            ctx.set_zoom_factor(self.zoom_before_presenting);
            // Back to the tab and the report window left; the tables keep their scroll.
            if let Some((tab, detail)) = self.place_before_presenting.take() {
                self.central = tab;
                self.detail =
                    detail.filter(|&r| (r as usize) < self.workspace.dataset.reports.len());
            }
        }
        self.presenting = on;
    }

    /// The tab and the report in the detail window, as a case keeps them.
    fn layout(&self) -> compound_atlas_core::case::Layout {
        let report = self
            .detail
            .filter(|&r| (r as usize) < self.workspace.dataset.reports.len())
            .map(|r| self.workspace.dataset.reports.id(r).to_string())
            .unwrap_or_default();
        compound_atlas_core::case::Layout {
            tab: self.central.key().into(),
            report,
            map: self.map.area(),
        }
    }

    /// Show the tab and the report a case was saved with, once it is opened.
    fn restore_layout(&mut self) {
        let Some(layout) = self.workspace.restore_layout.take() else {
            return;
        };
        self.central = CentralTab::from_key(&layout.tab);
        self.detail = self.workspace.dataset.reports.find(&layout.report);
        if let Some(area) = layout.map {
            self.map.show_area(area, &self.workspace.dataset);
        }
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let title = match &self.workspace.case_path {
            Some(path) => format!(
                "{}{} — Compound Atlas",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                if self.workspace.is_modified() {
                    " •"
                } else {
                    ""
                }
            ),
            None => "Compound Atlas".to_string(),
        };
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// Presentation mode: the headline, the map (or the link chart) and the timeline, in
    /// large type, with every identifier masked and a badge that says so.
    fn presentation(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        egui::Panel::top("presenting").show(ui, |ui| {
            ui.horizontal(|ui| {
                egui::Frame::new()
                    .fill(egui::Color32::from_rgb(60, 60, 60))
                    .corner_radius(4.0)
                    .inner_margin(egui::Margin::symmetric(8, 2))
                    .show(ui, |ui| {
                        ui.label(
                            RichText::new("identifiers masked")
                                .strong()
                                .color(egui::Color32::WHITE),
                        );
                    });
                // The map or the link chart: both mask every identifier.
                for tab in [CentralTab::Map, CentralTab::Links] {
                    ui.selectable_value(&mut self.central, tab, tab.label());
                }
                ui.label(RichText::new(self.workspace.effective_filter().describe_masked()).weak());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("Leave presentation (F5)").clicked() {
                        self.set_presenting(ui.ctx(), false);
                    }
                });
            });
        });
        // Its own id, so that the map gets most of the screen whatever size the normal
        // timeline panel was given.
        egui::Panel::bottom("presenting-timeline")
            .resizable(true)
            .default_size(190.0)
            .min_size(140.0)
            .show(ui, |ui| {
                self.timeline.ui(ui, &self.workspace, intents);
            });
        egui::CentralPanel::default().show(ui, |ui| {
            headline::headline(ui, &self.workspace);
            ui.add_space(4.0);
            if self.central == CentralTab::Links {
                // No report window while presenting: it is full of identifiers.
                let _ = self.links.ui(ui, &self.workspace, self.dark, true, intents);
            } else {
                self.map.ui(ui, &self.workspace, self.dark, intents);
            }
        });
    }
}

impl eframe::App for WorkbenchApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let remembered = super::Remembered {
            params: self.workspace.params.clone(),
            dark: self.dark,
            recent: self.workspace.recent.clone(),
            online_tiles_opt_in: self.map.online_opt_in,
            recent_cases: self.workspace.recent_cases.clone(),
            analyst: self.workspace.analyst.clone(),
            built_in_chooser: self.built_in_chooser,
            chooser_dir: self.chooser_dir.clone(),
            hidden_columns: self.hidden_columns(),
        };
        eframe::set_value(storage, super::STORAGE_KEY, &remembered);
    }
}
