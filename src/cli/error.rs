//! The command line's one error type: every failure becomes one line on standard error
//! ("error: …") and exit code 1.

use compound_atlas_core::case::CaseError;
use compound_atlas_core::export::ExportError;
use compound_atlas_core::export::verify::VerifyError;
use compound_atlas_core::ingest::FileError;
use compound_atlas_core::matching::{MatchError, ToleranceError};
use compound_atlas_core::pipeline::RunError;
use compound_atlas_core::values::progress::Cancelled;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A problem with what was asked for, said in words.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    #[error(transparent)]
    Tolerance(#[from] ToleranceError),
    #[error(transparent)]
    Match(#[from] MatchError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    IpDatabase(#[from] compound_atlas_core::ipdata::mmdb::DatabaseError),
}

impl From<String> for CliError {
    fn from(message: String) -> Self {
        CliError::Usage(message)
    }
}

impl From<&str> for CliError {
    fn from(message: &str) -> Self {
        CliError::Usage(message.to_string())
    }
}
