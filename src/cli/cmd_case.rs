//! `compound-atlas case create (inputs of match) [--analyst NAME] --out CASE` imports files
//! into a case; `compound-atlas case info CASE` prints its summary and audit log.

use super::CliError;
use super::args::InputArgs;
use super::terminal::{err, out};
use clap::{Args, Subcommand};
use compound_atlas_core::case::{self, AuditEntry, CaseContents, CaseState, lock::CaseLock};
use compound_atlas_core::params::Params;
use compound_atlas_core::pipeline::load;
use compound_atlas_core::values::progress::Progress;
use compound_atlas_core::values::text::{count, thousands};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Import (as `match` does) into a new or existing case file.
    Create(CaseCreateArgs),
    /// Print a case's inputs, parameters, figures, saved views, tags and audit log.
    Info(CaseInfoArgs),
}

#[derive(Debug, Args)]
pub struct CaseCreateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The analyst's name, recorded in the audit log.
    #[arg(long, value_name = "NAME")]
    pub analyst: Option<String>,
    /// The case file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct CaseInfoArgs {
    /// The case file.
    #[arg(value_name = "FILE")]
    pub path: PathBuf,
}

impl CaseCommand {
    pub fn run(&self) -> Result<(), CliError> {
        match self {
            CaseCommand::Create(args) => create(args),
            CaseCommand::Info(args) => info(args),
        }
    }
}

fn create(args: &CaseCreateArgs) -> Result<(), CliError> {
    if args.input.case.is_some() {
        return Err("case create reads CSV files; give --reports and --locations".into());
    }
    let started = Instant::now();
    // Before reading anything: a case open in a workbench would overwrite this at its
    // next save, or this would overwrite the workbench's state.
    let _lock = CaseLock::acquire(
        &args.out,
        args.analyst
            .as_deref()
            .unwrap_or("compound-atlas case create"),
    )?;
    let progress = Progress::default();
    let inputs = args.input.inputs()?;
    let dataset = load(&inputs, args.input.options(), &progress)?;
    let params = Params {
        tolerance: args.input.tolerance.text.clone(),
        zone: args.input.assume_tz.to_string(),
        date_order: args.input.run_parameters().date_order.unwrap_or_default(),
        ..Params::default()
    };
    let state = match case::open(&args.out, &Progress::default()) {
        Ok(existing) => CaseState {
            params,
            ..existing.state
        },
        Err(_) if !args.out.exists() => CaseState {
            params,
            ..Default::default()
        },
        Err(e) => return Err(e.into()),
    };
    let state = CaseState {
        analyst: args.analyst.clone().unwrap_or(state.analyst.clone()),
        ..state
    };
    err!("Saving the case…");
    let files: Vec<String> = dataset
        .files
        .iter()
        .map(|f| {
            format!(
                "{} ({} bytes, SHA-256 {})",
                f.path.display(),
                f.size,
                f.sha256
            )
        })
        .collect();
    let contents = CaseContents {
        dataset: &dataset,
        state: &state,
        mappings: &inputs.mappings_of(&dataset.files),
    };
    let entry = AuditEntry::now(&state.analyst, "import", &files.join("; "));
    case::save(&args.out, contents, &[entry], &progress)?;
    out!(
        "Wrote the case {}: {} with {} from {}.",
        args.out.display(),
        count(dataset.reports.len() as u64, "report", "reports"),
        count(dataset.events.len() as u64, "event", "events"),
        count(dataset.files.len() as u64, "file", "files"),
    );
    err!("Time: {:.2} s.", started.elapsed().as_secs_f64());
    Ok(())
}

fn info(args: &CaseInfoArgs) -> Result<(), CliError> {
    let case = case::open(&args.path, &Progress::default())?;
    let dataset = &case.dataset;
    let size = std::fs::metadata(&args.path).map(|m| m.len()).unwrap_or(0);
    out!(
        "Case {} ({} bytes, layout {})",
        args.path.display(),
        thousands(size),
        case.schema_version
    );
    out!(
        "Data: {} with {}; {} with {}; {} import issues.",
        count(dataset.reports.len() as u64, "report", "reports"),
        count(dataset.events.len() as u64, "event", "events"),
        count(dataset.locations.len() as u64, "location", "locations"),
        count(
            dataset.observations.len() as u64,
            "observation",
            "observations"
        ),
        thousands(dataset.issues.len() as u64)
    );
    out!("Inputs:");
    for f in &dataset.files {
        out!(
            "  {} ({}): {} bytes, SHA-256 {}, {} accepted, {} rejected",
            f.path.display(),
            f.kind.as_str(),
            thousands(f.size),
            f.sha256,
            compound_atlas_core::values::text::count(f.rows_accepted, "row", "rows"),
            thousands(f.rows_rejected)
        );
    }
    for db in &dataset.ip_data.user {
        out!(
            "  {} (IP database, kept in the case): {} bytes, SHA-256 {}, {}, built {}",
            db.info.path.display(),
            thousands(db.info.size),
            db.info.sha256,
            db.info.database_type,
            db.info.built
        );
    }
    let p = &case.state.params;
    out!(
        "Parameters: tolerance {}, times without an offset read as {}{}.",
        p.tolerance,
        p.zone,
        if p.date_order.is_empty() {
            String::new()
        } else {
            format!(", slash dates {}", p.date_order)
        }
    );
    out!("Filter: {}", case.state.filter.describe());
    for (name, filter) in &case.state.views {
        out!("View \"{name}\": {}", filter.describe());
    }
    let tags = case.state.triage.all_tags();
    let wanted: std::collections::BTreeSet<String> = tags.iter().cloned().collect();
    out!(
        "Triage: {} tagged or annotated reports.",
        thousands(case.state.triage.reports_tagged(&wanted).count() as u64)
    );
    out!("Audit log:");
    for entry in &case.audit {
        out!(
            "  {}  {:<8} {}{}",
            entry.at,
            entry.action,
            entry.detail,
            if entry.analyst.is_empty() {
                String::new()
            } else {
                format!(" (by {})", entry.analyst)
            }
        );
    }
    Ok(())
}
