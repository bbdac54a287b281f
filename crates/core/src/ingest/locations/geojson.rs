//! GeoJSON (RFC 7946) location lists: each Feature is one row of the CSV contract, its
//! properties the columns and its geometry the coordinates (a Point) or the outline
//! (a Polygon or MultiPolygon, whose centroid is the marker).

use super::super::formats::json::scalar_text;
use super::super::formats::ordered::{Json, Object};
use super::super::headers::{LocationField, normalize_header};
use super::table::{Draft, Table};
use crate::model::{Outline, Ring};

/// Read a parsed GeoJSON document into `table`.
pub(crate) fn read(root: &Json, table: &mut Table) {
    let Json::Object(object) = root else { return };
    match object.get("type").and_then(Json::as_str) {
        Some("Feature") => read_feature(object, "$", table),
        _ => match object.get("features") {
            Some(Json::Array(features)) => {
                for (i, feature) in features.iter().enumerate() {
                    let place = format!("features[{i}]");
                    match feature {
                        Json::Object(f) => read_feature(f, &place, table),
                        other => table.reject(
                            0,
                            &place,
                            &other.to_string(),
                            "a feature is not a JSON object".into(),
                        ),
                    }
                }
            }
            _ => table.reject(
                0,
                "features",
                "",
                "the FeatureCollection has no \"features\" list".into(),
            ),
        },
    }
}

/// One feature: a row, or one row per member of its `observations` list.
fn read_feature(feature: &Object, place: &str, table: &mut Table) {
    let empty = Object::default();
    let properties = match feature.get("properties") {
        Some(Json::Object(p)) => p,
        None | Some(Json::Null) => &empty,
        Some(other) => {
            let at = format!("{place}.properties");
            table.reject(
                0,
                &at,
                &other.to_string(),
                "properties is not an object".into(),
            );
            return;
        }
    };
    let observations = properties
        .iter()
        .find(|(k, _)| normalize_header(k) == "observations");
    let geometry = feature.get("geometry");
    let Some((key, Json::Array(list))) = observations else {
        let mut draft = table.draft(0, place.to_string());
        set_properties(
            &mut draft,
            properties,
            &format!("{place}.properties"),
            table,
        );
        set_geometry(&mut draft, geometry, &format!("{place}.geometry"));
        table.push(draft);
        return;
    };
    for (i, observation) in list.iter().enumerate() {
        let at = format!("{place}.properties.{key}[{i}]");
        let Json::Object(members) = observation else {
            table.reject(
                0,
                &at,
                &observation.to_string(),
                "an observation is not a JSON object".into(),
            );
            continue;
        };
        let mut draft = table.draft(0, at.clone());
        set_properties(&mut draft, members, &at, table);
        // The feature's own properties describe the location; the observation's own
        // values come first.
        let rest: Vec<(&String, &Json)> = properties.iter().filter(|(k, _)| *k != key).collect();
        for (name, value) in rest {
            if !field_given(&draft, name) {
                let text = scalar_text(value).into_owned();
                if !text.is_empty() {
                    draft.set(table, name, text, format!("{place}.properties.{name}"));
                }
            }
        }
        set_geometry(&mut draft, geometry, &format!("{place}.geometry"));
        table.push(draft);
    }
}

/// Whether the row already has the field `name` stands for.
fn field_given(draft: &Draft, name: &str) -> bool {
    let key = normalize_header(name);
    LocationField::ALL
        .iter()
        .find(|f| f.names().iter().any(|a| normalize_header(a) == key))
        .is_some_and(|&f| draft.has_field(f))
}

fn set_properties(draft: &mut Draft, members: &Object, place: &str, table: &mut Table) {
    for (name, value) in members.iter() {
        let text = scalar_text(value).into_owned();
        if !text.is_empty() {
            draft.set(table, name, text, format!("{place}.{name}"));
        }
    }
}

/// A Point's coordinates, or a polygon's outline; other geometries are named in a warning.
fn set_geometry(draft: &mut Draft, geometry: Option<&Json>, place: &str) {
    let Some(Json::Object(geometry)) = geometry else {
        return;
    };
    let kind = geometry.get("type").and_then(Json::as_str).unwrap_or("");
    let coordinates = geometry.get("coordinates");
    let read = match kind {
        "Point" => position(coordinates).map(|[lon, lat]| {
            draft.set_field(LocationField::Lat, lat.to_string(), place.to_string());
            draft.set_field(LocationField::Lon, lon.to_string(), place.to_string());
        }),
        "Polygon" => polygon(coordinates)
            .map(|p| vec![p])
            .and_then(|p| outline(draft, p)),
        "MultiPolygon" => match coordinates {
            Some(Json::Array(items)) => items
                .iter()
                .map(|p| polygon(Some(p)))
                .collect::<Result<Vec<_>, _>>()
                .and_then(|p| outline(draft, p)),
            _ => Err("its coordinates are not a list of polygons".into()),
        },
        "GeometryCollection" => {
            if let Some(Json::Array(parts)) = geometry.get("geometries") {
                for (i, part) in parts.iter().enumerate() {
                    set_geometry(draft, Some(part), &format!("{place}.geometries[{i}]"));
                }
            }
            Ok(())
        }
        other => Err(format!(
            "a {other} is not a point or an outline; the geometry was not read"
        )),
    };
    if let Err(why) = read {
        draft.warn(
            place,
            kind,
            format!("the {kind} geometry cannot be read: {why}"),
        );
    }
}

fn outline(draft: &mut Draft, polygons: Vec<Vec<Ring>>) -> Result<(), String> {
    let outline = Outline::new(polygons).ok_or("its rings have fewer than 3 points")?;
    draft.set_outline(outline);
    Ok(())
}

/// `[lon, lat]` (an altitude after them is ignored), in range.
fn position(value: Option<&Json>) -> Result<[f64; 2], String> {
    let Some(Json::Array(items)) = value else {
        return Err("a position is not a list of numbers".into());
    };
    let number = |i: usize| match items.get(i) {
        Some(Json::Number(n)) => n.as_f64().filter(|f| f.is_finite()),
        _ => None,
    };
    match (number(0), number(1)) {
        (Some(lon), Some(lat)) if lon.abs() <= 180.0 && lat.abs() <= 90.0 => Ok([lon, lat]),
        (Some(_), Some(_)) => Err(format!(
            "the position {} is out of range",
            Json::Array(items.clone())
        )),
        _ => Err("a position is not [longitude, latitude]".into()),
    }
}

/// A polygon: a list of rings, each a list of positions.
fn polygon(value: Option<&Json>) -> Result<Vec<Ring>, String> {
    let Some(Json::Array(rings)) = value else {
        return Err("a polygon is not a list of rings".into());
    };
    rings
        .iter()
        .map(|ring| match ring {
            Json::Array(points) => points.iter().map(|p| position(Some(p))).collect(),
            _ => Err("a ring is not a list of positions".into()),
        })
        .collect()
}
