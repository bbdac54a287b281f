//! The generated location list in the other forms lists arrive in (a spreadsheet,
//! GeoJSON, KML as GDAL/QGIS writes it, KMZ, a STIX 2.1 bundle, a MISP event): the same
//! locations and observations as `locations.csv`, so every form must give the same
//! matches.

use crate::export::intel::{Intel, ports_text};
use crate::export::{misp, stix};
use crate::ingest::{ImportOptions, Input, read_locations};
use crate::model::{Dataset, Location, Observation};
use crate::values::address::format_address_set;
use crate::values::atomic::write_atomically;
use crate::values::progress::Progress;
use crate::values::time::{NANOS_PER_SECOND, Nanos};
use chrono::{DateTime, Timelike};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A form `generate` can write the location list in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationListFormat {
    Csv,
    Xlsx,
    GeoJson,
    Kml,
    Kmz,
    Stix,
    Misp,
}

impl LocationListFormat {
    pub const ALL: [LocationListFormat; 7] = [
        LocationListFormat::Csv,
        LocationListFormat::Xlsx,
        LocationListFormat::GeoJson,
        LocationListFormat::Kml,
        LocationListFormat::Kmz,
        LocationListFormat::Stix,
        LocationListFormat::Misp,
    ];

    /// The name on the command line: `geojson`.
    pub fn name(self) -> &'static str {
        match self {
            LocationListFormat::Csv => "csv",
            LocationListFormat::Xlsx => "xlsx",
            LocationListFormat::GeoJson => "geojson",
            LocationListFormat::Kml => "kml",
            LocationListFormat::Kmz => "kmz",
            LocationListFormat::Stix => "stix",
            LocationListFormat::Misp => "misp",
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            LocationListFormat::Csv => "locations.csv",
            LocationListFormat::Xlsx => "locations.xlsx",
            LocationListFormat::GeoJson => "locations.geojson",
            LocationListFormat::Kml => "locations.kml",
            LocationListFormat::Kmz => "locations.kmz",
            LocationListFormat::Stix => "locations.stix.json",
            LocationListFormat::Misp => "locations.misp.json",
        }
    }
}

/// When the converted lists say they were made: fixed, so the same list gives the same files.
const MADE_AT: Nanos = 1_725_148_800 * NANOS_PER_SECOND;

/// Write the list of `out/locations.csv` in `format`; returns the path written.
pub fn write_locations_as(out: &Path, format: LocationListFormat) -> std::io::Result<PathBuf> {
    let csv = out.join("locations.csv");
    let path = out.join(format.file_name());
    if format == LocationListFormat::Csv {
        return Ok(csv);
    }
    let mut dataset = Dataset::default();
    let file = read_locations(
        &Input::File(csv.clone()),
        ImportOptions::default(),
        None,
        &Progress::default(),
    )
    .map_err(|e| std::io::Error::other(e.to_string()))?;
    dataset.add_locations(file);
    write_atomically(&path, |w| match format {
        LocationListFormat::Csv => unreachable!("returned above"),
        LocationListFormat::Xlsx => write_xlsx(w, &csv),
        LocationListFormat::GeoJson => {
            serde_json::to_writer_pretty(&mut *w, &geojson(&dataset))?;
            w.write_all(b"\n")
        }
        LocationListFormat::Kml => write_kml(w, &dataset),
        LocationListFormat::Kmz => {
            let mut kml = Vec::new();
            write_kml(&mut kml, &dataset)?;
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default();
            zip.start_file("doc.kml", options)
                .map_err(std::io::Error::other)?;
            zip.write_all(&kml)?;
            let bytes = zip.finish().map_err(std::io::Error::other)?.into_inner();
            w.write_all(&bytes)
        }
        LocationListFormat::Stix | LocationListFormat::Misp => {
            let all = (0..dataset.locations.len() as u32).collect();
            let mut intel = Intel::new(&dataset, all, &[], MADE_AT);
            intel.title = "Synthetic location list".into();
            let value = if format == LocationListFormat::Stix {
                stix::bundle(&intel)
            } else {
                misp::event(&intel)
            };
            serde_json::to_writer_pretty(&mut *w, &value)?;
            w.write_all(b"\n")
        }
    })?;
    Ok(path)
}

/// A window end as text: a date alone when it is the start (or, for `last`, the end)
/// of a UTC day, as GDAL writes dates; else `YYYY/MM/DD HH:MM:SS[.fraction]`, GDAL's
/// form of a date-time, read as UTC.
fn gdal_time(nanos: Nanos, last: bool) -> String {
    let shown = if last { nanos.saturating_add(1) } else { nanos };
    let t = DateTime::from_timestamp_nanos(shown);
    if t.num_seconds_from_midnight() == 0 && t.nanosecond() == 0 {
        let day = if last {
            t - chrono::Duration::days(1)
        } else {
            t
        };
        return day.format("%Y/%m/%d").to_string();
    }
    let t = DateTime::from_timestamp_nanos(nanos);
    match t.nanosecond() {
        0 => t.format("%Y/%m/%d %H:%M:%S").to_string(),
        _ => t.format("%Y/%m/%d %H:%M:%S%.f").to_string(),
    }
}

/// An observation's columns, by the CSV's names.
fn observation_columns(o: &Observation) -> Vec<(String, String)> {
    let mut columns = vec![("ip".to_string(), format_address_set(o.addresses))];
    let optional = [
        ("first_seen", o.first_seen.map(|t| gdal_time(t, false))),
        ("last_seen", o.last_seen.map(|t| gdal_time(t, true))),
        ("ports", o.ports.map(|p| ports_text(p.first, p.last))),
        ("shared", Some(o.shared.to_string())),
        ("source", Some(o.source.clone())),
        ("confidence", Some(o.confidence.clone())),
        ("notes", Some(o.notes.clone())),
    ];
    for (name, value) in optional {
        columns.push((name.to_string(), value.unwrap_or_default()));
    }
    columns.extend(o.extras.iter().cloned());
    columns
}

fn location_columns(l: &Location) -> Vec<(String, String)> {
    let mut columns = vec![
        ("location_id".to_string(), l.id.clone()),
        ("name".to_string(), l.name.clone()),
        ("country".to_string(), l.country.clone()),
    ];
    columns.extend(l.extras.iter().cloned());
    columns
}

fn observations_of(dataset: &Dataset, location: usize) -> impl Iterator<Item = &Observation> {
    dataset
        .observations
        .iter()
        .filter(move |o| o.location as usize == location)
}

/// One Feature per location, its observations in an `observations` property.
fn geojson(dataset: &Dataset) -> Value {
    let features: Vec<Value> = dataset
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut properties: Map<String, Value> = location_columns(l)
                .into_iter()
                .map(|(k, v)| (k, json!(v)))
                .collect();
            let observations: Vec<Value> = observations_of(dataset, i)
                .map(|o| {
                    Value::Object(
                        observation_columns(o)
                            .into_iter()
                            .map(|(k, v)| (k, json!(v)))
                            .collect(),
                    )
                })
                .collect();
            if !observations.is_empty() {
                properties.insert("observations".into(), Value::Array(observations));
            }
            let geometry = match (l.lon, l.lat) {
                (Some(lon), Some(lat)) => json!({"type": "Point", "coordinates": [lon, lat]}),
                _ => Value::Null,
            };
            json!({"type": "Feature", "geometry": geometry, "properties": properties})
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// KML as `ogr2ogr -f KML` writes a table: a Schema of the columns and one Placemark
/// per row, its values in SchemaData/SimpleData.
fn write_kml(out: &mut (dyn Write + Send), dataset: &Dataset) -> std::io::Result<()> {
    let mut xml = quick_xml::Writer::new_with_indent(out, b' ', 1);
    let start = |xml: &mut quick_xml::Writer<_>, tag: &str, attributes: &[(&str, &str)]| {
        let mut element = BytesStart::new(tag);
        for attribute in attributes {
            element.push_attribute(*attribute);
        }
        xml.write_event(Event::Start(element))
    };
    let text =
        |xml: &mut quick_xml::Writer<_>, tag: &str, attributes: &[(&str, &str)], value: &str| {
            start(xml, tag, attributes)?;
            xml.write_event(Event::Text(BytesText::new(value)))?;
            xml.write_event(Event::End(BytesEnd::new(tag)))
        };
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    start(
        &mut xml,
        "kml",
        &[("xmlns", "http://www.opengis.net/kml/2.2")],
    )?;
    start(&mut xml, "Document", &[("id", "root_doc")])?;
    start(&mut xml, "Folder", &[])?;
    text(&mut xml, "name", &[], "locations")?;
    for (i, l) in dataset.locations.iter().enumerate() {
        let mut rows: Vec<Vec<(String, String)>> = observations_of(dataset, i)
            .map(|o| [location_columns(l), observation_columns(o)].concat())
            .collect();
        if rows.is_empty() {
            rows.push(location_columns(l));
        }
        for row in rows {
            start(&mut xml, "Placemark", &[])?;
            text(&mut xml, "name", &[], &l.name)?;
            start(&mut xml, "ExtendedData", &[])?;
            start(&mut xml, "SchemaData", &[("schemaUrl", "#locations")])?;
            for (name, value) in row.iter().filter(|(k, v)| k != "name" && !v.is_empty()) {
                text(&mut xml, "SimpleData", &[("name", name)], value)?;
            }
            xml.write_event(Event::End(BytesEnd::new("SchemaData")))?;
            xml.write_event(Event::End(BytesEnd::new("ExtendedData")))?;
            if let (Some(lon), Some(lat)) = (l.lon, l.lat) {
                start(&mut xml, "Point", &[])?;
                text(&mut xml, "coordinates", &[], &format!("{lon},{lat}"))?;
                xml.write_event(Event::End(BytesEnd::new("Point")))?;
            }
            xml.write_event(Event::End(BytesEnd::new("Placemark")))?;
        }
    }
    xml.write_event(Event::End(BytesEnd::new("Folder")))?;
    xml.write_event(Event::End(BytesEnd::new("Document")))?;
    xml.write_event(Event::End(BytesEnd::new("kml")))?;
    xml.into_inner().write_all(b"\n")
}

/// The CSV's cells in one sheet: dates as date cells, coordinates as numbers.
fn write_xlsx(w: &mut (dyn Write + Send), csv: &Path) -> std::io::Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = std::io::Error::other;
    let mut reader = csv::Reader::from_path(csv).map_err(std::io::Error::other)?;
    let header: Vec<String> = reader
        .headers()
        .map_err(std::io::Error::other)?
        .iter()
        .map(str::to_string)
        .collect();
    let mut workbook = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Locations").map_err(fail)?;
    for (c, name) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, name).map_err(fail)?;
    }
    for (r, record) in reader.records().enumerate() {
        let record = record.map_err(std::io::Error::other)?;
        let r = r as u32 + 1;
        for (c, value) in record.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
            let c16 = c as u16;
            let written = match header[c].as_str() {
                "lat" | "lon" => value
                    .parse::<f64>()
                    .ok()
                    .map(|n| sheet.write_number(r, c16, n).map(|_| ())),
                "first_seen" | "last_seen" if value.len() == 10 => {
                    super::formats::excel_serial(&format!("{value}T00:00:00Z"))
                        .map(|s| sheet.write_number_with_format(r, c16, s, &date).map(|_| ()))
                }
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
