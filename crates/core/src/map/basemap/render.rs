//! Rasterising the basemap with tiny-skia: any view (a 256 px tile, or a whole image for
//! the command line) at any zoom, in a light or dark style. No egui here, so the GUI's tile
//! source and the headless `map` command draw the same pixels.
//!
//! Over 600 lines only with its tests (the code is about 500).

use super::data::{self, BasemapError, Layer};
use super::projection::{TILE_SIZE, to_world};
use std::sync::OnceLock;
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, StrokeDash, Transform,
};

/// The region the detailed layers cover (west, south, east, north). Outside it the coarse
/// world layers are drawn at every zoom.
pub const DETAIL_REGION: [f64; 4] = [90.0, 0.0, 112.0, 30.0];

// Layer ids as `scripts/build_basemap.py` writes them.
const LAND: u8 = 1;
const LAKES: u8 = 2;
const COAST: u8 = 3;
const BORDERS: u8 = 4;
const PROVINCES: u8 = 5;
const RIVERS_MAJOR: u8 = 6;
const RIVERS_MORE: u8 = 7;
const RIVERS_MINOR: u8 = 8;

/// Drawing order, bottom first.
const DRAW_ORDER: [u8; 8] = [
    LAND,
    LAKES,
    RIVERS_MINOR,
    RIVERS_MORE,
    RIVERS_MAJOR,
    PROVINCES,
    BORDERS,
    COAST,
];

/// Colours of the basemap, as (r, g, b).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub water: [u8; 3],
    pub land: [u8; 3],
    pub coast: [u8; 3],
    pub border: [u8; 3],
    pub province: [u8; 3],
    pub river: [u8; 3],
    pub dark: bool,
}

impl Style {
    pub const LIGHT: Style = Style {
        water: [170, 200, 222],
        land: [242, 239, 233],
        coast: [110, 150, 180],
        border: [150, 90, 150],
        province: [175, 160, 175],
        river: [120, 168, 206],
        dark: false,
    };
    pub const DARK: Style = Style {
        water: [24, 36, 48],
        land: [48, 50, 54],
        coast: [80, 110, 135],
        border: [190, 140, 190],
        province: [110, 100, 115],
        river: [60, 105, 140],
        dark: true,
    };

    pub fn for_theme(dark: bool) -> Style {
        if dark { Style::DARK } else { Style::LIGHT }
    }
}

/// What part of the world to draw: the top-left corner in world units (0..1, see
/// [`super::projection`]), the zoom and the size in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub left: f64,
    pub top: f64,
    pub zoom: f64,
    pub width: u32,
    pub height: u32,
}

impl View {
    /// One 256 px map tile.
    pub fn tile(zoom: u8, x: u32, y: u32) -> View {
        let n = f64::from(1u32 << zoom);
        View {
            left: f64::from(x) / n,
            top: f64::from(y) / n,
            zoom: f64::from(zoom),
            width: TILE_SIZE as u32,
            height: TILE_SIZE as u32,
        }
    }

    /// A view of `width` × `height` pixels centred on (lon, lat).
    pub fn centred(lon: f64, lat: f64, zoom: f64, width: u32, height: u32) -> View {
        let (x, y) = to_world(lon, lat);
        let scale = pixels_per_world(zoom);
        View {
            left: x - f64::from(width) / 2.0 / scale,
            top: y - f64::from(height) / 2.0 / scale,
            zoom,
            width,
            height,
        }
    }

    /// Pixels across the whole world at this zoom.
    pub fn scale(&self) -> f64 {
        pixels_per_world(self.zoom)
    }

    /// A point in world units to this view's pixels.
    pub fn to_pixel(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let s = self.scale();
        ((x - self.left) * s, (y - self.top) * s)
    }

    /// The scale bar for this view, measured at its centre latitude: (metres, pixels) of
    /// the longest round length that fits in `max_pixels`.
    pub fn scale_bar(&self, max_pixels: f64) -> (f64, f64) {
        let centre_y = self.top + f64::from(self.height) / 2.0 / self.scale();
        let (_, lat) = super::projection::from_world(0.0, centre_y);
        super::projection::scale_bar(
            super::projection::metres_per_pixel(lat, self.zoom),
            max_pixels,
        )
    }

    /// (lon, lat) to this view's pixels.
    pub fn lon_lat_to_pixel(&self, lon: f64, lat: f64) -> (f64, f64) {
        self.to_pixel(to_world(lon, lat))
    }

    /// The view's extent in world units (x0, y0, x1, y1).
    fn world_bounds(&self) -> [f64; 4] {
        let s = self.scale();
        [
            self.left,
            self.top,
            self.left + f64::from(self.width) / s,
            self.top + f64::from(self.height) / s,
        ]
    }
}

fn pixels_per_world(zoom: f64) -> f64 {
    TILE_SIZE * 2f64.powf(zoom)
}

/// A feature projected to world units once, so that every tile only scales and shifts it.
struct Shape {
    /// (x0, y0, x1, y1) in world units.
    bounds: [f64; 4],
    /// Whether the feature lies outside [`DETAIL_REGION`] (coarse layers keep drawing there).
    outside_detail: bool,
    rings: Vec<Vec<(f64, f64)>>,
}

struct PreparedLayer {
    id: u8,
    polygons: bool,
    min_zoom: u8,
    max_zoom: u8,
    shapes: Vec<Shape>,
}

impl PreparedLayer {
    /// Coarse world layers stop at their max zoom only inside the detailed region.
    fn draws(&self, shape: &Shape, zoom: u8) -> bool {
        let coarse = self.max_zoom < 20;
        zoom >= self.min_zoom && (zoom <= self.max_zoom || (coarse && shape.outside_detail))
    }
}

/// The basemap, ready to draw.
pub struct Basemap {
    layers: Vec<PreparedLayer>,
}

impl Basemap {
    /// Prepare the layers of some basemap files.
    pub fn from_files(files: &[&[u8]]) -> Result<Basemap, BasemapError> {
        let mut layers = Vec::new();
        for file in files {
            layers.extend(data::parse(file)?.into_iter().map(prepare));
        }
        // Stable, so that within one id the file order (world first, detail after) holds.
        layers.sort_by_key(|l| DRAW_ORDER.iter().position(|&id| id == l.id));
        Ok(Basemap { layers })
    }

    /// The bundled basemap, prepared on first use.
    pub fn bundled() -> &'static Basemap {
        static BUNDLED: OnceLock<Basemap> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            Basemap::from_files(&[data::WORLD, data::GSHHG_DCW])
                .expect("the bundled basemap is checked by tests")
        })
    }

    /// Draw a view. Zooms between integers use the layers of the nearest integer zoom, as
    /// the map's tiles do.
    pub fn render(&self, view: &View, style: &Style) -> Pixmap {
        let mut pixmap = Pixmap::new(view.width.max(1), view.height.max(1))
            .expect("a view is at least one pixel");
        self.render_into(&mut pixmap, view, style);
        pixmap
    }

    /// [`Basemap::render`] into an existing pixmap of the view's size.
    pub fn render_into(&self, pixmap: &mut Pixmap, view: &View, style: &Style) {
        pixmap.fill(colour(style.water, 255));
        let zoom = view.zoom.round().clamp(0.0, 30.0) as u8;
        // Lines reach a little beyond the edge, so that their ends and joins are not seen.
        let margin = 4.0;
        let [x0, y0, x1, y1] = view.world_bounds();
        let pad = margin / view.scale();
        let wanted = [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
        let clip = Clip {
            x0: -margin,
            y0: -margin,
            x1: f64::from(view.width) + margin,
            y1: f64::from(view.height) + margin,
        };
        for layer in &self.layers {
            let mut path = PathBuilder::new();
            for shape in &layer.shapes {
                if layer.draws(shape, zoom) && overlaps(&shape.bounds, &wanted) {
                    for ring in &shape.rings {
                        let pixels = ring.iter().map(|&p| view.to_pixel(p));
                        if layer.polygons {
                            add_polygon(&mut path, &clip.polygon(pixels));
                        } else {
                            for run in clip.polyline(pixels) {
                                add_polyline(&mut path, &run);
                            }
                        }
                    }
                }
            }
            let Some(path) = path.finish() else { continue };
            let mut paint = Paint {
                anti_alias: true,
                ..Paint::default()
            };
            if layer.polygons {
                let fill = if layer.id == LAND {
                    style.land
                } else {
                    style.water
                };
                paint.set_color(colour(fill, 255));
                pixmap.fill_path(
                    &path,
                    &paint,
                    FillRule::EvenOdd,
                    Transform::identity(),
                    None,
                );
            } else {
                let (rgb, alpha, width, dash) = line_look(layer.id, style, zoom);
                paint.set_color(colour(rgb, alpha));
                let stroke = Stroke {
                    width,
                    line_cap: LineCap::Round,
                    line_join: LineJoin::Round,
                    dash,
                    ..Stroke::default()
                };
                pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
            }
        }
    }

    /// One 256 px tile.
    pub fn render_tile(&self, zoom: u8, x: u32, y: u32, style: &Style) -> Pixmap {
        self.render(&View::tile(zoom, x, y), style)
    }
}

/// Colour, opacity, width and dashes of a line layer at a zoom.
fn line_look(id: u8, style: &Style, zoom: u8) -> ([u8; 3], u8, f32, Option<StrokeDash>) {
    // Lines thicken as the map zooms in, up to a limit.
    let grow = |base: f32, per_zoom: f32, max: f32| {
        (base + per_zoom * (f32::from(zoom) - 5.0).max(0.0)).min(max)
    };
    match id {
        // Dashed once rivers that are borders (the Moei) show, so that the river shows too.
        BORDERS => (
            style.border,
            230,
            grow(1.1, 0.2, 2.6),
            (zoom >= 9)
                .then(|| StrokeDash::new(vec![8.0, 4.0], 0.0))
                .flatten(),
        ),
        PROVINCES => (
            style.province,
            220,
            grow(0.7, 0.05, 1.1),
            StrokeDash::new(vec![4.0, 3.0], 0.0),
        ),
        COAST => (style.coast, 255, grow(0.6, 0.05, 1.0), None),
        RIVERS_MAJOR => (style.river, 255, grow(1.0, 0.25, 3.0), None),
        RIVERS_MORE => (style.river, 255, grow(0.8, 0.2, 2.2), None),
        _ => (style.river, 255, grow(0.6, 0.12, 1.5), None),
    }
}

fn colour([r, g, b]: [u8; 3], alpha: u8) -> Color {
    Color::from_rgba8(r, g, b, alpha)
}

fn prepare(layer: Layer) -> PreparedLayer {
    let [w, s, e, n] = DETAIL_REGION;
    let shapes = layer
        .features
        .into_iter()
        .map(|feature| {
            let [lon0, lat0, lon1, lat1] = feature.bbox.map(f64::from);
            let (cx, cy) = ((lon0 + lon1) / 2.0, (lat0 + lat1) / 2.0);
            let (x0, y1) = to_world(lon0, lat0);
            let (x1, y0) = to_world(lon1, lat1);
            Shape {
                bounds: [x0, y0, x1, y1],
                outside_detail: !(w..=e).contains(&cx) || !(s..=n).contains(&cy),
                rings: feature
                    .rings
                    .iter()
                    .map(|ring| ring.iter().map(|&[lon, lat]| to_world(lon, lat)).collect())
                    .collect(),
            }
        })
        .collect();
    PreparedLayer {
        id: layer.id,
        polygons: layer.polygons,
        min_zoom: layer.min_zoom,
        max_zoom: layer.max_zoom,
        shapes,
    }
}

fn overlaps(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// Points closer than this (in pixels) to the last kept one are left out: they cannot be
/// seen, and at low zoom they are most of the data.
const MIN_STEP: f64 = 0.35;

fn add_polygon(path: &mut PathBuilder, points: &[(f64, f64)]) {
    if points.len() >= 3 {
        add_polyline(path, points);
        path.close();
    }
}

fn add_polyline(path: &mut PathBuilder, points: &[(f64, f64)]) {
    let Some((&(x, y), rest)) = points.split_first() else {
        return;
    };
    path.move_to(x as f32, y as f32);
    let mut last = (x, y);
    for (i, &(x, y)) in rest.iter().enumerate() {
        let is_last = i + 1 == rest.len();
        if is_last || (x - last.0).abs() + (y - last.1).abs() >= MIN_STEP {
            path.line_to(x as f32, y as f32);
            last = (x, y);
        }
    }
}

/// A clipping rectangle in pixels. Clipping before tiny-skia keeps coordinates small at
/// high zoom, where a feature can reach millions of pixels beyond the tile.
struct Clip {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Clip {
    /// Sutherland–Hodgman against the four edges; the result fills the same pixels inside.
    fn polygon(&self, points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
        let mut current: Vec<(f64, f64)> = points.collect();
        for edge in [Edge::Left, Edge::Right, Edge::Top, Edge::Bottom] {
            let Some(&last) = current.last() else { break };
            let mut next = Vec::with_capacity(current.len() + 4);
            let mut previous = last;
            for &point in &current {
                match (self.inside(edge, previous), self.inside(edge, point)) {
                    (true, true) => next.push(point),
                    (true, false) => next.push(self.cross(edge, previous, point)),
                    (false, true) => {
                        next.push(self.cross(edge, previous, point));
                        next.push(point);
                    }
                    (false, false) => {}
                }
                previous = point;
            }
            current = next;
        }
        current
    }

    fn inside(&self, edge: Edge, (x, y): (f64, f64)) -> bool {
        match edge {
            Edge::Left => x >= self.x0,
            Edge::Right => x <= self.x1,
            Edge::Top => y >= self.y0,
            Edge::Bottom => y <= self.y1,
        }
    }

    /// Where the segment a–b crosses the edge's line.
    fn cross(&self, edge: Edge, a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
        let at_x = |x: f64| (x, a.1 + (x - a.0) / (b.0 - a.0) * (b.1 - a.1));
        let at_y = |y: f64| (a.0 + (y - a.1) / (b.1 - a.1) * (b.0 - a.0), y);
        match edge {
            Edge::Left => at_x(self.x0),
            Edge::Right => at_x(self.x1),
            Edge::Top => at_y(self.y0),
            Edge::Bottom => at_y(self.y1),
        }
    }

    /// The runs of a line that lie inside, each segment cut at the edges (Liang–Barsky).
    fn polyline(&self, points: impl Iterator<Item = (f64, f64)>) -> Vec<Vec<(f64, f64)>> {
        let mut runs = Vec::new();
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut previous: Option<(f64, f64)> = None;
        for point in points {
            if let Some(a) = previous {
                match self.segment(a, point) {
                    Some((from, to)) => {
                        if run.last() != Some(&from) {
                            if run.len() >= 2 {
                                runs.push(std::mem::take(&mut run));
                            }
                            run.clear();
                            run.push(from);
                        }
                        run.push(to);
                    }
                    None => {
                        if run.len() >= 2 {
                            runs.push(std::mem::take(&mut run));
                        }
                        run.clear();
                    }
                }
            }
            previous = Some(point);
        }
        if run.len() >= 2 {
            runs.push(run);
        }
        runs
    }

    fn segment(&self, a: (f64, f64), b: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, a.0 - self.x0),
            (dx, self.x1 - a.0),
            (-dy, a.1 - self.y0),
            (dy, self.y1 - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        if t0 > t1 {
            return None;
        }
        let at = |t: f64| {
            if t == 0.0 {
                a
            } else if t == 1.0 {
                b
            } else {
                (a.0 + t * dx, a.1 + t * dy)
            }
        };
        Some((at(t0), at(t1)))
    }
}

#[derive(Debug, Clone, Copy)]
enum Edge {
    Left,
    Right,
    Top,
    Bottom,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::basemap::projection::tile_of;

    fn pixel(pixmap: &Pixmap, (x, y): (f64, f64)) -> [u8; 3] {
        let p = pixmap.pixel(x as u32, y as u32).expect("inside the view");
        [p.red(), p.green(), p.blue()]
    }

    fn near(a: [u8; 3], b: [u8; 3]) -> bool {
        a.iter().zip(b).all(|(&x, y)| x.abs_diff(y) <= 12)
    }

    fn closer_to_border_than_land(rgb: [u8; 3]) -> bool {
        let distance = |c: [u8; 3]| -> u32 {
            rgb.iter()
                .zip(c)
                .map(|(&a, b)| u32::from(a.abs_diff(b)).pow(2))
                .sum()
        };
        distance(Style::LIGHT.border) < distance(Style::LIGHT.land)
    }

    #[test]
    fn the_moei_border_runs_between_the_compounds_and_mae_sot() {
        let map = Basemap::bundled();
        let view = View::centred(98.54, 16.67, 12.0, 600, 400);
        let image = map.render(&view, &Style::LIGHT);
        image.save_png("/tmp/moei.png").unwrap();
        let kk_park = view.lon_lat_to_pixel(98.5420, 16.6180);
        let myawaddy = view.lon_lat_to_pixel(98.5100, 16.6833);
        let mae_sot = view.lon_lat_to_pixel(98.5667, 16.7167);
        for town in [kk_park, myawaddy, mae_sot] {
            assert!(near(pixel(&image, town), Style::LIGHT.land), "{town:?}");
        }
        // Walking east from Myawaddy to Mae Sot's longitude crosses the border line.
        let row = myawaddy.1;
        let crosses = (myawaddy.0 as u32..mae_sot.0 as u32)
            .any(|x| closer_to_border_than_land(pixel(&image, (f64::from(x), row))));
        assert!(crosses, "no border between Myawaddy and Mae Sot");
    }

    #[test]
    fn sea_land_and_styles_come_out_where_they_should() {
        let map = Basemap::bundled();
        for style in [Style::LIGHT, Style::DARK] {
            // Sihanoukville's bay at zoom 9: open sea to the south-west, land to the east.
            let view = View::centred(103.6, 10.6, 9.0, 256, 256);
            let image = map.render(&view, &style);
            image
                .save_png(format!("/tmp/sihanouk{}.png", style.dark))
                .unwrap();
            let sea = view.lon_lat_to_pixel(103.45, 10.45);
            let land = view.lon_lat_to_pixel(103.53, 10.63);
            assert!(near(pixel(&image, sea), style.water));
            assert!(near(pixel(&image, land), style.land));
        }
        // Outside the detailed region, land still shows at high zoom (coarse data).
        let paris = tile_of(2.35, 48.85, 10);
        let image = map.render_tile(10, paris.0, paris.1, &Style::LIGHT);
        assert!(near(pixel(&image, (128.0, 128.0)), Style::LIGHT.land));
    }

    #[test]
    fn clipping_keeps_what_is_inside_and_cuts_at_the_edges() {
        let clip = Clip {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        // A square larger than the clip becomes the clip.
        let square = [(-5.0, -5.0), (15.0, -5.0), (15.0, 15.0), (-5.0, 15.0)];
        let mut clipped = clip.polygon(square.into_iter());
        clipped.sort_by(|a, b| a.partial_cmp(b).unwrap());
        clipped.dedup();
        assert_eq!(
            clipped,
            vec![(0.0, 0.0), (0.0, 10.0), (10.0, 0.0), (10.0, 10.0)]
        );
        // A line that leaves and comes back gives two runs.
        let line = [(2.0, 5.0), (20.0, 5.0), (20.0, 8.0), (2.0, 8.0)];
        let runs = clip.polyline(line.into_iter());
        assert_eq!(
            runs,
            vec![vec![(2.0, 5.0), (10.0, 5.0)], vec![(10.0, 8.0), (2.0, 8.0)]]
        );
        assert!(
            clip.polyline([(20.0, 0.0), (30.0, 5.0)].into_iter())
                .is_empty()
        );
    }
}
