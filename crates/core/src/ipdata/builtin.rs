//! The IP network data built into the program (`assets/ipdb/networks.bin`, made by
//! `scripts/build_ipdb.py`): AS number, organisation and registered country of every
//! public address range, decoded once on first use and looked up by binary search.

use std::io::Read;
use std::sync::OnceLock;

/// The asset: a zlib stream in the format `scripts/build_ipdb.py` describes.
const NETWORKS_BIN: &[u8] = include_bytes!("../../../../assets/ipdb/networks.bin");

/// The attribution the data's licence asks for (`assets/ipdb/LICENSES.md`).
pub const ATTRIBUTION: &str = "IP to AS data: RouteViews (routeviews.org), NRO (nro.net) and \
     the IP to ASN Lite database by DB-IP (db-ip.com), CC BY 4.0, as packaged by \
     ip-location-db. Registered countries: ip-location-db geo-whois-asn-country, CC0.";

/// Sorted, disjoint ranges with one value each.
#[derive(Debug, Default)]
struct Table<T> {
    starts: Vec<T>,
    ends: Vec<T>,
    values: Vec<u32>,
}

impl<T: Copy + Ord> Table<T> {
    /// The value of the range holding `ip`, searching only `starts[from..to]`.
    fn get_within(&self, ip: T, from: usize, to: usize) -> Option<u32> {
        let i = from + self.starts[from..to].partition_point(|&s| s <= ip);
        (i > 0 && ip <= self.ends[i - 1]).then(|| self.values[i - 1])
    }

    fn get(&self, ip: T) -> Option<u32> {
        self.get_within(ip, 0, self.starts.len())
    }
}

/// IPv4 ranges with a jump table by the address's top 16 bits, so that a lookup
/// searches a few ranges instead of four hundred thousand.
#[derive(Debug, Default)]
struct V4Table {
    table: Table<u32>,
    /// `first[h]`: the first range starting at or after `h << 16`; 65,537 entries.
    first: Vec<u32>,
}

impl V4Table {
    fn new(table: Table<u32>) -> V4Table {
        let first = (0..=1u64 << 16)
            .map(|h| table.starts.partition_point(|&s| u64::from(s) < h << 16) as u32)
            .collect();
        V4Table { table, first }
    }

    fn get(&self, ip: u32) -> Option<u32> {
        let h = (ip >> 16) as usize;
        // The holding range starts at or before `ip`: in this block, or the last one before it.
        let from = (self.first[h] as usize).saturating_sub(1);
        self.table.get_within(ip, from, self.first[h + 1] as usize)
    }
}

/// The decoded built-in data.
#[derive(Debug, Default)]
pub struct BuiltIn {
    /// Which packages and versions the data comes from.
    pub label: String,
    /// Distinct (AS number, organisation) pairs; the AS tables' values index this.
    pub networks: Vec<(u32, Box<str>)>,
    /// ISO 3166-1 alpha-2 codes; the country tables' values index this.
    pub countries: Vec<[u8; 2]>,
    asn_v4: V4Table,
    asn_v6: Table<u128>,
    country_v4: V4Table,
    country_v6: Table<u128>,
}

/// What the built-in data holds for one address: indexes into `networks` and `countries`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BuiltInHit {
    pub network: Option<u32>,
    pub country: Option<u32>,
}

/// Why the built-in asset could not be decoded (a test keeps this from happening).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the built-in IP data is damaged: {0}")]
pub struct DecodeError(&'static str);

impl BuiltIn {
    /// The program's data, decoded on first use (about 0.1 s, 25 MB).
    pub fn get() -> &'static BuiltIn {
        static DATA: OnceLock<BuiltIn> = OnceLock::new();
        DATA.get_or_init(|| {
            BuiltIn::decode(NETWORKS_BIN).expect("the built-in IP data decodes (tested)")
        })
    }

    /// Decode the asset's bytes.
    pub fn decode(compressed: &[u8]) -> Result<BuiltIn, DecodeError> {
        let mut bytes = Vec::new();
        flate2::read::ZlibDecoder::new(compressed)
            .read_to_end(&mut bytes)
            .map_err(|_| DecodeError("not a zlib stream"))?;
        let mut r = Cursor {
            bytes: &bytes,
            at: 0,
        };
        if r.take(4)? != b"CAIP" || r.u32()? != 1 {
            return Err(DecodeError("not version 1 of the format"));
        }
        let label_len = r.u16()? as usize;
        let label = std::str::from_utf8(r.take(label_len)?)
            .map_err(|_| DecodeError("label is not UTF-8"))?
            .to_string();
        let networks = (0..r.u32()?)
            .map(|_| {
                let asn = u32::try_from(r.varint()?).map_err(|_| DecodeError("AS number"))?;
                let len = r.varint()? as usize;
                let name = std::str::from_utf8(r.take(len)?)
                    .map_err(|_| DecodeError("organisation is not UTF-8"))?;
                Ok((asn, name.into()))
            })
            .collect::<Result<Vec<_>, DecodeError>>()?;
        let countries = (0..r.u32()?)
            .map(|_| r.take(2).map(|c| [c[0], c[1]]))
            .collect::<Result<Vec<_>, _>>()?;
        let asn_v4 = V4Table::new(r.table(u128::from(u32::MAX), networks.len())?.narrow());
        let asn_v6 = r.table(u128::MAX, networks.len())?;
        let country_v4 = V4Table::new(r.table(u128::from(u32::MAX), countries.len())?.narrow());
        let country_v6 = r.table(u128::MAX, countries.len())?;
        Ok(BuiltIn {
            label,
            networks,
            countries,
            asn_v4,
            asn_v6,
            country_v4,
            country_v6,
        })
    }

    /// What the data holds for an address in the shared `u128` space.
    pub fn lookup(&self, addr: u128) -> BuiltInHit {
        if crate::values::address::is_v4(addr) {
            let v4 = addr as u32;
            BuiltInHit {
                network: self.asn_v4.get(v4),
                country: self.country_v4.get(v4),
            }
        } else {
            BuiltInHit {
                network: self.asn_v6.get(addr),
                country: self.country_v6.get(addr),
            }
        }
    }

    /// The IPv4 AS table: range starts, ends and network indexes (for a peer's benchmark
    /// of the same lookups).
    pub fn asn_v4_ranges(&self) -> (&[u32], &[u32], &[u32]) {
        let table = &self.asn_v4.table;
        (&table.starts, &table.ends, &table.values)
    }

    /// Range counts: AS IPv4, AS IPv6, country IPv4, country IPv6.
    pub fn range_counts(&self) -> [usize; 4] {
        [
            self.asn_v4.table.starts.len(),
            self.asn_v6.starts.len(),
            self.country_v4.table.starts.len(),
            self.country_v6.starts.len(),
        ]
    }
}

impl Table<u128> {
    /// The same table in 32 bits (its values were checked to fit when it was read).
    fn narrow(self) -> Table<u32> {
        Table {
            starts: self.starts.into_iter().map(|s| s as u32).collect(),
            ends: self.ends.into_iter().map(|e| e as u32).collect(),
            values: self.values,
        }
    }
}

/// Reading the decompressed bytes; every read is checked, so a damaged asset is an error.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(DecodeError("ends early"))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn varint(&mut self) -> Result<u128, DecodeError> {
        let mut value = 0u128;
        for shift in (0..128).step_by(7) {
            let byte = self.take(1)?[0];
            value |= u128::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError("varint too long"))
    }

    /// One range table: sorted and disjoint by construction, within `limit`, values
    /// below `value_count`.
    fn table(&mut self, limit: u128, value_count: usize) -> Result<Table<u128>, DecodeError> {
        let count = self.u32()? as usize;
        // Each range takes at least three bytes, so a damaged count cannot allocate much.
        if count > self.bytes.len() / 3 {
            return Err(DecodeError("range count"));
        }
        let mut table = Table {
            starts: Vec::with_capacity(count),
            ends: Vec::with_capacity(count),
            values: Vec::with_capacity(count),
        };
        // Where the next range may start; `None` once a range ended at the last address.
        let mut next = Some(0u128);
        for _ in 0..count {
            let (gap, size) = (self.varint()?, self.varint()?);
            let beyond = DecodeError("range beyond the address space");
            let start = next
                .and_then(|n| n.checked_add(gap))
                .ok_or(beyond.clone())?;
            let end = start.checked_add(size).ok_or(beyond)?;
            let value = self.varint()?;
            if end > limit || value >= value_count as u128 {
                return Err(DecodeError("range or value out of bounds"));
            }
            table.starts.push(start);
            table.ends.push(end);
            table.values.push(value as u32);
            next = end.checked_add(1);
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::address::parse_address;

    fn hit(text: &str) -> (Option<(u32, &'static str)>, Option<String>) {
        let data = BuiltIn::get();
        let hit = data.lookup(parse_address(text).unwrap());
        (
            hit.network.map(|n| {
                let (asn, org) = &data.networks[n as usize];
                (*asn, &**org)
            }),
            hit.country
                .map(|c| String::from_utf8(data.countries[c as usize].to_vec()).unwrap()),
        )
    }

    #[test]
    fn well_known_infrastructure_has_its_network_and_country() {
        // Public resolvers and the first address of a published Starlink prefix.
        assert_eq!(hit("1.1.1.1").0, Some((13335, "Cloudflare, Inc.")));
        assert_eq!(hit("1.1.1.1").1.as_deref(), Some("AU"));
        assert_eq!(hit("8.8.8.8").0, Some((15169, "Google LLC")));
        assert_eq!(hit("8.8.8.8").1.as_deref(), Some("US"));
        assert_eq!(hit("2001:4860:4860::8888").0.map(|n| n.0), Some(15169));
        assert_eq!(hit("2606:4700:4700::1111").0.map(|n| n.0), Some(13335));
        assert_eq!(hit("14.1.64.0").0.map(|n| n.0), Some(14593));
        // The IPv4-mapped spelling is the IPv4 address.
        assert_eq!(hit("::ffff:8.8.8.8"), hit("8.8.8.8"));
    }

    #[test]
    fn reserved_space_is_in_no_range() {
        for text in [
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "10.0.0.1",
            "2001:db8::1",
        ] {
            assert_eq!(hit(text), (None, None), "{text}");
        }
    }

    #[test]
    fn the_asset_holds_what_its_licence_file_says() {
        let data = BuiltIn::get();
        assert_eq!(data.range_counts(), [411_961, 103_197, 334_280, 216_281]);
        assert_eq!(data.networks.len(), 91_065);
        assert!(data.label.contains("@ip-location-db/asn 2.3.2026061719"));
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let licences = words(include_str!("../../../../assets/ipdb/LICENSES.md"));
        assert!(licences.contains("334,280 IPv4 and 216,281 IPv6"));
        assert!(licences.contains(&words(ATTRIBUTION)));
    }

    #[test]
    fn damaged_assets_are_errors_not_panics() {
        assert!(BuiltIn::decode(b"").is_err());
        assert!(BuiltIn::decode(&NETWORKS_BIN[..NETWORKS_BIN.len() / 2]).is_err());
        let mut bytes = Vec::new();
        flate2::read::ZlibDecoder::new(NETWORKS_BIN)
            .read_to_end(&mut bytes)
            .unwrap();
        for cut in [3, 10, 1000, bytes.len() - 1] {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
            std::io::Write::write_all(&mut z, &bytes[..cut]).unwrap();
            assert!(
                BuiltIn::decode(&z.finish().unwrap()).is_err(),
                "cut at {cut}"
            );
        }
    }

    proptest::proptest! {
        /// The jump table and the binary search agree with a scan over every range.
        #[test]
        fn lookups_agree_with_a_scan(ip in proptest::num::u32::ANY) {
            let data = BuiltIn::get();
            let table = &data.asn_v4.table;
            let scanned = (0..table.starts.len())
                .find(|&i| table.starts[i] <= ip && ip <= table.ends[i])
                .map(|i| table.values[i]);
            proptest::prop_assert_eq!(data.asn_v4.get(ip), scanned);
            proptest::prop_assert_eq!(data.asn_v4.get(ip), table.get(ip));
        }
    }
}
