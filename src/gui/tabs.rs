//! The central area's tabs in one registry: each tab's label and the stable key that a
//! case file keeps for it.

/// What the central area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentralTab {
    Map,
    Locations,
    Reports,
    Matches,
    Leads,
    Links,
}

/// Every tab in the order shown: the tab, its label, and its key in case files. A key is
/// stored in cases that already exist: never rename one.
const TABS: [(CentralTab, &str, &str); 6] = [
    (CentralTab::Map, "Map", "map"),
    (CentralTab::Locations, "Locations", "locations"),
    (CentralTab::Reports, "Reports", "reports"),
    (CentralTab::Matches, "Matches", "matches"),
    (CentralTab::Leads, "Leads", "leads"),
    (CentralTab::Links, "Links", "links"),
];

impl CentralTab {
    /// Every tab, in the order shown.
    pub fn all() -> impl Iterator<Item = CentralTab> {
        TABS.iter().map(|&(tab, _, _)| tab)
    }

    fn entry(self) -> &'static (CentralTab, &'static str, &'static str) {
        TABS.iter()
            .find(|(tab, _, _)| *tab == self)
            .expect("every tab is in TABS")
    }

    /// The name on the tab.
    pub fn label(self) -> &'static str {
        self.entry().1
    }

    /// The key a case file keeps for this tab.
    pub fn key(self) -> &'static str {
        self.entry().2
    }

    /// The tab of a key read from a case file; an unknown key (a tab of a newer version)
    /// shows the map.
    pub fn from_key(key: &str) -> CentralTab {
        TABS.iter()
            .find(|(_, _, k)| *k == key)
            .map_or(CentralTab::Map, |&(tab, _, _)| tab)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tab_has_one_entry_and_its_key_leads_back_to_it() {
        let tabs: Vec<CentralTab> = CentralTab::all().collect();
        assert_eq!(tabs.len(), TABS.len());
        for tab in tabs {
            assert_eq!(CentralTab::from_key(tab.key()), tab);
            assert!(!tab.label().is_empty());
        }
        assert_eq!(
            CentralTab::from_key("a tab of a newer version"),
            CentralTab::Map
        );
    }
}
