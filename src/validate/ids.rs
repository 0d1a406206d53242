//! Exact ID sets, one per ID group, for the uniqueness and dangling-end
//! checks.
//!
//! The ids themselves are stored (length-prefixed, in a chunked byte arena
//! per group), indexed by an open-addressing table of `u64` slots that hold
//! a 24-bit hash tag and the id's arena location. A hash match is always
//! confirmed by comparing the bytes, so the checks are exact. Memory is
//! about (id length + 1) + 8 / 0.7 bytes per id (≈ 26 bytes for
//! `srv-000000042`), and the number of ids is bounded by `--max-ids`.

use super::header::{group_name, IdType};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use xxhash_rust::xxh3::xxh3_64;

/// A slot: a 24-bit hash tag above a 40-bit location + 1 (0 = empty).
const LOC_BITS: u32 = 40;
const LOC_MASK: u64 = (1 << LOC_BITS) - 1;
/// A location: arena chunk (12 bits) and position in it (28 bits).
const POS_BITS: u32 = 28;
const MAX_CHUNKS: usize = (1 << (LOC_BITS - POS_BITS)) - 1;
const FIRST_CHUNK: usize = 64 << 10;
const MAX_CHUNK: usize = 64 << 20;

/// Distinct duplicated ids remembered per group (for locating them).
pub const DUP_KEEP: usize = 1000;

/// A set of byte strings.
#[derive(Debug, Default)]
pub struct IdSet {
    slots: Vec<u64>,
    /// Length-prefixed keys in chunks that never reallocate, so memory is
    /// what is used plus at most one partly filled chunk.
    chunks: Vec<Vec<u8>>,
    len: usize,
}

fn capacity_for(n: usize) -> usize {
    n.saturating_mul(10) / 7 + 16
}

/// Maps a hash onto `0..cap` (multiply-shift; `cap` need not be a power
/// of two, so the table is sized to the load factor, not rounded up).
#[allow(
    clippy::cast_possible_truncation,
    reason = "the high 64 bits of h times cap, so below cap"
)]
fn home(h: u64, cap: usize) -> usize {
    ((u128::from(h) * cap as u128) >> 64) as usize
}

impl IdSet {
    /// A set sized for `n` ids.
    pub fn with_capacity(n: usize) -> IdSet {
        IdSet {
            slots: vec![0; capacity_for(n)],
            chunks: Vec::new(),
            len: 0,
        }
    }

    /// Ids in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held.
    pub fn memory(&self) -> usize {
        self.slots.len() * 8 + self.chunks.iter().map(Vec::capacity).sum::<usize>()
    }

    fn key_at(&self, slot: u64) -> &[u8] {
        let loc = (slot & LOC_MASK) - 1;
        let chunk = &self.chunks[(loc >> POS_BITS) as usize];
        let mut p = (loc & ((1 << POS_BITS) - 1)) as usize;
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let b = chunk[p];
            p += 1;
            len |= usize::from(b & 0x7f) << shift;
            if b < 0x80 {
                break;
            }
            shift += 7;
        }
        &chunk[p..p + len]
    }

    /// The slot holding `key`, or the empty slot where it would go.
    fn find(&self, key: &[u8], h: u64) -> Result<usize, usize> {
        let cap = self.slots.len();
        let tag = h >> LOC_BITS;
        let mut i = home(h, cap);
        loop {
            let s = self.slots[i];
            if s == 0 {
                return Err(i);
            }
            if s >> LOC_BITS == tag && self.key_at(s) == key {
                return Ok(i);
            }
            i += 1;
            if i == cap {
                i = 0;
            }
        }
    }

    /// Whether `key` is in the set.
    pub fn contains(&self, key: &[u8]) -> bool {
        !self.slots.is_empty() && self.find(key, xxh3_64(key)).is_ok()
    }

    /// Appends a length-prefixed key; returns its location, or `None` when
    /// the arena is full.
    fn store(&mut self, key: &[u8]) -> Option<u64> {
        let need = key.len() + 10;
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= need);
        if !fits {
            if self.chunks.len() == MAX_CHUNKS {
                return None;
            }
            let size = self
                .chunks
                .last()
                .map_or(FIRST_CHUNK, |c| (c.capacity() * 2).min(MAX_CHUNK))
                .max(need);
            if size >= 1 << POS_BITS {
                return None;
            }
            self.chunks.push(Vec::with_capacity(size));
        }
        let idx = self.chunks.len() - 1;
        let chunk = &mut self.chunks[idx];
        let pos = chunk.len() as u64;
        let mut n = key.len();
        loop {
            #[allow(clippy::cast_possible_truncation, reason = "seven bits, masked")]
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                chunk.push(b);
                break;
            }
            chunk.push(b | 0x80);
        }
        chunk.extend_from_slice(key);
        Some(((idx as u64) << POS_BITS) | pos)
    }

    /// Adds `key`; `Some(false)` if it was already there, `None` if the
    /// arena is full.
    pub fn insert(&mut self, key: &[u8]) -> Option<bool> {
        self.reserve(1);
        self.insert_hashed(key, xxh3_64(key))
    }

    /// Grows the table so that `n` more ids keep the load under 0.7.
    fn reserve(&mut self, n: usize) {
        while self.slots.is_empty() || (self.len + n) * 10 > self.slots.len() * 7 {
            self.grow();
        }
    }

    /// Reads the home slot of every hash (and, with `keys_too`, the first
    /// byte of the key the slot points to) before the real probes. These
    /// loads do not depend on each other, so the CPU overlaps their cache
    /// misses instead of waiting for them one by one; the probes then hit
    /// the cache. Returns a value only to keep the loads.
    fn warm(&self, hashes: &[u64], keys_too: bool) -> u64 {
        let cap = self.slots.len();
        if cap == 0 {
            return 0;
        }
        let mut acc = 0u64;
        for &h in hashes {
            acc = acc.wrapping_add(self.slots[home(h, cap)]);
        }
        if keys_too {
            for &h in hashes {
                let s = self.slots[home(h, cap)];
                if s != 0 && s >> LOC_BITS == h >> LOC_BITS {
                    acc = acc.wrapping_add(self.key_at(s).first().map_or(0, |&b| u64::from(b)));
                }
            }
        }
        std::hint::black_box(acc)
    }

    /// [`IdSet::insert`] with the key's hash given; capacity must be reserved.
    fn insert_hashed(&mut self, key: &[u8], h: u64) -> Option<bool> {
        if (self.len + 1) * 10 > self.slots.len() * 7 {
            self.grow();
        }
        let i = match self.find(key, h) {
            Ok(_) => return Some(false),
            Err(i) => i,
        };
        let loc = self.store(key)?;
        self.slots[i] = (h >> LOC_BITS << LOC_BITS) | (loc + 1);
        self.len += 1;
        Some(true)
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; cap]);
        for s in old.into_iter().filter(|&s| s != 0) {
            let mut i = home(xxh3_64(self.key_at(s)), cap);
            while self.slots[i] != 0 {
                i += 1;
                if i == cap {
                    i = 0;
                }
            }
            self.slots[i] = s;
        }
    }
}

/// An ID group's key: `None` is the global ID space.
pub type GroupKey = Option<String>;

/// The key under which an id value is stored: the bytes for string ids,
/// the canonical decimal for integer ids (so `007` and `7` are one id).
pub fn key_of(id_type: IdType, value: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    match id_type {
        IdType::String => out.extend_from_slice(value),
        IdType::Integer => {
            let n = std::str::from_utf8(value)
                .ok()
                .filter(|s| !s.starts_with('+'))
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| {
                    format!(
                        "id '{}' is not an integer (its ID group uses integer ids)",
                        String::from_utf8_lossy(value)
                    )
                })?;
            out.extend_from_slice(n.to_string().as_bytes());
        }
    }
    Ok(())
}

struct Group {
    set: IdSet,
    dups: Vec<Vec<u8>>,
    dup_seen: HashSet<Vec<u8>>,
    dup_count: u64,
}

/// ID sets being filled from node files by many threads.
pub struct Store {
    groups: HashMap<GroupKey, Mutex<Group>>,
    limit: u64,
    count: AtomicU64,
    overflow: Mutex<Option<String>>,
}

/// A batch of ids from one file, each with a tag (a line number), inserted
/// or looked up together so that their cache misses overlap.
#[derive(Default)]
pub struct Batch {
    arena: Vec<u8>,
    ends: Vec<usize>,
    tags: Vec<u64>,
    hashes: Vec<u64>,
}

impl Batch {
    /// Adds an id with a tag.
    pub fn push(&mut self, key: &[u8], tag: u64) {
        self.arena.extend_from_slice(key);
        self.ends.push(self.arena.len());
        self.tags.push(tag);
    }

    /// Bytes held (flush when large).
    pub fn bytes(&self) -> usize {
        self.arena.len()
    }

    /// Ids held.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn hash_all(&mut self) {
        let mut hashes = std::mem::take(&mut self.hashes);
        hashes.clear();
        hashes.extend(self.iter().map(xxh3_64));
        self.hashes = hashes;
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&e| {
            let k = &self.arena[start..e];
            start = e;
            k
        })
    }

    /// Empties the batch.
    pub fn clear(&mut self) {
        self.arena.clear();
        self.ends.clear();
        self.tags.clear();
    }
}

impl Store {
    /// Sets for `groups` (key, expected ids); at most `limit` ids in all.
    pub fn new(groups: &[(GroupKey, u64)], limit: u64) -> Store {
        let groups = groups
            .iter()
            .map(|(g, n)| {
                let n = usize::try_from((*n).min(limit)).unwrap_or(usize::MAX);
                (
                    g.clone(),
                    Mutex::new(Group {
                        set: IdSet::with_capacity(n),
                        dups: Vec::new(),
                        dup_seen: HashSet::new(),
                        dup_count: 0,
                    }),
                )
            })
            .collect();
        Store {
            groups,
            limit,
            count: AtomicU64::new(0),
            overflow: Mutex::new(None),
        }
    }

    fn overflowed(&self) -> bool {
        self.overflow.lock().map(|o| o.is_some()).unwrap_or(true)
    }

    /// Inserts and clears `batch` into `group`'s set.
    pub fn insert(&self, group: &GroupKey, batch: &mut Batch) {
        let n = batch.ends.len() as u64;
        if n == 0 || self.overflowed() {
            batch.clear();
            return;
        }
        if self.count.fetch_add(n, Ordering::Relaxed) + n > self.limit {
            if let Ok(mut o) = self.overflow.lock() {
                *o = Some(format!(
                    "the node files hold more than --max-ids {} ids",
                    self.limit
                ));
            }
            batch.clear();
            return;
        }
        let Some(g) = self.groups.get(group) else {
            batch.clear();
            return;
        };
        let Ok(mut g) = g.lock() else {
            batch.clear();
            return;
        };
        batch.hash_all();
        g.set.reserve(batch.len());
        g.set.warm(&batch.hashes, false);
        for (key, &h) in batch.iter().zip(&batch.hashes) {
            match g.set.insert_hashed(key, h) {
                Some(true) => {}
                Some(false) => {
                    g.dup_count += 1;
                    if g.dups.len() < DUP_KEEP && !g.dup_seen.contains(key) {
                        g.dup_seen.insert(key.to_vec());
                        g.dups.push(key.to_vec());
                    }
                }
                None => {
                    if let Ok(mut o) = self.overflow.lock() {
                        *o = Some(format!(
                            "the ids of ID group {} need more than the arena's limit",
                            group_name(group)
                        ));
                    }
                    break;
                }
            }
        }
        batch.clear();
    }

    /// Ends the filling phase.
    pub fn freeze(self) -> Frozen {
        let overflow = self.overflow.into_inner().ok().flatten();
        let mut sets = HashMap::new();
        let mut dups = HashMap::new();
        if overflow.is_none() {
            for (k, g) in self.groups {
                let Ok(g) = g.into_inner() else { continue };
                if g.dup_count > 0 {
                    dups.insert(k.clone(), (g.dups, g.dup_count));
                }
                sets.insert(k, g.set);
            }
        }
        Frozen {
            sets,
            dups,
            skipped: overflow,
        }
    }
}

/// Filled, read-only ID sets.
pub struct Frozen {
    sets: HashMap<GroupKey, IdSet>,
    /// Per group: the first distinct duplicated ids and the count of all
    /// duplicate definitions.
    pub dups: HashMap<GroupKey, (Vec<Vec<u8>>, u64)>,
    /// Why the check was skipped, if it was.
    pub skipped: Option<String>,
}

impl Frozen {
    /// Whether `key` is an id of `group` (`None` for an unknown group).
    pub fn contains(&self, group: &GroupKey, key: &[u8]) -> Option<bool> {
        self.sets.get(group).map(|s| s.contains(key))
    }

    /// Looks every id of `batch` up in `group`; calls `missing(key, tag)`
    /// for each one that is not there. Returns `false` for an unknown group.
    pub fn check_batch(
        &self,
        group: &GroupKey,
        batch: &mut Batch,
        mut missing: impl FnMut(&[u8], u64),
    ) -> bool {
        let Some(set) = self.sets.get(group) else {
            return false;
        };
        batch.hash_all();
        set.warm(&batch.hashes, true);
        for ((key, &h), &tag) in batch.iter().zip(&batch.hashes).zip(&batch.tags) {
            if set.slots.is_empty() || set.find(key, h).is_err() {
                missing(key, tag);
            }
        }
        true
    }

    /// Ids stored, and bytes used.
    pub fn size(&self) -> (usize, usize) {
        self.sets
            .values()
            .fold((0, 0), |(n, b), s| (n + s.len(), b + s.memory()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_is_exact_and_grows() {
        let mut s = IdSet::with_capacity(0);
        for i in 0..10_000u32 {
            assert_eq!(s.insert(format!("srv-{i:09}").as_bytes()), Some(true));
        }
        assert_eq!(s.insert(b"srv-000000042"), Some(false));
        assert_eq!(s.len(), 10_000);
        assert!(s.contains(b"srv-000009999"));
        assert!(!s.contains(b"srv-000010000"));
        assert!(!s.contains(b""));
        let long = vec![b'x'; 300];
        assert_eq!(s.insert(&long), Some(true));
        assert!(s.contains(&long));
        assert!(!s.contains(&long[..299]));
    }

    #[test]
    fn store_reports_duplicates_and_overflow() {
        let g: GroupKey = Some("S".into());
        let store = Store::new(&[(g.clone(), 3)], 10);
        let mut b = Batch::default();
        for k in ["a", "b", "a", "c", "a"] {
            b.push(k.as_bytes(), 0);
        }
        store.insert(&g, &mut b);
        let f = store.freeze();
        assert_eq!(f.contains(&g, b"c"), Some(true));
        assert_eq!(f.contains(&g, b"d"), Some(false));
        assert_eq!(f.contains(&None, b"a"), None);
        assert_eq!(f.dups[&g], (vec![b"a".to_vec()], 2));

        let store = Store::new(&[(g.clone(), 3)], 2);
        for k in ["a", "b", "c"] {
            b.push(k.as_bytes(), 0);
        }
        store.insert(&g, &mut b);
        let f = store.freeze();
        assert!(f.skipped.as_deref().unwrap_or("").contains("--max-ids 2"));
        assert_eq!(f.contains(&g, b"a"), None);
    }

    #[test]
    fn batched_lookups_report_the_missing_with_their_tags() {
        let g: GroupKey = None;
        let store = Store::new(&[(g.clone(), 100)], 1000);
        let mut b = Batch::default();
        for i in 0..100u64 {
            b.push(format!("n{i}").as_bytes(), i);
        }
        store.insert(&g, &mut b);
        assert!(b.is_empty());
        let f = store.freeze();
        for (i, k) in ["n5", "x", "n99", "n100", ""].iter().enumerate() {
            b.push(k.as_bytes(), 10 + i as u64);
        }
        let mut missing = Vec::new();
        assert!(f.check_batch(&g, &mut b, |k, t| missing.push((k.to_vec(), t))));
        assert_eq!(
            missing,
            vec![
                (b"x".to_vec(), 11),
                (b"n100".to_vec(), 13),
                (Vec::new(), 14)
            ]
        );
        assert!(!f.check_batch(&Some("other".into()), &mut b, |_, _| {}));
    }

    #[test]
    fn integer_keys_are_canonical() {
        let mut k = Vec::new();
        key_of(IdType::Integer, b"007", &mut k).unwrap();
        assert_eq!(k, b"7");
        assert!(key_of(IdType::Integer, b"x7", &mut k).is_err());
        assert!(key_of(IdType::Integer, b"+7", &mut k).is_err());
        key_of(IdType::String, b"007", &mut k).unwrap();
        assert_eq!(k, b"007");
    }
}
