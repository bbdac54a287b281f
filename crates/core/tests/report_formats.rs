//! The same generated reports in every format give byte-identical `matches.csv` and
//! `locations_summary.csv`, the same rejects and the parties the file names; hostile
//! files of each format are refused or read in part with their places named, never a
//! panic, hang or unbounded memory.

use compound_atlas_core::generate::formats::{Layout, ReportFormat, write_reports_as};
use compound_atlas_core::generate::{Spec, generate};
use compound_atlas_core::ingest::{ImportOptions, Input, read_reports};
use compound_atlas_core::matching::MatchParams;
use compound_atlas_core::model::{Party, Severity};
use compound_atlas_core::params::RunParameters;
use compound_atlas_core::pipeline::{Inputs, analyse, load, write_results};
use compound_atlas_core::values::progress::Progress;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The two result files and the number of rejected rows, for one reports input.
fn results_of(reports: &Path, locations: &Path, out: &Path) -> (Vec<u8>, Vec<u8>, u64) {
    let inputs = Inputs {
        reports: vec![Input::File(reports.to_path_buf()).into()],
        locations: vec![Input::File(locations.to_path_buf()).into()],
        ip_databases: Vec::new(),
    };
    let progress = Progress::default();
    let dataset = load(&inputs, ImportOptions::default(), &progress).expect("reads");
    let rejected = dataset.files.iter().map(|f| f.rows_rejected).sum();
    let analysis = analyse(dataset, MatchParams::default(), &progress).expect("matches");
    write_results(out, &analysis, &RunParameters::default(), 0, None).expect("writes");
    let read = |name: &str| std::fs::read(out.join(name)).unwrap();
    (read("matches.csv"), read("locations_summary.csv"), rejected)
}

fn compress(path: &Path, gzip: bool) -> PathBuf {
    let bytes = std::fs::read(path).unwrap();
    let target = PathBuf::from(format!(
        "{}.{}",
        path.display(),
        if gzip { "gz" } else { "zst" }
    ));
    let file = std::fs::File::create(&target).unwrap();
    if gzip {
        let mut encoder = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        encoder.write_all(&bytes).unwrap();
        encoder.finish().unwrap();
    } else {
        zstd::stream::copy_encode(&bytes[..], file, 3).unwrap();
    }
    target
}

/// A generated data set of `reports` reports in a folder `data` of `dir`.
fn generated(dir: &Path, reports: u64, seed: u64) -> PathBuf {
    let data = dir.join("data");
    generate(&Spec {
        reports,
        seed,
        out: data.clone(),
    })
    .unwrap();
    data
}

/// A reports input read whole with the default options.
fn read(path: &Path) -> compound_atlas_core::ingest::reports::ReportsFile {
    read_reports(
        &Input::File(path.to_path_buf()),
        ImportOptions::default(),
        None,
        &Progress::default(),
    )
    .unwrap()
}

#[test]
fn every_format_gives_the_csvs_matches() {
    let dir = tempfile::tempdir().unwrap();
    let data = generated(dir.path(), 2500, 11);
    let locations = data.join("locations.csv");
    let (matches, summary, rejected) = results_of(
        &data.join("reports.csv"),
        &locations,
        &dir.path().join("csv"),
    );
    assert!(
        matches.len() > 1000 && rejected > 0,
        "the set has matches and rejects"
    );
    let mut inputs = Vec::new();
    for (format, layout) in [
        (ReportFormat::Xlsx, Layout::Single),
        (ReportFormat::EspXml, Layout::Single),
        (ReportFormat::EspXml, Layout::Zip),
        (ReportFormat::EspXml, Layout::Folder),
        (ReportFormat::IdsJson, Layout::Single),
        (ReportFormat::IdsJson, Layout::Folder),
        (ReportFormat::IdsJson, Layout::Zip),
        (ReportFormat::JsonLines, Layout::Single),
    ] {
        inputs.extend(write_reports_as(&data, format, layout).unwrap());
    }
    inputs.push(compress(&data.join("reports.jsonl"), true));
    inputs.push(compress(&data.join("reports.xml"), false));
    inputs.push(compress(&data.join("reports.csv"), true));
    for (i, input) in inputs.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let (m, s, r) = results_of(input, &locations, &out);
        let name = input.display();
        assert!(m == matches, "{name}: matches.csv differs from the CSV's");
        assert!(
            s == summary,
            "{name}: locations_summary.csv differs from the CSV's"
        );
        assert_eq!(r, rejected, "{name}: rejected rows");
    }
}

#[test]
fn report_xml_gives_parties_ids_and_places() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<reports xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="espReport.xsd">
  <report>
    <incidentSummary><incidentType>Online Enticement of Children</incidentType><platform>Example &amp; Chat</platform><incidentDateTime>2023-01-02T03:04:05Z</incidentDateTime></incidentSummary>
    <personOrUserReported>
      <screenName>user-a</screenName>
      <ipCaptureEvent><ipAddress>198.51.100.7</ipAddress><eventName>login</eventName><dateTime>2023-01-01T10:00:00+07:00</dateTime><port>443</port><possibleProxy>false</possibleProxy></ipCaptureEvent>
      <associatedAccount><screenName>user-b</screenName>
        <ipCaptureEvent><ipAddress>2001:db8::5</ipAddress><dateTime>2023-01-01T11:00:00Z</dateTime></ipCaptureEvent>
      </associatedAccount>
    </personOrUserReported>
    <victim><ipCaptureEvent><ipAddress>203.0.113.9</ipAddress><dateTime>2023-01-01T12:00:00Z</dateTime></ipCaptureEvent></victim>
  </report>
  <report>
    <fileDetails><ipCaptureEvent><ipAddress>198.051.100.1</ipAddress><dateTime>2023-01-01T12:00:00Z</dateTime></ipCaptureEvent></fileDetails>
  </report>
</reports>
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("CT-77.xml");
    std::fs::write(&path, xml).unwrap();
    let file = read(&path);
    let ids: Vec<&str> = (0..file.reports.len() as u32)
        .map(|r| file.reports.id(r))
        .collect();
    assert_eq!(
        ids,
        ["CT-77-1"],
        "the second report's only event is rejected"
    );
    let parties: Vec<Option<Party>> = (0..file.events.len())
        .map(|e| file.events.party_of(e))
        .collect();
    assert_eq!(
        parties,
        [
            Some(Party::ReportedPerson),
            Some(Party::AssociatedAccount),
            Some(Party::Victim)
        ]
    );
    assert_eq!(
        file.events.time[0],
        1_672_542_000 * 1_000_000_000,
        "the offset is applied"
    );
    assert_eq!(file.events.line, [7, 9, 12]);
    assert_eq!(
        file.strings.get(file.reports.platform[0]),
        "Example & Chat",
        "spaces around an entity are kept"
    );
    let error = file
        .issues
        .iter()
        .find(|i| i.severity == Severity::Error)
        .unwrap();
    assert_eq!((error.line, error.column.as_str()), (15, "15:18 ipAddress"));
    assert!(error.message.contains("leading zero"), "{}", error.message);
    let source = file.source.as_ref().unwrap();
    assert!(source.extra_columns.contains(&"incident_time".to_string()));
    assert!(
        source
            .extra_columns
            .contains(&"personOrUserReported/screenName".to_string())
    );
    assert!(
        source
            .extra_columns
            .contains(&"personOrUserReported/associatedAccount/screenName".to_string())
    );
}

/// Read bytes as a reports file named `name`; the issues' messages and places.
fn issues_of(name: &str, bytes: &[u8]) -> Result<Vec<(Severity, String, String)>, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    read_reports(
        &Input::File(path),
        ImportOptions::default(),
        None,
        &Progress::default(),
    )
    .map(|file| {
        file.issues
            .into_iter()
            .map(|i| (i.severity, i.column, i.message))
            .collect()
    })
    .map_err(|e| e.to_string())
}

#[test]
fn hostile_xml_is_read_in_part_and_said() {
    let whole = "<reports><report><reportId>A</reportId><personOrUserReported><ipCaptureEvent><ipAddress>192.0.2.1</ipAddress><dateTime>2023-01-01T00:00:00Z</dateTime></ipCaptureEvent></personOrUserReported></report><report><reportId>B</reportId><personOrUserReported><ipCaptureEvent><ipAddress>192.0.2.2</ipAddress>";
    let issues = issues_of("cut.xml", whole.as_bytes()).unwrap();
    assert!(
        issues
            .iter()
            .any(|(s, _, m)| *s == Severity::Error && m.contains("ends inside this <report>")),
        "{issues:?}"
    );
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<report><reportId>&lol3;</reportId><victim><ipCaptureEvent><ipAddress>192.0.2.3</ipAddress><dateTime>2023-01-01T00:00:00Z</dateTime></ipCaptureEvent></victim></report>"#;
    let issues = issues_of("bomb.xml", bomb.as_bytes()).unwrap();
    assert!(
        issues
            .iter()
            .any(|(_, _, m)| m.contains("&lol3;") && m.contains("does not expand")),
        "{issues:?}"
    );
    let deep = format!("<report>{}</report>", "<a>".repeat(100_000));
    let issues = issues_of("deep.xml", deep.as_bytes()).unwrap();
    assert!(
        issues
            .iter()
            .any(|(_, _, m)| m.contains("nested more than")),
        "{issues:?}"
    );
}

#[test]
fn hostile_json_is_read_in_part_and_said() {
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let issues = issues_of("deep.json", deep.as_bytes()).unwrap();
    assert!(
        issues.iter().any(|(_, _, m)| m.contains("recursion limit")),
        "{issues:?}"
    );
    let not_ids = br#"{"reportedInformation": 5, "reportId": "X"}"#;
    let issues = issues_of("x.json", not_ids).unwrap();
    assert!(
        issues
            .iter()
            .any(|(_, place, m)| place == "$.reportedInformation"
                && m.contains("expected an object")),
        "{issues:?}"
    );
    let lines = b"{\"report_id\":\"R1\",\"ip\":\"192.0.2.1\",\"event_time\":\"2023-01-01T00:00:00Z\"}\nnot json\n[1]\n";
    let issues = issues_of("x.jsonl", lines).unwrap();
    let places: Vec<&str> = issues.iter().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(places, ["line 2", "line 3"]);
    let mut long = b"{\"report_id\":\"R1\",\"notes\":\"".to_vec();
    long.resize(65 << 20, b'x');
    long.extend_from_slice(b"\"}\n{\"report_id\":\"R2\",\"ip\":\"192.0.2.1\",\"event_time\":\"2023-01-01T00:00:00Z\"}\n");
    let issues = issues_of("long.jsonl", &long).unwrap();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(
        issues[0].1 == "line 1" && issues[0].2.contains("longer than 64 MiB"),
        "{issues:?}"
    );
    // The same bytes as one document: refused at 64 MiB, not read whole into memory.
    let issues = issues_of("long.json", &long).unwrap();
    assert!(
        issues
            .iter()
            .any(|(_, place, m)| place == "$" && m.contains("larger than 64 MiB")),
        "{issues:?}"
    );
}

#[test]
fn a_zip_of_a_hundred_thousand_entries_is_read_entry_by_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..100_000 {
        zip.start_file(format!("r{i:06}.jsonl"), options).unwrap();
        writeln!(zip, "{{\"report_id\":\"R{i}\",\"ip\":\"198.18.{}.{}\",\"event_time\":\"2023-01-01T00:00:00Z\"}}", i / 256 % 256, i % 256).unwrap();
    }
    zip.start_file("inner.zip", options).unwrap();
    zip.write_all(b"PK\x05\x06").unwrap();
    zip.finish().unwrap();
    let file = read(&path);
    assert_eq!(file.events.len(), 100_000);
    assert_eq!(file.reports.id(0), "R0");
    assert!(
        file.issues
            .iter()
            .any(|i| i.column == "inner.zip" && i.message.contains("inside an archive"))
    );
}

#[test]
fn a_spreadsheet_row_error_names_its_cell_and_a_missing_sheet_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = generated(dir.path(), 300, 3);
    let xlsx = &write_reports_as(&data, ReportFormat::Xlsx, Layout::Single).unwrap()[0];
    let file = read(xlsx);
    assert!(file.events.len() > 1000);
    let refused = compound_atlas_core::ingest::reports::read_reports_from(
        &Input::File(xlsx.clone()),
        ImportOptions::default(),
        None,
        Some("Nope"),
        &Progress::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("no sheet 'Nope'") && refused.contains("Reports"),
        "{refused}"
    );
}

#[test]
fn a_sample_reads_the_start_of_a_large_file_and_all_of_a_small_one() {
    use compound_atlas_core::ingest::preview::{SAMPLE_EVENTS, sample_reports};
    let dir = tempfile::tempdir().unwrap();
    let data = generated(dir.path(), 3000, 11);
    let whole = read(&data.join("reports.csv"));
    assert!(whole.events.len() > 4 * SAMPLE_EVENTS);
    for (format, layout) in [
        (ReportFormat::EspXml, Layout::Zip),
        (ReportFormat::JsonLines, Layout::Single),
    ] {
        let path = &write_reports_as(&data, format, layout).unwrap()[0];
        let sample = sample_reports(
            &Input::File(path.clone()),
            ImportOptions::default(),
            None,
            &Progress::default(),
        )
        .unwrap();
        assert!(!sample.complete, "{format:?}");
        assert!(
            sample.events >= SAMPLE_EVENTS && sample.events < whole.events.len(),
            "{format:?}: {}",
            sample.events
        );
        assert_eq!(
            sample.first[0].report_id,
            whole.reports.id(whole.events.report[0]),
            "{format:?}"
        );
        assert_eq!(
            sample.parties.iter().map(|(_, n)| n).sum::<usize>(),
            sample.events
        );
    }
    let small = dir.path().join("small.jsonl");
    std::fs::write(&small, "{\"report_id\":\"R1\",\"ip\":\"192.0.2.1\",\"event_time\":\"2023-01-01T00:00:00Z\",\"device\":\"d-1\"}\n").unwrap();
    let sample = sample_reports(
        &Input::File(small),
        ImportOptions::default(),
        None,
        &Progress::default(),
    )
    .unwrap();
    assert!(sample.complete);
    assert_eq!(
        (sample.reports, sample.events, sample.kept.clone()),
        (1, 1, vec!["device".to_string()])
    );
    assert_eq!(
        sample.first[0].kept,
        [("device".to_string(), "d-1".to_string())]
    );
}

#[test]
fn a_damaged_zip_entry_is_said_and_the_others_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, ip) in [("a.jsonl", "192.0.2.1"), ("b.jsonl", "192.0.2.2")] {
        zip.start_file(name, options).unwrap();
        writeln!(
            zip,
            "{{\"report_id\":\"{name}\",\"ip\":\"{ip}\",\"event_time\":\"2023-01-01T00:00:00Z\"}}"
        )
        .unwrap();
    }
    zip.finish().unwrap();
    // The central directory's CRC-32 of the first entry, made wrong.
    let mut bytes = std::fs::read(&path).unwrap();
    let central = memchr::memmem::find(&bytes, b"PK\x01\x02").unwrap();
    bytes[central + 16] ^= 0xFF;
    std::fs::write(&path, &bytes).unwrap();
    let file = read(&path);
    assert_eq!(file.events.len(), 1);
    assert_eq!(file.reports.id(0), "b.jsonl");
    assert!(
        file.issues
            .iter()
            .any(|i| i.column == "a.jsonl" && i.message.contains("damaged")),
        "{:?}",
        file.issues
    );
}
