//! Triage: tags and a note per report, kept by report id so that they survive reading
//! the files again. The case-file issue saves them; the filter can select by tag.

use std::collections::{BTreeMap, BTreeSet};

/// The tags offered to every case.
pub const BUILT_IN_TAGS: [&str; 4] = ["to review", "reviewed", "escalate", "not relevant"];

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub tags: BTreeSet<String>,
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Triage {
    entries: BTreeMap<String, Entry>,
}

/// A tag as stored: trimmed, inner white space collapsed; `None` when nothing is left.
pub fn normalize_tag(tag: &str) -> Option<String> {
    let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
    (!tag.is_empty()).then_some(tag)
}

impl Triage {
    pub fn entry(&self, report_id: &str) -> Option<&Entry> {
        self.entries.get(report_id)
    }

    pub fn tags_of(&self, report_id: &str) -> impl Iterator<Item = &str> {
        self.entries
            .get(report_id)
            .into_iter()
            .flat_map(|e| e.tags.iter().map(String::as_str))
    }

    pub fn note_of(&self, report_id: &str) -> &str {
        self.entries.get(report_id).map_or("", |e| e.note.as_str())
    }

    /// Add (`on`) or remove a tag on several reports at once.
    pub fn set_tag<'a>(
        &mut self,
        report_ids: impl IntoIterator<Item = &'a str>,
        tag: &str,
        on: bool,
    ) {
        let Some(tag) = normalize_tag(tag) else {
            return;
        };
        for id in report_ids {
            let entry = self.entries.entry(id.to_string()).or_default();
            if on {
                entry.tags.insert(tag.clone());
            } else {
                entry.tags.remove(&tag);
            }
        }
        self.entries
            .retain(|_, e| !e.tags.is_empty() || !e.note.is_empty());
    }

    pub fn set_note(&mut self, report_id: &str, note: &str) {
        self.entries.entry(report_id.to_string()).or_default().note = note.trim_end().to_string();
        self.entries
            .retain(|_, e| !e.tags.is_empty() || !e.note.is_empty());
    }

    /// Every tag to offer: the built-in ones, then the others in use.
    pub fn all_tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = BUILT_IN_TAGS.iter().map(|t| t.to_string()).collect();
        let used: BTreeSet<&String> = self.entries.values().flat_map(|e| e.tags.iter()).collect();
        tags.extend(
            used.into_iter()
                .filter(|t| !BUILT_IN_TAGS.contains(&t.as_str()))
                .cloned(),
        );
        tags
    }

    /// Report ids carrying any of `tags`.
    pub fn reports_tagged<'a>(
        &'a self,
        tags: &'a BTreeSet<String>,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(|(_, e)| e.tags.iter().any(|t| tags.contains(t)))
            .map(|(id, _)| id.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_in_bulk_notes_and_tidy_entries() {
        let mut triage = Triage::default();
        triage.set_tag(["R1", "R2"], "  escalate ", true);
        triage.set_tag(["R2"], "needs   translation", true);
        assert_eq!(triage.tags_of("R1").collect::<Vec<_>>(), ["escalate"]);
        assert_eq!(
            triage.tags_of("R2").collect::<Vec<_>>(),
            ["escalate", "needs translation"]
        );
        triage.set_note("R3", "call the platform  \n");
        assert_eq!(triage.note_of("R3"), "call the platform");
        let wanted: BTreeSet<String> = ["escalate".to_string()].into();
        assert_eq!(
            triage.reports_tagged(&wanted).collect::<Vec<_>>(),
            ["R1", "R2"]
        );
        assert_eq!(
            triage.all_tags().last().map(String::as_str),
            Some("needs translation")
        );
        // Removing the last tag and clearing the note removes the entry.
        triage.set_tag(["R1"], "escalate", false);
        triage.set_note("R3", "");
        assert!(triage.entry("R1").is_none() && triage.entry("R3").is_none());
        triage.set_tag(["R1"], "   ", true);
        assert!(triage.entry("R1").is_none(), "an empty tag is not stored");
    }
}
