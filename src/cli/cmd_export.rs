//! `compound-atlas export (inputs of match) [filter] [--tag T] [--mask] [--analyst NAME]
//! [--case-ref TEXT] [--tlp LEVEL] [--include-report-ids] [--organisation NAME]
//! --out DIR|FILE.zip`: match, then write the data under the filter as a
//! verifiable evidence set; with `--case`, record the export in the case's audit log.

use super::CliError;
use super::args::{FilterArgs, InputArgs, LeadArgs, load_and_match, run_parameters};
use super::terminal::{err, out};
use clap::Args;
use compound_atlas_core::case::{self, AuditEntry};
use compound_atlas_core::export::intel::Tlp;
use compound_atlas_core::export::{self, ExportOptions};
use compound_atlas_core::values::progress::Progress;
use compound_atlas_core::values::text::{count, thousands};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Only reports with this triage tag. Repeatable. Tags live in case files.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Mask report ids (last four characters) and addresses (their network only), for a
    /// set meant for stakeholders.
    #[arg(long)]
    pub mask: bool,
    /// The analyst's name, recorded in the manifest.
    #[arg(long, value_name = "NAME")]
    pub analyst: Option<String>,
    /// A case reference, recorded in the manifest and the summary's title.
    #[arg(long = "case-ref", value_name = "TEXT")]
    pub case_reference: Option<String>,
    /// The folder to create (it must not exist or be empty), or a .zip file.
    #[arg(long, value_name = "DIR|FILE.zip")]
    pub out: PathBuf,
    #[command(flatten)]
    pub leads: LeadArgs,
    /// The TLP marking of misp_event.json: clear, green, amber (the default),
    /// amber+strict or red.
    #[arg(long, value_name = "LEVEL", default_value = "amber", value_parser = tlp_arg)]
    pub tlp: Tlp,
    /// Name the reports behind each sighting in stix_bundle.json and misp_event.json
    /// (refused with --mask).
    #[arg(long = "include-report-ids")]
    pub include_report_ids: bool,
    /// The organisation that sighted the matches, named in stix_bundle.json and
    /// misp_event.json.
    #[arg(long, value_name = "NAME")]
    pub organisation: Option<String>,
}

fn tlp_arg(text: &str) -> Result<Tlp, String> {
    Tlp::parse(text).ok_or_else(|| "one of clear, green, amber, amber+strict, red".into())
}

pub fn run(args: &ExportArgs) -> Result<(), CliError> {
    if !args.tags.is_empty() && args.input.case.is_none() {
        return Err(
            "--tag needs the reports' triage tags, which are kept in case files: add --case FILE"
                .into(),
        );
    }
    if args.include_report_ids && args.mask {
        return Err(CliError::Usage(
            "--include-report-ids names reports, which a masked set never does: drop one of --mask and --include-report-ids".into(),
        ));
    }
    let started = Instant::now();
    if let Some(case) = &args.input.case {
        // The case's audit log records the export: an export it could not record must
        // not be written at all.
        case::check_writable(case)
            .map_err(|e| CliError::Usage(format!("{e}; nothing was exported")))?;
    }
    let (analysis, _, from_case) = load_and_match(&args.input)?;
    let mut filter = args.filter.filter();
    filter.tags = args.tags.iter().cloned().collect();
    let parameters = run_parameters(&args.input, from_case.as_ref());
    let (triage, audit) = from_case
        .map(|c| (c.state.triage, c.audit))
        .unwrap_or_default();
    let options = ExportOptions {
        filter,
        parameters,
        triage,
        audit,
        mask: args.mask,
        analyst: args.analyst.clone(),
        case_reference: args.case_reference.clone(),
        leads: args.leads.params(analysis.matches.params.tolerance),
        tlp: args.tlp,
        include_report_ids: args.include_report_ids,
        organisation: args.organisation.clone(),
    };
    let now = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let exported = export::export(
        &analysis.dataset,
        &analysis.matches,
        &options,
        &args.out,
        now,
        &Progress::default(),
    )?;
    out!(
        "Wrote the evidence set {}: {}, {} and {} ({}). {}",
        exported.path.display(),
        count(exported.matches, "match", "matches"),
        count(exported.reports, "report", "reports"),
        count(exported.events, "event", "events"),
        if args.mask {
            "identifiers masked"
        } else {
            "identifiers as imported"
        },
        options.filter.describe()
    );
    for (name, size) in &exported.files {
        out!("  {name:<20} {:>12} bytes", thousands(*size));
    }
    out!(
        "Manifest SHA-256: {} (give it to the recipient separately from the set; `verify --expect` checks it)",
        exported.manifest_sha256
    );
    if let Some(case) = &args.input.case {
        let analyst = args.analyst.clone().unwrap_or_default();
        let detail = export::audit_detail(&options.filter, args.mask, &exported);
        let entry = AuditEntry::now(&analyst, "export", &detail);
        case::append_audit(case, &[entry])?;
    }
    err!("Time: {:.2} s.", started.elapsed().as_secs_f64());
    Ok(())
}
