//! The matching parameters as the user typed them (tolerance, time zone, day/month
//! order): kept as text so that a case or the workbench can show what was entered, and
//! checked when applied.

use crate::ingest::ImportOptions;
use crate::matching::{MatchParams, ToleranceError, parse_tolerance};
use crate::values::time::{DateOrder, ImportZone, TimeRules, UnknownDateOrder, UnknownZone};

/// Matching parameters as the user typed them; checked when applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Params {
    pub tolerance: String,
    pub zone: String,
    /// "dmy", "mdy" or empty.
    pub date_order: String,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            tolerance: "2h".into(),
            zone: "UTC".into(),
            date_order: String::new(),
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
