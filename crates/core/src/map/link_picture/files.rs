//! The link chart's scene as files: an SVG document and a PNG picture, each with the
//! legend. Split from the scene's planning (`mod.rs`) by role: this part only writes.

use super::{LABEL_SIZE, LEGEND_ROW, Look, Scene, Shape, colours, corners, legend, legend_box};
use crate::map::image::{draw_text, fill_path, measure, paint};
use std::fmt::Write as _;
use tiny_skia::{PathBuilder, Pixmap, Stroke, Transform};

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The scene as an SVG document (text through XML escaping; only XML characters).
pub fn svg(scene: &Scene) -> String {
    let (background, text, halo) = colours(scene.dark);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Ubuntu, 'DejaVu Sans', sans-serif" font-size="{LABEL_SIZE}">"#,
        w = scene.width.round(),
        h = scene.height.round()
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{}"/>"#,
        hex(background)
    );
    for l in &scene.lines {
        let _ = writeln!(
            out,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="{:.1}" stroke-linecap="round"/>"#,
            l.from.0,
            l.from.1,
            l.to.0,
            l.to.1,
            hex(l.rgb),
            l.width
        );
    }
    for n in &scene.nodes {
        let outline = if n.marked { hex(text) } else { hex(background) };
        svg_shape(&mut out, n.look, n.at, &outline);
    }
    for l in &scene.labels {
        let safe = crate::values::text::xml_safe(&l.text);
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" fill="{}" stroke="{}" stroke-width="3" paint-order="stroke" dominant-baseline="hanging">{}</text>"#,
            l.at.0,
            l.at.1,
            hex(text),
            hex(halo),
            quick_xml::escape::escape(safe.as_ref())
        );
    }
    if scene.legend {
        svg_legend(&mut out, scene);
    }
    out.push_str("</svg>\n");
    out
}

/// Each legend entry's look (small) and where its shape and name go.
fn legend_entries(height: f32) -> impl Iterator<Item = (Look, &'static str, (f32, f32))> {
    let [x0, y0, _, _] = legend_box(height);
    legend()
        .into_iter()
        .enumerate()
        .map(move |(i, (name, look))| {
            let y = y0 + 4.0 + LEGEND_ROW * i as f32 + LEGEND_ROW / 2.0;
            let small = Look {
                radius: look.radius.min(6.0),
                ..look
            };
            (small, name, (x0 + 12.0, y))
        })
}

/// A node's shape as an SVG element.
fn svg_shape(out: &mut String, look: Look, at: (f32, f32), outline: &str) {
    let fill = hex(look.fill);
    let points = corners(look.shape, at, look.radius);
    if points.is_empty() {
        let _ = writeln!(
            out,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="{fill}" stroke="{outline}"/>"#,
            at.0, at.1, look.radius
        );
    } else {
        let points: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            out,
            r#"<polygon points="{}" fill="{fill}" stroke="{outline}"/>"#,
            points.join(" ")
        );
    }
}

fn svg_legend(out: &mut String, scene: &Scene) {
    let (background, text, _) = colours(scene.dark);
    let [x0, y0, x1, y1] = legend_box(scene.height);
    let _ = writeln!(
        out,
        r#"<rect x="{x0}" y="{y0}" width="{}" height="{}" rx="4" fill="{}"/>"#,
        x1 - x0,
        y1 - y0,
        hex(background)
    );
    for (look, name, at) in legend_entries(scene.height) {
        svg_shape(out, look, at, "none");
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" fill="{}" font-size="11" dominant-baseline="middle">{name}</text>"#,
            at.0 + 12.0,
            at.1,
            hex(text)
        );
    }
}

/// The scene as a picture.
pub fn png(scene: &Scene) -> Pixmap {
    let (background, text, halo) = colours(scene.dark);
    let mut pixmap = Pixmap::new(scene.width.max(1.0) as u32, scene.height.max(1.0) as u32)
        .expect("a picture of at least one pixel");
    pixmap.fill(tiny_skia::Color::from_rgba8(
        background[0],
        background[1],
        background[2],
        255,
    ));
    for l in &scene.lines {
        let mut path = PathBuilder::new();
        path.move_to(l.from.0, l.from.1);
        path.line_to(l.to.0, l.to.1);
        if let Some(path) = path.finish() {
            let stroke = Stroke {
                width: l.width,
                line_cap: tiny_skia::LineCap::Round,
                ..Stroke::default()
            };
            pixmap.stroke_path(
                &path,
                &paint(l.rgb, 255),
                &stroke,
                Transform::identity(),
                None,
            );
        }
    }
    for n in &scene.nodes {
        let outline = if n.marked { text } else { background };
        fill_path(
            &mut pixmap,
            shape_path(n.look.shape, n.at, n.look.radius + 1.0),
            outline,
            255,
        );
        fill_path(
            &mut pixmap,
            shape_path(n.look.shape, n.at, n.look.radius),
            n.look.fill,
            255,
        );
    }
    for l in &scene.labels {
        draw_text(&mut pixmap, &l.text, l.at, LABEL_SIZE, text, Some(halo));
    }
    if scene.legend {
        let [x0, y0, x1, y1] = legend_box(scene.height);
        let area = tiny_skia::Rect::from_ltrb(x0, y0, x1, y1).map(PathBuilder::from_rect);
        fill_path(&mut pixmap, area, background, 255);
        for (look, name, at) in legend_entries(scene.height) {
            fill_path(
                &mut pixmap,
                shape_path(look.shape, at, look.radius),
                look.fill,
                255,
            );
            let h = measure(name, 11.0).1;
            draw_text(
                &mut pixmap,
                name,
                (at.0 + 12.0, at.1 - h / 2.0),
                11.0,
                text,
                None,
            );
        }
    }
    pixmap
}

fn shape_path(shape: Shape, at: (f32, f32), r: f32) -> Option<tiny_skia::Path> {
    let points = corners(shape, at, r);
    if points.is_empty() {
        return PathBuilder::from_circle(at.0, at.1, r);
    }
    let mut path = PathBuilder::new();
    path.move_to(points[0].0, points[0].1);
    for &(x, y) in &points[1..] {
        path.line_to(x, y);
    }
    path.close();
    path.finish()
}
