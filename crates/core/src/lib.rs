//! Compound Atlas's core: match child-exploitation report metadata to scam-compound
//! locations by IP address and time, offline. No GUI and no command line: the workbench
//! and the `compound-atlas` command are its clients, never the other way round.
//!
//! The modules form a pipeline, each importing only from those listed before it:
//!
//! 1. [`values`]: addresses, times, ports, text, progress and cancellation, atomic writes;
//! 2. [`ipdata`]: the AS number, organisation and registered country of addresses,
//!    offline, and known shared networks;
//! 3. [`model`]: reports, events, locations and observations, column-wise;
//! 4. [`ingest`] reads files by the contract; [`matching`] finds (event, observation)
//!    matches; [`params`] holds the parameters as a user types them;
//! 5. [`analysis`]: the filter, aggregates, timeline, drill-down, triage, masking, tables;
//! 6. [`map`]: the offline basemap, markers and headless map images;
//! 7. [`output`] writes the result files, [`pipeline`] reads and matches in one call,
//!    [`export`] writes evidence sets, [`case`] keeps an investigation in one file;
//! 8. [`generate`] makes synthetic data, [`embedded`] holds what the program ships.
//!
//! `docs/architecture.md` walks the data through these layers.

pub mod values;

pub mod ipdata;

pub mod model;

pub mod ingest;
pub mod matching;
pub mod params;

pub mod analysis;

pub mod map;

pub mod case;
pub mod export;
pub mod output;
pub mod pipeline;

pub mod embedded;
pub mod generate;
