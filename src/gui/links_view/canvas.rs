//! The chart on screen: the scene of `map::link_picture` drawn with egui's painter, a
//! legend, and the pointer: scroll or pinch to zoom, drag to pan or to move a node once
//! the layout has settled, hover for details, click to select (Shift+click adds a
//! second), double-click to open.

use super::{Act, LinksView, Shown};
use compound_atlas_core::analysis::graph::Node;
use compound_atlas_core::analysis::link_chart::ItemKey;
use compound_atlas_core::map::link_picture::{
    self, Frame, LABEL_SIZE, LEGEND_ROW, Scene, SceneNode, Shape, colours, corners, legend_box,
};
use egui::{Color32, FontId, Pos2, Rect, Sense, Stroke, Ui, pos2};

/// How far outside a node's edge the pointer still counts as on it, in points.
const HIT_SLACK: f32 = 4.0;

fn colour([r, g, b]: [u8; 3]) -> Color32 {
    Color32::from_rgb(r, g, b)
}

impl LinksView {
    /// Draw the chart in the rest of the tab and read the pointer.
    pub(super) fn canvas(&mut self, ui: &mut Ui, dark: bool, acts: &mut Vec<Act>) {
        let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
        self.canvas = Some(rect);
        let (background, _, _) = colours(dark);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, colour(background));
        let Some(shown) = &self.shown else {
            return;
        };
        if shown.positions.len() != shown.chart.items.len() {
            return;
        }
        if shown.chart.items.is_empty() {
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "No matches under the current filter and selection: nothing to link.",
                FontId::proportional(15.0),
                ui.visuals().weak_text_color(),
            );
            return;
        }
        let frame = *self
            .frame
            .get_or_insert_with(|| Frame::fit(&shown.positions, rect.width(), rect.height()));
        let frame = Frame {
            width: rect.width(),
            height: rect.height(),
            ..frame
        };
        // On a small chart the legend would cover it.
        let show_legend = !self.hide_legend && rect.width() >= 420.0 && rect.height() >= 330.0;
        let scene = link_picture::plan(shown.drawing(), &frame, &self.marks(), dark, show_legend);
        draw(&painter, rect.min, &scene);
        if show_legend {
            legend(&painter, rect, dark);
        }
        let pointer = response.hover_pos();
        self.hovered = pointer.and_then(|p| item_at(&scene, p - rect.min));
        self.pointer_acts(ui, &response, rect, frame, acts);
        if let (Some(item), Some(shown)) = (self.hovered, &self.shown) {
            response.on_hover_ui_at_pointer(|ui| hover_details(ui, shown, item));
        }
    }

    /// Zoom, pan, drag, click and double-click.
    fn pointer_acts(
        &mut self,
        ui: &Ui,
        response: &egui::Response,
        rect: Rect,
        mut frame: Frame,
        acts: &mut Vec<Act>,
    ) {
        let to_local = |p: Pos2| (p.x - rect.min.x, p.y - rect.min.y);
        if response.hovered() {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
            let factor = zoom * (scroll / 300.0).exp();
            if (factor - 1.0).abs() > 1e-4
                && let Some(p) = response.hover_pos()
            {
                let at = frame.to_layout(to_local(p));
                frame.scale = (frame.scale * factor).clamp(0.2, 400.0);
                let (x, y) = to_local(p);
                frame.centre = [
                    at[0] - (x - frame.width / 2.0) / frame.scale,
                    at[1] - (y - frame.height / 2.0) / frame.scale,
                ];
                self.moved_by_user = true;
            }
        }
        if response.drag_started() {
            let settled = self.shown.as_ref().is_some_and(|s| s.done);
            self.dragging = self.hovered.filter(|_| settled);
        }
        if response.dragged() {
            let delta = response.drag_delta() / frame.scale;
            let held = self
                .dragging
                .zip(self.shown.as_mut())
                .and_then(|(item, shown)| shown.positions.get_mut(item as usize));
            match held {
                Some(p) => {
                    p[0] += delta.x;
                    p[1] += delta.y;
                }
                _ => {
                    frame.centre[0] -= delta.x;
                    frame.centre[1] -= delta.y;
                }
            }
            self.moved_by_user = true;
        }
        if response.drag_stopped() {
            self.dragging = None;
        }
        self.frame = Some(frame);
        let key = |item: u32| {
            self.shown
                .as_ref()
                .map(|s: &Shown| s.chart.items[item as usize].key)
        };
        if response.double_clicked() {
            if let Some(key) = self.hovered.and_then(key) {
                acts.push(Act::Open(key));
            }
        } else if response.clicked() {
            let adding = ui.input(|i| i.modifiers.shift || i.modifiers.command);
            match self.hovered.and_then(key) {
                Some(key) => {
                    self.select(key, adding);
                    if let ItemKey::Node(Node::Report(r)) = key
                        && !adding
                    {
                        acts.push(Act::FollowReport(r));
                    }
                }
                None if !adding => self.selected.clear(),
                None => {}
            }
        }
    }

    /// Select an item; with `adding`, keep the last one too (two at most).
    fn select(&mut self, key: ItemKey, adding: bool) {
        if adding {
            self.selected.retain(|&k| k != key);
            self.selected.push(key);
            if self.selected.len() > 2 {
                self.selected.remove(0);
            }
        } else {
            self.selected = vec![key];
        }
    }
}

/// The node under a point (local pixels) whose centre is nearest: where nodes overlap,
/// pointing at one's centre picks it.
fn item_at(scene: &Scene, p: egui::Vec2) -> Option<u32> {
    scene
        .nodes
        .iter()
        .map(|n| (n, (n.at.0 - p.x).powi(2) + (n.at.1 - p.y).powi(2)))
        .filter(|(n, d2)| *d2 <= (n.look.radius + HIT_SLACK).powi(2))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(n, _)| n.item)
}

/// Lines, labels and nodes, offset to the canvas.
fn draw(painter: &egui::Painter, origin: Pos2, scene: &Scene) {
    let at = |(x, y): (f32, f32)| pos2(origin.x + x, origin.y + y);
    let (background, text, halo) = colours(scene.dark);
    for l in &scene.lines {
        painter.line_segment([at(l.from), at(l.to)], Stroke::new(l.width, colour(l.rgb)));
    }
    // Labels before nodes: a label's backing never hides a node (egui's text runs a
    // little wider than the measure labels were placed by).
    let font = FontId::proportional(LABEL_SIZE);
    for l in &scene.labels {
        let galley = painter.layout_no_wrap(l.text.clone(), font.clone(), colour(text));
        let corner = at(l.at);
        painter.rect_filled(
            Rect::from_min_size(corner, galley.size()).expand(1.0),
            2.0,
            colour(halo).gamma_multiply(0.8),
        );
        painter.galley(corner, galley, colour(text));
    }
    for n in &scene.nodes {
        node(
            painter,
            at(n.at),
            n,
            colour(if n.marked { text } else { background }),
        );
    }
}

fn node(painter: &egui::Painter, centre: Pos2, n: &SceneNode, outline: Color32) {
    let r = n.look.radius;
    let stroke = Stroke::new(if n.marked { 2.5 } else { 1.0 }, outline);
    let fill = colour(n.look.fill);
    if n.look.shape == Shape::Circle {
        painter.circle(centre, r, fill, stroke);
        return;
    }
    let points = corners(n.look.shape, (centre.x, centre.y), r)
        .into_iter()
        .map(|(x, y)| pos2(x, y))
        .collect();
    painter.add(egui::Shape::convex_polygon(points, fill, stroke));
}

/// What each shape and colour means, in the lower left corner ([`legend_box`]).
fn legend(painter: &egui::Painter, rect: Rect, dark: bool) {
    let (background, text, _) = colours(dark);
    let [x0, y0, x1, y1] = legend_box(rect.height());
    let at = |x: f32, y: f32| pos2(rect.min.x + x, rect.min.y + y);
    painter.rect_filled(
        Rect::from_min_max(at(x0, y0), at(x1, y1)),
        4.0,
        colour(background),
    );
    let entries = link_picture::legend();
    for (i, (name, look)) in entries.iter().enumerate() {
        let y = y0 + 4.0 + LEGEND_ROW * i as f32 + LEGEND_ROW / 2.0;
        let shown = SceneNode {
            item: 0,
            at: (0.0, 0.0),
            look: link_picture::Look {
                radius: look.radius.min(6.0),
                ..*look
            },
            marked: false,
        };
        node(painter, at(x0 + 12.0, y), &shown, colour(background));
        painter.text(
            at(x0 + 24.0, y),
            egui::Align2::LEFT_CENTER,
            *name,
            FontId::proportional(11.0),
            colour(text),
        );
    }
}

/// The hover card: the item's label, what it holds and its lines.
fn hover_details(ui: &mut Ui, shown: &Shown, item: u32) {
    let chart = &shown.chart;
    let it = &chart.items[item as usize];
    ui.strong(&shown.labels[item as usize]);
    ui.label(super::details::kind_name(it.key));
    if it.members.len() > 1 {
        ui.label(format!(
            "{} nodes, {} of them reports",
            it.members.len(),
            it.reports
        ));
    }
    let lines = chart.neighbours(item).count();
    ui.label(format!("{lines} lines"));
    ui.weak(super::details::open_hint(it.key));
}
