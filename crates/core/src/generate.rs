//! A synthetic data set in the contract's format, for demos, tests and benchmarks.
//!
//! Only reserved address space is used. Observations live in 198.18.0.0/16,
//! 203.0.113.0/24 (shared infrastructure with port ranges) and 2001:db8:0::/33;
//! background traffic uses 198.19.0.0/16, 192.0.2.0/24, 198.51.100.0/24 and
//! 2001:db8:8000::/33, which no observation covers. So every match is a planted link
//! and `ground_truth.csv` lists them all with their strength.
//!
//! The shape follows the study: a skewed number of events per report (about 7.6 on
//! average), 493 reports linked by IP and time and 18,017 with any match per 1.18 M
//! reports (with a floor so small sets still show links), 40 locations around public
//! hub coordinates, and planted activity in each location's shift hours.

use crate::embedded::GAZETTEER_CSV;
use crate::values::address::{AddressSet, format_address, format_address_set, v4_to_u128};
use crate::values::scalars::PortRange;
use crate::values::time::{NANOS_PER_SECOND, format_time};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;

const DAY: i64 = 86_400;
/// 2022-01-01T00:00:00Z and 2024-09-01T00:00:00Z: the study's period.
const PERIOD_START: i64 = 1_640_995_200;
const PERIOD_END: i64 = 1_725_148_800;
/// Planted `ip_only` events sit at least this far outside every window that covers them.
pub const IP_ONLY_MARGIN_SECONDS: i64 = 45 * DAY;
const REPORTS_PER_CHUNK: u64 = 4096;

/// How synthetic sites are placed around a hub of the gazetteer (`assets/compounds.csv`),
/// which is the one source of the hubs' names and coordinates.
struct HubPlacement {
    id: &'static str,
    /// Direction (lat, lon signs) that keeps jittered points on the right side of a border.
    inland: (f64, f64),
    /// UTC offset of local time, in minutes.
    utc_offset_minutes: i64,
    /// How many of the 40 locations sit around this hub.
    sites: usize,
}

const PLACEMENTS: [HubPlacement; 12] = [
    HubPlacement {
        id: "kk-park",
        inland: (0.0, -1.0),
        utc_offset_minutes: 390,
        sites: 6,
    },
    HubPlacement {
        id: "shwe-kokko",
        inland: (0.0, -1.0),
        utc_offset_minutes: 390,
        sites: 5,
    },
    HubPlacement {
        id: "myawaddy",
        inland: (0.0, -1.0),
        utc_offset_minutes: 390,
        sites: 4,
    },
    HubPlacement {
        id: "payathonzu",
        inland: (0.0, -1.0),
        utc_offset_minutes: 390,
        sites: 2,
    },
    HubPlacement {
        id: "tachileik",
        inland: (0.0, -1.0),
        utc_offset_minutes: 390,
        sites: 3,
    },
    HubPlacement {
        id: "mong-la",
        inland: (-1.0, -1.0),
        utc_offset_minutes: 390,
        sites: 2,
    },
    HubPlacement {
        id: "laukkaing",
        inland: (-1.0, -1.0),
        utc_offset_minutes: 390,
        sites: 2,
    },
    HubPlacement {
        id: "golden-triangle-sez",
        inland: (0.0, 1.0),
        utc_offset_minutes: 420,
        sites: 3,
    },
    HubPlacement {
        id: "sihanoukville",
        inland: (1.0, 1.0),
        utc_offset_minutes: 420,
        sites: 6,
    },
    HubPlacement {
        id: "bavet",
        inland: (0.0, -1.0),
        utc_offset_minutes: 420,
        sites: 3,
    },
    HubPlacement {
        id: "poipet",
        inland: (0.0, 1.0),
        utc_offset_minutes: 420,
        sites: 3,
    },
    HubPlacement {
        id: "osmach",
        inland: (-1.0, 0.0),
        utc_offset_minutes: 420,
        sites: 1,
    },
];

/// A hub's name, country and coordinates from the gazetteer.
fn hub(id: &str) -> (String, String, f64, f64) {
    let mut reader = csv::Reader::from_reader(GAZETTEER_CSV.as_bytes());
    for row in reader.records().flatten() {
        if &row[0] == id {
            let number = |i: usize| {
                row[i]
                    .parse::<f64>()
                    .expect("gazetteer coordinates are numbers")
            };
            return (row[1].to_string(), row[3].to_string(), number(4), number(5));
        }
    }
    panic!("hub {id} is missing from assets/compounds.csv")
}

const LOCATION_COUNT: usize = 40;
const OBSERVATIONS_PER_LOCATION: usize = 50;

/// Local hours worked at a site: scam compounds run in shifts.
#[derive(Debug, Clone, Copy)]
enum Shift {
    /// 20:00 to 06:00 local, working the night of Western and Chinese-language targets.
    Night,
    /// 09:00 to 21:00 local.
    Day,
    /// Two shifts with a gap: 06:00 to 14:00 and 16:00 to 24:00.
    Split,
}

impl Shift {
    fn hour(self, rng: &mut ChaCha8Rng) -> i64 {
        match self {
            Shift::Night => (20 + rng.random_range(0..10)) % 24,
            Shift::Day => rng.random_range(9..21),
            Shift::Split => {
                if rng.random_bool(0.5) {
                    rng.random_range(6..14)
                } else {
                    rng.random_range(16..24)
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
struct SynthLocation {
    id: String,
    name: String,
    country: String,
    lat: f64,
    lon: f64,
    utc_offset_minutes: i64,
    shift: Shift,
}

#[derive(Debug, Clone)]
struct SynthObservation {
    location: usize,
    set: AddressSet,
    ports: Option<PortRange>,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    shared: bool,
    /// Written as dates without a time of day.
    date_only: bool,
}

impl SynthObservation {
    fn window_distance(&self, t: i64) -> Option<i64> {
        if self.first_seen.is_none() && self.last_seen.is_none() {
            return None;
        }
        let first = self.first_seen.unwrap_or(i64::MIN);
        let last = self.last_seen.unwrap_or(i64::MAX);
        Some(if t < first {
            first - t
        } else if t > last {
            t - last
        } else {
            0
        })
    }
}

fn build_locations(rng: &mut ChaCha8Rng) -> Vec<SynthLocation> {
    let mut locations = Vec::with_capacity(LOCATION_COUNT);
    for placement in &PLACEMENTS {
        let (hub_name, country, lat, lon) = hub(placement.id);
        for site in 1..=placement.sites {
            let jitter = |rng: &mut ChaCha8Rng, sign: f64| {
                let amount = rng.random_range(0.004..0.03);
                if sign == 0.0 {
                    amount * if rng.random_bool(0.5) { 1.0 } else { -1.0 }
                } else {
                    amount * sign
                }
            };
            // One shift system per country, so that a country's sites together show a
            // clear band in its local time.
            let shift = match country.as_str() {
                "MM" => Shift::Night,
                "KH" => Shift::Split,
                _ => Shift::Day,
            };
            locations.push(SynthLocation {
                id: format!("syn-{}-{site}", placement.id),
                name: format!("Synthetic site {site} near {hub_name}"),
                country: country.clone(),
                lat: lat + jitter(rng, placement.inland.0),
                lon: lon + jitter(rng, placement.inland.1),
                utc_offset_minutes: placement.utc_offset_minutes,
                shift,
            });
        }
    }
    locations
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> u128 {
    v4_to_u128(Ipv4Addr::new(a, b, c, d))
}

fn random_window(rng: &mut ChaCha8Rng) -> (Option<i64>, Option<i64>, bool) {
    let start = rng.random_range(PERIOD_START..PERIOD_END - 60 * DAY);
    let length = rng.random_range(30 * DAY..400 * DAY);
    let end = (start + length).min(PERIOD_END);
    let date_only = rng.random_bool(0.4);
    let (start, end) = if date_only {
        (start - start % DAY, end - end % DAY + DAY - 1)
    } else {
        (start, end)
    };
    match rng.random_range(0..100) {
        0..70 => (Some(start), Some(end), date_only),
        70..80 => (Some(start), None, date_only),
        80..85 => (None, Some(end), date_only),
        _ => (None, None, false),
    }
}

fn build_observations(rng: &mut ChaCha8Rng, locations: &[SynthLocation]) -> Vec<SynthObservation> {
    let mut observations = Vec::new();
    for location in 0..locations.len() {
        // Each location owns a /22 of 198.18.0.0/16 and a /48 of 2001:db8::/33.
        let block = v4(198, 18, 0, 0) + (location as u128) * 1024;
        let v6_block = (0x2001_0db8_u128 << 96) | ((location as u128 + 1) << 80);
        for n in 0..OBSERVATIONS_PER_LOCATION {
            let (first_seen, last_seen, date_only) = random_window(rng);
            let mut observation = SynthObservation {
                location,
                set: AddressSet { first: 0, last: 0 },
                ports: None,
                first_seen,
                last_seen,
                shared: false,
                date_only,
            };
            observation.set = match n % 10 {
                0..=3 => {
                    let a = block + rng.random_range(0..1024);
                    AddressSet { first: a, last: a }
                }
                4 | 5 => {
                    let bits = rng.random_range(2..7u32);
                    let size = 1u128 << bits;
                    let first = block + (rng.random_range(0..1024) / size) * size;
                    AddressSet {
                        first,
                        last: first + size - 1,
                    }
                }
                6 => {
                    let first = block + rng.random_range(0..1000);
                    AddressSet {
                        first,
                        last: (first + rng.random_range(1..24)).min(block + 1023),
                    }
                }
                7 => {
                    let net = v6_block | (u128::from(rng.random_range(0..256u32)) << 64);
                    AddressSet {
                        first: net,
                        last: net | u128::from(u64::MAX),
                    }
                }
                8 => {
                    let a = v6_block | u128::from(rng.random_range(1..u32::MAX));
                    AddressSet { first: a, last: a }
                }
                _ => {
                    // Shared infrastructure (carrier-grade NAT): a /26 of 203.0.113.0/24 that
                    // several locations use, told apart only by their source-port ranges.
                    let quarter = (location % 4) as u8;
                    let first = v4(203, 0, 113, quarter * 64);
                    let port_block =
                        (location / 4) as u16 * 4096 + rng.random_range(0..3u16) * 1024 + 1024;
                    observation.shared = true;
                    observation.ports = Some(PortRange {
                        first: port_block,
                        last: port_block + 1023,
                    });
                    AddressSet {
                        first,
                        last: first + 63,
                    }
                }
            };
            observations.push(observation);
        }
    }
    observations
}

/// A planted link: one event of one report, and the strength matching must find.
#[derive(Debug, Clone)]
struct Plant {
    addr: u128,
    port: Option<u16>,
    time: i64,
    location: usize,
    ip_time: bool,
}

fn local_shift_time(
    rng: &mut ChaCha8Rng,
    location: &SynthLocation,
    around: i64,
    spread_days: i64,
) -> i64 {
    let day = (around / DAY + rng.random_range(-spread_days..=spread_days)).max(PERIOD_START / DAY);
    let local = day * DAY + location.shift.hour(rng) * 3600 + rng.random_range(0..3600);
    local - location.utc_offset_minutes * 60
}

fn pick_address(rng: &mut ChaCha8Rng, set: AddressSet) -> u128 {
    let span = set.last - set.first;
    if span == 0 {
        set.first
    } else {
        set.first + (u128::from(rng.random::<u64>()) % (span + 1))
    }
}

/// Plant a link at `observation` with the wanted strength, checking every observation
/// that covers the chosen address so that the location's best strength is exactly it.
fn plant(
    rng: &mut ChaCha8Rng,
    observations: &[SynthObservation],
    locations: &[SynthLocation],
    observation: usize,
    ip_time: bool,
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
            });
        }
    }
    None
}

/// How many reports get planted links: the study's rates, with a floor for small sets.
fn planted_counts(reports: u64) -> (u64, u64) {
    let ip_time = ((reports as f64 * 493.0 / 1_180_000.0).round() as u64)
        .max((reports / 80).min(120))
        .min(reports);
    let any = ((reports as f64 * 18_017.0 / 1_180_000.0).round() as u64)
        .max(ip_time * 4)
        .min(reports);
    (ip_time, any - ip_time)
}

/// Plants for each report that gets links, keyed by report number.
fn plan_links(
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
                if let Some(p) = plant(rng, observations, locations, observation, strong) {
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

const EVENT_NAMES: [(&str, u32); 6] = [
    ("Login", 55),
    ("Upload", 15),
    ("Registration", 10),
    ("Unknown", 10),
    ("Purchase", 5),
    ("Other", 5),
];
const PLATFORMS: [&str; 8] = [
    "Platform A",
    "Platform B",
    "Platform C",
    "Platform D",
    "Platform E",
    "Platform F",
    "Platform G",
    "Platform H",
];

fn weighted<'a>(rng: &mut ChaCha8Rng, table: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for &(value, weight) in table {
        if pick < weight {
            return value;
        }
        pick -= weight;
    }
    table[0].0
}

fn background_address(rng: &mut ChaCha8Rng) -> u128 {
    match rng.random_range(0..100) {
        0..80 => v4(198, 19, rng.random(), rng.random()),
        80..84 => v4(192, 0, 2, rng.random()),
        84..88 => v4(198, 51, 100, rng.random()),
        _ => {
            (0x2001_0db8_u128 << 96)
                | (1u128 << 95)
                | u128::from(rng.random::<u64>()) << 16
                | u128::from(rng.random::<u16>())
        }
    }
}

/// Events of a report: a log-normal count with a long tail, mean about 7.6.
fn event_count(rng: &mut ChaCha8Rng) -> usize {
    let normal: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
    (1.0 + (1.45 + normal).exp()).floor().min(400.0) as usize
}

struct Row {
    addr: u128,
    port: Option<u16>,
    time: i64,
    name: &'static str,
    proxy: &'static str,
}

/// Write the rows of reports `first..last` into `out`, returning the ground truth lines.
fn write_chunk(
    seed: u64,
    chunk: u64,
    first: u64,
    last: u64,
    planned: &[(u64, Vec<Plant>)],
    locations: &[SynthLocation],
    out: &mut Vec<u8>,
) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (chunk.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    let mut truth = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let start = planned.partition_point(|(r, _)| *r < first);
    let mut plans = planned[start..]
        .iter()
        .take_while(|(r, _)| *r < last)
        .peekable();
    for report in first..last {
        let report_id = format!("SYN-{report:08}");
        rows.clear();
        let base = rng.random_range(PERIOD_START..PERIOD_END - 30 * DAY);
        for _ in 0..event_count(&mut rng) {
            rows.push(Row {
                addr: background_address(&mut rng),
                port: rng.random_bool(0.7).then(|| rng.random_range(1024..=65535)),
                time: base + rng.random_range(0..30 * DAY),
                name: weighted(&mut rng, &EVENT_NAMES),
                proxy: ["", "false", "false", "true"][rng.random_range(0..4)],
            });
        }
        let mut planted_here: Vec<&Plant> = Vec::new();
        if let Some((_, plants)) = plans.next_if(|(r, _)| *r == report) {
            for p in plants {
                rows.push(Row {
                    addr: p.addr,
                    port: p.port,
                    time: p.time,
                    name: "Login",
                    proxy: "false",
                });
                planted_here.push(p);
            }
        }
        rows.sort_by_key(|r| r.time);
        let last_time = rows.iter().map(|r| r.time).max().unwrap_or(base);
        let report_date =
            format_time((last_time / DAY + rng.random_range(1..20)) * DAY * NANOS_PER_SECOND);
        let report_date = &report_date[..10];
        let platform = PLATFORMS[rng.random_range(0..PLATFORMS.len())];
        let report = ReportLine {
            id: &report_id,
            platform,
            date: report_date,
        };
        for row in &rows {
            report.write(out, row);
        }
        // A few exact duplicates, as exports often have.
        if rng.random_bool(0.002) {
            report.write(out, &rows[0]);
        }
        // And, rarely, a malformed row of the kinds real files contain.
        if rng.random_bool(0.0005) {
            let _ = writeln!(out, "{}", malformed_row(&mut rng, &report_id, platform));
        }
        for p in planted_here {
            truth.push(truth_line(&report_id, p, locations));
        }
    }
    truth
}

/// What every row of one report repeats.
struct ReportLine<'a> {
    id: &'a str,
    platform: &'a str,
    date: &'a str,
}

impl ReportLine<'_> {
    fn write(&self, out: &mut Vec<u8>, row: &Row) {
        let ReportLine { id, platform, date } = self;
        let _ = writeln!(
            out,
            "{id},{},{},{},{},Online Enticement,{platform},{date},{}",
            format_address(row.addr),
            row.port.map(|p| p.to_string()).unwrap_or_default(),
            format_time(row.time * NANOS_PER_SECOND),
            row.name,
            row.proxy
        );
    }
}

/// A row of one of the kinds real files contain and the importer rejects.
fn malformed_row(rng: &mut ChaCha8Rng, report_id: &str, platform: &str) -> String {
    match rng.random_range(0..4) {
        0 => format!(
            "{report_id},198.019.4.7,,2023-05-01T10:00:00Z,Login,Online Enticement,{platform},,"
        ),
        1 => {
            format!("{report_id},198.19.4.7,,03/04/2023 10:00,Login,Online Enticement,{platform},,")
        }
        2 => format!("{report_id},198.19.4.7,,,Login,Online Enticement,{platform},,"),
        _ => format!(
            "{report_id},fe80::1%eth0,,2023-05-01T10:00:00Z,Login,Online Enticement,{platform},,"
        ),
    }
}

/// A planted link as `ground_truth.csv` lists it.
fn truth_line(report_id: &str, p: &Plant, locations: &[SynthLocation]) -> String {
    format!(
        "{report_id},{},{},{},{},{}",
        format_address(p.addr),
        p.port.map(|p| p.to_string()).unwrap_or_default(),
        format_time(p.time * NANOS_PER_SECOND),
        locations[p.location].id,
        if p.ip_time { "ip_time" } else { "ip_only" }
    )
}

fn write_locations(
    path: &Path,
    locations: &[SynthLocation],
    observations: &[SynthObservation],
) -> std::io::Result<()> {
    crate::values::atomic::write_atomically(path, |out| {
        writeln!(
            out,
            "location_id,name,country,lat,lon,ip,first_seen,last_seen,ports,shared,source,confidence,notes"
        )?;
        for o in observations {
            let l = &locations[o.location];
            let time = |t: Option<i64>| match t {
                None => String::new(),
                Some(t) if o.date_only => format_time(t * NANOS_PER_SECOND)[..10].to_string(),
                Some(t) => format_time(t * NANOS_PER_SECOND),
            };
            let confidence = ["high", "medium", "low"][(o.set.first % 3) as usize];
            writeln!(
                out,
                "{},{},{},{:.5},{:.5},{},{},{},{},{},synthetic,{confidence},{}",
                l.id,
                l.name,
                l.country,
                l.lat,
                l.lon,
                format_address_set(o.set),
                time(o.first_seen),
                time(o.last_seen),
                o.ports.map(|p| p.to_string()).unwrap_or_default(),
                o.shared,
                if o.shared {
                    "carrier-grade NAT pool shared by several sites"
                } else {
                    ""
                }
            )?;
        }
        Ok(())
    })
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Number of reports (1,180,000 is the study's full scale).
    pub reports: u64,
    /// Seed of the pseudo-random generator; the same seed gives the same files.
    pub seed: u64,
    /// Folder for `reports.csv`, `locations.csv` and `ground_truth.csv`.
    pub out: std::path::PathBuf,
}

/// What was generated, for the caller to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub reports: u64,
    pub planted_ip_time: u64,
    pub planted_ip_only: u64,
    pub locations: usize,
    pub observations: usize,
}

/// Write `reports.csv`, `locations.csv` and `ground_truth.csv` into the output folder.
pub fn generate(spec: &Spec) -> std::io::Result<Generated> {
    std::fs::create_dir_all(&spec.out)?;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let locations = build_locations(&mut rng);
    let observations = build_observations(&mut rng, &locations);
    let planned = plan_links(&mut rng, spec.reports, &observations, &locations);
    write_locations(&spec.out.join("locations.csv"), &locations, &observations)?;
    let truth_lines = write_reports(spec, &planned, &locations)?;
    write_ground_truth(&spec.out.join("ground_truth.csv"), &truth_lines)?;
    let (planted_ip_time, planted_ip_only) = planted_counts(spec.reports);
    Ok(Generated {
        reports: spec.reports,
        planted_ip_time,
        planted_ip_only,
        locations: locations.len(),
        observations: observations.len(),
    })
}

/// Write `reports.csv`; returns the ground-truth lines of the planted links, in order.
fn write_reports(
    spec: &Spec,
    planned: &[(u64, Vec<Plant>)],
    locations: &[SynthLocation],
) -> std::io::Result<Vec<String>> {
    let chunks = spec.reports.div_ceil(REPORTS_PER_CHUNK);
    let mut truth_lines = Vec::new();
    crate::values::atomic::write_atomically(&spec.out.join("reports.csv"), |out| {
        writeln!(
            out,
            "report_id,ip,port,event_time,event_name,incident_type,platform,report_date,possible_proxy"
        )?;
        // Batches of chunks in parallel, written in order: the output depends only on the seed.
        let batch = (rayon::current_num_threads() * 4) as u64;
        for batch_start in (0..chunks).step_by(batch as usize) {
            let results: Vec<(Vec<u8>, Vec<String>)> = (batch_start
                ..(batch_start + batch).min(chunks))
                .into_par_iter()
                .map(|chunk| {
                    let first = chunk * REPORTS_PER_CHUNK;
                    let last = (first + REPORTS_PER_CHUNK).min(spec.reports);
                    let mut bytes = Vec::with_capacity((last - first) as usize * 900);
                    let truth = write_chunk(
                        spec.seed, chunk, first, last, planned, locations, &mut bytes,
                    );
                    (bytes, truth)
                })
                .collect();
            for (bytes, truth) in results {
                out.write_all(&bytes)?;
                truth_lines.extend(truth);
            }
        }
        Ok(())
    })?;
    Ok(truth_lines)
}

fn write_ground_truth(path: &std::path::Path, lines: &[String]) -> std::io::Result<()> {
    crate::values::atomic::write_atomically(path, |out| {
        writeln!(
            out,
            "report_id,ip,port,event_time,location_id,expected_strength"
        )?;
        for line in lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn study_rates_at_full_scale_and_a_floor_when_small() {
        assert_eq!(planted_counts(1_180_000), (493, 18_017 - 493));
        let (ip_time, ip_only) = planted_counts(10_000);
        assert_eq!(ip_time, 120);
        assert_eq!(ip_time + ip_only, 480);
        assert_eq!(planted_counts(3), (0, 0));
    }

    #[test]
    fn forty_locations_on_the_inland_side_of_their_hub() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let locations = build_locations(&mut rng);
        assert_eq!(locations.len(), LOCATION_COUNT);
        for l in locations
            .iter()
            .filter(|l| l.id.starts_with("syn-kk-park") || l.id.starts_with("syn-myawaddy"))
        {
            let hub_id = if l.id.contains("kk-park") {
                "kk-park"
            } else {
                "myawaddy"
            };
            let (_, country, _, hub_lon) = hub(hub_id);
            assert_eq!(country, "MM");
            assert!(l.lon < hub_lon, "{} moved east, towards Thailand", l.id);
        }
        assert_eq!(
            PLACEMENTS.iter().map(|p| p.sites).sum::<usize>(),
            LOCATION_COUNT
        );
    }
}
