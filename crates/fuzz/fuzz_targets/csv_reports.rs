//! A reports file of any bytes: read completely, matched against a few locations, and
//! every match turned into its `matches.csv` row, without a panic, a hang or unbounded
//! memory.
#![no_main]

use compound_atlas_core::ingest::{ImportOptions, Input, read_locations, read_reports};
use compound_atlas_core::matching::{MatchParams, match_events};
use compound_atlas_core::model::Dataset;
use compound_atlas_core::values::progress::Progress;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

const LOCATIONS: &[u8] = b"location_id,name,country,lat,lon,ip,first_seen,last_seen,ports\n\
a,A,MM,16.6,98.5,198.18.0.0/16,2023-01-01,2023-12-31,\n\
b,B,KH,10.6,103.5,2001:db8::/48,,,443-8443\n\
c,C,KH,10.6,103.5,203.0.113.10-203.0.113.20,2022-06-01T00:00:00Z,,\n";

fuzz_target!(|bytes: &[u8]| {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    let input = Input::File(file.path().to_path_buf());
    let progress = Progress::default();
    let Ok(reports) = read_reports(&input, ImportOptions::default(), None, &progress) else {
        return;
    };
    let locations = Input::Embedded {
        name: "locations.csv",
        bytes: LOCATIONS,
    };
    let mut dataset = Dataset::default();
    let read = read_locations(&locations, ImportOptions::default(), None, &progress);
    dataset.add_locations(read.unwrap());
    dataset.add_reports(reports);
    let matches = match_events(&dataset, MatchParams::default(), &progress).unwrap();
    for i in compound_atlas_core::output::sorted_match_order(&dataset, &matches) {
        let m = &matches.matches[i as usize];
        let _ = compound_atlas_core::output::match_record(&dataset, m, false);
        let _ = compound_atlas_core::output::match_record(&dataset, m, true);
    }
});
