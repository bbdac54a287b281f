//! A reports file of any bytes: read completely, matched against the sample locations,
//! and its matches written, without a panic, a hang or unbounded memory.
#![no_main]

use compound_atlas_core::ingest::{ImportOptions, Input, read_locations, read_reports};
use compound_atlas_core::matching::{MatchParams, match_events};
use compound_atlas_core::model::Dataset;
use compound_atlas_core::values::progress::Progress;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|bytes: &[u8]| {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    let input = Input::File(file.path().to_path_buf());
    let progress = Progress::default();
    let Ok(reports) = read_reports(&input, ImportOptions::default(), None, &progress) else {
        return;
    };
    let locations = compound_atlas_core::embedded::sample_inputs().locations;
    let mut dataset = Dataset::default();
    let sample = read_locations(&locations[0].input, ImportOptions::default(), None, &progress);
    dataset.add_locations(sample.unwrap());
    dataset.add_reports(reports);
    let matches = match_events(&dataset, MatchParams::default(), &progress).unwrap();
    let out = tempfile::tempdir().unwrap();
    compound_atlas_core::output::stage_matches(&out.path().join("m.csv"), &dataset, &matches)
        .unwrap();
});
