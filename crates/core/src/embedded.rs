//! Data built into the program: the synthetic sample set the workbench opens with and the
//! gazetteer of publicly reported hubs (`assets/compounds.csv`, coordinates only).

use crate::ingest::Input;
use crate::pipeline::Inputs;

/// The gazetteer shipped with the tool.
pub const GAZETTEER_CSV: &str = include_str!("../../../assets/compounds.csv");

/// The synthetic reports of `sample_data/` (reserved address space only).
pub const SAMPLE_REPORTS_CSV: &[u8] = include_bytes!("../../../sample_data/reports.csv");

/// The synthetic location list of `sample_data/`.
pub const SAMPLE_LOCATIONS_CSV: &[u8] = include_bytes!("../../../sample_data/locations.csv");

/// The data the workbench opens with: the synthetic sample set and the gazetteer.
pub fn sample_inputs() -> Inputs {
    let embedded = |name, bytes| Input::Embedded { name, bytes };
    Inputs {
        reports: vec![embedded("sample_data/reports.csv", SAMPLE_REPORTS_CSV).into()],
        locations: vec![
            embedded("sample_data/locations.csv", SAMPLE_LOCATIONS_CSV).into(),
            embedded("assets/compounds.csv", GAZETTEER_CSV.as_bytes()).into(),
        ],
    }
}
