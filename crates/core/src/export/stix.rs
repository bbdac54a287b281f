//! `stix_bundle.json`: a STIX 2.1 bundle of the exported locations (infrastructure,
//! location, `located-at`), their observations as indicators (`indicates`) and a
//! sighting per observation with matches. What STIX cannot say is kept in
//! `x_compound_atlas_…` properties (docs/formats.md), so that reading the bundle back
//! gives the same list.

use super::intel::{
    Intel, Tlp, blocks_text, observation_key, ports_text, rfc3339, rfc3339_millis, stable_uuid,
};
use crate::ingest::locations::stix::SHARED_LABEL;
use crate::model::{Location, Observation};
use serde_json::{Map, Value, json};

/// The STIX id of `kind` for `what`.
fn id(kind: &str, what: &str) -> String {
    format!("{kind}--{}", stable_uuid(&format!("stix:{kind}:{what}")))
}

/// The bundle as JSON.
pub fn bundle(intel: &Intel) -> Value {
    let created = rfc3339_millis(intel.created);
    let mut objects = tlp_markings(intel.tlp, &created);
    let markings: Vec<Value> = objects.iter().map(|m| m["id"].clone()).collect();
    let common = |kind: &str, id: &str| {
        let mut object = Map::new();
        object.insert("type".into(), json!(kind));
        object.insert("spec_version".into(), json!("2.1"));
        object.insert("id".into(), json!(id));
        object.insert("created".into(), json!(created));
        object.insert("modified".into(), json!(created));
        object.insert("object_marking_refs".into(), json!(markings));
        object
    };
    let identity = id("identity", &intel.organisation);
    let mut me = common("identity", &identity);
    me.insert("name".into(), json!(intel.organisation));
    me.insert("identity_class".into(), json!("organization"));
    objects.push(Value::Object(me));
    for &l in &intel.locations {
        let location = &intel.dataset.locations[l as usize];
        objects.extend(location_objects(location, &common));
        let infrastructure = id("infrastructure", &location.id);
        for (ordinal, (index, observation)) in intel.observations_of(l).enumerate() {
            let key = observation_key(&location.id, ordinal, &observation);
            let indicator = id("indicator", &key);
            let mut object = common("indicator", &indicator);
            indicator_properties(&mut object, location, &observation);
            objects.push(Value::Object(object));
            let mut relation = common(
                "relationship",
                &id("relationship", &format!("indicates:{key}")),
            );
            relation.insert("relationship_type".into(), json!("indicates"));
            relation.insert("source_ref".into(), json!(indicator));
            relation.insert("target_ref".into(), json!(infrastructure));
            objects.push(Value::Object(relation));
            if let Some(s) = &intel.sightings[index] {
                let mut sighting = common("sighting", &id("sighting", &key));
                sighting.insert("sighting_of_ref".into(), json!(indicator));
                sighting.insert("count".into(), json!(s.count.min(999_999_999)));
                sighting.insert("first_seen".into(), json!(rfc3339(s.first)));
                sighting.insert("last_seen".into(), json!(rfc3339(s.last)));
                sighting.insert("where_sighted_refs".into(), json!([identity]));
                if intel.report_ids {
                    let ids: Vec<&str> = s.reports.iter().map(|&r| intel.report_id(r)).collect();
                    sighting.insert("x_compound_atlas_report_ids".into(), json!(ids));
                }
                objects.push(Value::Object(sighting));
            }
        }
    }
    let every_id: Vec<&str> = objects.iter().filter_map(|o| o["id"].as_str()).collect();
    json!({
        "type": "bundle",
        "id": id("bundle", &every_id.join(",")),
        "objects": objects,
    })
}

/// The marking definitions every object of the bundle refers to: the TLP marking STIX 2.1
/// defines (TLP 1.0, so TLP:CLEAR is its TLP:WHITE), and for TLP:AMBER+STRICT, which
/// STIX 2.1 has no marking for, TLP:AMBER with a statement that narrows it.
fn tlp_markings(tlp: Tlp, created: &str) -> Vec<Value> {
    let (uuid, level) = match tlp {
        Tlp::Clear => ("613f2e26-407d-48c7-9eca-b8e91df99dc9", "white"),
        Tlp::Green => ("34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"),
        Tlp::Amber | Tlp::AmberStrict => ("f88d31f6-486f-44da-b317-01333bde0b82", "amber"),
        Tlp::Red => ("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"),
    };
    // The predefined objects exactly as the specification gives them (section 7.2.1.4).
    let mut markings = vec![json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": format!("marking-definition--{uuid}"),
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": format!("TLP:{}", level.to_uppercase()),
        "definition": { "tlp": level },
    })];
    if tlp == Tlp::AmberStrict {
        markings.push(json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": id("marking-definition", "tlp:amber+strict"),
            "created": created,
            "name": "TLP:AMBER+STRICT",
            "definition_type": "statement",
            "definition": {
                "statement": "TLP:AMBER+STRICT: recipients may share this only within their own organisation, on a need-to-know basis."
            },
        }));
    }
    markings
}

/// The infrastructure that stands for a location and, where it has coordinates or a
/// country, the location object it is `located-at`.
fn location_objects(
    location: &Location,
    common: &dyn Fn(&str, &str) -> Map<String, Value>,
) -> Vec<Value> {
    let infrastructure = id("infrastructure", &location.id);
    let mut object = common("infrastructure", &infrastructure);
    object.insert("name".into(), json!(location.name));
    object.insert("x_compound_atlas_location_id".into(), json!(location.id));
    if !location.extras.is_empty() {
        let extras: Map<String, Value> = location
            .extras
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        object.insert("x_compound_atlas_extras".into(), Value::Object(extras));
    }
    let mut out = vec![Value::Object(object)];
    let point = location
        .lat
        .zip(location.lon)
        .filter(|(lat, lon)| lat.is_finite() && lon.is_finite());
    if point.is_none() && location.country.is_empty() {
        return out;
    }
    let place = id("location", &location.id);
    let mut object = common("location", &place);
    object.insert("name".into(), json!(location.name));
    if let Some((lat, lon)) = point {
        object.insert("latitude".into(), json!(lat));
        object.insert("longitude".into(), json!(lon));
    }
    if !location.country.is_empty() {
        object.insert("country".into(), json!(location.country));
    }
    out.push(Value::Object(object));
    let mut relation = common(
        "relationship",
        &id("relationship", &format!("located-at:{}", location.id)),
    );
    relation.insert("relationship_type".into(), json!("located-at"));
    relation.insert("source_ref".into(), json!(infrastructure));
    relation.insert("target_ref".into(), json!(place));
    out.push(Value::Object(relation));
    out
}

/// The STIX pattern of an observation: its exact CIDR blocks joined by OR, with the
/// source port range when it has one.
pub fn pattern(observation: &Observation) -> String {
    let (blocks, v4) = blocks_text(observation.addresses);
    let family = if v4 { "ipv4-addr" } else { "ipv6-addr" };
    let comparison = |path: &str, block: &str| {
        let op = if block.contains('/') { "ISSUBSET" } else { "=" };
        format!("{path} {op} '{block}'")
    };
    let Some(ports) = observation.ports else {
        let path = format!("{family}:value");
        let alternatives: Vec<String> = blocks.iter().map(|b| comparison(&path, b)).collect();
        return format!("[{}]", alternatives.join(" OR "));
    };
    let path = "network-traffic:src_ref.value";
    let alternatives: Vec<String> = blocks.iter().map(|b| comparison(path, b)).collect();
    let addresses = if alternatives.len() == 1 {
        alternatives[0].clone()
    } else {
        format!("({})", alternatives.join(" OR "))
    };
    let port = if ports.first == ports.last {
        format!("network-traffic:src_port = {}", ports.first)
    } else {
        format!(
            "network-traffic:src_port >= {} AND network-traffic:src_port <= {}",
            ports.first, ports.last
        )
    };
    format!("[network-traffic:src_ref.type = '{family}' AND {addresses} AND {port}]")
}

fn indicator_properties(object: &mut Map<String, Value>, location: &Location, o: &Observation) {
    let (blocks, _) = blocks_text(o.addresses);
    let addresses = crate::values::address::format_address_set(o.addresses);
    let ports = o.ports.map(|p| ports_text(p.first, p.last));
    let name = match &ports {
        Some(ports) => format!("{}: {addresses} port {ports}", location.name),
        None => format!("{}: {addresses}", location.name),
    };
    object.insert("name".into(), json!(name));
    object.insert("indicator_types".into(), json!(["attribution"]));
    object.insert("pattern".into(), json!(pattern(o)));
    object.insert("pattern_type".into(), json!("stix"));
    object.insert("pattern_version".into(), json!("2.1"));
    // STIX requires a start: an open one is the epoch, marked so that it reads back open.
    match o.first_seen {
        Some(first) => object.insert("valid_from".into(), json!(rfc3339(first))),
        None => {
            object.insert("x_compound_atlas_no_first_seen".into(), json!(true));
            object.insert("valid_from".into(), json!(rfc3339(0)))
        }
    };
    if let Some(last) = o.last_seen {
        // valid_until must be later than valid_from; an instant window keeps its end here.
        let after_start = o.first_seen.is_none_or(|first| last > first) && last > 0;
        let key = if after_start {
            "valid_until"
        } else {
            "x_compound_atlas_valid_until"
        };
        object.insert(key.into(), json!(rfc3339(last)));
    }
    if o.shared {
        object.insert("labels".into(), json!([SHARED_LABEL]));
    }
    if let Some(c) = stix_confidence(&o.confidence) {
        object.insert("confidence".into(), json!(c));
    }
    if !o.confidence.is_empty()
        && o.confidence.parse::<u8>().ok().map(|c| c.to_string()) != Some(o.confidence.clone())
    {
        object.insert("x_compound_atlas_confidence".into(), json!(o.confidence));
    }
    if !o.notes.is_empty() {
        object.insert("description".into(), json!(o.notes));
    }
    object.insert("x_compound_atlas_notes".into(), json!(o.notes));
    if !o.source.is_empty() {
        object.insert("x_compound_atlas_source".into(), json!(o.source));
    }
    if blocks.len() > 1 {
        object.insert("x_compound_atlas_addresses".into(), json!(addresses));
    }
    if !o.extras.is_empty() {
        let extras: Map<String, Value> = o
            .extras
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        object.insert("x_compound_atlas_extras".into(), Value::Object(extras));
    }
}

/// STIX's 0–100 confidence of a list's confidence: a number as given, or a word on the
/// None/Low/Med/High scale of STIX 2.1 appendix A (low 15, medium 50, high 85).
fn stix_confidence(text: &str) -> Option<u8> {
    if let Ok(c) = text.parse::<u8>() {
        return (c <= 100).then_some(c);
    }
    match text.trim().to_ascii_lowercase().as_str() {
        "none" => Some(0),
        "low" => Some(15),
        "med" | "medium" => Some(50),
        "high" => Some(85),
        _ => None,
    }
}
