//! Recognising columns by name: case-insensitive, ignoring spaces, dashes, dots and
//! underscores, with the aliases of the file contract (design.md §3).

/// The fields of a reports file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportField {
    ReportId,
    Ip,
    EventTime,
    Port,
    EventName,
    IncidentType,
    Platform,
    ReportDate,
    PossibleProxy,
    Party,
}

impl ReportField {
    pub const ALL: [ReportField; 10] = [
        ReportField::ReportId,
        ReportField::Ip,
        ReportField::EventTime,
        ReportField::Port,
        ReportField::EventName,
        ReportField::IncidentType,
        ReportField::Platform,
        ReportField::ReportDate,
        ReportField::PossibleProxy,
        ReportField::Party,
    ];
    pub const REQUIRED: [ReportField; 3] = [
        ReportField::ReportId,
        ReportField::Ip,
        ReportField::EventTime,
    ];

    pub fn name(self) -> &'static str {
        self.names()[0]
    }

    /// The canonical name first, then the aliases.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            ReportField::ReportId => &[
                "report_id",
                "report",
                "report number",
                "report no",
                "cybertip id",
                "tip id",
                "ncmec report id",
            ],
            ReportField::Ip => &["ip", "ip address", "ipaddress", "ip addr", "source ip"],
            ReportField::EventTime => &[
                "event_time",
                "datetime",
                "date time",
                "timestamp",
                "capture time",
                "captured at",
                "ip datetime",
            ],
            ReportField::Port => &["port", "source port", "src port"],
            ReportField::EventName => &["event_name", "event", "event type", "capture type"],
            ReportField::IncidentType => &["incident_type", "incident", "category"],
            ReportField::Platform => &["platform", "esp", "esp name", "service", "reporting esp"],
            ReportField::ReportDate => &["report_date", "date received", "received", "reported at"],
            ReportField::PossibleProxy => &["possible_proxy", "proxy"],
            ReportField::Party => &["party", "event party", "capture party"],
        }
    }
}

/// The fields of a location file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationField {
    LocationId,
    Name,
    Country,
    Lat,
    Lon,
    Ip,
    FirstSeen,
    LastSeen,
    Ports,
    Shared,
    Source,
    Confidence,
    Notes,
}

impl LocationField {
    pub const ALL: [LocationField; 13] = [
        LocationField::LocationId,
        LocationField::Name,
        LocationField::Country,
        LocationField::Lat,
        LocationField::Lon,
        LocationField::Ip,
        LocationField::FirstSeen,
        LocationField::LastSeen,
        LocationField::Ports,
        LocationField::Shared,
        LocationField::Source,
        LocationField::Confidence,
        LocationField::Notes,
    ];
    pub const REQUIRED: [LocationField; 1] = [LocationField::Name];

    pub fn name(self) -> &'static str {
        self.names()[0]
    }

    pub fn names(self) -> &'static [&'static str] {
        match self {
            LocationField::LocationId => &["location_id", "id", "site id"],
            LocationField::Name => &["name", "location", "location name", "site", "compound"],
            LocationField::Country => &["country"],
            LocationField::Lat => &["lat", "latitude"],
            LocationField::Lon => &["lon", "longitude", "lng", "long"],
            LocationField::Ip => &[
                "ip",
                "ip address",
                "cidr",
                "network",
                "range",
                "ip range",
                "prefix",
            ],
            LocationField::FirstSeen => {
                &["first_seen", "valid from", "observed from", "from", "start"]
            }
            LocationField::LastSeen => &["last_seen", "valid until", "observed to", "to", "end"],
            LocationField::Ports => &["ports", "port", "port range"],
            LocationField::Shared => &["shared"],
            LocationField::Source => &["source"],
            LocationField::Confidence => &["confidence"],
            LocationField::Notes => &["notes"],
        }
    }
}

/// The fields of one kind of file, for readers that work on either kind.
pub trait Field: Copy + PartialEq + Send + Sync + 'static {
    const ALL: &'static [Self];
    const REQUIRED: &'static [Self];
    /// The field's name, then its aliases.
    fn names(self) -> &'static [&'static str];
}

impl Field for ReportField {
    const ALL: &'static [Self] = &ReportField::ALL;
    const REQUIRED: &'static [Self] = &ReportField::REQUIRED;
    fn names(self) -> &'static [&'static str] {
        ReportField::names(self)
    }
}

impl Field for LocationField {
    const ALL: &'static [Self] = &LocationField::ALL;
    const REQUIRED: &'static [Self] = &LocationField::REQUIRED;
    fn names(self) -> &'static [&'static str] {
        LocationField::names(self)
    }
}

/// Lowercase and drop spaces, dashes, dots and underscores: "IP-Address" → "ipaddress".
pub fn normalize_header(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which column holds each field. Every other column is kept as an extra attribute.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnMap<F> {
    /// The header row as written in the file.
    pub header: Vec<String>,
    /// `(field, column index)` for each recognised field.
    pub fields: Vec<(F, usize)>,
    /// Columns that name a field already taken by an earlier column; kept as extras.
    pub duplicates: Vec<usize>,
}

impl<F: Copy + PartialEq> ColumnMap<F> {
    /// Map a header row using each field's names (canonical name and aliases).
    pub fn from_header(
        header: &[String],
        all: &[F],
        names: impl Fn(F) -> &'static [&'static str],
    ) -> Self {
        let mut map = ColumnMap {
            header: header.to_vec(),
            fields: Vec::new(),
            duplicates: Vec::new(),
        };
        for (index, column) in header.iter().enumerate() {
            let key = normalize_header(column);
            let field = all
                .iter()
                .copied()
                .find(|&f| names(f).iter().any(|alias| normalize_header(alias) == key));
            match field {
                Some(f) if map.column(f).is_some() => map.duplicates.push(index),
                Some(f) => map.fields.push((f, index)),
                None => {}
            }
        }
        map
    }

    pub fn column(&self, field: F) -> Option<usize> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|&(_, i)| i)
    }

    /// Columns not mapped to a field, with their header text: the extra attributes.
    pub fn extras(&self) -> Vec<(usize, String)> {
        (0..self.header.len())
            .filter(|i| !self.fields.iter().any(|(_, c)| c == i))
            .map(|i| (i, self.header[i].clone()))
            .collect()
    }

    /// Move a field to another column (or unmap it), as the import preview lets the user do.
    pub fn set(&mut self, field: F, column: Option<usize>) {
        self.fields.retain(|(f, _)| *f != field);
        if let Some(column) = column {
            self.fields.retain(|&(_, i)| i != column);
            self.fields.push((field, column));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn report_map(names: &[&str]) -> ColumnMap<ReportField> {
        ColumnMap::from_header(&header(names), &ReportField::ALL, ReportField::names)
    }

    #[test]
    fn aliases_ignore_case_and_separators() {
        let map = report_map(&[
            "CyberTip ID",
            "IP-Address",
            "Date.Time",
            "SRC_PORT",
            "ESP Name",
            "Notes",
        ]);
        assert_eq!(map.column(ReportField::ReportId), Some(0));
        assert_eq!(map.column(ReportField::Ip), Some(1));
        assert_eq!(map.column(ReportField::EventTime), Some(2));
        assert_eq!(map.column(ReportField::Port), Some(3));
        assert_eq!(map.column(ReportField::Platform), Some(4));
        assert_eq!(map.extras(), vec![(5, "Notes".to_string())]);
    }

    #[test]
    fn every_documented_alias_is_recognised() {
        for field in ReportField::ALL {
            for alias in field.names() {
                assert_eq!(report_map(&[alias]).column(field), Some(0), "{alias}");
            }
        }
        for field in LocationField::ALL {
            for alias in field.names() {
                let map = ColumnMap::from_header(
                    &header(&[alias]),
                    &LocationField::ALL,
                    LocationField::names,
                );
                assert_eq!(map.column(field), Some(0), "{alias}");
            }
        }
    }

    #[test]
    fn a_second_column_for_the_same_field_is_a_duplicate() {
        let map = report_map(&["ip", "ip address", "report_id"]);
        assert_eq!(map.column(ReportField::Ip), Some(0));
        assert_eq!(map.duplicates, vec![1]);
        assert_eq!(map.extras(), vec![(1, "ip address".to_string())]);
    }

    #[test]
    fn remapping_a_field() {
        let mut map = report_map(&["report_id", "addr", "event_time"]);
        assert_eq!(map.column(ReportField::Ip), None);
        assert_eq!(map.extras().len(), 1);
        map.set(ReportField::Ip, Some(1));
        assert_eq!(map.column(ReportField::Ip), Some(1));
        assert!(map.extras().is_empty());
        map.set(ReportField::Ip, None);
        assert_eq!(map.column(ReportField::Ip), None);
    }
}
