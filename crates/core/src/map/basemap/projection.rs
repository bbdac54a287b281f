//! Web Mercator as map tiles use it: positions in "world units" (0..1 across and down),
//! tile numbers, fitting a bounding box into a view, and scale-bar lengths.

use std::f64::consts::PI;

/// Web Mercator stops here, so that the world is square.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;
/// Tiles are this many pixels across.
pub const TILE_SIZE: f64 = 256.0;
/// The zooms the basemap is made for.
pub const MIN_ZOOM: f64 = 3.0;
pub const MAX_ZOOM: f64 = 16.0;
const EARTH_CIRCUMFERENCE_M: f64 = 40_075_016.686;

/// (lon, lat) in degrees to world units: x from 0 (180°W) to 1, y from 0 (north) to 1.
pub fn to_world(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0;
    (x, y)
}

/// World units back to (lon, lat) in degrees.
pub fn from_world(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let lat = (PI * (1.0 - 2.0 * y)).sinh().atan().to_degrees();
    (lon, lat)
}

/// The tile (x, y) holding a position at an integer zoom.
pub fn tile_of(lon: f64, lat: f64, zoom: u8) -> (u32, u32) {
    let n = f64::from(1u32 << zoom);
    let (x, y) = to_world(lon, lat);
    let clamp = |v: f64| (v * n).floor().clamp(0.0, n - 1.0) as u32;
    (clamp(x), clamp(y))
}

/// A tile's bounds as (west, south, east, north) in degrees.
pub fn tile_bounds(zoom: u8, x: u32, y: u32) -> [f64; 4] {
    let n = f64::from(1u32 << zoom);
    let (west, north) = from_world(f64::from(x) / n, f64::from(y) / n);
    let (east, south) = from_world(f64::from(x + 1) / n, f64::from(y + 1) / n);
    [west, south, east, north]
}

/// The centre (lon, lat) and zoom that show `bbox` (west, south, east, north) whole in a
/// view of `width` × `height` pixels with `padding` pixels kept free on each side. A
/// single point (or a tiny box) gets `max_zoom`.
pub fn fit_bounds(
    bbox: [f64; 4],
    width: f64,
    height: f64,
    padding: f64,
    max_zoom: f64,
) -> ((f64, f64), f64) {
    let (x0, y1) = to_world(bbox[0], bbox[1]);
    let (x1, y0) = to_world(bbox[2], bbox[3]);
    let centre = from_world((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let usable_w = (width - 2.0 * padding).max(1.0);
    let usable_h = (height - 2.0 * padding).max(1.0);
    // At zoom z the world is TILE_SIZE · 2^z pixels across.
    let zoom_for = |extent: f64, pixels: f64| {
        if extent <= 0.0 {
            f64::INFINITY
        } else {
            (pixels / (extent * TILE_SIZE)).log2()
        }
    };
    let zoom = zoom_for(x1 - x0, usable_w)
        .min(zoom_for(y1 - y0, usable_h))
        .clamp(MIN_ZOOM, max_zoom);
    (centre, zoom)
}

/// Ground metres per screen pixel at a latitude and zoom.
pub fn metres_per_pixel(lat: f64, zoom: f64) -> f64 {
    EARTH_CIRCUMFERENCE_M * lat.to_radians().cos() / (TILE_SIZE * 2f64.powf(zoom))
}

/// The longest round length (1, 2 or 5 × a power of ten metres) that fits in
/// `max_pixels`, and its length in pixels, for a scale bar.
pub fn scale_bar(metres_per_pixel: f64, max_pixels: f64) -> (f64, f64) {
    let longest = metres_per_pixel * max_pixels;
    let power = 10f64.powf(longest.log10().floor());
    let metres = [5.0, 2.0, 1.0]
        .into_iter()
        .map(|step| step * power)
        .find(|&m| m <= longest)
        .unwrap_or(power);
    (metres, metres / metres_per_pixel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_survive_the_round_trip_and_tiles_are_numbered_like_osm() {
        for (lon, lat) in [
            (98.51, 16.6833),
            (103.5296, 10.6093),
            (-179.9, -60.0),
            (0.0, 0.0),
        ] {
            let (x, y) = to_world(lon, lat);
            let (lon2, lat2) = from_world(x, y);
            assert!((lon - lon2).abs() < 1e-9 && (lat - lat2).abs() < 1e-9);
        }
        let (x, y) = to_world(-180.0, MAX_LATITUDE);
        assert!(x.abs() < 1e-12 && y.abs() < 1e-12);
        // Worked by hand from the slippy-map formulas: Myawaddy at zoom 12.
        assert_eq!(tile_of(98.51, 16.6833, 12), (3168, 1855));
        let [west, south, east, north] = tile_bounds(12, 3168, 1855);
        assert!(west <= 98.51 && 98.51 < east && south <= 16.6833 && 16.6833 < north);
        // The poles clamp to the first and last row rather than leaving the grid.
        assert_eq!(tile_of(10.0, 89.9, 3).1, 0);
        assert_eq!(tile_of(10.0, -89.9, 3).1, 7);
    }

    #[test]
    fn fit_to_bounds_shows_the_whole_box_and_no_more_than_needed() {
        // KK Park, Shwe Kokko and Sihanoukville in an 800 × 600 view.
        let bbox = [98.5309, 10.6093, 103.5296, 16.8205];
        let ((lon, lat), zoom) = fit_bounds(bbox, 800.0, 600.0, 40.0, MAX_ZOOM);
        let (cx, cy) = to_world(lon, lat);
        let scale = TILE_SIZE * 2f64.powf(zoom);
        for (corner_lon, corner_lat) in [(bbox[0], bbox[1]), (bbox[2], bbox[3])] {
            let (x, y) = to_world(corner_lon, corner_lat);
            let (px, py) = ((x - cx) * scale + 400.0, (y - cy) * scale + 300.0);
            assert!((40.0 - 1e-6..=760.0 + 1e-6).contains(&px), "x {px}");
            assert!((40.0 - 1e-6..=560.0 + 1e-6).contains(&py), "y {py}");
        }
        // The tighter axis (north-south here) fills the usable height exactly.
        let (_, top) = to_world(0.0, bbox[3]);
        let (_, bottom) = to_world(0.0, bbox[1]);
        assert!(((bottom - top) * scale - 520.0).abs() < 1e-6);
        // One point zooms to the limit given; a whole hemisphere stops at the minimum.
        assert_eq!(
            fit_bounds([98.5, 16.7, 98.5, 16.7], 800.0, 600.0, 40.0, 14.0).1,
            14.0
        );
        assert_eq!(
            fit_bounds([-180.0, -80.0, 180.0, 80.0], 400.0, 300.0, 0.0, 16.0).1,
            MIN_ZOOM
        );
    }

    #[test]
    fn scale_bars_use_round_lengths_that_fit() {
        let at_equator_z0 = metres_per_pixel(0.0, 0.0);
        assert!((at_equator_z0 - 156_543.03).abs() < 0.01);
        // Zoom 12 at Myawaddy: about 36.6 m per pixel, so 120 px hold 2 km but not 5 km.
        let mpp = metres_per_pixel(16.68, 12.0);
        let (metres, pixels) = scale_bar(mpp, 120.0);
        assert_eq!(metres, 2000.0);
        assert!(pixels <= 120.0 && pixels > 40.0);
        assert_eq!(scale_bar(1.0, 99.0).0, 50.0);
        assert_eq!(scale_bar(1.0, 100.0).0, 100.0);
    }
}
