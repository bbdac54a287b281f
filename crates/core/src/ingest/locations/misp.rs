//! MISP events (the MISP core format: `{"Event": …}`, a list of them, or the
//! `{"response": […]}` of MISP's API) as location lists. An event is a location: its
//! `geolocation` object gives the coordinates and country (and, in `text`, the name;
//! else `Event.info`); its `ip-src`/`ip-dst` (and `|port`) attributes and `ip-port`
//! objects are the observations. An event with several geolocation objects places
//! each ip object by its object reference; the rest stay with the event's own
//! location. The `compound-atlas:` tags that make a round trip exact are in
//! docs/formats.md.

use super::super::formats::json::scalar_text;
use super::super::formats::ordered::{Json, Object};
use super::super::headers::LocationField;
use super::table::{Draft, Table};

/// The tag that marks shared infrastructure.
const SHARED_TAG: &str = "shared-infrastructure";
/// Machine tags this program writes, for what MISP has no field for.
pub const TAG_LOCATION_ID: &str = "compound-atlas:location-id";
pub const TAG_PORTS: &str = "compound-atlas:ports";
pub const TAG_RANGE: &str = "compound-atlas:range";
pub const TAG_SOURCE: &str = "compound-atlas:source";
pub const TAG_CONFIDENCE: &str = "compound-atlas:confidence";
/// An extra attribute: `compound-atlas:extra:NAME="value"`.
pub const TAG_EXTRA: &str = "compound-atlas:extra:";
/// A window end finer than MISP's microseconds, exactly.
pub const TAG_FIRST_SEEN: &str = "compound-atlas:first-seen";
pub const TAG_LAST_SEEN: &str = "compound-atlas:last-seen";

fn text<'a>(object: &'a Object, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

fn list<'a>(object: &'a Object, key: &str) -> &'a [Json] {
    match object.get(key) {
        Some(Json::Array(items)) => items,
        _ => &[],
    }
}

fn objects(items: &[Json]) -> impl Iterator<Item = (usize, &Object)> {
    items.iter().enumerate().filter_map(|(i, item)| match item {
        Json::Object(o) => Some((i, o)),
        _ => None,
    })
}

/// The tag names on an event, attribute or object.
fn tags(object: &Object) -> Vec<&str> {
    objects(list(object, "Tag"))
        .filter_map(|(_, t)| text(t, "name"))
        .collect()
}

/// The value of a machine tag `name="value"` among `tags`.
fn machine_tag<'a>(tags: &[&'a str], name: &str) -> Option<&'a str> {
    tags.iter().find_map(|t| {
        let value = t.strip_prefix(name)?.strip_prefix("=\"")?;
        value.strip_suffix('"')
    })
}

/// Extra attributes kept as tags `compound-atlas:extra:NAME="value"`.
fn extra_tags(tags: &[&str]) -> Vec<(String, String)> {
    tags.iter()
        .filter_map(|tag| {
            let (name, value) = tag.strip_prefix(TAG_EXTRA)?.split_once("=\"")?;
            let value = value.strip_suffix('"').unwrap_or(value);
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

/// Read a parsed document into `table`.
pub(crate) fn read(root: &Json, table: &mut Table) {
    let events: Vec<(String, &Object)> = match root {
        Json::Object(o) if o.contains_key("Event") => event_of(o, "Event").into_iter().collect(),
        Json::Object(o) => match o.get("response") {
            Some(Json::Array(items)) => wrapped(items, "response"),
            Some(Json::Object(inner)) => event_of(inner, "response.Event").into_iter().collect(),
            _ => Vec::new(),
        },
        Json::Array(items) => wrapped(items, "$"),
        _ => Vec::new(),
    };
    if events.is_empty() {
        table.reject(0, "$", "", "the document holds no MISP Event".into());
    }
    for (place, event) in events {
        read_event(event, &place, table);
    }
}

fn event_of<'a>(wrapper: &'a Object, place: &str) -> Option<(String, &'a Object)> {
    match wrapper.get("Event") {
        Some(Json::Object(event)) => Some((place.to_string(), event)),
        _ => None,
    }
}

fn wrapped<'a>(items: &'a [Json], place: &str) -> Vec<(String, &'a Object)> {
    objects(items)
        .filter_map(|(i, item)| event_of(item, &format!("{place}[{i}].Event")))
        .collect()
}

/// A geolocation object's place, name and values.
struct Geolocation<'a> {
    uuid: Option<&'a str>,
    place: String,
    object: &'a Object,
}

impl Geolocation<'_> {
    fn value(&self, relation: &str) -> Option<(String, String)> {
        objects(list(self.object, "Attribute")).find_map(|(i, a)| {
            (text(a, "object_relation") == Some(relation)).then(|| {
                let value = a
                    .get("value")
                    .map(|v| scalar_text(v).into_owned())
                    .unwrap_or_default();
                (value, format!("{}.Attribute[{i}].value", self.place))
            })
        })
    }

    fn location_id(&self) -> Option<String> {
        objects(list(self.object, "Attribute"))
            .find_map(|(_, a)| machine_tag(&tags(a), TAG_LOCATION_ID).map(str::to_string))
    }

    /// The location's extra attributes, as this program's export tags its name.
    fn extras(&self) -> Vec<(String, String)> {
        objects(list(self.object, "Attribute"))
            .flat_map(|(_, a)| extra_tags(&tags(a)))
            .collect()
    }
}

fn read_event(event: &Object, place: &str, table: &mut Table) {
    let info = text(event, "info").unwrap_or("");
    let event_tags = tags(event);
    let shared_event = event_tags.contains(&SHARED_TAG);
    let geolocations: Vec<Geolocation> = objects(list(event, "Object"))
        .filter(|(_, o)| text(o, "name") == Some("geolocation"))
        .map(|(i, o)| Geolocation {
            uuid: text(o, "uuid"),
            place: format!("{place}.Object[{i}]"),
            object: o,
        })
        .collect();
    let single = (geolocations.len() == 1).then(|| &geolocations[0]);
    let describe = |table: &mut Table, geo: Option<&Geolocation>| {
        let mut draft = table.draft(0, place.to_string());
        let name = geo
            .and_then(|g| g.value("text"))
            .unwrap_or_else(|| (info.to_string(), format!("{place}.info")));
        draft.set_field(LocationField::Name, name.0, name.1);
        if let Some(geo) = geo {
            draft.set_location_extras(geo.extras());
            if let Some(id) = geo.location_id() {
                draft.set_field(LocationField::LocationId, id, geo.place.clone());
            }
            for (relation, field) in [
                ("latitude", LocationField::Lat),
                ("longitude", LocationField::Lon),
                ("country", LocationField::Country),
            ] {
                if let Some((value, at)) = geo.value(relation) {
                    draft.set_field(field, value, at);
                }
            }
        }
        draft
    };
    let mut rows_of: Vec<usize> = vec![0; geolocations.len() + 1];
    let mut unplaced = 0;
    let mut ranges_read: Vec<(Option<usize>, String)> = Vec::new();
    let mut add = |table: &mut Table, geo: Option<usize>, attribute: Observed| {
        if let Some(range) = &attribute.range {
            // One observation written as several CIDR attributes: read once.
            if ranges_read.contains(&(geo, range.clone())) {
                return;
            }
            ranges_read.push((geo, range.clone()));
        }
        let location = geo.map(|g| &geolocations[g]).or(single);
        let mut draft = describe(table, location);
        attribute.fill(&mut draft, shared_event, table);
        table.push(draft);
        rows_of[geo.map_or(geolocations.len(), |g| g)] += 1;
    };
    for (i, attribute) in objects(list(event, "Attribute")) {
        if let Some(observed) =
            Observed::of_attribute(attribute, &format!("{place}.Attribute[{i}]"))
        {
            if geolocations.len() > 1 {
                unplaced += 1;
            }
            add(table, None, observed);
        }
    }
    for (i, object) in objects(list(event, "Object")) {
        if text(object, "name") != Some("ip-port") {
            continue;
        }
        let at = format!("{place}.Object[{i}]");
        let referenced = objects(list(object, "ObjectReference")).find_map(|(_, r)| {
            let uuid = text(r, "referenced_uuid")?;
            geolocations.iter().position(|g| g.uuid == Some(uuid))
        });
        if referenced.is_none() && geolocations.len() > 1 {
            unplaced += 1;
        }
        for observed in Observed::of_ip_port(object, &at, table) {
            add(table, referenced, observed);
        }
    }
    if unplaced > 0 {
        let why = format!(
            "{unplaced} addresses are not tied to one of the event's {} geolocation objects (by an object reference); they were kept under a location named after the event's info, without coordinates",
            geolocations.len()
        );
        table.warning(0, place, info, why);
    }
    // A geolocation with no addresses, or an event with none, is a location of its own.
    for (g, geo) in geolocations.iter().enumerate() {
        if rows_of[g] == 0 && !(single.is_some() && rows_of[geolocations.len()] > 0) {
            let draft = describe(table, Some(geo));
            table.push(draft);
        }
    }
    if geolocations.is_empty() && rows_of[0] == 0 {
        let draft = describe(table, None);
        table.push(draft);
    }
}

/// One address as an attribute or object gives it.
struct Observed {
    place: String,
    address: String,
    port: Option<String>,
    range: Option<String>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    comment: Option<String>,
    tags: Vec<String>,
}

const ADDRESS_TYPES: [&str; 4] = ["ip-src", "ip-dst", "ip-src|port", "ip-dst|port"];

impl Observed {
    fn of_attribute(attribute: &Object, place: &str) -> Option<Observed> {
        let kind = text(attribute, "type")?;
        if !ADDRESS_TYPES.contains(&kind) {
            return None;
        }
        let value = text(attribute, "value").unwrap_or("");
        let (address, port) = match value.rsplit_once('|').filter(|_| kind.ends_with("|port")) {
            Some((address, port)) => (address, Some(port.to_string())),
            None => (value, None),
        };
        Some(Observed::new(attribute, place, address.to_string(), port))
    }

    fn new(carrier: &Object, place: &str, address: String, port: Option<String>) -> Observed {
        let tags: Vec<String> = tags(carrier).into_iter().map(str::to_string).collect();
        let tag_refs: Vec<&str> = tags.iter().map(String::as_str).collect();
        Observed {
            place: place.to_string(),
            address,
            port,
            range: machine_tag(&tag_refs, TAG_RANGE).map(str::to_string),
            first_seen: text(carrier, "first_seen").map(str::to_string),
            last_seen: text(carrier, "last_seen").map(str::to_string),
            comment: text(carrier, "comment").map(str::to_string),
            tags,
        }
    }

    /// The addresses of an `ip-port` object: each address relation with the port.
    fn of_ip_port(object: &Object, place: &str, table: &mut Table) -> Vec<Observed> {
        let attributes: Vec<(usize, &Object)> = objects(list(object, "Attribute")).collect();
        fn relation(a: &Object) -> &str {
            text(a, "object_relation").unwrap_or("")
        }
        let port = attributes
            .iter()
            .find(|(_, a)| matches!(relation(a), "src-port" | "dst-port"))
            .and_then(|(_, a)| a.get("value").map(|v| scalar_text(v).into_owned()));
        let found: Vec<Observed> = attributes
            .iter()
            .filter(|(_, a)| matches!(relation(a), "ip" | "ip-src" | "ip-dst"))
            .map(|(i, a)| {
                let mut observed = Observed::new(
                    a,
                    &format!("{place}.Attribute[{i}]"),
                    text(a, "value").unwrap_or("").to_string(),
                    port.clone(),
                );
                // The object's own window, comment and tags stand for its attributes'.
                observed.first_seen = observed
                    .first_seen
                    .or_else(|| text(object, "first_seen").map(str::to_string));
                observed.last_seen = observed
                    .last_seen
                    .or_else(|| text(object, "last_seen").map(str::to_string));
                observed.comment = observed
                    .comment
                    .or_else(|| text(object, "comment").map(str::to_string));
                observed
            })
            .collect();
        if found.is_empty() {
            table.warning(
                0,
                place,
                "",
                "an ip-port object without an ip, ip-src or ip-dst attribute; it was not read"
                    .into(),
            );
        }
        found
    }

    fn fill(self, draft: &mut Draft, shared_event: bool, table: &mut Table) {
        let tags: Vec<&str> = self.tags.iter().map(String::as_str).collect();
        let place = |key: &str| format!("{}.{key}", self.place);
        let address = self.range.clone().unwrap_or(self.address.clone());
        draft.set_field(LocationField::Ip, address, place("value"));
        let ports = machine_tag(&tags, TAG_PORTS)
            .map(str::to_string)
            .or(self.port.clone());
        if let Some(ports) = ports {
            draft.set_field(LocationField::Ports, ports, place("value"));
        }
        let first_seen = machine_tag(&tags, TAG_FIRST_SEEN)
            .map(str::to_string)
            .or(self.first_seen.clone());
        let last_seen = machine_tag(&tags, TAG_LAST_SEEN)
            .map(str::to_string)
            .or(self.last_seen.clone());
        for (value, key, field) in [
            (&first_seen, "first_seen", LocationField::FirstSeen),
            (&last_seen, "last_seen", LocationField::LastSeen),
            (&self.comment, "comment", LocationField::Notes),
        ] {
            if let Some(value) = value {
                draft.set_field(field, value.clone(), place(key));
            }
        }
        let shared = shared_event || tags.contains(&SHARED_TAG);
        draft.set_field(LocationField::Shared, shared.to_string(), place("Tag"));
        for (tag, field) in [
            (TAG_SOURCE, LocationField::Source),
            (TAG_CONFIDENCE, LocationField::Confidence),
        ] {
            if let Some(value) = machine_tag(&tags, tag) {
                draft.set_field(field, value.to_string(), place("Tag"));
            }
        }
        for (name, value) in extra_tags(&tags) {
            draft.set_extra(table, &name, value, place("Tag"));
        }
    }
}
