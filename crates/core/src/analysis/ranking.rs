//! The lead score: every report below IP + time, per kind of lead and location, scored
//! from named factors between 0 and 1, so that a caseworker reviews the likeliest first.
//!
//! The score orders leads for review; it is not a probability. `docs/ranking.md` says
//! what each factor measures and why; [`Weights`] holds every number in one place.

use super::leads::{Lead, LeadKind, LeadParams, Leads, find_leads};
use super::links::{DAY, Links, Tie, Via, days_apart, find_links};
use super::profiles::Profiles;
use crate::matching::{MatchSet, Strength};
use crate::model::Dataset;
use crate::values::time::NANOS_PER_SECOND;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// The kinds of lead, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    IpOnly,
    SharedAddress,
    SharedAccount,
    SameNetwork,
    Region,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::IpOnly,
        Kind::SharedAddress,
        Kind::SharedAccount,
        Kind::SameNetwork,
        Kind::Region,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::IpOnly => "ip_only",
            Kind::SharedAddress => "shared_address",
            Kind::SharedAccount => "shared_account",
            Kind::SameNetwork => "same_network",
            Kind::Region => "region",
        }
    }

    /// The kind in words, for the workbench.
    pub fn label(self) -> &'static str {
        match self {
            Kind::IpOnly => "IP only",
            Kind::SharedAddress => "Shares an address",
            Kind::SharedAccount => "Shares an account",
            Kind::SameNetwork => "Same network",
            Kind::Region => "In the region",
        }
    }
}

/// Every number of the score, in one place (documented in `docs/ranking.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// What a lead of each kind can reach at most (the order of [`Kind::ALL`]).
    pub kind: [f64; 5],
    /// The weights of the five factors, summed (they add up to 1).
    pub proximity: f64,
    pub evidence: f64,
    pub activity_fit: f64,
    pub ties: f64,
    pub exclusivity: f64,
    /// Days outside the window at which `proximity` is one half.
    pub half_life_days: f64,
    /// How many events' worth of the wider pattern (the country's, then all
    /// locations') a location's activity profile starts from.
    pub profile_prior_events: f64,
    /// Pseudo-count added to each weekday × hour cell of a profile, per event.
    pub profile_floor: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            kind: [1.0, 0.7, 0.7, 0.4, 0.2],
            proximity: 0.15,
            evidence: 0.3,
            activity_fit: 0.25,
            ties: 0.2,
            exclusivity: 0.1,
            half_life_days: 90.0,
            profile_prior_events: 10.0,
            profile_floor: 0.02,
        }
    }
}

/// The factors of one lead, each from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Factors {
    /// How near the window the nearest matched event is (ip_only; 1 for other kinds).
    pub proximity: f64,
    /// Independent evidence: distinct events, days and addresses.
    pub evidence: f64,
    /// How well the events' local hours follow the location's activity profile.
    pub activity_fit: f64,
    /// The share of the evidence that rests on no shared observation or network.
    pub exclusivity: f64,
    /// Ties to IP + time reports.
    pub ties: f64,
}

/// One report's lead of one kind (and location).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankedLead {
    pub report: u32,
    pub kind: Kind,
    pub location: Option<u32>,
    /// The event the row shows: the lead's first, or the one its tie runs through.
    pub event: u32,
    pub events: u32,
    pub days: u32,
    pub addresses: u32,
    /// IP + time reports tied to the report.
    pub tied_ip_time: u32,
    pub factors: Factors,
    pub score: f64,
    /// What the reason is made of (its words: [`AllLeads::reason`]).
    pub why: Why,
}

/// What a lead's reason says, kept small: the words are made when shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Why {
    /// ip_only: the nearest distance to a window, in seconds, when it has one.
    IpOnly { outside: Option<i64> },
    /// same_network and region: the report's first such lead.
    Network(Lead),
    /// shared_address and shared_account: the closest tie, and how many other
    /// matched reports the report is tied to this way.
    Tie { tie: Tie, more: usize },
}

/// Every lead of the data: the network-level leads, the ties, and every report below
/// IP + time scored.
#[derive(Debug, Clone, Default)]
pub struct AllLeads {
    pub network: Leads,
    pub links: Links,
    /// Highest score first.
    pub ranked: Vec<RankedLead>,
    /// Indexes into `ranked`, by report (then rank): a report's leads at once.
    by_report: Vec<u32>,
    /// How many of `ranked` are of each kind (the order of [`Kind::ALL`]), counted once:
    /// the side panel shows them every frame.
    counts: [usize; 5],
}

impl AllLeads {
    /// Why a lead is one, in words.
    pub fn reason(&self, dataset: &Dataset, lead: &RankedLead) -> String {
        match lead.why {
            Why::IpOnly { outside } => ip_only_reason(dataset, lead, outside),
            Why::Network(first) => self.network.reason(dataset, &first),
            Why::Tie { tie, more } => with_more(self.links.reason(dataset, &tie), more),
        }
    }

    /// How many ranked leads are of one kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.counts[kind_index(kind)]
    }

    /// One report's leads, highest score first.
    pub fn of_report(&self, report: u32) -> impl Iterator<Item = &RankedLead> {
        let key = |i: &u32| self.ranked[*i as usize].report;
        let start = self.by_report.partition_point(|i| key(i) < report);
        self.by_report[start..]
            .iter()
            .take_while(move |i| key(i) == report)
            .map(|&i| &self.ranked[i as usize])
    }
}

/// Find and score every lead.
pub fn all_leads(dataset: &Dataset, matches: &MatchSet, params: &LeadParams) -> AllLeads {
    all_leads_stepwise(dataset, matches, params, || {})
}

/// [`all_leads`], calling `step_done` after each of its three steps (network-level
/// leads, ties, scores), for a caller that times them.
pub fn all_leads_stepwise(
    dataset: &Dataset,
    matches: &MatchSet,
    params: &LeadParams,
    mut step_done: impl FnMut(),
) -> AllLeads {
    let network = find_leads(dataset, matches, params);
    step_done();
    let links = find_links(dataset, matches, &params.links);
    step_done();
    let ranked = rank(dataset, matches, &network, &links, &Weights::default());
    step_done();
    let mut by_report: Vec<u32> = (0..ranked.len() as u32).collect();
    by_report.sort_by_key(|&i| (ranked[i as usize].report, i));
    let mut counts = [0; 5];
    for lead in &ranked {
        counts[kind_index(lead.kind)] += 1;
    }
    AllLeads {
        network,
        links,
        ranked,
        by_report,
        counts,
    }
}

/// A lead before it is scored: its events and what they rest on.
struct Evidence {
    report: u32,
    kind: Kind,
    location: Option<u32>,
    events: Vec<u32>,
    /// ip_only: the nearest distance to a window, in seconds.
    outside: Option<i64>,
    shared: (u32, u32),
    why: Option<Why>,
    /// The event the reason names, when it is not the first.
    shown: Option<u32>,
}

/// Score every lead of every report below IP + time, highest score first.
pub fn rank(
    dataset: &Dataset,
    matches: &MatchSet,
    leads: &Leads,
    links: &Links,
    weights: &Weights,
) -> Vec<RankedLead> {
    let profiles = Profiles::new(dataset, matches, weights);
    let gathered = gather(dataset, matches, leads, links);
    let ranked: Vec<RankedLead> = gathered
        .into_par_iter()
        .map(|evidence| score(dataset, links, &profiles, weights, evidence))
        .collect();
    // Sort small keys, not the leads: highest score first (scores are not negative, so
    // their bits order as they do), then the report's place in the input, kind and
    // location.
    let mut keys: Vec<(u64, u32, Kind, u32, u32)> = ranked
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let location = l.location.unwrap_or(u32::MAX);
            (
                !l.score.max(0.0).to_bits(),
                l.report,
                l.kind,
                location,
                i as u32,
            )
        })
        .collect();
    keys.par_sort_unstable();
    keys.into_iter().map(|key| ranked[key.4 as usize]).collect()
}

/// One piece of a lead's evidence, sorted to group the pieces of each lead: an
/// ip_only match (`source` its index in the match set) or a network-level lead (its
/// index among the leads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Piece {
    report: u32,
    kind: Kind,
    /// `u32::MAX` for none, so that pieces sort without an `Option`.
    location: u32,
    event: u32,
    source: u32,
}

/// The evidence of every lead: ip_only matches per location, the network-level leads
/// per location, and the second-degree ties, for reports with no IP + time match.
fn gather(dataset: &Dataset, matches: &MatchSet, leads: &Leads, links: &Links) -> Vec<Evidence> {
    let below = |report: u32| links.strength_of.get(&report) != Some(&Strength::IpTime);
    let ip_only = matches.matches.iter().enumerate().filter_map(|(i, m)| {
        let report = dataset.events.report[m.event as usize];
        (m.strength == Strength::IpOnly && below(report)).then(|| Piece {
            report,
            kind: Kind::IpOnly,
            location: dataset.observations[m.observation as usize].location,
            event: m.event,
            source: i as u32,
        })
    });
    let network = leads.leads.iter().enumerate().filter_map(|(i, lead)| {
        let report = dataset.events.report[lead.event as usize];
        below(report).then(|| Piece {
            report,
            kind: match lead.kind {
                LeadKind::SameNetwork => Kind::SameNetwork,
                LeadKind::Region => Kind::Region,
            },
            location: lead.location.unwrap_or(u32::MAX),
            event: lead.event,
            source: i as u32,
        })
    });
    let mut pieces: Vec<Piece> = ip_only.chain(network).collect();
    pieces.par_sort_unstable();
    let mut all: Vec<Evidence> = pieces
        .chunk_by(|a, b| (a.report, a.kind, a.location) == (b.report, b.kind, b.location))
        .map(|group| evidence_of_pieces(dataset, matches, leads, group))
        .collect();
    for (report, ties) in links.second_degree() {
        all.extend(tie_evidence(report, ties));
    }
    all
}

/// The evidence of one ip_only or network-level lead from its pieces.
fn evidence_of_pieces(
    dataset: &Dataset,
    matches: &MatchSet,
    leads: &Leads,
    group: &[Piece],
) -> Evidence {
    let first = group[0];
    let mut evidence = Evidence {
        report: first.report,
        kind: first.kind,
        location: (first.location != u32::MAX).then_some(first.location),
        events: group.iter().map(|p| p.event).collect(),
        outside: None,
        shared: (0, group.len() as u32),
        why: None,
        shown: None,
    };
    for piece in group {
        let shared = if first.kind == Kind::IpOnly {
            let m = &matches.matches[piece.source as usize];
            if let Some(outside) = m.seconds_outside_window {
                evidence.outside = Some(evidence.outside.map_or(outside, |o| o.min(outside)));
            }
            dataset.observations[m.observation as usize].shared
                || dataset.network(m.event).hint.is_some()
        } else {
            dataset.network(piece.event).hint.is_some()
        };
        evidence.shared.0 += u32::from(shared);
    }
    if first.kind != Kind::IpOnly {
        evidence.why = Some(Why::Network(leads.leads[first.source as usize]));
    }
    evidence
}

/// The second-degree leads of one report with no match: one per kind of tie.
fn tie_evidence(report: u32, ties: &[Tie]) -> impl Iterator<Item = Evidence> + '_ {
    [Kind::SharedAddress, Kind::SharedAccount]
        .into_iter()
        .filter_map(move |kind| {
            let of_kind: Vec<&Tie> = ties.iter().filter(|t| tie_kind(t) == kind).collect();
            let best = of_kind
                .iter()
                .min_by_key(|t| (t.anchor_strength == Strength::IpOnly, t.apart))?;
            let anchors: BTreeSet<u32> = of_kind.iter().map(|t| t.anchor).collect();
            Some(Evidence {
                report,
                kind,
                location: Some(best.anchor_location),
                events: of_kind.iter().map(|t| t.event).collect(),
                outside: None,
                shared: (0, 0),
                why: Some(Why::Tie {
                    tie: **best,
                    more: anchors.len() - 1,
                }),
                shown: Some(best.event),
            })
        })
}

/// A kind's place in [`Kind::ALL`].
fn kind_index(kind: Kind) -> usize {
    Kind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is in ALL")
}

fn tie_kind(tie: &Tie) -> Kind {
    match tie.via {
        Via::Address(_) => Kind::SharedAddress,
        Via::Account(_) => Kind::SharedAccount,
    }
}

fn with_more(reason: String, more: usize) -> String {
    match more {
        0 => reason,
        1 => format!("{reason}; and 1 more report"),
        n => format!("{reason}; and {n} more reports"),
    }
}

/// "IP only at KK Park: 3 events, nearest 52 days outside the window".
fn ip_only_reason(dataset: &Dataset, lead: &RankedLead, outside: Option<i64>) -> String {
    let name = lead
        .location
        .map_or("", |l| dataset.locations[l as usize].name.as_str());
    let events = crate::values::text::count(u64::from(lead.events), "event", "events");
    match outside {
        Some(seconds) => format!(
            "IP only at {name}: {events}, nearest {} outside the window",
            days_apart(seconds.saturating_mul(NANOS_PER_SECOND))
        ),
        None => format!("IP only at {name}: {events}, the observation has no window"),
    }
}

/// Score one lead.
fn score(
    dataset: &Dataset,
    links: &Links,
    profiles: &Profiles,
    weights: &Weights,
    mut evidence: Evidence,
) -> RankedLead {
    evidence.events.sort_unstable();
    evidence.events.dedup();
    let events = &evidence.events;
    let distinct = |mut values: Vec<i128>| {
        values.sort_unstable();
        values.dedup();
        values.len()
    };
    let days = distinct(
        events
            .iter()
            .map(|&e| i128::from(dataset.events.time[e as usize].div_euclid(DAY)))
            .collect(),
    );
    let addresses = distinct(
        events
            .iter()
            .map(|&e| dataset.events.addr[e as usize] as i128)
            .collect(),
    );
    let tied_ip_time = links
        .ties_of(evidence.report)
        .iter()
        .filter(|t| t.anchor_strength == Strength::IpTime)
        .map(|t| t.anchor)
        .collect::<BTreeSet<u32>>()
        .len() as u32;
    let factors = Factors {
        proximity: match (evidence.kind, evidence.outside) {
            (Kind::IpOnly, Some(seconds)) => proximity(seconds, weights.half_life_days),
            (Kind::IpOnly, None) => 0.5,
            _ => 1.0,
        },
        evidence: (saturation(events.len(), 2.0)
            + saturation(days, 1.0)
            + saturation(addresses, 1.0))
            / 3.0,
        activity_fit: profiles.fit(dataset, evidence.location, events),
        exclusivity: match evidence.shared {
            (_, 0) => 1.0,
            (shared, all) => 1.0 - f64::from(shared) / f64::from(all),
        },
        ties: f64::from(tied_ip_time) / (f64::from(tied_ip_time) + 1.0),
    };
    let kind_weight = weights.kind[kind_index(evidence.kind)];
    let sum = weights.proximity * factors.proximity
        + weights.evidence * factors.evidence
        + weights.activity_fit * factors.activity_fit
        + weights.ties * factors.ties
        + weights.exclusivity * factors.exclusivity;
    RankedLead {
        report: evidence.report,
        kind: evidence.kind,
        location: evidence.location,
        event: evidence.shown.unwrap_or(events[0]),
        events: events.len() as u32,
        days: days as u32,
        addresses: addresses as u32,
        tied_ip_time,
        factors,
        score: kind_weight * sum,
        why: evidence.why.unwrap_or(Why::IpOnly {
            outside: evidence.outside,
        }),
    }
}

/// 0 for one item, one half at `1 + half` items, towards 1 with more.
fn saturation(count: usize, half: f64) -> f64 {
    let extra = count.saturating_sub(1) as f64;
    extra / (extra + half)
}

/// The polynomial decay of the distance to the window: 1 inside, one half at the
/// half-life, 1 / (1 + (d / h)²).
pub fn proximity(seconds_outside: i64, half_life_days: f64) -> f64 {
    let days = seconds_outside.max(0) as f64 / 86_400.0;
    1.0 / (1.0 + (days / half_life_days).powi(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proximity_halves_at_the_half_life_and_is_one_inside() {
        assert_eq!(proximity(0, 90.0), 1.0);
        assert!((proximity(90 * 86_400, 90.0) - 0.5).abs() < 1e-12);
        assert!(proximity(400 * 86_400, 90.0) < 0.05);
    }

    #[test]
    fn saturation_is_zero_for_one_and_half_at_one_plus_half() {
        assert_eq!(saturation(1, 2.0), 0.0);
        assert_eq!(saturation(0, 2.0), 0.0);
        assert!((saturation(3, 2.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_weights_of_the_factors_add_up_to_one() {
        let w = Weights::default();
        let sum = w.proximity + w.evidence + w.activity_fit + w.ties + w.exclusivity;
        assert!((sum - 1.0).abs() < 1e-12);
    }
}
