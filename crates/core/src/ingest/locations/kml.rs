//! KML and KMZ location lists (Google Earth, My Maps, QGIS): each Placemark is one row
//! of the CSV contract. `name` is the name, `description` the notes, a `Point` the
//! coordinates and a `Polygon` the outline; `ExtendedData` (`Data`/`value` and
//! `SchemaData`/`SimpleData`) gives the other columns. Folders are walked; styles are
//! ignored.

use super::super::Input;
use super::super::formats::esp_xml::{LineCounter, MAX_DEPTH, resolve_reference};
use super::super::reader::FileError;
use super::formats::{MAX_LIST_BYTES, refuse};
use super::table::{Draft, Table};
use crate::ingest::headers::LocationField;
use crate::model::{Outline, Ring};
use quick_xml::events::{BytesStart, Event};
use std::io::Read;

/// The placemark being read.
struct Placemark {
    draft: Draft,
    depth: usize,
    polygons: Vec<Vec<Ring>>,
    rings: Vec<Ring>,
    /// The `name` attribute of the open `Data` or `SimpleData`.
    data_name: String,
}

/// What the parse holds between events.
struct State<'t> {
    table: &'t mut Table,
    entry: &'t str,
    stack: Vec<String>,
    placemark: Option<Placemark>,
    text: String,
}

/// Read the KML in `bytes`; `entry` names a KMZ's entry before each place.
pub(crate) fn read(bytes: &[u8], entry: &str, table: &mut Table) {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    // Not trimmed by the parser: it would trim around entities ("A &amp; B" → "A&B");
    // each value is trimmed whole when its element ends.
    reader.config_mut().trim_text(false);
    let mut lines = LineCounter::new(bytes, 0);
    let mut state = State {
        table,
        entry,
        stack: Vec::new(),
        placemark: None,
        text: String::new(),
    };
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let (line, column) = lines.at(reader.error_position() as usize);
                state.stop(line, column, format!("the XML is not well-formed: {e}; the placemarks before this point were read"));
                return;
            }
        };
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let offset = (reader.buffer_position() as usize)
                    .saturating_sub(start.len() + if empty { 3 } else { 2 });
                let (line, column) = lines.at(offset);
                if state.stack.len() >= MAX_DEPTH {
                    let why = format!("elements are nested more than {MAX_DEPTH} deep");
                    state.stop(line, column, why);
                    return;
                }
                state.open(start, line, column);
                if empty {
                    state.close();
                }
            }
            Event::Text(t) => state.text.push_str(&t.xml10_content()),
            Event::CData(c) => state.text.push_str(&c.xml10_content()),
            Event::GeneralRef(r) => match resolve_reference(&r) {
                Some(c) => state.text.push_str(&c),
                None => {
                    let (line, column) = lines.at(reader.buffer_position() as usize);
                    let place = format!("{entry}{line}:{column}");
                    let why = format!(
                        "&{};: an entity this program does not expand (only XML's own five and character references are); it was left out of the value",
                        &*r
                    );
                    state.table.warning(line, &place, "", why);
                }
            },
            Event::End(_) => state.close(),
            Event::Eof => break,
            _ => {}
        }
    }
    if state.placemark.is_some() {
        let (line, column) = lines.at(bytes.len());
        state.stop(line, column, "the file ends inside a Placemark".into());
    }
}

impl State<'_> {
    fn open(&mut self, start: &BytesStart, line: u64, column: u64) {
        let local = start.local_name();
        let name = AsRef::<str>::as_ref(&local).to_string();
        self.text.clear();
        match (name.as_str(), &mut self.placemark) {
            ("Placemark", None) => {
                let place = format!("{}{line}:{column} Placemark", self.entry);
                self.placemark = Some(Placemark {
                    draft: self.table.draft(line, place),
                    depth: self.stack.len(),
                    polygons: Vec::new(),
                    rings: Vec::new(),
                    data_name: String::new(),
                });
            }
            ("Data" | "SimpleData", Some(placemark)) => {
                placemark.data_name = start
                    .try_get_attribute("name")
                    .ok()
                    .flatten()
                    .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default();
            }
            _ => {}
        }
        self.stack.push(name);
    }

    /// The end of the innermost open element.
    fn close(&mut self) {
        let Some(name) = self.stack.pop() else { return };
        let text = std::mem::take(&mut self.text).trim().to_string();
        let parent = self.stack.last().map_or("", String::as_str);
        let Some(placemark) = &mut self.placemark else {
            return;
        };
        let base = placemark.draft_place();
        let at = |what: &str| format!("{base} {what}");
        let table = &mut *self.table;
        match (name.as_str(), parent) {
            ("name", "Placemark") if !text.is_empty() => {
                placemark
                    .draft
                    .set_field(LocationField::Name, text, at("name"))
            }
            ("description", "Placemark") if !text.is_empty() => {
                placemark.draft.set(table, "notes", text, at("description"))
            }
            ("value", "Data") | ("SimpleData", _) if !text.is_empty() => {
                let column = std::mem::take(&mut placemark.data_name);
                let place = at(&format!("{name} {column}"));
                placemark.draft.set(table, &column, text, place);
            }
            ("coordinates", "Point") => match coordinates(&text).as_deref() {
                Ok([[lon, lat]]) => {
                    let place = at("Point");
                    placemark
                        .draft
                        .set_field(LocationField::Lat, lat.to_string(), place.clone());
                    placemark
                        .draft
                        .set_field(LocationField::Lon, lon.to_string(), place);
                }
                Ok(_) => placemark.draft.warn(
                    &at("Point"),
                    &text,
                    "a Point holds one position; the coordinates were not read".into(),
                ),
                Err(why) => placemark.draft.warn(
                    &at("Point"),
                    &text,
                    format!("{why}; the coordinates were not read"),
                ),
            },
            ("coordinates", "LinearRing") => match coordinates(&text) {
                Ok(ring) => placemark.rings.push(ring),
                Err(why) => placemark.draft.warn(
                    &at("Polygon"),
                    &text,
                    format!("{why}; the outline was not read"),
                ),
            },
            ("Polygon", _) => {
                let rings = std::mem::take(&mut placemark.rings);
                placemark.polygons.push(rings);
            }
            ("LineString" | "Track" | "LinearRing" | "Model", "Placemark" | "MultiGeometry") => {
                placemark.draft.warn(
                    &at(&name),
                    "",
                    format!("a {name} is not a point or an outline; it was not read"),
                );
            }
            _ => {}
        }
        if name == "Placemark" && self.stack.len() == placemark.depth {
            self.finish_placemark();
        }
    }

    fn finish_placemark(&mut self) {
        let Some(mut placemark) = self.placemark.take() else {
            return;
        };
        if !placemark.polygons.is_empty() {
            match Outline::new(std::mem::take(&mut placemark.polygons)) {
                Some(outline) => placemark.draft.set_outline(outline),
                None => {
                    let place = format!("{} Polygon", placemark.draft_place());
                    placemark.draft.warn(
                        &place,
                        "",
                        "the polygon's rings have fewer than 3 points; the outline was not read"
                            .into(),
                    );
                }
            }
        }
        self.table.push(placemark.draft);
    }

    /// The parse cannot go on: the open placemark is rejected, with the reason.
    fn stop(&mut self, line: u64, column: u64, why: String) {
        let place = format!("{}{line}:{column}", self.entry);
        if self.placemark.take().is_some() {
            self.table.reject(line, &place, "", why);
        } else {
            self.table.warning(line, &place, "", why);
        }
    }
}

impl Placemark {
    fn draft_place(&self) -> String {
        self.draft.place().to_string()
    }
}

/// KML coordinates: `lon,lat[,alt]` tuples separated by white space (spaces after the
/// commas, which some tools write, are accepted).
fn coordinates(text: &str) -> Result<Ring, String> {
    let mut tight = String::with_capacity(text.len());
    for token in text.split_whitespace() {
        if !(tight.is_empty() || tight.ends_with(',') || token.starts_with(',')) {
            tight.push(' ');
        }
        tight.push_str(token);
    }
    let ring = tight
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(|tuple| {
            let numbers: Vec<Option<f64>> = tuple
                .split(',')
                .map(|n| n.parse::<f64>().ok().filter(|f| f.is_finite()))
                .collect();
            match numbers.as_slice() {
                [Some(lon), Some(lat)] | [Some(lon), Some(lat), Some(_)]
                    if lon.abs() <= 180.0 && lat.abs() <= 90.0 =>
                {
                    Ok([*lon, *lat])
                }
                _ => Err(format!(
                    "'{tuple}' is not longitude,latitude[,altitude] in range"
                )),
            }
        })
        .collect::<Result<Ring, String>>()?;
    if ring.is_empty() {
        return Err("no coordinates".into());
    }
    Ok(ring)
}

/// A KMZ: its KML entries (`doc.kml` first, then the others in name order).
pub(crate) fn read_kmz(input: &Input, bytes: &[u8], table: &mut Table) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| refuse(input, format!("not a readable zip archive: {e}")))?;
    let mut names: Vec<(bool, String, usize)> = (0..archive.len())
        .filter_map(|i| {
            let name = archive.name_for_index(i)?.ok()?.to_string();
            let lower = name.to_ascii_lowercase();
            lower
                .ends_with(".kml")
                .then(|| (lower != "doc.kml", name, i))
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(refuse(
            input,
            "the archive holds no .kml file; a KMZ holds doc.kml".into(),
        ));
    }
    for (_, name, index) in names {
        let entry = format!("{name}: ");
        let mut kml = Vec::new();
        let result = archive
            .by_index(index)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                f.take(MAX_LIST_BYTES as u64 + 1)
                    .read_to_end(&mut kml)
                    .map_err(|e| e.to_string())
            });
        match result {
            Ok(n) if n <= MAX_LIST_BYTES => read(&kml, &entry, table),
            Ok(_) => table.warning(
                0,
                &entry,
                "",
                format!("larger than {} MiB; not read", MAX_LIST_BYTES >> 20),
            ),
            Err(e) => table.warning(0, &entry, "", format!("cannot be read: {e}")),
        }
    }
    Ok(())
}
