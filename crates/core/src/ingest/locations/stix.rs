//! STIX 2.1 bundles as location lists: an infrastructure (or identity, threat-actor)
//! `located-at` a location object is a location; the indicators that `indicates` it
//! are its observations, their patterns' addresses and ports the address sets; the
//! address objects it `consists-of` are observations too. The mapping is in
//! docs/formats.md, with the `x_compound_atlas_…` properties that make a round trip
//! through this program's own export exact.

use super::super::formats::json::scalar_text;
use super::super::formats::ordered::{Json, Object};
use super::super::headers::LocationField;
use super::stix_pattern::{self, Block};
use super::table::{Draft, Table};
use std::collections::HashMap;

/// The object types that can stand for a location.
const HOLDERS: [&str; 3] = ["infrastructure", "identity", "threat-actor"];

/// The label that marks shared infrastructure.
pub const SHARED_LABEL: &str = "shared-infrastructure";

/// A bundle's objects by id, and its relationships.
struct Bundle<'a> {
    objects: Vec<&'a Object>,
    by_id: HashMap<&'a str, &'a Object>,
    /// (relationship type, source id, target id).
    relationships: Vec<(&'a str, &'a str, &'a str)>,
}

fn text<'a>(object: &'a Object, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

impl<'a> Bundle<'a> {
    fn new(objects: &'a [Json]) -> Bundle<'a> {
        let objects: Vec<&Object> = objects
            .iter()
            .filter_map(|o| match o {
                Json::Object(o) => Some(o),
                _ => None,
            })
            .collect();
        let by_id = objects
            .iter()
            .filter_map(|o| Some((text(o, "id")?, *o)))
            .collect();
        let relationships = objects
            .iter()
            .filter(|o| text(o, "type") == Some("relationship"))
            .filter_map(|o| {
                Some((
                    text(o, "relationship_type")?,
                    text(o, "source_ref")?,
                    text(o, "target_ref")?,
                ))
            })
            .collect();
        Bundle {
            objects,
            by_id,
            relationships,
        }
    }

    /// The targets of `kind` relationships from `source`.
    fn targets(&self, kind: &str, source: &str) -> Vec<&'a Object> {
        self.relationships
            .iter()
            .filter(|(k, s, _)| *k == kind && *s == source)
            .filter_map(|(_, _, t)| self.by_id.get(t).copied())
            .collect()
    }

    /// The sources of `kind` relationships to `target`.
    fn sources(&self, kind: &str, target: &str) -> Vec<&'a Object> {
        self.relationships
            .iter()
            .filter(|(k, _, t)| *k == kind && *t == target)
            .filter_map(|(_, s, _)| self.by_id.get(s).copied())
            .collect()
    }

    fn of_type(&self, kind: &'a str) -> impl Iterator<Item = &'a Object> + '_ {
        self.objects
            .iter()
            .copied()
            .filter(move |o| text(o, "type") == Some(kind))
    }
}

/// Read a parsed bundle into `table`.
pub(crate) fn read(root: &Json, table: &mut Table) {
    let Json::Object(root) = root else { return };
    let Some(Json::Array(objects)) = root.get("objects") else {
        table.reject(
            0,
            "objects",
            "",
            "the bundle has no \"objects\" list".into(),
        );
        return;
    };
    let bundle = Bundle::new(objects);
    let mut placed: Vec<&str> = Vec::new();
    for holder in bundle.objects.iter().copied() {
        let kind = text(holder, "type").unwrap_or("");
        let Some(id) = text(holder, "id").filter(|_| HOLDERS.contains(&kind)) else {
            continue;
        };
        let located = bundle.targets("located-at", id);
        let indicators = bundle.sources("indicates", id);
        let parts = bundle.targets("consists-of", id);
        // An identity or threat-actor is a location only when it is placed or has addresses.
        if kind != "infrastructure"
            && located.is_empty()
            && indicators.is_empty()
            && parts.is_empty()
        {
            continue;
        }
        let location = located.first().copied();
        placed.extend(location.and_then(|l| text(l, "id")));
        read_holder(&bundle, holder, location, &indicators, &parts, table);
    }
    for location in bundle.of_type("location") {
        if !text(location, "id").is_some_and(|id| placed.contains(&id)) {
            let draft = location_draft(table, location, location_name(location), None);
            table.push(draft);
        }
    }
}

/// A location object's own name: its `name`, else its city, region or country.
fn location_name(location: &Object) -> &str {
    ["name", "city", "region", "country"]
        .iter()
        .find_map(|k| text(location, k))
        .or_else(|| text(location, "id"))
        .unwrap_or("")
}

/// A row for the location `holder` stands for, with no observation yet.
fn location_draft(table: &Table, object: &Object, name: &str, location: Option<&Object>) -> Draft {
    let id = text(object, "id").unwrap_or("");
    let mut draft = table.draft(0, id.to_string());
    let place = |key: &str| format!("{id}.{key}");
    draft.set_field(LocationField::Name, name.to_string(), place("name"));
    if let Some(given) = text(object, "x_compound_atlas_location_id") {
        draft.set_field(
            LocationField::LocationId,
            given.to_string(),
            place("x_compound_atlas_location_id"),
        );
    }
    let at = location.unwrap_or(object);
    let at_id = text(at, "id").unwrap_or("");
    for (key, field) in [
        ("latitude", LocationField::Lat),
        ("longitude", LocationField::Lon),
        ("country", LocationField::Country),
    ] {
        if let Some(value) = at.get(key) {
            draft.set_field(
                field,
                scalar_text(value).into_owned(),
                format!("{at_id}.{key}"),
            );
        }
    }
    let extras = match object.get("x_compound_atlas_extras") {
        Some(Json::Object(extras)) => extras
            .iter()
            .map(|(name, value)| (name.clone(), scalar_text(value).into_owned()))
            .collect(),
        _ => Vec::new(),
    };
    draft.set_location_extras(extras);
    draft
}

fn read_holder(
    bundle: &Bundle,
    holder: &Object,
    location: Option<&Object>,
    indicators: &[&Object],
    parts: &[&Object],
    table: &mut Table,
) {
    let name = text(holder, "name").unwrap_or_else(|| text(holder, "id").unwrap_or(""));
    let describe = |table: &mut Table| location_draft(table, holder, name, location);
    let mut observations = 0;
    for indicator in indicators {
        observations += read_indicator(indicator, &describe, table);
    }
    for part in parts {
        observations += read_part(bundle, part, &describe, table);
    }
    if observations == 0 {
        let draft = describe(table);
        table.push(draft);
    }
}

/// The rows of one indicator: one per address block of its pattern. Returns how many.
fn read_indicator(
    indicator: &Object,
    describe: &dyn Fn(&mut Table) -> Draft,
    table: &mut Table,
) -> usize {
    let id = text(indicator, "id").unwrap_or("indicator");
    let pattern = text(indicator, "pattern").unwrap_or("");
    if text(indicator, "pattern_type").is_some_and(|t| t != "stix") {
        let why = "the pattern is not a STIX pattern; the indicator was not read".into();
        table.warning(0, &format!("{id}.pattern_type"), pattern, why);
        return 0;
    }
    let parsed = stix_pattern::parse(pattern);
    for why in &parsed.unread {
        let message = format!("{why}; that part of the pattern was not read");
        table.warning(0, &format!("{id}.pattern"), pattern, message);
    }
    let blocks = exact_addresses(indicator, parsed.blocks);
    for block in &blocks {
        let mut draft = describe(table);
        let place = |key: &str| format!("{id}.{key}");
        draft.set_field(LocationField::Ip, block.addresses.clone(), place("pattern"));
        if let Some(ports) = &block.ports {
            draft.set_field(LocationField::Ports, ports.clone(), place("pattern"));
        }
        indicator_attributes(indicator, &mut draft, table);
        table.push(draft);
    }
    blocks.len()
}

/// The blocks as this program's export meant them: an address range that no CIDR
/// block can say is written as several, and named whole in `x_compound_atlas_addresses`.
fn exact_addresses(indicator: &Object, blocks: Vec<Block>) -> Vec<Block> {
    match text(indicator, "x_compound_atlas_addresses") {
        Some(range) if !blocks.is_empty() => vec![Block {
            addresses: range.to_string(),
            ports: blocks[0].ports.clone(),
        }],
        _ => blocks,
    }
}

/// Window, shared flag, confidence, notes and source of an indicator's rows.
fn indicator_attributes(indicator: &Object, draft: &mut Draft, table: &mut Table) {
    let id = text(indicator, "id").unwrap_or("");
    let place = |key: &str| format!("{id}.{key}");
    let no_start = matches!(
        indicator.get("x_compound_atlas_no_first_seen"),
        Some(Json::Bool(true))
    );
    if let Some(from) = text(indicator, "valid_from").filter(|_| !no_start) {
        draft.set_field(
            LocationField::FirstSeen,
            from.to_string(),
            place("valid_from"),
        );
    }
    let until =
        text(indicator, "valid_until").or_else(|| text(indicator, "x_compound_atlas_valid_until"));
    if let Some(until) = until {
        draft.set_field(
            LocationField::LastSeen,
            until.to_string(),
            place("valid_until"),
        );
    }
    let shared = match indicator.get("labels") {
        Some(Json::Array(labels)) => labels.iter().any(|l| l.as_str() == Some(SHARED_LABEL)),
        _ => false,
    };
    draft.set_field(LocationField::Shared, shared.to_string(), place("labels"));
    let confidence = text(indicator, "x_compound_atlas_confidence")
        .map(str::to_string)
        .or_else(|| {
            indicator
                .get("confidence")
                .map(|c| scalar_text(c).into_owned())
        });
    if let Some(confidence) = confidence {
        draft.set_field(LocationField::Confidence, confidence, place("confidence"));
    }
    let notes = match indicator.get("x_compound_atlas_notes") {
        Some(Json::String(notes)) => Some(notes.as_str()),
        _ => text(indicator, "description").or_else(|| text(indicator, "name")),
    };
    if let Some(notes) = notes.filter(|n| !n.is_empty()) {
        draft.set_field(
            LocationField::Notes,
            notes.to_string(),
            place("description"),
        );
    }
    if let Some(source) = text(indicator, "x_compound_atlas_source") {
        draft.set_field(
            LocationField::Source,
            source.to_string(),
            place("x_compound_atlas_source"),
        );
    }
    if let Some(Json::Object(extras)) = indicator.get("x_compound_atlas_extras") {
        for (name, value) in extras.iter() {
            draft.set_extra(table, name, scalar_text(value).into_owned(), place(name));
        }
    }
}

/// An address object the infrastructure consists of: one row with no window, or one
/// per `observed-data` that references it, with its window. Returns how many rows.
fn read_part(
    bundle: &Bundle,
    part: &Object,
    describe: &dyn Fn(&mut Table) -> Draft,
    table: &mut Table,
) -> usize {
    let id = text(part, "id").unwrap_or("");
    let kind = text(part, "type").unwrap_or("");
    let Some(value) = text(part, "value").filter(|_| matches!(kind, "ipv4-addr" | "ipv6-addr"))
    else {
        let why = format!("a {kind} is not an address; it was not read");
        table.warning(0, id, "", why);
        return 0;
    };
    let observed: Vec<&Object> = bundle
        .of_type("observed-data")
        .filter(|o| match o.get("object_refs") {
            Some(Json::Array(refs)) => refs.iter().any(|r| r.as_str() == Some(id)),
            _ => false,
        })
        .collect();
    let windows: Vec<Option<&Object>> = if observed.is_empty() {
        vec![None]
    } else {
        observed.into_iter().map(Some).collect()
    };
    for window in &windows {
        let mut draft = describe(table);
        draft.set_field(LocationField::Ip, value.to_string(), format!("{id}.value"));
        if let Some(window) = window {
            let at = text(window, "id").unwrap_or("");
            for (key, field) in [
                ("first_observed", LocationField::FirstSeen),
                ("last_observed", LocationField::LastSeen),
            ] {
                if let Some(time) = text(window, key) {
                    draft.set_field(field, time.to_string(), format!("{at}.{key}"));
                }
            }
        }
        table.push(draft);
    }
    windows.len()
}
