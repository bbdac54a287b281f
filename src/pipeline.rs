//! The whole job as the command line runs it: read the inputs, match, aggregate and
//! write the result files. The GUI runs the same steps on a background thread.

use crate::analysis::{Summary, summarize};
use crate::ingest::headers::{ColumnMap, LocationField, ReportField};
use crate::ingest::{FileError, ImportOptions, Input, Progress, read_locations, read_reports};
use crate::matching::{Cancelled, MatchParams, MatchSet, match_events};
use crate::model::Dataset;
use crate::output::{self, RunParameters};
use std::path::{Path, PathBuf};

/// One input file and, when the user corrected it in the import preview, its column mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source<F> {
    pub input: Input,
    pub columns: Option<ColumnMap<F>>,
}

impl<F> From<Input> for Source<F> {
    fn from(input: Input) -> Self {
        Source {
            input,
            columns: None,
        }
    }
}

/// The files of one analysis, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    pub reports: Vec<Source<ReportField>>,
    pub locations: Vec<Source<LocationField>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Read every input into one dataset. Location lists first, then reports.
pub fn load(
    inputs: &Inputs,
    options: ImportOptions,
    progress: &Progress,
) -> Result<Dataset, FileError> {
    // File indexes are 16-bit; refuse up front rather than fail part-way.
    let count = inputs.reports.len() + inputs.locations.len();
    if count > usize::from(u16::MAX) {
        return Err(FileError::TooManyFiles { count });
    }
    let mut dataset = Dataset::default();
    for source in &inputs.locations {
        dataset.add_locations(read_locations(
            &source.input,
            options,
            source.columns.clone(),
            progress,
        )?);
    }
    for source in &inputs.reports {
        dataset.add_reports(read_reports(
            &source.input,
            options,
            source.columns.clone(),
            progress,
        )?);
    }
    Ok(dataset)
}

/// A dataset with its matches and aggregates.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub dataset: Dataset,
    pub matches: MatchSet,
    pub summary: Summary,
}

pub fn analyse(
    dataset: Dataset,
    params: MatchParams,
    progress: &Progress,
) -> Result<Analysis, Cancelled> {
    let matches = match_events(&dataset, params, progress)?;
    let summary = summarize(&dataset, &matches.matches);
    Ok(Analysis {
        dataset,
        matches,
        summary,
    })
}

/// The four result files of design.md §3, in `dir` (created if needed).
pub fn write_results(
    dir: &Path,
    analysis: &Analysis,
    parameters: &RunParameters,
    created_at: i64,
) -> Result<(), RunError> {
    let fail = |path: PathBuf| move |source| RunError::Write { path, source };
    std::fs::create_dir_all(dir).map_err(fail(dir.to_path_buf()))?;
    let path = dir.join("matches.csv");
    output::write_matches(&path, &analysis.dataset, &analysis.matches).map_err(fail(path))?;
    let path = dir.join("locations_summary.csv");
    output::write_locations_summary(&path, &analysis.dataset, &analysis.summary)
        .map_err(fail(path))?;
    let path = dir.join("import_errors.csv");
    output::write_import_errors(&path, &analysis.dataset).map_err(fail(path))?;
    let path = dir.join("summary.json");
    output::write_summary_json(
        &path,
        &analysis.dataset,
        &analysis.matches,
        &analysis.summary,
        parameters,
        created_at,
    )
    .map_err(fail(path))?;
    Ok(())
}
