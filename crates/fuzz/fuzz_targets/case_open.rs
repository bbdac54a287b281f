//! A case file mutated from a real one: opened and, when it opens, matched and
//! summarised, without a panic (every stored number is checked on open).
#![no_main]

use compound_atlas_core::matching::{MatchParams, match_events};
use compound_atlas_core::values::progress::Progress;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.case");
    std::fs::write(&path, bytes).unwrap();
    let progress = Progress::default();
    let Ok(case) = compound_atlas_core::case::open(&path, &progress) else {
        return;
    };
    let Ok(matches) = match_events(&case.dataset, MatchParams::default(), &progress) else {
        return;
    };
    let view = compound_atlas_core::analysis::filter::apply_with_triage(
        &case.dataset,
        &matches,
        &case.state.filter,
        &case.state.triage,
    );
    let _ = compound_atlas_core::map::markers::markers(&case.dataset, &view.summary.locations);
    let _ = case.state.filter.describe();
});
