//! Schema validation stage: every JSON Schema error becomes a diagnostic at
//! the YAML/TOML node it concerns, with a "did you mean" where one is close.

use std::sync::{Arc, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value as Json;

use crate::diag::{Diag, ErrorCode, MAX_ERRORS};
use crate::node::Node;
use crate::source::{SourceFile, Span};

pub const INVENTORY_SCHEMA: &str = include_str!("../schemas/secret-inventory.schema.json");
pub const CONFIG_SCHEMA: &str = include_str!("../schemas/config.schema.json");
pub const POLICY_SCHEMA: &str = include_str!("../schemas/policy.schema.json");

/// A compiled schema and its JSON, kept to look up property names and
/// descriptions for messages.
pub struct Schema {
    pub json: Json,
    validator: jsonschema::Validator,
    /// What a document of this kind is called in messages.
    what: &'static str,
}

fn compile(text: &str, what: &'static str) -> Schema {
    // The schemas are part of the binary and covered by tests; failing to
    // parse them is a build defect, not an input error.
    #[allow(clippy::expect_used)]
    let json: Json = serde_json::from_str(text).expect("embedded schema is valid JSON");
    #[allow(clippy::expect_used)]
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&json)
        .expect("embedded schema compiles");
    Schema {
        json,
        validator,
        what,
    }
}

pub fn inventory() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| compile(INVENTORY_SCHEMA, "inventory"))
}

pub fn config() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| compile(CONFIG_SCHEMA, "configuration"))
}

pub fn policy() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| compile(POLICY_SCHEMA, "policy file"))
}

/// `/secrets/3/store/kind` → `secrets[3].store.kind`.
pub fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    if out.is_empty() {
        "(top level)".into()
    } else {
        out
    }
}

fn schema_at<'a>(schema: &'a Json, pointer: &str) -> Option<&'a Json> {
    schema.pointer(pointer)
}

/// The parent of a keyword location: `/$defs/secret/additionalProperties`
/// → `/$defs/secret`.
fn parent(pointer: &str) -> &str {
    pointer.rfind('/').map_or("", |i| &pointer[..i])
}

/// Comparisons all suggestions of one run may make: each is a string
/// distance, so 5,000 unknown references among 5,000 secrets (25 million
/// comparisons, minutes) would make suggestions the slow part of a run.
/// Past the budget, errors come without a suggestion.
const SUGGESTION_BUDGET: usize = 500_000;
static SUGGESTIONS_LEFT: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(SUGGESTION_BUDGET);

/// The closest candidate to `word`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    use std::sync::atomic::Ordering;
    if word.len() > 256 {
        return None;
    }
    let word = word.to_ascii_lowercase();
    let mut buf = String::new();
    candidates
        .into_iter()
        .take_while(|_| {
            SUGGESTIONS_LEFT
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
        })
        .filter(|c| c.len() <= 256)
        .map(|c| {
            buf.clear();
            buf.extend(c.chars().map(|ch| ch.to_ascii_lowercase()));
            (strsim::jaro_winkler(&word, &buf), c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Where else in the schema a property of this name lives, as a dotted path
/// (`packs` → `policies.packs`), for keys written at the wrong level.
fn nested_home(schema: &Json, key: &str) -> Option<String> {
    fn walk(v: &Json, path: &str, key: &str, depth: usize) -> Option<String> {
        let props = v.get("properties")?.as_object()?;
        if depth > 0 && props.contains_key(key) {
            return Some(format!("{path}.{key}").trim_start_matches('.').to_string());
        }
        props
            .iter()
            .find_map(|(k, p)| walk(p, &format!("{path}.{k}"), key, depth + 1))
    }
    walk(schema, "", key, 0)
}

fn type_name(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn yaml_type(node: &Node) -> &'static str {
    match node.type_name() {
        "mapping" => "a mapping",
        "sequence" => "a list",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        _ => "nothing (null)",
    }
}

/// A value quoted in a message: at most 80 characters of it.
pub fn clip(s: &str) -> String {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Validates `root` against `schema`; one diagnostic per error, all of them
/// up to [`MAX_ERRORS`].
pub fn validate(schema: &Schema, root: &Node, src: &Arc<SourceFile>) -> Vec<Diag> {
    let instance = root.to_json();
    let mut diags: Vec<Diag> = Vec::new();
    for err in schema.validator.iter_errors(&instance) {
        let ipath = err.instance_path().to_string();
        let spath = err.schema_path().to_string();
        if diags.len() >= MAX_ERRORS {
            break;
        }
        let node = root.deepest(&ipath);
        let at = clip(&display_path(&ipath));
        let what = schema.what;
        let d = match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let known: Vec<&str> =
                    schema_at(&schema.json, &format!("{}/properties", parent(&spath)))
                        .and_then(Json::as_object)
                        .map(|m| {
                            m.keys()
                                .map(String::as_str)
                                .filter(|k| *k != "$schema")
                                .collect()
                        })
                        .unwrap_or_default();
                // One lookup table per mapping, not a scan per key: a
                // mapping of 80,000 unknown keys stays linear.
                let spans: std::collections::HashMap<&str, Span> = node
                    .entries()
                    .iter()
                    .map(|e| (e.key.as_str(), e.key_span))
                    .collect();
                for key in unexpected {
                    if diags.len() >= MAX_ERRORS {
                        break;
                    }
                    let span = spans.get(key.as_str()).copied().unwrap_or(node.span);
                    let key = clip(key);
                    let mut d = Diag::at(
                        ErrorCode::Schema,
                        format!("unknown field `{key}` in {at} of the {what}"),
                        src,
                        span,
                        "unknown field",
                    );
                    d = match (
                        did_you_mean(&key, known.iter().copied()),
                        nested_home(&schema.json, &key),
                    ) {
                        (Some(s), _) => d.with_help(format!("did you mean `{s}`?")),
                        (None, Some(home)) => d.with_help(format!(
                            "did you mean `{home}`? (`{key}` belongs one level down)"
                        )),
                        (None, None) => {
                            d.with_help(format!("expected one of: {}", known.join(", ")))
                        }
                    };
                    diags.push(d);
                }
                continue;
            }
            ValidationErrorKind::Required { property } => {
                let prop = property.as_str().unwrap_or("?");
                let desc = schema_at(
                    &schema.json,
                    &format!("{}/properties/{prop}/description", parent(&spath)),
                )
                .and_then(Json::as_str);
                let span = Span::new(node.span.start, node.span.start);
                let mut d = Diag::at(
                    ErrorCode::Schema,
                    format!("missing required field `{prop}` in {at} of the {what}"),
                    src,
                    span,
                    format!("`{prop}` is missing here"),
                );
                if let Some(desc) = desc {
                    d = d.with_help(format!("`{prop}`: {desc}"));
                }
                d
            }
            ValidationErrorKind::Enum { options } => {
                let opts: Vec<&str> = options
                    .as_array()
                    .map(|a| a.iter().filter_map(Json::as_str).collect())
                    .unwrap_or_default();
                let got = node
                    .as_str()
                    .map(clip)
                    .unwrap_or_else(|| yaml_type(node).to_string());
                let d = Diag::at(
                    ErrorCode::Schema,
                    format!("`{got}` is not a valid value for {at}"),
                    src,
                    node.span,
                    "not allowed here",
                );
                match node
                    .as_str()
                    .and_then(|s| did_you_mean(s, opts.iter().copied()))
                {
                    Some(s) => d.with_help(format!(
                        "did you mean `{s}`? expected one of: {}",
                        opts.join(", ")
                    )),
                    None => d.with_help(format!("expected one of: {}", opts.join(", "))),
                }
            }
            ValidationErrorKind::Type { kind } => Diag::at(
                ErrorCode::Schema,
                format!(
                    "{at} must be {}, found {}",
                    type_name(kind),
                    yaml_type(node)
                ),
                src,
                node.span,
                format!("expected {}", type_name(kind)),
            ),
            ValidationErrorKind::Pattern { .. } => {
                let desc = schema_at(&schema.json, &format!("{}/description", parent(&spath)))
                    .and_then(Json::as_str)
                    .unwrap_or("");
                let got = clip(node.as_str().unwrap_or(""));
                Diag::at(
                    ErrorCode::Schema,
                    format!("invalid value `{got}` for {at}"),
                    src,
                    node.span,
                    "does not match the expected format",
                )
                .with_help(desc.to_string())
            }
            ValidationErrorKind::Constant { expected_value } => Diag::at(
                ErrorCode::Schema,
                format!("{at} must be {expected_value}"),
                src,
                node.span,
                format!("expected {expected_value}"),
            ),
            ValidationErrorKind::MinLength { .. } => Diag::at(
                ErrorCode::Schema,
                format!("{at} must not be empty"),
                src,
                node.span,
                "empty",
            ),
            _ => Diag::at(
                ErrorCode::Schema,
                format!("{at}: {}", err.masked()),
                src,
                node.span,
                "here",
            ),
        };
        diags.push(d);
    }
    diags.sort_by_key(|d| d.labels.first().map(|l| l.0.start));
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schemas_compile() {
        let _ = inventory();
        let _ = config();
        let _ = policy();
    }

    #[test]
    fn every_inventory_property_has_a_description() {
        fn walk(v: &Json, path: &str, missing: &mut Vec<String>) {
            if let Some(props) = v.get("properties").and_then(Json::as_object) {
                for (k, p) in props {
                    if p.get("description").is_none() && p.get("$ref").is_none() {
                        missing.push(format!("{path}/{k}"));
                    }
                    walk(p, &format!("{path}/{k}"), missing);
                }
            }
            for key in ["items", "$defs"] {
                if let Some(x) = v.get(key) {
                    if key == "$defs" {
                        for (k, d) in x.as_object().into_iter().flatten() {
                            if d.get("description").is_none() {
                                missing.push(format!("$defs/{k}"));
                            }
                            walk(d, &format!("$defs/{k}"), missing);
                        }
                    } else {
                        walk(x, path, missing);
                    }
                }
            }
        }
        for s in [inventory(), config(), policy()] {
            let mut missing = Vec::new();
            walk(&s.json, "", &mut missing);
            assert!(
                missing.is_empty(),
                "{}: no description on {missing:?}",
                s.what
            );
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("ownr", ["owner", "store"]), Some("owner"));
        assert_eq!(did_you_mean("zzz", ["owner", "store"]), None);
        assert_eq!(
            display_path("/secrets/3/store/kind"),
            "secrets[3].store.kind"
        );
    }
}
