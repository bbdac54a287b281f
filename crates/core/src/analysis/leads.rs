//! Network-level leads: two kinds weaker than a match, never counted in the study's
//! figures, for finding reports that a list of compound addresses misses.
//!
//! - `same_network`: the event's AS is one that a location's observations belong to
//!   (an observation's AS is that of its first and last address in the IP data), and
//!   the event's time is inside the location's overall observed period widened by the
//!   tolerance.
//! - `region`: the event's address is registered in one of the chosen countries.
//!
//! Both are leads only for events that match no observation at all: they are for finding
//! what a list of compound addresses misses, and an event it found is a match already.
//!
//! Observations marked shared, and those whose network is a known shared network
//! (satellite, CGNAT), give no `same_network` leads: their AS says nothing of a site.

use crate::matching::MatchSet;
use crate::model::Dataset;
use crate::values::address::format_address_set;
use crate::values::time::Nanos;
use hashbrown::HashMap;
use rayon::prelude::*;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeadKind {
    SameNetwork,
    Region,
}

impl LeadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadKind::SameNetwork => "same_network",
            LeadKind::Region => "region",
        }
    }

    /// The kind in words, for the workbench.
    pub fn label(self) -> &'static str {
        match self {
            LeadKind::SameNetwork => "Same network",
            LeadKind::Region => "In the region",
        }
    }
}

/// One lead: an event and, for `same_network`, the location whose network it shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lead {
    pub event: u32,
    pub kind: LeadKind,
    pub location: Option<u32>,
}

pub use crate::params::LeadParams;

/// A location's networks: which AS numbers its observations belong to, and when it
/// was observed.
#[derive(Debug, Clone)]
struct LocationNetworks {
    location: u32,
    /// Widened by the tolerance; `Nanos::MIN`/`MAX` where an observation has no bound.
    period: (Nanos, Nanos),
}

/// Every lead, in event order, and what their reasons are made of.
#[derive(Debug, Clone, Default)]
pub struct Leads {
    pub leads: Vec<Lead>,
    /// Per (AS number, location): the observations that belong to it.
    observations_by: HashMap<(u32, u32), Vec<u32>>,
    /// How many of `leads` are `same_network`, counted once: the side panel shows the
    /// counts every frame, and there can be millions of leads.
    same_network: usize,
}

impl Leads {
    pub fn count(&self, kind: LeadKind) -> usize {
        match kind {
            LeadKind::SameNetwork => self.same_network,
            LeadKind::Region => self.leads.len() - self.same_network,
        }
    }

    /// The leads of one event (the leads are in event order).
    pub fn of_event(&self, event: u32) -> &[Lead] {
        let start = self.leads.partition_point(|l| l.event < event);
        let end = self.leads.partition_point(|l| l.event <= event);
        &self.leads[start..end]
    }

    /// The reports with any lead, in index order.
    pub fn reports(&self, dataset: &Dataset) -> BTreeSet<u32> {
        self.leads
            .iter()
            .map(|l| dataset.events.report[l.event as usize])
            .collect()
    }

    /// Why: "AS 64500 ExampleNet, as observations 198.18.0.7 and 198.18.1.0/26 of
    /// Synthetic site 1 near KK Park", or "registered in MM, matching no observation".
    pub fn reason(&self, dataset: &Dataset, lead: &Lead) -> String {
        let network = dataset.network(lead.event);
        match (lead.kind, lead.location, network.asn) {
            (LeadKind::SameNetwork, Some(location), Some(asn)) => {
                let observations = self
                    .observations_by
                    .get(&(asn, location))
                    .map_or(&[][..], Vec::as_slice);
                let sets: Vec<String> = observations
                    .iter()
                    .take(3)
                    .map(|&o| format_address_set(dataset.observations[o as usize].addresses))
                    .collect();
                let more = observations.len().saturating_sub(sets.len());
                let list = match (sets.as_slice(), more) {
                    ([one], 0) => format!("observation {one}"),
                    (sets, 0) => format!(
                        "observations {} and {}",
                        sets[..sets.len() - 1].join(", "),
                        sets[sets.len() - 1]
                    ),
                    (sets, more) => format!("observations {} and {more} more", sets.join(", ")),
                };
                let name = &dataset.locations[location as usize].name;
                format!(
                    "{}, as {list} of {name}, within its observed period",
                    network.as_label()
                )
            }
            _ => format!("registered in {}, matching no observation", network.country),
        }
    }
}

/// The AS numbers of an observation: those of its first and last address.
fn observation_asns(dataset: &Dataset, observation: u32) -> Vec<u32> {
    let set = dataset.observations[observation as usize].addresses;
    let mut asns: Vec<u32> = [set.first, set.last]
        .into_iter()
        .filter_map(|addr| {
            let network = dataset.ip_data.network_of(addr);
            network.hint.is_none().then_some(network.asn).flatten()
        })
        .collect();
    asns.dedup();
    asns
}

/// Find every lead.
pub fn find_leads(dataset: &Dataset, matches: &MatchSet, params: &LeadParams) -> Leads {
    let mut observations_by: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
    let mut periods: HashMap<u32, (Nanos, Nanos)> = HashMap::new();
    for (o, observation) in dataset.observations.iter().enumerate() {
        if observation.shared {
            continue;
        }
        let asns = observation_asns(dataset, o as u32);
        for &asn in &asns {
            observations_by
                .entry((asn, observation.location))
                .or_default()
                .push(o as u32);
        }
        if !asns.is_empty() {
            let first = observation.first_seen.unwrap_or(Nanos::MIN);
            let last = observation.last_seen.unwrap_or(Nanos::MAX);
            let period = periods.entry(observation.location).or_insert((first, last));
            *period = (period.0.min(first), period.1.max(last));
        }
    }
    let mut by_asn: HashMap<u32, Vec<LocationNetworks>> = HashMap::new();
    for &(asn, location) in observations_by.keys() {
        let (first, last) = periods[&location];
        by_asn.entry(asn).or_default().push(LocationNetworks {
            location,
            period: (
                first.saturating_sub(params.tolerance),
                last.saturating_add(params.tolerance),
            ),
        });
    }
    for locations in by_asn.values_mut() {
        locations.sort_by_key(|l| l.location);
    }
    let region: Vec<bool> = dataset
        .networks
        .networks()
        .iter()
        .map(|n| params.countries.contains(&n.country))
        .collect();
    let leads: Vec<Lead> = (0..dataset.events.len() as u32)
        .into_par_iter()
        .flat_map_iter(|event| event_leads(dataset, matches, &by_asn, &region, event).into_iter())
        .collect();
    let same_network = leads
        .iter()
        .filter(|l: &&Lead| l.kind == LeadKind::SameNetwork)
        .count();
    Leads {
        leads,
        observations_by,
        same_network,
    }
}

/// The leads of one event, `same_network` ones in location order, then `region`.
fn event_leads(
    dataset: &Dataset,
    matches: &MatchSet,
    by_asn: &HashMap<u32, Vec<LocationNetworks>>,
    region: &[bool],
    event: u32,
) -> Vec<Lead> {
    let mut leads = Vec::new();
    if is_matched(matches, event) {
        return leads;
    }
    let time = dataset.events.time[event as usize];
    if let Some(locations) = dataset.network(event).asn.and_then(|asn| by_asn.get(&asn)) {
        for l in locations {
            if l.period.0 <= time && time <= l.period.1 {
                leads.push(Lead {
                    event,
                    kind: LeadKind::SameNetwork,
                    location: Some(l.location),
                });
            }
        }
    }
    let in_region = dataset
        .networks
        .id_of(event)
        .is_some_and(|id| region[id as usize]);
    if in_region {
        leads.push(Lead {
            event,
            kind: LeadKind::Region,
            location: None,
        });
    }
    leads
}

/// Whether an event matches any observation (the match set is in event order).
fn is_matched(matches: &MatchSet, event: u32) -> bool {
    let start = matches.matches.partition_point(|m| m.event < event);
    matches.matches.get(start).is_some_and(|m| m.event == event)
}
