//! The map without a screen: the offline basemap (data, projection, rasteriser, labels),
//! locations as markers, clusters and outlines, and the map as a PNG image.

pub mod basemap;
pub mod image;
pub mod link_picture;
pub mod markers;
pub mod outlines;
