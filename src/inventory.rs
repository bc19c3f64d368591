//! Inventory stage: read the file once, parse it with spans, validate it
//! against its schema, apply `defaults` and build the typed model.

use std::path::Path;
use std::sync::Arc;

use jiff::civil::Date;

use crate::cadence::{Cadence, parse_date};
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::node::{self, Node};
use crate::schema;
use crate::source::{SourceFile, Span};

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlastRadius {
    Low,
    Medium,
    High,
    Critical,
}

impl BlastRadius {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "low" => Self::Low,
            "medium" => Self::Medium,
            "high" => Self::High,
            "critical" => Self::Critical,
            _ => return None,
        })
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Exposure {
    #[default]
    Server,
    BuildTime,
    Public,
}

impl Exposure {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "server" => Self::Server,
            "build-time" => Self::BuildTime,
            "public" => Self::Public,
            _ => return None,
        })
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::BuildTime => "build-time",
            Self::Public => "public",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Store {
    pub kind: Spanned<String>,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    pub name: Spanned<String>,
    /// The whole entry.
    pub span: Span,
    pub description: Option<String>,
    pub owner: Option<Spanned<String>>,
    pub store: Option<Store>,
    pub used_by: Vec<String>,
    pub cadence: Option<Spanned<Cadence>>,
    pub last_rotated: Option<Spanned<Date>>,
    pub blast_radius: Option<Spanned<BlastRadius>>,
    pub exposure: Spanned<Exposure>,
    pub rotate_with: Vec<Spanned<String>>,
    pub runbook: Option<Spanned<String>>,
    pub fingerprints: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    pub span: Span,
    pub rule: Spanned<String>,
    pub secret: Option<Spanned<String>>,
    pub reason: String,
    pub expires: Spanned<Date>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pii {
    pub fields: Vec<String>,
    pub from: Vec<Spanned<String>>,
}

#[derive(Debug)]
pub struct Inventory {
    pub source: Arc<SourceFile>,
    pub root: Node,
    pub secrets: Vec<Secret>,
    pub pii: Pii,
    pub waivers: Vec<Waiver>,
}

impl Inventory {
    pub fn secret(&self, name: &str) -> Option<&Secret> {
        self.secrets.iter().find(|s| s.name.value == name)
    }
}

/// Reads a file as UTF-8 text; a missing or non-UTF-8 file is an error that
/// names the file (and, for bad bytes, the line and column). Bounded, and
/// only a regular file (see [`crate::fsutil`]); where the path comes from
/// (the command line or the repository) is the caller's to check.
pub fn read_text(path: &Path, display: &str) -> Result<Arc<SourceFile>, Diag> {
    crate::fsutil::read_named(path, display)
}

/// Loads and validates an inventory. All errors are collected.
pub fn load(path: &Path, display: &str) -> Result<Inventory, Fatal> {
    let source = read_text(path, display)?;
    let root = node::parse(&source).map_err(Fatal)?;
    register_fingerprints(&root);
    validate_and_build(source, root)
}

/// Registers the inventory's fingerprints for redaction as soon as the file
/// parses, before it is validated: an error about this file (or any file
/// read after it) then masks the values it fingerprints.
fn register_fingerprints(root: &Node) {
    let mut set = crate::scan::fingerprint::Set::default();
    let mut salts = std::collections::HashSet::new();
    let mut lengths = std::collections::HashSet::new();
    for entry in root.get("secrets").map(Node::as_seq).unwrap_or_default() {
        let name = entry.get("name").and_then(Node::as_str).unwrap_or("?");
        let fps = entry
            .get("fingerprints")
            .map(Node::as_seq)
            .unwrap_or_default();
        for fp in fps.iter().filter_map(Node::as_str) {
            // Within the bounds the scan keeps (see `check_limits`); what
            // is past them is an error of this inventory anyway.
            let Some((salt, len, _)) = crate::scan::fingerprint::parse(fp) else {
                continue;
            };
            salts.insert(salt);
            lengths.insert(len);
            if salts.len() <= MAX_FINGERPRINT_SALTS && lengths.len() <= MAX_FINGERPRINT_LENGTHS {
                set.add(fp, name);
            }
        }
    }
    crate::redact::register(set);
}

/// Schema errors and the errors only the typed model sees (a date that
/// matches the pattern but does not exist, a zero cadence) are reported
/// together, so one run shows every problem.
fn validate_and_build(source: Arc<SourceFile>, root: Node) -> Result<Inventory, Fatal> {
    let mut errors = schema::validate(schema::inventory(), &root, &source);
    if errors.is_empty() {
        return build(source, root);
    }
    if let Err(Fatal(more)) = build(source, root) {
        let mut spans: std::collections::HashSet<Option<Span>> = errors
            .iter()
            .map(|e| e.labels.first().map(|l| l.0))
            .collect();
        for d in more {
            if errors.len() >= crate::diag::MAX_ERRORS {
                break;
            }
            if spans.insert(d.labels.first().map(|l| l.0)) {
                errors.push(d);
            }
        }
        errors.sort_by_key(|d| d.labels.first().map(|l| l.0.start));
    }
    Err(Fatal(errors))
}

struct Builder<'a> {
    src: &'a Arc<SourceFile>,
    errors: Vec<Diag>,
}

/// Fingerprint salts one inventory may use (`keyledger fingerprint` keeps
/// one): every salt is a keyed hash per candidate token of every file.
pub const MAX_FINGERPRINT_SALTS: usize = 4;
/// Distinct value lengths among the fingerprints: each is a hash per
/// candidate token too.
pub const MAX_FINGERPRINT_LENGTHS: usize = 32;
/// `pii.from` schemas, at most.
pub const MAX_PII_SCHEMAS: usize = 64;
/// Waivers, at most: each is matched against every finding.
pub const MAX_WAIVERS: usize = 1000;

impl Builder<'_> {
    /// Bounds on what the scan does per byte: fingerprints of short values
    /// (which `keyledger fingerprint` refuses: cheap to brute-force), too
    /// many salts or lengths, too many `pii.from` schemas.
    fn check_limits(&mut self, secrets: &[Secret], pii: &Pii) {
        let mut salts = std::collections::HashSet::new();
        let mut lengths = std::collections::HashSet::new();
        for fp in secrets.iter().flat_map(|s| &s.fingerprints) {
            let Some((salt, len, _)) = crate::scan::fingerprint::parse(&fp.value) else {
                continue;
            };
            let what = if len < crate::scan::fingerprint::MIN_LEN {
                format!(
                    "this fingerprint is of a {len}-character value; fingerprints need at least {}",
                    crate::scan::fingerprint::MIN_LEN
                )
            } else if salts.insert(salt) && salts.len() > MAX_FINGERPRINT_SALTS {
                format!("fingerprints use more than {MAX_FINGERPRINT_SALTS} salts")
            } else if lengths.insert(len) && lengths.len() > MAX_FINGERPRINT_LENGTHS {
                format!(
                    "fingerprints are of more than {MAX_FINGERPRINT_LENGTHS} different value lengths"
                )
            } else {
                continue;
            };
            self.errors.push(
                Diag::at(ErrorCode::Schema, what, self.src, fp.span, "here").with_help(
                    "write fingerprints with `keyledger fingerprint NAME`: one salt per inventory, values of 12 characters or more",
                ),
            );
            if self.errors.len() >= crate::diag::MAX_ERRORS {
                return;
            }
        }
        if let Some(extra) = pii.from.get(MAX_PII_SCHEMAS) {
            self.errors.push(Diag::at(
                ErrorCode::Schema,
                format!("pii.from lists more than {MAX_PII_SCHEMAS} schemas"),
                self.src,
                extra.span,
                "one too many",
            ));
        }
    }

    fn string(&self, n: &Node) -> Spanned<String> {
        Spanned {
            value: n.as_str().unwrap_or_default().to_string(),
            span: n.span,
        }
    }

    fn strings(&self, n: Option<&Node>) -> Vec<Spanned<String>> {
        n.map(|n| n.as_seq().iter().map(|i| self.string(i)).collect())
            .unwrap_or_default()
    }

    fn date(&mut self, n: &Node, what: &str) -> Option<Spanned<Date>> {
        match parse_date(n.as_str().unwrap_or_default()) {
            Ok(value) => Some(Spanned {
                value,
                span: n.span,
            }),
            Err(e) => {
                self.errors.push(Diag::at(
                    ErrorCode::Schema,
                    format!("{what}: {e}"),
                    self.src,
                    n.span,
                    "not a calendar date",
                ));
                None
            }
        }
    }

    fn cadence(&mut self, n: &Node) -> Option<Spanned<Cadence>> {
        match Cadence::parse(n.as_str().unwrap_or_default()) {
            Ok(value) => Some(Spanned {
                value,
                span: n.span,
            }),
            Err(e) => {
                self.errors.push(Diag::at(
                    ErrorCode::Schema,
                    e,
                    self.src,
                    n.span,
                    "invalid cadence",
                ));
                None
            }
        }
    }

    fn store(&self, n: &Node) -> Option<Store> {
        let kind = n.get("kind")?;
        Some(Store {
            kind: self.string(kind),
            reference: n.get("ref").and_then(Node::as_str).map(str::to_string),
        })
    }
}

fn build(source: Arc<SourceFile>, root: Node) -> Result<Inventory, Fatal> {
    let mut b = Builder {
        src: &source,
        errors: Vec::new(),
    };
    let empty = Node {
        span: Span::default(),
        value: node::Value::Map(Vec::new()),
    };
    let defaults = root.get("defaults").unwrap_or(&empty);
    fn field<'n>(entry: &'n Node, defaults: &'n Node, key: &str) -> Option<&'n Node> {
        entry
            .get(key)
            .filter(|n| !n.is_null())
            .or_else(|| defaults.get(key).filter(|n| !n.is_null()))
    }

    let mut secrets = Vec::new();
    for entry in root.get("secrets").map(Node::as_seq).unwrap_or_default() {
        let Some(name_node) = entry.get("name") else {
            continue;
        };
        let cadence = match field(entry, defaults, "cadence") {
            Some(n) => b.cadence(n),
            None => None,
        };
        let last_rotated = match entry.get("last_rotated") {
            Some(n) => b.date(n, "last_rotated"),
            None => None,
        };
        let exposure = field(entry, defaults, "exposure")
            .and_then(|n| {
                Exposure::parse(n.as_str()?).map(|value| Spanned {
                    value,
                    span: n.span,
                })
            })
            .unwrap_or(Spanned {
                value: Exposure::Server,
                span: name_node.span,
            });
        secrets.push(Secret {
            name: b.string(name_node),
            span: entry.span,
            description: entry
                .get("description")
                .and_then(Node::as_str)
                .map(str::to_string),
            owner: field(entry, defaults, "owner").map(|n| b.string(n)),
            store: field(entry, defaults, "store").and_then(|n| b.store(n)),
            used_by: field(entry, defaults, "used_by")
                .map(|n| {
                    n.as_seq()
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            cadence,
            last_rotated,
            blast_radius: field(entry, defaults, "blast_radius").and_then(|n| {
                BlastRadius::parse(n.as_str()?).map(|value| Spanned {
                    value,
                    span: n.span,
                })
            }),
            exposure,
            rotate_with: b.strings(entry.get("rotate_with")),
            runbook: field(entry, defaults, "runbook").map(|n| b.string(n)),
            fingerprints: b.strings(entry.get("fingerprints")),
        });
    }

    let mut waivers = Vec::new();
    for w in root.get("waivers").map(Node::as_seq).unwrap_or_default() {
        let (Some(rule), Some(expires)) = (w.get("rule"), w.get("expires")) else {
            continue;
        };
        let Some(expires) = b.date(expires, "waiver expires") else {
            continue;
        };
        waivers.push(Waiver {
            span: w.span,
            rule: b.string(rule),
            secret: w.get("secret").map(|n| b.string(n)),
            reason: w
                .get("reason")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_string(),
            expires,
        });
    }

    let pii = root
        .get("pii")
        .map(|p| Pii {
            fields: p
                .get("fields")
                .map(|f| {
                    f.as_seq()
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            from: b.strings(p.get("from")),
        })
        .unwrap_or_default();

    b.check_limits(&secrets, &pii);
    if let Some(w) = waivers.get(MAX_WAIVERS) {
        b.errors.push(Diag::at(
            ErrorCode::Schema,
            format!("more than {MAX_WAIVERS} waivers"),
            &source,
            w.span,
            "one too many",
        ));
    }
    if !b.errors.is_empty() {
        return Err(Fatal(b.errors));
    }
    Ok(Inventory {
        source,
        root,
        secrets,
        pii,
        waivers,
    })
}

/// Parses and validates an inventory held in memory (tests, benchmarks).
pub fn from_text(name: &str, text: &str) -> Result<Inventory, Fatal> {
    let source = SourceFile::new(name, text);
    let root = node::parse(&source).map_err(Fatal)?;
    register_fingerprints(&root);
    validate_and_build(source, root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_spans_stay() {
        let inv = from_text(
            "inv.yaml",
            "version: 1\ndefaults:\n  owner: platform\n  cadence: 90d\nsecrets:\n  - name: A\n  - name: B\n    owner: web\n    cadence: monthly\n    last_rotated: 2026-01-31\n",
        )
        .unwrap();
        assert_eq!(inv.secrets[0].owner.as_ref().unwrap().value, "platform");
        assert_eq!(inv.secrets[1].owner.as_ref().unwrap().value, "web");
        assert_eq!(
            inv.secrets[0]
                .cadence
                .as_ref()
                .unwrap()
                .value
                .nominal_days(),
            Some(90)
        );
        let lr = inv.secrets[1].last_rotated.as_ref().unwrap();
        assert_eq!(inv.source.line_col(lr.span.start).line, 10);
        assert_eq!(inv.secrets[0].exposure.value, Exposure::Server);
    }

    #[test]
    fn all_schema_errors_are_reported_with_positions() {
        let err = from_text(
            "inv.yaml",
            "version: 1\nsecrets:\n  - name: A\n    ownr: x\n    blast_radius: huge\n  - name: 3\n",
        )
        .unwrap_err();
        let lines: Vec<String> = err.0.iter().map(Diag::one_line).collect();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(
            lines[0].starts_with("inv.yaml:4:5: schema: unknown field `ownr`"),
            "{lines:#?}"
        );
        assert_eq!(err.0[0].help.as_deref(), Some("did you mean `owner`?"));
        assert!(
            lines[1].starts_with("inv.yaml:5:19: schema: `huge` is not a valid value"),
            "{lines:#?}"
        );
        assert!(
            lines[2].starts_with("inv.yaml:6:11: schema: secrets[1].name must be string"),
            "{lines:#?}"
        );
    }

    #[test]
    fn bad_dates_and_cadences_are_located() {
        let err = from_text(
            "inv.yaml",
            "version: 1\nsecrets:\n  - name: A\n    last_rotated: 2026-02-30\n    cadence: 0d\n",
        )
        .unwrap_err();
        let lines: Vec<String> = err.0.iter().map(Diag::one_line).collect();
        assert!(
            lines.iter().any(|l| l.starts_with("inv.yaml:4:19:")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("inv.yaml:5:14:") && l.contains("zero")),
            "{lines:#?}"
        );
    }

    #[test]
    fn fingerprints_and_pii_schemas_are_bounded() {
        let fp = |salt: u8, len: usize| {
            format!("\"kl1:{salt:02x}00000000000000:{len}:0123456789abcdef\"")
        };
        let short = format!(
            "version: 1\nsecrets:\n  - name: A\n    fingerprints: [{}]\n",
            fp(1, 5)
        );
        let e = from_text("inv.yaml", &short).unwrap_err();
        assert!(
            e.0[0].message.contains("5-character value"),
            "{}",
            e.0[0].message
        );
        let salts: Vec<String> = (0..6).map(|s| fp(s, 20)).collect();
        let many = format!(
            "version: 1\nsecrets:\n  - name: A\n    fingerprints: [{}]\n",
            salts.join(", ")
        );
        let e = from_text("inv.yaml", &many).unwrap_err();
        assert_eq!(e.0.len(), 2, "{e}");
        assert!(e.0[0].message.contains("more than 4 salts"), "{e}");
        let lens: Vec<String> = (0..40).map(|l| fp(1, 12 + l)).collect();
        let many = format!(
            "version: 1\nsecrets:\n  - name: A\n    fingerprints: [{}]\n",
            lens.join(", ")
        );
        let e = from_text("inv.yaml", &many).unwrap_err();
        assert!(e.0[0].message.contains("more than 32 different"), "{e}");
        let from: Vec<String> = (0..70).map(|i| format!("s{i}.json")).collect();
        let pii = format!(
            "version: 1\nsecrets: []\npii:\n  from: [{}]\n",
            from.join(", ")
        );
        let e = from_text("inv.yaml", &pii).unwrap_err();
        assert!(e.0[0].message.contains("more than 64 schemas"), "{e}");
    }

    #[test]
    fn toml_inventory_has_the_same_structure() {
        let inv = from_text(
            "inv.toml",
            "version = 1\n[[secrets]]\nname = \"A\"\nowner = \"t\"\ncadence = \"P90D\"\nlast_rotated = 2026-08-01\n",
        )
        .unwrap();
        assert_eq!(
            inv.secrets[0].last_rotated.as_ref().unwrap().value,
            Date::constant(2026, 8, 1)
        );
    }
}
