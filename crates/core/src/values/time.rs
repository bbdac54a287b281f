//! Reading and writing instants: RFC 3339 / ISO 8601, naive local times in the import
//! time zone, Unix epoch seconds or milliseconds, and slash dates with a chosen order.
//!
//! About 580 lines of code and 300 of tests of the contract's time rules, kept beside them.
//!
//! Instants are `i64` nanoseconds since the Unix epoch in UTC, which keeps every
//! sub-second digit that can be written and covers the years 1678 to 2261.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone};
use std::fmt;
use std::str::FromStr;

/// Nanoseconds since 1970-01-01T00:00:00Z.
pub type Nanos = i64;

pub const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// The zone in which times without an offset are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportZone {
    #[default]
    Utc,
    Named(chrono_tz::Tz),
}

/// A time zone name that is neither UTC nor an IANA name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone '{0}': use an IANA name such as Asia/Bangkok, or UTC")]
pub struct UnknownZone(pub String);

/// A day/month order other than dmy or mdy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown date order '{0}': use dmy or mdy")]
pub struct UnknownDateOrder(pub String);

impl FromStr for ImportZone {
    type Err = UnknownZone;
    fn from_str(text: &str) -> Result<Self, UnknownZone> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("utc") || text == "Etc/UTC" {
            return Ok(ImportZone::Utc);
        }
        text.parse::<chrono_tz::Tz>()
            .map(ImportZone::Named)
            .map_err(|_| UnknownZone(text.to_string()))
    }
}

impl fmt::Display for ImportZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportZone::Utc => f.write_str("UTC"),
            ImportZone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

/// How to read `dd/mm/yyyy`-style dates, which are ambiguous until the user says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

impl FromStr for DateOrder {
    type Err = UnknownDateOrder;
    fn from_str(text: &str) -> Result<Self, UnknownDateOrder> {
        match text.trim().to_ascii_lowercase().as_str() {
            "dmy" | "day-first" | "dd/mm" => Ok(DateOrder::DayFirst),
            "mdy" | "month-first" | "mm/dd" => Ok(DateOrder::MonthFirst),
            other => Err(UnknownDateOrder(other.to_string())),
        }
    }
}

/// Everything that decides how a time text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRules {
    pub zone: ImportZone,
    pub date_order: Option<DateOrder>,
}

/// What a date without a time of day means in this column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOnly {
    /// An event time must be a moment; a bare date is rejected.
    Reject,
    /// `first_seen`: the start of that day.
    StartOfDay,
    /// `last_seen`: the last nanosecond of that day.
    EndOfDay,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("empty time")]
    Empty,
    #[error(
        "not a date and time (expected e.g. 2023-04-05T12:34:56Z, 2023-04-05 12:34:56 or Unix seconds)"
    )]
    Unreadable,
    #[error(
        "slash date '{0}' is ambiguous (day/month or month/day): choose the day/month order (workbench: Slash dates; command line: --date-order dmy or mdy)"
    )]
    AmbiguousSlashDate(String),
    /// A slash date only one order can read (`24/08/2023`), while no order is chosen: the
    /// contract still asks for the choice, since a file that has it also has dates that
    /// both orders read.
    #[error(
        "slash date '{date}' can only be {reading} ({number} cannot be a month), but no order is chosen: choose {order} (workbench: Slash dates; command line: --date-order {flag})",
        order = if *day_first { "day/month" } else { "month/day" },
        flag = if *day_first { "dmy" } else { "mdy" }
    )]
    OneWaySlashDate {
        date: String,
        /// The reading in words: "24 August 2023".
        reading: String,
        number: u32,
        day_first: bool,
    },
    #[error("a date without a time of day cannot be matched on; the capture time is needed")]
    DateWithoutTime,
    #[error("no such calendar date or time of day")]
    InvalidDate,
    #[error("bad UTC offset")]
    BadOffset,
    #[error("this local time does not exist in {0} (skipped by a clock change)")]
    NonexistentLocalTime(String),
    #[error("outside the supported years 1678 to 2261")]
    OutOfRange,
}

/// A parsed instant and, rarely, a warning to record with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTime {
    pub nanos: Nanos,
    pub warning: Option<String>,
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The common shapes, `YYYY-MM-DDTHH:MM:SS[.fraction]` with `Z`, `±HH:MM` or (in UTC)
/// nothing, read without any allocation. `None` means "use the general parser", which
/// also owns every error message.
fn parse_common(b: &[u8], zone: ImportZone) -> Option<Nanos> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1678..=2261).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut pos = 19;
    let mut nanos = 0i64;
    if b.get(pos) == Some(&b'.') {
        let digits = b[pos + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = number(pos + 1..pos + 1 + digits)? * 10i64.pow(9 - digits as u32);
        pos += 1 + digits;
    }
    let offset_seconds = match &b[pos..] {
        [] if zone == ImportZone::Utc => 0,
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |c: u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
            let (hours, minutes) = (
                digit(*h1)? * 10 + digit(*h2)?,
                digit(*m1)? * 10 + digit(*m2)?,
            );
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_seconds;
    seconds.checked_mul(NANOS_PER_SECOND)?.checked_add(nanos)
}

/// [`parse_time`] on raw bytes, taking the allocation-free path when it can.
pub fn parse_time_bytes(
    bytes: &[u8],
    rules: TimeRules,
    date_only: DateOnly,
) -> Result<ParsedTime, TimeError> {
    if let Some(nanos) = parse_common(bytes, rules.zone) {
        return Ok(ParsedTime {
            nanos,
            warning: None,
        });
    }
    // A bare UTC date at the start of its day, as report dates usually are.
    if bytes.len() == 10 && date_only == DateOnly::StartOfDay && rules.zone == ImportZone::Utc {
        let mut padded = [0u8; 19];
        padded[..10].copy_from_slice(bytes);
        padded[10..].copy_from_slice(b"T00:00:00");
        if let Some(nanos) = parse_common(&padded, ImportZone::Utc) {
            return Ok(ParsedTime {
                nanos,
                warning: None,
            });
        }
    }
    parse_time(&String::from_utf8_lossy(bytes), rules, date_only)
}

/// Read one time value according to the rules.
pub fn parse_time(
    text: &str,
    rules: TimeRules,
    date_only: DateOnly,
) -> Result<ParsedTime, TimeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TimeError::Empty);
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return parse_epoch(text).map(|nanos| ParsedTime {
            nanos,
            warning: None,
        });
    }
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let date = parse_date(&mut cursor, text, rules.date_order)?;
    if cursor.at_end() {
        let day_start = date.and_hms_opt(0, 0, 0).ok_or(TimeError::InvalidDate)?;
        return match date_only {
            DateOnly::Reject => Err(TimeError::DateWithoutTime),
            DateOnly::StartOfDay => local_to_utc(day_start, rules.zone),
            DateOnly::EndOfDay => {
                let next_day = day_start + chrono::Duration::days(1);
                let end = local_to_utc(next_day, rules.zone)?;
                Ok(ParsedTime {
                    nanos: end.nanos - 1,
                    warning: end.warning,
                })
            }
        };
    }
    match cursor.next() {
        Some(b'T' | b't' | b' ') => {}
        _ => return Err(TimeError::Unreadable),
    }
    cursor.skip_spaces();
    let hour = cursor.digits(2).ok_or(TimeError::Unreadable)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2).ok_or(TimeError::Unreadable)?;
    let mut second = 0;
    let mut nanos = 0;
    if cursor.peek() == Some(b':') {
        cursor.pos += 1;
        second = cursor.digits(2).ok_or(TimeError::Unreadable)?;
        if matches!(cursor.peek(), Some(b'.' | b',')) {
            cursor.pos += 1;
            nanos = cursor.fraction_nanos().ok_or(TimeError::Unreadable)?;
        }
    }
    let naive = date
        .and_hms_nano_opt(hour, minute, second, nanos)
        .ok_or(TimeError::InvalidDate)?;
    cursor.skip_spaces();
    match parse_offset(&mut cursor)? {
        Some(offset_seconds) => {
            let utc = naive - chrono::Duration::seconds(i64::from(offset_seconds));
            Ok(ParsedTime {
                nanos: naive_utc_nanos(utc)?,
                warning: None,
            })
        }
        None => local_to_utc(naive, rules.zone),
    }
}

fn parse_epoch(text: &str) -> Result<Nanos, TimeError> {
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    if whole.is_empty()
        || whole.len() > 18
        || fraction.is_some_and(|f| f.is_empty() || f.contains('.'))
    {
        return Err(TimeError::Unreadable);
    }
    let value: i64 = whole.parse().map_err(|_| TimeError::Unreadable)?;
    // Numbers this large are milliseconds: 1e11 seconds is the year 5138.
    let (unit_nanos, digits_per_unit) = if value >= 100_000_000_000 {
        (1_000_000, 6)
    } else {
        (NANOS_PER_SECOND, 9)
    };
    let mut nanos = value.checked_mul(unit_nanos).ok_or(TimeError::OutOfRange)?;
    if let Some(fraction) = fraction {
        let digits: String = fraction
            .chars()
            .chain(std::iter::repeat('0'))
            .take(digits_per_unit)
            .collect();
        nanos += digits.parse::<i64>().map_err(|_| TimeError::Unreadable)?;
    }
    Ok(nanos)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let b = self.peek();
        self.pos += 1;
        b
    }
    fn expect(&mut self, want: u8) -> Result<(), TimeError> {
        if self.next() == Some(want) {
            Ok(())
        } else {
            Err(TimeError::Unreadable)
        }
    }
    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }
    /// Exactly `count` ASCII digits.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let slice = self.bytes.get(self.pos..self.pos + count)?;
        let mut value = 0u32;
        for &b in slice {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        self.pos += count;
        Some(value)
    }
    /// One to two digits (day and month in slash dates).
    fn short_number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.pos - start < 4 && self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        std::str::from_utf8(&self.bytes[start..self.pos])
            .ok()?
            .parse()
            .ok()
    }
    /// A decimal fraction of a second, one to nine digits.
    fn fraction_nanos(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.bytes[start..self.pos];
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        let mut value = 0u32;
        for &b in digits {
            value = value * 10 + u32::from(b - b'0');
        }
        Some(value * 10u32.pow(9 - digits.len() as u32))
    }
}

/// Why a slash date without a chosen order is refused: ambiguous, or readable one way only
/// (which the message names), or no date either way.
fn unordered_slash_date(date_text: &str, parts: &[&str]) -> TimeError {
    let [first, second, year] = [parts[0], parts[1], parts[2]].map(|p| p.parse::<u32>().ok());
    let (Some(first), Some(second), Some(year)) = (first, second, year) else {
        return TimeError::Unreadable;
    };
    let date = |month: u32, day: u32| NaiveDate::from_ymd_opt(year as i32, month, day);
    match (date(second, first), date(first, second)) {
        (Some(_), Some(_)) => TimeError::AmbiguousSlashDate(date_text.to_string()),
        (Some(reading), None) => TimeError::OneWaySlashDate {
            date: date_text.to_string(),
            reading: reading.format("%-d %B %Y").to_string(),
            number: first,
            day_first: true,
        },
        (None, Some(reading)) => TimeError::OneWaySlashDate {
            date: date_text.to_string(),
            reading: reading.format("%-d %B %Y").to_string(),
            number: second,
            day_first: false,
        },
        (None, None) => TimeError::InvalidDate,
    }
}

fn parse_date(
    cursor: &mut Cursor,
    text: &str,
    order: Option<DateOrder>,
) -> Result<NaiveDate, TimeError> {
    let date_text_end = text.find([' ', 'T', 't']).unwrap_or(text.len());
    let date_text = &text[..date_text_end];
    if date_text.contains('/') {
        let parts: Vec<&str> = date_text.split('/').collect();
        if parts.len() != 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(TimeError::Unreadable);
        }
        let number = |p: &str| p.parse::<u32>().map_err(|_| TimeError::Unreadable);
        let (year, month, day) = if parts[0].len() == 4 {
            (number(parts[0])?, number(parts[1])?, number(parts[2])?)
        } else if parts[2].len() == 4 {
            match order {
                None => return Err(unordered_slash_date(date_text, &parts)),
                Some(DateOrder::DayFirst) => {
                    (number(parts[2])?, number(parts[1])?, number(parts[0])?)
                }
                Some(DateOrder::MonthFirst) => {
                    (number(parts[2])?, number(parts[0])?, number(parts[1])?)
                }
            }
        } else {
            return Err(TimeError::Unreadable);
        };
        cursor.pos = date_text_end;
        return NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(TimeError::InvalidDate);
    }
    let year = cursor.digits(4).ok_or(TimeError::Unreadable)?;
    cursor.expect(b'-')?;
    let month = cursor.short_number().ok_or(TimeError::Unreadable)?;
    cursor.expect(b'-')?;
    let day = cursor.short_number().ok_or(TimeError::Unreadable)?;
    NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(TimeError::InvalidDate)
}

/// `Z`, `UTC`, `+07:00`, `+0700` or `+07`; `None` when the text has no offset.
fn parse_offset(cursor: &mut Cursor) -> Result<Option<i32>, TimeError> {
    let rest = &cursor.bytes[cursor.pos..];
    if rest.is_empty() {
        return Ok(None);
    }
    if rest.eq_ignore_ascii_case(b"z")
        || rest.eq_ignore_ascii_case(b"utc")
        || rest.eq_ignore_ascii_case(b"gmt")
    {
        return Ok(Some(0));
    }
    let sign = match rest[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(TimeError::Unreadable),
    };
    cursor.pos += 1;
    let hours = cursor.digits(2).ok_or(TimeError::BadOffset)?;
    let minutes = match cursor.peek() {
        None => 0,
        Some(b':') => {
            cursor.pos += 1;
            cursor.digits(2).ok_or(TimeError::BadOffset)?
        }
        Some(_) => cursor.digits(2).ok_or(TimeError::BadOffset)?,
    };
    if !cursor.at_end() || hours > 23 || minutes > 59 {
        return Err(TimeError::BadOffset);
    }
    Ok(Some(sign * (hours as i32 * 3600 + minutes as i32 * 60)))
}

fn naive_utc_nanos(naive: NaiveDateTime) -> Result<Nanos, TimeError> {
    naive
        .and_utc()
        .timestamp_nanos_opt()
        .ok_or(TimeError::OutOfRange)
}

fn local_to_utc(naive: NaiveDateTime, zone: ImportZone) -> Result<ParsedTime, TimeError> {
    let tz = match zone {
        ImportZone::Utc => {
            return Ok(ParsedTime {
                nanos: naive_utc_nanos(naive)?,
                warning: None,
            });
        }
        ImportZone::Named(tz) => tz,
    };
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(ParsedTime {
            nanos: t.timestamp_nanos_opt().ok_or(TimeError::OutOfRange)?,
            warning: None,
        }),
        LocalResult::Ambiguous(earlier, _) => Ok(ParsedTime {
            nanos: earlier.timestamp_nanos_opt().ok_or(TimeError::OutOfRange)?,
            warning: Some(format!(
                "this local time occurs twice in {} (clock change); the earlier one was used",
                tz.name()
            )),
        }),
        LocalResult::None => Err(TimeError::NonexistentLocalTime(tz.name().to_string())),
    }
}

/// RFC 3339 in UTC with `Z`; sub-seconds are written with 3, 6 or 9 digits as needed.
pub fn format_time(nanos: Nanos) -> String {
    DateTime::from_timestamp_nanos(nanos).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// An observation window's end for reading: one given as a date alone (the last
/// nanosecond of that day in `zone`, the zone it was read in) shows as that date,
/// "2023-01-05, end of day"; any other end as [`format_time`].
pub fn format_window_end(nanos: Nanos, zone: ImportZone) -> String {
    let next = DateTime::from_timestamp_nanos(nanos.saturating_add(1));
    let local = match zone {
        ImportZone::Utc => next.naive_utc(),
        ImportZone::Named(tz) => next.with_timezone(&tz).naive_local(),
    };
    match local.date().pred_opt() {
        Some(day) if local.time() == chrono::NaiveTime::MIN => format!("{day}, end of day"),
        _ => format_time(nanos),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> TimeRules {
        TimeRules::default()
    }

    fn at(text: &str) -> Nanos {
        parse_time(text, utc(), DateOnly::Reject).unwrap().nanos
    }

    const T0: Nanos = 1_680_698_096 * NANOS_PER_SECOND; // 2023-04-05T12:34:56Z

    #[test]
    fn rfc3339_with_z_and_offsets() {
        assert_eq!(at("2023-04-05T12:34:56Z"), T0);
        assert_eq!(at("2023-04-05t12:34:56z"), T0);
        assert_eq!(at("2023-04-05T19:34:56+07:00"), T0);
        assert_eq!(at("2023-04-05T19:34:56+0700"), T0);
        assert_eq!(at("2023-04-05T19:04:56+06:30"), T0);
        assert_eq!(at("2023-04-05T07:34:56-05"), T0);
        assert_eq!(at("2023-04-05 12:34:56 UTC"), T0);
    }

    #[test]
    fn naive_times_use_the_import_zone() {
        assert_eq!(at("2023-04-05 12:34:56"), T0);
        assert_eq!(at("2023-04-05T12:34:56"), T0);
        let bangkok = TimeRules {
            zone: "Asia/Bangkok".parse().unwrap(),
            date_order: None,
        };
        assert_eq!(
            parse_time("2023-04-05 19:34:56", bangkok, DateOnly::Reject)
                .unwrap()
                .nanos,
            T0
        );
        let yangon = TimeRules {
            zone: "Asia/Yangon".parse().unwrap(),
            date_order: None,
        };
        assert_eq!(
            parse_time("2023-04-05 19:04:56", yangon, DateOnly::Reject)
                .unwrap()
                .nanos,
            T0
        );
        // An explicit offset wins over the import zone.
        assert_eq!(
            parse_time("2023-04-05T12:34:56Z", yangon, DateOnly::Reject)
                .unwrap()
                .nanos,
            T0
        );
    }

    #[test]
    fn sub_seconds_are_kept_and_written_back() {
        assert_eq!(at("2023-04-05T12:34:56.5Z"), T0 + 500_000_000);
        assert_eq!(at("2023-04-05T12:34:56.123456789Z"), T0 + 123_456_789);
        assert_eq!(format_time(T0), "2023-04-05T12:34:56Z");
        assert_eq!(format_time(T0 + 500_000_000), "2023-04-05T12:34:56.500Z");
        assert_eq!(
            format_time(T0 + 123_456_789),
            "2023-04-05T12:34:56.123456789Z"
        );
        assert!(parse_time("2023-04-05T12:34:56.1234567891Z", utc(), DateOnly::Reject).is_err());
    }

    #[test]
    fn epoch_seconds_and_milliseconds() {
        assert_eq!(at("1680698096"), T0);
        assert_eq!(at("1680698096000"), T0);
        assert_eq!(at("1680698096.25"), T0 + 250_000_000);
        assert_eq!(at("1680698096123"), T0 + 123_000_000);
        // The switch to milliseconds is at 100,000,000,000.
        assert_eq!(at("4000000000"), 4_000_000_000 * NANOS_PER_SECOND);
        assert_eq!(
            parse_time("99999999999", utc(), DateOnly::Reject),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(at("100000000000"), 100_000_000_000 * 1_000_000);
        assert!(parse_time("1.2.3", utc(), DateOnly::Reject).is_err());
        assert_eq!(
            parse_time("99999999999999999", utc(), DateOnly::Reject),
            Err(TimeError::OutOfRange)
        );
    }

    #[test]
    fn slash_dates_need_an_order() {
        let err = parse_time("03/04/2023 10:00:00", utc(), DateOnly::Reject).unwrap_err();
        assert_eq!(err, TimeError::AmbiguousSlashDate("03/04/2023".into()));
        let one_way = parse_time("24/08/2023 10:00", utc(), DateOnly::Reject).unwrap_err();
        assert_eq!(
            one_way.to_string(),
            "slash date '24/08/2023' can only be 24 August 2023 (24 cannot be a month), but no order is chosen: choose day/month (workbench: Slash dates; command line: --date-order dmy)"
        );
        let other_way = parse_time("08/24/2023 10:00", utc(), DateOnly::Reject).unwrap_err();
        assert!(
            other_way
                .to_string()
                .contains("can only be 24 August 2023 (24 cannot be a month)")
        );
        assert!(other_way.to_string().contains("choose month/day"));
        let neither = parse_time("24/24/2023 10:00", utc(), DateOnly::Reject).unwrap_err();
        assert_eq!(neither, TimeError::InvalidDate);
        assert!(err.to_string().contains("--date-order"));
        let dmy = TimeRules {
            date_order: Some(DateOrder::DayFirst),
            ..utc()
        };
        let mdy = TimeRules {
            date_order: Some(DateOrder::MonthFirst),
            ..utc()
        };
        assert_eq!(
            parse_time("05/04/2023 12:34:56", dmy, DateOnly::Reject)
                .unwrap()
                .nanos,
            T0
        );
        assert_eq!(
            parse_time("04/05/2023 12:34:56", mdy, DateOnly::Reject)
                .unwrap()
                .nanos,
            T0
        );
        // Year first is never ambiguous.
        assert_eq!(at("2023/04/05 12:34:56"), T0);
        assert_eq!(
            parse_time("13/13/2023 00:00", dmy, DateOnly::Reject),
            Err(TimeError::InvalidDate)
        );
    }

    #[test]
    fn date_only_bounds() {
        let start = parse_time("2023-04-05", utc(), DateOnly::StartOfDay)
            .unwrap()
            .nanos;
        let end = parse_time("2023-04-05", utc(), DateOnly::EndOfDay)
            .unwrap()
            .nanos;
        assert_eq!(format_time(start), "2023-04-05T00:00:00Z");
        assert_eq!(format_time(end), "2023-04-05T23:59:59.999999999Z");
        assert_eq!(
            parse_time("2023-04-05", utc(), DateOnly::Reject),
            Err(TimeError::DateWithoutTime)
        );
        let bangkok = TimeRules {
            zone: "Asia/Bangkok".parse().unwrap(),
            date_order: None,
        };
        let local_start = parse_time("2023-04-05", bangkok, DateOnly::StartOfDay)
            .unwrap()
            .nanos;
        assert_eq!(format_time(local_start), "2023-04-04T17:00:00Z");
    }

    #[test]
    fn invalid_values_are_rejected_with_reasons() {
        assert_eq!(
            parse_time("2023-02-29T00:00:00Z", utc(), DateOnly::Reject),
            Err(TimeError::InvalidDate)
        );
        assert!(parse_time("2024-02-29T00:00:00Z", utc(), DateOnly::Reject).is_ok());
        assert_eq!(
            parse_time("2023-04-05T25:00:00Z", utc(), DateOnly::Reject),
            Err(TimeError::InvalidDate)
        );
        assert_eq!(
            parse_time("2023-04-05T12:00:00+25:00", utc(), DateOnly::Reject),
            Err(TimeError::BadOffset)
        );
        assert_eq!(
            parse_time("yesterday", utc(), DateOnly::Reject),
            Err(TimeError::Unreadable)
        );
        assert_eq!(
            parse_time("  ", utc(), DateOnly::Reject),
            Err(TimeError::Empty)
        );
        assert_eq!(
            parse_time("3000-01-01T00:00:00Z", utc(), DateOnly::Reject),
            Err(TimeError::OutOfRange)
        );
    }

    #[test]
    fn clock_changes_are_handled() {
        let berlin = TimeRules {
            zone: "Europe/Berlin".parse().unwrap(),
            date_order: None,
        };
        let gap = parse_time("2023-03-26 02:30:00", berlin, DateOnly::Reject);
        assert!(matches!(gap, Err(TimeError::NonexistentLocalTime(_))));
        let fold = parse_time("2023-10-29 02:30:00", berlin, DateOnly::Reject).unwrap();
        assert_eq!(format_time(fold.nanos), "2023-10-29T00:30:00Z");
        assert!(fold.warning.is_some());
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_parser() {
        let bangkok = TimeRules {
            zone: "Asia/Bangkok".parse().unwrap(),
            date_order: None,
        };
        for text in [
            "2023-04-05T12:34:56Z",
            "2023-04-05 12:34:56",
            "2023-04-05T12:34:56.5Z",
            "2023-04-05T12:34:56.123456789Z",
            "2023-04-05T19:34:56+07:00",
            "2023-04-05T07:34:56-05:00",
            "2024-02-29T23:59:59Z",
            "2000-02-29T00:00:00Z",
            "1900-03-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
        ] {
            let general = parse_time(text, utc(), DateOnly::Reject).unwrap().nanos;
            assert_eq!(
                parse_common(text.as_bytes(), ImportZone::Utc),
                Some(general),
                "{text}"
            );
            assert_eq!(
                parse_time_bytes(text.as_bytes(), utc(), DateOnly::Reject)
                    .unwrap()
                    .nanos,
                general
            );
        }
        // Shapes it leaves to the general parser, which gives the reasons.
        for text in [
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2023-04-05T24:00:00Z",
            "2023-04-05T12:34:60Z",
            "2023-04-05T12:34:56+25:00",
            "2023-04-05T12:34:56.Z",
            "2023-4-05T12:34:56Z",
            "2023-04-05T12:34:56ZZ",
        ] {
            assert_eq!(
                parse_common(text.as_bytes(), ImportZone::Utc),
                None,
                "{text}"
            );
        }
        // A naive time in another zone is never read as UTC.
        assert_eq!(parse_common(b"2023-04-05 19:34:56", bangkok.zone), None);
        assert_eq!(
            parse_time_bytes(b"2023-04-05 19:34:56", bangkok, DateOnly::Reject)
                .unwrap()
                .nanos,
            T0
        );
    }

    #[test]
    fn zones_parse() {
        assert_eq!("utc".parse::<ImportZone>(), Ok(ImportZone::Utc));
        assert!("Asia/Yangon".parse::<ImportZone>().is_ok());
        assert!(
            "Mars/Olympus"
                .parse::<ImportZone>()
                .unwrap_err()
                .to_string()
                .contains("unknown time zone")
        );
    }

    #[test]
    fn a_window_ending_on_a_date_reads_as_that_date() {
        let end = parse_time("2023-01-05", utc(), DateOnly::EndOfDay)
            .unwrap()
            .nanos;
        assert_eq!(format_time(end), "2023-01-05T23:59:59.999999999Z");
        assert_eq!(
            format_window_end(end, ImportZone::Utc),
            "2023-01-05, end of day"
        );
        let bangkok: ImportZone = "Asia/Bangkok".parse().unwrap();
        let rules = TimeRules {
            zone: bangkok,
            date_order: None,
        };
        let local_end = parse_time("2023-01-05", rules, DateOnly::EndOfDay)
            .unwrap()
            .nanos;
        assert_eq!(
            format_window_end(local_end, bangkok),
            "2023-01-05, end of day"
        );
        let moment = parse_time("2023-01-05T12:00:00Z", utc(), DateOnly::Reject)
            .unwrap()
            .nanos;
        assert_eq!(
            format_window_end(moment, ImportZone::Utc),
            "2023-01-05T12:00:00Z"
        );
    }
}
