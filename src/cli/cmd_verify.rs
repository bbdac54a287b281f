//! `compound-atlas verify DIR|FILE.zip`: re-hash an evidence set against its manifest and
//! name every file that changed, went missing or was added; exit 1 if any did.

use super::CliError;
use super::terminal::out;
use clap::Args;
use compound_atlas_core::export::verify::verify;
use compound_atlas_core::values::text::count;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The evidence set: its folder or its .zip file.
    #[arg(value_name = "DIR|FILE.zip")]
    pub path: PathBuf,
    /// The manifest's SHA-256 as the sender gave it (by another channel than the set):
    /// fail unless the set's manifest is that one.
    #[arg(long, value_name = "SHA256")]
    pub expect: Option<String>,
}

/// Verify an evidence set; `Ok(false)` when it is readable but something changed.
pub fn run(args: &VerifyArgs) -> Result<bool, CliError> {
    let result = verify(&args.path)?;
    for line in result.lines() {
        out!("{line}");
    }
    let digest = result.manifest_sha256();
    let expected = args.expect.as_deref().map(str::trim);
    let unexpected_manifest = expected.is_some_and(|e| !e.eq_ignore_ascii_case(digest));
    if let Some(expected) = expected.filter(|_| unexpected_manifest) {
        out!("CHANGED  manifest.json: SHA-256 {digest}, the sender's is {expected}");
    }
    let intact = result.is_intact() && !unexpected_manifest;
    if intact {
        out!(
            "OK: all {} files match the manifest of {}, and the manifest matches its seal.",
            result.unchanged.len(),
            args.path.display()
        );
    } else {
        out!(
            "FAILED: {} of {} listed files unchanged; {} changed, {} missing, {} unreadable, {} not listed; {}.",
            result.unchanged.len(),
            result.unchanged.len()
                + result.changed.len()
                + result.missing.len()
                + result.unreadable.len(),
            result.changed.len(),
            result.missing.len(),
            result.unreadable.len(),
            result.unexpected.len(),
            count(
                (result.problems() + usize::from(unexpected_manifest)) as u64,
                "problem",
                "problems"
            )
        );
    }
    out!(
        "Manifest SHA-256: {digest}{}",
        match (expected, unexpected_manifest) {
            (Some(_), false) => " (as the sender gave it)",
            (Some(_), true) => " (NOT the sender's)",
            (None, _) => " (compare it with the one the sender gave you)",
        }
    );
    Ok(intact)
}
