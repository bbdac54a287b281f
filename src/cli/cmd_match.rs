//! `compound-atlas match --reports FILE… --locations FILE… [--ip-db FILE…] [--tolerance D]
//! [--assume-tz Z] [--date-order dmy|mdy] [--leads [--region MM,KH,LA]] --out DIR`: read,
//! match, print the headline and write `matches.csv`, `locations_summary.csv`,
//! `import_errors.csv` and `summary.json`, and with `--leads` also `leads.csv`.

use super::CliError;
use super::args::{InputArgs, LeadArgs, load_and_match, run_parameters};
use super::terminal::{err, out};
use clap::Args;
use compound_atlas_core::analysis::ranking::{AllLeads, Kind, all_leads_stepwise};
use compound_atlas_core::model::{FileKind, Severity};
use compound_atlas_core::params::LeadParams;
use compound_atlas_core::pipeline::Analysis;
use compound_atlas_core::pipeline::write_results;
use compound_atlas_core::values::text::{count, thousands};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct MatchArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Folder for matches.csv, locations_summary.csv, import_errors.csv and summary.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub leads: LeadArgs,
}

pub fn run(args: &MatchArgs) -> Result<(), CliError> {
    let started = Instant::now();
    let (analysis, loaded, state) = load_and_match(&args.input)?;
    let matched = started.elapsed();
    let now = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let parameters = run_parameters(&args.input, state.as_ref());
    let mut lead_times = Vec::new();
    let leads = args
        .leads
        .params(analysis.matches.params.tolerance)
        .map(|params| timed_leads(&analysis, &params, &mut lead_times));
    write_results(&args.out, &analysis, &parameters, now, leads.as_ref())?;
    let dataset = &analysis.dataset;
    let headline = &analysis.summary.headline;
    let warnings = dataset
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Warning)
        .count() as u64;
    out!(
        "Read {} with {} from {}; {} rejected, {} merged, {}.",
        count(headline.reports, "report", "reports"),
        count(headline.events, "event", "events"),
        count(
            dataset
                .files
                .iter()
                .filter(|f| f.kind == FileKind::Reports)
                .count() as u64,
            "file",
            "files"
        ),
        count(dataset.rejected_rows(), "row", "rows"),
        count(
            dataset.duplicate_events(),
            "duplicate event",
            "duplicate events"
        ),
        count(warnings, "warning", "warnings"),
    );
    out!(
        "Locations: {} with {}. Tolerance {}, times without an offset read as {}.",
        thousands(dataset.locations.len() as u64),
        count(
            dataset.observations.len() as u64,
            "observation",
            "observations"
        ),
        parameters.tolerance,
        parameters.time_zone,
    );
    out!();
    out!(
        "  Reports linked by IP and time (ip_time):  {:>12}",
        thousands(headline.reports_ip_time)
    );
    out!(
        "  Reports with any IP match:                {:>12}",
        thousands(headline.reports_any_match)
    );
    out!(
        "  Locations with IP+time links:             {:>12}",
        thousands(headline.locations_ip_time)
    );
    let undecodable = dataset.networks.lookup_errors;
    if undecodable > 0 {
        out!(
            "Your IP databases could not decode their records for {}; those count as unknown.",
            count(undecodable, "address", "addresses")
        );
    }
    if let Some(leads) = &leads {
        out!();
        out!(
            "  Leads, weaker than matches (leads.csv):   {:>12} reports and leads, scored",
            thousands(leads.ranked.len() as u64)
        );
        let kinds: Vec<String> = Kind::ALL
            .iter()
            .map(|&kind| format!("{} {}", thousands(leads.count(kind) as u64), kind.as_str()))
            .collect();
        out!("    {}", kinds.join(", "));
    }
    out!();
    out!(
        "Wrote matches.csv ({}), locations_summary.csv, import_errors.csv and summary.json to {}.",
        compound_atlas_core::values::text::count(
            analysis.matches.matches.len() as u64,
            "row",
            "rows"
        ),
        args.out.display()
    );
    let leads_time = match lead_times.as_slice() {
        [network, ties, score] => format!(
            ", leads {:.2} s (network-level {:.2} s, ties {:.2} s, scores {:.2} s)",
            (*network + *ties + *score).as_secs_f64(),
            network.as_secs_f64(),
            ties.as_secs_f64(),
            score.as_secs_f64()
        ),
        _ => String::new(),
    };
    err!(
        "Time: read {:.2} s, matched {:.2} s{leads_time}, total {:.2} s.",
        loaded.as_secs_f64(),
        (matched - loaded).as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Every lead, with the time of each step.
fn timed_leads(
    analysis: &Analysis,
    params: &LeadParams,
    times: &mut Vec<std::time::Duration>,
) -> AllLeads {
    let mut step = Instant::now();
    all_leads_stepwise(&analysis.dataset, &analysis.matches, params, || {
        times.push(step.elapsed());
        step = Instant::now();
    })
}
