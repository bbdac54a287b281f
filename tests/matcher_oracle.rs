//! The indexed matcher against a brute-force scan written straight from design.md §2,
//! on random, overlapping IPv4 and IPv6 observations with ports, windows and tolerance.

use compound_atlas_core::matching::{MatchParams, PortCheck, Strength, match_events};
use compound_atlas_core::model::{Dataset, Location, Observation, event_flags};
use compound_atlas_core::values::address::{AddressSet, IPV4_MAPPED_BASE};
use compound_atlas_core::values::progress::Progress;
use compound_atlas_core::values::scalars::PortRange;
use proptest::prelude::*;

/// Addresses are drawn near these bases so that sets overlap and edges are hit.
const V4_BASE: u128 = IPV4_MAPPED_BASE | 0xC612_0000; // 198.18.0.0
const V6_BASE: u128 = 0x2001_0db8_u128 << 96;

fn address() -> impl Strategy<Value = u128> {
    (any::<bool>(), 0u128..64).prop_map(|(v6, offset)| {
        if v6 {
            V6_BASE + offset
        } else {
            V4_BASE + offset
        }
    })
}

#[derive(Debug, Clone)]
struct ObsSpec {
    first: u128,
    len: u128,
    ports: Option<(u16, u16)>,
    window: (Option<i64>, Option<i64>),
}

fn observation() -> impl Strategy<Value = ObsSpec> {
    (
        address(),
        0u128..12,
        proptest::option::of((0u16..20, 0u16..10)),
        proptest::option::of(0i64..1000),
        proptest::option::of(0i64..1000),
    )
        .prop_map(|(first, len, ports, a, b)| {
            let window = match (a, b) {
                (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                other => other,
            };
            ObsSpec {
                first,
                len,
                ports: ports.map(|(p, n)| (p, p + n)),
                window,
            }
        })
}

fn event() -> impl Strategy<Value = (u128, i64, Option<u16>)> {
    (address(), -100i64..1100, proptest::option::of(0u16..35))
}

fn dataset(observations: &[ObsSpec], events: &[(u128, i64, Option<u16>)]) -> Dataset {
    let mut dataset = Dataset::default();
    for l in 0..3 {
        dataset.locations.push(Location {
            id: format!("loc-{l}"),
            name: format!("Location {l}"),
            country: String::new(),
            lat: None,
            lon: None,
            extras: Vec::new(),
            outline: None,
            file: 0,
            line: 2,
        });
    }
    for (i, o) in observations.iter().enumerate() {
        let family_end = if o.first >= V6_BASE {
            V6_BASE + 200
        } else {
            V4_BASE + 200
        };
        dataset.observations.push(Observation {
            location: (i % 3) as u32,
            addresses: AddressSet {
                first: o.first,
                last: (o.first + o.len).min(family_end),
            },
            ports: o.ports.map(|(first, last)| PortRange { first, last }),
            first_seen: o.window.0,
            last_seen: o.window.1,
            shared: i % 2 == 0,
            source: String::new(),
            confidence: String::new(),
            notes: String::new(),
            extras: Vec::new(),
            file: 0,
            line: i as u32 + 2,
        });
    }
    dataset.reports.intern("R1");
    for &(addr, time, port) in events {
        let e = &mut dataset.events;
        e.addr.push(addr);
        e.time.push(time);
        e.report.push(0);
        e.port.push(port.unwrap_or(0));
        e.flags.push(if port.is_some() {
            event_flags::HAS_PORT
        } else {
            0
        });
        e.name.push(0);
        e.file.push(0);
        e.line.push(2);
    }
    dataset
}

/// design.md §2, read literally, with no index.
fn brute_force(
    observations: &[Observation],
    events: &[(u128, i64, Option<u16>)],
    tolerance: i64,
) -> Vec<(u32, u32, Strength, Option<i64>, PortCheck)> {
    let mut out = Vec::new();
    for (e, &(addr, time, port)) in events.iter().enumerate() {
        for (o, obs) in observations.iter().enumerate() {
            if addr < obs.addresses.first || addr > obs.addresses.last {
                continue;
            }
            let port_check = match (obs.ports, port) {
                (None, _) => PortCheck::NotApplicable,
                (Some(_), None) => PortCheck::NoPort,
                (Some(r), Some(p)) if r.first <= p && p <= r.last => PortCheck::Match,
                _ => continue,
            };
            let (strength, outside) = if obs.first_seen.is_none() && obs.last_seen.is_none() {
                (Strength::IpOnly, None)
            } else {
                let before = obs.first_seen.map_or(0, |f| (f - time).max(0));
                let after = obs.last_seen.map_or(0, |l| (time - l).max(0));
                let distance = before.max(after);
                let widened_low = obs.first_seen.is_none_or(|f| time >= f - tolerance);
                let widened_high = obs.last_seen.is_none_or(|l| time <= l + tolerance);
                let strength = if widened_low && widened_high {
                    Strength::IpTime
                } else {
                    Strength::IpOnly
                };
                // Times are nanoseconds; the distance is in whole seconds, truncated, and
                // at least 1 when the event is outside the window.
                let seconds = if distance == 0 {
                    0
                } else {
                    (distance / 1_000_000_000).max(1)
                };
                (strength, Some(seconds))
            };
            out.push((e as u32, o as u32, strength, outside, port_check));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn index_agrees_with_brute_force(
        observations in proptest::collection::vec(observation(), 0..25),
        events in proptest::collection::vec(event(), 0..60),
        tolerance in prop_oneof![Just(0i64), 0i64..300],
    ) {
        let data = dataset(&observations, &events);
        let found = match_events(&data, MatchParams { tolerance }, &Progress::default()).unwrap();
        let got: Vec<_> = found
            .matches
            .iter()
            .map(|m| (m.event, m.observation, m.strength, m.seconds_outside_window, m.port_check))
            .collect();
        prop_assert_eq!(got, brute_force(&data.observations, &events, tolerance));
    }
}
