//! Aggregates over a match set: the study's headline figures and per-location counts.
//!
//! Every function takes the matches to count, so a caller that filters (by date,
//! location, strength …) passes only the matches that pass its filter.

use crate::matching::{Match, Strength};
use crate::model::Dataset;
use crate::values::time::Nanos;

/// The study's three figures, plus what they are out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Headline {
    pub reports: u64,
    pub events: u64,
    /// Reports with at least one `ip_time` match.
    pub reports_ip_time: u64,
    /// Reports with any match.
    pub reports_any_match: u64,
    /// Locations with at least one `ip_time` match.
    pub locations_ip_time: u64,
}

/// Counts for one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LocationStats {
    /// Reports whose best strength at this location is `ip_time`.
    pub reports_ip_time: u64,
    /// Reports whose best strength at this location is `ip_only`.
    pub reports_ip_only: u64,
    /// Events whose best match at this location is `ip_time`.
    pub events_ip_time: u64,
    pub events_ip_only: u64,
    pub first_match: Option<Nanos>,
    pub last_match: Option<Nanos>,
}

impl LocationStats {
    pub fn reports(&self) -> u64 {
        self.reports_ip_time + self.reports_ip_only
    }
}

/// Everything the summary files and views need from one pass over the matches.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub headline: Headline,
    /// Indexed like `Dataset::locations`.
    pub locations: Vec<LocationStats>,
    /// The best strength of each report over all locations, indexed like the reports.
    pub report_best: Vec<Option<Strength>>,
}

/// Aggregate `matches`, which must be ordered by event id as `match_events` returns them.
pub fn summarize(dataset: &Dataset, matches: &[Match]) -> Summary {
    let mut locations = vec![LocationStats::default(); dataset.locations.len()];
    let mut report_best: Vec<Option<Strength>> = vec![None; dataset.reports.len()];
    // (report, location, best strength) of every match, reduced below.
    let mut report_location: Vec<(u32, u32, Strength)> = Vec::with_capacity(matches.len());
    let mut event_location: Vec<(u32, Strength)> = Vec::new();
    let mut start = 0;
    while start < matches.len() {
        let event = matches[start].event;
        let mut end = start;
        event_location.clear();
        while end < matches.len() && matches[end].event == event {
            let m = &matches[end];
            let location = dataset.observations[m.observation as usize].location;
            match event_location.iter_mut().find(|(l, _)| *l == location) {
                Some((_, best)) => *best = (*best).max(m.strength),
                None => event_location.push((location, m.strength)),
            }
            end += 1;
        }
        let report = dataset.events.report[event as usize];
        let time = dataset.events.time[event as usize];
        for &(location, strength) in &event_location {
            let stats = &mut locations[location as usize];
            match strength {
                Strength::IpTime => stats.events_ip_time += 1,
                Strength::IpOnly => stats.events_ip_only += 1,
            }
            stats.first_match = Some(stats.first_match.map_or(time, |t| t.min(time)));
            stats.last_match = Some(stats.last_match.map_or(time, |t| t.max(time)));
            report_location.push((report, location, strength));
            let best = &mut report_best[report as usize];
            *best = Some(best.map_or(strength, |b| b.max(strength)));
        }
        start = end;
    }
    report_location.sort_unstable_by(|a, b| {
        (a.0, a.1, std::cmp::Reverse(a.2)).cmp(&(b.0, b.1, std::cmp::Reverse(b.2)))
    });
    report_location.dedup_by_key(|(r, l, _)| (*r, *l));
    for &(_, location, strength) in &report_location {
        let stats = &mut locations[location as usize];
        match strength {
            Strength::IpTime => stats.reports_ip_time += 1,
            Strength::IpOnly => stats.reports_ip_only += 1,
        }
    }
    let headline = Headline {
        reports: dataset.reports.len() as u64,
        events: dataset.events.len() as u64,
        reports_ip_time: report_best
            .iter()
            .filter(|b| **b == Some(Strength::IpTime))
            .count() as u64,
        reports_any_match: report_best.iter().filter(|b| b.is_some()).count() as u64,
        locations_ip_time: locations.iter().filter(|s| s.reports_ip_time > 0).count() as u64,
    };
    Summary {
        headline,
        locations,
        report_best,
    }
}
