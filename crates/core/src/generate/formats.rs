//! The generated reports in the other formats a caseworker receives: the same rows as
//! `reports.csv`, malformed ones included, so every format must give the same matches.

use crate::model::Party;
use crate::values::atomic::write_atomically;
use crate::values::time::parse_time;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// A format `generate` can write the reports in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Csv,
    Xlsx,
    EspXml,
    IdsJson,
    JsonLines,
}

/// How reports of the XML and IDS forms are laid out in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// One file of all reports.
    #[default]
    Single,
    /// A folder of one file per report.
    Folder,
    /// A zip archive of one file per report.
    Zip,
}

/// Rows an xlsx sheet holds below its header: Excel's limit.
pub const XLSX_MAX_ROWS: usize = 1_048_575;

/// The columns of `reports.csv` as the generator writes them.
const COLUMNS: usize = 9;

/// The rows of one report, consecutive in `reports.csv`.
struct ReportRows {
    id: String,
    rows: Vec<[String; COLUMNS]>,
}

/// Read `reports.csv` report by report (it is the generator's own plain CSV).
fn for_each_report(
    csv: &Path,
    mut each: impl FnMut(&ReportRows) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let reader = std::io::BufReader::new(std::fs::File::open(csv)?);
    let mut current: Option<ReportRows> = None;
    for line in reader.lines().skip(1) {
        let line = line?;
        let mut fields: [String; COLUMNS] = Default::default();
        for (i, field) in line.splitn(COLUMNS, ',').enumerate() {
            fields[i] = field.to_string();
        }
        match &mut current {
            Some(report) if report.id == fields[0] => report.rows.push(fields),
            _ => {
                if let Some(done) = current.take() {
                    each(&done)?;
                }
                current = Some(ReportRows {
                    id: fields[0].clone(),
                    rows: vec![fields],
                });
            }
        }
    }
    if let Some(done) = current {
        each(&done)?;
    }
    Ok(())
}

/// Write the reports of `out/reports.csv` in `format`; returns the paths written.
pub fn write_reports_as(
    out: &Path,
    format: ReportFormat,
    layout: Layout,
) -> std::io::Result<Vec<PathBuf>> {
    let csv = out.join("reports.csv");
    match format {
        ReportFormat::Csv => Ok(vec![csv]),
        ReportFormat::JsonLines => {
            let path = out.join("reports.jsonl");
            write_atomically(&path, |w| {
                for_each_report(&csv, |report| {
                    for row in &report.rows {
                        serde_json::to_writer(&mut *w, &flat_json(row))?;
                        w.write_all(b"\n")?;
                    }
                    Ok(())
                })
            })?;
            Ok(vec![path])
        }
        ReportFormat::EspXml => {
            write_documents(out, &csv, layout, "xml", esp_xml_report, xml_wrapper())
        }
        ReportFormat::IdsJson => {
            write_documents(out, &csv, layout, "json", ids_json_report, json_wrapper())
        }
        ReportFormat::Xlsx => write_xlsx(out, &csv),
    }
}

const FIELD_NAMES: [&str; COLUMNS] = [
    "report_id",
    "ip",
    "port",
    "event_time",
    "event_name",
    "incident_type",
    "platform",
    "report_date",
    "possible_proxy",
];

fn flat_json(row: &[String; COLUMNS]) -> serde_json::Value {
    let object = FIELD_NAMES
        .iter()
        .zip(row)
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(object)
}

/// What goes before, between and after reports in a file of many.
struct Wrapper {
    head: &'static str,
    between: &'static str,
    tail: &'static str,
}

fn xml_wrapper() -> Wrapper {
    Wrapper {
        head: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<reports xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n",
        between: "",
        tail: "</reports>\n",
    }
}

fn json_wrapper() -> Wrapper {
    Wrapper {
        head: "[\n",
        between: ",\n",
        tail: "\n]\n",
    }
}

/// A party for each of a report's `count` events: the last fifth under an associated
/// account (in IDS JSON: an uploaded file), the rest under the reported person. Those
/// elements follow the person's captures, so document order stays the CSV's row order.
fn party_of(index: usize, count: usize) -> Party {
    if index >= count - count / 5 {
        Party::AssociatedAccount
    } else {
        Party::ReportedPerson
    }
}

fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One `<report>` of NCMEC's ESP schema.
fn esp_xml_report(report: &ReportRows) -> String {
    let first = &report.rows[0];
    let mut xml = String::with_capacity(400 + report.rows.len() * 260);
    xml.push_str("<report>\n");
    xml.push_str(&format!(
        "  <reportId>{}</reportId>\n",
        xml_text(&report.id)
    ));
    xml.push_str(&format!(
        "  <incidentSummary>\n    <incidentType>{}</incidentType>\n    <platform>{}</platform>\n  </incidentSummary>\n",
        xml_text(&first[5]),
        xml_text(&first[6])
    ));
    if !first[7].is_empty() {
        xml.push_str(&format!(
            "  <dateReceived>{}</dateReceived>\n",
            xml_text(&first[7])
        ));
    }
    let capture = |row: &[String; COLUMNS]| {
        let mut c = String::from("      <ipCaptureEvent>\n");
        for (tag, value) in [
            ("ipAddress", &row[1]),
            ("eventName", &row[4]),
            ("dateTime", &row[3]),
            ("possibleProxy", &row[8]),
            ("port", &row[2]),
        ] {
            if !value.is_empty() {
                c.push_str(&format!("        <{tag}>{}</{tag}>\n", xml_text(value)));
            }
        }
        c.push_str("      </ipCaptureEvent>\n");
        c
    };
    xml.push_str("  <personOrUserReported>\n    <screenName>synthetic-user</screenName>\n");
    let mut accounts = String::new();
    for (i, row) in report.rows.iter().enumerate() {
        match party_of(i, report.rows.len()) {
            Party::AssociatedAccount => accounts.push_str(&capture(row)),
            _ => xml.push_str(&capture(row).replacen("      ", "    ", 1)),
        }
    }
    if !accounts.is_empty() {
        xml.push_str("    <associatedAccount>\n");
        xml.push_str(&accounts);
        xml.push_str("    </associatedAccount>\n");
    }
    xml.push_str("  </personOrUserReported>\n</report>\n");
    xml
}

/// One report as the ICAC Data System exports it.
fn ids_json_report(report: &ReportRows) -> String {
    use serde_json::{Value, json};
    let first = &report.rows[0];
    let capture = |row: &[String; COLUMNS]| {
        let mut c = serde_json::Map::new();
        c.insert("captureType".into(), json!("IP Address"));
        for (key, value) in [
            ("value", &row[1]),
            ("dateTime", &row[3]),
            ("eventName", &row[4]),
            ("port", &row[2]),
            ("possibleProxy", &row[8]),
        ] {
            if !value.is_empty() {
                c.insert(key.into(), Value::String(value.clone()));
            }
        }
        Value::Object(c)
    };
    let (mut person, mut uploaded) = (Vec::new(), Vec::new());
    for (i, row) in report.rows.iter().enumerate() {
        match party_of(i, report.rows.len()) {
            Party::AssociatedAccount => uploaded.push(capture(row)),
            _ => person.push(capture(row)),
        }
    }
    let persons = vec![
        json!({"screenName": "synthetic-user", "sourceInformation": {"sourceCaptures": person}}),
    ];
    // serde_json writes keys sorted; `uploadedFiles` sorts after `reportedPeople`, so
    // the file's captures follow the person's as the CSV's rows do.
    let mut value = json!({
        "reportId": report.id,
        "reportedInformation": {
            "reportingEsp": {"espName": first[6]},
            "incidentSummary": {"incidentType": first[5]},
            "reportedPeople": {"reportedPersons": persons}
        }
    });
    if !uploaded.is_empty() {
        value["reportedInformation"]["uploadedFiles"] = json!({"uploadedFiles": [{"fileName": "synthetic-file", "sourceInformation": {"sourceCaptures": uploaded}}]});
    }
    if !first[7].is_empty() {
        value["dateReceived"] = json!(first[7]);
    }
    serde_json::to_string_pretty(&value).expect("JSON")
}

/// A file name for a report id: its letters, digits, dashes and dots only.
fn file_name_of(id: &str, ending: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.{ending}")
}

fn write_documents(
    out: &Path,
    csv: &Path,
    layout: Layout,
    ending: &str,
    document: fn(&ReportRows) -> String,
    wrapper: Wrapper,
) -> std::io::Result<Vec<PathBuf>> {
    match layout {
        Layout::Single => {
            let path = out.join(format!("reports.{ending}"));
            write_atomically(&path, |w| {
                w.write_all(wrapper.head.as_bytes())?;
                let mut first = true;
                for_each_report(csv, |report| {
                    if !first {
                        w.write_all(wrapper.between.as_bytes())?;
                    }
                    first = false;
                    w.write_all(document(report).as_bytes())
                })?;
                w.write_all(wrapper.tail.as_bytes())
            })?;
            Ok(vec![path])
        }
        Layout::Folder => {
            let dir = out.join(format!("reports-{ending}"));
            std::fs::create_dir_all(&dir)?;
            for_each_report(csv, |report| {
                std::fs::write(dir.join(file_name_of(&report.id, ending)), document(report))
            })?;
            Ok(vec![dir])
        }
        Layout::Zip => {
            let path = out.join(format!("reports-{ending}.zip"));
            write_atomically(&path, |w| {
                let mut zip = zip::ZipWriter::new_stream(w);
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated);
                for_each_report(csv, |report| {
                    zip.start_file(file_name_of(&report.id, ending), options)
                        .map_err(std::io::Error::other)?;
                    zip.write_all(document(report).as_bytes())
                })?;
                zip.finish().map_err(std::io::Error::other)?;
                Ok(())
            })?;
            Ok(vec![path])
        }
    }
}

/// Excel's serial number of a time (days since 1899-12-30, UTC).
pub(super) fn excel_serial(text: &str) -> Option<f64> {
    let parsed = parse_time(
        text,
        Default::default(),
        crate::values::time::DateOnly::Reject,
    )
    .ok()?;
    Some(parsed.nanos as f64 / 86_400e9 + 25_569.0)
}

/// `reports.xlsx`, or several files of at most [`XLSX_MAX_ROWS`] rows in a folder.
fn write_xlsx(out: &Path, csv: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut rows: Vec<[String; COLUMNS]> = Vec::new();
    let mut parts = Vec::new();
    let total = std::io::BufReader::new(std::fs::File::open(csv)?)
        .lines()
        .count()
        .saturating_sub(1);
    let several = total > XLSX_MAX_ROWS;
    let dir = if several {
        out.join("reports-xlsx")
    } else {
        out.to_path_buf()
    };
    std::fs::create_dir_all(&dir)?;
    let mut flush = |rows: &mut Vec<[String; COLUMNS]>| -> std::io::Result<()> {
        let name = if several {
            format!("part-{:04}.xlsx", parts.len() + 1)
        } else {
            "reports.xlsx".into()
        };
        let path = dir.join(name);
        write_atomically(&path, |w| write_sheet(w, rows))?;
        parts.push(path);
        rows.clear();
        Ok(())
    };
    for_each_report(csv, |report| {
        if rows.len() + report.rows.len() > XLSX_MAX_ROWS {
            flush(&mut rows)?;
        }
        rows.extend(report.rows.iter().cloned());
        Ok(())
    })?;
    if !rows.is_empty() || total == 0 {
        flush(&mut rows)?;
    }
    Ok(if several { vec![dir] } else { parts })
}

/// One sheet: ids and names as text, times as date-time cells, dates as date cells,
/// ports as numbers; a value that is not what its column holds stays text.
fn write_sheet(w: &mut (dyn Write + Send), rows: &[[String; COLUMNS]]) -> std::io::Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = std::io::Error::other;
    let mut workbook = Workbook::new();
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(fail)?;
    sheet.set_name("Reports").map_err(fail)?;
    for (c, name) in FIELD_NAMES.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, value) in row.iter().enumerate() {
            let c16 = c as u16;
            if value.is_empty() {
                continue;
            }
            let written = match FIELD_NAMES[c] {
                "port" => value
                    .parse::<f64>()
                    .ok()
                    .map(|n| sheet.write_number(r, c16, n).map(|_| ())),
                "event_time" if value.contains('T') => excel_serial(value).map(|s| {
                    sheet
                        .write_number_with_format(r, c16, s, &datetime)
                        .map(|_| ())
                }),
                "report_date" if value.len() == 10 => excel_serial(&format!("{value}T00:00:00Z"))
                    .map(|s| sheet.write_number_with_format(r, c16, s, &date).map(|_| ())),
                _ => None,
            };
            match written {
                Some(result) => result.map_err(fail)?,
                None => {
                    sheet.write_string(r, c16, value).map_err(fail)?;
                }
            }
        }
    }
    workbook.save_to_writer(w).map_err(fail)
}
