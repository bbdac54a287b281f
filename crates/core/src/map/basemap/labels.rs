//! Town names for the map and the placing of labels so that none overlap: the most
//! important first, each beside its point or left out. Text is measured by the caller
//! (egui on screen, ab_glyph in headless images), so both place labels the same way.

use std::sync::OnceLock;

const TOWNS_CSV: &str = include_str!("../../../../../assets/basemap/towns.csv");

/// A town from `assets/basemap/towns.csv` (GeoNames).
#[derive(Debug, Clone, PartialEq)]
pub struct Town {
    pub name: String,
    pub country: String,
    pub lon: f64,
    pub lat: f64,
    pub population: u64,
}

/// The bundled towns, most populous first.
pub fn towns() -> &'static [Town] {
    static TOWNS: OnceLock<Vec<Town>> = OnceLock::new();
    TOWNS.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct Row {
            name: String,
            country: String,
            lat: f64,
            lon: f64,
            population: u64,
        }
        let mut towns: Vec<Town> = csv::Reader::from_reader(TOWNS_CSV.as_bytes())
            .deserialize::<Row>()
            .map(|row| {
                let row = row.expect("the bundled towns file is checked by tests");
                Town {
                    name: row.name,
                    country: row.country,
                    lon: row.lon,
                    lat: row.lat,
                    population: row.population,
                }
            })
            .collect();
        towns.sort_by_key(|t| std::cmp::Reverse(t.population));
        towns
    })
}

/// Smallest population labelled at a zoom: only big cities when zoomed out.
pub fn min_population(zoom: f64) -> u64 {
    match zoom {
        z if z < 5.0 => 2_000_000,
        z if z < 6.0 => 500_000,
        z if z < 7.0 => 150_000,
        z if z < 8.0 => 60_000,
        z if z < 9.0 => 25_000,
        _ => 0,
    }
}

/// An axis-aligned box in pixels: (x0, y0, x1, y1).
pub type Box2 = [f32; 4];

/// Labels placed so far in one view; later ones must keep clear of them.
#[derive(Debug, Default)]
pub struct LabelPlacer {
    taken: Vec<Box2>,
    bounds: Option<Box2>,
}

/// Space kept free around every label, in pixels.
const GAP: f32 = 3.0;

impl LabelPlacer {
    /// Labels must lie wholly inside `bounds`.
    pub fn within(bounds: Box2) -> LabelPlacer {
        LabelPlacer {
            taken: Vec::new(),
            bounds: Some(bounds),
        }
    }

    /// Keep this box free (a marker, say) without drawing a label there.
    pub fn reserve(&mut self, area: Box2) {
        self.taken.push(area);
    }

    /// Place a label of `size` beside a point `radius` pixels wide: to the right if that
    /// is free, else to the left, else above or below. Returns the label's top-left
    /// corner, or `None` when every place is taken.
    pub fn place_beside(
        &mut self,
        point: (f32, f32),
        radius: f32,
        size: (f32, f32),
    ) -> Option<(f32, f32)> {
        let (x, y) = point;
        let (w, h) = size;
        let offset = radius + 3.0;
        let candidates = [
            (x + offset, y - h / 2.0),
            (x - offset - w, y - h / 2.0),
            (x - w / 2.0, y - offset - h),
            (x - w / 2.0, y + offset),
        ];
        candidates
            .into_iter()
            .find(|&(left, top)| self.try_take([left, top, left + w, top + h]))
    }

    /// Take `area` if it is free and inside the bounds.
    pub fn try_take(&mut self, area: Box2) -> bool {
        let inside = self.bounds.is_none_or(|b| {
            area[0] >= b[0] && area[1] >= b[1] && area[2] <= b[2] && area[3] <= b[3]
        });
        let free = self.taken.iter().all(|t| {
            area[0] - GAP >= t[2]
                || t[0] >= area[2] + GAP
                || area[1] - GAP >= t[3]
                || t[1] >= area[3] + GAP
        });
        if inside && free {
            self.taken.push(area);
        }
        inside && free
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_towns_read_and_include_the_border_towns() {
        let towns = towns();
        assert!(towns.len() > 3000);
        assert!(towns.windows(2).all(|w| w[0].population >= w[1].population));
        let myawaddy = towns.iter().find(|t| t.name == "Myawaddy").unwrap();
        assert_eq!(myawaddy.country, "MM");
        assert!((myawaddy.lon - 98.509).abs() < 0.01);
        assert!(min_population(4.0) > min_population(8.0));
    }

    #[test]
    fn every_town_name_can_be_drawn_with_the_map_font() {
        use ab_glyph::Font;
        let font = crate::map::image::font();
        for town in towns() {
            for c in town.name.chars() {
                assert_ne!(font.glyph_id(c).0, 0, "{:?} in {}", c, town.name);
            }
        }
    }

    #[test]
    fn labels_never_overlap_and_fall_back_to_the_other_side() {
        let mut placer = LabelPlacer::within([0.0, 0.0, 200.0, 100.0]);
        let first = placer
            .place_beside((50.0, 50.0), 4.0, (40.0, 12.0))
            .unwrap();
        assert_eq!(first, (57.0, 44.0));
        // The same point again: the right side is taken, so it goes left.
        let second = placer
            .place_beside((50.0, 50.0), 4.0, (40.0, 12.0))
            .unwrap();
        assert_eq!(second, (3.0, 44.0));
        // Near the edge a label that does not fit anywhere is left out.
        assert_eq!(placer.place_beside((195.0, 95.0), 4.0, (300.0, 12.0)), None);
        placer.reserve([100.0, 0.0, 200.0, 100.0]);
        assert!(!placer.try_take([150.0, 10.0, 160.0, 20.0]));
        assert!(placer.try_take([0.0, 80.0, 20.0, 95.0]));
    }
}
