//! Matches over time: reports per day, week or month by strength, the hour-of-week
//! activity pattern in a location's local time, and each location's active months.

use crate::matching::{Match, Strength};
use crate::model::Dataset;
use crate::values::safe_csv::SafeCsv;
use crate::values::time::{ImportZone, NANOS_PER_SECOND, Nanos};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum BinSize {
    Day,
    Week,
    Month,
}

impl BinSize {
    /// Days for spans up to four months, weeks up to three years, months beyond.
    pub fn auto(span_days: i64) -> BinSize {
        match span_days {
            ..=120 => BinSize::Day,
            121..=1095 => BinSize::Week,
            _ => BinSize::Month,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BinSize::Day => "day",
            BinSize::Week => "week",
            BinSize::Month => "month",
        }
    }

    /// The first day of the bin holding `date`; weeks start on Monday (ISO 8601).
    pub fn start_of(self, date: NaiveDate) -> NaiveDate {
        match self {
            BinSize::Day => date,
            BinSize::Week => {
                date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()))
            }
            BinSize::Month => date.with_day(1).expect("day 1 exists"),
        }
    }

    /// The first day of the next bin.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            BinSize::Day => start + chrono::Duration::days(1),
            BinSize::Week => start + chrono::Duration::days(7),
            BinSize::Month => start
                .checked_add_months(chrono::Months::new(1))
                .expect("in range"),
        }
    }
}

/// The local date and time of an instant in a zone.
pub fn local_time(nanos: Nanos, zone: ImportZone) -> NaiveDateTime {
    let utc = chrono::DateTime::from_timestamp_nanos(nanos);
    match zone {
        ImportZone::Utc => utc.naive_utc(),
        ImportZone::Named(tz) => tz.from_utc_datetime(&utc.naive_utc()).naive_local(),
    }
}

/// The IANA zone of a country's compounds, for local-time views (the countries of the
/// region; others fall back to UTC).
pub fn zone_of_country(country: &str) -> Option<chrono_tz::Tz> {
    Some(match country.to_ascii_uppercase().as_str() {
        "MM" => chrono_tz::Asia::Yangon,
        "TH" => chrono_tz::Asia::Bangkok,
        "KH" => chrono_tz::Asia::Phnom_Penh,
        "LA" => chrono_tz::Asia::Vientiane,
        "VN" => chrono_tz::Asia::Ho_Chi_Minh,
        "PH" => chrono_tz::Asia::Manila,
        "MY" => chrono_tz::Asia::Kuala_Lumpur,
        "ID" => chrono_tz::Asia::Jakarta,
        "CN" => chrono_tz::Asia::Shanghai,
        _ => return None,
    })
}

/// Counts of one series (all locations, one location, or "other").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    /// Reports whose best match in the bin is IP + time.
    pub ip_time: Vec<u64>,
    pub ip_only: Vec<u64>,
}

/// Matched reports per bin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub size: BinSize,
    pub zone: ImportZone,
    /// First day of each bin, consecutive, covering every match.
    pub starts: Vec<NaiveDate>,
    pub series: Vec<Series>,
}

/// Bin `matches` (as filtered). With `split_top = Some(n)` there is one series for each of
/// the `n` locations with most matched reports, and one for the rest ("other").
pub fn timeline(
    dataset: &Dataset,
    matches: &[Match],
    size: BinSize,
    zone: ImportZone,
    split_top: Option<usize>,
) -> Timeline {
    // (day, location, report, strength) of every match.
    let facts: Vec<(NaiveDate, u32, u32, Strength)> = matches
        .iter()
        .map(|m| {
            let e = m.event as usize;
            let day = local_time(dataset.events.time[e], zone).date();
            (
                day,
                dataset.observations[m.observation as usize].location,
                dataset.events.report[e],
                m.strength,
            )
        })
        .collect();
    let (Some(first), Some(last)) = (
        facts.iter().map(|f| f.0).min(),
        facts.iter().map(|f| f.0).max(),
    ) else {
        return Timeline {
            size,
            zone,
            starts: Vec::new(),
            series: Vec::new(),
        };
    };
    let mut starts = vec![size.start_of(first)];
    while size.next(*starts.last().expect("not empty")) <= last {
        let next = size.next(*starts.last().expect("not empty"));
        starts.push(next);
    }
    let bin_of = |day: NaiveDate| starts.partition_point(|&s| s <= day) - 1;

    let (series_of_location, names) = match split_top {
        None => (BTreeMap::new(), vec!["All locations".to_string()]),
        Some(n) => top_locations(dataset, &facts, n),
    };
    let other = names.len() - 1;
    // The best strength of each report in each (bin, series).
    let mut best: BTreeMap<(usize, usize, u32), Strength> = BTreeMap::new();
    for &(day, location, report, strength) in &facts {
        let series = if split_top.is_some() {
            *series_of_location.get(&location).unwrap_or(&other)
        } else {
            0
        };
        let entry = best
            .entry((bin_of(day), series, report))
            .or_insert(strength);
        *entry = (*entry).max(strength);
    }
    let mut series: Vec<Series> = names
        .into_iter()
        .map(|name| Series {
            name,
            ip_time: vec![0; starts.len()],
            ip_only: vec![0; starts.len()],
        })
        .collect();
    for ((bin, s, _), strength) in best {
        match strength {
            Strength::IpTime => series[s].ip_time[bin] += 1,
            Strength::IpOnly => series[s].ip_only[bin] += 1,
        }
    }
    Timeline {
        size,
        zone,
        starts,
        series,
    }
}

/// The `n` locations with the most reports, each with its series number, and the names
/// of the series ("Other locations" last when more locations matched).
fn top_locations(
    dataset: &Dataset,
    facts: &[(NaiveDate, u32, u32, Strength)],
    n: usize,
) -> (BTreeMap<u32, usize>, Vec<String>) {
    let mut reports_per_location: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for &(_, location, report, _) in facts {
        reports_per_location
            .entry(location)
            .or_default()
            .insert(report);
    }
    let mut ranked: Vec<(u32, usize)> = reports_per_location
        .iter()
        .map(|(&l, r)| (l, r.len()))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut names: Vec<String> = ranked
        .iter()
        .take(n)
        .map(|&(l, _)| dataset.locations[l as usize].name.clone())
        .collect();
    let series_of_location = ranked
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, &(l, _))| (l, i))
        .collect();
    if ranked.len() > n {
        names.push("Other locations".into());
    }
    (series_of_location, names)
}

/// Matched events by local weekday (Monday first) and hour: the shift pattern.
pub fn activity(dataset: &Dataset, matches: &[Match], zone: ImportZone) -> [[u64; 24]; 7] {
    let mut grid = [[0u64; 24]; 7];
    let mut last_event = None;
    for m in matches {
        // Count each event once, whatever number of observations it matched.
        if last_event == Some(m.event) {
            continue;
        }
        last_event = Some(m.event);
        let local = local_time(dataset.events.time[m.event as usize], zone);
        grid[local.weekday().num_days_from_monday() as usize][local.hour() as usize] += 1;
    }
    grid
}

/// When each location was active: first and last match and the months with matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub location: u32,
    pub first: Nanos,
    pub last: Nanos,
    /// `(year, month)` with at least one match, in UTC.
    pub months: BTreeSet<(i32, u32)>,
    pub reports: u64,
}

pub fn spans(dataset: &Dataset, matches: &[Match]) -> Vec<Span> {
    let mut by_location: BTreeMap<u32, (Span, BTreeSet<u32>)> = BTreeMap::new();
    for m in matches {
        let location = dataset.observations[m.observation as usize].location;
        let time = dataset.events.time[m.event as usize];
        let (span, reports) = by_location.entry(location).or_insert_with(|| {
            (
                Span {
                    location,
                    first: time,
                    last: time,
                    months: BTreeSet::new(),
                    reports: 0,
                },
                BTreeSet::new(),
            )
        });
        span.first = span.first.min(time);
        span.last = span.last.max(time);
        let day = local_time(time, ImportZone::Utc);
        span.months.insert((day.year(), day.month()));
        reports.insert(dataset.events.report[m.event as usize]);
    }
    let mut spans: Vec<Span> = by_location
        .into_values()
        .map(|(mut span, reports)| {
            span.reports = reports.len() as u64;
            span
        })
        .collect();
    spans.sort_by_key(|s| (s.first, s.location));
    spans
}

/// The binned numbers as CSV: `bin_start,bin,series,reports_ip_time,reports_ip_only`.
pub fn write_timeline_csv(path: &Path, timeline: &Timeline) -> io::Result<()> {
    crate::values::atomic::write_atomically(path, |out| {
        let mut csv = SafeCsv::new(out);
        csv.row([
            "bin_start",
            "bin",
            "time_zone",
            "series",
            "reports_ip_time",
            "reports_ip_only",
        ])?;
        for series in &timeline.series {
            for (i, start) in timeline.starts.iter().enumerate() {
                csv.row([
                    &start.to_string(),
                    timeline.size.name(),
                    &timeline.zone.to_string(),
                    &series.name,
                    &series.ip_time[i].to_string(),
                    &series.ip_only[i].to_string(),
                ])?;
            }
        }
        csv.finish()
    })
}

/// Weekday names, Monday first, as in the activity grid.
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The activity grid as CSV: `time_zone,weekday,hour,events`, Monday first.
pub fn write_activity_csv(path: &Path, grid: &[[u64; 24]; 7], zone: ImportZone) -> io::Result<()> {
    crate::values::atomic::write_atomically(path, |out| {
        let mut csv = SafeCsv::new(out);
        csv.row(["time_zone", "weekday", "hour", "events"])?;
        for (day, hours) in grid.iter().enumerate() {
            for (hour, events) in hours.iter().enumerate() {
                csv.row([
                    &zone.to_string(),
                    WEEKDAYS[day],
                    &hour.to_string(),
                    &events.to_string(),
                ])?;
            }
        }
        csv.finish()
    })
}

/// Each location's activity as CSV: `location_id,reports,first_match,last_match,active_months,months`.
pub fn write_spans_csv(path: &Path, rows: &[(String, Span)]) -> io::Result<()> {
    crate::values::atomic::write_atomically(path, |out| {
        let mut csv = SafeCsv::new(out);
        csv.row([
            "location_id",
            "reports",
            "first_match",
            "last_match",
            "active_months",
            "months",
        ])?;
        for (id, span) in rows {
            let months: Vec<String> = span
                .months
                .iter()
                .map(|(y, m)| format!("{y}-{m:02}"))
                .collect();
            csv.row([
                id.as_str(),
                &span.reports.to_string(),
                &crate::values::time::format_time(span.first),
                &crate::values::time::format_time(span.last),
                &span.months.len().to_string(),
                &months.join(" "),
            ])?;
        }
        csv.finish()
    })
}

/// Days since 1970-01-01 of a date: the x coordinate of the timeline plot.
pub fn day_number(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
        / 86_400
}

/// The date of a day number.
pub fn date_of_day(day: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(day.saturating_mul(86_400), 0)
        .map_or(NaiveDate::MIN, |t| t.date_naive())
}

/// Nanoseconds of the start of a UTC day.
pub fn nanos_of_day(date: NaiveDate) -> Nanos {
    day_number(date) * 86_400 * NANOS_PER_SECOND
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn bins_across_month_lengths_and_leap_days() {
        assert_eq!(BinSize::Month.start_of(d(2024, 2, 29)), d(2024, 2, 1));
        assert_eq!(BinSize::Month.next(d(2024, 1, 1)), d(2024, 2, 1));
        assert_eq!(BinSize::Month.next(d(2024, 2, 1)), d(2024, 3, 1));
        assert_eq!(BinSize::Month.next(d(2023, 12, 1)), d(2024, 1, 1));
        // 2024-02-29 is a Thursday; its ISO week starts on Monday 2024-02-26.
        assert_eq!(BinSize::Week.start_of(d(2024, 2, 29)), d(2024, 2, 26));
        assert_eq!(BinSize::Week.next(d(2024, 2, 26)), d(2024, 3, 4));
        assert_eq!(BinSize::Week.start_of(d(2024, 1, 1)), d(2024, 1, 1));
        assert_eq!(BinSize::Day.next(d(2024, 2, 28)), d(2024, 2, 29));
        assert_eq!(BinSize::Day.next(d(2023, 2, 28)), d(2023, 3, 1));
        assert_eq!(BinSize::auto(30), BinSize::Day);
        assert_eq!(BinSize::auto(400), BinSize::Week);
        assert_eq!(BinSize::auto(2000), BinSize::Month);
    }

    #[test]
    fn local_time_in_yangon_moves_monday_night_to_tuesday_morning() {
        // Monday 2023-04-03 23:45 UTC is Tuesday 06:15 in Asia/Yangon (UTC+6:30).
        let t = chrono::NaiveDate::from_ymd_opt(2023, 4, 3)
            .unwrap()
            .and_hms_opt(23, 45, 0)
            .unwrap();
        let nanos = t.and_utc().timestamp() * NANOS_PER_SECOND;
        let local = local_time(nanos, ImportZone::Named(chrono_tz::Asia::Yangon));
        assert_eq!(local.weekday(), chrono::Weekday::Tue);
        assert_eq!((local.hour(), local.minute()), (6, 15));
        // Zones decide the day a bin gets: the same instant is Monday in UTC.
        assert_eq!(
            local_time(nanos, ImportZone::Utc).weekday(),
            chrono::Weekday::Mon
        );
        assert_eq!(zone_of_country("mm"), Some(chrono_tz::Asia::Yangon));
        assert_eq!(zone_of_country("XX"), None);
    }

    #[test]
    fn day_numbers_round_trip() {
        for date in [d(1970, 1, 1), d(2024, 2, 29), d(2023, 12, 31)] {
            assert_eq!(date_of_day(day_number(date)), date);
        }
        assert_eq!(day_number(d(1970, 1, 2)), 1);
    }
}
