//! The arguments shared by the commands that import (inputs, reading choices, tolerance)
//! and those that filter, with their parsers; and reading plus matching them, as every
//! importing command does.

use super::CliError;
use clap::Args;
use compound_atlas_core::ingest::{ImportOptions, Input};
use compound_atlas_core::ipdata::mmdb::UserDatabase;
use compound_atlas_core::matching::{MatchParams, ToleranceError, parse_tolerance};
use compound_atlas_core::params::RunParameters;
use compound_atlas_core::pipeline::Source;
use compound_atlas_core::pipeline::{Analysis, Inputs, analyse, load};
use compound_atlas_core::values::progress::Progress;
use compound_atlas_core::values::time::{DateOrder, ImportZone, TimeRules};
use std::path::PathBuf;
use std::time::Instant;

/// A tolerance as written (`2h`) and in nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tolerance {
    pub text: String,
    pub nanos: i64,
}

fn tolerance_arg(text: &str) -> Result<Tolerance, ToleranceError> {
    parse_tolerance(text).map(|nanos| Tolerance {
        text: text.trim().to_string(),
        nanos,
    })
}

/// The inputs and reading choices shared by the commands that import.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// A reports file, folder or archive: CSV, xlsx/xls/ods, CyberTipline report XML,
    /// IDS JSON, JSON Lines; a folder or .zip of them; .gz or .zst compressed. Repeat
    /// for several.
    #[arg(
        long = "reports",
        value_name = "FILE",
        required_unless_present = "case"
    )]
    pub reports: Vec<PathBuf>,
    /// The sheet to read from spreadsheets given with --reports (default: the first
    /// sheet whose header names report_id, ip and event_time).
    #[arg(long = "sheet", value_name = "NAME")]
    pub sheet: Option<String>,
    /// A location list: CSV (one row per observation), a spreadsheet, GeoJSON, KML or KMZ, a
    /// STIX 2.1 bundle or a MISP event. Repeat for several files.
    #[arg(
        long = "locations",
        value_name = "FILE",
        required_unless_present = "case"
    )]
    pub locations: Vec<PathBuf>,
    /// Your own IP database (a MaxMind DB file: GeoLite2-ASN/-Country/-City, DB-IP Lite,
    /// IPinfo Lite); it takes precedence over the built-in data for the fields it has.
    /// Repeat for several, the first taking precedence.
    #[arg(long = "ip-db", value_name = "FILE")]
    pub ip_databases: Vec<PathBuf>,
    /// Read the data, parameters and tags from a case file instead of from CSV files.
    #[arg(long = "case", value_name = "FILE", conflicts_with_all = ["reports", "sheet", "locations", "ip_databases", "tolerance", "assume_tz", "date_order"])]
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

    /// The inputs, with the IP databases opened (the first error stops).
    pub fn inputs(&self) -> Result<Inputs, CliError> {
        Ok(Inputs {
            reports: self
                .reports
                .iter()
                .cloned()
                .map(|p| Source {
                    input: Input::File(p),
                    columns: None,
                    sheet: self.sheet.clone(),
                })
                .collect(),
            locations: self
                .locations
                .iter()
                .cloned()
                .map(|p| Input::File(p).into())
                .collect(),
            ip_databases: open_ip_databases(&self.ip_databases)?,
        })
    }

    pub fn run_parameters(&self) -> RunParameters {
        RunParameters {
            tolerance: self.tolerance.text.clone(),
            tolerance_seconds: self.tolerance.nanos
                / compound_atlas_core::values::time::NANOS_PER_SECOND,
            time_zone: self.assume_tz.to_string(),
            date_order: self.date_order.map(|o| match o {
                DateOrder::DayFirst => "dmy".to_string(),
                DateOrder::MonthFirst => "mdy".to_string(),
            }),
        }
    }
}

/// Open the IP databases given with `--ip-db`, in order.
pub fn open_ip_databases(paths: &[PathBuf]) -> Result<Vec<UserDatabase>, CliError> {
    paths
        .iter()
        .map(|path| UserDatabase::open(path.clone()).map_err(CliError::from))
        .collect()
}

/// Network-level leads, for the commands that can write `leads.csv`.
#[derive(Debug, Args)]
pub struct LeadArgs {
    /// Also write leads.csv: network-level leads (same_network, region), weaker than
    /// matches and never counted in the headline.
    #[arg(long)]
    pub leads: bool,
    /// The countries a region lead looks for (ISO codes, comma-separated).
    #[arg(long, value_name = "CODES", default_value = "MM,KH,LA", value_parser = region_arg, requires = "leads")]
    pub region: std::collections::BTreeSet<String>,
    #[command(flatten)]
    pub links: LinkArgs,
}

/// How reports are tied through the addresses and accounts they share.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// How many days from a matched report's matched events a shared address or account
    /// still ties another report to it.
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub link_window: u32,
    /// An address or account used by more reports than this is crowded (a carrier NAT,
    /// a VPN exit) and ties nothing.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_sharers: u32,
    /// Compare IPv6 addresses whole instead of by their /64.
    #[arg(long)]
    pub no_fold_ipv6: bool,
    /// A column of the reports that names an account (besides the known account fields:
    /// screen names, user ids, e-mail, phone, device ids).
    #[arg(long, value_name = "NAME")]
    pub account_column: Option<String>,
}

impl LinkArgs {
    pub fn params(&self) -> compound_atlas_core::params::LinkParams {
        compound_atlas_core::params::LinkParams {
            window: i64::from(self.link_window) * compound_atlas_core::params::DAY,
            fold_ipv6: !self.no_fold_ipv6,
            max_sharers: self.max_sharers,
            account_column: self.account_column.clone(),
        }
    }
}

fn region_arg(text: &str) -> Result<std::collections::BTreeSet<String>, String> {
    compound_atlas_core::ipdata::parse_countries(text)
}

impl LeadArgs {
    /// What leads to look for, when asked for, with the tolerance the matches used.
    pub fn params(&self, tolerance: i64) -> Option<compound_atlas_core::params::LeadParams> {
        self.leads.then(|| compound_atlas_core::params::LeadParams {
            tolerance,
            countries: self.region.clone(),
            links: self.links.params(),
        })
    }
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
    pub strength: Option<compound_atlas_core::matching::Strength>,
    /// Only these location countries (as written in the lists). Repeatable.
    #[arg(long = "country", value_name = "CODE")]
    pub countries: Vec<String>,
    /// Only these location ids. Repeatable.
    #[arg(long = "location", value_name = "ID")]
    pub location_ids: Vec<String>,
    /// Only events of this party (reported_person, associated_account, intended_recipient,
    /// victim, peer_to_peer, file, or unknown for events whose file names none). Repeatable.
    #[arg(long = "party", value_name = "PARTY", value_parser = party_arg)]
    pub parties: Vec<String>,
}

impl FilterArgs {
    pub fn filter(&self) -> compound_atlas_core::analysis::filter::Filter {
        compound_atlas_core::analysis::filter::Filter {
            from: self.from,
            to: self.to,
            strength: self.strength,
            countries: self.countries.iter().cloned().collect(),
            locations: self.location_ids.iter().cloned().collect(),
            parties: self.parties.iter().cloned().collect(),
            ..Default::default()
        }
    }
}

/// A party as the filter names it: the file contract's name, or `unknown`.
fn party_arg(text: &str) -> Result<String, String> {
    use compound_atlas_core::analysis::filter::NO_PARTY;
    use compound_atlas_core::model::Party;
    if text.trim() == NO_PARTY {
        return Ok(NO_PARTY.to_string());
    }
    Party::parse(text.trim())
        .map(|p| p.name().to_string())
        .ok_or_else(|| {
            let names: Vec<&str> = Party::ALL.iter().map(|p| p.name()).collect();
            format!(
                "\"{text}\" is not a party: use {} or {NO_PARTY}",
                names.join(", ")
            )
        })
}

fn strength_arg(text: &str) -> Result<compound_atlas_core::matching::Strength, String> {
    match text.trim() {
        "ip_time" => Ok(compound_atlas_core::matching::Strength::IpTime),
        "ip_only" => Ok(compound_atlas_core::matching::Strength::IpOnly),
        other => Err(format!(
            "\"{other}\" is not a strength: use ip_time or ip_only"
        )),
    }
}

pub fn centre_arg(text: &str) -> Result<(f64, f64), String> {
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

pub fn zoom_arg(text: &str) -> Result<f64, String> {
    let zoom: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a zoom"))?;
    if (compound_atlas_core::map::basemap::projection::MIN_ZOOM
        ..=compound_atlas_core::map::basemap::projection::MAX_ZOOM)
        .contains(&zoom)
    {
        Ok(zoom)
    } else {
        Err("the zoom must lie between 3 and 16".to_string())
    }
}

pub fn bbox_arg(text: &str) -> Result<[f64; 4], String> {
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

/// What a command read from a case file besides the data.
pub struct FromCase {
    pub state: compound_atlas_core::case::CaseState,
    pub audit: Vec<compound_atlas_core::case::AuditEntry>,
}

/// Read the inputs (CSV files or a case) and match them, as every command that imports
/// does; also returns how long the reading took and the case's state when read from one.
pub fn load_and_match(
    input: &InputArgs,
) -> Result<(Analysis, std::time::Duration, Option<FromCase>), CliError> {
    let started = Instant::now();
    let progress = Progress::default();
    let (dataset, tolerance, from_case) = match &input.case {
        Some(path) => {
            let case = compound_atlas_core::case::open(path, &progress)?;
            let tolerance = parse_tolerance(&case.state.params.tolerance)?;
            let from_case = FromCase {
                state: case.state,
                audit: case.audit,
            };
            (case.dataset, tolerance, Some(from_case))
        }
        None => (
            load(&input.inputs()?, input.options(), &progress)?,
            input.tolerance.nanos,
            None,
        ),
    };
    let loaded = started.elapsed();
    let analysis = analyse(dataset, MatchParams { tolerance }, &progress)?;
    Ok((analysis, loaded, from_case))
}

/// The parameters to record: the case's when read from one, else the arguments.
pub fn run_parameters(input: &InputArgs, from_case: Option<&FromCase>) -> RunParameters {
    from_case
        .and_then(|c| c.state.params.run_parameters())
        .unwrap_or_else(|| input.run_parameters())
}
