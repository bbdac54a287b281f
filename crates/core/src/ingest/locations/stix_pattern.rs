//! The subset of STIX 2.1 patterns that says which addresses (and ports) a location
//! uses: comparisons of `ipv4-addr:value`, `ipv6-addr:value` and
//! `network-traffic:src_ref.value`/`dst_ref.value` with `=`, `ISSUBSET` and `IN`,
//! joined by `OR`, and `AND` with port comparisons (`src_port`/`dst_port` with `=`,
//! `>=`, `<=`, `>`, `<`, `IN`) and address-type comparisons (`src_ref.type`,
//! `dst_ref.type`). Every ORed address block is one observation; what falls outside the
//! subset is named, and the rest is read.

/// One address block with its ports, as location-list text (`203.0.113.0/24`, `1000-2000`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub addresses: String,
    pub ports: Option<String>,
}

/// What a pattern says, and why the parts it does not say were not read.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub blocks: Vec<Block>,
    pub unread: Vec<String>,
}

/// Alternatives of one comparison expression beyond this many are not expanded.
const MAX_ALTERNATIVES: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Comma,
    Op(String),
    Word(String),
    Text(String),
    Number(String),
}

fn tokens(pattern: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            c if c.is_whitespace() => {}
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '[' => out.push(Token::OpenBracket),
            ']' => out.push(Token::CloseBracket),
            ',' => out.push(Token::Comma),
            '=' => out.push(Token::Op("=".into())),
            '!' | '<' | '>' => {
                let mut op = c.to_string();
                if chars.get(i) == Some(&'=') {
                    op.push('=');
                    i += 1;
                }
                if op == "!" {
                    return Err("'!' without '='".into());
                }
                out.push(Token::Op(op));
            }
            '\'' => {
                let (text, next) = quoted(&chars, i)?;
                out.push(Token::Text(text));
                i = next;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' => {
                let start = i - 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                out.push(Token::Number(chars[start..i].iter().collect()));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i - 1;
                // A typed literal (t'…', b'…', h'…') is one value.
                if matches!(c, 't' | 'b' | 'h') && chars.get(i) == Some(&'\'') {
                    let (text, next) = quoted(&chars, i + 1)?;
                    out.push(Token::Text(text));
                    i = next;
                    continue;
                }
                while i < chars.len() {
                    let d = chars[i];
                    if d.is_alphanumeric() || matches!(d, '_' | '-' | ':' | '.' | '*') {
                        i += 1;
                    } else if d == '[' && chars[i - 1] != ' ' && index_follows(&chars, i) {
                        while chars[i] != ']' {
                            i += 1;
                        }
                        i += 1;
                    } else if d == '\'' && chars[i - 1] == '.' {
                        // A quoted path step: extensions.'windows-pebinary-ext'.
                        let (_, next) = quoted(&chars, i + 1)?;
                        i = next;
                    } else {
                        break;
                    }
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected '{other}'")),
        }
    }
    Ok(out)
}

/// A list index in an object path (`[*]`, `[0]`) starts at `i`.
fn index_follows(chars: &[char], i: usize) -> bool {
    let mut j = i + 1;
    while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '*') {
        j += 1;
    }
    j > i + 1 && chars.get(j) == Some(&']')
}

/// A quoted string whose text starts at `i`: its text and the index after the quote.
fn quoted(chars: &[char], mut i: usize) -> Result<(String, usize), String> {
    let mut text = String::new();
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                text.push(chars[i + 1]);
                i += 2;
            }
            '\'' => return Ok((text, i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err("a quoted string is never closed".into())
}

/// One comparison: `path op value(s)`.
#[derive(Debug, Clone)]
struct Comparison {
    path: String,
    negated: bool,
    op: String,
    values: Vec<String>,
}

impl Comparison {
    fn shown(&self) -> String {
        let not = if self.negated { "NOT " } else { "" };
        format!("{} {not}{} {}", self.path, self.op, self.values.join(", "))
    }
}

/// Alternatives (OR) of conjunctions (AND) of comparisons.
type Dnf = Vec<Vec<Comparison>>;

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }
    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }
    fn expect(&mut self, want: Token) -> Result<(), String> {
        match self.next() {
            Some(t) if t == want => Ok(()),
            Some(t) => Err(format!("expected {want:?}, found {t:?}")),
            None => Err(format!("expected {want:?} at the end")),
        }
    }

    /// Observation expressions joined by OR (read), or by AND/FOLLOWEDBY (not read).
    fn observations(&mut self, out: &mut Parsed) -> Result<(), String> {
        let mut group = vec![self.observation(out)?];
        let mut joined_by_and = false;
        while let Some(Token::Word(w)) = self.peek().cloned() {
            let w = w.to_ascii_uppercase();
            match w.as_str() {
                "OR" => {
                    self.at += 1;
                    flush(&mut group, joined_by_and, out);
                    joined_by_and = false;
                    group.push(self.observation(out)?);
                }
                "AND" | "FOLLOWEDBY" => {
                    self.at += 1;
                    joined_by_and = true;
                    group.push(self.observation(out)?);
                }
                _ => break,
            }
        }
        flush(&mut group, joined_by_and, out);
        Ok(())
    }

    /// `[ comparisons ]` or `( observations )`, with qualifiers (not read).
    fn observation(&mut self, out: &mut Parsed) -> Result<Option<Dnf>, String> {
        let dnf = match self.next() {
            Some(Token::OpenBracket) => {
                let dnf = self.or_expression()?;
                self.expect(Token::CloseBracket)?;
                Some(dnf)
            }
            Some(Token::Open) => {
                let mut inner = Parsed::default();
                self.observations(&mut inner)?;
                self.expect(Token::Close)?;
                out.unread.extend(inner.unread);
                out.blocks.extend(inner.blocks);
                None
            }
            other => return Err(format!("expected '[' or '(', found {other:?}")),
        };
        let mut qualified = false;
        while self.keyword("WITHIN") || self.keyword("REPEATS") || self.keyword("START") {
            qualified = true;
            let stop_words = ["OR", "AND", "FOLLOWEDBY"];
            while let Some(token) = self.peek() {
                match token {
                    Token::Word(w) if stop_words.iter().any(|s| w.eq_ignore_ascii_case(s)) => break,
                    Token::Close => break,
                    _ => self.at += 1,
                }
            }
        }
        if qualified {
            out.unread.push(
                "a qualifier (WITHIN, REPEATS, START … STOP) is outside the subset read".into(),
            );
            return Ok(None);
        }
        Ok(dnf)
    }

    fn or_expression(&mut self) -> Result<Dnf, String> {
        let mut alternatives = self.and_expression()?;
        while self.keyword("OR") {
            self.at += 1;
            alternatives.extend(self.and_expression()?);
        }
        Ok(alternatives)
    }

    fn and_expression(&mut self) -> Result<Dnf, String> {
        let mut alternatives = self.term()?;
        while self.keyword("AND") {
            self.at += 1;
            let right = self.term()?;
            if alternatives.len().saturating_mul(right.len()) > MAX_ALTERNATIVES {
                return Err(format!("more than {MAX_ALTERNATIVES} alternatives"));
            }
            alternatives = alternatives
                .iter()
                .flat_map(|a| right.iter().map(move |b| [a.clone(), b.clone()].concat()))
                .collect();
        }
        Ok(alternatives)
    }

    fn term(&mut self) -> Result<Dnf, String> {
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or_expression()?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        if self.keyword("EXISTS") {
            self.at += 1;
            let Some(Token::Word(path)) = self.next() else {
                return Err("EXISTS without an object path".into());
            };
            let op = "EXISTS".to_string();
            return Ok(vec![vec![Comparison {
                path,
                negated: false,
                op,
                values: Vec::new(),
            }]]);
        }
        let Some(Token::Word(path)) = self.next() else {
            return Err("expected an object path".into());
        };
        let negated = self.keyword("NOT");
        if negated {
            self.at += 1;
        }
        let op = match self.next() {
            Some(Token::Op(op)) => op,
            Some(Token::Word(w)) => w.to_ascii_uppercase(),
            other => {
                return Err(format!(
                    "expected a comparison after {path}, found {other:?}"
                ));
            }
        };
        let values = if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let mut values = Vec::new();
            loop {
                values.push(self.value()?);
                match self.next() {
                    Some(Token::Comma) => {}
                    Some(Token::Close) => break,
                    other => return Err(format!("expected ',' or ')', found {other:?}")),
                }
            }
            values
        } else {
            vec![self.value()?]
        };
        Ok(vec![vec![Comparison {
            path,
            negated,
            op,
            values,
        }]])
    }

    fn value(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Text(t) | Token::Number(t) | Token::Word(t)) => Ok(t),
            other => Err(format!("expected a value, found {other:?}")),
        }
    }
}

/// A group of observation expressions: read when it is one, not read when joined by AND.
fn flush(group: &mut Vec<Option<Dnf>>, joined_by_and: bool, out: &mut Parsed) {
    let taken = std::mem::take(group);
    if joined_by_and && taken.len() > 1 {
        out.unread.push(
            "observation expressions joined by AND or FOLLOWEDBY are outside the subset read"
                .into(),
        );
        return;
    }
    for dnf in taken.into_iter().flatten() {
        for conjunction in dnf {
            match blocks_of(&conjunction) {
                Ok(blocks) => out.blocks.extend(blocks),
                Err(why) => out.unread.push(why),
            }
        }
    }
}

const ADDRESS_PATHS: [&str; 4] = [
    "ipv4-addr:value",
    "ipv6-addr:value",
    "network-traffic:src_ref.value",
    "network-traffic:dst_ref.value",
];
const PORT_PATHS: [&str; 2] = ["network-traffic:src_port", "network-traffic:dst_port"];
const TYPE_PATHS: [&str; 2] = [
    "network-traffic:src_ref.type",
    "network-traffic:dst_ref.type",
];

/// The address blocks of one conjunction of comparisons.
fn blocks_of(conjunction: &[Comparison]) -> Result<Vec<Block>, String> {
    let mut addresses: Option<Vec<String>> = None;
    let mut ports = PortSet::default();
    for c in conjunction {
        let unread = || format!("'{}' is outside the subset read", c.shown());
        if c.negated {
            return Err(unread());
        }
        let path = c.path.as_str();
        if ADDRESS_PATHS.contains(&path) && matches!(c.op.as_str(), "=" | "ISSUBSET" | "IN") {
            if addresses.is_some() {
                return Err(format!(
                    "'{}': a second address comparison in one AND is outside the subset read",
                    c.shown()
                ));
            }
            addresses = Some(c.values.clone());
        } else if PORT_PATHS.contains(&path) {
            ports.narrow(&c.op, &c.values).map_err(|_| unread())?;
        } else if TYPE_PATHS.contains(&path) && c.op == "=" {
            if !c
                .values
                .iter()
                .all(|v| v == "ipv4-addr" || v == "ipv6-addr")
            {
                return Err(unread());
            }
        } else {
            return Err(unread());
        }
    }
    let Some(addresses) = addresses else {
        let shown: Vec<String> = conjunction.iter().map(Comparison::shown).collect();
        return Err(format!("'{}' names no address", shown.join(" AND ")));
    };
    let ranges = ports.ranges();
    if ranges.as_ref().is_some_and(Vec::is_empty) {
        return Err("the port comparisons leave no port".into());
    }
    let ports: Vec<Option<String>> =
        ranges.map_or(vec![None], |r| r.into_iter().map(Some).collect());
    Ok(addresses
        .iter()
        .flat_map(|a| {
            ports.iter().map(move |p| Block {
                addresses: a.clone(),
                ports: p.clone(),
            })
        })
        .collect())
}

/// The ports a conjunction allows: a range, narrowed by each comparison, and a list.
#[derive(Default)]
struct PortSet {
    low: u32,
    high: Option<u32>,
    list: Option<Vec<u32>>,
    any: bool,
}

impl PortSet {
    fn narrow(&mut self, op: &str, values: &[String]) -> Result<(), ()> {
        let numbers: Vec<u32> = values
            .iter()
            .map(|v| v.parse::<u32>().ok().filter(|p| *p <= 65_535).ok_or(()))
            .collect::<Result<_, _>>()?;
        self.any = true;
        let high = self.high.unwrap_or(65_535);
        match (op, numbers.as_slice()) {
            ("=", [p]) => {
                self.low = self.low.max(*p);
                self.high = Some(high.min(*p));
            }
            (">=", [p]) => self.low = self.low.max(*p),
            (">", [p]) => self.low = self.low.max(p + 1),
            ("<=", [p]) => self.high = Some(high.min(*p)),
            ("<", [p]) if *p > 0 => self.high = Some(high.min(p - 1)),
            ("IN", list) if !list.is_empty() => self.list = Some(list.to_vec()),
            _ => return Err(()),
        }
        Ok(())
    }

    /// `None` for any port; else the allowed ports as ranges (`443`, `1000-2000`).
    fn ranges(&self) -> Option<Vec<String>> {
        if !self.any {
            return None;
        }
        let high = self.high.unwrap_or(65_535);
        let mut ports: Vec<u32> = match &self.list {
            Some(list) => list
                .iter()
                .copied()
                .filter(|p| (self.low..=high).contains(p))
                .collect(),
            None if self.low <= high => return Some(vec![range_text(self.low, high)]),
            None => return Some(Vec::new()),
        };
        ports.sort_unstable();
        ports.dedup();
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for p in ports {
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == p => *end = p,
                _ => runs.push((p, p)),
            }
        }
        Some(runs.into_iter().map(|(a, b)| range_text(a, b)).collect())
    }
}

fn range_text(low: u32, high: u32) -> String {
    if low == high {
        low.to_string()
    } else {
        format!("{low}-{high}")
    }
}

/// Read a pattern.
pub fn parse(pattern: &str) -> Parsed {
    let mut out = Parsed::default();
    let result = tokens(pattern).and_then(|tokens| {
        let mut parser = Parser { tokens, at: 0 };
        parser.observations(&mut out)?;
        match parser.peek() {
            None => Ok(()),
            Some(t) => Err(format!("unexpected {t:?} after the pattern")),
        }
    });
    if let Err(why) = result {
        return Parsed {
            blocks: Vec::new(),
            unread: vec![format!("the pattern cannot be parsed: {why}")],
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(addresses: &str, ports: Option<&str>) -> Block {
        Block {
            addresses: addresses.into(),
            ports: ports.map(Into::into),
        }
    }

    #[test]
    fn addresses_joined_by_or_are_blocks_of_their_own() {
        let parsed = parse(
            "[ipv4-addr:value = '203.0.113.0/24' OR ipv6-addr:value ISSUBSET '2001:db8::/32'] OR [ipv4-addr:value IN ('198.51.100.1', '198.51.100.2')]",
        );
        assert_eq!(parsed.unread, Vec::<String>::new());
        assert_eq!(
            parsed.blocks,
            [
                block("203.0.113.0/24", None),
                block("2001:db8::/32", None),
                block("198.51.100.1", None),
                block("198.51.100.2", None)
            ]
        );
    }

    #[test]
    fn ports_and_types_narrow_an_address_as_misp_writes_them() {
        let parsed = parse(
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.5' AND network-traffic:dst_port = '443']",
        );
        assert_eq!(parsed.blocks, [block("203.0.113.5", Some("443"))]);
        let parsed = parse(
            "[network-traffic:src_ref.value = '198.18.0.0/15' AND network-traffic:src_port >= 1000 AND network-traffic:src_port <= 2000]",
        );
        assert_eq!(parsed.blocks, [block("198.18.0.0/15", Some("1000-2000"))]);
        let parsed = parse(
            "[network-traffic:src_ref.value = '198.18.0.1' AND network-traffic:src_port IN (80, 443, 444)]",
        );
        assert_eq!(
            parsed.blocks,
            [
                block("198.18.0.1", Some("80")),
                block("198.18.0.1", Some("443-444"))
            ]
        );
    }

    #[test]
    fn parentheses_distribute() {
        let parsed = parse(
            "[(ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2') AND network-traffic:src_port = 22]",
        );
        assert_eq!(
            parsed.blocks,
            [
                block("192.0.2.1", Some("22")),
                block("192.0.2.2", Some("22"))
            ]
        );
    }

    #[test]
    fn what_is_outside_the_subset_is_named_and_the_rest_is_read() {
        let parsed = parse(
            "[ipv4-addr:value = '192.0.2.1'] OR [domain-name:value = 'example.com'] OR [file:hashes.'SHA-256' = 'ab'] OR [ipv4-addr:value = '192.0.2.9'] WITHIN 5 SECONDS",
        );
        assert_eq!(parsed.blocks, [block("192.0.2.1", None)]);
        assert_eq!(parsed.unread.len(), 3, "{:?}", parsed.unread);
        assert!(
            parsed.unread[0].contains("domain-name:value"),
            "{:?}",
            parsed.unread
        );
        let parsed = parse("[ipv4-addr:value = '192.0.2.1'] AND [ipv4-addr:value = '192.0.2.2']");
        assert!(parsed.blocks.is_empty() && parsed.unread.len() == 1);
        let parsed = parse("[ipv4-addr:value NOT = '192.0.2.1']");
        assert!(parsed.blocks.is_empty() && parsed.unread[0].contains("NOT"));
    }

    #[test]
    fn broken_patterns_say_why_and_never_panic() {
        for pattern in [
            "",
            "[",
            "[ipv4-addr:value = '1",
            "[a:b = 'x'",
            "]]",
            "[x:y[*].z = 1]",
            "[a:b IN (]",
            "(((",
            "[ipv4-addr:value = 'x'] OR",
        ] {
            let parsed = parse(pattern);
            assert!(
                parsed.blocks.is_empty() || pattern.contains("x:y"),
                "{pattern}"
            );
        }
        assert_eq!(parse("[").unread.len(), 1);
    }
}
