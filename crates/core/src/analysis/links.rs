//! Second-degree links: reports tied to matched reports through an address or an
//! account they share, near in time, and the clusters those ties make.
//!
//! A **tie** joins a report to an *anchor* (another report with a match of any
//! strength) when one of the report's events uses an address (IPv6 folded to its /64
//! when asked) or an account that some event of the anchor uses too, and that event is
//! within the window (default 30 days) of one of the anchor's matched events. An
//! address or account used by more than `max_sharers` reports is *crowded* (a carrier
//! NAT, a VPN exit, a placeholder value): it says nothing of who the users are, gives no
//! ties, and is drawn as a collection node.
//!
//! A report with no match of its own and a tie is a second-degree lead (`shared_address`
//! or `shared_account`); reports with matches get ties too, which the ranking counts.

use super::accounts::{Accounts, find_accounts};
use crate::matching::{MatchSet, Strength};
use crate::model::Dataset;
use crate::values::address::{format_address, is_v4};
use crate::values::time::Nanos;
use hashbrown::HashMap;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};

pub use crate::params::{DAY, LinkParams};

/// What two reports share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Via {
    /// An address (an IPv6 address folded to its /64 when asked).
    Address(u128),
    /// An account, by its index in [`Accounts`].
    Account(u32),
}

/// One report tied to one anchor, by the closest pair of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tie {
    pub report: u32,
    /// The report's event that shares.
    pub event: u32,
    pub via: Via,
    pub anchor: u32,
    /// The anchor's matched event nearest in time to `event`.
    pub anchor_event: u32,
    pub anchor_location: u32,
    pub anchor_strength: Strength,
    /// How far apart `event` and `anchor_event` are.
    pub apart: Nanos,
}

/// Every tie and what it was made of.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub params: LinkParams,
    pub accounts: Accounts,
    /// Sorted by report, anchor, via; the closest tie per (report, anchor, via).
    pub ties: Vec<Tie>,
    /// Each report's best strength, for reports with a match.
    pub strength_of: HashMap<u32, Strength>,
    /// How many reports use each address or account of an anchor (more than
    /// `max_sharers`: crowded).
    pub sharers: HashMap<Via, u32>,
}

impl Links {
    /// The ties of one report.
    pub fn ties_of(&self, report: u32) -> &[Tie] {
        let start = self.ties.partition_point(|t| t.report < report);
        let end = self.ties.partition_point(|t| t.report <= report);
        &self.ties[start..end]
    }

    /// The reports with no match and a tie: the second-degree leads, in report order.
    pub fn second_degree(&self) -> impl Iterator<Item = (u32, &[Tie])> {
        self.ties
            .chunk_by(|a, b| a.report == b.report)
            .filter(|ties| !self.strength_of.contains_key(&ties[0].report))
            .map(|ties| (ties[0].report, ties))
    }

    /// Whether an anchor's address or account has more reports than linking follows.
    pub fn is_crowded(&self, via: Via) -> bool {
        self.sharers
            .get(&via)
            .is_some_and(|&n| n > self.params.max_sharers)
    }

    /// How many of the anchors' addresses and accounts are crowded.
    pub fn crowded_count(&self) -> usize {
        self.sharers
            .values()
            .filter(|&&n| n > self.params.max_sharers)
            .count()
    }

    /// The address or account in words.
    pub fn via_label(&self, via: Via) -> String {
        match via {
            Via::Address(addr) if !is_v4(addr) && self.params.fold_ipv6 => {
                format!("{}/64", format_address(addr))
            }
            Via::Address(addr) => format_address(addr),
            Via::Account(a) => self.accounts.accounts[a as usize].label(),
        }
    }

    /// "shares 198.18.5.7 with CT-000123 — IP + time at KK Park — 2 days apart".
    pub fn reason(&self, dataset: &Dataset, tie: &Tie) -> String {
        let strength = match tie.anchor_strength {
            Strength::IpTime => "IP + time",
            Strength::IpOnly => "IP only",
        };
        format!(
            "shares {} with {} — {strength} at {} — {} apart",
            self.via_label(tie.via),
            dataset.reports.id(tie.anchor),
            dataset.locations[tie.anchor_location as usize].name,
            days_apart(tie.apart)
        )
    }
}

/// "0 days", "1 day", "12 days" (whole days, truncated).
pub fn days_apart(apart: Nanos) -> String {
    match apart / DAY {
        0 => "0 days".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// An event's address as linking reads it.
pub fn address_key(addr: u128, fold_ipv6: bool) -> u128 {
    if fold_ipv6 && !is_v4(addr) {
        addr & !u128::from(u64::MAX)
    } else {
        addr
    }
}

/// A matched event of an anchor: when, and where it matched best.
#[derive(Debug, Clone, Copy)]
struct AnchorEvent {
    time: Nanos,
    event: u32,
    location: u32,
    strength: Strength,
}

/// Find every tie.
pub fn find_links(dataset: &Dataset, matches: &MatchSet, params: &LinkParams) -> Links {
    let accounts = find_accounts(dataset, params.account_column.as_deref());
    let anchors = anchor_events(dataset, matches);
    let strength_of: HashMap<u32, Strength> = anchors
        .iter()
        .map(|(&r, events)| (r, events.iter().map(|e| e.strength).max().expect("one")))
        .collect();
    // Each address and account of an anchor, with the anchors that use it.
    let mut slot_of: HashMap<Via, u32> = HashMap::new();
    let mut users: Vec<Vec<u32>> = Vec::new();
    for &anchor in anchors.keys() {
        for via in vias_of_report(dataset, &accounts, params, anchor) {
            let next = users.len() as u32;
            let slot = *slot_of.entry(via).or_insert(next);
            if slot == next {
                users.push(Vec::new());
            }
            users[slot as usize].push(anchor);
        }
    }
    for list in &mut users {
        list.sort_unstable();
        list.dedup();
    }
    let sharers = count_sharers(dataset, &accounts, params, &slot_of);
    let mut ties: Vec<Tie> = (0..dataset.reports.len() as u32)
        .into_par_iter()
        .flat_map_iter(|report| {
            let context = TieContext {
                dataset,
                accounts: &accounts,
                params,
                slot_of: &slot_of,
                users: &users,
                sharers: &sharers,
                anchors: &anchors,
            };
            context.ties_of(report)
        })
        .collect();
    ties.sort_unstable_by_key(|t| (t.report, t.anchor, t.via));
    let sharers = slot_of
        .iter()
        .map(|(via, slot)| (*via, sharers[*slot as usize]))
        .collect();
    Links {
        params: params.clone(),
        accounts,
        ties,
        strength_of,
        sharers,
    }
}

/// Each anchor's matched events, by time, with the best match of each.
fn anchor_events(dataset: &Dataset, matches: &MatchSet) -> HashMap<u32, Vec<AnchorEvent>> {
    let mut anchors: HashMap<u32, Vec<AnchorEvent>> = HashMap::new();
    for group in matches.matches.chunk_by(|a, b| a.event == b.event) {
        let best = group
            .iter()
            .max_by_key(|m| (m.strength, std::cmp::Reverse(m.observation)))
            .expect("a group has a match");
        let event = best.event as usize;
        anchors
            .entry(dataset.events.report[event])
            .or_default()
            .push(AnchorEvent {
                time: dataset.events.time[event],
                event: best.event,
                location: dataset.observations[best.observation as usize].location,
                strength: best.strength,
            });
    }
    for events in anchors.values_mut() {
        events.sort_by_key(|e| (e.time, e.event));
    }
    anchors
}

/// The addresses and accounts one report's events use (with repeats).
fn vias_of_report<'a>(
    dataset: &'a Dataset,
    accounts: &'a Accounts,
    params: &'a LinkParams,
    report: u32,
) -> impl Iterator<Item = Via> + 'a {
    dataset.events_of(report).iter().flat_map(move |&event| {
        let addr = address_key(dataset.events.addr[event as usize], params.fold_ipv6);
        std::iter::once(Via::Address(addr)).chain(accounts.of_event(event).map(Via::Account))
    })
}

/// How many reports use each anchor address or account (counted once per report).
fn count_sharers(
    dataset: &Dataset,
    accounts: &Accounts,
    params: &LinkParams,
    slot_of: &HashMap<Via, u32>,
) -> Vec<u32> {
    let counts: Vec<AtomicU32> = (0..slot_of.len()).map(|_| AtomicU32::new(0)).collect();
    (0..dataset.reports.len() as u32)
        .into_par_iter()
        .for_each_init(Vec::new, |slots: &mut Vec<u32>, report| {
            slots.clear();
            slots.extend(
                vias_of_report(dataset, accounts, params, report)
                    .filter_map(|via| slot_of.get(&via).copied()),
            );
            slots.sort_unstable();
            slots.dedup();
            for &slot in slots.iter() {
                counts[slot as usize].fetch_add(1, Ordering::Relaxed);
            }
        });
    counts.into_iter().map(AtomicU32::into_inner).collect()
}

/// What finding one report's ties needs.
struct TieContext<'a> {
    dataset: &'a Dataset,
    accounts: &'a Accounts,
    params: &'a LinkParams,
    slot_of: &'a HashMap<Via, u32>,
    users: &'a [Vec<u32>],
    sharers: &'a [u32],
    anchors: &'a HashMap<u32, Vec<AnchorEvent>>,
}

impl TieContext<'_> {
    /// The closest tie of `report` per (anchor, via), in no particular order (a map, so
    /// that a report with a million events and as many ties stays linear).
    fn ties_of(&self, report: u32) -> Vec<Tie> {
        let mut ties: HashMap<(u32, Via), Tie> = HashMap::new();
        for &event in self.dataset.events_of(report) {
            let time = self.dataset.events.time[event as usize];
            let addr = address_key(
                self.dataset.events.addr[event as usize],
                self.params.fold_ipv6,
            );
            let vias = std::iter::once(Via::Address(addr))
                .chain(self.accounts.of_event(event).map(Via::Account));
            for via in vias {
                let Some(&slot) = self.slot_of.get(&via) else {
                    continue;
                };
                if self.sharers[slot as usize] > self.params.max_sharers {
                    continue;
                }
                for &anchor in &self.users[slot as usize] {
                    if anchor == report {
                        continue;
                    }
                    if let Some(tie) = self.nearest(report, event, time, via, anchor) {
                        keep_closest(&mut ties, tie);
                    }
                }
            }
        }
        ties.into_values().collect()
    }

    /// The anchor's matched event nearest `time`, when within the window.
    fn nearest(&self, report: u32, event: u32, time: Nanos, via: Via, anchor: u32) -> Option<Tie> {
        let events = &self.anchors[&anchor];
        let at = events.partition_point(|e| e.time < time);
        let candidates = [at.checked_sub(1), Some(at)];
        let best = candidates
            .into_iter()
            .flatten()
            .filter_map(|i| events.get(i))
            .min_by_key(|e| (e.time.abs_diff(time), std::cmp::Reverse(e.strength)))?;
        let apart = best.time.abs_diff(time) as Nanos;
        (apart <= self.params.window).then_some(Tie {
            report,
            event,
            via,
            anchor,
            anchor_event: best.event,
            anchor_location: best.location,
            anchor_strength: best.strength,
            apart,
        })
    }
}

/// Keep one tie per (anchor, via): the closest in time, then the earliest event.
fn keep_closest(ties: &mut HashMap<(u32, Via), Tie>, tie: Tie) {
    ties.entry((tie.anchor, tie.via))
        .and_modify(|known| {
            if (tie.apart, tie.event) < (known.apart, known.event) {
                *known = tie;
            }
        })
        .or_insert(tie);
}
