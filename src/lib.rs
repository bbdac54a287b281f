//! Compound Atlas: match child-exploitation report metadata to scam-compound locations
//! by IP address and time, offline.
//!
//! The library is the functional core: [`ingest`] reads the files of the contract,
//! [`matching`] finds (event, observation) matches, [`analysis`] aggregates them and
//! [`output`] writes the result files. The command line and the GUI are thin shells.

pub mod analysis;
pub mod basemap;
pub mod case;
pub mod cli;
pub mod drilldown;
pub mod export;
pub mod filter;
pub mod generate;
pub mod gui;
pub mod ingest;
pub mod map_image;
pub mod markers;
pub mod mask;
pub mod matching;
pub mod model;
pub mod output;
pub mod params;
pub mod pipeline;
pub mod tables;
pub mod timeline;
pub mod triage;
