//! Evidence export at full scale: the whole set under no filter and under a country
//! filter, to a folder and to a .zip, after the data is loaded and matched.
//! Run with `cargo bench --bench export` (uses bench-data/n1180000, which
//! `cargo bench --bench workbench` generates); rows go to docs/benchmarks.md.

mod common;

use compound_atlas_core::analysis::filter::Filter;
use compound_atlas_core::export::{ExportOptions, export};
use compound_atlas_core::matching::MatchParams;
use compound_atlas_core::pipeline::{analyse, load};
use compound_atlas_core::values::progress::Progress;
use std::time::Instant;

fn main() {
    let inputs = common::full_scale_inputs();
    let progress = Progress::default();
    let started = Instant::now();
    let dataset = load(&inputs, Default::default(), &progress).unwrap();
    let analysis = analyse(
        dataset,
        MatchParams {
            tolerance: 2 * 3600 * 1_000_000_000,
        },
        &progress,
    )
    .unwrap();
    println!(
        "| load and match (not part of the export) | {:.2} s |",
        started.elapsed().as_secs_f64()
    );
    let out = tempfile::tempdir().unwrap();
    let cases = [
        ("no filter", Filter::default(), false, "all"),
        (
            "no filter, masked, as .zip",
            Filter::default(),
            true,
            "all.zip",
        ),
        (
            "country MM",
            Filter {
                countries: ["MM".to_string()].into(),
                ..Default::default()
            },
            false,
            "mm",
        ),
    ];
    for (name, filter, mask, target) in cases {
        let options = ExportOptions {
            leads: None,
            filter,
            mask,
            ..Default::default()
        };
        let progress = Progress::default();
        let started = Instant::now();
        let exported = export(
            &analysis.dataset,
            &analysis.matches,
            &options,
            &out.path().join(target),
            0,
            &progress,
        )
        .unwrap();
        let bytes: u64 = exported.files.iter().map(|(_, size)| size).sum();
        println!(
            "| export, {name}: {} matches, {} reports, {} events, {:.1} MB in {} files | {:.2} s |",
            exported.matches,
            exported.reports,
            exported.events,
            bytes as f64 / 1e6,
            exported.files.len(),
            started.elapsed().as_secs_f64()
        );
    }
}
