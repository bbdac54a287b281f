//! `compound-atlas generate --reports N [--seed S] --out DIR`: write a synthetic data set
//! (reserved address space only) with planted links and their ground truth.

use super::CliError;
use super::terminal::out;
use clap::Args;
use compound_atlas_core::generate::{Spec, generate};
use compound_atlas_core::values::text::thousands;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of reports (1180000 is the study's full scale).
    #[arg(long = "reports", value_name = "N")]
    pub reports: u64,
    /// Seed of the pseudo-random generator; the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder for reports.csv, locations.csv and ground_truth.csv.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &GenerateArgs) -> Result<(), CliError> {
    let spec = Spec {
        reports: args.reports,
        seed: args.seed,
        out: args.out.clone(),
    };
    let generated = generate(&spec)?;
    out!(
        "Wrote {} reports ({} planted IP+time, {} planted IP only) and {} locations with {} observations to {}.",
        thousands(generated.reports),
        thousands(generated.planted_ip_time),
        thousands(generated.planted_ip_only),
        generated.locations,
        generated.observations,
        args.out.display()
    );
    Ok(())
}
