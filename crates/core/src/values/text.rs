//! Text for people: digit grouping, counts with their noun, the order tables sort text in,
//! and hexadecimal for hashes.

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

#[cfg(test)]
mod tests {
    use super::*;

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
