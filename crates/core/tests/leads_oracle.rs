//! Network-level leads against a plain reading of their definitions (docs/formats.md,
//! `leads.csv`): every unmatched event against every location's observations, on the
//! sample data with its synthetic IP database.

use compound_atlas_core::analysis::leads::{Lead, LeadKind, LeadParams, find_leads};
use compound_atlas_core::matching::MatchSet;
use compound_atlas_core::model::Dataset;
use compound_atlas_core::values::progress::Progress;
use compound_atlas_core::values::time::Nanos;
use std::collections::BTreeSet;

/// An observation's AS numbers: those of its first and last address, unless the address
/// is in a known shared network.
fn observation_asns(dataset: &Dataset, observation: u32) -> Vec<u32> {
    let set = dataset.observations[observation as usize].addresses;
    let mut asns: Vec<u32> = [set.first, set.last]
        .into_iter()
        .filter_map(|addr| {
            let network = dataset.ip_data.network_of(addr);
            if network.hint.is_some() {
                None
            } else {
                network.asn
            }
        })
        .collect();
    asns.dedup();
    asns
}

/// The definitions, written out plainly: every unmatched event against every
/// location's observations and their AS numbers.
fn brute_force(dataset: &Dataset, matches: &MatchSet, params: &LeadParams) -> Vec<Lead> {
    let matched: BTreeSet<u32> = matches.matches.iter().map(|m| m.event).collect();
    // Per location: its unshared observations with an AS, their AS numbers, and the period.
    type AsnsAndPeriod = (Vec<u32>, Option<(Nanos, Nanos)>);
    let per_location: Vec<AsnsAndPeriod> = (0..dataset.locations.len() as u32)
        .map(|location| {
            let own: Vec<usize> = (0..dataset.observations.len())
                .filter(|&o| {
                    let observation = &dataset.observations[o];
                    observation.location == location
                        && !observation.shared
                        && !observation_asns(dataset, o as u32).is_empty()
                })
                .collect();
            let asns = own
                .iter()
                .flat_map(|&o| observation_asns(dataset, o as u32))
                .collect();
            let first = own
                .iter()
                .map(|&o| dataset.observations[o].first_seen.unwrap_or(Nanos::MIN))
                .min();
            let last = own
                .iter()
                .map(|&o| dataset.observations[o].last_seen.unwrap_or(Nanos::MAX))
                .max();
            (asns, first.zip(last))
        })
        .collect();
    let mut leads = Vec::new();
    for event in 0..dataset.events.len() as u32 {
        if matched.contains(&event) {
            continue;
        }
        let network = dataset.network(event);
        let time = dataset.events.time[event as usize];
        for (location, (asns, period)) in per_location.iter().enumerate() {
            let shares_network = network.asn.is_some_and(|asn| asns.contains(&asn));
            let inside = period.is_some_and(|(f, l)| {
                f.saturating_sub(params.tolerance) <= time
                    && time <= l.saturating_add(params.tolerance)
            });
            if shares_network && inside {
                leads.push(Lead {
                    event,
                    kind: LeadKind::SameNetwork,
                    location: Some(location as u32),
                });
            }
        }
        if params.countries.contains(&network.country) {
            leads.push(Lead {
                event,
                kind: LeadKind::Region,
                location: None,
            });
        }
    }
    leads
}

const DAY: Nanos = 86_400 * compound_atlas_core::values::time::NANOS_PER_SECOND;

/// The sample, and the sample with every observation's window closed (an open end a
/// year from the other, none made from nothing), where a location's observed period is
/// bounded and the time condition decides.
fn datasets() -> Vec<Dataset> {
    let progress = Progress::default();
    let sample = compound_atlas_core::pipeline::load(
        &compound_atlas_core::embedded::sample_inputs(),
        Default::default(),
        &progress,
    )
    .unwrap();
    let mut closed = sample.clone();
    for observation in &mut closed.observations {
        let (first, last) = (observation.first_seen, observation.last_seen);
        let around = first.or(last).unwrap_or(1_680_000_000 * (DAY / 86_400));
        observation.first_seen = Some(first.unwrap_or(around - 365 * DAY));
        observation.last_seen = Some(last.unwrap_or(around + 365 * DAY));
    }
    vec![sample, closed]
}

#[test]
fn leads_agree_with_the_definitions_on_the_sample() {
    let progress = Progress::default();
    for (d, dataset) in datasets().iter().enumerate() {
        let matches =
            compound_atlas_core::matching::match_events(dataset, Default::default(), &progress)
                .unwrap();
        for (tolerance, region) in [(0, "MM, KH, LA"), (30 * DAY, "TH")] {
            let params = LeadParams {
                tolerance,
                countries: compound_atlas_core::ipdata::parse_countries(region).unwrap(),
                links: Default::default(),
            };
            let found = find_leads(dataset, &matches, &params);
            let expected = brute_force(dataset, &matches, &params);
            let same_network = expected
                .iter()
                .filter(|l| l.kind == LeadKind::SameNetwork)
                .count();
            assert!(same_network > 0, "dataset {d}");
            // The first difference, not two lists of thousands.
            let first_difference = found.leads.iter().zip(&expected).position(|(a, b)| a != b);
            assert!(
                found.leads.len() == expected.len() && first_difference.is_none(),
                "dataset {d}, tolerance {tolerance}, region {region}: {} leads found, {} by \
                 definition; first difference at {first_difference:?}",
                found.leads.len(),
                expected.len()
            );
        }
    }
}
