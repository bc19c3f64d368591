//! Content scan stage: one parallel, gitignore-aware walk; every file is
//! read once and offered to every content check (credential detectors,
//! inventoried values by fingerprint, hardcoded inventoried names).
//! Nothing printed or returned here contains a secret value: findings carry
//! a redacted copy of the file for snippets.

pub mod detectors;
pub mod exposure;
pub mod fingerprint;
pub mod hardcoded;
pub mod pii;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::config::Config;
use crate::finding::{Finding, Severity, Suppression};
use crate::inventory::Inventory;
use crate::rules::{hardcoded_secret, leaked_credential, leaked_value};
use crate::source::{SourceFile, Span};

use detectors::Detectors;
use hardcoded::Hardcoded;

/// Lock files and generated maps: full of hashes, never of credentials.
const SKIP_NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "Cargo.lock",
    "go.sum",
    "composer.lock",
    "Gemfile.lock",
    "poetry.lock",
    "Pipfile.lock",
    "lock.json",
    "bun.lockb",
    "flake.lock",
    "packages.lock.json",
    "gradle.lockfile",
];

fn is_lock_file(path: &str) -> bool {
    let file = crate::envref::file_name(path);
    SKIP_NAMES.contains(&file)
        || file.ends_with(".lock")
        || file.ends_with("-lock.json")
        || file.ends_with(".lock.json")
        || file.ends_with(".css.json")
        || file.ends_with(".min.js")
        || file.ends_with(".map")
}

/// Values that are public by design (publishable keys, test keys).
fn is_public_value(v: &str) -> bool {
    [
        "sk_test_",
        "rk_test_",
        "pk_test_",
        "pk_live_",
        "phc_",
        "sb_publishable_",
        "whsec_test",
    ]
    .iter()
    .any(|p| v.starts_with(p))
}

/// Generic assignments that are public by design: search-only keys
/// (Algolia's `apiKey` in a docs config) and client-exposed variables.
fn generic_is_public(text: &str, line_start: usize, line: &str) -> bool {
    let l = line.to_ascii_uppercase();
    if [
        "SEARCH_ONLY",
        "SEARCH_API_KEY",
        "NEXT_PUBLIC_",
        "VITE_",
        "PUBLIC_",
        "REACT_APP_",
        "EXPO_PUBLIC_",
        "GATSBY_",
    ]
    .iter()
    .any(|p| l.contains(p))
    {
        return true;
    }
    // Up to 8 lines above: inside an `algolia` object.
    let mut start = line_start;
    for _ in 0..8 {
        match text[..start.saturating_sub(1)].rfind('\n') {
            Some(i) => start = i + 1,
            None => {
                start = 0;
                break;
            }
        }
    }
    text[start..line_start]
        .to_ascii_lowercase()
        .contains("algolia")
}

/// Keys whose values are hashes, not credentials.
fn line_is_checksum(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    [
        "integrity",
        "checksum",
        "\"sha",
        "sha256:",
        "sha512-",
        "digest",
        "etag",
        "resolved",
    ]
    .iter()
    .any(|k| l.contains(k))
}

/// Why a file was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    Binary,
    TooLarge,
    Symlink,
    Unreadable,
    AllowListed,
    WalkError,
    /// A minified bundle (`*.min.js`): read for inventoried values and
    /// names, but credential detectors do not run on it.
    Minified,
    /// A source map (`*.map`): as [`Skip::Minified`].
    SourceMap,
    /// A named pipe: never opened (opening one blocks).
    Fifo,
    /// A character or block device: never opened.
    Device,
    /// A socket: never opened.
    Socket,
    /// A symlink (followed with `follow_symlinks`) that leads outside the
    /// repository.
    OutsideRoot,
}

impl Skip {
    pub fn as_str(&self) -> &'static str {
        match self {
            Skip::Binary => "binary",
            Skip::TooLarge => "too_large",
            Skip::Symlink => "symlink",
            Skip::Unreadable => "unreadable",
            Skip::AllowListed => "allow_listed",
            Skip::WalkError => "walk_error",
            Skip::Minified => "minified",
            Skip::SourceMap => "source_map",
            Skip::Fifo => "fifo",
            Skip::Device => "device",
            Skip::Socket => "socket",
            Skip::OutsideRoot => "outside_root",
        }
    }

    /// Files read, but not by every check: named here so the summary
    /// counts them.
    pub fn partial(path: &str) -> Option<Skip> {
        let file = crate::envref::file_name(path);
        if file.ends_with(".min.js") {
            Some(Skip::Minified)
        } else if file.ends_with(".map") {
            Some(Skip::SourceMap)
        } else {
            None
        }
    }

    /// Why a walk entry of this type is not read, if it is not a file, a
    /// folder or a symlink.
    pub fn special(ft: &std::fs::FileType) -> Option<Skip> {
        match crate::fsutil::special_kind(ft)? {
            "fifo" => Some(Skip::Fifo),
            "device" => Some(Skip::Device),
            "socket" => Some(Skip::Socket),
            _ => Some(Skip::Unreadable),
        }
    }
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub files: usize,
    pub bytes: u64,
    /// Files read as UTF-8 with invalid bytes replaced.
    pub lossy_utf8: usize,
    /// Skip reason → paths (relative, `/`).
    pub skipped: BTreeMap<&'static str, Vec<String>>,
    /// Inventoried names and environment variables mentioned anywhere
    /// (for `unused-secret`).
    #[serde(skip)]
    pub mentioned: std::collections::BTreeSet<String>,
}

/// A file with a NUL byte in its first 8 KiB is binary, as git decides.
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

impl Stats {
    pub fn skip(&mut self, why: Skip, path: String) {
        self.skip_reason(why.as_str(), path);
    }
    /// One line on what was read: `{verb} N files; skipped K (a binary,
    /// b too_large); M not valid UTF-8, {verb} with replacement
    /// characters`. `None` when every file was read as it is.
    pub fn summary(&self, verb: &str) -> Option<String> {
        let skipped: usize = self.skipped.values().map(Vec::len).sum();
        if skipped == 0 && self.lossy_utf8 == 0 {
            return None;
        }
        let mut line = format!("{verb} {} files; skipped {skipped}", self.files);
        if skipped > 0 {
            let parts: Vec<String> = self
                .skipped
                .iter()
                .map(|(k, v)| format!("{} {k}", v.len()))
                .collect();
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
        if self.lossy_utf8 > 0 {
            line.push_str(&format!(
                "; {} not valid UTF-8, {verb} with replacement characters",
                self.lossy_utf8
            ));
        }
        Some(line)
    }
    /// Records a skipped path under a reason (`binary`, `submodule`, …).
    pub fn skip_reason(&mut self, why: &'static str, path: String) {
        self.skipped.entry(why).or_default().push(path);
    }
    /// Adds another thread's counts.
    pub fn merge_from(&mut self, o: Stats) {
        self.merge(o);
    }
    fn merge(&mut self, o: Stats) {
        self.files += o.files;
        self.bytes += o.bytes;
        self.lossy_utf8 += o.lossy_utf8;
        self.mentioned.extend(o.mentioned);
        for (k, v) in o.skipped {
            self.skipped.entry(k).or_default().extend(v);
        }
    }
}

/// Redacted form of a value: at most its first 4 characters, and its length.
pub fn redact(value: &str) -> String {
    let head: String = value
        .trim_start()
        .chars()
        .take(4)
        .filter(|c| !c.is_control())
        .collect();
    format!("`{head}…` ({} chars)", value.chars().count())
}

/// A finding inside one file, before it becomes a [`Finding`] with a
/// redacted copy of the file.
pub(crate) struct Hit {
    pub rule: &'static str,
    pub severity: Severity,
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub label: &'static str,
    pub secret: Option<String>,
    pub key: String,
    pub help: String,
    /// The span is a secret value (masked in snippets), not a name.
    pub value: bool,
}

/// Byte ranges already claimed by a file's hits: disjoint, merged, keyed
/// by start.
#[derive(Default)]
struct Claimed(BTreeMap<usize, usize>);

impl Claimed {
    fn of(hits: &[Hit]) -> Claimed {
        let mut c = Claimed::default();
        for h in hits {
            c.add(h.start, h.end);
        }
        c
    }
    fn overlaps(&self, s: usize, e: usize) -> bool {
        // Disjoint ranges: only the last one starting before `e` can reach
        // past `s`.
        self.0
            .range(..e)
            .next_back()
            .is_some_and(|(_, &end)| end > s)
    }
    fn add(&mut self, mut s: usize, mut e: usize) {
        while let Some((&start, &end)) = self.0.range(..=e).next_back() {
            if end < s {
                break;
            }
            self.0.remove(&start);
            s = s.min(start);
            e = e.max(end);
        }
        self.0.insert(s, e);
    }
}

/// What the scanner knows before it reads a byte.
pub struct Scanner {
    detectors: &'static Detectors,
    hardcoded: Hardcoded,
    fingerprints: fingerprint::Set,
    allow: GlobSet,
    /// Files not scanned for hardcoded names (the inventory itself).
    own_files: Vec<String>,
    max_file_size: u64,
    follow_symlinks: bool,
    exposure: exposure::Exposure,
    pii: pii::Pii,
}

/// A relative path as the walker shows it: `/` separators, no `./`.
fn normalize(rel: &str) -> String {
    std::path::Path::new(rel)
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn globset(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        // Validated when the configuration was loaded.
        if let Ok(g) = Glob::new(g) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

impl Scanner {
    pub fn new(inventory: Option<&Inventory>, config: &Config) -> Scanner {
        let mut fingerprints = fingerprint::Set::default();
        let mut names = Vec::new();
        let mut own_files = Vec::new();
        // keyledger's own baseline: its secret names and paths are not uses.
        own_files.push(normalize(&config.baseline));
        if let Some(inv) = inventory {
            own_files.push(inv.source.name.clone());
            for s in &inv.secrets {
                names.push(s.name.value.clone());
                for fp in &s.fingerprints {
                    fingerprints.add(&fp.value, &s.name.value);
                }
            }
        }
        Scanner {
            detectors: Detectors::get(),
            hardcoded: Hardcoded::new(names),
            fingerprints,
            allow: globset(&config.scan.allow_paths),
            own_files,
            max_file_size: config.scan.max_file_size,
            follow_symlinks: config.scan.follow_symlinks,
            exposure: exposure::Exposure::new(inventory, config),
            pii: pii::Pii::new(
                &inventory.map(|i| i.pii.fields.clone()).unwrap_or_default(),
                &config.scan.redacting_calls,
                &config.scan.non_person_receivers,
                &config.scan.log_sinks,
            ),
        }
    }

    /// Adds PII fields found outside the inventory (`pii.from` schemas).
    pub fn add_pii_fields(&mut self, fields: &[String]) {
        self.pii.add_fields(fields);
    }

    /// Scans one file's bytes; `path` is relative with `/` separators.
    pub fn scan_bytes(&self, path: &str, bytes: &[u8], stats: &mut Stats) -> Vec<Finding> {
        self.scan_bytes_in(path, bytes, None, stats)
            .unwrap_or_default()
    }

    /// Scans one file's bytes, or only `regions` of them (byte ranges that
    /// start and end on line boundaries; the rest of the file is context):
    /// credentials, inventoried values and hardcoded names are looked for
    /// where they start inside a region; the file-wide checks (client
    /// exposure, PII in log calls) read the whole file. `None` when the file
    /// is not scanned at all (allow-listed, too large, binary).
    pub fn scan_bytes_in(
        &self,
        path: &str,
        bytes: &[u8],
        regions: Option<&[Range<usize>]>,
        stats: &mut Stats,
    ) -> Option<Vec<Finding>> {
        if self.allow.is_match(path) {
            stats.skip(Skip::AllowListed, path.to_string());
            return None;
        }
        if bytes.len() as u64 > self.max_file_size {
            stats.skip(Skip::TooLarge, path.to_string());
            return None;
        }
        if is_binary(bytes) {
            stats.skip(Skip::Binary, path.to_string());
            return None;
        }
        stats.files += 1;
        if let Some(why) = Skip::partial(path) {
            stats.skip(why, path.to_string());
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => {
                stats.lossy_utf8 += 1;
                String::from_utf8_lossy(bytes)
            }
        };
        // Replacement characters move offsets: a lossy file is scanned whole.
        let whole = 0..text.len();
        let regions = match regions {
            Some(r)
                if matches!(text, std::borrow::Cow::Borrowed(_))
                    && r.iter().all(|r| {
                        r.start <= r.end
                            && text.is_char_boundary(r.start)
                            && text.is_char_boundary(r.end)
                    }) =>
            {
                r
            }
            _ => std::slice::from_ref(&whole),
        };
        stats.bytes += regions.iter().map(|r| r.len() as u64).sum::<u64>();
        Some(self.scan_text(path, &text, regions, stats))
    }

    fn scan_text(
        &self,
        path: &str,
        text: &str,
        regions: &[Range<usize>],
        stats: &mut Stats,
    ) -> Vec<Finding> {
        let mut hits: Vec<Hit> = Vec::new();
        let value_key = |v: &str| blake3::hash(v.as_bytes()).to_hex()[..16].to_string();

        let fingerprinted = regions.iter().flat_map(|r| {
            self.fingerprints
                .find(&text[r.clone()])
                .into_iter()
                .map(move |(s, e, name)| (r.start + s, r.start + e, name))
        });
        for (s, e, name) in fingerprinted {
            hits.push(Hit {
                rule: leaked_value::RULE.id,
                severity: leaked_value::RULE.severity,
                start: s,
                end: e,
                message: format!("the value of `{name}` appears here ({})", redact(&text[s..e])),
                label: "inventoried secret value",
                secret: Some(name),
                key: value_key(&text[s..e]),
                help: "rotate the secret: it is in the repository now. Then remove it and read it from its store".into(),
                value: true,
            });
        }
        let own = self.own_files.iter().any(|f| f == path);
        if !own {
            let refs = crate::envref::extract(path, text);
            self.exposure.check(path, text, &refs, &mut hits);
            self.pii.check(path, text, &mut hits);
            for r in refs {
                stats.mentioned.insert(r.name);
            }
        }
        if !own {
            let mut mentioned = Vec::new();
            let assignments = self.hardcoded.scan(path, text, regions, &mut mentioned);
            // Prose (runbooks, READMEs) naming a secret is not a use.
            let prose = [".md", ".markdown", ".txt", ".rst", ".adoc"]
                .iter()
                .any(|e| path.ends_with(e));
            if !prose {
                stats.mentioned.extend(mentioned);
            }
            let mut claimed = Claimed::of(&hits);
            for a in assignments {
                if claimed.overlaps(a.start, a.end) {
                    continue;
                }
                claimed.add(a.start, a.end);
                let value = &text[a.start..a.end];
                hits.push(Hit {
                    rule: hardcoded_secret::RULE.id,
                    severity: hardcoded_secret::RULE.severity,
                    start: a.start,
                    end: a.end,
                    message: format!(
                        "`{}` is assigned a literal value ({})",
                        a.name,
                        redact(value)
                    ),
                    label: "literal value",
                    secret: Some(a.name.clone()),
                    key: value_key(value),
                    help: format!(
                        "read `{}` from its store at run time; if the value is real, rotate it",
                        a.name
                    ),
                    value: true,
                });
            }
        }
        if !is_lock_file(path) {
            // One lookup per match, not a pass over every earlier hit: a
            // file with 120,000 matches stays linear.
            let mut claimed = Claimed::of(&hits);
            let mut lines: Option<crate::source::LineIndex> = None;
            for m in self.detectors.find_in(text, regions) {
                let value = &text[m.start..m.end];
                if is_public_value(value) {
                    continue;
                }
                if m.detector.id.starts_with("generic") {
                    // The match's line, found through a line index and cut
                    // to 1 KiB around the match (and the text above it to
                    // 4 KiB): the exceptions look near the value, so a
                    // 10 MB line with 100,000 matches stays linear.
                    let lines = lines.get_or_insert_with(|| crate::source::LineIndex::new(text));
                    let li = lines.line_of(m.start);
                    let near = |o: usize| {
                        let mut o = o;
                        while !text.is_char_boundary(o) {
                            o -= 1;
                        }
                        o
                    };
                    let line_start = near(lines.start(li).max(m.start.saturating_sub(1024)));
                    let line_end = near(lines.end(li).min(m.end + 1024));
                    let line = &text[line_start..line_end];
                    let above = near(line_start.saturating_sub(4096));
                    if line_is_checksum(line)
                        || generic_is_public(&text[above..], line_start - above, line)
                    {
                        continue;
                    }
                }
                if claimed.overlaps(m.start, m.end) {
                    continue;
                }
                claimed.add(m.start, m.end);
                hits.push(Hit {
                    rule: leaked_credential::RULE.id,
                    severity: leaked_credential::RULE.severity,
                    start: m.start,
                    end: m.end,
                    message: format!("{} ({})", m.detector.name, redact(value)),
                    label: "credential",
                    secret: None,
                    key: format!("{}:{}", m.detector.id, value_key(value)),
                    help: format!(
                        "{} Rotate it at the provider, then remove it and read it from a secret store. Detector `{}`.",
                        m.detector.description, m.detector.id
                    ),
                    value: true,
                });
            }
        }
        if hits.is_empty() {
            return Vec::new();
        }
        // A redacted copy of the file for snippets: every hit's value is
        // masked after its first 4 characters, byte for byte.
        let mut masked = text.as_bytes().to_vec();
        for h in hits.iter().filter(|h| h.value) {
            let keep = text[h.start..h.end]
                .char_indices()
                .nth(4)
                .map_or(h.end, |(i, _)| h.start + i);
            for b in &mut masked[keep..h.end] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b'*';
                }
            }
        }
        let masked = String::from_utf8_lossy(&masked).into_owned();
        let source = SourceFile::new(path, masked);
        hits.into_iter()
            .map(|h| {
                let mut f = Finding::new(
                    h.rule,
                    h.severity,
                    &source,
                    Span::new(h.start, h.end),
                    h.message,
                )
                .label(h.label)
                .key(h.key)
                .help(h.help);
                f.secret = h.secret;
                if inline_allowed(&source, h.start, h.rule) {
                    f.suppressed = Some(Suppression::Inline);
                }
                f
            })
            .collect()
    }

    /// Walks `root` in parallel (gitignore semantics, hidden files
    /// included, `.git` excluded) and scans every file once.
    pub fn scan_tree(&self, root: &Path) -> (Vec<Finding>, Stats) {
        let canon_root = std::fs::canonicalize(root).ok();
        let canon_root = &canon_root;
        let findings = Mutex::new(Vec::new());
        let stats = Mutex::new(Stats::default());
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .follow_links(self.follow_symlinks)
            .filter_entry(|e| e.file_name() != ".git")
            .build_parallel();
        walker.run(|| {
            let findings = &findings;
            let stats = &stats;
            let mut local = Stats::default();
            let mut found: Vec<Finding> = Vec::new();
            struct Flush<'a> {
                local: Stats,
                found: Vec<Finding>,
                /// Reused for every file this thread reads.
                buf: Vec<u8>,
                findings: &'a Mutex<Vec<Finding>>,
                stats: &'a Mutex<Stats>,
            }
            impl Drop for Flush<'_> {
                fn drop(&mut self) {
                    if let Ok(mut f) = self.findings.lock() {
                        f.append(&mut self.found);
                    }
                    if let Ok(mut s) = self.stats.lock() {
                        s.merge(std::mem::take(&mut self.local));
                    }
                }
            }
            let mut flush = Flush {
                local: std::mem::take(&mut local),
                found: std::mem::take(&mut found),
                buf: Vec::new(),
                findings,
                stats,
            };
            Box::new(move |entry| {
                let rel = |p: &Path| crate::check::display_path(root, p);
                match entry {
                    Err(e) => {
                        let path = match &e {
                            ignore::Error::WithPath { path, .. } => rel(path),
                            _ => String::new(),
                        };
                        let why = if e.to_string().contains("loop") {
                            Skip::Symlink
                        } else {
                            Skip::WalkError
                        };
                        flush
                            .local
                            .skip(why, if path.is_empty() { e.to_string() } else { path });
                    }
                    Ok(entry) => {
                        let Some(ft) = entry.file_type() else {
                            return ignore::WalkState::Continue;
                        };
                        let path = rel(entry.path());
                        // Followed symlinks (`follow_symlinks = true`) stay
                        // inside the repository: the configuration is the
                        // repository's, and so is every link.
                        if entry.path_is_symlink() && !ft.is_symlink() {
                            let inside = canon_root.as_ref().is_some_and(|r| {
                                std::fs::canonicalize(entry.path()).is_ok_and(|t| t.starts_with(r))
                            });
                            if !inside {
                                flush.local.skip(Skip::OutsideRoot, path);
                                return ignore::WalkState::Skip;
                            }
                        }
                        if ft.is_symlink() {
                            flush.local.skip(Skip::Symlink, path);
                        } else if ft.is_file() {
                            if entry.metadata().is_ok_and(|m| m.len() > self.max_file_size) {
                                flush.local.skip(Skip::TooLarge, path);
                                return ignore::WalkState::Continue;
                            }
                            flush.buf.clear();
                            match read_regular(entry.path(), self.max_file_size, &mut flush.buf) {
                                Ok(true) => {
                                    let mut f =
                                        self.scan_bytes(&path, &flush.buf, &mut flush.local);
                                    flush.found.append(&mut f);
                                }
                                Ok(false) => flush.local.skip(Skip::TooLarge, path),
                                Err(why) => flush.local.skip(why, path),
                            }
                            // Do not keep a buffer the size of the largest file.
                            if flush.buf.capacity() > 4 << 20 {
                                flush.buf = Vec::new();
                            }
                        } else if let Some(why) = Skip::special(&ft) {
                            // FIFOs, devices and sockets are never opened:
                            // opening a FIFO blocks until someone writes.
                            flush.local.skip(why, path);
                        }
                    }
                }
                ignore::WalkState::Continue
            })
        });
        let mut findings = findings.into_inner().unwrap_or_default();
        crate::finding::sort(&mut findings);
        let mut stats = stats.into_inner().unwrap_or_default();
        for v in stats.skipped.values_mut() {
            v.sort();
        }
        (findings, stats)
    }
}

/// Reads a regular file into `buf`, at most `max` bytes: `Ok(false)` when
/// it holds more (it grew since it was listed). The file is opened
/// non-blocking and checked again once open, so a FIFO swapped in after
/// the walk listed a file cannot block the scan.
fn read_regular(path: &Path, max: u64, buf: &mut Vec<u8>) -> Result<bool, Skip> {
    use std::io::Read;
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = o.open(path).map_err(|_| Skip::Unreadable)?;
    let md = file.metadata().map_err(|_| Skip::Unreadable)?;
    if !md.is_file() {
        return Err(Skip::special(&md.file_type()).unwrap_or(Skip::Unreadable));
    }
    file.take(max + 1)
        .read_to_end(buf)
        .map_err(|_| Skip::Unreadable)?;
    Ok(buf.len() as u64 <= max)
}

/// `keyledger:allow RULE[, RULE…]` on the finding's line or the line above,
/// in any comment syntax; a bare `keyledger:allow` allows every rule.
fn inline_allowed(src: &SourceFile, offset: usize, rule: &str) -> bool {
    let line = src.line_col(offset).line;
    [line, line.saturating_sub(1)]
        .iter()
        .filter(|&&l| l >= 1)
        .any(|&l| {
            let Some(text) = src.allow_comment(l) else {
                return false;
            };
            let Some(i) = text.find("keyledger:allow") else {
                return false;
            };
            let rest = &text[i + "keyledger:allow".len()..];
            let ids: Vec<&str> = rest
                .split(|c: char| c.is_whitespace() || c == ',')
                .take_while(|w| {
                    w.is_empty()
                        || w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
                })
                .filter(|w| !w.is_empty())
                .collect();
            ids.is_empty() || ids.contains(&rule)
        })
}
