//! A location's outline: the area a compound covers, from a GeoJSON or KML polygon.

/// One ring of `[lon, lat]` points; closed (the last point repeats the first) or not.
pub type Ring = Vec<[f64; 2]>;

/// Polygons, each an outer ring followed by its holes, in degrees (`[lon, lat]`, the
/// order GeoJSON and KML use).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Outline {
    pub polygons: Vec<Vec<Ring>>,
}

/// Rings with fewer points than this enclose nothing.
const MIN_RING_POINTS: usize = 3;

impl Outline {
    /// The outline with rings that enclose nothing left out; `None` when nothing is left.
    pub fn new(polygons: Vec<Vec<Ring>>) -> Option<Outline> {
        let polygons: Vec<Vec<Ring>> = polygons
            .into_iter()
            .filter(|rings| {
                rings
                    .first()
                    .is_some_and(|r| distinct(r) >= MIN_RING_POINTS)
            })
            .collect();
        (!polygons.is_empty()).then_some(Outline { polygons })
    }

    /// The centroid `(lat, lon)`: of the area (holes taken out), or of the outer rings'
    /// points when the area is too small to weigh (a degenerate polygon).
    pub fn centroid(&self) -> (f64, f64) {
        // Moments about a point of the outline: about (0, 0) a compound's few hundred
        // metres would vanish in the rounding of products of whole degrees.
        let origin = self.points().next().unwrap_or_default();
        let (mut area, mut x, mut y) = (0.0, 0.0, 0.0);
        for rings in &self.polygons {
            for (i, ring) in rings.iter().enumerate() {
                // Weighed by the absolute area, whichever way the ring is wound; holes
                // (every ring after the first) take theirs away.
                let (a, mx, my) = ring_moments(ring, origin);
                let weight = if i == 0 { 1.0 } else { -1.0 } * a.signum();
                area += a * weight;
                x += mx * weight;
                y += my * weight;
            }
        }
        if area.abs() > 1e-18 {
            return (origin[1] + y / area, origin[0] + x / area);
        }
        let points: Vec<&[f64; 2]> = self
            .polygons
            .iter()
            .filter_map(|p| p.first())
            .flatten()
            .collect();
        let n = points.len().max(1) as f64;
        let lat = points.iter().map(|p| p[1]).sum::<f64>() / n;
        let lon = points.iter().map(|p| p[0]).sum::<f64>() / n;
        (lat, lon)
    }

    /// Every point of every ring.
    pub fn points(&self) -> impl Iterator<Item = [f64; 2]> + '_ {
        self.polygons.iter().flatten().flatten().copied()
    }
}

/// The points of a ring, the closing repeat not counted.
fn distinct(ring: &Ring) -> usize {
    match (ring.first(), ring.last()) {
        (Some(a), Some(b)) if ring.len() > 1 && a == b => ring.len() - 1,
        _ => ring.len(),
    }
}

/// A ring's signed area and its first moments about `origin` (shoelace formula), so
/// that the centroid of several rings is their moments summed over their areas summed.
fn ring_moments(ring: &Ring, origin: [f64; 2]) -> (f64, f64, f64) {
    let (mut area, mut mx, mut my) = (0.0, 0.0, 0.0);
    let n = ring.len();
    for i in 0..n {
        let [x0, y0] = [ring[i][0] - origin[0], ring[i][1] - origin[1]];
        let [x1, y1] = [
            ring[(i + 1) % n][0] - origin[0],
            ring[(i + 1) % n][1] - origin[1],
        ];
        let cross = x0 * y1 - x1 * y0;
        area += cross;
        mx += (x0 + x1) * cross;
        my += (y0 + y1) * cross;
    }
    // area here is twice the signed area; the moments are 6 × area × centroid.
    let signed = area / 2.0;
    if signed == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    (signed, mx / 6.0, my / 6.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, side: f64) -> Ring {
        vec![
            [x, y],
            [x + side, y],
            [x + side, y + side],
            [x, y + side],
            [x, y],
        ]
    }

    #[test]
    fn centroid_of_a_square_is_its_middle() {
        let outline = Outline::new(vec![vec![square(98.0, 16.0, 0.02)]]).unwrap();
        let (lat, lon) = outline.centroid();
        assert!((lat - 16.01).abs() < 1e-9 && (lon - 98.01).abs() < 1e-9);
    }

    #[test]
    fn a_hole_moves_the_centroid_away_from_it_in_either_winding() {
        let mut hole = square(0.0, 0.0, 1.0);
        let expected = {
            let outline = Outline::new(vec![vec![square(0.0, 0.0, 2.0), hole.clone()]]).unwrap();
            outline.centroid()
        };
        // Three quarters of a 2×2 square remain: the centroid is at (7/6, 7/6).
        assert!((expected.0 - 7.0 / 6.0).abs() < 1e-9 && (expected.1 - 7.0 / 6.0).abs() < 1e-9);
        hole.reverse();
        let reversed = Outline::new(vec![vec![square(0.0, 0.0, 2.0), hole]]).unwrap();
        assert_eq!(reversed.centroid(), expected);
    }

    #[test]
    fn two_polygons_weigh_by_area_and_degenerate_ones_fall_back_to_points() {
        let outline = Outline::new(vec![
            vec![square(0.0, 0.0, 1.0)],
            vec![square(10.0, 0.0, 1.0)],
        ])
        .unwrap();
        assert!((outline.centroid().1 - 5.5).abs() < 1e-9);
        let line = Outline::new(vec![vec![vec![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]]]).unwrap();
        assert_eq!(line.centroid(), (1.0, 1.0));
        assert!(Outline::new(vec![vec![vec![[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]).is_none());
    }
}
