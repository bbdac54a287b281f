//! Timeline bins and the activity pattern on a small data set with known answers.

use chrono::NaiveDate;
use compound_atlas_core::analysis::timeline::{
    BinSize, activity, spans, timeline, write_timeline_csv,
};
use compound_atlas_core::ingest::{ImportOptions, Input};
use compound_atlas_core::matching::{MatchParams, match_events};
use compound_atlas_core::pipeline::{Inputs, load};
use compound_atlas_core::values::progress::Progress;
use compound_atlas_core::values::time::ImportZone;

fn data() -> (
    tempfile::TempDir,
    compound_atlas_core::model::Dataset,
    compound_atlas_core::matching::MatchSet,
) {
    let dir = tempfile::tempdir().unwrap();
    let locations = dir.path().join("l.csv");
    std::fs::write(
        &locations,
        "name,country,ip,first_seen,last_seen\nSite A,MM,203.0.113.0/24,2023-01-01,2023-12-31\nSite B,KH,198.51.100.0/24,,\n",
    )
    .unwrap();
    let reports = dir.path().join("r.csv");
    std::fs::write(
        &reports,
        "report_id,ip,event_time\n\
         R1,203.0.113.1,2023-02-27T20:00:00Z\n\
         R1,203.0.113.2,2023-03-01T01:00:00Z\n\
         R1,203.0.113.3,2023-04-03T23:45:00Z\n\
         R2,198.51.100.1,2023-02-28T20:00:00Z\n\
         R3,203.0.113.4,2024-02-29T12:00:00Z\n\
         R4,192.0.2.1,2023-02-01T00:00:00Z\n",
    )
    .unwrap();
    let inputs = Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(reports).into()],
        locations: vec![Input::File(locations).into()],
    };
    let dataset = load(&inputs, ImportOptions::default(), &Progress::default()).unwrap();
    let matches = match_events(&dataset, MatchParams::default(), &Progress::default()).unwrap();
    (dir, dataset, matches)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn months_count_reports_by_their_best_strength_in_each_bin() {
    let (_dir, dataset, matches) = data();
    let t = timeline(
        &dataset,
        &matches.matches,
        BinSize::Month,
        ImportZone::Utc,
        None,
    );
    assert_eq!(t.starts.first(), Some(&date(2023, 2, 1)));
    assert_eq!(t.starts.last(), Some(&date(2024, 2, 1)));
    assert_eq!(t.starts.len(), 13);
    let all = &t.series[0];
    // February 2023: R1 (IP + time) and R2 (IP only, no window); March and April: R1.
    assert_eq!((all.ip_time[0], all.ip_only[0]), (1, 1));
    assert_eq!((all.ip_time[1], all.ip_only[1]), (1, 0));
    assert_eq!((all.ip_time[2], all.ip_only[2]), (1, 0));
    // February 2024 (a leap day): R3 is outside Site A's 2023 window.
    assert_eq!((all.ip_time[12], all.ip_only[12]), (0, 1));
    assert_eq!(
        all.ip_time.iter().sum::<u64>() + all.ip_only.iter().sum::<u64>(),
        5
    );
}

#[test]
fn the_zone_decides_the_bin_and_the_split_names_the_top_locations() {
    let (dir, dataset, matches) = data();
    let yangon = ImportZone::Named(chrono_tz::Asia::Yangon);
    let t = timeline(&dataset, &matches.matches, BinSize::Month, yangon, Some(1));
    // R2's 2023-02-28T20:00Z is 1 March 02:30 in Yangon.
    assert_eq!(
        t.series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Site A", "Other locations"]
    );
    assert_eq!(t.series[1].ip_only[0], 0);
    assert_eq!(t.series[1].ip_only[1], 1);
    let path = dir.path().join("timeline.csv");
    write_timeline_csv(&path, &t).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("bin_start,bin,time_zone,series,reports_ip_time,reports_ip_only\n"));
    assert!(
        text.contains("2023-03-01,month,Asia/Yangon,Other locations,0,1\n"),
        "{text}"
    );
}

#[test]
fn activity_uses_local_weekday_and_hour() {
    let (_dir, dataset, matches) = data();
    let yangon = activity(
        &dataset,
        &matches.matches,
        ImportZone::Named(chrono_tz::Asia::Yangon),
    );
    // Monday 2023-04-03 23:45 UTC is Tuesday 06:15 in Yangon.
    assert_eq!(yangon[1][6], 1);
    let utc = activity(&dataset, &matches.matches, ImportZone::Utc);
    assert_eq!(utc[0][23], 1);
    assert_eq!(utc.iter().flatten().sum::<u64>(), 5);
    let spans = spans(&dataset, &matches.matches);
    assert_eq!(spans.len(), 2);
    let a = spans
        .iter()
        .find(|s| dataset.locations[s.location as usize].name == "Site A")
        .unwrap();
    assert_eq!(a.months.len(), 4);
    assert_eq!(a.reports, 2);
}

#[test]
fn the_sample_data_shows_myanmars_night_shift_in_yangon_time() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let inputs = Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(root.join("sample_data/reports.csv")).into()],
        locations: vec![Input::File(root.join("sample_data/locations.csv")).into()],
    };
    let dataset = load(&inputs, ImportOptions::default(), &Progress::default()).unwrap();
    let matches = match_events(&dataset, MatchParams::default(), &Progress::default()).unwrap();
    let myanmar = compound_atlas_core::analysis::filter::Filter {
        countries: ["MM".to_string()].into(),
        ..Default::default()
    };
    let view = compound_atlas_core::analysis::filter::apply(&dataset, &matches, &myanmar);
    // The generator's decoys are at random hours on purpose (they test lead ranking).
    let truth = std::fs::read_to_string(root.join("sample_data/ground_truth.csv")).unwrap();
    let decoys: std::collections::BTreeSet<&str> = truth
        .lines()
        .filter(|l| l.ends_with(",decoy"))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(!decoys.is_empty());
    let planted: Vec<_> = view
        .matches
        .iter()
        .filter(|m| {
            let report = dataset.events.report[m.event as usize];
            !decoys.contains(dataset.reports.id(report))
        })
        .copied()
        .collect();
    let grid = activity(
        &dataset,
        &planted,
        ImportZone::Named(chrono_tz::Asia::Yangon),
    );
    let night: u64 = grid
        .iter()
        .map(|day| day[20..].iter().chain(&day[..6]).sum::<u64>())
        .sum();
    let daytime: u64 = grid.iter().map(|day| day[6..20].iter().sum::<u64>()).sum();
    assert!(night > 50, "{night} events in the night shift");
    assert_eq!(
        daytime, 0,
        "no matched Myanmar event falls between 06:00 and 20:00 Yangon time"
    );
    // In UTC the same band sits six and a half hours earlier, so it is not the local pattern.
    let utc = activity(&dataset, &planted, ImportZone::Utc);
    assert!(
        utc.iter()
            .map(|day| day[6..20].iter().sum::<u64>())
            .sum::<u64>()
            > 0
    );
}
