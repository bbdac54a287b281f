//! A header row of any names (one per line of the input): mapped to report and
//! location fields without a panic.
#![no_main]

use compound_atlas_core::ingest::headers::{ColumnMap, LocationField, ReportField};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let header: Vec<String> = String::from_utf8_lossy(bytes)
        .split('\n')
        .map(str::to_string)
        .collect();
    let reports = ColumnMap::from_header(&header, &ReportField::ALL, ReportField::names);
    let locations = ColumnMap::from_header(&header, &LocationField::ALL, LocationField::names);
    let _ = (format!("{reports:?}"), format!("{locations:?}"));
});
