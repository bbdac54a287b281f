//! The global filter that every view and every number follows.
//!
//! Conditions on events (dates, event name, AS organisation, registered country,
//! platform, incident type, search) narrow
//! both what is counted as loaded and what is matched; conditions on matches (strength,
//! country, location) narrow only the matches.

use crate::analysis::triage::Triage;
use crate::analysis::{Summary, summarize};
use crate::matching::{Match, MatchSet, Strength};
use crate::model::Dataset;
use crate::values::address::{AddressSet, parse_address_set};
use crate::values::time::{NANOS_PER_SECOND, Nanos};
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashSet};

/// What the user has chosen to look at. Empty sets mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Filter {
    /// First day included (UTC).
    pub from: Option<NaiveDate>,
    /// Last day included (UTC).
    pub to: Option<NaiveDate>,
    pub strength: Option<Strength>,
    /// Country codes as written in the location lists.
    pub countries: BTreeSet<String>,
    /// Location ids.
    pub locations: BTreeSet<String>,
    pub platforms: BTreeSet<String>,
    pub incident_types: BTreeSet<String>,
    pub event_names: BTreeSet<String>,
    /// A report id (substring) or an address, CIDR, range or dotted prefix such as `198.51.`.
    pub search: String,
    /// Reports with any of these triage tags.
    pub tags: BTreeSet<String>,
    /// Events whose address belongs to one of these AS organisations (the IP data's names).
    #[serde(default)]
    pub as_orgs: BTreeSet<String>,
    /// Events whose address is registered in one of these countries (ISO codes).
    #[serde(default)]
    pub ip_countries: BTreeSet<String>,
    /// Events of these parties (`reported_person`, `victim`, … as `events.csv` writes
    /// them; `unknown` for events whose file names none).
    #[serde(default)]
    pub parties: BTreeSet<String>,
}

/// The filter's name for events whose file gives no party.
pub const NO_PARTY: &str = "unknown";

/// How the search text is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    None,
    Addresses(AddressSet),
    ReportId(String),
}

impl Search {
    pub fn parse(text: &str) -> Search {
        let text = text.trim();
        if text.is_empty() {
            return Search::None;
        }
        if let Ok(parsed) = parse_address_set(text) {
            return Search::Addresses(parsed.set);
        }
        // "198.51." is the prefix of whole octets: the CIDR 198.51.0.0/16.
        if let Some(prefix) = text.strip_suffix('.') {
            let octets: Vec<&str> = prefix.split('.').collect();
            if (1..=3).contains(&octets.len()) {
                let mut padded = octets.clone();
                padded.resize(4, "0");
                let cidr = format!("{}/{}", padded.join("."), octets.len() * 8);
                if let Ok(parsed) = parse_address_set(&cidr) {
                    return Search::Addresses(parsed.set);
                }
            }
        }
        Search::ReportId(text.to_lowercase())
    }
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    fn time_range(&self) -> (Nanos, Nanos) {
        let day_start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp())
                .unwrap_or(0)
        };
        let from = self.from.map_or(Nanos::MIN, |d| {
            day_start(d).saturating_mul(NANOS_PER_SECOND)
        });
        let to = self.to.map_or(Nanos::MAX, |d| {
            (day_start(d) + 86_400).saturating_mul(NANOS_PER_SECOND) - 1
        });
        (from, to)
    }

    /// The filter in words, for the status line and exports.
    pub fn describe(&self) -> String {
        self.describe_with(false)
    }

    /// [`Filter::describe`] with a searched report id or address masked, for screens
    /// that are shared.
    pub fn describe_masked(&self) -> String {
        self.describe_with(true)
    }

    fn describe_with(&self, mask: bool) -> String {
        if self.is_empty() {
            return "No filter: all data.".to_string();
        }
        let mut parts = Vec::new();
        match (self.from, self.to) {
            (Some(f), Some(t)) => parts.push(format!("events from {f} to {t}")),
            (Some(f), None) => parts.push(format!("events from {f}")),
            (None, Some(t)) => parts.push(format!("events until {t}")),
            (None, None) => {}
        }
        if let Some(s) = self.strength {
            parts.push(match s {
                Strength::IpTime => "IP+time matches only".to_string(),
                Strength::IpOnly => "IP-only matches only".to_string(),
            });
        }
        let list = |label: &str, set: &BTreeSet<String>| {
            (!set.is_empty()).then(|| {
                format!(
                    "{label} {}",
                    set.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
        };
        parts.extend(list("country", &self.countries));
        parts.extend(list("location", &self.locations));
        parts.extend(list("platform", &self.platforms));
        parts.extend(list("incident type", &self.incident_types));
        parts.extend(list("event", &self.event_names));
        parts.extend(list("AS organisation", &self.as_orgs));
        parts.extend(list("addresses registered in", &self.ip_countries));
        parts.extend(list("party", &self.parties));
        parts.extend(list("tagged", &self.tags));
        match Search::parse(&self.search) {
            Search::None => {}
            Search::Addresses(set) => parts.push(format!(
                "address in {}",
                if mask {
                    crate::analysis::mask::address_set(set)
                } else {
                    crate::values::address::format_address_set(set)
                }
            )),
            Search::ReportId(text) => parts.push(format!(
                "report id containing \"{}\"",
                if mask {
                    crate::analysis::mask::report_id(&text)
                } else {
                    text
                }
            )),
        }
        let mut sentence = parts.join("; ");
        if let Some(first) = sentence.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        sentence + "."
    }
}

/// The data seen through a filter.
#[derive(Debug, Clone, Default)]
pub struct FilteredView {
    /// The matches that pass, in event order.
    pub matches: Vec<Match>,
    /// Aggregates of those matches; `headline.reports` and `headline.events` count what
    /// passes the event conditions.
    pub summary: Summary,
}

/// Interned ids of a set of strings, or `None` for "any".
fn wanted(dataset: &Dataset, names: &BTreeSet<String>) -> Option<Vec<u32>> {
    (!names.is_empty()).then(|| {
        (0..dataset.strings.len() as u32)
            .filter(|&id| names.contains(dataset.strings.get(id)))
            .collect()
    })
}

/// The parties the filter lets through, one bit per party number (bit 0: none given);
/// `None` for any.
fn party_bits(filter: &Filter) -> Option<u8> {
    use crate::model::Party;
    (!filter.parties.is_empty()).then(|| {
        let mut bits = u8::from(filter.parties.contains(NO_PARTY));
        for party in Party::ALL {
            if filter.parties.contains(party.name()) {
                bits |= 1 << (party as u8);
            }
        }
        bits
    })
}

/// Apply the filter. Event conditions are checked over all events in parallel.
pub fn apply(dataset: &Dataset, matches: &MatchSet, filter: &Filter) -> FilteredView {
    apply_with_triage(dataset, matches, filter, &Triage::default())
}

/// [`apply`], with the triage tags the filter may ask for.
pub fn apply_with_triage(
    dataset: &Dataset,
    matches: &MatchSet,
    filter: &Filter,
    triage: &Triage,
) -> FilteredView {
    // Tagged reports are few: find their indexes once.
    let tagged: Option<HashSet<u32>> = (!filter.tags.is_empty()).then(|| {
        triage
            .reports_tagged(&filter.tags)
            .filter_map(|id| dataset.reports.find(id))
            .collect()
    });
    let (from, to) = filter.time_range();
    let names = wanted(dataset, &filter.event_names);
    let platforms = wanted(dataset, &filter.platforms);
    let incidents = wanted(dataset, &filter.incident_types);
    let search = Search::parse(&filter.search);
    let networks = passing_networks(dataset, filter);
    let parties = party_bits(filter);
    let report_passes = |report: u32| {
        let r = report as usize;
        tagged.as_ref().is_none_or(|t| t.contains(&report))
            && platforms
                .as_ref()
                .is_none_or(|p| p.contains(&dataset.reports.platform[r]))
            && incidents
                .as_ref()
                .is_none_or(|i| i.contains(&dataset.reports.incident_type[r]))
            && match &search {
                Search::ReportId(text) => dataset.reports.id(report).to_lowercase().contains(text),
                _ => true,
            }
    };
    let events = &dataset.events;
    let event_passes = |e: usize| {
        let t = events.time[e];
        t >= from
            && t <= to
            && names.as_ref().is_none_or(|n| n.contains(&events.name[e]))
            && parties.is_none_or(|p| p & (1 << events.party_bits(e)) != 0)
            && networks.as_ref().is_none_or(|passing| {
                let id = dataset.networks.id_of(e as u32);
                id.is_some_and(|id| passing[id as usize])
            })
            && match &search {
                Search::Addresses(set) => set.first <= events.addr[e] && events.addr[e] <= set.last,
                _ => true,
            }
    };
    let location_passes = |location: u32| {
        let l = &dataset.locations[location as usize];
        (filter.countries.is_empty() || filter.countries.contains(&l.country))
            && (filter.locations.is_empty() || filter.locations.contains(&l.id))
    };

    let kept: Vec<Match> = matches
        .matches
        .iter()
        .filter(|m| {
            let e = m.event as usize;
            filter.strength.is_none_or(|s| s == m.strength)
                && location_passes(dataset.observations[m.observation as usize].location)
                && event_passes(e)
                && report_passes(events.report[e])
        })
        .copied()
        .collect();
    let mut summary = summarize(dataset, &kept);
    if filter.from.is_some()
        || filter.to.is_some()
        || names.is_some()
        || networks.is_some()
        || platforms.is_some()
        || incidents.is_some()
        || tagged.is_some()
        || search != Search::None
    {
        let (reports, events_in) = loaded_under(dataset, &report_passes, &event_passes);
        summary.headline.reports = reports;
        summary.headline.events = events_in;
    }
    FilteredView {
        matches: kept,
        summary,
    }
}

/// Which of the dataset's distinct networks pass the AS organisation and registered
/// country conditions (checked once per network, not per event); `None` for "any".
fn passing_networks(dataset: &Dataset, filter: &Filter) -> Option<Vec<bool>> {
    if filter.as_orgs.is_empty() && filter.ip_countries.is_empty() {
        return None;
    }
    let passes = |n: &crate::ipdata::Network| {
        (filter.as_orgs.is_empty() || filter.as_orgs.contains(&n.as_org))
            && (filter.ip_countries.is_empty() || filter.ip_countries.contains(&n.country))
    };
    Some(dataset.networks.networks().iter().map(passes).collect())
}

/// The reports with at least one event that passes, and those events: what "loaded"
/// means under a filter on events.
fn loaded_under(
    dataset: &Dataset,
    report_passes: &(impl Fn(u32) -> bool + Sync),
    event_passes: &(impl Fn(usize) -> bool + Sync),
) -> (u64, u64) {
    (0..dataset.reports.len() as u32)
        .into_par_iter()
        .filter(|&r| report_passes(r))
        .map(|r| {
            let passing = dataset
                .events_of(r)
                .iter()
                .filter(|&&e| event_passes(e as usize))
                .count() as u64;
            (u64::from(passing > 0), passing)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_reads_addresses_prefixes_and_ids() {
        let v4 = |t: &str| parse_address_set(t).unwrap().set;
        assert_eq!(
            Search::parse("198.51."),
            Search::Addresses(v4("198.51.0.0/16"))
        );
        assert_eq!(
            Search::parse("203.0.113."),
            Search::Addresses(v4("203.0.113.0/24"))
        );
        assert_eq!(
            Search::parse("203.0.113.7"),
            Search::Addresses(v4("203.0.113.7"))
        );
        assert_eq!(
            Search::parse("2001:db8::/32"),
            Search::Addresses(v4("2001:db8::/32"))
        );
        assert_eq!(
            Search::parse(" SYN-0001 "),
            Search::ReportId("syn-0001".into())
        );
        assert_eq!(Search::parse("  "), Search::None);
    }

    #[test]
    fn describes_itself_in_words() {
        assert_eq!(Filter::default().describe(), "No filter: all data.");
        let filter = Filter {
            from: NaiveDate::from_ymd_opt(2023, 1, 1),
            strength: Some(Strength::IpTime),
            countries: ["MM".to_string()].into(),
            search: "198.51.".into(),
            ..Default::default()
        };
        assert_eq!(
            filter.describe(),
            "Events from 2023-01-01; IP+time matches only; country MM; address in 198.51.0.0/16."
        );
    }
}
