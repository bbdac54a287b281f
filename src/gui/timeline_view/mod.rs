//! The bottom panel: the timeline of matched reports with a brush that sets the date
//! filter, the activity pattern by local weekday and hour, and when each location was
//! active. Everything is derived from the workspace and cached per filter generation.

mod charts;

use super::background;
use super::theme;
use super::workspace::{Intent, Notice, Workspace};
use crate::gui::file_dialogs::FileRequest;
use charts::*;
use compound_atlas_core::analysis::filter::{Filter, FilteredView, apply_with_triage};
use compound_atlas_core::analysis::timeline::{
    BinSize, Span, Timeline, activity, date_of_day, day_number, spans, timeline, zone_of_country,
};
use compound_atlas_core::model::Dataset;
use compound_atlas_core::values::time::{ImportZone, format_time};
use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, GridInput, GridMark, Legend, Plot, Span as PlotSpan};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Timeline,
    Activity,
    Comparison,
}

/// Whose local time the activity pattern uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneChoice {
    /// The zone of the selected (or only) location's country.
    Location,
    Utc,
    Named(String),
}

/// What the figures were derived for: the filter generation, bin, split and zone.
type FiguresKey = (u64, Option<BinSize>, bool, ZoneChoice);

/// What is derived from the filtered matches; recomputed only when they change.
struct Figures {
    /// The data the figures' location indexes point into.
    dataset: Arc<Dataset>,
    timeline: Timeline,
    activity: [[u64; 24]; 7],
    activity_zone: ImportZone,
    /// The zone in words, with why it was chosen.
    activity_zone_name: String,
    spans: Vec<Span>,
}

pub struct TimelineView {
    pub tab: Tab,
    /// `None`: the bin follows the span shown.
    pub bin: Option<BinSize>,
    pub split: bool,
    pub zone: ZoneChoice,
    brush_from: Option<f64>,
    /// Where the timeline chart was last drawn (screen points).
    pub plot_rect: Option<egui::Rect>,
    derived: background::Derived<FiguresKey, Figures>,
    /// Messages from screenshot callbacks, which run later.
    png_result: Arc<Mutex<Option<Notice>>>,
    /// Where to save the chart, asked of the user.
    pub(crate) files: crate::gui::file_dialogs::ViewFiles,
}

impl Default for TimelineView {
    fn default() -> Self {
        TimelineView {
            tab: Tab::Timeline,
            bin: None,
            split: false,
            zone: ZoneChoice::Location,
            brush_from: None,
            plot_rect: None,
            derived: background::Derived::default(),
            png_result: Arc::new(Mutex::new(None)),
            files: Default::default(),
        }
    }
}

const SPLIT_TOP: usize = 5;

const SERIES_COLOURS: [Color32; 6] = [
    Color32::from_rgb(0xd9, 0x48, 0x2b),
    Color32::from_rgb(0x3a, 0x7c, 0xc2),
    Color32::from_rgb(0x4c, 0xa0, 0x5a),
    Color32::from_rgb(0x8e, 0x5c, 0xb8),
    Color32::from_rgb(0xe0, 0x9a, 0x1f),
    Color32::from_rgb(0x8a, 0x8a, 0x8a),
];

impl TimelineView {
    /// The zone the activity pattern is drawn in, and its name for the user.
    fn activity_zone(
        choice: &ZoneChoice,
        dataset: &Dataset,
        view: &FilteredView,
        selection: &BTreeSet<String>,
    ) -> (ImportZone, String) {
        match choice {
            ZoneChoice::Utc => (ImportZone::Utc, "UTC".into()),
            ZoneChoice::Named(name) => match name.parse::<ImportZone>() {
                Ok(zone) => (zone, name.clone()),
                Err(_) => (ImportZone::Utc, format!("UTC ({name} is not a time zone)")),
            },
            ZoneChoice::Location => {
                // The selected locations' countries, or the countries with matches.
                let countries: BTreeSet<&str> = if selection.is_empty() {
                    view.matches
                        .iter()
                        .map(|m| {
                            dataset.locations
                                [dataset.observations[m.observation as usize].location as usize]
                                .country
                                .as_str()
                        })
                        .collect()
                } else {
                    dataset
                        .locations
                        .iter()
                        .filter(|l| selection.contains(&l.id))
                        .map(|l| l.country.as_str())
                        .collect()
                };
                let mut zones: Vec<chrono_tz::Tz> = countries
                    .iter()
                    .filter_map(|c| zone_of_country(c))
                    .collect();
                zones.sort_by_key(|tz| tz.name());
                zones.dedup();
                match (zones.len(), zones.first()) {
                    (1, Some(&tz)) => (
                        ImportZone::Named(tz),
                        format!("{} (local time of the locations shown)", tz.name()),
                    ),
                    _ => (
                        ImportZone::Utc,
                        "UTC (the locations shown span several time zones; select one)".into(),
                    ),
                }
            }
        }
    }

    /// Recompute the figures when the filter, bin, split or zone changed; in the
    /// background when there are many matches, while the old figures stay on screen.
    fn refresh(&mut self, workspace: &Workspace, ctx: &egui::Context) {
        let key = (
            workspace.view_generation,
            self.bin,
            self.split,
            self.zone.clone(),
        );
        let dataset = workspace.dataset.clone();
        let all_matches = workspace.matches.clone();
        let view = workspace.view.clone();
        let triage = workspace.triage.clone();
        let selection = workspace.selection.clone();
        // The timeline shows every date, so that the chosen range is seen in context.
        let without_dates = Filter {
            from: None,
            to: None,
            ..workspace.effective_filter()
        };
        let (choice, bin, split) = (self.zone.clone(), self.bin, self.split);
        let items = all_matches.matches.len().max(view.matches.len());
        self.derived.request(
            key,
            items,
            items >= background::INLINE_ITEMS,
            ctx,
            move |_cancel| {
                let (zone, zone_name) = Self::activity_zone(&choice, &dataset, &view, &selection);
                let context = apply_with_triage(&dataset, &all_matches, &without_dates, &triage);
                let times = || {
                    context
                        .matches
                        .iter()
                        .map(|m| dataset.events.time[m.event as usize])
                };
                let span_days = match (times().min(), times().max()) {
                    (Some(first), Some(last)) => (last - first) / 86_400_000_000_000,
                    _ => 0,
                };
                let size = bin.unwrap_or(BinSize::auto(span_days));
                let split = split.then_some(SPLIT_TOP);
                Some(Figures {
                    timeline: timeline(&dataset, &context.matches, size, ImportZone::Utc, split),
                    activity: activity(&dataset, &view.matches, zone),
                    activity_zone: zone,
                    activity_zone_name: zone_name,
                    spans: spans(&dataset, &view.matches),
                    dataset,
                })
            },
        );
    }

    /// Whether the figures are being recomputed in the background.
    pub fn is_building(&self) -> bool {
        self.derived.building().is_some()
    }

    pub fn ui(&mut self, ui: &mut Ui, workspace: &Workspace, intents: &mut Vec<Intent>) {
        if let Some(notice) = self.png_result.lock().ok().and_then(|mut r| r.take()) {
            intents.push(Intent::Notify(notice));
        }
        self.refresh(workspace, ui.ctx());
        // Every tab fills the panel: one that drew less would shrink the panel for all.
        ui.set_min_height(ui.available_height());
        let panel_rect = ui.max_rect();
        match self.files.take_answer() {
            Some((FileRequest::ChartCsv(_), path)) => self.save_csv(path, intents),
            Some((FileRequest::ChartPng(_), path)) => {
                save_region_as_png(ui.ctx(), panel_rect, path, Arc::clone(&self.png_result))
            }
            _ => {}
        }
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.tab, Tab::Timeline, "Timeline");
            ui.selectable_value(&mut self.tab, Tab::Activity, "Activity pattern");
            ui.selectable_value(&mut self.tab, Tab::Comparison, "Location comparison");
            ui.separator();
            if ui.button("Save CSV…").clicked() {
                let name = self.file_name("csv");
                self.files.ask(FileRequest::ChartCsv(name));
            }
            if ui.button("Save PNG…").clicked() {
                let name = self.file_name("png");
                self.files.ask(FileRequest::ChartPng(name));
            }
            if let Some(matches) = self.derived.building() {
                ui.spinner();
                ui.label(format!(
                    "Recomputing over {}…",
                    compound_atlas_core::values::text::count(matches as u64, "match", "matches")
                ));
            }
        });
        match self.tab {
            Tab::Timeline => self.timeline_ui(ui, workspace, intents),
            Tab::Activity => self.activity_ui(ui),
            Tab::Comparison => self.comparison_ui(ui),
        }
    }

    fn timeline_ui(&mut self, ui: &mut Ui, workspace: &Workspace, intents: &mut Vec<Intent>) {
        let Some(derived) = self.derived.value() else {
            return;
        };
        let t = &derived.timeline;
        let (mut bin, mut split) = (self.bin, self.split);
        ui.horizontal_wrapped(|ui| {
            timeline_controls(ui, t, &mut bin, &mut split, workspace, intents)
        });
        (self.bin, self.split) = (bin, split);
        if t.starts.is_empty() {
            ui.label("No matches under the filter.");
            return;
        }
        let ends: Vec<i64> = t
            .starts
            .iter()
            .map(|&s| day_number(t.size.next(s)))
            .collect();
        let charts = timeline_charts(t, &ends, self.split);
        let range = (workspace.filter.from, workspace.filter.to);
        let brush_from = self.brush_from;
        // Headroom above the tallest bar for the legend, and a month's width at least, so
        // that a few bars do not fill the chart.
        let top = charts::tallest_bar(t) as f64 * 1.3 + 1.0;
        let (first_day, last_day) = (
            day_number(t.starts[0]) as f64,
            *ends.last().unwrap_or(&0) as f64,
        );
        let pad = ((30.0 - (last_day - first_day)) / 2.0).max(0.0);
        let response = Plot::new("timeline-plot")
            .legend(Legend::default())
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_double_click_reset(false)
            .include_y(0.0)
            .include_y(top)
            .include_x(first_day - pad)
            .include_x(last_day + pad)
            .y_grid_spacer(charts::count_marks)
            .y_axis_formatter(|mark, _| format!("{}", mark.value.round() as i64))
            .y_axis_label("reports")
            .x_axis_formatter(|mark, _| {
                let date = date_of_day(mark.value.round() as i64);
                match mark.step_size {
                    s if s >= 365.0 => date.format("%Y").to_string(),
                    s if s >= 28.0 => date.format("%b %Y").to_string(),
                    // Days carry the year too: a short range may show no January.
                    s if s >= 7.0 => date.format("%-d %b %Y").to_string(),
                    _ => date.format("%-d %b").to_string(),
                }
            })
            .x_grid_spacer(date_marks)
            .show(ui, |plot| {
                if range.0.is_some() || range.1.is_some() {
                    let from = range
                        .0
                        .map_or(day_number(t.starts[0]) as f64, |d| day_number(d) as f64);
                    let to = range.1.map_or(*ends.last().unwrap_or(&0) as f64, |d| {
                        (day_number(d) + 1) as f64
                    });
                    plot.span(
                        PlotSpan::new("Date filter", from..=to)
                            .fill(theme::NEUTRAL.gamma_multiply(0.25)),
                    );
                }
                if let (Some(start), Some(pointer)) = (brush_from, plot.pointer_coordinate()) {
                    plot.span(
                        PlotSpan::new("Dragging", start.min(pointer.x)..=start.max(pointer.x))
                            .fill(theme::NEUTRAL.gamma_multiply(0.35)),
                    );
                }
                for chart in charts {
                    plot.bar_chart(chart);
                }
            });
        self.take_brush(&response, workspace, intents);
    }

    /// A drag across the chart sets the date range; a double-click clears it.
    fn take_brush(
        &mut self,
        response: &egui_plot::PlotResponse<()>,
        workspace: &Workspace,
        intents: &mut Vec<Intent>,
    ) {
        let r = &response.response;
        self.plot_rect = Some(r.rect);
        let day_at = |pos: egui::Pos2| response.transform.value_from_position(pos).x;
        if r.double_clicked() {
            self.brush_from = None;
            intents.push(Intent::SetFilter(Filter {
                from: None,
                to: None,
                ..workspace.filter.clone()
            }));
        } else if r.drag_started() {
            // Where the button went down, not where the drag was first noticed a few
            // pixels (and days) later.
            let pressed = r.ctx.input(|i| i.pointer.press_origin());
            self.brush_from = pressed.or(r.interact_pointer_pos()).map(day_at);
        } else if r.drag_stopped()
            && let (Some(start), Some(end)) =
                (self.brush_from.take(), r.interact_pointer_pos().map(day_at))
        {
            let (low, high) = (start.min(end), start.max(end));
            // A click without a drag is not a range.
            if high - low >= 0.5 {
                intents.push(Intent::SetFilter(Filter {
                    from: Some(date_of_day(low.floor() as i64)),
                    to: Some(date_of_day(high.floor() as i64)),
                    ..workspace.filter.clone()
                }));
            }
        }
    }

    fn activity_ui(&mut self, ui: &mut Ui) {
        zone_choice(ui, &mut self.zone);
        let Some(derived) = self.derived.value() else {
            return;
        };
        let grid = &derived.activity;
        let total: u64 = grid.iter().flatten().sum();
        ui.label(format!(
            "{} matched events by weekday and hour, in {}. Shifts show as bands.",
            compound_atlas_core::values::text::thousands(total),
            derived.activity_zone_name
        ));
        heatmap(ui, grid);
    }

    fn comparison_ui(&mut self, ui: &mut Ui) {
        let Some(derived) = self.derived.value() else {
            return;
        };
        let spans = &derived.spans;
        if spans.is_empty() {
            ui.label("No matches under the filter.");
            return;
        }
        let first_month = spans
            .iter()
            .flat_map(|s| s.months.iter())
            .min()
            .copied()
            .unwrap_or((1970, 1));
        let last_month = spans
            .iter()
            .flat_map(|s| s.months.iter())
            .max()
            .copied()
            .unwrap_or(first_month);
        let month_count =
            ((last_month.0 - first_month.0) * 12 + last_month.1 as i32 - first_month.1 as i32 + 1)
                .max(1) as usize;
        ui.label(format!(
            "Active months from {}-{:02} to {}-{:02}, earliest first.",
            first_month.0, first_month.1, last_month.0, last_month.1
        ));
        use egui_extras::{Column, TableBuilder};
        TableBuilder::new(ui)
            .striped(true)
            .column(Column::initial(230.0).clip(true))
            .column(Column::initial(70.0))
            .columns(Column::initial(160.0), 2)
            .column(Column::remainder())
            .header(20.0, |mut header| {
                for title in ["Location", "Reports", "First match", "Last match"] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
                header.col(|ui| month_axis(ui, first_month, month_count));
            })
            .body(|body| {
                body.rows(18.0, spans.len(), |mut row| {
                    let span = &spans[row.index()];
                    row.col(|ui| {
                        ui.label(&derived.dataset.locations[span.location as usize].name);
                    });
                    row.col(|ui| {
                        ui.label(span.reports.to_string());
                    });
                    row.col(|ui| {
                        ui.label(format_time(span.first));
                    });
                    row.col(|ui| {
                        ui.label(format_time(span.last));
                    });
                    row.col(|ui| {
                        let width = ui.available_width().max(60.0);
                        let (rect, _) =
                            ui.allocate_exact_size(egui::vec2(width, 12.0), egui::Sense::hover());
                        let step = width / month_count as f32;
                        for &(y, m) in &span.months {
                            let index =
                                ((y - first_month.0) * 12 + m as i32 - first_month.1 as i32) as f32;
                            let min = egui::pos2(rect.left() + index * step, rect.top());
                            ui.painter().rect_filled(
                                egui::Rect::from_min_size(min, egui::vec2(step.max(1.5), 12.0)),
                                0.0,
                                theme::IP_TIME,
                            );
                        }
                    });
                });
            });
    }

    /// The suggested file name of the chart shown.
    fn file_name(&self, extension: &str) -> String {
        let stem = match self.tab {
            Tab::Timeline => "timeline",
            Tab::Activity => "activity",
            Tab::Comparison => "location_activity",
        };
        format!("{stem}.{extension}")
    }

    fn save_csv(&self, path: PathBuf, intents: &mut Vec<Intent>) {
        use compound_atlas_core::analysis::timeline as charts;
        let Some(derived) = self.derived.value() else {
            return;
        };
        let written = match self.tab {
            Tab::Timeline => charts::write_timeline_csv(&path, &derived.timeline),
            Tab::Activity => {
                charts::write_activity_csv(&path, &derived.activity, derived.activity_zone)
            }
            Tab::Comparison => {
                let rows: Vec<(String, Span)> = derived
                    .spans
                    .iter()
                    .map(|s| {
                        let location = &derived.dataset.locations[s.location as usize];
                        (location.id.clone(), s.clone())
                    })
                    .collect();
                charts::write_spans_csv(&path, &rows)
            }
        };
        intents.push(Intent::Notify(Notice::of_save(&path, written)));
    }
}

/// Save a region of the next frame as PNG; the outcome is left in `result`.
pub fn save_region_as_png(
    ctx: &egui::Context,
    rect: egui::Rect,
    path: PathBuf,
    result: Arc<Mutex<Option<Notice>>>,
) {
    let pixels_per_point = ctx.pixels_per_point();
    let repaint = ctx.clone();
    ctx.request_screenshot(move |image| {
        let region = image.region(&rect, Some(pixels_per_point));
        let [width, height] = region.size;
        let bytes: Vec<u8> = region.pixels.iter().flat_map(|p| p.to_array()).collect();
        let outcome = compound_atlas_core::values::atomic::write_atomically(&path, |out| {
            image::write_buffer_with_format(
                out,
                &bytes,
                width as u32,
                height as u32,
                image::ExtendedColorType::Rgba8,
                image::ImageFormat::Png,
            )
            .map_err(std::io::Error::other)
        });
        let notice = Notice::of_save(&path, outcome);
        if let Ok(mut slot) = result.lock() {
            *slot = Some(notice);
        }
        repaint.request_repaint();
    });
}
