//! The reading rules of design.md §3, through the library, on small files.

use compound_atlas_core::ingest::{ImportOptions, Input, read_locations, read_reports};
use compound_atlas_core::matching::{MatchParams, Strength, match_events};
use compound_atlas_core::model::{Dataset, Severity};
use compound_atlas_core::values::progress::Progress;
use compound_atlas_core::values::time::{DateOrder, TimeRules, format_time};
use std::path::PathBuf;

struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Self {
        Files(tempfile::tempdir().unwrap())
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

fn load(reports: &[&PathBuf], locations: &[&PathBuf], options: ImportOptions) -> Dataset {
    let progress = Progress::default();
    let mut dataset = Dataset::default();
    for path in locations {
        dataset.add_locations(
            read_locations(&Input::File(path.to_path_buf()), options, None, &progress).unwrap(),
        );
    }
    for path in reports {
        dataset.add_reports(
            read_reports(&Input::File(path.to_path_buf()), options, None, &progress).unwrap(),
        );
    }
    dataset
}

#[test]
fn aliases_bom_semicolons_crlf_quotes_and_blank_lines() {
    let files = Files::new();
    let text = "\u{feff}CyberTip ID;IP Address;Date Time;Src Port;Event Type;ESP Name;Case Note\r\n\
                \r\n\
                T-1; 203.0.113.7 ;2023-04-05T12:34:56Z;443;login;Platform A;\"first line\r\nsecond; line\"\r\n\
                ;;;;;;\r\n\
                T-1;2001:DB8::1;2023-04-05 13:00:00;;UPLOAD;;\r\n";
    let path = files.write("tips.csv", text.as_bytes());
    let dataset = load(&[&path], &[], ImportOptions::default());
    assert_eq!(dataset.reports.len(), 1);
    assert_eq!(dataset.events.len(), 2);
    assert!(dataset.issues.is_empty(), "{:?}", dataset.issues);
    let events = &dataset.events;
    assert_eq!(
        compound_atlas_core::values::address::format_address(events.addr[0]),
        "203.0.113.7"
    );
    assert_eq!(events.port_of(0), Some(443));
    assert_eq!(events.port_of(1), None);
    assert_eq!(dataset.strings.get(events.name[0]), "Login");
    assert_eq!(dataset.strings.get(events.name[1]), "Upload");
    assert_eq!(
        dataset.strings.get(dataset.reports.platform[0]),
        "Platform A"
    );
    assert_eq!(format_time(events.time[1]), "2023-04-05T13:00:00Z");
    // Provenance: the lines the rows started on (the blank line and the empty row count).
    assert_eq!((events.line[0], events.line[1]), (3, 6));
    // The unknown column is kept, embedded newline and all.
    assert_eq!(dataset.files[0].extra_columns, ["Case Note"]);
    assert_eq!(
        dataset.extras_of(0).unwrap()[0].as_ref(),
        "first line\r\nsecond; line"
    );
    assert!(dataset.extras_of(1).is_none());
}

#[test]
fn tabs_are_sniffed_and_naive_times_use_the_import_zone() {
    let files = Files::new();
    let path = files.write(
        "tips.tsv",
        b"report_id\tip\tevent_time\nR1\t192.0.2.1\t2023-04-05 19:34:56\n",
    );
    let options = ImportOptions {
        time: TimeRules {
            zone: "Asia/Bangkok".parse().unwrap(),
            date_order: None,
        },
    };
    let dataset = load(&[&path], &[], options);
    assert_eq!(format_time(dataset.events.time[0]), "2023-04-05T12:34:56Z");
}

#[test]
fn rejections_and_warnings_name_file_line_column_and_value() {
    let files = Files::new();
    let text = "report_id,ip,event_time,port,possible_proxy\n\
                R1,203.0.113.07,2023-01-01T00:00:00Z,,\n\
                R2,fe80::1%eth0,2023-01-01T00:00:00Z,,\n\
                R3,203.0.113.3,03/04/2023 10:00,,\n\
                R4,203.0.113.4,2023-01-01T00:00:00Z,70000,maybe\n\
                ,203.0.113.5,2023-01-01T00:00:00Z,,\n\
                R6,203.0.113.6,2023-02-30T00:00:00Z,,\n";
    let path = files.write("bad.csv", text.as_bytes());
    let dataset = load(&[&path], &[], ImportOptions::default());
    assert_eq!(dataset.events.len(), 1, "only R4 is kept");
    assert_eq!(dataset.files[0].rows_rejected, 5);
    assert_eq!(dataset.files[0].rows_with_warnings, 1);
    let found: Vec<(u64, &str, &str, Severity)> = dataset
        .issues
        .iter()
        .map(|i| (i.line, i.column.as_str(), i.value.as_str(), i.severity))
        .collect();
    assert_eq!(
        found,
        [
            (2, "ip", "203.0.113.07", Severity::Error),
            (3, "ip", "fe80::1%eth0", Severity::Error),
            (4, "event_time", "03/04/2023 10:00", Severity::Error),
            (5, "port", "70000", Severity::Warning),
            (5, "possible_proxy", "maybe", Severity::Warning),
            (6, "report_id", "", Severity::Error),
            (7, "event_time", "2023-02-30T00:00:00Z", Severity::Error),
        ]
    );
    assert!(dataset.issues[0].message.contains("leading zero"));
    assert!(dataset.issues[2].message.contains("--date-order"));
    assert!(dataset.issues[3].message.contains("dropped"));
    assert_eq!(dataset.events.port_of(0), None);
    assert_eq!(dataset.events.proxy_of(0), None);

    let with_order = ImportOptions {
        time: TimeRules {
            date_order: Some(DateOrder::DayFirst),
            ..Default::default()
        },
    };
    let dataset = load(&[&path], &[], with_order);
    let r3 = dataset.reports.find("R3").unwrap();
    let event = dataset.events_of(r3)[0];
    assert_eq!(
        format_time(dataset.events.time[event as usize]),
        "2023-04-03T10:00:00Z"
    );
}

#[test]
fn exact_duplicates_merge_across_files_and_event_index_skips_them() {
    let files = Files::new();
    let first = files.write(
        "a.csv",
        b"report_id,ip,port,event_time,event_name\n\
          R1,203.0.113.1,80,2023-01-01T00:00:00Z,Login\n\
          R1,203.0.113.1,80,2023-01-01T00:00:00Z,Login\n\
          R1,203.0.113.1,81,2023-01-01T00:00:00Z,Login\n\
          R2,203.0.113.9,,2023-01-01T00:00:00Z,\n",
    );
    let second = files.write(
        "b.csv",
        b"report_id,ip,port,event_time,event_name\n\
          R1,::ffff:203.0.113.1,80,2023-01-01T00:00:00Z,login\n\
          R1,203.0.113.1,80,2023-01-01T00:00:00Z,Upload\n\
          R2,203.0.113.9,,2023-01-01T00:00:00.000Z,\n",
    );
    let dataset = load(&[&first, &second], &[], ImportOptions::default());
    // Same report, ip (IPv4-mapped is the same), port, time and event name: merged.
    assert_eq!(dataset.files[0].duplicate_events, 1);
    assert_eq!(dataset.files[1].duplicate_events, 2);
    assert_eq!(dataset.events.len(), 4);
    let r1 = dataset.reports.find("R1").unwrap();
    let indexes: Vec<(u32, u32)> = dataset
        .events_of(r1)
        .iter()
        .map(|&e| (dataset.event_index(e), dataset.events.line[e as usize]))
        .collect();
    // Positions among accepted, distinct events, in input order: files as given, then rows.
    assert_eq!(indexes, [(1, 2), (2, 4), (3, 3)]);
    assert_eq!(dataset.files[1].rows_accepted, 3);
}

#[test]
fn location_rows_observations_and_coordinates_only() {
    let files = Files::new();
    let text = "site id,Compound,Country,Latitude,Lng,CIDR,Valid From,Valid Until,Port Range,Shared,Source,kind\n\
                kk,KK Park,MM,16.62,98.54,198.51.100.77/24,2023-01-01,2023-06-30,,no,report A,compound\n\
                kk,KK Park,MM,16.62,98.54,203.0.113.10 - 203.0.113.20,,2023-03-01,1024-2047,yes,,compound\n\
                ,Shwe Kokko,MM,16.84,98.52,,,,,,news,compound\n\
                ,Bad window,KH,200,104.9,192.0.2.1,2023-06-01,2023-01-01,,,,\n\
                ,Bad ports,KH,11.5,104.9,192.0.2.2,,,99999,,,\n";
    let path = files.write("loc.csv", text.as_bytes());
    let dataset = load(&[], &[&path], ImportOptions::default());
    let ids: Vec<&str> = dataset.locations.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["kk", "shwe-kokko", "bad-ports"]);
    assert_eq!(dataset.observations.len(), 3);
    let first = &dataset.observations[0];
    assert_eq!(
        compound_atlas_core::values::address::format_address_set(first.addresses),
        "198.51.100.0/24"
    );
    assert_eq!(
        format_time(first.first_seen.unwrap()),
        "2023-01-01T00:00:00Z"
    );
    assert_eq!(
        format_time(first.last_seen.unwrap()),
        "2023-06-30T23:59:59.999999999Z"
    );
    let second = &dataset.observations[1];
    assert!(second.shared && second.first_seen.is_none() && second.ports.is_some());
    assert_eq!(
        compound_atlas_core::values::address::format_address_set(second.addresses),
        "203.0.113.10-203.0.113.20"
    );
    assert!(
        dataset.observations[2].ports.is_none(),
        "a bad port range is dropped"
    );
    assert_eq!(
        dataset.locations[1].extras,
        [
            ("kind".to_string(), "compound".to_string()),
            ("source".to_string(), "news".to_string())
        ]
    );
    let messages: Vec<(u64, Severity, &str)> = dataset
        .issues
        .iter()
        .map(|i| (i.line, i.severity, i.column.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (2, Severity::Warning, "CIDR"),
            (5, Severity::Warning, "Latitude"),
            (5, Severity::Error, "Valid From"),
            (6, Severity::Warning, "Port Range"),
        ]
    );
    assert_eq!(dataset.files[0].rows_rejected, 1);
}

#[test]
fn overlapping_observations_from_two_locations_both_match() {
    let files = Files::new();
    let locations = files.write(
        "loc.csv",
        b"name,ip,first_seen,last_seen,ports\n\
          Site A,203.0.113.0/24,2023-01-01,2023-01-31,\n\
          Site B,203.0.113.128/25,,,\n\
          Site C,203.0.113.200,,,1000-1999\n",
    );
    let reports = files.write(
        "r.csv",
        b"report_id,ip,port,event_time\nR1,203.0.113.200,1500,2023-02-01T01:00:00Z\nR2,203.0.113.200,,2023-01-15T00:00:00Z\n",
    );
    let dataset = load(&[&reports], &[&locations], ImportOptions::default());
    let hour = 3600 * 1_000_000_000;
    let strict =
        match_events(&dataset, MatchParams { tolerance: 0 }, &Progress::default()).unwrap();
    let view: Vec<(u32, u32, Strength, Option<i64>)> = strict
        .matches
        .iter()
        .map(|m| (m.event, m.observation, m.strength, m.seconds_outside_window))
        .collect();
    assert_eq!(
        view,
        [
            (0, 0, Strength::IpOnly, Some(3600)),
            (0, 1, Strength::IpOnly, None),
            (0, 2, Strength::IpOnly, None),
            (1, 0, Strength::IpTime, Some(0)),
            (1, 1, Strength::IpOnly, None),
            (1, 2, Strength::IpOnly, None),
        ]
    );
    let tolerant = match_events(
        &dataset,
        MatchParams {
            tolerance: 2 * hour,
        },
        &Progress::default(),
    )
    .unwrap();
    assert_eq!(tolerant.matches[0].strength, Strength::IpTime);
    assert_eq!(tolerant.matches[0].seconds_outside_window, Some(3600));
}

#[test]
fn more_files_than_the_file_index_holds_are_refused_with_a_message() {
    use compound_atlas_core::pipeline::{Inputs, load};
    let inputs = Inputs {
        ip_databases: Vec::new(),
        reports: (0..65_536)
            .map(|i| Input::File(format!("r{i}.csv").into()).into())
            .collect(),
        locations: Vec::new(),
    };
    let error = load(&inputs, ImportOptions::default(), &Progress::default()).unwrap_err();
    assert!(
        error.to_string().contains("at most 65,535 files"),
        "{error}"
    );
}
