//! The link chart without a screen: each item's shape and colour, the scene of a laid-out
//! chart in pixels (lines, nodes, labels that do not collide), and that scene as SVG or
//! PNG. The workbench draws the same scene with egui's painter, so that the saved picture
//! and the screen agree. Writing the scene as SVG and PNG is in `files.rs`.

mod files;

pub use files::{png, svg};

use super::basemap::labels::LabelPlacer;
use super::image::measure;
use crate::analysis::graph::{LinkGraph, Node, Relation};
use crate::analysis::layout::weight_of;
use crate::analysis::link_chart::{Chart, ItemKey};
use crate::analysis::link_chart::{ChartSpec, chart, item_label};
use crate::analysis::links::Links;
use crate::analysis::mask::Masking;
use crate::matching::Strength;
use crate::model::Dataset;
use hashbrown::HashMap;

/// How a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Diamond,
    Triangle,
    Hexagon,
}

/// A node's shape, fill and size (radius in pixels at zoom 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    pub shape: Shape,
    pub fill: [u8; 3],
    pub radius: f32,
}

/// The colours of a report by its best match (none: a lead).
pub const IP_TIME: [u8; 3] = [196, 40, 40];
pub const IP_ONLY: [u8; 3] = [226, 132, 20];
pub const LEAD: [u8; 3] = [45, 108, 200];
pub const ADDRESS: [u8; 3] = [100, 112, 130];
pub const LOCATION: [u8; 3] = [122, 58, 160];
pub const ACCOUNT: [u8; 3] = [34, 150, 90];
pub const CROWDED: [u8; 3] = [90, 90, 90];
pub const GROUP: [u8; 3] = [20, 128, 140];

/// Every kind of node with its look and name, for a legend.
pub fn legend() -> [(&'static str, Look); 8] {
    let look = |shape, fill, radius| Look {
        shape,
        fill,
        radius,
    };
    [
        ("report, IP + time", look(Shape::Circle, IP_TIME, 6.0)),
        ("report, IP only", look(Shape::Circle, IP_ONLY, 6.0)),
        ("report, lead (no match)", look(Shape::Circle, LEAD, 6.0)),
        ("address", look(Shape::Square, ADDRESS, 5.0)),
        ("location", look(Shape::Diamond, LOCATION, 9.0)),
        ("account", look(Shape::Triangle, ACCOUNT, 6.0)),
        (
            "shared by many (collection)",
            look(Shape::Hexagon, CROWDED, 8.0),
        ),
        ("cluster or group", look(Shape::Circle, GROUP, 10.0)),
    ]
}

/// How an item is drawn: by the kind of node, a report by its best match, a group by
/// how many it holds.
pub fn look_of(chart: &Chart, item: usize, strength_of: &HashMap<u32, Strength>) -> Look {
    let item = &chart.items[item];
    // Integer steps (doublings), so that a picture is the same on every machine.
    let grown = 8.0 + 1.7 * (weight_of(item.members.len()) - 1.0);
    let (shape, fill, radius) = match item.key {
        ItemKey::Node(Node::Report(r)) => match strength_of.get(&r) {
            Some(Strength::IpTime) => (Shape::Circle, IP_TIME, 6.0),
            Some(Strength::IpOnly) => (Shape::Circle, IP_ONLY, 6.0),
            None => (Shape::Circle, LEAD, 6.0),
        },
        ItemKey::Node(Node::Address(_)) => (Shape::Square, ADDRESS, 5.0),
        ItemKey::Node(Node::Location(_)) => (Shape::Diamond, LOCATION, 10.0),
        ItemKey::Node(Node::Account(_)) => (Shape::Triangle, ACCOUNT, 6.0),
        ItemKey::Node(Node::Collection(_)) | ItemKey::Leaves(_) => {
            (Shape::Hexagon, CROWDED, grown.min(16.0))
        }
        ItemKey::Cluster(_) | ItemKey::Singles(_) | ItemKey::Rest => {
            (Shape::Circle, GROUP, grown.min(30.0))
        }
    };
    Look {
        shape,
        fill,
        radius,
    }
}

/// A line's colour: a match by its strength, a use in the theme's grey.
pub fn line_colour(relation: Relation, strength: Option<Strength>, dark: bool) -> [u8; 3] {
    match (relation, strength) {
        (Relation::MatchedAt, Some(Strength::IpTime)) => IP_TIME,
        (Relation::MatchedAt, _) => IP_ONLY,
        (Relation::Used, _) if dark => [120, 124, 132],
        (Relation::Used, _) => [165, 170, 178],
    }
}

/// Where the chart is seen from: layout units to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// The layout point at the picture's centre.
    pub centre: [f32; 2],
    /// Pixels per layout unit.
    pub scale: f32,
    pub width: f32,
    pub height: f32,
}

impl Frame {
    /// The frame that shows every position with a margin.
    pub fn fit(positions: &[[f32; 2]], width: f32, height: f32) -> Frame {
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in positions {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        if positions.is_empty() {
            (lo, hi) = ([-1.0; 2], [1.0; 2]);
        }
        let span = [(hi[0] - lo[0]).max(1.0), (hi[1] - lo[1]).max(1.0)];
        let margin = 60.0;
        let scale = ((width - 2.0 * margin).max(10.0) / span[0])
            .min((height - 2.0 * margin).max(10.0) / span[1])
            .clamp(0.5, 80.0);
        Frame {
            centre: [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0],
            scale,
            width,
            height,
        }
    }

    pub fn to_pixel(&self, p: [f32; 2]) -> (f32, f32) {
        (
            self.width / 2.0 + (p[0] - self.centre[0]) * self.scale,
            self.height / 2.0 + (p[1] - self.centre[1]) * self.scale,
        )
    }

    pub fn to_layout(&self, (x, y): (f32, f32)) -> [f32; 2] {
        [
            self.centre[0] + (x - self.width / 2.0) / self.scale,
            self.centre[1] + (y - self.height / 2.0) / self.scale,
        ]
    }
}

/// With more nodes in view than this and fewer pixels per layout unit than
/// `LABEL_ALL_FROM`, only locations, groups and marked items are labelled.
const LABEL_ALL_UP_TO: usize = 1_500;
const LABEL_ALL_FROM: f32 = 28.0;

/// Below this many pixels per layout unit, nodes are drawn smaller.
const SHRINK_BELOW: f32 = 12.0;

/// At most this many labels in one picture.
const MAX_LABELS: usize = 400;

/// The font size of labels, in pixels.
pub const LABEL_SIZE: f32 = 12.0;

/// What to stress: the selected items and a path between two of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marks {
    pub selected: Vec<u32>,
    pub path: Vec<u32>,
    pub hovered: Option<u32>,
}

impl Marks {
    fn marked(&self, item: u32) -> bool {
        self.selected.contains(&item) || self.path.contains(&item) || self.hovered == Some(item)
    }

    fn on_path(&self, a: u32, b: u32) -> bool {
        self.path
            .windows(2)
            .any(|w| (w[0] == a && w[1] == b) || (w[0] == b && w[1] == a))
    }
}

/// A line in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SceneLine {
    pub from: (f32, f32),
    pub to: (f32, f32),
    pub rgb: [u8; 3],
    pub width: f32,
}

/// A node in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SceneNode {
    pub item: u32,
    pub at: (f32, f32),
    pub look: Look,
    pub marked: bool,
}

/// A label with its top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneLabel {
    pub text: String,
    pub at: (f32, f32),
}

/// Everything drawn, in pixels, in drawing order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scene {
    pub lines: Vec<SceneLine>,
    pub nodes: Vec<SceneNode>,
    pub labels: Vec<SceneLabel>,
    pub dark: bool,
    pub width: f32,
    pub height: f32,
    /// Whether the legend is drawn (in [`legend_box`]).
    pub legend: bool,
}

/// One row of the legend, in pixels.
pub const LEGEND_ROW: f32 = 16.0;

/// Where the legend sits: the lower left corner of a picture `height` pixels high.
pub fn legend_box(height: f32) -> [f32; 4] {
    let rows = legend().len() as f32;
    let (w, h) = (190.0, LEGEND_ROW * rows + 8.0);
    [8.0, height - h - 8.0, 8.0 + w, height - 8.0]
}

/// A laid-out chart with each item's look and label, by item.
#[derive(Debug, Clone, Copy)]
pub struct Drawing<'a> {
    pub chart: &'a Chart,
    pub positions: &'a [[f32; 2]],
    pub looks: &'a [Look],
    pub labels: &'a [String],
}

/// The scene of a laid-out chart: lines (those on the path wide), nodes, and labels
/// placed beside their nodes where they collide with nothing, marked items first, then
/// locations and groups, then the largest.
pub fn plan(
    Drawing {
        chart,
        positions,
        looks,
        labels,
    }: Drawing,
    frame: &Frame,
    marks: &Marks,
    dark: bool,
    legend: bool,
) -> Scene {
    let at: Vec<(f32, f32)> = positions.iter().map(|&p| frame.to_pixel(p)).collect();
    let visible = |(x, y): (f32, f32), r: f32| {
        x + r >= 0.0 && y + r >= 0.0 && x - r <= frame.width && y - r <= frame.height
    };
    let mut lines = Vec::new();
    let mut path_lines = Vec::new();
    for e in &chart.edges {
        let (from, to) = (at[e.a as usize], at[e.b as usize]);
        if !visible(from, 0.0) && !visible(to, 0.0) && !crosses(from, to, frame) {
            continue;
        }
        let rgb = line_colour(e.relation, e.strength, dark);
        let width = (0.5 * weight_of(e.events as usize)).clamp(1.0, 3.0);
        if marks.on_path(e.a, e.b) {
            path_lines.push(SceneLine {
                from,
                to,
                rgb: [255, 196, 0],
                width: width + 3.0,
            });
        } else {
            lines.push(SceneLine {
                from,
                to,
                rgb,
                width,
            });
        }
    }
    lines.extend(path_lines);
    // Zoomed far out, nodes shrink so that neighbours do not cover each other.
    let shrink = (frame.scale / SHRINK_BELOW).clamp(0.35, 1.0);
    let nodes: Vec<SceneNode> = (0..chart.items.len())
        .filter(|&i| visible(at[i], looks[i].radius))
        .map(|i| SceneNode {
            item: i as u32,
            at: at[i],
            look: Look {
                radius: looks[i].radius * shrink,
                ..looks[i]
            },
            marked: marks.marked(i as u32),
        })
        .collect();
    let keep_clear = legend.then(|| legend_box(frame.height));
    let labels = place_labels(chart, &nodes, labels, frame, marks, keep_clear);
    Scene {
        lines,
        nodes,
        labels,
        dark,
        width: frame.width,
        height: frame.height,
        legend,
    }
}

/// Whether a line from outside the frame to outside it may still cross it.
fn crosses(from: (f32, f32), to: (f32, f32), frame: &Frame) -> bool {
    let (x0, x1) = (from.0.min(to.0), from.0.max(to.0));
    let (y0, y1) = (from.1.min(to.1), from.1.max(to.1));
    x1 >= 0.0 && y1 >= 0.0 && x0 <= frame.width && y0 <= frame.height
}

fn place_labels(
    chart: &Chart,
    nodes: &[SceneNode],
    labels: &[String],
    frame: &Frame,
    marks: &Marks,
    keep_clear: Option<[f32; 4]>,
) -> Vec<SceneLabel> {
    let mut placer = LabelPlacer::within([0.0, 0.0, frame.width, frame.height]);
    if let Some(area) = keep_clear {
        placer.reserve(area);
    }
    let priority = |n: &SceneNode| {
        let key = chart.items[n.item as usize].key;
        let kind = match key {
            _ if marks.marked(n.item) => 0,
            ItemKey::Node(Node::Location(_)) => 1,
            ItemKey::Cluster(_) | ItemKey::Singles(_) | ItemKey::Rest | ItemKey::Leaves(_) => 2,
            _ => 3,
        };
        (
            kind,
            std::cmp::Reverse((n.look.radius * 10.0) as u32),
            n.item,
        )
    };
    // With many nodes in view, trying a label for each would cost more than a frame.
    let label_all = nodes.len() <= LABEL_ALL_UP_TO || frame.scale >= LABEL_ALL_FROM;
    let mut order: Vec<&SceneNode> = nodes
        .iter()
        .filter(|n| label_all || priority(n).0 < 3)
        .collect();
    order.sort_by_key(|n| priority(n));
    // Marked items and locations are labelled first and may cover other nodes (their
    // labels have a halo); every later label keeps clear of every node.
    let first_rest = order
        .iter()
        .position(|n| priority(n).0 > 1)
        .unwrap_or(order.len());
    for n in &order[..first_rest] {
        let r = n.look.radius;
        placer.reserve([n.at.0 - r, n.at.1 - r, n.at.0 + r, n.at.1 + r]);
    }
    let mut placed = Vec::new();
    for (i, n) in order.into_iter().enumerate() {
        if i == first_rest {
            for n in nodes {
                let r = n.look.radius;
                placer.reserve([n.at.0 - r, n.at.1 - r, n.at.0 + r, n.at.1 + r]);
            }
        }
        if placed.len() >= MAX_LABELS {
            break;
        }
        let text = &labels[n.item as usize];
        let size = measure(text, LABEL_SIZE);
        if let Some(at) = placer.place_beside(n.at, n.look.radius, size) {
            placed.push(SceneLabel {
                text: text.clone(),
                at,
            });
        }
    }
    placed
}

/// The corners of a shape around `(x, y)`; a circle has none.
pub fn corners(shape: Shape, (x, y): (f32, f32), r: f32) -> Vec<(f32, f32)> {
    // Unit corners written out (no sines: the same picture on every machine).
    const HALF_ROOT3: f32 = 0.866_025_4;
    let around = |unit: &[(f32, f32)]| {
        unit.iter()
            .map(|(ux, uy)| (x + r * ux, y + r * uy))
            .collect()
    };
    match shape {
        Shape::Circle => Vec::new(),
        Shape::Square => vec![
            (x - r * 0.85, y - r * 0.85),
            (x + r * 0.85, y - r * 0.85),
            (x + r * 0.85, y + r * 0.85),
            (x - r * 0.85, y + r * 0.85),
        ],
        Shape::Diamond => around(&[(0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]),
        Shape::Triangle => around(&[(0.0, -1.0), (HALF_ROOT3, 0.5), (-HALF_ROOT3, 0.5)]),
        Shape::Hexagon => around(&[
            (1.0, 0.0),
            (0.5, HALF_ROOT3),
            (-0.5, HALF_ROOT3),
            (-1.0, 0.0),
            (-0.5, -HALF_ROOT3),
            (0.5, -HALF_ROOT3),
        ]),
    }
}

/// The theme's background, text and halo colours.
pub fn colours(dark: bool) -> ([u8; 3], [u8; 3], [u8; 3]) {
    if dark {
        ([27, 27, 30], [230, 230, 230], [27, 27, 30])
    } else {
        ([250, 250, 248], [30, 30, 30], [250, 250, 248])
    }
}

/// The whole chart of `graph` laid out until it settles, as a `width` × `height` scene
/// with every label masked when asked: the picture of an evidence set.
pub fn whole_scene(
    dataset: &Dataset,
    links: &Links,
    graph: &LinkGraph,
    (width, height): (f32, f32),
    masking: Masking,
    dark: bool,
) -> Scene {
    let chart = chart(graph, &ChartSpec::default());
    let mut layout = chart.layout(&Default::default());
    layout.run(|_| false);
    let looks: Vec<Look> = (0..chart.items.len())
        .map(|i| look_of(&chart, i, &links.strength_of))
        .collect();
    let labels: Vec<String> = chart
        .items
        .iter()
        .map(|item| item_label(item, dataset, links, masking))
        .collect();
    let frame = Frame::fit(layout.positions(), width, height);
    let drawing = Drawing {
        chart: &chart,
        positions: layout.positions(),
        looks: &looks,
        labels: &labels,
    };
    plan(drawing, &frame, &Marks::default(), dark, true)
}
