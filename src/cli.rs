//! The command line: `match`, `map`, `export`, `verify`, `case` and `generate`. Exit codes: 0 when the run completed
//! (even with rejected rows), 1 for a fatal error, 2 for a usage error.

use crate::ingest::time::{DateOrder, ImportZone, TimeRules};
use crate::ingest::{ImportOptions, Input, Progress};
use crate::matching::{MatchParams, parse_tolerance};
use crate::output::RunParameters;
use crate::pipeline::{Analysis, Inputs, analyse, load, write_results};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Instant;

/// `println!` for the command line's results: when whoever reads them has gone (`| head`),
/// the rest of the output is dropped instead of panicking, and the command still finishes
/// its work and ends with its own exit code (`verify` still fails on a changed file).
macro_rules! out {
    () => {
        $crate::cli::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_line(format_args!($($arg)*))
    };
}
pub(crate) use out;

/// Set once standard output's reader has gone.
static READER_GONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Write one line to standard output; see [`out!`].
pub(crate) fn write_line(line: std::fmt::Arguments) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if READER_GONE.load(Ordering::Relaxed) {
        return;
    }
    if let Err(error) = writeln!(std::io::stdout().lock(), "{line}") {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            READER_GONE.store(true, Ordering::Relaxed);
            return;
        }
        // Output going nowhere (a full disk) must not pass for a complete run.
        eprintln!("error: cannot write to standard output: {error}");
        std::process::exit(1);
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "compound-atlas",
    version,
    about = "Match report metadata to scam-compound locations by IP address and time, offline."
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command the workbench opens; these files are loaded into it instead of
    /// the built-in sample data.
    #[arg(long = "reports", value_name = "FILE")]
    pub reports: Vec<PathBuf>,
    /// A location list to open the workbench with.
    #[arg(long = "locations", value_name = "FILE")]
    pub locations: Vec<PathBuf>,
    /// A case file to open the workbench with.
    #[arg(long = "case", value_name = "FILE", conflicts_with_all = ["reports", "locations"])]
    pub case: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import report files and location lists, match them, and write the result files.
    Match(MatchArgs),
    /// Write a synthetic data set (reserved address space only) with planted links.
    Generate(GenerateArgs),
    /// Import and match as `match` does, then draw the locations on the offline basemap
    /// into a PNG (for slides and evidence sets).
    Map(MapArgs),
    /// Import and match as `match` does, then write the data under a filter as a
    /// verifiable evidence set: a folder, or one archive when --out ends in .zip.
    Export(ExportArgs),
    /// Re-hash an evidence set (folder or .zip) against its manifest.json and report any
    /// change. Exits with 1 if anything changed, is missing or was added.
    Verify(VerifyArgs),
    /// Case files: make one from CSV files, or print one's summary and audit log.
    #[command(subcommand)]
    Case(CaseCommand),
}

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
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The evidence set: its folder or its .zip file.
    #[arg(value_name = "DIR|FILE.zip")]
    pub path: PathBuf,
}

/// A tolerance as written (`2h`) and in nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tolerance {
    pub text: String,
    pub nanos: i64,
}

fn tolerance_arg(text: &str) -> Result<Tolerance, String> {
    parse_tolerance(text).map(|nanos| Tolerance {
        text: text.trim().to_string(),
        nanos,
    })
}

/// The inputs and reading choices shared by the commands that import.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// A reports file (CSV: one row per IP capture event). Repeat for several files.
    #[arg(
        long = "reports",
        value_name = "FILE",
        required_unless_present = "case"
    )]
    pub reports: Vec<PathBuf>,
    /// A location list (CSV: one row per observation). Repeat for several files.
    #[arg(
        long = "locations",
        value_name = "FILE",
        required_unless_present = "case"
    )]
    pub locations: Vec<PathBuf>,
    /// Read the data, parameters and tags from a case file instead of from CSV files.
    #[arg(long = "case", value_name = "FILE", conflicts_with_all = ["reports", "locations", "tolerance", "assume_tz", "date_order"])]
    pub case: Option<PathBuf>,
    /// How far outside an observation window an event still counts as IP+time: 90s, 45m, 2h, 3d.
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = tolerance_arg)]
    pub tolerance: Tolerance,
    /// Time zone for times written without an offset: an IANA name or UTC.
    #[arg(long = "assume-tz", value_name = "ZONE", default_value = "UTC")]
    pub assume_tz: ImportZone,
    /// Order of day and month in slash dates such as 03/04/2023: dmy or mdy.
    #[arg(long = "date-order", value_name = "ORDER")]
    pub date_order: Option<DateOrder>,
}

impl InputArgs {
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            time: TimeRules {
                zone: self.assume_tz,
                date_order: self.date_order,
            },
        }
    }

    pub fn inputs(&self) -> Inputs {
        Inputs {
            reports: self
                .reports
                .iter()
                .cloned()
                .map(|p| Input::File(p).into())
                .collect(),
            locations: self
                .locations
                .iter()
                .cloned()
                .map(|p| Input::File(p).into())
                .collect(),
        }
    }

    pub fn run_parameters(&self) -> RunParameters {
        RunParameters {
            tolerance: self.tolerance.text.clone(),
            tolerance_seconds: self.tolerance.nanos / crate::ingest::time::NANOS_PER_SECOND,
            time_zone: self.assume_tz.to_string(),
            date_order: self.date_order.map(|o| match o {
                DateOrder::DayFirst => "dmy".to_string(),
                DateOrder::MonthFirst => "mdy".to_string(),
            }),
        }
    }
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Folder for matches.csv, locations_summary.csv, import_errors.csv and summary.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct MapArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// The PNG file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 1600, value_parser = clap::value_parser!(u32).range(64..=8192))]
    pub width: u32,
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(64..=8192))]
    pub height: u32,
    /// The area to show: west,south,east,north in degrees. Default: all matched locations
    /// (or all locations when none matched).
    #[arg(long, value_name = "LON1,LAT1,LON2,LAT2", value_parser = bbox_arg, allow_hyphen_values = true)]
    pub bbox: Option<[f64; 4]>,
    /// Centre the map here instead (with --zoom): lon,lat in degrees.
    #[arg(long, value_name = "LON,LAT", value_parser = centre_arg, allow_hyphen_values = true,
          conflicts_with = "bbox", requires = "zoom")]
    pub centre: Option<(f64, f64)>,
    /// The zoom to draw at with --centre: 3 (continents) to 16 (streets).
    #[arg(long, value_name = "Z", requires = "centre", value_parser = zoom_arg)]
    pub zoom: Option<f64>,
    /// Draw the dark style.
    #[arg(long)]
    pub dark: bool,
    /// Leave out the town names.
    #[arg(long)]
    pub no_towns: bool,
}

/// The filter conditions a map (and later an export) can be narrowed by.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// First day of events counted (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub from: Option<chrono::NaiveDate>,
    /// Last day of events counted (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub to: Option<chrono::NaiveDate>,
    /// Only matches of this strength: ip_time or ip_only.
    #[arg(long, value_name = "STRENGTH", value_parser = strength_arg)]
    pub strength: Option<crate::matching::Strength>,
    /// Only these location countries (as written in the lists). Repeatable.
    #[arg(long = "country", value_name = "CODE")]
    pub countries: Vec<String>,
    /// Only these location ids. Repeatable.
    #[arg(long = "location", value_name = "ID")]
    pub location_ids: Vec<String>,
}

impl FilterArgs {
    pub fn filter(&self) -> crate::filter::Filter {
        crate::filter::Filter {
            from: self.from,
            to: self.to,
            strength: self.strength,
            countries: self.countries.iter().cloned().collect(),
            locations: self.location_ids.iter().cloned().collect(),
            ..Default::default()
        }
    }
}

fn strength_arg(text: &str) -> Result<crate::matching::Strength, String> {
    match text.trim() {
        "ip_time" => Ok(crate::matching::Strength::IpTime),
        "ip_only" => Ok(crate::matching::Strength::IpOnly),
        other => Err(format!(
            "\"{other}\" is not a strength: use ip_time or ip_only"
        )),
    }
}

fn centre_arg(text: &str) -> Result<(f64, f64), String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [lon, lat] = parts[..] else {
        return Err(format!("a centre is lon,lat; got \"{text}\""));
    };
    let number = |t: &str| {
        t.parse::<f64>()
            .map_err(|_| format!("\"{t}\" is not a number"))
    };
    let (lon, lat) = (number(lon)?, number(lat)?);
    if !(-180.0..=180.0).contains(&lon) || !(-85.0..=85.0).contains(&lat) {
        return Err("the centre must lie within -180..180 and -85..85".to_string());
    }
    Ok((lon, lat))
}

fn zoom_arg(text: &str) -> Result<f64, String> {
    let zoom: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a zoom"))?;
    if (crate::basemap::projection::MIN_ZOOM..=crate::basemap::projection::MAX_ZOOM).contains(&zoom)
    {
        Ok(zoom)
    } else {
        Err("the zoom must lie between 3 and 16".to_string())
    }
}

fn bbox_arg(text: &str) -> Result<[f64; 4], String> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|part| {
            part.trim()
                .parse::<f64>()
                .map_err(|_| format!("\"{}\" in the box is not a number", part.trim()))
        })
        .collect::<Result<_, _>>()?;
    let [w, s, e, n] = numbers[..] else {
        return Err(format!(
            "a box is four numbers lon1,lat1,lon2,lat2; got {}",
            numbers.len()
        ));
    };
    if !(-180.0..=180.0).contains(&w) || !(-180.0..=180.0).contains(&e) {
        return Err("longitudes must lie between -180 and 180".to_string());
    }
    if !(-85.0..=85.0).contains(&s) || !(-85.0..=85.0).contains(&n) {
        return Err("latitudes must lie between -85 and 85".to_string());
    }
    Ok([w.min(e), s.min(n), w.max(e), s.max(n)])
}

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

/// "1 row", "2 rows": a count with its noun.
pub fn count(n: u64, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        thousands(n),
        if n == 1 { singular } else { plural }
    )
}

/// Group digits in threes: 1180000 → "1,180,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a command read from a case file besides the data.
struct FromCase {
    state: crate::case::CaseState,
    audit: Vec<crate::case::AuditEntry>,
}

/// Read the inputs (CSV files or a case) and match them, as every command that imports
/// does; also returns how long the reading took and the case's state when read from one.
fn load_and_match(
    input: &InputArgs,
) -> Result<(Analysis, std::time::Duration, Option<FromCase>), String> {
    let started = Instant::now();
    let progress = Progress::default();
    let (dataset, tolerance, from_case) = match &input.case {
        Some(path) => {
            let case = crate::case::open(path, &progress).map_err(|e| e.to_string())?;
            let tolerance = parse_tolerance(&case.state.params.tolerance)?;
            let from_case = FromCase {
                state: case.state,
                audit: case.audit,
            };
            (case.dataset, tolerance, Some(from_case))
        }
        None => (
            load(&input.inputs(), input.options(), &progress).map_err(|e| e.to_string())?,
            input.tolerance.nanos,
            None,
        ),
    };
    let loaded = started.elapsed();
    let analysis =
        analyse(dataset, MatchParams { tolerance }, &progress).map_err(|e| e.to_string())?;
    Ok((analysis, loaded, from_case))
}

/// The parameters to record: the case's when read from one, else the arguments.
fn run_parameters(input: &InputArgs, from_case: Option<&FromCase>) -> RunParameters {
    from_case
        .and_then(|c| c.state.params.run_parameters())
        .unwrap_or_else(|| input.run_parameters())
}

fn run_match(args: &MatchArgs) -> Result<(), String> {
    let started = Instant::now();
    let (analysis, loaded, state) = load_and_match(&args.input)?;
    let matched = started.elapsed();
    let now = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let parameters = run_parameters(&args.input, state.as_ref());
    write_results(&args.out, &analysis, &parameters, now).map_err(|e| e.to_string())?;
    let dataset = &analysis.dataset;
    let headline = &analysis.summary.headline;
    let warnings = dataset
        .issues
        .iter()
        .filter(|i| i.severity == crate::model::Severity::Warning)
        .count() as u64;
    out!(
        "Read {} with {} from {}; {} rejected, {} merged, {}.",
        count(headline.reports, "report", "reports"),
        count(headline.events, "event", "events"),
        count(
            dataset
                .files
                .iter()
                .filter(|f| f.kind == crate::model::FileKind::Reports)
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
    out!();
    out!(
        "Wrote matches.csv ({} rows), locations_summary.csv, import_errors.csv and summary.json to {}.",
        thousands(analysis.matches.matches.len() as u64),
        args.out.display()
    );
    eprintln!(
        "Time: read {:.2} s, matched {:.2} s, total {:.2} s.",
        loaded.as_secs_f64(),
        (matched - loaded).as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_map(args: &MapArgs) -> Result<(), String> {
    let (analysis, _, _) = load_and_match(&args.input)?;
    let filter = args.filter.filter();
    let view = crate::filter::apply(&analysis.dataset, &analysis.matches, &filter);
    let markers = crate::markers::markers(&analysis.dataset, &view.summary.locations);
    let names: Vec<String> = analysis
        .dataset
        .locations
        .iter()
        .map(|l| l.name.clone())
        .collect();
    let map_view = match (args.centre, args.zoom) {
        (Some((lon, lat)), Some(zoom)) => {
            crate::basemap::render::View::centred(lon, lat, zoom, args.width, args.height)
        }
        _ => {
            let bbox = args
                .bbox
                .or_else(|| crate::markers::framing_bounds(&markers))
                .ok_or("no location has coordinates, and no --bbox was given")?;
            crate::map_image::view_of_bbox(bbox, args.width, args.height)
        }
    };
    let style = crate::basemap::render::Style::for_theme(args.dark);
    let input = crate::map_image::SceneInput {
        markers: &markers,
        names: &names,
        selected: &Default::default(),
        show_towns: !args.no_towns,
    };
    let image = crate::map_image::render(&map_view, &style, &input);
    crate::map_image::save_png(&image, &args.out)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    out!(
        "Wrote {} ({}×{} px, zoom {:.1}): {} locations drawn, {} with reports. {}",
        args.out.display(),
        args.width,
        args.height,
        map_view.zoom,
        markers.len(),
        markers.iter().filter(|m| m.reports() > 0).count(),
        filter.describe()
    );
    Ok(())
}

fn run_export(args: &ExportArgs) -> Result<(), String> {
    if !args.tags.is_empty() && args.input.case.is_none() {
        return Err(
            "--tag needs the reports' triage tags, which are kept in case files: add --case FILE"
                .to_string(),
        );
    }
    let started = Instant::now();
    let (analysis, _, from_case) = load_and_match(&args.input)?;
    let mut filter = args.filter.filter();
    filter.tags = args.tags.iter().cloned().collect();
    let parameters = run_parameters(&args.input, from_case.as_ref());
    let (triage, audit) = from_case
        .map(|c| (c.state.triage, c.audit))
        .unwrap_or_default();
    let options = crate::export::ExportOptions {
        filter,
        parameters,
        triage,
        audit,
        mask: args.mask,
        analyst: args.analyst.clone(),
        case_reference: args.case_reference.clone(),
    };
    let now = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let exported = crate::export::export(
        &analysis.dataset,
        &analysis.matches,
        &options,
        &args.out,
        now,
        &Progress::default(),
    )
    .map_err(|e| e.to_string())?;
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
    if let Some(case) = &args.input.case {
        let analyst = args.analyst.clone().unwrap_or_default();
        let detail = crate::export::audit_detail(&options.filter, args.mask, &exported);
        let entry = crate::case::AuditEntry::now(&analyst, "export", &detail);
        crate::case::append_audit(case, &[entry]).map_err(|e| e.to_string())?;
    }
    eprintln!("Time: {:.2} s.", started.elapsed().as_secs_f64());
    Ok(())
}

fn run_case_create(args: &CaseCreateArgs) -> Result<(), String> {
    if args.input.case.is_some() {
        return Err("case create reads CSV files; give --reports and --locations".into());
    }
    let started = Instant::now();
    // Before reading anything: a case open in a workbench would overwrite this at its
    // next save, or this would overwrite the workbench's state.
    let _lock = crate::case::lock::CaseLock::acquire(
        &args.out,
        args.analyst
            .as_deref()
            .unwrap_or("compound-atlas case create"),
    )
    .map_err(|e| e.to_string())?;
    let progress = Progress::default();
    let dataset =
        load(&args.input.inputs(), args.input.options(), &progress).map_err(|e| e.to_string())?;
    let params = crate::params::Params {
        tolerance: args.input.tolerance.text.clone(),
        zone: args.input.assume_tz.to_string(),
        date_order: args.input.run_parameters().date_order.unwrap_or_default(),
    };
    let state = match crate::case::open(&args.out, &Progress::default()) {
        Ok(existing) => crate::case::CaseState {
            params,
            ..existing.state
        },
        Err(_) if !args.out.exists() => crate::case::CaseState {
            params,
            ..Default::default()
        },
        Err(e) => return Err(e.to_string()),
    };
    let state = crate::case::CaseState {
        analyst: args.analyst.clone().unwrap_or(state.analyst.clone()),
        ..state
    };
    eprintln!("Saving the case…");
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
    let contents = crate::case::CaseContents {
        dataset: &dataset,
        state: &state,
        mappings: &args.input.inputs().mappings_of(&dataset.files),
    };
    let entry = crate::case::AuditEntry::now(&state.analyst, "import", &files.join("; "));
    crate::case::save(&args.out, contents, &[entry], &progress).map_err(|e| e.to_string())?;
    out!(
        "Wrote the case {}: {} with {} from {}.",
        args.out.display(),
        count(dataset.reports.len() as u64, "report", "reports"),
        count(dataset.events.len() as u64, "event", "events"),
        count(dataset.files.len() as u64, "file", "files"),
    );
    eprintln!("Time: {:.2} s.", started.elapsed().as_secs_f64());
    Ok(())
}

fn run_case_info(args: &CaseInfoArgs) -> Result<(), String> {
    let case = crate::case::open(&args.path, &Progress::default()).map_err(|e| e.to_string())?;
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
            "  {} ({}): {} bytes, SHA-256 {}, {} rows accepted, {} rejected",
            f.path.display(),
            f.kind.as_str(),
            thousands(f.size),
            f.sha256,
            thousands(f.rows_accepted),
            thousands(f.rows_rejected)
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

/// Verify an evidence set; `Ok(false)` when it is readable but something changed.
fn run_verify(args: &VerifyArgs) -> Result<bool, String> {
    let result = crate::export::verify::verify(&args.path).map_err(|e| e.to_string())?;
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

/// Parse the arguments, run, and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let result = match &cli.command {
        Some(Command::Match(args)) => run_match(args),
        Some(Command::Generate(args)) => crate::generate::run(args).map_err(|e| e.to_string()),
        Some(Command::Map(args)) => run_map(args),
        Some(Command::Export(args)) => run_export(args),
        Some(Command::Case(CaseCommand::Create(args))) => run_case_create(args),
        Some(Command::Case(CaseCommand::Info(args))) => run_case_info(args),
        Some(Command::Verify(args)) => match run_verify(args) {
            Ok(true) => Ok(()),
            Ok(false) => return 1,
            Err(message) => Err(message),
        },
        None => {
            let files = (!cli.reports.is_empty() || !cli.locations.is_empty()).then(|| Inputs {
                reports: cli
                    .reports
                    .iter()
                    .cloned()
                    .map(|p| Input::File(p).into())
                    .collect(),
                locations: cli
                    .locations
                    .iter()
                    .cloned()
                    .map(|p| Input::File(p).into())
                    .collect(),
            });
            let startup = match (&cli.case, files) {
                (Some(case), _) => crate::gui::Startup::Case(case.clone()),
                (None, Some(files)) => crate::gui::Startup::Files(files),
                (None, None) => crate::gui::Startup::Sample,
            };
            crate::gui::run(startup).map_err(|e| format!("the workbench could not start: {e}"))
        }
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clap checks its definitions only in debug builds, and only when a command is
    /// parsed; this checks every subcommand's up front (two arguments named `locations`
    /// once made `map` panic in debug builds). CI runs the tests in debug.
    #[test]
    fn the_argument_definitions_are_consistent() {
        use clap::CommandFactory;
        let cli = Cli::command();
        for command in cli.get_subcommands() {
            command.clone().debug_assert();
        }
        cli.debug_assert();
    }

    #[test]
    fn digit_grouping() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_180_000), "1,180,000");
    }
}
