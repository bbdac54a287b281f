//! Accounts: the screen names, user ids, e-mail addresses, phone numbers and device ids
//! that reports carry as extra attributes, each read as one account a report uses.
//!
//! An extra attribute is an account when the last part of its name (after the last `/`
//! or `.`, without list indexes) is one of [`ACCOUNT_FIELDS`], compared without case,
//! `_` or `-`, or when it is the column the user chose as the account. Platform-bound
//! accounts (screen names, user ids, profile addresses) are told apart by platform: the
//! same screen name on two platforms is two accounts. Values are compared trimmed and
//! without case.

use crate::model::Dataset;
use hashbrown::HashMap;

/// The attribute names (normalised: lower case, no `_` or `-`) that name an account,
/// and whether the account belongs to one platform.
pub const ACCOUNT_FIELDS: [(&str, bool); 14] = [
    ("screenname", true),
    ("username", true),
    ("userid", true),
    ("espuserid", true),
    ("accountid", true),
    ("account", true),
    ("profileurl", true),
    ("displayname", true),
    ("email", false),
    ("emailaddress", false),
    ("phone", false),
    ("phonenumber", false),
    ("deviceid", false),
    ("imei", false),
];

/// One account: its field (as the input named it, last part), platform when bound to
/// one, and value (as first seen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub field: String,
    pub platform: String,
    pub value: String,
}

impl Account {
    /// "screenName synthetic-user (ExampleChat)".
    pub fn label(&self) -> String {
        if self.platform.is_empty() {
            format!("{} {}", self.field, self.value)
        } else {
            format!("{} {} ({})", self.field, self.value, self.platform)
        }
    }
}

/// Every account of the data, and which events name which account.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    pub accounts: Vec<Account>,
    /// `(event, account)`, in event order.
    pub of_events: Vec<(u32, u32)>,
}

impl Accounts {
    /// The accounts one event names.
    pub fn of_event(&self, event: u32) -> impl Iterator<Item = u32> + '_ {
        let start = self.of_events.partition_point(|(e, _)| *e < event);
        self.of_events[start..]
            .iter()
            .take_while(move |(e, _)| *e == event)
            .map(|(_, a)| *a)
    }
}

/// The last part of an attribute name, normalised for [`ACCOUNT_FIELDS`].
fn field_key(name: &str) -> (String, &str) {
    let last = name.rsplit(['/', '.']).next().unwrap_or(name);
    let last = last.split('[').next().unwrap_or(last);
    let key = last
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    (key, last)
}

/// Whether an attribute names an account, and whether it is bound to a platform;
/// `chosen` is the user's account column (any name).
pub fn account_field(name: &str, chosen: Option<&str>) -> Option<bool> {
    if chosen.is_some_and(|c| c.eq_ignore_ascii_case(name)) {
        return Some(true);
    }
    let (key, _) = field_key(name);
    ACCOUNT_FIELDS
        .iter()
        .find(|(field, _)| *field == key)
        .map(|(_, bound)| *bound)
}

/// Read every account from the events' extra attributes.
pub fn find_accounts(dataset: &Dataset, chosen: Option<&str>) -> Accounts {
    // Per file: which extra columns are accounts (index, field as named, bound).
    let columns: Vec<Vec<(usize, String, bool)>> = dataset
        .files
        .iter()
        .map(|file| {
            file.extra_columns
                .iter()
                .enumerate()
                .filter_map(|(i, name)| {
                    let bound = account_field(name, chosen)?;
                    Some((i, field_key(name).1.to_string(), bound))
                })
                .collect()
        })
        .collect();
    let mut accounts = Accounts::default();
    let mut ids: HashMap<(String, String, String), u32> = HashMap::new();
    for (event, values) in &dataset.event_extras {
        let file = dataset.events.file[*event as usize] as usize;
        for (column, field, bound) in columns.get(file).map_or(&[][..], Vec::as_slice) {
            let Some(value) = values.get(*column).map(|v| v.trim()) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            let platform = if *bound {
                let report = dataset.events.report[*event as usize] as usize;
                dataset
                    .strings
                    .get(dataset.reports.platform[report])
                    .to_string()
            } else {
                String::new()
            };
            let key = (
                field.to_lowercase(),
                platform.to_lowercase(),
                value.to_lowercase(),
            );
            let next = accounts.accounts.len() as u32;
            let id = *ids.entry(key).or_insert_with(|| {
                accounts.accounts.push(Account {
                    field: field.clone(),
                    platform,
                    value: value.to_string(),
                });
                next
            });
            accounts.of_events.push((*event, id));
        }
    }
    accounts.of_events.sort_unstable();
    accounts.of_events.dedup();
    accounts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_fields_are_known_by_their_last_part_whatever_the_path_or_case() {
        assert_eq!(
            account_field("personOrUserReported/screenName", None),
            Some(true)
        );
        assert_eq!(
            account_field(
                "reportedInformation.reportedPeople.reportedPersons[0].espUserId",
                None
            ),
            Some(true)
        );
        assert_eq!(account_field("device_id", None), Some(false));
        assert_eq!(account_field("EMAIL", None), Some(false));
        assert_eq!(account_field("incident_time", None), None);
        assert_eq!(account_field("handle", None), None);
        assert_eq!(account_field("Handle", Some("handle")), Some(true));
    }
}
