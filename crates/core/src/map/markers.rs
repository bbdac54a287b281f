//! Locations as map markers: where they are, how big (area ∝ reports matched under the
//! current filter) and what colour (best strength), and how nearby markers cluster at low
//! zoom. No drawing here: the GUI and the headless map image both use these figures.

use crate::analysis::LocationStats;
use crate::map::basemap::projection::to_world;
use crate::model::{Dataset, Location};

/// The best strength of the reports matched at a location, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkerStrength {
    NoMatch,
    IpOnly,
    IpTime,
}

impl MarkerStrength {
    fn of(reports_ip_time: u64, reports_ip_only: u64) -> MarkerStrength {
        if reports_ip_time > 0 {
            MarkerStrength::IpTime
        } else if reports_ip_only > 0 {
            MarkerStrength::IpOnly
        } else {
            MarkerStrength::NoMatch
        }
    }

    /// Fill colour as (r, g, b); the legend, both renderers and the GUI theme use these.
    pub const fn colour(self) -> [u8; 3] {
        match self {
            MarkerStrength::IpTime => [0xd9, 0x48, 0x2b],
            MarkerStrength::IpOnly => [0xe0, 0x9a, 0x1f],
            MarkerStrength::NoMatch => [140, 140, 140],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MarkerStrength::IpTime => "IP + time",
            MarkerStrength::IpOnly => "IP only",
            MarkerStrength::NoMatch => "no match",
        }
    }
}

/// One location with coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Index into `Dataset::locations`.
    pub location: u32,
    pub lon: f64,
    pub lat: f64,
    /// Web Mercator world units (see `basemap::projection`).
    pub world: (f64, f64),
    pub reports_ip_time: u64,
    pub reports_ip_only: u64,
}

impl Marker {
    /// A marker at (lon, lat) with its report counts.
    pub fn new(
        location: u32,
        lon: f64,
        lat: f64,
        reports_ip_time: u64,
        reports_ip_only: u64,
    ) -> Marker {
        Marker {
            location,
            lon,
            lat,
            world: to_world(lon, lat),
            reports_ip_time,
            reports_ip_only,
        }
    }

    pub fn reports(&self) -> u64 {
        self.reports_ip_time + self.reports_ip_only
    }
    pub fn strength(&self) -> MarkerStrength {
        MarkerStrength::of(self.reports_ip_time, self.reports_ip_only)
    }
}

/// A marker for every location that has coordinates, with the counts of `stats`
/// (indexed like the locations).
pub fn markers(dataset: &Dataset, stats: &[LocationStats]) -> Vec<Marker> {
    dataset
        .locations
        .iter()
        .enumerate()
        .filter_map(|(i, location)| {
            let (lat, lon) = (location.lat?, location.lon?);
            let counts = stats.get(i).copied().unwrap_or_default();
            Some(Marker::new(
                i as u32,
                lon,
                lat,
                counts.reports_ip_time,
                counts.reports_ip_only,
            ))
        })
        .collect()
}

/// Marker radius: area grows in proportion to reports above a small base disc, so that a
/// location without reports stays visible and clickable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeScale {
    /// Squared radius added per report.
    per_report: f64,
}

pub const BASE_RADIUS: f64 = 5.0;
pub const MAX_RADIUS: f64 = 26.0;
/// Clusters may grow past the largest single marker, up to this.
pub const MAX_CLUSTER_RADIUS: f64 = 34.0;

impl SizeScale {
    /// The location with the most reports gets [`MAX_RADIUS`].
    pub fn for_markers(markers: &[Marker]) -> SizeScale {
        let most = markers
            .iter()
            .map(Marker::reports)
            .max()
            .unwrap_or(0)
            .max(1);
        SizeScale {
            per_report: (MAX_RADIUS.powi(2) - BASE_RADIUS.powi(2)) / most as f64,
        }
    }

    pub fn radius(&self, reports: u64) -> f64 {
        (BASE_RADIUS.powi(2) + self.per_report * reports as f64)
            .sqrt()
            .min(MAX_CLUSTER_RADIUS)
    }
}

/// Markers drawn as one: a single marker, or several close together on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Indexes into the markers, the one with most reports first.
    pub members: Vec<usize>,
    /// Where it is drawn, in the caller's pixels (at its largest member).
    pub at: (f64, f64),
    pub reports_ip_time: u64,
    pub reports_ip_only: u64,
}

impl Cluster {
    pub fn reports(&self) -> u64 {
        self.reports_ip_time + self.reports_ip_only
    }
    pub fn strength(&self) -> MarkerStrength {
        MarkerStrength::of(self.reports_ip_time, self.reports_ip_only)
    }
}

/// Group markers that lie within reach of a larger one. Markers are taken largest first,
/// each joining the first cluster whose centre is within `reach(its reports)` pixels, so
/// the result does not depend on the order of the input. `reach` must not exceed
/// `reach(u64::MAX)`. `to_pixel` maps world units to the view's pixels; `visible` limits
/// the work to what is on screen (plus a margin).
pub fn cluster(
    markers: &[Marker],
    to_pixel: impl Fn((f64, f64)) -> (f64, f64),
    reach: impl Fn(u64) -> f64,
    visible: [f64; 4],
) -> Vec<Cluster> {
    let distance = reach(u64::MAX);
    let mut order: Vec<(usize, (f64, f64))> = markers
        .iter()
        .enumerate()
        .map(|(i, m)| (i, to_pixel(m.world)))
        .filter(|(_, (x, y))| {
            let [x0, y0, x1, y1] = visible;
            (x0 - distance..=x1 + distance).contains(x)
                && (y0 - distance..=y1 + distance).contains(y)
        })
        .collect();
    order.sort_by(|a, b| {
        markers[b.0]
            .reports()
            .cmp(&markers[a.0].reports())
            .then(markers[a.0].location.cmp(&markers[b.0].location))
    });
    // Cluster centres bucketed by grid cells of `distance`, so a lookup checks 9 cells.
    let cell = distance.max(1.0);
    let key = |(x, y): (f64, f64)| ((x / cell).floor() as i64, (y / cell).floor() as i64);
    let mut grid: hashbrown::HashMap<(i64, i64), Vec<usize>> = hashbrown::HashMap::new();
    let mut clusters: Vec<Cluster> = Vec::new();
    for (index, at) in order {
        let (cx, cy) = key(at);
        let joined = (cx - 1..=cx + 1)
            .flat_map(|gx| (cy - 1..=cy + 1).map(move |gy| (gx, gy)))
            .filter_map(|k| grid.get(&k))
            .flatten()
            .copied()
            .filter(|&c| {
                let (x, y) = clusters[c].at;
                let seed = &markers[clusters[c].members[0]];
                (x - at.0).hypot(y - at.1) < reach(seed.reports())
            })
            .min();
        let marker = &markers[index];
        match joined {
            Some(c) => {
                let cluster = &mut clusters[c];
                cluster.members.push(index);
                cluster.reports_ip_time += marker.reports_ip_time;
                cluster.reports_ip_only += marker.reports_ip_only;
            }
            None => {
                grid.entry(key(at)).or_default().push(clusters.len());
                clusters.push(Cluster {
                    members: vec![index],
                    at,
                    reports_ip_time: marker.reports_ip_time,
                    reports_ip_only: marker.reports_ip_only,
                });
            }
        }
    }
    clusters
}

/// The box a map opens on, and "Fit to data" shows: the markers with matched reports,
/// or all of them when none has any, with their locations' outlines whole.
pub fn framing_bounds(markers: &[Marker], locations: &[Location]) -> Option<[f64; 4]> {
    let matched: Vec<&Marker> = markers.iter().filter(|m| m.reports() > 0).collect();
    let framed = if matched.is_empty() {
        markers.iter().collect()
    } else {
        matched
    };
    let bbox = bounds(framed.iter().copied())?;
    Some(super::outlines::grow_to_outlines(bbox, locations, framed))
}

/// The box (west, south, east, north) around some markers, or `None` for none.
pub fn bounds<'a>(markers: impl IntoIterator<Item = &'a Marker>) -> Option<[f64; 4]> {
    markers.into_iter().fold(None, |acc, m| {
        Some(match acc {
            None => [m.lon, m.lat, m.lon, m.lat],
            Some([w, s, e, n]) => [w.min(m.lon), s.min(m.lat), e.max(m.lon), n.max(m.lat)],
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn marker(location: u32, lon: f64, lat: f64, ip_time: u64, ip_only: u64) -> Marker {
        Marker::new(location, lon, lat, ip_time, ip_only)
    }

    #[test]
    fn area_grows_with_reports_and_colour_follows_the_best_strength() {
        let markers = vec![marker(0, 98.5, 16.6, 40, 10), marker(1, 98.6, 16.7, 0, 0)];
        let scale = SizeScale::for_markers(&markers);
        assert_eq!(scale.radius(0), BASE_RADIUS);
        assert!((scale.radius(50) - MAX_RADIUS).abs() < 1e-9);
        // Area above the base disc doubles when the reports double.
        let extra = |n| scale.radius(n).powi(2) - BASE_RADIUS.powi(2);
        assert!((extra(20) / extra(10) - 2.0).abs() < 1e-9);
        assert_eq!(markers[0].strength(), MarkerStrength::IpTime);
        assert_eq!(markers[1].strength(), MarkerStrength::NoMatch);
        assert_eq!(marker(2, 0.0, 0.0, 0, 3).strength(), MarkerStrength::IpOnly);
        assert_eq!(bounds(&markers), Some([98.5, 16.6, 98.6, 16.7]));
    }

    #[test]
    fn nearby_markers_cluster_when_zoomed_out_and_split_when_zoomed_in() {
        let markers = vec![
            marker(0, 98.542, 16.618, 5, 0),  // KK Park
            marker(1, 98.531, 16.8205, 2, 1), // Shwe Kokko
            marker(2, 103.53, 10.61, 0, 4),   // Sihanoukville
        ];
        let at_zoom = |zoom: f64| {
            let scale = 256.0 * 2f64.powf(zoom);
            let view = [-1e12, -1e12, 1e12, 1e12];
            cluster(&markers, |(x, y)| (x * scale, y * scale), |_| 40.0, view)
        };
        let far = at_zoom(5.0);
        assert_eq!(far.len(), 2);
        assert_eq!(far[0].members, vec![0, 1]);
        assert_eq!((far[0].reports_ip_time, far[0].reports_ip_only), (7, 1));
        assert_eq!(far[1].strength(), MarkerStrength::IpOnly);
        assert_eq!(at_zoom(12.0).len(), 3);
    }

    proptest! {
        /// Every marker on screen lands in exactly one cluster, within reach of its
        /// centre, and the counts add up.
        #[test]
        fn clusters_partition_the_visible_markers(
            points in prop::collection::vec((0.0f64..1000.0, 0.0f64..1000.0, 0u64..20), 0..60),
            distance in 1.0f64..200.0,
        ) {
            let markers: Vec<Marker> = points
                .iter()
                .enumerate()
                .map(|(i, &(x, y, n))| Marker {
                    location: i as u32, lon: 0.0, lat: 0.0, world: (x, y),
                    reports_ip_time: n, reports_ip_only: 0,
                })
                .collect();
            let clusters = cluster(&markers, |p| p, |_| distance, [0.0, 0.0, 1000.0, 1000.0]);
            let mut seen: Vec<usize> = clusters.iter().flat_map(|c| c.members.clone()).collect();
            seen.sort();
            prop_assert_eq!(seen, (0..markers.len()).collect::<Vec<_>>());
            for c in &clusters {
                let total: u64 = c.members.iter().map(|&m| markers[m].reports()).sum();
                prop_assert_eq!(total, c.reports());
                for &m in &c.members {
                    let (x, y) = markers[m].world;
                    prop_assert!((x - c.at.0).hypot(y - c.at.1) < distance || m == c.members[0]);
                }
            }
        }
    }
}
