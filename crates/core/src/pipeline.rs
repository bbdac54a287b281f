//! The whole job as the command line runs it: read the inputs, match, aggregate and
//! write the result files. The GUI runs the same steps on a background thread.

use crate::analysis::{Summary, summarize};
use crate::ingest::headers::{ColumnMap, LocationField, ReportField};
use crate::ingest::reports::read_reports_from;
use crate::ingest::{FileError, ImportOptions, Input, read_locations_from};
use crate::ipdata::mmdb::UserDatabase;
use crate::matching::{MatchError, MatchParams, MatchSet, match_events};
use crate::model::{Dataset, FileKind, SourceFile};
use crate::output;
use crate::params::RunParameters;
use crate::values::atomic;
use crate::values::progress::Cancelled;
use crate::values::progress::Progress;
use std::path::{Path, PathBuf};

/// One input file and, when the user corrected it in the import preview, its column mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source<F> {
    pub input: Input,
    pub columns: Option<ColumnMap<F>>,
    /// The sheet to read from a spreadsheet (`--sheet`, the preview's sheet picker);
    /// `None`: the first sheet with a matching header.
    pub sheet: Option<String>,
}

impl<F> From<Input> for Source<F> {
    fn from(input: Input) -> Self {
        Source {
            input,
            columns: None,
            sheet: None,
        }
    }
}

/// The files of one analysis, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    pub reports: Vec<Source<ReportField>>,
    pub locations: Vec<Source<LocationField>>,
    /// The user's own IP databases (MaxMind DB files), opened, in order of precedence.
    pub ip_databases: Vec<UserDatabase>,
}

impl Inputs {
    /// Each loaded file's column mapping from the import preview as JSON (`None` when it
    /// was detected from the header), in the order of `files`: kind by kind, each kind in
    /// the order of its inputs, as `load` and `Dataset::add_*` number them.
    pub fn mappings_of(&self, files: &[SourceFile]) -> Vec<Option<String>> {
        fn json<F: serde::Serialize>(source: Option<&Source<F>>) -> Option<String> {
            let columns = source?.columns.as_ref()?;
            Some(serde_json::to_string(columns).expect("JSON"))
        }
        let (mut reports, mut locations) = (self.reports.iter(), self.locations.iter());
        files
            .iter()
            .map(|file| match file.kind {
                FileKind::Reports => json(reports.next()),
                FileKind::Locations => json(locations.next()),
            })
            .collect()
    }

    /// The inputs that read `files` again with their `mappings` (as [`Inputs::mappings_of`]
    /// gives them): the built-in input of the same name, else the file at its path.
    pub fn for_files(
        files: &[SourceFile],
        mappings: &[Option<String>],
        built_in: &Inputs,
    ) -> Result<Inputs, MappingError> {
        fn source<F: serde::de::DeserializeOwned>(
            file: &SourceFile,
            mapping: Option<&String>,
            built_in: &[Source<F>],
        ) -> Result<Source<F>, MappingError> {
            let columns = mapping
                .map(|json| serde_json::from_str(json))
                .transpose()
                .map_err(|e| MappingError {
                    path: file.path.clone(),
                    reason: e.to_string(),
                })?;
            let input = built_in
                .iter()
                .map(|s| &s.input)
                .find(|i| matches!(i, Input::Embedded { .. }) && i.label() == file.path)
                .cloned()
                .unwrap_or_else(|| Input::File(file.path.clone()));
            Ok(Source {
                input,
                columns,
                sheet: None,
            })
        }
        let mut inputs = Inputs::default();
        for (i, file) in files.iter().enumerate() {
            let mapping = mappings.get(i).and_then(Option::as_ref);
            match file.kind {
                FileKind::Reports => inputs
                    .reports
                    .push(source(file, mapping, &built_in.reports)?),
                FileKind::Locations => {
                    inputs
                        .locations
                        .push(source(file, mapping, &built_in.locations)?)
                }
            }
        }
        Ok(inputs)
    }
}

/// A column mapping kept with a source (in a case file) that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: the stored column mapping cannot be read: {reason}", path.display())]
pub struct MappingError {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    #[error(transparent)]
    Match(#[from] MatchError),
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
    let mut dataset = Dataset::default();
    add_inputs(&mut dataset, inputs, options, progress)?;
    Ok(dataset)
}

/// Read more inputs into `dataset`, after the files it holds (an import into an open
/// case, whose first files may no longer be on disk). Location lists first, then reports.
pub fn add_inputs(
    dataset: &mut Dataset,
    inputs: &Inputs,
    options: ImportOptions,
    progress: &Progress,
) -> Result<(), FileError> {
    // File indexes are 16-bit; refuse up front rather than fail part-way.
    let count = dataset.files.len() + inputs.reports.len() + inputs.locations.len();
    if count > usize::from(u16::MAX) {
        return Err(FileError::TooManyFiles { count });
    }
    for source in &inputs.locations {
        dataset.add_locations(read_locations_from(
            &source.input,
            options,
            source.columns.clone(),
            source.sheet.as_deref(),
            progress,
        )?);
    }
    for source in &inputs.reports {
        dataset.add_reports(read_reports_from(
            &source.input,
            options,
            source.columns.clone(),
            source.sheet.as_deref(),
            progress,
        )?);
    }
    for database in &inputs.ip_databases {
        dataset.ip_data.add(database.clone());
    }
    progress.check()?;
    dataset.enrich();
    Ok(())
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
) -> Result<Analysis, MatchError> {
    let matches = match_events(&dataset, params, progress)?;
    let summary = summarize(&dataset, &matches.matches);
    Ok(Analysis {
        dataset,
        matches,
        summary,
    })
}

/// The four result files of design.md §3, in `dir` (created if needed), and `leads.csv`
/// when leads are given: all are written completely before any is renamed into place,
/// and none may replace an input.
pub fn write_results(
    dir: &Path,
    analysis: &Analysis,
    parameters: &RunParameters,
    created_at: i64,
    leads: Option<&crate::analysis::ranking::AllLeads>,
) -> Result<(), RunError> {
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(fail(dir))?;
    let dataset = &analysis.dataset;
    let paths = OUTPUT_FILES.map(|name| dir.join(name));
    let leads_path = dir.join(LEADS_FILE);
    for path in paths.iter().chain(leads.map(|_| &leads_path)) {
        let inputs = dataset.files.iter().map(|f| f.path.as_path());
        atomic::refuse_to_replace(path, inputs).map_err(fail(path))?;
    }
    let [matches, locations, errors, summary] = &paths;
    let mut staged = vec![
        output::stage_matches(matches, dataset, &analysis.matches).map_err(fail(matches))?,
        output::stage_locations_summary(locations, dataset, &analysis.summary)
            .map_err(fail(locations))?,
        output::stage_import_errors(errors, dataset).map_err(fail(errors))?,
        output::stage_summary_json(
            summary,
            dataset,
            &analysis.matches,
            &analysis.summary,
            parameters,
            created_at,
        )
        .map_err(fail(summary))?,
    ];
    if let Some(leads) = leads {
        staged.push(output::stage_leads(&leads_path, dataset, leads).map_err(fail(&leads_path))?);
    }
    atomic::commit_all(staged).map_err(fail(dir))
}

/// The files [`write_link_files`] writes, in its order.
pub const LINK_FILES: [&str; 3] = ["links.csv", "clusters.csv", "links.graphml"];

/// `links.csv`, `clusters.csv` and `links.graphml` of a link graph, in `dir` (created if
/// needed), renamed into place together, none replacing an input.
pub fn write_link_files(
    dir: &Path,
    dataset: &Dataset,
    links: &crate::analysis::links::Links,
    graph: &crate::analysis::graph::LinkGraph,
    clusters: &[crate::analysis::clusters::Cluster],
) -> Result<(), RunError> {
    use crate::output::links::{graphml, write_clusters, write_links};
    use crate::values::safe_csv::SafeCsv;
    use std::io::Write;
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(fail(dir))?;
    let [edges, groups, xml] = LINK_FILES.map(|name| dir.join(name));
    for path in [&edges, &groups, &xml] {
        let inputs = dataset.files.iter().map(|f| f.path.as_path());
        atomic::refuse_to_replace(path, inputs).map_err(fail(path))?;
    }
    let staged = vec![
        atomic::stage(&edges, |out| {
            let mut csv = SafeCsv::new(out);
            write_links(&mut csv, dataset, links, graph, false)?;
            csv.finish()
        })
        .map_err(fail(&edges))?,
        atomic::stage(&groups, |out| {
            let mut csv = SafeCsv::new(out);
            write_clusters(&mut csv, dataset, clusters, false)?;
            csv.finish()
        })
        .map_err(fail(&groups))?,
        atomic::stage(&xml, |out| {
            out.write_all(graphml(dataset, links, graph, false).as_bytes())
        })
        .map_err(fail(&xml))?,
    ];
    atomic::commit_all(staged).map_err(fail(dir))
}

/// The file [`write_results`] adds when asked for leads.
pub const LEADS_FILE: &str = "leads.csv";

/// The files [`write_results`] writes, in its order.
pub const OUTPUT_FILES: [&str; 4] = [
    "matches.csv",
    "locations_summary.csv",
    "import_errors.csv",
    "summary.json",
];
