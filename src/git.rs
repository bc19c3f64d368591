//! Git scopes, read through libgit2: `--staged` (the index against HEAD),
//! `--since REV` (lines added by the commits in `REV..HEAD`) and
//! `--history` (every blob reachable from any ref, each scanned once, each
//! finding attributed to the commit that introduced it).

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::ops::Range;
use std::path::Path;

use git2::{Delta, Diff, DiffOptions, FileMode, Oid, Patch, Repository, Sort};

// zlib-rs exports the zlib C API; linking it here makes libgit2 inflate
// objects with it rather than with the system zlib (see Cargo.toml).
use libz_rs_sys as _;

use crate::diag::{Diag, Fatal};
use crate::finding::Finding;
use crate::pack::{self, Inflater, Packs};
use crate::scan::{Scanner, Stats};

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

fn open(root: &Path) -> Result<Repository, Fatal> {
    Repository::discover(root).map_err(|e| {
        Diag::plain(
            "git",
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
    Diag::plain("git", format!("{what}: {}", e.message())).into()
}

const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1";

/// Lines (1-based) added in the new side of delta `idx` of `diff`.
fn added_lines(diff: &Diff<'_>, idx: usize) -> HashSet<usize> {
    let mut out = HashSet::new();
    let Ok(Some(patch)) = Patch::from_diff(diff, idx) else {
        return out;
    };
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
    out
}

struct Walker<'r> {
    repo: &'r Repository,
    scanner: &'r Scanner,
    stats: Stats,
    /// Findings per scanned blob, so each distinct blob is read once.
    cache: HashMap<Oid, Vec<Finding>>,
}

impl Walker<'_> {
    /// Findings of the new side of every added or modified file in `diff`.
    /// With `added_only`, only findings on added lines are kept.
    fn scan_diff(
        &mut self,
        diff: &Diff<'_>,
        commit: Option<Oid>,
        added_only: bool,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        for (idx, delta) in diff.deltas().enumerate() {
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
                    self.stats.skip_reason("submodule", path);
                    continue;
                }
                FileMode::Link => {
                    self.stats.skip_reason("symlink", path);
                    continue;
                }
                _ => {}
            }
            let id = file.id();
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
                    let found = match self.repo.find_blob(id) {
                        Ok(blob) if blob.content().starts_with(LFS_POINTER) => {
                            self.stats.skip_reason("lfs_pointer", path.clone());
                            Vec::new()
                        }
                        Ok(blob) => self
                            .scanner
                            .scan_bytes(&path, blob.content(), &mut self.stats),
                        Err(_) => {
                            self.stats.skip_reason("unreadable", path.clone());
                            Vec::new()
                        }
                    };
                    self.cache.insert(id, found.clone());
                    found
                }
            };
            if found.is_empty() {
                continue;
            }
            let lines = if added_only {
                Some(added_lines(diff, idx))
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

/// Staged changes: the index against HEAD, added lines only.
pub fn staged(root: &Path, scanner: &Scanner) -> Result<(Vec<Finding>, Stats), Fatal> {
    let repo = open(root)?;
    let index = repo
        .index()
        .map_err(|e| git_err("cannot read the index", e))?;
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut diff_opts()))
        .map_err(|e| git_err("cannot diff the index", e))?;
    let diff = with_renames(diff);
    let mut w = Walker {
        repo: &repo,
        scanner,
        stats: Stats::default(),
        cache: HashMap::new(),
    };
    let found = w.scan_diff(&diff, None, true);
    Ok((found, w.stats))
}

/// Lines added by the commits in `rev..HEAD`, each finding with its commit.
pub fn since(root: &Path, rev: &str, scanner: &Scanner) -> Result<(Vec<Finding>, Stats), Fatal> {
    let repo = open(root)?;
    let base = repo.revparse_single(rev).map_err(|e| {
        let mut d = Diag::plain("git", format!("revision `{rev}` not found: {}", e.message()));
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
    let mut w = Walker {
        repo: &repo,
        scanner,
        stats: Stats::default(),
        cache: HashMap::new(),
    };
    let mut out = Vec::new();
    for oid in walk {
        let oid = oid.map_err(|e| git_err("revwalk", e))?;
        let commit = repo.find_commit(oid).map_err(|e| git_err("commit", e))?;
        // A merge's changes arrive with the merged commits, which are in
        // the range themselves.
        if commit.parent_count() > 1 {
            continue;
        }
        let tree = commit.tree().map_err(|e| git_err("tree", e))?;
        let parent = commit.parent(0).ok().and_then(|p| p.tree().ok());
        let diff = repo
            .diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut diff_opts()))
            .map_err(|e| git_err("diff", e))?;
        let diff = with_renames(diff);
        out.extend(w.scan_diff(&diff, Some(oid), true));
    }
    Ok((out, w.stats))
}

/// libgit2 inflates every blob into a fresh `malloc` buffer. glibc hands
/// large ones back to the kernel on `free` (mmap threshold, heap trimming),
/// so the next blob faults its pages in again: a fifth of a history scan
/// went to zeroing pages. Keeping freed memory in the process avoids that.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes glibc's allocator; it is called before the
    // scan threads start and takes plain integers.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

/// Object ids and paths are not chosen by an attacker who can also see
/// the per-process seed: a fast keyed hash is enough.
type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A blob to scan: where and when it first appeared, and the blob that
/// was at the same path before it (its previous version), if any.
struct FirstSeen {
    blob: Oid,
    path: String,
    commit: Oid,
    base: Option<Oid>,
}

/// Blobs smaller than this are scanned whole: comparing their lines with
/// the previous version costs more than scanning them.
const INCREMENTAL_MIN: usize = 2048;
/// Lines of context scanned around each line that is new in a blob.
const CONTEXT_LINES: usize = 3;

/// The lines of a blob: where each ends (after its newline) and a keyed
/// hash of each, in order.
struct Lines {
    ends: Vec<usize>,
    hashes: Vec<u64>,
}

fn lines_of(bytes: &[u8], keys: &foldhash::quality::RandomState) -> Lines {
    use std::hash::BuildHasher;
    let cap = bytes.len() / 32;
    let (mut ends, mut hashes) = (Vec::with_capacity(cap), Vec::with_capacity(cap));
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        ends.push(nl + 1);
        hashes.push(keys.hash_one(&bytes[start..nl]));
        start = nl + 1;
    }
    if start < bytes.len() {
        ends.push(bytes.len());
        hashes.push(keys.hash_one(&bytes[start..]));
    }
    Lines { ends, hashes }
}

/// What is left to scan in a blob whose previous version had the line
/// hashes `base`: every line that is not in `base`, with
/// [`CONTEXT_LINES`] around it. Every line that is in `base` was scanned
/// with that version (or, by the same rule, with an older one), and its
/// findings were reported at the commit that introduced it. The common
/// head and tail are trimmed first, as a diff does, so a small edit costs
/// a look at a few lines. `None` when most of the blob is new: it is
/// scanned whole.
fn changed_regions(lines: &Lines, base: &[u64], len: usize) -> Option<Vec<Range<usize>>> {
    let new = &lines.hashes;
    let head = new.iter().zip(base).take_while(|(a, b)| a == b).count();
    let max_tail = new.len().min(base.len()) - head;
    let tail = new
        .iter()
        .rev()
        .zip(base.iter().rev())
        .take(max_tail)
        .take_while(|(a, b)| a == b)
        .count();
    let mut old: Vec<u64> = base[head..base.len() - tail].to_vec();
    old.sort_unstable();
    let start_of = |i: usize| if i == 0 { 0 } else { lines.ends[i - 1] };
    let mut out: Vec<Range<usize>> = Vec::new();
    for (i, h) in new.iter().enumerate().take(new.len() - tail).skip(head) {
        if old.binary_search(h).is_ok() {
            continue;
        }
        let first = i.saturating_sub(CONTEXT_LINES);
        let last = (i + CONTEXT_LINES).min(new.len() - 1);
        let r = start_of(first)..lines.ends[last];
        match out.last_mut() {
            Some(prev) if r.start <= prev.end => prev.end = prev.end.max(r.end),
            _ => out.push(r),
        }
    }
    let changed: usize = out.iter().map(|r| r.len()).sum();
    (changed * 4 < len * 3).then_some(out)
}

/// Object `id`, which must be of `kind`: from the pack reader, else
/// through libgit2 (a loose object, or one the reader leaves to libgit2).
fn read_object(
    packs: &Packs,
    z: &mut Inflater,
    odb: &git2::Odb<'_>,
    id: Oid,
    kind: pack::Kind,
) -> Option<pack::Data> {
    if let Some((k, data)) = packs.read(id.as_bytes(), z) {
        return (k == kind).then_some(data);
    }
    let obj = odb.read(id).ok()?;
    (pack::Kind::of(obj.kind()) == Some(kind)).then(|| obj.data().into())
}

/// At most this much resolved pack data is kept for deltas still to come.
/// On the benchmark history, 8 MiB already gives one inflate per object:
/// a base is dropped once its last delta is applied.
const PACK_CACHE: usize = 32 << 20;

/// The walk over every commit's tree, each tree and blob visited once.
struct TreeWalk<'f> {
    packs: &'f Packs,
    z: Inflater,
    seen: FastSet<Oid>,
    /// The last blob seen at each path: the next one there is its new
    /// version.
    last_at: FastMap<String, Oid>,
    stats: Stats,
    found: &'f mut dyn FnMut(FirstSeen),
}

impl TreeWalk<'_> {
    /// Records the blobs of tree `id` (at `prefix`) never seen before.
    /// Trees already seen hold only blobs already seen, so each tree and
    /// blob is read once across the whole history. Tree objects are parsed
    /// here (`mode SP name NUL id`): a `git_tree` per tree costs more than
    /// reading it.
    fn tree(&mut self, odb: &git2::Odb<'_>, id: Oid, prefix: &str, commit: Oid) {
        let Some(data) = read_object(self.packs, &mut self.z, odb, id, pack::Kind::Tree) else {
            self.stats.skip_reason("unreadable", prefix.to_string());
            return;
        };
        let mut i = 0;
        while i < data.len() {
            let entry = parse_entry(&data[i..]);
            let Some((mode, name, oid, len)) = entry else {
                self.stats.skip_reason("unreadable", prefix.to_string());
                return;
            };
            i += len;
            if !self.seen.insert(oid) {
                continue;
            }
            let name = String::from_utf8_lossy(name);
            let path = if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            };
            match mode {
                0o040000 => self.tree(odb, oid, &path, commit),
                0o160000 => self.stats.skip_reason("submodule", path),
                0o120000 => self.stats.skip_reason("symlink", path),
                _ => {
                    let base = self.last_at.insert(path.clone(), oid);
                    (self.found)(FirstSeen {
                        blob: oid,
                        path,
                        commit,
                        base,
                    })
                }
            }
        }
    }
}

/// One entry of a raw tree object: its mode, name, id and length.
fn parse_entry(data: &[u8]) -> Option<(u32, &[u8], Oid, usize)> {
    const ID: usize = 20;
    let sp = memchr::memchr(b' ', data)?;
    let mut mode = 0u32;
    for &c in &data[..sp] {
        if !(b'0'..=b'7').contains(&c) {
            return None;
        }
        mode = mode.checked_mul(8)?.checked_add(u32::from(c - b'0'))?;
    }
    let nul = sp + 1 + memchr::memchr(0, &data[sp + 1..])?;
    let id = Oid::from_bytes(data.get(nul + 1..nul + 1 + ID)?).ok()?;
    Some((mode, &data[sp + 1..nul], id, nul + 1 + ID))
}

/// The blob scanners' shared state.
struct BlobWork<'s> {
    scanner: &'s Scanner,
    packs: &'s Packs,
    rx: std::sync::Mutex<std::sync::mpsc::Receiver<Vec<(usize, FirstSeen)>>>,
    /// The lines of scanned blobs, until their next version at the same
    /// path takes them (see `changed_regions`).
    versions: std::sync::Mutex<FastMap<Oid, Vec<u64>>>,
    keys: foldhash::quality::RandomState,
}

impl BlobWork<'_> {
    /// Scans batches of blobs until the channel closes: the findings, each
    /// with the index of its blob in walk order.
    fn run(&self, repo: &Repository) -> (Vec<(usize, Finding)>, Stats) {
        let mut stats = Stats::default();
        let mut found_all = Vec::new();
        let Ok(odb) = repo.odb() else {
            return (found_all, stats);
        };
        let mut z = Inflater::default();
        loop {
            let next = match self.rx.lock() {
                Ok(r) => r.recv(),
                Err(_) => break,
            };
            let Ok(batch) = next else { break };
            for (i, b) in batch {
                let Some(blob) = read_object(self.packs, &mut z, &odb, b.blob, pack::Kind::Blob)
                else {
                    stats.skip_reason("unreadable", b.path);
                    continue;
                };
                let content = &blob[..];
                if content.starts_with(LFS_POINTER) {
                    stats.skip_reason("lfs_pointer", b.path);
                    continue;
                }
                let lines =
                    (content.len() >= INCREMENTAL_MIN).then(|| lines_of(content, &self.keys));
                let regions = match (&lines, b.base) {
                    (Some(lines), Some(base)) => self
                        .versions
                        .lock()
                        .ok()
                        .and_then(|mut v| v.remove(&base))
                        .and_then(|base| changed_regions(lines, &base, content.len())),
                    _ => None,
                };
                let Some(found) =
                    self.scanner
                        .scan_bytes_in(&b.path, content, regions.as_deref(), &mut stats)
                else {
                    continue;
                };
                for mut f in found {
                    f.commit = Some(b.commit.to_string());
                    found_all.push((i, f));
                }
                // Every line of this blob is covered now: the next version
                // at its path scans only what is new.
                if let Some(mut lines) = lines {
                    lines.hashes.shrink_to_fit();
                    if let Ok(mut v) = self.versions.lock() {
                        v.insert(b.blob, lines.hashes);
                    }
                }
            }
        }
        (found_all, stats)
    }
}

/// Every blob reachable from any ref, each scanned once (in parallel);
/// each finding reported once per rule and value, at the oldest commit
/// (topological order) that introduced it, with its path there.
pub fn history(root: &Path, scanner: &Scanner) -> Result<(Vec<Finding>, Stats), Fatal> {
    // Objects come from the repository itself; re-hashing every object on
    // read (libgit2's default) doubles the cost for nothing.
    git2::opts::strict_hash_verification(false);
    // Each tree and blob is read once: an object cache only costs memory.
    git2::opts::enable_caching(false);
    keep_freed_memory();
    let repo = open(root)?;
    let mut walk = repo.revwalk().map_err(|e| git_err("revwalk", e))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(|e| git_err("revwalk", e))?;
    walk.push_glob("refs/*").map_err(|e| git_err("refs", e))?;
    if repo.head().is_ok() {
        let _ = walk.push_head();
    }
    let oids: Vec<Oid> = walk.filter_map(Result::ok).collect();
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(oids.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} scanning history {pos}/{len} commits {wide_bar} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut stats = Stats::default();
    // The tree walk (this thread) feeds the blob scanners (one thread per
    // other core) as it goes, then scans too; each thread has its own
    // repository handle (libgit2 handles are not shared across threads).
    // The walk is the critical path: a scanner per core would slow it down.
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(16);
    let git_dir = repo.path().to_path_buf();
    // Blobs travel in batches: a message per blob costs a wake-up per blob.
    // The queue is deep (4,096 batches) so the walk never waits for the
    // scanners: it is the critical path.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(usize, FirstSeen)>>(4096);
    let packs = Packs::open(&repo.commondir().join("objects"), PACK_CACHE);
    let work = BlobWork {
        scanner,
        packs: &packs,
        rx: std::sync::Mutex::new(rx),
        versions: Default::default(),
        keys: foldhash::quality::RandomState::default(),
    };
    let results: Vec<(Vec<(usize, Finding)>, Stats)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads.max(2))
            .map(|_| {
                let git_dir = git_dir.clone();
                let work = &work;
                scope.spawn(move || match Repository::open(&git_dir) {
                    Ok(repo) => work.run(&repo),
                    Err(_) => (Vec::new(), Stats::default()),
                })
            })
            .collect();
        let mut n = 0usize;
        const BATCH: usize = 32;
        let mut batch = Vec::with_capacity(BATCH);
        let mut send = |fs: FirstSeen| {
            batch.push((n, fs));
            n += 1;
            if batch.len() == BATCH {
                let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        };
        if let Ok(odb) = repo.odb() {
            let mut walk = TreeWalk {
                packs: &packs,
                z: Inflater::default(),
                seen: FastSet::default(),
                last_at: FastMap::default(),
                stats: Stats::default(),
                found: &mut send,
            };
            for oid in &oids {
                if let Some(b) = &bar {
                    b.inc(1);
                }
                let Ok(commit) = repo.find_commit(*oid) else {
                    continue;
                };
                let tree = commit.tree_id();
                if walk.seen.insert(tree) {
                    walk.tree(&odb, tree, "", *oid);
                }
            }
            stats.merge_from(std::mem::take(&mut walk.stats));
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        drop(tx);
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        // The walk is done: this thread scans what is left, too.
        let mut results = vec![work.run(&repo)];
        results.extend(handles.into_iter().filter_map(|h| h.join().ok()));
        results
    });
    let mut all: Vec<(usize, Finding)> = Vec::new();
    for (found, st) in results {
        all.extend(found);
        stats.merge_from(st);
    }
    // Oldest first, then one finding per rule and value: a rename or a
    // copy of the same secret is not a new leak.
    all.sort_by_key(|(i, f)| (*i, f.span.start));
    let mut reported: HashSet<String> = HashSet::new();
    let out = all
        .into_iter()
        .map(|(_, f)| f)
        .filter(|f| reported.insert(format!("{}\0{}", f.rule, f.key)))
        .collect();
    Ok((out, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(old: &str, new: &str) -> Option<Vec<String>> {
        let keys = foldhash::quality::RandomState::default();
        let base = lines_of(old.as_bytes(), &keys).hashes;
        let lines = lines_of(new.as_bytes(), &keys);
        changed_regions(&lines, &base, new.len())
            .map(|rs| rs.into_iter().map(|r| new[r].to_string()).collect())
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
}
