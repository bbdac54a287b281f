//! What the views and exports compute from data and matches: the global filter, the
//! headline and per-location aggregates, the timeline and activity pattern, a report's
//! drill-down, triage tags and notes, masking, and the tables' sort orders.

mod aggregates;
pub mod drilldown;
pub mod filter;
pub mod leads;
pub mod mask;
pub mod tables;
pub mod timeline;
pub mod triage;

pub use aggregates::*;
