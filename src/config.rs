//! Configuration stage: `keyledger.toml`, parsed with spans, validated
//! against `schemas/config.schema.json`; every key has a default.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::cadence::Cadence;
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::finding::Severity;
use crate::inventory::Spanned;
use crate::node::{self, Node};
use crate::schema;
use crate::source::SourceFile;

/// Entries of one `[scan]` list, at most.
pub const MAX_LIST_LEN: usize = 1000;
/// Characters of one entry of a `[scan]` list, at most.
pub const MAX_ITEM_LEN: usize = 1000;

pub const DEFAULT_CLIENT_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "NUXT_PUBLIC_",
    "PUBLIC_",
    "GATSBY_",
];

pub const DEFAULT_TEST_PATHS: &[&str] = &[
    "**/test/**",
    "**/tests/**",
    "**/__tests__/**",
    "**/spec/**",
    "**/fixtures/**",
    "**/testdata/**",
    "**/examples/**",
    "**/example/**",
    "**/*.test.*",
    "**/*.spec.*",
    "**/*_test.*",
    "**/test_*.py",
];

pub const DEFAULT_REDACTING_CALLS: &[&str] = &[
    "hash",
    "redact",
    "mask",
    "sha256",
    "anonymize",
    "anonymise",
    "obfuscate",
    "scrub",
    "truncate",
];

pub const DEFAULT_NON_PERSON_RECEIVERS: &[&str] = &[
    "err",
    "error",
    "e",
    "ex",
    "exc",
    "exception",
    "file",
    "migration",
    "event",
    "model",
    "module",
    "pkg",
    "package",
    "table",
    "column",
    "field",
    "route",
    "job",
    "task",
    "queue",
    "schema",
    "type",
    "process",
    "os",
    "path",
    "this",
    "self",
    "cls",
    "config",
    "env",
    "app",
    "service",
    "request",
    "req",
    "res",
    "response",
    "cmd",
    "command",
    "func",
    "fn",
    "class",
    "component",
    "plugin",
    "project",
    "repo",
    "branch",
    "tag",
    "bucket",
    "key",
    "metric",
    "span",
    "tracer",
    "test",
];

pub const DEFAULT_SECRET_WORDS: &[&str] = &[
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PRIVATE",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "SERVICE_ROLE",
    "SIGNING",
    "ENCRYPTION",
    "CREDENTIAL",
    "AUTH_KEY",
    "MASTER_KEY",
    "DSN",
    "CONNECTION_STRING",
    "DATABASE_URL",
    "WEBHOOK",
];

#[derive(Debug, Clone, Serialize)]
pub struct ScanConfig {
    pub allow_paths: Vec<String>,
    pub test_paths: Vec<String>,
    pub max_file_size: u64,
    pub follow_symlinks: bool,
    pub client_prefixes: Vec<String>,
    pub log_sinks: Vec<String>,
    pub redacting_calls: Vec<String>,
    pub non_person_receivers: Vec<String>,
    pub secret_name_words: Vec<String>,
}

impl Default for ScanConfig {
    fn default() -> Self {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        ScanConfig {
            allow_paths: Vec::new(),
            test_paths: own(DEFAULT_TEST_PATHS),
            max_file_size: 10 * 1024 * 1024,
            follow_symlinks: false,
            client_prefixes: own(DEFAULT_CLIENT_PREFIXES),
            log_sinks: Vec::new(),
            redacting_calls: own(DEFAULT_REDACTING_CALLS),
            non_person_receivers: own(DEFAULT_NON_PERSON_RECEIVERS),
            secret_name_words: own(DEFAULT_SECRET_WORDS),
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// The file it was read from, if any.
    #[serde(skip)]
    pub source: Option<Arc<SourceFile>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory: Option<String>,
    #[serde(serialize_with = "ser_display")]
    pub due_soon: Cadence,
    pub baseline: String,
    pub fail_on: Severity,
    pub packs: Vec<String>,
    /// Severity overrides; `None` turns the rule off.
    #[serde(serialize_with = "ser_rules")]
    pub rules: BTreeMap<String, Spanned<Option<Severity>>>,
    /// Where each pack name was written, to report unknown ones.
    #[serde(skip)]
    pub pack_spans: Vec<Spanned<String>>,
    pub scan: ScanConfig,
    /// Store exports and their windows (`evidence`, `evidence_*`).
    #[serde(flatten)]
    pub evidence: crate::evidence::Settings,
}

fn ser_display<S: serde::Serializer>(c: &Cadence, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(c)
}

fn ser_rules<S: serde::Serializer>(
    r: &BTreeMap<String, Spanned<Option<Severity>>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(r.len()))?;
    for (k, v) in r {
        m.serialize_entry(k, v.value.map_or("off", |s| s.as_str()))?;
    }
    m.end()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            inventory: None,
            due_soon: Cadence::Every {
                years: 0,
                months: 0,
                days: 30,
            },
            baseline: ".keyledger/baseline.json".into(),
            fail_on: Severity::Error,
            packs: vec!["baseline".into()],
            rules: BTreeMap::new(),
            pack_spans: Vec::new(),
            scan: ScanConfig::default(),
            evidence: crate::evidence::Settings::default(),
        }
    }
}

impl Config {
    /// The severity a rule runs at, or `None` when it is turned off.
    pub fn severity(&self, rule: &str, default: Severity) -> Option<Severity> {
        match self.rules.get(rule) {
            Some(s) => s.value,
            None => Some(default),
        }
    }

    /// Due-soon window in days.
    pub fn due_soon_days(&self) -> i64 {
        self.due_soon.nominal_days().map_or(30, |d| d as i64)
    }

    /// Loads `path`, a file the user named on the command line (`required`
    /// makes a missing file an error).
    pub fn load(path: &Path, display: &str, required: bool) -> Result<Config, Fatal> {
        if !required && std::fs::symlink_metadata(path).is_err() {
            return Ok(Config::default());
        }
        let source = crate::fsutil::read_named(path, display)?;
        Config::from_source(source)
    }

    /// Loads `keyledger.toml` at the repository root, if there is one. The
    /// file is the repository's: it is not read through a symlink that
    /// leaves the root, and it is bounded like every input.
    pub fn load_in_repo(root: &Path) -> Result<Config, Fatal> {
        let rel = Path::new("keyledger.toml");
        match crate::fsutil::read_in_repo(root, rel, "keyledger.toml")? {
            Some(source) => Config::from_source(source),
            None => Ok(Config::default()),
        }
    }

    /// Parses and validates a configuration. Every error is collected:
    /// schema errors, windows that do not parse, invalid globs, paths that
    /// leave the repository.
    pub fn from_source(source: Arc<SourceFile>) -> Result<Config, Fatal> {
        let root = node::parse_toml(&source).map_err(Fatal)?;
        let mut errors = schema::validate(schema::config(), &root, &source);
        let mut cfg = Config {
            source: Some(source.clone()),
            ..Config::default()
        };
        let mut more = Vec::new();
        cfg.read(&root, &source, &mut more);
        let mut spans: std::collections::HashSet<Option<crate::source::Span>> = errors
            .iter()
            .map(|e| e.labels.first().map(|l| l.0))
            .collect();
        for d in more {
            if spans.insert(d.labels.first().map(|l| l.0)) {
                errors.push(d);
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|d| d.labels.first().map(|l| l.0.start));
            return Err(Fatal(errors));
        }
        Ok(cfg)
    }

    fn read(&mut self, root: &Node, source: &Arc<SourceFile>, errors: &mut Vec<Diag>) {
        let cfg = self;
        let strs = |n: Option<&Node>| -> Option<Vec<String>> {
            n.map(|n| {
                n.as_seq()
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect()
            })
        };
        // Paths the configuration names are the repository's: relative,
        // inside it (symlinks are checked where the file is read).
        let mut repo_path = |key: &str| -> Option<String> {
            let n = root.get(key)?;
            let p = n.as_str()?;
            let path = Path::new(p);
            let leaves = path.is_absolute()
                || path.components().any(|c| {
                    matches!(
                        c,
                        std::path::Component::ParentDir
                            | std::path::Component::RootDir
                            | std::path::Component::Prefix(_)
                    )
                });
            if leaves || p.trim().is_empty() {
                errors.push(
                    Diag::at(
                        ErrorCode::Config,
                        format!("`{key}` must be a path inside the repository"),
                        source,
                        n.span,
                        if leaves {
                            "leaves the repository"
                        } else {
                            "empty path"
                        },
                    )
                    .with_help(
                        "paths in keyledger.toml are relative to the repository root, without `..`; to use a file elsewhere, name it on the command line",
                    ),
                );
                return None;
            }
            Some(p.to_string())
        };
        cfg.inventory = repo_path("inventory");
        if let Some(b) = repo_path("baseline") {
            cfg.baseline = b;
        }
        if let Some(n) = root.get("due_soon") {
            match Cadence::parse(n.as_str().unwrap_or_default()) {
                Ok(c) => cfg.due_soon = c,
                Err(e) => errors.push(Diag::at(
                    ErrorCode::Schema,
                    e,
                    source,
                    n.span,
                    "invalid window",
                )),
            }
        }
        if let Some(f) = root
            .get("fail_on")
            .and_then(Node::as_str)
            .and_then(Severity::parse)
        {
            cfg.fail_on = f;
        }
        if let Some(packs) = root.get("policies").and_then(|p| p.get("packs")) {
            cfg.pack_spans = packs
                .as_seq()
                .iter()
                .filter_map(|n| {
                    Some(Spanned {
                        value: n.as_str()?.to_string(),
                        span: n.span,
                    })
                })
                .collect();
            cfg.packs = cfg.pack_spans.iter().map(|s| s.value.clone()).collect();
        }
        if let Some(rules) = root.get("rules") {
            for e in rules.entries() {
                let sev = e.value.as_str().and_then(Severity::parse);
                cfg.rules.insert(
                    e.key.clone(),
                    Spanned {
                        value: sev,
                        span: e.key_span,
                    },
                );
            }
        }
        match crate::evidence::Settings::from_config(root, source) {
            Ok(e) => cfg.evidence = e,
            Err(Fatal(e)) => errors.extend(e),
        }
        if let Some(scan) = root.get("scan") {
            // Every list here becomes a matcher (a glob set, an automaton,
            // a regex) built once per run: bounded, so a hostile file
            // cannot make the build the slow part.
            for e in scan.entries() {
                let items = e.value.as_seq();
                let long = items
                    .iter()
                    .find(|i| i.as_str().is_some_and(|s| s.len() > MAX_ITEM_LEN));
                if items.len() > MAX_LIST_LEN {
                    errors.push(Diag::at(
                        ErrorCode::Config,
                        format!(
                            "`scan.{}` lists {} entries; at most {MAX_LIST_LEN}",
                            crate::schema::clip(&e.key),
                            items.len()
                        ),
                        source,
                        e.key_span,
                        "too many",
                    ));
                } else if let Some(i) = long {
                    errors.push(Diag::at(
                        ErrorCode::Config,
                        format!(
                            "an entry of `scan.{}` is longer than {MAX_ITEM_LEN} characters",
                            crate::schema::clip(&e.key)
                        ),
                        source,
                        i.span,
                        "too long",
                    ));
                }
            }
            let s = &mut cfg.scan;
            if let Some(v) = strs(scan.get("allow_paths")) {
                s.allow_paths = v;
            }
            if let Some(v) = strs(scan.get("test_paths")) {
                s.test_paths = v;
            }
            if let Some(node::Value::Int(i)) = scan.get("max_file_size").map(|n| &n.value) {
                s.max_file_size = (*i).max(1) as u64;
            }
            if let Some(node::Value::Bool(b)) = scan.get("follow_symlinks").map(|n| &n.value) {
                s.follow_symlinks = *b;
            }
            if let Some(v) = strs(scan.get("client_prefixes")) {
                s.client_prefixes = v;
            }
            if let Some(v) = strs(scan.get("log_sinks")) {
                s.log_sinks = v;
            }
            if let Some(v) = strs(scan.get("redacting_calls")) {
                s.redacting_calls = v;
            }
            if let Some(v) = strs(scan.get("non_person_receivers")) {
                s.non_person_receivers = v;
            }
            if let Some(v) = strs(scan.get("secret_name_words")) {
                s.secret_name_words = v;
            }
            for (key, globs) in [
                ("allow_paths", &s.allow_paths),
                ("test_paths", &s.test_paths),
            ] {
                for (i, g) in globs.iter().enumerate() {
                    if let Err(e) = globset::Glob::new(g) {
                        let span = scan
                            .get(key)
                            .and_then(|n| n.as_seq().get(i))
                            .map_or(scan.span, |n| n.span);
                        errors.push(Diag::at(
                            ErrorCode::Schema,
                            format!("invalid glob `{}`: {e}", crate::schema::clip(g)),
                            source,
                            span,
                            "invalid glob",
                        ));
                    }
                }
            }
        }
    }

    /// The effective configuration as TOML, for `keyledger config`.
    pub fn to_toml(&self) -> String {
        let mut out = String::from("# Effective keyledger configuration (defaults filled in)\n");
        let table = toml::Table::try_from(self).map(|mut t| {
            if let Some(packs) = t.remove("packs") {
                let mut p = toml::Table::new();
                p.insert("packs".into(), packs);
                t.insert("policies".into(), toml::Value::Table(p));
            }
            t
        });
        match table.and_then(|t| toml::to_string_pretty(&t)) {
            // The configuration is the repository's: a value in it that looks
            // like a credential is masked, as everywhere else.
            Ok(s) => out.push_str(&crate::redact::secrets(&s)),
            Err(e) => out.push_str(&format!("# cannot render: {e}\n")),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("keyledger.toml");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn defaults_when_absent() {
        let c = Config::load(
            Path::new("/nonexistent/keyledger.toml"),
            "keyledger.toml",
            false,
        )
        .unwrap();
        assert_eq!(c.due_soon_days(), 30);
        assert_eq!(c.packs, vec!["baseline"]);
        assert!(Config::load(Path::new("/nonexistent/k.toml"), "k.toml", true).is_err());
    }

    #[test]
    fn reads_overrides() {
        let (_d, p) = write(
            "due_soon = \"14d\"\n[policies]\npacks = [\"baseline\", \"strict\"]\n[rules]\nnever-rotated = \"error\"\nrotation-due-soon = \"off\"\n",
        );
        let c = Config::load(&p, "keyledger.toml", true).unwrap();
        assert_eq!(c.due_soon_days(), 14);
        assert_eq!(
            c.severity("never-rotated", Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(c.severity("rotation-due-soon", Severity::Warning), None);
        let printed = c.to_toml();
        assert!(printed.contains("due_soon = \"14d\""), "{printed}");
        // The printed configuration is itself a valid configuration.
        let (_d2, p2) = write(&printed);
        let again = Config::load(&p2, "keyledger.toml", true).unwrap();
        assert_eq!(again.to_toml(), printed);
    }

    #[test]
    fn every_error_is_collected() {
        let (_d, p) = write(
            "due_soon = \"soon\"\ninventory = \"../x.yaml\"\nbaseline = \"/tmp/b.json\"\n[scan]\nallow_paths = [\"a/{b\"]\ntest_paths = [\"c/{d\"]\n",
        );
        let e = Config::load(&p, "keyledger.toml", true).unwrap_err();
        let lines: Vec<String> = e.0.iter().map(Diag::one_line).collect();
        assert_eq!(lines.len(), 5, "{lines:#?}");
        assert!(lines[0].starts_with("keyledger.toml:1:12:"), "{lines:#?}");
        assert!(
            lines[1].contains("`inventory` must be a path inside"),
            "{lines:#?}"
        );
        assert!(
            lines[2].contains("`baseline` must be a path inside"),
            "{lines:#?}"
        );
        assert!(lines[3].starts_with("keyledger.toml:5:16:"), "{lines:#?}");
        assert!(lines[4].starts_with("keyledger.toml:6:15:"), "{lines:#?}");
    }

    #[test]
    fn printed_configuration_masks_credentials() {
        let (_d, p) = write("[scan]\nlog_sinks = [\"ghp_x1Y2z3A4b5C6d7E8f9G0h1I2j3K4l5M6n7O8\"]\n");
        let c = Config::load(&p, "keyledger.toml", true).unwrap();
        let printed = c.to_toml();
        assert!(!printed.contains("x1Y2z3A4b5C6"), "{printed}");
        assert!(printed.contains("ghp_****"), "{printed}");
    }

    #[test]
    fn unknown_keys_are_located_with_suggestions() {
        let (_d, p) = write("due_son = \"14d\"\n");
        let e = Config::load(&p, "keyledger.toml", true).unwrap_err();
        assert_eq!(
            e.0[0].one_line(),
            "keyledger.toml:1:1: schema: unknown field `due_son` in (top level) of the configuration"
        );
        assert_eq!(e.0[0].help.as_deref(), Some("did you mean `due_soon`?"));
        let (_d, p) = write("[rules]\nnever-rotated = \"loud\"\n");
        let e = Config::load(&p, "keyledger.toml", true).unwrap_err();
        assert!(
            e.0[0].one_line().starts_with("keyledger.toml:2:17:"),
            "{}",
            e.0[0].one_line()
        );
    }
}
