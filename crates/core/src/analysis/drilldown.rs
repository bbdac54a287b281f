//! One report in full: every event, matched or not, each with the observations it
//! matched and why, the extra columns from the input, and where every value came from.

use crate::matching::{MatchSet, PortCheck, Strength};
use crate::model::{Dataset, NO_TIME};
use crate::values::address::{format_address, format_address_set};
use crate::values::time::Nanos;
use std::path::PathBuf;

/// Said next to every match on shared infrastructure.
pub const SHARED_CAVEAT: &str = "this address is shared (CGNAT, mobile or satellite); the match alone does not identify a device";

/// One observation an event matched, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationMatch {
    pub location_id: String,
    pub location_name: String,
    pub country: String,
    /// The address set, written canonically.
    pub observation: String,
    pub ports: Option<String>,
    pub first_seen: Option<Nanos>,
    pub last_seen: Option<Nanos>,
    pub source: String,
    pub confidence: String,
    pub notes: String,
    pub strength: Strength,
    pub seconds_outside_window: Option<i64>,
    pub port_check: PortCheck,
    pub shared: bool,
    /// The location list and line the observation was read from.
    pub provenance: (PathBuf, u32),
}

/// One event of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDetail {
    pub event: u32,
    /// 1-based position among the report's accepted, distinct events.
    pub index: u32,
    pub ip: String,
    pub port: Option<u16>,
    pub time: Nanos,
    pub name: String,
    pub possible_proxy: Option<bool>,
    /// Whose connection the file lists it under (report XML and IDS JSON).
    pub party: Option<crate::model::Party>,
    /// The reports file and line the event was read from.
    pub provenance: (PathBuf, u32),
    /// Unknown columns of the input, as `(column, value)`.
    pub extras: Vec<(String, String)>,
    /// What the IP data says of the address: "AS 64500 ExampleNet", the registered
    /// country, where each came from, and a known shared network's caveat.
    pub network: String,
    pub ip_country: String,
    pub network_sources: String,
    pub network_note: String,
    /// Empty when the event matched nothing.
    pub matches: Vec<ObservationMatch>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportDetail {
    pub id: String,
    pub incident_type: String,
    pub platform: String,
    pub report_date: Option<Nanos>,
    pub best: Option<Strength>,
    pub events: Vec<EventDetail>,
}

/// "AS from networks.mmdb, country from the built-in data", or empty when nothing is known.
fn network_sources(dataset: &Dataset, network: &crate::ipdata::Network) -> String {
    let ip_data = &dataset.ip_data;
    let part = |what: &str, origin| {
        let label = ip_data.origin_label(origin);
        (!label.is_empty()).then(|| format!("{what} from {label}"))
    };
    let parts: Vec<String> = [
        part("AS", network.asn_from),
        part("country", network.country_from),
    ]
    .into_iter()
    .flatten()
    .collect();
    parts.join(", ")
}

/// Everything about one report, in event order.
pub fn report_detail(dataset: &Dataset, matches: &MatchSet, report: u32) -> ReportDetail {
    let r = report as usize;
    let events: Vec<EventDetail> = dataset
        .events_of(report)
        .iter()
        .enumerate()
        .map(|(position, &event)| {
            let e = event as usize;
            let file = &dataset.files[dataset.events.file[e] as usize];
            let extras = dataset
                .named_extras(event)
                .into_iter()
                .map(|(c, v)| (c.to_string(), v.to_string()))
                .collect();
            // Matches are ordered by event, so an event's matches are one run.
            let first = matches.matches.partition_point(|m| m.event < event);
            let found = matches.matches[first..]
                .iter()
                .take_while(|m| m.event == event)
                .map(|m| {
                    let o = &dataset.observations[m.observation as usize];
                    let location = &dataset.locations[o.location as usize];
                    ObservationMatch {
                        location_id: location.id.clone(),
                        location_name: location.name.clone(),
                        country: location.country.clone(),
                        observation: format_address_set(o.addresses),
                        ports: o.ports.map(|p| p.to_string()),
                        first_seen: o.first_seen,
                        last_seen: o.last_seen,
                        source: o.source.clone(),
                        confidence: o.confidence.clone(),
                        notes: o.notes.clone(),
                        strength: m.strength,
                        seconds_outside_window: m.seconds_outside_window,
                        port_check: m.port_check,
                        shared: o.shared,
                        provenance: (dataset.files[o.file as usize].path.clone(), o.line),
                    }
                })
                .collect();
            let network = dataset.network(event);
            EventDetail {
                network: network.as_label(),
                ip_country: network.country.clone(),
                network_sources: network_sources(dataset, network),
                network_note: dataset.ip_data.network_note(network),
                event,
                index: position as u32 + 1,
                ip: format_address(dataset.events.addr[e]),
                port: dataset.events.port_of(e),
                time: dataset.events.time[e],
                name: dataset.strings.get(dataset.events.name[e]).to_string(),
                possible_proxy: dataset.events.proxy_of(e),
                party: dataset.events.party_of(e),
                provenance: (file.path.clone(), dataset.events.line[e]),
                extras,
                matches: found,
            }
        })
        .collect();
    let best = events
        .iter()
        .flat_map(|e| e.matches.iter().map(|m| m.strength))
        .max();
    ReportDetail {
        id: dataset.reports.id(report).to_string(),
        incident_type: dataset
            .strings
            .get(dataset.reports.incident_type[r])
            .to_string(),
        platform: dataset.strings.get(dataset.reports.platform[r]).to_string(),
        report_date: (dataset.reports.report_date[r] != NO_TIME)
            .then_some(dataset.reports.report_date[r]),
        best,
        events,
    }
}
