//! The synthetic locations around the gazetteer's hubs, their observations (address
//! sets, windows, shared pools) and `locations.csv`.

use super::*;

/// How synthetic sites are placed around a hub of the gazetteer (`assets/compounds.csv`),
/// which is the one source of the hubs' names and coordinates.
pub(super) struct HubPlacement {
    pub(super) id: &'static str,
    /// Direction (lat, lon signs) that keeps jittered points on the right side of a border.
    pub(super) inland: (f64, f64),
    /// UTC offset of local time, in minutes.
    pub(super) utc_offset_minutes: i64,
    /// How many of the 40 locations sit around this hub.
    pub(super) sites: usize,
}

pub(super) const PLACEMENTS: [HubPlacement; 12] = [
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
pub(super) fn hub(id: &str) -> (String, String, f64, f64) {
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

pub(super) const LOCATION_COUNT: usize = 40;

pub(super) const OBSERVATIONS_PER_LOCATION: usize = 50;

/// Local hours worked at a site: scam compounds run in shifts.
#[derive(Debug, Clone, Copy)]
pub(super) enum Shift {
    /// 20:00 to 06:00 local, working the night of Western and Chinese-language targets.
    Night,
    /// 09:00 to 21:00 local.
    Day,
    /// Two shifts with a gap: 06:00 to 14:00 and 16:00 to 24:00.
    Split,
}

impl Shift {
    pub(super) fn hour(self, rng: &mut ChaCha8Rng) -> i64 {
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
pub(super) struct SynthLocation {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) country: String,
    pub(super) lat: f64,
    pub(super) lon: f64,
    pub(super) utc_offset_minutes: i64,
    pub(super) shift: Shift,
}

#[derive(Debug, Clone)]
pub(super) struct SynthObservation {
    pub(super) location: usize,
    pub(super) set: AddressSet,
    pub(super) ports: Option<PortRange>,
    pub(super) first_seen: Option<i64>,
    pub(super) last_seen: Option<i64>,
    pub(super) shared: bool,
    /// Written as dates without a time of day.
    pub(super) date_only: bool,
}

impl SynthObservation {
    pub(super) fn window_distance(&self, t: i64) -> Option<i64> {
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

pub(super) fn build_locations(rng: &mut ChaCha8Rng) -> Vec<SynthLocation> {
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

pub(super) fn v4(a: u8, b: u8, c: u8, d: u8) -> u128 {
    v4_to_u128(Ipv4Addr::new(a, b, c, d))
}

pub(super) fn random_window(rng: &mut ChaCha8Rng) -> (Option<i64>, Option<i64>, bool) {
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

pub(super) fn build_observations(
    rng: &mut ChaCha8Rng,
    locations: &[SynthLocation],
) -> Vec<SynthObservation> {
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

pub(super) fn write_locations(
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
