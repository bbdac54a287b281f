//! The common JSON Lines record read straight from its bytes: an object whose keys and
//! string values have no escapes or control characters, and whose values are strings,
//! integers, `true`, `false` or `null`. Anything else is left to serde_json, so this
//! only ever agrees with it (a property test holds it to that), and is what lets a JSON
//! Lines file be read at close to the speed of its CSV.

/// The members of `line` as `(key, text)` pushed to `out` (cleared first), with the
/// texts serde_json would give (`true`, `false`, `""` for null, an integer's digits);
/// false, with `out` in any state, when the line is not of the simple shape.
pub(crate) fn simple_members<'a>(line: &'a [u8], out: &mut Vec<(&'a str, &'a str)>) -> bool {
    out.clear();
    // Checked once for the line: every piece below is cut at an ASCII byte.
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    let line = Line(text);
    let mut at = skip_space(&line, 0);
    if line.byte(at) != Some(&b'{') {
        return false;
    }
    at = skip_space(&line, at + 1);
    if line.byte(at) == Some(&b'}') {
        return skip_space(&line, at + 1) == line.0.len();
    }
    loop {
        let Some((key, after)) = string_at(&line, at) else {
            return false;
        };
        at = skip_space(&line, after);
        if line.byte(at) != Some(&b':') {
            return false;
        }
        let Some((value, after)) = value_at(&line, skip_space(&line, at + 1)) else {
            return false;
        };
        out.push((key, value));
        at = skip_space(&line, after);
        match line.byte(at) {
            Some(b',') => at = skip_space(&line, at + 1),
            Some(b'}') => return skip_space(&line, at + 1) == line.0.len(),
            _ => return false,
        }
    }
}

/// A line known to be UTF-8, read byte by byte.
struct Line<'a>(&'a str);

impl<'a> Line<'a> {
    fn byte(&self, at: usize) -> Option<&u8> {
        self.0.as_bytes().get(at)
    }
    fn bytes(&self) -> &'a [u8] {
        self.0.as_bytes()
    }
}

fn skip_space(line: &Line<'_>, mut at: usize) -> usize {
    while matches!(line.byte(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// A string without escapes or control characters at `at`: its text and the index
/// after it.
fn string_at<'a>(line: &Line<'a>, at: usize) -> Option<(&'a str, usize)> {
    if line.byte(at) != Some(&b'"') {
        return None;
    }
    let start = at + 1;
    // Values are short: a plain loop beats setting up a vector search.
    let length = line.bytes()[start..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    let end = start + length;
    (line.bytes()[end] == b'"').then(|| (&line.0[start..end], end + 1))
}

/// A value at `at`: a simple string, an integer of at most 18 digits (no `-0`, no
/// fraction or exponent), `true`, `false` or `null`.
fn value_at<'a>(line: &Line<'a>, at: usize) -> Option<(&'a str, usize)> {
    let rest = line.bytes().get(at..)?;
    for (word, text) in [("true", "true"), ("false", "false"), ("null", "")] {
        if rest.starts_with(word.as_bytes()) {
            return Some((text, at + word.len()));
        }
    }
    match rest.first()? {
        b'"' => string_at(line, at),
        b'-' | b'0'..=b'9' => {
            let sign = usize::from(rest[0] == b'-');
            let digits = rest[sign..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let leading_zero = digits > 1 && rest[sign] == b'0';
            let negative_zero = sign == 1 && digits == 1 && rest[1] == b'0';
            let end = sign + digits;
            let fraction = matches!(rest.get(end), Some(b'.' | b'e' | b'E'));
            if digits == 0 || digits > 18 || leading_zero || negative_zero || fraction {
                return None;
            }
            Some((&line.0[at..at + end], at + end))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What serde_json reads, as the JSON reader lays out a record: the oracle.
    fn by_serde(line: &[u8]) -> Option<Vec<(String, String)>> {
        super::super::json::flat_members_by_serde(line)
    }

    #[test]
    fn the_simple_shape_is_read_and_anything_else_is_left() {
        let mut out = Vec::new();
        let line = br#"{"report_id":"R1", "ip":"192.0.2.1","port":443,"proxy":true,"x":null}"#;
        assert!(simple_members(line, &mut out));
        assert_eq!(
            out,
            [
                ("report_id", "R1"),
                ("ip", "192.0.2.1"),
                ("port", "443"),
                ("proxy", "true"),
                ("x", "")
            ]
        );
        assert!(simple_members(
            "{\"caf\u{e9}\":\"\u{e9}t\u{e9}\"}".as_bytes(),
            &mut out
        ));
        assert_eq!(out, [("caf\u{e9}", "\u{e9}t\u{e9}")]);
        for other in [
            &br#"{"a":"\u0041"}"#[..],
            br#"{"a":1.5}"#,
            br#"{"a":-0}"#,
            br#"{"a":01}"#,
            br#"{"a":[1]}"#,
            br#"{"a":"b"} x"#,
            br#"{"a":"b",}"#,
            b"{\"a\":\"tab\there\"}",
            br#"["a"]"#,
        ] {
            assert!(
                !simple_members(other, &mut out),
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }

    /// Pieces lines are made of: mostly simple, some that only serde_json reads, some
    /// that nothing reads.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just(",".to_string()),
            Just(":".to_string()),
            Just(" ".to_string()),
            Just("\"".to_string()),
            "\"[a-z_ ]{0,6}\"",
            "\"[ -~]{0,4}\"",
            "\"[\u{e9}\u{4e2d}a]{0,3}\"",
            "-?[0-9]{1,20}",
            "-?[0-9]{1,3}\\.[0-9]{1,2}",
            Just("true".to_string()),
            Just("false".to_string()),
            Just("null".to_string()),
            Just("[1,{\"b\":2}]".to_string()),
            Just("\"\\u00e9\\\"\"".to_string()),
            Just("\"\t\"".to_string()),
        ]
    }

    fn line() -> impl Strategy<Value = String> {
        let member = (piece(), piece(), piece()).prop_map(|(k, c, v)| format!("{k}{c}{v}"));
        let simple = (
            "[a-z]{1,5}",
            prop_oneof![
                "\"[ -!#-\\[\\]-~]{0,5}\"",
                "[1-9][0-9]{0,17}",
                Just("true".to_string())
            ],
        )
            .prop_map(|(k, v)| format!("\"{k}\":{v}"));
        (
            proptest::collection::vec(prop_oneof![3 => simple, 1 => member], 0..6),
            any::<bool>(),
        )
            .prop_map(|(members, spaced)| {
                let sep = if spaced { " , " } else { "," };
                format!("{{{}}}", members.join(sep))
            })
    }

    proptest! {
        #[test]
        fn whatever_it_reads_serde_json_reads_the_same(line in line()) {
            let mut out = Vec::new();
            if simple_members(line.as_bytes(), &mut out) {
                let ours: Vec<(String, String)> =
                    out.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                prop_assert_eq!(Some(ours), by_serde(line.as_bytes()), "{}", line);
            }
        }
    }
}
