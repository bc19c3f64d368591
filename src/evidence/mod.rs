//! Evidence stage: metadata exports from the secret managers' own CLIs
//! (AWS Secrets Manager, Azure Key Vault, GCP Secret Manager, Vault KV v2,
//! Kubernetes), read and checked against the inventory's rotation claims.
//!
//! keyledger never calls a cloud API: the user's CLI, holding the
//! credentials, writes the export; keyledger reads it. Reading is bounded
//! (size cap, nesting cap, no symlink escape for paths the configuration
//! names), the format is detected from the content, and any secret value an
//! export carries anyway (`SecretString`, Kubernetes `data`, …) is dropped
//! right after parsing: the kept text, from which diagnostics quote, has
//! those values masked, and the model never holds them.
//!
//! The five rules live in `src/rules/` and read [`Checked`]: the inventory
//! entries matched to store items through `store.kind` + `store.ref`.

pub mod formats;
pub mod json;
pub mod refs;
pub mod update;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use crate::diag::{Diag, ErrorCode, Fatal};
use crate::inventory::{Inventory, Secret};
use crate::node;
use crate::source::{SourceFile, Span};

pub use refs::{Id, Store};

/// Largest export read (64 MiB): `list-secrets` for ten thousand secrets is
/// about 10 MiB.
pub const MAX_EXPORT_SIZE: u64 = 64 * 1024 * 1024;

/// Escapes control characters (C0, DEL, C1) and bidirectional overrides,
/// so text from an export cannot move the cursor or reorder a terminal line.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

// ------------------------------------------------------------ settings ----

/// A duration from the configuration: `Nh`, `Nd` or `Nw`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub hours: i64,
}

impl Window {
    pub fn parse(s: &str) -> Result<Window, String> {
        let t = s.trim();
        let bad = || {
            format!(
                "invalid duration `{}`: expected Nh, Nd or Nw (24h, 2d, 1w)",
                escape(t)
            )
        };
        let Some((at, _)) = t.char_indices().last() else {
            return Err(bad());
        };
        let (n, unit) = t.split_at(at);
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: i64 = n.parse().map_err(|_| bad())?;
        let per = match unit {
            "h" => 1,
            "d" => 24,
            "w" => 24 * 7,
            _ => return Err(bad()),
        };
        // A century is more than any window needs; bigger is a typo.
        let hours = n
            .checked_mul(per)
            .filter(|h| *h <= 24 * 36_600)
            .ok_or_else(bad)?;
        Ok(Window { hours })
    }
    pub fn days(&self) -> i64 {
        self.hours / 24
    }
    pub fn span(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_hours(self.hours)
    }
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.hours % 24 != 0 || self.hours < 48 {
            write!(f, "{}h", self.hours)
        } else if self.hours % (24 * 7) == 0 && self.hours % (24 * 30) != 0 {
            write!(f, "{}w", self.hours / (24 * 7))
        } else {
            write!(f, "{}d", self.hours / 24)
        }
    }
}

impl Serialize for Window {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One `evidence` entry of the configuration: a path, or a table with the
/// path and the store reference of a single-secret export (Vault).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFile {
    pub path: String,
    pub reference: Option<String>,
    pub span: Span,
}

impl Serialize for ConfigFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match &self.reference {
            None => s.serialize_str(&self.path),
            Some(r) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("path", &self.path)?;
                m.serialize_entry("ref", r)?;
                m.end()
            }
        }
    }
}

/// The configuration's evidence keys (flattened into `keyledger.toml`).
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Exports to read on every `check` and `report`.
    #[serde(rename = "evidence")]
    pub files: Vec<ConfigFile>,
    /// How far the store's date may drift from `last_rotated` (default 2d).
    #[serde(rename = "evidence_tolerance")]
    pub tolerance: Window,
    /// How long an old key version may stay enabled after a new one (24h).
    #[serde(rename = "evidence_soak")]
    pub soak: Window,
    /// How long a disabled version may be kept before a note (30d).
    #[serde(rename = "evidence_retention")]
    pub retention: Window,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            files: Vec::new(),
            tolerance: Window { hours: 48 },
            soak: Window { hours: 24 },
            retention: Window { hours: 30 * 24 },
        }
    }
}

impl Settings {
    /// Reads the evidence keys of a parsed, schema-valid `keyledger.toml`.
    pub fn from_config(root: &node::Node, source: &Arc<SourceFile>) -> Result<Settings, Fatal> {
        let mut s = Settings::default();
        let mut errors = Vec::new();
        for n in root
            .get("evidence")
            .map(node::Node::as_seq)
            .unwrap_or_default()
        {
            let (path, reference, span) = match n.as_str() {
                Some(p) => (p.to_string(), None, n.span),
                None => match n.get("path").and_then(node::Node::as_str) {
                    Some(p) => (
                        p.to_string(),
                        n.get("ref")
                            .and_then(node::Node::as_str)
                            .map(str::to_string),
                        n.get("path").map_or(n.span, |p| p.span),
                    ),
                    None => continue,
                },
            };
            s.files.push(ConfigFile {
                path,
                reference,
                span,
            });
        }
        for (key, slot) in [
            ("evidence_tolerance", &mut s.tolerance),
            ("evidence_soak", &mut s.soak),
            ("evidence_retention", &mut s.retention),
        ] {
            if let Some(n) = root.get(key) {
                match Window::parse(n.as_str().unwrap_or_default()) {
                    Ok(w) => *slot = w,
                    Err(e) => errors.push(Diag::at(
                        ErrorCode::Schema,
                        e,
                        source,
                        n.span,
                        "invalid duration",
                    )),
                }
            }
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(Fatal(errors))
        }
    }
}

// ---------------------------------------------------------------- model ----

/// A date the store recorded, with the field it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp {
    pub at: Timestamp,
    pub field: &'static str,
    pub span: Span,
}

impl Stamp {
    /// The calendar date in UTC.
    pub fn date(&self) -> Date {
        self.at.to_zoned(jiff::tz::TimeZone::UTC).date()
    }
}

/// The later of two stamps (the first when equal).
pub fn later(a: Option<Stamp>, b: Option<Stamp>) -> Option<Stamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.at > a.at { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// One version of a versioned secret or key.
#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub created: Timestamp,
    /// Usable: enabled (Azure, GCP), neither deleted nor destroyed (Vault).
    pub enabled: bool,
    /// Gone for good: GCP `DESTROYED`, Vault `destroyed: true`.
    pub destroyed: bool,
    /// When it was disabled or deleted, where the store says.
    pub disabled_at: Option<Timestamp>,
    /// The export that lists the version, and where.
    pub source: Arc<SourceFile>,
    pub span: Span,
}

/// One secret (or key) an export lists.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: Id,
    /// The export (masked text) and where in it the item is named.
    pub source: Arc<SourceFile>,
    pub span: Span,
    /// The store's last change or rotation of the value.
    pub changed: Option<Stamp>,
    /// The latest change of any kind (metadata edits included).
    pub latest: Option<Stamp>,
    /// AWS `RotationEnabled`.
    pub rotation_enabled: Option<bool>,
    pub versions: Vec<Version>,
    /// AWS `DeletedDate`: scheduled for deletion.
    pub deleted: Option<Stamp>,
    /// Why no inventory entry is expected for it (`undeclared-in-store`
    /// skips it): Azure certificate-backing secrets, Helm release records.
    pub unowned: Option<&'static str>,
}

impl Item {
    pub fn store(&self) -> Store {
        self.id.store()
    }
}

/// One file read.
#[derive(Debug, Clone)]
pub struct Export {
    pub source: Arc<SourceFile>,
    pub format: formats::Format,
    /// What a complete listing covers (a region, a vault, a project):
    /// entries inside it with no item are missing from the store.
    pub coverage: Option<refs::Scope>,
    /// The paging token of a page that is not the last.
    pub next_page: Option<Span>,
    pub items: usize,
}

/// Every export read, items merged across exports.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub exports: Vec<Export>,
    pub items: Vec<Item>,
    /// Item key → index, to merge one item seen in several exports.
    index: std::collections::HashMap<String, usize>,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        self.exports.is_empty()
    }

    fn add(&mut self, export: Export, items: Vec<Item>) {
        for it in items {
            let key = it.id.key();
            match self.index.get(&key) {
                Some(&i) => merge(&mut self.items[i], it),
                None => {
                    self.index.insert(key, self.items.len());
                    self.items.push(it);
                }
            }
        }
        self.exports.push(export);
    }

    /// Is the store reference inside a complete listing?
    pub fn covers(&self, pattern: &refs::Pattern) -> bool {
        self.exports
            .iter()
            .any(|e| e.coverage.as_ref().is_some_and(|c| c.covers(pattern)))
    }

    /// The stores exported, for messages.
    pub fn stores(&self) -> Vec<Store> {
        let mut v: Vec<Store> = self.exports.iter().map(|e| e.format.store()).collect();
        v.sort();
        v.dedup();
        v
    }
}

fn merge(x: &mut Item, it: Item) {
    x.changed = later(x.changed.take(), it.changed);
    x.latest = later(x.latest.take(), it.latest);
    x.rotation_enabled = x.rotation_enabled.or(it.rotation_enabled);
    x.deleted = x.deleted.take().or(it.deleted);
    x.unowned = x.unowned.or(it.unowned);
    if x.versions.is_empty() {
        x.versions = it.versions;
    }
    // Prefer the richer identity (an ARN over a bare name).
    if let (Id::Aws { arn: None, .. }, Id::Aws { arn: Some(_), .. }) = (&x.id, &it.id) {
        x.id = it.id;
    }
}

// -------------------------------------------------------------- reading ----

/// Where an export comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Named on the command line: read wherever it is (`-` is stdin).
    CommandLine,
    /// Named in `keyledger.toml`: must stay inside the repository.
    Config(Span),
}

/// An export to read.
#[derive(Debug, Clone)]
pub struct Spec {
    pub path: PathBuf,
    pub display: String,
    /// The store reference of a single-secret export that does not name
    /// its secret (Vault's `kv metadata get`).
    pub reference: Option<String>,
    pub origin: Origin,
}

/// The exports to read: the command line's, then the configuration's.
/// A command-line `REF=FILE` names the reference of a Vault export.
pub fn specs(cli: &[PathBuf], root: &Path, settings: &Settings) -> Vec<Spec> {
    let mut out = Vec::new();
    for p in cli {
        out.push(Spec {
            display: if p == Path::new("-") {
                "<stdin>".into()
            } else {
                escape(&crate::source::display_path(root, p))
            },
            path: p.clone(),
            reference: None,
            origin: Origin::CommandLine,
        });
    }
    for f in &settings.files {
        out.push(Spec {
            path: root.join(&f.path),
            display: escape(&f.path),
            reference: f.reference.clone(),
            origin: Origin::Config(f.span),
        });
    }
    out
}

/// Reads every export; all errors of all files are reported together.
pub fn load(
    specs: &[Spec],
    root: &Path,
    config: Option<&Arc<SourceFile>>,
) -> Result<Evidence, Fatal> {
    let mut ev = Evidence::default();
    let mut errors = Vec::new();
    if specs.iter().filter(|s| s.path == Path::new("-")).count() > 1 {
        return Err(Diag::plain(
            ErrorCode::Usage,
            "--evidence -: standard input can be read only once",
        )
        .into());
    }
    for spec in specs {
        let text = match read(spec, root, config) {
            Ok(t) => t,
            Err(d) => {
                errors.push(d);
                continue;
            }
        };
        match formats::read_export(&spec.display, text, spec.reference.as_deref(), &spec.path) {
            Ok((export, items)) => ev.add(export, items),
            Err(Fatal(d)) => errors.extend(d),
        }
    }
    if errors.is_empty() {
        errors.extend(formats::unfinished_paging(&ev));
    }
    if errors.is_empty() {
        Ok(ev)
    } else {
        Err(Fatal(errors))
    }
}

fn io_error(display: &str, e: &std::io::Error) -> Diag {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "not found".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    Diag::plain(
        ErrorCode::Evidence,
        format!("cannot read the export {display}: {what}"),
    )
}

fn too_large(display: &str) -> Diag {
    Diag::plain(
        ErrorCode::Evidence,
        format!(
            "the export {display} is larger than {} MiB; split it (one file per region, vault or project)",
            MAX_EXPORT_SIZE / (1024 * 1024)
        ),
    )
}

/// Reads an export's bytes, bounded, and decodes them (UTF-8, or UTF-16
/// with a byte-order mark, as PowerShell redirection writes).
fn read(spec: &Spec, root: &Path, config: Option<&Arc<SourceFile>>) -> Result<String, Diag> {
    let display = &spec.display;
    let mut bytes = Vec::new();
    if spec.path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_EXPORT_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(display, &e))?;
    } else {
        if let Origin::Config(span) = spec.origin {
            let at = |msg: String, label: &str| match config {
                Some(src) => Diag::at(ErrorCode::Evidence, msg, src, span, label.to_string()),
                None => Diag::plain(ErrorCode::Evidence, msg),
            };
            let inside = match (
                std::fs::canonicalize(root),
                std::fs::canonicalize(&spec.path),
            ) {
                (Ok(r), Ok(p)) => p.starts_with(r),
                (_, Err(e)) => return Err(at(io_error(display, &e).message, "named here")),
                (Err(e), _) => return Err(io_error(display, &e)),
            };
            if !inside {
                return Err(at(
                    format!("the export {display} resolves outside the repository; the configuration may only name files inside it"),
                    "outside the repository",
                )
                .with_help("name exports outside the repository with --evidence on the command line"));
            }
        }
        // A FIFO or device named by the repository's configuration would
        // block or never end: it is opened without blocking, and refused
        // unless the open file is a regular one (checked on the handle, so
        // nothing swapped in after a check is read). One named on the
        // command line (`<(aws …)`) is the user's choice.
        let config = matches!(spec.origin, Origin::Config(_));
        let file = if config {
            crate::fsutil::open_nonblocking(&spec.path)
        } else {
            std::fs::File::open(&spec.path)
        }
        .map_err(|e| io_error(display, &e))?;
        let meta = file.metadata().map_err(|e| io_error(display, &e))?;
        if meta.is_dir() {
            return Err(Diag::plain(
                ErrorCode::Evidence,
                format!("the export {display} is a directory; name the JSON files"),
            ));
        }
        if config && !meta.is_file() {
            return Err(Diag::plain(
                ErrorCode::Evidence,
                format!("the export {display} is not a regular file"),
            ));
        }
        if meta.is_file() && meta.len() > MAX_EXPORT_SIZE {
            return Err(too_large(display));
        }
        file.take(MAX_EXPORT_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(display, &e))?;
    }
    if bytes.len() as u64 > MAX_EXPORT_SIZE {
        return Err(too_large(display));
    }
    decode(display, bytes)
}

fn decode(display: &str, bytes: Vec<u8>) -> Result<String, Diag> {
    let utf16 = |be: bool| {
        let units = bytes[2..].chunks(2).map(|c| match (c, be) {
            ([a, b], false) => u16::from_le_bytes([*a, *b]),
            ([a, b], true) => u16::from_be_bytes([*a, *b]),
            _ => 0xFFFF,
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| {
                Diag::plain(
                    ErrorCode::Evidence,
                    format!("the export {display} is not valid UTF-16; save it as UTF-8"),
                )
            })
    };
    match bytes.get(..3) {
        Some([0xEF, 0xBB, 0xBF]) => return decode(display, bytes[3..].to_vec()),
        Some([0xFF, 0xFE, _]) => return utf16(false),
        Some([0xFE, 0xFF, _]) => return utf16(true),
        _ => {}
    }
    match String::from_utf8(bytes) {
        Ok(t) => Ok(t),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let lc = SourceFile::new(display, prefix).line_col(valid);
            Err(Diag::plain(
                ErrorCode::Evidence,
                format!(
                    "{display}:{}:{}: the export is not valid UTF-8 (byte offset {valid}); export it again as UTF-8 JSON",
                    lc.line, lc.column
                ),
            ))
        }
    }
}

// ------------------------------------------------------------- matching ----

/// An inventory entry whose store is one keyledger reads exports of.
#[derive(Debug, Clone)]
pub struct Match {
    /// Index into `inventory.secrets`.
    pub secret: usize,
    pub pattern: refs::Pattern,
    /// Indexes into `evidence.items`.
    pub items: Vec<usize>,
    /// A complete listing of the entry's store was exported.
    pub covered: bool,
    /// Where `store.ref` (else `store.kind`, else the name) is written.
    pub ref_span: Span,
}

impl Match {
    /// The reference as the entry writes it (its name when it has no `ref`).
    pub fn pattern_text(&self, s: &Secret) -> String {
        s.store
            .as_ref()
            .and_then(|x| x.reference.clone())
            .unwrap_or_else(|| s.name.value.clone())
    }
}

/// The inventory matched to the evidence, handed to the evidence rules.
pub struct Checked<'a> {
    pub evidence: &'a Evidence,
    pub settings: &'a Settings,
    pub matches: Vec<Match>,
    /// Per item: the inventory entries that claim it.
    pub claimed_by: Vec<Vec<usize>>,
}

impl Checked<'_> {
    /// The latest date the store recorded for the entry's items.
    pub fn changed(&self, m: &Match) -> Option<Stamp> {
        m.items.iter().fold(None, |acc, &i| {
            later(acc, self.evidence.items[i].changed.clone())
        })
    }
    /// The latest date a claimed rotation can rest on: for versioned
    /// items the newest version (disabling an old version is no rotation),
    /// else the latest change of any kind.
    pub fn latest(&self, m: &Match) -> Option<Stamp> {
        m.items.iter().fold(None, |acc, &i| {
            let it = &self.evidence.items[i];
            let d = if it.versions.is_empty() {
                it.latest.clone()
            } else {
                it.changed.clone()
            };
            later(acc, d)
        })
    }
    /// The name of the (first) inventory entry that claims an item.
    pub fn owner_of<'i>(&self, inv: &'i Inventory, item: usize) -> Option<&'i Secret> {
        self.claimed_by
            .get(item)
            .and_then(|v| v.first())
            .and_then(|&s| inv.secrets.get(s))
    }
}

/// Where an entry's `store.ref` is written (defaults included).
fn ref_span(inv: &Inventory, s: &Secret) -> Span {
    let entry = inv
        .root
        .get("secrets")
        .map(node::Node::as_seq)
        .unwrap_or_default()
        .iter()
        .find(|n| n.span == s.span);
    let from = |n: Option<&node::Node>| {
        n.and_then(|n| n.get("store"))
            .and_then(|st| st.get("ref").or_else(|| st.get("kind")))
            .map(|n| n.span)
    };
    from(entry)
        .or_else(|| from(inv.root.get("defaults")))
        .unwrap_or(s.name.span)
}

/// Matches every inventory entry to the items of its store.
pub fn match_inventory<'a>(
    inv: &Inventory,
    ev: &'a Evidence,
    settings: &'a Settings,
) -> Checked<'a> {
    let mut matches = Vec::new();
    let mut claimed_by = vec![Vec::new(); ev.items.len()];
    let mut by_name: std::collections::HashMap<(Store, String), Vec<usize>> = Default::default();
    for (i, it) in ev.items.iter().enumerate() {
        by_name
            .entry((it.store(), it.id.lookup()))
            .or_default()
            .push(i);
    }
    for (si, s) in inv.secrets.iter().enumerate() {
        let Some(store) = s.store.as_ref() else {
            continue;
        };
        let Some(kind) = Store::from_kind(&store.kind.value) else {
            continue;
        };
        let reference = store.reference.as_deref().unwrap_or(&s.name.value);
        let pattern = refs::Pattern::parse(kind, reference, store.reference.is_none());
        let mut items: Vec<usize> = pattern
            .lookups()
            .into_iter()
            .filter_map(|n| by_name.get(&(kind, n)))
            .flatten()
            .copied()
            .filter(|&i| pattern.matches(&ev.items[i].id))
            .collect();
        items.sort_unstable();
        items.dedup();
        for &i in &items {
            claimed_by[i].push(si);
        }
        matches.push(Match {
            secret: si,
            covered: ev.covers(&pattern),
            pattern,
            items,
            ref_span: ref_span(inv, s),
        });
    }
    Checked {
        evidence: ev,
        settings,
        matches,
        claimed_by,
    }
}

/// Counts for the run's summary.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub exports: usize,
    pub store_items: usize,
    /// Entries in an exported store kind that matched an item.
    pub verified: usize,
    /// Entries with no evidence (their store was not exported, or not
    /// completely).
    pub unverified: usize,
}

impl Summary {
    /// The human output's line.
    pub fn line(&self) -> String {
        use crate::rotation::plural;
        format!(
            "evidence: {} with {} store items; {} verified against them, {} unverified",
            plural(self.exports as i64, "export"),
            self.store_items,
            plural(self.verified as i64, "entry").replace("entrys", "entries"),
            self.unverified
        )
    }

    pub fn of(inv: &Inventory, c: &Checked<'_>) -> Summary {
        let verified = c.matches.iter().filter(|m| !m.items.is_empty()).count();
        Summary {
            exports: c.evidence.exports.len(),
            store_items: c.evidence.items.len(),
            verified,
            unverified: inv.secrets.len() - verified,
        }
    }
}

/// Reads the exports named by `--evidence` and the configuration's
/// `evidence`; `None` when there are none. The evidence rules
/// (`crate::rules`, through `Ctx::evidence`) check the inventory against
/// what [`match_inventory`] makes of them.
pub fn read_all(
    config: &crate::config::Config,
    root: &Path,
    cli: &[PathBuf],
) -> Result<Option<Evidence>, Fatal> {
    let specs = specs(cli, root, &config.evidence);
    if specs.is_empty() {
        return Ok(None);
    }
    load(&specs, root, config.source.as_ref()).map(Some)
}

/// What the evidence says of one inventory entry (for the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The store's date agrees with `last_rotated` (within the tolerance).
    Verified,
    /// The store rotated after `last_rotated`.
    Stale,
    /// `last_rotated` is after anything the store recorded.
    NeverSeen,
    /// A complete listing of its store does not have it.
    Missing,
    /// Scheduled for deletion in the store.
    Deleted,
    /// In the store, but no export dates it (`gcloud secrets list` alone).
    Undated,
    /// No export covers it.
    Unverified,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Stale => "stale",
            Verdict::NeverSeen => "never-seen",
            Verdict::Missing => "missing",
            Verdict::Deleted => "deleted",
            Verdict::Undated => "in-store-undated",
            Verdict::Unverified => "unverified",
        }
    }
}

impl Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The report's evidence for a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowEvidence {
    /// The store's last change or rotation (UTC date).
    #[serde(serialize_with = "ser_date")]
    pub store_date: Option<Date>,
    #[serde(rename = "status")]
    pub verdict: Verdict,
    /// The store field the date comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

fn ser_date<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

impl RowEvidence {
    /// One cell of text: "2026-10-15 (stale)", "unverified".
    pub fn cell(&self) -> String {
        match (self.store_date, self.verdict) {
            (Some(d), Verdict::Verified) => d.to_string(),
            (Some(d), Verdict::Stale) => format!("{d} (store is newer)"),
            (Some(d), Verdict::NeverSeen) => format!("{d} (last_rotated never seen by the store)"),
            (Some(d), Verdict::Deleted) => format!("{d} (deleted in the store)"),
            (_, Verdict::Missing) => "missing from the store".into(),
            (_, Verdict::Undated) => "in the store (undated)".into(),
            (_, v) => v.as_str().into(),
        }
    }
}

/// What the evidence says of one matched entry.
pub fn verdict(c: &Checked<'_>, m: &Match, s: &Secret, as_of: Date) -> RowEvidence {
    let unverified = RowEvidence {
        store_date: None,
        verdict: Verdict::Unverified,
        field: None,
    };
    if m.items.is_empty() {
        return if m.covered {
            RowEvidence {
                verdict: Verdict::Missing,
                ..unverified
            }
        } else {
            unverified
        };
    }
    let changed = c.changed(m);
    let (store_date, field) = match &changed {
        Some(ch) => (Some(ch.date()), Some(ch.field)),
        None => (None, None),
    };
    let tol = c.settings.tolerance.hours;
    let deleted = m
        .items
        .iter()
        .filter_map(|&i| c.evidence.items.get(i))
        .all(|it| it.deleted.is_some());
    let verdict = if deleted {
        Verdict::Deleted
    } else {
        match (&s.last_rotated, c.latest(m), &changed) {
            (Some(l), Some(latest), _)
                if crate::rotation::days_between(latest.date(), l.value) * 24 > tol =>
            {
                Verdict::NeverSeen
            }
            (Some(l), _, Some(ch))
                if ch.date() <= as_of
                    && crate::rotation::days_between(l.value, ch.date()) * 24 > tol =>
            {
                Verdict::Stale
            }
            (None, _, Some(_)) => Verdict::Stale,
            (_, None, None) => Verdict::Undated,
            _ => Verdict::Verified,
        }
    };
    RowEvidence {
        store_date,
        verdict,
        field,
    }
}

/// Adds the stores' dates to a report: `--evidence` and the evidence of
/// `--root`'s keyledger.toml, matched against every inventory reported.
pub fn annotate_report(
    report: &mut crate::report::Report,
    inventories: &[crate::report::Loaded],
    cli: &[PathBuf],
    root: &Path,
) -> Result<(), Fatal> {
    let opts = crate::check::Options {
        root: root.to_path_buf(),
        ..crate::check::Options::default()
    };
    let config = crate::check::load_config(&opts)?;
    let specs = specs(cli, root, &config.evidence);
    if specs.is_empty() {
        return Ok(());
    }
    let ev = load(&specs, root, config.source.as_ref())?;
    report.evidence = true;
    for l in inventories {
        let inv = l.source.as_deref();
        let checked = inv.map(|inv| match_inventory(inv, &ev, &config.evidence));
        for row in report
            .rows
            .iter_mut()
            .filter(|r| r.repository == l.repository && Some(&r.inventory) == l.inventory.as_ref())
        {
            let found = inv.and_then(|inv| {
                inv.secrets
                    .iter()
                    .position(|s| s.name.value == row.name)
                    .map(|i| (inv, i))
            });
            let m = found.and_then(|(_, i)| {
                checked
                    .as_ref()
                    .and_then(|c| c.matches.iter().find(|m| m.secret == i))
            });
            row.evidence = Some(match (found, m, &checked) {
                (Some((inv, i)), Some(m), Some(c)) => verdict(c, m, &inv.secrets[i], report.as_of),
                _ => RowEvidence {
                    store_date: None,
                    verdict: Verdict::Unverified,
                    field: None,
                },
            });
        }
    }
    Ok(())
}

/// The start of the as-of day in UTC: version windows are measured to it.
pub fn as_of_instant(as_of: Date) -> Timestamp {
    as_of
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(Window::parse("24h").unwrap().hours, 24);
        assert_eq!(Window::parse("2d").unwrap().hours, 48);
        assert_eq!(Window::parse("1w").unwrap().to_string(), "1w");
        assert_eq!(Window::parse("24h").unwrap().to_string(), "24h");
        assert_eq!(Window::parse("30d").unwrap().to_string(), "30d");
        assert_eq!(Window::parse("2d").unwrap().to_string(), "2d");
        assert_eq!(Window::parse("36h").unwrap().to_string(), "36h");
        assert_eq!(Window::parse("0d").unwrap().hours, 0);
        for bad in [
            "",
            "d",
            "2",
            "2m",
            "-1d",
            "1.5d",
            "99999999999999999999d",
            "9999999w",
        ] {
            assert!(Window::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn escapes_controls() {
        assert_eq!(escape("a\u{1b}[31mb\u{202e}"), "a\\u{1b}[31mb\\u{202e}");
        assert_eq!(escape("plain/name-1"), "plain/name-1");
    }

    #[test]
    fn decodes_utf16_and_boms() {
        let mut le = vec![0xFF, 0xFE];
        for u in "[1]".encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        assert_eq!(decode("x", le).unwrap(), "[1]");
        assert_eq!(decode("x", b"\xEF\xBB\xBF[]".to_vec()).unwrap(), "[]");
        let e = decode("x.json", b"[\n\"\xff\"]".to_vec()).unwrap_err();
        assert!(e.message.starts_with("x.json:2:2:"), "{}", e.message);
    }
}
