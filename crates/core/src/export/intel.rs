//! What the threat-intelligence files (`stix_bundle.json`, `misp_event.json`) say: the
//! exported locations, their observations, and what matched each observation under the
//! filter. Identifiers are UUIDv5 of what an object stands for, so the same export
//! gives the same ids.

use crate::matching::Match;
use crate::model::{Dataset, Observation};
use crate::values::address::{AddressSet, cidr_blocks, format_address_set, is_v4};
use crate::values::time::Nanos;
use chrono::{DateTime, SecondsFormat};
use std::borrow::Cow;

/// The project's UUID namespace: every STIX id and MISP uuid is a UUIDv5 under it.
const NAMESPACE: uuid::Uuid = uuid::uuid!("6f3c2a8e-1d4b-5e9f-a7c0-3b8d2e1f4a65");

/// The Traffic Light Protocol marking of a MISP event (FIRST TLP 2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tlp {
    Clear,
    Green,
    #[default]
    Amber,
    AmberStrict,
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The MISP tag: `tlp:amber`.
    pub fn tag(self) -> &'static str {
        match self {
            Tlp::Clear => "tlp:clear",
            Tlp::Green => "tlp:green",
            Tlp::Amber => "tlp:amber",
            Tlp::AmberStrict => "tlp:amber+strict",
            Tlp::Red => "tlp:red",
        }
    }

    /// `clear`, `green`, `amber`, `amber+strict` or `red`.
    pub fn parse(text: &str) -> Option<Tlp> {
        let text = text.trim().to_ascii_lowercase();
        let text = text.strip_prefix("tlp:").unwrap_or(&text);
        Tlp::ALL
            .into_iter()
            .find(|t| t.tag()[4..] == *text || (text == "white" && *t == Tlp::Clear))
    }
}

/// What matched one observation under the filter.
#[derive(Debug, Clone, Default)]
pub struct Sighting {
    /// Matched events (each once, whatever their strength).
    pub count: u64,
    pub first: Nanos,
    pub last: Nanos,
    /// Every matched event's time, report and address, in time order.
    pub events: Vec<(Nanos, u32, u128)>,
    /// The reports behind them, by report index, in order, each once.
    pub reports: Vec<u32>,
}

/// The exported locations and observations, with their sightings.
pub struct Intel<'a> {
    pub dataset: &'a Dataset,
    /// Location indices, in the export's order.
    pub locations: Vec<u32>,
    /// By observation index; `None` for observations nothing matched.
    pub sightings: Vec<Option<Sighting>>,
    pub created: Nanos,
    /// The identity that sighted (the exporting organisation).
    pub organisation: String,
    /// The title: the case reference, or a default.
    pub title: String,
    pub tlp: Tlp,
    /// Name the reports behind each sighting (never in a masked set).
    pub report_ids: bool,
    /// A masked set: observations narrower than the masked network are widened to it.
    pub mask: bool,
}

impl<'a> Intel<'a> {
    /// The intelligence of `locations` (indices), with sightings from `matches`.
    pub fn new(
        dataset: &'a Dataset,
        locations: Vec<u32>,
        matches: &[Match],
        created: Nanos,
    ) -> Self {
        let mut sightings: Vec<Option<Sighting>> = vec![None; dataset.observations.len()];
        for m in matches {
            let time = dataset.events.time[m.event as usize];
            let report = dataset.events.report[m.event as usize];
            let s = sightings[m.observation as usize].get_or_insert_with(|| Sighting {
                first: time,
                last: time,
                ..Sighting::default()
            });
            s.count += 1;
            s.first = s.first.min(time);
            s.last = s.last.max(time);
            s.events
                .push((time, report, dataset.events.addr[m.event as usize]));
            s.reports.push(report);
        }
        for s in sightings.iter_mut().flatten() {
            s.events.sort_unstable();
            s.reports.sort_unstable();
            s.reports.dedup();
        }
        Intel {
            dataset,
            locations,
            sightings,
            created,
            organisation: "Compound Atlas user".into(),
            title: "Compound Atlas export".into(),
            tlp: Tlp::default(),
            report_ids: false,
            mask: false,
        }
    }

    /// A location's observations with their indices, in list order; in a masked set
    /// each address set is widened to the network masking shows (a /24 or a /48).
    pub fn observations_of(
        &self,
        location: u32,
    ) -> impl Iterator<Item = (usize, Cow<'a, Observation>)> + 'a {
        let mask = self.mask;
        self.dataset
            .observations
            .iter()
            .enumerate()
            .filter(move |(_, o)| o.location == location)
            .map(move |(i, o)| {
                if !mask {
                    return (i, Cow::Borrowed(o));
                }
                let mut widened = o.clone();
                widened.addresses = masked_network(o.addresses);
                (i, Cow::Owned(widened))
            })
    }

    pub fn report_id(&self, report: u32) -> &str {
        self.dataset.reports.id(report)
    }
}

/// The set widened to whole masked networks (IPv4 /24, IPv6 /48), as masking shows it.
fn masked_network(set: AddressSet) -> AddressSet {
    let host_bits = if is_v4(set.first) { 8 } else { 80 };
    let host = (1u128 << host_bits) - 1;
    AddressSet {
        first: set.first & !host,
        last: set.last | host,
    }
}

/// A stable id: UUIDv5 of `what` in the project's namespace.
pub fn stable_uuid(what: &str) -> String {
    uuid::Uuid::new_v5(&NAMESPACE, what.as_bytes()).to_string()
}

/// A key for an observation that stays the same from export to export of the same data:
/// its location, its place among the location's observations, and what it says.
pub fn observation_key(location_id: &str, ordinal: usize, o: &Observation) -> String {
    format!(
        "{location_id}/{ordinal}/{}/{:?}/{:?}/{:?}/{}",
        format_address_set(o.addresses),
        o.ports.map(|p| (p.first, p.last)),
        o.first_seen,
        o.last_seen,
        o.shared
    )
}

/// RFC 3339 in UTC with every digit of the fraction that is not zero.
pub fn rfc3339(nanos: Nanos) -> String {
    DateTime::from_timestamp_nanos(nanos).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// RFC 3339 in UTC to the millisecond (STIX's `created` and `modified`).
pub fn rfc3339_millis(nanos: Nanos) -> String {
    DateTime::from_timestamp_nanos(nanos).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The exact CIDR blocks of an address set, as text, and whether it is IPv4.
pub fn blocks_text(set: AddressSet) -> (Vec<String>, bool) {
    let blocks = cidr_blocks(set).into_iter().map(block_text);
    (blocks.collect(), is_v4(set.first))
}

/// A block as text; a single host as the address alone.
pub fn block_text(b: AddressSet) -> String {
    {
        let text = format_address_set(b);
        match text.split_once('/') {
            Some((address, "32" | "128")) if b.first == b.last => address.to_string(),
            _ => text,
        }
    }
}

/// A port range as location-list text: `443` or `1000-2000`.
pub fn ports_text(first: u16, last: u16) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_reads_its_names() {
        assert_eq!(Tlp::parse("amber"), Some(Tlp::Amber));
        assert_eq!(Tlp::parse("TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("white"), Some(Tlp::Clear));
        assert_eq!(Tlp::parse("purple"), None);
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(
            stable_uuid("location:kk-park"),
            stable_uuid("location:kk-park")
        );
        assert_ne!(
            stable_uuid("location:kk-park"),
            stable_uuid("location:kk-park-2")
        );
    }
}
