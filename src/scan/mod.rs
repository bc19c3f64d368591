//! Content scan stage, the engine only: one parallel, gitignore-aware walk;
//! every file is read once and handed, as a [`File`], to every enabled
//! content rule (`crate::rules`, [`crate::rules::Kind::Content`]) in one
//! pass. The rules' matchers live beside the engine: credential detectors
//! (`detectors`, with their keyword prefilter), inventoried values
//! (`fingerprint`), inventoried names (`hardcoded`), log calls (`pii`) and
//! what environment references mean (`exposure`).
//! Nothing printed or returned here contains a secret value: findings carry
//! a redacted copy of the file for snippets.

pub mod detectors;
pub mod exposure;
pub mod files;
pub mod fingerprint;
pub mod generic;
pub mod hardcoded;
pub mod pem;
pub mod pii;
pub mod shape;
pub mod walk;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::diag::Fatal;
use crate::envref::EnvRef;
use crate::finding::{Finding, Severity, Suppression};
use crate::rules::{ContentCheck, Rule, Setup};
use crate::source::{SourceFile, Span};

use hardcoded::{Assignment, Hardcoded};

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
    /// A gitlink (submodule) in a git scope: its content is another
    /// repository's.
    Submodule,
    /// A Git LFS pointer: the content is elsewhere.
    LfsPointer,
    /// A ref that points at a tree or a blob, not a commit (`--history`).
    NotACommit,
    /// A lock file, when there is nothing it could hold: no inventoried
    /// value or name (`--history`; lock files are never searched for
    /// credentials).
    LockFile,
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
            Skip::Submodule => "submodule",
            Skip::LfsPointer => "lfs_pointer",
            Skip::NotACommit => "not_a_commit",
            Skip::LockFile => "lock_file",
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
    /// What a git scope walked (commits, trees, blob versions, cache,
    /// unreadable objects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<crate::git::GitStats>,
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
        if let Some(git) = &self.git {
            let mut line = git.summary(self);
            if skipped > 0 {
                let parts: Vec<String> = self
                    .skipped
                    .iter()
                    .map(|(k, v)| format!("{} {k}", v.len()))
                    .collect();
                line = line.replacen(
                    &format!("{skipped} skipped"),
                    &format!("{skipped} skipped ({})", parts.join(", ")),
                    1,
                );
            }
            return Some(line);
        }
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

/// Redacted form of a value: at most its first 4 characters, its length
/// and its shape (`` `ghp_…` (40 chars, matches: GitHub personal access
/// token) ``, `` `u7Kq…` (32 chars, high-entropy alphanumeric) ``), so a
/// reviewer can triage without seeing the value.
pub fn redact(value: &str) -> String {
    let head: String = value
        .trim_start()
        .chars()
        .take(4)
        .filter(|c| !c.is_control())
        .collect();
    let shape = shape::describe(value);
    // The description repeats the length first when it has one.
    let shape = shape
        .strip_suffix(&format!(", {} chars", value.trim().chars().count()))
        .unwrap_or(&shape);
    format!("`{head}…` ({} chars, {shape})", value.chars().count())
}

/// A finding inside one file, before it becomes a [`Finding`] with a
/// redacted copy of the file. Content rules push these.
pub struct Hit {
    pub rule: &'static Rule,
    /// The rule's severity, or lower for weak evidence.
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

impl Hit {
    pub fn new(rule: &'static Rule, start: usize, end: usize, message: impl Into<String>) -> Hit {
        Hit {
            rule,
            severity: rule.severity,
            start,
            end,
            message: message.into(),
            label: "",
            secret: None,
            key: String::new(),
            help: String::new(),
            value: false,
        }
    }
    pub fn label(mut self, label: &'static str) -> Hit {
        self.label = label;
        self
    }
    pub fn secret(mut self, name: impl Into<String>) -> Hit {
        self.secret = Some(name.into());
        self
    }
    pub fn key(mut self, key: impl Into<String>) -> Hit {
        self.key = key.into();
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Hit {
        self.help = help.into();
        self
    }
    /// The span is a secret value: masked after its first 4 characters.
    pub fn value(mut self) -> Hit {
        self.value = true;
        self
    }
    pub fn at_most(mut self, severity: Severity) -> Hit {
        self.severity = self.severity.min(severity);
        self
    }
}

/// A short, stable key for a value, for fingerprints (never the value).
pub fn value_key(v: &str) -> String {
    blake3::hash(v.as_bytes()).to_hex()[..16].to_string()
}

/// Inventoried names and the literals assigned to them in one file.
#[derive(Default)]
pub struct Names {
    pub assignments: Vec<Assignment>,
    pub mentioned: Vec<String>,
}

/// One file as content rules see it. What several rules need (environment
/// references, inventoried names) is computed on first use, once.
pub struct File<'a> {
    /// Relative to the scanned root, `/` separators.
    pub path: &'a str,
    pub text: &'a str,
    /// Byte ranges to look in (line-aligned); the rest is context. Rules
    /// that report where something starts look only inside them; rules
    /// that read a whole file (log calls, client modules) see it all.
    pub regions: &'a [Range<usize>],
    /// The file is the inventory itself.
    pub own: bool,
    names_matcher: &'a Hardcoded,
    refs: OnceLock<Vec<EnvRef>>,
    names: OnceLock<Names>,
}

impl<'a> File<'a> {
    /// Environment variables the file reads or defines.
    pub fn refs(&self) -> &[EnvRef] {
        self.refs
            .get_or_init(|| crate::envref::extract(self.path, self.text))
    }
    /// Inventoried names in the regions, and literals assigned to them.
    pub fn names(&self) -> &Names {
        self.names.get_or_init(|| {
            let mut n = Names::default();
            n.assignments =
                self.names_matcher
                    .scan(self.path, self.text, self.regions, &mut n.mentioned);
            n
        })
    }
    /// Prose (runbooks, READMEs): naming a secret there is not a use.
    pub fn is_prose(&self) -> bool {
        [".md", ".markdown", ".txt", ".rst", ".adoc"]
            .iter()
            .any(|e| self.path.ends_with(e))
    }
}

/// Lock files and generated maps (the detectors' `skip_files`): full of
/// hashes and package names, never of environment reads or log calls.
pub fn is_lock_file(path: &str) -> bool {
    detectors::Detectors::get().skips(path)
}

/// Byte ranges already claimed by a file's hits: disjoint, merged, keyed
/// by start.
#[derive(Default)]
struct Claimed(std::collections::BTreeMap<usize, usize>);

impl Claimed {
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
    checks: Vec<(&'static Rule, Box<dyn ContentCheck>)>,
    names: Hardcoded,
    /// Gather the names each file mentions (for `unused-secret`).
    collect_mentions: bool,
    allow: GlobSet,
    /// The inventory file itself: only value checks read it.
    own_files: Vec<String>,
    max_file_size: u64,
    follow_symlinks: bool,
    /// What decides the findings in a file (the history cache's key).
    identity: [u8; 32],
    /// Some enabled check looks into lock files.
    reads_lock_files: bool,
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
    /// The engine with every content rule the sink has enabled.
    pub fn new(setup: &Setup<'_>) -> Result<Scanner, Fatal> {
        let sink = setup.sink;
        let inventory = setup.inventory;
        let names: Vec<String> = inventory
            .map(|inv| inv.secrets.iter().map(|s| s.name.value.clone()).collect())
            .unwrap_or_default();
        let checks = crate::rules::content_checks(setup)?;
        let collect_mentions =
            inventory.is_some() && sink.enabled(crate::rules::unused_secret::RULE.id);
        // Everything that decides what a file yields: the build, the
        // detectors, the configuration, the inventory's names, exposures
        // and fingerprints, and each enabled check's own state.
        let mut id = blake3::Hasher::new();
        id.update(env!("CARGO_PKG_VERSION").as_bytes());
        id.update(detectors::DETECTORS_TOML.as_bytes());
        id.update(format!("{:?}", setup.config).as_bytes());
        id.update(format!("mentions:{collect_mentions}").as_bytes());
        if let Some(inv) = inventory {
            id.update(inv.source.name.as_bytes());
            for s in &inv.secrets {
                let fps: Vec<&String> = s.fingerprints.iter().map(|f| &f.value).collect();
                id.update(format!("{:?}{:?}{fps:?}", s.name.value, s.exposure.value).as_bytes());
            }
        }
        for (rule, check) in &checks {
            id.update(rule.id.as_bytes());
            check.identity(&mut id);
        }
        Ok(Scanner {
            identity: *id.finalize().as_bytes(),
            reads_lock_files: checks.iter().any(|(_, c)| c.reads_lock_files()),
            checks,
            names: Hardcoded::new(names),
            collect_mentions,
            allow: globset(&setup.config.scan.allow_paths),
            // The inventory and keyledger's own baseline: names and paths in
            // them are not uses, and only value checks read them.
            own_files: inventory
                .map(|inv| inv.source.name.clone())
                .into_iter()
                .chain([normalize(&setup.config.baseline)])
                .collect(),
            max_file_size: setup.config.scan.max_file_size,
            follow_symlinks: setup.config.scan.follow_symlinks,
        })
    }

    /// The content rules this scanner runs, in order.
    pub fn rules(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.checks.iter().map(|(r, _)| r.id)
    }

    /// A digest of everything that decides what this scanner finds in a
    /// given file: detectors, configuration, enabled rules, inventoried
    /// names, exposures, fingerprints and PII fields (the history cache's
    /// key).
    pub fn identity(&self) -> [u8; 32] {
        self.identity
    }

    /// Files larger than this are skipped as `too_large`.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// `path` matches `scan.allow_paths`: skipped unread.
    pub fn allow_listed(&self, path: &str) -> bool {
        self.allow.is_match(path)
    }

    /// Nothing can be found in `path`, whatever its content: a lock file
    /// is searched only for inventoried values and names, and there are
    /// none. A history scan skips such files unread.
    pub fn finds_nothing_in(&self, path: &str) -> bool {
        !self.reads_lock_files && is_lock_file(path)
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
        // SIMD validation: several times std's on non-ASCII text (a
        // history scan validates every version of every file).
        let text = match simdutf8::basic::from_utf8(bytes) {
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
        let file = File {
            path,
            text,
            regions,
            own: self.own_files.iter().any(|f| f == path),
            names_matcher: &self.names,
            refs: OnceLock::new(),
            names: OnceLock::new(),
        };
        let mut hits: Vec<Hit> = Vec::new();
        let mut claimed = Claimed::default();
        let mut found = Vec::new();
        // Lock files hold package names and hashes: only checks that look
        // for inventoried values and names read them (and they are the
        // largest files of a JavaScript history).
        let lock = is_lock_file(path);
        for (_, check) in &self.checks {
            if lock && !check.reads_lock_files() {
                continue;
            }
            check.check(&file, &mut found);
            // A value already reported (by an earlier rule, or earlier by
            // this one) is not reported again.
            for h in found.drain(..) {
                if h.value && claimed.overlaps(h.start, h.end) {
                    continue;
                }
                claimed.add(h.start, h.end);
                hits.push(h);
            }
        }
        if self.collect_mentions && !file.own {
            if !lock {
                stats
                    .mentioned
                    .extend(file.refs().iter().map(|r| r.name.clone()));
            }
            if !file.is_prose() {
                stats
                    .mentioned
                    .extend(file.names().mentioned.iter().cloned());
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
                let mut f = Finding::new(h.rule, &source, Span::new(h.start, h.end), h.message)
                    .at_most(h.severity)
                    .label(h.label)
                    .key(h.key)
                    .help(h.help);
                f.secret = h.secret;
                if inline_allowed(&source, h.start, h.rule.id) {
                    f.suppressed = Some(Suppression::Inline);
                }
                f
            })
            .collect()
    }

    /// Walks `root` in parallel (the shared [`walk::TreeWalk`]: gitignore
    /// semantics, hidden files included, `.git` excluded) and scans every
    /// file once.
    pub fn scan_tree(&self, root: &Path) -> (Vec<Finding>, Stats) {
        let findings = Mutex::new(Vec::new());
        let stats = Mutex::new(Stats::default());
        let tree = walk::TreeWalk::new(root, self.max_file_size, self.follow_symlinks);
        let tree = &tree;
        tree.builder().build_parallel().run(|| {
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
                local: Stats::default(),
                found: Vec::new(),
                buf: Vec::new(),
                findings: &findings,
                stats: &stats,
            };
            Box::new(move |entry| {
                match tree.visit(entry, &mut flush.buf) {
                    walk::Visit::File(path) => {
                        let mut f = self.scan_bytes(&path, &flush.buf, &mut flush.local);
                        flush.found.append(&mut f);
                        // Do not keep a buffer the size of the largest file.
                        if flush.buf.capacity() > 4 << 20 {
                            flush.buf = Vec::new();
                        }
                    }
                    walk::Visit::Skipped(why, path) => flush.local.skip(why, path),
                    walk::Visit::Pruned(why, path) => {
                        flush.local.skip(why, path);
                        return ignore::WalkState::Skip;
                    }
                    walk::Visit::Folder => {}
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
