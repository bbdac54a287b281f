//! A locations file of any bytes: read completely, and its KML written.
#![no_main]

use compound_atlas_core::ingest::{ImportOptions, Input, read_locations};
use compound_atlas_core::model::Dataset;
use compound_atlas_core::values::progress::Progress;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|bytes: &[u8]| {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    let input = Input::File(file.path().to_path_buf());
    let progress = Progress::default();
    let Ok(locations) = read_locations(&input, ImportOptions::default(), None, &progress) else {
        return;
    };
    let mut dataset = Dataset::default();
    dataset.add_locations(locations);
    for location in &dataset.locations {
        for value in [location.lat, location.lon].into_iter().flatten() {
            assert!(value.is_finite() && value.abs() <= 180.0, "{value}");
        }
    }
});
