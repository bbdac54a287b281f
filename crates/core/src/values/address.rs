//! Parsing IP addresses, CIDR blocks and ranges into one `u128` address space.
//!
//! IPv4 addresses live at `::ffff:a.b.c.d` (the IPv4-mapped block), so an IPv4
//! address and its IPv4-mapped IPv6 spelling are the same number, and one sorted
//! index covers both families.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Start of the IPv4-mapped block `::ffff:0:0/96` in the `u128` space.
pub const IPV4_MAPPED_BASE: u128 = 0xffff_0000_0000;

/// Why an address text could not be read. The `Display` text is the reason shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("empty address")]
    Empty,
    #[error("IPv4 octet '{0}' has a leading zero, which is ambiguous (octal or decimal)")]
    LeadingZero(String),
    #[error("zone ids such as '%eth0' are not allowed in addresses")]
    ZoneId,
    #[error("not an IPv4 or IPv6 address")]
    NotAnAddress,
    #[error("prefix length '/{0}' is not valid for this address family")]
    BadPrefix(String),
    #[error("range mixes IPv4 and IPv6")]
    MixedFamilies,
    #[error("range start is after its end")]
    ReversedRange,
}

/// Map an IPv4 address into the shared space.
pub fn v4_to_u128(v4: Ipv4Addr) -> u128 {
    IPV4_MAPPED_BASE | u128::from(u32::from(v4))
}

/// True when the value is in the IPv4-mapped block, i.e. it is an IPv4 address.
pub fn is_v4(addr: u128) -> bool {
    addr >> 32 == 0xffff
}

/// Parse a single address. IPv4-mapped IPv6 becomes the IPv4 address.
pub fn parse_address(text: &str) -> Result<u128, AddressError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AddressError::Empty);
    }
    if text.contains('%') {
        return Err(AddressError::ZoneId);
    }
    if text.contains(':') {
        let v6: Ipv6Addr = text.parse().map_err(|_| v6_error(text))?;
        return Ok(u128::from(v6));
    }
    parse_v4(text.as_bytes()).map(v4_to_u128)
}

/// An embedded dotted quad in IPv6 text is held to the same leading-zero rule.
fn v6_error(text: &str) -> AddressError {
    if let Some(tail) = text.rsplit(':').next()
        && tail.contains('.')
        && let Err(e @ AddressError::LeadingZero(_)) = parse_v4(tail.as_bytes())
    {
        return e;
    }
    AddressError::NotAnAddress
}

/// Plain IPv6 (hex groups, at most one `::`, no embedded dotted quad) without the
/// general parser; `None` for anything else, which the general parser then reads.
fn parse_plain_v6(bytes: &[u8]) -> Option<u128> {
    if bytes.len() < 2 || bytes.len() > 39 {
        return None;
    }
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (mut head_len, mut tail_len) = (0, 0);
    let mut after_gap = false;
    let mut i = 0;
    if bytes.starts_with(b"::") {
        after_gap = true;
        i = 2;
        if i == bytes.len() {
            return Some(0);
        }
    }
    loop {
        let start = i;
        let mut group: u16 = 0;
        while i < bytes.len() && i - start < 4 {
            let digit = match bytes[i] {
                b @ b'0'..=b'9' => b - b'0',
                b @ b'a'..=b'f' => b - b'a' + 10,
                b @ b'A'..=b'F' => b - b'A' + 10,
                _ => break,
            };
            group = group << 4 | u16::from(digit);
            i += 1;
        }
        if i == start {
            return None;
        }
        if after_gap {
            tail[tail_len] = group;
            tail_len += 1;
        } else {
            head[head_len] = group;
            head_len += 1;
        }
        if head_len + tail_len > 8 {
            return None;
        }
        if i == bytes.len() {
            break;
        }
        if bytes[i] != b':' {
            return None;
        }
        i += 1;
        if i < bytes.len() && bytes[i] == b':' {
            if after_gap {
                return None;
            }
            after_gap = true;
            i += 1;
            if i == bytes.len() {
                break;
            }
        } else if i == bytes.len() {
            return None;
        }
        if head_len + tail_len == 8 {
            return None;
        }
    }
    let groups = head_len + tail_len;
    if (after_gap && groups > 7) || (!after_gap && groups != 8) {
        return None;
    }
    let mut value: u128 = 0;
    for &g in &head[..head_len] {
        value = value << 16 | u128::from(g);
    }
    value <<= 16 * (8 - groups) as u32;
    for &g in &tail[..tail_len] {
        value = value << 16 | u128::from(g);
    }
    Some(value)
}

/// [`parse_address`] on raw bytes: dotted quads go straight to the IPv4 parser.
pub fn parse_address_bytes(bytes: &[u8]) -> Result<u128, AddressError> {
    if memchr::memchr2(b':', b'%', bytes).is_none() && !bytes.is_empty() {
        if let Ok(v4) = parse_v4(bytes) {
            return Ok(v4_to_u128(v4));
        }
    } else if let Some(v6) = parse_plain_v6(bytes) {
        return Ok(v6);
    } else if let Ok(text) = std::str::from_utf8(bytes)
        && memchr::memchr(b'%', bytes).is_none()
        && let Ok(v6) = text.parse::<Ipv6Addr>()
    {
        return Ok(u128::from(v6));
    }
    parse_address(&String::from_utf8_lossy(bytes))
}

/// A strict dotted-quad parser: four decimal octets, no leading zeros.
///
/// Hand-written because it is the hottest path of an import (one call per event)
/// and because the leading-zero case needs its own message.
pub fn parse_v4(bytes: &[u8]) -> Result<Ipv4Addr, AddressError> {
    let mut octets = [0u8; 4];
    let mut count = 0;
    let mut value: u32 = 0;
    let mut digits = 0;
    let mut octet_start = 0;
    for (i, &b) in bytes.iter().chain(std::iter::once(&b'.')).enumerate() {
        if b.is_ascii_digit() {
            value = value * 10 + u32::from(b - b'0');
            digits += 1;
            if digits > 3 {
                return Err(AddressError::NotAnAddress);
            }
            continue;
        }
        if b != b'.' || digits == 0 || count == 4 {
            return Err(AddressError::NotAnAddress);
        }
        if digits > 1 && bytes[octet_start] == b'0' {
            let octet = &bytes[octet_start..i];
            return Err(AddressError::LeadingZero(
                String::from_utf8_lossy(octet).into_owned(),
            ));
        }
        if value > 255 {
            return Err(AddressError::NotAnAddress);
        }
        octets[count] = value as u8;
        count += 1;
        value = 0;
        digits = 0;
        octet_start = i + 1;
    }
    if count != 4 {
        return Err(AddressError::NotAnAddress);
    }
    Ok(Ipv4Addr::from(octets))
}

/// An observation's address set as an inclusive interval of the `u128` space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddressSet {
    pub first: u128,
    pub last: u128,
}

/// The result of reading an address set: the set plus an optional warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSet {
    pub set: AddressSet,
    pub warning: Option<String>,
}

/// The widest an observation may be without a warning: a /8 of IPv4, a /32 of IPv6.
/// Wider ones are almost always a typing slip (`0.0.0.0/0`), and every event inside
/// them matches.
pub const WIDE_V4_PREFIX: u8 = 8;
pub const WIDE_V6_PREFIX: u8 = 32;

/// A warning for a set wider than [`WIDE_V4_PREFIX`] / [`WIDE_V6_PREFIX`], if it is.
pub fn wide_set_warning(set: AddressSet) -> Option<String> {
    let span = set.last.saturating_sub(set.first);
    let (limit, prefix, family) = if is_v4(set.first) {
        (1u128 << (32 - WIDE_V4_PREFIX), WIDE_V4_PREFIX, "IPv4")
    } else {
        (1u128 << (128 - WIDE_V6_PREFIX), WIDE_V6_PREFIX, "IPv6")
    };
    // The size as a power of two: 2^128 itself does not fit in a u128.
    let bits = 128 - span.leading_zeros();
    (span >= limit).then(|| {
        format!(
            "this covers about 2^{bits} {family} addresses, more than a /{prefix}: every event in it matches; check that it is meant"
        )
    })
}

/// Parse a single address, a CIDR block (`a/n`) or a range (`a-b`, spaces allowed around
/// the dash); a set wider than a /8 (IPv4) or /32 (IPv6) comes with a warning.
pub fn parse_address_set(text: &str) -> Result<ParsedSet, AddressError> {
    let mut parsed = parse_set(text)?;
    if let Some(wide) = wide_set_warning(parsed.set) {
        parsed.warning = Some(match parsed.warning {
            Some(first) => format!("{first}; {wide}"),
            None => wide,
        });
    }
    Ok(parsed)
}

fn parse_set(text: &str) -> Result<ParsedSet, AddressError> {
    let text = text.trim();
    if let Some((start, end)) = text.split_once('-') {
        let first = parse_address(start)?;
        let last = parse_address(end)?;
        if is_v4(first) != is_v4(last) {
            return Err(AddressError::MixedFamilies);
        }
        if first > last {
            return Err(AddressError::ReversedRange);
        }
        return Ok(ParsedSet {
            set: AddressSet { first, last },
            warning: None,
        });
    }
    if let Some((addr_text, prefix_text)) = text.split_once('/') {
        let addr = parse_address(addr_text)?;
        let prefix_text = prefix_text.trim();
        let bad_prefix = || AddressError::BadPrefix(prefix_text.to_string());
        if prefix_text.is_empty()
            || prefix_text.len() > 3
            || !prefix_text.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad_prefix());
        }
        let prefix: u8 = prefix_text.parse().map_err(|_| bad_prefix())?;
        let written_as_v4 = !addr_text.contains(':');
        let set = if written_as_v4 {
            let net = ipnet::Ipv4Net::new(Ipv4Addr::from(addr as u32), prefix)
                .map_err(|_| bad_prefix())?;
            AddressSet {
                first: v4_to_u128(net.network()),
                last: v4_to_u128(net.broadcast()),
            }
        } else {
            let net =
                ipnet::Ipv6Net::new(Ipv6Addr::from(addr), prefix).map_err(|_| bad_prefix())?;
            AddressSet {
                first: u128::from(net.network()),
                last: u128::from(net.broadcast()),
            }
        };
        let first = set.first;
        let warning = (first != addr).then(|| {
            format!(
                "host bits are set; read as the network {}",
                format_address_set(set)
            )
        });
        return Ok(ParsedSet { set, warning });
    }
    let addr = parse_address(text)?;
    Ok(ParsedSet {
        set: AddressSet {
            first: addr,
            last: addr,
        },
        warning: None,
    })
}

/// Canonical text of one address: dotted quad for IPv4, RFC 5952 for IPv6.
pub fn format_address(addr: u128) -> String {
    if is_v4(addr) {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

/// Canonical text of an address set: a CIDR when it is exactly one block, else `start-end`.
pub fn format_address_set(set: AddressSet) -> String {
    let size_minus_one = set.last.wrapping_sub(set.first);
    let is_block =
        size_minus_one.wrapping_add(1) & size_minus_one == 0 && set.first & size_minus_one == 0;
    if is_block {
        let host_bits = 128 - size_minus_one.leading_zeros();
        let both_v4 = is_v4(set.first) && is_v4(set.last);
        if both_v4 {
            return format!("{}/{}", format_address(set.first), 32 - host_bits);
        }
        return format!("{}/{}", format_address(set.first), 128 - host_bits);
    }
    format!("{}-{}", format_address(set.first), format_address(set.last))
}

/// The CIDR blocks that make up a set exactly, in order (one when the set is a block).
pub fn cidr_blocks(set: AddressSet) -> Vec<AddressSet> {
    let mut blocks = Vec::new();
    let mut first = set.first;
    loop {
        // The largest block aligned at `first` that does not pass `last`.
        let mut size_minus_one = if first == 0 {
            u128::MAX
        } else {
            (1u128 << first.trailing_zeros()) - 1
        };
        while first
            .checked_add(size_minus_one)
            .is_none_or(|end| end > set.last)
        {
            size_minus_one >>= 1;
        }
        let end = first + size_minus_one;
        blocks.push(AddressSet { first, last: end });
        if end >= set.last {
            return blocks;
        }
        first = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_break_into_the_fewest_exact_blocks() {
        let set = parse_address_set("203.0.113.10-203.0.113.20").unwrap().set;
        let texts: Vec<String> = cidr_blocks(set)
            .into_iter()
            .map(format_address_set)
            .collect();
        assert_eq!(
            texts,
            [
                "203.0.113.10/31",
                "203.0.113.12/30",
                "203.0.113.16/30",
                "203.0.113.20/32"
            ]
        );
        let block = parse_address_set("2001:db8::/32").unwrap().set;
        assert_eq!(cidr_blocks(block), [block]);
        let all = AddressSet {
            first: 0,
            last: u128::MAX,
        };
        assert_eq!(cidr_blocks(all), [all]);
        let one = AddressSet { first: 5, last: 5 };
        assert_eq!(cidr_blocks(one), [one]);
    }

    #[test]
    fn sets_wider_than_a_slash_8_or_slash_32_are_warned_about() {
        let warning = |text: &str| parse_address_set(text).unwrap().warning;
        assert_eq!(warning("10.0.0.0/8"), None);
        assert_eq!(warning("2001:db8::/32"), None);
        for wide in [
            "0.0.0.0/0",
            "10.0.0.0/7",
            "::/0",
            "2001:db8::/31",
            "0.0.0.0-255.255.255.255",
        ] {
            let text = warning(wide).unwrap_or_default();
            assert!(
                text.contains("every event in it matches"),
                "{wide}: {text:?}"
            );
        }
        assert!(warning("::/0").unwrap().contains("2^128 IPv6"));
        assert!(warning("0.0.0.0/0").unwrap().contains("2^32 IPv4"));
    }

    proptest::proptest! {
        /// The plain IPv6 path reads every canonical, full and upper-case spelling as std
        /// does, and never accepts what std rejects.
        #[test]
        fn plain_v6_agrees_with_std(value in proptest::prelude::any::<u128>(), zeros in 0usize..8, noise in "[0-9a-fA-F:.%g]{0,42}") {
            let mut groups = [0u16; 8];
            for (i, g) in groups.iter_mut().enumerate() {
                *g = if i < zeros { 0 } else { (value >> (16 * i)) as u16 };
            }
            let addr = Ipv6Addr::from(groups);
            let full = groups.iter().map(|g| format!("{g:04X}")).collect::<Vec<_>>().join(":");
            for text in [addr.to_string(), full, addr.to_string().to_uppercase()] {
                proptest::prop_assert_eq!(parse_plain_v6(text.as_bytes()), Some(u128::from(addr)), "{}", text);
            }
            if let Some(fast) = parse_plain_v6(noise.as_bytes()) {
                proptest::prop_assert_eq!(noise.parse::<Ipv6Addr>().map(u128::from).ok(), Some(fast), "{}", noise);
            }
        }
    }

    fn v4(text: &str) -> u128 {
        v4_to_u128(text.parse().unwrap())
    }

    #[test]
    fn plain_v6_edge_cases_match_std_or_fall_back() {
        for text in [
            "::",
            "::1",
            "1::",
            "1::2",
            ":::",
            "1::2::3",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::",
            "::1:2:3:4:5:6:7",
            "1:2:3:4:5:6::7",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "12345::",
            ":1::",
            "1:",
            ":1",
            "1:2",
            "fffff::",
            "::ffff:1.2.3.4",
            "2001:db8::g",
            "2001:DB8:0:0:8:800:200C:417A",
            "",
        ] {
            let std = text.parse::<Ipv6Addr>().map(u128::from).ok();
            match parse_plain_v6(text.as_bytes()) {
                Some(fast) => assert_eq!(std, Some(fast), "{text}"),
                None => assert!(
                    std.is_none() || text.contains('.') || text.len() < 2,
                    "{text} should be read"
                ),
            }
            assert_eq!(parse_address_bytes(text.as_bytes()).ok(), std, "{text}");
        }
    }

    #[test]
    fn ipv4_and_mapped_ipv6_are_the_same_address() {
        assert_eq!(parse_address("203.0.113.7").unwrap(), v4("203.0.113.7"));
        assert_eq!(
            parse_address("::ffff:203.0.113.7").unwrap(),
            v4("203.0.113.7")
        );
        assert_eq!(
            parse_address("::FFFF:cb00:7107").unwrap(),
            v4("203.0.113.7")
        );
        assert_eq!(
            format_address(parse_address("::ffff:203.0.113.7").unwrap()),
            "203.0.113.7"
        );
    }

    #[test]
    fn ipv6_in_every_textual_form() {
        let full = parse_address("2001:0db8:0000:0000:0000:0000:0000:0001").unwrap();
        assert_eq!(parse_address("2001:db8::1").unwrap(), full);
        assert_eq!(parse_address("2001:DB8::1").unwrap(), full);
        assert_eq!(format_address(full), "2001:db8::1");
        assert_eq!(parse_address("::").unwrap(), 0);
        assert!(!is_v4(parse_address("2001:db8::1").unwrap()));
    }

    #[test]
    fn rejects_leading_zero_octets() {
        assert_eq!(
            parse_address("203.0.113.07"),
            Err(AddressError::LeadingZero("07".into()))
        );
        assert_eq!(
            parse_address("::ffff:203.000.113.7"),
            Err(AddressError::LeadingZero("000".into()))
        );
        assert!(parse_address("0.0.0.0").is_ok());
    }

    #[test]
    fn rejects_zone_ids_and_garbage() {
        assert_eq!(parse_address("fe80::1%eth0"), Err(AddressError::ZoneId));
        for bad in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.-4",
            "abc",
            "1..2.3",
            "2001:db8:::1",
        ] {
            assert!(parse_address(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn cidr_and_host_bits_warning() {
        let clean = parse_address_set("198.51.100.0/24").unwrap();
        assert_eq!(clean.set.first, v4("198.51.100.0"));
        assert_eq!(clean.set.last, v4("198.51.100.255"));
        assert_eq!(clean.warning, None);
        let dirty = parse_address_set("198.51.100.77/24").unwrap();
        assert_eq!(dirty.set, clean.set);
        assert!(dirty.warning.unwrap().contains("198.51.100.0/24"));
        let v6 = parse_address_set("2001:db8:1::/48").unwrap();
        assert_eq!(format_address_set(v6.set), "2001:db8:1::/48");
        assert!(parse_address_set("198.51.100.0/33").is_err());
        assert!(parse_address_set("2001:db8::/129").is_err());
        assert!(parse_address_set("198.51.100.0/").is_err());
        assert!(parse_address_set("198.51.100.0/-1").is_err());
        let all = parse_address_set("::/0").unwrap();
        assert_eq!((all.set.first, all.set.last), (0, u128::MAX));
    }

    #[test]
    fn ranges() {
        let r = parse_address_set("203.0.113.10 - 203.0.113.20").unwrap();
        assert_eq!(r.set.first, v4("203.0.113.10"));
        assert_eq!(r.set.last, v4("203.0.113.20"));
        assert_eq!(format_address_set(r.set), "203.0.113.10-203.0.113.20");
        assert_eq!(
            parse_address_set("203.0.113.20-203.0.113.10"),
            Err(AddressError::ReversedRange)
        );
        assert_eq!(
            parse_address_set("203.0.113.1-2001:db8::1"),
            Err(AddressError::MixedFamilies)
        );
        assert!(parse_address_set("203.0.113.1-").is_err());
    }

    #[test]
    fn canonical_form_prefers_cidr_when_exact() {
        let single = parse_address_set("192.0.2.5").unwrap().set;
        assert_eq!(format_address_set(single), "192.0.2.5/32");
        let block_as_range = parse_address_set("192.0.2.0-192.0.2.127").unwrap().set;
        assert_eq!(format_address_set(block_as_range), "192.0.2.0/25");
        let single6 = parse_address_set("2001:db8::5").unwrap().set;
        assert_eq!(format_address_set(single6), "2001:db8::5/128");
        let everything_v4 = parse_address_set("0.0.0.0/0").unwrap().set;
        assert_eq!(format_address_set(everything_v4), "0.0.0.0/0");
    }
}
