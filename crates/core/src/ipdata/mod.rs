//! Offline IP enrichment: each event's AS number, organisation and registered country,
//! from the built-in data and the user's own MaxMind DB files (which take precedence
//! for the fields they have), and the caveat of a known shared network.
//!
//! This layer knows addresses, not reports: it enriches a column of addresses.

pub mod builtin;
pub mod hints;
pub mod mmdb;

use builtin::{BuiltIn, BuiltInHit};
use hashbrown::HashMap;
use hints::Hints;
use mmdb::{UserDatabase, UserHit};
use rayon::prelude::*;

/// The countries a `region` lead looks for unless the user chooses others: Myanmar,
/// Cambodia and Laos, where the study's compounds are.
pub const DEFAULT_REGION: [&str; 3] = ["MM", "KH", "LA"];

/// Read a list of countries such as "MM, KH la": ISO codes, any separator.
pub fn parse_countries(text: &str) -> Result<std::collections::BTreeSet<String>, String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .map(|part| {
            mmdb::country_code(part)
                .map(|c| String::from_utf8_lossy(&c).into_owned())
                .ok_or_else(|| format!("'{part}' is not a two-letter country code"))
        })
        .collect()
}

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Origin {
    #[default]
    Unknown,
    BuiltIn,
    /// The user database at this index of [`IpData::user`].
    User(u16),
}

/// Which IP data an analysis used, as `summary.json` and the evidence manifest record it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IpDataRecord {
    /// The built-in data's packages and versions.
    pub built_in: String,
    /// The attribution its licence asks for.
    pub attribution: String,
    /// The user's databases, in order of precedence.
    pub databases: Vec<mmdb::DatabaseInfo>,
}

/// What the IP data says of an address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Network {
    pub asn: Option<u32>,
    pub as_org: String,
    /// ISO 3166-1 alpha-2, upper case; empty when unknown.
    pub country: String,
    pub asn_from: Origin,
    pub country_from: Origin,
    /// The known shared network the address is in ([`Hints`]), by index.
    pub hint: Option<u16>,
}

static UNKNOWN: Network = Network {
    asn: None,
    as_org: String::new(),
    country: String::new(),
    asn_from: Origin::Unknown,
    country_from: Origin::Unknown,
    hint: None,
};

impl Network {
    /// "AS 64500 ExampleNet", or what is known of it; empty when nothing is.
    pub fn as_label(&self) -> String {
        match (self.asn, self.as_org.is_empty()) {
            (Some(asn), false) => format!("AS {asn} {}", self.as_org),
            (Some(asn), true) => format!("AS {asn}"),
            (None, false) => self.as_org.clone(),
            (None, true) => String::new(),
        }
    }

    /// The AS number as the outputs write it: digits, or empty.
    pub fn asn_text(&self) -> String {
        self.asn.map(|a| a.to_string()).unwrap_or_default()
    }
}

/// The data an analysis enriches with: the built-in tables (decoded on first use), the
/// user's databases in the order given, and the shared-network hints.
#[derive(Debug, Clone, Default)]
pub struct IpData {
    pub user: Vec<UserDatabase>,
}

/// What every source holds for one address, before precedence is applied.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
struct Key {
    builtin: BuiltInHit,
    /// Per user database, in order; empty without user databases.
    user: Box<[UserHit]>,
    prefix_hint: Option<u16>,
}

/// Each event's network: an index per event into a table of the distinct networks.
#[derive(Debug, Clone, Default)]
pub struct EventNetworks {
    of_event: Vec<u32>,
    networks: Vec<Network>,
    /// Lookups a user database could not decode (the record counts as holding nothing).
    pub lookup_errors: u64,
}

impl EventNetworks {
    /// The network of an event; unknown for an event the table does not cover.
    pub fn of(&self, event: u32) -> &Network {
        self.of_event
            .get(event as usize)
            .map_or(&UNKNOWN, |&n| &self.networks[n as usize])
    }

    /// The index of an event's network in [`EventNetworks::networks`].
    pub fn id_of(&self, event: u32) -> Option<u32> {
        self.of_event.get(event as usize).copied()
    }

    /// The distinct networks, indexed by [`EventNetworks::id_of`].
    pub fn networks(&self) -> &[Network] {
        &self.networks
    }

    pub fn len(&self) -> usize {
        self.of_event.len()
    }

    pub fn is_empty(&self) -> bool {
        self.of_event.is_empty()
    }
}

impl IpData {
    pub fn builtin(&self) -> &'static BuiltIn {
        BuiltIn::get()
    }

    pub fn hints(&self) -> &'static Hints {
        Hints::get()
    }

    /// What to record of the data used; with `names_only`, each database's file name
    /// instead of its path (which may name the analyst), as the evidence manifest does.
    pub fn record(&self, names_only: bool) -> IpDataRecord {
        let databases = self
            .user
            .iter()
            .map(|db| {
                let mut info = db.info.clone();
                if names_only && let Some(name) = info.path.file_name() {
                    info.path = name.into();
                }
                info
            })
            .collect();
        IpDataRecord {
            built_in: self.builtin().label.clone(),
            attribution: builtin::ATTRIBUTION.to_string(),
            databases,
        }
    }

    /// Add a database unless the same file (by SHA-256) is already in use; true if added.
    pub fn add(&mut self, database: UserDatabase) -> bool {
        let known = self
            .user
            .iter()
            .any(|d| d.info.sha256 == database.info.sha256);
        if !known {
            self.user.push(database);
        }
        !known
    }

    /// Enrich a column of addresses (in the shared `u128` space).
    pub fn enrich(&self, addrs: &[u128]) -> EventNetworks {
        if self.user.is_empty() {
            return self.enrich_built_in_only(addrs);
        }
        // In slices, so that the keys of ten million events are never all in memory.
        const SLICE: usize = 1 << 18;
        let errors = std::sync::atomic::AtomicU64::new(0);
        let mut ids: HashMap<Key, u32> = HashMap::new();
        let mut distinct: Vec<Network> = Vec::new();
        let mut of_event = Vec::with_capacity(addrs.len());
        for slice in addrs.chunks(SLICE) {
            let keys: Vec<Key> = slice
                .par_iter()
                .map(|&addr| self.key_of(addr, &errors))
                .collect();
            // The networks not seen before are few after the first slice: found in
            // parallel, added in order, then every event looked up in parallel.
            let fresh: Vec<&Key> = keys.par_iter().filter(|k| !ids.contains_key(*k)).collect();
            for key in fresh {
                if !ids.contains_key(key) {
                    ids.insert(key.clone(), distinct.len() as u32);
                    distinct.push(self.resolve(key));
                }
            }
            of_event.par_extend(keys.par_iter().map(|key| ids[key]));
        }
        EventNetworks {
            of_event,
            networks: distinct,
            lookup_errors: errors.into_inner(),
        }
    }

    /// [`IpData::enrich`] with the built-in data alone, the common case and the one at
    /// full scale: an address's network follows from its range's (network, country) pair
    /// and a shared-network prefix, so each event gets a code from a dense table, with
    /// no hashing. Networks are numbered in code order.
    fn enrich_built_in_only(&self, addrs: &[u128]) -> EventNetworks {
        use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
        let (builtin, hints) = (self.builtin(), self.hints());
        let stride = hints.entries.len() + 1;
        let mut codes: Vec<u32> = addrs
            .par_iter()
            .map(|&addr| {
                let pair = builtin.pair_of(addr).map_or(0, |p| p as usize + 1);
                let hint = hints.by_prefix(addr).map_or(0, |h| usize::from(h) + 1);
                (pair * stride + hint) as u32
            })
            .collect();
        let seen: Vec<AtomicBool> = (0..(builtin.pair_count() + 1) * stride)
            .map(|_| AtomicBool::new(false))
            .collect();
        codes
            .par_iter()
            .for_each(|&c| seen[c as usize].store(true, Relaxed));
        let mut id_of = vec![u32::MAX; seen.len()];
        let mut networks = Vec::new();
        for (code, seen) in seen.iter().enumerate() {
            if seen.load(Relaxed) {
                id_of[code] = networks.len() as u32;
                let key = Key {
                    builtin: (code / stride)
                        .checked_sub(1)
                        .map_or_else(BuiltInHit::default, |p| builtin.pair(p as u32)),
                    user: Box::default(),
                    prefix_hint: (code % stride).checked_sub(1).map(|h| h as u16),
                };
                networks.push(self.resolve(&key));
            }
        }
        codes.par_iter_mut().for_each(|c| *c = id_of[*c as usize]);
        EventNetworks {
            of_event: codes,
            networks,
            lookup_errors: 0,
        }
    }

    /// What the IP data says of a single address.
    pub fn network_of(&self, addr: u128) -> Network {
        self.resolve(&self.key_of(addr, &Default::default()))
    }

    fn key_of(&self, addr: u128, errors: &std::sync::atomic::AtomicU64) -> Key {
        let user = self
            .user
            .iter()
            .map(|db| {
                db.lookup(addr).unwrap_or_else(|_| {
                    errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    UserHit::default()
                })
            })
            .collect();
        Key {
            builtin: self.builtin().lookup(addr),
            user,
            prefix_hint: self.hints().by_prefix(addr),
        }
    }

    /// Apply precedence: the first user database with an AS number gives the AS (and its
    /// organisation), the first with a country the country; otherwise the built-in data.
    fn resolve(&self, key: &Key) -> Network {
        let mut network = Network::default();
        let user_asn = key
            .user
            .iter()
            .enumerate()
            .find(|(_, hit)| hit.asn.is_some() || hit.as_org.is_some());
        if let Some((i, hit)) = user_asn {
            network.asn = hit.asn;
            network.as_org = hit.as_org.as_deref().unwrap_or_default().to_string();
            network.asn_from = Origin::User(i as u16);
        } else if let Some(n) = key.builtin.network {
            let (asn, org) = &self.builtin().networks[n as usize];
            network.asn = Some(*asn);
            network.as_org = org.to_string();
            network.asn_from = Origin::BuiltIn;
        }
        let user_country = key
            .user
            .iter()
            .enumerate()
            .find_map(|(i, hit)| Some((i, hit.country?)));
        if let Some((i, code)) = user_country {
            network.country = String::from_utf8_lossy(&code).into_owned();
            network.country_from = Origin::User(i as u16);
        } else if let Some(c) = key.builtin.country {
            network.country =
                String::from_utf8_lossy(&self.builtin().countries[c as usize]).into_owned();
            network.country_from = Origin::BuiltIn;
        }
        network.hint = key
            .prefix_hint
            .or_else(|| network.asn.and_then(|asn| self.hints().by_asn(asn)));
        network
    }

    /// The caveat of a known shared network ("Starlink (SpaceX): …"), empty for any other.
    pub fn network_note(&self, network: &Network) -> String {
        self.hints()
            .entry(network.hint)
            .map(|hint| format!("{}: {}", hint.name, hint.note))
            .unwrap_or_default()
    }

    /// "built-in data" or the user database's file name, for "where this value came from".
    pub fn origin_label(&self, origin: Origin) -> String {
        match origin {
            Origin::Unknown => String::new(),
            Origin::BuiltIn => "built-in data".to_string(),
            Origin::User(i) => self
                .user
                .get(usize::from(i))
                .map_or_else(String::new, |db| {
                    db.info.path.file_name().map_or_else(
                        || db.info.path.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    )
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::address::parse_address;

    fn addr(text: &str) -> u128 {
        parse_address(text).unwrap()
    }

    #[test]
    fn the_built_in_data_enriches_public_addresses_and_leaves_reserved_ones_unknown() {
        let data = IpData::default();
        let column = [
            addr("1.1.1.1"),
            addr("192.0.2.1"),
            addr("1.1.1.1"),
            addr("8.8.8.8"),
        ];
        let enriched = data.enrich(&column);
        assert_eq!(enriched.of(0).as_label(), "AS 13335 Cloudflare, Inc.");
        assert_eq!(enriched.of(0).country, "AU");
        assert_eq!(enriched.of(0).asn_from, Origin::BuiltIn);
        assert_eq!(enriched.of(1), &Network::default());
        assert_eq!(enriched.id_of(0), enriched.id_of(2));
        assert_eq!(enriched.networks().len(), 3);
        assert_eq!(enriched.of(3).asn, Some(15169));
        assert_eq!(enriched.of(99), &Network::default());
    }

    #[test]
    fn countries_read_in_any_case_and_separator() {
        let read = parse_countries("mm, KH;la  th").unwrap();
        assert_eq!(
            read.into_iter().collect::<Vec<_>>(),
            ["KH", "LA", "MM", "TH"]
        );
        assert!(parse_countries("Myanmar").unwrap_err().contains("Myanmar"));
        assert!(parse_countries("").unwrap().is_empty());
    }

    fn user_database(records: Vec<(&str, mmdb_writer::Value)>) -> UserDatabase {
        let mut writer = mmdb_writer::Writer::new("test");
        for (net, value) in records {
            writer
                .insert_value(net.parse::<ipnet::IpNet>().unwrap(), value)
                .unwrap();
        }
        UserDatabase::from_bytes("test.mmdb".into(), writer.to_bytes().unwrap()).unwrap()
    }

    #[test]
    fn user_databases_take_precedence_field_by_field_and_the_built_in_fills_the_rest() {
        use mmdb_writer::Value;
        let countries = user_database(vec![(
            "192.0.2.0/24",
            Value::map([("country", Value::map([("iso_code", Value::from("KH"))]))]),
        )]);
        let asns = user_database(vec![(
            "192.0.2.0/24",
            Value::map([
                ("autonomous_system_number", Value::from(64500u32)),
                ("autonomous_system_organization", Value::from("ExampleNet")),
                ("country", Value::map([("iso_code", Value::from("MM"))])),
            ]),
        )]);
        let mut data = IpData::default();
        assert!(data.add(countries.clone()));
        assert!(data.add(asns));
        assert!(!data.add(countries), "the same file is used once");
        let network = data.network_of(addr("192.0.2.9"));
        assert_eq!(network.as_label(), "AS 64500 ExampleNet");
        assert_eq!(
            (
                network.asn_from,
                network.country.as_str(),
                network.country_from
            ),
            (Origin::User(1), "KH", Origin::User(0))
        );
        assert_eq!(data.origin_label(Origin::User(1)), "test.mmdb");
        // Where the user's databases say nothing, the built-in data answers.
        let resolver = data.network_of(addr("1.1.1.1"));
        assert_eq!(
            (resolver.asn, resolver.asn_from),
            (Some(13335), Origin::BuiltIn)
        );
        let record = data.record(true);
        assert_eq!(record.databases.len(), 2);
        assert!(record.built_in.contains("ip-location-db"));
    }

    #[test]
    fn the_built_in_fast_path_agrees_with_the_general_one() {
        // A user database that holds nothing for these addresses sends them through the
        // general path; the answers must be the same.
        let elsewhere = user_database(vec![(
            "192.0.2.0/24",
            mmdb_writer::Value::map([(
                "autonomous_system_number",
                mmdb_writer::Value::from(64500u32),
            )]),
        )]);
        let general = IpData {
            user: vec![elsewhere],
        };
        let mut column: Vec<u128> = [
            "1.1.1.1",
            "8.8.8.8",
            "14.1.64.0",
            "100.64.0.1",
            "10.0.0.1",
            "2001:4860:4860::8888",
            "::1",
        ]
        .map(addr)
        .to_vec();
        let mut state = 7u64;
        column.extend((0..5000).map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            crate::values::address::v4_to_u128(((state >> 32) as u32).into())
        }));
        let (fast, slow) = (IpData::default().enrich(&column), general.enrich(&column));
        for event in 0..column.len() as u32 {
            assert_eq!(
                fast.of(event),
                slow.of(event),
                "{}",
                crate::values::address::format_address(column[event as usize])
            );
        }
        assert_eq!(fast.networks().len(), slow.networks().len());
    }

    #[test]
    fn starlink_and_cgnat_carry_their_hint() {
        let data = IpData::default();
        let starlink = data.network_of(addr("14.1.64.0"));
        let hint = &data.hints().entries[starlink.hint.unwrap() as usize];
        assert_eq!(hint.kind, "satellite");
        assert!(hint.note.contains("carrier-grade NAT"));
        let cgnat = data.network_of(addr("100.64.0.1"));
        assert_eq!(
            data.hints().entries[cgnat.hint.unwrap() as usize].kind,
            "cgnat"
        );
        assert_eq!(data.network_of(addr("1.1.1.1")).hint, None);
    }
}
