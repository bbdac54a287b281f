//! `misp_event.json`: one MISP event per export (the MISP core format). Each location is
//! a `geolocation` object; each observation an `ip-port` object that references it,
//! with `ip-src` attributes (first_seen/last_seen) that carry the matched events as
//! sightings; the event is tagged with its TLP. What MISP has no field for is kept in
//! `compound-atlas:` machine tags (docs/formats.md), so that reading the event back
//! gives the same list.

use super::intel::{Intel, block_text, observation_key, ports_text, rfc3339, stable_uuid};
use crate::ingest::locations::misp::{
    TAG_CONFIDENCE, TAG_EXTRA, TAG_FIRST_SEEN, TAG_LAST_SEEN, TAG_LOCATION_ID, TAG_PORTS,
    TAG_RANGE, TAG_SOURCE,
};
use crate::model::{Location, Observation};
use crate::values::address::format_address_set;
use crate::values::address::{AddressSet, cidr_blocks};
use crate::values::time::NANOS_PER_SECOND;
use crate::values::time::Nanos;
use chrono::{DateTime, SecondsFormat};
use serde_json::{Value, json};

fn uuid(what: &str) -> String {
    stable_uuid(&format!("misp:{what}"))
}

fn tag(name: &str) -> Value {
    json!({ "name": name })
}

/// A machine tag `name="value"` (quotes in the value become apostrophes).
fn machine_tag(name: &str, value: &str) -> Value {
    tag(&format!("{name}=\"{}\"", value.replace('"', "'")))
}

fn epoch_seconds(nanos: Nanos) -> String {
    nanos.div_euclid(NANOS_PER_SECOND).to_string()
}

/// MISP's own time form (microseconds), and whether it is the time exactly.
fn misp_time(nanos: Nanos) -> (String, bool) {
    let text = DateTime::from_timestamp_nanos(nanos).to_rfc3339_opts(SecondsFormat::Micros, false);
    (text, nanos % 1000 == 0)
}

/// The event as JSON.
pub fn event(intel: &Intel) -> Value {
    let mut objects = Vec::new();
    for &l in &intel.locations {
        let location = &intel.dataset.locations[l as usize];
        let geo = uuid(&format!("geolocation:{}", location.id));
        objects.push(geolocation(location, &geo));
        for (ordinal, (index, observation)) in intel.observations_of(l).enumerate() {
            let key = observation_key(&location.id, ordinal, &observation);
            objects.push(ip_port(intel, &observation, index, &key, &geo));
        }
    }
    let titles: Vec<&str> = intel
        .locations
        .iter()
        .map(|&l| intel.dataset.locations[l as usize].id.as_str())
        .collect();
    let created = DateTime::from_timestamp_nanos(intel.created);
    json!({
        "Event": {
            "uuid": uuid(&format!("event:{}:{}", intel.title, titles.join(","))),
            "info": intel.title,
            "date": created.format("%Y-%m-%d").to_string(),
            "timestamp": epoch_seconds(intel.created),
            "threat_level_id": "4",
            "analysis": "2",
            "distribution": "0",
            "published": false,
            "Orgc": { "name": intel.organisation },
            "Tag": [tag(intel.tlp.tag())],
            "Object": objects,
        }
    })
}

fn object_attribute(relation: &str, kind: &str, value: String) -> Value {
    json!({
        "object_relation": relation,
        "type": kind,
        "category": "Other",
        "value": value,
        "to_ids": false,
        "disable_correlation": true,
    })
}

fn geolocation(location: &Location, uuid: &str) -> Value {
    let mut name = object_attribute("text", "text", location.name.clone());
    let mut tags = vec![machine_tag(TAG_LOCATION_ID, &location.id)];
    tags.extend(extra_tags(&location.extras));
    name["Tag"] = json!(tags);
    let mut attributes = vec![name];
    if let (Some(lat), Some(lon)) = (location.lat, location.lon) {
        attributes.push(object_attribute("latitude", "float", lat.to_string()));
        attributes.push(object_attribute("longitude", "float", lon.to_string()));
    }
    if !location.country.is_empty() {
        attributes.push(object_attribute(
            "country",
            "text",
            location.country.clone(),
        ));
    }
    json!({
        "name": "geolocation",
        "meta-category": "misc",
        "description": "An object to describe a geographic location.",
        "uuid": uuid,
        "Attribute": attributes,
    })
}

/// One observation: its exact CIDR blocks as `ip-src` attributes, its port.
fn ip_port(intel: &Intel, o: &Observation, index: usize, key: &str, geo: &str) -> Value {
    let blocks = cidr_blocks(o.addresses);
    let own = uuid(&format!("ip-port:{key}"));
    let mut tags = observation_tags(o, blocks.len() > 1);
    let window = window_fields(o, &mut tags);
    let mut attributes: Vec<Value> = blocks
        .iter()
        .enumerate()
        .map(|(i, &block)| {
            let mut attribute = json!({
                "uuid": uuid(&format!("ip-src:{key}:{i}")),
                "object_relation": "ip-src",
                "type": "ip-src",
                "category": "Network activity",
                "value": block_text(block),
                "to_ids": false,
                "comment": o.notes,
                "Tag": tags,
                "Sighting": sightings(intel, index, key, block),
            });
            for (k, v) in &window {
                attribute[k.as_str()] = json!(v);
            }
            attribute
        })
        .collect();
    if let Some(p) = o.ports.filter(|p| p.first == p.last) {
        let mut port = object_attribute("src-port", "port", p.first.to_string());
        port["category"] = json!("Network activity");
        attributes.push(port);
    }
    json!({
        "name": "ip-port",
        "meta-category": "network",
        "description": "An IP address (or domain or hostname) and a port seen as a tuple (or as a triple) in a specific time frame.",
        "uuid": own,
        "Attribute": attributes,
        "ObjectReference": [{
            "uuid": uuid(&format!("located-at:{key}")),
            "object_uuid": own,
            "referenced_uuid": geo,
            "relationship_type": "located-at",
        }],
    })
}

/// Tags for what an attribute has no field for.
fn observation_tags(o: &Observation, split: bool) -> Vec<Value> {
    let mut tags = Vec::new();
    if o.shared {
        tags.push(tag(crate::ingest::locations::stix::SHARED_LABEL));
    }
    if let Some(p) = o.ports.filter(|p| p.first != p.last) {
        tags.push(machine_tag(TAG_PORTS, &ports_text(p.first, p.last)));
    }
    if split {
        tags.push(machine_tag(TAG_RANGE, &format_address_set(o.addresses)));
    }
    if !o.source.is_empty() {
        tags.push(machine_tag(TAG_SOURCE, &o.source));
    }
    if !o.confidence.is_empty() {
        tags.push(machine_tag(TAG_CONFIDENCE, &o.confidence));
    }
    tags.extend(extra_tags(&o.extras));
    tags
}

fn extra_tags(extras: &[(String, String)]) -> Vec<Value> {
    extras
        .iter()
        .map(|(name, value)| machine_tag(&format!("{TAG_EXTRA}{name}"), value))
        .collect()
}

/// `first_seen`/`last_seen` in MISP's form; a time finer than a microsecond is also
/// kept exactly in a tag.
fn window_fields(o: &Observation, tags: &mut Vec<Value>) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for (key, tag_name, time) in [
        ("first_seen", TAG_FIRST_SEEN, o.first_seen),
        ("last_seen", TAG_LAST_SEEN, o.last_seen),
    ] {
        let Some(time) = time else { continue };
        let (text, exact) = misp_time(time);
        fields.push((key.to_string(), text));
        if !exact {
            tags.push(machine_tag(tag_name, &rfc3339(time)));
        }
    }
    fields
}

/// One sighting per matched event whose address is in `block`; its source is the
/// report when asked for.
fn sightings(intel: &Intel, index: usize, key: &str, block: AddressSet) -> Vec<Value> {
    let Some(s) = &intel.sightings[index] else {
        return Vec::new();
    };
    s.events
        .iter()
        .enumerate()
        .filter(|(_, (_, _, address))| (block.first..=block.last).contains(address))
        .map(|(i, &(time, report, _))| {
            let source = if intel.report_ids {
                intel.report_id(report)
            } else {
                intel.organisation.as_str()
            };
            json!({
                "uuid": uuid(&format!("sighting:{key}:{i}")),
                "type": "0",
                "date_sighting": epoch_seconds(time),
                "source": source,
            })
        })
        .collect()
}
