//! Known shared networks (`assets/shared_networks.csv`): satellite operators whose
//! addresses are shared by many terminals, carrier-grade NAT and private space. A match
//! on one of them carries the caveat even when the location list did not mark it shared.

use crate::values::address::parse_address_set;
use std::sync::OnceLock;

const SHARED_NETWORKS_CSV: &str = include_str!("../../../../assets/shared_networks.csv");

/// One known shared network, as the file lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub name: String,
    /// "AS14593" or a CIDR block, as written.
    pub network: String,
    /// satellite, cgnat or private.
    pub kind: String,
    /// The caveat shown with a match.
    pub note: String,
    pub source: String,
}

/// The list, with its AS numbers and address blocks ready for lookups.
#[derive(Debug, Default)]
pub struct Hints {
    pub entries: Vec<Hint>,
    by_asn: Vec<(u32, u16)>,
    /// (first, last, entry), sorted by first.
    by_prefix: Vec<(u128, u128, u16)>,
}

impl Hints {
    /// The shipped list, read once (a test keeps it readable).
    pub fn get() -> &'static Hints {
        static HINTS: OnceLock<Hints> = OnceLock::new();
        HINTS.get_or_init(|| {
            Hints::parse(SHARED_NETWORKS_CSV).expect("shared_networks.csv reads (tested)")
        })
    }

    /// Read the list's CSV (name, network, kind, note, source).
    pub fn parse(text: &str) -> Result<Hints, String> {
        let mut hints = Hints::default();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for (i, row) in reader.records().enumerate() {
            let line = i + 2;
            let row = row.map_err(|e| format!("line {line}: {e}"))?;
            let field = |n: usize| row.get(n).unwrap_or_default().trim().to_string();
            let hint = Hint {
                name: field(0),
                network: field(1),
                kind: field(2),
                note: field(3),
                source: field(4),
            };
            let index = u16::try_from(hints.entries.len()).map_err(|_| "too many rows")?;
            if let Some(asn) = hint.network.strip_prefix("AS") {
                let asn = asn
                    .parse()
                    .map_err(|_| format!("line {line}: bad AS number"))?;
                hints.by_asn.push((asn, index));
            } else {
                let set = parse_address_set(&hint.network)
                    .map_err(|e| format!("line {line}: {e}"))?
                    .set;
                hints.by_prefix.push((set.first, set.last, index));
            }
            hints.entries.push(hint);
        }
        hints.by_asn.sort_unstable();
        hints.by_prefix.sort_unstable();
        Ok(hints)
    }

    pub fn by_asn(&self, asn: u32) -> Option<u16> {
        let i = self.by_asn.partition_point(|&(a, _)| a < asn);
        self.by_asn
            .get(i)
            .filter(|&&(a, _)| a == asn)
            .map(|&(_, h)| h)
    }

    /// The narrowest listed block holding `addr` (the list is short: a scan).
    pub fn by_prefix(&self, addr: u128) -> Option<u16> {
        self.by_prefix
            .iter()
            .filter(|&&(first, last, _)| first <= addr && addr <= last)
            .min_by_key(|&&(first, last, _)| last - first)
            .map(|&(_, _, h)| h)
    }

    /// The entry at `index`, if any.
    pub fn entry(&self, index: Option<u16>) -> Option<&Hint> {
        self.entries.get(usize::from(index?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_reads_and_every_row_has_a_source() {
        let hints = Hints::get();
        assert!(hints.entries.len() >= 10);
        for hint in &hints.entries {
            assert!(!hint.source.is_empty() && !hint.note.is_empty(), "{hint:?}");
            assert!(["satellite", "cgnat", "private"].contains(&hint.kind.as_str()));
        }
        assert_eq!(
            hints.entries[hints.by_asn(14593).unwrap() as usize].name,
            "Starlink (SpaceX)"
        );
        assert_eq!(hints.by_asn(13335), None);
    }

    #[test]
    fn a_bad_row_names_its_line() {
        let error =
            Hints::parse("name,network,kind,note,source\nx,ASx,satellite,n,s\n").unwrap_err();
        assert!(error.contains("line 2"), "{error}");
        assert!(Hints::parse("name,network,kind,note,source\nx,300.1.1.0/24,cgnat,n,s\n").is_err());
    }
}
