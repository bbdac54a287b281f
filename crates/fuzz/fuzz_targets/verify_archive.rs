//! An evidence archive mutated from a real one: verified without a panic, and never
//! called intact unless every listed file is.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("set.zip");
    std::fs::write(&path, bytes).unwrap();
    if let Ok(result) = compound_atlas_core::export::verify::verify(&path) {
        let _ = result.lines();
        if result.is_intact() {
            assert!(result.changed.is_empty() && result.missing.is_empty());
        }
    }
});
