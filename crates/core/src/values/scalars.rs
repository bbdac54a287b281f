//! Small value parsers for the optional columns: ports, yes/no flags and coordinates.

/// An inclusive port range; a single port is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    pub fn contains(&self, port: u16) -> bool {
        self.first <= port && port <= self.last
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// Why a port, flag or coordinate could not be read; the text goes into import errors.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    #[error("not a port number (expected 0 to 65535)")]
    NotAPort,
    #[error("port out of range (expected 0 to 65535)")]
    PortOutOfRange,
    #[error("an event has one source port, not a range")]
    PortRangeForEvent,
    #[error("port range start is after its end")]
    ReversedPortRange,
    #[error("not a yes/no value (expected true/false, yes/no or 1/0)")]
    NotAFlag,
    #[error("out of range (expected -{limit} to {limit} degrees)")]
    DegreesOutOfRange { limit: f64 },
    #[error("not a number in decimal degrees")]
    NotDegrees,
}

fn parse_one_port(text: &str) -> Result<u16, ValueError> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError::NotAPort);
    }
    match text.parse::<u32>() {
        Ok(port) if port <= 65535 => Ok(port as u16),
        _ => Err(ValueError::PortOutOfRange),
    }
}

/// A single event port from raw bytes, without allocating in the common case.
pub fn parse_port_bytes(bytes: &[u8]) -> Result<u16, ValueError> {
    if (1..=5).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_digit) {
        let value = bytes
            .iter()
            .fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0'));
        if value <= 65535 {
            return Ok(value as u16);
        }
    }
    parse_port(&String::from_utf8_lossy(bytes))
}

/// A single event port.
pub fn parse_port(text: &str) -> Result<u16, ValueError> {
    if text.contains('-') {
        return Err(ValueError::PortRangeForEvent);
    }
    parse_one_port(text)
}

/// An observation's port or port range `a-b`.
pub fn parse_port_range(text: &str) -> Result<PortRange, ValueError> {
    match text.split_once('-') {
        Some((first, last)) => {
            let range = PortRange {
                first: parse_one_port(first)?,
                last: parse_one_port(last)?,
            };
            if range.first > range.last {
                return Err(ValueError::ReversedPortRange);
            }
            Ok(range)
        }
        None => parse_one_port(text).map(|p| PortRange { first: p, last: p }),
    }
}

/// true/false, yes/no, 1/0 (and y/n, t/f), in any case.
pub fn parse_flag(text: &str) -> Result<bool, ValueError> {
    parse_flag_bytes(text.as_bytes())
}

/// [`parse_flag`] on raw bytes.
pub fn parse_flag_bytes(bytes: &[u8]) -> Result<bool, ValueError> {
    let text = bytes.trim_ascii();
    let is = |words: &[&str]| {
        words
            .iter()
            .any(|w| w.as_bytes().eq_ignore_ascii_case(text))
    };
    if is(&["true", "yes", "1", "y", "t"]) {
        Ok(true)
    } else if is(&["false", "no", "0", "n", "f"]) {
        Ok(false)
    } else {
        Err(ValueError::NotAFlag)
    }
}

/// A latitude or longitude in decimal degrees within `limit` (90 or 180).
pub fn parse_degrees(text: &str, limit: f64) -> Result<f64, ValueError> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(v),
        Ok(_) => Err(ValueError::DegreesOutOfRange { limit }),
        Err(_) => Err(ValueError::NotDegrees),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(parse_port("0"), Ok(0));
        assert_eq!(parse_port(" 65535 "), Ok(65535));
        assert!(
            parse_port("65536")
                .unwrap_err()
                .to_string()
                .contains("out of range")
        );
        assert!(parse_port("-1").is_err());
        assert!(parse_port("80a").is_err());
        assert!(
            parse_port("99999999999999999999")
                .unwrap_err()
                .to_string()
                .contains("out of range")
        );
        assert!(
            parse_port("1000-2000")
                .unwrap_err()
                .to_string()
                .contains("not a range")
        );
        assert_eq!(parse_port_bytes(b"65535"), Ok(65535));
        assert_eq!(parse_port_bytes(b"0"), Ok(0));
        assert!(
            parse_port_bytes(b"65536")
                .unwrap_err()
                .to_string()
                .contains("out of range")
        );
        assert!(parse_port_bytes(b"12a").is_err());
    }

    #[test]
    fn port_ranges() {
        assert_eq!(
            parse_port_range("1024-2047"),
            Ok(PortRange {
                first: 1024,
                last: 2047
            })
        );
        assert_eq!(
            parse_port_range("1024 - 2047"),
            Ok(PortRange {
                first: 1024,
                last: 2047
            })
        );
        assert_eq!(
            parse_port_range("443"),
            Ok(PortRange {
                first: 443,
                last: 443
            })
        );
        assert!(
            parse_port_range("2047-1024")
                .unwrap_err()
                .to_string()
                .contains("after its end")
        );
        assert!(parse_port_range("1-70000").is_err());
        assert_eq!(PortRange { first: 1, last: 9 }.to_string(), "1-9");
        assert_eq!(PortRange { first: 9, last: 9 }.to_string(), "9");
    }

    #[test]
    fn flags_and_degrees() {
        for yes in ["true", "YES", "1", "y"] {
            assert_eq!(parse_flag(yes), Ok(true));
        }
        for no in ["false", "No", "0"] {
            assert_eq!(parse_flag(no), Ok(false));
        }
        assert!(parse_flag("maybe").is_err());
        assert_eq!(parse_degrees("16.68", 90.0), Ok(16.68));
        assert!(parse_degrees("91", 90.0).is_err());
        assert!(parse_degrees("NaN", 90.0).is_err());
        assert!(parse_degrees("east", 180.0).is_err());
    }
}
