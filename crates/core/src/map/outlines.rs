//! Locations' outlines on the map: those of the markers shown, in their marker's strength
//! colour, drawn into an image under the markers; and the frame that holds them whole.

use super::basemap::render::View;
use super::markers::{Marker, MarkerStrength};
use crate::model::{Location, Outline};
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// How strongly an outline is filled: lightly, so the basemap reads through.
const FILL_ALPHA: u8 = 46;

/// One location's outline and the strength of its marker.
pub struct ShownOutline<'a> {
    pub strength: MarkerStrength,
    pub outline: &'a Outline,
}

/// The outlines of the markers' locations, in the markers' order.
pub fn shown_outlines<'a>(locations: &'a [Location], markers: &[Marker]) -> Vec<ShownOutline<'a>> {
    markers
        .iter()
        .filter_map(|m| {
            let outline = locations.get(m.location as usize)?.outline.as_ref()?;
            Some(ShownOutline {
                strength: m.strength(),
                outline,
            })
        })
        .collect()
}

/// `bbox` (west, south, east, north) grown to hold every point of the outlines of
/// `markers`' locations.
pub fn grow_to_outlines<'a>(
    bbox: [f64; 4],
    locations: &[Location],
    markers: impl IntoIterator<Item = &'a Marker>,
) -> [f64; 4] {
    let outlines = markers
        .into_iter()
        .filter_map(|m| locations.get(m.location as usize)?.outline.as_ref());
    outlines
        .flat_map(Outline::points)
        .fold(bbox, |[w, s, e, n], [lon, lat]| {
            [w.min(lon), s.min(lat), e.max(lon), n.max(lat)]
        })
}

/// Each outline filled lightly (holes left open) and stroked in its strength colour.
pub fn draw_outlines(pixmap: &mut Pixmap, view: &View, outlines: &[ShownOutline]) {
    for shown in outlines {
        let Some(path) = outline_path(view, shown.outline) else {
            continue;
        };
        let mut paint = Paint::default();
        let [r, g, b] = shown.strength.colour();
        paint.set_color_rgba8(r, g, b, FILL_ALPHA);
        paint.anti_alias = true;
        let identity = Transform::identity();
        pixmap.fill_path(&path, &paint, FillRule::EvenOdd, identity, None);
        paint.set_color_rgba8(r, g, b, 255);
        let stroke = Stroke {
            width: 1.5,
            ..Stroke::default()
        };
        pixmap.stroke_path(&path, &paint, &stroke, identity, None);
    }
}

/// Every ring of the outline as a closed figure in the view's pixels.
fn outline_path(view: &View, outline: &Outline) -> Option<tiny_skia::Path> {
    let mut builder = PathBuilder::new();
    for ring in outline.polygons.iter().flatten() {
        let mut corners = ring.iter().map(|p| view.lon_lat_to_pixel(p[0], p[1]));
        let Some((x, y)) = corners.next() else {
            continue;
        };
        builder.move_to(x as f32, y as f32);
        for (x, y) in corners {
            builder.line_to(x as f32, y as f32);
        }
        builder.close();
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::markers::framing_bounds;

    fn square(west: f64, south: f64, side: f64) -> Outline {
        let ring = vec![
            [west, south],
            [west + side, south],
            [west + side, south + side],
            [west, south + side],
            [west, south],
        ];
        Outline::new(vec![vec![ring]]).unwrap()
    }

    fn located(outline: Option<Outline>) -> Location {
        Location {
            id: "site".into(),
            lat: Some(16.75),
            lon: Some(98.55),
            outline,
            ..Location::default()
        }
    }

    #[test]
    fn the_frame_holds_an_outline_whole_not_only_its_marker() {
        let locations = [located(Some(square(98.0, 16.0, 2.0)))];
        let markers = [Marker::new(0, 98.55, 16.75, 3, 0)];
        assert_eq!(
            framing_bounds(&markers, &locations),
            Some([98.0, 16.0, 100.0, 18.0])
        );
        let pointless = [located(None)];
        assert_eq!(
            framing_bounds(&markers, &pointless),
            Some([98.55, 16.75, 98.55, 16.75])
        );
    }

    #[test]
    fn an_outline_is_filled_lightly_and_edged_in_its_strength_colour() {
        let locations = [located(Some(square(98.0, 16.0, 2.0)))];
        let markers = [Marker::new(0, 99.0, 17.0, 3, 0)];
        let view = View::centred(99.0, 17.0, 7.0, 400, 400);
        let mut pixmap = Pixmap::new(400, 400).unwrap();
        pixmap.fill(tiny_skia::Color::WHITE);
        let shown = shown_outlines(&locations, &markers);
        assert_eq!(shown.len(), 1);
        draw_outlines(&mut pixmap, &view, &shown);
        let pixel = |(x, y): (f64, f64)| pixmap.pixel(x as u32, y as u32).unwrap();
        let [r, g, b] = MarkerStrength::IpTime.colour();
        // Inside, a short way in from the south-west corner: white tinted, not covered.
        let inside = pixel(view.lon_lat_to_pixel(98.3, 16.3));
        assert!(inside.red() > 200 && inside.green() < 255, "{inside:?}");
        // On the western edge: near the colour itself (anti-aliased), far darker than
        // the fill.
        let (x, y) = view.lon_lat_to_pixel(98.0, 17.0);
        let edge = pixel((x.round(), y));
        let near = |a: u8, b: u8| a.abs_diff(b) < 60;
        assert!(
            near(edge.red(), r) && near(edge.green(), g) && near(edge.blue(), b),
            "{edge:?}"
        );
        assert!(edge.green() + 60 < inside.green(), "{edge:?} {inside:?}");
        // Outside: untouched.
        let outside = pixel(view.lon_lat_to_pixel(97.5, 17.0));
        assert_eq!((outside.red(), outside.green()), (255, 255));
    }
}
