//! Git scopes: `--staged` (the index against HEAD), `--since REV` (lines
//! added by the commits in `REV..HEAD`) and `--history` (every blob
//! reachable from any ref, each scanned once, each finding attributed to
//! the commit that introduced it).
//!
//! `--history` reads every object (refs' targets, commits, trees, blobs)
//! through keyledger's own object reader ([`crate::pack`]), never through
//! libgit2's: it is faster for a read-everything-once walk, and it is
//! bounded on a hostile object store (sizes checked before inflating,
//! delta cycles detected). libgit2 only lists the refs. `--staged` and
//! `--since` let libgit2 walk commits and compare trees, and read blob
//! content through the same reader.
//!
//! Every object that cannot be read is reported (kind, id, path, why) and
//! makes the scan incomplete: exit code 2 unless the user passes
//! `--allow-incomplete-history`. That includes blobs a partial clone never
//! fetched (the summary says so: their content was never scanned either)
//! and the cut of a shallow clone.

use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::io::IsTerminal;
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;

use git2::{Delta, Diff, DiffOptions, FileMode, Oid, Patch, Repository, Sort};
use serde::Serialize;

// zlib-rs exports the zlib C API; linking it here makes libgit2 inflate
// objects with it rather than with the system zlib (see Cargo.toml).
use libz_rs_sys as _;

use crate::diag::{Diag, ErrorCode, Fatal};
use crate::finding::Finding;
use crate::history_cache::{self, Counted, HistoryCache};
use crate::pack::{self, Inflater, Kind, Objects};
use crate::scan::{Scanner, Skip, Stats};

/// Which content a check scans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scope {
    /// The working tree (default).
    #[default]
    Tree,
    Staged,
    Since(String),
    History,
    /// Exactly these files, as they are on disk (`--files`, pre-commit).
    Files(Vec<std::path::PathBuf>),
}

/// How a git scope runs.
#[derive(Debug, Clone, Default)]
pub struct GitOptions {
    /// `--threads`: threads for `--history` (default: one per core, at
    /// most 16).
    pub threads: Option<usize>,
    /// `--no-cache`: neither read nor write the history cache.
    pub no_cache: bool,
    /// `--allow-incomplete-history`: unreadable objects are reported but
    /// do not make the exit code 2.
    pub allow_incomplete: bool,
}

/// An object a git scope could not read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unreadable {
    /// `commit`, `tree`, `blob` or `ref`.
    pub kind: &'static str,
    /// The object id (or the ref's name).
    pub id: String,
    /// Where it is: a path in the tree, a ref's name, or empty.
    pub path: String,
    /// A commit that reaches it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Why: `missing`, `missing (partial clone: never fetched)`,
    /// `corrupt`, `delta cycle`, `shallow clone: parents not fetched`, …
    pub reason: String,
}

/// What a git scope walked, for the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GitStats {
    /// Commits walked (for `--history`: every commit reachable from a ref).
    pub commits: usize,
    /// Distinct trees read.
    pub trees: usize,
    /// Distinct blob versions found (scanned, skipped or from the cache).
    pub blobs: usize,
    /// Blob versions an earlier run had scanned (`--history` cache).
    pub cached_blobs: usize,
    /// Commits an earlier run had walked (`--history` cache).
    pub cached_commits: usize,
    /// Blob versions of the cache scanned again: those holding a finding
    /// the report shows, and those that could not be read.
    #[serde(skip_serializing_if = "is_zero")]
    pub rescanned: usize,
    /// The history cache: `off`, `cold`, `warm`, `invalidated`, …
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cache: String,
    /// Threads that scanned.
    #[serde(skip_serializing_if = "is_zero")]
    pub threads: usize,
    /// Objects that could not be read; the scan is incomplete when any.
    pub unreadable: Vec<Unreadable>,
    /// The user accepted an incomplete scan.
    pub allow_incomplete: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl GitStats {
    /// Some part of the history could not be read.
    pub fn incomplete(&self) -> bool {
        !self.unreadable.is_empty()
    }

    /// The scan is incomplete and the user did not accept that: exit 2.
    pub fn blocks(&self) -> bool {
        self.incomplete() && !self.allow_incomplete
    }

    /// The summary's lines about the walk, after `files_line` (the
    /// scanner's `scanned N files; skipped …`).
    pub fn summary(&self, stats: &Stats) -> String {
        let mut s = format!(
            "walked {} commits, {} trees; {} blob versions: {} scanned ({} bytes), {} skipped",
            self.commits,
            self.trees,
            self.blobs,
            stats.files,
            stats.bytes,
            stats.skipped.values().map(Vec::len).sum::<usize>(),
        );
        if !self.cache.is_empty() {
            s.push_str(&format!(
                "; cache {}: {} commits and {} blob versions already scanned",
                self.cache, self.cached_commits, self.cached_blobs
            ));
            if self.rescanned > 0 {
                s.push_str(&format!(
                    ", {} scanned again (they hold findings, or could not be read)",
                    self.rescanned
                ));
            }
        }
        if self.incomplete() {
            let mut by: BTreeMap<&str, usize> = BTreeMap::new();
            for u in &self.unreadable {
                *by.entry(u.kind).or_default() += 1;
            }
            let parts: Vec<String> = by.iter().map(|(k, n)| format!("{n} {k}")).collect();
            s.push_str(&format!(
                "\nINCOMPLETE: {} objects could not be read ({}):",
                self.unreadable.len(),
                parts.join(", ")
            ));
            for u in self.unreadable.iter().take(20) {
                let at = if u.path.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", u.path)
                };
                let commit = u
                    .commit
                    .as_deref()
                    .map(|c| format!(" (commit {})", &c[..c.len().min(12)]))
                    .unwrap_or_default();
                s.push_str(&format!(
                    "\n  {} {}{at}{commit}: {}",
                    u.kind, u.id, u.reason
                ));
            }
            if self.unreadable.len() > 20 {
                s.push_str(&format!(
                    "\n  … and {} more (--format json lists them all)",
                    self.unreadable.len() - 20
                ));
            }
            s.push_str(if self.allow_incomplete {
                "\nthe scan is incomplete; accepted by --allow-incomplete-history"
            } else {
                "\nthe scan is incomplete: exit code 2 (--allow-incomplete-history accepts it)"
            });
        }
        s
    }
}

fn open(root: &Path) -> Result<Repository, Fatal> {
    Repository::discover(root).map_err(|e| {
        Diag::plain(
            ErrorCode::Git,
            format!(
                "{} is not in a git repository: {}",
                root.display(),
                e.message()
            ),
        )
        .into()
    })
}

fn git_err(what: &str, e: git2::Error) -> Fatal {
    Diag::plain(ErrorCode::Git, format!("{what}: {}", e.message())).into()
}

const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1";

/// Commit and tag objects larger than this are damage.
const COMMIT_LIMIT: u64 = 16 << 20;
/// Tree objects larger than this are damage (the largest real trees are
/// a few MiB).
const TREE_LIMIT: u64 = 64 << 20;

/// Why object `id` could not be read, in words.
fn reason(objects: &Objects, e: pack::Error) -> String {
    match e {
        pack::Error::Missing if objects.partial_clone => {
            "missing (partial clone: never fetched, so never scanned)".into()
        }
        e => e.describe(),
    }
}

/// Lines (1-based) added in `new` against `old` (everything when `old` is
/// `None`), by libgit2's diff of the two buffers.
fn added_lines(old: Option<&[u8]>, new: &[u8]) -> Option<HashSet<usize>> {
    let mut out = HashSet::new();
    let mut opts = DiffOptions::new();
    opts.context_lines(0);
    let patch = Patch::from_buffers(old.unwrap_or(b""), None, new, None, Some(&mut opts)).ok()?;
    for h in 0..patch.num_hunks() {
        let n = patch.num_lines_in_hunk(h).unwrap_or(0);
        for l in 0..n {
            if let Ok(line) = patch.line_in_hunk(h, l)
                && line.origin() == '+'
                && let Some(no) = line.new_lineno()
            {
                out.insert(no as usize);
            }
        }
    }
    Some(out)
}

/// `--staged` and `--since`: the new side of each changed file.
struct Walker<'r> {
    objects: &'r Objects,
    z: Inflater,
    scanner: &'r Scanner,
    stats: Stats,
    git: GitStats,
    /// Findings per scanned blob, so each distinct blob is read once.
    cache: HashMap<Oid, Vec<Finding>>,
}

impl Walker<'_> {
    fn blob(&mut self, id: Oid) -> Result<pack::Data, pack::Error> {
        self.objects.read(
            id.as_bytes(),
            Kind::Blob,
            self.scanner.max_file_size(),
            &mut self.z,
        )
    }

    /// Findings of the new side of every added or modified file in `diff`.
    /// With `added_only`, only findings on added lines are kept.
    fn scan_diff(
        &mut self,
        diff: &Diff<'_>,
        commit: Option<Oid>,
        added_only: bool,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        for delta in diff.deltas() {
            if !matches!(
                delta.status(),
                Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
            ) {
                continue;
            }
            let file = delta.new_file();
            let path = file
                .path()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            match file.mode() {
                FileMode::Commit => {
                    self.stats.skip(Skip::Submodule, path);
                    continue;
                }
                FileMode::Link => {
                    self.stats.skip(Skip::Symlink, path);
                    continue;
                }
                _ => {}
            }
            let id = file.id();
            self.git.blobs += 1;
            let content = match self.blob(id) {
                Ok(c) => Some(c),
                Err(pack::Error::TooLarge(_)) => {
                    self.stats.skip(Skip::TooLarge, path);
                    continue;
                }
                Err(e) => {
                    self.git.unreadable.push(Unreadable {
                        kind: "blob",
                        id: id.to_string(),
                        path: path.clone(),
                        commit: commit.map(|c| c.to_string()),
                        reason: reason(self.objects, e),
                    });
                    self.stats.skip(Skip::Unreadable, path);
                    continue;
                }
            };
            let Some(content) = content else { continue };
            let found = match self.cache.get(&id) {
                // The same content at another path (a copy or a rename):
                // the findings, re-labelled with this path.
                Some(f) if f.first().is_some_and(|x| x.path() != path) => {
                    let src =
                        crate::source::SourceFile::new(path.clone(), f[0].source.text.clone());
                    f.iter()
                        .cloned()
                        .map(|mut x| {
                            x.source = src.clone();
                            x
                        })
                        .collect()
                }
                Some(f) => f.clone(),
                None => {
                    let found = if content.starts_with(LFS_POINTER) {
                        self.stats.skip(Skip::LfsPointer, path.clone());
                        Vec::new()
                    } else {
                        self.scanner.scan_bytes(&path, &content, &mut self.stats)
                    };
                    self.cache.insert(id, found.clone());
                    found
                }
            };
            if found.is_empty() {
                continue;
            }
            let lines = if added_only {
                let old_id = delta.old_file().id();
                // The old side unreadable (or absent): every line is new.
                let old = if old_id.is_zero() {
                    None
                } else {
                    self.blob(old_id).ok()
                };
                added_lines(old.as_deref().map(|v| v.as_slice()), &content)
            } else {
                None
            };
            for mut f in found {
                if let Some(lines) = &lines
                    && !lines.contains(&f.source.line_col(f.span.start).line)
                {
                    continue;
                }
                f.commit = commit.map(|c| c.to_string());
                out.push(f);
            }
        }
        out
    }
}

fn diff_opts() -> DiffOptions {
    let mut o = DiffOptions::new();
    o.ignore_submodules(false)
        .context_lines(0)
        .include_typechange(true);
    o
}

fn with_renames(mut diff: Diff<'_>) -> Diff<'_> {
    let _ = diff.find_similar(None);
    diff
}

/// The repository's object store, read by keyledger's reader.
fn objects_of(repo: &Repository, count_deltas: bool) -> Objects {
    Objects::open(&repo.commondir().join("objects"), PACK_CACHE, count_deltas)
}

fn finish(mut stats: Stats, mut git: GitStats, opts: &GitOptions) -> Stats {
    git.allow_incomplete = opts.allow_incomplete;
    git.unreadable.sort();
    git.unreadable.dedup();
    for v in stats.skipped.values_mut() {
        v.sort();
    }
    stats.git = Some(git);
    stats
}

/// Staged changes: the index against HEAD, added lines only.
pub fn staged(
    root: &Path,
    scanner: &Scanner,
    opts: &GitOptions,
) -> Result<(Vec<Finding>, Stats), Fatal> {
    let repo = open(root)?;
    let index = repo
        .index()
        .map_err(|e| git_err("cannot read the index", e))?;
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut diff_opts()))
        .map_err(|e| git_err("cannot diff the index", e))?;
    let diff = with_renames(diff);
    let objects = objects_of(&repo, false);
    let mut w = Walker {
        objects: &objects,
        z: Inflater::default(),
        scanner,
        stats: Stats::default(),
        git: GitStats::default(),
        cache: HashMap::new(),
    };
    let found = w.scan_diff(&diff, None, true);
    Ok((found, finish(w.stats, w.git, opts)))
}

/// Lines added by the commits in `rev..HEAD`, each finding with its commit.
pub fn since(
    root: &Path,
    rev: &str,
    scanner: &Scanner,
    opts: &GitOptions,
) -> Result<(Vec<Finding>, Stats), Fatal> {
    let repo = open(root)?;
    let base = repo.revparse_single(rev).map_err(|e| {
        let mut d = Diag::plain(ErrorCode::Git, format!("revision `{rev}` not found: {}", e.message()));
        d = d.with_help(if repo.is_shallow() {
            "this is a shallow clone: fetch more history (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout) and the base branch"
        } else {
            "fetch the base branch first (`git fetch origin main`), or fetch more history"
        });
        Fatal::from(d)
    })?;
    let base = base
        .peel_to_commit()
        .map_err(|e| git_err(&format!("`{rev}` is not a commit"), e))?;
    let mut walk = repo.revwalk().map_err(|e| git_err("revwalk", e))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(|e| git_err("revwalk", e))?;
    walk.push_head().map_err(|e| git_err("HEAD", e))?;
    walk.hide(base.id()).map_err(|e| git_err("revwalk", e))?;
    let objects = objects_of(&repo, false);
    let mut w = Walker {
        objects: &objects,
        z: Inflater::default(),
        scanner,
        stats: Stats::default(),
        git: GitStats::default(),
        cache: HashMap::new(),
    };
    let mut out = Vec::new();
    for oid in walk {
        let oid = oid.map_err(|e| git_err("cannot walk the commits of the range", e))?;
        w.git.commits += 1;
        let unreadable = |what: &'static str, id: Oid, e: git2::Error| Unreadable {
            kind: what,
            id: id.to_string(),
            path: String::new(),
            commit: Some(oid.to_string()),
            reason: e.message().to_string(),
        };
        let commit = match repo.find_commit(oid) {
            Ok(c) => c,
            Err(e) => {
                w.git.unreadable.push(unreadable("commit", oid, e));
                continue;
            }
        };
        // A merge's changes arrive with the merged commits, which are in
        // the range themselves.
        if commit.parent_count() > 1 {
            continue;
        }
        let tree = match commit.tree() {
            Ok(t) => t,
            Err(e) => {
                w.git
                    .unreadable
                    .push(unreadable("tree", commit.tree_id(), e));
                continue;
            }
        };
        let parent = match commit.parent(0) {
            Ok(p) => match p.tree() {
                Ok(t) => Some(t),
                Err(e) => {
                    w.git.unreadable.push(unreadable("tree", p.tree_id(), e));
                    continue;
                }
            },
            Err(_) if commit.parent_count() == 0 => None,
            Err(e) => {
                let id = commit.parent_id(0).unwrap_or(oid);
                w.git.unreadable.push(unreadable("commit", id, e));
                continue;
            }
        };
        let diff =
            match repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut diff_opts())) {
                Ok(d) => d,
                Err(e) => {
                    w.git.unreadable.push(unreadable("tree", tree.id(), e));
                    continue;
                }
            };
        let diff = with_renames(diff);
        out.extend(w.scan_diff(&diff, Some(oid), true));
    }
    Ok((out, finish(w.stats, w.git, opts)))
}

/// Blobs stored whole and larger than this are probed (their first 8 KiB)
/// for binary content before they are inflated whole.
const PROBE_MIN: u64 = 64 << 10;

/// Object ids and paths are not chosen by an attacker who can also see
/// the per-process seed: a fast keyed hash is enough.
type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A blob to scan: where and when it first appeared, and the blob that
/// was at the same path before it (its previous version), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstSeen {
    /// Its place in the walk: findings are attributed to the lowest.
    pub index: u64,
    pub blob: Oid,
    /// Shared by the versions of a file.
    pub path: std::sync::Arc<str>,
    pub commit: Oid,
    pub base: Option<Oid>,
}

/// Blobs smaller than this are scanned whole: comparing their lines with
/// the previous version costs more than scanning them.
const INCREMENTAL_MIN: usize = 2048;
/// Lines of context scanned around each line that is new in a blob.
const CONTEXT_LINES: usize = 3;

/// Where line `i`'s successor starts: after the newline at or after `i`,
/// or the end.
fn line_end(text: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |n| i + n + 1)
}

/// Where the line that holds byte `i` starts.
fn line_start(text: &[u8], i: usize) -> usize {
    memchr::memrchr(b'\n', &text[..i]).map_or(0, |n| n + 1)
}

/// Where the content of the line starting at `i` ends (before its newline)
/// and where the line ends, within `text[..end]`.
fn line_bounds(text: &[u8], i: usize, end: usize) -> (usize, usize) {
    let e = line_end(text, i).min(end);
    let content = if e > i && text[e - 1] == b'\n' {
        e - 1
    } else {
        e
    };
    (content, e)
}

/// A line: where it starts, where its content ends (before the newline),
/// where it ends.
type Line = (usize, usize, usize);

/// The lines of `text[..end]` from a place on, each found once: at every
/// difference, `changed_regions` looks 17 lines ahead on each side, then
/// mostly moves on by a line or a few, so most of those lines are the
/// ones it looked at last time.
struct Lines<'t> {
    text: &'t [u8],
    end: usize,
    window: std::collections::VecDeque<Line>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t [u8], end: usize) -> Self {
        Lines {
            text,
            end,
            window: std::collections::VecDeque::new(),
        }
    }

    /// Up to `n` lines from `at` (a line start) on.
    fn from(&mut self, at: usize, n: usize) -> &[Line] {
        while self.window.front().is_some_and(|l| l.0 < at) {
            self.window.pop_front();
        }
        if self.window.front().is_some_and(|l| l.0 != at) {
            self.window.clear();
        }
        let mut next = self.window.back().map_or(at, |l| l.2);
        while self.window.len() < n && next < self.end {
            let (c, e) = line_bounds(self.text, next, self.end);
            self.window.push_back((next, c, e));
            next = e;
        }
        let lines = self.window.make_contiguous();
        &lines[..lines.len().min(n)]
    }
}

/// The length of the common prefix of `a` and `b`, 8 bytes at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut i = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let (x, y) = (word(x), word(y));
        if x != y {
            return i + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// The length of the common suffix of `a` and `b`, 8 bytes at a time.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut k = 0;
    for (x, y) in a.rchunks_exact(8).zip(b.rchunks_exact(8)) {
        let (x, y) = (word(x), word(y));
        if x != y {
            return k + ((x ^ y).leading_zeros() / 8) as usize;
        }
        k += 8;
    }
    while k < n && a[n - k - 1] == b[n - k - 1] {
        k += 1;
    }
    k
}

/// Eight bytes as a little-endian word (so the first differing byte is
/// the lowest differing bit's).
fn word(c: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&c[..8]);
    u64::from_le_bytes(w)
}

/// What is left to scan in `new` whose previous version was `base`: every
/// line that is not a line of `base`, with [`CONTEXT_LINES`] around it.
/// Every line that is in `base` was scanned with that version (or, by the
/// same rule, with an older one), and its findings were reported at the
/// commit that introduced it. The common head and tail are trimmed first
/// (by comparing bytes, as a diff does), so a small edit costs a look at
/// a few lines; the rest is compared by keyed line hash. `None` when most
/// of the blob is new: it is scanned whole.
fn changed_regions(
    new: &[u8],
    base: &[u8],
    keys: &foldhash::quality::RandomState,
) -> Option<Vec<Range<usize>>> {
    // The common head: whole lines (newline included) equal in both.
    let p = common_prefix(new, base);
    if p == new.len() && p == base.len() {
        return (!new.is_empty()).then(Vec::new);
    }
    let (nv, bv) = (
        !new.is_empty() && !new.ends_with(b"\n"),
        !base.is_empty() && !base.ends_with(b"\n"),
    );
    // A last line without its newline equals the same line with one.
    if p == new.len() && nv && base.get(p) == Some(&b'\n') {
        return Some(Vec::new());
    }
    let (head, base_head, bv) = if p == base.len() && bv && new.get(p) == Some(&b'\n') {
        (p + 1, p, false)
    } else {
        let h = line_start(new, p);
        (h, h, bv)
    };
    // The common tail, after the head, from a line start that is one in
    // both (so the lines line up). A last line without its newline
    // compares as if it had one, as lines do.
    let (new_rest, base_rest) = (&new[head..], &base[base_head..]);
    let s = if nv == bv {
        // Both end alike: the virtual newlines (if any) match too.
        common_suffix(new_rest, base_rest) + usize::from(nv)
    } else if nv {
        // new ends without a newline, base with one: match new's virtual
        // newline against base's last byte.
        match base_rest.split_last() {
            Some((b'\n', rest)) => 1 + common_suffix(new_rest, rest),
            _ => 0,
        }
    } else {
        match new_rest.split_last() {
            Some((b'\n', rest)) => 1 + common_suffix(rest, base_rest),
            _ => 0,
        }
    };
    let (nl, bl) = (new.len() + usize::from(nv), base.len() + usize::from(bv));
    let (from, base_from) = (nl - s, bl - s);
    let starts_line = |t: &[u8], i: usize| i == 0 || t[i - 1] == b'\n';
    let new_tail = if s == 0 {
        new.len()
    } else if starts_line(new, from) && starts_line(base, base_from) {
        from
    } else {
        // After the first newline inside the common tail.
        match memchr::memchr(b'\n', &new[from.min(new.len())..]) {
            Some(i) => from + i + 1,
            None => new.len(),
        }
    };
    let base_tail = if new_tail >= new.len() {
        base.len()
    } else {
        bl - (nl - new_tail)
    };
    let base_mid = &base[base_head..base_tail];
    // Walk the middles side by side: a line equal to the base line in
    // step is old. At a difference, look a few lines ahead on either side
    // for where they agree again (lines inserted, deleted or replaced);
    // the new lines passed over are candidates. Only candidates are looked
    // for in the whole of base's middle, so a small edit to a large file
    // costs a compare of its bytes, not a hash of every line.
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
    let (mut i, mut j) = (head, base_head);
    let mut lost = 0usize;
    const AHEAD: usize = 16;
    let (mut new_lines, mut base_lines) = (Lines::new(new, new_tail), Lines::new(base, base_tail));
    while i < new_tail {
        // Equal runs of whole lines are skipped by one byte comparison.
        let p = common_prefix(&new[i..new_tail], &base[j..base_tail]);
        if i + p == new_tail && j + p == base_tail {
            break;
        }
        if let Some(k) = memchr::memrchr(b'\n', &new[i..i + p]) {
            i += k + 1;
            j += k + 1;
            continue;
        }
        let (ni, ne) = line_bounds(new, i, new_tail);
        if j < base_tail {
            let (bj, be) = line_bounds(base, j, base_tail);
            if new[i..ni] == base[j..bj] {
                i = ne;
                j = be;
                continue;
            }
        }
        // Where do they agree again? `d` new lines inserted (new line
        // i+d is base line j), `d` base lines deleted (new line i is base
        // line j+d), or `d` lines replaced (new line i+d is base line
        // j+d): the next AHEAD lines of each side, compared.
        let (na, ba) = (new_lines.from(i, AHEAD + 1), base_lines.from(j, AHEAD + 1));
        let eq = |x: Option<&Line>, y: Option<&Line>| match (x, y) {
            (Some(&(xs, xc, _)), Some(&(ys, yc, _))) => new[xs..xc] == base[ys..yc],
            _ => false,
        };
        let mut resync = None;
        for d in 1..=AHEAD {
            if eq(na.get(d), ba.first()) {
                resync = na.get(d).zip(ba.first());
            } else if eq(na.first(), ba.get(d)) {
                resync = na.first().zip(ba.get(d));
            } else if eq(na.get(d), ba.get(d)) {
                resync = na.get(d).zip(ba.get(d));
            }
            if resync.is_some() {
                break;
            }
        }
        match resync {
            Some((&(n, _, _), &(b, _, _))) => {
                // The new lines before `n` are candidates.
                let mut k = i;
                while k < n {
                    let (kc, ke) = line_bounds(new, k, new_tail);
                    candidates.push((k, kc, ke));
                    k = ke;
                }
                i = n;
                j = b;
                lost = 0;
            }
            None => {
                candidates.push((i, ni, ne));
                i = ne;
                if j < base_tail {
                    j = line_bounds(base, j, base_tail).1;
                }
                lost += 1;
                if lost > 2 * AHEAD {
                    // Far apart: every line left is a candidate.
                    while i < new_tail {
                        let (c, e) = line_bounds(new, i, new_tail);
                        candidates.push((i, c, e));
                        i = e;
                    }
                }
            }
        }
    }
    // Is a candidate a line of base's middle (anywhere)? One or two are
    // looked for directly; more, through a set of line hashes (one pass
    // over base's middle, where a search per candidate would read it once
    // per candidate).
    let set: Option<HashSet<u64, foldhash::fast::RandomState>> =
        (candidates.len() > 2).then(|| {
            use std::hash::BuildHasher;
            let mut set = HashSet::with_capacity_and_hasher(
                base_mid.len() / 32 + 16,
                foldhash::fast::RandomState::default(),
            );
            let mut k = 0;
            for nl in memchr::memchr_iter(b'\n', base_mid) {
                set.insert(keys.hash_one(&base_mid[k..nl]));
                k = nl + 1;
            }
            if k < base_mid.len() {
                set.insert(keys.hash_one(&base_mid[k..]));
            }
            set
        });
    let in_base = |l: &[u8]| -> bool {
        if let Some(set) = &set {
            use std::hash::BuildHasher;
            return set.contains(&keys.hash_one(l));
        }
        if l.is_empty() {
            return base_mid.first() == Some(&b'\n')
                || memchr::memmem::find(base_mid, b"\n\n").is_some();
        }
        memchr::memmem::find_iter(base_mid, l).any(|at| {
            let end = at + l.len();
            (at == 0 || base_mid[at - 1] == b'\n')
                && (end == base_mid.len() || base_mid[end] == b'\n')
        })
    };
    let mut out: Vec<Range<usize>> = Vec::new();
    for (i, c, e) in candidates {
        if in_base(&new[i..c]) {
            continue;
        }
        // CONTEXT_LINES before and after, within the whole blob.
        let mut start = i;
        for _ in 0..CONTEXT_LINES {
            if start == 0 {
                break;
            }
            start = line_start(new, start - 1);
        }
        let mut end = e;
        for _ in 0..CONTEXT_LINES {
            if end >= new.len() {
                break;
            }
            end = line_end(new, end);
        }
        match out.last_mut() {
            Some(prev) if start <= prev.end => prev.end = prev.end.max(end),
            _ => out.push(start..end),
        }
    }
    let changed: usize = out.iter().map(|r| r.len()).sum();
    (changed * 4 < new.len() * 3).then_some(out)
}

/// The walk hands out the blobs it found every this many.
const EPOCH: usize = 8192;
/// At most this much resolved pack data is kept for deltas still to come.
/// On the benchmark history, 8 MiB already gives one inflate per object:
/// a base is dropped once its last delta is applied.
const PACK_CACHE: usize = 8 << 20;

/// A commit of the history graph.
struct Node {
    id: Oid,
    tree: Oid,
    parents: Vec<u32>,
    /// Committer time, to order commits that topology leaves unordered.
    time: i64,
}

/// A commit's tree, parents and committer time.
type ParsedCommit = (Oid, Vec<Oid>, i64);

/// Parses the commits of `ids` into `into` (in batches) until `stop`, for
/// [`commit_graph`] running on another thread: it starts from the refs'
/// tips, and `ids` from the other end of the packs (the oldest commits),
/// so the two meet. A commit that cannot be read or parsed here is left to
/// the graph, which reports it.
fn parse_commits_beside(
    ids: &[[u8; 20]],
    objects: &Objects,
    into: &Mutex<FastMap<Oid, ParsedCommit>>,
    stop: &std::sync::atomic::AtomicBool,
) {
    let mut z = Inflater::default();
    let mut batch: Vec<(Oid, ParsedCommit)> = Vec::new();
    for chunk in ids.chunks(64) {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        for id in chunk {
            let Ok(oid) = Oid::from_bytes(id) else {
                continue;
            };
            if let Ok(d) = objects.read(id, Kind::Commit, COMMIT_LIMIT, &mut z)
                && let Some(p) = parse_commit(&d)
            {
                batch.push((oid, p));
            }
        }
        if let Ok(mut m) = into.lock() {
            m.extend(batch.drain(..));
        }
    }
}

/// `tree`, `parent`s and committer time of a raw commit object.
fn parse_commit(data: &[u8]) -> Option<ParsedCommit> {
    let mut tree = None;
    let mut parents = Vec::new();
    let mut time = 0i64;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            // The message follows the headers.
            break;
        }
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = Some(oid_hex(hex)?);
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            parents.push(oid_hex(hex)?);
        } else if let Some(who) = line.strip_prefix(b"committer ") {
            // `Name <email> 1700000000 +0000`
            let mut it = who.rsplit(|&b| b == b' ');
            let _tz = it.next();
            time = it
                .next()
                .and_then(|t| std::str::from_utf8(t).ok())
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
        }
    }
    Some((tree?, parents, time))
}

/// The object a raw tag object points at, and that object's kind.
fn parse_tag(data: &[u8]) -> Option<(Oid, Option<Kind>)> {
    let mut object = None;
    let mut kind = None;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"object ") {
            object = Some(oid_hex(hex)?);
        } else if let Some(k) = line.strip_prefix(b"type ") {
            kind = match k {
                b"commit" => Some(Kind::Commit),
                b"tree" => Some(Kind::Tree),
                b"blob" => Some(Kind::Blob),
                b"tag" => Some(Kind::Tag),
                _ => None,
            };
        }
    }
    Some((object?, kind))
}

fn oid_hex(hex: &[u8]) -> Option<Oid> {
    if hex.len() != 40 {
        return None;
    }
    Oid::from_str(std::str::from_utf8(hex).ok()?).ok()
}

/// A raw object id.
type Id = [u8; 20];

/// Git's order of tree entries: by name, a folder's name as if it ended
/// with `/`.
fn git_order(a: &[u8], a_dir: bool, b: &[u8], b_dir: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {}
        o => return o,
    }
    let next = |s: &[u8], dir: bool| match s.get(n) {
        Some(c) => *c,
        None if dir => b'/',
        None => 0,
    };
    next(a, a_dir).cmp(&next(b, b_dir))
}

fn raw(id: &Oid) -> Id {
    let mut out = [0u8; 20];
    let b = id.as_bytes();
    let n = b.len().min(20);
    out[..n].copy_from_slice(&b[..n]);
    out
}

/// The first NUL of `s`, eight bytes at a time (names are short: a
/// vector search costs more to start than this takes).
fn find_nul(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some((w, _)) = s.get(i..).and_then(|r| r.split_first_chunk::<8>()) {
        let w = u64::from_le_bytes(*w);
        // The lowest flagged byte is the first zero byte (a borrow can
        // only flag bytes above a zero one).
        let z = w.wrapping_sub(LO) & !w & HI;
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s.get(i..)?.iter().position(|&c| c == 0).map(|p| i + p)
}

/// One entry of a raw tree object: its mode, name, id and length.
fn parse_entry(data: &[u8]) -> Option<(u32, &[u8], Id, usize)> {
    const ID: usize = 20;
    // A byte loop for the mode and eight bytes at a time for the name:
    // both are short, shorter than it takes a vector search to start.
    let mut mode = 0u32;
    let mut sp = 0;
    loop {
        let c = *data.get(sp)?;
        if c == b' ' {
            break;
        }
        if !(b'0'..=b'7').contains(&c) {
            return None;
        }
        mode = mode.checked_mul(8)?.checked_add(u32::from(c - b'0'))?;
        sp += 1;
    }
    let nul = sp + 1 + find_nul(data.get(sp + 1..)?)?;
    let id: Id = data.get(nul + 1..nul + 1 + ID)?.try_into().ok()?;
    Some((mode, &data[sp + 1..nul], id, nul + 1 + ID))
}

/// The refs' tips: every commit a ref (or HEAD) points at, tags peeled.
/// Refs that cannot be read are reported; refs to trees or blobs are
/// skipped by name.
fn tips(
    repo: &Repository,
    objects: &Objects,
    z: &mut Inflater,
    known: &dyn Fn(&Oid) -> bool,
    git: &mut GitStats,
    stats: &mut Stats,
) -> Vec<Oid> {
    let mut named: Vec<(String, Oid)> = Vec::new();
    match repo.references() {
        Ok(refs) => {
            for r in refs {
                match r {
                    Ok(r) => {
                        let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
                        let target = r.target().or_else(|| r.resolve().ok()?.target());
                        match target {
                            Some(t) => named.push((name, t)),
                            // A symbolic ref to a branch not born yet.
                            None => continue,
                        }
                    }
                    Err(e) => git.unreadable.push(Unreadable {
                        kind: "ref",
                        id: String::new(),
                        path: String::new(),
                        commit: None,
                        reason: e.message().to_string(),
                    }),
                }
            }
        }
        Err(e) => git.unreadable.push(Unreadable {
            kind: "ref",
            id: String::new(),
            path: String::new(),
            commit: None,
            reason: e.message().to_string(),
        }),
    }
    if let Ok(head) = repo.find_reference("HEAD")
        && let Some(t) = head.target().or_else(|| head.resolve().ok()?.target())
    {
        named.push(("HEAD".into(), t));
    }
    named.sort();
    let mut out = Vec::new();
    let mut peeled: FastMap<Oid, Option<Oid>> = FastMap::default();
    for (name, target) in named {
        if let Some(c) = peeled.get(&target) {
            out.extend(*c);
            continue;
        }
        // A commit an earlier run walked (the history cache): nothing to
        // read.
        if known(&target) {
            peeled.insert(target, Some(target));
            out.push(target);
            continue;
        }
        let mut id = target;
        let mut commit = None;
        for _ in 0..16 {
            // A commit stored whole says so in its entry header: nothing
            // to inflate (the commit graph reads it next).
            if let Some(at) = objects.packs.locate(id.as_bytes())
                && let Some((Kind::Commit, size)) = objects.packs.whole_size_at(at)
                && size <= COMMIT_LIMIT
            {
                commit = Some(id);
                break;
            }
            match objects.read(id.as_bytes(), Kind::Commit, COMMIT_LIMIT, z) {
                Ok(_) => {
                    commit = Some(id);
                    break;
                }
                Err(pack::Error::WrongKind(Kind::Tag)) => {
                    match objects
                        .read(id.as_bytes(), Kind::Tag, COMMIT_LIMIT, z)
                        .ok()
                        .and_then(|d| parse_tag(&d))
                    {
                        Some((next, _)) => id = next,
                        None => {
                            git.unreadable.push(Unreadable {
                                kind: "tag",
                                id: id.to_string(),
                                path: name.clone(),
                                commit: None,
                                reason: "corrupt".into(),
                            });
                            break;
                        }
                    }
                }
                Err(pack::Error::WrongKind(_)) => {
                    stats.skip(Skip::NotACommit, name.clone());
                    break;
                }
                Err(e) => {
                    git.unreadable.push(Unreadable {
                        kind: "commit",
                        id: id.to_string(),
                        path: name.clone(),
                        commit: None,
                        reason: reason(objects, e),
                    });
                    break;
                }
            }
        }
        peeled.insert(target, commit);
        out.extend(commit);
    }
    out.sort();
    out.dedup();
    out
}

/// The commits shallow clones cut the parents of (`.git/shallow`).
fn shallow_cuts(repo: &Repository) -> FastSet<Oid> {
    use std::io::Read;
    let mut text = String::new();
    if let Ok(f) = std::fs::File::open(repo.commondir().join("shallow")) {
        let _ = f.take(64 << 20).read_to_string(&mut text);
    }
    text.lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// Every commit reachable from `tips` (stopping at those `known` says an
/// earlier run walked), parents first: Kahn's algorithm, the oldest
/// committer time (then id) first among commits ready together, so the
/// order is the same on every run.
fn commit_graph(
    tips: &[Oid],
    objects: &Objects,
    z: &mut Inflater,
    known: &dyn Fn(&Oid) -> bool,
    shallow: &FastSet<Oid>,
    parsed_beside: &Mutex<FastMap<Oid, ParsedCommit>>,
    git: &mut GitStats,
) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: FastMap<Oid, u32> = FastMap::default();
    // Parents by id, resolved to indices once every node is read.
    let mut parent_ids: Vec<Vec<Oid>> = Vec::new();
    let mut stack: Vec<(Oid, Option<Oid>)> = tips.iter().map(|t| (*t, None)).collect();
    let mut failed: FastSet<Oid> = FastSet::default();
    while let Some((id, child)) = stack.pop() {
        if index.contains_key(&id) || failed.contains(&id) || known(&id) {
            continue;
        }
        let beside = parsed_beside.lock().ok().and_then(|mut m| m.remove(&id));
        let parsed = match beside {
            Some(p) => Ok(p),
            None => objects
                .read(id.as_bytes(), Kind::Commit, COMMIT_LIMIT, z)
                .and_then(|d| parse_commit(&d).ok_or(pack::Error::Corrupt)),
        };
        let (tree, parents, time) = match parsed {
            Ok(p) => p,
            Err(e) => {
                failed.insert(id);
                git.unreadable.push(Unreadable {
                    kind: "commit",
                    id: id.to_string(),
                    path: String::new(),
                    commit: child.map(|c| c.to_string()),
                    reason: reason(objects, e),
                });
                continue;
            }
        };
        let parents = if shallow.contains(&id) {
            if !parents.is_empty() {
                git.unreadable.push(Unreadable {
                    kind: "commit",
                    id: id.to_string(),
                    path: String::new(),
                    commit: None,
                    reason: format!(
                        "shallow clone: its {} parent(s) and their history were not fetched",
                        parents.len()
                    ),
                });
            }
            Vec::new()
        } else {
            parents
        };
        index.insert(id, nodes.len() as u32);
        for p in parents.iter().rev() {
            stack.push((*p, Some(id)));
        }
        nodes.push(Node {
            id,
            tree,
            parents: Vec::new(),
            time,
        });
        parent_ids.push(parents);
    }
    for (n, ps) in nodes.iter_mut().zip(parent_ids) {
        n.parents = ps.iter().filter_map(|p| index.get(p).copied()).collect();
    }
    // Kahn: a commit is ready once all its parents are placed.
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
    let mut waiting: Vec<usize> = vec![0; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        let mut ps = n.parents.clone();
        ps.sort_unstable();
        ps.dedup();
        waiting[i] = ps.len();
        for p in ps {
            children[p as usize].push(i as u32);
        }
    }
    let mut ready: BinaryHeap<std::cmp::Reverse<(i64, Oid, u32)>> = nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| waiting[*i] == 0)
        .map(|(i, n)| std::cmp::Reverse((n.time, n.id, i as u32)))
        .collect();
    let mut order: Vec<u32> = Vec::with_capacity(nodes.len());
    while let Some(std::cmp::Reverse((_, _, i))) = ready.pop() {
        order.push(i);
        for &c in &children[i as usize] {
            waiting[c as usize] -= 1;
            if waiting[c as usize] == 0 {
                let n = &nodes[c as usize];
                ready.push(std::cmp::Reverse((n.time, n.id, c)));
            }
        }
    }
    // Parents first; every node is placed (the graph read from objects
    // has no cycles: a commit's id is the hash of its parents' ids).
    let mut slots: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i as usize).and_then(Option::take))
        .collect()
}

/// The walk over every commit's tree, each tree and blob visited once.
struct TreeWalk<'f> {
    objects: &'f Objects,
    z: Inflater,
    seen: FastSet<Id>,
    /// Trees and blobs an earlier run saw (the history cache).
    known: &'f dyn Fn(&Id) -> bool,
    /// The last blob seen at each path: the next one there is its new
    /// version.
    last_at: FastMap<std::sync::Arc<str>, Oid>,
    /// The last tree read whole at each folder.
    last_tree: FastMap<String, pack::Data>,
    stats: Stats,
    git: GitStats,
    next_index: u64,
    /// Blobs found, not yet handed out.
    found: Vec<FirstSeen>,
}

impl TreeWalk<'_> {
    /// Whether `id` is new to this walk (and to the cache's).
    fn first_time(&mut self, id: Id) -> bool {
        !(self.known)(&id) && self.seen.insert(id)
    }

    /// Records the blobs of tree `id` (at `prefix`) never seen before.
    /// Trees already seen hold only blobs already seen, so each tree and
    /// blob is read once across the whole history. Tree objects are parsed
    /// here (`mode SP name NUL id`).
    fn tree(&mut self, id: Oid, prefix: &mut String, commit: Oid) {
        self.git.trees += 1;
        let data = match self
            .objects
            .read(id.as_bytes(), Kind::Tree, TREE_LIMIT, &mut self.z)
        {
            Ok(d) => d,
            Err(e) => {
                self.unreadable_tree(id, prefix, commit, reason(self.objects, e));
                return;
            }
        };
        // The previous tree at this folder: its entries were all seen, so
        // an entry it has unchanged needs no lookup (most entries of a
        // changed tree are unchanged).
        let prev = self.last_tree.get(prefix.as_str()).cloned();
        let prev: &[u8] = prev.as_deref().map_or(&[], |v| v.as_slice());
        let mut pj = 0usize;
        let mut i = 0;
        while i < data.len() {
            let Some((mode, name, oid, len)) = parse_entry(&data[i..]) else {
                self.unreadable_tree(id, prefix, commit, "corrupt entry".into());
                return;
            };
            let entry = &data[i..i + len];
            i += len;
            // The same bytes at an entry boundary of the previous tree are
            // the same entry (its name ends at the same NUL): unchanged,
            // without parsing the previous tree's side.
            if prev.get(pj..pj + len) == Some(entry) {
                pj += len;
                continue;
            }
            let mut unchanged = false;
            while pj < prev.len() {
                let Some((pm, pn, pid, plen)) = parse_entry(&prev[pj..]) else {
                    pj = prev.len();
                    break;
                };
                match git_order(pn, pm == 0o040000, name, mode == 0o040000) {
                    std::cmp::Ordering::Less => pj += plen,
                    std::cmp::Ordering::Equal => {
                        if pid == oid && pm == mode {
                            unchanged = true;
                            pj += plen;
                        }
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
            if unchanged || !self.first_time(oid) {
                continue;
            }
            let Ok(oid) = Oid::from_bytes(&oid) else {
                continue;
            };
            // The entry's path: the folder's, `/`, the name (one buffer
            // for the whole walk, cut back after each entry).
            let folder = prefix.len();
            if folder > 0 {
                prefix.push('/');
            }
            match std::str::from_utf8(name) {
                Ok(n) => prefix.push_str(n),
                Err(_) => prefix.push_str(&String::from_utf8_lossy(name)),
            }
            match mode {
                0o040000 => self.tree(oid, prefix, commit),
                0o160000 => self.stats.skip(Skip::Submodule, prefix.clone()),
                0o120000 => self.stats.skip(Skip::Symlink, prefix.clone()),
                _ => {
                    self.git.blobs += 1;
                    // One allocation per path, shared by its versions.
                    let (path, base) = match self.last_at.get_key_value(prefix.as_str()) {
                        Some((k, v)) => (k.clone(), Some(*v)),
                        None => (std::sync::Arc::<str>::from(prefix.as_str()), None),
                    };
                    self.last_at.insert(path.clone(), oid);
                    let index = self.next_index;
                    self.next_index += 1;
                    self.found.push(FirstSeen {
                        index,
                        blob: oid,
                        path,
                        commit,
                        base,
                    })
                }
            }
            prefix.truncate(folder);
        }
        // Read whole: the next tree at this folder is compared with it.
        match self.last_tree.get_mut(prefix.as_str()) {
            Some(t) => *t = data,
            None => {
                self.last_tree.insert(prefix.clone(), data);
            }
        }
    }

    fn unreadable_tree(&mut self, id: Oid, prefix: &str, commit: Oid, why: String) {
        let path = if prefix.is_empty() {
            "(root)".to_string()
        } else {
            format!("{prefix}/")
        };
        self.git.unreadable.push(Unreadable {
            kind: "tree",
            id: id.to_string(),
            path: path.clone(),
            commit: Some(commit.to_string()),
            reason: why,
        });
        self.stats.skip(Skip::Unreadable, path);
    }
}

/// The outcome of one blob, for the history cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Scanned (or skipped) with no finding.
    Clean,
    /// Scanned with findings: rescanned on every run.
    Findings,
    /// Not read: retried on every run.
    Unreadable,
}

/// Findings of the history, one per rule and value: the one with the
/// lowest walk index (then position) wins, as the blobs are scanned.
type Reported = FastMap<(String, String), (u64, usize, Finding)>;

/// The blob scanners' shared state: the blobs, grouped by path (each
/// group a file's versions in walk order, so each version's previous one
/// was scanned just before it, by the same thread).
struct BlobWork<'s> {
    scanner: &'s Scanner,
    objects: &'s Objects,
    /// Groups waiting for a thread, and whether the walk has ended.
    queue: Mutex<(std::collections::VecDeque<Vec<FirstSeen>>, bool)>,
    ready: std::sync::Condvar,
    keys: foldhash::quality::RandomState,
    reported: Mutex<Reported>,
    /// Blobs with findings, and blobs that could not be read, with what
    /// each added to the counts (for the cache).
    outcomes: Mutex<Vec<(FirstSeen, Outcome, Counted)>>,
    bar: Option<&'s indicatif::ProgressBar>,
}

/// One scanning thread's own state.
#[derive(Default)]
struct Local {
    z: Inflater,
    stats: Stats,
    unreadable: Vec<Unreadable>,
}

impl BlobWork<'_> {
    /// Scans groups until the walk has ended and none is left.
    fn run(&self) -> Local {
        let mut local = Local::default();
        loop {
            let group = {
                let Ok(mut q) = self.queue.lock() else {
                    break;
                };
                loop {
                    if let Some(g) = q.0.pop_front() {
                        break Some(g);
                    }
                    if q.1 {
                        break None;
                    }
                    q = match self.ready.wait(q) {
                        Ok(q) => q,
                        Err(_) => return local,
                    };
                }
            };
            let Some(group) = group else {
                break;
            };
            // The previous version of this file, as scanned.
            let mut prev: Option<(Oid, pack::Data)> = None;
            for b in &group {
                self.blob(b, &mut local, &mut prev);
            }
            if let Some(bar) = self.bar {
                bar.inc(group.len() as u64);
            }
        }
        local
    }

    /// Hands out `blobs` (found by the walk since the last call) as
    /// groups: a file's versions in walk order, the largest groups first.
    fn push(&self, mut blobs: Vec<FirstSeen>, done: bool) {
        blobs.sort_unstable_by(|a, b| a.path.cmp(&b.path).then(a.index.cmp(&b.index)));
        let mut groups: Vec<Vec<FirstSeen>> = Vec::new();
        for b in blobs {
            match groups.last_mut() {
                Some(g) if g[0].path == b.path => g.push(b),
                _ => groups.push(vec![b]),
            }
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
        if let Some(bar) = self.bar {
            bar.inc_length(groups.iter().map(|g| g.len() as u64).sum());
        }
        if let Ok(mut q) = self.queue.lock() {
            q.0.extend(groups);
            q.1 |= done;
        }
        self.ready.notify_all();
    }

    /// The content of `base` if it was scanned as text (so its lines are
    /// covered): the previous blob of the group, else read again.
    fn base_content(
        &self,
        base: Oid,
        prev: &Option<(Oid, pack::Data)>,
        z: &mut Inflater,
    ) -> Option<pack::Data> {
        if let Some((id, d)) = prev
            && *id == base
        {
            return Some(d.clone());
        }
        let d = self
            .objects
            .read(base.as_bytes(), Kind::Blob, self.scanner.max_file_size(), z)
            .ok()?;
        (!crate::scan::is_binary(&d) && !d.starts_with(LFS_POINTER)).then_some(d)
    }

    fn blob(&self, b: &FirstSeen, local: &mut Local, prev: &mut Option<(Oid, pack::Data)>) {
        let before = (local.stats.files, local.stats.bytes, local.stats.lossy_utf8);
        let o = self.scan_blob(b, local, prev);
        if o == Outcome::Clean {
            return;
        }
        let counted = Counted {
            files: (local.stats.files - before.0) as u64,
            bytes: local.stats.bytes - before.1,
            lossy: (local.stats.lossy_utf8 - before.2) as u64,
            skip: (o == Outcome::Unreadable)
                .then(|| (Skip::Unreadable.as_str(), b.path.to_string())),
        };
        if let Ok(mut v) = self.outcomes.lock() {
            v.push((b.clone(), o, counted));
        }
    }

    fn scan_blob(
        &self,
        b: &FirstSeen,
        local: &mut Local,
        prev: &mut Option<(Oid, pack::Data)>,
    ) -> Outcome {
        let last = prev.take();
        if self.scanner.allow_listed(&b.path) {
            local.stats.skip(Skip::AllowListed, b.path.to_string());
            return Outcome::Clean;
        }
        if self.scanner.finds_nothing_in(&b.path) {
            local.stats.skip(Skip::LockFile, b.path.to_string());
            return Outcome::Clean;
        }
        // A blob stored whole: its size says whether it is too large, and,
        // when it is large, its first bytes whether it is binary (as the
        // scanner decides), without inflating the rest (images, videos,
        // archives). A small blob is read whole at once: probing it first
        // would inflate its start twice.
        // One index lookup for the reads below.
        let packs = &self.objects.packs;
        let at = packs.locate(b.blob.as_bytes());
        if let Some((Kind::Blob, size)) = at.and_then(|at| packs.whole_size_at(at)) {
            if size > self.scanner.max_file_size() {
                local.stats.skip(Skip::TooLarge, b.path.to_string());
                return Outcome::Clean;
            }
            if size > PROBE_MIN
                && let Some((_, _, head)) =
                    at.and_then(|at| packs.prefix_at(at, 8192, &mut local.z))
                && crate::scan::is_binary(&head)
            {
                local.stats.skip(Skip::Binary, b.path.to_string());
                return Outcome::Clean;
            }
        }
        let content = match self.objects.read_at(
            b.blob.as_bytes(),
            at,
            Kind::Blob,
            self.scanner.max_file_size(),
            &mut local.z,
        ) {
            Ok(c) => c,
            Err(pack::Error::TooLarge(_)) => {
                local.stats.skip(Skip::TooLarge, b.path.to_string());
                return Outcome::Clean;
            }
            Err(e) => {
                local.unreadable.push(Unreadable {
                    kind: "blob",
                    id: b.blob.to_string(),
                    path: b.path.to_string(),
                    commit: Some(b.commit.to_string()),
                    reason: reason(self.objects, e),
                });
                local.stats.skip(Skip::Unreadable, b.path.to_string());
                return Outcome::Unreadable;
            }
        };
        if content.starts_with(LFS_POINTER) {
            local.stats.skip(Skip::LfsPointer, b.path.to_string());
            return Outcome::Clean;
        }
        let incremental = content.len() >= INCREMENTAL_MIN;
        let regions = match b.base {
            Some(base) if incremental && !crate::scan::is_binary(&content) => self
                .base_content(base, &last, &mut local.z)
                .and_then(|old| changed_regions(&content, &old, &self.keys)),
            _ => None,
        };
        let found =
            self.scanner
                .scan_bytes_in(&b.path, &content, regions.as_deref(), &mut local.stats);
        // Not scanned (binary, too large, allow-listed): counted.
        let Some(found) = found else {
            return Outcome::Clean;
        };
        *prev = Some((b.blob, content));
        if found.is_empty() {
            return Outcome::Clean;
        }
        if let Ok(mut rep) = self.reported.lock() {
            for mut f in found {
                f.commit = Some(b.commit.to_string());
                let rank = (b.index, f.span.start);
                let k = (f.rule.clone(), f.key.clone());
                match rep.get(&k) {
                    Some((i, s, _)) if (*i, *s) <= rank => {}
                    _ => {
                        rep.insert(k, (rank.0, rank.1, f));
                    }
                }
            }
        }
        Outcome::Findings
    }
}

/// Every blob reachable from any ref, each scanned once (in parallel);
/// each finding reported once per rule and value, at the oldest commit
/// (topological order) that introduced it, with its path there.
pub fn history(
    root: &Path,
    scanner: &Scanner,
    opts: &GitOptions,
) -> Result<(Vec<Finding>, Stats), Fatal> {
    let repo = open(root)?;
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, 64);
    let mut git = GitStats {
        threads,
        ..GitStats::default()
    };
    let mut stats = Stats::default();
    // The cache of an earlier run, if any and if it was made by this
    // build with this configuration.
    let mut cache = if opts.no_cache {
        None
    } else {
        Some(HistoryCache::load(repo.commondir(), scanner.identity()))
    };
    let warm = cache
        .as_ref()
        .is_some_and(|c| c.state == history_cache::State::Warm);
    git.cache = match &cache {
        None => String::new(),
        Some(c) => c.state.as_str().to_string(),
    };
    let objects = objects_of(&repo, false);
    let mut z = Inflater::default();
    let known_commit = |id: &Oid| cache.as_ref().is_some_and(|c| c.walked(id));
    // A cold run reads every object: the packs are surveyed (lookup
    // tables, delta counts) on another thread while this one reads the
    // refs and the commit graph. A warm run reads few objects: surveying
    // would cost more than it saves.
    // With the survey done, that thread parses commits from the other end
    // of the packs until the graph is built.
    let parsed_beside = Mutex::new(FastMap::default());
    let graph_done = std::sync::atomic::AtomicBool::new(false);
    let commits = std::thread::scope(|scope| {
        let beside = (!warm && threads > 1).then(|| {
            scope.spawn(|| {
                let (counts, ids) = objects.packs.survey();
                parse_commits_beside(&ids, &objects, &parsed_beside, &graph_done);
                counts
            })
        });
        let before = (!warm && threads <= 1).then(|| objects.packs.survey().0);
        let tips = tips(&repo, &objects, &mut z, &known_commit, &mut git, &mut stats);
        let shallow = shallow_cuts(&repo);
        let commits = commit_graph(
            &tips,
            &objects,
            &mut z,
            &known_commit,
            &shallow,
            &parsed_beside,
            &mut git,
        );
        graph_done.store(true, std::sync::atomic::Ordering::Relaxed);
        let counts = beside.and_then(|h| h.join().ok()).or(before);
        if let Some(c) = counts {
            objects.packs.keep_for(c);
        }
        commits
    });
    drop(parsed_beside);
    git.commits = commits.len();
    // Progress on a terminal only: commits walked, blob versions scanned.
    let bars = std::io::stderr()
        .is_terminal()
        .then(indicatif::MultiProgress::new);
    let bar = |len: usize, what: &str| {
        bars.as_ref().map(|m| {
            let b = m.add(indicatif::ProgressBar::new(len as u64));
            b.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{{spinner}} {what} {{pos}}/{{len}} {{wide_bar}} {{eta}}"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        })
    };
    let last_at = cache
        .as_mut()
        .map(|c| std::mem::take(&mut c.last_at))
        .unwrap_or_default();
    let known_object = |id: &Id| cache.as_ref().is_some_and(|c| c.seen(id));
    let first_index = cache.as_ref().map_or(0, |c| c.next_index());
    let scan_bar = bar(0, "scanning history: blob versions");
    let work = BlobWork {
        scanner,
        objects: &objects,
        queue: Mutex::default(),
        ready: std::sync::Condvar::new(),
        keys: foldhash::quality::RandomState::default(),
        reported: Mutex::default(),
        outcomes: Mutex::default(),
        bar: scan_bar.as_ref(),
    };
    // Blobs to scan again (an earlier run found something in them, or
    // could not read them), each on its own.
    if let Some(c) = &cache {
        git.rescanned = c.again.len();
        for (b, _) in &c.again {
            work.push(vec![b.clone()], false);
        }
    }
    // The walk (this thread): every tree once, every blob first seen.
    // Every EPOCH blobs, the blobs found so far are handed to the other
    // threads, grouped by path: later versions of a file have later walk
    // indices, so a file's versions are scanned in order, epoch after
    // epoch (the first version of a file in an epoch reads its previous
    // one again). Then this thread scans too.
    let mut walk = TreeWalk {
        objects: &objects,
        z: Inflater::default(),
        seen: FastSet::default(),
        known: &known_object,
        last_at,
        last_tree: FastMap::default(),
        stats: Stats::default(),
        git: GitStats::default(),
        next_index: first_index,
        found: Vec::new(),
    };
    let walk_bar = bar(commits.len(), "walking history: commits");
    let mut path = String::new();
    let locals: Vec<Local> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .map(|_| {
                let work = &work;
                scope.spawn(move || work.run())
            })
            .collect();
        for c in &commits {
            if let Some(b) = &walk_bar {
                b.inc(1);
            }
            if walk.first_time(raw(&c.tree)) {
                walk.tree(c.tree, &mut path, c.id);
            }
            if threads > 1 && walk.found.len() >= EPOCH {
                work.push(std::mem::take(&mut walk.found), false);
            }
        }
        if let Some(b) = &walk_bar {
            b.finish_and_clear();
        }
        work.push(std::mem::take(&mut walk.found), true);
        let mut locals = vec![work.run()];
        locals.extend(handles.into_iter().filter_map(|h| h.join().ok()));
        locals
    });
    if let Some(b) = &scan_bar {
        b.finish_and_clear();
    }
    // The trees and blobs seen, for the cache.
    let seen: Vec<Id> = if cache.is_some() {
        let mut v: Vec<Id> = walk.seen.drain().collect();
        v.sort_unstable();
        v
    } else {
        Vec::new()
    };
    let walk = (
        std::mem::take(&mut walk.stats),
        std::mem::take(&mut walk.git),
        std::mem::take(&mut walk.last_at),
        walk.next_index,
        seen,
    );
    let (walk_stats, walk_git, last_at, next_index, seen) = walk;
    stats.merge_from(walk_stats);
    git.trees += walk_git.trees;
    git.blobs += walk_git.blobs;
    git.unreadable.extend(walk_git.unreadable);
    for l in locals {
        stats.merge_from(l.stats);
        git.unreadable.extend(l.unreadable);
    }
    let reported = work.reported.into_inner().unwrap_or_default();
    // Blobs to scan again on the next run: those that could not be read,
    // and those holding a finding this run reports. A blob whose every
    // finding was reported from an older one (the same value in an
    // earlier version) cannot report it later either: blobs new to a
    // later run come later in the walk, and the older blob is scanned
    // again.
    let winners: FastSet<u64> = reported.values().map(|(i, _, _)| *i).collect();
    let mut outcomes = work.outcomes.into_inner().unwrap_or_default();
    outcomes.retain(|(b, o, _)| *o == Outcome::Unreadable || winners.contains(&b.index));
    // The packs (their mappings and caches) are done with.
    drop(walk_bar);
    drop(scan_bar);
    drop(objects);
    let commit_ids: Vec<Oid> = commits.iter().map(|n| n.id).collect();
    drop(commits);
    // The cache: what this run adds to it, and the totals of the runs
    // before (so that a warm run reports what a cold one does).
    if let Some(c) = cache.as_mut() {
        c.merge_counts(&mut stats, &mut git);
        let complete_walk = !git.unreadable.iter().any(|u| u.kind != "blob");
        let changed = c.record(
            commit_ids,
            seen,
            last_at,
            outcomes,
            next_index,
            &stats,
            &git,
            complete_walk,
        );
        if changed && let Err(e) = c.save() {
            git.cache = format!("{} (not saved: {e})", git.cache);
        }
    }
    let mut all: Vec<(u64, usize, Finding)> = reported.into_values().collect();
    all.sort_by_key(|a| (a.0, a.1));
    let out = all.into_iter().map(|(_, _, f)| f).collect();
    Ok((out, finish(stats, git, opts)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_windows_are_the_lines_from_where_they_are_asked() {
        // The lines from `at`, found afresh.
        let direct = |t: &[u8], end: usize, mut at: usize, n: usize| -> Vec<Line> {
            let mut v = Vec::new();
            while at < end && v.len() < n {
                let (c, e) = line_bounds(t, at, end);
                v.push((at, c, e));
                at = e;
            }
            v
        };
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..200 {
            let text: Vec<u8> = (0..rand(300))
                .map(|_| if rand(4) == 0 { b'\n' } else { b'x' })
                .collect();
            let end = text.len() - rand(text.len() as u64 + 1) as usize;
            let starts: Vec<usize> = std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', &text[..end]).map(|i| i + 1))
                .filter(|&s| s < end)
                .collect();
            let mut lines = Lines::new(&text, end);
            // Forward by a line, a few lines or a jump, as the walk moves.
            let mut k = 0;
            while k < starts.len() {
                let n = 1 + rand(17) as usize;
                assert_eq!(
                    lines.from(starts[k], n),
                    &direct(&text, end, starts[k], n)[..],
                    "{text:?} {end} {k}"
                );
                let far = rand(3) == 0;
                k += 1 + rand(if far { 40 } else { 3 }) as usize;
            }
        }
    }

    #[test]
    fn find_nul_finds_the_first_zero_byte_wherever_it_is() {
        // Every length up to 3 words, the zero at every place, after bytes
        // that make a borrow (0x00 then 0x01, 0x80, 0xff) flag a byte.
        for len in 0..24 {
            for fill in [b'a', 0x01, 0x80, 0xff] {
                let mut s = vec![fill; len];
                assert_eq!(find_nul(&s), None, "{len} {fill}");
                for at in 0..len {
                    s.fill(fill);
                    s[at] = 0;
                    if at + 1 < len {
                        s[at + 1] = 0x01;
                    }
                    assert_eq!(find_nul(&s), Some(at), "{len} {fill} {at}");
                    // A second zero after the first changes nothing.
                    if at + 2 < len {
                        s[at + 2] = 0;
                        assert_eq!(find_nul(&s), Some(at));
                    }
                }
            }
        }
    }

    /// The reference: the line-by-line comparison the byte comparison
    /// replaced (every line hashed, head and tail trimmed by hash).
    fn reference(new: &[u8], base: &[u8]) -> Option<Vec<Range<usize>>> {
        let keys = foldhash::quality::RandomState::default();
        use std::hash::BuildHasher;
        let lines = |b: &[u8]| -> (Vec<usize>, Vec<u64>) {
            let (mut ends, mut hashes) = (Vec::new(), Vec::new());
            let mut start = 0;
            for nl in memchr::memchr_iter(b'\n', b) {
                ends.push(nl + 1);
                hashes.push(keys.hash_one(&b[start..nl]));
                start = nl + 1;
            }
            if start < b.len() {
                ends.push(b.len());
                hashes.push(keys.hash_one(&b[start..]));
            }
            (ends, hashes)
        };
        let (ends, new_h) = lines(new);
        let (_, base_h) = lines(base);
        let head = new_h
            .iter()
            .zip(&base_h)
            .take_while(|(a, b)| a == b)
            .count();
        let max_tail = new_h.len().min(base_h.len()) - head;
        let tail = new_h
            .iter()
            .rev()
            .zip(base_h.iter().rev())
            .take(max_tail)
            .take_while(|(a, b)| a == b)
            .count();
        let mut old: Vec<u64> = base_h[head..base_h.len() - tail].to_vec();
        old.sort_unstable();
        let start_of = |i: usize| if i == 0 { 0 } else { ends[i - 1] };
        let mut out: Vec<Range<usize>> = Vec::new();
        for (i, h) in new_h.iter().enumerate().take(new_h.len() - tail).skip(head) {
            if old.binary_search(h).is_ok() {
                continue;
            }
            let first = i.saturating_sub(CONTEXT_LINES);
            let last = (i + CONTEXT_LINES).min(new_h.len() - 1);
            let r = start_of(first)..ends[last];
            match out.last_mut() {
                Some(prev) if r.start <= prev.end => prev.end = prev.end.max(r.end),
                _ => out.push(r),
            }
        }
        let changed: usize = out.iter().map(|r| r.len()).sum();
        (changed * 4 < new.len() * 3).then_some(out)
    }

    fn regions(old: &str, new: &str) -> Option<Vec<String>> {
        let keys = foldhash::quality::RandomState::default();
        let got = changed_regions(new.as_bytes(), old.as_bytes(), &keys);
        assert_eq!(
            got,
            reference(new.as_bytes(), old.as_bytes()),
            "byte comparison differs from line comparison"
        );
        got.map(|rs| rs.into_iter().map(|r| new[r].to_string()).collect())
    }

    fn numbered(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn a_changed_line_is_scanned_with_its_context() {
        let old = numbered(40);
        let mut new = old.clone();
        new[20] = "changed\n".into();
        let got = regions(&old.concat(), &new.concat()).unwrap();
        assert_eq!(got, vec![new[17..24].concat()]);
    }

    #[test]
    fn changes_far_apart_are_separate_regions_and_close_ones_merge() {
        let old = numbered(60);
        let mut new = old.clone();
        new[5] = "a\n".into();
        new[9] = "b\n".into();
        new[40] = "c\n".into();
        let got = regions(&old.concat(), &new.concat()).unwrap();
        assert_eq!(got, vec![new[2..13].concat(), new[37..44].concat()]);
    }

    #[test]
    fn moved_lines_are_not_new_but_deleted_ones_leave_nothing() {
        let old = numbered(40);
        let mut new = old.clone();
        let moved = new.remove(30);
        new.insert(3, moved);
        assert_eq!(
            regions(&old.concat(), &new.concat()).unwrap(),
            Vec::<String>::new()
        );
        let mut shorter = old.clone();
        shorter.drain(10..15);
        assert_eq!(
            regions(&old.concat(), &shorter.concat()).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn first_and_last_lines_and_a_missing_final_newline() {
        let old = numbered(30).concat();
        let new = format!("new first\n{}new last", old);
        let got = regions(&old, &new).unwrap();
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("new first\nline 0\n"));
        assert!(got[1].ends_with("line 29\nnew last"));
    }

    #[test]
    fn a_mostly_new_blob_is_scanned_whole() {
        let old = numbered(20).concat();
        let new: String = (0..20).map(|i| format!("other {i}\n")).collect();
        assert_eq!(regions(&old, &new), None);
    }

    /// The byte comparison gives what the line comparison gave, on many
    /// random edits (lines changed, inserted, deleted, duplicated, a final
    /// newline added or dropped, a line split inside).
    #[test]
    fn byte_and_line_comparison_agree_on_random_edits() {
        let mut x = 0x2545f4914f6cdd1du64;
        let mut rnd = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n.max(1) as u64) as usize
        };
        let rounds = std::env::var("KEYLEDGER_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .map_or(3000, |n| n * 50);
        for round in 0..rounds {
            let n = 1 + rnd(if round % 10 == 0 { 300 } else { 60 });
            let vocab = 1 + rnd(if round % 3 == 0 { 400 } else { 12 });
            let mut old: Vec<String> = (0..n).map(|_| format!("l{}\n", rnd(vocab))).collect();
            if rnd(4) == 0 {
                let last = old.len() - 1;
                old[last].pop();
            }
            let mut new = old.clone();
            let edits = if round % 7 == 0 {
                1 + rnd(60)
            } else {
                1 + rnd(4)
            };
            for _ in 0..edits {
                let len = new.len().max(1);
                match rnd(6) {
                    0 => {
                        let i = rnd(len).min(len - 1);
                        new[i] = format!("x{}\n", rnd(5));
                    }
                    1 => {
                        let i = rnd(len + 1).min(len);
                        new.insert(i, format!("l{}\n", rnd(vocab)));
                    }
                    2 if new.len() > 1 => {
                        new.remove(rnd(len));
                    }
                    3 => {
                        let i = rnd(len).min(new.len() - 1);
                        let l = new[i].clone();
                        new.insert(rnd(len), l);
                    }
                    4 => {
                        let last = new.len() - 1;
                        if new[last].ends_with('\n') {
                            new[last].pop();
                        } else {
                            new[last].push('\n');
                        }
                    }
                    _ => {
                        let i = rnd(len).min(new.len() - 1);
                        new[i] = new[i].replacen('l', "l\n", 1);
                    }
                }
            }
            // Only the last line may lack its newline.
            let fix = |v: &mut Vec<String>| {
                let k = v.len();
                for (i, l) in v.iter_mut().enumerate() {
                    if i + 1 < k && !l.ends_with('\n') {
                        l.push('\n');
                    }
                }
            };
            fix(&mut old);
            fix(&mut new);
            let (o, nw) = (old.concat(), new.concat());
            let keys = foldhash::quality::RandomState::default();
            assert_eq!(
                changed_regions(nw.as_bytes(), o.as_bytes(), &keys),
                reference(nw.as_bytes(), o.as_bytes()),
                "round {round}:\nold {o:?}\nnew {nw:?}"
            );
        }
    }

    #[test]
    fn common_prefixes_and_suffixes() {
        for (a, b) in [
            (&b""[..], &b""[..]),
            (b"abc", b"abd"),
            (b"0123456789abcdefX", b"0123456789abcdefY"),
            (b"0123456789abcdef", b"0123456789abcdefgh"),
            (b"Xbcdefghijklmnop", b"Ybcdefghijklmnop"),
            (b"same same same same", b"same same same same"),
        ] {
            let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
            let s = a
                .iter()
                .rev()
                .zip(b.iter().rev())
                .take_while(|(x, y)| x == y)
                .count();
            assert_eq!(common_prefix(a, b), p, "{a:?} {b:?}");
            assert_eq!(common_suffix(a, b), s, "{a:?} {b:?}");
        }
    }

    #[test]
    fn commits_and_tags_parse() {
        let c = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 1111111111111111111111111111111111111111\nparent 2222222222222222222222222222222222222222\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1700000000 +0100\n\nmsg\ntree 3333333333333333333333333333333333333333\n";
        let (tree, parents, time) = parse_commit(c).unwrap();
        assert_eq!(tree.to_string(), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
        assert_eq!(parents.len(), 2);
        assert_eq!(time, 1_700_000_000);
        assert!(parse_commit(b"tree nothex\n").is_none());
        assert!(parse_commit(b"author only\n").is_none());
        let t = b"object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype commit\ntag v1\n\nmsg";
        assert_eq!(parse_tag(t).map(|(_, k)| k), Some(Some(Kind::Commit)));
    }
}
