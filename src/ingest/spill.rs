//! Temporary files of the ingest: length-prefixed binary records, hash
//! partitioned to disk so that no step holds more than one partition.
//!
//! A record's partition is a *range* of the 128-bit hash of its key, so the
//! concatenation of the partitions in order is sorted by hash whatever the
//! number of partitions: the output does not depend on the memory budget.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The partition of hash `h` among `parts` contiguous hash ranges.
#[inline]
#[allow(
    clippy::cast_possible_truncation,
    reason = "the high 64 bits of the hash, scaled to below parts"
)]
pub fn partition_of(h: u128, parts: usize) -> usize {
    (((h >> 64) as u64 as u128 * parts as u128) >> 64) as usize
}

/// Appends little-endian fixed-size fields and length-prefixed byte
/// strings; `None` is the length `u32::MAX`.
#[derive(Default)]
pub struct Enc {
    /// The encoded bytes.
    pub buf: Vec<u8>,
}

impl Enc {
    /// Starts a record; returns its start, for [`Enc::end`].
    pub fn begin(&mut self) -> usize {
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        at
    }

    /// Ends the record started at `at`, writing its length.
    pub fn end(&mut self, at: usize) {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a spilled record is far below 4 GiB"
        )]
        let len = (self.buf.len() - at - 4) as u32;
        self.buf[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }

    /// A `u8`.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    /// A `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// A `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// An `i64`.
    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// A `u128`.
    pub fn u128(&mut self, v: u128) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Bytes, or none.
    pub fn opt(&mut self, v: Option<&[u8]>) {
        match v {
            None => self.u32(u32::MAX),
            Some(b) => {
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "a spilled value is far below 4 GiB"
                )]
                self.u32(b.len() as u32);
                self.buf.extend_from_slice(b);
            }
        }
    }
    /// Bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.opt(Some(b));
    }
}

/// Reads what [`Enc`] wrote, from a record's bytes.
#[derive(Clone, Copy)]
pub struct Dec<'a> {
    /// What is left.
    pub rest: &'a [u8],
}

impl<'a> Dec<'a> {
    /// A reader of `b`.
    pub fn new(b: &'a [u8]) -> Dec<'a> {
        Dec { rest: b }
    }
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.rest.len());
        let (a, b) = self.rest.split_at(n);
        self.rest = b;
        a
    }
    fn arr<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        let t = self.take(N);
        a[..t.len()].copy_from_slice(t);
        a
    }
    /// A `u8`.
    pub fn u8(&mut self) -> u8 {
        self.arr::<1>()[0]
    }
    /// A `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.arr())
    }
    /// A `u64`.
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.arr())
    }
    /// An `i64`.
    pub fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.arr())
    }
    /// A `u128`.
    pub fn u128(&mut self) -> u128 {
        u128::from_le_bytes(self.arr())
    }
    /// Bytes, or none.
    pub fn opt(&mut self) -> Option<&'a [u8]> {
        match self.u32() {
            u32::MAX => None,
            n => Some(self.take(n as usize)),
        }
    }
    /// Bytes (empty for none).
    pub fn bytes(&mut self) -> &'a [u8] {
        self.opt().unwrap_or_default()
    }
}

/// The records of a buffer, as slices (each without its length prefix).
pub fn records(buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = buf;
    std::iter::from_fn(move || {
        if rest.len() < 4 {
            return None;
        }
        let n = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let end = (4 + n).min(rest.len());
        let r = &rest[4..end];
        rest = &rest[end..];
        Some(r)
    })
}

/// A set of partition files that many threads append to: each thread
/// buffers in a [`Spiller`] and appends whole buffers under the file's lock.
pub struct Partitions {
    dir: PathBuf,
    locks: Vec<Mutex<u64>>,
}

impl Partitions {
    /// `parts` empty partition files in `dir` (created).
    pub fn create(dir: &Path, parts: usize) -> io::Result<Partitions> {
        fs::create_dir_all(dir)
            .map_err(|e| io::Error::new(e.kind(), format!("creating {}: {e}", dir.display())))?;
        Ok(Partitions {
            dir: dir.to_path_buf(),
            locks: (0..parts).map(|_| Mutex::new(0)).collect(),
        })
    }

    /// The number of partitions.
    pub fn len(&self) -> usize {
        self.locks.len()
    }

    /// Whether there are no partitions.
    pub fn is_empty(&self) -> bool {
        self.locks.is_empty()
    }

    /// Partition `k`'s file.
    pub fn path(&self, k: usize) -> PathBuf {
        self.dir.join(format!("p{k:05}"))
    }

    fn append(&self, k: usize, bytes: &[u8]) -> io::Result<()> {
        let mut n = self.locks[k]
            .lock()
            .map_err(|_| io::Error::other("a partition lock was poisoned"))?;
        let p = self.path(k);
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .map_err(|e| io::Error::new(e.kind(), format!("writing {}: {e}", p.display())))?;
        f.write_all(bytes)?;
        *n += bytes.len() as u64;
        Ok(())
    }

    /// Writes `bytes` as (the rest of) partition `k`.
    pub fn write_whole(&self, k: usize, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.append(k, bytes)
    }

    /// Reads partition `k` whole (empty if nothing was written to it).
    pub fn read(&self, k: usize) -> io::Result<Vec<u8>> {
        let p = self.path(k);
        match File::open(&p) {
            Ok(f) => {
                let mut v = Vec::new();
                BufReader::new(f).read_to_end(&mut v)?;
                Ok(v)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!("reading {}: {e}", p.display()),
            )),
        }
    }

    /// A writer of partition `k` for one thread (the partition's only writer).
    pub fn writer(&self, k: usize) -> io::Result<io::BufWriter<File>> {
        let p = self.path(k);
        let f = File::create(&p)
            .map_err(|e| io::Error::new(e.kind(), format!("creating {}: {e}", p.display())))?;
        Ok(io::BufWriter::with_capacity(1 << 16, f))
    }

    /// Streams the records of partition `k` to `f`, one at a time: memory
    /// stays at one record whatever the partition's size.
    pub fn each(&self, k: usize, mut f: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let p = self.path(k);
        let file = match File::open(&p) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("reading {}: {e}", p.display()),
                ))
            }
        };
        let mut r = BufReader::with_capacity(1 << 16, file);
        let mut rec = Vec::new();
        let mut len = [0u8; 4];
        loop {
            match r.read_exact(&mut len) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
            rec.resize(u32::from_le_bytes(len) as usize, 0);
            r.read_exact(&mut rec)?;
            f(&rec)?;
        }
    }

    /// Removes partition `k`'s file (once it has been read).
    pub fn remove(&self, k: usize) {
        let _ = fs::remove_file(self.path(k));
    }
}

/// One thread's buffers for a [`Partitions`]: records go to their
/// partition's buffer, and all buffers are appended to the files when
/// together they exceed `limit` bytes.
pub struct Spiller<'p> {
    parts: &'p Partitions,
    bufs: Vec<Enc>,
    held: usize,
    limit: usize,
}

impl<'p> Spiller<'p> {
    /// A spiller holding at most about `limit` bytes.
    pub fn new(parts: &'p Partitions, limit: usize) -> Spiller<'p> {
        Spiller {
            parts,
            bufs: (0..parts.len()).map(|_| Enc::default()).collect(),
            held: 0,
            limit: limit.max(1 << 16),
        }
    }

    /// The buffer of partition `k`, to encode one record into; call
    /// [`Spiller::wrote`] after.
    pub fn enc(&mut self, k: usize) -> &mut Enc {
        &mut self.bufs[k]
    }

    /// Accounts for `before..` bytes just encoded into partition `k`.
    pub fn wrote(&mut self, k: usize, before: usize) -> io::Result<()> {
        self.held += self.bufs[k].buf.len() - before;
        if self.held > self.limit {
            self.flush()?;
        }
        Ok(())
    }

    /// Appends every buffer to its file.
    pub fn flush(&mut self) -> io::Result<()> {
        for (k, b) in self.bufs.iter_mut().enumerate() {
            if !b.buf.is_empty() {
                self.parts.append(k, &b.buf)?;
                // Give the memory back: a partition that was busy once need
                // not keep its buffer.
                b.buf = Vec::new();
            }
        }
        self.held = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_contiguous_hash_ranges() {
        for parts in [1usize, 2, 3, 7, 64, 1000] {
            let hs = [0u128, 1 << 100, u128::MAX / 3, u128::MAX / 2, u128::MAX];
            let ks: Vec<usize> = hs.iter().map(|&h| partition_of(h, parts)).collect();
            assert!(ks.windows(2).all(|w| w[0] <= w[1]), "{parts}: {ks:?}");
            assert!(ks.iter().all(|&k| k < parts));
            assert_eq!(ks[4], parts - 1);
        }
    }

    #[test]
    fn records_round_trip() {
        let mut e = Enc::default();
        let at = e.begin();
        e.u128(7);
        e.opt(None);
        e.bytes(b"abc");
        e.i64(-5);
        e.end(at);
        let at = e.begin();
        e.u8(9);
        e.end(at);
        let recs: Vec<&[u8]> = records(&e.buf).collect();
        assert_eq!(recs.len(), 2);
        let mut d = Dec::new(recs[0]);
        assert_eq!(d.u128(), 7);
        assert_eq!(d.opt(), None);
        assert_eq!(d.bytes(), b"abc");
        assert_eq!(d.i64(), -5);
        assert_eq!(Dec::new(recs[1]).u8(), 9);
    }
}
