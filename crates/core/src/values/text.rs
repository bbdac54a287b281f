//! Text for people: digit grouping, counts with their noun, the order tables sort text in,
//! hexadecimal for hashes, and text from files made safe to show.

use std::borrow::Cow;
use std::cmp::Ordering;

/// "1 row", "2 rows": a count with its noun.
pub fn count(n: u64, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        thousands(n),
        if n == 1 { singular } else { plural }
    )
}

/// Group digits in threes: 1180000 → "1,180,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Case-insensitive first, so "alpha" and "Alpha" sit together; then exact, so that the
/// order is total. Lowercases as it goes rather than allocating.
pub fn compare_text(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
        .then_with(|| a.cmp(b))
}

/// Lowercase hexadecimal, as SHA-256 sums are usually written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 sum of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// Whether `c` would steer a terminal or reorder what is shown rather than be shown: C0
/// and C1 controls, DEL, and the bidirectional overrides and isolates that "Trojan
/// Source" text uses to make a line read differently from what it holds.
fn is_steering(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with the characters XML 1.0 does not allow (C0 controls but tab and line
/// breaks, U+FFFE, U+FFFF) replaced by U+FFFD, so that any name gives a well-formed file.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{fffe}' | '\u{ffff}'))
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|c| if allowed(c) { c } else { '\u{fffd}' })
                .collect(),
        )
    }
}

/// `text` with every control character written as an escape (`\r`, `\n`, `\t`, `\x1b`,
/// `\u{202e}`), so that a name from a file can neither erase a line, start a new one
/// nor recolour or reorder the terminal: one line in, one line out. Backslashes are left
/// as they are (Windows paths), so the escape is for reading, not for reversing.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_steering) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_steering(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if is_steering(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_kept() {
        assert_eq!(escape_control("KK Park — ខ្មែរ"), "KK Park — ខ្មែរ");
        assert!(matches!(escape_control("C:\\cases"), Cow::Borrowed(_)));
        assert_eq!(
            escape_control("a.csv\r\x1b[2KOK\n\x00\x7f\u{85}\u{202e}x\t"),
            "a.csv\\r\\x1b[2KOK\\n\\x00\\x7f\\x85\\u{202e}x\\t"
        );
    }

    #[test]
    fn digit_grouping_and_counts() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_180_000), "1,180,000");
        assert_eq!(count(1, "row", "rows"), "1 row");
        assert_eq!(count(2500, "row", "rows"), "2,500 rows");
    }
}
