//! Matching events to observations (design.md §2): an event matches an observation
//! when its address is in the observation's set and, when both carry ports, its port
//! is in the port range. The match is `ip_time` when the observation has a window and
//! the event time falls inside it widened by the tolerance; otherwise `ip_only`.

pub mod index;

use crate::model::{Dataset, Observation};
use crate::values::progress::{Cancelled, Progress};
use crate::values::time::{NANOS_PER_SECOND, Nanos};
use index::AddressIndex;
use rayon::prelude::*;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    IpOnly = 1,
    IpTime = 2,
}

impl Strength {
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::IpOnly => "ip_only",
            Strength::IpTime => "ip_time",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortCheck {
    /// Both carry ports and the event's is in the range.
    Match,
    /// The observation has ports; the event has none.
    NoPort,
    /// The observation has no ports.
    NotApplicable,
}

impl PortCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            PortCheck::Match => "match",
            PortCheck::NoPort => "no_port",
            PortCheck::NotApplicable => "n/a",
        }
    }
}

/// One (event, observation) match and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub event: u32,
    pub observation: u32,
    pub strength: Strength,
    /// 0 inside the window; whole seconds (truncated, at least 1) to the nearest edge outside it;
    /// `None` when the observation has no window.
    pub seconds_outside_window: Option<i64>,
    pub port_check: PortCheck,
}

/// The parameters that change the result of matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MatchParams {
    /// How far outside an observation's window an event may fall and still be `ip_time`.
    pub tolerance: Nanos,
}

/// All matches, ordered by event id, then observation id.
#[derive(Debug, Clone, Default)]
pub struct MatchSet {
    pub params: MatchParams,
    pub matches: Vec<Match>,
}

/// Why a tolerance could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToleranceError {
    #[error(
        "bad tolerance '{0}': use a number with a unit, such as 90s, 45m, 2h or 3d (0 for none)"
    )]
    Unreadable(String),
    #[error("tolerance '{0}' is too large")]
    TooLarge(String),
}

/// Read a tolerance such as `90s`, `45m`, `2h` or `3d`; `0` means none.
pub fn parse_tolerance(text: &str) -> Result<Nanos, ToleranceError> {
    let text = text.trim();
    if text == "0" {
        return Ok(0);
    }
    let bad = || ToleranceError::Unreadable(text.to_string());
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let unit_seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    number
        .checked_mul(unit_seconds)
        .and_then(|s| s.checked_mul(NANOS_PER_SECOND))
        .ok_or_else(|| ToleranceError::TooLarge(text.to_string()))
}

/// Decide whether one event matches one observation, and how.
pub fn judge(
    observation: &Observation,
    time: Nanos,
    port: Option<u16>,
    tolerance: Nanos,
) -> Option<(Strength, Option<i64>, PortCheck)> {
    let port_check = match (observation.ports, port) {
        (None, _) => PortCheck::NotApplicable,
        (Some(_), None) => PortCheck::NoPort,
        (Some(range), Some(port)) if range.contains(port) => PortCheck::Match,
        (Some(_), Some(_)) => return None,
    };
    if !observation.has_window() {
        return Some((Strength::IpOnly, None, port_check));
    }
    let first = observation.first_seen.unwrap_or(Nanos::MIN);
    let last = observation.last_seen.unwrap_or(Nanos::MAX);
    let outside: i128 = if time < first {
        i128::from(first) - i128::from(time)
    } else if time > last {
        i128::from(time) - i128::from(last)
    } else {
        0
    };
    let strength = if outside <= i128::from(tolerance) {
        Strength::IpTime
    } else {
        Strength::IpOnly
    };
    // Whole seconds, truncated, but never 0 outside the window: 0 means inside. Truncating
    // keeps a date-only end (23:59:59.999999999) from adding a second to every distance.
    let seconds = if outside == 0 {
        0
    } else {
        (outside / i128::from(NANOS_PER_SECOND)).max(1)
    };
    Some((strength, Some(seconds as i64), port_check))
}

/// The most matches one run keeps: about 640 MB of them, a thousand times what the
/// study's full data gives. Only observations that cover a large part of the address
/// space (warned about when read) come near it.
pub const MATCH_LIMIT: usize = 20_000_000;

/// Why matching stopped without a result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    #[error(
        "matching stopped at more than {} matches (the limit): the widest observations are {widest}; narrow them or remove them from the location list",
        crate::values::text::thousands(*limit as u64)
    )]
    TooMany { limit: usize, widest: String },
}

/// The three widest observations, in words, for [`MatchError::TooMany`].
fn widest_observations(dataset: &Dataset) -> String {
    let mut order: Vec<usize> = (0..dataset.observations.len()).collect();
    let span = |i: &usize| {
        let set = dataset.observations[*i].addresses;
        set.last - set.first
    };
    order.sort_by_key(|i| std::cmp::Reverse(span(i)));
    order
        .iter()
        .take(3)
        .map(|&i| {
            let o = &dataset.observations[i];
            format!(
                "{} at {} (line {})",
                crate::values::address::format_address_set(o.addresses),
                dataset.locations[o.location as usize].id,
                o.line
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every match of every event, ordered by event. Stops with [`MatchError::TooMany`]
/// past [`MATCH_LIMIT`] matches rather than exhaust memory.
pub fn match_events(
    dataset: &Dataset,
    params: MatchParams,
    progress: &Progress,
) -> Result<MatchSet, MatchError> {
    match_events_up_to(dataset, params, progress, MATCH_LIMIT)
}

/// [`match_events`] with another limit than [`MATCH_LIMIT`] (for tests).
fn match_events_up_to(
    dataset: &Dataset,
    params: MatchParams,
    progress: &Progress,
    limit: usize,
) -> Result<MatchSet, MatchError> {
    const CHUNK: usize = 1 << 16;
    let sets: Vec<_> = dataset.observations.iter().map(|o| o.addresses).collect();
    let index = AddressIndex::build(&sets);
    let events = &dataset.events;
    let found_so_far = std::sync::atomic::AtomicUsize::new(0);
    let too_many = || found_so_far.load(std::sync::atomic::Ordering::Relaxed) > limit;
    let chunks: Vec<Option<Vec<Match>>> = (0..events.len().div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let mut found = Vec::new();
            for event in chunk * CHUNK..((chunk + 1) * CHUNK).min(events.len()) {
                if event % 1024 == 0 && (progress.is_cancelled() || too_many()) {
                    return None;
                }
                let candidates = index.lookup(events.addr[event]);
                if candidates.is_empty() {
                    continue;
                }
                let before = found.len();
                let (time, port) = (events.time[event], events.port_of(event));
                for &observation in candidates {
                    let obs = &dataset.observations[observation as usize];
                    if let Some((strength, seconds_outside_window, port_check)) =
                        judge(obs, time, port, params.tolerance)
                    {
                        found.push(Match {
                            event: event as u32,
                            observation,
                            strength,
                            seconds_outside_window,
                            port_check,
                        });
                    }
                }
                found_so_far.fetch_add(found.len() - before, std::sync::atomic::Ordering::Relaxed);
            }
            Some(found)
        })
        .collect();
    if too_many() {
        return Err(MatchError::TooMany {
            limit,
            widest: widest_observations(dataset),
        });
    }
    let mut matches = Vec::with_capacity(found_so_far.into_inner());
    for chunk in chunks {
        matches.extend(chunk.ok_or(Cancelled)?);
    }
    Ok(MatchSet { params, matches })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::address::AddressSet;
    use crate::values::scalars::PortRange;

    fn observation(window: (Option<i64>, Option<i64>), ports: Option<PortRange>) -> Observation {
        Observation {
            location: 0,
            addresses: AddressSet { first: 0, last: 0 },
            ports,
            first_seen: window.0,
            last_seen: window.1,
            shared: false,
            source: String::new(),
            confidence: String::new(),
            notes: String::new(),
            extras: Vec::new(),
            file: 0,
            line: 2,
        }
    }

    const S: i64 = NANOS_PER_SECOND;

    #[test]
    fn matching_stops_past_its_limit_naming_the_widest_observations() {
        let mut dataset = Dataset::default();
        dataset.locations.push(crate::model::Location {
            id: "wide".into(),
            ..Default::default()
        });
        for (first, last) in [(0, u128::MAX), (5, 5), (0, 1 << 40)] {
            dataset.observations.push(Observation {
                addresses: AddressSet { first, last },
                ..observation((None, None), None)
            });
        }
        let events = &mut dataset.events;
        for addr in 0..2000u128 {
            events.addr.push(addr);
            events.time.push(0);
            events.report.push(0);
            events.port.push(0);
            events.flags.push(0);
            events.name.push(0);
            events.file.push(0);
            events.line.push(2);
        }
        let progress = Progress::default();
        let all = match_events_up_to(&dataset, MatchParams::default(), &progress, 4001).unwrap();
        assert_eq!(all.matches.len(), 4001);
        let error = match_events_up_to(&dataset, MatchParams::default(), &progress, 4000)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("matching stopped at more than 4,000"),
            "{error}"
        );
        assert!(
            error.contains("::/0 at wide (line 2), ::-::100:0:0 at wide"),
            "{error}"
        );
    }

    #[test]
    fn strength_and_distance() {
        let o = observation((Some(100 * S), Some(200 * S)), None);
        assert_eq!(
            judge(&o, 150 * S, None, 0),
            Some((Strength::IpTime, Some(0), PortCheck::NotApplicable))
        );
        assert_eq!(judge(&o, 100 * S, None, 0).unwrap().0, Strength::IpTime);
        assert_eq!(judge(&o, 200 * S, None, 0).unwrap().0, Strength::IpTime);
        assert_eq!(
            judge(&o, 260 * S, None, 0),
            Some((Strength::IpOnly, Some(60), PortCheck::NotApplicable))
        );
        assert_eq!(
            judge(&o, 260 * S, None, 60 * S).unwrap().0,
            Strength::IpTime
        );
        assert_eq!(
            judge(&o, 260 * S + 1, None, 60 * S),
            Some((Strength::IpOnly, Some(60), PortCheck::NotApplicable))
        );
        assert_eq!(judge(&o, 40 * S, None, 0).unwrap().1, Some(60));
        // Half a second outside is one whole second, never 0; 1.9 s is 1 s.
        assert_eq!(judge(&o, 200 * S + S / 2, None, 0).unwrap().1, Some(1));
        assert_eq!(
            judge(&o, 200 * S + S * 19 / 10, None, 0).unwrap().1,
            Some(1)
        );
    }

    #[test]
    fn open_ended_and_missing_windows() {
        let from = observation((Some(100 * S), None), None);
        assert_eq!(judge(&from, i64::MAX, None, 0).unwrap().0, Strength::IpTime);
        assert_eq!(
            judge(&from, 99 * S, None, 0).unwrap(),
            (Strength::IpOnly, Some(1), PortCheck::NotApplicable)
        );
        let until = observation((None, Some(100 * S)), None);
        assert_eq!(
            judge(&until, i64::MIN, None, 0).unwrap().0,
            Strength::IpTime
        );
        let none = observation((None, None), None);
        assert_eq!(
            judge(&none, 0, None, i64::MAX).unwrap(),
            (Strength::IpOnly, None, PortCheck::NotApplicable)
        );
    }

    #[test]
    fn tolerances() {
        assert_eq!(parse_tolerance("0"), Ok(0));
        assert_eq!(parse_tolerance("90s"), Ok(90 * S));
        assert_eq!(parse_tolerance("45m"), Ok(45 * 60 * S));
        assert_eq!(parse_tolerance("2h"), Ok(7200 * S));
        assert_eq!(parse_tolerance("3d"), Ok(3 * 86_400 * S));
        for bad in ["", "2", "h", "-2h", "2w", "1.5h", "2hh"] {
            assert!(parse_tolerance(bad).is_err(), "{bad}");
        }
        assert!(
            parse_tolerance("99999999999999d")
                .unwrap_err()
                .to_string()
                .contains("too large")
        );
    }

    #[test]
    fn ports() {
        let o = observation(
            (None, None),
            Some(PortRange {
                first: 1000,
                last: 1999,
            }),
        );
        assert_eq!(judge(&o, 0, Some(1500), 0).unwrap().2, PortCheck::Match);
        assert_eq!(judge(&o, 0, None, 0).unwrap().2, PortCheck::NoPort);
        assert_eq!(judge(&o, 0, Some(2000), 0), None);
    }
}
