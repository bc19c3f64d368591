//! keyledger's own reader of a repository's object store, for a history
//! scan: packfiles (index versions 1 and 2, SHA-1), loose objects and
//! alternates. The history scan reads every object through it and never
//! through libgit2, for three reasons:
//!
//! - **Speed.** libgit2 keeps only the delta bases it resolved on the way
//!   (16 MiB of them), not the objects it was asked for, so reading a
//!   file's versions oldest first inflated the previous version again for
//!   each: twice the inflating, behind two locks per object. This reader
//!   keeps every object it resolves (bases and results alike) while deltas
//!   against it are still to come, within a byte budget, so a chain of
//!   versions costs one inflate and one delta per version.
//! - **Bounded resources on hostile input.** The git object store is
//!   input: a pack can be planted in a CI cache. Every size is checked
//!   before anything is allocated or inflated (a 500-byte pack that claims
//!   a 1 GiB blob costs nothing), a delta chain that leads back to itself
//!   is detected (libgit2 follows a self-referencing delta forever,
//!   allocating as it goes), chains deeper than git ever writes are
//!   refused, and the work spent resolving one object is capped.
//! - **Honest errors.** A read says why it failed ([`Error`]): missing
//!   (and whether the repository is a partial clone that never fetched
//!   it), corrupt, a delta cycle, larger than the limit, or not of the kind
//!   asked for. The scan reports each.
//!
//! Packs are mapped, not read: a history scan touches most of a pack once.
//! Touched pages of a mapping count towards the process's resident memory,
//! so the mappings are released to the page cache (`MADV_DONTNEED`) every
//! [`RELEASE_EVERY`] bytes read: a 420 MB pack costs its page-cache pages,
//! not 420 MB of the scanner's memory.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The kinds of object a pack holds whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

impl Kind {
    /// The kind of a libgit2 object; `None` for anything else.
    pub fn of(t: git2::ObjectType) -> Option<Kind> {
        match t {
            git2::ObjectType::Commit => Some(Kind::Commit),
            git2::ObjectType::Tree => Some(Kind::Tree),
            git2::ObjectType::Blob => Some(Kind::Blob),
            git2::ObjectType::Tag => Some(Kind::Tag),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Tree => "tree",
            Kind::Blob => "blob",
            Kind::Tag => "tag",
        }
    }

    fn from_name(name: &[u8]) -> Option<Kind> {
        match name {
            b"commit" => Some(Kind::Commit),
            b"tree" => Some(Kind::Tree),
            b"blob" => Some(Kind::Blob),
            b"tag" => Some(Kind::Tag),
            _ => None,
        }
    }
}

/// An object's content, shared with the cache.
pub type Data = Arc<Vec<u8>>;

/// Why an object could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Error {
    /// In no pack, no loose file and no alternate.
    Missing,
    /// A header, the compressed data or a delta does not hold together.
    Corrupt,
    /// A delta chain that leads back to itself.
    DeltaCycle,
    /// A delta chain deeper than git writes, or one that costs more to
    /// resolve than [`WORK_MAX`].
    TooDeep,
    /// Declared larger than the limit asked for (the size is the declared
    /// one: nothing was inflated to learn it).
    TooLarge(u64),
    /// Not of the kind asked for.
    WrongKind(Kind),
}

impl Error {
    /// A short reason for reports: `missing`, `corrupt`, `delta cycle`, …
    pub fn describe(&self) -> String {
        match self {
            Error::Missing => "missing".into(),
            Error::Corrupt => "corrupt".into(),
            Error::DeltaCycle => "delta cycle".into(),
            Error::TooDeep => "delta chain too deep".into(),
            Error::TooLarge(n) => format!("declared size {n} bytes is over the limit"),
            Error::WrongKind(k) => format!("a {} where another kind was expected", k.as_str()),
        }
    }
}

const ID: usize = 20;
/// No object is larger than this, whatever the limit asked for: a larger
/// declared size is damage or an attack.
pub const MAX_OBJECT: u64 = 1 << 30;
/// A delta chain deeper than this is refused (git's own limit for
/// `pack.depth` is 4095).
const MAX_DEPTH: usize = 4096;
/// At most this many bytes are produced (inflated or copied by deltas)
/// while resolving one object that was not cached.
pub const WORK_MAX: u64 = 4 << 30;
/// How much of the process may be mapped file pages (the executable, the
/// indexes, pack pages) before the pack pages are released, once the
/// process as a whole holds more than [`RSS_SOFT_MAX`]; checked every
/// [`RELEASE_EVERY`] bytes read, up to 8 times less often while the
/// process is far below the soft limit. Pack pages released are read
/// again from the page cache by the next access (a page fault each, the
/// price of the bound): below the soft limit they stay, so a history whose
/// own memory is small faults far less (dub: 68,000 faults and 0.6 s of
/// system time with a flat 40 MiB, against the soft limit's fewer).
pub const FILE_RSS_MAX: u64 = 40 << 20;
/// See [`FILE_RSS_MAX`]: resident memory below which pack pages stay.
pub const RSS_SOFT_MAX: u64 = 192 << 20;
pub const RELEASE_EVERY: u64 = 4 << 20;

/// The process's resident memory and its file-backed (and shared) part,
/// from `/proc/self/statm`; `None` where that is not available.
fn rss() -> Option<(u64, u64)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::FileExt;
        // Opened once and read in place: a check is one system call, not
        // an open, a read and a close (they cost 2% of a history scan).
        static STATM: OnceLock<Option<std::fs::File>> = OnceLock::new();
        let file = STATM
            .get_or_init(|| std::fs::File::open("/proc/self/statm").ok())
            .as_ref()?;
        let mut buf = [0u8; 256];
        let n = file.read_at(&mut buf, 0).ok()?;
        let s = std::str::from_utf8(buf.get(..n)?).ok()?;
        let mut f = s.split_whitespace().skip(1);
        let resident: u64 = f.next()?.parse().ok()?;
        let shared: u64 = f.next()?.parse().ok()?;
        Some((resident * 4096, shared * 4096))
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// An object's outermost delta up to this size is inflated whole to read
/// the object's declared size; a larger one, only its first bytes.
const OUTER_WHOLE: usize = 256 << 10;

/// The largest delta base or intermediate version accepted while reading
/// an object of at most `limit` bytes: a version of a file may be a delta
/// against a larger one, but not against anything.
fn base_cap(limit: u64) -> u64 {
    limit.max(64 << 20).saturating_mul(4).min(MAX_OBJECT)
}

struct Pack {
    idx: memmap2::Mmap,
    data: memmap2::Mmap,
    /// Objects in the index.
    count: usize,
    /// Index version: 1 or 2.
    version: u8,
    /// The index's objects by id, built for runs that look many up (see
    /// [`Lookup`]).
    lookup: OnceLock<Lookup>,
}

/// An open-addressed table over a pack index: each slot holds the
/// position of an object in the index (plus one; zero is empty) and 32
/// more bits of its id, at a slot chosen by a keyed hash of the id's first
/// 8 bytes. A lookup reads one slot (rarely two) and the one index entry
/// it names, where the binary search in a fan-out bucket reads a dozen
/// cache lines of an index of hundreds of thousands of objects. Ids are
/// hashes an attacker cannot aim at one slot, and the hash is keyed.
struct Lookup {
    slots: Vec<u64>,
    keys: foldhash::fast::RandomState,
}

impl Lookup {
    fn slot(&self, head: u64) -> usize {
        use std::hash::BuildHasher;
        (self.keys.hash_one(head) as usize) & (self.slots.len() - 1)
    }

    fn tag(id: &[u8]) -> u64 {
        id.get(8..12)
            .and_then(|b| b.try_into().ok())
            .map_or(0, |b: [u8; 4]| u64::from(u32::from_be_bytes(b)))
    }
}

/// Where an object is: its pack and offset.
type Loc = (u32, u64);

/// The deltas waiting on each base, from [`Packs::survey`].
pub struct DeltaCounts(FastMap<Loc, u32>);

/// Where an object is, as [`Packs::locate`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At(Loc);

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

pub struct Packs {
    packs: Vec<Pack>,
    cache: Mutex<Cache>,
    /// The cache's byte budget.
    budget: usize,
    /// Bytes of pack data read since the mappings were last released.
    read_since_release: AtomicU64,
    /// Bytes read between two checks of the resident memory.
    check_every: AtomicU64,
    /// Index files that were found but could not be used.
    pub unusable: Vec<PathBuf>,
}

/// One inflate stream per reading thread, reset for each object.
pub struct Inflater {
    /// Streaming, for the first bytes of an object.
    z: zlib_rs::Inflate,
    /// Whole objects at their declared size: libdeflate inflates a buffer
    /// in one call, about twice as fast as a streaming inflater. Null when
    /// it could not be allocated (then `z` does everything).
    whole: *mut libdeflate_sys::libdeflate_decompressor,
}

// SAFETY: the libdeflate decompressor is plain memory owned by this value,
// used through `&mut self` only, and freed once in `Drop`; moving it to
// another thread is sound (libdeflate keeps no thread-local state).
unsafe impl Send for Inflater {}

impl Default for Inflater {
    fn default() -> Self {
        Inflater {
            z: zlib_rs::Inflate::new(true, 15),
            // SAFETY: allocates a decompressor (or returns null).
            whole: unsafe { libdeflate_sys::libdeflate_alloc_decompressor() },
        }
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        if !self.whole.is_null() {
            // SAFETY: allocated by libdeflate_alloc_decompressor, freed once.
            unsafe { libdeflate_sys::libdeflate_free_decompressor(self.whole) };
        }
    }
}

impl Packs {
    /// Opens every `pack-*.idx` (version 1 or 2) with its `.pack` under
    /// `objects/pack`, and counts the deltas waiting on each base (see
    /// [`Packs::open_in`]).
    pub fn open(objects: &Path, budget: usize) -> Packs {
        Packs::open_in(&[objects.to_path_buf()], budget, true)
    }

    /// Opens the packs of every object directory in `dirs`. With
    /// `count_deltas`, every entry's header is read once to count the
    /// deltas waiting on each base, so that a base is kept exactly until
    /// its last delta is applied; without, the cache keeps what it
    /// resolved within its budget, oldest out first (cheaper to open, for
    /// runs that read few objects).
    pub fn open_in(dirs: &[PathBuf], budget: usize, count_deltas: bool) -> Packs {
        let mut packs = Vec::new();
        let mut unusable = Vec::new();
        for objects in dirs {
            let dir = objects.join("pack");
            let mut names: Vec<_> = std::fs::read_dir(&dir)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            for idx in names {
                match Pack::open(&idx) {
                    Some(p) => packs.push(p),
                    None => unusable.push(idx),
                }
            }
        }
        let packs = Packs {
            packs,
            cache: Mutex::new(Cache::new(FastMap::default(), budget, !count_deltas)),
            read_since_release: AtomicU64::new(0),
            check_every: AtomicU64::new(RELEASE_EVERY),
            unusable,
            budget,
        };
        if count_deltas {
            let (counts, _) = packs.survey();
            packs.keep_for(counts);
        }
        packs
    }

    /// Prepares the packs for a run that reads every object (a history
    /// scan): builds each index's lookup table (every object is looked up
    /// at least once), then reads every entry's header to count the deltas
    /// waiting on each base, for [`Packs::keep_for`]. Reads go on meanwhile
    /// (another thread may read commits while this one surveys). Also
    /// returns the ids of the commits stored whole, the last in pack order
    /// first (the oldest, as git writes packs).
    pub fn survey(&self) -> (DeltaCounts, Vec<[u8; ID]>) {
        for p in &self.packs {
            p.build_lookup();
        }
        // Every entry's header says which object it is a delta against:
        // count the deltas waiting on each base, plus one for reading the
        // base itself (a scan reads each object once, perhaps after the
        // deltas against it).
        let mut pending: FastMap<Loc, u32> = FastMap::default();
        let mut commits: Vec<[u8; ID]> = Vec::new();
        for (i, p) in self.packs.iter().enumerate() {
            // In pack order: the headers are read front to back.
            let mut offsets: Vec<(u64, usize)> = (0..p.count)
                .filter_map(|k| Some((p.offset(k)?, k)))
                .collect();
            offsets.sort_unstable();
            let mut released_at = 0u64;
            for (o, k) in offsets {
                // The headers touch every page of the pack: hand them
                // back as the pass goes.
                if o - released_at > RELEASE_EVERY {
                    // What was read so far, not the whole pack: a whole
                    // pack's page tables walked again and again slow every
                    // thread's page faults down (formbricks, 421 MB).
                    p.release_range(released_at, o);
                    released_at = o;
                }
                let Some(entry) = p.entry(o) else {
                    continue;
                };
                let base = match entry.base {
                    Base::None(Kind::Commit) => {
                        if let Some(id) = p.id_at(k).and_then(|id| id.try_into().ok()) {
                            commits.push(id);
                        }
                        continue;
                    }
                    Base::None(_) => continue,
                    Base::Offset(o) => Some((i as u32, o)),
                    Base::Id(ref id) => self.find(id),
                };
                if let Some(b) = base {
                    *pending.entry(b).or_insert(1) += 1;
                }
            }
        }
        self.release();
        commits.reverse();
        (DeltaCounts(pending), commits)
    }

    /// From now on, keeps each resolved base exactly until its last delta
    /// is applied (the counts of [`Packs::survey`]); what the cache held
    /// is dropped.
    pub fn keep_for(&self, counts: DeltaCounts) {
        if let Ok(mut c) = self.cache.lock() {
            *c = Cache::new(counts.0, self.budget, false);
        }
    }

    /// How many packs were opened.
    pub fn len(&self) -> usize {
        self.packs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }

    fn find(&self, id: &[u8]) -> Option<Loc> {
        self.packs
            .iter()
            .enumerate()
            .find_map(|(i, p)| p.find(id).map(|o| (i as u32, o)))
    }

    /// Whether object `id` is in one of the packs.
    pub fn contains(&self, id: &[u8]) -> bool {
        self.find(id).is_some()
    }

    /// The object `id`: its kind and content. `None` when it is not in a
    /// pack this reader opened, or cannot be read (see [`Packs::get`] for
    /// why).
    pub fn read(&self, id: &[u8], z: &mut Inflater) -> Option<(Kind, Data)> {
        self.get(id, None, MAX_OBJECT, z).ok()
    }

    /// The object `id`, of kind `want` (any kind when `None`) and at most
    /// `limit` bytes: the kind and the declared size are checked before
    /// anything is inflated.
    pub fn get(
        &self,
        id: &[u8],
        want: Option<Kind>,
        limit: u64,
        z: &mut Inflater,
    ) -> Result<(Kind, Data), Error> {
        let at = self.locate(id).ok_or(Error::Missing)?;
        self.get_at(at, want, limit, z)
    }

    /// Where object `id` is, if it is in one of the packs: one index
    /// lookup, for the reads that follow ([`Packs::whole_size_at`],
    /// [`Packs::prefix_at`], [`Packs::get_at`]).
    pub fn locate(&self, id: &[u8]) -> Option<At> {
        self.find(id).map(At)
    }

    /// [`Packs::get`] for an object already located.
    pub fn get_at(
        &self,
        at: At,
        want: Option<Kind>,
        limit: u64,
        z: &mut Inflater,
    ) -> Result<(Kind, Data), Error> {
        let loc = at.0;
        // The entry's page, touched before the cache lock is taken: the
        // chain is walked under the lock, and a page fault there would
        // hold every other reader up (the walk reads trees while the
        // scanners read blobs).
        if let Some(b) = self
            .packs
            .get(loc.0 as usize)
            .and_then(|p| p.data.get(loc.1 as usize))
        {
            std::hint::black_box(*b);
        }
        let mut kept: Vec<Kept> = Vec::new();
        let found = self.unpack(loc, want, limit, z, &mut kept);
        // One lock for what this read leaves behind: the objects deltas
        // still need, and the deltas applied (this read's own included).
        if let Ok(mut c) = self.cache.lock() {
            for (at, kind, data, base) in &kept {
                c.put(*at, *kind, data);
                if let Some(b) = base {
                    c.used(*b);
                }
            }
            c.used(loc);
        }
        found
    }

    /// The first `n` bytes of the object at `at`, if it is stored whole
    /// (not as a delta): its kind, size and those bytes, without inflating
    /// the rest. `None` for a delta.
    pub fn prefix_at(&self, at: At, n: usize, z: &mut Inflater) -> Option<(Kind, u64, Vec<u8>)> {
        let (pack, entry, kind) = self.whole_at(at)?;
        let head = z
            .inflate_prefix(pack.data.get(entry.data..)?, n.min(entry.size))
            .ok()?;
        self.note_read(head.len());
        Some((kind, entry.size as u64, head))
    }

    /// The kind and size of the object at `at` if it is stored whole (not
    /// as a delta), from its entry header alone: nothing is inflated.
    pub fn whole_size_at(&self, at: At) -> Option<(Kind, u64)> {
        self.whole_at(at)
            .map(|(_, entry, kind)| (kind, entry.size as u64))
    }

    /// The pack and entry of the object at `at`, and its kind, if it is
    /// stored whole.
    fn whole_at(&self, at: At) -> Option<(&Pack, Entry, Kind)> {
        let pack = self.packs.get(at.0.0 as usize)?;
        let entry = pack.entry(at.0.1)?;
        match entry.base {
            Base::None(kind) => Some((pack, entry, kind)),
            _ => None,
        }
    }

    /// The kind and declared size of object `id`, from the headers of its
    /// delta chain and the first bytes of its outermost delta.
    pub fn header(&self, id: &[u8], z: &mut Inflater) -> Result<(Kind, u64), Error> {
        let loc = self.find(id).ok_or(Error::Missing)?;
        let (chain, bottom) = self.chain(loc, MAX_OBJECT, &|at| self.cached(at))?;
        let kind = bottom.kind();
        let size = match chain.first() {
            Some((at, entry)) => self.delta_result_size(*at, entry, z)?,
            None => bottom.size(),
        };
        Ok((kind, size))
    }

    fn cached(&self, loc: Loc) -> Option<(Kind, Data)> {
        self.cache.lock().ok()?.get(loc)
    }

    /// Counts `n` bytes of pack data read. Every [`RELEASE_EVERY`], looks
    /// at how much of the process is mapped file pages and, past
    /// [`FILE_RSS_MAX`] (and the whole past [`RSS_SOFT_MAX`]), hands the
    /// packs' pages back to the page cache.
    /// (Reads touch more than they read: the kernel maps the pages around
    /// a faulting one too, up to 64 KiB; so a read counts 16 KiB more.)
    fn note_read(&self, n: usize) {
        let n = n as u64 + (16 << 10);
        let before = self.read_since_release.fetch_add(n, Ordering::Relaxed);
        if before + n >= self.check_every.load(Ordering::Relaxed) {
            self.read_since_release.store(0, Ordering::Relaxed);
            let measured = rss();
            if measured.is_none_or(|(all, file)| all > RSS_SOFT_MAX && file > FILE_RSS_MAX) {
                self.release();
            }
            // Far below the soft limit, the next check can wait: reads
            // grow the mapped part by about what they read, so a quarter
            // of the room left keeps a margin for the heap's growth.
            let room = measured.map_or(0, |(all, _)| RSS_SOFT_MAX.saturating_sub(all));
            self.check_every.store(
                (room / 4).clamp(RELEASE_EVERY, 8 * RELEASE_EVERY),
                Ordering::Relaxed,
            );
        }
    }

    /// Drops the mapped pages of every pack from this process (they stay
    /// in the page cache; the next read faults them back in). Indexes,
    /// read by every lookup, stay mapped.
    pub fn release(&self) {
        for p in &self.packs {
            p.release();
        }
    }

    /// The delta chain of the object at `loc`, outermost first, down to a
    /// whole or cached object: headers only, nothing inflated. Detects
    /// cycles and refuses chains deeper than [`MAX_DEPTH`] or with an
    /// entry larger than `cap`.
    fn chain(
        &self,
        loc: Loc,
        cap: u64,
        cached: &dyn Fn(Loc) -> Option<(Kind, Data)>,
    ) -> Result<(Vec<(Loc, Entry)>, Bottom), Error> {
        let mut chain: Vec<(Loc, Entry)> = Vec::new();
        // Offset deltas point strictly backwards within their pack, so a
        // cycle needs a delta by id: the places reached by id are enough
        // to see one.
        let mut by_id: HashSet<Loc, foldhash::fast::RandomState> = HashSet::default();
        let mut at = loc;
        loop {
            if !chain.is_empty()
                && let Some((kind, data)) = cached(at)
            {
                return Ok((chain, Bottom::Cached(at, kind, data)));
            }
            let pack = self.packs.get(at.0 as usize).ok_or(Error::Corrupt)?;
            let entry = pack.entry(at.1).ok_or(Error::Corrupt)?;
            self.note_read(0);
            if entry.size as u64 > cap {
                return Err(Error::TooLarge(entry.size as u64));
            }
            let next = match entry.base {
                Base::None(kind) => {
                    return Ok((chain, Bottom::Whole(at, entry, kind)));
                }
                Base::Offset(base) => (at.0, base),
                Base::Id(ref id) => {
                    let base = self.find(id).ok_or(Error::Missing)?;
                    if base == at || !by_id.insert(base) {
                        return Err(Error::DeltaCycle);
                    }
                    base
                }
            };
            chain.push((at, entry));
            if chain.len() > MAX_DEPTH {
                return Err(Error::TooDeep);
            }
            at = next;
        }
    }

    /// Inflates the entry at `at` whole (its declared size).
    fn inflate_entry(&self, at: Loc, entry: &Entry, z: &mut Inflater) -> Result<Vec<u8>, Error> {
        let pack = self.packs.get(at.0 as usize).ok_or(Error::Corrupt)?;
        let input = pack.data.get(entry.data..).ok_or(Error::Corrupt)?;
        let (out, read) = z.inflate(input, entry.size)?;
        self.note_read(read);
        Ok(out)
    }

    /// The size of the object a delta entry produces: the second size in
    /// the delta's header, from its first compressed bytes.
    fn delta_result_size(&self, at: Loc, entry: &Entry, z: &mut Inflater) -> Result<u64, Error> {
        let pack = self.packs.get(at.0 as usize).ok_or(Error::Corrupt)?;
        let input = pack.data.get(entry.data..).ok_or(Error::Corrupt)?;
        result_size(&z.inflate_prefix(input, 20.min(entry.size))?)
    }

    /// Resolves the object at `loc`: checks its kind and declared size,
    /// then applies its deltas upwards from a cached or whole object,
    /// keeping every object on the way that deltas still need.
    fn unpack(
        &self,
        loc: Loc,
        want: Option<Kind>,
        limit: u64,
        z: &mut Inflater,
        kept: &mut Vec<Kept>,
    ) -> Result<(Kind, Data), Error> {
        let check_kind = |kind: Kind| match want {
            Some(w) if w != kind => Err(Error::WrongKind(kind)),
            _ => Ok(()),
        };
        let cap = base_cap(limit);
        // One lock: the object itself, or its chain down to a cached or
        // whole object (headers only: a few hundred nanoseconds a step).
        let walked = {
            let c = self.cache.lock().map_err(|_| Error::Corrupt)?;
            match c.get(loc) {
                Some(hit) => Ok(hit),
                None => Err(self.chain(loc, cap, &|at| c.get(at))),
            }
        };
        let (mut chain, bottom) = match walked {
            Ok((kind, data)) => {
                check_kind(kind)?;
                if data.len() as u64 > limit {
                    return Err(Error::TooLarge(data.len() as u64));
                }
                return Ok((kind, data));
            }
            Err(chain) => chain?,
        };
        let kind = bottom.kind();
        check_kind(kind)?;
        // The outermost delta's header declares the object's size. A
        // small delta is inflated whole here (and applied last, below):
        // reading its first bytes with the streaming inflater first would
        // cost more than the whole of it. A large one is sized from its
        // first bytes, so that an object over the limit is refused before
        // anything large is inflated.
        let mut outer: Option<Vec<u8>> = None;
        let declared = match chain.first() {
            Some((at, entry)) if entry.size <= OUTER_WHOLE => {
                let delta = self.inflate_entry(*at, entry, z)?;
                let size = result_size(&delta)?;
                outer = Some(delta);
                size
            }
            Some((at, entry)) => self.delta_result_size(*at, entry, z)?,
            None => bottom.size(),
        };
        if declared > limit {
            return Err(Error::TooLarge(declared));
        }
        let (mut data, mut base) = match bottom {
            Bottom::Cached(at, _, data) => (data, at),
            Bottom::Whole(at, entry, kind) => {
                let data: Data = Arc::new(self.inflate_entry(at, &entry, z)?);
                kept.push((at, kind, data.clone(), None));
                (data, at)
            }
        };
        let mut work = data.len() as u64;
        while let Some((at, entry)) = chain.pop() {
            // The outermost delta comes last, perhaps inflated already.
            let delta = match outer.take_if(|_| chain.is_empty()) {
                Some(d) => d,
                None => self.inflate_entry(at, &entry, z)?,
            };
            let out = apply_delta(&data, &delta, cap).ok_or(Error::Corrupt)?;
            work += out.len() as u64 + delta.len() as u64;
            if work > WORK_MAX {
                return Err(Error::TooDeep);
            }
            let out: Data = Arc::new(out);
            kept.push((at, kind, out.clone(), Some(base)));
            data = out;
            base = at;
        }
        Ok((kind, data))
    }
}

/// An object resolved by a read, to keep if deltas still need it, and the
/// base its delta was applied to.
type Kept = (Loc, Kind, Data, Option<Loc>);

/// Where a delta chain ends.
enum Bottom {
    /// A whole object in a pack.
    Whole(Loc, Entry, Kind),
    /// An object already resolved, and where it is.
    Cached(Loc, Kind, Data),
}

impl Bottom {
    fn kind(&self) -> Kind {
        match self {
            Bottom::Whole(_, _, k) | Bottom::Cached(_, k, _) => *k,
        }
    }
    fn size(&self) -> u64 {
        match self {
            Bottom::Whole(_, e, _) => e.size as u64,
            Bottom::Cached(_, _, d) => d.len() as u64,
        }
    }
}

impl Pack {
    /// Drops this pack's mapped data pages from the process.
    fn release(&self) {
        self.release_range(0, self.data.len() as u64);
    }

    /// Drops the mapped pages of bytes `from..to` of this pack's data.
    fn release_range(&self, from: u64, to: u64) {
        let (Ok(from), Ok(to)) = (usize::try_from(from), usize::try_from(to)) else {
            return;
        };
        let to = to.min(self.data.len());
        if from >= to {
            return;
        }
        // SAFETY: the mappings are read-only views of files git never
        // modifies in place; MADV_DONTNEED on them only drops page table
        // entries, and the next access reads the same bytes back from the
        // page cache.
        #[cfg(unix)]
        unsafe {
            let _ = self.data.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                from,
                to - from,
            );
        }
    }

    fn open(idx_path: &Path) -> Option<Pack> {
        let idx_file = std::fs::File::open(idx_path).ok()?;
        let data_file = std::fs::File::open(idx_path.with_extension("pack")).ok()?;
        // SAFETY: git never rewrites a pack or its index in place: a
        // repack writes new files and unlinks the old ones, which leaves
        // existing mappings intact. Every read below is bounds-checked.
        let (idx, data) = unsafe {
            (
                memmap2::Mmap::map(&idx_file).ok()?,
                memmap2::Mmap::map(&data_file).ok()?,
            )
        };
        if data.get(..4)? != b"PACK" {
            return None;
        }
        // Index v2: magic, version, fan-out, ids, CRCs, offsets, then
        // 64-bit offsets, then two trailing checksums. Index v1: fan-out,
        // then (offset, id) pairs, then two checksums.
        if idx.get(..8)? == b"\xfftOc\0\0\0\x02" {
            let count = be32(&idx, 8 + 255 * 4)? as usize;
            let min = count
                .checked_mul(ID + 4 + 4)
                .and_then(|n| n.checked_add(8 + 256 * 4 + 2 * ID))?;
            if idx.len() < min {
                return None;
            }
            return Some(Pack {
                idx,
                data,
                count,
                version: 2,
                lookup: OnceLock::new(),
            });
        }
        if idx.get(..4)? == b"\xfftOc" {
            // Another version (3: SHA-256 and others).
            return None;
        }
        let count = be32(&idx, 255 * 4)? as usize;
        let min = count
            .checked_mul(ID + 4)
            .and_then(|n| n.checked_add(256 * 4 + 2 * ID))?;
        if idx.len() < min {
            return None;
        }
        Some(Pack {
            idx,
            data,
            count,
            version: 1,
            lookup: OnceLock::new(),
        })
    }

    /// Where the fan-out table starts, and the size of an id record.
    fn layout(&self) -> (usize, usize, usize) {
        if self.version == 2 {
            // fan-out at 8; ids at 8 + 1024, 20 bytes each
            (8, 8 + 256 * 4, ID)
        } else {
            // fan-out at 0; records (4-byte offset, id) at 1024
            (0, 256 * 4 + 4, ID + 4)
        }
    }

    /// The id of the object at position `i` in the index.
    fn id_at(&self, i: usize) -> Option<&[u8]> {
        let (_, ids, stride) = self.layout();
        let at = ids.checked_add(i.checked_mul(stride)?)?;
        self.idx.get(at..at.checked_add(ID)?)
    }

    /// Builds [`Pack::lookup`]: one pass over the index's ids.
    fn build_lookup(&self) {
        let Ok(n) = u32::try_from(self.count) else {
            return;
        };
        if n < 1024 || n == u32::MAX || self.lookup.get().is_some() {
            return;
        }
        let size = (self.count * 2).next_power_of_two();
        let mut lookup = Lookup {
            slots: vec![0u64; size],
            keys: foldhash::fast::RandomState::default(),
        };
        for i in 0..self.count {
            let Some(id) = self.id_at(i) else {
                return;
            };
            let Some(head) = id.get(..8).and_then(|b| b.try_into().ok()) else {
                return;
            };
            let mut s = lookup.slot(u64::from_be_bytes(head));
            // Half full at most: a free slot is always near.
            while lookup.slots[s] != 0 {
                s = (s + 1) & (size - 1);
            }
            lookup.slots[s] = (Lookup::tag(id) << 32) | (i as u64 + 1);
        }
        let _ = self.lookup.set(lookup);
    }

    /// The offset of object `id`: through [`Pack::lookup`] when it was
    /// built, else by interpolation and binary search in its fan-out
    /// bucket.
    fn find(&self, id: &[u8]) -> Option<u64> {
        if id.len() != ID {
            return None;
        }
        if let Some(lookup) = self.lookup.get() {
            let head = u64::from_be_bytes(id.get(..8)?.try_into().ok()?);
            let tag = Lookup::tag(id);
            let mask = lookup.slots.len() - 1;
            let mut s = lookup.slot(head);
            loop {
                let v = lookup.slots[s];
                if v == 0 {
                    return None;
                }
                if v >> 32 == tag {
                    let i = (v & 0xffff_ffff) as usize - 1;
                    if self.id_at(i)? == id {
                        return self.offset(i);
                    }
                }
                s = (s + 1) & mask;
            }
        }
        let (fan, ids, stride) = self.layout();
        let first = *id.first()? as usize;
        let lo = if first == 0 {
            0
        } else {
            be32(&self.idx, fan + (first - 1) * 4)? as usize
        };
        let hi = (be32(&self.idx, fan + first * 4)? as usize).min(self.count);
        let (mut lo, mut hi) = (lo.min(hi), hi);
        let key = u64::from_be_bytes(id.get(..8)?.try_into().ok()?);
        let head_at = |i: usize| -> Option<u64> {
            let at = ids + i * stride;
            Some(u64::from_be_bytes(
                self.idx.get(at..at + 8)?.try_into().ok()?,
            ))
        };
        // Ids are hashes, evenly spread: a few interpolation steps narrow
        // the bucket to a handful of entries (binary search finishes;
        // uneven ids only cost the binary search they would anyway).
        for _ in 0..3 {
            if hi - lo < 16 {
                break;
            }
            let (a, b) = (head_at(lo)?, head_at(hi - 1)?);
            if key < a || key > b || b <= a {
                break;
            }
            let frac = (key - a) as u128 * (hi - 1 - lo) as u128 / (b - a) as u128;
            let guess = lo + frac as usize;
            let g = head_at(guess)?;
            // Keep the target inside [lo, hi): step past the guess by a
            // margin, then check the margin holds.
            let margin = 8;
            if g < key {
                let nlo = (guess + 1).min(hi);
                let probe = (guess + margin).min(hi - 1);
                lo = nlo;
                if head_at(probe)? > key {
                    hi = probe;
                }
            } else if g > key {
                let nhi = guess;
                let probe = guess.saturating_sub(margin).max(lo);
                hi = nhi;
                if head_at(probe)? < key {
                    lo = probe + 1;
                }
            } else {
                // Same first 8 bytes: the binary search settles the rest.
                break;
            }
        }
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = ids + mid * stride;
            let cand = self.idx.get(at..at + ID)?;
            // The first 8 bytes decide almost every step.
            let head = u64::from_be_bytes(cand[..8].try_into().ok()?);
            let order = head.cmp(&key).then_with(|| cand[8..].cmp(&id[8..]));
            match order {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    fn offset(&self, i: usize) -> Option<u64> {
        if i >= self.count {
            return None;
        }
        if self.version == 1 {
            return be32(&self.idx, 256 * 4 + i * (ID + 4)).map(u64::from);
        }
        let offsets = 8 + 256 * 4 + self.count * (ID + 4);
        let o = be32(&self.idx, offsets + i * 4)?;
        if o & 0x8000_0000 == 0 {
            return Some(u64::from(o));
        }
        let large = offsets + self.count * 4 + (o & 0x7fff_ffff) as usize * 8;
        let b = self.idx.get(large..large + 8)?;
        Some(u64::from_be_bytes(b.try_into().ok()?))
    }

    /// The entry header at `offset`.
    fn entry(&self, offset: u64) -> Option<Entry> {
        let start = usize::try_from(offset).ok()?;
        // The 12-byte pack header comes first.
        if start < 12 {
            return None;
        }
        let d = self.data.get(start..)?;
        let mut i = 0;
        let mut c = *d.get(i)?;
        i += 1;
        let ty = (c >> 4) & 7;
        let mut size = usize::from(c & 15);
        let mut shift = 4u32;
        while c & 0x80 != 0 {
            c = *d.get(i)?;
            i += 1;
            // A seven-bit group that does not fit is a corrupt size.
            if shift > 57 {
                return None;
            }
            size |= usize::from(c & 0x7f).checked_shl(shift)?;
            shift += 7;
        }
        if size as u64 > MAX_OBJECT {
            return None;
        }
        let base = match ty {
            1 => Base::None(Kind::Commit),
            2 => Base::None(Kind::Tree),
            3 => Base::None(Kind::Blob),
            4 => Base::None(Kind::Tag),
            6 => {
                c = *d.get(i)?;
                i += 1;
                let mut back = u64::from(c & 0x7f);
                while c & 0x80 != 0 {
                    c = *d.get(i)?;
                    i += 1;
                    back = back.checked_add(1)?.checked_mul(128)? | u64::from(c & 0x7f);
                }
                if back == 0 {
                    return None;
                }
                Base::Offset(offset.checked_sub(back)?)
            }
            7 => {
                let id = d.get(i..i + ID)?.to_vec();
                i += ID;
                Base::Id(id)
            }
            _ => return None,
        };
        Some(Entry {
            base,
            size,
            data: start + i,
        })
    }
}

enum Base {
    /// A whole object of this kind.
    None(Kind),
    /// A delta against the object at this offset in the same pack.
    Offset(u64),
    /// A delta against the object with this id.
    Id(Vec<u8>),
}

struct Entry {
    base: Base,
    /// The inflated size: the object's, or the delta's.
    size: usize,
    /// Where the compressed data starts in the pack.
    data: usize,
}

impl Inflater {
    /// Inflates the zlib stream at the start of `input`, which must give
    /// exactly `size` bytes: the bytes, and how much input was read. The
    /// output is allocated once, at the declared size (which every caller
    /// checked against a limit), and never zeroed.
    fn inflate(&mut self, input: &[u8], size: usize) -> Result<(Vec<u8>, usize), Error> {
        if !self.whole.is_null() {
            return self.inflate_whole(input, size);
        }
        self.inflate_stream(input, size)
    }

    /// [`Inflater::inflate`] with libdeflate: the stream at the start of
    /// `input` must end exactly at `size` bytes of output (more, or fewer,
    /// is corrupt); bytes after the stream are left alone.
    fn inflate_whole(&mut self, input: &[u8], size: usize) -> Result<(Vec<u8>, usize), Error> {
        let mut out: Vec<u8> = Vec::with_capacity(size);
        let (mut read, mut wrote) = (0usize, 0usize);
        // SAFETY: `input` is readable for its length and `out` writable for
        // `size` bytes (its capacity); libdeflate writes at most that many
        // and reports how many it wrote and read.
        let status = unsafe {
            libdeflate_sys::libdeflate_zlib_decompress_ex(
                self.whole,
                input.as_ptr().cast(),
                input.len(),
                out.as_mut_ptr().cast(),
                size,
                &mut read,
                &mut wrote,
            )
        };
        if status != libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS
            || wrote != size
            || read > input.len()
        {
            return Err(Error::Corrupt);
        }
        // SAFETY: libdeflate initialised exactly `wrote` == `size` bytes.
        unsafe { out.set_len(wrote) };
        Ok((out, read))
    }

    /// [`Inflater::inflate`] with the streaming inflater.
    fn inflate_stream(&mut self, input: &[u8], size: usize) -> Result<(Vec<u8>, usize), Error> {
        let z = &mut self.z;
        z.reset(true);
        let mut out: Vec<u8> = Vec::with_capacity(size);
        let mut read = 0usize;
        // One call finishes unless the output is empty or the stream has
        // more to say than its header claimed; a few rounds cover the
        // former, and the size check catches the latter.
        for _ in 0..4 {
            let (in_before, out_before) = (z.total_in(), z.total_out());
            let spare = out.spare_capacity_mut();
            let status = z
                .decompress_uninit(
                    input.get(read..).ok_or(Error::Corrupt)?,
                    spare,
                    zlib_rs::InflateFlush::Finish,
                )
                .map_err(|_| Error::Corrupt)?;
            let wrote = usize::try_from(z.total_out() - out_before).map_err(|_| Error::Corrupt)?;
            if wrote > out.capacity() - out.len() {
                return Err(Error::Corrupt);
            }
            // SAFETY: inflate initialised exactly `wrote` bytes of the
            // spare capacity, which is at least that large (checked above).
            unsafe { out.set_len(out.len() + wrote) };
            read += usize::try_from(z.total_in() - in_before).map_err(|_| Error::Corrupt)?;
            if matches!(status, zlib_rs::Status::StreamEnd) {
                return if out.len() == size {
                    Ok((out, read))
                } else {
                    Err(Error::Corrupt)
                };
            }
            if out.len() == size {
                // Full, and the stream has not ended: it says more than
                // its header claimed.
                let mut probe = [0u8; 1];
                let more = z
                    .decompress(
                        input.get(read..).ok_or(Error::Corrupt)?,
                        &mut probe,
                        zlib_rs::InflateFlush::Finish,
                    )
                    .map_err(|_| Error::Corrupt)?;
                return if matches!(more, zlib_rs::Status::StreamEnd) && z.total_out() == size as u64
                {
                    Ok((out, z.total_in() as usize))
                } else {
                    Err(Error::Corrupt)
                };
            }
        }
        Err(Error::Corrupt)
    }

    /// The first `n` bytes the zlib stream at the start of `input`
    /// inflates to (fewer if it ends first).
    fn inflate_prefix(&mut self, input: &[u8], n: usize) -> Result<Vec<u8>, Error> {
        let z = &mut self.z;
        z.reset(true);
        let mut out = vec![0u8; n];
        let mut done = 0usize;
        let mut read = 0usize;
        for _ in 0..8 {
            if done == n {
                break;
            }
            let (in_before, out_before) = (z.total_in(), z.total_out());
            let status = z
                .decompress(
                    input.get(read..).ok_or(Error::Corrupt)?,
                    out.get_mut(done..).ok_or(Error::Corrupt)?,
                    zlib_rs::InflateFlush::NoFlush,
                )
                .map_err(|_| Error::Corrupt)?;
            read += usize::try_from(z.total_in() - in_before).map_err(|_| Error::Corrupt)?;
            done += usize::try_from(z.total_out() - out_before).map_err(|_| Error::Corrupt)?;
            if matches!(status, zlib_rs::Status::StreamEnd) {
                break;
            }
        }
        out.truncate(done);
        Ok(out)
    }
}

/// The size of the object a delta produces: the second size in its
/// header (the first is its base's).
fn result_size(delta: &[u8]) -> Result<u64, Error> {
    let mut i = 0;
    varint(delta, &mut i).ok_or(Error::Corrupt)?;
    Ok(varint(delta, &mut i).ok_or(Error::Corrupt)? as u64)
}

fn varint(d: &[u8], i: &mut usize) -> Option<usize> {
    let mut v = 0usize;
    let mut shift = 0u32;
    loop {
        let c = *d.get(*i)?;
        *i += 1;
        if shift > 57 {
            return None;
        }
        v |= usize::from(c & 0x7f).checked_shl(shift)?;
        shift += 7;
        if c & 0x80 == 0 {
            return Some(v);
        }
    }
}

/// Applies a git delta (`copy` and `insert` instructions) to `base`; the
/// result must be at most `cap` bytes.
fn apply_delta(base: &[u8], delta: &[u8], cap: u64) -> Option<Vec<u8>> {
    let mut i = 0;
    if varint(delta, &mut i)? != base.len() {
        return None;
    }
    let size = varint(delta, &mut i)?;
    if size as u64 > cap {
        return None;
    }
    let mut out = Vec::with_capacity(size);
    while i < delta.len() {
        let cmd = delta[i];
        i += 1;
        if cmd & 0x80 != 0 {
            let mut off = 0usize;
            let mut len = 0usize;
            for bit in 0..4 {
                if cmd & (1 << bit) != 0 {
                    off |= usize::from(*delta.get(i)?) << (8 * bit);
                    i += 1;
                }
            }
            for bit in 0..3 {
                if cmd & (0x10 << bit) != 0 {
                    len |= usize::from(*delta.get(i)?) << (8 * bit);
                    i += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            if out.len() + len > size {
                return None;
            }
            out.extend_from_slice(base.get(off..off.checked_add(len)?)?);
        } else if cmd != 0 {
            let n = usize::from(cmd);
            if out.len() + n > size {
                return None;
            }
            out.extend_from_slice(delta.get(i..i + n)?);
            i += n;
        } else {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// The delta bases still to be used, by location. A resolved object is
/// kept only while deltas against it remain to be applied; a byte budget
/// evicts the oldest first should reads skip some of them. Without delta
/// counts (`keep_all`), every object is kept within the budget.
struct Cache {
    /// Deltas not yet applied, per base.
    pending: FastMap<Loc, u32>,
    keep_all: bool,
    kept: FastMap<Loc, (Kind, Data)>,
    /// Kept locations, oldest first (some may be gone already).
    order: VecDeque<Loc>,
    bytes: usize,
    budget: usize,
}

impl Cache {
    fn new(pending: FastMap<Loc, u32>, budget: usize, keep_all: bool) -> Cache {
        Cache {
            pending,
            keep_all,
            kept: FastMap::default(),
            order: VecDeque::new(),
            bytes: 0,
            budget,
        }
    }

    fn get(&self, loc: Loc) -> Option<(Kind, Data)> {
        self.kept.get(&loc).cloned()
    }

    /// Keeps `data` if deltas against it are still to come.
    fn put(&mut self, loc: Loc, kind: Kind, data: &Data) {
        let wanted = self.keep_all || self.pending.get(&loc).is_some_and(|n| *n > 0);
        if !wanted || data.len() > self.budget / 4 || self.kept.contains_key(&loc) {
            return;
        }
        self.bytes += data.len();
        // Bases dropped after their last delta leave stale places behind.
        if self.order.len() > 2 * self.kept.len() + 64 {
            let kept = &self.kept;
            self.order.retain(|l| kept.contains_key(l));
        }
        self.order.push_back(loc);
        self.kept.insert(loc, (kind, data.clone()));
        while self.bytes > self.budget {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            self.drop_kept(old);
        }
    }

    /// A delta against `base` was applied: once none is left, it goes.
    fn used(&mut self, base: Loc) {
        if let Some(n) = self.pending.get_mut(&base) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.drop_kept(base);
            }
        }
    }

    fn drop_kept(&mut self, loc: Loc) {
        if let Some((_, d)) = self.kept.remove(&loc) {
            self.bytes -= d.len();
        }
    }
}

/// The whole object store of a repository: its packs, its loose objects
/// and its alternates' (up to 5 levels, as git).
pub struct Objects {
    pub packs: Packs,
    /// Object directories: the repository's, then its alternates'.
    dirs: Vec<PathBuf>,
    /// Some pack has a `.promisor` file: the repository is a partial
    /// clone, whose remote promised the objects it left out.
    pub partial_clone: bool,
}

impl Objects {
    /// Opens the store at `objects` (`.git/objects`); see
    /// [`Packs::open_in`] for `count_deltas`.
    pub fn open(objects: &Path, budget: usize, count_deltas: bool) -> Objects {
        let mut dirs = vec![objects.to_path_buf()];
        let mut i = 0;
        let mut depth = vec![0usize];
        while i < dirs.len() {
            if depth[i] < 5 {
                for alt in alternates(&dirs[i]) {
                    if !dirs.contains(&alt) && dirs.len() < 64 {
                        dirs.push(alt);
                        depth.push(depth[i] + 1);
                    }
                }
            }
            i += 1;
        }
        let partial_clone = dirs.iter().any(|d| {
            std::fs::read_dir(d.join("pack")).is_ok_and(|rd| {
                rd.filter_map(Result::ok)
                    .any(|e| e.path().extension().is_some_and(|x| x == "promisor"))
            })
        });
        Objects {
            packs: Packs::open_in(&dirs, budget, count_deltas),
            dirs,
            partial_clone,
        }
    }

    /// Object `id` of kind `want`, at most `limit` bytes.
    pub fn read(&self, id: &[u8], want: Kind, limit: u64, z: &mut Inflater) -> Result<Data, Error> {
        self.read_at(id, self.packs.locate(id), want, limit, z)
    }

    /// [`Objects::read`] for an object [`Packs::locate`] looked up
    /// already (`None`: not in a pack).
    pub fn read_at(
        &self,
        id: &[u8],
        at: Option<At>,
        want: Kind,
        limit: u64,
        z: &mut Inflater,
    ) -> Result<Data, Error> {
        let found = match at {
            Some(at) => self.packs.get_at(at, Some(want), limit, z),
            None => Err(Error::Missing),
        };
        match found {
            Ok((_, data)) => return Ok(data),
            Err(Error::Missing) => {}
            Err(e) => {
                // A damaged copy in a pack; a loose copy may be whole.
                return self.loose(id, want, limit, z).map_err(|_| e);
            }
        }
        self.loose(id, want, limit, z)
    }

    /// The kind and declared size of object `id`, without inflating it
    /// (beyond a few header bytes).
    pub fn header(&self, id: &[u8], z: &mut Inflater) -> Result<(Kind, u64), Error> {
        match self.packs.header(id, z) {
            Err(Error::Missing) => {}
            other => return other,
        }
        for dir in &self.dirs {
            let Some(path) = loose_path(dir, id) else {
                continue;
            };
            let Ok(mut f) = std::fs::File::open(&path) else {
                continue;
            };
            let mut buf = [0u8; 512];
            let n = read_up_to(&mut f, &mut buf).map_err(|_| Error::Corrupt)?;
            let head = z.inflate_prefix(&buf[..n], 64)?;
            let (kind, size, _) = loose_header(&head).ok_or(Error::Corrupt)?;
            return Ok((kind, size));
        }
        Err(Error::Missing)
    }

    /// A loose object: `objects/xx/yyyy…`, zlib of `kind SP size NUL data`.
    fn loose(&self, id: &[u8], want: Kind, limit: u64, z: &mut Inflater) -> Result<Data, Error> {
        for dir in &self.dirs {
            let Some(path) = loose_path(dir, id) else {
                return Err(Error::Missing);
            };
            let Ok(file) = std::fs::File::open(&path) else {
                continue;
            };
            let len = file.metadata().map_err(|_| Error::Corrupt)?.len();
            let mut head = [0u8; 512];
            let mut f = file;
            let n = read_up_to(&mut f, &mut head).map_err(|_| Error::Corrupt)?;
            let header = z.inflate_prefix(&head[..n], 64)?;
            let (kind, size, skip) = loose_header(&header).ok_or(Error::Corrupt)?;
            if kind != want {
                return Err(Error::WrongKind(kind));
            }
            if size > limit || size > MAX_OBJECT {
                return Err(Error::TooLarge(size));
            }
            // Deflate never grows data by more than a few bytes per 16 KiB.
            if len > size + size / 64 + 1024 {
                return Err(Error::Corrupt);
            }
            let bytes = std::fs::read(&path).map_err(|_| Error::Corrupt)?;
            let total = skip as u64 + size;
            let (mut out, _) =
                z.inflate(&bytes, usize::try_from(total).map_err(|_| Error::Corrupt)?)?;
            out.drain(..skip);
            return Ok(Arc::new(out));
        }
        Err(Error::Missing)
    }
}

fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn loose_path(dir: &Path, id: &[u8]) -> Option<PathBuf> {
    if id.len() != ID {
        return None;
    }
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    Some(dir.join(&hex[..2]).join(&hex[2..]))
}

/// `kind SP size NUL`: the kind, the size, and where the data starts.
fn loose_header(h: &[u8]) -> Option<(Kind, u64, usize)> {
    let sp = memchr::memchr(b' ', h)?;
    let nul = memchr::memchr(0, h)?;
    if nul < sp {
        return None;
    }
    let kind = Kind::from_name(&h[..sp])?;
    let digits = &h[sp + 1..nul];
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let size = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((kind, size, nul + 1))
}

/// The directories `objects/info/alternates` lists (absolute, or relative
/// to `objects`), read at most 64 KiB.
fn alternates(objects: &Path) -> Vec<PathBuf> {
    use std::io::Read;
    let Ok(f) = std::fs::File::open(objects.join("info").join("alternates")) else {
        return Vec::new();
    };
    let mut text = String::new();
    if f.take(64 << 10).read_to_string(&mut text).is_err() {
        return Vec::new();
    }
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let p = Path::new(l);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                objects.join(p)
            }
        })
        .filter(|p| p.is_dir())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookup table and the index search agree on every id of an
    /// index, and on ids it does not hold (near ones included).
    #[test]
    fn the_lookup_table_finds_what_the_index_search_finds() {
        let n = 5000usize;
        let mut ids: Vec<[u8; 20]> = (0..n as u32)
            .map(|i| {
                let mut id = [0u8; 20];
                id.copy_from_slice(&blake3::hash(&i.to_le_bytes()).as_bytes()[..20]);
                id
            })
            .collect();
        // Two ids that share their first 12 bytes: the table's slot and
        // tag alike; only the index entry tells them apart.
        let mut twin = ids[0];
        twin[19] ^= 1;
        ids.push(twin);
        ids.sort();
        let mut idx = b"\xfftOc\0\0\0\x02".to_vec();
        for b in 0..256usize {
            let c = ids.iter().filter(|id| usize::from(id[0]) <= b).count() as u32;
            idx.extend(c.to_be_bytes());
        }
        for id in &ids {
            idx.extend(id);
        }
        idx.extend(std::iter::repeat_n(0u8, ids.len() * 4));
        for i in 0..ids.len() as u32 {
            idx.extend((12 + i * 7).to_be_bytes());
        }
        idx.extend([0u8; 40]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pack-x.idx");
        std::fs::write(&path, &idx).unwrap();
        std::fs::write(path.with_extension("pack"), b"PACK\0\0\0\x02").unwrap();
        let search = Pack::open(&path).unwrap();
        let table = Pack::open(&path).unwrap();
        table.build_lookup();
        assert!(search.lookup.get().is_none());
        assert!(table.lookup.get().is_some());
        for (i, id) in ids.iter().enumerate() {
            let want = Some(12 + i as u64 * 7);
            assert_eq!(search.find(id), want);
            assert_eq!(table.find(id), want);
            let mut near = *id;
            near[19] ^= 0x80;
            assert_eq!(table.find(&near), search.find(&near));
        }
        for k in 0..2000u32 {
            let absent = blake3::hash(&(k + 1_000_000).to_le_bytes());
            let absent = &absent.as_bytes()[..20];
            assert_eq!(table.find(absent), None);
            assert_eq!(search.find(absent), None);
        }
        assert_eq!(table.find(&[0u8; 19]), None);
    }

    const BIG: u64 = MAX_OBJECT;

    #[test]
    fn deltas_copy_and_insert() {
        let base = b"hello, world\n";
        // source 13, target 18: copy "hello, " (0..7), insert "there ",
        // copy "world\n" (7..13).
        let mut d = vec![13, 19];
        d.extend([0x80 | 0x10, 7]);
        d.push(6);
        d.extend(b"there ");
        d.extend([0x80 | 0x01 | 0x10, 7, 6]);
        assert_eq!(
            apply_delta(base, &d, BIG).as_deref(),
            Some(&b"hello, there world\n"[..])
        );
        // The same delta with a result cap below its size is refused.
        assert!(apply_delta(base, &d, 18).is_none());
    }

    #[test]
    fn sizes_that_do_not_fit_are_refused() {
        let mut i = 0;
        assert_eq!(varint(&[0x81, 0x01], &mut i), Some(129));
        // Ten groups of seven bits: more than 64 bits.
        let mut long = vec![0xffu8; 9];
        long.push(0x7f);
        let mut i = 0;
        assert_eq!(varint(&long, &mut i), None);
        // Cut short.
        let mut i = 0;
        assert_eq!(varint(&[0x80], &mut i), None);
    }

    #[test]
    fn bad_deltas_are_refused() {
        let base = b"abc";
        // Wrong source size.
        assert!(apply_delta(base, &[4, 3, 0x90, 3], BIG).is_none());
        // Copy past the end of the base.
        assert!(apply_delta(base, &[3, 3, 0x91, 2, 3], BIG).is_none());
        // Insert past the end of the delta.
        assert!(apply_delta(base, &[3, 3, 5, b'x'], BIG).is_none());
        // Result longer than declared.
        assert!(apply_delta(base, &[3, 2, 0x90, 3], BIG).is_none());
        // The reserved instruction 0.
        assert!(apply_delta(base, &[3, 3, 0], BIG).is_none());
    }

    #[test]
    fn loose_headers() {
        assert_eq!(loose_header(b"blob 12\0hello"), Some((Kind::Blob, 12, 8)));
        assert_eq!(loose_header(b"blob\0 12"), None);
        assert_eq!(loose_header(b"blob -1\0"), None);
        assert_eq!(loose_header(b"blob 99999999999999999999\0"), None);
        assert_eq!(loose_header(b"gizmo 1\0x"), None);
    }

    #[test]
    fn the_cache_keeps_bases_until_their_last_delta_within_a_budget() {
        let pending = [((0, 1), 2), ((0, 2), 1), ((0, 3), 1), ((0, 4), 1)]
            .into_iter()
            .collect();
        let mut c = Cache::new(pending, 100, false);
        let blob = |n: usize| -> Data { Arc::new(vec![0u8; n]) };
        // Not a base: not kept.
        c.put((0, 9), Kind::Blob, &blob(10));
        assert!(c.get((0, 9)).is_none());
        c.put((0, 1), Kind::Blob, &blob(20));
        c.used((0, 1));
        assert!(c.get((0, 1)).is_some(), "one delta against it is left");
        c.used((0, 1));
        assert!(c.get((0, 1)).is_none(), "its last delta was applied");
        assert_eq!(c.bytes, 0);
        // Over budget: the oldest goes first.
        c.put((0, 2), Kind::Tree, &blob(25));
        c.put((0, 3), Kind::Tree, &blob(25));
        c.put((0, 4), Kind::Tree, &blob(25));
        assert_eq!(c.get((0, 2)).map(|(k, _)| k), Some(Kind::Tree));
        let mut c2 = Cache::new(
            [
                ((0, 5), 1),
                ((0, 6), 1),
                ((0, 7), 1),
                ((0, 8), 1),
                ((0, 10), 1),
            ]
            .into_iter()
            .collect(),
            100,
            false,
        );
        for i in 5..=8 {
            c2.put((0, i), Kind::Blob, &blob(25));
        }
        c2.put((0, 10), Kind::Blob, &blob(25));
        assert!(c2.bytes <= 100);
        assert!(c2.get((0, 5)).is_none());
        assert!(c2.get((0, 10)).is_some());
        // Larger than a quarter of the budget: not kept.
        let mut c3 = Cache::new([((0, 1), 1)].into_iter().collect(), 100, false);
        c3.put((0, 1), Kind::Blob, &blob(26));
        assert!(c3.get((0, 1)).is_none());
        // Without delta counts, anything within the budget is kept.
        let mut c4 = Cache::new(FastMap::default(), 100, true);
        c4.put((0, 1), Kind::Blob, &blob(20));
        assert!(c4.get((0, 1)).is_some());
    }
}
