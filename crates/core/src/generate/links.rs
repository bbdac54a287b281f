//! The planted links: which reports get an event inside an observation, at the
//! location's shift hours (IP + time) or outside its window (IP only); and, among the
//! IP-only reports, the compound reports and decoys that lead ranking is measured on.

use super::*;

/// A planted link: one event of one report, and the strength matching must find.
#[derive(Debug, Clone)]
pub(super) struct Plant {
    pub(super) addr: u128,
    pub(super) port: Option<u16>,
    pub(super) time: i64,
    pub(super) location: usize,
    pub(super) ip_time: bool,
    pub(super) planted: Planted,
}

/// What a planted event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Planted {
    /// A link of a report that is neither a compound report nor a decoy.
    Link,
    /// A link of a true compound report among the IP-only ones: several matched events
    /// on different days at the location's shift hours, and an unlisted address shared
    /// with an IP + time report of the location near its matched event.
    Compound,
    /// The one link of a decoy: a single event at a random hour on a shared pool.
    Decoy,
    /// An event at an unlisted address that ties a compound report to an IP + time
    /// report; it matches nothing and is not in the ground truth.
    Tie,
}

impl Planted {
    /// The `planted_as` column of `ground_truth.csv`.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Planted::Link | Planted::Tie => "link",
            Planted::Compound => "compound",
            Planted::Decoy => "decoy",
        }
    }
}

/// When a planted event happens: in the location's shift hours or at any hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hours {
    Shift,
    Any,
}

pub(super) fn local_shift_time(
    rng: &mut ChaCha8Rng,
    location: &SynthLocation,
    around: i64,
    spread_days: i64,
) -> i64 {
    let day = (around / DAY + rng.random_range(-spread_days..=spread_days)).max(PERIOD_START / DAY);
    let local = day * DAY + location.shift.hour(rng) * 3600 + rng.random_range(0..3600);
    local - location.utc_offset_minutes * 60
}

pub(super) fn pick_address(rng: &mut ChaCha8Rng, set: AddressSet) -> u128 {
    let span = set.last - set.first;
    if span == 0 {
        set.first
    } else {
        set.first + (u128::from(rng.random::<u64>()) % (span + 1))
    }
}

/// Plant a link at `observation` with the wanted strength, checking every observation
/// that covers the chosen address so that the location's best strength is exactly it.
pub(super) fn plant(
    rng: &mut ChaCha8Rng,
    observations: &[SynthObservation],
    locations: &[SynthLocation],
    observation: usize,
    ip_time: bool,
    hours: Hours,
) -> Option<Plant> {
    let chosen = &observations[observation];
    let location = &locations[chosen.location];
    let addr = pick_address(rng, chosen.set);
    let port = chosen.ports.map(|r| rng.random_range(r.first..=r.last));
    let covering: Vec<&SynthObservation> = observations
        .iter()
        .filter(|o| o.set.first <= addr && addr <= o.set.last)
        .filter(|o| match (o.ports, port) {
            (Some(r), Some(p)) => r.contains(p),
            _ => true,
        })
        .collect();
    for _ in 0..20 {
        let time = if ip_time {
            let (first, last) = (chosen.first_seen?, chosen.last_seen.unwrap_or(PERIOD_END));
            let mid = first / 2 + last / 2;
            let t = local_shift_time(rng, location, mid, ((last - first) / DAY / 3).max(0));
            if chosen.window_distance(t) != Some(0) {
                continue;
            }
            t
        } else if hours == Hours::Any {
            rng.random_range(PERIOD_START..PERIOD_END)
        } else {
            let around = rng.random_range(PERIOD_START..PERIOD_END);
            local_shift_time(rng, location, around, 0)
        };
        let ok = ip_time
            || covering.iter().all(|o| {
                o.window_distance(time)
                    .is_none_or(|d| d > IP_ONLY_MARGIN_SECONDS)
            });
        if ok {
            return Some(Plant {
                addr,
                port,
                time,
                location: chosen.location,
                ip_time,
                planted: Planted::Link,
            });
        }
    }
    None
}

/// How many reports get planted links: the study's rates, with a floor for small sets.
pub(super) fn planted_counts(reports: u64) -> (u64, u64) {
    let ip_time = ((reports as f64 * 493.0 / 1_180_000.0).round() as u64)
        .max((reports / 80).min(120))
        .min(reports);
    let any = ((reports as f64 * 18_017.0 / 1_180_000.0).round() as u64)
        .max(ip_time * 4)
        .min(reports);
    (ip_time, any - ip_time)
}

/// Plants for each report that gets links, keyed by report number.
pub(super) fn plan_links(
    rng: &mut ChaCha8Rng,
    reports: u64,
    observations: &[SynthObservation],
    locations: &[SynthLocation],
) -> Vec<(u64, Vec<Plant>)> {
    let (ip_time_reports, ip_only_reports) = planted_counts(reports);
    let chosen = rand::seq::index::sample(
        rng,
        reports as usize,
        (ip_time_reports + ip_only_reports) as usize,
    );
    let windowed: Vec<usize> = (0..observations.len())
        .filter(|&o| observations[o].first_seen.is_some())
        .collect();
    let mut planned = Vec::new();
    for (n, report) in chosen.into_iter().enumerate() {
        let ip_time = (n as u64) < ip_time_reports;
        let mut plants = Vec::new();
        let links = if rng.random_bool(0.8) {
            1
        } else {
            rng.random_range(2..4)
        };
        for link in 0..links {
            let strong = ip_time && link == 0;
            loop {
                let observation = if strong {
                    // Round-robin over locations first, so every location has IP+time links.
                    let location = (n % locations.len()) * usize::from(n < locations.len())
                        + rng.random_range(0..locations.len()) * usize::from(n >= locations.len());
                    let at_location: Vec<usize> = windowed
                        .iter()
                        .copied()
                        .filter(|&o| observations[o].location == location)
                        .collect();
                    at_location[rng.random_range(0..at_location.len())]
                } else {
                    rng.random_range(0..observations.len())
                };
                if let Some(p) = plant(
                    rng,
                    observations,
                    locations,
                    observation,
                    strong,
                    Hours::Shift,
                ) {
                    plants.push(p);
                    break;
                }
            }
        }
        planned.push((report as u64, plants));
    }
    planned.sort_by_key(|(r, _)| *r);
    planned
}

/// Of the IP-only reports, about 1 in 20 become compound reports and 1 in 5 decoys,
/// drawn from their own stream so that every other report stays as it was.
pub(super) fn plant_compounds_and_decoys(
    seed: u64,
    planned: &mut [(u64, Vec<Plant>)],
    observations: &[SynthObservation],
    locations: &[SynthLocation],
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x005e_ed0f_1ead);
    let anchors: Vec<usize> = (0..planned.len())
        .filter(|&i| planned[i].1.first().is_some_and(|p| p.ip_time))
        .collect();
    let pools: Vec<usize> = (0..observations.len())
        .filter(|&o| observations[o].shared && observations[o].first_seen.is_some())
        .collect();
    if anchors.is_empty() || pools.is_empty() {
        return;
    }
    for i in 0..planned.len() {
        if planned[i].1.iter().any(|p| p.ip_time) {
            continue;
        }
        let draw: f64 = rng.random();
        if draw < 0.05 {
            let anchor = anchors[rng.random_range(0..anchors.len())];
            plant_compound(&mut rng, planned, i, anchor, observations, locations);
        } else if draw < 0.25 {
            let pool = pools[rng.random_range(0..pools.len())];
            let decoy = (0..20)
                .find_map(|_| plant(&mut rng, observations, locations, pool, false, Hours::Any));
            if let Some(mut decoy) = decoy {
                decoy.planted = Planted::Decoy;
                planned[i].1 = vec![decoy];
            }
        }
    }
}

/// Make report `i` a compound report of the location of `anchor`'s first link.
fn plant_compound(
    rng: &mut ChaCha8Rng,
    planned: &mut [(u64, Vec<Plant>)],
    i: usize,
    anchor: usize,
    observations: &[SynthObservation],
    locations: &[SynthLocation],
) {
    let link = planned[anchor].1[0].clone();
    let at_location: Vec<usize> = (0..observations.len())
        .filter(|&o| observations[o].location == link.location)
        .filter(|&o| observations[o].first_seen.is_some())
        .collect();
    let pools: Vec<usize> = at_location
        .iter()
        .copied()
        .filter(|&o| observations[o].shared)
        .collect();
    let choices = if pools.is_empty() {
        &at_location
    } else {
        &pools
    };
    let mut plants: Vec<Plant> = Vec::new();
    for _ in 0..rng.random_range(3..=4) {
        let observation = choices[rng.random_range(0..choices.len())];
        if let Some(mut p) = plant(
            rng,
            observations,
            locations,
            observation,
            false,
            Hours::Shift,
        ) {
            p.planted = Planted::Compound;
            plants.push(p);
        }
    }
    if plants.is_empty() {
        return;
    }
    // An unlisted IPv6 network (background space, a /64 of its own) that both use near
    // the anchor's matched event.
    let unlisted = unlisted_v6(rng) & !u128::from(u64::MAX);
    let location = &locations[link.location];
    let near = |rng: &mut ChaCha8Rng, days: i64| local_shift_time(rng, location, link.time, days);
    let tie = |time: i64| Plant {
        addr: unlisted | 1,
        port: None,
        time,
        location: link.location,
        ip_time: false,
        planted: Planted::Tie,
    };
    plants.push(tie(near(rng, 20)));
    planned[anchor].1.push(tie(near(rng, 3)));
    planned[i].1 = plants;
}
