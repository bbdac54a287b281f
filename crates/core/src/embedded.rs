//! Data built into the program: the synthetic sample set the workbench opens with (with
//! its synthetic IP database) and the gazetteer of publicly reported hubs (`assets/compounds.csv`, coordinates only).

use crate::ingest::Input;
use crate::ipdata::mmdb::UserDatabase;
use crate::pipeline::Inputs;

/// The gazetteer shipped with the tool.
pub const GAZETTEER_CSV: &str = include_str!("../../../assets/compounds.csv");

/// The synthetic reports of `sample_data/` (reserved address space only).
pub const SAMPLE_REPORTS_CSV: &[u8] = include_bytes!("../../../sample_data/reports.csv");

/// The synthetic location list of `sample_data/`.
pub const SAMPLE_LOCATIONS_CSV: &[u8] = include_bytes!("../../../sample_data/locations.csv");

/// The synthetic IP database of `sample_data/` (documentation AS numbers over its reserved
/// ranges), so that the sample shows enrichment and network-level leads.
pub const SAMPLE_NETWORKS_MMDB: &[u8] = include_bytes!("../../../sample_data/networks.mmdb");

/// The sample's IP database, opened.
pub fn sample_networks() -> UserDatabase {
    let label = Input::Embedded {
        name: "sample_data/networks.mmdb",
        bytes: SAMPLE_NETWORKS_MMDB,
    }
    .label();
    UserDatabase::from_bytes(label, SAMPLE_NETWORKS_MMDB.to_vec())
        .expect("the sample's IP database opens (tested)")
}

/// The data the workbench opens with: the synthetic sample set and the gazetteer.
pub fn sample_inputs() -> Inputs {
    let embedded = |name, bytes| Input::Embedded { name, bytes };
    Inputs {
        reports: vec![embedded("sample_data/reports.csv", SAMPLE_REPORTS_CSV).into()],
        locations: vec![
            embedded("sample_data/locations.csv", SAMPLE_LOCATIONS_CSV).into(),
            embedded("assets/compounds.csv", GAZETTEER_CSV.as_bytes()).into(),
        ],
        ip_databases: vec![sample_networks()],
    }
}
