//! A user's own MaxMind DB files (GeoLite2-ASN/-Country/-City, DB-IP Lite, IPinfo Lite),
//! read with the `maxminddb` crate: AS number, organisation and country per address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::sync::Arc;

/// Larger than any published database (GeoLite2-City is about 60 MB); a stranger's file
/// beyond it is refused rather than read into memory.
pub const MAX_DATABASE_BYTES: u64 = 1 << 30;

/// One opened database and what identifies it in the outputs. Two are equal when
/// they are the same file (path and SHA-256).
#[derive(Clone)]
pub struct UserDatabase {
    pub info: DatabaseInfo,
    /// The file's bytes, which a case keeps so that it can be opened anywhere.
    pub bytes: Arc<[u8]>,
    reader: Arc<maxminddb::Reader<Arc<[u8]>>>,
}

impl PartialEq for UserDatabase {
    fn eq(&self, other: &Self) -> bool {
        self.info == other.info
    }
}

impl Eq for UserDatabase {}

impl std::fmt::Debug for UserDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserDatabase")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// What `summary.json`, the case file and the manifest say of a database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DatabaseInfo {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
    /// The metadata's `database_type`, e.g. "GeoLite2-ASN".
    pub database_type: String,
    /// The metadata's build time, RFC 3339.
    pub built: String,
}

/// Why a database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {size} bytes is larger than any IP database ({MAX_DATABASE_BYTES} at most)", path.display())]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{}: not a MaxMind DB file: {reason}", path.display())]
    NotMmdb { path: PathBuf, reason: String },
}

/// A record of a user's database that cannot be read (a damaged or unusual file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the database's record for this address cannot be read")]
pub struct UndecodableRecord;

/// What a database holds for one address; `None` fields it does not have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UserHit {
    pub asn: Option<u32>,
    pub as_org: Option<Box<str>>,
    pub country: Option<[u8; 2]>,
}

impl UserHit {
    fn is_empty(&self) -> bool {
        self.asn.is_none() && self.as_org.is_none() && self.country.is_none()
    }
}

/// The fields of every supported layout, each optional.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Record<'a> {
    autonomous_system_number: Option<u32>,
    #[serde(borrow)]
    autonomous_system_organization: Option<&'a str>,
    /// GeoLite2/DB-IP: a map with `iso_code`; IPinfo Lite: the country's name.
    #[serde(borrow)]
    country: Option<CountryField<'a>>,
    #[serde(borrow)]
    registered_country: Option<CountryField<'a>>,
    /// IPinfo Lite: "AS174".
    #[serde(borrow)]
    asn: Option<&'a str>,
    #[serde(borrow)]
    as_name: Option<&'a str>,
    #[serde(borrow)]
    country_code: Option<&'a str>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum CountryField<'a> {
    Map {
        #[serde(borrow)]
        iso_code: Option<&'a str>,
    },
    #[allow(dead_code)] // A name, which says nothing the code fields do not.
    Name(&'a str),
}

impl CountryField<'_> {
    fn code(&self) -> Option<&str> {
        match self {
            CountryField::Map { iso_code } => *iso_code,
            CountryField::Name(_) => None,
        }
    }
}

/// An ISO 3166-1 alpha-2 code, upper case; anything else is not a country.
pub fn country_code(text: &str) -> Option<[u8; 2]> {
    let bytes = text.trim().as_bytes();
    (bytes.len() == 2 && bytes.iter().all(u8::is_ascii_alphabetic))
        .then(|| [bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase()])
}

impl UserDatabase {
    /// Open a database from its bytes; `path` names it in messages and outputs.
    pub fn from_bytes(path: PathBuf, bytes: Vec<u8>) -> Result<UserDatabase, DatabaseError> {
        let size = bytes.len() as u64;
        if size > MAX_DATABASE_BYTES {
            return Err(DatabaseError::TooLarge { path, size });
        }
        let sha256 = crate::values::text::sha256_hex(&bytes);
        let bytes: Arc<[u8]> = bytes.into();
        let reader = maxminddb::Reader::from_source(Arc::clone(&bytes)).map_err(|e| {
            DatabaseError::NotMmdb {
                path: path.clone(),
                reason: e.to_string(),
            }
        })?;
        let metadata = reader.metadata();
        let built = i64::try_from(metadata.build_epoch)
            .ok()
            .and_then(|s| s.checked_mul(crate::values::time::NANOS_PER_SECOND))
            .map(crate::values::time::format_time)
            .unwrap_or_default();
        let info = DatabaseInfo {
            path,
            size,
            sha256,
            database_type: metadata.database_type.clone(),
            built,
        };
        Ok(UserDatabase {
            info,
            bytes,
            reader: Arc::new(reader),
        })
    }

    /// Open a database file, refusing one too large before reading it.
    pub fn open(path: PathBuf) -> Result<UserDatabase, DatabaseError> {
        let read_error = |source| DatabaseError::Read {
            path: path.clone(),
            source,
        };
        let size = std::fs::metadata(&path).map_err(read_error)?.len();
        if size > MAX_DATABASE_BYTES {
            return Err(DatabaseError::TooLarge { path, size });
        }
        let bytes = std::fs::read(&path).map_err(read_error)?;
        UserDatabase::from_bytes(path, bytes)
    }

    /// What the database holds for an address in the shared `u128` space. A record the
    /// database cannot decode counts as holding nothing (`Err` says so, for counting).
    pub fn lookup(&self, addr: u128) -> Result<UserHit, UndecodableRecord> {
        let ip = if crate::values::address::is_v4(addr) {
            IpAddr::V4(Ipv4Addr::from(addr as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(addr))
        };
        // An IPv6 address in an IPv4-only database is simply not in it.
        if ip.is_ipv6() && self.reader.metadata().ip_version == 4 {
            return Ok(UserHit::default());
        }
        let result = self.reader.lookup(ip).map_err(|_| UndecodableRecord)?;
        let Some(record) = result.decode::<Record>().map_err(|_| UndecodableRecord)? else {
            return Ok(UserHit::default());
        };
        let ipinfo_asn = record
            .asn
            .and_then(|a| a.trim().strip_prefix("AS").or(Some(a.trim())))
            .and_then(|a| a.parse().ok());
        let country = record
            .country
            .as_ref()
            .and_then(CountryField::code)
            .or(record.country_code)
            .or(record
                .registered_country
                .as_ref()
                .and_then(CountryField::code))
            .and_then(country_code);
        let hit = UserHit {
            asn: record.autonomous_system_number.or(ipinfo_asn),
            as_org: record
                .autonomous_system_organization
                .or(record.as_name)
                .filter(|o| !o.trim().is_empty())
                .map(|o| o.trim().into()),
            country,
        };
        Ok(if hit.is_empty() {
            UserHit::default()
        } else {
            hit
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::address::parse_address;
    use mmdb_writer::{Value, Writer};

    /// A database over documentation networks, in the layout `records` gives.
    fn database(kind: &str, records: Vec<(&str, Value)>) -> UserDatabase {
        let epoch = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let mut writer = Writer::builder(kind).build_epoch(epoch).build();
        for (net, value) in records {
            writer
                .insert_value(net.parse::<ipnet::IpNet>().unwrap(), value)
                .unwrap();
        }
        UserDatabase::from_bytes(format!("{kind}.mmdb").into(), writer.to_bytes().unwrap()).unwrap()
    }

    fn hit(db: &UserDatabase, text: &str) -> UserHit {
        db.lookup(parse_address(text).unwrap()).unwrap()
    }

    #[test]
    fn geolite2_asn_and_country_layouts_read() {
        let asn = database(
            "GeoLite2-ASN",
            vec![(
                "192.0.2.0/24",
                Value::map([
                    ("autonomous_system_number", Value::from(64500u32)),
                    ("autonomous_system_organization", Value::from("ExampleNet")),
                ]),
            )],
        );
        assert_eq!(
            hit(&asn, "192.0.2.7"),
            UserHit {
                asn: Some(64500),
                as_org: Some("ExampleNet".into()),
                country: None
            }
        );
        assert_eq!(hit(&asn, "198.51.100.1"), UserHit::default());
        assert_eq!(asn.info.database_type, "GeoLite2-ASN");
        assert_eq!(asn.info.built, "2023-11-14T22:13:20Z");
        assert_eq!(asn.info.sha256.len(), 64);
        let city = database(
            "GeoLite2-City",
            vec![(
                "2001:db8::/32",
                Value::map([
                    ("country", Value::map([("iso_code", Value::from("mm"))])),
                    (
                        "registered_country",
                        Value::map([("iso_code", Value::from("TH"))]),
                    ),
                ]),
            )],
        );
        assert_eq!(hit(&city, "2001:db8::1").country, Some(*b"MM"));
    }

    #[test]
    fn ipinfo_lite_layout_reads_as_numbers_and_codes() {
        let lite = database(
            "ipinfo lite",
            vec![(
                "203.0.113.0/24",
                Value::map([
                    ("asn", Value::from("AS64501")),
                    ("as_name", Value::from("Example Mobile")),
                    ("country", Value::from("Cambodia")),
                    ("country_code", Value::from("KH")),
                ]),
            )],
        );
        assert_eq!(
            hit(&lite, "203.0.113.200"),
            UserHit {
                asn: Some(64501),
                as_org: Some("Example Mobile".into()),
                country: Some(*b"KH")
            }
        );
    }

    #[test]
    fn strangers_files_are_refused_with_the_file_named() {
        let error =
            UserDatabase::from_bytes("notes.mmdb".into(), b"not a database".to_vec()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("notes.mmdb: not a MaxMind DB file"),
            "{error}"
        );
        let good = database(
            "GeoLite2-ASN",
            vec![(
                "192.0.2.0/24",
                Value::map([("autonomous_system_number", Value::from(64500u32))]),
            )],
        );
        for cut in [0, 10, good.bytes.len() / 2, good.bytes.len() - 1] {
            // A cut file is refused, or reads without a panic where its metadata survived.
            if let Ok(db) = UserDatabase::from_bytes("cut.mmdb".into(), good.bytes[..cut].to_vec())
            {
                let _ = db.lookup(parse_address("192.0.2.1").unwrap());
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let huge = dir.path().join("huge.mmdb");
        std::fs::File::create(&huge)
            .unwrap()
            .set_len(MAX_DATABASE_BYTES + 1)
            .unwrap();
        let error = UserDatabase::open(huge).unwrap_err();
        assert!(matches!(error, DatabaseError::TooLarge { .. }), "{error}");
        let error = UserDatabase::open(dir.path().join("missing.mmdb")).unwrap_err();
        assert!(
            error.to_string().contains("missing.mmdb: cannot read"),
            "{error}"
        );
    }
}
