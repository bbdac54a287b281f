//! The offline basemap: layers of polygons and lines built by `scripts/build_basemap.sh`
//! from registry packages and bundled in `assets/basemap/` (see its LICENSES.md). This
//! module reads them, holds the tile projection, rasterises views and places labels.

pub mod data;
pub mod labels;
pub mod projection;
pub mod render;
