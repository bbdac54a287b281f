//! The IP network data built into the program (`assets/ipdb/networks.bin`, made by
//! `scripts/build_ipdb.py`): AS number, organisation and registered country of every
//! public address range, decoded once on first use and looked up by binary search.

use crate::values::bytes::{ByteReader, Truncated};
use std::io::Read;
use std::sync::OnceLock;

/// The asset: a zlib stream in the format `scripts/build_ipdb.py` describes.
const NETWORKS_BIN: &[u8] = include_bytes!("../../../../assets/ipdb/networks.bin");

/// The attribution the data's licence asks for (`assets/ipdb/LICENSES.md`).
pub const ATTRIBUTION: &str = "IP to AS data: RouteViews (routeviews.org), NRO (nro.net) and \
     the IP to ASN Lite database by DB-IP (db-ip.com), CC BY 4.0, as packaged by \
     ip-location-db. Registered countries: ip-location-db geo-whois-asn-country, CC0.";

/// Sorted, disjoint ranges with one value each: start, end and value side by side, so
/// that a lookup touches one place in memory for the range it lands on.
#[derive(Debug, Default)]
struct Table<T> {
    ranges: Vec<(T, T, u32)>,
}

impl<T: Copy + Ord> Table<T> {
    /// The value of the range holding `ip`, searching only `ranges[from..to]`.
    fn get_within(&self, ip: T, from: usize, to: usize) -> Option<u32> {
        let i = from + self.ranges[from..to].partition_point(|r| r.0 <= ip);
        let (_, end, value) = *self.ranges.get(i.checked_sub(1)?)?;
        (ip <= end).then_some(value)
    }

    fn get(&self, ip: T) -> Option<u32> {
        self.get_within(ip, 0, self.ranges.len())
    }
}

/// Bits of an IPv4 address that index the jump table: 2^16 entries (256 kB, which stays
/// in the cache), so that a
/// lookup searches a handful of ranges instead of four hundred thousand.
const JUMP_BITS: u32 = 16;

/// IPv4 ranges with a jump table by the address's top bits.
#[derive(Debug, Default)]
struct V4Table {
    table: Table<u32>,
    /// `first[h]`: the first range starting at or after `h << (32 - JUMP_BITS)`.
    first: Vec<u32>,
}

impl V4Table {
    fn new(table: Table<u32>) -> V4Table {
        let shift = 32 - JUMP_BITS;
        let mut first = Vec::with_capacity((1 << JUMP_BITS) + 1);
        let mut i = 0;
        for h in 0..=(1u64 << JUMP_BITS) {
            while i < table.ranges.len() && u64::from(table.ranges[i].0) < h << shift {
                i += 1;
            }
            first.push(i as u32);
        }
        V4Table { table, first }
    }

    fn get(&self, ip: u32) -> Option<u32> {
        let h = (ip >> (32 - JUMP_BITS)) as usize;
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
    /// Distinct (AS number, organisation) pairs; the pairs index this.
    pub networks: Vec<(u32, Box<str>)>,
    /// ISO 3166-1 alpha-2 codes; the pairs index this.
    pub countries: Vec<[u8; 2]>,
    /// What a range holds: a network and a country; the tables' values index this.
    pairs: Vec<BuiltInHit>,
    v4: V4Table,
    v6: Table<u128>,
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
        let mut r = Cursor(ByteReader::new(&bytes));
        if r.take(4)? != b"CAIP" || r.u32()? != 2 {
            return Err(DecodeError("not version 2 of the format"));
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
        let index = |value: u128, count: usize| -> Result<Option<u32>, DecodeError> {
            match value {
                0 => Ok(None),
                v if v <= count as u128 => Ok(Some(v as u32 - 1)),
                _ => Err(DecodeError("pair out of bounds")),
            }
        };
        let pairs = (0..r.u32()?)
            .map(|_| {
                Ok(BuiltInHit {
                    network: index(r.varint()?, networks.len())?,
                    country: index(r.varint()?, countries.len())?,
                })
            })
            .collect::<Result<Vec<_>, DecodeError>>()?;
        let v4 = V4Table::new(r.table(u128::from(u32::MAX), pairs.len())?.narrow());
        let v6 = r.table(u128::MAX, pairs.len())?;
        Ok(BuiltIn {
            label,
            networks,
            countries,
            pairs,
            v4,
            v6,
        })
    }

    /// What the data holds for an address in the shared `u128` space.
    pub fn lookup(&self, addr: u128) -> BuiltInHit {
        self.pair_of(addr)
            .map_or_else(BuiltInHit::default, |p| self.pair(p))
    }

    /// The index of what the data holds for an address (its network and country), for
    /// enriching millions of addresses without building a hit for each.
    pub fn pair_of(&self, addr: u128) -> Option<u32> {
        if crate::values::address::is_v4(addr) {
            self.v4.get(addr as u32)
        } else {
            self.v6.get(addr)
        }
    }

    /// The network and country a [`BuiltIn::pair_of`] index stands for.
    pub fn pair(&self, index: u32) -> BuiltInHit {
        self.pairs[index as usize]
    }

    /// How many distinct (network, country) pairs the ranges hold.
    pub fn pair_count(&self) -> usize {
        self.pairs.len()
    }

    /// The IPv4 table: range starts, ends and pair indexes (for a peer's benchmark of
    /// the same lookups).
    pub fn v4_ranges(&self) -> &[(u32, u32, u32)] {
        &self.v4.table.ranges
    }

    /// Range counts, IPv4 and IPv6 (the AS and country ranges merged).
    pub fn range_counts(&self) -> [usize; 2] {
        [self.v4.table.ranges.len(), self.v6.ranges.len()]
    }
}

impl Table<u128> {
    /// The same table in 32 bits (its values were checked to fit when it was read).
    fn narrow(self) -> Table<u32> {
        Table {
            ranges: self
                .ranges
                .into_iter()
                .map(|(s, e, v)| (s as u32, e as u32, v))
                .collect(),
        }
    }
}

/// Reading the decompressed bytes: [`ByteReader`] and the asset's range tables.
struct Cursor<'a>(ByteReader<'a>);

impl From<Truncated> for DecodeError {
    fn from(_: Truncated) -> Self {
        DecodeError("ends early")
    }
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        Ok(self.0.take(n)?)
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(self.0.u16()?)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(self.0.u32()?)
    }

    fn varint(&mut self) -> Result<u128, DecodeError> {
        Ok(self.0.varint()?)
    }

    /// One range table: sorted and disjoint by construction, within `limit`, values
    /// below `value_count`.
    fn table(&mut self, limit: u128, value_count: usize) -> Result<Table<u128>, DecodeError> {
        let count = self.u32()? as usize;
        // Each range takes at least three bytes, so a damaged count cannot allocate much.
        if count > self.0.len() / 3 {
            return Err(DecodeError("range count"));
        }
        let mut table = Table {
            ranges: Vec::with_capacity(count),
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
            table.ranges.push((start, end, value as u32));
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
        assert_eq!(data.range_counts(), [619_963, 284_340]);
        assert_eq!(data.networks.len(), 91_065);
        assert!(data.label.contains("@ip-location-db/asn 2.3.2026061719"));
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let licences = words(include_str!("../../../../assets/ipdb/LICENSES.md"));
        assert!(licences.contains("merged into 619,963 IPv4 and 284,340 IPv6 ranges"));
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
            let table = &data.v4.table;
            let scanned = table
                .ranges
                .iter()
                .find(|&&(start, end, _)| start <= ip && ip <= end)
                .map(|&(_, _, value)| value);
            proptest::prop_assert_eq!(data.v4.get(ip), scanned);
            proptest::prop_assert_eq!(data.v4.get(ip), table.get(ip));
        }
    }
}
