//! The map as a picture: which markers, clusters and labels a view shows ([`plan`], used by
//! the GUI too) and a headless renderer that draws them over the basemap into a PNG with
//! tiny-skia and ab_glyph ([`render`]), for `compound-atlas map` and "Save map as PNG".

use crate::map::basemap::labels::{self, LabelPlacer};
use crate::map::basemap::projection;
use crate::map::basemap::render::{Basemap, Style, View};
use crate::map::markers::{self, Cluster, Marker, MarkerStrength, SizeScale};
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};

/// Markers closer than this many pixels draw as one cluster.
pub const CLUSTER_DISTANCE: f64 = 30.0;
/// Text sizes in pixels.
pub const LOCATION_TEXT: f32 = 13.0;
pub const TOWN_TEXT: f32 = 11.5;
/// Shown on every map, on screen and in images (see assets/basemap/LICENSES.md).
pub const ATTRIBUTION: &str =
    "Natural Earth; GSHHG/WDBII and DCW (LGPL-3+); towns © GeoNames (CC BY 4.0)";

/// egui's default proportional font, so that on-screen and saved labels measure alike.
pub fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT).expect("egui's bundled font")
    })
}

/// Width and height of a line of text at `size` pixels.
pub fn measure(text: &str, size: f32) -> (f32, f32) {
    let font = font().as_scaled(PxScale::from(size));
    let width = text.chars().map(|c| font.h_advance(font.glyph_id(c))).sum();
    (width, font.height())
}

/// What the map shows in one view.
pub struct SceneInput<'a> {
    pub markers: &'a [Marker],
    /// The dataset's locations, for the markers' outlines.
    pub locations: &'a [crate::model::Location],
    /// Display names, indexed like `Dataset::locations`.
    pub names: &'a [String],
    /// Selected locations (indexes into `Dataset::locations`).
    pub selected: &'a BTreeSet<u32>,
    pub show_towns: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    Location,
    Town,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlacedLabel {
    pub text: String,
    /// Top-left corner in view pixels.
    pub at: (f32, f32),
    pub kind: LabelKind,
    /// The width it was placed with.
    pub width: f32,
    /// Placed left of its point: drawn to end at `at.0 + width`, so that text a little
    /// wider than measured runs away from the marker, not over it.
    pub ends_at_point: bool,
}

/// A cluster ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnCluster {
    pub cluster: Cluster,
    pub radius: f32,
    pub selected: bool,
}

/// The markers, clusters and labels of a view, in view pixels.
#[derive(Debug, Clone, Default)]
pub struct Scene {
    /// Drawn in this order: small ones last, so they stay visible on top.
    pub clusters: Vec<DrawnCluster>,
    pub labels: Vec<PlacedLabel>,
    /// Town points (pixels) whose label was placed.
    pub town_points: Vec<(f32, f32)>,
}

/// The text beside a cluster: the name of its largest location, and how many more.
pub fn cluster_name(cluster: &Cluster, input: &SceneInput) -> String {
    let first = &input.markers[cluster.members[0]];
    let name = &input.names[first.location as usize];
    match cluster.members.len() {
        1 => name.clone(),
        n => format!("{name} +{}", n - 1),
    }
}

/// The area the image's legend covers (top left), kept free of labels.
pub const LEGEND_AREA: [f32; 4] = [0.0, 0.0, 230.0, 134.0];

/// The basemap's lines as the legends name them: colour, dashed, words. The province
/// boundaries are drawn for mainland Southeast Asia only, so they end at that region's
/// edge; the legend says so.
pub fn line_legend(style: &Style) -> [([u8; 3], bool, &'static str); 3] {
    [
        (style.border, false, "country border"),
        (style.province, true, "province boundary (SE Asia)"),
        (style.river, false, "river"),
    ]
}

/// Lay out a view: cluster the markers, size them, and place location then town labels
/// where they do not overlap (nor the image's legend).
pub fn plan(view: &View, input: &SceneInput) -> Scene {
    plan_around(view, input, LEGEND_AREA)
}

/// [`plan`] with labels kept out of `legend` instead (the workbench draws a larger one).
pub fn plan_around(view: &View, input: &SceneInput, legend: [f32; 4]) -> Scene {
    let (width, height) = (f64::from(view.width), f64::from(view.height));
    let scale = SizeScale::for_markers(input.markers);
    let clusters = markers::cluster(
        input.markers,
        |world| view.to_pixel(world),
        |reports| CLUSTER_DISTANCE + scale.radius(reports),
        [0.0, 0.0, width, height],
    );
    let mut drawn: Vec<DrawnCluster> = clusters
        .into_iter()
        .map(|cluster| DrawnCluster {
            radius: scale.radius(cluster.reports()) as f32,
            selected: cluster
                .members
                .iter()
                .any(|&m| input.selected.contains(&input.markers[m].location)),
            cluster,
        })
        .collect();
    let mut placer = LabelPlacer::within([0.0, 0.0, width as f32, height as f32]);
    // The legend (top left) and the scale bar and credits (bottom) sit over the map.
    placer.reserve(legend);
    placer.reserve([0.0, height as f32 - 40.0, width as f32, height as f32]);
    for c in &drawn {
        let (x, y) = (c.cluster.at.0 as f32, c.cluster.at.1 as f32);
        placer.reserve([x - c.radius, y - c.radius, x + c.radius, y + c.radius]);
    }
    let mut labels = Vec::new();
    // Selected first, then by reports (the order `cluster` returns).
    let mut by_priority: Vec<&DrawnCluster> = drawn.iter().collect();
    by_priority.sort_by_key(|c| !c.selected);
    for c in by_priority {
        let text = cluster_name(&c.cluster, input);
        let point = (c.cluster.at.0 as f32, c.cluster.at.1 as f32);
        let size = measure(&text, LOCATION_TEXT);
        if let Some(at) = placer.place_beside(point, c.radius, size) {
            labels.push(PlacedLabel {
                text,
                at,
                kind: LabelKind::Location,
                width: size.0,
                ends_at_point: at.0 + size.0 <= point.0,
            });
        }
    }
    let mut town_points = Vec::new();
    if input.show_towns {
        let floor = labels::min_population(view.zoom);
        // A location labelled with a town's own name (the gazetteer's Myawaddy, say)
        // already names the place.
        let named: std::collections::HashSet<String> =
            labels.iter().map(|l| l.text.to_lowercase()).collect();
        for town in labels::towns().iter().take_while(|t| t.population >= floor) {
            if named.contains(&town.name.to_lowercase()) {
                continue;
            }
            let (x, y) = view.lon_lat_to_pixel(town.lon, town.lat);
            if !(0.0..width).contains(&x) || !(0.0..height).contains(&y) {
                continue;
            }
            let point = (x as f32, y as f32);
            let size = measure(&town.name, TOWN_TEXT);
            if let Some(at) = placer.place_beside(point, 2.0, size) {
                placer.reserve([point.0 - 2.5, point.1 - 2.5, point.0 + 2.5, point.1 + 2.5]);
                town_points.push(point);
                labels.push(PlacedLabel {
                    text: town.name.clone(),
                    at,
                    kind: LabelKind::Town,
                    width: size.0,
                    ends_at_point: at.0 + size.0 <= point.0,
                });
            }
        }
    }
    drawn.sort_by(|a, b| b.radius.total_cmp(&a.radius));
    Scene {
        clusters: drawn,
        labels,
        town_points,
    }
}

/// Text colours of a style: (location, town, halo).
pub fn text_colours(style: &Style) -> ([u8; 3], [u8; 3], [u8; 3]) {
    if style.dark {
        ([235, 235, 235], [185, 185, 185], [20, 20, 20])
    } else {
        ([25, 25, 25], [90, 90, 90], [255, 255, 255])
    }
}

/// The whole map image: basemap, outlines, markers, labels, legend, scale bar and attribution.
pub fn render(view: &View, style: &Style, input: &SceneInput) -> Pixmap {
    let mut pixmap = Basemap::bundled().render(view, style);
    let scene = plan(view, input);
    let (location_text, town_text, halo) = text_colours(style);
    for &(x, y) in &scene.town_points {
        fill_circle(&mut pixmap, (x, y), 2.2, town_text, 255);
    }
    let outlines = super::outlines::shown_outlines(input.locations, input.markers);
    super::outlines::draw_outlines(&mut pixmap, view, &outlines);
    for c in &scene.clusters {
        draw_marker(&mut pixmap, c, style);
    }
    for label in &scene.labels {
        let (size, colour) = match label.kind {
            LabelKind::Location => (LOCATION_TEXT, location_text),
            LabelKind::Town => (TOWN_TEXT, town_text),
        };
        draw_text(&mut pixmap, &label.text, label.at, size, colour, Some(halo));
    }
    draw_legend(&mut pixmap, style);
    draw_scale_bar(&mut pixmap, view, style);
    let (w, h) = measure(ATTRIBUTION, 10.0);
    let at = (view.width as f32 - w - 6.0, view.height as f32 - h - 4.0);
    fill_rect(
        &mut pixmap,
        [at.0 - 4.0, at.1 - 1.0, at.0 + w + 4.0, at.1 + h + 1.0],
        halo,
        200,
    );
    draw_text(&mut pixmap, ATTRIBUTION, at, 10.0, town_text, None);
    pixmap
}

/// A view of `width` × `height` that shows `bbox` (west, south, east, north) whole.
pub fn view_of_bbox(bbox: [f64; 4], width: u32, height: u32) -> View {
    let ((lon, lat), zoom) = projection::fit_bounds(
        bbox,
        f64::from(width),
        f64::from(height),
        40.0,
        projection::MAX_ZOOM,
    );
    View::centred(lon, lat, zoom, width, height)
}

/// Write a pixmap as PNG: to a temporary file, then renamed into place.
pub fn save_png(pixmap: &Pixmap, path: &Path) -> std::io::Result<()> {
    let png = pixmap.encode_png().map_err(std::io::Error::other)?;
    crate::values::atomic::write_atomically(path, |out| std::io::Write::write_all(out, &png))
}

pub(super) fn paint(rgb: [u8; 3], alpha: u8) -> Paint<'static> {
    let mut paint = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    paint.set_color(Color::from_rgba8(rgb[0], rgb[1], rgb[2], alpha));
    paint
}

pub(super) fn fill_path(
    pixmap: &mut Pixmap,
    path: Option<tiny_skia::Path>,
    rgb: [u8; 3],
    alpha: u8,
) {
    if let Some(path) = path {
        let paint = paint(rgb, alpha);
        pixmap.fill_path(
            &path,
            &paint,
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
}

fn fill_circle(pixmap: &mut Pixmap, (x, y): (f32, f32), radius: f32, rgb: [u8; 3], alpha: u8) {
    fill_path(pixmap, PathBuilder::from_circle(x, y, radius), rgb, alpha);
}

/// As a path: tiny-skia's anti-aliased `fill_rect` trips a debug assertion on rects
/// narrower than a pixel.
fn fill_rect(pixmap: &mut Pixmap, [x0, y0, x1, y1]: [f32; 4], rgb: [u8; 3], alpha: u8) {
    let path = Rect::from_ltrb(x0, y0, x1, y1).map(PathBuilder::from_rect);
    fill_path(pixmap, path, rgb, alpha);
}

fn draw_marker(pixmap: &mut Pixmap, c: &DrawnCluster, style: &Style) {
    let at = (c.cluster.at.0 as f32, c.cluster.at.1 as f32);
    let fill = c.cluster.strength().colour();
    fill_circle(pixmap, at, c.radius, fill, 215);
    let outline = if style.dark {
        [240, 240, 240]
    } else {
        [40, 40, 40]
    };
    if let Some(path) = PathBuilder::from_circle(at.0, at.1, c.radius) {
        let width = if c.selected { 3.0 } else { 1.0 };
        let stroke = Stroke {
            width,
            ..Stroke::default()
        };
        pixmap.stroke_path(
            &path,
            &paint(outline, 255),
            &stroke,
            Transform::identity(),
            None,
        );
    }
    if c.cluster.reports() > 0 && c.radius >= 9.0 {
        let text = c.cluster.reports().to_string();
        let (w, h) = measure(&text, 11.0);
        draw_text(
            pixmap,
            &text,
            (at.0 - w / 2.0, at.1 - h / 2.0),
            11.0,
            [255, 255, 255],
            None,
        );
    }
}

fn draw_legend(pixmap: &mut Pixmap, style: &Style) {
    let (text, _, halo) = text_colours(style);
    let rows = [
        MarkerStrength::IpTime,
        MarkerStrength::IpOnly,
        MarkerStrength::NoMatch,
    ];
    let title = "Reports matched (area shows the count)";
    let width = measure(title, 11.0).0 + 16.0;
    fill_rect(pixmap, [6.0, 6.0, 6.0 + width, 128.0], halo, 210);
    draw_text(pixmap, title, (14.0, 10.0), 11.0, text, None);
    for (i, strength) in rows.into_iter().enumerate() {
        let y = 35.0 + 15.0 * i as f32;
        fill_circle(pixmap, (20.0, y), 5.0, strength.colour(), 230);
        draw_text(pixmap, strength.label(), (32.0, y - 7.0), 11.0, text, None);
    }
    for (i, (colour, dashed, label)) in line_legend(style).into_iter().enumerate() {
        let y = 84.0 + 14.0 * i as f32;
        stroke_line(pixmap, [(13.0, y), (27.0, y)], colour, dashed);
        draw_text(pixmap, label, (32.0, y - 7.0), 11.0, text, None);
    }
}

fn stroke_line(pixmap: &mut Pixmap, [from, to]: [(f32, f32); 2], rgb: [u8; 3], dashed: bool) {
    let mut path = PathBuilder::new();
    path.move_to(from.0, from.1);
    path.line_to(to.0, to.1);
    let stroke = Stroke {
        width: 1.6,
        dash: dashed
            .then(|| tiny_skia::StrokeDash::new(vec![4.0, 3.0], 0.0))
            .flatten(),
        ..Stroke::default()
    };
    if let Some(path) = path.finish() {
        pixmap.stroke_path(
            &path,
            &paint(rgb, 255),
            &stroke,
            Transform::identity(),
            None,
        );
    }
}

fn draw_scale_bar(pixmap: &mut Pixmap, view: &View, style: &Style) {
    let (text, _, halo) = text_colours(style);
    let (metres, pixels) = view.scale_bar(120.0);
    let label = format_distance(metres);
    let (x0, y) = (10.0, view.height as f32 - 14.0);
    let x1 = x0 + pixels as f32;
    fill_rect(
        pixmap,
        [
            x0 - 4.0,
            y - 18.0,
            x1.max(x0 + measure(&label, 11.0).0) + 6.0,
            y + 6.0,
        ],
        halo,
        200,
    );
    fill_rect(pixmap, [x0, y - 1.0, x1, y + 1.0], text, 255);
    fill_rect(pixmap, [x0, y - 5.0, x0 + 1.5, y + 1.0], text, 255);
    fill_rect(pixmap, [x1 - 1.5, y - 5.0, x1, y + 1.0], text, 255);
    draw_text(pixmap, &label, (x0, y - 18.0), 11.0, text, None);
}

/// "500 m", "2 km", "1,000 km".
pub fn format_distance(metres: f64) -> String {
    if metres < 1000.0 {
        format!("{metres:.0} m")
    } else {
        let km = (metres / 1000.0).round() as u64;
        format!("{} km", crate::values::text::thousands(km))
    }
}

/// Draw one line of text with its top-left at `at`, optionally with a halo for contrast.
pub fn draw_text(
    pixmap: &mut Pixmap,
    text: &str,
    at: (f32, f32),
    size: f32,
    rgb: [u8; 3],
    halo: Option<[u8; 3]>,
) {
    if let Some(halo) = halo {
        for (dx, dy) in [
            (-1.0, 0.0),
            (1.0, 0.0),
            (0.0, -1.0),
            (0.0, 1.0),
            (-1.0, -1.0),
            (1.0, 1.0),
            (-1.0, 1.0),
            (1.0, -1.0),
        ] {
            draw_glyphs(pixmap, text, (at.0 + dx, at.1 + dy), size, halo, 0.8);
        }
    }
    draw_glyphs(pixmap, text, at, size, rgb, 1.0);
}

fn draw_glyphs(
    pixmap: &mut Pixmap,
    text: &str,
    at: (f32, f32),
    size: f32,
    rgb: [u8; 3],
    opacity: f32,
) {
    let font = font().as_scaled(PxScale::from(size));
    let (width, height) = (pixmap.width() as i32, pixmap.height() as i32);
    let mut x = at.0;
    let baseline = at.1 + font.ascent();
    let pixels = pixmap.pixels_mut();
    for c in text.chars() {
        let id = font.glyph_id(c);
        let glyph = id.with_scale_and_position(PxScale::from(size), ab_glyph::point(x, baseline));
        x += font.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i32 + gx as i32;
            let py = bounds.min.y as i32 + gy as i32;
            if px < 0 || py < 0 || px >= width || py >= height {
                return;
            }
            let alpha = (coverage * opacity).clamp(0.0, 1.0);
            let pixel = &mut pixels[(py * width + px) as usize];
            // The basemap is opaque, so blending on the straight colour is exact.
            let blend = |under: u8, over: u8| {
                (f32::from(under) * (1.0 - alpha) + f32::from(over) * alpha).round() as u8
            };
            *pixel = tiny_skia::PremultipliedColorU8::from_rgba(
                blend(pixel.red(), rgb[0]),
                blend(pixel.green(), rgb[1]),
                blend(pixel.blue(), rgb[2]),
                255,
            )
            .expect("opaque colours are valid");
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(location: u32, lon: f64, lat: f64, ip_time: u64) -> Marker {
        Marker::new(location, lon, lat, ip_time, 0)
    }

    #[test]
    fn labels_do_not_overlap_each_other_or_the_markers() {
        let markers: Vec<Marker> = (0..40)
            .map(|i| marker(i, 98.3 + 0.02 * f64::from(i), 16.7, u64::from(i)))
            .collect();
        let names: Vec<String> = (0..40).map(|i| format!("Location number {i}")).collect();
        let selected = BTreeSet::from([3]);
        let input = SceneInput {
            markers: &markers,
            locations: &[],
            names: &names,
            selected: &selected,
            show_towns: true,
        };
        let view = View::centred(98.7, 16.7, 10.0, 800, 500);
        let scene = plan(&view, &input);
        let boxes: Vec<[f32; 4]> = scene
            .labels
            .iter()
            .map(|l| {
                let size = if l.kind == LabelKind::Location {
                    LOCATION_TEXT
                } else {
                    TOWN_TEXT
                };
                let (w, h) = measure(&l.text, size);
                [l.at.0, l.at.1, l.at.0 + w, l.at.1 + h]
            })
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
                assert!(apart, "{a:?} overlaps {b:?}");
            }
            for c in &scene.clusters {
                let (x, y, r) = (c.cluster.at.0 as f32, c.cluster.at.1 as f32, c.radius);
                let apart = a[2] <= x - r || x + r <= a[0] || a[3] <= y - r || y + r <= a[1];
                assert!(apart, "{a:?} covers a marker");
            }
        }
        // The selected location keeps its label; towns and locations both appear.
        assert!(
            scene
                .labels
                .iter()
                .any(|l| l.text.starts_with("Location number 3"))
        );
        assert!(scene.labels.iter().any(|l| l.kind == LabelKind::Town));
        assert!(scene.clusters.iter().any(|c| c.selected));
    }

    #[test]
    fn distances_read_like_a_scale_bar() {
        assert_eq!(format_distance(500.0), "500 m");
        assert_eq!(format_distance(2000.0), "2 km");
        assert_eq!(format_distance(1_000_000.0), "1,000 km");
    }

    #[test]
    fn a_rendered_image_has_the_markers_in_their_colours() {
        let markers = vec![marker(0, 98.542, 16.618, 10)];
        let names = vec!["KK Park".to_string()];
        let input = SceneInput {
            markers: &markers,
            locations: &[],
            names: &names,
            selected: &BTreeSet::new(),
            show_towns: true,
        };
        let view = view_of_bbox([98.4, 16.5, 98.7, 16.9], 400, 300);
        let image = render(&view, &Style::LIGHT, &input);
        let (x, y) = view.lon_lat_to_pixel(98.542, 16.618);
        // Just off the centre, clear of the count printed in the disc.
        let p = image.pixel(x as u32, (y - 15.0) as u32).unwrap();
        let red = MarkerStrength::IpTime.colour();
        assert!(
            p.red() > 200 && p.green() < 120 && p.blue() < 120,
            "{p:?} is not {red:?}"
        );
    }
}
