//! A document tree that remembers where every node came from.
//!
//! YAML is read with `saphyr-parser` (a maintained YAML 1.2 parser that
//! reports a span for every event, unlike the deprecated `serde_yaml`), TOML
//! with `toml`'s spanned `DeTable`. Both become the same [`Node`] tree, which
//! the schema validator sees as JSON and which maps every JSON Schema
//! instance path back to a line and column.

use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::diag::{Diag, ErrorCode};
use crate::source::{SourceFile, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The node at a JSON pointer (`/secrets/3/store/kind`), if any.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        let mut node = self;
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            node = match &node.value {
                Value::Map(entries) => &entries.iter().find(|e| e.key == seg)?.value,
                Value::Seq(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The deepest node along a pointer: the best place to point at when
    /// the pointer names something that does not exist.
    pub fn deepest(&self, pointer: &str) -> &Node {
        let mut node = self;
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            let next = match &node.value {
                Value::Map(entries) => entries.iter().find(|e| e.key == seg).map(|e| &e.value),
                Value::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// The same tree as JSON, for schema validation.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(f.to_string())),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// A short description of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
        }
    }
}

/// Parses a document by its file extension: `.toml` as TOML, else YAML.
pub fn parse(src: &Arc<SourceFile>) -> Result<Node, Vec<Diag>> {
    if src.name.ends_with(".toml") {
        parse_toml(src)
    } else {
        parse_yaml(src)
    }
}

fn empty_file(src: &Arc<SourceFile>) -> Vec<Diag> {
    vec![
        Diag::at(
            ErrorCode::Parse,
            format!("{} is empty", src.name),
            src,
            Span::new(0, 0),
            "expected a document here",
        )
        .with_help("start from `keyledger init`, or see the format in the README"),
    ]
}

// ---------------------------------------------------------------- YAML ----

/// Nodes that aliases may add to a document, in all. An alias is expanded
/// by copying what its anchor holds, so nine anchors of nine aliases each
/// (a 400-byte "billion laughs" file) would make 10^9 nodes; real
/// inventories use a handful of small aliases for shared defaults.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// Collections nested deeper than this are refused (a deep tree is a stack
/// overflow waiting in every recursive consumer: drop, JSON, the schema).
pub const MAX_DEPTH: usize = 128;

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
        size: usize,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        /// Key → index in `entries`, for duplicate keys in linear time.
        seen: std::collections::HashMap<String, usize>,
        pending_key: Option<(String, Span)>,
        size: usize,
    },
}

/// Maps saphyr's character indices to byte offsets. Events arrive in
/// document order, so walking from the previous position is linear over
/// the whole parse, whatever the line lengths.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    ch: usize,
    byte: usize,
}

impl Offsets<'_> {
    fn byte_of(&mut self, m: &saphyr_parser::Marker) -> usize {
        let ch = m.index();
        if self.ascii {
            return ch.min(self.text.len());
        }
        while self.ch < ch && self.byte < self.text.len() {
            let c = self.text[self.byte..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
            self.byte += c;
            self.ch += 1;
        }
        while self.ch > ch && self.byte > 0 {
            self.byte -= 1;
            while self.byte > 0 && !self.text.is_char_boundary(self.byte) {
                self.byte -= 1;
            }
            self.ch -= 1;
        }
        self.byte
    }
}

/// Where the tab that a YAML error is about is: in the indentation of the
/// error's line, after the error on its line, or in the indentation of the
/// next non-blank line (a plain scalar's continuation).
fn find_tab(src: &SourceFile, at: usize) -> Option<usize> {
    let b = src.text.as_bytes();
    let li = src.line_index(at);
    let indent_tab = |li: usize| -> (Option<usize>, bool) {
        let (ls, le) = (src.line_start(li), src.line_end(li));
        let mut i = ls;
        while i < le && (b[i] == b' ' || b[i] == b'\t') {
            if b[i] == b'\t' {
                return (Some(i), true);
            }
            i += 1;
        }
        (None, i < le)
    };
    if let (Some(t), _) = indent_tab(li) {
        return Some(t);
    }
    let le = src.line_end(li);
    if let Some(i) = b[at.min(le)..le].iter().position(|&c| c == b'\t') {
        return Some(at.min(le) + i);
    }
    for next in li + 1..src.line_count() {
        match indent_tab(next) {
            (Some(t), _) => return Some(t),
            (None, true) => return None,
            (None, false) => {}
        }
    }
    None
}

/// Parses YAML into a [`Node`] tree. Duplicate keys, tabs, several
/// documents, non-scalar keys, alias expansion past [`MAX_ALIAS_NODES`]
/// and nesting past [`MAX_DEPTH`] are errors with a location.
pub fn parse_yaml(src: &Arc<SourceFile>) -> Result<Node, Vec<Diag>> {
    if src.text.trim().is_empty() {
        return Err(empty_file(src));
    }
    let mut parser = Parser::new_from_str(&src.text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, (Node, usize)> = Default::default();
    let mut expanded = 0usize;
    let mut root: Option<Node> = None;
    let mut errors = Vec::new();
    let mut offsets = Offsets {
        text: &src.text,
        ascii: src.text.is_ascii(),
        ch: 0,
        byte: 0,
    };

    while let Some(ev) = parser.next_event() {
        let (event, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                let at = offsets.byte_of(e.marker());
                let info = e.info().to_string();
                let about_tab = info.contains("tab");
                let tab = if about_tab { find_tab(src, at) } else { None };
                let (span, label) = match tab {
                    Some(t) => (Span::new(t, t + 1), "tab"),
                    None => (Span::new(at, at), "here"),
                };
                let mut d = Diag::at(
                    ErrorCode::Parse,
                    format!("invalid YAML in {}: {info}", src.name),
                    src,
                    span,
                    label,
                );
                if about_tab {
                    d = d.with_help("YAML does not allow tabs for indentation; use spaces");
                }
                errors.push(d);
                return Err(errors);
            }
        };
        let start = offsets.byte_of(&span.start);
        let end = offsets.byte_of(&span.end).max(start);
        let completed: Option<(Node, usize, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                if root.is_some() {
                    errors.push(Diag::at(
                        ErrorCode::Parse,
                        format!("{} holds more than one YAML document", src.name),
                        src,
                        Span::new(start, end.max(start + 3)),
                        "second document starts here",
                    ));
                    break;
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some((n, size)) => {
                    expanded = expanded.saturating_add(*size);
                    if expanded > MAX_ALIAS_NODES {
                        errors.push(
                            Diag::at(
                                ErrorCode::Parse,
                                format!(
                                    "aliases in {} expand to more than {MAX_ALIAS_NODES} nodes",
                                    src.name
                                ),
                                src,
                                Span::new(start, end),
                                "this alias goes past the limit",
                            )
                            .with_help(
                                "an alias copies its anchor's whole value; nested aliases multiply (a \"billion laughs\" document). Write the values out, or alias less",
                            ),
                        );
                        break;
                    }
                    Some((
                        Node {
                            span: Span::new(start, end),
                            value: n.value.clone(),
                        },
                        0,
                        *size,
                    ))
                }
                None => {
                    errors.push(Diag::at(
                        ErrorCode::Parse,
                        "alias refers to an unknown anchor",
                        src,
                        Span::new(start, end),
                        "unknown anchor",
                    ));
                    break;
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = if style == ScalarStyle::Plain && !is_str_tag {
                    resolve_plain(&text)
                } else {
                    Value::Str(text.into_owned())
                };
                Some((
                    Node {
                        span: Span::new(start, end),
                        value,
                    },
                    anchor,
                    1,
                ))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _)
                if stack.len() >= MAX_DEPTH =>
            {
                let _ = anchor;
                errors.push(Diag::at(
                    ErrorCode::Parse,
                    format!(
                        "{} nests collections deeper than {MAX_DEPTH} levels",
                        src.name
                    ),
                    src,
                    Span::new(start, end.max(start + 1)),
                    "too deep",
                ));
                break;
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                    size: 1,
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map {
                    start,
                    anchor,
                    entries: Vec::new(),
                    seen: Default::default(),
                    pending_key: None,
                    size: 1,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    start: s,
                    anchor,
                    items,
                    size,
                }) => {
                    let e = items.last().map_or(end, |n| n.span.end.max(s));
                    Some((
                        Node {
                            span: Span::new(s, e),
                            value: Value::Seq(items),
                        },
                        anchor,
                        size,
                    ))
                }
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    start: s,
                    anchor,
                    entries,
                    size,
                    ..
                }) => {
                    let e = entries.last().map_or(end, |en| en.value.span.end.max(s));
                    Some((
                        Node {
                            span: Span::new(s, e),
                            value: Value::Map(entries),
                        },
                        anchor,
                        size,
                    ))
                }
                _ => None,
            },
        };
        let Some((node, anchor, node_size)) = completed else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), node_size));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, size, .. }) => {
                *size = size.saturating_add(node_size);
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                seen,
                pending_key,
                size,
                ..
            }) => {
                *size = size.saturating_add(node_size);
                match pending_key.take() {
                    None => {
                        let key = match &node.value {
                            Value::Str(s) => s.clone(),
                            Value::Int(i) => i.to_string(),
                            Value::Bool(b) => b.to_string(),
                            Value::Float(f) => f.to_string(),
                            Value::Null => "null".to_string(),
                            _ => {
                                errors.push(Diag::at(
                                    ErrorCode::Parse,
                                    "mapping keys must be plain scalars",
                                    src,
                                    node.span,
                                    "complex key",
                                ));
                                String::new()
                            }
                        };
                        if let Some(&first) = seen.get(&key) {
                            let mut d = Diag::at(
                                ErrorCode::Parse,
                                format!("duplicate key `{key}`"),
                                src,
                                node.span,
                                "duplicate key",
                            )
                            .with_help(
                                "each key may appear once in a mapping; remove or merge one",
                            );
                            if let Some(e) = entries.get(first) {
                                d.labels.push((e.key_span, "first defined here".into()));
                            }
                            errors.push(d);
                            if errors.len() >= crate::diag::MAX_ERRORS {
                                break;
                            }
                        } else {
                            seen.insert(key.clone(), entries.len());
                        }
                        *pending_key = Some((key, node.span));
                    }
                    Some((key, key_span)) => entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    }),
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match root {
        Some(n) if !n.is_null() => Ok(n),
        _ => Err(empty_file(src)),
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = s.parse::<i64>()
    {
        return Value::Int(i);
    }
    if let Some(h) = s.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(h, 16)
    {
        return Value::Int(i);
    }
    if let Some(o) = s.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(o, 8)
    {
        return Value::Int(i);
    }
    let looks_float = {
        let b = digits.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_digit() || (b[0] == b'.' && b.len() > 1 && b[1].is_ascii_digit()))
            && digits
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
    };
    if looks_float && let Ok(f) = s.parse::<f64>() {
        return Value::Float(f);
    }
    Value::Str(s.to_string())
}

// ---------------------------------------------------------------- TOML ----

/// Parses TOML into a [`Node`] tree with byte spans.
pub fn parse_toml(src: &Arc<SourceFile>) -> Result<Node, Vec<Diag>> {
    use toml::de::DeTable;
    if src.text.trim().is_empty() {
        return Err(empty_file(src));
    }
    let (table, errs) = DeTable::parse_recoverable(&src.text);
    if !errs.is_empty() {
        return Err(errs
            .iter()
            .take(crate::diag::MAX_ERRORS)
            .map(|e| {
                let r = e.span().unwrap_or(0..0);
                Diag::at(
                    ErrorCode::Parse,
                    format!("invalid TOML in {}: {}", src.name, e.message().trim()),
                    src,
                    Span::new(r.start, r.end),
                    "here",
                )
            })
            .collect());
    }
    let span = table.span();
    let entries = table
        .into_inner()
        .into_iter()
        .map(|(k, v)| toml_entry(k, v))
        .collect();
    Ok(Node {
        span: Span::new(span.start, span.end),
        value: Value::Map(entries),
    })
}

fn toml_entry(
    k: toml::Spanned<toml::de::DeString<'_>>,
    v: toml::Spanned<toml::de::DeValue<'_>>,
) -> Entry {
    let ks = k.span();
    Entry {
        key: k.into_inner().into_owned(),
        key_span: Span::new(ks.start, ks.end),
        value: toml_node(v),
    }
}

fn toml_node(v: toml::Spanned<toml::de::DeValue<'_>>) -> Node {
    use toml::de::DeValue;
    let r = v.span();
    let value = match v.into_inner() {
        DeValue::String(s) => Value::Str(s.into_owned()),
        DeValue::Integer(i) => {
            let text = i.to_string().replace('_', "");
            let parsed = if let Some(h) = text.strip_prefix("0x") {
                i64::from_str_radix(h, 16).ok()
            } else if let Some(o) = text.strip_prefix("0o") {
                i64::from_str_radix(o, 8).ok()
            } else if let Some(b) = text.strip_prefix("0b") {
                i64::from_str_radix(b, 2).ok()
            } else {
                text.parse().ok()
            };
            parsed.map_or(Value::Str(text), Value::Int)
        }
        DeValue::Float(f) => f
            .to_string()
            .replace('_', "")
            .parse::<f64>()
            .map_or(Value::Null, Value::Float),
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => Value::Str(d.to_string()),
        DeValue::Array(items) => Value::Seq(items.into_iter().map(toml_node).collect()),
        DeValue::Table(t) => Value::Map(t.into_iter().map(|(k, v)| toml_entry(k, v)).collect()),
    };
    Node {
        span: Span::new(r.start, r.end),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Result<Node, Vec<Diag>> {
        parse_yaml(&SourceFile::new("t.yaml", text))
    }

    #[test]
    fn spans_point_at_values() {
        let text = "a: 1\nb:\n  - x: \"é y\"\n    z: true\n";
        let src = SourceFile::new("t.yaml", text);
        let n = parse_yaml(&src).unwrap();
        let z = n.pointer("/b/0/z").unwrap();
        assert_eq!(z.value, Value::Bool(true));
        let lc = src.line_col(z.span.start);
        assert_eq!((lc.line, lc.column), (4, 8));
        let x = n.pointer("/b/0/x").unwrap();
        assert_eq!(x.as_str(), Some("é y"));
        assert_eq!(&text[x.span.start..x.span.end], "\"é y\"");
        let after = n.pointer("/b/0/z").unwrap();
        assert_eq!(&text[after.span.start..after.span.end], "true");
    }

    #[test]
    fn unicode_before_span_keeps_byte_offsets() {
        let text = "név: ünïcödé\nkey: value\n";
        let n = yaml(text).unwrap();
        let v = n.get("key").unwrap();
        assert_eq!(&text[v.span.start..v.span.end], "value");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = yaml("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("duplicate key `a`"));
        assert_eq!(e[0].location().unwrap(), "t.yaml:3:1");
    }

    #[test]
    fn tabs_and_empty_files_are_errors() {
        assert!(yaml("a:\n\t- b\n").is_err());
        assert!(yaml("").unwrap_err()[0].message.contains("empty"));
        assert!(yaml("# only a comment\n").is_err());
    }

    #[test]
    fn alias_bombs_are_refused_at_the_alias() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        }
        let t = std::time::Instant::now();
        let e = yaml(&text).unwrap_err();
        assert!(t.elapsed().as_secs() < 8, "{:?}", t.elapsed());
        assert!(
            e[0].message.contains("expand to more than"),
            "{}",
            e[0].message
        );
        let loc = e[0].location().unwrap();
        assert!(loc.starts_with("t.yaml:"), "{loc}");
        // Ordinary aliases still work.
        let n = yaml("d: &d {owner: x}\ns: [*d, *d]\n").unwrap();
        assert_eq!(n.pointer("/s/1/owner").and_then(Node::as_str), Some("x"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("a: {}{}\n", "[".repeat(5000), "]".repeat(5000));
        assert!(yaml(&deep).is_err());
        let block: String = (0..2000).map(|_| "- ").collect::<String>() + "x\n";
        let e = yaml(&block).unwrap_err();
        assert!(e[0].message.contains("deeper than"), "{}", e[0].message);
    }

    #[test]
    fn many_keys_parse_in_linear_time() {
        let mut text = String::from("m:\n");
        for i in 0..80_000 {
            text.push_str(&format!("  k{i}: {i}\n"));
        }
        text.push_str("  k7: dup\n");
        let t = std::time::Instant::now();
        let e = yaml(&text).unwrap_err();
        assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].location().unwrap(), "t.yaml:80002:3");
    }

    #[test]
    fn a_tab_error_points_at_the_tab() {
        let e = yaml("version: 1\nsecrets:\n  - name: A\n\towner: x\n").unwrap_err();
        assert_eq!(e[0].location().unwrap(), "t.yaml:4:1");
        assert!(e[0].help.as_deref().is_some_and(|h| h.contains("tabs")));
        let e = yaml("a:\n  b: >\n    text\n\t  more\n").unwrap_err();
        assert_eq!(e[0].location().unwrap(), "t.yaml:4:1");
        // A tab inside a quoted value has nothing to do with this error.
        let e = yaml("a: \"x\ty\"\nb: [1, 2\n").unwrap_err();
        assert!(e[0].help.is_none(), "{:?}", e[0].help);
    }

    #[test]
    fn offsets_stay_right_after_long_non_ascii_lines() {
        let long = "é".repeat(100_000);
        let text = format!(
            "a: \"{long}\"\nb: [{}]\nc: end\n",
            vec!["ü"; 20_000].join(", ")
        );
        let t = std::time::Instant::now();
        let n = yaml(&text).unwrap();
        assert!(t.elapsed().as_secs() < 8, "{:?}", t.elapsed());
        let c = n.get("c").unwrap();
        assert_eq!(&text[c.span.start..c.span.end], "end");
        let last = n.pointer("/b/19999").unwrap();
        assert_eq!(&text[last.span.start..last.span.end], "ü");
    }

    #[test]
    fn plain_scalars_resolve_like_yaml_1_2() {
        assert_eq!(resolve_plain("2026-08-01"), Value::Str("2026-08-01".into()));
        assert_eq!(resolve_plain("90d"), Value::Str("90d".into()));
        assert_eq!(resolve_plain("1"), Value::Int(1));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("yes"), Value::Str("yes".into()));
    }

    #[test]
    fn toml_keeps_spans_and_dates() {
        let text = "version = 1\n[[secrets]]\nname = \"A\"\nlast_rotated = 2026-08-01\n";
        let n = parse_toml(&SourceFile::new("t.toml", text)).unwrap();
        let d = n.pointer("/secrets/0/last_rotated").unwrap();
        assert_eq!(d.as_str(), Some("2026-08-01"));
        assert_eq!(&text[d.span.start..d.span.end], "2026-08-01");
        assert!(parse_toml(&SourceFile::new("t.toml", "a = 1\na = 2\n")).is_err());
    }
}
