//! IDS JSON: a report as the ICAC Data System exports it (the shape open investigator
//! tools read). Every IP capture in a `sourceCaptures` list is one event; every other
//! leaf is kept as an extra attribute named by its JSON path.

use super::super::headers::ReportField;
use super::super::records::{Record, RecordPiece};
use super::json::scalar_text;
use super::ordered::{Json as Value, Object as Map};
use crate::model::Party;

/// Whether an object is an IDS report rather than a flat record.
pub(crate) fn looks_like_ids(object: &Map) -> bool {
    object.contains_key("reportedInformation")
}

/// The party a capture's JSON path puts it under.
pub(crate) fn party_of_path(path: &str) -> Option<Party> {
    const PARTIES: [(&str, Party); 6] = [
        ("uploadedFiles", Party::File),
        ("intendedRecipients", Party::IntendedRecipient),
        ("victims", Party::Victim),
        ("associatedAccounts", Party::AssociatedAccount),
        ("peer2peer", Party::PeerToPeer),
        ("reportedPeople", Party::ReportedPerson),
    ];
    // The innermost container names the party: a file uploaded by a reported person is
    // the file's capture.
    PARTIES
        .iter()
        .filter_map(|&(key, party)| path.rfind(key).map(|at| (at, party)))
        .max_by_key(|&(at, _)| at)
        .map(|(_, party)| party)
}

/// One IP capture, with the path it sits at.
struct Capture<'v> {
    path: String,
    object: &'v Map,
}

/// What a walk over a report finds.
#[derive(Default)]
struct Found<'v> {
    captures: Vec<Capture<'v>>,
    leaves: Vec<(String, String)>,
}

/// Whether a capture's `captureType` names an IP address ("IP Address", "IPv4", "IPv6").
fn is_ip_capture(object: &Map) -> bool {
    object
        .get("captureType")
        .and_then(Value::as_str)
        .is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t.starts_with("ip") || t.contains("ip address")
        })
}

fn walk<'v>(value: &'v Value, path: String, in_captures: bool, found: &mut Found<'v>) {
    match value {
        Value::Object(object) if in_captures && is_ip_capture(object) => {
            found.captures.push(Capture { path, object });
        }
        Value::Object(object) => walk_object(object, &path, found),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), in_captures, found);
            }
        }
        leaf => {
            let text = scalar_text(leaf);
            if !text.is_empty() {
                found.leaves.push((path, text.into_owned()));
            }
        }
    }
}

fn walk_object<'v>(object: &'v Map, path: &str, found: &mut Found<'v>) {
    for (key, child) in object.iter() {
        let child_path = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        walk(child, child_path, key == "sourceCaptures", found);
    }
}

/// The report-level values the contract maps, by their IDS paths.
const REPORT_FIELDS: [(&str, ReportField); 4] = [
    ("reportId", ReportField::ReportId),
    ("dateReceived", ReportField::ReportDate),
    (
        "reportedInformation.reportingEsp.espName",
        ReportField::Platform,
    ),
    (
        "reportedInformation.incidentSummary.incidentType",
        ReportField::IncidentType,
    ),
];

/// The capture fields and their contract fields.
const CAPTURE_FIELDS: [(&str, ReportField); 5] = [
    ("value", ReportField::Ip),
    ("dateTime", ReportField::EventTime),
    ("eventName", ReportField::EventName),
    ("port", ReportField::Port),
    ("possibleProxy", ReportField::PossibleProxy),
];

/// Read one IDS report at `path` (`$` for a whole document, `[3]` in an array);
/// `fallback_id` is the report id when it has no `reportId`.
pub(crate) fn read_report(
    piece: &mut RecordPiece<'_>,
    report: &Map,
    path: &str,
    fallback_id: &str,
) {
    if !report
        .get("reportedInformation")
        .is_some_and(Value::is_object)
    {
        piece.reject(
            0,
            format!("{path}.reportedInformation"),
            "",
            "not an IDS report: expected an object at reportedInformation".into(),
        );
        return;
    }
    let mut found = Found::default();
    walk_object(report, "", &mut found);
    let mut report_values: [String; ReportField::ALL.len()] = Default::default();
    report_values[ReportField::ReportId as usize] = fallback_id.into();
    let mut extras = Vec::new();
    for (leaf_path, text) in found.leaves {
        match REPORT_FIELDS.iter().find(|(p, _)| *p == leaf_path) {
            Some(&(_, field)) => report_values[field as usize] = text,
            None => extras.push((leaf_path, text)),
        }
    }
    let prefix = if path == "$" {
        String::new()
    } else {
        format!("{path}.")
    };
    if found.captures.is_empty() {
        piece.warning(
            0,
            format!("{prefix}reportedInformation"),
            format!(
                "report {}: no IP capture (a sourceCaptures entry whose captureType is an IP address); the report has no events",
                report_values[ReportField::ReportId as usize]
            ),
        );
    }
    for capture in found.captures {
        read_capture(piece, &report_values, &extras, &capture, &prefix);
    }
}

fn read_capture(
    piece: &mut RecordPiece<'_>,
    report_values: &[String; ReportField::ALL.len()],
    report_extras: &[(String, String)],
    capture: &Capture<'_>,
    prefix: &str,
) {
    let mut values: [String; ReportField::ALL.len()] = report_values.clone();
    let mut extras = report_extras.to_vec();
    for (key, value) in capture.object.iter() {
        match CAPTURE_FIELDS.iter().find(|(k, _)| k == key) {
            Some(&(_, field)) => values[field as usize] = scalar_text(value).into_owned(),
            None if key == "captureType" => {}
            None => {
                let text = scalar_text(value);
                if !text.is_empty() {
                    extras.push((format!("{}.{key}", capture.path), text.into_owned()));
                }
            }
        }
    }
    if let Some(party) = party_of_path(&capture.path) {
        values[ReportField::Party as usize] = party.name().into();
    }
    let record = Record {
        line: 0,
        values: std::array::from_fn(|i| values[i].as_bytes()),
        extras,
    };
    let place_of = |field: ReportField| {
        let key = CAPTURE_FIELDS
            .iter()
            .find(|(_, f)| *f == field)
            .map(|(k, _)| format!("{}.{k}", capture.path))
            .or_else(|| {
                REPORT_FIELDS
                    .iter()
                    .find(|(_, f)| *f == field)
                    .map(|(p, _)| p.to_string())
            })
            .unwrap_or_else(|| capture.path.clone());
        format!("{prefix}{key}")
    };
    piece.push(record, &place_of);
}
