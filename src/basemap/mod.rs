//! The offline basemap: layers of polygons and lines built by `scripts/build_basemap.sh`
//! from registry packages and bundled in `assets/basemap/` (see its LICENSES.md). This
//! module reads them and holds the tile projection; rendering tiles is the next step.

pub mod data;
pub mod projection;
