//! What the views and exports compute from data and matches: the global filter, the
//! headline and per-location aggregates, the timeline and activity pattern, a report's
//! drill-down, triage tags and notes, masking, the tables' sort orders, and links:
//! accounts, second-degree ties, clusters and the lead score.

pub mod accounts;
mod aggregates;
pub mod clusters;
pub mod drilldown;
pub mod filter;
pub mod graph;
pub mod layout;
pub mod leads;
pub mod link_chart;
pub mod links;
pub mod mask;
mod profiles;
pub mod ranking;
pub mod tables;
pub mod timeline;
pub mod triage;

pub use aggregates::*;
