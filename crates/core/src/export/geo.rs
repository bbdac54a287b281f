//! The exported locations as GeoJSON (RFC 7946) and KML, so that QGIS and Google Earth
//! open them directly. Only locations with coordinates are drawn; counts are properties.

use crate::analysis::LocationStats;
use crate::model::Location;
use crate::values::time::format_time;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Value, json};
use std::io::{self, Write};

/// One location with its counts under the filter.
pub struct LocationRow<'a> {
    pub location: &'a Location,
    pub stats: LocationStats,
}

fn properties(row: &LocationRow) -> Value {
    let s = &row.stats;
    let time = |t: Option<i64>| t.map_or(Value::Null, |t| Value::String(format_time(t)));
    json!({
        "location_id": row.location.id,
        "name": row.location.name,
        "country": row.location.country,
        "reports_ip_time": s.reports_ip_time,
        "reports_ip_only": s.reports_ip_only,
        "events_ip_time": s.events_ip_time,
        "events_ip_only": s.events_ip_only,
        "first_match": time(s.first_match),
        "last_match": time(s.last_match),
    })
}

/// A location's point, lon first, when it has a real one (every path in refuses the
/// rest; this keeps a non-finite number out of the files even so).
fn coordinates(location: &Location) -> Option<(f64, f64)> {
    let (lon, lat) = (location.lon?, location.lat?);
    (lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0)
        .then_some((lon, lat))
}

pub use crate::values::text::xml_safe;

/// A FeatureCollection of Points, longitude first (RFC 7946 §3.1.1), in WGS 84.
pub fn geojson(rows: &[LocationRow]) -> Value {
    let features: Vec<Value> = rows
        .iter()
        .filter_map(|row| {
            let (lon, lat) = coordinates(row.location)?;
            let mut properties = properties(row);
            // An outline is the geometry; the marker stays in the properties.
            let geometry = match &row.location.outline {
                Some(outline) => {
                    properties["lat"] = json!(lat);
                    properties["lon"] = json!(lon);
                    json!({"type": "MultiPolygon", "coordinates": outline.polygons})
                }
                None => json!({"type": "Point", "coordinates": [lon, lat]}),
            };
            Some(json!({
                "type": "Feature",
                "id": row.location.id,
                "geometry": geometry,
                "properties": properties,
            }))
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// A KML 2.2 document with one Placemark per location, counts as ExtendedData.
pub fn write_kml(out: &mut impl Write, title: &str, rows: &[LocationRow]) -> io::Result<()> {
    let mut xml = quick_xml::Writer::new_with_indent(out, b' ', 1);
    let text = |xml: &mut quick_xml::Writer<_>, tag: &str, value: &str| -> io::Result<()> {
        xml.write_event(Event::Start(BytesStart::new(tag)))?;
        xml.write_event(Event::Text(BytesText::new(&xml_safe(value))))?;
        xml.write_event(Event::End(BytesEnd::new(tag)))
    };
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut kml = BytesStart::new("kml");
    kml.push_attribute(("xmlns", "http://www.opengis.net/kml/2.2"));
    xml.write_event(Event::Start(kml))?;
    xml.write_event(Event::Start(BytesStart::new("Document")))?;
    text(&mut xml, "name", title)?;
    for row in rows {
        let Some((lon, lat)) = coordinates(row.location) else {
            continue;
        };
        xml.write_event(Event::Start(BytesStart::new("Placemark")))?;
        text(&mut xml, "name", &row.location.name)?;
        let s = &row.stats;
        text(
            &mut xml,
            "description",
            &format!(
                "{} ({}): {} {} IP+time, {} IP only",
                row.location.id,
                row.location.country,
                s.reports_ip_time,
                if s.reports_ip_time == 1 {
                    "report"
                } else {
                    "reports"
                },
                s.reports_ip_only
            ),
        )?;
        xml.write_event(Event::Start(BytesStart::new("ExtendedData")))?;
        if let Value::Object(map) = properties(row) {
            for (name, value) in map {
                let mut data = BytesStart::new("Data");
                data.push_attribute(("name", xml_safe(&name).as_ref()));
                xml.write_event(Event::Start(data))?;
                let value = match value {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                text(&mut xml, "value", &value)?;
                xml.write_event(Event::End(BytesEnd::new("Data")))?;
            }
        }
        xml.write_event(Event::End(BytesEnd::new("ExtendedData")))?;
        let outline = row.location.outline.as_ref();
        if outline.is_some() {
            xml.write_event(Event::Start(BytesStart::new("MultiGeometry")))?;
        }
        xml.write_event(Event::Start(BytesStart::new("Point")))?;
        text(&mut xml, "coordinates", &format!("{lon},{lat},0"))?;
        xml.write_event(Event::End(BytesEnd::new("Point")))?;
        for rings in outline.map_or(&[][..], |o| &o.polygons[..]) {
            xml.write_event(Event::Start(BytesStart::new("Polygon")))?;
            for (i, ring) in rings.iter().enumerate() {
                let boundary = if i == 0 {
                    "outerBoundaryIs"
                } else {
                    "innerBoundaryIs"
                };
                xml.write_event(Event::Start(BytesStart::new(boundary)))?;
                xml.write_event(Event::Start(BytesStart::new("LinearRing")))?;
                let points: Vec<String> = ring.iter().map(|[x, y]| format!("{x},{y}")).collect();
                text(&mut xml, "coordinates", &points.join(" "))?;
                xml.write_event(Event::End(BytesEnd::new("LinearRing")))?;
                xml.write_event(Event::End(BytesEnd::new(boundary)))?;
            }
            xml.write_event(Event::End(BytesEnd::new("Polygon")))?;
        }
        if outline.is_some() {
            xml.write_event(Event::End(BytesEnd::new("MultiGeometry")))?;
        }
        xml.write_event(Event::End(BytesEnd::new("Placemark")))?;
    }
    xml.write_event(Event::End(BytesEnd::new("Document")))?;
    xml.write_event(Event::End(BytesEnd::new("kml")))?;
    xml.into_inner().write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kml_holds_only_characters_xml_allows_and_no_unreal_coordinates() {
        let mut hostile = location("\u{0}\u{1b}[31m\u{1}", Some(16.7), Some(98.5));
        hostile.country = "\u{fffe}MM".into();
        let infinite = location("inf", Some(f64::INFINITY), Some(f64::NEG_INFINITY));
        let rows = [&hostile, &infinite].map(|location| LocationRow {
            location,
            stats: LocationStats::default(),
        });
        let mut out = Vec::new();
        write_kml(&mut out, "Evidence", &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        let forbidden = text
            .chars()
            .find(|&c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffe}');
        assert_eq!(forbidden, None, "{text:?}");
        assert!(
            text.contains("Site &lt;\u{fffd}\u{fffd}[31m\u{fffd}&gt;"),
            "{text}"
        );
        assert!(!text.contains("inf"), "{text}");
        let geojson = geojson(&rows).to_string();
        assert_eq!(geojson.matches("Point").count(), 1, "{geojson}");
        assert!(!geojson.contains("inf"), "{geojson}");
    }

    fn location(id: &str, lat: Option<f64>, lon: Option<f64>) -> Location {
        Location {
            id: id.into(),
            name: format!("Site <{id}> & co"),
            country: "MM".into(),
            lat,
            lon,
            ..Default::default()
        }
    }

    #[test]
    fn geojson_is_a_feature_collection_of_points_lon_first_with_typed_counts() {
        let a = location("a", Some(16.7), Some(98.5));
        let b = location("b", None, None);
        let rows = [
            LocationRow {
                location: &a,
                stats: LocationStats {
                    reports_ip_time: 3,
                    first_match: Some(0),
                    ..Default::default()
                },
            },
            LocationRow {
                location: &b,
                stats: LocationStats::default(),
            },
        ];
        let doc = geojson(&rows);
        assert_eq!(doc["type"], "FeatureCollection");
        let features = doc["features"].as_array().unwrap();
        assert_eq!(
            features.len(),
            1,
            "a location without coordinates is left out"
        );
        let f = &features[0];
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        assert_eq!(f["geometry"]["coordinates"], json!([98.5, 16.7]));
        assert!(f["properties"]["reports_ip_time"].is_u64());
        assert_eq!(f["properties"]["reports_ip_time"], 3);
        assert_eq!(f["properties"]["first_match"], "1970-01-01T00:00:00Z");
        assert!(f["properties"]["last_match"].is_null());
        assert!(f["properties"]["name"].is_string());
    }

    #[test]
    fn kml_escapes_names_and_reads_back() {
        let a = location("a", Some(16.7), Some(98.5));
        let rows = [LocationRow {
            location: &a,
            stats: LocationStats::default(),
        }];
        let mut out = Vec::new();
        write_kml(&mut out, "Evidence", &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Site &lt;a&gt; &amp; co"), "{text}");
        assert!(text.contains("<coordinates>98.5,16.7,0</coordinates>"));
        // Well-formed: quick-xml reads it to the end without an error.
        let mut reader = quick_xml::Reader::from_str(&text);
        loop {
            match reader.read_event().unwrap() {
                Event::Eof => break,
                _ => continue,
            }
        }
    }
}
