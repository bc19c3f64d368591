//! Git scopes, read through libgit2: `--staged` (the index against HEAD),
//! `--since REV` (lines added by the commits in `REV..HEAD`) and
//! `--history` (every blob reachable from any ref, each scanned once, each
//! finding attributed to the commit that introduced it).

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::Path;

use git2::{Delta, Diff, DiffOptions, FileMode, Oid, Patch, Repository, Sort};

use crate::diag::{Diag, Fatal};
use crate::finding::Finding;
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

/// A blob to scan: where and when it first appeared.
struct FirstSeen {
    blob: Oid,
    path: String,
    commit: Oid,
}

/// Walks `tree` and records blobs never seen before. Trees already seen
/// hold only blobs already seen, so each tree and blob is visited once
/// across the whole history.
fn collect_new_blobs(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    prefix: &str,
    commit: Oid,
    seen: &mut HashSet<Oid>,
    stats: &mut Stats,
    out: &mut dyn FnMut(FirstSeen),
) {
    for entry in tree.iter() {
        let id = entry.id();
        if !seen.insert(id) {
            continue;
        }
        let name = String::from_utf8_lossy(entry.name_bytes());
        let path = if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}/{name}")
        };
        match entry.filemode() {
            0o040000 => {
                if let Ok(sub) = repo.find_tree(id) {
                    collect_new_blobs(repo, &sub, &path, commit, seen, stats, out);
                }
            }
            0o160000 => stats.skip_reason("submodule", path),
            0o120000 => stats.skip_reason("symlink", path),
            _ => out(FirstSeen {
                blob: id,
                path,
                commit,
            }),
        }
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
    // The tree walk (one thread) feeds the blob scanners (every core) as it
    // goes; each scanner has its own repository handle (libgit2 handles are
    // not shared across threads).
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(16);
    let git_dir = repo.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, FirstSeen)>(4096);
    let rx = std::sync::Mutex::new(rx);
    let results: Vec<(Vec<(usize, Finding)>, Stats)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let git_dir = git_dir.clone();
                let rx = &rx;
                scope.spawn(move || {
                    let mut stats = Stats::default();
                    let mut found = Vec::new();
                    let repo = Repository::open(&git_dir).ok();
                    loop {
                        let next = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => break,
                        };
                        let Ok((i, b)) = next else { break };
                        let blob = repo.as_ref().and_then(|r| r.find_blob(b.blob).ok());
                        match blob {
                            Some(blob) if blob.content().starts_with(LFS_POINTER) => {
                                stats.skip_reason("lfs_pointer", b.path);
                            }
                            Some(blob) => {
                                for mut f in scanner.scan_bytes(&b.path, blob.content(), &mut stats)
                                {
                                    f.commit = Some(b.commit.to_string());
                                    found.push((i, f));
                                }
                            }
                            None => stats.skip_reason("unreadable", b.path),
                        }
                    }
                    (found, stats)
                })
            })
            .collect();
        let mut seen = HashSet::new();
        let mut n = 0usize;
        for oid in &oids {
            if let Some(b) = &bar {
                b.inc(1);
            }
            let Ok(commit) = repo.find_commit(*oid) else {
                continue;
            };
            let Ok(tree) = commit.tree() else { continue };
            if seen.insert(tree.id()) {
                let mut send = |fs: FirstSeen| {
                    let _ = tx.send((n, fs));
                    n += 1;
                };
                collect_new_blobs(&repo, &tree, "", *oid, &mut seen, &mut stats, &mut send);
            }
        }
        drop(tx);
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
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
