//! Masking identifiers for screen sharing and stakeholder exports: a report id keeps
//! only its last four characters (as card numbers do), and an address only its network,
//! a /24 for IPv4 and a /48 for IPv6.

use crate::values::address::{AddressSet, format_address, format_address_set, is_v4};
use std::net::Ipv6Addr;

/// `…3f2a`: the last four characters, so that the analyst who holds the full set can
/// still say which report is meant.
pub fn report_id(id: &str) -> String {
    let tail: Vec<char> = id.chars().rev().take(4).collect();
    let tail: String = tail.into_iter().rev().collect();
    format!("…{tail}")
}

/// `203.0.113.x` or `2001:db8:…/48`.
pub fn address(addr: u128) -> String {
    if is_v4(addr) {
        let v4 = std::net::Ipv4Addr::from(addr as u32).octets();
        format!("{}.{}.{}.x", v4[0], v4[1], v4[2])
    } else {
        let network = Ipv6Addr::from(addr & !((1u128 << 80) - 1)).to_string();
        format!("{}:…/48", network.trim_end_matches(':'))
    }
}

/// An observation's address set: a block no smaller than the masked network stays as
/// it is (it reveals nothing finer); anything narrower shows only its network(s).
pub fn address_set(set: AddressSet) -> String {
    let host_bits = 128 - (set.last - set.first).leading_zeros();
    let network_bits = if is_v4(set.first) { 8 } else { 80 };
    let text = format_address_set(set);
    if text.contains('/') && host_bits >= network_bits {
        return text;
    }
    let (first, last) = (address(set.first), address(set.last));
    if first == last {
        first
    } else {
        format!("{first}-{last}")
    }
}

/// How identifiers are written in an output: as imported, or masked. One switch for
/// every writer, so that a masked file never mixes the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Masking(pub bool);

impl Masking {
    pub fn report_id(self, id: &str) -> String {
        if self.0 {
            report_id(id)
        } else {
            id.to_string()
        }
    }

    pub fn address(self, addr: u128) -> String {
        if self.0 {
            address(addr)
        } else {
            format_address(addr)
        }
    }

    pub fn address_set(self, set: AddressSet) -> String {
        if self.0 {
            address_set(set)
        } else {
            format_address_set(set)
        }
    }
}

/// Every text form in which `addr` could appear on screen or in a file, for checking
/// that masked output holds none of them.
pub fn unmasked_forms(addr: u128) -> Vec<String> {
    let mut forms = vec![format_address(addr)];
    if is_v4(addr) {
        forms.push(format!("::ffff:{}", format_address(addr)));
    }
    forms
}

/// Free text such as an audit entry's detail, with every word that is a report id
/// (`is_report_id`) or an address, block or range masked; the rest is kept as written.
pub fn free_text(text: &str, is_report_id: impl Fn(&str) -> bool) -> String {
    let separator = |c: char| c.is_whitespace() || ",;()[]{}\"'".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(separator).unwrap_or(rest.len());
        let (word, after) = rest.split_at(end);
        // A sentence's full stop or a label's colon is not part of the word.
        let core = word.trim_end_matches(['.', ':']);
        let masked = if core.is_empty() {
            None
        } else if is_report_id(core) {
            Some(report_id(core))
        } else if core.chars().any(|c| c == '.' || c == ':') {
            crate::values::address::parse_address_set(core)
                .ok()
                .map(|parsed| address_set(parsed.set))
        } else {
            None
        };
        match masked {
            Some(masked) => {
                out.push_str(&masked);
                out.push_str(&word[core.len()..]);
            }
            None => out.push_str(word),
        }
        let separators = after.len() - after.trim_start_matches(separator).len();
        out.push_str(&after[..separators]);
        rest = &after[separators..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::address::{parse_address, parse_address_set};

    #[test]
    fn report_ids_keep_their_last_four_characters() {
        assert_eq!(report_id("CT-2023-00813f2a"), "…3f2a");
        assert_eq!(report_id("ab"), "…ab");
        assert_eq!(report_id("Ärzte-Ü"), "…te-Ü");
    }

    #[test]
    fn addresses_keep_only_their_network() {
        assert_eq!(
            address(parse_address("203.0.113.77").unwrap()),
            "203.0.113.x"
        );
        assert_eq!(
            address(parse_address("2001:db8::7").unwrap()),
            "2001:db8:…/48"
        );
        assert_eq!(
            address(parse_address("2001:db8:12:34::7").unwrap()),
            "2001:db8:12:…/48"
        );
    }

    #[test]
    fn wide_blocks_stay_and_narrow_sets_are_masked() {
        let set = |t: &str| parse_address_set(t).unwrap().set;
        assert_eq!(address_set(set("198.51.100.0/24")), "198.51.100.0/24");
        assert_eq!(address_set(set("198.18.0.0/15")), "198.18.0.0/15");
        assert_eq!(address_set(set("198.51.100.7")), "198.51.100.x");
        assert_eq!(address_set(set("198.51.100.0/28")), "198.51.100.x");
        assert_eq!(
            address_set(set("198.51.100.250-198.51.101.3")),
            "198.51.100.x-198.51.101.x"
        );
        assert_eq!(address_set(set("2001:db8::/32")), "2001:db8::/32");
        assert_eq!(address_set(set("2001:db8:5::/64")), "2001:db8:5:…/48");
    }

    #[test]
    fn free_text_masks_report_ids_and_addresses_only() {
        let known = |w: &str| w == "SYN-00000042" || w == "CT-77";
        assert_eq!(
            free_text(
                "tag \"escalate\" added to SYN-00000042, CT-77 (2 reports).",
                known
            ),
            "tag \"escalate\" added to …0042, …T-77 (2 reports)."
        );
        assert_eq!(
            free_text(
                "login from 203.0.113.9: port 443; block 2001:db8:5::/64.",
                known
            ),
            "login from 203.0.113.x: port 443; block 2001:db8:5:…/48."
        );
        // Times, versions, file names and unknown ids are not identifiers of people.
        let kept = "at 2024-03-01T10:00:00Z wrote reports.csv v0.1.0 for SYN-00000043";
        assert_eq!(free_text(kept, known), kept);
    }
}
