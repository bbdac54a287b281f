//! `compound-atlas verify DIR|FILE.zip`: re-hash an evidence set against its manifest and
//! name every file that changed, went missing or was added; exit 1 if any did.

use super::CliError;
use super::terminal::out;
use clap::Args;
use compound_atlas_core::export::verify::verify;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The evidence set: its folder or its .zip file.
    #[arg(value_name = "DIR|FILE.zip")]
    pub path: PathBuf,
}

/// Verify an evidence set; `Ok(false)` when it is readable but something changed.
pub fn run(args: &VerifyArgs) -> Result<bool, CliError> {
    let result = verify(&args.path)?;
    for line in result.lines() {
        out!("{line}");
    }
    if result.is_intact() {
        out!(
            "OK: all {} files match the manifest of {}.",
            result.unchanged.len(),
            args.path.display()
        );
    } else {
        out!(
            "FAILED: {} of {} listed files unchanged; {} changed, {} missing, {} not listed.",
            result.unchanged.len(),
            result.unchanged.len() + result.changed.len() + result.missing.len(),
            result.changed.len(),
            result.missing.len(),
            result.unexpected.len()
        );
    }
    Ok(result.is_intact())
}
