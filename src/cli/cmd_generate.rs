//! `compound-atlas generate --reports N [--seed S] --out DIR`: write a synthetic data set
//! (reserved address space only) with planted links and their ground truth.

use super::CliError;
use super::terminal::out;
use clap::Args;
use compound_atlas_core::generate::formats::{Layout, ReportFormat, write_reports_as};
use compound_atlas_core::generate::location_formats::{LocationListFormat, write_locations_as};
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
    /// Also write the reports in this format, converted from reports.csv (the same rows,
    /// malformed ones included): csv, xlsx, esp-xml (CyberTipline report XML), ids-json,
    /// jsonl.
    #[arg(long, value_name = "FORMAT", default_value = "csv", value_parser = format_arg)]
    pub format: ReportFormat,
    /// For esp-xml and ids-json: one file per report, in a folder or a zip archive,
    /// instead of one file of all reports.
    #[arg(long = "per-report", value_name = "folder|zip", value_parser = layout_arg)]
    pub per_report: Option<Layout>,
    /// Also write the location list in this form, converted from locations.csv (the
    /// same locations and observations): csv, xlsx, geojson, kml, kmz, stix, misp.
    #[arg(long = "locations-format", value_name = "FORMAT", default_value = "csv", value_parser = locations_format_arg)]
    pub locations_format: LocationListFormat,
}

fn locations_format_arg(text: &str) -> Result<LocationListFormat, String> {
    LocationListFormat::ALL
        .into_iter()
        .find(|f| f.name() == text)
        .ok_or_else(|| "one of csv, xlsx, geojson, kml, kmz, stix, misp".into())
}

fn format_arg(text: &str) -> Result<ReportFormat, String> {
    Ok(match text {
        "csv" => ReportFormat::Csv,
        "xlsx" => ReportFormat::Xlsx,
        "esp-xml" => ReportFormat::EspXml,
        "ids-json" => ReportFormat::IdsJson,
        "jsonl" => ReportFormat::JsonLines,
        _ => return Err("one of csv, xlsx, esp-xml, ids-json, jsonl".into()),
    })
}

fn layout_arg(text: &str) -> Result<Layout, String> {
    match text {
        "folder" => Ok(Layout::Folder),
        "zip" => Ok(Layout::Zip),
        _ => Err("folder or zip".into()),
    }
}

pub fn run(args: &GenerateArgs) -> Result<(), CliError> {
    let spec = Spec {
        reports: args.reports,
        seed: args.seed,
        out: args.out.clone(),
    };
    if args.per_report.is_some()
        && !matches!(args.format, ReportFormat::EspXml | ReportFormat::IdsJson)
    {
        return Err(CliError::Usage(
            "--per-report is for --format esp-xml or ids-json".into(),
        ));
    }
    let generated = generate(&spec)?;
    let written = write_reports_as(&args.out, args.format, args.per_report.unwrap_or_default())?;
    out!(
        "Wrote {} reports ({} planted IP+time, {} planted IP only) and {} locations with {} observations to {}.",
        thousands(generated.reports),
        thousands(generated.planted_ip_time),
        thousands(generated.planted_ip_only),
        generated.locations,
        generated.observations,
        args.out.display()
    );
    if args.format != ReportFormat::Csv {
        for path in written {
            out!("Wrote the reports as {}.", path.display());
        }
    }
    if args.locations_format != LocationListFormat::Csv {
        let path = write_locations_as(&args.out, args.locations_format)?;
        out!("Wrote the location list as {}.", path.display());
    }
    Ok(())
}
