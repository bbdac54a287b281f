//! The Links tab: the link chart of the current filter and selection — reports, the
//! addresses and accounts they used, the locations they matched and the reports tied to
//! them — laid out off the UI thread ([`job`]), drawn with egui's painter ([`canvas`]),
//! with pan, zoom, hover, selection, expanding, "find path", drilling into clusters, the
//! clusters table ([`clusters`]) and saving as PNG or SVG. Labels are masked while
//! presenting.

mod canvas;
mod clusters;
mod details;
mod job;

use super::file_dialogs::{FileRequest, ViewFiles};
use super::workspace::{Intent, Notice, Workspace};
use compound_atlas_core::analysis::graph::Node;
use compound_atlas_core::analysis::layout::Previous;
use compound_atlas_core::analysis::link_chart::{
    Chart, ChartSpec, Drill, ItemKey, find_path, item_label,
};
use compound_atlas_core::analysis::mask::Masking;
use compound_atlas_core::map::link_picture::{self, Frame, Look, Marks};
use compound_atlas_core::values::text::{count, thousands};
use egui::{RichText, Ui};
use job::{BuildKey, LayoutJob, Sources};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The chart as last handed over by the worker, with what drawing it needs.
struct Shown {
    chart: Arc<Chart>,
    positions: Vec<[f32; 2]>,
    version: u64,
    looks: Vec<Look>,
    labels: Vec<String>,
    /// Whether `labels` are masked.
    masked: bool,
    progress: f32,
    done: bool,
    layout_time: Duration,
}

impl Shown {
    fn drawing(&self) -> link_picture::Drawing<'_> {
        link_picture::Drawing {
            chart: &self.chart,
            positions: &self.positions,
            looks: &self.looks,
            labels: &self.labels,
        }
    }

    fn index_of(&self, key: ItemKey) -> Option<u32> {
        self.chart.position_of(key).map(|i| i as u32)
    }
}

/// What the user did in the chart this frame, carried out once it is drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Act {
    /// Double-click: open a node, a folded hub or a cluster.
    Open(ItemKey),
    OpenReport(u32),
    /// A click on a report: the detail window shows it if it is open.
    FollowReport(u32),
    FindPath,
    Fit,
    /// Back to the whole chart: no drill, nothing opened or expanded.
    Reset,
    StopLayout,
    Save(FileRequest),
    /// Drill into the groups of these reports (a row of the clusters table).
    FocusReports(Vec<u32>),
}

#[derive(Default)]
pub struct LinksView {
    pub spec: ChartSpec,
    /// Nodes opened by double-click, in order.
    pub expanded: Vec<Node>,
    /// Up to two selected items (two: "find path" between them).
    pub selected: Vec<ItemKey>,
    /// The last path found, or why there is none.
    pub path: Option<Result<Vec<ItemKey>, String>>,
    /// Where the chart is seen from; `None` fits it at the next frame.
    frame: Option<Frame>,
    /// The user moved the view, so a settling layout no longer refits it.
    moved_by_user: bool,
    job: Option<LayoutJob>,
    shown: Option<Shown>,
    pub(crate) hovered: Option<u32>,
    dragging: Option<u32>,
    pub(crate) files: ViewFiles,
    pub(crate) clusters: clusters::ClustersTable,
    /// The user switched the legend off.
    pub hide_legend: bool,
    /// The canvas as last drawn, for saving what is seen.
    canvas: Option<egui::Rect>,
}

impl LinksView {
    /// Whether the chart is built and its layout has settled.
    pub fn is_settled(&self) -> bool {
        self.shown.as_ref().is_some_and(|s| s.done)
            && self.job.as_ref().is_some_and(|job| {
                job.handed
                    .lock()
                    .is_ok_and(|h| h.version == self.shown.as_ref().map_or(0, |s| s.version))
            })
    }

    /// The chart drawn: its items' keys, in order.
    pub fn items(&self) -> Vec<ItemKey> {
        self.shown
            .as_ref()
            .map(|s| s.chart.items.iter().map(|i| i.key).collect())
            .unwrap_or_default()
    }

    /// Where an item was drawn on screen in the last frame.
    pub fn place_of(&self, key: ItemKey) -> Option<egui::Pos2> {
        let shown = self.shown.as_ref()?;
        let frame = self.frame?;
        let (x, y) = frame.to_pixel(*shown.positions.get(shown.index_of(key)? as usize)?);
        Some(self.canvas?.min + egui::vec2(x, y))
    }

    /// Draw the tab; returns a report for the detail window: to open (true), or to show
    /// if the window is open (false).
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        workspace: &Workspace,
        dark: bool,
        presenting: bool,
        intents: &mut Vec<Intent>,
    ) -> Option<(u32, bool)> {
        self.keep_up(ui.ctx(), workspace);
        self.refresh_labels(workspace, presenting);
        let mut acts = Vec::new();
        self.toolbar(ui, workspace, &mut acts);
        let width = ui.available_width();
        egui::Panel::right("links-details")
            .resizable(true)
            .default_size((width * 0.3).clamp(220.0, 290.0))
            .min_size(200.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    self.details(ui, workspace, presenting, intents, &mut acts);
                    ui.separator();
                    self.clusters.ui(ui, workspace, &mut acts);
                });
            });
        self.canvas(ui, dark, &mut acts);
        self.carry_out(acts, dark, intents)
    }

    /// Start a new job when what the chart is of changed; take what the worker handed.
    fn keep_up(&mut self, ctx: &egui::Context, workspace: &Workspace) {
        let key = BuildKey {
            view_generation: workspace.view_generation,
            leads_generation: workspace.leads_generation,
            spec: self.spec.clone(),
            expanded: self.expanded.clone(),
        };
        if self.job.as_ref().is_none_or(|job| job.key != key) {
            let sources = Sources {
                dataset: Arc::clone(&workspace.dataset),
                matches: workspace.view.matches.clone(),
                leads: Arc::clone(&workspace.leads),
            };
            self.job = Some(LayoutJob::start(key, sources, self.previous_places(), ctx));
        }
        self.take_handed(workspace);
    }

    /// Where every item now shown is, by its layout key.
    fn previous_places(&self) -> Previous {
        let Some(shown) = &self.shown else {
            return Previous::new();
        };
        shown
            .chart
            .items
            .iter()
            .zip(&shown.positions)
            .map(|(item, &p)| (item.key.layout_key(), p))
            .collect()
    }

    fn take_handed(&mut self, workspace: &Workspace) {
        let Some(job) = &self.job else { return };
        let handed = job.handed.lock().unwrap_or_else(|p| p.into_inner());
        let Some(chart) = handed.built.clone() else {
            return;
        };
        let same_chart = self
            .shown
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(&s.chart, &chart));
        if same_chart
            && self
                .shown
                .as_ref()
                .is_some_and(|s| s.version == handed.version)
        {
            return;
        }
        if !same_chart {
            let looks = (0..chart.items.len())
                .map(|i| link_picture::look_of(&chart, i, &workspace.leads.links.strength_of))
                .collect();
            self.shown = Some(Shown {
                chart,
                positions: Vec::new(),
                version: 0,
                looks,
                labels: Vec::new(),
                masked: false,
                progress: 0.0,
                done: false,
                layout_time: Duration::ZERO,
            });
            self.hovered = None;
            self.dragging = None;
            if !self.moved_by_user {
                self.frame = None;
            }
        }
        let shown = self.shown.as_mut().expect("set above");
        // The worker hands over only while it lays out; a node is moved by hand only once
        // it has settled, so its places are never overwritten.
        shown.positions.clone_from(&handed.positions);
        shown.version = handed.version;
        shown.progress = handed.progress;
        shown.done = handed.done;
        shown.layout_time = handed.layout_time;
        if !shown.done && !self.moved_by_user {
            // While it settles, keep the whole chart in view.
            self.frame = None;
        }
    }

    /// The items' labels, masked while presenting.
    fn refresh_labels(&mut self, workspace: &Workspace, masked: bool) {
        let Some(shown) = &mut self.shown else { return };
        if shown.labels.len() == shown.chart.items.len() && shown.masked == masked {
            return;
        }
        shown.labels = shown
            .chart
            .items
            .iter()
            .map(|item| {
                item_label(
                    item,
                    &workspace.dataset,
                    &workspace.leads.links,
                    Masking(masked),
                )
            })
            .collect();
        shown.masked = masked;
    }

    /// The buttons above the chart and what it shows, in words.
    fn toolbar(&mut self, ui: &mut Ui, workspace: &Workspace, acts: &mut Vec<Act>) {
        ui.horizontal_wrapped(|ui| {
            if ui.button("Fit").on_hover_text("Show the whole chart").clicked() {
                acts.push(Act::Fit);
            }
            let two = self.selected.len() == 2;
            if ui
                .add_enabled(two, egui::Button::new("Find path"))
                .on_hover_text("The shortest chain between the two selected items (Shift+click selects a second)")
                .on_disabled_hover_text("Select two items: click one, Shift+click another")
                .clicked()
            {
                acts.push(Act::FindPath);
            }
            let changed = self.spec != ChartSpec::default() || !self.expanded.is_empty();
            if ui
                .add_enabled(changed, egui::Button::new("Back to the whole chart"))
                .on_hover_text("Leave the cluster drilled into and fold what was opened")
                .clicked()
            {
                acts.push(Act::Reset);
            }
            let mut legend = !self.hide_legend;
            if ui
                .checkbox(&mut legend, "Legend")
                .on_hover_text("What the shapes and colours mean (hidden on a small chart)")
                .changed()
            {
                self.hide_legend = !legend;
            }
            ui.menu_button("Save…", |ui| {
                if ui.button("As PNG image…").clicked() {
                    acts.push(Act::Save(FileRequest::LinksPng));
                    ui.close();
                }
                if ui.button("As SVG drawing…").clicked() {
                    acts.push(Act::Save(FileRequest::LinksSvg));
                    ui.close();
                }
            });
            ui.separator();
            self.status(ui, workspace, acts);
        });
    }

    fn status(&self, ui: &mut Ui, workspace: &Workspace, acts: &mut Vec<Act>) {
        if workspace.finding_leads() {
            ui.spinner();
            ui.label("finding ties…");
        }
        let Some(shown) = &self.shown else {
            ui.spinner();
            ui.label("building the chart…");
            return;
        };
        let chart = &shown.chart;
        let mut words = format!(
            "{} drawn · {}",
            count(chart.items.len() as u64, "item", "items"),
            count(chart.edges.len() as u64, "line", "lines")
        );
        if chart.by_cluster {
            words.push_str(&format!(
                " · {} nodes in all, drawn by cluster: double-click one to drill in",
                thousands(chart.graph_nodes as u64)
            ));
        }
        ui.label(RichText::new(words).weak());
        if shown.done {
            ui.label(
                RichText::new(format!(
                    "laid out in {:.2} s",
                    shown.layout_time.as_secs_f32()
                ))
                .weak(),
            );
        } else {
            ui.add(
                egui::ProgressBar::new(shown.progress)
                    .desired_width(90.0)
                    .text("laying out"),
            );
            if ui
                .small_button("Stop")
                .on_hover_text("Keep the layout as it is now")
                .clicked()
            {
                acts.push(Act::StopLayout);
            }
        }
    }

    /// Do what the frame asked for; returns a report to open.
    fn carry_out(
        &mut self,
        acts: Vec<Act>,
        dark: bool,
        intents: &mut Vec<Intent>,
    ) -> Option<(u32, bool)> {
        let mut open = None;
        for act in acts {
            match act {
                Act::Open(key) => {
                    let drills = matches!(key, ItemKey::Cluster(_) | ItemKey::Singles(_));
                    self.open(key);
                    if drills {
                        self.refit();
                    }
                }
                Act::OpenReport(r) => open = Some((r, true)),
                Act::FollowReport(r) => open = Some((r, false)),
                Act::FindPath => self.find_path(),
                Act::Fit => self.refit(),
                Act::Reset => {
                    self.spec = ChartSpec::default();
                    self.expanded.clear();
                    self.path = None;
                    self.refit();
                }
                Act::StopLayout => {
                    if let Some(job) = &self.job {
                        job.stop();
                    }
                }
                Act::Save(request) => self.files.ask(request),
                Act::FocusReports(reports) => {
                    self.spec.drill = Some(Drill::Reports(reports));
                    self.path = None;
                    self.refit();
                }
            }
        }
        if let Some((request, path)) = self.files.take_answer() {
            let outcome = self.save(&request, &path, dark);
            intents.push(Intent::Notify(Notice::of_save(&path, outcome)));
        }
        open
    }

    /// Show the whole chart at the next frame, and keep it in view while it settles.
    fn refit(&mut self) {
        self.frame = None;
        self.moved_by_user = false;
    }

    /// Double-click: drill into a cluster, unfold a hub, or expand a node's neighbours.
    fn open(&mut self, key: ItemKey) {
        match key {
            ItemKey::Cluster(_) | ItemKey::Singles(_) => {
                self.spec.drill = Some(Drill::Item(key));
            }
            ItemKey::Leaves(hub) => {
                self.spec.opened.insert(hub);
            }
            ItemKey::Node(Node::Location(_)) | ItemKey::Rest => {}
            ItemKey::Node(node) => {
                if !self.expanded.contains(&node) {
                    self.expanded.push(node);
                }
            }
        }
        self.path = None;
    }

    fn find_path(&mut self) {
        let Some(shown) = &self.shown else { return };
        let [a, b] = self.selected[..] else { return };
        let ends = (shown.index_of(a), shown.index_of(b));
        self.path = Some(match ends {
            (Some(from), Some(to)) => find_path(&shown.chart, from, to)
                .map(|path| {
                    path.iter()
                        .map(|&i| shown.chart.items[i as usize].key)
                        .collect()
                })
                .ok_or_else(|| "These two are not joined in this chart.".to_string()),
            _ => Err("One of the two is no longer drawn.".to_string()),
        });
    }

    /// The marks to draw: the selection and the path, as item numbers.
    fn marks(&self) -> Marks {
        let Some(shown) = &self.shown else {
            return Marks::default();
        };
        let numbers = |keys: &[ItemKey]| keys.iter().filter_map(|&k| shown.index_of(k)).collect();
        Marks {
            selected: numbers(&self.selected),
            path: match &self.path {
                Some(Ok(path)) => numbers(path),
                _ => Vec::new(),
            },
            hovered: self.hovered,
        }
    }

    /// Write what is seen as PNG or SVG.
    fn save(&self, request: &FileRequest, path: &Path, dark: bool) -> std::io::Result<()> {
        let Some(shown) = self
            .shown
            .as_ref()
            .filter(|s| s.positions.len() == s.chart.items.len())
        else {
            return Err(std::io::Error::other("the chart is not built yet"));
        };
        let size = self.canvas.map_or(egui::vec2(1200.0, 800.0), |r| r.size());
        let frame = match self.frame {
            Some(f) => Frame {
                width: size.x,
                height: size.y,
                ..f
            },
            None => Frame::fit(&shown.positions, size.x, size.y),
        };
        let scene = link_picture::plan(shown.drawing(), &frame, &self.marks(), dark, true);
        match request {
            FileRequest::LinksSvg => {
                let svg = link_picture::svg(&scene);
                compound_atlas_core::values::atomic::write_atomically(path, |out| {
                    std::io::Write::write_all(out, svg.as_bytes())
                })
            }
            _ => compound_atlas_core::map::image::save_png(&link_picture::png(&scene), path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::workspace::{Params, embedded_inputs};
    use compound_atlas_core::analysis::graph::graph;
    use compound_atlas_core::analysis::link_chart::chart;

    /// A chart handed over before its places (as a worker once could) is not drawn, and
    /// nothing panics; once the places come, it is.
    #[test]
    fn a_chart_handed_over_without_places_waits_for_them() {
        let workspace = Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap();
        let graph = graph(
            &workspace.dataset,
            &workspace.view.matches,
            &workspace.leads.links,
        );
        let chart = Arc::new(chart(&graph, &ChartSpec::default()));
        let key = BuildKey {
            view_generation: workspace.view_generation,
            leads_generation: workspace.leads_generation,
            spec: ChartSpec::default(),
            expanded: Vec::new(),
        };
        let handed = job::Handed {
            built: Some(Arc::clone(&chart)),
            version: 1,
            ..Default::default()
        };
        let mut view = LinksView {
            job: Some(LayoutJob::handed_over(key, handed)),
            ..Default::default()
        };
        let mut harness = egui_kittest::Harness::new_ui(|ui| {
            view.ui(ui, &workspace, false, false, &mut Vec::new());
        });
        harness.run_steps(2);
        drop(harness);
        assert!(view.place_of(chart.items[0].key).is_none());
        let job = view.job.as_ref().unwrap();
        {
            let mut h = job.handed.lock().unwrap();
            h.positions = vec![[0.0, 0.0]; chart.items.len()];
            h.version = 2;
        }
        let mut harness = egui_kittest::Harness::new_ui(|ui| {
            view.ui(ui, &workspace, false, false, &mut Vec::new());
        });
        harness.run_steps(2);
        drop(harness);
        assert!(view.place_of(chart.items[0].key).is_some());
    }
}
