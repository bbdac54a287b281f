//! The matching parameters as the user typed them (tolerance, time zone, day/month
//! order): kept as text so that a case or the workbench can show what was entered, and
//! checked when applied.

use crate::ingest::ImportOptions;
use crate::matching::{MatchParams, ToleranceError, parse_tolerance};
use crate::values::time::{
    DateOrder, ImportZone, NANOS_PER_SECOND, Nanos, TimeRules, UnknownDateOrder, UnknownZone,
};

/// Matching parameters as the user typed them; checked when applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Params {
    pub tolerance: String,
    pub zone: String,
    /// "dmy", "mdy" or empty.
    pub date_order: String,
    /// The countries a `region` lead looks for ("MM, KH, LA"); changing it finds leads
    /// again without reading or matching again.
    #[serde(default = "default_region")]
    pub region: String,
    /// The extra column that holds an account (as its header names it); empty: accounts
    /// are found by their usual names (screen name, user id, e-mail, …). Like `region`,
    /// in force without reading again. Not written when empty, so that older cases and
    /// their checks stay as they were.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_column: String,
}

fn default_region() -> String {
    crate::ipdata::DEFAULT_REGION.join(", ")
}

impl Default for Params {
    fn default() -> Self {
        Params {
            tolerance: "2h".into(),
            zone: "UTC".into(),
            date_order: String::new(),
            region: default_region(),
            account_column: String::new(),
        }
    }
}

impl Params {
    /// The parameters as exports record them; `None` when they cannot be used.
    pub fn run_parameters(&self) -> Option<RunParameters> {
        let tolerance = parse_tolerance(&self.tolerance).ok()?;
        Some(RunParameters {
            tolerance: self.tolerance.trim().to_string(),
            tolerance_seconds: tolerance / crate::values::time::NANOS_PER_SECOND,
            time_zone: self.zone.trim().to_string(),
            date_order: Some(self.date_order.trim().to_string()).filter(|o| !o.is_empty()),
        })
    }

    /// What leads are looked for with these parameters, or why the countries cannot be read.
    pub fn lead_params(&self) -> Result<LeadParams, String> {
        Ok(LeadParams {
            tolerance: parse_tolerance(&self.tolerance).map_err(|e| e.to_string())?,
            countries: crate::ipdata::parse_countries(&self.region)?,
            links: LinkParams {
                account_column: Some(self.account_column.trim().to_string())
                    .filter(|c| !c.is_empty()),
                ..LinkParams::default()
            },
        })
    }

    /// The import options and match parameters, or the reason they cannot be used.
    pub fn resolve(&self) -> Result<(ImportOptions, MatchParams), ParamsError> {
        let tolerance = parse_tolerance(&self.tolerance)?;
        let zone: ImportZone = self.zone.parse()?;
        let date_order = match self.date_order.trim() {
            "" => None,
            other => Some(other.parse::<DateOrder>()?),
        };
        Ok((
            ImportOptions {
                time: TimeRules { zone, date_order },
            },
            MatchParams { tolerance },
        ))
    }
}

/// What network-level leads (`analysis::leads`) are looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadParams {
    /// How far outside a location's observed period a `same_network` event may fall.
    pub tolerance: crate::values::time::Nanos,
    /// The countries of `region` leads: ISO codes, upper case.
    pub countries: std::collections::BTreeSet<String>,
    /// How second-degree ties are found.
    pub links: LinkParams,
}

impl Default for LeadParams {
    fn default() -> Self {
        LeadParams {
            tolerance: 0,
            countries: crate::ipdata::DEFAULT_REGION
                .iter()
                .map(|c| c.to_string())
                .collect(),
            links: LinkParams::default(),
        }
    }
}

/// The parameters of linking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkParams {
    /// How far from an anchor's matched event a shared event may be.
    pub window: Nanos,
    /// Read IPv6 addresses as their /64 (one subscriber's network).
    pub fold_ipv6: bool,
    /// More reports than this on one address or account make it crowded.
    pub max_sharers: u32,
    /// The extra column the user chose as the account, besides the known account fields.
    pub account_column: Option<String>,
}

/// A day in nanoseconds.
pub const DAY: Nanos = 86_400 * NANOS_PER_SECOND;

impl Default for LinkParams {
    fn default() -> Self {
        LinkParams {
            window: 30 * DAY,
            fold_ipv6: true,
            max_sharers: 50,
            account_column: None,
        }
    }
}

/// The parameters of a run, as written to `summary.json`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunParameters {
    /// As the user wrote it, e.g. "2h".
    pub tolerance: String,
    pub tolerance_seconds: i64,
    pub time_zone: String,
    pub date_order: Option<String>,
}

/// Why typed parameters cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error(transparent)]
    Tolerance(#[from] ToleranceError),
    #[error(transparent)]
    Zone(#[from] UnknownZone),
    #[error(transparent)]
    DateOrder(#[from] UnknownDateOrder),
}
