//! A reader for a repository's packfiles, for a history scan: it reads
//! every object once, in an order no cache of libgit2's suits.
//!
//! A packed object is usually a delta against another object, which may be
//! a delta too. libgit2 keeps only the bases it resolved on the way (16 MiB
//! of them), not the objects it was asked for, so reading a file's versions
//! oldest first inflated the previous version again for each: twice the
//! inflating, behind two locks per object. This reader keeps every object
//! it resolves (bases and results alike) in one cache with a byte budget,
//! so a chain of versions costs one inflate and one delta per version.
//!
//! It reads pack index version 2 with SHA-1 ids, which is what git writes.
//! Anything else (loose objects, other index versions, alternates, a
//! corrupt entry) is `None`, and the caller reads the object through
//! libgit2, which knows every case and reports errors properly.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The kinds of object a pack holds whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

/// An object's content, shared with the cache.
pub type Data = Arc<[u8]>;

const ID: usize = 20;
/// Objects larger than this are left to libgit2 (and are not scanned:
/// they exceed any sensible `max_file_size`).
const MAX_OBJECT: usize = 1 << 30;
/// A delta chain deeper than this is treated as corrupt (git's own limit
/// for `pack.depth` is 4095).
const MAX_DEPTH: usize = 10_000;

struct Pack {
    idx: memmap2::Mmap,
    data: memmap2::Mmap,
    /// Objects in the index.
    count: usize,
}

/// Where an object is: its pack and offset.
type Loc = (u32, u64);

pub struct Packs {
    packs: Vec<Pack>,
    cache: Mutex<Cache>,
}

/// One inflate stream per reading thread, reset for each object.
pub struct Inflater(zlib_rs::Inflate);

impl Default for Inflater {
    fn default() -> Self {
        Inflater(zlib_rs::Inflate::new(true, 15))
    }
}

impl Packs {
    /// Opens every `pack-*.idx` (version 2) with its `.pack` under
    /// `objects/pack`. A pack that cannot be read is left out: its objects
    /// come from libgit2.
    pub fn open(objects: &Path, budget: usize) -> Packs {
        let mut packs = Vec::new();
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
            if let Some(p) = Pack::open(&idx) {
                packs.push(p);
            }
        }
        let mut packs = Packs {
            packs,
            cache: Mutex::new(Cache::new(HashMap::default(), budget)),
        };
        // Every entry's header says which object it is a delta against:
        // count the deltas waiting on each base, plus one for reading the
        // base itself (a scan reads each object once, perhaps after the
        // deltas against it).
        let mut pending: HashMap<Loc, u32, foldhash::fast::RandomState> = HashMap::default();
        for (i, p) in packs.packs.iter().enumerate() {
            for k in 0..p.count {
                let Some(entry) = p.offset(k).and_then(|o| p.entry(o)) else {
                    continue;
                };
                let base = match entry.base {
                    Base::None(_) => continue,
                    Base::Offset(o) => Some((i as u32, o)),
                    Base::Id(ref id) => packs.find(id),
                };
                if let Some(b) = base {
                    *pending.entry(b).or_insert(1) += 1;
                }
            }
        }
        packs.cache = Mutex::new(Cache::new(pending, budget));
        packs
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

    /// The object `id`: its kind and content. `None` when it is not in a
    /// pack this reader opened, or cannot be read here.
    pub fn read(&self, id: &[u8], z: &mut Inflater) -> Option<(Kind, Data)> {
        let loc = self.find(id)?;
        let found = self.unpack(loc, z);
        if let Ok(mut c) = self.cache.lock() {
            c.used(loc);
        }
        found
    }

    fn cached(&self, loc: Loc) -> Option<(Kind, Data)> {
        self.cache.lock().ok()?.get(loc)
    }

    /// Keeps an object that deltas still to come need, and lets go of the
    /// base `used` (if any) when this was its last delta.
    fn keep(&self, loc: Loc, kind: Kind, data: &Data, used: Option<Loc>) {
        if let Ok(mut c) = self.cache.lock() {
            c.put(loc, kind, data);
            if let Some(b) = used {
                c.used(b);
            }
        }
    }

    /// Resolves the object at `loc`: follows its delta chain down to a
    /// cached or whole object, then applies the deltas upwards, keeping
    /// every object on the way.
    fn unpack(&self, loc: Loc, z: &mut Inflater) -> Option<(Kind, Data)> {
        if let Some(hit) = self.cached(loc) {
            return Some(hit);
        }
        // The deltas to apply, outermost first.
        let mut deltas: Vec<(Loc, Entry)> = Vec::new();
        let mut at = loc;
        let (kind, mut data, mut base) = loop {
            let pack = self.packs.get(at.0 as usize)?;
            let entry = pack.entry(at.1)?;
            match entry.base {
                Base::None(kind) => {
                    let data: Data = z.inflate(pack.data.get(entry.data..)?, entry.size)?.into();
                    self.keep(at, kind, &data, None);
                    break (kind, data, at);
                }
                Base::Offset(base) => {
                    deltas.push((at, entry));
                    at = (at.0, base);
                }
                Base::Id(ref id) => {
                    let base = self.find(id)?;
                    deltas.push((at, entry));
                    at = base;
                }
            }
            if deltas.len() >= MAX_DEPTH {
                return None;
            }
            if let Some((kind, data)) = self.cached(at) {
                break (kind, data, at);
            }
        };
        while let Some((at, entry)) = deltas.pop() {
            let pack = self.packs.get(at.0 as usize)?;
            let delta = z.inflate(pack.data.get(entry.data..)?, entry.size)?;
            let out: Data = apply_delta(&data, &delta)?.into();
            self.keep(at, kind, &out, Some(base));
            data = out;
            base = at;
        }
        Some((kind, data))
    }
}

impl Pack {
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
        // Index v2: magic, version, fan-out, ids, CRCs, offsets, then
        // 64-bit offsets, then two trailing checksums.
        if idx.get(..8)? != b"\xfftOc\0\0\0\x02" {
            return None;
        }
        let count = be32(&idx, 8 + 255 * 4)? as usize;
        let min = count
            .checked_mul(ID + 4 + 4)
            .and_then(|n| n.checked_add(8 + 256 * 4 + 2 * ID))?;
        if idx.len() < min || data.get(..4)? != b"PACK" {
            return None;
        }
        Some(Pack { idx, data, count })
    }

    /// The offset of object `id`, by binary search in its fan-out bucket.
    fn find(&self, id: &[u8]) -> Option<u64> {
        let first = *id.first()? as usize;
        let lo = if first == 0 {
            0
        } else {
            be32(&self.idx, 8 + (first - 1) * 4)? as usize
        };
        let hi = (be32(&self.idx, 8 + first * 4)? as usize).min(self.count);
        let ids = 8 + 256 * 4;
        let (mut lo, mut hi) = (lo, hi);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = ids + mid * ID;
            let cand = self.idx.get(at..at + ID)?;
            match cand.cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    fn offset(&self, i: usize) -> Option<u64> {
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
        if size > MAX_OBJECT {
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
    /// exactly `size` bytes.
    fn inflate(&mut self, input: &[u8], size: usize) -> Option<Vec<u8>> {
        let z = &mut self.0;
        z.reset(true);
        let mut out = vec![0u8; size];
        let mut done = 0usize;
        let mut read = 0usize;
        // One call finishes unless the output is empty or the stream has
        // more to say than its header claimed; a few rounds cover the
        // former, and the size check catches the latter.
        for _ in 0..4 {
            let (in_before, out_before) = (z.total_in(), z.total_out());
            let status = z
                .decompress(
                    input.get(read..)?,
                    out.get_mut(done..)?,
                    zlib_rs::InflateFlush::Finish,
                )
                .ok()?;
            read += usize::try_from(z.total_in() - in_before).ok()?;
            done += usize::try_from(z.total_out() - out_before).ok()?;
            if matches!(status, zlib_rs::Status::StreamEnd) {
                return (done == size).then_some(out);
            }
        }
        None
    }
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

/// Applies a git delta (`copy` and `insert` instructions) to `base`.
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut i = 0;
    if varint(delta, &mut i)? != base.len() {
        return None;
    }
    let size = varint(delta, &mut i)?;
    if size > MAX_OBJECT {
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
            out.extend_from_slice(base.get(off..off.checked_add(len)?)?);
        } else if cmd != 0 {
            let n = usize::from(cmd);
            out.extend_from_slice(delta.get(i..i + n)?);
            i += n;
        } else {
            return None;
        }
        if out.len() > size {
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
/// evicts the oldest first should reads skip some of them.
struct Cache {
    /// Deltas not yet applied, per base.
    pending: HashMap<Loc, u32, foldhash::fast::RandomState>,
    kept: HashMap<Loc, (Kind, Data), foldhash::fast::RandomState>,
    /// Kept locations, oldest first (some may be gone already).
    order: VecDeque<Loc>,
    bytes: usize,
    budget: usize,
}

impl Cache {
    fn new(pending: HashMap<Loc, u32, foldhash::fast::RandomState>, budget: usize) -> Cache {
        Cache {
            pending,
            kept: HashMap::default(),
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
        if self.pending.get(&loc).is_none_or(|n| *n == 0)
            || data.len() > self.budget / 4
            || self.kept.contains_key(&loc)
        {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            apply_delta(base, &d).as_deref(),
            Some(&b"hello, there world\n"[..])
        );
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
        assert!(apply_delta(base, &[4, 3, 0x90, 3]).is_none());
        // Copy past the end of the base.
        assert!(apply_delta(base, &[3, 3, 0x91, 2, 3]).is_none());
        // Insert past the end of the delta.
        assert!(apply_delta(base, &[3, 3, 5, b'x']).is_none());
        // Result longer than declared.
        assert!(apply_delta(base, &[3, 2, 0x90, 3]).is_none());
        // The reserved instruction 0.
        assert!(apply_delta(base, &[3, 3, 0]).is_none());
    }

    #[test]
    fn the_cache_keeps_bases_until_their_last_delta_within_a_budget() {
        let pending = [((0, 1), 2), ((0, 2), 1), ((0, 3), 1), ((0, 4), 1)]
            .into_iter()
            .collect();
        let mut c = Cache::new(pending, 100);
        let blob = |n: usize| -> Data { vec![0u8; n].into() };
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
        );
        for i in 5..=8 {
            c2.put((0, i), Kind::Blob, &blob(25));
        }
        c2.put((0, 10), Kind::Blob, &blob(25));
        assert!(c2.bytes <= 100);
        assert!(c2.get((0, 5)).is_none());
        assert!(c2.get((0, 10)).is_some());
        // Larger than a quarter of the budget: not kept.
        let mut c3 = Cache::new([((0, 1), 1)].into_iter().collect(), 100);
        c3.put((0, 1), Kind::Blob, &blob(26));
        assert!(c3.get((0, 1)).is_none());
    }
}
