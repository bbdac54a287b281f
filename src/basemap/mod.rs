//! The offline basemap: layers of polygons and lines built by `scripts/build_basemap.sh`
//! from registry packages and bundled in `assets/basemap/` (see its LICENSES.md). This
//! module reads them; rendering them into map tiles is the map issue's next step.

pub mod data;
