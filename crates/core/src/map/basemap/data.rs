//! Reading the basemap's binary layer files (format described in
//! `scripts/build_basemap.py`): layers of features, each a bounding box and rings of
//! points stored as zigzag varint deltas in millionths of a degree.

use crate::values::bytes::{ByteReader, Truncated};
use thiserror::Error;

/// Natural Earth (public domain) world layers and provinces in the detailed region.
pub const WORLD: &[u8] = include_bytes!("../../../../../assets/basemap/world.bin");
/// DCW land and country polygons, GSHHG/WDBII borders and rivers (LGPL-3+).
pub const GSHHG_DCW: &[u8] = include_bytes!("../../../../../assets/basemap/gshhg_dcw.bin");

#[derive(Debug, Error, PartialEq, Eq)]
pub enum BasemapError {
    #[error("not a basemap file (no CABM magic)")]
    NotBasemap,
    #[error("basemap format version {0} is not supported (expected 1)")]
    Version(u32),
    #[error("basemap file ends early at byte {0}")]
    Truncated(usize),
}

/// One feature: its bounding box (lon0, lat0, lon1, lat1) and rings of (lon, lat).
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub bbox: [f32; 4],
    pub rings: Vec<Vec<[f64; 2]>>,
}

/// One layer: what it is, how to draw it and at which zooms.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub id: u8,
    pub polygons: bool,
    pub min_zoom: u8,
    pub max_zoom: u8,
    pub name: String,
    pub features: Vec<Feature>,
}

impl From<Truncated> for BasemapError {
    fn from(Truncated(at): Truncated) -> Self {
        BasemapError::Truncated(at)
    }
}

/// Parse one basemap file into its layers.
pub fn parse(bytes: &[u8]) -> Result<Vec<Layer>, BasemapError> {
    let mut r = ByteReader::new(bytes);
    if r.take(4).map_err(|_| BasemapError::NotBasemap)? != b"CABM" {
        return Err(BasemapError::NotBasemap);
    }
    let version = r.u32()?;
    if version != 1 {
        return Err(BasemapError::Version(version));
    }
    let layer_count = r.u32()?;
    let mut layers = Vec::new();
    for _ in 0..layer_count {
        let (id, geometry, min_zoom, max_zoom) = (r.u8()?, r.u8()?, r.u8()?, r.u8()?);
        let name_len = usize::from(r.u16()?);
        let name = String::from_utf8_lossy(r.take(name_len)?).into_owned();
        let feature_count = r.u32()?;
        let mut features = Vec::new();
        for _ in 0..feature_count {
            let bbox = [r.f32()?, r.f32()?, r.f32()?, r.f32()?];
            let ring_count = r.u32()?;
            let mut rings = Vec::new();
            for _ in 0..ring_count {
                let points = r.u32()? as usize;
                // Each point takes at least two bytes, so a bad count cannot allocate much.
                let mut ring = Vec::with_capacity(points.min(bytes.len() / 2));
                let (mut x, mut y) = (0i64, 0i64);
                for _ in 0..points {
                    x += r.zigzag()?;
                    y += r.zigzag()?;
                    ring.push([x as f64 * 1e-6, y as f64 * 1e-6]);
                }
                rings.push(ring);
            }
            features.push(Feature { bbox, rings });
        }
        layers.push(Layer {
            id,
            polygons: geometry == 0,
            min_zoom,
            max_zoom,
            name,
            features,
        });
    }
    Ok(layers)
}

/// Whether (lon, lat) lies inside a feature's rings, by the even-odd rule the renderer
/// fills with (holes are rings inside rings).
pub fn contains(feature: &Feature, lon: f64, lat: f64) -> bool {
    let mut inside = false;
    for ring in &feature.rings {
        for pair in ring.windows(2) {
            let ([x0, y0], [x1, y1]) = (pair[0], pair[1]);
            if (y0 > lat) != (y1 > lat) && lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0) {
                inside = !inside;
            }
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country<'a>(layers: &'a [Layer], name: &str) -> &'a Feature {
        let layer = layers
            .iter()
            .find(|l| l.name == format!("country {name} (DCW)"))
            .unwrap_or_else(|| panic!("no polygon for {name}"));
        &layer.features[0]
    }

    #[test]
    fn the_border_towns_lie_in_myanmar_not_thailand() {
        let layers = parse(GSHHG_DCW).unwrap();
        let myanmar = country(&layers, "Myanmar");
        let thailand = country(&layers, "Thailand");
        // The gazetteer's coordinates (assets/compounds.csv): Natural Earth's border puts
        // these in Thailand; the bundled DCW polygon must not.
        for (name, lat, lon) in [
            ("KK Park", 16.6180, 98.5420),
            ("Shwe Kokko", 16.8205, 98.5309),
            ("Myawaddy", 16.6833, 98.5100),
        ] {
            assert!(contains(myanmar, lon, lat), "{name} is not in Myanmar");
            assert!(!contains(thailand, lon, lat), "{name} is in Thailand");
        }
        // And across the river, Mae Sot is in Thailand.
        assert!(contains(thailand, 98.5667, 16.7167));
        assert!(!contains(myanmar, 98.5667, 16.7167));
    }

    #[test]
    fn every_layer_reads_and_has_features_in_range() {
        for file in [WORLD, GSHHG_DCW] {
            let layers = parse(file).unwrap();
            assert!(layers.len() >= 6);
            for layer in &layers {
                assert!(!layer.features.is_empty(), "{} is empty", layer.name);
                for feature in &layer.features {
                    for &[lon, lat] in feature.rings.iter().flatten() {
                        assert!((-180.0..=180.0).contains(&lon), "{}: lon {lon}", layer.name);
                        assert!((-90.0..=90.0).contains(&lat), "{}: lat {lat}", layer.name);
                    }
                }
            }
        }
    }

    #[test]
    fn bad_files_give_errors_not_panics() {
        assert_eq!(parse(b"PK\x03\x04"), Err(BasemapError::NotBasemap));
        assert_eq!(parse(b""), Err(BasemapError::NotBasemap));
        assert_eq!(
            parse(b"CABM\x02\0\0\0\0\0\0\0"),
            Err(BasemapError::Version(2))
        );
        for cut in [8, 12, 20, 40, 1000] {
            assert!(matches!(
                parse(&GSHHG_DCW[..cut]),
                Err(BasemapError::Truncated(_))
            ));
        }
    }
}
