//! Whose connection an event records (its party) and the event flag bits that hold it.

/// The `flags` bits of an event.
pub mod event_flags {
    pub const HAS_PORT: u8 = 1;
    pub const PROXY_KNOWN: u8 = 2;
    pub const PROXY: u8 = 4;
    /// Three bits hold the event's [`super::Party`] (0: not given).
    pub const PARTY_SHIFT: u8 = 3;
    pub const PARTY_MASK: u8 = 0b111 << PARTY_SHIFT;
}

/// Whose connection an event records, from where a report file lists it: NCMEC's
/// report XML and IDS JSON put each IP capture under the person, account, recipient,
/// victim, peer-to-peer incident or file it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    ReportedPerson = 1,
    AssociatedAccount,
    IntendedRecipient,
    Victim,
    PeerToPeer,
    File,
}

impl Party {
    pub const ALL: [Party; 6] = [
        Party::ReportedPerson,
        Party::AssociatedAccount,
        Party::IntendedRecipient,
        Party::Victim,
        Party::PeerToPeer,
        Party::File,
    ];

    /// The name written in `events.csv` and accepted in a `party` column.
    pub fn name(self) -> &'static str {
        match self {
            Party::ReportedPerson => "reported_person",
            Party::AssociatedAccount => "associated_account",
            Party::IntendedRecipient => "intended_recipient",
            Party::Victim => "victim",
            Party::PeerToPeer => "peer_to_peer",
            Party::File => "file",
        }
    }

    /// The name as a person reads it ("reported person").
    pub fn label(self) -> &'static str {
        match self {
            Party::ReportedPerson => "reported person",
            Party::AssociatedAccount => "associated account",
            Party::IntendedRecipient => "intended recipient",
            Party::Victim => "victim",
            Party::PeerToPeer => "peer-to-peer incident",
            Party::File => "file",
        }
    }

    /// A party by its name, ignoring case, spaces, dashes and underscores.
    pub fn parse(text: &str) -> Option<Party> {
        // The readers of report XML and IDS JSON give the names as written here.
        if let Some(exact) = Party::ALL.into_iter().find(|p| p.name() == text) {
            return Some(exact);
        }
        let key = |s: &str| {
            s.chars()
                .filter(|c| !matches!(c, ' ' | '-' | '_'))
                .flat_map(char::to_lowercase)
                .collect::<String>()
        };
        let wanted = key(text);
        Party::ALL.into_iter().find(|p| key(p.name()) == wanted)
    }

    pub(super) fn from_bits(bits: u8) -> Option<Party> {
        Party::ALL.get(usize::from(bits).checked_sub(1)?).copied()
    }

    /// This party in an event's `flags`.
    pub fn flag_bits(party: Option<Party>) -> u8 {
        party.map_or(0, |p| (p as u8) << event_flags::PARTY_SHIFT)
    }
}
