//! What the map draws over the basemap: markers, clusters and labels of a scene, the
//! legend and scale bar, and the tooltips of a location or a cluster.

use super::*;

/// One location's outline: polygons of rings in Web Mercator world units.
pub(super) struct WorldOutline {
    strength: MarkerStrength,
    polygons: Vec<Vec<Vec<(f64, f64)>>>,
}

/// The outlines of the located markers' locations, in world units.
pub(super) fn world_outlines(
    dataset: &compound_atlas_core::model::Dataset,
    markers: &[Marker],
) -> Vec<WorldOutline> {
    let world = |r: &Vec<[f64; 2]>| r.iter().map(|p| projection::to_world(p[0], p[1])).collect();
    outlines::shown_outlines(&dataset.locations, markers)
        .into_iter()
        .map(|shown| WorldOutline {
            strength: shown.strength,
            polygons: shown
                .outline
                .polygons
                .iter()
                .map(|rings| rings.iter().map(world).collect())
                .collect(),
        })
        .collect()
}

/// Outlines under the markers: each ring drawn in its location's strength colour, and
/// lightly filled where the outer ring is convex (egui fills only convex shapes).
pub(super) fn paint_outlines(ui: &Ui, rect: Rect, view: &View, outlines: &[WorldOutline]) {
    let painter = ui.painter().with_clip_rect(rect);
    let scale = view.scale();
    let screen = |&(x, y): &(f64, f64)| {
        rect.min
            + vec2(
                ((x - view.left) * scale) as f32,
                ((y - view.top) * scale) as f32,
            )
    };
    for outline in outlines {
        let colour = theme::strength(outline.strength);
        for rings in &outline.polygons {
            for (i, ring) in rings.iter().enumerate() {
                let points: Vec<Pos2> = ring.iter().map(screen).collect();
                if i == 0 && is_convex(&points) {
                    let fill = colour.gamma_multiply(0.18);
                    painter.add(egui::Shape::convex_polygon(
                        points.clone(),
                        fill,
                        Stroke::NONE,
                    ));
                }
                painter.add(egui::Shape::closed_line(points, Stroke::new(1.5, colour)));
            }
        }
    }
}

/// Whether a ring turns the same way at every corner.
fn is_convex(points: &[Pos2]) -> bool {
    let n = points.len();
    if n < 3 {
        return false;
    }
    let mut sign = 0.0f32;
    for i in 0..n {
        let (a, b, c) = (points[i], points[(i + 1) % n], points[(i + 2) % n]);
        let cross = (b - a).x * (c - b).y - (b - a).y * (c - b).x;
        if cross.abs() < 1e-6 {
            continue;
        }
        if sign != 0.0 && cross.signum() != sign {
            return false;
        }
        sign = cross.signum();
    }
    true
}

pub(super) fn paint_scene(ui: &Ui, rect: Rect, scene: &Scene, style: Style) {
    let painter = ui.painter().with_clip_rect(rect);
    let (location_text, town_text, halo) = image::text_colours(&style);
    let outline = if style.dark {
        Color32::from_gray(240)
    } else {
        Color32::from_gray(40)
    };
    for &(x, y) in &scene.town_points {
        painter.circle_filled(rect.min + vec2(x, y), 2.2, rgb(town_text));
    }
    // Labels under the markers: a marker and its count stay whole.
    for label in &scene.labels {
        let (size, colour) = match label.kind {
            LabelKind::Location => (image::LOCATION_TEXT, location_text),
            LabelKind::Town => (image::TOWN_TEXT, town_text),
        };
        let (at, align) = if label.ends_at_point {
            (
                rect.min + vec2(label.at.0 + label.width, label.at.1),
                Align2::RIGHT_TOP,
            )
        } else {
            (rect.min + vec2(label.at.0, label.at.1), Align2::LEFT_TOP)
        };
        let font = FontId::proportional(size);
        for offset in [
            vec2(-1.0, 0.0),
            vec2(1.0, 0.0),
            vec2(0.0, -1.0),
            vec2(0.0, 1.0),
        ] {
            painter.text(at + offset, align, &label.text, font.clone(), rgb(halo));
        }
        painter.text(at, align, &label.text, font, rgb(colour));
    }
    for c in &scene.clusters {
        let at = rect.min + vec2(c.cluster.at.0 as f32, c.cluster.at.1 as f32);
        let fill = theme::strength(c.cluster.strength()).gamma_multiply(0.85);
        painter.circle_filled(at, c.radius, fill);
        let width = if c.selected { 3.0 } else { 1.0 };
        painter.circle_stroke(at, c.radius, Stroke::new(width, outline));
        if c.cluster.reports() > 0 && c.radius >= 9.0 {
            painter.text(
                at,
                Align2::CENTER_CENTER,
                c.cluster.reports().to_string(),
                FontId::proportional(11.0),
                Color32::WHITE,
            );
        }
    }
}

pub(super) fn hover_details(
    ui: &mut Ui,
    cluster: &DrawnCluster,
    data: &MarkerData,
    workspace: &Workspace,
) {
    match cluster.cluster.members[..] {
        [single] => one_location_details(ui, &data.markers[single], data, workspace),
        _ => cluster_details(ui, cluster, data, workspace),
    }
}

/// A location's figures under the filter (without the selection) and its observations.
pub(super) fn marker_figures(
    marker: &Marker,
    data: &MarkerData,
    workspace: &Workspace,
) -> (LocationStats, u64) {
    let counts = workspace
        .unselected
        .summary
        .locations
        .get(marker.location as usize)
        .copied()
        .unwrap_or_default();
    (
        counts,
        u64::from(data.observations[marker.location as usize]),
    )
}

/// The tooltip of one location: country, reports by strength, first and last match,
/// observations.
pub(super) fn one_location_details(
    ui: &mut Ui,
    marker: &Marker,
    data: &MarkerData,
    workspace: &Workspace,
) {
    let location = &workspace.dataset.locations[marker.location as usize];
    let (counts, observations) = marker_figures(marker, data, workspace);
    ui.label(RichText::new(&location.name).strong());
    egui::Grid::new("map hover").num_columns(2).show(ui, |ui| {
        let mut row = |name: &str, value: String| {
            ui.label(name);
            ui.label(value);
            ui.end_row();
        };
        row("Country", location.country.clone());
        row("Reports, IP + time", thousands(counts.reports_ip_time));
        row("Reports, IP only", thousands(counts.reports_ip_only));
        row(
            "First match",
            counts.first_match.map_or("–".to_string(), format_time),
        );
        row(
            "Last match",
            counts.last_match.map_or("–".to_string(), format_time),
        );
        row("Observations", thousands(observations));
    });
    ui.label(RichText::new("Click to select; Ctrl-click to add to the selection.").weak());
}

/// The tooltip of a cluster: its totals and up to ten of its locations.
pub(super) fn cluster_details(
    ui: &mut Ui,
    cluster: &DrawnCluster,
    data: &MarkerData,
    workspace: &Workspace,
) {
    let members = &cluster.cluster.members;
    ui.label(
        RichText::new(format!(
            "{} locations: {} reports IP + time, {} IP only",
            members.len(),
            thousands(cluster.cluster.reports_ip_time),
            thousands(cluster.cluster.reports_ip_only)
        ))
        .strong(),
    );
    egui::Grid::new("map hover cluster")
        .num_columns(5)
        .striped(true)
        .show(ui, |ui| {
            for heading in [
                "Location",
                "Country",
                "IP + time",
                "IP only",
                "Observations",
            ] {
                ui.label(RichText::new(heading).weak());
            }
            ui.end_row();
            for &member in members.iter().take(10) {
                let marker = &data.markers[member];
                let location = &workspace.dataset.locations[marker.location as usize];
                let (counts, observations) = marker_figures(marker, data, workspace);
                ui.label(&location.name);
                ui.label(&location.country);
                ui.label(thousands(counts.reports_ip_time));
                ui.label(thousands(counts.reports_ip_only));
                ui.label(thousands(observations));
                ui.end_row();
            }
        });
    if members.len() > 10 {
        ui.label(format!("… and {} more.", members.len() - 10));
    }
    ui.label(RichText::new("Click to zoom in to these locations.").weak());
}

/// The colours of the overlays: text, and the panel behind it.
#[derive(Clone, Copy)]
pub(super) struct Ink {
    pub(super) text: Color32,
    pub(super) panel: Color32,
}

/// The legend, top left: marker colours and, where the map is tall enough to keep it
/// clear of the scale bar, the basemap's lines; on a strip of a map, nothing.
pub(super) fn legend(painter: &egui::Painter, map_rect: Rect, ink: Ink, style: &Style) {
    let Ink { text, panel } = ink;
    let Some(height) = legend_height(map_rect) else {
        return;
    };
    let with_lines = height > 70.0;
    let legend = Rect::from_min_size(map_rect.min + vec2(8.0, 8.0), vec2(196.0, height));
    painter.rect_filled(legend, 4.0, panel);
    if with_lines {
        line_legend(painter, legend.min + vec2(0.0, 76.0), text, style);
    }
    painter.text(
        legend.min + vec2(8.0, 5.0),
        Align2::LEFT_TOP,
        "Reports matched",
        FontId::proportional(12.0),
        text,
    );
    for (i, strength) in [
        MarkerStrength::IpTime,
        MarkerStrength::IpOnly,
        MarkerStrength::NoMatch,
    ]
    .into_iter()
    .enumerate()
    {
        let y = legend.min.y + 30.0 + 14.0 * i as f32;
        painter.circle_filled(pos2(legend.min.x + 14.0, y), 5.0, theme::strength(strength));
        painter.text(
            pos2(legend.min.x + 26.0, y),
            Align2::LEFT_CENTER,
            strength.label(),
            FontId::proportional(12.0),
            text,
        );
    }
}

/// The legend's height on a map of this size; none where it would meet the scale bar.
fn legend_height(map_rect: Rect) -> Option<f32> {
    // Below it, room for the scale bar (about 40 px).
    match map_rect.height() {
        h if h >= 240.0 => Some(128.0),
        h if h >= 126.0 => Some(70.0),
        _ => None,
    }
}

/// The part of the map (in its own pixels) the legend covers, for labels to keep clear of.
pub(super) fn legend_area(map_rect: Rect) -> [f32; 4] {
    legend_height(map_rect).map_or([0.0; 4], |h| [0.0, 0.0, 212.0, h + 16.0])
}

/// What the basemap's lines are: borders, the dashed province boundaries (drawn for
/// mainland Southeast Asia only, so they end at that region's edge) and rivers.
fn line_legend(painter: &egui::Painter, top_left: Pos2, text: Color32, style: &Style) {
    for (i, (colour, dashed, label)) in image::line_legend(style).into_iter().enumerate() {
        let y = top_left.y + 8.0 + 14.0 * i as f32;
        let (x0, x1) = (top_left.x + 8.0, top_left.x + 22.0);
        let stroke = Stroke::new(1.6, rgb(colour));
        if dashed {
            painter.line_segment([pos2(x0, y), pos2(x0 + 5.0, y)], stroke);
            painter.line_segment([pos2(x0 + 8.0, y), pos2(x1, y)], stroke);
        } else {
            painter.line_segment([pos2(x0, y), pos2(x1, y)], stroke);
        }
        painter.text(
            pos2(top_left.x + 26.0, y),
            Align2::LEFT_CENTER,
            label,
            FontId::proportional(11.0),
            text,
        );
    }
}

/// The scale bar, bottom left.
pub(super) fn scale_bar(painter: &egui::Painter, map_rect: Rect, view: &View, ink: Ink) {
    let Ink { text, panel } = ink;
    let (metres, pixels) = view.scale_bar(120.0);
    let base = pos2(map_rect.min.x + 14.0, map_rect.max.y - 12.0);
    let bar = Rect::from_min_max(
        base - vec2(6.0, 22.0),
        base + vec2(pixels as f32 + 12.0, 6.0),
    );
    painter.rect_filled(bar, 3.0, panel);
    let end = base + vec2(pixels as f32, 0.0);
    let stroke = Stroke::new(1.5, text);
    painter.line_segment([base, end], stroke);
    painter.line_segment([base, base - vec2(0.0, 5.0)], stroke);
    painter.line_segment([end, end - vec2(0.0, 5.0)], stroke);
    painter.text(
        base - vec2(0.0, 8.0),
        Align2::LEFT_BOTTOM,
        image::format_distance(metres),
        FontId::proportional(11.0),
        text,
    );
}
