//! The history cache: what earlier `check --history` runs on a repository
//! walked and scanned, so that the next run reads only what is new. A CI
//! job that scans history on every push then costs about what the push
//! adds.
//!
//! It lives in the repository's git directory, `keyledger/history.cache`
//! (shared by worktrees), and holds object ids and paths, never content:
//!
//! - the commits walked, and every tree and blob id seen (sorted, so a
//!   lookup is a binary search and loading costs a read);
//! - the last blob seen at each path, so that a new version of a file is
//!   compared with its previous one as in a full run;
//! - blobs to look at again on every run: those holding a finding the
//!   report shows (rescanned, so every run reports every finding, at the
//!   commit that introduced it; a later version that only repeats a value
//!   an older one holds is not kept, as it can never be the one reported)
//!   and those that could not be read (retried: a run never reports a
//!   clean pass while a blob stays unreadable);
//! - the totals and skip lists of the runs so far, so a warm run's summary
//!   reads as a cold run's.
//!
//! It is keyed by this build (version, executable size and time) and by
//! the scanner's configuration (detectors, `[scan]` settings, inventoried
//! names, fingerprints and PII fields): when either changes, the cache is
//! ignored and rewritten. It is written to a temporary file in the same
//! folder and renamed over the old one, so concurrent runs each see a
//! whole file (the last to finish wins; the other's additions are scanned
//! again next time). A checksum guards against a damaged file (a damaged
//! or foreign file is ignored, never trusted in part). Anyone who can
//! write the git directory can hide history from any scanner (rewrite
//! refs, objects), so the cache is trusted as the git directory is.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use git2::Oid;

use crate::git::{FirstSeen, GitStats, Outcome};
use crate::scan::{Skip, Stats};

const MAGIC: &[u8; 8] = b"KLHC\x01\0\0\0";
/// A cache file larger than this is not read.
const MAX_FILE: u64 = 2 << 30;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What became of the cache file when it was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// None yet: a full run, which writes one.
    Cold,
    /// Made by this build with this configuration: only what is new is read.
    Warm,
    /// Made by another build or configuration: ignored and replaced.
    Invalidated,
    /// Unreadable or damaged: ignored and replaced.
    Damaged,
}

impl State {
    pub fn as_str(&self) -> &'static str {
        match self {
            State::Cold => "cold",
            State::Warm => "warm",
            State::Invalidated => "invalidated (another keyledger build or configuration)",
            State::Damaged => "damaged (ignored)",
        }
    }
}

/// Every skip reason a history scan records, by name (a reason not listed
/// here keeps a run's results out of the cache).
const SKIPS: &[Skip] = &[
    Skip::Binary,
    Skip::TooLarge,
    Skip::Symlink,
    Skip::Unreadable,
    Skip::AllowListed,
    Skip::WalkError,
    Skip::Submodule,
    Skip::LfsPointer,
    Skip::NotACommit,
    Skip::LockFile,
];

fn skip_named(name: &str) -> Option<&'static str> {
    SKIPS.iter().map(Skip::as_str).find(|s| *s == name)
}

/// The totals of the runs so far, without the blobs looked at again.
#[derive(Debug, Default, Clone)]
struct Totals {
    commits: u64,
    trees: u64,
    blobs: u64,
    files: u64,
    bytes: u64,
    lossy: u64,
    skipped: BTreeMap<&'static str, Vec<String>>,
}

pub struct HistoryCache {
    path: PathBuf,
    identity: [u8; 32],
    pub state: State,
    /// Walked commits, sorted.
    commits: Vec<[u8; 20]>,
    /// Trees and blobs seen, sorted.
    objects: Vec<[u8; 20]>,
    /// The last blob seen at each path.
    pub last_at: FastMap<std::sync::Arc<str>, Oid>,
    /// Blobs to look at again, with why.
    pub again: Vec<(FirstSeen, Outcome)>,
    next_index: u64,
    totals: Totals,
}

/// What a blob looked at again added to a run's counts (so the cache's
/// totals can leave it out).
#[derive(Debug, Clone, Default)]
pub struct Counted {
    pub files: u64,
    pub bytes: u64,
    pub lossy: u64,
    pub skip: Option<(&'static str, String)>,
}

/// This executable: its version, size and modification time (a rebuilt
/// binary may detect differently, whatever its version says).
fn build_identity() -> Vec<u8> {
    let mut out = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
    if let Ok(m) = std::env::current_exe().and_then(std::fs::metadata) {
        out.extend(m.len().to_le_bytes());
        if let Ok(t) = m.modified()
            && let Ok(d) = t.duration_since(std::time::UNIX_EPOCH)
        {
            out.extend(d.as_nanos().to_le_bytes());
        }
    }
    out
}

impl HistoryCache {
    /// The cache of the repository whose common git directory is `git_dir`,
    /// for a scanner of identity `scanner`.
    pub fn load(git_dir: &Path, scanner: [u8; 32]) -> HistoryCache {
        let mut h = blake3::Hasher::new();
        h.update(b"keyledger history cache\0");
        h.update(&build_identity());
        h.update(&scanner);
        let identity = *h.finalize().as_bytes();
        let path = git_dir.join("keyledger").join("history.cache");
        let mut c = HistoryCache {
            path,
            identity,
            state: State::Cold,
            commits: Vec::new(),
            objects: Vec::new(),
            last_at: FastMap::default(),
            again: Vec::new(),
            next_index: 0,
            totals: Totals::default(),
        };
        let bytes = match std::fs::metadata(&c.path) {
            Err(_) => return c,
            Ok(m) if m.len() > MAX_FILE => {
                c.state = State::Damaged;
                return c;
            }
            Ok(_) => match std::fs::read(&c.path) {
                Ok(b) => b,
                Err(_) => {
                    c.state = State::Damaged;
                    return c;
                }
            },
        };
        c.state = match c.parse(&bytes) {
            Some(true) => State::Warm,
            Some(false) => State::Invalidated,
            None => State::Damaged,
        };
        if c.state != State::Warm {
            c.commits.clear();
            c.objects.clear();
            c.last_at.clear();
            c.again.clear();
            c.next_index = 0;
            c.totals = Totals::default();
        }
        c
    }

    /// `Some(true)` when the file is whole and was made for this identity,
    /// `Some(false)` when made for another, `None` when damaged.
    fn parse(&mut self, bytes: &[u8]) -> Option<bool> {
        let mut r = Reader { b: bytes, i: 0 };
        if r.take(8)? != MAGIC {
            return None;
        }
        if r.take(32)? != self.identity {
            return Some(false);
        }
        let len = usize::try_from(r.u64()?).ok()?;
        let body_at = r.i;
        let body = r.take(len)?;
        let sum = r.take(32)?;
        if blake3::hash(body).as_bytes() != sum || r.i != bytes.len() {
            return None;
        }
        let mut r = Reader { b: body, i: 0 };
        let _ = body_at;
        let t = &mut self.totals;
        t.commits = r.u64()?;
        t.trees = r.u64()?;
        t.blobs = r.u64()?;
        t.files = r.u64()?;
        t.bytes = r.u64()?;
        t.lossy = r.u64()?;
        self.next_index = r.u64()?;
        self.commits = r.ids()?;
        self.objects = r.ids()?;
        let n = r.count(24)?;
        self.last_at.reserve(n);
        for _ in 0..n {
            let path = r.string()?;
            let id = Oid::from_bytes(r.take(20)?).ok()?;
            self.last_at.insert(path.into(), id);
        }
        let n = r.count(50)?;
        for _ in 0..n {
            let outcome = match r.take(1)?[0] {
                1 => Outcome::Findings,
                2 => Outcome::Unreadable,
                _ => return None,
            };
            let index = r.u64()?;
            let blob = Oid::from_bytes(r.take(20)?).ok()?;
            let commit = Oid::from_bytes(r.take(20)?).ok()?;
            let base = match r.take(1)?[0] {
                0 => None,
                _ => Some(Oid::from_bytes(r.take(20)?).ok()?),
            };
            let path: std::sync::Arc<str> = r.string()?.into();
            self.again.push((
                FirstSeen {
                    index,
                    blob,
                    path,
                    commit,
                    base,
                },
                outcome,
            ));
        }
        let n = r.count(8)?;
        for _ in 0..n {
            let reason = skip_named(&r.string()?)?;
            let m = r.count(8)?;
            let mut paths = Vec::with_capacity(m);
            for _ in 0..m {
                paths.push(r.string()?);
            }
            t.skipped.insert(reason, paths);
        }
        (r.i == body.len()).then_some(true)
    }

    /// An earlier run walked commit `id` (and so everything it reaches).
    pub fn walked(&self, id: &Oid) -> bool {
        sorted_has(&self.commits, id)
    }

    /// An earlier run saw tree or blob `id`.
    pub fn seen(&self, id: &[u8; 20]) -> bool {
        self.objects.binary_search(id).is_ok()
    }

    /// The walk index the next new blob gets.
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// Adds the totals of the runs so far to this run's counts.
    pub fn merge_counts(&self, stats: &mut Stats, git: &mut GitStats) {
        let t = &self.totals;
        git.cached_commits = t.commits as usize;
        git.cached_blobs = t.blobs as usize;
        git.commits += t.commits as usize;
        git.trees += t.trees as usize;
        git.blobs += t.blobs as usize;
        stats.files += t.files as usize;
        stats.bytes += t.bytes;
        stats.lossy_utf8 += t.lossy as usize;
        for (k, v) in &t.skipped {
            stats
                .skipped
                .entry(k)
                .or_default()
                .extend(v.iter().cloned());
        }
    }

    /// Records this run: `commits` walked, `objects` seen, the last blob
    /// at each path, the blobs to look at again (with what each added to
    /// the counts), and the counts (cache totals included). With an
    /// incomplete walk (a commit or tree unreadable), nothing is recorded:
    /// the next run walks again.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        commits: Vec<Oid>,
        objects: impl IntoIterator<Item = [u8; 20]>,
        last_at: FastMap<std::sync::Arc<str>, Oid>,
        again: Vec<(FirstSeen, Outcome, Counted)>,
        next_index: u64,
        stats: &Stats,
        git: &GitStats,
        complete_walk: bool,
    ) -> bool {
        if !complete_walk {
            return false;
        }
        // The scan threads finish in any order; compare in walk order.
        let mut again = again;
        again.sort_by_key(|(b, _, _)| b.index);
        let unchanged = self.state == State::Warm
            && commits.is_empty()
            && again.len() == self.again.len()
            && again
                .iter()
                .zip(&self.again)
                .all(|((a, o, _), (b, p))| a == b && o == p);
        let mut t = Totals {
            commits: git.commits as u64,
            trees: git.trees as u64,
            blobs: git.blobs as u64,
            files: stats.files as u64,
            bytes: stats.bytes,
            lossy: stats.lossy_utf8 as u64,
            skipped: stats.skipped.clone(),
        };
        for (_, _, c) in &again {
            t.files = t.files.saturating_sub(c.files);
            t.bytes = t.bytes.saturating_sub(c.bytes);
            t.lossy = t.lossy.saturating_sub(c.lossy);
            if let Some((why, path)) = &c.skip
                && let Some(v) = t.skipped.get_mut(why)
                && let Some(i) = v.iter().position(|p| p == path)
            {
                v.remove(i);
            }
        }
        t.skipped.retain(|_, v| !v.is_empty());
        if t.skipped.keys().any(|k| skip_named(k).is_none()) {
            return false;
        }
        self.commits = merge_sorted(std::mem::take(&mut self.commits), commits);
        let mut all = std::mem::take(&mut self.objects);
        all.extend(objects);
        all.sort_unstable();
        all.dedup();
        self.objects = all;
        self.last_at = last_at;
        self.again = again.into_iter().map(|(b, o, _)| (b, o)).collect();
        self.next_index = next_index;
        self.totals = t;
        !unchanged
    }

    /// Writes the cache: a temporary file in the same folder, renamed over
    /// the old one.
    pub fn save(&self) -> std::io::Result<()> {
        let dir = self
            .path
            .parent()
            .ok_or_else(|| std::io::Error::other("no folder"))?;
        std::fs::create_dir_all(dir)?;
        let mut w = Writer::default();
        let t = &self.totals;
        for n in [
            t.commits,
            t.trees,
            t.blobs,
            t.files,
            t.bytes,
            t.lossy,
            self.next_index,
        ] {
            w.u64(n);
        }
        w.ids(&self.commits);
        w.ids(&self.objects);
        let mut paths: Vec<(&std::sync::Arc<str>, &Oid)> = self.last_at.iter().collect();
        paths.sort();
        w.u64(paths.len() as u64);
        for (p, id) in paths {
            w.string(p);
            w.0.extend_from_slice(id.as_bytes());
        }
        w.u64(self.again.len() as u64);
        for (b, o) in &self.again {
            w.0.push(match o {
                Outcome::Findings => 1,
                _ => 2,
            });
            w.u64(b.index);
            w.0.extend_from_slice(b.blob.as_bytes());
            w.0.extend_from_slice(b.commit.as_bytes());
            match b.base {
                Some(base) => {
                    w.0.push(1);
                    w.0.extend_from_slice(base.as_bytes());
                }
                None => w.0.push(0),
            }
            w.string(&b.path);
        }
        w.u64(t.skipped.len() as u64);
        for (k, v) in &t.skipped {
            w.string(k);
            w.u64(v.len() as u64);
            for p in v {
                w.string(p);
            }
        }
        let body = w.0;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let tmp = dir.join(format!("history.cache.{}.{nanos}.tmp", std::process::id()));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(MAGIC)?;
            f.write_all(&self.identity)?;
            f.write_all(&(body.len() as u64).to_le_bytes())?;
            f.write_all(&body)?;
            f.write_all(blake3::hash(&body).as_bytes())?;
            // No fsync: a cache torn by a crash fails its hash on the next
            // load and is rebuilt; waiting for the disk would cost every run.
            std::fs::rename(&tmp, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        remove_stale_temporaries(dir);
        written
    }
}

/// Temporary files left by runs that were killed mid-write (older than
/// an hour).
fn remove_stale_temporaries(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("history.cache.")
            && name.ends_with(".tmp")
            && e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|d| d.as_secs() > 3600))
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn sorted_has(v: &[[u8; 20]], id: &Oid) -> bool {
    let Ok(k) = <[u8; 20]>::try_from(id.as_bytes()) else {
        return false;
    };
    v.binary_search(&k).is_ok()
}

fn merge_sorted(mut old: Vec<[u8; 20]>, new: impl IntoIterator<Item = Oid>) -> Vec<[u8; 20]> {
    old.extend(
        new.into_iter()
            .filter_map(|id| <[u8; 20]>::try_from(id.as_bytes()).ok()),
    );
    old.sort_unstable();
    old.dedup();
    old
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.i..self.i.checked_add(n)?)?;
        self.i += n;
        Some(s)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    /// A count of records of at least `min` bytes each, checked against
    /// what is left (a damaged count cannot make a huge allocation).
    fn count(&mut self, min: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n.checked_mul(min)? <= self.b.len() - self.i).then_some(n)
    }
    fn string(&mut self) -> Option<String> {
        let n = self.count(1)?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    fn ids(&mut self) -> Option<Vec<[u8; 20]>> {
        let n = self.count(20)?;
        let raw = self.take(n * 20)?;
        let ids: Vec<[u8; 20]> = raw
            .chunks_exact(20)
            .filter_map(|c| c.try_into().ok())
            .collect();
        // Sorted and without duplicates, as written.
        ids.windows(2).all(|w| w[0] < w[1]).then_some(ids)
    }
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, n: u64) {
        self.0.extend(n.to_le_bytes());
    }
    fn string(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn ids(&mut self, ids: &[[u8; 20]]) {
        self.u64(ids.len() as u64);
        for id in ids {
            self.0.extend_from_slice(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).unwrap()
    }

    #[test]
    fn a_saved_cache_loads_back_and_a_damaged_or_foreign_one_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = HistoryCache::load(dir.path(), [1; 32]);
        assert_eq!(c.state, State::Cold);
        let mut stats = Stats {
            files: 3,
            bytes: 300,
            ..Stats::default()
        };
        stats.skip(Skip::Binary, "logo.png".into());
        stats.skip(Skip::Unreadable, "gone.txt".into());
        let git = GitStats {
            commits: 2,
            trees: 4,
            blobs: 5,
            ..GitStats::default()
        };
        let fs = |n: u8, path: &str| FirstSeen {
            index: u64::from(n),
            blob: oid(n),
            path: path.into(),
            commit: oid(100),
            base: (n == 7).then(|| oid(6)),
        };
        let again = vec![
            (
                fs(7, "app.env"),
                Outcome::Findings,
                Counted {
                    files: 1,
                    bytes: 100,
                    ..Counted::default()
                },
            ),
            (
                fs(9, "gone.txt"),
                Outcome::Unreadable,
                Counted {
                    skip: Some(("unreadable", "gone.txt".into())),
                    ..Counted::default()
                },
            ),
        ];
        let mut last = FastMap::default();
        last.insert("app.env".into(), oid(7));
        // The scan threads hand the blobs back in any order.
        let mut again = again;
        again.reverse();
        let again_twice = again.clone();
        assert!(c.record(
            vec![oid(100), oid(101)],
            [[6; 20], [7; 20], [8; 20], [9; 20]],
            last.clone(),
            again,
            10,
            &stats,
            &git,
            true,
        ));
        c.save().unwrap();

        let mut c = HistoryCache::load(dir.path(), [1; 32]);
        assert_eq!(c.state, State::Warm);
        // A warm run that found nothing new changes nothing: not saved
        // again, whatever order the blobs came back in.
        let mut reordered = again_twice.clone();
        reordered.reverse();
        assert!(!c.record(vec![], [], last.clone(), reordered, 10, &stats, &git, true));
        assert!(c.walked(&oid(100)) && !c.walked(&oid(6)));
        assert!(c.seen(&[8; 20]) && !c.seen(&[100; 20]));
        assert_eq!(c.next_index(), 10);
        assert_eq!(c.again.len(), 2);
        assert_eq!(c.last_at.get("app.env"), Some(&oid(7)));
        // The totals leave out what the blobs looked at again add.
        let (mut s2, mut g2) = (Stats::default(), GitStats::default());
        c.merge_counts(&mut s2, &mut g2);
        assert_eq!((s2.files, s2.bytes), (2, 200));
        assert_eq!(s2.skipped.get("binary").map(Vec::len), Some(1));
        assert!(!s2.skipped.contains_key("unreadable"));
        assert_eq!((g2.commits, g2.cached_commits, g2.blobs), (2, 2, 5));

        // Another configuration: ignored.
        assert_eq!(
            HistoryCache::load(dir.path(), [2; 32]).state,
            State::Invalidated
        );
        // One flipped byte: ignored.
        let path = dir.path().join("keyledger/history.cache");
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let c = HistoryCache::load(dir.path(), [1; 32]);
        assert_eq!(c.state, State::Damaged);
        assert!(!c.walked(&oid(100)));
        // Cut short: ignored.
        std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
        assert_eq!(
            HistoryCache::load(dir.path(), [1; 32]).state,
            State::Damaged
        );
    }
}
