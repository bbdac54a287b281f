//! What a location list in a format other than CSV yields, for the import preview: the
//! list is read whole, as the import will read it (lists are small), and summarised.

use super::{LocationFormat, LocationsFile, detect_location_format, read_locations_from};
use crate::ingest::reader::FileError;
use crate::ingest::{ImportOptions, Input};
use crate::model::{Issue, Observation};
use crate::values::address::format_address_set;
use crate::values::progress::Progress;
use crate::values::time::format_time;
use std::collections::HashSet;

/// How many of the list's rows are shown.
const SAMPLE_SHOWN: usize = 12;

/// What a location list yields.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationsSample {
    pub format: LocationFormat,
    /// Distinct locations (rows naming one location count once).
    pub locations: usize,
    pub observations: usize,
    /// Locations with an outline (a polygon) rather than a point only.
    pub outlines: usize,
    /// Locations with neither coordinates nor an outline: they match but are not drawn.
    pub unplaced: usize,
    /// The first rows as they will be read.
    pub first: Vec<SampleRow>,
    /// The names of the fields kept as extra attributes.
    pub kept: Vec<String>,
    /// Every reject and warning, in file order.
    pub issues: Vec<Issue>,
    /// The sheets of a spreadsheet, in workbook order.
    pub sheets: Vec<String>,
}

/// One row of a [`LocationsSample`]: a location, and its observation if the row has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRow {
    pub line: u32,
    pub location_id: String,
    pub name: String,
    pub country: String,
    /// `lat, lon`, or empty.
    pub coordinates: String,
    /// How many corner points the outline has, or 0.
    pub outline_points: usize,
    pub ip: String,
    pub first_seen: String,
    pub last_seen: String,
    pub ports: String,
    pub shared: bool,
}

/// Read a location list as the import will, and say what it yields.
pub fn sample_locations(
    input: &Input,
    options: ImportOptions,
    sheet: Option<&str>,
    progress: &Progress,
) -> Result<LocationsSample, FileError> {
    let format = detect_location_format(input)?;
    let file = read_locations_from(input, options, None, sheet, progress)?;
    let sheets = match (format, input) {
        (LocationFormat::Spreadsheet, Input::File(path)) => {
            crate::ingest::formats::sheet::sheet_names(path)
        }
        _ => Vec::new(),
    };
    Ok(summarise(format, file, sheets))
}

fn summarise(format: LocationFormat, file: LocationsFile, sheets: Vec<String>) -> LocationsSample {
    let mut seen = HashSet::new();
    let (mut outlines, mut unplaced) = (0, 0);
    for row in &file.rows {
        let location = &row.location;
        if !seen.insert(location.id.as_str()) {
            continue;
        }
        if location.outline.is_some() {
            outlines += 1;
        } else if location.lat.is_none() || location.lon.is_none() {
            unplaced += 1;
        }
    }
    let locations = seen.len();
    LocationsSample {
        format,
        locations,
        observations: file.rows.iter().filter(|r| r.observation.is_some()).count(),
        outlines,
        unplaced,
        first: file
            .rows
            .iter()
            .take(SAMPLE_SHOWN)
            .map(sample_row)
            .collect(),
        kept: file.source.map(|s| s.extra_columns).unwrap_or_default(),
        issues: file.issues,
        sheets,
    }
}

fn sample_row(row: &super::LocationRow) -> SampleRow {
    let location = &row.location;
    let coordinates = match (location.lat, location.lon) {
        (Some(lat), Some(lon)) => format!("{lat:.5}, {lon:.5}"),
        _ => String::new(),
    };
    let time = |t: Option<i64>| t.map(format_time).unwrap_or_default();
    let observed = row.observation.as_ref();
    SampleRow {
        line: observed.map_or(location.line, |o| o.line),
        location_id: location.id.clone(),
        name: location.name.clone(),
        country: location.country.clone(),
        coordinates,
        outline_points: location.outline.as_ref().map_or(0, |o| o.points().count()),
        ip: observed.map_or(String::new(), |o| format_address_set(o.addresses)),
        first_seen: time(observed.and_then(|o| o.first_seen)),
        last_seen: time(observed.and_then(|o| o.last_seen)),
        ports: observed
            .and_then(|o: &Observation| o.ports)
            .map_or(String::new(), |p| p.to_string()),
        shared: observed.is_some_and(|o| o.shared),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(name: &str, text: &str) -> Input {
        Input::Memory {
            name: name.into(),
            bytes: text.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn a_geojson_list_is_summarised_as_the_import_reads_it() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"North Site","ip":"203.0.113.0/28","first_seen":"2023-01-01","ports":"8000-8100","shared":"yes"},
           "geometry":{"type":"Polygon","coordinates":[[[98.5,16.7],[98.6,16.7],[98.6,16.8],[98.5,16.8],[98.5,16.7]]]}},
          {"type":"Feature","properties":{"name":"North Site","ip":"198.51.100.9"},
           "geometry":{"type":"Polygon","coordinates":[[[98.5,16.7],[98.6,16.7],[98.6,16.8],[98.5,16.7]]]}},
          {"type":"Feature","properties":{"name":"South Hub"},"geometry":{"type":"Point","coordinates":[103.5,10.6]}},
          {"type":"Feature","properties":{"name":"Nowhere","ip":"192.0.2.1"},"geometry":null},
          {"type":"Feature","properties":{"ip":"192.0.2.2"},"geometry":null}
        ]}"#;
        let input = memory("sites.geojson", text);
        let sample =
            sample_locations(&input, ImportOptions::default(), None, &Progress::default()).unwrap();
        assert_eq!(sample.format, LocationFormat::GeoJson);
        assert_eq!(sample.locations, 3, "{sample:#?}");
        assert_eq!(sample.observations, 3);
        assert_eq!((sample.outlines, sample.unplaced), (1, 1));
        assert_eq!(sample.issues.len(), 1, "the feature without a name");
        let first = &sample.first[0];
        assert_eq!(first.location_id, "north-site");
        assert_eq!(first.ip, "203.0.113.0/28");
        assert_eq!(first.first_seen, "2023-01-01T00:00:00Z");
        assert_eq!(first.ports, "8000-8100");
        assert!(first.shared);
        assert!(first.outline_points >= 4);
        assert_eq!(sample.first[2].coordinates, "10.60000, 103.50000");
    }
}
