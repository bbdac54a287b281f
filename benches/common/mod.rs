//! What the full-scale benchmarks share: the study-sized data set that
//! `cargo bench --bench workbench` generates in bench-data/n1180000.

use compound_atlas_core::ingest::Input;
use compound_atlas_core::pipeline::Inputs;
use std::path::Path;

/// The inputs of the full-scale data set, which must have been generated already.
pub fn full_scale_inputs() -> Inputs {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data/n1180000");
    assert!(
        dir.join("reports.csv").exists(),
        "run `cargo bench --bench workbench` first: it generates {}",
        dir.display()
    );
    Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(dir.join("reports.csv")).into()],
        locations: vec![Input::File(dir.join("locations.csv")).into()],
    }
}
